#include "real/real_outbound.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "real/real_buf.h"
#include "sim/util.h"

/* Bytes read per wake-up of one socket, so one server cannot starve others. */
#define READ_BUDGET (1u << 20)

struct oconn {
	struct real_watch watch;
	struct real_outbound *o;
	struct oconn *prev, *next;
	struct env_conn *sim; /* NULL once the world's end is gone */
	bool connected;       /* the real connect finished */
	bool closing;         /* the node closed: flush, then close */
	uint32_t mask;
	struct real_buf in, out;
};

struct real_outbound {
	struct real_loop *loop;
	struct sockaddr_in to;
	uint16_t world_port;
	size_t max_frame_bytes;
	struct oconn *conns;
	size_t n_conns;
};

static void oconn_close(struct oconn *oc)
{
	struct real_outbound *o = oc->o;
	if (oc->watch.fd < 0)
		return;
	if (oc->sim) {
		env_conn_close(oc->sim); /* the node sees the server's end */
		oc->sim = NULL;
	}
	int fd = oc->watch.fd;
	real_loop_del(o->loop, &oc->watch);
	close(fd);
	if (oc->prev)
		oc->prev->next = oc->next;
	else
		o->conns = oc->next;
	if (oc->next)
		oc->next->prev = oc->prev;
	o->n_conns--;
	real_buf_free(&oc->in);
	real_buf_free(&oc->out);
	real_loop_defer_free(o->loop, oc);
}

static void set_mask(struct oconn *oc, uint32_t mask)
{
	if (oc->mask != mask) {
		oc->mask = mask;
		real_loop_mod(oc->o->loop, &oc->watch, mask);
	}
}

/* ---- Toward the server ----------------------------------------------------------- */

/* Writes what is buffered; false when the connection was closed. */
static bool flush(struct oconn *oc)
{
	struct real_buf *b = &oc->out;
	while (b->off < b->len) {
		ssize_t n = write(oc->watch.fd, b->p + b->off, b->len - b->off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			set_mask(oc, EPOLLIN | EPOLLOUT);
			return true;
		}
		if (n <= 0) {
			oconn_close(oc);
			return false;
		}
		b->off += (size_t)n;
	}
	b->off = b->len = 0;
	set_mask(oc, EPOLLIN);
	if (oc->closing) {
		oconn_close(oc);
		return false;
	}
	return true;
}

static void on_frame(struct env_conn *conn, const uint8_t *frame, size_t len)
{
	struct oconn *oc = env_conn_data(conn);
	real_buf_put_frame(&oc->out, frame, len);
	if (oc->connected && !(oc->mask & EPOLLOUT))
		flush(oc);
}

static void on_closed(struct env_conn *conn, int reason)
{
	struct oconn *oc = env_conn_data(conn);
	oc->sim = NULL;
	if (reason == ENV_EOF && (!oc->connected || oc->out.off < oc->out.len)) {
		oc->closing = true; /* what the node sent still reaches the server */
		return;
	}
	oconn_close(oc);
}

static const struct env_conn_ops conn_ops = {on_frame, on_closed};

/* ---- From the server: one world frame per length-prefixed frame ----------------------- */

static bool forward(struct oconn *oc)
{
	struct real_buf *b = &oc->in;
	while (b->len - b->off >= 4) {
		uint32_t len = real_buf_prefix(b->p + b->off);
		if (len > oc->o->max_frame_bytes || len > INT32_MAX) {
			oconn_close(oc);
			return false;
		}
		if (b->len - b->off - 4 < len)
			break;
		/* A node that closed its end no longer takes frames. */
		if (oc->sim && env_conn_send(oc->sim, b->p + b->off + 4, len) != ENV_OK) {
			oconn_close(oc);
			return false;
		}
		b->off += 4 + (size_t)len;
	}
	if (b->off == b->len)
		b->off = b->len = 0;
	return true;
}

static void read_some(struct oconn *oc)
{
	size_t budget = READ_BUDGET;
	while (budget) {
		real_buf_reserve(&oc->in, REAL_BUF_CHUNK);
		ssize_t n = read(oc->watch.fd, oc->in.p + oc->in.len, REAL_BUF_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			oconn_close(oc); /* the server closed (or reset) its end */
			return;
		}
		oc->in.len += (size_t)n;
		budget = (size_t)n < budget ? budget - (size_t)n : 0;
		if (!forward(oc))
			return;
	}
}

static void on_socket(struct real_watch *w, uint32_t events)
{
	struct oconn *oc = w->data;
	if (!oc->connected) {
		int e = 0;
		socklen_t l = sizeof e;
		getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &e, &l);
		if (e || (events & (EPOLLERR | EPOLLHUP))) {
			oconn_close(oc); /* refused or unreachable: the node's connection ends */
			return;
		}
		oc->connected = true;
		flush(oc); /* what the node sent meanwhile; then read */
		return;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		read_some(oc);
	if (oc->watch.fd >= 0 && (events & EPOLLOUT))
		flush(oc);
}

/* ---- Accepting the node's connections ------------------------------------------------- */

static void on_accept(void *arg, struct env_conn *conn)
{
	struct real_outbound *o = arg;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		env_conn_close(conn);
		return;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	struct oconn *oc = sim_xcalloc(1, sizeof *oc);
	oc->o = o;
	oc->sim = conn;
	oc->watch = (struct real_watch){fd, on_socket, oc};
	oc->mask = EPOLLOUT; /* a non-blocking connect finishes writable */
	oc->next = o->conns;
	if (o->conns)
		o->conns->prev = oc;
	o->conns = oc;
	o->n_conns++;
	env_conn_set_ops(conn, &conn_ops, oc);
	int rc = connect(fd, (const struct sockaddr *)&o->to, sizeof o->to);
	if ((rc && errno != EINPROGRESS) || real_loop_add(o->loop, &oc->watch, EPOLLOUT)) {
		oconn_close(oc); /* not watched: its del is a no-op */
	}
}

struct real_outbound *real_outbound_new(struct real_loop *l, const struct sockaddr_in *to,
                                        uint16_t world_port, size_t max_frame_bytes)
{
	struct real_outbound *o = sim_xcalloc(1, sizeof *o);
	*o = (struct real_outbound){l, *to, world_port, max_frame_bytes, NULL, 0};
	return o;
}

void real_outbound_free(struct real_outbound *o)
{
	if (!o)
		return;
	while (o->conns)
		oconn_close(o->conns);
	free(o);
}

void *real_outbound_node_start(struct env *env, const void *config)
{
	struct real_outbound *o = (struct real_outbound *)config;
	env_listen(env, o->world_port, on_accept, o);
	return o;
}

size_t real_outbound_conns(const struct real_outbound *o)
{
	return o->n_conns;
}
