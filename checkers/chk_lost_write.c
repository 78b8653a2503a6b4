/*
 * lost-write: an acknowledged send whose value the final reads do not hold at
 * the topic-partition and offset the acknowledgement named. Kafka promises
 * that a write acknowledged with acks=all to min.insync.replicas replicas
 * survives any failure short of losing all of them; this is that promise.
 * A history without any ok final-read is not checked (count 0): there is
 * nothing to compare with.
 *
 * A record absent from a partition whose latest liveness row says the final
 * read did not reach its high watermark (`read: false`) is not lost but
 * unreadable: the final reads could not have returned it. Those are counted
 * by chk_count_unreadable (summary.json's `unreadable`) and fail liveness.
 */
#include "checkers/chk_impl.h"

#include <stdlib.h>
#include <string.h>

/* Walks the acknowledged sends the final reads do not hold; each is noted in
 * r (lost) or counted in *unreadable. */
static int walk(const struct hist *h, struct chk_report *r, uint64_t *unreadable)
{
	struct hist_map seen; /* (tp, offset) -> value id read there finally */
	size_t *row, *row_op;
	bool any_final;
	hist_map_init(&seen);
	int rc = chk_final_reads(h, &seen, &any_final);
	if (rc == CHK_OK)
		rc = chk_liveness_rows(h, &row, &row_op);
	else
		row = row_op = NULL;
	for (size_t i = 0; any_final && rc == CHK_OK && i < h->n_ops; i++) {
		const struct hist_op *op = &h->ops[i];
		if (op->f != HIST_F_SEND || op->type != HIST_T_OK)
			continue;
		const struct hist_item *it = &h->items[op->items];
		const uint64_t *v = hist_map_find(&seen, it->tp, (uint64_t)it->num);
		if (v && *v == it->str)
			continue;
		if (!v && row[it->tp] && !(h->items[row[it->tp] - 1].num & HIST_LIVE_READ)) {
			++*unreadable;
			continue;
		}
		char tp[80];
		chk_note(r, h, op, 0, "%s@%lld: acknowledged \"%.40s\" %s",
		         chk_tp_name(h, it->tp, tp, sizeof(tp)), (long long)it->num,
		         hist_str(h, it->str), v ? "but another value is there" : "but absent");
	}
	free(row);
	free(row_op);
	hist_map_free(&seen);
	return rc;
}

int chk_lost_write(const struct hist *h, struct chk_report *r)
{
	uint64_t unreadable = 0;
	return walk(h, r, &unreadable);
}

int chk_count_unreadable(const struct hist *h, uint64_t *out)
{
	struct chk_report scratch;
	memset(&scratch, 0, sizeof(scratch));
	*out = 0;
	return walk(h, &scratch, out);
}
