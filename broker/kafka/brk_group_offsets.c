/*
 * The coordinator's side of __consumer_offsets, as Kafka's
 * GroupMetadataManager keeps it: which partition a group belongs to
 * (FindCoordinator), loading a partition's committed offsets when this
 * broker becomes its leader, OffsetCommit (records appended with acks=all
 * semantics, answered once the high watermark passed them) and OffsetFetch
 * (from the cache the log fills).
 */
#include "broker/kafka/brk_group_impl.h"

#include "broker/kafka/brk_append.h"
#include "broker/kafka/brk_topics.h"

#include <string.h>

#include "broker/kp/kp_error.h"
#include "broker/log/record_batch.h"

#define OFFSETS BRK_GROUP_OFFSETS_TOPIC
#define CREATE_RETRY_NS (1000LL * 1000 * 1000)

/* ---- Java's String.hashCode and the group's partition ----------------------------- */

/* The next code point of UTF-8 text; a malformed byte stands for itself. */
static uint32_t next_code_point(const uint8_t *s, size_t len, size_t *i)
{
	uint8_t c = s[*i];
	size_t need = c >= 0xf0 && c < 0xf8   ? 3
		      : c >= 0xe0 && c < 0xf0 ? 2
		      : c >= 0xc0 && c < 0xe0 ? 1
					      : 0;
	if (need == 0 || *i + need >= len) {
		(*i)++;
		return c;
	}
	uint32_t cp = c & (0x3fu >> need);
	for (size_t k = 1; k <= need; k++) {
		uint8_t d = s[*i + k];
		if ((d & 0xc0) != 0x80) {
			(*i)++;
			return c;
		}
		cp = (cp << 6) | (d & 0x3fu);
	}
	*i += need + 1;
	return cp;
}

int32_t brk_group_java_hash(const char *s, size_t len)
{
	uint32_t h = 0;
	for (size_t i = 0; i < len;) {
		uint32_t cp = next_code_point((const uint8_t *)s, len, &i);
		if (cp >= 0x10000) { /* a surrogate pair in UTF-16 */
			cp -= 0x10000;
			h = 31 * h + (0xd800 + (cp >> 10));
			h = 31 * h + (0xdc00 + (cp & 0x3ff));
		} else {
			h = 31 * h + cp;
		}
	}
	return (int32_t)h;
}

int32_t brk_group_partition_for(const char *group, size_t len, int32_t n)
{
	int32_t h = brk_group_java_hash(group, len);
	int32_t a = h == INT32_MIN ? 0 : h < 0 ? -h : h; /* Kafka's Utils.abs */
	return a % n;
}

int32_t grp_shard_of(const struct brk_group_coordinator *co, struct kp_str group)
{
	return brk_group_partition_for(group.ptr, group.len > 0 ? (size_t)group.len : 0,
				       co->b->cfg->offsets_topic_partitions);
}

/* ---- Records ------------------------------------------------------------------------ */

static void put_str(struct wire_writer *w, const char *s, size_t len)
{
	kp_put_string(w, (struct kp_str){s ? s : "", (int32_t)len}, false);
}

void brk_group_encode_key(struct wire_writer *w, const struct brk_group_offset_key *k)
{
	wire_put_i16(w, 1);
	put_str(w, k->group, k->group_len);
	put_str(w, k->topic, k->topic_len);
	wire_put_i32(w, k->partition);
}

void brk_group_encode_value(struct wire_writer *w, const struct brk_group_offset_value *v)
{
	wire_put_i16(w, 1);
	wire_put_i64(w, v->offset);
	kp_put_string(w, (struct kp_str){v->metadata, v->metadata ? v->metadata_len : -1}, true);
	wire_put_i64(w, v->commit_timestamp_ms);
}

int brk_group_decode_key(const uint8_t *p, size_t len, struct brk_group_offset_key *k)
{
	struct wire_reader r;
	wire_reader_init(&r, p, len);
	int16_t version = wire_get_i16(&r);
	struct kp_str g = kp_get_string(&r, false);
	struct kp_str t = kp_get_string(&r, false);
	k->partition = wire_get_i32(&r);
	if (r.err || version != 1 || wire_remaining(&r))
		return -1;
	*k = (struct brk_group_offset_key){g.ptr, (size_t)g.len, t.ptr, (size_t)t.len,
					   k->partition};
	return 0;
}

int brk_group_decode_value(const uint8_t *p, size_t len, struct brk_group_offset_value *v)
{
	struct wire_reader r;
	wire_reader_init(&r, p, len);
	int16_t version = wire_get_i16(&r);
	v->offset = wire_get_i64(&r);
	struct kp_str m = kp_get_string(&r, true);
	v->commit_timestamp_ms = wire_get_i64(&r);
	if (r.err || version != 1 || wire_remaining(&r))
		return -1;
	v->metadata = m.len >= 0 ? m.ptr : NULL;
	v->metadata_len = m.len >= 0 ? m.len : 0;
	return 0;
}

/* ---- The offsets cache ---------------------------------------------------------- */

static bool same(const char *s, const char *p, size_t len)
{
	return strlen(s) == len && memcmp(s, p, len) == 0;
}

static struct grp_offset *offset_find(const struct brk_group_coordinator *co, const char *group,
				      size_t glen, const char *topic, size_t tlen,
				      int32_t partition)
{
	for (size_t i = 0; i < co->n_offsets; i++) {
		struct grp_offset *o = &co->offsets[i];
		if (o->partition == partition && same(o->group, group, glen) &&
		    same(o->topic, topic, tlen))
			return o;
	}
	return NULL;
}

static char *dup_n(struct env *env, const char *p, size_t n)
{
	char *s = env_alloc(env, n + 1);
	if (n)
		memcpy(s, p, n);
	s[n] = 0;
	return s;
}

static void offset_clear(struct env *env, struct grp_offset *o)
{
	env_free(env, o->group);
	env_free(env, o->topic);
	env_free(env, o->metadata);
}

/* Applies one record at log offset `at` (a later record replaces an
 * earlier one; value NULL deletes). */
static void offset_apply(struct brk_group_coordinator *co, int32_t shard,
			 const struct brk_group_offset_key *k,
			 const struct brk_group_offset_value *v, int64_t at)
{
	struct grp_offset *o =
		offset_find(co, k->group, k->group_len, k->topic, k->topic_len, k->partition);
	if (o && o->log_offset > at)
		return;
	if (!v) {
		if (o) {
			offset_clear(co->env, o);
			*o = co->offsets[--co->n_offsets];
		}
		return;
	}
	if (!o) {
		co->offsets = env_realloc(co->env, co->offsets,
					  (co->n_offsets + 1) * sizeof *co->offsets);
		o = &co->offsets[co->n_offsets++];
		*o = (struct grp_offset){dup_n(co->env, k->group, k->group_len),
					 dup_n(co->env, k->topic, k->topic_len),
					 k->partition, shard, 0, NULL, -1};
	}
	o->offset = v->offset;
	env_free(co->env, o->metadata);
	o->metadata = v->metadata ? dup_n(co->env, v->metadata, (size_t)v->metadata_len) : NULL;
	o->log_offset = at;
}

static void offsets_drop(struct brk_group_coordinator *co, int32_t shard)
{
	size_t k = 0;
	for (size_t i = 0; i < co->n_offsets; i++) {
		if (co->offsets[i].shard == shard)
			offset_clear(co->env, &co->offsets[i]);
		else
			co->offsets[k++] = co->offsets[i];
	}
	co->n_offsets = k;
}

/* ---- Loading a partition --------------------------------------------------------- */

/* A group metadata record: the group as its latest rebalance left it. */
static bool load_group_record(struct brk_group_coordinator *co, int32_t shard,
			      const struct rb_record *rec)
{
	struct kp_str group;
	struct grp_stored stored;
	if (brk_group_decode_metadata_key(rec->key.p, rec->key.len, &group))
		return false;
	if (!rec->value.p)
		grp_group_restore(co, shard, group, NULL);
	else if (!brk_group_decode_metadata_value(rec->value.p, rec->value.len, &stored))
		grp_group_restore(co, shard, group, &stored);
	return true;
}

static void load_batch(struct brk_group_coordinator *co, int32_t shard, const struct rb_batch *b)
{
	struct rb_record_iter it;
	struct rb_record rec;
	if (rb_is_control(&b->h) || rb_init_record_iter(&it, b, 0) != RB_OK)
		return;
	while (rb_next_record(&it, &rec) == RB_OK) {
		struct brk_group_offset_key k;
		struct brk_group_offset_value v;
		if (!rec.key.p || load_group_record(co, shard, &rec))
			continue;
		if (brk_group_decode_key(rec.key.p, rec.key.len, &k))
			continue; /* not ours: skipped, as Kafka skips unknown record types */
		if (!rec.value.p)
			offset_apply(co, shard, &k, NULL, rec.offset);
		else if (!brk_group_decode_value(rec.value.p, rec.value.len, &v))
			offset_apply(co, shard, &k, &v, rec.offset);
	}
}

struct shard_walk {
	struct brk_group_coordinator *co;
	int32_t partition;
};

static void walk_batch(void *arg, const struct rb_batch *batch)
{
	struct shard_walk *w = arg;
	load_batch(w->co, w->partition, batch);
}

/* Reads the partition's log from its start to s->target into the cache. */
static void shard_load(struct brk_group_coordinator *co, struct brk_part *p, struct grp_shard *s)
{
	size_t records = co->n_offsets;
	struct shard_walk w = {co, s->partition};
	size_t groups = co->n_groups;
	brk_log_walk(p, s->target, walk_batch, &w);
	s->loaded = true;
	env_event(co->env, "coordinator",
		  "broker %d loaded %s-%d at leader epoch %d: offsets 0..%lld, %zu entries, "
		  "%zu groups",
		  co->b->cfg->broker_id, OFFSETS, s->partition, s->epoch, (long long)s->target,
		  co->n_offsets - records, co->n_groups - groups);
}

static struct grp_shard *shard_get(struct brk_group_coordinator *co, int32_t partition)
{
	for (size_t i = 0; i < co->n_shards; i++)
		if (co->shards[i].partition == partition)
			return &co->shards[i];
	co->shards = env_realloc(co->env, co->shards, (co->n_shards + 1) * sizeof *co->shards);
	co->shards[co->n_shards] = (struct grp_shard){partition, -1, false, 0};
	return &co->shards[co->n_shards++];
}

int32_t grp_shard_epoch(struct brk_group_coordinator *co, int32_t shard)
{
	return shard_get(co, shard)->epoch;
}

/*
 * A new leader of the partition loads it at once, to the log end offset it
 * has on becoming leader, as Kafka's GroupMetadataManager does (it reads
 * with FetchLogEnd isolation): records above the high watermark, not yet
 * known committed, are served too. A leader never truncates its own log, so
 * what it loaded stays in it for the term.
 */
int16_t grp_shard_check(struct brk_group_coordinator *co, int32_t shard)
{
	struct brk_part *p = brk_part_find(co->b, OFFSETS, strlen(OFFSETS), shard);
	if (!p || !p->ps.leader || !p->open)
		return KP_ERR_NOT_COORDINATOR;
	struct grp_shard *s = shard_get(co, shard);
	if (s->epoch != p->ps.leader_epoch) {
		/* What an earlier term held may be stale: another coordinator may
		 * have served the partition meanwhile. */
		grp_groups_drop(co, shard);
		offsets_drop(co, shard);
		s->epoch = p->ps.leader_epoch;
		s->loaded = false;
		s->target = log_end_offset(p->log);
	}
	if (s->loaded)
		return KP_ERR_NONE;
	shard_load(co, p, s);
	return KP_ERR_NONE;
}

/* ---- FindCoordinator ----------------------------------------------------------------- */

static void answer_coordinator(struct brk_req *r, int16_t err, int32_t node, const char *host,
			       int32_t port)
{
	struct kp_response resp;
	memset(&resp, 0, sizeof resp);
	resp.body.find_coordinator = (struct kp_find_coordinator_response){
		0, err, KP_STR_NULL, err ? -1 : node, kp_str_from(err ? "" : host), err ? -1 : port};
	brk_front_respond(r, &resp);
}

/* Kafka creates __consumer_offsets on the first FindCoordinator. */
static void maybe_create_topic(struct brk_group_coordinator *co)
{
	int64_t now = env_now_ns(co->env);
	if (now < co->create_after_ns)
		return;
	co->create_after_ns = now + CREATE_RETRY_NS;
	const struct brk_config *c = co->b->cfg;
	brk_topics_create_internal(co->b, OFFSETS, c->offsets_topic_partitions,
				   c->offsets_topic_replication);
}

void brk_group_find_coordinator(struct brk_group_coordinator *co, struct brk_req *r)
{
	const struct kp_find_coordinator_request *req = &r->req.body.find_coordinator;
	struct brk_broker *b = co->b;
	if (req->key_type != 0 || req->key.len <= 0) { /* no transaction coordinator */
		answer_coordinator(r, req->key_type ? KP_ERR_COORDINATOR_NOT_AVAILABLE
						    : KP_ERR_INVALID_REQUEST, -1, "", -1);
		return;
	}
	int32_t shard = grp_shard_of(co, req->key);
	if (!brk_metadata_version(b->meta)) {
		/* No UpdateMetadata yet (no controller): this broker's own view. */
		struct brk_part *p = brk_part_find(b, OFFSETS, strlen(OFFSETS), shard);
		if (p && p->ps.leader && p->open) {
			answer_coordinator(r, KP_ERR_NONE, b->cfg->broker_id, env_node_name(b->env),
					   b->cfg->port);
			return;
		}
		if (!p)
			maybe_create_topic(co);
		answer_coordinator(r, KP_ERR_COORDINATOR_NOT_AVAILABLE, -1, "", -1);
		return;
	}
	const struct brk_meta_partition *mp;
	const struct brk_meta_broker *mb;
	size_t np = brk_metadata_partitions(b->meta, &mp), nb = brk_metadata_brokers(b->meta, &mb);
	bool topic = false;
	for (size_t i = 0; i < np; i++) {
		if (strcmp(mp[i].topic, OFFSETS) != 0)
			continue;
		topic = true;
		if (mp[i].partition != shard || mp[i].leader < 0)
			continue;
		for (size_t k = 0; k < nb; k++)
			if (mb[k].id == mp[i].leader) {
				answer_coordinator(r, KP_ERR_NONE, mb[k].id, mb[k].host, mb[k].port);
				return;
			}
	}
	if (!topic)
		maybe_create_topic(co);
	answer_coordinator(r, KP_ERR_COORDINATOR_NOT_AVAILABLE, -1, "", -1);
}

/* ---- OffsetCommit ----------------------------------------------------------------- */

struct commit_op {
	struct brk_group_coordinator *co;
	struct brk_req *r;
	int32_t shard;
	int32_t epoch;
	uint8_t *batch;
	struct kp_offset_commit_topic_response *topics;
	struct kp_offset_commit_partition_response *parts;
	int32_t n_parts;
};

static void commit_answer(struct commit_op *op, int16_t err)
{
	struct env *env = op->co->env;
	for (int32_t i = 0; i < op->n_parts; i++)
		op->parts[i].error_code = err;
	struct kp_response resp;
	memset(&resp, 0, sizeof resp);
	resp.body.offset_commit.topics = op->topics;
	resp.body.offset_commit.topic_count = op->r->req.body.offset_commit.topic_count;
	brk_front_respond(op->r, &resp);
	env_free(env, op->batch);
	env_free(env, op->topics);
	env_free(env, op->parts);
	env_free(env, op);
}

/* Kafka's mapping of an append's error to what a committing client is told. */
static int16_t commit_error(int16_t append_err)
{
	switch (append_err) {
	case KP_ERR_NONE: return KP_ERR_NONE;
	case KP_ERR_UNKNOWN_TOPIC_OR_PARTITION:
	case KP_ERR_NOT_ENOUGH_REPLICAS:
	case KP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
	case KP_ERR_REQUEST_TIMED_OUT: return KP_ERR_COORDINATOR_NOT_AVAILABLE;
	case KP_ERR_NOT_LEADER_OR_FOLLOWER:
	case KP_ERR_KAFKA_STORAGE_ERROR: return KP_ERR_NOT_COORDINATOR;
	case KP_ERR_MESSAGE_TOO_LARGE:
	case KP_ERR_INVALID_RECORD: return KP_ERR_INVALID_COMMIT_OFFSET_SIZE;
	}
	return KP_ERR_UNKNOWN_SERVER_ERROR;
}

static void commit_done(void *arg, int16_t append_err, int64_t base_offset)
{
	struct commit_op *op = arg;
	struct brk_group_coordinator *co = op->co;
	const struct kp_offset_commit_request *req = &op->r->req.body.offset_commit;
	struct grp_shard *s = shard_get(co, op->shard);
	int16_t err = commit_error(append_err);
	if (!err && s->epoch == op->epoch && s->loaded) {
		int64_t at = base_offset;
		for (int32_t t = 0; t < req->topic_count; t++) {
			const struct kp_offset_commit_topic *ct = &req->topics[t];
			for (int32_t i = 0; i < ct->partition_count; i++, at++) {
				const struct kp_offset_commit_partition *cp = &ct->partitions[i];
				struct brk_group_offset_key k = {
					req->group_id.ptr, (size_t)req->group_id.len, ct->name.ptr,
					(size_t)ct->name.len, cp->partition_index};
				struct brk_group_offset_value v = {
					cp->committed_offset, cp->committed_metadata.ptr,
					cp->committed_metadata.len, 0};
				if (cp->committed_metadata.len < 0)
					v.metadata = NULL;
				offset_apply(co, op->shard, &k, &v, at);
			}
		}
	}
	commit_answer(op, err);
}

/* Kafka's checks before a commit (GroupCoordinator.doCommitOffsets). */
static int16_t commit_allowed(struct brk_group_coordinator *co,
			      const struct kp_offset_commit_request *req)
{
	struct grp_group *g = grp_group_find(co, req->group_id);
	if (req->generation_id < 0 && (!g || g->state == GRP_EMPTY))
		return KP_ERR_NONE; /* a commit outside group membership */
	if (!g)
		return KP_ERR_ILLEGAL_GENERATION;
	if (g->state == GRP_AWAITING_SYNC)
		return KP_ERR_REBALANCE_IN_PROGRESS;
	if (!grp_member_find(g, req->member_id))
		return KP_ERR_UNKNOWN_MEMBER_ID;
	if (req->generation_id != g->generation)
		return KP_ERR_ILLEGAL_GENERATION;
	return KP_ERR_NONE;
}

/* One record per partition, in request order, in one batch. */
static uint8_t *commit_batch(struct env *env, const struct kp_offset_commit_request *req,
			     int32_t n, size_t *len)
{
	struct rb_record_spec *recs = env_calloc(env, (size_t)n + 1, sizeof *recs);
	uint8_t *kv = NULL;
	size_t kv_len = 0;
	int64_t now_ms = env_wall_ms(env);
	/* Keys and values first, into one buffer (two passes: size, then fill). */
	for (int pass = 0; pass < 2; pass++) {
		struct wire_writer w;
		wire_writer_init(&w, kv, kv_len);
		int32_t k = 0;
		for (int32_t t = 0; t < req->topic_count; t++) {
			const struct kp_offset_commit_topic *ct = &req->topics[t];
			for (int32_t i = 0; i < ct->partition_count; i++, k++) {
				const struct kp_offset_commit_partition *cp = &ct->partitions[i];
				struct brk_group_offset_key key = {
					req->group_id.ptr, (size_t)req->group_id.len, ct->name.ptr,
					(size_t)ct->name.len, cp->partition_index};
				struct brk_group_offset_value val = {
					cp->committed_offset,
					cp->committed_metadata.len >= 0 ? cp->committed_metadata.ptr
									: NULL,
					cp->committed_metadata.len, now_ms};
				size_t k0 = w.len;
				brk_group_encode_key(&w, &key);
				size_t v0 = w.len;
				brk_group_encode_value(&w, &val);
				if (pass == 1) {
					recs[k].offset_delta = k;
					recs[k].key = (struct rb_bytes){kv + k0, v0 - k0};
					recs[k].value = (struct rb_bytes){kv + v0, w.len - v0};
				}
			}
		}
		if (pass == 0) {
			kv_len = w.len;
			kv = env_alloc(env, kv_len + 1);
		}
	}
	struct rb_batch_header h = {0};
	h.partition_leader_epoch = -1;
	h.last_offset_delta = n - 1;
	h.base_timestamp = h.max_timestamp = now_ms;
	h.producer_id = -1;
	h.producer_epoch = -1;
	h.base_sequence = -1;
	struct wire_writer w;
	wire_writer_init(&w, NULL, 0);
	rb_encode_batch(&w, &h, recs, (size_t)n);
	uint8_t *batch = env_alloc(env, w.len);
	*len = w.len;
	wire_writer_init(&w, batch, *len);
	int rc = rb_encode_batch(&w, &h, recs, (size_t)n);
	env_free(env, recs);
	env_free(env, kv);
	if (rc != RB_OK) {
		env_free(env, batch);
		return NULL;
	}
	return batch;
}

void brk_group_offset_commit(struct brk_group_coordinator *co, struct brk_req *r)
{
	const struct kp_offset_commit_request *req = &r->req.body.offset_commit;
	struct commit_op *op = env_calloc(co->env, 1, sizeof *op);
	op->co = co;
	op->r = r;
	int32_t n = 0;
	for (int32_t t = 0; t < req->topic_count; t++)
		n += req->topics[t].partition_count;
	op->n_parts = n;
	op->topics = env_calloc(co->env, (size_t)req->topic_count + 1, sizeof *op->topics);
	op->parts = env_calloc(co->env, (size_t)n + 1, sizeof *op->parts);
	for (int32_t t = 0, k = 0; t < req->topic_count; t++) {
		op->topics[t] = (struct kp_offset_commit_topic_response){
			req->topics[t].name, &op->parts[k], req->topics[t].partition_count};
		for (int32_t i = 0; i < req->topics[t].partition_count; i++, k++)
			op->parts[k].partition_index = req->topics[t].partitions[i].partition_index;
	}
	int16_t err = req->group_id.len > 0 ? KP_ERR_NONE : KP_ERR_INVALID_GROUP_ID;
	op->shard = err ? 0 : grp_shard_of(co, req->group_id);
	if (!err)
		err = grp_shard_check(co, op->shard);
	if (!err)
		err = commit_allowed(co, req);
	if (err || n == 0) {
		commit_answer(op, err);
		return;
	}
	op->epoch = shard_get(co, op->shard)->epoch;
	size_t len = 0;
	op->batch = commit_batch(co->env, req, n, &len);
	if (!op->batch) {
		commit_answer(op, KP_ERR_INVALID_COMMIT_OFFSET_SIZE);
		return;
	}
	err = brk_append_committed(co->b, OFFSETS, op->shard, op->batch, len,
				   co->b->cfg->offsets_commit_timeout_ms, commit_done, op);
	if (err)
		commit_answer(op, commit_error(err));
}

/* ---- OffsetFetch ------------------------------------------------------------------ */

static void fetch_answer(struct brk_req *r, int16_t err,
			 const struct kp_offset_fetch_topic_response *topics, int32_t n)
{
	struct kp_response resp;
	memset(&resp, 0, sizeof resp);
	resp.body.offset_fetch.topics = topics;
	resp.body.offset_fetch.topic_count = n;
	resp.body.offset_fetch.error_code = err;
	brk_front_respond(r, &resp);
}

static struct kp_offset_fetch_partition_response fetch_one(struct brk_group_coordinator *co,
							   struct kp_str group, struct kp_str topic,
							   int32_t partition)
{
	const struct grp_offset *o = offset_find(co, group.ptr, (size_t)group.len, topic.ptr,
						 (size_t)topic.len, partition);
	struct kp_offset_fetch_partition_response out = {partition, -1, {"", 0}, KP_ERR_NONE};
	if (o) {
		out.committed_offset = o->offset;
		out.metadata = o->metadata ? kp_str_from(o->metadata) : KP_STR_NULL;
	}
	return out;
}

/* A null topic list: every partition the group has an offset for, by topic. */
static void fetch_all(struct brk_group_coordinator *co, struct brk_req *r, struct kp_str group)
{
	size_t n = co->n_offsets;
	struct kp_offset_fetch_topic_response *topics = env_calloc(co->env, n + 1, sizeof *topics);
	struct kp_offset_fetch_partition_response *parts = env_calloc(co->env, n + 1, sizeof *parts);
	int32_t nt = 0;
	size_t np = 0;
	for (size_t i = 0; i < n; i++) {
		const struct grp_offset *o = &co->offsets[i];
		bool seen = false;
		for (int32_t t = 0; t < nt && !seen; t++)
			seen = kp_str_eq(topics[t].name, o->topic);
		if (seen || !same(o->group, group.ptr, (size_t)group.len))
			continue;
		struct kp_offset_fetch_topic_response *t = &topics[nt++];
		t->name = kp_str_from(o->topic);
		t->partitions = &parts[np];
		for (size_t k = i; k < n; k++) {
			const struct grp_offset *x = &co->offsets[k];
			if (strcmp(x->topic, o->topic) || !same(x->group, group.ptr, (size_t)group.len))
				continue;
			parts[np++] = fetch_one(co, group, t->name, x->partition);
			t->partition_count++;
		}
	}
	fetch_answer(r, KP_ERR_NONE, topics, nt);
	env_free(co->env, parts);
	env_free(co->env, topics);
}

void brk_group_offset_fetch(struct brk_group_coordinator *co, struct brk_req *r)
{
	const struct kp_offset_fetch_request *req = &r->req.body.offset_fetch;
	int16_t err = req->group_id.len > 0 ? KP_ERR_NONE : KP_ERR_INVALID_GROUP_ID;
	if (!err)
		err = grp_shard_check(co, grp_shard_of(co, req->group_id));
	if (err) {
		fetch_answer(r, err, NULL, 0);
		return;
	}
	if (req->topic_count < 0) {
		fetch_all(co, r, req->group_id);
		return;
	}
	int32_t n = 0;
	for (int32_t t = 0; t < req->topic_count; t++)
		n += req->topics[t].partition_count;
	struct kp_offset_fetch_topic_response *topics =
		env_calloc(co->env, (size_t)req->topic_count + 1, sizeof *topics);
	struct kp_offset_fetch_partition_response *parts =
		env_calloc(co->env, (size_t)n + 1, sizeof *parts);
	for (int32_t t = 0, k = 0; t < req->topic_count; t++) {
		const struct kp_offset_fetch_topic *ft = &req->topics[t];
		topics[t] = (struct kp_offset_fetch_topic_response){ft->name, &parts[k],
								    ft->partition_count};
		for (int32_t i = 0; i < ft->partition_count; i++, k++)
			parts[k] = fetch_one(co, req->group_id, ft->name, ft->partition_indexes[i]);
	}
	fetch_answer(r, KP_ERR_NONE, topics, req->topic_count);
	env_free(co->env, parts);
	env_free(co->env, topics);
}
