/*
 * `ksim check HISTORY.jsonl [--expect KEY=VALUE]...`: the checkers on a
 * recorded history (from a ksim run, or written elsewhere in the documented
 * schema, docs/checkers.md). Exit 0 when every expectation holds (a checker
 * not named is `any`, so with no --expect every checker only reports), 1
 * when one fails, 2 for bad input or usage — as `ksim run`.
 */
#include "cli/commands.h"

#include <stdio.h>
#include <string.h>

#include "checkers/chk.h"

int cmd_check(int argc, char **argv)
{
	const char *path = NULL;
	struct chk_expectations expect;
	memset(&expect, 0, sizeof expect);
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--expect") == 0 && i + 1 < argc) {
			char key[64];
			const char *eq = strchr(argv[++i], '=');
			size_t n = eq ? (size_t)(eq - argv[i]) : 0;
			enum chk_kind kind;
			enum chk_expect value;
			if (!eq || n >= sizeof key)
				return cli_usage_error("check: --expect wants KEY=VALUE, not '%s'",
						       argv[i]);
			memcpy(key, argv[i], n);
			key[n] = 0;
			if (chk_kind_from_name(key, &kind))
				return cli_usage_error("check: unknown checker '%s'", key);
			if (chk_expect_from_name(kind, eq + 1, &value))
				return cli_usage_error("check: bad expectation '%s'", argv[i]);
			expect.of[kind] = (uint8_t)value;
		} else if (argv[i][0] == '-' || path) {
			return cli_usage_error("check: unexpected argument '%s'", argv[i]);
		} else {
			path = argv[i];
		}
	}
	if (!path)
		return cli_usage_error("check: which history? (ksim check HISTORY.jsonl)%s", "");
	/* Zeroed expectations are `any` of everything (checkers/chk.h). */
	return chk_run_file(path, &expect, stdout, stderr);
}
