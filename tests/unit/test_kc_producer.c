/*
 * The simulated producer against fake brokers (an in-memory log per
 * partition behind the real front door): routing by key, batching, acks,
 * leadership changes, retries with and without idempotence (duplicates
 * appear only without it), delivery timeouts, and honest outcomes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "broker/client/kc_partitioner.h"
#include "broker/client/kc_producer.h"
#include "broker/kafka/brk_front.h"
#include "broker/kp/kp_error.h"
#include "broker/log/record_batch.h"
#include "sim/util.h"
#include "sim/world.h"

#define MS SIM_NS_PER_MS
#include "tests/unit/fake_kafka.h"

/* ---- The producer node -------------------------------------------------------- */

#define MAX_OUT 512

struct tproducer {
	struct env *env;
	struct kc_producer *p;
	struct kc_send_result out[MAX_OUT];
	char out_error[MAX_OUT][40];
	int n_out;
};

static void on_result(void *arg, const struct kc_send_result *res)
{
	struct tproducer *tp = arg;
	assert_true(tp->n_out < MAX_OUT);
	tp->out[tp->n_out] = *res;
	snprintf(tp->out_error[tp->n_out], 40, "%s", res->error ? res->error : "");
	tp->n_out++;
}

static void *tproducer_start(struct env *env, const void *config)
{
	const struct kc_producer_config *cfg = config;
	struct tproducer *tp = env_calloc(env, 1, sizeof *tp);
	tp->env = env;
	tp->p = kc_producer_new(env, cfg, on_result, tp);
	return tp;
}

static const struct sim_node_class producer_class = {"producer", tproducer_start};

struct fx {
	struct sim_world *w;
	struct truth t;
	struct fb_config bc[2];
	struct kc_producer_config pc;
	uint32_t brokers[2], producer;
};

static int setup(void **state)
{
	struct fx *fx = test_calloc(1, sizeof *fx);
	struct sim_world_config wc;
	sim_world_config_default(&wc, 3);
	fx->w = sim_world_new(&wc);
	fake_truth_init(&fx->t);
	for (int i = 0; i < 2; i++) {
		fx->bc[i] = (struct fb_config){i + 1, &fx->t};
		char name[32];
		snprintf(name, sizeof name, "broker-%d", i + 1);
		fx->brokers[i] = sim_node_add(fx->w, name, &fake_broker_class, &fx->bc[i]);
	}
	kc_producer_config_default(&fx->pc);
	fx->pc.cluster.bootstrap[0] = "broker-1";
	fx->pc.cluster.bootstrap[1] = "broker-2";
	fx->pc.cluster.n_bootstrap = 2;
	fx->pc.cluster.conn.request_timeout_ns = 1000 * MS;
	fx->pc.delivery_timeout_ns = 5000 * MS;
	fx->producer = sim_node_add(fx->w, "producer-1", &producer_class, &fx->pc);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	sim_world_free(fx->w);
	test_free(fx);
	return 0;
}

static struct tproducer *start(struct fx *fx)
{
	sim_node_start(fx->w, fx->brokers[0]);
	sim_node_start(fx->w, fx->brokers[1]);
	sim_node_start(fx->w, fx->producer);
	return sim_node_state(fx->w, fx->producer);
}

static void send_n(struct tproducer *tp, int from, int n, bool keyed)
{
	for (int i = from; i < from + n; i++) {
		char key[16], value[16];
		snprintf(key, sizeof key, "k%d", i % 7);
		snprintf(value, sizeof value, "v%d", i);
		kc_producer_send(tp->p, "t", keyed ? key : NULL, strlen(key), value, strlen(value));
	}
}

/* How many times `value` is in the partition logs. */
static int copies(const struct truth *t, const char *value)
{
	int n = 0;
	for (int p = 0; p < PARTS; p++)
		for (int64_t o = 0; o < t->log_len[p]; o++)
			n += strcmp(t->log[p][o], value) == 0;
	return n;
}

static void test_keyed_sends_land_in_order(void **state)
{
	struct fx *fx = *state;
	fx->pc.linger_ns = 5 * MS;
	struct tproducer *tp = start(fx);
	send_n(tp, 0, 100, true);
	assert_int_equal(tp->n_out, 0); /* never inside the send */
	sim_run_for(fx->w, 2 * SIM_NS_PER_S);
	assert_int_equal(tp->n_out, 100);
	assert_int_equal(kc_producer_pending(tp->p), 0);
	for (int i = 0; i < 100; i++) {
		const struct kc_send_result *r = &tp->out[i];
		assert_int_equal(r->outcome, KC_SEND_OK);
		char key[16], value[16];
		snprintf(key, sizeof key, "k%d", (int)(r->id - 1) % 7);
		snprintf(value, sizeof value, "v%d", (int)(r->id - 1));
		assert_int_equal(r->partition, kc_partition_for_key(key, strlen(key), PARTS));
		assert_string_equal(fx->t.log[r->partition][r->offset], value);
	}
	/* Batching: fewer requests than records. */
	assert_true(fx->t.produce_requests < 100);
	assert_int_equal(fx->t.log_len[0] + fx->t.log_len[1], 100);
}

static void test_leader_change_is_followed(void **state)
{
	struct fx *fx = *state;
	struct tproducer *tp = start(fx);
	send_n(tp, 0, 10, false);
	sim_run_for(fx->w, 500 * MS);
	assert_int_equal(tp->n_out, 10);
	fx->t.leader[0] = 2; /* broker-1 now answers NOT_LEADER for partition 0 */
	send_n(tp, 10, 10, false);
	sim_run_for(fx->w, 2 * SIM_NS_PER_S);
	assert_int_equal(tp->n_out, 20);
	for (int i = 0; i < 20; i++)
		assert_int_equal(tp->out[i].outcome, KC_SEND_OK);
	assert_int_equal(copies(&fx->t, "v15"), 1);
}

/* Answers slower than request.timeout.ms: the producer times out, drops the
 * connection and retries. The broker appended the first attempt. */
static void retry_after_timeouts(struct fx *fx, bool idempotence, int *dups)
{
	fx->pc.idempotence = idempotence;
	fx->pc.max_in_flight = 1;
	struct tproducer *tp = start(fx);
	sim_run_for(fx->w, 200 * MS);
	fx->t.delay_ns = 1500 * MS;
	send_n(tp, 0, 3, false);
	sim_run_for(fx->w, 1200 * MS);
	fx->t.delay_ns = 0;
	sim_run_for(fx->w, 5 * SIM_NS_PER_S);
	assert_int_equal(tp->n_out, 3);
	*dups = 0;
	for (int i = 0; i < 3; i++) {
		char value[16];
		snprintf(value, sizeof value, "v%d", i);
		assert_int_equal(tp->out[i].outcome, KC_SEND_OK);
		assert_true(copies(&fx->t, value) >= 1);
		*dups += copies(&fx->t, value) - 1;
	}
}

static void test_retries_duplicate_without_idempotence(void **state)
{
	int dups;
	retry_after_timeouts(*state, false, &dups);
	assert_true(dups > 0);
}

static void test_idempotence_prevents_duplicates(void **state)
{
	int dups;
	retry_after_timeouts(*state, true, &dups);
	assert_int_equal(dups, 0);
}

static void test_unreachable_cluster_times_out_honestly(void **state)
{
	struct fx *fx = *state;
	struct tproducer *tp = start(fx);
	sim_run_for(fx->w, 200 * MS);
	fx->t.delay_ns = 100 * SIM_NS_PER_S; /* it appends, but never answers in time */
	send_n(tp, 0, 2, false);
	sim_run_for(fx->w, 300 * MS);
	sim_node_power_loss(fx->w, fx->brokers[1]);
	sim_run_for(fx->w, 20 * SIM_NS_PER_S);
	assert_int_equal(tp->n_out, 2);
	/* Appended but never acknowledged: the outcome is unknown, not failed. */
	for (int i = 0; i < 2; i++)
		assert_int_equal(tp->out[i].outcome, KC_SEND_INFO);
}

static void test_definite_refusal_fails(void **state)
{
	struct fx *fx = *state;
	fx->pc.retries = 0;
	struct tproducer *tp = start(fx);
	sim_run_for(fx->w, 200 * MS);
	fx->t.fail_next = KP_ERR_NOT_ENOUGH_REPLICAS;
	fx->t.fail_count = 100;
	send_n(tp, 0, 1, false);
	sim_run_for(fx->w, 2 * SIM_NS_PER_S);
	assert_int_equal(tp->n_out, 1);
	assert_int_equal(tp->out[0].outcome, KC_SEND_FAIL);
	assert_string_equal(tp->out_error[0], kp_error_name(KP_ERR_NOT_ENOUGH_REPLICAS));
	assert_int_equal(copies(&fx->t, "v0"), 0);
}

static void test_retriable_error_then_success(void **state)
{
	struct fx *fx = *state;
	struct tproducer *tp = start(fx);
	sim_run_for(fx->w, 200 * MS);
	fx->t.fail_next = KP_ERR_NOT_ENOUGH_REPLICAS;
	fx->t.fail_count = 3;
	send_n(tp, 0, 1, false);
	sim_run_for(fx->w, 2 * SIM_NS_PER_S);
	assert_int_equal(tp->n_out, 1);
	assert_int_equal(tp->out[0].outcome, KC_SEND_OK);
	assert_int_equal(copies(&fx->t, "v0"), 1);
	assert_int_equal(fx->t.produce_requests, 4);
}

/* The broker stalls (paused) past request.timeout.ms while records keep
 * arriving: the timeout fails the requests in flight, the failure callbacks
 * run the sender again while the dead connection still looks ready (so a
 * send fails after the batch was numbered), and more records arrive before
 * the broker is back. Under idempotence every record must still end
 * acknowledged, exactly once: a batch numbered for a send that never
 * happened must give its numbers back (or never grow), or its sequence range
 * overlaps the next batch's and the broker refuses them as out of order. */
static void test_idempotent_numbering_survives_failed_sends(void **state)
{
	struct fx *fx = *state;
	fx->pc.linger_ns = 20 * MS;
	struct tproducer *tp = start(fx);
	sim_run_for(fx->w, 200 * MS);
	int sent = 0;
	for (int round = 0; round < 3; round++) {
		sim_node_pause(fx->w, fx->brokers[0]);
		for (int i = 0; i < 25; i++) { /* 2.5 s of paused broker */
			send_n(tp, sent, 2, false);
			sent += 2;
			sim_run_for(fx->w, 100 * MS);
		}
		sim_node_resume(fx->w, fx->brokers[0]);
		sim_run_for(fx->w, 3 * SIM_NS_PER_S);
	}
	sim_run_for(fx->w, 10 * SIM_NS_PER_S);
	assert_int_equal(tp->n_out, sent);
	for (int i = 0; i < tp->n_out; i++) {
		char value[16];
		snprintf(value, sizeof value, "v%d", (int)tp->out[i].id - 1);
		assert_int_equal(tp->out[i].outcome, KC_SEND_OK);
		assert_int_equal(copies(&fx->t, value), 1);
	}
}

/* A key that lands on `part` (murmur2 over the topic's PARTS partitions). */
static const char *key_for(int part, char *buf, size_t cap)
{
	for (int i = 0;; i++) {
		snprintf(buf, cap, "key%d", i);
		if (kc_partition_for_key(buf, strlen(buf), PARTS) == part)
			return buf;
	}
}

static void send_keyed(struct tproducer *tp, int part, const char *value)
{
	char key[16];
	key_for(part, key, sizeof key);
	kc_producer_send(tp->p, "t", key, strlen(key), value, strlen(value));
}

/* The outcome of the record whose value is v<id - 1>: results by id. */
static const struct kc_send_result *result_of(struct tproducer *tp, uint64_t id)
{
	for (int i = 0; i < tp->n_out; i++)
		if (tp->out[i].id == id)
			return &tp->out[i];
	return NULL;
}

/* Two partitions of one leader share a connection with one request in
 * flight; partition 0 always has a new batch ready when an answer comes.
 * As Kafka's RecordAccumulator, each drain starts one partition further
 * on, so partition 1's record goes out within a couple of answers instead
 * of waiting for partition 0 to run dry. */
static void test_drain_takes_turns(void **state)
{
	struct fx *fx = *state;
	fx->pc.max_in_flight = 1;
	fx->pc.idempotence = false;
	struct tproducer *tp = start(fx);
	sim_run_for(fx->w, 200 * MS);
	fx->t.delay_ns = 20 * MS;
	char value[16];
	send_keyed(tp, 0, "a0");
	send_keyed(tp, 1, "b"); /* id 2 */
	for (int i = 1; i < 40; i++) {
		sim_run_for(fx->w, 5 * MS);
		snprintf(value, sizeof value, "a%d", i);
		send_keyed(tp, 0, value);
	}
	/* 200 ms: partition 0 still has records arriving and batches ready. */
	assert_non_null(result_of(tp, 2));
	assert_int_equal(result_of(tp, 2)->outcome, KC_SEND_OK);
}

/* three-brokers-nemesis seed 1028: batch X is appended but its answer is
 * lost (the request times out); meanwhile another partition's batch fails
 * for good and the producer takes a new producer id (before KIP-360). X
 * must be retried under the producer id and sequence it was first sent
 * with, so that the broker recognises it: numbered again under the new id
 * it is a new producer's first batch, and is appended twice. */
static void test_retry_keeps_its_producer_id_and_sequence(void **state)
{
	struct fx *fx = *state;
	fx->pc.epoch_bump = false;
	fx->t.leader[1] = 2; /* Y's answer does not queue behind X's */
	struct tproducer *tp = start(fx);
	sim_run_for(fx->w, 200 * MS);
	fx->t.delay_ns = 1500 * MS; /* X is appended at once, answered too late */
	send_keyed(tp, 0, "x");
	sim_run_for(fx->w, 20 * MS);
	assert_int_equal(copies(&fx->t, "x"), 1);
	fx->t.delay_ns = 0;
	fx->t.fail_next = KP_ERR_INVALID_RECORD; /* Y: refused for good */
	fx->t.fail_count = 1;
	send_keyed(tp, 1, "y");
	sim_run_for(fx->w, 300 * MS);
	assert_non_null(result_of(tp, 2));
	assert_int_equal(result_of(tp, 2)->outcome, KC_SEND_FAIL);
	sim_run_for(fx->w, 3 * SIM_NS_PER_S);
	assert_int_equal(fx->t.n_producer_ids, 2); /* it took a new producer id */
	assert_int_equal(result_of(tp, 1)->outcome, KC_SEND_OK);
	assert_int_equal(result_of(tp, 1)->offset, 0);
	assert_int_equal(copies(&fx->t, "x"), 1);
}

/* Acknowledged v0..v2; the leader loses v1 and v2 (an unclean election),
 * so v3's sequence no longer follows the broker's. With KIP-360 (Kafka
 * 2.5+) the producer bumps its epoch and sends v3 again from sequence 0:
 * acknowledged. Before it, v3 fails OUT_OF_ORDER_SEQUENCE_NUMBER. */
static void kip360_after_lost_sequences(struct fx *fx, bool epoch_bump)
{
	fx->pc.epoch_bump = epoch_bump;
	struct tproducer *tp = start(fx);
	sim_run_for(fx->w, 200 * MS);
	for (int i = 0; i < 3; i++) {
		char v[8];
		snprintf(v, sizeof v, "v%d", i);
		send_keyed(tp, 0, v);
		sim_run_for(fx->w, 100 * MS);
	}
	assert_int_equal(tp->n_out, 3);
	fx->t.log_len[0] = 1;
	fx->t.last_seq[0] = 0;
	send_keyed(tp, 0, "v3");
	sim_run_for(fx->w, 1 * SIM_NS_PER_S);
	const struct kc_send_result *r = result_of(tp, 4);
	assert_non_null(r);
	if (epoch_bump) {
		assert_int_equal(r->outcome, KC_SEND_OK);
		assert_int_equal(r->offset, 1);
		assert_int_equal(fx->t.last_epoch[0], 1);
		assert_int_equal(fx->t.n_producer_ids, 1); /* no InitProducerId */
	} else {
		assert_int_equal(r->outcome, KC_SEND_FAIL);
		assert_string_equal(tp->out_error[3],
				    kp_error_name(KP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER));
	}
	assert_int_equal(copies(&fx->t, "v3"), epoch_bump ? 1 : 0);
}

static void test_kip360_epoch_bump(void **state)
{
	kip360_after_lost_sequences(*state, true);
}

static void test_before_kip360_out_of_order_fails(void **state)
{
	kip360_after_lost_sequences(*state, false);
}

static void test_acks_zero(void **state)
{
	struct fx *fx = *state;
	fx->pc.idempotence = false;
	fx->pc.acks = 0;
	struct tproducer *tp = start(fx);
	send_n(tp, 0, 5, false);
	sim_run_for(fx->w, 1 * SIM_NS_PER_S);
	assert_int_equal(tp->n_out, 5);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(tp->out[i].outcome, KC_SEND_OK);
		assert_true(tp->out[i].offset == -1);
	}
	assert_int_equal(fx->t.log_len[0] + fx->t.log_len[1], 5);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_keyed_sends_land_in_order),
		T(test_leader_change_is_followed),
		T(test_retries_duplicate_without_idempotence),
		T(test_idempotence_prevents_duplicates),
		T(test_unreachable_cluster_times_out_honestly),
		T(test_definite_refusal_fails),
		T(test_retriable_error_then_success),
		T(test_idempotent_numbering_survives_failed_sends),
		T(test_acks_zero),
		T(test_retry_keeps_its_producer_id_and_sequence),
		T(test_drain_takes_turns),
		T(test_kip360_epoch_bump),
		T(test_before_kip360_out_of_order_fails),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
