/*
 * The simulated consumer against fake brokers: offset reset (earliest,
 * latest), reading every record in order with the high watermark, following
 * a leader move, seeking, recovering from an out-of-range position, and
 * KIP-320's truncation detection after an unclean leader change.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "broker/client/kc_consumer.h"
#include "sim/util.h"
#include "sim/world.h"
#include "tests/unit/fake_kafka.h"

#define MS SIM_NS_PER_MS
#define MAX_SEEN 256

struct tconsumer {
	struct env *env;
	struct kc_consumer *c;
	char seen[PARTS][MAX_SEEN][16];
	int64_t seen_offset[PARTS][MAX_SEEN];
	int n_seen[PARTS];
	int polls;
	int64_t last_hw[PARTS];
};

static void on_poll(void *arg, const char *topic, int32_t partition,
		    const struct kc_record_view *recs, size_t n, int64_t hw)
{
	struct tconsumer *tc = arg;
	assert_string_equal(topic, "t");
	assert_true(partition >= 0 && partition < PARTS && n > 0);
	tc->polls++;
	tc->last_hw[partition] = hw;
	for (size_t i = 0; i < n; i++) {
		int k = tc->n_seen[partition]++;
		assert_true(k < MAX_SEEN && recs[i].value_len < 16);
		memcpy(tc->seen[partition][k], recs[i].value, recs[i].value_len);
		tc->seen[partition][k][recs[i].value_len] = 0;
		tc->seen_offset[partition][k] = recs[i].offset;
	}
}

static void *tconsumer_start(struct env *env, const void *config)
{
	struct tconsumer *tc = env_calloc(env, 1, sizeof *tc);
	tc->env = env;
	tc->c = kc_consumer_new(env, config, on_poll, tc);
	kc_consumer_assign_all(tc->c, "t");
	return tc;
}

static const struct sim_node_class consumer_class = {"consumer", tconsumer_start};

struct fx {
	struct sim_world *w;
	struct truth t;
	struct fb_config bc[2];
	struct kc_consumer_config cc;
	uint32_t brokers[2], consumer;
};

static void fill(struct truth *t, int part, int from, int n)
{
	for (int i = from; i < from + n; i++)
		snprintf(t->log[part][t->log_len[part]++], 16, "p%d-%d", part, i);
}

static int setup(void **state)
{
	struct fx *fx = test_calloc(1, sizeof *fx);
	struct sim_world_config wc;
	sim_world_config_default(&wc, 4);
	fx->w = sim_world_new(&wc);
	fake_truth_init(&fx->t);
	for (int i = 0; i < 2; i++) {
		fx->bc[i] = (struct fb_config){i + 1, &fx->t};
		char name[32];
		snprintf(name, sizeof name, "broker-%d", i + 1);
		fx->brokers[i] = sim_node_add(fx->w, name, &fake_broker_class, &fx->bc[i]);
	}
	kc_consumer_config_default(&fx->cc);
	fx->cc.cluster.bootstrap[0] = "broker-2";
	fx->cc.cluster.n_bootstrap = 1;
	fx->cc.fetch_max_wait_ns = 100 * MS;
	fx->consumer = sim_node_add(fx->w, "consumer-1", &consumer_class, &fx->cc);
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

static struct tconsumer *start(struct fx *fx)
{
	sim_node_start(fx->w, fx->brokers[0]);
	sim_node_start(fx->w, fx->brokers[1]);
	sim_node_start(fx->w, fx->consumer);
	return sim_node_state(fx->w, fx->consumer);
}

/* Each partition's reads are exactly its log, in order, once each. */
static void assert_read_all(const struct fx *fx, const struct tconsumer *tc, int from)
{
	for (int p = 0; p < PARTS; p++) {
		assert_int_equal(tc->n_seen[p], fx->t.log_len[p] - from);
		for (int k = 0; k < tc->n_seen[p]; k++) {
			assert_int_equal(tc->seen_offset[p][k], from + k);
			assert_string_equal(tc->seen[p][k], fx->t.log[p][from + k]);
		}
	}
}

static void test_earliest_reads_everything_in_order(void **state)
{
	struct fx *fx = *state;
	fx->cc.reset_earliest = true;
	fill(&fx->t, 0, 0, 20);
	fill(&fx->t, 1, 0, 7);
	struct tconsumer *tc = start(fx);
	sim_run_for(fx->w, 1 * SIM_NS_PER_S);
	assert_read_all(fx, tc, 0);
	assert_int_equal(tc->last_hw[0], 20);
	assert_int_equal(kc_consumer_position(tc->c, "t", 0), 20);
	/* New records arrive on later fetches. */
	fill(&fx->t, 0, 20, 5);
	sim_run_for(fx->w, 1 * SIM_NS_PER_S);
	assert_read_all(fx, tc, 0);
	assert_int_equal(tc->last_hw[0], 25);
}

/* Check.crcs: a batch whose CRC fails, or whose records do not parse, is
 * handed over in no part; the consumer fetches it again and reads every
 * record once, in order, when good bytes come. */
static void corrupt_then_heal(struct fx *fx, int kind)
{
	fx->cc.reset_earliest = true;
	fill(&fx->t, 0, 0, 10);
	fx->t.corrupt_kind = kind;
	fx->t.corrupt_fetches = 1000000;
	struct tconsumer *tc = start(fx);
	sim_run_for(fx->w, 1 * SIM_NS_PER_S);
	assert_true(fx->t.fetch_requests >= 2);
	assert_int_equal(tc->n_seen[0], 0);
	assert_int_equal(kc_consumer_position(tc->c, "t", 0), 0);
	fx->t.corrupt_fetches = 0;
	sim_run_for(fx->w, 1 * SIM_NS_PER_S);
	assert_read_all(fx, tc, 0);
}

static void test_bad_crc_batch_not_handed_over(void **state)
{
	corrupt_then_heal(*state, 0);
}

static void test_malformed_record_batch_not_handed_over(void **state)
{
	corrupt_then_heal(*state, 1);
}

static void test_latest_skips_the_past(void **state)
{
	struct fx *fx = *state;
	fill(&fx->t, 0, 0, 10);
	struct tconsumer *tc = start(fx);
	sim_run_for(fx->w, 1 * SIM_NS_PER_S);
	assert_int_equal(tc->n_seen[0], 0);
	assert_int_equal(kc_consumer_position(tc->c, "t", 0), 10);
	fill(&fx->t, 0, 10, 3);
	sim_run_for(fx->w, 1 * SIM_NS_PER_S);
	assert_int_equal(tc->n_seen[0], 3);
	assert_string_equal(tc->seen[0][0], "p0-10");
}

static void test_follows_a_leader_move(void **state)
{
	struct fx *fx = *state;
	fx->cc.reset_earliest = true;
	fill(&fx->t, 0, 0, 5);
	struct tconsumer *tc = start(fx);
	sim_run_for(fx->w, 1 * SIM_NS_PER_S);
	fx->t.leader[0] = 2;
	fill(&fx->t, 0, 5, 5);
	sim_run_for(fx->w, 2 * SIM_NS_PER_S);
	assert_read_all(fx, tc, 0);
	/* The position was validated with the new leader, and held. */
	assert_int_equal(fx->t.epoch_requests, 1);
}

/* An unclean election: the new leader (epoch 1) lacks offsets 6..9 of
 * epoch 0, which the consumer has read, and has two records of its own. */
static struct tconsumer *read_then_unclean_election(struct fx *fx)
{
	fx->cc.reset_earliest = true;
	fill(&fx->t, 0, 0, 10);
	struct tconsumer *tc = start(fx);
	sim_run_for(fx->w, 1 * SIM_NS_PER_S);
	assert_int_equal(tc->n_seen[0], 10);
	fx->t.leader[0] = 2;
	fx->t.log_len[0] = 6;
	for (int i = 6; i < 8; i++) {
		snprintf(fx->t.log[0][i], 16, "new-%d", i);
		fx->t.rec_epoch[0][i] = 1;
	}
	fx->t.log_len[0] = 8;
	sim_run_for(fx->w, 2 * SIM_NS_PER_S);
	return tc;
}

/* KIP-320: OffsetsForLeaderEpoch says epoch 0 ends at 6 on the new leader;
 * the consumer reads on from 6 (the new records), nothing again. */
static void test_truncation_detected_after_unclean_election(void **state)
{
	struct fx *fx = *state;
	struct tconsumer *tc = read_then_unclean_election(fx);
	assert_int_equal(fx->t.epoch_requests, 1);
	assert_int_equal(tc->n_seen[0], 12);
	assert_int_equal(tc->seen_offset[0][10], 6);
	assert_string_equal(tc->seen[0][10], "new-6");
	assert_string_equal(tc->seen[0][11], "new-7");
	assert_int_equal(kc_consumer_position(tc->c, "t", 0), 8);
}

/* Before Kafka 2.3: the position 10 is out of range on the new leader and
 * auto.offset.reset (earliest) reads the partition from 0 again. */
static void test_pre_kip320_resets_by_auto_offset_reset(void **state)
{
	struct fx *fx = *state;
	fx->cc.validate_positions = false;
	struct tconsumer *tc = read_then_unclean_election(fx);
	assert_int_equal(fx->t.epoch_requests, 0);
	assert_int_equal(tc->n_seen[0], 18);
	assert_int_equal(tc->seen_offset[0][10], 0);
	assert_string_equal(tc->seen[0][16], "new-6");
}

static void test_seek_and_out_of_range(void **state)
{
	struct fx *fx = *state;
	fx->cc.reset_earliest = true;
	fill(&fx->t, 0, 0, 8);
	struct tconsumer *tc = start(fx);
	sim_run_for(fx->w, 1 * SIM_NS_PER_S);
	assert_int_equal(tc->n_seen[0], 8);
	kc_consumer_seek(tc->c, "t", 0, 6);
	sim_run_for(fx->w, 1 * SIM_NS_PER_S);
	assert_int_equal(tc->n_seen[0], 10); /* offsets 6 and 7 again */
	assert_int_equal(tc->seen_offset[0][8], 6);
	/* Past the end: OFFSET_OUT_OF_RANGE, reset to earliest, all again. */
	kc_consumer_seek(tc->c, "t", 0, 100);
	sim_run_for(fx->w, 1 * SIM_NS_PER_S);
	assert_int_equal(tc->n_seen[0], 18);
	assert_int_equal(tc->seen_offset[0][10], 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_earliest_reads_everything_in_order),
		T(test_bad_crc_batch_not_handed_over),
		T(test_malformed_record_batch_not_handed_over),
		T(test_latest_skips_the_past),
		T(test_follows_a_leader_move),
		T(test_seek_and_out_of_range),
		T(test_truncation_detected_after_unclean_election),
		T(test_pre_kip320_resets_by_auto_offset_reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
