/*
 * lost-write: an acknowledged send whose value the final reads do not hold at
 * the topic-partition and offset the acknowledgement named. Kafka promises
 * that a write acknowledged with acks=all to min.insync.replicas replicas
 * survives any failure short of losing all of them; this is that promise.
 * A history without any ok final-read is not checked (count 0): there is
 * nothing to compare with.
 */
#include "checkers/chk_impl.h"

int chk_lost_write(const struct hist *h, struct chk_report *r)
{
	struct hist_map seen; /* (tp, offset) -> value id read there finally */
	bool fresh, any_final = false;
	int rc = CHK_OK;
	hist_map_init(&seen);
	for (size_t i = 0; i < h->n_ops && rc == CHK_OK; i++) {
		const struct hist_op *op = &h->ops[i];
		if (op->f != HIST_F_FINAL_READ || op->type != HIST_T_OK)
			continue;
		any_final = true;
		for (size_t k = 0; k < op->n_items; k++) {
			const struct hist_item *it = &h->items[op->items + k];
			if (!hist_map_upsert(&seen, it->tp, (uint64_t)it->num, it->str, &fresh))
				rc = CHK_ENOMEM;
		}
	}
	for (size_t i = 0; any_final && rc == CHK_OK && i < h->n_ops; i++) {
		const struct hist_op *op = &h->ops[i];
		if (op->f != HIST_F_SEND || op->type != HIST_T_OK)
			continue;
		const struct hist_item *it = &h->items[op->items];
		const uint64_t *v = hist_map_find(&seen, it->tp, (uint64_t)it->num);
		if (v && *v == it->str)
			continue;
		char tp[80];
		chk_note(r, h, op, 0, "%s@%lld: acknowledged \"%.40s\" %s",
		         chk_tp_name(h, it->tp, tp, sizeof(tp)), (long long)it->num,
		         hist_str(h, it->str), v ? "but another value is there" : "but absent");
	}
	hist_map_free(&seen);
	return rc;
}
