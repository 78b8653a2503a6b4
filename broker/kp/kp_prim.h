/*
 * kp_prim — the primitive types of Kafka's wire protocol (strings, bytes,
 * arrays, tagged fields) on top of broker/codec/wire, plus the status codes
 * and the decode arena shared by every kp_ message codec.
 *
 * Ownership: decoded strings and byte blobs are views into the caller's
 * frame and live as long as it does. Decoded arrays are laid out in a
 * caller-owned arena (struct kp_arena); nothing here allocates. Errors are
 * sticky in the wire reader or writer, so a codec reads or writes a whole
 * message and checks once.
 *
 * Arena bound: every array element type is statically checked to take at
 * most KP_ARENA_FACTOR arena bytes per byte of its smallest wire encoding.
 * A non-empty array also costs at most 15 bytes of alignment padding, which
 * its count field (at least one wire byte) pays for at the same rate. So an
 * arena of kp_arena_bound(frame_len) bytes always suffices for any frame of
 * frame_len bytes; a smaller one gives KP_EARENA, never a crash. Arenas are
 * reused by calling kp_arena_init again once the decoded message is done.
 *
 * After a failed decode the output struct holds partial values and must not
 * be used; only the error code means anything.
 */
#ifndef KSIM_KP_PRIM_H
#define KSIM_KP_PRIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/codec/wire.h"

/* Codec results: 0, a wire_error (short input, overflow, bad varint, bad
 * value) or one of these. All are negative. */
enum kp_status {
	KP_OK = 0,
	KP_EARENA = -10,    /* the caller's arena is too small for the arrays */
	KP_ETRAILING = -11, /* bytes left over after a complete message */
	KP_EVERSION = -12,  /* an (api_key, version) this codec does not speak */
};

/* A STRING / NULLABLE_STRING / COMPACT_STRING value: len -1 means null. */
struct kp_str {
	const char *ptr;
	int32_t len;
};

/* A BYTES / NULLABLE_BYTES / records value: len -1 means null. */
struct kp_bytes {
	const uint8_t *ptr;
	int32_t len;
};

#define KP_STR_NULL ((struct kp_str){NULL, -1})
#define KP_BYTES_NULL ((struct kp_bytes){NULL, -1})

/* A view of a NUL-terminated C string; NULL gives the null string. */
struct kp_str kp_str_from(const char *s);
/* True when `s` holds exactly the C string `c` (a null string equals NULL). */
bool kp_str_eq(struct kp_str s, const char *c);
bool kp_str_same(struct kp_str a, struct kp_str b);
bool kp_bytes_same(struct kp_bytes a, struct kp_bytes b);

/* A caller-owned scratch area that decoders lay arrays out in. */
struct kp_arena {
	uint8_t *buf;
	size_t cap;
	size_t used;
};

#define KP_ARENA_FACTOR 16

void kp_arena_init(struct kp_arena *a, void *buf, size_t cap);
/* Arena bytes that always suffice to decode any frame of frame_len bytes. */
size_t kp_arena_bound(size_t frame_len);
/* Reserves n bytes aligned for any type, or returns NULL when they do not fit. */
void *kp_arena_alloc(struct kp_arena *a, size_t n);

/*
 * Array decoding. Reads an ARRAY (i32 count) or COMPACT_ARRAY (uvarint
 * count+1) header, rejects a count that the remaining bytes cannot hold at
 * `min_wire` bytes per element (so a huge or negative count fails at once),
 * and reserves count elements of elem_size in the arena. Returns the
 * elements (NULL when the array is empty or null) and sets *count, -1 for a
 * null array (allowed only when `nullable`). Failures set r->err.
 */
void *kp_get_array(struct wire_reader *r, struct kp_arena *a, bool compact, bool nullable,
		   size_t min_wire, size_t elem_size, int32_t *count);

/* Decodes one array of `type` elements with `fn` (a static decoder for one
 * element) into `items` / `count`, checking the arena bound of the element
 * type at compile time. `min_wire` must be the element's smallest possible
 * encoding in bytes, as the bound relies on it. Stops at the first error,
 * which stays in r->err. */
#define KP_GET_ARRAY(r, a, compact, nullable, min_wire, type, items, count, fn)                  \
	do {                                                                                     \
		_Static_assert(sizeof(type) <= KP_ARENA_FACTOR * (min_wire),                      \
			       #type " breaks the arena bound");                                  \
		type *kp_v_ = kp_get_array((r), (a), (compact), (nullable), (min_wire),           \
					   sizeof(type), &(count));                               \
		(items) = kp_v_;                                                                 \
		for (int32_t kp_i_ = 0; kp_v_ && kp_i_ < (count) && !(r)->err; kp_i_++)          \
			fn((r), (a), &kp_v_[kp_i_]);                                              \
	} while (0)

/* KP_GET_ARRAY for an element whose layout depends on the message version:
 * `fn` takes (r, a, version, element). `min_wire` must be the smallest
 * encoding over every version the caller decodes. */
#define KP_GET_ARRAY_V(r, a, compact, nullable, min_wire, type, items, count, fn, version)      \
	do {                                                                                     \
		_Static_assert(sizeof(type) <= KP_ARENA_FACTOR * (min_wire),                      \
			       #type " breaks the arena bound");                                  \
		type *kp_v_ = kp_get_array((r), (a), (compact), (nullable), (min_wire),           \
					   sizeof(type), &(count));                               \
		(items) = kp_v_;                                                                 \
		for (int32_t kp_i_ = 0; kp_v_ && kp_i_ < (count) && !(r)->err; kp_i_++)          \
			fn((r), (a), (version), &kp_v_[kp_i_]);                                   \
	} while (0)

/* Reads an [int32] array (ARRAY of INT32) into the arena. */
void kp_get_int32_array(struct wire_reader *r, struct kp_arena *a, bool nullable,
			const int32_t **items, int32_t *count);

/* STRING (i16 length) and COMPACT_STRING (uvarint length+1). A null value
 * where !nullable sets WIRE_EINVAL. Lengths and counts below -1 are refused
 * with WIRE_EINVAL too. This is stricter than Kafka's Java parser, which
 * reads any negative length of a nullable field as null; clients only ever
 * write -1, and refusing the rest keeps every accepted frame canonical. */
struct kp_str kp_get_string(struct wire_reader *r, bool nullable);
struct kp_str kp_get_compact_string(struct wire_reader *r, bool nullable);
/* BYTES (i32 length; also the `records` type) and COMPACT_BYTES. */
struct kp_bytes kp_get_bytes(struct wire_reader *r, bool nullable);
struct kp_bytes kp_get_compact_bytes(struct wire_reader *r, bool nullable);
/* BOOLEAN: any nonzero byte is true, as Kafka's own readers do. */
bool kp_get_bool(struct wire_reader *r);
/* Skips a tagged-field section (uvarint count, then tag, size, bytes). Every
 * tag is unknown to the versions this codec speaks, so all are skipped. */
void kp_skip_tagged_fields(struct wire_reader *r);
/* Ends a decode: fails with KP_ETRAILING if bytes remain; returns r->err. */
int kp_get_end(struct wire_reader *r);

/* Encoders. Values that cannot be encoded (a null where the field is not
 * nullable, a length past the field's limit) set w->err to WIRE_EINVAL. */
void kp_writer_fail(struct wire_writer *w, int err);
void kp_put_string(struct wire_writer *w, struct kp_str s, bool nullable);
void kp_put_compact_string(struct wire_writer *w, struct kp_str s, bool nullable);
void kp_put_bytes(struct wire_writer *w, struct kp_bytes b, bool nullable);
void kp_put_compact_bytes(struct wire_writer *w, struct kp_bytes b, bool nullable);
void kp_put_bool(struct wire_writer *w, bool v);
/* Writes an ARRAY or COMPACT_ARRAY count; -1 is a null array. */
void kp_put_array_count(struct wire_writer *w, bool compact, bool nullable, int32_t count);
void kp_put_int32_array(struct wire_writer *w, const int32_t *items, int32_t count);
/* Writes an empty tagged-field section (a zero count). */
void kp_put_tagged_fields(struct wire_writer *w);
/* Checks that `items` is non-NULL whenever count > 0 (sets WIRE_EINVAL). */
bool kp_put_items_ok(struct wire_writer *w, const void *items, int32_t count);

#endif
