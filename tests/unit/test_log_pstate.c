/*
 * Producer state: new producers, in-sequence batches, duplicates of each of
 * the last five batches (and not of a sixth-oldest), gaps, fencing by
 * epoch, a new epoch starting at 0, sequence wrap-around at INT32_MAX,
 * markers, and rebuilding from batch headers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "broker/log/log_pstate.h"

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

/* Records a batch of `count` records at sequence seq and offset off. */
static void put(struct log_pstate *ps, int64_t pid, int16_t epoch, int32_t seq, int count,
		int64_t off)
{
	struct log_pstate_batch b = {seq, log_pstate_last_seq(seq, count - 1), off,
				     off + count - 1};
	log_pstate_update(ps, pid, epoch, true, &b);
}

static int check(struct log_pstate *ps, int64_t pid, int16_t epoch, int32_t seq, int count,
		 struct log_pstate_batch *dup)
{
	return log_pstate_check(ps, pid, epoch, seq, log_pstate_last_seq(seq, count - 1), dup);
}

static void test_sequences_and_duplicates(void **state)
{
	struct log_pstate ps;
	log_pstate_init(&ps, A);
	struct log_pstate_batch dup;
	/* Unknown producers are accepted at any sequence (KIP-360). */
	assert_int_equal(check(&ps, 9, 0, 17, 1, &dup), LOG_OK);
	for (int i = 0; i < 7; i++) {
		assert_int_equal(check(&ps, 9, 0, i * 2, 2, &dup), LOG_OK);
		put(&ps, 9, 0, i * 2, 2, 100 + i * 2);
	}
	const struct log_pstate_entry *e = log_pstate_find(&ps, 9);
	assert_non_null(e);
	assert_int_equal(e->n, LOG_PSTATE_BATCHES);
	/* The last five batches are duplicates, answered with their offsets. */
	for (int i = 2; i < 7; i++) {
		assert_int_equal(check(&ps, 9, 0, i * 2, 2, &dup), LOG_DUPLICATE);
		assert_int_equal(dup.first_offset, 100 + i * 2);
		assert_int_equal(dup.last_offset, 101 + i * 2);
	}
	/* Older ones are out of order, as is a gap; the next one is fine. */
	assert_int_equal(check(&ps, 9, 0, 2, 2, &dup), LOG_EOUT_OF_ORDER);
	assert_int_equal(check(&ps, 9, 0, 15, 1, &dup), LOG_EOUT_OF_ORDER);
	assert_int_equal(check(&ps, 9, 0, 14, 3, &dup), LOG_OK);
	/* Same first sequence, different length: not a duplicate. */
	assert_int_equal(check(&ps, 9, 0, 12, 1, &dup), LOG_EOUT_OF_ORDER);
	log_pstate_free(&ps);
}

static void test_epochs(void **state)
{
	struct log_pstate ps;
	log_pstate_init(&ps, A);
	struct log_pstate_batch dup;
	put(&ps, 5, 3, 0, 4, 0);
	assert_int_equal(check(&ps, 5, 2, 4, 1, &dup), LOG_EFENCED);
	/* A new epoch must restart at 0, and forgets the old batches. */
	assert_int_equal(check(&ps, 5, 4, 4, 1, &dup), LOG_EOUT_OF_ORDER);
	assert_int_equal(check(&ps, 5, 4, 0, 1, &dup), LOG_OK);
	put(&ps, 5, 4, 0, 1, 10);
	assert_int_equal(log_pstate_find(&ps, 5)->n, 1);
	assert_int_equal(check(&ps, 5, 4, 0, 4, &dup), LOG_EOUT_OF_ORDER);
	/* A marker (no sequence) moves the epoch only. */
	log_pstate_update(&ps, 5, 6, false, NULL);
	assert_int_equal(log_pstate_find(&ps, 5)->epoch, 6);
	assert_int_equal(log_pstate_find(&ps, 5)->n, 0);
	assert_int_equal(check(&ps, 5, 6, 3, 1, &dup), LOG_OK);
	log_pstate_free(&ps);
}

static void test_wrap_and_order(void **state)
{
	assert_int_equal(log_pstate_last_seq(INT32_MAX - 1, 3), 1);
	assert_int_equal(log_pstate_last_seq(INT32_MAX, 0), INT32_MAX);
	assert_int_equal(log_pstate_last_seq(INT32_MAX, 1), 0);
	struct log_pstate ps;
	log_pstate_init(&ps, A);
	struct log_pstate_batch dup;
	put(&ps, 1, 0, INT32_MAX - 1, 2, 0);
	assert_int_equal(check(&ps, 1, 0, 0, 1, &dup), LOG_OK); /* wraps to 0 */
	/* Many producers, inserted out of order, are kept sorted. */
	for (int64_t pid = 40; pid > 1; pid -= 3)
		put(&ps, pid, 0, 0, 1, pid);
	for (size_t i = 1; i < ps.n; i++)
		assert_true(ps.e[i - 1].producer_id < ps.e[i].producer_id);
	assert_null(log_pstate_find(&ps, 3));
	assert_non_null(log_pstate_find(&ps, 40));
	log_pstate_clear(&ps);
	assert_null(log_pstate_find(&ps, 40));
	log_pstate_free(&ps);
}

static void test_apply_header(void **state)
{
	struct log_pstate ps;
	log_pstate_init(&ps, A);
	struct rb_batch_header h = {.base_offset = 50, .last_offset_delta = 2,
				    .producer_id = 8, .producer_epoch = 1, .base_sequence = 10};
	log_pstate_apply_header(&ps, &h);
	const struct log_pstate_entry *e = log_pstate_find(&ps, 8);
	assert_non_null(e);
	assert_int_equal(e->b[0].first_seq, 10);
	assert_int_equal(e->b[0].last_seq, 12);
	assert_int_equal(e->b[0].last_offset, 52);
	/* Non-idempotent batches leave no trace; control batches only the epoch. */
	h.producer_id = -1;
	log_pstate_apply_header(&ps, &h);
	assert_int_equal(ps.n, 1);
	h.producer_id = 8;
	h.producer_epoch = 2;
	h.attributes = RB_ATTR_CONTROL | RB_ATTR_TRANSACTIONAL;
	log_pstate_apply_header(&ps, &h);
	e = log_pstate_find(&ps, 8);
	assert_int_equal(e->epoch, 2);
	assert_int_equal(e->n, 0);
	log_pstate_free(&ps);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sequences_and_duplicates),
		cmocka_unit_test(test_epochs),
		cmocka_unit_test(test_wrap_and_order),
		cmocka_unit_test(test_apply_header),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
