/*
 * record_batch — Kafka's RecordBatch v2 (magic 2), the unit of the on-disk
 * log and of Produce and Fetch payloads, bit-compatible with Apache Kafka.
 *
 * Layout (big-endian, 61-byte header; offsets from the batch start):
 *
 *	 0 baseOffset i64           12 partitionLeaderEpoch i32   17 crc u32
 *	 8 batchLength i32          16 magic i8 (= 2)
 *	21 attributes i16          23 lastOffsetDelta i32      27 baseTimestamp i64
 *	35 maxTimestamp i64        43 producerId i64           51 producerEpoch i16
 *	53 baseSequence i32        57 recordCount i32          61 records...
 *
 * batchLength counts the bytes after itself, so a batch occupies
 * 12 + batchLength bytes. The CRC-32C covers bytes 21 to the end; baseOffset
 * and partitionLeaderEpoch lie outside it so that the broker can assign them
 * on append without recomputing the CRC (rb_set_base_offset and
 * rb_set_partition_leader_epoch do that in place).
 *
 * Each record: length varint (of the rest of the record), attributes i8
 * (unused, 0), timestampDelta varlong, offsetDelta varint, key length varint
 * (-1 = null) and key, value likewise, header count varint, then per header a
 * key (varint length >= 0, bytes) and a value (varint length, -1 = null).
 * Varints are zig-zag (broker/codec/wire.h).
 *
 * Ownership: nothing here allocates. Decoders return views (struct rb_bytes,
 * struct rb_batch, struct rb_record) that point into the caller's buffer and
 * are valid while it is. Encoders write through the caller's wire_writer.
 *
 * Validation, in the order applied (rb_parse_batch does 1, 2, 3 and 5,
 * rb_validate_batch all of them):
 *  1. fewer than 12 bytes, or batchLength reaching past the buffer: the
 *     batch is incomplete (RB_EINCOMPLETE), which at the end of a segment is a
 *     torn write to truncate, not corruption. As in Kafka's log reader, a
 *     batchLength corrupted upwards past the end looks the same; a caller
 *     with a size bound (max.message.bytes) can compare it itself;
 *  2. batchLength < 49 (a 61-byte header is the least a batch can be):
 *     RB_ELENGTH, even if the buffer ends early, because no tail of a real
 *     batch looks like that;
 *  3. magic != 2 as soon as byte 16 is present: RB_EMAGIC;
 *  4. (rb_validate_batch only) CRC mismatch: RB_ECRC;
 *  5. recordCount < 0, lastOffsetDelta < 0, or more records than offsets
 *     (recordCount > lastOffsetDelta + 1): RB_ECOUNT. A compacted batch may
 *     hold fewer records than offsets, even none, so only the bound is
 *     checked by default; RB_VALIDATE_DENSE asks for the producer's shape,
 *     recordCount == lastOffsetDelta + 1 >= 1 (Kafka's LogValidator demands
 *     that of client appends);
 *  6. for uncompressed batches, every record: its length within the records
 *     section and equal to what its fields use, varints well formed, key and
 *     value lengths >= -1 (Kafka reads any negative length as null, we accept
 *     only the -1 that every producer writes), header count >= 0, header keys
 *     non-null, offsetDelta in 0..lastOffsetDelta and strictly increasing
 *     (with RB_VALIDATE_DENSE, equal to the record's index), and exactly
 *     recordCount records filling the section with no bytes left over:
 *     otherwise RB_ERECORD. "Well formed" follows wire.h: at most 5 bytes for
 *     a varint and 10 for a varlong, and no bits beyond 32 / 64 (Kafka
 *     silently drops such bits; no producer writes them). Compressed batches
 *     are checked through step 5 only, which is all log recovery needs;
 *     iterating their records fails with RB_ECOMPRESSION. Timestamps are not
 *     checked against maxTimestamp.
 */
#ifndef KSIM_RECORD_BATCH_H
#define KSIM_RECORD_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/codec/wire.h"

#define RB_LOG_OVERHEAD 12     /* baseOffset + batchLength */
#define RB_HEADER_SIZE 61      /* everything up to the first record */
#define RB_BATCH_LENGTH_MIN 49 /* RB_HEADER_SIZE - RB_LOG_OVERHEAD */
#define RB_MAGIC 2
#define RB_CRC_START 21        /* the CRC covers [21, end) */

/* Batch attributes (the i16 at offset 21). */
#define RB_ATTR_COMPRESSION_MASK 0x07
#define RB_ATTR_LOG_APPEND_TIME 0x08 /* timestamp type: 0 create time */
#define RB_ATTR_TRANSACTIONAL 0x10
#define RB_ATTR_CONTROL 0x20
#define RB_ATTR_DELETE_HORIZON 0x40 /* baseTimestamp is the delete horizon */

enum rb_compression {
	RB_COMPRESSION_NONE = 0,
	RB_COMPRESSION_GZIP = 1,
	RB_COMPRESSION_SNAPPY = 2,
	RB_COMPRESSION_LZ4 = 3,
	RB_COMPRESSION_ZSTD = 4,
};

/* Control record types (the second i16 of a control record's key). */
enum rb_control_type {
	RB_CONTROL_ABORT = 0,
	RB_CONTROL_COMMIT = 1,
};

enum rb_error {
	RB_OK = 0,
	RB_EINCOMPLETE = -1,  /* the buffer ends inside the batch (torn tail) */
	RB_EMAGIC = -2,       /* magic byte is not 2 */
	RB_ECRC = -3,         /* CRC-32C mismatch */
	RB_ELENGTH = -4,      /* batchLength below the 61-byte header */
	RB_ECOUNT = -5,       /* recordCount or lastOffsetDelta impossible */
	RB_ERECORD = -6,      /* a record, or the records section, is malformed */
	RB_ECOMPRESSION = -7, /* records are compressed: not supported */
	RB_EOVERFLOW = -8,    /* encoder: the writer's buffer is too small */
	RB_EINVAL = -9,       /* encoder or helper: an argument Kafka cannot encode */
};

/* rb_next_record and rb_next_header: every item has been read. */
#define RB_END 1

/* Flags for rb_validate_batch, rb_scan_batches and rb_init_record_iter. */
#define RB_VALIDATE_DENSE 0x1u /* recordCount == lastOffsetDelta + 1, deltas 0,1,2... */

/* A byte string in a record: p == NULL means null (Kafka length -1). */
struct rb_bytes {
	const uint8_t *p;
	size_t len;
};

/* The 61-byte header, field by field. */
struct rb_batch_header {
	int64_t base_offset;
	int32_t batch_length;
	int32_t partition_leader_epoch;
	int8_t magic;
	uint32_t crc;
	int16_t attributes;
	int32_t last_offset_delta;
	int64_t base_timestamp;
	int64_t max_timestamp;
	int64_t producer_id;
	int16_t producer_epoch;
	int32_t base_sequence;
	int32_t record_count;
};

/* A decoded batch: its header and a view of its bytes in the input. */
struct rb_batch {
	struct rb_batch_header h;
	const uint8_t *data; /* the whole batch, from baseOffset */
	size_t size;         /* RB_LOG_OVERHEAD + batch_length */
};

/* One record header (Kafka's Header): the key is never null. */
struct rb_record_header {
	struct rb_bytes key;
	struct rb_bytes value;
};

/* A decoded record; every view points into the batch's bytes. */
struct rb_record {
	int8_t attributes;
	int64_t timestamp_delta;
	int32_t offset_delta;
	int64_t offset;    /* base_offset + offset_delta */
	int64_t timestamp; /* base_timestamp + delta, or maxTimestamp for log-append time */
	struct rb_bytes key;
	struct rb_bytes value;
	int32_t header_count;
	const uint8_t *headers; /* the encoded headers, for rb_init_header_iter */
	size_t headers_size;
};

/* Iterates the records of one uncompressed batch (see rb_init_record_iter). */
struct rb_record_iter {
	struct wire_reader r; /* over the records section */
	int64_t base_offset;
	int64_t base_timestamp;
	int64_t max_timestamp;
	bool log_append_time;
	int32_t last_offset_delta;
	int32_t count;       /* recordCount */
	int32_t index;       /* records returned so far */
	int64_t prev_delta;  /* offsetDelta of the previous record, -1 before the first */
	unsigned flags;
	int err;             /* sticky: once a record is malformed, every call fails */
};

/* Iterates the headers of one record (see rb_init_header_iter). */
struct rb_header_iter {
	struct wire_reader r;
	int32_t remaining;
};

/* A record to encode. */
struct rb_record_spec {
	int64_t timestamp_delta;
	int32_t offset_delta;
	struct rb_bytes key;   /* p == NULL: null key */
	struct rb_bytes value; /* p == NULL: null value (a tombstone) */
	const struct rb_record_header *headers; /* header_count entries; keys non-null */
	size_t header_count;
};

/* A decoded control record (Kafka's ControlRecordType and EndTransactionMarker). */
struct rb_control {
	int16_t version;           /* key version, 0 today; higher ones are accepted */
	int16_t type;              /* enum rb_control_type, or another type id */
	bool has_marker;           /* abort/commit: the value held an end-txn marker */
	int16_t marker_version;
	int32_t coordinator_epoch;
};

static inline int rb_compression(const struct rb_batch_header *h)
{
	return h->attributes & RB_ATTR_COMPRESSION_MASK;
}

static inline bool rb_is_transactional(const struct rb_batch_header *h)
{
	return (h->attributes & RB_ATTR_TRANSACTIONAL) != 0;
}

static inline bool rb_is_control(const struct rb_batch_header *h)
{
	return (h->attributes & RB_ATTR_CONTROL) != 0;
}

/* The batch's last offset, baseOffset + lastOffsetDelta (wraps, never overflows). */
static inline int64_t rb_last_offset(const struct rb_batch_header *h)
{
	return (int64_t)((uint64_t)h->base_offset + (uint64_t)(int64_t)h->last_offset_delta);
}

/* A short English description of an rb_error, for logs. Never NULL. */
const char *rb_strerror(int err);

/*
 * Decodes only the 61-byte header at the start of buf, for a caller that has
 * read no further (a log reader finding the size and offsets of the next
 * batch). Applies checks 2, 3 and 5; RB_EINCOMPLETE if len < 61. The batch
 * may extend past len; h.batch_length says how far. *out is filled on RB_OK.
 */
int rb_read_header(const void *buf, size_t len, struct rb_batch_header *out);

/*
 * Decodes the batch at the start of buf (len bytes; more batches may follow)
 * into *out, applying checks 1, 2, 3 and 5 of the list above but neither the
 * CRC nor the records: the cheap read of a batch already known good, as when
 * a broker indexes its own log. Returns RB_OK, RB_EINCOMPLETE, RB_ELENGTH,
 * RB_EMAGIC or RB_ECOUNT. *out is filled only on RB_OK.
 */
int rb_parse_batch(const void *buf, size_t len, struct rb_batch *out);

/* RB_OK if the stored CRC matches bytes 21..end of the parsed batch, else RB_ECRC. */
int rb_verify_crc(const struct rb_batch *b);

/*
 * Decodes and fully validates the batch at the start of buf (every check
 * above; flags: RB_VALIDATE_DENSE). Returns RB_OK with *out filled, or the
 * first failing check's error. Input of any content is safe.
 */
int rb_validate_batch(const void *buf, size_t len, unsigned flags, struct rb_batch *out);

/*
 * The size of the complete, valid batch at the start of buf in *size (which
 * is left alone on error); same checks and errors as rb_validate_batch.
 */
int rb_next_batch_size(const void *buf, size_t len, unsigned flags, size_t *size);

/* The result of scanning back-to-back batches, as a log segment holds them. */
struct rb_scan {
	size_t valid_bytes; /* length of the prefix made of valid batches */
	size_t batches;     /* how many batches that prefix holds */
};

/*
 * Validates batches from the start of buf one after another and reports in
 * *out how far they are good. Returns RB_OK if valid batches fill buf
 * exactly, RB_EINCOMPLETE if what follows them is the beginning of a batch
 * cut short (a torn tail: recovery truncates it), or the corruption error of
 * the first invalid batch, which starts at out->valid_bytes.
 */
int rb_scan_batches(const void *buf, size_t len, unsigned flags, struct rb_scan *out);

/*
 * Overwrite baseOffset / partitionLeaderEpoch of the encoded batch at the
 * start of batch (len bytes) in place. Neither is covered by the CRC, so the
 * batch stays valid. Returns RB_OK, or RB_EINCOMPLETE if len < 61.
 */
int rb_set_base_offset(void *batch, size_t len, int64_t base_offset);
int rb_set_partition_leader_epoch(void *batch, size_t len, int32_t epoch);

/*
 * Encodes one uncompressed batch at the writer's current position: the
 * header fields from *h (its batch_length, magic, crc and record_count are
 * ignored and computed), then the n records. Returns RB_OK; RB_EINVAL if *h
 * asks for compression, n or a length exceeds what an i32 can say, a header
 * key is null, or headers is NULL with header_count > 0 (nothing is written);
 * RB_EOVERFLOW if the buffer is too small, in which case w->len still grows
 * by the batch's full size so the caller can size a buffer with a first pass
 * on a zero-capacity writer. A writer already failed gives RB_EOVERFLOW.
 * Record fields are encoded as given: the caller keeps offset deltas
 * increasing and last_offset_delta consistent.
 */
int rb_encode_batch(struct wire_writer *w, const struct rb_batch_header *h,
		    const struct rb_record_spec *recs, size_t n);

/*
 * Starts iterating the records of b (from rb_parse_batch or
 * rb_validate_batch; b's bytes must stay valid). flags: RB_VALIDATE_DENSE.
 * Returns RB_OK, or RB_ECOMPRESSION for a compressed batch (the iterator
 * then fails every call).
 */
int rb_init_record_iter(struct rb_record_iter *it, const struct rb_batch *b, unsigned flags);

/*
 * Decodes the next record into *out. Returns RB_OK, RB_END after the last
 * record once the records exactly fill the batch, or RB_ERECORD /
 * RB_ECOMPRESSION (sticky). Safe on batches whose CRC was never checked.
 */
int rb_next_record(struct rb_record_iter *it, struct rb_record *out);

/* Starts iterating the headers of rec, which rb_next_record returned. */
void rb_init_header_iter(struct rb_header_iter *it, const struct rb_record *rec);

/* The next header in *out: RB_OK, RB_END when none is left, or RB_ERECORD. */
int rb_next_header(struct rb_header_iter *it, struct rb_record_header *out);

/*
 * Decodes a control record (a record of a batch with RB_ATTR_CONTROL): key =
 * version i16 (>= 0) + type i16, and for abort and commit the value =
 * version i16 + coordinatorEpoch i32 (Kafka's EndTransactionMarker).
 * Returns RB_OK, or RB_ERECORD for a null or short key, a negative version,
 * or an abort/commit whose value is null or short.
 */
int rb_decode_control(const struct rb_record *rec, struct rb_control *out);

/*
 * Write the key (4 bytes) and, for abort and commit, the value (6 bytes) of a
 * control record version 0, for use in an rb_record_spec.
 */
void rb_put_control_key(uint8_t out[4], int16_t type);
void rb_put_end_txn_marker(uint8_t out[6], int32_t coordinator_epoch);

#endif
