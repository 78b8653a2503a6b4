/*
 * Robustness and round-trip tests for broker/kp: every prefix of every
 * vector fails cleanly, a deterministic random-mutation loop never crashes
 * (run it under ASan or Valgrind; inputs sit in exact-size heap blocks so an
 * over-read is caught), arenas of any size fail with KP_EARENA or succeed,
 * and every message survives encode -> decode -> encode unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "broker/kp/kp_message.h"
#include "broker/kp/kp_error.h"
#include "test_kp_vectors.h"

static int decode_response(const uint8_t *p, size_t n, struct kp_arena *a,
			   struct kp_response *m)
{
	return kp_decode_response(p, n, m->api_key, m->api_version, a, m);
}

/* One frame to torture: a request (api_key < 0 here) or a response to
 * (api_key, version). `canonical` frames have one encoding only (no BOOLEAN,
 * no tagged fields), so a successful decode must re-encode to the input. */
struct vec_case {
	const char *name;
	const uint8_t *bytes;
	size_t len;
	int16_t api_key;
	int16_t version;
	bool canonical;
};

#define REQ(v, canon) {#v, v, sizeof v, -1, 0, canon}
#define RESP(v, key, ver, canon) {#v, v, sizeof v, key, ver, canon}

static const struct vec_case cases[] = {
	REQ(vec_api_versions_v3_request, false),
	REQ(vec_metadata_v4_request, false),
	REQ(vec_metadata_v4_request_all, false),
	REQ(vec_produce_v7_request, true),
	REQ(vec_fetch_v11_request, true),
	REQ(vec_list_offsets_v2_request, true),
	REQ(vec_init_producer_id_v1_request, true),
	REQ(vec_create_topics_v4_request, false),
	REQ(vec_join_group_v5_request, true),
	REQ(vec_offset_commit_v5_request, true),
	RESP(vec_api_versions_v3_response, KP_API_API_VERSIONS, 3, false),
	RESP(vec_api_versions_v3_response_tagged, KP_API_API_VERSIONS, 3, false),
	RESP(vec_metadata_v4_response, KP_API_METADATA, 4, false),
	RESP(vec_produce_v7_response, KP_API_PRODUCE, 7, true),
	RESP(vec_fetch_v11_response, KP_API_FETCH, 11, true),
	RESP(vec_offset_fetch_v4_response, KP_API_OFFSET_FETCH, 4, true),
	RESP(vec_find_coordinator_v2_response, KP_API_FIND_COORDINATOR, 2, true),
};
#define NCASES (sizeof cases / sizeof cases[0])

/* Decodes p[0..n) as the case's kind of frame, then re-encodes what it got
 * into a fresh heap block (*enc, *enc_len; freed by the caller). */
static int decode_case(const struct vec_case *c, const uint8_t *p, size_t n,
		       struct kp_arena *a, uint8_t **enc, size_t *enc_len)
{
	struct kp_request req;
	struct kp_response resp = {.api_key = c->api_key, .api_version = c->version};
	int rc = c->api_key < 0 ? kp_decode_request(p, n, a, &req)
				: decode_response(p, n, a, &resp);
	*enc = NULL;
	*enc_len = 0;
	if (rc)
		return rc;
	for (int pass = 0; pass < 2; pass++) {
		struct wire_writer w;
		wire_writer_init(&w, *enc, *enc_len);
		if (c->api_key < 0)
			kp_encode_request(&w, &req);
		else
			kp_encode_response(&w, &resp);
		if (pass == 1) {
			assert_int_equal(w.err, 0);
			break;
		}
		*enc_len = w.len;
		*enc = malloc(w.len ? w.len : 1);
		assert_non_null(*enc);
	}
	return 0;
}

/* Decodes, re-encodes, and checks the re-encoding decodes to itself. */
static int check_frame(const struct vec_case *c, const uint8_t *p, size_t n)
{
	size_t cap = kp_arena_bound(n);
	void *mem = malloc(cap);
	struct kp_arena a;
	uint8_t *enc, *enc2;
	size_t enc_len, enc2_len;
	assert_non_null(mem);
	kp_arena_init(&a, mem, cap);
	int rc = decode_case(c, p, n, &a, &enc, &enc_len);
	assert_int_not_equal(rc, KP_EARENA); /* the documented bound suffices */
	if (rc == 0) {
		if (c->canonical) {
			assert_int_equal(enc_len, n);
			assert_memory_equal(enc, p, n);
		}
		kp_arena_init(&a, mem, cap);
		assert_int_equal(decode_case(c, enc, enc_len, &a, &enc2, &enc2_len), 0);
		assert_int_equal(enc2_len, enc_len);
		assert_memory_equal(enc2, enc, enc_len);
		free(enc2);
	}
	free(enc);
	free(mem);
	return rc;
}

static void test_vectors_decode_within_bound(void **state)
{
	for (size_t i = 0; i < NCASES; i++) {
		uint8_t *copy = malloc(cases[i].len);
		memcpy(copy, cases[i].bytes, cases[i].len);
		if (check_frame(&cases[i], copy, cases[i].len) != 0)
			fail_msg("%s does not decode", cases[i].name);
		free(copy);
	}
}

static void test_every_prefix_fails(void **state)
{
	for (size_t i = 0; i < NCASES; i++) {
		const struct vec_case *c = &cases[i];
		for (size_t n = 0; n < c->len; n++) {
			/* An exact-size heap block: reading byte n is caught. */
			uint8_t *p = malloc(n ? n : 1);
			memcpy(p, c->bytes, n);
			int rc = check_frame(c, p, n);
			if (rc != WIRE_ESHORT)
				fail_msg("%s prefix %zu gave %d", c->name, n, rc);
			free(p);
		}
	}
}

/* Any arena size either works or gives KP_EARENA, never a crash or a partial
 * success; the smallest that works is within kp_arena_bound. */
static void test_arena_sizes(void **state)
{
	for (size_t i = 0; i < NCASES; i++) {
		const struct vec_case *c = &cases[i];
		size_t bound = kp_arena_bound(c->len);
		size_t first_ok = 0;
		for (size_t cap = bound + 1; cap-- > 0;) {
			uint8_t *mem = malloc(cap ? cap : 1);
			struct kp_arena a;
			uint8_t *enc;
			size_t enc_len;
			kp_arena_init(&a, mem, cap);
			int rc = decode_case(c, c->bytes, c->len, &a, &enc, &enc_len);
			free(enc);
			free(mem);
			if (rc == 0)
				first_ok = cap;
			else if (rc == KP_EARENA)
				break;
			else
				fail_msg("%s with arena %zu gave %d", c->name, cap, rc);
		}
		assert_true(first_ok <= bound);
	}
}

static uint64_t rng_next(uint64_t *s)
{
	/* xorshift64*: a fixed-seed generator private to this test. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

/* Values that hit the edges of lengths and counts. */
static const uint8_t edge_bytes[] = {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff};

static size_t mutate(uint64_t *s, const struct vec_case *c, uint8_t *buf, size_t cap)
{
	size_t n = c->len;
	memcpy(buf, c->bytes, n);
	unsigned edits = 1 + rng_next(s) % 4;
	for (unsigned e = 0; e < edits; e++) {
		uint64_t x = rng_next(s);
		size_t at = (x >> 8) % n;
		switch (x % 5) {
		case 0: buf[at] = (uint8_t)(x >> 40); break;
		case 1: buf[at] ^= (uint8_t)(1u << ((x >> 32) % 8)); break;
		case 2: buf[at] = edge_bytes[(x >> 32) % sizeof edge_bytes]; break;
		case 3: n = at; break;                          /* truncate */
		default:                                        /* append junk */
			if (n < cap)
				buf[n++] = (uint8_t)(x >> 48);
		}
		if (n == 0)
			break;
	}
	return n;
}

static void test_random_mutations(void **state)
{
	uint64_t seed = 0x6b73696d6b70ULL; /* "ksimkp" */
	int iters = getenv("KSIM_UNDER_VALGRIND") ? 1500 : 30000;
	for (size_t i = 0; i < NCASES; i++) {
		const struct vec_case *c = &cases[i];
		int ok = 0, bad = 0;
		uint8_t *scratch = malloc(c->len + 8);
		for (int it = 0; it < iters; it++) {
			size_t n = mutate(&seed, c, scratch, c->len + 8);
			uint8_t *p = malloc(n ? n : 1);
			memcpy(p, scratch, n);
			int rc = check_frame(c, p, n);
			assert_true(rc <= 0);
			if (rc == 0)
				ok++;
			else
				bad++;
			free(p);
		}
		free(scratch);
		/* Both outcomes happen, so both paths were exercised. */
		assert_true(ok > 0);
		assert_true(bad > 0);
	}
}

/* Frames with absurd counts in the outer arrays. */
static void test_bad_counts_in_messages(void **state)
{
	uint8_t arena_mem[4096];
	struct kp_arena a;
	struct kp_request req;
	uint8_t f[sizeof vec_produce_v7_request];
	/* Produce topics count (body offset 8 after the 17-byte header). */
	const size_t topics_at = 17 + 8;
	const uint8_t counts[][4] = {
		{0x7f, 0xff, 0xff, 0xff}, /* 2^31 - 1 */
		{0x80, 0x00, 0x00, 0x00}, /* INT32_MIN */
		{0xff, 0xff, 0xff, 0xff}, /* -1 where not nullable */
		{0x00, 0x00, 0x00, 0x02}, /* 2 where 1 is present */
	};
	const int want[] = {WIRE_ESHORT, WIRE_EINVAL, WIRE_EINVAL, WIRE_ESHORT};
	for (size_t i = 0; i < 4; i++) {
		memcpy(f, vec_produce_v7_request, sizeof f);
		memcpy(f + topics_at, counts[i], 4);
		kp_arena_init(&a, arena_mem, sizeof arena_mem);
		assert_int_equal(kp_decode_request(f, sizeof f, &a, &req), want[i]);
		/* Absurd counts are refused before any arena use. */
		if (i < 3)
			assert_int_equal(a.used, 0);
	}
	/* Records length 2^31 - 1 (the last 9 bytes are length + blob). */
	memcpy(f, vec_produce_v7_request, sizeof f);
	memcpy(f + sizeof f - 9, counts[0], 4);
	kp_arena_init(&a, arena_mem, sizeof arena_mem);
	assert_int_equal(kp_decode_request(f, sizeof f, &a, &req), WIRE_ESHORT);
	/* Records length -2. */
	const uint8_t minus2[] = {0xff, 0xff, 0xff, 0xfe};
	memcpy(f + sizeof f - 9, minus2, 4);
	assert_int_equal(kp_decode_request(f, sizeof f, &a, &req), WIRE_EINVAL);
	/* Fetch aborted_transactions count -1 (nullable, so valid) and -2. */
	uint8_t g[sizeof vec_fetch_v11_response];
	struct kp_response m = {.api_key = KP_API_FETCH, .api_version = 11};
	const size_t aborted_at = 4 + 4 + 2 + 4 + 4 + 8 + 4 + 4 + 2 + 24;
	memcpy(g, vec_fetch_v11_response, sizeof g);
	memset(g + aborted_at, 0xff, 4);
	kp_arena_init(&a, arena_mem, sizeof arena_mem);
	assert_int_equal(decode_response(g, sizeof g, &a, &m), 0);
	assert_int_equal(m.body.fetch.topics[0].partitions[0].aborted_count, -1);
	g[aborted_at + 3] = 0xfe;
	assert_int_equal(decode_response(g, sizeof g, &a, &m), WIRE_EINVAL);
}

static uint8_t rt_buf[1 << 14], rt_buf2[1 << 14], rt_mem[1 << 15];

/* Encodes a request or response (one of req / resp) into buf, after a sizing
 * pass that must predict the length exactly. Returns the length. */
static size_t encode_sized(const struct kp_request *req, const struct kp_response *resp,
			   uint8_t *buf, size_t cap)
{
	struct wire_writer w;
	wire_writer_init(&w, NULL, 0);
	if (req)
		kp_encode_request(&w, req);
	else
		kp_encode_response(&w, resp);
	assert_true(w.err == 0 || w.err == WIRE_EOVERFLOW);
	size_t need = w.len;
	wire_writer_init(&w, buf, cap);
	if (req)
		kp_encode_request(&w, req);
	else
		kp_encode_response(&w, resp);
	assert_int_equal(w.err, 0);
	assert_int_equal(w.len, need);
	return need;
}

/* Encode, decode, re-encode: the bytes must match exactly. *got views
 * rt_buf and rt_mem until the next round trip. */
static void round_trip_request(const struct kp_request *req, struct kp_request *got)
{
	size_t len = encode_sized(req, NULL, rt_buf, sizeof rt_buf);
	struct kp_arena a;
	kp_arena_init(&a, rt_mem, sizeof rt_mem);
	assert_int_equal(kp_decode_request(rt_buf, len, &a, got), 0);
	assert_int_equal(got->header.api_key, req->header.api_key);
	assert_int_equal(got->header.api_version, req->header.api_version);
	assert_int_equal(got->header.correlation_id, req->header.correlation_id);
	assert_true(kp_str_same(got->header.client_id, req->header.client_id));
	assert_int_equal(encode_sized(got, NULL, rt_buf2, sizeof rt_buf2), len);
	assert_memory_equal(rt_buf2, rt_buf, len);
}

static void round_trip_response(const struct kp_response *resp, struct kp_response *got)
{
	size_t len = encode_sized(NULL, resp, rt_buf, sizeof rt_buf);
	struct kp_arena a;
	kp_arena_init(&a, rt_mem, sizeof rt_mem);
	got->api_key = resp->api_key;
	got->api_version = resp->api_version;
	assert_int_equal(decode_response(rt_buf, len, &a, got), 0);
	assert_int_equal(got->correlation_id, resp->correlation_id);
	assert_int_equal(encode_sized(NULL, got, rt_buf2, sizeof rt_buf2), len);
	assert_memory_equal(rt_buf2, rt_buf, len);
}

static const struct kp_str cid = {"sim-client-1", 12};

static void test_round_trip_api_versions(void **state)
{
	for (int16_t v = 0; v <= 3; v++) {
		struct kp_request req = {.header = {KP_API_API_VERSIONS, v, 100 + v, cid}};
		req.body.api_versions = (struct kp_api_versions_request){{"ksim", 4}, {"0.1", 3}};
		struct kp_request got;
		round_trip_request(&req, &got);
		const struct kp_api_versions_request *g = &got.body.api_versions;
		if (v == 3)
			assert_true(kp_str_eq(g->client_software_version, "0.1"));

		const struct kp_api_version_range keys[] = {{0, 0, 7}, {1, 4, 11}, {18, 0, 3}};
		struct kp_response resp = {KP_API_API_VERSIONS, v, 7, {.api_versions = {
			.error_code = 0, .api_keys = keys, .api_key_count = 3,
			.throttle_time_ms = v >= 1 ? 250 : 0}}};
		struct kp_response rgot;
		round_trip_response(&resp, &rgot);
		assert_int_equal(rgot.body.api_versions.api_key_count, 3);
		assert_int_equal(rgot.body.api_versions.api_keys[1].min_version, 4);
		assert_int_equal(rgot.body.api_versions.throttle_time_ms, v >= 1 ? 250 : 0);
	}
}

static void test_round_trip_metadata(void **state)
{
	const struct kp_str names[] = {{"a", 1}, {"bb", 2}, {"", 0}};
	struct kp_request req = {.header = {KP_API_METADATA, 4, 1, KP_STR_NULL}};
	req.body.metadata = (struct kp_metadata_request){names, 3, true};
	struct kp_request got;
	round_trip_request(&req, &got);
	assert_int_equal(got.body.metadata.topic_count, 3);
	assert_true(kp_str_eq(got.body.metadata.topics[1], "bb"));
	req.body.metadata = (struct kp_metadata_request){NULL, 0, false}; /* no topics */
	round_trip_request(&req, &got);
	assert_int_equal(got.body.metadata.topic_count, 0);

	const int32_t r3[] = {1, 2, 3}, r2[] = {3, 1};
	const struct kp_metadata_broker brokers[] = {
		{1, {"h1", 2}, 9092, {"rack-a", 6}}, {2, {"h2", 2}, 9093, KP_STR_NULL},
		{3, {"h3", 2}, 9094, {"", 0}}};
	const struct kp_metadata_partition parts[] = {
		{0, 0, 1, r3, 3, r3, 3, NULL, 0},
		{KP_ERR_LEADER_NOT_AVAILABLE, 1, -1, r2, 2, NULL, 0, NULL, 0}};
	const struct kp_metadata_topic topics[] = {
		{0, {"orders", 6}, false, parts, 2},
		{KP_ERR_UNKNOWN_TOPIC_OR_PARTITION, {"nope", 4}, false, NULL, 0},
		{0, {"__consumer_offsets", 18}, true, parts, 1}};
	struct kp_response resp = {KP_API_METADATA, 4, 9, {.metadata = {
		10, brokers, 3, KP_STR_NULL, 2, topics, 3}}};
	struct kp_response rgot;
	round_trip_response(&resp, &rgot);
	const struct kp_metadata_response *m = &rgot.body.metadata;
	assert_int_equal(m->cluster_id.len, -1);
	assert_true(kp_str_eq(m->brokers[0].rack, "rack-a"));
	assert_int_equal(m->topics[0].partitions[1].leader_id, -1);
	assert_int_equal(m->topics[0].partitions[1].isr_count, 0);
	assert_true(m->topics[2].is_internal);
	assert_int_equal(m->topics[1].error_code, KP_ERR_UNKNOWN_TOPIC_OR_PARTITION);
}

static void test_round_trip_produce(void **state)
{
	const uint8_t b1[] = {1, 2, 3}, b2[] = {9};
	const struct kp_produce_partition p1[] = {{0, {b1, 3}}, {5, KP_BYTES_NULL}};
	const struct kp_produce_partition p2[] = {{2, {b2, 1}}};
	const struct kp_produce_topic topics[] = {{{"x", 1}, p1, 2}, {{"y", 1}, p2, 1}};
	struct kp_request req = {.header = {KP_API_PRODUCE, 7, 77, cid}};
	req.body.produce = (struct kp_produce_request){{"txn-1", 5}, 1, 1500, topics, 2};
	struct kp_request got;
	round_trip_request(&req, &got);
	const struct kp_produce_request *g = &got.body.produce;
	assert_true(kp_str_eq(g->transactional_id, "txn-1"));
	assert_int_equal(g->acks, 1);
	assert_int_equal(g->topics[0].partitions[1].records.len, -1);
	assert_int_equal(g->topics[1].partitions[0].records.ptr[0], 9);

	const struct kp_produce_partition_response r1[] = {
		{0, KP_ERR_NOT_ENOUGH_REPLICAS, -1, -1, -1},
		{1, 0, 1LL << 40, 1700000000000LL, 3}};
	const struct kp_produce_topic_response rt[] = {{{"x", 1}, r1, 2}};
	struct kp_response resp = {KP_API_PRODUCE, 7, 77, {.produce = {rt, 1, 0}}};
	struct kp_response rgot;
	round_trip_response(&resp, &rgot);
	assert_int_equal(rgot.body.produce.topics[0].partitions[0].error_code,
			 KP_ERR_NOT_ENOUGH_REPLICAS);
	assert_true(rgot.body.produce.topics[0].partitions[1].base_offset == 1LL << 40);
}

static void test_round_trip_fetch(void **state)
{
	const struct kp_fetch_partition fp[] = {{0, -1, 0, -1, 1 << 20}, {3, 7, 99, 5, 100}};
	const struct kp_fetch_topic ft[] = {{{"x", 1}, fp, 2}, {{"y", 1}, NULL, 0}};
	const int32_t forget[] = {4, 6};
	const struct kp_fetch_forgotten_topic fg[] = {{{"z", 1}, forget, 2}};
	struct kp_request req = {.header = {KP_API_FETCH, 11, 5, cid}};
	req.body.fetch = (struct kp_fetch_request){
		.replica_id = 2, .max_wait_ms = 500, .min_bytes = 1, .max_bytes = 1 << 24,
		.isolation_level = 0, .session_id = 12, .session_epoch = 3, .topics = ft,
		.topic_count = 2, .forgotten = fg, .forgotten_count = 1, .rack_id = {"r1", 2}};
	struct kp_request got;
	round_trip_request(&req, &got);
	const struct kp_fetch_request *g = &got.body.fetch;
	assert_int_equal(g->replica_id, 2);
	assert_int_equal(g->topics[0].partitions[1].current_leader_epoch, 7);
	assert_int_equal(g->forgotten[0].partitions[1], 6);
	assert_true(kp_str_eq(g->rack_id, "r1"));

	const struct kp_fetch_aborted_txn ab[] = {{1000, 5}, {1001, 9}};
	const uint8_t recs[] = {0, 1, 2, 3};
	const struct kp_fetch_partition_response pr[] = {
		{0, 0, 10, 8, 0, ab, 2, -1, {recs, 4}},
		{3, KP_ERR_OFFSET_OUT_OF_RANGE, -1, -1, -1, NULL, -1, -1, KP_BYTES_NULL},
		{4, KP_ERR_FENCED_LEADER_EPOCH, 5, 5, 0, NULL, 0, -1, {recs, 0}}};
	const struct kp_fetch_topic_response tr[] = {{{"x", 1}, pr, 3}};
	struct kp_response resp = {KP_API_FETCH, 11, 5, {.fetch = {3, 0, 12, tr, 1}}};
	struct kp_response rgot;
	round_trip_response(&resp, &rgot);
	const struct kp_fetch_partition_response *p = rgot.body.fetch.topics[0].partitions;
	assert_int_equal(p[0].aborted_count, 2);
	assert_true(p[0].aborted[1].producer_id == 1001);
	assert_int_equal(p[1].aborted_count, -1);
	assert_int_equal(p[1].records.len, -1);
	assert_int_equal(p[2].aborted_count, 0);
	assert_int_equal(p[2].records.len, 0);
}

static void test_round_trip_small_apis(void **state)
{
	const struct kp_list_offsets_partition lp[] = {{0, -2}, {1, 1700000000000LL}};
	const struct kp_list_offsets_topic lt[] = {{{"x", 1}, lp, 2}};
	struct kp_request req = {.header = {KP_API_LIST_OFFSETS, 2, 1, cid}};
	req.body.list_offsets = (struct kp_list_offsets_request){-1, 0, lt, 1};
	struct kp_request got;
	round_trip_request(&req, &got);
	assert_true(got.body.list_offsets.topics[0].partitions[0].timestamp == -2);
	const struct kp_list_offsets_partition_response lpr[] = {{0, 0, -1, 0}, {1, 3, -1, -1}};
	const struct kp_list_offsets_topic_response ltr[] = {{{"x", 1}, lpr, 2}};
	struct kp_response resp = {KP_API_LIST_OFFSETS, 2, 1, {.list_offsets = {0, ltr, 1}}};
	struct kp_response rgot;
	round_trip_response(&resp, &rgot);
	assert_int_equal(rgot.body.list_offsets.topics[0].partitions[1].error_code, 3);

	req = (struct kp_request){.header = {KP_API_INIT_PRODUCER_ID, 1, 2, cid}};
	req.body.init_producer_id = (struct kp_init_producer_id_request){{"tx", 2}, 60000};
	round_trip_request(&req, &got);
	assert_true(kp_str_eq(got.body.init_producer_id.transactional_id, "tx"));
	resp = (struct kp_response){KP_API_INIT_PRODUCER_ID, 1, 2,
				     {.init_producer_id = {0, 0, 4000, 2}}};
	round_trip_response(&resp, &rgot);
	assert_int_equal(rgot.body.init_producer_id.producer_epoch, 2);

	const int32_t brokers[] = {1, 2};
	const struct kp_create_topics_assignment as[] = {{0, brokers, 2}, {1, brokers + 1, 1}};
	const struct kp_create_topics_config cf[] = {{{"k", 1}, KP_STR_NULL}};
	const struct kp_create_topics_topic ct[] = {
		{{"a", 1}, -1, -1, as, 2, cf, 1}, {{"b", 1}, 6, 3, NULL, 0, NULL, 0}};
	req = (struct kp_request){.header = {KP_API_CREATE_TOPICS, 4, 3, cid}};
	req.body.create_topics = (struct kp_create_topics_request){ct, 2, 1000, true};
	round_trip_request(&req, &got);
	const struct kp_create_topics_request *c = &got.body.create_topics;
	assert_true(c->validate_only);
	assert_int_equal(c->topics[0].assignments[1].broker_ids[0], 2);
	assert_int_equal(c->topics[0].configs[0].value.len, -1);
	assert_int_equal(c->topics[1].replication_factor, 3);
	const struct kp_create_topics_topic_response ctr[] = {
		{{"a", 1}, 0, KP_STR_NULL},
		{{"b", 1}, KP_ERR_INVALID_REPLICATION_FACTOR, {"rf", 2}}};
	resp = (struct kp_response){KP_API_CREATE_TOPICS, 4, 3, {.create_topics = {0, ctr, 2}}};
	round_trip_response(&resp, &rgot);
	assert_true(kp_str_eq(rgot.body.create_topics.topics[1].error_message, "rf"));
}

static void test_round_trip_group_apis(void **state)
{
	struct kp_request req, got;
	struct kp_response resp, rgot;

	req = (struct kp_request){.header = {KP_API_FIND_COORDINATOR, 2, 1, cid}};
	req.body.find_coordinator = (struct kp_find_coordinator_request){{"txn", 3}, 1};
	round_trip_request(&req, &got);
	assert_int_equal(got.body.find_coordinator.key_type, 1);
	resp = (struct kp_response){KP_API_FIND_COORDINATOR, 2, 1, {.find_coordinator = {
		0, KP_ERR_COORDINATOR_NOT_AVAILABLE, {"later", 5}, -1, {"", 0}, -1}}};
	round_trip_response(&resp, &rgot);
	assert_true(kp_str_eq(rgot.body.find_coordinator.error_message, "later"));

	const uint8_t m1[] = {1}, m2[] = {2, 2};
	const struct kp_join_group_protocol protos[] = {{{"range", 5}, {m1, 1}},
							{{"roundrobin", 10}, {m2, 0}}};
	req = (struct kp_request){.header = {KP_API_JOIN_GROUP, 5, 2, cid}};
	req.body.join_group = (struct kp_join_group_request){
		{"g", 1}, 6000, 60000, {"m-1", 3}, {"inst-1", 6}, {"consumer", 8}, protos, 2};
	round_trip_request(&req, &got);
	assert_true(kp_str_eq(got.body.join_group.group_instance_id, "inst-1"));
	assert_int_equal(got.body.join_group.protocols[1].metadata.len, 0);
	const struct kp_join_group_member members[] = {{{"m-1", 3}, KP_STR_NULL, {m2, 2}},
						       {{"m-2", 3}, {"i2", 2}, {m1, 1}}};
	resp = (struct kp_response){KP_API_JOIN_GROUP, 5, 2, {.join_group = {
		0, 0, 4, {"range", 5}, {"m-1", 3}, {"m-1", 3}, members, 2}}};
	round_trip_response(&resp, &rgot);
	assert_int_equal(rgot.body.join_group.generation_id, 4);
	assert_true(kp_str_eq(rgot.body.join_group.members[1].group_instance_id, "i2"));

	const struct kp_sync_group_assignment as[] = {{{"m-1", 3}, {m2, 2}}};
	req = (struct kp_request){.header = {KP_API_SYNC_GROUP, 3, 3, cid}};
	req.body.sync_group = (struct kp_sync_group_request){
		{"g", 1}, 4, {"m-1", 3}, KP_STR_NULL, as, 1};
	round_trip_request(&req, &got);
	assert_int_equal(got.body.sync_group.assignments[0].assignment.len, 2);
	resp = (struct kp_response){KP_API_SYNC_GROUP, 3, 3, {.sync_group = {0, 0, {m2, 2}}}};
	round_trip_response(&resp, &rgot);
	assert_int_equal(rgot.body.sync_group.assignment.ptr[1], 2);

	req = (struct kp_request){.header = {KP_API_HEARTBEAT, 3, 4, cid}};
	req.body.heartbeat = (struct kp_heartbeat_request){{"g", 1}, 4, {"m-1", 3}, KP_STR_NULL};
	round_trip_request(&req, &got);
	assert_int_equal(got.body.heartbeat.generation_id, 4);
	resp = (struct kp_response){KP_API_HEARTBEAT, 3, 4,
				    {.heartbeat = {0, KP_ERR_REBALANCE_IN_PROGRESS}}};
	round_trip_response(&resp, &rgot);
	assert_int_equal(rgot.body.heartbeat.error_code, KP_ERR_REBALANCE_IN_PROGRESS);

	req = (struct kp_request){.header = {KP_API_LEAVE_GROUP, 1, 5, cid}};
	req.body.leave_group = (struct kp_leave_group_request){{"g", 1}, {"m-1", 3}};
	round_trip_request(&req, &got);
	assert_true(kp_str_eq(got.body.leave_group.member_id, "m-1"));
	resp = (struct kp_response){KP_API_LEAVE_GROUP, 1, 5, {.leave_group = {3, 0}}};
	round_trip_response(&resp, &rgot);
	assert_int_equal(rgot.body.leave_group.throttle_time_ms, 3);
}

static void test_round_trip_group_offsets(void **state)
{
	struct kp_request req, got;
	struct kp_response resp, rgot;
	const struct kp_offset_commit_partition cp[] = {{0, 5, {"meta", 4}}, {1, 0, KP_STR_NULL}};
	const struct kp_offset_commit_topic ct[] = {{{"x", 1}, cp, 2}, {{"y", 1}, NULL, 0}};
	req = (struct kp_request){.header = {KP_API_OFFSET_COMMIT, 5, 6, cid}};
	req.body.offset_commit = (struct kp_offset_commit_request){
		{"g", 1}, -1, {"", 0}, ct, 2};
	round_trip_request(&req, &got);
	assert_int_equal(got.body.offset_commit.generation_id, -1);
	assert_true(kp_str_eq(got.body.offset_commit.topics[0].partitions[0].committed_metadata,
			      "meta"));
	const struct kp_offset_commit_partition_response cpr[] = {
		{0, 0}, {1, KP_ERR_ILLEGAL_GENERATION}};
	const struct kp_offset_commit_topic_response ctr[] = {{{"x", 1}, cpr, 2}};
	resp = (struct kp_response){KP_API_OFFSET_COMMIT, 5, 6, {.offset_commit = {0, ctr, 1}}};
	round_trip_response(&resp, &rgot);
	assert_int_equal(rgot.body.offset_commit.topics[0].partitions[1].error_code,
			 KP_ERR_ILLEGAL_GENERATION);

	const int32_t parts[] = {0, 1, 2};
	const struct kp_offset_fetch_topic ft[] = {{{"x", 1}, parts, 3}};
	req = (struct kp_request){.header = {KP_API_OFFSET_FETCH, 4, 7, cid}};
	req.body.offset_fetch = (struct kp_offset_fetch_request){{"g", 1}, ft, 1};
	round_trip_request(&req, &got);
	assert_int_equal(got.body.offset_fetch.topics[0].partition_indexes[2], 2);
	req.body.offset_fetch = (struct kp_offset_fetch_request){{"g", 1}, NULL, -1};
	round_trip_request(&req, &got);
	assert_int_equal(got.body.offset_fetch.topic_count, -1);
	const struct kp_offset_fetch_partition_response fpr[] = {
		{0, -1, KP_STR_NULL, 0}, {1, 7, {"m", 1}, 0}};
	const struct kp_offset_fetch_topic_response ftr[] = {{{"x", 1}, fpr, 2}};
	resp = (struct kp_response){KP_API_OFFSET_FETCH, 4, 7,
				    {.offset_fetch = {0, ftr, 1, KP_ERR_NOT_COORDINATOR}}};
	round_trip_response(&resp, &rgot);
	assert_int_equal(rgot.body.offset_fetch.error_code, KP_ERR_NOT_COORDINATOR);
	assert_true(rgot.body.offset_fetch.topics[0].partitions[0].committed_offset == -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_decode_within_bound),
		cmocka_unit_test(test_every_prefix_fails),
		cmocka_unit_test(test_arena_sizes),
		cmocka_unit_test(test_random_mutations),
		cmocka_unit_test(test_bad_counts_in_messages),
		cmocka_unit_test(test_round_trip_api_versions),
		cmocka_unit_test(test_round_trip_metadata),
		cmocka_unit_test(test_round_trip_produce),
		cmocka_unit_test(test_round_trip_fetch),
		cmocka_unit_test(test_round_trip_small_apis),
		cmocka_unit_test(test_round_trip_group_apis),
		cmocka_unit_test(test_round_trip_group_offsets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
