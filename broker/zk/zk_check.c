#include "broker/zk/zk_check.h"

#include <stdio.h>
#include <string.h>

static void violation(struct zk_check *c, const char *what, int64_t a, int64_t b)
{
	if (!c->violations++)
		snprintf(c->first, sizeof c->first, "%s (%llx, %llx)", what, (long long)a,
			 (long long)b);
}

static void *grow(struct zk_check *c, void *p, size_t n, size_t size)
{
	return c->alloc.realloc(c->alloc.ctx, p, n * size);
}

/* Index of zxid in the global sequence, or -1. */
static long find(const struct zk_check *c, int64_t z)
{
	long lo = 0, hi = (long)c->n - 1;
	while (lo <= hi) {
		long mid = (lo + hi) / 2;
		if (c->zxid[mid] == z)
			return mid;
		if (c->zxid[mid] < z)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

static void push(struct zk_check *c, int64_t zxid, uint64_t hash)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		int64_t *z = grow(c, c->zxid, cap, sizeof *c->zxid);
		if (z)
			c->zxid = z;
		uint64_t *h = z ? grow(c, c->hash, cap, sizeof *c->hash) : NULL;
		if (!h) {
			violation(c, "checker out of memory", zxid, 0);
			return;
		}
		c->hash = h;
		c->cap = cap;
	}
	c->zxid[c->n] = zxid;
	c->hash[c->n++] = hash;
}

static void on_apply(void *ctx, int32_t server, int64_t prev, int64_t zxid, uint64_t hash)
{
	struct zk_check *c = ctx;
	uint8_t sv = (uint8_t)server;
	if (c->pos[sv] != prev)
		violation(c, "apply does not follow the server's position", c->pos[sv], prev);
	long i = find(c, zxid);
	if (i >= 0) {
		if (c->hash[i] != hash)
			violation(c, "two txns for one zxid", zxid, server);
		long pi = prev ? find(c, prev) : -1;
		if (pi != i - 1)
			violation(c, "committed history is not a prefix", prev, zxid);
	} else {
		int64_t last = c->n ? c->zxid[c->n - 1] : 0;
		if (prev != last || zxid <= last)
			violation(c, "committed history forks", prev, zxid);
		else
			push(c, zxid, hash);
	}
	c->pos[sv] = zxid;
}

static void on_reset(void *ctx, int32_t server, int64_t zxid)
{
	struct zk_check *c = ctx;
	if (zxid && find(c, zxid) < 0)
		violation(c, "snapshot at an uncommitted zxid", zxid, server);
	c->pos[(uint8_t)server] = zxid;
}

static void on_established(void *ctx, int32_t server, int64_t epoch)
{
	struct zk_check *c = ctx;
	size_t at = 0;
	while (at < c->nepochs && c->epochs[at] < epoch)
		at++;
	if (at < c->nepochs && c->epochs[at] == epoch) {
		violation(c, "two leaders for one epoch", epoch, server);
		return;
	}
	if (c->nepochs == c->epochs_cap) {
		size_t cap = c->epochs_cap ? c->epochs_cap * 2 : 64;
		int64_t *e = grow(c, c->epochs, cap, sizeof *c->epochs);
		if (e)
			c->epochs = e;
		int32_t *l = e ? grow(c, c->leaders, cap, sizeof *c->leaders) : NULL;
		if (!l) {
			violation(c, "checker out of memory", epoch, server);
			return;
		}
		c->leaders = l;
		c->epochs_cap = cap;
	}
	memmove(c->epochs + at + 1, c->epochs + at, (c->nepochs - at) * sizeof *c->epochs);
	memmove(c->leaders + at + 1, c->leaders + at, (c->nepochs - at) * sizeof *c->leaders);
	c->epochs[at] = epoch;
	c->leaders[at] = server;
	c->nepochs++;
}

void zk_check_init(struct zk_check *c, const struct zk_alloc *alloc)
{
	memset(c, 0, sizeof *c);
	c->alloc = *alloc;
	c->observer = (struct zk_server_observer){c, on_apply, on_reset, on_established};
}

void zk_check_free(struct zk_check *c)
{
	c->alloc.realloc(c->alloc.ctx, c->zxid, 0);
	c->alloc.realloc(c->alloc.ctx, c->hash, 0);
	c->alloc.realloc(c->alloc.ctx, c->epochs, 0);
	c->alloc.realloc(c->alloc.ctx, c->leaders, 0);
	memset(c, 0, sizeof *c);
}

const struct zk_server_observer *zk_check_observer(struct zk_check *c)
{
	return &c->observer;
}

uint64_t zk_check_violations(const struct zk_check *c)
{
	return c->violations;
}

const char *zk_check_first_violation(const struct zk_check *c)
{
	return c->first;
}

size_t zk_check_committed_count(const struct zk_check *c)
{
	return c->n;
}

int64_t zk_check_committed_zxid(const struct zk_check *c, size_t i)
{
	return i < c->n ? c->zxid[i] : 0;
}

size_t zk_check_epoch_count(const struct zk_check *c)
{
	return c->nepochs;
}
