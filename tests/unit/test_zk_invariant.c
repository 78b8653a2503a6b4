/*
 * The ZooKeeper server's Zab invariants (broker/zk/zk_invariant.c): each
 * check passes on a state that keeps its promise and reports the broken
 * one, with the reproduce line, on a state that does not (a handler
 * catches the report instead of exiting). The ensemble tests
 * (test_zk_ensemble) run every check on every change of 200 seeds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "broker/zk/zk_server_impl.h"
#include "sim/invariant.h"
#include "sim/world.h"

struct caught {
	int n;
	char invariant[160];
	char report[1024];
};

static void catch_it(void *arg, const char *invariant, const char *report)
{
	struct caught *c = arg;
	c->n++;
	snprintf(c->invariant, sizeof c->invariant, "%s", invariant);
	snprintf(c->report, sizeof c->report, "%s", report);
}

static void *node_start(struct env *env, const void *config)
{
	struct env **slot = env_calloc(env, 1, sizeof *slot);
	*slot = env;
	return slot;
}

static const struct sim_node_class node_class = {"zk", node_start};

struct fx {
	struct sim_world *w;
	struct zk_server s;
	struct zk_entry hist[4];
	struct caught caught;
};

static int setup(void **state)
{
	struct fx *fx = test_calloc(1, sizeof *fx);
	struct sim_world_config wc;
	sim_world_config_default(&wc, 1);
	fx->w = sim_world_new(&wc);
	uint32_t id = sim_node_add(fx->w, "zk-1", &node_class, NULL);
	assert_true(sim_node_start(fx->w, id));
	fx->s.env = *(struct env **)sim_node_state(fx->w, id);
	/* A log of zxids 0x100000001..3, the first two applied, epochs 1/1. */
	for (int i = 0; i < 3; i++)
		fx->hist[i].zxid = ZK_ZXID(1, i + 1);
	fx->s.hist = fx->hist;
	fx->s.nhist = 3;
	fx->s.committed = ZK_ZXID(1, 2);
	fx->s.accepted_epoch = fx->s.current_epoch = 1;
	sim_invariant_set_run("unit", 7);
	sim_invariant_set_file("scenarios/unit.yaml");
	sim_invariant_set_handler(catch_it, &fx->caught);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	sim_invariant_set_handler(NULL, NULL);
	sim_invariant_clear();
	sim_world_free(fx->w);
	test_free(fx);
	return 0;
}

static void test_log_order(void **state)
{
	struct fx *fx = *state;
	zk_inv_append(&fx->s, ZK_ZXID(1, 4));
	zk_inv_append(&fx->s, ZK_ZXID(2, 1)); /* a new epoch starts its counter again */
	assert_int_equal(fx->caught.n, 0);
	zk_inv_append(&fx->s, ZK_ZXID(1, 3)); /* the last one again */
	assert_int_equal(fx->caught.n, 1);
	assert_string_equal(fx->caught.invariant, "the log's zxids strictly increase");
	assert_non_null(strstr(fx->caught.report, "zk-1"));
	assert_non_null(strstr(fx->caught.report, "ksim run scenarios/unit.yaml --seed 7"));
}

static void test_apply_order(void **state)
{
	struct fx *fx = *state;
	zk_inv_apply(&fx->s, ZK_ZXID(1, 3));
	assert_int_equal(fx->caught.n, 0);
	zk_inv_apply(&fx->s, ZK_ZXID(1, 2)); /* applied already */
	assert_int_equal(fx->caught.n, 1);
	assert_string_equal(fx->caught.invariant,
			    "transactions are applied in zxid order, each once");
	zk_inv_apply(&fx->s, ZK_ZXID(1, 4)); /* not in the log */
	assert_int_equal(fx->caught.n, 2);
	assert_string_equal(fx->caught.invariant, "only logged transactions are applied");
}

static void test_epochs(void **state)
{
	struct fx *fx = *state;
	zk_inv_epochs(&fx->s);
	fx->s.accepted_epoch = 2; /* NEWEPOCH accepted, not yet current */
	zk_inv_epochs(&fx->s);
	fx->s.current_epoch = 2;
	zk_inv_epochs(&fx->s);
	assert_int_equal(fx->caught.n, 0);
	fx->s.current_epoch = 3;
	zk_inv_epochs(&fx->s);
	assert_int_equal(fx->caught.n, 1);
	assert_string_equal(fx->caught.invariant, "acceptedEpoch >= currentEpoch");
	fx->s.accepted_epoch = 3;
	zk_inv_epochs(&fx->s);
	fx->s.accepted_epoch = fx->s.current_epoch = 2;
	zk_inv_epochs(&fx->s);
	assert_int_equal(fx->caught.n, 3);
	assert_string_equal(fx->caught.invariant, "currentEpoch never decreases");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_log_order),
		T(test_apply_order),
		T(test_epochs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
