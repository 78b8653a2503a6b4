/*
 * log.c — the log's queue, reads, accessors and checkpoint files.
 * Operations themselves are in log_ops.c, opening in log_recover.c.
 */
#include "broker/log/log.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "broker/log/log_ckpt.h"
#include "broker/log/log_impl.h"

void log_config_default(struct log_config *c, const char *dir, const char *topic,
			int32_t partition)
{
	*c = (struct log_config){
		.dir = dir,
		.topic = topic,
		.partition = partition,
		.segment_bytes = 1024 * 1024 * 1024,
		.segment_ms = 7LL * 24 * 3600 * 1000,
		.segment_index_bytes = 10 * 1024 * 1024,
		.index_interval_bytes = 4096,
		.retention_bytes = -1,
		.retention_ms = 7LL * 24 * 3600 * 1000,
		.flush_interval_messages = LOG_NEVER,
		.flush_interval_ms = LOG_NEVER,
	};
}

/* ---- The queue ------------------------------------------------------------ */

static void kick_cb(struct env_timer *t)
{
	struct log *log = t->data;
	if (log->cur || log->opening || !log->head)
		return;
	struct log_req *req = log->head;
	log->head = req->next;
	if (!log->head)
		log->tail = NULL;
	req->next = NULL;
	log->cur = req;
	if (log->offline) {
		log_op_finish(log, LOG_EOFFLINE);
		return;
	}
	log_op_run(log, req);
}

void log_kick(struct log *log)
{
	if (!log->cur && !log->opening && log->head && !env_timer_active(&log->kick))
		env_timer_start(log->env, &log->kick, 0, kick_cb);
}

void log_enqueue(struct log *log, struct log_req *req, int kind, log_req_cb cb)
{
	req->kind = kind;
	req->cb = cb;
	req->next = NULL;
	req->stage = 0;
	if (log->tail)
		log->tail->next = req;
	else
		log->head = req;
	log->tail = req;
	log_kick(log);
}

void log_op_finish(struct log *log, int status)
{
	struct log_req *req = log->cur;
	assert(req);
	log->cur = NULL;
	log->cur_seg = NULL;
	if (req->buf) {
		env_free(log->env, req->buf);
		req->buf = NULL;
	}
	log_kick(log);
	req->cb(req, status);
}

bool log_idle(const struct log *log)
{
	return !log->opening && !log->cur && !log->head && !log->epoch_writing &&
	       !log->ckpt_writing;
}

void log_close(struct log *log)
{
	assert(log_idle(log));
	struct env *env = log->env;
	env_timer_stop(env, &log->kick);
	for (size_t i = 0; i < log->nseg; i++)
		log_segment_close(env, log->segs[i]);
	env_free(env, log->segs);
	log_epoch_free(&log->epochs);
	log_pstate_free(&log->ps);
	env_free(env, log->pdir);
	env_free(env, log);
}

/* ---- Segments ------------------------------------------------------------- */

void log_segs_push(struct log *log, struct log_segment *seg)
{
	if (log->nseg == log->segcap) {
		log->segcap = log->segcap ? log->segcap * 2 : 8;
		log->segs = env_realloc(log->env, log->segs, log->segcap * sizeof *log->segs);
	}
	log->segs[log->nseg++] = seg;
}

size_t log_segs_find(const struct log *log, int64_t offset)
{
	size_t lo = 0, hi = log->nseg;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (log->segs[mid]->base_offset <= offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? lo - 1 : 0;
}

void log_rebuild_producers(struct log *log)
{
	log_pstate_clear(&log->ps);
	uint8_t hdr[RB_HEADER_SIZE];
	for (size_t i = 0; i < log->nseg; i++) {
		struct log_segment *seg = log->segs[i];
		int64_t pos = 0;
		struct rb_batch_header h;
		while (pos < seg->size &&
		       env_file_read(seg->log, pos, hdr, sizeof hdr) == (int64_t)sizeof hdr &&
		       rb_read_header(hdr, sizeof hdr, &h) == RB_OK) {
			log_pstate_apply_header(&log->ps, &h);
			pos += RB_LOG_OVERHEAD + (int64_t)h.batch_length;
		}
	}
}

/* ---- Reads ---------------------------------------------------------------- */

/* Appends the batch at pos (size bytes) to out after checking it. Appends
 * validated every record already; on a read the frame and the CRC (which
 * covers everything after the partition leader epoch) are enough to catch
 * what the disk did to the batch since, as Kafka relies on its consumers'
 * CRC check rather than walking records on each fetch. */
static int read_batch(struct log *log, struct log_segment *seg, int64_t pos, size_t size,
		      struct log_read *out, size_t *cap)
{
	if (out->len + size > *cap) {
		*cap = (out->len + size) * 2;
		out->data = env_realloc(log->env, out->data, *cap);
	}
	uint8_t *p = out->data + out->len;
	if (env_file_read(seg->log, pos, p, size) != (int64_t)size)
		return LOG_ECORRUPT;
	struct rb_batch b;
	if (rb_parse_batch(p, size, &b) != RB_OK || b.size != size || rb_verify_crc(&b) != RB_OK)
		return LOG_ECORRUPT;
	out->len += size;
	out->batches++;
	out->next_offset = rb_last_offset(&b.h) + 1;
	return LOG_OK;
}

/* Reads from one segment; returns LOG_EOUT_OF_RANGE when offset is past it. */
static int read_segment(struct log *log, struct log_segment *seg, int64_t offset,
			size_t max_bytes, int64_t limit, struct log_read *out, size_t *cap)
{
	int64_t pos;
	struct rb_batch_header h;
	int rc = log_segment_find(seg, offset, &pos, &h);
	if (rc)
		return rc;
	uint8_t hdr[RB_HEADER_SIZE];
	for (;;) {
		size_t size = RB_LOG_OVERHEAD + (size_t)h.batch_length;
		if (rb_last_offset(&h) >= limit || pos + (int64_t)size > seg->size)
			return LOG_OK;
		if (out->batches && out->len + size > max_bytes)
			return LOG_OK;
		rc = read_batch(log, seg, pos, size, out, cap);
		if (rc)
			return out->batches ? LOG_OK : rc; /* never serve a bad batch */
		pos += (int64_t)size;
		if (pos >= seg->size ||
		    env_file_read(seg->log, pos, hdr, sizeof hdr) != (int64_t)sizeof hdr ||
		    rb_read_header(hdr, sizeof hdr, &h) != RB_OK)
			return LOG_OK;
		/* The next read of this reader starts here. */
		log_segment_hint(seg, h.base_offset, pos);
	}
}

int log_read(struct log *log, int64_t offset, size_t max_bytes, int64_t max_offset,
	     struct log_read *out)
{
	*out = (struct log_read){.next_offset = offset};
	if (log->offline || log->opening)
		return LOG_EOFFLINE;
	if (offset < log->log_start || offset > log->leo)
		return LOG_EOUT_OF_RANGE;
	int64_t limit = max_offset < log->leo ? max_offset : log->leo;
	size_t cap = 0;
	int rc = LOG_OK;
	for (size_t i = log_segs_find(log, offset); offset < limit && i < log->nseg; i++) {
		rc = read_segment(log, log->segs[i], offset, max_bytes, limit, out, &cap);
		if (rc != LOG_EOUT_OF_RANGE)
			break;
		rc = LOG_OK; /* the offset lies past this segment: try the next */
	}
	if (rc) {
		log_read_free(log, out);
		out->next_offset = offset;
	}
	return rc;
}

void log_read_free(struct log *log, struct log_read *r)
{
	env_free(log->env, r->data);
	r->data = NULL;
	r->len = 0;
	r->batches = 0;
}

/* ---- ListOffsets by timestamp --------------------------------------------- */

/* The first record of the batch at pos with a timestamp >= ts, if any. */
static int scan_batch_records(struct log *log, struct log_segment *seg, int64_t pos,
			      size_t size, int64_t ts, int64_t *offset, int64_t *rec_ts)
{
	uint8_t *buf = env_alloc(log->env, size);
	struct rb_batch b;
	struct rb_record_iter it;
	struct rb_record rec;
	int rc;
	if (env_file_read(seg->log, pos, buf, size) != (int64_t)size ||
	    rb_validate_batch(buf, size, 0, &b) != RB_OK) {
		env_free(log->env, buf);
		return LOG_ECORRUPT;
	}
	if (rb_init_record_iter(&it, &b, 0) == RB_ECOMPRESSION) {
		/* Records we cannot decompress: answer with the batch. */
		*offset = b.h.base_offset;
		*rec_ts = b.h.max_timestamp;
		rc = LOG_OK;
	} else {
		rc = LOG_EOUT_OF_RANGE;
		while (rc == LOG_EOUT_OF_RANGE && rb_next_record(&it, &rec) == RB_OK) {
			if (rec.timestamp >= ts) {
				*offset = rec.offset;
				*rec_ts = rec.timestamp;
				rc = LOG_OK;
			}
		}
	}
	env_free(log->env, buf);
	return rc;
}

/* Reads the segment's batches from the time index's hint on. */
static int scan_segment_for_time(struct log *log, struct log_segment *seg, int64_t ts,
				 int64_t *offset, int64_t *rec_ts)
{
	struct log_time_entry te;
	int64_t from = seg->base_offset;
	if (log_time_index_lookup(&seg->tx, ts, &te))
		from = seg->base_offset + te.rel_offset;
	int64_t pos;
	struct rb_batch_header h;
	int rc = log_segment_find(seg, from, &pos, &h);
	uint8_t hdr[RB_HEADER_SIZE];
	while (rc == LOG_OK) {
		size_t size = RB_LOG_OVERHEAD + (size_t)h.batch_length;
		if (h.max_timestamp >= ts) {
			rc = scan_batch_records(log, seg, pos, size, ts, offset, rec_ts);
			if (rc != LOG_EOUT_OF_RANGE)
				return rc;
		}
		pos += (int64_t)size;
		if (pos >= seg->size)
			return LOG_EOUT_OF_RANGE;
		if (env_file_read(seg->log, pos, hdr, sizeof hdr) != (int64_t)sizeof hdr ||
		    rb_read_header(hdr, sizeof hdr, &h) != RB_OK)
			return LOG_ECORRUPT;
	}
	return rc;
}

int log_offset_for_timestamp(struct log *log, int64_t timestamp, int64_t *offset,
			     int64_t *record_timestamp)
{
	if (log->offline || log->opening)
		return LOG_EOFFLINE;
	for (size_t i = 0; i < log->nseg; i++) {
		struct log_segment *seg = log->segs[i];
		if (seg->max_timestamp < timestamp || seg->size == 0)
			continue;
		int rc = scan_segment_for_time(log, seg, timestamp, offset, record_timestamp);
		if (rc != LOG_EOUT_OF_RANGE)
			return rc;
	}
	return LOG_EOUT_OF_RANGE;
}

/* ---- Accessors ------------------------------------------------------------ */

int64_t log_start_offset(const struct log *log) { return log->log_start; }
int64_t log_end_offset(const struct log *log) { return log->leo; }
int64_t log_recovery_point(const struct log *log) { return log->recovery_point; }
bool log_offline(const struct log *log) { return log->offline; }
size_t log_segment_count(const struct log *log) { return log->nseg; }
const char *log_dir(const struct log *log) { return log->pdir; }
const struct log_epoch_cache *log_epochs(const struct log *log) { return &log->epochs; }
const struct log_pstate *log_producers(const struct log *log) { return &log->ps; }

const struct log_segment *log_segment_at(const struct log *log, size_t i)
{
	return i < log->nseg ? log->segs[i] : NULL;
}

int64_t log_size_bytes(const struct log *log)
{
	int64_t n = 0;
	for (size_t i = 0; i < log->nseg; i++)
		n += log->segs[i]->size;
	return n;
}

/* ---- The leader epoch checkpoint ------------------------------------------- */

static void epoch_saved(void *arg, int status)
{
	struct log *log = arg;
	log->epoch_writing = false;
	if (status) {
		log->offline = true;
		env_log(log->env, ENV_LOG_ERROR, "%s: leader-epoch-checkpoint write failed",
			log->pdir);
		return;
	}
	if (log->epoch_dirty)
		log_epoch_save(log);
}

void log_epoch_save(struct log *log)
{
	if (log->epoch_writing) {
		log->epoch_dirty = true;
		return;
	}
	log->epoch_dirty = false;
	struct wire_writer w;
	wire_writer_init(&w, NULL, 0);
	log_epoch_encode(&log->epochs, &w);
	size_t n = w.len;
	uint8_t *buf = env_alloc(log->env, n);
	wire_writer_init(&w, buf, n);
	log_epoch_encode(&log->epochs, &w);
	char path[512];
	snprintf(path, sizeof path, "%s/%s", log->pdir, LOG_EPOCH_FILE);
	if (log_ckpt_write_file(log->env, path, buf, n, epoch_saved, log) == LOG_OK)
		log->epoch_writing = true;
	else
		log->offline = true;
	env_free(log->env, buf);
}

void log_assign_epoch(struct log *log, int32_t epoch, int64_t start_offset)
{
	if (log_epoch_assign(&log->epochs, epoch, start_offset))
		log_epoch_save(log);
}

/* ---- Offset checkpoints ---------------------------------------------------- */

/* Encodes `name` with this partition's entry set to value, keeping the
 * other partitions' entries of a well-formed existing file. */
static uint8_t *ckpt_render(struct log *log, const char *name, int64_t value, size_t *len)
{
	struct env *env = log->env;
	char path[512];
	snprintf(path, sizeof path, "%s/%s", log->cfg->dir, name);
	char *old = NULL;
	size_t old_len = 0, n = 0;
	struct env_file *f;
	if (env_file_open(env, path, 0, &f) == ENV_OK) {
		old_len = (size_t)env_file_size(f);
		old = env_alloc(env, old_len + 1);
		if (env_file_read(f, 0, old, old_len) != (int64_t)old_len)
			old_len = 0;
		env_file_close(f);
	}
	struct log_ckpt_error err;
	if (log_ckpt_parse(old, old_len, NULL, 0, &n, &err) == LOG_EFORMAT)
		n = 0; /* a bad file is replaced by a good one */
	struct log_ckpt_entry *e = env_calloc(env, n + 1, sizeof *e);
	if (n)
		log_ckpt_parse(old, old_len, e, n, &n, &err);
	size_t i = 0;
	const char *topic = log->cfg->topic;
	while (i < n && !(e[i].partition == log->cfg->partition &&
			  e[i].topic_len == strlen(topic) &&
			  memcmp(e[i].topic, topic, e[i].topic_len) == 0))
		i++;
	e[i] = (struct log_ckpt_entry){topic, strlen(topic), log->cfg->partition, value};
	if (i == n)
		n++;
	struct wire_writer w;
	wire_writer_init(&w, NULL, 0);
	log_ckpt_encode(&w, e, n);
	uint8_t *buf = env_alloc(env, w.len);
	*len = w.len;
	wire_writer_init(&w, buf, *len);
	log_ckpt_encode(&w, e, n);
	env_free(env, e);
	env_free(env, old);
	return buf;
}

struct ckpt_job {
	struct log *log;
	void (*cb)(struct log *log, int status);
	int step;
};

static void ckpt_step(void *arg, int status);

static void ckpt_next(struct ckpt_job *job)
{
	struct log *log = job->log;
	const char *name = job->step == 0 ? LOG_RECOVERY_POINT_FILE : LOG_START_OFFSET_FILE;
	int64_t value = job->step == 0 ? log->recovery_point : log->log_start;
	char path[512];
	snprintf(path, sizeof path, "%s/%s", log->cfg->dir, name);
	size_t len;
	uint8_t *buf = ckpt_render(log, name, value, &len);
	char tmp[600];
	snprintf(tmp, sizeof tmp, "%s.%s-%d.tmp", path, log->cfg->topic, log->cfg->partition);
	int rc = log_ckpt_write_file_via(log->env, path, tmp, buf, len, ckpt_step, job);
	env_free(log->env, buf);
	if (rc) {
		job->step = 2;
		ckpt_step(job, rc);
	}
}

static void ckpt_step(void *arg, int status)
{
	struct ckpt_job *job = arg;
	struct log *log = job->log;
	if (status == LOG_OK && ++job->step < 2) {
		ckpt_next(job);
		return;
	}
	void (*cb)(struct log *, int) = job->cb;
	env_free(log->env, job);
	log->ckpt_writing = false;
	if (status)
		log->offline = true;
	cb(log, status ? LOG_EIO : LOG_OK);
}

void log_ckpt_save(struct log *log, void (*cb)(struct log *log, int status))
{
	struct ckpt_job *job = env_alloc(log->env, sizeof *job);
	*job = (struct ckpt_job){log, cb, 0};
	log->ckpt_writing = true;
	ckpt_next(job);
}
