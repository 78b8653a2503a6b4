#include "broker/client/kc_producer.h"

#include <string.h>

#include "broker/client/kc_partitioner.h"
#include "broker/codec/wire_scratch.h"
#include "broker/kp/kp_error.h"
#include "broker/log/record_batch.h"

struct rec {
	uint64_t id;
	uint8_t *key; /* NULL: null key */
	size_t key_len;
	uint8_t *value;
	size_t value_len;
	int64_t wall_ms;
};

struct batch {
	struct batch *next;
	struct pq *pq;
	struct rec *recs;
	uint32_t n;
	uint32_t cap;
	size_t bytes;
	int64_t created_ns;
	int32_t attempts;
	int32_t base_seq;  /* -1 until first sent (idempotence) */
	int64_t seq_pid;   /* the producer id and epoch base_seq was numbered */
	int16_t seq_epoch; /* under: every attempt carries them, never others */
	int64_t retry_at_ns;
	bool in_flight;
	bool uncertain;    /* an attempt may have been appended */
	int32_t sent_to;   /* the leader of the last attempt (coverage marker) */
	const char *last_error;
};

/* One partition's batches, oldest first (in flight and waiting alike). */
struct pq {
	struct kc_producer *producer;
	struct pq *next;
	char *topic;
	int32_t partition;
	struct batch *head;
	struct batch *tail;
	int32_t next_seq;
	int64_t pid;       /* the producer id and epoch next_seq counts in */
	int16_t epoch;
	/* KIP-360: the partition's first unacknowledged batch was refused as
	 * out of order (a gap: nothing from it on was appended): bump the
	 * epoch and number its batches again from 0 once none is in flight. */
	bool bump;
	/* KIP-360: a numbered batch was given up with its outcome unknown; no
	 * new batch goes out until the numbered ones are resolved, then the
	 * epoch is bumped unless a later batch was acknowledged (which proves
	 * the lost one was appended: Kafka's unresolved sequences). */
	bool unresolved;
	int32_t unresolved_seq; /* the last sequence of the batch given up */
	int32_t last_acked;     /* highest sequence acknowledged in the epoch, or -1 */
	struct kc_leader_memo leader; /* drain asks after every answer */
};

/* A record waiting for its topic's partition count. */
struct unrouted {
	struct unrouted *next;
	char *topic;
	struct rec rec;
	int64_t created_ns;
};

struct kc_producer {
	struct env *env;
	struct kc_producer_config cfg;
	kc_send_cb cb;
	void *arg;
	struct kc_cluster *cluster;
	struct pq *queues; /* creation order */
	struct pq *queues_tail;
	uint32_t n_queues;
	uint32_t drain_start; /* the queue the next drain looks at first */
	struct unrouted *unrouted;
	struct unrouted *unrouted_tail;
	uint64_t next_id;
	uint64_t pending;
	uint32_t round_robin;
	int64_t producer_id; /* -1 until InitProducerId answered */
	int16_t producer_epoch;
	bool pid_in_flight;
	struct env_timer wake; /* linger, backoff and delivery-timeout deadlines */
	int64_t wake_at_ns;    /* when `wake` fires, while it is armed */
	/* The metadata version of the last routing pass, and whether a record of
	 * a known topic has joined `unrouted` since (behind an unknown one). */
	uint64_t routed_version;
	bool route_pending;
	struct wire_scratch batch_out; /* the record batch of the request being sent */
};

static void drain(struct kc_producer *p);
static void wake_cb(struct env_timer *t);

void kc_producer_config_default(struct kc_producer_config *c)
{
	kc_cluster_config_default(&c->cluster);
	c->acks = -1;
	c->retries = 2147483647;
	c->delivery_timeout_ns = 120LL * 1000 * 1000 * 1000;
	c->linger_ns = 0;
	c->batch_size = 16384;
	c->max_in_flight = 5;
	c->idempotence = true;
	c->epoch_bump = true;
}

/* ---- Outcomes ----------------------------------------------------------------- */

static void rec_free(struct env *env, struct rec *r)
{
	env_free(env, r->key);
	env_free(env, r->value);
}

static void report(struct kc_producer *p, const char *topic, int32_t partition,
		   const struct rec *r, enum kc_send_outcome outcome, int64_t offset,
		   const char *error)
{
	struct kc_send_result res = {r->id, topic, partition, offset, outcome, error};
	p->pending--;
	p->cb(p->arg, &res);
}

/* Unlinks `b` from its queue, reports every record, frees it. */
static void batch_finish(struct kc_producer *p, struct batch *b, enum kc_send_outcome outcome,
			 int64_t base_offset, const char *error)
{
	struct pq *q = b->pq;
	struct batch **pp = &q->head, *prev = NULL;
	while (*pp != b) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	*pp = b->next;
	if (q->tail == b)
		q->tail = prev;
	for (uint32_t i = 0; i < b->n; i++) {
		int64_t off = outcome == KC_SEND_OK && base_offset >= 0 ? base_offset + i : -1;
		report(p, q->topic, q->partition, &b->recs[i], outcome, off, error);
		rec_free(p->env, &b->recs[i]);
	}
	env_free(p->env, b->recs);
	env_free(p->env, b);
}

/*
 * An idempotent producer that gave up on a numbered batch leaves a gap in
 * that partition's sequence: every later batch would be refused
 * OUT_OF_ORDER_SEQUENCE_NUMBER. Before KIP-360 (Kafka < 2.5) the Java
 * producer then takes a new producer id and numbers new batches from 0.
 * Batches already numbered keep their producer id and sequence: they may
 * have been appended, and only under those numbers can the broker tell
 * (numbering such a batch again under the new id wrote it twice: the
 * duplicates of three-brokers-nemesis and acks-all-nemesis).
 */
static void reset_producer_id(struct kc_producer *p)
{
	env_log(p->env, ENV_LOG_INFO, "producer id %lld abandoned after a failed batch",
		(long long)p->producer_id);
	p->producer_id = -1;
	for (struct pq *q = p->queues; q; q = q->next)
		q->next_seq = 0;
}

/* A batch that will not be retried: OK never comes here. */
static void batch_give_up(struct kc_producer *p, struct batch *b, const char *error)
{
	struct pq *q = b->pq;
	bool numbered = p->cfg.idempotence && b->base_seq >= 0 && b->seq_pid == q->pid &&
			b->seq_epoch == q->epoch;
	int32_t last_seq = b->base_seq + (int32_t)b->n - 1;
	bool uncertain = b->uncertain;
	batch_finish(p, b, uncertain ? KC_SEND_INFO : KC_SEND_FAIL, -1, error);
	if (!numbered)
		return;
	if (!p->cfg.epoch_bump) {
		reset_producer_id(p);
	} else if (uncertain) {
		q->unresolved = true;
		q->unresolved_seq = last_seq;
	} else {
		q->bump = true; /* certainly not appended: a gap from here on */
	}
}

/* ---- Accumulating -------------------------------------------------------------- */

static struct pq *queue_for(struct kc_producer *p, const char *topic, int32_t partition)
{
	for (struct pq *q = p->queues; q; q = q->next)
		if (q->partition == partition && strcmp(q->topic, topic) == 0)
			return q;
	struct pq *q = env_calloc(p->env, 1, sizeof *q);
	q->producer = p;
	q->last_acked = -1;
	q->topic = env_strdup(p->env, topic);
	q->partition = partition;
	if (p->queues_tail)
		p->queues_tail->next = q;
	else
		p->queues = q;
	p->queues_tail = q;
	p->n_queues++;
	return q;
}

/* Returns the batch the record joined. */
static struct batch *append(struct kc_producer *p, const char *topic, struct rec *r,
			    int64_t created_ns)
{
	int32_t n = kc_cluster_partitions(p->cluster, topic);
	int32_t part = r->key ? kc_partition_for_key(r->key, r->key_len, n)
			      : kc_partition_round_robin(&p->round_robin, n);
	struct pq *q = queue_for(p, topic, part);
	struct batch *b = q->tail;
	size_t size = r->key_len + r->value_len + 16;
	/* A batch that has its sequence numbers (or was ever sent) is sealed:
	 * growing it would overlap the next batch's sequence range. */
	if (!b || b->in_flight || b->attempts > 0 || b->base_seq >= 0 ||
	    (b->n > 0 && b->bytes + size > (size_t)p->cfg.batch_size)) {
		b = env_calloc(p->env, 1, sizeof *b);
		b->pq = q;
		b->created_ns = created_ns;
		b->base_seq = -1;
		if (q->tail)
			q->tail->next = b;
		else
			q->head = b;
		q->tail = b;
	}
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 8;
		b->recs = env_realloc(p->env, b->recs, b->cap * sizeof *b->recs);
	}
	b->recs[b->n++] = *r;
	b->bytes += size;
	return b;
}

/* Routes records whose topic's partition count is now known. */
static void route_unrouted(struct kc_producer *p)
{
	uint64_t version = kc_cluster_metadata_version(p->cluster);
	if (!p->unrouted || (!p->route_pending && version == p->routed_version))
		return; /* nothing waiting could be routed now */
	p->routed_version = version;
	p->route_pending = false;
	struct unrouted **pp = &p->unrouted;
	p->unrouted_tail = NULL;
	/* Records wait here in bulk while a topic is unknown: ask about each
	 * unknown topic once per pass, not once per record. last_topic is
	 * only ever a record that stays here (routed ones are freed). */
	const char *last_topic = NULL;
	int32_t last_n = -1;
	while (*pp) {
		struct unrouted *u = *pp;
		if (!last_topic || strcmp(last_topic, u->topic) != 0) {
			last_topic = u->topic;
			last_n = kc_cluster_partitions(p->cluster, u->topic);
		}
		if (last_n <= 0) {
			p->unrouted_tail = u;
			pp = &u->next;
			continue;
		}
		*pp = u->next;
		append(p, u->topic, &u->rec, u->created_ns);
		if (last_topic == u->topic)
			last_topic = NULL;
		env_free(p->env, u->topic);
		env_free(p->env, u);
	}
}

static void arm_wake(struct kc_producer *p, int64_t at_ns)
{
	int64_t now = env_now_ns(p->env);
	if (at_ns < now)
		at_ns = now;
	p->wake_at_ns = at_ns;
	env_timer_start(p->env, &p->wake, at_ns - now, wake_cb);
}

static int32_t pq_leader(const struct kc_producer *p, struct pq *q)
{
	return kc_cluster_leader_memo(p->cluster, q->topic, q->partition, &q->leader);
}

/* Whether the partition's leader connection has max.in.flight requests
 * out: then a batch cannot go before an answer comes, and the answer
 * drains again (Kafka's sender, too, sleeps until then). */
static bool leader_busy(const struct kc_producer *p, struct pq *q)
{
	int32_t leader = pq_leader(p, q);
	struct kc_conn *conn = leader >= 0 ? kc_cluster_conn(p->cluster, leader) : NULL;
	return conn && kc_conn_in_flight(conn) >= (uint32_t)p->cfg.max_in_flight;
}

/* When a batch waiting out its linger (or a retry backoff) next needs a
 * look, at the earliest `at`: no sooner than a backoff from now while its
 * leader is busy (the answers wake the producer; the backoff only guards
 * against answers that are not produce answers). */
static int64_t wait_until(const struct kc_producer *p, struct pq *q, int64_t at,
			  int64_t now)
{
	int64_t floor = now + p->cfg.cluster.retry_backoff_ns;
	return at < floor && leader_busy(p, q) ? floor : at;
}

/* When drain must next look at b, a batch that just took a record, or -1
 * for "now": a full batch, or a new one behind a waiting batch (which that
 * makes ready), is due at once; otherwise when its linger ends. */
static int64_t due_at(const struct kc_producer *p, const struct batch *b, int64_t now)
{
	if (b->bytes >= (size_t)p->cfg.batch_size)
		return -1;
	for (const struct batch *o = b->pq->head; o && o != b; o = o->next)
		if (!o->in_flight)
			return -1;
	return wait_until(p, b->pq, b->created_ns + p->cfg.linger_ns, now);
}

uint64_t kc_producer_send(struct kc_producer *p, const char *topic, const void *key,
			  size_t key_len, const void *value, size_t value_len)
{
	int64_t now = env_now_ns(p->env);
	struct rec r = {.id = ++p->next_id};
	if (key) {
		r.key = env_alloc(p->env, key_len ? key_len : 1);
		memcpy(r.key, key, key_len);
		r.key_len = key_len;
	}
	r.value = env_alloc(p->env, value_len ? value_len : 1);
	memcpy(r.value, value, value_len);
	r.value_len = value_len;
	r.wall_ms = env_wall_ms(p->env);
	p->pending++;
	bool known = kc_cluster_partitions(p->cluster, topic) > 0;
	int64_t due = -1;
	if (known && !p->unrouted) {
		due = due_at(p, append(p, topic, &r, now), now);
	} else {
		struct unrouted *u = env_calloc(p->env, 1, sizeof *u);
		u->topic = env_strdup(p->env, topic);
		u->created_ns = now;
		u->rec = r;
		if (p->unrouted_tail)
			p->unrouted_tail->next = u;
		else
			p->unrouted = u;
		p->unrouted_tail = u;
		if (known)
			p->route_pending = true;
		else
			kc_cluster_want_topic(p->cluster, topic);
	}
	/* Drain from a timer: no outcome may fire inside this call. A wake-up
	 * already armed no later than the record is due does the job. */
	if (due < 0)
		arm_wake(p, now);
	else if (!env_timer_active(&p->wake) || p->wake_at_ns > due)
		arm_wake(p, due);
	return r.id;
}

uint64_t kc_producer_pending(const struct kc_producer *p)
{
	return p->pending;
}

/* ---- Sending ------------------------------------------------------------------------- */

/* Errors after which the batch was certainly not appended. */
static bool definitely_not_written(int16_t error)
{
	switch (error) {
	case KP_ERR_NOT_ENOUGH_REPLICAS:
	case KP_ERR_UNKNOWN_TOPIC_OR_PARTITION:
	case KP_ERR_CORRUPT_MESSAGE:
	case KP_ERR_INVALID_RECORD:
	case KP_ERR_MESSAGE_TOO_LARGE:
	case KP_ERR_RECORD_LIST_TOO_LARGE:
	case KP_ERR_INVALID_REQUIRED_ACKS:
	case KP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER:
	case KP_ERR_INVALID_PRODUCER_EPOCH:
		return true;
	}
	return false;
}

static bool retriable(int16_t error)
{
	switch (error) {
	case KP_ERR_NOT_LEADER_OR_FOLLOWER:
	case KP_ERR_LEADER_NOT_AVAILABLE:
	case KP_ERR_UNKNOWN_TOPIC_OR_PARTITION:
	case KP_ERR_REQUEST_TIMED_OUT:
	case KP_ERR_NOT_ENOUGH_REPLICAS:
	case KP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
	case KP_ERR_NETWORK_EXCEPTION:
	case KP_ERR_KAFKA_STORAGE_ERROR:
	case KP_ERR_CORRUPT_MESSAGE:
		return true;
	}
	return false;
}

/* True while an older batch of the same partition waits to be resent: a
 * younger one refused as out of order is then retried behind it. */
static bool older_batch_retrying(const struct batch *b)
{
	for (const struct batch *o = b->pq->head; o && o != b; o = o->next)
		if (o->attempts > 0)
			return true;
	return false;
}

/* Whether b carries the sequence that follows the partition's last
 * acknowledged one, or the last one of a batch given up unresolved (Kafka's
 * isNextSequence and isNextSequenceForUnresolvedPartition). */
static bool next_sequence(const struct batch *b)
{
	const struct pq *q = b->pq;
	if (b->seq_pid != q->pid || b->seq_epoch != q->epoch)
		return false;
	return b->base_seq == q->last_acked + 1 ||
	       (q->unresolved && b->base_seq == q->unresolved_seq + 1);
}

static void attempt_failed(struct kc_producer *p, struct batch *b, const char *error,
			   bool uncertain, bool can_retry)
{
	b->in_flight = false;
	b->last_error = error;
	b->uncertain |= uncertain;
	b->retry_at_ns = env_now_ns(p->env) + p->cfg.cluster.retry_backoff_ns;
	int64_t age = env_now_ns(p->env) - b->created_ns;
	if (!can_retry || b->attempts > p->cfg.retries || age >= p->cfg.delivery_timeout_ns)
		batch_give_up(p, b, error);
}

static void on_produce(void *arg, int status, const struct kp_response *resp)
{
	struct batch *b = arg;
	struct kc_producer *p = b->pq->producer;
	if (status != KC_OK) {
		/* The request may or may not have been appended. */
		attempt_failed(p, b, kc_status_name(status), true, true);
		kc_cluster_refresh(p->cluster);
		drain(p);
		return;
	}
	const struct kp_produce_response *pr = &resp->body.produce;
	const struct kp_produce_partition_response *part = NULL;
	if (pr->topic_count == 1 && pr->topics[0].partition_count == 1)
		part = &pr->topics[0].partitions[0];
	int16_t err = part ? part->error_code : KP_ERR_UNKNOWN_SERVER_ERROR;
	if (err == KP_ERR_NONE || err == KP_ERR_DUPLICATE_SEQUENCE_NUMBER) {
		b->in_flight = false;
		struct pq *q = b->pq;
		/* A later batch acknowledged proves a lost one was appended. */
		bool current = b->seq_pid == q->pid && b->seq_epoch == q->epoch;
		if (q->unresolved && b->base_seq > q->unresolved_seq && current)
			q->unresolved = false;
		int32_t last = b->base_seq + (int32_t)b->n - 1;
		if (current && last > q->last_acked)
			q->last_acked = last;
		batch_finish(p, b, KC_SEND_OK, part->base_offset, NULL);
	} else {
		bool seq_error = err == KP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER ||
				 err == KP_ERR_UNKNOWN_PRODUCER_ID;
		/* Not the next sequence after the last acknowledged one (nor after
		 * an unresolved one): an older batch waits, or a later one was
		 * acknowledged. Retried as it is, as TransactionManager.canRetry. */
		bool ooo_behind = seq_error && (older_batch_retrying(b) ||
						(p->cfg.epoch_bump && !next_sequence(b)));
		/* KIP-360 (TransactionManager.canRetry): the idempotent producer
		 * retries these; refused at the partition's first unacknowledged
		 * batch they mean a gap, closed by a new epoch from sequence 0. */
		/* Only a batch no attempt of which may have been appended is
		 * numbered again (the Java producer renumbers it anyway): the
		 * broker keeps a producer's last 5 batches, and one appended but
		 * unanswered is refused as out of order once it falls out of them.
		 * Such a batch is given up, its outcome unknown, and leaves the
		 * partition unresolved (batch_give_up). */
		bool bump = seq_error && !ooo_behind && p->cfg.epoch_bump && !b->uncertain &&
			    b->seq_pid == b->pq->pid && b->seq_epoch == b->pq->epoch;
		if (bump)
			b->pq->bump = true;
		attempt_failed(p, b, kp_error_name(err), !definitely_not_written(err),
			       retriable(err) || ooo_behind || bump);
		if (err == KP_ERR_NOT_LEADER_OR_FOLLOWER || err == KP_ERR_LEADER_NOT_AVAILABLE ||
		    err == KP_ERR_UNKNOWN_TOPIC_OR_PARTITION)
			kc_cluster_refresh(p->cluster);
	}
	drain(p);
}

static bool batch_ready(const struct kc_producer *p, const struct batch *b, int64_t now)
{
	if (b->attempts > 0) /* a retry waits out retry.backoff.ms */
		return now >= b->retry_at_ns;
	return b->next || b->bytes >= (size_t)p->cfg.batch_size ||
	       now >= b->created_ns + p->cfg.linger_ns;
}

struct batch_msg {
	const struct rb_batch_header *h;
	const struct rb_record_spec *specs;
	uint32_t n;
};

static void encode_batch(struct wire_writer *w, const void *msg)
{
	const struct batch_msg *m = msg;
	/* A batch the encoder refuses fails the writer, so the scratch reports it. */
	if (rb_encode_batch(w, m->h, m->specs, m->n) == RB_EINVAL && !w->err)
		w->err = WIRE_EINVAL;
}

static int send_batch(struct kc_producer *p, struct batch *b, struct kc_conn *conn)
{
	struct pq *q = b->pq;
	if (p->cfg.idempotence && b->base_seq < 0) {
		if (q->pid != p->producer_id || q->epoch != p->producer_epoch) {
			/* A new producer id or epoch numbers from 0 (drain_queue
			 * waits until no batch numbered under the old one is left). */
			q->pid = p->producer_id;
			q->epoch = p->producer_epoch;
			q->next_seq = 0;
			q->last_acked = -1;
		}
		b->base_seq = q->next_seq;
		b->seq_pid = q->pid;
		b->seq_epoch = q->epoch;
		q->next_seq += (int32_t)b->n;
	}
	struct rb_record_spec *specs = env_calloc(p->env, b->n, sizeof *specs);
	for (uint32_t i = 0; i < b->n; i++) {
		specs[i].timestamp_delta = b->recs[i].wall_ms - b->recs[0].wall_ms;
		specs[i].offset_delta = (int32_t)i;
		specs[i].key = (struct rb_bytes){b->recs[i].key, b->recs[i].key_len};
		specs[i].value = (struct rb_bytes){b->recs[i].value, b->recs[i].value_len};
	}
	struct rb_batch_header h = {
		.base_offset = 0,
		.partition_leader_epoch = -1,
		.magic = 2,
		.last_offset_delta = (int32_t)b->n - 1,
		.base_timestamp = b->recs[0].wall_ms,
		.max_timestamp = b->recs[b->n - 1].wall_ms,
		.producer_id = p->cfg.idempotence ? b->seq_pid : -1,
		.producer_epoch = p->cfg.idempotence ? b->seq_epoch : -1,
		.base_sequence = p->cfg.idempotence ? b->base_seq : -1,
	};
	struct batch_msg msg = {&h, specs, b->n};
	const uint8_t *bytes;
	size_t len;
	int err = wire_scratch_encode(p->env, &p->batch_out, encode_batch, &msg, &bytes, &len);
	env_free(p->env, specs);

	struct kp_produce_partition part = {q->partition, {err ? NULL : bytes, err ? 0 : (int32_t)len}};
	struct kp_produce_topic topic = {{q->topic, (int32_t)strlen(q->topic)}, &part, 1};
	struct kp_request req;
	memset(&req, 0, sizeof req);
	req.header.api_key = KP_API_PRODUCE;
	req.header.api_version = 7;
	req.body.produce.transactional_id = (struct kp_str){NULL, -1};
	req.body.produce.acks = p->cfg.acks;
	req.body.produce.timeout_ms = (int32_t)(p->cfg.cluster.conn.request_timeout_ns / 1000000);
	req.body.produce.topics = &topic;
	req.body.produce.topic_count = 1;
	int rc = err ? KC_EDECODE : kc_conn_send(conn, &req, p->cfg.acks != 0, on_produce, b);
	if (rc) {
		/* Never sent: give the numbers back, so the batch may still grow
		 * and the next batch takes over where the broker expects it. */
		if (p->cfg.idempotence && b->attempts == 0 &&
		    q->next_seq == b->base_seq + (int32_t)b->n) {
			q->next_seq = b->base_seq;
			b->base_seq = -1;
		}
		return rc;
	}
	b->attempts++;
	if (p->cfg.acks == 0) {
		/* Fire and forget: Kafka reports success with offset -1. */
		batch_finish(p, b, KC_SEND_OK, -1, NULL);
		return 0;
	}
	b->in_flight = true;
	return 0;
}

static bool any_in_flight(const struct pq *q)
{
	for (const struct batch *b = q->head; b; b = b->next)
		if (b->in_flight)
			return true;
	return false;
}

static bool any_numbered(const struct pq *q)
{
	for (const struct batch *b = q->head; b; b = b->next)
		if (b->base_seq >= 0)
			return true;
	return false;
}

/*
 * KIP-360's epoch bump, done by the idempotent Java producer on its own
 * (TransactionManager.bumpIdempotentProducerEpoch: no InitProducerId): the
 * epoch goes up by one and the partition's unacknowledged batches, known
 * not to be appended, are numbered again from 0 in the new epoch, which
 * the broker accepts (a new epoch starts at sequence 0). Called with none
 * of the partition's batches in flight. At the epoch's limit a new
 * producer id is taken instead, as Kafka does.
 */
static void bump_epoch(struct kc_producer *p, struct pq *q)
{
	q->bump = q->unresolved = false;
	if (p->producer_epoch == INT16_MAX) {
		reset_producer_id(p);
		return;
	}
	p->producer_epoch++;
	env_log(p->env, ENV_LOG_INFO, "%s-%d: producer %lld bumps its epoch to %d", q->topic,
		q->partition, (long long)p->producer_id, p->producer_epoch);
	q->pid = p->producer_id;
	q->epoch = p->producer_epoch;
	q->next_seq = 0;
	q->last_acked = -1;
	for (struct batch *b = q->head; b; b = b->next)
		if (b->base_seq >= 0) {
			b->base_seq = q->next_seq;
			b->seq_pid = q->pid;
			b->seq_epoch = q->epoch;
			q->next_seq += (int32_t)b->n;
		}
}

/* Whether batch b must wait before it is sent (idempotence): a pending
 * epoch bump holds the whole partition; an unresolved sequence, or batches
 * numbered under an older producer id or epoch, hold the batches not yet
 * numbered (Kafka's RecordAccumulator.shouldStopDrainBatchesForPartition). */
static bool seq_hold(const struct kc_producer *p, const struct pq *q, const struct batch *b)
{
	if (!p->cfg.idempotence)
		return false;
	if (q->bump)
		return true;
	if (b->base_seq >= 0)
		return false;
	bool stale = q->pid != p->producer_id || q->epoch != p->producer_epoch;
	return q->unresolved || (stale && any_numbered(q));
}

/* Sends what is ready, partition by partition in creation order. */
static void drain_queue(struct kc_producer *p, struct pq *q, int64_t now, int64_t *wake_at)
{
	if (p->cfg.idempotence && p->cfg.epoch_bump) {
		if (q->bump && !any_in_flight(q))
			bump_epoch(p, q);
		else if (q->unresolved && !any_numbered(q))
			bump_epoch(p, q); /* the lost batch's fate stays unknown */
	}
	for (struct batch *b = q->head, *next; b; b = next) {
		next = b->next;
		if (b->in_flight)
			continue;
		if (now - b->created_ns >= p->cfg.delivery_timeout_ns) {
			batch_give_up(p, b, b->last_error ? b->last_error : "DELIVERY_TIMEOUT");
			continue;
		}
		int64_t deadline = b->created_ns + p->cfg.delivery_timeout_ns;
		if (deadline < *wake_at)
			*wake_at = deadline;
		if (!batch_ready(p, b, now)) {
			int64_t at = wait_until(p, q, b->attempts ? b->retry_at_ns
							       : b->created_ns + p->cfg.linger_ns,
						now);
			if (at < *wake_at)
				*wake_at = at;
			return;
		}
		int32_t leader = pq_leader(p, q);
		struct kc_conn *conn = leader >= 0 ? kc_cluster_conn(p->cluster, leader) : NULL;
		if (leader < 0)
			kc_cluster_refresh(p->cluster);
		if (!conn || kc_conn_in_flight(conn) >= (uint32_t)p->cfg.max_in_flight ||
		    seq_hold(p, q, b)) {
			/* Batches of a partition go out in order. An answer drains
			 * again; the backoff guards against none coming. */
			int64_t at = now + p->cfg.cluster.retry_backoff_ns;
			if (at < *wake_at)
				*wake_at = at;
			return;
		}
		if (b->attempts > 0 && b->uncertain && leader != b->sent_to)
			env_mark(p->env, "retry-to-new-leader");
		b->sent_to = leader;
		if (send_batch(p, b, conn))
			return;
	}
}

static void on_init_producer_id(void *arg, int status, const struct kp_response *resp)
{
	struct kc_producer *p = arg;
	p->pid_in_flight = false;
	if (status == KC_OK && resp->body.init_producer_id.error_code == KP_ERR_NONE) {
		p->producer_id = resp->body.init_producer_id.producer_id;
		p->producer_epoch = resp->body.init_producer_id.producer_epoch;
		env_log(p->env, ENV_LOG_INFO, "producer id %lld epoch %d",
			(long long)p->producer_id, p->producer_epoch);
	}
	arm_wake(p, env_now_ns(p->env) + (p->producer_id >= 0 ? 0 : p->cfg.cluster.retry_backoff_ns));
}

static void init_producer_id(struct kc_producer *p)
{
	struct kc_conn *conn = kc_cluster_any_conn(p->cluster);
	if (!conn || p->pid_in_flight)
		return;
	struct kp_request req;
	memset(&req, 0, sizeof req);
	req.header.api_key = KP_API_INIT_PRODUCER_ID;
	req.header.api_version = 1;
	req.body.init_producer_id.transactional_id = (struct kp_str){NULL, -1};
	req.body.init_producer_id.transaction_timeout_ms = 60000;
	if (kc_conn_send(conn, &req, true, on_init_producer_id, p) == KC_OK)
		p->pid_in_flight = true;
}

static void drain(struct kc_producer *p)
{
	int64_t now = env_now_ns(p->env);
	int64_t wake_at = INT64_MAX;
	route_unrouted(p);
	if (p->cfg.idempotence && p->producer_id < 0) {
		init_producer_id(p);
		return;
	}
	/* As Kafka's RecordAccumulator.drain, each pass starts one partition
	 * further on, so that partitions sharing a leader's in-flight requests
	 * take turns instead of the first ones always taking the free slots. */
	struct pq *start = p->queues;
	for (uint32_t i = 0; p->n_queues && i < p->drain_start % p->n_queues; i++)
		start = start->next;
	for (struct pq *q = start; q; q = q->next)
		drain_queue(p, q, now, &wake_at);
	for (struct pq *q = p->queues; q != start; q = q->next)
		drain_queue(p, q, now, &wake_at);
	p->drain_start++;
	if (wake_at != INT64_MAX)
		arm_wake(p, wake_at);
}

static void wake_cb(struct env_timer *t)
{
	drain(t->data);
}

static void cluster_changed(void *arg)
{
	drain(arg);
}

struct kc_producer *kc_producer_new(struct env *env, const struct kc_producer_config *cfg,
				    kc_send_cb cb, void *arg)
{
	struct kc_producer *p = env_calloc(env, 1, sizeof *p);
	p->env = env;
	p->cfg = *cfg;
	if (p->cfg.idempotence) {
		/* KIP-679: idempotence requires acks=all and at most 5 in flight. */
		p->cfg.acks = -1;
		if (p->cfg.max_in_flight > 5)
			p->cfg.max_in_flight = 5;
	}
	p->cb = cb;
	p->arg = arg;
	p->producer_id = -1;
	p->producer_epoch = -1;
	p->wake.data = p;
	p->cluster = kc_cluster_new(env, &cfg->cluster, cluster_changed, p);
	return p;
}

void kc_producer_free(struct kc_producer *p)
{
	env_timer_stop(p->env, &p->wake);
	wire_scratch_free(p->env, &p->batch_out);
	kc_cluster_free(p->cluster);
	while (p->unrouted) {
		struct unrouted *u = p->unrouted;
		p->unrouted = u->next;
		rec_free(p->env, &u->rec);
		env_free(p->env, u->topic);
		env_free(p->env, u);
	}
	while (p->queues) {
		struct pq *q = p->queues;
		p->queues = q->next;
		while (q->head) {
			struct batch *b = q->head;
			q->head = b->next;
			for (uint32_t i = 0; i < b->n; i++)
				rec_free(p->env, &b->recs[i]);
			env_free(p->env, b->recs);
			env_free(p->env, b);
		}
		env_free(p->env, q->topic);
		env_free(p->env, q);
	}
	env_free(p->env, p);
}
