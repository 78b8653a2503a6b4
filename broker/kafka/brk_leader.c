/*
 * The partition leader's side of replication, as Kafka 3.x's Partition does
 * it. The rules (followers' log end offsets and caught-up times, the high
 * watermark over the maximal ISR, when to propose an ISR change) are the
 * partition state machine's (brk_pstate.c); this file feeds it the log end
 * offset and the time, and does what it asks: wake the fetches and produces
 * waiting on the high watermark, send an ISR proposal to the controller
 * (brk_isr.c: AlterPartition). It also answers OffsetsForLeaderEpoch from
 * the leader epoch cache.
 */
#include "broker/kafka/brk_impl.h"

#include <stdio.h>
#include <string.h>

#include "broker/kp/kp_error.h"

static int64_t leo_of(const struct brk_part *p)
{
	return p->open ? log_end_offset(p->log) : -1;
}

void brk_leader_effects(struct brk_part *p, unsigned fx)
{
	if (fx & BRK_PS_HW_MOVED) {
		brk_fetch_wake(p->b, p, BRK_WAKE_CONSUMERS);
		brk_produce_wake(p->b, p);
	}
	if (fx & BRK_PS_PROPOSE)
		brk_isr_propose(p);
}

/*
 * Becoming leader (a new leader epoch): the epoch starts at the log end
 * offset, which the leader epoch cache records (while the log is still
 * opening, log_opened does it).
 */
void brk_leader_start(struct brk_part *p, const struct brk_pstate_update *u)
{
	struct env *env = p->b->env;
	unsigned fx = brk_pstate_become_leader(&p->ps, u, leo_of(p), env_now_ns(env));
	if (p->open)
		log_assign_epoch(p->log, p->ps.leader_epoch, p->ps.epoch_start);
	brk_leader_effects(p, fx);
}

void brk_leader_appended(struct brk_part *p)
{
	brk_leader_effects(p, brk_pstate_appended(&p->ps, leo_of(p), env_now_ns(p->b->env)));
}

void brk_leader_follower_fetched(struct brk_part *p, int32_t replica, int64_t fetch_offset)
{
	if (!p->open)
		return;
	unsigned fx = brk_pstate_follower_fetched(&p->ps, replica, fetch_offset, leo_of(p),
						  env_now_ns(p->b->env));
	brk_leader_effects(p, fx);
}

/* Kafka checks every replica.lag.time.max.ms / 2 for followers out of sync. */
void brk_leader_tick(struct brk_broker *b)
{
	int64_t now = env_now_ns(b->env);
	for (struct brk_part *p = b->parts; p; p = p->next)
		if (p->open)
			brk_leader_effects(p, brk_pstate_tick(&p->ps, leo_of(p), now));
}

int16_t brk_check_leader_epoch(const struct brk_part *p, int32_t current_leader_epoch)
{
	if (current_leader_epoch < 0)
		return KP_ERR_NONE;
	if (current_leader_epoch < p->ps.leader_epoch)
		return KP_ERR_FENCED_LEADER_EPOCH;
	if (current_leader_epoch > p->ps.leader_epoch)
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
			if (!p->ps.leader || !p->open) {
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
