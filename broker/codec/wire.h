/*
 * wire — bounds-checked big-endian readers and writers, and the varints of
 * Kafka's protocol and record format, shared by every codec in broker/.
 *
 * Ownership: a reader only views the caller's bytes; a writer only fills the
 * caller's buffer. Neither allocates. Errors are sticky: after the first
 * short read or overflow, `err` is set, further reads return 0 and further
 * writes are dropped, so a decoder can read a whole message and check once.
 * A writer keeps counting `len` past its capacity, so a caller can size a
 * buffer by encoding once into a zero-capacity writer.
 */
#ifndef KSIM_WIRE_H
#define KSIM_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum wire_error {
	WIRE_OK = 0,
	WIRE_ESHORT = -1,    /* read past the end of the input */
	WIRE_EOVERFLOW = -2, /* wrote past the writer's capacity */
	WIRE_EVARINT = -3,   /* a varint longer than its type allows */
	WIRE_EINVAL = -4,    /* a value a decoder refuses (set by callers) */
};

struct wire_reader {
	const uint8_t *p;
	size_t len;
	size_t pos;
	int err;
};

struct wire_writer {
	uint8_t *buf;
	size_t cap;
	size_t len; /* bytes the encoding needs, even past cap */
	int err;
};

/* The fixed-size readers and writers are every codec's hottest path (each
 * record batch header, each request field), so they are inline: one bounds
 * check, then a load or a store. */

static inline void wire_reader_init(struct wire_reader *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->pos = 0;
	r->err = WIRE_OK;
}

static inline size_t wire_remaining(const struct wire_reader *r)
{
	return r->err ? 0 : r->len - r->pos;
}

/* Marks the reader failed with `err` unless it failed already. */
static inline void wire_reader_fail(struct wire_reader *r, int err)
{
	if (!r->err)
		r->err = err;
}

/* Big-endian loads and stores on memory the caller has checked. */
static inline uint16_t wire_load_be16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t wire_load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t wire_load_be64(const uint8_t *p)
{
	return (uint64_t)wire_load_be32(p) << 32 | wire_load_be32(p + 4);
}

static inline void wire_store_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wire_store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void wire_store_be64(uint8_t *p, uint64_t v)
{
	wire_store_be32(p, (uint32_t)(v >> 32));
	wire_store_be32(p + 4, (uint32_t)v);
}

/* The next n bytes, or NULL with the reader failed when they are missing. */
static inline const uint8_t *wire_take(struct wire_reader *r, size_t n)
{
	if (r->err || r->len - r->pos < n) {
		wire_reader_fail(r, WIRE_ESHORT);
		return NULL;
	}
	const uint8_t *p = r->p + r->pos;
	r->pos += n;
	return p;
}

static inline uint8_t wire_get_u8(struct wire_reader *r)
{
	const uint8_t *p = wire_take(r, 1);
	return p ? p[0] : 0;
}

static inline int8_t wire_get_i8(struct wire_reader *r)
{
	return (int8_t)wire_get_u8(r);
}

static inline uint16_t wire_get_u16(struct wire_reader *r)
{
	const uint8_t *p = wire_take(r, 2);
	return p ? wire_load_be16(p) : 0;
}

static inline int16_t wire_get_i16(struct wire_reader *r)
{
	return (int16_t)wire_get_u16(r);
}

static inline uint32_t wire_get_u32(struct wire_reader *r)
{
	const uint8_t *p = wire_take(r, 4);
	return p ? wire_load_be32(p) : 0;
}

static inline int32_t wire_get_i32(struct wire_reader *r)
{
	return (int32_t)wire_get_u32(r);
}

static inline uint64_t wire_get_u64(struct wire_reader *r)
{
	const uint8_t *p = wire_take(r, 8);
	return p ? wire_load_be64(p) : 0;
}

static inline int64_t wire_get_i64(struct wire_reader *r)
{
	return (int64_t)wire_get_u64(r);
}

/* A view of the next n bytes (NULL and err set when fewer remain). */
static inline const uint8_t *wire_get_bytes(struct wire_reader *r, size_t n)
{
	return wire_take(r, n);
}

/* Unsigned LEB128 varints (Kafka's UNSIGNED_VARINT), at most 5 / 10 bytes. */
uint32_t wire_get_uvarint32_slow(struct wire_reader *r);
uint64_t wire_get_uvarint64(struct wire_reader *r);

static inline uint32_t wire_get_uvarint32(struct wire_reader *r)
{
	/* Most varints (lengths, deltas) fit one byte. */
	if (!r->err && r->pos < r->len && !(r->p[r->pos] & 0x80))
		return r->p[r->pos++];
	return wire_get_uvarint32_slow(r);
}

/* Zig-zag varints (Kafka's VARINT and VARLONG). */
static inline int32_t wire_get_varint(struct wire_reader *r)
{
	uint32_t u = wire_get_uvarint32(r);
	return (int32_t)((u >> 1) ^ (~(u & 1) + 1));
}

static inline int64_t wire_get_varlong(struct wire_reader *r)
{
	uint64_t u = wire_get_uvarint64(r);
	return (int64_t)((u >> 1) ^ (~(u & 1) + 1));
}

static inline void wire_writer_init(struct wire_writer *w, void *buf, size_t cap)
{
	w->buf = buf;
	w->cap = buf ? cap : 0;
	w->len = 0;
	w->err = WIRE_OK;
}

void wire_put_bytes(struct wire_writer *w, const void *p, size_t n);

/* Room for n more bytes at w->buf + w->len, or NULL: then the caller goes
 * through wire_put_bytes, which counts and fails the writer. */
static inline uint8_t *wire_room(struct wire_writer *w, size_t n)
{
	return !w->err && w->cap - w->len >= n ? w->buf + w->len : NULL;
}

/* Appends n (a constant, once inlined) bytes already in wire order. */
static inline void wire_put_fixed(struct wire_writer *w, const uint8_t *b, size_t n)
{
	uint8_t *room = wire_room(w, n);
	if (!room) {
		wire_put_bytes(w, b, n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		room[i] = b[i];
	w->len += n;
}

static inline void wire_put_u8(struct wire_writer *w, uint8_t v)
{
	wire_put_fixed(w, &v, 1);
}

static inline void wire_put_i8(struct wire_writer *w, int8_t v)
{
	wire_put_u8(w, (uint8_t)v);
}

static inline void wire_put_u16(struct wire_writer *w, uint16_t v)
{
	uint8_t b[2];
	wire_store_be16(b, v);
	wire_put_fixed(w, b, sizeof b);
}

static inline void wire_put_i16(struct wire_writer *w, int16_t v)
{
	wire_put_u16(w, (uint16_t)v);
}

static inline void wire_put_u32(struct wire_writer *w, uint32_t v)
{
	uint8_t b[4];
	wire_store_be32(b, v);
	wire_put_fixed(w, b, sizeof b);
}

static inline void wire_put_i32(struct wire_writer *w, int32_t v)
{
	wire_put_u32(w, (uint32_t)v);
}

static inline void wire_put_u64(struct wire_writer *w, uint64_t v)
{
	uint8_t b[8];
	wire_store_be64(b, v);
	wire_put_fixed(w, b, sizeof b);
}

static inline void wire_put_i64(struct wire_writer *w, int64_t v)
{
	wire_put_u64(w, (uint64_t)v);
}

void wire_put_uvarint(struct wire_writer *w, uint64_t v);

static inline void wire_put_varint(struct wire_writer *w, int32_t v)
{
	wire_put_uvarint(w, ((uint32_t)v << 1) ^ (uint32_t)(v >> 31));
}

static inline void wire_put_varlong(struct wire_writer *w, int64_t v)
{
	wire_put_uvarint(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

/* Overwrites 4 bytes at `at` (a length or CRC field written after the fact). */
void wire_patch_u32(struct wire_writer *w, size_t at, uint32_t v);

/* Sizes of varint encodings, for length fields computed before writing. */
size_t wire_uvarint_size(uint64_t v);
size_t wire_varint_size(int32_t v);
size_t wire_varlong_size(int64_t v);

#endif
