#include "broker/codec/wire.h"

#include <string.h>

/* The multi-byte cases of the varint readers (wire.h reads one-byte ones). */
static uint64_t get_uvarint(struct wire_reader *r, unsigned max_bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < max_bytes; i++) {
		const uint8_t *p = wire_take(r, 1);
		if (!p)
			return 0;
		v |= (uint64_t)(*p & 0x7f) << (7 * i);
		if (!(*p & 0x80))
			return v;
	}
	wire_reader_fail(r, WIRE_EVARINT);
	return 0;
}

uint32_t wire_get_uvarint32_slow(struct wire_reader *r)
{
	uint64_t v = get_uvarint(r, 5);
	if (v > UINT32_MAX) {
		wire_reader_fail(r, WIRE_EVARINT);
		return 0;
	}
	return (uint32_t)v;
}

uint64_t wire_get_uvarint64(struct wire_reader *r)
{
	return get_uvarint(r, 10);
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

void wire_put_uvarint(struct wire_writer *w, uint64_t v)
{
	uint8_t *room = wire_room(w, 1);
	if (room && v < 0x80) {
		*room = (uint8_t)v;
		w->len++;
		return;
	}
	uint8_t b[10];
	size_t n = 0;
	while (v >= 0x80) {
		b[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b[n++] = (uint8_t)v;
	wire_put_bytes(w, b, n);
}

void wire_patch_u32(struct wire_writer *w, size_t at, uint32_t v)
{
	if (w->err || at + 4 > w->len)
		return;
	wire_store_be32(w->buf + at, v);
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
