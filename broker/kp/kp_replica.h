/*
 * kp_replica — the requests replicas send for replication besides Fetch:
 * OffsetsForLeaderEpoch (key 23) at v3, which a follower sends its leader
 * to learn where to truncate after a leader change (KIP-101, KIP-279), and
 * AlterPartition (key 56, named AlterIsr before KIP-497's rename) at v0,
 * which a partition leader sends the controller to change the ISR.
 *
 * OffsetsForLeaderEpoch v3 (non-flexible): replica_id, topics [topic,
 * partitions [partition, current_leader_epoch, leader_epoch]]. Response v3:
 * throttle_time_ms, topics [topic, partitions [error_code, partition,
 * leader_epoch, end_offset i64]].
 * AlterPartition v0 (flexible: request header v2, response header v1,
 * compact strings and arrays, tagged fields): broker_id, broker_epoch i64,
 * topics [topic_name, partitions [partition_index, leader_epoch, new_isr
 * [i32], partition_epoch]]. Response v0: throttle_time_ms, error_code,
 * topics [topic_name, partitions [partition_index, error_code, leader_id,
 * leader_epoch, isr [i32], partition_epoch]].
 *
 * Ownership: decoded strings view the caller's frame; decoded arrays live in
 * the caller's arena.
 */
#ifndef KSIM_KP_REPLICA_H
#define KSIM_KP_REPLICA_H

#include "broker/kp/kp_prim.h"

#define KP_OFFSETS_FOR_LEADER_EPOCH_VERSION 3
#define KP_ALTER_PARTITION_VERSION 0

struct kp_epoch_partition {
	int32_t partition;
	int32_t current_leader_epoch; /* -1: not checked */
	int32_t leader_epoch;         /* the epoch whose end offset is asked */
};

struct kp_epoch_topic {
	struct kp_str topic;
	const struct kp_epoch_partition *partitions;
	int32_t partition_count;
};

struct kp_offsets_for_leader_epoch_request {
	int32_t replica_id; /* the follower's broker id; -1 for consumers */
	const struct kp_epoch_topic *topics;
	int32_t topic_count;
};

struct kp_epoch_end_offset {
	int16_t error_code;
	int32_t partition;
	int32_t leader_epoch; /* -1: undefined */
	int64_t end_offset;   /* -1: undefined */
};

struct kp_epoch_topic_result {
	struct kp_str topic;
	const struct kp_epoch_end_offset *partitions;
	int32_t partition_count;
};

struct kp_offsets_for_leader_epoch_response {
	int32_t throttle_time_ms;
	const struct kp_epoch_topic_result *topics;
	int32_t topic_count;
};

struct kp_alter_partition_partition {
	int32_t partition_index;
	int32_t leader_epoch;
	const int32_t *new_isr;
	int32_t new_isr_count;
	int32_t partition_epoch; /* the state znode's version in ZooKeeper mode */
};

struct kp_alter_partition_topic {
	struct kp_str topic_name;
	const struct kp_alter_partition_partition *partitions;
	int32_t partition_count;
};

struct kp_alter_partition_request {
	int32_t broker_id;
	int64_t broker_epoch;
	const struct kp_alter_partition_topic *topics;
	int32_t topic_count;
};

struct kp_alter_partition_result {
	int32_t partition_index;
	int16_t error_code;
	int32_t leader_id;
	int32_t leader_epoch;
	const int32_t *isr;
	int32_t isr_count;
	int32_t partition_epoch;
};

struct kp_alter_partition_topic_result {
	struct kp_str topic_name;
	const struct kp_alter_partition_result *partitions;
	int32_t partition_count;
};

struct kp_alter_partition_response {
	int32_t throttle_time_ms;
	int16_t error_code;
	const struct kp_alter_partition_topic_result *topics;
	int32_t topic_count;
};

/* Encoders set w->err (WIRE_EINVAL) for values the schema cannot carry.
 * Decoders return 0 or the first error (short input, bad count or length,
 * KP_EARENA, KP_ETRAILING). */
void kp_encode_offsets_for_leader_epoch_request(
	struct wire_writer *w, const struct kp_offsets_for_leader_epoch_request *req);
int kp_decode_offsets_for_leader_epoch_request(struct wire_reader *r, struct kp_arena *a,
					       struct kp_offsets_for_leader_epoch_request *req);
void kp_encode_offsets_for_leader_epoch_response(
	struct wire_writer *w, const struct kp_offsets_for_leader_epoch_response *resp);
int kp_decode_offsets_for_leader_epoch_response(
	struct wire_reader *r, struct kp_arena *a, struct kp_offsets_for_leader_epoch_response *resp);
void kp_encode_alter_partition_request(struct wire_writer *w,
				       const struct kp_alter_partition_request *req);
int kp_decode_alter_partition_request(struct wire_reader *r, struct kp_arena *a,
				      struct kp_alter_partition_request *req);
void kp_encode_alter_partition_response(struct wire_writer *w,
					const struct kp_alter_partition_response *resp);
int kp_decode_alter_partition_response(struct wire_reader *r, struct kp_arena *a,
				       struct kp_alter_partition_response *resp);

#endif
