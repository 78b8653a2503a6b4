/*
 * Group metadata in __consumer_offsets, as Kafka's GroupMetadataManager
 * stores it (storeGroup) and loads it back (loadGroup): when a rebalance
 * completes, the coordinator appends one record holding the group's
 * generation, protocol, leader and every member with its subscription and
 * assignment, and answers the members' SyncGroup only once that record is
 * committed. A coordinator that becomes leader of the partition later reads
 * the latest such record of each group back, so the members keep their
 * generation and go on heartbeating instead of rejoining.
 *
 * Layouts (Kafka's GroupMetadataKey v2 and GroupMetadataValue v3):
 *   key:   i16 version 2, group (string)
 *   value: i16 version 3, protocol_type (string), generation i32, protocol
 *          (nullable string), leader (nullable string),
 *          current_state_timestamp i64, members [member_id (string),
 *          group_instance_id (nullable string), client_id (string),
 *          client_host (string), rebalance_timeout i32, session_timeout i32,
 *          subscription (bytes), assignment (bytes)]
 * A null value (a tombstone) removes the group.
 */
#include "broker/kafka/brk_group_impl.h"

#include <string.h>

#include "broker/kafka/brk_append.h"
#include "broker/kp/kp_error.h"
#include "broker/log/record_batch.h"

#define KEY_VERSION 2
#define VALUE_VERSION 3

void brk_group_encode_metadata_key(struct wire_writer *w, const char *group, size_t len)
{
	wire_put_i16(w, KEY_VERSION);
	kp_put_string(w, (struct kp_str){group, (int32_t)len}, false);
}

int brk_group_decode_metadata_key(const uint8_t *p, size_t len, struct kp_str *group)
{
	struct wire_reader r;
	wire_reader_init(&r, p, len);
	int16_t version = wire_get_i16(&r);
	*group = kp_get_string(&r, false);
	return r.err || version != KEY_VERSION || wire_remaining(&r) ? -1 : 0;
}

static struct kp_str str_or_null(const char *s)
{
	return s ? kp_str_from(s) : KP_STR_NULL;
}

static void encode_value(struct wire_writer *w, const struct grp_group *g, int64_t now_ms)
{
	wire_put_i16(w, VALUE_VERSION);
	kp_put_string(w, kp_str_from(g->protocol_type ? g->protocol_type : ""), false);
	wire_put_i32(w, g->generation);
	kp_put_string(w, str_or_null(g->protocol), true);
	kp_put_string(w, str_or_null(g->leader), true);
	wire_put_i64(w, now_ms);
	wire_put_i32(w, (int32_t)g->n_members);
	for (size_t i = 0; i < g->n_members; i++) {
		const struct grp_member *m = g->members[i];
		const struct grp_proto *p = NULL;
		for (int32_t k = 0; g->protocol && k < m->n_protos && !p; k++)
			if (strcmp(m->protos[k].name, g->protocol) == 0)
				p = &m->protos[k];
		kp_put_string(w, kp_str_from(m->id), false);
		kp_put_string(w, KP_STR_NULL, true); /* no static membership (KIP-345) */
		kp_put_string(w, kp_str_from(m->client_id ? m->client_id : ""), false);
		kp_put_string(w, kp_str_from(""), false); /* no client hosts in the simulation */
		wire_put_i32(w, m->rebalance_timeout_ms);
		wire_put_i32(w, m->session_timeout_ms);
		kp_put_bytes(w, (struct kp_bytes){p ? p->meta : NULL, p ? p->meta_len : 0}, false);
		kp_put_bytes(w, (struct kp_bytes){m->assignment, m->assignment_len}, false);
	}
}

int brk_group_decode_metadata_value(const uint8_t *p, size_t len, struct grp_stored *out)
{
	struct wire_reader r;
	wire_reader_init(&r, p, len);
	int16_t version = wire_get_i16(&r);
	out->protocol_type = kp_get_string(&r, false);
	out->generation = wire_get_i32(&r);
	out->protocol = kp_get_string(&r, true);
	out->leader = kp_get_string(&r, true);
	out->state_timestamp_ms = wire_get_i64(&r);
	out->n_members = wire_get_i32(&r);
	if (r.err || version != VALUE_VERSION || out->n_members < 0 ||
	    (size_t)out->n_members > wire_remaining(&r))
		return -1;
	out->members = r.p + r.pos;
	out->members_len = wire_remaining(&r);
	/* Validate every member now, so that walking them cannot fail. */
	struct grp_stored_member m;
	struct wire_reader it;
	wire_reader_init(&it, out->members, out->members_len);
	for (int32_t i = 0; i < out->n_members; i++)
		if (grp_stored_next_member(&it, &m))
			return -1;
	return wire_remaining(&it) ? -1 : 0;
}

int grp_stored_next_member(struct wire_reader *it, struct grp_stored_member *m)
{
	m->member_id = kp_get_string(it, false);
	m->group_instance_id = kp_get_string(it, true);
	m->client_id = kp_get_string(it, false);
	m->client_host = kp_get_string(it, false);
	m->rebalance_timeout_ms = wire_get_i32(it);
	m->session_timeout_ms = wire_get_i32(it);
	m->subscription = kp_get_bytes(it, false);
	m->assignment = kp_get_bytes(it, false);
	return it->err || m->member_id.len <= 0 ? -1 : 0;
}

/* ---- storeGroup ------------------------------------------------------------------ */

struct store_op {
	struct brk_group_coordinator *co;
	char *group;
	int32_t shard;
	int32_t shard_epoch;
	int32_t generation;
	uint8_t *batch;
	grp_store_cb cb;
};

/* Kafka's mapping of an append's error to what the members are told
 * (GroupMetadataManager.storeGroup). */
static int16_t store_error(int16_t append_err)
{
	switch (append_err) {
	case KP_ERR_NONE: return KP_ERR_NONE;
	case KP_ERR_UNKNOWN_TOPIC_OR_PARTITION:
	case KP_ERR_NOT_ENOUGH_REPLICAS:
	case KP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND: return KP_ERR_COORDINATOR_NOT_AVAILABLE;
	case KP_ERR_NOT_LEADER_OR_FOLLOWER:
	case KP_ERR_KAFKA_STORAGE_ERROR: return KP_ERR_NOT_COORDINATOR;
	case KP_ERR_REQUEST_TIMED_OUT: return KP_ERR_REBALANCE_IN_PROGRESS;
	}
	return KP_ERR_UNKNOWN_SERVER_ERROR;
}

static void store_op_free(struct store_op *op)
{
	env_free(op->co->env, op->group);
	env_free(op->co->env, op->batch);
	env_free(op->co->env, op);
}

static void store_done(void *arg, int16_t append_err, int64_t base_offset)
{
	struct store_op *op = arg;
	struct brk_group_coordinator *co = op->co;
	/* The group the record was for, if this coordinator still serves it in
	 * the same term and generation: a new term dropped and reloaded it. */
	struct grp_group *g = grp_group_find(co, kp_str_from(op->group));
	if (g && grp_shard_epoch(co, op->shard) == op->shard_epoch &&
	    g->generation == op->generation) {
		g->storing = false;
		if (op->cb)
			op->cb(g, store_error(append_err));
	}
	store_op_free(op);
}

/* One record, key and value, in a batch of its own. */
static uint8_t *record_batch(struct env *env, const struct grp_group *g, size_t *len)
{
	struct wire_writer w;
	int64_t now_ms = env_wall_ms(env);
	size_t id_len = strlen(g->id);
	wire_writer_init(&w, NULL, 0);
	brk_group_encode_metadata_key(&w, g->id, id_len);
	size_t key_len = w.len;
	encode_value(&w, g, now_ms);
	uint8_t *kv = env_alloc(env, w.len);
	size_t kv_len = w.len;
	wire_writer_init(&w, kv, kv_len);
	brk_group_encode_metadata_key(&w, g->id, id_len);
	encode_value(&w, g, now_ms);
	struct rb_record_spec rec = {0};
	rec.key = (struct rb_bytes){kv, key_len};
	rec.value = (struct rb_bytes){kv + key_len, kv_len - key_len};
	struct rb_batch_header h = {0};
	h.partition_leader_epoch = -1;
	h.base_timestamp = h.max_timestamp = now_ms;
	h.producer_id = -1;
	h.producer_epoch = -1;
	h.base_sequence = -1;
	wire_writer_init(&w, NULL, 0);
	rb_encode_batch(&w, &h, &rec, 1);
	*len = w.len;
	uint8_t *batch = env_alloc(env, *len);
	wire_writer_init(&w, batch, *len);
	int rc = rb_encode_batch(&w, &h, &rec, 1);
	env_free(env, kv);
	if (rc != RB_OK) {
		env_free(env, batch);
		return NULL;
	}
	return batch;
}

int16_t grp_store(struct grp_group *g, grp_store_cb cb)
{
	struct brk_group_coordinator *co = g->co;
	struct store_op *op = env_calloc(co->env, 1, sizeof *op);
	*op = (struct store_op){co, env_strdup(co->env, g->id), g->shard,
				grp_shard_epoch(co, g->shard), g->generation, NULL, cb};
	size_t len = 0;
	op->batch = record_batch(co->env, g, &len);
	int16_t err = op->batch ? brk_append_committed(co->b, BRK_GROUP_OFFSETS_TOPIC, g->shard,
						       op->batch, len,
						       co->b->cfg->offsets_commit_timeout_ms,
						       store_done, op)
				: KP_ERR_UNKNOWN_SERVER_ERROR;
	if (err) {
		store_op_free(op);
		return store_error(err);
	}
	g->storing = true;
	env_event(co->env, "group", "group %s: generation %d stored in %s-%d (%zu members)",
		  g->id, g->generation, BRK_GROUP_OFFSETS_TOPIC, g->shard, g->n_members);
	return KP_ERR_NONE;
}
