/*
 * invariant — the report of a broken invariant and the exit (invariant.h).
 * The state here is the harness's description of the run, set before the
 * run and read only when reporting.
 */
#include "sim/invariant.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
	char scenario[128];
	char file[512];
	uint64_t seed;
	bool have_run;
	sim_invariant_handler *handler;
	void *arg;
} g;

void sim_invariant_set_run(const char *scenario, uint64_t seed)
{
	snprintf(g.scenario, sizeof g.scenario, "%s", scenario ? scenario : "?");
	g.seed = seed;
	g.have_run = true;
}

void sim_invariant_set_file(const char *path)
{
	snprintf(g.file, sizeof g.file, "%s", path ? path : "");
}

void sim_invariant_clear(void)
{
	g.have_run = false;
	g.scenario[0] = 0;
	g.file[0] = 0;
}

void sim_invariant_set_handler(sim_invariant_handler *h, void *arg)
{
	g.handler = h;
	g.arg = arg;
}

void sim_invariant_fail(const char *invariant, const char *fmt, ...)
{
	char detail[1024], report[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	size_t n = (size_t)snprintf(report, sizeof report, "ksim: INVARIANT BROKEN: %s\n  %s\n",
	                            invariant, detail);
	if (n < sizeof report && g.have_run)
		snprintf(report + n, sizeof report - n,
		         "  scenario %s, seed %llu\n  reproduce: ksim run %s --seed %llu\n",
		         g.scenario, (unsigned long long)g.seed,
		         g.file[0] ? g.file : "<the scenario file>", (unsigned long long)g.seed);
	if (g.handler) {
		g.handler(g.arg, invariant, report);
		return;
	}
	fflush(stdout);
	fputs(report, stderr);
	fflush(stderr);
	exit(SIM_EXIT_INVARIANT);
}
