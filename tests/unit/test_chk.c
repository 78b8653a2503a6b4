/*
 * Unit tests for checkers/: every checker on the hand-written histories of
 * tests/histories/ (one clean, one per anomaly), asserting every count
 * of every file and the exact example operations of the anomaly it shows;
 * then example selection, expect evaluation, the summary.json fragment and
 * chk_run_file's exit codes. The expected numbers are worked out by hand in
 * the comments from each file's lines and the definitions in
 * docs/checkers.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checkers/chk.h"
#include "checkers/chk_impl.h"
#include "harness/hist.h"

struct example {
	uint64_t line;
	const char *process;
	const char *detail;
};

struct fixture {
	const char *file;
	/* lost, dup, incons, nm-poll, nm-send, skip, unexp, rep-div, rewrite, split, zk, live,
	 * group-skip, group-redelivery */
	uint64_t counts[CHK_COUNT];
	enum chk_kind kind; /* whose examples are checked */
	size_t n_examples;
	struct example ex[4];
};

static const struct fixture fixtures[] = {
    {"clean", {0}, CHK_LOST_WRITE, 0, {{0}}},
    /*
     * b (line 4, orders/0@1) is missing; d (line 8, orders/1@0) too; e
     * (line 11, orders/0@3) was overwritten by f, which was only invoked.
     */
    {"lost_write",
     {3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
     CHK_LOST_WRITE,
     3,
     {{4, "producer-1", "orders/0@1: acknowledged \"b\" but absent"},
      {8, "producer-2", "orders/1@0: acknowledged \"d\" but absent"},
      {11, "producer-1", "orders/0@3: acknowledged \"e\" but another value is there"}}},
    /*
     * The poll on line 5 is the first to show "a" at a second offset; the
     * final read shows "c" at offset 3 of two partitions.
     */
    {"duplicate",
     {0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
     CHK_DUPLICATE,
     2,
     {{5, "consumer-1", "\"a\" at orders/0@0 and orders/0@1"},
      {7, "final-reader", "\"c\" at orders/0@3 and orders/1@3"}}},
    /* Offset 1: "b" polled, "c" finally; broker-2's "d" is above its hw. */
    {"inconsistent_offsets",
     {0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0},
     CHK_INCONSISTENT_OFFSETS,
     1,
     {{5, "final-reader", "orders/0@1: \"b\" then \"c\""}}},
    /* consumer-1 re-reads 1 (line 8); consumer-2 goes from 2 to 0 (line 12). */
    {"nonmonotonic_poll",
     {0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0},
     CHK_NONMONOTONIC_POLL,
     2,
     {{8, "consumer-1", "orders/0: offset 1 after 1"},
      {12, "consumer-2", "orders/0: offset 0 after 2"}}},
    /* 0 -> 2 across polls (line 10), 0 -> 3 inside one poll (line 14). */
    {"poll_skip",
     {0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0},
     CHK_POLL_SKIP,
     2,
     {{10, "consumer-1", "orders/0: offset 2 after 0"},
      {14, "consumer-2", "orders/0: offset 3 after 0"}}},
    /* producer-1 (idempotent) and producer-3 (one in flight); not producer-2. */
    {"nonmonotonic_send",
     {0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0},
     CHK_NONMONOTONIC_SEND,
     2,
     {{5, "producer-1", "orders/0: \"b\" got offset 0, below 1 of an earlier send"},
      {13, "producer-3", "orders/1: \"d\" got offset 0, below 1 of an earlier send"}}},
    /* "zz" polled (line 3) and finally read: one value. */
    {"unexpected",
     {0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0},
     CHK_UNEXPECTED,
     1,
     {{3, "consumer-1", "orders/0@1: \"zz\" was never sent"}}},
    /*
     * Reference broker-1 (hw 3, first of the two with 3). broker-2 differs
     * at 1, broker-3 lacks 2; broker-4 is out of sync. broker-2's "x" below
     * its own hw is also an inconsistent offset. On orders/1 broker-2 holds
     * a record below the hw that the reference, broker-1, lacks.
     */
    {"replica_divergence",
     {0, 0, 1, 0, 0, 0, 0, 3, 0, 0, 0, 0},
     CHK_REPLICA_DIVERGENCE,
     3,
     {{2, "replica:broker-2", "orders/0@1: \"x\" here, \"b\" on replica:broker-1"},
      {3, "replica:broker-3", "orders/0@2: nothing here, \"c\" on replica:broker-1"},
      {6, "replica:broker-2", "orders/1@1: \"y\" here, nothing on replica:broker-1"}}},
    /*
     * Offset 0 was polled as "a" under hw 1, then read as "b": a rewrite.
     * Offset 1 changed too ("c" -> "d") but "c" was read with no hw above
     * it, so it is only inconsistent.
     */
    {"committed_rewrite",
     {0, 0, 2, 0, 0, 0, 0, 0, 1, 0, 0, 0},
     CHK_COMMITTED_REWRITE,
     1,
     {{7, "final-reader", "orders/0@0: committed \"a\", now \"b\""}}},
    /* Epoch 1 of orders/0: broker-2 after broker-1; controller epoch 5. */
    {"split_brain",
     {0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0},
     CHK_SPLIT_BRAIN,
     2,
     {{4, "broker-2", "orders/0 epoch 1: broker-2 after broker-1"},
      {8, "broker-3", "controller epoch 5: broker-3 after broker-1"}}},
    {"zk_agreement",
     {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0},
     CHK_ZK_AGREEMENT,
     2,
     {{2, "zk-2", "zxid 0x100000002: digest dX, not d2"},
      {3, "zk-3", "zxid 0x100000003: digest dZ, not d3"}}},
    /* orders/0 recovers on line 2; orders/1 and orders/3 stay broken. */
    {"liveness",
     {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2},
     CHK_LIVENESS,
     2,
     {{1, "harness", "orders/1: refuses writes (the acks=all probe was not acknowledged)"},
      {1, "harness", "orders/3: has no leader"}}},
    /*
     * Line 15's rows: orders/0 is alive (its probe acknowledged at 1 and read
     * back there); orders/1 refused the probe and its final read did not
     * complete, so "b" (acknowledged at orders/1@0) is unreadable, not lost;
     * orders/2's probe was acknowledged but the final read does not hold it
     * (also a lost write); orders/3's broker-3 stayed outside the ISR;
     * orders/4's probe has only an invoke.
     */
    {"liveness_probe",
     {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0},
     CHK_LIVENESS,
     4,
     {{15, "quiesce",
       "orders/1: refuses writes (the acks=all probe was not acknowledged); the final read "
       "could not read it"},
      {15, "quiesce", "orders/2: probe \"probe-orders-2\" was not read back"},
      {15, "quiesce", "orders/3: replica broker-3 is not in the ISR after healing"},
      {15, "quiesce", "orders/4: probe \"probe-orders-4\" has no acknowledgement"}}},
    /*
     * consumer-1 (g1) commits 4 on line 17, having processed a and b; c and
     * d (offsets 2, 3) were processed only by consumer-3, which is in no
     * group. e (offset 4) is above the committed offset; the info commit of
     * line 18 is not acknowledged.
     */
    {"group_skip",
     {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0},
     CHK_GROUP_SKIP,
     2,
     {{17, "consumer-1", "group g1 committed orders/0 past 2 (\"c\"), which no member processed"},
      {17, "consumer-1",
       "group g1 committed orders/0 past 3 (\"d\"), which no member processed"}}},
    /*
     * b (orders/0@1) is processed by consumer-1, then by consumer-2 (line
     * 15) and by consumer-1 again (line 18: counted once); d (orders/1@0) is
     * processed twice by consumer-2 (line 20, after a seek).
     */
    {"group_redelivery",
     {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2},
     CHK_GROUP_REDELIVERY,
     2,
     {{15, "consumer-2", "group g1: orders/0@1 \"b\" processed again"},
      {20, "consumer-2", "group g1: orders/1@0 \"d\" processed again"}}},
};

static struct hist *load(const char *name)
{
	char path[256];
	struct hist *h = NULL;
	struct hist_error err;
	snprintf(path, sizeof(path), "tests/histories/%s.jsonl", name);
	int rc = hist_read_file(path, &h, &err);
	if (rc)
		hist_error_print(stderr, path, &err);
	assert_int_equal(rc, HIST_OK);
	return h;
}

static void test_fixtures(void **state)
{
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		const struct fixture *f = &fixtures[i];
		struct hist *h = load(f->file);
		struct chk_result res;
		assert_int_equal(chk_run_all(h, &res), CHK_OK);
		for (int k = 0; k < CHK_COUNT; k++) {
			if (res.reports[k].count != f->counts[k])
				fprintf(stderr, "%s: %s counted %llu\n", f->file,
				        chk_name((enum chk_kind)k),
				        (unsigned long long)res.reports[k].count);
			assert_int_equal(res.reports[k].count, f->counts[k]);
		}
		/* Only liveness_probe has a partition the final read could not read. */
		assert_int_equal(res.unreadable, strcmp(f->file, "liveness_probe") == 0);
		const struct chk_report *r = &res.reports[f->kind];
		assert_int_equal(r->n_examples, f->n_examples);
		for (size_t e = 0; e < f->n_examples; e++) {
			assert_int_equal(r->examples[e].line, f->ex[e].line);
			assert_int_equal(r->examples[e].time, h->ops[f->ex[e].line - 1].time);
			assert_string_equal(r->examples[e].process, f->ex[e].process);
			assert_string_equal(r->examples[e].detail, f->ex[e].detail);
		}
		hist_free(h);
	}
}

/*
 * Twelve acknowledged sends all lost: the count is 12 and the examples are
 * the first ten ok lines, in line order, whatever order they were noted in.
 */
static void test_examples_keep_first_ten(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	for (int i = 0; i < 12; i++) {
		fprintf(f,
		        "{\"time\":%d,\"process\":\"p\",\"type\":\"invoke\",\"f\":\"send\","
		        "\"values\":{\"topic\":\"t\",\"value\":\"v%d\"}}\n"
		        "{\"time\":%d,\"process\":\"p\",\"type\":\"ok\",\"f\":\"send\","
		        "\"values\":{\"topic\":\"t\",\"partition\":0,\"value\":\"v%d\","
		        "\"offset\":%d}}\n",
		        i, i, i, i, i);
	}
	fputs("{\"time\":99,\"process\":\"final-reader\",\"type\":\"ok\",\"f\":\"final-read\","
	      "\"values\":[]}\n",
	      f);
	fclose(f);
	struct hist *h;
	struct hist_error err;
	assert_int_equal(hist_read_buffer(buf, len, &h, &err), HIST_OK);
	struct chk_report r;
	assert_int_equal(chk_run(CHK_LOST_WRITE, h, &r), CHK_OK);
	assert_int_equal(r.count, 12);
	assert_int_equal(r.n_examples, CHK_MAX_EXAMPLES);
	for (int i = 0; i < CHK_MAX_EXAMPLES; i++)
		assert_int_equal(r.examples[i].line, (uint64_t)(2 * i + 2));
	hist_free(h);
	free(buf);
}

/*
 * chk_note directly: notes arriving out of order keep the ten smallest
 * (line, order) sorted; among equal keys the earlier note stays first and a
 * later equal note does not displace a kept one.
 */
static void test_note_order(void **state)
{
	struct hist *h = load("clean");
	struct chk_report r;
	struct hist_op op = h->ops[0];
	memset(&r, 0, sizeof(r));
	for (int i = 20; i >= 1; i--) {
		op.line = (uint64_t)i;
		chk_note(&r, h, &op, 7, "line %d", i);
	}
	assert_int_equal(r.count, 20);
	assert_int_equal(r.n_examples, CHK_MAX_EXAMPLES);
	for (int i = 0; i < CHK_MAX_EXAMPLES; i++)
		assert_int_equal(r.examples[i].line, (uint64_t)(i + 1));
	assert_string_equal(r.examples[0].process, "producer-1");
	memset(&r, 0, sizeof(r));
	op.line = 5;
	for (int i = 0; i < 12; i++)
		chk_note(&r, h, &op, 3, "note %d", i);
	assert_int_equal(r.count, 12);
	for (int i = 0; i < CHK_MAX_EXAMPLES; i++) {
		char want[24];
		snprintf(want, sizeof(want), "note %d", i);
		assert_string_equal(r.examples[i].detail, want);
	}
	/* A smaller order on the same line goes first and pushes out note 9. */
	chk_note(&r, h, &op, 2, "smaller");
	assert_string_equal(r.examples[0].detail, "smaller");
	assert_string_equal(r.examples[9].detail, "note 8");
	hist_free(h);
}

/* Expectations: none/ok fail on a count, some on none, any never. */
static void test_evaluate(void **state)
{
	struct chk_result res;
	struct chk_expectations e;
	struct chk_verdict v;
	memset(&res, 0, sizeof(res));
	memset(&e, 0, sizeof(e));
	res.reports[CHK_DUPLICATE].count = 3;
	chk_evaluate(&res, &e, &v);
	assert_true(v.pass);
	assert_int_equal(v.n_failed, 0);

	e.of[CHK_LOST_WRITE] = CHK_EXPECT_NONE;
	e.of[CHK_DUPLICATE] = CHK_EXPECT_SOME;
	e.of[CHK_LIVENESS] = CHK_EXPECT_OK;
	chk_evaluate(&res, &e, &v);
	assert_true(v.pass);

	e.of[CHK_DUPLICATE] = CHK_EXPECT_NONE;
	e.of[CHK_SPLIT_BRAIN] = CHK_EXPECT_SOME;
	res.reports[CHK_LIVENESS].count = 1;
	chk_evaluate(&res, &e, &v);
	assert_false(v.pass);
	assert_int_equal(v.n_failed, 3);
	assert_int_equal(v.failed[0], CHK_DUPLICATE);
	assert_int_equal(v.failed[1], CHK_SPLIT_BRAIN);
	assert_int_equal(v.failed[2], CHK_LIVENESS);
}

static void test_names(void **state)
{
	enum chk_kind k;
	enum chk_expect e;
	for (int i = 0; i < CHK_COUNT; i++) {
		assert_int_equal(chk_kind_from_name(chk_name((enum chk_kind)i), &k), 0);
		assert_int_equal(k, i);
	}
	assert_int_equal(chk_kind_from_name("lost-writes", &k), -1);
	assert_int_equal(chk_expect_from_name(CHK_LOST_WRITE, "none", &e), 0);
	assert_int_equal(e, CHK_EXPECT_NONE);
	assert_int_equal(chk_expect_from_name(CHK_DUPLICATE, "some", &e), 0);
	assert_int_equal(e, CHK_EXPECT_SOME);
	assert_int_equal(chk_expect_from_name(CHK_DUPLICATE, "any", &e), 0);
	assert_int_equal(e, CHK_EXPECT_ANY);
	assert_int_equal(chk_expect_from_name(CHK_LIVENESS, "ok", &e), 0);
	assert_int_equal(e, CHK_EXPECT_OK);
	assert_int_equal(chk_expect_from_name(CHK_DUPLICATE, "ok", &e), -1);
	assert_int_equal(chk_expect_from_name(CHK_DUPLICATE, "None", &e), -1);
}

/*
 * The summary.json members, byte for byte, for the duplicate fixture: one of
 * its three sends is acknowledged (33.33%, below the 99.5% expected); it
 * has no fault line, so no faulty phase and no gap.
 */
static void test_summary_fragment(void **state)
{
	struct hist *h = load("duplicate");
	struct chk_result res;
	struct chk_expectations e;
	struct chk_verdict v;
	memset(&e, 0, sizeof(e));
	e.of[CHK_DUPLICATE] = CHK_EXPECT_NONE;
	e.of[CHK_LIVENESS] = CHK_EXPECT_OK;
	e.has_max_unavailable = true;
	e.max_unavailable_ns = 1500000000;
	e.has_acked_ratio = true;
	e.acked_ratio_bp = 9950;
	assert_int_equal(chk_run_all(h, &res), CHK_OK);
	chk_evaluate(&res, &e, &v);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_int_equal(chk_write_summary(f, &res, &e, &v), 0);
	fclose(f);
	assert_string_equal(
	    buf, "\"anomalies\": {\"lost-write\": 0, \"duplicate\": 2, "
	         "\"inconsistent-offsets\": 0, \"nonmonotonic-poll\": 0, "
	         "\"nonmonotonic-send\": 0, \"poll-skip\": 0, \"unexpected\": 0, "
	         "\"replica-divergence\": 0, \"committed-rewrite\": 0, \"split-brain\": 0, "
	         "\"zk-agreement\": 0, \"liveness\": 0, \"group-skip\": 0, \"group-redelivery\": 0},\n"
	         " \"unreadable\": 0,\n"
	         " \"availability\": {\"max_gap_ms\": 0, \"worst\": \"\", \"acked_ratio\": \"33.33%\"},\n"
	         " \"expect\": {\"lost-write\": \"any\", \"duplicate\": \"none\", "
	         "\"inconsistent-offsets\": \"any\", \"nonmonotonic-poll\": \"any\", "
	         "\"nonmonotonic-send\": \"any\", \"poll-skip\": \"any\", \"unexpected\": \"any\", "
	         "\"replica-divergence\": \"any\", \"committed-rewrite\": \"any\", "
	         "\"split-brain\": \"any\", \"zk-agreement\": \"any\", \"liveness\": \"ok\", "
	         "\"group-skip\": \"any\", \"group-redelivery\": \"any\", "
	         "\"max-unavailable\": \"1500ms\", \"acked-ratio\": \"99.5%\"},\n"
	         " \"failed_expectations\": [\"duplicate\", \"acked-ratio\"]");
	free(buf);
	hist_free(h);
}


/* A history from lines (a test's literal text). */
static struct hist *from_text(const char *text)
{
	struct hist *h = NULL;
	struct hist_error err;
	int rc = hist_read_buffer(text, strlen(text), &h, &err);
	if (rc)
		fprintf(stderr, "%llu:%u: %s\n", (unsigned long long)err.line, err.col, err.msg);
	assert_int_equal(rc, HIST_OK);
	return h;
}

#define SEND(t, proc, v) \
	"{\"time\":" #t ",\"process\":\"" proc "\",\"type\":\"invoke\",\"f\":\"send\"," \
	"\"values\":{\"topic\":\"orders\",\"value\":\"" v "\"}}\n"
#define ACK(t, proc, v, p, o) \
	"{\"time\":" #t ",\"process\":\"" proc "\",\"type\":\"ok\",\"f\":\"send\"," \
	"\"values\":{\"topic\":\"orders\",\"partition\":" #p ",\"value\":\"" v \
	"\",\"offset\":" #o "}}\n"
#define FAULT(t) \
	"{\"time\":" #t ",\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"fault\"," \
	"\"values\":{}}\n"

/*
 * The faulty phase is 1000..3000 (the fault lines). orders/0 is acknowledged
 * at 1100 and 1500 (longest gap 1500, to the end); orders/1 at 1200 (1800);
 * orders/2 only before the phase and by the probe, so it goes the whole
 * phase (2000) without an acknowledged write. 4 of 5 workload sends are
 * acknowledged: 80%.
 */
static void test_availability(void **state)
{
	struct hist *h = from_text(
	    SEND(100, "producer-1", "z") ACK(500, "producer-1", "z", 2, 0) FAULT(1000)
	    SEND(1050, "producer-1", "a") SEND(1060, "producer-1", "b")
	    SEND(1070, "producer-1", "c") SEND(1080, "producer-1", "d")
	    ACK(1100, "producer-1", "a", 0, 0) ACK(1200, "producer-1", "b", 1, 0)
	    ACK(1500, "producer-1", "c", 0, 1) SEND(1900, "probe", "p")
	    ACK(2000, "probe", "p", 2, 1) FAULT(3000));
	struct chk_result res;
	struct chk_expectations e;
	struct chk_verdict v;
	memset(&e, 0, sizeof(e));
	assert_int_equal(chk_run_all(h, &res), CHK_OK);
	assert_true(res.avail.has_phase);
	assert_int_equal(res.avail.phase_from_ns, 1000);
	assert_int_equal(res.avail.phase_to_ns, 3000);
	assert_int_equal(res.avail.max_gap_ns, 2000);
	assert_int_equal(res.avail.gap_at_ns, 1000);
	assert_string_equal(res.avail.worst, "orders/2");
	assert_int_equal(res.avail.sends, 5);
	assert_int_equal(res.avail.acked, 4);
	assert_int_equal(chk_acked_ratio_bp(&res), 8000);

	e.has_max_unavailable = true;
	e.max_unavailable_ns = 2000;
	e.has_acked_ratio = true;
	e.acked_ratio_bp = 8000;
	chk_evaluate(&res, &e, &v);
	assert_true(v.pass);
	e.max_unavailable_ns = 1999;
	chk_evaluate(&res, &e, &v);
	assert_false(v.pass);
	assert_true(v.failed_max_unavailable);
	assert_false(v.failed_acked_ratio);
	assert_int_equal(v.n_failed, 0);
	e.max_unavailable_ns = 2000;
	e.acked_ratio_bp = 8001;
	chk_evaluate(&res, &e, &v);
	assert_false(v.pass);
	assert_false(v.failed_max_unavailable);
	assert_true(v.failed_acked_ratio);

	/* Without sends there is no ratio: an acked-ratio expectation fails. */
	memset(&res, 0, sizeof(res));
	e.acked_ratio_bp = 0;
	chk_evaluate(&res, &e, &v);
	assert_true(v.failed_acked_ratio);
	/* Unreadable records fail `liveness: ok` though no row failed. */
	memset(&e, 0, sizeof(e));
	e.of[CHK_LIVENESS] = CHK_EXPECT_OK;
	res.unreadable = 3;
	chk_evaluate(&res, &e, &v);
	assert_false(v.pass);
	assert_int_equal(v.failed[0], CHK_LIVENESS);
	hist_free(h);
}

/*
 * Consumers outside a group are not judged by the group checkers, and a
 * group's records are judged only from its first position on.
 */
static void test_group_scope(void **state)
{
	struct hist *h = from_text(
	    "{\"time\":0,\"process\":\"c1\",\"type\":\"ok\",\"f\":\"consumer-config\","
	    "\"values\":{\"group\":\"g\",\"commit\":\"none\"}}\n"
	    SEND(1, "producer-1", "a") ACK(2, "producer-1", "a", 0, 0)
	    SEND(3, "producer-1", "b") ACK(4, "producer-1", "b", 0, 1)
	    "{\"time\":5,\"process\":\"c1\",\"type\":\"ok\",\"f\":\"seek\","
	    "\"values\":[{\"topic\":\"orders\",\"partition\":0,\"offset\":1}]}\n"
	    "{\"time\":6,\"process\":\"c1\",\"type\":\"ok\",\"f\":\"commit\","
	    "\"values\":[{\"topic\":\"orders\",\"partition\":0,\"offset\":2}]}\n"
	    "{\"time\":7,\"process\":\"c2\",\"type\":\"ok\",\"f\":\"poll\","
	    "\"values\":[{\"topic\":\"orders\",\"partition\":0,\"offset\":0,\"value\":\"a\"}]}\n"
	    "{\"time\":8,\"process\":\"c2\",\"type\":\"ok\",\"f\":\"poll\","
	    "\"values\":[{\"topic\":\"orders\",\"partition\":0,\"offset\":0,\"value\":\"a\"}]}\n"
	    "{\"time\":9,\"process\":\"final-reader\",\"type\":\"ok\",\"f\":\"final-read\","
	    "\"values\":[{\"topic\":\"orders\",\"partition\":0,\"offset\":0,\"value\":\"a\"},"
	    "{\"topic\":\"orders\",\"partition\":0,\"offset\":1,\"value\":\"b\"}]}\n");
	struct chk_result res;
	assert_int_equal(chk_run_all(h, &res), CHK_OK);
	/* b (offset 1) is skipped; a is below the group's first position. */
	assert_int_equal(res.reports[CHK_GROUP_SKIP].count, 1);
	assert_int_equal(res.reports[CHK_GROUP_SKIP].examples[0].line, 7);
	/* c2 read a twice but belongs to no group. */
	assert_int_equal(res.reports[CHK_GROUP_REDELIVERY].count, 0);
	hist_free(h);
}

/* Runs chk_run_file, returning its code and what it wrote to err. */
static int run_file(const char *path, const struct chk_expectations *e, char *err_text, size_t n)
{
	char *obuf = NULL, *ebuf = NULL;
	size_t olen = 0, elen = 0;
	FILE *out = open_memstream(&obuf, &olen), *err = open_memstream(&ebuf, &elen);
	int rc = chk_run_file(path, e, out, err);
	fclose(out);
	fclose(err);
	snprintf(err_text, n, "%s", ebuf);
	free(obuf);
	free(ebuf);
	return rc;
}

static void test_run_file(void **state)
{
	char err[256];
	struct chk_expectations e;
	memset(&e, 0, sizeof(e));
	assert_int_equal(run_file("tests/histories/clean.jsonl", NULL, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	/* Without expectations everything is `any`: reported, exit 0. */
	assert_int_equal(run_file("tests/histories/lost_write.jsonl", NULL, err, sizeof(err)), 0);
	e.of[CHK_LOST_WRITE] = CHK_EXPECT_NONE;
	assert_int_equal(run_file("tests/histories/lost_write.jsonl", &e, err, sizeof(err)), 1);
	/* Unreadable records fail `liveness: ok` even where no row failed. */
	memset(&e, 0, sizeof(e));
	e.of[CHK_LIVENESS] = CHK_EXPECT_OK;
	assert_int_equal(run_file("tests/histories/liveness_probe.jsonl", &e, err, sizeof(err)), 1);
	memset(&e, 0, sizeof(e));
	/* Demonstrating an unsafe configuration: the anomaly is expected. */
	e.of[CHK_LOST_WRITE] = CHK_EXPECT_SOME;
	assert_int_equal(run_file("tests/histories/lost_write.jsonl", &e, err, sizeof(err)), 0);
	assert_int_equal(run_file("tests/histories/clean.jsonl", &e, err, sizeof(err)), 1);
	/* Line 2's offset is -1: the column is that of the value. */
	assert_int_equal(run_file("tests/histories/malformed.jsonl", NULL, err, sizeof(err)), 2);
	assert_string_equal(err, "tests/histories/malformed.jsonl:2:121: "
	                         "\"offset\" must be an integer >= 0\n");
	assert_int_equal(run_file("tests/histories/absent.jsonl", NULL, err, sizeof(err)), 2);
	assert_string_equal(err, "tests/histories/absent.jsonl: No such file or directory\n");
}

/* The report names every checker, the examples, and the verdict. */
static void test_report_text(void **state)
{
	struct hist *h = load("split_brain");
	struct chk_result res;
	struct chk_expectations e;
	struct chk_verdict v;
	memset(&e, 0, sizeof(e));
	e.of[CHK_SPLIT_BRAIN] = CHK_EXPECT_NONE;
	assert_int_equal(chk_run_all(h, &res), CHK_OK);
	chk_evaluate(&res, &e, &v);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_int_equal(chk_write_report(f, &res, &v), 0);
	fclose(f);
	assert_non_null(strstr(buf, "split-brain            2\n"
	                            "  line 4 t=220ns broker-2: orders/0 epoch 1: broker-2 after "
	                            "broker-1\n"));
	assert_non_null(strstr(buf, "verdict: fail (split-brain)\n"));
	free(buf);
	hist_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixtures),   cmocka_unit_test(test_examples_keep_first_ten),
	    cmocka_unit_test(test_note_order), cmocka_unit_test(test_evaluate),
	    cmocka_unit_test(test_names),      cmocka_unit_test(test_summary_fragment),
	    cmocka_unit_test(test_run_file),
	    cmocka_unit_test(test_availability),
	    cmocka_unit_test(test_group_scope),   cmocka_unit_test(test_report_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
