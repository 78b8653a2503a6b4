/*
 * AlterPartition (KIP-497) from a partition leader to the controller: the
 * leader proposes a new ISR for a partition, and adopts it only when the
 * controller has written it to ZooKeeper and answered, as Kafka's
 * AlterPartitionManager does. One request is in flight at a time; proposals
 * made meanwhile wait and go in the next one. A request that fails as a
 * whole (connection lost, controller moved) is sent again, proposals
 * unchanged. A partition the controller refuses for a reason Kafka's
 * Partition.handleAlterPartitionError treats as final (stale epochs, an
 * ineligible replica, ...) drops its proposal: its next fetch or tick
 * proposes again from its current state. Any other error (a write the
 * controller could not confirm: REQUEST_TIMED_OUT) sends the same proposal
 * again, which the controller answers with its state if it was applied.
 *
 * The sender lives in the broker's heap and owns its connection.
 */
#include "broker/kafka/brk_impl.h"

#include <stdio.h>
#include <string.h>

#include "broker/client/kc_conn.h"
#include "broker/kafka/brk_zk.h"
#include "broker/kp/kp_error.h"

#define RETRY_NS (100 * 1000000LL)

struct brk_isr_sender {
	struct brk_broker *b;
	struct kc_conn *conn;
	int32_t conn_to;          /* the broker id the connection goes to */
	bool connecting;
	struct brk_part **queue;  /* proposals not yet sent */
	size_t n_queue, cap_queue;
	struct brk_part **sent;   /* in the request in flight */
	size_t n_sent;
	bool in_flight;
	struct env_timer retry;
};

static void kick(struct brk_isr_sender *s);

static void retry_cb(struct env_timer *t)
{
	kick(t->data);
}

static void later(struct brk_isr_sender *s)
{
	if (!env_timer_active(&s->retry))
		env_timer_start(s->b->env, &s->retry, RETRY_NS, retry_cb);
}

static void drop_proposal(struct brk_part *p)
{
	brk_pstate_isr_dropped(&p->ps);
}

static void enqueue(struct brk_isr_sender *s, struct brk_part *p)
{
	for (size_t i = 0; i < s->n_queue; i++)
		if (s->queue[i] == p)
			return;
	if (s->n_queue == s->cap_queue) {
		s->cap_queue = s->cap_queue ? 2 * s->cap_queue : 8;
		s->queue = env_realloc(s->b->env, s->queue, s->cap_queue * sizeof *s->queue);
	}
	s->queue[s->n_queue++] = p;
}

/* The request in flight failed as a whole: its proposals go back in line. */
static void requeue_sent(struct brk_isr_sender *s)
{
	for (size_t i = 0; i < s->n_sent; i++)
		if (s->sent[i]->ps.n_pending_isr)
			enqueue(s, s->sent[i]);
	s->n_sent = 0;
	s->in_flight = false;
}

static void on_state(void *arg, struct kc_conn *c, enum kc_state state, int status)
{
	struct brk_isr_sender *s = arg;
	if (state == KC_READY) {
		s->connecting = false;
		kick(s);
		return;
	}
	s->conn = NULL;
	s->connecting = false;
	requeue_sent(s);
	later(s);
}

/* The errors after which Kafka's leader drops its proposal and waits for
 * new metadata (handleAlterPartitionError returns false); on any other it
 * retries the same proposal. */
static bool final_refusal(int16_t error)
{
	switch (error) {
	case KP_ERR_OPERATION_NOT_ATTEMPTED:
	case KP_ERR_INELIGIBLE_REPLICA:
	case KP_ERR_UNKNOWN_TOPIC_OR_PARTITION:
	case KP_ERR_FENCED_LEADER_EPOCH:
	case KP_ERR_INVALID_UPDATE_VERSION:
	case KP_ERR_INVALID_REQUEST:
	case KP_ERR_NOT_LEADER_OR_FOLLOWER:
		return true;
	}
	return false;
}

static void adopt(struct brk_isr_sender *s, const struct kp_alter_partition_topic_result *t,
		  const struct kp_alter_partition_result *res)
{
	struct brk_part *p = brk_part_find(s->b, t->topic_name.ptr, (size_t)t->topic_name.len,
					   res->partition_index);
	if (!p || !p->ps.n_pending_isr)
		return;
	if (res->error_code != KP_ERR_NONE && !final_refusal(res->error_code) && p->ps.leader) {
		env_log(s->b->env, ENV_LOG_INFO, "%s-%d: ISR change not confirmed (%s): sent again",
			p->topic, p->partition, kp_error_name(res->error_code));
		enqueue(s, p);
		return;
	}
	if (res->error_code != KP_ERR_NONE || !p->ps.leader ||
	    res->leader_epoch != p->ps.leader_epoch) {
		env_log(s->b->env, ENV_LOG_INFO, "%s-%d: ISR change refused: %s", p->topic,
			p->partition, kp_error_name(res->error_code));
		drop_proposal(p);
		return;
	}
	int32_t before = p->ps.n_isr;
	unsigned fx = brk_pstate_isr_changed(&p->ps, res->isr, res->isr_count,
					     res->partition_epoch,
					     p->open ? log_end_offset(p->log) : -1,
					     env_now_ns(s->b->env));
	brk_leader_effects(p, fx);
	/* acks=all waiters may now fail NOT_ENOUGH_REPLICAS_AFTER_APPEND or succeed */
	if (!(fx & BRK_PS_HW_MOVED))
		brk_produce_wake(p->b, p);
	char list[128] = "";
	size_t used = 0;
	for (int32_t i = 0; i < p->ps.n_isr && used < sizeof list; i++)
		used += (size_t)snprintf(list + used, sizeof list - used, "%s%d", i ? "," : "",
					 p->ps.isr[i]);
	env_event(s->b->env, "isr", "%s-%d: ISR %s to [%s] (leader %d, epoch %d)", p->topic,
		  p->partition, p->ps.n_isr < before ? "shrank" : "grew", list,
		  s->b->cfg->broker_id, p->ps.leader_epoch);
}

static void on_response(void *arg, int status, const struct kp_response *resp)
{
	struct brk_isr_sender *s = arg;
	if (status != KC_OK || resp->body.alter_partition.error_code != KP_ERR_NONE) {
		if (status == KC_OK)
			env_log(s->b->env, ENV_LOG_INFO, "AlterPartition refused: %s",
				kp_error_name(resp->body.alter_partition.error_code));
		requeue_sent(s);
		if (s->conn)
			kc_conn_close(s->conn);
		s->conn = NULL;
		later(s);
		return;
	}
	const struct kp_alter_partition_response *ap = &resp->body.alter_partition;
	for (int32_t t = 0; t < ap->topic_count; t++)
		for (int32_t i = 0; i < ap->topics[t].partition_count; i++)
			adopt(s, &ap->topics[t], &ap->topics[t].partitions[i]);
	/* Anything the answer did not mention is dropped (proposed again later),
	 * but not what adopt() sent back in line. */
	bool retried = false;
	for (size_t i = 0; i < s->n_sent; i++) {
		bool again = false;
		for (size_t k = 0; k < s->n_queue && !again; k++)
			again = s->queue[k] == s->sent[i];
		retried |= again;
		if (s->sent[i]->ps.n_pending_isr && !again)
			drop_proposal(s->sent[i]);
	}
	s->n_sent = 0;
	s->in_flight = false;
	if (retried)
		later(s); /* a retried proposal waits RETRY_NS, as after a failure */
	else
		kick(s);
}

static void send_queue(struct brk_isr_sender *s)
{
	struct brk_broker *b = s->b;
	size_t n = s->n_queue;
	struct kp_alter_partition_topic *topics = env_calloc(b->env, n + 1, sizeof *topics);
	struct kp_alter_partition_partition *parts = env_calloc(b->env, n + 1, sizeof *parts);
	/* One topic entry per partition keeps this simple; the schema allows it. */
	for (size_t i = 0; i < n; i++) {
		struct brk_part *p = s->queue[i];
		parts[i] = (struct kp_alter_partition_partition){
			p->partition, p->ps.leader_epoch, p->ps.pending_isr, p->ps.n_pending_isr,
			p->ps.partition_epoch};
		topics[i] = (struct kp_alter_partition_topic){
			{p->topic, (int32_t)strlen(p->topic)}, &parts[i], 1};
	}
	struct kp_request req;
	memset(&req, 0, sizeof req);
	req.header.api_key = KP_API_ALTER_PARTITION;
	req.header.api_version = KP_ALTER_PARTITION_VERSION;
	req.body.alter_partition = (struct kp_alter_partition_request){
		b->cfg->broker_id, brk_zk_broker_epoch(b->zk), topics, (int32_t)n};
	int rc = kc_conn_send(s->conn, &req, true, on_response, s);
	env_free(b->env, parts);
	env_free(b->env, topics);
	if (rc) {
		later(s);
		return;
	}
	env_free(b->env, s->sent);
	s->sent = s->queue;
	s->n_sent = n;
	s->queue = NULL;
	s->n_queue = s->cap_queue = 0;
	s->in_flight = true;
}

static void kick(struct brk_isr_sender *s)
{
	struct brk_broker *b = s->b;
	/* Proposals whose partition stopped leading are void. */
	size_t k = 0;
	for (size_t i = 0; i < s->n_queue; i++)
		if (s->queue[i]->ps.leader && s->queue[i]->ps.n_pending_isr)
			s->queue[k++] = s->queue[i];
		else if (s->queue[i]->ps.n_pending_isr)
			drop_proposal(s->queue[i]);
	s->n_queue = k;
	if (s->in_flight || !s->n_queue || s->connecting)
		return;
	int32_t controller = brk_metadata_controller(b->meta);
	const struct brk_peer *peer = brk_peer_find(b, controller);
	if (!peer) {
		later(s);
		return;
	}
	if (s->conn && s->conn_to != controller) {
		kc_conn_close(s->conn);
		s->conn = NULL;
	}
	if (!s->conn) {
		struct kc_conn_config cc;
		kc_conn_config_default(&cc);
		cc.client_id = "alter-partition";
		s->conn = kc_conn_open(b->env, peer->host, peer->port, &cc, on_state, s);
		s->conn_to = controller;
		s->connecting = s->conn != NULL;
		if (!s->conn)
			later(s);
		return;
	}
	send_queue(s);
}

void brk_isr_propose(struct brk_part *p)
{
	struct brk_broker *b = p->b;
	if (!b->isr_sender) {
		b->isr_sender = env_calloc(b->env, 1, sizeof *b->isr_sender);
		b->isr_sender->b = b;
		b->isr_sender->retry.data = b->isr_sender;
	}
	enqueue(b->isr_sender, p);
	kick(b->isr_sender);
}

void brk_isr_free(struct brk_broker *b)
{
	struct brk_isr_sender *s = b->isr_sender;
	if (!s)
		return;
	env_timer_stop(b->env, &s->retry);
	if (s->conn)
		kc_conn_close(s->conn);
	env_free(b->env, s->queue);
	env_free(b->env, s->sent);
	env_free(b->env, s);
	b->isr_sender = NULL;
}
