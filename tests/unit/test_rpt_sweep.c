/*
 * A sweep's junit.xml and summary.json (reports/rpt_sweep.h): one test case
 * per seed, failures and errors counted apart, the reproduce command, names
 * escaped for XML and JSON, and no time in either file.
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
#include "reports/rpt_sweep.h"

static char *render(int (*write)(FILE *, const struct rpt_sweep *), const struct rpt_sweep *sw)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(write(f, sw), 0);
	fclose(f);
	return buf;
}

static const uint64_t clean[CHK_COUNT] = {0};
static uint64_t lost[CHK_COUNT] = {[CHK_LOST_WRITE] = 7};

static const struct rpt_sweep_seed seeds[] = {
    {5, RPT_SWEEP_PASS, 0x1234, clean, CHK_COUNT, NULL, "s-5"},
    {6, RPT_SWEEP_FAIL, 0xabcdef, lost, CHK_COUNT, "lost-write, duplicate", "s-6"},
    {7, RPT_SWEEP_ERROR, 0, NULL, 0, NULL, NULL},
    {8, RPT_SWEEP_CRASH, 0, NULL, 0, NULL, "s-8"},
};
static const struct rpt_sweep sw = {"s", "dir/a<b>&\"c\".yaml", seeds, 4};

static void test_junit(void **state)
{
	char *x = render(rpt_write_sweep_junit, &sw);
	assert_non_null(
	    strstr(x, "<testsuites name=\"ksim\" tests=\"4\" failures=\"1\" errors=\"2\">"));
	assert_non_null(strstr(x, "<testcase classname=\"ksim.s\" name=\"seed 5\"/>"));
	assert_non_null(
	    strstr(x, "<failure type=\"expectation\" message=\"failed: lost-write, "
	              "duplicate\">reproduce: ksim run dir/a&lt;b&gt;&amp;&quot;c&quot;.yaml "
	              "--seed 6\nreport: s-6\n</failure>"));
	assert_non_null(strstr(x, "<error type=\"error\" message=\"the run could not run\">"));
	assert_non_null(strstr(x, "<error type=\"crash\""));
	assert_non_null(strstr(x, "value=\"dir/a&lt;b&gt;&amp;&quot;c&quot;.yaml\""));
	assert_non_null(strstr(x, "<property name=\"seeds\" value=\"5..8\"/>"));
	assert_null(strstr(x, "time="));
	free(x);
}

static void test_summary(void **state)
{
	char *x = render(rpt_write_sweep_summary, &sw);
	assert_non_null(strstr(x, "\"file\": \"dir/a<b>&\\\"c\\\".yaml\""));
	assert_non_null(strstr(x, "\"seeds\": {\"from\": 5, \"to\": 8}"));
	assert_non_null(strstr(x, "\"verdict\": \"fail\", \"counts\": {\"pass\": 1, \"fail\": 1, "
	                          "\"error\": 1, \"crash\": 1}"));
	assert_non_null(strstr(x, "\"first_failure\": 6, \"reproduce\": \"ksim run "
	                          "dir/a<b>&\\\"c\\\".yaml --seed 6\""));
	assert_non_null(strstr(x, "{\"seed\": 6, \"verdict\": \"fail\", \"trace_hash\": "
	                          "\"0000000000abcdef\", \"anomalies\": {\"lost-write\": 7, "));
	assert_non_null(strstr(x, "\"failed_expectations\": [\"lost-write\", \"duplicate\"], "
	                          "\"dir\": \"s-6\"}"));
	assert_non_null(strstr(x, "{\"seed\": 7, \"verdict\": \"error\"}"));
	assert_non_null(strstr(x, "{\"seed\": 8, \"verdict\": \"crash\", \"dir\": \"s-8\"}"));
	free(x);
	/* All pass: no first failure. */
	struct rpt_sweep one = {"s", "f.yaml", seeds, 1};
	x = render(rpt_write_sweep_summary, &one);
	assert_non_null(strstr(x, "\"verdict\": \"pass\""));
	assert_non_null(strstr(x, "\"first_failure\": null, \"reproduce\": null"));
	free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_junit),
	    cmocka_unit_test(test_summary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
