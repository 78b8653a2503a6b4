#include "broker/log/log_epoch.h"

#include <stdio.h>

void log_epoch_init(struct log_epoch_cache *c, struct log_alloc a)
{
	*c = (struct log_epoch_cache){.alloc = a};
}

void log_epoch_free(struct log_epoch_cache *c)
{
	if (c->e)
		c->alloc.realloc(c->alloc.ctx, c->e, 0);
	c->e = NULL;
	c->n = c->cap = 0;
}

static void push(struct log_epoch_cache *c, int32_t epoch, int64_t start)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 8;
		c->e = c->alloc.realloc(c->alloc.ctx, c->e, c->cap * sizeof *c->e);
	}
	c->e[c->n++] = (struct log_epoch_entry){epoch, start};
}

bool log_epoch_assign(struct log_epoch_cache *c, int32_t epoch, int64_t start_offset)
{
	if (epoch < 0 || start_offset < 0)
		return false;
	if (c->n && c->e[c->n - 1].epoch == epoch && c->e[c->n - 1].start_offset <= start_offset)
		return false;
	/* Entries are sorted by both keys, so the conflicting ones form a
	 * suffix: drop it. */
	while (c->n && (c->e[c->n - 1].epoch >= epoch ||
			c->e[c->n - 1].start_offset >= start_offset))
		c->n--;
	push(c, epoch, start_offset);
	return true;
}

int32_t log_epoch_latest(const struct log_epoch_cache *c)
{
	return c->n ? c->e[c->n - 1].epoch : LOG_EPOCH_UNDEFINED;
}

void log_epoch_end_offset(const struct log_epoch_cache *c, int32_t epoch, int64_t leo,
			  int32_t *out_epoch, int64_t *out_offset)
{
	*out_epoch = LOG_EPOCH_UNDEFINED;
	*out_offset = -1;
	if (epoch == LOG_EPOCH_UNDEFINED || c->n == 0)
		return;
	if (epoch == log_epoch_latest(c)) {
		*out_epoch = epoch;
		*out_offset = leo;
		return;
	}
	size_t higher = 0;
	while (higher < c->n && c->e[higher].epoch <= epoch)
		higher++;
	if (higher == c->n)
		return; /* above every known epoch */
	*out_epoch = higher ? c->e[higher - 1].epoch : epoch;
	*out_offset = c->e[higher].start_offset;
}

bool log_epoch_truncate_from_end(struct log_epoch_cache *c, int64_t end_offset)
{
	size_t before = c->n;
	while (c->n && c->e[c->n - 1].start_offset >= end_offset)
		c->n--;
	return c->n != before;
}

bool log_epoch_truncate_from_start(struct log_epoch_cache *c, int64_t start_offset)
{
	size_t drop = 0;
	while (drop < c->n && c->e[drop].start_offset < start_offset)
		drop++;
	if (drop == 0)
		return false;
	/* The last entry before start_offset still covers it: keep it, moved. */
	struct log_epoch_entry last = c->e[drop - 1];
	last.start_offset = start_offset;
	size_t keep = c->n - drop;
	for (size_t i = 0; i < keep; i++)
		c->e[1 + i] = c->e[drop + i];
	c->e[0] = last;
	c->n = keep + 1;
	/* Kafka keeps an entry that now shares its start with the next one; a
	 * lookup still answers right (the next epoch starts where it ends). */
	return true;
}

void log_epoch_encode(const struct log_epoch_cache *c, struct wire_writer *w)
{
	char line[48];
	int k = snprintf(line, sizeof line, "%d\n%zu\n", LOG_CKPT_VERSION, c->n);
	wire_put_bytes(w, line, (size_t)k);
	for (size_t i = 0; i < c->n; i++) {
		k = snprintf(line, sizeof line, "%d %lld\n", (int)c->e[i].epoch,
			     (long long)c->e[i].start_offset);
		wire_put_bytes(w, line, (size_t)k);
	}
}

static int epoch_line(void *arg, const char **f, const size_t *len, int line,
		      struct log_ckpt_error *err)
{
	struct log_epoch_cache *c = arg;
	int64_t epoch, off;
	if (log_ckpt_parse_int(f[0], len[0], 0, INT32_MAX, &epoch) ||
	    log_ckpt_parse_int(f[1], len[1], 0, INT64_MAX, &off)) {
		snprintf(err->msg, sizeof err->msg, "epoch or offset is not a valid integer");
		return LOG_EFORMAT;
	}
	if (c->n && (epoch <= c->e[c->n - 1].epoch || off < c->e[c->n - 1].start_offset)) {
		snprintf(err->msg, sizeof err->msg, "entries are not in increasing order");
		return LOG_EFORMAT;
	}
	push(c, (int32_t)epoch, off);
	return LOG_OK;
}

int log_epoch_parse(struct log_epoch_cache *c, const char *buf, size_t len,
		    struct log_ckpt_error *err)
{
	size_t count;
	c->n = 0;
	int rc = log_ckpt_parse_lines(buf, len, 2, epoch_line, c, &count, err);
	if (rc)
		c->n = 0;
	return rc;
}
