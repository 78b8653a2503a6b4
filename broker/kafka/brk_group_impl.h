/*
 * brk_group_impl — the group coordinator's internal records, shared by
 * brk_group.c (membership: JoinGroup, SyncGroup, Heartbeat, LeaveGroup),
 * brk_group_offsets.c (FindCoordinator, the __consumer_offsets partitions
 * it leads and their loading, OffsetCommit, OffsetFetch) and
 * brk_group_store.c (group metadata records: storing and decoding). Only
 * those files include it. Everything lives in the broker node's heap.
 */
#ifndef KSIM_BRK_GROUP_IMPL_H
#define KSIM_BRK_GROUP_IMPL_H

#include "broker/kafka/brk_group.h"
#include "broker/kafka/brk_impl.h"

/* Kafka's GroupState, for the classic protocol. */
enum grp_state {
	GRP_EMPTY = 0,       /* no members (committed offsets may exist) */
	GRP_PREPARING,       /* PreparingRebalance: waiting for members to (re)join */
	GRP_AWAITING_SYNC,   /* CompletingRebalance: waiting for the leader's assignment */
	GRP_STABLE,          /* every member has its assignment */
};

struct grp_proto {
	char *name;
	uint8_t *meta;
	int32_t meta_len;
};

struct grp_group;

struct grp_member {
	struct grp_group *g;
	char *id;
	char *client_id; /* the JoinGroup's client id (stored with the group) */
	int32_t session_timeout_ms;
	int32_t rebalance_timeout_ms;
	struct grp_proto *protos;
	int32_t n_protos;
	struct brk_req *join; /* a JoinGroup waiting for the rebalance to complete */
	struct brk_req *sync; /* a SyncGroup waiting for the leader's assignment */
	uint8_t *assignment;
	int32_t assignment_len;
	struct env_timer session; /* session.timeout.ms since the last sign of life */
};

struct grp_group {
	struct brk_group_coordinator *co;
	char *id;
	int32_t shard; /* its __consumer_offsets partition */
	enum grp_state state;
	int32_t generation;
	char *protocol_type;
	char *protocol;
	char *leader;                /* a member id; NULL without members */
	struct grp_member **members; /* in order of joining */
	size_t n_members;
	struct env_timer rebalance;  /* the rebalance timeout of a PreparingRebalance */
	bool storing;                /* its metadata record is being appended */
	int32_t max_generation;      /* brk_group_check.c's watermark */
};

/* One committed offset, as the log says (and the cache keeps). */
struct grp_offset {
	char *group;
	char *topic;
	int32_t partition;
	int32_t shard;
	int64_t offset;
	char *metadata; /* NULL: null */
	int64_t log_offset; /* where the record is: a later record wins */
};

/* A __consumer_offsets partition as this coordinator serves it. */
struct grp_shard {
	int32_t partition;
	int32_t epoch;  /* the leader epoch it was loaded at (-1 never) */
	bool loaded;
	int64_t target; /* the log end offset when leadership came: load to here */
};

struct brk_group_coordinator {
	struct brk_broker *b;
	struct env *env;
	struct grp_group **groups; /* in order of creation */
	size_t n_groups;
	struct grp_offset *offsets;
	size_t n_offsets;
	struct grp_shard *shards;
	size_t n_shards;
	int64_t create_after_ns; /* next __consumer_offsets creation attempt */
};

/* brk_group_offsets.c */
/* KP_ERR_NONE when this broker coordinates `shard` with its log loaded;
 * NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS otherwise. A new leader
 * epoch drops what the shard held and loads it again. */
int16_t grp_shard_check(struct brk_group_coordinator *co, int32_t shard);
int32_t grp_shard_of(const struct brk_group_coordinator *co, struct kp_str group);

int32_t grp_shard_epoch(struct brk_group_coordinator *co, int32_t shard);

/* brk_group_store.c */
/* A group metadata record's value, decoded: views into the record. */
struct grp_stored {
	struct kp_str protocol_type;
	int32_t generation;
	struct kp_str protocol; /* len -1: null */
	struct kp_str leader;   /* len -1: null */
	int64_t state_timestamp_ms;
	int32_t n_members;
	const uint8_t *members; /* validated; walk with grp_stored_next_member */
	size_t members_len;
};

struct grp_stored_member {
	struct kp_str member_id;
	struct kp_str group_instance_id;
	struct kp_str client_id;
	struct kp_str client_host;
	int32_t rebalance_timeout_ms;
	int32_t session_timeout_ms;
	struct kp_bytes subscription;
	struct kp_bytes assignment;
};

int grp_stored_next_member(struct wire_reader *it, struct grp_stored_member *m);
/* Answer to grp_store, with the error the members are to be told. */
typedef void (*grp_store_cb)(struct grp_group *g, int16_t err);
/* Appends g's metadata record (acks=all); cb fires when it is committed or
 * failed, and only if g is still served in the same term and generation.
 * Returns KP_ERR_NONE, or the error that refused it (cb never fires). */
int16_t grp_store(struct grp_group *g, grp_store_cb cb);

/* brk_group_check.c: the group's invariants, after the change named
 * `after`; a violation stops the run (sim/invariant.h). */
void grp_check(struct grp_group *g, const char *after);

/* brk_group.c */
/* Replaces group `id` of `shard` with what a record says (s NULL: removes
 * it); the members' sessions start now. */
void grp_group_restore(struct brk_group_coordinator *co, int32_t shard, struct kp_str id,
		       const struct grp_stored *s);
struct grp_group *grp_group_find(const struct brk_group_coordinator *co, struct kp_str id);
struct grp_member *grp_member_find(const struct grp_group *g, struct kp_str id);
/* Drops every group of `shard` (its pending requests get NOT_COORDINATOR). */
void grp_groups_drop(struct brk_group_coordinator *co, int32_t shard);

#endif
