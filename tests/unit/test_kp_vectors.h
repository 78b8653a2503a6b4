/*
 * Byte-exact Kafka protocol vectors shared by the test_kp_* binaries,
 * worked out by hand from Apache Kafka 3.4's message schemas
 * (clients/src/main/resources/common/message/, one JSON file per message) and the protocol
 * guide's primitive types: integers big-endian, STRING = i16 length + bytes,
 * NULLABLE_STRING null = length -1, BYTES = i32 length + bytes, ARRAY = i32
 * count + elements (-1 null), COMPACT_STRING / COMPACT_ARRAY = uvarint
 * (length + 1), tagged fields = uvarint count then (tag, size, bytes).
 * Each vector is a frame body (what follows the i32 size on the wire).
 */
#ifndef KSIM_TEST_KP_VECTORS_H
#define KSIM_TEST_KP_VECTORS_H

#include <stdint.h>

/* ApiVersions v3 request as librdkafka 2.0.2 sends it with default config
 * (client.id "rdkafka", client.software.name "librdkafka",
 * client.software.version its own version). 36 bytes. */
static const uint8_t vec_api_versions_v3_request[] = {
	/* request header v2 (ApiVersions v3 is flexible) */
	0x00, 0x12,             /* api_key 18 = ApiVersions */
	0x00, 0x03,             /* api_version 3 */
	0x00, 0x00, 0x00, 0x01, /* correlation_id 1 */
	0x00, 0x07,             /* client_id: i16 length 7, even in header v2 */
	'r', 'd', 'k', 'a', 'f', 'k', 'a',
	0x00, /* header tagged fields: count 0 */
	/* body */
	0x0b, /* client_software_name: COMPACT_STRING, uvarint 10 + 1 = 11 */
	'l', 'i', 'b', 'r', 'd', 'k', 'a', 'f', 'k', 'a',
	0x06, /* client_software_version: uvarint 5 + 1 = 6 */
	'2', '.', '0', '.', '2',
	0x00, /* body tagged fields: count 0 */
};

/* ApiVersions v3 response to the request above, with response header v0
 * (no tagged-field byte after correlation_id, KIP-511). 26 bytes. */
static const uint8_t vec_api_versions_v3_response[] = {
	/* response header v0 */
	0x00, 0x00, 0x00, 0x01, /* correlation_id 1 */
	/* body */
	0x00, 0x00, /* error_code 0 NONE */
	0x03,       /* api_keys: COMPACT_ARRAY, uvarint 2 + 1 = 3 */
	0x00, 0x12, /*   [0] api_key 18 ApiVersions */
	0x00, 0x00, /*       min_version 0 */
	0x00, 0x03, /*       max_version 3 */
	0x00,       /*       element tagged fields: 0 */
	0x00, 0x03, /*   [1] api_key 3 Metadata */
	0x00, 0x00, /*       min_version 0 */
	0x00, 0x04, /*       max_version 4 */
	0x00,       /*       element tagged fields: 0 */
	0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
	0x00,                   /* body tagged fields: 0 */
};

/* The same response as a Kafka 3.4 broker could send it, carrying tag 1
 * (FinalizedFeaturesEpoch, int64) that ksim does not model: a decoder must
 * skip it. The last byte of the vector above becomes 01 01 08 + 8 bytes. */
static const uint8_t vec_api_versions_v3_response_tagged[] = {
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x03,
	0x00, 0x12, 0x00, 0x00, 0x00, 0x03, 0x00,
	0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00,
	0x00, 0x00, 0x00, 0x00,
	0x01,                                           /* 1 tagged field */
	0x01,                                           /* tag 1 */
	0x08,                                           /* size 8 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, /* epoch 5, skipped */
};

/* Metadata v4 request for topic "orders", no auto-creation. 30 bytes. */
static const uint8_t vec_metadata_v4_request[] = {
	/* request header v1 (Metadata v4 is not flexible) */
	0x00, 0x03,             /* api_key 3 = Metadata */
	0x00, 0x04,             /* api_version 4 */
	0x00, 0x00, 0x00, 0x02, /* correlation_id 2 */
	0x00, 0x07, 'r', 'd', 'k', 'a', 'f', 'k', 'a', /* client_id */
	/* body */
	0x00, 0x00, 0x00, 0x01, /* topics: ARRAY count 1 */
	0x00, 0x06, 'o', 'r', 'd', 'e', 'r', 's', /* [0] name "orders" */
	0x00, /* allow_auto_topic_creation false */
};

/* Metadata v4 request for all topics (null array), auto-creation on. */
static const uint8_t vec_metadata_v4_request_all[] = {
	0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x00, 0x09,
	0xff, 0xff,             /* client_id null */
	0xff, 0xff, 0xff, 0xff, /* topics: count -1 = null = all topics */
	0x01,                   /* allow_auto_topic_creation true */
};

/* Metadata v4 response: one broker, one topic with one partition. */
static const uint8_t vec_metadata_v4_response[] = {
	/* response header v0 */
	0x00, 0x00, 0x00, 0x02, /* correlation_id 2 */
	/* body */
	0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
	0x00, 0x00, 0x00, 0x01, /* brokers: count 1 */
	0x00, 0x00, 0x00, 0x01, /*   node_id 1 */
	0x00, 0x02, 'b', '1',   /*   host "b1" */
	0x00, 0x00, 0x23, 0x84, /*   port 9092 = 0x2384 */
	0xff, 0xff,             /*   rack null */
	0x00, 0x04, 'k', 's', 'i', 'm', /* cluster_id "ksim" */
	0x00, 0x00, 0x00, 0x01, /* controller_id 1 */
	0x00, 0x00, 0x00, 0x01, /* topics: count 1 */
	0x00, 0x00,             /*   error_code 0 */
	0x00, 0x06, 'o', 'r', 'd', 'e', 'r', 's', /* name "orders" */
	0x00,                   /*   is_internal false */
	0x00, 0x00, 0x00, 0x01, /*   partitions: count 1 */
	0x00, 0x00,             /*     error_code 0 */
	0x00, 0x00, 0x00, 0x00, /*     partition_index 0 */
	0x00, 0x00, 0x00, 0x01, /*     leader_id 1 */
	0x00, 0x00, 0x00, 0x02, /*     replica_nodes: count 2 */
	0x00, 0x00, 0x00, 0x01, /*       1 */
	0x00, 0x00, 0x00, 0x02, /*       2 */
	0x00, 0x00, 0x00, 0x01, /*     isr_nodes: count 1 */
	0x00, 0x00, 0x00, 0x01, /*       1 */
};

/* Produce v7 request, acks=all, one partition carrying a 5-byte opaque
 * record blob (the codec does not look inside records). */
static const uint8_t vec_produce_v7_request[] = {
	/* request header v1 */
	0x00, 0x00,             /* api_key 0 = Produce */
	0x00, 0x07,             /* api_version 7 */
	0x00, 0x00, 0x00, 0x03, /* correlation_id 3 */
	0x00, 0x07, 'r', 'd', 'k', 'a', 'f', 'k', 'a', /* client_id */
	/* body */
	0xff, 0xff,             /* transactional_id null */
	0xff, 0xff,             /* acks -1 (all) */
	0x00, 0x00, 0x75, 0x30, /* timeout_ms 30000 = 0x7530 */
	0x00, 0x00, 0x00, 0x01, /* topics: count 1 */
	0x00, 0x06, 'o', 'r', 'd', 'e', 'r', 's', /* name "orders" */
	0x00, 0x00, 0x00, 0x01, /*   partitions: count 1 */
	0x00, 0x00, 0x00, 0x00, /*     index 0 */
	0x00, 0x00, 0x00, 0x05, /*     records: BYTES length 5 */
	0xde, 0xad, 0xbe, 0xef, 0x01,
};

/* Produce v7 response: throttle_time_ms comes LAST. */
static const uint8_t vec_produce_v7_response[] = {
	/* response header v0 */
	0x00, 0x00, 0x00, 0x03, /* correlation_id 3 */
	/* body */
	0x00, 0x00, 0x00, 0x01, /* responses: count 1 */
	0x00, 0x06, 'o', 'r', 'd', 'e', 'r', 's', /* name "orders" */
	0x00, 0x00, 0x00, 0x01, /*   partitions: count 1 */
	0x00, 0x00, 0x00, 0x00, /*     index 0 */
	0x00, 0x00,             /*     error_code 0 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, /* base_offset 42 */
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* log_append_time_ms -1 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* log_start_offset 0 */
	0x00, 0x00, 0x00, 0x07, /* throttle_time_ms 7, last */
};

/* Fetch v11 request as a read_committed consumer sends it. */
static const uint8_t vec_fetch_v11_request[] = {
	/* request header v1 */
	0x00, 0x01,             /* api_key 1 = Fetch */
	0x00, 0x0b,             /* api_version 11 */
	0x00, 0x00, 0x00, 0x04, /* correlation_id 4 */
	0x00, 0x07, 'r', 'd', 'k', 'a', 'f', 'k', 'a', /* client_id */
	/* body */
	0xff, 0xff, 0xff, 0xff, /* replica_id -1 (a consumer) */
	0x00, 0x00, 0x01, 0xf4, /* max_wait_ms 500 = 0x1f4 */
	0x00, 0x00, 0x00, 0x01, /* min_bytes 1 */
	0x03, 0x20, 0x00, 0x00, /* max_bytes 52428800 = 0x03200000 */
	0x01,                   /* isolation_level 1 read_committed */
	0x00, 0x00, 0x00, 0x00, /* session_id 0 */
	0xff, 0xff, 0xff, 0xff, /* session_epoch -1 (no session) */
	0x00, 0x00, 0x00, 0x01, /* topics: count 1 */
	0x00, 0x06, 'o', 'r', 'd', 'e', 'r', 's', /* topic "orders" */
	0x00, 0x00, 0x00, 0x01, /*   partitions: count 1 */
	0x00, 0x00, 0x00, 0x00, /*     partition 0 */
	0x00, 0x00, 0x00, 0x05, /*     current_leader_epoch 5 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, /* fetch_offset 10 */
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* log_start_offset -1 */
	0x00, 0x10, 0x00, 0x00, /*     partition_max_bytes 1048576 */
	0x00, 0x00, 0x00, 0x00, /* forgotten_topics_data: count 0 */
	0x00, 0x00,             /* rack_id "" */
};

/* Fetch v11 response: throttle_time_ms FIRST, an empty (not null)
 * aborted_transactions list, and 3 opaque record bytes. */
static const uint8_t vec_fetch_v11_response[] = {
	/* response header v0 */
	0x00, 0x00, 0x00, 0x04, /* correlation_id 4 */
	/* body */
	0x00, 0x00, 0x00, 0x05, /* throttle_time_ms 5, first */
	0x00, 0x00,             /* error_code 0 */
	0x00, 0x00, 0x00, 0x00, /* session_id 0 */
	0x00, 0x00, 0x00, 0x01, /* responses: count 1 */
	0x00, 0x06, 'o', 'r', 'd', 'e', 'r', 's', /* topic "orders" */
	0x00, 0x00, 0x00, 0x01, /*   partitions: count 1 */
	0x00, 0x00, 0x00, 0x00, /*     partition_index 0 */
	0x00, 0x00,             /*     error_code 0 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, /* high_watermark 10 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, /* last_stable_offset 10 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* log_start_offset 0 */
	0x00, 0x00, 0x00, 0x00, /*     aborted_transactions: count 0 (empty) */
	0xff, 0xff, 0xff, 0xff, /*     preferred_read_replica -1 */
	0x00, 0x00, 0x00, 0x03, /*     records: length 3 */
	0xaa, 0xbb, 0xcc,
};

/* ListOffsets v2 request for the latest offset of orders/0. */
static const uint8_t vec_list_offsets_v2_request[] = {
	0x00, 0x02,             /* api_key 2 = ListOffsets */
	0x00, 0x02,             /* api_version 2 */
	0x00, 0x00, 0x00, 0x05, /* correlation_id 5 */
	0x00, 0x07, 'r', 'd', 'k', 'a', 'f', 'k', 'a', /* client_id */
	0xff, 0xff, 0xff, 0xff, /* replica_id -1 */
	0x01,                   /* isolation_level 1 */
	0x00, 0x00, 0x00, 0x01, /* topics: count 1 */
	0x00, 0x06, 'o', 'r', 'd', 'e', 'r', 's', /* name "orders" */
	0x00, 0x00, 0x00, 0x01, /*   partitions: count 1 */
	0x00, 0x00, 0x00, 0x00, /*     partition_index 0 */
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* timestamp -1 latest */
};

/* InitProducerId v1 request from an idempotent (not transactional)
 * producer. */
static const uint8_t vec_init_producer_id_v1_request[] = {
	0x00, 0x16,             /* api_key 22 = InitProducerId */
	0x00, 0x01,             /* api_version 1 */
	0x00, 0x00, 0x00, 0x06, /* correlation_id 6 */
	0x00, 0x07, 'r', 'd', 'k', 'a', 'f', 'k', 'a', /* client_id */
	0xff, 0xff,             /* transactional_id null */
	0x00, 0x00, 0xea, 0x60, /* transaction_timeout_ms 60000 = 0xea60 */
};

/* CreateTopics v4 request: "t" with 3 partitions, replication factor 2, no
 * manual assignment, one config (cleanup.policy=compact). */
static const uint8_t vec_create_topics_v4_request[] = {
	0x00, 0x13,             /* api_key 19 = CreateTopics */
	0x00, 0x04,             /* api_version 4 */
	0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
	0xff, 0xff,             /* client_id null */
	0x00, 0x00, 0x00, 0x01, /* topics: count 1 */
	0x00, 0x01, 't',        /*   name "t" */
	0x00, 0x00, 0x00, 0x03, /*   num_partitions 3 */
	0x00, 0x02,             /*   replication_factor 2 */
	0x00, 0x00, 0x00, 0x00, /*   assignments: count 0 */
	0x00, 0x00, 0x00, 0x01, /*   configs: count 1 */
	0x00, 0x0e, 'c', 'l', 'e', 'a', 'n', 'u', 'p', '.', 'p', 'o', 'l', 'i', 'c', 'y',
	0x00, 0x07, 'c', 'o', 'm', 'p', 'a', 'c', 't',
	0x00, 0x00, 0x75, 0x30, /* timeout_ms 30000 */
	0x00,                   /* validate_only false */
};

/* JoinGroup v5 request: a consumer's first join of group "g" (empty
 * member_id, no static membership), one "range" protocol with a 3-byte
 * opaque metadata blob. */
static const uint8_t vec_join_group_v5_request[] = {
	0x00, 0x0b,             /* api_key 11 = JoinGroup */
	0x00, 0x05,             /* api_version 5 */
	0x00, 0x00, 0x00, 0x08, /* correlation_id 8 */
	0x00, 0x07, 'r', 'd', 'k', 'a', 'f', 'k', 'a', /* client_id */
	0x00, 0x01, 'g',        /* group_id "g" */
	0x00, 0x00, 0x27, 0x10, /* session_timeout_ms 10000 = 0x2710 */
	0x00, 0x04, 0x93, 0xe0, /* rebalance_timeout_ms 300000 = 0x493e0 */
	0x00, 0x00,             /* member_id "" */
	0xff, 0xff,             /* group_instance_id null */
	0x00, 0x08, 'c', 'o', 'n', 's', 'u', 'm', 'e', 'r', /* protocol_type */
	0x00, 0x00, 0x00, 0x01, /* protocols: count 1 */
	0x00, 0x05, 'r', 'a', 'n', 'g', 'e', /* name "range" */
	0x00, 0x00, 0x00, 0x03, /*   metadata: BYTES length 3 */
	0x00, 0x01, 0x02,
};

/* OffsetCommit v5 request: commit offset 100 with null metadata for g's
 * orders/0 at generation 1. */
static const uint8_t vec_offset_commit_v5_request[] = {
	0x00, 0x08,             /* api_key 8 = OffsetCommit */
	0x00, 0x05,             /* api_version 5 */
	0x00, 0x00, 0x00, 0x09, /* correlation_id 9 */
	0x00, 0x07, 'r', 'd', 'k', 'a', 'f', 'k', 'a', /* client_id */
	0x00, 0x01, 'g',        /* group_id "g" */
	0x00, 0x00, 0x00, 0x01, /* generation_id 1 */
	0x00, 0x02, 'm', '1',   /* member_id "m1" */
	0x00, 0x00, 0x00, 0x01, /* topics: count 1 */
	0x00, 0x06, 'o', 'r', 'd', 'e', 'r', 's', /* name "orders" */
	0x00, 0x00, 0x00, 0x01, /*   partitions: count 1 */
	0x00, 0x00, 0x00, 0x00, /*     partition_index 0 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, /* committed_offset 100 */
	0xff, 0xff,             /*     committed_metadata null */
};

/* OffsetFetch v4 response: orders/0 has offset 100 committed with metadata
 * "" and no error; the top-level error_code comes after the topics. */
static const uint8_t vec_offset_fetch_v4_response[] = {
	0x00, 0x00, 0x00, 0x0a, /* response header v0: correlation_id 10 */
	0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
	0x00, 0x00, 0x00, 0x01, /* topics: count 1 */
	0x00, 0x06, 'o', 'r', 'd', 'e', 'r', 's', /* name "orders" */
	0x00, 0x00, 0x00, 0x01, /*   partitions: count 1 */
	0x00, 0x00, 0x00, 0x00, /*     partition_index 0 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, /* committed_offset 100 */
	0x00, 0x00,             /*     metadata "" */
	0x00, 0x00,             /*     error_code 0 */
	0x00, 0x00,             /* error_code 0 (top level) */
};

/* FindCoordinator v2 response: the coordinator of "g" is broker 2 at
 * b2:9093. */
static const uint8_t vec_find_coordinator_v2_response[] = {
	0x00, 0x00, 0x00, 0x0b, /* response header v0: correlation_id 11 */
	0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
	0x00, 0x00,             /* error_code 0 */
	0xff, 0xff,             /* error_message null */
	0x00, 0x00, 0x00, 0x02, /* node_id 2 */
	0x00, 0x02, 'b', '2',   /* host "b2" */
	0x00, 0x00, 0x23, 0x85, /* port 9093 = 0x2385 */
};

#endif
