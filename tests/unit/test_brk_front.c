/*
 * The broker's front door over the simulated network: ApiVersions answered
 * at the door, requests served one at a time per connection and answered in
 * order, malformed frames closing only their own connection, bounded queues,
 * clients leaving mid-request, and a crash freeing everything.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "broker/kafka/brk_front.h"
#include "broker/kp/kp_error.h"
#include "broker/kp/kp_message.h"
#include "sim/util.h"
#include "sim/world.h"

/* ---- A broker node whose handler answers Metadata after a delay ------------- */

#define MAX_HELD 16

struct tbroker {
	struct env *env;
	struct brk_front *front;
	struct brk_front_config cfg;
	struct brk_req *held[MAX_HELD];
	int n_held;
	struct env_timer timer;
	int64_t delay_ns;
	int32_t last_topic_count; /* of the last Metadata request handled */
};

static void answer_held(struct env_timer *t)
{
	struct tbroker *b = t->data;
	for (int i = 0; i < b->n_held; i++) {
		struct kp_response resp;
		memset(&resp, 0, sizeof resp);
		resp.body.metadata.controller_id = 7;
		brk_front_respond(b->held[i], &resp);
	}
	b->n_held = 0;
}

static void handler(void *ctx, struct brk_req *r)
{
	struct tbroker *b = ctx;
	if (r->req.header.api_key == KP_API_PRODUCE) {
		brk_front_drop(r); /* as acks=0: no answer */
		return;
	}
	if (r->req.header.api_key == KP_API_OFFSET_FETCH) {
		/* A group-level error, written once for every version. */
		struct kp_response resp;
		memset(&resp, 0, sizeof resp);
		resp.body.offset_fetch.error_code = KP_ERR_NOT_COORDINATOR;
		brk_front_respond(r, &resp);
		return;
	}
	assert_int_equal(r->req.header.api_key, KP_API_METADATA);
	b->last_topic_count = r->req.body.metadata.topic_count;
	if (b->delay_ns == 0) {
		struct kp_response resp;
		memset(&resp, 0, sizeof resp);
		resp.body.metadata.controller_id = 7;
		brk_front_respond(r, &resp);
		return;
	}
	assert_true(b->n_held < MAX_HELD);
	b->held[b->n_held++] = r;
	env_timer_start(b->env, &b->timer, b->delay_ns, answer_held);
}

static void *tbroker_start(struct env *env, const void *config)
{
	const struct brk_front_config *cfg = config;
	struct tbroker *b = env_calloc(env, 1, sizeof *b);
	b->env = env;
	b->timer.data = b;
	b->front = brk_front_start(env, cfg, handler, b);
	return b;
}

/* ---- A raw client: sends the frames it is told to, records replies ---------- */

#define MAX_REPLIES 32

struct tclient {
	struct env *env;
	struct env_conn *conn;
	bool open;
	int closed_reason; /* 0 while open */
	uint8_t replies[MAX_REPLIES][256];
	size_t reply_len[MAX_REPLIES];
	int n_replies;
};

static void c_frame(struct env_conn *conn, const uint8_t *frame, size_t len)
{
	struct tclient *c = env_conn_data(conn);
	assert_true(c->n_replies < MAX_REPLIES && len <= 256);
	memcpy(c->replies[c->n_replies], frame, len);
	c->reply_len[c->n_replies++] = len;
}

static void c_closed(struct env_conn *conn, int reason)
{
	struct tclient *c = env_conn_data(conn);
	c->open = false;
	c->conn = NULL;
	c->closed_reason = reason;
}

static const struct env_conn_ops c_ops = {c_frame, c_closed};

static void c_connected(struct env_conn *conn, int status)
{
	struct tclient *c = env_conn_data(conn);
	assert_int_equal(status, 0);
	c->open = true;
}

static void *tclient_start(struct env *env, const void *config)
{
	struct tclient *c = env_calloc(env, 1, sizeof *c);
	c->env = env;
	c->conn = env_connect(env, "broker-1", 9092, &c_ops, c, c_connected);
	return c;
}

static const struct sim_node_class broker_class = {"broker", tbroker_start};
static const struct sim_node_class client_class = {"client", tclient_start};

struct fx {
	struct sim_world *w;
	struct brk_front_config cfg;
	uint32_t broker;
	uint32_t clients[2];
};

static int setup(void **state)
{
	struct fx *fx = test_calloc(1, sizeof *fx);
	struct sim_world_config wc;
	sim_world_config_default(&wc, 5);
	fx->w = sim_world_new(&wc);
	brk_front_config_default(&fx->cfg);
	fx->broker = sim_node_add(fx->w, "broker-1", &broker_class, &fx->cfg);
	fx->clients[0] = sim_node_add(fx->w, "client-1", &client_class, NULL);
	fx->clients[1] = sim_node_add(fx->w, "client-2", &client_class, NULL);
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

static void start_all(struct fx *fx)
{
	sim_node_start(fx->w, fx->broker);
	sim_node_start(fx->w, fx->clients[0]);
	sim_node_start(fx->w, fx->clients[1]);
	sim_run_for(fx->w, 50 * SIM_NS_PER_MS);
}

static struct tclient *client(struct fx *fx, int i)
{
	return sim_node_state(fx->w, fx->clients[i]);
}

static struct tbroker *broker(struct fx *fx)
{
	return sim_node_state(fx->w, fx->broker);
}

static void send_encoded_request(struct tclient *c, const struct kp_request *req)
{
	uint8_t buf[256];
	struct wire_writer w;
	wire_writer_init(&w, buf, sizeof buf);
	kp_encode_request(&w, req);
	assert_int_equal(w.err, 0);
	assert_int_equal(env_conn_send(c->conn, buf, w.len), ENV_OK);
}

static void send_request(struct tclient *c, int16_t api, int16_t version, int32_t corr)
{
	struct kp_request req;
	memset(&req, 0, sizeof req);
	req.header.api_key = api;
	req.header.api_version = version;
	req.header.correlation_id = corr;
	req.header.client_id = (struct kp_str){"test", 4};
	if (api == KP_API_API_VERSIONS && version >= 3) {
		req.body.api_versions.client_software_name = (struct kp_str){"ksim", 4};
		req.body.api_versions.client_software_version = (struct kp_str){"0.1", 3};
	} else if (api == KP_API_METADATA) {
		req.body.metadata.topic_count = -1;
	}
	uint8_t buf[256];
	struct wire_writer w;
	wire_writer_init(&w, buf, sizeof buf);
	if (!kp_api_supported(api, version)) {
		/* The codec refuses to write versions it does not speak; write
		 * the header by hand, as a newer client would. */
		wire_put_i16(&w, api);
		wire_put_i16(&w, version);
		wire_put_i32(&w, corr);
		wire_put_i16(&w, -1);
		wire_put_u8(&w, 0);
	} else {
		kp_encode_request(&w, &req);
	}
	assert_int_equal(w.err, 0);
	assert_int_equal(env_conn_send(c->conn, buf, w.len), ENV_OK);
}

static int32_t reply_correlation(struct tclient *c, int i)
{
	struct wire_reader r;
	wire_reader_init(&r, c->replies[i], c->reply_len[i]);
	return wire_get_i32(&r);
}

static void test_api_versions_answered_at_the_door(void **state)
{
	struct fx *fx = *state;
	start_all(fx);
	struct tclient *c = client(fx, 0);
	assert_true(c->open);
	send_request(c, KP_API_API_VERSIONS, 3, 41);
	sim_run_for(fx->w, 50 * SIM_NS_PER_MS);
	assert_int_equal(c->n_replies, 1);
	uint8_t arena[4096];
	struct kp_arena a;
	kp_arena_init(&a, arena, sizeof arena);
	struct kp_response resp;
	assert_int_equal(kp_decode_response(c->replies[0], c->reply_len[0], KP_API_API_VERSIONS,
					    3, &a, &resp),
			 0);
	assert_int_equal(resp.correlation_id, 41);
	assert_int_equal(resp.api_version, 3);
	assert_int_equal(resp.body.api_versions.error_code, 0);
	size_t n;
	const struct kp_api_version_range *adv = brk_front_advertised(&n);
	assert_int_equal(resp.body.api_versions.api_key_count, (int32_t)n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(resp.body.api_versions.api_keys[i].api_key, adv[i].api_key);
		assert_int_equal(resp.body.api_versions.api_keys[i].max_version,
				 adv[i].max_version);
	}
	/* ApiVersions never reaches the broker's handler. */
	assert_int_equal(brk_front_stats(broker(fx)->front)->requests, 0);

	/* A version past 3: UNSUPPORTED_VERSION at v0, and the client retries. */
	send_request(c, KP_API_API_VERSIONS, 4, 42);
	sim_run_for(fx->w, 50 * SIM_NS_PER_MS);
	assert_int_equal(c->n_replies, 2);
	kp_arena_init(&a, arena, sizeof arena);
	assert_int_equal(kp_decode_response(c->replies[1], c->reply_len[1], KP_API_API_VERSIONS,
					    3, &a, &resp),
			 0);
	assert_int_equal(resp.api_version, 0);
	assert_int_equal(resp.body.api_versions.error_code, KP_ERR_UNSUPPORTED_VERSION);
	/* As Kafka's ApiVersionsRequest.getErrorResponse: only ApiVersions'
	 * own range, which is all librdkafka reads to pick its retry. */
	assert_int_equal(resp.body.api_versions.api_key_count, 1);
	assert_int_equal(resp.body.api_versions.api_keys[0].api_key, KP_API_API_VERSIONS);
	assert_int_equal(resp.body.api_versions.api_keys[0].max_version, 3);
	assert_true(c->open);

	/* The retry at v2 and then v0 (kafkajs's order) is answered in full. */
	for (int16_t v = 2; v >= 0; v -= 2) {
		send_request(c, KP_API_API_VERSIONS, v, 43 + v);
		sim_run_for(fx->w, 50 * SIM_NS_PER_MS);
		int i = c->n_replies - 1;
		kp_arena_init(&a, arena, sizeof arena);
		assert_int_equal(kp_decode_response(c->replies[i], c->reply_len[i],
						    KP_API_API_VERSIONS, v, &a, &resp),
				 0);
		assert_int_equal(resp.api_version, v);
		assert_int_equal(resp.correlation_id, 43 + v);
		assert_int_equal(resp.body.api_versions.api_key_count, (int32_t)n);
	}
}

/* Every advertised range is exactly one the codec decodes, and covers the
 * versions real clients send (shared/wire-protocol.md). */
static void test_advertised_ranges(void **state)
{
	static const struct {
		int16_t api, lo, hi;
	} want[] = {
		{KP_API_PRODUCE, 3, 7},          {KP_API_FETCH, 4, 11},
		{KP_API_LIST_OFFSETS, 1, 3},     {KP_API_METADATA, 0, 6},
		{KP_API_OFFSET_COMMIT, 1, 5},    {KP_API_OFFSET_FETCH, 1, 4},
		{KP_API_FIND_COORDINATOR, 0, 2}, {KP_API_JOIN_GROUP, 0, 5},
		{KP_API_HEARTBEAT, 0, 3},        {KP_API_LEAVE_GROUP, 0, 2},
		{KP_API_SYNC_GROUP, 0, 3},       {KP_API_API_VERSIONS, 0, 3},
		{KP_API_CREATE_TOPICS, 0, 4},    {KP_API_INIT_PRODUCER_ID, 0, 1},
		{KP_API_ELECT_LEADERS, 1, 1},
	};
	size_t n;
	const struct kp_api_version_range *adv = brk_front_advertised(&n);
	/* 15 client and admin APIs, 6 inter-broker ones */
	assert_int_equal(n, 21);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		assert_int_equal(adv[i].api_key, want[i].api);
		assert_int_equal(adv[i].min_version, want[i].lo);
		assert_int_equal(adv[i].max_version, want[i].hi);
	}
	for (size_t i = 0; i < n; i++) {
		assert_true(kp_api_supported(adv[i].api_key, adv[i].min_version));
		assert_true(kp_api_supported(adv[i].api_key, adv[i].max_version));
		assert_false(kp_api_supported(adv[i].api_key, adv[i].max_version + 1));
		/* Non-flexible everywhere but ApiVersions 3 and AlterPartition. */
		if (adv[i].api_key != KP_API_API_VERSIONS &&
		    adv[i].api_key != KP_API_ALTER_PARTITION)
			assert_true(adv[i].max_version < kp_api_first_flexible(adv[i].api_key));
	}
}

/* kafka-python 2.0.2's probe: ApiVersions v0 with a Metadata v0 (empty
 * topic list, meaning all topics) written right behind it. Both are
 * answered, in order, each at its own version. */
static void test_kafka_python_probe(void **state)
{
	struct fx *fx = *state;
	start_all(fx);
	struct tclient *c = client(fx, 0);
	send_request(c, KP_API_API_VERSIONS, 0, 1);
	struct kp_request md;
	memset(&md, 0, sizeof md);
	md.header = (struct kp_request_header){KP_API_METADATA, 0, 2, {"kafka-python", 12}};
	md.body.metadata.topic_count = 0;
	send_encoded_request(c, &md);
	sim_run_for(fx->w, 50 * SIM_NS_PER_MS);
	assert_int_equal(c->n_replies, 2);
	uint8_t arena[4096];
	struct kp_arena a;
	kp_arena_init(&a, arena, sizeof arena);
	struct kp_response resp;
	assert_int_equal(kp_decode_response(c->replies[0], c->reply_len[0], KP_API_API_VERSIONS,
					    0, &a, &resp),
			 0);
	assert_int_equal(resp.correlation_id, 1);
	assert_int_equal(resp.body.api_versions.error_code, 0);
	assert_int_equal(resp.body.api_versions.api_key_count, 21);
	assert_int_equal(kp_decode_response(c->replies[1], c->reply_len[1], KP_API_METADATA, 0,
					    &a, &resp),
			 0);
	assert_int_equal(resp.correlation_id, 2);
	/* v0 carries no controller id: the decoder's default, not the 7 sent. */
	assert_int_equal(resp.body.metadata.controller_id, -1);
	/* The empty v0 list reached the handler as "all topics". */
	assert_int_equal(broker(fx)->last_topic_count, -1);
	assert_true(c->open);
}

/* OffsetFetch v0-1 has no top-level error: the group error goes into every
 * partition asked for, as Kafka does; v2 keeps it at the top. */
static void test_offset_fetch_v1_error_in_partitions(void **state)
{
	struct fx *fx = *state;
	start_all(fx);
	struct tclient *c = client(fx, 0);
	const int32_t parts[] = {0, 2};
	const struct kp_offset_fetch_topic topic = {{"t", 1}, parts, 2};
	struct kp_request req;
	memset(&req, 0, sizeof req);
	req.header = (struct kp_request_header){KP_API_OFFSET_FETCH, 1, 5, {"kafka-python", 12}};
	req.body.offset_fetch = (struct kp_offset_fetch_request){{"g", 1}, &topic, 1};
	send_encoded_request(c, &req);
	req.header.api_version = 2;
	req.header.correlation_id = 6;
	send_encoded_request(c, &req);
	sim_run_for(fx->w, 50 * SIM_NS_PER_MS);
	assert_int_equal(c->n_replies, 2);
	uint8_t arena[4096];
	struct kp_arena a;
	kp_arena_init(&a, arena, sizeof arena);
	struct kp_response resp;
	assert_int_equal(kp_decode_response(c->replies[0], c->reply_len[0], KP_API_OFFSET_FETCH,
					    1, &a, &resp),
			 0);
	const struct kp_offset_fetch_response *of = &resp.body.offset_fetch;
	assert_int_equal(of->topic_count, 1);
	assert_true(kp_str_eq(of->topics[0].name, "t"));
	assert_int_equal(of->topics[0].partition_count, 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(of->topics[0].partitions[i].partition_index, parts[i]);
		assert_int_equal(of->topics[0].partitions[i].error_code, KP_ERR_NOT_COORDINATOR);
		assert_true(of->topics[0].partitions[i].committed_offset == -1);
		assert_int_equal(of->topics[0].partitions[i].metadata.len, -1);
	}
	assert_int_equal(kp_decode_response(c->replies[1], c->reply_len[1], KP_API_OFFSET_FETCH,
					    2, &a, &resp),
			 0);
	assert_int_equal(of->topic_count, 0);
	assert_int_equal(of->error_code, KP_ERR_NOT_COORDINATOR);
}

/* An API key the broker does not know closes the connection without an
 * answer, as Kafka does; kafka-python relies on that for its probing. */
static void test_unknown_api_key_closes(void **state)
{
	struct fx *fx = *state;
	start_all(fx);
	struct tclient *c = client(fx, 0);
	send_request(c, 42, 0, 9); /* DeleteGroups */
	sim_run_for(fx->w, 50 * SIM_NS_PER_MS);
	assert_int_equal(c->n_replies, 0);
	assert_false(c->open);
	assert_int_equal(brk_front_stats(broker(fx)->front)->closed_malformed, 1);
	assert_true(client(fx, 1)->open);
}

static void test_responses_in_request_order(void **state)
{
	struct fx *fx = *state;
	start_all(fx);
	broker(fx)->delay_ns = 30 * SIM_NS_PER_MS;
	struct tclient *c = client(fx, 0);
	/* A slow Metadata, then ApiVersions and Metadata queued behind it. */
	send_request(c, KP_API_METADATA, 4, 1);
	send_request(c, KP_API_API_VERSIONS, 2, 2);
	send_request(c, KP_API_METADATA, 4, 3);
	sim_run_for(fx->w, 20 * SIM_NS_PER_MS);
	assert_int_equal(c->n_replies, 0); /* muted behind the first */
	assert_int_equal(broker(fx)->n_held, 1);
	sim_run_for(fx->w, 200 * SIM_NS_PER_MS);
	assert_int_equal(c->n_replies, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(reply_correlation(c, i), i + 1);
	assert_int_equal(brk_front_stats(broker(fx)->front)->requests, 2);
}

static void test_acks0_produce_gets_no_answer(void **state)
{
	struct fx *fx = *state;
	start_all(fx);
	struct tclient *c = client(fx, 0);
	/* A minimal Produce v7 with no topics, then a Metadata: only the
	 * Metadata is answered, and the connection was not left muted. */
	struct kp_request req;
	memset(&req, 0, sizeof req);
	req.header = (struct kp_request_header){KP_API_PRODUCE, 7, 9, {"t", 1}};
	req.body.produce.transactional_id = (struct kp_str){NULL, -1};
	uint8_t buf[128];
	struct wire_writer w;
	wire_writer_init(&w, buf, sizeof buf);
	kp_encode_request(&w, &req);
	assert_int_equal(w.err, 0);
	assert_int_equal(env_conn_send(c->conn, buf, w.len), ENV_OK);
	send_request(c, KP_API_METADATA, 4, 10);
	sim_run_for(fx->w, 100 * SIM_NS_PER_MS);
	assert_int_equal(c->n_replies, 1);
	assert_int_equal(reply_correlation(c, 0), 10);
}

static void test_malformed_frame_closes_only_its_connection(void **state)
{
	struct fx *fx = *state;
	start_all(fx);
	struct tclient *bad = client(fx, 0), *good = client(fx, 1);
	const uint8_t garbage[] = {0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0xff};
	assert_int_equal(env_conn_send(bad->conn, garbage, sizeof garbage), ENV_OK);
	sim_run_for(fx->w, 50 * SIM_NS_PER_MS);
	assert_false(bad->open);
	assert_int_equal(bad->closed_reason, ENV_EOF);
	assert_int_equal(brk_front_stats(broker(fx)->front)->closed_malformed, 1);
	/* The broker and its other connection carry on. */
	send_request(good, KP_API_METADATA, 4, 5);
	sim_run_for(fx->w, 50 * SIM_NS_PER_MS);
	assert_int_equal(good->n_replies, 1);
	assert_int_equal(brk_front_connections(broker(fx)->front), 1);
	/* An unsupported version of a known API closes too. */
	send_request(good, KP_API_METADATA, 9, 6);
	sim_run_for(fx->w, 50 * SIM_NS_PER_MS);
	assert_false(good->open);
	assert_int_equal(brk_front_connections(broker(fx)->front), 0);
}

static void test_client_leaves_mid_request(void **state)
{
	struct fx *fx = *state;
	start_all(fx);
	broker(fx)->delay_ns = 100 * SIM_NS_PER_MS;
	struct tclient *c = client(fx, 0);
	send_request(c, KP_API_METADATA, 4, 1);
	send_request(c, KP_API_METADATA, 4, 2);
	sim_run_for(fx->w, 20 * SIM_NS_PER_MS);
	assert_int_equal(broker(fx)->n_held, 1);
	sim_node_kill(fx->w, fx->clients[0]);
	sim_run_for(fx->w, 500 * SIM_NS_PER_MS);
	/* The held request was answered into the void; the queued one dropped. */
	assert_int_equal(broker(fx)->n_held, 0);
	assert_int_equal(brk_front_stats(broker(fx)->front)->requests, 1);
	assert_int_equal(brk_front_connections(broker(fx)->front), 1); /* client-2 */
}

static void test_queue_bound(void **state)
{
	struct fx *fx = *state;
	fx->cfg.max_queued = 2;
	start_all(fx);
	broker(fx)->delay_ns = 100 * SIM_NS_PER_MS;
	struct tclient *c = client(fx, 0);
	for (int i = 0; i < 5; i++)
		send_request(c, KP_API_METADATA, 4, i);
	sim_run_for(fx->w, 500 * SIM_NS_PER_MS);
	assert_false(c->open);
	assert_int_equal(brk_front_stats(broker(fx)->front)->closed_overflow, 1);
}

/* A frame over socket.request.max.bytes, and a request of a served version
 * cut short, each close their own connection only. */
static void test_oversized_and_truncated_frames(void **state)
{
	struct fx *fx = *state;
	fx->cfg.max_request_bytes = 64;
	start_all(fx);
	struct tclient *big = client(fx, 0), *good = client(fx, 1);
	uint8_t frame[65];
	memset(frame, 0, sizeof frame);
	assert_int_equal(env_conn_send(big->conn, frame, sizeof frame), ENV_OK);
	/* Fetch v4 header, then a body that stops inside max_wait_ms. */
	const uint8_t cut[] = {0x00, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0x02, 0xff, 0xff,
			       0xff, 0xff, 0xff, 0xff, 0x00, 0x00};
	assert_int_equal(env_conn_send(good->conn, cut, sizeof cut), ENV_OK);
	sim_run_for(fx->w, 50 * SIM_NS_PER_MS);
	assert_false(big->open);
	assert_false(good->open);
	const struct brk_front_stats *st = brk_front_stats(broker(fx)->front);
	assert_int_equal(st->closed_overflow, 1);
	assert_int_equal(st->closed_malformed, 1);
	assert_int_equal(st->requests, 0);
	/* The door still serves a new connection. */
	sim_node_restart(fx->w, fx->clients[1]);
	sim_run_for(fx->w, 50 * SIM_NS_PER_MS);
	send_request(client(fx, 1), KP_API_METADATA, 0, 3);
	sim_run_for(fx->w, 50 * SIM_NS_PER_MS);
	assert_int_equal(client(fx, 1)->n_replies, 1);
}

static void test_broker_crash_frees_everything(void **state)
{
	struct fx *fx = *state;
	start_all(fx);
	broker(fx)->delay_ns = 100 * SIM_NS_PER_MS;
	send_request(client(fx, 0), KP_API_METADATA, 4, 1);
	send_request(client(fx, 0), KP_API_METADATA, 4, 2);
	sim_run_for(fx->w, 20 * SIM_NS_PER_MS);
	assert_true(sim_node_live_allocs(fx->w, fx->broker) > 3);
	sim_node_kill(fx->w, fx->broker);
	assert_int_equal(sim_node_live_allocs(fx->w, fx->broker), 0);
	sim_run_for(fx->w, 100 * SIM_NS_PER_MS);
	assert_false(client(fx, 0)->open);
	assert_int_equal(client(fx, 0)->closed_reason, ENV_ECONNRESET);
	/* A restarted broker serves a new connection. */
	sim_node_start(fx->w, fx->broker);
	sim_node_restart(fx->w, fx->clients[0]);
	sim_run_for(fx->w, 50 * SIM_NS_PER_MS);
	send_request(client(fx, 0), KP_API_API_VERSIONS, 3, 3);
	sim_run_for(fx->w, 50 * SIM_NS_PER_MS);
	assert_int_equal(client(fx, 0)->n_replies, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_api_versions_answered_at_the_door, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_responses_in_request_order, setup, teardown),
		cmocka_unit_test(test_advertised_ranges),
		cmocka_unit_test_setup_teardown(test_kafka_python_probe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offset_fetch_v1_error_in_partitions, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unknown_api_key_closes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acks0_produce_gets_no_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_frame_closes_only_its_connection,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_leaves_mid_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized_and_truncated_frames, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_broker_crash_frees_everything, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
