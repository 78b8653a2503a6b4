/*
 * libFuzzer target for the scenario loader (harness/scn_*): feeds arbitrary
 * bytes to scn_load_buffer. Whatever the bytes, the loader must return a
 * status with a well-formed error, or a scenario that keeps its invariants
 * and survives the round trip: its normalized printout loads again and
 * prints the same bytes. Sanitizers catch out-of-bounds accesses, leaks and
 * undefined behaviour in the loader (libfyaml itself is the system build,
 * not instrumented). Not built by the Makefile; build and run with
 *
 *	clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
 *	  -fno-sanitize-recover=all -I. -D_POSIX_C_SOURCE=200809L \
 *	  tests/fuzz/fuzz_scn.c harness/scn_*.c \
 *	  $(pkg-config --cflags --libs libfyaml) -o build/fuzz_scn
 *	mkdir -p build/corpus_scn && cp tests/fuzz/corpus/scn/[a-z]* build/corpus_scn/
 *	./build/fuzz_scn -max_total_time=60 -max_len=4096 build/corpus_scn \
 *	  -dict=tests/fuzz/scn.dict -timeout=5
 *
 * (the copy keeps the checked-in corpus small: libFuzzer adds every new
 * input it finds to the first directory it is given). The seed corpus is
 * the loader's test fixtures: tests/scn_good/ and tests/scn_bad/.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/scn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Unlike assert, on whatever the build flags. */
#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

static void check_range(struct scn_range r)
{
	CHECK(r.min_ns >= 0 && r.min_ns <= r.max_ns);
}

static void check_targets(const struct scn_scenario *s, const struct scn_targets *ts)
{
	for (size_t i = 0; i < ts->count; i++) {
		const struct scn_target *t = &ts->items[i];
		if (t->kind == SCN_TARGET_BROKER)
			CHECK(t->index >= 1 && t->index <= s->cluster.brokers);
		if (t->kind == SCN_TARGET_ZK)
			CHECK(t->index >= 1 && t->index <= s->cluster.zookeeper);
		if (t->kind == SCN_TARGET_LEADER || t->kind == SCN_TARGET_FOLLOWER)
			CHECK(t->topic && t->partition >= 0);
	}
}

static void check_scenario(const struct scn_scenario *s)
{
	CHECK(s->name && s->name[0]);
	CHECK(s->duration_ns > 0 && s->quiesce_ns >= 0);
	CHECK(s->cluster.brokers >= 1);
	check_range(s->net_latency);
	check_range(s->disk_write_latency);
	check_range(s->disk_fsync_latency);
	for (size_t i = 0; i < s->topic_count; i++)
		CHECK(s->topics[i].replication_factor <= s->cluster.brokers);
	for (size_t i = 0; i < s->producer_group_count; i++)
		CHECK(s->producers[i].rate.num > 0 && s->producers[i].rate.den > 0);
	for (size_t i = 0; i < s->fault_count; i++) {
		const struct scn_fault *f = &s->faults[i];
		CHECK(f->at_ns >= 0 && f->at_ns <= s->duration_ns);
		CHECK(i == 0 || s->faults[i - 1].at_ns <= f->at_ns);
		CHECK(f->action != SCN_ACTION_PAUSE || f->has_for);
		check_targets(s, &f->targets);
		for (size_t g = 0; g < f->partition.group_count; g++)
			check_targets(s, &f->partition.groups[g]);
	}
}

static char *print_to_string(const struct scn_scenario *s, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	CHECK(f);
	scn_print(s, f);
	CHECK(fclose(f) == 0);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scn_scenario *s = NULL, *again = NULL;
	struct scn_error err;
	int rc = scn_load_buffer("fuzz.yaml", data, size, &s, &err);
	if (rc != SCN_OK) {
		CHECK(s == NULL);
		CHECK(rc == SCN_ERR_SYNTAX || rc == SCN_ERR_INVALID || rc == SCN_ERR_NOMEM);
		CHECK(err.message[0] && strncmp(err.text, "fuzz.yaml:", 10) == 0);
		CHECK(rc == SCN_ERR_NOMEM || (err.line >= 1 && err.column >= 1));
		return 0;
	}
	check_scenario(s);
	size_t len1, len2;
	char *first = print_to_string(s, &len1);
	rc = scn_load_buffer("printed", first, len1, &again, &err);
	if (rc != SCN_OK) {
		fprintf(stderr, "printout does not load: %s\n%s", err.text, first);
		abort();
	}
	char *second = print_to_string(again, &len2);
	CHECK(len1 == len2 && memcmp(first, second, len1) == 0);
	free(first);
	free(second);
	scn_free(again);
	scn_free(s);
	return 0;
}
