/*
 * ctl_election — the controller's rules for a partition's leader and ISR,
 * as pure functions over one partition's state (Kafka's
 * PartitionLeaderElectionAlgorithms and the ZooKeeper-mode ISR rules of
 * KafkaController and ReplicaStateMachine):
 *  - a new partition's first state: the first live replica of the
 *    assignment leads, the live replicas are the ISR, leader epoch 0;
 *  - reconciliation with the live brokers: a partition whose leader is not
 *    live elects the first live ISR member in assignment order (or, with
 *    unclean.leader.election.enable, the first live replica, which becomes
 *    the whole ISR), and otherwise goes offline (leader -1, ISR kept: the
 *    last in-sync members are the only clean candidates); a live leader's
 *    ISR loses its members that are not live, never its last one;
 *  - preferred replica election: the first replica of the assignment leads
 *    again when it is live and in the ISR;
 *  - AlterPartition validation (KIP-497).
 * Every change bumps the leader epoch, as Kafka's ZooKeeper mode does.
 *
 * Ownership: nothing here allocates or keeps state; callers pass the
 * assignment, the state and the live brokers (any order) and get a state back.
 */
#ifndef KSIM_CTL_ELECTION_H
#define KSIM_CTL_ELECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* More replicas than this per partition are refused when an assignment is read. */
#define CTL_MAX_REPLICAS 16

/* A partition's state znode (/brokers/topics/T/partitions/P/state) and its
 * version, the partition epoch. */
struct ctl_pstate {
	int32_t leader;           /* -1: no leader (offline) */
	int32_t leader_epoch;
	int32_t controller_epoch; /* the epoch of the controller that wrote it */
	int32_t zk_version;       /* the znode's version; -1 before it exists */
	int32_t isr[CTL_MAX_REPLICAS];
	int32_t n_isr;
};

/* Why a state changed (for the "leader" and "isr" events). */
enum ctl_why {
	CTL_WHY_NONE = 0,     /* nothing to change */
	CTL_WHY_INITIAL,      /* a new partition's first state */
	CTL_WHY_LEADER_GONE,  /* the leader is not live: the next ISR member leads */
	CTL_WHY_CAME_BACK,    /* an offline partition's ISR member is live again */
	CTL_WHY_UNCLEAN,      /* no live ISR member: a live out-of-sync replica leads */
	CTL_WHY_OFFLINE,      /* no live ISR member and no unclean election: leader -1 */
	CTL_WHY_ISR_SHRINK,   /* followers that are not live leave the ISR */
	CTL_WHY_PREFERRED,    /* the preferred replica leads again */
	CTL_WHY_SHUTDOWN,     /* a broker in controlled shutdown gives up its leadership */
	CTL_WHY_SHUTDOWN_ISR, /* a follower in controlled shutdown leaves the ISR */
};

/* The list of live broker ids. */
struct ctl_live {
	const int32_t *ids;
	int32_t n;
};

bool ctl_live_has(const struct ctl_live *live, int32_t id);
bool ctl_isr_has(const struct ctl_pstate *st, int32_t id);

/* A new partition's first state into *out (zk_version -1, controller_epoch
 * left to the caller). Returns false, leaving *out alone, when no replica
 * is live: the partition waits without a state, as Kafka's
 * initializeLeaderAndIsrForPartitions leaves it. */
bool ctl_elect_initial(const int32_t *replicas, int32_t n, const struct ctl_live *live,
		       struct ctl_pstate *out);

/* The state `old` should have with these live brokers: *out gets it (the
 * same as `old` when the answer is CTL_WHY_NONE). */
enum ctl_why ctl_elect_reconcile(const int32_t *replicas, int32_t n, const struct ctl_pstate *old,
				 const struct ctl_live *live, bool unclean,
				 struct ctl_pstate *out);

/* Preferred replica election: CTL_WHY_PREFERRED and *out when the first
 * replica is live, in the ISR and not the leader; else CTL_WHY_NONE. */
enum ctl_why ctl_elect_preferred(const int32_t *replicas, int32_t n, const struct ctl_pstate *old,
				 const struct ctl_live *live, struct ctl_pstate *out);

/*
 * Controlled shutdown of broker `id` (Kafka's doControlledShutdown with
 * ControlledShutdownPartitionLeaderElectionStrategy and, for a follower,
 * the OfflineReplica transition's removeReplicasFromIsr). `live` must not
 * hold the brokers that are shutting down. When `id` leads: the new ISR is
 * the old one without `id` and without every other broker not in `live`
 * that is shutting down (`shutting`), and the first replica of the
 * assignment in that ISR and live leads (CTL_WHY_SHUTDOWN); none means the
 * partition stays where it is (CTL_WHY_NONE: the broker is told it
 * remains). When `id` follows in the ISR: it leaves the ISR, the leader
 * stays (CTL_WHY_SHUTDOWN_ISR). Either bumps the leader epoch. A partition
 * of one replica is left alone, as Kafka leaves it.
 */
enum ctl_why ctl_elect_controlled_shutdown(const int32_t *replicas, int32_t n,
					   const struct ctl_pstate *old,
					   const struct ctl_live *live,
					   const struct ctl_live *shutting, int32_t id,
					   struct ctl_pstate *out);

/* One partition of an AlterPartition request, with what the controller
 * knows of the sender. */
struct ctl_alter {
	int32_t broker_id;
	int64_t broker_epoch;       /* what the request carries */
	int64_t registered_epoch;   /* the sender's registration (czxid); -1 if not live */
	int32_t leader_epoch;
	int32_t partition_epoch;
	const int32_t *new_isr;
	int32_t n_new_isr;
};

/*
 * Validates an ISR change against the partition's state (replicas, st):
 * 0 (KP_ERR_NONE) when it may be written, else the Kafka error code, in
 * this order: STALE_BROKER_EPOCH (not the sender's current registration),
 * NOT_LEADER_OR_FOLLOWER (the sender does not lead), FENCED_LEADER_EPOCH
 * (another leader epoch), INVALID_UPDATE_VERSION (another partition
 * epoch), INVALID_REQUEST (empty, too long or repeated members),
 * INELIGIBLE_REPLICA (a member that is not a live replica). *same is set
 * when the new ISR equals the current one (nothing to write).
 */
int16_t ctl_alter_validate(const int32_t *replicas, int32_t n, const struct ctl_pstate *st,
			   const struct ctl_alter *a, const struct ctl_live *live, bool *same);

/* "[1,2,3]" into buf (always NUL-terminated); returns buf. */
const char *ctl_fmt_ids(char *buf, size_t cap, const int32_t *ids, int32_t n);

#endif
