#include "reports/rpt_plot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static FILE *open_in(const char *dir, const char *name, char *note, size_t size)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		snprintf(note, size, "cannot write %s", path);
	return f;
}

/* latency.dat: invoke time (s), latency (ms), outcome (0 ok, 1 fail,
 * 2 info), kind (0 send); rate.dat: second, ok, fail, info. */
static int write_data(const char *dir, const struct hist *h, int64_t *max_rate, char *note,
		      size_t size)
{
	FILE *lat = open_in(dir, "latency.dat", note, size);
	FILE *rate = lat ? open_in(dir, "rate.dat", note, size) : NULL;
	if (!lat || !rate) {
		if (lat)
			fclose(lat);
		return -1;
	}
	int64_t end_s = 0;
	for (size_t i = 0; i < h->n_ops; i++)
		if (h->ops[i].time / 1000000000 > end_s)
			end_s = h->ops[i].time / 1000000000;
	int64_t(*per_s)[3] = calloc((size_t)end_s + 2, sizeof *per_s);
	for (size_t i = 0; per_s && i < h->n_ops; i++) {
		const struct hist_op *op = &h->ops[i];
		if (op->f != HIST_F_SEND || op->type == HIST_T_INVOKE || op->pair >= h->n_ops)
			continue;
		int outcome = op->type == HIST_T_OK ? 0 : op->type == HIST_T_FAIL ? 1 : 2;
		const struct hist_op *inv = &h->ops[op->pair];
		fprintf(lat, "%.6f %.3f %d 0\n", (double)inv->time / 1e9,
			(double)(op->time - inv->time) / 1e6, outcome);
		per_s[op->time / 1000000000][outcome]++;
	}
	*max_rate = 0;
	for (int64_t s = 0; per_s && s <= end_s; s++) {
		fprintf(rate, "%lld %lld %lld %lld\n", (long long)s, (long long)per_s[s][0],
			(long long)per_s[s][1], (long long)per_s[s][2]);
		for (int k = 0; k < 3; k++)
			if (per_s[s][k] > *max_rate)
				*max_rate = per_s[s][k];
	}
	free(per_s);
	int bad = ferror(lat) | ferror(rate);
	bad |= fclose(lat) | fclose(rate);
	if (bad)
		snprintf(note, size, "cannot write the plot data in %s", dir);
	return bad ? -1 : 0;
}

/*
 * faults.dat: one span per fault (start_s end_s label); fault_labels.dat: one
 * label per instant (start_s "label, label, ..."), so that faults that start
 * together share one label instead of printing over each other. The spans
 * arrive in time order. An empty file would make gnuplot fail, so a run
 * without faults gets one empty span and label at 0, which draw nothing.
 */
static int write_faults(const char *dir, const struct rpt_fault_span *f, size_t n, char *note,
			size_t size)
{
	FILE *out = open_in(dir, "faults.dat", note, size);
	if (!out)
		return -1;
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%.6f %.6f \"%s\"\n", (double)f[i].start_ns / 1e9,
			(double)f[i].end_ns / 1e9, f[i].label);
	if (!n)
		fputs("0 0 \"\"\n", out);
	if (fclose(out))
		return -1;
	if (!(out = open_in(dir, "fault_labels.dat", note, size)))
		return -1;
	for (size_t i = 0; i < n;) {
		fprintf(out, "%.6f \"%s", (double)f[i].start_ns / 1e9, f[i].label);
		size_t k = i + 1;
		for (; k < n && f[k].start_ns == f[i].start_ns; k++)
			fprintf(out, ", %s", f[k].label);
		fputs("\"\n", out);
		i = k;
	}
	if (!n)
		fputs("0 \"\"\n", out);
	return fclose(out) ? -1 : 0;
}

int rpt_plot_gnuplot(const char *scripts, const char *script, const char *vars)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", scripts, script);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		FILE *devnull = freopen("/dev/null", "w", stderr);
		(void)devnull;
		execlp("gnuplot", "gnuplot", "-e", vars, path, (char *)NULL);
		_exit(127);
	}
	int status;
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int rpt_plot_run(const char *dir, const char *scripts, const struct hist *h,
		 const struct rpt_fault_span *faults, size_t n_faults, char *note,
		 size_t note_size)
{
	int64_t max_rate;
	note[0] = 0;
	if (write_data(dir, h, &max_rate, note, note_size) ||
	    write_faults(dir, faults, n_faults, note, note_size))
		return -1;
	if (strchr(dir, '\'')) {
		snprintf(note, note_size, "plots skipped: the directory name holds a quote");
		return 1;
	}
	char vars[1200];
	snprintf(vars, sizeof vars, "dir='%s'; nfaults=%zu; top=%lld", dir, n_faults,
		 (long long)(max_rate > 0 ? max_rate + max_rate / 5 + 1 : 1));
	int rc = rpt_plot_gnuplot(scripts, "latency.gp", vars);
	if (rc == 127) {
		snprintf(note, note_size, "plots skipped: gnuplot is not installed "
					  "(the data files are there)");
		return 1;
	}
	if (rc == 0)
		rc = rpt_plot_gnuplot(scripts, "rate.gp", vars);
	if (rc) {
		snprintf(note, note_size, "plots skipped: gnuplot failed on %s/*.gp", scripts);
		return 1;
	}
	return 0;
}
