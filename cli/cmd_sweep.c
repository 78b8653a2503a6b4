/*
 * `ksim sweep FILE --seeds A..B [-j N] [--out DIR]`: runs the scenario once
 * per seed, each in its own process (a crash of one run is reported, not
 * fatal), N at a time, prints a table of verdicts and anomaly counts, and
 * the command that reproduces the first failure. Writes DIR/junit.xml and
 * DIR/summary.json for the whole sweep (reports/rpt_sweep.h) beside the
 * per-seed directories DIR/NAME-SEED. Exit 1 if any seed failed or crashed,
 * 2 for bad input or usage, or when the sweep's reports cannot be written.
 */
#include "cli/commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checkers/chk.h"
#include "harness/run.h"
#include "harness/scn.h"
#include "reports/rpt_outdir.h"
#include "reports/rpt_sweep.h"
#include "sim/invariant.h"

struct slot {
	pid_t pid;
	int fd;
	uint64_t seed;
};

struct outcome {
	int status; /* 0 pass, 1 fail, 2 could not run, 3 crashed */
	struct run_result res;
};

static int parse_seeds(const char *s, uint64_t *a, uint64_t *b)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno || end == s || strncmp(end, "..", 2) || *s == '-')
		return -1;
	const char *t = end + 2;
	unsigned long long y = strtoull(t, &end, 10);
	if (errno || end == t || *end || *t == '-' || y < x || y - x >= 1000000)
		return -1;
	*a = x;
	*b = y;
	return 0;
}

/* The child: one run, its result through the pipe. */
static void child(const struct scn_scenario *s, const char *path, uint64_t seed,
		  const char *out_root, int fd)
{
	struct scn_scenario copy = *s;
	copy.seed = seed;
	char dir[600];
	snprintf(dir, sizeof dir, "%s/%s-%llu", out_root, s->name, (unsigned long long)seed);
	struct outcome o;
	memset(&o, 0, sizeof o);
	struct run_options opt = {.out_dir = dir, .quiet = true, .result = &o.res};
	FILE *devnull = fopen("/dev/null", "w");
	sim_invariant_set_file(path); /* a broken invariant exits 3 with its repro line */
	o.status = run_scenario(&copy, &opt, devnull ? devnull : stdout, stderr);
	if (write(fd, &o, sizeof o) != (ssize_t)sizeof o)
		_exit(3);
	_exit(0);
}

static void print_row(uint64_t seed, const struct outcome *o)
{
	static const char *const verdicts[] = {"pass", "FAIL", "ERROR", "CRASH"};
	printf("%8llu  %-5s", (unsigned long long)seed, verdicts[o->status]);
	if (o->status <= 1) {
		printf("  %016llx", (unsigned long long)o->res.trace_hash);
		for (int k = 0; k < CHK_COUNT; k++)
			if (o->res.anomalies[k])
				printf("  %s=%llu", chk_name((enum chk_kind)k),
				       (unsigned long long)o->res.anomalies[k]);
		if (o->status == 1)
			printf("  (failed: %s)", o->res.failed);
	}
	putchar('\n');
	fflush(stdout);
}

static void collect(struct slot *sl, struct outcome *o)
{
	memset(o, 0, sizeof *o);
	ssize_t n = read(sl->fd, o, sizeof *o);
	int wstatus = 0;
	waitpid(sl->pid, &wstatus, 0);
	close(sl->fd);
	if (n != (ssize_t)sizeof *o || !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
		o->status = 3;
}

/* Writes DIR/junit.xml and DIR/summary.json; 0, or -1 after saying why. */
static int write_reports(const char *out_root, const struct scn_scenario *s, const char *path,
			 uint64_t a, const struct outcome *all, uint64_t total)
{
	static const enum rpt_sweep_status st[] = {RPT_SWEEP_PASS, RPT_SWEEP_FAIL,
						   RPT_SWEEP_ERROR, RPT_SWEEP_CRASH};
	struct rpt_sweep_seed *seeds = calloc(total, sizeof *seeds);
	char(*dirs)[300] = calloc(total, sizeof *dirs);
	int rc = -1;
	if (!seeds || !dirs) {
		fputs("ksim sweep: out of memory\n", stderr);
		goto out;
	}
	size_t n_anomalies = sizeof all->res.anomalies / sizeof all->res.anomalies[0];
	if (n_anomalies > CHK_COUNT)
		n_anomalies = CHK_COUNT;
	for (uint64_t i = 0; i < total; i++) {
		snprintf(dirs[i], sizeof dirs[i], "%s-%llu", s->name, (unsigned long long)(a + i));
		seeds[i] = (struct rpt_sweep_seed){a + i, st[all[i].status], all[i].res.trace_hash,
						   all[i].res.anomalies, n_anomalies,
						   all[i].res.failed, dirs[i]};
	}
	struct rpt_sweep sw = {s->name, path, seeds, total};
	struct rpt_error err;
	if (rpt_mkdir_p(out_root, &err)) {
		fprintf(stderr, "ksim sweep: %s\n", err.msg);
		goto out;
	}
	const char *names[] = {"junit.xml", "summary.json"};
	for (int k = 0; k < 2; k++) {
		char file[700];
		snprintf(file, sizeof file, "%s/%s", out_root, names[k]);
		FILE *f = fopen(file, "w");
		int wrc = !f ? -1
			  : k == 0 ? rpt_write_sweep_junit(f, &sw)
				   : rpt_write_sweep_summary(f, &sw);
		if (f && fclose(f))
			wrc = -1;
		if (wrc) {
			fprintf(stderr, "ksim sweep: cannot write %s: %s\n", file, strerror(errno));
			goto out;
		}
	}
	rc = 0;
out:
	free(seeds);
	free(dirs);
	return rc;
}

int cmd_sweep(int argc, char **argv)
{
	const char *path = NULL, *out_root = "reports/out/sweep";
	uint64_t a = 0, b = 0;
	bool have_seeds = false;
	long jobs = 1;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--seeds") && i + 1 < argc) {
			if (parse_seeds(argv[++i], &a, &b))
				return cli_usage_error("sweep: --seeds wants A..B (A <= B), not '%s'",
						       argv[i]);
			have_seeds = true;
		} else if (!strcmp(argv[i], "-j") && i + 1 < argc) {
			char *end;
			jobs = strtol(argv[++i], &end, 10);
			if (*end || jobs < 1 || jobs > 256)
				return cli_usage_error("sweep: -j wants 1..256, not '%s'", argv[i]);
		} else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
			out_root = argv[++i];
		} else if (argv[i][0] == '-' || path) {
			return cli_usage_error("sweep: unexpected argument '%s'", argv[i]);
		} else {
			path = argv[i];
		}
	}
	if (!path || !have_seeds)
		return cli_usage_error("sweep: usage: ksim sweep FILE --seeds A..B [-j N]%s", "");
	struct scn_scenario *s = NULL;
	struct scn_error err;
	if (scn_load_file(path, &s, &err) != SCN_OK) {
		fprintf(stderr, "%s\n", err.text);
		return 2;
	}
	printf("sweep %s, seeds %llu..%llu, %ld at a time\n", s->name, (unsigned long long)a,
	       (unsigned long long)b, jobs);
	printf("%8s  %-5s  %-16s  anomalies\n", "seed", "", "trace hash");
	fflush(stdout);
	struct slot *slots = calloc((size_t)jobs, sizeof *slots);
	struct outcome *all = calloc(b - a + 1, sizeof *all); /* every seed's, for the reports */
	if (!slots || !all) {
		fputs("ksim sweep: out of memory\n", stderr);
		free(slots);
		free(all);
		scn_free(s);
		return 2;
	}
	uint64_t next = a, done = 0, total = b - a + 1, counts[4] = {0};
	uint64_t first_failure = 0;
	bool any_failure = false;
	while (done < total) {
		for (long k = 0; k < jobs && next <= b; k++) {
			if (slots[k].pid)
				continue;
			int p[2];
			if (pipe(p)) {
				perror("ksim sweep: pipe");
				free(slots);
				free(all);
				scn_free(s);
				return 2;
			}
			fflush(NULL);
			pid_t pid = fork();
			if (pid == 0) {
				close(p[0]);
				child(s, path, next, out_root, p[1]);
			}
			close(p[1]);
			slots[k] = (struct slot){pid, p[0], next++};
		}
		/* Collect the oldest running seed (its read blocks until it ends),
		 * so rows come out in seed order. */
		long oldest = -1;
		for (long k = 0; k < jobs; k++)
			if (slots[k].pid && (oldest < 0 || slots[k].seed < slots[oldest].seed))
				oldest = k;
		struct outcome o;
		collect(&slots[oldest], &o);
		print_row(slots[oldest].seed, &o);
		all[slots[oldest].seed - a] = o;
		counts[o.status]++;
		if (o.status && (!any_failure || slots[oldest].seed < first_failure)) {
			any_failure = true;
			first_failure = slots[oldest].seed;
		}
		slots[oldest].pid = 0;
		done++;
	}
	printf("%llu seeds: %llu pass, %llu fail, %llu could not run, %llu crashed\n",
	       (unsigned long long)total, (unsigned long long)counts[0],
	       (unsigned long long)counts[1], (unsigned long long)counts[2],
	       (unsigned long long)counts[3]);
	if (any_failure)
		printf("reproduce the first failure: ksim run %s --seed %llu\n", path,
		       (unsigned long long)first_failure);
	int rc = write_reports(out_root, s, path, a, all, total) ? 2 : any_failure ? 1 : 0;
	if (rc != 2)
		printf("sweep reports: %s/junit.xml, %s/summary.json\n", out_root, out_root);
	free(slots);
	free(all);
	scn_free(s);
	return rc;
}
