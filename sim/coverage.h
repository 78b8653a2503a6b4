/*
 * coverage — counts of named markers a run reached.
 *
 * Node code calls env_mark(env, "truncate-by-epoch") at a mechanism or a
 * rare branch (sim/env.h). The world adds one to that name's count in the
 * table the harness attached (sim_world_set_coverage); without a table a
 * mark costs one test. The harness writes the table as summary.json's
 * "coverage" and a sweep merges the tables of its seeds (sim_cov_merge), so
 * one kind of marker serves both "did this lesson show its mechanism" and
 * "which rare branches did the sweep reach".
 *
 * Ownership: the table belongs to whoever declared it (zero it, or use
 * SIM_COVERAGE_INIT); it owns copies of the names; sim_cov_free releases
 * them. Marks are not part of the trace hash.
 */
#ifndef KSIM_SIM_COVERAGE_H
#define KSIM_SIM_COVERAGE_H

#include <stdint.h>
#include <stdio.h>

struct sim_cov_entry {
	char *name;
	uint64_t count;
};

struct sim_coverage {
	struct sim_cov_entry *v; /* sorted by name (strcmp) */
	size_t n, cap;
};

#define SIM_COVERAGE_INIT {NULL, 0, 0}

/* Adds `count` to `name`'s entry, creating it. */
void sim_cov_add(struct sim_coverage *c, const char *name, uint64_t count);
/* The count of `name` (0 when never marked). */
uint64_t sim_cov_get(const struct sim_coverage *c, const char *name);
/* Adds every count of `from` to `into`. */
void sim_cov_merge(struct sim_coverage *into, const struct sim_coverage *from);
/* Writes `{"a": 1, "b": 2}` (sorted by name; `{}` when empty). */
void sim_cov_write_json(FILE *out, const struct sim_coverage *c);
void sim_cov_free(struct sim_coverage *c);

#endif
