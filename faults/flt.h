/*
 * flt — the fault executor: applies a scenario's scheduled faults and its
 * random nemesis to the simulated world, undoes each after its `for`, and
 * reports every fault (and every fault that resolved to nothing) so that the
 * history and the trace show them.
 *
 * Role targets (`controller`, `zk-leader`, `leader:T/P`, `follower:T/P`)
 * resolve when the fault fires, by asking the cluster through the callbacks
 * in `struct flt_cluster`, against its true state at that moment; `random-*`
 * choices come from the world's random stream. A target that resolves to
 * nothing skips the fault, and the report says so.
 *
 * `stop` asks a broker for a controlled shutdown (flt_cluster.stop); the
 * node leaves when it has finished. Its `for` (and quiesce) starts it again
 * once it has left: while it is still shutting down, the start waits.
 *
 * Ownership: the runner keeps pointers to the scenario, the cluster
 * description and the observer, which must outlive it; it owns only its
 * own scheduled undo records, freed by flt_free.
 */
#ifndef KSIM_FLT_H
#define KSIM_FLT_H

#include <stdint.h>

#include "harness/scn.h"
#include "sim/world.h"

/* The cluster as the fault executor sees it: node ids by role and index
 * (broker-1 is brokers[0]), and how to find the nodes that hold a role. */
struct flt_cluster {
	struct sim_world *w;
	const uint32_t *brokers;
	int n_brokers;
	const uint32_t *zk;
	int n_zk;
	const uint32_t *producers;
	int n_producers;
	const uint32_t *consumers;
	int n_consumers;
	void *ctx;
	/* Each returns a node id, or 0 when nobody holds the role now.
	 * NULL callbacks resolve to nothing. */
	uint32_t (*controller)(void *ctx);
	uint32_t (*zk_leader)(void *ctx);
	uint32_t (*leader)(void *ctx, const char *topic, int32_t partition);
	/* Live replicas of topic/partition other than its leader, up to max. */
	size_t (*followers)(void *ctx, const char *topic, int32_t partition, uint32_t *out,
			    size_t max);
	/* `stop`: begins node's controlled shutdown (the node exits by itself
	 * when done); false when the node cannot (not a running broker). NULL:
	 * `stop` resolves to nothing. */
	bool (*stop)(void *ctx, uint32_t node);
	/* `elect-leaders`: hands the operator's election to the admin client;
	 * false when there is none. NULL: the action resolves to nothing. */
	bool (*elect)(void *ctx, const char *topic, int32_t partition, bool unclean);
};

/* One fault as it was applied (or skipped), for the history. */
struct flt_report {
	int64_t time_ns;
	const char *action;  /* "kill", ..., or "restart"/"heal"/... for an undo */
	const char *const *targets; /* node names */
	size_t n_targets;
	int64_t for_ns;      /* -1 when none */
	bool undo;           /* this is the undoing of an earlier fault */
	bool nemesis;        /* chosen by the nemesis */
	const char *note;    /* e.g. "no live follower of orders/0: skipped"; or NULL */
};

struct flt_observer {
	void *ctx;
	void (*fault)(void *ctx, const struct flt_report *r);
};

struct flt_runner;

struct flt_runner *flt_new(const struct flt_cluster *c, const struct scn_scenario *s,
			   const struct flt_observer *obs);
/* Schedules every fault of the scenario at its `at` (from virtual time 0). */
void flt_schedule(struct flt_runner *r);
/* Applies `f` now, as if its `at` had come (its `for` schedules the undo);
 * for ksim serve's control socket. Returns false when the target resolved
 * to no node (the report says so). `f` is not kept. */
bool flt_fire(struct flt_runner *r, const struct scn_fault *f);
/* Starts the nemesis (when the scenario has one); it stops choosing faults
 * at end_ns and undoes each of its own faults no later than then. */
void flt_start_nemesis(struct flt_runner *r, int64_t end_ns);
/* Quiesce: heals every partition and link fault, clears disk and clock
 * faults, resumes paused nodes and restarts stopped ones, and restarts a
 * running server whose disk failed (write, fsync, full or corrupt) since it
 * last started, as Kafka keeps a failed log directory offline until then;
 * pending undos are cancelled. */
void flt_heal_all(struct flt_runner *r);
/* Faults applied so far (undos not counted). */
uint64_t flt_applied(const struct flt_runner *r);
void flt_free(struct flt_runner *r);

#endif
