/*
 * The quorum member's states and timers, as Kafka 3.7's QuorumState and
 * KafkaRaftClient.poll: every event (a frame, a completed disk operation,
 * the timer) ends in raft_poll, which runs what is due, sends what the
 * state asks for, and arms the one timer at the next deadline.
 */
#include <stdio.h>
#include <string.h>

#include "broker/raft/raft_impl.h"
#include "sim/invariant.h"

/* KafkaRaftClient's base for the binary exponential election backoff. */
#define RAFT_BACKOFF_BASE_MS 100
/* LeaderState's check-quorum timeout is 1.5 x the fetch timeout. */
#define RAFT_CHECK_QUORUM_NUM 3
#define RAFT_CHECK_QUORUM_DEN 2

void raft_config_default(struct raft_config *c, int32_t node_id, const struct raft_voter *voters,
                         int32_t voter_count)
{
	memset(c, 0, sizeof *c);
	c->node_id = node_id;
	c->voters = voters;
	c->voter_count = voter_count;
	c->dir = "/kraft";
	c->port = RAFT_PORT;
	c->election_timeout_ms = 1000;
	c->election_backoff_max_ms = 1000;
	c->fetch_timeout_ms = 2000;
	c->request_timeout_ms = 2000;
	c->retry_backoff_ms = 20;
	c->append_linger_ms = 25;
	c->fetch_max_wait_ms = 500;
	c->check_quorum = true;
	c->fetch_version = KP_RAFT_FETCH_MAX_VERSION;
}

const char *raft_role_name(enum raft_role role)
{
	static const char *const names[] = {"unattached", "voted",    "candidate",
	                                    "leader",     "follower", "resigned"};
	return (unsigned)role < 6 ? names[role] : "?";
}

int64_t raft_now(const struct raft *r)
{
	return env_now_ns(r->env);
}

int32_t raft_majority(const struct raft *r)
{
	return r->nvoters / 2 + 1;
}

struct raft_peer *raft_peer_by_id(struct raft *r, int32_t id)
{
	for (int32_t i = 0; i < r->npeers; i++)
		if (r->peers[i].id == id)
			return &r->peers[i];
	return NULL;
}

int64_t raft_election_timeout_ms(struct raft *r)
{
	/* electionTimeoutMs + a random jitter below it. */
	int64_t t = r->cfg->election_timeout_ms;
	return t + (int64_t)env_random_below(r->env, (uint64_t)(t > 0 ? t : 1));
}

void raft_set_state_deadline(struct raft *r, int64_t delay_ms)
{
	r->state_deadline_ns = raft_now(r) + delay_ms * RAFT_NS_PER_MS;
}

static void reset_epoch_state(struct raft *r)
{
	for (int32_t i = 0; i < r->npeers; i++) {
		struct raft_peer *p = &r->peers[i];
		p->end_offset = -1;
		p->last_fetch_ns = -1;
		p->acked = false;
		p->vote = 0;
	}
	r->hw = -1;
	r->backing_off = false;
	r->lc_written = false;
	r->pending_len = 0;
	r->pending_count = 0;
	r->fetched_mask = 0;
}

static void notify_leader(struct raft *r)
{
	if (r->cfg->listener.on_leader_change)
		r->cfg->listener.on_leader_change(r->cfg->listener.ctx, r->leader, r->epoch);
}

static void transition(struct raft *r, enum raft_role role, int32_t epoch, int32_t leader,
                       int32_t voted)
{
	bool was_leader = r->role == RAFT_LEADER;
	bool leader_changed = epoch != r->epoch || leader != r->leader;
	env_log(r->env, ENV_LOG_INFO, "raft: %s epoch %d -> %s epoch %d (leader %d, voted %d)",
	        raft_role_name(r->role), r->epoch, raft_role_name(role), epoch, leader, voted);
	r->role = role;
	r->epoch = epoch;
	r->leader = leader;
	r->voted = voted;
	reset_epoch_state(r);
	raft_store_persist(r);
	if (was_leader)
		raft_answer_parked(r, true);
	if (leader_changed)
		notify_leader(r);
}

void raft_become_unattached(struct raft *r, int32_t epoch)
{
	/* From candidate, voted or unattached the election timer keeps running
	 * (Kafka's transitionToUnattached): a stale candidate bumping epochs
	 * must not keep every other voter from standing. */
	bool keep = r->voter && (r->role == RAFT_CANDIDATE || r->role == RAFT_VOTED ||
	                         r->role == RAFT_UNATTACHED);
	int64_t deadline = r->state_deadline_ns;
	if (r->role == RAFT_CANDIDATE && r->backing_off)
		keep = false;
	transition(r, RAFT_UNATTACHED, epoch, -1, -1);
	if (keep)
		r->state_deadline_ns = deadline;
	else
		raft_set_state_deadline(r, r->voter ? raft_election_timeout_ms(r)
		                                    : r->cfg->fetch_timeout_ms);
}

void raft_become_voted(struct raft *r, int32_t epoch, int32_t candidate)
{
	transition(r, RAFT_VOTED, epoch, -1, candidate);
	raft_set_state_deadline(r, raft_election_timeout_ms(r));
}

void raft_become_follower(struct raft *r, int32_t epoch, int32_t leader)
{
	/* As Kafka's ElectionState: a known leader replaces the vote. */
	transition(r, RAFT_FOLLOWER, epoch, leader, -1);
	raft_set_state_deadline(r, r->cfg->fetch_timeout_ms);
	r->retries = 0;
	env_event(r->env, "quorum", "%s follows controller-%d in epoch %d", env_node_name(r->env),
	          leader, epoch);
}

static void become_candidate(struct raft *r)
{
	r->retries++;
	transition(r, RAFT_CANDIDATE, r->epoch + 1, -1, r->id);
	raft_set_state_deadline(r, raft_election_timeout_ms(r));
	env_event(r->env, "quorum", "%s stands for election in epoch %d", env_node_name(r->env),
	          r->epoch);
	if (r->nvoters == 1)
		raft_poll(r);
}

static void become_leader(struct raft *r)
{
	transition(r, RAFT_LEADER, r->epoch, r->id, -1);
	r->retries = 0;
	r->check_quorum_deadline_ns = raft_now(r) + (int64_t)r->cfg->fetch_timeout_ms *
	                                                RAFT_CHECK_QUORUM_NUM /
	                                                RAFT_CHECK_QUORUM_DEN * RAFT_NS_PER_MS;
	/* The observer hears of it in raft_leader_poll, once the election is
	 * durable and the node acts as leader: a crash before that leaves a
	 * candidate that may win the same epoch again, as in Kafka. */
}

void raft_become_resigned(struct raft *r)
{
	env_event(r->env, "quorum", "%s resigns as leader of epoch %d", env_node_name(r->env),
	          r->epoch);
	transition(r, RAFT_RESIGNED, r->epoch, r->id, -1);
	raft_set_state_deadline(r, raft_election_timeout_ms(r));
}

bool raft_observe_leader(struct raft *r, int32_t leader, int32_t epoch)
{
	if (epoch > r->epoch) {
		if (leader >= 0 && leader != r->id)
			raft_become_follower(r, epoch, leader);
		else
			raft_become_unattached(r, epoch);
		return true;
	}
	/* Same epoch: a leader we did not know of yet (we lost the election,
	 * voted for it, or never heard). */
	if (epoch == r->epoch && leader >= 0 && leader != r->id && r->leader < 0 &&
	    r->role != RAFT_LEADER && r->role != RAFT_RESIGNED) {
		raft_become_follower(r, epoch, leader);
		return true;
	}
	return false;
}

/* Votes granted (self included) and refused so far. */
static void count_votes(const struct raft *r, int32_t *granted, int32_t *refused)
{
	*granted = 1;
	*refused = 0;
	for (int32_t i = 0; i < r->npeers; i++) {
		if (!r->peers[i].voter)
			continue;
		*granted += r->peers[i].vote > 0;
		*refused += r->peers[i].vote < 0;
	}
}

static void start_backoff(struct raft *r)
{
	/* binaryExponentialElectionBackoffMs: 100 x random(2^retries), capped. */
	int32_t shift = r->retries < 1 ? 1 : r->retries < 20 ? r->retries : 20;
	int64_t ms = RAFT_BACKOFF_BASE_MS * (int64_t)env_random_below(r->env, 2ull << (shift - 1));
	if (ms > r->cfg->election_backoff_max_ms)
		ms = r->cfg->election_backoff_max_ms;
	r->backing_off = true;
	raft_set_state_deadline(r, ms);
}

static void candidate_poll(struct raft *r)
{
	int32_t granted, refused;
	count_votes(r, &granted, &refused);
	if (!r->backing_off && granted >= raft_majority(r) && raft_store_clean(r)) {
		become_leader(r);
		return;
	}
	if (!r->backing_off && r->nvoters - refused < raft_majority(r)) {
		start_backoff(r); /* a majority refused: no need to wait */
		return;
	}
	if (raft_now(r) < r->state_deadline_ns)
		return;
	if (r->backing_off)
		become_candidate(r);
	else
		start_backoff(r);
}

static void check_quorum(struct raft *r)
{
	if (!r->cfg->check_quorum || raft_now(r) < r->check_quorum_deadline_ns)
		return;
	env_log(r->env, ENV_LOG_WARN,
	        "raft: no majority fetched within %d ms: resigning (KAFKA-15489)",
	        r->cfg->fetch_timeout_ms * RAFT_CHECK_QUORUM_NUM / RAFT_CHECK_QUORUM_DEN);
	raft_become_resigned(r);
}

/* A voter fetched: once a majority did (self included), the check-quorum
 * timer starts over. */
void raft_leader_fetched(struct raft *r, struct raft_peer *p)
{
	r->fetched_mask |= 1ll << (p - r->peers + 1);
	int32_t n = 1;
	for (int32_t i = 0; i < r->npeers; i++)
		n += r->peers[i].voter && (r->fetched_mask >> (i + 1)) & 1;
	if (n >= raft_majority(r)) {
		r->fetched_mask = 0;
		r->check_quorum_deadline_ns =
		    raft_now(r) + (int64_t)r->cfg->fetch_timeout_ms * RAFT_CHECK_QUORUM_NUM /
		                      RAFT_CHECK_QUORUM_DEN * RAFT_NS_PER_MS;
	}
}

static void state_poll(struct raft *r)
{
	bool due = raft_now(r) >= r->state_deadline_ns;
	switch (r->role) {
	case RAFT_UNATTACHED:
	case RAFT_VOTED:
	case RAFT_RESIGNED:
		if (due && r->voter)
			become_candidate(r);
		else if (due) /* an observer picks another voter to ask */
			raft_set_state_deadline(r, r->cfg->fetch_timeout_ms);
		break;
	case RAFT_CANDIDATE:
		candidate_poll(r);
		break;
	case RAFT_FOLLOWER:
		if (!due)
			break;
		if (r->voter)
			become_candidate(r);
		else
			raft_become_unattached(r, r->epoch);
		break;
	case RAFT_LEADER:
		if (r->nvoters == 1)
			r->check_quorum_deadline_ns = raft_now(r) + INT64_MAX / 4;
		check_quorum(r);
		break;
	}
}

static int64_t next_deadline(const struct raft *r)
{
	int64_t t = raft_net_next_deadline(r);
	if (r->role != RAFT_LEADER && r->state_deadline_ns < t)
		t = r->state_deadline_ns;
	if (r->role == RAFT_LEADER) {
		if (r->cfg->check_quorum && r->check_quorum_deadline_ns < t)
			t = r->check_quorum_deadline_ns;
		if (r->pending_count && !r->io_busy && r->linger_deadline_ns < t)
			t = r->linger_deadline_ns;
	}
	return t;
}

static void on_timer(struct env_timer *t)
{
	struct raft *r = t->data;
	r->timer_at_ns = INT64_MAX;
	raft_poll(r);
}

static void poll_once(struct raft *r)
{
	raft_net_expire(r);
	state_poll(r);
	switch (r->role) {
	case RAFT_CANDIDATE:
		if (!r->backing_off)
			raft_send_votes(r);
		break;
	case RAFT_LEADER:
		raft_leader_poll(r);
		raft_send_epoch_notices(r);
		break;
	case RAFT_RESIGNED:
		raft_send_epoch_notices(r);
		break;
	case RAFT_FOLLOWER:
		raft_send_fetch(r);
		break;
	case RAFT_UNATTACHED:
	case RAFT_VOTED:
		if (!r->voter)
			raft_send_fetch(r);
		break;
	}
	raft_answer_parked(r, false);
	raft_deliver_committed(r);
	raft_flush_replies(r);
}

void raft_poll(struct raft *r)
{
	if (r->freeing || !r->log_ready || r->log_failed)
		return;
	if (r->in_poll) {
		r->poll_again = true;
		return;
	}
	r->in_poll = true;
	do {
		r->poll_again = false;
		poll_once(r);
	} while (r->poll_again);
	r->in_poll = false;
	int64_t t = next_deadline(r);
	if (t != INT64_MAX && t != r->timer_at_ns) {
		int64_t delay = t - raft_now(r);
		env_timer_start(r->env, &r->timer, delay > 0 ? delay : 0, on_timer);
		r->timer_at_ns = t;
	}
}

/* Kafka's QuorumState.initialize: the state the stored election implies. */
static void restore_state(struct raft *r)
{
	if (r->leader == r->id && r->voter) {
		/* A leader that restarts may have lost its unflushed tail: it
		 * never leads this epoch again (KAFKA-10527). */
		r->role = RAFT_RESIGNED;
		raft_set_state_deadline(r, raft_election_timeout_ms(r));
	} else if (r->leader >= 0) {
		r->role = RAFT_FOLLOWER;
		raft_set_state_deadline(r, r->cfg->fetch_timeout_ms);
	} else if (r->voted == r->id && r->voter) {
		r->role = RAFT_CANDIDATE;
		raft_set_state_deadline(r, raft_election_timeout_ms(r));
	} else if (r->voted >= 0) {
		r->role = RAFT_VOTED;
		raft_set_state_deadline(r, raft_election_timeout_ms(r));
	} else {
		r->role = RAFT_UNATTACHED;
		raft_set_state_deadline(r, r->voter ? raft_election_timeout_ms(r)
		                                    : r->cfg->fetch_timeout_ms);
	}
	reset_epoch_state(r);
}

struct raft *raft_new(struct env *env, const struct raft_config *cfg)
{
	struct raft *r = env_calloc(env, 1, sizeof *r);
	r->env = env;
	r->cfg = cfg;
	r->id = cfg->node_id;
	r->leader = -1;
	r->voted = -1;
	r->hw = -1;
	r->timer.data = r;
	r->timer_at_ns = INT64_MAX;
	for (int32_t i = 0; i < cfg->voter_count && i < RAFT_MAX_VOTERS; i++) {
		r->nvoters++;
		if (cfg->voters[i].id == r->id) {
			r->voter = true;
			continue;
		}
		struct raft_peer *p = &r->peers[r->npeers++];
		p->r = r;
		p->id = cfg->voters[i].id;
		p->host = cfg->voters[i].host;
		p->voter = true;
	}
	char dir[256];
	snprintf(dir, sizeof dir, "%s/%s-0", cfg->dir, KP_RAFT_TOPIC);
	env_mkdirs(env, dir);
	bool bad;
	raft_store_load(r, &bad);
	if (bad)
		r->log_failed = true; /* Kafka refuses to start on a bad file */
	restore_state(r);
	raft_net_start(r);
	raft_data_open(r);
	return r;
}

void raft_free(struct raft *r)
{
	r->freeing = true;
	env_timer_stop(r->env, &r->timer);
	raft_net_stop(r);
	wire_scratch_free(r->env, &r->scratch);
	env_free(r->env, r->pending);
	r->pending = NULL;
	raft_release(r);
}

/* Frees a raft being freed once no disk request of its own is in flight
 * (their callbacks would find it gone); called again by each completion. */
void raft_release(struct raft *r)
{
	if (!r->freeing || r->store_reqs || r->io_busy || r->opening)
		return;
	if (r->store_file)
		env_file_close(r->store_file);
	if (r->log)
		log_close(r->log);
	env_free(r->env, r);
}

enum raft_role raft_role(const struct raft *r)
{
	return r->role;
}

int32_t raft_epoch(const struct raft *r)
{
	return r->epoch;
}

int32_t raft_leader_id(const struct raft *r)
{
	return r->leader;
}

int32_t raft_voted_id(const struct raft *r)
{
	return r->voted;
}

int64_t raft_high_watermark(const struct raft *r)
{
	return r->hw;
}

int64_t raft_flushed_end(const struct raft *r)
{
	return r->flushed_end;
}

bool raft_is_voter(const struct raft *r)
{
	return r->voter;
}

bool raft_ready(const struct raft *r)
{
	return r->log_ready && !r->log_failed;
}
