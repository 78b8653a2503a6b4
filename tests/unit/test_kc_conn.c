/*
 * A client connection to a broker (broker/client/kc_conn) against the real
 * front door (broker/kafka/brk_front) over the simulated network: matching
 * answers to requests, request timeouts dropping the connection, failures
 * on crashes and refused connects, and closing from inside a callback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "broker/client/kc_conn.h"
#include "broker/kafka/brk_front.h"
#include "sim/util.h"
#include "sim/world.h"

#define MS SIM_NS_PER_MS

/* ---- Broker: answers Metadata after `delay_ns`, drops Produce ------------- */

struct held {
	struct held *next;
	struct brk_req *r;
	struct env_timer timer;
	struct tbroker *b;
};

struct tbroker {
	struct env *env;
	struct brk_front *front;
	int64_t delay_ns;
	int32_t answered;
};

static void answer(struct brk_req *r, struct tbroker *b)
{
	struct kp_response resp;
	memset(&resp, 0, sizeof resp);
	resp.body.metadata.controller_id = 100 + b->answered++;
	brk_front_respond(r, &resp);
}

static void held_fire(struct env_timer *t)
{
	struct held *h = t->data;
	struct tbroker *b = h->b;
	answer(h->r, b);
	env_free(b->env, h);
}

static void handler(void *ctx, struct brk_req *r)
{
	struct tbroker *b = ctx;
	if (r->req.header.api_key == KP_API_PRODUCE) {
		brk_front_drop(r);
		return;
	}
	if (!b->delay_ns) {
		answer(r, b);
		return;
	}
	struct held *h = env_calloc(b->env, 1, sizeof *h);
	h->r = r;
	h->b = b;
	h->timer.data = h;
	env_timer_start(b->env, &h->timer, b->delay_ns, held_fire);
}

static void *tbroker_start(struct env *env, const void *config)
{
	struct tbroker *b = env_calloc(env, 1, sizeof *b);
	struct brk_front_config cfg;
	brk_front_config_default(&cfg);
	b->env = env;
	b->front = brk_front_start(env, &cfg, handler, b);
	return b;
}

/* ---- Client: records states and answers ------------------------------------ */

#define MAX_EVENTS 16

struct tclient {
	struct env *env;
	struct kc_conn *conn;
	struct kc_conn_config cfg;
	int states[MAX_EVENTS], state_status[MAX_EVENTS], n_states;
	int statuses[MAX_EVENTS];
	int32_t controller_ids[MAX_EVENTS];
	int32_t correlations[MAX_EVENTS];
	int n_answers;
	bool close_on_failure;
};

static void on_state(void *arg, struct kc_conn *c, enum kc_state state, int status)
{
	struct tclient *t = arg;
	assert_true(t->n_states < MAX_EVENTS);
	t->states[t->n_states] = state;
	t->state_status[t->n_states++] = status;
	if (state == KC_DOWN)
		t->conn = NULL;
}

static void on_answer(void *arg, int status, const struct kp_response *resp)
{
	struct tclient *t = arg;
	assert_true(t->n_answers < MAX_EVENTS);
	t->statuses[t->n_answers] = status;
	t->controller_ids[t->n_answers] = resp ? resp->body.metadata.controller_id : -1;
	t->correlations[t->n_answers++] = resp ? resp->correlation_id : -1;
	if (status != KC_OK && t->close_on_failure && t->conn) {
		kc_conn_close(t->conn); /* allowed from inside a failure callback */
		t->conn = NULL;
	}
}

static void *tclient_start(struct env *env, const void *config)
{
	struct tclient *t = env_calloc(env, 1, sizeof *t);
	t->env = env;
	kc_conn_config_default(&t->cfg);
	t->cfg.request_timeout_ns = 100 * MS;
	t->conn = kc_conn_open(env, "broker-1", 9092, &t->cfg, on_state, t);
	return t;
}

static const struct sim_node_class broker_class = {"broker", tbroker_start};
static const struct sim_node_class client_class = {"client", tclient_start};

struct fx {
	struct sim_world *w;
	uint32_t broker, client;
};

static int setup(void **state)
{
	struct fx *fx = test_calloc(1, sizeof *fx);
	struct sim_world_config wc;
	sim_world_config_default(&wc, 9);
	fx->w = sim_world_new(&wc);
	fx->broker = sim_node_add(fx->w, "broker-1", &broker_class, NULL);
	fx->client = sim_node_add(fx->w, "client-1", &client_class, NULL);
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

static struct tclient *client(struct fx *fx)
{
	return sim_node_state(fx->w, fx->client);
}

static void send_metadata(struct tclient *t, int want)
{
	struct kp_request req;
	memset(&req, 0, sizeof req);
	req.header.api_key = KP_API_METADATA;
	req.header.api_version = 4;
	req.body.metadata.topic_count = -1;
	assert_int_equal(kc_conn_send(t->conn, &req, true, on_answer, t), want);
}

static void start(struct fx *fx)
{
	sim_node_start(fx->w, fx->broker);
	sim_node_start(fx->w, fx->client);
}

static void test_requests_matched_in_order(void **state)
{
	struct fx *fx = *state;
	start(fx);
	struct tclient *t = client(fx);
	send_metadata(t, KC_ENOTREADY); /* not connected yet */
	sim_run_for(fx->w, 20 * MS);
	assert_int_equal(t->n_states, 1);
	assert_int_equal(t->states[0], KC_READY);
	send_metadata(t, KC_OK);
	/* An acks=0 produce in between expects nothing back. */
	struct kp_request produce;
	memset(&produce, 0, sizeof produce);
	produce.header.api_key = KP_API_PRODUCE;
	produce.header.api_version = 7;
	produce.body.produce.transactional_id = (struct kp_str){NULL, -1};
	assert_int_equal(kc_conn_send(t->conn, &produce, false, NULL, NULL), KC_OK);
	send_metadata(t, KC_OK);
	assert_int_equal(kc_conn_in_flight(t->conn), 2);
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(t->n_answers, 2);
	assert_int_equal(t->statuses[0], KC_OK);
	assert_int_equal(t->correlations[0], 1);
	assert_int_equal(t->correlations[1], 3);
	assert_int_equal(t->controller_ids[0], 100);
	assert_int_equal(t->controller_ids[1], 101);
	assert_int_equal(kc_conn_in_flight(t->conn), 0);
	assert_string_equal(kc_conn_host(t->conn), "broker-1");
}

static void test_timeout_drops_the_connection(void **state)
{
	struct fx *fx = *state;
	start(fx);
	struct tclient *t = client(fx);
	sim_run_for(fx->w, 20 * MS);
	((struct tbroker *)sim_node_state(fx->w, fx->broker))->delay_ns = 300 * MS;
	int64_t sent = sim_now(fx->w);
	send_metadata(t, KC_OK);
	sim_run_for(fx->w, 30 * MS);
	send_metadata(t, KC_OK);
	sim_run_for(fx->w, 99 * MS - 30 * MS);
	assert_int_equal(t->n_answers, 0);
	sim_run_until(fx->w, sent + 100 * MS);
	/* Exactly request.timeout.ms after the first send. */
	assert_int_equal(t->n_answers, 2);
	assert_int_equal(t->statuses[0], KC_ETIMEDOUT);
	assert_int_equal(t->statuses[1], KC_EDISCONNECTED);
	assert_int_equal(t->states[1], KC_DOWN);
	assert_int_equal(t->state_status[1], KC_ETIMEDOUT);
	assert_null(t->conn);
	/* The broker's late answers go nowhere. */
	sim_run_for(fx->w, 1000 * MS);
	assert_int_equal(t->n_answers, 2);
}

/* The timeout timer is not re-armed per answer: it wakes at an answered
 * request's old deadline and must then wait for the next request's own. */
static void test_timeout_counts_from_each_request(void **state)
{
	struct fx *fx = *state;
	start(fx);
	struct tclient *t = client(fx);
	sim_run_for(fx->w, 20 * MS);
	send_metadata(t, KC_OK); /* answered at once */
	sim_run_for(fx->w, 60 * MS);
	assert_int_equal(t->n_answers, 1);
	assert_int_equal(t->statuses[0], KC_OK);
	((struct tbroker *)sim_node_state(fx->w, fx->broker))->delay_ns = 300 * MS;
	int64_t sent = sim_now(fx->w);
	send_metadata(t, KC_OK);
	/* Past the first request's deadline, before the second's: alive. */
	sim_run_until(fx->w, sent + 99 * MS);
	assert_int_equal(t->n_answers, 1);
	assert_non_null(t->conn);
	sim_run_until(fx->w, sent + 100 * MS);
	assert_int_equal(t->n_answers, 2);
	assert_int_equal(t->statuses[1], KC_ETIMEDOUT);
	assert_null(t->conn);
}

/* Answers that keep coming before their deadlines never time out, however
 * long the connection lives. */
static void test_no_timeout_while_answered(void **state)
{
	struct fx *fx = *state;
	start(fx);
	struct tclient *t = client(fx);
	sim_run_for(fx->w, 20 * MS);
	((struct tbroker *)sim_node_state(fx->w, fx->broker))->delay_ns = 60 * MS;
	for (int i = 0; i < 12; i++) {
		send_metadata(t, KC_OK);
		sim_run_for(fx->w, 70 * MS);
	}
	assert_int_equal(t->n_answers, 12);
	for (int i = 0; i < 12; i++)
		assert_int_equal(t->statuses[i], KC_OK);
	assert_non_null(t->conn);
	assert_int_equal(kc_conn_in_flight(t->conn), 0);
}

static void test_broker_crash_fails_pending(void **state)
{
	struct fx *fx = *state;
	start(fx);
	struct tclient *t = client(fx);
	sim_run_for(fx->w, 20 * MS);
	((struct tbroker *)sim_node_state(fx->w, fx->broker))->delay_ns = 50 * MS;
	send_metadata(t, KC_OK);
	sim_run_for(fx->w, 10 * MS);
	sim_node_kill(fx->w, fx->broker);
	sim_run_for(fx->w, 20 * MS);
	assert_int_equal(t->n_answers, 1);
	assert_int_equal(t->statuses[0], KC_EDISCONNECTED);
	assert_int_equal(t->states[1], KC_DOWN);
	assert_int_equal(t->state_status[1], ENV_ECONNRESET);
}

static void test_connect_failures(void **state)
{
	struct fx *fx = *state;
	/* The broker's process is not running: refused. */
	sim_node_start(fx->w, fx->client);
	sim_run_for(fx->w, 20 * MS);
	struct tclient *t = client(fx);
	assert_int_equal(t->n_states, 1);
	assert_int_equal(t->states[0], KC_DOWN);
	assert_int_equal(t->state_status[0], ENV_ECONNREFUSED);
	/* The broker's machine is off: the connect times out. */
	sim_node_start(fx->w, fx->broker);
	sim_node_power_loss(fx->w, fx->broker);
	sim_node_restart(fx->w, fx->client);
	sim_run_for(fx->w, 10 * SIM_NS_PER_S);
	t = client(fx);
	assert_int_equal(t->states[0], KC_DOWN);
	assert_int_equal(t->state_status[0], ENV_ETIMEDOUT);
}

static void test_close_from_failure_callback(void **state)
{
	struct fx *fx = *state;
	start(fx);
	struct tclient *t = client(fx);
	sim_run_for(fx->w, 20 * MS);
	t->close_on_failure = true;
	((struct tbroker *)sim_node_state(fx->w, fx->broker))->delay_ns = 500 * MS;
	send_metadata(t, KC_OK);
	send_metadata(t, KC_OK);
	sim_run_for(fx->w, 200 * MS);
	/* The first failure closed the connection: the second callback still
	 * ran (as disconnected), no KC_DOWN was reported, nothing leaked. */
	assert_int_equal(t->n_answers, 2);
	assert_int_equal(t->statuses[0], KC_ETIMEDOUT);
	assert_int_equal(t->statuses[1], KC_EDISCONNECTED);
	assert_int_equal(t->n_states, 1);
	assert_int_equal(sim_node_live_allocs(fx->w, fx->client), 1); /* the client itself */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_requests_matched_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_drops_the_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_counts_from_each_request, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_timeout_while_answered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broker_crash_fails_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_from_failure_callback, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
