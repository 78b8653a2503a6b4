/*
 * inconsistent-offsets: a topic-partition offset at which two different
 * values were seen, across ok polls, ok final reads, and replica logs below
 * each replica's own high watermark (data above it may still be truncated,
 * so it proves nothing). Each offset counts once; the example is the op that
 * first showed the second value.
 */
#include "checkers/chk_impl.h"

#define REPORTED (UINT64_C(1) << 63)

/* Does op's item k count as an observation of its offset? */
static bool observed(const struct hist_op *op, const struct hist_item *it)
{
	if (chk_is_read(op))
		return true;
	return op->f == HIST_F_REPLICA_LOG && it->num < op->num;
}

int chk_inconsistent_offsets(const struct hist *h, struct chk_report *r)
{
	struct hist_map at; /* (tp, offset) -> value id first seen, REPORTED */
	bool fresh;
	int rc = CHK_OK;
	hist_map_init(&at);
	for (size_t i = 0; i < h->n_ops && rc == CHK_OK; i++) {
		const struct hist_op *op = &h->ops[i];
		if (!chk_is_read(op) && op->f != HIST_F_REPLICA_LOG)
			continue;
		for (size_t k = 0; k < op->n_items; k++) {
			const struct hist_item *it = &h->items[op->items + k];
			if (!observed(op, it))
				continue;
			uint64_t *v =
			    hist_map_upsert(&at, it->tp, (uint64_t)it->num, it->str, &fresh);
			if (!v) {
				rc = CHK_ENOMEM;
				break;
			}
			if (fresh || (*v & REPORTED) || (*v & ~REPORTED) == it->str)
				continue;
			char tp[80];
			chk_note(r, h, op, (uint64_t)it->num, "%s@%lld: \"%.40s\" then \"%.40s\"",
			         chk_tp_name(h, it->tp, tp, sizeof(tp)), (long long)it->num,
			         hist_str(h, (uint32_t)(*v & ~REPORTED)), hist_str(h, it->str));
			*v |= REPORTED;
		}
	}
	hist_map_free(&at);
	return rc;
}
