/*
 * Unit tests for the scenario units (harness/scn_units.c): durations,
 * ranges, rates and sizes, valid and invalid forms, with the exact integer
 * each valid form must give, worked out by hand in the comments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "harness/scn.h"

static int64_t duration(const char *text)
{
	int64_t ns = -12345;
	assert_int_equal(scn_parse_duration(text, strlen(text), false, &ns), 0);
	return ns;
}

static void test_duration_valid(void **state)
{
	/* The contract's own examples. */
	assert_int_equal(duration("250ms"), 250 * 1000000ll);
	assert_int_equal(duration("10s"), 10 * 1000000000ll);
	assert_int_equal(duration("1.5s"), 1500000000ll);     /* 1 s + 5/10 s */
	assert_int_equal(duration("2m"), 120 * 1000000000ll); /* 2 * 60 s */
	assert_int_equal(duration("100us"), 100 * 1000ll);
	/* Fractions are exact in every unit. */
	assert_int_equal(duration("0.000000001s"), 1); /* 10^-9 s */
	assert_int_equal(duration("1.25ms"), 1250000); /* 1 ms + 250 us */
	assert_int_equal(duration("0.5us"), 500);
	assert_int_equal(duration("1.5m"), 90 * 1000000000ll);               /* 90 s */
	assert_int_equal(duration("0.1m"), 6 * 1000000000ll);                /* 6 s */
	assert_int_equal(duration("2.50000000000000000000s"), 2500000000ll); /* trailing zeros */
	assert_int_equal(duration("0ms"), 0);
	assert_int_equal(duration("0s"), 0);
	assert_int_equal(duration("7ns"), 7);
	/* The largest value: INT64_MAX ns, and one past it. */
	assert_int_equal(duration("9223372036854775807ns"), INT64_MAX);
	int64_t ns = 99;
	assert_int_equal(scn_parse_duration("9223372036854775808ns", 21, false, &ns), -1);
	assert_int_equal(ns, 99);
	/* 9223372036.854775807 s is INT64_MAX ns; 9223372037 s overflows. */
	assert_int_equal(duration("9223372036.854775807s"), INT64_MAX);
	assert_int_equal(scn_parse_duration("9223372037s", 11, false, &ns), -1);
	/* Length, not NUL, ends the text. */
	assert_int_equal(scn_parse_duration("10sXYZ", 3, false, &ns), 0);
	assert_int_equal(ns, 10000000000ll);
}

static void test_duration_negative(void **state)
{
	int64_t ns = 0;
	assert_int_equal(scn_parse_duration("-200ms", 6, true, &ns), 0);
	assert_int_equal(ns, -200000000);
	assert_int_equal(scn_parse_duration("-1.5s", 5, true, &ns), 0);
	assert_int_equal(ns, -1500000000);
	ns = 5;
	assert_int_equal(scn_parse_duration("-200ms", 6, false, &ns), -1);
	assert_int_equal(ns, 5);
}

static void test_duration_invalid(void **state)
{
	static const char *const bad[] = {
	    "60", /* a bare integer is an error */
	    "0",
	    "1.5",
	    "s",
	    "ms",
	    ".5s",
	    "5.s",
	    "1,5s",
	    "1.5 s",
	    " 1s",
	    "1s ",
	    "1S",
	    "1sec",
	    "1h",
	    "1d",
	    "+1s",
	    "--1s",
	    "1e3ms",
	    "0x10s",
	    "1ms..",
	    "",
	    "1.0000000001s",
	    "0.1ns",
	    "0.0001us",
	    "1m30s",
	    "10000000000000000000000s",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t ns = 77;
		int rc = scn_parse_duration(bad[i], strlen(bad[i]), true, &ns);
		if (rc != -1)
			fail_msg("'%s' parsed as %lld", bad[i], (long long)ns);
		assert_int_equal(ns, 77);
	}
}

static void test_format_duration(void **state)
{
	char buf[32];
	assert_string_equal(scn_format_duration(0, buf, sizeof(buf)), "0s");
	assert_string_equal(scn_format_duration(60000000000ll, buf, sizeof(buf)), "1m");
	assert_string_equal(scn_format_duration(90000000000ll, buf, sizeof(buf)), "90s");
	assert_string_equal(scn_format_duration(1500000000ll, buf, sizeof(buf)), "1500ms");
	assert_string_equal(scn_format_duration(2500000, buf, sizeof(buf)), "2500us");
	assert_string_equal(scn_format_duration(1, buf, sizeof(buf)), "1ns");
	assert_string_equal(scn_format_duration(-200000000, buf, sizeof(buf)), "-200ms");
	assert_string_equal(scn_format_duration(INT64_MIN, buf, sizeof(buf)),
	                    "-9223372036854775808ns");
	/* Every formatted value parses back to itself. */
	static const int64_t values[] = {0, 1, 999, 1000, 1001, 60000000000ll, INT64_MAX, -7};
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		int64_t back = 0;
		scn_format_duration(values[i], buf, sizeof(buf));
		assert_int_equal(scn_parse_duration(buf, strlen(buf), true, &back), 0);
		assert_int_equal(back, values[i]);
	}
}

static void test_range(void **state)
{
	struct scn_range r;
	assert_int_equal(scn_parse_range("1ms..5ms", 8, &r), 0);
	assert_int_equal(r.min_ns, 1000000);
	assert_int_equal(r.max_ns, 5000000);
	assert_int_equal(scn_parse_range("2ms", 3, &r), 0); /* one value: min == max */
	assert_int_equal(r.min_ns, 2000000);
	assert_int_equal(r.max_ns, 2000000);
	assert_int_equal(scn_parse_range("3ms..3ms", 8, &r), 0);
	assert_int_equal(scn_parse_range("100us..2.5ms", 12, &r), 0);
	assert_int_equal(r.min_ns, 100000);
	assert_int_equal(r.max_ns, 2500000);
	assert_int_equal(scn_parse_range("1ms .. 5ms", 10, &r), 0); /* spaces around .. */
	assert_int_equal(r.max_ns, 5000000);
	static const char *const bad[] = {"5ms..1ms",  "1ms..",     "..5ms",
	                                  "1..5ms",    "1ms...5ms", "1ms..5ms..9ms",
	                                  "-1ms..5ms", "",          "1ms-5ms"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r.min_ns = r.max_ns = 42;
		if (scn_parse_range(bad[i], strlen(bad[i]), &r) != -1)
			fail_msg("range '%s' accepted", bad[i]);
		assert_int_equal(r.min_ns, 42);
	}
}

static void test_rate(void **state)
{
	struct scn_rate r;
	assert_int_equal(scn_parse_rate("500/s", 5, &r), 0);
	assert_int_equal(r.num, 500);
	assert_int_equal(r.den, 1);
	/* 20 per 10^6 ns = 20 * 10^9 / 10^6 = 20000 per second. */
	assert_int_equal(scn_parse_rate("20/ms", 5, &r), 0);
	assert_int_equal(r.num, 20000);
	assert_int_equal(r.den, 1);
	/* 1 per 60 s: 10^9 / 6*10^10, reduced by 10^9, is 1/60. */
	assert_int_equal(scn_parse_rate("1/m", 3, &r), 0);
	assert_int_equal(r.num, 1);
	assert_int_equal(r.den, 60);
	/* 90 per minute = 3/2 per second. */
	assert_int_equal(scn_parse_rate("90/m", 4, &r), 0);
	assert_int_equal(r.num, 3);
	assert_int_equal(r.den, 2);
	assert_int_equal(scn_parse_rate("3/ns", 4, &r), 0);
	assert_int_equal(r.num, 3000000000ull);
	assert_int_equal(r.den, 1);
	static const char *const bad[] = {
	    "200",  "0/s",    "/s",   "1.5/s",  "10/",
	    "10/h", "10 / s", "-1/s", "10/sec", "99999999999999999999/s"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r.num = 9;
		if (scn_parse_rate(bad[i], strlen(bad[i]), &r) != -1)
			fail_msg("rate '%s' accepted", bad[i]);
		assert_int_equal(r.num, 9);
	}
}

static void test_size(void **state)
{
	uint64_t b = 0;
	assert_int_equal(scn_parse_size("100B", 4, &b), 0);
	assert_int_equal(b, 100);
	assert_int_equal(scn_parse_size("16KiB", 5, &b), 0);
	assert_int_equal(b, 16 * 1024);
	assert_int_equal(scn_parse_size("1MiB", 4, &b), 0);
	assert_int_equal(b, 1048576);
	assert_int_equal(scn_parse_size("0B", 2, &b), 0);
	assert_int_equal(b, 0);
	static const char *const bad[] = {
	    "100", "16KB", "1MB", "1.5MiB", "1kib", "B", "-1B", "1 MiB", "99999999999999999GiB"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b = 3;
		if (scn_parse_size(bad[i], strlen(bad[i]), &b) != -1)
			fail_msg("size '%s' accepted", bad[i]);
		assert_int_equal(b, 3);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_duration_valid),
	    cmocka_unit_test(test_duration_negative),
	    cmocka_unit_test(test_duration_invalid),
	    cmocka_unit_test(test_format_duration),
	    cmocka_unit_test(test_range),
	    cmocka_unit_test(test_rate),
	    cmocka_unit_test(test_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
