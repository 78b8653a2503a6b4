/*
 * hist_store — the history's arrays and intern tables (see hist_impl.h).
 * Strings hash with 64-bit FNV-1a, tps with the same over their two fields;
 * both are fixed functions, and ids are handed out in first-seen order, so
 * ids depend only on the history's contents.
 */
#include "harness/hist.h"
#include "harness/hist_impl.h"

#include <stdlib.h>
#include <string.h>

static const char *const f_names[HIST_F_COUNT] = {
    "send",
    "poll",
    "assign",
    "seek",
    "commit",
    "fault",
    "final-read",
    "replica-log",
    "leader-epoch",
    "controller-epoch",
    "producer-config",
    "zk-digests",
    "liveness",
    "consumer-config",
};

static const char *const type_names[] = {"invoke", "ok", "fail", "info"};

const char *hist_f_name(enum hist_f f)
{
	return f < HIST_F_COUNT ? f_names[f] : "?";
}

const char *hist_type_name(enum hist_type t)
{
	return t <= HIST_T_INFO ? type_names[t] : "?";
}

/* Grows *arr (elements of size sz) so that one more fits. */
static int reserve(void **arr, size_t *cap, size_t n, size_t sz)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? 2 * *cap : 64;
	void *p = realloc(*arr, ncap * sz);
	if (!p)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

struct hist *hist_new(void)
{
	struct hist *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	struct hist_store *st = h->store = calloc(1, sizeof(*st));
	/* Id 0 of strings and tps is the "absent" id, so both start at 1. */
	h->n_strs = 1;
	h->n_tps = 1;
	if (!st || reserve((void **)&h->tps, &st->cap_tps, 0, sizeof(*h->tps)) ||
	    !(st->str_off = calloc(64, sizeof(size_t))) ||
	    !(st->str_len = calloc(64, sizeof(size_t)))) {
		hist_free(h);
		return NULL;
	}
	st->cap_str_ids = 64;
	memset(&h->tps[0], 0, sizeof(h->tps[0]));
	return h;
}

void hist_free(struct hist *h)
{
	if (!h)
		return;
	struct hist_store *st = h->store;
	if (st) {
		free(st->strs);
		free(st->str_off);
		free(st->str_len);
		free(st->str_index);
		free(st->tp_index);
		free(st);
	}
	free(h->ops);
	free(h->items);
	free(h->hws);
	free(h->tps);
	free(h);
}

const char *hist_str(const struct hist *h, uint32_t id)
{
	if (id == 0 || id >= h->n_strs)
		return "";
	return h->store->strs + h->store->str_off[id];
}

static uint64_t fnv1a(const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t hash = 0xcbf29ce484222325u;
	for (size_t i = 0; i < len; i++)
		hash = (hash ^ b[i]) * 0x100000001b3u;
	return hash;
}

static uint64_t str_hash(const struct hist *h, uint32_t id)
{
	return fnv1a(h->store->strs + h->store->str_off[id], h->store->str_len[id]);
}

static uint64_t tp_hash_of(uint32_t topic, int32_t partition)
{
	uint32_t k[2] = {topic, (uint32_t)partition};
	return fnv1a(k, sizeof(k));
}

static uint64_t tp_hash(const struct hist *h, uint32_t id)
{
	return tp_hash_of(h->tps[id].topic, h->tps[id].partition);
}

/* Puts id into the first free slot of its probe sequence. */
static void index_put(uint32_t *slots, size_t cap, uint64_t hash, uint32_t id)
{
	size_t i = (size_t)hash & (cap - 1);
	while (slots[i])
		i = (i + 1) & (cap - 1);
	slots[i] = id;
}

/*
 * Makes room in an index table holding ids 1 .. n_ids - 1 for one more id
 * while keeping it at most half full: when it would not be, rebuilds it at
 * twice the size from the existing ids.
 */
static int index_fit(uint32_t **slots, size_t *cap, size_t n_ids, const struct hist *h,
                     uint64_t (*hash_of)(const struct hist *, uint32_t))
{
	if (2 * (n_ids + 1) <= *cap)
		return 0;
	size_t ncap = *cap ? 2 * *cap : 256;
	uint32_t *ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return -1;
	for (uint32_t id = 1; id < n_ids; id++)
		index_put(ns, ncap, hash_of(h, id), id);
	free(*slots);
	*slots = ns;
	*cap = ncap;
	return 0;
}

/* Appends len bytes and a NUL to the string bytes; returns their offset. */
static int add_bytes(struct hist_store *st, const char *s, size_t len, size_t *off)
{
	if (st->cap_str_bytes - st->n_str_bytes < len + 1) {
		size_t cap = st->cap_str_bytes ? st->cap_str_bytes : 4096;
		while (cap - st->n_str_bytes < len + 1)
			cap *= 2;
		char *p = realloc(st->strs, cap);
		if (!p)
			return -1;
		st->strs = p;
		st->cap_str_bytes = cap;
	}
	memcpy(st->strs + st->n_str_bytes, s, len);
	st->strs[st->n_str_bytes + len] = '\0';
	*off = st->n_str_bytes;
	st->n_str_bytes += len + 1;
	return 0;
}

/* Makes room for one more string id in str_off and str_len. */
static int reserve_str_id(struct hist_store *st, size_t n)
{
	if (n < st->cap_str_ids)
		return 0;
	size_t cap = 2 * st->cap_str_ids;
	size_t *off = realloc(st->str_off, cap * sizeof(size_t));
	if (!off)
		return -1;
	st->str_off = off;
	size_t *len = realloc(st->str_len, cap * sizeof(size_t));
	if (!len)
		return -1;
	st->str_len = len;
	st->cap_str_ids = cap;
	return 0;
}

int hist_intern_str(struct hist *h, const char *s, size_t len, uint32_t *id)
{
	struct hist_store *st = h->store;
	uint64_t hash = fnv1a(s, len);
	size_t mask = st->cap_str_index - 1, off;
	for (size_t i = (size_t)hash & mask; st->cap_str_index && st->str_index[i];
	     i = (i + 1) & mask) {
		uint32_t c = st->str_index[i];
		if (st->str_len[c] == len && memcmp(st->strs + st->str_off[c], s, len) == 0) {
			*id = c;
			return 0;
		}
	}
	/* Room first, so that a failure leaves the tables consistent. */
	if (h->n_strs >= UINT32_MAX - 1 || reserve_str_id(st, h->n_strs) ||
	    index_fit(&st->str_index, &st->cap_str_index, h->n_strs, h, str_hash) ||
	    add_bytes(st, s, len, &off))
		return -1;
	uint32_t nid = (uint32_t)h->n_strs++;
	st->str_off[nid] = off;
	st->str_len[nid] = len;
	index_put(st->str_index, st->cap_str_index, hash, nid);
	*id = nid;
	return 0;
}

int hist_intern_tp(struct hist *h, uint32_t topic, int32_t partition, uint32_t *id)
{
	struct hist_store *st = h->store;
	uint64_t hash = tp_hash_of(topic, partition);
	size_t mask = st->cap_tp_index - 1;
	for (size_t i = (size_t)hash & mask; st->cap_tp_index && st->tp_index[i];
	     i = (i + 1) & mask) {
		const struct hist_tp *t = &h->tps[st->tp_index[i]];
		if (t->topic == topic && t->partition == partition) {
			*id = st->tp_index[i];
			return 0;
		}
	}
	if (h->n_tps >= UINT32_MAX - 1 ||
	    reserve((void **)&h->tps, &st->cap_tps, h->n_tps, sizeof(*h->tps)) ||
	    index_fit(&st->tp_index, &st->cap_tp_index, h->n_tps, h, tp_hash))
		return -1;
	uint32_t nid = (uint32_t)h->n_tps++;
	h->tps[nid].topic = topic;
	h->tps[nid].partition = partition;
	index_put(st->tp_index, st->cap_tp_index, hash, nid);
	*id = nid;
	return 0;
}

int hist_push_op(struct hist *h, struct hist_op **out)
{
	if (reserve((void **)&h->ops, &h->store->cap_ops, h->n_ops, sizeof(*h->ops)))
		return -1;
	*out = &h->ops[h->n_ops++];
	memset(*out, 0, sizeof(**out));
	return 0;
}

int hist_push_item(struct hist *h, struct hist_item **out)
{
	if (reserve((void **)&h->items, &h->store->cap_items, h->n_items, sizeof(*h->items)))
		return -1;
	*out = &h->items[h->n_items++];
	memset(*out, 0, sizeof(**out));
	return 0;
}

int hist_push_hw(struct hist *h, struct hist_hw **out)
{
	if (reserve((void **)&h->hws, &h->store->cap_hws, h->n_hws, sizeof(*h->hws)))
		return -1;
	*out = &h->hws[h->n_hws++];
	memset(*out, 0, sizeof(**out));
	return 0;
}
