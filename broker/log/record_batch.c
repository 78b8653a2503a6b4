#include "broker/log/record_batch.h"

#include <assert.h>

#include "broker/log/crc32c.h"

const char *rb_strerror(int err)
{
	switch (err) {
	case RB_OK:
		return "ok";
	case RB_EINCOMPLETE:
		return "incomplete batch (the input ends inside it)";
	case RB_EMAGIC:
		return "bad magic (not a RecordBatch v2)";
	case RB_ECRC:
		return "CRC-32C mismatch";
	case RB_ELENGTH:
		return "batch length smaller than the batch header";
	case RB_ECOUNT:
		return "record count inconsistent with the offset range";
	case RB_ERECORD:
		return "malformed record";
	case RB_ECOMPRESSION:
		return "unsupported compression";
	case RB_EOVERFLOW:
		return "output buffer too small";
	case RB_EINVAL:
		return "invalid argument";
	default:
		return "unknown record batch error";
	}
}

/* ---- Decoding the batch header ---------------------------------------- */

/* The caller has checked that RB_HEADER_SIZE bytes are there. */
static void read_header(const uint8_t *p, struct rb_batch_header *h)
{
	h->base_offset = (int64_t)wire_load_be64(p);
	h->batch_length = (int32_t)wire_load_be32(p + 8);
	h->partition_leader_epoch = (int32_t)wire_load_be32(p + 12);
	h->magic = (int8_t)p[16];
	h->crc = wire_load_be32(p + 17);
	h->attributes = (int16_t)wire_load_be16(p + 21);
	h->last_offset_delta = (int32_t)wire_load_be32(p + 23);
	h->base_timestamp = (int64_t)wire_load_be64(p + 27);
	h->max_timestamp = (int64_t)wire_load_be64(p + 35);
	h->producer_id = (int64_t)wire_load_be64(p + 43);
	h->producer_epoch = (int16_t)wire_load_be16(p + 51);
	h->base_sequence = (int32_t)wire_load_be32(p + 53);
	h->record_count = (int32_t)wire_load_be32(p + 57);
	static_assert(RB_HEADER_SIZE == 61, "the v2 batch header is 61 bytes");
}

/*
 * Checks 1-3 of the header comment on the first len bytes of a batch: the
 * checks that can be made on a prefix come before the "incomplete" verdict,
 * so that a short buffer whose first bytes are already impossible counts as
 * corrupt rather than torn. On RB_OK, *size is the batch's full size, which
 * may exceed len.
 */
static int check_prefix(const uint8_t *p, size_t len, size_t *size)
{
	if (len < RB_LOG_OVERHEAD)
		return RB_EINCOMPLETE;
	int32_t batch_length = (int32_t)wire_load_be32(p + 8);
	if (batch_length < RB_BATCH_LENGTH_MIN)
		return RB_ELENGTH;
	if (len > 16 && p[16] != RB_MAGIC)
		return RB_EMAGIC;
	*size = RB_LOG_OVERHEAD + (size_t)batch_length;
	return RB_OK;
}

/* Is there a whole batch, of a sane length and the right magic, at p? */
static int parse_frame(const uint8_t *p, size_t len, struct rb_batch *out)
{
	size_t size;
	int rc = check_prefix(p, len, &size);
	if (rc != RB_OK)
		return rc;
	if (len < size)
		return RB_EINCOMPLETE;
	read_header(p, &out->h);
	out->data = p;
	out->size = size;
	return RB_OK;
}

/* Check 5: how many records the offset range [0, lastOffsetDelta] allows. */
static int check_counts(const struct rb_batch_header *h, unsigned flags)
{
	int64_t offsets = (int64_t)h->last_offset_delta + 1;
	if (h->record_count < 0 || h->last_offset_delta < 0 || h->record_count > offsets)
		return RB_ECOUNT;
	if ((flags & RB_VALIDATE_DENSE) && (h->record_count == 0 || h->record_count != offsets))
		return RB_ECOUNT;
	return RB_OK;
}

/* Check 5 on a header still in wire form, so that callers' structs are
 * written once, after every check passed (filling a local and copying it
 * out stalled on store forwarding in the hottest loop of a fetch). */
static int check_counts_raw(const uint8_t *p)
{
	struct rb_batch_header h;
	h.last_offset_delta = (int32_t)wire_load_be32(p + 23);
	h.record_count = (int32_t)wire_load_be32(p + 57);
	return check_counts(&h, 0);
}

int rb_read_header(const void *buf, size_t len, struct rb_batch_header *out)
{
	size_t size;
	int rc = check_prefix(buf, len, &size);
	if (rc == RB_OK && len < RB_HEADER_SIZE)
		rc = RB_EINCOMPLETE;
	if (rc == RB_OK)
		rc = check_counts_raw(buf);
	if (rc == RB_OK)
		read_header(buf, out);
	return rc;
}

int rb_parse_batch(const void *buf, size_t len, struct rb_batch *out)
{
	size_t size;
	int rc = check_prefix(buf, len, &size);
	if (rc == RB_OK && len < size)
		rc = RB_EINCOMPLETE;
	if (rc == RB_OK)
		rc = check_counts_raw(buf);
	if (rc == RB_OK) {
		read_header(buf, &out->h);
		out->data = buf;
		out->size = size;
	}
	return rc;
}

int rb_verify_crc(const struct rb_batch *b)
{
	uint32_t c = crc32c(b->data + RB_CRC_START, b->size - RB_CRC_START);
	return c == b->h.crc ? RB_OK : RB_ECRC;
}

/* Check 6: walk every record of an uncompressed batch. */
static int check_records(const struct rb_batch *b, unsigned flags)
{
	struct rb_record_iter it;
	struct rb_record rec;
	int rc = rb_init_record_iter(&it, b, flags);
	while (rc == RB_OK)
		rc = rb_next_record(&it, &rec);
	return rc == RB_END ? RB_OK : rc;
}

int rb_validate_batch(const void *buf, size_t len, unsigned flags, struct rb_batch *out)
{
	struct rb_batch b;
	int rc = parse_frame(buf, len, &b);
	if (rc == RB_OK)
		rc = rb_verify_crc(&b);
	if (rc == RB_OK)
		rc = check_counts(&b.h, flags);
	if (rc == RB_OK && rb_compression(&b.h) == RB_COMPRESSION_NONE)
		rc = check_records(&b, flags);
	if (rc == RB_OK)
		*out = b;
	return rc;
}

int rb_next_batch_size(const void *buf, size_t len, unsigned flags, size_t *size)
{
	struct rb_batch b;
	int rc = rb_validate_batch(buf, len, flags, &b);
	if (rc == RB_OK)
		*size = b.size;
	return rc;
}

int rb_scan_batches(const void *buf, size_t len, unsigned flags, struct rb_scan *out)
{
	const uint8_t *p = buf;
	out->valid_bytes = 0;
	out->batches = 0;
	while (out->valid_bytes < len) {
		size_t size;
		int rc = rb_next_batch_size(p + out->valid_bytes, len - out->valid_bytes, flags,
					    &size);
		if (rc != RB_OK)
			return rc;
		out->valid_bytes += size;
		out->batches++;
	}
	return RB_OK;
}

int rb_set_base_offset(void *batch, size_t len, int64_t base_offset)
{
	struct wire_writer w;
	if (len < RB_HEADER_SIZE)
		return RB_EINCOMPLETE;
	wire_writer_init(&w, batch, 8);
	wire_put_i64(&w, base_offset);
	return RB_OK;
}

int rb_set_partition_leader_epoch(void *batch, size_t len, int32_t epoch)
{
	struct wire_writer w;
	if (len < RB_HEADER_SIZE)
		return RB_EINCOMPLETE;
	wire_writer_init(&w, (uint8_t *)batch + 12, 4);
	wire_put_i32(&w, epoch);
	return RB_OK;
}

/* ---- Encoding ----------------------------------------------------------- */

/* Size of a nullable byte string: varint length (-1 for null) and bytes. */
static uint64_t bytes_size(const struct rb_bytes *b)
{
	if (!b->p)
		return wire_varint_size(-1);
	return wire_varint_size((int32_t)b->len) + (uint64_t)b->len;
}

static bool bytes_fit(const struct rb_bytes *b)
{
	return b->len <= INT32_MAX;
}

/*
 * The encoded size of a record after its length varint, or -1 if Kafka
 * cannot express it (a length past INT32_MAX, a null header key).
 */
static int64_t record_body_size(const struct rb_record_spec *rec)
{
	if (!bytes_fit(&rec->key) || !bytes_fit(&rec->value) || rec->header_count > INT32_MAX ||
	    (rec->header_count > 0 && !rec->headers))
		return -1;
	uint64_t n = 1 + wire_varlong_size(rec->timestamp_delta) +
		     wire_varint_size(rec->offset_delta) + bytes_size(&rec->key) +
		     bytes_size(&rec->value) + wire_varint_size((int32_t)rec->header_count);
	for (size_t i = 0; i < rec->header_count; i++) {
		const struct rb_record_header *hd = &rec->headers[i];
		if (!hd->key.p || !bytes_fit(&hd->key) || !bytes_fit(&hd->value))
			return -1;
		n += bytes_size(&hd->key) + bytes_size(&hd->value);
		if (n > INT32_MAX)
			return -1;
	}
	return n > INT32_MAX ? -1 : (int64_t)n;
}

/* The size of the records section, or -1 if it cannot be encoded. */
static int64_t records_size(const struct rb_record_spec *recs, size_t n)
{
	uint64_t total = 0;
	if (n > INT32_MAX)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int64_t body = record_body_size(&recs[i]);
		if (body < 0)
			return -1;
		total += wire_varint_size((int32_t)body) + (uint64_t)body;
		if (total > INT32_MAX - RB_BATCH_LENGTH_MIN)
			return -1;
	}
	return (int64_t)total;
}

static void put_bytes(struct wire_writer *w, const struct rb_bytes *b)
{
	if (!b->p) {
		wire_put_varint(w, -1);
		return;
	}
	wire_put_varint(w, (int32_t)b->len);
	wire_put_bytes(w, b->p, b->len);
}

static void put_record(struct wire_writer *w, const struct rb_record_spec *rec, int32_t body)
{
	wire_put_varint(w, body);
	size_t body_start = w->len;
	wire_put_i8(w, 0); /* record attributes: unused by Kafka, always 0 */
	wire_put_varlong(w, rec->timestamp_delta);
	wire_put_varint(w, rec->offset_delta);
	put_bytes(w, &rec->key);
	put_bytes(w, &rec->value);
	wire_put_varint(w, (int32_t)rec->header_count);
	for (size_t i = 0; i < rec->header_count; i++) {
		put_bytes(w, &rec->headers[i].key);
		put_bytes(w, &rec->headers[i].value);
	}
	assert(w->len - body_start == (size_t)body);
}

static void put_header(struct wire_writer *w, const struct rb_batch_header *h,
		       int32_t batch_length, int32_t count)
{
	wire_put_i64(w, h->base_offset);
	wire_put_i32(w, batch_length);
	wire_put_i32(w, h->partition_leader_epoch);
	wire_put_i8(w, RB_MAGIC);
	wire_put_u32(w, 0); /* the CRC, patched once the bytes it covers exist */
	wire_put_i16(w, h->attributes);
	wire_put_i32(w, h->last_offset_delta);
	wire_put_i64(w, h->base_timestamp);
	wire_put_i64(w, h->max_timestamp);
	wire_put_i64(w, h->producer_id);
	wire_put_i16(w, h->producer_epoch);
	wire_put_i32(w, h->base_sequence);
	wire_put_i32(w, count);
}

int rb_encode_batch(struct wire_writer *w, const struct rb_batch_header *h,
		    const struct rb_record_spec *recs, size_t n)
{
	if (rb_compression(h) != RB_COMPRESSION_NONE || (n > 0 && !recs))
		return RB_EINVAL;
	int64_t section = records_size(recs, n);
	if (section < 0)
		return RB_EINVAL;

	size_t start = w->len;
	int32_t batch_length = (int32_t)(RB_BATCH_LENGTH_MIN + section);
	put_header(w, h, batch_length, (int32_t)n);
	for (size_t i = 0; i < n; i++)
		put_record(w, &recs[i], (int32_t)record_body_size(&recs[i]));
	assert(w->len - start == RB_LOG_OVERHEAD + (size_t)batch_length);
	if (w->err)
		return RB_EOVERFLOW;

	uint32_t crc = crc32c(w->buf + start + RB_CRC_START, w->len - start - RB_CRC_START);
	wire_patch_u32(w, start + 17, crc);
	return RB_OK;
}

void rb_put_control_key(uint8_t out[4], int16_t type)
{
	struct wire_writer w;
	wire_writer_init(&w, out, 4);
	wire_put_i16(&w, 0); /* ControlRecordType key version 0 */
	wire_put_i16(&w, type);
}

void rb_put_end_txn_marker(uint8_t out[6], int32_t coordinator_epoch)
{
	struct wire_writer w;
	wire_writer_init(&w, out, 6);
	wire_put_i16(&w, 0); /* EndTransactionMarker version 0 */
	wire_put_i32(&w, coordinator_epoch);
}

/* ---- Iterating records -------------------------------------------------- */

int rb_init_record_iter(struct rb_record_iter *it, const struct rb_batch *b, unsigned flags)
{
	const struct rb_batch_header *h = &b->h;
	wire_reader_init(&it->r, b->data + RB_HEADER_SIZE, b->size - RB_HEADER_SIZE);
	it->base_offset = h->base_offset;
	it->base_timestamp = h->base_timestamp;
	it->max_timestamp = h->max_timestamp;
	it->log_append_time = (h->attributes & RB_ATTR_LOG_APPEND_TIME) != 0;
	it->last_offset_delta = h->last_offset_delta;
	it->count = h->record_count;
	it->index = 0;
	it->prev_delta = -1;
	it->flags = flags;
	it->err = RB_OK;
	if (rb_compression(h) != RB_COMPRESSION_NONE)
		it->err = RB_ECOMPRESSION;
	return it->err;
}

/*
 * A nullable byte string: varint length, -1 for null. Other negative lengths
 * fail the reader (see the header comment, check 6).
 */
static void get_bytes(struct wire_reader *r, struct rb_bytes *out, bool nullable)
{
	int32_t n = wire_get_varint(r);
	out->p = NULL;
	out->len = 0;
	if (r->err)
		return;
	if (n < -1 || (n == -1 && !nullable)) {
		wire_reader_fail(r, WIRE_EINVAL);
		return;
	}
	if (n == -1)
		return;
	out->p = wire_get_bytes(r, (size_t)n);
	out->len = out->p ? (size_t)n : 0;
}

static void get_record_header(struct wire_reader *r, struct rb_record_header *out)
{
	get_bytes(r, &out->key, false);
	get_bytes(r, &out->value, true);
}

/* Decodes a record body (the n bytes after its length) into *out. */
static int decode_body(const uint8_t *p, size_t n, struct rb_record *out)
{
	struct wire_reader r;
	wire_reader_init(&r, p, n);
	out->attributes = wire_get_i8(&r);
	out->timestamp_delta = wire_get_varlong(&r);
	out->offset_delta = wire_get_varint(&r);
	get_bytes(&r, &out->key, true);
	get_bytes(&r, &out->value, true);
	out->header_count = wire_get_varint(&r);
	/* Each header takes at least two bytes; say so before looping. */
	if (r.err || out->header_count < 0 ||
	    (size_t)out->header_count > wire_remaining(&r) / 2)
		return RB_ERECORD;
	size_t headers_start = r.pos;
	for (int32_t i = 0; i < out->header_count && !r.err; i++) {
		struct rb_record_header hd;
		get_record_header(&r, &hd);
	}
	if (r.err || wire_remaining(&r) != 0)
		return RB_ERECORD;
	out->headers = p + headers_start;
	out->headers_size = r.pos - headers_start;
	return RB_OK;
}

static int iter_fail(struct rb_record_iter *it, int err)
{
	it->err = err;
	return err;
}

/* The offset delta rules of check 6, given the record's position. */
static bool delta_ok(const struct rb_record_iter *it, int32_t delta)
{
	if (delta < 0 || delta > it->last_offset_delta || delta <= it->prev_delta)
		return false;
	return !(it->flags & RB_VALIDATE_DENSE) || delta == it->index;
}

int rb_next_record(struct rb_record_iter *it, struct rb_record *out)
{
	if (it->err)
		return it->err;
	if (it->index >= it->count)
		return wire_remaining(&it->r) == 0 ? RB_END : iter_fail(it, RB_ERECORD);

	int32_t n = wire_get_varint(&it->r);
	if (it->r.err || n < 0 || (size_t)n > wire_remaining(&it->r))
		return iter_fail(it, RB_ERECORD);
	const uint8_t *body = wire_get_bytes(&it->r, (size_t)n);
	if (decode_body(body, (size_t)n, out) != RB_OK || !delta_ok(it, out->offset_delta))
		return iter_fail(it, RB_ERECORD);

	/* Kafka adds without overflow checks; wrap rather than invoke undefined
	 * behaviour on crafted input. */
	out->offset = (int64_t)((uint64_t)it->base_offset + (uint64_t)(int64_t)out->offset_delta);
	out->timestamp = it->log_append_time ? it->max_timestamp
					     : (int64_t)((uint64_t)it->base_timestamp +
							 (uint64_t)out->timestamp_delta);
	it->prev_delta = out->offset_delta;
	it->index++;
	return RB_OK;
}

void rb_init_header_iter(struct rb_header_iter *it, const struct rb_record *rec)
{
	wire_reader_init(&it->r, rec->headers, rec->headers_size);
	it->remaining = rec->header_count;
}

int rb_next_header(struct rb_header_iter *it, struct rb_record_header *out)
{
	if (it->remaining <= 0)
		return RB_END;
	get_record_header(&it->r, out);
	if (it->r.err) {
		it->remaining = 0;
		return RB_ERECORD;
	}
	it->remaining--;
	return RB_OK;
}

/* ---- Control records ---------------------------------------------------- */

int rb_decode_control(const struct rb_record *rec, struct rb_control *out)
{
	struct wire_reader r;
	if (!rec->key.p || rec->key.len < 4)
		return RB_ERECORD;
	/* Later key versions may append fields; Kafka reads the first two. */
	wire_reader_init(&r, rec->key.p, rec->key.len);
	out->version = wire_get_i16(&r);
	out->type = wire_get_i16(&r);
	out->has_marker = false;
	out->marker_version = 0;
	out->coordinator_epoch = 0;
	if (out->version < 0)
		return RB_ERECORD;
	if (out->type != RB_CONTROL_ABORT && out->type != RB_CONTROL_COMMIT)
		return RB_OK;

	if (!rec->value.p || rec->value.len < 6)
		return RB_ERECORD;
	wire_reader_init(&r, rec->value.p, rec->value.len);
	out->marker_version = wire_get_i16(&r);
	out->coordinator_epoch = wire_get_i32(&r);
	if (out->marker_version < 0)
		return RB_ERECORD;
	out->has_marker = true;
	return RB_OK;
}
