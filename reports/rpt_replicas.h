/*
 * rpt_replicas — what every replica looked like over the run, for the
 * replica and ISR plots and for the story.
 *
 * The harness samples each broker x partition every 100 ms of simulated
 * time and hands each sample here (rpt_replicas_sample). This module keeps
 * only the changes: a row per replica when its log end offset (LEO), high
 * watermark (HW), leadership or epoch changed, a break when it stopped being
 * hosted (its broker down), and the last sample of each. At the end it writes
 * the data files of the run directory and draws them with gnuplot
 * (reports/plots/replicas.gp and isr.gp):
 *
 *   replicas.dat  one block per (partition, broker), partition-major,
 *                 blocks separated by two blank lines, a blank line where
 *                 the replica was not hosted; rows:
 *                 time_s partition broker leo hw leader(0/1) epoch
 *   isr.dat       one block per partition; rows: time_s partition isr_size
 *                 (the ISR as the partition's leader knows it; 0 while no
 *                 replica claims to lead)
 *   leaders.dat   one row per new (leader, epoch): time_s partition "label"
 *
 * Along the way it tells the story two things it sees: a new leader (kind
 * "leader", a note) and a log end offset that went backwards (kind
 * "log-end"), which is how acknowledged records disappear.
 *
 * Ownership: the module copies the partition and broker names it is given;
 * the story (optional) is the caller's and must outlive the module.
 */
#ifndef KSIM_RPT_REPLICAS_H
#define KSIM_RPT_REPLICAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reports/rpt_plot.h"
#include "reports/rpt_story.h"

/* Partitions drawn at most (the data files hold them all). */
enum { RPT_REPLICAS_MAX_PANELS = 6 };

/* One replica at one instant, as brk_replica_view reports it. */
struct rpt_replica_obs {
	int64_t leo;
	int64_t hw;
	bool leader;
	int32_t leader_epoch;
	int32_t n_isr; /* meaningful when leader */
};

struct rpt_replicas;

/*
 * A recorder for n_parts partitions (names like "orders/0") on n_brokers
 * brokers (names like "broker-1"; broker b has id b + 1). story may be NULL.
 */
struct rpt_replicas *rpt_replicas_new(const char *const *parts, size_t n_parts,
				      const char *const *brokers, size_t n_brokers,
				      struct rpt_story *story);
void rpt_replicas_free(struct rpt_replicas *r);

/*
 * Records partition `part` on broker `broker` (indices) at time_ns; obs is
 * NULL when the broker does not host it now (down, or not a replica).
 * Samples must come in nondecreasing time.
 */
void rpt_replicas_sample(struct rpt_replicas *r, int64_t time_ns, size_t part, size_t broker,
			 const struct rpt_replica_obs *obs);

/*
 * Writes replicas.dat, isr.dat and leaders.dat into dir and, unless
 * `scripts` is NULL, draws replicas.png and isr.png with the scripts there,
 * shading the faults in dir/faults.dat (n_faults rows, as rpt_plot_run
 * writes them) and drawing min.insync.replicas `min_isr` on the ISR plot.
 * end_ns is the run's last instant. Returns 0 when drawn, 1 when the
 * pictures were skipped (note says why), -1 when a data file could not be
 * written (note says why).
 */
int rpt_replicas_write(struct rpt_replicas *r, const char *dir, const char *scripts,
		       size_t n_faults, int min_isr, int64_t end_ns, char *note, size_t note_size);

#endif
