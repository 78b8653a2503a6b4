/*
 * blocks — the world's allocator for node heaps and the simulator's own
 * short-lived buffers (frames in flight, disk writes in progress).
 *
 * Nodes and the network allocate and free a few hundred thousand small
 * blocks per simulated minute, and glibc's free lists overflow at that
 * rate; so freed blocks wait here by size class for reuse: 16-byte steps
 * up to 1 KiB, then powers of two up to 64 KiB. New blocks of those classes
 * are carved from 2 MiB slabs marked for transparent huge pages (faulting
 * a growing heap in 4 KiB pages cost a fifth of a busy cluster's run
 * time); larger blocks go straight to malloc. The cache is off under Valgrind and the sanitizers, which must
 * see every allocation and free to find leaks and uses after free;
 * KSIM_BLOCK_CACHE=1 turns it on anyway (to profile with callgrind what a
 * normal run executes), =0 off.
 *
 * Ownership: the world owns the cache and every block in it, and frees
 * them with itself. A block handed out belongs to its caller until it is
 * released.
 */
#ifndef KSIM_SIM_BLOCKS_H
#define KSIM_SIM_BLOCKS_H

#include <stdbool.h>
#include <stddef.h>

/* Header in front of every block: a node's heap is a list of them, so a
 * crash can free all of it. 32 bytes keep 16-byte alignment. */
struct env_block {
	struct env_block *prev;
	struct env_block *next;
	size_t size; /* bytes asked for */
	size_t pad;
};

#define SIM_BLOCK_SMALL_STEP 16
#define SIM_BLOCK_SMALL_MAX 1024
#define SIM_BLOCK_LARGE_MAX 65536
/* 64 small classes (1..64), then 2, 4, ... 64 KiB (65..70). */
#define SIM_BLOCK_CLASSES 71

struct sim_block_slab;

/* A class's free blocks, as a stack of pointers: popping reads this hot
 * array, not the cold block (an intrusive list's next pointer missed the
 * cache on most pops). */
struct sim_block_stack {
	struct env_block **items;
	size_t n, cap;
};

struct sim_block_cache {
	bool on;
	struct sim_block_stack free[SIM_BLOCK_CLASSES];
	struct sim_block_slab *slabs; /* every slab, newest first */
	unsigned char *bump;          /* the newest slab's unused part */
	size_t bump_left;
};

void sim_block_cache_init(struct sim_block_cache *c);
void sim_block_cache_destroy(struct sim_block_cache *c);

/* A block with room for `size` bytes after its header; b->size = size. */
struct env_block *sim_block_get(struct sim_block_cache *c, size_t size);
/* Takes a block back (from sim_block_get; unlinked by the caller). */
void sim_block_release(struct sim_block_cache *c, struct env_block *b);
/* Whether b's room holds `size` bytes without moving. */
bool sim_block_fits(const struct sim_block_cache *c, const struct env_block *b, size_t size);
/* Whether blocks of `size` bytes come from the cache. */
bool sim_block_cached(const struct sim_block_cache *c, size_t size);

/* The simulator's own buffers, through the same cache. */
void *sim_block_alloc(struct sim_block_cache *c, size_t size);
void sim_block_free(struct sim_block_cache *c, void *p);

#endif
