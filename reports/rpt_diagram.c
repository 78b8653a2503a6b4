/* rpt_diagram — a sequence diagram of a window of the run (see rpt_diagram.h). */
#include "reports/rpt_diagram.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "broker/codec/wire.h"
#include "broker/kp/kp_header.h"
#include "broker/zk/zk_jute.h"
#include "reports/rpt_escape.h"
#include "sim/util.h"

/* Requests older than this before the window are forgotten: no client
 * waits a minute for an answer (Kafka's request.timeout.ms is 30 s). */
#define PENDING_KEEP_NS (60 * 1000000000LL)
#define MAX_PENDING 4096
#define MAX_PORTS 16
#define NAME 40

struct arrow {
	int64_t t;
	uint16_t from, to; /* lanes */
	char label[64];
};

struct mark {
	int64_t t;
	int lane; /* -1: the whole cluster (a heal) */
	bool undo;
	char label[40];
};

struct conn_state {
	uint64_t id;
	bool client_seen, server_seen;
};

struct pending {
	uint64_t conn;
	int32_t key; /* correlation id or xid */
	int32_t what; /* api key or op code */
	int64_t t;
};

struct rpt_diagram {
	int64_t from_ns, to_ns;
	struct {
		uint16_t port;
		enum rpt_proto proto;
	} ports[MAX_PORTS];
	size_t n_ports;
	char lanes[RPT_DIAGRAM_MAX_LANES][NAME];
	size_t n_lanes;
	struct arrow *arrows;
	size_t n_arrows;
	uint64_t left_out;
	struct mark *marks;
	size_t n_marks, cap_marks;
	struct conn_state *conns;
	size_t n_conns, cap_conns;
	struct pending *pend;
	size_t n_pend;
};

struct rpt_diagram *rpt_diagram_new(int64_t from_ns, int64_t to_ns)
{
	struct rpt_diagram *d = sim_xcalloc(1, sizeof *d);
	d->from_ns = from_ns;
	d->to_ns = to_ns;
	d->arrows = sim_xcalloc(RPT_DIAGRAM_MAX_ARROWS, sizeof *d->arrows);
	d->pend = sim_xcalloc(MAX_PENDING, sizeof *d->pend);
	return d;
}

void rpt_diagram_free(struct rpt_diagram *d)
{
	if (!d)
		return;
	free(d->arrows);
	free(d->marks);
	free(d->conns);
	free(d->pend);
	free(d);
}

void rpt_diagram_port(struct rpt_diagram *d, uint16_t port, enum rpt_proto proto)
{
	for (size_t i = 0; i < d->n_ports; i++)
		if (d->ports[i].port == port) {
			d->ports[i].proto = proto;
			return;
		}
	if (d->n_ports < MAX_PORTS) {
		d->ports[d->n_ports].port = port;
		d->ports[d->n_ports++].proto = proto;
	}
}

size_t rpt_diagram_arrows(const struct rpt_diagram *d)
{
	return d->n_arrows;
}

uint64_t rpt_diagram_left_out(const struct rpt_diagram *d)
{
	return d->left_out;
}

static enum rpt_proto proto_of(const struct rpt_diagram *d, uint16_t port)
{
	for (size_t i = 0; i < d->n_ports; i++)
		if (d->ports[i].port == port)
			return d->ports[i].proto;
	return RPT_PROTO_OTHER;
}

/* The lane of a node, added when there is room; -1 when there is none. */
static int lane_of(struct rpt_diagram *d, const char *name)
{
	for (size_t i = 0; i < d->n_lanes; i++)
		if (!strcmp(d->lanes[i], name))
			return (int)i;
	if (d->n_lanes == RPT_DIAGRAM_MAX_LANES)
		return -1;
	snprintf(d->lanes[d->n_lanes], NAME, "%s", name);
	return (int)d->n_lanes++;
}

/* Connections are few (one per client and broker pair, again after each
 * reconnect) and a frame mostly belongs to a recent one: search backwards. */
static struct conn_state *conn_of(struct rpt_diagram *d, uint64_t id)
{
	for (size_t i = d->n_conns; i-- > 0;)
		if (d->conns[i].id == id)
			return &d->conns[i];
	if (d->n_conns == d->cap_conns) {
		d->cap_conns = d->cap_conns ? d->cap_conns * 2 : 64;
		d->conns = sim_xrealloc(d->conns, d->cap_conns * sizeof *d->conns);
	}
	d->conns[d->n_conns] = (struct conn_state){id, false, false};
	return &d->conns[d->n_conns++];
}

static void remember(struct rpt_diagram *d, int64_t t, uint64_t conn, int32_t key, int32_t what)
{
	if (t < d->from_ns - PENDING_KEEP_NS)
		return;
	if (d->n_pend == MAX_PENDING) {
		/* Forget the oldest half: requests that were never answered. */
		size_t keep = MAX_PENDING / 2;
		memmove(d->pend, d->pend + (MAX_PENDING - keep), keep * sizeof *d->pend);
		d->n_pend = keep;
	}
	d->pend[d->n_pend++] = (struct pending){conn, key, what, t};
}

/* The request answered by (conn, key), removed; false when unknown. */
static bool answer(struct rpt_diagram *d, uint64_t conn, int32_t key, int32_t *what)
{
	for (size_t i = 0; i < d->n_pend; i++)
		if (d->pend[i].conn == conn && d->pend[i].key == key) {
			*what = d->pend[i].what;
			memmove(d->pend + i, d->pend + i + 1, (d->n_pend - i - 1) * sizeof *d->pend);
			d->n_pend--;
			return true;
		}
	return false;
}

static void kafka_label(struct rpt_diagram *d, int64_t t, uint64_t conn, bool from_client,
			const uint8_t *frame, size_t len, char *label, size_t size)
{
	struct wire_reader r;
	wire_reader_init(&r, frame, len);
	if (from_client) {
		struct kp_request_header h;
		int rc = kp_decode_request_header(&r, &h);
		if (rc != 0 && rc != KP_EVERSION) {
			snprintf(label, size, "Kafka request (%zu bytes)", len);
			return;
		}
		remember(d, t, conn, h.correlation_id, h.api_key);
		snprintf(label, size, "%s", kp_api_name(h.api_key));
		return;
	}
	int32_t corr = wire_get_i32(&r), api;
	if (!r.err && answer(d, conn, corr, &api))
		snprintf(label, size, "%s response", kp_api_name(api));
	else
		snprintf(label, size, "Kafka response");
}

static void zk_label(struct rpt_diagram *d, int64_t t, struct conn_state *c, bool from_client,
		     const uint8_t *frame, size_t len, char *label, size_t size)
{
	struct wire_reader r;
	wire_reader_init(&r, frame, len);
	bool *seen = from_client ? &c->client_seen : &c->server_seen;
	if (!*seen) {
		/* A session opens with ConnectRequest / ConnectResponse, no header. */
		*seen = true;
		snprintf(label, size, from_client ? "connect" : "connect response");
		return;
	}
	int32_t xid = wire_get_i32(&r);
	if (from_client) {
		int32_t type = wire_get_i32(&r);
		if (r.err) {
			snprintf(label, size, "ZooKeeper request");
			return;
		}
		remember(d, t, c->id, xid, type);
		snprintf(label, size, "%s", zk_op_name(type));
		return;
	}
	int32_t op;
	if (r.err)
		snprintf(label, size, "ZooKeeper reply");
	else if (xid == -1)
		snprintf(label, size, "watch event");
	else if (answer(d, c->id, xid, &op))
		snprintf(label, size, "%s response", zk_op_name(op));
	else
		snprintf(label, size, "ZooKeeper reply");
}

/* ZooKeeper's server-to-server messages start with their type, in the
 * order of enum zk_msg (broker/zk/zk_server_impl.h). */
static void quorum_label(const uint8_t *frame, size_t len, char *label, size_t size)
{
	static const char *const names[] = {NULL,	 "vote",   "followerinfo", "newepoch",
					    "ackepoch",	 "sync",   "ack-newleader", "uptodate",
					    "proposal",	 "ack",	   "commit",	   "request",
					    "syncdone",	 "ping"};
	unsigned type = len ? frame[0] : 0;
	if (type > 0 && type < sizeof names / sizeof *names)
		snprintf(label, size, "%s", names[type]);
	else
		snprintf(label, size, "quorum message");
}

void rpt_diagram_frame(void *ctx, int64_t time_ns, const char *from, const char *to,
		       uint64_t conn, bool from_client, uint16_t port, const uint8_t *frame,
		       size_t len)
{
	struct rpt_diagram *d = ctx;
	if (time_ns > d->to_ns)
		return;
	char label[64];
	enum rpt_proto p = proto_of(d, port);
	if (p == RPT_PROTO_KAFKA)
		kafka_label(d, time_ns, conn, from_client, frame, len, label, sizeof label);
	else if (p == RPT_PROTO_ZK)
		zk_label(d, time_ns, conn_of(d, conn), from_client, frame, len, label,
			 sizeof label);
	else if (p == RPT_PROTO_ZK_QUORUM)
		quorum_label(frame, len, label, sizeof label);
	else
		snprintf(label, sizeof label, "%zu bytes", len);
	if (time_ns < d->from_ns)
		return;
	if (d->n_arrows == RPT_DIAGRAM_MAX_ARROWS) {
		d->left_out++;
		return;
	}
	int a = lane_of(d, from), b = lane_of(d, to);
	if (a < 0 || b < 0) {
		d->left_out++;
		return;
	}
	struct arrow *ar = &d->arrows[d->n_arrows++];
	ar->t = time_ns;
	ar->from = (uint16_t)a;
	ar->to = (uint16_t)b;
	snprintf(ar->label, sizeof ar->label, "%s", label);
}

static void add_mark(struct rpt_diagram *d, int64_t t, int lane, bool undo, const char *label)
{
	if (d->n_marks == d->cap_marks) {
		d->cap_marks = d->cap_marks ? d->cap_marks * 2 : 16;
		d->marks = sim_xrealloc(d->marks, d->cap_marks * sizeof *d->marks);
	}
	struct mark *m = &d->marks[d->n_marks++];
	m->t = t;
	m->lane = lane;
	m->undo = undo;
	snprintf(m->label, sizeof m->label, "%s", label);
}

void rpt_diagram_fault(struct rpt_diagram *d, int64_t time_ns, const char *action,
		       const char *const *targets, size_t n, bool undo)
{
	if (time_ns < d->from_ns || time_ns > d->to_ns)
		return;
	if (!n)
		add_mark(d, time_ns, -1, undo, action);
	for (size_t i = 0; i < n; i++) {
		int lane = lane_of(d, targets[i]);
		if (lane >= 0)
			add_mark(d, time_ns, lane, undo, action);
	}
}

/* ---- SVG ------------------------------------------------------------------------------ */

#define LANE_W 140
#define LEFT 100
#define TOP 80
#define ROW_H 22

/* Clients on the left, brokers in the middle, ZooKeeper on the right. */
static int rank(const char *name)
{
	static const char *const order[] = {"producer", "consumer", "final", "broker", "zk"};
	for (int i = 0; i < 5; i++)
		if (!strncmp(name, order[i], strlen(order[i])))
			return i;
	return 5;
}

/* Lane order: rank, then shorter names first (broker-2 before broker-10). */
static bool lane_before(const char *x, const char *y)
{
	int rx = rank(x), ry = rank(y);
	if (rx != ry)
		return rx < ry;
	size_t lx = strlen(x), ly = strlen(y);
	if (lx != ly)
		return lx < ly;
	return strcmp(x, y) < 0;
}

static void svg_time(FILE *out, int64_t ns)
{
	uint64_t us = (uint64_t)(ns < 0 ? 0 : ns) / 1000;
	fprintf(out, "%" PRIu64 ".%06u s", us / 1000000, (unsigned)(us % 1000000));
}

static void svg_text(FILE *out, int x, int y, const char *attrs, const char *text)
{
	fprintf(out, "<text x=\"%d\" y=\"%d\" %s>", x, y, attrs);
	rpt_xml_write_text(out, text, false);
	fputs("</text>\n", out);
}

static void svg_head(FILE *out, const struct rpt_diagram *d, const int *column, int width,
		     int height, int rows)
{
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		     "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		     "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">\n"
		     "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
		width, height, width, height);
	fputs("<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">messages from ",
	      out);
	svg_time(out, d->from_ns);
	fputs(" to ", out);
	svg_time(out, d->to_ns);
	fputs("</text>\n", out);
	if (d->left_out)
		fprintf(out, "<text x=\"10\" y=\"38\" fill=\"#b00\">capped: showing the first %zu "
			     "messages; %" PRIu64 " more in the window are not drawn</text>\n",
			d->n_arrows, d->left_out);
	int bottom = TOP + 20 + rows * ROW_H;
	for (size_t i = 0; i < d->n_lanes; i++) {
		int x = LEFT + column[i] * LANE_W + LANE_W / 2;
		fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"22\" rx=\"4\" "
			     "fill=\"#e8eef7\" stroke=\"#345\"/>\n",
			x - LANE_W / 2 + 8, TOP - 30, LANE_W - 16);
		svg_text(out, x, TOP - 15, "text-anchor=\"middle\" font-weight=\"bold\"",
			 d->lanes[i]);
		fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\" "
			     "stroke-dasharray=\"4,3\"/>\n",
			x, TOP - 8, x, bottom);
	}
}

static void svg_arrow(FILE *out, const struct arrow *a, const int *column, int y)
{
	int x1 = LEFT + column[a->from] * LANE_W + LANE_W / 2;
	int x2 = LEFT + column[a->to] * LANE_W + LANE_W / 2;
	char t[32];
	uint64_t us = (uint64_t)(a->t < 0 ? 0 : a->t) / 1000;
	snprintf(t, sizeof t, "%" PRIu64 ".%06u", us / 1000000, (unsigned)(us % 1000000));
	svg_text(out, 8, y + 4, "fill=\"#666\"", t);
	if (x1 == x2) {
		fprintf(out, "<path d=\"M%d,%d h30 v8 h-22\" fill=\"none\" stroke=\"#333\"/>\n"
			     "<polygon points=\"%d,%d %d,%d %d,%d\" fill=\"#333\"/>\n",
			x1, y - 4, x1, y + 4, x1 + 8, y, x1 + 8, y + 8);
		svg_text(out, x1 + 34, y, "", a->label);
		return;
	}
	int dir = x2 > x1 ? 1 : -1;
	/* The head is a polygon of its own, not a marker: every renderer draws it. */
	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n"
		     "<polygon points=\"%d,%d %d,%d %d,%d\" fill=\"#333\"/>\n",
		x1, y, x2 - dir * 8, y, x2, y, x2 - dir * 8, y - 4, x2 - dir * 8, y + 4);
	svg_text(out, (x1 + x2) / 2, y - 3, "text-anchor=\"middle\"", a->label);
}

static void svg_mark(FILE *out, const struct rpt_diagram *d, const struct mark *m,
		     const int *column, int y)
{
	const char *color = m->undo ? "#2a7d2a" : "#c00";
	char attrs[100];
	snprintf(attrs, sizeof attrs, "fill=\"%s\" font-weight=\"bold\"%s", color,
		 m->lane < 0 ? "" : " text-anchor=\"middle\"");
	if (m->lane < 0) {
		int x2 = LEFT + (int)d->n_lanes * LANE_W;
		fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
			     "stroke-width=\"2\"/>\n",
			LEFT, y, x2, y, color);
		svg_text(out, LEFT + 4, y - 3, attrs, m->label);
	} else {
		int x = LEFT + column[m->lane] * LANE_W + LANE_W / 2;
		fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"14\" fill=\"white\" "
			     "stroke=\"%s\"/>\n",
			x - LANE_W / 2 + 10, y - 9, LANE_W - 20, color);
		svg_text(out, x, y + 2, attrs, m->label);
	}
	char t[32];
	uint64_t us = (uint64_t)(m->t < 0 ? 0 : m->t) / 1000;
	snprintf(t, sizeof t, "%" PRIu64 ".%06u", us / 1000000, (unsigned)(us % 1000000));
	svg_text(out, 8, y + 4, "fill=\"#666\"", t);
}

/* Whether a fault stops its node (until a restart or resume undoes it). */
static bool stops_node(const struct mark *m)
{
	return !m->undo && (!strcmp(m->label, "kill") || !strcmp(m->label, "power-loss") ||
			    !strcmp(m->label, "pause"));
}

/* A band down the lane of each stopped node, from the fault to the next
 * undo on that lane (or the window's end): the node does nothing there. */
static void svg_down_bands(FILE *out, const struct rpt_diagram *d, const int *column,
			   const int *mark_row, int rows)
{
	for (size_t i = 0; i < d->n_marks; i++) {
		const struct mark *m = &d->marks[i];
		if (m->lane < 0 || !stops_node(m))
			continue;
		int end = rows;
		for (size_t k = i + 1; k < d->n_marks; k++)
			if (d->marks[k].lane == m->lane && d->marks[k].undo) {
				end = mark_row[k];
				break;
			}
		int x = LEFT + column[m->lane] * LANE_W + LANE_W / 2;
		int y1 = TOP + 20 + mark_row[i] * ROW_H, y2 = TOP + 20 + end * ROW_H;
		fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"%d\" fill=\"#c00\" "
			     "fill-opacity=\"0.15\"><title>",
			x - 6, y1, y2 - y1 > 0 ? y2 - y1 : 1);
		rpt_xml_write_text(out, d->lanes[m->lane], false);
		fprintf(out, " stopped (%s)</title></rect>\n", m->label);
	}
}

int rpt_diagram_write_svg(FILE *out, const struct rpt_diagram *d)
{
	int order[RPT_DIAGRAM_MAX_LANES], column[RPT_DIAGRAM_MAX_LANES];
	for (size_t i = 0; i < d->n_lanes; i++)
		order[i] = (int)i;
	/* At most RPT_DIAGRAM_MAX_LANES: an insertion sort is plenty. */
	for (size_t i = 1; i < d->n_lanes; i++)
		for (size_t k = i; k > 0 && lane_before(d->lanes[order[k]], d->lanes[order[k - 1]]);
		     k--) {
			int tmp = order[k];
			order[k] = order[k - 1];
			order[k - 1] = tmp;
		}
	for (size_t i = 0; i < d->n_lanes; i++)
		column[order[i]] = (int)i;
	int rows = (int)(d->n_arrows + d->n_marks);
	int width = LEFT + (int)(d->n_lanes ? d->n_lanes : 1) * LANE_W + 20;
	int height = TOP + 40 + rows * ROW_H;
	svg_head(out, d, column, width, height, rows);
	if (!rows)
		svg_text(out, LEFT, TOP + 10, "", "no message was delivered in this window");
	/* Arrows and marks are each in time order; merge them, marks first on ties
	 * (a fault strikes before what it causes is delivered). */
	int *mark_row = calloc(d->n_marks + 1, sizeof *mark_row);
	size_t ia = 0, im = 0;
	for (int row = 0; row < rows; row++) {
		if (im < d->n_marks && (ia == d->n_arrows || d->marks[im].t <= d->arrows[ia].t)) {
			if (mark_row)
				mark_row[im] = row;
			im++;
		} else {
			ia++;
		}
	}
	if (mark_row)
		svg_down_bands(out, d, column, mark_row, rows);
	free(mark_row);
	ia = 0;
	im = 0;
	for (int row = 0; row < rows; row++) {
		int y = TOP + 20 + row * ROW_H;
		if (im < d->n_marks && (ia == d->n_arrows || d->marks[im].t <= d->arrows[ia].t))
			svg_mark(out, d, &d->marks[im++], column, y);
		else
			svg_arrow(out, &d->arrows[ia++], column, y);
	}
	fputs("</svg>\n", out);
	return ferror(out) ? -1 : 0;
}
