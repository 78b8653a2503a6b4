#include "broker/kafka/brk_front.h"

#include <string.h>

#include "broker/codec/wire_scratch.h"
#include "broker/kp/kp_dispatch.h"
#include "broker/kp/kp_error.h"

struct queued {
	struct queued *next;
	size_t len;
	uint8_t data[];
};

struct brk_conn {
	struct brk_front *front;
	struct env_conn *conn; /* NULL once closed */
	struct brk_conn *prev;
	struct brk_conn *next;
	struct brk_req *inflight; /* the connection is muted while set */
	struct queued *q_head;
	struct queued *q_tail;
	uint32_t q_len;
	bool pumping;
};

struct brk_front {
	struct env *env;
	struct brk_front_config cfg;
	brk_handler handler;
	void *ctx;
	struct brk_conn *head; /* accept order */
	struct brk_conn *tail;
	size_t n_conns;
	struct brk_front_stats stats;
	struct wire_scratch out; /* responses are encoded here, then copied by the send */
};

/*
 * Advertised ranges: exactly what the codec decodes (kp_api_supported_list),
 * so a client never picks an advertised version that then closes its
 * connection. docs/broker.md explains each range: every version librdkafka
 * 2.0.2, kafka-python 2.0.2 and kafkajs 2.2.4 send, with the low versions
 * librdkafka's feature checks look for where their layout is served.
 *
 * A ZooKeeper-mode Kafka broker also lists the inter-broker APIs in its
 * ApiVersions answer; they are listed at the one version the codec speaks.
 * Clients never send them: librdkafka 2.0 does not use
 * OffsetForLeaderEpoch at all, and later librdkafka releases that do send
 * it only at versions up to 2, which share nothing with 3-3 and so leave
 * the API unused; kafkajs uses none of them.
 */
const struct kp_api_version_range *brk_front_advertised(size_t *count)
{
	return kp_api_supported_list(count);
}

void brk_front_config_default(struct brk_front_config *c)
{
	c->port = 9092;
	c->max_request_bytes = 100u << 20;
	c->max_queued = 500;
}

const struct brk_front_stats *brk_front_stats(const struct brk_front *f)
{
	return &f->stats;
}

size_t brk_front_connections(const struct brk_front *f)
{
	return f->n_conns;
}

/* ---- Connection lifetime ---------------------------------------------- */

static void queue_clear(struct env *env, struct brk_conn *c)
{
	while (c->q_head) {
		struct queued *q = c->q_head;
		c->q_head = q->next;
		env_free(env, q);
	}
	c->q_tail = NULL;
	c->q_len = 0;
}

/* Frees the record once the socket is gone and no request points at it. */
static void conn_maybe_free(struct brk_conn *c)
{
	struct brk_front *f = c->front;
	if (c->conn || c->inflight || c->pumping)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		f->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		f->tail = c->prev;
	f->n_conns--;
	env_free(f->env, c);
}

static void conn_close(struct brk_conn *c)
{
	if (c->conn) {
		env_conn_close(c->conn);
		c->conn = NULL;
	}
	queue_clear(c->front->env, c);
}

static void req_free(struct brk_front *f, struct brk_req *r)
{
	env_free(f->env, r->frame);
	env_free(f->env, r->arena);
	env_free(f->env, r);
}

/* ---- Serving ---------------------------------------------------------------- */

static void encode_response(struct wire_writer *w, const void *resp)
{
	kp_encode_response(w, resp);
}

static void send_encoded(struct brk_conn *c, struct kp_response *resp)
{
	struct brk_front *f = c->front;
	const uint8_t *bytes;
	size_t len;
	int err = wire_scratch_encode(f->env, &f->out, encode_response, resp, &bytes, &len);
	if (err) {
		env_log(f->env, ENV_LOG_ERROR, "cannot encode %s v%d response: error %d",
			kp_api_name(resp->api_key), resp->api_version, err);
		conn_close(c);
	} else if (c->conn && env_conn_send(c->conn, bytes, len) != ENV_OK) {
		conn_close(c);
	}
}

static void answer_api_versions(struct brk_conn *c, struct brk_req *r)
{
	struct kp_response resp = {.api_key = KP_API_API_VERSIONS};
	resp.api_version = r->req.header.api_version;
	resp.correlation_id = r->req.header.correlation_id;
	struct kp_api_versions_response *av = &resp.body.api_versions;
	size_t n;
	av->api_keys = brk_front_advertised(&n);
	av->api_key_count = (int32_t)n;
	/* KIP-511: a v3 request with a malformed software name is refused. */
	if (!kp_api_versions_request_valid(r->req.header.api_version, &r->req.body.api_versions))
		av->error_code = KP_ERR_INVALID_REQUEST;
	send_encoded(c, &resp);
}

/* Decodes with a small arena first; only a frame that needs more gets the
 * worst-case bound (16 bytes per frame byte). */
static enum kp_dispatch decode(struct brk_front *f, struct brk_req *r, size_t len,
			       struct wire_writer *reply, int *status)
{
	size_t caps[2] = {4096, kp_arena_bound(len)};
	enum kp_dispatch d = KP_DISPATCH_CLOSE;
	for (int i = 0; i < 2; i++) {
		struct kp_arena a;
		env_free(f->env, r->arena);
		r->arena = env_alloc(f->env, caps[i]);
		kp_arena_init(&a, r->arena, caps[i]);
		d = kp_dispatch_request(r->frame, len, &a, &r->req, reply, status);
		if (*status != KP_EARENA)
			break;
	}
	return d;
}

static void serve(struct brk_conn *c, const uint8_t *frame, size_t len)
{
	struct brk_front *f = c->front;
	struct brk_req *r = env_calloc(f->env, 1, sizeof *r);
	r->front = f;
	r->conn = c;
	r->peer = c->conn ? env_conn_peer(c->conn) : "?";
	r->frame = env_alloc(f->env, len ? len : 1);
	memcpy(r->frame, frame, len);
	uint8_t reply_buf[64];
	struct wire_writer reply;
	wire_writer_init(&reply, reply_buf, sizeof reply_buf);
	int status;
	enum kp_dispatch d = decode(f, r, len, &reply, &status);
	if (d == KP_DISPATCH_REPLIED) {
		if (c->conn && env_conn_send(c->conn, reply_buf, reply.len) != ENV_OK)
			conn_close(c);
	} else if (d == KP_DISPATCH_CLOSE) {
		env_log(f->env, ENV_LOG_WARN,
			"closing connection from %s: bad %s v%d request (%d bytes, error %d)",
			r->peer, kp_api_name(r->req.header.api_key), r->req.header.api_version,
			(int)len, status);
		f->stats.closed_malformed++;
		conn_close(c);
	} else if (r->req.header.api_key == KP_API_API_VERSIONS) {
		answer_api_versions(c, r);
	} else {
		f->stats.requests++;
		c->inflight = r;
		f->handler(f->ctx, r);
		return;
	}
	req_free(f, r);
}

/* Serves queued frames until one stays in flight (the connection mutes).
 * A loop, not recursion: a handler that answers at once comes back here. */
static void pump(struct brk_conn *c)
{
	if (c->pumping)
		return;
	c->pumping = true;
	while (c->conn && !c->inflight && c->q_head) {
		struct queued *q = c->q_head;
		c->q_head = q->next;
		if (!c->q_head)
			c->q_tail = NULL;
		c->q_len--;
		serve(c, q->data, q->len);
		env_free(c->front->env, q);
	}
	c->pumping = false;
	conn_maybe_free(c);
}

static void release(struct brk_req *r)
{
	struct brk_conn *c = r->conn;
	req_free(r->front, r);
	c->inflight = NULL;
	pump(c);
}

/*
 * OffsetFetch v0-1 has no top-level error_code: Kafka
 * (OffsetFetchRequest.getErrorResponse) answers a group-level error there
 * by putting it, with offset -1 and null metadata, in every partition the
 * request named. The handler writes one answer for every version; this
 * reshapes it for the old ones. Returns the partitions to free, or NULL.
 */
static struct kp_offset_fetch_topic_response *
offset_fetch_spread_error(struct env *env, const struct brk_req *r, struct kp_response *resp)
{
	const struct kp_offset_fetch_request *req = &r->req.body.offset_fetch;
	struct kp_offset_fetch_response *out = &resp->body.offset_fetch;
	if (resp->api_version >= 2 || out->error_code == KP_ERR_NONE || req->topic_count <= 0)
		return NULL;
	size_t n = 0;
	for (int32_t t = 0; t < req->topic_count; t++)
		n += (size_t)req->topics[t].partition_count;
	/* One block: the topics, then every partition after them. */
	struct kp_offset_fetch_topic_response *topics;
	struct kp_offset_fetch_partition_response *parts;
	size_t topics_size = (size_t)req->topic_count * sizeof *topics;
	topics = env_calloc(env, 1, topics_size + (n + 1) * sizeof *parts);
	parts = (void *)((uint8_t *)topics + topics_size);
	for (int32_t t = 0, k = 0; t < req->topic_count; t++) {
		const struct kp_offset_fetch_topic *ft = &req->topics[t];
		topics[t] = (struct kp_offset_fetch_topic_response){ft->name, &parts[k],
								    ft->partition_count};
		for (int32_t i = 0; i < ft->partition_count; i++, k++)
			parts[k] = (struct kp_offset_fetch_partition_response){
				ft->partition_indexes[i], -1, KP_STR_NULL, out->error_code};
	}
	out->topics = topics;
	out->topic_count = req->topic_count;
	return topics;
}

void brk_front_respond(struct brk_req *r, struct kp_response *resp)
{
	resp->api_key = r->req.header.api_key;
	resp->api_version = r->req.header.api_version;
	resp->correlation_id = r->req.header.correlation_id;
	void *extra = NULL;
	if (resp->api_key == KP_API_OFFSET_FETCH)
		extra = offset_fetch_spread_error(r->front->env, r, resp);
	if (r->conn->conn)
		send_encoded(r->conn, resp);
	env_free(r->front->env, extra);
	release(r);
}

void brk_front_drop(struct brk_req *r)
{
	release(r);
}

void brk_front_reject(struct brk_req *r)
{
	conn_close(r->conn);
	release(r);
}

/* ---- env callbacks ------------------------------------------------------------ */

static void on_frame(struct env_conn *conn, const uint8_t *frame, size_t len)
{
	struct brk_conn *c = env_conn_data(conn);
	struct brk_front *f = c->front;
	if (len > f->cfg.max_request_bytes || (c->q_len >= f->cfg.max_queued)) {
		env_log(f->env, ENV_LOG_WARN, "closing connection from %s: %s",
			env_conn_peer(conn),
			len > f->cfg.max_request_bytes ? "request over socket.request.max.bytes"
						       : "too many queued requests");
		f->stats.closed_overflow++;
		conn_close(c);
		conn_maybe_free(c);
		return;
	}
	if (!c->inflight && !c->q_head) {
		c->pumping = true; /* keep c alive across the handler */
		serve(c, frame, len);
		c->pumping = false;
		pump(c);
		return;
	}
	struct queued *q = env_alloc(f->env, sizeof *q + len);
	q->next = NULL;
	q->len = len;
	memcpy(q->data, frame, len);
	if (c->q_tail)
		c->q_tail->next = q;
	else
		c->q_head = q;
	c->q_tail = q;
	c->q_len++;
}

static void on_closed(struct env_conn *conn, int reason)
{
	struct brk_conn *c = env_conn_data(conn);
	c->conn = NULL;
	queue_clear(c->front->env, c);
	conn_maybe_free(c);
}

static const struct env_conn_ops conn_ops = {on_frame, on_closed};

static void on_accept(void *arg, struct env_conn *conn)
{
	struct brk_front *f = arg;
	struct brk_conn *c = env_calloc(f->env, 1, sizeof *c);
	c->front = f;
	c->conn = conn;
	c->prev = f->tail;
	if (f->tail)
		f->tail->next = c;
	else
		f->head = c;
	f->tail = c;
	f->n_conns++;
	f->stats.accepted++;
	env_conn_set_ops(conn, &conn_ops, c);
}

struct brk_front *brk_front_start(struct env *env, const struct brk_front_config *cfg,
				  brk_handler handler, void *ctx)
{
	struct brk_front *f = env_calloc(env, 1, sizeof *f);
	f->env = env;
	f->cfg = *cfg;
	f->handler = handler;
	f->ctx = ctx;
	int rc = env_listen(env, cfg->port, on_accept, f);
	if (rc) {
		env_log(env, ENV_LOG_ERROR, "cannot listen on port %u: %s", cfg->port,
			env_status_name(rc));
		env_free(env, f);
		return NULL;
	}
	return f;
}

void brk_front_stop(struct brk_front *f)
{
	env_unlisten(f->env, f->cfg.port);
	for (struct brk_conn *c = f->head, *next; c; c = next) {
		next = c->next;
		conn_close(c);
		conn_maybe_free(c);
	}
	wire_scratch_free(f->env, &f->out);
}
