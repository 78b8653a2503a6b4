/*
 * env — the one boundary between node code and the world.
 *
 * Node code (ZooKeeper servers, brokers, clients) reaches time, timers,
 * randomness, memory, the network, files and logging only through this
 * header. The simulator (sim/) implements it over virtual time; a real
 * implementation can serve it over a monotonic clock, epoll sockets and a
 * file thread pool, so nothing here is simulation-only.
 *
 * Style of the interface (as libuv and canonical/raft's raft_io):
 * - Nothing blocks. Operations that touch the world are submitted and
 *   complete later through a callback. Submission and completion are two
 *   separate events, so a fault can fall between them. A callback fires
 *   exactly once, and never inside the call that submitted it.
 * - Handles are long-lived (timers, connections, open files); requests are
 *   one-shot (`struct env_req`, a file operation).
 * - A crash (kill or power loss) ends the node: its pending requests, timers
 *   and connections are cancelled without callbacks, and everything it
 *   allocated through env_alloc() is freed. Node code therefore holds all of
 *   its memory through env_alloc(); a restarted node starts from its disk.
 *
 * Ownership, in one place:
 * - `struct env` belongs to the implementation; node code never frees it.
 * - Timers and requests are caller-owned structs that must stay valid (and
 *   not move) until their callback fires or they are stopped.
 * - Connections and open files are owned by the implementation; node code
 *   holds a pointer from connect/accept/open until it closes the handle or
 *   (connections) its on_closed callback has returned.
 * - Buffers passed to send/write are copied before the call returns.
 *   Frames passed to on_frame are valid only during that callback.
 *
 * Errors are negative `enum env_status` values; 0 is success.
 */
#ifndef KSIM_ENV_H
#define KSIM_ENV_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct env;
struct env_conn;
struct env_file;

enum env_status {
	ENV_OK = 0,
	ENV_EIO = -5,            /* device error (write or fsync failed) */
	ENV_ENOSPC = -28,        /* the disk is full */
	ENV_ENOENT = -2,         /* no such file or directory */
	ENV_EEXIST = -17,        /* exclusive create of an existing file */
	ENV_EINVAL = -22,        /* bad argument */
	ENV_ENOTDIR = -20,       /* a path component is not a directory */
	ENV_EISDIR = -21,        /* a directory where a file was expected */
	ENV_ENOTEMPTY = -39,     /* unlink of a directory that has entries */
	ENV_EADDRINUSE = -98,    /* listen on a port already listened on */
	ENV_ECONNREFUSED = -111, /* nothing listens there (or the process died) */
	ENV_ETIMEDOUT = -110,    /* connect got no answer in time */
	ENV_ECONNRESET = -104,   /* the peer crashed or reset the connection */
	ENV_EHOSTUNREACH = -113, /* unknown host name */
	ENV_ENOTCONN = -107,     /* send on a connection not yet (or no longer) open */
	ENV_EMSGSIZE = -90,      /* frame larger than the implementation's limit */
	ENV_ENOBUFS = -105,      /* send queue over its bound */
	ENV_EOF = -1000,         /* the peer closed the connection gracefully */
};

/* A short constant name for a status ("EIO", "ECONNRESET", "OK"). */
const char *env_status_name(int status);

/* ---- Identity -------------------------------------------------------- */

/* The node's name ("broker-1", "zk-2"); valid while the node runs. */
const char *env_node_name(const struct env *env);

/* ---- Memory ----------------------------------------------------------- */

/*
 * The node's heap. Everything node code allocates goes through these, so a
 * crash frees it all. They never return NULL: running out of memory aborts
 * the process with a message, as it would abort a real broker.
 */
void *env_alloc(struct env *env, size_t size);
void *env_calloc(struct env *env, size_t count, size_t size);
void *env_realloc(struct env *env, void *p, size_t size);
void env_free(struct env *env, void *p);
char *env_strdup(struct env *env, const char *s);

/* ---- Time ------------------------------------------------------------- */

/* Monotonic nanoseconds (for timeouts); never goes back, unaffected by
 * wall-clock faults. */
int64_t env_now_ns(const struct env *env);
/* This node's wall clock in nanoseconds and milliseconds since the Unix
 * epoch (for record timestamps and ZooKeeper's ctime/mtime). It may be
 * offset from other nodes', drift, and step backwards. */
int64_t env_wall_ns(const struct env *env);
int64_t env_wall_ms(const struct env *env);

/* ---- Timers ----------------------------------------------------------- */

struct env_timer;
typedef void (*env_timer_cb)(struct env_timer *timer);

/* A one-shot timer. Zero it before first use; set `data` freely. */
struct env_timer {
	void *data;
	/* Private to the implementation. */
	env_timer_cb cb;
	void *impl;
};

/*
 * Arms `timer` to call `cb` once, `delay_ns` (>= 0) from now. Arming an armed
 * timer re-arms it (the earlier deadline is dropped). The callback may re-arm
 * the timer.
 */
void env_timer_start(struct env *env, struct env_timer *timer, int64_t delay_ns,
		     env_timer_cb cb);
/* Disarms `timer`; its callback will not fire. No-op when not armed. */
void env_timer_stop(struct env *env, struct env_timer *timer);
bool env_timer_active(const struct env_timer *timer);

/* ---- Randomness ------------------------------------------------------- */

/* The node's own random stream (seeded by the world; never from the OS). */
uint64_t env_random(struct env *env);
/* Uniform in [0, n); n > 0. */
uint64_t env_random_below(struct env *env, uint64_t n);
/* Uniform in [lo, hi], lo <= hi. */
int64_t env_random_range(struct env *env, int64_t lo, int64_t hi);

/* ---- Logging ---------------------------------------------------------- */

enum env_log_level { ENV_LOG_DEBUG, ENV_LOG_INFO, ENV_LOG_WARN, ENV_LOG_ERROR };

/* Logs one line tagged with time and node name. */
void env_log(struct env *env, enum env_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * The node's process exits by itself (a clean shutdown that has finished:
 * logs flushed, sessions closed). Right after the current callback the
 * world stops it as a kill would (memory freed, pending timers and file
 * requests dropped, connections reset), but its status becomes
 * "stopped", not "killed". A node paused meanwhile exits when resumed.
 */
void env_exit(struct env *env);

/*
 * A notable step in the node's life, for the run's story and plots: a
 * ZooKeeper election, a broker registration, a controller election, a leader
 * or ISR change. `kind` is a short fixed tag ("controller", "leader",
 * "isr", ...); the text is a plain-language sentence. Events also go to the
 * text trace (as notes); they are not part of the trace hash.
 */
void env_event(struct env *env, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Counts one pass through a named mechanism or rare branch ("fence-epoch",
 * "truncate-by-epoch"): the run's summary.json lists the counts under
 * "coverage" and a sweep adds them up (sim/coverage.h). `name` is a short
 * fixed tag of [a-z0-9-]. Marks change nothing in the run: not its trace
 * hash, not its story.
 */
void env_mark(struct env *env, const char *name);

/* ---- Connections ------------------------------------------------------ */

/*
 * Connections are reliable, ordered and framed, like TCP carrying Kafka's or
 * ZooKeeper's length-prefixed messages: each send arrives as one frame, in
 * order. Over real TCP the implementation adds and strips the 4-byte
 * big-endian length prefix; node code sees payloads only.
 */
struct env_conn_ops {
	/* A frame arrived; `frame` is valid only during the call. */
	void (*on_frame)(struct env_conn *conn, const uint8_t *frame, size_t len);
	/*
	 * The connection ended: ENV_EOF (peer closed after sending everything),
	 * ENV_ECONNRESET (peer crashed or was reset; frames in flight lost).
	 * The handle is gone when this returns: do not close it.
	 */
	void (*on_closed)(struct env_conn *conn, int reason);
};

/* Called with a new inbound connection; set its ops before returning. */
typedef void (*env_accept_cb)(void *arg, struct env_conn *conn);
/*
 * Connect finished: status 0 (open), ENV_ECONNREFUSED, ENV_ETIMEDOUT or
 * ENV_EHOSTUNREACH. On failure the handle is gone when this returns.
 */
typedef void (*env_connect_cb)(struct env_conn *conn, int status);

/* Listens on `port`; `cb` fires for each accepted connection. */
int env_listen(struct env *env, uint16_t port, env_accept_cb cb, void *arg);
/* Stops listening; connections already accepted are not affected. */
void env_unlisten(struct env *env, uint16_t port);

/*
 * Connects to `port` on node `host`. Returns the handle at once (never
 * NULL); `cb` reports the outcome later. Sending before it is open fails
 * with ENV_ENOTCONN.
 */
struct env_conn *env_connect(struct env *env, const char *host, uint16_t port,
			     const struct env_conn_ops *ops, void *data, env_connect_cb cb);

/* Sets the callbacks and user data of an accepted connection. */
void env_conn_set_ops(struct env_conn *conn, const struct env_conn_ops *ops, void *data);
void *env_conn_data(const struct env_conn *conn);
/* The peer's node name. */
const char *env_conn_peer(const struct env_conn *conn);

/*
 * Queues one frame (copied). Returns 0, ENV_ENOTCONN (not open, or the
 * connection already ended: the on_closed callback is on its way),
 * ENV_EMSGSIZE or ENV_ENOBUFS (the unsent backlog passed its bound).
 */
int env_conn_send(struct env_conn *conn, const void *frame, size_t len);
/* Unsent bytes queued on this connection (for flow control). */
size_t env_conn_backlog(const struct env_conn *conn);

/*
 * Closes gracefully, like a TCP FIN: frames already sent still arrive, then
 * the peer sees ENV_EOF. The handle is gone when this returns; no callback
 * fires for it afterwards (a connect still pending is abandoned).
 */
void env_conn_close(struct env_conn *conn);

/* ---- Files ------------------------------------------------------------ */

/*
 * Each node has its own disk: a tree of directories and files under "/",
 * with paths like "/data/orders-0/00000000000000000000.log". Written data
 * lands in the page cache; it becomes durable through fsync or background
 * writeback. Reads, sizes and listings are answered from the page cache at
 * once; everything that changes the disk is a request that completes later.
 * Requests on one file complete in submission order.
 *
 * The return contract of every request (env_file_write, _append, _truncate,
 * _fsync, env_rename, env_unlink): ENV_OK means the request was taken and
 * its callback runs exactly once, later (never inside the call), with the
 * outcome; the disk's failures (ENV_EIO, ENV_ENOSPC, ...) always arrive
 * there. Any other return (ENV_EINVAL: a negative offset, a write whose end
 * is past INT64_MAX, an invalid path or "/") means the request was refused:
 * nothing changes and the callback never runs, so the caller must handle
 * the refusal itself (free the request, fail as the callback would). Every
 * caller checks it.
 */
struct env_req;
typedef void (*env_req_cb)(struct env_req *req, int status);

/* A one-shot file request. Set `data` freely; the rest is filled in. */
struct env_req {
	void *data;
	/* The outcome, valid in the callback: bytes written for write, the
	 * offset the data landed at for append, the new size for truncate. */
	int64_t result;
	/* Private to the implementation. */
	env_req_cb cb;
};

enum env_open_flags {
	ENV_O_CREATE = 1 << 0, /* create when missing */
	ENV_O_EXCL = 1 << 1,   /* with CREATE: fail with ENV_EEXIST when present */
};

/*
 * Opens (or creates) a file. Synchronous: the name is in the page cache at
 * once and becomes durable with the next fsync on this disk (a journal
 * commit) or writeback. Errors: ENV_ENOENT (missing, or a missing parent
 * directory), ENV_EEXIST, ENV_EISDIR, ENV_ENOTDIR.
 */
int env_file_open(struct env *env, const char *path, int flags, struct env_file **out);
/* Closes the handle; requests already submitted still complete. */
void env_file_close(struct env_file *file);
/* Size as the page cache sees it (completed writes only). */
int64_t env_file_size(const struct env_file *file);
/*
 * Copies up to `len` bytes at `offset` into `buf`; returns the count read (0
 * at or past the end), or a negative status. Reads never wait.
 */
int64_t env_file_read(struct env_file *file, int64_t offset, void *buf, size_t len);

/* Writes `len` bytes (copied) at `offset`, extending the file with zeros
 * past its end. Completes with 0, ENV_EIO or ENV_ENOSPC. */
int env_file_write(struct env_req *req, struct env_file *file, int64_t offset,
		   const void *buf, size_t len, env_req_cb cb);
/* Appends at the end as it stands when the write is applied. */
int env_file_append(struct env_req *req, struct env_file *file, const void *buf,
		    size_t len, env_req_cb cb);
int env_file_truncate(struct env_req *req, struct env_file *file, int64_t size,
		      env_req_cb cb);
/*
 * Makes the file's completed writes, and every name change on this disk,
 * durable. Completes with 0 or ENV_EIO. As on Linux after an fsync error,
 * the data that failed to reach the disk is not retried: a later fsync can
 * succeed without it.
 */
int env_file_fsync(struct env_req *req, struct env_file *file, env_req_cb cb);

/*
 * Name changes. Each completes with 0, ENV_ENOENT (source or a parent
 * missing), ENV_ENOTDIR (a path component is a file), ENV_EISDIR / ENV_ENOTDIR
 * (rename between a file and a directory), ENV_EINVAL (a directory into
 * itself) or ENV_ENOTEMPTY (unlink of, or rename onto, a non-empty
 * directory). A rename replaces an existing file atomically. The change is
 * durable at the next fsync on this disk (a journal commit) or writeback;
 * wait for the callback before submitting the fsync meant to persist it.
 */
int env_rename(struct env_req *req, struct env *env, const char *from, const char *to,
	       env_req_cb cb);
int env_unlink(struct env_req *req, struct env *env, const char *path, env_req_cb cb);
/* Creates a directory (synchronous, like open). ENV_EEXIST if present. */
int env_mkdir(struct env *env, const char *path);
/* Creates a directory and its missing parents; present is not an error. */
int env_mkdirs(struct env *env, const char *path);
/*
 * Lists a directory's entry names in byte order (deterministic), calling
 * `each` once per name. Returns the count or a negative status.
 */
int env_list_dir(struct env *env, const char *path,
		 void (*each)(void *arg, const char *name, bool is_dir), void *arg);
/* True when the path names a file or directory. */
bool env_exists(struct env *env, const char *path);

#endif
