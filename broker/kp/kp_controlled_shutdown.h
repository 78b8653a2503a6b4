/*
 * kp_controlled_shutdown — ControlledShutdown (key 7) at v2, the request a
 * ZooKeeper-mode broker sends the controller when it is asked to stop
 * (SIGTERM, controlled.shutdown.enable): the controller moves the
 * leaderships the broker holds to other in-sync replicas and answers with
 * the partitions it could not move yet. Kafka 2.2 to 2.3 brokers send v2;
 * v3 (2.4+) carries the same fields in the flexible encoding. Fields follow
 * Kafka's ControlledShutdownRequest.json and ControlledShutdownResponse.json.
 *
 * Request v2 (non-flexible, request header v1): broker_id i32, broker_epoch
 * i64 (the broker's registration, its znode's czxid). Response v2 (header
 * v0): error_code i16, remaining_partitions [topic_name string,
 * partition_index i32].
 *
 * Ownership: decoded strings view the caller's frame; the decoded array
 * lives in the caller's arena.
 */
#ifndef KSIM_KP_CONTROLLED_SHUTDOWN_H
#define KSIM_KP_CONTROLLED_SHUTDOWN_H

#include "broker/kp/kp_prim.h"

#define KP_CONTROLLED_SHUTDOWN_VERSION 2

struct kp_controlled_shutdown_request {
	int32_t broker_id;
	int64_t broker_epoch;
};

struct kp_remaining_partition {
	struct kp_str topic_name;
	int32_t partition_index;
};

struct kp_controlled_shutdown_response {
	int16_t error_code;
	const struct kp_remaining_partition *remaining;
	int32_t remaining_count;
};

void kp_encode_controlled_shutdown_request(struct wire_writer *w,
					   const struct kp_controlled_shutdown_request *req);
int kp_decode_controlled_shutdown_request(struct wire_reader *r,
					  struct kp_controlled_shutdown_request *req);
void kp_encode_controlled_shutdown_response(struct wire_writer *w,
					    const struct kp_controlled_shutdown_response *resp);
int kp_decode_controlled_shutdown_response(struct wire_reader *r, struct kp_arena *a,
					   struct kp_controlled_shutdown_response *resp);

#endif
