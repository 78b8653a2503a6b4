/* coverage — counts of named markers (the contract is in coverage.h). */
#include "sim/coverage.h"

#include <stdlib.h>
#include <string.h>

#include "sim/util.h"

/* The index of `name`, or where it would go (binary search on sorted names). */
static size_t find(const struct sim_coverage *c, const char *name, int *found)
{
	size_t lo = 0, hi = c->n;
	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(c->v[mid].name, name);
		if (cmp == 0) {
			*found = 1;
			return mid;
		}
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Node code's tags are [a-z0-9-], so the JSON writer has nothing to escape. */
static int valid_name(const char *name)
{
	if (!*name)
		return 0;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return 0;
	return 1;
}

void sim_cov_add(struct sim_coverage *c, const char *name, uint64_t count)
{
	if (!valid_name(name)) { /* a programming error in node code */
		fprintf(stderr, "ksim: bad coverage marker name \"%s\"\n", name);
		abort();
	}
	int found;
	size_t i = find(c, name, &found);
	if (!found) {
		if (c->n == c->cap) {
			c->cap = c->cap ? 2 * c->cap : 16;
			c->v = sim_xrealloc(c->v, c->cap * sizeof *c->v);
		}
		memmove(&c->v[i + 1], &c->v[i], (c->n - i) * sizeof *c->v);
		c->v[i] = (struct sim_cov_entry){sim_xstrdup(name), 0};
		c->n++;
	}
	c->v[i].count += count;
}

uint64_t sim_cov_get(const struct sim_coverage *c, const char *name)
{
	int found;
	size_t i = find(c, name, &found);
	return found ? c->v[i].count : 0;
}

void sim_cov_merge(struct sim_coverage *into, const struct sim_coverage *from)
{
	for (size_t i = 0; i < from->n; i++)
		sim_cov_add(into, from->v[i].name, from->v[i].count);
}

void sim_cov_write_json(FILE *out, const struct sim_coverage *c)
{
	fputc('{', out);
	for (size_t i = 0; i < c->n; i++)
		fprintf(out, "%s\"%s\": %llu", i ? ", " : "", c->v[i].name,
			(unsigned long long)c->v[i].count);
	fputc('}', out);
}

void sim_cov_free(struct sim_coverage *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].name);
	free(c->v);
	*c = (struct sim_coverage)SIM_COVERAGE_INIT;
}
