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

static void write_ids(FILE *out, const int32_t *ids, size_t n)
{
	fputc('[', out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%" PRId32, i ? ", " : "", ids[i]);
	fputc(']', out);
}

/* "final": {"orders/0": {"leader": 4, "leader_epoch": 7, "replicas": [...],
 * "isr": [...], "high_watermark": 5120}, ...} (scenario format, added). */
static void write_final(FILE *out, const struct rpt_run *run)
{
	fputs(" \"final\": {", out);
	for (size_t i = 0; i < run->n_final; i++) {
		const struct rpt_final *f = &run->final[i];
		char name[300];
		snprintf(name, sizeof name, "%s/%" PRId32, f->topic, f->partition);
		fputs(i ? ",\n           " : "", out);
		rpt_json_write_string(out, name);
		fprintf(out, ": {\"leader\": %" PRId32 ", \"leader_epoch\": %" PRId32 ", \"replicas\": ",
		        f->leader, f->leader_epoch);
		write_ids(out, f->replicas, f->n_replicas);
		fputs(", \"isr\": ", out);
		write_ids(out, f->isr, f->n_isr);
		fprintf(out, ", \"high_watermark\": %" PRId64 "}", f->high_watermark);
	}
	fputs("},\n", out);
}

int rpt_write_summary(FILE *out, const struct rpt_run *run)
{
	assert(run->scenario && run->checks && run->expect && run->verdict && run->mode);
	fputs("{\"scenario\": ", out);
	rpt_json_write_string(out, run->scenario);
	fprintf(out, ", \"seed\": %" PRIu64 ", \"verdict\": \"%s\",\n", run->seed,
	        run->verdict->pass ? "pass" : "fail");
	fprintf(out, " \"trace_hash\": \"%016" PRIx64 "\",\n", run->trace_hash);
	/* Which cluster the run simulated (the contract's added fields). */
	fputs(" \"mode\": ", out);
	rpt_json_write_string(out, run->mode);
	fprintf(out, ", \"kafka_version\": \"%d.%d\",\n ", (int)(run->kafka_version / 100),
	        (int)(run->kafka_version % 100));
	if (chk_write_summary(out, run->checks, run->expect, run->verdict) != 0)
		return -1;
	fputs(",\n \"coverage\": ", out);
	if (run->coverage)
		sim_cov_write_json(out, run->coverage);
	else
		fputs("{}", out);
	fputs(",\n", out);
	if (run->n_final)
		write_final(out, run);
	write_stats(out, run);
	return ferror(out) ? -1 : 0;
}
