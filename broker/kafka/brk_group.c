/*
 * Group membership, as Kafka's GroupCoordinator runs the classic (eager)
 * protocol: members join (JoinGroup) and wait until every known member has
 * rejoined or the rebalance timeout passed; then the generation moves on,
 * the first member (or the previous leader) leads and gets the member list,
 * every member gets its JoinGroup answer, and the leader's SyncGroup carries
 * the assignment handed to each member in its SyncGroup answer. A join, a
 * leave or a member's session timeout (no heartbeat, join or sync for
 * session.timeout.ms) starts the next rebalance; members learn of it from
 * REBALANCE_IN_PROGRESS on their heartbeats.
 */
#include "broker/kafka/brk_group_impl.h"

#include <stdio.h>
#include <string.h>

#include "broker/kp/kp_error.h"

static void prepare_rebalance(struct grp_group *g);
static void maybe_complete_join(struct grp_group *g);

/* ---- Lookups ---------------------------------------------------------------------- */

static bool str_is(const char *s, struct kp_str k)
{
	return k.len >= 0 && strlen(s) == (size_t)k.len && memcmp(s, k.ptr, (size_t)k.len) == 0;
}

static char *str_dup(struct env *env, struct kp_str s)
{
	size_t n = s.len > 0 ? (size_t)s.len : 0;
	char *out = env_alloc(env, n + 1);
	if (n)
		memcpy(out, s.ptr, n);
	out[n] = 0;
	return out;
}

struct grp_group *grp_group_find(const struct brk_group_coordinator *co, struct kp_str id)
{
	for (size_t i = 0; i < co->n_groups; i++)
		if (str_is(co->groups[i]->id, id))
			return co->groups[i];
	return NULL;
}

struct grp_member *grp_member_find(const struct grp_group *g, struct kp_str id)
{
	for (size_t i = 0; g && i < g->n_members; i++)
		if (str_is(g->members[i]->id, id))
			return g->members[i];
	return NULL;
}

/* ---- Answers ---------------------------------------------------------------------- */

static void answer_join(struct brk_req *r, int16_t err, struct kp_str member_id)
{
	struct kp_response resp;
	memset(&resp, 0, sizeof resp);
	resp.body.join_group = (struct kp_join_group_response){
		0, err, -1, {"", 0}, {"", 0}, member_id.len >= 0 ? member_id : (struct kp_str){"", 0},
		NULL, 0};
	brk_front_respond(r, &resp);
}

static void answer_sync(struct brk_req *r, int16_t err, const uint8_t *p, int32_t len)
{
	struct kp_response resp;
	memset(&resp, 0, sizeof resp);
	resp.body.sync_group.error_code = err;
	resp.body.sync_group.assignment = (struct kp_bytes){p ? p : (const uint8_t *)"", p ? len : 0};
	brk_front_respond(r, &resp);
}

static void answer_ack(struct brk_req *r, int16_t err)
{
	struct kp_response resp;
	memset(&resp, 0, sizeof resp);
	resp.body.heartbeat.error_code = err; /* the same shape for LeaveGroup */
	brk_front_respond(r, &resp);
}

/* ---- Members ---------------------------------------------------------------------- */

static void member_free_protos(struct env *env, struct grp_member *m)
{
	for (int32_t i = 0; i < m->n_protos; i++) {
		env_free(env, m->protos[i].name);
		env_free(env, m->protos[i].meta);
	}
	env_free(env, m->protos);
	m->protos = NULL;
	m->n_protos = 0;
}

static void member_free(struct env *env, struct grp_member *m, int16_t pending_err)
{
	if (m->join)
		answer_join(m->join, pending_err, kp_str_from(m->id));
	if (m->sync)
		answer_sync(m->sync, pending_err, NULL, 0);
	env_timer_stop(env, &m->session);
	member_free_protos(env, m);
	env_free(env, m->assignment);
	env_free(env, m->id);
	env_free(env, m->client_id);
	env_free(env, m);
}

static void session_expired(struct env_timer *t);

/* A sign of life: the session runs session.timeout.ms from now. */
static void member_touch(struct grp_member *m)
{
	struct env *env = m->g->co->env;
	env_timer_start(env, &m->session, (int64_t)m->session_timeout_ms * 1000000,
			session_expired);
}

static void member_remove(struct grp_group *g, struct grp_member *m, int16_t pending_err)
{
	size_t i = 0;
	while (g->members[i] != m)
		i++;
	memmove(&g->members[i], &g->members[i + 1], (g->n_members - i - 1) * sizeof *g->members);
	g->n_members--;
	if (g->leader && strcmp(g->leader, m->id) == 0) {
		env_free(g->co->env, g->leader);
		g->leader = NULL;
	}
	member_free(g->co->env, m, pending_err);
}

/* A member left or expired: the others rebalance without it. */
static void member_gone(struct grp_group *g, struct grp_member *m)
{
	struct env *env = g->co->env;
	env_event(env, "group",
		  "group %s: member %s leaves generation %d", g->id, m->id, g->generation);
	member_remove(g, m, KP_ERR_UNKNOWN_MEMBER_ID);
	if (g->state == GRP_PREPARING)
		maybe_complete_join(g);
	else
		prepare_rebalance(g);
	grp_check(g, "a member left");
}

static void session_expired(struct env_timer *t)
{
	struct grp_member *m = t->data;
	struct grp_group *g = m->g;
	/* A member waiting on our answer is alive (Kafka keeps it alive too). */
	if (m->join || m->sync) {
		member_touch(m);
		return;
	}
	env_event(g->co->env, "group", "group %s: member %s's session expired after %d ms",
		  g->id, m->id, m->session_timeout_ms);
	member_gone(g, m);
}

/* ---- Rebalances ------------------------------------------------------------------ */

static bool member_supports(const struct grp_member *m, const char *protocol)
{
	for (int32_t i = 0; i < m->n_protos; i++)
		if (strcmp(m->protos[i].name, protocol) == 0)
			return true;
	return false;
}

/* The first protocol of the first member that every member supports (Kafka
 * takes a vote over each member's preference order; with one protocol per
 * consumer, as here, that is the same). */
static const char *choose_protocol(const struct grp_group *g)
{
	const struct grp_member *first = g->members[0];
	for (int32_t i = 0; i < first->n_protos; i++) {
		bool all = true;
		for (size_t k = 1; k < g->n_members && all; k++)
			all = member_supports(g->members[k], first->protos[i].name);
		if (all)
			return first->protos[i].name;
	}
	return NULL;
}

static const struct grp_proto *member_proto(const struct grp_member *m, const char *name)
{
	for (int32_t i = 0; i < m->n_protos; i++)
		if (strcmp(m->protos[i].name, name) == 0)
			return &m->protos[i];
	return NULL;
}

static void answer_joined(struct grp_group *g, struct grp_member *m,
			  const struct kp_join_group_member *list, int32_t n)
{
	bool leader = strcmp(g->leader, m->id) == 0;
	struct kp_response resp;
	memset(&resp, 0, sizeof resp);
	resp.body.join_group = (struct kp_join_group_response){
		0,
		KP_ERR_NONE,
		g->generation,
		kp_str_from(g->protocol),
		kp_str_from(g->leader),
		kp_str_from(m->id),
		leader ? list : NULL,
		leader ? n : 0};
	brk_front_respond(m->join, &resp);
	m->join = NULL;
}

/* Every member has rejoined (or the rebalance timeout removed the others):
 * the next generation begins. */
static void complete_join(struct grp_group *g)
{
	struct env *env = g->co->env;
	env_timer_stop(env, &g->rebalance);
	for (size_t i = g->n_members; i-- > 0;)
		if (!g->members[i]->join)
			member_remove(g, g->members[i], KP_ERR_UNKNOWN_MEMBER_ID);
	g->generation++;
	g->storing = false; /* a store of the last generation answers nobody now */
	env_free(env, g->protocol);
	g->protocol = NULL;
	if (!g->n_members) {
		/* As Kafka's onCompleteJoin: an empty group's new generation is
		 * stored too (nobody waits for it). */
		g->state = GRP_EMPTY;
		grp_store(g, NULL);
		return;
	}
	const char *chosen = choose_protocol(g);
	if (!chosen) {
		/* Checked at each join; kept as a guard. */
		for (size_t i = g->n_members; i-- > 0;)
			member_remove(g, g->members[i], KP_ERR_INCONSISTENT_GROUP_PROTOCOL);
		g->state = GRP_EMPTY;
		return;
	}
	g->protocol = env_strdup(env, chosen);
	if (!g->leader)
		g->leader = env_strdup(env, g->members[0]->id);
	g->state = GRP_AWAITING_SYNC;
	struct kp_join_group_member *list = env_calloc(env, g->n_members, sizeof *list);
	for (size_t i = 0; i < g->n_members; i++) {
		const struct grp_proto *p = member_proto(g->members[i], g->protocol);
		list[i] = (struct kp_join_group_member){
			kp_str_from(g->members[i]->id), KP_STR_NULL, {p->meta, p->meta_len}};
	}
	env_event(env, "group", "group %s: generation %d with %zu members, leader %s", g->id,
		  g->generation, g->n_members, g->leader);
	for (size_t i = 0; i < g->n_members; i++) {
		answer_joined(g, g->members[i], list, (int32_t)g->n_members);
		member_touch(g->members[i]);
	}
	env_free(env, list);
	grp_check(g, "a completed JoinGroup round");
}

static void maybe_complete_join(struct grp_group *g)
{
	if (g->state != GRP_PREPARING)
		return;
	for (size_t i = 0; i < g->n_members; i++)
		if (!g->members[i]->join)
			return;
	complete_join(g);
}

static void rebalance_timed_out(struct env_timer *t)
{
	complete_join(t->data);
}

static void prepare_rebalance(struct grp_group *g)
{
	struct env *env = g->co->env;
	if (g->state == GRP_PREPARING)
		return;
	int32_t timeout_ms = 0;
	for (size_t i = 0; i < g->n_members; i++) {
		struct grp_member *m = g->members[i];
		if (m->sync) {
			answer_sync(m->sync, KP_ERR_REBALANCE_IN_PROGRESS, NULL, 0);
			m->sync = NULL;
		}
		env_free(env, m->assignment);
		m->assignment = NULL;
		m->assignment_len = 0;
		if (m->rebalance_timeout_ms > timeout_ms)
			timeout_ms = m->rebalance_timeout_ms;
	}
	g->state = GRP_PREPARING;
	env_timer_start(env, &g->rebalance, (int64_t)timeout_ms * 1000000, rebalance_timed_out);
	maybe_complete_join(g);
	grp_check(g, "a rebalance began");
}

/* ---- Groups ------------------------------------------------------------------------ */

static struct grp_group *group_new(struct brk_group_coordinator *co, struct kp_str id,
				   struct kp_str protocol_type)
{
	struct grp_group *g = env_calloc(co->env, 1, sizeof *g);
	g->co = co;
	g->id = str_dup(co->env, id);
	g->shard = grp_shard_of(co, id);
	g->protocol_type = str_dup(co->env, protocol_type);
	g->rebalance.data = g;
	co->groups = env_realloc(co->env, co->groups, (co->n_groups + 1) * sizeof *co->groups);
	co->groups[co->n_groups++] = g;
	return g;
}

static void group_free(struct brk_group_coordinator *co, struct grp_group *g)
{
	for (size_t i = 0; i < g->n_members; i++)
		member_free(co->env, g->members[i], KP_ERR_NOT_COORDINATOR);
	env_timer_stop(co->env, &g->rebalance);
	env_free(co->env, g->members);
	env_free(co->env, g->id);
	env_free(co->env, g->protocol_type);
	env_free(co->env, g->protocol);
	env_free(co->env, g->leader);
	env_free(co->env, g);
}

static void group_unlink(struct brk_group_coordinator *co, struct grp_group *g)
{
	size_t i = 0;
	while (co->groups[i] != g)
		i++;
	memmove(&co->groups[i], &co->groups[i + 1], (co->n_groups - i - 1) * sizeof *co->groups);
	co->n_groups--;
}

/* A member as a group metadata record holds it: its one protocol is the
 * group's, with the subscription it joined with. */
static void member_restore(struct grp_group *g, const struct grp_stored_member *sm)
{
	struct env *env = g->co->env;
	struct grp_member *m = env_calloc(env, 1, sizeof *m);
	m->g = g;
	m->session.data = m;
	m->id = str_dup(env, sm->member_id);
	m->client_id = str_dup(env, sm->client_id);
	m->session_timeout_ms = sm->session_timeout_ms;
	m->rebalance_timeout_ms = sm->rebalance_timeout_ms;
	int32_t n = sm->subscription.len > 0 ? sm->subscription.len : 0;
	m->protos = env_calloc(env, 1, sizeof *m->protos);
	m->protos[0].name = env_strdup(env, g->protocol ? g->protocol : "");
	m->protos[0].meta = env_alloc(env, (size_t)n + 1);
	if (n)
		memcpy(m->protos[0].meta, sm->subscription.ptr, (size_t)n);
	m->protos[0].meta_len = n;
	m->n_protos = 1;
	n = sm->assignment.len > 0 ? sm->assignment.len : 0;
	m->assignment = env_alloc(env, (size_t)n + 1);
	if (n)
		memcpy(m->assignment, sm->assignment.ptr, (size_t)n);
	m->assignment_len = n;
	g->members = env_realloc(env, g->members, (g->n_members + 1) * sizeof *g->members);
	g->members[g->n_members++] = m;
	member_touch(m);
}

void grp_group_restore(struct brk_group_coordinator *co, int32_t shard, struct kp_str id,
		       const struct grp_stored *s)
{
	struct grp_group *old = grp_group_find(co, id);
	if (old) {
		group_unlink(co, old);
		group_free(co, old);
	}
	if (!s)
		return;
	struct grp_group *g = group_new(co, id, s->protocol_type);
	g->shard = shard;
	g->generation = s->generation;
	g->protocol = s->protocol.len >= 0 ? str_dup(co->env, s->protocol) : NULL;
	g->leader = s->leader.len >= 0 && s->n_members > 0 ? str_dup(co->env, s->leader) : NULL;
	struct wire_reader it;
	struct grp_stored_member sm;
	wire_reader_init(&it, s->members, s->members_len);
	for (int32_t i = 0; i < s->n_members && grp_stored_next_member(&it, &sm) == 0; i++)
		member_restore(g, &sm);
	/* As Kafka's loadGroup: stable with members, empty without. */
	g->state = g->n_members ? GRP_STABLE : GRP_EMPTY;
	grp_check(g, "the group was loaded");
}

void grp_groups_drop(struct brk_group_coordinator *co, int32_t shard)
{
	size_t k = 0;
	for (size_t i = 0; i < co->n_groups; i++) {
		if (co->groups[i]->shard == shard)
			group_free(co, co->groups[i]);
		else
			co->groups[k++] = co->groups[i];
	}
	co->n_groups = k;
}

/* The group named by a request, when this broker coordinates it now;
 * otherwise NULL with *err set (a group unknown here is NULL, KP_ERR_NONE). */
static struct grp_group *group_for(struct brk_group_coordinator *co, struct kp_str id,
				   int16_t *err)
{
	*err = id.len > 0 ? grp_shard_check(co, grp_shard_of(co, id)) : KP_ERR_INVALID_GROUP_ID;
	return *err ? NULL : grp_group_find(co, id);
}

/* ---- JoinGroup ------------------------------------------------------------------- */

static bool protocols_fit(const struct grp_group *g, const struct grp_member *self,
			  const struct kp_join_group_request *req)
{
	if (req->protocol_type.len <= 0 || req->protocol_count <= 0)
		return false;
	if (!g)
		return true;
	bool others = false;
	for (size_t i = 0; i < g->n_members; i++)
		others |= g->members[i] != self;
	if (!others)
		return true;
	if (!str_is(g->protocol_type, req->protocol_type))
		return false;
	for (int32_t p = 0; p < req->protocol_count; p++) {
		char *name = str_dup(g->co->env, req->protocols[p].name);
		bool all = true;
		for (size_t i = 0; i < g->n_members && all; i++)
			all = g->members[i] == self || member_supports(g->members[i], name);
		env_free(g->co->env, name);
		if (all)
			return true;
	}
	return false;
}

static struct grp_member *member_new(struct grp_group *g, const struct brk_req *r)
{
	struct env *env = g->co->env;
	struct grp_member *m = env_calloc(env, 1, sizeof *m);
	m->g = g;
	m->session.data = m;
	/* Kafka: clientId + "-" + a random UUID. */
	struct kp_str cid = r->req.header.client_id;
	char id[160];
	snprintf(id, sizeof id, "%.*s-%016llx", cid.len > 0 && cid.len < 100 ? cid.len : 0,
		 cid.len > 0 ? cid.ptr : "", (unsigned long long)env_random(env));
	m->id = env_strdup(env, id);
	m->client_id = str_dup(env, cid.len > 0 ? cid : kp_str_from(""));
	g->members = env_realloc(env, g->members, (g->n_members + 1) * sizeof *g->members);
	g->members[g->n_members++] = m;
	return m;
}

static void member_set_protocols(struct env *env, struct grp_member *m,
				 const struct kp_join_group_request *req)
{
	member_free_protos(env, m);
	m->protos = env_calloc(env, (size_t)req->protocol_count, sizeof *m->protos);
	for (int32_t i = 0; i < req->protocol_count; i++) {
		const struct kp_join_group_protocol *p = &req->protocols[i];
		int32_t n = p->metadata.len > 0 ? p->metadata.len : 0;
		m->protos[i].name = str_dup(env, p->name);
		m->protos[i].meta = env_alloc(env, (size_t)n + 1);
		if (n)
			memcpy(m->protos[i].meta, p->metadata.ptr, (size_t)n);
		m->protos[i].meta_len = n;
	}
	m->n_protos = req->protocol_count;
	m->session_timeout_ms = req->session_timeout_ms;
	m->rebalance_timeout_ms =
		req->rebalance_timeout_ms > 0 ? req->rebalance_timeout_ms : req->session_timeout_ms;
}

void brk_group_join(struct brk_group_coordinator *co, struct brk_req *r)
{
	const struct kp_join_group_request *req = &r->req.body.join_group;
	const struct brk_config *cfg = co->b->cfg;
	int16_t err;
	struct grp_group *g = group_for(co, req->group_id, &err);
	struct grp_member *m = req->member_id.len > 0 ? grp_member_find(g, req->member_id) : NULL;
	if (!err && (req->session_timeout_ms < cfg->group_min_session_timeout_ms ||
		     req->session_timeout_ms > cfg->group_max_session_timeout_ms))
		err = KP_ERR_INVALID_SESSION_TIMEOUT;
	else if (!err && req->member_id.len > 0 && !m)
		err = KP_ERR_UNKNOWN_MEMBER_ID;
	else if (!err && !protocols_fit(g, m, req))
		err = KP_ERR_INCONSISTENT_GROUP_PROTOCOL;
	if (err) {
		answer_join(r, err, req->member_id);
		return;
	}
	if (!g)
		g = group_new(co, req->group_id, req->protocol_type);
	if (!g->n_members) {
		env_free(co->env, g->protocol_type);
		g->protocol_type = str_dup(co->env, req->protocol_type);
	}
	if (!m)
		m = member_new(g, r);
	if (m->join) /* a second join of the same member: the newer one waits */
		answer_join(m->join, KP_ERR_REBALANCE_IN_PROGRESS, kp_str_from(m->id));
	member_set_protocols(co->env, m, req);
	m->join = r;
	member_touch(m);
	if (g->state == GRP_PREPARING)
		maybe_complete_join(g);
	else
		prepare_rebalance(g);
	grp_check(g, "JoinGroup");
}

/* ---- SyncGroup ------------------------------------------------------------------- */

static void store_assignments(struct grp_group *g, const struct kp_sync_group_request *req)
{
	struct env *env = g->co->env;
	for (int32_t i = 0; i < req->assignment_count; i++) {
		const struct kp_sync_group_assignment *a = &req->assignments[i];
		struct grp_member *m = grp_member_find(g, a->member_id);
		if (!m)
			continue;
		int32_t n = a->assignment.len > 0 ? a->assignment.len : 0;
		env_free(env, m->assignment);
		m->assignment = env_alloc(env, (size_t)n + 1);
		if (n)
			memcpy(m->assignment, a->assignment.ptr, (size_t)n);
		m->assignment_len = n;
	}
}

/*
 * The leader's assignment is committed in the log (or failed): as Kafka's
 * doSyncGroup, the waiting members get their assignments and the group is
 * stable; on an error they get the error and the group rebalances again.
 */
static void assignment_stored(struct grp_group *g, int16_t err)
{
	if (g->state != GRP_AWAITING_SYNC)
		return;
	if (!err)
		g->state = GRP_STABLE;
	for (size_t i = 0; i < g->n_members; i++) {
		struct grp_member *x = g->members[i];
		if (x->sync) {
			answer_sync(x->sync, err, err ? NULL : x->assignment,
				    err ? 0 : x->assignment_len);
			x->sync = NULL;
		}
	}
	if (err)
		prepare_rebalance(g);
	grp_check(g, "the assignment was stored");
}

void brk_group_sync(struct brk_group_coordinator *co, struct brk_req *r)
{
	const struct kp_sync_group_request *req = &r->req.body.sync_group;
	int16_t err;
	struct grp_group *g = group_for(co, req->group_id, &err);
	struct grp_member *m = grp_member_find(g, req->member_id);
	if (!err && !m)
		err = KP_ERR_UNKNOWN_MEMBER_ID;
	else if (!err && req->generation_id != g->generation)
		err = KP_ERR_ILLEGAL_GENERATION;
	else if (!err && g->state == GRP_PREPARING)
		err = KP_ERR_REBALANCE_IN_PROGRESS;
	if (err) {
		answer_sync(r, err, NULL, 0);
		return;
	}
	member_touch(m);
	if (g->state == GRP_STABLE) {
		answer_sync(r, KP_ERR_NONE, m->assignment, m->assignment_len);
		return;
	}
	if (m->sync)
		answer_sync(m->sync, KP_ERR_REBALANCE_IN_PROGRESS, NULL, 0);
	m->sync = r;
	if (strcmp(g->leader, m->id) != 0 || g->storing)
		return; /* the leader's assignment, once stored, answers it */
	store_assignments(g, req);
	int16_t store_err = grp_store(g, assignment_stored);
	if (store_err)
		assignment_stored(g, store_err);
}

/* ---- Heartbeat and LeaveGroup -------------------------------------------------- */

void brk_group_heartbeat(struct brk_group_coordinator *co, struct brk_req *r)
{
	const struct kp_heartbeat_request *req = &r->req.body.heartbeat;
	int16_t err;
	struct grp_group *g = group_for(co, req->group_id, &err);
	struct grp_member *m = grp_member_find(g, req->member_id);
	if (!err && !m)
		err = KP_ERR_UNKNOWN_MEMBER_ID;
	else if (!err && req->generation_id != g->generation)
		err = KP_ERR_ILLEGAL_GENERATION;
	if (!err) {
		member_touch(m);
		if (g->state == GRP_PREPARING)
			err = KP_ERR_REBALANCE_IN_PROGRESS;
	}
	answer_ack(r, err);
}

void brk_group_leave(struct brk_group_coordinator *co, struct brk_req *r)
{
	const struct kp_leave_group_request *req = &r->req.body.leave_group;
	int16_t err;
	struct grp_group *g = group_for(co, req->group_id, &err);
	struct grp_member *m = grp_member_find(g, req->member_id);
	if (!err && !m)
		err = KP_ERR_UNKNOWN_MEMBER_ID;
	if (!err)
		member_gone(g, m);
	answer_ack(r, err);
}

struct brk_group_coordinator *brk_group_new(struct brk_broker *b)
{
	struct brk_group_coordinator *co = env_calloc(b->env, 1, sizeof *co);
	co->b = b;
	co->env = b->env;
	return co;
}
