#include "broker/zk/zk_client.h"

#include <stdio.h>
#include <string.h>

#define ZK_MS ((int64_t)1000000)

/* A watch the server holds for this session, re-registered with SetWatches
 * after a reconnect (as ZooKeeper's clients do). */
enum { W_DATA, W_EXIST, W_CHILD };
struct zk_watch_rec {
	int kind;
	char *path;
};

struct zk_pending {
	int32_t xid;
	int32_t type;
	char *watch_path; /* a read that asked for a watch */
	zk_client_cb *cb;
	void *arg;
	int32_t rc; /* for deferred failures */
	struct zk_pending *next;
};

struct zk_client {
	struct env *env;
	char *hosts[ZK_CLIENT_MAX_SERVERS];
	uint16_t ports[ZK_CLIENT_MAX_SERVERS];
	int32_t nhosts;
	int32_t next_host;
	int32_t timeout_ms; /* asked, then negotiated */
	zk_client_watcher_fn *watcher;
	void *watcher_arg;

	enum zk_client_state state;
	struct env_conn *conn;
	int32_t conn_host;
	bool open;	/* TCP open */
	bool session_ok; /* ConnectResponse received on this connection */
	int64_t session_id;
	uint8_t passwd[ZK_PASSWD_LEN];
	int64_t last_zxid;
	int32_t xid;
	int64_t last_recv_ns, last_send_ns;

	struct zk_watch_rec *watches;
	uint32_t nwatch, watch_cap;
	struct zk_pending *head, *tail;	     /* sent, awaiting replies */
	struct zk_pending *dhead, *dtail;    /* failed, to report */
	struct env_timer timer;		     /* connect timeout / ping / read timeout */
	struct env_timer defer_timer;
	struct env_timer retry_timer;
};

static void start_connect(struct zk_client *c);

static void pending_free(struct zk_client *c, struct zk_pending *p)
{
	env_free(c->env, p->watch_path);
	env_free(c->env, p);
}

static void watch_add(struct zk_client *c, int kind, const char *path)
{
	for (uint32_t i = 0; i < c->nwatch; i++)
		if (c->watches[i].kind == kind && !strcmp(c->watches[i].path, path))
			return;
	if (c->nwatch == c->watch_cap) {
		c->watch_cap = c->watch_cap ? c->watch_cap * 2 : 8;
		c->watches = env_realloc(c->env, c->watches, c->watch_cap * sizeof *c->watches);
	}
	c->watches[c->nwatch++] = (struct zk_watch_rec){kind, env_strdup(c->env, path)};
}

/* A fired event consumes the watches it triggers (they are one-shot):
 * created and changed fire data and exist watches, children changed the
 * child watch, deleted all three. */
static void watch_fired(struct zk_client *c, int32_t type, struct zk_str path)
{
	uint32_t k = 0;
	for (uint32_t i = 0; i < c->nwatch; i++) {
		struct zk_watch_rec *w = &c->watches[i];
		bool same = (int32_t)strlen(w->path) == path.len &&
			    !memcmp(w->path, path.p, (size_t)path.len);
		bool hit = same && (type == ZK_EVENT_CHILD ? w->kind == W_CHILD
				    : type == ZK_EVENT_DELETED ? true : w->kind != W_CHILD);
		if (hit)
			env_free(c->env, w->path);
		else
			c->watches[k++] = *w;
	}
	c->nwatch = k;
}

/* Sends SetWatches (xid -8) with every watch still held. */
static void send_set_watches(struct zk_client *c)
{
	if (!c->nwatch)
		return;
	struct zk_str *items = env_calloc(c->env, c->nwatch, sizeof *items);
	struct zk_set_watches sw = {.relative_zxid = c->last_zxid};
	struct zk_str_vec *vecs[3] = {&sw.data, &sw.exist, &sw.child};
	uint32_t at = 0;
	for (int kind = 0; kind < 3; kind++) {
		vecs[kind]->items = items + at;
		for (uint32_t i = 0; i < c->nwatch; i++)
			if (c->watches[i].kind == kind)
				items[at++] = zk_str_from_cstr(c->watches[i].path);
		vecs[kind]->count = (int32_t)(items + at - vecs[kind]->items);
	}
	struct zk_request_header h = {ZK_XID_SET_WATCHES, ZK_OP_SET_WATCHES};
	struct wire_writer w;
	wire_writer_init(&w, NULL, 0);
	zk_encode_request_header(&w, &h);
	zk_encode_set_watches(&w, &sw);
	size_t n = w.len;
	uint8_t *b = env_alloc(c->env, n);
	wire_writer_init(&w, b, n);
	zk_encode_request_header(&w, &h);
	zk_encode_set_watches(&w, &sw);
	if (c->conn && c->open)
		env_conn_send(c->conn, b, n);
	env_free(c->env, b);
	env_free(c->env, items);
}

static void emit_state(struct zk_client *c, int32_t state)
{
	if (c->watcher)
		c->watcher(c->watcher_arg, ZK_EVENT_NONE, state, (struct zk_str){"", 0});
}

static void defer_cb(struct env_timer *t)
{
	struct zk_client *c = t->data;
	while (c->dhead) {
		struct zk_pending *p = c->dhead;
		c->dhead = p->next;
		if (!c->dhead)
			c->dtail = NULL;
		struct zk_client_result r = {.rc = p->rc};
		if (p->cb)
			p->cb(p->arg, &r);
		pending_free(c, p);
	}
}

static void defer_fail(struct zk_client *c, struct zk_pending *p, int32_t rc)
{
	p->rc = rc;
	p->next = NULL;
	if (c->dtail)
		c->dtail->next = p;
	else
		c->dhead = p;
	c->dtail = p;
	if (!env_timer_active(&c->defer_timer)) {
		c->defer_timer.data = c;
		env_timer_start(c->env, &c->defer_timer, 0, defer_cb);
	}
}

/* Fails every sent request in order (the connection is gone). */
static void fail_pending(struct zk_client *c, int32_t rc)
{
	while (c->head) {
		struct zk_pending *p = c->head;
		c->head = p->next;
		struct zk_client_result r = {.rc = rc};
		if (p->cb)
			p->cb(p->arg, &r);
		pending_free(c, p);
	}
	c->tail = NULL;
}

static void retry_cb(struct env_timer *t)
{
	start_connect(t->data);
}

/* Drops the connection; reconnects unless the session is over. */
static void lose_connection(struct zk_client *c)
{
	if (c->conn)
		env_conn_close(c->conn);
	c->conn = NULL;
	c->open = false;
	env_timer_stop(c->env, &c->timer);
	bool was = c->session_ok;
	c->session_ok = false;
	env_log(c->env, ENV_LOG_DEBUG, "connection to %s lost (session %llx)",
		c->hosts[c->conn_host], (unsigned long long)c->session_id);
	if (c->state == ZK_CLIENT_CONNECTED)
		c->state = ZK_CLIENT_DISCONNECTED;
	fail_pending(c, c->state == ZK_CLIENT_EXPIRED ? ZSESSIONEXPIRED : ZCONNECTIONLOSS);
	if (was)
		emit_state(c, ZK_STATE_DISCONNECTED);
	if (c->state != ZK_CLIENT_CONNECTING && c->state != ZK_CLIENT_DISCONNECTED)
		return;
	c->retry_timer.data = c;
	env_timer_start(c->env, &c->retry_timer, env_random_range(c->env, 10, 50) * ZK_MS,
			retry_cb);
}

static void send_frame(struct zk_client *c, const struct wire_writer *w)
{
	if (c->conn && c->open && env_conn_send(c->conn, w->buf, w->len) == 0)
		c->last_send_ns = env_now_ns(c->env);
}

static void send_ping(struct zk_client *c)
{
	uint8_t b[8];
	struct wire_writer w;
	struct zk_request_header h = {ZK_XID_PING, ZK_OP_PING};
	wire_writer_init(&w, b, sizeof b);
	zk_encode_request_header(&w, &h);
	send_frame(c, &w);
}

static void timer_cb(struct env_timer *t)
{
	struct zk_client *c = t->data;
	int64_t now = env_now_ns(c->env);
	int64_t to = (int64_t)c->timeout_ms * ZK_MS;
	if (!c->session_ok) {
		/* The connect (or handshake) took longer than timeout / hosts. */
		lose_connection(c);
		return;
	}
	if (now - c->last_recv_ns >= to * 2 / 3) {
		lose_connection(c);
		return;
	}
	if (now - c->last_send_ns >= to / 3)
		send_ping(c);
	env_timer_start(c->env, &c->timer, to / 6 > 0 ? to / 6 : 1, timer_cb);
}

static void on_connect_response(struct zk_client *c, const uint8_t *f, size_t len)
{
	struct zk_connect_response r;
	if (zk_decode_connect_response(f, len, &r)) {
		lose_connection(c);
		return;
	}
	if (r.timeout_ms <= 0) {
		c->state = ZK_CLIENT_EXPIRED;
		lose_connection(c);
		emit_state(c, ZK_STATE_EXPIRED);
		return;
	}
	bool same = c->session_id == r.session_id;
	c->session_ok = true;
	c->state = ZK_CLIENT_CONNECTED;
	if (same)
		send_set_watches(c);
	c->session_id = r.session_id;
	c->timeout_ms = r.timeout_ms;
	memcpy(c->passwd, r.passwd, ZK_PASSWD_LEN);
	emit_state(c, ZK_STATE_SYNC_CONNECTED);
}

static void on_reply(struct zk_client *c, const uint8_t *f, size_t len)
{
	struct wire_reader r;
	struct zk_reply_header h;
	wire_reader_init(&r, f, len);
	if (zk_decode_reply_header(&r, &h)) {
		lose_connection(c);
		return;
	}
	if (h.xid == ZK_XID_NOTIFICATION) {
		struct zk_watcher_event e;
		if (zk_decode_watcher_event(&r, &e))
			return;
		watch_fired(c, e.type, e.path);
		if (c->watcher)
			c->watcher(c->watcher_arg, e.type, e.state, e.path);
		return;
	}
	if (h.xid == ZK_XID_PING || h.xid == ZK_XID_AUTH || h.xid == ZK_XID_SET_WATCHES)
		return;
	struct zk_pending *p = c->head;
	if (!p || p->xid != h.xid) {
		/* Out of order: as the C client, give up on this connection. */
		lose_connection(c);
		return;
	}
	c->head = p->next;
	if (!c->head)
		c->tail = NULL;
	if (h.zxid > c->last_zxid)
		c->last_zxid = h.zxid;
	struct zk_response resp;
	struct zk_multi m;
	struct zk_client_result res = {.rc = h.err, .zxid = h.zxid};
	if (h.err == ZOK) {
		if (p->type == ZK_OP_MULTI) {
			if (zk_decode_multi_response(&r, &m))
				res.rc = ZMARSHALLINGERROR;
			else
				res.multi = &m;
		} else if (zk_decode_response(&r, p->type, &resp)) {
			res.rc = ZMARSHALLINGERROR;
		} else {
			res.resp = &resp;
		}
	}
	bool closed = p->type == ZK_OP_CLOSE_SESSION && h.err == ZOK;
	if (p->watch_path && (h.err == ZOK || (h.err == ZNONODE && p->type == ZK_OP_EXISTS)))
		watch_add(c, p->type == ZK_OP_GET_CHILDREN ? W_CHILD
			  : h.err == ZNONODE ? W_EXIST : W_DATA, p->watch_path);
	if (p->cb)
		p->cb(p->arg, &res);
	pending_free(c, p);
	if (closed) {
		/* The session is over: stop here rather than reconnect. */
		c->state = ZK_CLIENT_CLOSED;
		lose_connection(c);
	}
}

static void on_frame(struct env_conn *conn, const uint8_t *f, size_t len)
{
	struct zk_client *c = env_conn_data(conn);
	c->last_recv_ns = env_now_ns(c->env);
	if (!c->session_ok)
		on_connect_response(c, f, len);
	else
		on_reply(c, f, len);
}

static void on_closed(struct env_conn *conn, int reason)
{
	struct zk_client *c = env_conn_data(conn);
	c->conn = NULL;
	lose_connection(c);
}

static const struct env_conn_ops client_ops = {on_frame, on_closed};

static void connected_cb(struct env_conn *conn, int status)
{
	struct zk_client *c = env_conn_data(conn);
	if (status) {
		c->conn = NULL;
		lose_connection(c);
		return;
	}
	c->open = true;
	struct zk_connect_request q = {.last_zxid_seen = c->last_zxid,
		.timeout_ms = c->timeout_ms, .session_id = c->session_id,
		.passwd = {c->passwd, ZK_PASSWD_LEN}, .has_read_only = true};
	uint8_t b[64];
	struct wire_writer w;
	wire_writer_init(&w, b, sizeof b);
	zk_encode_connect_request(&w, &q);
	send_frame(c, &w);
}

static void start_connect(struct zk_client *c)
{
	if (c->state != ZK_CLIENT_CONNECTING && c->state != ZK_CLIENT_DISCONNECTED)
		return;
	int32_t i = c->next_host;
	c->next_host = (c->next_host + 1) % c->nhosts;
	c->conn_host = i;
	c->last_recv_ns = env_now_ns(c->env);
	c->conn = env_connect(c->env, c->hosts[i], c->ports[i], &client_ops, c, connected_cb);
	c->timer.data = c;
	/* sessionTimeout / hosts, as ZooKeeper's clients, but never under
	 * 100 ms: a tiny requested timeout is raised by the server anyway. */
	int64_t to = (int64_t)c->timeout_ms * ZK_MS / c->nhosts;
	env_timer_start(c->env, &c->timer, to < 100 * ZK_MS ? 100 * ZK_MS : to, timer_cb);
}

static void parse_hosts(struct zk_client *c, const char *s)
{
	while (*s && c->nhosts < ZK_CLIENT_MAX_SERVERS) {
		const char *end = strchr(s, ',');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		char *h = env_alloc(c->env, n + 1);
		memcpy(h, s, n);
		h[n] = 0;
		char *colon = strchr(h, ':');
		uint16_t port = 2181;
		if (colon) {
			*colon = 0;
			unsigned v = 0;
			for (const char *d = colon + 1; *d >= '0' && *d <= '9'; d++)
				v = v * 10 + (unsigned)(*d - '0');
			port = (uint16_t)v;
		}
		c->hosts[c->nhosts] = h;
		c->ports[c->nhosts++] = port;
		s += n;
		if (*s == ',')
			s++;
	}
}

struct zk_client *zk_client_new(struct env *env, const struct zk_client_config *cfg)
{
	struct zk_client *c = env_calloc(env, 1, sizeof *c);
	c->env = env;
	parse_hosts(c, cfg->connect_string);
	c->timeout_ms = cfg->session_timeout_ms;
	c->watcher = cfg->watcher;
	c->watcher_arg = cfg->watcher_arg;
	c->state = ZK_CLIENT_CONNECTING;
	if (c->nhosts == 0) {
		c->state = ZK_CLIENT_CLOSED;
		return c;
	}
	c->next_host = (int32_t)env_random_below(env, (uint64_t)c->nhosts);
	start_connect(c);
	return c;
}

void zk_client_free(struct zk_client *c)
{
	if (!c)
		return;
	c->state = ZK_CLIENT_CLOSED;
	if (c->conn)
		env_conn_close(c->conn);
	c->conn = NULL;
	fail_pending(c, ZCONNECTIONLOSS);
	c->defer_timer.data = c;
	defer_cb(&c->defer_timer);
	env_timer_stop(c->env, &c->timer);
	env_timer_stop(c->env, &c->defer_timer);
	env_timer_stop(c->env, &c->retry_timer);
	for (int32_t i = 0; i < c->nhosts; i++)
		env_free(c->env, c->hosts[i]);
	for (uint32_t i = 0; i < c->nwatch; i++)
		env_free(c->env, c->watches[i].path);
	env_free(c->env, c->watches);
	env_free(c->env, c);
}

enum zk_client_state zk_client_state(const struct zk_client *c)
{
	return c->state;
}

int64_t zk_client_session_id(const struct zk_client *c)
{
	return c->session_id;
}

int32_t zk_client_session_timeout(const struct zk_client *c)
{
	return c->timeout_ms;
}

const char *zk_client_server(const struct zk_client *c)
{
	return c->session_ok ? c->hosts[c->conn_host] : NULL;
}

/* Queues one request: encodes header + body with `enc`, sends, records it. */
static struct zk_pending *submit(struct zk_client *c, const struct zk_request *q,
				 const struct zk_request *ops, int32_t nops, zk_client_cb *cb,
				 void *arg)
{
	struct zk_pending *p = env_calloc(c->env, 1, sizeof *p);
	p->type = q->type;
	p->cb = cb;
	p->arg = arg;
	if (c->state != ZK_CLIENT_CONNECTED || !c->session_ok) {
		int32_t rc = c->state == ZK_CLIENT_EXPIRED ? ZSESSIONEXPIRED : ZCONNECTIONLOSS;
		defer_fail(c, p, rc);
		return NULL;
	}
	p->xid = ++c->xid;
	struct zk_request_header h = {p->xid, q->type};
	struct wire_writer w;
	uint8_t *b = NULL;
	size_t n = 0;
	for (int pass = 0; pass < 2; pass++) {
		wire_writer_init(&w, b, n);
		zk_encode_request_header(&w, &h);
		if (q->type == ZK_OP_MULTI)
			zk_encode_multi_request(&w, ops, nops);
		else
			zk_encode_request(&w, q);
		if (pass == 0) {
			n = w.len;
			b = env_alloc(c->env, n);
		}
	}
	if (w.err) {
		env_free(c->env, b);
		defer_fail(c, p, ZBADARGUMENTS);
		return NULL;
	}
	send_frame(c, &w);
	env_free(c->env, b);
	if (c->tail)
		c->tail->next = p;
	else
		c->head = p;
	c->tail = p;
	return p;
}

static const struct zk_acl open_acl = {ZK_PERM_ALL, {"world", 5}, {"anyone", 6}};

void zk_client_create(struct zk_client *c, const char *path, const void *data, int32_t len,
		      int32_t flags, zk_client_cb *cb, void *arg)
{
	struct zk_request q = {.type = ZK_OP_CREATE, .path = zk_str_from_cstr(path),
		.data = {data, data ? len : -1}, .acl = {1, &open_acl, NULL, 0}, .flags = flags};
	submit(c, &q, NULL, 0, cb, arg);
}

void zk_client_delete(struct zk_client *c, const char *path, int32_t version, zk_client_cb *cb,
		      void *arg)
{
	struct zk_request q = {.type = ZK_OP_DELETE, .path = zk_str_from_cstr(path),
		.version = version};
	submit(c, &q, NULL, 0, cb, arg);
}

static void read_op(struct zk_client *c, int32_t type, const char *path, bool watch,
		    zk_client_cb *cb, void *arg)
{
	struct zk_request q = {.type = type, .path = zk_str_from_cstr(path), .watch = watch};
	struct zk_pending *p = submit(c, &q, NULL, 0, cb, arg);
	if (p && watch)
		p->watch_path = env_strdup(c->env, path);
}

void zk_client_exists(struct zk_client *c, const char *path, bool watch, zk_client_cb *cb,
		      void *arg)
{
	read_op(c, ZK_OP_EXISTS, path, watch, cb, arg);
}

void zk_client_get_data(struct zk_client *c, const char *path, bool watch, zk_client_cb *cb,
			void *arg)
{
	read_op(c, ZK_OP_GET_DATA, path, watch, cb, arg);
}

void zk_client_get_children(struct zk_client *c, const char *path, bool watch,
			    zk_client_cb *cb, void *arg)
{
	read_op(c, ZK_OP_GET_CHILDREN, path, watch, cb, arg);
}

void zk_client_set_data(struct zk_client *c, const char *path, const void *data, int32_t len,
			int32_t version, zk_client_cb *cb, void *arg)
{
	struct zk_request q = {.type = ZK_OP_SET_DATA, .path = zk_str_from_cstr(path),
		.data = {data, data ? len : -1}, .version = version};
	submit(c, &q, NULL, 0, cb, arg);
}

void zk_client_sync(struct zk_client *c, const char *path, zk_client_cb *cb, void *arg)
{
	struct zk_request q = {.type = ZK_OP_SYNC, .path = zk_str_from_cstr(path)};
	submit(c, &q, NULL, 0, cb, arg);
}

void zk_client_multi(struct zk_client *c, const struct zk_request *ops, int32_t n,
		     zk_client_cb *cb, void *arg)
{
	/* A create op that names no ACL gets the open one, as zk_client_create
	 * does (Kafka's default ACLs without zookeeper.set.acl): a real
	 * ZooKeeper refuses an empty ACL with INVALIDACL. */
	struct zk_request *all = env_alloc(c->env, (size_t)(n > 0 ? n : 1) * sizeof *all);
	for (int32_t i = 0; i < n; i++) {
		all[i] = ops[i];
		bool create = ops[i].type == ZK_OP_CREATE || ops[i].type == ZK_OP_CREATE2;
		if (create && !ops[i].acl.items)
			all[i].acl = (struct zk_acl_vec){1, &open_acl, NULL, 0};
	}
	struct zk_request q = {.type = ZK_OP_MULTI};
	submit(c, &q, all, n, cb, arg);
	env_free(c->env, all);
}

void zk_client_close_session(struct zk_client *c, zk_client_cb *cb, void *arg)
{
	struct zk_request q = {.type = ZK_OP_CLOSE_SESSION};
	submit(c, &q, NULL, 0, cb, arg);
}
