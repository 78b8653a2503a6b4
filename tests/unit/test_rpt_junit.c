/*
 * Unit tests for reports/rpt_junit: junit.xml from struct rpt_run values
 * built around real checker results (test_rpt_fixture.h). Every document
 * goes through the strict XML 1.0 well-formedness check below (which is
 * itself shown to refuse what it must), and its test cases are matched
 * against the verdict: one per expectation, a failure exactly where the
 * verdict failed, with the count and the example operations. Hostile names,
 * descriptions and example text must come out well formed and decode back to
 * the input with only forbidden characters replaced.
 */
#include "tests/unit/test_rpt_fixture.h"

#include "harness/hist_json.h"
#include "reports/rpt_escape.h"
#include "reports/rpt_junit.h"

#include "tests/unit/test_xml_check.h"

/* The checker must itself refuse what it is there to catch. */
static void test_xml_checker_refuses(void **state)
{
	static const char *const bad[] = {
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>x]]>y</a>",
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>x < y</a>",
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>x & y</a>",
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a b=\"<\"/>",
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>\x01</a>",
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>\xff</a>",
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>\xef\xbf\xbe</a>",
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a><b></a></b>",
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a></a><a></a>",
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a b=\"1\"c=\"2\"/>",
	    "<a/>",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;
		assert_false(xml_well_formed(bad[i], &why));
		assert_non_null(why);
	}
	const char *why = NULL;
	assert_true(xml_well_formed("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                            "<a x=\"&amp;&#10;\"><b/>t&lt;\xc3\xa9</a>\n",
	                            &why));
}

/* ---- junit.xml -------------------------------------------------------- */

/*
 * The test cases of a junit.xml in order, as "name:F" (failed) or "name:P",
 * joined by spaces. The document has passed assert_xml, so the scan can rely
 * on its shape.
 */
static void junit_cases(const char *doc, char *out, size_t cap)
{
	out[0] = '\0';
	for (const char *p = strstr(doc, "<testcase "); p; p = strstr(p + 1, "<testcase ")) {
		const char *name = strstr(p, " name=\"") + 7;
		const char *tag_end = strchr(p, '>');
		const char *next = strstr(p + 1, "<testcase ");
		const char *fail = strstr(p, "<failure ");
		bool failed = tag_end[-1] != '/' && fail && (!next || fail < next);
		size_t len = strlen(out);
		snprintf(out + len, cap - len, "%s%.*s:%c", len ? " " : "",
		         (int)(strchr(name, '"') - name), name, failed ? 'F' : 'P');
	}
}

static void test_junit_lost_write(void **state)
{
	struct fixture f;
	fixture_lost_write(&f);
	char *doc = capture(rpt_write_junit, &f.run);
	assert_xml(doc);
	char cases[512];
	junit_cases(doc, cases, sizeof(cases));
	/* One per expectation, failures exactly where the verdict failed. */
	assert_string_equal(cases, "lost-write:F duplicate:P split-brain:F liveness:P");
	assert_non_null(strstr(doc, "<testsuites name=\"ksim\" tests=\"4\" failures=\"2\""));
	assert_non_null(strstr(doc, "<testsuite name=\"lost-write-demo\" tests=\"4\" "
	                            "failures=\"2\" errors=\"0\" skipped=\"0\">"));
	assert_int_equal(count_of(doc, "classname=\"ksim.lost-write-demo\""), 4);
	assert_non_null(strstr(doc, "<property name=\"seed\" value=\"42\"/>"));
	assert_non_null(strstr(doc, "<property name=\"trace_hash\" value=\"00000000deadbeef\"/>"));
	assert_non_null(strstr(doc, "<property name=\"description\" "
	                            "value=\"Kill the leader under acks=1.\"/>"));
	/* The failure names the count and lists the three examples (test_chk's). */
	assert_non_null(strstr(
	    doc, "<failure type=\"expectation\" message=\"lost-write: 3 anomalies, expected none\">"
	         "line 4, t=400 ns, producer-1: orders/0@1: acknowledged &quot;b&quot; but absent\n"
	         "line 8, t=800 ns, producer-2: orders/1@0: acknowledged &quot;d&quot; but absent\n"
	         "line 11, t=1100 ns, producer-1: orders/0@3: acknowledged &quot;e&quot; but "
	         "another value is there\n</failure>"));
	assert_non_null(strstr(doc, "message=\"split-brain: 0 anomalies, expected some\">"
	                            "no operation shows this anomaly\n</failure>"));
	assert_null(strstr(doc, "time="));
	free(doc);
}

static void test_junit_clean_and_some(void **state)
{
	struct fixture f;
	fixture_load(&f, "clean");
	fixture_expect(&f, "lost-write", "none");
	fixture_expect(&f, "liveness", "ok");
	char *doc = capture(rpt_write_junit, &f.run);
	assert_xml(doc);
	char cases[512];
	junit_cases(doc, cases, sizeof(cases));
	assert_string_equal(cases, "lost-write:P liveness:P");
	assert_null(strstr(doc, "<failure"));
	assert_non_null(strstr(doc, "tests=\"2\" failures=\"0\""));
	free(doc);

	/* `duplicate: some` holds on duplicate.jsonl: the examples go to system-out. */
	fixture_load(&f, "duplicate");
	fixture_expect(&f, "duplicate", "some");
	assert_true(f.verdict.pass);
	doc = capture(rpt_write_junit, &f.run);
	assert_xml(doc);
	junit_cases(doc, cases, sizeof(cases));
	assert_string_equal(cases, "duplicate:P");
	assert_non_null(strstr(doc, "<system-out>duplicate: 2 anomalies, as expected\n"
	                            "line 5, t=500 ns, consumer-1: &quot;a&quot; at orders/0@0 "
	                            "and orders/0@1\n"));
	free(doc);

	/* No expectation at all: an empty suite, still well formed. */
	fixture_load(&f, "clean");
	chk_evaluate(&f.checks, &f.expect, &f.verdict);
	doc = capture(rpt_write_junit, &f.run);
	assert_xml(doc);
	assert_null(strstr(doc, "<testcase"));
	assert_non_null(strstr(doc, "tests=\"0\" failures=\"0\""));
	free(doc);
}

/* A verdict failing a kind expected `any` (chk_run_file without expect) still shows. */
static void test_junit_failure_without_expectation(void **state)
{
	struct fixture f;
	fixture_load(&f, "lost_write");
	f.verdict = (struct chk_verdict){.pass = false, .n_failed = 1, .failed = {CHK_LOST_WRITE}};
	char *doc = capture(rpt_write_junit, &f.run);
	assert_xml(doc);
	char cases[512];
	junit_cases(doc, cases, sizeof(cases));
	assert_string_equal(cases, "lost-write:F");
	assert_non_null(strstr(doc, "message=\"lost-write: 3 anomalies, expected any\""));
	free(doc);
}

/* Reverses the five entities and decimal character references. */
static void xml_unescape(const char *s, size_t n, char *out)
{
	static const struct {
		const char *ent;
		char c;
	} ents[] = {
	    {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		bool done = false;
		for (size_t e = 0; e < 5 && !done; e++) {
			size_t len = strlen(ents[e].ent);
			if (i + len <= n && memcmp(s + i, ents[e].ent, len) == 0) {
				out[o++] = ents[e].c;
				i += len;
				done = true;
			}
		}
		if (!done && s[i] == '&' && s[i + 1] == '#') {
			char *endp;
			out[o++] = (char)strtol(s + i + 2, &endp, 10);
			i = (size_t)(endp + 1 - s);
			done = true;
		}
		if (!done)
			out[o++] = s[i++];
	}
	out[o] = '\0';
}

/*
 * The hostile name in XML: the quote and the specials as entities; tab,
 * newline and carriage return as character references (attribute values);
 * 0x01 forbidden, so U+FFFD; DEL allowed; invalid bytes U+FFFD as in JSON.
 */
#define HOSTILE_XML_ATTR                                                                           \
	"q&quot;b\\s" FFFD "&#10;&#9;&#13;\x7f" FFFD FFFD "(]]&gt;&lt;&amp;\xc3\xa9" FFFD FFFD
static const char hostile_xml_decoded[] =
    "q\"b\\s" FFFD "\n\t\r\x7f" FFFD FFFD "(]]><&\xc3\xa9" FFFD FFFD;

static void test_junit_hostile(void **state)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	assert_int_equal(rpt_xml_write_text(m, hostile, true), 0);
	assert_int_equal(rpt_xml_write_text(m, "|", false), 0);
	assert_int_equal(rpt_xml_write_text(m, "a\tb\nc\rd'\xef\xbf\xbf", false), 0);
	fclose(m);
	assert_string_equal(buf, HOSTILE_XML_ATTR "|a\tb\nc&#13;d&apos;" FFFD);
	free(buf);

	struct fixture f;
	fixture_lost_write(&f);
	f.run.scenario = hostile;
	f.run.description = hostile;
	/* An example quoting hostile bytes, as a checker quotes a sent value. */
	struct chk_example *x = &f.checks.reports[CHK_LOST_WRITE].examples[0];
	snprintf(x->detail, sizeof(x->detail), "%s", hostile);
	snprintf(x->process, sizeof(x->process), "%s", "p]]>\x02");
	char *doc = capture(rpt_write_junit, &f.run);
	assert_xml(doc);
	char cases[512];
	junit_cases(doc, cases, sizeof(cases));
	assert_string_equal(cases, "lost-write:F duplicate:P split-brain:F liveness:P");
	/* The suite's name decodes back to the name with only forbidden bytes replaced. */
	const char *name = strstr(doc, "<testsuite name=\"") + 17;
	char decoded[256];
	xml_unescape(name, (size_t)(strchr(name, '"') - name), decoded);
	assert_string_equal(decoded, hostile_xml_decoded);
	assert_int_equal(count_of(doc, "classname=\"ksim.q&quot;b"), 4);
	/* Element text keeps tab and newline literal. */
	assert_non_null(
	    strstr(doc, "line 4, t=400 ns, p]]&gt;" FFFD ": q&quot;b\\s" FFFD "\n\t&#13;\x7f"));
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_xml_checker_refuses),
	    cmocka_unit_test(test_junit_lost_write),
	    cmocka_unit_test(test_junit_clean_and_some),
	    cmocka_unit_test(test_junit_failure_without_expectation),
	    cmocka_unit_test(test_junit_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
