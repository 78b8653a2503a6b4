/*
 * nonmonotonic-poll: a consumer's successive ok polls of one partition
 * returned an offset at or below one it had already been given, with no
 * assign or seek of that partition in between (the walk is chk_poll_order.c).
 */
#include "checkers/chk_impl.h"

int chk_nonmonotonic_poll(const struct hist *h, struct chk_report *r)
{
	return chk_poll_order(h, r, false);
}
