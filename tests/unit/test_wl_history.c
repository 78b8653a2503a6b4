/*
 * The whole pipeline on one broker: workload nodes send and read, the
 * harness records their history, a final reader reads every partition, and
 * the checkers judge it. A clean run must show no anomaly; a power loss of
 * the only replica with Kafka's default flush policy must show lost writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "broker/client/kc_workload.h"
#include "broker/kafka/brk_broker.h"
#include "broker/kafka/brk_group.h"
#include "checkers/chk.h"
#include "harness/hist.h"
#include "harness/wl_config.h"
#include "harness/wl_history.h"
#include "sim/util.h"
#include "sim/world.h"

#define S SIM_NS_PER_S
#define NPART 3

static const struct sim_node_class broker_class = {"broker", brk_start};
static const struct sim_node_class producer_class = {"producer", kw_producer_start};
static const struct sim_node_class consumer_class = {"consumer", kw_consumer_start};

struct fx {
	struct sim_world *w;
	char *buf;
	size_t len;
	FILE *out;
	struct wl_history hist;
	struct brk_config bc;
	struct kw_producer_config pc;
	struct kw_consumer_config cc, fc, gc;
	uint32_t broker, producers[2], consumer, final, members[2];
	int32_t epoch;
};

static int setup(void **state)
{
	struct fx *fx = test_calloc(1, sizeof *fx);
	struct sim_world_config wc;
	sim_world_config_default(&wc, 21);
	fx->w = sim_world_new(&wc);
	if (getenv("KSIM_TEST_LOG"))
		sim_world_set_log(fx->w, stderr, ENV_LOG_DEBUG);
	fx->out = open_memstream(&fx->buf, &fx->len);
	wl_history_init(&fx->hist, fx->out);
	brk_config_default(&fx->bc);
	fx->bc.broker_id = 1;
	fx->bc.offsets_topic_partitions = 1;
	kc_producer_config_default(&fx->pc.client);
	fx->pc.client.cluster.bootstrap[0] = "broker-1";
	fx->pc.client.cluster.n_bootstrap = 1;
	fx->pc.client.linger_ns = 5 * SIM_NS_PER_MS;
	fx->pc.client.delivery_timeout_ns = 30 * S;
	fx->pc.client.cluster.conn.request_timeout_ns = 3 * S;
	fx->pc.topic = "orders";
	fx->pc.rate_num = 200; /* per second */
	fx->pc.rate_den = 1;
	fx->pc.keys = 8;
	fx->pc.observer = &fx->hist.observer;
	kc_consumer_config_default(&fx->cc.client);
	fx->cc.client.cluster.bootstrap[0] = "broker-1";
	fx->cc.client.cluster.n_bootstrap = 1;
	fx->cc.client.reset_earliest = true;
	fx->cc.client.fetch_max_wait_ns = 100 * SIM_NS_PER_MS;
	fx->cc.topic = "orders";
	fx->cc.observer = &fx->hist.observer;
	fx->fc = fx->cc;
	fx->fc.final = true;
	fx->gc = fx->cc;
	fx->gc.client.group_id = "g";
	fx->gc.client.session_timeout_ns = 6 * S;
	fx->gc.client.heartbeat_interval_ns = 1 * S;
	fx->gc.client.rebalance_timeout_ns = 6 * S;
	fx->broker = sim_node_add(fx->w, "broker-1", &broker_class, &fx->bc);
	fx->producers[0] = sim_node_add(fx->w, "producer-1", &producer_class, &fx->pc);
	fx->producers[1] = sim_node_add(fx->w, "producer-2", &producer_class, &fx->pc);
	fx->consumer = sim_node_add(fx->w, "consumer-1", &consumer_class, &fx->cc);
	fx->final = sim_node_add(fx->w, "final-reader", &consumer_class, &fx->fc);
	fx->members[0] = sim_node_add(fx->w, "member-1", &consumer_class, &fx->gc);
	fx->members[1] = sim_node_add(fx->w, "member-2", &consumer_class, &fx->gc);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	sim_world_free(fx->w);
	if (fx->out)
		fclose(fx->out);
	free(fx->buf);
	test_free(fx);
	return 0;
}

static void lead_all(struct fx *fx)
{
	fx->epoch++;
	for (int p = 0; p < NPART; p++)
		brk_become_leader(sim_node_state(fx->w, fx->broker), "orders", p, fx->epoch);
	brk_become_leader(sim_node_state(fx->w, fx->broker), BRK_GROUP_OFFSETS_TOPIC, 0,
			  fx->epoch);
}

static void start(struct fx *fx)
{
	sim_node_start(fx->w, fx->broker);
	lead_all(fx);
	for (int i = 0; i < 2; i++) {
		wl_history_producer_config(&fx->hist, 0, i ? "producer-2" : "producer-1",
					   &fx->pc.client);
		sim_node_start(fx->w, fx->producers[i]);
	}
	sim_node_start(fx->w, fx->consumer);
}

/* Quiesce: stop sending, let outcomes settle, then read everything. */
static void quiesce_and_final_read(struct fx *fx)
{
	for (int i = 0; i < 2; i++)
		kw_producer_stop(sim_node_state(fx->w, fx->producers[i]));
	sim_run_for(fx->w, 10 * S);
	sim_node_start(fx->w, fx->final);
	sim_run_for(fx->w, 5 * S);
	struct kw_consumer *f = sim_node_state(fx->w, fx->final);
	struct brk_broker *b = sim_node_state(fx->w, fx->broker);
	for (int p = 0; p < NPART; p++) {
		int64_t hw = brk_high_watermark(b, "orders", p);
		int64_t pos = kw_consumer_position(f, p);
		assert_true(pos == hw || (hw == 0 && pos <= 0));
		wl_history_final_read_end(&fx->hist, sim_now(fx->w), "orders", p, hw);
	}
}

static void judge(struct fx *fx, struct chk_result *r)
{
	fflush(fx->out);
	assert_int_equal(hist_w_error(&fx->hist.w), 0);
	fclose(fx->out);
	fx->out = NULL;
	struct hist *h;
	struct hist_error err;
	int rc = hist_read_buffer(fx->buf, fx->len, &h, &err);
	if (rc)
		fprintf(stderr, "history line %llu col %u: %s\n", (unsigned long long)err.line,
			err.col, err.msg);
	assert_int_equal(rc, 0);
	assert_int_equal(chk_run_all(h, r), CHK_OK);
	hist_free(h);
}

static void test_clean_run_has_no_anomaly(void **state)
{
	struct fx *fx = *state;
	start(fx);
	sim_run_for(fx->w, 5 * S);
	quiesce_and_final_read(fx);
	struct chk_result r;
	judge(fx, &r);
	for (int k = 0; k < CHK_COUNT; k++) {
		if (r.reports[k].count)
			fprintf(stderr, "%s: %llu\n", chk_name((enum chk_kind)k),
				(unsigned long long)r.reports[k].count);
		assert_int_equal(r.reports[k].count, 0);
	}
	/* 2 producers x 200/s x 5 s were sent and recorded. */
	assert_true(fx->hist.lines > 2000);
}

static size_t count_lines(const struct fx *fx, const char *needle)
{
	size_t n = 0;
	for (const char *p = fx->buf; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_power_loss_of_the_only_replica_loses_acked_writes(void **state)
{
	struct fx *fx = *state;
	start(fx);
	sim_run_for(fx->w, 5 * S);
	/* Kafka does not fsync by default: what the page cache held is gone. */
	sim_node_power_loss(fx->w, fx->broker);
	sim_run_for(fx->w, 2 * S);
	sim_node_start(fx->w, fx->broker);
	lead_all(fx);
	sim_run_for(fx->w, 5 * S);
	quiesce_and_final_read(fx);
	struct chk_result r;
	judge(fx, &r);
	if (getenv("KSIM_TEST_HISTORY"))
		fwrite(fx->buf, 1, fx->len, stderr);
	assert_true(r.reports[CHK_LOST_WRITE].count > 0);
	assert_true(r.reports[CHK_LOST_WRITE].n_examples > 0);
	/* Every position auto.offset.reset gives is a seek on record (here
	 * the three first ones), so that the poll checkers do not hold a
	 * consumer to offsets from before a reset. */
	assert_int_equal(
		count_lines(fx, "\"process\":\"consumer-1\",\"type\":\"ok\",\"f\":\"seek\""), 3);
	assert_int_equal(r.reports[CHK_NONMONOTONIC_POLL].count, 0);
}


/* Two members of a group share the partitions; one is killed and the other
 * takes its partitions over from its last commit. Every reassignment is an
 * `assign` line, so the poll checkers see no gap or rewind across it. */
static void test_group_reassignments_are_history(void **state)
{
	struct fx *fx = *state;
	sim_node_start(fx->w, fx->broker);
	lead_all(fx);
	for (int i = 0; i < 2; i++) {
		wl_history_producer_config(&fx->hist, 0, i ? "producer-2" : "producer-1",
					   &fx->pc.client);
		sim_node_start(fx->w, fx->producers[i]);
	}
	sim_node_start(fx->w, fx->members[0]);
	sim_run_for(fx->w, 2 * S);
	sim_node_start(fx->w, fx->members[1]);
	sim_run_for(fx->w, 4 * S);
	sim_node_kill(fx->w, fx->members[1]);
	sim_run_for(fx->w, 10 * S);
	quiesce_and_final_read(fx);
	struct chk_result r;
	judge(fx, &r);
	if (getenv("KSIM_TEST_HISTORY"))
		fwrite(fx->buf, 1, fx->len, stderr);
	for (int k = 0; k < CHK_COUNT; k++) {
		if (r.reports[k].count)
			fprintf(stderr, "%s: %llu\n", chk_name((enum chk_kind)k),
				(unsigned long long)r.reports[k].count);
		assert_int_equal(r.reports[k].count, 0);
	}
	/* member-1 alone (3 partitions), revoked, then 2 of 3 (the range
	 * assignor gives the extra one to the first member id), revoked, then
	 * all 3; member-2 once. */
	assert_true(count_lines(fx, "\"process\":\"member-1\",\"type\":\"ok\",\"f\":\"assign\"") >= 5);
	assert_true(count_lines(fx, "\"process\":\"member-2\",\"type\":\"ok\",\"f\":\"assign\"") >= 1);
	assert_true(count_lines(fx, "\"f\":\"commit\"") > 10);
}

/* A scenario's consumer keys: group, commit and the group timeouts. */
static void test_group_config_keys(void **state)
{
	(void)state;
	struct kc_consumer_config c;
	kc_consumer_config_default(&c);
	assert_null(c.group_id);
	assert_int_equal(c.session_timeout_ns, 45 * S);
	assert_int_equal(c.heartbeat_interval_ns, 3 * S);
	assert_int_equal(c.commit, KC_COMMIT_AFTER_PROCESS);
	struct scn_kv kv[] = {{"session.timeout.ms", "10000"},
			      {"heartbeat.interval.ms", "500"},
			      {"max.poll.interval.ms", "20000"}};
	struct scn_config cfg = {kv, 3};
	char err[128];
	assert_int_equal(wl_config_consumer(&c, &cfg, err, sizeof err), 0);
	assert_int_equal(c.session_timeout_ns, 10 * S);
	assert_int_equal(c.heartbeat_interval_ns, 500 * SIM_NS_PER_MS);
	assert_int_equal(c.rebalance_timeout_ns, 20 * S);
	wl_config_group(&c, "g1", SCN_COMMIT_BEFORE_PROCESS);
	assert_string_equal(c.group_id, "g1");
	assert_int_equal(c.commit, KC_COMMIT_BEFORE_PROCESS);
	wl_config_group(&c, NULL, SCN_COMMIT_NONE);
	assert_null(c.group_id);
	assert_int_equal(c.commit, KC_COMMIT_NONE);
	struct scn_kv bad[] = {{"session.timeout.ms", "soon"}};
	struct scn_config bcfg = {bad, 1};
	assert_int_equal(wl_config_consumer(&c, &bcfg, err, sizeof err), -1);
	assert_non_null(strstr(err, "session.timeout.ms"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_clean_run_has_no_anomaly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_power_loss_of_the_only_replica_loses_acked_writes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_reassignments_are_history, setup,
						teardown),
		cmocka_unit_test(test_group_config_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
