/*
 * rpt_plot — the run's plots: latency of every send over time by outcome
 * (latency.png) and completed sends per second by outcome (rate.png), with
 * the fault intervals shaded. It writes the data files (latency.dat,
 * rate.dat, faults.dat) into the run directory and runs gnuplot on the
 * scripts in reports/plots/. Without gnuplot (or without the scripts) it
 * writes the data files, skips the pictures and says why.
 *
 * Ownership: reads the caller's history and fault list; allocates nothing
 * that outlives the call.
 */
#ifndef KSIM_RPT_PLOT_H
#define KSIM_RPT_PLOT_H

#include <stddef.h>
#include <stdint.h>

#include "harness/hist.h"

/* A fault as it is drawn: a shaded interval with a label. */
struct rpt_fault_span {
	int64_t start_ns;
	int64_t end_ns;
	char label[64];
};

/*
 * Writes the plots of one run into `dir`. `scripts` is the directory holding
 * latency.gp and rate.gp. Returns 0 when the pictures were drawn, 1 when
 * they were skipped (note says why), -1 when the data files could not be
 * written (note says why).
 */
int rpt_plot_run(const char *dir, const char *scripts, const struct hist *h,
		 const struct rpt_fault_span *faults, size_t n_faults, char *note,
		 size_t note_size);

/*
 * Runs `gnuplot -e VARS SCRIPTS/SCRIPT` (no shell; gnuplot's stderr goes to
 * /dev/null). Returns 0 when it succeeded, 127 when gnuplot is not
 * installed, another value when it failed. VARS must quote any name it
 * holds as a gnuplot string (a name holding a quote cannot be passed).
 */
int rpt_plot_gnuplot(const char *scripts, const char *script, const char *vars);

#endif
