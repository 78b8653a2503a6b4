/*
 * liveness: from the liveness records the harness writes after quiesce
 * (faults healed, cluster converged), a partition that is not alive. The
 * latest row for each partition decides, with its extras; the partition
 * fails when it has no leader, when it refused the probe (`writable`
 * false), when the probe the row names was not acknowledged or the final
 * read does not hold it at the offset its acknowledgement named, when the
 * final read could not read the partition (`read` false), or when a replica
 * stayed outside the ISR. Each such partition counts once; the example is the
 * record of its row, the detail every reason. A history without liveness
 * records has nothing to check (count 0).
 */
#include "checkers/chk_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The probes' outcomes: (value id, 0) -> 1 + offset of its ok send, or 0. */
static int probe_outcomes(const struct hist *h, const size_t *row, struct hist_map *acked)
{
	bool fresh;
	for (uint32_t tp = 1; tp < h->n_tps; tp++) {
		for (size_t k = row[tp]; row[tp] && k < h->n_items && h->items[k].num < 0 &&
		                         h->items[k].tp == tp;
		     k++)
			if (h->items[k].num == HIST_LIVE_PROBE &&
			    !hist_map_upsert(acked, h->items[k].str, 0, 0, &fresh))
				return CHK_ENOMEM;
	}
	for (size_t i = 0; acked->n && i < h->n_ops; i++) {
		const struct hist_op *op = &h->ops[i];
		if (op->f != HIST_F_SEND || op->type != HIST_T_OK)
			continue;
		uint64_t *v = hist_map_find(acked, h->items[op->items].str, 0);
		if (v)
			*v = 1 + (uint64_t)h->items[op->items].num;
	}
	return CHK_OK;
}

struct why {
	char text[160];
	size_t len;
};

static void say(struct why *w, const char *fmt, const char *arg)
{
	if (w->len >= sizeof(w->text) - 1)
		return;
	int n = snprintf(w->text + w->len, sizeof(w->text) - w->len, "%s", w->len ? "; " : "");
	w->len += (size_t)n;
	if (w->len >= sizeof(w->text) - 1)
		return;
	n = snprintf(w->text + w->len, sizeof(w->text) - w->len, fmt, arg);
	w->len += (size_t)n < sizeof(w->text) - w->len ? (size_t)n : sizeof(w->text) - w->len - 1;
}

/* The reasons partition tp (row item index `at`) is not alive, into *w. */
static void judge(const struct hist *h, uint32_t tp, size_t at, const struct hist_map *acked,
                  const struct hist_map *final, struct why *w)
{
	const struct hist_item *it = &h->items[at];
	if (!it->str)
		say(w, "%shas no leader", "");
	if (!(it->num & HIST_LIVE_WRITABLE))
		say(w, "%srefuses writes (the acks=all probe was not acknowledged)", "");
	if (!(it->num & HIST_LIVE_READ))
		say(w, "%sthe final read could not read it", "");
	for (size_t k = at + 1; k < h->n_items && h->items[k].num < 0 && h->items[k].tp == tp;
	     k++) {
		const struct hist_item *x = &h->items[k];
		const char *name = hist_str(h, x->str);
		if (x->num == HIST_LIVE_OUT_OF_ISR) {
			say(w, "replica %.30s is not in the ISR after healing", name);
			continue;
		}
		const uint64_t *off = hist_map_find(acked, x->str, 0);
		if ((it->num & HIST_LIVE_WRITABLE) && (!off || !*off)) {
			say(w, "probe \"%.40s\" has no acknowledgement", name);
			continue;
		}
		const uint64_t *v = off && *off ? hist_map_find(final, tp, *off - 1) : NULL;
		if (off && *off && (!v || *v != x->str))
			say(w, "probe \"%.40s\" was not read back", name);
	}
}

int chk_liveness(const struct hist *h, struct chk_report *r)
{
	size_t *row, *row_op;
	struct hist_map acked, final;
	bool any_final;
	hist_map_init(&acked);
	hist_map_init(&final);
	int rc = chk_liveness_rows(h, &row, &row_op);
	if (rc)
		return rc;
	rc = probe_outcomes(h, row, &acked);
	if (rc == CHK_OK)
		rc = chk_final_reads(h, &final, &any_final);
	for (uint32_t tp = 1; rc == CHK_OK && tp < h->n_tps; tp++) {
		if (!row[tp])
			continue;
		struct why w = {"", 0};
		judge(h, tp, row[tp] - 1, &acked, &final, &w);
		if (!w.len)
			continue;
		char name[80];
		chk_note(r, h, &h->ops[row_op[tp]], tp, "%s: %s", chk_tp_name(h, tp, name, sizeof(name)),
		         w.text);
	}
	free(row);
	free(row_op);
	hist_map_free(&acked);
	hist_map_free(&final);
	return rc;
}
