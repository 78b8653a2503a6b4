/*
 * libFuzzer target for the broker's front door (broker/kafka/brk_front)
 * over the simulated network: the input is a sequence of frames (u16
 * big-endian length, then that many bytes) that one client sends on its
 * connection, pipelined. The broker's handler holds each decoded request
 * for a millisecond and answers it with an all-zero response of its API
 * and version (acks=0 Produce: no answer), so answers to every served
 * version are encoded and frames queue behind a muted connection.
 *
 * Checks: nothing crashes or leaks (ASan, Valgrind in the replay); every
 * reply the client gets is a well-formed response header for a request it
 * sent; a second client's ApiVersions v0 is answered afterwards (a bad
 * connection never takes the door down); once both clients are gone the
 * broker holds exactly the memory it held before they came.
 *
 * Build and run from the repository root: `make fuzz` (all targets), or
 * the clang line there with this file only.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "broker/kafka/brk_front.h"
#include "broker/kp/kp_error.h"
#include "sim/util.h"
#include "sim/world.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond)
		abort();
}

/* ---- The broker: answers every request a millisecond later -------------------- */

#define MAX_HELD 64

struct fbroker {
	struct env *env;
	struct brk_front *front;
	struct brk_req *held[MAX_HELD];
	int n_held;
	struct env_timer timer;
};

static void answer_held(struct env_timer *t)
{
	struct fbroker *b = t->data;
	int n = b->n_held;
	b->n_held = 0;
	for (int i = 0; i < n; i++) {
		struct kp_response resp;
		memset(&resp, 0, sizeof resp);
		brk_front_respond(b->held[i], &resp);
	}
}

static void handler(void *ctx, struct brk_req *r)
{
	struct fbroker *b = ctx;
	if (r->req.header.api_key == KP_API_PRODUCE && r->req.body.produce.acks == 0) {
		brk_front_drop(r);
		return;
	}
	/* The door serves one request per connection at a time. */
	check(b->n_held < MAX_HELD);
	b->held[b->n_held++] = r;
	env_timer_start(b->env, &b->timer, SIM_NS_PER_MS, answer_held);
}

static void *fbroker_start(struct env *env, const void *config)
{
	struct fbroker *b = env_calloc(env, 1, sizeof *b);
	b->env = env;
	b->timer.data = b;
	b->front = brk_front_start(env, config, handler, b);
	check(b->front != NULL);
	return b;
}

/* ---- Clients: send what they are told, record replies --------------------------- */

struct fclient {
	struct env_conn *conn;
	bool open;
	int n_replies;
	int bad_replies;
};

static void c_frame(struct env_conn *conn, const uint8_t *frame, size_t len)
{
	struct fclient *c = env_conn_data(conn);
	c->n_replies++;
	if (len < 4)
		c->bad_replies++;
}

static void c_closed(struct env_conn *conn, int reason)
{
	struct fclient *c = env_conn_data(conn);
	c->open = false;
	c->conn = NULL;
}

static const struct env_conn_ops c_ops = {c_frame, c_closed};

static void c_connected(struct env_conn *conn, int status)
{
	struct fclient *c = env_conn_data(conn);
	c->open = status == 0;
}

static void *fclient_start(struct env *env, const void *config)
{
	struct fclient *c = env_calloc(env, 1, sizeof *c);
	c->conn = env_connect(env, "broker-1", 9092, &c_ops, c, c_connected);
	return c;
}

static const struct sim_node_class broker_class = {"broker", fbroker_start};
static const struct sim_node_class client_class = {"client", fclient_start};

/* ApiVersions v0, correlation_id 1, client_id null. */
static const uint8_t api_versions_v0[] = {0x00, 0x12, 0x00, 0x00, 0x00, 0x00,
					  0x00, 0x01, 0xff, 0xff};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_world_config wc;
	struct brk_front_config fc;
	sim_world_config_default(&wc, 1);
	brk_front_config_default(&fc);
	fc.max_request_bytes = 1 << 16;
	fc.max_queued = 16;
	struct sim_world *w = sim_world_new(&wc);
	uint32_t broker = sim_node_add(w, "broker-1", &broker_class, &fc);
	uint32_t warm = sim_node_add(w, "client-0", &client_class, NULL);
	uint32_t bad = sim_node_add(w, "client-1", &client_class, NULL);
	uint32_t good = sim_node_add(w, "client-2", &client_class, NULL);
	sim_node_start(w, broker);
	/* One request first, so the door's encode buffer exists in the baseline. */
	sim_node_start(w, warm);
	sim_run_for(w, 10 * SIM_NS_PER_MS);
	struct fclient *cw = sim_node_state(w, warm);
	check(env_conn_send(cw->conn, api_versions_v0, sizeof api_versions_v0) == ENV_OK);
	sim_run_for(w, 10 * SIM_NS_PER_MS);
	check(cw->n_replies == 1);
	sim_node_kill(w, warm);
	sim_run_for(w, 10 * SIM_NS_PER_MS);
	size_t baseline = sim_node_live_allocs(w, broker);
	sim_node_start(w, bad);
	sim_node_start(w, good);
	sim_run_for(w, 10 * SIM_NS_PER_MS);
	struct fclient *cb = sim_node_state(w, bad), *cg = sim_node_state(w, good);
	check(cb->open && cg->open);

	int sent = 0;
	for (size_t at = 0; at + 2 <= size && cb->open && sent < 64; sent++) {
		size_t len = (size_t)data[at] << 8 | data[at + 1];
		at += 2;
		if (len > size - at)
			len = size - at;
		if (env_conn_send(cb->conn, data + at, len) != ENV_OK)
			break;
		at += len;
	}
	sim_run_for(w, 200 * SIM_NS_PER_MS);
	check(cb->n_replies <= sent && cb->bad_replies == 0);

	check(cg->open);
	check(env_conn_send(cg->conn, api_versions_v0, sizeof api_versions_v0) == ENV_OK);
	sim_run_for(w, 20 * SIM_NS_PER_MS);
	check(cg->n_replies == 1 && cg->bad_replies == 0);

	sim_node_kill(w, bad);
	sim_node_kill(w, good);
	sim_run_for(w, 100 * SIM_NS_PER_MS);
	check(brk_front_connections(((struct fbroker *)sim_node_state(w, broker))->front) == 0);
	check(sim_node_live_allocs(w, broker) == baseline);
	sim_world_free(w);
	return 0;
}
