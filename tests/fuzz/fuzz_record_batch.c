/*
 * libFuzzer target for broker/log/record_batch: feeds arbitrary bytes to the
 * segment scanner, the batch parser and the record, header and control
 * decoders, and checks that what they accept re-encodes to the same records.
 * Sanitizers catch out-of-bounds reads and undefined behaviour; CHECK catches
 * broken invariants. Not built by the Makefile yet; build and run with
 *
 *	clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
 *	  -fno-sanitize-recover=all -I. tests/fuzz/fuzz_record_batch.c \
 *	  broker/log/record_batch.c broker/log/crc32c.c broker/codec/wire.c \
 *	  -o build/fuzz_record_batch
 *	cp -r tests/fuzz/corpus/record_batch build/corpus_record_batch
 *	./build/fuzz_record_batch -max_total_time=30 build/corpus_record_batch
 *
 * (the copy keeps the checked-in corpus small: libFuzzer adds every new
 * input it finds to the first directory it is given). The seed corpus comes
 * from tests/fuzz/gen_record_batch_corpus.c.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "broker/log/crc32c.h"
#include "broker/log/record_batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Unlike assert, on whatever the build flags. */
#define CHECK(x)                \
	do {                    \
		if (!(x))       \
			abort(); \
	} while (0)

enum { MAX_RECORDS = 128, MAX_HEADERS = 512 };

static bool inside(struct rb_bytes v, const uint8_t *p, size_t len)
{
	return !v.p || (v.p >= p && v.len <= len && v.p - p <= (ptrdiff_t)(len - v.len));
}

/* Field by field: struct padding holds no defined value to compare. */
static bool header_equal(const struct rb_batch_header *a, const struct rb_batch_header *b)
{
	return a->base_offset == b->base_offset && a->batch_length == b->batch_length &&
	       a->partition_leader_epoch == b->partition_leader_epoch && a->magic == b->magic &&
	       a->crc == b->crc && a->attributes == b->attributes &&
	       a->last_offset_delta == b->last_offset_delta &&
	       a->base_timestamp == b->base_timestamp && a->max_timestamp == b->max_timestamp &&
	       a->producer_id == b->producer_id && a->producer_epoch == b->producer_epoch &&
	       a->base_sequence == b->base_sequence && a->record_count == b->record_count;
}

static bool same_bytes(struct rb_bytes a, struct rb_bytes b)
{
	if (!a.p || !b.p)
		return a.p == b.p;
	return a.len == b.len && memcmp(a.p, b.p, a.len) == 0;
}

/* Walks the records and headers of a framed batch whose CRC may be wrong. */
static void walk_records(const struct rb_batch *b, const uint8_t *p, size_t len)
{
	struct rb_record_iter it;
	struct rb_record rec;
	int rc;
	int32_t n = 0;
	rb_init_record_iter(&it, b, 0);
	while ((rc = rb_next_record(&it, &rec)) == RB_OK) {
		CHECK(++n <= b->h.record_count);
		CHECK(inside(rec.key, p, len) && inside(rec.value, p, len));
		struct rb_header_iter hi;
		struct rb_record_header hd;
		int32_t h = 0;
		rb_init_header_iter(&hi, &rec);
		while (rb_next_header(&hi, &hd) == RB_OK) {
			CHECK(++h <= rec.header_count);
			CHECK(hd.key.p && inside(hd.key, p, len) && inside(hd.value, p, len));
		}
		CHECK(h == rec.header_count); /* rb_next_record checked them all */
		struct rb_control ctl;
		rb_decode_control(&rec, &ctl);
	}
	CHECK(rc == RB_END || rc == RB_ERECORD || rc == RB_ECOMPRESSION);
	CHECK(rc != RB_END || n == b->h.record_count);
}

/* Decodes a valid uncompressed batch into specs; false if it is too big. */
static bool collect(const struct rb_batch *b, struct rb_record_spec *recs,
		    struct rb_record_header *hds, bool *zero_attributes)
{
	struct rb_record_iter it;
	struct rb_record rec;
	size_t nh = 0;
	if (b->h.record_count > MAX_RECORDS)
		return false;
	CHECK(rb_init_record_iter(&it, b, 0) == RB_OK);
	*zero_attributes = true;
	for (int32_t i = 0; i < b->h.record_count; i++) {
		CHECK(rb_next_record(&it, &rec) == RB_OK);
		if (nh + (size_t)rec.header_count > MAX_HEADERS)
			return false;
		*zero_attributes = *zero_attributes && rec.attributes == 0;
		recs[i] = (struct rb_record_spec){
			.timestamp_delta = rec.timestamp_delta,
			.offset_delta = rec.offset_delta,
			.key = rec.key,
			.value = rec.value,
			.headers = hds + nh,
			.header_count = (size_t)rec.header_count,
		};
		struct rb_header_iter hi;
		rb_init_header_iter(&hi, &rec);
		while (rb_next_header(&hi, &hds[nh]) == RB_OK)
			nh++;
	}
	return true;
}

/* Checks that the records of a re-encoded batch are those it was made from. */
static void compare(const struct rb_batch *b, const struct rb_record_spec *recs)
{
	struct rb_record_iter it;
	struct rb_record rec;
	CHECK(rb_init_record_iter(&it, b, 0) == RB_OK);
	for (int32_t i = 0; i < b->h.record_count; i++) {
		CHECK(rb_next_record(&it, &rec) == RB_OK);
		CHECK(rec.timestamp_delta == recs[i].timestamp_delta);
		CHECK(rec.offset_delta == recs[i].offset_delta);
		CHECK(same_bytes(rec.key, recs[i].key) && same_bytes(rec.value, recs[i].value));
		CHECK((size_t)rec.header_count == recs[i].header_count);
		struct rb_header_iter hi;
		struct rb_record_header hd;
		rb_init_header_iter(&hi, &rec);
		for (size_t j = 0; j < recs[i].header_count; j++) {
			CHECK(rb_next_header(&hi, &hd) == RB_OK);
			CHECK(same_bytes(hd.key, recs[i].headers[j].key));
			CHECK(same_bytes(hd.value, recs[i].headers[j].value));
		}
	}
	CHECK(rb_next_record(&it, &rec) == RB_END);
}

/*
 * Re-encodes a valid uncompressed batch. Canonical varints are never longer
 * than the input's, so the copy is no larger; when it is as large and every
 * record attribute was 0 (the encoder writes 0), it is the same bytes.
 */
static void re_encode(const struct rb_batch *b)
{
	struct rb_record_spec recs[MAX_RECORDS];
	struct rb_record_header hds[MAX_HEADERS];
	bool zero_attributes;
	if (!collect(b, recs, hds, &zero_attributes))
		return;
	uint8_t *out = malloc(b->size);
	CHECK(out);
	struct wire_writer w;
	wire_writer_init(&w, out, b->size);
	CHECK(rb_encode_batch(&w, &b->h, recs, (size_t)b->h.record_count) == RB_OK);
	CHECK(w.len <= b->size);
	if (w.len == b->size && zero_attributes)
		CHECK(memcmp(out, b->data, b->size) == 0);
	struct rb_batch copy;
	CHECK(rb_validate_batch(out, w.len, 0, &copy) == RB_OK);
	CHECK(copy.h.record_count == b->h.record_count);
	compare(&copy, recs);
	free(out);
}

/*
 * Recomputes the CRC of every framed batch, so that mutated inputs get past
 * the CRC to the record checks and the re-encoding.
 */
static void resign(uint8_t *p, size_t len)
{
	size_t pos = 0;
	struct rb_batch b;
	while (pos < len && rb_parse_batch(p + pos, len - pos, &b) == RB_OK) {
		uint32_t c = crc32c(p + pos + RB_CRC_START, b.size - RB_CRC_START);
		for (int i = 0; i < 4; i++)
			p[pos + 17 + i] = (uint8_t)(c >> (24 - 8 * i));
		pos += b.size;
	}
}

static void run(const uint8_t *data, size_t size)
{
	struct rb_scan loose, dense;
	int rc = rb_scan_batches(data, size, 0, &loose);
	CHECK(loose.valid_bytes <= size);
	CHECK(rc != RB_OK || loose.valid_bytes == size);
	rb_scan_batches(data, size, RB_VALIDATE_DENSE, &dense);
	CHECK(dense.valid_bytes <= loose.valid_bytes);

	size_t pos = 0;
	struct rb_batch b;
	while (pos < size && rb_parse_batch(data + pos, size - pos, &b) == RB_OK) {
		CHECK(b.size >= RB_HEADER_SIZE && b.size <= size - pos);
		struct rb_batch_header h;
		CHECK(rb_read_header(data + pos, RB_HEADER_SIZE, &h) == RB_OK);
		CHECK(header_equal(&h, &b.h));
		walk_records(&b, data, size);
		if (rb_validate_batch(data + pos, size - pos, 0, &b) == RB_OK &&
		    rb_compression(&b.h) == RB_COMPRESSION_NONE)
			re_encode(&b);
		pos += b.size;
	}
}

/* Bit 0 of the first byte (in baseOffset, which no check looks at) chooses
 * whether the batches are re-signed before the checks. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	CHECK(copy);
	memcpy(copy, data, size);
	if (size > 0 && (data[0] & 1))
		resign(copy, size);
	run(copy, size);
	free(copy);
	return 0;
}
