/*
 * kp_create_topics — the CreateTopics (key 19) request and response,
 * versions 0-4 (non-flexible; v5 is the first flexible). ksim's own admin
 * client sends 4; kafkajs and kafka-python admin clients send up to 3.
 *
 * Request: topics (name, num_partitions i32, replication_factor i16,
 * assignments (partition_index, broker_ids [i32]), configs (name, value
 * nullable)), timeout_ms, validate_only (BOOLEAN, v1+).
 * Response: throttle_time_ms (v2+), topics (name, error_code,
 * error_message nullable v1+). v2-4 share one layout.
 *
 * Ownership: decoded strings view the caller's frame; decoded arrays live in
 * the caller's arena.
 */
#ifndef KSIM_KP_CREATE_TOPICS_H
#define KSIM_KP_CREATE_TOPICS_H

#include "broker/kp/kp_prim.h"

#define KP_CREATE_TOPICS_VERSION 4 /* what ksim's own admin client sends */
#define KP_CREATE_TOPICS_MIN_VERSION 0
#define KP_CREATE_TOPICS_MAX_VERSION 4

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
	bool validate_only; /* v1+ */
};

struct kp_create_topics_topic_response {
	struct kp_str name;
	int16_t error_code;
	struct kp_str error_message; /* nullable */
};

struct kp_create_topics_response {
	int32_t throttle_time_ms; /* v2+ */
	const struct kp_create_topics_topic_response *topics;
	int32_t topic_count;
};

/* Each takes the message version; one outside 0-4 fails with KP_EVERSION.
 * Encoders set w->err (WIRE_EINVAL) for values the schema cannot carry.
 * Decoders return 0 or the first error (short input, bad count or length,
 * KP_EARENA, KP_ETRAILING). */
void kp_encode_create_topics_request(struct wire_writer *w, int16_t version,
				     const struct kp_create_topics_request *req);
int kp_decode_create_topics_request(struct wire_reader *r, struct kp_arena *a, int16_t version,
				    struct kp_create_topics_request *req);
void kp_encode_create_topics_response(struct wire_writer *w, int16_t version,
				      const struct kp_create_topics_response *resp);
int kp_decode_create_topics_response(struct wire_reader *r, struct kp_arena *a, int16_t version,
				     struct kp_create_topics_response *resp);

#endif
