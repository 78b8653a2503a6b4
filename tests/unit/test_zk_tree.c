/*
 * Unit tests for broker/zk/zk_tree and zk_txn: the Stat rules of each op,
 * version conditions and errors, sequential names, ephemerals per session,
 * one-shot watches and their order, multi atomicity, snapshot and digest,
 * replay determinism and allocation failures. Every write goes the way the
 * server will send it: request -> zk_tree_prepare -> txn bytes ->
 * zk_txn_decode -> zk_tree_apply.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "broker/zk/zk_tree.h"

/* An allocator that counts live blocks and can fail from the Nth call on. */
struct test_alloc {
	long live;
	long calls;
	long fail_from; /* 0: never fail */
};

static void *counting_realloc(void *ctx, void *p, size_t n)
{
	struct test_alloc *a = ctx;
	if (n == 0) {
		if (p) {
			free(p);
			a->live--;
		}
		return NULL;
	}
	a->calls++;
	if (a->fail_from && a->calls >= a->fail_from)
		return NULL;
	void *q = realloc(p, n);
	if (q && !p)
		a->live++;
	return q;
}

struct event {
	int32_t type;
	char path[64];
	int64_t watcher;
};

struct fx {
	struct test_alloc ta;
	struct zk_alloc alloc;
	struct zk_tree *t;
	int nev;
	struct event ev[64];
	uint8_t txn[4096];
	size_t txn_len;
};

static void on_watch(void *ctx, const struct zk_tree_event *e)
{
	struct fx *f = ctx;
	assert_true(f->nev < 64);
	struct event *x = &f->ev[f->nev++];
	x->type = e->type;
	snprintf(x->path, sizeof x->path, "%.*s", (int)e->path.len, e->path.p);
	x->watcher = e->watcher;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	f->alloc = (struct zk_alloc){counting_realloc, &f->ta};
	f->t = zk_tree_create(&f->alloc, on_watch, f);
	assert_non_null(f->t);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	zk_tree_destroy(f->t);
	assert_int_equal(f->ta.live, 0); /* everything the tree took is back */
	free(f);
	return 0;
}

static struct zk_str S(const char *s) { return zk_str_from_cstr(s); }
static const struct zk_acl open_acl = {ZK_PERM_ALL, {"world", 5}, {"anyone", 6}};

static struct zk_request req(int32_t type, const char *path, const char *data, int32_t version,
			     int32_t flags)
{
	struct zk_request q = {.type = type, .path = S(path), .version = version, .flags = flags};
	q.data = data ? (struct zk_buf){(const uint8_t *)data, (int32_t)strlen(data)}
		      : (struct zk_buf){NULL, -1};
	q.acl = (struct zk_acl_vec){1, &open_acl, NULL, 0};
	return q;
}

/* Applies encoded txn bytes in f->txn at (zxid, time). */
static struct zk_multi_result apply_txn(struct fx *f, int64_t zxid, int64_t time_ms)
{
	struct zk_txn txn;
	struct zk_multi_result res;
	assert_int_equal(zk_txn_decode(f->txn, f->txn_len, &txn), 0);
	assert_int_equal(zk_tree_apply(f->t, &txn, zxid, time_ms, &res, 1), 0);
	return res;
}

/* One client write the way a server runs it: prepare, encode, apply. */
static struct zk_multi_result write_req(struct fx *f, int64_t session, struct zk_request q,
					int64_t zxid, int64_t time_ms)
{
	struct wire_writer w;
	wire_writer_init(&w, f->txn, sizeof f->txn);
	assert_int_equal(zk_tree_prepare(f->t, session, &q, &w), 0);
	assert_int_equal(w.err, 0);
	f->txn_len = w.len;
	return apply_txn(f, zxid, time_ms);
}

static int write_err(struct fx *f, int64_t session, struct zk_request q, int64_t zxid)
{
	struct zk_multi_result r = write_req(f, session, q, zxid, 0);
	return r.type == ZK_OP_ERROR ? r.err : ZOK;
}

static struct zk_stat stat_of(struct fx *f, const char *path)
{
	struct zk_stat s;
	memset(&s, 0, sizeof s);
	assert_int_equal(zk_tree_exists(f->t, S(path), false, 0, &s), ZOK);
	return s;
}

static bool exists(struct fx *f, const char *path)
{
	return zk_tree_exists(f->t, S(path), false, 0, NULL) == ZOK;
}

static void test_initial_tree(void **state)
{
	struct fx *f = *state;
	struct zk_tree_children c;
	assert_int_equal(zk_tree_node_count(f->t), 4);
	assert_int_equal(zk_tree_get_children(f->t, S("/"), false, 0, &c), ZOK);
	assert_int_equal(c.count, 1);
	assert_true(zk_str_equal(zk_tree_child_name(&c, 0), S("zookeeper")));
	assert_int_equal(zk_tree_get_children(f->t, S("/zookeeper"), false, 0, &c), ZOK);
	assert_int_equal(c.count, 2);
	assert_true(zk_str_equal(zk_tree_child_name(&c, 0), S("config")));
	assert_true(zk_str_equal(zk_tree_child_name(&c, 1), S("quota")));
	assert_int_equal(c.stat.num_children, 2);
	assert_true(c.stat.czxid == 0 && c.stat.cversion == 0);
}

/* The Stat rules: create sets czxid = mzxid = pzxid and ctime = mtime and
 * bumps the parent's cversion and pzxid; setData bumps version, mzxid and
 * mtime only; delete moves the parent's pzxid but not its cversion. */
static void test_stats_follow_each_op(void **state)
{
	struct fx *f = *state;
	struct zk_multi_result r;
	r = write_req(f, 1, req(ZK_OP_CREATE, "/a", "hello", 0, 0), 10, 1000);
	assert_int_equal(r.type, ZK_OP_CREATE);
	assert_true(zk_str_equal(r.path, S("/a")));
	struct zk_stat a = stat_of(f, "/a");
	assert_true(a.czxid == 10 && a.mzxid == 10 && a.pzxid == 10);
	assert_true(a.ctime == 1000 && a.mtime == 1000);
	assert_true(a.version == 0 && a.cversion == 0 && a.aversion == 0);
	assert_true(a.ephemeral_owner == 0 && a.data_length == 5 && a.num_children == 0);
	assert_memory_equal(&r.stat, &a, sizeof a);
	struct zk_stat root = stat_of(f, "/");
	assert_true(root.cversion == 1 && root.pzxid == 10 && root.num_children == 2);

	write_req(f, 1, req(ZK_OP_CREATE, "/a/b", NULL, 0, 0), 11, 1100);
	a = stat_of(f, "/a");
	assert_true(a.cversion == 1 && a.pzxid == 11 && a.num_children == 1);
	assert_true(a.mzxid == 10 && a.version == 0); /* a child is not a data change */
	assert_int_equal(stat_of(f, "/a/b").data_length, 0);

	r = write_req(f, 1, req(ZK_OP_SET_DATA, "/a", "xy", 0, 0), 12, 2000);
	a = stat_of(f, "/a");
	assert_true(a.version == 1 && a.mzxid == 12 && a.mtime == 2000);
	assert_true(a.czxid == 10 && a.ctime == 1000 && a.data_length == 2 && a.pzxid == 11);
	assert_int_equal(r.stat.version, 1);
	struct zk_buf data;
	assert_int_equal(zk_tree_get_data(f->t, S("/a"), false, 0, &data, NULL), ZOK);
	assert_int_equal(data.len, 2);
	assert_memory_equal(data.p, "xy", 2);

	write_req(f, 1, req(ZK_OP_DELETE, "/a/b", NULL, -1, 0), 13, 3000);
	a = stat_of(f, "/a");
	assert_true(a.pzxid == 13 && a.cversion == 1 && a.num_children == 0);
	assert_true(a.mzxid == 12);
	assert_false(exists(f, "/a/b"));
}

static void test_errors_and_version_conditions(void **state)
{
	struct fx *f = *state;
	write_req(f, 1, req(ZK_OP_CREATE, "/a", "v", 0, 0), 2, 0);
	write_req(f, 1, req(ZK_OP_CREATE, "/a/b", "v", 0, 0), 3, 0);
	write_req(f, 9, req(ZK_OP_CREATE, "/e", "v", 0, ZK_CREATE_EPHEMERAL), 4, 0);
	assert_int_equal(write_err(f, 1, req(ZK_OP_CREATE, "/a", "", 0, 0), 5), ZNODEEXISTS);
	assert_int_equal(write_err(f, 1, req(ZK_OP_CREATE, "/", "", 0, 0), 5), ZNODEEXISTS);
	assert_int_equal(write_err(f, 1, req(ZK_OP_CREATE, "/x/y", "", 0, 0), 5), ZNONODE);
	assert_int_equal(write_err(f, 1, req(ZK_OP_CREATE, "/e/c", "", 0, 0), 5),
			 ZNOCHILDRENFOREPHEMERALS);
	assert_int_equal(write_err(f, 1, req(ZK_OP_CREATE, "/a", "", 0, 9), 5), ZBADARGUMENTS);
	/* A create with no ACL is refused, as ZooKeeper's fixupACL does (the
	 * broker's multi once sent one; a real ZooKeeper answered INVALIDACL). */
	struct zk_request no_acl = req(ZK_OP_CREATE, "/n", "", 0, 0);
	no_acl.acl = (struct zk_acl_vec){0, NULL, NULL, 0};
	assert_int_equal(write_err(f, 1, no_acl, 5), ZINVALIDACL);
	assert_false(exists(f, "/n"));
	const char *bad[] = {"a", "/a/", "//a", "/a//b", "/a/./b", "/a/..", ""};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(write_err(f, 1, req(ZK_OP_CREATE, bad[i], "", 0, 0), 5),
				 ZBADARGUMENTS);
	assert_int_equal(write_err(f, 1, req(ZK_OP_DELETE, "/", NULL, -1, 0), 5), ZBADARGUMENTS);

	assert_int_equal(write_err(f, 1, req(ZK_OP_SET_DATA, "/a", "w", 5, 0), 5), ZBADVERSION);
	assert_int_equal(write_err(f, 1, req(ZK_OP_SET_DATA, "/a", "w", 0, 0), 5), ZOK);
	assert_int_equal(write_err(f, 1, req(ZK_OP_SET_DATA, "/a", "w", 0, 0), 6), ZBADVERSION);
	assert_int_equal(write_err(f, 1, req(ZK_OP_SET_DATA, "/a", "w", -1, 0), 6), ZOK);
	assert_int_equal(stat_of(f, "/a").version, 2);
	assert_int_equal(write_err(f, 1, req(ZK_OP_SET_DATA, "/zz", "w", -1, 0), 7), ZNONODE);
	assert_int_equal(write_err(f, 1, req(ZK_OP_CHECK, "/a", NULL, 1, 0), 7), ZBADVERSION);
	assert_int_equal(write_err(f, 1, req(ZK_OP_CHECK, "/a", NULL, 2, 0), 7), ZOK);
	assert_int_equal(write_err(f, 1, req(ZK_OP_CHECK, "/zz", NULL, -1, 0), 7), ZNONODE);
	assert_int_equal(write_err(f, 1, req(ZK_OP_DELETE, "/a", NULL, -1, 0), 7), ZNOTEMPTY);
	assert_int_equal(write_err(f, 1, req(ZK_OP_DELETE, "/a/b", NULL, 3, 0), 7), ZBADVERSION);
	assert_int_equal(write_err(f, 1, req(ZK_OP_DELETE, "/a/b", NULL, 0, 0), 7), ZOK);
	assert_int_equal(write_err(f, 1, req(ZK_OP_DELETE, "/a/b", NULL, 0, 0), 8), ZNONODE);
	/* A failed write is an ERROR txn: it changes nothing. */
	struct zk_txn txn;
	write_err(f, 1, req(ZK_OP_CREATE, "/a", "", 0, 0), 9);
	assert_int_equal(zk_txn_decode(f->txn, f->txn_len, &txn), 0);
	assert_int_equal(txn.type, ZK_OP_ERROR);
	assert_int_equal(txn.op.err, ZNODEEXISTS);
	/* Reads are not txns. */
	struct wire_writer w;
	wire_writer_init(&w, f->txn, sizeof f->txn);
	struct zk_request q = req(ZK_OP_GET_DATA, "/a", NULL, 0, 0);
	assert_int_equal(zk_tree_prepare(f->t, 1, &q, &w), WIRE_EINVAL);
}

/* Sequential names carry the parent's cversion as %010d; a delete does not
 * bump cversion, so the counter never reuses a number. */
static void test_sequential_names(void **state)
{
	struct fx *f = *state;
	write_req(f, 1, req(ZK_OP_CREATE, "/q", NULL, 0, 0), 2, 0);
	const char *want[] = {"/q/n-0000000000", "/q/n-0000000001", "/q/n-0000000002"};
	for (int i = 0; i < 3; i++) {
		struct zk_multi_result r =
			write_req(f, 1, req(ZK_OP_CREATE, "/q/n-", NULL, 0, ZK_CREATE_SEQUENTIAL),
				  3 + i, 0);
		assert_true(zk_str_equal(r.path, S(want[i])));
		assert_true(exists(f, want[i]));
	}
	write_req(f, 1, req(ZK_OP_DELETE, "/q/n-0000000002", NULL, -1, 0), 6, 0);
	struct zk_multi_result r = write_req(
		f, 1, req(ZK_OP_CREATE, "/q/", NULL, 0, ZK_CREATE_EPHEMERAL_SEQUENTIAL), 7, 0);
	assert_true(zk_str_equal(r.path, S("/q/0000000003")));
	assert_true(r.stat.ephemeral_owner == 1);
	struct zk_tree_children c;
	assert_int_equal(zk_tree_get_children(f->t, S("/q"), false, 0, &c), ZOK);
	assert_int_equal(c.count, 3);
	assert_true(zk_str_equal(zk_tree_child_name(&c, 0), S("0000000003")));
	assert_true(zk_str_equal(zk_tree_child_name(&c, 2), S("n-0000000001")));
	uint8_t buf[128];
	struct wire_writer w;
	wire_writer_init(&w, buf, sizeof buf);
	zk_tree_encode_children(&w, &c);
	assert_int_equal(w.len, 4 + 3 * 4 + 10 + 12 + 12);
}

static void test_ephemerals_per_session(void **state)
{
	struct fx *f = *state;
	write_req(f, 7, req(ZK_OP_CREATE, "/e2", NULL, 0, ZK_CREATE_EPHEMERAL), 2, 0);
	write_req(f, 7, req(ZK_OP_CREATE, "/e1", NULL, 0, ZK_CREATE_EPHEMERAL), 3, 0);
	write_req(f, 8, req(ZK_OP_CREATE, "/e3", NULL, 0, ZK_CREATE_EPHEMERAL), 4, 0);
	write_req(f, 7, req(ZK_OP_CREATE, "/p", NULL, 0, 0), 5, 0);
	assert_int_equal(zk_tree_ephemeral_count(f->t, 7), 2);
	assert_int_equal(zk_tree_ephemeral_count(f->t, 8), 1);
	assert_int_equal(zk_tree_ephemeral_count(f->t, 6), 0);
	assert_true(zk_str_equal(zk_tree_ephemeral_path(f->t, 7, 0), S("/e1")));
	assert_true(zk_str_equal(zk_tree_ephemeral_path(f->t, 7, 1), S("/e2")));
	assert_int_equal(stat_of(f, "/e1").ephemeral_owner, 7);
	assert_int_equal(zk_tree_exists(f->t, S("/e2"), true, 100, NULL), ZOK);

	struct zk_request close = {.type = ZK_OP_CLOSE_SESSION};
	struct zk_multi_result r = write_req(f, 7, close, 6, 0);
	assert_int_equal(r.type, ZK_OP_CLOSE_SESSION);
	assert_false(exists(f, "/e1"));
	assert_false(exists(f, "/e2"));
	assert_true(exists(f, "/e3"));
	assert_true(exists(f, "/p")); /* persistent nodes stay */
	assert_int_equal(zk_tree_ephemeral_count(f->t, 7), 0);
	assert_int_equal(stat_of(f, "/").pzxid, 6);
	assert_int_equal(f->nev, 1);
	assert_int_equal(f->ev[0].type, ZK_EVENT_DELETED);
	assert_string_equal(f->ev[0].path, "/e2");
	/* A deleted ephemeral leaves the index too. */
	write_req(f, 8, req(ZK_OP_DELETE, "/e3", NULL, -1, 0), 7, 0);
	assert_int_equal(zk_tree_ephemeral_count(f->t, 8), 0);
}

static void test_watches_fire_once_in_order(void **state)
{
	struct fx *f = *state;
	/* An exist watch on an absent node fires on its creation. */
	assert_int_equal(zk_tree_exists(f->t, S("/w"), true, 5, NULL), ZNONODE);
	assert_int_equal(zk_tree_get_data(f->t, S("/w"), true, 6, NULL, NULL), ZNONODE);
	assert_int_equal(zk_tree_watch_count(f->t), 1); /* getData on absent leaves none */
	struct zk_tree_children c;
	assert_int_equal(zk_tree_get_children(f->t, S("/"), true, 3, &c), ZOK);
	assert_int_equal(zk_tree_get_children(f->t, S("/"), true, 1, &c), ZOK);
	assert_int_equal(zk_tree_get_children(f->t, S("/"), true, 1, &c), ZOK); /* once */
	write_req(f, 1, req(ZK_OP_CREATE, "/w", NULL, 0, 0), 2, 0);
	assert_int_equal(f->nev, 3);
	assert_int_equal(f->ev[0].type, ZK_EVENT_CREATED);
	assert_string_equal(f->ev[0].path, "/w");
	assert_int_equal(f->ev[0].watcher, 5);
	assert_int_equal(f->ev[1].type, ZK_EVENT_CHILD);
	assert_string_equal(f->ev[1].path, "/");
	assert_int_equal(f->ev[1].watcher, 1); /* ascending watcher id */
	assert_int_equal(f->ev[2].watcher, 3);
	assert_int_equal(zk_tree_watch_count(f->t), 0);

	/* One-shot: the second change after one registration is silent. */
	f->nev = 0;
	zk_tree_get_data(f->t, S("/w"), true, 5, NULL, NULL);
	write_req(f, 1, req(ZK_OP_SET_DATA, "/w", "1", -1, 0), 3, 0);
	write_req(f, 1, req(ZK_OP_SET_DATA, "/w", "2", -1, 0), 4, 0);
	assert_int_equal(f->nev, 1);
	assert_int_equal(f->ev[0].type, ZK_EVENT_CHANGED);

	/* A delete: a watcher with both a data and a child watch hears one
	 * NodeDeleted; the parent's child watch hears NodeChildrenChanged. */
	f->nev = 0;
	zk_tree_get_data(f->t, S("/w"), true, 5, NULL, NULL);
	zk_tree_get_children(f->t, S("/w"), true, 5, &c);
	zk_tree_get_children(f->t, S("/w"), true, 4, &c);
	zk_tree_get_children(f->t, S("/"), true, 2, &c);
	write_req(f, 1, req(ZK_OP_DELETE, "/w", NULL, -1, 0), 5, 0);
	assert_int_equal(f->nev, 3);
	assert_int_equal(f->ev[0].type, ZK_EVENT_DELETED);
	assert_int_equal(f->ev[0].watcher, 4);
	assert_int_equal(f->ev[1].type, ZK_EVENT_DELETED);
	assert_int_equal(f->ev[1].watcher, 5);
	assert_int_equal(f->ev[2].type, ZK_EVENT_CHILD);
	assert_int_equal(f->ev[2].watcher, 2);

	/* A failed write fires nothing; a closed connection drops its watches. */
	f->nev = 0;
	zk_tree_exists(f->t, S("/zookeeper"), true, 8, NULL);
	zk_tree_exists(f->t, S("/nope"), true, 9, NULL);
	write_err(f, 1, req(ZK_OP_SET_DATA, "/zookeeper", "", 99, 0), 6);
	assert_int_equal(f->nev, 0);
	zk_tree_remove_watcher(f->t, 8);
	assert_int_equal(zk_tree_watch_count(f->t), 1);
}

static void test_set_watches_on_reconnect(void **state)
{
	struct fx *f = *state;
	write_req(f, 1, req(ZK_OP_CREATE, "/old", NULL, 0, 0), 2, 0);
	write_req(f, 1, req(ZK_OP_CREATE, "/new", NULL, 0, 0), 5, 0);
	const struct zk_str data[] = {S("/old"), S("/new"), S("/gone")};
	const struct zk_str exist[] = {S("/new"), S("/later")};
	const struct zk_str child[] = {S("/old")};
	struct zk_set_watches sw = {4, {3, data, NULL, 0}, {2, exist, NULL, 0},
				    {1, child, NULL, 0}};
	assert_int_equal(zk_tree_set_watches(f->t, 7, &sw), 0);
	/* /new changed after zxid 4, /gone is gone, /new exists: three events;
	 * /old data, /later exist and /old child watches are registered. */
	assert_int_equal(f->nev, 3);
	assert_int_equal(f->ev[0].type, ZK_EVENT_CHANGED);
	assert_string_equal(f->ev[0].path, "/new");
	assert_int_equal(f->ev[1].type, ZK_EVENT_DELETED);
	assert_string_equal(f->ev[1].path, "/gone");
	assert_int_equal(f->ev[2].type, ZK_EVENT_CREATED);
	assert_int_equal(zk_tree_watch_count(f->t), 3);
}

/* Builds a multi request body from ops and decodes it into a view. */
static struct zk_multi make_multi(uint8_t *buf, size_t cap, const struct zk_request *ops, int n)
{
	struct wire_writer w;
	struct wire_reader r;
	struct zk_multi m;
	wire_writer_init(&w, buf, cap);
	zk_encode_multi_request(&w, ops, n);
	assert_int_equal(w.err, 0);
	wire_reader_init(&r, buf, w.len);
	assert_int_equal(zk_decode_multi_request(&r, &m), 0);
	return m;
}

static void run_multi(struct fx *f, const struct zk_request *ops, int n, int64_t zxid,
		      struct zk_multi_result *res)
{
	uint8_t body[1024];
	struct zk_multi m = make_multi(body, sizeof body, ops, n);
	struct wire_writer w;
	struct zk_txn txn;
	wire_writer_init(&w, f->txn, sizeof f->txn);
	assert_int_equal(zk_tree_prepare_multi(f->t, 1, &m, &w), 0);
	assert_int_equal(w.err, 0);
	f->txn_len = w.len;
	assert_int_equal(zk_txn_decode(f->txn, w.len, &txn), 0);
	assert_int_equal(txn.count, n);
	assert_int_equal(zk_tree_apply(f->t, &txn, zxid, 0, res, n), 0);
}

static void test_multi_success(void **state)
{
	struct fx *f = *state;
	struct zk_request ops[] = {
		req(ZK_OP_CREATE, "/m", "d", 0, 0),
		req(ZK_OP_CREATE2, "/m/s-", NULL, 0, ZK_CREATE_SEQUENTIAL),
		req(ZK_OP_CREATE, "/m/s-", NULL, 0, ZK_CREATE_SEQUENTIAL),
		req(ZK_OP_SET_DATA, "/m", "e", 0, 0),
		req(ZK_OP_CHECK, "/m", NULL, 1, 0),
		req(ZK_OP_DELETE, "/m/s-0000000000", NULL, 0, 0),
	};
	struct zk_multi_result res[6];
	run_multi(f, ops, 6, 20, res);
	assert_int_equal(res[0].type, ZK_OP_CREATE);
	assert_int_equal(res[0].stat.version, 0); /* the stat as of that op */
	assert_true(zk_str_equal(res[1].path, S("/m/s-0000000000")));
	assert_true(zk_str_equal(res[2].path, S("/m/s-0000000001")));
	assert_int_equal(res[3].type, ZK_OP_SET_DATA);
	assert_int_equal(res[3].stat.version, 1);
	assert_int_equal(res[4].type, ZK_OP_CHECK);
	assert_int_equal(res[5].type, ZK_OP_DELETE);
	assert_false(exists(f, "/m/s-0000000000"));
	assert_true(exists(f, "/m/s-0000000001"));
	struct zk_stat m = stat_of(f, "/m");
	assert_true(m.czxid == 20 && m.mzxid == 20 && m.version == 1 && m.cversion == 2);
}

static void test_multi_failure_changes_nothing(void **state)
{
	struct fx *f = *state;
	write_req(f, 1, req(ZK_OP_CREATE, "/a", "v", 0, 0), 2, 0);
	write_req(f, 1, req(ZK_OP_CREATE, "/a/b", "w", 0, 0), 3, 0);
	zk_tree_get_data(f->t, S("/a"), true, 5, NULL, NULL);
	uint64_t before = zk_tree_digest(f->t);
	size_t nodes = zk_tree_node_count(f->t);
	struct zk_request ops[] = {
		req(ZK_OP_DELETE, "/a/b", NULL, -1, 0),
		req(ZK_OP_SET_DATA, "/a", "changed", -1, 0),
		req(ZK_OP_CREATE, "/a/c", NULL, 0, 0),
		req(ZK_OP_DELETE, "/a", NULL, 7, 0), /* bad version */
		req(ZK_OP_CREATE, "/z", NULL, 0, 0),
	};
	struct zk_multi_result res[5];
	run_multi(f, ops, 5, 4, res);
	const int32_t want[] = {ZOK, ZOK, ZOK, ZBADVERSION, ZRUNTIMEINCONSISTENCY};
	for (int i = 0; i < 5; i++) {
		assert_int_equal(res[i].type, ZK_OP_ERROR);
		assert_int_equal(res[i].err, want[i]);
	}
	assert_true(zk_tree_digest(f->t) == before);
	assert_int_equal(zk_tree_node_count(f->t), nodes);
	assert_int_equal(f->nev, 0);
	assert_int_equal(zk_tree_watch_count(f->t), 1);

	/* The same ops as a txn that prepare did not vet (the tree changed
	 * under it): apply runs them, fails at op 3, and reverts ops 0..2. */
	uint8_t raw[512];
	struct wire_writer w;
	wire_writer_init(&w, raw, sizeof raw);
	struct zk_txn_op tops[] = {
		{ZK_OP_DELETE, S("/a/b"), {NULL, -1}, -1, 0, 0},
		{ZK_OP_SET_DATA, S("/a"), {(const uint8_t *)"zz", 2}, -1, 0, 0},
		{ZK_OP_CREATE, S("/a/c"), {NULL, -1}, 0, 3, 0},
		{ZK_OP_DELETE, S("/a"), {NULL, -1}, -1, 0, 0}, /* not empty: /a/c */
	};
	for (int i = 0; i < 4; i++)
		zk_txn_encode_op(&w, &tops[i]);
	struct zk_txn txn = {.type = ZK_OP_MULTI, .session_id = 1, .count = 4,
			     .ops_raw = raw, .ops_raw_len = w.len};
	txn.count = 3; /* disagrees with the ops: refused before anything runs */
	assert_int_equal(zk_tree_apply(f->t, &txn, 5, 0, res, 3), WIRE_EINVAL);
	txn.count = 4;
	assert_int_equal(zk_tree_apply(f->t, &txn, 5, 0, res, 3), WIRE_EINVAL); /* res_cap */
	assert_int_equal(zk_tree_apply(f->t, &txn, 5, 0, res, 4), 0);
	assert_int_equal(res[3].err, ZNOTEMPTY);
	assert_true(zk_tree_digest(f->t) == before);
	assert_int_equal(zk_tree_ephemeral_count(f->t, 3), 0);
	struct zk_buf d;
	assert_int_equal(zk_tree_get_data(f->t, S("/a/b"), false, 0, &d, NULL), ZOK);
	assert_memory_equal(d.p, "w", 1);
	assert_int_equal(f->nev, 0);
}

static void test_txn_round_trip_and_garbage(void **state)
{
	uint8_t raw[128], buf[256];
	struct wire_writer w;
	wire_writer_init(&w, raw, sizeof raw);
	struct zk_txn_op op = {ZK_OP_CREATE, S("/x"), {(const uint8_t *)"ab", 2}, 0, 42, 0};
	zk_txn_encode_op(&w, &op);
	struct zk_txn_op err = {.type = ZK_OP_ERROR, .err = ZNONODE};
	zk_txn_encode_op(&w, &err);
	struct zk_txn txn = {.type = ZK_OP_MULTI, .session_id = 42, .count = 2,
			     .ops_raw = raw, .ops_raw_len = w.len};
	wire_writer_init(&w, buf, sizeof buf);
	zk_txn_encode(&w, &txn);
	/* type 14, session 42, count 2, then create {type 1, "/x", "ab",
	 * owner 42} and error {type -1, -101}. */
	const uint8_t want[] = {0,    0,    0,	  14,	0,    0,    0,	  0,	0,    0,    0,
				42,   0,    0,	  0,	2,    0,    0,	  0,	1,    0,    0,
				0,    2,    '/',  'x',	0,    0,    0,	  2,	'a',  'b',  0,
				0,    0,    0,	  0,	0,    0,    42,	  0xff, 0xff, 0xff, 0xff,
				0xff, 0xff, 0xff, 0x9b};
	assert_int_equal(w.len, sizeof want);
	assert_memory_equal(buf, want, sizeof want);
	struct zk_txn d;
	assert_int_equal(zk_txn_decode(buf, w.len, &d), 0);
	assert_int_equal(d.count, 2);
	for (size_t len = 0; len < w.len; len++)
		assert_true(zk_txn_decode(buf, len, &d) < 0);
	uint64_t s = 99;
	for (int i = 0; i < 20000; i++) {
		uint8_t m[sizeof want];
		memcpy(m, want, sizeof want);
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		m[(s >> 33) % sizeof m] = (uint8_t)(s >> 20);
		size_t len = (s >> 40) % 8 == 0 ? (s >> 45) % sizeof m : sizeof m;
		uint8_t *p = malloc(len ? len : 1);
		memcpy(p, m, len);
		if (zk_txn_decode(p, len, &d) == 0) {
			struct wire_writer w2;
			uint8_t again[256];
			wire_writer_init(&w2, again, sizeof again);
			zk_txn_encode(&w2, &d);
			assert_int_equal(w2.len, len);
		}
		free(p);
	}
}

/* Builds a busy tree: persistent, ephemeral, sequential, data, deletes. */
static void populate(struct fx *f, uint64_t seed, int steps, uint8_t *log, size_t *log_len,
		     int64_t *zxid)
{
	const char *paths[] = {"/a", "/a/b", "/a/c", "/d", "/d/e", "/a/b/f"};
	for (int i = 0; i < steps; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		const char *p = paths[(seed >> 33) % 6];
		int kind = (int)((seed >> 40) % 5);
		int64_t session = 1 + (int64_t)((seed >> 50) % 3);
		struct zk_request q;
		char data[16];
		snprintf(data, sizeof data, "v%d", i);
		if (kind == 0)
			q = req(ZK_OP_CREATE, p, data, 0, (int32_t)((seed >> 45) % 4));
		else if (kind == 1)
			q = req(ZK_OP_DELETE, p, NULL, -1, 0);
		else if (kind == 2)
			q = req(ZK_OP_SET_DATA, p, data, -1, 0);
		else if (kind == 3)
			q = req(ZK_OP_CREATE, p, NULL, 0, 0);
		else
			q = (struct zk_request){.type = ZK_OP_CLOSE_SESSION};
		(*zxid)++;
		write_req(f, session, q, *zxid, 1000 + *zxid);
		if (log) {
			/* The log: u32 length + txn bytes, as a replica would keep it. */
			assert_true(*log_len + 4 + f->txn_len < 65536);
			struct wire_writer w;
			wire_writer_init(&w, log + *log_len, 4);
			wire_put_u32(&w, (uint32_t)f->txn_len);
			memcpy(log + *log_len + 4, f->txn, f->txn_len);
			*log_len += 4 + f->txn_len;
		}
	}
}

static void test_snapshot_restores_same_digest(void **state)
{
	struct fx *f = *state;
	int64_t zxid = 0;
	populate(f, 7, 300, NULL, NULL, &zxid);
	size_t need;
	struct wire_writer w;
	wire_writer_init(&w, NULL, 0); /* sizing pass */
	zk_tree_serialize(f->t, &w);
	need = w.len;
	uint8_t *snap = malloc(need);
	wire_writer_init(&w, snap, need);
	zk_tree_serialize(f->t, &w);
	assert_int_equal(w.err, 0);
	int err;
	struct zk_tree *t2 = zk_tree_restore(&f->alloc, NULL, NULL, snap, need, &err);
	assert_non_null(t2);
	assert_true(zk_tree_digest(t2) == zk_tree_digest(f->t));
	assert_int_equal(zk_tree_node_count(t2), zk_tree_node_count(f->t));
	assert_true(zk_tree_last_zxid(t2) == 300 && zk_tree_last_zxid(f->t) == 300);
	for (int64_t s = 1; s <= 3; s++)
		assert_int_equal(zk_tree_ephemeral_count(t2, s), zk_tree_ephemeral_count(f->t, s));
	zk_tree_destroy(t2);
	/* Truncated snapshots fail cleanly and free what they built. */
	for (size_t len = 0; len < need; len += 1 + len / 8) {
		assert_null(zk_tree_restore(&f->alloc, NULL, NULL, snap, len, &err));
		assert_true(err < 0);
	}
	/* Mutated snapshots either fail cleanly or give a tree that works. */
	uint64_t seed = 2026;
	uint8_t *m = malloc(need);
	for (int i = 0; i < (getenv("KSIM_UNDER_VALGRIND") ? 300 : 3000); i++) {
		memcpy(m, snap, need);
		for (int k = 0; k < 3; k++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			m[(seed >> 33) % need] ^= (uint8_t)(1u << ((seed >> 20) % 8));
		}
		t2 = zk_tree_restore(&f->alloc, NULL, NULL, m, need, &err);
		if (!t2) {
			assert_true(err < 0);
			continue;
		}
		struct zk_multi_result r;
		struct zk_txn close = {.type = ZK_OP_CLOSE_SESSION, .session_id = 1};
		(void)zk_tree_digest(t2);
		assert_int_equal(zk_tree_apply(t2, &close, 1, 0, &r, 1), 0);
		zk_tree_destroy(t2);
	}
	free(m);
	free(snap);
	/* The digest sees a one-byte data change. */
	uint64_t d = zk_tree_digest(f->t);
	write_req(f, 1, req(ZK_OP_CREATE, "/zz", "x", 0, 0), ++zxid, 0);
	assert_true(zk_tree_digest(f->t) != d);
}

/* Replaying the same txn log at the same zxids and times gives the same
 * tree on another replica: same digest, same snapshot bytes. */
static void test_replay_is_deterministic(void **state)
{
	struct fx *f = *state;
	static uint8_t log[65536];
	size_t log_len = 0;
	int64_t zxid = 0;
	populate(f, 12345, 400, log, &log_len, &zxid);

	struct zk_tree *t2 = zk_tree_create(&f->alloc, NULL, NULL);
	struct wire_reader r;
	wire_reader_init(&r, log, log_len);
	int64_t z = 0;
	while (wire_remaining(&r) > 0) {
		uint32_t n = wire_get_u32(&r);
		const uint8_t *p = wire_get_bytes(&r, n);
		struct zk_txn txn;
		assert_int_equal(zk_txn_decode(p, n, &txn), 0);
		z++;
		assert_int_equal(zk_tree_apply(t2, &txn, z, 1000 + z, NULL, 0), 0);
	}
	assert_true(z == zxid);
	assert_true(zk_tree_digest(t2) == zk_tree_digest(f->t));
	static uint8_t s1[65536], s2[65536];
	struct wire_writer w1, w2;
	wire_writer_init(&w1, s1, sizeof s1);
	wire_writer_init(&w2, s2, sizeof s2);
	zk_tree_serialize(f->t, &w1);
	zk_tree_serialize(t2, &w2);
	assert_int_equal(w1.err, 0);
	assert_int_equal(w1.len, w2.len);
	assert_memory_equal(s1, s2, w1.len);
	zk_tree_destroy(t2);

	/* A different history gives a different digest. */
	struct fx g = {0};
	g.alloc = (struct zk_alloc){counting_realloc, &g.ta};
	g.t = zk_tree_create(&g.alloc, NULL, NULL);
	int64_t gz = 0;
	populate(&g, 54321, 400, NULL, NULL, &gz);
	assert_true(zk_tree_digest(g.t) != zk_tree_digest(f->t));
	zk_tree_destroy(g.t);
	assert_int_equal(g.ta.live, 0);
}

/* Fails allocation N = 1, 2, ... during a multi: each failure reports
 * ZK_TREE_ENOMEM and leaves the tree exactly as it was. */
static void test_allocation_failures_leave_tree_unchanged(void **state)
{
	struct fx *f = *state;
	write_req(f, 1, req(ZK_OP_CREATE, "/a", "v", 0, 0), 2, 0);
	write_req(f, 1, req(ZK_OP_CREATE, "/a/b", "w", 0, 0), 3, 0);
	uint8_t raw[512];
	struct wire_writer w;
	wire_writer_init(&w, raw, sizeof raw);
	struct zk_txn_op tops[] = {
		{ZK_OP_CREATE, S("/n1"), {(const uint8_t *)"abc", 3}, 0, 5, 0},
		{ZK_OP_DELETE, S("/a/b"), {NULL, -1}, -1, 0, 0},
		{ZK_OP_SET_DATA, S("/a"), {(const uint8_t *)"zz", 2}, -1, 0, 0},
		{ZK_OP_CREATE, S("/a/n2"), {(const uint8_t *)"q", 1}, 0, 0, 0},
		{ZK_OP_CREATE, S("/a/n3"), {NULL, -1}, 0, 5, 0},
	};
	for (int i = 0; i < 5; i++)
		zk_txn_encode_op(&w, &tops[i]);
	struct zk_txn txn = {.type = ZK_OP_MULTI, .session_id = 5, .count = 5,
			     .ops_raw = raw, .ops_raw_len = w.len};
	uint64_t before = zk_tree_digest(f->t);
	struct zk_multi_result res[5];
	int rc;
	long n = 0;
	do {
		n++;
		f->ta.calls = 0;
		f->ta.fail_from = n;
		rc = zk_tree_apply(f->t, &txn, 10, 0, res, 5);
		f->ta.fail_from = 0;
		if (rc) {
			assert_int_equal(rc, ZK_TREE_ENOMEM);
			assert_true(zk_tree_digest(f->t) == before);
			assert_int_equal(zk_tree_ephemeral_count(f->t, 5), 0);
		}
	} while (rc && n < 1000);
	assert_int_equal(rc, 0);
	assert_true(n > 3); /* the sweep really failed some allocations */
	assert_int_equal(res[4].type, ZK_OP_CREATE);
	assert_int_equal(zk_tree_ephemeral_count(f->t, 5), 2);
	assert_false(exists(f, "/a/b"));
}

/* The same sweep for prepare (its trial run allocates) and for a watch. */
static void test_allocation_failures_in_prepare_and_reads(void **state)
{
	struct fx *f = *state;
	write_req(f, 1, req(ZK_OP_CREATE, "/a", "v", 0, 0), 2, 0);
	struct zk_request ops[] = {
		req(ZK_OP_CREATE, "/a/s-", "data", 0, ZK_CREATE_EPHEMERAL_SEQUENTIAL),
		req(ZK_OP_SET_DATA, "/a", "zz", -1, 0),
		req(ZK_OP_CREATE, "/b", NULL, 0, 0),
	};
	uint8_t body[512];
	struct zk_multi m = make_multi(body, sizeof body, ops, 3);
	uint64_t before = zk_tree_digest(f->t);
	struct wire_writer w;
	int rc;
	long n = 0;
	do {
		n++;
		f->ta.calls = 0;
		f->ta.fail_from = n;
		wire_writer_init(&w, f->txn, sizeof f->txn);
		rc = zk_tree_prepare_multi(f->t, 1, &m, &w);
		f->ta.fail_from = 0;
		assert_true(zk_tree_digest(f->t) == before);
		assert_true(rc == 0 || rc == ZK_TREE_ENOMEM);
	} while (rc && n < 1000);
	assert_true(n > 3);
	struct zk_txn txn;
	assert_int_equal(zk_txn_decode(f->txn, w.len, &txn), 0);
	struct wire_reader it;
	struct zk_txn_op op;
	zk_txn_iter(&txn, &it);
	assert_int_equal(zk_txn_next_op(&it, &op), 1);
	assert_true(zk_str_equal(op.path, S("/a/s-0000000000")));
	assert_true(op.ephemeral_owner == 1);

	f->ta.calls = 0;
	f->ta.fail_from = 1;
	assert_int_equal(zk_tree_exists(f->t, S("/a"), true, 4, NULL), ZK_TREE_ENOMEM);
	struct zk_request q = req(ZK_OP_CREATE, "/c", "x", 0, 0);
	wire_writer_init(&w, f->txn, sizeof f->txn);
	assert_int_equal(zk_tree_prepare(f->t, 1, &q, &w), ZK_TREE_ENOMEM);
	f->ta.fail_from = 0;
	assert_int_equal(zk_tree_watch_count(f->t), 0);
	assert_true(zk_tree_digest(f->t) == before);
}

/* Every tree test gets a fresh tree and ends with zero live allocations. */
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_initial_tree),
		T(test_stats_follow_each_op),
		T(test_errors_and_version_conditions),
		T(test_sequential_names),
		T(test_ephemerals_per_session),
		T(test_watches_fire_once_in_order),
		T(test_set_watches_on_reconnect),
		T(test_multi_success),
		T(test_multi_failure_changes_nothing),
		cmocka_unit_test(test_txn_round_trip_and_garbage),
		T(test_snapshot_restores_same_digest),
		T(test_replay_is_deterministic),
		T(test_allocation_failures_leave_tree_unchanged),
		T(test_allocation_failures_in_prepare_and_reads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
