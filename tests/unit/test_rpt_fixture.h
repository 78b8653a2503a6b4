/*
 * test_rpt_fixture — what the reports tests (test_rpt.c, test_rpt_junit.c)
 * share: struct rpt_run values built around real checker results on the
 * fixture histories of tests/histories/, a hostile name, and capturing a
 * writer's output into memory. The functions are static and marked unused,
 * so that each test binary compiles its own copy of what it uses.
 */
#ifndef KSIM_TEST_RPT_FIXTURE_H
#define KSIM_TEST_RPT_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checkers/chk.h"
#include "harness/hist.h"
#include "reports/rpt_run.h"

/*
 * A hostile name: a quote, a backslash, control characters (0x01, newline,
 * tab, carriage return), DEL, an invalid byte (0xFF), a lead byte followed by
 * ASCII (0xC3 '('), `]]>`, `<`, `&`, a valid "é" (C3 A9) and a truncated
 * three-byte sequence (E2 82) at the end.
 */
static const char hostile[] = "q\"b\\s\x01\n\t\r\x7f\xff\xc3(]]><&\xc3\xa9\xe2\x82";
#define FFFD "\xEF\xBF\xBD"

/* Everything a test's rpt_run points at. */
struct fixture {
	struct chk_result checks;
	struct chk_expectations expect;
	struct chk_verdict verdict;
	struct rpt_run run;
};

static __attribute__((unused)) void fixture_load(struct fixture *f, const char *history)
{
	char path[256];
	struct hist *h = NULL;
	struct hist_error err;
	snprintf(path, sizeof(path), "tests/histories/%s.jsonl", history);
	int rc = hist_read_file(path, &h, &err);
	if (rc)
		hist_error_print(stderr, path, &err);
	assert_int_equal(rc, HIST_OK);
	memset(f, 0, sizeof(*f));
	assert_int_equal(chk_run_all(h, &f->checks), CHK_OK);
	hist_count_stats(h, &f->run.stats);
	hist_free(h);
	f->run.scenario = "lost-write-demo";
	f->run.description = "Kill the leader under acks=1.";
	f->run.seed = 42;
	f->run.trace_hash = 0xdeadbeefULL;
	f->run.checks = &f->checks;
	f->run.expect = &f->expect;
	f->run.verdict = &f->verdict;
	f->run.events = 1234;
	f->run.sim_ns = 90000500000; /* 90.0005 s: rounds half up to 90.001 */
	f->run.wall_seconds = 0.4;
	f->run.mode = "zookeeper";
	f->run.kafka_version = 309;
	chk_evaluate(&f->checks, &f->expect, &f->verdict);
}

/* Sets one expectation by key and re-evaluates the verdict. */
static __attribute__((unused)) void fixture_expect(struct fixture *f, const char *key,
                                                   const char *value)
{
	enum chk_kind k;
	enum chk_expect e;
	assert_int_equal(chk_kind_from_name(key, &k), 0);
	assert_int_equal(chk_expect_from_name(k, value, &e), 0);
	f->expect.of[k] = (uint8_t)e;
	chk_evaluate(&f->checks, &f->expect, &f->verdict);
}

/* lost_write.jsonl with lost-write none, duplicate none, split-brain some, liveness ok. */
static __attribute__((unused)) void fixture_lost_write(struct fixture *f)
{
	fixture_load(f, "lost_write");
	fixture_expect(f, "lost-write", "none");
	fixture_expect(f, "duplicate", "none");
	fixture_expect(f, "split-brain", "some");
	fixture_expect(f, "liveness", "ok");
}

/* What a writer puts in a FILE, as a malloc'd NUL-terminated string. */
typedef int (*writer_fn)(FILE *out, const struct rpt_run *run);

static __attribute__((unused)) char *capture(writer_fn fn, const struct rpt_run *run)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	assert_non_null(f);
	assert_int_equal(fn(f, run), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static __attribute__((unused)) char *capture_text(int (*fn)(FILE *, const char *), const char *s)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	assert_non_null(f);
	assert_int_equal(fn(f, s), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static __attribute__((unused)) size_t count_of(const char *hay, const char *needle)
{
	size_t c = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		c++;
	return c;
}

#endif
