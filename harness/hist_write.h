/*
 * hist_write — writes a history as JSON Lines, one operation per line, as it
 * happens (the schema is in docs/checkers.md; hist.h reads it back).
 *
 * A `struct hist_writer` wraps a caller-owned FILE; the writer owns nothing
 * and allocates nothing. A line is built by hist_w_begin, any number of
 * fields (hist_w_str/int/bool/null and nested hist_w_open/hist_w_close), then
 * hist_w_end, which ends the line; the typed helpers below write whole lines
 * for the common operations. Strings are escaped as JSON requires; bytes that
 * are not valid UTF-8 are written as U+FFFD, since JSON cannot carry them.
 * Write errors are sticky: check hist_w_error once at the end.
 */
#ifndef KSIM_HIST_WRITE_H
#define KSIM_HIST_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/hist.h"

enum { HIST_W_MAX_DEPTH = 16 };

struct hist_writer {
	FILE *out;
	int depth; /* open containers, the line's object included */
	bool need_comma[HIST_W_MAX_DEPTH];
	char kinds[HIST_W_MAX_DEPTH]; /* '{' or '[' per open container */
	bool failed;                  /* a write failed or the calls were misnested */
};

/* Starts a writer on out (which stays the caller's). */
void hist_w_init(struct hist_writer *w, FILE *out);
/* Nonzero when any write failed or the calls were misnested. */
int hist_w_error(const struct hist_writer *w);

/* Opens a line with its four common fields. */
void hist_w_begin(struct hist_writer *w, int64_t time_ns, const char *process, enum hist_type type,
                  enum hist_f f);
/* Ends the line ("}\n"); every container opened since begin must be closed. */
void hist_w_end(struct hist_writer *w);

/* Fields: key names the member inside an object, and must be NULL in an array. */
void hist_w_str(struct hist_writer *w, const char *key, const char *s);
/* As hist_w_str for len bytes that may contain NULs. */
void hist_w_strn(struct hist_writer *w, const char *key, const char *s, size_t len);
void hist_w_int(struct hist_writer *w, const char *key, int64_t v);
void hist_w_bool(struct hist_writer *w, const char *key, bool v);
void hist_w_null(struct hist_writer *w, const char *key);
/* Opens an object ('{') or array ('[') member; hist_w_close closes the last. */
void hist_w_open(struct hist_writer *w, const char *key, char bracket);
void hist_w_close(struct hist_writer *w);

/* A send as the producer saw it. Absent fields: NULL strings, -1 numbers. */
struct hist_w_send {
	const char *topic;
	int32_t partition;
	const char *key;
	const char *value;
	int64_t offset;
	const char *error;
};

/* One record a consumer or the final reader read. */
struct hist_w_record {
	const char *topic;
	int32_t partition;
	int64_t offset;
	const char *value;
};

/* A high watermark a client was told. */
struct hist_w_hw {
	const char *topic;
	int32_t partition;
	int64_t hw;
};

void hist_write_send(struct hist_writer *w, int64_t time_ns, const char *process,
                     enum hist_type type, const struct hist_w_send *s);
/* A poll or final-read (f) with its records and high watermarks. */
void hist_write_read(struct hist_writer *w, int64_t time_ns, const char *process,
                     enum hist_type type, enum hist_f f, const struct hist_w_record *recs, size_t n,
                     const struct hist_w_hw *hws, size_t n_hws);
/* A leader of topic/partition accepted a write in leader epoch `epoch`. */
void hist_write_leader_epoch(struct hist_writer *w, int64_t time_ns, const char *process,
                             const char *topic, int32_t partition, int64_t epoch,
                             const char *leader);
/* A controller acted with controller epoch `epoch`. */
void hist_write_controller_epoch(struct hist_writer *w, int64_t time_ns, const char *process,
                                 int64_t epoch, const char *controller);

/* A producer's ordering settings (enable.idempotence, max.in.flight...). */
void hist_write_producer_config(struct hist_writer *w, int64_t time_ns, const char *process,
                                bool idempotence, int64_t max_in_flight);

/* A consumer's group (NULL: none) and commit mode ("after-process", ...). */
void hist_write_consumer_config(struct hist_writer *w, int64_t time_ns, const char *process,
                                const char *group, const char *commit);

/* A partition and, for seek (and optionally assign), an offset (-1: none). */
struct hist_w_position {
	const char *topic;
	int32_t partition;
	int64_t offset;
};

/* An assign or seek (f) of a consumer. */
void hist_write_positions(struct hist_writer *w, int64_t time_ns, const char *process,
                          enum hist_type type, enum hist_f f, const struct hist_w_position *pos,
                          size_t n);

/* One record of a replica's log. */
struct hist_w_log_record {
	int64_t offset;
	const char *value;
};

/* A replica's log of topic/partition at the end of the run (offsets increasing). */
void hist_write_replica_log(struct hist_writer *w, int64_t time_ns, const char *process,
                            const char *topic, int32_t partition, int64_t hw, bool in_sync,
                            const struct hist_w_log_record *recs, size_t n);

struct hist_w_digest {
	int64_t zxid;
	const char *digest;
};

/* A ZooKeeper server's digest after each committed zxid (zxids increasing). */
void hist_write_zk_digests(struct hist_writer *w, int64_t time_ns, const char *process,
                           const struct hist_w_digest *d, size_t n);

/*
 * One partition's state after quiesce; leader NULL when it has none.
 * writable: the probe was acknowledged; read: the final read reached the
 * high watermark; probe: the probe's value (NULL: none sent); replicas and
 * isr (n_replicas, n_isr names; NULL and 0 to leave them out): the
 * partition's replicas and its in-sync ones.
 */
struct hist_w_liveness {
	const char *topic;
	int32_t partition;
	const char *leader;
	bool writable;
	bool read;
	const char *probe;
	const char *const *replicas;
	size_t n_replicas;
	const char *const *isr;
	size_t n_isr;
};

void hist_write_liveness(struct hist_writer *w, int64_t time_ns, const char *process,
                         const struct hist_w_liveness *rows, size_t n);

#endif
