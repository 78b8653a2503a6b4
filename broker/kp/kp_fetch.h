/*
 * kp_fetch — the Fetch (key 1) request and response, versions 4-11 (all
 * non-flexible, request header v1, response header v0; v12 is the first
 * flexible version). librdkafka 2.0.2 and kafkajs 2.2.4 send 11,
 * kafka-python 2.0.2 sends 4. v4 is the first version with
 * isolation_level, last_stable_offset and aborted_transactions, which
 * RecordBatch v2 consumers need (librdkafka's MsgVer2 feature wants 4).
 *
 * Request (Kafka 3.4 FetchRequest.json): replica_id, max_wait_ms,
 * min_bytes, max_bytes, isolation_level i8, session_id and session_epoch
 * (v7+), topics (topic, partitions (partition, current_leader_epoch v9+,
 * fetch_offset i64, log_start_offset i64 v5+, partition_max_bytes)),
 * forgotten_topics_data (v7+; topic, partitions [i32]), rack_id (v11+).
 * Absent fields decode to Kafka's defaults: session_id 0, session_epoch
 * -1 (no fetch session), current_leader_epoch -1, log_start_offset -1,
 * rack_id "".
 * Response: throttle_time_ms FIRST, error_code and session_id (v7+),
 * responses (topic, partitions (partition_index, error_code,
 * high_watermark, last_stable_offset, log_start_offset v5+,
 * aborted_transactions (nullable array of producer_id, first_offset),
 * preferred_read_replica v11+, records (nullable BYTES))).
 *
 * Ownership: decoded strings and record bytes view the caller's frame;
 * decoded arrays live in the caller's arena.
 */
#ifndef KSIM_KP_FETCH_H
#define KSIM_KP_FETCH_H

#include "broker/kp/kp_prim.h"

#define KP_FETCH_VERSION 11 /* what ksim's own consumers and followers send */
#define KP_FETCH_MIN_VERSION 4
#define KP_FETCH_MAX_VERSION 11

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

/* Each takes the message version; one outside 4-11 fails with KP_EVERSION.
 * Encoders set w->err (WIRE_EINVAL) for values the schema cannot carry.
 * Decoders return 0 or the first error (short input, bad count or length,
 * KP_EARENA, KP_ETRAILING). */
void kp_encode_fetch_request(struct wire_writer *w, int16_t version,
			     const struct kp_fetch_request *req);
int kp_decode_fetch_request(struct wire_reader *r, struct kp_arena *a, int16_t version,
			    struct kp_fetch_request *req);
void kp_encode_fetch_response(struct wire_writer *w, int16_t version,
			      const struct kp_fetch_response *resp);
int kp_decode_fetch_response(struct wire_reader *r, struct kp_arena *a, int16_t version,
			     struct kp_fetch_response *resp);

#endif
