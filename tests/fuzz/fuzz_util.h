/*
 * fuzz_util — what the fuzz targets share: a failed check aborts (libFuzzer
 * and the replay driver report the input), and a message is encoded into an
 * exact-size buffer (a sizing pass, then the real one) so that a write past
 * what the sizing pass said is caught. Header-only: each target is its own
 * program.
 */
#ifndef KSIM_FUZZ_UTIL_H
#define KSIM_FUZZ_UTIL_H

#include <stdint.h>
#include <stdlib.h>

#include "broker/codec/wire.h"

static inline void check(int cond)
{
	if (!cond)
		abort();
}

typedef void (*fuzz_encode_fn)(struct wire_writer *w, const void *msg);

/* Encodes msg with fn into a new buffer of exactly *len bytes (the caller
 * frees it); the two passes must agree and the writer must not fail. */
static inline uint8_t *fuzz_encode(fuzz_encode_fn fn, const void *msg, size_t *len)
{
	struct wire_writer w;
	wire_writer_init(&w, NULL, 0);
	fn(&w, msg);
	*len = w.len;
	uint8_t *buf = malloc(w.len ? w.len : 1);
	check(buf != NULL);
	wire_writer_init(&w, buf, *len);
	fn(&w, msg);
	check(w.err == 0 && w.len == *len);
	return buf;
}

#endif
