/*
 * CreateTopics: validates each topic, places its replicas as Kafka's
 * AdminUtils.assignReplicasToBrokers does (round robin from a random start,
 * with a random shift for the following replicas), and writes the
 * assignment to /brokers/topics/<name> in ZooKeeper, Kafka's JSON layout.
 * The controller (next issue) turns a new assignment into leaders.
 */
#include "broker/kafka/brk_topics.h"

#include "broker/kafka/brk_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/conf/kcfg.h"
#include "broker/kp/kp_error.h"
#include "broker/zk/zk_client.h"

#define MAX_BROKERS 64

struct create_op {
	struct brk_broker *b;
	struct brk_req *r;
	int32_t outstanding;
	int32_t brokers[MAX_BROKERS]; /* live broker ids, sorted */
	int32_t n_brokers;
	struct kp_create_topics_topic_response *out;
	/* An internal topic (brk_topics_create_internal) instead of a request. */
	const struct kp_create_topics_topic *internal;
};

static void create_finish(struct create_op *op)
{
	if (op->internal) {
		env_free(op->b->env, (void *)op->internal->name.ptr);
		env_free(op->b->env, (void *)op->internal);
		env_free(op->b->env, op->out);
		env_free(op->b->env, op);
		return;
	}
	struct kp_response resp;
	memset(&resp, 0, sizeof resp);
	resp.body.create_topics.topics = op->out;
	resp.body.create_topics.topic_count = op->r->req.body.create_topics.topic_count;
	brk_front_respond(op->r, &resp);
	env_free(op->b->env, op->out);
	env_free(op->b->env, op);
}

struct topic_write {
	struct create_op *op;
	struct kp_create_topics_topic_response *out;
};

static void topic_written(void *arg, const struct zk_client_result *res)
{
	struct topic_write *tw = arg;
	struct create_op *op = tw->op;
	tw->out->error_code = res->rc == ZOK           ? KP_ERR_NONE
			      : res->rc == ZNODEEXISTS ? KP_ERR_TOPIC_ALREADY_EXISTS
						       : KP_ERR_REQUEST_TIMED_OUT;
	env_free(op->b->env, tw);
	if (--op->outstanding == 0)
		create_finish(op);
}

/* Kafka's legal topic names: [a-zA-Z0-9._-]{1,249}, not "." or "..". */
static bool legal_name(struct kp_str n)
{
	if (n.len <= 0 || n.len > 249 || (n.len == 1 && n.ptr[0] == '.') ||
	    (n.len == 2 && n.ptr[0] == '.' && n.ptr[1] == '.'))
		return false;
	for (int32_t i = 0; i < n.len; i++) {
		char c = n.ptr[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

void brk_assign_replicas(const int32_t *brokers, int32_t n, int32_t start, int32_t shift,
			 int32_t partition, int32_t rf, int32_t *out)
{
	int32_t round_shift = shift + partition / n; /* moves on after each full round */
	int32_t first = (partition + start) % n;
	out[0] = brokers[first];
	for (int32_t j = 0; j < rf - 1; j++) {
		int32_t s = 1 + (round_shift + j) % (n - 1);
		out[j + 1] = brokers[(first + s) % n];
	}
}

static void create_one(struct create_op *op, const struct kp_create_topics_topic *t,
		       struct kp_create_topics_topic_response *out, bool validate_only)
{
	struct brk_broker *b = op->b;
	out->name = t->name;
	out->error_message = (struct kp_str){NULL, -1};
	int32_t parts = t->num_partitions == -1 ? b->cfg->num_partitions : t->num_partitions;
	int32_t rf = t->replication_factor == -1 ? b->cfg->default_replication_factor
						 : t->replication_factor;
	if (!legal_name(t->name)) {
		out->error_code = KP_ERR_INVALID_TOPIC_EXCEPTION;
		return;
	}
	if (t->assignment_count > 0) {
		out->error_code = KP_ERR_INVALID_REQUEST; /* manual assignment: see docs */
		return;
	}
	if (parts < 1 || parts > 100000) {
		out->error_code = KP_ERR_INVALID_PARTITIONS;
		return;
	}
	if (rf < 1 || rf > op->n_brokers) {
		out->error_code = KP_ERR_INVALID_REPLICATION_FACTOR;
		return;
	}
	if (validate_only)
		return;
	/* {"version":2,"partitions":{"0":[1,2],...},"adding_replicas":{},...} */
	size_t cap = 128 + (size_t)parts * (16 + 12 * (size_t)rf);
	char *json = env_alloc(b->env, cap);
	size_t len = (size_t)snprintf(json, cap, "{\"version\":2,\"partitions\":{");
	int32_t start = (int32_t)env_random_below(b->env, (uint64_t)op->n_brokers);
	int32_t shift = (int32_t)env_random_below(b->env, (uint64_t)op->n_brokers);
	int32_t replicas[MAX_BROKERS];
	for (int32_t p = 0; p < parts; p++) {
		brk_assign_replicas(op->brokers, op->n_brokers, start, shift, p, rf, replicas);
		len += (size_t)snprintf(json + len, cap - len, "%s\"%d\":[", p ? "," : "", p);
		for (int32_t j = 0; j < rf; j++)
			len += (size_t)snprintf(json + len, cap - len, "%s%d", j ? "," : "",
						replicas[j]);
		len += (size_t)snprintf(json + len, cap - len, "]");
	}
	len += (size_t)snprintf(json + len, cap - len,
				"},\"adding_replicas\":{},\"removing_replicas\":{}}");
	/* The topic's configs first, as Kafka's AdminZkClient writes them:
	 * /config/topics/<name> = {"version":1,"config":{"key":"value",...}}. */
	size_t ccap = 64;
	for (int32_t i = 0; i < t->config_count; i++)
		ccap += (size_t)t->configs[i].name.len + (size_t)t->configs[i].value.len + 8;
	char *cjson = env_alloc(b->env, ccap);
	size_t clen = (size_t)snprintf(cjson, ccap, "{\"version\":1,\"config\":{");
	for (int32_t i = 0, n = 0; i < t->config_count; i++) {
		const struct kp_create_topics_config *c = &t->configs[i];
		if (c->value.len < 0)
			continue;
		clen += (size_t)snprintf(cjson + clen, ccap - clen, "%s\"%.*s\":\"%.*s\"",
					 n++ ? "," : "", c->name.len, c->name.ptr, c->value.len,
					 c->value.ptr);
	}
	clen += (size_t)snprintf(cjson + clen, ccap - clen, "}}");
	char path[300];
	snprintf(path, sizeof path, "/config/topics/%.*s", t->name.len, t->name.ptr);
	zk_client_create(brk_zk_client(b->zk), path, cjson, (int32_t)clen, ZK_CREATE_PERSISTENT,
			 NULL, NULL);
	env_free(b->env, cjson);
	snprintf(path, sizeof path, "/brokers/topics/%.*s", t->name.len, t->name.ptr);
	struct topic_write *tw = env_alloc(b->env, sizeof *tw);
	*tw = (struct topic_write){op, out};
	op->outstanding++;
	zk_client_create(brk_zk_client(b->zk), path, json, (int32_t)len, ZK_CREATE_PERSISTENT,
			 topic_written, tw);
	env_free(b->env, json);
}

static int cmp_ids(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return x < y ? -1 : x > y;
}

/* The live brokers are the children of /brokers/ids. */
static void brokers_listed(void *arg, const struct zk_client_result *res)
{
	struct create_op *op = arg;
	if (res->rc == ZOK) {
		struct wire_reader it;
		struct zk_str child;
		zk_vec_iter(&it, res->resp->children.raw, res->resp->children.raw_len);
		while (op->n_brokers < MAX_BROKERS && zk_next_str(&it, &child) == 1) {
			char id[16] = {0};
			memcpy(id, child.p, child.len < 15 ? (size_t)child.len : 15);
			op->brokers[op->n_brokers++] = atoi(id);
		}
		qsort(op->brokers, (size_t)op->n_brokers, sizeof *op->brokers, cmp_ids);
	}
	if (op->internal) {
		/* Kafka caps an internal topic's replication factor at the live
		 * brokers (offsets.topic.replication.factor is a wish). */
		struct kp_create_topics_topic *t = (struct kp_create_topics_topic *)op->internal;
		if (t->replication_factor > op->n_brokers)
			t->replication_factor = (int16_t)op->n_brokers;
		if (res->rc == ZOK && op->n_brokers > 0)
			create_one(op, t, &op->out[0], false);
		if (--op->outstanding == 0)
			create_finish(op);
		return;
	}
	const struct kp_create_topics_request *req = &op->r->req.body.create_topics;
	for (int32_t i = 0; i < req->topic_count; i++) {
		if (res->rc != ZOK) {
			op->out[i] = (struct kp_create_topics_topic_response){
				req->topics[i].name, KP_ERR_REQUEST_TIMED_OUT, {NULL, -1}};
			continue;
		}
		create_one(op, &req->topics[i], &op->out[i], req->validate_only);
	}
	if (--op->outstanding == 0)
		create_finish(op);
}

void brk_handle_create_topics(struct brk_broker *b, struct brk_req *r)
{
	const struct kp_create_topics_request *req = &r->req.body.create_topics;
	struct create_op *op = env_calloc(b->env, 1, sizeof *op);
	op->b = b;
	op->r = r;
	op->out = env_calloc(b->env, (size_t)req->topic_count + 1, sizeof *op->out);
	struct zk_client *zc = brk_zk_client(b->zk);
	if (!zc) {
		/* Without a ZooKeeper session there is nowhere to write. */
		for (int32_t i = 0; i < req->topic_count; i++)
			op->out[i] = (struct kp_create_topics_topic_response){
				req->topics[i].name, KP_ERR_NOT_CONTROLLER, {NULL, -1}};
		create_finish(op);
		return;
	}
	op->outstanding = 1; /* held until the broker list is in */
	zk_client_create(zc, "/config", NULL, 0, ZK_CREATE_PERSISTENT, NULL, NULL);
	zk_client_create(zc, "/config/topics", NULL, 0, ZK_CREATE_PERSISTENT, NULL, NULL);
	zk_client_get_children(zc, "/brokers/ids", false, brokers_listed, op);
}

void brk_topics_create_internal(struct brk_broker *b, const char *name, int32_t partitions,
				int16_t replication_factor)
{
	struct zk_client *zc = brk_zk_client(b->zk);
	if (!zc)
		return;
	struct kp_create_topics_topic *t = env_calloc(b->env, 1, sizeof *t);
	t->name = (struct kp_str){env_strdup(b->env, name), (int32_t)strlen(name)};
	t->num_partitions = partitions;
	t->replication_factor = replication_factor;
	struct create_op *op = env_calloc(b->env, 1, sizeof *op);
	op->b = b;
	op->internal = t;
	op->out = env_calloc(b->env, 1, sizeof *op->out);
	op->outstanding = 1;
	zk_client_create(zc, "/config", NULL, 0, ZK_CREATE_PERSISTENT, NULL, NULL);
	zk_client_create(zc, "/config/topics", NULL, 0, ZK_CREATE_PERSISTENT, NULL, NULL);
	zk_client_get_children(zc, "/brokers/ids", false, brokers_listed, op);
}

/* ---- Topic configs on the brokers that host a topic ----------------------------- */

static void config_read(void *arg, const struct zk_client_result *res)
{
	struct brk_part *p = arg;
	if (res->rc != ZOK)
		return;
	char data[1024] = {0};
	size_t n = res->resp->data.len > 0 ? (size_t)res->resp->data.len : 0;
	memcpy(data, res->resp->data.p, n < sizeof data - 1 ? n : sizeof data - 1);
	/* The only topic key modelled (kcfg's topic table); its range is the table's. */
	const char *key = strstr(data, "\"min.insync.replicas\":\"");
	if (key) {
		char text[24] = {0};
		const char *v = key + strlen("\"min.insync.replicas\":\"");
		size_t len = strcspn(v, "\"");
		memcpy(text, v, len < sizeof text - 1 ? len : sizeof text - 1);
		int64_t x;
		if (kcfg_parse(kcfg_find(KCFG_TOPIC, "min.insync.replicas"), text, &x, NULL, 0) == 0)
			p->min_isr = (int32_t)x;
	}
}

void brk_topic_config_load(struct brk_part *p)
{
	struct zk_client *zc = brk_zk_client(p->b->zk);
	if (!zc)
		return;
	char path[300];
	snprintf(path, sizeof path, "/config/topics/%s", p->topic);
	zk_client_get_data(zc, path, false, config_read, p);
}
