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
	CHK_GROUP_SKIP,
	CHK_GROUP_REDELIVERY,
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

/*
 * Availability, for the `max-unavailable` and `acked-ratio` expectations.
 * The faulty phase runs from the history's first fault line to its last;
 * within it, max_gap_ns is the longest time some partition of a topic the
 * producers wrote went without an acknowledged write (worst names it, gap_at
 * the gap's start). sends and acked are hist_count_stats's counts.
 */
struct chk_availability {
	bool has_phase;          /* the history has fault lines */
	int64_t phase_from_ns, phase_to_ns;
	int64_t max_gap_ns;
	int64_t gap_at_ns;
	char worst[80];          /* "topic/partition", "" when no partition */
	uint64_t sends, acked;
};

struct chk_result {
	struct chk_report reports[CHK_COUNT];
	/* Acknowledged records of partitions the final reads could not read:
	 * neither lost nor found (summary.json's `unreadable`). */
	uint64_t unreadable;
	struct chk_availability avail;
};

/* An `expect` value; CHK_EXPECT_OK is liveness's `ok` (no anomaly). */
enum chk_expect { CHK_EXPECT_ANY, CHK_EXPECT_NONE, CHK_EXPECT_SOME, CHK_EXPECT_OK };

/* Per checker; a zeroed struct expects `any` of everything and no
 * availability. acked_ratio_bp is in basis points (99.5% = 9950). */
struct chk_expectations {
	uint8_t of[CHK_COUNT]; /* enum chk_expect */
	bool has_max_unavailable;
	int64_t max_unavailable_ns;
	bool has_acked_ratio;
	uint32_t acked_ratio_bp;
};

struct chk_verdict {
	bool pass;
	size_t n_failed;
	uint8_t failed[CHK_COUNT]; /* enum chk_kind, in kind order */
	bool failed_max_unavailable; /* listed after the checkers */
	bool failed_acked_ratio;
};

/* The expectation names of the availability expectations. */
#define CHK_MAX_UNAVAILABLE_NAME "max-unavailable"
#define CHK_ACKED_RATIO_NAME "acked-ratio"

/* Whether the availability expectations hold for r (true when not set). */
bool chk_max_unavailable_holds(const struct chk_result *r, const struct chk_expectations *e);
bool chk_acked_ratio_holds(const struct chk_result *r, const struct chk_expectations *e);
/* acked / sends in basis points (0 without sends). */
uint32_t chk_acked_ratio_bp(const struct chk_result *r);

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
/* Runs every checker, counts the unreadable records and measures
 * availability. Returns CHK_OK or CHK_ENOMEM (then *out is partial). */
int chk_run_all(const struct hist *h, struct chk_result *out);

/*
 * A verdict from counts and expectations: `none`/`ok` fails on a count > 0,
 * `some` on a count of 0, `any` never. Never fails itself.
 */
void chk_evaluate(const struct chk_result *r, const struct chk_expectations *e,
                  struct chk_verdict *v);

/*
 * Writes the summary.json members `"anomalies": {...}, "unreadable": N,
 * "expect": {...}, "failed_expectations": [...]` (no surrounding braces, no
 * trailing comma), every checker in kind order; `expect` also holds
 * max-unavailable (e.g. "5s") and acked-ratio (e.g. "99.5%") when set, and
 * "availability": {"max_gap_ms", "worst", "acked_ratio"} follows the
 * anomalies. Returns 0, or -1 when a write failed.
 */
int chk_write_summary(FILE *out, const struct chk_result *r, const struct chk_expectations *e,
                      const struct chk_verdict *v);

/* A human-readable report: per checker its count and examples. */
int chk_write_report(FILE *out, const struct chk_result *r, const struct chk_verdict *v);

/*
 * The CLI's entry: reads the history at path, runs every checker, writes the
 * report to out and any input error as "FILE:LINE:COL: message" to err.
 * expect may be NULL: every expectation `any`, as the scenario format says
 * of `ksim check` without expectations (the report still shows every count).
 * Returns 0 when every expectation holds, 1 when one fails, 2 for a missing
 * or malformed history (or, with a message saying so, when memory ran out:
 * the CLI contract has no other code).
 */
int chk_run_file(const char *path, const struct chk_expectations *expect, FILE *out, FILE *err);

#endif
