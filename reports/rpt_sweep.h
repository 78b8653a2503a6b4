/*
 * rpt_sweep — a whole sweep's reports, written by `ksim sweep` beside the
 * per-seed run directories: junit.xml (one <testsuite> for the scenario,
 * one <testcase> per seed: a <failure> when an expectation failed, an
 * <error> when the run could not run or crashed, each with the command that
 * reproduces it) and summary.json (the seed range, the counts, the first
 * failure and one entry per seed with its verdict, trace hash, anomaly
 * counts and failed expectations). Structure in docs/reports.md.
 *
 * Neither file holds wall-clock times: every byte is a function of the
 * scenario, the seeds and the binary. The caller owns everything passed in.
 */
#ifndef KSIM_RPT_SWEEP_H
#define KSIM_RPT_SWEEP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum rpt_sweep_status {
	RPT_SWEEP_PASS,
	RPT_SWEEP_FAIL,  /* an expectation failed */
	RPT_SWEEP_ERROR, /* the run could not run (exit 2) */
	RPT_SWEEP_CRASH, /* the run's process died */
};

struct rpt_sweep_seed {
	uint64_t seed;
	enum rpt_sweep_status status;
	uint64_t trace_hash;       /* PASS and FAIL only */
	const uint64_t *anomalies; /* PASS and FAIL: per checker (chk_kind order) */
	size_t n_anomalies;
	const char *failed; /* FAIL: the failed expectations, comma separated */
	const char *dir;    /* its run directory, relative to the sweep's */
};

struct rpt_sweep {
	const char *scenario;               /* its name */
	const char *file;                   /* the scenario file, as given to ksim sweep */
	const struct rpt_sweep_seed *seeds; /* in seed order */
	size_t n;
};

/* Each returns 0, or -1 when a write failed. */
int rpt_write_sweep_junit(FILE *out, const struct rpt_sweep *sw);
int rpt_write_sweep_summary(FILE *out, const struct rpt_sweep *sw);

#endif
