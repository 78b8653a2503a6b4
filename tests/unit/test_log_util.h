/*
 * test_log_util — helpers shared by the partition-log tests (header only,
 * static functions): building record batches, and a one-node world whose
 * node opens a log at start, with helpers to drive it.
 *
 * Records carry an 8-byte big-endian id as their value (then padding), so a
 * test can tell exactly which record sits at which offset.
 */
#ifndef KSIM_TEST_LOG_UTIL_H
#define KSIM_TEST_LOG_UTIL_H

#include <stdlib.h>
#include <string.h>

#include "broker/codec/wire.h"
#include "broker/log/log.h"
#include "broker/log/record_batch.h"
#include "sim/disk.h"
#include "sim/util.h"
#include "sim/world.h"

#define TL_TS0 1700000000000LL

struct tl_batch_spec {
	uint64_t first_id;  /* record i holds id first_id + i */
	int records;
	size_t value_bytes; /* >= 8 */
	int64_t producer_id;
	int16_t producer_epoch;
	int32_t base_sequence;
	int64_t timestamp;  /* every record's timestamp */
};

/* Encodes one uncompressed batch into a malloc'd buffer; *len its size. */
static inline uint8_t *tl_batch(const struct tl_batch_spec *s, size_t *len)
{
	size_t vb = s->value_bytes < 8 ? 8 : s->value_bytes;
	uint8_t *values = calloc((size_t)s->records, vb);
	struct rb_record_spec *recs = calloc((size_t)s->records, sizeof *recs);
	for (int i = 0; i < s->records; i++) {
		uint8_t *v = values + (size_t)i * vb;
		uint64_t id = s->first_id + (uint64_t)i;
		for (int k = 0; k < 8; k++)
			v[k] = (uint8_t)(id >> (56 - 8 * k));
		memset(v + 8, (int)(id & 0xff), vb - 8);
		recs[i] = (struct rb_record_spec){.offset_delta = i, .value = {v, vb}};
	}
	struct rb_batch_header h = {
		.last_offset_delta = s->records - 1,
		.base_timestamp = s->timestamp,
		.max_timestamp = s->timestamp,
		.producer_id = s->producer_id,
		.producer_epoch = s->producer_epoch,
		.base_sequence = s->base_sequence,
		.partition_leader_epoch = -1,
	};
	struct wire_writer w;
	wire_writer_init(&w, NULL, 0);
	rb_encode_batch(&w, &h, recs, (size_t)s->records);
	uint8_t *buf = malloc(w.len);
	*len = w.len;
	wire_writer_init(&w, buf, *len);
	int rc = rb_encode_batch(&w, &h, recs, (size_t)s->records);
	(void)rc;
	free(recs);
	free(values);
	return buf;
}

/* A plain (non-idempotent) batch of n records starting at id. */
static inline uint8_t *tl_simple(uint64_t id, int n, size_t value_bytes, size_t *len)
{
	struct tl_batch_spec s = {id, n, value_bytes, -1, -1, -1, TL_TS0};
	return tl_batch(&s, len);
}

/* The id in a record's value (its first 8 bytes). */
static inline uint64_t tl_record_id(const struct rb_record *r)
{
	uint64_t id = 0;
	for (int k = 0; k < 8 && (size_t)k < r->value.len; k++)
		id = id << 8 | r->value.p[k];
	return id;
}

/* ---- A one-node world ----------------------------------------------------- */

struct tl_node {
	struct log *log;
	int open_status; /* 1 while opening */
};

static inline void tl_opened(struct log *log, int status, void *arg)
{
	struct tl_node *n = arg;
	n->open_status = status;
}

static inline void *tl_start(struct env *env, const void *config)
{
	struct tl_node *n = env_calloc(env, 1, sizeof *n);
	n->open_status = 1;
	int rc = log_open(env, config, tl_opened, n, &n->log);
	if (rc)
		n->open_status = rc;
	return n;
}

static const struct sim_node_class tl_class = {"log", tl_start};

struct tl_world {
	struct sim_world *w;
	uint32_t id;
};

static inline void tl_world_init(struct tl_world *t, uint64_t seed,
				 const struct log_config *cfg,
				 const struct sim_disk_config *disk)
{
	struct sim_world_config wc;
	sim_world_config_default(&wc, seed);
	if (disk)
		wc.disk = *disk;
	t->w = sim_world_new(&wc);
	t->id = sim_node_add(t->w, "broker-1", &tl_class, cfg);
}

static inline struct tl_node *tl_node(struct tl_world *t)
{
	return sim_node_state(t->w, t->id);
}

/* Runs virtual time in 1 ms steps until done() or the limit; returns done(). */
static inline bool tl_run_until(struct tl_world *t, bool (*done)(void *), void *arg,
				int64_t limit_ns)
{
	int64_t end = sim_now(t->w) + limit_ns;
	while (!done(arg) && sim_now(t->w) < end)
		sim_run_for(t->w, SIM_NS_PER_MS);
	return done(arg);
}

static inline bool tl_is_open(void *arg)
{
	struct tl_node *n = tl_node(arg);
	return n && n->open_status != 1;
}

static inline bool tl_is_idle(void *arg)
{
	struct tl_node *n = tl_node(arg);
	return n && n->open_status != 1 && log_idle(n->log);
}

/* Starts (or restarts) the node and waits for its log; returns the status. */
static inline int tl_open(struct tl_world *t)
{
	if (sim_node_status(t->w, t->id) == SIM_NODE_UP)
		sim_node_restart(t->w, t->id);
	else
		sim_node_start(t->w, t->id);
	if (!tl_run_until(t, tl_is_open, t, 10 * SIM_NS_PER_S))
		return 1;
	return tl_node(t)->open_status;
}

static inline void tl_settle(struct tl_world *t)
{
	tl_run_until(t, tl_is_idle, t, 60 * SIM_NS_PER_S);
}

/* A request the test owns, with its outcome. */
struct tl_req {
	struct log_req req;
	int status;
	bool done;
};

static inline void tl_req_cb(struct log_req *req, int status)
{
	struct tl_req *r = req->data;
	r->status = status;
	r->done = true;
}

static inline struct tl_req *tl_req_new(void)
{
	struct tl_req *r = calloc(1, sizeof *r);
	r->req.data = r;
	return r;
}

/* Reads [from, LEO) into ids[] (cap entries) by walking records; returns
 * the number read, or a negative log_error. *next is where reading ended. */
static inline int64_t tl_read_ids(struct log *log, int64_t from, uint64_t *ids, size_t cap,
				  int64_t *next)
{
	int64_t off = from, count = 0;
	while (off < log_end_offset(log)) {
		struct log_read r;
		int rc = log_read(log, off, 64 * 1024, INT64_MAX, &r);
		if (rc) {
			*next = off;
			return rc;
		}
		if (r.batches == 0)
			break;
		size_t pos = 0;
		while (pos < r.len) {
			struct rb_batch b;
			if (rb_validate_batch(r.data + pos, r.len - pos, 0, &b) != RB_OK)
				fail_msg("the log served an invalid batch at %lld",
					 (long long)off);
			struct rb_record_iter it;
			struct rb_record rec;
			rb_init_record_iter(&it, &b, 0);
			while (rb_next_record(&it, &rec) == RB_OK) {
				if (rec.offset >= off) {
					if (rec.offset != from + count || (size_t)count >= cap) {
						log_read_free(log, &r);
						*next = off;
						return LOG_ECORRUPT;
					}
					ids[count++] = tl_record_id(&rec);
				}
			}
			pos += b.size;
		}
		off = r.next_offset;
		log_read_free(log, &r);
	}
	*next = off;
	return count;
}

#endif
