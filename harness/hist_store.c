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
	"send",		"poll",		    "assign",	 "seek",	  "commit",
	"fault",	"final-read",	    "replica-log", "leader-epoch", "controller-epoch",
	"producer-config", "zk-digests", "liveness",
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
	/* Id 0 of strings and tps is the "absent" id, so both start at 1. */
	h->n_strs = 1;
	h->n_tps = 1;
	if (reserve((void **)&h->tps, &h->cap_tps, 0, sizeof(*h->tps)) ||
	    reserve((void **)&h->str_off, &h->cap_str_ids, 0, sizeof(size_t))) {
		hist_free(h);
		return NULL;
	}
	h->str_len = calloc(h->cap_str_ids, sizeof(size_t));
	if (!h->str_len) {
		hist_free(h);
		return NULL;
	}
	memset(&h->tps[0], 0, sizeof(h->tps[0]));
	h->str_off[0] = 0;
	h->str_len[0] = 0;
	return h;
}

void hist_free(struct hist *h)
{
	if (!h)
		return;
	free(h->ops);
	free(h->items);
	free(h->hws);
	free(h->tps);
	free(h->strs);
	free(h->str_off);
	free(h->str_len);
	free(h->str_index);
	free(h->tp_index.slots);
	free(h);
}

const char *hist_str(const struct hist *h, uint32_t id)
{
	if (id == 0 || id >= h->n_strs)
		return "";
	return h->strs + h->str_off[id];
}

static uint64_t fnv1a(uint64_t hash, const void *p, size_t len)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < len; i++)
		hash = (hash ^ b[i]) * 0x100000001b3u;
	return hash;
}

#define FNV_BASIS 0xcbf29ce484222325u

static uint64_t str_hash(const struct hist *h, uint32_t id)
{
	return fnv1a(FNV_BASIS, h->strs + h->str_off[id], h->str_len[id]);
}

/* Rebuilds an index table of ids at twice the size; hash_of gives a slot. */
static int rehash(uint32_t **slots, size_t *cap, size_t n_ids, const struct hist *h,
		  uint64_t (*hash_of)(const struct hist *, uint32_t))
{
	size_t ncap = *cap ? 2 * *cap : 256;
	uint32_t *ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return -1;
	for (uint32_t id = 1; id < n_ids; id++) {
		size_t i = (size_t)hash_of(h, id) & (ncap - 1);
		while (ns[i])
			i = (i + 1) & (ncap - 1);
		ns[i] = id;
	}
	free(*slots);
	*slots = ns;
	*cap = ncap;
	return 0;
}

static int add_string_bytes(struct hist *h, const char *s, size_t len)
{
	if (h->cap_str_bytes - h->n_str_bytes < len + 1) {
		size_t cap = h->cap_str_bytes ? h->cap_str_bytes : 4096;
		while (cap - h->n_str_bytes < len + 1)
			cap *= 2;
		char *p = realloc(h->strs, cap);
		if (!p)
			return -1;
		h->strs = p;
		h->cap_str_bytes = cap;
	}
	memcpy(h->strs + h->n_str_bytes, s, len);
	h->strs[h->n_str_bytes + len] = '\0';
	return 0;
}

int hist_intern_str(struct hist *h, const char *s, size_t len, uint32_t *id)
{
	uint64_t hash = fnv1a(FNV_BASIS, s, len);
	if (h->cap_str_index) {
		size_t mask = h->cap_str_index - 1;
		for (size_t i = (size_t)hash & mask; h->str_index[i]; i = (i + 1) & mask) {
			uint32_t c = h->str_index[i];
			if (h->str_len[c] == len && memcmp(h->strs + h->str_off[c], s, len) == 0) {
				*id = c;
				return 0;
			}
		}
	}
	if (h->n_strs >= UINT32_MAX - 1 || add_string_bytes(h, s, len))
		return -1;
	if (h->n_strs == h->cap_str_ids) {
		size_t cap = h->cap_str_ids;
		if (reserve((void **)&h->str_off, &cap, h->n_strs, sizeof(size_t)))
			return -1;
		size_t *l = realloc(h->str_len, cap * sizeof(size_t));
		if (!l)
			return -1;
		h->str_len = l;
		h->cap_str_ids = cap;
	}
	uint32_t nid = (uint32_t)h->n_strs;
	h->str_off[nid] = h->n_str_bytes;
	h->str_len[nid] = len;
	h->n_str_bytes += len + 1;
	h->n_strs++;
	if (2 * h->n_strs > h->cap_str_index) {
		if (rehash(&h->str_index, &h->cap_str_index, h->n_strs, h, str_hash)) {
			h->n_strs--; /* keep the index consistent with the ids */
			h->n_str_bytes -= len + 1;
			return -1;
		}
	} else {
		size_t mask = h->cap_str_index - 1, i = (size_t)hash & mask;
		while (h->str_index[i])
			i = (i + 1) & mask;
		h->str_index[i] = nid;
	}
	*id = nid;
	return 0;
}

static uint64_t tp_hash_of(uint32_t topic, int32_t partition)
{
	uint32_t k[2] = {topic, (uint32_t)partition};
	return fnv1a(FNV_BASIS, k, sizeof(k));
}

static uint64_t tp_hash(const struct hist *h, uint32_t id)
{
	return tp_hash_of(h->tps[id].topic, h->tps[id].partition);
}

int hist_intern_tp(struct hist *h, uint32_t topic, int32_t partition, uint32_t *id)
{
	struct hist_tp_index *ix = &h->tp_index;
	if (ix->cap) {
		size_t mask = ix->cap - 1;
		size_t i = (size_t)tp_hash_of(topic, partition) & mask;
		for (; ix->slots[i]; i = (i + 1) & mask) {
			const struct hist_tp *t = &h->tps[ix->slots[i]];
			if (t->topic == topic && t->partition == partition) {
				*id = ix->slots[i];
				return 0;
			}
		}
	}
	if (h->n_tps >= UINT32_MAX - 1 ||
	    reserve((void **)&h->tps, &h->cap_tps, h->n_tps, sizeof(*h->tps)))
		return -1;
	uint32_t nid = (uint32_t)h->n_tps++;
	h->tps[nid].topic = topic;
	h->tps[nid].partition = partition;
	/* Rebuilding on every growth keeps insertion simple; tps are few. */
	if (2 * h->n_tps > ix->cap) {
		if (rehash(&ix->slots, &ix->cap, h->n_tps, h, tp_hash)) {
			h->n_tps--;
			return -1;
		}
	} else {
		size_t mask = ix->cap - 1, i = (size_t)tp_hash(h, nid) & mask;
		while (ix->slots[i])
			i = (i + 1) & mask;
		ix->slots[i] = nid;
	}
	*id = nid;
	return 0;
}

int hist_push_op(struct hist *h, struct hist_op **out)
{
	if (reserve((void **)&h->ops, &h->cap_ops, h->n_ops, sizeof(*h->ops)))
		return -1;
	*out = &h->ops[h->n_ops++];
	memset(*out, 0, sizeof(**out));
	return 0;
}

int hist_push_item(struct hist *h, struct hist_item **out)
{
	if (reserve((void **)&h->items, &h->cap_items, h->n_items, sizeof(*h->items)))
		return -1;
	*out = &h->items[h->n_items++];
	memset(*out, 0, sizeof(**out));
	return 0;
}

int hist_push_hw(struct hist *h, struct hist_hw **out)
{
	if (reserve((void **)&h->hws, &h->cap_hws, h->n_hws, sizeof(*h->hws)))
		return -1;
	*out = &h->hws[h->n_hws++];
	memset(*out, 0, sizeof(**out));
	return 0;
}
