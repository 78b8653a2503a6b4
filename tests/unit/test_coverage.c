/*
 * Coverage markers (sim/coverage.c and env_mark): counts by name, sorted
 * JSON, merging for sweeps, and the world counting a node's marks only into
 * the table the harness attached, without touching the trace hash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/coverage.h"
#include "sim/env.h"
#include "sim/world.h"

static char *json_of(const struct sim_coverage *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	sim_cov_write_json(f, c);
	fclose(f);
	return buf;
}

static void test_cov_counts_and_sorts(void **state)
{
	(void)state;
	struct sim_coverage c = SIM_COVERAGE_INIT;
	char *empty = json_of(&c);
	assert_string_equal(empty, "{}");
	free(empty);
	sim_cov_add(&c, "truncate-to-hw", 1);
	sim_cov_add(&c, "fence-controller-epoch-zk", 2);
	sim_cov_add(&c, "truncate-to-hw", 4);
	sim_cov_add(&c, "acks0-close", 1);
	assert_int_equal(sim_cov_get(&c, "truncate-to-hw"), 5);
	assert_int_equal(sim_cov_get(&c, "fence-controller-epoch-zk"), 2);
	assert_int_equal(sim_cov_get(&c, "never-marked"), 0);
	char *j = json_of(&c);
	assert_string_equal(j, "{\"acks0-close\": 1, \"fence-controller-epoch-zk\": 2, "
			       "\"truncate-to-hw\": 5}");
	free(j);
	sim_cov_free(&c);
	assert_int_equal(c.n, 0);
}

static void test_cov_grows_past_its_first_capacity(void **state)
{
	(void)state;
	struct sim_coverage c = SIM_COVERAGE_INIT;
	char name[32];
	for (int i = 99; i >= 0; i--) { /* reverse order: every insert shifts */
		snprintf(name, sizeof name, "m-%03d", i);
		sim_cov_add(&c, name, (uint64_t)i + 1);
	}
	assert_int_equal(c.n, 100);
	for (size_t i = 1; i < c.n; i++)
		assert_true(strcmp(c.v[i - 1].name, c.v[i].name) < 0);
	assert_int_equal(sim_cov_get(&c, "m-042"), 43);
	sim_cov_free(&c);
}

static void test_cov_merge_adds_counts(void **state)
{
	(void)state;
	struct sim_coverage a = SIM_COVERAGE_INIT, b = SIM_COVERAGE_INIT;
	sim_cov_add(&a, "x", 1);
	sim_cov_add(&a, "y", 2);
	sim_cov_add(&b, "y", 3);
	sim_cov_add(&b, "z", 4);
	sim_cov_merge(&a, &b);
	assert_int_equal(sim_cov_get(&a, "x"), 1);
	assert_int_equal(sim_cov_get(&a, "y"), 5);
	assert_int_equal(sim_cov_get(&a, "z"), 4);
	assert_int_equal(sim_cov_get(&b, "y"), 3);
	sim_cov_free(&a);
	sim_cov_free(&b);
}

/* A node that marks twice when it starts. */
static void *marker_start(struct env *env, const void *config)
{
	(void)config;
	env_mark(env, "started");
	env_mark(env, "started");
	return NULL;
}

static const struct sim_node_class marker_class = {"marker", marker_start};

static uint64_t run_world(struct sim_coverage *cov)
{
	struct sim_world_config wc;
	sim_world_config_default(&wc, 7);
	struct sim_world *w = sim_world_new(&wc);
	sim_world_set_coverage(w, cov);
	sim_node_start(w, sim_node_add(w, "m-1", &marker_class, NULL));
	sim_node_start(w, sim_node_add(w, "m-2", &marker_class, NULL));
	sim_run_for(w, 1000000);
	uint64_t hash = sim_trace_hash(w);
	sim_world_free(w);
	return hash;
}

static void test_world_counts_marks_into_the_attached_table(void **state)
{
	(void)state;
	struct sim_coverage cov = SIM_COVERAGE_INIT;
	uint64_t with = run_world(&cov);
	assert_int_equal(sim_cov_get(&cov, "started"), 4);
	assert_int_equal(cov.n, 1);
	/* Without a table marks are dropped, and the run is the same run. */
	uint64_t without = run_world(NULL);
	assert_int_equal(with, without);
	sim_cov_free(&cov);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cov_counts_and_sorts),
		cmocka_unit_test(test_cov_grows_past_its_first_capacity),
		cmocka_unit_test(test_cov_merge_adds_counts),
		cmocka_unit_test(test_world_counts_marks_into_the_attached_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
