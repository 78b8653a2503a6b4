/*
 * replica-divergence: after convergence, the logs of the in-sync replicas of
 * a partition differ below its high watermark. From the replica-log records
 * with in_sync=true: H is the largest hw among them and the reference is the
 * one reporting it (the first such line on a tie; normally the leader). Every
 * other in-sync replica must hold exactly the reference's records at every
 * offset below H: a different value, or a record one of them lacks, is a
 * divergence. Each (partition, offset) counts once; the example is the
 * replica-log record of the replica that differs from the reference.
 */
#include "checkers/chk_impl.h"

#include <stdlib.h>

struct ctx {
	const struct hist *h;
	struct chk_report *r;
	struct hist_map seen; /* (tp, offset) already counted */
};

static int diverge(struct ctx *c, const struct hist_op *op, const struct hist_op *ref,
                   int64_t offset, uint32_t mine, uint32_t theirs)
{
	bool fresh;
	if (!hist_map_upsert(&c->seen, op->tp, (uint64_t)offset, 0, &fresh))
		return CHK_ENOMEM;
	if (!fresh)
		return CHK_OK;
	char tp[80], a[48], b[48];
	snprintf(a, sizeof(a), mine ? "\"%.40s\"" : "nothing", hist_str(c->h, mine));
	snprintf(b, sizeof(b), theirs ? "\"%.40s\"" : "nothing", hist_str(c->h, theirs));
	chk_note(c->r, c->h, op, (uint64_t)offset, "%s@%lld: %s here, %s on %.30s",
	         chk_tp_name(c->h, op->tp, tp, sizeof(tp)), (long long)offset, a, b,
	         hist_str(c->h, ref->process));
	return CHK_OK;
}

/* Merge-joins the two logs' records below hw; both are sorted by offset. */
static int compare(struct ctx *c, const struct hist_op *op, const struct hist_op *ref, int64_t hw)
{
	const struct hist_item *a = &c->h->items[ref->items], *b = &c->h->items[op->items];
	size_t i = 0, j = 0;
	for (;;) {
		int64_t oa = i < ref->n_items && a[i].num < hw ? a[i].num : INT64_MAX;
		int64_t ob = j < op->n_items && b[j].num < hw ? b[j].num : INT64_MAX;
		int rc = CHK_OK;
		if (oa == INT64_MAX && ob == INT64_MAX)
			return CHK_OK;
		if (oa == ob) {
			if (a[i].str != b[j].str)
				rc = diverge(c, op, ref, oa, b[j].str, a[i].str);
			i++;
			j++;
		} else if (oa < ob) {
			rc = diverge(c, op, ref, oa, 0, a[i++].str);
		} else {
			rc = diverge(c, op, ref, ob, b[j++].str, 0);
		}
		if (rc)
			return rc;
	}
}

int chk_replica_divergence(const struct hist *h, struct chk_report *r)
{
	struct ctx c = {h, r, {0}};
	size_t *ref = calloc(h->n_tps, sizeof(*ref)); /* 1 + op index */
	int rc = ref ? CHK_OK : CHK_ENOMEM;
	for (size_t i = 0; i < h->n_ops && rc == CHK_OK; i++) {
		const struct hist_op *op = &h->ops[i];
		if (op->f != HIST_F_REPLICA_LOG || !op->flag)
			continue;
		if (!ref[op->tp] || h->ops[ref[op->tp] - 1].num < op->num)
			ref[op->tp] = i + 1;
	}
	for (size_t i = 0; i < h->n_ops && rc == CHK_OK; i++) {
		const struct hist_op *op = &h->ops[i];
		if (op->f != HIST_F_REPLICA_LOG || !op->flag || ref[op->tp] == i + 1)
			continue;
		const struct hist_op *rop = &h->ops[ref[op->tp] - 1];
		rc = compare(&c, op, rop, rop->num);
	}
	hist_map_free(&c.seen);
	free(ref);
	return rc;
}
