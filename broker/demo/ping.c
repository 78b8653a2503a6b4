#include "broker/demo/ping.h"

#include <stdio.h>
#include <string.h>

struct ping_peer {
	struct ping_node *node;
	int index;
	struct env_conn *conn;
	bool open;
	struct env_timer timer; /* next ping, or next reconnect */
	int64_t last_pong_ns;
	int64_t backoff_ns;
	uint64_t seq;
};

struct ping_node {
	struct env *env;
	const struct ping_config *cfg;
	struct ping_stats stats;
	struct ping_peer peers[PING_MAX_PEERS];
	struct env_file *log;
	struct env_req fsync_req;
	bool fsync_busy;
	uint8_t *payload;
};

static void peer_connect(struct ping_peer *p);

static void peer_schedule(struct ping_peer *p, int64_t delay_ns, env_timer_cb cb)
{
	struct ping_node *n = p->node;
	int64_t jitter = n->cfg->jitter_ns ? env_random_range(n->env, 0, n->cfg->jitter_ns) : 0;
	env_timer_start(n->env, &p->timer, delay_ns + jitter, cb);
}

static void reconnect_cb(struct env_timer *t)
{
	peer_connect(t->data);
}

/* The connection is gone (closed, reset, failed): try again later. */
static void peer_lost(struct ping_peer *p)
{
	p->conn = NULL;
	p->open = false;
	p->backoff_ns = p->backoff_ns ? p->backoff_ns * 2 : 100000000; /* 100 ms */
	if (p->backoff_ns > 2000000000)
		p->backoff_ns = 2000000000;
	peer_schedule(p, p->backoff_ns, reconnect_cb);
}

static void ping_cb(struct env_timer *t)
{
	struct ping_peer *p = t->data;
	struct ping_node *n = p->node;
	if (env_now_ns(n->env) - p->last_pong_ns > n->cfg->timeout_ns) {
		/* Silence: a partition or a dead peer. TCP would not tell us. */
		n->stats.timeouts++;
		env_log(n->env, ENV_LOG_INFO, "no pong from %s: dropping the connection",
			n->cfg->peers[p->index]);
		env_conn_close(p->conn);
		peer_lost(p);
		return;
	}
	uint8_t *frame = n->payload;
	size_t len = n->cfg->payload_bytes > 9 ? n->cfg->payload_bytes : 9;
	frame[0] = 'P';
	for (int i = 0; i < 8; i++)
		frame[1 + i] = (uint8_t)(p->seq >> (8 * i));
	if (env_conn_send(p->conn, frame, len) == ENV_OK) {
		n->stats.pings_sent++;
		p->seq++;
	}
	peer_schedule(p, n->cfg->interval_ns, ping_cb);
}

static void fsync_done(struct env_req *req, int status)
{
	struct ping_node *n = req->data;
	n->fsync_busy = false;
	if (status)
		env_log(n->env, ENV_LOG_WARN, "fsync failed: %s", env_status_name(status));
}

static void append_done(struct env_req *req, int status)
{
	struct ping_node *n = req->data;
	env_free(n->env, req);
	if (status) {
		env_log(n->env, ENV_LOG_WARN, "append failed: %s", env_status_name(status));
		return;
	}
	n->stats.lines_logged++;
	if (n->cfg->fsync_every && n->stats.lines_logged % n->cfg->fsync_every == 0 &&
	    !n->fsync_busy) {
		n->fsync_busy = true;
		n->fsync_req.data = n;
		/* Refused at submission (sim/env.h): no callback comes. */
		if (env_file_fsync(&n->fsync_req, n->log, fsync_done))
			n->fsync_busy = false;
	}
}

static void log_pong(struct ping_node *n, const char *peer, uint64_t seq)
{
	if (!n->log)
		return;
	char line[96];
	int len = snprintf(line, sizeof line, "%lld pong %s %llu\n",
			   (long long)env_wall_ms(n->env), peer, (unsigned long long)seq);
	struct env_req *req = env_alloc(n->env, sizeof *req);
	req->data = n;
	/* Refused at submission (sim/env.h): no callback comes to free it. */
	if (env_file_append(req, n->log, line, (size_t)len, append_done))
		env_free(n->env, req);
}

static void on_frame(struct env_conn *conn, const uint8_t *frame, size_t len)
{
	struct ping_node *n = env_conn_data(conn);
	if (len < 9)
		return;
	if (frame[0] == 'P') {
		uint8_t pong[9];
		memcpy(pong, frame, 9);
		pong[0] = 'O';
		if (env_conn_send(conn, pong, sizeof pong) == ENV_OK)
			n->stats.pings_answered++;
		return;
	}
	uint64_t seq = 0;
	for (int i = 0; i < 8; i++)
		seq |= (uint64_t)frame[1 + i] << (8 * i);
	for (int i = 0; i < n->cfg->n_peers; i++) {
		struct ping_peer *p = &n->peers[i];
		if (p->conn == conn) {
			p->last_pong_ns = env_now_ns(n->env);
			p->backoff_ns = 0;
		}
	}
	n->stats.pongs_received++;
	log_pong(n, env_conn_peer(conn), seq);
}

static void on_inbound_closed(struct env_conn *conn, int reason)
{
	struct ping_node *n = env_conn_data(conn);
	if (reason == ENV_EOF)
		n->stats.closed_eof++;
	else
		n->stats.closed_reset++;
}

static const struct env_conn_ops inbound_ops = {on_frame, on_inbound_closed};

static void on_outbound_closed(struct env_conn *conn, int reason)
{
	struct ping_node *n = env_conn_data(conn);
	on_inbound_closed(conn, reason);
	for (int i = 0; i < n->cfg->n_peers; i++)
		if (n->peers[i].conn == conn)
			peer_lost(&n->peers[i]);
}

static const struct env_conn_ops outbound_ops = {on_frame, on_outbound_closed};

static void on_connect(struct env_conn *conn, int status)
{
	struct ping_node *n = env_conn_data(conn);
	for (int i = 0; i < n->cfg->n_peers; i++) {
		struct ping_peer *p = &n->peers[i];
		if (p->conn != conn)
			continue;
		if (status) {
			n->stats.connects_failed++;
			peer_lost(p);
			return;
		}
		n->stats.connects_ok++;
		p->open = true;
		p->last_pong_ns = env_now_ns(n->env);
		peer_schedule(p, 0, ping_cb);
	}
}

static void peer_connect(struct ping_peer *p)
{
	struct ping_node *n = p->node;
	p->conn = env_connect(n->env, n->cfg->peers[p->index], n->cfg->port, &outbound_ops, n,
			      on_connect);
}

static void on_accept(void *arg, struct env_conn *conn)
{
	env_conn_set_ops(conn, &inbound_ops, arg);
}

/* Counts the lines a previous incarnation left, to show what survived. */
static uint64_t count_lines(struct env_file *f)
{
	uint8_t buf[4096];
	uint64_t lines = 0;
	int64_t off = 0, n;
	while ((n = env_file_read(f, off, buf, sizeof buf)) > 0) {
		for (int64_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
		off += n;
	}
	return lines;
}

void *ping_start(struct env *env, const void *config)
{
	const struct ping_config *cfg = config;
	struct ping_node *n = env_calloc(env, 1, sizeof *n);
	n->env = env;
	n->cfg = cfg;
	n->payload = env_calloc(env, 1, cfg->payload_bytes > 9 ? cfg->payload_bytes : 9);
	if (env_mkdirs(env, "/data") == ENV_OK &&
	    env_file_open(env, "/data/pongs.log", ENV_O_CREATE, &n->log) == ENV_OK)
		n->stats.recovered_lines = count_lines(n->log);
	env_listen(env, cfg->port, on_accept, n);
	for (int i = 0; i < cfg->n_peers; i++) {
		struct ping_peer *p = &n->peers[i];
		p->node = n;
		p->index = i;
		p->timer.data = p;
		peer_connect(p);
	}
	return n;
}

const struct ping_stats *ping_stats(const struct ping_node *node)
{
	return &node->stats;
}
