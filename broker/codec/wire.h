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

void wire_reader_init(struct wire_reader *r, const void *p, size_t len);
size_t wire_remaining(const struct wire_reader *r);
/* Marks the reader failed with `err` unless it failed already. */
void wire_reader_fail(struct wire_reader *r, int err);

uint8_t wire_get_u8(struct wire_reader *r);
int8_t wire_get_i8(struct wire_reader *r);
int16_t wire_get_i16(struct wire_reader *r);
uint16_t wire_get_u16(struct wire_reader *r);
int32_t wire_get_i32(struct wire_reader *r);
uint32_t wire_get_u32(struct wire_reader *r);
int64_t wire_get_i64(struct wire_reader *r);
uint64_t wire_get_u64(struct wire_reader *r);
/* A view of the next n bytes (NULL and err set when fewer remain). */
const uint8_t *wire_get_bytes(struct wire_reader *r, size_t n);
/* Unsigned LEB128 varints (Kafka's UNSIGNED_VARINT), at most 5 / 10 bytes. */
uint32_t wire_get_uvarint32(struct wire_reader *r);
uint64_t wire_get_uvarint64(struct wire_reader *r);
/* Zig-zag varints (Kafka's VARINT and VARLONG). */
int32_t wire_get_varint(struct wire_reader *r);
int64_t wire_get_varlong(struct wire_reader *r);

void wire_writer_init(struct wire_writer *w, void *buf, size_t cap);
void wire_put_u8(struct wire_writer *w, uint8_t v);
void wire_put_i8(struct wire_writer *w, int8_t v);
void wire_put_i16(struct wire_writer *w, int16_t v);
void wire_put_u16(struct wire_writer *w, uint16_t v);
void wire_put_i32(struct wire_writer *w, int32_t v);
void wire_put_u32(struct wire_writer *w, uint32_t v);
void wire_put_i64(struct wire_writer *w, int64_t v);
void wire_put_u64(struct wire_writer *w, uint64_t v);
void wire_put_bytes(struct wire_writer *w, const void *p, size_t n);
void wire_put_uvarint(struct wire_writer *w, uint64_t v);
void wire_put_varint(struct wire_writer *w, int32_t v);
void wire_put_varlong(struct wire_writer *w, int64_t v);
/* Overwrites 4 bytes at `at` (a length or CRC field written after the fact). */
void wire_patch_u32(struct wire_writer *w, size_t at, uint32_t v);

/* Sizes of varint encodings, for length fields computed before writing. */
size_t wire_uvarint_size(uint64_t v);
size_t wire_varint_size(int32_t v);
size_t wire_varlong_size(int64_t v);

#endif
