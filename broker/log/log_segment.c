#include "broker/log/log_segment.h"

#include <stdio.h>
#include <string.h>

void log_segment_path(char *buf, size_t cap, const char *dir, int64_t base,
		      const char *suffix)
{
	snprintf(buf, cap, "%s/%020lld%s", dir, (long long)base, suffix);
}

bool log_segment_parse_name(const char *name, const char *suffix, int64_t *base)
{
	size_t sl = strlen(suffix);
	if (strlen(name) != LOG_SEGMENT_NAME_DIGITS + sl ||
	    strcmp(name + LOG_SEGMENT_NAME_DIGITS, suffix) != 0)
		return false;
	uint64_t v = 0;
	for (int i = 0; i < LOG_SEGMENT_NAME_DIGITS; i++) {
		if (name[i] < '0' || name[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(name[i] - '0');
		if (v > (uint64_t)INT64_MAX)
			return false;
	}
	*base = (int64_t)v;
	return true;
}

static int open_one(struct env *env, const char *dir, int64_t base, const char *suffix,
		    struct env_file **out)
{
	char path[512];
	log_segment_path(path, sizeof path, dir, base, suffix);
	return env_file_open(env, path, ENV_O_CREATE, out) ? LOG_EIO : LOG_OK;
}

static void reset_meta(struct log_segment *seg)
{
	seg->ix.n = 0;
	seg->tx.n = 0;
	seg->next_offset = seg->base_offset;
	seg->size = seg->end = 0;
	seg->max_timestamp = -1;
	seg->offset_of_max_ts = seg->base_offset;
	seg->first_timestamp = -1;
	seg->bytes_since_index = 0;
}

int log_segment_open(struct env *env, const char *dir, int64_t base, int64_t index_max_bytes,
		     struct log_segment **out)
{
	struct log_segment *seg = env_calloc(env, 1, sizeof *seg);
	seg->base_offset = base;
	reset_meta(seg);
	log_index_init(&seg->ix, (size_t)(index_max_bytes / LOG_INDEX_ENTRY_SIZE));
	log_time_index_init(&seg->tx, (size_t)(index_max_bytes / LOG_TIMEINDEX_ENTRY_SIZE));
	if (open_one(env, dir, base, ".log", &seg->log) ||
	    open_one(env, dir, base, ".index", &seg->index) ||
	    open_one(env, dir, base, ".timeindex", &seg->timeindex)) {
		log_segment_close(env, seg);
		return LOG_EIO;
	}
	seg->index_bytes = env_file_size(seg->index);
	seg->timeindex_bytes = env_file_size(seg->timeindex);
	*out = seg;
	return LOG_OK;
}

void log_segment_close(struct env *env, struct log_segment *seg)
{
	if (seg->log)
		env_file_close(seg->log);
	if (seg->index)
		env_file_close(seg->index);
	if (seg->timeindex)
		env_file_close(seg->timeindex);
	struct log_alloc a = log_alloc_env(env);
	log_index_free(&seg->ix, a);
	log_time_index_free(&seg->tx, a);
	env_free(env, seg);
}

void log_segment_unlink(struct log_io *io, const char *dir, int64_t base)
{
	static const char *const suffixes[] = {".log", ".index", ".timeindex"};
	char path[512];
	for (int i = 0; i < 3; i++) {
		log_segment_path(path, sizeof path, dir, base, suffixes[i]);
		log_io_unlink(io, path);
	}
}

static void write_time_entry(struct log_segment *seg, struct log_io *io)
{
	uint8_t buf[LOG_TIMEINDEX_ENTRY_SIZE];
	log_time_index_encode(&seg->tx.e[seg->tx.n - 1], buf);
	if (io)
		log_io_write(io, seg->timeindex, seg->timeindex_bytes, buf, sizeof buf, true);
	seg->timeindex_bytes += LOG_TIMEINDEX_ENTRY_SIZE;
}

int log_segment_note_batch(struct log_segment *seg, struct log_alloc a,
			   const struct rb_batch_header *h, int64_t pos,
			   int64_t index_interval, struct log_io *io)
{
	int64_t last = rb_last_offset(h);
	/* This log never compacts: batches are dense, so a batch that does not
	 * start where the previous one ended is corrupt (baseOffset lies
	 * outside the CRC). */
	if (h->base_offset != seg->next_offset || last - seg->base_offset > INT32_MAX ||
	    pos > INT32_MAX)
		return LOG_EINVAL;
	if (h->max_timestamp > seg->max_timestamp) {
		seg->max_timestamp = h->max_timestamp;
		seg->offset_of_max_ts = last;
	}
	if (seg->first_timestamp < 0)
		seg->first_timestamp = h->max_timestamp;
	/* As Kafka's LogSegment.append: the entry is added before the batch's
	 * own bytes count, once more than index.interval.bytes went by. */
	if (seg->bytes_since_index > index_interval) {
		int32_t rel = (int32_t)(last - seg->base_offset);
		if (log_index_append(&seg->ix, a, rel, (int32_t)pos) == LOG_OK) {
			uint8_t buf[LOG_INDEX_ENTRY_SIZE];
			log_index_encode(&seg->ix.e[seg->ix.n - 1], buf);
			if (io)
				log_io_write(io, seg->index, seg->index_bytes, buf, sizeof buf,
					     true);
			seg->index_bytes += LOG_INDEX_ENTRY_SIZE;
		}
		int32_t rel_max = (int32_t)(seg->offset_of_max_ts - seg->base_offset);
		if (log_time_index_maybe_append(&seg->tx, a, seg->max_timestamp, rel_max))
			write_time_entry(seg, io);
		seg->bytes_since_index = 0;
	}
	seg->bytes_since_index += RB_LOG_OVERHEAD + (int64_t)h->batch_length;
	seg->next_offset = last + 1;
	return LOG_OK;
}

void log_segment_seal(struct log_segment *seg, struct log_alloc a, struct log_io *io)
{
	if (seg->max_timestamp >= 0 &&
	    log_time_index_maybe_append(&seg->tx, a, seg->max_timestamp,
					(int32_t)(seg->offset_of_max_ts - seg->base_offset)))
		write_time_entry(seg, io);
}

void log_segment_hint(struct log_segment *seg, int64_t base, int64_t pos)
{
	for (unsigned i = 0; i < LOG_SEGMENT_HINTS; i++)
		if (seg->hint_pos[i] == pos && seg->hint_offset[i] == base)
			return;
	unsigned i = seg->hint_next++ % LOG_SEGMENT_HINTS;
	seg->hint_offset[i] = base;
	seg->hint_pos[i] = pos;
}

/* The best place to start scanning for `offset`: the nearest hint at or
 * before it, past the index entry, whose batch is still there (its base
 * offset read back; a hint that fails that is dropped). */
static int64_t scan_start(struct log_segment *seg, int64_t offset, int64_t from_index)
{
	for (;;) {
		int best = -1;
		for (unsigned i = 0; i < LOG_SEGMENT_HINTS; i++) {
			int64_t ho = seg->hint_offset[i], hp = seg->hint_pos[i];
			if (ho > offset || hp <= from_index || hp >= seg->size)
				continue;
			if (best < 0 || ho > seg->hint_offset[best])
				best = (int)i;
		}
		if (best < 0)
			return from_index;
		uint8_t base[8];
		if (env_file_read(seg->log, seg->hint_pos[best], base, sizeof base) ==
			    (int64_t)sizeof base &&
		    (int64_t)wire_load_be64(base) == seg->hint_offset[best])
			return seg->hint_pos[best];
		seg->hint_pos[best] = -1;
	}
}

int log_segment_find(struct log_segment *seg, int64_t offset, int64_t *pos,
		     struct rb_batch_header *h)
{
	struct log_index_entry e;
	int64_t rel = offset - seg->base_offset;
	log_index_lookup(&seg->ix, rel > INT32_MAX ? INT32_MAX : (int32_t)rel, &e);
	int64_t p = scan_start(seg, offset, e.position);
	uint8_t hdr[RB_HEADER_SIZE];
	while (p < seg->size) {
		if (env_file_read(seg->log, p, hdr, sizeof hdr) != (int64_t)sizeof hdr ||
		    rb_read_header(hdr, sizeof hdr, h) != RB_OK)
			return LOG_ECORRUPT;
		if (rb_last_offset(h) >= offset) {
			*pos = p;
			return LOG_OK;
		}
		p += RB_LOG_OVERHEAD + (int64_t)h->batch_length;
	}
	return LOG_EOUT_OF_RANGE;
}

/* Reads and checks the batch at pos; fills *h. Returns an rb_error. */
static int walk_one(struct env *env, struct log_segment *seg, int64_t pos, int64_t limit,
		    int64_t validate_from, uint8_t **buf, size_t *cap,
		    struct rb_batch_header *h)
{
	uint8_t hdr[RB_HEADER_SIZE];
	int64_t got = env_file_read(seg->log, pos, hdr, sizeof hdr);
	if (got < 0)
		return RB_EINCOMPLETE;
	if (pos + got > limit)
		got = limit - pos;
	int rc = rb_read_header(hdr, (size_t)got, h);
	if (rc)
		return rc;
	int64_t size = RB_LOG_OVERHEAD + (int64_t)h->batch_length;
	if (pos + size > limit)
		return RB_EINCOMPLETE;
	if (h->base_offset < validate_from)
		return RB_OK;
	if ((size_t)size > *cap) {
		*cap = (size_t)size;
		*buf = env_realloc(env, *buf, *cap);
	}
	if (env_file_read(seg->log, pos, *buf, (size_t)size) != size)
		return RB_EINCOMPLETE;
	struct rb_batch b;
	return rb_validate_batch(*buf, (size_t)size, 0, &b);
}

void log_segment_walk(struct env *env, struct log_segment *seg, struct log_alloc a,
		      int64_t index_interval, int64_t limit, int64_t validate_from,
		      struct log_pstate *ps, struct log_epoch_cache *ec,
		      struct log_segment_walk *out)
{
	reset_meta(seg);
	int64_t file_size = env_file_size(seg->log);
	if (limit < 0 || limit > file_size)
		limit = file_size;
	*out = (struct log_segment_walk){.file_size = file_size};
	uint8_t *buf = NULL;
	size_t cap = 0;
	int64_t pos = 0;
	while (pos < limit) {
		struct rb_batch_header h;
		int rc = walk_one(env, seg, pos, limit, validate_from, &buf, &cap, &h);
		if (rc == RB_OK && log_segment_note_batch(seg, a, &h, pos, index_interval, NULL))
			rc = RB_ECOUNT; /* offsets going backwards or out of the segment */
		if (rc) {
			out->err = rc;
			break;
		}
		if (ps)
			log_pstate_apply_header(ps, &h);
		if (ec && h.partition_leader_epoch >= 0 &&
		    h.partition_leader_epoch > log_epoch_latest(ec))
			log_epoch_assign(ec, h.partition_leader_epoch, h.base_offset);
		pos += RB_LOG_OVERHEAD + (int64_t)h.batch_length;
		out->batches++;
	}
	env_free(env, buf);
	out->valid_bytes = pos;
	seg->size = seg->end = pos;
}

/* Makes one index file hold exactly want (n bytes) when it does not. */
static void sync_file(struct env *env, struct env_file *f, const uint8_t *want, size_t n,
		      struct log_io *io)
{
	int64_t size = env_file_size(f);
	bool same = size == (int64_t)n;
	if (same && n) {
		uint8_t *have = env_alloc(env, n);
		same = env_file_read(f, 0, have, n) == (int64_t)n && memcmp(have, want, n) == 0;
		env_free(env, have);
	}
	if (same)
		return;
	log_io_truncate(io, f, 0);
	if (n)
		log_io_write(io, f, 0, want, n, true);
}

void log_segment_sync_index_files(struct env *env, struct log_segment *seg,
				  struct log_io *io)
{
	size_t n = seg->ix.n * LOG_INDEX_ENTRY_SIZE;
	uint8_t *buf = env_alloc(env, n ? n : 1);
	for (size_t i = 0; i < seg->ix.n; i++)
		log_index_encode(&seg->ix.e[i], buf + i * LOG_INDEX_ENTRY_SIZE);
	sync_file(env, seg->index, buf, n, io);
	env_free(env, buf);
	seg->index_bytes = (int64_t)n;
	n = seg->tx.n * LOG_TIMEINDEX_ENTRY_SIZE;
	buf = env_alloc(env, n ? n : 1);
	for (size_t i = 0; i < seg->tx.n; i++)
		log_time_index_encode(&seg->tx.e[i], buf + i * LOG_TIMEINDEX_ENTRY_SIZE);
	sync_file(env, seg->timeindex, buf, n, io);
	env_free(env, buf);
	seg->timeindex_bytes = (int64_t)n;
}
