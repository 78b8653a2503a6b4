/*
 * libFuzzer target for broker/kp responses, the side simulated clients
 * decode. The first input byte picks which response (and ApiVersions
 * version) the rest is decoded as (byte % 45 indexes `kinds`), response
 * header included. Decoding must fail cleanly or succeed; a success must
 * survive encode -> decode -> encode unchanged.
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

#include "broker/kp/kp_message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Selector byte % 45 -> (api_key, version). New kinds go at the end, so the
 * corpus's existing selector bytes keep their meaning. */
static const int16_t kinds[][2] = {
	{KP_API_API_VERSIONS, 0},     {KP_API_API_VERSIONS, 1},  {KP_API_API_VERSIONS, 2},
	{KP_API_API_VERSIONS, 3},     {KP_API_METADATA, 4},      {KP_API_PRODUCE, 7},
	{KP_API_FETCH, 11},           {KP_API_LIST_OFFSETS, 2},  {KP_API_INIT_PRODUCER_ID, 1},
	{KP_API_CREATE_TOPICS, 4},    {KP_API_FIND_COORDINATOR, 2}, {KP_API_JOIN_GROUP, 5},
	{KP_API_SYNC_GROUP, 3},       {KP_API_HEARTBEAT, 3},     {KP_API_LEAVE_GROUP, 1},
	{KP_API_OFFSET_COMMIT, 5},    {KP_API_OFFSET_FETCH, 4},
	{KP_API_LEADER_AND_ISR, 2},   {KP_API_UPDATE_METADATA, 5}, {KP_API_STOP_REPLICA, 1},
	{KP_API_OFFSETS_FOR_LEADER_EPOCH, 3}, {KP_API_ALTER_PARTITION, 0},
	/* 22-: the other layouts of the client APIs' served version ranges. */
	{KP_API_METADATA, 0},         {KP_API_METADATA, 1},      {KP_API_METADATA, 2},
	{KP_API_METADATA, 3},         {KP_API_METADATA, 5},      {KP_API_PRODUCE, 3},
	{KP_API_PRODUCE, 5},          {KP_API_FETCH, 4},         {KP_API_FETCH, 5},
	{KP_API_FETCH, 7},            {KP_API_LIST_OFFSETS, 1},  {KP_API_FIND_COORDINATOR, 0},
	{KP_API_JOIN_GROUP, 0},       {KP_API_JOIN_GROUP, 2},    {KP_API_SYNC_GROUP, 0},
	{KP_API_HEARTBEAT, 0},        {KP_API_OFFSET_COMMIT, 1}, {KP_API_OFFSET_COMMIT, 3},
	{KP_API_OFFSET_FETCH, 1},     {KP_API_OFFSET_FETCH, 2},  {KP_API_CREATE_TOPICS, 0},
	{KP_API_CREATE_TOPICS, 1},    {KP_API_CREATE_TOPICS, 2},
};

static void check(int cond)
{
	if (!cond)
		abort();
}

static uint8_t *encode(const struct kp_response *m, size_t *len)
{
	struct wire_writer w;
	wire_writer_init(&w, NULL, 0);
	kp_encode_response(&w, m);
	*len = w.len;
	uint8_t *buf = malloc(w.len ? w.len : 1);
	check(buf != NULL);
	wire_writer_init(&w, buf, *len);
	kp_encode_response(&w, m);
	check(w.err == 0 && w.len == *len);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const int16_t *kind = kinds[data[0] % (sizeof kinds / sizeof kinds[0])];
	struct kp_response m, again;
	size_t n = size - 1;
	uint8_t *p = malloc(n ? n : 1); /* exact size, so over-reads are caught */
	uint8_t *mem = malloc(kp_arena_bound(n));
	struct kp_arena a;
	check(p != NULL && mem != NULL);
	memcpy(p, data + 1, n);
	kp_arena_init(&a, mem, kp_arena_bound(n));
	int rc = kp_decode_response(p, n, kind[0], kind[1], &a, &m);
	check(rc != KP_EARENA);
	if (rc == 0) {
		size_t len, len2;
		uint8_t *enc = encode(&m, &len);
		uint8_t *mem2 = malloc(kp_arena_bound(len));
		check(mem2 != NULL);
		kp_arena_init(&a, mem2, kp_arena_bound(len));
		check(kp_decode_response(enc, len, kind[0], kind[1], &a, &again) == 0);
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
