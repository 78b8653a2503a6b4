/*
 * kp_elect_leaders — ElectLeaders (key 43, KIP-460) at v1, the admin API
 * that asks the controller for a preferred or an unclean leader election
 * of named partitions (kafka-leader-election.sh, Admin.electLeaders).
 * Kafka 2.4+ clients send v1 or v2 (v2 is v1 in the flexible encoding).
 * Fields follow Kafka's ElectLeadersRequest.json and
 * ElectLeadersResponse.json.
 *
 * Request v1 (non-flexible, request header v1): election_type i8 (0
 * preferred, 1 unclean), topic_partitions (nullable: null means every
 * partition) [topic string, partitions [i32]], timeout_ms i32. Response v1
 * (header v0): throttle_time_ms i32, error_code i16,
 * replica_election_results [topic string, partition_result [partition_id
 * i32, error_code i16, error_message nullable string]].
 *
 * Ownership: decoded strings view the caller's frame; decoded arrays live
 * in the caller's arena.
 */
#ifndef KSIM_KP_ELECT_LEADERS_H
#define KSIM_KP_ELECT_LEADERS_H

#include "broker/kp/kp_prim.h"

#define KP_ELECT_LEADERS_VERSION 1

enum kp_election_type { KP_ELECTION_PREFERRED = 0, KP_ELECTION_UNCLEAN = 1 };

struct kp_elect_topic {
	struct kp_str topic;
	const int32_t *partitions;
	int32_t partition_count;
};

struct kp_elect_leaders_request {
	int8_t election_type;
	const struct kp_elect_topic *topics; /* NULL with topic_count -1: every partition */
	int32_t topic_count;
	int32_t timeout_ms;
};

struct kp_elect_partition_result {
	int32_t partition_id;
	int16_t error_code;
	struct kp_str error_message; /* KP_STR_NULL when none */
};

struct kp_elect_topic_result {
	struct kp_str topic;
	const struct kp_elect_partition_result *partitions;
	int32_t partition_count;
};

struct kp_elect_leaders_response {
	int32_t throttle_time_ms;
	int16_t error_code;
	const struct kp_elect_topic_result *topics;
	int32_t topic_count;
};

void kp_encode_elect_leaders_request(struct wire_writer *w,
				     const struct kp_elect_leaders_request *req);
int kp_decode_elect_leaders_request(struct wire_reader *r, struct kp_arena *a,
				    struct kp_elect_leaders_request *req);
void kp_encode_elect_leaders_response(struct wire_writer *w,
				      const struct kp_elect_leaders_response *resp);
int kp_decode_elect_leaders_response(struct wire_reader *r, struct kp_arena *a,
				     struct kp_elect_leaders_response *resp);

#endif
