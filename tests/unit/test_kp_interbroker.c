/*
 * Unit tests for the inter-broker API codecs (broker/kp/kp_controller and
 * kp_replica) and their wiring into kp_message: hand-derived byte vectors
 * (test_kp_interbroker_vectors.h) encoded from structs and decoded back,
 * through kp_encode_request / kp_decode_request / kp_encode_response /
 * kp_decode_response including the headers; every truncated prefix fails
 * cleanly; rich values (several topics and partitions, empty arrays, a null
 * rack) survive a round trip; bad values fail to encode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "broker/kafka/brk_front.h"
#include "broker/kp/kp_error.h"
#include "broker/kp/kp_message.h"
#include "test_kp_interbroker_vectors.h"

static uint8_t arena_mem[1 << 15];
static uint8_t out[1 << 13];

/* ---- The structs each vector encodes ------------------------------------------------------ */

static const int32_t isr_12[] = {1, 2};
static const int32_t only_2[] = {2};
static const int32_t replicas_21[] = {2, 1};
static const int32_t only_1[] = {1};
static const int32_t parts_01[] = {0, 1};

static struct kp_request vec_lai_request(void)
{
	static const struct kp_partition_state ps[] = {{
		.partition_index = 0, .controller_epoch = 3, .leader = 1, .leader_epoch = 5,
		.isr = isr_12, .isr_count = 2, .zk_version = 7,
		.replicas = isr_12, .replica_count = 2, .is_new = true,
	}};
	static const struct kp_topic_states ts[] = {{{"t", 1}, ps, 1}};
	static const struct kp_live_leader ll[] = {{1, {"b1", 2}, 9092}};
	struct kp_request req = {.header = {KP_API_LEADER_AND_ISR, 2, 7, {"c", 1}}};
	req.body.leader_and_isr = (struct kp_leader_and_isr_request){
		.controller_id = 1, .controller_epoch = 3, .broker_epoch = 16,
		.topics = ts, .topic_count = 1, .live_leaders = ll, .live_leader_count = 1,
	};
	return req;
}

static struct kp_response vec_lai_response(void)
{
	static const struct kp_partition_error pe[] = {{{"t", 1}, 0, KP_ERR_KAFKA_STORAGE_ERROR}};
	struct kp_response resp = {KP_API_LEADER_AND_ISR, 2, 7, {{0}}};
	resp.body.leader_and_isr = (struct kp_partition_errors_response){0, pe, 1};
	return resp;
}

static struct kp_request vec_um_request(void)
{
	static const struct kp_partition_state ps[] = {{
		.partition_index = 1, .controller_epoch = 3, .leader = 2, .leader_epoch = 4,
		.isr = only_2, .isr_count = 1, .zk_version = 9,
		.replicas = replicas_21, .replica_count = 2,
		.offline_replicas = only_1, .offline_count = 1,
	}};
	static const struct kp_topic_states ts[] = {{{"t", 1}, ps, 1}};
	static const struct kp_update_metadata_endpoint ep[] = {
		{9092, {"h", 1}, {"PLAINTEXT", 9}, 0}};
	static const struct kp_update_metadata_broker lb[] = {{2, ep, 1, {NULL, -1}}};
	struct kp_request req = {.header = {KP_API_UPDATE_METADATA, 5, 8, {"c", 1}}};
	req.body.update_metadata = (struct kp_update_metadata_request){
		.controller_id = 1, .controller_epoch = 3, .broker_epoch = 16,
		.topics = ts, .topic_count = 1, .live_brokers = lb, .live_broker_count = 1,
	};
	return req;
}

static struct kp_response vec_um_response(void)
{
	struct kp_response resp = {KP_API_UPDATE_METADATA, 5, 8, {{0}}};
	resp.body.update_metadata.error_code = 0;
	return resp;
}

static struct kp_request vec_sr_request(void)
{
	static const struct kp_stop_replica_topic t[] = {{{"t", 1}, parts_01, 2}};
	struct kp_request req = {.header = {KP_API_STOP_REPLICA, 1, 9, {"c", 1}}};
	req.body.stop_replica = (struct kp_stop_replica_request){1, 3, 16, true, t, 1};
	return req;
}

static struct kp_response vec_sr_response(void)
{
	static const struct kp_partition_error pe[] = {
		{{"t", 1}, 0, KP_ERR_NONE}, {{"t", 1}, 1, KP_ERR_STALE_CONTROLLER_EPOCH}};
	struct kp_response resp = {KP_API_STOP_REPLICA, 1, 9, {{0}}};
	resp.body.stop_replica = (struct kp_partition_errors_response){0, pe, 2};
	return resp;
}

static struct kp_request vec_cs_request(void)
{
	struct kp_request req = {.header = {KP_API_CONTROLLED_SHUTDOWN, 2, 12, {"c", 1}}};
	req.body.controlled_shutdown = (struct kp_controlled_shutdown_request){2, 16};
	return req;
}

static struct kp_response vec_cs_response(void)
{
	static const struct kp_remaining_partition rp[] = {{{"t", 1}, 1}};
	struct kp_response resp = {KP_API_CONTROLLED_SHUTDOWN, 2, 12, {{0}}};
	resp.body.controlled_shutdown = (struct kp_controlled_shutdown_response){0, rp, 1};
	return resp;
}

static struct kp_request vec_el_request(void)
{
	static const struct kp_elect_topic t[] = {{{"t", 1}, parts_01, 2}};
	struct kp_request req = {.header = {KP_API_ELECT_LEADERS, 1, 13, {"c", 1}}};
	req.body.elect_leaders =
		(struct kp_elect_leaders_request){KP_ELECTION_UNCLEAN, t, 1, 60000};
	return req;
}

static struct kp_response vec_el_response(void)
{
	static const struct kp_elect_partition_result pr[] = {
		{0, KP_ERR_NONE, {NULL, -1}}, {1, KP_ERR_ELECTION_NOT_NEEDED, {"ok", 2}}};
	static const struct kp_elect_topic_result tr[] = {{{"t", 1}, pr, 2}};
	struct kp_response resp = {KP_API_ELECT_LEADERS, 1, 13, {{0}}};
	resp.body.elect_leaders = (struct kp_elect_leaders_response){0, 0, tr, 1};
	return resp;
}

static struct kp_request vec_ofle_request(void)
{
	static const struct kp_epoch_partition p[] = {{0, 5, 4}};
	static const struct kp_epoch_topic t[] = {{{"t", 1}, p, 1}};
	struct kp_request req = {.header = {KP_API_OFFSETS_FOR_LEADER_EPOCH, 3, 10, {"c", 1}}};
	req.body.offsets_for_leader_epoch = (struct kp_offsets_for_leader_epoch_request){2, t, 1};
	return req;
}

static struct kp_response vec_ofle_response(void)
{
	static const struct kp_epoch_end_offset p[] = {{0, 0, 4, 100}};
	static const struct kp_epoch_topic_result t[] = {{{"t", 1}, p, 1}};
	struct kp_response resp = {KP_API_OFFSETS_FOR_LEADER_EPOCH, 3, 10, {{0}}};
	resp.body.offsets_for_leader_epoch =
		(struct kp_offsets_for_leader_epoch_response){0, t, 1};
	return resp;
}

static struct kp_request vec_ap_request(void)
{
	static const struct kp_alter_partition_partition p[] = {{0, 5, isr_12, 2, 7}};
	static const struct kp_alter_partition_topic t[] = {{{"t", 1}, p, 1}};
	struct kp_request req = {.header = {KP_API_ALTER_PARTITION, 0, 11, {"c", 1}}};
	req.body.alter_partition = (struct kp_alter_partition_request){1, 16, t, 1};
	return req;
}

static struct kp_response vec_ap_response(void)
{
	static const struct kp_alter_partition_result p[] = {{0, 0, 1, 5, isr_12, 2, 8}};
	static const struct kp_alter_partition_topic_result t[] = {{{"t", 1}, p, 1}};
	struct kp_response resp = {KP_API_ALTER_PARTITION, 0, 11, {{0}}};
	resp.body.alter_partition = (struct kp_alter_partition_response){0, 0, t, 1};
	return resp;
}

/* One API's pair of vectors and the structs they encode. */
struct vec_case {
	const char *name;
	int16_t api_key;
	int16_t version;
	const uint8_t *req;
	size_t req_len;
	size_t req_hdr;
	const uint8_t *resp;
	size_t resp_len;
	size_t resp_hdr;
	struct kp_request (*make_req)(void);
	struct kp_response (*make_resp)(void);
};

#define CASE(nm, key, ver, rq, rqh, rs, rsh, mrq, mrs)                                          \
	{nm, key, ver, rq, sizeof rq, rqh, rs, sizeof rs, rsh, mrq, mrs}

static const struct vec_case cases[] = {
	CASE("LeaderAndIsr", KP_API_LEADER_AND_ISR, 2, vec_leader_and_isr_v2_request, REQ_HDR_V1,
	     vec_leader_and_isr_v2_response, RESP_HDR_V0, vec_lai_request, vec_lai_response),
	CASE("UpdateMetadata", KP_API_UPDATE_METADATA, 5, vec_update_metadata_v5_request,
	     REQ_HDR_V1, vec_update_metadata_v5_response, RESP_HDR_V0, vec_um_request,
	     vec_um_response),
	CASE("StopReplica", KP_API_STOP_REPLICA, 1, vec_stop_replica_v1_request, REQ_HDR_V1,
	     vec_stop_replica_v1_response, RESP_HDR_V0, vec_sr_request, vec_sr_response),
	CASE("ControlledShutdown", KP_API_CONTROLLED_SHUTDOWN, 2,
	     vec_controlled_shutdown_v2_request, REQ_HDR_V1, vec_controlled_shutdown_v2_response,
	     RESP_HDR_V0, vec_cs_request, vec_cs_response),
	CASE("ElectLeaders", KP_API_ELECT_LEADERS, 1, vec_elect_leaders_v1_request, REQ_HDR_V1,
	     vec_elect_leaders_v1_response, RESP_HDR_V0, vec_el_request, vec_el_response),
	CASE("OffsetForLeaderEpoch", KP_API_OFFSETS_FOR_LEADER_EPOCH, 3,
	     vec_offsets_for_leader_epoch_v3_request, REQ_HDR_V1,
	     vec_offsets_for_leader_epoch_v3_response, RESP_HDR_V0, vec_ofle_request,
	     vec_ofle_response),
	CASE("AlterPartition", KP_API_ALTER_PARTITION, 0, vec_alter_partition_v0_request,
	     REQ_HDR_V2, vec_alter_partition_v0_response, RESP_HDR_V1, vec_ap_request,
	     vec_ap_response),
};

/* ---- Helpers ------------------------------------------------------------------------------ */

static size_t encode_request(const struct kp_request *req)
{
	struct wire_writer w;
	wire_writer_init(&w, out, sizeof out);
	kp_encode_request(&w, req);
	assert_int_equal(w.err, 0);
	return w.len;
}

static size_t encode_response(const struct kp_response *resp)
{
	struct wire_writer w;
	wire_writer_init(&w, out, sizeof out);
	kp_encode_response(&w, resp);
	assert_int_equal(w.err, 0);
	return w.len;
}

/* Decodes a request body (no header) of api_key with its own body decoder,
 * into throwaway structs; returns the decoder's result. */
static int decode_request_body(int16_t api_key, const uint8_t *p, size_t n, struct kp_arena *a)
{
	struct wire_reader r;
	struct kp_request req;
	wire_reader_init(&r, p, n);
	switch (api_key) {
	case KP_API_LEADER_AND_ISR:
		return kp_decode_leader_and_isr_request(&r, a, &req.body.leader_and_isr);
	case KP_API_UPDATE_METADATA:
		return kp_decode_update_metadata_request(&r, a, &req.body.update_metadata);
	case KP_API_STOP_REPLICA:
		return kp_decode_stop_replica_request(&r, a, &req.body.stop_replica);
	case KP_API_CONTROLLED_SHUTDOWN:
		return kp_decode_controlled_shutdown_request(&r, &req.body.controlled_shutdown);
	case KP_API_ELECT_LEADERS:
		return kp_decode_elect_leaders_request(&r, a, &req.body.elect_leaders);
	case KP_API_OFFSETS_FOR_LEADER_EPOCH:
		return kp_decode_offsets_for_leader_epoch_request(
			&r, a, &req.body.offsets_for_leader_epoch);
	case KP_API_ALTER_PARTITION:
		return kp_decode_alter_partition_request(&r, a, &req.body.alter_partition);
	}
	fail();
	return 0;
}

static int decode_response_body(int16_t api_key, const uint8_t *p, size_t n, struct kp_arena *a)
{
	struct wire_reader r;
	struct kp_response resp;
	wire_reader_init(&r, p, n);
	switch (api_key) {
	case KP_API_LEADER_AND_ISR:
	case KP_API_STOP_REPLICA:
		return kp_decode_partition_errors_response(&r, a, &resp.body.stop_replica);
	case KP_API_UPDATE_METADATA:
		return kp_decode_update_metadata_response(&r, &resp.body.update_metadata);
	case KP_API_CONTROLLED_SHUTDOWN:
		return kp_decode_controlled_shutdown_response(&r, a,
							      &resp.body.controlled_shutdown);
	case KP_API_ELECT_LEADERS:
		return kp_decode_elect_leaders_response(&r, a, &resp.body.elect_leaders);
	case KP_API_OFFSETS_FOR_LEADER_EPOCH:
		return kp_decode_offsets_for_leader_epoch_response(
			&r, a, &resp.body.offsets_for_leader_epoch);
	case KP_API_ALTER_PARTITION:
		return kp_decode_alter_partition_response(&r, a, &resp.body.alter_partition);
	}
	fail();
	return 0;
}

/* Copies `p` to a heap block of exactly n bytes, so Valgrind and ASan catch
 * any read past the input. */
static uint8_t *exact_copy(const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);
	assert_non_null(q);
	if (n)
		memcpy(q, p, n);
	return q;
}

/* ---- Byte-exact vectors ------------------------------------------------------------------- */

/* Each hand-built struct encodes, header included, to exactly its vector;
 * decoding the vector and encoding again gives the same bytes. */
static void test_vectors_encode_exact(void **state)
{
	struct kp_arena a;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct vec_case *c = &cases[i];
		struct kp_request req = c->make_req(), dreq;
		struct kp_response resp = c->make_resp(), dresp;
		size_t n = encode_request(&req);
		assert_int_equal(n, c->req_len);
		assert_memory_equal(out, c->req, n);
		n = encode_response(&resp);
		assert_int_equal(n, c->resp_len);
		assert_memory_equal(out, c->resp, n);

		kp_arena_init(&a, arena_mem, sizeof arena_mem);
		assert_int_equal(kp_decode_request(c->req, c->req_len, &a, &dreq), 0);
		assert_int_equal(dreq.header.api_key, c->api_key);
		assert_int_equal(dreq.header.api_version, c->version);
		assert_true(kp_str_eq(dreq.header.client_id, "c"));
		assert_int_equal(encode_request(&dreq), c->req_len);
		assert_memory_equal(out, c->req, c->req_len);

		assert_int_equal(kp_decode_response(c->resp, c->resp_len, c->api_key, c->version,
						    &a, &dresp),
				 0);
		assert_int_equal(dresp.correlation_id, dreq.header.correlation_id);
		assert_int_equal(encode_response(&dresp), c->resp_len);
		assert_memory_equal(out, c->resp, c->resp_len);

		/* The body codecs alone read the bytes after the header. */
		assert_int_equal(decode_request_body(c->api_key, c->req + c->req_hdr,
						     c->req_len - c->req_hdr, &a),
				 0);
		assert_int_equal(decode_response_body(c->api_key, c->resp + c->resp_hdr,
						      c->resp_len - c->resp_hdr, &a),
				 0);
	}
}

/* Decoded field values, checked one by one against the vectors' comments
 * (a symmetric encoder/decoder slip would survive the byte comparisons). */
static void test_vectors_decode_fields(void **state)
{
	struct kp_arena a;
	struct kp_request req;
	struct kp_response resp;
	kp_arena_init(&a, arena_mem, sizeof arena_mem);

	assert_int_equal(kp_decode_request(vec_leader_and_isr_v2_request,
					   sizeof vec_leader_and_isr_v2_request, &a, &req), 0);
	const struct kp_leader_and_isr_request *lai = &req.body.leader_and_isr;
	assert_int_equal(lai->controller_id, 1);
	assert_int_equal(lai->controller_epoch, 3);
	assert_int_equal(lai->broker_epoch, 16);
	assert_int_equal(lai->topic_count, 1);
	assert_true(kp_str_eq(lai->topics[0].topic_name, "t"));
	const struct kp_partition_state *ps = &lai->topics[0].partitions[0];
	assert_int_equal(ps->leader, 1);
	assert_int_equal(ps->leader_epoch, 5);
	assert_int_equal(ps->isr_count, 2);
	assert_int_equal(ps->isr[1], 2);
	assert_int_equal(ps->zk_version, 7);
	assert_int_equal(ps->replica_count, 2);
	assert_true(ps->is_new);
	assert_int_equal(lai->live_leader_count, 1);
	assert_true(kp_str_eq(lai->live_leaders[0].host_name, "b1"));
	assert_int_equal(lai->live_leaders[0].port, 9092);

	assert_int_equal(kp_decode_request(vec_update_metadata_v5_request,
					   sizeof vec_update_metadata_v5_request, &a, &req), 0);
	const struct kp_update_metadata_request *um = &req.body.update_metadata;
	ps = &um->topics[0].partitions[0];
	assert_int_equal(ps->partition_index, 1);
	assert_int_equal(ps->leader, 2);
	assert_int_equal(ps->zk_version, 9);
	assert_int_equal(ps->replicas[0], 2);
	assert_int_equal(ps->offline_count, 1);
	assert_int_equal(ps->offline_replicas[0], 1);
	assert_int_equal(um->live_brokers[0].id, 2);
	assert_true(kp_str_eq(um->live_brokers[0].endpoints[0].listener, "PLAINTEXT"));
	assert_int_equal(um->live_brokers[0].endpoints[0].port, 9092);
	assert_true(kp_str_eq(um->live_brokers[0].rack, NULL));

	assert_int_equal(kp_decode_request(vec_stop_replica_v1_request,
					   sizeof vec_stop_replica_v1_request, &a, &req), 0);
	assert_true(req.body.stop_replica.delete_partitions);
	assert_int_equal(req.body.stop_replica.broker_epoch, 16);
	assert_int_equal(req.body.stop_replica.topics[0].partition_count, 2);
	assert_int_equal(req.body.stop_replica.topics[0].partitions[1], 1);

	assert_int_equal(kp_decode_request(vec_controlled_shutdown_v2_request,
					   sizeof vec_controlled_shutdown_v2_request, &a, &req), 0);
	assert_int_equal(req.body.controlled_shutdown.broker_id, 2);
	assert_int_equal(req.body.controlled_shutdown.broker_epoch, 16);
	assert_int_equal(kp_decode_response(vec_controlled_shutdown_v2_response,
					    sizeof vec_controlled_shutdown_v2_response,
					    KP_API_CONTROLLED_SHUTDOWN, 2, &a, &resp), 0);
	assert_int_equal(resp.body.controlled_shutdown.remaining_count, 1);
	assert_true(kp_str_eq(resp.body.controlled_shutdown.remaining[0].topic_name, "t"));
	assert_int_equal(resp.body.controlled_shutdown.remaining[0].partition_index, 1);

	assert_int_equal(kp_decode_request(vec_elect_leaders_v1_request,
					   sizeof vec_elect_leaders_v1_request, &a, &req), 0);
	assert_int_equal(req.body.elect_leaders.election_type, KP_ELECTION_UNCLEAN);
	assert_int_equal(req.body.elect_leaders.topics[0].partitions[1], 1);
	assert_int_equal(req.body.elect_leaders.timeout_ms, 60000);
	assert_int_equal(kp_decode_response(vec_elect_leaders_v1_response,
					    sizeof vec_elect_leaders_v1_response,
					    KP_API_ELECT_LEADERS, 1, &a, &resp), 0);
	assert_int_equal(resp.body.elect_leaders.topics[0].partitions[1].error_code,
			 KP_ERR_ELECTION_NOT_NEEDED);
	assert_true(kp_str_eq(resp.body.elect_leaders.topics[0].partitions[1].error_message,
			      "ok"));
	assert_true(kp_str_eq(resp.body.elect_leaders.topics[0].partitions[0].error_message,
			      NULL));

	assert_int_equal(kp_decode_request(vec_offsets_for_leader_epoch_v3_request,
					   sizeof vec_offsets_for_leader_epoch_v3_request, &a,
					   &req),
			 0);
	const struct kp_offsets_for_leader_epoch_request *ofle =
		&req.body.offsets_for_leader_epoch;
	assert_int_equal(ofle->replica_id, 2);
	assert_int_equal(ofle->topics[0].partitions[0].current_leader_epoch, 5);
	assert_int_equal(ofle->topics[0].partitions[0].leader_epoch, 4);

	assert_int_equal(kp_decode_request(vec_alter_partition_v0_request,
					   sizeof vec_alter_partition_v0_request, &a, &req), 0);
	const struct kp_alter_partition_request *ap = &req.body.alter_partition;
	assert_int_equal(ap->broker_id, 1);
	assert_int_equal(ap->broker_epoch, 16);
	assert_true(kp_str_eq(ap->topics[0].topic_name, "t"));
	assert_int_equal(ap->topics[0].partitions[0].new_isr_count, 2);
	assert_int_equal(ap->topics[0].partitions[0].new_isr[0], 1);
	assert_int_equal(ap->topics[0].partitions[0].partition_epoch, 7);

	assert_int_equal(kp_decode_response(vec_stop_replica_v1_response,
					    sizeof vec_stop_replica_v1_response,
					    KP_API_STOP_REPLICA, 1, &a, &resp), 0);
	assert_int_equal(resp.body.stop_replica.partition_count, 2);
	assert_int_equal(resp.body.stop_replica.partitions[1].error_code,
			 KP_ERR_STALE_CONTROLLER_EPOCH);
	assert_int_equal(kp_decode_response(vec_leader_and_isr_v2_response,
					    sizeof vec_leader_and_isr_v2_response,
					    KP_API_LEADER_AND_ISR, 2, &a, &resp), 0);
	assert_int_equal(resp.body.leader_and_isr.partitions[0].error_code,
			 KP_ERR_KAFKA_STORAGE_ERROR);
	assert_int_equal(kp_decode_response(vec_offsets_for_leader_epoch_v3_response,
					    sizeof vec_offsets_for_leader_epoch_v3_response,
					    KP_API_OFFSETS_FOR_LEADER_EPOCH, 3, &a, &resp), 0);
	assert_int_equal(resp.body.offsets_for_leader_epoch.topics[0].partitions[0].end_offset,
			 100);
	assert_int_equal(kp_decode_response(vec_alter_partition_v0_response,
					    sizeof vec_alter_partition_v0_response,
					    KP_API_ALTER_PARTITION, 0, &a, &resp), 0);
	const struct kp_alter_partition_result *apr =
		&resp.body.alter_partition.topics[0].partitions[0];
	assert_int_equal(apr->leader_id, 1);
	assert_int_equal(apr->leader_epoch, 5);
	assert_int_equal(apr->isr_count, 2);
	assert_int_equal(apr->partition_epoch, 8);
}

/* ---- Malformed input ---------------------------------------------------------------------- */

/* Every strict prefix of every vector fails, through the message layer
 * and through the body codec alone, and one byte too many fails too. */
static void test_truncated_prefixes_fail(void **state)
{
	struct kp_arena a;
	struct kp_request req;
	struct kp_response resp;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct vec_case *c = &cases[i];
		for (size_t n = 0; n < c->req_len; n++) {
			uint8_t *p = exact_copy(c->req, n);
			kp_arena_init(&a, arena_mem, sizeof arena_mem);
			assert_int_not_equal(kp_decode_request(p, n, &a, &req), 0);
			if (n >= c->req_hdr)
				assert_int_not_equal(decode_request_body(c->api_key,
									 p + c->req_hdr,
									 n - c->req_hdr, &a),
						     0);
			free(p);
		}
		for (size_t n = 0; n < c->resp_len; n++) {
			uint8_t *p = exact_copy(c->resp, n);
			kp_arena_init(&a, arena_mem, sizeof arena_mem);
			assert_int_not_equal(
				kp_decode_response(p, n, c->api_key, c->version, &a, &resp), 0);
			if (n >= c->resp_hdr)
				assert_int_not_equal(decode_response_body(c->api_key,
									  p + c->resp_hdr,
									  n - c->resp_hdr, &a),
						     0);
			free(p);
		}
		uint8_t longer[512];
		memcpy(longer, c->req, c->req_len);
		longer[c->req_len] = 0;
		kp_arena_init(&a, arena_mem, sizeof arena_mem);
		assert_int_equal(kp_decode_request(longer, c->req_len + 1, &a, &req),
				 KP_ETRAILING);
		memcpy(longer, c->resp, c->resp_len);
		longer[c->resp_len] = 0;
		assert_int_equal(kp_decode_response(longer, c->resp_len + 1, c->api_key,
						    c->version, &a, &resp),
				 KP_ETRAILING);
	}
}

/* Flipping each byte to 0xff in turn never crashes or over-reads, and a
 * frame that still decodes re-encodes to bytes that decode again. */
static void test_corrupted_bytes_are_safe(void **state)
{
	struct kp_arena a;
	struct kp_request req;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct vec_case *c = &cases[i];
		for (size_t at = 0; at < c->req_len; at++) {
			uint8_t *p = exact_copy(c->req, c->req_len);
			p[at] = 0xff;
			kp_arena_init(&a, arena_mem, sizeof arena_mem);
			if (kp_decode_request(p, c->req_len, &a, &req) == 0) {
				struct wire_writer w;
				wire_writer_init(&w, out, sizeof out);
				kp_encode_request(&w, &req);
				assert_int_equal(w.err, 0);
			}
			free(p);
		}
	}
}

/* A count past what the remaining bytes can hold fails at once, and a
 * too-small arena gives KP_EARENA rather than a crash. */
static void test_bad_counts_and_small_arena(void **state)
{
	struct kp_arena a;
	struct kp_request req;
	uint8_t buf[sizeof vec_stop_replica_v1_request];
	memcpy(buf, vec_stop_replica_v1_request, sizeof buf);
	/* partition_indexes count (offset 11 + 17 + 4 + 3 = 35) becomes 0x7fffffff. */
	assert_int_equal(buf[REQ_HDR_V1 + 17 + 4 + 3 + 3], 0x02);
	buf[REQ_HDR_V1 + 17 + 4 + 3] = 0x7f;
	buf[REQ_HDR_V1 + 17 + 4 + 3 + 1] = 0xff;
	buf[REQ_HDR_V1 + 17 + 4 + 3 + 2] = 0xff;
	buf[REQ_HDR_V1 + 17 + 4 + 3 + 3] = 0xff;
	kp_arena_init(&a, arena_mem, sizeof arena_mem);
	assert_int_equal(kp_decode_request(buf, sizeof buf, &a, &req), WIRE_ESHORT);

	/* A null (-1) topic name where the schema forbids it. */
	memcpy(buf, vec_stop_replica_v1_request, sizeof buf);
	buf[REQ_HDR_V1 + 21] = 0xff;
	buf[REQ_HDR_V1 + 22] = 0xff;
	kp_arena_init(&a, arena_mem, sizeof arena_mem);
	assert_int_equal(kp_decode_request(buf, sizeof buf, &a, &req), WIRE_EINVAL);

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		/* ControlledShutdown's request has no array: it needs no arena. */
		if (cases[i].api_key == KP_API_CONTROLLED_SHUTDOWN) {
			kp_arena_init(&a, arena_mem, 0);
			assert_int_equal(kp_decode_request(cases[i].req, cases[i].req_len, &a,
							   &req), 0);
			continue;
		}
		kp_arena_init(&a, arena_mem, 8);
		assert_int_equal(kp_decode_request(cases[i].req, cases[i].req_len, &a, &req),
				 KP_EARENA);
		/* The documented bound always suffices. */
		kp_arena_init(&a, arena_mem, kp_arena_bound(cases[i].req_len));
		assert_int_equal(kp_decode_request(cases[i].req, cases[i].req_len, &a, &req), 0);
	}
}

/* Every arena size from 0 up gives KP_EARENA until the arrays fit, then
 * success; never a crash or a partial success. */
static void test_arena_sizes_sweep(void **state)
{
	struct kp_arena a;
	struct kp_request req;
	struct kp_response resp;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct vec_case *c = &cases[i];
		bool ok = false;
		for (size_t cap = 0; cap <= kp_arena_bound(c->req_len) && !ok; cap++) {
			uint8_t *mem = malloc(cap ? cap : 1);
			assert_non_null(mem);
			kp_arena_init(&a, mem, cap);
			int rc = kp_decode_request(c->req, c->req_len, &a, &req);
			assert_true(rc == 0 || rc == KP_EARENA);
			ok = rc == 0;
			free(mem);
		}
		assert_true(ok);
		ok = false;
		for (size_t cap = 0; cap <= kp_arena_bound(c->resp_len) && !ok; cap++) {
			uint8_t *mem = malloc(cap ? cap : 1);
			assert_non_null(mem);
			kp_arena_init(&a, mem, cap);
			int rc = kp_decode_response(c->resp, c->resp_len, c->api_key,
						    c->version, &a, &resp);
			assert_true(rc == 0 || rc == KP_EARENA);
			ok = rc == 0;
			free(mem);
		}
		assert_true(ok);
	}
}

/* A compact count (uvarint) past the remaining bytes, or one of 0 (a null
 * array, which no AlterPartition array allows), fails cleanly. */
static void test_alter_partition_bad_compact_counts(void **state)
{
	uint8_t buf[sizeof vec_alter_partition_v0_request + 4];
	const size_t topics_at = REQ_HDR_V2 + 4 + 8;
	struct kp_arena a;
	struct kp_request req;
	assert_int_equal(vec_alter_partition_v0_request[topics_at], 0x02);
	memcpy(buf, vec_alter_partition_v0_request, sizeof vec_alter_partition_v0_request);
	buf[topics_at] = 0x00; /* null topics */
	kp_arena_init(&a, arena_mem, sizeof arena_mem);
	assert_int_equal(kp_decode_request(buf, sizeof vec_alter_partition_v0_request, &a, &req),
			 WIRE_EINVAL);
	/* topics: uvarint 0xffffffff (ff ff ff ff 0f) in place of 02. */
	const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
	memcpy(buf, vec_alter_partition_v0_request, topics_at);
	memcpy(buf + topics_at, huge, sizeof huge);
	size_t rest = sizeof vec_alter_partition_v0_request - topics_at - 1;
	memcpy(buf + topics_at + sizeof huge, vec_alter_partition_v0_request + topics_at + 1,
	       rest);
	kp_arena_init(&a, arena_mem, sizeof arena_mem);
	assert_int_equal(kp_decode_request(buf, topics_at + sizeof huge + rest, &a, &req),
			 WIRE_ESHORT);
	/* new_isr: 3 entries claimed (04) where 2 are present. */
	memcpy(buf, vec_alter_partition_v0_request, sizeof vec_alter_partition_v0_request);
	const size_t isr_at = topics_at + 1 + 2 + 1 + 4 + 4;
	assert_int_equal(buf[isr_at], 0x03);
	buf[isr_at] = 0x04;
	kp_arena_init(&a, arena_mem, sizeof arena_mem);
	assert_int_not_equal(
		kp_decode_request(buf, sizeof vec_alter_partition_v0_request, &a, &req), 0);
}

/* AlterPartition is flexible: unknown tagged fields at every level are
 * skipped, and the re-encoding drops them. */
static void test_alter_partition_skips_tags(void **state)
{
	uint8_t buf[sizeof vec_alter_partition_v0_request + 12];
	size_t n = 0;
	const uint8_t *v = vec_alter_partition_v0_request;
	size_t len = sizeof vec_alter_partition_v0_request;
	/* The last three bytes are the partition, topic and body tag counts;
	 * each becomes "1 field: tag 5, 2 bytes 0xab 0xcd". */
	const uint8_t tag[] = {0x01, 0x05, 0x02, 0xab, 0xcd};
	memcpy(buf, v, len - 3);
	n = len - 3;
	for (int i = 0; i < 3; i++) {
		memcpy(buf + n, tag, sizeof tag);
		n += sizeof tag;
	}
	assert_true(n <= sizeof buf + 3);
	struct kp_arena a;
	struct kp_request req;
	kp_arena_init(&a, arena_mem, sizeof arena_mem);
	assert_int_equal(kp_decode_request(buf, n, &a, &req), 0);
	assert_int_equal(req.body.alter_partition.topics[0].partitions[0].partition_epoch, 7);
	assert_int_equal(encode_request(&req), len);
	assert_memory_equal(out, v, len);
}

/* ---- Rich round trips --------------------------------------------------------------------- */

/* Encodes req, decodes it back, and checks the re-encoding is identical;
 * returns the decoded request for field checks. */
static struct kp_request round_trip_request(const struct kp_request *req, struct kp_arena *a)
{
	static uint8_t frame[1 << 13];
	struct kp_request back;
	size_t n = encode_request(req);
	memcpy(frame, out, n);
	kp_arena_init(a, arena_mem, sizeof arena_mem);
	assert_int_equal(kp_decode_request(frame, n, a, &back), 0);
	assert_int_equal(encode_request(&back), n);
	assert_memory_equal(out, frame, n);
	return back;
}

static struct kp_response round_trip_response(const struct kp_response *resp,
					      struct kp_arena *a)
{
	static uint8_t frame[1 << 13];
	struct kp_response back;
	size_t n = encode_response(resp);
	memcpy(frame, out, n);
	kp_arena_init(a, arena_mem, sizeof arena_mem);
	assert_int_equal(kp_decode_response(frame, n, resp->api_key, resp->api_version, a, &back),
			 0);
	assert_int_equal(back.correlation_id, resp->correlation_id);
	assert_int_equal(encode_response(&back), n);
	assert_memory_equal(out, frame, n);
	return back;
}

static const int32_t r123[] = {1, 2, 3};
static const int32_t r31[] = {3, 1};

/* Three topics: one with two partitions, one with none, one whose
 * partition has an empty ISR; shared between LeaderAndIsr and
 * UpdateMetadata (each uses its own tail field). */
static const struct kp_partition_state rich_ps_a[] = {
	{0, 9, 1, 11, r123, 3, 40, r123, 3, r31, 2, true},
	{1, 9, 3, 12, r31, 2, 41, r31, 2, NULL, 0, false},
};
static const struct kp_partition_state rich_ps_c[] = {
	{7, 9, -1, 13, NULL, 0, 42, r123, 3, r123, 3, false},
};
static const struct kp_topic_states rich_topics[] = {
	{{"alpha", 5}, rich_ps_a, 2},
	{{"empty", 5}, NULL, 0},
	{{"gamma", 5}, rich_ps_c, 1},
};

static void check_rich_topics(const struct kp_topic_states *t, int32_t n, bool lai)
{
	assert_int_equal(n, 3);
	for (int32_t i = 0; i < n; i++) {
		assert_true(kp_str_same(t[i].topic_name, rich_topics[i].topic_name));
		assert_int_equal(t[i].partition_count, rich_topics[i].partition_count);
		for (int32_t j = 0; j < t[i].partition_count; j++) {
			const struct kp_partition_state *g = &t[i].partitions[j];
			const struct kp_partition_state *w = &rich_topics[i].partitions[j];
			assert_int_equal(g->partition_index, w->partition_index);
			assert_int_equal(g->leader, w->leader);
			assert_int_equal(g->leader_epoch, w->leader_epoch);
			assert_int_equal(g->isr_count, w->isr_count);
			if (w->isr_count)
				assert_memory_equal(g->isr, w->isr, 4 * (size_t)w->isr_count);
			assert_int_equal(g->zk_version, w->zk_version);
			assert_int_equal(g->replica_count, w->replica_count);
			assert_memory_equal(g->replicas, w->replicas,
					    4 * (size_t)w->replica_count);
			if (lai) {
				assert_int_equal(g->is_new, w->is_new);
				assert_int_equal(g->offline_count, 0);
			} else {
				assert_false(g->is_new);
				assert_int_equal(g->offline_count, w->offline_count);
			}
		}
	}
}

static void test_round_trip_controller_requests(void **state)
{
	struct kp_arena a;
	static const struct kp_live_leader leaders[] = {
		{1, {"broker-1", 8}, 9092}, {3, {"", 0}, 1}, {2, {"b2", 2}, 65535}};
	struct kp_request req = {.header = {KP_API_LEADER_AND_ISR, 2, -5, {NULL, -1}}};
	req.body.leader_and_isr = (struct kp_leader_and_isr_request){
		7, 42, INT64_MAX, rich_topics, 3, leaders, 3};
	struct kp_request back = round_trip_request(&req, &a);
	assert_int_equal(back.header.correlation_id, -5);
	assert_true(kp_str_eq(back.header.client_id, NULL));
	assert_int_equal(back.body.leader_and_isr.broker_epoch, INT64_MAX);
	check_rich_topics(back.body.leader_and_isr.topics, back.body.leader_and_isr.topic_count,
			  true);
	assert_int_equal(back.body.leader_and_isr.live_leader_count, 3);
	assert_true(kp_str_eq(back.body.leader_and_isr.live_leaders[1].host_name, ""));
	assert_int_equal(back.body.leader_and_isr.live_leaders[2].port, 65535);

	/* Empty everything. */
	req.body.leader_and_isr = (struct kp_leader_and_isr_request){0, 0, -1, NULL, 0, NULL, 0};
	back = round_trip_request(&req, &a);
	assert_int_equal(back.body.leader_and_isr.topic_count, 0);
	assert_int_equal(back.body.leader_and_isr.live_leader_count, 0);
	assert_int_equal(back.body.leader_and_isr.broker_epoch, -1);

	static const struct kp_update_metadata_endpoint eps[] = {
		{9092, {"h1", 2}, {"PLAINTEXT", 9}, 0}, {9093, {"h1", 2}, {"SSL", 3}, 1}};
	static const struct kp_update_metadata_broker brokers[] = {
		{1, eps, 2, {"rack-a", 6}}, {2, NULL, 0, {NULL, -1}}, {3, eps + 1, 1, {"", 0}}};
	req = (struct kp_request){.header = {KP_API_UPDATE_METADATA, 5, 1, {"ctl", 3}}};
	req.body.update_metadata = (struct kp_update_metadata_request){
		1, 2, 3, rich_topics, 3, brokers, 3};
	back = round_trip_request(&req, &a);
	const struct kp_update_metadata_request *um = &back.body.update_metadata;
	check_rich_topics(um->topics, um->topic_count, false);
	assert_int_equal(um->live_broker_count, 3);
	assert_true(kp_str_eq(um->live_brokers[0].rack, "rack-a"));
	assert_true(kp_str_eq(um->live_brokers[1].rack, NULL));
	assert_true(kp_str_eq(um->live_brokers[2].rack, ""));
	assert_int_equal(um->live_brokers[0].endpoint_count, 2);
	assert_true(kp_str_eq(um->live_brokers[0].endpoints[1].listener, "SSL"));
	assert_int_equal(um->live_brokers[0].endpoints[1].security_protocol, 1);
	assert_int_equal(um->live_brokers[1].endpoint_count, 0);

	static const struct kp_stop_replica_topic st[] = {
		{{"a", 1}, r123, 3}, {{"b", 1}, NULL, 0}, {{"c", 1}, r31, 2}};
	req = (struct kp_request){.header = {KP_API_STOP_REPLICA, 1, 2, {"x", 1}}};
	req.body.stop_replica = (struct kp_stop_replica_request){4, 5, 6, false, st, 3};
	back = round_trip_request(&req, &a);
	assert_false(back.body.stop_replica.delete_partitions);
	assert_int_equal(back.body.stop_replica.topic_count, 3);
	assert_int_equal(back.body.stop_replica.topics[1].partition_count, 0);
	assert_int_equal(back.body.stop_replica.topics[2].partitions[0], 3);
}

static void test_round_trip_controller_responses(void **state)
{
	struct kp_arena a;
	static const struct kp_partition_error pe[] = {
		{{"a", 1}, 0, 0},
		{{"a", 1}, 1, KP_ERR_NOT_LEADER_OR_FOLLOWER},
		{{"bb", 2}, 9, -1},
	};
	struct kp_response resp = {KP_API_LEADER_AND_ISR, 2, 3, {{0}}};
	resp.body.leader_and_isr = (struct kp_partition_errors_response){
		KP_ERR_STALE_CONTROLLER_EPOCH, pe, 3};
	struct kp_response back = round_trip_response(&resp, &a);
	assert_int_equal(back.body.leader_and_isr.error_code, KP_ERR_STALE_CONTROLLER_EPOCH);
	assert_int_equal(back.body.leader_and_isr.partition_count, 3);
	assert_int_equal(back.body.leader_and_isr.partitions[2].error_code, -1);
	assert_true(kp_str_eq(back.body.leader_and_isr.partitions[2].topic_name, "bb"));

	resp = (struct kp_response){KP_API_STOP_REPLICA, 1, 4, {{0}}};
	resp.body.stop_replica = (struct kp_partition_errors_response){0, NULL, 0};
	back = round_trip_response(&resp, &a);
	assert_int_equal(back.body.stop_replica.partition_count, 0);

	resp = (struct kp_response){KP_API_UPDATE_METADATA, 5, 5, {{0}}};
	resp.body.update_metadata.error_code = KP_ERR_STALE_BROKER_EPOCH;
	back = round_trip_response(&resp, &a);
	assert_int_equal(back.body.update_metadata.error_code, KP_ERR_STALE_BROKER_EPOCH);
}

static void test_round_trip_replica_apis(void **state)
{
	struct kp_arena a;
	static const struct kp_epoch_partition ep[] = {{0, -1, 3}, {1, 7, 7}};
	static const struct kp_epoch_topic et[] = {
		{{"a", 1}, ep, 2}, {{"b", 1}, NULL, 0}, {{"c", 1}, ep + 1, 1}};
	struct kp_request req = {.header = {KP_API_OFFSETS_FOR_LEADER_EPOCH, 3, 6, {"r", 1}}};
	req.body.offsets_for_leader_epoch =
		(struct kp_offsets_for_leader_epoch_request){-1, et, 3};
	struct kp_request back = round_trip_request(&req, &a);
	const struct kp_offsets_for_leader_epoch_request *o = &back.body.offsets_for_leader_epoch;
	assert_int_equal(o->replica_id, -1);
	assert_int_equal(o->topic_count, 3);
	assert_int_equal(o->topics[0].partitions[0].current_leader_epoch, -1);
	assert_int_equal(o->topics[0].partitions[1].leader_epoch, 7);
	assert_int_equal(o->topics[1].partition_count, 0);

	static const struct kp_epoch_end_offset eo[] = {
		{0, 0, 3, 1000}, {KP_ERR_FENCED_LEADER_EPOCH, 1, -1, -1}};
	static const struct kp_epoch_topic_result etr[] = {{{"a", 1}, eo, 2}, {{"b", 1}, NULL, 0}};
	struct kp_response resp = {KP_API_OFFSETS_FOR_LEADER_EPOCH, 3, 6, {{0}}};
	resp.body.offsets_for_leader_epoch = (struct kp_offsets_for_leader_epoch_response){
		250, etr, 2};
	struct kp_response rback = round_trip_response(&resp, &a);
	const struct kp_offsets_for_leader_epoch_response *ro =
		&rback.body.offsets_for_leader_epoch;
	assert_int_equal(ro->throttle_time_ms, 250);
	assert_int_equal(ro->topics[0].partitions[1].error_code, KP_ERR_FENCED_LEADER_EPOCH);
	assert_int_equal(ro->topics[0].partitions[1].end_offset, -1);
	assert_int_equal(ro->topics[0].partitions[0].end_offset, 1000);

	/* A topic name of 200 bytes takes a two-byte uvarint length (201). */
	static char longname[200];
	memset(longname, 'n', sizeof longname);
	static const struct kp_alter_partition_partition app[] = {
		{0, 5, r123, 3, 10}, {1, 6, NULL, 0, 11}};
	struct kp_alter_partition_topic apt[] = {
		{{longname, 200}, app, 2}, {{"z", 1}, NULL, 0}};
	req = (struct kp_request){.header = {KP_API_ALTER_PARTITION, 0, 7, {NULL, -1}}};
	req.body.alter_partition = (struct kp_alter_partition_request){3, -1, apt, 2};
	back = round_trip_request(&req, &a);
	const struct kp_alter_partition_request *ap = &back.body.alter_partition;
	assert_int_equal(ap->broker_id, 3);
	assert_int_equal(ap->broker_epoch, -1);
	assert_int_equal(ap->topics[0].topic_name.len, 200);
	assert_int_equal(ap->topics[0].partitions[0].new_isr_count, 3);
	assert_int_equal(ap->topics[0].partitions[0].new_isr[2], 3);
	assert_int_equal(ap->topics[0].partitions[1].new_isr_count, 0);
	assert_int_equal(ap->topics[0].partitions[1].partition_epoch, 11);
	assert_int_equal(ap->topics[1].partition_count, 0);

	static const struct kp_alter_partition_result apr[] = {
		{0, 0, 1, 5, r123, 3, 10},
		{1, KP_ERR_INVALID_UPDATE_VERSION, -1, -1, NULL, 0, -1},
	};
	static const struct kp_alter_partition_topic_result aptr[] = {
		{{"a", 1}, apr, 2}, {{"b", 1}, NULL, 0}};
	resp = (struct kp_response){KP_API_ALTER_PARTITION, 0, 7, {{0}}};
	resp.body.alter_partition = (struct kp_alter_partition_response){0, 0, aptr, 2};
	rback = round_trip_response(&resp, &a);
	const struct kp_alter_partition_response *rap = &rback.body.alter_partition;
	assert_int_equal(rap->topic_count, 2);
	assert_int_equal(rap->topics[0].partitions[1].error_code, KP_ERR_INVALID_UPDATE_VERSION);
	assert_int_equal(rap->topics[0].partitions[0].isr[1], 2);
	assert_int_equal(rap->topics[1].partition_count, 0);

	resp.body.alter_partition = (struct kp_alter_partition_response){
		10, KP_ERR_NOT_CONTROLLER, NULL, 0};
	rback = round_trip_response(&resp, &a);
	assert_int_equal(rback.body.alter_partition.error_code, KP_ERR_NOT_CONTROLLER);
	assert_int_equal(rback.body.alter_partition.throttle_time_ms, 10);
}

/* ---- Encoding errors, headers, names ------------------------------------------------------ */

static int encode_err(const struct kp_request *req)
{
	struct wire_writer w;
	wire_writer_init(&w, out, sizeof out);
	kp_encode_request(&w, req);
	return w.err;
}

static void test_encode_refuses_bad_values(void **state)
{
	struct kp_request req = vec_lai_request();
	static const struct kp_topic_states null_name[] = {{{NULL, -1}, NULL, 0}};
	req.body.leader_and_isr.topics = null_name;
	assert_int_equal(encode_err(&req), WIRE_EINVAL);
	req = vec_lai_request();
	req.body.leader_and_isr.live_leaders = NULL; /* count 1 but no items */
	assert_int_equal(encode_err(&req), WIRE_EINVAL);

	req = vec_um_request();
	static const struct kp_update_metadata_endpoint null_listener[] = {
		{1, {"h", 1}, {NULL, -1}, 0}};
	static const struct kp_update_metadata_broker b[] = {{1, null_listener, 1, {NULL, -1}}};
	req.body.update_metadata.live_brokers = b;
	assert_int_equal(encode_err(&req), WIRE_EINVAL);

	req = vec_sr_request();
	static const struct kp_stop_replica_topic st[] = {{{"t", 1}, NULL, 2}};
	req.body.stop_replica.topics = st;
	assert_int_equal(encode_err(&req), WIRE_EINVAL);

	req = vec_ap_request();
	static const struct kp_alter_partition_topic apt[] = {{{NULL, -1}, NULL, 0}};
	req.body.alter_partition.topics = apt;
	assert_int_equal(encode_err(&req), WIRE_EINVAL);
	req = vec_ap_request();
	req.body.alter_partition.topic_count = -1;
	assert_int_equal(encode_err(&req), WIRE_EINVAL);

	/* Versions other than the one each API speaks are refused. */
	req = vec_lai_request();
	req.header.api_version = 3;
	assert_int_equal(encode_err(&req), KP_EVERSION);
	req = vec_ap_request();
	req.header.api_version = 1;
	assert_int_equal(encode_err(&req), KP_EVERSION);
}

static void test_headers_and_names(void **state)
{
	/* First flexible versions from Kafka 3.4's schemas. */
	assert_int_equal(kp_api_first_flexible(KP_API_LEADER_AND_ISR), 4);
	assert_int_equal(kp_api_first_flexible(KP_API_UPDATE_METADATA), 6);
	assert_int_equal(kp_api_first_flexible(KP_API_STOP_REPLICA), 2);
	assert_int_equal(kp_api_first_flexible(KP_API_OFFSETS_FOR_LEADER_EPOCH), 4);
	assert_int_equal(kp_api_first_flexible(KP_API_ALTER_PARTITION), 0);
	assert_int_equal(kp_request_header_version(KP_API_LEADER_AND_ISR, 2), 1);
	assert_int_equal(kp_response_header_version(KP_API_LEADER_AND_ISR, 2), 0);
	assert_int_equal(kp_request_header_version(KP_API_LEADER_AND_ISR, 4), 2);
	assert_int_equal(kp_request_header_version(KP_API_ALTER_PARTITION, 0), 2);
	assert_int_equal(kp_response_header_version(KP_API_ALTER_PARTITION, 0), 1);
	assert_string_equal(kp_api_name(KP_API_LEADER_AND_ISR), "LeaderAndIsr");
	assert_string_equal(kp_api_name(KP_API_STOP_REPLICA), "StopReplica");
	assert_string_equal(kp_api_name(KP_API_UPDATE_METADATA), "UpdateMetadata");
	assert_string_equal(kp_api_name(KP_API_OFFSETS_FOR_LEADER_EPOCH), "OffsetForLeaderEpoch");
	assert_string_equal(kp_api_name(KP_API_ALTER_PARTITION), "AlterPartition");

	int16_t lo, hi;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_true(kp_api_supported_range(cases[i].api_key, &lo, &hi));
		assert_int_equal(lo, cases[i].version);
		assert_int_equal(hi, cases[i].version);
	}
	/* An unsupported version of a known API: header fields kept. */
	uint8_t buf[sizeof vec_update_metadata_v5_request];
	memcpy(buf, vec_update_metadata_v5_request, sizeof buf);
	buf[3] = 6;
	struct kp_arena a;
	struct kp_request req;
	kp_arena_init(&a, arena_mem, sizeof arena_mem);
	assert_int_equal(kp_decode_request(buf, sizeof buf, &a, &req), KP_EVERSION);
	assert_int_equal(req.header.api_key, KP_API_UPDATE_METADATA);
	assert_int_equal(req.header.correlation_id, 8);

	assert_string_equal(kp_error_name(95), "INVALID_UPDATE_VERSION");
	assert_string_equal(kp_error_name(107), "INELIGIBLE_REPLICA");
	assert_string_equal(kp_error_name(108), "NEW_LEADER_ELECTED");
	assert_string_equal(kp_error_name(91), "RESOURCE_NOT_FOUND");
	assert_string_equal(kp_error_name(106), "FETCH_SESSION_TOPIC_ID_ERROR");
	assert_string_equal(kp_error_name(109), "UNKNOWN");
}

/* A ZooKeeper-mode broker lists the inter-broker APIs in ApiVersions, each
 * at exactly the one version the codec decodes. */
static void test_broker_advertises_them(void **state)
{
	size_t n;
	const struct kp_api_version_range *adv = brk_front_advertised(&n);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t found = 0;
		for (size_t j = 0; j < n; j++) {
			if (adv[j].api_key != cases[i].api_key)
				continue;
			found++;
			assert_int_equal(adv[j].min_version, cases[i].version);
			assert_int_equal(adv[j].max_version, cases[i].version);
		}
		assert_int_equal(found, 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_encode_exact),
		cmocka_unit_test(test_vectors_decode_fields),
		cmocka_unit_test(test_truncated_prefixes_fail),
		cmocka_unit_test(test_corrupted_bytes_are_safe),
		cmocka_unit_test(test_bad_counts_and_small_arena),
		cmocka_unit_test(test_arena_sizes_sweep),
		cmocka_unit_test(test_alter_partition_bad_compact_counts),
		cmocka_unit_test(test_alter_partition_skips_tags),
		cmocka_unit_test(test_round_trip_controller_requests),
		cmocka_unit_test(test_round_trip_controller_responses),
		cmocka_unit_test(test_round_trip_replica_apis),
		cmocka_unit_test(test_encode_refuses_bad_values),
		cmocka_unit_test(test_headers_and_names),
		cmocka_unit_test(test_broker_advertises_them),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
