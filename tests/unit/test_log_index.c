/*
 * Offset and time index: lookups (exact, between, before the first, past
 * the last), the out-of-order refusal, the full limit, truncation, and the
 * file encodings worked out by hand from Kafka's layout (8-byte entries:
 * relative offset i32, position i32; 12-byte entries: timestamp i64,
 * relative offset i32; all big-endian).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "broker/log/log_index.h"

static void *tl_realloc(void *ctx, void *p, size_t n)
{
	(void)ctx;
	if (n == 0) {
		free(p);
		return NULL;
	}
	return realloc(p, n);
}

static const struct log_alloc A = {tl_realloc, NULL};

static void test_lookup(void **state)
{
	struct log_index ix;
	log_index_init(&ix, 100);
	struct log_index_entry e;
	/* Empty: the segment's start. */
	assert_false(log_index_lookup(&ix, 5, &e));
	assert_int_equal(e.rel_offset, 0);
	assert_int_equal(e.position, 0);
	for (int i = 1; i <= 50; i++)
		assert_int_equal(log_index_append(&ix, A, i * 10, i * 1000), LOG_OK);
	/* Exact hit, between entries (the lower one), before the first, past the last. */
	assert_true(log_index_lookup(&ix, 30, &e));
	assert_int_equal(e.position, 3000);
	assert_true(log_index_lookup(&ix, 39, &e));
	assert_int_equal(e.rel_offset, 30);
	assert_false(log_index_lookup(&ix, 9, &e));
	assert_int_equal(e.position, 0);
	assert_true(log_index_lookup(&ix, 100000, &e));
	assert_int_equal(e.rel_offset, 500);
	/* Out of order entries are refused. */
	assert_int_equal(log_index_append(&ix, A, 500, 60000), LOG_EINVAL);
	assert_int_equal(log_index_append(&ix, A, 510, 50000), LOG_EINVAL);
	assert_int_equal(log_index_append(&ix, A, -1, 1), LOG_EINVAL);
	/* Truncation drops entries at or past the offset. */
	log_index_truncate(&ix, 250);
	assert_int_equal(ix.n, 24);
	assert_true(log_index_lookup(&ix, 260, &e));
	assert_int_equal(e.rel_offset, 240);
	log_index_truncate(&ix, 0);
	assert_int_equal(ix.n, 0);
	log_index_free(&ix, A);
}

static void test_full(void **state)
{
	struct log_index ix;
	log_index_init(&ix, 3);
	for (int i = 0; i < 3; i++) {
		assert_false(log_index_full(&ix));
		assert_int_equal(log_index_append(&ix, A, i, i), LOG_OK);
	}
	assert_true(log_index_full(&ix));
	assert_int_equal(log_index_append(&ix, A, 9, 9), LOG_EINVAL);
	log_index_free(&ix, A);
}

static void test_time_index(void **state)
{
	struct log_time_index tx;
	log_time_index_init(&tx, 10);
	struct log_time_entry e;
	assert_false(log_time_index_lookup(&tx, 100, &e));
	assert_true(log_time_index_maybe_append(&tx, A, 100, 0));
	/* Only growing timestamps (and offsets) are appended. */
	assert_false(log_time_index_maybe_append(&tx, A, 100, 5));
	assert_false(log_time_index_maybe_append(&tx, A, 90, 6));
	assert_true(log_time_index_maybe_append(&tx, A, 200, 7));
	assert_true(log_time_index_maybe_append(&tx, A, 300, 9));
	assert_true(log_time_index_lookup(&tx, 250, &e));
	assert_int_equal(e.timestamp, 200);
	assert_int_equal(e.rel_offset, 7);
	assert_false(log_time_index_lookup(&tx, 99, &e));
	log_time_index_truncate(&tx, 8);
	assert_int_equal(tx.n, 2);
	log_time_index_free(&tx, A);
}

static void test_encodings(void **state)
{
	/* rel 5 = 00 00 00 05, position 4096 = 0x1000 = 00 00 10 00. */
	static const uint8_t want_ix[8] = {0, 0, 0, 5, 0, 0, 0x10, 0};
	uint8_t out[12];
	struct log_index_entry e = {5, 4096};
	log_index_encode(&e, out);
	assert_memory_equal(out, want_ix, 8);
	struct log_index_entry d;
	assert_int_equal(log_index_decode(want_ix, 8, 0, &d), LOG_OK);
	assert_int_equal(d.rel_offset, 5);
	assert_int_equal(d.position, 4096);
	assert_int_equal(log_index_decode(want_ix, 8, 1, &d), LOG_EINVAL);
	assert_int_equal(log_index_decode(want_ix, 7, 0, &d), LOG_EINVAL);
	/* 1700000000000 = 0x0000018BCFE56800, then rel 7 = 00 00 00 07. */
	static const uint8_t want_tx[12] = {0, 0, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00,
					    0, 0, 0, 7};
	struct log_time_entry t = {1700000000000LL, 7}, td;
	log_time_index_encode(&t, out);
	assert_memory_equal(out, want_tx, 12);
	assert_int_equal(log_time_index_decode(want_tx, 12, 0, &td), LOG_OK);
	assert_true(td.timestamp == 1700000000000LL);
	assert_int_equal(td.rel_offset, 7);
	assert_int_equal(log_time_index_decode(want_tx, 11, 0, &td), LOG_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_time_index),
		cmocka_unit_test(test_encodings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
