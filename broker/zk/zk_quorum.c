/*
 * zk_quorum — leader election and the Zab protocol between servers.
 *
 * Election (FastLeaderElection's shape): a LOOKING server votes for itself
 * with (current epoch, last logged zxid, id), sends its vote to every peer
 * over its own outbound connection, adopts any better vote of its round
 * (greater epoch, then zxid, then id) and decides once a quorum of the
 * round's votes agree and no better vote arrives within a finalize wait. A
 * server that is already following or leading answers a looker with its
 * state; a looker that hears a server claim LEADING follows it.
 *
 * Zab (discovery, synchronisation, broadcast): followers send FOLLOWERINFO
 * (accepted epoch); once a quorum is in, the leader picks a new epoch above
 * all of them, followers persist it and answer ACKEPOCH (current epoch,
 * last zxid); a follower ahead of the leader makes it give up. Each follower
 * is synced (DIFF, TRUNC or SNAP), persists its log and the new epoch and
 * answers ACKNL; a quorum of ACKNL (the leader's own durable log counting)
 * establishes the leader, which then commits its history and serves.
 * Proposals commit when a quorum has them fsynced; the leader counts itself.
 *
 * Message encoding (ksim's own, big-endian): u8 type then per type
 *   VOTE        i32 from, i8 role, i64 round, i32 leader, i64 zxid, i64 epoch
 *   FOLLOWERINFO i32 id, i64 accepted epoch
 *   NEWEPOCH    i64 epoch
 *   ACKEPOCH    i64 current epoch, i64 last zxid
 *   SYNC        u8 mode, i64 epoch, i64 trunc zxid, i64 commit zxid,
 *               buffer snapshot, i32 n, n x entry
 *   ACKNL, ACK, COMMIT, UPTODATE  i64 zxid
 *   PROPOSAL    entry        (entry = i64 zxid, i64 time, i32 origin,
 *                             i64 cookie, buffer txn)
 *   REQUEST     i32 origin, i64 cookie, i64 session, u8 kind, buffer bytes
 *   SYNCDONE    i64 cookie
 *   PING        i32 n, n x i64 session (follower to leader: touches)
 */
#include "broker/zk/zk_server_impl.h"

#include <string.h>

static int64_t tick_ns(const struct zk_server *s)
{
	return (int64_t)s->cfg->tick_time_ms * ZK_MS;
}

static void put_entry(struct wire_writer *w, const struct zk_entry *e)
{
	wire_put_i64(w, e->zxid);
	wire_put_i64(w, e->time_ms);
	wire_put_i32(w, e->origin);
	wire_put_i64(w, e->cookie);
	zk_put_buf(w, (struct zk_buf){e->txn, (int32_t)e->len});
}

static int get_entry(struct wire_reader *r, struct zk_entry *e)
{
	struct zk_buf b;
	e->zxid = wire_get_i64(r);
	e->time_ms = wire_get_i64(r);
	e->origin = wire_get_i32(r);
	e->cookie = wire_get_i64(r);
	if (zk_get_buf(r, &b) || b.len < 0)
		return WIRE_EINVAL;
	e->txn = (uint8_t *)b.p;
	e->len = (uint32_t)b.len;
	return r->err;
}

static void send_zxid(struct zk_server *s, struct env_conn *c, int type, int64_t z)
{
	struct wire_writer w;
	ZK_ENCODE(s, w, { wire_put_u8(&w, (uint8_t)type); wire_put_i64(&w, z); });
	zk_send_buf(c, &w);
}

bool zk_quorum_is_serving(const struct zk_server *s)
{
	if (s->failed)
		return false;
	return (s->role == ZK_ROLE_LEADING && s->established) ||
	       (s->role == ZK_ROLE_FOLLOWING && s->uptodate);
}

/* ---- Leaving a role ---------------------------------------------------- */

static void learner_free(struct zk_server *s, struct zk_learner *l)
{
	for (struct zk_learner **pp = &s->learners; *pp; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	env_free(s->env, l);
}

static void held_clear(struct zk_server *s)
{
	while (s->held) {
		struct zk_held *h = s->held;
		s->held = h->next;
		env_free(s->env, h->p);
		env_free(s->env, h);
	}
	s->held_tail = NULL;
}

void zk_quorum_look(struct zk_server *s)
{
	if (s->role != ZK_ROLE_LOOKING)
		env_log(s->env, ENV_LOG_INFO, "LOOKING (was %s)",
			s->role == ZK_ROLE_LEADING ? "leading" : "following");
	s->role = ZK_ROLE_LOOKING;
	zk_srv_drop_clients(s);
	while (s->learners) {
		struct zk_learner *l = s->learners;
		if (l->conn)
			env_conn_close(l->conn);
		learner_free(s, l);
	}
	if (s->lconn)
		env_conn_close(s->lconn);
	s->lconn = NULL;
	zk_tree_destroy(s->ptree);
	s->ptree = NULL;
	s->established = s->epoch_decided = s->uptodate = false;
	s->pending_ackepoch = s->pending_acknl = s->snap_done_for_sync = false;
	held_clear(s);
	env_timer_stop(s->env, &s->elect_timer);
	if (s->failed)
		return;
	s->round++;
	s->vote = zk_elect_self_vote(s);
	memset(s->got_state, 0, sizeof s->got_state);
	zk_elect_broadcast(s);
	zk_elect_check(s);
}

/* ---- Leading ----------------------------------------------------------- */

static bool learner_live(const struct zk_learner *l)
{
	return l->phase == ZK_LF_SYNC_SENT || l->phase == ZK_LF_SYNCED;
}

static void to_learners(struct zk_server *s, const struct wire_writer *w)
{
	for (struct zk_learner *l = s->learners; l; l = l->next)
		if (learner_live(l))
			zk_send_buf(l->conn, w);
}

static void try_commit(struct zk_server *s)
{
	if (s->role != ZK_ROLE_LEADING || !s->established)
		return;
	int64_t v[ZK_MAX_SERVERS + 1];
	int32_t n = 0;
	v[n++] = s->durable;
	for (struct zk_learner *l = s->learners; l; l = l->next)
		if (l->phase == ZK_LF_SYNCED && n <= ZK_MAX_SERVERS)
			v[n++] = l->acked;
	if (n < s->quorum)
		return;
	for (int32_t i = 1; i < n; i++) /* sort descending */
		for (int32_t k = i; k > 0 && v[k] > v[k - 1]; k--) {
			int64_t t = v[k];
			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	int64_t q = v[s->quorum - 1];
	if (q <= s->committed)
		return;
	zk_srv_commit_to(s, q);
	struct wire_writer w;
	ZK_ENCODE(s, w, { wire_put_u8(&w, ZK_MSG_COMMIT); wire_put_i64(&w, q); });
	to_learners(s, &w);
}

static void establish(struct zk_server *s)
{
	s->established = true;
	env_log(s->env, ENV_LOG_INFO, "LEADING epoch %lld established",
		(long long)s->new_epoch);
	env_event(s->env, "zk-leader", "leads the ZooKeeper ensemble (epoch %lld): a majority "
		  "follows it, and it now serves clients", (long long)s->new_epoch);
	const struct zk_server_observer *o = s->cfg->observer;
	if (o && o->on_established)
		o->on_established(o->ctx, s->cfg->my_id, s->new_epoch);
	zk_srv_commit_to(s, zk_srv_last_zxid(s));
	struct wire_writer w;
	wire_writer_init(&w, NULL, 0);
	zk_tree_serialize(s->tree, &w);
	uint8_t *b = env_alloc(s->env, w.len);
	size_t n = w.len;
	wire_writer_init(&w, b, n);
	zk_tree_serialize(s->tree, &w);
	int err = 0;
	s->ptree = zk_tree_restore(&s->alloc, NULL, NULL, b, n, &err);
	env_free(s->env, b);
	s->next_counter = 1;
	int64_t now = env_now_ns(s->env);
	for (uint32_t i = 0; i < s->nsess; i++) {
		s->sess[i].deadline_ns = now + (int64_t)s->sess[i].timeout_ms * ZK_MS;
		s->sess[i].closing = false;
	}
	for (struct zk_learner *l = s->learners; l; l = l->next)
		if (l->phase == ZK_LF_SYNCED) {
			send_zxid(s, l->conn, ZK_MSG_COMMIT, s->committed);
			send_zxid(s, l->conn, ZK_MSG_UPTODATE, s->committed);
		}
}

static void check_established(struct zk_server *s)
{
	if (s->established || s->current_epoch != s->new_epoch ||
	    s->durable_written < s->epoch_rec_at)
		return;
	int32_t n = 1;
	for (struct zk_learner *l = s->learners; l; l = l->next)
		if (l->phase == ZK_LF_SYNCED)
			n++;
	if (n >= s->quorum)
		establish(s);
}

/*
 * Once a quorum (the leader included) has acked the new epoch without
 * being ahead of the leader, the leader holds every committed txn and makes
 * the epoch its current one (ZooKeeper's Leader after waitForEpochAck). Not
 * before: a leader that gives up earlier must not vote with an epoch it
 * never had a quorum for.
 */
static void adopt_epoch(struct zk_server *s)
{
	if (s->current_epoch == s->new_epoch)
		return;
	int32_t n = 1;
	for (struct zk_learner *l = s->learners; l; l = l->next)
		if (learner_live(l))
			n++;
	if (n < s->quorum)
		return;
	s->current_epoch = s->new_epoch;
	zk_store_write_epochs(s);
}

static void send_newepoch(struct zk_server *s, struct zk_learner *l)
{
	send_zxid(s, l->conn, ZK_MSG_NEWEPOCH, s->new_epoch);
	l->phase = ZK_LF_EPOCH_SENT;
}

static void decide_epoch(struct zk_server *s)
{
	int32_t n = 1;
	int64_t max = s->accepted_epoch;
	for (struct zk_learner *l = s->learners; l; l = l->next)
		if (l->phase == ZK_LF_INFO && l->id) {
			n++;
			if (l->accepted_epoch > max)
				max = l->accepted_epoch;
		}
	if (n < s->quorum)
		return;
	s->epoch_decided = true;
	s->new_epoch = max + 1;
	s->accepted_epoch = s->new_epoch;
	zk_store_write_epochs(s);
	for (struct zk_learner *l = s->learners; l; l = l->next)
		if (l->phase == ZK_LF_INFO && l->id)
			send_newepoch(s, l);
}

/* Chooses how to bring a follower whose last zxid is `flast` in line. */
static void send_sync(struct zk_server *s, struct zk_learner *l, int64_t flast)
{
	int64_t mylast = zk_srv_last_zxid(s);
	int mode = ZK_SYNC_SNAP;
	int64_t trunc = 0;
	uint32_t from = 0;
	if (flast == s->hist_base || (flast > s->hist_base && zk_store_find(s, flast) >= 0)) {
		mode = ZK_SYNC_DIFF;
		from = flast == s->hist_base ? 0 : (uint32_t)zk_store_find(s, flast) + 1;
	} else if (flast > mylast && ZK_EPOCH(flast) == ZK_EPOCH(mylast) && mylast > 0) {
		mode = ZK_SYNC_TRUNC;
		trunc = mylast;
		from = s->nhist;
	}
	if (mode == ZK_SYNC_SNAP) {
		from = 0;
		while (from < s->nhist && s->hist[from].zxid <= s->committed)
			from++;
	}
	static const char *const names[] = {"", "DIFF", "TRUNC", "SNAP"};
	env_log(s->env, ENV_LOG_DEBUG, "sync %d by %s from %llx (%u entries)", l->id, names[mode],
		(unsigned long long)flast, s->nhist - from);
	struct wire_writer w;
	ZK_ENCODE(s, w, {
		wire_put_u8(&w, ZK_MSG_SYNC);
		wire_put_u8(&w, (uint8_t)mode);
		wire_put_i64(&w, s->new_epoch);
		wire_put_i64(&w, trunc);
		wire_put_i64(&w, s->established ? s->committed : 0);
		if (mode == ZK_SYNC_SNAP) {
			size_t at = w.len;
			wire_put_i32(&w, 0);
			zk_store_encode_state(s, &w);
			wire_patch_u32(&w, at, (uint32_t)(w.len - at - 4));
		} else {
			wire_put_i32(&w, -1);
		}
		wire_put_i32(&w, (int32_t)(s->nhist - from));
		for (uint32_t i = from; i < s->nhist; i++)
			put_entry(&w, &s->hist[i]);
	});
	zk_send_buf(l->conn, &w);
	l->phase = ZK_LF_SYNC_SENT;
}

static void propose(struct zk_server *s, int32_t origin, int64_t cookie, const uint8_t *txn,
		    size_t len)
{
	struct zk_txn t;
	if (zk_txn_decode(txn, len, &t))
		return;
	int64_t zxid = ZK_ZXID(s->new_epoch, s->next_counter++);
	int64_t now_ms = env_wall_ms(s->env);
	int32_t cap = t.type == ZK_OP_MULTI && t.count > 0 ? t.count : 1;
	struct zk_multi_result *res = env_calloc(s->env, (size_t)cap, sizeof *res);
	zk_tree_apply(s->ptree, &t, zxid, now_ms, res, cap);
	env_free(s->env, res);
	zk_store_append(s, zxid, now_ms, txn, (uint32_t)len, origin, cookie);
	struct wire_writer w;
	ZK_ENCODE(s, w, {
		wire_put_u8(&w, ZK_MSG_PROPOSAL);
		put_entry(&w, &s->hist[s->nhist - 1]);
	});
	to_learners(s, &w);
}

static void session_txn(struct zk_server *s, int type, int64_t session, int32_t timeout,
			int32_t origin, int64_t cookie)
{
	struct zk_txn t = {.type = type, .session_id = session, .timeout_ms = timeout};
	uint8_t b[32];
	struct wire_writer w;
	wire_writer_init(&w, b, sizeof b);
	zk_txn_encode(&w, &t);
	propose(s, origin, cookie, b, w.len);
}

static void sync_reply(struct zk_server *s, int32_t origin, int64_t cookie)
{
	if (origin == s->cfg->my_id) {
		zk_srv_sync_done(s, cookie);
		return;
	}
	for (struct zk_learner *l = s->learners; l; l = l->next)
		if (l->id == origin && learner_live(l))
			send_zxid(s, l->conn, ZK_MSG_SYNCDONE, cookie);
}

/* The leader's side of a client request (local or forwarded). */
static void lead_request(struct zk_server *s, int32_t origin, int64_t cookie, int64_t session,
			 int kind, const uint8_t *p, size_t len)
{
	if (s->role != ZK_ROLE_LEADING || !s->established)
		return;
	struct wire_reader r;
	wire_reader_init(&r, p, len);
	if (kind == ZK_SUBMIT_CREATE_SESSION) {
		session_txn(s, ZK_OP_CREATE_SESSION, session, wire_get_i32(&r), origin, cookie);
		return;
	}
	struct zk_request_header h;
	struct zk_request q;
	struct zk_multi m;
	if (zk_decode_request_header(&r, &h))
		return;
	if (h.type == ZK_OP_SYNC) {
		sync_reply(s, origin, cookie);
		return;
	}
	struct wire_writer w;
	int rc;
	if (!zk_srv_session(s, session)) {
		struct zk_txn t = {.type = ZK_OP_ERROR, .session_id = session,
			.op = {.type = ZK_OP_ERROR, .err = ZSESSIONEXPIRED}};
		ZK_ENCODE(s, w, zk_txn_encode(&w, &t));
		rc = 0;
	} else if (h.type == ZK_OP_MULTI) {
		rc = zk_decode_multi_request(&r, &m);
		if (!rc)
			ZK_ENCODE(s, w, rc = zk_tree_prepare_multi(s->ptree, session, &m, &w));
	} else {
		rc = zk_decode_request(&r, h.type, &q);
		if (!rc)
			ZK_ENCODE(s, w, rc = zk_tree_prepare(s->ptree, session, &q, &w));
	}
	if (rc || w.err) {
		struct zk_txn t = {.type = ZK_OP_ERROR, .session_id = session,
			.op = {.type = ZK_OP_ERROR, .err = ZMARSHALLINGERROR}};
		ZK_ENCODE(s, w, zk_txn_encode(&w, &t));
	}
	uint8_t *copy = env_alloc(s->env, w.len);
	memcpy(copy, w.buf, w.len);
	propose(s, origin, cookie, copy, w.len);
	env_free(s->env, copy);
}

static void learner_frame(struct env_conn *conn, const uint8_t *f, size_t len);

static void learner_closed(struct env_conn *conn, int reason)
{
	struct zk_learner *l = env_conn_data(conn);
	learner_free(l->s, l);
}

static const struct env_conn_ops learner_ops = {learner_frame, learner_closed};

static void on_learner_msg(struct zk_server *s, struct zk_learner *l, int type,
			   struct wire_reader *r)
{
	switch (type) {
	case ZK_MSG_FOLLOWERINFO:
		l->id = wire_get_i32(r);
		l->accepted_epoch = wire_get_i64(r);
		if (s->epoch_decided)
			send_newepoch(s, l);
		else
			decide_epoch(s);
		break;
	case ZK_MSG_ACKEPOCH: {
		int64_t ce = wire_get_i64(r), lz = wire_get_i64(r);
		if (ce > s->lead_cmp_epoch || (ce == s->lead_cmp_epoch && lz > s->lead_cmp_zxid)) {
			env_log(s->env, ENV_LOG_INFO, "follower %d is ahead: giving up", l->id);
			zk_quorum_look(s);
			return;
		}
		send_sync(s, l, lz);
		adopt_epoch(s);
		break;
	}
	case ZK_MSG_ACKNL:
		l->acked = wire_get_i64(r);
		l->phase = ZK_LF_SYNCED;
		if (s->established) {
			send_zxid(s, l->conn, ZK_MSG_UPTODATE, s->committed);
			try_commit(s);
		} else {
			check_established(s);
		}
		break;
	case ZK_MSG_ACK: {
		int64_t z = wire_get_i64(r);
		if (z > l->acked)
			l->acked = z;
		try_commit(s);
		break;
	}
	case ZK_MSG_REQUEST: {
		int32_t origin = wire_get_i32(r);
		int64_t cookie = wire_get_i64(r), session = wire_get_i64(r);
		int kind = wire_get_u8(r);
		struct zk_buf b;
		if (!zk_get_buf(r, &b) && b.len >= 0 && origin == l->id)
			lead_request(s, origin, cookie, session, kind, b.p, (size_t)b.len);
		break;
	}
	case ZK_MSG_PING: {
		int32_t n = wire_get_i32(r);
		for (int32_t i = 0; i < n && !r->err; i++) {
			struct zk_session *x = zk_srv_session(s, wire_get_i64(r));
			if (x)
				x->deadline_ns = env_now_ns(s->env) +
						 (int64_t)x->timeout_ms * ZK_MS;
		}
		break;
	}
	}
}

static void learner_frame(struct env_conn *conn, const uint8_t *f, size_t len)
{
	struct zk_learner *l = env_conn_data(conn);
	struct zk_server *s = l->s;
	struct wire_reader r;
	wire_reader_init(&r, f, len);
	l->last_heard_ns = env_now_ns(s->env);
	on_learner_msg(s, l, wire_get_u8(&r), &r);
}

static void quorum_accept_cb(void *arg, struct env_conn *conn)
{
	struct zk_server *s = arg;
	if (s->role != ZK_ROLE_LEADING) {
		env_conn_close(conn);
		return;
	}
	struct zk_learner *l = env_calloc(s->env, 1, sizeof *l);
	l->s = s;
	l->conn = conn;
	l->last_heard_ns = env_now_ns(s->env);
	l->next = s->learners;
	s->learners = l;
	env_conn_set_ops(conn, &learner_ops, l);
}

void zk_quorum_lead(struct zk_server *s)
{
	env_log(s->env, ENV_LOG_INFO, "elected leader (round %lld)", (long long)s->round);
	s->role = ZK_ROLE_LEADING;
	s->lead_start_ns = env_now_ns(s->env);
	s->lead_cmp_epoch = s->current_epoch;
	s->lead_cmp_zxid = zk_srv_last_zxid(s);
	s->established = s->epoch_decided = false;
	zk_elect_broadcast(s);
	for (int32_t i = 0; i < s->cfg->n_members; i++)
		zk_elect_send_vote(s, i);
	decide_epoch(s);
}

/* Leader's periodic duties: pings, liveness of the quorum, session expiry. */
static void lead_tick(struct zk_server *s, int64_t now)
{
	int64_t limit = (int64_t)s->cfg->sync_limit * tick_ns(s);
	int32_t alive = 1;
	struct zk_learner *l = s->learners;
	while (l) {
		struct zk_learner *next = l->next;
		if (now - l->last_heard_ns > limit) {
			env_conn_close(l->conn);
			learner_free(s, l);
		} else {
			if (l->phase == ZK_LF_SYNCED)
				alive++;
			if (learner_live(l))
				send_zxid(s, l->conn, ZK_MSG_PING, 0);
		}
		l = next;
	}
	if (!s->established) {
		if (now - s->lead_start_ns > (int64_t)s->cfg->init_limit * tick_ns(s))
			zk_quorum_look(s);
		return;
	}
	if (alive < s->quorum) {
		env_log(s->env, ENV_LOG_INFO, "lost the quorum");
		zk_quorum_look(s);
		return;
	}
	for (uint32_t i = 0; i < s->nsess; i++) {
		struct zk_session *x = &s->sess[i];
		if (x->closing || x->deadline_ns > now)
			continue;
		x->closing = true;
		env_log(s->env, ENV_LOG_INFO, "session %llx expired", (unsigned long long)x->id);
		session_txn(s, ZK_OP_CLOSE_SESSION, x->id, 0, 0, 0);
	}
}

/* ---- Following --------------------------------------------------------- */

static void follower_frame(struct env_conn *conn, const uint8_t *f, size_t len);

static void follower_closed(struct env_conn *conn, int reason)
{
	struct zk_server *s = env_conn_data(conn);
	s->lconn = NULL;
	zk_quorum_look(s);
}

static const struct env_conn_ops follower_ops = {follower_frame, follower_closed};

static void follower_connected_cb(struct env_conn *conn, int status)
{
	struct zk_server *s = env_conn_data(conn);
	if (status) {
		s->lconn = NULL;
		zk_quorum_look(s);
		return;
	}
	struct wire_writer w;
	ZK_ENCODE(s, w, {
		wire_put_u8(&w, ZK_MSG_FOLLOWERINFO);
		wire_put_i32(&w, s->cfg->my_id);
		wire_put_i64(&w, s->accepted_epoch);
	});
	zk_send_buf(conn, &w);
}

void zk_quorum_follow(struct zk_server *s, int32_t leader)
{
	int32_t idx = zk_srv_index(s, leader);
	if (idx < 0 || leader == s->cfg->my_id)
		return;
	env_timer_stop(s->env, &s->elect_timer);
	s->role = ZK_ROLE_FOLLOWING;
	s->leader_id = leader;
	s->uptodate = false;
	s->follow_start_ns = s->leader_heard_ns = env_now_ns(s->env);
	s->last_acked = 0;
	s->acknl_sent = false;
	s->lconn = env_connect(s->env, s->cfg->members[idx].host, s->cfg->quorum_port,
			       &follower_ops, s, follower_connected_cb);
}

static void send_ack_if_due(struct zk_server *s)
{
	if (s->role != ZK_ROLE_FOLLOWING || !s->lconn)
		return;
	if (s->pending_ackepoch) {
		if (s->durable_written < s->epoch_rec_at)
			return;
		s->pending_ackepoch = false;
		struct wire_writer w;
		ZK_ENCODE(s, w, {
			wire_put_u8(&w, ZK_MSG_ACKEPOCH);
			wire_put_i64(&w, s->current_epoch);
			wire_put_i64(&w, zk_srv_last_zxid(s));
		});
		zk_send_buf(s->lconn, &w);
		return;
	}
	/* ACKNL once the synced entries and the new current epoch (written
	 * after them) are durable. */
	if (s->pending_acknl && (s->store_busy || s->durable_written < s->epoch_rec_at))
		return;
	if (s->pending_acknl) {
		s->pending_acknl = false;
		s->acknl_sent = true;
		s->last_acked = s->durable;
		send_zxid(s, s->lconn, ZK_MSG_ACKNL, s->durable);
		return;
	}
	if (s->acknl_sent && s->durable > s->last_acked) {
		s->last_acked = s->durable;
		send_zxid(s, s->lconn, ZK_MSG_ACK, s->durable);
	}
}

void zk_quorum_durable(struct zk_server *s)
{
	if (s->role == ZK_ROLE_LEADING) {
		check_established(s);
		try_commit(s);
	} else {
		send_ack_if_due(s);
	}
}

static void on_sync(struct zk_server *s, const uint8_t *f, size_t len, struct wire_reader *r)
{
	int mode = wire_get_u8(r);
	int64_t epoch = wire_get_i64(r), trunc = wire_get_i64(r), commit = wire_get_i64(r);
	int32_t slen = wire_get_i32(r);
	const uint8_t *snap = slen > 0 ? wire_get_bytes(r, (size_t)slen) : NULL;
	if (r->err)
		goto bad;
	if (mode == ZK_SYNC_TRUNC && !zk_store_truncate(s, trunc))
		goto bad;
	if (mode == ZK_SYNC_SNAP && !s->snap_done_for_sync) {
		if (!snap || zk_store_install_snapshot(s, snap, (size_t)slen))
			goto bad;
		s->snap_done_for_sync = true;
		/* Finish once the snapshot is durable: hold this frame and the rest. */
		struct zk_held *h = env_calloc(s->env, 1, sizeof *h);
		h->p = env_alloc(s->env, len);
		memcpy(h->p, f, len);
		h->len = len;
		h->next = s->held;
		s->held = h;
		if (!s->held_tail)
			s->held_tail = h;
		return;
	}
	s->snap_done_for_sync = false;
	int32_t n = wire_get_i32(r);
	for (int32_t i = 0; i < n && !r->err; i++) {
		struct zk_entry e;
		if (get_entry(r, &e))
			goto bad;
		if (e.zxid > zk_srv_last_zxid(s))
			zk_store_append(s, e.zxid, e.time_ms, e.txn, e.len, e.origin, e.cookie);
	}
	if (r->err)
		goto bad;
	s->accepted_epoch = s->current_epoch = epoch;
	zk_store_write_epochs(s);
	zk_srv_commit_to(s, commit);
	s->pending_acknl = true;
	return;
bad:
	env_log(s->env, ENV_LOG_WARN, "bad sync from the leader");
	zk_quorum_look(s);
}

static void follower_msg(struct zk_server *s, const uint8_t *f, size_t len)
{
	struct wire_reader r;
	wire_reader_init(&r, f, len);
	int type = wire_get_u8(&r);
	switch (type) {
	case ZK_MSG_NEWEPOCH: {
		int64_t e = wire_get_i64(&r);
		if (e < s->accepted_epoch) {
			zk_quorum_look(s);
			return;
		}
		s->accepted_epoch = e;
		s->pending_ackepoch = true;
		zk_store_write_epochs(s);
		break;
	}
	case ZK_MSG_SYNC:
		on_sync(s, f, len, &r);
		break;
	case ZK_MSG_PROPOSAL: {
		struct zk_entry e;
		if (!get_entry(&r, &e) && e.zxid > zk_srv_last_zxid(s))
			zk_store_append(s, e.zxid, e.time_ms, e.txn, e.len, e.origin, e.cookie);
		break;
	}
	case ZK_MSG_COMMIT:
		zk_srv_commit_to(s, wire_get_i64(&r));
		break;
	case ZK_MSG_UPTODATE:
		zk_srv_commit_to(s, wire_get_i64(&r));
		if (!s->uptodate)
			env_log(s->env, ENV_LOG_INFO, "FOLLOWING %d, up to date", s->leader_id);
		s->uptodate = true;
		break;
	case ZK_MSG_SYNCDONE:
		zk_srv_sync_done(s, wire_get_i64(&r));
		break;
	case ZK_MSG_PING: {
		struct wire_writer w;
		ZK_ENCODE(s, w, {
			wire_put_u8(&w, ZK_MSG_PING);
			size_t at = w.len;
			int32_t n = 0;
			wire_put_i32(&w, 0);
			for (uint32_t i = 0; i < s->nsess; i++)
				if (s->sess[i].touched) {
					wire_put_i64(&w, s->sess[i].id);
					n++;
				}
			wire_patch_u32(&w, at, (uint32_t)n);
		});
		for (uint32_t i = 0; i < s->nsess; i++)
			s->sess[i].touched = false;
		zk_send_buf(s->lconn, &w);
		break;
	}
	}
}

static void hold(struct zk_server *s, const uint8_t *f, size_t len)
{
	struct zk_held *h = env_calloc(s->env, 1, sizeof *h);
	h->p = env_alloc(s->env, len);
	memcpy(h->p, f, len);
	h->len = len;
	if (s->held_tail)
		s->held_tail->next = h;
	else
		s->held = h;
	s->held_tail = h;
}

static void follower_frame(struct env_conn *conn, const uint8_t *f, size_t len)
{
	struct zk_server *s = env_conn_data(conn);
	s->leader_heard_ns = env_now_ns(s->env);
	if (s->store_busy || s->held) {
		hold(s, f, len);
		return;
	}
	follower_msg(s, f, len);
}

void zk_quorum_store_idle(struct zk_server *s)
{
	while (s->held && !s->store_busy && s->role == ZK_ROLE_FOLLOWING) {
		struct zk_held *h = s->held;
		s->held = h->next;
		if (!s->held)
			s->held_tail = NULL;
		follower_msg(s, h->p, h->len);
		env_free(s->env, h->p);
		env_free(s->env, h);
	}
	send_ack_if_due(s);
}

void zk_quorum_submit(struct zk_server *s, int64_t session, int64_t cookie, int kind,
		      const uint8_t *p, size_t len)
{
	if (s->role == ZK_ROLE_LEADING) {
		lead_request(s, s->cfg->my_id, cookie, session, kind, p, len);
		return;
	}
	if (s->role != ZK_ROLE_FOLLOWING || !s->lconn)
		return;
	struct wire_writer w;
	ZK_ENCODE(s, w, {
		wire_put_u8(&w, ZK_MSG_REQUEST);
		wire_put_i32(&w, s->cfg->my_id);
		wire_put_i64(&w, cookie);
		wire_put_i64(&w, session);
		wire_put_u8(&w, (uint8_t)kind);
		zk_put_buf(&w, (struct zk_buf){p, (int32_t)len});
	});
	zk_send_buf(s->lconn, &w);
}

/* ---- Start and the periodic tick ---------------------------------------- */

static void tick_cb(struct env_timer *t)
{
	struct zk_server *s = t->data;
	int64_t now = env_now_ns(s->env);
	if (s->role == ZK_ROLE_LEADING) {
		lead_tick(s, now);
	} else if (s->role == ZK_ROLE_FOLLOWING) {
		int32_t ticks = s->uptodate ? s->cfg->sync_limit : s->cfg->init_limit;
		int64_t limit = ticks * tick_ns(s);
		if (now - s->leader_heard_ns > limit) {
			env_log(s->env, ENV_LOG_INFO, "leader silent");
			zk_quorum_look(s);
		}
	} else if (!s->failed) {
		zk_elect_broadcast(s);
	}
	env_timer_start(s->env, &s->tick_timer, tick_ns(s) / 2, tick_cb);
}

void zk_quorum_start(struct zk_server *s)
{
	const struct zk_server_config *cfg = s->cfg;
	env_listen(s->env, cfg->election_port, zk_elect_accept_cb, s);
	env_listen(s->env, cfg->quorum_port, quorum_accept_cb, s);
	int32_t me = zk_srv_index(s, cfg->my_id);
	for (int32_t i = 0; i < cfg->n_members; i++) {
		s->peers[i].s = s;
		s->peers[i].idx = i;
		if (i != me)
			zk_elect_peer_connect(&s->peers[i]);
	}
	s->role = ZK_ROLE_LOOKING;
	s->round = 0;
	s->tick_timer.data = s;
	env_timer_start(s->env, &s->tick_timer, tick_ns(s) / 2, tick_cb);
	zk_quorum_look(s);
}
