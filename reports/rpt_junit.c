/* rpt_junit — junit.xml (structure in rpt_junit.h and docs/reports.md). */
#include "reports/rpt_junit.h"

#include <assert.h>
#include <inttypes.h>

#include "reports/rpt_escape.h"

static void write_property(FILE *out, const char *name, const char *value)
{
	fprintf(out, "      <property name=\"%s\" value=\"", name);
	rpt_xml_write_text(out, value, true);
	fputs("\"/>\n", out);
}

static void write_properties(FILE *out, const struct rpt_run *run)
{
	char num[32];
	fputs("    <properties>\n", out);
	snprintf(num, sizeof(num), "%" PRIu64, run->seed);
	write_property(out, "seed", num);
	snprintf(num, sizeof(num), "%016" PRIx64, run->trace_hash);
	write_property(out, "trace_hash", num);
	write_property(out, "verdict", run->verdict->pass ? "pass" : "fail");
	if (run->description && run->description[0])
		write_property(out, "description", run->description);
	fputs("    </properties>\n", out);
}

/* The example operations, one a line, as element text. */
static void write_examples(FILE *out, const struct chk_report *rep)
{
	for (size_t i = 0; i < rep->n_examples; i++) {
		const struct chk_example *x = &rep->examples[i];
		fprintf(out, "line %" PRIu64 ", t=%" PRId64 " ns, ", x->line, x->time);
		rpt_xml_write_text(out, x->process, false);
		fputs(": ", out);
		rpt_xml_write_text(out, x->detail, false);
		fputc('\n', out);
	}
	if (rep->count > rep->n_examples)
		fprintf(out, "(%" PRIu64 " more)\n", rep->count - rep->n_examples);
	if (rep->count == 0)
		fputs("no operation shows this anomaly\n", out);
}

static void write_testcase(FILE *out, const struct rpt_run *run, enum chk_kind k)
{
	const struct chk_report *rep = &run->checks->reports[k];
	const char *name = chk_name(k);
	fputs("    <testcase classname=\"ksim.", out);
	rpt_xml_write_text(out, run->scenario, true);
	fprintf(out, "\" name=\"%s\"", name);
	if (rpt_run_failed(run, k)) {
		fprintf(out,
		        ">\n      <failure type=\"expectation\" message=\"%s: %" PRIu64
		        " anomalies, expected %s\">",
		        name, rep->count, chk_expect_name((enum chk_expect)run->expect->of[k]));
		write_examples(out, rep);
		fputs("</failure>\n    </testcase>\n", out);
	} else if (rep->count > 0) {
		fprintf(out, ">\n      <system-out>%s: %" PRIu64 " anomalies, as expected\n", name,
		        rep->count);
		write_examples(out, rep);
		fputs("</system-out>\n    </testcase>\n", out);
	} else {
		fputs("/>\n", out);
	}
}

/* One availability expectation (max-unavailable, acked-ratio) as a test case;
 * `what` says what was measured and what was expected. */
static void write_avail_case(FILE *out, const struct rpt_run *run, const char *name, bool failed,
                             const char *what)
{
	fputs("    <testcase classname=\"ksim.", out);
	rpt_xml_write_text(out, run->scenario, true);
	fprintf(out, "\" name=\"%s\"", name);
	if (!failed) {
		fputs("/>\n", out);
		return;
	}
	fputs(">\n      <failure type=\"expectation\" message=\"", out);
	rpt_xml_write_text(out, what, true);
	fputs("\"/>\n    </testcase>\n", out);
}

static void write_avail_cases(FILE *out, const struct rpt_run *run)
{
	const struct chk_availability *a = &run->checks->avail;
	const struct chk_expectations *e = run->expect;
	char what[200];
	if (e->has_max_unavailable) {
		snprintf(what, sizeof what,
		         "%s went %" PRId64 " ms without an acknowledged write, expected at most %" PRId64
		         " ms",
		         a->worst[0] ? a->worst : "a partition", a->max_gap_ns / 1000000,
		         e->max_unavailable_ns / 1000000);
		write_avail_case(out, run, CHK_MAX_UNAVAILABLE_NAME, run->verdict->failed_max_unavailable,
		                 what);
	}
	if (e->has_acked_ratio) {
		uint32_t bp = chk_acked_ratio_bp(run->checks);
		snprintf(what, sizeof what,
		         "%" PRIu64 " of %" PRIu64 " sends acknowledged (%u.%02u%%), expected at least "
		         "%u.%02u%%",
		         a->acked, a->sends, bp / 100, bp % 100, e->acked_ratio_bp / 100,
		         e->acked_ratio_bp % 100);
		write_avail_case(out, run, CHK_ACKED_RATIO_NAME, run->verdict->failed_acked_ratio, what);
	}
}

int rpt_write_junit(FILE *out, const struct rpt_run *run)
{
	assert(run->scenario && run->checks && run->expect && run->verdict);
	size_t tests = run->expect->has_max_unavailable + run->expect->has_acked_ratio;
	for (int k = 0; k < CHK_COUNT; k++)
		tests += rpt_run_expected(run, (enum chk_kind)k);
	size_t failures = run->verdict->n_failed + run->verdict->failed_max_unavailable +
	                  run->verdict->failed_acked_ratio;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out, "<testsuites name=\"ksim\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n",
	        tests, failures);
	fputs("  <testsuite name=\"", out);
	rpt_xml_write_text(out, run->scenario, true);
	fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\">\n", tests,
	        failures);
	write_properties(out, run);
	for (int k = 0; k < CHK_COUNT; k++)
		if (rpt_run_expected(run, (enum chk_kind)k))
			write_testcase(out, run, (enum chk_kind)k);
	write_avail_cases(out, run);
	fputs("  </testsuite>\n</testsuites>\n", out);
	return ferror(out) ? -1 : 0;
}
