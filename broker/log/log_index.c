#include "broker/log/log_index.h"

#include "broker/codec/wire.h"

/* Grows an array of `size`-byte items to hold one more; *cap doubles. */
static void *grow(struct log_alloc a, void *p, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 16;
	return a.realloc(a.ctx, p, *cap * size);
}

void log_index_init(struct log_index *ix, size_t max_entries)
{
	*ix = (struct log_index){.max_entries = max_entries ? max_entries : 1};
}

void log_time_index_init(struct log_time_index *tx, size_t max_entries)
{
	*tx = (struct log_time_index){.max_entries = max_entries ? max_entries : 1};
}

void log_index_free(struct log_index *ix, struct log_alloc a)
{
	if (ix->e)
		a.realloc(a.ctx, ix->e, 0);
	ix->e = NULL;
	ix->n = ix->cap = 0;
}

void log_time_index_free(struct log_time_index *tx, struct log_alloc a)
{
	if (tx->e)
		a.realloc(a.ctx, tx->e, 0);
	tx->e = NULL;
	tx->n = tx->cap = 0;
}

int log_index_append(struct log_index *ix, struct log_alloc a, int32_t rel_offset,
		     int32_t position)
{
	if (log_index_full(ix) || rel_offset < 0 || position < 0)
		return LOG_EINVAL;
	if (ix->n && (rel_offset <= ix->e[ix->n - 1].rel_offset ||
		      position <= ix->e[ix->n - 1].position))
		return LOG_EINVAL;
	ix->e = grow(a, ix->e, ix->n, &ix->cap, sizeof *ix->e);
	ix->e[ix->n++] = (struct log_index_entry){rel_offset, position};
	return LOG_OK;
}

/* Index of the first entry with rel_offset > target (upper bound). */
static size_t index_upper(const struct log_index *ix, int32_t target)
{
	size_t lo = 0, hi = ix->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ix->e[mid].rel_offset <= target)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool log_index_lookup(const struct log_index *ix, int32_t target, struct log_index_entry *out)
{
	size_t i = index_upper(ix, target);
	if (i == 0) {
		*out = (struct log_index_entry){0, 0};
		return false;
	}
	*out = ix->e[i - 1];
	return true;
}

void log_index_truncate(struct log_index *ix, int32_t rel)
{
	while (ix->n && ix->e[ix->n - 1].rel_offset >= rel)
		ix->n--;
}

bool log_time_index_maybe_append(struct log_time_index *tx, struct log_alloc a,
				 int64_t timestamp, int32_t rel_offset)
{
	if (log_time_index_full(tx) || rel_offset < 0)
		return false;
	if (tx->n && (timestamp <= tx->e[tx->n - 1].timestamp ||
		      rel_offset <= tx->e[tx->n - 1].rel_offset))
		return false;
	tx->e = grow(a, tx->e, tx->n, &tx->cap, sizeof *tx->e);
	tx->e[tx->n++] = (struct log_time_entry){timestamp, rel_offset};
	return true;
}

bool log_time_index_lookup(const struct log_time_index *tx, int64_t target,
			   struct log_time_entry *out)
{
	size_t lo = 0, hi = tx->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (tx->e[mid].timestamp <= target)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return false;
	*out = tx->e[lo - 1];
	return true;
}

void log_time_index_truncate(struct log_time_index *tx, int32_t rel)
{
	while (tx->n && tx->e[tx->n - 1].rel_offset >= rel)
		tx->n--;
}

void log_index_encode(const struct log_index_entry *e, uint8_t out[LOG_INDEX_ENTRY_SIZE])
{
	struct wire_writer w;
	wire_writer_init(&w, out, LOG_INDEX_ENTRY_SIZE);
	wire_put_i32(&w, e->rel_offset);
	wire_put_i32(&w, e->position);
}

void log_time_index_encode(const struct log_time_entry *e,
			   uint8_t out[LOG_TIMEINDEX_ENTRY_SIZE])
{
	struct wire_writer w;
	wire_writer_init(&w, out, LOG_TIMEINDEX_ENTRY_SIZE);
	wire_put_i64(&w, e->timestamp);
	wire_put_i32(&w, e->rel_offset);
}

int log_index_decode(const uint8_t *p, size_t len, size_t i, struct log_index_entry *out)
{
	if (i >= len / LOG_INDEX_ENTRY_SIZE)
		return LOG_EINVAL;
	struct wire_reader r;
	wire_reader_init(&r, p + i * LOG_INDEX_ENTRY_SIZE, LOG_INDEX_ENTRY_SIZE);
	out->rel_offset = wire_get_i32(&r);
	out->position = wire_get_i32(&r);
	return LOG_OK;
}

int log_time_index_decode(const uint8_t *p, size_t len, size_t i, struct log_time_entry *out)
{
	if (i >= len / LOG_TIMEINDEX_ENTRY_SIZE)
		return LOG_EINVAL;
	struct wire_reader r;
	wire_reader_init(&r, p + i * LOG_TIMEINDEX_ENTRY_SIZE, LOG_TIMEINDEX_ENTRY_SIZE);
	out->timestamp = wire_get_i64(&r);
	out->rel_offset = wire_get_i32(&r);
	return LOG_OK;
}
