/*
 * Unit tests for sim/net: the documented network semantics, pinned with
 * exact simulated times.
 *
 * Each test builds a small world of "probe" nodes. A probe is a node class
 * whose callbacks only record what happened (kind, status, virtual time,
 * which connection, frame sequence number) into a test-owned `struct probe`
 * that outlives the node's incarnations; the test itself plays the node's
 * part between runs of the loop, calling env_connect, env_conn_send and
 * env_conn_close on the node's env. Every such call, and every harness
 * action (kill, pause, heal, reset...), is made with `fx->in_call` set, and
 * every callback asserts it is clear: no callback may fire inside the call
 * that caused it.
 *
 * Frames carry a sequence number and a length and byte pattern derived from
 * it, so each delivery is checked to be whole and uncorrupted.
 *
 * Sections 1-7 pin one behaviour each, mostly with exact times (a fixed
 * link latency where the point is a time). Section 8 runs random schedules
 * of every action over many seeds and checks the invariants that must hold
 * whatever happens; a failure prints the seed to replay it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/env.h"
#include "sim/net.h"
#include "sim/rng.h"
#include "sim/util.h"
#include "sim/world.h"

#define MS SIM_NS_PER_MS
#define US SIM_NS_PER_US
#define SEC SIM_NS_PER_S

#define MAX_NODES 4
#define MAX_RECS 1024
#define MAX_SEQ 2048
#define PORT 9000

enum rec_kind { R_ACCEPT, R_CONNECT, R_FRAME, R_CLOSED, R_TIMER };

/* One thing a node saw. `tag` names the connection (see struct tag). */
struct rec {
	enum rec_kind kind;
	int status;
	int64_t t;
	int tag;
	uint32_t seq;
	size_t len;
};

struct fx;

/* Test-owned record of one node, across its incarnations. */
struct probe {
	struct fx *fx;
	uint32_t id;
	uint16_t listen_port; /* 0: the node does not listen */
	bool listening;
	struct env *env;      /* the running incarnation, NULL when down */
	struct node_state *state;
	int next_tag;
	struct env_conn *accepted; /* the last accepted connection */
	int accepted_tag;
	struct rec recs[MAX_RECS];
	size_t n;
};

/* The node's own state, on its env heap (freed when it crashes). */
struct node_state {
	struct probe *p;
	struct env_timer timer;
};

/* Per-connection user data, on the node's heap; freed when the handle goes.
 * The src fields check random-schedule frames (see section 8). */
struct tag {
	struct node_state *s;
	int tag;
	uint32_t src_node; /* 0 until the first frame */
	uint32_t src_tag;
	uint32_t next_n;
};

/* A handle the random-schedule test may act on. */
struct fz_handle {
	uint32_t node; /* 1-based id */
	int tag;
	struct env_conn *conn;
	bool live; /* the handle exists */
	bool open; /* connected (else connecting) */
	uint32_t sent;
};

#define FZ_HANDLES 256

struct fx {
	struct sim_world *w;
	struct sim_net *net;
	struct sim_net_config cfg;
	uint32_t n_nodes;
	bool in_call;
	struct probe p[MAX_NODES];
	int64_t sent_at[MAX_SEQ];
	bool fuzz; /* random-schedule mode: track handles, keep no records */
	uint64_t fuzz_seed;
	int fuzz_steps;
	struct rec scratch;
	struct fz_handle fz[FZ_HANDLES];
};

/* ---- Frames ------------------------------------------------------------ */

/* Varied sizes, 8 .. 1507 bytes, deterministic per sequence number. */
static size_t frame_len(uint32_t seq)
{
	return 8 + (seq * 7919u) % 1500;
}

static uint8_t frame_byte(uint32_t seq, size_t i)
{
	return (uint8_t)(seq * 31u + i * 13u + 7u);
}

static size_t frame_fill(uint8_t *buf, uint32_t seq)
{
	size_t len = frame_len(seq);
	buf[0] = (uint8_t)(seq >> 24);
	buf[1] = (uint8_t)(seq >> 16);
	buf[2] = (uint8_t)(seq >> 8);
	buf[3] = (uint8_t)seq;
	for (size_t i = 4; i < len; i++)
		buf[i] = frame_byte(seq, i);
	return len;
}

/* Raw frames (any length, every byte RAW_BYTE) carry no sequence number. */
#define RAW_BYTE 0xee
#define RAW_SEQ UINT32_MAX

/* Checks that a delivered frame is whole; returns its sequence number. */
static uint32_t frame_check(const uint8_t *frame, size_t len)
{
	if (len == 0 || frame[0] == RAW_BYTE) {
		for (size_t i = 0; i < len; i++)
			assert_int_equal(frame[i], RAW_BYTE);
		return RAW_SEQ;
	}
	assert_true(len >= 8);
	uint32_t seq = (uint32_t)frame[0] << 24 | (uint32_t)frame[1] << 16 |
		       (uint32_t)frame[2] << 8 | frame[3];
	assert_true(seq < MAX_SEQ);
	assert_int_equal(len, frame_len(seq));
	for (size_t i = 4; i < len; i++)
		if (frame[i] != frame_byte(seq, i))
			fail_msg("frame %u corrupted at byte %zu", seq, i);
	return seq;
}

/* ---- The probe node ------------------------------------------------------ */

static struct rec *record(struct node_state *s, enum rec_kind kind, int tag, int status)
{
	struct probe *p = s->p;
	assert_false(p->fx->in_call); /* never inside the causing call */
	struct rec *r = &p->fx->scratch;
	if (!p->fx->fuzz) {
		assert_true(p->n < MAX_RECS);
		r = &p->recs[p->n++];
	}
	memset(r, 0, sizeof *r);
	r->kind = kind;
	r->tag = tag;
	r->status = status;
	r->t = env_now_ns(p->env);
	assert_true(r->t == sim_now(p->fx->w));
	return r;
}

static void fz_check(struct tag *tg, const uint8_t *frame, size_t len);
static struct fz_handle *fz_find(struct fx *fx, uint32_t node, int tag);
static void fz_add(struct fx *fx, uint32_t node, int tag, struct env_conn *conn, bool open);

static void on_frame(struct env_conn *conn, const uint8_t *frame, size_t len)
{
	struct tag *tg = env_conn_data(conn);
	if (tg->s->p->fx->fuzz) {
		record(tg->s, R_FRAME, tg->tag, 0);
		fz_check(tg, frame, len);
		return;
	}
	struct rec *r = record(tg->s, R_FRAME, tg->tag, 0);
	r->seq = frame_check(frame, len);
	r->len = len;
}

static void on_closed(struct env_conn *conn, int reason)
{
	struct tag *tg = env_conn_data(conn);
	struct node_state *s = tg->s;
	record(s, R_CLOSED, tg->tag, reason);
	if (s->p->fx->fuzz) {
		struct fz_handle *h = fz_find(s->p->fx, s->p->id, tg->tag);
		assert_true(h->live && h->open);
		assert_true(reason == ENV_EOF || reason == ENV_ECONNRESET);
		h->live = false;
	}
	if (s->p->accepted == conn)
		s->p->accepted = NULL;
	env_free(s->p->env, tg);
}

static const struct env_conn_ops probe_ops = {on_frame, on_closed};

static struct tag *tag_new(struct node_state *s)
{
	struct tag *tg = env_calloc(s->p->env, 1, sizeof *tg);
	tg->s = s;
	tg->tag = ++s->p->next_tag;
	return tg;
}

static void on_accept(void *arg, struct env_conn *conn)
{
	struct node_state *s = arg;
	struct tag *tg = tag_new(s);
	record(s, R_ACCEPT, tg->tag, 0);
	env_conn_set_ops(conn, &probe_ops, tg);
	if (s->p->fx->fuzz)
		fz_add(s->p->fx, s->p->id, tg->tag, conn, true);
	s->p->accepted = conn;
	s->p->accepted_tag = tg->tag;
}

static void on_connect(struct env_conn *conn, int status)
{
	struct tag *tg = env_conn_data(conn);
	record(tg->s, R_CONNECT, tg->tag, status);
	struct fx *fx = tg->s->p->fx;
	if (fx->fuzz) {
		struct fz_handle *h = fz_find(fx, tg->s->p->id, tg->tag);
		assert_true(h->live && !h->open);
		h->open = status == 0;
		h->live = status == 0;
	}
	if (status != 0)
		env_free(tg->s->p->env, tg);
}

static void on_timer(struct env_timer *timer)
{
	record(timer->data, R_TIMER, 0, 0);
}

static void *probe_start(struct env *env, const void *config)
{
	struct probe *p = (struct probe *)config;
	struct node_state *s = env_calloc(env, 1, sizeof *s);
	s->p = p;
	s->timer.data = s;
	p->env = env;
	p->state = s;
	p->accepted = NULL;
	p->listening = p->listen_port != 0;
	if (p->listen_port)
		assert_int_equal(env_listen(env, p->listen_port, on_accept, s), ENV_OK);
	return s;
}

static const struct sim_node_class probe_class = {"probe", probe_start};

/* ---- Fixture ------------------------------------------------------------- */

static int fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof *fx);
	assert_non_null(fx);
	*state = fx;
	return 0;
}

static void fx_free_world(struct fx *fx)
{
	sim_world_free(fx->w);
	fx->w = NULL;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;
	if (fx->fuzz) /* a random schedule failed: say how to replay it */
		print_message("replay: KSIM_NET_SEED=%llu KSIM_NET_STEPS=%d KSIM_NET_TRACE=1 %s\n",
			      (unsigned long long)fx->fuzz_seed, fx->fuzz_steps,
			      "build/tests/test_net");
	fx_free_world(fx);
	free(fx);
	return 0;
}

/* Builds a world of n started probe nodes "n1".."nN" (ids 1..n), each
 * listening on PORT. `cfg` overrides the network defaults when not NULL. */
static void fx_build_seed(struct fx *fx, uint32_t n, const struct sim_net_config *cfg,
			  uint64_t seed)
{
	static const char *const names[MAX_NODES] = {"n1", "n2", "n3", "n4"};
	fx_free_world(fx);
	memset(fx->p, 0, sizeof fx->p);
	memset(fx->sent_at, 0, sizeof fx->sent_at);
	struct sim_world_config wc;
	sim_world_config_default(&wc, seed);
	if (cfg)
		wc.net = *cfg;
	fx->cfg = wc.net;
	fx->w = sim_world_new(&wc);
	fx->net = sim_world_net(fx->w);
	fx->n_nodes = n;
	for (uint32_t i = 0; i < n; i++) {
		struct probe *p = &fx->p[i];
		p->fx = fx;
		p->listen_port = PORT;
		p->id = sim_node_add(fx->w, names[i], &probe_class, p);
		assert_int_equal(p->id, i + 1);
		assert_true(sim_node_start(fx->w, p->id));
	}
}

static void fx_build(struct fx *fx, uint32_t n, const struct sim_net_config *cfg)
{
	fx_build_seed(fx, n, cfg, 42);
}

static void fx_run_for(struct fx *fx, int64_t ns)
{
	sim_run_for(fx->w, ns);
}

static int64_t now(struct fx *fx)
{
	return sim_now(fx->w);
}

/* The test plays node i: it connects from that node's env. */
static struct env_conn *do_connect(struct fx *fx, int i, const char *host, int *tag_out)
{
	struct probe *p = &fx->p[i];
	struct tag *tg = tag_new(p->state);
	fx->in_call = true;
	struct env_conn *c = env_connect(p->env, host, PORT, &probe_ops, tg, on_connect);
	fx->in_call = false;
	assert_non_null(c);
	if (tag_out)
		*tag_out = tg->tag;
	return c;
}

static int do_send(struct fx *fx, struct env_conn *c, uint32_t seq)
{
	uint8_t buf[1600];
	size_t len = frame_fill(buf, seq);
	fx->in_call = true;
	int rc = env_conn_send(c, buf, len);
	fx->in_call = false;
	if (rc == ENV_OK)
		fx->sent_at[seq] = now(fx);
	return rc;
}

static int do_send_raw(struct fx *fx, struct env_conn *c, size_t len)
{
	uint8_t *buf = malloc(len ? len : 1);
	assert_non_null(buf);
	memset(buf, RAW_BYTE, len);
	fx->in_call = true;
	int rc = env_conn_send(c, buf, len);
	fx->in_call = false;
	free(buf);
	return rc;
}

/* Closes node i's handle `c` (and frees its tag, as node code would). */
static void do_close(struct fx *fx, int i, struct env_conn *c)
{
	struct tag *tg = env_conn_data(c);
	if (fx->p[i].accepted == c)
		fx->p[i].accepted = NULL;
	fx->in_call = true;
	env_conn_close(c);
	fx->in_call = false;
	env_free(fx->p[i].env, tg);
}

/* Harness actions: none may run a node callback inside the call. */
static void do_kill(struct fx *fx, int i)
{
	fx->in_call = true;
	assert_true(sim_node_kill(fx->w, fx->p[i].id));
	fx->in_call = false;
	fx->p[i].env = NULL;
	fx->p[i].state = NULL;
}

static void do_power_loss(struct fx *fx, int i)
{
	fx->in_call = true;
	assert_true(sim_node_power_loss(fx->w, fx->p[i].id));
	fx->in_call = false;
	fx->p[i].env = NULL;
	fx->p[i].state = NULL;
}

static bool do_pause(struct fx *fx, uint32_t id)
{
	fx->in_call = true;
	bool ok = sim_node_pause(fx->w, id);
	fx->in_call = false;
	return ok;
}

static bool do_resume(struct fx *fx, uint32_t id)
{
	fx->in_call = true;
	bool ok = sim_node_resume(fx->w, id);
	fx->in_call = false;
	return ok;
}

static void do_heal(struct fx *fx)
{
	fx->in_call = true;
	sim_net_heal(fx->net);
	fx->in_call = false;
}

static void do_unblock(struct fx *fx, uint32_t from, uint32_t to)
{
	fx->in_call = true;
	sim_net_unblock(fx->net, from, to);
	fx->in_call = false;
}

static void do_reset(struct fx *fx, uint32_t id)
{
	fx->in_call = true;
	sim_net_reset_node(fx->net, id);
	fx->in_call = false;
}

/* Number of records of `kind` on node i for connection `tag` (0: any). */
static size_t count(struct fx *fx, int i, enum rec_kind kind, int tag)
{
	size_t k = 0;
	for (size_t j = 0; j < fx->p[i].n; j++)
		if (fx->p[i].recs[j].kind == kind && (!tag || fx->p[i].recs[j].tag == tag))
			k++;
	return k;
}

/* The nth (0-based) record of `kind` on node i for `tag` (0: any). */
static const struct rec *nth(struct fx *fx, int i, enum rec_kind kind, int tag, size_t n)
{
	for (size_t j = 0; j < fx->p[i].n; j++) {
		const struct rec *r = &fx->p[i].recs[j];
		if (r->kind == kind && (!tag || r->tag == tag) && n-- == 0)
			return r;
	}
	fail_msg("node %d has no record #%zu of kind %d", i, n, kind);
	return NULL;
}

/* Connects node a to node b and runs until both ends are open. */
static void connect_pair(struct fx *fx, int a, int b, struct env_conn **ca, int *ta,
			 struct env_conn **cb, int *tb)
{
	static const char *const names[MAX_NODES] = {"n1", "n2", "n3", "n4"};
	size_t accepts = count(fx, b, R_ACCEPT, 0);
	*ca = do_connect(fx, a, names[b], ta);
	fx_run_for(fx, 2 * fx->cfg.latency_max_ns + 1);
	assert_int_equal(count(fx, a, R_CONNECT, *ta), 1);
	assert_int_equal(nth(fx, a, R_CONNECT, *ta, 0)->status, ENV_OK);
	assert_int_equal(count(fx, b, R_ACCEPT, 0), accepts + 1);
	*cb = fx->p[b].accepted;
	*tb = fx->p[b].accepted_tag;
	assert_non_null(*cb);
}

/* Asserts node i received exactly frames first..last (step 1) on `tag`,
 * in order, each between lo and hi after its send (or, with abs set,
 * between the absolute times lo and hi). */
static void expect_frames(struct fx *fx, int i, int tag, uint32_t first, uint32_t last,
			  int64_t lo, int64_t hi, bool abs)
{
	assert_int_equal(count(fx, i, R_FRAME, tag), last - first + 1);
	int64_t prev = 0;
	for (uint32_t k = first; k <= last; k++) {
		const struct rec *r = nth(fx, i, R_FRAME, tag, k - first);
		assert_int_equal(r->seq, k);
		int64_t base = abs ? 0 : fx->sent_at[k];
		if (r->t < base + lo || r->t > base + hi)
			fail_msg("frame %u at %lld, want [%lld, %lld]", k, (long long)r->t,
				 (long long)(base + lo), (long long)(base + hi));
		assert_true(r->t >= prev);
		prev = r->t;
	}
}

static struct sim_net_config fixed_latency(int64_t latency_ns)
{
	struct sim_net_config c;
	sim_net_config_default(&c);
	c.latency_min_ns = c.latency_max_ns = latency_ns;
	return c;
}

/* ---- 1. FIFO ---------------------------------------------------------------- */

/* Sends 300 frames one way and 100 the other, in bursts of three at one
 * instant every 137 us: far less than the 2 ms latency spread, so later
 * frames often draw a latency that would let them overtake. Returns how
 * many were held back behind an earlier frame. */
static int fifo_run(struct fx *fx, uint64_t seed, int64_t *times)
{
	fx_build_seed(fx, 2, NULL, seed);
	struct env_conn *c, *s;
	int tc, ts;
	connect_pair(fx, 0, 1, &c, &tc, &s, &ts);
	int64_t t = now(fx);
	for (uint32_t k = 0; k < 300; k++) {
		if (k % 3 == 0) {
			t += 137 * US;
			sim_run_until(fx->w, t);
		}
		assert_int_equal(do_send(fx, c, k), ENV_OK);
		if (k < 100)
			assert_int_equal(do_send(fx, s, 1000 + k), ENV_OK);
	}
	fx_run_for(fx, 100 * MS);
	int64_t lo = fx->cfg.latency_min_ns, hi = fx->cfg.latency_max_ns;
	expect_frames(fx, 1, ts, 0, 299, lo, hi, false);
	expect_frames(fx, 0, tc, 1000, 1099, lo, hi, false);
	int held = 0;
	for (uint32_t k = 1; k < 300; k++) {
		const struct rec *a = nth(fx, 1, R_FRAME, ts, k - 1);
		const struct rec *b = nth(fx, 1, R_FRAME, ts, k);
		if (times)
			times[k] = b->t;
		if (fx->sent_at[k] > fx->sent_at[k - 1] && a->t == b->t)
			held++;
	}
	assert_true(env_conn_backlog(c) == 0 && env_conn_backlog(s) == 0);
	return held;
}

static void test_fifo_order_and_latency(void **state)
{
	struct fx *fx = *state;
	int held = fifo_run(fx, 42, NULL);
	/* Ties at ns resolution only happen when a frame was held back. */
	assert_true(held > 10);
	assert_int_equal(sim_net_frames_delivered(fx->net), 400);
}

/* Same seed, same deliveries to the nanosecond; another seed differs. */
static void test_fifo_deterministic(void **state)
{
	struct fx *fx = *state;
	static int64_t a[300], b[300], c[300];
	fifo_run(fx, 7, a);
	uint64_t ha = sim_trace_hash(fx->w);
	fifo_run(fx, 7, b);
	uint64_t hb = sim_trace_hash(fx->w);
	fifo_run(fx, 8, c);
	uint64_t hc = sim_trace_hash(fx->w);
	assert_memory_equal(a, b, sizeof a);
	assert_true(ha == hb);
	assert_true(memcmp(a, c, sizeof a) != 0);
	assert_true(ha != hc);
}

/* Zero latency: a frame is due at once, yet still not delivered inside
 * the send; the loop delivers it at the same virtual instant. */
static void test_send_never_delivers_synchronously(void **state)
{
	struct fx *fx = *state;
	struct sim_net_config cfg = fixed_latency(0);
	fx_build(fx, 2, &cfg);
	struct env_conn *c, *s;
	int tc, ts;
	connect_pair(fx, 0, 1, &c, &tc, &s, &ts);
	int64_t t = now(fx);
	assert_int_equal(do_send(fx, c, 5), ENV_OK);
	assert_int_equal(count(fx, 1, R_FRAME, 0), 0);
	fx_run_for(fx, 0);
	assert_int_equal(count(fx, 1, R_FRAME, ts), 1);
	assert_true(nth(fx, 1, R_FRAME, ts, 0)->t == t);
}

/* ---- 2. Handshake --------------------------------------------------------- */

static void test_connect_and_accept(void **state)
{
	struct fx *fx = *state;
	fx_build(fx, 2, NULL);
	int64_t lo = fx->cfg.latency_min_ns, hi = fx->cfg.latency_max_ns;
	int64_t t0 = now(fx);
	int tag;
	struct env_conn *c = do_connect(fx, 0, "n2", &tag);
	/* Not open yet: sending fails, nothing was reported. */
	assert_int_equal(do_send(fx, c, 1), ENV_ENOTCONN);
	assert_int_equal(fx->p[0].n, 0);
	fx_run_for(fx, 10 * MS);
	/* The SYN takes one latency, the answer another. */
	assert_int_equal(count(fx, 1, R_ACCEPT, 0), 1);
	const struct rec *acc = nth(fx, 1, R_ACCEPT, 0, 0);
	assert_true(acc->t >= t0 + lo && acc->t <= t0 + hi);
	assert_int_equal(count(fx, 0, R_CONNECT, tag), 1);
	const struct rec *con = nth(fx, 0, R_CONNECT, tag, 0);
	assert_int_equal(con->status, ENV_OK);
	assert_true(con->t >= acc->t + lo && con->t <= acc->t + hi);
	assert_string_equal(env_conn_peer(c), "n2");
	assert_string_equal(env_conn_peer(fx->p[1].accepted), "n1");
	assert_int_equal(sim_net_conn_count(fx->net), 1);
	/* Open now: frames flow both ways. */
	assert_int_equal(do_send(fx, c, 1), ENV_OK);
	assert_int_equal(do_send(fx, fx->p[1].accepted, 2), ENV_OK);
	fx_run_for(fx, 10 * MS);
	assert_int_equal(count(fx, 1, R_FRAME, 0), 1);
	assert_int_equal(count(fx, 0, R_FRAME, tag), 1);
}

/* Up but not listening, or killed: refused after one round trip. */
static void test_connect_refused(void **state)
{
	struct fx *fx = *state;
	for (int killed = 0; killed < 2; killed++) {
		fx_build(fx, 2, NULL);
		int64_t lo = fx->cfg.latency_min_ns, hi = fx->cfg.latency_max_ns;
		if (killed) {
			do_kill(fx, 1);
		} else {
			fx->in_call = true;
			env_unlisten(fx->p[1].env, PORT);
			fx->in_call = false;
		}
		fx_run_for(fx, 1 * MS);
		int64_t t0 = now(fx);
		int tag;
		do_connect(fx, 0, "n2", &tag);
		fx_run_for(fx, 10 * SEC);
		assert_int_equal(count(fx, 0, R_CONNECT, tag), 1);
		const struct rec *r = nth(fx, 0, R_CONNECT, tag, 0);
		assert_int_equal(r->status, ENV_ECONNREFUSED);
		assert_true(r->t >= t0 + 2 * lo && r->t <= t0 + 2 * hi);
		assert_int_equal(count(fx, 1, R_ACCEPT, 0), 0);
		assert_int_equal(fx->p[0].n, 1);
		assert_int_equal(sim_net_conn_count(fx->net), 0);
		assert_int_equal(sim_node_live_allocs(fx->w, 1), 1);
	}
}

/* A powered-off machine answers nothing: the connect times out exactly at
 * the configured timeout, even after SYN retries. */
static void test_connect_powered_off_times_out(void **state)
{
	struct fx *fx = *state;
	struct sim_net_config cfg;
	sim_net_config_default(&cfg);
	cfg.connect_timeout_ns = 3500 * MS;
	fx_build(fx, 2, &cfg);
	do_power_loss(fx, 1);
	fx_run_for(fx, 1 * MS);
	int64_t t0 = now(fx);
	int tag;
	do_connect(fx, 0, "n2", &tag);
	fx_run_for(fx, 20 * SEC);
	assert_int_equal(count(fx, 0, R_CONNECT, tag), 1);
	const struct rec *r = nth(fx, 0, R_CONNECT, tag, 0);
	assert_int_equal(r->status, ENV_ETIMEDOUT);
	assert_true(r->t == t0 + 3500 * MS);
	assert_int_equal(sim_net_conn_count(fx->net), 0);
}

static void test_connect_unknown_host(void **state)
{
	struct fx *fx = *state;
	fx_build(fx, 2, NULL);
	int64_t t0 = now(fx);
	int tag;
	do_connect(fx, 0, "nowhere", &tag);
	/* Reported later, never inside env_connect (do_connect's guard). */
	assert_int_equal(fx->p[0].n, 0);
	fx_run_for(fx, 10 * SEC);
	assert_int_equal(count(fx, 0, R_CONNECT, tag), 1);
	const struct rec *r = nth(fx, 0, R_CONNECT, tag, 0);
	assert_int_equal(r->status, ENV_EHOSTUNREACH);
	/* The local resolver answers: no link is crossed. */
	assert_true(r->t == t0);
	assert_int_equal(sim_net_conn_count(fx->net), 0);
	assert_int_equal(sim_node_live_allocs(fx->w, 1), 1);
}

/*
 * Across a partition the SYN is lost and retried 1 s, 2 s, 4 s after the
 * previous one (so at l, l + 1 s, l + 3 s, l + 7 s after connect, l one
 * latency). A heal before a retry lets that retry through; a heal after
 * the last retry before the timeout (l + 3 s < 5 s) does not.
 */
static void test_connect_across_partition(void **state)
{
	struct fx *fx = *state;
	const int64_t heal_at[] = {500 * MS, 2500 * MS, 3500 * MS, -1};
	const int64_t retry_at[] = {1 * SEC, 3 * SEC, -1, -1};
	for (int k = 0; k < 4; k++) {
		fx_build(fx, 2, NULL);
		int64_t lo = fx->cfg.latency_min_ns, hi = fx->cfg.latency_max_ns;
		sim_net_isolate(fx->net, 2);
		int64_t t0 = now(fx);
		int tag;
		do_connect(fx, 0, "n2", &tag);
		if (heal_at[k] >= 0) {
			sim_run_until(fx->w, t0 + heal_at[k]);
			assert_int_equal(count(fx, 0, R_CONNECT, tag), 0);
			do_heal(fx);
		}
		fx_run_for(fx, 20 * SEC);
		assert_int_equal(count(fx, 0, R_CONNECT, tag), 1);
		const struct rec *r = nth(fx, 0, R_CONNECT, tag, 0);
		if (retry_at[k] < 0) {
			assert_int_equal(r->status, ENV_ETIMEDOUT);
			assert_true(r->t == t0 + fx->cfg.connect_timeout_ns);
			assert_int_equal(count(fx, 1, R_ACCEPT, 0), 0);
			continue;
		}
		assert_int_equal(r->status, ENV_OK);
		int64_t base = t0 + retry_at[k];
		assert_true(r->t >= base + 2 * lo && r->t <= base + 2 * hi);
		assert_int_equal(count(fx, 1, R_ACCEPT, 0), 1);
		const struct rec *a = nth(fx, 1, R_ACCEPT, 0, 0);
		assert_true(a->t >= base + lo && a->t <= base + hi);
	}
}

static void test_listen_twice(void **state)
{
	struct fx *fx = *state;
	fx_build(fx, 2, NULL);
	struct env *env = fx->p[1].env;
	struct node_state *s = fx->p[1].state;
	assert_int_equal(env_listen(env, PORT, on_accept, s), ENV_EADDRINUSE);
	/* Another port, and the same port on another node, are free. */
	assert_int_equal(env_listen(env, PORT + 1, on_accept, s), ENV_OK);
	assert_int_equal(env_listen(env, PORT + 1, on_accept, s), ENV_EADDRINUSE);
	env_unlisten(env, PORT);
	assert_int_equal(env_listen(env, PORT, on_accept, s), ENV_OK);
	/* A restarted node may listen again: its old listener died with it. */
	do_kill(fx, 1);
	assert_true(sim_node_start(fx->w, 2));
	assert_int_equal(env_listen(fx->p[1].env, PORT + 1, on_accept, fx->p[1].state), ENV_OK);
	int tag;
	do_connect(fx, 0, "n2", &tag);
	fx_run_for(fx, 10 * MS);
	assert_int_equal(nth(fx, 0, R_CONNECT, tag, 0)->status, ENV_OK);
}

/* A connect's timeout may outlive its connection (it is pending for the
 * connect timeout whatever happens) or wait, parked, in a paused node:
 * the connection is freed as soon as both ends are done, and the timeout
 * later goes quietly. Valgrind and ASan check the memory. */
static void test_connect_timeout_outlives_connection(void **state)
{
	struct fx *fx = *state;
	for (int parked = 0; parked < 2; parked++) {
		fx_build(fx, 2, NULL);
		struct env_conn *c, *s;
		int tc, ts;
		connect_pair(fx, 0, 1, &c, &tc, &s, &ts);
		if (parked) {
			assert_true(do_pause(fx, 1));
			fx_run_for(fx, fx->cfg.connect_timeout_ns + 1 * SEC);
		}
		do_kill(fx, 0);
		fx_run_for(fx, 100 * MS);
		assert_int_equal(nth(fx, 1, R_CLOSED, ts, 0)->status, ENV_ECONNRESET);
		assert_int_equal(sim_net_conn_count(fx->net), 0);
		fx_run_for(fx, 10 * SEC);
		assert_true(sim_node_start(fx->w, 1));
		struct env_conn *c2, *s2;
		int tc2, ts2;
		connect_pair(fx, 0, 1, &c2, &tc2, &s2, &ts2);
		fx_run_for(fx, 10 * SEC);
		assert_int_equal(count(fx, 0, R_CLOSED, tc2), 0);
		assert_int_equal(sim_net_conn_count(fx->net), 1);
	}
}

/* ---- 3. Partitions ------------------------------------------------------------ */

/* Frames in flight when the partition starts, and sent during it, wait;
 * none is lost; after the heal they all arrive, in order, one
 * (retransmission) latency after the heal. */
static void test_partition_stalls_heal_delivers(void **state)
{
	struct fx *fx = *state;
	fx_build(fx, 2, NULL);
	int64_t lo = fx->cfg.latency_min_ns, hi = fx->cfg.latency_max_ns;
	struct env_conn *c, *s;
	int tc, ts;
	connect_pair(fx, 0, 1, &c, &tc, &s, &ts);
	size_t backlog = 0;
	for (uint32_t k = 0; k < 5; k++) {
		assert_int_equal(do_send(fx, c, k), ENV_OK);
		backlog += frame_len(k);
	}
	sim_net_isolate(fx->net, 2);
	assert_true(sim_net_blocked(fx->net, 1, 2) && sim_net_blocked(fx->net, 2, 1));
	for (uint32_t k = 5; k < 40; k++) {
		fx_run_for(fx, 100 * MS);
		assert_int_equal(do_send(fx, c, k), ENV_OK);
		assert_int_equal(do_send(fx, s, 1000 + k), ENV_OK);
		backlog += frame_len(k);
	}
	fx_run_for(fx, 30 * SEC);
	assert_int_equal(count(fx, 1, R_FRAME, 0), 0);
	assert_int_equal(count(fx, 0, R_FRAME, 0), 0);
	assert_int_equal(env_conn_backlog(c), backlog);
	/* No one is told anything: endpoints notice through their timeouts. */
	assert_int_equal(fx->p[0].n, 1);
	assert_int_equal(fx->p[1].n, 1);
	int64_t healed = now(fx);
	do_heal(fx);
	assert_false(sim_net_blocked(fx->net, 1, 2) || sim_net_blocked(fx->net, 2, 1));
	fx_run_for(fx, 100 * MS);
	expect_frames(fx, 1, ts, 0, 39, healed + lo, healed + hi, true);
	expect_frames(fx, 0, tc, 1005, 1039, healed + lo, healed + hi, true);
	assert_int_equal(env_conn_backlog(c), 0);
	assert_int_equal(env_conn_backlog(s), 0);
}

/* A one-way block stalls one direction; the other keeps flowing. */
static void test_one_way_partition(void **state)
{
	struct fx *fx = *state;
	fx_build(fx, 2, NULL);
	int64_t lo = fx->cfg.latency_min_ns, hi = fx->cfg.latency_max_ns;
	struct env_conn *c, *s;
	int tc, ts;
	connect_pair(fx, 0, 1, &c, &tc, &s, &ts);
	sim_net_block(fx->net, 1, 2);
	assert_true(sim_net_blocked(fx->net, 1, 2));
	assert_false(sim_net_blocked(fx->net, 2, 1));
	for (uint32_t k = 0; k < 20; k++) {
		assert_int_equal(do_send(fx, c, k), ENV_OK);
		assert_int_equal(do_send(fx, s, 100 + k), ENV_OK);
		fx_run_for(fx, 10 * MS);
	}
	fx_run_for(fx, 1 * SEC);
	assert_int_equal(count(fx, 1, R_FRAME, 0), 0);
	expect_frames(fx, 0, tc, 100, 119, lo, hi, false);
	int64_t opened = now(fx);
	do_unblock(fx, 1, 2);
	fx_run_for(fx, 100 * MS);
	expect_frames(fx, 1, ts, 0, 19, opened + lo, opened + hi, true);
}

/* Groups {1,2} and {3,4}: links inside a group flow, across are cut. */
static void test_partition_groups(void **state)
{
	struct fx *fx = *state;
	fx_build(fx, 4, NULL);
	struct env_conn *c12, *s12, *c13, *s13, *c43, *s43;
	int t12, u12, t13, u13, t43, u43;
	connect_pair(fx, 0, 1, &c12, &t12, &s12, &u12);
	connect_pair(fx, 0, 2, &c13, &t13, &s13, &u13);
	connect_pair(fx, 3, 2, &c43, &t43, &s43, &u43);
	const uint32_t group_of[5] = {0, 7, 7, 9, 9};
	sim_net_partition(fx->net, group_of, 4);
	for (uint32_t a = 1; a <= 4; a++)
		for (uint32_t b = 1; b <= 4; b++)
			assert_int_equal(sim_net_blocked(fx->net, a, b),
					 a != b && group_of[a] != group_of[b]);
	assert_int_equal(do_send(fx, c12, 1), ENV_OK);
	assert_int_equal(do_send(fx, c13, 2), ENV_OK);
	assert_int_equal(do_send(fx, s13, 3), ENV_OK);
	assert_int_equal(do_send(fx, c43, 4), ENV_OK);
	fx_run_for(fx, 1 * SEC);
	assert_int_equal(count(fx, 1, R_FRAME, u12), 1);
	assert_int_equal(count(fx, 2, R_FRAME, u43), 1);
	assert_int_equal(count(fx, 2, R_FRAME, u13), 0);
	assert_int_equal(count(fx, 0, R_FRAME, t13), 0);
	do_heal(fx);
	fx_run_for(fx, 1 * SEC);
	assert_int_equal(count(fx, 2, R_FRAME, u13), 1);
	assert_int_equal(count(fx, 0, R_FRAME, t13), 1);
	assert_int_equal(nth(fx, 2, R_FRAME, u13, 0)->seq, 2);
	assert_int_equal(nth(fx, 0, R_FRAME, t13, 0)->seq, 3);
}

static void test_isolate(void **state)
{
	struct fx *fx = *state;
	fx_build(fx, 3, NULL);
	struct env_conn *c12, *s12, *c13, *s13;
	int t12, u12, t13, u13;
	connect_pair(fx, 0, 1, &c12, &t12, &s12, &u12);
	connect_pair(fx, 0, 2, &c13, &t13, &s13, &u13);
	sim_net_isolate(fx->net, 3);
	for (uint32_t a = 1; a <= 3; a++)
		for (uint32_t b = 1; b <= 3; b++)
			assert_int_equal(sim_net_blocked(fx->net, a, b),
					 a != b && (a == 3 || b == 3));
	assert_int_equal(do_send(fx, c12, 1), ENV_OK);
	assert_int_equal(do_send(fx, s12, 2), ENV_OK);
	assert_int_equal(do_send(fx, c13, 3), ENV_OK);
	assert_int_equal(do_send(fx, s13, 4), ENV_OK);
	fx_run_for(fx, 1 * SEC);
	assert_int_equal(count(fx, 1, R_FRAME, u12), 1);
	assert_int_equal(count(fx, 0, R_FRAME, t12), 1);
	assert_int_equal(count(fx, 2, R_FRAME, 0), 0);
	assert_int_equal(count(fx, 0, R_FRAME, t13), 0);
	/* A new connection to the isolated node cannot be made either. */
	int tag;
	do_connect(fx, 1, "n3", &tag);
	fx_run_for(fx, 10 * SEC);
	assert_int_equal(nth(fx, 1, R_CONNECT, tag, 0)->status, ENV_ETIMEDOUT);
}

/* ---- 4. Crashes and pauses ---------------------------------------------------- */

/* The peer of a killed node sees ECONNRESET one latency after the kill;
 * what either side had in flight is discarded. */
static void test_kill_resets_peer(void **state)
{
	struct fx *fx = *state;
	fx_build(fx, 2, NULL);
	int64_t lo = fx->cfg.latency_min_ns, hi = fx->cfg.latency_max_ns;
	struct env_conn *c, *s;
	int tc, ts;
	connect_pair(fx, 0, 1, &c, &tc, &s, &ts);
	for (uint32_t k = 0; k < 5; k++) {
		assert_int_equal(do_send(fx, s, 100 + k), ENV_OK);
		assert_int_equal(do_send(fx, c, k), ENV_OK);
	}
	uint64_t delivered = sim_net_frames_delivered(fx->net);
	fx_run_for(fx, lo / 2);
	int64_t killed = now(fx);
	do_kill(fx, 1);
	/* The peer has not heard yet: its send succeeds, and the frame is
	 * lost with the connection. */
	assert_int_equal(do_send(fx, c, 10), ENV_OK);
	fx_run_for(fx, 10 * SEC);
	assert_int_equal(count(fx, 0, R_FRAME, 0), 0);
	assert_int_equal(count(fx, 0, R_CLOSED, tc), 1);
	const struct rec *r = nth(fx, 0, R_CLOSED, tc, 0);
	assert_int_equal(r->status, ENV_ECONNRESET);
	assert_true(r->t >= killed + lo && r->t <= killed + hi);
	assert_true(sim_net_frames_delivered(fx->net) == delivered);
	assert_int_equal(sim_net_conn_count(fx->net), 0);
	assert_int_equal(sim_node_live_allocs(fx->w, 1), 1);
}

/* With a fixed latency the reset's time is exact: one latency after the
 * kill, not when the discarded frames would have arrived. */
static void test_kill_reset_exact_time(void **state)
{
	struct fx *fx = *state;
	struct sim_net_config cfg = fixed_latency(2 * MS);
	fx_build(fx, 2, &cfg);
	struct env_conn *c, *s;
	int tc, ts;
	connect_pair(fx, 0, 1, &c, &tc, &s, &ts);
	int64_t t = now(fx);
	assert_int_equal(do_send(fx, s, 1), ENV_OK);
	fx_run_for(fx, 1 * MS);
	do_kill(fx, 1);
	fx_run_for(fx, 1 * SEC);
	assert_int_equal(count(fx, 0, R_FRAME, 0), 0);
	assert_int_equal(count(fx, 0, R_CLOSED, tc), 1);
	const struct rec *r = nth(fx, 0, R_CLOSED, tc, 0);
	assert_int_equal(r->status, ENV_ECONNRESET);
	assert_true(r->t == t + 3 * MS);
}

/* A reset is a packet: across a partition it waits for the heal, and
 * until it arrives the peer knows nothing (its sends still succeed). */
static void test_kill_across_partition(void **state)
{
	struct fx *fx = *state;
	fx_build(fx, 2, NULL);
	int64_t lo = fx->cfg.latency_min_ns, hi = fx->cfg.latency_max_ns;
	struct env_conn *c, *s;
	int tc, ts;
	connect_pair(fx, 0, 1, &c, &tc, &s, &ts);
	sim_net_isolate(fx->net, 2);
	do_kill(fx, 1);
	size_t seen = fx->p[0].n;
	for (uint32_t k = 0; k < 10; k++) {
		assert_int_equal(do_send(fx, c, k), ENV_OK);
		fx_run_for(fx, 1 * SEC);
	}
	assert_int_equal(fx->p[0].n, seen);
	int64_t healed = now(fx);
	do_heal(fx);
	fx_run_for(fx, 1 * SEC);
	assert_int_equal(fx->p[0].n, seen + 1);
	const struct rec *r = nth(fx, 0, R_CLOSED, tc, 0);
	assert_int_equal(r->status, ENV_ECONNRESET);
	assert_true(r->t >= healed + lo && r->t <= healed + hi);
	assert_int_equal(sim_net_conn_count(fx->net), 0);
}

/* Killed mid-handshake. With a fixed 2 ms latency: connect at t0, SYN
 * accepted at t0 + 2 ms, the answer due at t0 + 4 ms. */
static void test_kill_during_handshake(void **state)
{
	struct fx *fx = *state;
	struct sim_net_config cfg = fixed_latency(2 * MS);
	for (int victim = 0; victim < 2; victim++) {
		fx_build(fx, 2, &cfg);
		int64_t t0 = now(fx);
		int tag;
		do_connect(fx, 0, "n2", &tag);
		sim_run_until(fx->w, t0 + 3 * MS);
		assert_int_equal(count(fx, 1, R_ACCEPT, 0), 1);
		int acc = fx->p[1].accepted_tag;
		do_kill(fx, victim);
		fx_run_for(fx, 10 * SEC);
		if (victim == 0) {
			/* The answer reaches a dead port on a live machine at
			 * t0 + 4 ms and is answered with a reset. */
			assert_int_equal(fx->p[1].n, 2);
			const struct rec *r = nth(fx, 1, R_CLOSED, acc, 0);
			assert_int_equal(r->status, ENV_ECONNRESET);
			assert_true(r->t == t0 + 6 * MS);
			assert_int_equal(fx->p[0].n, 0);
		} else {
			/* The answer died with the acceptor; the reset it sends
			 * ends the connect as refused, one latency after. */
			assert_int_equal(fx->p[0].n, 1);
			const struct rec *r = nth(fx, 0, R_CONNECT, tag, 0);
			assert_int_equal(r->status, ENV_ECONNREFUSED);
			assert_true(r->t == t0 + 5 * MS);
		}
		assert_int_equal(sim_net_conn_count(fx->net), 0);
	}
}

/* Closing before the peer's reset arrives: no callback, nothing left. */
static void test_close_before_reset_arrives(void **state)
{
	struct fx *fx = *state;
	fx_build(fx, 2, NULL);
	struct env_conn *c, *s;
	int tc, ts;
	connect_pair(fx, 0, 1, &c, &tc, &s, &ts);
	size_t seen = fx->p[0].n;
	do_kill(fx, 1);
	do_close(fx, 0, c);
	fx_run_for(fx, 10 * SEC);
	assert_int_equal(fx->p[0].n, seen);
	assert_int_equal(sim_net_conn_count(fx->net), 0);
	assert_int_equal(sim_node_live_allocs(fx->w, 1), 1);
}

/* Power loss: the peer hears nothing and its frames vanish; once the
 * machine is back, the next frame on the old connection draws a reset. */
static void test_power_loss_silence_then_reset(void **state)
{
	struct fx *fx = *state;
	fx_build(fx, 2, NULL);
	int64_t lo = fx->cfg.latency_min_ns, hi = fx->cfg.latency_max_ns;
	struct env_conn *c, *s;
	int tc, ts;
	connect_pair(fx, 0, 1, &c, &tc, &s, &ts);
	assert_int_equal(do_send(fx, s, 100), ENV_OK);
	fx_run_for(fx, lo / 2);
	uint64_t delivered = sim_net_frames_delivered(fx->net);
	size_t seen = fx->p[0].n;
	do_power_loss(fx, 1);
	for (uint32_t k = 0; k < 10; k++) {
		assert_int_equal(do_send(fx, c, k), ENV_OK);
		fx_run_for(fx, 1 * SEC);
	}
	fx_run_for(fx, 60 * SEC);
	assert_int_equal(fx->p[0].n, seen);
	assert_true(sim_net_frames_delivered(fx->net) == delivered);
	assert_int_equal(env_conn_backlog(c), 0); /* dropped, not queued */
	assert_true(sim_node_start(fx->w, 2));
	fx_run_for(fx, 1 * SEC);
	assert_int_equal(fx->p[0].n, seen);
	assert_int_equal(do_send(fx, c, 20), ENV_OK);
	int64_t sent = now(fx);
	fx_run_for(fx, 1 * SEC);
	assert_int_equal(fx->p[0].n, seen + 1);
	const struct rec *r = nth(fx, 0, R_CLOSED, tc, 0);
	assert_int_equal(r->status, ENV_ECONNRESET);
	assert_true(r->t >= sent + 2 * lo && r->t <= sent + 2 * hi);
	/* The new incarnation saw nothing of the old connection. */
	assert_int_equal(fx->p[1].n, 1); /* only the old accept */
	assert_true(sim_net_frames_delivered(fx->net) == delivered);
	fx_run_for(fx, 10 * SEC);
	assert_int_equal(sim_net_conn_count(fx->net), 0);
}

/* Pause: incoming frames wait and all arrive, in order, right at resume;
 * the node's timer fires at resume too (it sees time jump), in due order
 * with the frames. */
static void test_pause_queues_until_resume(void **state)
{
	struct fx *fx = *state;
	fx_build(fx, 2, NULL);
	int64_t lo = fx->cfg.latency_min_ns, hi = fx->cfg.latency_max_ns;
	struct env_conn *c, *s;
	int tc, ts;
	connect_pair(fx, 0, 1, &c, &tc, &s, &ts);
	int64_t t = now(fx);
	env_timer_start(fx->p[1].env, &fx->p[1].state->timer, 10 * MS, on_timer);
	assert_true(do_pause(fx, 2));
	assert_int_equal(sim_node_status(fx->w, 2), SIM_NODE_PAUSED);
	for (uint32_t k = 0; k < 10; k++) {
		assert_int_equal(do_send(fx, c, k), ENV_OK);
		fx_run_for(fx, 5 * MS);
	}
	sim_run_until(fx->w, t + 1 * SEC);
	assert_int_equal(count(fx, 1, R_FRAME, 0), 0);
	assert_int_equal(count(fx, 1, R_TIMER, 0), 0);
	int64_t resumed = now(fx);
	assert_true(do_resume(fx, 2));
	fx_run_for(fx, 0);
	expect_frames(fx, 1, ts, 0, 9, resumed, resumed, true);
	assert_int_equal(count(fx, 1, R_TIMER, 0), 1);
	assert_true(nth(fx, 1, R_TIMER, 0, 0)->t == resumed);
	/* In due order: frames 0 and 1 (sent at t and t + 5 ms) arrived
	 * before the timer's deadline at t + 10 ms, frame 2 (sent then)
	 * after it. */
	assert_true(fx->sent_at[1] + hi < t + 10 * MS && fx->sent_at[2] == t + 10 * MS);
	const struct rec *timer = nth(fx, 1, R_TIMER, 0, 0);
	assert_true(nth(fx, 1, R_FRAME, ts, 1) < timer && timer < nth(fx, 1, R_FRAME, ts, 2));
	/* After resume, frames flow with normal latency again. */
	assert_int_equal(do_send(fx, c, 10), ENV_OK);
	fx_run_for(fx, 10 * MS);
	expect_frames(fx, 1, ts, 0, 10, 0, resumed + hi, true);
	const struct rec *last = nth(fx, 1, R_FRAME, ts, 10);
	assert_true(last->t >= fx->sent_at[10] + lo && last->t <= fx->sent_at[10] + hi);
}

/* What waited at a paused node keeps its due order even when a reset
 * replaces it: a frame parked at t + 2 ms is discarded by a reset at
 * t + 10 ms, whose notice is due then, after the timer due at t + 5 ms. */
static void test_pause_order_after_reset(void **state)
{
	struct fx *fx = *state;
	struct sim_net_config cfg = fixed_latency(2 * MS);
	fx_build(fx, 2, &cfg);
	struct env_conn *c, *s;
	int tc, ts;
	connect_pair(fx, 0, 1, &c, &tc, &s, &ts);
	int64_t t = now(fx);
	env_timer_start(fx->p[1].env, &fx->p[1].state->timer, 5 * MS, on_timer);
	assert_true(do_pause(fx, 2));
	assert_int_equal(do_send(fx, c, 1), ENV_OK);
	sim_run_until(fx->w, t + 10 * MS);
	do_reset(fx, 2);
	sim_run_until(fx->w, t + 1 * SEC);
	assert_int_equal(fx->p[1].n, 1); /* only the accept so far */
	assert_true(do_resume(fx, 2));
	fx_run_for(fx, 0);
	assert_int_equal(count(fx, 1, R_FRAME, 0), 0);
	const struct rec *timer = nth(fx, 1, R_TIMER, 0, 0);
	const struct rec *closed = nth(fx, 1, R_CLOSED, ts, 0);
	assert_int_equal(closed->status, ENV_ECONNRESET);
	assert_true(timer->t == t + 1 * SEC && closed->t == t + 1 * SEC);
	assert_true(timer < closed);
}

/* Frames queued for a paused node that then loses power are dropped, and
 * once it is back the peer's next frame is answered with a reset. */
static void test_pause_then_power_loss(void **state)
{
	struct fx *fx = *state;
	fx_build(fx, 2, NULL);
	int64_t lo = fx->cfg.latency_min_ns, hi = fx->cfg.latency_max_ns;
	struct env_conn *c, *s;
	int tc, ts;
	connect_pair(fx, 0, 1, &c, &tc, &s, &ts);
	assert_true(do_pause(fx, 2));
	for (uint32_t k = 0; k < 3; k++)
		assert_int_equal(do_send(fx, c, k), ENV_OK);
	fx_run_for(fx, 1 * SEC);
	do_power_loss(fx, 1);
	fx_run_for(fx, 1 * SEC);
	assert_int_equal(env_conn_backlog(c), 0);
	assert_true(sim_node_start(fx->w, 2));
	assert_int_equal(do_send(fx, c, 3), ENV_OK);
	int64_t sent = now(fx);
	fx_run_for(fx, 1 * SEC);
	assert_int_equal(count(fx, 0, R_CLOSED, tc), 1);
	const struct rec *r = nth(fx, 0, R_CLOSED, tc, 0);
	assert_int_equal(r->status, ENV_ECONNRESET);
	assert_true(r->t >= sent + 2 * lo && r->t <= sent + 2 * hi);
	assert_int_equal(count(fx, 1, R_FRAME, 0), 0);
	fx_run_for(fx, 10 * SEC);
	assert_int_equal(sim_net_conn_count(fx->net), 0);
}

/* A killed paused node resets its peers like any killed node. */
static void test_pause_then_kill(void **state)
{
	struct fx *fx = *state;
	fx_build(fx, 2, NULL);
	int64_t lo = fx->cfg.latency_min_ns, hi = fx->cfg.latency_max_ns;
	struct env_conn *c, *s;
	int tc, ts;
	connect_pair(fx, 0, 1, &c, &tc, &s, &ts);
	assert_true(do_pause(fx, 2));
	for (uint32_t k = 0; k < 3; k++)
		assert_int_equal(do_send(fx, c, k), ENV_OK);
	fx_run_for(fx, 1 * SEC);
	int64_t killed = now(fx);
	do_kill(fx, 1);
	fx_run_for(fx, 1 * SEC);
	const struct rec *r = nth(fx, 0, R_CLOSED, tc, 0);
	assert_int_equal(r->status, ENV_ECONNRESET);
	assert_true(r->t >= killed + lo && r->t <= killed + hi);
	assert_int_equal(sim_net_frames_delivered(fx->net), 0);
	fx_run_for(fx, 10 * SEC);
	assert_int_equal(sim_net_conn_count(fx->net), 0);
}

/* ---- 5. Closing, resets, send errors, bandwidth --------------------------------- */

/* Frames sent before a close all arrive, then EOF; the closer hears
 * nothing more. Either side may close. */
static void test_graceful_close(void **state)
{
	struct fx *fx = *state;
	for (int closer = 0; closer < 2; closer++) {
		fx_build(fx, 2, NULL);
		int64_t lo = fx->cfg.latency_min_ns, hi = fx->cfg.latency_max_ns;
		struct env_conn *conn[2];
		int tag[2];
		connect_pair(fx, 0, 1, &conn[0], &tag[0], &conn[1], &tag[1]);
		int other = 1 - closer;
		for (uint32_t k = 0; k < 10; k++)
			assert_int_equal(do_send(fx, conn[closer], k), ENV_OK);
		size_t closer_recs = fx->p[closer].n;
		int64_t closed = now(fx);
		do_close(fx, closer, conn[closer]);
		/* Well within the connect timeout: nothing lingers. */
		fx_run_for(fx, 100 * MS);
		expect_frames(fx, other, tag[other], 0, 9, lo, hi, false);
		assert_int_equal(count(fx, other, R_CLOSED, tag[other]), 1);
		const struct rec *eof = nth(fx, other, R_CLOSED, tag[other], 0);
		assert_int_equal(eof->status, ENV_EOF);
		assert_true(eof->t >= nth(fx, other, R_FRAME, tag[other], 9)->t);
		assert_true(eof->t >= closed + lo && eof->t <= closed + hi);
		/* EOF is the last thing the peer hears. */
		assert_true(eof == &fx->p[other].recs[fx->p[other].n - 1]);
		assert_int_equal(fx->p[closer].n, closer_recs);
		assert_int_equal(sim_net_conn_count(fx->net), 0);
		assert_int_equal(sim_node_live_allocs(fx->w, 1), 1);
		assert_int_equal(sim_node_live_allocs(fx->w, 2), 1);
	}
}

/* A connect abandoned by close reports nothing and leaves nothing. */
static void test_close_while_connecting(void **state)
{
	struct fx *fx = *state;
	fx_build(fx, 2, NULL);
	struct env_conn *c = do_connect(fx, 0, "n2", NULL);
	do_close(fx, 0, c);
	assert_int_equal(sim_net_conn_count(fx->net), 0);
	fx_run_for(fx, 10 * SEC);
	assert_int_equal(fx->p[0].n, 0);
	assert_int_equal(fx->p[1].n, 0);
	assert_int_equal(sim_net_conn_count(fx->net), 0);
	assert_int_equal(sim_node_live_allocs(fx->w, 1), 1);
}

/* sim_net_reset_node: the node's own end hears at once, the peer one
 * latency later; in-flight frames both ways are discarded. */
static void test_reset_node(void **state)
{
	struct fx *fx = *state;
	struct sim_net_config cfg = fixed_latency(2 * MS);
	for (int blocked = 0; blocked < 2; blocked++) {
		fx_build(fx, 2, &cfg);
		struct env_conn *c, *s;
		int tc, ts;
		connect_pair(fx, 0, 1, &c, &tc, &s, &ts);
		/* With the link towards node 1 blocked, its own kernel still
		 * tells it at once: the reset it hears crosses no link. */
		if (blocked)
			sim_net_block(fx->net, 2, 1);
		assert_int_equal(do_send(fx, c, 1), ENV_OK);
		assert_int_equal(do_send(fx, s, 2), ENV_OK);
		fx_run_for(fx, 1 * MS);
		int64_t t = now(fx);
		do_reset(fx, 1);
		assert_int_equal(fx->p[0].n, 1); /* not inside the call */
		/* The reset node's own end fails at once; the peer's send
		 * succeeds until the reset reaches it, and the frame is lost. */
		assert_int_equal(do_send(fx, c, 3), ENV_ENOTCONN);
		assert_int_equal(do_send(fx, s, 4), ENV_OK);
		fx_run_for(fx, 1 * SEC);
		assert_int_equal(count(fx, 0, R_CLOSED, tc), 1);
		assert_int_equal(nth(fx, 0, R_CLOSED, tc, 0)->status, ENV_ECONNRESET);
		assert_true(nth(fx, 0, R_CLOSED, tc, 0)->t == t);
		assert_int_equal(count(fx, 1, R_CLOSED, ts), 1);
		assert_int_equal(nth(fx, 1, R_CLOSED, ts, 0)->status, ENV_ECONNRESET);
		assert_true(nth(fx, 1, R_CLOSED, ts, 0)->t == t + 2 * MS);
		assert_int_equal(sim_net_frames_delivered(fx->net), 0);
		assert_int_equal(sim_net_conn_count(fx->net), 0);
		/* The nodes themselves are fine: a new connection works. */
		do_heal(fx);
		struct env_conn *c2, *s2;
		int tc2, ts2;
		connect_pair(fx, 0, 1, &c2, &tc2, &s2, &ts2);
		assert_int_equal(do_send(fx, c2, 5), ENV_OK);
		fx_run_for(fx, 1 * SEC);
		assert_int_equal(count(fx, 1, R_FRAME, ts2), 1);
	}
}

/* Both nodes of a connection reset at the same instant: each hears its
 * own kernel at once, and nothing else. */
static void test_reset_both_ends(void **state)
{
	struct fx *fx = *state;
	struct sim_net_config cfg = fixed_latency(2 * MS);
	fx_build(fx, 2, &cfg);
	struct env_conn *c, *s;
	int tc, ts;
	connect_pair(fx, 0, 1, &c, &tc, &s, &ts);
	assert_int_equal(do_send(fx, c, 1), ENV_OK);
	int64_t t = now(fx);
	do_reset(fx, 1);
	do_reset(fx, 2);
	fx_run_for(fx, 10 * SEC);
	for (int i = 0; i < 2; i++) {
		int tag = i ? ts : tc;
		assert_int_equal(count(fx, i, R_CLOSED, tag), 1);
		assert_int_equal(nth(fx, i, R_CLOSED, tag, 0)->status, ENV_ECONNRESET);
		assert_true(nth(fx, i, R_CLOSED, tag, 0)->t == t);
	}
	assert_int_equal(sim_net_frames_delivered(fx->net), 0);
	assert_int_equal(sim_net_conn_count(fx->net), 0);
}

/* A paused node that is reset hears its own kernel's notice when it
 * resumes, whatever reached the wire meanwhile: the peer's reset arriving
 * at the peer, or the peer's crash. */
static void test_reset_paused_node(void **state)
{
	struct fx *fx = *state;
	struct sim_net_config cfg = fixed_latency(2 * MS);
	for (int peer_killed = 0; peer_killed < 2; peer_killed++) {
		fx_build(fx, 2, &cfg);
		struct env_conn *c, *s;
		int tc, ts;
		connect_pair(fx, 0, 1, &c, &tc, &s, &ts);
		assert_true(do_pause(fx, 2));
		/* Blocked towards the node: its own notice crosses no link. */
		sim_net_block(fx->net, 1, 2);
		int64_t t = now(fx);
		do_reset(fx, 2);
		fx_run_for(fx, 10 * MS);
		assert_int_equal(nth(fx, 0, R_CLOSED, tc, 0)->status, ENV_ECONNRESET);
		assert_true(nth(fx, 0, R_CLOSED, tc, 0)->t == t + 2 * MS);
		if (peer_killed)
			do_kill(fx, 0);
		fx_run_for(fx, 1 * SEC);
		assert_int_equal(count(fx, 1, R_CLOSED, ts), 0);
		int64_t resumed = now(fx);
		assert_true(do_resume(fx, 2));
		fx_run_for(fx, 10 * SEC);
		assert_int_equal(count(fx, 1, R_CLOSED, ts), 1);
		assert_int_equal(nth(fx, 1, R_CLOSED, ts, 0)->status, ENV_ECONNRESET);
		assert_true(nth(fx, 1, R_CLOSED, ts, 0)->t == resumed);
		do_heal(fx);
		fx_run_for(fx, 10 * SEC);
		assert_int_equal(sim_net_conn_count(fx->net), 0);
	}
}

/* A reset still in flight when its sender loses power is lost like any
 * frame: the peer hears nothing then, and is reset normally once the
 * machine is back and answers its next frame. */
static void test_reset_lost_in_power_loss(void **state)
{
	struct fx *fx = *state;
	struct sim_net_config cfg = fixed_latency(2 * MS);
	fx_build(fx, 2, &cfg);
	struct env_conn *c, *s;
	int tc, ts;
	connect_pair(fx, 0, 1, &c, &tc, &s, &ts);
	size_t seen = fx->p[0].n;
	assert_true(do_pause(fx, 2));
	do_reset(fx, 2);
	fx_run_for(fx, 1 * MS);
	do_power_loss(fx, 1);
	fx_run_for(fx, 1 * SEC);
	assert_int_equal(fx->p[0].n, seen);
	assert_true(sim_node_start(fx->w, 2));
	assert_int_equal(do_send(fx, c, 1), ENV_OK);
	int64_t sent = now(fx);
	fx_run_for(fx, 1 * SEC);
	assert_int_equal(count(fx, 0, R_CLOSED, tc), 1);
	assert_int_equal(nth(fx, 0, R_CLOSED, tc, 0)->status, ENV_ECONNRESET);
	assert_true(nth(fx, 0, R_CLOSED, tc, 0)->t == sent + 4 * MS);
	fx_run_for(fx, 10 * SEC);
	assert_int_equal(sim_net_conn_count(fx->net), 0);
}

static void test_send_errors(void **state)
{
	struct fx *fx = *state;
	struct sim_net_config cfg;
	sim_net_config_default(&cfg);
	cfg.max_frame_bytes = 1000;
	cfg.backlog_max_bytes = 4000;
	fx_build(fx, 2, &cfg);
	struct env_conn *c, *s;
	int tc, ts;
	connect_pair(fx, 0, 1, &c, &tc, &s, &ts);
	assert_int_equal(do_send_raw(fx, c, 1001), ENV_EMSGSIZE);
	assert_int_equal(env_conn_backlog(c), 0);
	/* A stalled link lets the backlog build up to its bound. */
	sim_net_block(fx->net, 1, 2);
	for (int k = 0; k < 4; k++)
		assert_int_equal(do_send_raw(fx, c, 1000), ENV_OK);
	assert_int_equal(env_conn_backlog(c), 4000);
	assert_int_equal(do_send_raw(fx, c, 1), ENV_ENOBUFS);
	assert_int_equal(do_send_raw(fx, c, 0), ENV_OK); /* empty frames are frames */
	fx_run_for(fx, 1 * SEC);
	assert_int_equal(env_conn_backlog(c), 4000);
	do_unblock(fx, 1, 2);
	fx_run_for(fx, 1 * SEC);
	assert_int_equal(env_conn_backlog(c), 0);
	assert_int_equal(sim_net_frames_delivered(fx->net), 5);
	assert_int_equal(do_send_raw(fx, c, 1000), ENV_OK);
	/* A closed handle cannot be used; the peer's fails once EOF is in. */
	do_close(fx, 1, s);
	fx_run_for(fx, 1 * SEC);
	assert_int_equal(count(fx, 0, R_CLOSED, tc), 1);
	assert_int_equal(nth(fx, 0, R_CLOSED, tc, 0)->status, ENV_EOF);
}

/* At 1 MB/s a 10,000-byte frame takes 10 ms to put on the wire; frames
 * queue behind one another, and an idle link starts afresh. */
static void test_bandwidth_pacing(void **state)
{
	struct fx *fx = *state;
	struct sim_net_config cfg = fixed_latency(1 * MS);
	cfg.bandwidth_bps = 1000 * 1000;
	fx_build(fx, 2, &cfg);
	struct env_conn *c, *s;
	int tc, ts;
	connect_pair(fx, 0, 1, &c, &tc, &s, &ts);
	int64_t t = now(fx);
	assert_int_equal(do_send_raw(fx, c, 10000), ENV_OK);
	assert_int_equal(do_send_raw(fx, c, 10000), ENV_OK);
	assert_int_equal(do_send_raw(fx, c, 500), ENV_OK);
	/* The other direction has its own wire. */
	assert_int_equal(do_send_raw(fx, s, 2000), ENV_OK);
	fx_run_for(fx, 1 * SEC);
	/* Each frame lands one latency after its last byte left. */
	assert_int_equal(count(fx, 1, R_FRAME, ts), 3);
	const struct rec *f0 = nth(fx, 1, R_FRAME, ts, 0), *f1 = nth(fx, 1, R_FRAME, ts, 1);
	const struct rec *f2 = nth(fx, 1, R_FRAME, ts, 2), *g = nth(fx, 0, R_FRAME, tc, 0);
	assert_int_equal(f0->len, 10000);
	assert_true(f0->t == t + 10 * MS + 1 * MS);
	assert_int_equal(f1->len, 10000);
	assert_true(f1->t == t + 20 * MS + 1 * MS);
	assert_int_equal(f2->len, 500);
	assert_true(f2->t == t + 20500 * US + 1 * MS);
	assert_int_equal(g->len, 2000);
	assert_true(g->t == t + 2 * MS + 1 * MS);
	/* After the wire went idle, a frame waits only for its own bytes. */
	int64_t t2 = now(fx);
	assert_int_equal(do_send_raw(fx, c, 1000), ENV_OK);
	fx_run_for(fx, 1 * SEC);
	assert_true(nth(fx, 1, R_FRAME, ts, 3)->t == t2 + 1 * MS + 1 * MS);
}

/* ---- 6. Per-node delay -------------------------------------------------------------- */

static void test_node_delay(void **state)
{
	struct fx *fx = *state;
	fx_build(fx, 3, NULL);
	int64_t lo = fx->cfg.latency_min_ns, hi = fx->cfg.latency_max_ns;
	struct env_conn *c12, *s12, *c13, *s13;
	int t12, u12, t13, u13;
	connect_pair(fx, 0, 1, &c12, &t12, &s12, &u12);
	connect_pair(fx, 0, 2, &c13, &t13, &s13, &u13);
	sim_net_set_delay(fx->net, 2, 50 * MS, 60 * MS);
	uint32_t seq = 0;
	for (int k = 0; k < 20; k++, seq += 4) {
		assert_int_equal(do_send(fx, c12, seq), ENV_OK);
		assert_int_equal(do_send(fx, s12, seq + 1), ENV_OK);
		assert_int_equal(do_send(fx, c13, seq + 2), ENV_OK);
		assert_int_equal(do_send(fx, s13, seq + 3), ENV_OK);
		fx_run_for(fx, 200 * MS);
	}
	/* To or from node 2: delayed both ways; node 3 is not. */
	for (uint32_t k = 0; k < 20; k++) {
		const struct rec *a = nth(fx, 1, R_FRAME, u12, k);
		const struct rec *b = nth(fx, 0, R_FRAME, t12, k);
		const struct rec *x = nth(fx, 2, R_FRAME, u13, k);
		const struct rec *y = nth(fx, 0, R_FRAME, t13, k);
		int64_t la = a->t - fx->sent_at[a->seq], lb = b->t - fx->sent_at[b->seq];
		int64_t lx = x->t - fx->sent_at[x->seq], ly = y->t - fx->sent_at[y->seq];
		assert_true(la >= lo + 50 * MS && la <= hi + 60 * MS);
		assert_true(lb >= lo + 50 * MS && lb <= hi + 60 * MS);
		assert_true(lx >= lo && lx <= hi);
		assert_true(ly >= lo && ly <= hi);
	}
	/* Delays at both ends add up. */
	sim_net_set_delay(fx->net, 1, 5 * MS, 5 * MS);
	assert_int_equal(do_send(fx, c12, 100), ENV_OK);
	assert_int_equal(do_send(fx, c13, 101), ENV_OK);
	fx_run_for(fx, 200 * MS);
	int64_t l12 = nth(fx, 1, R_FRAME, u12, 20)->t - fx->sent_at[100];
	int64_t l13 = nth(fx, 2, R_FRAME, u13, 20)->t - fx->sent_at[101];
	assert_true(l12 >= lo + 55 * MS && l12 <= hi + 65 * MS);
	assert_true(l13 >= lo + 5 * MS && l13 <= hi + 5 * MS);
	sim_net_clear_delays(fx->net);
	assert_int_equal(do_send(fx, c12, 102), ENV_OK);
	fx_run_for(fx, 200 * MS);
	int64_t l = nth(fx, 1, R_FRAME, u12, 21)->t - fx->sent_at[102];
	assert_true(l >= lo && l <= hi);
}

/* A per-link range replaces the default on that one-way link only. Node
 * index i is node id i + 1. */
static void test_link_latency(void **state)
{
	struct fx *fx = *state;
	fx_build(fx, 3, NULL);
	int64_t lo = fx->cfg.latency_min_ns, hi = fx->cfg.latency_max_ns;
	struct env_conn *c12, *s12, *c13, *s13;
	int t12, u12, t13, u13;
	connect_pair(fx, 0, 1, &c12, &t12, &s12, &u12);
	connect_pair(fx, 0, 2, &c13, &t13, &s13, &u13);
	sim_net_set_link_latency(fx->net, 1, 2, 40 * MS, 40 * MS);
	assert_int_equal(do_send(fx, c12, 0), ENV_OK);
	assert_int_equal(do_send(fx, s12, 1), ENV_OK);
	assert_int_equal(do_send(fx, c13, 2), ENV_OK);
	fx_run_for(fx, 200 * MS);
	assert_true(nth(fx, 1, R_FRAME, u12, 0)->t - fx->sent_at[0] == 40 * MS);
	int64_t back = nth(fx, 0, R_FRAME, t12, 0)->t - fx->sent_at[1];
	int64_t other = nth(fx, 2, R_FRAME, u13, 0)->t - fx->sent_at[2];
	assert_true(back >= lo && back <= hi);
	assert_true(other >= lo && other <= hi);
	sim_net_set_link_latency(fx->net, 1, 2, 0, 0); /* back to the default */
	assert_int_equal(do_send(fx, c12, 3), ENV_OK);
	fx_run_for(fx, 200 * MS);
	int64_t l = nth(fx, 1, R_FRAME, u12, 1)->t - fx->sent_at[3];
	assert_true(l >= lo && l <= hi);
}

/* ---- 7. Leaks ------------------------------------------------------------------------ */

/* Freeing a world in the middle of everything (frames in flight, stalled,
 * a paused node's queue, a connect in progress, a reset on its way) must
 * free it all; Valgrind checks. */
static void test_free_mid_flight(void **state)
{
	struct fx *fx = *state;
	fx_build(fx, 4, NULL);
	struct env_conn *c12, *s12, *c13, *s13, *c14, *s14;
	int t12, u12, t13, u13, t14, u14;
	connect_pair(fx, 0, 1, &c12, &t12, &s12, &u12);
	connect_pair(fx, 0, 2, &c13, &t13, &s13, &u13);
	connect_pair(fx, 0, 3, &c14, &t14, &s14, &u14);
	sim_net_block(fx->net, 1, 2);
	assert_true(do_pause(fx, 3));
	for (uint32_t k = 0; k < 10; k++) {
		assert_int_equal(do_send(fx, c12, k), ENV_OK);
		assert_int_equal(do_send(fx, c13, 100 + k), ENV_OK);
		assert_int_equal(do_send(fx, s12, 200 + k), ENV_OK);
	}
	fx_run_for(fx, 10 * MS);
	assert_int_equal(do_send(fx, c14, 300), ENV_OK);
	do_connect(fx, 1, "n4", NULL);
	do_kill(fx, 3);
	assert_true(sim_net_conn_count(fx->net) >= 4);
	fx_free_world(fx);
}

/* ---- 8. Random schedules -------------------------------------------------------- */

/*
 * Random sends, connects, closes, partitions, delays, pauses, crashes,
 * restarts and resets, many seeds. Whatever happens, every end receives
 * from one sender a gap-free prefix of what that sender's handle sent
 * (frame n arrives only after 0..n-1, whole), hears of its end once, and
 * nothing after; once everything is healed, resumed and closed, no
 * connection and no node allocation is left.
 *
 * A random-schedule frame: 0xf0, sender node id, sender tag (4 bytes),
 * n (4 bytes), send time (8 bytes), then a pattern; its length depends on
 * n and the tag. No frame may arrive sooner than the link's minimum
 * latency plus the time its own bytes take on a paced wire.
 */
#define FZ_MAGIC 0xf0
#define FZ_HEAD 18

static size_t fz_len(uint32_t n, uint32_t tag)
{
	return FZ_HEAD + (n * 131u + tag * 17u) % 300;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void fz_check(struct tag *tg, const uint8_t *frame, size_t len)
{
	struct fx *fx = tg->s->p->fx;
	assert_true(len >= FZ_HEAD && frame[0] == FZ_MAGIC);
	uint32_t node = frame[1], src = get32(frame + 2), n = get32(frame + 6);
	int64_t sent = (int64_t)((uint64_t)get32(frame + 10) << 32 | get32(frame + 14));
	assert_int_equal(len, fz_len(n, src));
	for (size_t i = FZ_HEAD; i < len; i++)
		assert_int_equal(frame[i], frame_byte(n ^ src, i));
	uint64_t bw = fx->cfg.bandwidth_bps;
	int64_t tx = bw ? (int64_t)(len * (uint64_t)SEC / bw) : 0;
	assert_true(now(fx) - sent >= fx->cfg.latency_min_ns + tx);
	if (!tg->src_node) {
		tg->src_node = node;
		tg->src_tag = src;
	}
	assert_int_equal(tg->src_node, node);
	assert_int_equal(tg->src_tag, src);
	assert_int_equal(n, tg->next_n); /* in order, none missing */
	tg->next_n++;
}

static struct fz_handle *fz_find(struct fx *fx, uint32_t node, int tag)
{
	for (size_t i = 0; i < FZ_HANDLES; i++)
		if (fx->fz[i].node == node && fx->fz[i].tag == tag)
			return &fx->fz[i];
	fail_msg("no handle %u/%d", node, tag);
	return NULL;
}

static void fz_add(struct fx *fx, uint32_t node, int tag, struct env_conn *conn, bool open)
{
	for (size_t i = 0; i < FZ_HANDLES; i++) {
		if (!fx->fz[i].live) {
			fx->fz[i] = (struct fz_handle){node, tag, conn, true, open, 0};
			return;
		}
	}
	fail_msg("out of handles");
}

/* A random live handle of an up node, or NULL. */
static struct fz_handle *fz_pick(struct fx *fx, struct sim_rng *r)
{
	size_t live[FZ_HANDLES], n = 0;
	for (size_t i = 0; i < FZ_HANDLES; i++)
		if (fx->fz[i].live && sim_node_status(fx->w, fx->fz[i].node) == SIM_NODE_UP)
			live[n++] = i;
	return n ? &fx->fz[live[sim_rng_below(r, n)]] : NULL;
}

static void fz_send(struct fx *fx, struct fz_handle *h)
{
	uint8_t buf[320];
	size_t len = fz_len(h->sent, (uint32_t)h->tag);
	buf[0] = FZ_MAGIC;
	buf[1] = (uint8_t)h->node;
	put32(buf + 2, (uint32_t)h->tag);
	put32(buf + 6, h->sent);
	put32(buf + 10, (uint32_t)((uint64_t)now(fx) >> 32));
	put32(buf + 14, (uint32_t)now(fx));
	for (size_t i = FZ_HEAD; i < len; i++)
		buf[i] = frame_byte(h->sent ^ (uint32_t)h->tag, i);
	fx->in_call = true;
	int rc = env_conn_send(h->conn, buf, len);
	fx->in_call = false;
	if (rc == ENV_OK) {
		assert_true(h->open);
		h->sent++;
	} else {
		/* Connecting, or its own node reset it. */
		assert_int_equal(rc, ENV_ENOTCONN);
	}
}

static void fz_close(struct fx *fx, struct fz_handle *h)
{
	do_close(fx, (int)h->node - 1, h->conn);
	h->live = false;
}

/* A crash ends every handle of the node without callbacks. */
static void fz_crashed(struct fx *fx, uint32_t node)
{
	for (size_t i = 0; i < FZ_HANDLES; i++)
		if (fx->fz[i].node == node)
			fx->fz[i].live = false;
}

static uint32_t fz_node(struct fx *fx, struct sim_rng *r)
{
	return 1 + (uint32_t)sim_rng_below(r, fx->n_nodes);
}

/* One random action of the harness or of a node. */
static void fz_step(struct fx *fx, struct sim_rng *r)
{
	static const char *const names[MAX_NODES] = {"n1", "n2", "n3", "n4"};
	uint32_t a = fz_node(fx, r), b = fz_node(fx, r);
	enum sim_node_status st = sim_node_status(fx->w, a);
	uint64_t dice = sim_rng_below(r, 1000);
	struct fz_handle *h;
	if (dice < 500 && (h = fz_pick(fx, r))) {
		for (uint64_t k = 1 + sim_rng_below(r, 3); k > 0; k--)
			fz_send(fx, h);
	} else if (dice < 640) {
		/* (Also when there was nothing to send on.) */
		if (st == SIM_NODE_UP) {
			/* Now and then to a host that does not exist. */
			const char *host = sim_rng_below(r, 20) ? names[b - 1] : "nowhere";
			int tag;
			struct env_conn *c = do_connect(fx, (int)a - 1, host, &tag);
			fz_add(fx, a, tag, c, false);
		}
	} else if (dice < 650) {
		/* Stop or start listening: connects are refused meanwhile. */
		struct probe *p = &fx->p[a - 1];
		if (st == SIM_NODE_UP) {
			fx->in_call = true;
			if (p->listening)
				env_unlisten(p->env, PORT);
			else
				assert_int_equal(env_listen(p->env, PORT, on_accept, p->state), 0);
			fx->in_call = false;
			p->listening = !p->listening;
		}
	} else if (dice < 670) {
		if ((h = fz_pick(fx, r)))
			fz_close(fx, h);
	} else if (dice < 720) {
		sim_net_block(fx->net, a, b);
	} else if (dice < 770) {
		do_unblock(fx, a, b);
	} else if (dice < 790) {
		do_heal(fx);
	} else if (dice < 800) {
		sim_net_isolate(fx->net, a);
	} else if (dice < 830) {
		do_pause(fx, a);
	} else if (dice < 880) {
		do_resume(fx, a);
	} else if (dice < 890) {
		if (st == SIM_NODE_UP || st == SIM_NODE_PAUSED) {
			do_kill(fx, (int)a - 1);
			fz_crashed(fx, a);
		}
	} else if (dice < 900) {
		if (st == SIM_NODE_UP || st == SIM_NODE_PAUSED) {
			do_power_loss(fx, (int)a - 1);
			fz_crashed(fx, a);
		}
	} else if (dice < 950) {
		if (st != SIM_NODE_UP && st != SIM_NODE_PAUSED)
			assert_true(sim_node_start(fx->w, a));
	} else if (dice < 960) {
		do_reset(fx, a);
	} else if (dice < 985) {
		int64_t lo = sim_rng_range(r, 0, 20 * MS);
		sim_net_set_delay(fx->net, a, lo, lo + sim_rng_range(r, 0, 20 * MS));
	} else {
		sim_net_clear_delays(fx->net);
	}
}

static void fz_run(struct fx *fx, uint64_t seed, int steps)
{
	struct sim_rng r;
	sim_rng_derive(&r, seed, "test_net", 0);
	/* Links from instant (ties everywhere) to slow, sometimes paced. */
	struct sim_net_config cfg;
	sim_net_config_default(&cfg);
	cfg.latency_min_ns = sim_rng_range(&r, 0, 2 * MS);
	cfg.latency_max_ns = cfg.latency_min_ns + sim_rng_range(&r, 0, 3 * MS);
	cfg.connect_timeout_ns = sim_rng_range(&r, 300 * MS, 5 * SEC);
	if (sim_rng_below(&r, 3) == 0)
		cfg.bandwidth_bps = (uint64_t)sim_rng_range(&r, 1000 * 1000, 10 * 1000 * 1000);
	fx_build_seed(fx, 3 + (uint32_t)(seed % 2), &cfg, seed);
	fx->fuzz = true;
	fx->fuzz_seed = seed;
	fx->fuzz_steps = steps;
	if (getenv("KSIM_NET_TRACE"))
		sim_world_set_trace_file(fx->w, stderr);
	memset(fx->fz, 0, sizeof fx->fz);
	for (int i = 0; i < steps; i++) {
		fz_step(fx, &r);
		fx_run_for(fx, sim_rng_range(&r, 0, 8 * MS));
	}
	/* Heal everything: whatever waited flows or bounces. */
	do_heal(fx);
	sim_net_clear_delays(fx->net);
	for (uint32_t id = 1; id <= fx->n_nodes; id++) {
		do_resume(fx, id);
		sim_node_start(fx->w, id);
	}
	fx_run_for(fx, 10 * SEC);
	/* Every open end sends once more: an end whose peer is gone hears a
	 * reset or EOF; the others receive it. */
	for (size_t i = 0; i < FZ_HANDLES; i++)
		if (fx->fz[i].live)
			fz_send(fx, &fx->fz[i]);
	fx_run_for(fx, 1 * SEC);
	/* Between two ends still open, nothing was lost either way. */
	for (size_t i = 0; i < FZ_HANDLES; i++) {
		struct fz_handle *g = &fx->fz[i];
		if (!g->live)
			continue;
		assert_true(g->open);
		assert_int_equal(env_conn_backlog(g->conn), 0);
		struct tag *tg = env_conn_data(g->conn);
		if (!tg->src_node)
			fail_msg("end %u/%d (peer %s) heard nothing more at %lld", g->node, g->tag,
				 env_conn_peer(g->conn), (long long)now(fx));
		struct fz_handle *h = fz_find(fx, tg->src_node, (int)tg->src_tag);
		assert_true(h->live && h->open);
		assert_int_equal(tg->next_n, h->sent);
	}
	for (size_t i = 0; i < FZ_HANDLES; i++)
		if (fx->fz[i].live)
			fz_close(fx, &fx->fz[i]);
	fx_run_for(fx, 1 * SEC);
	assert_int_equal(sim_net_conn_count(fx->net), 0);
	for (uint32_t id = 1; id <= fx->n_nodes; id++) {
		assert_int_equal(sim_node_status(fx->w, id), SIM_NODE_UP);
		assert_int_equal(sim_node_live_allocs(fx->w, id), 1);
	}
	fx->fuzz = false;
}

static int env_int(const char *name, int dflt)
{
	const char *v = getenv(name);
	return v && *v ? atoi(v) : dflt;
}

/* KSIM_NET_SEEDS and KSIM_NET_STEPS scale the sweep up; KSIM_NET_SEED
 * replays one seed (with KSIM_NET_TRACE=1, tracing to stderr). */
static void test_random_schedules(void **state)
{
	struct fx *fx = *state;
	bool slow = getenv("KSIM_UNDER_VALGRIND") != NULL;
	int seeds = env_int("KSIM_NET_SEEDS", slow ? 6 : 60);
	int steps = env_int("KSIM_NET_STEPS", slow ? 200 : 400);
	int only = env_int("KSIM_NET_SEED", 0);
	for (int seed = only ? only : 1; seed <= (only ? only : seeds); seed++)
		fz_run(fx, (uint64_t)seed, steps);
}

/* ---- Main ------------------------------------------------------------------------- */

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_fifo_order_and_latency),
		T(test_fifo_deterministic),
		T(test_send_never_delivers_synchronously),
		T(test_connect_and_accept),
		T(test_connect_refused),
		T(test_connect_powered_off_times_out),
		T(test_connect_unknown_host),
		T(test_connect_across_partition),
		T(test_listen_twice),
		T(test_connect_timeout_outlives_connection),
		T(test_partition_stalls_heal_delivers),
		T(test_one_way_partition),
		T(test_partition_groups),
		T(test_isolate),
		T(test_kill_resets_peer),
		T(test_kill_reset_exact_time),
		T(test_kill_across_partition),
		T(test_kill_during_handshake),
		T(test_close_before_reset_arrives),
		T(test_power_loss_silence_then_reset),
		T(test_pause_queues_until_resume),
		T(test_pause_order_after_reset),
		T(test_pause_then_power_loss),
		T(test_pause_then_kill),
		T(test_graceful_close),
		T(test_close_while_connecting),
		T(test_reset_node),
		T(test_reset_both_ends),
		T(test_reset_paused_node),
		T(test_reset_lost_in_power_loss),
		T(test_send_errors),
		T(test_bandwidth_pacing),
		T(test_node_delay),
		T(test_link_latency),
		T(test_free_mid_flight),
		T(test_random_schedules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
