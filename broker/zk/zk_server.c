/*
 * zk_server — lifecycle, the replicated session table, committing txns to
 * the tree, and ZooKeeper's client protocol on the client port. The quorum
 * protocol is in zk_quorum.c, the disk in zk_store.c.
 */
#include "broker/zk/zk_server.h"

#include <string.h>

#include "broker/zk/zk_server_impl.h"

/* ZooKeeper derives a session's password from its id and a fixed secret,
 * so every server can check it without replicating it. */
#define ZK_SUPER_SECRET 0xB3415C00ull

void zk_server_config_default(struct zk_server_config *c)
{
	memset(c, 0, sizeof *c);
	c->tick_time_ms = 2000;
	c->init_limit = 10;
	c->sync_limit = 5;
	c->snap_count = 100000;
	c->client_port = 2181;
	c->quorum_port = 2888;
	c->election_port = 3888;
	c->data_dir = "/zk";
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

uint64_t zk_server_txn_hash(int64_t zxid, int64_t time_ms, const uint8_t *txn, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	h = fnv(h, &zxid, sizeof zxid);
	h = fnv(h, &time_ms, sizeof time_ms);
	return fnv(h, txn, len);
}

void zk_srv_session_passwd(int64_t id, uint8_t out[ZK_PASSWD_LEN]);
void zk_srv_session_passwd(int64_t id, uint8_t out[ZK_PASSWD_LEN])
{
	uint64_t h = fnv(0xcbf29ce484222325ull ^ ZK_SUPER_SECRET, &id, sizeof id);
	for (int i = 0; i < ZK_PASSWD_LEN; i++) {
		h = h * 6364136223846793005ull + 1442695040888963407ull;
		out[i] = (uint8_t)(h >> 56);
	}
}

uint8_t *zk_srv_buf(struct zk_server *s, size_t n)
{
	if (n > s->buf_cap) {
		s->buf_cap = n * 2;
		s->buf = env_realloc(s->env, s->buf, s->buf_cap);
	}
	return s->buf;
}

int32_t zk_srv_index(const struct zk_server *s, int32_t id)
{
	for (int32_t i = 0; i < s->cfg->n_members; i++)
		if (s->cfg->members[i].id == id)
			return i;
	return -1;
}

/* ---- Sessions ---------------------------------------------------------- */

struct zk_session *zk_srv_session(const struct zk_server *s, int64_t id)
{
	for (uint32_t i = 0; i < s->nsess; i++)
		if (s->sess[i].id == id)
			return &s->sess[i];
	return NULL;
}

void zk_srv_session_put(struct zk_server *s, int64_t id, int32_t timeout_ms)
{
	if (zk_srv_session(s, id))
		return;
	if (s->nsess == s->sess_cap) {
		s->sess_cap = s->sess_cap ? s->sess_cap * 2 : 16;
		s->sess = env_realloc(s->env, s->sess, s->sess_cap * sizeof *s->sess);
	}
	/* Kept in id order so snapshots and expiry scans are deterministic. */
	uint32_t at = 0;
	while (at < s->nsess && s->sess[at].id < id)
		at++;
	memmove(&s->sess[at + 1], &s->sess[at], (s->nsess - at) * sizeof *s->sess);
	s->nsess++;
	s->sess[at] = (struct zk_session){.id = id, .timeout_ms = timeout_ms,
		.deadline_ns = env_now_ns(s->env) + (int64_t)timeout_ms * ZK_MS};
}

void zk_srv_session_del(struct zk_server *s, int64_t id)
{
	struct zk_session *x = zk_srv_session(s, id);
	if (!x)
		return;
	uint32_t at = (uint32_t)(x - s->sess);
	memmove(&s->sess[at], &s->sess[at + 1], (s->nsess - at - 1) * sizeof *s->sess);
	s->nsess--;
}

/* ---- Sending to clients ------------------------------------------------ */

static void cc_send(struct zk_cconn *c, const uint8_t *p, size_t n)
{
	if (c->conn)
		env_conn_send(c->conn, p, n);
}

/* Encodes a reply: header, then (when err is ZOK) `body` for `resp`. */
static void cc_reply(struct zk_cconn *c, int32_t xid, int64_t zxid, int32_t err,
		     const struct zk_response *resp)
{
	struct zk_reply_header h = {xid, zxid, err};
	struct wire_writer w;
	wire_writer_init(&w, NULL, 0);
	zk_encode_reply_header(&w, &h);
	if (err == ZOK && resp)
		zk_encode_response(&w, resp);
	uint8_t *b = zk_srv_buf(c->s, w.len);
	size_t n = w.len;
	wire_writer_init(&w, b, n);
	zk_encode_reply_header(&w, &h);
	if (err == ZOK && resp)
		zk_encode_response(&w, resp);
	cc_send(c, b, n);
}

static struct zk_cconn *cc_find(struct zk_server *s, int64_t token)
{
	for (struct zk_cconn *c = s->clients; c; c = c->next)
		if (c->token == token)
			return c;
	return NULL;
}

void zk_srv_watch_event(void *ctx, const struct zk_tree_event *ev);
void zk_srv_watch_event(void *ctx, const struct zk_tree_event *ev)
{
	struct zk_server *s = ctx;
	struct zk_cconn *c = cc_find(s, ev->watcher);
	if (!c)
		return;
	struct zk_watcher_event e = {ev->type, ZK_STATE_SYNC_CONNECTED, ev->path};
	uint8_t *b = zk_srv_buf(s, (size_t)ev->path.len + 64);
	struct wire_writer w;
	wire_writer_init(&w, b, (size_t)ev->path.len + 64);
	zk_encode_notification(&w, &e);
	cc_send(c, b, w.len);
}

void zk_srv_cc_free(struct zk_cconn *c);
static void cc_free(struct zk_cconn *c)
{
	struct zk_server *s = c->s;
	for (struct zk_cconn **pp = &s->clients; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	zk_tree_remove_watcher(s->tree, c->token);
	for (uint32_t i = 0; i < c->qlen; i++)
		env_free(s->env, c->q[(c->qhead + i) % c->qcap]);
	env_free(s->env, c->q);
	env_free(s->env, c);
}

void zk_srv_cc_free(struct zk_cconn *c)
{
	cc_free(c);
}

static void cc_close(struct zk_cconn *c)
{
	if (c->conn)
		env_conn_close(c->conn);
	c->conn = NULL;
	cc_free(c);
}

void zk_srv_drop_clients(struct zk_server *s)
{
	while (s->clients)
		cc_close(s->clients);
}

/* ---- Committing -------------------------------------------------------- */

static void cc_pop(struct zk_cconn *c)
{
	env_free(c->s->env, c->q[c->qhead]);
	c->qhead = (c->qhead + 1) % c->qcap;
	c->qlen--;
	if (c->nsub)
		c->nsub--;
}

void zk_srv_cc_process(struct zk_cconn *c);

static void send_connect_response(struct zk_cconn *c, int32_t timeout_ms, int64_t session)
{
	struct zk_connect_response r = {.timeout_ms = timeout_ms, .session_id = session,
		.has_read_only = true};
	if (session)
		zk_srv_session_passwd(session, r.passwd);
	uint8_t b[64];
	struct wire_writer w;
	wire_writer_init(&w, b, sizeof b);
	zk_encode_connect_response(&w, &r);
	cc_send(c, b, w.len);
}

/* Marks the create2 ops of the client's multi so the reply carries stats. */
static void fix_multi_types(const uint8_t *req, size_t len, struct zk_multi_result *res,
			    int32_t n)
{
	struct wire_reader r;
	struct zk_request_header h;
	struct zk_multi m;
	wire_reader_init(&r, req, len);
	if (zk_decode_request_header(&r, &h) || zk_decode_multi_request(&r, &m))
		return;
	struct wire_reader it;
	struct zk_request op;
	zk_vec_iter(&it, m.raw, m.raw_len);
	for (int32_t i = 0; i < n && zk_next_multi_op(&it, &op) == 1; i++)
		if (op.type == ZK_OP_CREATE2 && res[i].type == ZK_OP_CREATE)
			res[i].type = ZK_OP_CREATE2;
}

/* Answers the head request of c with the result of its committed txn. */
static void answer_write(struct zk_cconn *c, int64_t zxid, struct zk_multi_result *res,
			 int32_t nres)
{
	const uint8_t *req = c->q[c->qhead] + 4;
	size_t len = 0;
	memcpy(&len, c->q[c->qhead], 4);
	struct wire_reader r;
	struct zk_request_header h;
	wire_reader_init(&r, req, len);
	zk_decode_request_header(&r, &h);
	if (h.type == ZK_OP_MULTI) {
		fix_multi_types(req, len, res, nres);
		struct wire_writer w;
		wire_writer_init(&w, NULL, 0);
		struct zk_reply_header rh = {h.xid, zxid, 0};
		zk_encode_reply_header(&w, &rh);
		zk_encode_multi_response(&w, res, nres);
		size_t n = w.len;
		uint8_t *b = zk_srv_buf(c->s, n);
		wire_writer_init(&w, b, n);
		zk_encode_reply_header(&w, &rh);
		zk_encode_multi_response(&w, res, nres);
		cc_send(c, b, n);
	} else {
		struct zk_response resp = {.type = h.type, .path = res[0].path,
			.stat = res[0].stat};
		int32_t err = res[0].type == ZK_OP_ERROR ? res[0].err : ZOK;
		cc_reply(c, h.xid, zxid, err, &resp);
	}
	bool close = h.type == ZK_OP_CLOSE_SESSION;
	cc_pop(c);
	if (close) {
		cc_close(c);
		return;
	}
	zk_srv_cc_process(c);
	if (!c->conn)
		cc_free(c);
}

static void notify_apply(struct zk_server *s, int64_t prev, const struct zk_entry *e)
{
	const struct zk_server_observer *o = s->cfg->observer;
	if (o && o->on_apply)
		o->on_apply(o->ctx, s->cfg->my_id, prev, e->zxid,
			    zk_server_txn_hash(e->zxid, e->time_ms, e->txn, e->len));
}

/* Closes the local connections of a session that just ended, except the
 * one whose closeSession request is being answered. */
static void close_session_conns(struct zk_server *s, int64_t session, const struct zk_entry *e)
{
	struct zk_cconn *c = s->clients;
	while (c) {
		struct zk_cconn *next = c->next;
		bool requester = e->origin == s->cfg->my_id && e->cookie == c->token;
		if (c->session == session && c->active && !requester)
			cc_close(c);
		c = next;
	}
}

static void apply_entry(struct zk_server *s, const struct zk_entry *e)
{
	zk_inv_apply(s, e->zxid);
	struct zk_txn txn;
	if (zk_txn_decode(e->txn, e->len, &txn)) {
		zk_srv_fail(s, "undecodable committed txn", ENV_EINVAL);
		return;
	}
	int32_t cap = txn.type == ZK_OP_MULTI ? (txn.count > 0 ? txn.count : 1) : 1;
	struct zk_multi_result *res = env_calloc(s->env, (size_t)cap, sizeof *res);
	int64_t prev = s->committed;
	int rc = zk_tree_apply(s->tree, &txn, e->zxid, e->time_ms, res, cap);
	if (rc) {
		env_free(s->env, res);
		zk_srv_fail(s, "apply", ENV_EINVAL);
		return;
	}
	s->committed = e->zxid;
	notify_apply(s, prev, e);
	if (txn.type == ZK_OP_CREATE_SESSION)
		zk_srv_session_put(s, txn.session_id, txn.timeout_ms);
	else if (txn.type == ZK_OP_CLOSE_SESSION) {
		zk_srv_session_del(s, txn.session_id);
		close_session_conns(s, txn.session_id, e);
	}
	struct zk_cconn *c = e->origin == s->cfg->my_id ? cc_find(s, e->cookie) : NULL;
	if (c && c->session != txn.session_id)
		c = NULL; /* not this connection's txn after all */
	if (c && c->hs_pending && txn.type != ZK_OP_CREATE_SESSION)
		c = NULL;
	if (c && (c->hs_pending || c->nsub)) {
		if (c->hs_pending) {
			c->active = true;
			c->hs_pending = false;
			send_connect_response(c, txn.timeout_ms, txn.session_id);
			zk_srv_cc_process(c);
			if (!c->conn)
				cc_free(c);
		} else {
			answer_write(c, e->zxid, res, txn.type == ZK_OP_MULTI ? txn.count : 1);
		}
	}
	env_free(s->env, res);
}

void zk_srv_commit_to(struct zk_server *s, int64_t zxid)
{
	/* Start past the committed prefix (binary search: history is sorted). */
	uint32_t lo = 0, hi = s->nhist;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (s->hist[mid].zxid <= s->committed)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Entries are copied before applying: answering a client may submit its
	 * next write, which (on the leader) appends to and may move the
	 * history. Trimming waits until the loop is done. */
	for (uint32_t i = lo; i < s->nhist && !s->failed; i++) {
		struct zk_entry e = s->hist[i];
		if (e.zxid > zxid)
			break;
		apply_entry(s, &e);
	}
	zk_store_maybe_snapshot(s);
}

void zk_srv_sync_done(struct zk_server *s, int64_t cookie)
{
	struct zk_cconn *c = cc_find(s, cookie);
	if (!c || !c->nsub || !c->active)
		return;
	size_t len = 0;
	memcpy(&len, c->q[c->qhead], 4);
	struct wire_reader r;
	struct zk_request_header h;
	struct zk_request q;
	wire_reader_init(&r, c->q[c->qhead] + 4, len);
	zk_decode_request_header(&r, &h);
	zk_decode_request(&r, h.type, &q);
	struct zk_response resp = {.type = ZK_OP_SYNC, .path = q.path};
	cc_reply(c, h.xid, s->committed, ZOK, &resp);
	cc_pop(c);
	zk_srv_cc_process(c);
	if (!c->conn)
		cc_free(c);
}

void zk_srv_fail(struct zk_server *s, const char *what, int status)
{
	if (s->failed)
		return;
	env_log(s->env, ENV_LOG_ERROR, "%s failed (%s): leaving the ensemble", what,
		env_status_name(status));
	s->failed = true;
	zk_quorum_look(s);
}
