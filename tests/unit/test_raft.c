/*
 * The KRaft quorum (broker/raft) in simulated clusters of 3 and 5
 * controllers: election, replication and commit, failover, divergence and
 * truncation, the quorum-state file across power losses (KAFKA-10527),
 * check-quorum on and off (KAFKA-15489), observers, and a seed sweep of
 * random kills, power losses, pauses and partitions with the invariants of
 * Kafka's RaftEventSimulationTest checked after every change (raft_check).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "broker/raft/raft_record.h"
#include "sim/invariant.h"
#include "tests/unit/test_raft_fixture.h"

static inline bool under_valgrind(void)
{
	return getenv("KSIM_UNDER_VALGRIND") != NULL;
}

static void assert_clean(struct rfx *f)
{
	if (raft_check_violations(&f->chk))
		fail_msg("%llu violations, first: %s",
		         (unsigned long long)raft_check_violations(&f->chk),
		         raft_check_first_violation(&f->chk));
}

static int32_t count_role(struct rfx *f, enum raft_role role)
{
	int32_t n = 0;
	for (int32_t i = 0; i < f->nvoters; i++) {
		struct raft *r = rfx_raft(f, i);
		n += r && raft_role(r) == role;
	}
	return n;
}

static void elect_and_replicate(int32_t n)
{
	struct rfx *f = rfx_new(11, n, 0, true);
	rfx_start_all(f);
	sim_run_for(f->w, 5 * SIM_NS_PER_S);
	int32_t l = rfx_leader(f);
	assert_true(l >= 0);
	assert_int_equal(count_role(f, RAFT_LEADER), 1);
	assert_int_equal(count_role(f, RAFT_FOLLOWER), n - 1);
	struct raft *lr = rfx_raft(f, l);
	/* Records commit: about one every 40 ms once elected. */
	assert_true(raft_high_watermark(lr) > 20);
	f->writes = false;
	assert_true(rfx_converge(f, 5 * SIM_NS_PER_S));
	int64_t hw = raft_high_watermark(lr);
	for (int32_t i = 0; i < n; i++) {
		/* Every member handed the same records to its owner: all but the
		 * LeaderChange records, one per epoch. */
		assert_int_equal(f->slot[i].committed_records + raft_epoch(lr), hw);
		/* The owner heard of the leader. */
		assert_int_equal(f->slot[i].leader_seen, l + 1);
		assert_int_equal(f->slot[i].leader_epoch_seen, raft_epoch(lr));
	}
	assert_true(raft_check_committed_batches(&f->chk) > 20);
	assert_clean(f);
	rfx_free(f);
}

static void test_elect_3(void **state)
{
	elect_and_replicate(3);
}

static void test_elect_5(void **state)
{
	elect_and_replicate(5);
}

/* The checker itself, fed by hand: each invariant it guards must trip. */
static void test_check_catches_violations(void **state)
{
	struct raft_voter v[3] = {{1, "a"}, {2, "b"}, {3, "c"}};
	struct raft_check c;
	raft_check_init(&c, v, 3, false);
	const struct raft_observer *o = raft_check_observer(&c);
	o->on_persist(o->ctx, 1, 1, -1, 1);
	o->on_persist(o->ctx, 2, 1, -1, 1);
	o->on_leader(o->ctx, 1, 1, 0);
	o->on_flushed_end(o->ctx, 1, 5);
	o->on_flushed_end(o->ctx, 2, 5);
	o->on_high_watermark(o->ctx, 1, 1, true, 5);
	o->on_committed(o->ctx, 1, 0, 0, 1, 0xaa);
	o->on_committed(o->ctx, 1, 1, 4, 1, 0xbb);
	o->on_committed(o->ctx, 2, 0, 0, 1, 0xaa);
	assert_int_equal(raft_check_violations(&c), 0);
	o->on_persist(o->ctx, 2, 0, -1, -1); /* epoch back */
	assert_int_equal(raft_check_violations(&c), 1);
	assert_non_null(strstr(raft_check_first_violation(&c), "persisted epoch"));
	o->on_persist(o->ctx, 3, 1, -1, 2);
	o->on_persist(o->ctx, 3, 1, -1, 1); /* a second vote in epoch 1 */
	assert_int_equal(raft_check_violations(&c), 2);
	o->on_leader(o->ctx, 2, 1, 0); /* a second leader of epoch 1 */
	assert_int_equal(raft_check_violations(&c), 3);
	o->on_high_watermark(o->ctx, 1, 1, true, 4); /* goes back */
	assert_int_equal(raft_check_violations(&c), 4);
	o->on_committed(o->ctx, 2, 1, 4, 1, 0xcc); /* other bytes */
	assert_int_equal(raft_check_violations(&c), 5);
	o->on_flushed_end(o->ctx, 2, 3); /* only node 1 holds hw 5 */
	assert_int_equal(raft_check_violations(&c), 6);
	assert_int_equal(raft_check_committed_batches(&c), 2);
	for (int32_t n = 3; n >= 1; n--) /* node 3 first keeps a majority at 5 */
		o->on_flushed_end(o->ctx, n, 10);
	o->on_leader(o->ctx, 3, 2, 7);
	o->on_high_watermark(o->ctx, 3, 2, true, 7); /* not past its LeaderChange */
	assert_int_equal(raft_check_violations(&c), 7);
	raft_check_free(&c);
}

static int caught;
static char caught_what[128];

static void catch_invariant(void *arg, const char *invariant, const char *report)
{
	caught++;
	snprintf(caught_what, sizeof caught_what, "%s", invariant);
}

static void invariant_broken(void *arg, const char *invariant, const char *report);

/* In the checking mode (fail_fast) a violation goes to sim_invariant_fail,
 * which a harness run turns into exit 3 with the reproduce line. */
static void test_check_fail_fast(void **state)
{
	struct raft_voter v[3] = {{1, "a"}, {2, "b"}, {3, "c"}};
	struct raft_check c;
	raft_check_init(&c, v, 3, true);
	sim_invariant_set_handler(catch_invariant, NULL);
	const struct raft_observer *o = raft_check_observer(&c);
	o->on_leader(o->ctx, 1, 4, 0);
	assert_int_equal(caught, 0);
	o->on_leader(o->ctx, 2, 4, 0);
	sim_invariant_set_handler(invariant_broken, NULL);
	assert_int_equal(caught, 1);
	assert_string_equal(caught_what, "one leader per epoch");
	raft_check_free(&c);
}

/* A graceful stop (raft_free) in the middle of elections, appends, flushes
 * and quorum-state writes leaves nothing behind that later fires on freed
 * memory (ASan and Valgrind watch), and the node's heap is empty after. */
static void test_free_while_busy(void **state)
{
	for (int k = 0; k < 8; k++) {
		struct rfx *f = rfx_new(71 + (uint64_t)k, 3, 0, true);
		rfx_start_all(f);
		sim_run_for(f->w, (1000 + 137 * k) * SIM_NS_PER_MS);
		f->free_now = true;
		sim_run_for(f->w, 2 * SIM_NS_PER_S);
		for (int32_t i = 0; i < 3; i++) {
			struct rfx_owner *o = sim_node_state(f->w, f->id[i]);
			assert_null(o->raft);
			/* Only the owner itself is left in the node's heap. */
			assert_int_equal(sim_node_live_allocs(f->w, f->id[i]), 1);
		}
		assert_clean(f);
		rfx_free(f);
	}
}

/* The leader dies: another takes over in a later epoch, commits go on, and
 * the old leader comes back as a follower and catches up. */
static void test_failover(void **state)
{
	struct rfx *f = rfx_new(21, 3, 0, true);
	rfx_start_all(f);
	sim_run_for(f->w, 4 * SIM_NS_PER_S);
	int32_t l = rfx_leader(f);
	assert_true(l >= 0);
	int32_t e = raft_epoch(rfx_raft(f, l));
	int64_t hw = raft_high_watermark(rfx_raft(f, l));
	sim_node_kill(f->w, f->id[l]);
	sim_run_for(f->w, 6 * SIM_NS_PER_S);
	int32_t l2 = rfx_leader(f);
	assert_true(l2 >= 0 && l2 != l);
	assert_true(raft_epoch(rfx_raft(f, l2)) > e);
	assert_true(raft_high_watermark(rfx_raft(f, l2)) > hw + 20);
	sim_node_start(f->w, f->id[l]);
	f->writes = false;
	assert_true(rfx_converge(f, 10 * SIM_NS_PER_S));
	assert_int_equal(raft_role(rfx_raft(f, l)), RAFT_FOLLOWER);
	assert_int_equal(f->slot[l].committed_records, f->slot[l2].committed_records);
	assert_clean(f);
	rfx_free(f);
}

/* A leader cut off keeps appending in its old epoch (check-quorum off, as
 * in 3.6); the others elect a new leader and commit. Back, the old leader's
 * Fetch gets a DivergingEpoch answer and it truncates its uncommitted tail. */
static void test_divergence_truncates(void **state)
{
	struct rfx *f = rfx_new(31, 3, 0, false);
	rfx_start_all(f);
	sim_run_for(f->w, 4 * SIM_NS_PER_S);
	int32_t l = rfx_leader(f);
	assert_true(l >= 0);
	struct raft *old = rfx_raft(f, l);
	sim_net_isolate(sim_world_net(f->w), f->id[l]);
	sim_run_for(f->w, 6 * SIM_NS_PER_S);
	assert_int_equal(raft_role(old), RAFT_LEADER);
	assert_true(raft_log_end(old) > raft_high_watermark(old) + 20); /* uncommitted */
	int32_t l2 = rfx_leader(f);
	assert_true(l2 >= 0 && l2 != l);
	assert_int_equal(f->slot[l].truncations, 0);
	sim_net_heal(sim_world_net(f->w));
	f->writes = false;
	assert_true(rfx_converge(f, 10 * SIM_NS_PER_S));
	assert_true(f->slot[l].truncations >= 1);
	assert_int_equal(raft_leader_id(old), l2 + 1);
	assert_int_equal(f->slot[l].committed_records, f->slot[l2].committed_records);
	assert_clean(f);
	rfx_free(f);
}

/* Power loss of the whole quorum: every member reads its election back
 * from quorum-state; the old leader restarts resigned in its epoch and
 * never leads it again (KAFKA-10527); a later epoch gets a new leader. */
static void test_power_loss_all(void **state)
{
	struct rfx *f = rfx_new(41, 3, 0, true);
	rfx_start_all(f);
	sim_run_for(f->w, 4 * SIM_NS_PER_S);
	int32_t l = rfx_leader(f);
	assert_true(l >= 0);
	int32_t e = raft_epoch(rfx_raft(f, l));
	int64_t hw = raft_high_watermark(rfx_raft(f, l));
	for (int32_t i = 0; i < 3; i++)
		sim_node_power_loss(f->w, f->id[i]);
	rfx_start_all(f);
	/* Each member's state at the first instant its log is open again. */
	bool seen[3] = {false, false, false};
	for (int step = 0; step < 500 && !(seen[0] && seen[1] && seen[2]); step++) {
		sim_run_for(f->w, SIM_NS_PER_MS / 10);
		for (int32_t i = 0; i < 3; i++) {
			struct raft *r = rfx_raft(f, i);
			if (seen[i] || !raft_ready(r))
				continue;
			seen[i] = true;
			assert_int_equal(raft_epoch(r), e);
			assert_int_equal(raft_role(r), i == l ? RAFT_RESIGNED : RAFT_FOLLOWER);
			/* Committed data was flushed before it counted: none is lost. */
			assert_true(raft_log_end(r) >= hw);
		}
	}
	assert_true(seen[0] && seen[1] && seen[2]);
	sim_run_for(f->w, 5 * SIM_NS_PER_S);
	int32_t l2 = rfx_leader(f);
	assert_true(l2 >= 0);
	assert_true(raft_epoch(rfx_raft(f, l2)) > e);
	assert_clean(f);
	rfx_free(f);
}

/* Power losses at many instants while elections write quorum-state: the
 * file is always whole on restart (tmp + fsync + rename), and no epoch or
 * vote goes back (the checker sees every durable write). */
static void test_quorum_state_crash_safety(void **state)
{
	struct rfx *f = rfx_new(43, 3, 0, true);
	rfx_start_all(f);
	for (int k = 0; k < 60; k++) {
		sim_run_for(f->w, (300 + 37 * (k % 11)) * SIM_NS_PER_MS);
		int32_t i = k % 3;
		sim_node_power_loss(f->w, f->id[i]);
		sim_node_start(f->w, f->id[i]);
		for (int t = 0; t < 50 && !raft_ready(rfx_raft(f, i)); t++)
			sim_run_for(f->w, 10 * SIM_NS_PER_MS);
		assert_true(raft_ready(rfx_raft(f, i)));
	}
	f->writes = false;
	if (!rfx_converge(f, 20 * SIM_NS_PER_S)) {
		rfx_dump(f);
		fail();
	}
	assert_true(raft_check_leader_count(&f->chk) >= 2);
	assert_clean(f);
	rfx_free(f);
}

/* KAFKA-15489: a leader cut off from the other voters resigns once no
 * majority fetched within 1.5 x fetch timeout (3.7); with check-quorum off
 * (3.6) it keeps leading its epoch alone. */
static void check_quorum_case(bool on)
{
	struct rfx *f = rfx_new(51, 3, 0, on);
	rfx_start_all(f);
	sim_run_for(f->w, 4 * SIM_NS_PER_S);
	int32_t l = rfx_leader(f);
	assert_true(l >= 0);
	struct raft *old = rfx_raft(f, l);
	int32_t e = raft_epoch(old);
	sim_net_isolate(sim_world_net(f->w), f->id[l]);
	sim_run_for(f->w, 10 * SIM_NS_PER_S);
	if (on) {
		assert_int_not_equal(raft_role(old), RAFT_LEADER);
		assert_true(raft_epoch(old) >= e);
	} else {
		assert_int_equal(raft_role(old), RAFT_LEADER);
		assert_int_equal(raft_epoch(old), e);
	}
	sim_net_heal(sim_world_net(f->w));
	f->writes = false;
	assert_true(rfx_converge(f, 20 * SIM_NS_PER_S));
	assert_clean(f);
	rfx_free(f);
}

static void test_check_quorum_on(void **state)
{
	check_quorum_case(true);
}

static void test_check_quorum_off(void **state)
{
	check_quorum_case(false);
}

/* An observer (a non-voter, as a broker will be) finds the leader, fetches
 * and gets every committed batch, but never counts towards the majority. */
static void test_observer(void **state)
{
	struct rfx *f = rfx_new(61, 3, 1, true);
	rfx_start_all(f);
	sim_run_for(f->w, 5 * SIM_NS_PER_S);
	struct raft *obs = rfx_raft(f, 3);
	assert_false(raft_is_voter(obs));
	int32_t l = rfx_leader(f);
	assert_true(l >= 0);
	assert_int_equal(raft_role(obs), RAFT_FOLLOWER);
	assert_int_equal(raft_leader_id(obs), l + 1);
	/* Two voters down: the leader and the observer cannot commit. */
	for (int32_t i = 0; i < 3; i++)
		if (i != l)
			sim_node_kill(f->w, f->id[i]);
	int64_t hw = raft_high_watermark(rfx_raft(f, l));
	sim_run_for(f->w, 2 * SIM_NS_PER_S);
	assert_int_equal(raft_high_watermark(rfx_raft(f, l)), hw);
	for (int32_t i = 0; i < 3; i++)
		if (i != l)
			sim_node_start(f->w, f->id[i]);
	f->writes = false;
	assert_true(rfx_converge(f, 20 * SIM_NS_PER_S));
	l = rfx_leader(f);
	assert_int_equal(f->slot[3].committed_records, f->slot[l].committed_records);
	assert_clean(f);
	rfx_free(f);
}

/* ---- A probe: one request frame to a member, the answer kept here ------- */

struct probe {
	const char *target;
	uint8_t req[256];
	size_t req_len;
	uint8_t resp[1024];
	size_t resp_len;
	bool closed;
};

static void probe_frame(struct env_conn *c, const uint8_t *frame, size_t len)
{
	struct probe *p = env_conn_data(c);
	p->resp_len = len < sizeof p->resp ? len : sizeof p->resp;
	memcpy(p->resp, frame, p->resp_len);
}

static void probe_closed(struct env_conn *c, int reason)
{
	struct probe *p = env_conn_data(c);
	p->closed = true;
}

static const struct env_conn_ops probe_ops = {probe_frame, probe_closed};

static void probe_connected(struct env_conn *c, int status)
{
	struct probe *p = env_conn_data(c);
	if (status == 0)
		env_conn_send(c, p->req, p->req_len);
}

static void *probe_start(struct env *env, const void *config)
{
	struct probe *p = (struct probe *)config;
	env_connect(env, p->target, RAFT_PORT, &probe_ops, p, probe_connected);
	return p;
}

static const struct sim_node_class probe_class = {"client", probe_start};

static size_t describe_frame(uint8_t *buf, size_t cap, int16_t version, const char *topic)
{
	struct wire_writer w;
	wire_writer_init(&w, buf, cap);
	struct kp_request_header h = {KP_API_DESCRIBE_QUORUM, version, 42, kp_str_from("probe")};
	kp_encode_request_header(&w, &h);
	struct kp_raft_describe_request q = {kp_str_from(topic), 0};
	kp_raft_encode_describe_request(&w, &q);
	return w.len;
}

/* DescribeQuorum v1 to the leader: the voters, their end offsets and the
 * high watermark; to a follower: NOT_LEADER_OR_FOLLOWER; for another topic:
 * INVALID_REQUEST. A frame that does not parse closes the connection. */
static void test_describe_quorum_live(void **state)
{
	struct rfx *f = rfx_new(81, 3, 0, true);
	rfx_start_all(f);
	sim_run_for(f->w, 4 * SIM_NS_PER_S);
	f->writes = false;
	assert_true(rfx_converge(f, 5 * SIM_NS_PER_S));
	int32_t l = rfx_leader(f);
	int32_t other = (l + 1) % 3;
	struct probe p[4] = {{.target = f->names[l]},
	                     {.target = f->names[other]},
	                     {.target = f->names[l]},
	                     {.target = f->names[l]}};
	p[0].req_len = describe_frame(p[0].req, sizeof p[0].req, 1, KP_RAFT_TOPIC);
	p[1].req_len = describe_frame(p[1].req, sizeof p[1].req, 1, KP_RAFT_TOPIC);
	p[2].req_len = describe_frame(p[2].req, sizeof p[2].req, 0, "other");
	p[3].req_len = describe_frame(p[3].req, sizeof p[3].req, 1, KP_RAFT_TOPIC) - 1;
	const char *names[4] = {"probe-1", "probe-2", "probe-3", "probe-4"};
	for (int i = 0; i < 4; i++)
		sim_node_start(f->w, sim_node_add(f->w, names[i], &probe_class, &p[i]));
	sim_run_for(f->w, SIM_NS_PER_S);
	uint8_t abuf[2048];
	struct kp_arena a;
	struct kp_raft_describe_response d;
	struct wire_reader r;
	int32_t corr;
	for (int i = 0; i < 3; i++) {
		assert_true(p[i].resp_len > 0);
		wire_reader_init(&r, p[i].resp, p[i].resp_len);
		assert_int_equal(
		    kp_decode_response_header(&r, KP_API_DESCRIBE_QUORUM, i == 2 ? 0 : 1, &corr),
		    0);
		assert_int_equal(corr, 42);
		kp_arena_init(&a, abuf, sizeof abuf);
		assert_int_equal(kp_raft_decode_describe_response(&r, &a, i == 2 ? 0 : 1, &d), 0);
		if (i == 0) {
			struct raft *lr = rfx_raft(f, l);
			assert_int_equal(d.error_code, 0);
			assert_int_equal(d.partition_error, 0);
			assert_int_equal(d.leader_id, l + 1);
			assert_int_equal(d.leader_epoch, raft_epoch(lr));
			assert_int_equal(d.high_watermark, raft_high_watermark(lr));
			assert_int_equal(d.voter_count, 3);
			for (int k = 0; k < 3; k++) {
				assert_int_equal(d.voters[k].log_end_offset, raft_log_end(lr));
				assert_true(d.voters[k].last_fetch_timestamp > 0);
			}
		} else if (i == 1) {
			assert_int_equal(d.partition_error, 6); /* NOT_LEADER_OR_FOLLOWER */
		} else {
			assert_int_equal(d.error_code, 42); /* INVALID_REQUEST */
		}
	}
	assert_int_equal(p[3].resp_len, 0);
	assert_true(p[3].closed);
	assert_clean(f);
	rfx_free(f);
}

/* A member with another cluster id is refused (INCONSISTENT_CLUSTER_ID):
 * it never joins, and the other two form the quorum without it. */
static void test_inconsistent_cluster_id(void **state)
{
	struct rfx *f = rfx_new(91, 3, 0, true);
	f->slot[2].cfg.cluster_id = "some-other-cluster-0000";
	rfx_start_all(f);
	sim_run_for(f->w, 8 * SIM_NS_PER_S);
	int32_t l = rfx_leader(f);
	assert_true(l == 0 || l == 1);
	struct raft *lr = rfx_raft(f, l);
	struct raft *odd = rfx_raft(f, 2);
	assert_true(raft_high_watermark(lr) > 50);
	assert_true(raft_log_end(odd) <= 1); /* at most its own LeaderChange */
	assert_int_not_equal(raft_role(odd), RAFT_FOLLOWER);
	rfx_free(f);
}

/* ---- Seed sweep ---------------------------------------------------------- */

struct chaos {
	struct rfx *f;
	struct sim_rng *rng;
	int64_t end_ns;
	int64_t faults;
};

static void chaos_undo(struct sim_world *w, struct rfx *f)
{
	sim_net_heal(sim_world_net(w));
	for (int32_t i = 0; i < f->nvoters + f->nobservers; i++) {
		enum sim_node_status st = sim_node_status(w, f->id[i]);
		if (st == SIM_NODE_PAUSED)
			sim_node_resume(w, f->id[i]);
		else if (st != SIM_NODE_UP)
			sim_node_start(w, f->id[i]);
	}
}

static void chaos_fire(struct sim_world *w, void *arg)
{
	struct chaos *c = arg;
	struct rfx *f = c->f;
	int32_t all = f->nvoters + f->nobservers;
	uint32_t node = f->id[sim_rng_below(c->rng, (uint64_t)all)];
	/* Faults aimed at the leader find the interesting cases sooner. */
	int32_t l = rfx_leader(f);
	if (l >= 0 && sim_rng_below(c->rng, 2) == 0)
		node = f->id[l];
	c->faults++;
	switch (sim_rng_below(c->rng, 7)) {
	case 0:
		sim_node_kill(w, node);
		break;
	case 1:
		sim_node_power_loss(w, node);
		break;
	case 2:
		sim_node_pause(w, node);
		break;
	case 3:
		sim_net_isolate(sim_world_net(w), node);
		break;
	case 4: {
		uint32_t group[RFX_MAX + 1] = {0};
		uint32_t count = sim_node_count(w);
		for (uint32_t id = 1; id <= count && id <= RFX_MAX; id++)
			group[id] = (uint32_t)sim_rng_below(c->rng, 2);
		sim_net_partition(sim_world_net(w), group, count);
		break;
	}
	default:
		chaos_undo(w, f);
		break;
	}
	int64_t next = sim_rng_range(c->rng, 200 * SIM_NS_PER_MS, 1500 * SIM_NS_PER_MS);
	if (sim_now(w) + next < c->end_ns)
		sim_world_at(w, next, chaos_fire, c);
}

static uint64_t run_seed(uint64_t seed, int32_t nvoters, int32_t nobservers, int64_t chaos_ns,
                         bool check_quorum)
{
	struct rfx *f = rfx_new(seed, nvoters, nobservers, check_quorum);
	struct chaos c = {f, sim_world_rng(f->w), 0, 0};
	rfx_start_all(f);
	sim_run_for(f->w, 2 * SIM_NS_PER_S);
	c.end_ns = sim_now(f->w) + chaos_ns;
	sim_world_at(f->w, 0, chaos_fire, &c);
	sim_run_until(f->w, c.end_ns);
	chaos_undo(f->w, f);
	f->writes = false;
	if (!rfx_converge(f, 90 * SIM_NS_PER_S)) {
		rfx_dump(f);
		fail_msg("seed %llu (%d voters): no convergence after healing",
		         (unsigned long long)seed, nvoters);
	}
	if (raft_check_violations(&f->chk))
		fail_msg("seed %llu: %s", (unsigned long long)seed,
		         raft_check_first_violation(&f->chk));
	/* After healing, every member has delivered the whole committed log. */
	struct raft *lr = rfx_raft(f, rfx_leader(f));
	int64_t hw = raft_high_watermark(lr);
	for (int32_t i = 0; i < nvoters + nobservers; i++) {
		struct raft *r = rfx_raft(f, i);
		assert_int_equal(raft_high_watermark(r), hw);
	}
	if (getenv("KSIM_RAFT_SWEEP_VERBOSE"))
		printf("seed %llu: %d voters, %lld faults, %zu leaders, hw %lld, %zu batches\n",
		       (unsigned long long)seed, nvoters, (long long)c.faults,
		       raft_check_leader_count(&f->chk), (long long)hw,
		       raft_check_committed_batches(&f->chk));
	uint64_t hash = sim_trace_hash(f->w);
	rfx_free(f);
	return hash;
}

/* The whole quorum is deterministic: same seed, same run. */
static void test_same_seed_same_run(void **state)
{
	uint64_t a = run_seed(77, 3, 0, 4 * SIM_NS_PER_S, true);
	uint64_t b = run_seed(77, 3, 0, 4 * SIM_NS_PER_S, true);
	uint64_t c = run_seed(78, 3, 0, 4 * SIM_NS_PER_S, true);
	assert_true(a == b);
	assert_true(a != c);
}

static void test_seed_sweep(void **state)
{
	int seeds = under_valgrind() ? 6 : 200;
	int first = 1;
	/* KSIM_RAFT_SEEDS=first:count runs a longer sweep by hand. */
	const char *env = getenv("KSIM_RAFT_SEEDS");
	if (env && sscanf(env, "%d:%d", &first, &seeds) != 2)
		seeds = 200;
	for (int s = first; s < first + seeds; s++)
		run_seed((uint64_t)s, s % 2 ? 3 : 5, s % 3 == 0 ? 1 : 0, 8 * SIM_NS_PER_S,
		         s % 4 != 0);
}

/* A node-local invariant (sim_invariant_fail) fails the test with its report. */
static void invariant_broken(void *arg, const char *invariant, const char *report)
{
	fail_msg("%s", report);
}

int main(void)
{
	sim_invariant_set_handler(invariant_broken, NULL);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_check_catches_violations),
	    cmocka_unit_test(test_check_fail_fast),
	    cmocka_unit_test(test_elect_3),
	    cmocka_unit_test(test_free_while_busy),
	    cmocka_unit_test(test_elect_5),
	    cmocka_unit_test(test_failover),
	    cmocka_unit_test(test_divergence_truncates),
	    cmocka_unit_test(test_power_loss_all),
	    cmocka_unit_test(test_quorum_state_crash_safety),
	    cmocka_unit_test(test_check_quorum_on),
	    cmocka_unit_test(test_check_quorum_off),
	    cmocka_unit_test(test_observer),
	    cmocka_unit_test(test_describe_quorum_live),
	    cmocka_unit_test(test_inconsistent_cluster_id),
	    cmocka_unit_test(test_same_seed_same_run),
	    cmocka_unit_test(test_seed_sweep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
