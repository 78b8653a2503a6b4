/*
 * log_index — a segment's sparse offset index (`.index`) and time index
 * (`.timeindex`), in memory and in Kafka's file format.
 *
 * Offset index entries are 8 bytes, big-endian: relative offset i32 (the
 * offset of the last record of an indexed batch minus the segment's base
 * offset) then the file position i32 of that batch. Time index entries are 12
 * bytes: timestamp i64 then relative offset i32, appended only when the
 * timestamp grows. Both are appended every `index.interval.bytes` of log and
 * are sorted, so lookups are binary searches.
 *
 * The entries live in an array the index owns, grown through the caller's
 * struct log_alloc; log_index_free releases it. Nothing here touches files:
 * log_segment writes the encoded entries.
 */
#ifndef KSIM_LOG_INDEX_H
#define KSIM_LOG_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/log/log_types.h"

#define LOG_INDEX_ENTRY_SIZE 8
#define LOG_TIMEINDEX_ENTRY_SIZE 12

struct log_index_entry {
	int32_t rel_offset;
	int32_t position;
};

struct log_time_entry {
	int64_t timestamp;
	int32_t rel_offset;
};

struct log_index {
	struct log_index_entry *e;
	size_t n, cap;
	size_t max_entries; /* segment.index.bytes / 8: the index is full at this count */
};

struct log_time_index {
	struct log_time_entry *e;
	size_t n, cap;
	size_t max_entries; /* segment.index.bytes / 12 */
};

/* Sets up an empty index holding at most max_entries (>= 1). */
void log_index_init(struct log_index *ix, size_t max_entries);
void log_time_index_init(struct log_time_index *tx, size_t max_entries);
void log_index_free(struct log_index *ix, struct log_alloc a);
void log_time_index_free(struct log_time_index *tx, struct log_alloc a);

static inline bool log_index_full(const struct log_index *ix)
{
	return ix->n >= ix->max_entries;
}

static inline bool log_time_index_full(const struct log_time_index *tx)
{
	return tx->n >= tx->max_entries;
}

/*
 * Appends an entry. Precondition: not full, and rel_offset and position
 * greater than the last entry's (Kafka's "out of order" check), else returns
 * LOG_EINVAL and changes nothing.
 */
int log_index_append(struct log_index *ix, struct log_alloc a, int32_t rel_offset,
		     int32_t position);

/*
 * The entry with the largest rel_offset <= target in *out; false (and *out
 * = {0, 0}, the segment's start) when there is none.
 */
bool log_index_lookup(const struct log_index *ix, int32_t target, struct log_index_entry *out);

/* Drops the entries with rel_offset >= rel (the log was truncated there). */
void log_index_truncate(struct log_index *ix, int32_t rel);

/*
 * Appends (timestamp, rel_offset) when timestamp is greater than the last
 * entry's (or the index is empty) and not full; returns whether it did.
 * Entries with a rel_offset not above the last one's are refused too.
 */
bool log_time_index_maybe_append(struct log_time_index *tx, struct log_alloc a,
				 int64_t timestamp, int32_t rel_offset);

/*
 * The entry with the largest timestamp <= target in *out; false when every
 * entry is later (or there is none).
 */
bool log_time_index_lookup(const struct log_time_index *tx, int64_t target,
			   struct log_time_entry *out);

/* Drops the entries with rel_offset >= rel. */
void log_time_index_truncate(struct log_time_index *tx, int32_t rel);

/* Encoders of one file entry (8 or 12 bytes, big-endian). */
void log_index_encode(const struct log_index_entry *e, uint8_t out[LOG_INDEX_ENTRY_SIZE]);
void log_time_index_encode(const struct log_time_entry *e,
			   uint8_t out[LOG_TIMEINDEX_ENTRY_SIZE]);

/*
 * Decodes entry i of an index file's bytes (len bytes). Returns LOG_OK, or
 * LOG_EINVAL when the entry reaches past len.
 */
int log_index_decode(const uint8_t *p, size_t len, size_t i, struct log_index_entry *out);
int log_time_index_decode(const uint8_t *p, size_t len, size_t i, struct log_time_entry *out);

#endif
