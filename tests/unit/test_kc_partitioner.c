/* Kafka's murmur2 partitioner: the values Kafka's own UtilsTest pins. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "broker/client/kc_partitioner.h"

static int32_t m2(const char *s)
{
	return kc_murmur2(s, strlen(s));
}

/* The expected values are those Apache Kafka's UtilsTest.testMurmur2 asserts
 * for Utils.murmur2 of each string's bytes: covering every tail length. */
static void test_murmur2_vectors(void **state)
{
	assert_int_equal(m2("21"), -973932308);
	assert_int_equal(m2("foobar"), -790332482);
	assert_int_equal(m2("a-little-bit-long-string"), -985981536);
	assert_int_equal(m2("a-little-bit-longer-string"), -1486304829);
	assert_int_equal(m2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
	const char abc[] = {'a', 'b', 'c'};
	assert_int_equal(kc_murmur2(abc, 3), 479470107);
}

static void test_partition_for_key(void **state)
{
	/* toPositive keeps the low 31 bits: -973932308 & 0x7fffffff = 1173551340. */
	assert_int_equal(kc_partition_for_key("21", 2, 1000), 1173551340 % 1000);
	for (int32_t n = 1; n < 50; n++) {
		int32_t p = kc_partition_for_key("foobar", 6, n);
		assert_true(p >= 0 && p < n);
	}
	uint32_t counter = 0;
	for (int i = 0; i < 10; i++)
		assert_int_equal(kc_partition_round_robin(&counter, 3), i % 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_murmur2_vectors),
		cmocka_unit_test(test_partition_for_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
