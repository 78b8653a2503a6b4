/*
 * A broker's ZooKeeper registration against a real simulated ensemble: the
 * ephemeral /brokers/ids/N appears once the broker is up, survives the loss
 * of the ZooKeeper leader (the session moves), disappears when the broker
 * is paused past its session timeout, and comes back when it resumes and
 * registers with a new session.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "broker/client/kc_conn.h"
#include "broker/kafka/brk_broker.h"
#include "broker/kp/kp_error.h"
#include "broker/zk/zk_server.h"
#include "sim/util.h"
#include "sim/world.h"

#define S SIM_NS_PER_S

static const struct sim_node_class zk_class = {"zookeeper", zk_server_start};
static const struct sim_node_class broker_class = {"broker", brk_start};

struct fx {
	struct sim_world *w;
	struct zk_server_config zc[3];
	struct brk_config bc;
	uint32_t zk[3], broker;
};

static int setup(void **state)
{
	struct fx *fx = test_calloc(1, sizeof *fx);
	struct sim_world_config wc;
	sim_world_config_default(&wc, 13);
	fx->w = sim_world_new(&wc);
	static const char *const names[] = {"zk-1", "zk-2", "zk-3"};
	for (int i = 0; i < 3; i++) {
		zk_server_config_default(&fx->zc[i]);
		fx->zc[i].my_id = i + 1;
		fx->zc[i].n_members = 3;
		for (int k = 0; k < 3; k++)
			fx->zc[i].members[k] = (struct zk_server_member){k + 1, names[k]};
		fx->zk[i] = sim_node_add(fx->w, names[i], &zk_class, &fx->zc[i]);
	}
	brk_config_default(&fx->bc);
	fx->bc.broker_id = 7;
	fx->bc.zk_session_timeout_ms = 6000;
	char err[128];
	assert_int_equal(brk_config_set(&fx->bc, "zookeeper.connect", "zk-1:2181,zk-2:2181,zk-3:2181",
					err, sizeof err),
			 BRK_CONFIG_OK);
	fx->broker = sim_node_add(fx->w, "broker-7", &broker_class, &fx->bc);
	for (int i = 0; i < 3; i++)
		sim_node_start(fx->w, fx->zk[i]);
	sim_node_start(fx->w, fx->broker);
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

/* Whether every live, serving server has the znode. */
static int servers_with(struct fx *fx, const char *path)
{
	int n = 0;
	for (int i = 0; i < 3; i++) {
		struct zk_server *z = sim_node_state(fx->w, fx->zk[i]);
		if (z && sim_node_status(fx->w, fx->zk[i]) == SIM_NODE_UP && zk_server_serving(z))
			n += zk_server_exists(z, path);
	}
	return n;
}

static uint32_t zk_leader(struct fx *fx)
{
	for (int i = 0; i < 3; i++) {
		struct zk_server *z = sim_node_state(fx->w, fx->zk[i]);
		if (z && zk_server_role(z) == ZK_ROLE_LEADING)
			return fx->zk[i];
	}
	return 0;
}

static void test_register_survive_leader_loss_and_reregister(void **state)
{
	struct fx *fx = *state;
	sim_run_for(fx->w, 10 * S);
	struct brk_broker *b = sim_node_state(fx->w, fx->broker);
	assert_true(brk_registered(b));
	assert_int_equal(servers_with(fx, "/brokers/ids/7"), 3);
	assert_int_equal(servers_with(fx, "/brokers/topics"), 3);

	/* The ZooKeeper leader dies: the session lives on elsewhere. */
	uint32_t leader = zk_leader(fx);
	assert_true(leader != 0);
	sim_node_kill(fx->w, leader);
	sim_run_for(fx->w, 10 * S);
	assert_true(brk_registered(b));
	assert_true(servers_with(fx, "/brokers/ids/7") >= 2);
	sim_node_start(fx->w, leader);
	sim_run_for(fx->w, 10 * S);
	assert_int_equal(servers_with(fx, "/brokers/ids/7"), 3);

	/* Paused past its session timeout: the ensemble expires the session
	 * and removes the ephemeral; on waking the broker registers again. */
	sim_node_pause(fx->w, fx->broker);
	sim_run_for(fx->w, 15 * S);
	assert_int_equal(servers_with(fx, "/brokers/ids/7"), 0);
	sim_node_resume(fx->w, fx->broker);
	sim_run_for(fx->w, 15 * S);
	assert_true(brk_registered(b));
	assert_int_equal(servers_with(fx, "/brokers/ids/7"), 3);
}

/* A controlled shutdown (the scenario's `stop`): the broker exits by itself,
 * cleanly (stopped, not killed), with the clean-shutdown marker durable and
 * its registration gone at once (its session closed, not expired); the next
 * start takes the marker away, and a kill leaves none. */
static void test_controlled_shutdown_marker(void **state)
{
	struct fx *fx = *state;
	sim_run_for(fx->w, 10 * S);
	struct brk_broker *b = sim_node_state(fx->w, fx->broker);
	assert_true(brk_registered(b));
	struct sim_disk *d = sim_node_disk(fx->w, fx->broker);
	assert_true(sim_disk_size(d, "/data/.kafka_cleanshutdown", false) < 0);
	brk_shutdown(b);
	assert_true(brk_shutting_down(b));
	sim_run_for(fx->w, 1 * S); /* well within the 6 s session timeout */
	assert_int_equal(sim_node_status(fx->w, fx->broker), SIM_NODE_STOPPED);
	assert_true(sim_disk_size(d, "/data/.kafka_cleanshutdown", true) >= 0);
	assert_int_equal(servers_with(fx, "/brokers/ids/7"), 0);

	sim_node_start(fx->w, fx->broker);
	sim_run_for(fx->w, 10 * S);
	assert_true(brk_registered(sim_node_state(fx->w, fx->broker)));
	assert_true(sim_disk_size(d, "/data/.kafka_cleanshutdown", false) < 0);
	sim_node_kill(fx->w, fx->broker);
	assert_true(sim_disk_size(d, "/data/.kafka_cleanshutdown", false) < 0);
}

/* ---- Producer ids from ZooKeeper blocks ---------------------------------------- */

#define MAX_IDS 64

struct pid_client {
	struct env *env;
	struct kc_conn *conn[2];
	bool ready[2];
	int64_t ids[MAX_IDS];
	int n_ids, errors;
};

static void pid_state(void *arg, struct kc_conn *c, enum kc_state st, int status)
{
	struct pid_client *pc = arg;
	for (int i = 0; i < 2; i++)
		if (pc->conn[i] == c) {
			pc->ready[i] = st == KC_READY;
			if (st == KC_DOWN)
				pc->conn[i] = NULL;
		}
}

static void pid_answer(void *arg, int status, const struct kp_response *resp)
{
	struct pid_client *pc = arg;
	if (status || resp->body.init_producer_id.error_code) {
		pc->errors++;
		return;
	}
	assert_true(pc->n_ids < MAX_IDS);
	pc->ids[pc->n_ids++] = resp->body.init_producer_id.producer_id;
}

static void *pid_client_start(struct env *env, const void *config)
{
	struct pid_client *pc = env_calloc(env, 1, sizeof *pc);
	pc->env = env;
	return pc;
}

static const struct sim_node_class pid_client_class = {"client", pid_client_start};

static void ask(struct fx *fx, uint32_t client, int n)
{
	struct pid_client *pc = sim_node_state(fx->w, client);
	static const char *const hosts[] = {"broker-7", "broker-8"};
	struct kc_conn_config cc;
	kc_conn_config_default(&cc);
	for (int i = 0; i < 2; i++)
		if (!pc->conn[i])
			pc->conn[i] = kc_conn_open(pc->env, hosts[i], 9092, &cc, pid_state, pc);
	sim_run_for(fx->w, 1 * S);
	for (int k = 0; k < n; k++)
		for (int i = 0; i < 2; i++) {
			struct kp_request req;
			memset(&req, 0, sizeof req);
			req.header.api_key = KP_API_INIT_PRODUCER_ID;
			req.header.api_version = 1;
			req.body.init_producer_id.transactional_id = (struct kp_str){NULL, -1};
			assert_true(pc->ready[i]);
			assert_int_equal(kc_conn_send(pc->conn[i], &req, true, pid_answer, pc), 0);
		}
	sim_run_for(fx->w, 2 * S);
}

static void test_producer_ids_unique_across_brokers_and_restarts(void **state)
{
	struct fx *fx = *state;
	struct brk_config bc2 = fx->bc;
	bc2.broker_id = 8;
	uint32_t b2 = sim_node_add(fx->w, "broker-8", &broker_class, &bc2);
	uint32_t client = sim_node_add(fx->w, "client-1", &pid_client_class, NULL);
	sim_node_start(fx->w, b2);
	sim_node_start(fx->w, client);
	sim_run_for(fx->w, 10 * S);
	ask(fx, client, 5);
	/* Restarts forget the block in memory; ZooKeeper remembers. */
	sim_node_restart(fx->w, fx->broker);
	sim_node_restart(fx->w, b2);
	sim_run_for(fx->w, 5 * S);
	ask(fx, client, 5);
	struct pid_client *pc = sim_node_state(fx->w, client);
	assert_int_equal(pc->errors, 0);
	assert_int_equal(pc->n_ids, 20);
	for (int i = 0; i < pc->n_ids; i++)
		for (int k = i + 1; k < pc->n_ids; k++)
			assert_true(pc->ids[i] != pc->ids[k]);
	/* Blocks of 1000 from ZooKeeper: four blocks were taken in all. */
	int blocks[8] = {0};
	for (int i = 0; i < pc->n_ids; i++) {
		assert_true(pc->ids[i] >= 0 && pc->ids[i] < 4000);
		blocks[pc->ids[i] / 1000] = 1;
	}
	assert_int_equal(blocks[0] + blocks[1] + blocks[2] + blocks[3], 4);
}

/* ---- CreateTopics -------------------------------------------------------------- */

static int16_t create_codes[8];
static int n_create_codes;

static void create_answer(void *arg, int status, const struct kp_response *resp)
{
	assert_int_equal(status, 0);
	for (int32_t i = 0; i < resp->body.create_topics.topic_count; i++)
		create_codes[n_create_codes++] = resp->body.create_topics.topics[i].error_code;
}

static void test_create_topics_writes_assignments(void **state)
{
	struct fx *fx = *state;
	struct brk_config bc2 = fx->bc;
	bc2.broker_id = 8;
	uint32_t b2 = sim_node_add(fx->w, "broker-8", &broker_class, &bc2);
	uint32_t client = sim_node_add(fx->w, "client-1", &pid_client_class, NULL);
	sim_node_start(fx->w, b2);
	sim_node_start(fx->w, client);
	sim_run_for(fx->w, 10 * S);
	ask(fx, client, 0); /* connects */
	struct pid_client *pc = sim_node_state(fx->w, client);
	struct kp_create_topics_topic topics[4] = {
		{{"orders", 6}, 6, 2, NULL, 0, NULL, 0},
		{{"orders", 6}, 1, 1, NULL, 0, NULL, 0},       /* again: exists */
		{{"wide", 4}, 3, 3, NULL, 0, NULL, 0},         /* 3 replicas, 2 brokers */
		{{"bad/name", 8}, 1, 1, NULL, 0, NULL, 0},
	};
	n_create_codes = 0;
	for (int i = 0; i < 4; i++) {
		struct kp_request req;
		memset(&req, 0, sizeof req);
		req.header.api_key = KP_API_CREATE_TOPICS;
		req.header.api_version = 4;
		req.body.create_topics.topics = &topics[i];
		req.body.create_topics.topic_count = 1;
		req.body.create_topics.timeout_ms = 10000;
		assert_int_equal(kc_conn_send(pc->conn[0], &req, true, create_answer, NULL), 0);
		sim_run_for(fx->w, 1 * S);
	}
	assert_int_equal(n_create_codes, 4);
	assert_int_equal(create_codes[0], KP_ERR_NONE);
	assert_int_equal(create_codes[1], KP_ERR_TOPIC_ALREADY_EXISTS);
	assert_int_equal(create_codes[2], KP_ERR_INVALID_REPLICATION_FACTOR);
	assert_int_equal(create_codes[3], KP_ERR_INVALID_TOPIC_EXCEPTION);
	assert_int_equal(servers_with(fx, "/brokers/topics/orders"), 3);
	assert_int_equal(servers_with(fx, "/brokers/topics/wide"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_controlled_shutdown_marker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_register_survive_leader_loss_and_reregister,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_producer_ids_unique_across_brokers_and_restarts,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_topics_writes_assignments, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
