/*
 * Determinism: a randomized multi-node workload (pings over connections,
 * timers, file appends and fsyncs) under random kills, power losses, pauses,
 * partitions, resets, delays and clock steps gives the same trace hash for
 * the same seed and a different one for another seed.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "broker/demo/ping.h"
#include "sim/disk.h"
#include "sim/net.h"
#include "sim/rng.h"
#include "sim/util.h"
#include "sim/world.h"

#define NODES 4

static const struct sim_node_class ping_class = {"ping", ping_start};
static const char *const names[NODES] = {"n-1", "n-2", "n-3", "n-4"};

struct chaos {
	struct sim_world *w;
	struct sim_rng *rng;
	uint32_t ids[NODES];
	int64_t end_ns;
	int faults;
};

struct undo {
	struct chaos *c;
	int action;
	uint32_t node;
};

static void undo_fire(struct sim_world *w, void *arg)
{
	struct undo *u = arg;
	switch (u->action) {
	case 0:
		sim_node_restart(w, u->node);
		break;
	case 1:
		sim_node_resume(w, u->node);
		break;
	case 2:
		sim_net_heal(sim_world_net(w));
		sim_net_clear_delays(sim_world_net(w));
		break;
	}
	free(u);
}

static void schedule_undo(struct chaos *c, int action, uint32_t node, int64_t after)
{
	struct undo *u = malloc(sizeof *u);
	*u = (struct undo){c, action, node};
	sim_world_at(c->w, after, undo_fire, u);
}

/* Picks one fault from the world's stream and schedules the next. */
static void chaos_fire(struct sim_world *w, void *arg)
{
	struct chaos *c = arg;
	struct sim_rng *r = c->rng;
	uint32_t node = c->ids[sim_rng_below(r, NODES)];
	int64_t undo_after = sim_rng_range(r, 100 * SIM_NS_PER_MS, 3 * SIM_NS_PER_S);
	c->faults++;
	switch (sim_rng_below(r, 8)) {
	case 0:
		if (sim_node_kill(w, node))
			schedule_undo(c, 0, node, undo_after);
		break;
	case 1:
		if (sim_node_power_loss(w, node))
			schedule_undo(c, 0, node, undo_after);
		break;
	case 2:
		if (sim_node_pause(w, node))
			schedule_undo(c, 1, node, undo_after);
		break;
	case 3:
		sim_net_isolate(sim_world_net(w), node);
		schedule_undo(c, 2, 0, undo_after);
		break;
	case 4:
		sim_net_block(sim_world_net(w), node, c->ids[sim_rng_below(r, NODES)]);
		schedule_undo(c, 2, 0, undo_after);
		break;
	case 5:
		sim_net_reset_node(sim_world_net(w), node);
		break;
	case 6:
		sim_net_set_delay(sim_world_net(w), node, 0, 50 * SIM_NS_PER_MS);
		schedule_undo(c, 2, 0, undo_after);
		break;
	case 7:
		sim_clock_step(sim_node_clock(w, node),
			       sim_rng_range(r, -2 * SIM_NS_PER_S, 2 * SIM_NS_PER_S));
		break;
	}
	int64_t next = sim_rng_range(r, 200 * SIM_NS_PER_MS, 700 * SIM_NS_PER_MS);
	if (sim_now(w) + next < c->end_ns)
		sim_world_at(w, next, chaos_fire, c);
}

static uint64_t run_chaos(uint64_t seed, int64_t duration_ns, int *faults)
{
	struct sim_world_config wc;
	sim_world_config_default(&wc, seed);
	wc.disk.dirty_expire_ns = 2 * SIM_NS_PER_S; /* writeback takes part too */
	struct ping_config cfg[NODES];
	struct chaos c = {.w = sim_world_new(&wc), .end_ns = duration_ns};
	c.rng = sim_world_rng(c.w);
	for (int i = 0; i < NODES; i++) {
		cfg[i] = (struct ping_config){
			.port = 9000, .interval_ns = 50 * SIM_NS_PER_MS,
			.jitter_ns = 10 * SIM_NS_PER_MS, .timeout_ns = 700 * SIM_NS_PER_MS,
			.payload_bytes = 100 + 300 * (uint32_t)i, .fsync_every = 7,
		};
		for (int k = 0; k < NODES; k++)
			if (k != i)
				cfg[i].peers[cfg[i].n_peers++] = names[k];
		c.ids[i] = sim_node_add(c.w, names[i], &ping_class, &cfg[i]);
		sim_node_start(c.w, c.ids[i]);
	}
	sim_world_at(c.w, SIM_NS_PER_S, chaos_fire, &c);
	sim_run_until(c.w, duration_ns + 5 * SIM_NS_PER_S);
	/* Everything must still be alive and talking after the last undo. */
	uint64_t pongs = 0;
	for (int i = 0; i < NODES; i++) {
		struct ping_node *n = sim_node_state(c.w, c.ids[i]);
		if (n)
			pongs += ping_stats(n)->pongs_received;
	}
	assert_true(pongs > 0);
	uint64_t hash = sim_trace_hash(c.w);
	*faults = c.faults;
	/* Every undo (at most 3 s after the last fault) has fired by now. */
	sim_world_free(c.w);
	return hash;
}

static bool under_valgrind(void)
{
	return getenv("KSIM_UNDER_VALGRIND") != NULL;
}

static void test_same_seed_same_hash(void **state)
{
	int seeds = under_valgrind() ? 2 : 10;
	int64_t duration = (under_valgrind() ? 10 : 30) * SIM_NS_PER_S;
	for (int s = 1; s <= seeds; s++) {
		int f1, f2;
		uint64_t a = run_chaos((uint64_t)s, duration, &f1);
		uint64_t b = run_chaos((uint64_t)s, duration, &f2);
		assert_true(f1 > 5);
		assert_int_equal(f1, f2);
		assert_true(a == b);
	}
}

static void test_different_seed_different_hash(void **state)
{
	int seeds = under_valgrind() ? 3 : 20;
	uint64_t hashes[20];
	int faults;
	for (int s = 0; s < seeds; s++) {
		hashes[s] = run_chaos((uint64_t)s + 100, 5 * SIM_NS_PER_S, &faults);
		for (int k = 0; k < s; k++)
			assert_true(hashes[k] != hashes[s]);
	}
}

/* Prints the hash of a fixed run so the scenario suite can compare a native
 * run with one under Valgrind (tests/scenario/determinism.sh), after checking
 * that the run had faults and repeats itself within this process. */
static void test_print_reference_hash(void **state)
{
	int faults, again;
	uint64_t h = run_chaos(4242, 10 * SIM_NS_PER_S, &faults);
	assert_true(faults > 5);
	assert_true(run_chaos(4242, 10 * SIM_NS_PER_S, &again) == h);
	assert_int_equal(again, faults);
	printf("reference-hash %016" PRIx64 "\n", h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_seed_same_hash),
		cmocka_unit_test(test_different_seed_different_hash),
		cmocka_unit_test(test_print_reference_hash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
