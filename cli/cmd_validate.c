/*
 * `ksim validate FILE [--quiet] [--defaults]`: loads a scenario file and
 * reports the first problem as FILE:LINE:COL: message (exit 2), or prints
 * the scenario in its normalized form, every default filled in (exit 0);
 * with --defaults, every config setting of every component instead
 * (harness/scn_defaults.c). `ksim run` loads files through the same loader.
 */
#include "cli/commands.h"

#include <stdio.h>
#include <string.h>

#include "harness/scn.h"

int cmd_validate(int argc, char **argv)
{
	const char *path = NULL;
	bool quiet = false, defaults = false;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--quiet") == 0)
			quiet = true;
		else if (strcmp(argv[i], "--defaults") == 0)
			defaults = true;
		else if (argv[i][0] == '-' || path)
			return cli_usage_error("validate: unexpected argument '%s'", argv[i]);
		else
			path = argv[i];
	}
	if (!path)
		return cli_usage_error("validate: which file? (ksim validate FILE)%s", "");
	struct scn_scenario *s = NULL;
	struct scn_error err;
	if (scn_load_file(path, &s, &err) != SCN_OK) {
		fprintf(stderr, "%s\n", err.text);
		return 2;
	}
	if (defaults)
		scn_print_defaults(s, stdout);
	else if (!quiet)
		scn_print(s, stdout);
	scn_free(s);
	return 0;
}
