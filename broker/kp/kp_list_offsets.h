/*
 * kp_list_offsets — the ListOffsets (key 2) request and response at version
 * 2, the version librdkafka sends (non-flexible, header v1 / v0).
 *
 * Request v2: replica_id, isolation_level i8, topics (name, partitions
 * (partition_index, timestamp i64: -1 latest, -2 earliest, else a time)).
 * Response v2: throttle_time_ms, topics (name, partitions (partition_index,
 * error_code, timestamp, offset)).
 *
 * Ownership: decoded strings view the caller's frame; decoded arrays live in
 * the caller's arena.
 */
#ifndef KSIM_KP_LIST_OFFSETS_H
#define KSIM_KP_LIST_OFFSETS_H

#include "broker/kp/kp_prim.h"

#define KP_LIST_OFFSETS_VERSION 2
#define KP_LIST_OFFSETS_LATEST (-1)
#define KP_LIST_OFFSETS_EARLIEST (-2)

struct kp_list_offsets_partition {
	int32_t partition_index;
	int64_t timestamp;
};

struct kp_list_offsets_topic {
	struct kp_str name;
	const struct kp_list_offsets_partition *partitions;
	int32_t partition_count;
};

struct kp_list_offsets_request {
	int32_t replica_id;
	int8_t isolation_level;
	const struct kp_list_offsets_topic *topics;
	int32_t topic_count;
};

struct kp_list_offsets_partition_response {
	int32_t partition_index;
	int16_t error_code;
	int64_t timestamp;
	int64_t offset;
};

struct kp_list_offsets_topic_response {
	struct kp_str name;
	const struct kp_list_offsets_partition_response *partitions;
	int32_t partition_count;
};

struct kp_list_offsets_response {
	int32_t throttle_time_ms;
	const struct kp_list_offsets_topic_response *topics;
	int32_t topic_count;
};

/* Encoders set w->err (WIRE_EINVAL) for values the schema cannot carry.
 * Decoders return 0 or the first error (short input, bad count or length,
 * KP_EARENA, KP_ETRAILING). */
void kp_encode_list_offsets_request(struct wire_writer *w,
				    const struct kp_list_offsets_request *req);
int kp_decode_list_offsets_request(struct wire_reader *r, struct kp_arena *a,
				   struct kp_list_offsets_request *req);
void kp_encode_list_offsets_response(struct wire_writer *w,
				     const struct kp_list_offsets_response *resp);
int kp_decode_list_offsets_response(struct wire_reader *r, struct kp_arena *a,
				    struct kp_list_offsets_response *resp);

#endif
