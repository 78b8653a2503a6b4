/*
 * kp_group_offsets — a consumer group's committed offsets: OffsetCommit
 * (key 8) 1-5 and OffsetFetch (key 9) 1-4, all non-flexible (request
 * header v1, response header v0). librdkafka 2.0.2 takes the highest
 * common version, kafka-python 2.0.2 sends OffsetCommit 2 and OffsetFetch
 * 1, kafkajs 2.2.4 up to 5 and 4. Version 0 of both kept offsets in
 * ZooKeeper in Kafka and is not served.
 *
 * Fields by version (Kafka 3.4 message schemas):
 * OffsetCommit request: group_id, generation_id, member_id,
 * retention_time_ms (v2-4 only), topics (name, partitions
 * (partition_index, committed_offset i64, commit_timestamp i64 (v1 only),
 * committed_metadata nullable)); response throttle_time_ms (v3+), topics
 * (name, partitions (partition_index, error_code)). ksim keeps committed
 * offsets until the group's offsets are deleted and never expires them,
 * so retention_time_ms and commit_timestamp are read and dropped; the
 * encoder writes Kafka's "unset" value -1 for both.
 * OffsetFetch request: group_id, topics (nullable from v2: null asks for
 * every partition of the group; name, partition_indexes [i32]); response
 * throttle_time_ms (v3+), topics (name, partitions (partition_index,
 * committed_offset, metadata nullable, error_code)), then a top-level
 * error_code (v2+; before v2 Kafka puts a group error in every requested
 * partition instead, which the broker's front door does, brk_front.c).
 *
 * Ownership: decoded strings view the caller's frame; decoded arrays live in
 * the caller's arena.
 */
#ifndef KSIM_KP_GROUP_OFFSETS_H
#define KSIM_KP_GROUP_OFFSETS_H

#include "broker/kp/kp_prim.h"

/* The versions ksim's own consumers send, and the ranges served. */
#define KP_OFFSET_COMMIT_VERSION 5
#define KP_OFFSET_FETCH_VERSION 4
#define KP_OFFSET_COMMIT_MIN_VERSION 1
#define KP_OFFSET_COMMIT_MAX_VERSION 5
#define KP_OFFSET_FETCH_MIN_VERSION 1
#define KP_OFFSET_FETCH_MAX_VERSION 4

struct kp_offset_commit_partition {
	int32_t partition_index;
	int64_t committed_offset;
	struct kp_str committed_metadata; /* nullable */
};

struct kp_offset_commit_topic {
	struct kp_str name;
	const struct kp_offset_commit_partition *partitions;
	int32_t partition_count;
};

struct kp_offset_commit_request {
	struct kp_str group_id;
	int32_t generation_id; /* -1 for a commit outside group membership */
	struct kp_str member_id;
	const struct kp_offset_commit_topic *topics;
	int32_t topic_count;
};

struct kp_offset_commit_partition_response {
	int32_t partition_index;
	int16_t error_code;
};

struct kp_offset_commit_topic_response {
	struct kp_str name;
	const struct kp_offset_commit_partition_response *partitions;
	int32_t partition_count;
};

struct kp_offset_commit_response {
	int32_t throttle_time_ms; /* v3+ */
	const struct kp_offset_commit_topic_response *topics;
	int32_t topic_count;
};

struct kp_offset_fetch_topic {
	struct kp_str name;
	const int32_t *partition_indexes;
	int32_t partition_count;
};

struct kp_offset_fetch_request {
	struct kp_str group_id;
	const struct kp_offset_fetch_topic *topics;
	int32_t topic_count; /* -1: null (v2+), every partition of the group */
};

struct kp_offset_fetch_partition_response {
	int32_t partition_index;
	int64_t committed_offset; /* -1 when nothing is committed */
	struct kp_str metadata;   /* nullable */
	int16_t error_code;
};

struct kp_offset_fetch_topic_response {
	struct kp_str name;
	const struct kp_offset_fetch_partition_response *partitions;
	int32_t partition_count;
};

struct kp_offset_fetch_response {
	int32_t throttle_time_ms; /* v3+ */
	const struct kp_offset_fetch_topic_response *topics;
	int32_t topic_count;
	int16_t error_code; /* top-level, after the topics; v2+ */
};

/* Each takes the message version; one outside the API's range fails with
 * KP_EVERSION (in w->err for encoders). Encoders set w->err (WIRE_EINVAL)
 * for values the schema cannot carry. Decoders return 0 or the first error
 * (short input, bad count or length, KP_EARENA, KP_ETRAILING). */
void kp_encode_offset_commit_request(struct wire_writer *w, int16_t version,
				     const struct kp_offset_commit_request *req);
int kp_decode_offset_commit_request(struct wire_reader *r, struct kp_arena *a, int16_t version,
				    struct kp_offset_commit_request *req);
void kp_encode_offset_commit_response(struct wire_writer *w, int16_t version,
				      const struct kp_offset_commit_response *resp);
int kp_decode_offset_commit_response(struct wire_reader *r, struct kp_arena *a, int16_t version,
				     struct kp_offset_commit_response *resp);

void kp_encode_offset_fetch_request(struct wire_writer *w, int16_t version,
				    const struct kp_offset_fetch_request *req);
int kp_decode_offset_fetch_request(struct wire_reader *r, struct kp_arena *a, int16_t version,
				   struct kp_offset_fetch_request *req);
void kp_encode_offset_fetch_response(struct wire_writer *w, int16_t version,
				     const struct kp_offset_fetch_response *resp);
int kp_decode_offset_fetch_response(struct wire_reader *r, struct kp_arena *a, int16_t version,
				    struct kp_offset_fetch_response *resp);

#endif
