/*
 * log_ckpt — Kafka's offset checkpoint text files and their atomic writer.
 *
 * `recovery-point-offset-checkpoint`, `replication-offset-checkpoint` and
 * `log-start-offset-checkpoint` (one per log directory) share one format:
 *
 *	0\n                      version
 *	2\n                      entry count
 *	orders 0 1234\n          topic, partition, offset
 *	orders 1 99\n
 *
 * Fields are separated by whitespace, as Kafka splits them on "\s+". An empty
 * file holds no entries (Kafka reads it so). The parser is pure: entries
 * point into the caller's buffer (topic is not NUL-terminated); errors give
 * LOG_EFORMAT with a line number and a message, never a crash.
 *
 * log_ckpt_parse_lines is the shared line splitter, also used by the
 * leader-epoch checkpoint (log_epoch), whose lines hold two fields.
 *
 * log_ckpt_write_file writes any such file the way Kafka does: to
 * `<path>.tmp`, fsync, rename over `<path>`, then one more fsync of the
 * renamed file, which commits the rename (on this disk every fsync commits
 * the name journal, as Kafka's flush of the parent directory does).
 */
#ifndef KSIM_LOG_CKPT_H
#define KSIM_LOG_CKPT_H

#include <stddef.h>
#include <stdint.h>

#include "broker/codec/wire.h"
#include "broker/log/log_types.h"
#include "sim/env.h"

#define LOG_CKPT_VERSION 0
#define LOG_CKPT_MAX_FIELDS 3

struct log_ckpt_error {
	int line;       /* 1-based line of the problem, 0 when not about a line */
	char msg[120];
};

struct log_ckpt_entry {
	const char *topic; /* a view into the parsed buffer */
	size_t topic_len;
	int32_t partition;
	int64_t offset;
};

/*
 * Calls each(arg, fields, lens, line) for every entry line of a checkpoint
 * text with `nfields` whitespace-separated fields per line, after checking
 * the version line (0) and the count line against the number of lines.
 * `each` returns LOG_OK or LOG_EFORMAT after filling err->msg. Returns LOG_OK
 * with *count set, or LOG_EFORMAT with err filled. Any input is safe.
 */
int log_ckpt_parse_lines(const char *buf, size_t len, int nfields,
			 int (*each)(void *arg, const char **fields, const size_t *lens,
				     int line, struct log_ckpt_error *err),
			 void *arg, size_t *count, struct log_ckpt_error *err);

/*
 * Parses a decimal integer in [min, max] from exactly len bytes (an optional
 * '-', then digits). Returns LOG_OK or LOG_EFORMAT.
 */
int log_ckpt_parse_int(const char *s, size_t len, int64_t min, int64_t max, int64_t *out);

/*
 * Parses a topic-partition offset checkpoint. Entries go to out[0..cap);
 * *count is the number in the file. Returns LOG_OK; LOG_EFORMAT (err says
 * why) for a bad version, count, line, topic name (Kafka's legal characters
 * [a-zA-Z0-9._-], 1..249 bytes), partition (< 0) or offset; LOG_EINVAL when
 * the file holds more than cap entries (*count says how many: call again).
 */
int log_ckpt_parse(const char *buf, size_t len, struct log_ckpt_entry *out, size_t cap,
		   size_t *count, struct log_ckpt_error *err);

/*
 * Encodes n entries in the format above through w (which counts the size
 * needed past its capacity). Topic names are written as given.
 */
void log_ckpt_encode(struct wire_writer *w, const struct log_ckpt_entry *e, size_t n);

/* Finds topic/partition among n parsed entries; returns its offset or -1. */
int64_t log_ckpt_find(const struct log_ckpt_entry *e, size_t n, const char *topic,
		      int32_t partition);

struct log_ckpt_writer;
typedef void (*log_ckpt_cb)(void *arg, int status);

/*
 * Writes len bytes as the new content of `path` (tmp, fsync, rename,
 * fsync) and calls cb(arg, status) once when done: LOG_OK or LOG_EIO (the
 * old file is then intact or replaced whole, never torn). The bytes and path
 * are copied. Returns LOG_OK, or LOG_EIO when the tmp file cannot be opened
 * (cb is then not called). The request's memory is the node's and is freed
 * before cb runs.
 */
int log_ckpt_write_file(struct env *env, const char *path, const void *bytes, size_t len,
			log_ckpt_cb cb, void *arg);
/*
 * The same with the temporary file named by the caller. Several partition
 * logs share one directory's checkpoint files, and each writes through its
 * own temporary file so that two writes in flight never clobber one
 * another's (Kafka's LogManager writes them for all partitions at once; see
 * docs/log.md).
 */
int log_ckpt_write_file_via(struct env *env, const char *path, const char *tmp,
			    const void *bytes, size_t len, log_ckpt_cb cb, void *arg);

#endif
