/* chk_common — helpers shared by the checkers (see chk_impl.h). */
#include "checkers/chk_impl.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Does example a sort at or before (line, order)? Ties keep the earlier note. */
static bool not_after(const struct chk_example *a, uint64_t line, uint64_t order)
{
	return a->line < line || (a->line == line && a->order <= order);
}

void chk_note(struct chk_report *r, const struct hist *h, const struct hist_op *op, uint64_t order,
              const char *fmt, ...)
{
	r->count++;
	size_t n = r->n_examples;
	if (n == CHK_MAX_EXAMPLES && not_after(&r->examples[n - 1], op->line, order))
		return; /* not among the smallest */
	/* Insertion into the sorted array: slide larger examples right. */
	size_t at = n < CHK_MAX_EXAMPLES ? n : n - 1;
	while (at > 0 && !not_after(&r->examples[at - 1], op->line, order))
		at--;
	size_t move = (n < CHK_MAX_EXAMPLES ? n : n - 1) - at;
	memmove(&r->examples[at + 1], &r->examples[at], move * sizeof(r->examples[0]));
	if (n < CHK_MAX_EXAMPLES)
		r->n_examples++;
	struct chk_example *e = &r->examples[at];
	e->line = op->line;
	e->time = op->time;
	e->order = order;
	snprintf(e->process, sizeof(e->process), "%s", hist_str(h, op->process));
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
	va_end(ap);
}

const char *chk_tp_name(const struct hist *h, uint32_t tp, char *buf, size_t n)
{
	const struct hist_tp *t = &h->tps[tp < h->n_tps ? tp : 0];
	snprintf(buf, n, "%.60s/%d", hist_str(h, t->topic), (int)t->partition);
	return buf;
}

bool chk_is_read(const struct hist_op *op)
{
	return op->type == HIST_T_OK && (op->f == HIST_F_POLL || op->f == HIST_F_FINAL_READ);
}

int chk_sent_values(const struct hist *h, struct hist_map *sent)
{
	bool fresh;
	for (size_t i = 0; i < h->n_ops; i++) {
		const struct hist_op *op = &h->ops[i];
		if (op->f != HIST_F_SEND || op->type != HIST_T_INVOKE)
			continue;
		if (!hist_map_upsert(sent, h->items[op->items].str, 0, i, &fresh))
			return CHK_ENOMEM;
	}
	return CHK_OK;
}

int chk_liveness_rows(const struct hist *h, size_t **row, size_t **op)
{
	*row = calloc(h->n_tps + 1, sizeof(**row));
	*op = calloc(h->n_tps + 1, sizeof(**op));
	if (!*row || !*op) {
		free(*row);
		free(*op);
		*row = *op = NULL;
		return CHK_ENOMEM;
	}
	for (size_t i = 0; i < h->n_ops; i++) {
		const struct hist_op *o = &h->ops[i];
		if (o->f != HIST_F_LIVENESS)
			continue;
		for (size_t k = 0; k < o->n_items; k++) {
			const struct hist_item *it = &h->items[o->items + k];
			if (it->num < 0)
				continue; /* an extra of the row before it */
			(*row)[it->tp] = o->items + k + 1;
			(*op)[it->tp] = i;
		}
	}
	return CHK_OK;
}

int chk_final_reads(const struct hist *h, struct hist_map *seen, bool *any)
{
	bool fresh;
	*any = false;
	for (size_t i = 0; i < h->n_ops; i++) {
		const struct hist_op *op = &h->ops[i];
		if (op->f != HIST_F_FINAL_READ || op->type != HIST_T_OK)
			continue;
		*any = true;
		for (size_t k = 0; k < op->n_items; k++) {
			const struct hist_item *it = &h->items[op->items + k];
			if (!hist_map_upsert(seen, it->tp, (uint64_t)it->num, it->str, &fresh))
				return CHK_ENOMEM;
		}
	}
	return CHK_OK;
}
