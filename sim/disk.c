#include "sim/disk.h"
#include "sim/disk_impl.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/internal.h"
#include "sim/util.h"

void sim_disk_config_default(struct sim_disk_config *c)
{
	c->write_latency_min_ns = 0;
	c->write_latency_max_ns = 0;
	c->fsync_latency_min_ns = 2 * SIM_NS_PER_MS;
	c->fsync_latency_max_ns = 10 * SIM_NS_PER_MS;
	c->dirty_expire_ns = 30 * SIM_NS_PER_S;
	c->writeback_interval_ns = 5 * SIM_NS_PER_S;
	c->capacity_bytes = 0;
	c->torn_write_ppm = 500000;
	c->sector_bytes = 512;
}












/* ---- Inodes ------------------------------------------------------------------ */

static struct inode *inode_new(struct sim_disk *d, bool is_dir)
{
	struct inode *ino = sim_xcalloc(1, sizeof *ino);
	ino->ino = d->next_ino++;
	ino->is_dir = is_dir;
	ino->next = d->inodes;
	d->inodes = ino;
	return ino;
}

static void ops_free(struct sim_disk *d, struct inode *ino)
{
	while (ino->ops) {
		struct op *op = ino->ops;
		ino->ops = op->next;
		if (op->kind == OP_WRITE)
			d->dirty_bytes -= op->len;
		sim_block_free(&d->w->blocks, op);
	}
	ino->ops_tail = NULL;
}

static void inode_free(struct sim_disk *d, struct inode *ino)
{
	ops_free(d, ino);
	disk_image_free(&ino->cache);
	disk_image_free(&ino->durable);
	free(ino);
}

/* A handle or request let go of ino: the next collection walks the list
 * only if that left ino unreferenced. (Names are dropped by renames,
 * unlinks and namespace copies, which flag a walk themselves.) */
static void ino_released(struct sim_disk *d, struct inode *ino)
{
	if (!ino->handles && !ino->inflight && !ino->links)
		d->maybe_garbage = true;
}

/* Frees inodes that no name, handle or request refers to any more. Only
 * walks the list when a reference was dropped since the last walk. */
static void inodes_collect(struct sim_disk *d)
{
	if (!d->maybe_garbage)
		return;
	d->maybe_garbage = false;
	struct inode **pp = &d->inodes;
	while (*pp) {
		struct inode *ino = *pp;
		if (ino->handles || ino->inflight || ino->links) {
			pp = &ino->next;
			continue;
		}
		*pp = ino->next;
		inode_free(d, ino);
	}
}

/* ---- Durability ------------------------------------------------------------ */

static void writeback_event(struct sim_world *w, struct sim_event *ev);

static void schedule_writeback(struct sim_disk *d)
{
	if (d->writeback_scheduled || d->cfg.dirty_expire_ns < 0)
		return;
	d->writeback_scheduled = true;
	sim_world_event(d->w, d->cfg.writeback_interval_ns, writeback_event, d, NULL, 0);
}

static void journal_commit(struct sim_disk *d)
{
	if (!d->ns_dirty)
		return;
	disk_ns_copy(&d->durable_ns, &d->cache_ns);
	d->ns_dirty = false;
	d->maybe_garbage = true;
	inodes_collect(d);
}

static void ops_make_durable(struct sim_disk *d, struct inode *ino, int64_t older_than)
{
	while (ino->ops && ino->ops->dirtied_at <= older_than) {
		struct op *op = ino->ops;
		disk_op_apply(&ino->durable, op, op->len);
		ino->ops = op->next;
		if (op->kind == OP_WRITE)
			d->dirty_bytes -= op->len;
		sim_block_free(&d->w->blocks, op);
	}
	if (!ino->ops)
		ino->ops_tail = NULL;
}

static void writeback_event(struct sim_world *w, struct sim_event *ev)
{
	struct sim_disk *d = ev->a;
	int64_t horizon = sim_now(w) - d->cfg.dirty_expire_ns;
	bool more = false;
	d->writeback_scheduled = false;
	for (struct inode *ino = d->inodes; ino; ino = ino->next) {
		ops_make_durable(d, ino, horizon);
		more |= ino->ops != NULL;
	}
	journal_commit(d);
	sim_trace_node(w, SIM_TR_WRITEBACK, d->node, 0, d->dirty_bytes);
	if (more)
		schedule_writeback(d);
}

static void op_push(struct sim_disk *d, struct inode *ino, struct op *op)
{
	op->next = NULL;
	op->dirtied_at = sim_now(d->w);
	op->seq = d->next_seq++;
	if (ino->ops_tail)
		ino->ops_tail->next = op;
	else
		ino->ops = op;
	ino->ops_tail = op;
	if (op->kind == OP_WRITE)
		d->dirty_bytes += op->len;
	schedule_writeback(d);
}

static void ns_changed(struct sim_disk *d)
{
	d->ns_dirty = true;
	schedule_writeback(d);
}

/* ---- World-facing ------------------------------------------------------------ */

struct sim_disk *sim_disk_new(struct sim_world *w, uint32_t node,
			      const struct sim_disk_config *c)
{
	struct sim_disk *d = sim_xcalloc(1, sizeof *d);
	d->w = w;
	d->node = node;
	d->cfg = *c;
	if (!d->cfg.sector_bytes)
		d->cfg.sector_bytes = 512;
	d->next_ino = 1;
	sim_rng_derive(&d->rng, w->config.seed, "disk", node);
	return d;
}

void sim_disk_free(struct sim_disk *d)
{
	if (!d)
		return;
	disk_ns_clear(&d->cache_ns);
	disk_ns_clear(&d->durable_ns);
	free(d->cache_ns.e);
	free(d->durable_ns.e);
	while (d->inodes) {
		struct inode *ino = d->inodes;
		d->inodes = ino->next;
		inode_free(d, ino);
	}
	free(d);
}

void sim_disk_node_crashed(struct sim_disk *d)
{
	for (struct inode *ino = d->inodes; ino; ino = ino->next)
		ino->handles = 0;
	d->maybe_garbage = true;
	inodes_collect(d);
}

/* The most recent unsynced write on the disk, a candidate for tearing. */
static const struct op *last_unsynced_write(const struct sim_disk *d, struct inode **owner)
{
	const struct op *best = NULL;
	for (struct inode *ino = d->inodes; ino; ino = ino->next)
		for (const struct op *op = ino->ops; op; op = op->next)
			if (op->kind == OP_WRITE && (!best || op->seq > best->seq)) {
				best = op;
				*owner = ino;
			}
	return best;
}

/*
 * The device writes whole sectors, in order, so a write cut off by the power
 * loss keeps its bytes up to a sector boundary: a multiple of sector_bytes in
 * file offsets, strictly inside the write (a boundary at its start or end
 * would lose or keep it whole). A write within one sector cannot tear.
 */
static void tear_last_write(struct sim_disk *d)
{
	struct inode *owner = NULL;
	const struct op *op = last_unsynced_write(d, &owner);
	if (!op || !sim_rng_chance_ppm(&d->rng, d->cfg.torn_write_ppm))
		return;
	uint64_t sector = d->cfg.sector_bytes;
	uint64_t off = (uint64_t)op->off;
	uint64_t end = off + op->len;
	uint64_t first = (off / sector + 1) * sector;
	if (first >= end)
		return;
	uint64_t boundaries = (end - 1 - first) / sector + 1;
	uint64_t cut = first + sim_rng_below(&d->rng, boundaries) * sector;
	disk_op_apply(&owner->durable, op, (size_t)(cut - off));
	sim_trace_node(d->w, SIM_TR_DISK_FAULT, d->node, 0, cut - off);
}

void sim_disk_power_loss(struct sim_disk *d)
{
	tear_last_write(d);
	for (struct inode *ino = d->inodes; ino; ino = ino->next) {
		ops_free(d, ino);
		disk_image_copy(&ino->cache, &ino->durable);
		ino->handles = 0;
	}
	disk_ns_copy(&d->cache_ns, &d->durable_ns);
	d->ns_dirty = false;
	d->maybe_garbage = true;
	inodes_collect(d);
}

void sim_disk_set_fault(struct sim_disk *d, enum sim_disk_fault fault, bool on)
{
	assert(fault < SIM_DISK_FAULT__COUNT);
	d->faults[fault] = on;
	sim_trace_node(d->w, SIM_TR_DISK_FAULT, d->node, 0, (uint64_t)fault << 1 | on);
}

bool sim_disk_fault(const struct sim_disk *d, enum sim_disk_fault fault)
{
	return d->faults[fault];
}

void sim_disk_set_slow(struct sim_disk *d, int64_t min_ns, int64_t max_ns)
{
	assert(min_ns >= 0 && min_ns <= max_ns);
	d->slow_min_ns = min_ns;
	d->slow_max_ns = max_ns;
}

static uint64_t disk_usage(const struct sim_disk *d)
{
	uint64_t used = 0;
	for (const struct inode *ino = d->inodes; ino; ino = ino->next)
		used += ino->cache.len > ino->durable.len ? ino->cache.len : ino->durable.len;
	return used;
}

/*
 * Whether the cached byte at `at` is a clean copy of the durable one: equal
 * to it, and not rewritten by an unsynced change (a write of the same value
 * is still dirty data, which the kernel would not re-read from the medium).
 */
static bool cache_byte_clean(const struct inode *ino, size_t at)
{
	if (at >= ino->cache.len || ino->cache.bytes[at] != ino->durable.bytes[at])
		return false;
	for (const struct op *op = ino->ops; op; op = op->next) {
		size_t off = (size_t)op->off;
		if (op->kind == OP_WRITE ? at >= off && at - off < op->len : at >= off)
			return false;
	}
	return true;
}

int sim_disk_corrupt(struct sim_disk *d, const char *path, uint32_t count)
{
	int done = 0;
	for (uint32_t i = 0; i < count; i++) {
		struct inode *ino = NULL;
		if (path) {
			ino = disk_ns_get(&d->durable_ns, path);
		} else if (d->durable_ns.len) {
			/* Pick among durable files with bytes, in path order. */
			size_t candidates = 0;
			for (size_t k = 0; k < d->durable_ns.len; k++)
				candidates += d->durable_ns.e[k].ino->durable.len > 0;
			if (candidates) {
				size_t pick = sim_rng_below(&d->rng, candidates);
				for (size_t k = 0; k < d->durable_ns.len; k++) {
					if (!d->durable_ns.e[k].ino->durable.len)
						continue;
					if (pick-- == 0) {
						ino = d->durable_ns.e[k].ino;
						break;
					}
				}
			}
		}
		if (!ino || ino->is_dir || !ino->durable.len)
			continue;
		size_t at = sim_rng_below(&d->rng, ino->durable.len);
		uint8_t mask = (uint8_t)(1u << sim_rng_below(&d->rng, 8));
		/* The page is re-read from the medium: a clean cached copy changes too. */
		if (cache_byte_clean(ino, at))
			ino->cache.bytes[at] ^= mask;
		ino->durable.bytes[at] ^= mask;
		sim_trace_node(d->w, SIM_TR_DISK_FAULT, d->node, 0, at);
		done++;
	}
	return done;
}

int64_t sim_disk_size(const struct sim_disk *d, const char *path, bool durable)
{
	struct inode *ino = disk_ns_get(durable ? &d->durable_ns : &d->cache_ns, path);
	if (!ino)
		return ENV_ENOENT;
	return (int64_t)(durable ? ino->durable.len : ino->cache.len);
}


int64_t sim_disk_read(const struct sim_disk *d, const char *path, bool durable, int64_t off,
		      void *buf, size_t len)
{
	struct inode *ino = disk_ns_get(durable ? &d->durable_ns : &d->cache_ns, path);
	if (!ino)
		return ENV_ENOENT;
	return disk_image_read(durable ? &ino->durable : &ino->cache, off, buf, len);
}

uint64_t sim_disk_dirty_bytes(const struct sim_disk *d)
{
	return d->dirty_bytes;
}

uint64_t sim_disk_fsyncs(const struct sim_disk *d)
{
	return d->fsyncs;
}

/* ---- Path lookup ------------------------------------------------------------- */


/*
 * 0 when every ancestor directory of `path` exists in the cache. As path
 * lookup on Linux, it walks from the root: the first ancestor that is a
 * regular file gives ENV_ENOTDIR ("/file/x/y"), the first missing one
 * ENV_ENOENT.
 */
static int parent_ok(const struct sim_disk *d, const char *path)
{
	size_t n = strlen(path);
	char prefix[n + 1];
	memcpy(prefix, path, n + 1);
	for (char *slash = strchr(prefix + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = 0;
		struct inode *ino = disk_ns_get(&d->cache_ns, prefix);
		*slash = '/';
		if (!ino)
			return ENV_ENOENT;
		if (!ino->is_dir)
			return ENV_ENOTDIR;
	}
	return ENV_OK;
}

/* ---- env.h: files -------------------------------------------------------- */

/* A file of the world's backend (real mode), in an env_file wrapper. */
static int backend_open(struct env *env, const char *path, int flags, struct env_file **out)
{
	void *h;
	int rc = env->w->files->open(env->w->files_ctx, env, path, flags, &h);
	if (rc)
		return rc;
	struct env_file *f = env_calloc(env, 1, sizeof *f);
	f->env = env;
	f->ext = h;
	*out = f;
	return ENV_OK;
}

static int backend_submit(struct env *env, struct sim_file_req *r, struct env_req *req,
			  env_req_cb cb)
{
	req->cb = cb;
	req->result = 0;
	r->req = req;
	r->cb = cb;
	return env->w->files->submit(env->w->files_ctx, env, r);
}

int env_file_open(struct env *env, const char *path, int flags, struct env_file **out)
{
	struct sim_disk *d = env->node->disk;
	*out = NULL;
	if (!disk_path_valid(path) || strcmp(path, "/") == 0)
		return ENV_EINVAL;
	if (env->w->files)
		return backend_open(env, path, flags, out);
	struct inode *ino = disk_ns_get(&d->cache_ns, path);
	if (ino && ino->is_dir)
		return ENV_EISDIR;
	if (ino && (flags & ENV_O_CREATE) && (flags & ENV_O_EXCL))
		return ENV_EEXIST;
	if (!ino) {
		int rc = parent_ok(d, path);
		if (rc)
			return rc;
		if (!(flags & ENV_O_CREATE))
			return ENV_ENOENT;
		ino = inode_new(d, false);
		disk_ns_put(&d->cache_ns, path, ino);
		ns_changed(d);
	}
	struct env_file *f = env_alloc(env, sizeof *f);
	f->disk = d;
	f->ino = ino;
	f->env = env;
	ino->handles++;
	*out = f;
	return ENV_OK;
}

void env_file_close(struct env_file *file)
{
	if (!file->disk) {
		file->env->w->files->close(file->env->w->files_ctx, file->ext);
		env_free(file->env, file);
		return;
	}
	assert(file->ino->handles > 0);
	if (--file->ino->handles == 0)
		ino_released(file->disk, file->ino);
	env_free(file->env, file);
}

int64_t env_file_size(const struct env_file *file)
{
	if (!file->disk)
		return file->env->w->files->size(file->env->w->files_ctx, file->ext);
	return (int64_t)file->ino->cache.len;
}

int64_t env_file_read(struct env_file *file, int64_t offset, void *buf, size_t len)
{
	if (!file->disk)
		return file->env->w->files->read(file->env->w->files_ctx, file->ext, offset, buf, len);
	return disk_image_read(&file->ino->cache, offset, buf, len);
}

/* A request in flight: which inode, and the change it carries. */
struct pending {
	struct sim_disk *disk;
	struct inode *ino;
	struct env_req *req;
	struct op *op;      /* write / append / truncate */
	bool append;
	bool fsync;
	char *from;         /* rename / unlink */
	char *to;
};

static int64_t draw(struct sim_disk *d, int64_t min_ns, int64_t max_ns)
{
	int64_t lat = min_ns < max_ns ? sim_rng_range(&d->rng, min_ns, max_ns) : min_ns;
	if (d->slow_max_ns)
		lat += sim_rng_range(&d->rng, d->slow_min_ns, d->slow_max_ns);
	return lat;
}

static void pending_free(struct pending *p)
{
	if (p->op)
		sim_block_free(&p->disk->w->blocks, p->op);
	free(p->from);
	free(p->to);
	free(p);
}

static void complete_discard(struct sim_world *w, struct sim_event *ev)
{
	struct pending *p = ev->a;
	if (p->ino && --p->ino->inflight == 0)
		ino_released(p->disk, p->ino);
	inodes_collect(p->disk);
	pending_free(p);
}

static int apply_change(struct sim_disk *d, struct pending *p)
{
	struct inode *ino = p->ino;
	struct op *op = p->op;
	if (d->faults[SIM_DISK_WRITE_ERROR])
		return ENV_EIO;
	if (p->append)
		op->off = (int64_t)ino->cache.len;
	int64_t old_len = (int64_t)ino->cache.len;
	int64_t new_len = op->kind == OP_TRUNCATE ? op->off
			  : op->len ? op->off + (int64_t)op->len : old_len;
	if (new_len > old_len && d->cfg.capacity_bytes &&
	    disk_usage(d) + (uint64_t)(new_len - old_len) > d->cfg.capacity_bytes)
		return ENV_ENOSPC;
	if (new_len > old_len && d->faults[SIM_DISK_FULL])
		return ENV_ENOSPC;
	p->req->result = p->append ? op->off : op->kind == OP_WRITE ? (int64_t)op->len : new_len;
	if (op->kind == OP_WRITE && op->len == 0)
		return ENV_OK; /* nothing to cache, sync or tear */
	disk_op_apply(&ino->cache, op, op->len);
	op_push(d, ino, op);
	p->op = NULL; /* now owned by the inode's op list */
	sim_trace_node(d->w, op->kind == OP_WRITE ? SIM_TR_FILE_WRITE : SIM_TR_FILE_TRUNCATE,
		       d->node, 0, op->kind == OP_WRITE ? op->len : (uint64_t)new_len);
	return ENV_OK;
}

static int apply_fsync(struct sim_disk *d, struct inode *ino)
{
	d->fsyncs++;
	if (d->faults[SIM_DISK_FSYNC_ERROR]) {
		/* As Linux does after a failed writeback: the pages are marked
		 * clean, so the data never reaches the disk. */
		ops_free(d, ino);
		return ENV_EIO;
	}
	ops_make_durable(d, ino, INT64_MAX);
	journal_commit(d);
	sim_trace_node(d->w, SIM_TR_FILE_FSYNC, d->node, 0, ino->durable.len);
	return ENV_OK;
}

static int apply_rename(struct sim_disk *d, const char *from, const char *to);
static int apply_unlink(struct sim_disk *d, const char *path);

static void complete_fire(struct sim_world *w, struct sim_event *ev)
{
	struct pending *p = ev->a;
	struct sim_disk *d = p->disk;
	int rc;
	if (p->op)
		rc = apply_change(d, p);
	else if (p->fsync)
		rc = apply_fsync(d, p->ino);
	else if (p->to)
		rc = apply_rename(d, p->from, p->to);
	else
		rc = apply_unlink(d, p->from);
	if (rc)
		sim_trace_node(w, SIM_TR_FILE_ERROR, d->node, 0, (uint64_t)-rc);
	struct env_req *req = p->req;
	if (p->ino && --p->ino->inflight == 0)
		ino_released(d, p->ino);
	pending_free(p);
	inodes_collect(d);
	req->cb(req, rc);
}

/* Schedules completion after `lat`, never before the inode's previous
 * request completes (requests on one file complete in order). */
static void submit(struct env *env, struct pending *p, int64_t lat)
{
	struct sim_disk *d = p->disk;
	int64_t now = sim_now(d->w);
	int64_t *last = p->ino ? &p->ino->last_done_at : &d->last_meta_at;
	int64_t at = now + lat;
	if (at < *last)
		at = *last;
	*last = at;
	if (p->ino)
		p->ino->inflight++;
	sim_node_event(env, at - now, complete_fire, complete_discard, p, NULL, 0);
}

static struct pending *pending_new(struct env_file *file, struct env_req *req, env_req_cb cb)
{
	struct pending *p = sim_xcalloc(1, sizeof *p);
	p->disk = file ? file->disk : NULL;
	p->ino = file ? file->ino : NULL;
	p->req = req;
	req->cb = cb;
	req->result = 0;
	return p;
}

static int submit_data(struct env_req *req, struct env_file *file, enum op_kind kind,
		       int64_t off, const void *buf, size_t len, bool append, env_req_cb cb)
{
	/* The end of the write must be a representable file offset. */
	if (off < 0 || (kind == OP_WRITE && len > (size_t)(INT64_MAX - off)))
		return ENV_EINVAL;
	if (!file->disk) {
		struct sim_file_req r = {kind == OP_WRITE ? SIM_FILE_WRITE : SIM_FILE_TRUNCATE,
					 file->ext, off, append, buf, len, NULL, NULL, NULL, NULL};
		return backend_submit(file->env, &r, req, cb);
	}
	struct pending *p = pending_new(file, req, cb);
	p->op = sim_block_alloc(&file->disk->w->blocks, sizeof *p->op + (kind == OP_WRITE ? len : 0));
	p->op->kind = kind;
	p->op->off = off;
	p->op->len = kind == OP_WRITE ? len : 0;
	if (kind == OP_WRITE && len)
		memcpy(p->op->data, buf, len);
	p->append = append;
	struct sim_disk *d = file->disk;
	submit(file->env, p, draw(d, d->cfg.write_latency_min_ns, d->cfg.write_latency_max_ns));
	return ENV_OK;
}

int env_file_write(struct env_req *req, struct env_file *file, int64_t offset,
		   const void *buf, size_t len, env_req_cb cb)
{
	return submit_data(req, file, OP_WRITE, offset, buf, len, false, cb);
}

int env_file_append(struct env_req *req, struct env_file *file, const void *buf,
		    size_t len, env_req_cb cb)
{
	return submit_data(req, file, OP_WRITE, 0, buf, len, true, cb);
}

int env_file_truncate(struct env_req *req, struct env_file *file, int64_t size,
		      env_req_cb cb)
{
	return submit_data(req, file, OP_TRUNCATE, size, NULL, 0, false, cb);
}

int env_file_fsync(struct env_req *req, struct env_file *file, env_req_cb cb)
{
	if (!file->disk) {
		struct sim_file_req r = {SIM_FILE_FSYNC, file->ext, 0, false, NULL, 0,
					 NULL, NULL, NULL, NULL};
		return backend_submit(file->env, &r, req, cb);
	}
	struct pending *p = pending_new(file, req, cb);
	p->fsync = true;
	struct sim_disk *d = file->disk;
	submit(file->env, p, draw(d, d->cfg.fsync_latency_min_ns, d->cfg.fsync_latency_max_ns));
	return ENV_OK;
}

/* ---- Name changes ---------------------------------------------------------- */


/* Checks in the order of Linux's rename(2): both paths' ancestors, the
 * source, a move into itself, onto its own ancestor, then the target. */
static int apply_rename(struct sim_disk *d, const char *from, const char *to)
{
	int rc = parent_ok(d, from);
	if (rc == ENV_OK)
		rc = parent_ok(d, to);
	if (rc)
		return rc;
	struct inode *src = disk_ns_get(&d->cache_ns, from);
	if (!src)
		return ENV_ENOENT;
	if (strcmp(from, to) == 0)
		return ENV_OK;
	if (disk_path_below(to, from))
		return ENV_EINVAL; /* into itself */
	if (disk_path_below(from, to))
		return ENV_ENOTEMPTY; /* onto its own ancestor, which holds it */
	struct inode *dst = disk_ns_get(&d->cache_ns, to);
	if (dst && dst->is_dir != src->is_dir)
		return dst->is_dir ? ENV_EISDIR : ENV_ENOTDIR;
	size_t from_len = strlen(from);
	if (dst && dst->is_dir) {
		char prefix[strlen(to) + 2];
		size_t i = disk_ns_children_start(&d->cache_ns, to, prefix, sizeof prefix);
		if (i < d->cache_ns.len && strncmp(d->cache_ns.e[i].path, prefix,
						   strlen(prefix)) == 0)
			return ENV_ENOTEMPTY;
	}
	/* Move the entry and, for a directory, everything below it. */
	char prefix[from_len + 2];
	size_t i = disk_ns_children_start(&d->cache_ns, from, prefix, sizeof prefix);
	size_t plen = strlen(prefix);
	while (i < d->cache_ns.len && strncmp(d->cache_ns.e[i].path, prefix, plen) == 0) {
		struct dentry e = d->cache_ns.e[i];
		size_t n = strlen(to) + strlen(e.path + from_len) + 1;
		char moved[n];
		snprintf(moved, n, "%s%s", to, e.path + from_len);
		disk_ns_del_at(&d->cache_ns, i);
		disk_ns_put(&d->cache_ns, moved, e.ino);
		i = disk_ns_children_start(&d->cache_ns, from, prefix, sizeof prefix);
	}
	disk_ns_del_at(&d->cache_ns, disk_ns_lower_bound(&d->cache_ns, from));
	disk_ns_put(&d->cache_ns, to, src);
	d->maybe_garbage = true;
	ns_changed(d);
	sim_trace_node(d->w, SIM_TR_FILE_RENAME, d->node, 0, 0);
	return ENV_OK;
}

static int apply_unlink(struct sim_disk *d, const char *path)
{
	size_t i = disk_ns_lower_bound(&d->cache_ns, path);
	if (i >= d->cache_ns.len || strcmp(d->cache_ns.e[i].path, path) != 0) {
		int rc = parent_ok(d, path);
		return rc ? rc : ENV_ENOENT;
	}
	if (d->cache_ns.e[i].ino->is_dir) {
		char prefix[strlen(path) + 2];
		size_t c = disk_ns_children_start(&d->cache_ns, path, prefix, sizeof prefix);
		if (c < d->cache_ns.len &&
		    strncmp(d->cache_ns.e[c].path, prefix, strlen(prefix)) == 0)
			return ENV_ENOTEMPTY;
	}
	disk_ns_del_at(&d->cache_ns, i);
	d->maybe_garbage = true;
	ns_changed(d);
	sim_trace_node(d->w, SIM_TR_FILE_UNLINK, d->node, 0, 0);
	return ENV_OK;
}

int env_rename(struct env_req *req, struct env *env, const char *from, const char *to,
	       env_req_cb cb)
{
	if (!disk_path_valid(from) || !disk_path_valid(to) || !strcmp(from, "/") || !strcmp(to, "/"))
		return ENV_EINVAL;
	if (env->w->files) {
		struct sim_file_req r = {SIM_FILE_RENAME, NULL, 0, false, NULL, 0,
					 from, to, NULL, NULL};
		return backend_submit(env, &r, req, cb);
	}
	struct pending *p = pending_new(NULL, req, cb);
	p->disk = env->node->disk;
	p->from = sim_xstrdup(from);
	p->to = sim_xstrdup(to);
	submit(env, p, draw(p->disk, p->disk->cfg.write_latency_min_ns,
			    p->disk->cfg.write_latency_max_ns));
	return ENV_OK;
}

int env_unlink(struct env_req *req, struct env *env, const char *path, env_req_cb cb)
{
	if (!disk_path_valid(path) || !strcmp(path, "/"))
		return ENV_EINVAL;
	if (env->w->files) {
		struct sim_file_req r = {SIM_FILE_UNLINK, NULL, 0, false, NULL, 0,
					 path, NULL, NULL, NULL};
		return backend_submit(env, &r, req, cb);
	}
	struct pending *p = pending_new(NULL, req, cb);
	p->disk = env->node->disk;
	p->from = sim_xstrdup(path);
	submit(env, p, draw(p->disk, p->disk->cfg.write_latency_min_ns,
			    p->disk->cfg.write_latency_max_ns));
	return ENV_OK;
}

int env_mkdir(struct env *env, const char *path)
{
	struct sim_disk *d = env->node->disk;
	if (!disk_path_valid(path))
		return ENV_EINVAL;
	if (env->w->files)
		return strcmp(path, "/") == 0 ? ENV_EEXIST
					      : env->w->files->mkdir(env->w->files_ctx, env, path, false);
	if (strcmp(path, "/") == 0 || disk_ns_get(&d->cache_ns, path))
		return ENV_EEXIST;
	int rc = parent_ok(d, path);
	if (rc)
		return rc;
	disk_ns_put(&d->cache_ns, path, inode_new(d, true));
	ns_changed(d);
	return ENV_OK;
}

int env_mkdirs(struct env *env, const char *path)
{
	struct sim_disk *d = env->node->disk;
	if (!disk_path_valid(path))
		return ENV_EINVAL;
	if (strcmp(path, "/") == 0)
		return ENV_OK; /* the root always exists */
	if (env->w->files)
		return env->w->files->mkdir(env->w->files_ctx, env, path, true);
	size_t n = strlen(path);
	char buf[n + 1];
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != 0)
			continue;
		buf[i] = 0;
		struct inode *ino = disk_ns_get(&d->cache_ns, buf);
		int rc = ino ? (ino->is_dir ? ENV_OK : ENV_ENOTDIR) : env_mkdir(env, buf);
		buf[i] = path[i];
		if (rc)
			return rc;
	}
	return ENV_OK;
}

int env_list_dir(struct env *env, const char *path,
		 void (*each)(void *arg, const char *name, bool is_dir), void *arg)
{
	struct sim_disk *d = env->node->disk;
	if (!disk_path_valid(path))
		return ENV_EINVAL;
	if (env->w->files)
		return env->w->files->list_dir(env->w->files_ctx, env, path, each, arg);
	if (strcmp(path, "/") != 0) {
		struct inode *dir = disk_ns_get(&d->cache_ns, path);
		if (!dir) {
			int rc = parent_ok(d, path);
			return rc ? rc : ENV_ENOENT;
		}
		if (!dir->is_dir)
			return ENV_ENOTDIR;
	}
	char prefix[strlen(path) + 2];
	size_t i = disk_ns_children_start(&d->cache_ns, path, prefix, sizeof prefix);
	size_t plen = strlen(prefix);
	int count = 0;
	for (; i < d->cache_ns.len && strncmp(d->cache_ns.e[i].path, prefix, plen) == 0; i++) {
		const char *name = d->cache_ns.e[i].path + plen;
		if (strchr(name, '/'))
			continue;
		each(arg, name, d->cache_ns.e[i].ino->is_dir);
		count++;
	}
	return count;
}

bool env_exists(struct env *env, const char *path)
{
	if (env->w->files)
		return env->w->files->exists(env->w->files_ctx, env, path);
	return strcmp(path, "/") == 0 || disk_ns_get(&env->node->disk->cache_ns, path) != NULL;
}
