/*
 * hist_impl — internal to harness/hist_*.c: growing the history's arrays and
 * interning strings and topic-partitions. Each function returns 0 or -1 when
 * memory runs out, leaving the history valid (and freeable) either way.
 */
#ifndef KSIM_HIST_IMPL_H
#define KSIM_HIST_IMPL_H

#include "harness/hist.h"

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
