#include "broker/kp/kp_prim.h"

#include <stdalign.h>
#include <string.h>

struct kp_str kp_str_from(const char *s)
{
	if (!s)
		return KP_STR_NULL;
	size_t n = strlen(s);
	return (struct kp_str){s, n > INT32_MAX ? INT32_MAX : (int32_t)n};
}

bool kp_str_eq(struct kp_str s, const char *c)
{
	if (!c)
		return s.len < 0;
	return s.len >= 0 && strlen(c) == (size_t)s.len && memcmp(s.ptr, c, (size_t)s.len) == 0;
}

bool kp_str_same(struct kp_str a, struct kp_str b)
{
	if (a.len < 0 || b.len < 0)
		return a.len < 0 && b.len < 0;
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, (size_t)a.len) == 0);
}

bool kp_bytes_same(struct kp_bytes a, struct kp_bytes b)
{
	if (a.len < 0 || b.len < 0)
		return a.len < 0 && b.len < 0;
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, (size_t)a.len) == 0);
}

void kp_arena_init(struct kp_arena *a, void *buf, size_t cap)
{
	a->buf = buf;
	a->cap = buf ? cap : 0;
	a->used = 0;
}

size_t kp_arena_bound(size_t frame_len)
{
	return KP_ARENA_FACTOR * frame_len + alignof(max_align_t);
}

void *kp_arena_alloc(struct kp_arena *a, size_t n)
{
	/* Align the address itself, so any caller buffer works. */
	size_t align = alignof(max_align_t);
	if (!a->buf || a->used > a->cap)
		return NULL;
	uintptr_t at = (uintptr_t)a->buf + a->used;
	size_t pad = (align - at % align) % align;
	if (pad > a->cap - a->used || n > a->cap - a->used - pad)
		return NULL;
	void *p = a->buf + a->used + pad;
	a->used += pad + n;
	return p;
}

/* Reads a count for an array or string of `min_wire`-byte items and checks
 * that the remaining bytes can hold it. Returns -1 for null, -2 on error. */
static int64_t get_count(struct wire_reader *r, bool compact, bool nullable, size_t min_wire)
{
	int64_t n = compact ? (int64_t)wire_get_uvarint32(r) - 1 : wire_get_i32(r);
	if (r->err)
		return -2;
	if (n < -1 || (n == -1 && !nullable)) {
		wire_reader_fail(r, WIRE_EINVAL);
		return -2;
	}
	/* n < 2^32 and min_wire is small, so the product cannot overflow. */
	if (n >= 0 && (uint64_t)n * min_wire > wire_remaining(r)) {
		wire_reader_fail(r, WIRE_ESHORT);
		return -2;
	}
	return n;
}

void *kp_get_array(struct wire_reader *r, struct kp_arena *a, bool compact, bool nullable,
		   size_t min_wire, size_t elem_size, int32_t *count)
{
	int64_t n = get_count(r, compact, nullable, min_wire ? min_wire : 1);
	*count = n < -1 ? 0 : (int32_t)n;
	if (n <= 0)
		return NULL;
	/* n * min_wire fits the frame, and elem_size is bounded by the arena
	 * factor, so this product cannot overflow. */
	void *p = kp_arena_alloc(a, (size_t)n * elem_size);
	if (!p) {
		wire_reader_fail(r, KP_EARENA);
		*count = 0;
		return NULL;
	}
	/* Zeroed, so a caller that looks at a failed decode sees no garbage. */
	memset(p, 0, (size_t)n * elem_size);
	return p;
}

void kp_get_int32_array(struct wire_reader *r, struct kp_arena *a, bool nullable,
			const int32_t **items, int32_t *count)
{
	int32_t *v = kp_get_array(r, a, false, nullable, 4, sizeof(int32_t), count);
	*items = v;
	for (int32_t i = 0; v && i < *count; i++)
		v[i] = wire_get_i32(r);
}

static struct kp_str make_str(struct wire_reader *r, int64_t n)
{
	if (n == -1)
		return KP_STR_NULL;
	if (n < -1)
		return (struct kp_str){"", 0};
	const uint8_t *p = wire_get_bytes(r, (size_t)n);
	return (struct kp_str){p ? (const char *)p : "", p ? (int32_t)n : 0};
}

struct kp_str kp_get_string(struct wire_reader *r, bool nullable)
{
	int16_t n = wire_get_i16(r);
	if (r->err)
		return (struct kp_str){"", 0};
	if (n < -1 || (n == -1 && !nullable)) {
		wire_reader_fail(r, WIRE_EINVAL);
		return (struct kp_str){"", 0};
	}
	return make_str(r, n);
}

struct kp_str kp_get_compact_string(struct wire_reader *r, bool nullable)
{
	return make_str(r, get_count(r, true, nullable, 1));
}

static struct kp_bytes make_bytes(struct wire_reader *r, int64_t n)
{
	if (n == -1)
		return KP_BYTES_NULL;
	if (n < -1)
		return (struct kp_bytes){NULL, 0};
	const uint8_t *p = wire_get_bytes(r, (size_t)n);
	return (struct kp_bytes){p, p ? (int32_t)n : 0};
}

struct kp_bytes kp_get_bytes(struct wire_reader *r, bool nullable)
{
	return make_bytes(r, get_count(r, false, nullable, 1));
}

struct kp_bytes kp_get_compact_bytes(struct wire_reader *r, bool nullable)
{
	return make_bytes(r, get_count(r, true, nullable, 1));
}

bool kp_get_bool(struct wire_reader *r)
{
	return wire_get_u8(r) != 0;
}

void kp_skip_tagged_fields(struct wire_reader *r)
{
	uint32_t n = wire_get_uvarint32(r);
	/* Each field takes at least two bytes (tag and size), so a count the
	 * input cannot hold ends the loop early through the sticky error. */
	for (uint32_t i = 0; i < n && !r->err; i++) {
		wire_get_uvarint32(r); /* the tag: none is known, all are skipped */
		uint32_t size = wire_get_uvarint32(r);
		wire_get_bytes(r, size);
	}
}

int kp_get_end(struct wire_reader *r)
{
	if (!r->err && wire_remaining(r) != 0)
		wire_reader_fail(r, KP_ETRAILING);
	return r->err;
}

void kp_writer_fail(struct wire_writer *w, int err)
{
	if (!w->err)
		w->err = err;
}

static bool len_ok(struct wire_writer *w, int32_t len, bool nullable, int32_t max)
{
	if ((len < 0 && (len != -1 || !nullable)) || len > max) {
		kp_writer_fail(w, WIRE_EINVAL);
		return false;
	}
	return true;
}

void kp_put_string(struct wire_writer *w, struct kp_str s, bool nullable)
{
	if (!len_ok(w, s.len, nullable, INT16_MAX))
		return;
	wire_put_i16(w, (int16_t)s.len);
	if (s.len > 0)
		wire_put_bytes(w, s.ptr, (size_t)s.len);
}

void kp_put_compact_string(struct wire_writer *w, struct kp_str s, bool nullable)
{
	if (!len_ok(w, s.len, nullable, INT32_MAX - 1))
		return;
	wire_put_uvarint(w, (uint64_t)((int64_t)s.len + 1));
	if (s.len > 0)
		wire_put_bytes(w, s.ptr, (size_t)s.len);
}

void kp_put_bytes(struct wire_writer *w, struct kp_bytes b, bool nullable)
{
	if (!len_ok(w, b.len, nullable, INT32_MAX))
		return;
	wire_put_i32(w, b.len);
	if (b.len > 0)
		wire_put_bytes(w, b.ptr, (size_t)b.len);
}

void kp_put_compact_bytes(struct wire_writer *w, struct kp_bytes b, bool nullable)
{
	if (!len_ok(w, b.len, nullable, INT32_MAX - 1))
		return;
	wire_put_uvarint(w, (uint64_t)((int64_t)b.len + 1));
	if (b.len > 0)
		wire_put_bytes(w, b.ptr, (size_t)b.len);
}

void kp_put_bool(struct wire_writer *w, bool v)
{
	wire_put_u8(w, v ? 1 : 0);
}

void kp_put_array_count(struct wire_writer *w, bool compact, bool nullable, int32_t count)
{
	if (!len_ok(w, count, nullable, INT32_MAX - 1))
		return;
	if (compact)
		wire_put_uvarint(w, (uint64_t)((int64_t)count + 1));
	else
		wire_put_i32(w, count);
}

bool kp_put_items_ok(struct wire_writer *w, const void *items, int32_t count)
{
	if (count > 0 && !items) {
		kp_writer_fail(w, WIRE_EINVAL);
		return false;
	}
	return true;
}

void kp_put_int32_array(struct wire_writer *w, const int32_t *items, int32_t count)
{
	kp_put_array_count(w, false, false, count);
	if (!kp_put_items_ok(w, items, count))
		return;
	for (int32_t i = 0; i < count; i++)
		wire_put_i32(w, items[i]);
}

void kp_put_tagged_fields(struct wire_writer *w)
{
	wire_put_uvarint(w, 0);
}
