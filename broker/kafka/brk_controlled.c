/*
 * What a broker does with the controller's requests, as Kafka's
 * ReplicaManager does in ZooKeeper mode:
 *  - LeaderAndIsr makes this broker the leader or a follower of each
 *    partition named for it, when the request's leader epoch is newer than
 *    the partition's (brk_pstate_judge);
 *  - UpdateMetadata replaces the metadata cache that Metadata requests are
 *    answered from, and the brokers' addresses that fetchers and the
 *    AlterPartition sender connect to;
 *  - StopReplica stops fetching and serving a partition.
 * Every one carries the controller's epoch: a request from an older
 * controller than one already heard from is refused with
 * STALE_CONTROLLER_EPOCH, which is how a zombie controller is fenced; one
 * addressed to an earlier registration of this broker (an older broker
 * epoch) is refused with STALE_BROKER_EPOCH.
 */
#include "broker/kafka/brk_impl.h"

#include <string.h>

#include "broker/kafka/brk_zk.h"
#include "broker/kp/kp_error.h"
#include "sim/mutant.h"

/* KP_ERR_NONE when the request may be applied; updates the epoch seen. */
static int16_t fence(struct brk_broker *b, int32_t controller_epoch, int64_t broker_epoch,
		     const char *api)
{
	if (controller_epoch < b->controller_epoch && !KSIM_MUTANT_IS("broker-controller-fence")) {
		env_mark(b->env, "fence-controller-epoch-broker");
		env_event(b->env, "fenced",
			  "broker %d refuses %s from a controller of epoch %d: it has heard from "
			  "epoch %d (a zombie controller is fenced)",
			  b->cfg->broker_id, api, controller_epoch, b->controller_epoch);
		return KP_ERR_STALE_CONTROLLER_EPOCH;
	}
	int64_t mine = brk_zk_broker_epoch(b->zk);
	if (broker_epoch >= 0 && mine >= 0 && broker_epoch < mine)
		return KP_ERR_STALE_BROKER_EPOCH;
	b->controller_epoch = controller_epoch;
	return KP_ERR_NONE;
}

static void make_leader(struct brk_part *p, const struct brk_pstate_update *u)
{
	struct brk_broker *b = p->b;
	brk_unfollow(p);
	brk_leader_start(p, u);
	env_event(b->env, "leader",
		  "%s-%d: broker %d becomes leader at epoch %d (log end %lld, high watermark "
		  "%lld)",
		  p->topic, p->partition, b->cfg->broker_id, p->ps.leader_epoch,
		  p->open ? (long long)log_end_offset(p->log) : -1LL, (long long)p->ps.hw);
}

static void make_follower(struct brk_part *p, const struct brk_pstate_update *u)
{
	struct brk_broker *b = p->b;
	bool was_leader = p->ps.leader;
	bool again = brk_pstate_become_follower(&p->ps, u);
	if (was_leader)
		brk_produce_abort(b, p);
	if (!again)
		return; /* same leader, same epoch: keep fetching */
	brk_fetch_wake(b, p, BRK_WAKE_ALL); /* consumers' waiting fetches learn it moved */
	if (u->leader < 0) {
		brk_unfollow(p);
		return;
	}
	brk_follow(p);
}

/*
 * ReplicaManager.becomeLeaderOrFollower: a partition state applies only
 * with a newer leader epoch; an older one is refused and the current one
 * ignored, both answered STALE_CONTROLLER_EPOCH (a new controller resends
 * every partition's state with unchanged epochs). ISR changes reach the
 * leader through AlterPartition's answers, and the controller's own (a dead
 * follower removed) come with a new leader epoch.
 */
static int16_t apply_state(struct brk_broker *b, const struct kp_str *topic,
			   const struct kp_partition_state *st)
{
	struct brk_part *p = brk_part_find(b, topic->ptr, (size_t)topic->len, st->partition_index);
	if (!p) {
		char name[topic->len + 1];
		memcpy(name, topic->ptr, (size_t)topic->len);
		name[topic->len] = 0;
		if (!(p = brk_part_host(b, name, st->partition_index)))
			return KP_ERR_KAFKA_STORAGE_ERROR;
	}
	if (brk_pstate_judge(&p->ps, st->leader_epoch) != BRK_PS_APPLY)
		return KP_ERR_STALE_CONTROLLER_EPOCH;
	struct brk_pstate_update u = {st->leader,   st->leader_epoch, st->zk_version,
				      st->replicas, st->replica_count,  st->isr,
				      st->isr_count};
	if (st->leader == b->cfg->broker_id)
		make_leader(p, &u);
	else
		make_follower(p, &u);
	return KP_ERR_NONE;
}

void brk_handle_leader_and_isr(struct brk_broker *b, struct brk_req *r)
{
	const struct kp_leader_and_isr_request *req = &r->req.body.leader_and_isr;
	int32_t n = 0;
	for (int32_t t = 0; t < req->topic_count; t++)
		n += req->topics[t].partition_count;
	struct kp_partition_error *errs = env_calloc(b->env, (size_t)n + 1, sizeof *errs);
	struct kp_response resp;
	memset(&resp, 0, sizeof resp);
	resp.body.leader_and_isr.error_code =
		fence(b, req->controller_epoch, req->broker_epoch, "LeaderAndIsr");
	if (!resp.body.leader_and_isr.error_code) {
		for (int32_t i = 0; i < req->live_leader_count; i++) {
			const struct kp_live_leader *l = &req->live_leaders[i];
			brk_peer_set(b, l->broker_id, l->host_name.ptr, (size_t)l->host_name.len,
				     (uint16_t)l->port);
		}
		int32_t k = 0;
		for (int32_t t = 0; t < req->topic_count; t++) {
			const struct kp_topic_states *ts = &req->topics[t];
			for (int32_t i = 0; i < ts->partition_count; i++, k++) {
				errs[k].topic_name = ts->topic_name;
				errs[k].partition_index = ts->partitions[i].partition_index;
				errs[k].error_code = apply_state(b, &ts->topic_name, &ts->partitions[i]);
			}
		}
		resp.body.leader_and_isr.partitions = errs;
		resp.body.leader_and_isr.partition_count = k;
	}
	brk_front_respond(r, &resp);
	env_free(b->env, errs);
}

void brk_handle_update_metadata(struct brk_broker *b, struct brk_req *r)
{
	const struct kp_update_metadata_request *req = &r->req.body.update_metadata;
	struct kp_response resp;
	memset(&resp, 0, sizeof resp);
	resp.body.update_metadata.error_code =
		fence(b, req->controller_epoch, req->broker_epoch, "UpdateMetadata");
	if (resp.body.update_metadata.error_code) {
		brk_front_respond(r, &resp);
		return;
	}
	struct env *env = b->env;
	size_t nb = (size_t)req->live_broker_count, np = 0;
	for (int32_t t = 0; t < req->topic_count; t++)
		np += (size_t)req->topics[t].partition_count;
	struct brk_meta_broker *mb = env_calloc(env, nb + 1, sizeof *mb);
	struct brk_meta_partition *mp = env_calloc(env, np + 1, sizeof *mp);
	char **names = env_calloc(env, nb + req->topic_count + 1, sizeof *names);
	size_t n_names = 0;
	for (size_t i = 0; i < nb; i++) {
		const struct kp_update_metadata_broker *lb = &req->live_brokers[i];
		const struct kp_update_metadata_endpoint *ep =
			lb->endpoint_count > 0 ? &lb->endpoints[0] : NULL;
		char *host = env_calloc(env, ep ? (size_t)ep->host.len + 1 : 1, 1);
		if (ep)
			memcpy(host, ep->host.ptr, (size_t)ep->host.len);
		names[n_names++] = host;
		mb[i] = (struct brk_meta_broker){lb->id, host, ep ? (uint16_t)ep->port : 0};
		if (ep)
			brk_peer_set(b, lb->id, ep->host.ptr, (size_t)ep->host.len, (uint16_t)ep->port);
	}
	size_t k = 0;
	for (int32_t t = 0; t < req->topic_count; t++) {
		const struct kp_topic_states *ts = &req->topics[t];
		char *topic = env_calloc(env, (size_t)ts->topic_name.len + 1, 1);
		memcpy(topic, ts->topic_name.ptr, (size_t)ts->topic_name.len);
		names[n_names++] = topic;
		for (int32_t i = 0; i < ts->partition_count; i++) {
			const struct kp_partition_state *st = &ts->partitions[i];
			mp[k++] = (struct brk_meta_partition){topic,
							      st->partition_index,
							      st->leader,
							      st->leader_epoch,
							      st->replicas,
							      st->replica_count,
							      st->isr,
							      st->isr_count};
		}
	}
	brk_metadata_update(b->meta, req->controller_id, mb, nb, mp, k);
	for (size_t i = 0; i < n_names; i++)
		env_free(env, names[i]);
	env_free(env, names);
	env_free(env, mp);
	env_free(env, mb);
	brk_front_respond(r, &resp);
}

void brk_handle_stop_replica(struct brk_broker *b, struct brk_req *r)
{
	const struct kp_stop_replica_request *req = &r->req.body.stop_replica;
	int32_t n = 0;
	for (int32_t t = 0; t < req->topic_count; t++)
		n += req->topics[t].partition_count;
	struct kp_partition_error *errs = env_calloc(b->env, (size_t)n + 1, sizeof *errs);
	struct kp_response resp;
	memset(&resp, 0, sizeof resp);
	resp.body.stop_replica.error_code =
		fence(b, req->controller_epoch, req->broker_epoch, "StopReplica");
	int32_t k = 0;
	for (int32_t t = 0; t < req->topic_count && !resp.body.stop_replica.error_code; t++) {
		const struct kp_stop_replica_topic *st = &req->topics[t];
		for (int32_t i = 0; i < st->partition_count; i++, k++) {
			errs[k] = (struct kp_partition_error){st->name, st->partitions[i], KP_ERR_NONE};
			struct brk_part *p = brk_part_find(b, st->name.ptr, (size_t)st->name.len,
							   st->partitions[i]);
			if (!p)
				continue;
			brk_unfollow(p);
			bool was_leader = p->ps.leader;
			brk_pstate_stop(&p->ps);
			if (was_leader)
				brk_produce_abort(b, p);
			brk_fetch_wake(b, p, BRK_WAKE_ALL);
		}
	}
	resp.body.stop_replica.partitions = errs;
	resp.body.stop_replica.partition_count = k;
	brk_front_respond(r, &resp);
	env_free(b->env, errs);
}
