/*
 * zk_election — FastLeaderElection-like voting between servers (see the
 * description at the top of zk_quorum.c): votes go out over one outbound
 * connection per peer to its election port and come in on inbound ones.
 * Deciding hands over to zk_quorum_lead / zk_quorum_follow.
 */
#include "broker/zk/zk_server_impl.h"

#include <assert.h>
#include <string.h>

#define FINALIZE_NS (200 * ZK_MS)
#define RECONNECT_NS (300 * ZK_MS)

/* ---- Election ---------------------------------------------------------- */

static bool vote_better(const struct zk_vote *a, const struct zk_vote *b)
{
	if (a->epoch != b->epoch)
		return a->epoch > b->epoch;
	if (a->zxid != b->zxid)
		return a->zxid > b->zxid;
	return a->leader > b->leader;
}

static bool vote_same(const struct zk_vote *a, const struct zk_vote *b)
{
	return a->leader == b->leader && a->zxid == b->zxid && a->epoch == b->epoch;
}

void zk_elect_send_vote(struct zk_server *s, int32_t idx)
{
	struct zk_peer_out *p = &s->peers[idx];
	if (!p->open || s->failed)
		return;
	struct wire_writer w;
	struct zk_vote v = s->vote;
	if (s->role == ZK_ROLE_LEADING)
		v.leader = s->cfg->my_id;
	else if (s->role == ZK_ROLE_FOLLOWING)
		v.leader = s->leader_id;
	ZK_ENCODE(s, w, {
		wire_put_u8(&w, ZK_MSG_VOTE);
		wire_put_i32(&w, s->cfg->my_id);
		wire_put_i8(&w, (int8_t)s->role);
		wire_put_i64(&w, s->round);
		wire_put_i32(&w, v.leader);
		wire_put_i64(&w, v.zxid);
		wire_put_i64(&w, v.epoch);
	});
	zk_send_buf(p->conn, &w);
}

void zk_elect_broadcast(struct zk_server *s)
{
	int32_t me = zk_srv_index(s, s->cfg->my_id);
	assert(me >= 0 && me < ZK_MAX_SERVERS); /* a server is a member of its ensemble */
	s->got[me] = s->vote;
	s->got_round[me] = s->round;
	s->got_state[me] = ZK_ROLE_LOOKING + 1;
	for (int32_t i = 0; i < s->cfg->n_members; i++)
		if (i != me)
			zk_elect_send_vote(s, i);
}


static int32_t agreeing(const struct zk_server *s)
{
	int32_t n = 0;
	for (int32_t i = 0; i < s->cfg->n_members; i++)
		if (s->got_state[i] == ZK_ROLE_LOOKING + 1 && s->got_round[i] == s->round &&
		    vote_same(&s->got[i], &s->vote))
			n++;
	return n;
}

static void finalize_cb(struct env_timer *t)
{
	struct zk_server *s = t->data;
	if (s->role != ZK_ROLE_LOOKING || s->failed)
		return;
	if (agreeing(s) < s->quorum)
		return;
	if (s->vote.leader == s->cfg->my_id)
		zk_quorum_lead(s);
	else
		zk_quorum_follow(s, s->vote.leader);
}

void zk_elect_check(struct zk_server *s)
{
	if (agreeing(s) >= s->quorum && !env_timer_active(&s->elect_timer)) {
		s->elect_timer.data = s;
		env_timer_start(s->env, &s->elect_timer, FINALIZE_NS, finalize_cb);
	}
}

struct zk_vote zk_elect_self_vote(const struct zk_server *s)
{
	return (struct zk_vote){s->cfg->my_id, zk_srv_last_zxid(s), s->current_epoch};
}

static void on_vote(struct zk_server *s, struct wire_reader *r)
{
	int32_t from = wire_get_i32(r);
	int8_t role = wire_get_i8(r);
	int64_t round = wire_get_i64(r);
	struct zk_vote v;
	v.leader = wire_get_i32(r);
	v.zxid = wire_get_i64(r);
	v.epoch = wire_get_i64(r);
	int32_t j = zk_srv_index(s, from);
	if (r->err || j < 0 || role < 0 || role > ZK_ROLE_LEADING || s->failed)
		return;
	s->got[j] = v;
	s->got_round[j] = round;
	s->got_state[j] = (int8_t)(role + 1);
	if (s->role != ZK_ROLE_LOOKING) {
		if (role == ZK_ROLE_LOOKING)
			zk_elect_send_vote(s, j); /* tell the looker who leads */
		return;
	}
	if (role != ZK_ROLE_LOOKING) {
		if (role == ZK_ROLE_LEADING && v.leader == from)
			zk_quorum_follow(s, from);
		return;
	}
	if (round > s->round) {
		s->round = round;
		struct zk_vote mine = zk_elect_self_vote(s);
		s->vote = vote_better(&v, &mine) ? v : mine;
		zk_elect_broadcast(s);
	} else if (round == s->round && vote_better(&v, &s->vote)) {
		s->vote = v;
		zk_elect_broadcast(s);
	} else if (round < s->round) {
		zk_elect_send_vote(s, j);
	}
	zk_elect_check(s);
}

static void elect_on_frame(struct env_conn *conn, const uint8_t *f, size_t len)
{
	struct zk_server *s = env_conn_data(conn);
	struct wire_reader r;
	wire_reader_init(&r, f, len);
	if (wire_get_u8(&r) == ZK_MSG_VOTE)
		on_vote(s, &r);
}

static void elect_in_closed(struct env_conn *conn, int reason)
{
}

static const struct env_conn_ops elect_in_ops = {elect_on_frame, elect_in_closed};

void zk_elect_accept_cb(void *arg, struct env_conn *conn)
{
	env_conn_set_ops(conn, &elect_in_ops, arg);
}

void zk_elect_peer_connect(struct zk_peer_out *p);

static void peer_retry_cb(struct env_timer *t)
{
	zk_elect_peer_connect(t->data);
}

static void peer_lost(struct zk_peer_out *p)
{
	p->conn = NULL;
	p->open = false;
	p->timer.data = p;
	env_timer_start(p->s->env, &p->timer, RECONNECT_NS, peer_retry_cb);
}

static void peer_out_closed(struct env_conn *conn, int reason)
{
	peer_lost(env_conn_data(conn));
}

static void peer_out_frame(struct env_conn *conn, const uint8_t *f, size_t len)
{
}

static const struct env_conn_ops peer_out_ops = {peer_out_frame, peer_out_closed};

static void peer_connected_cb(struct env_conn *conn, int status)
{
	struct zk_peer_out *p = env_conn_data(conn);
	if (status) {
		peer_lost(p);
		return;
	}
	p->open = true;
	zk_elect_send_vote(p->s, p->idx);
}

void zk_elect_peer_connect(struct zk_peer_out *p)
{
	struct zk_server *s = p->s;
	p->conn = env_connect(s->env, s->cfg->members[p->idx].host, s->cfg->election_port,
			      &peer_out_ops, p, peer_connected_cb);
}

