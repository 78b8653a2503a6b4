/*
 * Byte-exact frames of the inter-broker APIs (kp_controller, kp_replica),
 * worked out by hand from Apache Kafka 3.4's message schemas
 * (LeaderAndIsrRequest.json, UpdateMetadataRequest.json,
 * StopReplicaRequest.json, OffsetForLeaderEpochRequest.json,
 * AlterPartitionRequest.json and their responses) and the protocol guide's
 * primitive types: integers big-endian, STRING = i16 length + bytes (-1
 * null), ARRAY = i32 count + elements, BOOLEAN one byte; in flexible
 * versions COMPACT_STRING / COMPACT_ARRAY = uvarint (length + 1) and every
 * struct ends with a tagged-field section (uvarint count, 0 here).
 *
 * Each vector is a whole frame body (what follows the i32 size): request
 * header v1 (v2 for AlterPartition) or response header v0 (v1 for
 * AlterPartition), then the message. *_HDR is the header's length, so the
 * body codecs can be tested on the rest. The same bytes seed the request
 * fuzzer's corpus (tests/fuzz/corpus/kp_request/).
 */
#ifndef KSIM_TEST_KP_INTERBROKER_VECTORS_H
#define KSIM_TEST_KP_INTERBROKER_VECTORS_H

#include <stdint.h>

/* Request header v1 with client_id "c": 2 + 2 + 4 + (2 + 1) = 11 bytes. */
#define REQ_HDR_V1 11
/* Request header v2 adds the header's tagged fields: 12 bytes. */
#define REQ_HDR_V2 12
/* Response header v0 is the correlation_id; v1 adds tagged fields. */
#define RESP_HDR_V0 4
#define RESP_HDR_V1 5

/* LeaderAndIsr v2: controller 1 (epoch 3, broker epoch 16) makes broker 1
 * leader of t-0 at leader epoch 5 with ISR [1,2]; live leader b1:9092. */
static const uint8_t vec_leader_and_isr_v2_request[] = {
	0x00, 0x04,             /* api_key 4 LeaderAndIsr */
	0x00, 0x02,             /* api_version 2 */
	0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
	0x00, 0x01, 'c',        /* client_id "c" (NULLABLE_STRING) */
	0x00, 0x00, 0x00, 0x01, /* controller_id 1 */
	0x00, 0x00, 0x00, 0x03, /* controller_epoch 3 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, /* broker_epoch 16 (int64, v2) */
	0x00, 0x00, 0x00, 0x01, /* topic_states: ARRAY count 1 (v2+) */
	0x00, 0x01, 't',        /*   topic_name "t" */
	0x00, 0x00, 0x00, 0x01, /*   partition_states: count 1 */
	0x00, 0x00, 0x00, 0x00, /*     partition_index 0 */
	0x00, 0x00, 0x00, 0x03, /*     controller_epoch 3 */
	0x00, 0x00, 0x00, 0x01, /*     leader 1 */
	0x00, 0x00, 0x00, 0x05, /*     leader_epoch 5 */
	0x00, 0x00, 0x00, 0x02, /*     isr: [int32] count 2 */
	0x00, 0x00, 0x00, 0x01, /*       1 */
	0x00, 0x00, 0x00, 0x02, /*       2 */
	0x00, 0x00, 0x00, 0x07, /*     zk_version 7 */
	0x00, 0x00, 0x00, 0x02, /*     replicas: count 2 */
	0x00, 0x00, 0x00, 0x01, /*       1 */
	0x00, 0x00, 0x00, 0x02, /*       2 */
	0x01,                   /*     is_new true (BOOLEAN, v1+) */
	0x00, 0x00, 0x00, 0x01, /* live_leaders: count 1 */
	0x00, 0x00, 0x00, 0x01, /*   broker_id 1 */
	0x00, 0x02, 'b', '1',   /*   host_name "b1" */
	0x00, 0x00, 0x23, 0x84, /*   port 9092 = 0x2384 */
};

/* LeaderAndIsr v2 response: no top-level error; t-0 failed with
 * KAFKA_STORAGE_ERROR (56 = 0x38). */
static const uint8_t vec_leader_and_isr_v2_response[] = {
	0x00, 0x00, 0x00, 0x07, /* correlation_id 7 (response header v0) */
	0x00, 0x00,             /* error_code 0 */
	0x00, 0x00, 0x00, 0x01, /* partition_errors: count 1 */
	0x00, 0x01, 't',        /*   topic_name "t" (v0-4) */
	0x00, 0x00, 0x00, 0x00, /*   partition_index 0 */
	0x00, 0x38,             /*   error_code 56 KAFKA_STORAGE_ERROR */
};

/* UpdateMetadata v5: t-1 led by broker 2 (epoch 4, ISR [2], replicas [2,1],
 * 1 offline); live broker 2 with one PLAINTEXT endpoint h:9092, no rack. */
static const uint8_t vec_update_metadata_v5_request[] = {
	0x00, 0x06,             /* api_key 6 UpdateMetadata */
	0x00, 0x05,             /* api_version 5 */
	0x00, 0x00, 0x00, 0x08, /* correlation_id 8 */
	0x00, 0x01, 'c',        /* client_id "c" */
	0x00, 0x00, 0x00, 0x01, /* controller_id 1 */
	0x00, 0x00, 0x00, 0x03, /* controller_epoch 3 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, /* broker_epoch 16 (v5) */
	0x00, 0x00, 0x00, 0x01, /* topic_states: count 1 (v5+) */
	0x00, 0x01, 't',        /*   topic_name "t" */
	0x00, 0x00, 0x00, 0x01, /*   partition_states: count 1 */
	0x00, 0x00, 0x00, 0x01, /*     partition_index 1 */
	0x00, 0x00, 0x00, 0x03, /*     controller_epoch 3 */
	0x00, 0x00, 0x00, 0x02, /*     leader 2 */
	0x00, 0x00, 0x00, 0x04, /*     leader_epoch 4 */
	0x00, 0x00, 0x00, 0x01, /*     isr: count 1 */
	0x00, 0x00, 0x00, 0x02, /*       2 */
	0x00, 0x00, 0x00, 0x09, /*     zk_version 9 */
	0x00, 0x00, 0x00, 0x02, /*     replicas: count 2 */
	0x00, 0x00, 0x00, 0x02, /*       2 */
	0x00, 0x00, 0x00, 0x01, /*       1 */
	0x00, 0x00, 0x00, 0x01, /*     offline_replicas: count 1 (v4+) */
	0x00, 0x00, 0x00, 0x01, /*       1 */
	0x00, 0x00, 0x00, 0x01, /* live_brokers: count 1 */
	0x00, 0x00, 0x00, 0x02, /*   id 2 */
	0x00, 0x00, 0x00, 0x01, /*   endpoints: count 1 (v1+) */
	0x00, 0x00, 0x23, 0x84, /*     port 9092 */
	0x00, 0x01, 'h',        /*     host "h" */
	0x00, 0x09, 'P', 'L', 'A', 'I', 'N', 'T', 'E', 'X', 'T', /* listener (v3+) */
	0x00, 0x00,             /*     security_protocol 0 PLAINTEXT */
	0xff, 0xff,             /*   rack null (NULLABLE_STRING -1, v2+) */
};

/* UpdateMetadata v5 response: error_code 0. */
static const uint8_t vec_update_metadata_v5_response[] = {
	0x00, 0x00, 0x00, 0x08, /* correlation_id 8 */
	0x00, 0x00,             /* error_code 0 */
};

/* StopReplica v1: stop and delete t-0 and t-1. */
static const uint8_t vec_stop_replica_v1_request[] = {
	0x00, 0x05,             /* api_key 5 StopReplica */
	0x00, 0x01,             /* api_version 1 */
	0x00, 0x00, 0x00, 0x09, /* correlation_id 9 */
	0x00, 0x01, 'c',        /* client_id "c" */
	0x00, 0x00, 0x00, 0x01, /* controller_id 1 */
	0x00, 0x00, 0x00, 0x03, /* controller_epoch 3 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, /* broker_epoch 16 (v1+) */
	0x01,                   /* delete_partitions true (v0-2) */
	0x00, 0x00, 0x00, 0x01, /* topics: count 1 (v1-2) */
	0x00, 0x01, 't',        /*   name "t" */
	0x00, 0x00, 0x00, 0x02, /*   partition_indexes: count 2 */
	0x00, 0x00, 0x00, 0x00, /*     0 */
	0x00, 0x00, 0x00, 0x01, /*     1 */
};

/* StopReplica v1 response: t-0 fine, t-1 STALE_CONTROLLER_EPOCH (11). */
static const uint8_t vec_stop_replica_v1_response[] = {
	0x00, 0x00, 0x00, 0x09, /* correlation_id 9 */
	0x00, 0x00,             /* error_code 0 */
	0x00, 0x00, 0x00, 0x02, /* partition_errors: count 2 */
	0x00, 0x01, 't',        /*   topic_name "t" */
	0x00, 0x00, 0x00, 0x00, /*   partition_index 0 */
	0x00, 0x00,             /*   error_code 0 */
	0x00, 0x01, 't',        /*   topic_name "t" */
	0x00, 0x00, 0x00, 0x01, /*   partition_index 1 */
	0x00, 0x0b,             /*   error_code 11 STALE_CONTROLLER_EPOCH */
};

/* OffsetForLeaderEpoch v3: follower 2, which knows leader epoch 5, asks
 * for the end offset of epoch 4 of t-0. */
static const uint8_t vec_offsets_for_leader_epoch_v3_request[] = {
	0x00, 0x17,             /* api_key 23 OffsetForLeaderEpoch */
	0x00, 0x03,             /* api_version 3 */
	0x00, 0x00, 0x00, 0x0a, /* correlation_id 10 */
	0x00, 0x01, 'c',        /* client_id "c" */
	0x00, 0x00, 0x00, 0x02, /* replica_id 2 (v3+) */
	0x00, 0x00, 0x00, 0x01, /* topics: count 1 */
	0x00, 0x01, 't',        /*   topic "t" */
	0x00, 0x00, 0x00, 0x01, /*   partitions: count 1 */
	0x00, 0x00, 0x00, 0x00, /*     partition 0 */
	0x00, 0x00, 0x00, 0x05, /*     current_leader_epoch 5 (v2+) */
	0x00, 0x00, 0x00, 0x04, /*     leader_epoch 4 */
};

/* OffsetForLeaderEpoch v3 response: epoch 4 ends at offset 100. */
static const uint8_t vec_offsets_for_leader_epoch_v3_response[] = {
	0x00, 0x00, 0x00, 0x0a, /* correlation_id 10 */
	0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 (v2+) */
	0x00, 0x00, 0x00, 0x01, /* topics: count 1 */
	0x00, 0x01, 't',        /*   topic "t" */
	0x00, 0x00, 0x00, 0x01, /*   partitions: count 1 */
	0x00, 0x00,             /*     error_code 0 */
	0x00, 0x00, 0x00, 0x00, /*     partition 0 */
	0x00, 0x00, 0x00, 0x04, /*     leader_epoch 4 (v1+) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, /* end_offset 100 (int64) */
};

/* AlterPartition v0 (flexible, request header v2): broker 1 (epoch 16),
 * leader of t-0 at epoch 5, asks for ISR [1,2] at partition epoch 7. */
static const uint8_t vec_alter_partition_v0_request[] = {
	0x00, 0x38,             /* api_key 56 AlterPartition */
	0x00, 0x00,             /* api_version 0 */
	0x00, 0x00, 0x00, 0x0b, /* correlation_id 11 */
	0x00, 0x01, 'c',        /* client_id "c": i16 length even in header v2 */
	0x00,                   /* header tagged fields: 0 */
	0x00, 0x00, 0x00, 0x01, /* broker_id 1 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, /* broker_epoch 16 */
	0x02,                   /* topics: COMPACT_ARRAY, uvarint 1 + 1 */
	0x02, 't',              /*   topic_name: COMPACT_STRING, uvarint 1 + 1 */
	0x02,                   /*   partitions: uvarint 1 + 1 */
	0x00, 0x00, 0x00, 0x00, /*     partition_index 0 */
	0x00, 0x00, 0x00, 0x05, /*     leader_epoch 5 */
	0x03,                   /*     new_isr: COMPACT_ARRAY, uvarint 2 + 1 */
	0x00, 0x00, 0x00, 0x01, /*       1 */
	0x00, 0x00, 0x00, 0x02, /*       2 */
	0x00, 0x00, 0x00, 0x07, /*     partition_epoch 7 (no leader_recovery_state: v1+) */
	0x00,                   /*     partition tagged fields: 0 */
	0x00,                   /*   topic tagged fields: 0 */
	0x00,                   /* body tagged fields: 0 */
};

/* AlterPartition v0 response (header v1): accepted, partition epoch now 8. */
static const uint8_t vec_alter_partition_v0_response[] = {
	0x00, 0x00, 0x00, 0x0b, /* correlation_id 11 */
	0x00,                   /* response header tagged fields: 0 */
	0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
	0x00, 0x00,             /* error_code 0 */
	0x02,                   /* topics: uvarint 1 + 1 */
	0x02, 't',              /*   topic_name "t" */
	0x02,                   /*   partitions: uvarint 1 + 1 */
	0x00, 0x00, 0x00, 0x00, /*     partition_index 0 */
	0x00, 0x00,             /*     error_code 0 */
	0x00, 0x00, 0x00, 0x01, /*     leader_id 1 */
	0x00, 0x00, 0x00, 0x05, /*     leader_epoch 5 */
	0x03,                   /*     isr: uvarint 2 + 1 */
	0x00, 0x00, 0x00, 0x01, /*       1 */
	0x00, 0x00, 0x00, 0x02, /*       2 */
	0x00, 0x00, 0x00, 0x08, /*     partition_epoch 8 */
	0x00,                   /*     partition tagged fields: 0 */
	0x00,                   /*   topic tagged fields: 0 */
	0x00,                   /* body tagged fields: 0 */
};

/* ControlledShutdown v2 (ControlledShutdownRequest.json): broker 2 of
 * registration (broker epoch) 16 asks to stop. */
static const uint8_t vec_controlled_shutdown_v2_request[] = {
	0x00, 0x07,             /* api_key 7 ControlledShutdown */
	0x00, 0x02,             /* api_version 2 */
	0x00, 0x00, 0x00, 0x0c, /* correlation_id 12 */
	0x00, 0x01, 'c',        /* client_id "c" */
	0x00, 0x00, 0x00, 0x02, /* broker_id 2 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, /* broker_epoch 16 (v2+) */
};

/* ControlledShutdown v2 response (ControlledShutdownResponse.json): t-1
 * still led by the broker (no other in-sync replica to move it to). */
static const uint8_t vec_controlled_shutdown_v2_response[] = {
	0x00, 0x00, 0x00, 0x0c, /* correlation_id 12 */
	0x00, 0x00,             /* error_code 0 */
	0x00, 0x00, 0x00, 0x01, /* remaining_partitions: count 1 */
	0x00, 0x01, 't',        /*   topic_name "t" */
	0x00, 0x00, 0x00, 0x01, /*   partition_index 1 */
};

/* ElectLeaders v1 (ElectLeadersRequest.json): an unclean election of t-0
 * and t-1 within 60 s. */
static const uint8_t vec_elect_leaders_v1_request[] = {
	0x00, 0x2b,             /* api_key 43 ElectLeaders */
	0x00, 0x01,             /* api_version 1 */
	0x00, 0x00, 0x00, 0x0d, /* correlation_id 13 */
	0x00, 0x01, 'c',        /* client_id "c" */
	0x01,                   /* election_type 1 unclean (v1+) */
	0x00, 0x00, 0x00, 0x01, /* topic_partitions: count 1 */
	0x00, 0x01, 't',        /*   topic "t" */
	0x00, 0x00, 0x00, 0x02, /*   partitions: count 2 */
	0x00, 0x00, 0x00, 0x00, /*     0 */
	0x00, 0x00, 0x00, 0x01, /*     1 */
	0x00, 0x00, 0xea, 0x60, /* timeout_ms 60000 */
};

/* ElectLeaders v1 response (ElectLeadersResponse.json): t-0 elected, t-1
 * ELECTION_NOT_NEEDED (84) with a message. */
static const uint8_t vec_elect_leaders_v1_response[] = {
	0x00, 0x00, 0x00, 0x0d, /* correlation_id 13 */
	0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
	0x00, 0x00,             /* error_code 0 (v1+) */
	0x00, 0x00, 0x00, 0x01, /* replica_election_results: count 1 */
	0x00, 0x01, 't',        /*   topic "t" */
	0x00, 0x00, 0x00, 0x02, /*   partition_result: count 2 */
	0x00, 0x00, 0x00, 0x00, /*     partition_id 0 */
	0x00, 0x00,             /*     error_code 0 */
	0xff, 0xff,             /*     error_message null */
	0x00, 0x00, 0x00, 0x01, /*     partition_id 1 */
	0x00, 0x54,             /*     error_code 84 ELECTION_NOT_NEEDED */
	0x00, 0x02, 'o', 'k',   /*     error_message "ok" */
};

#endif
