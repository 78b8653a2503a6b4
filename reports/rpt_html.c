/* rpt_html — index.html (see rpt_html.h and docs/reports.md). */
#include "reports/rpt_html.h"

#include <inttypes.h>

#include "reports/rpt_escape.h"

static void text(FILE *out, const char *s)
{
	rpt_xml_write_text(out, s ? s : "", false);
}

static const char style[] =
	"body{font-family:sans-serif;max-width:1250px;margin:1em auto;padding:0 1em;"
	"color:#222;line-height:1.4}"
	"h1 .pass{color:#2a7d2a}h1 .fail{color:#c00}"
	"table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px}"
	"th{background:#eef}td.n{text-align:right}tr.failed td{background:#fdd}"
	"img{max-width:100%;border:1px solid #ddd;margin:4px 0}"
	"li.fault{color:#a00}li.undo{color:#2a7d2a}li i{color:#555}"
	"pre{white-space:pre-wrap}.note{background:#ffd;padding:4px 8px}";

static void head(FILE *out, const struct rpt_run *run)
{
	const char *verdict = run->verdict->pass ? "PASS" : "FAIL";
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n"
	      "<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
	      "<meta charset=\"UTF-8\"/>\n<title>ksim: ",
	      out);
	text(out, run->scenario);
	fprintf(out, ", seed %" PRIu64 ": %s</title>\n<style>%s</style>\n</head>\n<body>\n",
		run->seed, verdict, style);
	fputs("<h1>", out);
	text(out, run->scenario);
	fprintf(out, ", seed %" PRIu64 ": <span class=\"%s\">%s</span></h1>\n", run->seed,
		run->verdict->pass ? "pass" : "fail", verdict);
	if (run->description && run->description[0]) {
		fputs("<pre class=\"description\">", out);
		text(out, run->description);
		fputs("</pre>\n", out);
	}
	fprintf(out, "<p>Seed %" PRIu64 ", trace hash <code>%016" PRIx64 "</code>, ", run->seed,
		run->trace_hash);
	rpt_write_sim_seconds(out, run);
	fputs(" simulated seconds. Reproduce with <code>ksim run FILE --seed ", out);
	fprintf(out, "%" PRIu64 "</code>.</p>\n", run->seed);
}

/* The availability expectations and the unreadable records, when there are
 * any, as rows of a second table. */
static void avail_rows(FILE *out, const struct rpt_run *run)
{
	const struct chk_availability *a = &run->checks->avail;
	const struct chk_expectations *e = run->expect;
	const struct chk_verdict *v = run->verdict;
	uint32_t bp = chk_acked_ratio_bp(run->checks);
	fputs("<table>\n<tr><th>availability</th><th>expected</th><th>found</th>"
	      "<th>verdict</th></tr>\n",
	      out);
	fprintf(out, "<tr%s><td>" CHK_MAX_UNAVAILABLE_NAME "</td><td>", v->failed_max_unavailable
								      ? " class=\"failed\""
								      : "");
	if (e->has_max_unavailable)
		fprintf(out, "%" PRId64 " ms", e->max_unavailable_ns / 1000000);
	else
		fputs("any", out);
	fprintf(out, "</td><td class=\"n\">%" PRId64 " ms (", a->max_gap_ns / 1000000);
	text(out, a->worst[0] ? a->worst : "-");
	fprintf(out, ")</td><td>%s</td></tr>\n",
		v->failed_max_unavailable ? "FAIL" : e->has_max_unavailable ? "pass" : "not judged");
	fprintf(out, "<tr%s><td>" CHK_ACKED_RATIO_NAME "</td><td>",
		v->failed_acked_ratio ? " class=\"failed\"" : "");
	if (e->has_acked_ratio)
		fprintf(out, "%u.%02u%%", e->acked_ratio_bp / 100, e->acked_ratio_bp % 100);
	else
		fputs("any", out);
	fprintf(out, "</td><td class=\"n\">%u.%02u%%</td><td>%s</td></tr>\n</table>\n", bp / 100,
		bp % 100, v->failed_acked_ratio ? "FAIL" : e->has_acked_ratio ? "pass" : "not judged");
	if (run->checks->unreadable)
		fprintf(out, "<p>%" PRIu64 " acknowledged records are unreadable: their partitions "
			     "could not be read to the end (not counted as lost; liveness fails)."
			     "</p>\n",
			run->checks->unreadable);
}

static void expect_table(FILE *out, const struct rpt_run *run)
{
	fputs("<h2>Expectations</h2>\n<table>\n<tr><th>checker</th><th>expected</th>"
	      "<th>found</th><th>verdict</th></tr>\n",
	      out);
	for (int k = 0; k < CHK_COUNT; k++) {
		bool failed = rpt_run_failed(run, (enum chk_kind)k);
		const char *j = failed ? "FAIL"
				: rpt_run_expected(run, (enum chk_kind)k) ? "pass"
									  : "not judged";
		fprintf(out, "<tr%s><td>%s</td><td>%s</td><td class=\"n\">%" PRIu64
			     "</td><td>%s</td></tr>\n",
			failed ? " class=\"failed\"" : "", chk_name((enum chk_kind)k),
			chk_expect_name((enum chk_expect)run->expect->of[k]),
			run->checks->reports[k].count, j);
	}
	const struct hist_stats *s = &run->stats;
	fprintf(out, "</table>\n<p>%" PRIu64 " sends: %" PRIu64 " acknowledged, %" PRIu64
		     " failed, %" PRIu64 " unknown; %" PRIu64 " records polled; %" PRIu64
		     " faults; %" PRIu64 " simulated events.</p>\n",
		s->sends, s->acked, s->failed, s->indeterminate, s->polled, s->faults, run->events);
	avail_rows(out, run);
}

static void plots(FILE *out, const struct rpt_html_page *p)
{
	fputs("<h2>Plots</h2>\n", out);
	if (p->plot_note && p->plot_note[0]) {
		fputs("<p class=\"note\">", out);
		text(out, p->plot_note);
		fputs("</p>\n", out);
	}
	if (!p->n_images && !(p->plot_note && p->plot_note[0]))
		fputs("<p class=\"note\">No plot was drawn.</p>\n", out);
	for (size_t i = 0; i < p->n_images; i++) {
		fputs("<p><img src=\"", out);
		rpt_xml_write_text(out, p->images[i], true);
		fputs("\" alt=\"", out);
		rpt_xml_write_text(out, p->images[i], true);
		fputs("\"/></p>\n", out);
	}
	if (p->has_diagram)
		fputs("<p>Sequence diagram: <a href=\"diagram.svg\">diagram.svg</a></p>\n"
		      "<p><img src=\"diagram.svg\" alt=\"sequence diagram\"/></p>\n",
		      out);
}

static void links(FILE *out, const struct rpt_html_page *p)
{
	fputs("<h2>Files</h2>\n<ul>\n"
	      "<li><a href=\"summary.json\">summary.json</a>: the verdict for programs</li>\n"
	      "<li><a href=\"junit.xml\">junit.xml</a>: the expectations as CI test cases</li>\n"
	      "<li><a href=\"summary.md\">summary.md</a>: the verdict as Markdown</li>\n"
	      "<li><a href=\"story.md\">story.md</a>: the story as Markdown</li>\n"
	      "<li><a href=\"history.jsonl\">history.jsonl</a>: every operation and fault</li>\n",
	      out);
	if (p->has_trace)
		fputs("<li><a href=\"trace.log\">trace.log</a>: every simulated event</li>\n", out);
	else
		fputs("<li>trace.log: not written (run with <code>--trace</code>)</li>\n", out);
	fputs("</ul>\n", out);
}

int rpt_write_html(FILE *out, const struct rpt_html_page *page)
{
	const struct rpt_run *run = page->run;
	head(out, run);
	expect_table(out, run);
	plots(out, page);
	if (page->story)
		rpt_story_write_html(out, page->story, run);
	links(out, page);
	fputs("</body>\n</html>\n", out);
	return ferror(out) ? -1 : 0;
}
