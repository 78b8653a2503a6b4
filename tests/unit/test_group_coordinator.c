/*
 * The group coordinator (broker/kafka/brk_group) on one real broker that
 * leads the one partition of __consumer_offsets (offsets.topic.num.partitions
 * 1, so every group lives there), driven by test clients that send raw
 * FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
 * OffsetCommit and OffsetFetch requests and remember the answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "broker/client/kc_conn.h"
#include "broker/kafka/brk_broker.h"
#include "broker/kafka/brk_group.h"
#include "broker/kafka/brk_group_impl.h" /* struct grp_stored, for the record test */
#include "broker/kp/kp_error.h"
#include "sim/invariant.h"
#include "sim/util.h"
#include "sim/world.h"

#define MS SIM_NS_PER_MS
#define S SIM_NS_PER_S
#define OFFSETS BRK_GROUP_OFFSETS_TOPIC
#define NCLIENTS 3

/* ---- A client that remembers the last answer of each kind ----------------- */

struct reply {
	int count;        /* answers so far */
	int16_t error;
	int32_t generation;
	char member_id[128];
	char leader[128];
	int32_t members;  /* JoinGroup: the member list's length (leader only) */
	char assignment[64];
	int32_t node_id;  /* FindCoordinator */
	char host[32];
	int64_t offsets[4]; /* OffsetFetch: partitions 0..3 of topic "t" (-1 none) */
	int16_t part_errors[4];
};

struct tclient {
	struct env *env;
	struct kc_conn_config cfg;
	struct kc_conn *conn;
	bool ready;
	struct reply r[16]; /* by API key */
};

static void copy_str(char *dst, size_t cap, struct kp_str s)
{
	size_t n = s.len > 0 ? (size_t)s.len : 0;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s.ptr ? s.ptr : "", n);
	dst[n] = 0;
}

static void on_state(void *arg, struct kc_conn *c, enum kc_state state, int status)
{
	struct tclient *t = arg;
	t->ready = state == KC_READY;
	if (state == KC_DOWN)
		t->conn = NULL;
}

static void on_answer(void *arg, int status, const struct kp_response *resp)
{
	struct tclient *t = arg;
	assert_int_equal(status, KC_OK);
	const struct kp_response *b0 = resp;
#define b (&b0->body)
	struct reply *r = &t->r[resp->api_key];
	r->count++;
	switch (resp->api_key) {
	case KP_API_FIND_COORDINATOR:
		r->error = b->find_coordinator.error_code;
		r->node_id = b->find_coordinator.node_id;
		copy_str(r->host, sizeof r->host, b->find_coordinator.host);
		break;
	case KP_API_JOIN_GROUP:
		r->error = b->join_group.error_code;
		r->generation = b->join_group.generation_id;
		copy_str(r->member_id, sizeof r->member_id, b->join_group.member_id);
		copy_str(r->leader, sizeof r->leader, b->join_group.leader);
		r->members = b->join_group.member_count;
		break;
	case KP_API_SYNC_GROUP:
		r->error = b->sync_group.error_code;
		copy_str(r->assignment, sizeof r->assignment,
			 (struct kp_str){(const char *)b->sync_group.assignment.ptr,
					 b->sync_group.assignment.len});
		break;
	case KP_API_HEARTBEAT:
	case KP_API_LEAVE_GROUP:
		r->error = b->heartbeat.error_code;
		break;
	case KP_API_OFFSET_COMMIT:
		r->error = KP_ERR_NONE;
		for (int32_t i = 0; i < b->offset_commit.topic_count; i++)
			for (int32_t k = 0; k < b->offset_commit.topics[i].partition_count; k++)
				if (b->offset_commit.topics[i].partitions[k].error_code)
					r->error = b->offset_commit.topics[i].partitions[k].error_code;
		break;
	case KP_API_OFFSET_FETCH:
		r->error = b->offset_fetch.error_code;
		for (int i = 0; i < 4; i++)
			r->offsets[i] = -2; /* not in the answer */
		for (int32_t i = 0; i < b->offset_fetch.topic_count; i++)
			for (int32_t k = 0; k < b->offset_fetch.topics[i].partition_count; k++) {
				const struct kp_offset_fetch_partition_response *p =
					&b->offset_fetch.topics[i].partitions[k];
				if (p->partition_index >= 0 && p->partition_index < 4) {
					r->offsets[p->partition_index] = p->committed_offset;
					r->part_errors[p->partition_index] = p->error_code;
				}
			}
		break;
	default:
		fail();
	}
#undef b
}

static void *tclient_start(struct env *env, const void *config)
{
	struct tclient *t = env_calloc(env, 1, sizeof *t);
	t->env = env;
	kc_conn_config_default(&t->cfg);
	t->cfg.client_id = "tc";
	t->conn = kc_conn_open(env, "broker-1", 9092, &t->cfg, on_state, t);
	return t;
}

static const struct sim_node_class broker_class = {"broker", brk_start};
static const struct sim_node_class client_class = {"client", tclient_start};

struct fx {
	struct sim_world *w;
	struct brk_config bc;
	uint32_t broker;
	uint32_t clients[NCLIENTS];
};

static int setup(void **state)
{
	struct fx *fx = test_calloc(1, sizeof *fx);
	struct sim_world_config wc;
	sim_world_config_default(&wc, 21);
	fx->w = sim_world_new(&wc);
	if (getenv("KSIM_TEST_LOG"))
		sim_world_set_log(fx->w, stderr, ENV_LOG_DEBUG);
	brk_config_default(&fx->bc);
	fx->bc.broker_id = 1;
	fx->bc.offsets_topic_partitions = 1;
	fx->broker = sim_node_add(fx->w, "broker-1", &broker_class, &fx->bc);
	for (int i = 0; i < NCLIENTS; i++) {
		char name[32];
		snprintf(name, sizeof name, "client-%d", i + 1);
		fx->clients[i] = sim_node_add(fx->w, name, &client_class, NULL);
	}
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

static struct tclient *cl(struct fx *fx, int i)
{
	return sim_node_state(fx->w, fx->clients[i]);
}

static void lead_offsets(struct fx *fx, int32_t epoch)
{
	struct brk_broker *b = sim_node_state(fx->w, fx->broker);
	assert_int_equal(brk_become_leader(b, OFFSETS, 0, epoch), 0);
}

static void start(struct fx *fx, bool lead)
{
	sim_node_start(fx->w, fx->broker);
	if (lead)
		lead_offsets(fx, 1);
	for (int i = 0; i < NCLIENTS; i++)
		sim_node_start(fx->w, fx->clients[i]);
	sim_run_for(fx->w, 100 * MS);
	for (int i = 0; i < NCLIENTS; i++)
		assert_true(cl(fx, i)->ready);
}

static void send(struct tclient *t, struct kp_request *req)
{
	assert_int_equal(kc_conn_send(t->conn, req, true, on_answer, t), KC_OK);
}

static struct kp_request request(int16_t api, int16_t version)
{
	struct kp_request req;
	memset(&req, 0, sizeof req);
	req.header.api_key = api;
	req.header.api_version = version;
	return req;
}

static void find(struct tclient *t, const char *group)
{
	struct kp_request req = request(KP_API_FIND_COORDINATOR, 2);
	req.body.find_coordinator = (struct kp_find_coordinator_request){kp_str_from(group), 0};
	send(t, &req);
}

/* JoinGroup as a consumer would: protocol "range", metadata = its name. */
static void join(struct tclient *t, const char *member_id, int32_t session_ms,
		 const char *meta)
{
	struct kp_join_group_protocol proto = {kp_str_from("range"),
					       {(const uint8_t *)meta, (int32_t)strlen(meta)}};
	struct kp_request req = request(KP_API_JOIN_GROUP, 5);
	req.body.join_group = (struct kp_join_group_request){
		kp_str_from("g"), session_ms, session_ms, kp_str_from(member_id), KP_STR_NULL,
		kp_str_from("consumer"), &proto, 1};
	send(t, &req);
}

/* SyncGroup; the leader passes (member id, assignment) pairs. */
static void sync_group(struct tclient *t, int32_t generation, const char *member_id,
		       const char *const *pairs, int32_t n)
{
	struct kp_sync_group_assignment a[NCLIENTS];
	for (int32_t i = 0; i < n; i++)
		a[i] = (struct kp_sync_group_assignment){
			kp_str_from(pairs[2 * i]),
			{(const uint8_t *)pairs[2 * i + 1], (int32_t)strlen(pairs[2 * i + 1])}};
	struct kp_request req = request(KP_API_SYNC_GROUP, 3);
	req.body.sync_group = (struct kp_sync_group_request){
		kp_str_from("g"), generation, kp_str_from(member_id), KP_STR_NULL, a, n};
	send(t, &req);
}

static void heartbeat(struct tclient *t, int32_t generation, const char *member_id)
{
	struct kp_request req = request(KP_API_HEARTBEAT, 3);
	req.body.heartbeat = (struct kp_heartbeat_request){kp_str_from("g"), generation,
							  kp_str_from(member_id), KP_STR_NULL};
	send(t, &req);
}

static void leave(struct tclient *t, const char *member_id)
{
	struct kp_request req = request(KP_API_LEAVE_GROUP, 1);
	req.body.leave_group = (struct kp_leave_group_request){kp_str_from("g"),
							      kp_str_from(member_id)};
	send(t, &req);
}

/* Commits offsets[i] for partitions 0..n-1 of topic "t". */
static void commit(struct tclient *t, int32_t generation, const char *member_id,
		   const int64_t *offsets, int32_t n)
{
	struct kp_offset_commit_partition parts[4];
	for (int32_t i = 0; i < n; i++)
		parts[i] = (struct kp_offset_commit_partition){i, offsets[i], KP_STR_NULL};
	struct kp_offset_commit_topic topic = {kp_str_from("t"), parts, n};
	struct kp_request req = request(KP_API_OFFSET_COMMIT, 5);
	req.body.offset_commit = (struct kp_offset_commit_request){
		kp_str_from("g"), generation, kp_str_from(member_id), &topic, 1};
	send(t, &req);
}

static void fetch_offsets(struct tclient *t)
{
	static const int32_t parts[4] = {0, 1, 2, 3};
	struct kp_offset_fetch_topic topic = {kp_str_from("t"), parts, 4};
	struct kp_request req = request(KP_API_OFFSET_FETCH, 4);
	req.body.offset_fetch = (struct kp_offset_fetch_request){kp_str_from("g"), &topic, 1};
	send(t, &req);
}

/* ---- Java's String.hashCode and the group's partition --------------------------- */

static void test_java_hash_and_partition(void **state)
{
	(void)state;
	/* s[0]*31^(n-1) + ... + s[n-1], in 32-bit two's complement:
	 * "a" = 97; "abc" = (97*31 + 98)*31 + 99 = 96354. */
	assert_int_equal(brk_group_java_hash("", 0), 0);
	assert_int_equal(brk_group_java_hash("a", 1), 97);
	assert_int_equal(brk_group_java_hash("abc", 3), 96354);
	/* "g1" = 103*31 + 49 = 3242; 3242 % 50 = 42. */
	assert_int_equal(brk_group_partition_for("g1", 2, 50), 42);
	/* A string whose hash is Integer.MIN_VALUE: Kafka's Utils.abs maps it to 0. */
	assert_int_equal(brk_group_java_hash("polygenelubricants", 18), INT32_MIN);
	assert_int_equal(brk_group_partition_for("polygenelubricants", 18, 50), 0);
	/* "my-group" hashes to -1906497762: abs 1906497762 % 50 = 12. */
	assert_int_equal(brk_group_java_hash("my-group", 8), -1906497762);
	assert_int_equal(brk_group_partition_for("my-group", 8, 50), 12);
	/* UTF-8 "é" (C3 A9) is the one UTF-16 unit U+00E9 = 233. */
	assert_int_equal(brk_group_java_hash("\xc3\xa9", 2), 233);
	/* U+1F600 (F0 9F 98 80) is the surrogate pair D83D DE00:
	 * 55357*31 + 56832 = 1772899. */
	assert_int_equal(brk_group_java_hash("\xf0\x9f\x98\x80", 4), 1772899);
	/* A truncated sequence counts its bytes as themselves: 0xC3 = 195. */
	assert_int_equal(brk_group_java_hash("\xc3", 1), 195);
}

static void test_offset_record_round_trip(void **state)
{
	(void)state;
	uint8_t buf[128];
	struct wire_writer w;
	wire_writer_init(&w, buf, sizeof buf);
	struct brk_group_offset_key k = {"g", 1, "t", 1, 3};
	brk_group_encode_key(&w, &k);
	/* version 00 01, "g" = 00 01 67, "t" = 00 01 74, partition 00 00 00 03 */
	static const uint8_t want[] = {0, 1, 0, 1, 'g', 0, 1, 't', 0, 0, 0, 3};
	assert_int_equal(w.len, sizeof want);
	assert_memory_equal(buf, want, sizeof want);
	struct brk_group_offset_key back;
	assert_int_equal(brk_group_decode_key(buf, w.len, &back), 0);
	assert_int_equal(back.partition, 3);
	assert_int_equal(back.group_len, 1);
	assert_int_equal(back.topic[0], 't');
	/* Every truncation is refused, never read past. */
	for (size_t n = 0; n < w.len; n++)
		assert_int_equal(brk_group_decode_key(buf, n, &back), -1);
	buf[1] = 2; /* an unknown version */
	assert_int_equal(brk_group_decode_key(buf, w.len, &back), -1);

	wire_writer_init(&w, buf, sizeof buf);
	struct brk_group_offset_value v = {42, NULL, 0, 1000};
	brk_group_encode_value(&w, &v);
	/* version 00 01, offset 42 (8 bytes), null metadata ff ff, timestamp 1000 */
	assert_int_equal(w.len, 2 + 8 + 2 + 8);
	struct brk_group_offset_value vb;
	assert_int_equal(brk_group_decode_value(buf, w.len, &vb), 0);
	assert_int_equal(vb.offset, 42);
	assert_null(vb.metadata);
	assert_int_equal(vb.commit_timestamp_ms, 1000);
	for (size_t n = 0; n < w.len; n++)
		assert_int_equal(brk_group_decode_value(buf, n, &vb), -1);
}

/* Kafka's GroupMetadataValue v3, written by hand from its schema: one
 * member with subscription "sub" and assignment "as". */
static const uint8_t group_value_v3[] = {
	0, 3,                            /* version 3 */
	0, 8, 'c', 'o', 'n', 's', 'u', 'm', 'e', 'r', /* protocol_type */
	0, 0, 0, 7,                      /* generation 7 */
	0, 5, 'r', 'a', 'n', 'g', 'e',   /* protocol */
	0, 2, 'm', '1',                  /* leader */
	0, 0, 0, 0, 0, 0, 0x03, 0xe8,    /* current_state_timestamp 1000 */
	0, 0, 0, 1,                      /* one member */
	0, 2, 'm', '1',                  /* member_id */
	0xff, 0xff,                      /* group_instance_id null */
	0, 1, 'c',                       /* client_id */
	0, 0,                            /* client_host "" */
	0, 0, 0x75, 0x30,                /* rebalance_timeout 30000 */
	0, 0, 0x27, 0x10,                /* session_timeout 10000 */
	0, 0, 0, 3, 's', 'u', 'b',       /* subscription */
	0, 0, 0, 2, 'a', 's',            /* assignment */
};

static void test_group_metadata_record(void **state)
{
	(void)state;
	uint8_t buf[16];
	struct wire_writer w;
	wire_writer_init(&w, buf, sizeof buf);
	brk_group_encode_metadata_key(&w, "g", 1);
	static const uint8_t want_key[] = {0, 2, 0, 1, 'g'}; /* version 2, "g" */
	assert_int_equal(w.len, sizeof want_key);
	assert_memory_equal(buf, want_key, sizeof want_key);
	struct kp_str group;
	assert_int_equal(brk_group_decode_metadata_key(buf, w.len, &group), 0);
	assert_int_equal(group.len, 1);
	/* An offset key is not a group key, nor the other way round. */
	struct brk_group_offset_key ok;
	assert_int_equal(brk_group_decode_key(buf, w.len, &ok), -1);
	static const uint8_t offset_key[] = {0, 1, 0, 1, 'g', 0, 1, 't', 0, 0, 0, 3};
	assert_int_equal(brk_group_decode_metadata_key(offset_key, sizeof offset_key, &group), -1);

	struct grp_stored st;
	assert_int_equal(brk_group_decode_metadata_value(group_value_v3, sizeof group_value_v3,
							 &st), 0);
	assert_int_equal(st.generation, 7);
	assert_int_equal(st.n_members, 1);
	assert_int_equal(st.protocol.len, 5);
	assert_int_equal(st.leader.len, 2);
	struct wire_reader it;
	struct grp_stored_member m;
	wire_reader_init(&it, st.members, st.members_len);
	assert_int_equal(grp_stored_next_member(&it, &m), 0);
	assert_int_equal(m.session_timeout_ms, 10000);
	assert_int_equal(m.rebalance_timeout_ms, 30000);
	assert_int_equal(m.group_instance_id.len, -1);
	assert_memory_equal(m.subscription.ptr, "sub", 3);
	assert_memory_equal(m.assignment.ptr, "as", 2);
	/* Truncations, a trailing byte and another version are refused. */
	for (size_t n = 0; n < sizeof group_value_v3; n++)
		assert_int_equal(brk_group_decode_metadata_value(group_value_v3, n, &st), -1);
	uint8_t longer[sizeof group_value_v3 + 1];
	memcpy(longer, group_value_v3, sizeof group_value_v3);
	longer[sizeof group_value_v3] = 0;
	assert_int_equal(brk_group_decode_metadata_value(longer, sizeof longer, &st), -1);
	longer[1] = 2;
	assert_int_equal(brk_group_decode_metadata_value(longer, sizeof group_value_v3, &st), -1);
}

/* ---- FindCoordinator ------------------------------------------------------------ */

static void test_find_coordinator(void **state)
{
	struct fx *fx = *state;
	start(fx, false);
	struct tclient *a = cl(fx, 0);
	/* Nobody leads __consumer_offsets-0 yet (and there is no ZooKeeper to
	 * create it in): not available. */
	find(a, "g");
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(a->r[KP_API_FIND_COORDINATOR].error, KP_ERR_COORDINATOR_NOT_AVAILABLE);
	assert_int_equal(a->r[KP_API_FIND_COORDINATOR].node_id, -1);
	lead_offsets(fx, 1);
	sim_run_for(fx->w, 50 * MS);
	find(a, "g");
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(a->r[KP_API_FIND_COORDINATOR].error, KP_ERR_NONE);
	assert_int_equal(a->r[KP_API_FIND_COORDINATOR].node_id, 1);
	assert_string_equal(a->r[KP_API_FIND_COORDINATOR].host, "broker-1");
	/* Group requests elsewhere are refused before the log is led. */
}

/* ---- Join, sync, heartbeat ---------------------------------------------------------- */

/* Member 0 joins alone and leads generation 1. Returns its member id. */
static void first_member(struct fx *fx, char *id_out)
{
	struct tclient *a = cl(fx, 0);
	int before = a->r[KP_API_JOIN_GROUP].count;
	join(a, "", 10000, "meta-a");
	sim_run_for(fx->w, 50 * MS);
	struct reply *j = &a->r[KP_API_JOIN_GROUP];
	assert_int_equal(j->count, before + 1);
	assert_int_equal(j->error, KP_ERR_NONE);
	assert_int_equal(j->generation, 1);
	assert_string_equal(j->leader, j->member_id);
	assert_int_equal(j->members, 1);
	assert_true(strncmp(j->member_id, "tc-", 3) == 0); /* clientId-<random> */
	strcpy(id_out, j->member_id);
	const char *pairs[] = {id_out, "assign-a"};
	sync_group(a, 1, id_out, pairs, 1);
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(a->r[KP_API_SYNC_GROUP].error, KP_ERR_NONE);
	assert_string_equal(a->r[KP_API_SYNC_GROUP].assignment, "assign-a");
}

static void test_join_sync_heartbeat(void **state)
{
	struct fx *fx = *state;
	start(fx, true);
	struct tclient *a = cl(fx, 0), *b = cl(fx, 1);
	char ida[128], idb[128];
	first_member(fx, ida);
	heartbeat(a, 1, ida);
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(a->r[KP_API_HEARTBEAT].error, KP_ERR_NONE);

	/* B joins: its answer waits until A has rejoined. */
	join(b, "", 10000, "meta-b");
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(b->r[KP_API_JOIN_GROUP].count, 0);
	heartbeat(a, 1, ida);
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(a->r[KP_API_HEARTBEAT].error, KP_ERR_REBALANCE_IN_PROGRESS);
	/* A SyncGroup now is too early. */
	sync_group(a, 1, ida, NULL, 0);
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(a->r[KP_API_SYNC_GROUP].error, KP_ERR_REBALANCE_IN_PROGRESS);
	join(a, ida, 10000, "meta-a");
	sim_run_for(fx->w, 50 * MS);
	struct reply *ja = &a->r[KP_API_JOIN_GROUP], *jb = &b->r[KP_API_JOIN_GROUP];
	assert_int_equal(jb->count, 1);
	assert_int_equal(ja->generation, 2);
	assert_int_equal(jb->generation, 2);
	assert_string_equal(ja->member_id, ida);      /* a member keeps its id */
	assert_string_equal(ja->leader, ida);         /* and the leader stays */
	assert_string_equal(jb->leader, ida);
	assert_int_equal(ja->members, 2);             /* only the leader gets the list */
	assert_int_equal(jb->members, 0);
	strcpy(idb, jb->member_id);
	assert_string_not_equal(ida, idb);

	/* B's sync waits for the leader's. */
	sync_group(b, 2, idb, NULL, 0);
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(b->r[KP_API_SYNC_GROUP].count, 0);
	const char *pairs[] = {ida, "parts-a", idb, "parts-b"};
	sync_group(a, 2, ida, pairs, 2);
	sim_run_for(fx->w, 50 * MS);
	assert_string_equal(a->r[KP_API_SYNC_GROUP].assignment, "parts-a");
	assert_int_equal(b->r[KP_API_SYNC_GROUP].error, KP_ERR_NONE);
	assert_string_equal(b->r[KP_API_SYNC_GROUP].assignment, "parts-b");

	/* Generation and member checks. */
	heartbeat(b, 1, idb);
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(b->r[KP_API_HEARTBEAT].error, KP_ERR_ILLEGAL_GENERATION);
	heartbeat(b, 2, "tc-unknown");
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(b->r[KP_API_HEARTBEAT].error, KP_ERR_UNKNOWN_MEMBER_ID);
	sync_group(b, 1, idb, NULL, 0);
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(b->r[KP_API_SYNC_GROUP].error, KP_ERR_ILLEGAL_GENERATION);
	join(b, "tc-unknown", 10000, "meta-b");
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(b->r[KP_API_JOIN_GROUP].error, KP_ERR_UNKNOWN_MEMBER_ID);
	heartbeat(b, 2, idb);
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(b->r[KP_API_HEARTBEAT].error, KP_ERR_NONE);
}

static void test_join_refusals(void **state)
{
	struct fx *fx = *state;
	start(fx, true);
	struct tclient *a = cl(fx, 0);
	/* Below group.min.session.timeout.ms (6 s). */
	join(a, "", 5999, "m");
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(a->r[KP_API_JOIN_GROUP].error, KP_ERR_INVALID_SESSION_TIMEOUT);
	char ida[128];
	first_member(fx, ida);
	/* Another protocol type than the group's. */
	struct kp_join_group_protocol proto = {kp_str_from("range"), {(const uint8_t *)"x", 1}};
	struct kp_request req = request(KP_API_JOIN_GROUP, 5);
	req.body.join_group = (struct kp_join_group_request){
		kp_str_from("g"), 10000, 10000, kp_str_from(""), KP_STR_NULL,
		kp_str_from("connect"), &proto, 1};
	send(cl(fx, 1), &req);
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(cl(fx, 1)->r[KP_API_JOIN_GROUP].error, KP_ERR_INCONSISTENT_GROUP_PROTOCOL);
}

/* ---- Session expiry and leaving ------------------------------------------------------ */

static void test_session_expiry_and_leave(void **state)
{
	struct fx *fx = *state;
	start(fx, true);
	struct tclient *a = cl(fx, 0), *b = cl(fx, 1);
	char ida[128], idb[128];
	first_member(fx, ida);
	join(b, "", 6000, "meta-b");
	sim_run_for(fx->w, 50 * MS);
	join(a, ida, 10000, "meta-a");
	sim_run_for(fx->w, 50 * MS);
	strcpy(idb, b->r[KP_API_JOIN_GROUP].member_id);
	assert_int_equal(a->r[KP_API_JOIN_GROUP].generation, 2);
	const char *pairs[] = {ida, "pa", idb, "pb"};
	sync_group(a, 2, ida, pairs, 2);
	sync_group(b, 2, idb, NULL, 0);
	sim_run_for(fx->w, 50 * MS);
	assert_string_equal(b->r[KP_API_SYNC_GROUP].assignment, "pb");

	/* B falls silent; A heartbeats every second, half a second off the
	 * beat. B's 6 s session ends 6 s after its SyncGroup arrived: A's
	 * heartbeat at 5.5 s is fine, the one at 6.5 s hears of the rebalance. */
	int64_t synced = sim_now(fx->w) - 50 * MS;
	int rebalance_seen_at = -1;
	for (int s = 1; s <= 8 && rebalance_seen_at < 0; s++) {
		sim_run_until(fx->w, synced + s * S + 500 * MS);
		heartbeat(a, 2, ida);
		sim_run_for(fx->w, 20 * MS);
		if (a->r[KP_API_HEARTBEAT].error == KP_ERR_REBALANCE_IN_PROGRESS)
			rebalance_seen_at = s;
		else
			assert_int_equal(a->r[KP_API_HEARTBEAT].error, KP_ERR_NONE);
	}
	assert_int_equal(rebalance_seen_at, 6);
	join(a, ida, 10000, "meta-a");
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(a->r[KP_API_JOIN_GROUP].generation, 3);
	assert_int_equal(a->r[KP_API_JOIN_GROUP].members, 1);
	/* B comes back with its old id: it is unknown now. */
	heartbeat(b, 2, idb);
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(b->r[KP_API_HEARTBEAT].error, KP_ERR_UNKNOWN_MEMBER_ID);

	/* A leaves: the group is empty and A unknown. */
	leave(a, ida);
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(a->r[KP_API_LEAVE_GROUP].error, KP_ERR_NONE);
	heartbeat(a, 3, ida);
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(a->r[KP_API_HEARTBEAT].error, KP_ERR_UNKNOWN_MEMBER_ID);
	leave(a, ida);
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(a->r[KP_API_LEAVE_GROUP].error, KP_ERR_UNKNOWN_MEMBER_ID);
}

/* A member that never rejoins is dropped when the rebalance times out
 * (its rebalance timeout, here equal to its session timeout). */
static void test_rebalance_timeout(void **state)
{
	struct fx *fx = *state;
	start(fx, true);
	struct tclient *a = cl(fx, 0), *b = cl(fx, 1);
	char ida[128];
	first_member(fx, ida);
	int64_t t0 = sim_now(fx->w);
	join(b, "", 6000, "meta-b");
	/* A keeps heartbeating (so its session stays alive) but never rejoins. */
	for (int s = 1; s <= 9; s++) {
		sim_run_until(fx->w, t0 + s * S);
		heartbeat(a, 1, ida);
	}
	sim_run_until(fx->w, t0 + 9500 * MS);
	assert_int_equal(b->r[KP_API_JOIN_GROUP].count, 0);
	/* The rebalance waits for the largest rebalance timeout of its members:
	 * A's 10 s (B asked for 6 s). */
	sim_run_until(fx->w, t0 + 10100 * MS);
	assert_int_equal(b->r[KP_API_JOIN_GROUP].count, 1);
	assert_int_equal(b->r[KP_API_JOIN_GROUP].generation, 2);
	assert_int_equal(b->r[KP_API_JOIN_GROUP].members, 1);
	assert_string_equal(b->r[KP_API_JOIN_GROUP].leader, b->r[KP_API_JOIN_GROUP].member_id);
}

/* ---- Offsets ---------------------------------------------------------------------- */

static void test_offset_commit_fetch_and_reload(void **state)
{
	struct fx *fx = *state;
	start(fx, true);
	struct tclient *a = cl(fx, 0);
	struct brk_broker *broker = sim_node_state(fx->w, fx->broker);
	fetch_offsets(a);
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(a->r[KP_API_OFFSET_FETCH].error, KP_ERR_NONE);
	for (int i = 0; i < 4; i++)
		assert_int_equal(a->r[KP_API_OFFSET_FETCH].offsets[i], -1);
	/* A commit outside membership (generation -1) into an empty group. */
	static const int64_t first[3] = {5, 7, 9};
	commit(a, -1, "", first, 3);
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(a->r[KP_API_OFFSET_COMMIT].count, 1);
	assert_int_equal(a->r[KP_API_OFFSET_COMMIT].error, KP_ERR_NONE);
	/* One record per partition in the group's partition of the log. */
	assert_int_equal(brk_high_watermark(broker, OFFSETS, 0), 3);
	static const int64_t second[2] = {6, 8};
	commit(a, -1, "", second, 2);
	fetch_offsets(a);
	sim_run_for(fx->w, 50 * MS);
	struct reply *f = &a->r[KP_API_OFFSET_FETCH];
	assert_int_equal(f->offsets[0], 6);
	assert_int_equal(f->offsets[1], 8);
	assert_int_equal(f->offsets[2], 9);
	assert_int_equal(f->offsets[3], -1);

	/* Members commit in their generation only (Kafka's doCommitOffsets:
	 * a commit without membership only into an empty group). */
	char ida[128];
	first_member(fx, ida);
	/* The completed rebalance is one group metadata record after the five
	 * offset records; SyncGroup was answered once it was committed. */
	assert_int_equal(brk_high_watermark(broker, OFFSETS, 0), 6);
	static const int64_t third[1] = {11};
	commit(a, -1, "", third, 1);
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(a->r[KP_API_OFFSET_COMMIT].error, KP_ERR_UNKNOWN_MEMBER_ID);
	commit(a, 2, ida, third, 1);
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(a->r[KP_API_OFFSET_COMMIT].error, KP_ERR_ILLEGAL_GENERATION);
	commit(a, 1, "tc-unknown", third, 1);
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(a->r[KP_API_OFFSET_COMMIT].error, KP_ERR_UNKNOWN_MEMBER_ID);
	commit(a, 1, ida, third, 1);
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(a->r[KP_API_OFFSET_COMMIT].error, KP_ERR_NONE);

	/* A crash and restart: the new term reads the log back. */
	sim_node_kill(fx->w, fx->broker);
	sim_run_for(fx->w, 100 * MS);
	sim_node_restart(fx->w, fx->broker);
	lead_offsets(fx, 2);
	sim_node_restart(fx->w, fx->clients[0]);
	sim_run_for(fx->w, 200 * MS);
	a = cl(fx, 0);
	fetch_offsets(a);
	sim_run_for(fx->w, 50 * MS);
	f = &a->r[KP_API_OFFSET_FETCH];
	assert_int_equal(f->count, 1);
	assert_int_equal(f->error, KP_ERR_NONE);
	assert_int_equal(f->offsets[0], 11);
	assert_int_equal(f->offsets[1], 8);
	assert_int_equal(f->offsets[2], 9);
	assert_int_equal(f->offsets[3], -1);
	/* The group was read back from its metadata record: the member is
	 * known in its generation, and gets its assignment again. */
	heartbeat(a, 1, ida);
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(a->r[KP_API_HEARTBEAT].error, KP_ERR_NONE);
	heartbeat(a, 2, ida);
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(a->r[KP_API_HEARTBEAT].error, KP_ERR_ILLEGAL_GENERATION);
	sync_group(a, 1, ida, NULL, 0);
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(a->r[KP_API_SYNC_GROUP].error, KP_ERR_NONE);
	assert_string_equal(a->r[KP_API_SYNC_GROUP].assignment, "assign-a");
}

/* The group invariants (brk_group_check.c) hold on a well-formed group and
 * report each broken one; the protocol tests above run them after every
 * change of every group. */
static int caught_n;
static char caught_inv[160];

static void catch_it(void *arg, const char *invariant, const char *report)
{
	(void)arg;
	caught_n++;
	snprintf(caught_inv, sizeof caught_inv, "%s", invariant);
	assert_non_null(strstr(report, "group g on client-1"));
}

static void test_group_invariants(void **state)
{
	struct fx *fx = *state;
	start(fx, true);
	struct brk_group_coordinator co = {.env = cl(fx, 0)->env};
	struct grp_proto proto = {"range", NULL, 0};
	struct grp_member m1 = {.id = "m1", .protos = &proto, .n_protos = 1};
	struct grp_member m2 = {.id = "m2", .protos = &proto, .n_protos = 1};
	struct grp_member *members[2] = {&m1, &m2};
	struct grp_group g = {.co = &co, .id = "g", .state = GRP_STABLE, .generation = 3,
			      .protocol = "range", .leader = "m1", .members = members,
			      .n_members = 2};
	sim_invariant_set_handler(catch_it, NULL);
	caught_n = 0;
	grp_check(&g, "test");
	assert_int_equal(caught_n, 0);
	g.generation = 2;
	grp_check(&g, "test");
	assert_string_equal(caught_inv, "the generation never decreases");
	g.generation = 3;
	g.leader = "m9";
	grp_check(&g, "test");
	assert_string_equal(caught_inv,
			    "a group with a generation in progress has a leader member and a protocol");
	g.leader = "m1";
	m2.id = "m1";
	grp_check(&g, "test");
	assert_string_equal(caught_inv, "member ids are unique");
	m2.id = "m2";
	m2.sync = (struct brk_req *)&g; /* any non-NULL: a held answer */
	grp_check(&g, "test");
	assert_string_equal(caught_inv, "a stable group holds no SyncGroup answer");
	m2.sync = NULL;
	g.state = GRP_EMPTY;
	grp_check(&g, "test");
	assert_string_equal(caught_inv, "an empty group has no members");
	assert_int_equal(caught_n, 5);
	sim_invariant_set_handler(NULL, NULL);
}

/* Without leading the group's partition the broker is not its coordinator. */
static void test_not_coordinator(void **state)
{
	struct fx *fx = *state;
	start(fx, false);
	struct tclient *a = cl(fx, 0);
	join(a, "", 10000, "m");
	heartbeat(a, 1, "x");
	fetch_offsets(a);
	static const int64_t one[1] = {1};
	commit(a, -1, "", one, 1);
	sim_run_for(fx->w, 50 * MS);
	assert_int_equal(a->r[KP_API_JOIN_GROUP].error, KP_ERR_NOT_COORDINATOR);
	assert_int_equal(a->r[KP_API_HEARTBEAT].error, KP_ERR_NOT_COORDINATOR);
	assert_int_equal(a->r[KP_API_OFFSET_FETCH].error, KP_ERR_NOT_COORDINATOR);
	assert_int_equal(a->r[KP_API_OFFSET_COMMIT].error, KP_ERR_NOT_COORDINATOR);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_java_hash_and_partition),
		cmocka_unit_test(test_offset_record_round_trip),
		cmocka_unit_test(test_group_metadata_record),
		T(test_find_coordinator),
		T(test_join_sync_heartbeat),
		T(test_join_refusals),
		T(test_session_expiry_and_leave),
		T(test_rebalance_timeout),
		T(test_offset_commit_fetch_and_reload),
		T(test_not_coordinator),
		T(test_group_invariants),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
