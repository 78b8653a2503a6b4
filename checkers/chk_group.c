/*
 * group-skip and group-redelivery: how a consumer group's members processed
 * the records, judged per group. A consumer-config line puts its process in a
 * group; an ok poll of a member is that member processing the records (ksim
 * reports a poll when the records are handed to the application: with
 * commit before-process, only after the commit past them was acknowledged).
 *
 * group-redelivery: a record (topic-partition, offset and value) processed
 * more than once within one group, by one member or two: at-least-once
 * delivery's duplicates. Counts each such record once; the example is the
 * poll that processed it the second time.
 *
 * group-skip: a record that the final reads hold below the group's committed
 * offset of its partition (the largest offset of an acknowledged commit) and
 * at or above the group's first position there (the lowest offset an assign
 * or seek of a member gave; 0 when none did), whose value no member of the
 * group processed: at-most-once delivery's loss. Counts each such record
 * once; the example is the group's first acknowledged commit past it.
 *
 * Consumers without a group are not judged.
 */
#include "checkers/chk_impl.h"

#include <stdlib.h>

#define REPORTED (UINT64_C(1) << 63)

/* An acknowledged commit that raised a group's committed offset. */
struct step {
	int64_t offset;
	size_t op;
};

/* Per (group, tp): the committed offset, the commits that raised it (in
 * history order, so offsets increase), the first position. */
struct gtp {
	uint32_t group, tp;
	int64_t committed; /* -1: none */
	struct step *steps;
	size_t n_steps, cap_steps;
	int64_t start; /* -1: none */
};

/* The first commit of g past offset (one exists: offset < g->committed). */
static size_t first_commit_past(const struct gtp *g, int64_t offset)
{
	size_t lo = 0, hi = g->n_steps - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (g->steps[mid].offset > offset)
			hi = mid;
		else
			lo = mid + 1;
	}
	return g->steps[lo].op;
}

static int push_step(struct gtp *g, int64_t offset, size_t op)
{
	if (g->n_steps == g->cap_steps) {
		size_t cap = g->cap_steps ? g->cap_steps * 2 : 8;
		struct step *st = realloc(g->steps, cap * sizeof(*st));
		if (!st)
			return CHK_ENOMEM;
		g->steps = st;
		g->cap_steps = cap;
	}
	g->steps[g->n_steps++] = (struct step){offset, op};
	g->committed = offset;
	return CHK_OK;
}

struct walk {
	struct hist_map group_of;  /* (process, 0) -> group id */
	struct hist_map processed; /* (group, value) -> 1 */
	struct hist_map index;     /* (group, tp) -> index in gtps */
	struct gtp *gtps;
	size_t n_gtps, cap_gtps;
	uint32_t *groups; /* distinct group ids, in order of first appearance */
	size_t n_groups, cap_groups;
};

static int add_group(struct walk *w, uint32_t group)
{
	for (size_t i = 0; i < w->n_groups; i++)
		if (w->groups[i] == group)
			return CHK_OK;
	if (w->n_groups == w->cap_groups) {
		size_t cap = w->cap_groups ? w->cap_groups * 2 : 4;
		uint32_t *g = realloc(w->groups, cap * sizeof(*g));
		if (!g)
			return CHK_ENOMEM;
		w->groups = g;
		w->cap_groups = cap;
	}
	w->groups[w->n_groups++] = group;
	return CHK_OK;
}

static struct gtp *gtp_of(struct walk *w, uint32_t group, uint32_t tp)
{
	bool fresh;
	uint64_t *at = hist_map_upsert(&w->index, group, tp, w->n_gtps, &fresh);
	if (!at)
		return NULL;
	if (!fresh)
		return &w->gtps[*at];
	if (w->n_gtps == w->cap_gtps) {
		size_t cap = w->cap_gtps ? w->cap_gtps * 2 : 16;
		struct gtp *g = realloc(w->gtps, cap * sizeof(*g));
		if (!g)
			return NULL;
		w->gtps = g;
		w->cap_gtps = cap;
	}
	w->gtps[w->n_gtps] = (struct gtp){group, tp, -1, NULL, 0, 0, -1};
	return &w->gtps[w->n_gtps++];
}

/* Positions (assign, seek) and acknowledged commits of a member. */
static int positions(struct walk *w, const struct hist *h, size_t i, uint32_t group)
{
	const struct hist_op *op = &h->ops[i];
	for (size_t k = 0; k < op->n_items; k++) {
		const struct hist_item *it = &h->items[op->items + k];
		if (it->num < 0)
			continue;
		struct gtp *g = gtp_of(w, group, it->tp);
		if (!g)
			return CHK_ENOMEM;
		if (op->f == HIST_F_COMMIT && it->num > g->committed) {
			if (push_step(g, it->num, i))
				return CHK_ENOMEM;
		} else if (op->f != HIST_F_COMMIT && (g->start < 0 || it->num < g->start)) {
			g->start = it->num;
		}
	}
	return CHK_OK;
}

/* One poll of a member: redeliveries into r (when not NULL). */
static int member_poll(struct walk *w, struct hist_map *seen, const struct hist *h,
                const struct hist_op *op, uint32_t group, struct chk_report *r)
{
	bool fresh;
	for (size_t k = 0; k < op->n_items; k++) {
		const struct hist_item *it = &h->items[op->items + k];
		if (!hist_map_upsert(&w->processed, group, it->str, 1, &fresh))
			return CHK_ENOMEM;
		uint64_t key = (uint64_t)group << 32 | it->tp;
		uint64_t *v = hist_map_upsert(seen, key, (uint64_t)it->num, it->str, &fresh);
		if (!v)
			return CHK_ENOMEM;
		if (fresh || (*v & ~REPORTED) != it->str) {
			*v = it->str; /* a new record at that offset (the log was rewritten) */
			continue;
		}
		if (*v & REPORTED)
			continue;
		*v |= REPORTED;
		char tp[80];
		if (r)
			chk_note(r, h, op, (uint64_t)it->num, "group %.30s: %s@%lld \"%.40s\" processed again",
			         hist_str(h, group), chk_tp_name(h, it->tp, tp, sizeof(tp)),
			         (long long)it->num, hist_str(h, it->str));
	}
	return CHK_OK;
}

/* The one walk both checkers share; redeliveries go to `redelivered`. */
static int walk_history(struct walk *w, const struct hist *h, struct chk_report *redelivered)
{
	struct hist_map seen; /* (group << 32 | tp, offset) -> value id | REPORTED */
	bool fresh;
	int rc = CHK_OK;
	hist_map_init(&seen);
	for (size_t i = 0; i < h->n_ops && rc == CHK_OK; i++) {
		const struct hist_op *op = &h->ops[i];
		if (op->f == HIST_F_CONSUMER_CONFIG) {
			uint64_t *g = hist_map_upsert(&w->group_of, op->process, 0, 0, &fresh);
			if (!g)
				rc = CHK_ENOMEM;
			else
				*g = op->str;
			if (rc == CHK_OK && op->str)
				rc = add_group(w, op->str);
			continue;
		}
		const uint64_t *g = hist_map_find(&w->group_of, op->process, 0);
		if (!g || !*g)
			continue;
		if (op->f == HIST_F_POLL && op->type == HIST_T_OK)
			rc = member_poll(w, &seen, h, op, (uint32_t)*g, redelivered);
		else if (op->type == HIST_T_OK && (op->f == HIST_F_ASSIGN || op->f == HIST_F_SEEK ||
		                                   op->f == HIST_F_COMMIT))
			rc = positions(w, h, i, (uint32_t)*g);
	}
	hist_map_free(&seen);
	return rc;
}

static void walk_free(struct walk *w)
{
	hist_map_free(&w->group_of);
	hist_map_free(&w->processed);
	hist_map_free(&w->index);
	for (size_t i = 0; i < w->n_gtps; i++)
		free(w->gtps[i].steps);
	free(w->gtps);
	free(w->groups);
}

int chk_group_redelivery(const struct hist *h, struct chk_report *r)
{
	struct walk w = {0};
	int rc = walk_history(&w, h, r);
	walk_free(&w);
	return rc;
}

int chk_group_skip(const struct hist *h, struct chk_report *r)
{
	struct walk w = {0};
	struct hist_map counted; /* (group << 32 | tp, offset) */
	bool fresh;
	int rc = walk_history(&w, h, NULL);
	hist_map_init(&counted);
	for (size_t i = 0; i < h->n_ops && rc == CHK_OK && w.n_gtps; i++) {
		const struct hist_op *op = &h->ops[i];
		if (op->f != HIST_F_FINAL_READ || op->type != HIST_T_OK)
			continue;
		for (size_t k = 0; k < op->n_items && rc == CHK_OK; k++) {
			const struct hist_item *it = &h->items[op->items + k];
			for (size_t g = 0; g < w.n_groups; g++) {
				const uint64_t *at = hist_map_find(&w.index, w.groups[g], it->tp);
				if (!at)
					continue;
				const struct gtp *x = &w.gtps[*at];
				int64_t from = x->start < 0 ? 0 : x->start;
				if (x->tp != it->tp || it->num >= x->committed || it->num < from ||
				    hist_map_find(&w.processed, x->group, it->str))
					continue;
				uint64_t key = (uint64_t)x->group << 32 | x->tp;
				if (!hist_map_upsert(&counted, key, (uint64_t)it->num, 0, &fresh)) {
					rc = CHK_ENOMEM;
					break;
				}
				if (!fresh)
					continue;
				char tp[80];
				chk_note(r, h, &h->ops[first_commit_past(x, it->num)], (uint64_t)it->num,
				         "group %.30s committed %s past %lld (\"%.40s\"), which no member "
				         "processed",
				         hist_str(h, x->group), chk_tp_name(h, x->tp, tp, sizeof(tp)),
				         (long long)it->num, hist_str(h, it->str));
			}
		}
	}
	hist_map_free(&counted);
	walk_free(&w);
	return rc;
}
