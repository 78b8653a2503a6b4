/*
 * The controller's partition-state invariants (broker/ctl/ctl_check.c):
 * each passes on a state the controller may write or read and reports the
 * broken one, with the reproduce line, on one it may not (a handler catches
 * the report instead of exiting). The controller tests and every scenario
 * run them on each state written and read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "broker/ctl/ctl_impl.h"
#include "sim/invariant.h"
#include "sim/world.h"

static int caught_n;
static char caught_inv[160];
static char caught_report[1024];

static void catch_it(void *arg, const char *invariant, const char *report)
{
	(void)arg;
	caught_n++;
	snprintf(caught_inv, sizeof caught_inv, "%s", invariant);
	snprintf(caught_report, sizeof caught_report, "%s", report);
}

static void *node_start(struct env *env, const void *config)
{
	struct env **slot = env_calloc(env, 1, sizeof *slot);
	*slot = env;
	return slot;
}

static const struct sim_node_class node_class = {"broker", node_start};

static struct ctl_pstate pstate_of(int32_t leader, int32_t epoch, int32_t version, int32_t n_isr,
			       const int32_t *isr, int32_t controller_epoch)
{
	struct ctl_pstate st = {leader, epoch, controller_epoch, version, {0}, n_isr};
	memcpy(st.isr, isr, (size_t)n_isr * sizeof *isr);
	return st;
}

static void test_partition_state_invariants(void **state)
{
	(void)state;
	struct sim_world_config wc;
	sim_world_config_default(&wc, 1);
	struct sim_world *w = sim_world_new(&wc);
	uint32_t id = sim_node_add(w, "broker-1", &node_class, NULL);
	assert_true(sim_node_start(w, id));
	struct ctl c;
	memset(&c, 0, sizeof c);
	c.env = *(struct env **)sim_node_state(w, id);
	c.epoch = 4;
	struct ctl_part part;
	memset(&part, 0, sizeof part);
	part.replicas[0] = 1, part.replicas[1] = 2, part.replicas[2] = 3;
	part.n_replicas = 3;
	struct ctl_topic t = {.name = "orders", .parts = &part, .n_parts = 1};
	sim_invariant_set_run("unit", 9);
	sim_invariant_set_file("scenarios/unit.yaml");
	sim_invariant_set_handler(catch_it, NULL);

	static const int32_t i123[] = {1, 2, 3}, i23[] = {2, 3}, i4[] = {4};
	struct ctl_pstate old = pstate_of(1, 5, 3, 3, i123, 3);
	/* An election: leader 2 at a higher epoch, the ISR without 1. */
	struct ctl_pstate ok = pstate_of(2, 6, 4, 2, i23, 4);
	ctl_check_state(&c, &t, 0, &old, &ok, CTL_CHECK_WRITE);
	/* Offline: no leader, the last ISR member kept. */
	struct ctl_pstate off = pstate_of(-1, 6, 4, 1, i4 + 0, 4);
	off.isr[0] = 3;
	ctl_check_state(&c, &t, 0, &old, &off, CTL_CHECK_WRITE);
	ctl_check_state(&c, &t, 0, &old, &ok, CTL_CHECK_READ);
	assert_int_equal(caught_n, 0);

	struct ctl_pstate bad = ok;
	bad.leader_epoch = 5; /* a new leader at the old epoch */
	ctl_check_state(&c, &t, 0, &old, &bad, CTL_CHECK_WRITE);
	assert_string_equal(caught_inv,
			    "a new leader gets a higher leader epoch, and epochs never decrease");
	assert_non_null(strstr(caught_report, "orders-0"));
	assert_non_null(strstr(caught_report, "ksim run scenarios/unit.yaml --seed 9"));
	bad = ok;
	bad.leader = 1;
	ctl_check_state(&c, &t, 0, &old, &bad, CTL_CHECK_WRITE);
	assert_string_equal(caught_inv, "the leader is in the ISR");
	bad = pstate_of(4, 6, 4, 1, i4, 4);
	ctl_check_state(&c, &t, 0, &old, &bad, CTL_CHECK_FIRST);
	assert_string_equal(caught_inv, "the ISR is within the replicas");
	bad = ok;
	bad.controller_epoch = 3;
	ctl_check_state(&c, &t, 0, &old, &bad, CTL_CHECK_WRITE);
	assert_string_equal(caught_inv, "a state the controller writes carries its epoch");
	bad = ok;
	bad.zk_version = 3;
	ctl_check_state(&c, &t, 0, &old, &bad, CTL_CHECK_WRITE);
	assert_string_equal(caught_inv, "a write makes a newer znode version");
	ctl_check_state(&c, &t, 0, &old, &bad, CTL_CHECK_READ); /* version 3 again: fine */
	bad.zk_version = 2;
	ctl_check_state(&c, &t, 0, &old, &bad, CTL_CHECK_READ);
	assert_string_equal(caught_inv, "a state read back is never older than the one known");
	bad = ok;
	bad.n_isr = 0;
	bad.leader = -1;
	ctl_check_state(&c, &t, 0, &old, &bad, CTL_CHECK_WRITE);
	assert_string_equal(caught_inv, "the ISR is not empty");
	assert_int_equal(caught_n, 7);

	sim_invariant_set_handler(NULL, NULL);
	sim_invariant_clear();
	sim_world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_partition_state_invariants),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
