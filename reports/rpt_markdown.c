/* rpt_markdown — summary.md (layout in docs/reports.md). */
#include "reports/rpt_markdown.h"

#include <assert.h>
#include <inttypes.h>

#include "reports/rpt_escape.h"

static void write_headline(FILE *out, const struct rpt_run *run)
{
	const struct chk_verdict *v = run->verdict;
	fputs("# ksim run: ", out);
	rpt_md_write_inline(out, run->scenario);
	fprintf(out, ", seed %" PRIu64 ": %s\n\n", run->seed, v->pass ? "PASS" : "FAIL");
	fputs("- Scenario: ", out);
	rpt_md_write_inline(out, run->scenario);
	fprintf(out, "\n- Seed: %" PRIu64 "\n- Verdict: %s", run->seed, v->pass ? "pass" : "fail");
	size_t i = 0;
	for (; i < v->n_failed; i++)
		fprintf(out, "%s%s",
		        i ? ", " : " (failed: ", chk_name((enum chk_kind)v->failed[i]));
	if (v->failed_max_unavailable)
		fprintf(out, "%s" CHK_MAX_UNAVAILABLE_NAME, i++ ? ", " : " (failed: ");
	if (v->failed_acked_ratio)
		fprintf(out, "%s" CHK_ACKED_RATIO_NAME, i++ ? ", " : " (failed: ");
	fprintf(out, "%s\n- Trace hash: `%016" PRIx64 "`\n\n", i ? ")" : "", run->trace_hash);
	if (run->description && run->description[0]) {
		rpt_md_write_block(out, run->description);
		fputs("\n\n", out);
	}
}

static const char *judgement(const struct rpt_run *run, enum chk_kind k)
{
	if (rpt_run_failed(run, k))
		return "**FAIL**";
	return rpt_run_expected(run, k) ? "pass" : "not judged";
}

static void write_table(FILE *out, const struct rpt_run *run)
{
	fputs("## Checkers\n\n| checker | expected | count | verdict |\n|---|---|---:|---|\n", out);
	for (int k = 0; k < CHK_COUNT; k++)
		fprintf(out, "| %s | %s | %" PRIu64 " | %s |\n", chk_name((enum chk_kind)k),
		        chk_expect_name((enum chk_expect)run->expect->of[k]),
		        run->checks->reports[k].count, judgement(run, (enum chk_kind)k));
	fputc('\n', out);
	const struct chk_availability *a = &run->checks->avail;
	uint32_t bp = chk_acked_ratio_bp(run->checks);
	fprintf(out, "Availability: %" PRIu64 " of %" PRIu64 " sends acknowledged (%u.%02u%%)", a->acked,
	        a->sends, bp / 100, bp % 100);
	if (a->has_phase)
		fprintf(out, "; during the faulty phase the longest time a partition went without an "
		             "acknowledged write was %" PRId64 " ms (%s)",
		        a->max_gap_ns / 1000000, a->worst[0] ? a->worst : "none");
	fprintf(out, ".%s%s\n\n", run->verdict->failed_max_unavailable ? " **max-unavailable FAIL**" : "",
	        run->verdict->failed_acked_ratio ? " **acked-ratio FAIL**" : "");
	if (run->checks->unreadable)
		fprintf(out, "Unreadable: %" PRIu64 " acknowledged records of partitions the final reads "
		             "could not read (not counted as lost; they fail liveness).\n\n",
		        run->checks->unreadable);
}

static void write_examples(FILE *out, enum chk_kind k, const struct chk_report *rep)
{
	fprintf(out, "### %s: %" PRIu64 "\n\n```text\n", chk_name(k), rep->count);
	for (size_t i = 0; i < rep->n_examples; i++) {
		const struct chk_example *x = &rep->examples[i];
		fprintf(out, "line %" PRIu64 ", t=%" PRId64 " ns, ", x->line, x->time);
		rpt_md_write_code(out, x->process);
		fputs(": ", out);
		rpt_md_write_code(out, x->detail);
		fputc('\n', out);
	}
	if (rep->count > rep->n_examples)
		fprintf(out, "(%" PRIu64 " more)\n", rep->count - rep->n_examples);
	fputs("```\n\n", out);
}

static void write_all_examples(FILE *out, const struct rpt_run *run)
{
	fputs("## Examples\n\n", out);
	bool any = false;
	for (int k = 0; k < CHK_COUNT; k++) {
		const struct chk_report *rep = &run->checks->reports[k];
		if (rep->count == 0)
			continue;
		write_examples(out, (enum chk_kind)k, rep);
		any = true;
	}
	if (!any)
		fputs("No checker found an anomaly.\n\n", out);
}

static void write_stats(FILE *out, const struct rpt_run *run)
{
	const struct hist_stats *s = &run->stats;
	fputs("## Stats\n\n| stat | value |\n|---|---:|\n", out);
	fprintf(out, "| sends | %" PRIu64 " |\n| acked | %" PRIu64 " |\n| failed | %" PRIu64 " |\n",
	        s->sends, s->acked, s->failed);
	fprintf(out, "| indeterminate | %" PRIu64 " |\n| polled | %" PRIu64 " |\n",
	        s->indeterminate, s->polled);
	fprintf(out, "| faults | %" PRIu64 " |\n| events | %" PRIu64 " |\n", s->faults,
	        run->events);
	fputs("| sim seconds | ", out);
	rpt_write_sim_seconds(out, run);
	fputs(" |\n| wall seconds | ", out);
	rpt_write_wall_seconds(out, run);
	fputs(" |\n", out);
}

int rpt_write_markdown(FILE *out, const struct rpt_run *run)
{
	assert(run->scenario && run->checks && run->expect && run->verdict);
	write_headline(out, run);
	write_table(out, run);
	write_all_examples(out, run);
	write_stats(out, run);
	return ferror(out) ? -1 : 0;
}
