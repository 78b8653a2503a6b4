/*
 * rpt_run — what a finished run hands to the report writers: the scenario,
 * the seed, the trace hash, the checkers' results with the expectations and
 * verdict, the history's counts and the run's sizes. Every report of a run
 * directory (summary.json, junit.xml, summary.md; see docs/reports.md) is
 * written from one of these.
 *
 * Ownership: a `struct rpt_run` only points at the caller's data; the
 * writers read it during the call and keep nothing. Every field but
 * wall_seconds is a function of the scenario, the seed and the binary, so
 * the writers' output is too, except where a report shows wall_seconds.
 */
#ifndef KSIM_RPT_RUN_H
#define KSIM_RPT_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "checkers/chk.h"
#include "harness/hist.h"
#include "sim/coverage.h"

/* One partition as the run left it (summary.json's "final"). */
struct rpt_final {
	const char *topic;
	int32_t partition;
	int32_t leader; /* broker id, -1 when none */
	int32_t leader_epoch; /* -1 when no leader */
	int64_t high_watermark; /* -1 when no leader */
	const int32_t *replicas; /* broker ids hosting it */
	size_t n_replicas;
	const int32_t *isr; /* as its leader knows it */
	size_t n_isr;
};

struct rpt_run {
	/* NUL-terminated, any bytes: the writers escape them for each format. */
	const char *scenario;
	const char *description; /* NULL or "" when the scenario has none */
	uint64_t seed;
	uint64_t trace_hash; /* sim_trace_hash at the end of the run */
	/* Normally chk_run_all's result and chk_evaluate's verdict over it. */
	const struct chk_result *checks;
	const struct chk_expectations *expect;
	const struct chk_verdict *verdict;
	struct hist_stats stats; /* hist_count_stats of the run's history */
	uint64_t events;         /* sim_events_fired */
	int64_t sim_ns;          /* virtual time at the end of the run */
	/* Host time the run took: the one nondeterministic input. */
	double wall_seconds;
	/* Every partition of every declared topic at the end (NULL and 0 when
	 * not known, e.g. for a history checked without its run): summary.json
	 * writes "final" only when there are some. */
	const struct rpt_final *final;
	size_t n_final;
	/* cluster.mode, "zookeeper" or "kraft", and cluster.kafka_version as
	 * major * 100 + minor (scn_scenario's). */
	const char *mode;
	int32_t kafka_version;
	/* env_mark counts of the run (sim/coverage.h); NULL writes {}. */
	const struct sim_coverage *coverage;
};

/* Whether the verdict lists kind k among its failed expectations. */
bool rpt_run_failed(const struct rpt_run *run, enum chk_kind k);

/*
 * Whether kind k is one of the run's expectations: its `expect` value is not
 * `any`, or the verdict failed it anyway (a verdict built by other rules,
 * such as chk_run_file's without an expect block, still shows its failures).
 */
bool rpt_run_expected(const struct rpt_run *run, enum chk_kind k);

/*
 * Write a number of seconds as decimal digits, a '.' and exactly three more
 * (milliseconds, rounded half up), by integer arithmetic: the text depends
 * neither on the locale nor on the C library's float formatting.
 * rpt_write_sim_seconds writes run->sim_ns (which must be >= 0: virtual time
 * never runs backwards from 0). rpt_write_wall_seconds writes
 * run->wall_seconds, writing 0.000 for a value that is not finite or is
 * negative (JSON has no NaN, and a host clock stepping back gives nonsense)
 * and capping it at 10^12 s. Both return 0, or -1 when the stream fails.
 */
int rpt_write_sim_seconds(FILE *out, const struct rpt_run *run);
int rpt_write_wall_seconds(FILE *out, const struct rpt_run *run);

#endif
