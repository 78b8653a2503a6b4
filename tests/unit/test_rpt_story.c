/*
 * Unit tests for reports/rpt_story: a synthetic list of node events, faults
 * and harness notes, told against real checker results (the fixture
 * histories of test_rpt_fixture.h). The story must tell every item in time
 * order, explain each kind of event once, name every fault with its action,
 * tell the anomalies with their operations, and close with the verdict and
 * the faults and lost log ends that explain it. Its HTML form must be well
 * formed, its plain-text form free of control characters, and node events
 * past the cap counted rather than kept.
 */
#include "tests/unit/test_rpt_fixture.h"

#include "reports/rpt_story.h"
#include "tests/unit/test_xml_check.h"

static char *story_as(int (*fn)(FILE *, struct rpt_story *, const struct rpt_run *),
		      struct rpt_story *s, const struct rpt_run *run)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	assert_non_null(f);
	assert_int_equal(fn(f, s, run), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* The synthetic run: given out of time order on purpose. */
static void build(struct rpt_story *s)
{
	static const char *const b1[] = {"broker-1"};
	rpt_story_init(s);
	rpt_story_event_sink(s, 3000000000, "broker-2", "leader",
			     "leads orders/0 with leader epoch 2");
	rpt_story_add_fault(s, 2000000000, "power-loss", b1, 1, 1000000000, false, NULL);
	rpt_story_event_sink(s, 500000000, "zk-1", "zk-leader", "leads the ensemble (epoch 1)");
	rpt_story_add_fault(s, 3000000000, "restart", b1, 1, -1, true, NULL);
	rpt_story_add(s, 3100000000, RPT_STORY_NOTE, "broker-1", "log-end",
		      "the log of orders/0 on broker-1 now ends at offset 4, though it had "
		      "reached 9");
	rpt_story_event_sink(s, 3200000000, "broker-3", "leader",
			     "leads orders/1 with leader epoch 1");
	/* The harness's own leader note repeats what the nodes told: left out. */
	rpt_story_add(s, 3000000000, RPT_STORY_NOTE, "broker-2", "leader",
		      "HARNESS-LEADER-NOTE");
}

static size_t at(const char *hay, const char *needle)
{
	const char *p = strstr(hay, needle);
	if (!p)
		fprintf(stderr, "missing: %s\n", needle);
	assert_non_null(p);
	return (size_t)(p - hay);
}

/* A restarted client keeps nothing on disk: the story must not say it
 * recovers from one; a mix of servers and clients gets the general gloss. */
static void test_story_restart_of_clients(void **state)
{
	static const char *const c1[] = {"consumer-1"};
	static const char *const mix[] = {"broker-2", "producer-1"};
	struct fixture f;
	fixture_lost_write(&f);
	struct rpt_story s;
	rpt_story_init(&s);
	rpt_story_add_fault(&s, 1000000000, "restart", c1, 1, -1, true, NULL);
	rpt_story_add_fault(&s, 2000000000, "restart", mix, 2, -1, true, NULL);
	char *md = story_as(rpt_story_write_md, &s, &f.run);
	at(md, "consumer-1 restarted: a client keeps nothing on disk, so it starts afresh");
	at(md, "restarted: a broker or ZooKeeper server recovers its state from its disk; a "
	       "client starts afresh");
	assert_int_equal(count_of(md, "consumer-1 restarted: it recovers"), 0);
	free(md);
	rpt_story_free(&s);
}

/* The topic filter: internal topics folded by default, one topic on demand;
 * "broker-3" is not a partition of a topic "broker". */
static void test_story_topic_filter(void **state)
{
	struct fixture f;
	fixture_lost_write(&f);
	static const char *const topics[] = {"orders", "payments"};
	struct rpt_story s;
	rpt_story_init(&s);
	s.topics = topics;
	s.n_topics = 2;
	rpt_story_event_sink(&s, 1, "broker-1", "leader", "__consumer_offsets-3: leader 2 INTERNAL");
	rpt_story_event_sink(&s, 2, "broker-1", "leader", "orders-1: leader 2 DASHED");
	rpt_story_add(&s, 3, RPT_STORY_NOTE, "broker-1", "log-end", "the log of orders/0 SLASHED");
	rpt_story_event_sink(&s, 4, "broker-3", "registered", "broker-3 registered NOTOPIC");
	rpt_story_event_sink(&s, 5, "broker-1", "leader", "payments-0: leader 1 OTHER");
	char *md = story_as(rpt_story_write_md, &s, &f.run);
	assert_int_equal(count_of(md, "INTERNAL\n"), 0);
	assert_int_equal(count_of(md, "DASHED\n") + count_of(md, "SLASHED\n") + count_of(md, "NOTOPIC\n"),
	                 3);
	assert_int_equal(count_of(md, "OTHER\n"), 1);
	at(md, "(1 events about internal topics");
	free(md);
	s.topic = "orders";
	md = story_as(rpt_story_write_text, &s, &f.run);
	assert_int_equal(count_of(md, "INTERNAL\n") + count_of(md, "OTHER\n"), 0);
	assert_int_equal(count_of(md, "DASHED\n") + count_of(md, "SLASHED\n") + count_of(md, "NOTOPIC\n"),
	                 3);
	at(md, "(2 events about other topics than orders are not told here)");
	free(md);
	s.topic = "__consumer_offsets";
	md = story_as(rpt_story_write_text, &s, &f.run);
	assert_int_equal(count_of(md, "INTERNAL\n") + count_of(md, "NOTOPIC\n"), 2);
	assert_int_equal(count_of(md, "DASHED\n") + count_of(md, "SLASHED\n"), 0);
	free(md);
	rpt_story_free(&s);
}

static void test_story_order_and_glossary(void **state)
{
	struct fixture f;
	fixture_lost_write(&f);
	struct rpt_story s;
	build(&s);
	char *md = story_as(rpt_story_write_md, &s, &f.run);
	/* Time order, whatever the insertion order; ties keep insertion order. */
	size_t zk = at(md, "**0.500 s** — zk-1: leads the ensemble");
	size_t pl = at(md, "**2.000 s** — Fault \"power-loss\" (for 1000 ms): broker-1 lost power");
	size_t ld = at(md, "**3.000 s** — broker-2: leads orders/0");
	size_t rs = at(md, "**3.000 s** — Undo \"restart\": broker-1 restarted: it recovers its "
	                   "state from its disk");
	size_t le = at(md, "**3.100 s** — the log of orders/0 on broker-1 now ends at offset 4");
	assert_true(zk < pl && pl < ld && ld < rs && rs < le);
	/* Each kind explained once: two leader events, one explanation. */
	assert_int_equal(count_of(md, "leader epoch counts leaders"), 1);
	assert_int_equal(count_of(md, "ZooKeeper's servers elect one leader"), 1);
	assert_null(strstr(md, "HARNESS-LEADER-NOTE"));
	/* The heading names the scenario and seed. */
	assert_non_null(strstr(md, "# The story of lost-write-demo, seed 42\n"));
	free(md);
	rpt_story_free(&s);
}

static void test_story_anomalies_and_verdict(void **state)
{
	struct fixture f;
	fixture_lost_write(&f);
	struct rpt_story s;
	build(&s);
	char *md = story_as(rpt_story_write_md, &s, &f.run);
	/* lost_write.jsonl: 3 lost writes, their operations listed with lines. */
	assert_non_null(strstr(md, "- **lost-write**: 3 — acknowledged writes were lost"));
	assert_int_equal(count_of(md, "(history line "), f.checks.reports[CHK_LOST_WRITE].n_examples);
	/* The closing: FAIL, each failed expectation, and what led to it. */
	size_t v = at(md, "## Verdict\n\nVerdict: FAIL.");
	size_t lw = at(md, "Acknowledged writes were lost");
	size_t sb = at(md, "The scenario expected split-brain to find anomalies");
	size_t why = at(md, "What led to it: at 2.000 s broker-1 lost power before it had flushed "
			    "its writes to disk (\"power-loss\"); at 3.100 s the log of "
			    "orders/0 on broker-1 now ends at offset 4");
	assert_true(v < lw && lw < sb && sb < why);
	/* The restart (an undo) is not a cause. */
	assert_null(strstr(md + why, "restarted"));
	free(md);
	rpt_story_free(&s);
}

static void test_story_pass(void **state)
{
	struct fixture f;
	fixture_load(&f, "clean");
	fixture_expect(&f, "lost-write", "none");
	struct rpt_story s;
	build(&s);
	char *md = story_as(rpt_story_write_md, &s, &f.run);
	assert_non_null(strstr(md, "No checker found an anomaly."));
	assert_non_null(strstr(md, "Verdict: PASS. Every expectation of the scenario held."
				   " It held through 1 fault."));
	assert_null(strstr(md, "What led to it"));
	free(md);
	rpt_story_free(&s);
}

static void test_story_hostile_text(void **state)
{
	struct fixture f;
	fixture_lost_write(&f);
	f.run.scenario = hostile;
	f.run.description = hostile;
	struct rpt_story s;
	build(&s);
	rpt_story_event_sink(&s, 4000000000, hostile, "isr", hostile);
	const char *const targets[] = {hostile};
	rpt_story_add_fault(&s, 4100000000, "pause", targets, 1, -1, false, hostile);
	char *html = story_as(rpt_story_write_html, &s, &f.run);
	size_t len = strlen(html);
	char *doc = malloc(len + 64);
	assert_non_null(doc);
	snprintf(doc, len + 64, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<div>%s</div>\n", html);
	assert_xml(doc);
	free(doc);
	free(html);
	char *text = story_as(rpt_story_write_text, &s, &f.run);
	for (const char *p = text; *p; p++)
		assert_true((unsigned char)*p >= 0x20 || *p == '\n');
	free(text);
	char *md = story_as(rpt_story_write_md, &s, &f.run);
	/* Each timeline item stays on its line, explanation aside. */
	assert_non_null(strstr(md, "**4.100 s** — Fault \"pause\""));
	free(md);
	rpt_story_free(&s);
}

static void test_story_cap(void **state)
{
	struct fixture f;
	fixture_lost_write(&f);
	struct rpt_story s;
	rpt_story_init(&s);
	for (int i = 0; i < RPT_STORY_MAX_EVENTS + 5; i++)
		rpt_story_event_sink(&s, i, "broker-1", "hw", "the high watermark moved");
	static const char *const b1[] = {"broker-1"};
	rpt_story_add_fault(&s, 10, "kill", b1, 1, -1, false, NULL);
	assert_int_equal(s.dropped, 5);
	char *md = story_as(rpt_story_write_md, &s, &f.run);
	assert_non_null(strstr(md, "(5 more node events are not told here"));
	assert_non_null(strstr(md, "Fault \"kill\": broker-1 crashed"));
	free(md);
	rpt_story_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_story_order_and_glossary),
		cmocka_unit_test(test_story_restart_of_clients),
		cmocka_unit_test(test_story_topic_filter),
		cmocka_unit_test(test_story_anomalies_and_verdict),
		cmocka_unit_test(test_story_pass),
		cmocka_unit_test(test_story_hostile_text),
		cmocka_unit_test(test_story_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
