/*
 * bench_zk — a 3-server ZooKeeper ensemble (zk_server, default tickTime
 * 2000 ms and snapCount 100000) under steady load: 8 clients (zk_client),
 * each keeping 16 setData requests in flight on its own znode. Reports
 * committed writes per simulated second and simulated seconds per wall
 * second. Wall time is the harness's business, not node code's: this file
 * may read the real clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/wall.h"
#include "broker/zk/zk_client.h"
#include "broker/zk/zk_server.h"
#include "sim/util.h"
#include "sim/world.h"

#define SERVERS 3
#define CLIENTS 8
#define INFLIGHT 16

struct load {
	struct env *env;
	struct zk_client *zk;
	char path[16];
	int inflight;
	bool created;
	struct env_timer timer;
	uint64_t *acked; /* the bench's counter, outside the node's heap */
};

struct load_cfg {
	int k;
	uint64_t *acked;
};

static void fill(struct load *l);

static void set_done(void *arg, const struct zk_client_result *r)
{
	struct load *l = arg;
	l->inflight--;
	if (r->rc == ZOK)
		(*l->acked)++;
	fill(l);
}

static void create_done(void *arg, const struct zk_client_result *r)
{
	struct load *l = arg;
	l->inflight--;
	if (r->rc == ZOK || r->rc == ZNODEEXISTS)
		l->created = true;
}

static void fill(struct load *l)
{
	if (zk_client_state(l->zk) != ZK_CLIENT_CONNECTED)
		return;
	if (!l->created) {
		if (!l->inflight) {
			l->inflight++;
			zk_client_create(l->zk, l->path, "0", 1, 0, create_done, l);
		}
		return;
	}
	while (l->inflight < INFLIGHT) {
		l->inflight++;
		static const char payload[65] =
			"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
		zk_client_set_data(l->zk, l->path, payload, 64, -1, set_done, l);
	}
}

static void load_tick(struct env_timer *t)
{
	struct load *l = t->data;
	fill(l);
	env_timer_start(l->env, &l->timer, 10 * SIM_NS_PER_MS, load_tick);
}

static void *load_start(struct env *env, const void *config)
{
	const struct load_cfg *c = config;
	struct load *l = env_calloc(env, 1, sizeof *l);
	l->env = env;
	l->acked = c->acked;
	snprintf(l->path, sizeof l->path, "/load-%d", c->k);
	struct zk_client_config zc = {"zk-1:2181,zk-2:2181,zk-3:2181", 6000, NULL, NULL};
	l->zk = zk_client_new(env, &zc);
	l->timer.data = l;
	env_timer_start(env, &l->timer, 10 * SIM_NS_PER_MS, load_tick);
	return l;
}

int main(void)
{
	static const struct sim_node_class server_cls = {"zookeeper", zk_server_start};
	static const struct sim_node_class load_cls = {"client", load_start};
	static const char *const names[SERVERS] = {"zk-1", "zk-2", "zk-3"};
	struct zk_server_config cfg[SERVERS];
	struct load_cfg lc[CLIENTS];
	uint64_t acked = 0;
	struct sim_world_config wc;
	sim_world_config_default(&wc, 1);
	struct sim_world *w = sim_world_new(&wc);
	for (int i = 0; i < SERVERS; i++) {
		zk_server_config_default(&cfg[i]);
		cfg[i].my_id = i + 1;
		cfg[i].min_session_timeout_ms = 2 * cfg[i].tick_time_ms;
		cfg[i].max_session_timeout_ms = 20 * cfg[i].tick_time_ms;
		cfg[i].n_members = SERVERS;
		for (int k = 0; k < SERVERS; k++)
			cfg[i].members[k] = (struct zk_server_member){k + 1, names[k]};
		sim_node_start(w, sim_node_add(w, names[i], &server_cls, &cfg[i]));
	}
	for (int k = 0; k < CLIENTS; k++) {
		char name[32];
		snprintf(name, sizeof name, "load-%d", k + 1);
		lc[k] = (struct load_cfg){k, &acked};
		sim_node_start(w, sim_node_add(w, name, &load_cls, &lc[k]));
	}
	/* Warm up (election, sessions), then measure. */
	sim_run_for(w, 5 * SIM_NS_PER_S);
	uint64_t acked0 = acked;
	int64_t sim0 = sim_now(w);
	double t0 = wall_seconds();
	int64_t measure = (getenv("KSIM_UNDER_VALGRIND") ? 2 : 30) * SIM_NS_PER_S;
	sim_run_for(w, measure);
	double wall = wall_seconds() - t0;
	double sim_s = (double)(sim_now(w) - sim0) / 1e9;
	uint64_t writes = acked - acked0;
	printf("bench_zk: 3 servers, %d clients x %d in flight, %.0f simulated s\n", CLIENTS,
	       INFLIGHT, sim_s);
	printf("  committed writes per simulated second: %.0f\n", (double)writes / sim_s);
	printf("  simulated seconds per wall second:     %.1f\n",
	       sim_s / (wall > 0 ? wall : 1e-9));
	sim_world_free(w);
	return writes > 0 ? 0 : 1;
}
