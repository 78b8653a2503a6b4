/*
 * nonmonotonic-send: for a producer that promises order — its latest
 * producer-config before the send says enable.idempotence=true or
 * max.in.flight.requests.per.connection=1 — two acknowledged sends to one
 * partition whose offsets are not in the order the sends were invoked. Each
 * acknowledged send that got an offset at or below that of an earlier-invoked
 * acknowledged send of the same producer and partition counts once; the
 * example is its ok line.
 */
#include "checkers/chk_impl.h"

#include <stdlib.h>

struct ack {
	size_t invoke, ok; /* op indexes */
};

static int by_invoke(const void *a, const void *b)
{
	const struct ack *x = a, *y = b;
	return (x->invoke > y->invoke) - (x->invoke < y->invoke);
}

/* The acknowledged sends of ordered producers, in invocation order. */
static int collect(const struct hist *h, struct ack **out, size_t *n)
{
	struct hist_map ordered; /* process -> 1 when its config promises order */
	bool fresh;
	struct ack *acks = malloc((h->n_ops ? h->n_ops : 1) * sizeof(*acks));
	bool *at_invoke = calloc(h->n_ops ? h->n_ops : 1, sizeof(*at_invoke));
	int rc = acks && at_invoke ? CHK_OK : CHK_ENOMEM;
	hist_map_init(&ordered);
	*n = 0;
	for (size_t i = 0; i < h->n_ops && rc == CHK_OK; i++) {
		const struct hist_op *op = &h->ops[i];
		if (op->f == HIST_F_PRODUCER_CONFIG) {
			uint64_t *v = hist_map_upsert(&ordered, op->process, 0, 0, &fresh);
			if (!v)
				rc = CHK_ENOMEM;
			else
				*v = op->flag || op->num == 1;
		} else if (op->f == HIST_F_SEND && op->type == HIST_T_INVOKE) {
			const uint64_t *v = hist_map_find(&ordered, op->process, 0);
			at_invoke[i] = v && *v;
		} else if (op->f == HIST_F_SEND && op->type == HIST_T_OK && at_invoke[op->pair]) {
			acks[(*n)++] = (struct ack){op->pair, i};
		}
	}
	hist_map_free(&ordered);
	free(at_invoke);
	if (rc == CHK_OK)
		qsort(acks, *n, sizeof(*acks), by_invoke);
	*out = acks;
	return rc;
}

int chk_nonmonotonic_send(const struct hist *h, struct chk_report *r)
{
	struct ack *acks;
	size_t n;
	struct hist_map high; /* (process, tp) -> highest offset acked + 1 */
	bool fresh;
	int rc = collect(h, &acks, &n);
	hist_map_init(&high);
	for (size_t k = 0; k < n && rc == CHK_OK; k++) {
		const struct hist_op *op = &h->ops[acks[k].ok];
		const struct hist_item *it = &h->items[op->items];
		uint64_t *v = hist_map_upsert(&high, op->process, it->tp, 0, &fresh);
		if (!v) {
			rc = CHK_ENOMEM;
			break;
		}
		uint64_t o = (uint64_t)it->num;
		if (fresh || o >= *v) {
			*v = o + 1;
			continue;
		}
		char tp[80];
		chk_note(r, h, op, 0,
		         "%s: \"%.40s\" got offset %lld, below %lld of an earlier send",
		         chk_tp_name(h, it->tp, tp, sizeof(tp)), hist_str(h, it->str),
		         (long long)it->num, (long long)(*v - 1));
	}
	hist_map_free(&high);
	free(acks);
	return rc;
}
