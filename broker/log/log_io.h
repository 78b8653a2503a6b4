/*
 * log_io — a chain of file requests run one after another.
 *
 * The log's operations are sequences of env file requests (write the batch,
 * then the index entries; unlink segments, truncate, fsync; write tmp, fsync,
 * rename, fsync). A chain collects them, then runs them in order, each
 * submitted when the previous one completed, and reports once: the first
 * error stops the chain (later requests are not submitted, but CLOSE steps
 * still run so no handle leaks).
 *
 * Ownership: the chain lives in the node's heap (env_alloc) and frees itself,
 * with every buffer it copied, right after its done callback returns. File
 * handles named in steps must stay open until the chain has passed them (a
 * CLOSE step closes one). A crash drops the chain with the heap.
 */
#ifndef KSIM_LOG_IO_H
#define KSIM_LOG_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/env.h"

struct log_io;

/* status: 0 or the first failing request's env_status. */
typedef void (*log_io_cb)(struct log_io *io, int status);

struct log_io *log_io_new(struct env *env, log_io_cb done, void *data);
void *log_io_data(const struct log_io *io);

/*
 * Steps, in the order they will run. log_io_write copies buf when copy is
 * true; otherwise buf must stay valid until the chain's done callback.
 */
void log_io_write(struct log_io *io, struct env_file *f, int64_t off, const void *buf,
		  size_t len, bool copy);
void log_io_truncate(struct log_io *io, struct env_file *f, int64_t size);
void log_io_fsync(struct log_io *io, struct env_file *f);
void log_io_rename(struct log_io *io, const char *from, const char *to);
void log_io_unlink(struct log_io *io, const char *path);
void log_io_close(struct log_io *io, struct env_file *f);
/* Steps added so far. */
size_t log_io_steps(const struct log_io *io);

/* Frees a chain that was never run, closing the files of its CLOSE steps. */
void log_io_discard(struct log_io *io);

/*
 * Runs the chain. done fires exactly once, never inside this call (an empty
 * chain completes through a zero-delay timer).
 */
void log_io_run(struct log_io *io);

#endif
