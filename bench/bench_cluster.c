/*
 * bench_cluster — the reference cluster: 3 ZooKeeper servers, 3 brokers,
 * one topic of 6 partitions with replication factor 3, two idempotent
 * acks=all producers at 1000 messages/s each, one consumer, no faults
 * (bench/reference-cluster.yaml). Two figures:
 *  - the simulation alone: the nodes built directly, outcomes counted in
 *    memory (what the simulator itself costs);
 *  - a whole `ksim run` of the same scenario: history written, read back
 *    and checked, report written (what a user waits for).
 * Each prints simulated seconds per wall second (floor: 200x real time on
 * one core) and acknowledged messages per wall second. The simulation runs
 * BENCH_RUNS times (5): a shared machine's wall clock wanders by half
 * between runs (page zeroing, neighbours), so the median, the best and the
 * CPU time per run are printed. Wall time is the harness's business, not
 * node code's: this file may read the real clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/client/kc_admin.h"
#include "broker/client/kc_workload.h"
#include "broker/kafka/brk_broker.h"
#include "broker/zk/zk_server.h"
#include "harness/run.h"
#include "harness/scn.h"
#include "harness/wall.h"
#include "sim/util.h"
#include "sim/world.h"

#define NZ 3
#define NB 3
#define NP 2

static const struct sim_node_class zk_class = {"zookeeper", zk_server_start};
static const struct sim_node_class broker_class = {"broker", brk_start};
static const struct sim_node_class producer_class = {"producer", kw_producer_start};
static const struct sim_node_class consumer_class = {"consumer", kw_consumer_start};
static const struct sim_node_class admin_class = {"admin", kc_admin_start};

struct counts {
	uint64_t acked, polled;
};

static void on_send_invoke(void *ctx, int64_t t, const char *process, const char *topic,
			   const char *key, const char *value)
{
}

static void on_send_done(void *ctx, int64_t t, const char *process, const char *topic,
			 int32_t partition, const char *key, const char *value, int64_t offset,
			 enum kc_send_outcome outcome, const char *error)
{
	struct counts *c = ctx;
	c->acked += outcome == KC_SEND_OK;
}

static void on_poll(void *ctx, int64_t t, const char *process, const char *topic,
		    int32_t partition, const struct kc_record_view *recs, size_t n, int64_t hw,
		    bool final)
{
	struct counts *c = ctx;
	c->polled += n;
}

static const char *const zk_names[NZ] = {"zk-1", "zk-2", "zk-3"};
static const char *const broker_names[NB] = {"broker-1", "broker-2", "broker-3"};

static void bootstrap(struct kc_cluster_config *c)
{
	for (int i = 0; i < NB; i++)
		c->bootstrap[i] = broker_names[i];
	c->n_bootstrap = NB;
}

/* The cluster alone: returns wall seconds for `seconds` simulated, and the
 * CPU seconds in *cpu. */
static double simulate(int seconds, struct counts *counts, uint64_t *events, double *cpu)
{
	struct sim_world_config wc;
	sim_world_config_default(&wc, 1);
	struct sim_world *w = sim_world_new(&wc);
	struct zk_server_config zc[NZ];
	struct brk_config bc[NB];
	struct kw_producer_config pc[NP];
	struct kw_consumer_config cc;
	struct kc_admin_config ac;
	struct kw_observer obs = {
		.ctx = counts, .send_invoke = on_send_invoke, .send_done = on_send_done, .poll = on_poll};
	static const char *const keys[] = {"min.insync.replicas"};
	static const char *const values[] = {"2"};
	struct kc_admin_topic topic = {"orders", 6, 3, keys, values, 1};
	for (int i = 0; i < NZ; i++) {
		zk_server_config_default(&zc[i]);
		zc[i].my_id = i + 1;
		zc[i].n_members = NZ;
		for (int k = 0; k < NZ; k++)
			zc[i].members[k] = (struct zk_server_member){k + 1, zk_names[k]};
		sim_node_start(w, sim_node_add(w, zk_names[i], &zk_class, &zc[i]));
	}
	for (int i = 0; i < NB; i++) {
		brk_config_default(&bc[i]);
		bc[i].broker_id = i + 1;
		bc[i].min_insync_replicas = 2;
		for (int k = 0; k < NZ; k++)
			snprintf(bc[i].zk_servers[k], sizeof bc[i].zk_servers[k], "%s", zk_names[k]);
		bc[i].n_zk_servers = NZ;
		sim_node_start(w, sim_node_add(w, broker_names[i], &broker_class, &bc[i]));
	}
	kc_admin_config_default(&ac);
	bootstrap(&ac.cluster);
	ac.topics = &topic;
	ac.n_topics = 1;
	sim_node_start(w, sim_node_add(w, "admin", &admin_class, &ac));
	for (int i = 0; i < NP; i++) {
		char name[32];
		snprintf(name, sizeof name, "producer-%d", i + 1);
		memset(&pc[i], 0, sizeof pc[i]);
		kc_producer_config_default(&pc[i].client);
		bootstrap(&pc[i].client.cluster);
		pc[i].client.acks = -1;
		pc[i].client.idempotence = true;
		pc[i].client.linger_ns = 5 * SIM_NS_PER_MS;
		pc[i].topic = "orders";
		pc[i].rate_num = 1000;
		pc[i].rate_den = 1;
		pc[i].keys = 64;
		pc[i].observer = &obs;
		sim_node_start(w, sim_node_add(w, name, &producer_class, &pc[i]));
	}
	memset(&cc, 0, sizeof cc);
	kc_consumer_config_default(&cc.client);
	bootstrap(&cc.client.cluster);
	cc.client.reset_earliest = true;
	cc.topic = "orders";
	cc.observer = &obs;
	sim_node_start(w, sim_node_add(w, "consumer-1", &consumer_class, &cc));
	double t0 = wall_seconds(), c0 = cpu_seconds();
	sim_run_until(w, (int64_t)seconds * SIM_NS_PER_S);
	double wall = wall_seconds() - t0;
	*cpu = cpu_seconds() - c0;
	*events = sim_events_fired(w);
	sim_world_free(w);
	return wall;
}

static int whole_run(const char *path)
{
	struct scn_scenario *s;
	struct scn_error err;
	if (scn_load_file(path, &s, &err)) {
		fprintf(stderr, "%s:%d:%d: %s\n", path, err.line, err.column, err.message);
		return 2;
	}
	struct run_result res;
	struct run_options opt = {.out_dir = "build/bench/reference-cluster", .quiet = true,
				  .no_plots = true, .result = &res};
	FILE *devnull = fopen("/dev/null", "w");
	int rc = run_scenario(s, &opt, devnull ? devnull : stdout, stderr);
	if (devnull)
		fclose(devnull);
	scn_free(s);
	if (rc) {
		fprintf(stderr, "bench_cluster: the reference run failed (exit %d): %s\n", rc,
			res.failed);
		return 1;
	}
	double sim_s = (double)res.sim_ns / 1e9;
	printf("cluster, whole ksim run: %.1f simulated s in %.2f wall s: %.0fx real time; "
	       "%.0f acked messages/wall s (%llu acked of %llu sent)\n",
	       sim_s, res.wall_s, sim_s / res.wall_s, (double)res.acked / res.wall_s,
	       (unsigned long long)res.acked, (unsigned long long)res.sends);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	/* BENCH_SECONDS shortens the simulation (for profiling), BENCH_RUNS
	 * sets how many times it runs; BENCH_SIM_ONLY skips the whole run. */
	int seconds = getenv("BENCH_SECONDS") ? atoi(getenv("BENCH_SECONDS")) : 60;
	if (seconds <= 0)
		seconds = 60;
	int runs = getenv("BENCH_RUNS") ? atoi(getenv("BENCH_RUNS")) : 5;
	if (runs <= 0 || runs > 100)
		runs = 5;
	double walls[100], cpus[100];
	struct counts counts = {0};
	uint64_t events = 0;
	for (int i = 0; i < runs; i++) {
		counts = (struct counts){0};
		walls[i] = simulate(seconds, &counts, &events, &cpus[i]);
	}
	/* Every run is the same run (same seed): the counts agree. */
	qsort(walls, (size_t)runs, sizeof walls[0], cmp_double);
	qsort(cpus, (size_t)runs, sizeof cpus[0], cmp_double);
	double wall = walls[runs / 2], cpu = cpus[runs / 2];
	printf("cluster, simulation alone: %d simulated s in %.2f wall s (median of %d runs): "
	       "%.0fx real time (floor 200x; best %.0fx, worst %.0fx; %.0fx per CPU second); "
	       "%.0f acked messages/wall s (%llu acked, %llu polled); %.2f M events/wall s\n",
	       seconds, wall, runs, seconds / wall, seconds / walls[0], seconds / walls[runs - 1],
	       seconds / cpu, (double)counts.acked / wall, (unsigned long long)counts.acked,
	       (unsigned long long)counts.polled, (double)events / wall / 1e6);
	if (getenv("BENCH_SIM_ONLY"))
		return 0;
	return whole_run(argc > 1 ? argv[1] : "bench/reference-cluster.yaml");
}
