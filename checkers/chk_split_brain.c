/*
 * split-brain: two different brokers recorded as leader accepting writes in
 * one (topic, partition, leader epoch), or two different brokers acting as
 * controller with one controller epoch. Epoch fencing exists to make both
 * impossible. Each such epoch counts once; the example is the first record
 * of the second leader or controller.
 */
#include "checkers/chk_impl.h"

#define REPORTED (UINT64_C(1) << 63)
/* Controller epochs share the map with leader epochs under this pseudo tp. */
#define CONTROLLER UINT64_MAX

int chk_split_brain(const struct hist *h, struct chk_report *r)
{
	struct hist_map first; /* (tp or CONTROLLER, epoch) -> broker id, REPORTED */
	bool fresh;
	int rc = CHK_OK;
	hist_map_init(&first);
	for (size_t i = 0; i < h->n_ops; i++) {
		const struct hist_op *op = &h->ops[i];
		bool ctl = op->f == HIST_F_CONTROLLER_EPOCH;
		if (!ctl && op->f != HIST_F_LEADER_EPOCH)
			continue;
		uint64_t *v = hist_map_upsert(&first, ctl ? CONTROLLER : op->tp, (uint64_t)op->num,
		                              op->str, &fresh);
		if (!v) {
			rc = CHK_ENOMEM;
			break;
		}
		if (fresh || (*v & REPORTED) || (*v & ~REPORTED) == op->str)
			continue;
		char tp[80];
		chk_note(r, h, op, 0, "%s epoch %lld: %.40s after %.40s",
		         ctl ? "controller" : chk_tp_name(h, op->tp, tp, sizeof(tp)),
		         (long long)op->num, hist_str(h, op->str),
		         hist_str(h, (uint32_t)(*v & ~REPORTED)));
		*v |= REPORTED;
	}
	hist_map_free(&first);
	return rc;
}
