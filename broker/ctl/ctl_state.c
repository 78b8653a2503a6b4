/*
 * A controller round: load what changed from ZooKeeper, then reconcile.
 *
 * The first round after an election loads everything (Kafka's
 * onControllerFailover); later rounds run on a broker change (the children
 * of /brokers/ids), a topic change (the children of /brokers/topics) or an
 * assignment change (/brokers/topics/T), and after a failed round. Each
 * round:
 *  1. lists /brokers/ids (watch) and reads every live broker's znode: host,
 *     port, and its czxid, the broker epoch;
 *  2. lists /brokers/topics (watch) and reads the assignment (watch) and the
 *     partitions' children of new or changed topics;
 *  3. reads the state znodes of partitions it has no state for;
 *  4. decides: a first state for new partitions, a new leader where the
 *     leader is not live, ISR shrinks where followers are not live
 *     (ctl_election.h), each written in a fenced multi;
 *  5. tells brokers: after an election, LeaderAndIsr for everything to every
 *     live broker; after that, LeaderAndIsr for their partitions to new (and
 *     bounced) brokers and for changed partitions to their live replicas;
 *     and UpdateMetadata with every partition to every live broker whenever
 *     something changed.
 * A bounced broker (the same id registered with a new broker epoch) is
 * handled as Kafka's processBrokerChange does: first as dead, then, in the
 * next round, as new.
 */
#include "broker/ctl/ctl_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Stage bookkeeping ---------------------------------------------------------------- */

static void round_abort(struct ctl *c)
{
	env_free(c->env, c->next_brokers);
	c->next_brokers = NULL;
	c->n_next_brokers = 0;
	for (int32_t i = 0; i < c->n_topics; i++)
		c->topics[i]->dirty = true;
	ctl_retry_later(c);
	ctl_work_done(c);
}

/* One request of the stage is done; the last one moves the round on. */
static void step(struct ctl *c)
{
	if (--c->pending > 0)
		return;
	if (c->round_failed)
		round_abort(c);
	else
		c->stage_done(c);
}

static void begin(struct ctl *c, void (*done)(struct ctl *c))
{
	c->pending = 1; /* the stage's own opening, released by step() */
	c->stage_done = done;
}

static bool parse_id(struct zk_str s, int32_t *out)
{
	char buf[16];
	if (s.len <= 0 || s.len >= (int32_t)sizeof buf)
		return false;
	memcpy(buf, s.p, (size_t)s.len);
	buf[s.len] = 0;
	char *end;
	long v = strtol(buf, &end, 10);
	if (*end || v < 0 || v > INT32_MAX)
		return false;
	*out = (int32_t)v;
	return true;
}

/* ---- Stage 1: brokers ------------------------------------------------------------------ */

static void topics_list(struct ctl *c);

static void broker_read(struct ctl *c, struct ctl_op *op, const struct zk_client_result *res)
{
	struct ctl_broker b = {.id = op->id};
	if (res->rc == ZOK && res->resp->data.len > 0 &&
	    ctl_zk_parse_broker((const char *)res->resp->data.p, (size_t)res->resp->data.len,
				b.host, sizeof b.host, &b.port) == 0) {
		b.epoch = res->resp->stat.czxid;
		int32_t i = c->n_next_brokers;
		c->next_brokers = env_realloc(c->env, c->next_brokers,
					      (size_t)(i + 1) * sizeof *c->next_brokers);
		while (i > 0 && c->next_brokers[i - 1].id > b.id) {
			c->next_brokers[i] = c->next_brokers[i - 1];
			i--;
		}
		c->next_brokers[i] = b;
		c->n_next_brokers++;
	} else if (res->rc == ZOK) {
		env_log(c->env, ENV_LOG_WARN, "controller: /brokers/ids/%d is unreadable", op->id);
	} else if (res->rc != ZNONODE) {
		c->round_failed = true; /* gone meanwhile (NONODE) is fine */
	}
	step(c);
}

static void brokers_listed(struct ctl *c, struct ctl_op *op, const struct zk_client_result *res)
{
	(void)op;
	if (res->rc != ZOK) {
		c->round_failed = true;
		step(c);
		return;
	}
	struct wire_reader it;
	struct zk_str name;
	zk_vec_iter(&it, res->resp->children.raw, res->resp->children.raw_len);
	while (zk_next_str(&it, &name) == 1) {
		int32_t id;
		char path[64];
		if (!parse_id(name, &id))
			continue;
		snprintf(path, sizeof path, CTL_ZK_BROKERS "/%d", id);
		struct ctl_op *rd = ctl_op_new(c, broker_read);
		rd->id = id;
		c->pending++;
		zk_client_get_data(c->zc, path, false, ctl_op_cb, rd);
	}
	step(c);
}

void ctl_round_start(struct ctl *c)
{
	c->round_failed = false;
	env_free(c->env, c->next_brokers);
	c->next_brokers = NULL;
	c->n_next_brokers = 0;
	begin(c, topics_list);
	zk_client_get_children(c->zc, CTL_ZK_BROKERS, true, ctl_op_cb,
			       ctl_op_new(c, brokers_listed));
}

/* ---- Stage 2: topics -------------------------------------------------------------------- */

static void states_read(struct ctl *c);

static void ensure_parts(struct ctl *c, struct ctl_topic *t, int32_t n)
{
	if (n <= t->n_parts)
		return;
	t->parts = env_realloc(c->env, t->parts, (size_t)n * sizeof *t->parts);
	memset(&t->parts[t->n_parts], 0, (size_t)(n - t->n_parts) * sizeof *t->parts);
	t->n_parts = n;
}

struct assign_ctx {
	struct ctl *c;
	struct ctl_topic *t;
};

static void assign_each(void *arg, int32_t partition, const int32_t *replicas, int32_t n)
{
	struct assign_ctx *a = arg;
	if (partition > 1 << 20)
		return; /* absurd: Kafka's partition ids are dense from 0 */
	ensure_parts(a->c, a->t, partition + 1);
	struct ctl_part *p = &a->t->parts[partition];
	memcpy(p->replicas, replicas, (size_t)n * sizeof *replicas);
	p->n_replicas = n;
}

static void topic_read(struct ctl *c, struct ctl_op *op, const struct zk_client_result *res)
{
	struct ctl_topic *t = op->topic;
	if (res->rc == ZOK) {
		struct assign_ctx a = {c, t};
		const char *p = (const char *)res->resp->data.p;
		size_t len = res->resp->data.len > 0 ? (size_t)res->resp->data.len : 0;
		if (ctl_zk_parse_assignment(p, len, assign_each, &a) < 0)
			env_log(c->env, ENV_LOG_WARN,
				"controller: /brokers/topics/%s is unreadable", t->name);
		t->loaded = true;
		t->dirty = false;
	} else if (res->rc != ZNONODE) {
		c->round_failed = true;
	}
	step(c);
}

static void parts_listed(struct ctl *c, struct ctl_op *op, const struct zk_client_result *res)
{
	struct ctl_topic *t = op->topic;
	if (res->rc != ZOK && res->rc != ZNONODE) {
		c->round_failed = true;
		step(c);
		return;
	}
	for (int32_t i = 0; i < t->n_parts; i++)
		t->parts[i].znode = false;
	t->parts_znode = res->rc == ZOK;
	if (res->rc == ZOK) {
		struct wire_reader it;
		struct zk_str name;
		zk_vec_iter(&it, res->resp->children.raw, res->resp->children.raw_len);
		while (zk_next_str(&it, &name) == 1) {
			int32_t id;
			if (parse_id(name, &id) && id < t->n_parts)
				t->parts[id].znode = true;
		}
	}
	step(c);
}

static struct ctl_topic *topic_add(struct ctl *c, struct zk_str name)
{
	struct ctl_topic *t = env_calloc(c->env, 1, sizeof *t);
	t->name = env_calloc(c->env, (size_t)name.len + 1, 1);
	memcpy(t->name, name.p, (size_t)name.len);
	int32_t i = c->n_topics;
	c->topics = env_realloc(c->env, c->topics, (size_t)(i + 1) * sizeof *c->topics);
	while (i > 0 && strcmp(c->topics[i - 1]->name, t->name) > 0) {
		c->topics[i] = c->topics[i - 1];
		i--;
	}
	c->topics[i] = t;
	c->n_topics++;
	return t;
}

static void topic_free(struct ctl *c, struct ctl_topic *t)
{
	env_free(c->env, t->parts);
	env_free(c->env, t->name);
	env_free(c->env, t);
}

/* Topics gone from the list are forgotten (topic deletion is not modelled). */
static void topics_sweep(struct ctl *c)
{
	int32_t k = 0;
	for (int32_t i = 0; i < c->n_topics; i++)
		if (c->topics[i]->seen)
			c->topics[k++] = c->topics[i];
		else
			topic_free(c, c->topics[i]);
	c->n_topics = k;
}

static void topic_load(struct ctl *c, struct ctl_topic *t)
{
	char path[300];
	snprintf(path, sizeof path, CTL_ZK_TOPICS "/%s", t->name);
	struct ctl_op *rd = ctl_op_new(c, topic_read);
	rd->topic = t;
	c->pending++;
	zk_client_get_data(c->zc, path, true, ctl_op_cb, rd);
	ctl_zk_partition_path(path, sizeof path, t->name, -1, false);
	struct ctl_op *ls = ctl_op_new(c, parts_listed);
	ls->topic = t;
	c->pending++;
	zk_client_get_children(c->zc, path, false, ctl_op_cb, ls);
}

static void topics_listed(struct ctl *c, struct ctl_op *op, const struct zk_client_result *res)
{
	(void)op;
	if (res->rc != ZOK) {
		c->round_failed = true;
		step(c);
		return;
	}
	for (int32_t i = 0; i < c->n_topics; i++)
		c->topics[i]->seen = false;
	struct wire_reader it;
	struct zk_str name;
	zk_vec_iter(&it, res->resp->children.raw, res->resp->children.raw_len);
	while (zk_next_str(&it, &name) == 1) {
		if (name.len <= 0 || name.len > 249)
			continue;
		struct ctl_topic *t = ctl_topic_find(c, name.p, (size_t)name.len);
		if (!t)
			t = topic_add(c, name);
		t->seen = true;
	}
	topics_sweep(c);
	for (int32_t i = 0; i < c->n_topics; i++)
		if (!c->topics[i]->loaded || c->topics[i]->dirty)
			topic_load(c, c->topics[i]);
	step(c);
}

static void topics_list(struct ctl *c)
{
	begin(c, states_read);
	zk_client_get_children(c->zc, CTL_ZK_TOPICS, true, ctl_op_cb,
			       ctl_op_new(c, topics_listed));
}

/* ---- Stage 3: partition states ------------------------------------------------------- */

static void decide(struct ctl *c);

static void state_read(struct ctl *c, struct ctl_op *op, const struct zk_client_result *res)
{
	struct ctl_topic *t = op->topic;
	struct ctl_part *p = op->partition < t->n_parts ? &t->parts[op->partition] : NULL;
	if (!p) {
		step(c);
		return;
	}
	if (res->rc == ZOK) {
		const char *text = (const char *)res->resp->data.p;
		size_t len = res->resp->data.len > 0 ? (size_t)res->resp->data.len : 0;
		struct ctl_pstate st;
		if (ctl_zk_parse_state(text, len, &st) == 0) {
			st.zk_version = res->resp->stat.version;
			/* A state re-read because a write of ours was left in
			 * doubt (its answer lost with the connection) may be that
			 * very write, applied: then decide() finds nothing to
			 * change, yet no broker has heard of it. Its replicas are
			 * told now, as Kafka's controller does with the state it
			 * finds when it retries such a write (removeReplicasFromIsr
			 * sends LeaderAndIsr for partitions already without the
			 * replica; an election is run again on the state read). */
			if (p->reload)
				p->changed = true;
			if (p->has_state)
				ctl_check_state(c, t, op->partition, &p->st, &st,
						CTL_CHECK_READ);
			p->st = st;
			p->has_state = true;
			p->reload = false;
		} else {
			env_log(c->env, ENV_LOG_WARN,
				"controller: the state of %s-%d is unreadable", t->name,
				op->partition);
		}
	} else if (res->rc == ZNONODE) {
		p->has_state = false;
		p->reload = false;
	} else {
		c->round_failed = true;
	}
	step(c);
}

static void states_read(struct ctl *c)
{
	begin(c, decide);
	for (int32_t i = 0; i < c->n_topics; i++) {
		struct ctl_topic *t = c->topics[i];
		for (int32_t k = 0; k < t->n_parts; k++) {
			struct ctl_part *p = &t->parts[k];
			/* A state to read: one never read, or one a failed write
			 * left in doubt. */
			bool need = p->reload || (!p->has_state && p->znode);
			if (!p->n_replicas || !need)
				continue;
			char path[320];
			ctl_zk_partition_path(path, sizeof path, t->name, k, true);
			struct ctl_op *rd = ctl_op_new(c, state_read);
			rd->topic = t;
			rd->partition = k;
			c->pending++;
			zk_client_get_data(c->zc, path, false, ctl_op_cb, rd);
		}
	}
	step(c);
}

/* ---- Stage 4: decide and write ------------------------------------------------------------ */

static void after_writes(struct ctl *c);

struct wref {
	struct ctl_topic *t;
	int32_t p;
};

/* Partitions per create multi: three ops each at most, plus the check. */
#define CREATE_BATCH 20

static void write_done(struct ctl *c, struct ctl_op *op, const struct zk_client_result *res)
{
	const struct wref *refs = op->owned;
	int32_t n = op->id, failed, err, versions[1] = {-1};
	bool create = op->partition < 0;
	enum ctl_zk_outcome out = ctl_zk_multi_outcome(res, &failed, &err, versions, 1);
	if (out == CTL_ZK_FENCED) {
		env_mark(c->env, "fence-controller-epoch-zk");
		ctl_resign(c, CTL_FENCED_WHY);
		return;
	}
	for (int32_t i = 0; i < n; i++) {
		struct ctl_part *p = &refs[i].t->parts[refs[i].p];
		if (out != CTL_ZK_DONE) {
			p->reload = true;
			refs[i].t->dirty = true;
			continue;
		}
		struct ctl_pstate old = p->st;
		p->st = p->next;
		p->st.zk_version = create ? 0 : versions[0];
		p->has_state = p->znode = refs[i].t->parts_znode = true;
		p->changed = true;
		p->created |= create;
		ctl_tell_change(c, refs[i].t, refs[i].p, &old, &p->st, p->why);
	}
	if (out == CTL_ZK_OP_FAILED)
		env_log(c->env, ENV_LOG_INFO, "controller: a state write failed (%d): reloading",
			err);
	if (out != CTL_ZK_DONE)
		c->round_failed = true;
	step(c);
}

static struct ctl_op *write_op(struct ctl *c, const struct wref *refs, int32_t n, bool create)
{
	struct ctl_op *op = ctl_op_new(c, write_done);
	op->owned = env_alloc(c->env, (size_t)n * sizeof *refs);
	memcpy(op->owned, refs, (size_t)n * sizeof *refs);
	op->id = n;
	op->partition = create ? -1 : 0;
	c->pending++;
	return op;
}

/* A changed state: multi [check epoch, setData state at its version]. */
static void write_state(struct ctl *c, struct ctl_topic *t, int32_t k)
{
	struct ctl_part *p = &t->parts[k];
	char path[320], data[CTL_MAX_REPLICAS * 12 + 128];
	ctl_zk_partition_path(path, sizeof path, t->name, k, true);
	size_t len = ctl_zk_encode_state(data, sizeof data, &p->next);
	struct zk_request op = {.type = ZK_OP_SET_DATA,
				.path = zk_str_from_cstr(path),
				.data = {(const uint8_t *)data, (int32_t)len},
				.version = p->st.zk_version};
	struct wref ref = {t, k};
	ctl_zk_fenced_multi(c->zc, c->epoch_version, &op, 1, ctl_op_cb,
			    write_op(c, &ref, 1, false));
}

/* First states of up to CREATE_BATCH partitions of one topic, with the
 * parent znodes they lack, in one multi. */
static void create_states(struct ctl *c, struct ctl_topic *t, const int32_t *parts, int32_t n)
{
	static const size_t path_len = 320, data_len = CTL_MAX_REPLICAS * 12 + 128;
	struct zk_request ops[3 * CREATE_BATCH + 1];
	char *buf = env_alloc(c->env, (size_t)(2 * n + 1) * path_len + (size_t)n * data_len);
	char *at = buf;
	struct wref refs[CREATE_BATCH];
	int32_t k = 0;
	if (!t->parts_znode) {
		ctl_zk_partition_path(at, path_len, t->name, -1, false);
		ops[k++] = (struct zk_request){.type = ZK_OP_CREATE, .path = zk_str_from_cstr(at)};
		at += path_len;
	}
	for (int32_t i = 0; i < n; i++) {
		struct ctl_part *p = &t->parts[parts[i]];
		if (!p->znode) {
			ctl_zk_partition_path(at, path_len, t->name, parts[i], false);
			ops[k++] = (struct zk_request){.type = ZK_OP_CREATE,
						       .path = zk_str_from_cstr(at)};
			at += path_len;
		}
		ctl_zk_partition_path(at, path_len, t->name, parts[i], true);
		char *data = at + path_len;
		size_t len = ctl_zk_encode_state(data, data_len, &p->next);
		ops[k++] = (struct zk_request){.type = ZK_OP_CREATE,
					       .path = zk_str_from_cstr(at),
					       .data = {(const uint8_t *)data, (int32_t)len}};
		at += path_len + data_len;
		refs[i] = (struct wref){t, parts[i]};
	}
	ctl_zk_fenced_multi(c->zc, c->epoch_version, ops, k, ctl_op_cb, write_op(c, refs, n, true));
	env_free(c->env, buf);
	/* Later batches of this topic find the parent in place (a multi
	 * applies in order; if this one fails, so do they, and the round is
	 * tried again from a fresh read). */
	t->parts_znode = true;
}

/* A bounced broker (same id, new broker epoch) counts as dead in this
 * round and as new in the next. */
static bool drop_bounced(struct ctl *c)
{
	bool bounced = false;
	int32_t k = 0;
	for (int32_t i = 0; i < c->n_next_brokers; i++) {
		const struct ctl_broker *old = ctl_broker_find(c, c->next_brokers[i].id);
		if (c->loaded && old && old->epoch != c->next_brokers[i].epoch) {
			env_log(c->env, ENV_LOG_INFO,
				"controller: broker %d bounced (epoch %lld -> %lld)", old->id,
				(long long)old->epoch, (long long)c->next_brokers[i].epoch);
			bounced = true;
			continue;
		}
		c->next_brokers[k++] = c->next_brokers[i];
	}
	c->n_next_brokers = k;
	return bounced;
}

static void decide_topic(struct ctl *c, struct ctl_topic *t, const struct ctl_live *live)
{
	int32_t batch[CREATE_BATCH], nb = 0;
	for (int32_t k = 0; k < t->n_parts; k++) {
		struct ctl_part *p = &t->parts[k];
		if (!p->n_replicas)
			continue;
		if (!p->has_state) {
			if (p->reload ||
			    !ctl_elect_initial(p->replicas, p->n_replicas, live, &p->next))
				continue;
			p->next.controller_epoch = c->epoch;
			p->why = CTL_WHY_INITIAL;
			batch[nb++] = k;
			if (nb == CREATE_BATCH) {
				create_states(c, t, batch, nb);
				nb = 0;
			}
			continue;
		}
		p->why = ctl_elect_reconcile(p->replicas, p->n_replicas, &p->st, live,
					     c->cfg->unclean_leader_election, &p->next);
		if (p->why == CTL_WHY_UNCLEAN)
			env_mark(c->env, "unclean-election");
		if (p->why == CTL_WHY_OFFLINE)
			env_mark(c->env, "election-offline");
		if (p->why == CTL_WHY_NONE)
			continue;
		p->next.controller_epoch = c->epoch;
		write_state(c, t, k);
	}
	if (nb)
		create_states(c, t, batch, nb);
}

static void decide(struct ctl *c)
{
	c->bounced = drop_bounced(c);
	int32_t *ids = env_calloc(c->env, (size_t)c->n_next_brokers + 1, sizeof *ids);
	for (int32_t i = 0; i < c->n_next_brokers; i++)
		ids[i] = c->next_brokers[i].id;
	struct ctl_live live = {ids, c->n_next_brokers};
	begin(c, after_writes);
	for (int32_t i = 0; i < c->n_topics; i++)
		decide_topic(c, c->topics[i], &live);
	env_free(c->env, ids);
	step(c);
}

/* ---- Stage 5: tell the brokers --------------------------------------------------------- */

/* The new live list replaces the old: channels of brokers gone are closed,
 * brokers new (or bounced) are marked fresh. Returns whether any came or went. */
static bool brokers_swap(struct ctl *c)
{
	bool moved = false;
	for (int32_t i = 0; i < c->n_brokers; i++) {
		struct ctl_broker *old = &c->brokers[i];
		bool stays = false;
		for (int32_t k = 0; k < c->n_next_brokers; k++) {
			struct ctl_broker *nb = &c->next_brokers[k];
			if (nb->id == old->id && nb->epoch == old->epoch) {
				nb->ch = old->ch;
				stays = true;
			}
		}
		if (!stays) {
			env_log(c->env, ENV_LOG_INFO, "controller: broker %d left", old->id);
			ctl_channel_free(old->ch);
			moved = true;
		}
	}
	for (int32_t k = 0; k < c->n_next_brokers; k++) {
		c->next_brokers[k].fresh = !c->next_brokers[k].ch;
		moved |= c->next_brokers[k].fresh;
	}
	env_free(c->env, c->brokers);
	c->brokers = c->next_brokers;
	c->n_brokers = c->n_next_brokers;
	c->next_brokers = NULL;
	c->n_next_brokers = 0;
	ctl_shutdown_prune(c);
	return moved;
}

static void after_writes(struct ctl *c)
{
	bool changed = brokers_swap(c);
	ctl_channels_sync(c);
	for (int32_t i = 0; i < c->n_topics; i++)
		for (int32_t k = 0; k < c->topics[i]->n_parts; k++)
			changed |= c->topics[i]->parts[k].changed;
	for (int32_t i = 0; i < c->n_brokers; i++)
		ctl_send_leader_and_isr(c, &c->brokers[i], !c->loaded || c->brokers[i].fresh);
	if (changed || !c->loaded)
		ctl_send_update_metadata_all(c);
	for (int32_t i = 0; i < c->n_topics; i++)
		for (int32_t k = 0; k < c->topics[i]->n_parts; k++)
			c->topics[i]->parts[k].changed = c->topics[i]->parts[k].created = false;
	for (int32_t i = 0; i < c->n_brokers; i++)
		c->brokers[i].fresh = false;
	c->loaded = true;
	if (c->bounced)
		c->want_round = true;
	c->bounced = false;
	ctl_work_done(c);
}

void ctl_state_drop(struct ctl *c)
{
	for (int32_t i = 0; i < c->n_brokers; i++)
		ctl_channel_free(c->brokers[i].ch);
	env_free(c->env, c->brokers);
	env_free(c->env, c->next_brokers);
	c->brokers = c->next_brokers = NULL;
	c->n_brokers = c->n_next_brokers = 0;
	for (int32_t i = 0; i < c->n_topics; i++)
		topic_free(c, c->topics[i]);
	env_free(c->env, c->topics);
	c->topics = NULL;
	c->n_topics = 0;
	c->loaded = false;
	c->pending = 0;
	c->n_shutting = 0; /* a new controller learns them from new requests */
}
