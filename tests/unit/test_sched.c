/*
 * Scheduler, timers, run-until semantics, node lifecycle and the node heap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sim/env.h"
#include "sim/rng.h"
#include "sim/sched.h"
#include "sim/util.h"
#include "sim/world.h"

/* ---- The bare scheduler ---------------------------------------------------- */

static void test_sched_orders_by_time_then_insertion(void **state)
{
	struct sim_sched s;
	sim_sched_init(&s);
	const int64_t times[] = {30, 10, 20, 10, 30, 10, 0};
	struct sim_event *evs[7];
	for (int i = 0; i < 7; i++) {
		evs[i] = sim_event_alloc(&s);
		evs[i]->arg = i;
		sim_sched_push(&s, evs[i], times[i]);
	}
	/* Ties at 10 and 30 fire in the order they were pushed. */
	const int want[] = {6, 1, 3, 5, 2, 0, 4};
	for (int i = 0; i < 7; i++) {
		struct sim_event *ev = sim_sched_pop(&s);
		assert_non_null(ev);
		assert_int_equal(ev->arg, want[i]);
		assert_int_equal(s.now, times[want[i]]);
		sim_event_free(&s, ev);
	}
	assert_null(sim_sched_pop(&s));
	sim_sched_destroy(&s);
}

static void test_sched_remove_keeps_heap_order(void **state)
{
	struct sim_sched s;
	sim_sched_init(&s);
	struct sim_rng rng;
	sim_rng_seed(&rng, 42);
	enum { N = 500 };
	struct sim_event *evs[N];
	for (int i = 0; i < N; i++) {
		evs[i] = sim_event_alloc(&s);
		evs[i]->arg = i;
		sim_sched_push(&s, evs[i], (int64_t)sim_rng_below(&rng, 50));
	}
	/* Remove every third event, then check the rest pop in (time, seq) order. */
	for (int i = 0; i < N; i += 3) {
		sim_sched_remove(&s, evs[i]);
		sim_event_free(&s, evs[i]);
	}
	int64_t last_time = -1;
	uint64_t last_seq = 0;
	int popped = 0;
	struct sim_event *ev;
	while ((ev = sim_sched_pop(&s))) {
		assert_true(ev->arg % 3 != 0);
		assert_true(ev->time > last_time || (ev->time == last_time && ev->seq > last_seq));
		last_time = ev->time;
		last_seq = ev->seq;
		popped++;
		sim_event_free(&s, ev);
	}
	assert_int_equal(popped, N - (N + 2) / 3);
	sim_sched_destroy(&s);
}

/* Events scheduled for the current instant skip the heap (a FIFO); the pop
 * order must stay exactly the heap's. A model: random pushes (a third of
 * them at `now`), pops and removals, each pop checked to be the live event
 * with the least (time, seq). */
static void test_sched_due_now_queue_keeps_order(void **state)
{
	struct sim_sched s;
	sim_sched_init(&s);
	struct sim_rng rng;
	sim_rng_seed(&rng, 7);
	enum { N = 3000 };
	struct sim_event *live[N];
	size_t n_live = 0;
	int pushed_now = 0, removed_now = 0;
	for (int step = 0; step < 20000; step++) {
		uint64_t roll = sim_rng_below(&rng, 10);
		if (roll < 5 && n_live < N) {
			struct sim_event *ev = sim_event_alloc(&s);
			int64_t delay = sim_rng_below(&rng, 3) == 0 ? 0 : (int64_t)sim_rng_below(&rng, 20);
			pushed_now += delay == 0;
			sim_sched_push(&s, ev, s.now + delay);
			live[n_live++] = ev;
		} else if (roll < 7 && n_live) {
			size_t i = (size_t)sim_rng_below(&rng, n_live);
			struct sim_event *ev = live[i];
			removed_now += ev->heap_idx == SIM_EVENT_DUE_NOW;
			sim_sched_remove(&s, ev);
			assert_false(sim_event_scheduled(ev));
			sim_event_free(&s, ev);
			live[i] = live[--n_live];
		} else if (n_live) {
			size_t best = 0;
			for (size_t i = 1; i < n_live; i++)
				if (live[i]->time < live[best]->time ||
				    (live[i]->time == live[best]->time && live[i]->seq < live[best]->seq))
					best = i;
			assert_int_equal(sim_sched_peek_time(&s), live[best]->time);
			struct sim_event *ev = sim_sched_pop(&s);
			assert_ptr_equal(ev, live[best]);
			assert_int_equal(s.now, ev->time);
			sim_event_free(&s, ev);
			live[best] = live[--n_live];
		}
		assert_int_equal(sim_sched_len(&s), n_live);
	}
	/* Both paths were exercised, removals from the FIFO included. */
	assert_true(pushed_now > 1000);
	assert_true(removed_now > 100);
	sim_sched_destroy(&s); /* frees what is still scheduled, in both queues */
}

/* ---- A test node that records timer firings --------------------------------- */

#define MAX_FIRES 64

struct tnode {
	struct env *env;
	struct env_timer timers[8];
	int fired[MAX_FIRES]; /* timer index, in firing order */
	int64_t fired_at[MAX_FIRES];
	int n_fired;
	bool in_call; /* set around env calls, to catch synchronous callbacks */
};

static void tnode_timer_cb(struct env_timer *t)
{
	struct tnode *n = t->data;
	assert_false(n->in_call);
	assert_true(n->n_fired < MAX_FIRES);
	n->fired[n->n_fired] = (int)(t - n->timers);
	n->fired_at[n->n_fired++] = env_now_ns(n->env);
}

static void *tnode_start(struct env *env, const void *config)
{
	struct tnode *n = env_calloc(env, 1, sizeof *n);
	n->env = env;
	for (int i = 0; i < 8; i++)
		n->timers[i].data = n;
	return n;
}

static const struct sim_node_class tnode_class = {"test", tnode_start};

static struct sim_world *world_new(uint64_t seed)
{
	struct sim_world_config c;
	sim_world_config_default(&c, seed);
	return sim_world_new(&c);
}

static void arm(struct tnode *n, int i, int64_t delay)
{
	n->in_call = true;
	env_timer_start(n->env, &n->timers[i], delay, tnode_timer_cb);
	n->in_call = false;
}

static void test_timers_fire_in_order_and_cancel(void **state)
{
	struct sim_world *w = world_new(1);
	uint32_t id = sim_node_add(w, "t-1", &tnode_class, NULL);
	assert_true(sim_node_start(w, id));
	struct tnode *n = sim_node_state(w, id);

	arm(n, 0, 300);
	arm(n, 1, 100);
	arm(n, 2, 100); /* same deadline as timer 1: fires after it */
	arm(n, 3, 0);   /* zero delay still fires later, never inside the call */
	arm(n, 4, 200);
	assert_int_equal(n->n_fired, 0);
	env_timer_stop(n->env, &n->timers[4]);
	assert_false(env_timer_active(&n->timers[4]));
	arm(n, 0, 250); /* re-arming replaces the earlier deadline */
	assert_true(env_timer_active(&n->timers[0]));

	sim_run_until(w, 1000);
	const int want[] = {3, 1, 2, 0};
	const int64_t want_at[] = {0, 100, 100, 250};
	assert_int_equal(n->n_fired, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(n->fired[i], want[i]);
		assert_int_equal(n->fired_at[i], want_at[i]);
	}
	assert_false(env_timer_active(&n->timers[0]));
	sim_world_free(w);
}

static void test_run_until_semantics(void **state)
{
	struct sim_world *w = world_new(1);
	uint32_t id = sim_node_add(w, "t-1", &tnode_class, NULL);
	sim_node_start(w, id);
	struct tnode *n = sim_node_state(w, id);
	arm(n, 0, 500);
	arm(n, 1, 501);

	sim_run_until(w, 499);
	assert_int_equal(n->n_fired, 0);
	assert_int_equal(sim_now(w), 499);
	sim_run_until(w, 500); /* an event exactly at the limit fires */
	assert_int_equal(n->n_fired, 1);
	assert_int_equal(sim_now(w), 500);
	sim_run_for(w, 10);
	assert_int_equal(n->n_fired, 2);
	assert_int_equal(sim_now(w), 510);

	assert_true(sim_run_until_idle(w, INT64_MAX));
	assert_false(sim_step(w));
	sim_world_free(w);
}

static void test_step_fires_one_event(void **state)
{
	struct sim_world *w = world_new(1);
	uint32_t id = sim_node_add(w, "t-1", &tnode_class, NULL);
	sim_node_start(w, id);
	struct tnode *n = sim_node_state(w, id);
	arm(n, 0, 10);
	arm(n, 1, 10);
	assert_true(sim_step(w));
	assert_int_equal(n->n_fired, 1);
	assert_true(sim_step(w));
	assert_int_equal(n->n_fired, 2);
	assert_false(sim_step(w));
	sim_world_free(w);
}

static void test_pause_defers_timers_and_time_jumps(void **state)
{
	struct sim_world *w = world_new(1);
	uint32_t id = sim_node_add(w, "t-1", &tnode_class, NULL);
	sim_node_start(w, id);
	struct tnode *n = sim_node_state(w, id);
	arm(n, 0, 100);
	arm(n, 1, 200);
	arm(n, 2, 300);
	sim_run_until(w, 50);
	assert_true(sim_node_pause(w, id));
	sim_run_until(w, 1000);
	assert_int_equal(n->n_fired, 0); /* nothing runs while paused */
	/* A parked timer can still be cancelled. */
	env_timer_stop(n->env, &n->timers[1]);
	assert_true(sim_node_resume(w, id));
	sim_run_until(w, 1000);
	assert_int_equal(n->n_fired, 2);
	assert_int_equal(n->fired[0], 0);
	assert_int_equal(n->fired[1], 2);
	assert_int_equal(n->fired_at[0], 1000); /* the node sees time jump */
	assert_int_equal(n->fired_at[1], 1000);
	sim_world_free(w);
}

static void test_kill_drops_timers_and_frees_heap(void **state)
{
	struct sim_world *w = world_new(1);
	uint32_t id = sim_node_add(w, "t-1", &tnode_class, NULL);
	sim_node_start(w, id);
	struct tnode *n = sim_node_state(w, id);
	for (int i = 0; i < 5; i++)
		env_alloc(n->env, 100 + (size_t)i); /* "leaked" by the node */
	arm(n, 0, 100);
	assert_int_equal(sim_node_live_allocs(w, id), 6);
	assert_true(sim_node_kill(w, id));
	assert_int_equal(sim_node_status(w, id), SIM_NODE_KILLED);
	assert_null(sim_node_state(w, id));
	assert_int_equal(sim_node_live_allocs(w, id), 0);
	/* The dead incarnation's timer is discarded, not fired (Valgrind would
	 * catch a write into the freed node). */
	sim_run_until(w, 1000);
	assert_false(sim_node_kill(w, id));
	assert_true(sim_node_restart(w, id));
	assert_int_equal(sim_node_incarnation(w, id), 2);
	struct tnode *n2 = sim_node_state(w, id);
	assert_int_equal(n2->n_fired, 0);
	sim_world_free(w); /* frees the live incarnation's heap too */
}

static void test_heap_realloc_and_free(void **state)
{
	struct sim_world *w = world_new(1);
	uint32_t id = sim_node_add(w, "t-1", &tnode_class, NULL);
	sim_node_start(w, id);
	struct tnode *n = sim_node_state(w, id);
	char *a = env_strdup(n->env, "hello");
	char *b = env_alloc(n->env, 8);
	a = env_realloc(n->env, a, 1 << 16);
	assert_string_equal(a, "hello");
	assert_int_equal(sim_node_live_allocs(w, id), 3);
	env_free(n->env, b);
	env_free(n->env, a);
	env_free(n->env, NULL);
	assert_int_equal(sim_node_live_allocs(w, id), 1); /* the node's own state */
	sim_world_free(w);
}

static void test_lifecycle_transitions(void **state)
{
	struct sim_world *w = world_new(1);
	uint32_t id = sim_node_add(w, "t-1", &tnode_class, NULL);
	assert_int_equal(sim_node_find(w, "t-1"), id);
	assert_int_equal(sim_node_find(w, "nope"), 0);
	assert_string_equal(sim_node_role(w, id), "test");
	assert_false(sim_node_pause(w, id)); /* not running */
	assert_true(sim_node_start(w, id));
	assert_false(sim_node_start(w, id));
	assert_true(sim_node_pause(w, id));
	assert_false(sim_node_pause(w, id));
	assert_true(sim_node_power_loss(w, id)); /* power fails on a paused machine */
	assert_int_equal(sim_node_status(w, id), SIM_NODE_POWERED_OFF);
	assert_false(sim_node_resume(w, id));
	assert_true(sim_node_start(w, id));
	assert_true(sim_node_kill(w, id));
	assert_true(sim_node_power_loss(w, id)); /* a killed node's machine can lose power */
	assert_true(sim_node_restart(w, id));
	assert_int_equal(sim_node_status(w, id), SIM_NODE_UP);
	assert_int_equal(sim_node_incarnation(w, id), 3);
	sim_world_free(w);
}

static void test_rng_streams(void **state)
{
	struct sim_rng a, b, c;
	sim_rng_derive(&a, 7, "broker-1", 1);
	sim_rng_derive(&b, 7, "broker-1", 1);
	sim_rng_derive(&c, 7, "broker-2", 1);
	int same_ab = 0, same_ac = 0;
	for (int i = 0; i < 1000; i++) {
		uint64_t x = sim_rng_next(&a), y = sim_rng_next(&b), z = sim_rng_next(&c);
		same_ab += x == y;
		same_ac += x == z;
	}
	assert_int_equal(same_ab, 1000);
	assert_int_equal(same_ac, 0);
	/* Ranges are inclusive and cover both ends. */
	int seen[5] = {0};
	for (int i = 0; i < 2000; i++) {
		int64_t v = sim_rng_range(&a, -2, 2);
		assert_true(v >= -2 && v <= 2);
		seen[v + 2]++;
	}
	for (int i = 0; i < 5; i++)
		assert_true(seen[i] > 300);
}

static void test_wall_clock_offset_drift_step(void **state)
{
	struct sim_world *w = world_new(1);
	uint32_t id = sim_node_add(w, "t-1", &tnode_class, NULL);
	sim_node_start(w, id);
	struct tnode *n = sim_node_state(w, id);
	int64_t epoch = env_wall_ns(n->env);
	sim_run_until(w, 10 * SIM_NS_PER_S);
	assert_true(env_wall_ns(n->env) == epoch + 10 * SIM_NS_PER_S);
	struct sim_clock *clk = sim_node_clock(w, id);
	sim_clock_set_drift(clk, sim_now(w), 1000); /* 1000 ppm fast */
	sim_run_until(w, 20 * SIM_NS_PER_S);
	assert_true(env_wall_ns(n->env) == epoch + 20 * SIM_NS_PER_S + 10 * SIM_NS_PER_MS);
	sim_clock_step(clk, -5 * SIM_NS_PER_S);
	assert_true(env_wall_ns(n->env) == epoch + 15 * SIM_NS_PER_S + 10 * SIM_NS_PER_MS);
	/* Monotonic time is untouched by wall-clock faults. */
	assert_true(env_now_ns(n->env) == 20 * SIM_NS_PER_S);
	sim_world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sched_orders_by_time_then_insertion),
		cmocka_unit_test(test_sched_remove_keeps_heap_order),
		cmocka_unit_test(test_sched_due_now_queue_keeps_order),
		cmocka_unit_test(test_timers_fire_in_order_and_cancel),
		cmocka_unit_test(test_run_until_semantics),
		cmocka_unit_test(test_step_fires_one_event),
		cmocka_unit_test(test_pause_defers_timers_and_time_jumps),
		cmocka_unit_test(test_kill_drops_timers_and_frees_heap),
		cmocka_unit_test(test_heap_realloc_and_free),
		cmocka_unit_test(test_lifecycle_transitions),
		cmocka_unit_test(test_rng_streams),
		cmocka_unit_test(test_wall_clock_offset_drift_step),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
