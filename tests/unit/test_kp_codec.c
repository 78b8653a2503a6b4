/*
 * Unit tests for broker/kp primitives, headers, frames, error names and the
 * request dispatcher.
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

static uint8_t arena_mem[1 << 14];
static uint8_t out[1 << 12];

static void test_strings_and_bytes(void **state)
{
	struct wire_writer w;
	wire_writer_init(&w, out, sizeof out);
	kp_put_string(&w, kp_str_from("ab"), false);       /* 00 02 'a' 'b' */
	kp_put_string(&w, KP_STR_NULL, true);              /* ff ff */
	kp_put_compact_string(&w, kp_str_from(""), false); /* 01 */
	kp_put_compact_string(&w, KP_STR_NULL, true);      /* 00 */
	kp_put_bytes(&w, (struct kp_bytes){(const uint8_t *)"z", 1}, false); /* 00 00 00 01 'z' */
	kp_put_bytes(&w, KP_BYTES_NULL, true);             /* ff ff ff ff */
	kp_put_compact_bytes(&w, (struct kp_bytes){(const uint8_t *)"q", 1}, true); /* 02 'q' */
	kp_put_bool(&w, true);                             /* 01 */
	const uint8_t want[] = {0x00, 0x02, 'a', 'b', 0xff, 0xff, 0x01, 0x00, 0x00, 0x00,
				0x00, 0x01, 'z', 0xff, 0xff, 0xff, 0xff, 0x02, 'q', 0x01};
	assert_int_equal(w.err, 0);
	assert_int_equal(w.len, sizeof want);
	assert_memory_equal(out, want, sizeof want);

	struct wire_reader r;
	wire_reader_init(&r, want, sizeof want);
	assert_true(kp_str_eq(kp_get_string(&r, false), "ab"));
	assert_int_equal(kp_get_string(&r, true).len, -1);
	assert_true(kp_str_eq(kp_get_compact_string(&r, false), ""));
	assert_int_equal(kp_get_compact_string(&r, true).len, -1);
	assert_int_equal(kp_get_bytes(&r, false).len, 1);
	assert_int_equal(kp_get_bytes(&r, true).len, -1);
	struct kp_bytes q = kp_get_compact_bytes(&r, true);
	assert_int_equal(q.len, 1);
	assert_int_equal(q.ptr[0], 'q');
	assert_true(kp_get_bool(&r));
	assert_int_equal(kp_get_end(&r), 0);
}

static void test_invalid_values(void **state)
{
	struct wire_writer w;
	/* A null where the schema does not allow one cannot be encoded. */
	wire_writer_init(&w, out, sizeof out);
	kp_put_string(&w, KP_STR_NULL, false);
	assert_int_equal(w.err, WIRE_EINVAL);
	wire_writer_init(&w, out, sizeof out);
	kp_put_array_count(&w, false, false, -1);
	assert_int_equal(w.err, WIRE_EINVAL);
	/* An i16-length string cannot exceed 32767 bytes. */
	static char big[40000];
	wire_writer_init(&w, out, sizeof out);
	kp_put_string(&w, (struct kp_str){big, 40000}, false);
	assert_int_equal(w.err, WIRE_EINVAL);
	/* Elements promised but not given. */
	wire_writer_init(&w, out, sizeof out);
	kp_put_int32_array(&w, NULL, 2);
	assert_int_equal(w.err, WIRE_EINVAL);

	struct wire_reader r;
	const uint8_t null_str[] = {0xff, 0xff};
	wire_reader_init(&r, null_str, 2);
	kp_get_string(&r, false);
	assert_int_equal(r.err, WIRE_EINVAL);
	const uint8_t minus2[] = {0xff, 0xfe};
	wire_reader_init(&r, minus2, 2);
	kp_get_string(&r, true);
	assert_int_equal(r.err, WIRE_EINVAL);
	/* A compact string whose uvarint says 0 (null) where not nullable. */
	const uint8_t zero[] = {0x00};
	wire_reader_init(&r, zero, 1);
	kp_get_compact_string(&r, false);
	assert_int_equal(r.err, WIRE_EINVAL);
	/* A length longer than the input. */
	const uint8_t long_str[] = {0x00, 0x05, 'a'};
	wire_reader_init(&r, long_str, sizeof long_str);
	kp_get_string(&r, false);
	assert_int_equal(r.err, WIRE_ESHORT);
}

static void test_array_counts(void **state)
{
	struct kp_arena a;
	struct wire_reader r;
	int32_t count;
	kp_arena_init(&a, arena_mem, sizeof arena_mem);
	/* 2^31-1 elements cannot fit in 4 remaining bytes: refused before any
	 * arena use. */
	const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0};
	wire_reader_init(&r, huge, sizeof huge);
	assert_null(kp_get_array(&r, &a, false, false, 4, 4, &count));
	assert_int_equal(r.err, WIRE_ESHORT);
	assert_int_equal(a.used, 0);
	/* Negative counts other than -1 are malformed, and -1 needs nullable. */
	const uint8_t neg[] = {0xff, 0xff, 0xff, 0xfe};
	wire_reader_init(&r, neg, sizeof neg);
	kp_get_array(&r, &a, false, true, 4, 4, &count);
	assert_int_equal(r.err, WIRE_EINVAL);
	const uint8_t null_arr[] = {0xff, 0xff, 0xff, 0xff};
	wire_reader_init(&r, null_arr, sizeof null_arr);
	kp_get_array(&r, &a, false, false, 4, 4, &count);
	assert_int_equal(r.err, WIRE_EINVAL);
	wire_reader_init(&r, null_arr, sizeof null_arr);
	assert_null(kp_get_array(&r, &a, false, true, 4, 4, &count));
	assert_int_equal(r.err, 0);
	assert_int_equal(count, -1);
	/* Compact: uvarint 0xffffffff (count 2^32 - 2) is refused; 1 is empty. */
	const uint8_t chuge[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
	wire_reader_init(&r, chuge, sizeof chuge);
	kp_get_array(&r, &a, true, false, 1, 4, &count);
	assert_int_equal(r.err, WIRE_ESHORT);
	const uint8_t cempty[] = {0x01};
	wire_reader_init(&r, cempty, 1);
	assert_null(kp_get_array(&r, &a, true, false, 1, 4, &count));
	assert_int_equal(count, 0);
	assert_int_equal(r.err, 0);
	/* A count that fits the input but not the arena: KP_EARENA. */
	const uint8_t two[] = {0x00, 0x00, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2};
	_Alignas(16) uint8_t tiny[16];
	kp_arena_init(&a, tiny, 7); /* 8 bytes needed, 7 given */
	wire_reader_init(&r, two, sizeof two);
	const int32_t *items;
	kp_get_int32_array(&r, &a, false, &items, &count);
	assert_int_equal(r.err, KP_EARENA);
	assert_null(items);
	assert_int_equal(count, 0);
	/* With exactly 8 aligned bytes it fits. */
	kp_arena_init(&a, tiny, 8);
	wire_reader_init(&r, two, sizeof two);
	kp_get_int32_array(&r, &a, false, &items, &count);
	assert_int_equal(r.err, 0);
	assert_int_equal(count, 2);
	assert_int_equal(items[1], 2);
}

static void test_tagged_fields(void **state)
{
	/* Two tags: tag 0 size 2, tag 5 size 0; then one byte of payload. */
	const uint8_t tags[] = {0x02, 0x00, 0x02, 0xaa, 0xbb, 0x05, 0x00, 0x77};
	struct wire_reader r;
	wire_reader_init(&r, tags, sizeof tags);
	kp_skip_tagged_fields(&r);
	assert_int_equal(r.err, 0);
	assert_int_equal(wire_get_u8(&r), 0x77);
	/* A size past the end fails cleanly. */
	const uint8_t bad[] = {0x01, 0x00, 0x7f, 0x00};
	wire_reader_init(&r, bad, sizeof bad);
	kp_skip_tagged_fields(&r);
	assert_int_equal(r.err, WIRE_ESHORT);
	/* A huge count ends at the first missing byte, not after 2^32 loops. */
	const uint8_t many[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x00};
	wire_reader_init(&r, many, sizeof many);
	kp_skip_tagged_fields(&r);
	assert_int_equal(r.err, WIRE_ESHORT);
}

static void test_header_versions(void **state)
{
	/* ApiVersions v3 is flexible: request header v2, response header v0. */
	assert_int_equal(kp_request_header_version(KP_API_API_VERSIONS, 3), 2);
	assert_int_equal(kp_response_header_version(KP_API_API_VERSIONS, 3), 0);
	assert_int_equal(kp_request_header_version(KP_API_API_VERSIONS, 2), 1);
	/* Others follow their first flexible version. */
	assert_int_equal(kp_request_header_version(KP_API_PRODUCE, 7), 1);
	assert_int_equal(kp_response_header_version(KP_API_PRODUCE, 9), 1);
	assert_int_equal(kp_request_header_version(KP_API_FETCH, 12), 2);
	assert_int_equal(kp_response_header_version(KP_API_FETCH, 11), 0);
	assert_int_equal(kp_request_header_version(KP_API_CREATE_TOPICS, 5), 2);
	assert_int_equal(kp_request_header_version(KP_API_CREATE_TOPICS, 4), 1);
	assert_int_equal(kp_request_header_version(999, 0), -1);
	assert_string_equal(kp_api_name(KP_API_INIT_PRODUCER_ID), "InitProducerId");
	assert_string_equal(kp_api_name(77), "Unknown");

	/* A flexible response header: correlation_id then 00 (no tags). */
	struct wire_writer w;
	wire_writer_init(&w, out, sizeof out);
	kp_encode_response_header(&w, KP_API_METADATA, 9, 0x01020304);
	const uint8_t want[] = {0x01, 0x02, 0x03, 0x04, 0x00};
	assert_int_equal(w.len, sizeof want);
	assert_memory_equal(out, want, sizeof want);
	int32_t corr;
	struct wire_reader r;
	wire_reader_init(&r, want, sizeof want);
	assert_int_equal(kp_decode_response_header(&r, KP_API_METADATA, 9, &corr), 0);
	assert_int_equal(corr, 0x01020304);
	assert_int_equal(wire_remaining(&r), 0);
	wire_reader_init(&r, want, sizeof want);
	assert_int_equal(kp_decode_response_header(&r, 999, 0, &corr), KP_EVERSION);

	/* Unknown API in a request header: first fields kept, KP_EVERSION. */
	const uint8_t unknown[] = {0x03, 0xe7, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a};
	struct kp_request_header h;
	wire_reader_init(&r, unknown, sizeof unknown);
	assert_int_equal(kp_decode_request_header(&r, &h), KP_EVERSION);
	assert_int_equal(h.api_key, 999);
	assert_int_equal(h.correlation_id, 42);
	wire_writer_init(&w, out, sizeof out);
	kp_encode_request_header(&w, &h);
	assert_int_equal(w.err, KP_EVERSION);
}

static void test_frames(void **state)
{
	const uint8_t stream[] = {0x00, 0x00, 0x00, 0x02, 0xaa, 0xbb, 0x00};
	const uint8_t *body;
	size_t n;
	assert_int_equal(kp_frame_peek(stream, 3, &body, &n), WIRE_ESHORT);
	assert_int_equal(kp_frame_peek(stream, 5, &body, &n), WIRE_ESHORT);
	assert_int_equal(kp_frame_peek(stream, sizeof stream, &body, &n), 0);
	assert_int_equal(n, 2);
	assert_ptr_equal(body, stream + 4);
	const uint8_t negative[] = {0x80, 0x00, 0x00, 0x00};
	assert_int_equal(kp_frame_peek(negative, 4, &body, &n), WIRE_EINVAL);
	const uint8_t too_big[] = {0x7f, 0x00, 0x00, 0x00};
	assert_int_equal(kp_frame_peek(too_big, 4, &body, &n), WIRE_EINVAL);

	/* Sizing pass: a zero-capacity writer counts the frame's length. */
	struct wire_writer w;
	wire_writer_init(&w, NULL, 0);
	size_t at = kp_frame_begin(&w);
	kp_encode_response_header(&w, KP_API_PRODUCE, 7, 1);
	kp_frame_end(&w, at);
	assert_int_equal(w.err, WIRE_EOVERFLOW);
	assert_int_equal(w.len, 4 + 4);
	/* The same frame written for real: size 4, then correlation_id 1. */
	wire_writer_init(&w, out, sizeof out);
	at = kp_frame_begin(&w);
	kp_encode_response_header(&w, KP_API_PRODUCE, 7, 1);
	kp_frame_end(&w, at);
	const uint8_t want[] = {0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01};
	assert_int_equal(w.len, sizeof want);
	assert_memory_equal(out, want, sizeof want);
}

static void test_error_names(void **state)
{
	assert_string_equal(kp_error_name(KP_ERR_NONE), "NONE");
	assert_string_equal(kp_error_name(6), "NOT_LEADER_OR_FOLLOWER");
	assert_string_equal(kp_error_name(35), "UNSUPPORTED_VERSION");
	assert_string_equal(kp_error_name(41), "NOT_CONTROLLER");
	assert_string_equal(kp_error_name(74), "FENCED_LEADER_EPOCH");
	assert_string_equal(kp_error_name(-1), "UNKNOWN_SERVER_ERROR");
	assert_string_equal(kp_error_name(1000), "UNKNOWN");
	assert_int_equal(KP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND, 20);
	assert_int_equal(KP_ERR_DUPLICATE_SEQUENCE_NUMBER, 46);
	assert_int_equal(KP_ERR_INVALID_REPLICATION_FACTOR, 38);
	assert_int_equal(KP_ERR_STALE_CONTROLLER_EPOCH, 11);
}

/* librdkafka sends ApiVersions v3; a broker that only knew v0-v2 (or here, a
 * client asking v4) must get UNSUPPORTED_VERSION at v0 with header v0. */
static void test_dispatch_api_versions_too_high(void **state)
{
	uint8_t frame[sizeof vec_api_versions_v3_request];
	memcpy(frame, vec_api_versions_v3_request, sizeof frame);
	frame[3] = 4; /* api_version 4 */
	struct kp_arena a;
	struct kp_request req;
	struct wire_writer w;
	int status;
	kp_arena_init(&a, arena_mem, sizeof arena_mem);
	wire_writer_init(&w, out, sizeof out);
	assert_int_equal(kp_dispatch_request(frame, sizeof frame, &a, &req, &w, &status),
			 KP_DISPATCH_REPLIED);
	assert_int_equal(status, KP_EVERSION);
	const uint8_t want[] = {
		0x00, 0x00, 0x00, 0x01, /* response header v0: correlation_id 1 */
		0x00, 0x23,             /* error_code 35 UNSUPPORTED_VERSION */
		0x00, 0x00, 0x00, 0x01, /* api_keys: ARRAY count 1 (v0 body) */
		0x00, 0x12, 0x00, 0x00, 0x00, 0x03, /* {18, 0, 3} */
	};
	assert_int_equal(w.err, 0);
	assert_int_equal(w.len, sizeof want);
	assert_memory_equal(out, want, sizeof want);

	/* The client asked v4 and gets a v0 body: the fallback decode finds
	 * the error and the ApiVersions range to retry with. */
	struct wire_reader r;
	struct kp_api_versions_response resp;
	int16_t used;
	int32_t corr;
	wire_reader_init(&r, out, w.len);
	assert_int_equal(kp_decode_response_header(&r, KP_API_API_VERSIONS, 4, &corr), 0);
	assert_int_equal(kp_decode_api_versions_response_any(&r, &a, 3, &resp, &used), 0);
	assert_int_equal(used, 0);
	assert_int_equal(resp.error_code, KP_ERR_UNSUPPORTED_VERSION);
	assert_int_equal(resp.api_key_count, 1);
	assert_int_equal(resp.api_keys[0].max_version, 3);
	/* A good v3 answer decodes at v3 directly. */
	wire_reader_init(&r, vec_api_versions_v3_response + 4,
			 sizeof vec_api_versions_v3_response - 4);
	assert_int_equal(kp_decode_api_versions_response_any(&r, &a, 3, &resp, &used), 0);
	assert_int_equal(used, 3);
	assert_int_equal(resp.api_key_count, 2);
	/* Garbage fails both ways. */
	wire_reader_init(&r, out, 3);
	assert_int_equal(kp_decode_api_versions_response_any(&r, &a, 3, &resp, &used),
			 WIRE_ESHORT);

	/* The generic client-side decode does the same fallback. */
	struct kp_response any;
	assert_int_equal(kp_decode_response(out, w.len, KP_API_API_VERSIONS, 3, &a, &any),
			 0);
	assert_int_equal(any.api_version, 0);
	assert_int_equal(any.correlation_id, 1);
	assert_int_equal(any.body.api_versions.error_code, KP_ERR_UNSUPPORTED_VERSION);

	/* Even a truncated header gets the answer: only the first 8 bytes are
	 * needed for it. */
	wire_writer_init(&w, out, sizeof out);
	assert_int_equal(kp_dispatch_request(frame, 8, &a, &req, &w, &status),
			 KP_DISPATCH_REPLIED);
	assert_int_equal(w.len, sizeof want);
}

static void test_dispatch_other_outcomes(void **state)
{
	struct kp_arena a;
	struct kp_request req;
	struct wire_writer w;
	int status;
	kp_arena_init(&a, arena_mem, sizeof arena_mem);
	wire_writer_init(&w, out, sizeof out);
	/* A good request is handed over. */
	assert_int_equal(kp_dispatch_request(vec_produce_v7_request,
					     sizeof vec_produce_v7_request, &a, &req, &w,
					     &status),
			 KP_DISPATCH_HANDLE);
	assert_int_equal(status, 0);
	assert_int_equal(req.header.api_key, KP_API_PRODUCE);
	/* Produce v2 (pre-RecordBatch message sets) is not decoded by this
	 * codec: close, write nothing. */
	uint8_t frame[sizeof vec_produce_v7_request];
	memcpy(frame, vec_produce_v7_request, sizeof frame);
	frame[3] = 2;
	assert_int_equal(kp_dispatch_request(frame, sizeof frame, &a, &req, &w, &status),
			 KP_DISPATCH_CLOSE);
	assert_int_equal(status, KP_EVERSION);
	assert_int_equal(w.len, 0);
	/* A truncated request is malformed: close. */
	assert_int_equal(kp_dispatch_request(frame, 3, &a, &req, &w, &status),
			 KP_DISPATCH_CLOSE);
	assert_int_equal(status, WIRE_ESHORT);
	/* Trailing garbage after a complete request: close. */
	uint8_t longer[sizeof vec_init_producer_id_v1_request + 1];
	memcpy(longer, vec_init_producer_id_v1_request, sizeof longer - 1);
	longer[sizeof longer - 1] = 0;
	assert_int_equal(kp_dispatch_request(longer, sizeof longer, &a, &req, &w, &status),
			 KP_DISPATCH_CLOSE);
	assert_int_equal(status, KP_ETRAILING);

	/* Responses to versions the codec does not speak are refused both ways. */
	struct kp_response resp = {.api_key = KP_API_PRODUCE, .api_version = 8};
	wire_writer_init(&w, out, sizeof out);
	kp_encode_response(&w, &resp);
	assert_int_equal(w.err, KP_EVERSION);
	assert_int_equal(kp_decode_response(vec_produce_v7_response,
					    sizeof vec_produce_v7_response, KP_API_PRODUCE, 8, &a,
					    &resp),
			 KP_EVERSION);
	assert_int_equal(kp_decode_response(vec_produce_v7_response,
					    sizeof vec_produce_v7_response, KP_API_PRODUCE, 7, &a,
					    &resp),
			 0);
	assert_int_equal(resp.body.produce.throttle_time_ms, 7);

	int16_t lo, hi;
	assert_true(kp_api_supported_range(KP_API_API_VERSIONS, &lo, &hi));
	assert_int_equal(lo, 0);
	assert_int_equal(hi, 3);
	assert_true(kp_api_supported(KP_API_FETCH, 11));
	assert_false(kp_api_supported(KP_API_FETCH, 12));
	assert_false(kp_api_supported(KP_API_FETCH, 3));
	assert_true(kp_api_supported(KP_API_JOIN_GROUP, 5));
	assert_true(kp_api_supported(KP_API_JOIN_GROUP, 0));
	assert_false(kp_api_supported(KP_API_JOIN_GROUP, 6)); /* flexible */
	assert_false(kp_api_supported(KP_API_OFFSET_COMMIT, 0)); /* ZooKeeper-stored */
	assert_false(kp_api_supported(42, 0)); /* DeleteGroups: not spoken */
}

static void test_api_versions_software_names(void **state)
{
	struct kp_api_versions_request req = {{"librdkafka", 10}, {"2.0.2", 5}};
	assert_true(kp_api_versions_request_valid(3, &req));
	req.client_software_name = kp_str_from("apache-kafka-java");
	assert_true(kp_api_versions_request_valid(3, &req));
	req.client_software_name = kp_str_from("x");
	assert_true(kp_api_versions_request_valid(3, &req));
	const char *bad[] = {"", "-lead", "trail.", "sp ace", "under_score", "uml\xc3\xa4ut"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		req.client_software_name = kp_str_from(bad[i]);
		assert_false(kp_api_versions_request_valid(3, &req));
		/* Versions before 3 carry no names and are always valid. */
		assert_true(kp_api_versions_request_valid(2, &req));
	}
	req.client_software_name = kp_str_from("ok");
	req.client_software_version = KP_STR_NULL;
	assert_false(kp_api_versions_request_valid(3, &req));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings_and_bytes),
		cmocka_unit_test(test_invalid_values),
		cmocka_unit_test(test_array_counts),
		cmocka_unit_test(test_tagged_fields),
		cmocka_unit_test(test_header_versions),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_error_names),
		cmocka_unit_test(test_api_versions_software_names),
		cmocka_unit_test(test_dispatch_api_versions_too_high),
		cmocka_unit_test(test_dispatch_other_outcomes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
