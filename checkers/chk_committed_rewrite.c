/*
 * committed-rewrite: the data at an offset changed after a client had been
 * told a high watermark above it. Walking the history in order, the
 * partition's known high watermark is the largest `hw` any op has carried so
 * far (an op's own hw annotations count before its records). An observation
 * of (partition, offset, value) — a record of an ok poll or final read, or of
 * a replica log below that replica's own hw — is "after commit" when the
 * offset is below the known high watermark at that point. The first such
 * observation fixes the committed value; a later one with a different value
 * is a rewrite. Each offset counts once; the example is the first rewrite.
 */
#include "checkers/chk_impl.h"

#include <stdlib.h>

#define REPORTED (UINT64_C(1) << 63)

static int observe(const struct hist *h, struct chk_report *r, struct hist_map *at,
                   const struct hist_op *op, const struct hist_item *it)
{
	bool fresh;
	uint64_t *v = hist_map_upsert(at, it->tp, (uint64_t)it->num, it->str, &fresh);
	if (!v)
		return CHK_ENOMEM;
	if (fresh || (*v & REPORTED) || (*v & ~REPORTED) == it->str)
		return CHK_OK;
	char tp[80];
	chk_note(r, h, op, (uint64_t)it->num, "%s@%lld: committed \"%.40s\", now \"%.40s\"",
	         chk_tp_name(h, it->tp, tp, sizeof(tp)), (long long)it->num,
	         hist_str(h, (uint32_t)(*v & ~REPORTED)), hist_str(h, it->str));
	*v |= REPORTED;
	return CHK_OK;
}

int chk_committed_rewrite(const struct hist *h, struct chk_report *r)
{
	int64_t *known = calloc(h->n_tps, sizeof(*known));
	struct hist_map at; /* (tp, offset) -> committed value id, REPORTED */
	int rc = known ? CHK_OK : CHK_ENOMEM;
	hist_map_init(&at);
	for (size_t i = 0; i < h->n_ops && rc == CHK_OK; i++) {
		const struct hist_op *op = &h->ops[i];
		for (size_t k = 0; k < op->n_hws; k++) {
			const struct hist_hw *hw = &h->hws[op->hws + k];
			if (hw->hw > known[hw->tp])
				known[hw->tp] = hw->hw;
		}
		bool replica = op->f == HIST_F_REPLICA_LOG;
		if (!chk_is_read(op) && !replica)
			continue;
		for (size_t k = 0; k < op->n_items && rc == CHK_OK; k++) {
			const struct hist_item *it = &h->items[op->items + k];
			if (it->num >= known[it->tp] || (replica && it->num >= op->num))
				continue;
			rc = observe(h, r, &at, op, it);
		}
	}
	hist_map_free(&at);
	free(known);
	return rc;
}
