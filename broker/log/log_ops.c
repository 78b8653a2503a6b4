/*
 * log_ops.c — the log's queued operations: appends (leader and follower),
 * flushes, truncations and retention. Each runs alone (log.c serializes
 * them), builds a log_io chain, and ends in log_op_finish.
 */
#include <stdio.h>
#include <string.h>

#include "broker/log/log.h"
#include "broker/log/log_impl.h"
#include "sim/mutant.h"

/* ---- Submission ----------------------------------------------------------- */

/* Validates every batch of buf; *count is the number of batches. */
/* A leader's append walks every record (Kafka's LogValidator); a
 * follower's checks each batch's frame and CRC only, as Kafka's follower
 * append does: the leader validated the records, the CRC says they arrived
 * as sent. */
static int validate_batches(const struct log *log, const uint8_t *buf, size_t len,
			    bool leader, size_t *count)
{
	size_t pos = 0;
	*count = 0;
	if (len == 0)
		return LOG_EINVAL;
	while (pos < len) {
		struct rb_batch b;
		int rc = leader ? rb_validate_batch(buf + pos, len - pos, RB_VALIDATE_DENSE, &b)
				: rb_parse_batch(buf + pos, len - pos, &b);
		if (rc == RB_OK && !leader)
			rc = rb_verify_crc(&b);
		if (rc != RB_OK)
			return LOG_ECORRUPT;
		if ((int64_t)b.size > log->cfg->segment_bytes)
			return LOG_ETOO_LARGE;
		pos += b.size;
		(*count)++;
	}
	return LOG_OK;
}

static int submit_append(struct log *log, struct log_req *req, const void *buf, size_t len,
			 int32_t epoch, int kind, log_req_cb cb)
{
	size_t count;
	bool leader = kind == LOG_OP_APPEND_LEADER;
	int rc = validate_batches(log, buf, len, leader, &count);
	if (rc)
		return rc;
	if (leader && epoch < 0)
		return LOG_EINVAL;
	if (leader && count > 1) {
		/* Kafka's produce path carries one batch per idempotent append;
		 * refusing a mix keeps the duplicate answer well defined. */
		size_t pos = 0;
		for (size_t i = 0; i < count; i++) {
			struct rb_batch b;
			rb_parse_batch((const uint8_t *)buf + pos, len - pos, &b);
			if (b.h.producer_id >= 0)
				return LOG_EINVAL;
			pos += b.size;
		}
	}
	req->buf = env_alloc(log->env, len);
	memcpy(req->buf, buf, len);
	req->len = len;
	req->epoch = epoch;
	log_enqueue(log, req, kind, cb);
	return LOG_OK;
}

int log_append_leader(struct log *log, struct log_req *req, const void *buf, size_t len,
		      int32_t leader_epoch, log_req_cb cb)
{
	return submit_append(log, req, buf, len, leader_epoch, LOG_OP_APPEND_LEADER, cb);
}

int log_append_follower(struct log *log, struct log_req *req, const void *buf, size_t len,
			log_req_cb cb)
{
	return submit_append(log, req, buf, len, -1, LOG_OP_APPEND_FOLLOWER, cb);
}

int log_flush(struct log *log, struct log_req *req, log_req_cb cb)
{
	req->buf = NULL;
	req->target = INT64_MAX;
	log_enqueue(log, req, LOG_OP_FLUSH, cb);
	return LOG_OK;
}

int log_truncate_to(struct log *log, struct log_req *req, int64_t offset, log_req_cb cb)
{
	if (offset < 0)
		return LOG_EINVAL;
	req->buf = NULL;
	req->target = offset;
	log_enqueue(log, req, LOG_OP_TRUNCATE, cb);
	return LOG_OK;
}

int log_truncate_fully(struct log *log, struct log_req *req, int64_t offset, log_req_cb cb)
{
	if (offset < 0)
		return LOG_EINVAL;
	req->buf = NULL;
	req->target = offset;
	log_enqueue(log, req, LOG_OP_TRUNCATE_FULLY, cb);
	return LOG_OK;
}

static void queue_flush(struct log *log, int64_t target);

static void internal_done(struct log_req *req, int status)
{
	struct log *log = req->data;
	/* Internal requests are not reused until they completed. */
	req->kind = 0;
	if (req == &log->flush_req && log->flush_again >= 0) {
		int64_t target = log->flush_again;
		log->flush_again = -1;
		queue_flush(log, target);
	}
}

/*
 * Queues the internal flush up to `target`. One already queued is widened
 * to cover it; one already running cannot be (its fsyncs are chosen), so
 * another follows it.
 */
static void queue_flush(struct log *log, int64_t target)
{
	struct log_req *req = &log->flush_req;
	if (req->kind && log->cur == req) {
		if (target > log->flush_again)
			log->flush_again = target;
		return;
	}
	if (req->kind) {
		if (target > req->target)
			req->target = target;
		return;
	}
	req->data = log;
	req->buf = NULL;
	req->target = target;
	log_enqueue(log, req, LOG_OP_FLUSH, internal_done);
}

void log_maybe_flush(struct log *log, int64_t now_ns)
{
	const struct log_config *c = log->cfg;
	/* Intervals too long to count in nanoseconds are as good as never. */
	if (c->flush_interval_ms > INT64_MAX / 1000000 || log->leo <= log->recovery_point)
		return;
	if (now_ns - log->last_flush_ns >= c->flush_interval_ms * 1000000)
		queue_flush(log, INT64_MAX);
}

void log_maybe_retain(struct log *log, int64_t now_ms, int64_t high_watermark)
{
	if (log->retain_req.kind)
		return;
	log->retain_now_ms = now_ms;
	log->retain_hw = high_watermark;
	log->retain_req.data = log;
	log->retain_req.buf = NULL;
	log_enqueue(log, &log->retain_req, LOG_OP_RETAIN, internal_done);
}

/* ---- Appends -------------------------------------------------------------- */

static struct log_segment *active(struct log *log)
{
	return log->segs[log->nseg - 1];
}

/* Kafka's shouldRoll: size, time (from the first batch's timestamp), a full
 * index, or an offset too far for a relative offset. */
static bool should_roll(struct log *log, int64_t first, int64_t last, int64_t max_ts,
			size_t len)
{
	struct log_segment *seg = active(log);
	const struct log_config *c = log->cfg;
	if (seg->end == 0)
		return false;
	return seg->end > c->segment_bytes - (int64_t)len ||
	       (seg->first_timestamp >= 0 && max_ts - seg->first_timestamp > c->segment_ms) ||
	       log_index_full(&seg->ix) || log_time_index_full(&seg->tx) ||
	       last - seg->base_offset > INT32_MAX;
}

static int roll(struct log *log, int64_t base, struct log_io *io)
{
	struct log_segment *old = active(log), *seg;
	log_segment_seal(old, log->alloc, io);
	if (log_segment_open(log->env, log->pdir, base, log->cfg->segment_index_bytes, &seg))
		return LOG_EIO;
	log_segs_push(log, seg);
	/* As Kafka's roll: the finished segment is flushed in the background. */
	queue_flush(log, base);
	return LOG_OK;
}

static void append_written(struct log_io *io, int status)
{
	struct log *log = log_io_data(io);
	struct log_req *req = log->cur;
	if (status) {
		log->offline = true;
		log_op_finish(log, LOG_EIO);
		return;
	}
	log->cur_seg->size = log->cur_seg->end;
	log->leo = req->last_offset + 1;
	bool epochs_changed = false;
	size_t pos = 0;
	while (pos < req->len) {
		struct rb_batch b;
		rb_parse_batch(req->buf + pos, req->len - pos, &b);
		if (req->kind == LOG_OP_APPEND_LEADER || !KSIM_MUTANT_IS("dedup-follower"))
			log_pstate_apply_header(&log->ps, &b.h);
		if (b.h.partition_leader_epoch > log_epoch_latest(&log->epochs))
			epochs_changed |= log_epoch_assign(&log->epochs,
							   b.h.partition_leader_epoch,
							   b.h.base_offset);
		pos += b.size;
	}
	if (epochs_changed)
		log_epoch_save(log);
	int64_t msgs = log->cfg->flush_interval_messages;
	bool follower = req->kind != LOG_OP_APPEND_LEADER;
	if (msgs != LOG_NEVER && log->leo - log->recovery_point >= msgs &&
	    !(follower && KSIM_MUTANT_IS("follower-fsync"))) {
		if (follower)
			env_mark(log->env, "follower-fsync");
		queue_flush(log, INT64_MAX);
	}
	log_op_finish(log, LOG_OK);
}

/* Leader: idempotence check of a lone batch, then offsets and epochs. */
static int leader_prepare(struct log *log, struct log_req *req)
{
	struct rb_batch b;
	rb_parse_batch(req->buf, req->len, &b);
	if (b.h.producer_id >= 0 && !rb_is_control(&b.h)) {
		struct log_pstate_batch dup;
		int32_t last_seq = log_pstate_last_seq(b.h.base_sequence, b.h.last_offset_delta);
		int rc = log_pstate_check(&log->ps, b.h.producer_id, b.h.producer_epoch,
					  b.h.base_sequence, last_seq, &dup);
		if (rc == LOG_DUPLICATE && KSIM_MUTANT_IS("dedup-leader"))
			rc = LOG_OK; /* the mutant appends the retry again */
		if (rc == LOG_DUPLICATE) {
			req->base_offset = dup.first_offset;
			req->last_offset = dup.last_offset;
		}
		if (rc)
			return rc;
	}
	int64_t next = log->leo;
	for (size_t pos = 0; pos < req->len; pos += b.size) {
		rb_set_base_offset(req->buf + pos, req->len - pos, next);
		rb_set_partition_leader_epoch(req->buf + pos, req->len - pos, req->epoch);
		rb_parse_batch(req->buf + pos, req->len - pos, &b);
		next = rb_last_offset(&b.h) + 1;
	}
	return LOG_OK;
}

/* Follower: the batches must continue the log exactly. */
static int follower_prepare(struct log *log, struct log_req *req)
{
	int64_t next = log->leo;
	struct rb_batch b;
	for (size_t pos = 0; pos < req->len; pos += b.size) {
		rb_parse_batch(req->buf + pos, req->len - pos, &b);
		if (b.h.base_offset != next)
			return LOG_ENOT_CONTIGUOUS;
		next = rb_last_offset(&b.h) + 1;
	}
	return LOG_OK;
}

static void run_append(struct log *log, struct log_req *req)
{
	int rc = req->kind == LOG_OP_APPEND_LEADER ? leader_prepare(log, req)
						   : follower_prepare(log, req);
	if (rc) {
		log_op_finish(log, rc);
		return;
	}
	struct rb_batch first, b;
	rb_parse_batch(req->buf, req->len, &first);
	int64_t max_ts = -1, last = 0;
	for (size_t pos = 0; pos < req->len; pos += b.size) {
		rb_parse_batch(req->buf + pos, req->len - pos, &b);
		max_ts = b.h.max_timestamp > max_ts ? b.h.max_timestamp : max_ts;
		last = rb_last_offset(&b.h);
	}
	struct log_io *io = log_io_new(log->env, append_written, log);
	if (should_roll(log, first.h.base_offset, last, max_ts, req->len) &&
	    roll(log, first.h.base_offset, io)) {
		log->offline = true;
		log_io_discard(io);
		log_op_finish(log, LOG_EIO);
		return;
	}
	struct log_segment *seg = active(log);
	log->cur_seg = seg;
	log_io_write(io, seg->log, seg->end, req->buf, req->len, false);
	int64_t pos = seg->end;
	for (size_t p = 0; p < req->len; p += b.size) {
		rb_parse_batch(req->buf + p, req->len - p, &b);
		log_segment_note_batch(seg, log->alloc, &b.h, pos, log->cfg->index_interval_bytes,
				       io);
		pos += (int64_t)b.size;
	}
	seg->end = pos;
	req->base_offset = first.h.base_offset;
	req->last_offset = last;
	log_io_run(io);
}

/* ---- Flush ---------------------------------------------------------------- */

static void flush_ckpt_done(struct log *log, int status)
{
	log_op_finish(log, status);
}

static void flush_synced(struct log_io *io, int status)
{
	struct log *log = log_io_data(io);
	struct log_req *req = log->cur;
	if (status) {
		log->offline = true;
		log_op_finish(log, LOG_EIO);
		return;
	}
	if (req->target > log->recovery_point)
		log->recovery_point = req->target;
	req->last_offset = log->recovery_point;
	log_ckpt_save(log, flush_ckpt_done);
}

static void run_flush(struct log *log, struct log_req *req)
{
	if (req->target > log->leo)
		req->target = log->leo;
	log->last_flush_ns = env_now_ns(log->env);
	if (req->target <= log->recovery_point) {
		req->last_offset = log->recovery_point;
		log_op_finish(log, LOG_OK);
		return;
	}
	/* Every segment that may hold offsets in [recovery point, target). */
	struct log_io *io = log_io_new(log->env, flush_synced, log);
	for (size_t i = log_segs_find(log, log->recovery_point); i < log->nseg; i++) {
		struct log_segment *seg = log->segs[i];
		if (seg->base_offset >= req->target && i > 0)
			break;
		log_io_fsync(io, seg->log);
		log_io_fsync(io, seg->index);
		log_io_fsync(io, seg->timeindex);
	}
	log_io_run(io);
}

/* ---- Truncation ----------------------------------------------------------- */

static void truncated_ckpt_done(struct log *log, int status)
{
	log_op_finish(log, status);
}

static void truncate_synced(struct log_io *io, int status)
{
	struct log *log = log_io_data(io);
	if (status) {
		log->offline = true;
		log_op_finish(log, LOG_EIO);
		return;
	}
	log_ckpt_save(log, truncated_ckpt_done);
}

/* Closes and queues the deletion of segments [from, nseg). */
static void drop_tail(struct log *log, size_t from, struct log_io *io)
{
	for (size_t i = from; i < log->nseg; i++) {
		log_segment_unlink(io, log->pdir, log->segs[i]->base_offset);
		log_segment_close(log->env, log->segs[i]);
	}
	log->nseg = from;
}

static void after_truncation(struct log *log)
{
	if (log->recovery_point > log->leo)
		log->recovery_point = log->leo;
	log_rebuild_producers(log);
	if (log_epoch_truncate_from_end(&log->epochs, log->leo))
		log_epoch_save(log);
}

static void run_truncate_fully(struct log *log, struct log_req *req);

static void run_truncate(struct log *log, struct log_req *req)
{
	if (req->target >= log->leo) {
		req->base_offset = log->leo;
		log_op_finish(log, LOG_OK);
		return;
	}
	if (req->target < log->log_start) {
		run_truncate_fully(log, req);
		return;
	}
	size_t k = log_segs_find(log, req->target);
	struct log_segment *seg = log->segs[k];
	int64_t pos = seg->size;
	struct rb_batch_header h;
	int rc = log_segment_find(seg, req->target, &pos, &h);
	if (rc == LOG_ECORRUPT) {
		log_op_finish(log, rc);
		return;
	}
	struct log_io *io = log_io_new(log->env, truncate_synced, log);
	drop_tail(log, k + 1, io);
	struct log_segment_walk walk;
	log_segment_walk(log->env, seg, log->alloc, log->cfg->index_interval_bytes, pos,
			 INT64_MAX, NULL, NULL, &walk);
	log_io_truncate(io, seg->log, walk.valid_bytes);
	log_segment_sync_index_files(log->env, seg, io);
	log_io_fsync(io, seg->log);
	log_io_fsync(io, seg->index);
	log_io_fsync(io, seg->timeindex);
	log->leo = seg->next_offset;
	req->base_offset = log->leo;
	after_truncation(log);
	log_io_run(io);
}

static void fully_synced(struct log_io *io, int status)
{
	truncate_synced(io, status);
}

static void fully_unlinked(struct log_io *io, int status)
{
	struct log *log = log_io_data(io);
	struct log_req *req = log->cur;
	struct log_segment *seg;
	if (status || log_segment_open(log->env, log->pdir, req->target,
				       log->cfg->segment_index_bytes, &seg)) {
		log->offline = true;
		log_op_finish(log, LOG_EIO);
		return;
	}
	log_segs_push(log, seg);
	struct log_io *sync = log_io_new(log->env, fully_synced, log);
	log_io_fsync(sync, seg->log); /* commits the unlinks and the new names */
	log_io_run(sync);
}

static void run_truncate_fully(struct log *log, struct log_req *req)
{
	struct log_io *io = log_io_new(log->env, fully_unlinked, log);
	drop_tail(log, 0, io);
	log->leo = log->log_start = log->recovery_point = req->target;
	req->base_offset = req->target;
	log_epoch_free(&log->epochs);
	log_epoch_save(log);
	log_pstate_clear(&log->ps);
	log_io_run(io);
}

/* ---- Retention ------------------------------------------------------------ */

/* How many of the oldest segments retention may delete now. */
static size_t deletable(struct log *log)
{
	const struct log_config *c = log->cfg;
	size_t k = 0;
	int64_t total = log_size_bytes(log);
	/* Only whole segments below the high watermark, never the active one. */
	while (c->retention_ms >= 0 && k + 1 < log->nseg &&
	       log->segs[k + 1]->base_offset <= log->retain_hw &&
	       log->retain_now_ms - log->segs[k]->max_timestamp > c->retention_ms)
		total -= log->segs[k++]->size;
	int64_t diff = c->retention_bytes >= 0 ? total - c->retention_bytes : -1;
	while (k + 1 < log->nseg && log->segs[k + 1]->base_offset <= log->retain_hw &&
	       diff - log->segs[k]->size >= 0)
		diff -= log->segs[k++]->size;
	return k;
}

static void retained_ckpt_done(struct log *log, int status)
{
	log_op_finish(log, status);
}

static void retained(struct log_io *io, int status)
{
	struct log *log = log_io_data(io);
	if (status) {
		log->offline = true;
		log_op_finish(log, LOG_EIO);
		return;
	}
	log_ckpt_save(log, retained_ckpt_done);
}

static void run_retain(struct log *log)
{
	size_t k = deletable(log);
	if (k == 0) {
		log_op_finish(log, LOG_OK);
		return;
	}
	struct log_io *io = log_io_new(log->env, retained, log);
	for (size_t i = 0; i < k; i++) {
		env_log(log->env, ENV_LOG_INFO, "%s: deleting segment %lld by retention",
			log->pdir, (long long)log->segs[i]->base_offset);
		log_segment_unlink(io, log->pdir, log->segs[i]->base_offset);
		log_segment_close(log->env, log->segs[i]);
	}
	memmove(log->segs, log->segs + k, (log->nseg - k) * sizeof *log->segs);
	log->nseg -= k;
	log->log_start = log->segs[0]->base_offset;
	if (log->recovery_point < log->log_start)
		log->recovery_point = log->log_start;
	if (log_epoch_truncate_from_start(&log->epochs, log->log_start))
		log_epoch_save(log);
	log_io_run(io);
}

void log_op_run(struct log *log, struct log_req *req)
{
	switch (req->kind) {
	case LOG_OP_APPEND_LEADER:
	case LOG_OP_APPEND_FOLLOWER:
		run_append(log, req);
		return;
	case LOG_OP_FLUSH:
		run_flush(log, req);
		return;
	case LOG_OP_TRUNCATE:
		run_truncate(log, req);
		return;
	case LOG_OP_TRUNCATE_FULLY:
		run_truncate_fully(log, req);
		return;
	case LOG_OP_RETAIN:
		run_retain(log);
		return;
	}
	log_op_finish(log, LOG_EINVAL);
}
