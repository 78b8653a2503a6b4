/*
 * chk_availability — what the `max-unavailable` and `acked-ratio`
 * expectations judge (chk.h, struct chk_availability): the longest time a
 * partition went without an acknowledged write during the faulty phase, and
 * the share of sends acknowledged.
 *
 * The partitions judged are those of every topic a send was invoked for
 * (the liveness probe's sends excepted), as far as the history names them
 * (acknowledged sends, final reads, liveness rows): a partition of such a
 * topic that no write reached is unavailable for the whole phase.
 */
#include "checkers/chk_impl.h"

#include <stdlib.h>
#include <string.h>

static bool is_probe(const struct hist *h, const struct hist_op *op)
{
	return strcmp(hist_str(h, op->process), HIST_PROBE_PROCESS) == 0;
}

/* The faulty phase: the first and the last fault line. */
static void phase(const struct hist *h, struct chk_availability *a)
{
	for (size_t i = 0; i < h->n_ops; i++) {
		if (h->ops[i].f != HIST_F_FAULT)
			continue;
		if (!a->has_phase)
			a->phase_from_ns = h->ops[i].time;
		a->has_phase = true;
		a->phase_to_ns = h->ops[i].time;
	}
}

int chk_measure_availability(const struct hist *h, struct chk_result *r)
{
	struct chk_availability *a = &r->avail;
	struct hist_stats st;
	hist_count_stats(h, &st);
	memset(a, 0, sizeof(*a));
	a->sends = st.sends;
	a->acked = st.acked;
	phase(h, a);
	if (!a->has_phase)
		return CHK_OK;
	bool *topic = calloc(h->n_strs + 1, sizeof(*topic));
	int64_t *last = calloc(h->n_tps + 1, sizeof(*last)); /* last ack in the phase */
	if (!topic || !last) {
		free(topic);
		free(last);
		return CHK_ENOMEM;
	}
	for (size_t i = 0; i < h->n_ops; i++) {
		const struct hist_op *op = &h->ops[i];
		if (op->f == HIST_F_SEND && op->type == HIST_T_INVOKE && !is_probe(h, op))
			topic[h->tps[h->items[op->items].tp].topic] = true;
	}
	for (uint32_t tp = 1; tp < h->n_tps; tp++)
		last[tp] = a->phase_from_ns;
	for (size_t i = 0; i < h->n_ops; i++) {
		const struct hist_op *op = &h->ops[i];
		if (op->f != HIST_F_SEND || op->type != HIST_T_OK || is_probe(h, op))
			continue;
		uint32_t tp = h->items[op->items].tp;
		if (op->time <= a->phase_from_ns || op->time > a->phase_to_ns)
			continue;
		if (op->time - last[tp] > a->max_gap_ns) {
			a->max_gap_ns = op->time - last[tp];
			a->gap_at_ns = last[tp];
			chk_tp_name(h, tp, a->worst, sizeof(a->worst));
		}
		last[tp] = op->time;
	}
	for (uint32_t tp = 1; tp < h->n_tps; tp++) {
		const struct hist_tp *t = &h->tps[tp];
		if (t->partition < 0 || !topic[t->topic] || a->phase_to_ns - last[tp] <= a->max_gap_ns)
			continue;
		a->max_gap_ns = a->phase_to_ns - last[tp];
		a->gap_at_ns = last[tp];
		chk_tp_name(h, tp, a->worst, sizeof(a->worst));
	}
	free(topic);
	free(last);
	return CHK_OK;
}
