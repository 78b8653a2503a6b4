/*
 * The one table of config keys (broker/conf/kcfg.h) and the components
 * that apply it: every default parses and is the default the component
 * itself starts from (brk_config_default, kc_producer/consumer defaults,
 * zk_server_config_default), every key a component has in the table moves
 * a field of that component (none is silently ignored), ranges are Kafka's,
 * and the typo hints find the key meant.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "broker/conf/kcfg.h"
#include "broker/kafka/brk_config.h"
#include "harness/wl_config.h"

/* The config of each component as one value, for byte comparisons. */
struct all {
	struct brk_config broker;
	struct kc_producer_config producer;
	struct kc_consumer_config consumer;
	struct zk_server_config zk;
};

static void defaults(struct all *a)
{
	memset(a, 0, sizeof *a);
	brk_config_default(&a->broker);
	kc_producer_config_default(&a->producer);
	kc_consumer_config_default(&a->consumer);
	zk_server_config_default(&a->zk);
}

/* Applies key=value to its component; returns 0 or -1. */
static int apply(struct all *a, const struct kcfg_key *k, const char *value)
{
	char err[256];
	switch (k->owner) {
	case KCFG_BROKER:
		return brk_config_set(&a->broker, k->name, value, err, sizeof err) == BRK_CONFIG_OK
		           ? 0
		           : -1;
	case KCFG_PRODUCER:
		return wl_config_producer_set(&a->producer, k->name, value, err, sizeof err);
	case KCFG_CONSUMER:
		return wl_config_consumer_set(&a->consumer, k->name, value, err, sizeof err);
	case KCFG_ZOOKEEPER:
		return wl_config_zookeeper_set(&a->zk, k->name, value, err, sizeof err);
	default:
		return 0; /* topic keys: the broker reads them from ZooKeeper */
	}
}

/* A valid value of k other than its default. */
static const char *other_value(const struct kcfg_key *k, char *buf, size_t size)
{
	int64_t def = 0;
	if (k->def)
		assert_int_equal(kcfg_parse(k, k->def, &def, NULL, 0), 0);
	switch (k->type) {
	case KCFG_BOOL:
		return def ? "false" : "true";
	case KCFG_ENUM:
		/* acks: all and -1 mean the same; 0 differs from both. */
		if (def != 0)
			return k->values[0];
		return k->values[2] ? k->values[2] : k->values[1];
	case KCFG_VERSION:
		return "0.10.2";
	case KCFG_STRING:
		return "x";
	default:
		snprintf(buf, size, "%lld", (long long)(def == k->max ? k->min : k->max));
		return buf;
	}
}

static void test_defaults_parse_and_are_the_components_own(void **state)
{
	size_t n;
	const struct kcfg_key *t = kcfg_table(&n);
	struct all base, a;
	defaults(&base);
	for (size_t i = 0; i < n; i++) {
		const struct kcfg_key *k = &t[i];
		assert_non_null(k->meaning);
		if (k->flags & KCFG_FIXED) {
			assert_null(k->def);
			continue;
		}
		if (k->owner == KCFG_TOPIC) {
			/* A topic key without override follows its broker key. */
			assert_non_null(k->broker_default);
			assert_non_null(kcfg_find(KCFG_BROKER, k->broker_default));
			continue;
		}
		assert_non_null(k->def);
		int64_t v;
		char err[200];
		if (kcfg_parse(k, k->def, &v, err, sizeof err))
			fail_msg("%s: default %s: %s", k->name, k->def, err);
		a = base;
		assert_int_equal(apply(&a, k, k->def), 0);
		if (memcmp(&a, &base, sizeof a) != 0)
			fail_msg("%s %s: the table's default %s is not the component's",
			         kcfg_owner_name(k->owner), k->name, k->def);
	}
}

static void test_every_key_is_applied(void **state)
{
	size_t n;
	const struct kcfg_key *t = kcfg_table(&n);
	struct all base, a;
	defaults(&base);
	for (size_t i = 0; i < n; i++) {
		const struct kcfg_key *k = &t[i];
		if ((k->flags & KCFG_FIXED) || k->owner == KCFG_TOPIC)
			continue;
		char buf[32];
		const char *v = other_value(k, buf, sizeof buf);
		a = base;
		if (apply(&a, k, v))
			fail_msg("%s: %s refused", k->name, v);
		if (memcmp(&a, &base, sizeof a) == 0)
			fail_msg("%s %s=%s changed nothing", kcfg_owner_name(k->owner), k->name, v);
	}
}

static void test_ranges_are_kafkas(void **state)
{
	char err[200];
	int64_t v;
	const struct kcfg_key *k = kcfg_find(KCFG_BROKER, "min.insync.replicas");
	assert_int_equal(kcfg_parse(k, "0", &v, err, sizeof err), -1);
	assert_string_equal(err, "must be from 1 to 2147483647, got 0");
	assert_int_equal(kcfg_parse(k, "2147483648", &v, err, sizeof err), -1);
	assert_int_equal(kcfg_parse(k, "two", &v, err, sizeof err), -1);
	assert_string_equal(err, "must be an integer from 1 to 2147483647, got 'two'");
	/* ProducerConfig and ConsumerConfig: request.timeout.ms atLeast(0). */
	k = kcfg_find(KCFG_PRODUCER, "request.timeout.ms");
	assert_int_equal(kcfg_parse(k, "0", &v, NULL, 0), 0);
	assert_int_equal(kcfg_parse(k, "-1", &v, NULL, 0), -1);
	k = kcfg_find(KCFG_CONSUMER, "request.timeout.ms");
	assert_int_equal(kcfg_parse(k, "0", &v, NULL, 0), 0);
	/* log.flush.interval.messages atLeast(1), a long. */
	k = kcfg_find(KCFG_BROKER, "log.flush.interval.messages");
	assert_int_equal(kcfg_parse(k, "9223372036854775807", &v, NULL, 0), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(kcfg_parse(k, "9223372036854775808", &v, NULL, 0), -1);
	assert_int_equal(kcfg_parse(k, "0", &v, NULL, 0), -1);
	/* offsets.topic.replication.factor is a short. */
	k = kcfg_find(KCFG_BROKER, "offsets.topic.replication.factor");
	assert_int_equal(kcfg_parse(k, "32768", &v, NULL, 0), -1);
	/* Booleans in any case; enums exact. */
	k = kcfg_find(KCFG_BROKER, "unclean.leader.election.enable");
	assert_int_equal(kcfg_parse(k, "TRUE", &v, NULL, 0), 0);
	assert_int_equal(v, 1);
	assert_string_equal(kcfg_canonical(k, "TRUE"), "true");
	k = kcfg_find(KCFG_PRODUCER, "acks");
	assert_int_equal(kcfg_parse(k, "ALL", &v, err, sizeof err), -1);
	assert_string_equal(err, "must be one of all, -1, 0, 1, got 'ALL'");
	k = kcfg_find(KCFG_BROKER, "inter.broker.protocol.version");
	assert_int_equal(kcfg_parse(k, "3.7-IV4", &v, NULL, 0), 0);
	assert_int_equal(v, 3007);
	assert_int_equal(kcfg_parse(k, "0.10.2", &v, NULL, 0), 0);
	assert_int_equal(v, 10);
	assert_int_equal(kcfg_parse(k, "3", &v, NULL, 0), -1);
	assert_int_equal(kcfg_parse(k, "3.x", &v, NULL, 0), -1);
}

static void test_owners_and_hints(void **state)
{
	assert_non_null(kcfg_find(KCFG_PRODUCER, "acks"));
	assert_null(kcfg_find(KCFG_BROKER, "acks"));
	assert_non_null(kcfg_find(KCFG_TOPIC, "min.insync.replicas"));
	assert_null(kcfg_find(KCFG_TOPIC, "acks"));
	assert_string_equal(kcfg_closest(KCFG_BROKER, "log.flush.interval.message")->name,
	                    "log.flush.interval.messages");
	assert_string_equal(kcfg_closest(KCFG_BROKER, "min.insync.replica")->name,
	                    "min.insync.replicas");
	assert_string_equal(kcfg_closest(KCFG_BROKER, "replica.lag.time.max")->name,
	                    "replica.lag.time.max.ms");
	assert_string_equal(kcfg_closest(KCFG_ZOOKEEPER, "ticktime")->name, "tickTime");
	assert_null(kcfg_closest(KCFG_BROKER, "ssl.keystore.location"));
	assert_string_equal(kcfg_owner_name(KCFG_ZOOKEEPER), "ZooKeeper");
}

/* Each (owner, name) appears once; names are what their owner's files use. */
static void test_table_shape(void **state)
{
	size_t n;
	const struct kcfg_key *t = kcfg_table(&n);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = i + 1; j < n; j++)
			if (t[i].owner == t[j].owner && strcmp(t[i].name, t[j].name) == 0)
				fail_msg("%s twice", t[i].name);
		/* A range narrower than Kafka's says so where users read it. */
		if ((t[i].flags & KCFG_NARROWED) && !strstr(t[i].meaning, "in ksim"))
			fail_msg("%s: narrowed, but its meaning does not say so", t[i].name);
		if (t[i].type == KCFG_ENUM)
			assert_non_null(t[i].values);
		else if (t[i].type <= KCFG_LONG)
			assert_true(t[i].min <= t[i].max);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults_parse_and_are_the_components_own),
	    cmocka_unit_test(test_every_key_is_applied),
	    cmocka_unit_test(test_ranges_are_kafkas),
	    cmocka_unit_test(test_owners_and_hints),
	    cmocka_unit_test(test_table_shape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
