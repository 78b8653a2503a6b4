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

/* ---- a strict XML 1.0 well-formedness check (the subset junit.xml uses) -- */

struct xml {
	const char *p, *end;
	const char *err;
};

static bool xml_fail(struct xml *x, const char *why)
{
	if (!x->err)
		x->err = why;
	return false;
}

/* Every character is valid UTF-8 and allowed by XML 1.0's Char production. */
static bool xml_chars_ok(struct xml *x)
{
	const unsigned char *p = (const unsigned char *)x->p, *e = (const unsigned char *)x->end;
	while (p < e) {
		if (*p < 0x80) {
			if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
				return xml_fail(x, "forbidden control character");
			p++;
			continue;
		}
		size_t len = hist_json_utf8_len(p, (size_t)(e - p));
		if (len == 0)
			return xml_fail(x, "invalid UTF-8");
		if (len == 3 && p[0] == 0xEF && p[1] == 0xBF && p[2] >= 0xBE)
			return xml_fail(x, "U+FFFE or U+FFFF");
		p += len;
	}
	return true;
}

static bool is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

static bool is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* Reads a Name; returns its length (0: none). */
static size_t xml_name(struct xml *x)
{
	const char *s = x->p;
	if (x->p < x->end && is_name_start(*x->p))
		while (x->p < x->end && is_name_char(*x->p))
			x->p++;
	return (size_t)(x->p - s);
}

static void xml_space(struct xml *x)
{
	while (x->p < x->end && strchr(" \t\r\n", *x->p))
		x->p++;
}

/* A reference after '&': a predefined entity or a character reference. */
static bool xml_reference(struct xml *x)
{
	static const char *const ents[] = {"amp;", "lt;", "gt;", "quot;", "apos;"};
	for (size_t i = 0; i < 5; i++) {
		size_t n = strlen(ents[i]);
		if ((size_t)(x->end - x->p) >= n && memcmp(x->p, ents[i], n) == 0) {
			x->p += n;
			return true;
		}
	}
	if (x->p < x->end && *x->p == '#') {
		x->p++;
		const char *d = x->p;
		while (x->p < x->end && *x->p >= '0' && *x->p <= '9')
			x->p++;
		if (x->p > d && x->p < x->end && *x->p == ';') {
			x->p++;
			return true;
		}
	}
	return xml_fail(x, "bad reference");
}

/* Character data up to the next '<' (or the end): no "]]>", references valid. */
static bool xml_text(struct xml *x)
{
	while (x->p < x->end && *x->p != '<') {
		if (*x->p == '&') {
			x->p++;
			if (!xml_reference(x))
				return false;
			continue;
		}
		if (x->end - x->p >= 3 && memcmp(x->p, "]]>", 3) == 0)
			return xml_fail(x, "]]> in text");
		x->p++;
	}
	return true;
}

static bool xml_attributes(struct xml *x)
{
	for (;;) {
		const char *before = x->p;
		xml_space(x);
		if (x->p >= x->end)
			return xml_fail(x, "unterminated tag");
		if (*x->p == '>' || *x->p == '/')
			return true;
		if (x->p == before || xml_name(x) == 0)
			return xml_fail(x, "bad attribute name");
		xml_space(x);
		if (x->p >= x->end || *x->p++ != '=')
			return xml_fail(x, "attribute without =");
		xml_space(x);
		if (x->p >= x->end || (*x->p != '"' && *x->p != '\''))
			return xml_fail(x, "unquoted attribute");
		char q = *x->p++;
		while (x->p < x->end && *x->p != q) {
			if (*x->p == '<')
				return xml_fail(x, "< in attribute");
			if (*x->p++ == '&' && !xml_reference(x))
				return false;
		}
		if (x->p >= x->end)
			return xml_fail(x, "unterminated attribute");
		x->p++;
	}
}

/* One element and its content, recursively; x->p is at '<'. */
static bool xml_element(struct xml *x, int depth)
{
	if (depth > 16)
		return xml_fail(x, "too deep");
	x->p++;
	const char *name = x->p;
	size_t n = xml_name(x);
	if (n == 0)
		return xml_fail(x, "bad element name");
	if (!xml_attributes(x))
		return false;
	if (*x->p == '/') {
		x->p++;
		if (x->p >= x->end || *x->p++ != '>')
			return xml_fail(x, "bad empty-element tag");
		return true;
	}
	x->p++; /* '>' */
	for (;;) {
		if (!xml_text(x))
			return false;
		if (x->p >= x->end)
			return xml_fail(x, "unclosed element");
		if (x->p + 1 < x->end && x->p[1] == '/')
			break;
		if (!xml_element(x, depth + 1))
			return false;
	}
	x->p += 2;
	const char *close = x->p;
	if (xml_name(x) != n || memcmp(close, name, n) != 0)
		return xml_fail(x, "mismatched end tag");
	xml_space(x);
	if (x->p >= x->end || *x->p++ != '>')
		return xml_fail(x, "bad end tag");
	return true;
}

/* Whether doc is a well-formed XML document: declaration, one root element. */
static bool xml_well_formed(const char *doc, const char **why)
{
	static const char decl[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
	struct xml x = {doc, doc + strlen(doc), NULL};
	bool ok = xml_chars_ok(&x);
	if (ok && strncmp(x.p, decl, sizeof(decl) - 1) != 0)
		ok = xml_fail(&x, "no XML declaration");
	if (ok) {
		x.p += sizeof(decl) - 1;
		xml_space(&x);
		ok = x.p < x.end && *x.p == '<' ? xml_element(&x, 0) : xml_fail(&x, "no root");
	}
	if (ok) {
		xml_space(&x);
		if (x.p != x.end)
			ok = xml_fail(&x, "content after the root element");
	}
	*why = x.err;
	return ok;
}

static void assert_xml(const char *doc)
{
	const char *why = NULL;
	bool ok = xml_well_formed(doc, &why);
	if (!ok)
		fprintf(stderr, "not well-formed: %s\n%s\n", why, doc);
	assert_true(ok);
}

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
