/*
 * wire_scratch — a reusable output buffer for encoders, so that a message is
 * encoded once instead of once to size it and once to write it.
 *
 * Ownership: the user (a connection, a producer) owns the scratch and frees
 * it with wire_scratch_free; its memory comes from the node's env heap, so a
 * crash frees it with the node. The bytes a call returns stay valid until
 * the next call on the same scratch: callers copy them or hand them to
 * env_conn_send, which copies.
 */
#ifndef KSIM_WIRE_SCRATCH_H
#define KSIM_WIRE_SCRATCH_H

#include <stddef.h>
#include <stdint.h>

#include "broker/codec/wire.h"
#include "sim/env.h"

struct wire_scratch {
	uint8_t *buf;
	size_t cap;
};

typedef void (*wire_encode_fn)(struct wire_writer *w, const void *msg);

/*
 * Encodes msg with fn into the scratch, growing it (and encoding again) when
 * the message does not fit. On success returns WIRE_OK with *out and *len
 * set; otherwise the encoder's error (never WIRE_EOVERFLOW).
 */
int wire_scratch_encode(struct env *env, struct wire_scratch *s, wire_encode_fn fn,
			const void *msg, const uint8_t **out, size_t *len);
void wire_scratch_free(struct env *env, struct wire_scratch *s);

#endif
