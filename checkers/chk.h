/*
 * chk — the checkers: each reads a history (harness/hist.h) and counts one
 * kind of anomaly, keeping the first CHK_MAX_EXAMPLES operations that show
 * it; a driver runs them all, evaluates a scenario's `expect` block against
 * the counts, and writes the anomaly part of summary.json. Every checker is
 * defined precisely in docs/checkers.md.
 *
 * Ownership: results are plain structs the caller owns; nothing points into
 * the history, so a result outlives it. The checkers allocate scratch memory
 * with malloc and free it before returning; they keep no state between calls
 * and depend on nothing but the history's contents (fixed hash functions, no
 * iteration by address), so the same history gives the same result.
 */
#ifndef KSIM_CHK_H
#define KSIM_CHK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/hist.h"

/* In the order summary.json lists them. */
enum chk_kind {
	CHK_LOST_WRITE,
	CHK_DUPLICATE,
	CHK_INCONSISTENT_OFFSETS,
	CHK_NONMONOTONIC_POLL,
	CHK_NONMONOTONIC_SEND,
	CHK_POLL_SKIP,
	CHK_UNEXPECTED,
	CHK_REPLICA_DIVERGENCE,
	CHK_COMMITTED_REWRITE,
	CHK_SPLIT_BRAIN,
	CHK_ZK_AGREEMENT,
	CHK_LIVENESS,
	CHK_COUNT
};

enum { CHK_MAX_EXAMPLES = 10 };

enum chk_status { CHK_OK = 0, CHK_ENOMEM = -1 };

/* One operation that shows an anomaly. */
struct chk_example {
	uint64_t line;    /* 1-based line of the history */
	int64_t time;     /* the op's virtual time, ns */
	uint64_t order;   /* tie-break within a line (an offset, a zxid) */
	char process[48]; /* the op's process, truncated */
	char detail[160]; /* what is wrong, in a sentence */
};

/* The examples are the CHK_MAX_EXAMPLES smallest by (line, order). */
struct chk_report {
	uint64_t count;
	size_t n_examples;
	struct chk_example examples[CHK_MAX_EXAMPLES];
};

struct chk_result {
	struct chk_report reports[CHK_COUNT];
};

/* An `expect` value; CHK_EXPECT_OK is liveness's `ok` (no anomaly). */
enum chk_expect { CHK_EXPECT_ANY, CHK_EXPECT_NONE, CHK_EXPECT_SOME, CHK_EXPECT_OK };

/* Per checker; a zeroed struct expects `any` of everything. */
struct chk_expectations {
	uint8_t of[CHK_COUNT]; /* enum chk_expect */
};

struct chk_verdict {
	bool pass;
	size_t n_failed;
	uint8_t failed[CHK_COUNT]; /* enum chk_kind, in kind order */
};

/* "lost-write", ... — the expect keys of the scenario format. */
const char *chk_name(enum chk_kind k);
/* The kind named `name`; -1 when no checker has that name. */
int chk_kind_from_name(const char *name, enum chk_kind *out);
/*
 * Parses an expect value for kind k: "none", "some", "any", and "ok" for
 * liveness only. Returns 0, or -1 for any other value.
 */
int chk_expect_from_name(enum chk_kind k, const char *value, enum chk_expect *out);
const char *chk_expect_name(enum chk_expect e);

/* Runs one checker into *out (overwritten). Returns CHK_OK or CHK_ENOMEM. */
int chk_run(enum chk_kind k, const struct hist *h, struct chk_report *out);
/* Runs every checker. Returns CHK_OK or CHK_ENOMEM (then *out is partial). */
int chk_run_all(const struct hist *h, struct chk_result *out);

/*
 * A verdict from counts and expectations: `none`/`ok` fails on a count > 0,
 * `some` on a count of 0, `any` never. Never fails itself.
 */
void chk_evaluate(const struct chk_result *r, const struct chk_expectations *e,
                  struct chk_verdict *v);

/*
 * Writes the summary.json members `"anomalies": {...}, "expect": {...},
 * "failed_expectations": [...]` (no surrounding braces, no trailing comma),
 * every checker in kind order. Returns 0, or -1 when a write failed.
 */
int chk_write_summary(FILE *out, const struct chk_result *r, const struct chk_expectations *e,
                      const struct chk_verdict *v);

/* A human-readable report: per checker its count and examples. */
int chk_write_report(FILE *out, const struct chk_result *r, const struct chk_verdict *v);

/*
 * The CLI's entry: reads the history at path, runs every checker, writes the
 * report to out and any input error as "FILE:LINE:COL: message" to err.
 * expect may be NULL (everything `any`; then any anomaly counts as a
 * failure). Returns 0 when clean (every expectation holds), 1 when anomalies
 * fail it, 2 for a missing or malformed history (or, with a message saying
 * so, when memory ran out: the CLI contract has no other code).
 */
int chk_run_file(const char *path, const struct chk_expectations *expect, FILE *out, FILE *err);

#endif
