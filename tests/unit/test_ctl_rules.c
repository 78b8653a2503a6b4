/*
 * The controller's pure parts: the leader election and ISR rules
 * (ctl_election) and Kafka's znode formats (ctl_zk), without a cluster.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "broker/ctl/ctl_election.h"
#include "broker/ctl/ctl_zk.h"
#include "broker/kp/kp_error.h"

static struct ctl_pstate state(int32_t leader, int32_t epoch, int32_t version, const int32_t *isr,
			       int32_t n)
{
	struct ctl_pstate st = {leader, epoch, 1, version, {0}, n};
	memcpy(st.isr, isr, (size_t)n * sizeof *isr);
	return st;
}

static void assert_isr(const struct ctl_pstate *st, const int32_t *isr, int32_t n)
{
	assert_int_equal(st->n_isr, n);
	for (int32_t i = 0; i < n; i++)
		assert_int_equal(st->isr[i], isr[i]);
}

static void test_initial(void **s)
{
	(void)s;
	const int32_t reps[] = {3, 1, 2};
	const int32_t live_ids[] = {1, 2};
	struct ctl_live live = {live_ids, 2};
	struct ctl_pstate st = {0};
	/* Broker 3 is down: the first live replica in assignment order leads,
	 * the ISR is the live replicas in assignment order. */
	assert_true(ctl_elect_initial(reps, 3, &live, &st));
	assert_int_equal(st.leader, 1);
	assert_int_equal(st.leader_epoch, 0);
	assert_int_equal(st.zk_version, -1);
	assert_isr(&st, (const int32_t[]){1, 2}, 2);
	struct ctl_live none = {NULL, 0};
	st.leader = 77;
	assert_false(ctl_elect_initial(reps, 3, &none, &st));
	assert_int_equal(st.leader, 77); /* untouched */
}

static void test_leader_gone_and_shrink(void **s)
{
	(void)s;
	const int32_t reps[] = {1, 2, 3};
	struct ctl_pstate old = state(1, 4, 7, (const int32_t[]){1, 3, 2}, 3), out;
	/* Broker 1 leaves: the first live ISR member in ASSIGNMENT order (2,
	 * not 3 which comes first in the ISR) leads, the ISR keeps its order
	 * without 1. */
	struct ctl_live live = {(const int32_t[]){2, 3}, 2};
	assert_int_equal(ctl_elect_reconcile(reps, 3, &old, &live, false, &out),
			 CTL_WHY_LEADER_GONE);
	assert_int_equal(out.leader, 2);
	assert_int_equal(out.leader_epoch, 5);
	assert_int_equal(out.zk_version, 7);
	assert_isr(&out, (const int32_t[]){3, 2}, 2);
	/* A follower leaves: the ISR shrinks, the leader stays, epoch + 1. */
	struct ctl_live live13 = {(const int32_t[]){1, 3}, 2};
	assert_int_equal(ctl_elect_reconcile(reps, 3, &old, &live13, false, &out),
			 CTL_WHY_ISR_SHRINK);
	assert_int_equal(out.leader, 1);
	assert_int_equal(out.leader_epoch, 5);
	assert_isr(&out, (const int32_t[]){1, 3}, 2);
	/* Everyone live: nothing to do, and *out is the old state. */
	struct ctl_live all = {(const int32_t[]){3, 2, 1}, 3};
	assert_int_equal(ctl_elect_reconcile(reps, 3, &old, &all, false, &out), CTL_WHY_NONE);
	assert_int_equal(out.leader_epoch, 4);
	/* A leader whose followers are all gone keeps itself as the ISR. */
	struct ctl_pstate lone = state(1, 2, 0, (const int32_t[]){1}, 1);
	struct ctl_live only1 = {(const int32_t[]){1}, 1};
	assert_int_equal(ctl_elect_reconcile(reps, 3, &lone, &only1, false, &out), CTL_WHY_NONE);
}

static void test_offline_and_unclean(void **s)
{
	(void)s;
	const int32_t reps[] = {1, 2, 3};
	struct ctl_pstate old = state(1, 4, 7, (const int32_t[]){1}, 1), out;
	struct ctl_live live = {(const int32_t[]){2, 3}, 2};
	/* No live ISR member, no unclean election: offline, the ISR kept. */
	assert_int_equal(ctl_elect_reconcile(reps, 3, &old, &live, false, &out), CTL_WHY_OFFLINE);
	assert_int_equal(out.leader, -1);
	assert_int_equal(out.leader_epoch, 5);
	assert_isr(&out, (const int32_t[]){1}, 1);
	/* Offline stays offline without a change while nobody eligible is back. */
	struct ctl_pstate off = out, again;
	assert_int_equal(ctl_elect_reconcile(reps, 3, &off, &live, false, &again), CTL_WHY_NONE);
	/* Unclean: the first live replica leads alone. */
	assert_int_equal(ctl_elect_reconcile(reps, 3, &off, &live, true, &out), CTL_WHY_UNCLEAN);
	assert_int_equal(out.leader, 2);
	assert_int_equal(out.leader_epoch, 6);
	assert_isr(&out, (const int32_t[]){2}, 1);
	/* The last ISR member comes back: it leads, cleanly. */
	struct ctl_live back = {(const int32_t[]){1, 2}, 2};
	assert_int_equal(ctl_elect_reconcile(reps, 3, &off, &back, false, &out), CTL_WHY_CAME_BACK);
	assert_int_equal(out.leader, 1);
	assert_int_equal(out.leader_epoch, 6);
}

static void test_preferred(void **s)
{
	(void)s;
	const int32_t reps[] = {1, 2, 3};
	struct ctl_pstate old = state(2, 3, 5, (const int32_t[]){2, 3, 1}, 3), out;
	struct ctl_live all = {(const int32_t[]){1, 2, 3}, 3};
	assert_int_equal(ctl_elect_preferred(reps, 3, &old, &all, &out), CTL_WHY_PREFERRED);
	assert_int_equal(out.leader, 1);
	assert_int_equal(out.leader_epoch, 4);
	assert_isr(&out, (const int32_t[]){2, 3, 1}, 3);
	/* Not in the ISR, or not live: no move. */
	struct ctl_pstate out_of_sync = state(2, 3, 5, (const int32_t[]){2, 3}, 2);
	assert_int_equal(ctl_elect_preferred(reps, 3, &out_of_sync, &all, &out), CTL_WHY_NONE);
	struct ctl_live no1 = {(const int32_t[]){2, 3}, 2};
	assert_int_equal(ctl_elect_preferred(reps, 3, &old, &no1, &out), CTL_WHY_NONE);
}

/* Controlled shutdown: the leader's partitions move to the first live
 * in-sync replica that is not shutting down; a follower leaves the ISR. */
static void test_controlled_shutdown(void **s)
{
	(void)s;
	const int32_t reps[] = {1, 2, 3};
	struct ctl_live live = {(const int32_t[]){2, 3}, 2}; /* 1 is shutting down */
	struct ctl_live shut = {(const int32_t[]){1}, 1};
	struct ctl_pstate led = state(1, 4, 7, (const int32_t[]){1, 2, 3}, 3), out;
	assert_int_equal(ctl_elect_controlled_shutdown(reps, 3, &led, &live, &shut, 1, &out),
			 CTL_WHY_SHUTDOWN);
	assert_int_equal(out.leader, 2);
	assert_int_equal(out.leader_epoch, 5);
	assert_isr(&out, (const int32_t[]){2, 3}, 2);
	/* Only the shutting broker in sync: nothing to move to (it remains). */
	struct ctl_pstate alone = state(1, 4, 7, (const int32_t[]){1}, 1);
	assert_int_equal(ctl_elect_controlled_shutdown(reps, 3, &alone, &live, &shut, 1, &out),
			 CTL_WHY_NONE);
	assert_int_equal(out.leader, 1);
	/* Another broker shutting down too is neither leader nor ISR member. */
	struct ctl_live live3 = {(const int32_t[]){3}, 1};
	struct ctl_live shut12 = {(const int32_t[]){1, 2}, 2};
	assert_int_equal(ctl_elect_controlled_shutdown(reps, 3, &led, &live3, &shut12, 1, &out),
			 CTL_WHY_SHUTDOWN);
	assert_int_equal(out.leader, 3);
	assert_isr(&out, (const int32_t[]){3}, 1);
	/* A follower in the ISR leaves it; the leader stays. */
	struct ctl_pstate followed = state(2, 4, 7, (const int32_t[]){2, 1, 3}, 3);
	assert_int_equal(
		ctl_elect_controlled_shutdown(reps, 3, &followed, &live, &shut, 1, &out),
		CTL_WHY_SHUTDOWN_ISR);
	assert_int_equal(out.leader, 2);
	assert_int_equal(out.leader_epoch, 5);
	assert_isr(&out, (const int32_t[]){2, 3}, 2);
	/* One replica: left alone. */
	assert_int_equal(ctl_elect_controlled_shutdown(reps, 1, &alone, &live, &shut, 1, &out),
			 CTL_WHY_NONE);
}

static void test_alter_validate(void **s)
{
	(void)s;
	const int32_t reps[] = {1, 2, 3};
	struct ctl_pstate st = state(1, 4, 7, (const int32_t[]){1, 2, 3}, 3);
	struct ctl_live live = {(const int32_t[]){1, 2, 3}, 3};
	const int32_t shrink[] = {1, 2};
	struct ctl_alter ok = {1, 100, 100, 4, 7, shrink, 2};
	bool same;
	assert_int_equal(ctl_alter_validate(reps, 3, &st, &ok, &live, &same), KP_ERR_NONE);
	assert_false(same);
	struct ctl_alter a = ok;
	a.broker_epoch = 99;
	assert_int_equal(ctl_alter_validate(reps, 3, &st, &a, &live, &same),
			 KP_ERR_STALE_BROKER_EPOCH);
	a = ok;
	a.registered_epoch = -1; /* the sender is not live */
	assert_int_equal(ctl_alter_validate(reps, 3, &st, &a, &live, &same),
			 KP_ERR_STALE_BROKER_EPOCH);
	a = ok;
	a.broker_id = 2;
	a.broker_epoch = a.registered_epoch = 5;
	assert_int_equal(ctl_alter_validate(reps, 3, &st, &a, &live, &same),
			 KP_ERR_NOT_LEADER_OR_FOLLOWER);
	a = ok;
	a.leader_epoch = 3;
	assert_int_equal(ctl_alter_validate(reps, 3, &st, &a, &live, &same),
			 KP_ERR_FENCED_LEADER_EPOCH);
	a = ok;
	a.partition_epoch = 6;
	assert_int_equal(ctl_alter_validate(reps, 3, &st, &a, &live, &same),
			 KP_ERR_INVALID_UPDATE_VERSION);
	/* The state it asks for is the current one (its earlier answer was
	 * lost): answered with that state whatever its partition epoch, as
	 * Kafka's controller does, so that a retried proposal is idempotent. */
	a = ok;
	a.partition_epoch = 6;
	a.new_isr = (const int32_t[]){1, 2, 3};
	a.n_new_isr = 3;
	assert_int_equal(ctl_alter_validate(reps, 3, &st, &a, &live, &same), KP_ERR_NONE);
	assert_true(same);
	a = ok;
	a.new_isr = (const int32_t[]){1, 9};
	assert_int_equal(ctl_alter_validate(reps, 3, &st, &a, &live, &same),
			 KP_ERR_INELIGIBLE_REPLICA);
	struct ctl_live no2 = {(const int32_t[]){1, 3}, 2};
	assert_int_equal(ctl_alter_validate(reps, 3, &st, &ok, &no2, &same),
			 KP_ERR_INELIGIBLE_REPLICA);
	a = ok;
	a.new_isr = (const int32_t[]){1, 1};
	assert_int_equal(ctl_alter_validate(reps, 3, &st, &a, &live, &same),
			 KP_ERR_INVALID_REQUEST);
	a.n_new_isr = 0;
	assert_int_equal(ctl_alter_validate(reps, 3, &st, &a, &live, &same),
			 KP_ERR_INVALID_REQUEST);
	a = ok;
	a.new_isr = (const int32_t[]){1, 2, 3};
	a.n_new_isr = 3;
	assert_int_equal(ctl_alter_validate(reps, 3, &st, &a, &live, &same), KP_ERR_NONE);
	assert_true(same);
}

/* ---- znode formats ---------------------------------------------------------------------- */

struct seen {
	int32_t part[8], n[8], first[8];
	int count;
};

static void each(void *arg, int32_t partition, const int32_t *replicas, int32_t n)
{
	struct seen *s = arg;
	s->part[s->count] = partition;
	s->n[s->count] = n;
	s->first[s->count++] = n ? replicas[0] : -1;
}

static int parse_assign(const char *text, struct seen *s)
{
	memset(s, 0, sizeof *s);
	return ctl_zk_parse_assignment(text, strlen(text), each, s);
}

static void test_assignment(void **st)
{
	(void)st;
	struct seen s;
	/* What brk_topics.c (and Kafka) writes. */
	const char *k = "{\"version\":2,\"partitions\":{\"0\":[1,2,3],\"1\":[2,3,1]},"
			"\"adding_replicas\":{},\"removing_replicas\":{}}";
	assert_int_equal(parse_assign(k, &s), 2);
	assert_int_equal(s.part[1], 1);
	assert_int_equal(s.n[1], 3);
	assert_int_equal(s.first[1], 2);
	/* Whitespace and key order do not matter; version 1 has no extra maps. */
	assert_int_equal(parse_assign(" { \"partitions\" : { \"3\" : [ 7 ] } , \"version\" : 1 } ",
				      &s),
			 1);
	assert_int_equal(s.part[0], 3);
	assert_int_equal(s.first[0], 7);
	static const char *const bad[] = {
		"", "{", "{}", "{\"partitions\":[]}", "{\"partitions\":{\"x\":[1]}}",
		"{\"partitions\":{\"-1\":[1]}}", "{\"partitions\":{\"0\":[1,1]}}",
		"{\"partitions\":{\"0\":[1.5]}}", "{\"partitions\":{\"0\":[1]}} trailing",
		"{\"partitions\":{\"0\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]}}",
		"{\"a\":[[[[[[[[[[1]]]]]]]]]],\"partitions\":{}}",
		"{\"partitions\":{\"0\":[99999999999]}}", "{\"partitions\":{\"0\":[1]}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(parse_assign(bad[i], &s), -1);
		assert_int_equal(s.count, 0); /* validated before the first call */
	}
}

static void test_state_and_others(void **s)
{
	(void)s;
	struct ctl_pstate st = {.leader = 3, .leader_epoch = 7, .controller_epoch = 2, .n_isr = 2};
	st.isr[0] = 3;
	st.isr[1] = 1;
	char buf[256];
	size_t len = ctl_zk_encode_state(buf, sizeof buf, &st);
	const char *want = "{\"controller_epoch\":2,\"leader\":3,\"version\":1,\"leader_epoch\":7,"
			   "\"isr\":[3,1]}";
	assert_string_equal(buf, want);
	assert_int_equal(len, strlen(want));
	struct ctl_pstate back = {.zk_version = 12};
	assert_int_equal(ctl_zk_parse_state(buf, len, &back), 0);
	assert_int_equal(back.leader, 3);
	assert_int_equal(back.leader_epoch, 7);
	assert_int_equal(back.controller_epoch, 2);
	assert_int_equal(back.zk_version, 12);
	assert_isr(&back, st.isr, 2);
	assert_int_equal(ctl_zk_parse_state("{\"leader\":-1,\"leader_epoch\":0,\"isr\":[]}", 38,
					    &back),
			 -1); /* no controller_epoch */
	/* The encoder reports the length needed when the buffer is short. */
	assert_int_equal(ctl_zk_encode_state(buf, 10, &st), strlen(want));

	len = ctl_zk_encode_controller(buf, sizeof buf, 2, 1700000000123LL);
	assert_string_equal(buf, "{\"version\":1,\"brokerid\":2,\"timestamp\":\"1700000000123\"}");
	int32_t id = -1;
	assert_int_equal(ctl_zk_parse_controller(buf, len, &id), 0);
	assert_int_equal(id, 2);
	int32_t epoch = -1;
	assert_int_equal(ctl_zk_parse_epoch("41", 2, &epoch), 0);
	assert_int_equal(epoch, 41);
	assert_int_equal(ctl_zk_parse_epoch("4x", 2, &epoch), -1);
	assert_int_equal(ctl_zk_parse_epoch("-1", 2, &epoch), -1);
	assert_int_equal(ctl_zk_parse_epoch("", 0, &epoch), -1);

	const char *broker = "{\"listener_security_protocol_map\":{\"PLAINTEXT\":\"PLAINTEXT\"},"
			     "\"endpoints\":[\"PLAINTEXT://broker-2:9092\"],\"jmx_port\":-1,"
			     "\"host\":\"broker-2\",\"timestamp\":\"5\",\"port\":9092,"
			     "\"version\":5}";
	char host[64];
	uint16_t port = 0;
	assert_int_equal(ctl_zk_parse_broker(broker, strlen(broker), host, sizeof host, &port), 0);
	assert_string_equal(host, "broker-2");
	assert_int_equal(port, 9092);
	assert_int_equal(ctl_zk_parse_broker("{\"host\":\"h\",\"port\":0}", 21, host, 64, &port),
			 -1);
}

/* Every prefix of a valid znode, and every one-byte change, parses cleanly
 * or fails cleanly (ASan and Valgrind watch the reads). */
static void test_truncations_and_flips(void **s)
{
	(void)s;
	const char *k = "{\"version\":2,\"partitions\":{\"0\":[1,2,3],\"1\":[2,3,1]},"
			"\"adding_replicas\":{},\"removing_replicas\":{}}";
	size_t n = strlen(k);
	char buf[256];
	struct seen sn;
	struct ctl_pstate st;
	for (size_t len = 0; len < n; len++) {
		memcpy(buf, k, len);
		assert_int_equal(ctl_zk_parse_assignment(buf, len, each, &sn), -1);
	}
	for (size_t i = 0; i < n; i++)
		for (int v = 0; v < 256; v += 7) {
			memcpy(buf, k, n);
			buf[i] = (char)v;
			memset(&sn, 0, sizeof sn);
			int r = ctl_zk_parse_assignment(buf, n, each, &sn);
			assert_true(r == -1 || (r >= 0 && r <= 2 && sn.count == r));
			assert_true(ctl_zk_parse_state(buf, n, &st) <= 0);
		}
}

/* Reads a multi's results as the client hands them over. */
static enum ctl_zk_outcome outcome(const struct zk_multi_result *res, int32_t n, int32_t *failed,
				   int32_t *err, int32_t *versions)
{
	uint8_t buf[1024];
	struct wire_writer w;
	wire_writer_init(&w, buf, sizeof buf);
	zk_encode_multi_response(&w, res, n);
	assert_int_equal(w.err, 0);
	struct wire_reader r;
	wire_reader_init(&r, buf, w.len);
	struct zk_multi m;
	assert_int_equal(zk_decode_multi_response(&r, &m), 0);
	struct zk_client_result cr = {ZOK, 1, NULL, &m};
	return ctl_zk_multi_outcome(&cr, failed, err, versions, 3);
}

static void test_multi_outcome(void **s)
{
	(void)s;
	int32_t failed, err, v[3] = {-1, -1, -1};
	struct zk_multi_result ok[3] = {{.type = ZK_OP_CHECK},
					{.type = ZK_OP_SET_DATA, .stat = {.version = 5}},
					{.type = ZK_OP_CREATE, .path = {"/x", 2}}};
	/* versions[i] is op i + 1's: the op after the fence check. */
	assert_int_equal(outcome(ok, 3, &failed, &err, v), CTL_ZK_DONE);
	assert_int_equal(err, ZOK);
	assert_int_equal(v[0], 5);
	assert_int_equal(v[1], 0);
	assert_int_equal(v[2], -1); /* no op 3 */
	/* The epoch check failed: the others were never applied. */
	struct zk_multi_result fenced[2] = {{ZK_OP_ERROR, ZBADVERSION, {NULL, -1}, {0}},
					    {ZK_OP_ERROR, ZRUNTIMEINCONSISTENCY, {NULL, -1}, {0}}};
	assert_int_equal(outcome(fenced, 2, &failed, &err, v), CTL_ZK_FENCED);
	assert_int_equal(failed, 0);
	assert_int_equal(err, ZBADVERSION);
	/* The state's version moved: op 1 failed, the check was rolled back. */
	struct zk_multi_result stale[2] = {{ZK_OP_ERROR, ZOK, {NULL, -1}, {0}},
					   {ZK_OP_ERROR, ZBADVERSION, {NULL, -1}, {0}}};
	assert_int_equal(outcome(stale, 2, &failed, &err, v), CTL_ZK_OP_FAILED);
	assert_int_equal(failed, 1);
	assert_int_equal(err, ZBADVERSION);
	/* No answer at all. */
	struct zk_client_result lost = {ZCONNECTIONLOSS, 0, NULL, NULL};
	assert_int_equal(ctl_zk_multi_outcome(&lost, &failed, &err, v, 3), CTL_ZK_LOST);
	assert_int_equal(err, ZCONNECTIONLOSS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_initial),
		cmocka_unit_test(test_leader_gone_and_shrink),
		cmocka_unit_test(test_offline_and_unclean),
		cmocka_unit_test(test_preferred),
		cmocka_unit_test(test_controlled_shutdown),
		cmocka_unit_test(test_alter_validate),
		cmocka_unit_test(test_assignment),
		cmocka_unit_test(test_state_and_others),
		cmocka_unit_test(test_truncations_and_flips),
		cmocka_unit_test(test_multi_outcome),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
