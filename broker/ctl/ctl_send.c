/*
 * The controller's requests to brokers, built from its state (Kafka's
 * ControllerBrokerRequestBatch): LeaderAndIsr v2 with a broker's partitions
 * and the live leaders among them, UpdateMetadata v5 with every partition
 * and every live broker. Each carries this controller's id and epoch and
 * the target broker's broker epoch, so a broker refuses a zombie
 * controller's word and a word meant for an earlier registration of itself.
 */
#include "broker/ctl/ctl_impl.h"

#include <string.h>

#include "broker/kp/kp_controller.h"

/* A copy owned by the message: it may wait in a queue after the
 * controller's own records change. */
static struct kp_str msg_str(struct ctl *c, struct ctl_msg *m, const char *s)
{
	size_t len = strlen(s);
	char *copy = ctl_msg_alloc(c->env, m, len + 1);
	memcpy(copy, s, len);
	return (struct kp_str){copy, (int32_t)len};
}

static bool is_replica(const struct ctl_part *p, int32_t id)
{
	for (int32_t i = 0; i < p->n_replicas; i++)
		if (p->replicas[i] == id)
			return true;
	return false;
}

/* Which partitions a request holds: every one with a state (target -1),
 * or those hosted by `target` (all, or the changed ones). */
struct pick {
	int32_t target;
	bool all;
};

static bool picked(const struct ctl_part *p, const struct pick *k)
{
	if (!p->n_replicas || !p->has_state)
		return false;
	return k->target < 0 || (is_replica(p, k->target) && (k->all || p->changed));
}

static void fill_state(struct ctl *c, struct ctl_msg *m, const struct ctl_part *p, int32_t index,
		       struct kp_partition_state *out)
{
	int32_t *isr = ctl_msg_alloc(c->env, m, (size_t)p->st.n_isr * sizeof *isr);
	memcpy(isr, p->st.isr, (size_t)p->st.n_isr * sizeof *isr);
	int32_t *reps = ctl_msg_alloc(c->env, m, (size_t)p->n_replicas * sizeof *reps);
	memcpy(reps, p->replicas, (size_t)p->n_replicas * sizeof *reps);
	int32_t *off = ctl_msg_alloc(c->env, m, (size_t)p->n_replicas * sizeof *off);
	int32_t n_off = 0;
	for (int32_t i = 0; i < p->n_replicas; i++)
		if (!ctl_broker_find(c, p->replicas[i]))
			off[n_off++] = p->replicas[i];
	*out = (struct kp_partition_state){
		.partition_index = index,
		.controller_epoch = p->st.controller_epoch,
		.leader = p->st.leader,
		.leader_epoch = p->st.leader_epoch,
		.isr = isr,
		.isr_count = p->st.n_isr,
		.zk_version = p->st.zk_version,
		.replicas = reps,
		.replica_count = p->n_replicas,
		.offline_replicas = off,
		.offline_count = n_off,
		.is_new = p->created,
	};
}

/* The topic states of the picked partitions; returns how many partitions. */
static int32_t fill_topics(struct ctl *c, struct ctl_msg *m, const struct pick *k,
			   const struct kp_topic_states **out, int32_t *n_out)
{
	struct kp_topic_states *topics =
		ctl_msg_alloc(c->env, m, (size_t)c->n_topics * sizeof *topics);
	int32_t nt = 0, total = 0;
	for (int32_t i = 0; i < c->n_topics; i++) {
		const struct ctl_topic *t = c->topics[i];
		int32_t n = 0;
		for (int32_t p = 0; p < t->n_parts; p++)
			n += picked(&t->parts[p], k);
		if (!n)
			continue;
		struct kp_partition_state *ps = ctl_msg_alloc(c->env, m, (size_t)n * sizeof *ps);
		n = 0;
		for (int32_t p = 0; p < t->n_parts; p++)
			if (picked(&t->parts[p], k))
				fill_state(c, m, &t->parts[p], p, &ps[n++]);
		topics[nt++] = (struct kp_topic_states){msg_str(c, m, t->name), ps, n};
		total += n;
	}
	*out = topics;
	*n_out = nt;
	return total;
}

void ctl_send_leader_and_isr(struct ctl *c, struct ctl_broker *b, bool all)
{
	if (!b->ch)
		return;
	struct ctl_msg *m = ctl_msg_new(c->env, KP_API_LEADER_AND_ISR, KP_LEADER_AND_ISR_VERSION);
	struct kp_leader_and_isr_request *req = &m->req.body.leader_and_isr;
	struct pick k = {b->id, all};
	if (!fill_topics(c, m, &k, &req->topics, &req->topic_count)) {
		ctl_msg_free(c->env, m);
		return;
	}
	req->controller_id = c->cfg->broker_id;
	req->controller_epoch = c->epoch;
	req->broker_epoch = b->epoch;
	/* The live brokers that lead any partition of the request. */
	struct kp_live_leader *ll =
		ctl_msg_alloc(c->env, m, (size_t)c->n_brokers * sizeof *ll);
	int32_t n = 0;
	for (int32_t i = 0; i < c->n_brokers; i++) {
		bool leads = false;
		for (int32_t t = 0; t < req->topic_count && !leads; t++)
			for (int32_t p = 0; p < req->topics[t].partition_count && !leads; p++)
				leads = req->topics[t].partitions[p].leader == c->brokers[i].id;
		if (leads)
			ll[n++] = (struct kp_live_leader){c->brokers[i].id,
							  msg_str(c, m, c->brokers[i].host),
							  c->brokers[i].port};
	}
	req->live_leaders = ll;
	req->live_leader_count = n;
	ctl_channel_send(b->ch, m);
}

static void send_update_metadata(struct ctl *c, struct ctl_broker *b)
{
	struct ctl_msg *m = ctl_msg_new(c->env, KP_API_UPDATE_METADATA, KP_UPDATE_METADATA_VERSION);
	struct kp_update_metadata_request *req = &m->req.body.update_metadata;
	struct pick k = {-1, true};
	fill_topics(c, m, &k, &req->topics, &req->topic_count);
	req->controller_id = c->cfg->broker_id;
	req->controller_epoch = c->epoch;
	req->broker_epoch = b->epoch;
	struct kp_update_metadata_broker *lb =
		ctl_msg_alloc(c->env, m, (size_t)c->n_brokers * sizeof *lb);
	struct kp_update_metadata_endpoint *ep =
		ctl_msg_alloc(c->env, m, (size_t)c->n_brokers * sizeof *ep);
	for (int32_t i = 0; i < c->n_brokers; i++) {
		ep[i] = (struct kp_update_metadata_endpoint){
			c->brokers[i].port, msg_str(c, m, c->brokers[i].host),
			kp_str_from("PLAINTEXT"), 0};
		lb[i] = (struct kp_update_metadata_broker){c->brokers[i].id, &ep[i], 1, KP_STR_NULL};
	}
	req->live_brokers = lb;
	req->live_broker_count = c->n_brokers;
	ctl_channel_send(b->ch, m);
}

void ctl_send_update_metadata_all(struct ctl *c)
{
	for (int32_t i = 0; i < c->n_brokers; i++)
		if (c->brokers[i].ch)
			send_update_metadata(c, &c->brokers[i]);
}

void ctl_channels_sync(struct ctl *c)
{
	for (int32_t i = 0; i < c->n_brokers; i++) {
		struct ctl_broker *b = &c->brokers[i];
		if (!b->ch)
			b->ch = ctl_channel_new(c->env, b->id, b->host, b->port, c->client_id,
						c->cfg->controller_socket_timeout_ms);
	}
}
