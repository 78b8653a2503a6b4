/* Broker configuration under Kafka's key names: defaults, parsing, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "broker/kafka/brk_config.h"
#include "broker/kafka/brk_topics.h"

static void test_defaults_are_kafkas(void **state)
{
	struct brk_config c;
	brk_config_default(&c);
	assert_int_equal(c.port, 9092);
	assert_int_equal(c.min_insync_replicas, 1);
	assert_false(c.unclean_leader_election);
	assert_true(c.replica_lag_time_max_ms == 30000);
	assert_true(c.zk_session_timeout_ms == 18000);
	assert_true(c.flush_interval_messages == 9223372036854775807LL);
	assert_true(c.segment_bytes == 1073741824LL);
}

static void test_set_values(void **state)
{
	struct brk_config c;
	brk_config_default(&c);
	char err[128];
	assert_int_equal(brk_config_set(&c, "broker.id", "3", err, sizeof err), BRK_CONFIG_OK);
	assert_int_equal(brk_config_set(&c, "min.insync.replicas", "2", err, sizeof err), 0);
	assert_int_equal(brk_config_set(&c, "unclean.leader.election.enable", "true", err,
					sizeof err), 0);
	assert_int_equal(brk_config_set(&c, "log.flush.interval.messages", "1", err, sizeof err),
			 0);
	assert_int_equal(brk_config_set(&c, "listeners", "PLAINTEXT://:9093", err, sizeof err), 0);
	assert_int_equal(brk_config_set(&c, "zookeeper.connect", "zk-1:2182,zk-2:2182,zk-3:2182",
					err, sizeof err),
			 0);
	assert_int_equal(c.broker_id, 3);
	assert_int_equal(c.min_insync_replicas, 2);
	assert_true(c.unclean_leader_election);
	assert_true(c.flush_interval_messages == 1);
	assert_int_equal(c.port, 9093);
	assert_int_equal(c.n_zk_servers, 3);
	assert_string_equal(c.zk_servers[2], "zk-3");
	assert_int_equal(c.zk_port, 2182);
	/* A key ksim does not model is reported, for the caller to refuse. */
	assert_int_equal(brk_config_set(&c, "ssl.keystore.location", "/x", err, sizeof err),
			 BRK_CONFIG_IGNORED);
	assert_false(brk_config_known("ssl.keystore.location"));
	assert_true(brk_config_known("min.insync.replicas"));
}

static void test_bad_values(void **state)
{
	struct brk_config c;
	brk_config_default(&c);
	char err[128];
	assert_int_equal(brk_config_set(&c, "min.insync.replicas", "two", err, sizeof err),
			 BRK_CONFIG_EINVAL);
	assert_string_equal(err, "min.insync.replicas: must be an integer from 1 to 2147483647, got 'two'");
	assert_int_equal(brk_config_set(&c, "min.insync.replicas", "0", err, sizeof err),
			 BRK_CONFIG_EINVAL);
	assert_string_equal(err, "min.insync.replicas: must be from 1 to 2147483647, got 0");
	assert_int_equal(brk_config_set(&c, "unclean.leader.election.enable", "yes", err,
					sizeof err),
			 BRK_CONFIG_EINVAL);
	assert_string_equal(err, "unclean.leader.election.enable: must be true or false, got 'yes'");
	assert_int_equal(brk_config_set(&c, "zookeeper.connect", "", err, sizeof err),
			 BRK_CONFIG_EINVAL);
	assert_int_equal(brk_config_set(&c, "log.dirs", "data", err, sizeof err),
			 BRK_CONFIG_EINVAL);
	assert_int_equal(c.min_insync_replicas, 1); /* unchanged by failures */
}

/* Kafka's AdminUtilsTest.testReplicaAssignment: five brokers, ten
 * partitions, three replicas, start index and shift 0. */
static void test_replica_assignment_as_kafka(void **state)
{
	const int32_t brokers[] = {0, 1, 2, 3, 4};
	const int32_t want[10][3] = {{0, 1, 2}, {1, 2, 3}, {2, 3, 4}, {3, 4, 0}, {4, 0, 1},
				     {0, 2, 3}, {1, 3, 4}, {2, 4, 0}, {3, 0, 1}, {4, 1, 2}};
	for (int32_t p = 0; p < 10; p++) {
		int32_t got[3];
		brk_assign_replicas(brokers, 5, 0, 0, p, 3, got);
		assert_memory_equal(got, want[p], sizeof got);
	}
	/* One broker, one replica. */
	int32_t one;
	brk_assign_replicas(brokers, 1, 0, 0, 7, 1, &one);
	assert_int_equal(one, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_are_kafkas),
		cmocka_unit_test(test_set_values),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_replica_assignment_as_kafka),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
