/*
 * Produce and Fetch: the broker's data path, as Kafka's ReplicaManager
 * serves it — appends to the partition leader's log, answered when the
 * appends complete; fetches answered from the log up to the high watermark,
 * or held ("delayed fetch", DelayedFetch in Kafka) until fetch.min.bytes
 * are there or fetch.max.wait.ms has passed.
 */
#include "broker/kafka/brk_impl.h"
#include "broker/kafka/brk_append.h"

#include <string.h>

#include "broker/kp/kp_error.h"
#include "sim/mutant.h"

/* ---- Produce -------------------------------------------------------------------- */

/*
 * A Produce request in progress. With acks=all it waits, after its appends,
 * until the high watermark passes each partition's last appended offset
 * (Kafka's DelayedProduce), or its timeout_ms runs out (REQUEST_TIMED_OUT).
 */
struct part_append {
	struct log_req lreq;
	struct brk_delayed_produce *op;
	struct brk_part *p;
	struct kp_produce_partition_response *out;
	int64_t base, last;  /* what the append got (lreq is reused by the flush) */
	int64_t required;    /* acks=all: the high watermark to reach */
	bool waiting;
};

struct brk_delayed_produce {
	struct brk_delayed_produce *next; /* the broker's waiting list */
	struct brk_broker *b;
	struct brk_req *r;   /* NULL once dropped (acks=0) */
	int16_t acks;
	int32_t timeout_ms;
	int32_t outstanding; /* appends not yet durable */
	int32_t waiting;     /* appends waiting for the ISR */
	int32_t n_apps;
	bool listed;
	struct env_timer timer;
	struct kp_response resp;
	struct kp_produce_topic_response *topics;
	struct kp_produce_partition_response *parts;
	struct part_append *apps;
	brk_append_cb done; /* an internal append (brk_append_committed) */
	void *done_arg;
};

static int16_t log_error_to_kafka(int status)
{
	switch (status) {
	case LOG_OK:
	case LOG_DUPLICATE: return KP_ERR_NONE;
	case LOG_ECORRUPT: return KP_ERR_CORRUPT_MESSAGE;
	case LOG_ETOO_LARGE: return KP_ERR_MESSAGE_TOO_LARGE;
	case LOG_EOUT_OF_ORDER: return KP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
	case LOG_EFENCED: return KP_ERR_INVALID_PRODUCER_EPOCH;
	case LOG_EIO:
	case LOG_EOFFLINE: return KP_ERR_KAFKA_STORAGE_ERROR;
	case LOG_EINVAL: return KP_ERR_INVALID_RECORD;
	}
	return KP_ERR_UNKNOWN_SERVER_ERROR;
}

static void produce_unlist(struct brk_delayed_produce *op)
{
	if (!op->listed)
		return;
	struct brk_delayed_produce **pp = &op->b->produces;
	while (*pp != op)
		pp = &(*pp)->next;
	*pp = op->next;
	op->listed = false;
	env_timer_stop(op->b->env, &op->timer);
}

static void produce_finish(struct brk_delayed_produce *op)
{
	struct env *env = op->b->env;
	produce_unlist(op);
	if (op->r)
		brk_front_respond(op->r, &op->resp);
	if (op->done)
		op->done(op->done_arg, op->parts[0].error_code, op->parts[0].base_offset);
	env_free(env, op->topics);
	env_free(env, op->parts);
	env_free(env, op->apps);
	env_free(env, op);
}

static void produce_timed_out(struct env_timer *t)
{
	struct brk_delayed_produce *op = t->data;
	for (int32_t i = 0; i < op->n_apps; i++)
		if (op->apps[i].waiting) {
			op->apps[i].waiting = false;
			op->apps[i].out->error_code = KP_ERR_REQUEST_TIMED_OUT;
		}
	op->listed = true; /* the timer has fired; unlist without stopping it again */
	produce_finish(op);
}

/* An acks=all append looks at its partition: done when the high watermark
 * passed it, failed when the partition stopped being led here. */
static void check_waiting(struct part_append *a)
{
	struct brk_part *p = a->p;
	struct brk_delayed_produce *op = a->op;
	if (!a->waiting)
		return;
	if (!p->ps.leader) {
		a->out->error_code = KP_ERR_NOT_LEADER_OR_FOLLOWER;
	} else if (p->ps.hw >= a->required) {
		/* Kafka's checkEnoughReplicasReachOffset: replicated, but the ISR
		 * may have shrunk below min.insync.replicas meanwhile. Since 2.7 it
		 * counts the maximal ISR: a replica being removed still counts
		 * (before, the ISR: legacy_acks_isr). */
		if (brk_pstate_acks_isr_size(&p->ps) < p->min_isr &&
		    !KSIM_MUTANT_IS("min-insync")) {
			env_mark(p->b->env, "not-enough-replicas-after-append");
			a->out->error_code = KP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND;
		}
	} else {
		return;
	}
	a->waiting = false;
	op->waiting--;
}

static void produce_maybe_finish(struct brk_delayed_produce *op)
{
	if (op->outstanding)
		return;
	if (!op->waiting) {
		produce_finish(op);
		return;
	}
	if (op->listed)
		return;
	op->listed = true;
	op->next = op->b->produces;
	op->b->produces = op;
	op->timer.data = op;
	env_timer_start(op->b->env, &op->timer, (int64_t)op->timeout_ms * 1000000,
			produce_timed_out);
}

void brk_produce_wake(struct brk_broker *b, struct brk_part *p)
{
	for (struct brk_delayed_produce *op = b->produces, *next; op; op = next) {
		next = op->next;
		for (int32_t i = 0; i < op->n_apps; i++)
			if (op->apps[i].p == p)
				check_waiting(&op->apps[i]);
		if (!op->waiting)
			produce_finish(op);
	}
}

void brk_produce_abort(struct brk_broker *b, struct brk_part *p)
{
	brk_produce_wake(b, p); /* p is no longer leader: its waiters fail */
}

static void append_durable(struct log_req *lreq, int status)
{
	struct part_append *a = lreq->data;
	struct brk_delayed_produce *op = a->op;
	if (status)
		a->out->error_code = log_error_to_kafka(status);
	else if (op->acks == -1) {
		a->required = a->last + 1;
		a->waiting = true;
		op->waiting++;
		check_waiting(a);
	}
	op->outstanding--;
	produce_maybe_finish(op);
}

static void append_done(struct log_req *lreq, int status)
{
	struct part_append *a = lreq->data;
	struct brk_delayed_produce *op = a->op;
	a->out->error_code = log_error_to_kafka(status);
	if (status == LOG_DUPLICATE)
		env_mark(op->b->env, "dedup-duplicate");
	if (status == LOG_OK || status == LOG_DUPLICATE) {
		a->base = lreq->base_offset;
		a->last = lreq->last_offset;
		a->out->base_offset = a->base;
		a->out->log_start_offset = log_start_offset(a->p->log);
	}
	if (status == LOG_OK) {
		brk_leader_appended(a->p); /* an ISR of one commits at once */
		brk_fetch_wake(op->b, a->p, BRK_WAKE_FOLLOWERS);       /* followers waiting for data */
	}
	if (status == LOG_OK || status == LOG_DUPLICATE) {
		brk_after_flush(a->p, lreq, append_durable);
		return;
	}
	op->outstanding--;
	produce_maybe_finish(op);
}

void brk_after_flush(struct brk_part *p, struct log_req *req, log_req_cb cb)
{
	/* An append that reached log.flush.interval.messages queued a flush
	 * right behind it; a flush of ours completes after it. */
	if (p->lcfg.flush_interval_messages == LOG_NEVER || log_idle(p->log)) {
		cb(req, LOG_OK);
		return;
	}
	if (log_flush(p->log, req, cb))
		cb(req, LOG_EIO);
}

/* Starts one partition's append, or answers it with an error at once. */
static void produce_partition(struct brk_delayed_produce *op, struct part_append *a,
			      const struct kp_str *topic, const struct kp_produce_partition *pp)
{
	struct brk_broker *b = op->b;
	a->op = op;
	a->out->index = pp->index;
	a->out->base_offset = -1;
	a->out->log_append_time_ms = -1;
	a->out->log_start_offset = -1;
	struct brk_part *p = brk_part_find(b, topic->ptr, (size_t)topic->len, pp->index);
	if (!p) {
		a->out->error_code = brk_topic_known(b, topic->ptr, (size_t)topic->len)
					     ? KP_ERR_NOT_LEADER_OR_FOLLOWER
					     : KP_ERR_UNKNOWN_TOPIC_OR_PARTITION;
		return;
	}
	if (!p->ps.leader || !p->open) {
		a->out->error_code = KP_ERR_NOT_LEADER_OR_FOLLOWER;
		return;
	}
	if (pp->records.len <= 0) {
		a->out->error_code = KP_ERR_INVALID_RECORD;
		return;
	}
	/* Kafka refuses before appending when the ISR is too small. */
	if (op->acks == -1 && brk_pstate_isr_size(&p->ps) < p->min_isr &&
	    !KSIM_MUTANT_IS("min-insync")) {
		env_mark(b->env, "not-enough-replicas");
		a->out->error_code = KP_ERR_NOT_ENOUGH_REPLICAS;
		return;
	}
	a->p = p;
	a->lreq.data = a;
	int rc = log_append_leader(p->log, &a->lreq, pp->records.ptr, (size_t)pp->records.len,
				   p->ps.leader_epoch, append_done);
	if (rc) {
		a->out->error_code = log_error_to_kafka(rc);
		return;
	}
	op->outstanding++;
}

void brk_handle_produce(struct brk_broker *b, struct brk_req *r)
{
	const struct kp_produce_request *req = &r->req.body.produce;
	struct brk_delayed_produce *op = env_calloc(b->env, 1, sizeof *op);
	op->b = b;
	op->r = r;
	op->acks = req->acks;
	op->timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : 0;
	int32_t n = 0;
	for (int32_t t = 0; t < req->topic_count; t++)
		n += req->topics[t].partition_count;
	op->n_apps = n;
	op->topics = env_calloc(b->env, (size_t)req->topic_count + 1, sizeof *op->topics);
	op->parts = env_calloc(b->env, (size_t)n + 1, sizeof *op->parts);
	op->apps = env_calloc(b->env, (size_t)n + 1, sizeof *op->apps);
	op->resp.body.produce.topics = op->topics;
	op->resp.body.produce.topic_count = req->topic_count;
	op->outstanding = 1; /* held until every append is submitted */
	int32_t k = 0;
	for (int32_t t = 0; t < req->topic_count; t++) {
		const struct kp_produce_topic *pt = &req->topics[t];
		op->topics[t].name = pt->name;
		op->topics[t].partitions = &op->parts[k];
		op->topics[t].partition_count = pt->partition_count;
		for (int32_t i = 0; i < pt->partition_count; i++, k++) {
			op->apps[k].out = &op->parts[k];
			produce_partition(op, &op->apps[k], &pt->name, &pt->partitions[i]);
		}
	}
	if (req->acks == 0) {
		/* No answer is expected; the appends still run. As Kafka's
		 * handleProduceRequest: a partition refused (not the leader, too
		 * few replicas, ...) closes the connection instead, the only way
		 * an acks=0 producer can learn of it: it reconnects and refreshes
		 * its metadata. */
		int32_t refused = 0;
		int16_t first_err = KP_ERR_NONE;
		for (int32_t i = 0; i < n; i++) {
			refused += op->parts[i].error_code != KP_ERR_NONE;
			if (!first_err)
				first_err = op->parts[i].error_code;
		}
		if (refused && !KSIM_MUTANT_IS("acks0-close")) {
			env_mark(b->env, "acks0-close");
			env_event(b->env, "produce",
				  "broker %d closes the connection from %s: %d partition(s) of an "
				  "acks=0 produce refused (%s)",
				  b->cfg->broker_id, r->peer, refused, kp_error_name(first_err));
			brk_front_reject(r);
		} else {
			brk_front_drop(r);
		}
		op->r = NULL;
	}
	op->outstanding--;
	produce_maybe_finish(op);
}

int16_t brk_append_committed(struct brk_broker *b, const char *topic, int32_t partition,
			     const uint8_t *batch, size_t len, int32_t timeout_ms,
			     brk_append_cb cb, void *arg)
{
	struct brk_delayed_produce *op = env_calloc(b->env, 1, sizeof *op);
	op->b = b;
	op->acks = -1;
	op->timeout_ms = timeout_ms;
	op->n_apps = 1;
	op->topics = env_calloc(b->env, 1, sizeof *op->topics);
	op->parts = env_calloc(b->env, 1, sizeof *op->parts);
	op->apps = env_calloc(b->env, 1, sizeof *op->apps);
	op->apps[0].out = &op->parts[0];
	struct kp_str name = {topic, (int32_t)strlen(topic)};
	struct kp_produce_partition pp = {partition, {batch, (int32_t)len}};
	produce_partition(op, &op->apps[0], &name, &pp);
	if (!op->outstanding) {
		/* Refused before the append: answered here, the callback never fires. */
		int16_t err = op->parts[0].error_code;
		env_free(b->env, op->topics);
		env_free(b->env, op->parts);
		env_free(b->env, op->apps);
		env_free(b->env, op);
		return err ? err : KP_ERR_UNKNOWN_SERVER_ERROR;
	}
	op->done = cb;
	op->done_arg = arg;
	produce_maybe_finish(op);
	return KP_ERR_NONE;
}

/* ---- Fetch ----------------------------------------------------------------------------- */

struct brk_delayed_fetch {
	struct brk_delayed_fetch *next;
	struct brk_req *r;
	int64_t deadline_ns; /* fetch.max.wait.ms after it arrived */
};

/*
 * Reads every requested partition. Answers and returns true when the data
 * reaches fetch.min.bytes, when a partition has an error to report, or when
 * `final` (the wait is over); otherwise releases what it read and returns
 * false.
 */
static bool try_fetch(struct brk_broker *b, struct brk_req *r, bool final)
{
	const struct kp_fetch_request *req = &r->req.body.fetch;
	int32_t n = 0;
	for (int32_t t = 0; t < req->topic_count; t++)
		n += req->topics[t].partition_count;
	/* Fetches name a few partitions: those fit on the stack. */
	enum { SMALL = 8 };
	struct kp_fetch_topic_response small_topics[SMALL];
	struct kp_fetch_partition_response small_parts[SMALL];
	struct log_read small_reads[SMALL];
	struct brk_part *small_owners[SMALL];
	bool small = req->topic_count < SMALL && n < SMALL;
	struct kp_fetch_topic_response *topics =
		small ? small_topics
		      : env_alloc(b->env, ((size_t)req->topic_count + 1) * sizeof *topics);
	struct kp_fetch_partition_response *parts =
		small ? small_parts : env_alloc(b->env, ((size_t)n + 1) * sizeof *parts);
	struct log_read *reads =
		small ? small_reads : env_alloc(b->env, ((size_t)n + 1) * sizeof *reads);
	struct brk_part **owners =
		small ? small_owners : env_alloc(b->env, ((size_t)n + 1) * sizeof *owners);
	memset(topics, 0, ((size_t)req->topic_count + 1) * sizeof *topics);
	memset(parts, 0, ((size_t)n + 1) * sizeof *parts);
	memset(reads, 0, ((size_t)n + 1) * sizeof *reads);
	memset(owners, 0, ((size_t)n + 1) * sizeof *owners);
	int64_t total = 0;
	bool errors = false;
	int32_t k = 0;
	for (int32_t t = 0; t < req->topic_count; t++) {
		const struct kp_fetch_topic *ft = &req->topics[t];
		topics[t].topic = ft->topic;
		topics[t].partitions = &parts[k];
		topics[t].partition_count = ft->partition_count;
		for (int32_t i = 0; i < ft->partition_count; i++, k++) {
			const struct kp_fetch_partition *fp = &ft->partitions[i];
			struct kp_fetch_partition_response *out = &parts[k];
			out->partition_index = fp->partition;
			out->high_watermark = -1;
			out->last_stable_offset = -1;
			out->log_start_offset = -1;
			out->preferred_read_replica = -1;
			out->aborted_count = 0; /* an empty list: no transactions here */
			out->records = (struct kp_bytes){NULL, 0};
			struct brk_part *p = brk_part_find(b, ft->topic.ptr, (size_t)ft->topic.len,
							   fp->partition);
			int16_t fenced = p ? brk_check_leader_epoch(p, fp->current_leader_epoch) : 0;
			if (p && p->ps.leader && fenced) {
				out->error_code = fenced;
				errors = true;
				continue;
			}
			if (!p || !p->ps.leader || !p->open) {
				out->error_code = p || brk_topic_known(b, ft->topic.ptr,
								       (size_t)ft->topic.len)
							  ? KP_ERR_NOT_LEADER_OR_FOLLOWER
							  : KP_ERR_UNKNOWN_TOPIC_OR_PARTITION;
				errors = true;
				continue;
			}
			out->high_watermark = p->ps.hw;
			out->last_stable_offset = p->ps.hw;
			out->log_start_offset = log_start_offset(p->log);
			/* Followers read up to the log end, consumers up to the HW. */
			int64_t bound = req->replica_id >= 0 ? log_end_offset(p->log) : p->ps.hw;
			int rc = log_read(p->log, fp->fetch_offset, (size_t)fp->partition_max_bytes,
					  bound, &reads[k]);
			if (rc == LOG_EOUT_OF_RANGE) {
				out->error_code = KP_ERR_OFFSET_OUT_OF_RANGE;
				errors = true;
			} else if (rc) {
				out->error_code = KP_ERR_KAFKA_STORAGE_ERROR;
				errors = true;
			} else {
				owners[k] = p;
				out->records = (struct kp_bytes){reads[k].data, (int32_t)reads[k].len};
				total += (int64_t)reads[k].len;
			}
		}
	}
	bool answer = final || errors || total >= req->min_bytes;
	if (answer) {
		struct kp_response resp;
		memset(&resp, 0, sizeof resp);
		resp.body.fetch.topics = topics;
		resp.body.fetch.topic_count = req->topic_count;
		brk_front_respond(r, &resp);
	}
	for (int32_t i = 0; i < n; i++)
		if (owners[i])
			log_read_free(owners[i]->log, &reads[i]);
	if (!small) {
		env_free(b->env, owners);
		env_free(b->env, reads);
		env_free(b->env, parts);
		env_free(b->env, topics);
	}
	return answer;
}

static void delayed_remove(struct brk_broker *b, struct brk_delayed_fetch *d)
{
	struct brk_delayed_fetch **pp = &b->fetches;
	while (*pp != d)
		pp = &(*pp)->next;
	*pp = d->next;
	env_free(b->env, d);
}

static void expiry_cb(struct env_timer *t);

static void expiry_arm(struct brk_broker *b, int64_t at_ns)
{
	int64_t now = env_now_ns(b->env);
	b->fetch_expiry.data = b;
	b->fetch_expiry_at = at_ns;
	env_timer_start(b->env, &b->fetch_expiry, at_ns > now ? at_ns - now : 0, expiry_cb);
}

/* Answers the fetches whose wait is over with what there is, then sleeps
 * until the next deadline. A fetch answered early leaves the timer alone:
 * most are, a few milliseconds after they arrive. */
static void expiry_cb(struct env_timer *t)
{
	struct brk_broker *b = t->data;
	int64_t now = env_now_ns(b->env), next = INT64_MAX;
	for (struct brk_delayed_fetch *d = b->fetches, *n; d; d = n) {
		n = d->next;
		if (d->deadline_ns <= now) {
			try_fetch(b, d->r, true);
			delayed_remove(b, d);
		} else if (d->deadline_ns < next) {
			next = d->deadline_ns;
		}
	}
	if (next != INT64_MAX)
		expiry_arm(b, next);
}

/* A follower's fetch tells the leader how far the follower's log goes. */
static void note_follower(struct brk_broker *b, const struct kp_fetch_request *req)
{
	for (int32_t t = 0; t < req->topic_count; t++) {
		const struct kp_fetch_topic *ft = &req->topics[t];
		for (int32_t i = 0; i < ft->partition_count; i++) {
			const struct kp_fetch_partition *fp = &ft->partitions[i];
			struct brk_part *p = brk_part_find(b, ft->topic.ptr, (size_t)ft->topic.len,
							   fp->partition);
			if (p && p->ps.leader && p->open &&
			    !brk_check_leader_epoch(p, fp->current_leader_epoch) &&
			    fp->fetch_offset <= log_end_offset(p->log))
				brk_leader_follower_fetched(p, req->replica_id, fp->fetch_offset);
		}
	}
}

void brk_handle_fetch(struct brk_broker *b, struct brk_req *r)
{
	const struct kp_fetch_request *req = &r->req.body.fetch;
	if (req->replica_id >= 0)
		note_follower(b, req);
	if (try_fetch(b, r, req->max_wait_ms <= 0))
		return;
	struct brk_delayed_fetch *d = env_calloc(b->env, 1, sizeof *d);
	d->r = r;
	d->deadline_ns = env_now_ns(b->env) + (int64_t)req->max_wait_ms * 1000000;
	d->next = b->fetches;
	b->fetches = d;
	if (!env_timer_active(&b->fetch_expiry) || b->fetch_expiry_at > d->deadline_ns)
		expiry_arm(b, d->deadline_ns);
}

static bool fetch_wants(const struct brk_req *r, const struct brk_part *p)
{
	const struct kp_fetch_request *req = &r->req.body.fetch;
	for (int32_t t = 0; t < req->topic_count; t++) {
		const struct kp_fetch_topic *ft = &req->topics[t];
		if ((size_t)ft->topic.len != p->topic_len ||
		    memcmp(ft->topic.ptr, p->topic, (size_t)ft->topic.len) != 0)
			continue;
		for (int32_t i = 0; i < ft->partition_count; i++)
			if (ft->partitions[i].partition == p->partition)
				return true;
	}
	return false;
}

void brk_fetch_wake(struct brk_broker *b, struct brk_part *p, enum brk_wake who)
{
	for (struct brk_delayed_fetch *d = b->fetches, *next; d; d = next) {
		next = d->next;
		bool follower = d->r->req.body.fetch.replica_id >= 0;
		if (!(who & (follower ? BRK_WAKE_FOLLOWERS : BRK_WAKE_CONSUMERS)))
			continue;
		if (fetch_wants(d->r, p) && try_fetch(b, d->r, false))
			delayed_remove(b, d);
	}
}
