/*
 * Simulated ZooKeeper ensembles (zk_server + zk_client): election, quorum
 * commit, failover, session expiry, minority partitions, recovery from
 * disk, and a seed sweep under random kills, power losses, pauses and
 * partitions with the agreement, single-leader and no-lost-write checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/unit/test_zk_ensemble_fixture.h"

static bool under_valgrind(void)
{
	return getenv("KSIM_UNDER_VALGRIND") != NULL;
}

static void assert_clean(struct fx *f)
{
	if (zk_check_violations(&f->chk))
		fail_msg("%llu violations, first: %s",
			 (unsigned long long)zk_check_violations(&f->chk),
			 zk_check_first_violation(&f->chk));
}

/* Every acknowledged write is on every running server. */
static void assert_no_lost_write(struct fx *f)
{
	for (int32_t i = 0; i < f->nservers; i++) {
		struct zk_server *s = fx_server(f, i);
		if (!s)
			continue;
		for (size_t k = 0; k < f->nacked; k++)
			if (!zk_server_exists(s, f->acked[k]))
				fail_msg("zk-%d lost acknowledged %s", i + 1, f->acked[k]);
	}
}

static void assert_same_digest(struct fx *f)
{
	uint64_t d = 0;
	bool have = false;
	for (int32_t i = 0; i < f->nservers; i++) {
		struct zk_server *s = fx_server(f, i);
		if (!s)
			continue;
		if (have)
			assert_true(zk_server_digest(s) == d);
		d = zk_server_digest(s);
		have = true;
	}
}

/* The checker itself, fed by hand: each invariant it guards must trip. */
static void test_check_catches_violations(void **state)
{
	struct zk_alloc ha = {fx_realloc, NULL};
	struct zk_check c;
	zk_check_init(&c, &ha);
	const struct zk_server_observer *o = zk_check_observer(&c);
	int64_t z1 = 0x100000001, z2 = 0x100000002, z3 = 0x100000003, y1 = 0x200000001;
	o->on_apply(o->ctx, 1, 0, z1, 11);
	o->on_apply(o->ctx, 1, z1, z2, 12);
	o->on_apply(o->ctx, 2, 0, z1, 11); /* a lagging server: a prefix, fine */
	o->on_reset(o->ctx, 3, z2);	   /* a SNAP at a committed zxid, fine */
	o->on_apply(o->ctx, 3, z2, z3, 13);
	o->on_established(o->ctx, 1, 1);
	o->on_established(o->ctx, 2, 2);
	assert_int_equal(zk_check_violations(&c), 0);
	assert_int_equal(zk_check_committed_count(&c), 3);
	o->on_apply(o->ctx, 2, z1, z2, 99); /* another txn for z2 */
	assert_int_equal(zk_check_violations(&c), 1);
	assert_non_null(strstr(zk_check_first_violation(&c), "two txns"));
	o->on_reset(o->ctx, 4, z1);
	o->on_apply(o->ctx, 4, z1, y1, 5); /* skips z2, z3: a fork */
	assert_int_equal(zk_check_violations(&c), 2);
	o->on_established(o->ctx, 3, 2); /* a second leader of epoch 2 */
	assert_int_equal(zk_check_violations(&c), 3);
	o->on_reset(o->ctx, 2, 0x300000007); /* a snapshot nobody committed */
	assert_int_equal(zk_check_violations(&c), 4);
	o->on_apply(o->ctx, 1, z3, 0x200000009, 1); /* not from its position */
	assert_int_equal(zk_check_violations(&c), 5);
	zk_check_free(&c);
}

static void test_elect_and_commit(void **state)
{
	for (int32_t n = 3; n <= 5; n += 2) {
		struct fx *f = fx_new(7, n, 2);
		fx_start_all(f);
		assert_true(fx_converge(f, 10 * SIM_NS_PER_S));
		/* Election prefers the most up-to-date server, then the highest id. */
		assert_int_equal(fx_leader(f), n - 1);
		assert_int_equal(fx_serving_count(f), n);
		sim_run_for(f->w, 2 * SIM_NS_PER_S);
		assert_true(fx_converge(f, 5 * SIM_NS_PER_S));
		assert_true(f->nacked > 20);
		assert_no_lost_write(f);
		assert_same_digest(f);
		assert_clean(f);
		fx_free(f);
	}
}

static void test_leader_failover(void **state)
{
	struct fx *f = fx_new(11, 3, 2);
	fx_start_all(f);
	assert_true(fx_converge(f, 10 * SIM_NS_PER_S));
	sim_run_for(f->w, SIM_NS_PER_S);
	int32_t old = fx_leader(f);
	size_t before = f->nacked;
	sim_node_kill(f->w, f->sid[old]);
	int64_t t0 = sim_now(f->w);
	while (fx_leader(f) < 0 && sim_now(f->w) - t0 < 10 * SIM_NS_PER_S)
		sim_run_for(f->w, 10 * SIM_NS_PER_MS);
	int64_t took = sim_now(f->w) - t0;
	assert_true(fx_leader(f) >= 0);
	assert_true(fx_leader(f) != old);
	/* Followers notice within syncLimit ticks, then elect in well under a
	 * second of simulated time. */
	assert_true(took < 5 * FX_TICK_MS * SIM_NS_PER_MS + 2 * SIM_NS_PER_S);
	sim_run_for(f->w, 2 * SIM_NS_PER_S);
	assert_true(f->nacked > before + 10);
	sim_node_start(f->w, f->sid[old]);
	assert_true(fx_converge(f, 10 * SIM_NS_PER_S));
	assert_no_lost_write(f);
	assert_same_digest(f);
	assert_clean(f);
	fx_free(f);
}

static void test_ephemeral_expires_with_dead_client(void **state)
{
	struct fx *f = fx_new(5, 3, 1);
	fx_start_all(f);
	assert_true(fx_converge(f, 10 * SIM_NS_PER_S));
	sim_run_for(f->w, SIM_NS_PER_S);
	int64_t sess = f->sessions[0][f->nsess[0] - 1];
	for (int32_t i = 0; i < 3; i++)
		assert_int_equal(zk_server_ephemeral_count(fx_server(f, i), sess), 1);
	sim_node_kill(f->w, f->cid[0]);
	/* Still there well within the timeout (1 s negotiated)... */
	sim_run_for(f->w, 300 * SIM_NS_PER_MS);
	assert_int_equal(zk_server_ephemeral_count(fx_server(f, 0), sess), 1);
	/* ...and gone from every server after it. */
	sim_run_for(f->w, 2 * SIM_NS_PER_S);
	for (int32_t i = 0; i < 3; i++) {
		assert_int_equal(zk_server_ephemeral_count(fx_server(f, i), sess), 0);
		assert_false(zk_server_has_session(fx_server(f, i), sess));
		assert_int_equal(zk_server_orphan_ephemerals(fx_server(f, i)), 0);
	}
	assert_clean(f);
	fx_free(f);
}

static void test_minority_serves_no_writes(void **state)
{
	struct fx *f = fx_new(3, 3, 2);
	fx_start_all(f);
	assert_true(fx_converge(f, 10 * SIM_NS_PER_S));
	int32_t leader = fx_leader(f);
	/* Cut the leader off: it is the minority now. */
	sim_net_isolate(sim_world_net(f->w), f->sid[leader]);
	sim_run_for(f->w, 3 * SIM_NS_PER_S);
	struct zk_server *old = fx_server(f, leader);
	assert_false(zk_server_serving(old));
	assert_int_equal(zk_server_client_count(old), 0);
	int64_t frozen = zk_server_committed_zxid(old);
	size_t before = f->nacked;
	sim_run_for(f->w, 3 * SIM_NS_PER_S);
	assert_true(zk_server_committed_zxid(old) == frozen);
	assert_false(zk_server_serving(old));
	assert_true(f->nacked > before);
	assert_true(fx_leader(f) >= 0 && fx_leader(f) != leader);
	sim_net_heal(sim_world_net(f->w));
	assert_true(fx_converge(f, 10 * SIM_NS_PER_S));
	assert_no_lost_write(f);
	assert_same_digest(f);
	assert_clean(f);
	fx_free(f);
}

static void test_power_loss_all_recovers(void **state)
{
	struct fx *f = fx_new(13, 3, 2);
	fx_start_all(f);
	assert_true(fx_converge(f, 10 * SIM_NS_PER_S));
	sim_run_for(f->w, 3 * SIM_NS_PER_S); /* past snapCount: snapshots too */
	for (int32_t i = 0; i < 3; i++)
		sim_node_power_loss(f->w, f->sid[i]);
	sim_run_for(f->w, SIM_NS_PER_S);
	for (int32_t i = 0; i < 3; i++)
		sim_node_start(f->w, f->sid[i]);
	assert_true(fx_converge(f, 10 * SIM_NS_PER_S));
	assert_true(f->nacked > 50);
	assert_no_lost_write(f);
	assert_same_digest(f);
	assert_clean(f);
	fx_free(f);
}

/* Five servers split 2 | 3 with the leader on the small side: neither
 * minority server serves or commits, the majority elects and goes on. */
static void test_minority_of_five(void **state)
{
	struct fx *f = fx_new(9, 5, 2);
	fx_start_all(f);
	assert_true(fx_converge(f, 10 * SIM_NS_PER_S));
	int32_t leader = fx_leader(f);
	int32_t other = (leader + 1) % 5;
	uint32_t group[FX_MAX_SERVERS + FX_MAX_CLIENTS + 2] = {0};
	uint32_t count = sim_node_count(f->w);
	for (uint32_t id = 1; id <= count; id++)
		group[id] = 1;
	group[f->sid[leader]] = 2;
	group[f->sid[other]] = 2;
	sim_net_partition(sim_world_net(f->w), group, count);
	sim_run_for(f->w, 3 * SIM_NS_PER_S);
	int64_t frozen[2] = {zk_server_committed_zxid(fx_server(f, leader)),
			     zk_server_committed_zxid(fx_server(f, other))};
	size_t before = f->nacked;
	sim_run_for(f->w, 3 * SIM_NS_PER_S);
	assert_false(zk_server_serving(fx_server(f, leader)));
	assert_false(zk_server_serving(fx_server(f, other)));
	assert_true(zk_server_committed_zxid(fx_server(f, leader)) == frozen[0]);
	assert_true(zk_server_committed_zxid(fx_server(f, other)) == frozen[1]);
	assert_true(f->nacked > before);
	assert_int_equal(fx_serving_count(f), 3);
	sim_net_heal(sim_world_net(f->w));
	assert_true(fx_converge(f, 10 * SIM_NS_PER_S));
	assert_no_lost_write(f);
	assert_same_digest(f);
	assert_clean(f);
	fx_free(f);
}

/* A follower's log corrupted on disk: recovery stops at the first bad
 * record (never replaying it), truncates there, and the server catches up
 * from the leader. A corrupted txn replayed would show up in the agreement
 * checker as a second txn for one zxid. */
static void test_corrupt_log_is_truncated(void **state)
{
	for (uint64_t seed = 30; seed < 36; seed++) {
		struct fx *f = fx_new(seed, 3, 2);
		fx_start_all(f);
		assert_true(fx_converge(f, 10 * SIM_NS_PER_S));
		sim_run_for(f->w, 2 * SIM_NS_PER_S);
		int32_t victim = (fx_leader(f) + 1) % 3;
		uint32_t id = f->sid[victim];
		sim_node_power_loss(f->w, id);
		int64_t before = sim_disk_size(sim_node_disk(f->w, id), "/zk/log", true);
		assert_true(before > 0);
		assert_true(sim_disk_corrupt(sim_node_disk(f->w, id), "/zk/log", 4) > 0);
		sim_run_for(f->w, SIM_NS_PER_S);
		sim_node_start(f->w, id);
		sim_run_for(f->w, 10 * SIM_NS_PER_MS);
		/* Every byte belongs to some record: the file was cut before it. */
		assert_true(sim_disk_size(sim_node_disk(f->w, id), "/zk/log", false) < before);
		assert_true(fx_converge(f, 10 * SIM_NS_PER_S));
		assert_no_lost_write(f);
		assert_same_digest(f);
		assert_clean(f);
		fx_free(f);
	}
}

/* A corrupted snapshot is refused (its CRC fails); a log that was never
 * reset holds every txn, so the server rebuilds from it and rejoins. */
static void test_corrupt_snapshot_rebuilds_from_log(void **state)
{
	struct fx *f = fx_new(37, 3, 2);
	fx_start_all(f);
	assert_true(fx_converge(f, 10 * SIM_NS_PER_S));
	sim_run_for(f->w, 3 * SIM_NS_PER_S); /* past snapCount (50) */
	int32_t victim = (fx_leader(f) + 1) % 3;
	uint32_t id = f->sid[victim];
	sim_node_power_loss(f->w, id);
	assert_true(sim_disk_size(sim_node_disk(f->w, id), "/zk/snap", true) > 0);
	assert_true(sim_disk_corrupt(sim_node_disk(f->w, id), "/zk/snap", 2) > 0);
	sim_node_start(f->w, id);
	assert_true(fx_converge(f, 10 * SIM_NS_PER_S));
	assert_no_lost_write(f);
	assert_same_digest(f);
	assert_clean(f);
	fx_free(f);
}

/* fsync fails on the leader's disk: it leaves the ensemble rather than ack
 * what is not durable; the others elect a leader and carry on; restarted
 * on a healthy disk it catches up. */
static void test_fsync_error_on_leader(void **state)
{
	struct fx *f = fx_new(17, 3, 2);
	fx_start_all(f);
	assert_true(fx_converge(f, 10 * SIM_NS_PER_S));
	sim_run_for(f->w, SIM_NS_PER_S);
	int32_t old = fx_leader(f);
	struct sim_disk *d = sim_node_disk(f->w, f->sid[old]);
	sim_disk_set_fault(d, SIM_DISK_FSYNC_ERROR, true);
	sim_run_for(f->w, 3 * SIM_NS_PER_S);
	assert_true(fx_leader(f) >= 0 && fx_leader(f) != old);
	assert_false(zk_server_serving(fx_server(f, old)));
	size_t before = f->nacked;
	sim_run_for(f->w, 2 * SIM_NS_PER_S);
	assert_true(f->nacked > before + 20);
	sim_disk_set_fault(d, SIM_DISK_FSYNC_ERROR, false);
	sim_node_restart(f->w, f->sid[old]);
	assert_true(fx_converge(f, 10 * SIM_NS_PER_S));
	assert_no_lost_write(f);
	assert_same_digest(f);
	assert_clean(f);
	fx_free(f);
}

/* ---- Seed sweep under random faults ----------------------------------------
 * Servers are killed, powered off, paused, isolated, partitioned and given
 * failing disks; clients are killed and paused; every so often everything
 * is undone. */

struct chaos {
	struct fx *f;
	struct sim_rng *rng;
	int64_t end_ns;
};

static void chaos_undo(struct sim_world *w, void *arg)
{
	struct fx *f = arg;
	sim_net_heal(sim_world_net(w));
	/* A server whose disk failed left the ensemble: clear the fault and
	 * restart it, as an operator would. */
	for (int32_t i = 0; i < f->nservers; i++) {
		struct sim_disk *d = sim_node_disk(w, f->sid[i]);
		if (sim_disk_fault(d, SIM_DISK_FSYNC_ERROR) ||
		    sim_disk_fault(d, SIM_DISK_WRITE_ERROR)) {
			sim_disk_set_fault(d, SIM_DISK_FSYNC_ERROR, false);
			sim_disk_set_fault(d, SIM_DISK_WRITE_ERROR, false);
			sim_node_restart(w, f->sid[i]);
		}
	}
	for (int32_t i = 0; i < f->nservers; i++) {
		enum sim_node_status st = sim_node_status(w, f->sid[i]);
		if (st == SIM_NODE_PAUSED)
			sim_node_resume(w, f->sid[i]);
		else if (st != SIM_NODE_UP)
			sim_node_start(w, f->sid[i]);
	}
	for (int32_t k = 0; k < f->nclients; k++) {
		enum sim_node_status st = sim_node_status(w, f->cid[k]);
		if (st == SIM_NODE_PAUSED)
			sim_node_resume(w, f->cid[k]);
		else if (st != SIM_NODE_UP)
			sim_node_start(w, f->cid[k]);
	}
}

static void chaos_fire(struct sim_world *w, void *arg)
{
	struct chaos *c = arg;
	struct fx *f = c->f;
	uint32_t node = f->sid[sim_rng_below(c->rng, (uint64_t)f->nservers)];
	uint32_t client = f->cid[sim_rng_below(c->rng, (uint64_t)f->nclients)];
	switch (sim_rng_below(c->rng, 9)) {
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
		uint32_t group[FX_MAX_SERVERS + FX_MAX_CLIENTS + 1] = {0};
		uint32_t count = sim_node_count(w);
		for (uint32_t id = 1; id <= count; id++)
			group[id] = (uint32_t)sim_rng_below(c->rng, 2);
		sim_net_partition(sim_world_net(w), group, count);
		break;
	}
	case 5:
		/* A dead client: its session must expire, its ephemeral go. */
		sim_node_kill(w, client);
		break;
	case 6:
		sim_node_pause(w, client);
		break;
	case 7:
		sim_disk_set_fault(sim_node_disk(w, node), sim_rng_below(c->rng, 2)
				   ? SIM_DISK_FSYNC_ERROR : SIM_DISK_WRITE_ERROR, true);
		break;
	default:
		chaos_undo(w, f);
		break;
	}
	int64_t next = sim_rng_range(c->rng, 300 * SIM_NS_PER_MS, 1500 * SIM_NS_PER_MS);
	if (sim_now(w) + next < c->end_ns)
		sim_world_at(w, next, chaos_fire, c);
}

static uint64_t run_seed(uint64_t seed, int32_t nservers, int64_t chaos_ns)
{
	struct fx *f = fx_new(seed, nservers, 2);
	struct chaos c = {f, sim_world_rng(f->w), 0};
	fx_start_all(f);
	sim_run_for(f->w, 2 * SIM_NS_PER_S);
	c.end_ns = sim_now(f->w) + chaos_ns;
	sim_world_at(f->w, 0, chaos_fire, &c);
	sim_run_until(f->w, c.end_ns);
	chaos_undo(f->w, f);
	if (!fx_converge(f, 30 * SIM_NS_PER_S))
		fail_msg("seed %llu (%d servers): no convergence after healing",
			 (unsigned long long)seed, nservers);
	/* Sessions of killed or long-paused clients expire (1 s timeout); their
	 * ephemerals must be gone everywhere once the leader's expiry ran. */
	f->writes = false;
	sim_run_for(f->w, 6 * SIM_NS_PER_S);
	assert_true(fx_converge(f, 10 * SIM_NS_PER_S));
	if (zk_check_violations(&f->chk))
		fail_msg("seed %llu: %s", (unsigned long long)seed,
			 zk_check_first_violation(&f->chk));
	assert_no_lost_write(f);
	assert_same_digest(f);
	for (int32_t i = 0; i < f->nservers; i++)
		assert_int_equal(zk_server_orphan_ephemerals(fx_server(f, i)), 0);
	size_t epochs = zk_check_epoch_count(&f->chk);
	if (getenv("KSIM_ZK_SWEEP_VERBOSE"))
		printf("seed %llu: %zu acked, %zu committed, %zu epochs\n",
		       (unsigned long long)seed, f->nacked, zk_check_committed_count(&f->chk),
		       epochs);
	uint64_t hash = sim_trace_hash(f->w);
	fx_free(f);
	return hash;
}

/* The whole ensemble is deterministic: same seed, same run. */
static void test_same_seed_same_run(void **state)
{
	uint64_t a = run_seed(77, 3, 4 * SIM_NS_PER_S);
	uint64_t b = run_seed(77, 3, 4 * SIM_NS_PER_S);
	uint64_t c = run_seed(78, 3, 4 * SIM_NS_PER_S);
	assert_true(a == b);
	assert_true(a != c);
}

static void test_seed_sweep(void **state)
{
	int seeds = under_valgrind() ? 6 : 200;
	int first = 1;
	/* KSIM_ZK_SEEDS=first:count runs a longer sweep by hand. */
	const char *env = getenv("KSIM_ZK_SEEDS");
	if (env && sscanf(env, "%d:%d", &first, &seeds) != 2)
		seeds = 200;
	for (int s = first; s < first + seeds; s++)
		run_seed((uint64_t)s, s % 2 ? 3 : 5, 8 * SIM_NS_PER_S);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_catches_violations),
		cmocka_unit_test(test_elect_and_commit),
		cmocka_unit_test(test_leader_failover),
		cmocka_unit_test(test_ephemeral_expires_with_dead_client),
		cmocka_unit_test(test_minority_serves_no_writes),
		cmocka_unit_test(test_minority_of_five),
		cmocka_unit_test(test_power_loss_all_recovers),
		cmocka_unit_test(test_corrupt_log_is_truncated),
		cmocka_unit_test(test_corrupt_snapshot_rebuilds_from_log),
		cmocka_unit_test(test_fsync_error_on_leader),
		cmocka_unit_test(test_same_seed_same_run),
		cmocka_unit_test(test_seed_sweep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
