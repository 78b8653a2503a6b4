/*
 * The world's block cache (sim/blocks.c): size classes, reuse, slabs, the
 * switch that turns it off for Valgrind and the sanitizers, and node heaps
 * built on it (env_alloc / env_realloc / env_free, a crash freeing all).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/blocks.h"
#include "sim/env.h"
#include "sim/world.h"

static struct sim_block_cache cache_on(void)
{
	struct sim_block_cache c;
	sim_block_cache_init(&c);
	c.on = true;
	return c;
}

static void test_blocks_reuse_within_a_class(void **state)
{
	struct sim_block_cache c = cache_on();
	struct env_block *a = sim_block_get(&c, 100);
	assert_int_equal(a->size, 100);
	sim_block_release(&c, a);
	/* 97..112 bytes share a class: the freed block comes back. */
	struct env_block *b = sim_block_get(&c, 97);
	assert_ptr_equal(a, b);
	assert_int_equal(b->size, 97);
	/* 113 is the next class: another block. */
	struct env_block *d = sim_block_get(&c, 113);
	assert_ptr_not_equal(d, b);
	sim_block_release(&c, b);
	sim_block_release(&c, d);
	/* Large classes go by powers of two: 3000 and 4096 share one. */
	struct env_block *e = sim_block_get(&c, 3000);
	sim_block_release(&c, e);
	assert_ptr_equal(sim_block_get(&c, 4096), e);
	sim_block_release(&c, e);
	sim_block_cache_destroy(&c);
}

static void test_blocks_classes_and_room(void **state)
{
	struct sim_block_cache c = cache_on();
	const size_t sizes[] = {0, 1, 15, 16, 17, 1023, 1024, 1025, 2048, 2049, 65535, 65536};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		assert_true(sim_block_cached(&c, sizes[i]));
		struct env_block *b = sim_block_get(&c, sizes[i]);
		/* The whole asked-for room is writable and 16-byte aligned. */
		assert_int_equal((uintptr_t)(b + 1) % 16, 0);
		memset(b + 1, 0xa5, sizes[i]);
		sim_block_release(&c, b);
	}
	assert_false(sim_block_cached(&c, 65537));
	struct env_block b = {.size = 100};
	assert_true(sim_block_fits(&c, &b, 112));
	assert_false(sim_block_fits(&c, &b, 113));
	b.size = 1025;
	assert_true(sim_block_fits(&c, &b, 2048));
	assert_false(sim_block_fits(&c, &b, 2049));
	assert_false(sim_block_fits(&c, &b, 1024));
	sim_block_cache_destroy(&c);
}

/* More blocks than one 2 MiB slab holds: all distinct, all usable. */
static void test_blocks_span_slabs(void **state)
{
	struct sim_block_cache c = cache_on();
	enum { N = 3000 };
	struct env_block **bs = calloc(N, sizeof *bs);
	assert_non_null(bs);
	for (int i = 0; i < N; i++) {
		bs[i] = sim_block_get(&c, 1000);
		memset(bs[i] + 1, i & 0xff, 1000);
	}
	for (int i = 0; i < N; i++) {
		const unsigned char *p = (const unsigned char *)(bs[i] + 1);
		assert_int_equal(p[0], i & 0xff);
		assert_int_equal(p[999], i & 0xff);
	}
	assert_non_null(c.slabs);
	for (int i = 0; i < N; i++)
		sim_block_release(&c, bs[i]);
	free(bs);
	sim_block_cache_destroy(&c);
	assert_null(c.slabs);
}

static void test_blocks_off_means_malloc(void **state)
{
	struct sim_block_cache c;
	sim_block_cache_init(&c);
	c.on = false;
	assert_false(sim_block_cached(&c, 16));
	struct env_block *b = sim_block_get(&c, 16);
	struct env_block r = {.size = 16};
	assert_false(sim_block_fits(&c, &r, 16));
	sim_block_release(&c, b); /* free(): Valgrind checks it */
	void *p = sim_block_alloc(&c, 40);
	memset(p, 1, 40);
	sim_block_free(&c, p);
	sim_block_free(&c, NULL);
	assert_null(c.slabs);
	sim_block_cache_destroy(&c);
}

/* ---- Node heaps on the cache ------------------------------------------------ */

struct hnode {
	struct env *env;
};

static void *hnode_start(struct env *env, const void *config)
{
	struct hnode *n = env_calloc(env, 1, sizeof *n);
	n->env = env;
	return n;
}

static const struct sim_node_class hnode_class = {"heap", hnode_start};

static void check_prefix(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(p[i], (unsigned char)(i * 7));
}

/* Run with the cache forced on and off: the same contract either way. */
static void heap_contract(const char *cache)
{
	setenv("KSIM_BLOCK_CACHE", cache, 1);
	struct sim_world_config wc;
	sim_world_config_default(&wc, 1);
	struct sim_world *w = sim_world_new(&wc);
	unsetenv("KSIM_BLOCK_CACHE");
	uint32_t id = sim_node_add(w, "h-1", &hnode_class, NULL);
	sim_node_start(w, id);
	struct hnode *n = sim_node_state(w, id);
	unsigned char *p = env_alloc(n->env, 10);
	for (size_t i = 0; i < 10; i++)
		p[i] = (unsigned char)(i * 7);
	/* Grow through a small class, a large class, past the cache, and
	 * back down: the bytes that fit survive every move. */
	const size_t sizes[] = {12, 20, 900, 5000, 100000, 64, 8};
	size_t have = 10;
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		p = env_realloc(n->env, p, sizes[k]);
		size_t keep = have < sizes[k] ? have : sizes[k];
		check_prefix(p, keep);
		for (size_t i = keep; i < sizes[k]; i++)
			p[i] = (unsigned char)(i * 7);
		have = sizes[k];
	}
	assert_int_equal(sim_node_live_allocs(w, id), 2);
	void *q = env_calloc(n->env, 3, 50);
	assert_int_equal(((unsigned char *)q)[149], 0);
	assert_int_equal(sim_node_live_allocs(w, id), 3);
	/* A crash gives everything back (Valgrind: nothing leaks). */
	assert_true(sim_node_kill(w, id));
	assert_int_equal(sim_node_live_allocs(w, id), 0);
	assert_true(sim_node_restart(w, id));
	n = sim_node_state(w, id);
	void *r = env_alloc(n->env, 100);
	memset(r, 3, 100);
	sim_world_free(w);
}

static void test_node_heap_with_cache(void **state)
{
	heap_contract("1");
}

static void test_node_heap_without_cache(void **state)
{
	heap_contract("0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocks_reuse_within_a_class),
		cmocka_unit_test(test_blocks_classes_and_room),
		cmocka_unit_test(test_blocks_span_slabs),
		cmocka_unit_test(test_blocks_off_means_malloc),
		cmocka_unit_test(test_node_heap_with_cache),
		cmocka_unit_test(test_node_heap_without_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
