/*
 * libFuzzer target for broker/kp responses, the side simulated clients
 * decode. The first input byte picks which response (and ApiVersions
 * version) the rest is decoded as, response header included. Decoding must
 * fail cleanly or succeed; a success must survive encode -> decode ->
 * encode unchanged.
 *
 * Build and run from the repository root:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -D_DEFAULT_SOURCE \
 *     tests/fuzz/fuzz_kp_response.c broker/kp/kp_*.c broker/codec/wire.c \
 *     -o /tmp/fuzz_kp_response
 *   cp -r tests/fuzz/corpus/kp_response /tmp/kp_response_corpus
 *   /tmp/fuzz_kp_response -max_total_time=30 /tmp/kp_response_corpus
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "broker/kp/kp_dispatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct any_response {
	int16_t api_key;
	int16_t version;
	int32_t correlation_id;
	union {
		struct kp_api_versions_response api_versions;
		struct kp_metadata_response metadata;
		struct kp_produce_response produce;
		struct kp_fetch_response fetch;
		struct kp_list_offsets_response list_offsets;
		struct kp_init_producer_id_response init_producer_id;
		struct kp_create_topics_response create_topics;
	} body;
};

/* Selector byte % 10 -> (api_key, version). */
static const int16_t kinds[][2] = {
	{KP_API_API_VERSIONS, 0}, {KP_API_API_VERSIONS, 1}, {KP_API_API_VERSIONS, 2},
	{KP_API_API_VERSIONS, 3}, {KP_API_METADATA, 4},     {KP_API_PRODUCE, 7},
	{KP_API_FETCH, 11},       {KP_API_LIST_OFFSETS, 2}, {KP_API_INIT_PRODUCER_ID, 1},
	{KP_API_CREATE_TOPICS, 4},
};

static void check(int cond)
{
	if (!cond)
		abort();
}

static int decode(const uint8_t *p, size_t n, struct kp_arena *a, struct any_response *m)
{
	struct wire_reader r;
	wire_reader_init(&r, p, n);
	int rc = kp_decode_response_header(&r, m->api_key, m->version, &m->correlation_id);
	if (rc)
		return rc;
	switch (m->api_key) {
	case KP_API_API_VERSIONS:
		return kp_decode_api_versions_response(&r, a, m->version, &m->body.api_versions);
	case KP_API_METADATA:
		return kp_decode_metadata_response(&r, a, &m->body.metadata);
	case KP_API_PRODUCE:
		return kp_decode_produce_response(&r, a, &m->body.produce);
	case KP_API_FETCH:
		return kp_decode_fetch_response(&r, a, &m->body.fetch);
	case KP_API_LIST_OFFSETS:
		return kp_decode_list_offsets_response(&r, a, &m->body.list_offsets);
	case KP_API_INIT_PRODUCER_ID:
		return kp_decode_init_producer_id_response(&r, &m->body.init_producer_id);
	case KP_API_CREATE_TOPICS:
		return kp_decode_create_topics_response(&r, a, &m->body.create_topics);
	}
	return KP_EVERSION;
}

static void encode_into(struct wire_writer *w, const struct any_response *m)
{
	kp_encode_response_header(w, m->api_key, m->version, m->correlation_id);
	switch (m->api_key) {
	case KP_API_API_VERSIONS:
		kp_encode_api_versions_response(w, m->version, &m->body.api_versions);
		break;
	case KP_API_METADATA:
		kp_encode_metadata_response(w, &m->body.metadata);
		break;
	case KP_API_PRODUCE:
		kp_encode_produce_response(w, &m->body.produce);
		break;
	case KP_API_FETCH:
		kp_encode_fetch_response(w, &m->body.fetch);
		break;
	case KP_API_LIST_OFFSETS:
		kp_encode_list_offsets_response(w, &m->body.list_offsets);
		break;
	case KP_API_INIT_PRODUCER_ID:
		kp_encode_init_producer_id_response(w, &m->body.init_producer_id);
		break;
	case KP_API_CREATE_TOPICS:
		kp_encode_create_topics_response(w, &m->body.create_topics);
		break;
	}
}

static uint8_t *encode(const struct any_response *m, size_t *len)
{
	struct wire_writer w;
	wire_writer_init(&w, NULL, 0);
	encode_into(&w, m);
	*len = w.len;
	uint8_t *buf = malloc(w.len ? w.len : 1);
	check(buf != NULL);
	wire_writer_init(&w, buf, *len);
	encode_into(&w, m);
	check(w.err == 0 && w.len == *len);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const int16_t *kind = kinds[data[0] % (sizeof kinds / sizeof kinds[0])];
	struct any_response m = {.api_key = kind[0], .version = kind[1]};
	struct any_response again = m;
	size_t n = size - 1;
	uint8_t *p = malloc(n ? n : 1); /* exact size, so over-reads are caught */
	uint8_t *mem = malloc(kp_arena_bound(n));
	struct kp_arena a;
	check(p != NULL && mem != NULL);
	memcpy(p, data + 1, n);
	kp_arena_init(&a, mem, kp_arena_bound(n));
	int rc = decode(p, n, &a, &m);
	check(rc != KP_EARENA);
	if (rc == 0) {
		size_t len, len2;
		uint8_t *enc = encode(&m, &len);
		uint8_t *mem2 = malloc(kp_arena_bound(len));
		check(mem2 != NULL);
		kp_arena_init(&a, mem2, kp_arena_bound(len));
		check(decode(enc, len, &a, &again) == 0);
		uint8_t *enc2 = encode(&again, &len2);
		check(len2 == len && memcmp(enc2, enc, len) == 0);
		free(enc2);
		free(mem2);
		free(enc);
	}
	free(mem);
	free(p);
	return 0;
}
