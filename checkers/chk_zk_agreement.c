/*
 * zk-agreement: from the zk-digests records (one per ZooKeeper server: the
 * digest of its data tree after each committed zxid), a zxid at which two
 * servers hold different digests. ZooKeeper's atomic broadcast promises every
 * server applies the same transactions in the same order, so equal zxids
 * must give equal trees. Each zxid counts once; the example is the record of
 * the first server that disagreed with an earlier one.
 */
#include "checkers/chk_impl.h"

#define REPORTED (UINT64_C(1) << 63)

int chk_zk_agreement(const struct hist *h, struct chk_report *r)
{
	struct hist_map first; /* zxid -> digest id first seen, REPORTED */
	bool fresh;
	int rc = CHK_OK;
	hist_map_init(&first);
	for (size_t i = 0; i < h->n_ops && rc == CHK_OK; i++) {
		const struct hist_op *op = &h->ops[i];
		if (op->f != HIST_F_ZK_DIGESTS)
			continue;
		for (size_t k = 0; k < op->n_items; k++) {
			const struct hist_item *it = &h->items[op->items + k];
			uint64_t *v =
			    hist_map_upsert(&first, (uint64_t)it->num, 0, it->str, &fresh);
			if (!v) {
				rc = CHK_ENOMEM;
				break;
			}
			if (fresh || (*v & REPORTED) || (*v & ~REPORTED) == it->str)
				continue;
			chk_note(r, h, op, (uint64_t)it->num,
			         "zxid 0x%llx: digest %.40s, not %.40s",
			         (unsigned long long)it->num, hist_str(h, it->str),
			         hist_str(h, (uint32_t)(*v & ~REPORTED)));
			*v |= REPORTED;
		}
	}
	hist_map_free(&first);
	return rc;
}
