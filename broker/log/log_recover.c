/*
 * log_recover.c — opening a partition log: Kafka's LogLoader in brief.
 *
 * 1. List the partition directory; keep `<20 digits>.log` segments (sorted
 *    by base offset), delete stray index files and leftovers of interrupted
 *    deletions (.deleted, .cleaned, .swap).
 * 2. Read the recovery point from the log directory's
 *    recovery-point-offset-checkpoint (missing or malformed: 0, so the
 *    whole log is checked) and the leader-epoch-checkpoint (which only
 *    contributes an epoch taken at the LEO with no batch yet: the cache is
 *    rebuilt from the batches, see merge_epoch_file).
 * 3. Walk each segment. A segment that may hold offsets at or past the
 *    recovery point is validated batch by batch (CRC and records); an
 *    earlier one only has its headers and lengths read (its bytes were
 *    fsynced), and is validated fully if even that fails. The walk rebuilds
 *    the in-memory indexes, and the epoch cache from batch epochs.
 * 4. At the first invalid byte (torn tail or corruption) the segment is
 *    truncated and every later segment deleted; a segment whose base does
 *    not continue the previous one (a name that outlived its data) is
 *    deleted with all after it.
 * 5. Index files that differ from the rebuilt indexes are rewritten; the
 *    epoch cache is clipped to [log start, LEO] and saved when it changed;
 *    producer state is rebuilt from every batch header.
 * After a clean shutdown (log_config.clean_shutdown: the broker found
 * Kafka's .kafka_cleanshutdown marker) step 3 reads only headers and
 * lengths of every segment, and the recovery point becomes the log end.
 * The requests of steps 1, 4 and 5 run as one chain. When the recovery
 * point had to move (the log was cut below it), the checkpoint is rewritten
 * next. The open callback fires when all that completed.
 */
#include <stdio.h>
#include <string.h>

#include "broker/log/log.h"
#include "broker/log/log_ckpt.h"
#include "broker/log/log_impl.h"

struct dir_scan {
	struct env *env;
	int64_t *bases;
	size_t n, cap;
	char **other; /* names to look at once the segments are known */
	size_t n_other, cap_other;
};

static void scan_each(void *arg, const char *name, bool is_dir)
{
	struct dir_scan *s = arg;
	int64_t base;
	if (is_dir)
		return;
	if (log_segment_parse_name(name, ".log", &base)) {
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 16;
			s->bases = env_realloc(s->env, s->bases, s->cap * sizeof *s->bases);
		}
		s->bases[s->n++] = base; /* listed in byte order: sorted by base */
		return;
	}
	if (s->n_other == s->cap_other) {
		s->cap_other = s->cap_other ? s->cap_other * 2 : 16;
		s->other = env_realloc(s->env, s->other, s->cap_other * sizeof *s->other);
	}
	s->other[s->n_other++] = env_strdup(s->env, name);
}

static bool has_base(const struct dir_scan *s, int64_t base)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->bases[i] == base)
			return true;
	return false;
}

static bool ends_with(const char *name, const char *suffix)
{
	size_t n = strlen(name), k = strlen(suffix);
	return n >= k && strcmp(name + n - k, suffix) == 0;
}

/* Deletes stray index files and leftovers of interrupted operations. */
static void clean_others(struct log *log, struct dir_scan *s, struct log_io *io)
{
	char path[512];
	for (size_t i = 0; i < s->n_other; i++) {
		const char *name = s->other[i];
		int64_t base;
		bool stray = (log_segment_parse_name(name, ".index", &base) ||
			      log_segment_parse_name(name, ".timeindex", &base)) &&
			     !has_base(s, base);
		if (stray || ends_with(name, ".deleted") || ends_with(name, ".cleaned") ||
		    ends_with(name, ".swap")) {
			snprintf(path, sizeof path, "%s/%s", log->pdir, name);
			log_io_unlink(io, path);
		}
		env_free(log->env, s->other[i]);
	}
	env_free(log->env, s->other);
}

/* Reads a whole small file into the node's heap; NULL when absent. */
static char *read_file(struct env *env, const char *path, size_t *len)
{
	struct env_file *f;
	if (env_file_open(env, path, 0, &f) != ENV_OK)
		return NULL;
	int64_t size = env_file_size(f);
	char *buf = env_alloc(env, (size_t)size + 1);
	*len = (size_t)size;
	if (env_file_read(f, 0, buf, (size_t)size) != size)
		*len = 0;
	env_file_close(f);
	return buf;
}

/* This partition's entry of a checkpoint in the log directory, or -1. */
static int64_t read_offset_ckpt(struct log *log, const char *name)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", log->cfg->dir, name);
	size_t len, n = 0;
	char *buf = read_file(log->env, path, &len);
	if (!buf)
		return -1;
	struct log_ckpt_error err;
	int64_t value = -1;
	int rc = log_ckpt_parse(buf, len, NULL, 0, &n, &err);
	if (rc == LOG_EFORMAT) {
		env_log(log->env, ENV_LOG_WARN, "%s: line %d: %s (ignored)", path, err.line,
			err.msg);
	} else if (n) {
		struct log_ckpt_entry *e = env_calloc(log->env, n, sizeof *e);
		log_ckpt_parse(buf, len, e, n, &n, &err);
		value = log_ckpt_find(e, n, log->cfg->topic, log->cfg->partition);
		env_free(log->env, e);
	}
	env_free(log->env, buf);
	return value;
}

/* Loads leader-epoch-checkpoint into *file; returns its bytes (or NULL) for
 * comparing with what the cache holds after recovery. */
static char *load_epochs(struct log *log, struct log_epoch_cache *file, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", log->pdir, LOG_EPOCH_FILE);
	char *buf = read_file(log->env, path, len);
	struct log_ckpt_error err;
	if (buf && log_epoch_parse(file, buf, *len, &err))
		env_log(log->env, ENV_LOG_WARN, "%s: line %d: %s (ignored)", path, err.line,
			err.msg);
	return buf;
}

/*
 * The cache was rebuilt from the batches' epochs. The file can add one
 * thing the log cannot: a last epoch a leader took at the LEO before
 * writing in it. Anything else in the file is older news than the log (the
 * file is rewritten asynchronously, so after a power loss it can lag a
 * truncation that was made durable).
 */
static void merge_epoch_file(struct log *log, const struct log_epoch_cache *file)
{
	if (!file->n)
		return;
	const struct log_epoch_entry *last = &file->e[file->n - 1];
	if (last->epoch > log_epoch_latest(&log->epochs) && last->start_offset == log->leo)
		log_epoch_assign(&log->epochs, last->epoch, last->start_offset);
}

/* Saves the epoch cache when it differs from the file's bytes. */
static void save_epochs_if_changed(struct log *log, const char *old, size_t old_len)
{
	struct wire_writer w;
	wire_writer_init(&w, NULL, 0);
	log_epoch_encode(&log->epochs, &w);
	char *now = env_alloc(log->env, w.len);
	wire_writer_init(&w, now, w.len);
	log_epoch_encode(&log->epochs, &w);
	bool same = old && old_len == w.len && memcmp(old, now, w.len) == 0;
	env_free(log->env, now);
	if (!same)
		log_epoch_save(log);
}

/* Walks segment i; returns false when recovery must stop after it. */
static bool recover_segment(struct log *log, const struct dir_scan *s, size_t i,
			    struct log_io *io)
{
	struct log_segment *seg;
	int64_t interval = log->cfg->index_interval_bytes;
	if (log_segment_open(log->env, log->pdir, s->bases[i], log->cfg->segment_index_bytes,
			     &seg)) {
		log->offline = true;
		return false;
	}
	/* After a clean shutdown (the log directory's marker) nothing is
	 * validated batch by batch: Kafka skips recovery then. */
	bool clean = log->cfg->clean_shutdown;
	bool final = i + 1 == s->n;
	bool full = !clean && (final || s->bases[i + 1] > log->recovery_point);
	struct log_segment_walk w;
	/* Even a segment that ends before the recovery point on paper is
	 * checked from the recovery point on: a tail that a recovery cut (not
	 * durably) can come back after a power loss. */
	log_segment_walk(log->env, seg, log->alloc, interval, -1,
			 clean ? INT64_MAX : full ? 0 : log->recovery_point, NULL, &log->epochs,
			 &w);
	/* Headers alone cannot tell a flipped lastOffsetDelta (inside the CRC):
	 * a segment that does not end where the next begins is validated. */
	if (!full && (w.err || (!final && seg->next_offset != s->bases[i + 1]))) {
		env_log(log->env, ENV_LOG_WARN, "%s: segment %lld unreadable or not "
			"continued below the recovery point: validating it", log->pdir,
			(long long)seg->base_offset);
		log_segment_walk(log->env, seg, log->alloc, interval, -1, 0, NULL,
				 &log->epochs, &w);
	}
	if (log->nseg && seg->base_offset != log->segs[log->nseg - 1]->next_offset) {
		env_log(log->env, ENV_LOG_WARN, "%s: segment %lld does not continue the log "
			"(expected %lld): deleting it and later ones", log->pdir,
			(long long)seg->base_offset,
			(long long)log->segs[log->nseg - 1]->next_offset);
		log_segment_close(log->env, seg);
		return false;
	}
	log_segs_push(log, seg);
	if (w.valid_bytes < w.file_size) {
		env_log(log->env, ENV_LOG_WARN, "%s: segment %lld: %s at byte %lld of %lld: "
			"truncating", log->pdir, (long long)seg->base_offset, rb_strerror(w.err),
			(long long)w.valid_bytes, (long long)w.file_size);
		log_io_truncate(io, seg->log, w.valid_bytes);
	}
	bool last = i + 1 == s->n || w.valid_bytes < w.file_size;
	if (!last)
		log_segment_seal(seg, log->alloc, NULL);
	log_segment_sync_index_files(log->env, seg, io);
	return !last;
}

static void open_done(struct log *log, int status)
{
	if (status)
		log->offline = true;
	log->opening = false;
	log_kick(log);
	log->open_cb(log, log->offline ? LOG_EIO : LOG_OK, log->open_arg);
}

static void opened(struct log_io *io, int status)
{
	struct log *log = log_io_data(io);
	/* Recovery may have cut the log below the checkpointed recovery point
	 * (corruption) and the cut is not durable yet: the file must stop
	 * claiming those offsets before anything new is written there, or a
	 * later restart would trust unflushed bytes. */
	if (!status && !log->offline && log->recovery_point != log->ckpt_recovery_point)
		log_ckpt_save(log, open_done);
	else
		open_done(log, status);
}

static void load_segments(struct log *log, struct dir_scan *s, struct log_io *io)
{
	size_t i = 0;
	while (i < s->n && recover_segment(log, s, i, io))
		i++;
	/* Everything after the segment recovery stopped in goes. */
	bool cut = log->nseg < s->n;
	for (size_t k = log->nseg; k < s->n; k++)
		log_segment_unlink(io, log->pdir, s->bases[k]);
	if (log->nseg) {
		struct log_segment *last = log->segs[log->nseg - 1];
		cut |= last->size < env_file_size(last->log);
		/* A cut must be durable before the log moves on: otherwise a
		 * power loss brings the cut bytes (or deleted segments) back
		 * under later, flushed segments, and the next recovery would
		 * have to cut those too. The fsync also commits the unlinks. */
		if (cut)
			log_io_fsync(io, last->log);
	}
	if (log->nseg == 0 && !log->offline) {
		int64_t start = read_offset_ckpt(log, LOG_START_OFFSET_FILE);
		struct log_segment *seg;
		if (log_segment_open(log->env, log->pdir, start > 0 ? start : 0,
				     log->cfg->segment_index_bytes, &seg) == LOG_OK)
			log_segs_push(log, seg);
		else
			log->offline = true;
	}
}

static void recover(struct log *log)
{
	struct env *env = log->env;
	struct log_io *io = log_io_new(env, opened, log);
	struct dir_scan s = {.env = env};
	if (env_mkdirs(env, log->pdir) != ENV_OK ||
	    env_list_dir(env, log->pdir, scan_each, &s) < 0) {
		log->offline = true;
		log_io_run(io);
		return;
	}
	clean_others(log, &s, io);
	int64_t rp = read_offset_ckpt(log, LOG_RECOVERY_POINT_FILE);
	log->recovery_point = rp > 0 ? rp : 0;
	log->ckpt_recovery_point = rp;
	size_t old_len = 0;
	struct log_epoch_cache file;
	log_epoch_init(&file, log->alloc);
	char *old_epochs = load_epochs(log, &file, &old_len);
	load_segments(log, &s, io);
	env_free(env, s.bases);
	if (!log->offline) {
		log->log_start = log->segs[0]->base_offset;
		log->leo = log->segs[log->nseg - 1]->next_offset;
		/* A clean shutdown flushed everything: recovered up to the end. */
		if (log->recovery_point > log->leo || log->cfg->clean_shutdown)
			log->recovery_point = log->leo;
		if (log->recovery_point < log->log_start)
			log->recovery_point = log->log_start;
		log_epoch_truncate_from_end(&log->epochs, log->leo);
		log_epoch_truncate_from_start(&log->epochs, log->log_start);
		merge_epoch_file(log, &file);
		log_rebuild_producers(log);
		save_epochs_if_changed(log, old_epochs, old_len);
	}
	log_epoch_free(&file);
	env_free(env, old_epochs);
	log->last_flush_ns = env_now_ns(env);
	log_io_run(io);
}

static bool config_ok(const struct log_config *c)
{
	return c && c->dir && c->topic && c->topic[0] && c->partition >= 0 &&
	       c->segment_bytes >= RB_HEADER_SIZE && c->segment_bytes <= INT32_MAX &&
	       c->segment_index_bytes >= LOG_TIMEINDEX_ENTRY_SIZE &&
	       c->index_interval_bytes >= 0 && c->segment_ms > 0 &&
	       c->flush_interval_messages > 0 && c->flush_interval_ms > 0 &&
	       strlen(c->dir) + strlen(c->topic) < 400;
}

int log_open(struct env *env, const struct log_config *cfg, log_open_cb cb, void *arg,
	     struct log **out)
{
	*out = NULL;
	if (!config_ok(cfg))
		return LOG_EINVAL;
	struct log *log = env_calloc(env, 1, sizeof *log);
	log->env = env;
	log->cfg = cfg;
	log->alloc = log_alloc_env(env);
	char pdir[512];
	snprintf(pdir, sizeof pdir, "%s/%s-%d", cfg->dir, cfg->topic, (int)cfg->partition);
	log->pdir = env_strdup(env, pdir);
	log->opening = true;
	log->flush_again = -1;
	log->kick.data = log;
	log->open_cb = cb;
	log->open_arg = arg;
	log_epoch_init(&log->epochs, log->alloc);
	log_pstate_init(&log->ps, log->alloc);
	*out = log;
	recover(log);
	return LOG_OK;
}
