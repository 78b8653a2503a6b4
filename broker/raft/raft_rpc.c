/*
 * The quorum RPCs, served and answered as KafkaRaftClient does (3.7):
 * Vote, BeginQuorumEpoch, EndQuorumEpoch, Fetch (with divergence and the
 * leader's long poll) and DescribeQuorum. Every request first passes the
 * same checks as Kafka's: one partition of `__cluster_metadata`
 * (INVALID_REQUEST), the cluster id (INCONSISTENT_CLUSTER_ID), the epoch
 * (FENCED_LEADER_EPOCH below ours, UNKNOWN_LEADER_EPOCH above it for
 * leader-only requests) and voter membership (INCONSISTENT_VOTER_SET).
 */
#include <string.h>

#include "broker/kp/kp_error.h"
#include "broker/kp/kp_header.h"
#include "broker/raft/raft_impl.h"

#define ERR_INCONSISTENT_VOTER_SET 94
#define ERR_INCONSISTENT_CLUSTER_ID 104

static struct kp_str topic(void)
{
	return kp_str_from(KP_RAFT_TOPIC);
}

static bool is_voter_id(const struct raft *r, int32_t id)
{
	for (int32_t i = 0; i < r->cfg->voter_count; i++)
		if (r->cfg->voters[i].id == id)
			return true;
	return false;
}

static bool cluster_ok(const struct raft *r, struct kp_str id)
{
	return id.len < 0 || !r->cfg->cluster_id || kp_str_eq(id, r->cfg->cluster_id);
}

static int16_t top_error(const struct raft *r, struct kp_str t, int32_t partition,
                         struct kp_str cluster)
{
	if (!kp_str_eq(t, KP_RAFT_TOPIC) || partition != 0)
		return KP_ERR_INVALID_REQUEST;
	if (!cluster_ok(r, cluster))
		return ERR_INCONSISTENT_CLUSTER_ID;
	return 0;
}

/* ---- Vote --------------------------------------------------------------- */

static void put_vote_resp(struct wire_writer *w, const void *m)
{
	kp_raft_encode_vote_response(w, m);
}

static bool log_up_to_date(struct raft *r, int32_t last_epoch, int64_t last_offset)
{
	int32_t e = raft_last_epoch(r);
	return last_epoch > e || (last_epoch == e && last_offset >= raft_leo(r));
}

static void serve_vote(struct raft *r, struct raft_in *in, int32_t corr,
                       const struct kp_raft_vote_request *q)
{
	struct kp_raft_vote_response a = {.topic = topic()};
	a.error_code = top_error(r, q->topic, q->partition, q->cluster_id);
	if (!a.error_code) {
		if (q->candidate_epoch < r->epoch)
			a.partition_error = KP_ERR_FENCED_LEADER_EPOCH;
		else if (!is_voter_id(r, q->candidate_id) || !r->voter)
			a.partition_error = ERR_INCONSISTENT_VOTER_SET;
	}
	if (!a.error_code && !a.partition_error) {
		if (q->candidate_epoch > r->epoch)
			raft_become_unattached(r, q->candidate_epoch);
		bool ok = log_up_to_date(r, q->last_offset_epoch, q->last_offset);
		switch (r->role) {
		case RAFT_UNATTACHED:
			a.vote_granted = ok;
			break;
		case RAFT_VOTED:
			a.vote_granted = r->voted == q->candidate_id;
			break;
		default:
			a.vote_granted = false;
		}
		if (a.vote_granted && r->role == RAFT_UNATTACHED)
			raft_become_voted(r, q->candidate_epoch, q->candidate_id);
	}
	a.leader_id = r->leader;
	a.leader_epoch = r->epoch;
	raft_send_reply(r, in, KP_API_VOTE, KP_RAFT_VOTE_VERSION, corr, put_vote_resp, &a);
}

static void put_vote_req(struct wire_writer *w, const void *m)
{
	kp_raft_encode_vote_request(w, m);
}

void raft_send_votes(struct raft *r)
{
	struct kp_raft_vote_request q = {
	    .cluster_id = kp_str_from(r->cfg->cluster_id),
	    .topic = topic(),
	    .candidate_epoch = r->epoch,
	    .candidate_id = r->id,
	    .last_offset_epoch = raft_last_epoch(r),
	    .last_offset = raft_leo(r),
	};
	for (int32_t i = 0; i < r->npeers; i++) {
		struct raft_peer *p = &r->peers[i];
		if (p->voter && p->vote == 0)
			raft_send_request(r, p, KP_API_VOTE, KP_RAFT_VOTE_VERSION, put_vote_req,
			                  &q);
	}
}

static void vote_answered(struct raft *r, struct raft_peer *p,
                          const struct kp_raft_vote_response *a)
{
	if (a->error_code)
		return;
	if (raft_observe_leader(r, a->leader_id, a->leader_epoch))
		return;
	if (a->partition_error || r->role != RAFT_CANDIDATE || a->leader_epoch != r->epoch)
		return;
	p->vote = a->vote_granted ? 1 : -1;
}

/* ---- BeginQuorumEpoch / EndQuorumEpoch ---------------------------------- */

static void put_epoch_resp(struct wire_writer *w, const void *m)
{
	kp_raft_encode_epoch_response(w, m);
}

/* EndQuorumEpoch: the first preferred successor runs at once, the others
 * wait 2^(position-1) shares of the backoff (strictExponentialElectionBackoffMs). */
static int64_t end_epoch_backoff_ms(const struct raft *r, const int32_t *succ, int32_t n)
{
	int32_t pos = -1;
	for (int32_t i = 0; i < n; i++)
		if (succ[i] == r->id)
			pos = i;
	if (pos <= 0)
		return 0;
	int64_t ms =
	    ((int64_t)1 << (pos - 1 < 30 ? pos - 1 : 30)) * (r->cfg->election_backoff_max_ms / n);
	return ms < r->cfg->election_backoff_max_ms ? ms : r->cfg->election_backoff_max_ms;
}

static void serve_epoch(struct raft *r, struct raft_in *in, int16_t api, int32_t corr,
                        const struct kp_raft_epoch_request *q)
{
	bool end = api == KP_API_END_QUORUM_EPOCH;
	struct kp_raft_epoch_response a = {.topic = topic()};
	a.error_code = top_error(r, q->topic, q->partition, q->cluster_id);
	if (!a.error_code) {
		if (q->leader_epoch < r->epoch)
			a.partition_error = KP_ERR_FENCED_LEADER_EPOCH;
		else if (!is_voter_id(r, q->leader_id) || !r->voter)
			a.partition_error = ERR_INCONSISTENT_VOTER_SET;
	}
	if (!a.error_code && !a.partition_error) {
		raft_observe_leader(r, end ? -1 : q->leader_id, q->leader_epoch);
		if (end && r->role == RAFT_FOLLOWER && r->leader == q->leader_id &&
		    r->epoch == q->leader_epoch)
			raft_set_state_deadline(r, end_epoch_backoff_ms(r, q->preferred_successors,
			                                                q->successor_count));
	}
	a.leader_id = r->leader;
	a.leader_epoch = r->epoch;
	raft_send_reply(r, in, api, 0, corr, put_epoch_resp, &a);
}

struct epoch_msg {
	bool end;
	struct kp_raft_epoch_request q;
};

static void put_epoch_req(struct wire_writer *w, const void *m)
{
	const struct epoch_msg *e = m;
	kp_raft_encode_epoch_request(w, e->end, &e->q);
}

void raft_send_epoch_notices(struct raft *r)
{
	bool end = r->role == RAFT_RESIGNED;
	int32_t succ[RAFT_MAX_VOTERS];
	int32_t n = 0;
	if (end) {
		/* Preferred successors: the voters by their log end, longest first. */
		for (int32_t i = 0; i < r->npeers; i++)
			if (r->peers[i].voter)
				succ[n++] = i;
		for (int32_t i = 1; i < n; i++)
			for (int32_t k = i; k > 0 && r->peers[succ[k]].end_offset >
			                                 r->peers[succ[k - 1]].end_offset;
			     k--) {
				int32_t t = succ[k];
				succ[k] = succ[k - 1];
				succ[k - 1] = t;
			}
		for (int32_t i = 0; i < n; i++)
			succ[i] = r->peers[succ[i]].id;
	}
	struct epoch_msg m = {end,
	                      {.cluster_id = kp_str_from(r->cfg->cluster_id),
	                       .topic = topic(),
	                       .leader_id = r->id,
	                       .leader_epoch = r->epoch,
	                       .preferred_successors = succ,
	                       .successor_count = n}};
	for (int32_t i = 0; i < r->npeers; i++) {
		struct raft_peer *p = &r->peers[i];
		if (p->voter && !p->acked)
			raft_send_request(r, p,
			                  end ? KP_API_END_QUORUM_EPOCH : KP_API_BEGIN_QUORUM_EPOCH,
			                  0, put_epoch_req, &m);
	}
}

static void epoch_answered(struct raft *r, struct raft_peer *p,
                           const struct kp_raft_epoch_response *a)
{
	if (a->error_code)
		return;
	if (raft_observe_leader(r, a->leader_id, a->leader_epoch))
		return;
	if (!a->partition_error && a->leader_epoch == r->epoch)
		p->acked = true;
}

/* ---- Fetch -------------------------------------------------------------- */

struct fetch_reply {
	int16_t version;
	struct kp_raft_fetch_response a;
};

static void put_fetch_resp(struct wire_writer *w, const void *m)
{
	const struct fetch_reply *f = m;
	kp_raft_encode_fetch_response(w, f->version, &f->a);
}

static void fetch_reply_init(const struct raft *r, struct kp_raft_fetch_response *a)
{
	memset(a, 0, sizeof *a);
	memcpy(a->topic_id, KP_RAFT_METADATA_TOPIC_ID, 16);
	a->high_watermark = -1;
	a->last_stable_offset = -1;
	a->log_start_offset = r->log ? log_start_offset(r->log) : 0;
	a->diverging_epoch = -1;
	a->diverging_end_offset = -1;
	a->current_leader_id = r->leader;
	a->current_leader_epoch = r->epoch;
	a->snapshot_end_offset = -1;
	a->snapshot_epoch = -1;
	a->preferred_read_replica = -1;
	a->records = KP_BYTES_NULL;
}

/* Serves a Fetch; returns false when it parks it instead (allow_park). */
static bool serve_fetch(struct raft *r, struct raft_in *in, int32_t corr, int16_t version,
                        const struct kp_raft_fetch_request *q, bool allow_park)
{
	struct fetch_reply f = {.version = version};
	struct kp_raft_fetch_response *a = &f.a;
	fetch_reply_init(r, a);
	if (memcmp(q->topic_id, KP_RAFT_METADATA_TOPIC_ID, 16) || q->partition != 0)
		a->error_code = KP_ERR_INVALID_REQUEST;
	else if (!cluster_ok(r, q->cluster_id))
		a->error_code = ERR_INCONSISTENT_CLUSTER_ID;
	else if (q->fetch_offset < 0 || (q->last_fetched_epoch < 0 && q->fetch_offset != 0))
		a->error_code = KP_ERR_INVALID_REQUEST;
	else if (q->current_leader_epoch < r->epoch)
		a->partition_error = KP_ERR_FENCED_LEADER_EPOCH;
	else if (q->current_leader_epoch > r->epoch)
		a->partition_error = KP_ERR_UNKNOWN_LEADER_EPOCH;
	else if (r->role != RAFT_LEADER)
		a->partition_error = KP_ERR_NOT_LEADER_OR_FOLLOWER;
	if (a->error_code || a->partition_error) {
		raft_send_reply(r, in, KP_API_FETCH, version, corr, put_fetch_resp, &f);
		return true;
	}
	a->high_watermark = r->hw;
	if (q->fetch_offset > 0) {
		int32_t e;
		int64_t o;
		raft_end_offset_for_epoch(r, q->last_fetched_epoch, &e, &o);
		if (e != q->last_fetched_epoch || o < q->fetch_offset) {
			a->diverging_epoch = e;
			a->diverging_end_offset = o;
			raft_send_reply(r, in, KP_API_FETCH, version, corr, put_fetch_resp, &f);
			return true;
		}
	}
	struct raft_peer *p = raft_peer_by_id(r, q->replica_id);
	if (p && p->voter) {
		p->end_offset = q->fetch_offset;
		p->last_fetch_ns = raft_now(r);
		p->acked = true; /* a fetch in this epoch acknowledges it */
		raft_leader_fetched(r, p);
		raft_update_leader_hw(r);
		a->high_watermark = r->hw;
	}
	size_t len = 0;
	uint8_t *data = raft_read_for_fetch(r, q->fetch_offset, &len);
	if (!data && allow_park && q->max_wait_ms > 0) {
		in->parked = true;
		in->parked_corr = corr;
		in->parked_version = version;
		in->parked_req = *q;
		in->parked_req.cluster_id = KP_STR_NULL; /* the frame goes away */
		in->parked_req.rack_id = kp_str_from("");
		in->parked_hw = r->hw;
		in->parked_deadline_ns = raft_now(r) + q->max_wait_ms * RAFT_NS_PER_MS;
		return false;
	}
	if (data)
		a->records = (struct kp_bytes){data, (int32_t)len};
	raft_send_reply(r, in, KP_API_FETCH, version, corr, put_fetch_resp, &f);
	env_free(r->env, data);
	return true;
}

void raft_answer_parked(struct raft *r, bool force)
{
	int64_t now = raft_now(r);
	for (struct raft_in *in = r->ins; in; in = in->next) {
		if (!in->parked)
			continue;
		bool ready = force || r->role != RAFT_LEADER || now >= in->parked_deadline_ns ||
		             r->hw != in->parked_hw || raft_leo(r) > in->parked_req.fetch_offset ||
		             in->parked_req.current_leader_epoch != r->epoch;
		if (!ready)
			continue;
		in->parked = false;
		serve_fetch(r, in, in->parked_corr, in->parked_version, &in->parked_req, false);
	}
}

struct fetch_msg {
	int16_t version;
	struct kp_raft_fetch_request q;
};

static void put_fetch_req(struct wire_writer *w, const void *m)
{
	const struct fetch_msg *f = m;
	kp_raft_encode_fetch_request(w, f->version, &f->q);
}

void raft_send_fetch(struct raft *r)
{
	if (r->io_busy)
		return;
	struct raft_peer *p = NULL;
	if (r->role == RAFT_FOLLOWER) {
		p = raft_peer_by_id(r, r->leader);
	} else if (r->npeers > 0) {
		/* An observer without a leader asks a voter (its bootstrap). */
		for (int32_t i = 0; i < r->npeers; i++)
			if (r->peers[i].inflight_corr)
				return;
		p = &r->peers[env_random_below(r->env, (uint64_t)r->npeers)];
	}
	if (!p)
		return;
	struct fetch_msg m = {r->cfg->fetch_version,
	                      {
	                          .cluster_id = kp_str_from(r->cfg->cluster_id),
	                          .replica_id = r->id,
	                          .replica_epoch = -1,
	                          .max_wait_ms = r->cfg->fetch_max_wait_ms,
	                          .min_bytes = 0,
	                          .max_bytes = RAFT_MAX_FETCH_BYTES,
	                          .session_id = 0,
	                          .session_epoch = -1,
	                          .partition = 0,
	                          .current_leader_epoch = r->epoch,
	                          .fetch_offset = raft_leo(r),
	                          .last_fetched_epoch = raft_last_epoch(r),
	                          .log_start_offset = -1,
	                          .partition_max_bytes = RAFT_MAX_FETCH_BYTES,
	                          .rack_id = kp_str_from(""),
	                      }};
	memcpy(m.q.topic_id, KP_RAFT_METADATA_TOPIC_ID, 16);
	raft_send_request(r, p, KP_API_FETCH, m.version, put_fetch_req, &m);
}

static void fetch_answered(struct raft *r, struct raft_peer *p,
                           const struct kp_raft_fetch_response *a)
{
	if (a->error_code)
		return;
	if (raft_observe_leader(r, a->current_leader_id, a->current_leader_epoch))
		return;
	if (r->role != RAFT_FOLLOWER || r->leader != p->id || a->partition_error) {
		if (a->partition_error)
			p->retry_at_ns = raft_now(r) + r->cfg->retry_backoff_ms * RAFT_NS_PER_MS;
		return;
	}
	/* A valid answer from the leader: the fetch timer starts over. */
	raft_set_state_deadline(r, r->cfg->fetch_timeout_ms);
	if (a->diverging_epoch != -1 || a->diverging_end_offset != -1) {
		raft_follower_truncate(r, a->diverging_epoch, a->diverging_end_offset);
		return;
	}
	if (a->records.len > 0)
		raft_follower_append(r, a->records.ptr, (size_t)a->records.len, a->high_watermark);
	else
		raft_follower_set_hw(r, a->high_watermark);
}

/* ---- DescribeQuorum ----------------------------------------------------- */

struct describe_reply {
	int16_t version;
	struct kp_raft_describe_response a;
};

static void put_describe_resp(struct wire_writer *w, const void *m)
{
	const struct describe_reply *d = m;
	kp_raft_encode_describe_response(w, d->version, &d->a);
}

static void serve_describe(struct raft *r, struct raft_in *in, int32_t corr, int16_t version,
                           const struct kp_raft_describe_request *q)
{
	struct kp_raft_replica_state voters[RAFT_MAX_VOTERS];
	struct describe_reply d = {version,
	                           {.topic = topic(),
	                            .leader_id = r->leader,
	                            .leader_epoch = r->epoch,
	                            .high_watermark = r->hw}};
	d.a.error_code = top_error(r, q->topic, q->partition, KP_STR_NULL);
	if (!d.a.error_code && r->role != RAFT_LEADER)
		d.a.partition_error = KP_ERR_NOT_LEADER_OR_FOLLOWER;
	if (!d.a.error_code && !d.a.partition_error) {
		int64_t now_ms = env_wall_ms(r->env);
		voters[0] = (struct kp_raft_replica_state){r->id, r->flushed_end, now_ms, now_ms};
		int32_t n = 1;
		for (int32_t i = 0; i < r->npeers; i++) {
			const struct raft_peer *p = &r->peers[i];
			int64_t ago =
			    p->last_fetch_ns < 0
			        ? -1
			        : now_ms - (raft_now(r) - p->last_fetch_ns) / RAFT_NS_PER_MS;
			voters[n++] = (struct kp_raft_replica_state){
			    p->id, p->end_offset, ago, p->end_offset >= r->flushed_end ? ago : -1};
		}
		d.a.voters = voters;
		d.a.voter_count = n;
	}
	raft_send_reply(r, in, KP_API_DESCRIBE_QUORUM, version, corr, put_describe_resp, &d);
}

/* ---- Dispatch ----------------------------------------------------------- */

void raft_handle_request(struct raft_in *in, const uint8_t *frame, size_t len)
{
	struct raft *r = in->r;
	if (!r->log_ready || r->log_failed)
		return; /* not serving yet: the peer times out, as with a slow start */
	struct wire_reader rd;
	wire_reader_init(&rd, frame, len);
	struct kp_request_header h;
	if (kp_decode_request_header(&rd, &h) != 0)
		return;
	uint8_t abuf[512];
	struct kp_arena arena;
	kp_arena_init(&arena, abuf, sizeof abuf);
	int rc = KP_EVERSION;
	if (h.api_key == KP_API_VOTE && h.api_version == KP_RAFT_VOTE_VERSION) {
		struct kp_raft_vote_request q;
		if ((rc = kp_raft_decode_vote_request(&rd, &q)) == 0)
			serve_vote(r, in, h.correlation_id, &q);
	} else if ((h.api_key == KP_API_BEGIN_QUORUM_EPOCH ||
	            h.api_key == KP_API_END_QUORUM_EPOCH) &&
	           h.api_version == 0) {
		struct kp_raft_epoch_request q;
		bool end = h.api_key == KP_API_END_QUORUM_EPOCH;
		if ((rc = kp_raft_decode_epoch_request(&rd, &arena, end, &q)) == 0)
			serve_epoch(r, in, h.api_key, h.correlation_id, &q);
	} else if (h.api_key == KP_API_FETCH && h.api_version >= KP_RAFT_FETCH_MIN_VERSION &&
	           h.api_version <= KP_RAFT_FETCH_MAX_VERSION) {
		struct kp_raft_fetch_request q;
		if (in->parked)
			return; /* one Fetch at a time per connection */
		if ((rc = kp_raft_decode_fetch_request(&rd, h.api_version, &q)) == 0)
			serve_fetch(r, in, h.correlation_id, h.api_version, &q, true);
	} else if (h.api_key == KP_API_DESCRIBE_QUORUM && h.api_version >= 0 &&
	           h.api_version <= KP_RAFT_DESCRIBE_MAX_VERSION) {
		struct kp_raft_describe_request q;
		if ((rc = kp_raft_decode_describe_request(&rd, &q)) == 0)
			serve_describe(r, in, h.correlation_id, h.api_version, &q);
	}
	if (rc != 0) {
		/* Kafka closes a connection that sends what it cannot parse. */
		env_log(r->env, ENV_LOG_WARN, "raft: bad %s v%d request: %d",
		        kp_api_name(h.api_key), h.api_version, rc);
		raft_in_close(in);
	}
}

void raft_handle_response(struct raft *r, struct raft_peer *p, int16_t api, int16_t version,
                          const uint8_t *body, size_t len)
{
	struct wire_reader rd;
	wire_reader_init(&rd, body, len);
	if (api == KP_API_VOTE) {
		struct kp_raft_vote_response a;
		if (kp_raft_decode_vote_response(&rd, &a) == 0)
			vote_answered(r, p, &a);
	} else if (api == KP_API_BEGIN_QUORUM_EPOCH || api == KP_API_END_QUORUM_EPOCH) {
		struct kp_raft_epoch_response a;
		if (kp_raft_decode_epoch_response(&rd, &a) == 0)
			epoch_answered(r, p, &a);
	} else if (api == KP_API_FETCH) {
		struct kp_raft_fetch_response a;
		if (kp_raft_decode_fetch_response(&rd, version, &a) == 0)
			fetch_answered(r, p, &a);
	}
}

void raft_request_failed(struct raft *r, struct raft_peer *p, int16_t api)
{
	(void)r;
	(void)p;
	(void)api; /* retried after the backoff; the state's timers decide */
}
