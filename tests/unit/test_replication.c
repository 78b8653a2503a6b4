/*
 * Replication between three real brokers, with a scripted controller: a
 * test node that sends LeaderAndIsr and UpdateMetadata over the wire when
 * the test says so, and grants AlterPartition requests as the ZooKeeper-mode
 * controller would (checking the leader epoch and the partition epoch). The
 * real controller (broker/ctl) is tested on its own and in whole clusters;
 * here each step of the protocol is driven by hand: ISR shrink and expand,
 * acks=all with min.insync.replicas, follower truncation after a leader
 * change under each truncation rule, and controller-epoch fencing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "broker/client/kc_conn.h"
#include "broker/client/kc_producer.h"
#include "broker/kafka/brk_broker.h"
#include "broker/kafka/brk_front.h"
#include "broker/kp/kp_error.h"
#include "sim/net.h"
#include "sim/util.h"
#include "sim/world.h"

#define MS SIM_NS_PER_MS
#define S SIM_NS_PER_S
#define NB 3
#define MAX_VALUES 4000
#define CTL_ID 100

/* ---- The scripted controller --------------------------------------------------- */

struct fctl {
	struct env *env;
	struct brk_front *front;
	struct kc_conn *conn[NB];
	bool ready[NB];
	bool dirty_lai[NB];
	bool dirty_meta[NB];
	int32_t controller_epoch;
	/* One partition, orders-0, replicas 1,2,3. */
	int32_t leader, leader_epoch, zk_version;
	int32_t isr[NB], n_isr;
	int alter_ok, alter_refused;
	int16_t last_lai_error[NB];
	int16_t last_stop_error[NB];
	int16_t list_error;  /* the last ListOffsets answer (-1: none yet) */
	int64_t list_offset;
	struct env_timer tick;
};

static const int32_t replicas[NB] = {1, 2, 3};
static const char *const broker_names[NB] = {"broker-1", "broker-2", "broker-3"};

static void fctl_state(const struct fctl *c, struct kp_partition_state *st)
{
	memset(st, 0, sizeof *st);
	*st = (struct kp_partition_state){0,	       c->controller_epoch, c->leader,
					  c->leader_epoch, c->isr,	      c->n_isr,
					  c->zk_version,   replicas,	      NB,
					  NULL,		       0,		      false};
}

static void on_lai(void *arg, int status, const struct kp_response *resp)
{
	int16_t *slot = arg;
	struct fctl *c = (struct fctl *)((char *)slot - offsetof(struct fctl, last_lai_error));
	(void)c;
	if (status == KC_OK)
		*slot = resp->body.leader_and_isr.error_code;
}

static void on_meta(void *arg, int status, const struct kp_response *resp)
{
	(void)arg;
	(void)status;
	(void)resp;
}

static void send_lai(struct fctl *c, int i)
{
	struct kp_partition_state st;
	fctl_state(c, &st);
	struct kp_topic_states ts = {{"orders", 6}, &st, 1};
	struct kp_live_leader ll[NB];
	for (int k = 0; k < NB; k++)
		ll[k] = (struct kp_live_leader){k + 1, {broker_names[k], 8}, 9092};
	struct kp_request req;
	memset(&req, 0, sizeof req);
	req.header.api_key = KP_API_LEADER_AND_ISR;
	req.header.api_version = KP_LEADER_AND_ISR_VERSION;
	req.body.leader_and_isr =
		(struct kp_leader_and_isr_request){CTL_ID, c->controller_epoch, -1, &ts, 1, ll, NB};
	c->last_lai_error[i] = -2;
	if (kc_conn_send(c->conn[i], &req, true, (kc_response_cb)on_lai,
			 &c->last_lai_error[i]) == 0)
		c->dirty_lai[i] = false;
}

static void on_stop(void *arg, int status, const struct kp_response *resp)
{
	int16_t *slot = arg;
	if (status == KC_OK)
		*slot = resp->body.stop_replica.error_code;
}

/* StopReplica for orders-0 to broker i (delete_partitions false). */
static void send_stop(struct fctl *c, int i)
{
	int32_t part = 0;
	struct kp_stop_replica_topic t = {{"orders", 6}, &part, 1};
	struct kp_request req;
	memset(&req, 0, sizeof req);
	req.header.api_key = KP_API_STOP_REPLICA;
	req.header.api_version = KP_STOP_REPLICA_VERSION;
	req.body.stop_replica =
		(struct kp_stop_replica_request){CTL_ID, c->controller_epoch, -1, false, &t, 1};
	c->last_stop_error[i] = -2;
	assert_int_equal(kc_conn_send(c->conn[i], &req, true, on_stop, &c->last_stop_error[i]),
			 0);
}

static void send_meta(struct fctl *c, int i)
{
	struct kp_partition_state st;
	fctl_state(c, &st);
	struct kp_topic_states ts = {{"orders", 6}, &st, 1};
	struct kp_update_metadata_endpoint ep[NB];
	struct kp_update_metadata_broker lb[NB + 1];
	for (int k = 0; k < NB; k++) {
		ep[k] = (struct kp_update_metadata_endpoint){9092, {broker_names[k], 8},
							     {"PLAINTEXT", 9}, 0};
		lb[k] = (struct kp_update_metadata_broker){k + 1, &ep[k], 1, {NULL, -1}};
	}
	/* The controller itself, so AlterPartition finds it. */
	struct kp_update_metadata_endpoint cep = {9092, {"ctl", 3}, {"PLAINTEXT", 9}, 0};
	lb[NB] = (struct kp_update_metadata_broker){CTL_ID, &cep, 1, {NULL, -1}};
	struct kp_request req;
	memset(&req, 0, sizeof req);
	req.header.api_key = KP_API_UPDATE_METADATA;
	req.header.api_version = KP_UPDATE_METADATA_VERSION;
	req.body.update_metadata = (struct kp_update_metadata_request){
		CTL_ID, c->controller_epoch, -1, &ts, 1, lb, NB + 1};
	if (kc_conn_send(c->conn[i], &req, true, on_meta, c) == 0)
		c->dirty_meta[i] = false;
}

static void on_conn(void *arg, struct kc_conn *conn, enum kc_state state, int status)
{
	struct fctl *c = arg;
	(void)status;
	for (int i = 0; i < NB; i++)
		if (c->conn[i] == conn) {
			c->ready[i] = state == KC_READY;
			if (state == KC_DOWN)
				c->conn[i] = NULL;
		}
}

static void fctl_tick(struct env_timer *t)
{
	struct fctl *c = t->data;
	for (int i = 0; i < NB; i++) {
		if (!c->conn[i]) {
			struct kc_conn_config cc;
			kc_conn_config_default(&cc);
			cc.client_id = "controller";
			cc.request_timeout_ns = 2 * S;
			c->conn[i] = kc_conn_open(c->env, broker_names[i], 9092, &cc, on_conn, c);
			c->ready[i] = false;
			continue;
		}
		if (!c->ready[i] || kc_conn_in_flight(c->conn[i]))
			continue;
		if (c->dirty_meta[i])
			send_meta(c, i);
		else if (c->dirty_lai[i])
			send_lai(c, i);
	}
	env_timer_start(c->env, t, 20 * MS, fctl_tick);
}

static void fctl_push(struct fctl *c)
{
	for (int i = 0; i < NB; i++)
		c->dirty_lai[i] = c->dirty_meta[i] = true;
}

static void fctl_alter(void *ctx, struct brk_req *r)
{
	struct fctl *c = ctx;
	if (r->req.header.api_key != KP_API_ALTER_PARTITION) {
		/* A client that knows no live broker asks any node it was told
		 * of, this one included (it is listed so that AlterPartition
		 * finds it): refused, as a broker refuses what it cannot serve. */
		brk_front_reject(r);
		return;
	}
	const struct kp_alter_partition_request *req = &r->req.body.alter_partition;
	static struct kp_alter_partition_result res[8];
	static struct kp_alter_partition_topic_result tr[8];
	int32_t n = req->topic_count < 8 ? req->topic_count : 8;
	for (int32_t t = 0; t < n; t++) {
		const struct kp_alter_partition_partition *ap = &req->topics[t].partitions[0];
		res[t] = (struct kp_alter_partition_result){ap->partition_index, KP_ERR_NONE,
							    c->leader, c->leader_epoch, c->isr,
							    c->n_isr, c->zk_version};
		if (req->broker_id != c->leader) {
			res[t].error_code = KP_ERR_NOT_LEADER_OR_FOLLOWER;
		} else if (ap->leader_epoch != c->leader_epoch) {
			res[t].error_code = KP_ERR_FENCED_LEADER_EPOCH;
		} else if (ap->partition_epoch != c->zk_version) {
			res[t].error_code = KP_ERR_INVALID_UPDATE_VERSION;
		} else {
			c->n_isr = ap->new_isr_count;
			memcpy(c->isr, ap->new_isr, (size_t)c->n_isr * sizeof *c->isr);
			c->zk_version++;
			res[t].isr_count = c->n_isr;
			res[t].partition_epoch = c->zk_version;
			for (int i = 0; i < NB; i++)
				c->dirty_meta[i] = true;
		}
		if (res[t].error_code)
			c->alter_refused++;
		else
			c->alter_ok++;
		tr[t] = (struct kp_alter_partition_topic_result){req->topics[t].topic_name, &res[t],
								 1};
	}
	struct kp_response resp;
	memset(&resp, 0, sizeof resp);
	resp.body.alter_partition.topics = tr;
	resp.body.alter_partition.topic_count = n;
	brk_front_respond(r, &resp);
}

static void *fctl_start(struct env *env, const void *config)
{
	(void)config;
	struct fctl *c = env_calloc(env, 1, sizeof *c);
	c->env = env;
	c->controller_epoch = 1;
	struct brk_front_config fc;
	brk_front_config_default(&fc);
	c->front = brk_front_start(env, &fc, fctl_alter, c);
	c->tick.data = c;
	env_timer_start(env, &c->tick, 1 * MS, fctl_tick);
	return c;
}

/* ---- A producer that remembers outcomes ------------------------------------------- */

struct pnode {
	struct kc_producer *p;
	int outcome[MAX_VALUES + 1];
	int64_t offset[MAX_VALUES + 1];
	char error[MAX_VALUES + 1][40];
	int sent, done;
};

static void p_result(void *arg, const struct kc_send_result *res)
{
	struct pnode *n = arg;
	assert_true(res->id <= MAX_VALUES);
	n->outcome[res->id] = (int)res->outcome;
	n->offset[res->id] = res->offset;
	snprintf(n->error[res->id], sizeof n->error[0], "%s", res->error ? res->error : "");
	n->done++;
}

static void *pnode_start(struct env *env, const void *config)
{
	struct pnode *n = env_calloc(env, 1, sizeof *n);
	for (int i = 0; i <= MAX_VALUES; i++)
		n->outcome[i] = -1;
	n->p = kc_producer_new(env, config, p_result, n);
	return n;
}

static const struct sim_node_class broker_class = {"broker", brk_start};
static const struct sim_node_class ctl_class = {"controller", fctl_start};
static const struct sim_node_class producer_class = {"producer", pnode_start};

struct fx {
	struct sim_world *w;
	struct brk_config bc[NB];
	struct kc_producer_config pc;
	uint32_t broker[NB], ctl, producer;
};

static void print_event(void *ctx, int64_t t, const char *node, const char *kind,
			const char *text)
{
	(void)ctx;
	fprintf(stderr, "%10.6fs %-10s EVENT %s: %s\n", (double)t / 1e9, node, kind, text);
}

static int setup(void **state)
{
	struct fx *fx = test_calloc(1, sizeof *fx);
	struct sim_world_config wc;
	sim_world_config_default(&wc, 5);
	fx->w = sim_world_new(&wc);
	if (getenv("KSIM_TEST_LOG")) {
		sim_world_set_log(fx->w, stderr, ENV_LOG_INFO);
		sim_world_set_event_sink(fx->w, print_event, NULL);
	}
	for (int i = 0; i < NB; i++) {
		brk_config_default(&fx->bc[i]);
		fx->bc[i].broker_id = i + 1;
		fx->bc[i].replica_lag_time_max_ms = 2000;
		fx->bc[i].min_insync_replicas = 2;
		fx->broker[i] = sim_node_add(fx->w, broker_names[i], &broker_class, &fx->bc[i]);
	}
	fx->ctl = sim_node_add(fx->w, "ctl", &ctl_class, NULL);
	kc_producer_config_default(&fx->pc);
	for (int i = 0; i < NB; i++)
		fx->pc.cluster.bootstrap[i] = broker_names[i];
	fx->pc.cluster.n_bootstrap = NB;
	fx->pc.cluster.conn.request_timeout_ns = 3 * S;
	fx->pc.linger_ns = 5 * MS;
	fx->pc.delivery_timeout_ns = 20 * S;
	fx->producer = sim_node_add(fx->w, "producer-1", &producer_class, &fx->pc);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	sim_world_free(fx->w);
	test_free(fx);
	return 0;
}

static struct fctl *ctl(struct fx *fx)
{
	return sim_node_state(fx->w, fx->ctl);
}

static struct brk_broker *broker(struct fx *fx, int id)
{
	return sim_node_state(fx->w, fx->broker[id - 1]);
}

/* The controller names a leader at a new epoch, with this ISR. */
static void elect(struct fx *fx, int32_t leader, const int32_t *isr, int32_t n_isr)
{
	struct fctl *c = ctl(fx);
	c->leader = leader;
	c->leader_epoch++;
	c->zk_version++;
	c->n_isr = n_isr;
	memcpy(c->isr, isr, (size_t)n_isr * sizeof *isr);
	fctl_push(c);
}

static void start(struct fx *fx)
{
	for (int i = 0; i < NB; i++)
		sim_node_start(fx->w, fx->broker[i]);
	sim_node_start(fx->w, fx->ctl);
	sim_run_for(fx->w, 10 * MS);
	elect(fx, 1, replicas, NB);
	sim_run_for(fx->w, 500 * MS);
}

static void send_values(struct fx *fx, int from, int to)
{
	struct pnode *n = sim_node_state(fx->w, fx->producer);
	for (int v = from; v <= to; v++) {
		char value[16];
		snprintf(value, sizeof value, "v%d", v);
		kc_producer_send(n->p, "orders", NULL, 0, value, strlen(value));
		n->sent++;
	}
}

struct capture {
	int64_t n;
	char values[MAX_VALUES][12];
};

static void capture_one(void *arg, int64_t offset, const uint8_t *value, size_t len)
{
	struct capture *c = arg;
	if (offset < MAX_VALUES && len < 12) {
		memcpy(c->values[offset], value, len);
		c->values[offset][len] = 0;
	}
	c->n++;
}

/* Every broker's log holds the same records below `upto`. */
static void assert_identical(struct fx *fx, int64_t upto)
{
	static struct capture cap[NB];
	for (int i = 0; i < NB; i++) {
		memset(&cap[i], 0, sizeof cap[i]);
		assert_true(brk_log_records(broker(fx, i + 1), "orders", 0, capture_one, &cap[i]) >=
			    upto);
	}
	for (int64_t o = 0; o < upto; o++)
		for (int i = 1; i < NB; i++)
			assert_string_equal(cap[0].values[o], cap[i].values[o]);
}

static struct brk_replica_view view(struct fx *fx, int id)
{
	struct brk_replica_view v;
	assert_true(brk_replica_view(broker(fx, id), "orders", 0, &v));
	return v;
}

/* ---- Tests -------------------------------------------------------------------------- */

static void test_acks_all_replicates_to_every_replica(void **state)
{
	struct fx *fx = *state;
	start(fx);
	sim_node_start(fx->w, fx->producer);
	send_values(fx, 1, 500);
	sim_run_for(fx->w, 5 * S);
	struct pnode *n = sim_node_state(fx->w, fx->producer);
	assert_int_equal(n->done, 500);
	for (int v = 1; v <= 500; v++)
		assert_int_equal(n->outcome[v], KC_SEND_OK);
	for (int id = 1; id <= NB; id++) {
		struct brk_replica_view v = view(fx, id);
		assert_int_equal(v.leo, 500);
		assert_int_equal(v.hw, 500); /* followers learn it in their next fetch */
		assert_int_equal(v.leader_id, 1);
		assert_int_equal(v.leader_epoch, 1);
	}
	assert_int_equal(view(fx, 1).n_isr, 3);
	assert_identical(fx, 500);
	/* replication-offset-checkpoint: a restarted replica starts from the
	 * high watermark it wrote (every 5 s), before anyone tells it more. */
	sim_run_for(fx->w, 6 * S);
	sim_node_kill(fx->w, fx->broker[1]);
	sim_node_restart(fx->w, fx->broker[1]);
	sim_run_for(fx->w, 5 * MS);
	struct brk_replica_view v = view(fx, 2);
	assert_int_equal(v.leo, 500);
	assert_int_equal(v.hw, 500);
	assert_false(v.leader);
}

static void test_isr_shrinks_on_lag_and_expands_after_catch_up(void **state)
{
	struct fx *fx = *state;
	start(fx);
	sim_node_start(fx->w, fx->producer);
	sim_node_pause(fx->w, fx->broker[2]);
	send_values(fx, 1, 200);
	sim_run_for(fx->w, 1 * S);
	/* Before replica.lag.time.max.ms (2 s) the write waits for broker 3. */
	struct pnode *n = sim_node_state(fx->w, fx->producer);
	assert_int_equal(n->done, 0);
	assert_int_equal(view(fx, 1).hw, 0);
	sim_run_for(fx->w, 4 * S);
	/* Shrunk to [1,2] through AlterPartition; the writes committed. */
	struct brk_replica_view v = view(fx, 1);
	assert_int_equal(v.n_isr, 2);
	assert_int_equal(ctl(fx)->n_isr, 2);
	assert_int_equal(n->done, 200);
	for (int i = 1; i <= 200; i++)
		assert_int_equal(n->outcome[i], KC_SEND_OK);
	assert_int_equal(v.hw, 200);
	sim_node_resume(fx->w, fx->broker[2]);
	sim_run_for(fx->w, 3 * S);
	assert_int_equal(view(fx, 1).n_isr, 3);
	assert_int_equal(ctl(fx)->n_isr, 3);
	assert_int_equal(view(fx, 3).leo, 200);
	assert_true(ctl(fx)->alter_ok >= 2);
	assert_identical(fx, 200);
}

static void test_min_insync_replicas_refuses_then_recovers(void **state)
{
	struct fx *fx = *state;
	start(fx);
	sim_node_start(fx->w, fx->producer);
	sim_node_kill(fx->w, fx->broker[1]);
	sim_node_kill(fx->w, fx->broker[2]);
	/* Nothing is written: the dead followers' log ends equal the leader's,
	 * so the leader does not find them out of sync (Replica.isCaughtUp). */
	sim_run_for(fx->w, 4 * S);
	assert_int_equal(view(fx, 1).n_isr, 3);
	/* The controller removes them, as its broker-failure handling does. */
	const int32_t just_1[] = {1};
	elect(fx, 1, just_1, 1);
	sim_run_for(fx->w, 100 * MS);
	assert_int_equal(view(fx, 1).n_isr, 1);
	send_values(fx, 1, 50);
	sim_run_for(fx->w, 25 * S); /* past delivery.timeout.ms */
	struct pnode *n = sim_node_state(fx->w, fx->producer);
	assert_int_equal(n->done, 50);
	for (int v = 1; v <= 50; v++) {
		assert_int_equal(n->outcome[v], KC_SEND_FAIL);
		assert_string_equal(n->error[v], "NOT_ENOUGH_REPLICAS");
	}
	assert_int_equal(view(fx, 1).leo, 0); /* refused before the append */
	sim_node_restart(fx->w, fx->broker[1]);
	sim_run_for(fx->w, 10 * MS);
	fctl_push(ctl(fx)); /* the controller tells the restarted broker */
	sim_run_for(fx->w, 3 * S);
	assert_int_equal(view(fx, 1).n_isr, 2);
	send_values(fx, 51, 60);
	sim_run_for(fx->w, 2 * S);
	for (int v = 51; v <= 60; v++)
		assert_int_equal(n->outcome[v], KC_SEND_OK);
}

/* The write is appended while the ISR is whole, then the followers stop:
 * the ISR shrinks to the leader, the high watermark passes the write, and
 * Kafka's answer is NOT_ENOUGH_REPLICAS_AFTER_APPEND (written, but on fewer
 * than min.insync.replicas replicas). */
static void test_isr_shrinking_under_a_waiting_write(void **state)
{
	struct fx *fx = *state;
	fx->pc.cluster.conn.request_timeout_ns = 8 * S; /* the produce's timeout_ms */
	fx->pc.delivery_timeout_ns = 12 * S;
	fx->pc.retries = 0; /* the first answer is the outcome (a retry would be
			     * refused before its append: NOT_ENOUGH_REPLICAS) */
	start(fx);
	sim_node_pause(fx->w, fx->broker[1]);
	sim_node_pause(fx->w, fx->broker[2]);
	sim_node_start(fx->w, fx->producer);
	struct pnode *n = sim_node_state(fx->w, fx->producer);
	send_values(fx, 1, 5);
	sim_run_for(fx->w, 1 * S);
	assert_int_equal(n->done, 0); /* waiting for the followers */
	assert_int_equal(view(fx, 1).leo, 5);
	sim_run_for(fx->w, 14 * S);
	assert_int_equal(view(fx, 1).n_isr, 1);
	assert_int_equal(view(fx, 1).hw, 5);
	assert_int_equal(n->done, 5);
	for (int v = 1; v <= 5; v++) {
		assert_int_not_equal(n->outcome[v], KC_SEND_OK);
		assert_string_equal(n->error[v], "NOT_ENOUGH_REPLICAS_AFTER_APPEND");
	}
}

/*
 * Broker 1 leads alone (the others cut off) and takes writes the others
 * never see; then broker 2 leads a new epoch and takes other writes. When
 * broker 1 follows again, what it must cut depends on the truncation rule.
 */
static void diverge(struct fx *fx)
{
	start(fx);
	fx->pc.acks = 1;
	fx->pc.idempotence = false;
	int32_t only1[1] = {1};
	struct sim_net *net = sim_world_net(fx->w);
	sim_net_isolate(net, fx->broker[1]);
	sim_net_isolate(net, fx->broker[2]);
	sim_run_for(fx->w, 100 * MS);
	elect(fx, 1, only1, 1);
	sim_run_for(fx->w, 200 * MS);
	sim_node_start(fx->w, fx->producer);
	struct pnode *n = sim_node_state(fx->w, fx->producer);
	/* One record per batch: truncation cuts whole batches. */
	for (int v = 1; v <= 10; v++) {
		send_values(fx, v, v);
		sim_run_for(fx->w, 50 * MS);
	}
	sim_run_for(fx->w, 2 * S);
	assert_int_equal(n->done, 10);
	assert_int_equal(view(fx, 1).leo, 10);
	assert_int_equal(view(fx, 1).hw, 10); /* an ISR of one commits alone */
	/* Broker 1 is cut off; 2 and 3 carry on under epoch 3. */
	sim_net_heal(net);
	sim_net_isolate(net, fx->broker[0]);
	int32_t two_three[2] = {2, 3};
	elect(fx, 2, two_three, 2);
	sim_run_for(fx->w, 3 * S);
	send_values(fx, 11, 15);
	sim_run_for(fx->w, 10 * S); /* the producer finds the new leader */
	assert_int_equal(n->done, 15);
	assert_int_equal(view(fx, 2).leo, 5);
	assert_int_equal(view(fx, 2).hw, 5);
	/* Broker 1 comes back and is told to follow broker 2. */
	sim_net_heal(net);
	fctl_push(ctl(fx));
	sim_run_for(fx->w, 5 * S);
}

static void test_follower_truncates_divergent_log_by_leader_epoch(void **state)
{
	struct fx *fx = *state;
	diverge(fx);
	assert_int_equal(view(fx, 1).leo, 5);
	assert_int_equal(view(fx, 1).leader_id, 2);
	assert_identical(fx, 5);
}

static void test_high_watermark_truncation_keeps_divergent_log(void **state)
{
	struct fx *fx = *state;
	/* inter.broker.protocol.version 0.10.2: before KIP-101 (KAFKA-1211). */
	for (int i = 0; i < NB; i++)
		assert_int_equal(brk_config_set(&fx->bc[i], "inter.broker.protocol.version",
						"0.10.2", NULL, 0),
				 BRK_CONFIG_OK);
	diverge(fx);
	/* Broker 1 kept offsets 0..4 of its own epoch: the replicas differ
	 * below the high watermark. */
	assert_int_equal(view(fx, 1).leo, 5);
	static struct capture a, b;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	brk_log_records(broker(fx, 1), "orders", 0, capture_one, &a);
	brk_log_records(broker(fx, 2), "orders", 0, capture_one, &b);
	assert_string_equal(a.values[0], "v1");
	assert_string_equal(b.values[0], "v11");
}

/*
 * KAFKA-1211 (KIP-101's first scenario): follower 2 has fetched m11, so the
 * leader acknowledged it, but 2 has not yet heard the new high watermark.
 * 2 restarts and comes back as a follower cut off from the leader; then
 * the leader dies and 2 is elected. Returns 2's log end offset as leader.
 */
static int64_t kafka_1211(struct fx *fx)
{
	struct sim_net *net = sim_world_net(fx->w);
	for (int i = 0; i < NB; i++)
		fx->bc[i].min_insync_replicas = 1;
	sim_net_isolate(net, fx->broker[2]); /* broker 3 plays no part */
	start(fx);
	int32_t isr12[2] = {1, 2};
	elect(fx, 1, isr12, 2);
	sim_run_for(fx->w, 500 * MS);
	sim_node_start(fx->w, fx->producer);
	struct pnode *n = sim_node_state(fx->w, fx->producer);
	for (int v = 1; v <= 10; v++) {
		send_values(fx, v, v);
		sim_run_for(fx->w, 50 * MS);
	}
	sim_run_for(fx->w, 6 * S); /* both checkpoint a high watermark of 10 */
	assert_int_equal(view(fx, 2).hw, 10);
	send_values(fx, 11, 11);
	while (n->done < 11)
		sim_run_for(fx->w, 1 * MS);
	assert_int_equal(n->outcome[11], KC_SEND_OK); /* m11 is committed */
	assert_int_equal(view(fx, 2).leo, 11);
	/* 2 restarts at once, and cannot reach the leader when it returns. */
	sim_node_kill(fx->w, fx->broker[1]);
	sim_net_block(net, fx->broker[0], fx->broker[1]);
	sim_net_block(net, fx->broker[1], fx->broker[0]);
	sim_node_restart(fx->w, fx->broker[1]);
	fctl_push(ctl(fx));
	sim_run_for(fx->w, 1 * S);
	/* The leader dies; 2, in the ISR, is elected. */
	sim_node_kill(fx->w, fx->broker[0]);
	int32_t isr2[1] = {2};
	elect(fx, 2, isr2, 1);
	sim_run_for(fx->w, 1 * S);
	struct brk_replica_view v = view(fx, 2);
	assert_true(v.leader);
	return v.leo;
}

static void test_kafka_1211_high_watermark_truncation_loses_a_committed_write(void **state)
{
	struct fx *fx = *state;
	for (int i = 0; i < NB; i++)
		brk_config_set(&fx->bc[i], "inter.broker.protocol.version", "0.10.2", NULL, 0);
	assert_int_equal(kafka_1211(fx), 10); /* m11, acknowledged, is gone */
}

static void test_kafka_1211_fixed_by_leader_epochs(void **state)
{
	struct fx *fx = *state;
	assert_int_equal(kafka_1211(fx), 11); /* KIP-101/279: m11 kept */
	static struct capture c;
	memset(&c, 0, sizeof c);
	brk_log_records(broker(fx, 2), "orders", 0, capture_one, &c);
	assert_string_equal(c.values[10], "v11");
}

/* Sends values from..to at once (one batch, within linger.ms) and waits. */
static void send_batch(struct fx *fx, int from, int to)
{
	struct pnode *n = sim_node_state(fx->w, fx->producer);
	int want = n->done + to - from + 1;
	send_values(fx, from, to);
	for (int i = 0; i < 2000 && n->done < want; i++)
		sim_run_for(fx->w, 10 * MS);
	assert_int_equal(n->done, want);
}

/*
 * kafka-6361-kip101 seeds 8, 16, 19: a KIP-101 (inter.broker.protocol 1.1)
 * truncation point inside one of the follower's own batches. Broker 1 leads
 * epoch 1 and writes offsets 5..8 as one batch that broker 2 never fetches;
 * broker 2 leads epoch 2 and writes 5..6 and 7..9 as two batches; broker 1
 * leads again at epoch 3 (from offset 9). Broker 2 asks where its epoch 2
 * ends; broker 1 never had it and answers 9, the end of epoch 1. Cutting at
 * 9 removes broker 2's batch 7..9, so its log ends at 7, inside broker 1's
 * batch 5..8: that batch does not continue its log. The follower must still
 * catch up (before the fix it refused every fetch to the end).
 */
static void test_kip101_cut_inside_a_batch_still_catches_up(void **state)
{
	struct fx *fx = *state;
	struct sim_net *net = sim_world_net(fx->w);
	for (int i = 0; i < NB; i++) {
		assert_int_equal(brk_config_set(&fx->bc[i], "inter.broker.protocol.version", "1.1",
						NULL, 0),
				 BRK_CONFIG_OK);
		fx->bc[i].min_insync_replicas = 1;
	}
	fx->pc.acks = 1;
	fx->pc.idempotence = false;
	sim_net_isolate(net, fx->broker[2]); /* broker 3 plays no part */
	start(fx);
	int32_t isr12[2] = {1, 2}, only1[1] = {1}, only2[1] = {2};
	elect(fx, 1, isr12, 2);
	sim_run_for(fx->w, 500 * MS);
	sim_node_start(fx->w, fx->producer);
	for (int v = 1; v <= 5; v++)
		send_batch(fx, v, v);
	sim_run_for(fx->w, 1 * S);
	assert_int_equal(view(fx, 2).leo, 5);
	/* Broker 2 stops hearing broker 1, which writes 5..8 alone. */
	sim_net_block(net, fx->broker[0], fx->broker[1]);
	sim_net_block(net, fx->broker[1], fx->broker[0]);
	send_batch(fx, 6, 9);
	assert_int_equal(view(fx, 1).leo, 9);
	/* Broker 1 dies; broker 2 leads alone and writes 5..6, then 7..9. */
	sim_node_kill(fx->w, fx->broker[0]);
	sim_net_unblock(net, fx->broker[0], fx->broker[1]);
	sim_net_unblock(net, fx->broker[1], fx->broker[0]);
	elect(fx, 2, only2, 1);
	sim_run_for(fx->w, 1 * S);
	send_batch(fx, 10, 11);
	send_batch(fx, 12, 14);
	assert_int_equal(view(fx, 2).leo, 10);
	/* Broker 2 dies; broker 1 comes back and leads (unclean) from 9; then
	 * broker 2 comes back as its follower. */
	sim_node_kill(fx->w, fx->broker[1]);
	sim_node_start(fx->w, fx->broker[0]);
	sim_run_for(fx->w, 100 * MS);
	elect(fx, 1, only1, 1);
	sim_run_for(fx->w, 1 * S);
	assert_int_equal(view(fx, 1).leo, 9);
	sim_node_start(fx->w, fx->broker[1]);
	sim_run_for(fx->w, 100 * MS);
	fctl_push(ctl(fx));
	sim_run_for(fx->w, 5 * S);
	send_batch(fx, 15, 16);
	sim_run_for(fx->w, 2 * S);
	assert_int_equal(view(fx, 2).leader_id, 1);
	assert_int_equal(view(fx, 1).leo, 11);
	assert_int_equal(view(fx, 2).leo, 11);
	/* Broker 2 holds broker 1's batch 5..8 and what followed it. */
	static struct capture a;
	memset(&a, 0, sizeof a);
	brk_log_records(broker(fx, 2), "orders", 0, capture_one, &a);
	assert_string_equal(a.values[5], "v6");
	assert_string_equal(a.values[8], "v9");
	assert_string_equal(a.values[10], "v16");
}

static void test_stale_controller_epoch_is_refused(void **state)
{
	struct fx *fx = *state;
	start(fx);
	struct fctl *c = ctl(fx);
	for (int i = 0; i < NB; i++)
		assert_int_equal(c->last_lai_error[i], KP_ERR_NONE);
	c->controller_epoch = 3;
	int32_t isr[3] = {2, 1, 3};
	elect(fx, 2, isr, 3);
	sim_run_for(fx->w, 500 * MS);
	assert_int_equal(view(fx, 2).leader_id, 2);
	/* A zombie of epoch 2 tries to hand leadership back to broker 1. */
	c->controller_epoch = 2;
	elect(fx, 1, replicas, 3);
	sim_run_for(fx->w, 500 * MS);
	for (int i = 0; i < NB; i++)
		assert_int_equal(c->last_lai_error[i], KP_ERR_STALE_CONTROLLER_EPOCH);
	assert_int_equal(view(fx, 1).leader_id, 2);
	assert_false(view(fx, 1).leader);
	assert_true(view(fx, 2).leader);
}

static void on_list(void *arg, int status, const struct kp_response *resp)
{
	struct fctl *c = arg;
	const struct kp_list_offsets_response *lo = &resp->body.list_offsets;
	if (status != KC_OK || lo->topic_count != 1 || lo->topics[0].partition_count != 1)
		return;
	c->list_error = lo->topics[0].partitions[0].error_code;
	c->list_offset = lo->topics[0].partitions[0].offset;
}

/* A consumer's ListOffsets (v2, latest) for orders-0, sent to broker `id`. */
static void list_latest(struct fx *fx, int id)
{
	struct fctl *c = ctl(fx);
	struct kp_list_offsets_partition lp = {0, -1};
	struct kp_list_offsets_topic lt = {{"orders", 6}, &lp, 1};
	struct kp_request req;
	memset(&req, 0, sizeof req);
	req.header.api_key = KP_API_LIST_OFFSETS;
	req.header.api_version = 2;
	req.body.list_offsets = (struct kp_list_offsets_request){-1, 0, &lt, 1};
	c->list_error = -1;
	assert_int_equal(kc_conn_send(c->conn[id - 1], &req, true, on_list, c), 0);
	sim_run_for(fx->w, 50 * MS);
	assert_int_not_equal(c->list_error, -1);
}

/* KIP-207: a new leader whose high watermark is behind the start of its
 * epoch answers ListOffsets(latest) with OFFSET_NOT_AVAILABLE (the offset
 * it would give could go back), until its followers bring the HW there. */
static void test_new_leader_lists_latest_only_once_its_hw_reaches_its_epoch(void **state)
{
	struct fx *fx = *state;
	start(fx);
	sim_node_start(fx->w, fx->producer);
	send_values(fx, 1, 100);
	struct pnode *n = sim_node_state(fx->w, fx->producer);
	while (n->done < 100)
		sim_run_for(fx->w, 1 * MS);
	/* The follower whose fetch completed the write has the HW; the other
	 * learns it only in its next fetch, up to replica.fetch.wait.max.ms
	 * later. That one becomes the leader, broker 1 gone and the other
	 * stopped for now. */
	int lagging = view(fx, 2).hw < 100 ? 2 : 3, other = 5 - lagging;
	assert_true(view(fx, lagging).hw < 100);
	sim_node_kill(fx->w, fx->broker[0]);
	sim_node_kill(fx->w, fx->broker[other - 1]);
	int32_t isr[] = {lagging, other};
	elect(fx, lagging, isr, 2);
	sim_run_for(fx->w, 200 * MS); /* its fetches from broker 1 fail meanwhile */
	struct brk_replica_view v = view(fx, lagging);
	assert_true(v.leader);
	assert_int_equal(v.leo, 100);
	assert_true(v.hw < 100);
	list_latest(fx, lagging);
	assert_int_equal(ctl(fx)->list_error, KP_ERR_OFFSET_NOT_AVAILABLE);
	sim_node_restart(fx->w, fx->broker[other - 1]);
	sim_run_for(fx->w, 10 * MS);
	fctl_push(ctl(fx)); /* the other follows the new leader and fetches */
	sim_run_for(fx->w, 2 * S);
	assert_int_equal(view(fx, lagging).hw, 100);
	list_latest(fx, lagging);
	assert_int_equal(ctl(fx)->list_error, KP_ERR_NONE);
	assert_int_equal(ctl(fx)->list_offset, 100);
}

/* ReplicaManager.becomeLeaderOrFollower ignores a partition state whose
 * leader epoch is the current one (a new controller resends them all): the
 * ISR it carries does not replace the leader's, and followers fetch on. */
static void test_same_epoch_leader_and_isr_is_ignored(void **state)
{
	struct fx *fx = *state;
	start(fx);
	sim_node_start(fx->w, fx->producer);
	send_values(fx, 1, 100);
	sim_run_for(fx->w, 2 * S);
	struct fctl *c = ctl(fx);
	c->zk_version++; /* a newer partition epoch, the same leader epoch */
	c->n_isr = 2;
	fctl_push(c);
	sim_run_for(fx->w, 200 * MS);
	assert_int_equal(view(fx, 1).n_isr, 3);
	assert_int_equal(view(fx, 1).leader_epoch, 1);
	send_values(fx, 101, 200);
	sim_run_for(fx->w, 2 * S);
	struct pnode *n = sim_node_state(fx->w, fx->producer);
	for (int v = 1; v <= 200; v++)
		assert_int_equal(n->outcome[v], KC_SEND_OK);
	assert_int_equal(view(fx, 3).leo, 200);
	assert_identical(fx, 200);
}

static void test_stop_replica_stops_a_follower_and_is_fenced(void **state)
{
	struct fx *fx = *state;
	start(fx);
	sim_node_start(fx->w, fx->producer);
	send_values(fx, 1, 50);
	sim_run_for(fx->w, 2 * S);
	struct fctl *c = ctl(fx);
	/* A controller of an older epoch is refused. */
	c->controller_epoch = 0;
	send_stop(c, 1);
	sim_run_for(fx->w, 100 * MS);
	assert_int_equal(c->last_stop_error[1], KP_ERR_STALE_CONTROLLER_EPOCH);
	assert_int_equal(view(fx, 2).leader_id, 1);
	/* The current one stops broker 2's replica: no more fetching. */
	c->controller_epoch = 1;
	send_stop(c, 1);
	sim_run_for(fx->w, 100 * MS);
	assert_int_equal(c->last_stop_error[1], KP_ERR_NONE);
	assert_int_equal(view(fx, 2).leader_id, -1);
	int64_t leo = view(fx, 2).leo;
	send_values(fx, 51, 80);
	sim_run_for(fx->w, 1 * S);
	assert_int_equal(view(fx, 2).leo, leo);
	assert_true(view(fx, 3).leo > leo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_acks_all_replicates_to_every_replica, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_isr_shrinks_on_lag_and_expands_after_catch_up,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_min_insync_replicas_refuses_then_recovers,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_isr_shrinking_under_a_waiting_write, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_follower_truncates_divergent_log_by_leader_epoch,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_high_watermark_truncation_keeps_divergent_log,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_kafka_1211_high_watermark_truncation_loses_a_committed_write, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_kafka_1211_fixed_by_leader_epochs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_kip101_cut_inside_a_batch_still_catches_up,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_controller_epoch_is_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_new_leader_lists_latest_only_once_its_hw_reaches_its_epoch, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_same_epoch_leader_and_isr_is_ignored, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stop_replica_stops_a_follower_and_is_fenced,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
