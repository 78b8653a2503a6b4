/*
 * poll-skip: a consumer's successive ok polls of one partition jumped past
 * an offset, with no assign or seek in between (the walk is
 * chk_poll_order.c). On a topic with transactions or compaction offsets may
 * skip legitimately; ksim's workloads use neither.
 */
#include "checkers/chk_impl.h"

int chk_poll_skip(const struct hist *h, struct chk_report *r)
{
	return chk_poll_order(h, r, true);
}
