#include "broker/codec/wire_scratch.h"

int wire_scratch_encode(struct env *env, struct wire_scratch *s, wire_encode_fn fn,
			const void *msg, const uint8_t **out, size_t *len)
{
	struct wire_writer w;
	wire_writer_init(&w, s->buf, s->cap);
	fn(&w, msg);
	if (w.err == WIRE_EOVERFLOW) {
		/* w.len counted the whole message: one more pass fits it. Headroom
		 * keeps a slowly growing stream of messages from reallocating each
		 * time. */
		size_t cap = w.len + w.len / 4 + 64;
		s->buf = env_realloc(env, s->buf, cap);
		s->cap = cap;
		wire_writer_init(&w, s->buf, s->cap);
		fn(&w, msg);
	}
	if (w.err)
		return w.err;
	*out = s->buf;
	*len = w.len;
	return WIRE_OK;
}

void wire_scratch_free(struct env *env, struct wire_scratch *s)
{
	env_free(env, s->buf);
	s->buf = NULL;
	s->cap = 0;
}
