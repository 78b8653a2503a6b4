/* rpt_sweep — a sweep's junit.xml and summary.json (see rpt_sweep.h). */
#include "reports/rpt_sweep.h"

#include <inttypes.h>
#include <string.h>

#include "checkers/chk.h"
#include "reports/rpt_escape.h"

static const char *const status_names[] = {"pass", "fail", "error", "crash"};

static size_t count(const struct rpt_sweep *sw, enum rpt_sweep_status st)
{
	size_t n = 0;
	for (size_t i = 0; i < sw->n; i++)
		n += sw->seeds[i].status == st;
	return n;
}

/* "ksim run FILE --seed N", as text (escaped by the caller's writer). */
static void reproduce(char *buf, size_t size, const struct rpt_sweep *sw, uint64_t seed)
{
	snprintf(buf, size, "ksim run %s --seed %" PRIu64, sw->file, seed);
}

static void junit_case(FILE *out, const struct rpt_sweep *sw, const struct rpt_sweep_seed *x)
{
	char cmd[1200];
	reproduce(cmd, sizeof cmd, sw, x->seed);
	fputs("    <testcase classname=\"ksim.", out);
	rpt_xml_write_text(out, sw->scenario, true);
	fprintf(out, "\" name=\"seed %" PRIu64 "\"", x->seed);
	switch (x->status) {
	case RPT_SWEEP_PASS:
		fputs("/>\n", out);
		return;
	case RPT_SWEEP_FAIL:
		fputs(">\n      <failure type=\"expectation\" message=\"failed: ", out);
		rpt_xml_write_text(out, x->failed ? x->failed : "", true);
		fputs("\">", out);
		break;
	case RPT_SWEEP_ERROR:
	case RPT_SWEEP_CRASH:
		fprintf(out, ">\n      <error type=\"%s\" message=\"%s\">", status_names[x->status],
		        x->status == RPT_SWEEP_ERROR ? "the run could not run"
		                                     : "the run's process crashed");
		break;
	}
	fputs("reproduce: ", out);
	rpt_xml_write_text(out, cmd, false);
	if (x->dir) {
		fputs("\nreport: ", out);
		rpt_xml_write_text(out, x->dir, false);
	}
	fprintf(out, "\n</%s>\n    </testcase>\n",
	        x->status == RPT_SWEEP_FAIL ? "failure" : "error");
}

int rpt_write_sweep_junit(FILE *out, const struct rpt_sweep *sw)
{
	size_t failures = count(sw, RPT_SWEEP_FAIL);
	size_t errors = count(sw, RPT_SWEEP_ERROR) + count(sw, RPT_SWEEP_CRASH);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out, "<testsuites name=\"ksim\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n",
	        sw->n, failures, errors);
	fputs("  <testsuite name=\"", out);
	rpt_xml_write_text(out, sw->scenario, true);
	fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"0\">\n", sw->n,
	        failures, errors);
	fputs("    <properties>\n      <property name=\"file\" value=\"", out);
	rpt_xml_write_text(out, sw->file, true);
	fputs("\"/>\n", out);
	if (sw->n)
		fprintf(out,
		        "      <property name=\"seeds\" value=\"%" PRIu64 "..%" PRIu64 "\"/>\n",
		        sw->seeds[0].seed, sw->seeds[sw->n - 1].seed);
	fputs("    </properties>\n", out);
	for (size_t i = 0; i < sw->n; i++)
		junit_case(out, sw, &sw->seeds[i]);
	fputs("  </testsuite>\n</testsuites>\n", out);
	return ferror(out) ? -1 : 0;
}

/* ["lost-write", "duplicate"] from "lost-write, duplicate". */
static void json_failed(FILE *out, const char *failed)
{
	fputc('[', out);
	const char *p = failed ? failed : "";
	bool first = true;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t len = strcspn(p, ",");
		while (len && p[len - 1] == ' ')
			len--;
		if (!len)
			break;
		char name[128];
		snprintf(name, sizeof name, "%.*s", (int)(len < 127 ? len : 127), p);
		fputs(first ? "" : ", ", out);
		rpt_json_write_string(out, name);
		first = false;
		p += len;
	}
	fputc(']', out);
}

static void json_seed(FILE *out, const struct rpt_sweep *sw, const struct rpt_sweep_seed *x)
{
	fprintf(out, "    {\"seed\": %" PRIu64 ", \"verdict\": \"%s\"", x->seed,
	        status_names[x->status]);
	if (x->status <= RPT_SWEEP_FAIL) {
		fprintf(out, ", \"trace_hash\": \"%016" PRIx64 "\", \"anomalies\": {",
		        x->trace_hash);
		for (size_t k = 0; k < x->n_anomalies && k < CHK_COUNT; k++)
			fprintf(out, "%s\"%s\": %" PRIu64, k ? ", " : "",
			        chk_name((enum chk_kind)k), x->anomalies[k]);
		fputs("}, \"failed_expectations\": ", out);
		json_failed(out, x->status == RPT_SWEEP_FAIL ? x->failed : NULL);
	}
	if (x->dir) {
		fputs(", \"dir\": ", out);
		rpt_json_write_string(out, x->dir);
	}
	fputc('}', out);
}

int rpt_write_sweep_summary(FILE *out, const struct rpt_sweep *sw)
{
	const struct rpt_sweep_seed *first = NULL;
	for (size_t i = 0; i < sw->n && !first; i++)
		if (sw->seeds[i].status != RPT_SWEEP_PASS)
			first = &sw->seeds[i];
	fputs("{\"scenario\": ", out);
	rpt_json_write_string(out, sw->scenario);
	fputs(", \"file\": ", out);
	rpt_json_write_string(out, sw->file);
	if (sw->n)
		fprintf(out, ", \"seeds\": {\"from\": %" PRIu64 ", \"to\": %" PRIu64 "}",
		        sw->seeds[0].seed, sw->seeds[sw->n - 1].seed);
	fprintf(out,
	        ",\n \"verdict\": \"%s\", \"counts\": {\"pass\": %zu, \"fail\": %zu, "
	        "\"error\": %zu, \"crash\": %zu},\n",
	        first ? "fail" : "pass", count(sw, RPT_SWEEP_PASS), count(sw, RPT_SWEEP_FAIL),
	        count(sw, RPT_SWEEP_ERROR), count(sw, RPT_SWEEP_CRASH));
	if (first) {
		char cmd[1200];
		reproduce(cmd, sizeof cmd, sw, first->seed);
		fprintf(out, " \"first_failure\": %" PRIu64 ", \"reproduce\": ", first->seed);
		rpt_json_write_string(out, cmd);
	} else {
		fputs(" \"first_failure\": null, \"reproduce\": null", out);
	}
	fputs(",\n \"runs\": [\n", out);
	for (size_t i = 0; i < sw->n; i++) {
		json_seed(out, sw, &sw->seeds[i]);
		fputs(i + 1 < sw->n ? ",\n" : "\n", out);
	}
	fputs(" ]}\n", out);
	return ferror(out) ? -1 : 0;
}
