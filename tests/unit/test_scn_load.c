/*
 * Unit tests for the scenario loader (harness/scn_*): the contract's full
 * example and a fixture using every action, partition form and target kind
 * load with every field as written; defaults apply; every error kind gives
 * its exact message at its exact line and column (one file each under
 * tests/scn_bad/); the normalized printout loads back to the same printout.
 * Run from the project root (make test does), where the fixtures are.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/scn.h"

#define SEC 1000000000ll
#define MS 1000000ll
#define US 1000ll

static struct scn_scenario *load_ok(const char *path)
{
	struct scn_scenario *s = NULL;
	struct scn_error err;
	int rc = scn_load_file(path, &s, &err);
	if (rc != SCN_OK)
		fail_msg("%s", err.text);
	assert_non_null(s);
	return s;
}

static struct scn_scenario *load_text_ok(const char *text)
{
	struct scn_scenario *s = NULL;
	struct scn_error err;
	int rc = scn_load_buffer("inline.yaml", text, strlen(text), &s, &err);
	if (rc != SCN_OK)
		fail_msg("%s", err.text);
	return s;
}

static void assert_kv(const struct scn_config *cfg, size_t i, const char *key, const char *value)
{
	assert_true(i < cfg->count);
	assert_string_equal(cfg->items[i].key, key);
	assert_string_equal(cfg->items[i].value, value);
}

static void check_contract_world(const struct scn_scenario *s)
{
	assert_int_equal(s->format, 1);
	assert_string_equal(s->name, "leader-kill-acks-all");
	assert_string_equal(s->description, "Why this scenario exists and what it teaches.\n");
	assert_int_equal(s->seed, 1);
	assert_int_equal(s->duration_ns, 60 * SEC);
	assert_int_equal(s->quiesce_ns, 30 * SEC);
	assert_int_equal(s->cluster.mode, SCN_MODE_ZOOKEEPER);
	assert_int_equal(s->cluster.zookeeper, 3);
	assert_int_equal(s->cluster.brokers, 3);
	assert_int_equal(s->cluster.broker.count, 5);
	assert_kv(&s->cluster.broker, 0, "min.insync.replicas", "2");
	assert_kv(&s->cluster.broker, 1, "unclean.leader.election.enable", "false");
	assert_kv(&s->cluster.broker, 2, "replica.lag.time.max.ms", "10000");
	assert_kv(&s->cluster.broker, 3, "zookeeper.session.timeout.ms", "6000");
	assert_kv(&s->cluster.broker, 4, "log.flush.interval.messages", "9223372036854775807");
	assert_int_equal(s->cluster.zookeeper_config.count, 1);
	assert_kv(&s->cluster.zookeeper_config, 0, "tickTime", "2000");
	assert_int_equal(s->net_latency.min_ns, 1 * MS);
	assert_int_equal(s->net_latency.max_ns, 3 * MS);
	assert_int_equal(s->disk_write_latency.min_ns, 0);
	assert_int_equal(s->disk_write_latency.max_ns, 0);
	assert_int_equal(s->disk_fsync_latency.min_ns, 2 * MS);
	assert_int_equal(s->disk_fsync_latency.max_ns, 10 * MS);
	assert_int_equal(s->topic_count, 1);
	assert_string_equal(s->topics[0].name, "orders");
	assert_int_equal(s->topics[0].partitions, 3);
	assert_int_equal(s->topics[0].replication_factor, 3);
	assert_int_equal(s->topics[0].config.count, 1);
	assert_kv(&s->topics[0].config, 0, "min.insync.replicas", "2");
}

static void check_contract_workload(const struct scn_scenario *s)
{
	assert_int_equal(s->producer_group_count, 1);
	const struct scn_producer_group *p = &s->producers[0];
	assert_int_equal(p->count, 2);
	assert_int_equal(p->first_index, 1);
	assert_string_equal(p->topic, "orders");
	assert_int_equal(p->rate.num, 200);
	assert_int_equal(p->rate.den, 1);
	assert_int_equal(p->keys, 16);
	assert_int_equal(p->config.count, 6);
	assert_kv(&p->config, 0, "acks", "all");
	assert_kv(&p->config, 1, "enable.idempotence", "true");
	assert_kv(&p->config, 2, "retries", "2147483647");
	assert_kv(&p->config, 3, "max.in.flight.requests.per.connection", "5");
	assert_kv(&p->config, 4, "delivery.timeout.ms", "30000");
	assert_kv(&p->config, 5, "linger.ms", "0");
	assert_int_equal(s->consumer_group_count, 1);
	const struct scn_consumer_group *g = &s->consumers[0];
	assert_int_equal(g->count, 1);
	assert_int_equal(g->first_index, 1);
	assert_string_equal(g->topic, "orders");
	assert_string_equal(g->group, "g1");
	assert_int_equal(g->commit, SCN_COMMIT_AFTER_PROCESS);
	assert_int_equal(g->config.count, 2);
	assert_kv(&g->config, 0, "isolation.level", "read_uncommitted");
	assert_kv(&g->config, 1, "auto.offset.reset", "earliest");
}

static void check_contract_faults(const struct scn_scenario *s)
{
	assert_int_equal(s->fault_count, 2);
	const struct scn_fault *f = &s->faults[0];
	assert_int_equal(f->at_ns, 10 * SEC);
	assert_int_equal(f->action, SCN_ACTION_KILL);
	assert_true(f->has_for);
	assert_int_equal(f->for_ns, 5 * SEC);
	assert_int_equal(f->targets.count, 1);
	assert_int_equal(f->targets.items[0].kind, SCN_TARGET_LEADER);
	assert_string_equal(f->targets.items[0].topic, "orders");
	assert_int_equal(f->targets.items[0].partition, 0);
	assert_int_equal(f->line, 47); /* "  - at: 10s": the mapping starts at "at" */
	assert_int_equal(f->column, 5);
	f = &s->faults[1];
	assert_int_equal(f->at_ns, 20 * SEC);
	assert_int_equal(f->action, SCN_ACTION_PARTITION);
	assert_int_equal(f->partition.kind, SCN_PARTITION_ISOLATE);
	assert_int_equal(f->targets.count, 1);
	assert_int_equal(f->targets.items[0].kind, SCN_TARGET_CONTROLLER);
	assert_true(f->has_for);
	assert_int_equal(f->for_ns, 10 * SEC);

	assert_true(s->nemesis.enabled);
	assert_int_equal(s->nemesis.kinds, (1u << SCN_ACTION_KILL) | (1u << SCN_ACTION_POWER_LOSS) |
	                                       (1u << SCN_ACTION_PAUSE) |
	                                       (1u << SCN_ACTION_PARTITION) |
	                                       (1u << SCN_ACTION_DISK) | (1u << SCN_ACTION_CLOCK));
	assert_int_equal(s->nemesis.interval.min_ns, 5 * SEC);
	assert_int_equal(s->nemesis.interval.max_ns, 15 * SEC);
	assert_int_equal(s->nemesis.targets, SCN_NEMESIS_BROKERS);

	for (int i = 0; i < SCN_CHK_COUNT; i++) {
		enum scn_expect want =
		    i <= SCN_CHK_INCONSISTENT_OFFSETS ? SCN_EXPECT_NONE : SCN_EXPECT_ANY;
		assert_int_equal(s->expect[i], want);
	}
	assert_true(s->expect_liveness);
}

/* The whole example of shared/scenario-format.md, copied verbatim. */
static void test_contract_example(void **state)
{
	struct scn_scenario *s = load_ok("tests/scn_good/contract_example.yaml");
	check_contract_world(s);
	check_contract_workload(s);
	check_contract_faults(s);
	scn_free(s);
}

static void test_defaults(void **state)
{
	struct scn_scenario *s =
	    load_text_ok("name: minimal\nduration: 1s\ncluster: {brokers: 1}\n");
	assert_int_equal(s->format, 1);
	assert_null(s->description);
	assert_int_equal(s->seed, 1);
	assert_int_equal(s->duration_ns, 1 * SEC);
	assert_int_equal(s->quiesce_ns, 30 * SEC);
	assert_int_equal(s->cluster.mode, SCN_MODE_ZOOKEEPER);
	assert_int_equal(s->cluster.zookeeper, 3);
	assert_int_equal(s->cluster.brokers, 1);
	assert_int_equal(s->cluster.broker.count, 0);
	assert_int_equal(s->cluster.zookeeper_config.count, 0);
	assert_int_equal(s->net_latency.min_ns, 1 * MS);
	assert_int_equal(s->net_latency.max_ns, 3 * MS);
	assert_int_equal(s->disk_write_latency.max_ns, 0);
	assert_int_equal(s->disk_fsync_latency.max_ns, 0);
	assert_int_equal(s->topic_count, 0);
	assert_int_equal(s->producer_group_count, 0);
	assert_int_equal(s->consumer_group_count, 0);
	assert_int_equal(s->fault_count, 0);
	assert_false(s->nemesis.enabled);
	for (int i = 0; i < SCN_CHK_COUNT; i++)
		assert_int_equal(s->expect[i], SCN_EXPECT_ANY);
	assert_false(s->expect_liveness);
	scn_free(s);

	/* Defaults inside sections: count 1, commit after-process, no group,
	 * round robin, nemesis on brokers. */
	s = load_text_ok("name: d\nduration: 1s\ncluster: {brokers: 1}\n"
	                 "topics: [{name: t, partitions: 1, replication_factor: 1}]\n"
	                 "workload:\n  producers: [{topic: t, rate: 1/s}]\n"
	                 "  consumers: [{topic: t}]\n"
	                 "nemesis: {kinds: [pause], interval: 1s}\n");
	assert_int_equal(s->producers[0].count, 1);
	assert_int_equal(s->producers[0].keys, 0);
	assert_int_equal(s->consumers[0].count, 1);
	assert_null(s->consumers[0].group);
	assert_int_equal(s->consumers[0].commit, SCN_COMMIT_AFTER_PROCESS);
	assert_int_equal(s->nemesis.targets, SCN_NEMESIS_BROKERS);
	assert_int_equal(s->nemesis.interval.min_ns, SEC);
	assert_int_equal(s->nemesis.interval.max_ns, SEC);
	scn_free(s);
}

static void assert_target(const struct scn_target *t, enum scn_target_kind kind, int32_t index)
{
	assert_int_equal(t->kind, kind);
	if (kind <= SCN_TARGET_CONSUMER)
		assert_int_equal(t->index, index);
}

static void check_features_world(const struct scn_scenario *s)
{
	assert_string_equal(s->description, "line one\nline \"two\"");
	assert_int_equal(s->seed, UINT64_MAX);
	assert_int_equal(s->duration_ns, 120 * SEC);
	assert_int_equal(s->quiesce_ns, 1500 * MS);
	assert_int_equal(s->cluster.zookeeper, 5);
	assert_int_equal(s->cluster.brokers, 4);
	/* Kafka reads booleans case-insensitively; they are kept lowercase. */
	assert_kv(&s->cluster.broker, 0, "unclean.leader.election.enable", "true");
	assert_kv(&s->cluster.broker, 1, "replica.fetch.wait.max.ms", "200");
	assert_kv(&s->cluster.zookeeper_config, 0, "tickTime", "500");
	assert_kv(&s->cluster.zookeeper_config, 1, "initLimit", "10");
	assert_int_equal(s->net_latency.min_ns, 100 * US);
	assert_int_equal(s->net_latency.max_ns, 2500 * US);
	assert_int_equal(s->disk_write_latency.min_ns, 250);
	assert_int_equal(s->disk_fsync_latency.min_ns, MS);
	assert_int_equal(s->disk_fsync_latency.max_ns, MS);
	assert_string_equal(s->topics[1].name, "audit.log_v2");
	/* Producers number on across groups: producer-1, -2, then -3. */
	assert_int_equal(s->producers[0].rate.num, 20000);
	assert_int_equal(s->producers[1].first_index, 3);
	assert_int_equal(s->producers[1].rate.num, 1);
	assert_int_equal(s->producers[1].rate.den, 60);
	assert_int_equal(s->producers[1].keys, 1000);
	assert_int_equal(s->consumers[0].commit, SCN_COMMIT_BEFORE_PROCESS);
	assert_int_equal(s->consumers[1].first_index, 4);
	assert_string_equal(s->consumers[1].group, "audit readers");
	assert_int_equal(s->consumers[1].commit, SCN_COMMIT_NONE);
	assert_int_equal(s->nemesis.kinds, (1u << SCN_ACTION_KILL) | (1u << SCN_ACTION_DELAY) |
	                                       (1u << SCN_ACTION_CLOCK));
	assert_int_equal(s->nemesis.targets, SCN_NEMESIS_ALL);
	assert_int_equal(s->expect[SCN_CHK_ZK_AGREEMENT], SCN_EXPECT_NONE);
	assert_int_equal(s->expect[SCN_CHK_SPLIT_BRAIN], SCN_EXPECT_SOME);
	assert_int_equal(s->expect[SCN_CHK_POLL_SKIP], SCN_EXPECT_ANY);
	assert_false(s->expect_liveness);
}

/* Faults come out sorted by `at`; equal times keep file order. */
static void check_features_faults(const struct scn_scenario *s)
{
	const struct scn_fault *f = s->faults;
	assert_int_equal(s->fault_count, 17);
	assert_int_equal(f[0].action, SCN_ACTION_PAUSE);
	assert_target(&f[0].targets.items[0], SCN_TARGET_PRODUCER, 3);
	assert_int_equal(f[0].for_ns, 100 * US);
	assert_int_equal(f[1].action, SCN_ACTION_POWER_LOSS);
	assert_int_equal(f[1].targets.count, 2);
	assert_target(&f[1].targets.items[0], SCN_TARGET_BROKER, 4);
	assert_target(&f[1].targets.items[1], SCN_TARGET_ZK_LEADER, 0);
	assert_false(f[1].has_for);
	assert_int_equal(f[2].action, SCN_ACTION_RESTART);
	assert_int_equal(f[3].partition.kind, SCN_PARTITION_GROUPS);
	assert_int_equal(f[3].partition.group_count, 3);
	assert_int_equal(f[3].partition.groups[0].count, 2);
	assert_target(&f[3].partition.groups[0].items[1], SCN_TARGET_ZK, 2);
	assert_target(&f[3].partition.groups[1].items[0], SCN_TARGET_BROKERS, 0);
	assert_target(&f[3].partition.groups[2].items[0], SCN_TARGET_REST, 0);
	assert_int_equal(f[4].partition.kind, SCN_PARTITION_HALVES);
	assert_int_equal(f[5].partition.kind, SCN_PARTITION_ONE_WAY);
	assert_target(&f[5].partition.from.items[0], SCN_TARGET_RANDOM_BROKER, 0);
	assert_target(&f[5].partition.to.items[0], SCN_TARGET_RANDOM_ZK, 0);
	assert_target(&f[5].partition.to.items[1], SCN_TARGET_CONSUMER, 4);
	assert_int_equal(f[6].heal, SCN_HEAL_PARTITION);
	assert_int_equal(f[7].action, SCN_ACTION_DELAY);
	assert_target(&f[7].targets.items[0], SCN_TARGET_FOLLOWER, 0);
	assert_string_equal(f[7].targets.items[0].topic, "audit.log_v2");
	assert_int_equal(f[7].latency.min_ns, 5 * MS);
	assert_int_equal(f[7].latency.max_ns, 50 * MS);
	assert_int_equal(f[8].disk.fault, SCN_DISK_FULL);
	assert_int_equal(f[8].disk.free_bytes, 16384);
	assert_target(&f[8].targets.items[0], SCN_TARGET_ZOOKEEPER, 0);
	assert_int_equal(f[9].disk.fault, SCN_DISK_SLOW);
	assert_int_equal(f[9].latency.max_ns, 10 * MS);
	assert_target(&f[9].targets.items[0], SCN_TARGET_ALL, 0);
	assert_int_equal(f[10].disk.fault, SCN_DISK_FSYNC_ERROR);
	assert_int_equal(f[11].clock.kind, SCN_CLOCK_STEP);
	assert_int_equal(f[11].clock.offset_ns, 1500 * MS);
	assert_target(&f[11].targets.items[0], SCN_TARGET_LEADER, 0);
	assert_int_equal(f[11].targets.items[0].partition, 2);
	assert_int_equal(f[12].action, SCN_ACTION_STOP);
	assert_int_equal(f[12].targets.count, 2);
	assert_target(&f[12].targets.items[1], SCN_TARGET_LEADER, 0);
	assert_int_equal(f[12].for_ns, 5 * SEC);
	assert_int_equal(f[13].action, SCN_ACTION_ELECT_LEADERS);
	assert_int_equal(f[13].targets.items[0].partition, 2);
	assert_false(f[13].elect.unclean);
	assert_int_equal(f[14].action, SCN_ACTION_KILL);
	assert_int_equal(f[15].clock.kind, SCN_CLOCK_SKEW);
	assert_int_equal(f[15].clock.offset_ns, -200 * MS);
	assert_int_equal(f[16].at_ns, 120 * SEC); /* `at` may equal the duration */
	assert_int_equal(f[16].heal, SCN_HEAL_ALL);
}

static void test_all_features(void **state)
{
	struct scn_scenario *s = load_ok("tests/scn_good/all_features.yaml");
	check_features_world(s);
	check_features_faults(s);
	scn_free(s);
}

static void test_kraft(void **state)
{
	struct scn_scenario *s = load_text_ok("name: k\nduration: 1s\n"
	                                      "cluster: {mode: kraft, brokers: 2}\n"
	                                      "faults: [{at: 0s, kill: controller}]\n");
	assert_int_equal(s->cluster.mode, SCN_MODE_KRAFT);
	assert_int_equal(s->cluster.zookeeper, 0);
	assert_int_equal(s->faults[0].targets.items[0].kind, SCN_TARGET_CONTROLLER);
	scn_free(s);
}

/* Kafka config values come from properties files: quoted numbers are
 * numbers, booleans are case-insensitive, and Kafka-looking keys the
 * simulator does not know pass through unchanged. */
static void test_config_values(void **state)
{
	struct scn_scenario *s = load_text_ok(
	    "name: c\nduration: 1s\ncluster:\n  brokers: 1\n  broker:\n"
	    "    min.insync.replicas: \"1\"\n    unclean.leader.election.enable: False\n"
	    "    inter.broker.protocol.version: 2.8-IV1\n    log.retention.ms: -1\n");
	assert_kv(&s->cluster.broker, 0, "min.insync.replicas", "1");
	assert_kv(&s->cluster.broker, 1, "unclean.leader.election.enable", "false");
	assert_kv(&s->cluster.broker, 2, "inter.broker.protocol.version", "2.8-IV1");
	assert_kv(&s->cluster.broker, 3, "log.retention.ms", "-1");
	scn_free(s);
}

#define ACKED_RATIO_MSG                                                                  \
	"'acked-ratio' must be a percentage from 0% to 100% with at most two decimals, "     \
	"such as 99% or 99.5%, got "

struct bad_case {
	const char *file; /* under tests/scn_bad/ */
	int status;
	int line;
	int column;
	const char *message;
};

/* One file per error kind; the position is that of the offending node. */
static const struct bad_case bad_cases[] = {
    {"unknown_key", SCN_ERR_INVALID, 7, 5,
     "unknown key 'parttions' in topic (did you mean 'partitions'?)"},
    {"unknown_key_no_hint", SCN_ERR_INVALID, 9, 1, "unknown key 'colour' in the scenario"},
    {"wrong_type", SCN_ERR_INVALID, 4, 12, "'brokers' must be an integer, got a sequence"},
    {"wrong_type_int", SCN_ERR_INVALID, 4, 12, "'brokers' must be an integer, got 'three'"},
    {"bare_integer", SCN_ERR_INVALID, 2, 11,
     "'duration' needs a unit: '60' is a bare integer (write 60s, 60ms, ...)"},
    {"bad_unit", SCN_ERR_INVALID, 2, 11,
     "'duration' must be a non-negative duration such as 250ms, 1.5s or 2m "
     "(units ns, us, ms, s, m), got '60 seconds'"},
    {"fraction_ns", SCN_ERR_INVALID, 2, 11,
     "'duration' must be a whole number of nanoseconds, got '1.0000000001s'"},
    {"bad_rate", SCN_ERR_INVALID, 12, 13,
     "'rate' must be a positive rate such as 500/s or 20/ms, got '200'"},
    {"bad_size", SCN_ERR_INVALID, 11, 49,
     "'free' must be a size such as 100B, 16KiB or 1MiB, got '1MB'"},
    {"bad_range", SCN_ERR_INVALID, 10, 12,
     "'latency' must be a duration or a range MIN..MAX such as 1ms..5ms (MIN <= MAX), "
     "got '5ms..1ms'"},
    {"missing_key", SCN_ERR_INVALID, 4, 3, "missing required key 'brokers' in cluster"},
    {"missing_rate", SCN_ERR_INVALID, 11, 7, "missing required key 'rate' in producer"},
    {"unknown_target", SCN_ERR_INVALID, 11, 11,
     "unknown target 'broker-7': the scenario has 3 brokers"},
    {"unknown_target_name", SCN_ERR_INVALID, 11, 11,
     "unknown target 'controler' (did you mean 'controller'?)"},
    {"unknown_topic_target", SCN_ERR_INVALID, 11, 11,
     "unknown topic 'nosuch' in target 'leader:nosuch/0'"},
    {"partition_out_of_range", SCN_ERR_INVALID, 11, 22,
     "partition 3 out of range in target 'follower:orders/3': topic 'orders' has 3 "
     "partitions (0 to 2)"},
    {"unknown_topic_producer", SCN_ERR_INVALID, 11, 14,
     "unknown topic 'order' (not declared under 'topics')"},
    {"unknown_producer_target", SCN_ERR_INVALID, 14, 12,
     "unknown target 'producer-3': the scenario has 2 producers"},
    {"zk_target_in_kraft", SCN_ERR_INVALID, 12, 11,
     "unknown target 'zk-1': a kraft cluster has no ZooKeeper"},
    {"fault_past_duration", SCN_ERR_INVALID, 10, 9,
     "fault at 90s is past the scenario's duration (1m)"},
    {"rf_above_brokers", SCN_ERR_INVALID, 8, 25,
     "replication_factor 4 is more than the number of brokers (3)"},
    {"pause_without_for", SCN_ERR_INVALID, 11, 5, "'pause' needs 'for' (how long the stall lasts)"},
    {"bad_name", SCN_ERR_INVALID, 1, 7, "name 'Bad_Name' must match [a-z0-9-]+"},
    {"bad_format", SCN_ERR_INVALID, 1, 9, "unsupported format 2 (this ksim reads format 1)"},
    {"syntax_error", SCN_ERR_SYNTAX, 10, 1, "invalid YAML: missing comma in flow mapping"},
    {"tab_indent", SCN_ERR_SYNTAX, 10, 1,
     "invalid YAML: tab character may not be used as indentation"},
    {"duplicate_key", SCN_ERR_SYNTAX, 9, 1, "duplicate key 'duration' (first at line 2)"},
    {"invalid_utf8", SCN_ERR_SYNTAX, 3, 17,
     "invalid UTF-8 byte 0xe9: a scenario must be UTF-8 text"},
    {"control_char", SCN_ERR_SYNTAX, 4, 19, "character U+0007 is not allowed in YAML"},
    /* Found by fuzz_scn: the echoed source line holds "err:0:2: error: ". */
    {"error_text_in_source", SCN_ERR_SYNTAX, 4, 32,
     "invalid YAML: invalid nested block mapping on the same line"},
    {"duplicate_topic", SCN_ERR_INVALID, 9, 12, "topic 'orders' is declared twice"},
    {"zookeeper_in_kraft", SCN_ERR_INVALID, 5, 3, "'zookeeper' has no meaning in kraft mode"},
    {"negative_seed", SCN_ERR_INVALID, 3, 7,
     "'seed' must be an integer from 0 to 18446744073709551615, got '-1'"},
    {"nemesis_zookeeper_in_kraft", SCN_ERR_INVALID, 13, 12,
     "nemesis targets 'zookeeper', but a kraft cluster has no ZooKeeper"},
    {"disk_slow_without_latency", SCN_ERR_INVALID, 11, 11,
     "missing required key 'latency' in disk (fault: slow)"},
    {"for_zero", SCN_ERR_INVALID, 12, 10, "'for' must be longer than 0s"},
    {"alias", SCN_ERR_SYNTAX, 12, 10, "YAML aliases are not supported in scenarios"},
    {"tag", SCN_ERR_SYNTAX, 2, 17, "YAML tags are not supported in scenarios"},
    {"bad_config_value", SCN_ERR_INVALID, 13, 22,
     "'acks' must be one of all, -1, 0, 1, "
     "got '2'"},
    {"bad_config_bool", SCN_ERR_INVALID, 6, 37,
     "'unclean.leader.election.enable' must be true or false, got 'maybe'"},
    {"bad_config_int", SCN_ERR_INVALID, 6, 26,
     "'min.insync.replicas' must be from 1 to 2147483647, got 0"},
    {"bad_config_key", SCN_ERR_INVALID, 6, 5,
     "unknown broker config key 'Min.Insync.Replicas' (did you mean 'min.insync.replicas'?)"},
    /* Config keys: one table (broker/conf/kcfg.c) says what each component takes. */
    {"config_typo_flush", SCN_ERR_INVALID, 7, 5,
     "unknown broker config key 'log.flush.interval.message' (did you mean "
     "'log.flush.interval.messages'?)"},
    {"config_typo_min_insync", SCN_ERR_INVALID, 6, 5,
     "unknown broker config key 'min.insync.replica' (did you mean 'min.insync.replicas'?)"},
    {"config_typo_replica_lag", SCN_ERR_INVALID, 6, 5,
     "unknown broker config key 'replica.lag.time.max' (did you mean "
     "'replica.lag.time.max.ms'?)"},
    {"config_acks_under_broker", SCN_ERR_INVALID, 6, 5,
     "'acks' is a producer config key, not a broker one: it goes under "
     "workload.producers[].config"},
    {"config_broker_key_in_producer", SCN_ERR_INVALID, 13, 27,
     "'min.insync.replicas' is a broker and topic config key, not a producer one: it goes "
     "under cluster.broker or topics[].config"},
    {"config_fixed_key", SCN_ERR_INVALID, 6, 5,
     "'broker.id' is not for scenarios (ksim sets it: broker-N has broker.id N)"},
    {"config_unknown_no_hint", SCN_ERR_INVALID, 6, 5,
     "unknown broker config key 'num.replica.fetchers' (ksim validate --defaults FILE lists "
     "the keys ksim models)"},
    {"config_zk_typo", SCN_ERR_INVALID, 6, 5,
     "unknown ZooKeeper config key 'ticktime' (did you mean 'tickTime'?)"},
    {"config_zookeeper_key_in_kraft", SCN_ERR_INVALID, 7, 5,
     "'zookeeper.session.timeout.ms' has no meaning in kraft mode"},
    {"config_request_timeout_negative", SCN_ERR_INVALID, 14, 29,
     "'request.timeout.ms' must be from 0 to 2147483647, got -1"},
    {"bad_expect", SCN_ERR_INVALID, 10, 15,
     "'lost-write' must be one of any, none, some, got 'never'"},
    {"bad_liveness", SCN_ERR_INVALID, 10, 13, "'liveness' must be one of any, ok, got 'yes'"},
    {"bad_max_unavailable", SCN_ERR_INVALID, 10, 20,
     "'max-unavailable' needs a unit: '5' is a bare integer (write 5s, 5ms, ...)"},
    {"bad_acked_ratio", SCN_ERR_INVALID, 10, 16, ACKED_RATIO_MSG "'99.125%'"},
    {"bad_acked_ratio_range", SCN_ERR_INVALID, 10, 16, ACKED_RATIO_MSG "'101%'"},
    {"bad_acked_ratio_bare", SCN_ERR_INVALID, 10, 16, ACKED_RATIO_MSG "'99'"},
    {"two_actions", SCN_ERR_INVALID, 10, 30,
     "a fault has one action, but this one has 'kill' and 'pause'"},
    {"no_action", SCN_ERR_INVALID, 10, 5,
     "fault has no action (one of kill, power-loss, restart, pause, partition, heal, delay, "
     "disk, clock, stop, elect-leaders)"},
    {"elect_bad_type", SCN_ERR_INVALID, 11, 56,
     "'type' must be one of preferred, unclean, got 'clean' (did you mean 'unclean'?)"},
    {"elect_partition_range", SCN_ERR_INVALID, 11, 47,
     "partition 3 out of range in elect-leaders: topic 'orders' has 3 partitions (0 to 2)"},
    {"elect_for", SCN_ERR_INVALID, 12, 5, "'for' has no meaning on 'elect-leaders'"},
    {"stop_zookeeper", SCN_ERR_INVALID, 11, 22,
     "'stop' is a broker's controlled shutdown: its targets are brokers (broker-N, controller, "
     "leader:T/P, follower:T/P, random-broker, brokers); use kill for other nodes"},
    {"stop_in_kraft", SCN_ERR_INVALID, 12, 11,
     "'stop' (controlled shutdown) is modelled in ZooKeeper mode only; a kraft cluster's (the "
     "heartbeat's WantShutDown) is not yet: use kill"},
    {"empty", SCN_ERR_INVALID, 1, 1,
     "empty file: a scenario needs at least 'name', 'duration' and 'cluster'"},
    {"not_a_mapping", SCN_ERR_INVALID, 1, 1, "'the scenario' must be a mapping, got a sequence"},
    {"nemesis_kind", SCN_ERR_INVALID, 10, 17,
     "'kinds' must be one of kill, power-loss, pause, partition, delay, disk, clock, "
     "got 'restart'"},
    {"disk_on_client", SCN_ERR_INVALID, 14, 20,
     "disk faults apply to brokers and ZooKeeper servers; clients have no disk"},
    {"heal_for", SCN_ERR_INVALID, 12, 5, "'for' has no meaning on 'heal'"},
    {"groups_one", SCN_ERR_INVALID, 11, 25, "'groups' needs at least two groups"},
    {"clock_both", SCN_ERR_INVALID, 11, 12, "'clock' takes exactly one of skew, step"},
    /* Partition groups cover every node exactly once; `rest` names the others. */
    {"groups_left_out", SCN_ERR_INVALID, 12, 25,
     "'zk-1' is in no group: every node must be in exactly one (add 'rest' to a group for "
     "every node not named elsewhere)"},
    {"groups_twice", SCN_ERR_INVALID, 12, 45,
     "'broker-1' is in two groups (1 and 2): every node must be in exactly one"},
    {"groups_role_without_rest", SCN_ERR_INVALID, 12, 27,
     "'controller' resolves when the fault fires, so the groups need 'rest' (every node not "
     "named elsewhere) to cover every node"},
    {"groups_rest_twice", SCN_ERR_INVALID, 12, 45, "'rest' may be named only once"},
    {"rest_outside_groups", SCN_ERR_INVALID, 7, 11,
     "'rest' is only a member of partition groups (every node not named in another group)"},
};

static void test_bad_files(void **state)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *b = &bad_cases[i];
		char path[128], text[800];
		struct scn_scenario *s = (struct scn_scenario *)&path; /* must be reset */
		struct scn_error err;
		snprintf(path, sizeof(path), "tests/scn_bad/%s.yaml", b->file);
		int rc = scn_load_file(path, &s, &err);
		snprintf(text, sizeof(text), "%s:%d:%d: %s", path, b->line, b->column, b->message);
		if (rc != b->status || strcmp(err.text, text) != 0)
			fail_msg("%s: status %d, got\n  %s\nwant\n  %s", b->file, rc, err.text,
			         text);
		assert_null(s);
		assert_int_equal(err.line, b->line);
		assert_int_equal(err.column, b->column);
		assert_string_equal(err.message, b->message);
	}
}

/* Every file in tests/scn_bad/ has a case above, so none goes untested. */
static void test_bad_files_all_listed(void **state)
{
	DIR *d = opendir("tests/scn_bad");
	assert_non_null(d);
	size_t files = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char name[256];
		size_t n = strlen(e->d_name);
		if (e->d_name[0] == '.')
			continue;
		assert_true(n > 5 && n < sizeof(name) && strcmp(e->d_name + n - 5, ".yaml") == 0);
		memcpy(name, e->d_name, n - 5);
		name[n - 5] = '\0';
		bool found = false;
		for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++)
			found = found || strcmp(bad_cases[i].file, name) == 0;
		if (!found)
			fail_msg("tests/scn_bad/%s has no test case", e->d_name);
		files++;
	}
	closedir(d);
	assert_int_equal(files, sizeof(bad_cases) / sizeof(bad_cases[0]));
}

static void test_io_error(void **state)
{
	struct scn_scenario *s = NULL;
	struct scn_error err;
	assert_int_equal(scn_load_file("tests/scn_good/no-such-file.yaml", &s, &err), SCN_ERR_IO);
	assert_null(s);
	assert_int_equal(err.line, 0);
	assert_string_equal(err.text, "tests/scn_good/no-such-file.yaml: cannot open: "
	                              "No such file or directory");
	/* A directory opens but cannot be read. */
	assert_int_equal(scn_load_file("tests/scn_bad", &s, &err), SCN_ERR_IO);
	assert_null(s);
	assert_string_equal(err.text, "tests/scn_bad: cannot read: Is a directory");
}

/* The buffer is read by length: bytes past `len` are never looked at. */
static void test_buffer_not_terminated(void **state)
{
	static const char text[] = "name: b\nduration: 1s\ncluster: {brokers: 1}\nseed: 42";
	char *copy = malloc(sizeof(text) - 1);
	assert_non_null(copy);
	memcpy(copy, text, sizeof(text) - 1);
	struct scn_scenario *s = NULL;
	struct scn_error err;
	assert_int_equal(scn_load_buffer("b", copy, sizeof(text) - 1, &s, &err), SCN_OK);
	assert_int_equal(s->seed, 42);
	scn_free(s);
	/* Cut inside "42": the seed is 4. */
	assert_int_equal(scn_load_buffer("b", copy, sizeof(text) - 2, &s, &err), SCN_OK);
	assert_int_equal(s->seed, 4);
	scn_free(s);
	free(copy);
}

static void assert_description(const char *quoted, const char *want)
{
	char text[512];
	snprintf(text, sizeof(text),
	         "name: q\nduration: 1s\ncluster: {brokers: 1}\ndescription: %s\n", quoted);
	struct scn_scenario *s = load_text_ok(text);
	assert_string_equal(s->description, want);
	scn_free(s);
}

/* Single-quoted scalars are decoded by the loader itself (libfyaml 0.7.12
 * leaks and miscounts on runs of '' escapes); YAML 1.2, 7.3.2: '' is a
 * quote, a line break between text folds to a space, and each empty line
 * after it to a newline, with white space around breaks dropped. */
static void test_single_quoted(void **state)
{
	assert_description("'plain'", "plain");
	assert_description("''", "");
	assert_description("'it''s'", "it's");
	assert_description("'a''''b'", "a''b");
	assert_description("''''''''''''''''''''''", "''''''''''"); /* 22 quotes: 10 */
	assert_description("'one  \n   two'", "one two");
	assert_description("'one\n\n  two'", "one\ntwo");
	assert_description("'one \t\n \n\n  two '", "one\n\ntwo ");
	assert_description("'x\r\n  y'", "x y");
	assert_description("'\"no\" \\escapes\\n'", "\"no\" \\escapes\\n");
}

static char *print_to_string(const struct scn_scenario *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	scn_print(s, f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* Print, load the printout, print again: the same bytes, and the printout
 * of the loaded copy says the same as the original. */
static void round_trip(const char *path)
{
	struct scn_scenario *s = load_ok(path), *again = NULL;
	struct scn_error err;
	char *first = print_to_string(s);
	int rc = scn_load_buffer("printed", first, strlen(first), &again, &err);
	if (rc != SCN_OK)
		fail_msg("%s printed, then: %s\n%s", path, err.text, first);
	char *second = print_to_string(again);
	assert_string_equal(first, second);
	free(first);
	free(second);
	scn_free(s);
	scn_free(again);
}

static void test_round_trip(void **state)
{
	round_trip("tests/scn_good/contract_example.yaml");
	round_trip("tests/scn_good/all_features.yaml");
	round_trip("scenarios/controlled-shutdown.yaml");
	round_trip("scenarios/elect-leaders-unclean.yaml");
}

/* The operator actions as loaded: stop's targets, elect-leaders' partition. */
static void test_operator_actions(void **state)
{
	struct scn_scenario *s = load_ok("scenarios/elect-leaders-unclean.yaml");
	const struct scn_fault *f = &s->faults[s->fault_count - 1];
	assert_int_equal(f->action, SCN_ACTION_ELECT_LEADERS);
	assert_string_equal(f->targets.items[0].topic, "orders");
	assert_int_equal(f->targets.items[0].partition, 0);
	assert_true(f->elect.unclean);
	assert_false(f->has_for);
	scn_free(s);
	s = load_ok("scenarios/controlled-shutdown.yaml");
	f = &s->faults[0];
	assert_int_equal(f->action, SCN_ACTION_STOP);
	assert_int_equal(f->targets.items[0].kind, SCN_TARGET_LEADER);
	assert_true(f->has_for);
	assert_int_equal(f->for_ns, 10 * 1000000000LL);
	scn_free(s);
}

/* A fixed excerpt of the normalized form, so that a change to it is seen. */
static void test_print_format(void **state)
{
	struct scn_scenario *s = load_text_ok(
	    "name: p\nduration: 90s\nquiesce: 0.25s\ncluster: {mode: kraft, brokers: 1}\n"
	    "topics: [{name: t, partitions: 2, replication_factor: 1}]\n"
	    "faults: [{at: 1s, partition: {one-way: {from: broker-1, to: [leader:t/1]}}}]\n"
	    "expect: {duplicate: some, max-unavailable: 1500ms, acked-ratio: 99.5%}\n");
	char *out = print_to_string(s);
	assert_string_equal(out,
	                    "format: 1\n"
	                    "name: \"p\"\n"
	                    "seed: 1\n"
	                    "duration: 90s\n"
	                    "quiesce: 250ms\n"
	                    "cluster:\n"
	                    "  mode: kraft\n"
	                    "  kafka_version: \"3.9\"\n"
	                    "  brokers: 1\n"
	                    "network:\n"
	                    "  latency: 1ms..3ms\n"
	                    "disk:\n"
	                    "  write_latency: 0s\n"
	                    "  fsync_latency: 0s\n"
	                    "topics:\n"
	                    "  - name: \"t\"\n"
	                    "    partitions: 2\n"
	                    "    replication_factor: 1\n"
	                    "faults:\n"
	                    "  - at: 1s\n"
	                    "    partition: {one-way: {from: \"broker-1\", to: \"leader:t/1\"}}\n"
	                    "expect:\n"
	                    "  lost-write: any\n"
	                    "  duplicate: some\n"
	                    "  inconsistent-offsets: any\n"
	                    "  nonmonotonic-poll: any\n"
	                    "  nonmonotonic-send: any\n"
	                    "  poll-skip: any\n"
	                    "  unexpected: any\n"
	                    "  replica-divergence: any\n"
	                    "  committed-rewrite: any\n"
	                    "  split-brain: any\n"
	                    "  zk-agreement: any\n"
	                    "  group-skip: any\n"
	                    "  group-redelivery: any\n"
	                    "  liveness: any\n"
	                    "  max-unavailable: 1500ms\n"
	                    "  acked-ratio: 99.50%\n");
	free(out);
	scn_free(s);
}

/* Counts live blocks and fails the fail_at-th allocation (from 1). */
struct counting_alloc {
	long calls;
	long fail_at;
	long live;
};

static void *counting_realloc(void *ctx, void *p, size_t n)
{
	struct counting_alloc *c = ctx;
	if (n == 0) {
		if (p)
			c->live--;
		free(p);
		return NULL;
	}
	if (++c->calls == c->fail_at)
		return NULL;
	void *q = realloc(p, n);
	if (q && !p)
		c->live++;
	return q;
}

static char *read_fixture(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *buf = malloc(65536);
	assert_non_null(buf);
	*len = fread(buf, 1, 65536, f);
	assert_true(*len > 0 && *len < 65536);
	fclose(f);
	return buf;
}

/* Fails allocation 1, 2, ... until the load succeeds: every failure must
 * be a clean SCN_ERR_NOMEM with nothing left allocated, and the final load
 * must equal an unhindered one. */
static void sweep_allocation_failures(const char *path)
{
	size_t len;
	char *text = read_fixture(path, &len);
	struct scn_scenario *ref = load_ok(path);
	char *want = print_to_string(ref);
	scn_free(ref);
	long failures = 0;
	for (long n = 1;; n++) {
		struct counting_alloc c = {0, n, 0};
		struct scn_alloc a = {counting_realloc, &c};
		struct scn_scenario *s = NULL;
		struct scn_error err;
		int rc = scn_load_buffer_alloc(&a, "f.yaml", text, len, &s, &err);
		if (rc == SCN_OK) {
			assert_true(c.calls < n); /* nothing failed */
			char *got = print_to_string(s);
			assert_string_equal(got, want);
			free(got);
			scn_free(s);
			assert_int_equal(c.live, 0);
			break;
		}
		assert_int_equal(rc, SCN_ERR_NOMEM);
		assert_null(s);
		assert_string_equal(err.text, "f.yaml: out of memory");
		assert_int_equal(c.live, 0);
		failures++;
	}
	assert_true(failures > 50); /* the sweep did reach deep into the load */
	free(want);
	free(text);
}

/* cluster.kafka_version: default the newest modelled release; a quoted
 * modelled release is taken; a plain scalar (2.5 would be a float) or a
 * release ksim does not model is an error listing the modelled ones. */
static void test_kafka_version(void **state)
{
	(void)state;
	struct scn_scenario *s = load_text_ok("name: v\nduration: 1s\ncluster: {brokers: 1}\n");
	assert_int_equal(s->cluster.kafka_version, SCN_KAFKA_VERSION_DEFAULT);
	assert_int_equal(scn_kafka_version_parse("3.9"), SCN_KAFKA_VERSION_DEFAULT);
	scn_free(s);
	s = load_text_ok("name: v\nduration: 1s\ncluster: {brokers: 1, kafka_version: \"2.4\"}\n");
	assert_int_equal(s->cluster.kafka_version, 204);
	scn_free(s);
	static const struct {
		const char *value;
		int column;
		const char *message;
	} bad[] = {
		{"2.5", 18, "kafka_version must be a quoted release, one of \"2.2\", \"2.4\", \"2.5\", "
			"\"2.7\", \"3.0\", \"3.4\", \"3.7\", \"3.9\""},
		{"\"2.6\"", 19, "kafka_version \"2.6\" is not a release ksim models; use one of "
			    "\"2.2\", \"2.4\", \"2.5\", \"2.7\", \"3.0\", \"3.4\", \"3.7\", \"3.9\""},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[160];
		snprintf(text, sizeof text, "name: v\nduration: 1s\ncluster:\n  brokers: 1\n"
					    "  kafka_version: %s\n", bad[i].value);
		struct scn_scenario *out = NULL;
		struct scn_error err;
		assert_int_not_equal(scn_load_buffer("inline.yaml", text, strlen(text), &out, &err),
				     SCN_OK);
		assert_null(out);
		assert_int_equal(err.line, 5);
		assert_int_equal(err.column, bad[i].column);
		assert_string_equal(err.message, bad[i].message);
	}
}

static void test_allocation_failures(void **state)
{
	sweep_allocation_failures("tests/scn_good/contract_example.yaml");
	sweep_allocation_failures("tests/scn_good/all_features.yaml");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_contract_example),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_all_features),
	    cmocka_unit_test(test_kraft),
	    cmocka_unit_test(test_config_values),
	    cmocka_unit_test(test_bad_files),
	    cmocka_unit_test(test_bad_files_all_listed),
	    cmocka_unit_test(test_io_error),
	    cmocka_unit_test(test_buffer_not_terminated),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_print_format),
	    cmocka_unit_test(test_operator_actions),
	    cmocka_unit_test(test_allocation_failures),
	    cmocka_unit_test(test_single_quoted),
	    cmocka_unit_test(test_kafka_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
