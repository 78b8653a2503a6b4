/*
 * brk_pstate — one partition's replication state machine (brk_pstate.h):
 * the rules of Kafka 3.x's Partition and Replica, with no I/O, and the
 * invariants checked after every change.
 */
#include "broker/kafka/brk_pstate.h"

#include <stdio.h>
#include <string.h>

#include "sim/invariant.h"
#include "sim/mutant.h"

/* ---- Id lists ---------------------------------------------------------------- */

static bool has(const int32_t *ids, int32_t n, int32_t id)
{
	for (int32_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static bool within(const int32_t *ids, int32_t n, const int32_t *set, int32_t n_set)
{
	for (int32_t i = 0; i < n; i++)
		if (!has(set, n_set, ids[i]))
			return false;
	return true;
}

static void set_ids(struct env *env, int32_t **dst, int32_t *n_dst, const int32_t *src, int32_t n)
{
	int32_t *ids = env_calloc(env, (size_t)(n > 0 ? n : 0) + 1, sizeof *ids);
	if (n > 0)
		memcpy(ids, src, (size_t)n * sizeof *ids);
	env_free(env, *dst);
	*dst = ids;
	*n_dst = n > 0 ? n : 0;
}

static void list_ids(char *buf, size_t size, const int32_t *ids, int32_t n)
{
	size_t used = (size_t)snprintf(buf, size, "[");
	for (int32_t i = 0; i < n && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%d", i ? "," : "", ids[i]);
	if (used < size)
		snprintf(buf + used, size - used, "]");
}

/* ---- Invariants ------------------------------------------------------------------ */

static void broken(const struct brk_pstate *ps, const char *after, const char *invariant)
{
	char rep[96], isr[96], pend[96], max[96], at[32];
	list_ids(rep, sizeof rep, ps->replicas, ps->n_replicas);
	list_ids(isr, sizeof isr, ps->isr, ps->n_isr);
	list_ids(pend, sizeof pend, ps->pending_isr, ps->n_pending_isr);
	list_ids(max, sizeof max, ps->maximal_isr, ps->n_maximal_isr);
	int64_t now = env_now_ns(ps->env);
	snprintf(at, sizeof at, "%lld.%06llds", (long long)(now / 1000000000),
	         (long long)(now % 1000000000 / 1000));
	sim_invariant_fail(invariant,
	                   "partition %s-%d on %s at %s, after %s\n"
	                   "  state: %s, leader %d, leader epoch %d, partition epoch %d, hw %lld, "
	                   "leo %lld%s,\n  replicas %s, isr %s, pending %s, maximal %s",
	                   ps->topic, ps->partition, env_node_name(ps->env), at, after,
	                   ps->leader ? "leader" : "not leader", ps->leader_id, ps->leader_epoch,
	                   ps->partition_epoch, (long long)ps->hw, (long long)ps->leo,
	                   ps->open ? "" : " (log not open)", rep, isr, pend, max);
}

/* Every invariant of the header, after the change named `after`. */
static void check(struct brk_pstate *ps, const char *after)
{
	if (ps->leader_epoch < ps->max_leader_epoch)
		broken(ps, after, "the leader epoch never decreases");
	if (ps->partition_epoch < ps->max_partition_epoch)
		broken(ps, after, "the partition epoch never decreases");
	if (ps->leader_epoch > ps->max_leader_epoch)
		ps->max_leader_epoch = ps->leader_epoch;
	if (ps->partition_epoch > ps->max_partition_epoch)
		ps->max_partition_epoch = ps->partition_epoch;
	if (ps->open && ps->hw > ps->leo)
		broken(ps, after, "hw <= leo");
	if (ps->leader && ps->open) {
		if (ps->hw_epoch == ps->leader_epoch && ps->hw < ps->hw_floor)
			broken(ps, after,
			       "a leader's high watermark never moves back within its "
			       "leader epoch");
		ps->hw_epoch = ps->leader_epoch;
		ps->hw_floor = ps->hw;
	} else if (!ps->leader) {
		ps->hw_epoch = -1;
	}
	if (ps->n_replicas > 0 &&
	    (!within(ps->isr, ps->n_isr, ps->replicas, ps->n_replicas) ||
	     !within(ps->pending_isr, ps->n_pending_isr, ps->replicas, ps->n_replicas) ||
	     !within(ps->maximal_isr, ps->n_maximal_isr, ps->replicas, ps->n_replicas)))
		broken(ps, after, "the ISR (current, proposed and maximal) is within the replicas");
	if (ps->leader && !has(ps->isr, ps->n_isr, ps->self))
		broken(ps, after, "the leader is in the ISR");
	if (ps->leader && !within(ps->isr, ps->n_isr, ps->maximal_isr, ps->n_maximal_isr))
		broken(ps, after, "the maximal ISR contains the ISR");
	if (ps->leader && ps->fstate != BRK_FS_NONE)
		broken(ps, after, "a leader does not fetch");
}

/* ---- Life ------------------------------------------------------------------------- */

void brk_pstate_init(struct brk_pstate *ps, struct env *env, int32_t self, const char *topic,
                     int32_t partition, int64_t max_lag_ns)
{
	memset(ps, 0, sizeof *ps);
	ps->env = env;
	ps->self = self;
	ps->topic = topic;
	ps->partition = partition;
	ps->max_lag_ns = max_lag_ns;
	ps->leader_id = -1;
	ps->leader_epoch = ps->max_leader_epoch = -1;
	ps->partition_epoch = ps->max_partition_epoch = -1;
	ps->epoch_start = -1;
	ps->hw_epoch = -1;
	ps->fetch_hw = -1;
	ps->sent_epoch = -1;
}

void brk_pstate_free(struct brk_pstate *ps)
{
	env_free(ps->env, ps->replicas);
	env_free(ps->env, ps->isr);
	env_free(ps->env, ps->pending_isr);
	env_free(ps->env, ps->maximal_isr);
	env_free(ps->env, ps->fol);
	ps->replicas = ps->isr = ps->pending_isr = ps->maximal_isr = NULL;
	ps->fol = NULL;
	ps->n_replicas = ps->n_isr = ps->n_pending_isr = ps->n_maximal_isr = ps->n_fol = 0;
}

/* No proposal in flight: the maximal ISR is the ISR. */
static void settle(struct brk_pstate *ps)
{
	env_free(ps->env, ps->pending_isr);
	ps->pending_isr = NULL;
	ps->n_pending_isr = 0;
	set_ids(ps->env, &ps->maximal_isr, &ps->n_maximal_isr, ps->isr, ps->n_isr);
}

static struct brk_pfollower *follower(struct brk_pstate *ps, int32_t id)
{
	for (int32_t i = 0; i < ps->n_fol; i++)
		if (ps->fol[i].id == id)
			return &ps->fol[i];
	return NULL;
}

static bool in_maximal(const struct brk_pstate *ps, int32_t id)
{
	return has(ps->maximal_isr, ps->n_maximal_isr, id);
}

/* Replica.isCaughtUp: at the leader's end, or caught up within the lag. */
static bool caught_up(const struct brk_pstate *ps, const struct brk_pfollower *f, int64_t leo,
                      int64_t now)
{
	if (f->leo >= 0 && f->leo == leo)
		return true;
	return f->last_caught_up_ns >= 0 && now - f->last_caught_up_ns <= ps->max_lag_ns;
}

/*
 * Partition.maybeIncrementLeaderHW: the smallest log end offset among the
 * maximal ISR and the replicas caught up enough to join it (so a replica
 * about to join is not left behind a high watermark it must then chase).
 */
static unsigned advance_hw(struct brk_pstate *ps, int64_t now)
{
	if (!ps->leader || !ps->open)
		return 0;
	int64_t hw = ps->leo;
	for (int32_t i = 0; i < ps->n_fol; i++) {
		const struct brk_pfollower *f = &ps->fol[i];
		if (f->leo < hw && (in_maximal(ps, f->id) || caught_up(ps, f, ps->leo, now)) &&
		    !KSIM_MUTANT_IS("hw-wait"))
			hw = f->leo;
	}
	if (hw <= ps->hw)
		return 0;
	ps->hw = hw;
	return BRK_PS_HW_MOVED;
}

unsigned brk_pstate_opened(struct brk_pstate *ps, int64_t hw, int64_t leo, int64_t now_ns)
{
	ps->open = true;
	ps->leo = leo;
	ps->hw = hw;
	unsigned fx = 0;
	if (ps->leader) {
		ps->epoch_start = leo;
		fx = advance_hw(ps, now_ns);
	}
	check(ps, "the log opened");
	return fx;
}

/* ---- The controller ------------------------------------------------------------------ */

enum brk_pstate_judgement brk_pstate_judge(const struct brk_pstate *ps, int32_t leader_epoch)
{
	if (leader_epoch > ps->leader_epoch)
		return BRK_PS_APPLY;
	return leader_epoch < ps->leader_epoch ? BRK_PS_STALE : BRK_PS_SAME_EPOCH;
}

static void take(struct brk_pstate *ps, const struct brk_pstate_update *u)
{
	set_ids(ps->env, &ps->replicas, &ps->n_replicas, u->replicas, u->n_replicas);
	set_ids(ps->env, &ps->isr, &ps->n_isr, u->isr, u->n_isr);
	ps->leader_id = u->leader;
	ps->leader_epoch = u->leader_epoch;
	ps->partition_epoch = u->partition_epoch;
}

/*
 * Replica.resetReplicaState: a new leader knows nothing of its followers;
 * a re-elected one (a new epoch, the same leader) keeps their log end
 * offsets. Either way an ISR member counts as caught up now and any other
 * replica as never, so a replica the controller removed does not hold the
 * high watermark back, and one outside the ISR does not join before it
 * fetches again.
 */
static void reset_followers(struct brk_pstate *ps, bool new_leader, int64_t leo, int64_t now)
{
	struct brk_pfollower *fol = env_calloc(ps->env, (size_t)ps->n_replicas + 1, sizeof *fol);
	int32_t n = 0;
	for (int32_t i = 0; i < ps->n_replicas; i++) {
		int32_t id = ps->replicas[i];
		if (id == ps->self)
			continue;
		bool in_sync = has(ps->isr, ps->n_isr, id);
		const struct brk_pfollower *old = new_leader ? NULL : follower(ps, id);
		struct brk_pfollower f = {id, -1, in_sync ? now : -1, -1, -1};
		if (old) {
			f.leo = old->leo;
			/* Before 3.3 (Replica.resetLastCaughtUpTime) every follower
			 * fetched "now", so one outside the ISR that fetches from the
			 * old end next counts as caught up as of the re-election. */
			f.last_fetch_ns = in_sync || ps->legacy_reelect_fetch ? now : -1;
			f.last_fetch_leader_leo = ps->open ? leo : -1;
		}
		fol[n++] = f;
	}
	env_free(ps->env, ps->fol);
	ps->fol = fol;
	ps->n_fol = n;
}

unsigned brk_pstate_become_leader(struct brk_pstate *ps, const struct brk_pstate_update *u,
                                  int64_t leo, int64_t now_ns)
{
	bool new_leader = !ps->leader;
	take(ps, u);
	ps->leader = true;
	ps->leader_id = ps->self;
	settle(ps);
	if (ps->open)
		ps->leo = leo;
	reset_followers(ps, new_leader, leo, now_ns);
	ps->epoch_start = ps->open ? leo : -1;
	unsigned fx = advance_hw(ps, now_ns);
	check(ps, "becoming leader");
	return fx;
}

bool brk_pstate_become_follower(struct brk_pstate *ps, const struct brk_pstate_update *u)
{
	bool again =
	    ps->leader || u->leader != ps->leader_id || u->leader_epoch != ps->leader_epoch;
	take(ps, u);
	ps->leader = false;
	settle(ps);
	env_free(ps->env, ps->fol);
	ps->fol = NULL;
	ps->n_fol = 0;
	check(ps, "becoming a follower");
	return again;
}

void brk_pstate_stop(struct brk_pstate *ps)
{
	ps->leader = false;
	ps->leader_id = -1;
	settle(ps);
	check(ps, "StopReplica");
}

/* ---- The leader ------------------------------------------------------------------------ */

unsigned brk_pstate_appended(struct brk_pstate *ps, int64_t leo, int64_t now_ns)
{
	if (!ps->open)
		return 0;
	ps->leo = leo;
	unsigned fx = advance_hw(ps, now_ns);
	check(ps, "an append");
	return fx;
}

/* Proposes the ISR plus `f` when it has caught up in this leader epoch. */
static unsigned maybe_expand(struct brk_pstate *ps, const struct brk_pfollower *f)
{
	if (ps->n_pending_isr || in_maximal(ps, f->id))
		return 0;
	/* KAFKA-7128: caught up to the high watermark AND to the start of the
	 * current leader epoch, so a replica that missed the epoch's start
	 * cannot join the ISR and then be elected without it. */
	if (f->leo < ps->hw || f->leo < ps->epoch_start)
		return 0;
	int32_t isr[ps->n_isr + 1];
	memcpy(isr, ps->isr, (size_t)ps->n_isr * sizeof *isr);
	isr[ps->n_isr] = f->id;
	env_event(ps->env, "isr",
	          "%s-%d: leader %d asks the controller to add replica %d to the ISR "
	          "(caught up at offset %lld, high watermark %lld)",
	          ps->topic, ps->partition, ps->self, f->id, (long long)f->leo, (long long)ps->hw);
	set_ids(ps->env, &ps->pending_isr, &ps->n_pending_isr, isr, ps->n_isr + 1);
	/* Being added, it counts at once (KIP-497's maximal ISR). */
	set_ids(ps->env, &ps->maximal_isr, &ps->n_maximal_isr, isr, ps->n_isr + 1);
	return BRK_PS_PROPOSE;
}

unsigned brk_pstate_follower_fetched(struct brk_pstate *ps, int32_t replica, int64_t fetch_offset,
                                     int64_t leo, int64_t now_ns)
{
	struct brk_pfollower *f = follower(ps, replica);
	if (!f || !ps->open || !ps->leader)
		return 0;
	ps->leo = leo;
	/* Replica.updateFetchState: caught up now when it asked from our end;
	 * caught up as of its previous fetch when it asked from where our end
	 * stood then. */
	if (fetch_offset >= leo) {
		if (now_ns > f->last_caught_up_ns)
			f->last_caught_up_ns = now_ns;
	} else if (f->last_fetch_leader_leo >= 0 && fetch_offset >= f->last_fetch_leader_leo) {
		if (f->last_fetch_ns > f->last_caught_up_ns)
			f->last_caught_up_ns = f->last_fetch_ns;
	}
	if (leo > f->last_fetch_leader_leo)
		f->last_fetch_leader_leo = leo;
	f->last_fetch_ns = now_ns;
	f->leo = fetch_offset;
	unsigned fx = maybe_expand(ps, f);
	fx |= advance_hw(ps, now_ns);
	check(ps, "a follower's fetch");
	return fx;
}

/* Partition.isFollowerOutOfSync: not at the leader's end, and not caught
 * up within replica.lag.time.max.ms. */
static bool out_of_sync(const struct brk_pstate *ps, const struct brk_pfollower *f, int64_t now)
{
	return !caught_up(ps, f, ps->leo, now);
}

unsigned brk_pstate_tick(struct brk_pstate *ps, int64_t leo, int64_t now_ns)
{
	if (!ps->leader || !ps->open || ps->n_pending_isr)
		return 0;
	ps->leo = leo;
	int32_t isr[ps->n_isr + 1], n = 0;
	char out[96] = "";
	size_t used = 0;
	for (int32_t i = 0; i < ps->n_isr; i++) {
		const struct brk_pfollower *f = follower(ps, ps->isr[i]);
		if (f && out_of_sync(ps, f, now_ns)) {
			used +=
			    (size_t)snprintf(out + used, used < sizeof out ? sizeof out - used : 0,
			                     "%s%d", used ? "," : "", f->id);
			continue;
		}
		isr[n++] = ps->isr[i];
	}
	if (n == ps->n_isr)
		return 0;
	env_event(ps->env, "isr",
	          "%s-%d: leader %d asks the controller to remove replica %s from the ISR "
	          "(no catch-up within replica.lag.time.max.ms = %lld ms)",
	          ps->topic, ps->partition, ps->self, out, (long long)(ps->max_lag_ns / 1000000));
	/* Being removed, it still counts until the controller agrees: the
	 * maximal ISR stays the ISR. */
	set_ids(ps->env, &ps->pending_isr, &ps->n_pending_isr, isr, n);
	check(ps, "the ISR timer");
	return BRK_PS_PROPOSE;
}

unsigned brk_pstate_isr_changed(struct brk_pstate *ps, const int32_t *isr, int32_t n_isr,
                                int32_t partition_epoch, int64_t leo, int64_t now_ns)
{
	for (int32_t i = 0; i < ps->n_fol; i++) {
		struct brk_pfollower *f = &ps->fol[i];
		if (!has(ps->isr, ps->n_isr, f->id) && has(isr, n_isr, f->id) &&
		    f->last_caught_up_ns < 0)
			f->last_caught_up_ns = now_ns;
	}
	set_ids(ps->env, &ps->isr, &ps->n_isr, isr, n_isr);
	ps->partition_epoch = partition_epoch;
	settle(ps);
	if (ps->open)
		ps->leo = leo;
	unsigned fx = advance_hw(ps, now_ns);
	check(ps, "an ISR change");
	return fx;
}

void brk_pstate_isr_dropped(struct brk_pstate *ps)
{
	settle(ps);
	check(ps, "a dropped ISR proposal");
}

/* ---- The follower -------------------------------------------------------------------- */

void brk_pstate_follower_hw(struct brk_pstate *ps, int64_t leader_hw, int64_t leo)
{
	if (ps->leader)
		return; /* an answer to a fetch sent before this broker led */
	ps->leo = leo;
	ps->fetch_hw = leader_hw;
	ps->hw = leader_hw < leo ? leader_hw : leo;
	if (ps->hw < 0)
		ps->hw = 0;
	check(ps, "a fetch answer");
}

void brk_pstate_truncated(struct brk_pstate *ps, int64_t leo)
{
	ps->leo = leo;
	if (ps->hw > leo)
		ps->hw = leo;
	check(ps, "a truncation");
}

void brk_pstate_set_fetch(struct brk_pstate *ps, enum brk_fstate state, bool truncate_again)
{
	ps->fstate = state;
	ps->truncate_again = truncate_again;
	check(ps, "a fetcher step");
}

void brk_pstate_sent(struct brk_pstate *ps)
{
	ps->sent_epoch = ps->leader_epoch;
}

/* ---- Questions ------------------------------------------------------------------------- */

bool brk_pstate_in_isr(const struct brk_pstate *ps, int32_t id)
{
	return has(ps->isr, ps->n_isr, id);
}

int32_t brk_pstate_isr_size(const struct brk_pstate *ps)
{
	return ps->n_isr;
}

int32_t brk_pstate_maximal_isr_size(const struct brk_pstate *ps)
{
	return ps->n_maximal_isr;
}

int32_t brk_pstate_acks_isr_size(const struct brk_pstate *ps)
{
	return ps->legacy_acks_isr ? ps->n_isr : ps->n_maximal_isr;
}

bool brk_pstate_latest_known(const struct brk_pstate *ps)
{
	return !ps->leader || !ps->open || ps->hw >= ps->epoch_start;
}
