/*
 * Unit tests for broker/log/record_batch: byte-exact batches worked out by
 * hand from Kafka's message format, round trips, every validation error, a
 * torn-tail sweep, a bit-flip sweep and a deterministic fuzz loop.
 */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "broker/log/crc32c.h"
#include "broker/log/record_batch.h"

/*
 * Batch A: two records of an idempotent producer, written out field by
 * field. Varints are zig-zag: n >= 0 is written as 2n, -1 as 1.
 */
static const uint8_t batch_a[87] = {
	/* baseOffset i64 = 1000 = 0x3e8 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8,
	/* batchLength i32 = 87 - 12 = 75 = 0x4b */
	0x00, 0x00, 0x00, 0x4b,
	/* partitionLeaderEpoch i32 = 3 */
	0x00, 0x00, 0x00, 0x03,
	/* magic i8 = 2 */
	0x02,
	/* crc u32 = CRC-32C of bytes 21..86, checked by test_vector_crc */
	0xfc, 0x49, 0xe6, 0xe7,
	/* attributes i16 = 0: no compression, create time, not transactional */
	0x00, 0x00,
	/* lastOffsetDelta i32 = 1 (two records) */
	0x00, 0x00, 0x00, 0x01,
	/* baseTimestamp i64 = 1700000000000 = 0x18bcfe56800 */
	0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00,
	/* maxTimestamp i64 = 1700000000005 */
	0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x05,
	/* producerId i64 = 42 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a,
	/* producerEpoch i16 = 0 */
	0x00, 0x00,
	/* baseSequence i32 = 7 */
	0x00, 0x00, 0x00, 0x07,
	/* recordCount i32 = 2 */
	0x00, 0x00, 0x00, 0x02,
	/* record 0 (offset 61), 9 bytes: length varint 8 -> 0x10 */
	0x10,
	/* attributes 0, timestampDelta 0, offsetDelta 0 */
	0x00, 0x00, 0x00,
	/* key: length 1 -> 0x02, "k" */
	0x02, 0x6b,
	/* value: length 1 -> 0x02, "v" */
	0x02, 0x76,
	/* header count 0 */
	0x00,
	/* record 1 (offset 70), 17 bytes: length varint 16 -> 0x20 */
	0x20,
	/* attributes 0, timestampDelta 5 -> 0x0a, offsetDelta 1 -> 0x02 */
	0x00, 0x0a, 0x02,
	/* key: null, length -1 -> 0x01 */
	0x01,
	/* value: length 1 -> 0x02, "w" */
	0x02, 0x77,
	/* header count 2 -> 0x04 */
	0x04,
	/* header "h1": key length 2 -> 0x04, "h1"; value length 1 -> 0x02, "x" */
	0x04, 0x68, 0x31, 0x02, 0x78,
	/* header "h2": key length 2 -> 0x04, "h2"; value null -> 0x01 */
	0x04, 0x68, 0x32, 0x01,
};

/*
 * Batch B: the commit marker of a transaction, a control batch holding one
 * control record.
 */
static const uint8_t batch_b[78] = {
	/* baseOffset i64 = 1002 = 0x3ea, right after batch A */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xea,
	/* batchLength i32 = 78 - 12 = 66 = 0x42 */
	0x00, 0x00, 0x00, 0x42,
	/* partitionLeaderEpoch i32 = 3 */
	0x00, 0x00, 0x00, 0x03,
	/* magic i8 = 2 */
	0x02,
	/* crc u32 = CRC-32C of bytes 21..77, checked by test_vector_crc */
	0xa8, 0x5c, 0x38, 0x37,
	/* attributes i16 = 0x30: transactional (bit 4) | control (bit 5) */
	0x00, 0x30,
	/* lastOffsetDelta i32 = 0 */
	0x00, 0x00, 0x00, 0x00,
	/* baseTimestamp i64 = maxTimestamp = 1700000000010 = 0x18bcfe5680a */
	0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x0a,
	0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x0a,
	/* producerId i64 = 42, producerEpoch i16 = 0 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00,
	/* baseSequence i32 = -1: markers carry no sequence */
	0xff, 0xff, 0xff, 0xff,
	/* recordCount i32 = 1 */
	0x00, 0x00, 0x00, 0x01,
	/* record 0, 17 bytes: length 16 -> 0x20; attributes, deltas 0 */
	0x20, 0x00, 0x00, 0x00,
	/* key: length 4 -> 0x08; version i16 0, type i16 1 (commit) */
	0x08, 0x00, 0x00, 0x00, 0x01,
	/* value: length 6 -> 0x0c; marker version i16 0, coordinatorEpoch i32 5 */
	0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
	/* header count 0 */
	0x00,
};

/* ---- Helpers ------------------------------------------------------------ */

#define BYTES(s) ((struct rb_bytes){(const uint8_t *)(s), sizeof(s) - 1})
#define NULL_BYTES ((struct rb_bytes){NULL, 0})

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

/* Recomputes the CRC of the batch at p, so a mutation reaches later checks. */
static void fix_crc(uint8_t *p, size_t size)
{
	put_be32(p + 17, crc32c(p + RB_CRC_START, size - RB_CRC_START));
}

static void assert_bytes(struct rb_bytes b, const char *want)
{
	assert_non_null(b.p);
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.p, want, b.len);
}

static const struct rb_batch_header header_a = {
	.base_offset = 1000,
	.partition_leader_epoch = 3,
	.attributes = 0,
	.last_offset_delta = 1,
	.base_timestamp = 1700000000000,
	.max_timestamp = 1700000000005,
	.producer_id = 42,
	.producer_epoch = 0,
	.base_sequence = 7,
};

static const struct rb_record_header headers_a1[2] = {
	{BYTES("h1"), BYTES("x")},
	{BYTES("h2"), NULL_BYTES},
};

static const struct rb_record_spec records_a[2] = {
	{.timestamp_delta = 0, .offset_delta = 0, .key = BYTES("k"), .value = BYTES("v")},
	{.timestamp_delta = 5,
	 .offset_delta = 1,
	 .key = NULL_BYTES,
	 .value = BYTES("w"),
	 .headers = headers_a1,
	 .header_count = 2},
};

static size_t encode_a(uint8_t *buf, size_t cap)
{
	struct wire_writer w;
	wire_writer_init(&w, buf, cap);
	assert_int_equal(rb_encode_batch(&w, &header_a, records_a, 2), RB_OK);
	return w.len;
}

/* Encodes batch B through the control helpers. */
static size_t encode_b(uint8_t *buf, size_t cap)
{
	uint8_t key[4], value[6];
	rb_put_control_key(key, RB_CONTROL_COMMIT);
	rb_put_end_txn_marker(value, 5);
	const struct rb_record_spec rec = {
		.key = {key, 4},
		.value = {value, 6},
	};
	const struct rb_batch_header h = {
		.base_offset = 1002,
		.partition_leader_epoch = 3,
		.attributes = RB_ATTR_TRANSACTIONAL | RB_ATTR_CONTROL,
		.last_offset_delta = 0,
		.base_timestamp = 1700000000010,
		.max_timestamp = 1700000000010,
		.producer_id = 42,
		.producer_epoch = 0,
		.base_sequence = -1,
	};
	struct wire_writer w;
	wire_writer_init(&w, buf, cap);
	assert_int_equal(rb_encode_batch(&w, &h, &rec, 1), RB_OK);
	return w.len;
}

/* Batch C: four log-append-time records with empty and null fields. */
static size_t encode_c(uint8_t *buf, size_t cap)
{
	const struct rb_record_header hd[1] = {{BYTES(""), BYTES("")}};
	const struct rb_record_spec recs[4] = {
		{.offset_delta = 0, .key = BYTES(""), .value = NULL_BYTES},
		{.offset_delta = 1, .key = NULL_BYTES, .value = BYTES("")},
		{.offset_delta = 2, .timestamp_delta = -3, .key = BYTES("key"),
		 .value = BYTES("a longer value"), .headers = hd, .header_count = 1},
		{.offset_delta = 3, .timestamp_delta = 1000000, .value = BYTES("z")},
	};
	const struct rb_batch_header h = {
		.base_offset = 1003,
		.partition_leader_epoch = 4,
		.attributes = RB_ATTR_LOG_APPEND_TIME,
		.last_offset_delta = 3,
		.base_timestamp = 1700000000020,
		.max_timestamp = 1700000000099,
		.producer_id = -1,
		.producer_epoch = -1,
		.base_sequence = -1,
	};
	struct wire_writer w;
	wire_writer_init(&w, buf, cap);
	assert_int_equal(rb_encode_batch(&w, &h, recs, 4), RB_OK);
	return w.len;
}

/* Batches A, B and C back to back, as in a log segment; returns the size. */
static size_t encode_segment(uint8_t *buf, size_t cap, size_t ends[3])
{
	ends[0] = encode_a(buf, cap);
	ends[1] = ends[0] + encode_b(buf + ends[0], cap - ends[0]);
	ends[2] = ends[1] + encode_c(buf + ends[1], cap - ends[1]);
	return ends[2];
}

/* ---- Byte-exact vectors ------------------------------------------------- */

/* The CRCs written into the vectors are those of their own bytes 21..end. */
static void test_vector_crc(void **state)
{
	assert_int_equal(get_be32(batch_a + 17), crc32c(batch_a + 21, sizeof batch_a - 21));
	assert_int_equal(get_be32(batch_b + 17), crc32c(batch_b + 21, sizeof batch_b - 21));
}

static void test_encode_vector_a(void **state)
{
	uint8_t buf[128];
	memset(buf, 0xee, sizeof buf);
	size_t n = encode_a(buf, sizeof buf);
	assert_int_equal(n, sizeof batch_a);
	assert_memory_equal(buf, batch_a, sizeof batch_a);
	assert_int_equal(buf[sizeof batch_a], 0xee); /* nothing past the end */
}

static void test_encode_vector_b(void **state)
{
	uint8_t buf[128];
	size_t n = encode_b(buf, sizeof buf);
	assert_int_equal(n, sizeof batch_b);
	assert_memory_equal(buf, batch_b, sizeof batch_b);
}

static void test_decode_vector_a(void **state)
{
	struct rb_batch b;
	assert_int_equal(rb_validate_batch(batch_a, sizeof batch_a, RB_VALIDATE_DENSE, &b), RB_OK);
	assert_ptr_equal(b.data, batch_a);
	assert_int_equal(b.size, 87);
	assert_true(b.h.base_offset == 1000);
	assert_int_equal(b.h.batch_length, 75);
	assert_int_equal(b.h.partition_leader_epoch, 3);
	assert_int_equal(b.h.magic, 2);
	assert_int_equal(b.h.crc, 0xfc49e6e7u);
	assert_int_equal(b.h.attributes, 0);
	assert_int_equal(b.h.last_offset_delta, 1);
	assert_true(b.h.base_timestamp == 1700000000000);
	assert_true(b.h.max_timestamp == 1700000000005);
	assert_true(b.h.producer_id == 42);
	assert_int_equal(b.h.producer_epoch, 0);
	assert_int_equal(b.h.base_sequence, 7);
	assert_int_equal(b.h.record_count, 2);
	assert_true(rb_last_offset(&b.h) == 1001);
	assert_false(rb_is_transactional(&b.h));
	assert_false(rb_is_control(&b.h));

	struct rb_record_iter it;
	struct rb_record rec;
	assert_int_equal(rb_init_record_iter(&it, &b, 0), RB_OK);
	assert_int_equal(rb_next_record(&it, &rec), RB_OK);
	assert_true(rec.offset == 1000);
	assert_true(rec.timestamp == 1700000000000);
	assert_ptr_equal(rec.key.p, batch_a + 66); /* a view, not a copy */
	assert_bytes(rec.key, "k");
	assert_bytes(rec.value, "v");
	assert_int_equal(rec.header_count, 0);

	assert_int_equal(rb_next_record(&it, &rec), RB_OK);
	assert_true(rec.offset == 1001);
	assert_int_equal(rec.offset_delta, 1);
	assert_true(rec.timestamp == 1700000000005);
	assert_null(rec.key.p);
	assert_bytes(rec.value, "w");
	assert_int_equal(rec.header_count, 2);

	struct rb_header_iter hi;
	struct rb_record_header hd;
	rb_init_header_iter(&hi, &rec);
	assert_int_equal(rb_next_header(&hi, &hd), RB_OK);
	assert_bytes(hd.key, "h1");
	assert_bytes(hd.value, "x");
	assert_int_equal(rb_next_header(&hi, &hd), RB_OK);
	assert_bytes(hd.key, "h2");
	assert_null(hd.value.p);
	assert_int_equal(rb_next_header(&hi, &hd), RB_END);

	assert_int_equal(rb_next_record(&it, &rec), RB_END);
	assert_int_equal(rb_next_record(&it, &rec), RB_END);
}

static void test_decode_control_vector_b(void **state)
{
	struct rb_batch b;
	struct rb_record_iter it;
	struct rb_record rec;
	struct rb_control ctl;
	assert_int_equal(rb_validate_batch(batch_b, sizeof batch_b, RB_VALIDATE_DENSE, &b), RB_OK);
	assert_true(rb_is_control(&b.h));
	assert_true(rb_is_transactional(&b.h));
	assert_int_equal(b.h.base_sequence, -1);
	assert_int_equal(rb_init_record_iter(&it, &b, 0), RB_OK);
	assert_int_equal(rb_next_record(&it, &rec), RB_OK);
	assert_int_equal(rb_decode_control(&rec, &ctl), RB_OK);
	assert_int_equal(ctl.version, 0);
	assert_int_equal(ctl.type, RB_CONTROL_COMMIT);
	assert_true(ctl.has_marker);
	assert_int_equal(ctl.marker_version, 0);
	assert_int_equal(ctl.coordinator_epoch, 5);
	assert_int_equal(rb_next_record(&it, &rec), RB_END);
}

static void test_decode_control_errors(void **state)
{
	struct rb_record rec = {0};
	struct rb_control ctl;
	const uint8_t abort_key[4] = {0, 0, 0, 0};
	const uint8_t neg_version[4] = {0xff, 0xff, 0, 1};
	const uint8_t other_type[4] = {0, 0, 0, 3};
	const uint8_t short_value[5] = {0, 0, 0, 0, 0};

	assert_int_equal(rb_decode_control(&rec, &ctl), RB_ERECORD); /* null key */
	rec.key = (struct rb_bytes){abort_key, 3};
	assert_int_equal(rb_decode_control(&rec, &ctl), RB_ERECORD); /* short key */
	rec.key = (struct rb_bytes){neg_version, 4};
	assert_int_equal(rb_decode_control(&rec, &ctl), RB_ERECORD);
	rec.key = (struct rb_bytes){abort_key, 4};
	assert_int_equal(rb_decode_control(&rec, &ctl), RB_ERECORD); /* abort, no value */
	rec.value = (struct rb_bytes){short_value, 5};
	assert_int_equal(rb_decode_control(&rec, &ctl), RB_ERECORD);
	/* A later key version, longer key and longer marker: Kafka reads the
	 * fields it knows and ignores the rest. */
	const uint8_t v1_key[5] = {0, 1, 0, 0, 0xaa};
	const uint8_t v1_value[7] = {0, 1, 0, 0, 0x01, 0x02, 0xbb};
	rec.key = (struct rb_bytes){v1_key, 5};
	rec.value = (struct rb_bytes){v1_value, 7};
	assert_int_equal(rb_decode_control(&rec, &ctl), RB_OK);
	assert_int_equal(ctl.version, 1);
	assert_int_equal(ctl.type, RB_CONTROL_ABORT);
	assert_true(ctl.has_marker);
	assert_int_equal(ctl.marker_version, 1);
	assert_int_equal(ctl.coordinator_epoch, 0x102);
	const uint8_t neg_marker[6] = {0xff, 0xfe, 0, 0, 0, 5};
	rec.value = (struct rb_bytes){neg_marker, 6};
	assert_int_equal(rb_decode_control(&rec, &ctl), RB_ERECORD);
	/* A type without a marker value (e.g. KRaft's) decodes without one. */
	rec.key = (struct rb_bytes){other_type, 4};
	rec.value = NULL_BYTES;
	assert_int_equal(rb_decode_control(&rec, &ctl), RB_OK);
	assert_int_equal(ctl.type, 3);
	assert_false(ctl.has_marker);
}

/* ---- Encoder ------------------------------------------------------------ */

static void test_encode_sizing_pass_and_overflow(void **state)
{
	struct wire_writer w;
	wire_writer_init(&w, NULL, 0);
	assert_int_equal(rb_encode_batch(&w, &header_a, records_a, 2), RB_EOVERFLOW);
	assert_int_equal(w.len, sizeof batch_a);

	uint8_t buf[200];
	wire_writer_init(&w, buf, sizeof batch_a - 1);
	assert_int_equal(rb_encode_batch(&w, &header_a, records_a, 2), RB_EOVERFLOW);

	/* Two batches appended to one writer, back to back. */
	wire_writer_init(&w, buf, sizeof buf);
	assert_int_equal(rb_encode_batch(&w, &header_a, records_a, 2), RB_OK);
	assert_int_equal(rb_encode_batch(&w, &header_a, records_a, 2), RB_OK);
	assert_int_equal(w.len, 2 * sizeof batch_a);
	assert_memory_equal(buf + sizeof batch_a, batch_a, sizeof batch_a);
	/* A writer that already failed stays failed. */
	assert_int_equal(rb_encode_batch(&w, &header_a, records_a, 2), RB_EOVERFLOW);
}

static void test_encode_invalid_arguments(void **state)
{
	uint8_t buf[256];
	struct wire_writer w;
	struct rb_batch_header h = header_a;
	struct rb_record_spec rec = records_a[1];
	const struct rb_record_header null_key[1] = {{NULL_BYTES, BYTES("v")}};

	wire_writer_init(&w, buf, sizeof buf);
	h.attributes = RB_COMPRESSION_ZSTD;
	assert_int_equal(rb_encode_batch(&w, &h, records_a, 2), RB_EINVAL);
	h = header_a;
	rec.headers = null_key;
	rec.header_count = 1;
	assert_int_equal(rb_encode_batch(&w, &h, &rec, 1), RB_EINVAL);
	rec.headers = NULL;
	assert_int_equal(rb_encode_batch(&w, &h, &rec, 1), RB_EINVAL);
	rec = records_a[0];
	rec.value.len = (size_t)INT32_MAX + 1;
	assert_int_equal(rb_encode_batch(&w, &h, &rec, 1), RB_EINVAL);
	/* A batch whose records together pass INT32_MAX bytes. */
	struct rb_record_spec big[3];
	for (int i = 0; i < 3; i++) {
		big[i] = records_a[0];
		big[i].value.len = INT32_MAX / 3;
	}
	assert_int_equal(rb_encode_batch(&w, &h, big, 3), RB_EINVAL);
	assert_int_equal(rb_encode_batch(&w, &h, NULL, 1), RB_EINVAL);
	assert_int_equal(w.len, 0); /* nothing was written */
	assert_int_equal(w.err, WIRE_OK);
}

static void test_empty_batch(void **state)
{
	uint8_t buf[64];
	struct wire_writer w;
	struct rb_batch_header h = header_a;
	struct rb_batch b;
	struct rb_record_iter it;
	struct rb_record rec;

	/* What compaction leaves when it removes every record but must keep
	 * the batch (its producer state): no records, the original range. */
	h.last_offset_delta = 4;
	wire_writer_init(&w, buf, sizeof buf);
	assert_int_equal(rb_encode_batch(&w, &h, NULL, 0), RB_OK);
	assert_int_equal(w.len, RB_HEADER_SIZE);
	assert_int_equal(rb_validate_batch(buf, w.len, 0, &b), RB_OK);
	assert_int_equal(b.h.batch_length, RB_BATCH_LENGTH_MIN);
	assert_int_equal(rb_init_record_iter(&it, &b, 0), RB_OK);
	assert_int_equal(rb_next_record(&it, &rec), RB_END);
	/* A producer never sends one. */
	assert_int_equal(rb_validate_batch(buf, w.len, RB_VALIDATE_DENSE, &b), RB_ECOUNT);
}

static void test_rewrite_offset_and_epoch_in_place(void **state)
{
	uint8_t buf[sizeof batch_a];
	struct rb_batch b;
	memcpy(buf, batch_a, sizeof buf);
	assert_int_equal(rb_set_base_offset(buf, sizeof buf, 0x0102030405060708), RB_OK);
	assert_int_equal(rb_set_partition_leader_epoch(buf, sizeof buf, -7), RB_OK);
	const uint8_t want[16] = {1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0x4b, 0xff, 0xff, 0xff, 0xf9};
	assert_memory_equal(buf, want, sizeof want);
	assert_memory_equal(buf + 16, batch_a + 16, sizeof buf - 16); /* CRC untouched */
	assert_int_equal(rb_validate_batch(buf, sizeof buf, 0, &b), RB_OK);
	assert_true(b.h.base_offset == 0x0102030405060708);
	assert_int_equal(b.h.partition_leader_epoch, -7);
	assert_int_equal(rb_set_base_offset(buf, RB_HEADER_SIZE - 1, 0), RB_EINCOMPLETE);
	assert_int_equal(rb_set_partition_leader_epoch(buf, 10, 0), RB_EINCOMPLETE);
}

static void test_log_append_time(void **state)
{
	uint8_t buf[256];
	struct rb_batch b;
	struct rb_record_iter it;
	struct rb_record rec;
	size_t n = encode_c(buf, sizeof buf);
	assert_int_equal(rb_validate_batch(buf, n, RB_VALIDATE_DENSE, &b), RB_OK);
	assert_int_equal(rb_init_record_iter(&it, &b, 0), RB_OK);
	int count = 0;
	while (rb_next_record(&it, &rec) == RB_OK) {
		/* Kafka reports maxTimestamp for every record of such a batch. */
		assert_true(rec.timestamp == 1700000000099);
		assert_true(rec.offset == 1003 + count);
		count++;
	}
	assert_int_equal(count, 4);
}

/* ---- Round trips -------------------------------------------------------- */

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static uint32_t rnd(uint64_t *s, uint32_t n)
{
	return (uint32_t)(xorshift64(s) % n);
}

enum { RT_RECORDS = 8, RT_HEADERS = 3 };

/* Random bytes, null one time in eight, drawn from pool (length <= 40). */
static struct rb_bytes random_bytes(uint64_t *s, const uint8_t *pool)
{
	if (rnd(s, 8) == 0)
		return NULL_BYTES;
	return (struct rb_bytes){pool + rnd(s, 64), rnd(s, 41)};
}

static bool bytes_equal(struct rb_bytes a, struct rb_bytes b)
{
	if (!a.p || !b.p)
		return a.p == b.p;
	return a.len == b.len && memcmp(a.p, b.p, a.len) == 0;
}

static void check_round_trip(uint64_t *s, const uint8_t *pool)
{
	struct rb_record_spec recs[RT_RECORDS];
	struct rb_record_header hds[RT_RECORDS][RT_HEADERS];
	size_t n = rnd(s, RT_RECORDS + 1);
	int64_t delta = 0;
	for (size_t i = 0; i < n; i++) {
		recs[i] = (struct rb_record_spec){
			.timestamp_delta = (int64_t)xorshift64(s) >> rnd(s, 64),
			.offset_delta = (int32_t)i,
			.key = random_bytes(s, pool),
			.value = random_bytes(s, pool),
			.headers = hds[i],
			.header_count = rnd(s, RT_HEADERS + 1),
		};
		for (size_t j = 0; j < recs[i].header_count; j++) {
			hds[i][j].key = (struct rb_bytes){pool + rnd(s, 64), rnd(s, 10)};
			hds[i][j].value = random_bytes(s, pool);
		}
		delta = (int64_t)i;
	}
	struct rb_batch_header h = {
		.base_offset = (int64_t)(xorshift64(s) >> 2),
		.partition_leader_epoch = (int32_t)rnd(s, 1000),
		.attributes = (int16_t)(rnd(s, 2) ? RB_ATTR_TRANSACTIONAL : 0),
		.last_offset_delta = (int32_t)delta,
		.base_timestamp = (int64_t)(xorshift64(s) >> 24),
		.max_timestamp = (int64_t)(xorshift64(s) >> 24),
		.producer_id = (int64_t)rnd(s, 100000) - 1,
		.producer_epoch = (int16_t)rnd(s, 100),
		.base_sequence = (int32_t)rnd(s, 1u << 30),
	};

	uint8_t buf[4096];
	struct wire_writer w;
	wire_writer_init(&w, buf, sizeof buf);
	assert_int_equal(rb_encode_batch(&w, &h, recs, n), RB_OK);

	struct rb_batch b;
	unsigned flags = n > 0 ? RB_VALIDATE_DENSE : 0;
	assert_int_equal(rb_validate_batch(buf, w.len, flags, &b), RB_OK);
	assert_int_equal(b.size, w.len);
	assert_true(b.h.base_offset == h.base_offset);
	assert_true(b.h.base_timestamp == h.base_timestamp);
	assert_true(b.h.max_timestamp == h.max_timestamp);
	assert_true(b.h.producer_id == h.producer_id);
	assert_int_equal(b.h.producer_epoch, h.producer_epoch);
	assert_int_equal(b.h.base_sequence, h.base_sequence);
	assert_int_equal(b.h.partition_leader_epoch, h.partition_leader_epoch);
	assert_int_equal(b.h.attributes, h.attributes);
	assert_int_equal(b.h.record_count, n);

	struct rb_record_iter it;
	struct rb_record rec;
	assert_int_equal(rb_init_record_iter(&it, &b, flags), RB_OK);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(rb_next_record(&it, &rec), RB_OK);
		assert_true(rec.timestamp_delta == recs[i].timestamp_delta);
		assert_true(rec.offset == h.base_offset + (int64_t)i);
		assert_true(bytes_equal(rec.key, recs[i].key));
		assert_true(bytes_equal(rec.value, recs[i].value));
		assert_int_equal(rec.header_count, recs[i].header_count);
		struct rb_header_iter hi;
		struct rb_record_header hd;
		rb_init_header_iter(&hi, &rec);
		for (size_t j = 0; j < recs[i].header_count; j++) {
			assert_int_equal(rb_next_header(&hi, &hd), RB_OK);
			assert_true(bytes_equal(hd.key, hds[i][j].key));
			assert_true(bytes_equal(hd.value, hds[i][j].value));
		}
		assert_int_equal(rb_next_header(&hi, &hd), RB_END);
	}
	assert_int_equal(rb_next_record(&it, &rec), RB_END);
}

static void test_round_trips(void **state)
{
	uint8_t pool[128];
	uint64_t s = 0x2545f4914f6cdd1du;
	for (size_t i = 0; i < sizeof pool; i++)
		pool[i] = (uint8_t)xorshift64(&s);
	for (int i = 0; i < 2000; i++)
		check_round_trip(&s, pool);
}

/* ---- Validation errors -------------------------------------------------- */

/* Validates a copy of batch A with byte `at` set to v (and the CRC redone). */
static int validate_a_with(size_t at, uint8_t v, bool refix_crc, unsigned flags)
{
	uint8_t buf[sizeof batch_a];
	struct rb_batch b;
	memcpy(buf, batch_a, sizeof buf);
	buf[at] = v;
	if (refix_crc)
		fix_crc(buf, sizeof buf);
	return rb_validate_batch(buf, sizeof buf, flags, &b);
}

struct edit {
	size_t at;
	uint8_t v;
};

/* Validates a copy of batch A with n bytes replaced and the CRC recomputed. */
static int validate_a_edits(const struct edit *e, size_t n, unsigned flags)
{
	uint8_t buf[sizeof batch_a];
	struct rb_batch b;
	memcpy(buf, batch_a, sizeof buf);
	for (size_t i = 0; i < n; i++)
		buf[e[i].at] = e[i].v;
	fix_crc(buf, sizeof buf);
	return rb_validate_batch(buf, sizeof buf, flags, &b);
}

static void test_header_errors(void **state)
{
	struct rb_batch b;
	size_t size;

	assert_int_equal(rb_validate_batch(batch_a, 0, 0, &b), RB_EINCOMPLETE);
	assert_int_equal(rb_validate_batch(batch_a, 11, 0, &b), RB_EINCOMPLETE);
	assert_int_equal(rb_parse_batch(batch_a, 60, &b), RB_EINCOMPLETE);
	assert_int_equal(rb_next_batch_size(batch_a, 86, 0, &size), RB_EINCOMPLETE);
	assert_int_equal(rb_next_batch_size(batch_a, 87, 0, &size), RB_OK);
	assert_int_equal(size, 87);

	/* batchLength 48: one short of a header; negative. Outside the CRC. */
	assert_int_equal(validate_a_with(11, 48, false, 0), RB_ELENGTH);
	assert_int_equal(validate_a_with(8, 0x80, false, 0), RB_ELENGTH);
	/* An impossible length is corruption even when the buffer is short. */
	uint8_t buf[sizeof batch_a];
	memcpy(buf, batch_a, sizeof buf);
	buf[11] = 0;
	assert_int_equal(rb_validate_batch(buf, 12, 0, &b), RB_ELENGTH);
	/* batchLength one larger than the bytes: incomplete, not corrupt. */
	assert_int_equal(validate_a_with(11, 76, false, 0), RB_EINCOMPLETE);
	/* A shorter batchLength cuts the records: the CRC no longer matches. */
	assert_int_equal(validate_a_with(11, 74, false, 0), RB_ECRC);

	/* Magic 0, 1 (the old MessageSet formats) and 3. */
	assert_int_equal(validate_a_with(16, 0, false, 0), RB_EMAGIC);
	assert_int_equal(validate_a_with(16, 1, false, 0), RB_EMAGIC);
	assert_int_equal(validate_a_with(16, 3, false, 0), RB_EMAGIC);
	memcpy(buf, batch_a, sizeof buf);
	buf[16] = 1;
	assert_int_equal(rb_validate_batch(buf, 17, 0, &b), RB_EMAGIC);
	assert_int_equal(rb_parse_batch(buf, 17, &b), RB_EMAGIC);

	/* CRC: a changed value byte, a changed stored CRC. */
	assert_int_equal(validate_a_with(68, 'V', false, 0), RB_ECRC);
	assert_int_equal(validate_a_with(20, 0xe6, false, 0), RB_ECRC);
	/* rb_parse_batch does not look at the CRC. */
	memcpy(buf, batch_a, sizeof buf);
	buf[68] = 'V';
	assert_int_equal(rb_parse_batch(buf, sizeof buf, &b), RB_OK);
	assert_int_equal(rb_verify_crc(&b), RB_ECRC);
}

/* The header alone, as a log reader that has read 61 bytes sees it. */
static void test_read_header(void **state)
{
	struct rb_batch_header h;
	uint8_t buf[sizeof batch_a];

	assert_int_equal(rb_read_header(batch_a, RB_HEADER_SIZE, &h), RB_OK);
	assert_int_equal(h.batch_length, 75);
	assert_true(h.base_offset == 1000);
	assert_int_equal(h.record_count, 2);
	assert_int_equal(h.crc, 0xfc49e6e7u);
	assert_int_equal(rb_read_header(batch_a, RB_HEADER_SIZE - 1, &h), RB_EINCOMPLETE);
	assert_int_equal(rb_read_header(batch_a, 5, &h), RB_EINCOMPLETE);

	memcpy(buf, batch_a, sizeof buf);
	buf[11] = 48;
	assert_int_equal(rb_read_header(buf, 12, &h), RB_ELENGTH);
	memcpy(buf, batch_a, sizeof buf);
	buf[16] = 0;
	assert_int_equal(rb_read_header(buf, 17, &h), RB_EMAGIC);
	memcpy(buf, batch_a, sizeof buf);
	buf[57] = 0x80;
	assert_int_equal(rb_read_header(buf, RB_HEADER_SIZE, &h), RB_ECOUNT);
	assert_int_equal(h.batch_length, 75); /* left alone on error */
}

static void test_count_errors(void **state)
{
	/* recordCount -1 (0xff in its top byte makes it negative). */
	assert_int_equal(validate_a_with(57, 0xff, true, 0), RB_ECOUNT);
	/* lastOffsetDelta negative. */
	assert_int_equal(validate_a_with(23, 0x80, true, 0), RB_ECOUNT);
	/* Three records in a range of two offsets. */
	assert_int_equal(validate_a_with(60, 3, true, 0), RB_ECOUNT);
	/* lastOffsetDelta 5 with two records: fine for a compacted batch... */
	assert_int_equal(validate_a_with(26, 5, true, 0), RB_OK);
	/* ...but not what a producer may send. */
	assert_int_equal(validate_a_with(26, 5, true, RB_VALIDATE_DENSE), RB_ECOUNT);

	struct rb_batch b;
	uint8_t buf[sizeof batch_a];
	memcpy(buf, batch_a, sizeof buf);
	buf[60] = 3;
	assert_int_equal(rb_parse_batch(buf, sizeof buf, &b), RB_ECOUNT);
}

static void test_record_errors(void **state)
{
	/* Record 0's length 9 (0x12) takes in record 1's first byte, which
	 * its fields leave over. */
	assert_int_equal(validate_a_with(61, 0x12, true, 0), RB_ERECORD);
	/* Record 0's length 7 (0x0e): its header count falls outside it. */
	assert_int_equal(validate_a_with(61, 0x0e, true, 0), RB_ERECORD);
	/* Record 1's length 63 (0x7e) passes the end of the batch. */
	assert_int_equal(validate_a_with(70, 0x7e, true, 0), RB_ERECORD);
	/* Negative record length. */
	assert_int_equal(validate_a_with(61, 0x01, true, 0), RB_ERECORD);
	/* Key length -2 (zig-zag 3). */
	assert_int_equal(validate_a_with(65, 0x03, true, 0), RB_ERECORD);
	/* Record 1's header count -2 (zig-zag 3), and 3 (more than it holds). */
	assert_int_equal(validate_a_with(77, 0x03, true, 0), RB_ERECORD);
	assert_int_equal(validate_a_with(77, 0x06, true, 0), RB_ERECORD);
	/* Record 1's first header key null (-1), which Kafka forbids. */
	assert_int_equal(validate_a_with(78, 0x01, true, 0), RB_ERECORD);
	/* A varint that never ends: record 0's header count 0x80. */
	assert_int_equal(validate_a_with(69, 0x80, true, 0), RB_ERECORD);
	/* Record 1's offsetDelta 2 (0x04) beyond lastOffsetDelta 1. */
	assert_int_equal(validate_a_with(73, 0x04, true, 0), RB_ERECORD);
	/* Record 1's offsetDelta 0: offsets must increase. */
	assert_int_equal(validate_a_with(73, 0x00, true, 0), RB_ERECORD);
	/* Record 1's second header with a null key and the value "h2": the
	 * same length, so only the null-key rule rejects it. */
	const struct edit null_key[] = {{83, 0x01}, {84, 0x04}, {85, 0x68}, {86, 0x32}};
	assert_int_equal(validate_a_edits(null_key, 4, 0), RB_ERECORD);
	/* Record 0 with an empty value: its header count moves up one byte and
	 * the record's last byte is left over inside its declared length. */
	const struct edit left_over[] = {{67, 0x00}, {68, 0x00}};
	assert_int_equal(validate_a_edits(left_over, 2, 0), RB_ERECORD);
	/* Record 0's offsetDelta -1. */
	assert_int_equal(validate_a_with(64, 0x01, true, 0), RB_ERECORD);
	/* recordCount 1: record 1's bytes are left over. */
	assert_int_equal(validate_a_with(60, 1, true, 0), RB_ERECORD);
	/* recordCount 3 in a range of 3 offsets (lastOffsetDelta 2): the
	 * section ends after two records. */
	uint8_t buf[sizeof batch_a];
	struct rb_batch b;
	memcpy(buf, batch_a, sizeof buf);
	buf[26] = 2;
	buf[60] = 3;
	fix_crc(buf, sizeof buf);
	assert_int_equal(rb_validate_batch(buf, sizeof buf, 0, &b), RB_ERECORD);

	/* The iterator reports the same error, and keeps reporting it. */
	struct rb_record_iter it;
	struct rb_record rec;
	assert_int_equal(rb_parse_batch(buf, sizeof buf, &b), RB_OK);
	assert_int_equal(rb_init_record_iter(&it, &b, 0), RB_OK);
	assert_int_equal(rb_next_record(&it, &rec), RB_OK);
	assert_int_equal(rb_next_record(&it, &rec), RB_OK);
	assert_int_equal(rb_next_record(&it, &rec), RB_ERECORD);
	assert_int_equal(rb_next_record(&it, &rec), RB_ERECORD);
}

static void test_unsupported_compression(void **state)
{
	uint8_t buf[sizeof batch_a];
	struct rb_batch b;
	struct rb_record_iter it;
	struct rb_record rec;
	for (int codec = RB_COMPRESSION_GZIP; codec <= 7; codec++) {
		memcpy(buf, batch_a, sizeof buf);
		buf[22] = (uint8_t)codec;
		fix_crc(buf, sizeof buf);
		/* The batch itself is intact: recovery keeps it... */
		assert_int_equal(rb_validate_batch(buf, sizeof buf, 0, &b), RB_OK);
		assert_int_equal(rb_compression(&b.h), codec);
		/* ...but its records cannot be read. */
		assert_int_equal(rb_init_record_iter(&it, &b, 0), RB_ECOMPRESSION);
		assert_int_equal(rb_next_record(&it, &rec), RB_ECOMPRESSION);
	}
}

static void test_strerror(void **state)
{
	for (int e = RB_EINVAL; e <= RB_OK; e++) {
		assert_non_null(rb_strerror(e));
		for (int f = e + 1; f <= RB_OK; f++)
			assert_string_not_equal(rb_strerror(e), rb_strerror(f));
	}
	assert_string_equal(rb_strerror(RB_ECOMPRESSION), "unsupported compression");
	assert_non_null(rb_strerror(12345));
}

/* ---- Sweeps ------------------------------------------------------------- */

/*
 * Every prefix of a three-batch segment, copied into a buffer of exactly that
 * length (so Valgrind and ASan see any read past it): the whole batches are
 * counted and the rest is an incomplete tail, never corruption.
 */
static void test_truncation_sweep(void **state)
{
	uint8_t seg[512];
	size_t ends[3];
	size_t total = encode_segment(seg, sizeof seg, ends);
	assert_int_equal(total, 87 + 78 + ends[2] - ends[1]);
	assert_memory_equal(seg, batch_a, sizeof batch_a);
	assert_memory_equal(seg + ends[0], batch_b, sizeof batch_b);

	for (size_t len = 0; len <= total; len++) {
		uint8_t *p = malloc(len ? len : 1);
		assert_non_null(p);
		memcpy(p, seg, len);
		size_t whole = 0, good = 0;
		while (whole < 3 && ends[whole] <= len)
			good = ends[whole++];

		struct rb_scan scan;
		int rc = rb_scan_batches(p, len, RB_VALIDATE_DENSE, &scan);
		assert_int_equal(rc, good == len ? RB_OK : RB_EINCOMPLETE);
		assert_int_equal(scan.valid_bytes, good);
		assert_int_equal(scan.batches, whole);

		size_t size = 0;
		rc = rb_next_batch_size(p + good, len - good, 0, &size);
		assert_int_equal(rc, RB_EINCOMPLETE);

		/* The torn batch's header, when it survived, reads back. */
		struct rb_batch_header h;
		rc = rb_read_header(p + good, len - good, &h);
		if (len - good >= RB_HEADER_SIZE) {
			assert_int_equal(rc, RB_OK);
			assert_int_equal(RB_LOG_OVERHEAD + (size_t)h.batch_length,
					 ends[whole] - good);
		} else {
			assert_int_equal(rc, RB_EINCOMPLETE);
		}
		free(p);
	}
}

/* Flips one bit of the segment; returns the scan's verdict. */
static int scan_with_flip(const uint8_t *seg, size_t total, size_t byte, int bit,
			  struct rb_scan *scan)
{
	uint8_t *p = malloc(total);
	assert_non_null(p);
	memcpy(p, seg, total);
	p[byte] ^= (uint8_t)(1u << bit);
	int rc = rb_scan_batches(p, total, 0, scan);
	free(p);
	return rc;
}

/*
 * Every single-bit flip in the CRC-covered bytes of each batch of a segment,
 * and in its CRC field, is reported as a CRC mismatch at that batch; flips in
 * the magic byte as bad magic; flips in batchLength as some error there;
 * flips in baseOffset and partitionLeaderEpoch pass, as in Kafka, since the
 * broker rewrites those two fields.
 */
static void test_bit_flip_sweep(void **state)
{
	uint8_t seg[512];
	size_t ends[3];
	size_t total = encode_segment(seg, sizeof seg, ends);
	struct rb_scan scan;

	for (size_t k = 0; k < 3; k++) {
		size_t start = k ? ends[k - 1] : 0;
		for (size_t i = 0; i < ends[k] - start; i++) {
			for (int bit = 0; bit < 8; bit++) {
				int rc = scan_with_flip(seg, total, start + i, bit, &scan);
				if (i < 8 || (i >= 12 && i < 16)) {
					assert_int_equal(rc, RB_OK);
					continue;
				}
				assert_int_equal(scan.valid_bytes, start);
				assert_int_equal(scan.batches, k);
				if (i >= 17)
					assert_int_equal(rc, RB_ECRC);
				else if (i == 16)
					assert_int_equal(rc, RB_EMAGIC);
				else
					assert_true(rc < 0);
			}
		}
	}
}

/* ---- Fuzz --------------------------------------------------------------- */

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

static void assert_view_inside(struct rb_bytes v, const uint8_t *p, size_t len)
{
	if (!v.p)
		return;
	assert_true(v.p >= p && v.p + v.len <= p + len);
}

/* What the fuzz loop reached, so that a loop that stops reaching the
 * record decoder (say, every input failing the CRC) fails the test. */
struct fuzz_stats {
	long scan_result[8]; /* by -rb_error */
	long records;        /* records decoded */
	long bad_records;    /* iterations ended by RB_ERECORD */
};

/* Runs every reader over p[0..len) and checks the answers are sane. */
static void exercise(const uint8_t *p, size_t len, struct fuzz_stats *st)
{
	struct rb_scan scan;
	int rc = rb_scan_batches(p, len, 0, &scan);
	assert_true(rc <= RB_OK && rc >= RB_ECOMPRESSION);
	st->scan_result[-rc]++;
	assert_true(scan.valid_bytes <= len);
	assert_true(rc != RB_OK || scan.valid_bytes == len);

	/* Walk the records of each framed batch, CRC or not. */
	size_t pos = 0;
	struct rb_batch b;
	while (pos < len && rb_parse_batch(p + pos, len - pos, &b) == RB_OK) {
		assert_true(b.size >= RB_HEADER_SIZE && b.size <= len - pos);
		struct rb_batch_header h;
		assert_int_equal(rb_read_header(p + pos, RB_HEADER_SIZE, &h), RB_OK);
		assert_true(header_equal(&h, &b.h));
		struct rb_record_iter it;
		struct rb_record rec;
		int steps = 0;
		rb_init_record_iter(&it, &b, 0);
		while ((rc = rb_next_record(&it, &rec)) == RB_OK) {
			assert_true(++steps <= b.h.record_count);
			st->records++;
			assert_view_inside(rec.key, p, len);
			assert_view_inside(rec.value, p, len);
			struct rb_header_iter hi;
			struct rb_record_header hd;
			rb_init_header_iter(&hi, &rec);
			while (rb_next_header(&hi, &hd) == RB_OK) {
				assert_view_inside(hd.key, p, len);
				assert_view_inside(hd.value, p, len);
			}
			struct rb_control ctl;
			rb_decode_control(&rec, &ctl);
		}
		assert_true(rc == RB_END || rc == RB_ERECORD || rc == RB_ECOMPRESSION);
		st->bad_records += rc == RB_ERECORD;
		pos += b.size;
	}
}

/* Copies p into an exact-size heap buffer so overreads are caught. */
static void exercise_copy(const uint8_t *p, size_t len, struct fuzz_stats *st)
{
	uint8_t *q = malloc(len ? len : 1);
	assert_non_null(q);
	memcpy(q, p, len);
	exercise(q, len, st);
	free(q);
}

static void mutate(uint64_t *s, uint8_t *p, size_t *len, size_t cap)
{
	int n = 1 + (int)rnd(s, 6);
	for (int i = 0; i < n && *len > 0; i++) {
		size_t at = rnd(s, (uint32_t)*len);
		switch (rnd(s, 5)) {
		case 0:
			p[at] ^= (uint8_t)(1u << rnd(s, 8));
			break;
		case 1:
			p[at] = (uint8_t)xorshift64(s);
			break;
		case 2: /* a small varint-ish value where a varint may be */
			p[at] = (uint8_t)rnd(s, 4) | (rnd(s, 2) ? 0x80 : 0);
			break;
		case 3:
			*len = at;
			break;
		default:
			if (*len < cap) {
				memmove(p + at + 1, p + at, *len - at);
				p[at] = (uint8_t)xorshift64(s);
				(*len)++;
			}
		}
	}
}

static void test_fuzz_loop(void **state)
{
	uint8_t seg[512], buf[600];
	size_t ends[3];
	size_t total = encode_segment(seg, sizeof seg, ends);
	uint64_t s = 0x853c49e6748fea9bu;
	int rounds = getenv("KSIM_UNDER_VALGRIND") ? 3000 : 30000;
	struct fuzz_stats st;
	memset(&st, 0, sizeof st);

	for (int i = 0; i < rounds; i++) {
		size_t len;
		if (i % 4 == 0) {
			/* Pure noise, sometimes wearing a plausible header. */
			len = rnd(&s, 200);
			for (size_t j = 0; j < len; j++)
				buf[j] = (uint8_t)xorshift64(&s);
			if (len >= RB_HEADER_SIZE && rnd(&s, 2)) {
				put_be32(buf + 8, (uint32_t)(len - RB_LOG_OVERHEAD));
				buf[16] = RB_MAGIC;
				buf[21] = buf[22] = 0;
				fix_crc(buf, len);
			}
		} else {
			memcpy(buf, seg, total);
			len = total;
			mutate(&s, buf, &len, sizeof buf);
			/* Re-sign one batch so the record checks behind the CRC run. */
			const size_t starts[3] = {0, ends[0], ends[1]};
			size_t at = starts[rnd(&s, 3)];
			struct rb_batch b;
			bool resign = rnd(&s, 2);
			if (resign && at < len && rb_parse_batch(buf + at, len - at, &b) == RB_OK)
				fix_crc(buf + at, b.size);
		}
		exercise_copy(buf, len, &st);
	}
	for (int e = RB_OK; e >= RB_ERECORD; e--)
		print_message("scan result %-45s %ld\n", rb_strerror(e), st.scan_result[-e]);
	print_message("records decoded %ld, malformed %ld\n", st.records, st.bad_records);
	for (int e = RB_OK; e >= RB_ERECORD; e--)
		assert_true(st.scan_result[-e] > 0);
	assert_true(st.records > rounds);
	assert_true(st.bad_records > rounds / 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector_crc),
		cmocka_unit_test(test_encode_vector_a),
		cmocka_unit_test(test_encode_vector_b),
		cmocka_unit_test(test_decode_vector_a),
		cmocka_unit_test(test_decode_control_vector_b),
		cmocka_unit_test(test_decode_control_errors),
		cmocka_unit_test(test_encode_sizing_pass_and_overflow),
		cmocka_unit_test(test_encode_invalid_arguments),
		cmocka_unit_test(test_empty_batch),
		cmocka_unit_test(test_rewrite_offset_and_epoch_in_place),
		cmocka_unit_test(test_log_append_time),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_read_header),
		cmocka_unit_test(test_count_errors),
		cmocka_unit_test(test_record_errors),
		cmocka_unit_test(test_unsupported_compression),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_truncation_sweep),
		cmocka_unit_test(test_bit_flip_sweep),
		cmocka_unit_test(test_fuzz_loop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
