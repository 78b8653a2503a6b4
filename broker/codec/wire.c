#include "broker/codec/wire.h"

#include <string.h>

void wire_reader_init(struct wire_reader *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->pos = 0;
	r->err = WIRE_OK;
}

size_t wire_remaining(const struct wire_reader *r)
{
	return r->err ? 0 : r->len - r->pos;
}

void wire_reader_fail(struct wire_reader *r, int err)
{
	if (!r->err)
		r->err = err;
}

/* Returns the next n bytes or NULL, failing the reader when they are missing. */
static const uint8_t *take(struct wire_reader *r, size_t n)
{
	if (r->err)
		return NULL;
	if (r->len - r->pos < n) {
		r->err = WIRE_ESHORT;
		return NULL;
	}
	const uint8_t *p = r->p + r->pos;
	r->pos += n;
	return p;
}

static uint64_t get_be(struct wire_reader *r, size_t n)
{
	const uint8_t *p = take(r, n);
	uint64_t v = 0;
	if (!p)
		return 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* The fixed-size reads are the codecs' hottest path (every record batch
 * header, every request field): one bounds check, then a load. */
static uint32_t get_be32(struct wire_reader *r)
{
	if (r->err || r->len - r->pos < 4) {
		if (!r->err)
			r->err = WIRE_ESHORT;
		return 0;
	}
	const uint8_t *p = r->p + r->pos;
	r->pos += 4;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_be64(struct wire_reader *r)
{
	if (r->err || r->len - r->pos < 8) {
		if (!r->err)
			r->err = WIRE_ESHORT;
		return 0;
	}
	const uint8_t *p = r->p + r->pos;
	r->pos += 8;
	uint64_t hi = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	uint64_t lo = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
	return hi << 32 | lo;
}

uint8_t wire_get_u8(struct wire_reader *r) { return (uint8_t)get_be(r, 1); }
int8_t wire_get_i8(struct wire_reader *r) { return (int8_t)get_be(r, 1); }
int16_t wire_get_i16(struct wire_reader *r) { return (int16_t)get_be(r, 2); }
uint16_t wire_get_u16(struct wire_reader *r) { return (uint16_t)get_be(r, 2); }
int32_t wire_get_i32(struct wire_reader *r) { return (int32_t)get_be32(r); }
uint32_t wire_get_u32(struct wire_reader *r) { return get_be32(r); }
int64_t wire_get_i64(struct wire_reader *r) { return (int64_t)get_be64(r); }
uint64_t wire_get_u64(struct wire_reader *r) { return get_be64(r); }

const uint8_t *wire_get_bytes(struct wire_reader *r, size_t n) { return take(r, n); }

static uint64_t get_uvarint(struct wire_reader *r, unsigned max_bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < max_bytes; i++) {
		const uint8_t *p = take(r, 1);
		if (!p)
			return 0;
		v |= (uint64_t)(*p & 0x7f) << (7 * i);
		if (!(*p & 0x80))
			return v;
	}
	wire_reader_fail(r, WIRE_EVARINT);
	return 0;
}

uint32_t wire_get_uvarint32(struct wire_reader *r)
{
	uint64_t v = get_uvarint(r, 5);
	if (v > UINT32_MAX) {
		wire_reader_fail(r, WIRE_EVARINT);
		return 0;
	}
	return (uint32_t)v;
}

uint64_t wire_get_uvarint64(struct wire_reader *r) { return get_uvarint(r, 10); }

int32_t wire_get_varint(struct wire_reader *r)
{
	uint32_t u = wire_get_uvarint32(r);
	return (int32_t)((u >> 1) ^ (~(u & 1) + 1));
}

int64_t wire_get_varlong(struct wire_reader *r)
{
	uint64_t u = wire_get_uvarint64(r);
	return (int64_t)((u >> 1) ^ (~(u & 1) + 1));
}

void wire_writer_init(struct wire_writer *w, void *buf, size_t cap)
{
	w->buf = buf;
	w->cap = buf ? cap : 0;
	w->len = 0;
	w->err = WIRE_OK;
}

void wire_put_bytes(struct wire_writer *w, const void *p, size_t n)
{
	if (!w->err && w->cap - w->len >= n) {
		if (n)
			memcpy(w->buf + w->len, p, n);
	} else if (!w->err) {
		w->err = WIRE_EOVERFLOW;
	}
	w->len += n;
}

static void put_be(struct wire_writer *w, uint64_t v, size_t n)
{
	if (!w->err && w->len + n <= w->cap) {
		uint8_t *b = w->buf + w->len;
		for (size_t i = 0; i < n; i++)
			b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
		w->len += n;
		return;
	}
	uint8_t b[8];
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	wire_put_bytes(w, b, n);
}

void wire_put_u8(struct wire_writer *w, uint8_t v) { put_be(w, v, 1); }
void wire_put_i8(struct wire_writer *w, int8_t v) { put_be(w, (uint8_t)v, 1); }
void wire_put_i16(struct wire_writer *w, int16_t v) { put_be(w, (uint16_t)v, 2); }
void wire_put_u16(struct wire_writer *w, uint16_t v) { put_be(w, v, 2); }
void wire_put_i32(struct wire_writer *w, int32_t v) { put_be(w, (uint32_t)v, 4); }
void wire_put_u32(struct wire_writer *w, uint32_t v) { put_be(w, v, 4); }
void wire_put_i64(struct wire_writer *w, int64_t v) { put_be(w, (uint64_t)v, 8); }
void wire_put_u64(struct wire_writer *w, uint64_t v) { put_be(w, v, 8); }

void wire_put_uvarint(struct wire_writer *w, uint64_t v)
{
	uint8_t b[10];
	size_t n = 0;
	while (v >= 0x80) {
		b[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b[n++] = (uint8_t)v;
	wire_put_bytes(w, b, n);
}

void wire_put_varint(struct wire_writer *w, int32_t v)
{
	wire_put_uvarint(w, ((uint32_t)v << 1) ^ (uint32_t)(v >> 31));
}

void wire_put_varlong(struct wire_writer *w, int64_t v)
{
	wire_put_uvarint(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void wire_patch_u32(struct wire_writer *w, size_t at, uint32_t v)
{
	if (w->err || at + 4 > w->len)
		return;
	for (size_t i = 0; i < 4; i++)
		w->buf[at + i] = (uint8_t)(v >> (8 * (3 - i)));
}

size_t wire_uvarint_size(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

size_t wire_varint_size(int32_t v)
{
	return wire_uvarint_size(((uint32_t)v << 1) ^ (uint32_t)(v >> 31));
}

size_t wire_varlong_size(int64_t v)
{
	return wire_uvarint_size(((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}
