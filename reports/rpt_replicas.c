/* rpt_replicas — replica samples, their data files and plots (see rpt_replicas.h). */
#include "reports/rpt_replicas.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/util.h"

/* A row of a replica's series; `gap` marks where it stopped being hosted. */
struct row {
	int64_t t;
	struct rpt_replica_obs o;
	bool gap;
};

struct series {
	struct row *rows;
	size_t n, cap;
	bool present;         /* hosted at the last sample */
	struct row last;      /* the last sample while hosted */
	bool last_written;    /* `last` is rows[n-1] */
	bool ever;            /* hosted at some point */
	int64_t end_leo;      /* the last LEO seen, across gaps */
};

struct isr_row {
	int64_t t;
	int32_t n;
};

struct part {
	char name[96];
	struct isr_row *isr;
	size_t n_isr, cap_isr;
	int64_t isr_last_t;
	int32_t leader; /* broker index + 1, 0 none */
	int32_t epoch;
	int32_t known_isr; /* the ISR size the last leader reported (0: never led) */
	bool told_leaderless;
	int64_t top; /* largest offset seen */
};

struct leader_row {
	int64_t t;
	size_t part;
	char label[80];
};

struct rpt_replicas {
	size_t n_parts, n_brokers;
	struct part *parts;
	char (*brokers)[48];
	struct series *series; /* [part * n_brokers + broker] */
	struct leader_row *leaders;
	size_t n_leaders, cap_leaders;
	struct rpt_story *story;
	int64_t now;
	/* The leader seen in the sample being taken, per partition. */
	int32_t *seen_leader, *seen_epoch, *seen_isr;
};

struct rpt_replicas *rpt_replicas_new(const char *const *parts, size_t n_parts,
				      const char *const *brokers, size_t n_brokers,
				      struct rpt_story *story)
{
	struct rpt_replicas *r = sim_xcalloc(1, sizeof *r);
	r->n_parts = n_parts;
	r->n_brokers = n_brokers;
	r->story = story;
	r->parts = sim_xcalloc(n_parts + 1, sizeof *r->parts);
	r->brokers = sim_xcalloc(n_brokers + 1, sizeof *r->brokers);
	r->series = sim_xcalloc(n_parts * n_brokers + 1, sizeof *r->series);
	r->seen_leader = sim_xcalloc(n_parts + 1, sizeof *r->seen_leader);
	r->seen_epoch = sim_xcalloc(n_parts + 1, sizeof *r->seen_epoch);
	r->seen_isr = sim_xcalloc(n_parts + 1, sizeof *r->seen_isr);
	r->now = -1;
	for (size_t i = 0; i < n_parts; i++) {
		snprintf(r->parts[i].name, sizeof r->parts[i].name, "%s", parts[i]);
		r->parts[i].isr_last_t = -1;
	}
	for (size_t i = 0; i < n_brokers; i++)
		snprintf(r->brokers[i], sizeof r->brokers[i], "%s", brokers[i]);
	return r;
}

void rpt_replicas_free(struct rpt_replicas *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_parts * r->n_brokers; i++)
		free(r->series[i].rows);
	for (size_t i = 0; i < r->n_parts; i++)
		free(r->parts[i].isr);
	free(r->series);
	free(r->parts);
	free(r->brokers);
	free(r->leaders);
	free(r->seen_leader);
	free(r->seen_epoch);
	free(r->seen_isr);
	free(r);
}

static void push(struct series *s, struct row row)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->rows = sim_xrealloc(s->rows, s->cap * sizeof *s->rows);
	}
	s->rows[s->n++] = row;
}

static bool same(const struct rpt_replica_obs *a, const struct rpt_replica_obs *b)
{
	return a->leo == b->leo && a->hw == b->hw && a->leader == b->leader &&
	       a->leader_epoch == b->leader_epoch;
}

static void story_note(struct rpt_replicas *r, const char *node, const char *kind,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void story_note(struct rpt_replicas *r, const char *node, const char *kind,
		       const char *fmt, ...)
{
	if (!r->story)
		return;
	char text[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	rpt_story_add(r->story, r->now, RPT_STORY_NOTE, node, kind, text);
}

static void push_isr(struct part *p, int64_t t, int32_t n)
{
	if (p->n_isr && p->isr[p->n_isr - 1].n == n) {
		p->isr_last_t = t;
		return;
	}
	if (p->n_isr == p->cap_isr) {
		p->cap_isr = p->cap_isr ? p->cap_isr * 2 : 16;
		p->isr = sim_xrealloc(p->isr, p->cap_isr * sizeof *p->isr);
	}
	p->isr[p->n_isr++] = (struct isr_row){t, n};
	p->isr_last_t = t;
}

/* Closes the sample taken at r->now: leaders and ISR per partition. */
static void close_sample(struct rpt_replicas *r)
{
	if (r->now < 0)
		return;
	for (size_t k = 0; k < r->n_parts; k++) {
		struct part *p = &r->parts[k];
		int32_t lead = r->seen_leader[k], epoch = r->seen_epoch[k];
		/* Without a leader the metadata keeps the last ISR (the controller
		 * changes it only when it elects a leader), so the plot does too. */
		if (lead)
			p->known_isr = r->seen_isr[k];
		push_isr(p, r->now, p->known_isr);
		if (lead && (lead != p->leader || epoch != p->epoch)) {
			if (r->n_leaders == r->cap_leaders) {
				r->cap_leaders = r->cap_leaders ? r->cap_leaders * 2 : 16;
				r->leaders = sim_xrealloc(r->leaders,
							  r->cap_leaders * sizeof *r->leaders);
			}
			struct leader_row *lr = &r->leaders[r->n_leaders++];
			lr->t = r->now;
			lr->part = k;
			snprintf(lr->label, sizeof lr->label, "%s e%d", r->brokers[lead - 1], epoch);
			story_note(r, r->brokers[lead - 1], "leader",
				   "%s now leads %s, with leader epoch %d (as the harness sees it)",
				   r->brokers[lead - 1], p->name, epoch);
			p->told_leaderless = false;
		} else if (!lead && p->leader && !p->told_leaderless) {
			story_note(r, "", "leader", "%s has no leader now: no live replica of it "
						    "claims to lead",
				   p->name);
			p->told_leaderless = true;
		}
		if (lead) {
			p->leader = lead;
			p->epoch = epoch;
		}
		r->seen_leader[k] = 0;
	}
}

void rpt_replicas_sample(struct rpt_replicas *r, int64_t time_ns, size_t part, size_t broker,
			 const struct rpt_replica_obs *obs)
{
	if (part >= r->n_parts || broker >= r->n_brokers)
		return;
	if (time_ns != r->now) {
		close_sample(r);
		r->now = time_ns;
	}
	struct series *s = &r->series[part * r->n_brokers + broker];
	struct part *p = &r->parts[part];
	if (!obs) {
		if (s->present) {
			if (!s->last_written)
				push(s, s->last);
			push(s, (struct row){time_ns, s->last.o, true});
			s->present = false;
		}
		return;
	}
	if (obs->leader) {
		r->seen_leader[part] = (int32_t)broker + 1;
		r->seen_epoch[part] = obs->leader_epoch;
		r->seen_isr[part] = obs->n_isr;
	}
	if (obs->leo > p->top)
		p->top = obs->leo;
	if (obs->hw > p->top)
		p->top = obs->hw;
	if (s->ever && obs->leo < s->end_leo)
		story_note(r, r->brokers[broker], "log-end",
			   "the log of %s on %s now ends at offset %" PRId64 ", though it had "
			   "reached %" PRId64 ": %" PRId64 " record%s at its end %s gone",
			   p->name, r->brokers[broker], obs->leo, s->end_leo, s->end_leo - obs->leo,
			   s->end_leo - obs->leo == 1 ? "" : "s",
			   s->end_leo - obs->leo == 1 ? "is" : "are");
	struct row row = {time_ns, *obs, false};
	if (!s->present || !same(&s->last.o, obs)) {
		push(s, row);
		s->last_written = true;
	} else {
		s->last_written = false;
	}
	s->last = row;
	s->present = true;
	s->ever = true;
	s->end_leo = obs->leo;
}

/* ---- Files ------------------------------------------------------------------------- */

static FILE *open_in(const char *dir, const char *name, char *note, size_t size)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		snprintf(note, size, "cannot write %s", path);
	return f;
}

static void write_row(FILE *f, size_t k, size_t b, const struct row *row)
{
	if (row->gap) {
		fputc('\n', f);
		return;
	}
	fprintf(f, "%.3f %zu %zu %" PRId64 " %" PRId64 " %d %d\n", (double)row->t / 1e9, k, b + 1,
		row->o.leo, row->o.hw, row->o.leader ? 1 : 0, row->o.leader_epoch);
}

static void write_replicas(const struct rpt_replicas *r, FILE *f)
{
	fputs("# time_s partition broker leo hw leader epoch; one block per (partition, "
	      "broker)\n",
	      f);
	for (size_t k = 0; k < r->n_parts; k++)
		for (size_t b = 0; b < r->n_brokers; b++) {
			const struct series *s = &r->series[k * r->n_brokers + b];
			fprintf(f, "%s# %s on %s\n", k + b ? "\n\n" : "", r->parts[k].name,
				r->brokers[b]);
			for (size_t i = 0; i < s->n; i++)
				write_row(f, k, b, &s->rows[i]);
			if (s->present && !s->last_written)
				write_row(f, k, b, &s->last);
			if (!s->n)
				/* gnuplot wants every index to exist; this one has no points. */
				fprintf(f, "0 %zu %zu NaN NaN 0 0\n", k, b + 1);
		}
}

static void write_isr(const struct rpt_replicas *r, FILE *f)
{
	fputs("# time_s partition isr_size; one block per partition\n", f);
	for (size_t k = 0; k < r->n_parts; k++) {
		const struct part *p = &r->parts[k];
		fprintf(f, "%s# %s\n", k ? "\n\n" : "", p->name);
		for (size_t i = 0; i < p->n_isr; i++)
			fprintf(f, "%.3f %zu %d\n", (double)p->isr[i].t / 1e9, k, p->isr[i].n);
		if (p->n_isr && p->isr_last_t > p->isr[p->n_isr - 1].t)
			fprintf(f, "%.3f %zu %d\n", (double)p->isr_last_t / 1e9, k,
				p->isr[p->n_isr - 1].n);
		if (!p->n_isr)
			fprintf(f, "0 %zu NaN\n", k);
	}
}

static void write_leaders(const struct rpt_replicas *r, FILE *f)
{
	fputs("# time_s partition \"leader and epoch\"\n", f);
	for (size_t i = 0; i < r->n_leaders; i++)
		fprintf(f, "%.3f %zu \"%s\"\n", (double)r->leaders[i].t / 1e9, r->leaders[i].part,
			r->leaders[i].label);
	if (!r->n_leaders)
		fputs("0 -1 \"\"\n", f); /* no leader was seen: a row no panel draws */
}

static int write_all(struct rpt_replicas *r, const char *dir, char *note, size_t size)
{
	static const char *const names[] = {"replicas.dat", "isr.dat", "leaders.dat"};
	void (*const fns[])(const struct rpt_replicas *, FILE *) = {write_replicas, write_isr,
								     write_leaders};
	for (int i = 0; i < 3; i++) {
		FILE *f = open_in(dir, names[i], note, size);
		if (!f)
			return -1;
		fns[i](r, f);
		int bad = ferror(f);
		if (fclose(f) || bad) {
			snprintf(note, size, "cannot write %s/%s", dir, names[i]);
			return -1;
		}
	}
	return 0;
}

/* Appends the words of a gnuplot string list, each without spaces. */
static void word_list(char *buf, size_t size, const char *name, const char *const *words,
		      size_t n)
{
	size_t len = strlen(buf);
	len += (size_t)snprintf(buf + len, size - len, "; %s='", name);
	for (size_t i = 0; i < n && len < size; i++) {
		len += (size_t)snprintf(buf + len, size - len, "%s", i ? " " : "");
		for (const char *c = words[i]; *c && len + 1 < size; c++)
			buf[len++] = *c == ' ' || *c == '\'' || *c == '"' ? '_' : *c;
		buf[len] = 0;
	}
	if (len < size)
		snprintf(buf + len, size - len, "'");
}

int rpt_replicas_write(struct rpt_replicas *r, const char *dir, const char *scripts,
		       size_t n_faults, int min_isr, int64_t end_ns, char *note, size_t note_size)
{
	close_sample(r);
	r->now = -1;
	note[0] = 0;
	if (write_all(r, dir, note, note_size))
		return -1;
	if (!scripts)
		return 1;
	if (strchr(dir, '\'')) {
		snprintf(note, note_size, "plots skipped: the directory name holds a quote");
		return 1;
	}
	size_t np = r->n_parts < RPT_REPLICAS_MAX_PANELS ? r->n_parts : RPT_REPLICAS_MAX_PANELS;
	size_t cap = 4096 + 200 * (np + r->n_brokers);
	char *vars = sim_xmalloc(cap);
	const char **parts = sim_xcalloc(np + 1, sizeof *parts);
	const char **brokers = sim_xcalloc(r->n_brokers + 1, sizeof *brokers);
	char(*tops)[24] = sim_xcalloc(np + 1, sizeof *tops);
	const char **top_words = sim_xcalloc(np + 1, sizeof *top_words);
	for (size_t k = 0; k < np; k++) {
		parts[k] = r->parts[k].name;
		int64_t top = r->parts[k].top;
		snprintf(tops[k], sizeof tops[k], "%" PRId64, top > 0 ? top + top / 10 + 1 : 1);
		top_words[k] = tops[k];
	}
	for (size_t b = 0; b < r->n_brokers; b++)
		brokers[b] = r->brokers[b];
	snprintf(vars, cap, "dir='%s'; np=%zu; nparts=%zu; nb=%zu; nfaults=%zu; misr=%d; tmax=%.3f",
		 dir, np, r->n_parts, r->n_brokers, n_faults, min_isr,
		 (double)(end_ns > 0 ? end_ns : 1) / 1e9);
	word_list(vars, cap, "tps", parts, np);
	word_list(vars, cap, "names", brokers, r->n_brokers);
	word_list(vars, cap, "tops", top_words, np);
	int rc = np ? rpt_plot_gnuplot(scripts, "replicas.gp", vars) : 0;
	if (rc == 0 && np)
		rc = rpt_plot_gnuplot(scripts, "isr.gp", vars);
	free(vars);
	free(parts);
	free(brokers);
	free(tops);
	free(top_words);
	if (rc == 127) {
		snprintf(note, note_size, "replica plots skipped: gnuplot is not installed");
		return 1;
	}
	if (rc) {
		snprintf(note, note_size, "replica plots skipped: gnuplot failed on %s/replicas.gp "
					  "or isr.gp",
			 scripts);
		return 1;
	}
	return np ? 0 : 1;
}
