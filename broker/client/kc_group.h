/*
 * kc_group — a consumer's membership in a consumer group, as the Java
 * client's ConsumerCoordinator runs the classic (eager) protocol: find the
 * group's coordinator (FindCoordinator v2 to any broker), connect to it on
 * a connection of its own (the Java client also keeps the coordinator's
 * connection apart from the fetch connections), join (JoinGroup v5 with the
 * "consumer" protocol type and the "range" assignor), let the leader assign
 * partitions with Kafka's RangeAssignor, sync (SyncGroup v3), fetch the
 * committed offsets of the assignment (OffsetFetch v4), then heartbeat
 * (Heartbeat v3) every heartbeat.interval.ms. A heartbeat answered
 * REBALANCE_IN_PROGRESS revokes the assignment (the owner may commit first)
 * and rejoins; UNKNOWN_MEMBER_ID or ILLEGAL_GENERATION means the membership
 * was lost (no commit is possible) and rejoins; NOT_COORDINATOR or a lost
 * connection looks for the coordinator again.
 *
 * The consumer protocol's payloads are Kafka's ConsumerProtocol version 0:
 * subscription = version i16, topics [string], user_data bytes (null);
 * assignment = version i16, [topic string, partitions [i32]], user_data.
 *
 * Ownership: the group lives in the node's heap; the cluster and the config
 * (and the strings it points to) are the owner's and outlive the group. The
 * arrays passed to hooks are valid only during the call. Hooks never fire
 * inside a call into this module, except that kc_group_revoked_done may be
 * called from inside the revoke hook.
 */
#ifndef KSIM_KC_GROUP_H
#define KSIM_KC_GROUP_H

#include <stdint.h>

#include "broker/client/kc_cluster.h"
#include "broker/codec/wire.h"

struct kc_tp_offset {
	const char *topic;
	int32_t partition;
	int64_t offset; /* -1: none */
};

struct kc_group_hooks {
	void *arg;
	/* A new assignment, each partition with its committed offset (-1 when
	 * the group has none). */
	void (*assigned)(void *arg, const struct kc_tp_offset *tps, size_t n, int32_t generation);
	/* The assignment ends: a rebalance began (lost false: the generation is
	 * still valid, a commit may go out now) or the membership was lost (lost
	 * true). The owner stops using those partitions and then calls
	 * kc_group_revoked_done() (perhaps after its commit's answer). */
	void (*revoke)(void *arg, bool lost);
};

struct kc_group_config {
	const char *group_id;
	const char *const *topics; /* the subscription */
	size_t n_topics;
	int64_t session_timeout_ns;    /* session.timeout.ms (45 s) */
	int64_t heartbeat_interval_ns; /* heartbeat.interval.ms (3 s) */
	int64_t rebalance_timeout_ns;  /* max.poll.interval.ms (300 s) */
	int64_t retry_backoff_ns;      /* retry.backoff.ms (100) */
	struct kc_conn_config conn;
};

struct kc_group;

struct kc_group *kc_group_new(struct env *env, struct kc_cluster *cluster,
			      const struct kc_group_config *cfg, const struct kc_group_hooks *hooks);
/* Closes the coordinator connection (pending commits are dropped without
 * their callbacks) and frees. No LeaveGroup is sent: see docs/clients.md. */
void kc_group_free(struct kc_group *g);

/* The cluster's metadata or connections changed: retry what waited. */
void kc_group_poke(struct kc_group *g);
/* The owner is done revoking: rejoin. */
void kc_group_revoked_done(struct kc_group *g);

/* error: KP_ERR_NONE, the first partition error, or -1 when the request
 * got no answer (connection lost or closed). */
typedef void (*kc_group_commit_cb)(void *arg, int16_t error);
/*
 * Commits offsets (OffsetCommit v5) in the current generation. Returns 0
 * (cb fires later, exactly once unless the group is freed), or -1 when the
 * member has no assignment to commit for or no coordinator connection
 * (cb never fires).
 */
int kc_group_commit(struct kc_group *g, const struct kc_tp_offset *tps, size_t n,
		    kc_group_commit_cb cb, void *arg);
/* The generation the member belongs to (-1 before the first join). */
int32_t kc_group_generation(const struct kc_group *g);

/*
 * Kafka's RangeAssignor for one topic of `partitions` partitions among the
 * `n` subscribed members given in member-id order: member i gets
 * partitions [start, start + count) with per = partitions / n, extra =
 * partitions % n, start = per * i + min(i, extra), count = per + (i < extra).
 */
void kc_group_range(int32_t partitions, size_t n, size_t i, int32_t *start, int32_t *count);

/* ConsumerProtocol v0 payloads. Encoders write into w; decoders return 0 or
 * -1 for malformed bytes (counts and lengths checked against the input). */
void kc_group_encode_subscription(struct wire_writer *w, const char *const *topics, size_t n);
/* Calls each(arg, topic, len) per subscribed topic. */
int kc_group_decode_subscription(const uint8_t *p, size_t len,
				 void (*each)(void *arg, const char *topic, size_t len), void *arg);
/* Assignment of tps (grouped by topic in order of first appearance). */
void kc_group_encode_assignment(struct wire_writer *w, const struct kc_tp_offset *tps, size_t n);
/* Calls each(arg, topic, len, partition) per assigned partition. */
int kc_group_decode_assignment(const uint8_t *p, size_t len,
			       void (*each)(void *arg, const char *topic, size_t len,
					    int32_t partition),
			       void *arg);

#endif
