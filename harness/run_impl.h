/*
 * run_impl — the cluster a run builds, shared by harness/run.c (`ksim run`)
 * and the real-time server (`ksim serve`, cli/cmd_serve.c): the node ids by
 * role, their configurations, and the role resolution faults use. Only
 * those two include it.
 */
#ifndef KSIM_RUN_IMPL_H
#define KSIM_RUN_IMPL_H

#include <stdio.h>

#include "broker/client/kc_admin.h"
#include "broker/client/kc_workload.h"
#include "broker/kafka/brk_broker.h"
#include "broker/zk/zk_server.h"
#include "faults/flt.h"
#include "harness/run.h"
#include "harness/run_probe.h"
#include "harness/wl_history.h"
#include "sim/coverage.h"
#include "sim/world.h"

#define NAME 32
#define TICK_NS (100 * SIM_NS_PER_MS)

/* A partition of the scenario's topics. */
struct slot {
	const char *topic;
	int32_t partition;
	int16_t replication_factor;
};

/* One ZooKeeper server's applied transactions, kept by the harness so that
 * they outlive the server's crashes (for the zk-agreement checker). */
struct zk_applied {
	int64_t zxid;
	uint64_t hash;
	uint64_t order; /* position in application order */
};

struct zk_trail {
	struct zk_applied *items;
	size_t n, cap;
};

struct run {
	/* Real mode (ksim serve): broker-N listens on port_base + N - 1 and
	 * advertises advertised_host; 0 and NULL for a simulated run. */
	uint16_t port_base;
	const char *advertised_host;
	bool no_workload; /* build no producers, consumers or final readers */
	const struct scn_scenario *s;
	const struct run_options *opt;
	FILE *out;
	FILE *err;
	struct sim_world *w;
	FILE *hist_file;
	FILE *trace_file;
	struct wl_history hist;
	int nb, np, nc, nt, nz;
	uint32_t *brokers, *producers, *consumers, *finals, *zk;
	struct zk_server_config *zcfg;
	struct zk_server_observer zobs;
	struct zk_trail *trails;
	char (*names)[NAME];
	struct brk_config *bcfg;
	struct kw_producer_config *pcfg;
	struct kw_consumer_config *ccfg, *fcfg;
	struct slot *slots;
	size_t n_slots;
	uint32_t admin;                     /* the node that creates the topics */
	uint32_t probe;                     /* the liveness probe (run_probe.h) */
	struct run_probe_config probe_cfg;
	struct run_probe_topic *probe_topics;
	/* What each broker was last seen doing, for the split-brain checker:
	 * per broker x partition its leader epoch and log end while leading,
	 * and whether its writes in that epoch are on record; per broker the
	 * last controller epoch on record. */
	int32_t *seen_epoch;
	int64_t *seen_leo;
	bool *seen_noted;
	int32_t *seen_ctl_epoch;
	struct kc_admin_config acfg;
	struct kc_admin_topic *atopics;
	struct flt_cluster fc;
	struct flt_observer fobs;
	struct flt_runner *flt;
	char dir[600];
	char path[700];
	struct rpt_fault_span *spans; /* what the plots shade */
	size_t n_spans, cap_spans;
	struct run_report *report; /* samples, story, diagram, index.html */
	struct rpt_final *final;   /* each partition at the end, for summary.json */
	int32_t *final_ids;        /* their replicas and ISRs */
	struct sim_coverage cov;   /* env_mark counts (summary.json "coverage") */
};

/*
 * Builds the scenario's cluster into a new world made from `wc`: the
 * ZooKeeper ensemble, the brokers, the workload (unless no_workload) and
 * the admin node, all stopped; fills r->fc for the fault runner. Set r->s,
 * r->opt, r->out, r->err (and the real-mode fields) first, and call
 * wl_history_init on r->hist. Returns 0 or 2 with a message on r->err.
 */
int run_build(struct run *r, const struct sim_world_config *wc);
/* Frees what run_build allocated, the world included. */
void run_release(struct run *r);
/* Role resolution from the brokers' own state (the fault runner's callbacks). */
uint32_t run_leader_of(void *ctx, const char *topic, int32_t partition);

#endif
