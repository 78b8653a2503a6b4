/*
 * The walk behind nonmonotonic-poll and poll-skip. Per consumer process and
 * topic-partition it remembers the last offset that process's ok polls
 * returned; any assign or seek record of that process naming the partition
 * forgets it, since the consumer may then legitimately restart anywhere.
 * Within a poll, records are taken in the order listed. A record at offset o
 * after last offset l is nonmonotonic when o <= l and a skip when o > l + 1.
 * Each such record counts once, under one of the two checkers.
 */
#include "checkers/chk_impl.h"

static void forget(struct hist_map *last, const struct hist *h, const struct hist_op *op)
{
	for (size_t k = 0; k < op->n_items; k++) {
		uint64_t *v = hist_map_find(last, op->process, h->items[op->items + k].tp);
		if (v)
			*v = 0;
	}
}

int chk_poll_order(const struct hist *h, struct chk_report *r, bool skip)
{
	struct hist_map last; /* (process, tp) -> last offset + 1, 0 = none */
	bool fresh;
	int rc = CHK_OK;
	hist_map_init(&last);
	for (size_t i = 0; i < h->n_ops && rc == CHK_OK; i++) {
		const struct hist_op *op = &h->ops[i];
		if (op->f == HIST_F_ASSIGN || op->f == HIST_F_SEEK)
			forget(&last, h, op);
		if (op->f != HIST_F_POLL || op->type != HIST_T_OK)
			continue;
		for (size_t k = 0; k < op->n_items; k++) {
			const struct hist_item *it = &h->items[op->items + k];
			uint64_t *v = hist_map_upsert(&last, op->process, it->tp, 0, &fresh);
			if (!v) {
				rc = CHK_ENOMEM;
				break;
			}
			uint64_t o = (uint64_t)it->num, prev = *v;
			*v = o + 1;
			if (prev == 0 || o == prev)
				continue; /* first sight, or the next offset */
			bool back = o < prev;
			if (back == skip)
				continue;
			char tp[80];
			chk_note(r, h, op, o, "%s: offset %lld after %lld",
			         chk_tp_name(h, it->tp, tp, sizeof(tp)), (long long)it->num,
			         (long long)(prev - 1));
		}
	}
	hist_map_free(&last);
	return rc;
}
