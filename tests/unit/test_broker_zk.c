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

#include "broker/kafka/brk_broker.h"
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_register_survive_leader_loss_and_reregister,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
