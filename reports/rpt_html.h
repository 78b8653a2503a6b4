/*
 * rpt_html — index.html, the run directory's front page for people: the
 * verdict, the scenario's name, description and seed, the expect table
 * (expected vs found, per checker), the plots, the story, and links to the
 * other files. Self-contained: no script, no style sheet or font from the
 * network; the plots are <img> of the PNG files beside it. The markup is
 * well-formed XML (XHTML served as HTML), every text escaped with
 * rpt_xml_write_text, so `xmllint --noout index.html` accepts it.
 *
 * Ownership: reads the caller's structs during the call, keeps nothing.
 */
#ifndef KSIM_RPT_HTML_H
#define KSIM_RPT_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "reports/rpt_run.h"
#include "reports/rpt_story.h"

struct rpt_html_page {
	const struct rpt_run *run; /* set as for rpt_write_markdown */
	struct rpt_story *story;   /* NULL: no story section (items get sorted) */
	/* The PNG files drawn in the run directory (names, e.g. "latency.png"). */
	const char *const *images;
	size_t n_images;
	/* Why plots are missing ("plots skipped: gnuplot is not installed"), or
	 * NULL / "" when none is. Shown where the plots would be. */
	const char *plot_note;
	bool has_trace;   /* trace.log exists (ksim run --trace) */
	bool has_diagram; /* diagram.svg exists (ksim run --diagram) */
};

/* Writes index.html to out. Returns 0, or -1 when the stream failed. */
int rpt_write_html(FILE *out, const struct rpt_html_page *page);

#endif
