/*
 * Two kinds of controller work that write partition states one by one:
 *  - AlterPartition (KIP-497, ZooKeeper mode): a partition leader asks for
 *    a new ISR; each partition is validated (ctl_alter_validate), written
 *    in a fenced multi at the state's version, and answered with the new
 *    state, whose partition epoch is the znode's new version; then every
 *    live broker gets UpdateMetadata, as Kafka's processAlterPartition does.
 *    A request whose broker epoch is not the sender's registration is
 *    refused as a whole with STALE_BROKER_EPOCH, as Kafka does.
 *  - Preferred replica election (auto.leader.rebalance.enable): for every
 *    broker whose share of partitions it should lead but does not exceeds
 *    leader.imbalance.per.broker.percentage, leadership moves back to it
 *    where it is live and in the ISR (Kafka's checkAndTriggerAutoLeaderRebalance);
 *    LeaderAndIsr to the partitions' live replicas and UpdateMetadata follow.
 * ControlledShutdown requests wait in the same queue as AlterPartition
 * (Kafka's controller event queue serves both) and run as the same kind of
 * job (ctl_shutdown.c).
 */
#include "broker/ctl/ctl_impl.h"

#include <string.h>

#include "broker/kp/kp_error.h"

#define slot ctl_slot

void ctl_job_free(struct ctl *c, struct ctl_alter_job *j)
{
	for (int32_t i = 0; i < j->n_etopics; i++)
		env_free(c->env, (void *)j->etopics[i].partitions);
	env_free(c->env, j->etopics);
	if (j->topics)
		for (int32_t i = 0; i < j->n_topics; i++)
			env_free(c->env, (void *)j->topics[i].partitions);
	env_free(c->env, j->topics);
	env_free(c->env, j->slots);
	env_free(c->env, j);
}

static void respond_error(struct brk_req *r, int16_t error)
{
	struct kp_response resp;
	memset(&resp, 0, sizeof resp);
	if (r->req.header.api_key == KP_API_CONTROLLED_SHUTDOWN)
		resp.body.controlled_shutdown.error_code = error;
	else if (r->req.header.api_key == KP_API_ELECT_LEADERS)
		resp.body.elect_leaders.error_code = error;
	else
		resp.body.alter_partition.error_code = error;
	brk_front_respond(r, &resp);
}

void ctl_alter_fail_all(struct ctl *c, int16_t error)
{
	for (int32_t i = 0; i < c->n_alters; i++)
		respond_error(c->alters[i], error);
	c->n_alters = 0;
}

void ctl_alter_job_drop(struct ctl *c)
{
	if (!c->job)
		return;
	if (c->job->r)
		respond_error(c->job->r, KP_ERR_NOT_CONTROLLER);
	ctl_job_free(c, c->job);
	c->job = NULL;
}

/* Every write of the job is answered: reply, tell the brokers, move on. */
void ctl_alter_job_finish(struct ctl *c)
{
	struct ctl_alter_job *j = c->job;
	if (j->shutdown_id >= 0) {
		ctl_shutdown_finish(c, j);
		return;
	}
	if (j->r && j->r->req.header.api_key == KP_API_ELECT_LEADERS) {
		ctl_elect_respond(c, j);
		for (int32_t i = 0; i < c->n_brokers; i++)
			ctl_send_leader_and_isr(c, &c->brokers[i], false);
	} else if (j->r) {
		struct kp_response resp;
		memset(&resp, 0, sizeof resp);
		resp.body.alter_partition.topics = j->topics;
		resp.body.alter_partition.topic_count = j->n_topics;
		brk_front_respond(j->r, &resp);
	} else {
		for (int32_t i = 0; i < c->n_brokers; i++)
			ctl_send_leader_and_isr(c, &c->brokers[i], false);
	}
	if (j->wrote)
		ctl_send_update_metadata_all(c);
	for (int32_t i = 0; i < j->n_slots; i++)
		if (j->slots[i].t)
			j->slots[i].t->parts[j->slots[i].p].changed = false;
	ctl_job_free(c, j);
	c->job = NULL;
	ctl_work_done(c);
}

static void fill_result(struct slot *s)
{
	const struct ctl_pstate *st = &s->t->parts[s->p].st;
	memcpy(s->isr, st->isr, (size_t)st->n_isr * sizeof st->isr[0]);
	*s->res = (struct kp_alter_partition_result){s->p,	 KP_ERR_NONE,	    st->leader,
						     st->leader_epoch, s->isr, st->n_isr,
						     st->zk_version};
}

static void job_write_done(struct ctl *c, struct ctl_op *op, const struct zk_client_result *res)
{
	struct ctl_alter_job *j = c->job;
	struct slot *s = &j->slots[op->id];
	struct ctl_part *p = &s->t->parts[s->p];
	int32_t failed, err, versions[1] = {-1};
	enum ctl_zk_outcome out = ctl_zk_multi_outcome(res, &failed, &err, versions, 1);
	if (out == CTL_ZK_FENCED) {
		env_mark(c->env, "fence-controller-epoch-zk");
		ctl_resign(c, CTL_FENCED_WHY);
		return;
	}
	if (out == CTL_ZK_DONE) {
		struct ctl_pstate old = p->st;
		p->st = p->next;
		p->st.zk_version = versions[0];
		p->changed = true;
		j->wrote = true;
		ctl_tell_change(c, s->t, s->p, &old, &p->st,
				j->r && j->r->req.header.api_key == KP_API_ALTER_PARTITION
					? CTL_WHY_NONE
					: p->why);
		if (s->res)
			fill_result(s);
		if (s->eres)
			s->eres->error_code = KP_ERR_NONE;
	} else {
		/* The state moved under us, or the answer was lost (the write may
		 * have happened): read it again. */
		p->reload = true;
		s->t->dirty = true;
		c->want_round = true;
		if (s->res)
			s->res->error_code = out == CTL_ZK_OP_FAILED ? KP_ERR_INVALID_UPDATE_VERSION
								      : KP_ERR_REQUEST_TIMED_OUT;
		if (s->eres)
			s->eres->error_code = out == CTL_ZK_OP_FAILED ? KP_ERR_INVALID_UPDATE_VERSION
								       : KP_ERR_REQUEST_TIMED_OUT;
		if (out == CTL_ZK_LOST)
			ctl_retry_later(c);
	}
	if (--j->pending == 0)
		ctl_alter_job_finish(c);
}

void ctl_job_write(struct ctl *c, int32_t i)
{
	struct slot *s = &c->job->slots[i];
	struct ctl_part *p = &s->t->parts[s->p];
	char path[320], data[CTL_MAX_REPLICAS * 12 + 128];
	p->next.controller_epoch = c->epoch;
	ctl_zk_partition_path(path, sizeof path, s->t->name, s->p, true);
	size_t len = ctl_zk_encode_state(data, sizeof data, &p->next);
	struct zk_request op = {.type = ZK_OP_SET_DATA,
				.path = zk_str_from_cstr(path),
				.data = {(const uint8_t *)data, (int32_t)len},
				.version = p->st.zk_version};
	struct ctl_op *o = ctl_op_new(c, job_write_done);
	o->id = i;
	c->job->pending++;
	ctl_zk_fenced_multi(c->zc, c->epoch_version, &op, 1, ctl_op_cb, o);
}

/* ---- AlterPartition --------------------------------------------------------------------- */

static struct ctl_part *find_part(struct ctl *c, struct kp_str topic, int32_t partition,
				  struct ctl_topic **t)
{
	*t = ctl_topic_find(c, topic.ptr, topic.len > 0 ? (size_t)topic.len : 0);
	if (!*t || partition < 0 || partition >= (*t)->n_parts)
		return NULL;
	struct ctl_part *p = &(*t)->parts[partition];
	return p->n_replicas && p->has_state ? p : NULL;
}

static void alter_one(struct ctl *c, const struct kp_alter_partition_request *req,
		      const struct kp_alter_partition_topic *rt,
		      const struct kp_alter_partition_partition *rp, struct slot *s,
		      const struct ctl_live *live, int32_t index)
{
	struct ctl_topic *t;
	struct ctl_part *p = find_part(c, rt->topic_name, rp->partition_index, &t);
	s->res->partition_index = rp->partition_index;
	s->res->leader_id = -1;
	s->res->leader_epoch = -1;
	if (!p) {
		s->res->error_code = KP_ERR_UNKNOWN_TOPIC_OR_PARTITION;
		return;
	}
	const struct ctl_broker *b = ctl_broker_find(c, req->broker_id);
	struct ctl_alter a = {req->broker_id,	  req->broker_epoch, b ? b->epoch : -1,
			      rp->leader_epoch,	  rp->partition_epoch, rp->new_isr,
			      rp->new_isr_count};
	bool same;
	s->t = t;
	s->p = rp->partition_index;
	s->res->error_code =
		ctl_alter_validate(p->replicas, p->n_replicas, &p->st, &a, live, &same);
	if (s->res->error_code != KP_ERR_NONE) {
		s->t = NULL;
		return;
	}
	if (same) {
		fill_result(s);
		s->t = NULL;
		return;
	}
	p->next = p->st;
	memcpy(p->next.isr, rp->new_isr, (size_t)rp->new_isr_count * sizeof *rp->new_isr);
	p->next.n_isr = rp->new_isr_count;
	ctl_job_write(c, index);
}

/* Lays out the answer (one result per partition asked) and the slots. */
static void alter_layout(struct ctl *c, struct ctl_alter_job *j,
			 const struct kp_alter_partition_request *req)
{
	int32_t n = 0;
	for (int32_t i = 0; i < req->topic_count; i++)
		n += req->topics[i].partition_count;
	j->slots = env_calloc(c->env, (size_t)n + 1, sizeof *j->slots);
	j->n_slots = n;
	j->topics = env_calloc(c->env, (size_t)req->topic_count + 1, sizeof *j->topics);
	j->n_topics = req->topic_count;
	int32_t k = 0;
	for (int32_t i = 0; i < req->topic_count; i++) {
		int32_t np = req->topics[i].partition_count;
		struct kp_alter_partition_result *res =
			env_calloc(c->env, (size_t)np + 1, sizeof *res);
		j->topics[i] = (struct kp_alter_partition_topic_result){req->topics[i].topic_name,
									res, np};
		for (int32_t q = 0; q < np; q++)
			j->slots[k++].res = &res[q];
	}
}

void ctl_alter_next(struct ctl *c)
{
	struct brk_req *r = c->alters[0];
	memmove(c->alters, c->alters + 1, (size_t)(c->n_alters - 1) * sizeof *c->alters);
	c->n_alters--;
	if (r->req.header.api_key == KP_API_CONTROLLED_SHUTDOWN) {
		ctl_shutdown_start(c, r);
		return;
	}
	if (r->req.header.api_key == KP_API_ELECT_LEADERS) {
		ctl_elect_start(c, r);
		return;
	}
	const struct kp_alter_partition_request *req = &r->req.body.alter_partition;
	const struct ctl_broker *b = ctl_broker_find(c, req->broker_id);
	if (!b || b->epoch != req->broker_epoch) {
		respond_error(r, KP_ERR_STALE_BROKER_EPOCH);
		ctl_work_done(c);
		return;
	}
	struct ctl_alter_job *j = env_calloc(c->env, 1, sizeof *j);
	j->shutdown_id = -1;
	j->r = r;
	c->job = j;
	alter_layout(c, j, req);
	int32_t *ids = env_calloc(c->env, (size_t)c->n_brokers + 1, sizeof *ids);
	struct ctl_live live = ctl_live_ids(c, ids);
	j->pending = 1; /* held while the writes go out */
	int32_t k = 0;
	for (int32_t i = 0; i < req->topic_count; i++)
		for (int32_t q = 0; q < req->topics[i].partition_count; q++, k++)
			alter_one(c, req, &req->topics[i], &req->topics[i].partitions[q],
				  &j->slots[k], &live, k);
	env_free(c->env, ids);
	if (--j->pending == 0)
		ctl_alter_job_finish(c);
}

/* ---- Preferred replica election ---------------------------------------------------------- */

/* Whether broker `id` leads too few of the partitions it prefers. */
static bool imbalanced(const struct ctl *c, int32_t id)
{
	int64_t total = 0, not_led = 0;
	for (int32_t i = 0; i < c->n_topics; i++)
		for (int32_t k = 0; k < c->topics[i]->n_parts; k++) {
			const struct ctl_part *p = &c->topics[i]->parts[k];
			if (!p->n_replicas || !p->has_state || p->replicas[0] != id)
				continue;
			total++;
			not_led += p->st.leader != id;
		}
	return total > 0 && not_led * 100 > (int64_t)c->cfg->leader_imbalance_pct * total;
}

void ctl_rebalance_round(struct ctl *c)
{
	struct ctl_alter_job *j = env_calloc(c->env, 1, sizeof *j);
	j->shutdown_id = -1;
	c->job = j;
	int32_t n = 0;
	for (int32_t i = 0; i < c->n_topics; i++)
		n += c->topics[i]->n_parts;
	j->slots = env_calloc(c->env, (size_t)n + 1, sizeof *j->slots);
	int32_t *ids = env_calloc(c->env, (size_t)c->n_brokers + 1, sizeof *ids);
	struct ctl_live live = ctl_live_ids(c, ids);
	j->pending = 1;
	for (int32_t i = 0; i < c->n_topics; i++) {
		struct ctl_topic *t = c->topics[i];
		for (int32_t k = 0; k < t->n_parts; k++) {
			struct ctl_part *p = &t->parts[k];
			if (!p->n_replicas || !p->has_state || !imbalanced(c, p->replicas[0]))
				continue;
			p->why = ctl_elect_preferred(p->replicas, p->n_replicas, &p->st, &live,
						     &p->next);
			if (p->why == CTL_WHY_NONE)
				continue;
			j->slots[j->n_slots] = (struct slot){.t = t, .p = k};
			ctl_job_write(c, j->n_slots++);
		}
	}
	env_free(c->env, ids);
	if (--j->pending == 0)
		ctl_alter_job_finish(c);
}
