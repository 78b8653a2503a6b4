/* hist_map — see hist_map.h. Linear probing over a power-of-two table. */
#include "harness/hist_map.h"

#include <stdlib.h>
#include <string.h>

void hist_map_init(struct hist_map *m)
{
	memset(m, 0, sizeof(*m));
}

void hist_map_free(struct hist_map *m)
{
	free(m->slots);
	hist_map_init(m);
}

/* The splitmix64 finaliser: a fixed bijection that spreads every key bit. */
static uint64_t mix(uint64_t a, uint64_t b)
{
	uint64_t z = a * 0x9e3779b97f4a7c15u ^ b;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static struct hist_map_slot *probe(const struct hist_map *m, uint64_t a, uint64_t b)
{
	size_t mask = m->cap - 1;
	for (size_t i = (size_t)mix(a, b) & mask;; i = (i + 1) & mask) {
		struct hist_map_slot *s = &m->slots[i];
		if (!s->used || (s->a == a && s->b == b))
			return s;
	}
}

static int grow(struct hist_map *m)
{
	size_t cap = m->cap ? 2 * m->cap : 64;
	struct hist_map_slot *old = m->slots;
	size_t old_cap = m->cap;
	struct hist_map_slot *slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -1;
	m->slots = slots;
	m->cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].used)
			*probe(m, old[i].a, old[i].b) = old[i];
	free(old);
	return 0;
}

uint64_t *hist_map_upsert(struct hist_map *m, uint64_t a, uint64_t b, uint64_t init, bool *fresh)
{
	if (m->cap) {
		struct hist_map_slot *s = probe(m, a, b);
		if (s->used) {
			*fresh = false;
			return &s->value;
		}
	}
	if (2 * (m->n + 1) > m->cap && grow(m))
		return NULL;
	struct hist_map_slot *s = probe(m, a, b);
	s->used = true;
	s->a = a;
	s->b = b;
	s->value = init;
	m->n++;
	*fresh = true;
	return &s->value;
}

uint64_t *hist_map_find(const struct hist_map *m, uint64_t a, uint64_t b)
{
	if (!m->cap)
		return NULL;
	struct hist_map_slot *s = probe(m, a, b);
	return s->used ? &s->value : NULL;
}
