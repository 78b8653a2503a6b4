/*
 * kp_metadata — the Metadata (key 3) request and response at version 4,
 * the version librdkafka and kafkajs send (non-flexible, header v1 / v0).
 *
 * Request v4: topics (nullable ARRAY of STRING; null asks for all topics,
 * empty for none), allow_auto_topic_creation (BOOLEAN).
 * Response v4: throttle_time_ms, brokers (node_id, host, port, rack
 * nullable), cluster_id (nullable), controller_id, topics (error_code, name,
 * is_internal, partitions (error_code, partition_index, leader_id,
 * replica_nodes, isr_nodes)). offline_replicas only exists from v5 and
 * leader_epoch from v7, so v4 has neither.
 *
 * Ownership: decoded strings view the caller's frame; decoded arrays live in
 * the caller's arena. Encoders only read the caller's structs.
 */
#ifndef KSIM_KP_METADATA_H
#define KSIM_KP_METADATA_H

#include "broker/kp/kp_prim.h"

#define KP_METADATA_VERSION 4

struct kp_metadata_request {
	const struct kp_str *topics;
	int32_t topic_count; /* -1: null, meaning all topics */
	bool allow_auto_topic_creation;
};

struct kp_metadata_broker {
	int32_t node_id;
	struct kp_str host;
	int32_t port;
	struct kp_str rack; /* nullable */
};

struct kp_metadata_partition {
	int16_t error_code;
	int32_t partition_index;
	int32_t leader_id;
	const int32_t *replica_nodes;
	int32_t replica_count;
	const int32_t *isr_nodes;
	int32_t isr_count;
};

struct kp_metadata_topic {
	int16_t error_code;
	struct kp_str name;
	bool is_internal;
	const struct kp_metadata_partition *partitions;
	int32_t partition_count;
};

struct kp_metadata_response {
	int32_t throttle_time_ms;
	const struct kp_metadata_broker *brokers;
	int32_t broker_count;
	struct kp_str cluster_id; /* nullable */
	int32_t controller_id;
	const struct kp_metadata_topic *topics;
	int32_t topic_count;
};

/* Encoders set w->err (WIRE_EINVAL) for values the schema cannot carry,
 * such as a null non-nullable string or items == NULL with count > 0.
 * Decoders return 0 or the first error (short input, bad count or length,
 * KP_EARENA, KP_ETRAILING for bytes left after the message). */
void kp_encode_metadata_request(struct wire_writer *w, const struct kp_metadata_request *req);
int kp_decode_metadata_request(struct wire_reader *r, struct kp_arena *a,
			       struct kp_metadata_request *req);
void kp_encode_metadata_response(struct wire_writer *w,
				 const struct kp_metadata_response *resp);
int kp_decode_metadata_response(struct wire_reader *r, struct kp_arena *a,
				struct kp_metadata_response *resp);

#endif
