/*
 * The fault executor on a world of ping nodes named like a cluster: each
 * action applied at its time and undone after its `for`, role targets
 * resolved when the fault fires, targets that resolve to nothing skipped
 * and reported, the nemesis never taking a ZooKeeper majority down and
 * healing before its end, and quiesce healing everything.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "broker/demo/ping.h"
#include "faults/flt.h"
#include "harness/scn.h"
#include "sim/clock.h"
#include "sim/disk.h"
#include "sim/net.h"
#include "sim/util.h"
#include "sim/world.h"

#define S SIM_NS_PER_S
#define MS SIM_NS_PER_MS

static const struct sim_node_class ping_class = {"ping", ping_start};

#define MAX_REPORTS 256

struct fx {
	struct sim_world *w;
	struct scn_scenario *s;
	struct ping_config cfg;
	uint32_t brokers[3], zk[3];
	struct flt_cluster c;
	struct flt_observer obs;
	struct flt_runner *r;
	char reports[MAX_REPORTS][160];
	int n_reports;
	uint32_t leader; /* what leader:orders/0 resolves to */
	uint32_t stop_asked[4]; /* nodes the `stop` callback was asked for */
	int n_stop_asked;
	int max_zk_down;
	struct sim_world_config wc;
};

static void on_fault(void *ctx, const struct flt_report *rep)
{
	struct fx *fx = ctx;
	assert_true(fx->n_reports < MAX_REPORTS);
	char *out = fx->reports[fx->n_reports++];
	int n = snprintf(out, 160, "%lld %s%s%s", (long long)(rep->time_ns / MS),
			 rep->undo ? "undo " : "", rep->nemesis ? "nemesis " : "", rep->action);
	for (size_t i = 0; i < rep->n_targets && n < 150; i++)
		n += snprintf(out + n, (size_t)(160 - n), " %s", rep->targets[i]);
	if (rep->note)
		snprintf(out + n, (size_t)(160 - n), " (skipped)");
}

static uint32_t leader_of(void *ctx, const char *topic, int32_t partition)
{
	struct fx *fx = ctx;
	return strcmp(topic, "orders") == 0 && partition == 0 ? fx->leader : 0;
}

static size_t no_followers(void *ctx, const char *topic, int32_t partition, uint32_t *out,
			   size_t max)
{
	return 0;
}

static void exit_later(struct sim_world *w, void *arg)
{
	sim_node_stop(w, (uint32_t)(uintptr_t)arg);
}

/* A broker's controlled shutdown stand-in: brokers take 1.5 s to leave;
 * ZooKeeper nodes refuse. */
static bool stop_node(void *ctx, uint32_t node)
{
	struct fx *fx = ctx;
	if (node == fx->zk[0] || node == fx->zk[1] || node == fx->zk[2])
		return false;
	fx->stop_asked[fx->n_stop_asked++] = node;
	sim_world_at(fx->w, 1500 * MS, exit_later, (void *)(uintptr_t)node);
	return true;
}

static void build(struct fx *fx, const char *yaml, uint64_t seed)
{
	struct scn_error err;
	int rc = scn_load_buffer("test.yaml", yaml, strlen(yaml), &fx->s, &err);
	if (rc)
		fprintf(stderr, "%s\n", err.text);
	assert_int_equal(rc, SCN_OK);
	sim_world_config_default(&fx->wc, seed);
	fx->w = sim_world_new(&fx->wc);
	fx->cfg = (struct ping_config){.port = 7000, .interval_ns = 100 * MS,
				       .timeout_ns = 1 * S, .payload_bytes = 16};
	for (int i = 0; i < 3; i++) {
		char name[32];
		snprintf(name, sizeof name, "broker-%d", i + 1);
		fx->brokers[i] = sim_node_add(fx->w, name, &ping_class, &fx->cfg);
		snprintf(name, sizeof name, "zk-%d", i + 1);
		fx->zk[i] = sim_node_add(fx->w, name, &ping_class, &fx->cfg);
	}
	for (uint32_t id = 1; id <= 6; id++)
		sim_node_start(fx->w, id);
	fx->c = (struct flt_cluster){fx->w, fx->brokers, 3, fx->zk, 3, NULL, 0, NULL, 0,
				     fx, NULL, NULL, leader_of, no_followers, stop_node, NULL};
	fx->obs = (struct flt_observer){fx, on_fault};
	fx->r = flt_new(&fx->c, fx->s, &fx->obs);
}

static int setup(void **state)
{
	*state = test_calloc(1, sizeof(struct fx));
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	sim_world_free(fx->w);
	flt_free(fx->r);
	scn_free(fx->s);
	test_free(fx);
	return 0;
}

#define HEAD                                                                                 \
	"name: t\nduration: 20s\ncluster: {brokers: 3}\n"                                      \
	"topics:\n  - {name: orders, partitions: 1, replication_factor: 3}\n"

static void test_scheduled_faults_and_undos(void **state)
{
	struct fx *fx = *state;
	build(fx,
	      HEAD "faults:\n"
		   "  - {at: 1s, kill: broker-2, for: 2s}\n"
		   "  - {at: 1s, pause: zk-1, for: 500ms}\n"
		   "  - {at: 2s, partition: {isolate: broker-1}, for: 1s}\n"
		   "  - {at: 4s, power-loss: leader:orders/0}\n"
		   "  - {at: 5s, restart: broker-3}\n"
		   "  - {at: 6s, kill: follower:orders/0}\n"
		   "  - {at: 7s, disk: {target: broker-1, fault: full}, for: 1s}\n"
		   "  - {at: 8s, clock: {target: zk-2, skew: 3s}, for: 1s}\n"
		   "  - {at: 9s, delay: {target: broker-2, latency: 50ms..60ms}, for: 1s}\n",
	      1);
	fx->leader = fx->brokers[2];
	flt_schedule(fx->r);
	struct sim_world *w = fx->w;
	sim_run_until(w, 1 * S + 1);
	assert_int_equal(sim_node_status(w, fx->brokers[1]), SIM_NODE_KILLED);
	assert_int_equal(sim_node_status(w, fx->zk[0]), SIM_NODE_PAUSED);
	sim_run_until(w, 1600 * MS);
	assert_int_equal(sim_node_status(w, fx->zk[0]), SIM_NODE_UP);
	sim_run_until(w, 2 * S + 1);
	assert_true(sim_net_blocked(sim_world_net(w), fx->brokers[0], fx->zk[1]));
	sim_run_until(w, 3 * S + 1);
	assert_int_equal(sim_node_status(w, fx->brokers[1]), SIM_NODE_UP);
	assert_false(sim_net_blocked(sim_world_net(w), fx->brokers[0], fx->zk[1]));
	sim_run_until(w, 4 * S + 1);
	assert_int_equal(sim_node_status(w, fx->brokers[2]), SIM_NODE_POWERED_OFF);
	sim_run_until(w, 5 * S + 1);
	assert_int_equal(sim_node_status(w, fx->brokers[2]), SIM_NODE_UP);
	sim_run_until(w, 7 * S + 1);
	assert_true(sim_disk_fault(sim_node_disk(w, fx->brokers[0]), SIM_DISK_FULL));
	sim_run_until(w, 8 * S + 1);
	assert_false(sim_disk_fault(sim_node_disk(w, fx->brokers[0]), SIM_DISK_FULL));
	assert_true(sim_node_clock(w, fx->zk[1])->offset_ns == 3 * S);
	sim_run_until(w, 9 * S + 1);
	assert_true(sim_node_clock(w, fx->zk[1])->offset_ns == 0);
	sim_run_until(w, 12 * S);
	const char *want[] = {
		"1000 kill broker-2",
		"1000 pause zk-1",
		"1500 undo resume zk-1",
		"2000 partition broker-1",
		"3000 undo restart broker-2",
		"3000 undo heal broker-1",
		"4000 power-loss broker-3",
		"5000 restart broker-3",
		"6000 kill (skipped)",
		"7000 disk broker-1",
		/* Same instant: the fault scheduled at the start fires before
		 * the undo scheduled later (ties break by insertion). */
		"8000 clock zk-2",
		"8000 undo disk-repair broker-1",
		"9000 delay broker-2",
		"9000 undo clock-reset zk-2",
		"10000 undo undelay broker-2",
	};
	assert_int_equal(fx->n_reports, sizeof want / sizeof want[0]);
	for (int i = 0; i < fx->n_reports; i++)
		assert_string_equal(fx->reports[i], want[i]);
	assert_int_equal(flt_applied(fx->r), 8); /* the skipped one does not count */
}

/* A periodic probe of how many ZooKeeper servers are down at once. */
static void probe(struct sim_world *w, void *arg)
{
	struct fx *fx = arg;
	int down = 0;
	for (int i = 0; i < 3; i++)
		down += sim_node_status(w, fx->zk[i]) != SIM_NODE_UP;
	if (down > fx->max_zk_down)
		fx->max_zk_down = down;
	if (sim_now(w) < 40 * S)
		sim_world_at(w, 10 * MS, probe, fx);
}

static int run_nemesis(struct fx *fx, uint64_t seed)
{
	build(fx,
	      HEAD "nemesis: {kinds: [kill, power-loss, pause, partition, disk, clock, delay],"
		   " interval: 300ms..1s, targets: all}\n",
	      seed);
	flt_start_nemesis(fx->r, 20 * S);
	sim_world_at(fx->w, 0, probe, fx);
	sim_run_until(fx->w, 20 * S);
	/* Everything the nemesis did is undone by its end. */
	for (uint32_t id = 1; id <= 6; id++)
		assert_int_equal(sim_node_status(fx->w, id), SIM_NODE_UP);
	for (uint32_t a = 1; a <= 6; a++)
		for (uint32_t b = 1; b <= 6; b++)
			assert_false(sim_net_blocked(sim_world_net(fx->w), a, b));
	sim_run_until(fx->w, 40 * S);
	return fx->n_reports;
}

static void test_nemesis_keeps_zk_majority_and_heals(void **state)
{
	struct fx *fx = *state;
	int n = run_nemesis(fx, 5);
	assert_true(flt_applied(fx->r) > 10);
	assert_true(fx->max_zk_down <= 1);
	/* Deterministic: the same seed gives the same faults. */
	char first[MAX_REPORTS][160];
	memcpy(first, fx->reports, sizeof first);
	sim_world_free(fx->w);
	flt_free(fx->r);
	scn_free(fx->s);
	memset(fx, 0, sizeof *fx);
	assert_int_equal(run_nemesis(fx, 5), n);
	for (int i = 0; i < n; i++)
		assert_string_equal(fx->reports[i], first[i]);
}

static void test_heal_all_restores_everything(void **state)
{
	struct fx *fx = *state;
	build(fx,
	      HEAD "faults:\n"
		   "  - {at: 1s, kill: broker-2}\n"
		   "  - {at: 1s, pause: zk-3, for: 30s}\n"
		   "  - {at: 1s, partition: {halves: true}}\n"
		   "  - {at: 1s, disk: {target: broker-1, fault: fsync-error}}\n"
		   "  - {at: 1s, clock: {target: zk-1, skew: -2s}, for: 60s}\n",
	      2);
	flt_schedule(fx->r);
	sim_run_until(fx->w, 2 * S);
	assert_int_equal(sim_node_status(fx->w, fx->zk[2]), SIM_NODE_PAUSED);
	flt_heal_all(fx->r);
	for (uint32_t id = 1; id <= 6; id++)
		assert_int_equal(sim_node_status(fx->w, id), SIM_NODE_UP);
	for (uint32_t a = 1; a <= 6; a++)
		for (uint32_t b = 1; b <= 6; b++)
			assert_false(sim_net_blocked(sim_world_net(fx->w), a, b));
	assert_false(sim_disk_fault(sim_node_disk(fx->w, fx->brokers[0]), SIM_DISK_FSYNC_ERROR));
	assert_true(sim_node_clock(fx->w, fx->zk[0])->offset_ns == 0);
	/* The cancelled undos never fire later. */
	int n = fx->n_reports;
	sim_run_until(fx->w, 100 * S);
	assert_int_equal(fx->n_reports, n);
}

/* `stop` asks the node to shut down; its `for` starts it again only once it
 * has left (the start waits while it is still shutting down), and quiesce
 * starts a stop without `for` once that node has left. */
static void test_stop_waits_for_the_exit(void **state)
{
	struct fx *fx = *state;
	build(fx,
	      HEAD "faults:\n"
		   "  - {at: 1s, stop: broker-2, for: 1s}\n"
		   "  - {at: 5s, stop: broker-3}\n",
	      3);
	flt_schedule(fx->r);
	sim_run_until(fx->w, 2200 * MS);
	assert_int_equal(fx->n_stop_asked, 1);
	assert_int_equal(fx->stop_asked[0], fx->brokers[1]);
	/* `for` has run out, but broker-2 is still shutting down. */
	assert_int_equal(sim_node_status(fx->w, fx->brokers[1]), SIM_NODE_UP);
	assert_int_equal(sim_node_incarnation(fx->w, fx->brokers[1]), 1);
	sim_run_until(fx->w, 2450 * MS);
	assert_int_equal(sim_node_incarnation(fx->w, fx->brokers[1]), 1);
	/* It leaves at 2.5 s and is started by the next poll. */
	sim_run_until(fx->w, 2700 * MS);
	assert_int_equal(sim_node_status(fx->w, fx->brokers[1]), SIM_NODE_UP);
	assert_int_equal(sim_node_incarnation(fx->w, fx->brokers[1]), 2);
	/* Quiesce while broker-3 shuts down: started once it has left. */
	sim_run_until(fx->w, 6 * S);
	flt_heal_all(fx->r);
	assert_int_equal(sim_node_status(fx->w, fx->brokers[2]), SIM_NODE_UP);
	assert_int_equal(sim_node_incarnation(fx->w, fx->brokers[2]), 1);
	sim_run_until(fx->w, 6700 * MS);
	assert_int_equal(sim_node_status(fx->w, fx->brokers[2]), SIM_NODE_UP);
	assert_int_equal(sim_node_incarnation(fx->w, fx->brokers[2]), 2);
	bool told = false;
	for (int i = 0; i < fx->n_reports; i++)
		told |= strstr(fx->reports[i], "1000 stop") != NULL;
	assert_true(told);
}

/* {groups}: a role resolving to a node another group names stays in the
 * first group; `rest` takes every node no group holds. */
static void test_groups_with_rest(void **state)
{
	struct fx *fx = *state;
	build(fx,
	      HEAD "faults:\n"
		   "  - {at: 1s, partition: {groups: [[leader:orders/0, zk-1], [broker-1, rest]]}}\n",
	      1);
	fx->leader = fx->brokers[0];
	flt_schedule(fx->r);
	sim_run_until(fx->w, 2 * S);
	struct sim_net *net = sim_world_net(fx->w);
	uint32_t b1 = fx->brokers[0], b2 = fx->brokers[1], b3 = fx->brokers[2];
	uint32_t z1 = fx->zk[0], z2 = fx->zk[1], z3 = fx->zk[2];
	assert_false(sim_net_blocked(net, b1, z1)); /* group 1: the leader and zk-1 */
	assert_true(sim_net_blocked(net, b1, b2));
	assert_true(sim_net_blocked(net, z2, b1));
	assert_true(sim_net_blocked(net, z1, b3));
	assert_false(sim_net_blocked(net, b2, z3)); /* group 2: the rest */
	assert_false(sim_net_blocked(net, z2, b3));
	assert_int_equal(fx->n_reports, 1);
	assert_string_equal(fx->reports[0], "1000 partition broker-1 zk-1 broker-2 broker-3 zk-2 "
					    "zk-3");
}

/* No hidden cap on targets: `pause: brokers` on 70 brokers pauses all 70,
 * and a partition into 10 groups cuts every pair of them. */
static void test_large_targets(void **state)
{
	enum { NB = 70 };
	struct fx *fx = *state;
	const char *yaml = "name: t\nduration: 20s\ncluster: {brokers: 70}\n"
			   "topics:\n  - {name: orders, partitions: 1, replication_factor: 3}\n"
			   "faults:\n"
			   "  - {at: 1s, pause: brokers, for: 2s}\n"
			   "  - {at: 5s, partition: {groups: [[broker-1], [broker-2], [broker-3], "
			   "[broker-4], [broker-5], [broker-6], [broker-7], [broker-8], [broker-9], ["
			   "broker-10, broker-11, broker-12, broker-13, broker-14, broker-15, "
			   "broker-16, broker-17, broker-18, broker-19, broker-20, broker-21, "
			   "broker-22, broker-23, broker-24, broker-25, broker-26, broker-27, "
			   "broker-28, broker-29, broker-30, broker-31, broker-32, broker-33, "
			   "broker-34, broker-35, broker-36, broker-37, broker-38, broker-39, "
			   "broker-40, broker-41, broker-42, broker-43, broker-44, broker-45, "
			   "broker-46, broker-47, broker-48, broker-49, broker-50, broker-51, "
			   "broker-52, broker-53, broker-54, broker-55, broker-56, broker-57, "
			   "broker-58, broker-59, broker-60, broker-61, broker-62, broker-63, "
			   "broker-64, broker-65, broker-66, broker-67, broker-68, broker-69, "
			   "broker-70, rest"
			   "]]}}\n";
	struct scn_error err;
	int rc = scn_load_buffer("test.yaml", yaml, strlen(yaml), &fx->s, &err);
	if (rc)
		fprintf(stderr, "%s\n", err.text);
	assert_int_equal(rc, SCN_OK);
	sim_world_config_default(&fx->wc, 1);
	fx->w = sim_world_new(&fx->wc);
	fx->cfg = (struct ping_config){.port = 7000, .interval_ns = 100 * MS,
				       .timeout_ns = 1 * S, .payload_bytes = 16};
	uint32_t *brokers = test_calloc(NB, sizeof *brokers);
	for (int i = 0; i < NB; i++) {
		char name[32];
		snprintf(name, sizeof name, "broker-%d", i + 1);
		brokers[i] = sim_node_add(fx->w, name, &ping_class, &fx->cfg);
		sim_node_start(fx->w, brokers[i]);
	}
	fx->c = (struct flt_cluster){fx->w, brokers, NB, NULL, 0, NULL, 0, NULL, 0,
				     fx, NULL, NULL, leader_of, no_followers, NULL, NULL};
	fx->obs = (struct flt_observer){fx, on_fault};
	fx->r = flt_new(&fx->c, fx->s, &fx->obs);
	flt_schedule(fx->r);
	sim_run_until(fx->w, 2 * S);
	int paused = 0;
	for (int i = 0; i < NB; i++)
		paused += sim_node_status(fx->w, brokers[i]) == SIM_NODE_PAUSED;
	assert_int_equal(paused, NB);
	sim_run_until(fx->w, 6 * S);
	struct sim_net *net = sim_world_net(fx->w);
	assert_true(sim_net_blocked(net, brokers[0], brokers[8]));
	assert_true(sim_net_blocked(net, brokers[0], brokers[69]));
	assert_true(sim_net_blocked(net, brokers[8], brokers[9]));
	assert_false(sim_net_blocked(net, brokers[9], brokers[69]));
	test_free(brokers);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_scheduled_faults_and_undos),
		T(test_nemesis_keeps_zk_majority_and_heals),
		T(test_heal_all_restores_everything),
		T(test_groups_with_rest),
		T(test_large_targets),
		T(test_stop_waits_for_the_exit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
