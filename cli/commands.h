/*
 * commands — the subcommands of `ksim`, one file each, and the helpers they
 * share. Each returns the process exit code: 0 success, 1 a failed
 * expectation, 2 bad input or usage.
 */
#ifndef KSIM_CLI_COMMANDS_H
#define KSIM_CLI_COMMANDS_H

#include <stdbool.h>

int cmd_demo(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_ctl(int argc, char **argv);

/* Prints "ksim: " + the formatted message (one %s) and a hint; returns 2. */
int cli_usage_error(const char *fmt, const char *arg);

#endif
