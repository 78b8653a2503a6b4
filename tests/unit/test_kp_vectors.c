/*
 * Unit tests for broker/kp: every hand-derived vector in test_kp_vectors.h
 * decodes to the expected fields, and the same fields encode back to exactly
 * the same bytes (both sides of each message: clients encode requests and
 * decode responses, the broker the opposite).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "broker/kp/kp_dispatch.h"
#include "broker/kp/kp_error.h"
#include "test_kp_vectors.h"

static uint8_t arena_mem[1 << 16];
static uint8_t out[1 << 16];

static struct kp_arena fresh_arena(void)
{
	struct kp_arena a;
	kp_arena_init(&a, arena_mem, sizeof arena_mem);
	return a;
}

/* Encodes with `w` set up by the caller and checks the bytes are `want`. */
static void assert_encoded(const struct wire_writer *w, const uint8_t *want, size_t n)
{
	assert_int_equal(w->err, 0);
	assert_int_equal(w->len, n);
	assert_memory_equal(w->buf, want, n);
}

static const struct kp_str rdkafka = {"rdkafka", 7};

static void test_api_versions_v3_request(void **state)
{
	struct kp_arena a = fresh_arena();
	struct kp_request req;
	const uint8_t *v = vec_api_versions_v3_request;
	assert_int_equal(sizeof vec_api_versions_v3_request, 36);
	assert_int_equal(kp_decode_request(v, 36, &a, &req), 0);
	assert_int_equal(req.header.api_key, KP_API_API_VERSIONS);
	assert_int_equal(req.header.api_version, 3);
	assert_int_equal(req.header.correlation_id, 1);
	assert_true(kp_str_eq(req.header.client_id, "rdkafka"));
	assert_true(kp_str_eq(req.body.api_versions.client_software_name, "librdkafka"));
	assert_true(kp_str_eq(req.body.api_versions.client_software_version, "2.0.2"));
	/* The strings are views into the frame, not copies. */
	assert_ptr_equal(req.header.client_id.ptr, (const char *)v + 10);

	struct wire_writer w;
	wire_writer_init(&w, out, sizeof out);
	size_t at = kp_frame_begin(&w);
	kp_encode_request(&w, &req);
	kp_frame_end(&w, at);
	assert_int_equal(w.err, 0);
	assert_int_equal(w.len, 40);
	const uint8_t size[] = {0x00, 0x00, 0x00, 0x24}; /* 36 */
	assert_memory_equal(out, size, 4);
	assert_memory_equal(out + 4, v, 36);
}

static void test_api_versions_v3_response(void **state)
{
	const struct kp_api_version_range keys[] = {{18, 0, 3}, {3, 0, 4}};
	const struct kp_api_versions_response resp = {
		.error_code = 0, .api_keys = keys, .api_key_count = 2, .throttle_time_ms = 0};
	struct wire_writer w;
	wire_writer_init(&w, out, sizeof out);
	kp_encode_response_header(&w, KP_API_API_VERSIONS, 3, 1);
	kp_encode_api_versions_response(&w, 3, &resp);
	assert_encoded(&w, vec_api_versions_v3_response, sizeof vec_api_versions_v3_response);

	/* Decode both the plain vector and the one with an unknown tag. */
	const uint8_t *vs[] = {vec_api_versions_v3_response, vec_api_versions_v3_response_tagged};
	size_t ns[] = {sizeof vec_api_versions_v3_response,
		       sizeof vec_api_versions_v3_response_tagged};
	for (int i = 0; i < 2; i++) {
		struct kp_arena a = fresh_arena();
		struct wire_reader r;
		int32_t corr;
		struct kp_api_versions_response got;
		wire_reader_init(&r, vs[i], ns[i]);
		assert_int_equal(kp_decode_response_header(&r, KP_API_API_VERSIONS, 3, &corr), 0);
		assert_int_equal(corr, 1);
		assert_int_equal(kp_decode_api_versions_response(&r, &a, 3, &got), 0);
		assert_int_equal(got.error_code, 0);
		assert_int_equal(got.api_key_count, 2);
		assert_int_equal(got.api_keys[1].api_key, 3);
		assert_int_equal(got.api_keys[1].min_version, 0);
		assert_int_equal(got.api_keys[1].max_version, 4);
		assert_int_equal(got.api_keys[0].max_version, 3);
		assert_int_equal(got.throttle_time_ms, 0);
	}
}

/* v0-v2 responses use a plain ARRAY and no tags; v0 has no throttle. */
static void test_api_versions_old_versions(void **state)
{
	const struct kp_api_version_range key = {0, 0, 7};
	const struct kp_api_versions_response resp = {
		.error_code = 0, .api_keys = &key, .api_key_count = 1, .throttle_time_ms = 9};
	const uint8_t v0[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x01, /* error 0, count 1 */
			      0x00, 0x00, 0x00, 0x00, 0x00, 0x07};  /* {0, 0, 7} */
	const uint8_t v1_tail[] = {0x00, 0x00, 0x00, 0x09};         /* throttle 9 */
	struct wire_writer w;
	wire_writer_init(&w, out, sizeof out);
	kp_encode_api_versions_response(&w, 0, &resp);
	assert_encoded(&w, v0, sizeof v0);
	wire_writer_init(&w, out, sizeof out);
	kp_encode_api_versions_response(&w, 2, &resp);
	assert_int_equal(w.len, sizeof v0 + 4);
	assert_memory_equal(out, v0, sizeof v0);
	assert_memory_equal(out + sizeof v0, v1_tail, 4);

	/* A v0-v2 request body is empty. */
	struct kp_api_versions_request req;
	struct wire_reader r;
	wire_reader_init(&r, out, 0);
	assert_int_equal(kp_decode_api_versions_request(&r, 2, &req), 0);
	wire_reader_init(&r, v0, 1);
	assert_int_equal(kp_decode_api_versions_request(&r, 1, &req), KP_ETRAILING);
}

static void test_metadata_v4_request(void **state)
{
	struct kp_arena a = fresh_arena();
	struct kp_request req;
	assert_int_equal(kp_decode_request(vec_metadata_v4_request, sizeof vec_metadata_v4_request,
					   &a, &req),
			 0);
	assert_int_equal(req.header.api_key, KP_API_METADATA);
	assert_int_equal(req.header.correlation_id, 2);
	assert_int_equal(req.body.metadata.topic_count, 1);
	assert_true(kp_str_eq(req.body.metadata.topics[0], "orders"));
	assert_false(req.body.metadata.allow_auto_topic_creation);

	const struct kp_str topics[] = {{"orders", 6}};
	struct kp_request enc = {.header = {3, 4, 2, rdkafka}};
	enc.body.metadata = (struct kp_metadata_request){topics, 1, false};
	struct wire_writer w;
	wire_writer_init(&w, out, sizeof out);
	kp_encode_request(&w, &enc);
	assert_encoded(&w, vec_metadata_v4_request, sizeof vec_metadata_v4_request);

	/* A null topics array means all topics. */
	a = fresh_arena();
	assert_int_equal(kp_decode_request(vec_metadata_v4_request_all,
					   sizeof vec_metadata_v4_request_all, &a, &req),
			 0);
	assert_int_equal(req.body.metadata.topic_count, -1);
	assert_null(req.body.metadata.topics);
	assert_true(req.body.metadata.allow_auto_topic_creation);
	assert_true(req.header.client_id.len == -1);
	wire_writer_init(&w, out, sizeof out);
	kp_encode_request(&w, &req);
	assert_encoded(&w, vec_metadata_v4_request_all, sizeof vec_metadata_v4_request_all);
}

static void test_metadata_v4_response(void **state)
{
	const int32_t replicas[] = {1, 2}, isr[] = {1};
	const struct kp_metadata_broker broker = {1, {"b1", 2}, 9092, KP_STR_NULL};
	const struct kp_metadata_partition part = {0, 0, 1, replicas, 2, isr, 1, NULL, 0};
	const struct kp_metadata_topic topic = {0, {"orders", 6}, false, &part, 1};
	const struct kp_metadata_response resp = {0, &broker, 1, {"ksim", 4}, 1, &topic, 1};
	struct wire_writer w;
	wire_writer_init(&w, out, sizeof out);
	kp_encode_response_header(&w, KP_API_METADATA, 4, 2);
	kp_encode_metadata_response(&w, 4, &resp);
	assert_encoded(&w, vec_metadata_v4_response, sizeof vec_metadata_v4_response);

	struct kp_arena a = fresh_arena();
	struct wire_reader r;
	int32_t corr;
	struct kp_metadata_response got;
	wire_reader_init(&r, vec_metadata_v4_response, sizeof vec_metadata_v4_response);
	assert_int_equal(kp_decode_response_header(&r, KP_API_METADATA, 4, &corr), 0);
	assert_int_equal(corr, 2);
	assert_int_equal(kp_decode_metadata_response(&r, &a, 4, &got), 0);
	assert_int_equal(got.broker_count, 1);
	assert_int_equal(got.brokers[0].port, 9092);
	assert_true(kp_str_eq(got.brokers[0].host, "b1"));
	assert_int_equal(got.brokers[0].rack.len, -1);
	assert_true(kp_str_eq(got.cluster_id, "ksim"));
	assert_int_equal(got.controller_id, 1);
	assert_int_equal(got.topic_count, 1);
	assert_true(kp_str_eq(got.topics[0].name, "orders"));
	const struct kp_metadata_partition *p = &got.topics[0].partitions[0];
	assert_int_equal(got.topics[0].partition_count, 1);
	assert_int_equal(p->leader_id, 1);
	assert_int_equal(p->replica_count, 2);
	assert_int_equal(p->replica_nodes[1], 2);
	assert_int_equal(p->isr_count, 1);
	assert_int_equal(p->isr_nodes[0], 1);
}

static void test_produce_v7_request(void **state)
{
	const uint8_t blob[] = {0xde, 0xad, 0xbe, 0xef, 0x01};
	const struct kp_produce_partition part = {0, {blob, 5}};
	const struct kp_produce_topic topic = {{"orders", 6}, &part, 1};
	struct kp_request enc = {.header = {0, 7, 3, rdkafka}};
	enc.body.produce = (struct kp_produce_request){KP_STR_NULL, -1, 30000, &topic, 1};
	struct wire_writer w;
	wire_writer_init(&w, out, sizeof out);
	kp_encode_request(&w, &enc);
	assert_encoded(&w, vec_produce_v7_request, sizeof vec_produce_v7_request);

	struct kp_arena a = fresh_arena();
	struct kp_request req;
	assert_int_equal(kp_decode_request(vec_produce_v7_request, sizeof vec_produce_v7_request,
					   &a, &req),
			 0);
	const struct kp_produce_request *p = &req.body.produce;
	assert_int_equal(p->transactional_id.len, -1);
	assert_int_equal(p->acks, -1);
	assert_int_equal(p->timeout_ms, 30000);
	assert_int_equal(p->topic_count, 1);
	assert_true(kp_str_eq(p->topics[0].name, "orders"));
	assert_int_equal(p->topics[0].partition_count, 1);
	assert_int_equal(p->topics[0].partitions[0].index, 0);
	assert_true(kp_bytes_same(p->topics[0].partitions[0].records,
				  (struct kp_bytes){blob, 5}));
	/* The records are a view of the frame's last five bytes. */
	assert_ptr_equal(p->topics[0].partitions[0].records.ptr,
			 vec_produce_v7_request + sizeof vec_produce_v7_request - 5);
}

static void test_produce_v7_response(void **state)
{
	const struct kp_produce_partition_response part = {0, 0, 42, -1, 0};
	const struct kp_produce_topic_response topic = {{"orders", 6}, &part, 1};
	const struct kp_produce_response resp = {&topic, 1, 7};
	struct wire_writer w;
	wire_writer_init(&w, out, sizeof out);
	kp_encode_response_header(&w, KP_API_PRODUCE, 7, 3);
	kp_encode_produce_response(&w, 7, &resp);
	assert_encoded(&w, vec_produce_v7_response, sizeof vec_produce_v7_response);

	struct kp_arena a = fresh_arena();
	struct wire_reader r;
	int32_t corr;
	struct kp_produce_response got;
	wire_reader_init(&r, vec_produce_v7_response, sizeof vec_produce_v7_response);
	assert_int_equal(kp_decode_response_header(&r, KP_API_PRODUCE, 7, &corr), 0);
	assert_int_equal(corr, 3);
	assert_int_equal(kp_decode_produce_response(&r, &a, 7, &got), 0);
	assert_int_equal(got.throttle_time_ms, 7);
	assert_int_equal(got.topic_count, 1);
	assert_int_equal(got.topics[0].partition_count, 1);
	const struct kp_produce_partition_response *gp = &got.topics[0].partitions[0];
	assert_int_equal(gp->index, 0);
	assert_int_equal(gp->error_code, 0);
	assert_true(gp->base_offset == 42 && gp->log_append_time_ms == -1);
	assert_true(gp->log_start_offset == 0);
}

static void test_fetch_v11_request(void **state)
{
	const struct kp_fetch_partition part = {0, 5, 10, -1, 1048576};
	const struct kp_fetch_topic topic = {{"orders", 6}, &part, 1};
	struct kp_request enc = {.header = {1, 11, 4, rdkafka}};
	enc.body.fetch = (struct kp_fetch_request){
		.replica_id = -1, .max_wait_ms = 500, .min_bytes = 1, .max_bytes = 52428800,
		.isolation_level = 1, .session_id = 0, .session_epoch = -1,
		.topics = &topic, .topic_count = 1, .rack_id = {"", 0}};
	struct wire_writer w;
	wire_writer_init(&w, out, sizeof out);
	kp_encode_request(&w, &enc);
	assert_encoded(&w, vec_fetch_v11_request, sizeof vec_fetch_v11_request);

	struct kp_arena a = fresh_arena();
	struct kp_request req;
	assert_int_equal(kp_decode_request(vec_fetch_v11_request, sizeof vec_fetch_v11_request, &a,
					   &req),
			 0);
	const struct kp_fetch_request *f = &req.body.fetch;
	assert_int_equal(f->replica_id, -1);
	assert_int_equal(f->max_bytes, 52428800);
	assert_int_equal(f->isolation_level, 1);
	assert_int_equal(f->session_epoch, -1);
	assert_int_equal(f->topic_count, 1);
	const struct kp_fetch_partition *gp = &f->topics[0].partitions[0];
	assert_int_equal(gp->partition, 0);
	assert_int_equal(gp->current_leader_epoch, 5);
	assert_true(gp->fetch_offset == 10 && gp->log_start_offset == -1);
	assert_int_equal(gp->partition_max_bytes, 1048576);
	assert_int_equal(f->forgotten_count, 0);
	assert_true(kp_str_eq(f->rack_id, ""));
}

static void test_fetch_v11_response(void **state)
{
	const uint8_t recs[] = {0xaa, 0xbb, 0xcc};
	const struct kp_fetch_partition_response part = {
		.partition_index = 0, .error_code = 0, .high_watermark = 10,
		.last_stable_offset = 10, .log_start_offset = 0, .aborted = NULL,
		.aborted_count = 0, .preferred_read_replica = -1, .records = {recs, 3}};
	const struct kp_fetch_topic_response topic = {{"orders", 6}, &part, 1};
	const struct kp_fetch_response resp = {5, 0, 0, &topic, 1};
	struct wire_writer w;
	wire_writer_init(&w, out, sizeof out);
	kp_encode_response_header(&w, KP_API_FETCH, 11, 4);
	kp_encode_fetch_response(&w, 11, &resp);
	assert_encoded(&w, vec_fetch_v11_response, sizeof vec_fetch_v11_response);

	struct kp_arena a = fresh_arena();
	struct wire_reader r;
	int32_t corr;
	struct kp_fetch_response got;
	wire_reader_init(&r, vec_fetch_v11_response, sizeof vec_fetch_v11_response);
	assert_int_equal(kp_decode_response_header(&r, KP_API_FETCH, 11, &corr), 0);
	assert_int_equal(kp_decode_fetch_response(&r, &a, 11, &got), 0);
	assert_int_equal(got.throttle_time_ms, 5);
	assert_int_equal(got.topic_count, 1);
	const struct kp_fetch_partition_response *p = &got.topics[0].partitions[0];
	assert_int_equal(p->high_watermark, 10);
	assert_int_equal(p->last_stable_offset, 10);
	/* Empty, not null: read_committed clients need the list present. */
	assert_int_equal(p->aborted_count, 0);
	assert_int_equal(p->preferred_read_replica, -1);
	assert_true(kp_bytes_same(p->records, (struct kp_bytes){recs, 3}));
}

static void test_list_offsets_v2_request(void **state)
{
	const struct kp_list_offsets_partition part = {0, KP_LIST_OFFSETS_LATEST};
	const struct kp_list_offsets_topic topic = {{"orders", 6}, &part, 1};
	struct kp_request enc = {.header = {2, 2, 5, rdkafka}};
	enc.body.list_offsets = (struct kp_list_offsets_request){-1, 1, &topic, 1};
	struct wire_writer w;
	wire_writer_init(&w, out, sizeof out);
	kp_encode_request(&w, &enc);
	assert_encoded(&w, vec_list_offsets_v2_request, sizeof vec_list_offsets_v2_request);

	struct kp_arena a = fresh_arena();
	struct kp_request req;
	assert_int_equal(kp_decode_request(vec_list_offsets_v2_request,
					   sizeof vec_list_offsets_v2_request, &a, &req),
			 0);
	assert_int_equal(req.body.list_offsets.isolation_level, 1);
	assert_true(req.body.list_offsets.topics[0].partitions[0].timestamp == -1);
}

static void test_init_producer_id_v1_request(void **state)
{
	struct kp_request enc = {.header = {22, 1, 6, rdkafka}};
	enc.body.init_producer_id = (struct kp_init_producer_id_request){KP_STR_NULL, 60000};
	struct wire_writer w;
	wire_writer_init(&w, out, sizeof out);
	kp_encode_request(&w, &enc);
	assert_encoded(&w, vec_init_producer_id_v1_request,
		       sizeof vec_init_producer_id_v1_request);

	struct kp_arena a = fresh_arena();
	struct kp_request req;
	assert_int_equal(kp_decode_request(vec_init_producer_id_v1_request,
					   sizeof vec_init_producer_id_v1_request, &a, &req),
			 0);
	assert_int_equal(req.body.init_producer_id.transactional_id.len, -1);
	assert_int_equal(req.body.init_producer_id.transaction_timeout_ms, 60000);
}

static void test_create_topics_v4_request(void **state)
{
	const struct kp_create_topics_config cfg = {{"cleanup.policy", 14}, {"compact", 7}};
	const struct kp_create_topics_topic topic = {{"t", 1}, 3, 2, NULL, 0, &cfg, 1};
	struct kp_request enc = {.header = {19, 4, 7, KP_STR_NULL}};
	enc.body.create_topics = (struct kp_create_topics_request){&topic, 1, 30000, false};
	struct wire_writer w;
	wire_writer_init(&w, out, sizeof out);
	kp_encode_request(&w, &enc);
	assert_encoded(&w, vec_create_topics_v4_request, sizeof vec_create_topics_v4_request);

	struct kp_arena a = fresh_arena();
	struct kp_request req;
	assert_int_equal(kp_decode_request(vec_create_topics_v4_request,
					   sizeof vec_create_topics_v4_request, &a, &req),
			 0);
	const struct kp_create_topics_topic *t = &req.body.create_topics.topics[0];
	assert_int_equal(t->num_partitions, 3);
	assert_int_equal(t->replication_factor, 2);
	assert_int_equal(t->assignment_count, 0);
	assert_true(kp_str_eq(t->configs[0].name, "cleanup.policy"));
	assert_true(kp_str_eq(t->configs[0].value, "compact"));
	assert_int_equal(req.body.create_topics.timeout_ms, 30000);
}

/* Small responses whose bytes are short enough to derive inline. */
static void test_small_responses(void **state)
{
	/* InitProducerId v1: throttle 0, error 0, producer_id 1000 = 0x3e8,
	 * producer_epoch 0. */
	const uint8_t ipid[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
				0x00, 0x00, 0x03, 0xe8, 0x00, 0x00};
	const struct kp_init_producer_id_response ir = {0, 0, 1000, 0};
	struct wire_writer w;
	wire_writer_init(&w, out, sizeof out);
	kp_encode_init_producer_id_response(&w, 1, &ir);
	assert_encoded(&w, ipid, sizeof ipid);

	/* CreateTopics v4: throttle 0, topics [{"t", 36 TOPIC_ALREADY_EXISTS,
	 * error_message "x"}]. */
	const uint8_t ct[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't',
			      0x00, 0x24, 0x00, 0x01, 'x'};
	const struct kp_create_topics_topic_response ctt = {{"t", 1}, 36, {"x", 1}};
	const struct kp_create_topics_response cr = {0, &ctt, 1};
	wire_writer_init(&w, out, sizeof out);
	kp_encode_create_topics_response(&w, 4, &cr);
	assert_encoded(&w, ct, sizeof ct);

	/* ListOffsets v2: throttle 0, topics [{"t", [{0, error 0, timestamp -1,
	 * offset 3}]}]. */
	const uint8_t lo[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't',
			      0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
			      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03};
	const struct kp_list_offsets_partition_response lp = {0, 0, -1, 3};
	const struct kp_list_offsets_topic_response lt = {{"t", 1}, &lp, 1};
	const struct kp_list_offsets_response lr = {0, &lt, 1};
	wire_writer_init(&w, out, sizeof out);
	kp_encode_list_offsets_response(&w, 2, &lr);
	assert_encoded(&w, lo, sizeof lo);

	struct kp_arena a = fresh_arena();
	struct wire_reader r;
	struct kp_create_topics_response cgot;
	wire_reader_init(&r, ct, sizeof ct);
	assert_int_equal(kp_decode_create_topics_response(&r, &a, 4, &cgot), 0);
	assert_int_equal(cgot.topics[0].error_code, KP_ERR_TOPIC_ALREADY_EXISTS);
	struct kp_init_producer_id_response igot;
	wire_reader_init(&r, ipid, sizeof ipid);
	assert_int_equal(kp_decode_init_producer_id_response(&r, 1, &igot), 0);
	assert_true(igot.producer_id == 1000);
	struct kp_list_offsets_response lgot;
	wire_reader_init(&r, lo, sizeof lo);
	assert_int_equal(kp_decode_list_offsets_response(&r, &a, 2, &lgot), 0);
	assert_true(lgot.topics[0].partitions[0].offset == 3);
}

static void test_join_group_v5_request(void **state)
{
	const uint8_t meta[] = {0, 1, 2};
	const struct kp_join_group_protocol proto = {{"range", 5}, {meta, 3}};
	struct kp_request enc = {.header = {KP_API_JOIN_GROUP, 5, 8, rdkafka}};
	enc.body.join_group = (struct kp_join_group_request){
		{"g", 1}, 10000, 300000, {"", 0}, KP_STR_NULL, {"consumer", 8}, &proto, 1};
	struct wire_writer w;
	wire_writer_init(&w, out, sizeof out);
	kp_encode_request(&w, &enc);
	assert_encoded(&w, vec_join_group_v5_request, sizeof vec_join_group_v5_request);

	struct kp_arena a = fresh_arena();
	struct kp_request req;
	assert_int_equal(kp_decode_request(vec_join_group_v5_request,
					   sizeof vec_join_group_v5_request, &a, &req),
			 0);
	const struct kp_join_group_request *j = &req.body.join_group;
	assert_true(kp_str_eq(j->group_id, "g"));
	assert_int_equal(j->rebalance_timeout_ms, 300000);
	assert_true(kp_str_eq(j->member_id, ""));
	assert_int_equal(j->group_instance_id.len, -1);
	assert_true(kp_str_eq(j->protocols[0].name, "range"));
	assert_true(kp_bytes_same(j->protocols[0].metadata, (struct kp_bytes){meta, 3}));
}

static void test_offset_commit_v5_request(void **state)
{
	const struct kp_offset_commit_partition part = {0, 100, KP_STR_NULL};
	const struct kp_offset_commit_topic topic = {{"orders", 6}, &part, 1};
	struct kp_request enc = {.header = {KP_API_OFFSET_COMMIT, 5, 9, rdkafka}};
	enc.body.offset_commit = (struct kp_offset_commit_request){
		{"g", 1}, 1, {"m1", 2}, &topic, 1};
	struct wire_writer w;
	wire_writer_init(&w, out, sizeof out);
	kp_encode_request(&w, &enc);
	assert_encoded(&w, vec_offset_commit_v5_request, sizeof vec_offset_commit_v5_request);

	struct kp_arena a = fresh_arena();
	struct kp_request req;
	assert_int_equal(kp_decode_request(vec_offset_commit_v5_request,
					   sizeof vec_offset_commit_v5_request, &a, &req),
			 0);
	const struct kp_offset_commit_partition *p =
		&req.body.offset_commit.topics[0].partitions[0];
	assert_true(p->committed_offset == 100);
	assert_int_equal(p->committed_metadata.len, -1);
	assert_int_equal(req.body.offset_commit.generation_id, 1);
}

static void test_offset_fetch_v4_response(void **state)
{
	const struct kp_offset_fetch_partition_response part = {0, 100, {"", 0}, 0};
	const struct kp_offset_fetch_topic_response topic = {{"orders", 6}, &part, 1};
	const struct kp_response resp = {KP_API_OFFSET_FETCH, 4, 10,
					 {.offset_fetch = {0, &topic, 1, 0}}};
	struct wire_writer w;
	wire_writer_init(&w, out, sizeof out);
	kp_encode_response(&w, &resp);
	assert_encoded(&w, vec_offset_fetch_v4_response, sizeof vec_offset_fetch_v4_response);

	struct kp_arena a = fresh_arena();
	struct kp_response got;
	assert_int_equal(kp_decode_response(vec_offset_fetch_v4_response,
					    sizeof vec_offset_fetch_v4_response,
					    KP_API_OFFSET_FETCH, 4, &a, &got),
			 0);
	assert_int_equal(got.correlation_id, 10);
	const struct kp_offset_fetch_partition_response *p =
		&got.body.offset_fetch.topics[0].partitions[0];
	assert_true(p->committed_offset == 100);
	assert_true(kp_str_eq(p->metadata, ""));
	assert_int_equal(got.body.offset_fetch.error_code, 0);
}

static void test_find_coordinator_v2_response(void **state)
{
	const struct kp_response resp = {KP_API_FIND_COORDINATOR, 2, 11,
					 {.find_coordinator = {0, 0, KP_STR_NULL, 2,
							       {"b2", 2}, 9093}}};
	struct wire_writer w;
	wire_writer_init(&w, out, sizeof out);
	kp_encode_response(&w, &resp);
	assert_encoded(&w, vec_find_coordinator_v2_response,
		       sizeof vec_find_coordinator_v2_response);

	struct kp_arena a = fresh_arena();
	struct kp_response got;
	assert_int_equal(kp_decode_response(vec_find_coordinator_v2_response,
					    sizeof vec_find_coordinator_v2_response,
					    KP_API_FIND_COORDINATOR, 2, &a, &got),
			 0);
	assert_int_equal(got.body.find_coordinator.node_id, 2);
	assert_true(kp_str_eq(got.body.find_coordinator.host, "b2"));
	assert_int_equal(got.body.find_coordinator.port, 9093);
	assert_int_equal(got.body.find_coordinator.error_message.len, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api_versions_v3_request),
		cmocka_unit_test(test_api_versions_v3_response),
		cmocka_unit_test(test_api_versions_old_versions),
		cmocka_unit_test(test_metadata_v4_request),
		cmocka_unit_test(test_metadata_v4_response),
		cmocka_unit_test(test_produce_v7_request),
		cmocka_unit_test(test_produce_v7_response),
		cmocka_unit_test(test_fetch_v11_request),
		cmocka_unit_test(test_fetch_v11_response),
		cmocka_unit_test(test_list_offsets_v2_request),
		cmocka_unit_test(test_init_producer_id_v1_request),
		cmocka_unit_test(test_create_topics_v4_request),
		cmocka_unit_test(test_small_responses),
		cmocka_unit_test(test_join_group_v5_request),
		cmocka_unit_test(test_offset_commit_v5_request),
		cmocka_unit_test(test_offset_fetch_v4_response),
		cmocka_unit_test(test_find_coordinator_v2_response),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
