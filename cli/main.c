/*
 * ksim — the command line. Each subcommand lives in its own file; this one
 * parses the first word and dispatches. Usage errors exit with 2.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/demo.h"

#define KSIM_VERSION "0.1.0"

static void usage(FILE *out)
{
	fputs("usage: ksim COMMAND [ARGS]\n"
	      "\n"
	      "commands:\n"
	      "  run FILE [--seed N] [--out DIR] [--trace] [--quiet] [--no-plots]\n"
	      "      [--explain [--topic T]] [--diagram FROM..TO]\n"
	      "                                     run a scenario and judge it\n"
	      "  sweep FILE --seeds A..B [-j N] [--out DIR]\n"
	      "                                     run many seeds, one process each\n"
	      "  serve FILE [--port BASE] [--for DURATION] [--data DIR] [--workload]\n"
	      "      [--listen ADDR] [--control PATH] [--zookeeper HOST:PORT,...]\n"
	      "                                     the cluster in real time, for real clients\n"
	      "  ctl PATH COMMAND...                fire a fault through serve's --control socket\n"
	      "  demo [--seed N] [--trace FILE]     a tour of the simulated world\n"
	      "  check HISTORY.jsonl [--expect K=V]  run the checkers on a history\n"
	      "  validate FILE [--quiet] [--defaults]\n"
	      "                                     check a scenario file, print it normalized\n"
	      "                                     (--defaults: every config setting)\n"
	      "  help [COMMAND]                     this text, or a command's\n"
	      "\n"
	      "options:\n"
	      "  --help, --version; COMMAND --help prints that command's help\n"
	      "\n"
	      "exit codes: 0 success, 1 an expectation failed, 2 bad input or usage\n",
	      out);
}

static const struct {
	const char *name;
	const char *text;
} help_texts[] = {
	{"demo", "usage: ksim demo [--seed N] [--trace FILE]\n\n"
		 "Three nodes ping each other through a partition, a kill and a power\n"
		 "loss. Prints what each phase did and the run's trace hash: the same\n"
		 "seed gives the same hash on every machine. --trace writes every\n"
		 "simulated event to FILE.\n"},
	{"run", "usage: ksim run FILE [--seed N] [--out DIR] [--trace] [--quiet] [--no-plots]\n"
		"                [--explain [--topic T]] [--diagram FROM..TO]\n\n"
		"Runs the scenario in FILE (docs/scenarios.md): the cluster and workload\n"
		"for `duration` with the scenario's faults, then quiesce and final reads,\n"
		"then the checkers. Writes into DIR, by default reports/out/NAME-SEED/:\n"
		"index.html (start there), story.md (the run told in plain words),\n"
		"summary.json, junit.xml, summary.md, history.jsonl, the plots\n"
		"latency.png, rate.png, replicas.png and isr.png (gnuplot), trace.log\n"
		"with --trace, and diagram.svg with --diagram.\n\n"
		"  --seed N          replace the file's seed\n"
		"  --out DIR         write the run directory there\n"
		"  --trace           write trace.log: every simulated event\n"
		"  --no-plots        draw no picture (no gnuplot run)\n"
		"  --explain         print the story after the verdict (events of internal\n"
		"                    topics such as __consumer_offsets folded into a count)\n"
		"  --topic T         with --explain: only the events of topic T (and those\n"
		"                    that name no topic)\n"
		"  --diagram A..B    draw the messages delivered from A to B (units as in\n"
		"                    the scenario: 10s..12s, 1500ms..2s) as a sequence\n"
		"                    diagram, diagram.svg (at most 400 arrows)\n"
		"  --quiet           no progress lines\n\n"
		"Exit 0 when every expectation held, 1 when one failed, 2 for a bad file\n"
		"or usage. docs/reports.md describes every file.\n"},
	{"sweep", "usage: ksim sweep FILE --seeds A..B [-j N] [--out DIR]\n\n"
		  "Runs FILE once per seed from A to B, each in its own process, N at a\n"
		  "time; a crashed run is reported, not fatal. Prints a row per seed\n"
		  "(verdict, trace hash, anomaly counts), a summary, and the command that\n"
		  "reproduces the first failure. Each run's reports go to DIR/NAME-SEED/\n"
		  "(default DIR: reports/out/sweep); the whole sweep's junit.xml (one\n"
		  "test case per seed) and summary.json go to DIR. Exit 0 when every seed\n"
		  "passed, 1 if any failed or crashed, 2 for a bad file or usage.\n"},
	{"validate", "usage: ksim validate FILE [--quiet] [--defaults]\n\n"
		     "Loads a scenario file (format: docs/scenarios.md). A problem is\n"
		     "reported as FILE:LINE:COL: message with exit code 2; a valid file is\n"
		     "printed back with every default filled in (unless --quiet). `ksim run`\n"
		     "loads files the same way: a file that validates runs.\n\n"
		     "  --defaults   print instead every config setting the nodes run with,\n"
		     "               per component (brokers, topics, producers, consumers,\n"
		     "               ZooKeeper): the file's value or the default, where it\n"
		     "               comes from and what the key accepts. Keys not listed are\n"
		     "               not modelled, and a scenario may not set them.\n"},
	{"serve", "usage: ksim serve FILE [--port BASE] [--for DURATION] [--data DIR] [--workload]\n"
		  "                  [--listen ADDR] [--control PATH] [--zookeeper HOST:PORT,...]\n\n"
		  "Runs the scenario's cluster in real time for real Kafka and ZooKeeper\n"
		  "clients (docs/real-mode.md): broker-N listens on BASE+N-1 (default\n"
		  "9092), zk-N on 2181+N-1, on ADDR (default 127.0.0.1). The first lines\n"
		  "on stdout are bootstrap.servers= and zookeeper.connect=. The\n"
		  "scenario's faults fire at their times; its workload runs only with\n"
		  "--workload. --data DIR keeps the nodes' files there (the same DIR\n"
		  "restarts with its data). --control PATH takes more faults on demand\n"
		  "(`ksim ctl`). --zookeeper runs the brokers against that external\n"
		  "ensemble instead of the scenario's servers.\n"
		  "Exit 0 after --for or on SIGINT/SIGTERM, 2 for a bad\n"
		  "file, usage or a port in use.\n"},
	{"ctl", "usage: ksim ctl PATH COMMAND...\n\n"
		"Sends one command to the control socket of `ksim serve --control PATH`\n"
		"and prints its answer. Commands use the scenario's fault vocabulary:\n"
		"  kill TARGET [for DURATION]     pause TARGET for DURATION\n"
		"  restart TARGET                 partition isolate TARGET\n"
		"  partition groups T,T/T,T       delay TARGET MIN..MAX\n"
		"  heal all                       reset clients\n"
		"The answer is `ok NODE...` (the nodes the target resolved to) or\n"
		"`error: MESSAGE`. Exit 0 on ok, 1 on error, 2 when it cannot connect.\n"},
	{"check", "usage: ksim check HISTORY.jsonl [--expect KEY=VALUE]...\n\n"
		  "Runs every checker (lost-write, duplicate, inconsistent-offsets, ...)\n"
		  "on a history in the JSON Lines schema of docs/checkers.md, prints a\n"
		  "report, and exits 0 when every expectation holds, 1 when one fails,\n"
		  "2 for a malformed history (FILE:LINE:COL: message) or usage, as\n"
		  "`ksim run`. VALUE is none, some or any (liveness: ok or any); a checker\n"
		  "not named is `any` (reported, never failing), so without --expect the\n"
		  "exit code is 0 for any well-formed history.\n"},
};

static int cmd_help(int argc, char **argv)
{
	if (argc == 0 || !strcmp(argv[0], "help") || !strcmp(argv[0], "--help") ||
	    !strcmp(argv[0], "-h")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof help_texts / sizeof help_texts[0]; i++)
		if (strcmp(argv[0], help_texts[i].name) == 0) {
			fputs(help_texts[i].text, stdout);
			return 0;
		}
	return cli_usage_error("help: no command '%s'", argv[0]);
}

int cli_usage_error(const char *fmt, const char *arg)
{
	fputs("ksim: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\n(see ksim --help)\n", stderr);
	return 2;
}

static int parse_u64(const char *s, unsigned long long *out)
{
	char *end;
	errno = 0;
	if (!s || !*s || *s == '-')
		return -1;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

int cmd_demo(int argc, char **argv)
{
	unsigned long long seed = 1;
	const char *trace_path = NULL;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--seed") == 0) {
			if (parse_u64(i + 1 < argc ? argv[i + 1] : NULL, &seed))
				return cli_usage_error("--seed needs a non-negative integer%s", "");
			i++;
		} else if (strcmp(argv[i], "--trace") == 0 && i + 1 < argc) {
			trace_path = argv[++i];
		} else {
			return cli_usage_error("demo: unknown argument '%s'", argv[i]);
		}
	}
	FILE *trace = NULL;
	if (trace_path && !(trace = fopen(trace_path, "w"))) {
		fprintf(stderr, "ksim: cannot write %s: %s\n", trace_path, strerror(errno));
		return 2;
	}
	demo_run(seed, stdout, trace);
	if (trace)
		fclose(trace);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "help"))
		return cmd_help(argc - 2, argv + 2);
	/* `ksim COMMAND ... --help`: that command's help, exit 0. */
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return cmd_help(1, argv + 1);
	if (!strcmp(cmd, "--version")) {
		printf("ksim %s\n", KSIM_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "demo"))
		return cmd_demo(argc - 2, argv + 2);
	if (!strcmp(cmd, "check"))
		return cmd_check(argc - 2, argv + 2);
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 2, argv + 2);
	if (!strcmp(cmd, "serve"))
		return cmd_serve(argc - 2, argv + 2);
	if (!strcmp(cmd, "ctl"))
		return cmd_ctl(argc - 2, argv + 2);
	if (!strcmp(cmd, "sweep"))
		return cmd_sweep(argc - 2, argv + 2);
	if (!strcmp(cmd, "validate"))
		return cmd_validate(argc - 2, argv + 2);
	return cli_usage_error("unknown command '%s'", cmd);
}
