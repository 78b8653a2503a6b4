/*
 * libFuzzer target for the history reader and every checker: arbitrary bytes
 * are read as a JSON Lines history; what the reader accepts goes through all
 * checkers twice (the results must be identical: no dependence on addresses
 * or uninitialised memory), then through the report and summary writers.
 * Sanitizers catch out-of-bounds access and undefined behaviour; CHECK
 * catches broken invariants (example bounds and order, error positions). Not
 * built by the Makefile; build and run with
 *
 *	clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
 *	  -fno-sanitize-recover=all -I. -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
 *	  tests/fuzz/fuzz_check.c harness/hist_*.c checkers/chk_*.c -o build/fuzz_check
 *	cp -r tests/fuzz/corpus/check build/corpus_check
 *	./build/fuzz_check -max_total_time=60 build/corpus_check
 *
 * (the copy keeps the checked-in corpus small: libFuzzer adds every new input
 * it finds to the first directory it is given). The seed corpus is the
 * hand-written histories of tests/histories/ and a few edge cases.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkers/chk.h"
#include "harness/hist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Unlike assert, on whatever the build flags. */
#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

static uint64_t count_lines(const uint8_t *data, size_t size)
{
	uint64_t n = 1;
	for (size_t i = 0; i + 1 < size; i++)
		n += data[i] == '\n';
	return n;
}

static void check_report(const struct chk_report *r, const struct hist *h)
{
	CHECK(r->n_examples <= CHK_MAX_EXAMPLES);
	CHECK(r->n_examples <= r->count);
	CHECK(r->count == 0 || r->n_examples > 0);
	for (size_t i = 0; i < r->n_examples; i++) {
		const struct chk_example *e = &r->examples[i];
		CHECK(e->line >= 1 && e->line <= h->ops[h->n_ops - 1].line);
		CHECK(memchr(e->detail, '\0', sizeof(e->detail)) != NULL);
		if (i > 0) {
			const struct chk_example *p = &r->examples[i - 1];
			CHECK(p->line < e->line || (p->line == e->line && p->order <= e->order));
		}
	}
}

static void write_all(const struct chk_result *a)
{
	struct chk_expectations e;
	struct chk_verdict v;
	char *buf = NULL;
	size_t len = 0;
	memset(&e, 0, sizeof(e));
	e.of[CHK_LOST_WRITE] = CHK_EXPECT_NONE;
	e.of[CHK_DUPLICATE] = CHK_EXPECT_SOME;
	e.of[CHK_LIVENESS] = CHK_EXPECT_OK;
	chk_evaluate(a, &e, &v);
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return;
	CHECK(chk_write_summary(f, a, &e, &v) == 0);
	CHECK(chk_write_report(f, a, &v) == 0);
	fclose(f);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hist *h;
	struct hist_error err;
	int rc = hist_read_buffer((const char *)data, size, &h, &err);
	if (rc != HIST_OK) {
		CHECK(h == NULL);
		CHECK(rc == HIST_EINPUT || rc == HIST_ENOMEM);
		CHECK(err.line >= 1 && err.line <= count_lines(data, size));
		CHECK(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
		return 0;
	}
	CHECK(h->n_ops >= 1);
	struct chk_result *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	CHECK(a && b);
	memset(a, 0, sizeof(*a));
	memset(b, 0, sizeof(*b));
	CHECK(chk_run_all(h, a) == CHK_OK);
	CHECK(chk_run_all(h, b) == CHK_OK);
	CHECK(memcmp(a, b, sizeof(*a)) == 0);
	for (int k = 0; k < CHK_COUNT; k++)
		check_report(&a->reports[k], h);
	write_all(a);
	free(a);
	free(b);
	hist_free(h);
	return 0;
}
