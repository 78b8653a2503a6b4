/*
 * log_types — the error codes and the allocator shared by the partition-log
 * modules (log_index, log_epoch, log_ckpt, log_pstate, log_segment, log).
 *
 * The pure data structures (indexes, epoch cache, producer state) take a
 * `struct log_alloc` so they can run in a unit test on malloc and in a node
 * on env_realloc (log_alloc_env). Nothing here owns memory.
 */
#ifndef KSIM_LOG_TYPES_H
#define KSIM_LOG_TYPES_H

#include <stddef.h>

#include "sim/env.h"

enum log_error {
	LOG_OK = 0,
	LOG_DUPLICATE = 1,       /* idempotent retry: the batch is already in the log */
	LOG_EINVAL = -1,         /* a bad argument or an operation the state forbids */
	LOG_ECORRUPT = -2,       /* a batch failed validation (CRC, length, shape) */
	LOG_EOUT_OF_RANGE = -3,  /* the offset is outside [log start, log end] */
	LOG_EOFFLINE = -4,       /* an earlier disk error took the log offline */
	LOG_ENOT_CONTIGUOUS = -5, /* follower batches do not continue the log */
	LOG_EOUT_OF_ORDER = -6,  /* producer sequence gap */
	LOG_EFENCED = -7,        /* producer epoch older than the one known */
	LOG_EFORMAT = -8,        /* a checkpoint file is malformed */
	LOG_EIO = -9,            /* the disk failed a request */
	LOG_ETOO_LARGE = -10,    /* a batch larger than a segment may hold */
};

/* A short English description of a log_error. Never NULL. */
const char *log_strerror(int err);

/*
 * An allocator: realloc(ctx, p, n) behaves like realloc for n > 0, and frees p
 * (returning NULL) for n == 0. It never returns NULL for n > 0.
 */
struct log_alloc {
	void *(*realloc)(void *ctx, void *p, size_t n);
	void *ctx;
};

/* An allocator over a node's heap (env_realloc / env_free). */
struct log_alloc log_alloc_env(struct env *env);

#endif
