/*
 * rpt_markdown — summary.md, the run explained for a person: a headline
 * (scenario, seed, verdict, trace hash), the scenario's description, a table
 * of every checker with its expectation, count and verdict, the example
 * operations of every anomaly found, and the run's stats. It reads on its own
 * as plain text and renders as GitHub-flavoured Markdown; docs/reports.md
 * shows its layout.
 *
 * Names and descriptions are escaped by rpt_md_write_inline/_block and the
 * examples are written into fenced code blocks by rpt_md_write_code, so no
 * bytes in them can change the document's structure. The only
 * nondeterministic text is the wall-seconds row, the file's last table row.
 */
#ifndef KSIM_RPT_MARKDOWN_H
#define KSIM_RPT_MARKDOWN_H

#include <stdio.h>

#include "reports/rpt_run.h"

/*
 * Writes run's summary.md to out (the caller's, left open). run and every
 * struct it points at must be set. Returns 0, or -1 when a write failed.
 */
int rpt_write_markdown(FILE *out, const struct rpt_run *run);

#endif
