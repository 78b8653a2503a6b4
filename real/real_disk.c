#define _GNU_SOURCE /* syncfs */
#include "real/real_disk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/files.h"
#include "sim/util.h"

/* A file as every handle on it sees it (as an inode's size is shared).
 * `size` belongs to the loop's thread (completed writes), `wsize` to the
 * worker (the file as its writes leave it). */
struct rinode {
	struct rinode *next;
	dev_t dev;
	ino_t ino;
	int64_t size;
	int64_t wsize;
	int refs; /* open handles */
};

/* An open handle. */
struct rfile {
	struct rfile *prev, *next;
	int fd;
	struct rinode *in;
	int inflight;
	bool closed; /* by the node, or abandoned by its crash */
	char *node;
};

/* A request on its way to the worker and back. */
struct rop {
	struct rop *next;
	enum sim_file_op op;
	struct rfile *f;
	int64_t off;
	bool append;
	size_t len;
	char *from, *to; /* absolute paths */
	int rc;
	int64_t result;
	int64_t new_size;
	struct env_req *req;
	env_req_cb cb;
	struct sim_event *ev;
	uint8_t data[];
};

struct queue {
	struct rop *head, *tail;
};

struct real_disks {
	struct real_loop *loop;
	struct sim_world *w;
	char *root;
	struct rfile *files;
	struct rinode *inodes;
	char **nodes; /* node directories known to exist */
	size_t n_nodes;
	pthread_t worker;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct queue todo, done;
	bool busy, stop;
	atomic_bool names_changed;
	struct real_watch watch; /* the eventfd the worker signals */
};

static void push(struct queue *q, struct rop *op)
{
	op->next = NULL;
	if (q->tail)
		q->tail->next = op;
	else
		q->head = op;
	q->tail = op;
}

static struct rop *pop(struct queue *q)
{
	struct rop *op = q->head;
	if (op && !(q->head = op->next))
		q->tail = NULL;
	return op;
}

static int status_of(int err)
{
	switch (err) {
	case ENOENT:
		return ENV_ENOENT;
	case EEXIST:
		return ENV_EEXIST;
	case EISDIR:
		return ENV_EISDIR;
	case ENOTDIR:
		return ENV_ENOTDIR;
	case ENOTEMPTY:
		return ENV_ENOTEMPTY;
	case EINVAL:
		return ENV_EINVAL;
	case ENOSPC:
		return ENV_ENOSPC;
	default:
		return ENV_EIO;
	}
}

/* DATA/NODE + path, creating DATA/NODE the first time. Caller frees. */
static char *abs_path(struct real_disks *d, const char *node, const char *path)
{
	bool known = false;
	for (size_t i = 0; i < d->n_nodes && !known; i++)
		known = strcmp(d->nodes[i], node) == 0;
	size_t n = strlen(d->root) + strlen(node) + strlen(path) + 3;
	char *p = sim_xmalloc(n);
	if (!known) {
		snprintf(p, n, "%s/%s", d->root, node);
		mkdir(p, 0755);
		d->nodes = sim_xrealloc(d->nodes, (d->n_nodes + 1) * sizeof *d->nodes);
		d->nodes[d->n_nodes++] = sim_xstrdup(node);
	}
	snprintf(p, n, "%s/%s%s", d->root, node, strcmp(path, "/") ? path : "");
	return p;
}

/* ---- The worker thread ---------------------------------------------------------------- */

static void apply(struct real_disks *d, struct rop *op)
{
	struct rfile *f = op->f;
	int rc = 0;
	switch (op->op) {
	case SIM_FILE_WRITE: {
		int64_t off = op->append ? f->in->wsize : op->off;
		for (size_t done = 0; done < op->len && !rc;) {
			ssize_t n =
			    pwrite(f->fd, op->data + done, op->len - done, off + (int64_t)done);
			if (n < 0 && errno != EINTR)
				rc = status_of(errno);
			else if (n > 0)
				done += (size_t)n;
		}
		if (!rc && off + (int64_t)op->len > f->in->wsize)
			f->in->wsize = off + (int64_t)op->len;
		op->result = op->append ? off : (int64_t)op->len;
		break;
	}
	case SIM_FILE_TRUNCATE:
		if (ftruncate(f->fd, op->off))
			rc = status_of(errno);
		else
			f->in->wsize = op->off;
		op->result = op->off;
		break;
	case SIM_FILE_FSYNC:
		if (fsync(f->fd))
			rc = ENV_EIO;
		else if (atomic_exchange(&d->names_changed, false) && syncfs(f->fd))
			rc = ENV_EIO;
		break;
	case SIM_FILE_RENAME:
		if (rename(op->from, op->to))
			rc = status_of(errno);
		atomic_store(&d->names_changed, true);
		break;
	case SIM_FILE_UNLINK:
		if (unlink(op->from) && !(errno == EISDIR && rmdir(op->from) == 0))
			rc = status_of(errno);
		atomic_store(&d->names_changed, true);
		break;
	}
	op->rc = rc;
	if (f)
		op->new_size = f->in->wsize;
}

static void *worker_main(void *arg)
{
	struct real_disks *d = arg;
	pthread_mutex_lock(&d->mu);
	for (;;) {
		struct rop *op = pop(&d->todo);
		if (!op) {
			if (d->stop)
				break;
			pthread_cond_wait(&d->cv, &d->mu);
			continue;
		}
		d->busy = true;
		pthread_mutex_unlock(&d->mu);
		apply(d, op);
		pthread_mutex_lock(&d->mu);
		push(&d->done, op);
		d->busy = false;
		uint64_t one = 1;
		if (write(d->watch.fd, &one, sizeof one) < 0) {
			/* the counter cannot overflow in practice; the loop drains it */
		}
		pthread_cond_broadcast(&d->cv);
	}
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

/* ---- Completions, on the loop's thread --------------------------------------------------- */

static void file_release(struct real_disks *d, struct rfile *f)
{
	if (!f->closed || f->inflight)
		return;
	close(f->fd);
	if (--f->in->refs == 0) {
		struct rinode **pp = &d->inodes;
		while (*pp != f->in)
			pp = &(*pp)->next;
		*pp = f->in->next;
		free(f->in);
	}
	if (f->prev)
		f->prev->next = f->next;
	else
		d->files = f->next;
	if (f->next)
		f->next->prev = f->prev;
	free(f->node);
	free(f);
}

static void rop_free(struct rop *op)
{
	free(op->from);
	free(op->to);
	free(op);
}

static void op_fire(struct sim_world *w, struct sim_event *ev)
{
	struct rop *op = ev->a;
	struct env_req *req = op->req;
	env_req_cb cb = op->cb;
	int rc = op->rc;
	req->result = op->result;
	rop_free(op);
	cb(req, rc);
}

static void op_discard(struct sim_world *w, struct sim_event *ev)
{
	rop_free(ev->a);
}

static void collect(struct real_disks *d)
{
	pthread_mutex_lock(&d->mu);
	struct queue done = d->done;
	d->done = (struct queue){0};
	pthread_mutex_unlock(&d->mu);
	for (struct rop *op = done.head, *next; op; op = next) {
		next = op->next;
		struct rfile *f = op->f;
		if (f) {
			f->inflight--;
			if (!op->rc)
				f->in->size = op->new_size;
			file_release(d, f);
		}
		sim_event_release(d->w, op->ev);
	}
}

static void on_done(struct real_watch *w, uint32_t events)
{
	struct real_disks *d = w->data;
	uint64_t n;
	if (read(w->fd, &n, sizeof n) < 0) {
		/* EAGAIN: nothing new */
	}
	collect(d);
}

/* ---- The backend ------------------------------------------------------------------------ */

static int b_open(void *ctx, struct env *env, const char *path, int flags, void **handle)
{
	struct real_disks *d = ctx;
	char *p = abs_path(d, env_node_name(env), path);
	int of = O_RDWR | O_CLOEXEC;
	if (flags & ENV_O_CREATE)
		of |= O_CREAT | ((flags & ENV_O_EXCL) ? O_EXCL : 0);
	int fd = open(p, of, 0644);
	int err = errno;
	free(p);
	if (fd < 0)
		return status_of(err);
	if (flags & ENV_O_CREATE)
		atomic_store(&d->names_changed, true);
	struct stat st;
	if (fstat(fd, &st)) {
		close(fd);
		return ENV_EIO;
	}
	struct rinode *in = d->inodes;
	while (in && !(in->dev == st.st_dev && in->ino == st.st_ino))
		in = in->next;
	if (!in) {
		in = sim_xcalloc(1, sizeof *in);
		*in = (struct rinode){d->inodes, st.st_dev, st.st_ino, st.st_size, st.st_size, 0};
		d->inodes = in;
	}
	in->refs++;
	struct rfile *f = sim_xcalloc(1, sizeof *f);
	f->fd = fd;
	f->in = in;
	f->node = sim_xstrdup(env_node_name(env));
	f->next = d->files;
	if (d->files)
		d->files->prev = f;
	d->files = f;
	*handle = f;
	return ENV_OK;
}

static void b_close(void *ctx, void *handle)
{
	struct rfile *f = handle;
	f->closed = true;
	file_release(ctx, f);
}

static int64_t b_size(void *ctx, const void *handle)
{
	return ((const struct rfile *)handle)->in->size;
}

static int64_t b_read(void *ctx, void *handle, int64_t off, void *buf, size_t len)
{
	struct rfile *f = handle;
	if (off < 0)
		return ENV_EINVAL;
	int64_t size = f->in->size;
	if (off >= size)
		return 0;
	if ((int64_t)len > size - off)
		len = (size_t)(size - off);
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(f->fd, (uint8_t *)buf + got, len - got, off + (int64_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ENV_EIO;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (int64_t)got;
}

static int b_submit(void *ctx, struct env *env, const struct sim_file_req *r)
{
	struct real_disks *d = ctx;
	size_t len = r->op == SIM_FILE_WRITE ? r->len : 0;
	struct rop *op = sim_xcalloc(1, sizeof *op + len);
	op->op = r->op;
	op->f = r->handle;
	op->off = r->off;
	op->append = r->append;
	op->len = len;
	if (len)
		memcpy(op->data, r->buf, len);
	if (r->from)
		op->from = abs_path(d, env_node_name(env), r->from);
	if (r->to)
		op->to = abs_path(d, env_node_name(env), r->to);
	op->req = r->req;
	op->cb = r->cb;
	if (op->f)
		op->f->inflight++;
	op->ev = sim_node_hold(env, op_fire, op_discard, op);
	pthread_mutex_lock(&d->mu);
	push(&d->todo, op);
	pthread_cond_signal(&d->cv);
	pthread_mutex_unlock(&d->mu);
	return ENV_OK;
}

static int mkdir_one(const char *p)
{
	if (mkdir(p, 0755) == 0)
		return ENV_OK;
	return status_of(errno);
}

static int b_mkdir(void *ctx, struct env *env, const char *path, bool parents)
{
	struct real_disks *d = ctx;
	char *p = abs_path(d, env_node_name(env), path);
	atomic_store(&d->names_changed, true);
	int rc = ENV_OK;
	if (!parents) {
		rc = mkdir_one(p);
	} else {
		size_t skip = strlen(d->root) + 1 + strlen(env_node_name(env));
		for (char *s = strchr(p + skip + 1, '/');; s = strchr(s + 1, '/')) {
			if (s)
				*s = 0;
			rc = mkdir_one(p);
			struct stat st;
			if (rc == ENV_EEXIST)
				rc =
				    stat(p, &st) == 0 && S_ISDIR(st.st_mode) ? ENV_OK : ENV_ENOTDIR;
			if (s)
				*s = '/';
			if (rc || !s)
				break;
		}
	}
	free(p);
	return rc;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int b_list_dir(void *ctx, struct env *env, const char *path,
                      void (*each)(void *arg, const char *name, bool is_dir), void *arg)
{
	struct real_disks *d = ctx;
	char *p = abs_path(d, env_node_name(env), path);
	DIR *dir = opendir(p);
	if (!dir) {
		int err = errno;
		free(p);
		return status_of(err);
	}
	char **names = NULL;
	bool *dirs = NULL;
	size_t n = 0;
	for (struct dirent *e; (e = readdir(dir));) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		names = sim_xrealloc(names, (n + 1) * sizeof *names);
		names[n++] = sim_xstrdup(e->d_name);
	}
	if (n) /* qsort wants a non-null array even for none */
		qsort(names, n, sizeof *names, cmp_names);
	dirs = sim_xcalloc(n + 1, sizeof *dirs);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		dirs[i] = fstatat(dirfd(dir), names[i], &st, 0) == 0 && S_ISDIR(st.st_mode);
	}
	closedir(dir);
	free(p);
	for (size_t i = 0; i < n; i++) {
		each(arg, names[i], dirs[i]);
		free(names[i]);
	}
	free(names);
	free(dirs);
	return (int)n;
}

static bool b_exists(void *ctx, struct env *env, const char *path)
{
	char *p = abs_path(ctx, env_node_name(env), path);
	struct stat st;
	bool yes = stat(p, &st) == 0;
	free(p);
	return yes;
}

static void b_node_crashed(void *ctx, const char *node)
{
	struct real_disks *d = ctx;
	for (struct rfile *f = d->files, *next; f; f = next) {
		next = f->next;
		if (!f->closed && strcmp(f->node, node) == 0) {
			f->closed = true;
			file_release(d, f);
		}
	}
}

static const struct sim_file_backend backend = {
    b_open, b_close, b_size, b_read, b_submit, b_mkdir, b_list_dir, b_exists, b_node_crashed,
};

/* ---- Life -------------------------------------------------------------------------------- */

struct real_disks *real_disks_new(struct real_loop *l, const char *dir, char *err, size_t err_size)
{
	struct stat st;
	if (mkdir(dir, 0755) && errno != EEXIST) {
		snprintf(err, err_size, "cannot create %s: %s", dir, strerror(errno));
		return NULL;
	}
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(err, err_size, "%s is not a directory", dir);
		return NULL;
	}
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (efd < 0) {
		snprintf(err, err_size, "eventfd: %s", strerror(errno));
		return NULL;
	}
	struct real_disks *d = sim_xcalloc(1, sizeof *d);
	d->loop = l;
	d->w = real_loop_world(l);
	d->root = sim_xstrdup(dir);
	d->watch = (struct real_watch){efd, on_done, d};
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cv, NULL);
	if (pthread_create(&d->worker, NULL, worker_main, d)) {
		snprintf(err, err_size, "cannot start the file worker");
		close(efd);
		free(d->root);
		free(d);
		return NULL;
	}
	real_loop_add(l, &d->watch, EPOLLIN);
	sim_world_set_file_backend(d->w, &backend, d);
	return d;
}

void real_disks_drain(struct real_disks *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->mu);
	while (d->todo.head || d->busy)
		pthread_cond_wait(&d->cv, &d->mu);
	pthread_mutex_unlock(&d->mu);
	collect(d);
}

void real_disks_free(struct real_disks *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->mu);
	d->stop = true;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
	pthread_join(d->worker, NULL);
	/* Drained before the world was freed: nothing may still be done here
	 * (its held event died with the world). */
	while (d->done.head)
		rop_free(pop(&d->done));
	int fd = d->watch.fd;
	real_loop_del(d->loop, &d->watch);
	close(fd);
	while (d->files) {
		struct rfile *f = d->files;
		f->closed = true;
		f->inflight = 0;
		file_release(d, f);
	}
	for (size_t i = 0; i < d->n_nodes; i++)
		free(d->nodes[i]);
	free(d->nodes);
	free(d->root);
	pthread_mutex_destroy(&d->mu);
	pthread_cond_destroy(&d->cv);
	free(d);
}
