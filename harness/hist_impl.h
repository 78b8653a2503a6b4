/*
 * hist_impl — internal to harness/hist_*.c: growing the history's arrays and
 * interning strings and topic-partitions. Each function returns 0 or -1 when
 * memory runs out, leaving the history valid (and freeable) either way.
 */
#ifndef KSIM_HIST_IMPL_H
#define KSIM_HIST_IMPL_H

#include "harness/hist.h"

/* The parts of a history only its builder needs. */
struct hist_store {
	char *strs;      /* interned bytes, each NUL-terminated */
	size_t *str_off; /* str_off[id], str_len[id] for id 1 .. n_strs - 1 */
	size_t *str_len;
	size_t n_str_bytes, cap_str_bytes, cap_str_ids;
	uint32_t *str_index; /* open-addressing table of string ids, 0 = empty */
	size_t cap_str_index;
	uint32_t *tp_index; /* the same for tp ids */
	size_t cap_tp_index;
	size_t cap_ops, cap_items, cap_hws, cap_tps;
};

/* The id of the len bytes at s (may hold NULs), interning them if new. */
int hist_intern_str(struct hist *h, const char *s, size_t len, uint32_t *id);
/* The tp id of (topic string id, partition), interning it if new. */
int hist_intern_tp(struct hist *h, uint32_t topic, int32_t partition, uint32_t *id);
/* Appends a zeroed op / item / hw and returns it through *out. */
int hist_push_op(struct hist *h, struct hist_op **out);
int hist_push_item(struct hist *h, struct hist_item **out);
int hist_push_hw(struct hist *h, struct hist_hw **out);
/* A fresh empty history, or NULL. */
struct hist *hist_new(void);

#endif
