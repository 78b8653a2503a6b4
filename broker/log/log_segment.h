/*
 * log_segment — one segment of a partition log: `<base>.log` holding
 * RecordBatch v2 bytes back to back, with its `.index` and `.timeindex`.
 *
 * Files are named by the base offset (the first offset the segment may
 * hold), 20 decimal digits zero-padded, as Kafka names them. The segment
 * keeps its indexes in memory (log_index) and writes every new entry to the
 * index files, so the files stay bit-compatible with Kafka's; lookups use
 * the memory copy.
 *
 * Two sizes matter: `size` counts the bytes whose write completed (readers
 * never look past it), `next_offset` the offset after the last batch noted.
 * The log (log.c) owns segments and their file handles; nothing here
 * submits requests itself: writes go into the caller's log_io chain.
 */
#ifndef KSIM_LOG_SEGMENT_H
#define KSIM_LOG_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/log/log_epoch.h"
#include "broker/log/log_index.h"
#include "broker/log/log_io.h"
#include "broker/log/log_pstate.h"
#include "broker/log/record_batch.h"
#include "sim/env.h"

#define LOG_SEGMENT_NAME_DIGITS 20

#define LOG_SEGMENT_HINTS 8

struct log_segment {
	int64_t base_offset;
	int64_t next_offset;      /* offset after the last batch noted */
	int64_t size;             /* bytes whose write completed */
	int64_t end;              /* bytes written or being written */
	struct env_file *log, *index, *timeindex;
	struct log_index ix;
	struct log_time_index tx;
	int64_t max_timestamp;    /* largest batch maxTimestamp, -1 when none */
	int64_t offset_of_max_ts;
	int64_t first_timestamp;  /* first batch's maxTimestamp (segment.ms), -1 */
	int64_t bytes_since_index;
	int64_t index_bytes;      /* bytes written to the .index file */
	int64_t timeindex_bytes;
	/* Where recent reads stopped: (batch base offset, file position)
	 * pairs. Followers and consumers read on from where they stopped, so
	 * log_segment_find starts there instead of scanning from the index
	 * entry; a hint is trusted only when the batch header found at its
	 * position still carries its base offset. */
	int64_t hint_offset[LOG_SEGMENT_HINTS];
	int64_t hint_pos[LOG_SEGMENT_HINTS];
	unsigned hint_next;
};

/* Records that the batch with base offset `base` starts at `pos`. */
void log_segment_hint(struct log_segment *seg, int64_t base, int64_t pos);

/* Formats "<dir>/<20-digit base><suffix>" into buf (cap bytes). */
void log_segment_path(char *buf, size_t cap, const char *dir, int64_t base,
		      const char *suffix);

/*
 * Parses a file name "<20 digits><suffix>"; returns true with *base set
 * when name has exactly that form.
 */
bool log_segment_parse_name(const char *name, const char *suffix, int64_t *base);

/*
 * Opens (creating when missing) the three files of the segment at base in
 * dir and returns it in the node's heap with empty in-memory indexes holding
 * at most index_max_bytes of entries. Returns LOG_OK or LOG_EIO.
 */
int log_segment_open(struct env *env, const char *dir, int64_t base, int64_t index_max_bytes,
		     struct log_segment **out);

/* Closes the handles now (requests already submitted still complete) and
 * frees the segment. */
void log_segment_close(struct env *env, struct log_segment *seg);

/* Adds unlinks of the segment's three files to io. */
void log_segment_unlink(struct log_io *io, const char *dir, int64_t base);

/*
 * Notes a batch about to be written at position `pos` (its header h): the
 * segment's next offset, timestamps, and, every index_interval bytes, an
 * index entry (and a time index entry when the maximum timestamp grew),
 * whose file writes go into io when io is not NULL. Returns LOG_OK, or
 * LOG_EINVAL when the batch does not start at next_offset (batches are
 * dense) or its relative offset passes an i32.
 */
int log_segment_note_batch(struct log_segment *seg, struct log_alloc a,
			   const struct rb_batch_header *h, int64_t pos,
			   int64_t index_interval, struct log_io *io);

/* Before the segment stops being active: a last time index entry for its
 * maximum timestamp (Kafka's onBecomeInactiveSegment). */
void log_segment_seal(struct log_segment *seg, struct log_alloc a, struct log_io *io);

/*
 * Finds the position of the first batch whose last offset is >= offset,
 * reading headers from the nearest index entry up to seg->size. Returns
 * LOG_OK with *pos and *h filled, LOG_EOUT_OF_RANGE when the segment ends
 * first, or LOG_ECORRUPT when a header there is unreadable.
 */
int log_segment_find(struct log_segment *seg, int64_t offset, int64_t *pos,
		     struct rb_batch_header *h);

/* What a walk over a segment's file found. */
struct log_segment_walk {
	int64_t valid_bytes; /* prefix made of good batches */
	int64_t file_size;
	size_t batches;
	int err;             /* RB_OK, or why the walk stopped before file_size */
};

/*
 * Rebuilds the segment's in-memory state from its file: resets indexes and
 * timestamps, then walks batches from position 0 up to `limit` bytes (or
 * the file size when limit < 0). Batches from offset validate_from on are
 * fully checked (CRC and records, Kafka's recovery); earlier ones only by
 * header and length (a fast reload of data already known flushed; 0
 * validates all, INT64_MAX none). Batches must be dense from the base
 * offset on. Every good batch is passed to
 * ps and ec when they are not NULL (producer state and epoch rebuild).
 * Sets size, end and next_offset to the valid prefix. Never writes.
 */
void log_segment_walk(struct env *env, struct log_segment *seg, struct log_alloc a,
		      int64_t index_interval, int64_t limit, int64_t validate_from,
		      struct log_pstate *ps, struct log_epoch_cache *ec,
		      struct log_segment_walk *out);

/*
 * Adds to io whatever makes the index files equal to the in-memory
 * indexes, when they differ (a rebuild after recovery or truncation).
 */
void log_segment_sync_index_files(struct env *env, struct log_segment *seg,
				  struct log_io *io);

#endif
