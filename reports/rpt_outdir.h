/*
 * rpt_outdir — a run's output directory and the reports in it. The CLI
 * names the directory (`--out DIR`, by default reports/out/NAME-SEED/),
 * creates it like `mkdir -p` and writes summary.json, junit.xml and
 * summary.md there from one struct rpt_run. Each file is written under a
 * temporary name (NAME.tmp) and renamed into place once complete, so a
 * reader never sees half a report, and a failed run keeps no partial file.
 *
 * This is harness code: it uses the host's file system directly. It keeps no
 * state; errors are returned with a message naming the path and the cause.
 */
#ifndef KSIM_RPT_OUTDIR_H
#define KSIM_RPT_OUTDIR_H

#include <stddef.h>
#include <stdint.h>

#include "reports/rpt_run.h"

/* Why an output directory or file could not be made: "PATH: cause". */
struct rpt_error {
	char msg[512];
};

/*
 * Writes the default directory "reports/out/NAME-SEED" into buf (cap bytes).
 * NAME is the scenario name with every byte other than ASCII letters,
 * digits, '-', '_' and '.' replaced by '_', and a leading '.' too, so that no
 * name can climb out of reports/out or hide. Returns 0, or -1 when it does
 * not fit (buf then holds an empty string when cap > 0).
 */
int rpt_outdir_default(char *buf, size_t cap, const char *scenario, uint64_t seed);

/*
 * Creates directory path and its missing parents (mode 0777 before the
 * umask); an existing directory is fine. Returns 0, or -1 with err saying
 * which path could not be created and why (for instance a parent that is a
 * regular file, or no permission).
 */
int rpt_mkdir_p(const char *path, struct rpt_error *err);

/*
 * Creates dir as rpt_mkdir_p does and writes summary.json, junit.xml and
 * summary.md into it, replacing files of those names. Returns 0, or -1 with
 * err naming the file or directory that failed and why.
 */
int rpt_write_run_dir(const char *dir, const struct rpt_run *run, struct rpt_error *err);

#endif
