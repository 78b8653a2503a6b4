/*
 * kp_list_offsets — the ListOffsets (key 2) request and response, versions
 * 1-3 (non-flexible, header v1 / v0). librdkafka 2.0.2 sends up to 2,
 * kafka-python 2.0.2 sends 1, kafkajs 2.2.4 up to 3. v0 (a list of old
 * segment offsets per partition) is not served.
 *
 * Request (Kafka 3.4 ListOffsetsRequest.json): replica_id,
 * isolation_level i8 (v2+; read_uncommitted before), topics (name,
 * partitions (partition_index, timestamp i64: -1 latest, -2 earliest,
 * else a time)). v3 has the v2 layout.
 * Response: throttle_time_ms (v2+), topics (name, partitions
 * (partition_index, error_code, timestamp, offset)).
 *
 * Ownership: decoded strings view the caller's frame; decoded arrays live in
 * the caller's arena.
 */
#ifndef KSIM_KP_LIST_OFFSETS_H
#define KSIM_KP_LIST_OFFSETS_H

#include "broker/kp/kp_prim.h"

#define KP_LIST_OFFSETS_VERSION 2 /* what ksim's own consumer sends */
#define KP_LIST_OFFSETS_MIN_VERSION 1
#define KP_LIST_OFFSETS_MAX_VERSION 3
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
	int8_t isolation_level; /* v2+; 0 before */
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
	int32_t throttle_time_ms; /* v2+ */
	const struct kp_list_offsets_topic_response *topics;
	int32_t topic_count;
};

/* Each takes the message version; one outside 1-3 fails with KP_EVERSION.
 * Encoders set w->err (WIRE_EINVAL) for values the schema cannot carry.
 * Decoders return 0 or the first error (short input, bad count or length,
 * KP_EARENA, KP_ETRAILING). */
void kp_encode_list_offsets_request(struct wire_writer *w, int16_t version,
				    const struct kp_list_offsets_request *req);
int kp_decode_list_offsets_request(struct wire_reader *r, struct kp_arena *a, int16_t version,
				   struct kp_list_offsets_request *req);
void kp_encode_list_offsets_response(struct wire_writer *w, int16_t version,
				     const struct kp_list_offsets_response *resp);
int kp_decode_list_offsets_response(struct wire_reader *r, struct kp_arena *a, int16_t version,
				    struct kp_list_offsets_response *resp);

#endif
