#include "broker/kafka/brk_broker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/kafka/brk_group.h"
#include "broker/kafka/brk_impl.h"
#include "broker/ctl/ctl.h"
#include "broker/zk/zk_client.h"
#include "broker/kp/kp_error.h"
#include "broker/log/record_batch.h"

/* ---- Partitions ---------------------------------------------------------------- */

struct brk_part *brk_part_find(const struct brk_broker *b, const char *topic, size_t len,
			       int32_t partition)
{
	for (struct brk_part *p = b->parts; p; p = p->next)
		if (p->partition == partition && p->topic_len == len &&
		    memcmp(p->topic, topic, len) == 0)
			return p;
	return NULL;
}

bool brk_topic_known(const struct brk_broker *b, const char *topic, size_t len)
{
	for (struct brk_part *p = b->parts; p; p = p->next)
		if (p->topic_len == len && memcmp(p->topic, topic, len) == 0)
			return true;
	return false;
}

static void log_opened(struct log *log, int status, void *arg)
{
	struct brk_part *p = arg;
	if (status) {
		env_log(p->b->env, ENV_LOG_ERROR, "%s-%d: log offline: %s", p->topic, p->partition,
			log_strerror(status));
		return;
	}
	p->open = true;
	/* The checkpointed high watermark, never past the log's end. */
	int64_t leo = log_end_offset(log);
	int64_t hw = p->hw_ckpt >= 0 && p->hw_ckpt < leo ? p->hw_ckpt : leo;
	if (p->hw_ckpt < 0)
		hw = log_start_offset(log);
	env_log(p->b->env, ENV_LOG_INFO, "%s-%d: log open, offsets %lld..%lld, hw %lld", p->topic,
		p->partition, (long long)log_start_offset(log), (long long)leo, (long long)hw);
	unsigned fx = brk_pstate_opened(&p->ps, hw, leo, env_now_ns(p->b->env));
	if (p->ps.leader) {
		log_assign_epoch(p->log, p->ps.leader_epoch, p->ps.epoch_start);
		brk_leader_effects(p, fx);
	} else if (p->fetcher) {
		brk_follow(p);
	}
}

struct brk_part *brk_part_host(struct brk_broker *b, const char *topic, int32_t partition)
{
	struct brk_part *p = env_calloc(b->env, 1, sizeof *p);
	p->b = b;
	p->topic = env_strdup(b->env, topic);
	p->topic_len = strlen(topic);
	p->partition = partition;
	brk_pstate_init(&p->ps, b->env, b->cfg->broker_id, p->topic, partition,
			b->cfg->replica_lag_time_max_ms * 1000000);
	p->ps.legacy_acks_isr = b->cfg->legacy_acks_isr;
	p->ps.legacy_reelect_fetch = b->cfg->legacy_reelect_fetch;
	p->hw_ckpt = brk_hw_ckpt_get(b, topic, partition);
	p->min_isr = b->cfg->min_insync_replicas;
	brk_topic_config_load(p);
	const struct brk_config *c = b->cfg;
	log_config_default(&p->lcfg, c->log_dir, p->topic, partition);
	p->lcfg.segment_bytes = c->segment_bytes;
	p->lcfg.segment_ms = c->segment_ms;
	p->lcfg.retention_ms = c->retention_ms;
	p->lcfg.retention_bytes = c->retention_bytes;
	p->lcfg.index_interval_bytes = c->index_interval_bytes;
	p->lcfg.flush_interval_messages = c->flush_interval_messages;
	p->lcfg.flush_interval_ms = c->flush_interval_ms;
	p->lcfg.clean_shutdown = b->clean_start;
	if (log_open(b->env, &p->lcfg, log_opened, p, &p->log)) {
		env_log(b->env, ENV_LOG_ERROR, "%s-%d: bad log config", topic, partition);
		env_free(b->env, p->topic);
		env_free(b->env, p);
		return NULL;
	}
	if (b->parts_tail)
		b->parts_tail->next = p;
	else
		b->parts = p;
	b->parts_tail = p;
	b->n_parts++;
	return p;
}

int brk_become_leader(struct brk_broker *b, const char *topic, int32_t partition,
		      int32_t leader_epoch)
{
	struct brk_part *p = brk_part_find(b, topic, strlen(topic), partition);
	if (p && leader_epoch < p->ps.leader_epoch)
		return -1;
	if (!p && !(p = brk_part_host(b, topic, partition)))
		return -1;
	brk_unfollow(p);
	int32_t self = b->cfg->broker_id;
	struct brk_pstate_update u = {self, leader_epoch, p->ps.partition_epoch,
				      &self, 1, &self, 1};
	brk_leader_start(p, &u);
	env_log(b->env, ENV_LOG_INFO, "%s-%d: leader at epoch %d", topic, partition, leader_epoch);
	return 0;
}

int64_t brk_high_watermark(const struct brk_broker *b, const char *topic, int32_t partition)
{
	const struct brk_part *p = brk_part_find(b, topic, strlen(topic), partition);
	return p && p->open ? p->ps.hw : -1;
}

int64_t brk_log_end_offset(const struct brk_broker *b, const char *topic, int32_t partition)
{
	const struct brk_part *p = brk_part_find(b, topic, strlen(topic), partition);
	return p && p->open ? log_end_offset(p->log) : -1;
}

void brk_log_walk(struct brk_part *p, int64_t end,
		  void (*each)(void *arg, const struct rb_batch *batch), void *arg)
{
	int64_t at = log_start_offset(p->log);
	while (at < end) {
		struct log_read rd = {0};
		if (log_read(p->log, at, 1 << 20, end, &rd) || rd.batches == 0) {
			if (rd.data)
				log_read_free(p->log, &rd);
			break;
		}
		for (size_t off = 0; off < rd.len;) {
			struct rb_batch batch;
			if (rb_validate_batch(rd.data + off, rd.len - off, 0, &batch) != RB_OK)
				break;
			off += batch.size;
			each(arg, &batch);
		}
		at = rd.next_offset > at ? rd.next_offset : end;
		log_read_free(p->log, &rd);
	}
}

struct records_walk {
	void (*each)(void *arg, int64_t offset, const uint8_t *value, size_t len);
	void *arg;
	int64_t n;
};

static void walk_records(void *arg, const struct rb_batch *batch)
{
	struct records_walk *w = arg;
	struct rb_record_iter it;
	struct rb_record rec;
	if (batch->h.attributes & 0x20 || rb_init_record_iter(&it, batch, 0) != RB_OK)
		return;
	while (rb_next_record(&it, &rec) == RB_OK) {
		w->each(w->arg, rec.offset, rec.value.p, rec.value.len);
		w->n++;
	}
}

int64_t brk_log_records(struct brk_broker *b, const char *topic, int32_t partition,
			void (*each)(void *arg, int64_t offset, const uint8_t *value, size_t len),
			void *arg)
{
	struct brk_part *p = brk_part_find(b, topic, strlen(topic), partition);
	if (!p || !p->open)
		return -1;
	struct records_walk w = {each, arg, 0};
	brk_log_walk(p, log_end_offset(p->log), walk_records, &w);
	return w.n;
}

bool brk_replica_view(const struct brk_broker *b, const char *topic, int32_t partition,
		      struct brk_replica_view *out)
{
	const struct brk_part *p = brk_part_find(b, topic, strlen(topic), partition);
	memset(out, 0, sizeof *out);
	out->leader_id = -1;
	out->leo = out->hw = -1;
	if (!p)
		return false;
	out->open = p->open;
	out->leader = p->ps.leader;
	out->leader_id = p->ps.leader_id;
	out->leader_epoch = p->ps.leader_epoch;
	if (p->open) {
		out->leo = log_end_offset(p->log);
		out->hw = p->ps.hw;
	}
	if (p->ps.leader)
		for (int32_t i = 0; i < p->ps.n_isr && i < BRK_VIEW_MAX_ISR; i++)
			out->isr[out->n_isr++] = p->ps.isr[i];
	return true;
}

bool brk_is_controller(const struct brk_broker *b)
{
	return b->ctl && ctl_active(b->ctl);
}

int32_t brk_controller_epoch(const struct brk_broker *b)
{
	return b->ctl ? ctl_epoch(b->ctl) : -1;
}

bool brk_registered(const struct brk_broker *b)
{
	return brk_zk_registered(b->zk);
}

size_t brk_partition_count(const struct brk_broker *b)
{
	return b->n_parts;
}

/* Partition directories are "<topic>-<partition>" (Kafka's naming). */
static void recover_each(void *arg, const char *name, bool is_dir)
{
	struct brk_broker *b = arg;
	const char *dash = strrchr(name, '-');
	if (!is_dir || !dash || dash == name || !dash[1])
		return;
	char *end;
	long partition = strtol(dash + 1, &end, 10);
	if (*end || partition < 0 || partition > 1000000)
		return;
	size_t len = (size_t)(dash - name);
	char topic[len + 1];
	memcpy(topic, name, len);
	topic[len] = 0;
	if (!brk_part_find(b, topic, len, (int32_t)partition))
		brk_part_host(b, topic, (int32_t)partition);
}

const struct brk_peer *brk_peer_find(const struct brk_broker *b, int32_t id)
{
	for (size_t i = 0; i < b->n_peers; i++)
		if (b->peers[i].id == id)
			return &b->peers[i];
	return NULL;
}

void brk_peer_set(struct brk_broker *b, int32_t id, const char *host, size_t host_len,
		  uint16_t port)
{
	struct brk_peer *p = (struct brk_peer *)brk_peer_find(b, id);
	if (!p) {
		b->peers = env_realloc(b->env, b->peers, (b->n_peers + 1) * sizeof *b->peers);
		p = &b->peers[b->n_peers++];
	}
	p->id = id;
	size_t n = host_len < sizeof p->host - 1 ? host_len : sizeof p->host - 1;
	memcpy(p->host, host, n);
	p->host[n] = 0;
	p->port = port;
}

/* ---- Metadata ----------------------------------------------------------------------- */

/* Metadata from the cache UpdateMetadata filled; before any update, the
 * broker's own view (itself and what it hosts) stands in for it. */
static void own_view(struct brk_broker *b, struct brk_meta_broker *self,
		     struct brk_meta_partition **parts, size_t *n)
{
	*self = (struct brk_meta_broker){b->cfg->broker_id, BRK_ADVERTISED_HOST(b->cfg, b->env),
					  b->cfg->port};
	*parts = env_calloc(b->env, b->n_parts + 1, sizeof **parts);
	*n = 0;
	for (struct brk_part *p = b->parts; p; p = p->next) {
		bool up = p->ps.leader && p->open;
		(*parts)[(*n)++] = (struct brk_meta_partition){
			p->topic, p->partition, up ? b->cfg->broker_id : -1, p->ps.leader_epoch,
			&b->cfg->broker_id, 1, &b->cfg->broker_id, up ? 1 : 0};
	}
}

static bool same(const char *topic, struct kp_str name)
{
	return strlen(topic) == (size_t)name.len && memcmp(topic, name.ptr, (size_t)name.len) == 0;
}

static void handle_metadata(struct brk_broker *b, struct brk_req *r)
{
	const struct kp_metadata_request *req = &r->req.body.metadata;
	const struct brk_meta_broker *mb;
	const struct brk_meta_partition *mp;
	struct brk_meta_broker self;
	struct brk_meta_partition *own = NULL;
	size_t nb = brk_metadata_brokers(b->meta, &mb), np = brk_metadata_partitions(b->meta, &mp);
	int32_t controller = brk_metadata_controller(b->meta);
	if (!brk_metadata_version(b->meta)) {
		own_view(b, &self, &own, &np);
		mb = &self;
		mp = own;
		nb = 1;
		controller = b->cfg->broker_id;
	}
	struct kp_metadata_broker *brokers = env_calloc(b->env, nb + 1, sizeof *brokers);
	for (size_t i = 0; i < nb; i++)
		brokers[i] = (struct kp_metadata_broker){
			mb[i].id, {mb[i].host, (int32_t)strlen(mb[i].host)}, mb[i].port, {NULL, -1}};
	/* Topics: those asked for, or every known one for a null list. */
	size_t cap = (size_t)(req->topic_count > 0 ? req->topic_count : 0) + np + 1;
	struct kp_metadata_topic *topics = env_calloc(b->env, cap, sizeof *topics);
	struct kp_metadata_partition *parts = env_calloc(b->env, np + 1, sizeof *parts);
	int32_t n_topics = 0, n_parts = 0;
	int32_t asked = req->topic_count < 0 ? (int32_t)np : req->topic_count;
	for (int32_t i = 0; i < asked; i++) {
		struct kp_str name = req->topic_count < 0
					     ? (struct kp_str){mp[i].topic, (int32_t)strlen(mp[i].topic)}
					     : req->topics[i];
		bool seen = false;
		for (int32_t t = 0; t < n_topics && !seen; t++)
			seen = topics[t].name.len == name.len &&
			       !memcmp(topics[t].name.ptr, name.ptr, (size_t)name.len);
		if (seen)
			continue;
		struct kp_metadata_topic *t = &topics[n_topics++];
		t->name = name;
		t->partitions = &parts[n_parts];
		for (size_t k = 0; k < np; k++) {
			if (!same(mp[k].topic, name))
				continue;
			parts[n_parts++] = (struct kp_metadata_partition){
				mp[k].leader >= 0 ? KP_ERR_NONE : KP_ERR_LEADER_NOT_AVAILABLE,
				mp[k].partition, mp[k].leader, mp[k].replicas, mp[k].n_replicas,
				mp[k].isr, mp[k].n_isr, NULL, 0 /* offline: not kept */};
			t->partition_count++;
		}
		if (!t->partition_count)
			t->error_code = KP_ERR_UNKNOWN_TOPIC_OR_PARTITION;
	}
	struct kp_response resp;
	memset(&resp, 0, sizeof resp);
	resp.body.metadata = (struct kp_metadata_response){
		0, brokers, (int32_t)nb, {NULL, -1}, controller, topics, n_topics};
	brk_front_respond(r, &resp);
	env_free(b->env, parts);
	env_free(b->env, topics);
	env_free(b->env, brokers);
	env_free(b->env, own);
}

void brk_update_metadata(struct brk_broker *b, int32_t controller_id,
			 const struct brk_meta_broker *brokers, size_t n_brokers,
			 const struct brk_meta_partition *parts, size_t n_parts)
{
	brk_metadata_update(b->meta, controller_id, brokers, n_brokers, parts, n_parts);
}

/* ---- ListOffsets --------------------------------------------------------------------- */

static void handle_list_offsets(struct brk_broker *b, struct brk_req *r)
{
	const struct kp_list_offsets_request *req = &r->req.body.list_offsets;
	int32_t n = 0;
	for (int32_t t = 0; t < req->topic_count; t++)
		n += req->topics[t].partition_count;
	struct kp_list_offsets_topic_response *topics =
		env_calloc(b->env, (size_t)req->topic_count + 1, sizeof *topics);
	struct kp_list_offsets_partition_response *parts =
		env_calloc(b->env, (size_t)n + 1, sizeof *parts);
	int32_t k = 0;
	for (int32_t t = 0; t < req->topic_count; t++) {
		const struct kp_list_offsets_topic *lt = &req->topics[t];
		topics[t] = (struct kp_list_offsets_topic_response){lt->name, &parts[k],
								   lt->partition_count};
		for (int32_t i = 0; i < lt->partition_count; i++, k++) {
			const struct kp_list_offsets_partition *lp = &lt->partitions[i];
			struct kp_list_offsets_partition_response *out = &parts[k];
			*out = (struct kp_list_offsets_partition_response){lp->partition_index, 0, -1,
									   -1};
			struct brk_part *p = brk_part_find(b, lt->name.ptr, (size_t)lt->name.len,
							   lp->partition_index);
			if (!p || !p->ps.leader || !p->open)
				out->error_code = KP_ERR_NOT_LEADER_OR_FOLLOWER;
			else if (lp->timestamp == -2) /* earliest */
				out->offset = log_start_offset(p->log);
			else if (lp->timestamp == -1 && r->req.header.api_version >= 2 &&
				 !brk_pstate_latest_known(&p->ps))
				/* KIP-207: a new leader whose high watermark has not yet
				 * reached its epoch's start does not know the committed end. */
				out->error_code = KP_ERR_OFFSET_NOT_AVAILABLE;
			else if (lp->timestamp == -1) /* latest: what consumers may read */
				out->offset = p->ps.hw;
			else /* a timestamp search: see docs/broker.md */
				out->error_code = KP_ERR_INVALID_REQUEST;
		}
	}
	struct kp_response resp;
	memset(&resp, 0, sizeof resp);
	resp.body.list_offsets.topics = topics;
	resp.body.list_offsets.topic_count = req->topic_count;
	brk_front_respond(r, &resp);
	env_free(b->env, parts);
	env_free(b->env, topics);
}

/* ---- InitProducerId ------------------------------------------------------------------- */

/*
 * Producer ids are handed out from blocks of 1000 that the broker reserves
 * before use, so an id is never given twice, across the cluster and across
 * restarts. With ZooKeeper, blocks come from /latest_producer_id_block as
 * Kafka's ZK-mode ProducerIdManager takes them: read the last block, write
 * the next with the znode's version as the condition (a broker that lost
 * the race reads again). Without ZooKeeper, each broker draws from its own
 * range (broker.id << 40) with the block's end fsynced in
 * <log.dirs>/producer-id-block before use.
 */
#define PID_BLOCK 1000
#define PID_FILE "/producer-id-block"
#define PID_ZNODE "/latest_producer_id_block"

static void answer_pid(struct brk_broker *b, struct brk_req *r, int16_t error)
{
	struct kp_response resp;
	memset(&resp, 0, sizeof resp);
	resp.body.init_producer_id.error_code = error;
	resp.body.init_producer_id.producer_id = error ? -1 : b->pid_next++;
	resp.body.init_producer_id.producer_epoch = error ? -1 : 0;
	brk_front_respond(r, &resp);
}

/* A block is reserved (or could not be): answer who waited for it. */
static void pid_block_ready(struct brk_broker *b, bool ok)
{
	b->pid_reserving = false;
	size_t i = 0;
	for (; i < b->n_pid_waiting && (!ok || b->pid_next < b->pid_block_end); i++)
		answer_pid(b, b->pid_waiting[i], ok ? KP_ERR_NONE : KP_ERR_COORDINATOR_NOT_AVAILABLE);
	memmove(b->pid_waiting, b->pid_waiting + i, (b->n_pid_waiting - i) * sizeof *b->pid_waiting);
	b->n_pid_waiting -= i;
}

static void pid_reserve(struct brk_broker *b);

static void pid_reserved_disk(struct env_req *req, int status)
{
	struct brk_broker *b = req->data;
	if (status == ENV_OK)
		b->pid_block_end = b->pid_next + PID_BLOCK;
	pid_block_ready(b, status == ENV_OK);
}

static void pid_written(struct env_req *req, int status)
{
	struct brk_broker *b = req->data;
	if (status) {
		pid_reserved_disk(req, status);
		return;
	}
	int rc = env_file_fsync(&b->pid_req, b->pid_file, pid_reserved_disk);
	if (rc) /* refused at submission: no callback comes (sim/env.h) */
		pid_reserved_disk(req, rc);
}

static void pid_reserve_disk(struct brk_broker *b)
{
	if (!b->pid_file) {
		pid_block_ready(b, false);
		return;
	}
	char line[32];
	int len = snprintf(line, sizeof line, "%020lld\n",
			   (long long)(b->pid_block_end + PID_BLOCK));
	b->pid_next = b->pid_block_end;
	b->pid_req.data = b;
	int rc = env_file_write(&b->pid_req, b->pid_file, 0, line, (size_t)len, pid_written);
	if (rc) /* refused at submission: no callback comes (sim/env.h) */
		pid_block_ready(b, false);
}

static int block_json(char *buf, size_t size, int32_t broker, int64_t start)
{
	return snprintf(buf, size,
			"{\"version\":1,\"broker\":%d,\"block_start\":\"%lld\","
			"\"block_end\":\"%lld\"}",
			broker, (long long)start, (long long)(start + PID_BLOCK - 1));
}

static void pid_zk_written(void *arg, const struct zk_client_result *res)
{
	struct brk_broker *b = arg;
	if (res->rc == ZOK) {
		b->pid_block_end = b->pid_next + PID_BLOCK;
		pid_block_ready(b, true);
	} else if (res->rc == ZBADVERSION || res->rc == ZNODEEXISTS) {
		pid_reserve(b); /* another broker took that block: read again */
	} else {
		pid_block_ready(b, false);
	}
}

static void pid_zk_read(void *arg, const struct zk_client_result *res)
{
	struct brk_broker *b = arg;
	struct zk_client *zc = brk_zk_client(b->zk);
	char json[160];
	if (!zc) {
		pid_block_ready(b, false);
		return;
	}
	if (res->rc == ZNONODE) {
		b->pid_next = 0;
		int len = block_json(json, sizeof json, b->cfg->broker_id, 0);
		zk_client_create(zc, PID_ZNODE, json, len, ZK_CREATE_PERSISTENT, pid_zk_written, b);
		return;
	}
	if (res->rc != ZOK) {
		pid_block_ready(b, false);
		return;
	}
	/* {"version":1,"broker":..,"block_start":"S","block_end":"E"} */
	char data[256] = {0};
	size_t n = res->resp->data.len > 0 ? (size_t)res->resp->data.len : 0;
	memcpy(data, res->resp->data.p, n < sizeof data - 1 ? n : sizeof data - 1);
	const char *end = strstr(data, "\"block_end\":\"");
	long long last = end ? strtoll(end + 13, NULL, 10) : -1;
	if (last < 0) {
		env_log(b->env, ENV_LOG_ERROR, "%s is malformed: %s", PID_ZNODE, data);
		pid_block_ready(b, false);
		return;
	}
	b->pid_next = last + 1;
	int len = block_json(json, sizeof json, b->cfg->broker_id, b->pid_next);
	zk_client_set_data(zc, PID_ZNODE, json, len, res->resp->stat.version, pid_zk_written, b);
}

static void pid_reserve(struct brk_broker *b)
{
	b->pid_reserving = true;
	if (!b->zk) {
		pid_reserve_disk(b);
		return;
	}
	struct zk_client *zc = brk_zk_client(b->zk);
	if (!zc) {
		pid_block_ready(b, false); /* not connected: the client retries */
		return;
	}
	zk_client_get_data(zc, PID_ZNODE, false, pid_zk_read, b);
}

static void handle_init_producer_id(struct brk_broker *b, struct brk_req *r)
{
	if (!b->pid_reserving && b->pid_next < b->pid_block_end) {
		answer_pid(b, r, KP_ERR_NONE);
		return;
	}
	b->pid_waiting = env_realloc(b->env, b->pid_waiting,
				     (b->n_pid_waiting + 1) * sizeof *b->pid_waiting);
	b->pid_waiting[b->n_pid_waiting++] = r;
	if (!b->pid_reserving)
		pid_reserve(b);
}

/* Without ZooKeeper: the last reserved end; the next block starts there. */
static void pid_recover(struct brk_broker *b)
{
	char path[256];
	snprintf(path, sizeof path, "%s%s", b->cfg->log_dir, PID_FILE);
	int64_t base = (int64_t)b->cfg->broker_id << 40;
	b->pid_next = b->pid_block_end = base;
	if (b->cfg->n_zk_servers || env_file_open(b->env, path, ENV_O_CREATE, &b->pid_file))
		return;
	char buf[32] = {0};
	if (env_file_read(b->pid_file, 0, buf, sizeof buf - 1) > 0) {
		long long end = strtoll(buf, NULL, 10);
		if (end > base)
			b->pid_next = b->pid_block_end = end;
	}
}

/* ---- The node ------------------------------------------------------------------------------ */

static void handler(void *ctx, struct brk_req *r)
{
	struct brk_broker *b = ctx;
	switch (r->req.header.api_key) {
	case KP_API_METADATA:
		handle_metadata(b, r);
		return;
	case KP_API_PRODUCE:
		brk_handle_produce(b, r);
		return;
	case KP_API_FETCH:
		brk_handle_fetch(b, r);
		return;
	case KP_API_LIST_OFFSETS:
		handle_list_offsets(b, r);
		return;
	case KP_API_INIT_PRODUCER_ID:
		handle_init_producer_id(b, r);
		return;
	case KP_API_CREATE_TOPICS:
		brk_handle_create_topics(b, r);
		return;
	case KP_API_LEADER_AND_ISR:
		brk_handle_leader_and_isr(b, r);
		return;
	case KP_API_UPDATE_METADATA:
		brk_handle_update_metadata(b, r);
		return;
	case KP_API_STOP_REPLICA:
		brk_handle_stop_replica(b, r);
		return;
	case KP_API_OFFSETS_FOR_LEADER_EPOCH:
		brk_handle_offsets_for_leader_epoch(b, r);
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
	case KP_API_FIND_COORDINATOR:
		brk_group_find_coordinator(b->groups, r);
		return;
	case KP_API_JOIN_GROUP:
		brk_group_join(b->groups, r);
		return;
	case KP_API_SYNC_GROUP:
		brk_group_sync(b->groups, r);
		return;
	case KP_API_HEARTBEAT:
		brk_group_heartbeat(b->groups, r);
		return;
	case KP_API_LEAVE_GROUP:
		brk_group_leave(b->groups, r);
		return;
	case KP_API_OFFSET_COMMIT:
		brk_group_offset_commit(b->groups, r);
		return;
	case KP_API_OFFSET_FETCH:
		brk_group_offset_fetch(b->groups, r);
		return;
	}
	/* A request this broker does not serve: close, as Kafka does. */
	env_log(b->env, ENV_LOG_WARN, "%s requests are not served yet: closing",
		kp_api_name(r->req.header.api_key));
	brk_front_reject(r);
}

static void on_session(void *arg, struct zk_client *zc)
{
	struct brk_broker *b = arg;
	ctl_session(b->ctl, zc);
}

static void on_watch(void *arg, int32_t type, struct zk_str path)
{
	struct brk_broker *b = arg;
	ctl_watch_event(b->ctl, type, path);
}

/* Kafka checks the ISR every replica.lag.time.max.ms / 2. */
static int64_t repl_period(const struct brk_broker *b)
{
	int64_t ns = b->cfg->replica_lag_time_max_ms * 1000000 / 2;
	return ns > 0 ? ns : 1000000;
}

static void repl_tick(struct env_timer *t)
{
	struct brk_broker *b = t->data;
	brk_leader_tick(b);
	env_timer_start(b->env, t, repl_period(b), repl_tick);
}

#define CKPT_PERIOD_NS (5000 * 1000000LL) /* replica.high.watermark.checkpoint.interval.ms */

static void ckpt_tick(struct env_timer *t)
{
	struct brk_broker *b = t->data;
	brk_hw_ckpt_write(b);
	env_timer_start(b->env, t, CKPT_PERIOD_NS, ckpt_tick);
}

static void marker_deleted(struct env_req *req, int status)
{
	struct brk_broker *b = req->data;
	env_free(b->env, req);
	if (status)
		env_log(b->env, ENV_LOG_WARN, "clean-shutdown marker not deleted");
}

/* Kafka's LogManager: the logs of a directory with the clean-shutdown
 * marker open without recovery, and the marker is deleted, so that a crash
 * from now on is recovered from at the next start. */
static void clean_marker_take(struct brk_broker *b)
{
	char path[256];
	snprintf(path, sizeof path, "%s%s", b->cfg->log_dir, BRK_CLEAN_SHUTDOWN_FILE);
	if (!env_exists(b->env, path))
		return;
	b->clean_start = true;
	env_mark(b->env, "clean-start");
	env_event(b->env, "shutdown",
		  "broker %d: clean-shutdown marker found: its logs open without recovery",
		  b->cfg->broker_id);
	struct env_req *req = env_calloc(b->env, 1, sizeof *req);
	req->data = b;
	if (env_unlink(req, b->env, path, marker_deleted))
		env_free(b->env, req);
}

bool brk_shutting_down(const struct brk_broker *b)
{
	return b->shutdown != NULL;
}

void *brk_start(struct env *env, const void *config)
{
	const struct brk_config *cfg = config;
	struct brk_broker *b = env_calloc(env, 1, sizeof *b);
	b->env = env;
	b->cfg = cfg;
	b->meta = brk_metadata_new(env);
	b->groups = brk_group_new(b);
	env_mkdirs(env, cfg->log_dir);
	b->controller_epoch = -1;
	brk_hw_ckpt_load(b);
	pid_recover(b);
	clean_marker_take(b);
	env_list_dir(env, cfg->log_dir, recover_each, b);
	b->clean_start = false; /* logs created from now on are new */
	struct brk_front_config fc;
	brk_front_config_default(&fc);
	fc.port = cfg->port;
	fc.max_request_bytes = (size_t)cfg->socket_request_max_bytes;
	fc.max_queued = (uint32_t)cfg->queued_max_requests;
	b->front = brk_front_start(env, &fc, handler, b);
	b->zk = brk_zk_start(env, cfg);
	if (b->zk) {
		/* Every broker runs a controller; one at a time is active. */
		b->ctl = ctl_new(env, cfg);
		brk_zk_set_listener(b->zk, on_session, on_watch, b);
	}
	b->repl_timer.data = b;
	env_timer_start(env, &b->repl_timer, repl_period(b), repl_tick);
	b->ckpt_timer.data = b;
	env_timer_start(env, &b->ckpt_timer, CKPT_PERIOD_NS, ckpt_tick);
	env_log(env, ENV_LOG_INFO, "broker %d up, %zu partition logs found", cfg->broker_id,
		b->n_parts);
	return b;
}
