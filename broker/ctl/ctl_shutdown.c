/*
 * Controlled shutdown (ZooKeeper mode), as Kafka's
 * KafkaController.doControlledShutdown: a broker asked to stop sends
 * ControlledShutdown with its broker epoch; the controller
 *  1. marks it shutting down (it is no longer a candidate for leadership
 *     nor kept in an ISR by this path, until its registration goes);
 *  2. for each partition of more than one replica that it leads, elects
 *     the first replica of the assignment that is live, not shutting down
 *     and in the ISR, with the ISR minus the shutting-down brokers
 *     (ControlledShutdownPartitionLeaderElectionStrategy);
 *  3. for each partition it follows, sends it StopReplica (keep the data)
 *     and removes it from the ISR (the OfflineReplica transition);
 *  4. writes each changed state fenced by the controller epoch, sends
 *     LeaderAndIsr to the other replicas and UpdateMetadata to every
 *     live broker, and answers with the partitions the broker still leads
 *     (those with no other in-sync replica), which the broker retries for.
 * A request whose broker epoch is not the sender's registration is refused
 * with STALE_BROKER_EPOCH; a sender that is not registered gets
 * BROKER_NOT_AVAILABLE, as Kafka answers both.
 */
#include "broker/ctl/ctl_impl.h"

#include <string.h>

#include "broker/kp/kp_controller.h"
#include "broker/kp/kp_error.h"

static void respond(struct brk_req *r, int16_t error, const struct kp_remaining_partition *rem,
		    int32_t n)
{
	struct kp_response resp;
	memset(&resp, 0, sizeof resp);
	resp.body.controlled_shutdown =
		(struct kp_controlled_shutdown_response){error, rem, n};
	brk_front_respond(r, &resp);
}

static void mark_shutting(struct ctl *c, int32_t id, int64_t epoch)
{
	for (int32_t i = 0; i < c->n_shutting; i++)
		if (c->shutting[i] == id) {
			c->shutting_epochs[i] = epoch;
			return;
		}
	size_t n = (size_t)c->n_shutting + 1;
	c->shutting = env_realloc(c->env, c->shutting, n * sizeof *c->shutting);
	c->shutting_epochs =
		env_realloc(c->env, c->shutting_epochs, n * sizeof *c->shutting_epochs);
	c->shutting[c->n_shutting] = id;
	c->shutting_epochs[c->n_shutting++] = epoch;
}

void ctl_shutdown_prune(struct ctl *c)
{
	int32_t k = 0;
	for (int32_t i = 0; i < c->n_shutting; i++) {
		const struct ctl_broker *b = ctl_broker_find(c, c->shutting[i]);
		if (!b || b->epoch != c->shutting_epochs[i])
			continue;
		c->shutting[k] = c->shutting[i];
		c->shutting_epochs[k++] = c->shutting_epochs[i];
	}
	c->n_shutting = k;
}

/* The live brokers that are not shutting down; ids holds n_brokers. */
static struct ctl_live staying(const struct ctl *c, int32_t *ids)
{
	struct ctl_live shut = {c->shutting, c->n_shutting};
	int32_t n = 0;
	for (int32_t i = 0; i < c->n_brokers; i++)
		if (!ctl_live_has(&shut, c->brokers[i].id))
			ids[n++] = c->brokers[i].id;
	return (struct ctl_live){ids, n};
}

static bool has_replica(const struct ctl_part *p, int32_t id)
{
	for (int32_t i = 0; i < p->n_replicas; i++)
		if (p->replicas[i] == id)
			return true;
	return false;
}

/* Steps 2 and 3 for every partition of broker `id`. */
static void plan(struct ctl *c, struct ctl_alter_job *j, int32_t id)
{
	int32_t *ids = env_calloc(c->env, (size_t)c->n_brokers + 1, sizeof *ids);
	struct ctl_live live = staying(c, ids);
	struct ctl_live shut = {c->shutting, c->n_shutting};
	for (int32_t i = 0; i < c->n_topics; i++) {
		struct ctl_topic *t = c->topics[i];
		for (int32_t k = 0; k < t->n_parts; k++) {
			struct ctl_part *p = &t->parts[k];
			if (!p->has_state || p->n_replicas <= 1 || !has_replica(p, id))
				continue;
			p->why = ctl_elect_controlled_shutdown(p->replicas, p->n_replicas, &p->st,
							       &live, &shut, id, &p->next);
			struct ctl_slot *s = &j->slots[j->n_slots];
			*s = (struct ctl_slot){.t = t, .p = k, .stop_replica = p->st.leader != id};
			if (p->why == CTL_WHY_NONE) {
				if (s->stop_replica)
					j->n_slots++; /* StopReplica only */
				s->t = s->stop_replica ? t : NULL;
				continue;
			}
			j->n_slots++;
			env_mark(c->env, p->st.leader == id ? "controlled-shutdown-leader-moved"
							    : "controlled-shutdown-isr-shrunk");
			ctl_job_write(c, j->n_slots - 1);
		}
	}
	env_free(c->env, ids);
}

void ctl_shutdown_start(struct ctl *c, struct brk_req *r)
{
	const struct kp_controlled_shutdown_request *req = &r->req.body.controlled_shutdown;
	const struct ctl_broker *b = ctl_broker_find(c, req->broker_id);
	if (!b || (req->broker_epoch >= 0 && b->epoch != req->broker_epoch)) {
		respond(r, b ? KP_ERR_STALE_BROKER_EPOCH : KP_ERR_BROKER_NOT_AVAILABLE, NULL, 0);
		ctl_work_done(c);
		return;
	}
	env_event(c->env, "shutdown", "controller %d: broker %d asks for a controlled shutdown",
		  c->cfg->broker_id, req->broker_id);
	mark_shutting(c, req->broker_id, b->epoch);
	struct ctl_alter_job *j = env_calloc(c->env, 1, sizeof *j);
	j->r = r;
	j->shutdown_id = req->broker_id;
	c->job = j;
	int32_t n = 0;
	for (int32_t i = 0; i < c->n_topics; i++)
		n += c->topics[i]->n_parts;
	j->slots = env_calloc(c->env, (size_t)n + 1, sizeof *j->slots);
	j->pending = 1; /* held while the writes go out */
	plan(c, j, req->broker_id);
	if (--j->pending == 0)
		ctl_shutdown_finish(c, j);
}

static void send_stop_replica(struct ctl *c, struct ctl_alter_job *j, struct ctl_broker *b)
{
	if (!b || !b->ch)
		return;
	struct ctl_msg *m = ctl_msg_new(c->env, KP_API_STOP_REPLICA, KP_STOP_REPLICA_VERSION);
	struct kp_stop_replica_request *req = &m->req.body.stop_replica;
	struct kp_stop_replica_topic *topics =
		ctl_msg_alloc(c->env, m, (size_t)j->n_slots * sizeof *topics + 1);
	int32_t *parts = ctl_msg_alloc(c->env, m, (size_t)j->n_slots * sizeof *parts + 1);
	int32_t n = 0;
	/* One topic entry per partition keeps this simple; the schema allows it. */
	for (int32_t i = 0; i < j->n_slots; i++) {
		const struct ctl_slot *s = &j->slots[i];
		if (!s->t || !s->stop_replica)
			continue;
		size_t len = strlen(s->t->name);
		char *name = ctl_msg_alloc(c->env, m, len + 1);
		memcpy(name, s->t->name, len);
		parts[n] = s->p;
		topics[n] = (struct kp_stop_replica_topic){{name, (int32_t)len}, &parts[n], 1};
		n++;
	}
	if (!n) {
		ctl_msg_free(c->env, m);
		return;
	}
	*req = (struct kp_stop_replica_request){c->cfg->broker_id, c->epoch, b->epoch, false,
						topics, n};
	ctl_channel_send(b->ch, m);
}

/* The partitions of more than one replica that `id` still leads. */
static struct kp_remaining_partition *remaining(struct ctl *c, int32_t id, int32_t *n)
{
	int32_t total = 0;
	for (int32_t i = 0; i < c->n_topics; i++)
		total += c->topics[i]->n_parts;
	struct kp_remaining_partition *rem = env_calloc(c->env, (size_t)total + 1, sizeof *rem);
	*n = 0;
	for (int32_t i = 0; i < c->n_topics; i++) {
		const struct ctl_topic *t = c->topics[i];
		for (int32_t k = 0; k < t->n_parts; k++) {
			const struct ctl_part *p = &t->parts[k];
			if (p->has_state && p->n_replicas > 1 && p->st.leader == id)
				rem[(*n)++] = (struct kp_remaining_partition){
					{t->name, (int32_t)strlen(t->name)}, k};
		}
	}
	return rem;
}

void ctl_shutdown_finish(struct ctl *c, struct ctl_alter_job *j)
{
	int32_t id = j->shutdown_id;
	for (int32_t i = 0; i < c->n_brokers; i++)
		if (c->brokers[i].id != id)
			ctl_send_leader_and_isr(c, &c->brokers[i], false);
	send_stop_replica(c, j, ctl_broker_find(c, id));
	ctl_send_update_metadata_all(c);
	for (int32_t i = 0; i < j->n_slots; i++)
		if (j->slots[i].t)
			j->slots[i].t->parts[j->slots[i].p].changed = false;
	int32_t n;
	struct kp_remaining_partition *rem = remaining(c, id, &n);
	env_event(c->env, "shutdown",
		  "controller %d: broker %d may stop after %d partition(s) it still leads",
		  c->cfg->broker_id, id, n);
	respond(j->r, KP_ERR_NONE, rem, n);
	env_free(c->env, rem);
	ctl_job_free(c, j);
	c->job = NULL;
	ctl_work_done(c);
}
