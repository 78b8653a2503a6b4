/*
 * liveness: from the liveness records the harness writes after quiesce
 * (faults healed, cluster converged), a partition that has no leader or
 * refuses writes. The latest row for each partition decides; each such
 * partition counts once, the example being the record of that row. A history
 * without liveness records has nothing to check (count 0).
 */
#include "checkers/chk_impl.h"

#include <stdlib.h>

int chk_liveness(const struct hist *h, struct chk_report *r)
{
	/* latest[tp] = 1 + index of the op whose row about tp came last. */
	size_t *latest = calloc(h->n_tps, sizeof(*latest));
	size_t *row = calloc(h->n_tps, sizeof(*row));
	if (!latest || !row) {
		free(latest);
		free(row);
		return CHK_ENOMEM;
	}
	for (size_t i = 0; i < h->n_ops; i++) {
		const struct hist_op *op = &h->ops[i];
		if (op->f != HIST_F_LIVENESS)
			continue;
		for (size_t k = 0; k < op->n_items; k++) {
			latest[h->items[op->items + k].tp] = i + 1;
			row[h->items[op->items + k].tp] = op->items + k;
		}
	}
	for (uint32_t tp = 1; tp < h->n_tps; tp++) {
		if (!latest[tp])
			continue;
		const struct hist_item *it = &h->items[row[tp]];
		if (it->str && it->num)
			continue;
		char name[80];
		chk_note(r, h, &h->ops[latest[tp] - 1], tp, "%s: %s",
		         chk_tp_name(h, tp, name, sizeof(name)),
		         it->str ? "refuses writes" : "has no leader");
	}
	free(latest);
	free(row);
	return CHK_OK;
}
