/*
 * The versions kafka-python 2.0.2 sends, end to end against one real broker
 * (brk_broker, its group coordinator and partition logs): Metadata 0 and 1,
 * Produce 3, ListOffsets 1, Fetch 4 (read_committed) and 5,
 * FindCoordinator 0, JoinGroup 0 and 2, SyncGroup 1, Heartbeat 0 and 1,
 * OffsetCommit 2, OffsetFetch 1, LeaveGroup 0; and kafkajs 2.2.4's
 * Metadata 6, Produce 7, ListOffsets 3, Fetch 11. ksim's own clients send
 * other versions, so these paths through the broker's handlers (fields
 * filled with Kafka's defaults by the decoder) are checked here.
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
#include "broker/kafka/brk_group.h"
#include "broker/kp/kp_error.h"
#include "broker/log/record_batch.h"
#include "sim/util.h"
#include "sim/world.h"

#define MS SIM_NS_PER_MS

/* ---- A client that keeps what it needs of the last answer per API ------------- */

struct last {
	int count;
	int16_t version;
	int16_t error;       /* the answer's (first) error */
	int32_t controller;  /* Metadata */
	int32_t n_topics;    /* Metadata: topics; OffsetFetch: partitions */
	bool saw_orders;     /* Metadata: "orders" partition 0 led by broker 1 */
	int64_t offset;      /* Produce base, ListOffsets, OffsetFetch partition 0 */
	int64_t hw, lso, log_start;
	int32_t aborted;     /* Fetch: aborted_count */
	int32_t records;     /* Fetch: records in the batches returned */
	int32_t generation;  /* JoinGroup */
	int32_t members;
	char member_id[96], leader[96], assignment[16];
};

struct client {
	struct kc_conn *conn;
	bool ready;
	struct last r[24]; /* by API key */
};

static void copy(char *dst, size_t cap, const void *p, int32_t len)
{
	size_t n = len > 0 ? (size_t)len : 0;
	n = n < cap - 1 ? n : cap - 1;
	memcpy(dst, p ? p : "", n);
	dst[n] = 0;
}

static void on_state(void *arg, struct kc_conn *c, enum kc_state state, int status)
{
	((struct client *)arg)->ready = state == KC_READY;
}

static int32_t count_records(struct kp_bytes recs)
{
	struct rb_batch b;
	int32_t n = 0;
	size_t at = 0, len = recs.len > 0 ? (size_t)recs.len : 0;
	while (at < len && rb_parse_batch(recs.ptr + at, len - at, &b) == RB_OK) {
		n += b.h.record_count;
		at += b.size;
	}
	return n;
}

static void metadata_answer(struct last *l, const struct kp_metadata_response *m)
{
	l->controller = m->controller_id;
	l->n_topics = m->topic_count;
	l->saw_orders = false;
	for (int32_t i = 0; i < m->topic_count; i++)
		if (kp_str_eq(m->topics[i].name, "orders") && m->topics[i].partition_count > 0)
			l->saw_orders = m->topics[i].partitions[0].leader_id == 1;
}

static void fetch_answer(struct last *l, const struct kp_fetch_response *f)
{
	const struct kp_fetch_partition_response *p = &f->topics[0].partitions[0];
	l->error = p->error_code;
	l->hw = p->high_watermark;
	l->lso = p->last_stable_offset;
	l->log_start = p->log_start_offset;
	l->aborted = p->aborted_count;
	l->records = count_records(p->records);
}

static void group_answer(struct last *l, const struct kp_response *resp)
{
	const struct kp_join_group_response *j = &resp->body.join_group;
	const struct kp_offset_fetch_response *of = &resp->body.offset_fetch;
	switch (resp->api_key) {
	case KP_API_FIND_COORDINATOR:
		l->error = resp->body.find_coordinator.error_code;
		break;
	case KP_API_JOIN_GROUP:
		l->error = j->error_code;
		l->generation = j->generation_id;
		l->members = j->member_count;
		copy(l->member_id, sizeof l->member_id, j->member_id.ptr, j->member_id.len);
		copy(l->leader, sizeof l->leader, j->leader.ptr, j->leader.len);
		break;
	case KP_API_SYNC_GROUP:
		l->error = resp->body.sync_group.error_code;
		copy(l->assignment, sizeof l->assignment, resp->body.sync_group.assignment.ptr,
		     resp->body.sync_group.assignment.len);
		break;
	case KP_API_HEARTBEAT:
	case KP_API_LEAVE_GROUP:
		l->error = resp->body.heartbeat.error_code;
		break;
	case KP_API_OFFSET_COMMIT:
		l->error = resp->body.offset_commit.topics[0].partitions[0].error_code;
		break;
	case KP_API_OFFSET_FETCH:
		l->n_topics = of->topic_count ? of->topics[0].partition_count : 0;
		l->error = l->n_topics ? of->topics[0].partitions[0].error_code : of->error_code;
		l->offset = l->n_topics ? of->topics[0].partitions[0].committed_offset : -2;
		break;
	}
}

static void on_answer(void *arg, int status, const struct kp_response *resp)
{
	struct client *c = arg;
	assert_int_equal(status, KC_OK);
	struct last *l = &c->r[resp->api_key];
	l->count++;
	l->version = resp->api_version;
	switch (resp->api_key) {
	case KP_API_METADATA:
		metadata_answer(l, &resp->body.metadata);
		break;
	case KP_API_PRODUCE:
		l->error = resp->body.produce.topics[0].partitions[0].error_code;
		l->offset = resp->body.produce.topics[0].partitions[0].base_offset;
		l->log_start = resp->body.produce.topics[0].partitions[0].log_start_offset;
		break;
	case KP_API_LIST_OFFSETS:
		l->error = resp->body.list_offsets.topics[0].partitions[0].error_code;
		l->offset = resp->body.list_offsets.topics[0].partitions[0].offset;
		break;
	case KP_API_FETCH:
		fetch_answer(l, &resp->body.fetch);
		break;
	default:
		group_answer(l, resp);
	}
}

static void *client_start(struct env *env, const void *config)
{
	struct client *c = env_calloc(env, 1, sizeof *c);
	struct kc_conn_config cfg;
	kc_conn_config_default(&cfg);
	cfg.client_id = "kafka-python-2.0.2";
	c->conn = kc_conn_open(env, "broker-1", 9092, &cfg, on_state, c);
	return c;
}

static const struct sim_node_class broker_class = {"broker", brk_start};
static const struct sim_node_class client_class = {"client", client_start};

struct fx {
	struct sim_world *w;
	struct brk_config bc;
	uint32_t broker, client;
};

static int setup(void **state)
{
	struct fx *fx = test_calloc(1, sizeof *fx);
	struct sim_world_config wc;
	sim_world_config_default(&wc, 31);
	fx->w = sim_world_new(&wc);
	brk_config_default(&fx->bc);
	fx->bc.broker_id = 1;
	fx->bc.offsets_topic_partitions = 1;
	fx->broker = sim_node_add(fx->w, "broker-1", &broker_class, &fx->bc);
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

static struct client *start(struct fx *fx, const char *topic)
{
	sim_node_start(fx->w, fx->broker);
	struct brk_broker *b = sim_node_state(fx->w, fx->broker);
	assert_int_equal(brk_become_leader(b, topic, 0, 1), 0);
	sim_node_start(fx->w, fx->client);
	sim_run_for(fx->w, 100 * MS);
	struct client *c = sim_node_state(fx->w, fx->client);
	assert_true(c->ready);
	return c;
}

static struct last *ask(struct fx *fx, struct client *c, struct kp_request *req)
{
	struct last *l = &c->r[req->header.api_key];
	int before = l->count;
	req->header.client_id = kp_str_from("kafka-python-2.0.2");
	assert_int_equal(kc_conn_send(c->conn, req, true, on_answer, c), KC_OK);
	sim_run_for(fx->w, 100 * MS);
	assert_int_equal(l->count, before + 1);
	assert_int_equal(l->version, req->header.api_version);
	return l;
}

static struct kp_request request(int16_t api, int16_t version)
{
	struct kp_request req;
	memset(&req, 0, sizeof req);
	req.header.api_key = api;
	req.header.api_version = version;
	return req;
}

/* ---- The data path ---------------------------------------------------------------- */

static void produce(struct fx *fx, struct client *c, int16_t version)
{
	const struct rb_record_spec recs[3] = {
		{0, 0, {NULL, 0}, {(const uint8_t *)"a", 1}, NULL, 0},
		{0, 1, {NULL, 0}, {(const uint8_t *)"b", 1}, NULL, 0},
		{0, 2, {NULL, 0}, {(const uint8_t *)"c", 1}, NULL, 0}};
	struct rb_batch_header h;
	memset(&h, 0, sizeof h);
	h.last_offset_delta = 2;
	h.producer_id = -1;
	h.producer_epoch = -1;
	h.base_sequence = -1;
	uint8_t batch[256];
	struct wire_writer w;
	wire_writer_init(&w, batch, sizeof batch);
	assert_int_equal(rb_encode_batch(&w, &h, recs, 3), RB_OK);
	struct kp_produce_partition part = {0, {batch, (int32_t)w.len}};
	struct kp_produce_topic topic = {kp_str_from("orders"), &part, 1};
	struct kp_request req = request(KP_API_PRODUCE, version);
	req.body.produce = (struct kp_produce_request){KP_STR_NULL, -1, 1000, &topic, 1};
	struct last *l = ask(fx, c, &req);
	assert_int_equal(l->error, KP_ERR_NONE);
	assert_true(l->offset == 0);
	assert_true(l->log_start == (version >= 5 ? 0 : -1)); /* from v5 */
}

static struct last *list_offsets(struct fx *fx, struct client *c, int16_t version,
				 int64_t timestamp)
{
	struct kp_list_offsets_partition p = {0, timestamp};
	struct kp_list_offsets_topic t = {kp_str_from("orders"), &p, 1};
	struct kp_request req = request(KP_API_LIST_OFFSETS, version);
	req.body.list_offsets = (struct kp_list_offsets_request){-1, version >= 2, &t, 1};
	return ask(fx, c, &req);
}

static struct last *fetch(struct fx *fx, struct client *c, int16_t version)
{
	struct kp_fetch_partition p = {0, -1, 0, -1, 1 << 20};
	struct kp_fetch_topic t = {kp_str_from("orders"), &p, 1};
	struct kp_request req = request(KP_API_FETCH, version);
	req.body.fetch = (struct kp_fetch_request){-1, 100, 1, 50 << 20, 1, 0, -1, &t, 1,
						   NULL, 0, {"", 0}};
	return ask(fx, c, &req);
}

static void test_data_path(void **state)
{
	struct fx *fx = *state;
	struct client *c = start(fx, "orders");
	/* kafka-python's probe: Metadata v0 with an empty list, all topics. */
	struct kp_request md = request(KP_API_METADATA, 0);
	struct last *l = ask(fx, c, &md);
	assert_true(l->saw_orders);
	assert_int_equal(l->controller, -1); /* not in v0 */
	md = request(KP_API_METADATA, 1);
	md.body.metadata.topic_count = -1;
	l = ask(fx, c, &md);
	assert_true(l->saw_orders);
	assert_int_equal(l->controller, 1);

	produce(fx, c, 3);
	l = list_offsets(fx, c, 1, KP_LIST_OFFSETS_LATEST);
	assert_int_equal(l->error, KP_ERR_NONE);
	assert_true(l->offset == 3);
	l = list_offsets(fx, c, 1, KP_LIST_OFFSETS_EARLIEST);
	assert_true(l->offset == 0);

	/* read_committed at v4: the last stable offset and an empty (not null)
	 * aborted list, which librdkafka and kafkajs need. */
	l = fetch(fx, c, 4);
	assert_int_equal(l->error, KP_ERR_NONE);
	assert_true(l->hw == 3 && l->lso == 3);
	assert_true(l->log_start == -1); /* v4 has none */
	assert_int_equal(l->aborted, 0);
	assert_int_equal(l->records, 3);
	l = fetch(fx, c, 5);
	assert_true(l->log_start == 0);
	assert_int_equal(l->records, 3);
}

/* kafkajs 2.2.4 against this broker: Metadata 6, Produce 7, ListOffsets 3
 * (read_committed), Fetch 11. */
static void test_kafkajs_versions(void **state)
{
	struct fx *fx = *state;
	struct client *c = start(fx, "orders");
	struct kp_request md = request(KP_API_METADATA, 6);
	md.body.metadata.topic_count = -1;
	struct last *l = ask(fx, c, &md);
	assert_true(l->saw_orders);
	assert_int_equal(l->controller, 1);
	produce(fx, c, 7);
	l = list_offsets(fx, c, 3, KP_LIST_OFFSETS_LATEST);
	assert_int_equal(l->error, KP_ERR_NONE);
	assert_true(l->offset == 3);
	l = fetch(fx, c, 11);
	assert_true(l->hw == 3 && l->lso == 3 && l->log_start == 0);
	assert_int_equal(l->aborted, 0);
	assert_int_equal(l->records, 3);
}

/* ---- The group path --------------------------------------------------------------- */

static struct last *join(struct fx *fx, struct client *c, int16_t version, const char *member)
{
	struct kp_join_group_protocol proto = {kp_str_from("range"),
					       {(const uint8_t *)"m", 1}};
	struct kp_request req = request(KP_API_JOIN_GROUP, version);
	req.body.join_group = (struct kp_join_group_request){
		kp_str_from("g"), 10000, 30000, kp_str_from(member), KP_STR_NULL,
		kp_str_from("consumer"), &proto, 1};
	return ask(fx, c, &req);
}

static struct last *heartbeat(struct fx *fx, struct client *c, int16_t version,
			      int32_t generation, const char *member)
{
	struct kp_request req = request(KP_API_HEARTBEAT, version);
	req.body.heartbeat = (struct kp_heartbeat_request){kp_str_from("g"), generation,
							  kp_str_from(member), KP_STR_NULL};
	return ask(fx, c, &req);
}

static struct last *offset_fetch_v1(struct fx *fx, struct client *c)
{
	static const int32_t parts[1] = {0};
	struct kp_offset_fetch_topic t = {kp_str_from("orders"), parts, 1};
	struct kp_request req = request(KP_API_OFFSET_FETCH, 1);
	req.body.offset_fetch = (struct kp_offset_fetch_request){kp_str_from("g"), &t, 1};
	return ask(fx, c, &req);
}

static void test_group_path(void **state)
{
	struct fx *fx = *state;
	struct client *c = start(fx, BRK_GROUP_OFFSETS_TOPIC);
	struct kp_request req = request(KP_API_FIND_COORDINATOR, 0);
	req.body.find_coordinator.key = kp_str_from("g");
	assert_int_equal(ask(fx, c, &req)->error, KP_ERR_NONE);

	/* JoinGroup v0 has no rebalance timeout: the session timeout stands in. */
	struct last *j = join(fx, c, 0, "");
	assert_int_equal(j->error, KP_ERR_NONE);
	assert_int_equal(j->generation, 1);
	assert_int_equal(j->members, 1);
	assert_string_equal(j->leader, j->member_id);
	char member[96];
	strcpy(member, j->member_id);
	j = join(fx, c, 2, member); /* kafka-python's version, same member */
	assert_int_equal(j->error, KP_ERR_NONE);
	assert_int_equal(j->generation, 2);

	struct kp_sync_group_assignment a = {kp_str_from(member), {(const uint8_t *)"a1", 2}};
	req = request(KP_API_SYNC_GROUP, 1);
	req.body.sync_group = (struct kp_sync_group_request){kp_str_from("g"), 2,
							    kp_str_from(member), KP_STR_NULL, &a, 1};
	struct last *l = ask(fx, c, &req);
	assert_int_equal(l->error, KP_ERR_NONE);
	assert_string_equal(l->assignment, "a1");
	assert_int_equal(heartbeat(fx, c, 1, 2, member)->error, KP_ERR_NONE);

	struct kp_offset_commit_partition p = {0, 42, KP_STR_NULL};
	struct kp_offset_commit_topic t = {kp_str_from("orders"), &p, 1};
	req = request(KP_API_OFFSET_COMMIT, 2);
	req.body.offset_commit = (struct kp_offset_commit_request){kp_str_from("g"), 2,
								  kp_str_from(member), &t, 1};
	assert_int_equal(ask(fx, c, &req)->error, KP_ERR_NONE);
	l = offset_fetch_v1(fx, c);
	assert_int_equal(l->error, KP_ERR_NONE);
	assert_true(l->offset == 42);

	req = request(KP_API_LEAVE_GROUP, 0);
	req.body.leave_group = (struct kp_leave_group_request){kp_str_from("g"),
							      kp_str_from(member)};
	assert_int_equal(ask(fx, c, &req)->error, KP_ERR_NONE);
	assert_int_equal(heartbeat(fx, c, 0, 2, member)->error, KP_ERR_UNKNOWN_MEMBER_ID);
}

/* A broker that is not the group's coordinator: OffsetFetch v1 carries the
 * error in the partition, as Kafka answers v0-1. */
static void test_offset_fetch_v1_not_coordinator(void **state)
{
	struct fx *fx = *state;
	struct client *c = start(fx, "orders"); /* leads no __consumer_offsets */
	struct last *l = offset_fetch_v1(fx, c);
	assert_int_equal(l->n_topics, 1);
	assert_int_equal(l->error, KP_ERR_NOT_COORDINATOR);
	assert_true(l->offset == -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_data_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kafkajs_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offset_fetch_v1_not_coordinator, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
