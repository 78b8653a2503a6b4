/*
 * zk_client against a simulated 3-server ensemble: states and the watcher,
 * every async op and its reply, watch notifications ordered before the
 * reply that caused them, negotiated timeouts, FIFO failure with
 * ZCONNECTIONLOSS on a dropped connection, failover keeping the session,
 * and expiry after a long pause.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/unit/test_zk_ensemble_fixture.h"

/* The probe node: one zk_client whose events the test records. */
struct probe {
	struct env *env;
	struct zk_client *zk;
	int32_t timeout_ms;
	char log[64][64]; /* events and completions, in the order seen */
	int nlog;
	int32_t last_rc[16];
	int nrc;
	int64_t zxid;
	char data[32];
	int32_t version;
	int32_t children;
	int32_t multi_errs[4];
};

static struct probe *g_probe; /* the test's view of the one probe */
static char g_connect[64];
static int32_t g_timeout_ms = 1000;

static void plog(struct probe *p, const char *fmt, long long a)
{
	if (p->nlog < 64)
		snprintf(p->log[p->nlog++], 64, fmt, a);
}

static void watcher(void *arg, int32_t type, int32_t state, struct zk_str path)
{
	struct probe *p = arg;
	if (type == ZK_EVENT_NONE)
		plog(p, "state %lld", state);
	else
		plog(p, "event %lld", type);
}

static void *probe_start(struct env *env, const void *config)
{
	struct probe *p = env_calloc(env, 1, sizeof *p);
	p->env = env;
	struct zk_client_config c = {g_connect, g_timeout_ms, watcher, p};
	p->zk = zk_client_new(env, &c);
	g_probe = p;
	return p;
}

static const struct sim_node_class probe_class = {"client", probe_start};

static void done(void *arg, const struct zk_client_result *r)
{
	struct probe *p = arg;
	plog(p, "done %lld", r->rc);
	if (p->nrc < 16)
		p->last_rc[p->nrc++] = r->rc;
	p->zxid = r->zxid;
	if (r->rc != ZOK)
		return;
	if (r->resp) {
		p->version = r->resp->stat.version;
		if (r->resp->data.len > 0 && r->resp->data.len < 32) {
			memcpy(p->data, r->resp->data.p, (size_t)r->resp->data.len);
			p->data[r->resp->data.len] = 0;
		}
		if (r->resp->type == ZK_OP_GET_CHILDREN)
			p->children = r->resp->children.count;
	}
	if (r->multi) {
		struct wire_reader it;
		struct zk_multi_result m;
		zk_vec_iter(&it, r->multi->raw, r->multi->raw_len);
		for (int i = 0; i < 4 && zk_next_multi_result(&it, &m) == 1; i++)
			p->multi_errs[i] = m.type == ZK_OP_ERROR ? m.err : 1000 + m.type;
	}
}

struct env_fx {
	struct fx *f;
	uint32_t probe;
};

static struct env_fx setup(uint64_t seed)
{
	struct env_fx e;
	e.f = fx_new(seed, 3, 0);
	snprintf(g_connect, sizeof g_connect, "zk-1:2181,zk-2:2181,zk-3:2181");
	e.probe = sim_node_add(e.f->w, "probe", &probe_class, NULL);
	fx_start_all(e.f);
	assert_true(fx_converge(e.f, 10 * SIM_NS_PER_S));
	sim_node_start(e.f->w, e.probe);
	sim_run_for(e.f->w, SIM_NS_PER_S);
	return e;
}

static void reset_log(struct probe *p)
{
	p->nlog = 0;
	p->nrc = 0;
}

static void test_ops_and_watches(void **state)
{
	g_timeout_ms = 1000;
	struct env_fx e = setup(21);
	struct probe *p = g_probe;
	assert_int_equal(zk_client_state(p->zk), ZK_CLIENT_CONNECTED);
	assert_string_equal(p->log[0], "state 3");
	assert_int_equal(zk_client_session_timeout(p->zk), 1000);
	reset_log(p);
	zk_client_create(p->zk, "/a", "hello", 5, 0, done, p);
	zk_client_create(p->zk, "/a", "again", 5, 0, done, p);
	zk_client_get_data(p->zk, "/a", true, done, p);
	/* Nothing completes inside the submitting call. */
	assert_int_equal(p->nlog, 0);
	sim_run_for(e.f->w, 200 * SIM_NS_PER_MS);
	assert_int_equal(p->nrc, 3);
	assert_int_equal(p->last_rc[0], ZOK);
	assert_int_equal(p->last_rc[1], ZNODEEXISTS);
	assert_int_equal(p->last_rc[2], ZOK);
	assert_string_equal(p->data, "hello");
	assert_int_equal(p->version, 0);
	reset_log(p);
	/* The data watch fires before the reply of the write that fired it. */
	zk_client_set_data(p->zk, "/a", "x", 1, 0, done, p);
	zk_client_set_data(p->zk, "/a", "y", 1, 0, done, p);
	sim_run_for(e.f->w, 200 * SIM_NS_PER_MS);
	assert_string_equal(p->log[0], "event 3");
	assert_string_equal(p->log[1], "done 0");
	assert_string_equal(p->log[2], "done -103");
	assert_int_equal(p->version, 1);
	reset_log(p);
	struct zk_request ops[2] = {
		{.type = ZK_OP_CREATE, .path = zk_str_from_cstr("/a/b"), .data = {NULL, -1}},
		{.type = ZK_OP_DELETE, .path = zk_str_from_cstr("/nope"), .version = -1},
	};
	zk_client_multi(p->zk, ops, 2, done, p);
	zk_client_exists(p->zk, "/a/b", false, done, p);
	zk_client_get_children(p->zk, "/a", false, done, p);
	zk_client_sync(p->zk, "/a", done, p);
	zk_client_delete(p->zk, "/a", -1, done, p);
	sim_run_for(e.f->w, 300 * SIM_NS_PER_MS);
	assert_int_equal(p->nrc, 5);
	/* The multi failed as a whole: op 0 rolled back (ZOK), op 1 ZNONODE. */
	assert_int_equal(p->multi_errs[0], ZOK);
	assert_int_equal(p->multi_errs[1], ZNONODE);
	assert_int_equal(p->last_rc[1], ZNONODE);
	assert_int_equal(p->last_rc[2], ZOK);
	assert_int_equal(p->children, 0);
	assert_int_equal(p->last_rc[3], ZOK);
	assert_int_equal(p->last_rc[4], ZOK);
	fx_free(e.f);
}

static void test_negotiated_timeout(void **state)
{
	g_timeout_ms = 10;
	struct env_fx e = setup(22);
	assert_int_equal(zk_client_session_timeout(g_probe->zk), 2 * FX_TICK_MS);
	fx_free(e.f);
	g_timeout_ms = 1000000;
	e = setup(23);
	assert_int_equal(zk_client_session_timeout(g_probe->zk), 20 * FX_TICK_MS);
	fx_free(e.f);
	g_timeout_ms = 1000;
}

static void test_connection_loss_and_failover(void **state)
{
	struct env_fx e = setup(24);
	struct probe *p = g_probe;
	int64_t session = zk_client_session_id(p->zk);
	zk_client_create(p->zk, "/eph", NULL, 0, ZK_CREATE_EPHEMERAL, done, p);
	zk_client_create(p->zk, "/w1", NULL, 0, 0, done, p);
	zk_client_create(p->zk, "/w2", NULL, 0, 0, done, p);
	zk_client_get_data(p->zk, "/w1", true, done, p);
	zk_client_get_data(p->zk, "/w2", true, done, p);
	sim_run_for(e.f->w, 200 * SIM_NS_PER_MS);
	reset_log(p);
	const char *server = zk_client_server(p->zk);
	assert_non_null(server);
	uint32_t sid = sim_node_find(e.f->w, server);
	zk_client_get_data(p->zk, "/eph", false, done, p);
	zk_client_get_data(p->zk, "/eph", false, done, p);
	sim_node_kill(e.f->w, sid);
	sim_run_for(e.f->w, 10 * SIM_NS_PER_MS);
	/* Both pending requests failed, in order, then the watcher heard it. */
	assert_int_equal(p->nrc, 2);
	assert_int_equal(p->last_rc[0], ZCONNECTIONLOSS);
	assert_int_equal(p->last_rc[1], ZCONNECTIONLOSS);
	assert_string_equal(p->log[2], "state 0");
	assert_int_equal(zk_client_state(p->zk), ZK_CLIENT_DISCONNECTED);
	/* Requests while disconnected fail at once, but not inside the call. */
	zk_client_exists(p->zk, "/eph", false, done, p);
	assert_int_equal(p->nrc, 2);
	sim_run_for(e.f->w, 1);
	assert_int_equal(p->last_rc[2], ZCONNECTIONLOSS);
	sim_run_for(e.f->w, 3 * SIM_NS_PER_S);
	assert_int_equal(zk_client_state(p->zk), ZK_CLIENT_CONNECTED);
	assert_int_equal(zk_client_session_id(p->zk), session);
	assert_string_not_equal(zk_client_server(p->zk), server);
	/* The session and its ephemeral survived the move, and the watches were
	 * re-registered (SetWatches): a change now fires them once. */
	reset_log(p);
	zk_client_exists(p->zk, "/eph", false, done, p);
	zk_client_set_data(p->zk, "/w1", "v", 1, -1, done, p);
	zk_client_set_data(p->zk, "/w1", "v", 1, -1, done, p);
	zk_client_delete(p->zk, "/w2", -1, done, p);
	sim_run_for(e.f->w, 200 * SIM_NS_PER_MS);
	assert_int_equal(p->last_rc[0], ZOK);
	assert_int_equal(p->nlog, 6);
	assert_string_equal(p->log[0], "done 0");
	assert_string_equal(p->log[1], "event 3");
	assert_string_equal(p->log[2], "done 0");
	assert_string_equal(p->log[3], "done 0");
	assert_string_equal(p->log[4], "event 2");
	assert_string_equal(p->log[5], "done 0");
	fx_free(e.f);
}

static void test_expiry_after_pause(void **state)
{
	struct env_fx e = setup(25);
	struct probe *p = g_probe;
	int64_t session = zk_client_session_id(p->zk);
	zk_client_create(p->zk, "/eph", NULL, 0, ZK_CREATE_EPHEMERAL, done, p);
	sim_run_for(e.f->w, 200 * SIM_NS_PER_MS);
	sim_node_pause(e.f->w, e.probe);
	sim_run_for(e.f->w, 3 * SIM_NS_PER_S);
	for (int32_t i = 0; i < 3; i++)
		assert_false(zk_server_has_session(fx_server(e.f, i), session));
	reset_log(p);
	sim_node_resume(e.f->w, e.probe);
	sim_run_for(e.f->w, 2 * SIM_NS_PER_S);
	assert_int_equal(zk_client_state(p->zk), ZK_CLIENT_EXPIRED);
	bool saw = false;
	for (int i = 0; i < p->nlog; i++)
		saw |= strcmp(p->log[i], "state -112") == 0;
	assert_true(saw);
	zk_client_exists(p->zk, "/", false, done, p);
	sim_run_for(e.f->w, 1);
	assert_int_equal(p->last_rc[p->nrc - 1], ZSESSIONEXPIRED);
	for (int32_t i = 0; i < 3; i++)
		assert_int_equal(zk_server_ephemeral_count(fx_server(e.f, i), session), 0);
	fx_free(e.f);
}

static void test_close_session_removes_ephemerals(void **state)
{
	struct env_fx e = setup(26);
	struct probe *p = g_probe;
	int64_t session = zk_client_session_id(p->zk);
	zk_client_create(p->zk, "/eph", NULL, 0, ZK_CREATE_EPHEMERAL, done, p);
	sim_run_for(e.f->w, 200 * SIM_NS_PER_MS);
	assert_int_equal(zk_server_ephemeral_count(fx_server(e.f, 0), session), 1);
	reset_log(p);
	zk_client_close_session(p->zk, done, p);
	sim_run_for(e.f->w, 200 * SIM_NS_PER_MS);
	assert_int_equal(p->last_rc[0], ZOK);
	assert_int_equal(zk_client_state(p->zk), ZK_CLIENT_CLOSED);
	for (int32_t i = 0; i < 3; i++) {
		assert_int_equal(zk_server_ephemeral_count(fx_server(e.f, i), session), 0);
		assert_false(zk_server_has_session(fx_server(e.f, i), session));
	}
	fx_free(e.f);
}

/* ---- Raw jute against a server ------------------------------------------ */

struct raw {
	struct env *env;
	struct env_conn *conn;
	uint8_t got[4][64];
	size_t got_len[4];
	int nframes;
	int closed; /* the reason, once closed */
};

static struct raw *g_raw;
static uint8_t g_raw_hello[64];
static size_t g_raw_hello_len;

static void raw_frame(struct env_conn *conn, const uint8_t *f, size_t len)
{
	struct raw *r = env_conn_data(conn);
	if (r->nframes < 4 && len <= 64) {
		memcpy(r->got[r->nframes], f, len);
		r->got_len[r->nframes] = len;
	}
	r->nframes++;
}

static void raw_closed(struct env_conn *conn, int reason)
{
	struct raw *r = env_conn_data(conn);
	r->closed = reason;
	r->conn = NULL;
}

static const struct env_conn_ops raw_ops = {raw_frame, raw_closed};

static void raw_connected(struct env_conn *conn, int status)
{
	if (status == 0)
		env_conn_send(conn, g_raw_hello, g_raw_hello_len);
}

static void *raw_start(struct env *env, const void *config)
{
	struct raw *r = env_calloc(env, 1, sizeof *r);
	r->env = env;
	r->conn = env_connect(env, "zk-1", 2181, &raw_ops, r, raw_connected);
	g_raw = r;
	return r;
}

static const struct sim_node_class raw_class = {"client", raw_start};

/*
 * An unknown session gets ZooKeeper's expired answer, byte for byte, then
 * the connection closes. The request is ConnectRequest {protocolVersion 0,
 * lastZxidSeen 0, timeOut 1000 = 0x3e8, sessionId 0x1234, passwd 16 x 0xaa,
 * readOnly 0}: 4 + 8 + 4 + 8 + (4 + 16) + 1 = 45 bytes. The answer is
 * ConnectResponse {protocolVersion 0, timeOut 0, sessionId 0, passwd 16 zero
 * bytes, readOnly 0}: 4 + 4 + 8 + (4 + 16) + 1 = 37 bytes (41 with the
 * length prefix the C client reads).
 */
static void test_raw_expired_connect_response(void **state)
{
	static const uint8_t req[45] = {
		0, 0, 0, 0,                         /* protocolVersion */
		0, 0, 0, 0, 0, 0, 0, 0,             /* lastZxidSeen */
		0, 0, 0x03, 0xe8,                   /* timeOut 1000 */
		0, 0, 0, 0, 0, 0, 0x12, 0x34,       /* sessionId */
		0, 0, 0, 16,                        /* passwd length */
		0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
		0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
		0,                                  /* readOnly */
	};
	static const uint8_t want[37] = {
		0, 0, 0, 0,             /* protocolVersion */
		0, 0, 0, 0,             /* timeOut 0 */
		0, 0, 0, 0, 0, 0, 0, 0, /* sessionId 0 */
		0, 0, 0, 16,            /* passwd: 16 zero bytes */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0,                      /* readOnly */
	};
	memcpy(g_raw_hello, req, sizeof req);
	g_raw_hello_len = sizeof req;
	struct fx *f = fx_new(31, 3, 0);
	uint32_t raw = sim_node_add(f->w, "raw", &raw_class, NULL);
	fx_start_all(f);
	assert_true(fx_converge(f, 10 * SIM_NS_PER_S));
	sim_node_start(f->w, raw);
	sim_run_for(f->w, 500 * SIM_NS_PER_MS);
	assert_int_equal(g_raw->nframes, 1);
	assert_int_equal(g_raw->got_len[0], sizeof want);
	assert_memory_equal(g_raw->got[0], want, sizeof want);
	assert_int_equal(g_raw->closed, ENV_EOF);
	fx_free(f);
}

/* A client that has seen a zxid beyond the server's is refused without an
 * answer, as ZooKeeper 3.8 does, so it tries another server. */
static void test_raw_refuses_client_ahead(void **state)
{
	uint8_t req[45] = {0};
	req[4] = 0x7f; /* lastZxidSeen 0x7f00000000000000 */
	req[14] = 0x03;
	req[15] = 0xe8;
	req[27] = 16;
	memcpy(g_raw_hello, req, sizeof req);
	g_raw_hello_len = sizeof req;
	struct fx *f = fx_new(32, 3, 0);
	uint32_t raw = sim_node_add(f->w, "raw", &raw_class, NULL);
	fx_start_all(f);
	assert_true(fx_converge(f, 10 * SIM_NS_PER_S));
	sim_node_start(f->w, raw);
	sim_run_for(f->w, 500 * SIM_NS_PER_MS);
	assert_int_equal(g_raw->nframes, 0);
	assert_int_equal(g_raw->closed, ENV_EOF);
	fx_free(f);
}

/* ---- Garbage after a valid handshake ------------------------------------- */

struct junk {
	struct env *env;
	struct env_conn *conn;
	bool open;
	int sent;
	struct env_timer timer;
};

static void junk_frame(struct env_conn *conn, const uint8_t *f, size_t len)
{
}

static void junk_start_conn(struct junk *j);

static void junk_closed(struct env_conn *conn, int reason)
{
	struct junk *j = env_conn_data(conn);
	j->conn = NULL;
	j->open = false;
}

static const struct env_conn_ops junk_ops = {junk_frame, junk_closed};

static void junk_connected(struct env_conn *conn, int status)
{
	struct junk *j = env_conn_data(conn);
	if (status) {
		j->conn = NULL;
		return;
	}
	j->open = true;
	uint8_t req[45] = {0};
	req[14] = 0x03;
	req[15] = 0xe8;
	req[27] = 16;
	env_conn_send(conn, req, sizeof req);
}

static void junk_start_conn(struct junk *j)
{
	static const char *const hosts[] = {"zk-1", "zk-2", "zk-3"};
	j->conn = env_connect(j->env, hosts[env_random_below(j->env, 3)], 2181, &junk_ops, j,
			      junk_connected);
}

/* Sends one frame: a request header with any op code (and sometimes a
 * special xid), then random bytes; or wholly random bytes. */
static void junk_tick(struct env_timer *t)
{
	struct junk *j = t->data;
	if (!j->conn)
		junk_start_conn(j);
	else if (j->open) {
		uint8_t b[48];
		size_t n = (size_t)env_random_below(j->env, sizeof b + 1);
		for (size_t i = 0; i < n; i++)
			b[i] = (uint8_t)env_random(j->env);
		if (n >= 8 && env_random_below(j->env, 2)) {
			static const int8_t ops[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15,
						     101, -11, 100};
			int8_t op = ops[env_random_below(j->env, 17)];
			b[0] = b[1] = b[2] = 0; /* a small xid */
			b[4] = b[5] = b[6] = op < 0 ? 0xff : 0; /* big-endian i32 op */
			b[7] = (uint8_t)op;
		}
		env_conn_send(j->conn, b, n);
		j->sent++;
	}
	env_timer_start(j->env, &j->timer, 5 * SIM_NS_PER_MS, junk_tick);
}

static void *junk_start(struct env *env, const void *config)
{
	struct junk *j = env_calloc(env, 1, sizeof *j);
	j->env = env;
	j->timer.data = j;
	env_timer_start(env, &j->timer, 0, junk_tick);
	return j;
}

static const struct sim_node_class junk_class = {"client", junk_start};

/* Malformed requests get error replies or a closed connection; the
 * ensemble keeps agreeing and serving a well-behaved client meanwhile. */
static void test_garbage_requests(void **state)
{
	int runs = getenv("KSIM_UNDER_VALGRIND") ? 1 : 5;
	for (int run = 0; run < runs; run++) {
		struct fx *f = fx_new(40 + (uint64_t)run, 3, 1);
		uint32_t junk = sim_node_add(f->w, "junk", &junk_class, NULL);
		fx_start_all(f);
		assert_true(fx_converge(f, 10 * SIM_NS_PER_S));
		sim_node_start(f->w, junk);
		size_t before = f->nacked;
		sim_run_for(f->w, 5 * SIM_NS_PER_S);
		struct junk *j = sim_node_state(f->w, junk);
		assert_true(j->sent > 200);
		assert_true(f->nacked > before + 50);
		assert_true(fx_converge(f, 10 * SIM_NS_PER_S));
		if (zk_check_violations(&f->chk))
			fail_msg("%s", zk_check_first_violation(&f->chk));
		fx_free(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ops_and_watches),
		cmocka_unit_test(test_negotiated_timeout),
		cmocka_unit_test(test_connection_loss_and_failover),
		cmocka_unit_test(test_expiry_after_pause),
		cmocka_unit_test(test_close_session_removes_ephemerals),
		cmocka_unit_test(test_raw_expired_connect_response),
		cmocka_unit_test(test_raw_refuses_client_ahead),
		cmocka_unit_test(test_garbage_requests),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
