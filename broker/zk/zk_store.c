/*
 * zk_store — the server's disk: one transaction log and one snapshot under
 * dataDir, both through env files.
 *
 * Log records: u32 body length, u32 CRC-32C of the body, then the body:
 *   u8 1 (header)  i64 log_id          the first record of every log
 *   u8 2 (epochs)  i64 accepted, i64 current
 *   u8 3 (txn)     i64 zxid, i64 time_ms, txn bytes (zk_txn encoding)
 * Recovery stops at the first record whose length or CRC does not check
 * out and truncates the file there: a torn or corrupt tail is never
 * replayed.
 *
 * Snapshot file "snap": u32 magic, u32 CRC-32C of the body, u32 body length,
 * body: i64 log_id, i64 accepted epoch, i64 current epoch, the session table
 * (i32 count, count x {i64 id, i32 timeout}) and the tree (zk_tree
 * serialisation, which carries its last zxid). It is written to "snap.tmp",
 * fsynced and renamed over "snap"; the log is then fsynced, which makes the
 * rename durable. A snapshot received from a leader (SNAP) bumps log_id and
 * is made durable before the log is reset, so a power loss in between
 * leaves a snapshot whose log_id the old log does not match: recovery then
 * ignores that log rather than replay txns the leader never had.
 */
#include "broker/zk/zk_server_impl.h"

#include <stdio.h>
#include <string.h>

#include "broker/log/crc32c.h"

#define SNAP_MAGIC 0x5a4b534eu /* "ZKSN" */
enum { REC_HEADER = 1, REC_EPOCHS = 2, REC_TXN = 3 };

static void path_of(const struct zk_server *s, char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", s->cfg->data_dir, name);
}

static void req_done_cb(struct env_req *req, int status)
{
	struct zk_server *s = req->data;
	env_free(s->env, req);
	if (status)
		zk_srv_fail(s, "log write", status);
}

static struct env_req *new_req(struct zk_server *s)
{
	struct env_req *r = env_calloc(s->env, 1, sizeof *r);
	r->data = s;
	return r;
}

/*
 * A request the disk refused at submission (sim/env.h: ENV_EINVAL, for an
 * offset, length or path no disk could take) gets no callback: it is failed
 * here as its callback would have failed it.
 */
static void submitted(struct zk_server *s, struct env_req *owned, int rc, const char *what)
{
	if (rc == ENV_OK)
		return;
	if (owned)
		env_free(s->env, owned);
	zk_srv_fail(s, what, rc);
}

/* Writes, appends and truncations that free their own request. */
static void req_write(struct zk_server *s, struct env_file *f, int64_t off, const void *b,
		      size_t n)
{
	struct env_req *r = new_req(s);
	submitted(s, r, env_file_write(r, f, off, b, n, req_done_cb), "log write");
}

static void req_append(struct zk_server *s, struct env_file *f, const void *b, size_t n)
{
	struct env_req *r = new_req(s);
	submitted(s, r, env_file_append(r, f, b, n, req_done_cb), "log write");
}

static void req_truncate(struct zk_server *s, struct env_file *f, int64_t size)
{
	struct env_req *r = new_req(s);
	submitted(s, r, env_file_truncate(r, f, size, req_done_cb), "log truncate");
}

/* Appends one framed record (body already in `body`). */
static void log_put(struct zk_server *s, const uint8_t *body, size_t len)
{
	uint8_t *rec = env_alloc(s->env, len + 8);
	struct wire_writer w;
	wire_writer_init(&w, rec, len + 8);
	wire_put_u32(&w, (uint32_t)len);
	wire_put_u32(&w, crc32c(body, len));
	wire_put_bytes(&w, body, len);
	if (!s->failed)
		req_append(s, s->log, rec, len + 8);
	s->log_size += (int64_t)len + 8;
	s->log_written += (int64_t)len + 8;
	env_free(s->env, rec);
}

static void log_put_header(struct zk_server *s)
{
	uint8_t b[9];
	struct wire_writer w;
	wire_writer_init(&w, b, sizeof b);
	wire_put_u8(&w, REC_HEADER);
	wire_put_i64(&w, s->log_id);
	log_put(s, b, w.len);
}

void zk_store_write_epochs(struct zk_server *s)
{
	zk_inv_epochs(s);
	uint8_t b[17];
	struct wire_writer w;
	wire_writer_init(&w, b, sizeof b);
	wire_put_u8(&w, REC_EPOCHS);
	wire_put_i64(&w, s->accepted_epoch);
	wire_put_i64(&w, s->current_epoch);
	log_put(s, b, w.len);
	s->epoch_rec_at = s->log_written;
	zk_store_sync_request(s);
}

static void hist_push(struct zk_server *s, int64_t zxid, int64_t time_ms, const uint8_t *txn,
		      uint32_t len, int32_t origin, int64_t cookie)
{
	if (s->nhist == s->hist_cap) {
		s->hist_cap = s->hist_cap ? s->hist_cap * 2 : 64;
		s->hist = env_realloc(s->env, s->hist, s->hist_cap * sizeof *s->hist);
	}
	struct zk_entry *e = &s->hist[s->nhist++];
	e->zxid = zxid;
	e->time_ms = time_ms;
	e->txn = env_alloc(s->env, len ? len : 1);
	memcpy(e->txn, txn, len);
	e->len = len;
	e->origin = origin;
	e->cookie = cookie;
	e->end_off = 0;
}

void zk_store_append(struct zk_server *s, int64_t zxid, int64_t time_ms, const uint8_t *txn,
		     uint32_t len, int32_t origin, int64_t cookie)
{
	zk_inv_append(s, zxid);
	hist_push(s, zxid, time_ms, txn, len, origin, cookie);
	uint8_t *b = zk_srv_buf(s, (size_t)len + 17);
	struct wire_writer w;
	wire_writer_init(&w, b, (size_t)len + 17);
	wire_put_u8(&w, REC_TXN);
	wire_put_i64(&w, zxid);
	wire_put_i64(&w, time_ms);
	wire_put_bytes(&w, txn, len);
	log_put(s, b, w.len);
	s->hist[s->nhist - 1].end_off = s->log_size;
	zk_store_sync_request(s);
}

static void fsync_done_cb(struct env_req *req, int status)
{
	struct zk_server *s = req->data;
	s->fsync_busy = false;
	if (status) {
		zk_srv_fail(s, "log fsync", status);
		return;
	}
	/* An earlier append on this file failed (its callback came first): the
	 * fsync covered a hole, so nothing it covers may count as durable. */
	if (s->failed)
		return;
	if (s->fsync_target > s->durable)
		s->durable = s->fsync_target;
	if (s->fsync_written > s->durable_written)
		s->durable_written = s->fsync_written;
	if (s->fsync_again) {
		s->fsync_again = false;
		zk_store_sync_request(s);
	}
	zk_quorum_durable(s);
}

void zk_store_sync_request(struct zk_server *s)
{
	if (s->failed)
		return;
	if (s->fsync_busy) {
		s->fsync_again = true;
		return;
	}
	s->fsync_busy = true;
	s->fsync_target = s->nhist ? s->hist[s->nhist - 1].zxid : s->hist_base;
	s->fsync_written = s->log_written;
	s->fsync_req.data = s;
	int rc = env_file_fsync(&s->fsync_req, s->log, fsync_done_cb);
	if (rc)
		s->fsync_busy = false;
	submitted(s, NULL, rc, "log fsync");
}

int32_t zk_store_find(const struct zk_server *s, int64_t zxid)
{
	int32_t lo = 0, hi = (int32_t)s->nhist - 1;
	while (lo <= hi) {
		int32_t mid = (lo + hi) / 2;
		if (s->hist[mid].zxid == zxid)
			return mid;
		if (s->hist[mid].zxid < zxid)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

bool zk_store_truncate(struct zk_server *s, int64_t zxid)
{
	if (s->committed > zxid)
		return false;
	int64_t off;
	uint32_t keep;
	if (zxid == s->hist_base) {
		keep = 0;
		off = s->hist_base_off;
	} else {
		int32_t i = zk_store_find(s, zxid);
		if (i < 0)
			return false;
		keep = (uint32_t)i + 1;
		off = s->hist[i].end_off;
	}
	for (uint32_t k = keep; k < s->nhist; k++)
		env_free(s->env, s->hist[k].txn);
	s->nhist = keep;
	s->log_size = off;
	if (s->durable > zxid)
		s->durable = zxid;
	if (s->fsync_target > zxid)
		s->fsync_target = zxid;
	if (!s->failed)
		req_truncate(s, s->log, off);
	/* The epochs record may have been cut; write them again. */
	zk_store_write_epochs(s);
	return true;
}

/* ---- State encoding ---------------------------------------------------- */

void zk_store_encode_state(struct zk_server *s, struct wire_writer *w)
{
	wire_put_i32(w, (int32_t)s->nsess);
	for (uint32_t i = 0; i < s->nsess; i++) {
		wire_put_i64(w, s->sess[i].id);
		wire_put_i32(w, s->sess[i].timeout_ms);
	}
	zk_tree_serialize(s->tree, w);
}

static void tree_watch_cb(void *ctx, const struct zk_tree_event *ev);

/* Loads sessions + tree from a state body; false on malformed bytes. */
static bool decode_state(struct zk_server *s, const uint8_t *p, size_t len)
{
	struct wire_reader r;
	wire_reader_init(&r, p, len);
	int32_t n = wire_get_i32(&r);
	if (r.err || n < 0 || (size_t)n > wire_remaining(&r) / 12)
		return false;
	size_t sess_at = r.pos;
	wire_get_bytes(&r, (size_t)n * 12);
	int err = 0;
	struct zk_tree *t = zk_tree_restore(&s->alloc, tree_watch_cb, s, p + r.pos,
					    len - r.pos, &err);
	if (!t)
		return false;
	zk_tree_destroy(s->tree);
	s->tree = t;
	s->nsess = 0;
	wire_reader_init(&r, p + sess_at, (size_t)n * 12);
	for (int32_t i = 0; i < n; i++) {
		int64_t id = wire_get_i64(&r);
		zk_srv_session_put(s, id, wire_get_i32(&r));
	}
	s->committed = zk_tree_last_zxid(t);
	return true;
}

/* The tree's watch callback lives in zk_server.c; this forwards to it. */
void zk_srv_watch_event(void *ctx, const struct zk_tree_event *ev);
static void tree_watch_cb(void *ctx, const struct zk_tree_event *ev)
{
	zk_srv_watch_event(ctx, ev);
}

/* ---- Recovery ---------------------------------------------------------- */

static size_t read_record(struct zk_server *s, int64_t off, int64_t size, uint8_t **body,
			  uint32_t *blen);

/* Loads "snap": 1 when loaded, 0 when there is none, -1 when unreadable. */
static int load_snapshot(struct zk_server *s, int64_t *log_id)
{
	char path[256];
	path_of(s, path, sizeof path, "snap");
	struct env_file *f;
	if (env_file_open(s->env, path, 0, &f))
		return 0;
	int64_t size = env_file_size(f);
	bool ok = false;
	if (size >= 12) {
		uint8_t *b = env_alloc(s->env, (size_t)size);
		env_file_read(f, 0, b, (size_t)size);
		struct wire_reader r;
		wire_reader_init(&r, b, (size_t)size);
		uint32_t magic = wire_get_u32(&r), crc = wire_get_u32(&r);
		uint32_t blen = wire_get_u32(&r);
		if (magic == SNAP_MAGIC && blen >= 24 && blen == (uint64_t)size - 12 &&
		    crc32c(b + 12, blen) == crc) {
			*log_id = wire_get_i64(&r);
			s->accepted_epoch = wire_get_i64(&r);
			s->current_epoch = wire_get_i64(&r);
			ok = decode_state(s, b + 36, blen - 24);
		}
		env_free(s->env, b);
	}
	env_file_close(f);
	return ok ? 1 : -1;
}

/* The log id in the log's header record, or -1 when it has none. */
static int64_t peek_log_id(struct zk_server *s)
{
	uint8_t *b = NULL;
	uint32_t blen = 0;
	int64_t id = -1;
	if (read_record(s, 0, env_file_size(s->log), &b, &blen)) {
		struct wire_reader r;
		wire_reader_init(&r, b, blen);
		if (wire_get_u8(&r) == REC_HEADER)
			id = wire_get_i64(&r);
		id = r.err ? -1 : id;
		env_free(s->env, b);
	}
	return id;
}

/* Reads one record at off; returns its total size or 0 when torn/corrupt. */
static size_t read_record(struct zk_server *s, int64_t off, int64_t size, uint8_t **body,
			  uint32_t *blen)
{
	uint8_t hdr[8];
	if (size - off < 8 || env_file_read(s->log, off, hdr, 8) != 8)
		return 0;
	struct wire_reader r;
	wire_reader_init(&r, hdr, 8);
	uint32_t len = wire_get_u32(&r), crc = wire_get_u32(&r);
	if (len == 0 || (int64_t)len > size - off - 8)
		return 0;
	uint8_t *b = env_alloc(s->env, len);
	if (env_file_read(s->log, off + 8, b, len) != (int64_t)len || crc32c(b, len) != crc) {
		env_free(s->env, b);
		return 0;
	}
	*body = b;
	*blen = len;
	return (size_t)len + 8;
}

/* Applies one log record during recovery; false ends the scan. */
static bool replay_record(struct zk_server *s, const uint8_t *b, uint32_t len, int64_t end,
			  int64_t snap_log_id, bool first)
{
	struct wire_reader r;
	wire_reader_init(&r, b, len);
	uint8_t kind = wire_get_u8(&r);
	if (first != (kind == REC_HEADER))
		return false;
	if (kind == REC_HEADER) {
		int64_t id = wire_get_i64(&r);
		if (snap_log_id >= 0 && id != snap_log_id)
			return false;
		s->log_id = id;
		return !r.err;
	}
	if (kind == REC_EPOCHS) {
		/* Epochs only grow: a record older than the snapshot (which
		 * carries the epochs of its time) must not lower them. */
		int64_t acc = wire_get_i64(&r), cur = wire_get_i64(&r);
		if (acc > s->accepted_epoch)
			s->accepted_epoch = acc;
		if (cur > s->current_epoch)
			s->current_epoch = cur;
		return !r.err;
	}
	if (kind != REC_TXN)
		return false;
	int64_t zxid = wire_get_i64(&r), time_ms = wire_get_i64(&r);
	if (r.err)
		return false;
	if (zxid <= s->hist_base) {
		s->hist_base_off = end;
		return true;
	}
	if (s->nhist && zxid <= s->hist[s->nhist - 1].zxid)
		return false;
	hist_push(s, zxid, time_ms, b + r.pos, len - (uint32_t)r.pos, 0, 0);
	s->hist[s->nhist - 1].end_off = end;
	return true;
}

/*
 * Writes the recovered log back over itself and fsyncs it. After an fsync
 * error the kernel drops the failed pages' dirty state (Linux does; so does
 * the simulated disk): the page cache still shows the data, a later fsync
 * succeeds without it, and a power loss then opens a hole in the middle of
 * the log, cutting off records acked after it. Rewriting what recovery read
 * makes every byte of it durable again before anything new is acked.
 */
static void rewrite_prefix(struct zk_server *s, int64_t len)
{
	uint8_t *b = env_alloc(s->env, (size_t)len);
	if (env_file_read(s->log, 0, b, (size_t)len) == len)
		req_write(s, s->log, 0, b, (size_t)len);
	env_free(s->env, b);
	zk_store_sync_request(s);
}

static void scan_log(struct zk_server *s, int64_t snap_log_id)
{
	int64_t size = env_file_size(s->log), off = 0;
	for (;;) {
		uint8_t *b = NULL;
		uint32_t blen = 0;
		size_t n = read_record(s, off, size, &b, &blen);
		if (!n)
			break;
		bool ok = replay_record(s, b, blen, off + (int64_t)n, snap_log_id, off == 0);
		env_free(s->env, b);
		if (!ok)
			break;
		off += (int64_t)n;
		if (off == (int64_t)n)
			s->hist_base_off = off;
	}
	if (off < size) {
		env_log(s->env, ENV_LOG_WARN, "log: dropping %lld bytes of torn or foreign tail",
			(long long)(size - off));
		req_truncate(s, s->log, off);
	}
	s->log_size = off;
	if (off > 0)
		rewrite_prefix(s, off);
	if (off == 0) {
		if (snap_log_id >= 0)
			s->log_id = snap_log_id;
		log_put_header(s);
		s->hist_base_off = s->log_size;
		zk_store_write_epochs(s);
	}
}

void zk_store_recover(struct zk_server *s)
{
	char path[256];
	env_mkdirs(s->env, s->cfg->data_dir);
	int64_t snap_log_id = -1;
	int snap = load_snapshot(s, &snap_log_id);
	if (snap > 0)
		env_log(s->env, ENV_LOG_INFO, "snapshot at zxid %llx",
			(unsigned long long)s->committed);
	path_of(s, path, sizeof path, "log");
	if (env_file_open(s->env, path, ENV_O_CREATE, &s->log)) {
		zk_srv_fail(s, "log open", ENV_EIO);
		return;
	}
	/* Without a readable snapshot only a log that was never reset by a
	 * SNAP (log id 0) holds everything from the start; with any other log,
	 * starting would silently drop committed state, so refuse to take part
	 * (ZooKeeper refuses to start on an unreadable snapshot too). */
	if (snap < 0 && peek_log_id(s) != 0) {
		zk_srv_fail(s, "snapshot unreadable", ENV_EIO);
		return;
	}
	if (s->cfg->observer && s->cfg->observer->on_reset)
		s->cfg->observer->on_reset(s->cfg->observer->ctx, s->cfg->my_id, s->committed);
	s->hist_base = s->committed;
	scan_log(s, snap_log_id);
	s->durable = s->nhist ? s->hist[s->nhist - 1].zxid : s->hist_base;
	zk_inv_epochs(s); /* what the disk gave back is the baseline */
}

/* ---- Snapshots --------------------------------------------------------- */

struct snap_job {
	struct zk_server *s;
	struct env_file *tmp;
	struct env_req req;
	bool install;
};

static void snap_finish(struct snap_job *j);

static void snap_log_synced_cb(struct env_req *req, int status)
{
	struct snap_job *j = req->data;
	if (status || j->s->failed) {
		zk_srv_fail(j->s, "snapshot", status ? status : ENV_EIO);
		return;
	}
	snap_finish(j);
}

static void snap_renamed_cb(struct env_req *req, int status)
{
	struct snap_job *j = req->data;
	if (status || j->s->failed) {
		zk_srv_fail(j->s, "snapshot rename", status ? status : ENV_EIO);
		return;
	}
	/* Any fsync on this disk makes the rename durable. */
	submitted(j->s, NULL, env_file_fsync(&j->req, j->s->log, snap_log_synced_cb),
		  "snapshot");
}

static void snap_synced_cb(struct env_req *req, int status)
{
	struct snap_job *j = req->data;
	struct zk_server *s = j->s;
	env_file_close(j->tmp);
	if (status) {
		zk_srv_fail(s, "snapshot fsync", status);
		return;
	}
	/* A failed write of the snapshot came back first (same file, in
	 * order): never rename an incomplete snapshot over a good one. */
	if (s->failed)
		return;
	char from[256], to[256];
	path_of(s, from, sizeof from, "snap.tmp");
	path_of(s, to, sizeof to, "snap");
	submitted(s, NULL, env_rename(&j->req, s->env, from, to, snap_renamed_cb),
		  "snapshot rename");
}

static bool snap_start(struct zk_server *s, bool install)
{
	char path[256];
	path_of(s, path, sizeof path, "snap.tmp");
	struct env_file *f;
	if (env_file_open(s->env, path, ENV_O_CREATE, &f)) {
		zk_srv_fail(s, "snapshot open", ENV_EIO);
		return false;
	}
	struct wire_writer w;
	wire_writer_init(&w, NULL, 0);
	zk_store_encode_state(s, &w);
	size_t blen = w.len + 24, total = blen + 12;
	uint8_t *b = env_alloc(s->env, total);
	wire_writer_init(&w, b, total);
	wire_put_u32(&w, SNAP_MAGIC);
	wire_put_u32(&w, 0);
	wire_put_u32(&w, (uint32_t)blen);
	wire_put_i64(&w, s->log_id);
	wire_put_i64(&w, s->accepted_epoch);
	wire_put_i64(&w, s->current_epoch);
	zk_store_encode_state(s, &w);
	wire_patch_u32(&w, 4, crc32c(b + 12, blen));
	struct snap_job *j = env_calloc(s->env, 1, sizeof *j);
	j->s = s;
	j->tmp = f;
	j->install = install;
	j->req.data = j;
	s->snap_busy = true;
	req_write(s, f, 0, b, total);
	req_truncate(s, f, (int64_t)total);
	submitted(s, NULL, env_file_fsync(&j->req, f, snap_synced_cb), "snapshot fsync");
	env_free(s->env, b);
	return true;
}

static bool install_waiting(const struct zk_server *s)
{
	return s->store_busy > 0;
}

static void snap_finish(struct snap_job *j)
{
	struct zk_server *s = j->s;
	bool install = j->install;
	env_free(s->env, j);
	s->snap_busy = false;
	if (install) {
		/* The snapshot is durable: now reset the log to match it. */
		s->log_size = 0;
		req_truncate(s, s->log, 0);
		log_put_header(s);
		s->hist_base_off = s->log_size;
		zk_store_write_epochs(s);
		s->store_busy--;
		zk_quorum_store_idle(s);
	} else if (install_waiting(s)) {
		snap_start(s, true);
	}
}

/* Keeps the in-memory history bounded: once it holds twice snapCount
 * entries, the oldest committed ones go (a follower further behind then
 * gets a SNAP instead of a DIFF). The log file keeps them. */
static void trim_history(struct zk_server *s)
{
	uint32_t keep = (uint32_t)s->cfg->snap_count;
	if (s->nhist <= 2 * keep)
		return;
	uint32_t drop = 0;
	while (drop < s->nhist - keep && s->hist[drop].zxid <= s->committed)
		drop++;
	if (!drop)
		return;
	s->hist_base = s->hist[drop - 1].zxid;
	s->hist_base_off = s->hist[drop - 1].end_off;
	for (uint32_t k = 0; k < drop; k++)
		env_free(s->env, s->hist[k].txn);
	memmove(s->hist, s->hist + drop, (s->nhist - drop) * sizeof *s->hist);
	s->nhist -= drop;
}

void zk_store_maybe_snapshot(struct zk_server *s)
{
	trim_history(s);
	int64_t since = s->committed - s->snap_zxid;
	if (ZK_EPOCH(s->committed) != ZK_EPOCH(s->snap_zxid))
		since = s->cfg->snap_count; /* a new epoch: count from its start */
	if (since < s->cfg->snap_count || s->snap_busy || s->store_busy || s->failed)
		return;
	s->snap_zxid = s->committed;
	snap_start(s, false);
}

int zk_store_install_snapshot(struct zk_server *s, const uint8_t *p, size_t len)
{
	if (!decode_state(s, p, len))
		return WIRE_EINVAL;
	for (uint32_t k = 0; k < s->nhist; k++)
		env_free(s->env, s->hist[k].txn);
	s->nhist = 0;
	s->hist_base = s->committed;
	s->durable = s->hist_base;
	s->fsync_target = s->hist_base;
	s->log_id++;
	s->snap_zxid = s->committed;
	s->store_busy++;
	if (s->cfg->observer && s->cfg->observer->on_reset)
		s->cfg->observer->on_reset(s->cfg->observer->ctx, s->cfg->my_id, s->committed);
	if (!s->snap_busy)
		snap_start(s, true);
	return 0;
}
