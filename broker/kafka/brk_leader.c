/*
 * The partition leader's side of replication, as Kafka 3.x's Partition does
 * it: the leader records each follower's log end offset and when it last
 * caught up (from the follower's fetches), advances the high watermark to
 * the smallest log end offset in the ISR, proposes ISR changes to the
 * controller (brk_isr.c: AlterPartition) when a follower lags for
 * replica.lag.time.max.ms or has caught up, and answers
 * OffsetsForLeaderEpoch from its leader epoch cache.
 *
 * While an ISR change is in flight, the high watermark is computed over the
 * "maximal" ISR, the union of the current ISR and the proposed one (KIP-497):
 * a replica being added already counts, one being removed still counts.
 */
#include "broker/kafka/brk_impl.h"

#include <stdio.h>
#include <string.h>

#include "broker/kp/kp_error.h"

bool brk_in_isr(const struct brk_part *p, int32_t id)
{
	for (int32_t i = 0; i < p->n_isr; i++)
		if (p->isr[i] == id)
			return true;
	return false;
}

static bool in_pending(const struct brk_part *p, int32_t id)
{
	for (int32_t i = 0; i < p->n_pending_isr; i++)
		if (p->pending_isr[i] == id)
			return true;
	return false;
}

/* In the maximal ISR: the ISR, or the one proposed while it is pending. */
static bool in_maximal(const struct brk_part *p, int32_t id)
{
	return brk_in_isr(p, id) || in_pending(p, id);
}

int32_t brk_leader_isr_size(const struct brk_part *p)
{
	return p->n_isr;
}

static void copy_ids(struct env *env, int32_t **dst, int32_t *n_dst, const int32_t *src,
		     int32_t n)
{
	env_free(env, *dst);
	*dst = env_calloc(env, (size_t)n + 1, sizeof **dst);
	if (n > 0)
		memcpy(*dst, src, (size_t)n * sizeof **dst);
	*n_dst = n;
}

/*
 * Becoming leader (a new leader epoch): followers' offsets are unknown
 * until they fetch again, and an ISR member counts as caught up now
 * (Kafka resets lastCaughtUpTime so the new leader does not shrink the ISR
 * at once). The epoch starts at the log end offset.
 */
void brk_leader_start(struct brk_part *p, const int32_t *isr, int32_t n_isr,
		      bool keep_followers)
{
	struct brk_broker *b = p->b;
	struct env *env = b->env;
	int64_t now = env_now_ns(env);
	if (isr != p->isr)
		copy_ids(env, &p->isr, &p->n_isr, isr, n_isr);
	env_free(env, p->pending_isr);
	p->pending_isr = NULL;
	p->n_pending_isr = 0;
	struct brk_follower *old = keep_followers ? p->fol : NULL;
	int32_t n_old = keep_followers ? p->n_fol : 0;
	if (!keep_followers)
		env_free(env, p->fol);
	p->fol = env_calloc(env, (size_t)p->n_replicas + 1, sizeof *p->fol);
	p->n_fol = 0;
	for (int32_t i = 0; i < p->n_replicas; i++) {
		if (p->replicas[i] == b->cfg->broker_id)
			continue;
		struct brk_follower f = {p->replicas[i], -1,
					 brk_in_isr(p, p->replicas[i]) ? now : 0, 0, -1};
		for (int32_t k = 0; k < n_old; k++)
			if (old[k].id == f.id)
				f = old[k];
		p->fol[p->n_fol++] = f;
	}
	env_free(env, old);
	p->epoch_start = p->open ? log_end_offset(p->log) : 0;
	if (p->open)
		log_assign_epoch(p->log, p->leader_epoch, p->epoch_start);
	brk_leader_maybe_advance_hw(p);
}

void brk_leader_set_isr(struct brk_part *p, const int32_t *isr, int32_t n_isr,
			int32_t partition_epoch)
{
	struct env *env = p->b->env;
	int64_t now = env_now_ns(env);
	for (int32_t i = 0; i < p->n_fol; i++)
		if (!brk_in_isr(p, p->fol[i].id))
			for (int32_t k = 0; k < n_isr; k++)
				if (isr[k] == p->fol[i].id && p->fol[i].last_caught_up_ns == 0)
					p->fol[i].last_caught_up_ns = now;
	copy_ids(env, &p->isr, &p->n_isr, isr, n_isr);
	p->partition_epoch = partition_epoch;
	env_free(env, p->pending_isr);
	p->pending_isr = NULL;
	p->n_pending_isr = 0;
	brk_leader_maybe_advance_hw(p);
	/* acks=all waiters may now fail NOT_ENOUGH_REPLICAS_AFTER_APPEND or succeed */
	brk_produce_wake(p->b, p);
}

static struct brk_follower *follower(struct brk_part *p, int32_t id)
{
	for (int32_t i = 0; i < p->n_fol; i++)
		if (p->fol[i].id == id)
			return &p->fol[i];
	return NULL;
}

void brk_leader_maybe_advance_hw(struct brk_part *p)
{
	if (!p->leader || !p->open)
		return;
	int64_t hw = log_end_offset(p->log);
	for (int32_t i = 0; i < p->n_fol; i++)
		if (in_maximal(p, p->fol[i].id) && p->fol[i].leo < hw)
			hw = p->fol[i].leo;
	if (hw <= p->hw)
		return;
	p->hw = hw;
	brk_fetch_wake(p->b, p, BRK_WAKE_CONSUMERS);
	brk_produce_wake(p->b, p);
}

/* Proposes the ISR plus `id` when it has caught up in this leader epoch. */
static void maybe_expand(struct brk_part *p, const struct brk_follower *f)
{
	if (p->n_pending_isr || in_maximal(p, f->id))
		return;
	/* KAFKA-7128: caught up to the high watermark AND to the start of the
	 * current leader epoch, so a replica that missed the epoch's start
	 * cannot join the ISR and then be elected without it. */
	if (f->leo < p->hw || f->leo < p->epoch_start)
		return;
	int32_t isr[p->n_isr + 1];
	memcpy(isr, p->isr, (size_t)p->n_isr * sizeof *isr);
	isr[p->n_isr] = f->id;
	env_event(p->b->env, "isr",
		  "%s-%d: leader %d asks the controller to add replica %d to the ISR "
		  "(caught up at offset %lld, high watermark %lld)",
		  p->topic, p->partition, p->b->cfg->broker_id, f->id, (long long)f->leo,
		  (long long)p->hw);
	brk_isr_propose(p, isr, p->n_isr + 1);
}

void brk_leader_follower_fetched(struct brk_part *p, int32_t replica, int64_t fetch_offset)
{
	struct brk_follower *f = follower(p, replica);
	if (!f || !p->open)
		return;
	int64_t now = env_now_ns(p->b->env), leo = log_end_offset(p->log);
	/* Kafka's updateFollowerFetchState: caught up now when it asked from our
	 * end; caught up as of its previous fetch when it asked from where our
	 * end stood then. */
	if (fetch_offset >= leo)
		f->last_caught_up_ns = now;
	else if (f->last_fetch_leader_leo >= 0 && fetch_offset >= f->last_fetch_leader_leo)
		f->last_caught_up_ns = f->last_fetch_ns;
	f->last_fetch_leader_leo = leo;
	f->last_fetch_ns = now;
	f->leo = fetch_offset;
	maybe_expand(p, f);
	brk_leader_maybe_advance_hw(p);
}

/* Followers that have not caught up within replica.lag.time.max.ms leave. */
static void maybe_shrink(struct brk_part *p)
{
	if (!p->leader || !p->open || p->n_pending_isr)
		return;
	int64_t now = env_now_ns(p->b->env);
	int64_t max_lag = p->b->cfg->replica_lag_time_max_ms * 1000000;
	int32_t isr[p->n_isr + 1], n = 0;
	char out[96] = "";
	size_t used = 0;
	for (int32_t i = 0; i < p->n_isr; i++) {
		struct brk_follower *f = follower(p, p->isr[i]);
		if (f && now - f->last_caught_up_ns > max_lag) {
			used += (size_t)snprintf(out + used, used < sizeof out ? sizeof out - used : 0,
						 "%s%d", used ? "," : "", f->id);
			continue;
		}
		isr[n++] = p->isr[i];
	}
	if (n == p->n_isr)
		return;
	env_event(p->b->env, "isr",
		  "%s-%d: leader %d asks the controller to remove replica %s from the ISR "
		  "(no catch-up within replica.lag.time.max.ms = %lld ms)",
		  p->topic, p->partition, p->b->cfg->broker_id, out,
		  (long long)p->b->cfg->replica_lag_time_max_ms);
	brk_isr_propose(p, isr, n);
}

void brk_leader_tick(struct brk_broker *b)
{
	for (struct brk_part *p = b->parts; p; p = p->next)
		maybe_shrink(p);
}

int16_t brk_check_leader_epoch(const struct brk_part *p, int32_t current_leader_epoch)
{
	if (current_leader_epoch < 0)
		return KP_ERR_NONE;
	if (current_leader_epoch < p->leader_epoch)
		return KP_ERR_FENCED_LEADER_EPOCH;
	if (current_leader_epoch > p->leader_epoch)
		return KP_ERR_UNKNOWN_LEADER_EPOCH;
	return KP_ERR_NONE;
}

/* ---- OffsetsForLeaderEpoch --------------------------------------------------------- */

void brk_handle_offsets_for_leader_epoch(struct brk_broker *b, struct brk_req *r)
{
	const struct kp_offsets_for_leader_epoch_request *req = &r->req.body.offsets_for_leader_epoch;
	int32_t n = 0;
	for (int32_t t = 0; t < req->topic_count; t++)
		n += req->topics[t].partition_count;
	struct kp_epoch_topic_result *topics =
		env_calloc(b->env, (size_t)req->topic_count + 1, sizeof *topics);
	struct kp_epoch_end_offset *parts = env_calloc(b->env, (size_t)n + 1, sizeof *parts);
	int32_t k = 0;
	for (int32_t t = 0; t < req->topic_count; t++) {
		const struct kp_epoch_topic *et = &req->topics[t];
		topics[t] = (struct kp_epoch_topic_result){et->topic, &parts[k], et->partition_count};
		for (int32_t i = 0; i < et->partition_count; i++, k++) {
			const struct kp_epoch_partition *ep = &et->partitions[i];
			struct kp_epoch_end_offset *out = &parts[k];
			*out = (struct kp_epoch_end_offset){KP_ERR_NONE, ep->partition, -1, -1};
			struct brk_part *p = brk_part_find(b, et->topic.ptr, (size_t)et->topic.len,
							   ep->partition);
			if (!p) {
				out->error_code = KP_ERR_UNKNOWN_TOPIC_OR_PARTITION;
				continue;
			}
			if (!p->leader || !p->open) {
				out->error_code = KP_ERR_NOT_LEADER_OR_FOLLOWER;
				continue;
			}
			out->error_code = brk_check_leader_epoch(p, ep->current_leader_epoch);
			if (out->error_code)
				continue;
			log_epoch_end_offset(log_epochs(p->log), ep->leader_epoch,
					     log_end_offset(p->log), &out->leader_epoch,
					     &out->end_offset);
		}
	}
	struct kp_response resp;
	memset(&resp, 0, sizeof resp);
	resp.body.offsets_for_leader_epoch.topics = topics;
	resp.body.offsets_for_leader_epoch.topic_count = req->topic_count;
	brk_front_respond(r, &resp);
	env_free(b->env, parts);
	env_free(b->env, topics);
}
