/*
 * zk_server_client — the client port: handshake, reads served from the
 * local tree, writes submitted to the leader, replies in FIFO order (one
 * write in flight per connection, reads behind it wait), and the server's
 * start and inspection functions.
 */
#include "broker/zk/zk_server_impl.h"

#include <string.h>

#define CC_QUEUE_MAX 1024

static void cc_reply_hdr(struct zk_cconn *c, int32_t xid, int32_t err)
{
	uint8_t b[16];
	struct wire_writer w;
	struct zk_reply_header h = {xid, c->s->committed, err};
	wire_writer_init(&w, b, sizeof b);
	zk_encode_reply_header(&w, &h);
	if (c->conn)
		env_conn_send(c->conn, b, w.len);
}

static void cc_send_resp(struct zk_cconn *c, int32_t xid, const struct zk_response *resp)
{
	struct zk_reply_header h = {xid, c->s->committed, ZOK};
	struct wire_writer w;
	wire_writer_init(&w, NULL, 0);
	zk_encode_reply_header(&w, &h);
	zk_encode_response(&w, resp);
	size_t n = w.len;
	uint8_t *b = zk_srv_buf(c->s, n);
	wire_writer_init(&w, b, n);
	zk_encode_reply_header(&w, &h);
	zk_encode_response(&w, resp);
	if (c->conn)
		env_conn_send(c->conn, b, n);
}

static void reply_children(struct zk_cconn *c, int32_t xid, int32_t type,
			   const struct zk_tree_children *ch)
{
	struct zk_reply_header h = {xid, c->s->committed, ZOK};
	for (int pass = 0; pass < 2; pass++) {
		struct wire_writer w;
		size_t n = 0;
		uint8_t *b = NULL;
		if (pass) {
			wire_writer_init(&w, NULL, 0);
			zk_encode_reply_header(&w, &h);
			zk_tree_encode_children(&w, ch);
			n = w.len + (type == ZK_OP_GET_CHILDREN2 ? ZK_STAT_SIZE : 0);
			b = zk_srv_buf(c->s, n);
		}
		wire_writer_init(&w, b, n);
		zk_encode_reply_header(&w, &h);
		zk_tree_encode_children(&w, ch);
		if (type == ZK_OP_GET_CHILDREN2)
			zk_encode_stat(&w, &ch->stat);
		if (pass && c->conn)
			env_conn_send(c->conn, b, w.len);
	}
}

static bool is_write(int32_t type)
{
	switch (type) {
	case ZK_OP_CREATE: case ZK_OP_CREATE2: case ZK_OP_DELETE: case ZK_OP_SET_DATA:
	case ZK_OP_CHECK: case ZK_OP_MULTI: case ZK_OP_CLOSE_SESSION: case ZK_OP_SYNC:
		return true;
	default:
		return false;
	}
}

/* Serves a read at once; returns false for requests that go to the leader. */
static bool serve_local(struct zk_cconn *c, const struct zk_request_header *h,
			struct wire_reader *r)
{
	struct zk_server *s = c->s;
	struct zk_request q;
	struct zk_response resp = {.type = h->type};
	int rc = ZOK;
	switch (h->type) {
	case ZK_OP_PING:
	case ZK_OP_AUTH:
		cc_reply_hdr(c, h->xid, ZOK);
		return true;
	case ZK_OP_SET_WATCHES: {
		struct zk_set_watches sw;
		if (zk_decode_set_watches(r, &sw) == 0)
			zk_tree_set_watches(s->tree, c->token, &sw);
		cc_reply_hdr(c, h->xid, ZOK);
		return true;
	}
	case ZK_OP_SYNC:
		if (zk_decode_request(r, h->type, &q)) {
			cc_reply_hdr(c, h->xid, ZMARSHALLINGERROR);
			return true;
		}
		resp.path = q.path;
		cc_send_resp(c, h->xid, &resp);
		return true;
	case ZK_OP_EXISTS:
	case ZK_OP_GET_DATA:
	case ZK_OP_GET_CHILDREN:
	case ZK_OP_GET_CHILDREN2:
	case ZK_OP_GET_ACL:
		break;
	case ZK_OP_CREATE: case ZK_OP_CREATE2: case ZK_OP_DELETE: case ZK_OP_SET_DATA:
	case ZK_OP_CHECK: case ZK_OP_MULTI: case ZK_OP_CLOSE_SESSION:
		return false;
	default:
		cc_reply_hdr(c, h->xid, ZUNIMPLEMENTED);
		return true;
	}
	if (zk_decode_request(r, h->type, &q)) {
		cc_reply_hdr(c, h->xid, ZMARSHALLINGERROR);
		return true;
	}
	if (h->type == ZK_OP_GET_CHILDREN || h->type == ZK_OP_GET_CHILDREN2) {
		struct zk_tree_children ch;
		rc = zk_tree_get_children(s->tree, q.path, q.watch, c->token, &ch);
		if (rc == ZOK)
			reply_children(c, h->xid, h->type, &ch);
		else
			cc_reply_hdr(c, h->xid, rc);
		return true;
	}
	if (h->type == ZK_OP_EXISTS)
		rc = zk_tree_exists(s->tree, q.path, q.watch, c->token, &resp.stat);
	else if (h->type == ZK_OP_GET_DATA)
		rc = zk_tree_get_data(s->tree, q.path, q.watch, c->token, &resp.data, &resp.stat);
	else {
		/* ACLs are not modelled: every node is world:anyone with all rights. */
		static const struct zk_acl open_acl = {ZK_PERM_ALL, {"world", 5}, {"anyone", 6}};
		rc = zk_tree_exists(s->tree, q.path, false, 0, &resp.stat);
		resp.acl.count = 1;
		resp.acl.items = &open_acl;
	}
	if (rc == ZK_TREE_ENOMEM)
		rc = ZSYSTEMERROR;
	if (rc == ZOK)
		cc_send_resp(c, h->xid, &resp);
	else
		cc_reply_hdr(c, h->xid, rc);
	return true;
}

/* Whether a request must be the only one outstanding: sync is answered
 * by the leader out of band, and closeSession ends the connection. */
static bool is_barrier(int32_t type)
{
	return type == ZK_OP_SYNC || type == ZK_OP_CLOSE_SESSION;
}

/* Runs queued requests in order: writes are submitted to the leader as
 * they come (pipelined), a read is served once everything before it has
 * been answered. */
void zk_srv_cc_process(struct zk_cconn *c);
void zk_srv_cc_process(struct zk_cconn *c)
{
	struct zk_server *s = c->s;
	while (c->nsub < c->qlen && c->conn) {
		uint8_t *f = c->q[(c->qhead + c->nsub) % c->qcap];
		uint32_t len;
		memcpy(&len, f, 4);
		struct wire_reader r;
		struct zk_request_header h;
		wire_reader_init(&r, f + 4, len);
		if (zk_decode_request_header(&r, &h)) {
			env_conn_close(c->conn);
			c->conn = NULL;
			return;
		}
		/* The leader answers a sync of its own clients at once: its tree
		 * holds everything it committed (and this keeps every reply to
		 * a leader's client out of the submitting call). */
		bool remote = is_write(h.type) &&
			      !(h.type == ZK_OP_SYNC && s->role == ZK_ROLE_LEADING);
		if (c->nsub && (is_barrier(h.type) || !remote))
			return;
		if (remote) {
			c->nsub++;
			zk_quorum_submit(s, c->session, c->token, ZK_SUBMIT_REQUEST, f + 4, len);
			if (is_barrier(h.type))
				return;
			continue;
		}
		serve_local(c, &h, &r);
		env_free(s->env, f);
		c->qhead = (c->qhead + 1) % c->qcap;
		c->qlen--;
	}
}

static void touch(struct zk_server *s, int64_t session)
{
	struct zk_session *x = zk_srv_session(s, session);
	if (!x)
		return;
	x->touched = true;
	if (s->role == ZK_ROLE_LEADING)
		x->deadline_ns = env_now_ns(s->env) + (int64_t)x->timeout_ms * ZK_MS;
}

static void expired(struct zk_cconn *c)
{
	struct zk_connect_response r = {.has_read_only = true};
	uint8_t b[64];
	struct wire_writer w;
	wire_writer_init(&w, b, sizeof b);
	zk_encode_connect_response(&w, &r);
	env_conn_send(c->conn, b, w.len);
	env_conn_close(c->conn);
	c->conn = NULL;
}

void zk_srv_session_passwd(int64_t id, uint8_t out[ZK_PASSWD_LEN]);

static void handshake(struct zk_cconn *c, const uint8_t *f, size_t len)
{
	struct zk_server *s = c->s;
	const struct zk_server_config *cfg = s->cfg;
	struct zk_connect_request q;
	if (zk_decode_connect_request(f, len, &q) || q.last_zxid_seen > s->committed) {
		/* A client that has seen more than this server must try another. */
		env_conn_close(c->conn);
		c->conn = NULL;
		return;
	}
	/* zoo.cfg: minSessionTimeout and maxSessionTimeout default to 2 and 20
	 * ticks when unset (0). */
	int32_t lo = cfg->min_session_timeout_ms ? cfg->min_session_timeout_ms
						 : 2 * cfg->tick_time_ms;
	int32_t hi = cfg->max_session_timeout_ms ? cfg->max_session_timeout_ms
						 : 20 * cfg->tick_time_ms;
	int32_t t = q.timeout_ms;
	if (t < lo)
		t = lo;
	if (t > hi)
		t = hi;
	if (q.session_id == 0) {
		int64_t id = (int64_t)(((uint64_t)cfg->my_id << 56) |
				       (env_random(s->env) & 0x00ffffffffffffffull));
		c->session = id;
		c->hs_pending = true;
		uint8_t b[16];
		struct wire_writer w;
		wire_writer_init(&w, b, sizeof b);
		wire_put_i32(&w, t);
		zk_quorum_submit(s, id, c->token, ZK_SUBMIT_CREATE_SESSION, b, w.len);
		return;
	}
	uint8_t pw[ZK_PASSWD_LEN];
	zk_srv_session_passwd(q.session_id, pw);
	struct zk_session *x = zk_srv_session(s, q.session_id);
	if (!x || q.passwd.len != ZK_PASSWD_LEN || memcmp(pw, q.passwd.p, ZK_PASSWD_LEN)) {
		expired(c);
		return;
	}
	c->session = q.session_id;
	c->active = true;
	touch(s, c->session);
	struct zk_connect_response r = {.timeout_ms = x->timeout_ms, .session_id = x->id,
		.has_read_only = true};
	memcpy(r.passwd, pw, ZK_PASSWD_LEN);
	uint8_t b[64];
	struct wire_writer w;
	wire_writer_init(&w, b, sizeof b);
	zk_encode_connect_response(&w, &r);
	env_conn_send(c->conn, b, w.len);
}

void zk_srv_cc_free(struct zk_cconn *c);

static void cc_on_frame(struct env_conn *conn, const uint8_t *f, size_t len)
{
	struct zk_cconn *c = env_conn_data(conn);
	if (!c->active) {
		if (!c->hs_pending)
			handshake(c, f, len);
		if (!c->conn)
			zk_srv_cc_free(c);
		return;
	}
	touch(c->s, c->session);
	if (c->qlen == CC_QUEUE_MAX) {
		env_conn_close(c->conn);
		zk_srv_cc_free(c);
		return;
	}
	if (c->qlen == c->qcap) {
		uint32_t ncap = c->qcap ? c->qcap * 2 : 8;
		uint8_t **nq = env_alloc(c->s->env, ncap * sizeof *nq);
		for (uint32_t i = 0; i < c->qlen; i++)
			nq[i] = c->q[(c->qhead + i) % c->qcap];
		env_free(c->s->env, c->q);
		c->q = nq;
		c->qcap = ncap;
		c->qhead = 0;
	}
	uint8_t *copy = env_alloc(c->s->env, len + 4);
	uint32_t l32 = (uint32_t)len;
	memcpy(copy, &l32, 4);
	memcpy(copy + 4, f, len);
	c->q[(c->qhead + c->qlen++) % c->qcap] = copy;
	zk_srv_cc_process(c);
	if (!c->conn)
		zk_srv_cc_free(c);
}

static void cc_on_closed(struct env_conn *conn, int reason)
{
	struct zk_cconn *c = env_conn_data(conn);
	c->conn = NULL;
	zk_srv_cc_free(c);
}

static const struct env_conn_ops cc_ops = {cc_on_frame, cc_on_closed};

static void client_accept_cb(void *arg, struct env_conn *conn)
{
	struct zk_server *s = arg;
	/* A server outside a quorum drops clients, as ZooKeeper does. */
	if (!zk_quorum_is_serving(s)) {
		env_conn_close(conn);
		return;
	}
	struct zk_cconn *c = env_calloc(s->env, 1, sizeof *c);
	c->s = s;
	c->conn = conn;
	c->token = ++s->next_token;
	c->next = s->clients;
	s->clients = c;
	env_conn_set_ops(conn, &cc_ops, c);
}

static void *tree_realloc(void *ctx, void *p, size_t n)
{
	struct env *env = ctx;
	if (n == 0) {
		env_free(env, p);
		return NULL;
	}
	return env_realloc(env, p, n);
}

void zk_srv_watch_event(void *ctx, const struct zk_tree_event *ev);

void *zk_server_start(struct env *env, const void *config)
{
	const struct zk_server_config *cfg = config;
	struct zk_server *s = env_calloc(env, 1, sizeof *s);
	s->env = env;
	s->cfg = cfg;
	s->quorum = cfg->n_members / 2 + 1;
	s->alloc = (struct zk_alloc){tree_realloc, env};
	s->tree = zk_tree_create(&s->alloc, zk_srv_watch_event, s);
	/* Connection tokens travel with forwarded writes and come back with
	 * their commit, possibly after this server restarted: start each
	 * incarnation's tokens at a random base so an old token never names a
	 * new connection. */
	s->next_token = (int64_t)(env_random(env) & 0x7fffffffull) << 24;
	zk_store_recover(s);
	env_listen(env, cfg->client_port, client_accept_cb, s);
	zk_quorum_start(s);
	return s;
}

/* ---- Inspection -------------------------------------------------------- */

enum zk_server_role zk_server_role(const struct zk_server *s)
{
	return s->role;
}

bool zk_server_serving(const struct zk_server *s)
{
	return zk_quorum_is_serving(s);
}

int64_t zk_server_current_epoch(const struct zk_server *s)
{
	return s->current_epoch;
}

int64_t zk_server_committed_zxid(const struct zk_server *s)
{
	return s->committed;
}

int64_t zk_server_last_zxid(const struct zk_server *s)
{
	return s->nhist ? s->hist[s->nhist - 1].zxid : s->hist_base;
}

uint64_t zk_server_digest(const struct zk_server *s)
{
	return zk_tree_digest(s->tree);
}

bool zk_server_has_session(const struct zk_server *s, int64_t session)
{
	return zk_srv_session(s, session) != NULL;
}

int32_t zk_server_ephemeral_count(const struct zk_server *s, int64_t session)
{
	return zk_tree_ephemeral_count(s->tree, session);
}

int32_t zk_server_orphan_ephemerals(const struct zk_server *s)
{
	int32_t n = 0;
	for (uint32_t i = 0; i < zk_tree_ephemeral_total(s->tree); i++)
		if (!zk_srv_session(s, zk_tree_ephemeral_owner(s->tree, i)))
			n++;
	return n;
}

bool zk_server_exists(struct zk_server *s, const char *path)
{
	struct zk_stat st;
	return zk_tree_exists(s->tree, zk_str_from_cstr(path), false, 0, &st) == ZOK;
}

int32_t zk_server_client_count(const struct zk_server *s)
{
	int32_t n = 0;
	for (const struct zk_cconn *c = s->clients; c; c = c->next)
		n++;
	return n;
}
