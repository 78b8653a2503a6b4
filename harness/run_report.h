/*
 * run_report — the run's reports for people, gathered while the simulation
 * runs and written once it is judged: the replica and ISR samples (every
 * harness tick, 100 ms of simulated time) and their plots, the story
 * (story.md, and on stdout with --explain), the sequence diagram of a
 * window (diagram.svg with --diagram) and index.html. harness/run.c calls
 * it; the writers are in reports/ (rpt_replicas, rpt_story, rpt_diagram,
 * rpt_html).
 *
 * While it lives, the report is the world's event sink (every env_event
 * goes into the story) and, with a diagram window, its frame sink.
 *
 * Ownership: the report is the caller's (run_report_free); it keeps
 * pointers to the world, the broker ids and the options, which must outlive
 * the sampling (run_report_tick), and copies everything else.
 */
#ifndef KSIM_RUN_REPORT_H
#define KSIM_RUN_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "faults/flt.h"
#include "harness/run.h"
#include "harness/scn.h"
#include "reports/rpt_run.h"
#include "sim/world.h"

struct run_report;

/* A partition of the run: its topic (the scenario's string) and number. */
struct run_report_partition {
	const char *topic;
	int32_t partition;
};

/*
 * Starts the reports of a run on world w: brokers[0..nb) are the broker
 * node ids (broker b + 1), parts the partitions. Sets the world's event
 * sink, and its frame sink when opt asks for a diagram.
 */
struct run_report *run_report_new(struct sim_world *w, const struct scn_scenario *s,
				  const struct run_options *opt, const uint32_t *brokers, int nb,
				  const struct run_report_partition *parts, size_t n_parts);
void run_report_free(struct run_report *rr);

/* Tells the diagram which ports speak which protocol (Kafka, ZooKeeper's
 * client port, its quorum and election ports). */
void run_report_ports(struct run_report *rr, uint16_t kafka, uint16_t zk_client,
		      uint16_t zk_quorum, uint16_t zk_election);

/* Samples every broker x partition now (brk_replica_view). */
void run_report_tick(struct run_report *rr);

/* A fault or its undo, for the story and the diagram. */
void run_report_fault(struct run_report *rr, const struct flt_report *rep);

/*
 * Writes the replica data and plots (drawn with the scripts in `scripts`
 * unless it is NULL), story.md, diagram.svg (when asked) and index.html
 * into dir; `plot_note` says why the latency plots are missing (or is "").
 * Any note about skipped
 * pictures goes into note. Returns 0, or -1 with note saying which file
 * could not be written.
 */
int run_report_finish(struct run_report *rr, const char *dir, const char *scripts,
		      const char *plot_note, size_t n_faults, const struct rpt_run *run,
		      char *note, size_t note_size);

/* Prints the story (as story.md has it) to out: `ksim run --explain`.
 * Returns 0, or -1 when the stream failed. */
int run_report_explain(struct run_report *rr, const struct rpt_run *run, FILE *out);

#endif
