/* rpt_summary — summary.json (the contract is in rpt_summary.h). */
#include "reports/rpt_summary.h"

#include <assert.h>
#include <inttypes.h>

#include "reports/rpt_escape.h"

static void write_stats(FILE *out, const struct rpt_run *run)
{
	const struct hist_stats *s = &run->stats;
	fprintf(out,
	        " \"stats\": {\"sends\": %" PRIu64 ", \"acked\": %" PRIu64 ", \"failed\": %" PRIu64
	        ", \"indeterminate\": %" PRIu64 ",\n",
	        s->sends, s->acked, s->failed, s->indeterminate);
	fprintf(out,
	        "           \"polled\": %" PRIu64 ", \"faults\": %" PRIu64 ", \"events\": %" PRIu64
	        ",\n",
	        s->polled, s->faults, run->events);
	fputs("           \"sim_seconds\": ", out);
	rpt_write_sim_seconds(out, run);
	/* Last, so that everything before it can be compared byte for byte. */
	fputs(", \"wall_seconds\": ", out);
	rpt_write_wall_seconds(out, run);
	fputs("}}\n", out);
}

int rpt_write_summary(FILE *out, const struct rpt_run *run)
{
	assert(run->scenario && run->checks && run->expect && run->verdict);
	fputs("{\"scenario\": ", out);
	rpt_json_write_string(out, run->scenario);
	fprintf(out, ", \"seed\": %" PRIu64 ", \"verdict\": \"%s\",\n", run->seed,
	        run->verdict->pass ? "pass" : "fail");
	fprintf(out, " \"trace_hash\": \"%016" PRIx64 "\",\n ", run->trace_hash);
	if (chk_write_summary(out, run->checks, run->expect, run->verdict) != 0)
		return -1;
	fputs(",\n \"coverage\": ", out);
	if (run->coverage)
		sim_cov_write_json(out, run->coverage);
	else
		fputs("{}", out);
	fputs(",\n", out);
	write_stats(out, run);
	return ferror(out) ? -1 : 0;
}
