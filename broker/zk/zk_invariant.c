/*
 * What a ZooKeeper server promises (Zab), checked where its state changes;
 * a broken promise stops the run through sim/invariant.h with the line that
 * reproduces it:
 *  - its log holds transactions in strictly increasing zxid order (a
 *    follower accepts proposals in order, a leader numbers them so);
 *  - it applies transactions in zxid order, each once, and only ones its
 *    log holds;
 *  - acceptedEpoch >= currentEpoch, and neither ever decreases while the
 *    server runs (both are written to disk before they are acted on).
 * The watermarks of the last check live in the server (zk_inv_*); a
 * restart starts them again from what the disk gave back.
 */
#include "broker/zk/zk_server_impl.h"

#include "sim/invariant.h"

static void broken(const struct zk_server *s, const char *invariant, int64_t a, int64_t b)
{
	int64_t now = env_now_ns(s->env);
	sim_invariant_fail(invariant,
			   "ZooKeeper server %s at %lld.%06llds: %#llx vs %#llx\n"
			   "  committed %#llx, last logged %#llx, acceptedEpoch %lld, "
			   "currentEpoch %lld",
			   env_node_name(s->env), (long long)(now / 1000000000),
			   (long long)(now % 1000000000 / 1000), (unsigned long long)a,
			   (unsigned long long)b, (unsigned long long)s->committed,
			   (unsigned long long)(s->nhist ? s->hist[s->nhist - 1].zxid
							  : s->hist_base),
			   (long long)s->accepted_epoch, (long long)s->current_epoch);
}

void zk_inv_append(const struct zk_server *s, int64_t zxid)
{
	int64_t last = s->nhist ? s->hist[s->nhist - 1].zxid : s->hist_base;
	if (zxid <= last)
		broken(s, "the log's zxids strictly increase", zxid, last);
}

void zk_inv_apply(const struct zk_server *s, int64_t zxid)
{
	int64_t last = s->nhist ? s->hist[s->nhist - 1].zxid : s->hist_base;
	if (zxid <= s->committed)
		broken(s, "transactions are applied in zxid order, each once", zxid,
		       s->committed);
	if (zxid > last)
		broken(s, "only logged transactions are applied", zxid, last);
}

void zk_inv_epochs(struct zk_server *s)
{
	if (s->accepted_epoch < s->current_epoch)
		broken(s, "acceptedEpoch >= currentEpoch", s->accepted_epoch, s->current_epoch);
	if (s->accepted_epoch < s->inv_accepted_epoch)
		broken(s, "acceptedEpoch never decreases", s->accepted_epoch,
		       s->inv_accepted_epoch);
	if (s->current_epoch < s->inv_current_epoch)
		broken(s, "currentEpoch never decreases", s->current_epoch,
		       s->inv_current_epoch);
	s->inv_accepted_epoch = s->accepted_epoch;
	s->inv_current_epoch = s->current_epoch;
}
