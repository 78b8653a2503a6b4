/*
 * A simulated cluster for controller tests: three ZooKeeper servers, three
 * "brokers" of a test node class that runs the broker's ZooKeeper session
 * (brk_zk) and the controller (ctl) with a front door whose handler
 * records the LeaderAndIsr, UpdateMetadata and StopReplica it receives (and
 * answers them, refusing an older controller epoch as a broker does) and
 * hands AlterPartition to the controller; and a probe node with a
 * zk_client and a Kafka connection, driven synchronously by the test.
 *
 * Header-only, for test_ctl*.c.
 */
#ifndef KSIM_TEST_CTL_FIXTURE_H
#define KSIM_TEST_CTL_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "broker/client/kc_conn.h"
#include "broker/ctl/ctl.h"
#include "broker/ctl/ctl_zk.h"
#include "broker/kafka/brk_front.h"
#include "broker/kafka/brk_zk.h"
#include "broker/kp/kp_error.h"
#include "broker/zk/zk_server.h"
#include "sim/util.h"
#include "sim/world.h"

#define S SIM_NS_PER_S
#define MS SIM_NS_PER_MS
#define NB 3
#ifndef MAX_REC
#define MAX_REC 64
#endif

/* The latest partition state a broker heard of, from one request kind. */
struct rec {
	char topic[32];
	int32_t part, leader, leader_epoch, zk_version, controller_epoch;
	int32_t isr[16], n_isr;
	int32_t offline[16], n_offline; /* UpdateMetadata's offline_replicas */
	bool is_new;
};

struct tb {
	struct env *env;
	const struct brk_config *cfg;
	struct brk_zk *zk;
	struct ctl *ctl;
	struct brk_front *front;
	int32_t max_epoch;   /* the newest controller epoch heard */
	int n_laisr, n_um, n_stop, n_refused;
	int64_t laisr_broker_epoch;
	struct rec laisr[MAX_REC];
	int n_laisr_rec;
	struct rec um[MAX_REC];
	int n_um_rec;
	int32_t um_brokers, um_controller;
	int32_t live_leaders[NB], n_live_leaders; /* of the last LeaderAndIsr */
	char live_leader_host[32];                 /* its first entry's host:port */
};

static inline void tb_session(void *arg, struct zk_client *zc)
{
	ctl_session(((struct tb *)arg)->ctl, zc);
}

static inline void tb_watch(void *arg, int32_t type, struct zk_str path)
{
	ctl_watch_event(((struct tb *)arg)->ctl, type, path);
}

static inline struct rec *rec_slot(struct rec *recs, int *n, struct kp_str topic, int32_t part)
{
	for (int i = 0; i < *n; i++)
		if (recs[i].part == part && kp_str_eq(topic, recs[i].topic))
			return &recs[i];
	assert_true(*n < MAX_REC);
	struct rec *r = &recs[(*n)++];
	memset(r, 0, sizeof *r);
	snprintf(r->topic, sizeof r->topic, "%.*s", topic.len, topic.ptr);
	r->part = part;
	return r;
}

static inline void rec_fill(struct rec *r, const struct kp_partition_state *st)
{
	r->leader = st->leader;
	r->leader_epoch = st->leader_epoch;
	r->zk_version = st->zk_version;
	r->controller_epoch = st->controller_epoch;
	r->is_new = st->is_new;
	r->n_offline = st->offline_count < 16 ? st->offline_count : 16;
	if (r->n_offline > 0)
		memcpy(r->offline, st->offline_replicas, (size_t)r->n_offline * sizeof *r->offline);
	r->n_isr = st->isr_count < 16 ? st->isr_count : 16;
	if (r->n_isr > 0)
		memcpy(r->isr, st->isr, (size_t)r->n_isr * sizeof *r->isr);
}

static inline bool tb_fence(struct tb *b, int32_t epoch)
{
	if (epoch < b->max_epoch) {
		b->n_refused++;
		return false;
	}
	b->max_epoch = epoch;
	return true;
}

static inline void tb_leader_and_isr(struct tb *b, struct brk_req *r)
{
	const struct kp_leader_and_isr_request *q = &r->req.body.leader_and_isr;
	struct kp_response resp;
	memset(&resp, 0, sizeof resp);
	if (!tb_fence(b, q->controller_epoch)) {
		resp.body.leader_and_isr.error_code = KP_ERR_STALE_CONTROLLER_EPOCH;
	} else {
		b->n_laisr++;
		b->laisr_broker_epoch = q->broker_epoch;
		b->n_live_leaders = 0;
		for (int32_t i = 0; i < q->live_leader_count && i < NB; i++)
			b->live_leaders[b->n_live_leaders++] = q->live_leaders[i].broker_id;
		if (q->live_leader_count > 0)
			snprintf(b->live_leader_host, sizeof b->live_leader_host, "%.*s:%d",
				 q->live_leaders[0].host_name.len, q->live_leaders[0].host_name.ptr,
				 q->live_leaders[0].port);
		for (int32_t t = 0; t < q->topic_count; t++)
			for (int32_t i = 0; i < q->topics[t].partition_count; i++) {
				const struct kp_partition_state *st = &q->topics[t].partitions[i];
				struct kp_str name = q->topics[t].topic_name;
				rec_fill(rec_slot(b->laisr, &b->n_laisr_rec, name,
						  st->partition_index),
					 st);
			}
	}
	brk_front_respond(r, &resp);
}

static inline void tb_update_metadata(struct tb *b, struct brk_req *r)
{
	const struct kp_update_metadata_request *q = &r->req.body.update_metadata;
	struct kp_response resp;
	memset(&resp, 0, sizeof resp);
	if (!tb_fence(b, q->controller_epoch)) {
		resp.body.update_metadata.error_code = KP_ERR_STALE_CONTROLLER_EPOCH;
	} else {
		b->n_um++;
		b->um_brokers = q->live_broker_count;
		b->um_controller = q->controller_id;
		for (int32_t t = 0; t < q->topic_count; t++)
			for (int32_t i = 0; i < q->topics[t].partition_count; i++) {
				const struct kp_partition_state *st = &q->topics[t].partitions[i];
				rec_fill(rec_slot(b->um, &b->n_um_rec, q->topics[t].topic_name,
						  st->partition_index),
					 st);
			}
	}
	brk_front_respond(r, &resp);
}

static inline void tb_handler(void *ctx, struct brk_req *r)
{
	struct tb *b = ctx;
	struct kp_response resp;
	switch (r->req.header.api_key) {
	case KP_API_LEADER_AND_ISR:
		tb_leader_and_isr(b, r);
		return;
	case KP_API_UPDATE_METADATA:
		tb_update_metadata(b, r);
		return;
	case KP_API_STOP_REPLICA:
		b->n_stop++;
		memset(&resp, 0, sizeof resp);
		brk_front_respond(r, &resp);
		return;
	case KP_API_ALTER_PARTITION:
		ctl_handle_alter_partition(b->ctl, r);
		return;
	case KP_API_CONTROLLED_SHUTDOWN:
		ctl_handle_controlled_shutdown(b->ctl, r);
		return;
	case KP_API_ELECT_LEADERS:
		ctl_handle_elect_leaders(b->ctl, r);
		return;
	}
	brk_front_reject(r);
}

static inline void *tb_start(struct env *env, const void *config)
{
	struct tb *b = env_calloc(env, 1, sizeof *b);
	b->env = env;
	b->cfg = config;
	b->max_epoch = -1;
	b->zk = brk_zk_start(env, b->cfg);
	b->ctl = ctl_new(env, b->cfg);
	brk_zk_set_listener(b->zk, tb_session, tb_watch, b);
	struct brk_front_config fc;
	brk_front_config_default(&fc);
	fc.port = b->cfg->port;
	b->front = brk_front_start(env, &fc, tb_handler, b);
	return b;
}

/* ---- The probe ------------------------------------------------------------------------- */

struct probe {
	struct env *env;
	struct zk_client *zk;
	bool done;
	int32_t rc;
	char data[1024];
	int32_t len;
	struct zk_stat stat;
	/* Kafka side. */
	struct kc_conn *conn;
	bool ready;
	int16_t top_error;
	int nres;
	struct {
		int16_t error;
		int32_t leader, leader_epoch, partition_epoch, isr[16], n_isr;
	} res[8];
};

static inline void *probe_start(struct env *env, const void *config)
{
	struct probe *p = env_calloc(env, 1, sizeof *p);
	p->env = env;
	struct zk_client_config c = {"zk-1:2181,zk-2:2181,zk-3:2181", 20000, NULL, NULL};
	p->zk = zk_client_new(env, &c);
	return p;
}

struct fx {
	struct sim_world *w;
	struct zk_server_config zc[3];
	struct brk_config bc[NB];
	uint32_t zk[3], b[NB], probe;
	char events[256][200]; /* "node kind: text" of every env_event */
	int n_events;
};

static inline void fx_event(void *ctx, int64_t t, const char *node, const char *kind,
			    const char *text)
{
	struct fx *fx = ctx;
	if (getenv("CTL_LOG"))
		fprintf(stderr, "%12.6fs %-9s %-10s %s\n", (double)t / 1e9, node, kind, text);
	if (fx->n_events < 256)
		snprintf(fx->events[fx->n_events++], sizeof fx->events[0], "%s %s: %s", node, kind,
			 text);
}

/* How many events contain `needle`. */
static inline int fx_count(const struct fx *fx, const char *needle)
{
	int n = 0;
	for (int i = 0; i < fx->n_events; i++)
		n += strstr(fx->events[i], needle) != NULL;
	return n;
}

static const struct sim_node_class zk_class = {"zookeeper", zk_server_start};
static const struct sim_node_class tb_class = {"broker", tb_start};
static const struct sim_node_class probe_class = {"client", probe_start};

static inline struct fx *fx_new(uint64_t seed, bool unclean, int64_t imbalance_check_s)
{
	struct fx *fx = test_calloc(1, sizeof *fx);
	struct sim_world_config wc;
	/* KSIM_CTL_SEED shifts every test's seed (for seed sweeps by hand). */
	if (getenv("KSIM_CTL_SEED"))
		seed += strtoull(getenv("KSIM_CTL_SEED"), NULL, 10);
	sim_world_config_default(&wc, seed);
	fx->w = sim_world_new(&wc);
	if (getenv("CTL_LOG"))
		sim_world_set_log(fx->w, stderr, ENV_LOG_INFO);
	sim_world_set_event_sink(fx->w, fx_event, fx);
	static const char *const zk_names[] = {"zk-1", "zk-2", "zk-3"};
	static const char *const b_names[] = {"broker-1", "broker-2", "broker-3"};
	for (int i = 0; i < 3; i++) {
		zk_server_config_default(&fx->zc[i]);
		fx->zc[i].my_id = i + 1;
		fx->zc[i].n_members = 3;
		for (int k = 0; k < 3; k++)
			fx->zc[i].members[k] = (struct zk_server_member){k + 1, zk_names[k]};
		fx->zk[i] = sim_node_add(fx->w, zk_names[i], &zk_class, &fx->zc[i]);
		sim_node_start(fx->w, fx->zk[i]);
	}
	for (int i = 0; i < NB; i++) {
		brk_config_default(&fx->bc[i]);
		fx->bc[i].broker_id = i + 1;
		fx->bc[i].zk_session_timeout_ms = 6000;
		fx->bc[i].unclean_leader_election = unclean;
		fx->bc[i].leader_imbalance_check_s = imbalance_check_s;
		assert_int_equal(brk_config_set(&fx->bc[i], "zookeeper.connect",
						"zk-1:2181,zk-2:2181,zk-3:2181", NULL, 0),
				 BRK_CONFIG_OK);
		fx->b[i] = sim_node_add(fx->w, b_names[i], &tb_class, &fx->bc[i]);
		sim_node_start(fx->w, fx->b[i]);
	}
	fx->probe = sim_node_add(fx->w, "probe", &probe_class, NULL);
	sim_node_start(fx->w, fx->probe);
	return fx;
}

static inline void fx_free(struct fx *fx)
{
	sim_world_free(fx->w);
	test_free(fx);
}

static inline struct tb *tb_of(struct fx *fx, int32_t id)
{
	uint32_t n = fx->b[id - 1];
	return sim_node_status(fx->w, n) == SIM_NODE_UP ? sim_node_state(fx->w, n) : NULL;
}

/* The id of the one active controller among running brokers; fails the
 * test when there are several; -1 when none. */
static inline int32_t controller(struct fx *fx)
{
	int32_t id = -1;
	for (int32_t i = 1; i <= NB; i++) {
		struct tb *b = tb_of(fx, i);
		if (b && ctl_active(b->ctl)) {
			assert_int_equal(id, -1);
			id = i;
		}
	}
	return id;
}

static inline struct probe *probe(struct fx *fx)
{
	return sim_node_state(fx->w, fx->probe);
}

static inline void probe_cb(void *arg, const struct zk_client_result *res)
{
	struct probe *p = arg;
	p->done = true;
	p->rc = res->rc;
	p->len = -1;
	if (res->rc == ZOK && res->resp) {
		p->stat = res->resp->stat;
		if (res->resp->data.len >= 0 && res->resp->data.len < (int32_t)sizeof p->data) {
			memcpy(p->data, res->resp->data.p, (size_t)res->resp->data.len);
			p->data[res->resp->data.len] = 0;
			p->len = res->resp->data.len;
		}
	}
}

/* Runs until the probe's request is answered (10 s at most). */
static inline int32_t probe_wait(struct fx *fx)
{
	struct probe *p = probe(fx);
	for (int i = 0; i < 1000 && !p->done; i++)
		sim_run_for(fx->w, 10 * MS);
	assert_true(p->done);
	return p->rc;
}

/* The probe's ZooKeeper requests, again after a connection loss (its
 * server may be the one a test killed). */
enum zop { ZGET, ZCREATE, ZSET, ZDELETE };

static inline int32_t zdo(struct fx *fx, enum zop op, const char *path, const char *data)
{
	struct probe *p = probe(fx);
	for (int attempt = 0; attempt < 20; attempt++) {
		p->done = false;
		int32_t len = data ? (int32_t)strlen(data) : 0;
		if (op == ZGET)
			zk_client_get_data(p->zk, path, false, probe_cb, p);
		else if (op == ZCREATE)
			zk_client_create(p->zk, path, data, len, ZK_CREATE_PERSISTENT, probe_cb, p);
		else if (op == ZSET)
			zk_client_set_data(p->zk, path, data, len, -1, probe_cb, p);
		else
			zk_client_delete(p->zk, path, -1, probe_cb, p);
		int32_t rc = probe_wait(fx);
		if (rc != ZCONNECTIONLOSS) {
			/* A create whose first answer was lost may have happened. */
			return op == ZCREATE && attempt > 0 && rc == ZNODEEXISTS ? ZOK : rc;
		}
		sim_run_for(fx->w, 500 * MS);
	}
	return ZCONNECTIONLOSS;
}

static inline int32_t zget(struct fx *fx, const char *path)
{
	return zdo(fx, ZGET, path, NULL);
}

static inline int32_t zcreate(struct fx *fx, const char *path, const char *data)
{
	return zdo(fx, ZCREATE, path, data);
}

static inline int32_t zset(struct fx *fx, const char *path, const char *data)
{
	return zdo(fx, ZSET, path, data);
}

static inline int32_t zdelete(struct fx *fx, const char *path)
{
	return zdo(fx, ZDELETE, path, NULL);
}

/* A partition's state znode, with its version in st->zk_version. */
static inline struct ctl_pstate pstate(struct fx *fx, const char *topic, int32_t part)
{
	char path[128];
	ctl_zk_partition_path(path, sizeof path, topic, part, true);
	assert_int_equal(zget(fx, path), ZOK);
	struct ctl_pstate st;
	assert_int_equal(ctl_zk_parse_state(probe(fx)->data, (size_t)probe(fx)->len, &st), 0);
	st.zk_version = probe(fx)->stat.version;
	return st;
}

static inline int64_t broker_epoch(struct fx *fx, int32_t id)
{
	char path[64];
	snprintf(path, sizeof path, "/brokers/ids/%d", id);
	assert_int_equal(zget(fx, path), ZOK);
	return probe(fx)->stat.czxid;
}

/* Creates a topic as CreateTopics does: its assignment znode alone. */
static inline void create_topic(struct fx *fx, const char *name, const char *partitions)
{
	char path[128], data[512];
	snprintf(path, sizeof path, "/brokers/topics/%s", name);
	snprintf(data, sizeof data,
		 "{\"version\":2,\"partitions\":{%s},\"adding_replicas\":{},"
		 "\"removing_replicas\":{}}",
		 partitions);
	assert_int_equal(zcreate(fx, path, data), ZOK);
}

static inline void assert_isr_is(const int32_t *isr, int32_t n, const int32_t *want,
				 int32_t n_want)
{
	assert_int_equal(n, n_want);
	for (int32_t i = 0; i < n; i++)
		assert_int_equal(isr[i], want[i]);
}

static inline const struct rec *find_rec(const struct rec *recs, int n, const char *topic,
					 int32_t part)
{
	for (int i = 0; i < n; i++)
		if (recs[i].part == part && !strcmp(recs[i].topic, topic))
			return &recs[i];
	return NULL;
}

/* ---- AlterPartition from the probe ------------------------------------------------------ */

static inline void probe_state(void *arg, struct kc_conn *c, enum kc_state st, int status)
{
	struct probe *p = arg;
	p->ready = st == KC_READY;
	if (st == KC_DOWN)
		p->conn = NULL;
}

static inline void probe_answer(void *arg, int status, const struct kp_response *resp)
{
	struct probe *p = arg;
	p->done = true;
	p->rc = status;
	if (status != KC_OK)
		return;
	const struct kp_alter_partition_response *a = &resp->body.alter_partition;
	p->top_error = a->error_code;
	p->nres = 0;
	for (int32_t t = 0; t < a->topic_count; t++)
		for (int32_t i = 0; i < a->topics[t].partition_count && p->nres < 8; i++) {
			const struct kp_alter_partition_result *r = &a->topics[t].partitions[i];
			p->res[p->nres].error = r->error_code;
			p->res[p->nres].leader = r->leader_id;
			p->res[p->nres].leader_epoch = r->leader_epoch;
			p->res[p->nres].partition_epoch = r->partition_epoch;
			p->res[p->nres].n_isr = r->isr_count < 16 ? r->isr_count : 16;
			if (p->res[p->nres].n_isr > 0)
				memcpy(p->res[p->nres].isr, r->isr,
				       (size_t)p->res[p->nres].n_isr * sizeof *r->isr);
			p->nres++;
		}
}

/* Sends AlterPartition for one partition to broker `to` as broker `from`;
 * runs until the answer. */
static inline void alter(struct fx *fx, int32_t to, int32_t from, int64_t from_epoch,
			 const char *topic, int32_t part, int32_t leader_epoch,
			 int32_t partition_epoch, const int32_t *isr, int32_t n_isr)
{
	struct probe *p = probe(fx);
	if (p->conn)
		kc_conn_close(p->conn);
	char host[16];
	snprintf(host, sizeof host, "broker-%d", to);
	struct kc_conn_config cc;
	kc_conn_config_default(&cc);
	p->ready = false;
	p->conn = kc_conn_open(p->env, host, 9092, &cc, probe_state, p);
	for (int i = 0; i < 100 && !p->ready; i++)
		sim_run_for(fx->w, 10 * MS);
	assert_true(p->ready);
	struct kp_alter_partition_partition pp = {part, leader_epoch, isr, n_isr, partition_epoch};
	struct kp_alter_partition_topic tp = {kp_str_from(topic), &pp, 1};
	struct kp_request req;
	memset(&req, 0, sizeof req);
	req.header.api_key = KP_API_ALTER_PARTITION;
	req.header.api_version = KP_ALTER_PARTITION_VERSION;
	req.body.alter_partition = (struct kp_alter_partition_request){from, from_epoch, &tp, 1};
	p->done = false;
	p->nres = 0;
	p->top_error = -100;
	assert_int_equal(kc_conn_send(p->conn, &req, true, probe_answer, p), 0);
	probe_wait(fx);
	assert_int_equal(p->rc, KC_OK);
}

#endif
