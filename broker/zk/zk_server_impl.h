/*
 * zk_server_impl — the server's internals, shared by its source files and
 * nobody else: zk_server.c (lifecycle, commit and the client protocol),
 * zk_server_client.c (the client port), zk_store.c (transaction log and
 * snapshots), zk_election.c (voting) and zk_quorum.c (the leader/follower
 * protocol). Everything here lives in the node's env heap.
 */
#ifndef KSIM_ZK_SERVER_IMPL_H
#define KSIM_ZK_SERVER_IMPL_H

#include "broker/zk/zk_server.h"

#define ZK_EPOCH(z) ((int64_t)((uint64_t)(z) >> 32))
#define ZK_ZXID(e, c) ((int64_t)(((uint64_t)(e) << 32) | (uint32_t)(c)))
#define ZK_MS ((int64_t)1000000)

/* One txn of the history: logged, maybe committed. */
struct zk_entry {
	int64_t zxid;
	int64_t time_ms;
	uint8_t *txn;
	uint32_t len;
	int32_t origin;	 /* server whose client asked for it (0: none) */
	int64_t cookie;	 /* the origin's client connection token */
	int64_t end_off; /* log offset just past its record */
};

struct zk_session {
	int64_t id;
	int32_t timeout_ms;
	int64_t deadline_ns; /* leader only: expiry when not touched */
	bool touched;	     /* a local client showed life since the last report */
	bool closing;	     /* leader: a close txn is proposed */
};

/* Server-to-server message types (ksim's own encoding, see zk_quorum.c). */
enum zk_msg {
	ZK_MSG_VOTE = 1,
	ZK_MSG_FOLLOWERINFO,
	ZK_MSG_NEWEPOCH,
	ZK_MSG_ACKEPOCH,
	ZK_MSG_SYNC,
	ZK_MSG_ACKNL,
	ZK_MSG_UPTODATE,
	ZK_MSG_PROPOSAL,
	ZK_MSG_ACK,
	ZK_MSG_COMMIT,
	ZK_MSG_REQUEST,
	ZK_MSG_SYNCDONE,
	ZK_MSG_PING,
};

enum zk_sync_mode { ZK_SYNC_DIFF = 1, ZK_SYNC_TRUNC, ZK_SYNC_SNAP };

struct zk_vote {
	int32_t leader;
	int64_t zxid;
	int64_t epoch;
};

/* A follower as its leader sees it. */
enum zk_lf_phase { ZK_LF_INFO, ZK_LF_EPOCH_SENT, ZK_LF_SYNC_SENT, ZK_LF_SYNCED };
struct zk_learner {
	struct zk_server *s;
	struct env_conn *conn;
	int32_t id;
	enum zk_lf_phase phase;
	int64_t accepted_epoch;
	int64_t acked;
	int64_t last_heard_ns;
	struct zk_learner *next;
};

/* A client connection on this server. */
struct zk_cconn {
	struct zk_server *s;
	struct env_conn *conn;
	int64_t token; /* unique per incarnation; also the tree watcher id */
	int64_t session;
	bool active;	  /* handshake done */
	bool hs_pending;  /* the handshake awaits its createSession commit */
	/* Requests q[qhead .. qhead+nsub) are submitted to the leader and
	 * await their commit (their replies come in this order); reads wait
	 * behind them so replies stay in request order. */
	uint32_t nsub;
	bool closing;	  /* close after the queue drains */
	uint8_t **q;	  /* queued request frames (length-prefixed copies) */
	uint32_t qhead, qlen, qcap;
	int32_t req_timeout_ms; /* handshake: asked */
	struct zk_cconn *next;
};

/* A queued frame from the leader, held while the store is busy. */
struct zk_held {
	uint8_t *p;
	size_t len;
	struct zk_held *next;
};

struct zk_peer_out {
	struct zk_server *s;
	int32_t idx;
	struct env_conn *conn;
	bool open;
	struct env_timer timer;
};

struct zk_server {
	struct env *env;
	const struct zk_server_config *cfg;
	int32_t quorum;
	bool failed; /* a disk error: no longer takes part */
	enum zk_server_role role;

	/* Replicated state. */
	struct zk_alloc alloc;
	struct zk_tree *tree;
	struct zk_session *sess;
	uint32_t nsess, sess_cap;
	int64_t committed; /* tree's zxid */

	/* History: entries with zxid > hist_base, in zxid order. */
	struct zk_entry *hist;
	uint32_t nhist, hist_cap;
	int64_t hist_base;
	int64_t hist_base_off;
	int64_t accepted_epoch, current_epoch;
	int64_t inv_accepted_epoch, inv_current_epoch; /* zk_invariant.c's watermarks */

	/* Store. */
	struct env_file *log;
	int64_t log_id;
	int64_t log_size; /* bytes submitted */
	int64_t durable;  /* last zxid known fsynced */
	int64_t fsync_target;
	/* Bytes ever appended to the log (never goes back, even on truncate),
	 * and how many of them an fsync has covered: a record written when
	 * log_written was W is durable once durable_written >= W. */
	int64_t log_written, durable_written, fsync_written;
	int64_t epoch_rec_at; /* log_written after the last epochs record */
	bool fsync_busy, fsync_again;
	struct env_req fsync_req;
	int64_t snap_zxid; /* committed zxid of the last snapshot started */
	bool snap_busy;
	int store_busy; /* SNAP/TRUNC install in progress: hold leader frames */
	struct zk_held *held, *held_tail;

	/* Election. */
	struct zk_peer_out peers[ZK_MAX_SERVERS];
	int64_t round;
	struct zk_vote vote;
	struct zk_vote got[ZK_MAX_SERVERS];
	int64_t got_round[ZK_MAX_SERVERS];
	int8_t got_state[ZK_MAX_SERVERS]; /* 0 none, else role + 1 */
	struct env_timer elect_timer;
	int64_t finalize_at;

	/* Leading. */
	struct zk_learner *learners;
	struct zk_tree *ptree;
	bool established;
	bool epoch_decided;
	int64_t new_epoch;
	int64_t lead_start_ns;
	int64_t next_counter;
	struct env_timer tick_timer;

	/* Following. */
	struct env_conn *lconn;
	int32_t leader_id;
	bool uptodate;
	int64_t leader_heard_ns;
	int64_t follow_start_ns;
	int64_t last_acked;
	bool pending_ackepoch, pending_acknl, acknl_sent, snap_done_for_sync;
	int64_t lead_cmp_epoch, lead_cmp_zxid;

	/* Clients. */
	struct zk_cconn *clients;
	int64_t next_token;
	uint8_t *buf; /* scratch for encoding */
	size_t buf_cap;
};

/* zk_server.c */
int32_t zk_srv_index(const struct zk_server *s, int32_t id);
struct zk_session *zk_srv_session(const struct zk_server *s, int64_t id);
/* Applies history entries up to zxid to the tree, answering local clients. */
void zk_srv_commit_to(struct zk_server *s, int64_t zxid);
void zk_srv_drop_clients(struct zk_server *s);
void zk_srv_sync_done(struct zk_server *s, int64_t cookie);
/* Grows s->buf to at least n bytes and returns it. */
uint8_t *zk_srv_buf(struct zk_server *s, size_t n);
void zk_srv_fail(struct zk_server *s, const char *what, int status);
/* Session table helpers (replicated by txns). */
void zk_srv_session_put(struct zk_server *s, int64_t id, int32_t timeout_ms);
void zk_srv_session_del(struct zk_server *s, int64_t id);

/* zk_store.c */
void zk_store_recover(struct zk_server *s);
/* Appends an entry to history and log (copying txn); schedules fsync. */
void zk_store_append(struct zk_server *s, int64_t zxid, int64_t time_ms, const uint8_t *txn,
		     uint32_t len, int32_t origin, int64_t cookie);
void zk_store_write_epochs(struct zk_server *s);

/* zk_invariant.c: Zab's promises, checked before a txn is logged (zxid
 * order), before one is applied (order, once, logged) and whenever the
 * epochs are written. A violation stops the run (sim/invariant.h). */
void zk_inv_append(const struct zk_server *s, int64_t zxid);
void zk_inv_apply(const struct zk_server *s, int64_t zxid);
void zk_inv_epochs(struct zk_server *s);
void zk_store_sync_request(struct zk_server *s);
/* Drops history after zxid (TRUNC); false when impossible. */
bool zk_store_truncate(struct zk_server *s, int64_t zxid);
/* Replaces the state with a leader's snapshot; writes it durably first. */
int zk_store_install_snapshot(struct zk_server *s, const uint8_t *p, size_t len);
void zk_store_maybe_snapshot(struct zk_server *s);
/* Serialises sessions + tree into w (the snapshot body). */
void zk_store_encode_state(struct zk_server *s, struct wire_writer *w);
int32_t zk_store_find(const struct zk_server *s, int64_t zxid);
/* Called by the store when `durable` advanced. */
void zk_quorum_durable(struct zk_server *s);
void zk_quorum_store_idle(struct zk_server *s);

/* Sends the encoded message in w on c (NULL: nothing). */
static inline void zk_send_buf(struct env_conn *c, const struct wire_writer *w)
{
	if (c)
		env_conn_send(c, w->buf, w->len);
}

/* Encodes with `body` into the server's scratch buffer, growing it once
 * when the first pass overflowed. */
#define ZK_ENCODE(s, w, body)                                                \
	for (int pass_ = 0; pass_ < 2; pass_++) {                            \
		wire_writer_init(&(w), (s)->buf, (s)->buf_cap);              \
		body;                                                        \
		if (!(w).err)                                                \
			break;                                               \
		zk_srv_buf((s), (w).len);                                    \
	}

static inline int64_t zk_srv_last_zxid(const struct zk_server *s)
{
	return s->nhist ? s->hist[s->nhist - 1].zxid : s->hist_base;
}

/* zk_election.c */
void zk_elect_broadcast(struct zk_server *s);
void zk_elect_send_vote(struct zk_server *s, int32_t idx);
void zk_elect_check(struct zk_server *s);
struct zk_vote zk_elect_self_vote(const struct zk_server *s);
void zk_elect_peer_connect(struct zk_peer_out *p);
void zk_elect_accept_cb(void *arg, struct env_conn *conn);

/* zk_quorum.c */
void zk_quorum_lead(struct zk_server *s);
void zk_quorum_follow(struct zk_server *s, int32_t leader);
void zk_quorum_start(struct zk_server *s);
void zk_quorum_look(struct zk_server *s);
/* Submits a client write/sync/session op to the leader. */
enum zk_submit_kind { ZK_SUBMIT_REQUEST = 0, ZK_SUBMIT_CREATE_SESSION = 1 };
void zk_quorum_submit(struct zk_server *s, int64_t session, int64_t cookie, int kind,
		      const uint8_t *p, size_t len);
bool zk_quorum_is_serving(const struct zk_server *s);

#endif
