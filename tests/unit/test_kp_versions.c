/*
 * Unit tests for broker/kp's version ranges: for every layout of every
 * client API version served (Kafka 3.4 message schemas, field by field),
 * a frame written by hand decodes at each version sharing that layout,
 * encodes back to the same bytes, and fails at every other served version;
 * every truncation of it fails cleanly, and a byte more is refused. A few
 * field checks pin the defaults of fields a version lacks.
 *
 * Integers are big-endian: the B16/B32/B64 macros below only split a value
 * into its bytes; the field order and presence are written out by hand
 * from the schemas. Request vectors carry request header v1 written for
 * version `lo` (byte 3 is patched for the other versions); response vectors
 * carry response header v0 (correlation_id only).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "broker/kp/kp_error.h"
#include "broker/kp/kp_message.h"

#define B16(v) (uint8_t)(((v) >> 8) & 0xff), (uint8_t)((v) & 0xff)
#define B32(v) B16((v) >> 16), B16(v)
#define B64(v) B32((int64_t)(v) >> 32), B32(v)
/* Request header v1: api_key, api_version, correlation_id 7, client_id "kp". */
#define HDR(api, ver) B16(api), B16(ver), B32(7), B16(2), 'k', 'p'
/* Response header v0. */
#define RHDR B32(7)
#define STR_T B16(1), 't'
#define STR_G B16(1), 'g'
#define STR_M B16(1), 'm'
#define NULL_STR B16(-1)

/* ---- Metadata (3) ---------------------------------------------------------------- */

/* v0: topics ARRAY of STRING, not nullable. */
static const uint8_t md_req_v0[] = {HDR(3, 0), B32(1), STR_T};
/* v0: an empty array asks for all topics. */
static const uint8_t md_req_v0_all[] = {HDR(3, 0), B32(0)};
/* v1-3: topics nullable; null = all topics. */
static const uint8_t md_req_v1_null[] = {HDR(3, 1), B32(-1)};
/* v4-6: + allow_auto_topic_creation. */
static const uint8_t md_req_v4[] = {HDR(3, 4), B32(1), STR_T, 0x00};

#define MD_BROKER_V0 B32(1), B16(2), 'b', '1', B32(9092)
#define MD_PART_V0 B16(0), B32(0), B32(1), B32(1), B32(1), B32(1), B32(1)
/* v0: brokers (node_id, host, port), topics (error, name, partitions
 * (error, index, leader, replicas, isr)). */
static const uint8_t md_resp_v0[] = {RHDR, B32(1), MD_BROKER_V0,
				     B32(1), B16(0), STR_T, B32(1), MD_PART_V0};
/* v1: + broker rack, controller_id, topic is_internal. */
static const uint8_t md_resp_v1[] = {RHDR, B32(1), MD_BROKER_V0, NULL_STR, B32(1),
				     B32(1), B16(0), STR_T, 0x00, B32(1), MD_PART_V0};
/* v2: + cluster_id between brokers and controller_id. */
static const uint8_t md_resp_v2[] = {RHDR, B32(1), MD_BROKER_V0, NULL_STR,
				     B16(4), 'k', 's', 'i', 'm', B32(1),
				     B32(1), B16(0), STR_T, 0x00, B32(1), MD_PART_V0};
/* v3-4: + throttle_time_ms first. */
static const uint8_t md_resp_v3[] = {RHDR, B32(0), B32(1), MD_BROKER_V0, NULL_STR,
				     B16(4), 'k', 's', 'i', 'm', B32(1),
				     B32(1), B16(0), STR_T, 0x00, B32(1), MD_PART_V0};
/* v5-6: + offline_replicas per partition (here [2]). */
static const uint8_t md_resp_v5[] = {RHDR, B32(0), B32(1), MD_BROKER_V0, NULL_STR,
				     B16(4), 'k', 's', 'i', 'm', B32(1),
				     B32(1), B16(0), STR_T, 0x00, B32(1), MD_PART_V0, B32(1), B32(2)};

/* ---- Produce (0) ----------------------------------------------------------------- */

/* v3-7: transactional_id, acks, timeout_ms, topics (name, partitions
 * (index, records)). */
static const uint8_t pr_req_v3[] = {HDR(0, 3), NULL_STR, B16(-1), B32(1000),
				    B32(1), STR_T, B32(1), B32(0), B32(3), 1, 2, 3};
/* v3-4: partitions (index, error, base_offset, log_append_time), throttle. */
static const uint8_t pr_resp_v3[] = {RHDR, B32(1), STR_T, B32(1), B32(0), B16(0), B64(5),
				     B64(-1), B32(0)};
/* v5-7: + log_start_offset. */
static const uint8_t pr_resp_v5[] = {RHDR, B32(1), STR_T, B32(1), B32(0), B16(0), B64(5),
				     B64(-1), B64(2), B32(0)};

/* ---- Fetch (1) ------------------------------------------------------------------- */

#define FE_HEAD B32(-1), B32(500), B32(1), B32(0x03200000), 0x01
/* v4: replica_id, max_wait, min_bytes, max_bytes, isolation_level, topics
 * (topic, partitions (partition, fetch_offset, partition_max_bytes)). */
static const uint8_t fe_req_v4[] = {HDR(1, 4), FE_HEAD, B32(1), STR_T, B32(1),
				    B32(0), B64(5), B32(0x00100000)};
/* v5-6: + log_start_offset after fetch_offset. */
static const uint8_t fe_req_v5[] = {HDR(1, 5), FE_HEAD, B32(1), STR_T, B32(1),
				    B32(0), B64(5), B64(-1), B32(0x00100000)};
/* v7-8: + session_id, session_epoch; forgotten_topics_data after topics. */
static const uint8_t fe_req_v7[] = {HDR(1, 7), FE_HEAD, B32(0), B32(-1), B32(1), STR_T, B32(1),
				    B32(0), B64(5), B64(-1), B32(0x00100000), B32(0)};
/* v9-10: + current_leader_epoch after partition. */
static const uint8_t fe_req_v9[] = {HDR(1, 9), FE_HEAD, B32(0), B32(-1), B32(1), STR_T, B32(1),
				    B32(0), B32(3), B64(5), B64(-1), B32(0x00100000), B32(0)};
/* v11: + rack_id. */
static const uint8_t fe_req_v11[] = {HDR(1, 11), FE_HEAD, B32(0), B32(-1), B32(1), STR_T, B32(1),
				     B32(0), B32(3), B64(5), B64(-1), B32(0x00100000), B32(1),
				     STR_T, B32(1), B32(4), B16(2), 'r', '1'};

/* v4: throttle, responses (topic, partitions (index, error, hw,
 * last_stable_offset, aborted_transactions, records)). */
static const uint8_t fe_resp_v4[] = {RHDR, B32(0), B32(1), STR_T, B32(1), B32(0), B16(0),
				     B64(10), B64(10), B32(0), B32(-1)};
/* v5-6: + log_start_offset after last_stable_offset. */
static const uint8_t fe_resp_v5[] = {RHDR, B32(0), B32(1), STR_T, B32(1), B32(0), B16(0),
				     B64(10), B64(10), B64(0), B32(0), B32(-1)};
/* v7-10: + error_code and session_id after throttle. Aborted list with one
 * entry (producer 9 from offset 4) to pin its layout. */
static const uint8_t fe_resp_v7[] = {RHDR, B32(0), B16(0), B32(0), B32(1), STR_T, B32(1),
				     B32(0), B16(0), B64(10), B64(10), B64(0), B32(1), B64(9),
				     B64(4), B32(2), 0xab, 0xcd};
/* v11: + preferred_read_replica before records. */
static const uint8_t fe_resp_v11[] = {RHDR, B32(0), B16(0), B32(0), B32(1), STR_T, B32(1),
				      B32(0), B16(0), B64(10), B64(10), B64(0), B32(0), B32(-1),
				      B32(-1)};

/* ---- ListOffsets (2) ------------------------------------------------------------- */

/* v1: replica_id, topics (name, partitions (index, timestamp)). */
static const uint8_t lo_req_v1[] = {HDR(2, 1), B32(-1), B32(1), STR_T, B32(1), B32(0),
				    B64(-1)};
/* v2-3: + isolation_level. */
static const uint8_t lo_req_v2[] = {HDR(2, 2), B32(-1), 0x01, B32(1), STR_T, B32(1), B32(0),
				    B64(-2)};
/* v1: topics (name, partitions (index, error, timestamp, offset)). */
static const uint8_t lo_resp_v1[] = {RHDR, B32(1), STR_T, B32(1), B32(0), B16(0), B64(-1),
				     B64(3)};
/* v2-3: + throttle first. */
static const uint8_t lo_resp_v2[] = {RHDR, B32(0), B32(1), STR_T, B32(1), B32(0), B16(0),
				     B64(-1), B64(3)};

/* ---- FindCoordinator (10) -------------------------------------------------------- */

static const uint8_t fc_req_v0[] = {HDR(10, 0), STR_G};
static const uint8_t fc_req_v1[] = {HDR(10, 1), STR_G, 0x00};
/* v0: error, node_id, host, port. */
static const uint8_t fc_resp_v0[] = {RHDR, B16(0), B32(1), B16(2), 'b', '1', B32(9092)};
/* v1-2: throttle, error, error_message, node_id, host, port. */
static const uint8_t fc_resp_v1[] = {RHDR, B32(0), B16(0), NULL_STR, B32(1), B16(2), 'b', '1',
				     B32(9092)};

/* ---- JoinGroup (11) -------------------------------------------------------------- */

#define JG_PROTOS B16(8), 'c', 'o', 'n', 's', 'u', 'm', 'e', 'r', B32(1), \
	B16(5), 'r', 'a', 'n', 'g', 'e', B32(2), 0xaa, 0xbb
/* v0: group_id, session_timeout, member_id, protocol_type, protocols. */
static const uint8_t jg_req_v0[] = {HDR(11, 0), STR_G, B32(10000), B16(0), JG_PROTOS};
/* v1-4: + rebalance_timeout after session_timeout. */
static const uint8_t jg_req_v1[] = {HDR(11, 1), STR_G, B32(10000), B32(60000), B16(0),
				    JG_PROTOS};
/* v5: + group_instance_id after member_id. */
static const uint8_t jg_req_v5[] = {HDR(11, 5), STR_G, B32(10000), B32(60000), B16(0),
				    NULL_STR, JG_PROTOS};
#define JG_RESP_HEAD B16(0), B32(1), B16(5), 'r', 'a', 'n', 'g', 'e', STR_M, STR_M
/* v0-1: error, generation, protocol_name, leader, member_id, members
 * (member_id, metadata). */
static const uint8_t jg_resp_v0[] = {RHDR, JG_RESP_HEAD, B32(1), STR_M, B32(1), 0xaa};
/* v2-4: + throttle first. */
static const uint8_t jg_resp_v2[] = {RHDR, B32(0), JG_RESP_HEAD, B32(1), STR_M, B32(1), 0xaa};
/* v5: + members' group_instance_id. */
static const uint8_t jg_resp_v5[] = {RHDR, B32(0), JG_RESP_HEAD, B32(1), STR_M, NULL_STR,
				     B32(1), 0xaa};

/* ---- SyncGroup (14) -------------------------------------------------------------- */

/* v0-2: group_id, generation, member_id, assignments (member_id, bytes). */
static const uint8_t sg_req_v0[] = {HDR(14, 0), STR_G, B32(1), STR_M, B32(1), STR_M, B32(1),
				    0xcc};
/* v3: + group_instance_id after member_id. */
static const uint8_t sg_req_v3[] = {HDR(14, 3), STR_G, B32(1), STR_M, NULL_STR, B32(1), STR_M,
				    B32(1), 0xcc};
static const uint8_t sg_resp_v0[] = {RHDR, B16(0), B32(1), 0xcc};
static const uint8_t sg_resp_v1[] = {RHDR, B32(0), B16(0), B32(1), 0xcc};

/* ---- Heartbeat (12) and LeaveGroup (13) ------------------------------------------ */

static const uint8_t hb_req_v0[] = {HDR(12, 0), STR_G, B32(1), STR_M};
static const uint8_t hb_req_v3[] = {HDR(12, 3), STR_G, B32(1), STR_M, NULL_STR};
static const uint8_t ack_resp_v0[] = {RHDR, B16(25)};
static const uint8_t ack_resp_v1[] = {RHDR, B32(0), B16(25)};
static const uint8_t lg_req_v0[] = {HDR(13, 0), STR_G, STR_M};

/* ---- OffsetCommit (8) ------------------------------------------------------------ */

/* v1: group_id, generation, member_id, topics (name, partitions (index,
 * offset, commit_timestamp, metadata)). */
static const uint8_t oc_req_v1[] = {HDR(8, 1), STR_G, B32(1), STR_M, B32(1), STR_T, B32(1),
				    B32(0), B64(5), B64(-1), NULL_STR};
/* v2-4: + retention_time_ms; no commit_timestamp. */
static const uint8_t oc_req_v2[] = {HDR(8, 2), STR_G, B32(1), STR_M, B64(-1), B32(1), STR_T,
				    B32(1), B32(0), B64(5), NULL_STR};
/* v5: no retention_time_ms. */
static const uint8_t oc_req_v5[] = {HDR(8, 5), STR_G, B32(1), STR_M, B32(1), STR_T, B32(1),
				    B32(0), B64(5), NULL_STR};
static const uint8_t oc_resp_v1[] = {RHDR, B32(1), STR_T, B32(1), B32(0), B16(0)};
static const uint8_t oc_resp_v3[] = {RHDR, B32(0), B32(1), STR_T, B32(1), B32(0), B16(0)};

/* ---- OffsetFetch (9) ------------------------------------------------------------- */

/* v1-4: group_id, topics (name, partition_indexes). */
static const uint8_t of_req_v1[] = {HDR(9, 1), STR_G, B32(1), STR_T, B32(1), B32(0)};
/* v2-4: topics may be null (every partition of the group). */
static const uint8_t of_req_v2_null[] = {HDR(9, 2), STR_G, B32(-1)};
#define OF_TOPICS B32(1), STR_T, B32(1), B32(0), B64(5), B16(0), B16(0)
/* v1: topics (name, partitions (index, offset, metadata, error)). */
static const uint8_t of_resp_v1[] = {RHDR, OF_TOPICS};
/* v2: + top-level error_code after the topics. */
static const uint8_t of_resp_v2[] = {RHDR, OF_TOPICS, B16(0)};
/* v3-4: + throttle first. */
static const uint8_t of_resp_v3[] = {RHDR, B32(0), OF_TOPICS, B16(0)};

/* ---- InitProducerId (22) and CreateTopics (19) ----------------------------------- */

static const uint8_t ip_req_v0[] = {HDR(22, 0), NULL_STR, B32(60000)};
static const uint8_t ip_resp_v0[] = {RHDR, B32(0), B16(0), B64(1000), B16(0)};
/* v0: topics (name, num_partitions, replication_factor, assignments,
 * configs), timeout_ms. */
static const uint8_t ct_req_v0[] = {HDR(19, 0), B32(1), STR_T, B32(3), B16(1), B32(0), B32(0),
				    B32(5000)};
/* v1-4: + validate_only. */
static const uint8_t ct_req_v1[] = {HDR(19, 1), B32(1), STR_T, B32(3), B16(1), B32(0), B32(0),
				    B32(5000), 0x00};
static const uint8_t ct_resp_v0[] = {RHDR, B32(1), STR_T, B16(36)};
static const uint8_t ct_resp_v1[] = {RHDR, B32(1), STR_T, B16(36), NULL_STR};
static const uint8_t ct_resp_v2[] = {RHDR, B32(0), B32(1), STR_T, B16(36), NULL_STR};

/* ---- Field checks: defaults of fields a version lacks ----------------------------- */

static void chk_md_req_all(const void *m)
{
	const struct kp_metadata_request *q = &((const struct kp_request *)m)->body.metadata;
	assert_int_equal(q->topic_count, -1);
	assert_true(q->allow_auto_topic_creation); /* Kafka's default before v4 */
}

static void chk_md_req_v4(const void *m)
{
	const struct kp_metadata_request *q = &((const struct kp_request *)m)->body.metadata;
	assert_int_equal(q->topic_count, 1);
	assert_false(q->allow_auto_topic_creation);
}

static void chk_md_resp_v0(const void *m)
{
	const struct kp_metadata_response *p = &((const struct kp_response *)m)->body.metadata;
	assert_int_equal(p->controller_id, -1);
	assert_int_equal(p->brokers[0].rack.len, -1);
	assert_int_equal(p->brokers[0].port, 9092);
	assert_int_equal(p->cluster_id.len, -1);
	assert_int_equal(p->topics[0].partitions[0].isr_nodes[0], 1);
}

static void chk_md_resp_v5(const void *m)
{
	const struct kp_metadata_response *p = &((const struct kp_response *)m)->body.metadata;
	assert_true(kp_str_eq(p->cluster_id, "ksim"));
	assert_int_equal(p->controller_id, 1);
	assert_int_equal(p->topics[0].partitions[0].offline_count, 1);
	assert_int_equal(p->topics[0].partitions[0].offline_replicas[0], 2);
}

static void chk_pr_resp_v3(const void *m)
{
	const struct kp_produce_response *p = &((const struct kp_response *)m)->body.produce;
	assert_true(p->topics[0].partitions[0].base_offset == 5);
	assert_true(p->topics[0].partitions[0].log_start_offset == -1);
}

static void chk_fe_req_v4(const void *m)
{
	const struct kp_fetch_request *q = &((const struct kp_request *)m)->body.fetch;
	assert_int_equal(q->isolation_level, 1);
	assert_int_equal(q->max_bytes, 0x03200000);
	assert_int_equal(q->session_id, 0);
	assert_int_equal(q->session_epoch, -1); /* no fetch session */
	assert_int_equal(q->forgotten_count, 0);
	assert_true(kp_str_eq(q->rack_id, ""));
	const struct kp_fetch_partition *p = &q->topics[0].partitions[0];
	assert_true(p->fetch_offset == 5);
	assert_int_equal(p->current_leader_epoch, -1);
	assert_true(p->log_start_offset == -1);
	assert_int_equal(p->partition_max_bytes, 0x00100000);
}

static void chk_fe_req_v11(const void *m)
{
	const struct kp_fetch_request *q = &((const struct kp_request *)m)->body.fetch;
	assert_int_equal(q->topics[0].partitions[0].current_leader_epoch, 3);
	assert_int_equal(q->forgotten_count, 1);
	assert_int_equal(q->forgotten[0].partitions[0], 4);
	assert_true(kp_str_eq(q->rack_id, "r1"));
}

static void chk_fe_resp_v4(const void *m)
{
	const struct kp_fetch_response *p = &((const struct kp_response *)m)->body.fetch;
	const struct kp_fetch_partition_response *x = &p->topics[0].partitions[0];
	assert_true(x->high_watermark == 10 && x->last_stable_offset == 10);
	assert_true(x->log_start_offset == -1);
	assert_int_equal(x->aborted_count, 0); /* empty, not null */
	assert_int_equal(x->preferred_read_replica, -1);
	assert_int_equal(x->records.len, -1);
}

static void chk_fe_resp_v7(const void *m)
{
	const struct kp_fetch_response *p = &((const struct kp_response *)m)->body.fetch;
	const struct kp_fetch_partition_response *x = &p->topics[0].partitions[0];
	assert_int_equal(x->aborted_count, 1);
	assert_true(x->aborted[0].producer_id == 9 && x->aborted[0].first_offset == 4);
	assert_int_equal(x->records.len, 2);
}

static void chk_lo_req_v1(const void *m)
{
	const struct kp_list_offsets_request *q =
		&((const struct kp_request *)m)->body.list_offsets;
	assert_int_equal(q->isolation_level, 0);
	assert_true(q->topics[0].partitions[0].timestamp == KP_LIST_OFFSETS_LATEST);
}

static void chk_fc_req_v0(const void *m)
{
	const struct kp_find_coordinator_request *q =
		&((const struct kp_request *)m)->body.find_coordinator;
	assert_true(kp_str_eq(q->key, "g"));
	assert_int_equal(q->key_type, 0);
}

static void chk_jg_req_v0(const void *m)
{
	const struct kp_join_group_request *q = &((const struct kp_request *)m)->body.join_group;
	assert_int_equal(q->session_timeout_ms, 10000);
	assert_int_equal(q->rebalance_timeout_ms, 10000); /* as Kafka's JoinGroupRequest */
	assert_int_equal(q->group_instance_id.len, -1);
	assert_int_equal(q->protocols[0].metadata.len, 2);
}

static void chk_oc_req(const void *m)
{
	const struct kp_offset_commit_request *q =
		&((const struct kp_request *)m)->body.offset_commit;
	assert_int_equal(q->generation_id, 1);
	assert_true(kp_str_eq(q->member_id, "m"));
	assert_true(q->topics[0].partitions[0].committed_offset == 5);
	assert_int_equal(q->topics[0].partitions[0].committed_metadata.len, -1);
}

static void chk_of_req_null(const void *m)
{
	assert_int_equal(((const struct kp_request *)m)->body.offset_fetch.topic_count, -1);
}

static void chk_ack(const void *m)
{
	assert_int_equal(((const struct kp_response *)m)->body.heartbeat.error_code,
			 KP_ERR_UNKNOWN_MEMBER_ID);
}

/* ---- The table ------------------------------------------------------------------------ */

struct vec {
	const char *name;
	bool request;
	int16_t api, lo, hi; /* the versions sharing this layout */
	const uint8_t *bytes;
	size_t len;
	void (*check)(const void *decoded); /* kp_request or kp_response */
};

#define REQ(v, api, lo, hi, chk) {#v, true, api, lo, hi, v, sizeof v, chk}
#define RESP(v, api, lo, hi, chk) {#v, false, api, lo, hi, v, sizeof v, chk}

static const struct vec vecs[] = {
	REQ(md_req_v0, KP_API_METADATA, 0, 3, NULL),
	REQ(md_req_v0_all, KP_API_METADATA, 0, 3, NULL), /* meaning: test_metadata_v0_all */
	REQ(md_req_v1_null, KP_API_METADATA, 1, 3, chk_md_req_all),
	REQ(md_req_v4, KP_API_METADATA, 4, 6, chk_md_req_v4),
	RESP(md_resp_v0, KP_API_METADATA, 0, 0, chk_md_resp_v0),
	RESP(md_resp_v1, KP_API_METADATA, 1, 1, NULL),
	RESP(md_resp_v2, KP_API_METADATA, 2, 2, NULL),
	RESP(md_resp_v3, KP_API_METADATA, 3, 4, NULL),
	RESP(md_resp_v5, KP_API_METADATA, 5, 6, chk_md_resp_v5),
	REQ(pr_req_v3, KP_API_PRODUCE, 3, 7, NULL),
	RESP(pr_resp_v3, KP_API_PRODUCE, 3, 4, chk_pr_resp_v3),
	RESP(pr_resp_v5, KP_API_PRODUCE, 5, 7, NULL),
	REQ(fe_req_v4, KP_API_FETCH, 4, 4, chk_fe_req_v4),
	REQ(fe_req_v5, KP_API_FETCH, 5, 6, NULL),
	REQ(fe_req_v7, KP_API_FETCH, 7, 8, NULL),
	REQ(fe_req_v9, KP_API_FETCH, 9, 10, NULL),
	REQ(fe_req_v11, KP_API_FETCH, 11, 11, chk_fe_req_v11),
	RESP(fe_resp_v4, KP_API_FETCH, 4, 4, chk_fe_resp_v4),
	RESP(fe_resp_v5, KP_API_FETCH, 5, 6, NULL),
	RESP(fe_resp_v7, KP_API_FETCH, 7, 10, chk_fe_resp_v7),
	RESP(fe_resp_v11, KP_API_FETCH, 11, 11, NULL),
	REQ(lo_req_v1, KP_API_LIST_OFFSETS, 1, 1, chk_lo_req_v1),
	REQ(lo_req_v2, KP_API_LIST_OFFSETS, 2, 3, NULL),
	RESP(lo_resp_v1, KP_API_LIST_OFFSETS, 1, 1, NULL),
	RESP(lo_resp_v2, KP_API_LIST_OFFSETS, 2, 3, NULL),
	REQ(fc_req_v0, KP_API_FIND_COORDINATOR, 0, 0, chk_fc_req_v0),
	REQ(fc_req_v1, KP_API_FIND_COORDINATOR, 1, 2, NULL),
	RESP(fc_resp_v0, KP_API_FIND_COORDINATOR, 0, 0, NULL),
	RESP(fc_resp_v1, KP_API_FIND_COORDINATOR, 1, 2, NULL),
	REQ(jg_req_v0, KP_API_JOIN_GROUP, 0, 0, chk_jg_req_v0),
	REQ(jg_req_v1, KP_API_JOIN_GROUP, 1, 4, NULL),
	REQ(jg_req_v5, KP_API_JOIN_GROUP, 5, 5, NULL),
	RESP(jg_resp_v0, KP_API_JOIN_GROUP, 0, 1, NULL),
	RESP(jg_resp_v2, KP_API_JOIN_GROUP, 2, 4, NULL),
	RESP(jg_resp_v5, KP_API_JOIN_GROUP, 5, 5, NULL),
	REQ(sg_req_v0, KP_API_SYNC_GROUP, 0, 2, NULL),
	REQ(sg_req_v3, KP_API_SYNC_GROUP, 3, 3, NULL),
	RESP(sg_resp_v0, KP_API_SYNC_GROUP, 0, 0, NULL),
	RESP(sg_resp_v1, KP_API_SYNC_GROUP, 1, 3, NULL),
	REQ(hb_req_v0, KP_API_HEARTBEAT, 0, 2, NULL),
	REQ(hb_req_v3, KP_API_HEARTBEAT, 3, 3, NULL),
	RESP(ack_resp_v0, KP_API_HEARTBEAT, 0, 0, chk_ack),
	RESP(ack_resp_v1, KP_API_HEARTBEAT, 1, 3, chk_ack),
	REQ(lg_req_v0, KP_API_LEAVE_GROUP, 0, 2, NULL),
	RESP(ack_resp_v0, KP_API_LEAVE_GROUP, 0, 0, NULL),
	RESP(ack_resp_v1, KP_API_LEAVE_GROUP, 1, 2, NULL),
	REQ(oc_req_v1, KP_API_OFFSET_COMMIT, 1, 1, chk_oc_req),
	REQ(oc_req_v2, KP_API_OFFSET_COMMIT, 2, 4, chk_oc_req),
	REQ(oc_req_v5, KP_API_OFFSET_COMMIT, 5, 5, chk_oc_req),
	RESP(oc_resp_v1, KP_API_OFFSET_COMMIT, 1, 2, NULL),
	RESP(oc_resp_v3, KP_API_OFFSET_COMMIT, 3, 5, NULL),
	REQ(of_req_v1, KP_API_OFFSET_FETCH, 1, 4, NULL),
	REQ(of_req_v2_null, KP_API_OFFSET_FETCH, 2, 4, chk_of_req_null),
	RESP(of_resp_v1, KP_API_OFFSET_FETCH, 1, 1, NULL),
	RESP(of_resp_v2, KP_API_OFFSET_FETCH, 2, 2, NULL),
	RESP(of_resp_v3, KP_API_OFFSET_FETCH, 3, 4, NULL),
	REQ(ip_req_v0, KP_API_INIT_PRODUCER_ID, 0, 1, NULL),
	RESP(ip_resp_v0, KP_API_INIT_PRODUCER_ID, 0, 1, NULL),
	REQ(ct_req_v0, KP_API_CREATE_TOPICS, 0, 0, NULL),
	REQ(ct_req_v1, KP_API_CREATE_TOPICS, 1, 4, NULL),
	RESP(ct_resp_v0, KP_API_CREATE_TOPICS, 0, 0, NULL),
	RESP(ct_resp_v1, KP_API_CREATE_TOPICS, 1, 1, NULL),
	RESP(ct_resp_v2, KP_API_CREATE_TOPICS, 2, 4, NULL),
};

static uint8_t arena_mem[1 << 16];
static uint8_t frame[1024];
static uint8_t out[1024];

/* Decodes `len` bytes of the vector's frame at `version` (requests: with
 * the header's version byte patched), then re-encodes what was decoded.
 * Returns the decode status; *same says whether the bytes came back. */
static int decode_at(const struct vec *v, int16_t version, size_t len, void *decoded,
		     bool *same)
{
	struct kp_arena a;
	kp_arena_init(&a, arena_mem, sizeof arena_mem);
	assert_true(len <= sizeof frame);
	memcpy(frame, v->bytes, len);
	struct wire_writer w;
	wire_writer_init(&w, out, sizeof out);
	int rc;
	if (v->request) {
		if (len >= 4)
			frame[3] = (uint8_t)version;
		rc = kp_decode_request(frame, len, &a, decoded);
		if (rc == 0)
			kp_encode_request(&w, decoded);
	} else {
		rc = kp_decode_response(frame, len, v->api, version, &a, decoded);
		if (rc == 0)
			kp_encode_response(&w, decoded);
	}
	*same = rc == 0 && w.err == 0 && w.len == len && !memcmp(out, frame, len);
	return rc;
}

static void test_every_layout(void **state)
{
	union {
		struct kp_request req;
		struct kp_response resp;
	} m;
	for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++) {
		const struct vec *v = &vecs[i];
		int16_t lo, hi;
		assert_true(kp_api_supported_range(v->api, &lo, &hi));
		for (int16_t ver = lo; ver <= hi; ver++) {
			bool same;
			int rc = decode_at(v, ver, v->len, &m, &same);
			if (ver >= v->lo && ver <= v->hi) {
				/* Its own versions: decodes and encodes back exactly. */
				if (rc != 0 || !same)
					print_error("%s at v%d: status %d\n", v->name, ver, rc);
				assert_int_equal(rc, 0);
				assert_true(same);
				if (v->check)
					v->check(&m);
			} else {
				/* Every other served version reads it differently. */
				if (same)
					print_error("%s also reads at v%d\n", v->name, ver);
				assert_false(same);
			}
		}
	}
}

/* Every truncation of every vector fails cleanly at each of its versions,
 * and one byte more is refused as trailing. */
static void test_malformed_per_version(void **state)
{
	union {
		struct kp_request req;
		struct kp_response resp;
	} m;
	for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++) {
		const struct vec *v = &vecs[i];
		for (int16_t ver = v->lo; ver <= v->hi; ver++) {
			bool same;
			for (size_t n = 0; n < v->len; n++)
				assert_int_not_equal(decode_at(v, ver, n, &m, &same), 0);
			uint8_t longer[1024];
			memcpy(longer, v->bytes, v->len);
			longer[v->len] = 0;
			const struct vec l = {v->name, v->request, v->api, v->lo, v->hi, longer,
					      v->len + 1, NULL};
			assert_int_equal(decode_at(&l, ver, l.len, &m, &same), KP_ETRAILING);
		}
	}
}

/* Metadata v0 cannot say "no topics": its empty list means all topics
 * (Kafka's MetadataRequest.isAllTopics), which the decoder turns into the
 * null list v1+ uses, so the broker sees one meaning per value. */
static void test_metadata_v0_all(void **state)
{
	struct kp_request req;
	bool same;
	for (int16_t ver = 0; ver <= 3; ver++) {
		const struct vec v = {"md_req_v0_all", true, KP_API_METADATA, 0, 3, md_req_v0_all,
				      sizeof md_req_v0_all, NULL};
		assert_int_equal(decode_at(&v, ver, v.len, &req, &same), 0);
		assert_true(same);
		assert_int_equal(req.body.metadata.topic_count, ver == 0 ? -1 : 0);
	}
	/* A null list encodes at v0 as the empty one. */
	memset(&req, 0, sizeof req);
	req.header = (struct kp_request_header){KP_API_METADATA, 0, 7, {"kp", 2}};
	req.body.metadata.topic_count = -1;
	struct wire_writer w;
	wire_writer_init(&w, out, sizeof out);
	kp_encode_request(&w, &req);
	assert_int_equal(w.err, 0);
	assert_int_equal(w.len, sizeof md_req_v0_all);
	assert_memory_equal(out, md_req_v0_all, w.len);
}

/* A Fetch request with every field set, encoded at each version 4-11 and
 * decoded again: the fields the version has survive, the others come back
 * as Kafka's defaults. */
static void test_fetch_round_trip(void **state)
{
	const struct kp_fetch_partition part = {2, 5, 100, 50, 4096};
	const struct kp_fetch_topic topic = {{"orders", 6}, &part, 1};
	const int32_t gone[] = {1};
	const struct kp_fetch_forgotten_topic forgotten = {{"old", 3}, gone, 1};
	for (int16_t ver = 4; ver <= 11; ver++) {
		struct kp_request req, got;
		memset(&req, 0, sizeof req);
		req.header = (struct kp_request_header){KP_API_FETCH, ver, 9, {"kp", 2}};
		req.body.fetch = (struct kp_fetch_request){-1, 500, 1, 1 << 20, 1, 77, 3,
							    &topic, 1, &forgotten, 1, {"r", 1}};
		struct wire_writer w;
		wire_writer_init(&w, out, sizeof out);
		kp_encode_request(&w, &req);
		assert_int_equal(w.err, 0);
		struct kp_arena a;
		kp_arena_init(&a, arena_mem, sizeof arena_mem);
		assert_int_equal(kp_decode_request(out, w.len, &a, &got), 0);
		const struct kp_fetch_request *f = &got.body.fetch;
		assert_int_equal(f->isolation_level, 1);
		assert_int_equal(f->max_bytes, 1 << 20);
		assert_int_equal(f->session_id, ver >= 7 ? 77 : 0);
		assert_int_equal(f->session_epoch, ver >= 7 ? 3 : -1);
		assert_int_equal(f->forgotten_count, ver >= 7 ? 1 : 0);
		assert_int_equal(f->rack_id.len, ver >= 11 ? 1 : 0);
		const struct kp_fetch_partition *p = &f->topics[0].partitions[0];
		assert_int_equal(p->partition, 2);
		assert_int_equal(p->current_leader_epoch, ver >= 9 ? 5 : -1);
		assert_true(p->fetch_offset == 100);
		assert_true(p->log_start_offset == (ver >= 5 ? 50 : -1));
		assert_int_equal(p->partition_max_bytes, 4096);
	}
}

/* Versions outside a served range: the codec refuses to encode or decode
 * them rather than guess a layout. */
static void test_outside_ranges(void **state)
{
	static const int16_t refused[][2] = {
		{KP_API_METADATA, 7},      {KP_API_PRODUCE, 2},     {KP_API_PRODUCE, 8},
		{KP_API_FETCH, 3},         {KP_API_FETCH, 12},      {KP_API_LIST_OFFSETS, 0},
		{KP_API_LIST_OFFSETS, 4},  {KP_API_FIND_COORDINATOR, 3}, {KP_API_JOIN_GROUP, 6},
		{KP_API_SYNC_GROUP, 4},    {KP_API_HEARTBEAT, 4},   {KP_API_LEAVE_GROUP, 3},
		{KP_API_OFFSET_COMMIT, 0}, {KP_API_OFFSET_COMMIT, 6}, {KP_API_OFFSET_FETCH, 0},
		{KP_API_OFFSET_FETCH, 5},  {KP_API_INIT_PRODUCER_ID, 2}, {KP_API_CREATE_TOPICS, 5},
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		struct kp_request req;
		memset(&req, 0, sizeof req);
		req.header.api_key = refused[i][0];
		req.header.api_version = refused[i][1];
		struct wire_writer w;
		wire_writer_init(&w, out, sizeof out);
		kp_encode_request(&w, &req);
		assert_int_equal(w.err, KP_EVERSION);
		const uint8_t hdr[] = {HDR(0, 0)};
		memcpy(frame, hdr, sizeof hdr);
		frame[1] = (uint8_t)refused[i][0];
		frame[3] = (uint8_t)refused[i][1];
		struct kp_arena a;
		kp_arena_init(&a, arena_mem, sizeof arena_mem);
		assert_int_equal(kp_decode_request(frame, sizeof hdr, &a, &req), KP_EVERSION);
		assert_int_equal(req.header.correlation_id, 7);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_layout),
		cmocka_unit_test(test_malformed_per_version),
		cmocka_unit_test(test_metadata_v0_all),
		cmocka_unit_test(test_fetch_round_trip),
		cmocka_unit_test(test_outside_ranges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
