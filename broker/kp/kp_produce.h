/*
 * kp_produce — the Produce (key 0) request and response, versions 3-7
 * (non-flexible, request header v1, response header v0). librdkafka
 * 2.0.2, kafka-python 2.0.2 and kafkajs 2.2.4 all send 7 to a broker that
 * offers it. v3 is the first version whose records are RecordBatch v2
 * (magic 2), the only message format ksim's log stores; v0-2 carry the
 * older message sets and are not served (librdkafka then still enables
 * MsgVer2, which needs Produce 3 and Fetch 4).
 *
 * Request v3-7 (one layout): transactional_id (nullable), acks i16,
 * timeout_ms i32, topics (name, partitions (index i32, records: nullable
 * BYTES holding RecordBatch v2 bytes, kept opaque here)).
 * Response: responses (name, partitions (index, error_code, base_offset,
 * log_append_time_ms, log_start_offset v5+)), then throttle_time_ms LAST.
 *
 * Ownership: decoded strings and record bytes view the caller's frame;
 * decoded arrays live in the caller's arena.
 */
#ifndef KSIM_KP_PRODUCE_H
#define KSIM_KP_PRODUCE_H

#include "broker/kp/kp_prim.h"

#define KP_PRODUCE_VERSION 7 /* what ksim's own producer sends */
#define KP_PRODUCE_MIN_VERSION 3
#define KP_PRODUCE_MAX_VERSION 7

struct kp_produce_partition {
	int32_t index;
	struct kp_bytes records; /* nullable; RecordBatch v2 bytes */
};

struct kp_produce_topic {
	struct kp_str name;
	const struct kp_produce_partition *partitions;
	int32_t partition_count;
};

struct kp_produce_request {
	struct kp_str transactional_id; /* nullable */
	int16_t acks;                   /* 0, 1 or -1 (all); not checked here */
	int32_t timeout_ms;
	const struct kp_produce_topic *topics;
	int32_t topic_count;
};

struct kp_produce_partition_response {
	int32_t index;
	int16_t error_code;
	int64_t base_offset;
	int64_t log_append_time_ms; /* -1 unless the topic uses LogAppendTime */
	int64_t log_start_offset; /* v5+; -1 when decoded from v3-4 */
};

struct kp_produce_topic_response {
	struct kp_str name;
	const struct kp_produce_partition_response *partitions;
	int32_t partition_count;
};

struct kp_produce_response {
	const struct kp_produce_topic_response *topics;
	int32_t topic_count;
	int32_t throttle_time_ms;
};

/* Each takes the message version; one outside 3-7 fails with KP_EVERSION.
 * Encoders set w->err (WIRE_EINVAL) for values the schema cannot carry.
 * Decoders return 0 or the first error (short input, bad count or length,
 * KP_EARENA, KP_ETRAILING). */
void kp_encode_produce_request(struct wire_writer *w, int16_t version,
			       const struct kp_produce_request *req);
int kp_decode_produce_request(struct wire_reader *r, struct kp_arena *a, int16_t version,
			      struct kp_produce_request *req);
void kp_encode_produce_response(struct wire_writer *w, int16_t version,
				const struct kp_produce_response *resp);
int kp_decode_produce_response(struct wire_reader *r, struct kp_arena *a, int16_t version,
			       struct kp_produce_response *resp);

#endif
