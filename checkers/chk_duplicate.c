/*
 * duplicate: a sent value that clients (polls and final reads) saw at two or
 * more distinct topic-partition offsets. Each such value counts once; the
 * example is the read that first showed it at a second offset. Without
 * idempotence a retried send may be written twice, which is this anomaly.
 */
#include "checkers/chk_impl.h"

#define REPORTED (UINT64_C(1) << 63)

int chk_duplicate(const struct hist *h, struct chk_report *r)
{
	struct hist_map sent, first; /* first: value -> item index of first read */
	bool fresh;
	int rc;
	hist_map_init(&sent);
	hist_map_init(&first);
	rc = chk_sent_values(h, &sent);
	for (size_t i = 0; i < h->n_ops && rc == CHK_OK; i++) {
		const struct hist_op *op = &h->ops[i];
		if (!chk_is_read(op))
			continue;
		for (size_t k = 0; k < op->n_items; k++) {
			size_t idx = op->items + k;
			const struct hist_item *it = &h->items[idx];
			if (!hist_map_find(&sent, it->str, 0))
				continue;
			uint64_t *f = hist_map_upsert(&first, it->str, 0, idx, &fresh);
			if (!f) {
				rc = CHK_ENOMEM;
				break;
			}
			const struct hist_item *a = &h->items[*f & ~REPORTED];
			if (fresh || (*f & REPORTED) || (a->tp == it->tp && a->num == it->num))
				continue;
			*f |= REPORTED;
			char ta[80], tb[80];
			chk_note(r, h, op, (uint64_t)it->num, "\"%.40s\" at %s@%lld and %s@%lld",
			         hist_str(h, it->str), chk_tp_name(h, a->tp, ta, sizeof(ta)),
			         (long long)a->num, chk_tp_name(h, it->tp, tb, sizeof(tb)),
			         (long long)it->num);
		}
	}
	hist_map_free(&sent);
	hist_map_free(&first);
	return rc;
}
