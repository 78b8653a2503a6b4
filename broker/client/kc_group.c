#include "broker/client/kc_group.h"

#include <stdlib.h>
#include <string.h>

#include "broker/kp/kp_error.h"

enum gstate {
	G_JOIN = 0, /* (re)join: JoinGroup */
	G_SYNC,     /* SyncGroup (the leader with its assignment) */
	G_OFFSETS,  /* OffsetFetch of the new assignment */
	G_STABLE,   /* assigned; heartbeating */
	G_REVOKING, /* waiting for the owner to finish revoking */
};

/* A member as the leader sees it in the JoinGroup answer. */
struct gmember {
	char *id;
	char **topics;
	size_t n_topics;
};

struct commit_ctx {
	struct commit_ctx *next;
	struct kc_group *g;
	kc_group_commit_cb cb;
	void *arg;
};

struct kc_group {
	struct env *env;
	struct kc_cluster *cluster;
	struct kc_group_config cfg;
	struct kc_group_hooks hooks;
	enum gstate state;
	struct kc_conn *conn; /* the coordinator's, NULL while unknown */
	bool ready;
	bool finding;         /* a FindCoordinator in flight */
	bool in_flight;       /* a Join, Sync or OffsetFetch in flight */
	bool hb_in_flight;
	char *member_id;      /* "" before the first join */
	int32_t generation;
	bool leader;
	struct gmember *members; /* the leader's view of the group */
	size_t n_members;
	struct kc_tp_offset *assigned; /* topics owned by the group */
	size_t n_assigned;
	struct commit_ctx *commits;
	struct env_timer retry;
	struct env_timer hb;
};

static void proceed(struct kc_group *g);

/* ---- ConsumerProtocol v0 --------------------------------------------------------- */

void kc_group_encode_subscription(struct wire_writer *w, const char *const *topics, size_t n)
{
	wire_put_i16(w, 0);
	wire_put_i32(w, (int32_t)n);
	for (size_t i = 0; i < n; i++)
		kp_put_string(w, kp_str_from(topics[i]), false);
	wire_put_i32(w, -1); /* user_data: null */
}

int kc_group_decode_subscription(const uint8_t *p, size_t len,
				 void (*each)(void *arg, const char *topic, size_t len), void *arg)
{
	struct wire_reader r;
	wire_reader_init(&r, p, len);
	(void)wire_get_i16(&r); /* later versions add fields after ours */
	int32_t n = wire_get_i32(&r);
	if (r.err || n < 0 || (size_t)n > wire_remaining(&r) / 2)
		return -1;
	for (int32_t i = 0; i < n; i++) {
		struct kp_str t = kp_get_string(&r, false);
		if (r.err)
			return -1;
		each(arg, t.ptr, (size_t)t.len);
	}
	return 0;
}

void kc_group_encode_assignment(struct wire_writer *w, const struct kc_tp_offset *tps, size_t n)
{
	wire_put_i16(w, 0);
	size_t topics = 0;
	for (size_t i = 0; i < n; i++) {
		bool first = true;
		for (size_t k = 0; k < i && first; k++)
			first = strcmp(tps[k].topic, tps[i].topic) != 0;
		topics += first;
	}
	wire_put_i32(w, (int32_t)topics);
	for (size_t i = 0; i < n; i++) {
		bool first = true;
		for (size_t k = 0; k < i && first; k++)
			first = strcmp(tps[k].topic, tps[i].topic) != 0;
		if (!first)
			continue;
		int32_t count = 0;
		for (size_t k = i; k < n; k++)
			count += strcmp(tps[k].topic, tps[i].topic) == 0;
		kp_put_string(w, kp_str_from(tps[i].topic), false);
		wire_put_i32(w, count);
		for (size_t k = i; k < n; k++)
			if (strcmp(tps[k].topic, tps[i].topic) == 0)
				wire_put_i32(w, tps[k].partition);
	}
	wire_put_i32(w, -1); /* user_data: null */
}

int kc_group_decode_assignment(const uint8_t *p, size_t len,
			       void (*each)(void *arg, const char *topic, size_t len,
					    int32_t partition),
			       void *arg)
{
	struct wire_reader r;
	wire_reader_init(&r, p, len);
	if (len == 0)
		return 0; /* an empty assignment (Kafka sends none to some members) */
	(void)wire_get_i16(&r);
	int32_t n = wire_get_i32(&r);
	if (r.err || n < 0 || (size_t)n > wire_remaining(&r) / 6)
		return -1;
	for (int32_t i = 0; i < n; i++) {
		struct kp_str t = kp_get_string(&r, false);
		int32_t np = wire_get_i32(&r);
		if (r.err || np < 0 || (size_t)np > wire_remaining(&r) / 4)
			return -1;
		for (int32_t k = 0; k < np; k++)
			each(arg, t.ptr, (size_t)t.len, wire_get_i32(&r));
	}
	return r.err ? -1 : 0;
}

void kc_group_range(int32_t partitions, size_t n, size_t i, int32_t *start, int32_t *count)
{
	int32_t per = partitions / (int32_t)n, extra = partitions % (int32_t)n;
	int32_t k = (int32_t)i;
	*start = per * k + (k < extra ? k : extra);
	*count = per + (k < extra ? 1 : 0);
}

/* ---- Small helpers --------------------------------------------------------------- */

static char *dup_n(struct env *env, const char *p, size_t n)
{
	char *s = env_alloc(env, n + 1);
	if (n)
		memcpy(s, p, n);
	s[n] = 0;
	return s;
}

static void members_free(struct kc_group *g)
{
	for (size_t i = 0; i < g->n_members; i++) {
		for (size_t k = 0; k < g->members[i].n_topics; k++)
			env_free(g->env, g->members[i].topics[k]);
		env_free(g->env, g->members[i].topics);
		env_free(g->env, g->members[i].id);
	}
	env_free(g->env, g->members);
	g->members = NULL;
	g->n_members = 0;
}

static void assigned_free(struct kc_group *g)
{
	for (size_t i = 0; i < g->n_assigned; i++)
		env_free(g->env, (char *)g->assigned[i].topic);
	env_free(g->env, g->assigned);
	g->assigned = NULL;
	g->n_assigned = 0;
}

static void set_member_id(struct kc_group *g, struct kp_str id)
{
	env_free(g->env, g->member_id);
	g->member_id = dup_n(g->env, id.ptr ? id.ptr : "", id.len > 0 ? (size_t)id.len : 0);
}

static void retry_cb(struct env_timer *t)
{
	proceed(t->data);
}

static void retry_later(struct kc_group *g)
{
	env_timer_start(g->env, &g->retry, g->cfg.retry_backoff_ns, retry_cb);
}

static struct kp_request request(int16_t api, int16_t version)
{
	struct kp_request req;
	memset(&req, 0, sizeof req);
	req.header.api_key = api;
	req.header.api_version = version;
	return req;
}

static void fail_commits(struct kc_group *g)
{
	struct commit_ctx *list = g->commits;
	g->commits = NULL;
	while (list) {
		struct commit_ctx *x = list;
		list = x->next;
		x->cb(x->arg, -1);
		env_free(g->env, x);
	}
}

/* The coordinator moved or went away: look for it again. A sync in flight
 * is lost with it, so that generation is joined again. */
static void coordinator_lost(struct kc_group *g)
{
	if (g->conn)
		kc_conn_close(g->conn);
	g->conn = NULL;
	g->ready = false;
	g->in_flight = false;
	g->hb_in_flight = false;
	if (g->state == G_SYNC)
		g->state = G_JOIN;
	fail_commits(g);
	retry_later(g);
}

static bool coordinator_error(int16_t err)
{
	return err == KP_ERR_NOT_COORDINATOR || err == KP_ERR_COORDINATOR_NOT_AVAILABLE;
}

/* ---- Finding the coordinator --------------------------------------------------- */

static void on_coord_state(void *arg, struct kc_conn *c, enum kc_state state, int status)
{
	struct kc_group *g = arg;
	if (state == KC_READY) {
		g->ready = true;
		proceed(g);
		return;
	}
	env_log(g->env, ENV_LOG_INFO, "group %s: coordinator connection down (%s)",
		g->cfg.group_id, kc_status_name(status));
	g->conn = NULL; /* already freed */
	coordinator_lost(g);
}

static void on_find(void *arg, int status, const struct kp_response *resp)
{
	struct kc_group *g = arg;
	g->finding = false;
	const struct kp_find_coordinator_response *f =
		status == KC_OK ? &resp->body.find_coordinator : NULL;
	if (!f || f->error_code || f->host.len <= 0 || f->port <= 0 || f->port > 65535) {
		retry_later(g);
		return;
	}
	char *host = dup_n(g->env, f->host.ptr, (size_t)f->host.len);
	env_log(g->env, ENV_LOG_INFO, "group %s: coordinator is broker %d (%s)", g->cfg.group_id,
		f->node_id, host);
	g->conn = kc_conn_open(g->env, host, (uint16_t)f->port, &g->cfg.conn, on_coord_state, g);
	env_free(g->env, host);
	if (!g->conn)
		retry_later(g);
}

static void find_coordinator(struct kc_group *g)
{
	struct kc_conn *any = kc_cluster_any_conn(g->cluster);
	if (!any) {
		kc_cluster_refresh(g->cluster); /* connects; a poke comes back */
		return;
	}
	struct kp_request req = request(KP_API_FIND_COORDINATOR, 2);
	req.body.find_coordinator = (struct kp_find_coordinator_request){
		kp_str_from(g->cfg.group_id), 0};
	if (kc_conn_send(any, &req, true, on_find, g) == KC_OK)
		g->finding = true;
	else
		retry_later(g);
}

/* ---- JoinGroup ----------------------------------------------------------------------- */

struct topic_list {
	struct kc_group *g;
	struct gmember *m;
};

static void add_topic(void *arg, const char *topic, size_t len)
{
	struct topic_list *tl = arg;
	struct gmember *m = tl->m;
	m->topics = env_realloc(tl->g->env, m->topics, (m->n_topics + 1) * sizeof *m->topics);
	m->topics[m->n_topics++] = dup_n(tl->g->env, topic, len);
}

static int cmp_members(const void *a, const void *b)
{
	return strcmp(((const struct gmember *)a)->id, ((const struct gmember *)b)->id);
}

/* The leader keeps the members and their subscriptions, sorted by member id
 * as the RangeAssignor orders them. */
static void keep_members(struct kc_group *g, const struct kp_join_group_response *j)
{
	members_free(g);
	g->members = env_calloc(g->env, (size_t)j->member_count + 1, sizeof *g->members);
	for (int32_t i = 0; i < j->member_count; i++) {
		const struct kp_join_group_member *jm = &j->members[i];
		struct gmember *m = &g->members[g->n_members++];
		m->id = dup_n(g->env, jm->member_id.ptr, (size_t)(jm->member_id.len > 0
								   ? jm->member_id.len : 0));
		struct topic_list tl = {g, m};
		if (jm->metadata.len <= 0 ||
		    kc_group_decode_subscription(jm->metadata.ptr, (size_t)jm->metadata.len,
						 add_topic, &tl))
			env_log(g->env, ENV_LOG_WARN, "group %s: member %s's subscription is malformed",
				g->cfg.group_id, m->id);
	}
	qsort(g->members, g->n_members, sizeof *g->members, cmp_members);
}

static void on_join(void *arg, int status, const struct kp_response *resp)
{
	struct kc_group *g = arg;
	g->in_flight = false;
	if (status != KC_OK)
		return; /* the connection is down: on_coord_state takes over */
	const struct kp_join_group_response *j = &resp->body.join_group;
	switch (j->error_code) {
	case KP_ERR_NONE:
		set_member_id(g, j->member_id);
		g->generation = j->generation_id;
		g->leader = kp_str_eq(j->leader, g->member_id);
		if (g->leader)
			keep_members(g, j);
		env_log(g->env, ENV_LOG_INFO, "group %s: joined generation %d as %s%s",
			g->cfg.group_id, g->generation, g->member_id, g->leader ? " (leader)" : "");
		g->state = G_SYNC;
		proceed(g);
		return;
	case KP_ERR_MEMBER_ID_REQUIRED: /* KIP-394: join again with this id */
		set_member_id(g, j->member_id);
		proceed(g);
		return;
	case KP_ERR_UNKNOWN_MEMBER_ID:
		set_member_id(g, (struct kp_str){"", 0});
		proceed(g);
		return;
	case KP_ERR_REBALANCE_IN_PROGRESS:
		proceed(g);
		return;
	}
	if (coordinator_error(j->error_code)) {
		coordinator_lost(g);
		return;
	}
	env_log(g->env, ENV_LOG_WARN, "group %s: JoinGroup failed: %s", g->cfg.group_id,
		kp_error_name(j->error_code));
	retry_later(g);
}

static void send_join(struct kc_group *g)
{
	struct wire_writer w;
	wire_writer_init(&w, NULL, 0);
	kc_group_encode_subscription(&w, g->cfg.topics, g->cfg.n_topics);
	uint8_t *meta = env_alloc(g->env, w.len);
	size_t len = w.len;
	wire_writer_init(&w, meta, len);
	kc_group_encode_subscription(&w, g->cfg.topics, g->cfg.n_topics);
	struct kp_join_group_protocol proto = {kp_str_from("range"), {meta, (int32_t)len}};
	struct kp_request req = request(KP_API_JOIN_GROUP, 5);
	req.body.join_group = (struct kp_join_group_request){
		kp_str_from(g->cfg.group_id),
		(int32_t)(g->cfg.session_timeout_ns / 1000000),
		(int32_t)(g->cfg.rebalance_timeout_ns / 1000000),
		kp_str_from(g->member_id),
		KP_STR_NULL,
		kp_str_from("consumer"),
		&proto,
		1};
	if (kc_conn_send(g->conn, &req, true, on_join, g) == KC_OK)
		g->in_flight = true;
	else
		retry_later(g);
	env_free(g->env, meta);
}

/* ---- SyncGroup ---------------------------------------------------------------------- */

static bool subscribes(const struct gmember *m, const char *topic)
{
	for (size_t i = 0; i < m->n_topics; i++)
		if (strcmp(m->topics[i], topic) == 0)
			return true;
	return false;
}

/*
 * The leader's RangeAssignor over every topic some member subscribes to.
 * Returns false (and asks for the metadata) while a partition count is
 * unknown; otherwise fills per-member assignments, encoded, into out[i].
 */
static bool range_assign(struct kc_group *g, struct kp_sync_group_assignment *out,
			 uint8_t **bufs)
{
	/* One list of (topic, partition) per member. */
	struct kc_tp_offset **lists = env_calloc(g->env, g->n_members + 1, sizeof *lists);
	size_t *counts = env_calloc(g->env, g->n_members + 1, sizeof *counts);
	bool ok = true;
	for (size_t i = 0; i < g->n_members && ok; i++) {
		for (size_t t = 0; t < g->members[i].n_topics && ok; t++) {
			const char *topic = g->members[i].topics[t];
			bool seen = false; /* each topic once, at its first subscriber */
			for (size_t k = 0; k < i && !seen; k++)
				seen = subscribes(&g->members[k], topic);
			for (size_t k = 0; k < t && !seen; k++)
				seen = strcmp(g->members[i].topics[k], topic) == 0;
			if (seen)
				continue;
			int32_t parts = kc_cluster_partitions(g->cluster, topic);
			if (parts < 0) {
				kc_cluster_want_topic(g->cluster, topic);
				ok = false;
				break;
			}
			size_t n = 0, idx = 0;
			for (size_t k = 0; k < g->n_members; k++)
				n += subscribes(&g->members[k], topic);
			for (size_t k = 0; k < g->n_members; k++) {
				if (!subscribes(&g->members[k], topic))
					continue;
				int32_t start, count;
				kc_group_range(parts, n, idx++, &start, &count);
				lists[k] = env_realloc(g->env, lists[k],
						       (counts[k] + (size_t)count + 1) * sizeof **lists);
				for (int32_t p = start; p < start + count; p++)
					lists[k][counts[k]++] = (struct kc_tp_offset){topic, p, -1};
			}
		}
	}
	for (size_t i = 0; i < g->n_members && ok; i++) {
		struct wire_writer w;
		wire_writer_init(&w, NULL, 0);
		kc_group_encode_assignment(&w, lists[i], counts[i]);
		bufs[i] = env_alloc(g->env, w.len);
		size_t len = w.len;
		wire_writer_init(&w, bufs[i], len);
		kc_group_encode_assignment(&w, lists[i], counts[i]);
		out[i] = (struct kp_sync_group_assignment){kp_str_from(g->members[i].id),
							   {bufs[i], (int32_t)len}};
	}
	for (size_t i = 0; i < g->n_members; i++)
		env_free(g->env, lists[i]);
	env_free(g->env, lists);
	env_free(g->env, counts);
	return ok;
}

static void add_assigned(void *arg, const char *topic, size_t len, int32_t partition)
{
	struct kc_group *g = arg;
	g->assigned = env_realloc(g->env, g->assigned, (g->n_assigned + 1) * sizeof *g->assigned);
	g->assigned[g->n_assigned++] = (struct kc_tp_offset){dup_n(g->env, topic, len), partition,
							     -1};
}

static void on_sync(void *arg, int status, const struct kp_response *resp)
{
	struct kc_group *g = arg;
	g->in_flight = false;
	if (status != KC_OK)
		return;
	const struct kp_sync_group_response *s = &resp->body.sync_group;
	if (s->error_code == KP_ERR_NONE) {
		assigned_free(g);
		if (s->assignment.len > 0 &&
		    kc_group_decode_assignment(s->assignment.ptr, (size_t)s->assignment.len,
					       add_assigned, g))
			env_log(g->env, ENV_LOG_WARN, "group %s: malformed assignment",
				g->cfg.group_id);
		g->state = G_OFFSETS;
		proceed(g);
		return;
	}
	g->state = G_JOIN;
	if (s->error_code == KP_ERR_UNKNOWN_MEMBER_ID)
		set_member_id(g, (struct kp_str){"", 0});
	if (coordinator_error(s->error_code)) {
		coordinator_lost(g);
		return;
	}
	if (s->error_code == KP_ERR_REBALANCE_IN_PROGRESS ||
	    s->error_code == KP_ERR_ILLEGAL_GENERATION || s->error_code == KP_ERR_UNKNOWN_MEMBER_ID)
		proceed(g);
	else
		retry_later(g);
}

static void send_sync(struct kc_group *g)
{
	size_t n = g->leader ? g->n_members : 0;
	struct kp_sync_group_assignment *as = env_calloc(g->env, n + 1, sizeof *as);
	uint8_t **bufs = env_calloc(g->env, n + 1, sizeof *bufs);
	if (g->leader && !range_assign(g, as, bufs)) {
		retry_later(g); /* metadata first */
	} else {
		struct kp_request req = request(KP_API_SYNC_GROUP, 3);
		req.body.sync_group = (struct kp_sync_group_request){
			kp_str_from(g->cfg.group_id), g->generation, kp_str_from(g->member_id),
			KP_STR_NULL, as, (int32_t)n};
		if (kc_conn_send(g->conn, &req, true, on_sync, g) == KC_OK)
			g->in_flight = true;
		else
			retry_later(g);
	}
	for (size_t i = 0; i < n; i++)
		env_free(g->env, bufs[i]);
	env_free(g->env, bufs);
	env_free(g->env, as);
}

/* ---- OffsetFetch -------------------------------------------------------------------- */

static void hb_schedule(struct kc_group *g);

static void on_offsets(void *arg, int status, const struct kp_response *resp)
{
	struct kc_group *g = arg;
	g->in_flight = false;
	if (status != KC_OK || g->state != G_OFFSETS)
		return;
	const struct kp_offset_fetch_response *f = &resp->body.offset_fetch;
	if (coordinator_error(f->error_code)) {
		coordinator_lost(g);
		return;
	}
	if (f->error_code) { /* COORDINATOR_LOAD_IN_PROGRESS, ... */
		retry_later(g);
		return;
	}
	for (int32_t t = 0; t < f->topic_count; t++)
		for (int32_t i = 0; i < f->topics[t].partition_count; i++) {
			const struct kp_offset_fetch_partition_response *p =
				&f->topics[t].partitions[i];
			for (size_t k = 0; k < g->n_assigned; k++)
				if (g->assigned[k].partition == p->partition_index &&
				    kp_str_eq(f->topics[t].name, g->assigned[k].topic))
					g->assigned[k].offset =
						p->error_code ? -1 : p->committed_offset;
		}
	g->state = G_STABLE;
	hb_schedule(g);
	g->hooks.assigned(g->hooks.arg, g->assigned, g->n_assigned, g->generation);
}

static void send_offset_fetch(struct kc_group *g)
{
	size_t n = g->n_assigned;
	struct kp_offset_fetch_topic *topics = env_calloc(g->env, n + 1, sizeof *topics);
	int32_t *parts = env_calloc(g->env, n + 1, sizeof *parts);
	int32_t nt = 0;
	size_t np = 0;
	for (size_t i = 0; i < n; i++) {
		bool seen = false;
		for (int32_t t = 0; t < nt && !seen; t++)
			seen = kp_str_eq(topics[t].name, g->assigned[i].topic);
		if (seen)
			continue;
		struct kp_offset_fetch_topic *t = &topics[nt++];
		t->name = kp_str_from(g->assigned[i].topic);
		t->partition_indexes = &parts[np];
		for (size_t k = i; k < n; k++)
			if (strcmp(g->assigned[k].topic, g->assigned[i].topic) == 0) {
				parts[np++] = g->assigned[k].partition;
				t->partition_count++;
			}
	}
	struct kp_request req = request(KP_API_OFFSET_FETCH, 4);
	req.body.offset_fetch = (struct kp_offset_fetch_request){kp_str_from(g->cfg.group_id),
								  topics, nt};
	if (kc_conn_send(g->conn, &req, true, on_offsets, g) == KC_OK)
		g->in_flight = true;
	else
		retry_later(g);
	env_free(g->env, parts);
	env_free(g->env, topics);
}

/* ---- Heartbeats and revocation ------------------------------------------------------ */

static void revoke(struct kc_group *g, bool lost)
{
	env_timer_stop(g->env, &g->hb);
	g->state = G_REVOKING;
	env_log(g->env, ENV_LOG_INFO, "group %s: revoking generation %d's assignment%s",
		g->cfg.group_id, g->generation, lost ? " (membership lost)" : "");
	g->hooks.revoke(g->hooks.arg, lost);
}

void kc_group_revoked_done(struct kc_group *g)
{
	if (g->state != G_REVOKING)
		return;
	assigned_free(g);
	g->state = G_JOIN;
	proceed(g);
}

static void on_heartbeat(void *arg, int status, const struct kp_response *resp)
{
	struct kc_group *g = arg;
	g->hb_in_flight = false;
	if (status != KC_OK || g->state != G_STABLE)
		return;
	int16_t err = resp->body.heartbeat.error_code;
	if (err == KP_ERR_REBALANCE_IN_PROGRESS) {
		revoke(g, false);
	} else if (err == KP_ERR_ILLEGAL_GENERATION || err == KP_ERR_UNKNOWN_MEMBER_ID) {
		if (err == KP_ERR_UNKNOWN_MEMBER_ID)
			set_member_id(g, (struct kp_str){"", 0});
		revoke(g, true);
	} else if (coordinator_error(err)) {
		coordinator_lost(g);
	} else {
		hb_schedule(g);
	}
}

static void hb_fire(struct env_timer *t)
{
	struct kc_group *g = t->data;
	if (g->state != G_STABLE || !g->ready || g->hb_in_flight)
		return; /* rescheduled when the coordinator is back */
	struct kp_request req = request(KP_API_HEARTBEAT, 3);
	req.body.heartbeat = (struct kp_heartbeat_request){
		kp_str_from(g->cfg.group_id), g->generation, kp_str_from(g->member_id), KP_STR_NULL};
	if (kc_conn_send(g->conn, &req, true, on_heartbeat, g) == KC_OK)
		g->hb_in_flight = true;
	else
		hb_schedule(g);
}

static void hb_schedule(struct kc_group *g)
{
	env_timer_start(g->env, &g->hb, g->cfg.heartbeat_interval_ns, hb_fire);
}

/* ---- Commits ------------------------------------------------------------------------- */

static void on_commit(void *arg, int status, const struct kp_response *resp)
{
	struct commit_ctx *x = arg;
	struct kc_group *g = x->g;
	struct commit_ctx **pp = &g->commits;
	while (*pp != x)
		pp = &(*pp)->next;
	*pp = x->next;
	int16_t err = status == KC_OK ? KP_ERR_NONE : -1;
	if (status == KC_OK) {
		const struct kp_offset_commit_response *c = &resp->body.offset_commit;
		for (int32_t t = 0; t < c->topic_count && !err; t++)
			for (int32_t i = 0; i < c->topics[t].partition_count && !err; i++)
				err = c->topics[t].partitions[i].error_code;
	}
	kc_group_commit_cb cb = x->cb;
	void *cb_arg = x->arg;
	env_free(g->env, x);
	if (coordinator_error(err))
		coordinator_lost(g);
	/* As the Java client: a commit refused for its generation or member id
	 * means the membership is gone (a new coordinator, an expired session). */
	bool lost = err == KP_ERR_ILLEGAL_GENERATION || err == KP_ERR_UNKNOWN_MEMBER_ID;
	if (err == KP_ERR_UNKNOWN_MEMBER_ID)
		set_member_id(g, (struct kp_str){"", 0});
	cb(cb_arg, err);
	if (lost && g->state == G_STABLE)
		revoke(g, true);
}

int kc_group_commit(struct kc_group *g, const struct kc_tp_offset *tps, size_t n,
		    kc_group_commit_cb cb, void *arg)
{
	if ((g->state != G_STABLE && g->state != G_REVOKING) || !g->ready || n == 0)
		return -1;
	struct kp_offset_commit_topic *topics = env_calloc(g->env, n, sizeof *topics);
	struct kp_offset_commit_partition *parts = env_calloc(g->env, n, sizeof *parts);
	int32_t nt = 0;
	size_t np = 0;
	for (size_t i = 0; i < n; i++) {
		bool seen = false;
		for (int32_t t = 0; t < nt && !seen; t++)
			seen = kp_str_eq(topics[t].name, tps[i].topic);
		if (seen)
			continue;
		struct kp_offset_commit_topic *t = &topics[nt++];
		t->name = kp_str_from(tps[i].topic);
		t->partitions = &parts[np];
		for (size_t k = i; k < n; k++)
			if (strcmp(tps[k].topic, tps[i].topic) == 0) {
				parts[np++] = (struct kp_offset_commit_partition){
					tps[k].partition, tps[k].offset, KP_STR_NULL};
				t->partition_count++;
			}
	}
	struct kp_request req = request(KP_API_OFFSET_COMMIT, 5);
	req.body.offset_commit = (struct kp_offset_commit_request){
		kp_str_from(g->cfg.group_id), g->generation, kp_str_from(g->member_id), topics, nt};
	struct commit_ctx *x = env_calloc(g->env, 1, sizeof *x);
	*x = (struct commit_ctx){g->commits, g, cb, arg};
	int rc = kc_conn_send(g->conn, &req, true, on_commit, x);
	if (rc == KC_OK)
		g->commits = x;
	else
		env_free(g->env, x);
	env_free(g->env, parts);
	env_free(g->env, topics);
	return rc == KC_OK ? 0 : -1;
}

int32_t kc_group_generation(const struct kc_group *g)
{
	return g->generation;
}

/* ---- The state machine ---------------------------------------------------------------- */

static void proceed(struct kc_group *g)
{
	if (env_timer_active(&g->retry))
		return; /* backing off */
	if (!g->conn) {
		if (!g->finding)
			find_coordinator(g);
		return;
	}
	if (!g->ready || g->in_flight)
		return;
	switch (g->state) {
	case G_JOIN: send_join(g); break;
	case G_SYNC: send_sync(g); break;
	case G_OFFSETS: send_offset_fetch(g); break;
	case G_STABLE:
		if (!env_timer_active(&g->hb) && !g->hb_in_flight)
			hb_schedule(g);
		break;
	case G_REVOKING: break;
	}
}

void kc_group_poke(struct kc_group *g)
{
	proceed(g);
}

struct kc_group *kc_group_new(struct env *env, struct kc_cluster *cluster,
			      const struct kc_group_config *cfg, const struct kc_group_hooks *hooks)
{
	struct kc_group *g = env_calloc(env, 1, sizeof *g);
	g->env = env;
	g->cluster = cluster;
	g->cfg = *cfg;
	/* A JoinGroup may wait a whole rebalance (the Java client allows the
	 * rebalance timeout plus 5 s). */
	int64_t join_ns = cfg->rebalance_timeout_ns + 5000LL * 1000 * 1000;
	if (g->cfg.conn.request_timeout_ns < join_ns)
		g->cfg.conn.request_timeout_ns = join_ns;
	g->hooks = *hooks;
	g->member_id = env_strdup(env, "");
	g->generation = -1;
	g->retry.data = g;
	g->hb.data = g;
	for (size_t i = 0; i < cfg->n_topics; i++)
		kc_cluster_want_topic(cluster, cfg->topics[i]);
	env_timer_start(env, &g->retry, 0, retry_cb); /* starts outside this call */
	return g;
}

void kc_group_free(struct kc_group *g)
{
	env_timer_stop(g->env, &g->retry);
	env_timer_stop(g->env, &g->hb);
	if (g->conn)
		kc_conn_close(g->conn);
	while (g->commits) {
		struct commit_ctx *x = g->commits;
		g->commits = x->next;
		env_free(g->env, x);
	}
	members_free(g);
	assigned_free(g);
	env_free(g->env, g->member_id);
	env_free(g->env, g);
}
