/*
 * log_epoch — the leader epoch cache (Kafka's LeaderEpochFileCache) and its
 * `leader-epoch-checkpoint` text format.
 *
 * The cache maps each leader epoch to the first offset written in it,
 * sorted by epoch and by offset. Replication uses it to answer
 * OffsetsForLeaderEpoch (KIP-101/279): the end offset of an epoch is the
 * start offset of the next higher epoch, or the log end offset for the
 * latest one. The file is Kafka's checkpoint format with two fields:
 *
 *	0\n        version
 *	2\n        count
 *	0 0\n      epoch startOffset
 *	3 120\n
 *
 * The entries array belongs to the cache and grows through the caller's
 * allocator; log_epoch_free releases it. Files are the log's job (log.c
 * writes the encoded text through log_ckpt_write_file).
 */
#ifndef KSIM_LOG_EPOCH_H
#define KSIM_LOG_EPOCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/codec/wire.h"
#include "broker/log/log_ckpt.h"
#include "broker/log/log_types.h"

#define LOG_EPOCH_UNDEFINED (-1)

struct log_epoch_entry {
	int32_t epoch;
	int64_t start_offset;
};

struct log_epoch_cache {
	struct log_epoch_entry *e;
	size_t n, cap;
	struct log_alloc alloc;
};

void log_epoch_init(struct log_epoch_cache *c, struct log_alloc a);
void log_epoch_free(struct log_epoch_cache *c);

/*
 * Records that `epoch` starts at `start_offset`, as Kafka's assign: a no-op
 * when the latest entry already has this epoch at a lower or equal start;
 * otherwise every entry with an epoch >= epoch or a start offset >=
 * start_offset is removed (they conflict) and the new one appended. Returns
 * true when the cache changed. epoch < 0 or start_offset < 0: LOG_EINVAL
 * semantics, returns false and changes nothing.
 */
bool log_epoch_assign(struct log_epoch_cache *c, int32_t epoch, int64_t start_offset);

/* The latest epoch, or LOG_EPOCH_UNDEFINED when empty. */
int32_t log_epoch_latest(const struct log_epoch_cache *c);

/*
 * The OffsetsForLeaderEpoch answer for `epoch` given the log end offset:
 * the latest epoch gives (epoch, leo); an older one gives (the largest known
 * epoch <= epoch, or epoch itself when none is, start offset of the first
 * epoch above it); an epoch above every known one, or UNDEFINED, gives
 * (UNDEFINED, -1).
 */
void log_epoch_end_offset(const struct log_epoch_cache *c, int32_t epoch, int64_t leo,
			  int32_t *out_epoch, int64_t *out_offset);

/* Removes entries starting at or after end_offset (the log was truncated to
 * it). Returns true when the cache changed. */
bool log_epoch_truncate_from_end(struct log_epoch_cache *c, int64_t end_offset);

/* Removes entries wholly before start_offset; the last of them, if any,
 * survives moved up to start at start_offset (Kafka's truncateFromStart).
 * Returns true when the cache changed. */
bool log_epoch_truncate_from_start(struct log_epoch_cache *c, int64_t start_offset);

/* Encodes the cache in the checkpoint format through w. */
void log_epoch_encode(const struct log_epoch_cache *c, struct wire_writer *w);

/*
 * Replaces the cache's content with the parsed file. Returns LOG_OK, or
 * LOG_EFORMAT (err says why; the cache is then empty) for a malformed file,
 * negative epochs or offsets, or entries not increasing in both.
 */
int log_epoch_parse(struct log_epoch_cache *c, const char *buf, size_t len,
		    struct log_ckpt_error *err);

#endif
