/*
 * brk_pstate — one partition's replication state machine, as Kafka 3.x's
 * Partition keeps it. It owns what the controller said (leader, epochs,
 * replicas, ISR), the leader's side (high watermark, the AlterPartition
 * proposal in flight, the maximal ISR, every follower's log end offset and
 * caught-up time, where the leader epoch began) and the follower's side
 * (fetch and truncation state, the leader's high watermark last fetched).
 *
 * Everything that changes it goes through the functions below: the
 * controller's requests (ZooKeeper mode's LeaderAndIsr and StopReplica;
 * KRaft's metadata deltas will call the same become_leader/become_follower),
 * produce (appended), fetch (follower_fetched), the ISR sender (isr_changed,
 * isr_dropped), the fetcher (follower_hw, truncated, set_fetch) and the
 * broker's ISR timer (tick). Other files read the fields; none writes them.
 *
 * After every change the machine checks its invariants and reports a broken
 * one through sim_invariant_fail (the run stops with exit code 3):
 *   - hw <= leo (once the log is open);
 *   - a leader's high watermark never moves back within its leader epoch;
 *   - the ISR, the proposed ISR and the maximal ISR are within the replicas;
 *   - a leader is in its ISR and does not fetch;
 *   - the maximal ISR contains the ISR;
 *   - the leader epoch and the partition epoch never decrease.
 *
 * The machine does no I/O: it is told the log end offset and the time, and
 * returns what its callers must do (BRK_PS_HW_MOVED: wake waiting fetches and
 * produces; BRK_PS_PROPOSE: send `pending_isr` to the controller). Its arrays
 * live in the node's heap (env_alloc) and belong to it.
 */
#ifndef KSIM_BRK_PSTATE_H
#define KSIM_BRK_PSTATE_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/env.h"

/* The leader's record of one follower (Kafka's Replica state). */
struct brk_pfollower {
	int32_t id;
	int64_t leo;                   /* -1: unknown (no fetch since it became leader) */
	int64_t last_caught_up_ns;     /* -1: never in this leadership */
	int64_t last_fetch_ns;         /* -1: never */
	int64_t last_fetch_leader_leo; /* the leader's LEO at its last fetch; -1 unknown */
};

/* A follower partition's fetching state. */
enum brk_fstate {
	BRK_FS_NONE = 0, /* not following (leader, offline, or stopped) */
	BRK_FS_TRUNCATE, /* asks the leader where its log diverges */
	BRK_FS_FETCH,    /* fetching */
	BRK_FS_BUSY,     /* a truncation, append or flush is running */
	BRK_FS_FAILED,   /* fenced: waits for the controller's next word */
};

/* What a change asks of the caller. */
enum {
	BRK_PS_HW_MOVED = 1, /* the leader's high watermark advanced */
	BRK_PS_PROPOSE = 2,  /* a new ISR is proposed in pending_isr: send it */
};

/* The controller's word on a partition (LeaderAndIsr, or a KRaft record). */
struct brk_pstate_update {
	int32_t leader;
	int32_t leader_epoch;
	int32_t partition_epoch;
	const int32_t *replicas;
	int32_t n_replicas;
	const int32_t *isr;
	int32_t n_isr;
};

/* Whether a LeaderAndIsr for a partition applies (ReplicaManager's check). */
enum brk_pstate_judgement {
	BRK_PS_APPLY = 0,  /* a newer leader epoch */
	BRK_PS_STALE,      /* an older one: refused */
	BRK_PS_SAME_EPOCH, /* the current one: ignored, as Kafka 3.x does */
};

struct brk_pstate {
	struct env *env;
	const char *topic; /* the partition's, for reports */
	int32_t partition;
	int32_t self;       /* this broker's id */
	int64_t max_lag_ns; /* replica.lag.time.max.ms */
	/* Older releases' rules (brk_config's legacy_acks_isr and
	 * legacy_reelect_fetch; false: Kafka 3.3+). */
	bool legacy_acks_isr;
	bool legacy_reelect_fetch;
	bool open;          /* the log is open: hw and leo mean something */
	int64_t leo;        /* the log end offset, as last told */
	int64_t hw;         /* the high watermark */
	/* What the controller said last. */
	bool leader;
	int32_t leader_id;
	int32_t leader_epoch;
	int32_t partition_epoch;
	int32_t *replicas;
	int32_t n_replicas;
	int32_t *isr;
	int32_t n_isr;
	/* Leader: the ISR proposed to the controller and not yet answered
	 * (n_pending_isr 0: none), and the maximal ISR (KIP-497): the ISR
	 * while nothing is pending, else the ISR plus any replica being added. */
	int32_t *pending_isr;
	int32_t n_pending_isr;
	int32_t *maximal_isr;
	int32_t n_maximal_isr;
	struct brk_pfollower *fol;
	int32_t n_fol;
	int64_t epoch_start; /* the LEO when this leader epoch began; -1 before */
	/* Follower. */
	enum brk_fstate fstate;
	bool truncate_again; /* KIP-279: another OffsetsForLeaderEpoch round */
	int64_t fetch_hw;    /* the leader's high watermark in the last fetch */
	int32_t sent_epoch;  /* the leader epoch of the request in flight */
	/* What the invariants compare against. */
	int32_t max_leader_epoch, max_partition_epoch;
	int32_t hw_epoch; /* the leader epoch hw_floor belongs to; -1 none */
	int64_t hw_floor;
};

void brk_pstate_init(struct brk_pstate *ps, struct env *env, int32_t self, const char *topic,
                     int32_t partition, int64_t max_lag_ns);
void brk_pstate_free(struct brk_pstate *ps);

/* The log opened with end `leo`; `hw` is the checkpointed high watermark
 * (already bounded by the caller). A leader starts its epoch here. */
unsigned brk_pstate_opened(struct brk_pstate *ps, int64_t hw, int64_t leo, int64_t now_ns);

/* ---- The controller -------------------------------------------------------- */

enum brk_pstate_judgement brk_pstate_judge(const struct brk_pstate *ps, int32_t leader_epoch);
/* Becomes (or stays, in a new epoch) the leader. `leo` is ignored while the
 * log is not open. */
unsigned brk_pstate_become_leader(struct brk_pstate *ps, const struct brk_pstate_update *u,
                                  int64_t leo, int64_t now_ns);
/* Becomes a follower of u->leader (-1: none). True when the fetcher must
 * start over (a new leader or a new leader epoch). */
bool brk_pstate_become_follower(struct brk_pstate *ps, const struct brk_pstate_update *u);
/* StopReplica: neither leads nor follows. */
void brk_pstate_stop(struct brk_pstate *ps);

/* ---- The leader -------------------------------------------------------------- */

/* The leader's log grew to `leo`. */
unsigned brk_pstate_appended(struct brk_pstate *ps, int64_t leo, int64_t now_ns);
/* Follower `replica` fetched from `fetch_offset` while the log ended at `leo`. */
unsigned brk_pstate_follower_fetched(struct brk_pstate *ps, int32_t replica, int64_t fetch_offset,
                                     int64_t leo, int64_t now_ns);
/* The ISR timer: followers out of sync for replica.lag.time.max.ms leave. */
unsigned brk_pstate_tick(struct brk_pstate *ps, int64_t leo, int64_t now_ns);
/* The controller accepted an ISR (AlterPartition's answer). */
unsigned brk_pstate_isr_changed(struct brk_pstate *ps, const int32_t *isr, int32_t n_isr,
                                int32_t partition_epoch, int64_t leo, int64_t now_ns);
/* The proposal in flight is void (refused, or its request failed). */
void brk_pstate_isr_dropped(struct brk_pstate *ps);

/* ---- The follower ----------------------------------------------------------- */

/* A fetch answered with the leader's high watermark; the log ends at `leo`. */
void brk_pstate_follower_hw(struct brk_pstate *ps, int64_t leader_hw, int64_t leo);
/* The follower's log was cut (or rebuilt) to end at `leo`. */
void brk_pstate_truncated(struct brk_pstate *ps, int64_t leo);
/* The fetcher's state for this partition. */
void brk_pstate_set_fetch(struct brk_pstate *ps, enum brk_fstate state, bool truncate_again);
/* A request for this partition goes to the leader under the current epoch. */
void brk_pstate_sent(struct brk_pstate *ps);

/* ---- Questions ---------------------------------------------------------------- */

bool brk_pstate_in_isr(const struct brk_pstate *ps, int32_t id);
/* min.insync.replicas before an append counts the ISR; after it (acks=all
 * answered), the maximal ISR (Kafka 2.7+, checkEnoughReplicasReachOffset). */
int32_t brk_pstate_isr_size(const struct brk_pstate *ps);
int32_t brk_pstate_maximal_isr_size(const struct brk_pstate *ps);
/* What NOT_ENOUGH_REPLICAS_AFTER_APPEND compares with min.insync.replicas:
 * the maximal ISR, or the ISR under legacy_acks_isr (before 2.7). */
int32_t brk_pstate_acks_isr_size(const struct brk_pstate *ps);
/* KIP-207: a new leader whose high watermark has not reached the start of
 * its epoch cannot say where the log's committed end is. */
bool brk_pstate_latest_known(const struct brk_pstate *ps);

#endif
