#include "broker/ctl/ctl_election.h"

#include <stdio.h>
#include <string.h>

#include "broker/kp/kp_error.h"
#include "sim/mutant.h"

bool ctl_live_has(const struct ctl_live *live, int32_t id)
{
	for (int32_t i = 0; i < live->n; i++)
		if (live->ids[i] == id)
			return true;
	return false;
}

bool ctl_isr_has(const struct ctl_pstate *st, int32_t id)
{
	for (int32_t i = 0; i < st->n_isr; i++)
		if (st->isr[i] == id)
			return true;
	return false;
}

static bool same_isr(const struct ctl_pstate *a, const struct ctl_pstate *b)
{
	return a->n_isr == b->n_isr && !memcmp(a->isr, b->isr, (size_t)a->n_isr * sizeof a->isr[0]);
}

bool ctl_elect_initial(const int32_t *replicas, int32_t n, const struct ctl_live *live,
		       struct ctl_pstate *out)
{
	struct ctl_pstate st = {.leader = -1, .leader_epoch = 0, .zk_version = -1};
	for (int32_t i = 0; i < n && st.n_isr < CTL_MAX_REPLICAS; i++)
		if (ctl_live_has(live, replicas[i]))
			st.isr[st.n_isr++] = replicas[i];
	if (st.n_isr == 0)
		return false;
	st.leader = st.isr[0];
	*out = st;
	return true;
}

/* The ISR members that are live, in their ISR order. */
static void live_isr(const struct ctl_pstate *old, const struct ctl_live *live,
		     struct ctl_pstate *out)
{
	out->n_isr = 0;
	for (int32_t i = 0; i < old->n_isr; i++)
		if (ctl_live_has(live, old->isr[i]))
			out->isr[out->n_isr++] = old->isr[i];
}

/* The leader is not live (or there is none): Kafka's
 * offlinePartitionLeaderElection, then its unclean fallback. */
static enum ctl_why elect_offline(const int32_t *replicas, int32_t n, const struct ctl_pstate *old,
				  const struct ctl_live *live, bool unclean, struct ctl_pstate *out)
{
	for (int32_t i = 0; i < n; i++)
		if (ctl_live_has(live, replicas[i]) && ctl_isr_has(old, replicas[i])) {
			out->leader = replicas[i];
			live_isr(old, live, out);
			out->leader_epoch = old->leader_epoch + 1;
			return old->leader == -1 ? CTL_WHY_CAME_BACK : CTL_WHY_LEADER_GONE;
		}
	for (int32_t i = 0; (unclean || KSIM_MUTANT_IS("unclean-guard")) && i < n; i++)
		if (ctl_live_has(live, replicas[i])) {
			out->leader = replicas[i];
			out->isr[0] = replicas[i];
			out->n_isr = 1;
			out->leader_epoch = old->leader_epoch + 1;
			return CTL_WHY_UNCLEAN;
		}
	if (old->leader == -1)
		return CTL_WHY_NONE; /* offline already */
	/* Offline: no leader; the ISR stays as it was, since its members are
	 * the only replicas that may lead cleanly when they come back. */
	out->leader = -1;
	out->leader_epoch = old->leader_epoch + 1;
	return CTL_WHY_OFFLINE;
}

enum ctl_why ctl_elect_reconcile(const int32_t *replicas, int32_t n, const struct ctl_pstate *old,
				 const struct ctl_live *live, bool unclean,
				 struct ctl_pstate *out)
{
	*out = *old;
	if (old->leader == -1 || !ctl_live_has(live, old->leader))
		return elect_offline(replicas, n, old, live, unclean, out);
	/* A live leader: followers that are not live leave the ISR (Kafka's
	 * removeReplicasFromIsr), but the last member always stays. */
	live_isr(old, live, out);
	if (out->n_isr == 0 || same_isr(old, out)) {
		*out = *old;
		return CTL_WHY_NONE;
	}
	out->leader_epoch = old->leader_epoch + 1;
	return CTL_WHY_ISR_SHRINK;
}

enum ctl_why ctl_elect_preferred(const int32_t *replicas, int32_t n, const struct ctl_pstate *old,
				 const struct ctl_live *live, struct ctl_pstate *out)
{
	*out = *old;
	if (n == 0 || old->leader == replicas[0] || !ctl_live_has(live, replicas[0]) ||
	    !ctl_isr_has(old, replicas[0]))
		return CTL_WHY_NONE;
	out->leader = replicas[0];
	out->leader_epoch = old->leader_epoch + 1;
	return CTL_WHY_PREFERRED;
}

static bool is_replica(const int32_t *replicas, int32_t n, int32_t id)
{
	for (int32_t i = 0; i < n; i++)
		if (replicas[i] == id)
			return true;
	return false;
}

enum ctl_why ctl_elect_controlled_shutdown(const int32_t *replicas, int32_t n,
					   const struct ctl_pstate *old,
					   const struct ctl_live *live,
					   const struct ctl_live *shutting, int32_t id,
					   struct ctl_pstate *out)
{
	*out = *old;
	if (n <= 1 || !is_replica(replicas, n, id))
		return CTL_WHY_NONE;
	if (old->leader != id) {
		if (!ctl_isr_has(old, id) || old->n_isr <= 1)
			return CTL_WHY_NONE;
		out->n_isr = 0;
		for (int32_t i = 0; i < old->n_isr; i++)
			if (old->isr[i] != id)
				out->isr[out->n_isr++] = old->isr[i];
		out->leader_epoch = old->leader_epoch + 1;
		return CTL_WHY_SHUTDOWN_ISR;
	}
	out->n_isr = 0;
	for (int32_t i = 0; i < old->n_isr; i++)
		if (old->isr[i] != id && !ctl_live_has(shutting, old->isr[i]))
			out->isr[out->n_isr++] = old->isr[i];
	for (int32_t i = 0; i < n; i++) {
		int32_t r = replicas[i];
		if (r == id || !ctl_isr_has(out, r) || !ctl_live_has(live, r) ||
		    ctl_live_has(shutting, r))
			continue;
		out->leader = r;
		out->leader_epoch = old->leader_epoch + 1;
		return CTL_WHY_SHUTDOWN;
	}
	*out = *old;
	return CTL_WHY_NONE;
}

/* Empty, longer than the assignment, or with a member twice. */
static bool malformed_isr(const struct ctl_alter *a)
{
	if (a->n_new_isr <= 0 || a->n_new_isr > CTL_MAX_REPLICAS)
		return true;
	for (int32_t i = 0; i < a->n_new_isr; i++)
		for (int32_t k = i + 1; k < a->n_new_isr; k++)
			if (a->new_isr[i] == a->new_isr[k])
				return true;
	return false;
}

int16_t ctl_alter_validate(const int32_t *replicas, int32_t n, const struct ctl_pstate *st,
			   const struct ctl_alter *a, const struct ctl_live *live, bool *same)
{
	*same = false;
	if (a->registered_epoch < 0 || a->broker_epoch != a->registered_epoch)
		return KP_ERR_STALE_BROKER_EPOCH;
	if (st->leader != a->broker_id)
		return KP_ERR_NOT_LEADER_OR_FOLLOWER;
	if (a->leader_epoch != st->leader_epoch)
		return KP_ERR_FENCED_LEADER_EPOCH;
	/* Kafka's controller answers a partition already in the asked state
	 * with that state before it looks at the partition epoch ("this check
	 * must be done before fencing based on partition epoch to maintain
	 * idempotency", KafkaController.processAlterPartition): a leader whose
	 * answer was lost resends the same proposal and learns the new epoch. */
	*same = a->n_new_isr == st->n_isr &&
		!memcmp(a->new_isr, st->isr, (size_t)st->n_isr * sizeof st->isr[0]);
	if (*same)
		return KP_ERR_NONE;
	if (a->partition_epoch != st->zk_version)
		return KP_ERR_INVALID_UPDATE_VERSION;
	if (malformed_isr(a))
		return KP_ERR_INVALID_REQUEST;
	for (int32_t i = 0; i < a->n_new_isr; i++)
		if (!ctl_live_has(live, a->new_isr[i]) || !is_replica(replicas, n, a->new_isr[i]))
			return KP_ERR_INELIGIBLE_REPLICA;
	return KP_ERR_NONE;
}

const char *ctl_fmt_ids(char *buf, size_t cap, const int32_t *ids, int32_t n)
{
	size_t used = (size_t)snprintf(buf, cap, "[");
	for (int32_t i = 0; i < n && used < cap; i++)
		used += (size_t)snprintf(buf + used, cap - used, "%s%d", i ? "," : "", ids[i]);
	if (used < cap)
		snprintf(buf + used, cap - used, "]");
	return buf;
}
