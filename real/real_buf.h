/*
 * real_buf — a growable byte buffer for real mode's sockets (the proxy and
 * the outbound bridge): bytes are appended at the end and consumed from
 * the front. The buffer owns its bytes (plain malloc).
 */
#ifndef KSIM_REAL_BUF_H
#define KSIM_REAL_BUF_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/util.h"

#define REAL_BUF_CHUNK 65536

struct real_buf {
	uint8_t *p;
	size_t off, len, cap; /* live bytes are p[off, len) */
};

/* Room for `more` bytes at p + len (moving the live bytes to the front
 * first when that makes room). */
static inline void real_buf_reserve(struct real_buf *b, size_t more)
{
	if (b->off && b->len + more > b->cap) {
		memmove(b->p, b->p + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
	}
	if (b->len + more > b->cap) {
		size_t cap = b->cap ? b->cap : REAL_BUF_CHUNK;
		while (cap < b->len + more)
			cap *= 2;
		b->p = sim_xrealloc(b->p, cap);
		b->cap = cap;
	}
}

/* Appends one frame with its 4-byte big-endian length prefix. */
static inline void real_buf_put_frame(struct real_buf *b, const uint8_t *frame, size_t len)
{
	real_buf_reserve(b, len + 4);
	uint8_t *d = b->p + b->len;
	d[0] = (uint8_t)(len >> 24);
	d[1] = (uint8_t)(len >> 16);
	d[2] = (uint8_t)(len >> 8);
	d[3] = (uint8_t)len;
	memcpy(d + 4, frame, len);
	b->len += len + 4;
}

/* The length in a 4-byte big-endian prefix. */
static inline uint32_t real_buf_prefix(const uint8_t *h)
{
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

static inline void real_buf_free(struct real_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

#endif
