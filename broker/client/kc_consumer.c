#include "broker/client/kc_consumer.h"

#include <string.h>

#include "broker/client/kc_group.h"

#include "broker/kp/kp_error.h"
#include "broker/log/record_batch.h"
#include "sim/mutant.h"

struct part {
	char *topic;
	int32_t partition;
	int64_t position;  /* -1: reset by auto.offset.reset */
	uint32_t epoch;    /* bumped by seek: answers to older fetches are ignored */
	/* KIP-320: the leader epoch of the batch that held the record before
	 * the position (-1 unknown: after a reset, a seek or a committed
	 * offset), and the leader the position was last fetched from or
	 * validated against (-1 none). */
	int32_t pos_epoch;
	int32_t validated_leader;
	bool fetching;
	bool resetting;
	bool validating;
	struct kc_leader_memo leader; /* drain asks for every partition after every answer */
};

struct kc_consumer {
	struct env *env;
	struct kc_consumer_config cfg;
	kc_poll_cb cb;
	void *arg;
	struct kc_cluster *cluster;
	struct part *parts;
	size_t n_parts;
	char **assign_all;
	size_t n_assign_all;
	int32_t *fetching_from; /* brokers with a fetch in flight */
	size_t n_fetching;
	struct env_timer wake;
	/* Group membership (kc_consumer_subscribe). */
	struct kc_group *group;
	uint32_t assign_gen; /* bumped when the parts array is replaced */
	struct kc_consumer_listener listener;
	bool commit_in_flight; /* one regular commit at a time, */
	bool commit_dirty;     /* the next one sent when it is answered */
	uint64_t commit_seq;   /* regular commits sent */
	struct commit_ctx *commits;
	struct held *held;     /* before-process: records waiting for their commit */
	struct held **held_tail;
};

/* A commit in flight: what it carried, for the listener. */
struct commit_ctx {
	struct commit_ctx *next;
	struct kc_consumer *c;
	bool revoke;  /* the commit of a rebalance: the rejoin waits for it */
	uint64_t seq; /* regular commits are numbered from 1 */
	size_t n;
	struct kc_consumer_tp tps[];
};

/* before-process: records waiting for the commit numbered `seq`. */
struct held {
	struct held *next;
	char *topic;
	int32_t partition;
	int64_t hw;
	int64_t from;  /* the position before them */
	uint64_t seq;
	uint32_t gen;  /* the assignment they were fetched in */
	uint8_t *bytes; /* the fetch answer's record batches */
	size_t len;
};

/* What a request covered, to match its answer. */
struct fetch_ctx {
	struct kc_consumer *c;
	uint32_t gen; /* the assignment it was sent for */
	int32_t broker;
	size_t n;
	size_t idx[]; /* part indexes, with their epochs after them */
};

static void drain(struct kc_consumer *c);
static bool commit_positions(struct kc_consumer *c, bool revoke);
static void release_held(struct kc_consumer *c, uint64_t seq, bool ok);
static size_t parse_records(struct kc_consumer *c, const uint8_t *buf, size_t len,
			    int64_t from, struct kc_record_view **views, int32_t *last_epoch);

void kc_consumer_config_default(struct kc_consumer_config *c)
{
	kc_cluster_config_default(&c->cluster);
	c->fetch_max_wait_ns = 500LL * 1000 * 1000;
	c->fetch_min_bytes = 1;
	c->fetch_max_bytes = 50 << 20;
	c->max_partition_fetch_bytes = 1 << 20;
	c->reset_earliest = false;
	c->isolation_level = 0;
	c->validate_positions = true;
	c->group_id = NULL;
	c->session_timeout_ns = 45LL * 1000 * 1000 * 1000;
	c->heartbeat_interval_ns = 3LL * 1000 * 1000 * 1000;
	c->rebalance_timeout_ns = 300LL * 1000 * 1000 * 1000;
	c->commit = KC_COMMIT_AFTER_PROCESS;
}

static struct part *part_find(const struct kc_consumer *c, const char *topic, size_t len,
			      int32_t partition)
{
	for (size_t i = 0; i < c->n_parts; i++)
		if (c->parts[i].partition == partition && strlen(c->parts[i].topic) == len &&
		    memcmp(c->parts[i].topic, topic, len) == 0)
			return &c->parts[i];
	return NULL;
}

static void wake_cb(struct env_timer *t)
{
	drain(t->data);
}

static void wake_later(struct kc_consumer *c, int64_t delay_ns)
{
	if (!env_timer_active(&c->wake) || delay_ns == 0)
		env_timer_start(c->env, &c->wake, delay_ns, wake_cb);
}

void kc_consumer_assign(struct kc_consumer *c, const char *topic, int32_t partition)
{
	if (part_find(c, topic, strlen(topic), partition))
		return;
	c->parts = env_realloc(c->env, c->parts, (c->n_parts + 1) * sizeof *c->parts);
	c->parts[c->n_parts++] = (struct part){.topic = env_strdup(c->env, topic),
					       .partition = partition, .position = -1,
					       .pos_epoch = -1, .validated_leader = -1,
					       .leader = {-1, 0}};
	kc_cluster_want_topic(c->cluster, topic);
	wake_later(c, 0);
}

void kc_consumer_assign_all(struct kc_consumer *c, const char *topic)
{
	c->assign_all = env_realloc(c->env, c->assign_all,
				    (c->n_assign_all + 1) * sizeof *c->assign_all);
	c->assign_all[c->n_assign_all++] = env_strdup(c->env, topic);
	kc_cluster_want_topic(c->cluster, topic);
	wake_later(c, 0);
}

void kc_consumer_seek(struct kc_consumer *c, const char *topic, int32_t partition,
		      int64_t offset)
{
	struct part *p = part_find(c, topic, strlen(topic), partition);
	if (!p)
		return;
	p->position = offset;
	p->pos_epoch = -1;
	p->epoch++;
	wake_later(c, 0);
}

int64_t kc_consumer_position(const struct kc_consumer *c, const char *topic,
			     int32_t partition)
{
	const struct part *p = part_find(c, topic, strlen(topic), partition);
	return p ? p->position : -1;
}

/* ---- Group membership ---------------------------------------------------------------- */

static void parts_clear(struct kc_consumer *c)
{
	for (size_t i = 0; i < c->n_parts; i++)
		env_free(c->env, c->parts[i].topic);
	c->n_parts = 0;
	c->assign_gen++;
}

static void commit_ctx_free(struct kc_consumer *c, struct commit_ctx *x)
{
	for (size_t i = 0; i < x->n; i++)
		env_free(c->env, (char *)x->tps[i].topic);
	env_free(c->env, x);
}

static void commit_done(void *arg, int16_t error)
{
	struct commit_ctx *x = arg;
	struct kc_consumer *c = x->c;
	struct commit_ctx **pp = &c->commits;
	while (*pp != x)
		pp = &(*pp)->next;
	*pp = x->next;
	if (error)
		env_log(c->env, ENV_LOG_INFO, "commit failed: %s",
			error < 0 ? "no answer" : kp_error_name(error));
	if (c->listener.committed)
		c->listener.committed(c->listener.arg, x->tps, x->n, error);
	bool revoke = x->revoke;
	uint64_t seq = x->seq;
	commit_ctx_free(c, x);
	if (revoke) {
		kc_group_revoked_done(c->group);
		return;
	}
	c->commit_in_flight = false;
	release_held(c, seq, error == 0);
	if (c->commit_dirty) {
		c->commit_dirty = false;
		if (!commit_positions(c, false))
			release_held(c, c->commit_seq + 1, false);
	}
}

static void held_free(struct kc_consumer *c, struct held *h)
{
	env_free(c->env, h->topic);
	env_free(c->env, h->bytes);
	env_free(c->env, h);
}

/*
 * The commit numbered `seq` was answered: the records waiting for it (or an
 * earlier one) are handed over when it was acknowledged. Otherwise they were
 * not processed, and their partition goes back to where they began, to be
 * fetched again.
 */
static void release_held(struct kc_consumer *c, uint64_t seq, bool ok)
{
	while (c->held && c->held->seq <= seq) {
		struct held *h = c->held;
		c->held = h->next;
		if (!c->held)
			c->held_tail = &c->held;
		struct part *p = part_find(c, h->topic, strlen(h->topic), h->partition);
		if (h->gen == c->assign_gen && p && ok) {
			struct kc_record_view *views;
			size_t n = parse_records(c, h->bytes, h->len, h->from, &views, NULL);
			c->cb(c->arg, h->topic, h->partition, views, n, h->hw);
			env_free(c->env, views);
		} else if (h->gen == c->assign_gen && p && p->position > h->from) {
			p->position = h->from;
			p->pos_epoch = -1;
			p->epoch++; /* answers to fetches from further on are ignored */
			wake_later(c, 0);
		}
		held_free(c, h);
	}
}

static void held_drop_all(struct kc_consumer *c)
{
	while (c->held) {
		struct held *h = c->held;
		c->held = h->next;
		held_free(c, h);
	}
	c->held_tail = &c->held;
}

/* Commits the position of every assigned partition that has one. Returns
 * true when a commit went out (its callback will follow). */
static bool commit_positions(struct kc_consumer *c, bool revoke)
{
	if (!c->group || c->cfg.commit == KC_COMMIT_NONE)
		return false;
	if (!revoke && c->commit_in_flight) {
		c->commit_dirty = true;
		return false;
	}
	size_t n = 0;
	for (size_t i = 0; i < c->n_parts; i++)
		n += c->parts[i].position >= 0;
	if (!n)
		return false;
	struct commit_ctx *x = env_calloc(c->env, 1, sizeof *x + n * sizeof x->tps[0]);
	struct kc_tp_offset *tps = env_calloc(c->env, n, sizeof *tps);
	*x = (struct commit_ctx){c->commits, c, revoke, 0, 0};
	for (size_t i = 0; i < c->n_parts; i++) {
		const struct part *p = &c->parts[i];
		if (p->position < 0)
			continue;
		int64_t pos = p->position;
		/* A rebalance's commit stops before records still waiting to be
		 * handed over (before-process): the next owner reads them. */
		for (const struct held *h = c->held; revoke && h; h = h->next)
			if (h->gen == c->assign_gen && h->partition == p->partition &&
			    strcmp(h->topic, p->topic) == 0 && h->from < pos)
				pos = h->from;
		x->tps[x->n] = (struct kc_consumer_tp){env_strdup(c->env, p->topic), p->partition,
						       pos};
		tps[x->n++] = (struct kc_tp_offset){p->topic, p->partition, pos};
	}
	x->seq = revoke ? 0 : c->commit_seq + 1;
	int rc = kc_group_commit(c->group, tps, n, commit_done, x);
	env_free(c->env, tps);
	if (rc) {
		commit_ctx_free(c, x);
		return false;
	}
	c->commits = x;
	if (!revoke) {
		c->commit_in_flight = true;
		c->commit_seq++;
	}
	return true;
}

static void report_assignment(struct kc_consumer *c, int32_t generation)
{
	if (!c->listener.assigned)
		return;
	struct kc_consumer_tp *tps = env_calloc(c->env, c->n_parts + 1, sizeof *tps);
	for (size_t i = 0; i < c->n_parts; i++)
		tps[i] = (struct kc_consumer_tp){c->parts[i].topic, c->parts[i].partition,
						 c->parts[i].position};
	c->listener.assigned(c->listener.arg, tps, c->n_parts, generation);
	env_free(c->env, tps);
}

static void group_assigned(void *arg, const struct kc_tp_offset *tps, size_t n,
			   int32_t generation)
{
	struct kc_consumer *c = arg;
	parts_clear(c);
	c->parts = env_realloc(c->env, c->parts, (n + 1) * sizeof *c->parts);
	for (size_t i = 0; i < n; i++) {
		c->parts[c->n_parts++] = (struct part){
			.topic = env_strdup(c->env, tps[i].topic),
			.partition = tps[i].partition,
			.position = tps[i].offset >= 0 ? tps[i].offset : -1,
			.pos_epoch = -1, .validated_leader = -1, .leader = {-1, 0}};
		kc_cluster_want_topic(c->cluster, tps[i].topic);
	}
	report_assignment(c, generation);
	wake_later(c, 0);
}

/* Eager rebalancing: every partition is given up; with the generation
 * still valid the positions are committed first (as the Java consumer's
 * auto-commit does in onJoinPrepare), and the rejoin waits for that. */
static void group_revoke(void *arg, bool lost)
{
	struct kc_consumer *c = arg;
	bool waiting = !lost && commit_positions(c, true);
	held_drop_all(c); /* never handed over: the next owner reads them */
	parts_clear(c);
	c->commit_dirty = false;
	report_assignment(c, kc_group_generation(c->group));
	if (!waiting)
		kc_group_revoked_done(c->group);
}

void kc_consumer_subscribe(struct kc_consumer *c, const char *const *topics, size_t n)
{
	if (!c->cfg.group_id || c->group)
		return;
	struct kc_group_config gc = {
		c->cfg.group_id,	      topics,
		n,			      c->cfg.session_timeout_ns,
		c->cfg.heartbeat_interval_ns, c->cfg.rebalance_timeout_ns,
		c->cfg.cluster.retry_backoff_ns, c->cfg.cluster.conn};
	struct kc_group_hooks hooks = {c, group_assigned, group_revoke};
	c->group = kc_group_new(c->env, c->cluster, &gc, &hooks);
}

void kc_consumer_set_listener(struct kc_consumer *c, const struct kc_consumer_listener *l)
{
	c->listener = *l;
}

/* ---- Offset reset (ListOffsets) -------------------------------------------------- */

struct reset_ctx {
	struct kc_consumer *c;
	size_t idx;
	uint32_t epoch;
	uint32_t gen;
};

static void on_list_offsets(void *arg, int status, const struct kp_response *resp)
{
	struct reset_ctx *r = arg;
	struct kc_consumer *c = r->c;
	if (r->gen != c->assign_gen) { /* the assignment changed meanwhile */
		env_free(c->env, r);
		drain(c);
		return;
	}
	struct part *p = &c->parts[r->idx];
	p->resetting = false;
	const struct kp_list_offsets_response *lo = status == KC_OK ? &resp->body.list_offsets : NULL;
	if (lo && lo->topic_count == 1 && lo->topics[0].partition_count == 1 &&
	    lo->topics[0].partitions[0].error_code == KP_ERR_NONE) {
		if (p->epoch == r->epoch && p->position < 0) {
			p->position = lo->topics[0].partitions[0].offset;
			if (c->listener.reset) {
				struct kc_consumer_tp tp = {p->topic, p->partition, p->position};
				c->listener.reset(c->listener.arg, &tp);
			}
		}
		env_free(c->env, r);
		drain(c);
		return;
	}
	env_free(c->env, r);
	kc_cluster_refresh(c->cluster);
	wake_later(c, c->cfg.cluster.retry_backoff_ns);
}

static void reset_position(struct kc_consumer *c, size_t idx, struct kc_conn *conn)
{
	struct part *p = &c->parts[idx];
	struct kp_list_offsets_partition lp = {p->partition, c->cfg.reset_earliest ? -2 : -1};
	struct kp_list_offsets_topic lt = {{p->topic, (int32_t)strlen(p->topic)}, &lp, 1};
	struct kp_request req;
	memset(&req, 0, sizeof req);
	req.header.api_key = KP_API_LIST_OFFSETS;
	req.header.api_version = 2;
	req.body.list_offsets.replica_id = -1;
	req.body.list_offsets.isolation_level = c->cfg.isolation_level;
	req.body.list_offsets.topics = &lt;
	req.body.list_offsets.topic_count = 1;
	struct reset_ctx *r = env_alloc(c->env, sizeof *r);
	*r = (struct reset_ctx){c, idx, p->epoch, c->assign_gen};
	if (kc_conn_send(conn, &req, true, on_list_offsets, r) == KC_OK)
		p->resetting = true;
	else
		env_free(c->env, r);
}

/* ---- Position validation (KIP-320) ---------------------------------------------------- */

/*
 * KIP-320 (Kafka 2.3): after a leader change the position is validated
 * before the next fetch. The consumer asks the new leader, with
 * OffsetsForLeaderEpoch, where the leader epoch of its last record ends in
 * the leader's log; an end below the position means the log was truncated
 * under the consumer (an unclean election), and the position moves back to
 * that end instead of being reset by auto.offset.reset (which, with
 * earliest, reads the whole partition again). The Java consumer starts a
 * validation when the leader epoch in its metadata changes; ksim's
 * metadata (v4) has no leader epochs, so a change of leader broker starts
 * it (a leader re-elected on the same broker never truncates itself).
 */
static bool needs_validation(const struct kc_consumer *c, const struct part *p,
			     int32_t leader)
{
	return c->cfg.validate_positions && p->position >= 0 && p->pos_epoch >= 0 &&
	       p->validated_leader != leader && !KSIM_MUTANT_IS("kip320-validation");
}

struct validate_ctx {
	struct kc_consumer *c;
	size_t idx;
	uint32_t epoch;
	uint32_t gen;
	int32_t leader;
};

static void validated(struct kc_consumer *c, struct part *p, const struct validate_ctx *v,
		      const struct kp_epoch_end_offset *eo)
{
	p->validated_leader = v->leader;
	if (eo->end_offset < 0 || eo->leader_epoch < 0) {
		/* The leader knows no epoch at or before ours: as an out-of-range
		 * position, reset by auto.offset.reset. */
		env_event(c->env, "consumer",
			  "%s-%d: leader %d knows no offset for leader epoch %d: position %lld "
			  "reset by auto.offset.reset",
			  p->topic, p->partition, v->leader, p->pos_epoch, (long long)p->position);
		p->position = -1;
		p->pos_epoch = -1;
		return;
	}
	if (eo->end_offset >= p->position)
		return;
	env_mark(c->env, "kip320-truncation-detected");
	env_event(c->env, "consumer",
		  "%s-%d: truncation detected (KIP-320): leader %d ends leader epoch %d at "
		  "offset %lld, below the position %lld; reading on from %lld",
		  p->topic, p->partition, v->leader, p->pos_epoch, (long long)eo->end_offset,
		  (long long)p->position, (long long)eo->end_offset);
	p->position = eo->end_offset;
	p->pos_epoch = eo->leader_epoch;
	p->epoch++;
	if (c->listener.reset) {
		struct kc_consumer_tp tp = {p->topic, p->partition, p->position};
		c->listener.reset(c->listener.arg, &tp);
	}
}

static void on_validate(void *arg, int status, const struct kp_response *resp)
{
	struct validate_ctx *v = arg;
	struct kc_consumer *c = v->c;
	if (v->gen != c->assign_gen) { /* the assignment changed meanwhile */
		env_free(c->env, v);
		drain(c);
		return;
	}
	struct part *p = &c->parts[v->idx];
	p->validating = false;
	const struct kp_offsets_for_leader_epoch_response *r =
		status == KC_OK ? &resp->body.offsets_for_leader_epoch : NULL;
	const struct kp_epoch_end_offset *eo =
		r && r->topic_count == 1 && r->topics[0].partition_count == 1
			? &r->topics[0].partitions[0] : NULL;
	if (!eo || eo->error_code != KP_ERR_NONE) {
		/* Not the leader any more, or no answer: metadata, then again. */
		env_free(c->env, v);
		kc_cluster_refresh(c->cluster);
		wake_later(c, c->cfg.cluster.retry_backoff_ns);
		return;
	}
	if (p->epoch == v->epoch) /* not sought elsewhere meanwhile */
		validated(c, p, v, eo);
	env_free(c->env, v);
	drain(c);
}

static void validate_position(struct kc_consumer *c, size_t idx, int32_t leader,
			      struct kc_conn *conn)
{
	struct part *p = &c->parts[idx];
	struct kp_epoch_partition ep = {p->partition, -1, p->pos_epoch};
	struct kp_epoch_topic et = {{p->topic, (int32_t)strlen(p->topic)}, &ep, 1};
	struct kp_request req;
	memset(&req, 0, sizeof req);
	req.header.api_key = KP_API_OFFSETS_FOR_LEADER_EPOCH;
	req.header.api_version = KP_OFFSETS_FOR_LEADER_EPOCH_VERSION;
	req.body.offsets_for_leader_epoch.replica_id = -1; /* a consumer */
	req.body.offsets_for_leader_epoch.topics = &et;
	req.body.offsets_for_leader_epoch.topic_count = 1;
	struct validate_ctx *v = env_alloc(c->env, sizeof *v);
	*v = (struct validate_ctx){c, idx, p->epoch, c->assign_gen, leader};
	if (kc_conn_send(conn, &req, true, on_validate, v) == KC_OK)
		p->validating = true;
	else
		env_free(c->env, v);
}

/* ---- Fetching ------------------------------------------------------------------------ */

static void broker_done(struct kc_consumer *c, int32_t broker)
{
	for (size_t i = 0; i < c->n_fetching; i++)
		if (c->fetching_from[i] == broker) {
			c->fetching_from[i] = c->fetching_from[--c->n_fetching];
			return;
		}
}

static bool broker_busy(const struct kc_consumer *c, int32_t broker)
{
	for (size_t i = 0; i < c->n_fetching; i++)
		if (c->fetching_from[i] == broker)
			return true;
	return false;
}

/* The records of `buf` (whole batches) at or past `from`, in offset order,
 * as views into buf (*views is heap memory the caller frees), and in
 * *last_epoch (when not NULL) the partition leader epoch of the batch that
 * held the last of them. A fetch may end inside a batch (max bytes): that
 * tail is simply not complete. */
static size_t parse_records(struct kc_consumer *c, const uint8_t *buf, size_t len,
			    int64_t from, struct kc_record_view **views, int32_t *last_epoch)
{
	size_t cap = 16, n = 0;
	*views = env_alloc(c->env, cap * sizeof **views);
	for (size_t off = 0; off < len;) {
		/* The Java consumer's check.crcs: the frame and the CRC, then the
		 * records as they are read. */
		struct rb_batch b;
		if (rb_parse_batch(buf + off, len - off, &b) != RB_OK || rb_verify_crc(&b) != RB_OK)
			break;
		off += b.size;
		if (b.h.attributes & 0x20) /* control batch (transaction marker) */
			continue;
		struct rb_record_iter it;
		struct rb_record rec;
		if (rb_init_record_iter(&it, &b, 0) != RB_OK)
			continue;
		size_t batch_first = n;
		int64_t batch_from = from;
		int32_t batch_epoch_before = last_epoch ? *last_epoch : -1;
		int rc;
		while ((rc = rb_next_record(&it, &rec)) == RB_OK) {
			if (rec.offset < from)
				continue;
			if (n == cap) {
				cap *= 2;
				*views = env_realloc(c->env, *views, cap * sizeof **views);
			}
			(*views)[n++] = (struct kc_record_view){rec.offset, rec.key.p, rec.key.len,
								rec.value.p, rec.value.len};
			from = rec.offset + 1;
			if (last_epoch)
				*last_epoch = b.h.partition_leader_epoch;
		}
		if (rc != RB_END) {
			/* A malformed record: none of the batch is handed over. */
			n = batch_first;
			from = batch_from;
			if (last_epoch)
				*last_epoch = batch_epoch_before;
			break;
		}
	}
	return n;
}

/*
 * before-process: the records wait, copied, until a commit of positions
 * past them has been acknowledged; only then are they handed over, so a
 * crash never hands a record over twice (at most once).
 */
static void hold(struct kc_consumer *c, const struct part *p, const uint8_t *buf, size_t len,
		 int64_t from, int64_t hw)
{
	struct held *h = env_calloc(c->env, 1, sizeof *h);
	*h = (struct held){NULL, env_strdup(c->env, p->topic), p->partition, hw, from,
			   c->commit_seq + 1, c->assign_gen, env_alloc(c->env, len), len};
	memcpy(h->bytes, buf, len);
	*c->held_tail = h;
	c->held_tail = &h->next;
	/* The next commit sent carries this position: now, or when the one in
	 * flight is answered. */
	if (!commit_positions(c, false) && !c->commit_in_flight)
		release_held(c, c->commit_seq + 1, false); /* no commit possible now */
}

/* Hands over the records at or past the position. */
static void deliver(struct kc_consumer *c, struct part *p,
		    const struct kp_fetch_partition_response *fp)
{
	const uint8_t *buf = fp->records.ptr;
	size_t len = fp->records.len > 0 ? (size_t)fp->records.len : 0;
	struct kc_record_view *views;
	int64_t from = p->position;
	int32_t last_epoch = -1;
	size_t n = parse_records(c, buf, len, from, &views, &last_epoch);
	if (n) {
		p->position = views[n - 1].offset + 1;
		p->pos_epoch = last_epoch;
	}
	if (n && c->group && c->cfg.commit == KC_COMMIT_BEFORE_PROCESS) {
		hold(c, p, buf, len, from, fp->high_watermark);
	} else if (n) {
		uint32_t gen = c->assign_gen;
		c->cb(c->arg, p->topic, p->partition, views, n, fp->high_watermark);
		if (c->group && c->cfg.commit == KC_COMMIT_AFTER_PROCESS && gen == c->assign_gen)
			commit_positions(c, false);
	}
	env_free(c->env, views);
}

static void on_fetch(void *arg, int status, const struct kp_response *resp)
{
	struct fetch_ctx *ctx = arg;
	struct kc_consumer *c = ctx->c;
	const uint32_t *epochs = (const uint32_t *)(ctx->idx + ctx->n);
	broker_done(c, ctx->broker);
	if (ctx->gen != c->assign_gen) { /* answers for an assignment since revoked */
		env_free(c->env, ctx);
		drain(c);
		return;
	}
	for (size_t i = 0; i < ctx->n; i++)
		c->parts[ctx->idx[i]].fetching = false;
	if (status != KC_OK) {
		env_free(c->env, ctx);
		kc_cluster_refresh(c->cluster);
		wake_later(c, c->cfg.cluster.retry_backoff_ns);
		return;
	}
	bool refresh = false;
	const struct kp_fetch_response *fr = &resp->body.fetch;
	for (int32_t t = 0; t < fr->topic_count; t++) {
		const struct kp_fetch_topic_response *ft = &fr->topics[t];
		for (int32_t k = 0; k < ft->partition_count; k++) {
			const struct kp_fetch_partition_response *fp = &ft->partitions[k];
			struct part *p = part_find(c, ft->topic.ptr, (size_t)ft->topic.len,
						   fp->partition_index);
			size_t idx = p ? (size_t)(p - c->parts) : 0;
			bool current = false;
			for (size_t i = 0; p && i < ctx->n; i++)
				current |= ctx->idx[i] == idx && epochs[i] == p->epoch;
			if (!current)
				continue; /* sought elsewhere meanwhile */
			if (fp->error_code == KP_ERR_NONE)
				deliver(c, p, fp);
			else if (fp->error_code == KP_ERR_OFFSET_OUT_OF_RANGE)
				p->position = -1, p->pos_epoch = -1;
			else
				refresh = true;
		}
	}
	env_free(c->env, ctx);
	if (refresh) {
		kc_cluster_refresh(c->cluster);
		wake_later(c, c->cfg.cluster.retry_backoff_ns);
		return;
	}
	drain(c);
}

static int32_t part_leader(const struct kc_consumer *c, struct part *p)
{
	return kc_cluster_leader_memo(c->cluster, p->topic, p->partition, &p->leader);
}

static bool fetchable(const struct kc_consumer *c, struct part *p, int32_t broker)
{
	return p->position >= 0 && !p->fetching && !p->validating &&
	       part_leader(c, p) == broker && !needs_validation(c, p, broker);
}

/* One Fetch to `broker` for every ready partition it leads. */
static void fetch_from(struct kc_consumer *c, int32_t broker, struct kc_conn *conn)
{
	size_t n = 0;
	for (size_t i = 0; i < c->n_parts; i++)
		n += fetchable(c, &c->parts[i], broker);
	if (!n)
		return;
	struct fetch_ctx *ctx = env_alloc(c->env, sizeof *ctx + n * (sizeof(size_t) +
								      sizeof(uint32_t)));
	uint32_t *epochs = (uint32_t *)(ctx->idx + n);
	struct kp_fetch_partition *fps = env_calloc(c->env, n, sizeof *fps);
	struct kp_fetch_topic *fts = env_calloc(c->env, n, sizeof *fts);
	int32_t n_topics = 0;
	ctx->c = c;
	ctx->gen = c->assign_gen;
	ctx->broker = broker;
	ctx->n = 0;
	/* Partitions grouped by topic: topics in order of first assignment,
	 * each topic's partitions in assignment order. */
	for (size_t i = 0; i < c->n_parts; i++) {
		struct part *first = &c->parts[i];
		if (!fetchable(c, first, broker))
			continue;
		bool seen = false;
		for (int32_t t = 0; t < n_topics && !seen; t++)
			seen = strcmp(fts[t].topic.ptr, first->topic) == 0;
		if (seen)
			continue;
		struct kp_fetch_topic *ft = &fts[n_topics++];
		ft->topic = (struct kp_str){first->topic, (int32_t)strlen(first->topic)};
		ft->partitions = &fps[ctx->n];
		for (size_t k = i; k < c->n_parts; k++) {
			struct part *p = &c->parts[k];
			if (!fetchable(c, p, broker) || strcmp(p->topic, first->topic) != 0)
				continue;
			fps[ctx->n] = (struct kp_fetch_partition){p->partition, -1, p->position, -1,
								  c->cfg.max_partition_fetch_bytes};
			ft->partition_count++;
			p->validated_leader = broker;
			ctx->idx[ctx->n] = k;
			epochs[ctx->n++] = p->epoch;
		}
	}
	struct kp_request req;
	memset(&req, 0, sizeof req);
	req.header.api_key = KP_API_FETCH;
	req.header.api_version = 11;
	struct kp_fetch_request *f = &req.body.fetch;
	f->replica_id = -1;
	f->max_wait_ms = (int32_t)(c->cfg.fetch_max_wait_ns / 1000000);
	f->min_bytes = c->cfg.fetch_min_bytes;
	f->max_bytes = c->cfg.fetch_max_bytes;
	f->isolation_level = c->cfg.isolation_level;
	f->session_id = 0;
	f->session_epoch = -1; /* no fetch session (KIP-227): full requests */
	f->topics = fts;
	f->topic_count = n_topics;
	f->rack_id = (struct kp_str){"", 0};
	if (kc_conn_send(conn, &req, true, on_fetch, ctx) == KC_OK) {
		for (size_t i = 0; i < ctx->n; i++)
			c->parts[ctx->idx[i]].fetching = true;
		c->fetching_from = env_realloc(c->env, c->fetching_from,
					       (c->n_fetching + 1) * sizeof *c->fetching_from);
		c->fetching_from[c->n_fetching++] = broker;
	} else {
		env_free(c->env, ctx);
	}
	env_free(c->env, fps);
	env_free(c->env, fts);
}

static void drain(struct kc_consumer *c)
{
	for (size_t t = 0; t < c->n_assign_all; t++) {
		int32_t n = kc_cluster_partitions(c->cluster, c->assign_all[t]);
		if (n < 0)
			kc_cluster_refresh(c->cluster); /* not created yet: ask again */
		for (int32_t p = 0; p < n; p++)
			if (!part_find(c, c->assign_all[t], strlen(c->assign_all[t]), p))
				kc_consumer_assign(c, c->assign_all[t], p);
	}
	for (size_t i = 0; i < c->n_parts; i++) {
		struct part *p = &c->parts[i];
		int32_t leader = part_leader(c, p);
		if (leader < 0) {
			kc_cluster_refresh(c->cluster);
			continue;
		}
		struct kc_conn *conn = kc_cluster_conn(c->cluster, leader);
		if (!conn)
			continue;
		if (p->position < 0 && !p->resetting)
			reset_position(c, i, conn);
		else if (needs_validation(c, p, leader) && !p->validating)
			validate_position(c, i, leader, conn);
		else if (p->position >= 0 && !p->fetching && !broker_busy(c, leader))
			fetch_from(c, leader, conn);
	}
}

static void cluster_changed(void *arg)
{
	struct kc_consumer *c = arg;
	if (c->group)
		kc_group_poke(c->group);
	drain(c);
}

struct kc_consumer *kc_consumer_new(struct env *env, const struct kc_consumer_config *cfg,
				    kc_poll_cb cb, void *arg)
{
	struct kc_consumer *c = env_calloc(env, 1, sizeof *c);
	c->env = env;
	c->cfg = *cfg;
	c->cb = cb;
	c->arg = arg;
	c->wake.data = c;
	c->held_tail = &c->held;
	c->cluster = kc_cluster_new(env, &cfg->cluster, cluster_changed, c);
	return c;
}

void kc_consumer_free(struct kc_consumer *c)
{
	env_timer_stop(c->env, &c->wake);
	if (c->group)
		kc_group_free(c->group); /* drops the commits' callbacks */
	while (c->commits) {
		struct commit_ctx *x = c->commits;
		c->commits = x->next;
		commit_ctx_free(c, x);
	}
	held_drop_all(c);
	kc_cluster_free(c->cluster);
	for (size_t i = 0; i < c->n_parts; i++)
		env_free(c->env, c->parts[i].topic);
	for (size_t i = 0; i < c->n_assign_all; i++)
		env_free(c->env, c->assign_all[i]);
	env_free(c->env, c->parts);
	env_free(c->env, c->assign_all);
	env_free(c->env, c->fetching_from);
	env_free(c->env, c);
}
