/*
 * libFuzzer target for broker/kp: any byte string as a request frame body
 * (what follows the i32 size), at any API and version the codec serves
 * (the corpus has a seed for every request layout of the client APIs). The decoder must fail cleanly or succeed; a
 * success must re-encode to bytes that decode and re-encode to themselves,
 * and for requests with a single encoding (no BOOLEAN, no tagged fields) to
 * exactly the input. An ApiVersions reply must be a well-formed frame.
 *
 * Build and run from the repository root (the corpus is copied so that new
 * inputs the fuzzer finds stay out of the source tree):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -D_DEFAULT_SOURCE \
 *     tests/fuzz/fuzz_kp_request.c broker/kp/kp_*.c broker/codec/wire.c \
 *     -o /tmp/fuzz_kp_request
 *   cp -r tests/fuzz/corpus/kp_request /tmp/kp_request_corpus
 *   /tmp/fuzz_kp_request -max_total_time=30 /tmp/kp_request_corpus
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "broker/kp/kp_dispatch.h"
#include "broker/kp/kp_error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond)
		abort();
}

/* True for the requests whose encoding is unique: every field has one
 * byte form, so decode + encode must give back the input. OffsetCommit v1-4
 * carry a commit timestamp or retention time that the decoder drops (ksim
 * never expires offsets) and the encoder writes as -1, so only v5 is. */
static int canonical(const struct kp_request *req)
{
	if (req->header.api_key == KP_API_OFFSET_COMMIT)
		return req->header.api_version == 5;
	switch (req->header.api_key) {
	case KP_API_PRODUCE:
	case KP_API_FETCH:
	case KP_API_LIST_OFFSETS:
	case KP_API_INIT_PRODUCER_ID:
	case KP_API_FIND_COORDINATOR:
	case KP_API_JOIN_GROUP:
	case KP_API_SYNC_GROUP:
	case KP_API_HEARTBEAT:
	case KP_API_LEAVE_GROUP:
	case KP_API_OFFSET_FETCH:
	case KP_API_UPDATE_METADATA:
	case KP_API_OFFSETS_FOR_LEADER_EPOCH:
		return 1;
	}
	return 0;
}

static uint8_t *encode(const struct kp_request *req, size_t *len)
{
	struct wire_writer w;
	wire_writer_init(&w, NULL, 0);
	kp_encode_request(&w, req);
	*len = w.len;
	uint8_t *buf = malloc(w.len ? w.len : 1);
	check(buf != NULL);
	wire_writer_init(&w, buf, *len);
	kp_encode_request(&w, req);
	check(w.err == 0 && w.len == *len);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap = kp_arena_bound(size);
	uint8_t *mem = malloc(cap);
	uint8_t reply_buf[64];
	struct kp_arena a;
	struct kp_request req, again;
	struct wire_writer reply;
	int status;
	check(mem != NULL);
	kp_arena_init(&a, mem, cap);
	wire_writer_init(&reply, reply_buf, sizeof reply_buf);
	enum kp_dispatch d = kp_dispatch_request(data, size, &a, &req, &reply, &status);
	check(status != KP_EARENA); /* the documented bound always suffices */
	if (d == KP_DISPATCH_REPLIED) {
		/* The reply is an ApiVersions v0 answer the client can decode. */
		struct kp_response resp;
		struct kp_arena ra;
		uint8_t ra_mem[256];
		check(reply.err == 0);
		kp_arena_init(&ra, ra_mem, sizeof ra_mem);
		check(kp_decode_response(reply_buf, reply.len, KP_API_API_VERSIONS, 3, &ra,
					 &resp) == 0);
		check(resp.body.api_versions.error_code == KP_ERR_UNSUPPORTED_VERSION);
	}
	if (d == KP_DISPATCH_HANDLE) {
		size_t len, len2;
		uint8_t *enc = encode(&req, &len);
		if (canonical(&req))
			check(len == size && memcmp(enc, data, size) == 0);
		uint8_t *mem2 = malloc(kp_arena_bound(len));
		check(mem2 != NULL);
		kp_arena_init(&a, mem2, kp_arena_bound(len));
		check(kp_decode_request(enc, len, &a, &again) == 0);
		uint8_t *enc2 = encode(&again, &len2);
		check(len2 == len && memcmp(enc2, enc, len) == 0);
		free(enc2);
		free(mem2);
		free(enc);
	}
	free(mem);
	return 0;
}
