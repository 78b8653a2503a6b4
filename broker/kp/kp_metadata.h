/*
 * kp_metadata — the Metadata (key 3) request and response, versions 0-6
 * (all non-flexible, request header v1, response header v0; v9 is the
 * first flexible version). librdkafka 2.0.2 sends up to 4, kafkajs 2.2.4
 * up to 6, kafka-python 2.0.2 sends 1 (and 0 in its version probe).
 *
 * Fields by version (Kafka 3.4 MetadataRequest/MetadataResponse.json):
 * Request: topics (ARRAY of STRING; nullable from v1, where null asks for
 * all topics; in v0 an EMPTY array asks for all topics), from v4
 * allow_auto_topic_creation (BOOLEAN, default true before v4).
 * Response: throttle_time_ms (v3+), brokers (node_id, host, port, rack
 * nullable v1+), cluster_id (nullable, v2+), controller_id (v1+), topics
 * (error_code, name, is_internal v1+, partitions (error_code,
 * partition_index, leader_id, replica_nodes, isr_nodes, offline_replicas
 * v5+)). leader_epoch starts at v7, outside the range served.
 *
 * Decoding normalises v0's "empty means all" to topic_count -1, so the
 * broker sees one meaning per value; encoding -1 at v0 writes an empty
 * array. Fields a version lacks are skipped when encoding and take
 * Kafka's schema default when decoding.
 *
 * Ownership: decoded strings view the caller's frame; decoded arrays live in
 * the caller's arena. Encoders only read the caller's structs.
 */
#ifndef KSIM_KP_METADATA_H
#define KSIM_KP_METADATA_H

#include "broker/kp/kp_prim.h"

#define KP_METADATA_VERSION 4 /* what ksim's own clients send */
#define KP_METADATA_MIN_VERSION 0
#define KP_METADATA_MAX_VERSION 6

struct kp_metadata_request {
	const struct kp_str *topics;
	int32_t topic_count; /* -1: null, meaning all topics (an empty v0 array) */
	bool allow_auto_topic_creation; /* v4+; true before */
};

struct kp_metadata_broker {
	int32_t node_id;
	struct kp_str host;
	int32_t port;
	struct kp_str rack; /* nullable; v1+ */
};

struct kp_metadata_partition {
	int16_t error_code;
	int32_t partition_index;
	int32_t leader_id;
	const int32_t *replica_nodes;
	int32_t replica_count;
	const int32_t *isr_nodes;
	int32_t isr_count;
	const int32_t *offline_replicas; /* v5+ */
	int32_t offline_count;
};

struct kp_metadata_topic {
	int16_t error_code;
	struct kp_str name;
	bool is_internal; /* v1+ */
	const struct kp_metadata_partition *partitions;
	int32_t partition_count;
};

struct kp_metadata_response {
	int32_t throttle_time_ms; /* v3+ */
	const struct kp_metadata_broker *brokers;
	int32_t broker_count;
	struct kp_str cluster_id; /* nullable; v2+ */
	int32_t controller_id;    /* v1+; -1 before */
	const struct kp_metadata_topic *topics;
	int32_t topic_count;
};

/* Each takes the message version; one outside 0-6 fails with KP_EVERSION
 * (in w->err for encoders). Encoders set w->err (WIRE_EINVAL) for values
 * the schema cannot carry, such as a null non-nullable string or items ==
 * NULL with count > 0. Decoders return 0 or the first error (short input,
 * bad count or length, KP_EARENA, KP_ETRAILING for bytes left after the
 * message). */
void kp_encode_metadata_request(struct wire_writer *w, int16_t version,
				const struct kp_metadata_request *req);
int kp_decode_metadata_request(struct wire_reader *r, struct kp_arena *a, int16_t version,
			       struct kp_metadata_request *req);
void kp_encode_metadata_response(struct wire_writer *w, int16_t version,
				 const struct kp_metadata_response *resp);
int kp_decode_metadata_response(struct wire_reader *r, struct kp_arena *a, int16_t version,
				struct kp_metadata_response *resp);

#endif
