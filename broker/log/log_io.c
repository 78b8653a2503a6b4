#include "broker/log/log_io.h"

#include <string.h>

enum io_kind { IO_WRITE, IO_TRUNCATE, IO_FSYNC, IO_RENAME, IO_UNLINK, IO_CLOSE };

struct io_step {
	enum io_kind kind;
	struct env_file *file;
	int64_t off;
	const uint8_t *buf;
	uint8_t *owned; /* copied bytes, freed with the chain */
	size_t len;
	char *from, *to;
};

struct log_io {
	struct env *env;
	struct io_step *steps;
	size_t n, cap, next;
	int status;
	bool running_sync; /* inside log_io_run: completion must be deferred */
	struct env_req req;
	struct env_timer timer;
	log_io_cb done;
	void *data;
};

struct log_io *log_io_new(struct env *env, log_io_cb done, void *data)
{
	struct log_io *io = env_calloc(env, 1, sizeof *io);
	io->env = env;
	io->done = done;
	io->data = data;
	io->req.data = io;
	io->timer.data = io;
	return io;
}

void *log_io_data(const struct log_io *io)
{
	return io->data;
}

size_t log_io_steps(const struct log_io *io)
{
	return io->n;
}

static struct io_step *step_add(struct log_io *io, enum io_kind kind, struct env_file *f)
{
	if (io->n == io->cap) {
		io->cap = io->cap ? io->cap * 2 : 8;
		io->steps = env_realloc(io->env, io->steps, io->cap * sizeof *io->steps);
	}
	struct io_step *s = &io->steps[io->n++];
	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->file = f;
	return s;
}

void log_io_write(struct log_io *io, struct env_file *f, int64_t off, const void *buf,
		  size_t len, bool copy)
{
	struct io_step *s = step_add(io, IO_WRITE, f);
	s->off = off;
	s->len = len;
	if (copy) {
		s->owned = env_alloc(io->env, len ? len : 1);
		memcpy(s->owned, buf, len);
		s->buf = s->owned;
	} else {
		s->buf = buf;
	}
}

void log_io_truncate(struct log_io *io, struct env_file *f, int64_t size)
{
	step_add(io, IO_TRUNCATE, f)->off = size;
}

void log_io_fsync(struct log_io *io, struct env_file *f)
{
	step_add(io, IO_FSYNC, f);
}

void log_io_rename(struct log_io *io, const char *from, const char *to)
{
	struct io_step *s = step_add(io, IO_RENAME, NULL);
	s->from = env_strdup(io->env, from);
	s->to = env_strdup(io->env, to);
}

void log_io_unlink(struct log_io *io, const char *path)
{
	step_add(io, IO_UNLINK, NULL)->from = env_strdup(io->env, path);
}

void log_io_close(struct log_io *io, struct env_file *f)
{
	step_add(io, IO_CLOSE, f);
}

static void io_free(struct log_io *io)
{
	for (size_t i = 0; i < io->n; i++) {
		env_free(io->env, io->steps[i].owned);
		env_free(io->env, io->steps[i].from);
		env_free(io->env, io->steps[i].to);
	}
	env_free(io->env, io->steps);
	env_free(io->env, io);
}

void log_io_discard(struct log_io *io)
{
	for (size_t i = 0; i < io->n; i++)
		if (io->steps[i].kind == IO_CLOSE)
			env_file_close(io->steps[i].file);
	io_free(io);
}

static void io_finish(struct log_io *io)
{
	io->done(io, io->status);
	io_free(io);
}

static void timer_cb(struct env_timer *t)
{
	io_finish(t->data);
}

static void step_cb(struct env_req *req, int status);

/* Submits one step; returns 1 if a request is now in flight, 0 if the
 * step was synchronous, or a negative status if submission failed. */
static int step_start(struct log_io *io, struct io_step *s)
{
	int rc = ENV_EINVAL;
	switch (s->kind) {
	case IO_WRITE:
		rc = env_file_write(&io->req, s->file, s->off, s->buf, s->len, step_cb);
		break;
	case IO_TRUNCATE:
		rc = env_file_truncate(&io->req, s->file, s->off, step_cb);
		break;
	case IO_FSYNC:
		rc = env_file_fsync(&io->req, s->file, step_cb);
		break;
	case IO_RENAME:
		rc = env_rename(&io->req, io->env, s->from, s->to, step_cb);
		break;
	case IO_UNLINK:
		rc = env_unlink(&io->req, io->env, s->from, step_cb);
		break;
	case IO_CLOSE:
		env_file_close(s->file);
		return 0;
	}
	return rc ? rc : 1;
}

/* Advances until a request is in flight or the chain ends. */
static void io_advance(struct log_io *io)
{
	while (io->next < io->n) {
		struct io_step *s = &io->steps[io->next++];
		if (io->status && s->kind != IO_CLOSE)
			continue;
		int rc = step_start(io, s);
		if (rc > 0)
			return;
		if (rc < 0)
			io->status = rc;
	}
	if (io->running_sync)
		env_timer_start(io->env, &io->timer, 0, timer_cb);
	else
		io_finish(io);
}

static void step_cb(struct env_req *req, int status)
{
	struct log_io *io = req->data;
	if (status && !io->status)
		io->status = status;
	io_advance(io);
}

void log_io_run(struct log_io *io)
{
	io->running_sync = true;
	io_advance(io);
	io->running_sync = false;
}
