/*
 * kp_create_topics — the CreateTopics (key 19) request and response at
 * version 4, the highest non-flexible version (v5 is the first flexible).
 *
 * Request v4: topics (name, num_partitions i32, replication_factor i16,
 * assignments (partition_index, broker_ids [i32]), configs (name, value
 * nullable)), timeout_ms, validate_only (BOOLEAN).
 * Response v4: throttle_time_ms, topics (name, error_code, error_message
 * nullable).
 *
 * Ownership: decoded strings view the caller's frame; decoded arrays live in
 * the caller's arena.
 */
#ifndef KSIM_KP_CREATE_TOPICS_H
#define KSIM_KP_CREATE_TOPICS_H

#include "broker/kp/kp_prim.h"

#define KP_CREATE_TOPICS_VERSION 4

struct kp_create_topics_assignment {
	int32_t partition_index;
	const int32_t *broker_ids;
	int32_t broker_count;
};

struct kp_create_topics_config {
	struct kp_str name;
	struct kp_str value; /* nullable */
};

struct kp_create_topics_topic {
	struct kp_str name;
	int32_t num_partitions;     /* -1: broker default or manual assignment */
	int16_t replication_factor; /* -1: broker default or manual assignment */
	const struct kp_create_topics_assignment *assignments;
	int32_t assignment_count;
	const struct kp_create_topics_config *configs;
	int32_t config_count;
};

struct kp_create_topics_request {
	const struct kp_create_topics_topic *topics;
	int32_t topic_count;
	int32_t timeout_ms;
	bool validate_only;
};

struct kp_create_topics_topic_response {
	struct kp_str name;
	int16_t error_code;
	struct kp_str error_message; /* nullable */
};

struct kp_create_topics_response {
	int32_t throttle_time_ms;
	const struct kp_create_topics_topic_response *topics;
	int32_t topic_count;
};

/* Encoders set w->err (WIRE_EINVAL) for values the schema cannot carry.
 * Decoders return 0 or the first error (short input, bad count or length,
 * KP_EARENA, KP_ETRAILING). */
void kp_encode_create_topics_request(struct wire_writer *w,
				     const struct kp_create_topics_request *req);
int kp_decode_create_topics_request(struct wire_reader *r, struct kp_arena *a,
				    struct kp_create_topics_request *req);
void kp_encode_create_topics_response(struct wire_writer *w,
				      const struct kp_create_topics_response *resp);
int kp_decode_create_topics_response(struct wire_reader *r, struct kp_arena *a,
				     struct kp_create_topics_response *resp);

#endif
