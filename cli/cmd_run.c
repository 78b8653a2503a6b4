/*
 * `ksim run FILE [--seed N] [--out DIR] [--trace] [--quiet] [--no-plots]
 * [--explain] [--diagram FROM..TO]`: one scenario run (harness/run.h). Exit 0 when every expectation held, 1 when one
 * failed, 2 for a bad file, usage, or a scenario that cannot run yet, 3 when an invariant
 * of the simulated cluster broke (sim/invariant.h).
 */
#include "cli/commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/run.h"
#include "harness/scn.h"
#include "sim/invariant.h"

/* "10s..12s": two durations in the scenario format's units, FROM <= TO. */
static int parse_window(const char *text, struct run_options *opt)
{
	const char *dots = strstr(text, "..");
	if (!dots || dots == text || !dots[2])
		return -1;
	if (scn_parse_duration(text, (size_t)(dots - text), false, &opt->diagram_from_ns) ||
	    scn_parse_duration(dots + 2, strlen(dots + 2), false, &opt->diagram_to_ns) ||
	    opt->diagram_to_ns < opt->diagram_from_ns)
		return -1;
	opt->diagram = true;
	return 0;
}

int cmd_run(int argc, char **argv)
{
	const char *path = NULL;
	struct run_options opt = {0};
	bool seed_set = false;
	unsigned long long seed = 0;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--seed")) {
			char *end;
			errno = 0;
			if (i + 1 >= argc || argv[i + 1][0] == '-' ||
			    (seed = strtoull(argv[i + 1], &end, 10), errno || *end || end == argv[i + 1]))
				return cli_usage_error("run: --seed needs a non-negative integer%s", "");
			seed_set = true;
			i++;
		} else if (!strcmp(argv[i], "--out")) {
			if (i + 1 >= argc)
				return cli_usage_error("run: --out needs a directory%s", "");
			opt.out_dir = argv[++i];
		} else if (!strcmp(argv[i], "--trace")) {
			opt.trace = true;
		} else if (!strcmp(argv[i], "--quiet")) {
			opt.quiet = true;
		} else if (!strcmp(argv[i], "--no-plots")) {
			opt.no_plots = true;
		} else if (!strcmp(argv[i], "--explain")) {
			opt.explain = true;
		} else if (!strcmp(argv[i], "--topic")) {
			if (i + 1 >= argc || argv[i + 1][0] == '-')
				return cli_usage_error("run: --topic needs a topic name%s", "");
			opt.explain_topic = argv[++i];
		} else if (!strcmp(argv[i], "--diagram")) {
			if (i + 1 >= argc || parse_window(argv[i + 1], &opt))
				return cli_usage_error("run: --diagram needs a window FROM..TO in "
						       "the scenario's units, e.g. 10s..12s%s",
						       "");
			i++;
		} else if (argv[i][0] == '-' || path) {
			return cli_usage_error("run: unexpected argument '%s'", argv[i]);
		} else {
			path = argv[i];
		}
	}
	if (!path)
		return cli_usage_error("run: which scenario? (ksim run FILE)%s", "");
	struct scn_scenario *s = NULL;
	struct scn_error err;
	if (scn_load_file(path, &s, &err) != SCN_OK) {
		fprintf(stderr, "%s\n", err.text);
		return 2;
	}
	if (seed_set)
		s->seed = seed;
	sim_invariant_set_file(path); /* for the line that reproduces a broken invariant */
	bool declared = false;
	for (size_t t = 0; opt.explain_topic && t < s->topic_count; t++)
		declared |= !strcmp(s->topics[t].name, opt.explain_topic);
	if (opt.explain_topic && strncmp(opt.explain_topic, "__", 2) && !declared) {
		scn_free(s);
		return cli_usage_error("run: --topic %s: the scenario declares no such topic",
				       opt.explain_topic);
	}
	if (opt.explain_topic && !opt.explain) {
		scn_free(s);
		return cli_usage_error("run: --topic %s tells one topic's story: it goes with "
				       "--explain", opt.explain_topic);
	}
	int rc = run_scenario(s, &opt, stdout, stderr);
	scn_free(s);
	return rc;
}
