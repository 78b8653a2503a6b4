#define _GNU_SOURCE /* accept4 */
#include "real/real_proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "real/real_buf.h"
#include "sim/util.h"

#define READ_CHUNK REAL_BUF_CHUNK
/* Bytes read per wake-up of one socket, so one client cannot starve others. */
#define READ_BUDGET (1u << 20)

struct listener {
	struct real_watch watch;
	struct real_proxy *p;
	const struct real_proxy_route *route;
};

struct pconn {
	struct real_watch watch;
	struct real_proxy *p;
	struct pconn *prev, *next;
	struct env_conn *sim; /* NULL once the world's end is gone */
	bool open;            /* the world connection is open */
	bool closing;         /* the node closed gracefully: flush, then close */
	uint32_t mask;
	struct real_buf in, out;
};

struct real_proxy {
	struct real_loop *loop;
	struct real_proxy_config cfg;
	struct env *env; /* the `clients` node, once started */
	struct listener *listeners;
	size_t n_listeners;
	struct pconn *conns;
	size_t n_conns;
	uint64_t bad_frames;
};

void real_proxy_config_default(struct real_proxy_config *c)
{
	memset(c, 0, sizeof *c);
	c->listen_addr = "127.0.0.1";
	c->max_conns = 1024;
	c->max_frame_bytes = 100u << 20;
	c->max_backlog_bytes = 64u << 20;
}

/* ---- Closing ------------------------------------------------------------------ */

static void pconn_close(struct pconn *pc)
{
	struct real_proxy *p = pc->p;
	if (pc->watch.fd < 0)
		return;
	if (pc->sim) {
		env_conn_close(pc->sim);
		pc->sim = NULL;
	}
	int fd = pc->watch.fd;
	real_loop_del(p->loop, &pc->watch);
	close(fd);
	if (pc->prev)
		pc->prev->next = pc->next;
	else
		p->conns = pc->next;
	if (pc->next)
		pc->next->prev = pc->prev;
	p->n_conns--;
	real_buf_free(&pc->in);
	real_buf_free(&pc->out);
	real_loop_defer_free(p->loop, pc);
}

static void set_mask(struct pconn *pc, uint32_t mask)
{
	if (pc->mask != mask && pc->watch.fd >= 0) {
		pc->mask = mask;
		real_loop_mod(pc->p->loop, &pc->watch, mask);
	}
}

/* ---- Toward the client: frames with their length prefix ----------------------------- */

static void flush(struct pconn *pc)
{
	struct real_buf *b = &pc->out;
	while (b->off < b->len) {
		ssize_t n = write(pc->watch.fd, b->p + b->off, b->len - b->off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			set_mask(pc, EPOLLIN | EPOLLOUT);
			return;
		}
		if (n <= 0) {
			pconn_close(pc);
			return;
		}
		b->off += (size_t)n;
	}
	b->off = b->len = 0;
	set_mask(pc, EPOLLIN);
	if (pc->closing)
		pconn_close(pc);
}

static void on_frame(struct env_conn *conn, const uint8_t *frame, size_t len)
{
	struct pconn *pc = env_conn_data(conn);
	if (pc->out.len - pc->out.off + len > pc->p->cfg.max_backlog_bytes) {
		pconn_close(pc); /* the client stopped reading */
		return;
	}
	real_buf_put_frame(&pc->out, frame, len);
	if (!(pc->mask & EPOLLOUT))
		flush(pc);
}

static void on_closed(struct env_conn *conn, int reason)
{
	struct pconn *pc = env_conn_data(conn);
	pc->sim = NULL;
	pc->open = false;
	if (reason == ENV_EOF && pc->out.off < pc->out.len) {
		pc->closing = true; /* what the node sent still reaches the client */
		return;
	}
	pconn_close(pc);
}

/* ---- From the client: strip the prefix, one world frame per Kafka frame ------------- */

/* Sends every whole frame buffered (when the world connection is open);
 * false when the connection was closed for a bad frame. */
static bool forward(struct pconn *pc)
{
	struct real_buf *b = &pc->in;
	while (b->len - b->off >= 4) {
		const uint8_t *h = b->p + b->off;
		uint32_t len = real_buf_prefix(h);
		if (len > pc->p->cfg.max_frame_bytes || len > INT32_MAX) {
			pc->p->bad_frames++;
			pconn_close(pc);
			return false;
		}
		if (!pc->open || b->len - b->off - 4 < len)
			break;
		if (env_conn_send(pc->sim, h + 4, len) != ENV_OK) {
			pconn_close(pc);
			return false;
		}
		b->off += 4 + (size_t)len;
	}
	if (b->off == b->len)
		b->off = b->len = 0;
	return true;
}

static void read_some(struct pconn *pc)
{
	size_t budget = READ_BUDGET;
	while (budget) {
		real_buf_reserve(&pc->in, READ_CHUNK);
		ssize_t n = read(pc->watch.fd, pc->in.p + pc->in.len, READ_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			/* The client left, maybe mid-request: its world end closes too,
			 * and whatever the node answers goes nowhere. */
			pconn_close(pc);
			return;
		}
		pc->in.len += (size_t)n;
		budget = (size_t)n < budget ? budget - (size_t)n : 0;
		if (!forward(pc))
			return;
	}
}

static void on_socket(struct real_watch *w, uint32_t events)
{
	struct pconn *pc = w->data;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		read_some(pc);
	if (pc->watch.fd >= 0 && (events & EPOLLOUT))
		flush(pc);
}

static void on_connect(struct env_conn *conn, int status)
{
	struct pconn *pc = env_conn_data(conn);
	if (status != ENV_OK) {
		pc->sim = NULL; /* the handle is gone */
		pconn_close(pc);
		return;
	}
	pc->open = true;
	forward(pc);
}

static const struct env_conn_ops conn_ops = {on_frame, on_closed};

/* ---- Accepting ------------------------------------------------------------------------- */

static void on_accept(struct real_watch *w, uint32_t events)
{
	struct listener *ln = w->data;
	struct real_proxy *p = ln->p;
	for (;;) {
		int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return; /* EAGAIN, or out of descriptors: try at the next wake */
		if (!p->env || p->n_conns >= p->cfg.max_conns) {
			close(fd); /* the connection limit (or not serving yet) */
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		struct pconn *pc = sim_xcalloc(1, sizeof *pc);
		pc->p = p;
		pc->watch = (struct real_watch){fd, on_socket, pc};
		pc->mask = EPOLLIN;
		pc->next = p->conns;
		if (p->conns)
			p->conns->prev = pc;
		p->conns = pc;
		p->n_conns++;
		if (real_loop_add(p->loop, &pc->watch, EPOLLIN)) {
			pc->watch.fd = fd;
			pconn_close(pc);
			continue;
		}
		pc->sim = env_connect(p->env, ln->route->node, ln->route->port, &conn_ops, pc,
		                      on_connect);
	}
}

static int listen_on(const char *addr, uint16_t port, char *err, size_t err_size)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		snprintf(err, err_size, "%s: not an IPv4 address", addr);
		return -1;
	}
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, 128)) {
		snprintf(err, err_size, "cannot listen on %s:%u: %s", addr, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

struct real_proxy *real_proxy_new(struct real_loop *l, const struct real_proxy_config *c, char *err,
                                  size_t err_size)
{
	struct real_proxy *p = sim_xcalloc(1, sizeof *p);
	p->loop = l;
	p->cfg = *c;
	p->listeners = sim_xcalloc(c->n_routes + 1, sizeof *p->listeners);
	for (size_t i = 0; i < c->n_routes; i++) {
		int fd = listen_on(c->listen_addr, c->routes[i].real_port, err, err_size);
		if (fd < 0) {
			real_proxy_free(p);
			return NULL;
		}
		struct listener *ln = &p->listeners[p->n_listeners++];
		*ln = (struct listener){{fd, on_accept, ln}, p, &c->routes[i]};
		real_loop_add(l, &ln->watch, EPOLLIN);
	}
	return p;
}

void real_proxy_free(struct real_proxy *p)
{
	if (!p)
		return;
	while (p->conns)
		pconn_close(p->conns);
	for (size_t i = 0; i < p->n_listeners; i++) {
		int fd = p->listeners[i].watch.fd;
		real_loop_del(p->loop, &p->listeners[i].watch);
		close(fd);
	}
	free(p->listeners);
	free(p);
}

void *real_proxy_node_start(struct env *env, const void *config)
{
	struct real_proxy *p = (struct real_proxy *)config;
	p->env = env;
	return p;
}

size_t real_proxy_conns(const struct real_proxy *p)
{
	return p->n_conns;
}

uint64_t real_proxy_bad_frames(const struct real_proxy *p)
{
	return p->bad_frames;
}
