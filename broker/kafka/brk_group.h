/*
 * brk_group — the broker's group coordinator, as Kafka's GroupCoordinator
 * and GroupMetadataManager serve the classic (eager) consumer-group
 * protocol.
 *
 * Group G belongs to partition abs(javaStringHashCode(G)) %
 * offsets.topic.num.partitions of `__consumer_offsets`; the leader of that
 * partition is G's coordinator (FindCoordinator). The first FindCoordinator
 * that finds no such topic creates it, as Kafka does.
 *
 * Membership (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) is served from
 * the coordinator's memory; each completed rebalance is also written to the
 * group's partition as a group metadata record, and SyncGroup is answered
 * once that record is committed. Committed offsets are records of the same
 * partition, appended with acks=all semantics. A coordinator that has just
 * become leader of a partition reads its log back, to the log end, before
 * serving its groups: members keep their generation across a coordinator
 * move.
 *
 * Ownership: the coordinator lives in the broker node's heap, as do the
 * requests it holds (pending JoinGroup and SyncGroup answers); a crash frees
 * it all with the node.
 */
#ifndef KSIM_BRK_GROUP_H
#define KSIM_BRK_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "broker/codec/wire.h"
#include "broker/kp/kp_prim.h"

struct brk_broker;
struct brk_req;
struct brk_group_coordinator;

#define BRK_GROUP_OFFSETS_TOPIC "__consumer_offsets"

/* A coordinator for broker `b` (which must outlive it). */
struct brk_group_coordinator *brk_group_new(struct brk_broker *b);

/* The request handlers; each answers (now or later) and releases r. */
void brk_group_find_coordinator(struct brk_group_coordinator *g, struct brk_req *r);
void brk_group_join(struct brk_group_coordinator *g, struct brk_req *r);
void brk_group_sync(struct brk_group_coordinator *g, struct brk_req *r);
void brk_group_heartbeat(struct brk_group_coordinator *g, struct brk_req *r);
void brk_group_leave(struct brk_group_coordinator *g, struct brk_req *r);
void brk_group_offset_commit(struct brk_group_coordinator *g, struct brk_req *r);
void brk_group_offset_fetch(struct brk_group_coordinator *g, struct brk_req *r);

/*
 * Java's String.hashCode of the UTF-8 string s[0..len) (as UTF-16 code
 * units; malformed UTF-8 bytes count as themselves), and Kafka's partition
 * for a group: Utils.abs(hash) % n, where Utils.abs maps Integer.MIN_VALUE
 * to 0. n must be >= 1.
 */
int32_t brk_group_java_hash(const char *s, size_t len);
int32_t brk_group_partition_for(const char *group, size_t len, int32_t n);

/*
 * The records of __consumer_offsets (ksim's own format; Kafka's is a
 * versioned binary schema of its own). Key: i16 version 1, group (i16
 * length + bytes), topic (i16 length + bytes), partition i32 — the layout
 * of Kafka's offset-commit key. Value: i16 version 1, offset i64, metadata
 * (i16 length, -1 for null), commit timestamp i64 (wall ms). A null value
 * (a tombstone) deletes the entry.
 */
struct brk_group_offset_key {
	const char *group;
	size_t group_len;
	const char *topic;
	size_t topic_len;
	int32_t partition;
};

struct brk_group_offset_value {
	int64_t offset;
	const char *metadata; /* NULL: null */
	int32_t metadata_len;
	int64_t commit_timestamp_ms;
};

void brk_group_encode_key(struct wire_writer *w, const struct brk_group_offset_key *k);
void brk_group_encode_value(struct wire_writer *w, const struct brk_group_offset_value *v);
/* Return 0, or -1 for bytes that are not such a record (wrong version,
 * short, trailing bytes). Views point into the input. */
int brk_group_decode_key(const uint8_t *p, size_t len, struct brk_group_offset_key *k);
int brk_group_decode_value(const uint8_t *p, size_t len, struct brk_group_offset_value *v);

/*
 * Group metadata records (Kafka's GroupMetadataKey v2 / GroupMetadataValue
 * v3, brk_group_store.c has the layout). The key decoder returns 0 and the
 * group name (a view), or -1 for bytes that are not such a key.
 */
struct grp_stored;
void brk_group_encode_metadata_key(struct wire_writer *w, const char *group, size_t len);
int brk_group_decode_metadata_key(const uint8_t *p, size_t len, struct kp_str *group);
int brk_group_decode_metadata_value(const uint8_t *p, size_t len, struct grp_stored *out);

#endif
