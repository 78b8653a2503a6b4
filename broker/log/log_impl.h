/*
 * log_impl — the partition log's state, shared by log.c (operations),
 * log_ops.c (append, flush, truncation, retention) and log_recover.c
 * (opening). Not for use outside broker/log.
 */
#ifndef KSIM_LOG_IMPL_H
#define KSIM_LOG_IMPL_H

#include "broker/log/log.h"
#include "broker/log/log_io.h"

enum log_op_kind {
	LOG_OP_APPEND_LEADER = 1,
	LOG_OP_APPEND_FOLLOWER,
	LOG_OP_FLUSH,
	LOG_OP_TRUNCATE,
	LOG_OP_TRUNCATE_FULLY,
	LOG_OP_RETAIN,
};

#define LOG_RECOVERY_POINT_FILE "recovery-point-offset-checkpoint"
#define LOG_START_OFFSET_FILE "log-start-offset-checkpoint"
#define LOG_REPLICATION_OFFSET_FILE "replication-offset-checkpoint"
#define LOG_EPOCH_FILE "leader-epoch-checkpoint"

struct log {
	struct env *env;
	const struct log_config *cfg;
	struct log_alloc alloc;
	char *pdir; /* "<dir>/<topic>-<partition>" */
	struct log_segment **segs;
	size_t nseg, segcap;
	int64_t log_start, leo, recovery_point;
	int64_t last_flush_ns;
	int64_t ckpt_recovery_point; /* the value read at open, -1 when none */
	struct log_epoch_cache epochs;
	struct log_pstate ps;
	bool opening, offline;
	/* The operation queue: cur runs, head..tail wait. */
	struct log_req *cur, *head, *tail;
	struct env_timer kick;
	struct log_segment *cur_seg; /* the segment the running append writes */
	/* Internal operations, queued at most once each. */
	struct log_req flush_req, retain_req;
	int64_t flush_again; /* a flush wanted while the internal one ran, or -1 */
	int64_t retain_now_ms, retain_hw;
	/* The leader-epoch-checkpoint writer: one write in flight. */
	bool epoch_writing, epoch_dirty;
	bool ckpt_writing;
	log_open_cb open_cb;
	void *open_arg;
};

/* Queues req (kind and target set by the caller) and arms the kick timer. */
void log_enqueue(struct log *log, struct log_req *req, int kind, log_req_cb cb);
/* Ends the running operation: reports status to its callback, then lets the
 * next one start (from a timer, so callbacks never nest). */
void log_op_finish(struct log *log, int status);
/* Arms the kick timer when an operation can start. */
void log_kick(struct log *log);
/* Starts the running operation (log_ops.c). */
void log_op_run(struct log *log, struct log_req *req);

/* Rewrites leader-epoch-checkpoint (coalesced: one write in flight). */
void log_epoch_save(struct log *log);
/*
 * Rewrites this partition's entries in the recovery-point and log-start
 * checkpoints of the log directory, then calls cb(log, status).
 */
void log_ckpt_save(struct log *log, void (*cb)(struct log *log, int status));

/* Adds a segment at the end of the list. */
void log_segs_push(struct log *log, struct log_segment *seg);
/* Index of the segment holding offset (largest base <= offset), or 0. */
size_t log_segs_find(const struct log *log, int64_t offset);
/* Replays every batch header into the producer state (after truncation). */
void log_rebuild_producers(struct log *log);

#endif
