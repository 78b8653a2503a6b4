/*
 * The follower's side of replication, as Kafka's ReplicaFetcherThread runs
 * it: one fetcher per leader broker, one connection to it, and one request
 * at a time covering every partition this broker follows there.
 *
 * A partition joins its fetcher in the TRUNCATE state: before fetching, the
 * follower asks the leader (OffsetsForLeaderEpoch) where the leader's log
 * ends for the follower's latest leader epoch, and truncates its own log
 * where the two diverge (KIP-101, iterated as KIP-279 fixed it). The
 * inter.broker.protocol.version switch restores the older rules to
 * reproduce historical bugs: before 0.11 a follower truncates to its high
 * watermark (KAFKA-1211), from 0.11 to 1.1 it takes the leader's answer in
 * one round without matching epochs (KAFKA-6361).
 *
 * Fetched batches are appended with their offsets and epochs; the next
 * fetch goes out once every append (and, with log.flush.interval.messages,
 * the flush it triggered) has completed. The follower's high watermark is
 * the leader's, bounded by its own log end offset.
 *
 * Fetchers live in the broker's heap; each owns its connection. A
 * partition points at its fetcher while it follows.
 */
#include "broker/kafka/brk_impl.h"

#include <stdio.h>
#include <string.h>

#include "broker/client/kc_conn.h"
#include "broker/kp/kp_error.h"
#include "sim/mutant.h"

#define FETCH_MAX_BYTES (10 * 1024 * 1024) /* replica.fetch.response.max.bytes */
#define PARTITION_MAX_BYTES (1024 * 1024)  /* replica.fetch.max.bytes */
#define BACKOFF_NS (1000 * 1000000LL)       /* replica.fetch.backoff.ms */

struct brk_fetcher {
	struct brk_broker *b;
	struct brk_fetcher *next;
	int32_t leader_id;
	struct kc_conn *conn;
	bool connecting;
	bool in_flight;
	struct brk_part *parts;   /* linked through fetch_next */
	struct env_timer backoff;
	char client_id[32];
};

static void kick(struct brk_fetcher *f);

enum brk_truncation brk_truncation_rule(const struct brk_broker *b)
{
	if (KSIM_MUTANT_IS("epoch-matching"))
		return BRK_TRUNCATE_HW;
	return (enum brk_truncation)b->cfg->legacy_truncation;
}

static void backoff_cb(struct env_timer *t)
{
	kick(t->data);
}

static void back_off(struct brk_fetcher *f)
{
	if (!env_timer_active(&f->backoff))
		env_timer_start(f->b->env, &f->backoff, BACKOFF_NS, backoff_cb);
}

static struct brk_fetcher *fetcher_for(struct brk_broker *b, int32_t leader_id)
{
	for (struct brk_fetcher *f = b->fetchers; f; f = f->next)
		if (f->leader_id == leader_id)
			return f;
	struct brk_fetcher *f = env_calloc(b->env, 1, sizeof *f);
	f->b = b;
	f->leader_id = leader_id;
	f->backoff.data = f;
	snprintf(f->client_id, sizeof f->client_id, "replica-fetcher-%d", b->cfg->broker_id);
	f->next = b->fetchers;
	b->fetchers = f;
	return f;
}

static void fetcher_free(struct brk_fetcher *f)
{
	struct brk_broker *b = f->b;
	struct brk_fetcher **pp = &b->fetchers;
	while (*pp != f)
		pp = &(*pp)->next;
	*pp = f->next;
	env_timer_stop(b->env, &f->backoff);
	if (f->conn)
		kc_conn_close(f->conn);
	env_free(b->env, f);
}

static void detach(struct brk_part *p)
{
	struct brk_fetcher *f = p->fetcher;
	if (!f)
		return;
	struct brk_part **pp = &f->parts;
	while (*pp && *pp != p)
		pp = &(*pp)->fetch_next;
	if (*pp)
		*pp = p->fetch_next;
	p->fetch_next = NULL;
	p->fetcher = NULL;
	if (!f->parts)
		fetcher_free(f);
}

/* ---- Truncation ------------------------------------------------------------------- */

static bool any_busy(const struct brk_fetcher *f)
{
	for (const struct brk_part *p = f->parts; p; p = p->fetch_next)
		if (p->fop_running)
			return true;
	return false;
}

/* A follower log operation ended: the partition's next state. */
static void op_done(struct brk_part *p, enum brk_fstate next)
{
	p->fop_running = false;
	if (!p->fetcher)
		return; /* unfollowed meanwhile */
	if (p->refollow) {
		p->refollow = false;
		next = BRK_FS_TRUNCATE;
	}
	brk_pstate_set_fetch(&p->ps, next, p->ps.truncate_again);
	if (!any_busy(p->fetcher))
		kick(p->fetcher);
}

/* Starts a log operation with the partition's request; false when the log
 * refused it at once. */
static void op_begin(struct brk_part *p)
{
	brk_pstate_set_fetch(&p->ps, BRK_FS_BUSY, p->ps.truncate_again);
	p->fop_running = true;
	p->freq.data = p;
}

static void op_refused(struct brk_part *p)
{
	p->fop_running = false;
	brk_pstate_set_fetch(&p->ps, BRK_FS_TRUNCATE, p->ps.truncate_again);
	back_off(p->fetcher);
}

static void truncated(struct log_req *req, int status)
{
	struct brk_part *p = req->data;
	brk_pstate_truncated(&p->ps, log_end_offset(p->log));
	/* KIP-279 may need another round (truncate_again). */
	op_done(p, status || p->ps.truncate_again ? BRK_FS_TRUNCATE : BRK_FS_FETCH);
}

/* `mark`: the coverage marker of the rule that cut (counted only when it cuts). */
static void truncate_to(struct brk_part *p, int64_t offset, bool again, const char *why,
			const char *mark)
{
	struct brk_broker *b = p->b;
	int64_t leo = log_end_offset(p->log);
	if (offset < leo) {
		env_mark(b->env, mark);
		env_event(b->env, "truncate",
			  "%s-%d: follower %d truncates its log from offset %lld to %lld (%s)",
			  p->topic, p->partition, b->cfg->broker_id, (long long)leo,
			  (long long)offset, why);
	}
	if (offset > leo)
		offset = leo; /* a no-op the log still completes in order */
	op_begin(p);
	brk_pstate_set_fetch(&p->ps, p->ps.fstate, again);
	if (log_truncate_to(p->log, &p->freq, offset, truncated))
		op_refused(p);
}

/* What to do with the leader's answer (end_offset for leader_epoch). */
static void on_epoch_answer(struct brk_part *p, const struct kp_epoch_end_offset *e)
{
	int64_t leo = log_end_offset(p->log);
	if (e->error_code == KP_ERR_FENCED_LEADER_EPOCH) {
		brk_pstate_set_fetch(&p->ps, BRK_FS_FAILED, false);
		return;
	}
	if (e->error_code != KP_ERR_NONE) {
		back_off(p->fetcher);
		return;
	}
	if (e->end_offset < 0) {
		truncate_to(p, p->ps.hw, false,
			    "the leader knows no such epoch: to the high watermark",
			    "truncate-unknown-epoch");
		return;
	}
	if (brk_truncation_rule(p->b) == BRK_TRUNCATE_KIP101 || e->leader_epoch < 0 ||
	    KSIM_MUTANT_IS("kip279")) {
		/* KIP-101 as first shipped: the leader's end offset for our latest
		 * epoch, whatever epoch it answered with. */
		truncate_to(p, e->end_offset < leo ? e->end_offset : leo, false,
			    "the leader's end offset for our latest epoch (KIP-101)",
			    "truncate-kip101-one-round");
		return;
	}
	int32_t fe;
	int64_t fo;
	log_epoch_end_offset(log_epochs(p->log), e->leader_epoch, leo, &fe, &fo);
	if (fo < 0)
		fo = leo;
	if (fe != e->leader_epoch) {
		/* We never had the leader's epoch: cut back to where our epochs
		 * after it begin, and ask again about our earlier one (KIP-279). */
		truncate_to(p, fo < leo ? fo : leo, true,
			    "epochs the leader never had (KIP-279, another round)",
			    "truncate-kip279-round");
		return;
	}
	int64_t to = fo < e->end_offset ? fo : e->end_offset;
	char why[96];
	snprintf(why, sizeof why, "where epoch %d ends on leader %d", e->leader_epoch,
		 p->ps.leader_id);
	truncate_to(p, to < leo ? to : leo, false, why, "truncate-by-epoch");
}

static void on_epochs(void *arg, int status, const struct kp_response *resp)
{
	struct brk_fetcher *f = arg;
	f->in_flight = false;
	if (status != KC_OK) {
		back_off(f);
		return;
	}
	const struct kp_offsets_for_leader_epoch_response *r = &resp->body.offsets_for_leader_epoch;
	for (int32_t t = 0; t < r->topic_count; t++)
		for (int32_t i = 0; i < r->topics[t].partition_count; i++) {
			const struct kp_epoch_end_offset *e = &r->topics[t].partitions[i];
			struct brk_part *p = brk_part_find(f->b, r->topics[t].topic.ptr,
							   (size_t)r->topics[t].topic.len, e->partition);
			if (p && p->fetcher == f && p->ps.fstate == BRK_FS_TRUNCATE && p->open &&
			    p->ps.sent_epoch == p->ps.leader_epoch)
				on_epoch_answer(p, e);
		}
	kick(f);
}

/* Truncations that need no word from the leader: an empty epoch cache, or
 * the pre-0.11 rule, which cut the log to the follower's own high watermark
 * as soon as it became a follower. */
static void local_truncations(struct brk_fetcher *f)
{
	for (struct brk_part *p = f->parts; p; p = p->fetch_next) {
		if (p->ps.fstate != BRK_FS_TRUNCATE || !p->open || p->fop_running)
			continue;
		if (brk_truncation_rule(f->b) == BRK_TRUNCATE_HW)
			truncate_to(p, p->ps.hw, false, "to its high watermark (before KIP-101)",
				    "truncate-to-hw");
		else if (log_epoch_latest(log_epochs(p->log)) < 0)
			truncate_to(p, p->ps.hw, false,
				    "no leader epochs yet: to its high watermark", "truncate-no-epochs");
	}
}

static bool send_epochs(struct brk_fetcher *f)
{
	struct brk_broker *b = f->b;
	int32_t n = 0;
	for (struct brk_part *p = f->parts; p; p = p->fetch_next)
		n += p->ps.fstate == BRK_FS_TRUNCATE && p->open;
	if (!n)
		return false;
	struct kp_epoch_topic *topics = env_calloc(b->env, (size_t)n, sizeof *topics);
	struct kp_epoch_partition *parts = env_calloc(b->env, (size_t)n, sizeof *parts);
	int32_t k = 0;
	for (struct brk_part *p = f->parts; p; p = p->fetch_next) {
		if (p->ps.fstate != BRK_FS_TRUNCATE || !p->open)
			continue;
		int32_t latest = log_epoch_latest(log_epochs(p->log));
		if (latest < 0)
			continue; /* local_truncations' */
		brk_pstate_sent(&p->ps);
		parts[k] = (struct kp_epoch_partition){p->partition, p->ps.leader_epoch, latest};
		topics[k] = (struct kp_epoch_topic){{p->topic, (int32_t)strlen(p->topic)},
						    &parts[k], 1};
		k++;
	}
	bool sent = false;
	if (k) {
		struct kp_request req;
		memset(&req, 0, sizeof req);
		req.header.api_key = KP_API_OFFSETS_FOR_LEADER_EPOCH;
		req.header.api_version = KP_OFFSETS_FOR_LEADER_EPOCH_VERSION;
		req.body.offsets_for_leader_epoch =
			(struct kp_offsets_for_leader_epoch_request){b->cfg->broker_id, topics, k};
		sent = kc_conn_send(f->conn, &req, true, on_epochs, f) == 0;
		if (!sent)
			back_off(f);
	}
	env_free(b->env, parts);
	env_free(b->env, topics);
	f->in_flight = sent;
	return true;
}

/* ---- Fetching ------------------------------------------------------------------------- */

static void caught_up(struct log_req *req, int status)
{
	op_done(req->data, status ? BRK_FS_TRUNCATE : BRK_FS_FETCH);
}

static void appended(struct log_req *req, int status)
{
	struct brk_part *p = req->data;
	brk_pstate_follower_hw(&p->ps, p->ps.fetch_hw, log_end_offset(p->log));
	if (status == LOG_OK) {
		brk_after_flush(p, req, caught_up);
		return;
	}
	env_log(p->b->env, ENV_LOG_WARN, "%s-%d: follower append failed: %s", p->topic,
		p->partition, log_strerror(status));
	caught_up(req, status);
}

/*
 * A truncation point inside one of the follower's own batches (possible
 * where its log diverged from the leader's: KIP-101 as first shipped
 * answers the end of an epoch the follower never had) removes that whole
 * batch, so the follower's log end falls below the point, and the leader's
 * batch holding the new log end may begin before it: appending it would
 * not continue the log, and fetching again would meet it again, forever.
 * Kafka keeps its log end at the truncation point (an offset gap below it;
 * LocalLog.truncateTo) and fetches from there, where the leader's batches
 * begin. ksim's log stays dense instead: the follower cuts back to the
 * start of the leader's batch and fetches it whole. Returns true when it
 * did (the answer's records are dropped; the next fetch brings them).
 */
static bool cut_to_leader_batch(struct brk_part *p, const struct kp_fetch_partition_response *d)
{
	struct rb_batch_header h;
	int64_t leo = log_end_offset(p->log);
	if (rb_read_header(d->records.ptr, (size_t)d->records.len, &h) != RB_OK ||
	    h.base_offset >= leo || rb_last_offset(&h) < leo)
		return false;
	truncate_to(p, h.base_offset, false, "to the start of the leader's batch holding its log end",
		    "truncate-to-leader-batch");
	return true;
}

static void on_partition_data(struct brk_fetcher *f, struct brk_part *p,
			      const struct kp_fetch_partition_response *d)
{
	switch (d->error_code) {
	case KP_ERR_NONE:
		break;
	case KP_ERR_OFFSET_OUT_OF_RANGE:
		back_off(f);
		if (log_end_offset(p->log) < d->log_start_offset) {
			/* Behind the leader's log start: start over there. */
			op_begin(p);
			brk_pstate_set_fetch(&p->ps, p->ps.fstate, false);
			if (log_truncate_fully(p->log, &p->freq, d->log_start_offset, truncated))
				op_refused(p);
		} else {
			/* Past the leader's end (Kafka asks the leader for its end
			 * offset; its high watermark, never past that end, stands in). */
			int64_t to = d->high_watermark >= 0 ? d->high_watermark : 0;
			truncate_to(p, to, false, "past the leader's log end",
				    "truncate-past-leader-end");
		}
		return;
	case KP_ERR_FENCED_LEADER_EPOCH:
		brk_pstate_set_fetch(&p->ps, BRK_FS_FAILED, false);
		return;
	default:
		back_off(f);
		return;
	}
	brk_pstate_follower_hw(&p->ps, d->high_watermark, log_end_offset(p->log));
	if (d->records.len <= 0)
		return;
	if (cut_to_leader_batch(p, d))
		return;
	op_begin(p);
	if (log_append_follower(p->log, &p->freq, d->records.ptr, (size_t)d->records.len,
				appended))
		op_refused(p);
}

static void on_fetched(void *arg, int status, const struct kp_response *resp)
{
	struct brk_fetcher *f = arg;
	f->in_flight = false;
	if (status != KC_OK || resp->body.fetch.error_code != KP_ERR_NONE) {
		back_off(f);
		return;
	}
	const struct kp_fetch_response *r = &resp->body.fetch;
	for (int32_t t = 0; t < r->topic_count; t++)
		for (int32_t i = 0; i < r->topics[t].partition_count; i++) {
			const struct kp_fetch_partition_response *d = &r->topics[t].partitions[i];
			struct brk_part *p = brk_part_find(f->b, r->topics[t].topic.ptr,
							   (size_t)r->topics[t].topic.len,
							   d->partition_index);
			/* An answer to a request sent under an older leader epoch
			 * says nothing about the current one. */
			if (p && p->fetcher == f && p->ps.fstate == BRK_FS_FETCH && p->open &&
			    p->ps.sent_epoch == p->ps.leader_epoch)
				on_partition_data(f, p, d);
		}
	if (!any_busy(f) && !env_timer_active(&f->backoff))
		kick(f);
}

static void send_fetch(struct brk_fetcher *f)
{
	struct brk_broker *b = f->b;
	int32_t n = 0;
	for (struct brk_part *p = f->parts; p; p = p->fetch_next)
		n += p->ps.fstate == BRK_FS_FETCH && p->open;
	if (!n)
		return;
	struct kp_fetch_topic *topics = env_calloc(b->env, (size_t)n, sizeof *topics);
	struct kp_fetch_partition *parts = env_calloc(b->env, (size_t)n, sizeof *parts);
	int32_t k = 0;
	for (struct brk_part *p = f->parts; p; p = p->fetch_next) {
		if (p->ps.fstate != BRK_FS_FETCH || !p->open)
			continue;
		brk_pstate_sent(&p->ps);
		parts[k] = (struct kp_fetch_partition){p->partition, p->ps.leader_epoch,
						       log_end_offset(p->log),
						       log_start_offset(p->log), PARTITION_MAX_BYTES};
		topics[k] = (struct kp_fetch_topic){{p->topic, (int32_t)p->topic_len}, &parts[k],
						    1};
		k++;
	}
	struct kp_request req;
	memset(&req, 0, sizeof req);
	req.header.api_key = KP_API_FETCH;
	req.header.api_version = KP_FETCH_VERSION;
	req.body.fetch = (struct kp_fetch_request){
		b->cfg->broker_id, (int32_t)b->cfg->replica_fetch_wait_max_ms, 1, FETCH_MAX_BYTES,
		0, 0, -1, topics, k, NULL, 0, {"", 0}};
	f->in_flight = kc_conn_send(f->conn, &req, true, on_fetched, f) == 0;
	if (!f->in_flight)
		back_off(f);
	env_free(b->env, parts);
	env_free(b->env, topics);
}

/* ---- The loop ------------------------------------------------------------------------------ */

static void on_state(void *arg, struct kc_conn *c, enum kc_state state, int status)
{
	struct brk_fetcher *f = arg;
	f->connecting = false;
	if (state == KC_READY) {
		kick(f);
		return;
	}
	f->conn = NULL;
	f->in_flight = false;
	back_off(f);
}

static void kick(struct brk_fetcher *f)
{
	struct brk_broker *b = f->b;
	local_truncations(f);
	if (f->in_flight || f->connecting || any_busy(f) || env_timer_active(&f->backoff))
		return;
	if (!f->conn) {
		const struct brk_peer *peer = brk_peer_find(b, f->leader_id);
		if (!peer) {
			back_off(f);
			return;
		}
		struct kc_conn_config cc;
		kc_conn_config_default(&cc);
		cc.client_id = f->client_id;
		f->conn = kc_conn_open(b->env, peer->host, peer->port, &cc, on_state, f);
		f->connecting = f->conn != NULL;
		if (!f->conn)
			back_off(f);
		return;
	}
	if (send_epochs(f))
		return;
	send_fetch(f);
}

void brk_follow(struct brk_part *p)
{
	struct brk_broker *b = p->b;
	if (p->fetcher && p->fetcher->leader_id != p->ps.leader_id)
		detach(p);
	if (p->ps.leader_id < 0 || p->ps.leader_id == b->cfg->broker_id) {
		detach(p);
		brk_pstate_set_fetch(&p->ps, BRK_FS_NONE, false);
		return;
	}
	struct brk_fetcher *f = fetcher_for(b, p->ps.leader_id);
	if (!p->fetcher) {
		p->fetcher = f;
		p->fetch_next = f->parts;
		f->parts = p;
	}
	if (p->fop_running) {
		/* A log operation is running: it lands in TRUNCATE when done. */
		brk_pstate_set_fetch(&p->ps, BRK_FS_BUSY, p->ps.truncate_again);
		p->refollow = true;
	} else {
		brk_pstate_set_fetch(&p->ps, BRK_FS_TRUNCATE, p->ps.truncate_again);
	}
	kick(f);
}

void brk_unfollow(struct brk_part *p)
{
	detach(p);
	brk_pstate_set_fetch(&p->ps, BRK_FS_NONE, false);
}
