/*
 * bench_sim — how fast the simulated world itself runs, so that it is never
 * what limits a broker run:
 *   (a) timer events per wall second through the scheduler (1,000 armed
 *       timers re-arming themselves with random delays);
 *   (b) 1 KiB frames per wall second on a two-node ping-pong through the
 *       simulated network (16 frames in flight each way).
 * Wall time is the harness's business, not node code's: this file may read
 * the real clock.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness/wall.h"
#include "sim/env.h"
#include "sim/net.h"
#include "sim/util.h"
#include "sim/world.h"

/* ---- (a) timers ------------------------------------------------------------ */

#define TIMERS 1000

struct timer_node {
	struct env *env;
	struct env_timer timers[TIMERS];
	uint64_t fired;
};

static void timer_cb(struct env_timer *t)
{
	struct timer_node *n = t->data;
	n->fired++;
	env_timer_start(n->env, t, env_random_range(n->env, 1000, 1000000), timer_cb);
}

static void *timer_start(struct env *env, const void *config)
{
	struct timer_node *n = env_calloc(env, 1, sizeof *n);
	n->env = env;
	for (int i = 0; i < TIMERS; i++) {
		n->timers[i].data = n;
		env_timer_start(env, &n->timers[i], env_random_range(env, 0, 1000000), timer_cb);
	}
	return n;
}

static void bench_timers(void)
{
	static const struct sim_node_class cls = {"bench", timer_start};
	struct sim_world_config wc;
	sim_world_config_default(&wc, 1);
	struct sim_world *w = sim_world_new(&wc);
	uint32_t id = sim_node_add(w, "timers", &cls, NULL);
	sim_node_start(w, id);
	double t0 = wall_seconds();
	sim_run_until(w, 20 * SIM_NS_PER_S);
	double dt = wall_seconds() - t0;
	uint64_t fired = ((struct timer_node *)sim_node_state(w, id))->fired;
	printf("sim timers:  %" PRIu64 " timer events in %.3f s wall = %.2f M events/s"
	       " (target >= 10 M/s)\n", fired, dt, (double)fired / dt / 1e6);
	sim_world_free(w);
}

/* ---- (b) ping-pong --------------------------------------------------------- */

#define FRAME_BYTES 1024
#define WINDOW 16

struct pp_node {
	struct env *env;
	struct env_conn *conn;
	uint8_t frame[FRAME_BYTES];
	uint64_t received;
	bool initiator;
};

static void pp_frame(struct env_conn *conn, const uint8_t *frame, size_t len)
{
	struct pp_node *n = env_conn_data(conn);
	n->received++;
	env_conn_send(conn, frame, len); /* echo: keeps WINDOW frames in flight */
}

static void pp_closed(struct env_conn *conn, int reason)
{
	fprintf(stderr, "bench: connection closed: %s\n", env_status_name(reason));
	exit(1);
}

static const struct env_conn_ops pp_ops = {pp_frame, pp_closed};

static void pp_connected(struct env_conn *conn, int status)
{
	struct pp_node *n = env_conn_data(conn);
	if (status) {
		fprintf(stderr, "bench: connect failed: %s\n", env_status_name(status));
		exit(1);
	}
	for (int i = 0; i < WINDOW; i++)
		env_conn_send(conn, n->frame, sizeof n->frame);
}

static void pp_accept(void *arg, struct env_conn *conn)
{
	env_conn_set_ops(conn, &pp_ops, arg);
}

static void *pp_start(struct env *env, const void *config)
{
	struct pp_node *n = env_calloc(env, 1, sizeof *n);
	n->env = env;
	n->initiator = config != NULL;
	env_listen(env, 9092, pp_accept, n);
	if (n->initiator)
		n->conn = env_connect(env, "pong", 9092, &pp_ops, n, pp_connected);
	return n;
}

static void bench_pingpong(void)
{
	static const struct sim_node_class cls = {"bench", pp_start};
	struct sim_world_config wc;
	sim_world_config_default(&wc, 1);
	struct sim_world *w = sim_world_new(&wc);
	uint32_t pong = sim_node_add(w, "pong", &cls, NULL);
	uint32_t ping = sim_node_add(w, "ping", &cls, "initiator");
	sim_node_start(w, pong);
	sim_node_start(w, ping);
	double t0 = wall_seconds();
	sim_run_until(w, 200 * SIM_NS_PER_S);
	double dt = wall_seconds() - t0;
	uint64_t frames = sim_net_frames_delivered(sim_world_net(w));
	printf("sim network: %" PRIu64 " 1 KiB frames in %.3f s wall = %.2f M frames/s"
	       " (target >= 2 M/s)\n", frames, dt, (double)frames / dt / 1e6);
	sim_world_free(w);
}

int main(void)
{
	printf("bench_sim (make bench):\n");
	bench_timers();
	bench_pingpong();
	return 0;
}
