/*
 * raft_impl — the inside of one quorum member, shared by its files:
 * raft.c (states, transitions, timers, the poll loop), raft_store.c (the
 * quorum-state file), raft_net.c (connections, requests, answers),
 * raft_rpc.c (serving and answering the quorum RPCs), raft_data.c (the log:
 * appends, flushes, fetches, truncation, the high watermark, commits) and
 * raft_record.c (control records). Not for use outside broker/raft/.
 */
#ifndef KSIM_RAFT_IMPL_H
#define KSIM_RAFT_IMPL_H

#include "broker/codec/wire_scratch.h"
#include "broker/kp/kp_raft.h"
#include "broker/log/log.h"
#include "broker/raft/raft.h"
#include "broker/raft/raft_record.h"

#define RAFT_NS_PER_MS 1000000LL
#define RAFT_MAX_FETCH_BYTES (8 * 1024 * 1024) /* KafkaRaftClient's max fetch */

/* One other quorum member, as this node talks to it. */
struct raft_peer {
	struct raft *r;
	int32_t id;
	const char *host;
	bool voter;
	struct env_conn *out; /* our requests go out here */
	bool out_open;
	/* One request in flight per destination, as Kafka's RequestManager. */
	int32_t inflight_corr; /* 0: none */
	int16_t inflight_api;
	int16_t inflight_version;
	int64_t inflight_deadline_ns;
	int64_t retry_at_ns; /* backoff after a failed request */
	/* Leader side, this epoch. */
	int64_t end_offset;    /* the voter's last fetch offset, -1 unknown */
	int64_t last_fetch_ns; /* -1 never */
	bool acked;            /* answered our Begin/EndQuorumEpoch */
	/* Candidate side: 1 granted, -1 rejected, 0 no answer yet. */
	int8_t vote;
};

/* A connection a peer opened to us; its requests are answered on it. */
struct raft_in {
	struct raft *r;
	struct env_conn *conn;
	struct raft_in *next;
	/* A Fetch the leader holds until data arrives (Kafka's long poll). */
	bool parked;
	int32_t parked_corr;
	int16_t parked_version;
	int64_t parked_deadline_ns;
	int64_t parked_hw;
	struct kp_raft_fetch_request parked_req;
};

/* An answer held back until the quorum-state write it depends on is durable. */
struct raft_reply {
	struct raft_in *in;
	uint8_t *frame;
	size_t len;
	struct raft_reply *next;
};

/* A log operation in flight (the log keeps our req until its callback). */
struct raft_io {
	struct log_req req;
	struct raft *r;
	uint32_t incarnation; /* r->io_gen when submitted */
	int kind;
	int64_t fetch_hw; /* follower append: the leader's high watermark */
	int32_t epoch;
};

struct raft {
	struct env *env;
	const struct raft_config *cfg;
	int32_t id;
	bool voter;
	int32_t nvoters;
	struct raft_peer peers[RAFT_MAX_VOTERS];
	int32_t npeers;
	struct raft_in *ins;

	/* Election state (persisted in quorum-state). */
	enum raft_role role;
	int32_t epoch;
	int32_t leader;
	int32_t voted;
	int64_t state_deadline_ns; /* election / fetch / backoff timer */
	bool backing_off;          /* candidate: lost, waiting to retry */
	int32_t retries;           /* elections lost in a row */

	/* Persistence of quorum-state: versions wanted and durable. */
	uint64_t state_want, state_durable;
	bool state_busy;
	int32_t persisted_epoch;
	struct raft_reply *replies, **replies_tail;
	struct env_req store_req;
	struct env_file *store_file;
	int store_stage;
	uint64_t store_ver;
	int32_t store_epoch, store_leader, store_voted;

	/* The log. */
	struct log_config log_cfg;
	struct log *log;
	bool log_ready;
	bool log_failed;
	bool io_busy; /* an append / flush / truncate chain runs */
	uint32_t io_gen;
	int64_t flushed_end; /* everything below is fsynced */
	int64_t hw;          /* -1 unknown */
	int64_t applied;     /* next offset to hand to the listener */

	/* Leader. */
	int64_t epoch_start; /* offset of this epoch's LeaderChange record */
	bool lc_written;     /* LeaderChange appended */
	uint8_t *pending;    /* encoded records waiting for the linger */
	size_t pending_len, pending_cap;
	int32_t pending_count;
	int64_t next_offset; /* the offset raft_append's next record gets */
	int64_t linger_deadline_ns;
	int64_t check_quorum_deadline_ns;
	int64_t fetched_mask; /* voters (by peer index + 1; bit 0 self) fetched */

	/* Follower. */
	bool fetch_wanted; /* send the next Fetch when the previous is done */

	int32_t next_corr;
	struct env_timer timer;
	int64_t timer_at_ns;
	struct wire_scratch scratch;
	bool freeing;
	bool opening;       /* log_open has not called back yet */
	int32_t store_reqs; /* quorum-state requests in flight */
	bool in_poll, poll_again;
	int32_t io_epoch; /* the epoch an io chain was started in */
};

/* raft.c */
void raft_poll(struct raft *r);
void raft_release(struct raft *r);
int64_t raft_now(const struct raft *r);
int32_t raft_majority(const struct raft *r);
struct raft_peer *raft_peer_by_id(struct raft *r, int32_t id);
void raft_become_unattached(struct raft *r, int32_t epoch);
void raft_become_follower(struct raft *r, int32_t epoch, int32_t leader);
void raft_become_voted(struct raft *r, int32_t epoch, int32_t candidate);
void raft_become_resigned(struct raft *r);
/* A response or request names (leader, epoch): step up to it when newer.
 * Returns true when this node's state changed. */
bool raft_observe_leader(struct raft *r, int32_t leader, int32_t epoch);
void raft_leader_fetched(struct raft *r, struct raft_peer *p);
void raft_set_state_deadline(struct raft *r, int64_t delay_ms);
int64_t raft_election_timeout_ms(struct raft *r);

/* raft_store.c */
/* Reads quorum-state into r (epoch, leader, voted); false when it is
 * missing (a new node) or unreadable (logged; *bad set). */
bool raft_store_load(struct raft *r, bool *bad);
/* Queues a durable write of the current election state. */
void raft_store_persist(struct raft *r);
bool raft_store_clean(const struct raft *r);

/* raft_net.c */
void raft_net_start(struct raft *r);
void raft_net_stop(struct raft *r);
/* Sends a request to a peer (one in flight): false when it cannot now. */
typedef void (*raft_body_fn)(struct wire_writer *w, const void *msg);
bool raft_send_request(struct raft *r, struct raft_peer *p, int16_t api, int16_t version,
                       raft_body_fn body, const void *msg);
bool raft_peer_ready(struct raft *r, const struct raft_peer *p);
/* Answers a request on `in` (held back while quorum-state is not durable). */
void raft_send_reply(struct raft *r, struct raft_in *in, int16_t api, int16_t version, int32_t cid,
                     raft_body_fn body, const void *msg);
void raft_flush_replies(struct raft *r);
/* Closes a peer's connection to us after a request we cannot parse. */
void raft_in_close(struct raft_in *in);
void raft_net_expire(struct raft *r);
int64_t raft_net_next_deadline(const struct raft *r);

/* raft_rpc.c */
void raft_handle_request(struct raft_in *in, const uint8_t *frame, size_t len);
void raft_handle_response(struct raft *r, struct raft_peer *p, int16_t api, int16_t version,
                          const uint8_t *body, size_t len);
void raft_request_failed(struct raft *r, struct raft_peer *p, int16_t api);
void raft_send_votes(struct raft *r);
void raft_send_epoch_notices(struct raft *r);
void raft_send_fetch(struct raft *r);
void raft_answer_parked(struct raft *r, bool force);

/* raft_data.c */
void raft_data_open(struct raft *r);
int32_t raft_last_epoch(const struct raft *r);
int64_t raft_leo(const struct raft *r);
void raft_leader_start(struct raft *r);
void raft_leader_poll(struct raft *r);
void raft_update_leader_hw(struct raft *r);
/* Follower: apply a Fetch answer's records (append + flush), truncation. */
void raft_follower_append(struct raft *r, const uint8_t *records, size_t len, int64_t hw);
void raft_follower_truncate(struct raft *r, int32_t epoch, int64_t end_offset);
void raft_follower_set_hw(struct raft *r, int64_t hw);
void raft_deliver_committed(struct raft *r);
/* Reads flushed batches from `offset` for a Fetch answer (heap, or NULL). */
uint8_t *raft_read_for_fetch(struct raft *r, int64_t offset, size_t *len);
/* Kafka's endOffsetForEpoch on this log. */
void raft_end_offset_for_epoch(struct raft *r, int32_t epoch, int32_t *out_epoch,
                               int64_t *out_offset);

#endif
