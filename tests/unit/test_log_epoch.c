/*
 * Leader epoch cache: assign (new, repeated, conflicting), latest, the
 * OffsetsForLeaderEpoch answer in every case, truncation from either end,
 * and the leader-epoch-checkpoint text (round trip and bad files).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "broker/log/log_epoch.h"

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

static void check_end(const struct log_epoch_cache *c, int32_t epoch, int64_t leo,
		      int32_t want_epoch, int64_t want_offset)
{
	int32_t e;
	int64_t o;
	log_epoch_end_offset(c, epoch, leo, &e, &o);
	assert_int_equal(e, want_epoch);
	assert_int_equal(o, want_offset);
}

static void test_assign_and_end_offsets(void **state)
{
	struct log_epoch_cache c;
	log_epoch_init(&c, A);
	assert_int_equal(log_epoch_latest(&c), LOG_EPOCH_UNDEFINED);
	check_end(&c, 0, 10, LOG_EPOCH_UNDEFINED, -1);
	assert_true(log_epoch_assign(&c, 2, 0));
	assert_false(log_epoch_assign(&c, 2, 5)); /* same epoch, later start: no-op */
	assert_true(log_epoch_assign(&c, 4, 10));
	assert_true(log_epoch_assign(&c, 7, 25));
	assert_false(log_epoch_assign(&c, -1, 30));
	assert_int_equal(log_epoch_latest(&c), 7);
	/* Latest: the LEO. */
	check_end(&c, 7, 40, 7, 40);
	/* Known older epoch: the start of the next. */
	check_end(&c, 4, 40, 4, 25);
	check_end(&c, 2, 40, 2, 10);
	/* Unknown epoch between known ones: the largest below it, and the start
	 * of the next above. */
	check_end(&c, 5, 40, 4, 25);
	/* Below every known epoch: itself, and the first start. */
	check_end(&c, 1, 40, 1, 0);
	/* Above every known one, or undefined. */
	check_end(&c, 8, 40, LOG_EPOCH_UNDEFINED, -1);
	check_end(&c, LOG_EPOCH_UNDEFINED, 40, LOG_EPOCH_UNDEFINED, -1);
	/* A conflicting assign (lower start than a later epoch's) removes the
	 * entries it contradicts. */
	assert_true(log_epoch_assign(&c, 5, 20));
	assert_int_equal(c.n, 3);
	assert_int_equal(c.e[2].epoch, 5);
	assert_int_equal(c.e[2].start_offset, 20);
	assert_true(log_epoch_assign(&c, 6, 3));
	assert_int_equal(c.n, 2); /* (2,0) (6,3) */
	assert_int_equal(c.e[1].epoch, 6);
	log_epoch_free(&c);
}

static void test_truncation(void **state)
{
	struct log_epoch_cache c;
	log_epoch_init(&c, A);
	log_epoch_assign(&c, 1, 0);
	log_epoch_assign(&c, 3, 10);
	log_epoch_assign(&c, 5, 20);
	assert_false(log_epoch_truncate_from_end(&c, 25));
	assert_true(log_epoch_truncate_from_end(&c, 20));
	assert_int_equal(log_epoch_latest(&c), 3);
	log_epoch_assign(&c, 5, 20);
	/* From 15: epoch 1 (0..9) goes; epoch 3 (10..19) covers 15, so it
	 * survives, moved to start at 15. */
	assert_true(log_epoch_truncate_from_start(&c, 15));
	assert_int_equal(c.n, 2);
	assert_int_equal(c.e[0].epoch, 3);
	assert_int_equal(c.e[0].start_offset, 15);
	assert_false(log_epoch_truncate_from_start(&c, 15));
	assert_true(log_epoch_truncate_from_start(&c, 30));
	assert_int_equal(c.n, 1);
	assert_int_equal(c.e[0].epoch, 5);
	assert_int_equal(c.e[0].start_offset, 30);
	log_epoch_free(&c);
}

static void test_file_round_trip(void **state)
{
	struct log_epoch_cache c, d;
	log_epoch_init(&c, A);
	log_epoch_init(&d, A);
	log_epoch_assign(&c, 0, 0);
	log_epoch_assign(&c, 3, 120);
	char buf[64];
	struct wire_writer w;
	wire_writer_init(&w, buf, sizeof buf);
	log_epoch_encode(&c, &w);
	/* Kafka's layout: version 0, count 2, then "epoch startOffset". */
	assert_int_equal(w.len, strlen("0\n2\n0 0\n3 120\n"));
	assert_memory_equal(buf, "0\n2\n0 0\n3 120\n", w.len);
	struct log_ckpt_error err;
	assert_int_equal(log_epoch_parse(&d, buf, w.len, &err), LOG_OK);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.e[1].epoch, 3);
	assert_int_equal(d.e[1].start_offset, 120);
	log_epoch_free(&c);
	log_epoch_free(&d);
}

static void test_bad_files(void **state)
{
	static const char *const bad[] = {
		"1\n0\n",            /* unknown version */
		"0\n2\n1 0\n",       /* fewer lines than counted */
		"0\n1\n1 0\n2 5\n",  /* more lines than counted */
		"0\n1\n1\n",         /* one field */
		"0\n1\n1 0 9\n",     /* three fields */
		"0\n1\n-1 0\n",      /* negative epoch */
		"0\n1\n1 x\n",       /* not a number */
		"0\n2\n3 10\n2 20\n", /* epochs going down */
		"0\n2\n2 10\n3 5\n", /* offsets going down */
		"0\n1\n1 99999999999999999999\n", /* overflow */
		"0\n-1\n",           /* negative count */
		"zero\n",
	};
	struct log_epoch_cache c;
	log_epoch_init(&c, A);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct log_ckpt_error err;
		assert_int_equal(log_epoch_parse(&c, bad[i], strlen(bad[i]), &err), LOG_EFORMAT);
		assert_true(err.msg[0] != 0);
		assert_int_equal(c.n, 0);
	}
	log_epoch_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_assign_and_end_offsets),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_file_round_trip),
		cmocka_unit_test(test_bad_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
