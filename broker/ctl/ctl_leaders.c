/*
 * ElectLeaders (KIP-460), as Kafka's KafkaController.onReplicaElection
 * serves it in ZooKeeper mode, for each partition the request names:
 *  - preferred: the first replica of the assignment leads when it is live
 *    and in the ISR (ctl_elect_preferred); ELECTION_NOT_NEEDED when it
 *    already leads, PREFERRED_LEADER_NOT_AVAILABLE when it cannot;
 *  - unclean: only a partition without a live leader is elected, with
 *    unclean election allowed whatever unclean.leader.election.enable says
 *    (the first live ISR member, else the first live replica, which becomes
 *    the whole ISR: ctl_elect_reconcile); ELECTION_NOT_NEEDED when its
 *    leader is live, ELIGIBLE_LEADERS_NOT_AVAILABLE when no replica is;
 *  - UNKNOWN_TOPIC_OR_PARTITION for a partition the controller does not
 *    know.
 * Each new state is written fenced by the controller epoch (leader epoch
 * + 1); LeaderAndIsr to the partition's replicas and UpdateMetadata to
 * every live broker follow, then the answer. A request without a partition
 * list (every partition) is refused with INVALID_REQUEST: ksim's admin
 * client always names them.
 */
#include "broker/ctl/ctl_impl.h"

#include <string.h>

#include "broker/kp/kp_error.h"

static void respond_top(struct brk_req *r, int16_t error)
{
	struct kp_response resp;
	memset(&resp, 0, sizeof resp);
	resp.body.elect_leaders.error_code = error;
	brk_front_respond(r, &resp);
}

/* The decision for one partition: an error code, or a write (slot). */
static void elect_one(struct ctl *c, struct ctl_alter_job *j, int8_t type, struct kp_str topic,
		      int32_t partition, struct kp_elect_partition_result *res,
		      const struct ctl_live *live)
{
	*res = (struct kp_elect_partition_result){partition, KP_ERR_NONE, KP_STR_NULL};
	struct ctl_topic *t = ctl_topic_find(c, topic.ptr, topic.len > 0 ? (size_t)topic.len : 0);
	bool known = t && partition >= 0 && partition < t->n_parts;
	struct ctl_part *p = known ? &t->parts[partition] : NULL;
	if (!p || !p->n_replicas || !p->has_state) {
		res->error_code = KP_ERR_UNKNOWN_TOPIC_OR_PARTITION;
		return;
	}
	if (type == KP_ELECTION_PREFERRED) {
		p->why = ctl_elect_preferred(p->replicas, p->n_replicas, &p->st, live, &p->next);
		if (p->why == CTL_WHY_NONE)
			res->error_code = p->st.leader == p->replicas[0]
						  ? KP_ERR_ELECTION_NOT_NEEDED
						  : KP_ERR_PREFERRED_LEADER_NOT_AVAILABLE;
	} else {
		bool leads = p->st.leader >= 0 && ctl_live_has(live, p->st.leader);
		p->why = CTL_WHY_NONE;
		if (!leads)
			p->why = ctl_elect_reconcile(p->replicas, p->n_replicas, &p->st, live,
						     true, &p->next);
		if (leads)
			res->error_code = KP_ERR_ELECTION_NOT_NEEDED;
		else if (p->why == CTL_WHY_NONE || p->next.leader < 0)
			res->error_code = KP_ERR_ELIGIBLE_LEADERS_NOT_AVAILABLE;
	}
	if (res->error_code != KP_ERR_NONE) {
		p->why = CTL_WHY_NONE;
		return;
	}
	env_mark(c->env, type == KP_ELECTION_PREFERRED ? "elect-leaders-preferred"
						       : "elect-leaders-unclean");
	j->slots[j->n_slots] = (struct ctl_slot){.t = t, .p = partition, .eres = res};
	res->error_code = KP_ERR_REQUEST_TIMED_OUT; /* until the write is answered */
	ctl_job_write(c, j->n_slots++);
}

void ctl_elect_start(struct ctl *c, struct brk_req *r)
{
	const struct kp_elect_leaders_request *req = &r->req.body.elect_leaders;
	if (req->topic_count < 0 || (req->election_type != KP_ELECTION_PREFERRED &&
				     req->election_type != KP_ELECTION_UNCLEAN)) {
		respond_top(r, KP_ERR_INVALID_REQUEST);
		ctl_work_done(c);
		return;
	}
	struct ctl_alter_job *j = env_calloc(c->env, 1, sizeof *j);
	j->r = r;
	j->shutdown_id = -1;
	c->job = j;
	int32_t n = 0;
	for (int32_t i = 0; i < req->topic_count; i++)
		n += req->topics[i].partition_count;
	j->slots = env_calloc(c->env, (size_t)n + 1, sizeof *j->slots);
	j->etopics = env_calloc(c->env, (size_t)req->topic_count + 1, sizeof *j->etopics);
	j->n_etopics = req->topic_count;
	int32_t *ids = env_calloc(c->env, (size_t)c->n_brokers + 1, sizeof *ids);
	struct ctl_live live = ctl_live_ids(c, ids);
	j->pending = 1; /* held while the writes go out */
	for (int32_t i = 0; i < req->topic_count; i++) {
		const struct kp_elect_topic *et = &req->topics[i];
		struct kp_elect_partition_result *res =
			env_calloc(c->env, (size_t)et->partition_count + 1, sizeof *res);
		j->etopics[i] =
			(struct kp_elect_topic_result){et->topic, res, et->partition_count};
		for (int32_t k = 0; k < et->partition_count; k++)
			elect_one(c, j, req->election_type, et->topic, et->partitions[k], &res[k],
				  &live);
	}
	env_free(c->env, ids);
	if (--j->pending == 0)
		ctl_alter_job_finish(c);
}

void ctl_elect_respond(struct ctl *c, struct ctl_alter_job *j)
{
	(void)c;
	struct kp_response resp;
	memset(&resp, 0, sizeof resp);
	resp.body.elect_leaders.topics = j->etopics;
	resp.body.elect_leaders.topic_count = j->n_etopics;
	brk_front_respond(j->r, &resp);
}
