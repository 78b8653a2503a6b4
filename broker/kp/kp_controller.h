/*
 * kp_controller — the controller-to-broker requests of ZooKeeper-mode
 * Kafka: LeaderAndIsr (key 4) at v2, UpdateMetadata (key 6) at v5 and
 * StopReplica (key 5) at v1, all non-flexible (request header v1, response
 * header v0). Field lists follow Kafka's message schemas
 * (LeaderAndIsrRequest.json and friends) at those versions.
 *
 * LeaderAndIsr v2: controller_id, controller_epoch, broker_epoch i64,
 * topic_states [topic_name, partition_states [partition_index,
 * controller_epoch, leader, leader_epoch, isr [i32], zk_version (the
 * partition epoch), replicas [i32], is_new bool]], live_leaders [broker_id,
 * host_name, port]. Response v2: error_code, partition_errors [topic_name,
 * partition_index, error_code].
 * UpdateMetadata v5: controller_id, controller_epoch, broker_epoch,
 * topic_states [topic_name, partition_states [partition_index,
 * controller_epoch, leader, leader_epoch, isr, zk_version, replicas,
 * offline_replicas]], live_brokers [id, endpoints [port, host, listener,
 * security_protocol i16], rack (nullable)]. Response v5: error_code.
 * StopReplica v1: controller_id, controller_epoch, broker_epoch,
 * delete_partitions bool, topics [name, partition_indexes [i32]].
 * Response v1: error_code, partition_errors [topic_name, partition_index,
 * error_code].
 *
 * Ownership: decoded strings view the caller's frame; decoded arrays
 * (including the i32 lists, which are decoded to host order) live in the
 * caller's arena.
 */
#ifndef KSIM_KP_CONTROLLER_H
#define KSIM_KP_CONTROLLER_H

#include "broker/kp/kp_prim.h"

#define KP_LEADER_AND_ISR_VERSION 2
#define KP_UPDATE_METADATA_VERSION 5
#define KP_STOP_REPLICA_VERSION 1

/* A partition's state as the controller sends it (LeaderAndIsr and
 * UpdateMetadata share it; is_new is LeaderAndIsr's, offline_replicas
 * UpdateMetadata's). */
struct kp_partition_state {
	int32_t partition_index;
	int32_t controller_epoch;
	int32_t leader;
	int32_t leader_epoch;
	const int32_t *isr;
	int32_t isr_count;
	int32_t zk_version;
	const int32_t *replicas;
	int32_t replica_count;
	const int32_t *offline_replicas;
	int32_t offline_count;
	bool is_new;
};

struct kp_topic_states {
	struct kp_str topic_name;
	const struct kp_partition_state *partitions;
	int32_t partition_count;
};

struct kp_live_leader {
	int32_t broker_id;
	struct kp_str host_name;
	int32_t port;
};

struct kp_leader_and_isr_request {
	int32_t controller_id;
	int32_t controller_epoch;
	int64_t broker_epoch;
	const struct kp_topic_states *topics;
	int32_t topic_count;
	const struct kp_live_leader *live_leaders;
	int32_t live_leader_count;
};

struct kp_partition_error {
	struct kp_str topic_name;
	int32_t partition_index;
	int16_t error_code;
};

/* LeaderAndIsr and StopReplica answer alike. */
struct kp_partition_errors_response {
	int16_t error_code;
	const struct kp_partition_error *partitions;
	int32_t partition_count;
};

struct kp_update_metadata_endpoint {
	int32_t port;
	struct kp_str host;
	struct kp_str listener;      /* "PLAINTEXT" */
	int16_t security_protocol;   /* 0: PLAINTEXT */
};

struct kp_update_metadata_broker {
	int32_t id;
	const struct kp_update_metadata_endpoint *endpoints;
	int32_t endpoint_count;
	struct kp_str rack; /* nullable */
};

struct kp_update_metadata_request {
	int32_t controller_id;
	int32_t controller_epoch;
	int64_t broker_epoch;
	const struct kp_topic_states *topics;
	int32_t topic_count;
	const struct kp_update_metadata_broker *live_brokers;
	int32_t live_broker_count;
};

struct kp_update_metadata_response {
	int16_t error_code;
};

struct kp_stop_replica_topic {
	struct kp_str name;
	const int32_t *partitions;
	int32_t partition_count;
};

struct kp_stop_replica_request {
	int32_t controller_id;
	int32_t controller_epoch;
	int64_t broker_epoch;
	bool delete_partitions;
	const struct kp_stop_replica_topic *topics;
	int32_t topic_count;
};

/* Encoders set w->err (WIRE_EINVAL) for values the schema cannot carry.
 * Decoders return 0 or the first error (short input, bad count or length,
 * KP_EARENA, KP_ETRAILING). */
void kp_encode_leader_and_isr_request(struct wire_writer *w,
				      const struct kp_leader_and_isr_request *req);
int kp_decode_leader_and_isr_request(struct wire_reader *r, struct kp_arena *a,
				     struct kp_leader_and_isr_request *req);
void kp_encode_update_metadata_request(struct wire_writer *w,
				       const struct kp_update_metadata_request *req);
int kp_decode_update_metadata_request(struct wire_reader *r, struct kp_arena *a,
				      struct kp_update_metadata_request *req);
void kp_encode_stop_replica_request(struct wire_writer *w,
				    const struct kp_stop_replica_request *req);
int kp_decode_stop_replica_request(struct wire_reader *r, struct kp_arena *a,
				   struct kp_stop_replica_request *req);
/* LeaderAndIsr v2 and StopReplica v1 responses share one layout. */
void kp_encode_partition_errors_response(struct wire_writer *w,
					 const struct kp_partition_errors_response *resp);
int kp_decode_partition_errors_response(struct wire_reader *r, struct kp_arena *a,
					struct kp_partition_errors_response *resp);
void kp_encode_update_metadata_response(struct wire_writer *w,
					const struct kp_update_metadata_response *resp);
int kp_decode_update_metadata_response(struct wire_reader *r,
				       struct kp_update_metadata_response *resp);

#endif
