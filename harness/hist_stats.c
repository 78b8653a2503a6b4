/* hist_stats — the run's operation counts (see hist_count_stats in hist.h). */
#include "harness/hist.h"

#include <string.h>

void hist_count_stats(const struct hist *h, struct hist_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < h->n_ops; i++) {
		const struct hist_op *op = &h->ops[i];
		if (op->f == HIST_F_FAULT) {
			out->faults++;
		} else if (op->f == HIST_F_POLL && op->type == HIST_T_OK) {
			out->polled += op->n_items;
		} else if (op->f == HIST_F_SEND &&
		           strcmp(hist_str(h, op->process), HIST_PROBE_PROCESS) != 0) {
			out->sends += op->type == HIST_T_INVOKE;
			out->acked += op->type == HIST_T_OK;
			out->failed += op->type == HIST_T_FAIL;
		}
	}
	/*
	 * The reader pairs every completion with one invocation, so what neither
	 * ok nor fail settled (info, or no completion at all) is indeterminate.
	 */
	out->indeterminate = out->sends - out->acked - out->failed;
}
