/* rpt_run — what every report needs from a run (see rpt_run.h). */
#include "reports/rpt_run.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>

bool rpt_run_failed(const struct rpt_run *run, enum chk_kind k)
{
	for (size_t i = 0; i < run->verdict->n_failed; i++)
		if (run->verdict->failed[i] == k)
			return true;
	return false;
}

bool rpt_run_expected(const struct rpt_run *run, enum chk_kind k)
{
	return run->expect->of[k] != CHK_EXPECT_ANY || rpt_run_failed(run, k);
}

static int write_millis(FILE *out, uint64_t ms)
{
	fprintf(out, "%" PRIu64 ".%03u", ms / 1000, (unsigned)(ms % 1000));
	return ferror(out) ? -1 : 0;
}

int rpt_write_sim_seconds(FILE *out, const struct rpt_run *run)
{
	assert(run->sim_ns >= 0);
	return write_millis(out, ((uint64_t)run->sim_ns + 500000) / 1000000);
}

int rpt_write_wall_seconds(FILE *out, const struct rpt_run *run)
{
	double s = run->wall_seconds;
	if (!isfinite(s) || s < 0)
		s = 0;
	if (s > 1e12)
		s = 1e12;
	return write_millis(out, (uint64_t)(s * 1000.0 + 0.5));
}
