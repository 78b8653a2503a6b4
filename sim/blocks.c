#include "sim/blocks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <valgrind/valgrind.h>

#include "sim/util.h"

/* ASan and friends (gcc defines the first, clang answers the second). */
#if defined(__SANITIZE_ADDRESS__)
#define SIM_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define SIM_SANITIZED 1
#endif
#endif
#ifndef SIM_SANITIZED
#define SIM_SANITIZED 0
#endif

void sim_block_cache_init(struct sim_block_cache *c)
{
	memset(c, 0, sizeof *c);
	const char *force = getenv("KSIM_BLOCK_CACHE");
	if (force && (force[0] == '0' || force[0] == '1'))
		c->on = force[0] == '1';
	else
		c->on = !SIM_SANITIZED && !RUNNING_ON_VALGRIND;
}

/* A slab's first bytes link it to the next; blocks follow. */
struct sim_block_slab {
	struct sim_block_slab *next;
	size_t pad;
};

#define SLAB_BYTES ((size_t)2 << 20)

void sim_block_cache_destroy(struct sim_block_cache *c)
{
	/* Cached blocks all live in slabs. */
	while (c->slabs) {
		struct sim_block_slab *next = c->slabs->next;
		munmap(c->slabs, SLAB_BYTES);
		c->slabs = next;
	}
	for (size_t i = 0; i < SIM_BLOCK_CLASSES; i++)
		free(c->free[i].items);
	memset(c->free, 0, sizeof c->free);
	c->bump = NULL;
	c->bump_left = 0;
}

/* Room for a new cached block of `bytes` (header included). */
static struct env_block *carve(struct sim_block_cache *c, size_t bytes)
{
	if (c->bump_left < bytes) {
		/* The rest of the old slab is too small for this class; the
		 * classes are few, so little is left unused. */
		struct sim_block_slab *s = mmap(NULL, SLAB_BYTES, PROT_READ | PROT_WRITE,
						MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (s == MAP_FAILED) {
			fprintf(stderr, "ksim: out of memory (a %zu-byte slab)\n", SLAB_BYTES);
			abort();
		}
		madvise(s, SLAB_BYTES, MADV_HUGEPAGE); /* a hint: else small pages */
		s->next = c->slabs;
		c->slabs = s;
		c->bump = (unsigned char *)(s + 1);
		c->bump_left = SLAB_BYTES - sizeof *s;
	}
	struct env_block *b = (struct env_block *)c->bump;
	c->bump += bytes;
	c->bump_left -= bytes;
	return b;
}

/* A size's class, or 0 when blocks of that size are not cached. */
static size_t size_class(const struct sim_block_cache *c, size_t size)
{
	if (!c->on || size > SIM_BLOCK_LARGE_MAX)
		return 0;
	if (size <= SIM_BLOCK_SMALL_MAX)
		return size ? (size + SIM_BLOCK_SMALL_STEP - 1) / SIM_BLOCK_SMALL_STEP : 1;
	size_t cls = SIM_BLOCK_SMALL_MAX / SIM_BLOCK_SMALL_STEP + 1;
	for (size_t room = 2 * SIM_BLOCK_SMALL_MAX; room < size; room *= 2)
		cls++;
	return cls;
}

/* The room every block of a class has: the class's largest size. */
static size_t class_room(size_t cls)
{
	size_t small = SIM_BLOCK_SMALL_MAX / SIM_BLOCK_SMALL_STEP;
	return cls <= small ? cls * SIM_BLOCK_SMALL_STEP : (size_t)SIM_BLOCK_SMALL_MAX << (cls - small);
}

bool sim_block_cached(const struct sim_block_cache *c, size_t size)
{
	return size_class(c, size) != 0;
}

bool sim_block_fits(const struct sim_block_cache *c, const struct env_block *b, size_t size)
{
	size_t cls = size_class(c, b->size);
	return cls && cls == size_class(c, size);
}

struct env_block *sim_block_get(struct sim_block_cache *c, size_t size)
{
	size_t cls = size_class(c, size);
	struct env_block *b = NULL;
	if (cls && c->free[cls].n)
		b = c->free[cls].items[--c->free[cls].n];
	else if (cls)
		b = carve(c, sizeof *b + class_room(cls));
	else
		b = sim_xmalloc(sizeof *b + size);
	b->size = size;
	return b;
}

void sim_block_release(struct sim_block_cache *c, struct env_block *b)
{
	size_t cls = size_class(c, b->size);
	if (!cls) {
		free(b);
		return;
	}
	struct sim_block_stack *st = &c->free[cls];
	if (st->n == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 256;
		st->items = sim_xrealloc(st->items, st->cap * sizeof *st->items);
	}
	st->items[st->n++] = b;
}

void *sim_block_alloc(struct sim_block_cache *c, size_t size)
{
	return sim_block_get(c, size) + 1;
}

void sim_block_free(struct sim_block_cache *c, void *p)
{
	if (p)
		sim_block_release(c, (struct env_block *)p - 1);
}
