/*
 * Writes the seed corpus of fuzz_record_batch into the directory given as
 * argv[1] (tests/fuzz/corpus/record_batch): a few valid batches and segments
 * made with the encoder. A host tool, not node code. Build and run with
 *
 *	cc -std=c11 -I. tests/fuzz/gen_record_batch_corpus.c broker/log/record_batch.c \
 *	  broker/log/crc32c.c broker/codec/wire.c -o build/gen_record_batch_corpus
 *	./build/gen_record_batch_corpus tests/fuzz/corpus/record_batch
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/log/record_batch.h"

#define BYTES(s) ((struct rb_bytes){(const uint8_t *)(s), sizeof(s) - 1})
#define NULL_BYTES ((struct rb_bytes){NULL, 0})

static void write_file(const char *dir, const char *name, const uint8_t *p, size_t n)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void encode(struct wire_writer *w, const struct rb_batch_header *h,
		   const struct rb_record_spec *recs, size_t n)
{
	if (rb_encode_batch(w, h, recs, n) != RB_OK) {
		fprintf(stderr, "encode failed\n");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	static uint8_t seg[4096];
	struct wire_writer w;
	const struct rb_record_header hds[2] = {
		{BYTES("h1"), BYTES("x")},
		{BYTES("h2"), NULL_BYTES},
	};
	const struct rb_record_spec two[2] = {
		{.key = BYTES("k"), .value = BYTES("v")},
		{.timestamp_delta = 5, .offset_delta = 1, .value = BYTES("w"), .headers = hds,
		 .header_count = 2},
	};
	struct rb_batch_header h = {
		.base_offset = 1000, .partition_leader_epoch = 3, .last_offset_delta = 1,
		.base_timestamp = 1700000000000, .max_timestamp = 1700000000005,
		.producer_id = 42, .base_sequence = 7,
	};

	/* 1: two records, headers (the unit test's batch A). */
	wire_writer_init(&w, seg, sizeof seg);
	encode(&w, &h, two, 2);
	size_t a = w.len;
	write_file(argv[1], "two_records", seg, a);

	/* 2: a commit marker (batch B); 3: the two back to back. */
	uint8_t key[4], value[6];
	rb_put_control_key(key, RB_CONTROL_COMMIT);
	rb_put_end_txn_marker(value, 5);
	const struct rb_record_spec marker = {.key = {key, 4}, .value = {value, 6}};
	struct rb_batch_header hc = h;
	hc.base_offset = 1002;
	hc.attributes = RB_ATTR_TRANSACTIONAL | RB_ATTR_CONTROL;
	hc.last_offset_delta = 0;
	hc.base_sequence = -1;
	encode(&w, &hc, &marker, 1);
	write_file(argv[1], "commit_marker", seg + a, w.len - a);
	write_file(argv[1], "segment_two_batches", seg, w.len);
	/* The same with bit 0 of byte 0 set: the fuzz target then re-signs the
	 * batches after mutating them (baseOffset 2^56 + 1000 is still valid). */
	seg[0] ^= 1;
	write_file(argv[1], "segment_two_batches_resign", seg, w.len);
	seg[0] ^= 1;

	/* 4: an empty batch, as compaction leaves; 5: a segment with a torn tail. */
	size_t b = w.len;
	struct rb_batch_header he = h;
	he.base_offset = 1003;
	he.last_offset_delta = 2;
	encode(&w, &he, NULL, 0);
	write_file(argv[1], "empty_batch", seg + b, w.len - b);
	write_file(argv[1], "segment_torn_tail", seg, w.len - 7);

	/* 6: log-append time, a tombstone, empty key and a negative delta. */
	const struct rb_record_spec three[3] = {
		{.key = BYTES(""), .value = NULL_BYTES},
		{.offset_delta = 1, .timestamp_delta = -3, .key = BYTES("key"),
		 .value = BYTES("")},
		{.offset_delta = 2, .timestamp_delta = 1000000, .value = BYTES("a longer value")},
	};
	struct rb_batch_header hl = h;
	hl.attributes = RB_ATTR_LOG_APPEND_TIME;
	hl.last_offset_delta = 2;
	hl.producer_id = -1;
	hl.producer_epoch = -1;
	hl.base_sequence = -1;
	wire_writer_init(&w, seg, sizeof seg);
	encode(&w, &hl, three, 3);
	write_file(argv[1], "log_append_time", seg, w.len);
	return 0;
}
