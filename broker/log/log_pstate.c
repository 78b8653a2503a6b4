#include "broker/log/log_pstate.h"

#include <string.h>

void log_pstate_init(struct log_pstate *ps, struct log_alloc a)
{
	*ps = (struct log_pstate){.alloc = a};
}

void log_pstate_free(struct log_pstate *ps)
{
	if (ps->e)
		ps->alloc.realloc(ps->alloc.ctx, ps->e, 0);
	ps->e = NULL;
	ps->n = ps->cap = 0;
}

void log_pstate_clear(struct log_pstate *ps)
{
	ps->n = 0;
}

/* First index whose producer id is >= pid. */
static size_t lower(const struct log_pstate *ps, int64_t pid)
{
	size_t lo = 0, hi = ps->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ps->e[mid].producer_id < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct log_pstate_entry *log_pstate_find(const struct log_pstate *ps,
					       int64_t producer_id)
{
	size_t i = lower(ps, producer_id);
	return i < ps->n && ps->e[i].producer_id == producer_id ? &ps->e[i] : NULL;
}

int32_t log_pstate_last_seq(int32_t base_seq, int32_t last_offset_delta)
{
	if (base_seq > INT32_MAX - last_offset_delta)
		return base_seq - (INT32_MAX - last_offset_delta) - 1;
	return base_seq + last_offset_delta;
}

static bool in_sequence(int32_t last, int32_t next)
{
	return (int64_t)next == (int64_t)last + 1 || (next == 0 && last == INT32_MAX);
}

int log_pstate_check(const struct log_pstate *ps, int64_t producer_id, int16_t epoch,
		     int32_t first_seq, int32_t last_seq, struct log_pstate_batch *dup)
{
	const struct log_pstate_entry *e = log_pstate_find(ps, producer_id);
	if (!e || e->epoch == LOG_PSTATE_NO_EPOCH)
		return LOG_OK;
	if (epoch < e->epoch)
		return LOG_EFENCED;
	if (epoch > e->epoch)
		return first_seq == 0 ? LOG_OK : LOG_EOUT_OF_ORDER;
	for (int i = 0; i < e->n; i++) {
		if (e->b[i].first_seq == first_seq && e->b[i].last_seq == last_seq) {
			*dup = e->b[i];
			return LOG_DUPLICATE;
		}
	}
	if (e->n == 0)
		return LOG_OK; /* only a marker seen in this epoch */
	return in_sequence(e->b[e->n - 1].last_seq, first_seq) ? LOG_OK : LOG_EOUT_OF_ORDER;
}

static struct log_pstate_entry *get_or_add(struct log_pstate *ps, int64_t pid)
{
	size_t i = lower(ps, pid);
	if (i < ps->n && ps->e[i].producer_id == pid)
		return &ps->e[i];
	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 8;
		ps->e = ps->alloc.realloc(ps->alloc.ctx, ps->e, ps->cap * sizeof *ps->e);
	}
	memmove(&ps->e[i + 1], &ps->e[i], (ps->n - i) * sizeof *ps->e);
	ps->n++;
	ps->e[i] = (struct log_pstate_entry){.producer_id = pid, .epoch = LOG_PSTATE_NO_EPOCH};
	return &ps->e[i];
}

void log_pstate_update(struct log_pstate *ps, int64_t producer_id, int16_t epoch,
		       bool has_seq, const struct log_pstate_batch *b)
{
	struct log_pstate_entry *e = get_or_add(ps, producer_id);
	if (epoch != e->epoch) {
		e->epoch = epoch;
		e->n = 0;
	}
	if (!has_seq)
		return;
	if (e->n == LOG_PSTATE_BATCHES) {
		memmove(&e->b[0], &e->b[1], (LOG_PSTATE_BATCHES - 1) * sizeof e->b[0]);
		e->n--;
	}
	e->b[e->n++] = *b;
}

void log_pstate_apply_header(struct log_pstate *ps, const struct rb_batch_header *h)
{
	if (h->producer_id < 0)
		return;
	bool has_seq = !rb_is_control(h) && h->base_sequence >= 0;
	struct log_pstate_batch b = {
		.first_seq = h->base_sequence,
		.last_seq = log_pstate_last_seq(h->base_sequence, h->last_offset_delta),
		.first_offset = h->base_offset,
		.last_offset = rb_last_offset(h),
	};
	log_pstate_update(ps, h->producer_id, h->producer_epoch, has_seq, &b);
}
