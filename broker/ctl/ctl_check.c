/*
 * What the controller promises about each partition state it writes to
 * ZooKeeper or reads back from it, checked at every such change; a broken
 * promise stops the run through sim/invariant.h with the line that
 * reproduces it:
 *  - the ISR is non-empty and within the partition's replicas;
 *  - a leader (not -1) is in the ISR;
 *  - a state this controller writes carries its own controller epoch, a
 *    leader epoch no lower than the one it replaces (higher when the leader
 *    changes), and a newer znode version;
 *  - a state read back never has an older znode version than the one known
 *    (ZooKeeper versions only grow).
 */
#include "broker/ctl/ctl_impl.h"

#include "sim/invariant.h"

static void broken(const struct ctl *c, const struct ctl_topic *t, int32_t partition,
		   const struct ctl_pstate *old, const struct ctl_pstate *now, const char *after,
		   const char *invariant)
{
	char isr[CTL_MAX_REPLICAS * 12 + 3], old_isr[sizeof isr], rep[sizeof isr];
	const struct ctl_part *p = &t->parts[partition];
	ctl_fmt_ids(isr, sizeof isr, now->isr, now->n_isr);
	ctl_fmt_ids(old_isr, sizeof old_isr, old->isr, old->n_isr);
	ctl_fmt_ids(rep, sizeof rep, p->replicas, p->n_replicas);
	int64_t at = env_now_ns(c->env);
	sim_invariant_fail(invariant,
			   "controller %s (epoch %d) at %lld.%06llds, %s-%d after %s\n"
			   "  replicas %s; was leader %d epoch %d isr %s version %d;\n"
			   "  now leader %d epoch %d isr %s version %d, written by controller "
			   "epoch %d",
			   env_node_name(c->env), c->epoch, (long long)(at / 1000000000),
			   (long long)(at % 1000000000 / 1000), t->name, partition, after, rep,
			   old->leader, old->leader_epoch, old_isr, old->zk_version, now->leader,
			   now->leader_epoch, isr, now->zk_version, now->controller_epoch);
}

static bool has(const int32_t *ids, int32_t n, int32_t id)
{
	for (int32_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

void ctl_check_state(const struct ctl *c, const struct ctl_topic *t, int32_t partition,
		     const struct ctl_pstate *old, const struct ctl_pstate *now,
		     enum ctl_check_what what)
{
	const struct ctl_part *p = &t->parts[partition];
	bool written = what != CTL_CHECK_READ;
	const char *after = what == CTL_CHECK_READ    ? "a read"
			    : what == CTL_CHECK_FIRST ? "its first write"
						      : "a write";
#define BROKEN(inv) broken(c, t, partition, old, now, after, inv)
	if (now->n_isr < 1)
		BROKEN("the ISR is not empty");
	for (int32_t i = 0; i < now->n_isr && p->n_replicas > 0; i++)
		if (!has(p->replicas, p->n_replicas, now->isr[i]))
			BROKEN("the ISR is within the replicas");
	if (now->leader >= 0 && !has(now->isr, now->n_isr, now->leader))
		BROKEN("the leader is in the ISR");
	if (written && now->controller_epoch != c->epoch)
		BROKEN("a state the controller writes carries its epoch");
	if (what == CTL_CHECK_WRITE) {
		if (now->leader_epoch < old->leader_epoch ||
		    (now->leader != old->leader && now->leader_epoch == old->leader_epoch))
			BROKEN("a new leader gets a higher leader epoch, and epochs never "
			       "decrease");
		if (now->zk_version <= old->zk_version)
			BROKEN("a write makes a newer znode version");
	}
	if (!written && now->zk_version < old->zk_version)
		BROKEN("a state read back is never older than the one known");
#undef BROKEN
}
