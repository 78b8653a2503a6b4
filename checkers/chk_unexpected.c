/*
 * unexpected: a value that an ok poll or final read returned and that no
 * send (invoked, whatever its outcome) carried. Each distinct value counts
 * once; the example is the first read of it.
 */
#include "checkers/chk_impl.h"

int chk_unexpected(const struct hist *h, struct chk_report *r)
{
	struct hist_map sent, reported;
	bool fresh;
	int rc;
	hist_map_init(&sent);
	hist_map_init(&reported);
	rc = chk_sent_values(h, &sent);
	for (size_t i = 0; i < h->n_ops && rc == CHK_OK; i++) {
		const struct hist_op *op = &h->ops[i];
		if (!chk_is_read(op))
			continue;
		for (size_t k = 0; k < op->n_items; k++) {
			const struct hist_item *it = &h->items[op->items + k];
			if (hist_map_find(&sent, it->str, 0))
				continue;
			if (!hist_map_upsert(&reported, it->str, 0, 0, &fresh)) {
				rc = CHK_ENOMEM;
				break;
			}
			if (!fresh)
				continue;
			char tp[80];
			chk_note(r, h, op, (uint64_t)it->num, "%s@%lld: \"%.40s\" was never sent",
			         chk_tp_name(h, it->tp, tp, sizeof(tp)), (long long)it->num,
			         hist_str(h, it->str));
		}
	}
	hist_map_free(&sent);
	hist_map_free(&reported);
	return rc;
}
