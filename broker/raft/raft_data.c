/*
 * The metadata log `__cluster_metadata-0` under the quorum: the leader's
 * appends (its LeaderChange record first, then the owner's records after
 * append.linger.ms), the followers' appends and truncations, flushes, the
 * high watermark and the delivery of committed batches.
 *
 * Only flushed data counts (KAFKA-10533): the leader flushes right after
 * each append and counts its flushed end, not its log end, towards the
 * high watermark (it serves Fetch up to its log end, as Kafka does); a
 * follower flushes what it fetched before it fetches again, so its fetch
 * offset is flushed data too. One append / flush / truncate
 * chain runs at a time (io_busy); the log itself serializes them anyway.
 */
#include <stdlib.h>
#include <string.h>

#include "broker/raft/raft_impl.h"
#include "sim/invariant.h"

enum { IO_OPEN_FLUSH, IO_LEADER_APPEND, IO_FOLLOWER_APPEND, IO_FLUSH, IO_TRUNCATE };

int64_t raft_leo(const struct raft *r)
{
	return r->log ? log_end_offset(r->log) : 0;
}

int32_t raft_last_epoch(const struct raft *r)
{
	int32_t e = r->log ? log_epoch_latest(log_epochs(r->log)) : LOG_EPOCH_UNDEFINED;
	return e < 0 ? 0 : e;
}

int64_t raft_log_end(const struct raft *r)
{
	return r->log_ready ? raft_leo(r) : -1;
}

void raft_end_offset_for_epoch(struct raft *r, int32_t epoch, int32_t *out_epoch,
                               int64_t *out_offset)
{
	log_epoch_end_offset(log_epochs(r->log), epoch, raft_leo(r), out_epoch, out_offset);
	if (*out_epoch < 0) {
		/* Nothing at or below that epoch: everything diverges from the
		 * log start (written as epoch 0 so that the tag is sent). */
		*out_epoch = 0;
		*out_offset = log_start_offset(r->log);
	}
}

static void report_flushed(struct raft *r)
{
	const struct raft_observer *o = r->cfg->observer;
	if (o && o->on_flushed_end)
		o->on_flushed_end(o->ctx, r->id, r->flushed_end);
}

static void set_flushed(struct raft *r)
{
	int64_t rp = log_recovery_point(r->log), leo = raft_leo(r);
	r->flushed_end = rp < leo ? rp : leo;
	report_flushed(r);
}

static void check_hw(struct raft *r, int64_t hw, const char *who)
{
	if (hw < r->hw)
		sim_invariant_fail("the high watermark never goes back within an epoch",
		                   "%s (%s, epoch %d): %lld after %lld", env_node_name(r->env), who,
		                   r->epoch, (long long)hw, (long long)r->hw);
	/* A follower only counts what it flushed; a leader's high watermark
	 * may pass its own flushed end when a majority of followers flushed
	 * more (as in Kafka), never its log end. */
	int64_t bound = r->role == RAFT_LEADER ? raft_leo(r) : r->flushed_end;
	if (hw > bound)
		sim_invariant_fail("the high watermark never passes the (flushed) log end",
		                   "%s (%s, epoch %d): hw %lld, bound %lld", env_node_name(r->env),
		                   who, r->epoch, (long long)hw, (long long)bound);
}

static void set_hw(struct raft *r, int64_t hw)
{
	check_hw(r, hw, raft_role_name(r->role));
	if (hw == r->hw)
		return;
	r->hw = hw;
	const struct raft_observer *o = r->cfg->observer;
	if (o && o->on_high_watermark)
		o->on_high_watermark(o->ctx, r->id, r->epoch, r->role == RAFT_LEADER, hw);
}

/* ---- The io chain ------------------------------------------------------- */

static void io_done(struct log_req *req, int status);

static struct raft_io *io_new(struct raft *r, int kind)
{
	struct raft_io *io = env_calloc(r->env, 1, sizeof *io);
	io->r = r;
	io->kind = kind;
	io->req.data = io;
	io->epoch = r->epoch;
	r->io_busy = true;
	return io;
}

static void io_fail(struct raft *r, const char *what, int status)
{
	/* A failed log write takes the log offline: Kafka's controller exits. */
	env_log(r->env, ENV_LOG_ERROR, "raft: %s failed (%d): the log is offline", what, status);
	r->log_failed = true;
	r->io_busy = false;
}

static void start_flush(struct raft_io *io, int kind)
{
	io->kind = kind;
	if (log_flush(io->r->log, &io->req, io_done) != LOG_OK)
		io_fail(io->r, "flush", -1);
}

static void io_done(struct log_req *req, int status)
{
	struct raft_io *io = req->data;
	struct raft *r = io->r;
	if (r->freeing) {
		env_free(r->env, io);
		r->io_busy = false;
		raft_release(r);
		return;
	}
	if (status != LOG_OK) {
		io_fail(r, "log operation", status);
		env_free(r->env, io);
		return;
	}
	switch (io->kind) {
	case IO_LEADER_APPEND:
	case IO_FOLLOWER_APPEND:
		/* Appended: make it durable before it counts or is served. */
		start_flush(io, io->kind == IO_LEADER_APPEND ? IO_FLUSH : IO_FOLLOWER_APPEND + 10);
		return;
	case IO_OPEN_FLUSH:
		set_flushed(r);
		r->log_ready = true;
		r->io_busy = false;
		env_free(r->env, io);
		/* A log holding a newer epoch than quorum-state (it cannot, as the
		 * state is written first, but Kafka checks it too). */
		if (raft_last_epoch(r) > r->epoch)
			raft_become_unattached(r, raft_last_epoch(r));
		raft_poll(r);
		return;
	case IO_FLUSH: /* the leader's */
		set_flushed(r);
		r->io_busy = false;
		if (r->role == RAFT_LEADER && io->epoch == r->epoch)
			raft_update_leader_hw(r);
		break;
	case IO_FOLLOWER_APPEND + 10:
		set_flushed(r);
		r->io_busy = false;
		if (r->role == RAFT_FOLLOWER && io->epoch == r->epoch)
			raft_follower_set_hw(r, io->fetch_hw);
		break;
	case IO_TRUNCATE:
		set_flushed(r);
		r->io_busy = false;
		break;
	}
	env_free(r->env, io);
	raft_poll(r);
}

static void on_open(struct log *log, int status, void *arg)
{
	struct raft *r = arg;
	r->opening = false;
	if (r->freeing) {
		raft_release(r);
		return;
	}
	if (status != LOG_OK) {
		io_fail(r, "log open", status);
		return;
	}
	/* A kill keeps unflushed writes in the page cache: flush them now so
	 * that everything this node counts and serves is durable. */
	struct raft_io *io = io_new(r, IO_OPEN_FLUSH);
	start_flush(io, IO_OPEN_FLUSH);
}

void raft_data_open(struct raft *r)
{
	log_config_default(&r->log_cfg, r->cfg->dir, KP_RAFT_TOPIC, 0);
	r->opening = true;
	if (log_open(r->env, &r->log_cfg, on_open, r, &r->log) != LOG_OK) {
		r->log = NULL;
		r->opening = false;
		io_fail(r, "log open", -1);
	}
}

/* ---- Leader ------------------------------------------------------------- */

static void leader_append(struct raft *r, const uint8_t *batch, size_t len)
{
	struct raft_io *io = io_new(r, IO_LEADER_APPEND);
	if (log_append_leader(r->log, &io->req, batch, len, r->epoch, io_done) != LOG_OK) {
		env_free(r->env, io);
		io_fail(r, "append", -1);
	}
}

static void write_leader_change(struct raft *r)
{
	int32_t voters[RAFT_MAX_VOTERS], granting[RAFT_MAX_VOTERS];
	int32_t nv = 0, ng = 0;
	for (int32_t i = 0; i < r->cfg->voter_count && nv < RAFT_MAX_VOTERS; i++)
		voters[nv++] = r->cfg->voters[i].id;
	granting[ng++] = r->id;
	for (int32_t i = 0; i < r->npeers; i++)
		if (r->peers[i].vote > 0)
			granting[ng++] = r->peers[i].id;
	uint8_t value[256];
	size_t vlen =
	    raft_leader_change_value(value, sizeof value, r->id, voters, nv, granting, ng);
	uint8_t batch[512];
	struct wire_writer w;
	wire_writer_init(&w, batch, sizeof batch);
	if (vlen > sizeof value || raft_encode_control_batch(&w, RAFT_CONTROL_LEADER_CHANGE, value,
	                                                     vlen, env_wall_ms(r->env)) != RB_OK) {
		io_fail(r, "LeaderChange encode", -1);
		return;
	}
	const struct raft_observer *o = r->cfg->observer;
	if (o && o->on_leader)
		o->on_leader(o->ctx, r->id, r->epoch, raft_leo(r));
	env_event(r->env, "quorum", "%s is the quorum leader in epoch %d", env_node_name(r->env),
	          r->epoch);
	r->epoch_start = raft_leo(r);
	log_assign_epoch(r->log, r->epoch, r->epoch_start);
	r->next_offset = r->epoch_start + 1;
	r->lc_written = true;
	leader_append(r, batch, w.len);
}

static void write_pending(struct raft *r)
{
	struct rb_record_spec *recs = env_calloc(r->env, (size_t)r->pending_count, sizeof *recs);
	size_t pos = 0;
	for (int32_t i = 0; i < r->pending_count; i++) {
		uint32_t n;
		memcpy(&n, r->pending + pos, 4);
		recs[i].offset_delta = i;
		recs[i].value = (struct rb_bytes){r->pending + pos + 4, n};
		pos += 4 + n;
	}
	int64_t now = env_wall_ms(r->env);
	struct rb_batch_header h = {
	    .last_offset_delta = r->pending_count - 1,
	    .base_timestamp = now,
	    .max_timestamp = now,
	    .producer_id = -1,
	    .producer_epoch = -1,
	    .base_sequence = -1,
	};
	struct wire_writer w;
	wire_writer_init(&w, NULL, 0);
	rb_encode_batch(&w, &h, recs, (size_t)r->pending_count);
	uint8_t *buf = env_alloc(r->env, w.len);
	size_t size = w.len;
	wire_writer_init(&w, buf, size);
	int rc = rb_encode_batch(&w, &h, recs, (size_t)r->pending_count);
	env_free(r->env, recs);
	r->pending_len = 0;
	r->pending_count = 0;
	if (rc != RB_OK)
		io_fail(r, "batch encode", rc);
	else
		leader_append(r, buf, w.len);
	env_free(r->env, buf);
}

void raft_leader_poll(struct raft *r)
{
	if (r->io_busy)
		return;
	if (!r->lc_written) {
		if (raft_store_clean(r))
			write_leader_change(r);
		return;
	}
	if (r->pending_count && raft_now(r) >= r->linger_deadline_ns)
		write_pending(r);
}

int64_t raft_append(struct raft *r, const struct rb_bytes *values, size_t n)
{
	if (r->role != RAFT_LEADER || !r->lc_written || n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		size_t need = r->pending_len + 4 + values[i].len;
		if (need > r->pending_cap) {
			r->pending_cap = need * 2;
			r->pending = env_realloc(r->env, r->pending, r->pending_cap);
		}
		uint32_t len = (uint32_t)values[i].len;
		memcpy(r->pending + r->pending_len, &len, 4);
		if (len)
			memcpy(r->pending + r->pending_len + 4, values[i].p, len);
		r->pending_len = need;
	}
	if (!r->pending_count)
		r->linger_deadline_ns = raft_now(r) + r->cfg->append_linger_ms * RAFT_NS_PER_MS;
	r->pending_count += (int32_t)n;
	int64_t first = r->next_offset;
	r->next_offset += (int64_t)n;
	raft_poll(r);
	return first;
}

static int cmp_desc(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? 1 : x > y ? -1 : 0;
}

void raft_update_leader_hw(struct raft *r)
{
	int64_t ends[RAFT_MAX_VOTERS];
	int32_t n = 0;
	if (r->voter)
		ends[n++] = r->flushed_end;
	for (int32_t i = 0; i < r->npeers; i++)
		if (r->peers[i].voter)
			ends[n++] = r->peers[i].end_offset;
	qsort(ends, (size_t)n, sizeof ends[0], cmp_desc);
	int64_t v = ends[raft_majority(r) - 1];
	/* Only once a majority has this epoch's LeaderChange (KAFKA-12619). */
	if (r->lc_written && v > r->epoch_start && v > r->hw)
		set_hw(r, v);
}

uint8_t *raft_read_for_fetch(struct raft *r, int64_t offset, size_t *len)
{
	*len = 0;
	if (offset >= raft_leo(r))
		return NULL;
	struct log_read rd;
	if (log_read(r->log, offset, RAFT_MAX_FETCH_BYTES, raft_leo(r), &rd) != LOG_OK)
		return NULL;
	uint8_t *out = NULL;
	if (rd.len) {
		out = env_alloc(r->env, rd.len);
		memcpy(out, rd.data, rd.len);
		*len = rd.len;
	}
	log_read_free(r->log, &rd);
	return out;
}

/* ---- Follower ----------------------------------------------------------- */

void raft_follower_append(struct raft *r, const uint8_t *records, size_t len, int64_t hw)
{
	struct raft_io *io = io_new(r, IO_FOLLOWER_APPEND);
	io->fetch_hw = hw;
	if (log_append_follower(r->log, &io->req, records, len, io_done) != LOG_OK) {
		env_free(r->env, io);
		r->io_busy = false; /* a bad answer: fetch again */
	}
}

void raft_follower_truncate(struct raft *r, int32_t epoch, int64_t end_offset)
{
	int32_t le;
	int64_t lo;
	raft_end_offset_for_epoch(r, epoch, &le, &lo);
	int64_t t = end_offset < lo ? end_offset : lo;
	if (t < 0)
		t = 0;
	if (r->hw >= 0 && t < r->hw)
		sim_invariant_fail("no truncation below the high watermark",
		                   "%s epoch %d: truncate to %lld, hw %lld", env_node_name(r->env),
		                   r->epoch, (long long)t, (long long)r->hw);
	if (t < r->applied)
		sim_invariant_fail("no truncation below committed data",
		                   "%s epoch %d: truncate to %lld, applied %lld",
		                   env_node_name(r->env), r->epoch, (long long)t,
		                   (long long)r->applied);
	env_log(r->env, ENV_LOG_INFO, "raft: diverging epoch %d end %lld: truncating to %lld",
	        epoch, (long long)end_offset, (long long)t);
	struct raft_io *io = io_new(r, IO_TRUNCATE);
	if (log_truncate_to(r->log, &io->req, t, io_done) != LOG_OK) {
		env_free(r->env, io);
		io_fail(r, "truncate", -1);
	}
}

void raft_follower_set_hw(struct raft *r, int64_t hw)
{
	if (hw < 0)
		return;
	int64_t v = hw < r->flushed_end ? hw : r->flushed_end;
	if (v > r->hw)
		set_hw(r, v);
}

/* ---- Committed batches -------------------------------------------------- */

void raft_deliver_committed(struct raft *r)
{
	const struct raft_observer *o = r->cfg->observer;
	while (r->hw > r->applied && !r->log_failed) {
		struct log_read rd;
		if (log_read(r->log, r->applied, 1 << 20, r->hw, &rd) != LOG_OK || !rd.len) {
			if (rd.len == 0 && r->applied < r->hw)
				log_read_free(r->log, &rd);
			return;
		}
		size_t pos = 0;
		while (pos < rd.len) {
			struct rb_batch b;
			if (rb_parse_batch(rd.data + pos, rd.len - pos, &b) != RB_OK)
				break;
			int64_t last = rb_last_offset(&b.h);
			if (o && o->on_committed)
				o->on_committed(o->ctx, r->id, b.h.base_offset, last,
				                b.h.partition_leader_epoch, b.h.crc);
			if (!rb_is_control(&b.h) && r->cfg->listener.on_commit)
				r->cfg->listener.on_commit(r->cfg->listener.ctx, &b);
			r->applied = last + 1;
			pos += b.size;
		}
		log_read_free(r->log, &rd);
	}
}
