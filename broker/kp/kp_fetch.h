/*
 * kp_fetch — the Fetch (key 1) request and response at version 11, the
 * version librdkafka sends (non-flexible, request header v1, response v0).
 *
 * Request v11: replica_id, max_wait_ms, min_bytes, max_bytes,
 * isolation_level i8, session_id, session_epoch, topics (topic, partitions
 * (partition, current_leader_epoch, fetch_offset i64, log_start_offset i64,
 * partition_max_bytes)), forgotten_topics_data (topic, partitions [i32]),
 * rack_id (STRING).
 * Response v11: throttle_time_ms FIRST, error_code, session_id, responses
 * (topic, partitions (partition_index, error_code, high_watermark,
 * last_stable_offset, log_start_offset, aborted_transactions (nullable
 * array of producer_id, first_offset), preferred_read_replica, records
 * (nullable BYTES))).
 *
 * Ownership: decoded strings and record bytes view the caller's frame;
 * decoded arrays live in the caller's arena.
 */
#ifndef KSIM_KP_FETCH_H
#define KSIM_KP_FETCH_H

#include "broker/kp/kp_prim.h"

#define KP_FETCH_VERSION 11

struct kp_fetch_partition {
	int32_t partition;
	int32_t current_leader_epoch;
	int64_t fetch_offset;
	int64_t log_start_offset; /* only meaningful from followers */
	int32_t partition_max_bytes;
};

struct kp_fetch_topic {
	struct kp_str topic;
	const struct kp_fetch_partition *partitions;
	int32_t partition_count;
};

struct kp_fetch_forgotten_topic {
	struct kp_str topic;
	const int32_t *partitions;
	int32_t partition_count;
};

struct kp_fetch_request {
	int32_t replica_id; /* -1 for consumers */
	int32_t max_wait_ms;
	int32_t min_bytes;
	int32_t max_bytes;
	int8_t isolation_level; /* 0 read_uncommitted, 1 read_committed */
	int32_t session_id;
	int32_t session_epoch;
	const struct kp_fetch_topic *topics;
	int32_t topic_count;
	const struct kp_fetch_forgotten_topic *forgotten;
	int32_t forgotten_count;
	struct kp_str rack_id; /* not nullable; "" when unset */
};

struct kp_fetch_aborted_txn {
	int64_t producer_id;
	int64_t first_offset;
};

struct kp_fetch_partition_response {
	int32_t partition_index;
	int16_t error_code;
	int64_t high_watermark;
	int64_t last_stable_offset;
	int64_t log_start_offset;
	const struct kp_fetch_aborted_txn *aborted;
	int32_t aborted_count; /* -1: null */
	int32_t preferred_read_replica;
	struct kp_bytes records; /* nullable */
};

struct kp_fetch_topic_response {
	struct kp_str topic;
	const struct kp_fetch_partition_response *partitions;
	int32_t partition_count;
};

struct kp_fetch_response {
	int32_t throttle_time_ms;
	int16_t error_code;
	int32_t session_id;
	const struct kp_fetch_topic_response *topics;
	int32_t topic_count;
};

/* Encoders set w->err (WIRE_EINVAL) for values the schema cannot carry.
 * Decoders return 0 or the first error (short input, bad count or length,
 * KP_EARENA, KP_ETRAILING). */
void kp_encode_fetch_request(struct wire_writer *w, const struct kp_fetch_request *req);
int kp_decode_fetch_request(struct wire_reader *r, struct kp_arena *a,
			    struct kp_fetch_request *req);
void kp_encode_fetch_response(struct wire_writer *w, const struct kp_fetch_response *resp);
int kp_decode_fetch_response(struct wire_reader *r, struct kp_arena *a,
			     struct kp_fetch_response *resp);

#endif
