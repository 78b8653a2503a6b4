/*
 * log — one partition's log, modelled on Kafka 3.x's UnifiedLog / LocalLog:
 * a directory `<dir>/<topic>-<partition>/` of segments (log_segment), a
 * leader epoch cache (log_epoch), producer state (log_pstate) and the
 * recovery point, on the node's disk through sim/env.h.
 *
 * Asynchronous, serialized operations. Appends, flushes, truncations and
 * retention deletions are queued and run one at a time, in submission
 * order; each completes through its callback (never inside the submitting
 * call). Callers may submit back to back. What callers see:
 *  - the log end offset (LEO) advances when an append's writes completed,
 *    and reads never return bytes past it, nor past the caller's bound;
 *  - the recovery point is the offset below which everything is fsynced
 *    (batches, indexes); it advances when a flush completes;
 *  - a failed disk request takes the log offline (Kafka marks the log
 *    directory offline): the failing operation reports LOG_EIO and every
 *    later one LOG_EOFFLINE.
 *
 * Ownership: the log lives in the node's heap; `struct log_config` is the
 * caller's and must outlive the log; `struct log_req` is caller-owned and
 * must stay valid and unmoved until its callback. A crash frees everything
 * without callbacks. log_close requires log_idle().
 */
#ifndef KSIM_LOG_H
#define KSIM_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/log/log_epoch.h"
#include "broker/log/log_pstate.h"
#include "broker/log/log_segment.h"
#include "broker/log/log_types.h"
#include "sim/env.h"

#define LOG_NEVER INT64_MAX

struct log_config {
	const char *dir;              /* the log directory, e.g. "/data" */
	const char *topic;
	int32_t partition;
	int64_t segment_bytes;        /* segment.bytes, default 1 GiB */
	int64_t segment_ms;           /* segment.ms, default 7 days */
	int64_t segment_index_bytes;  /* segment.index.bytes, default 10 MiB */
	int64_t index_interval_bytes; /* index.interval.bytes, default 4096 */
	int64_t retention_bytes;      /* retention.bytes, default -1 (none) */
	int64_t retention_ms;         /* retention.ms, default 7 days; -1 none */
	int64_t flush_interval_messages; /* flush.messages, default LOG_NEVER */
	int64_t flush_interval_ms;    /* flush.ms, default LOG_NEVER */
	/* The log directory had the clean-shutdown marker: open without
	 * recovery (batches not validated; recovery point = log end). */
	bool clean_shutdown;
};

/* Kafka's defaults for the log in dir / topic-partition. */
void log_config_default(struct log_config *c, const char *dir, const char *topic,
			int32_t partition);

struct log;
struct log_req;

/* status: LOG_OK, LOG_DUPLICATE (appends) or a negative log_error. */
typedef void (*log_req_cb)(struct log_req *req, int status);
typedef void (*log_open_cb)(struct log *log, int status, void *arg);

/* A caller-owned request. Set `data` freely; results are valid in the
 * callback. */
struct log_req {
	void *data;
	int64_t base_offset; /* appends: first offset; truncations: new LEO */
	int64_t last_offset; /* appends: last offset; flushes: new recovery point */
	/* Private to the log. */
	int kind;
	log_req_cb cb;
	struct log_req *next;
	uint8_t *buf;
	size_t len;
	int32_t epoch;
	int64_t target;
	int stage;
};

/*
 * Opens the log: creates its directory when missing, then recovers (see
 * docs/log.md): segments at or past the recovery point are validated batch
 * by batch and truncated at the first invalid byte; later segments after a
 * bad one are deleted; indexes, producer state and the epoch cache are
 * rebuilt. *out is the log at once (operations submitted now wait for the
 * open); cb(log, status, arg) fires once when it is ready (LOG_OK) or failed
 * (LOG_EIO: the log is offline). Returns LOG_OK, or LOG_EINVAL for a bad
 * config (cb is then not called and *out is NULL).
 */
int log_open(struct env *env, const struct log_config *cfg, log_open_cb cb, void *arg,
	     struct log **out);

/* True when no operation is queued or running (log_close may be called). */
bool log_idle(const struct log *log);

/* Frees the log and closes its files. Precondition: log_idle(log). */
void log_close(struct log *log);

/*
 * Appends, as the partition leader, the batches in buf (len bytes, copied):
 * each is validated (rb_validate_batch, dense), gets offsets from the LEO on
 * and partitionLeaderEpoch `leader_epoch`. An idempotent batch (producer id
 * >= 0) must come alone and is checked against the producer state. Errors
 * found at once are returned (LOG_ECORRUPT, LOG_EINVAL, LOG_ETOO_LARGE) and
 * cb is not called; otherwise cb reports LOG_OK (req->base_offset and
 * last_offset set), LOG_DUPLICATE (the offsets of the earlier append),
 * LOG_EOUT_OF_ORDER, LOG_EFENCED, LOG_EIO or LOG_EOFFLINE.
 */
int log_append_leader(struct log *log, struct log_req *req, const void *buf, size_t len,
		      int32_t leader_epoch, log_req_cb cb);

/*
 * Appends, as a follower, batches fetched from the leader: offsets and
 * epochs are kept; the first batch must start at the LEO when the append
 * runs and each next one right after the previous (else
 * LOG_ENOT_CONTIGUOUS through cb).
 */
int log_append_follower(struct log *log, struct log_req *req, const void *buf, size_t len,
			log_req_cb cb);

/*
 * Fsyncs everything up to the LEO as it stands when the flush runs (the
 * segments from the recovery point on, with their indexes), then advances
 * the recovery point and rewrites the recovery-point checkpoint.
 * req->last_offset is the new recovery point.
 */
int log_flush(struct log *log, struct log_req *req, log_req_cb cb);

/*
 * Truncates to `offset` (a follower after a leader change): deletes later
 * segments and truncates the one holding it, at the start of the batch
 * holding `offset` (req->base_offset is the new LEO, <= offset). The
 * truncation is fsynced before cb. offset >= LEO is a no-op; offset below
 * the log start truncates fully and starts there.
 */
int log_truncate_to(struct log *log, struct log_req *req, int64_t offset, log_req_cb cb);

/* Deletes every segment and starts an empty log at `offset` (>= 0). */
int log_truncate_fully(struct log *log, struct log_req *req, int64_t offset,
		       log_req_cb cb);

/*
 * Sets the leader epoch cache entry (epoch, start_offset) as a new leader
 * does (Kafka's assign on becoming leader), and rewrites the checkpoint
 * file when the cache changed.
 */
void log_assign_epoch(struct log *log, int32_t epoch, int64_t start_offset);

/*
 * Run periodically by the broker. Queues deletion of whole segments (never
 * the active one, and only segments wholly below high_watermark) past
 * retention.ms (by their largest timestamp against now_ms) or beyond
 * retention.bytes, oldest first, advancing the log start offset.
 */
void log_maybe_retain(struct log *log, int64_t now_ms, int64_t high_watermark);

/* Run periodically: queues a flush when flush.ms passed since the last one
 * and something is unflushed. now_ns is monotonic time. */
void log_maybe_flush(struct log *log, int64_t now_ns);

/* A read: whole batches, in the node's heap (free with log_read_free). */
struct log_read {
	uint8_t *data;
	size_t len;
	size_t batches;
	int64_t next_offset; /* the offset after the last batch returned */
};

/*
 * Reads batches from the one holding `offset` on: whole batches, at least
 * one even when larger than max_bytes, ending before max_offset (the
 * caller's bound, such as the high watermark) and the LEO. Each batch's CRC
 * is checked: reading stops before a corrupt one, and LOG_ECORRUPT is
 * returned when the first one is. Returns LOG_OK (possibly empty),
 * LOG_EOUT_OF_RANGE (offset below the log start or past the LEO),
 * LOG_EOFFLINE (also while the log is still opening) or LOG_ECORRUPT.
 */
int log_read(struct log *log, int64_t offset, size_t max_bytes, int64_t max_offset,
	     struct log_read *out);
void log_read_free(struct log *log, struct log_read *r);

/*
 * ListOffsets by timestamp (Kafka's fetchOffsetByTimestamp): the offset and
 * timestamp of the first record, in offset order from the first segment
 * whose largest timestamp reaches `timestamp`, whose timestamp is >= it.
 * The time index picks where to start reading. A compressed batch (its
 * records are not decoded here) answers with its base offset and maximum
 * timestamp. Returns LOG_OK, or
 * LOG_EOUT_OF_RANGE when no record is that late, LOG_ECORRUPT when a batch
 * on the way fails its CRC, LOG_EOFFLINE.
 */
int log_offset_for_timestamp(struct log *log, int64_t timestamp, int64_t *offset,
			     int64_t *record_timestamp);

int64_t log_start_offset(const struct log *log);
int64_t log_end_offset(const struct log *log);
int64_t log_recovery_point(const struct log *log);
bool log_offline(const struct log *log);
size_t log_segment_count(const struct log *log);
const struct log_segment *log_segment_at(const struct log *log, size_t i);
/* Total committed bytes of all segments. */
int64_t log_size_bytes(const struct log *log);
const struct log_epoch_cache *log_epochs(const struct log *log);
const struct log_pstate *log_producers(const struct log *log);
/* The partition directory, "<dir>/<topic>-<partition>". */
const char *log_dir(const struct log *log);

#endif
