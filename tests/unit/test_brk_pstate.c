/*
 * The partition state machine (broker/kafka/brk_pstate.c) driven through
 * its API with the log end offset and the time given by hand: Kafka 3.x's
 * rules for the high watermark and the ISR, and every invariant firing when
 * broken (a test handler catches the report instead of exiting).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "broker/kafka/brk_pstate.h"
#include "sim/invariant.h"
#include "sim/util.h"
#include "sim/world.h"

#define S SIM_NS_PER_S
#define LAG (10 * S) /* replica.lag.time.max.ms */

static const int32_t all3[] = {1, 2, 3};

struct caught {
	int n;
	char invariant[160];
	char report[2048];
};

static void catch_it(void *arg, const char *invariant, const char *report)
{
	struct caught *c = arg;
	c->n++;
	snprintf(c->invariant, sizeof c->invariant, "%s", invariant);
	snprintf(c->report, sizeof c->report, "%s", report);
}

struct fx {
	struct sim_world *w;
	struct env *env;
	struct brk_pstate ps;
	struct caught caught;
};

static void *node_start(struct env *env, const void *config)
{
	struct env **slot = env_calloc(env, 1, sizeof *slot);
	*slot = env;
	return slot;
}

static const struct sim_node_class node_class = {"broker", node_start};

static int setup(void **state)
{
	struct fx *fx = test_calloc(1, sizeof *fx);
	struct sim_world_config wc;
	sim_world_config_default(&wc, 1);
	fx->w = sim_world_new(&wc);
	uint32_t id = sim_node_add(fx->w, "broker-1", &node_class, NULL);
	assert_true(sim_node_start(fx->w, id));
	fx->env = *(struct env **)sim_node_state(fx->w, id);
	brk_pstate_init(&fx->ps, fx->env, 1, "orders", 0, LAG);
	sim_invariant_set_run("unit", 42);
	sim_invariant_set_file("scenarios/unit.yaml");
	sim_invariant_set_handler(catch_it, &fx->caught);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	sim_invariant_set_handler(NULL, NULL);
	sim_invariant_clear();
	brk_pstate_free(&fx->ps);
	sim_world_free(fx->w);
	test_free(fx);
	return 0;
}

static struct brk_pstate_update upd(int32_t leader, int32_t epoch, int32_t pe, const int32_t *isr,
                                    int32_t n_isr)
{
	return (struct brk_pstate_update){leader, epoch, pe, all3, 3, isr, n_isr};
}

/* Broker 1 leads at `epoch` with `isr`, its log open at [hw, leo). */
static void lead(struct fx *fx, int32_t epoch, const int32_t *isr, int32_t n_isr, int64_t hw,
                 int64_t leo, int64_t now)
{
	struct brk_pstate_update u = upd(1, epoch, epoch, isr, n_isr);
	if (!fx->ps.open)
		brk_pstate_opened(&fx->ps, hw, leo, now);
	brk_pstate_become_leader(&fx->ps, &u, leo, now);
}

static void no_violation(struct fx *fx)
{
	if (fx->caught.n)
		fail_msg("unexpected: %s", fx->caught.report);
}

/* ---- Kafka's rules ------------------------------------------------------------- */

static void test_hw_is_the_smallest_log_end_in_the_isr(void **state)
{
	struct fx *fx = *state;
	lead(fx, 1, all3, 3, 0, 0, 0);
	assert_int_equal(fx->ps.epoch_start, 0);
	brk_pstate_appended(&fx->ps, 10, 1 * S);
	assert_int_equal(fx->ps.hw, 0); /* the followers' ends are unknown */
	brk_pstate_follower_fetched(&fx->ps, 2, 10, 10, 1 * S);
	assert_int_equal(fx->ps.hw, 0);
	unsigned fx1 = brk_pstate_follower_fetched(&fx->ps, 3, 5, 10, 1 * S);
	assert_true(fx1 & BRK_PS_HW_MOVED);
	assert_int_equal(fx->ps.hw, 5);
	brk_pstate_follower_fetched(&fx->ps, 3, 10, 10, 1 * S);
	assert_int_equal(fx->ps.hw, 10);
	no_violation(fx);
}

/* Replica.isCaughtUp: a follower whose log end equals the leader's is in
 * sync however long ago it last fetched. */
static void test_follower_at_the_leaders_end_is_not_out_of_sync(void **state)
{
	struct fx *fx = *state;
	lead(fx, 1, all3, 3, 0, 0, 0);
	brk_pstate_follower_fetched(&fx->ps, 2, 0, 0, 0);
	brk_pstate_follower_fetched(&fx->ps, 3, 0, 0, 0);
	assert_int_equal(brk_pstate_tick(&fx->ps, 0, 60 * S), 0);
	assert_int_equal(fx->ps.n_pending_isr, 0);
	/* Once the leader's log grows, both lag and leave. */
	brk_pstate_appended(&fx->ps, 5, 61 * S);
	assert_int_equal(brk_pstate_tick(&fx->ps, 5, 61 * S), BRK_PS_PROPOSE);
	assert_int_equal(fx->ps.n_pending_isr, 1);
	assert_int_equal(fx->ps.pending_isr[0], 1);
	/* While the shrink is pending both still count (maximal ISR). */
	assert_int_equal(brk_pstate_maximal_isr_size(&fx->ps), 3);
	assert_int_equal(brk_pstate_isr_size(&fx->ps), 3);
	brk_pstate_isr_changed(&fx->ps, fx->ps.pending_isr, 1, 2, 5, 62 * S);
	assert_int_equal(brk_pstate_isr_size(&fx->ps), 1);
	assert_int_equal(fx->ps.hw, 5);
	no_violation(fx);
}

/* Partition.maybeIncrementLeaderHW: a replica outside the ISR that caught
 * up within replica.lag.time.max.ms holds the high watermark back. */
static void test_hw_waits_for_a_caught_up_replica_outside_the_isr(void **state)
{
	struct fx *fx = *state;
	const int32_t isr12[] = {1, 2};
	lead(fx, 1, isr12, 2, 0, 10, 0);
	brk_pstate_follower_fetched(&fx->ps, 2, 10, 10, 1 * S);
	assert_int_equal(fx->ps.hw, 10);
	/* Replica 3 reaches the end: the leader proposes it, the controller refuses. */
	assert_true(brk_pstate_follower_fetched(&fx->ps, 3, 10, 10, 1 * S) & BRK_PS_PROPOSE);
	assert_int_equal(brk_pstate_maximal_isr_size(&fx->ps), 3);
	assert_int_equal(brk_pstate_isr_size(&fx->ps), 2);
	brk_pstate_isr_dropped(&fx->ps);
	assert_int_equal(brk_pstate_maximal_isr_size(&fx->ps), 2);
	brk_pstate_appended(&fx->ps, 20, 2 * S);
	brk_pstate_follower_fetched(&fx->ps, 2, 20, 20, 2 * S);
	assert_int_equal(fx->ps.hw, 10); /* waits for replica 3 */
	/* Past the lag, replica 3 no longer counts. */
	brk_pstate_follower_fetched(&fx->ps, 2, 20, 20, 12 * S);
	assert_int_equal(fx->ps.hw, 20);
	no_violation(fx);
}

/* Replica.resetReplicaState: re-elected (a new epoch, the same leader), the
 * leader keeps its followers' log ends but not their caught-up times. */
static void test_reelected_leader_resets_follower_state(void **state)
{
	struct fx *fx = *state;
	lead(fx, 1, all3, 3, 0, 10, 0);
	brk_pstate_follower_fetched(&fx->ps, 2, 10, 10, 1 * S);
	brk_pstate_follower_fetched(&fx->ps, 3, 10, 10, 1 * S);
	assert_int_equal(fx->ps.hw, 10);
	/* The controller removes replica 3 (a new leader epoch). */
	const int32_t isr12[] = {1, 2};
	lead(fx, 2, isr12, 2, 0, 10, 2 * S);
	assert_int_equal(fx->ps.epoch_start, 10);
	assert_int_equal(fx->ps.fol[0].leo, 10);                  /* kept */
	assert_int_equal(fx->ps.fol[0].last_caught_up_ns, 2 * S); /* in the ISR: now */
	assert_int_equal(fx->ps.fol[1].last_caught_up_ns, -1);    /* outside: never */
	brk_pstate_appended(&fx->ps, 20, 3 * S);
	brk_pstate_follower_fetched(&fx->ps, 2, 20, 20, 3 * S);
	assert_int_equal(fx->ps.hw, 20); /* replica 3 does not hold it back */
	no_violation(fx);
}

/* Re-elected without replica 3, then replica 3 fetches from the old end
 * while the leader has moved on; the controller refuses to add it back, and
 * replica 2 reaches the new end. */
static void reelect_then_fetch(struct fx *fx)
{
	lead(fx, 1, all3, 3, 0, 10, 0);
	brk_pstate_follower_fetched(&fx->ps, 2, 10, 10, 1 * S);
	brk_pstate_follower_fetched(&fx->ps, 3, 10, 10, 1 * S);
	const int32_t isr12[] = {1, 2};
	lead(fx, 2, isr12, 2, 0, 10, 2 * S);
	brk_pstate_appended(&fx->ps, 20, 3 * S);
	assert_true(brk_pstate_follower_fetched(&fx->ps, 3, 10, 20, 3 * S) & BRK_PS_PROPOSE);
	brk_pstate_isr_dropped(&fx->ps);
	brk_pstate_follower_fetched(&fx->ps, 2, 20, 20, 3 * S);
}

/* Kafka 3.3+ (KAFKA-13790): a replica outside the ISR has not fetched
 * since the re-election, so its next fetch from the old end does not make
 * it caught up and the high watermark does not wait for it. */
static void test_reelected_leader_forgets_fetches_outside_the_isr(void **state)
{
	struct fx *fx = *state;
	reelect_then_fetch(fx);
	assert_int_equal(fx->ps.fol[1].last_caught_up_ns, -1);
	assert_int_equal(fx->ps.hw, 20);
	no_violation(fx);
}

/* Before 3.3 (Replica.resetLastCaughtUpTime): every follower fetched at the
 * re-election, so replica 3 counts as caught up as of then and holds the
 * high watermark at its end. kafka_version "3.0" and older. */
static void test_legacy_reelected_leader_counts_every_follower_as_fetched(void **state)
{
	struct fx *fx = *state;
	fx->ps.legacy_reelect_fetch = true;
	reelect_then_fetch(fx);
	assert_int_equal(fx->ps.fol[1].last_caught_up_ns, 2 * S);
	assert_int_equal(fx->ps.hw, 10);
	no_violation(fx);
}

/* Replica 3 caught up and the leader proposes adding it: since 2.7
 * (KAFKA-8836, the maximal ISR) NOT_ENOUGH_REPLICAS_AFTER_APPEND counts it
 * at once; before, only once the ISR holds it. */
static void expansion_pending(struct fx *fx)
{
	const int32_t isr12[] = {1, 2};
	lead(fx, 1, isr12, 2, 0, 10, 0);
	brk_pstate_follower_fetched(&fx->ps, 2, 10, 10, 1 * S);
	assert_true(brk_pstate_follower_fetched(&fx->ps, 3, 10, 10, 1 * S) & BRK_PS_PROPOSE);
	assert_int_equal(brk_pstate_isr_size(&fx->ps), 2);
}

static void test_acks_count_the_maximal_isr(void **state)
{
	struct fx *fx = *state;
	expansion_pending(fx);
	assert_int_equal(brk_pstate_acks_isr_size(&fx->ps), 3);
	brk_pstate_isr_changed(&fx->ps, all3, 3, 2, 10, 2 * S);
	assert_int_equal(brk_pstate_acks_isr_size(&fx->ps), 3);
	no_violation(fx);
}

static void test_legacy_acks_count_the_isr(void **state)
{
	struct fx *fx = *state;
	fx->ps.legacy_acks_isr = true;
	expansion_pending(fx);
	assert_int_equal(brk_pstate_acks_isr_size(&fx->ps), 2);
	brk_pstate_isr_changed(&fx->ps, all3, 3, 2, 10, 2 * S);
	assert_int_equal(brk_pstate_acks_isr_size(&fx->ps), 3);
	no_violation(fx);
}

/* ReplicaManager: a LeaderAndIsr at the current leader epoch is ignored. */
static void test_same_leader_epoch_is_ignored(void **state)
{
	struct fx *fx = *state;
	assert_int_equal(brk_pstate_judge(&fx->ps, 0), BRK_PS_APPLY);
	lead(fx, 3, all3, 3, 0, 0, 0);
	assert_int_equal(brk_pstate_judge(&fx->ps, 3), BRK_PS_SAME_EPOCH);
	assert_int_equal(brk_pstate_judge(&fx->ps, 2), BRK_PS_STALE);
	assert_int_equal(brk_pstate_judge(&fx->ps, 4), BRK_PS_APPLY);
	no_violation(fx);
}

/* KIP-207: the latest offset is unknown while the HW lags the epoch start. */
static void test_new_leader_latest_offset_waits_for_its_epoch_start(void **state)
{
	struct fx *fx = *state;
	brk_pstate_opened(&fx->ps, 5, 10, 0);
	assert_true(brk_pstate_latest_known(&fx->ps)); /* not leading */
	lead(fx, 1, all3, 3, 5, 10, 0);
	assert_int_equal(fx->ps.epoch_start, 10);
	assert_false(brk_pstate_latest_known(&fx->ps));
	brk_pstate_follower_fetched(&fx->ps, 2, 10, 10, 1 * S);
	brk_pstate_follower_fetched(&fx->ps, 3, 10, 10, 1 * S);
	assert_int_equal(fx->ps.hw, 10);
	assert_true(brk_pstate_latest_known(&fx->ps));
	no_violation(fx);
}

static void test_follower_hw_is_bounded_by_its_log_end(void **state)
{
	struct fx *fx = *state;
	brk_pstate_opened(&fx->ps, 0, 0, 0);
	struct brk_pstate_update u = upd(2, 1, 1, all3, 3);
	assert_true(brk_pstate_become_follower(&fx->ps, &u));
	assert_false(brk_pstate_become_follower(&fx->ps, &u)); /* nothing new */
	brk_pstate_follower_hw(&fx->ps, 50, 30);
	assert_int_equal(fx->ps.hw, 30);
	assert_int_equal(fx->ps.fetch_hw, 50);
	brk_pstate_truncated(&fx->ps, 20);
	assert_int_equal(fx->ps.hw, 20);
	no_violation(fx);
}

/* ---- Each invariant fires ------------------------------------------------------------ */

static void expect_broken(struct fx *fx, const char *invariant)
{
	assert_true(fx->caught.n >= 1);
	assert_string_equal(fx->caught.invariant, invariant);
	/* The report says where and how to reproduce it. */
	assert_non_null(strstr(fx->caught.report, "partition orders-0 on broker-1"));
	assert_non_null(strstr(fx->caught.report, "scenario unit, seed 42"));
	assert_non_null(strstr(fx->caught.report, "ksim run scenarios/unit.yaml --seed 42"));
}

static void test_invariant_hw_within_leo(void **state)
{
	struct fx *fx = *state;
	brk_pstate_opened(&fx->ps, 10, 5, 0);
	expect_broken(fx, "hw <= leo");
}

static void test_invariant_hw_never_moves_back_within_an_epoch(void **state)
{
	struct fx *fx = *state;
	lead(fx, 1, all3, 3, 0, 10, 0);
	brk_pstate_follower_fetched(&fx->ps, 2, 10, 10, 1 * S);
	brk_pstate_follower_fetched(&fx->ps, 3, 10, 10, 1 * S);
	assert_int_equal(fx->ps.hw, 10);
	no_violation(fx);
	brk_pstate_truncated(&fx->ps, 4); /* a leader's log cut under it */
	expect_broken(fx, "a leader's high watermark never moves back within its leader epoch");
}

static void test_invariant_isr_within_replicas(void **state)
{
	struct fx *fx = *state;
	const int32_t bad[] = {2, 4};
	struct brk_pstate_update u = upd(2, 1, 1, bad, 2);
	brk_pstate_become_follower(&fx->ps, &u);
	expect_broken(fx, "the ISR (current, proposed and maximal) is within the replicas");
}

static void test_invariant_leader_in_isr(void **state)
{
	struct fx *fx = *state;
	const int32_t isr23[] = {2, 3};
	lead(fx, 1, isr23, 2, 0, 0, 0);
	expect_broken(fx, "the leader is in the ISR");
}

static void test_invariant_maximal_isr_contains_isr(void **state)
{
	struct fx *fx = *state;
	lead(fx, 1, all3, 3, 0, 0, 0);
	no_violation(fx);
	/* A bug that changed the ISR without the maximal ISR: simulated. */
	fx->ps.n_maximal_isr = 1;
	brk_pstate_appended(&fx->ps, 1, 0);
	expect_broken(fx, "the maximal ISR contains the ISR");
}

static void test_invariant_leader_epoch_never_decreases(void **state)
{
	struct fx *fx = *state;
	struct brk_pstate_update u = upd(2, 5, 5, all3, 3);
	brk_pstate_become_follower(&fx->ps, &u);
	no_violation(fx);
	u.leader_epoch = 4;
	brk_pstate_become_follower(&fx->ps, &u);
	expect_broken(fx, "the leader epoch never decreases");
}

static void test_invariant_partition_epoch_never_decreases(void **state)
{
	struct fx *fx = *state;
	lead(fx, 1, all3, 3, 0, 0, 0);
	brk_pstate_isr_changed(&fx->ps, all3, 3, 7, 0, 0);
	no_violation(fx);
	brk_pstate_isr_changed(&fx->ps, all3, 3, 6, 0, 0);
	expect_broken(fx, "the partition epoch never decreases");
}

static void test_invariant_leader_does_not_fetch(void **state)
{
	struct fx *fx = *state;
	lead(fx, 1, all3, 3, 0, 0, 0);
	brk_pstate_set_fetch(&fx->ps, BRK_FS_FETCH, false);
	expect_broken(fx, "a leader does not fetch");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    T(test_hw_is_the_smallest_log_end_in_the_isr),
	    T(test_follower_at_the_leaders_end_is_not_out_of_sync),
	    T(test_hw_waits_for_a_caught_up_replica_outside_the_isr),
	    T(test_reelected_leader_resets_follower_state),
	    T(test_reelected_leader_forgets_fetches_outside_the_isr),
	    T(test_legacy_reelected_leader_counts_every_follower_as_fetched),
	    T(test_acks_count_the_maximal_isr),
	    T(test_legacy_acks_count_the_isr),
	    T(test_same_leader_epoch_is_ignored),
	    T(test_new_leader_latest_offset_waits_for_its_epoch_start),
	    T(test_follower_hw_is_bounded_by_its_log_end),
	    T(test_invariant_hw_within_leo),
	    T(test_invariant_hw_never_moves_back_within_an_epoch),
	    T(test_invariant_isr_within_replicas),
	    T(test_invariant_leader_in_isr),
	    T(test_invariant_maximal_isr_contains_isr),
	    T(test_invariant_leader_epoch_never_decreases),
	    T(test_invariant_partition_epoch_never_decreases),
	    T(test_invariant_leader_does_not_fetch),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
