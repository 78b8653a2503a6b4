/*
 * kp_group — the consumer-group coordination APIs, all non-flexible
 * (request header v1, response header v0), at the versions real clients
 * send (librdkafka 2.0.2 picks the highest common version; kafka-python
 * 2.0.2 sends FindCoordinator 0, JoinGroup 2, SyncGroup 1, Heartbeat 1,
 * LeaveGroup 1; kafkajs 2.2.4 the highest common one). Fields by version,
 * from Kafka 3.4's message schemas:
 *
 * FindCoordinator (key 10) 0-2: request key, key_type (v1+; 0 group, 1
 *   transaction); response throttle_time_ms (v1+), error_code,
 *   error_message (nullable, v1+), node_id, host, port.
 * JoinGroup (11) 0-5: request group_id, session_timeout_ms,
 *   rebalance_timeout_ms (v1+; v0 decodes it as the session timeout, as
 *   Kafka does), member_id, group_instance_id (nullable, v5+),
 *   protocol_type, protocols (name, metadata BYTES); response
 *   throttle_time_ms (v2+), error_code, generation_id, protocol_name,
 *   leader, member_id, members (member_id, group_instance_id nullable v5+,
 *   metadata).
 * SyncGroup (14) 0-3: request group_id, generation_id, member_id,
 *   group_instance_id (nullable, v3+), assignments (member_id, assignment
 *   BYTES); response throttle_time_ms (v1+), error_code, assignment.
 * Heartbeat (12) 0-3: request group_id, generation_id, member_id,
 *   group_instance_id (nullable, v3+); response throttle_time_ms (v1+),
 *   error_code.
 * LeaveGroup (13) 0-2: request group_id, member_id; response
 *   throttle_time_ms (v1+), error_code (v2 only changed the broker's quota
 *   behaviour). v3 turns the request into a batch of members (KIP-345) and
 *   is not served; kafkajs then sends 2.
 *
 * The metadata and assignment blobs (the consumer protocol's own encoding)
 * stay opaque here. Ownership: decoded strings and blobs view the caller's
 * frame; decoded arrays live in the caller's arena.
 */
#ifndef KSIM_KP_GROUP_H
#define KSIM_KP_GROUP_H

#include "broker/kp/kp_prim.h"

/* The versions ksim's own consumers send, and the ranges served. */
#define KP_FIND_COORDINATOR_VERSION 2
#define KP_JOIN_GROUP_VERSION 5
#define KP_SYNC_GROUP_VERSION 3
#define KP_HEARTBEAT_VERSION 3
#define KP_LEAVE_GROUP_VERSION 1
#define KP_FIND_COORDINATOR_MIN_VERSION 0
#define KP_FIND_COORDINATOR_MAX_VERSION 2
#define KP_JOIN_GROUP_MIN_VERSION 0
#define KP_JOIN_GROUP_MAX_VERSION 5
#define KP_SYNC_GROUP_MIN_VERSION 0
#define KP_SYNC_GROUP_MAX_VERSION 3
#define KP_HEARTBEAT_MIN_VERSION 0
#define KP_HEARTBEAT_MAX_VERSION 3
#define KP_LEAVE_GROUP_MIN_VERSION 0
#define KP_LEAVE_GROUP_MAX_VERSION 2

struct kp_find_coordinator_request {
	struct kp_str key;
	int8_t key_type; /* 0 group, 1 transaction */
};

struct kp_find_coordinator_response {
	int32_t throttle_time_ms;
	int16_t error_code;
	struct kp_str error_message; /* nullable */
	int32_t node_id;
	struct kp_str host;
	int32_t port;
};

struct kp_join_group_protocol {
	struct kp_str name;
	struct kp_bytes metadata;
};

struct kp_join_group_request {
	struct kp_str group_id;
	int32_t session_timeout_ms;
	int32_t rebalance_timeout_ms;
	struct kp_str member_id;         /* "" on the first join */
	struct kp_str group_instance_id; /* nullable: static membership */
	struct kp_str protocol_type;     /* "consumer" */
	const struct kp_join_group_protocol *protocols;
	int32_t protocol_count;
};

struct kp_join_group_member {
	struct kp_str member_id;
	struct kp_str group_instance_id; /* nullable */
	struct kp_bytes metadata;
};

struct kp_join_group_response {
	int32_t throttle_time_ms;
	int16_t error_code;
	int32_t generation_id;
	struct kp_str protocol_name;
	struct kp_str leader;
	struct kp_str member_id;
	const struct kp_join_group_member *members; /* only for the leader */
	int32_t member_count;
};

struct kp_sync_group_assignment {
	struct kp_str member_id;
	struct kp_bytes assignment;
};

struct kp_sync_group_request {
	struct kp_str group_id;
	int32_t generation_id;
	struct kp_str member_id;
	struct kp_str group_instance_id; /* nullable */
	const struct kp_sync_group_assignment *assignments; /* only from the leader */
	int32_t assignment_count;
};

struct kp_sync_group_response {
	int32_t throttle_time_ms;
	int16_t error_code;
	struct kp_bytes assignment;
};

struct kp_heartbeat_request {
	struct kp_str group_id;
	int32_t generation_id;
	struct kp_str member_id;
	struct kp_str group_instance_id; /* nullable */
};

struct kp_leave_group_request {
	struct kp_str group_id;
	struct kp_str member_id;
};

/* Heartbeat and LeaveGroup answer with the same two fields. */
struct kp_group_ack_response {
	int32_t throttle_time_ms;
	int16_t error_code;
};

/* Each takes the message version; one outside the API's range fails with
 * KP_EVERSION (in w->err for encoders). Encoders set w->err (WIRE_EINVAL)
 * for values the schema cannot carry. Decoders return 0 or the first error
 * (short input, bad count or length, KP_EARENA, KP_ETRAILING). Decoders
 * without an arena have no arrays. */
void kp_encode_find_coordinator_request(struct wire_writer *w, int16_t version,
					const struct kp_find_coordinator_request *req);
int kp_decode_find_coordinator_request(struct wire_reader *r, int16_t version,
				       struct kp_find_coordinator_request *req);
void kp_encode_find_coordinator_response(struct wire_writer *w, int16_t version,
					 const struct kp_find_coordinator_response *resp);
int kp_decode_find_coordinator_response(struct wire_reader *r, int16_t version,
					struct kp_find_coordinator_response *resp);

void kp_encode_join_group_request(struct wire_writer *w, int16_t version,
				  const struct kp_join_group_request *req);
int kp_decode_join_group_request(struct wire_reader *r, struct kp_arena *a, int16_t version,
				 struct kp_join_group_request *req);
void kp_encode_join_group_response(struct wire_writer *w, int16_t version,
				   const struct kp_join_group_response *resp);
int kp_decode_join_group_response(struct wire_reader *r, struct kp_arena *a, int16_t version,
				  struct kp_join_group_response *resp);

void kp_encode_sync_group_request(struct wire_writer *w, int16_t version,
				  const struct kp_sync_group_request *req);
int kp_decode_sync_group_request(struct wire_reader *r, struct kp_arena *a, int16_t version,
				 struct kp_sync_group_request *req);
void kp_encode_sync_group_response(struct wire_writer *w, int16_t version,
				   const struct kp_sync_group_response *resp);
int kp_decode_sync_group_response(struct wire_reader *r, int16_t version,
				  struct kp_sync_group_response *resp);

void kp_encode_heartbeat_request(struct wire_writer *w, int16_t version,
				 const struct kp_heartbeat_request *req);
int kp_decode_heartbeat_request(struct wire_reader *r, int16_t version,
				struct kp_heartbeat_request *req);

void kp_encode_leave_group_request(struct wire_writer *w, int16_t version,
				   const struct kp_leave_group_request *req);
int kp_decode_leave_group_request(struct wire_reader *r, int16_t version,
				  struct kp_leave_group_request *req);

/* The Heartbeat (0-3) and LeaveGroup (0-2) response body, one layout. */
void kp_encode_group_ack_response(struct wire_writer *w, int16_t version,
				  const struct kp_group_ack_response *resp);
int kp_decode_group_ack_response(struct wire_reader *r, int16_t version,
				 struct kp_group_ack_response *resp);

#endif
