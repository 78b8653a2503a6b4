/*
 * run — one scenario run, start to verdict: builds the simulated cluster
 * and workload from a loaded scenario, applies its faults and nemesis for
 * `duration`, quiesces (faults healed, stopped nodes restarted, producers
 * stopped), reads every partition back with a fresh final reader, judges
 * the history with the checkers, and writes the run directory (history,
 * summary.json, junit.xml, summary.md, the plots, story.md, index.html,
 * the trace and diagram.svg when asked; docs/reports.md).
 *
 * The cluster is ZooKeeper mode: a ZooKeeper ensemble, brokers that elect
 * a controller among themselves (broker/ctl), and an admin node that
 * creates the scenario's topics through CreateTopics at start, as an
 * operator would. Role targets (leader, follower, controller) are resolved
 * from the brokers' own state. A kraft scenario is refused as invalid
 * input, with the reason.
 *
 * Ownership: the scenario is the caller's; everything a run allocates is
 * freed before run_scenario returns.
 */
#ifndef KSIM_RUN_H
#define KSIM_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "checkers/chk.h"
#include "harness/scn.h"

/* What a run found, for callers that aggregate runs (ksim sweep). */
struct run_result {
	bool pass;
	uint64_t trace_hash;
	uint64_t anomalies[CHK_COUNT]; /* per checker, in summary.json's order */
	uint64_t unreadable;           /* summary.json's `unreadable` */
	char failed[256];       /* the failed expectations, comma separated */
	int64_t sim_ns;         /* simulated time the run covered */
	double wall_s;          /* wall time it took */
	uint64_t events;        /* simulated events fired */
	uint64_t sends, acked;  /* producer sends invoked, acknowledged */
};

struct run_options {
	const char *out_dir; /* NULL: reports/out/NAME-SEED */
	bool trace;          /* write trace.log (every simulated event) */
	bool quiet;          /* no progress lines on `out` */
	bool no_plots;       /* skip the plots (the data files are still written) */
	bool explain;        /* print the story (story.md) to `out` after the verdict */
	const char *explain_topic; /* with explain: only this topic's events (NULL: every
				    * topic but the internal ones) */
	bool diagram;        /* write diagram.svg of [diagram_from_ns, diagram_to_ns] */
	int64_t diagram_from_ns;
	int64_t diagram_to_ns;
	struct run_result *result; /* filled when not NULL and the run judged */
};

/*
 * Runs `s` (with s->seed). Prints progress and the verdict to `out`, errors
 * to `err`. Returns the contract's exit code: 0 every expectation held, 1
 * one failed, 2 the scenario cannot be run as written (or its outputs could
 * not be written).
 */
int run_scenario(const struct scn_scenario *s, const struct run_options *opt, FILE *out,
		 FILE *err);

#endif
