#include "broker/log/log_ckpt.h"

#include <stdio.h>
#include <string.h>

#include "broker/log/log_io.h"

static int fail(struct log_ckpt_error *err, int line, const char *msg)
{
	err->line = line;
	snprintf(err->msg, sizeof err->msg, "%s", msg);
	return LOG_EFORMAT;
}

int log_ckpt_parse_int(const char *s, size_t len, int64_t min, int64_t max, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	if (len && s[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i == len || len - i > 19)
		return LOG_EFORMAT;
	uint64_t v = 0;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return LOG_EFORMAT;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	/* 19 digits fit in a uint64_t; now bound the magnitude for int64_t. */
	if (v > (uint64_t)INT64_MAX + (neg ? 1u : 0u))
		return LOG_EFORMAT;
	int64_t x = neg ? (int64_t)(0 - v) : (int64_t)v;
	if (x < min || x > max)
		return LOG_EFORMAT;
	*out = x;
	return LOG_OK;
}

/* One line [start, end) of buf, without its '\n'; false at the end. */
static bool next_line(const char *buf, size_t len, size_t *pos, const char **line,
		      size_t *line_len)
{
	if (*pos >= len)
		return false;
	const char *nl = memchr(buf + *pos, '\n', len - *pos);
	size_t end = nl ? (size_t)(nl - buf) : len;
	*line = buf + *pos;
	*line_len = end - *pos;
	*pos = nl ? end + 1 : len;
	return true;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Splits a line on runs of whitespace into exactly nfields fields. */
static int split(const char *line, size_t len, int nfields, const char **f, size_t *flen)
{
	/* Trailing whitespace is dropped, as Java's split drops empty tails. */
	while (len && is_space(line[len - 1]))
		len--;
	int n = 0;
	size_t i = 0;
	while (i < len) {
		size_t start = i;
		while (i < len && !is_space(line[i]))
			i++;
		if (n == nfields)
			return LOG_EFORMAT;
		f[n] = line + start;
		flen[n++] = i - start; /* empty for leading whitespace, as in Java */
		while (i < len && is_space(line[i]))
			i++;
	}
	for (int k = 0; k < n; k++)
		if (flen[k] == 0)
			return LOG_EFORMAT;
	return n == nfields ? LOG_OK : LOG_EFORMAT;
}

/* Reads the version and count lines; *count is the declared entry count. */
static int parse_head(const char *buf, size_t len, size_t *pos, int64_t *count,
		      struct log_ckpt_error *err)
{
	const char *line;
	size_t ll;
	int64_t version;
	if (!next_line(buf, len, pos, &line, &ll))
		return fail(err, 1, "missing version line");
	while (ll && is_space(line[ll - 1]))
		ll--;
	if (log_ckpt_parse_int(line, ll, INT32_MIN, INT32_MAX, &version))
		return fail(err, 1, "version line is not an integer");
	if (version != LOG_CKPT_VERSION)
		return fail(err, 1, "unrecognized checkpoint version (expected 0)");
	if (!next_line(buf, len, pos, &line, &ll))
		return fail(err, 2, "missing entry count line");
	while (ll && is_space(line[ll - 1]))
		ll--;
	if (log_ckpt_parse_int(line, ll, 0, INT32_MAX, count))
		return fail(err, 2, "entry count is not a non-negative integer");
	return LOG_OK;
}

int log_ckpt_parse_lines(const char *buf, size_t len, int nfields,
			 int (*each)(void *arg, const char **fields, const size_t *lens,
				     int line, struct log_ckpt_error *err),
			 void *arg, size_t *count, struct log_ckpt_error *err)
{
	err->line = 0;
	err->msg[0] = 0;
	*count = 0;
	if (len == 0)
		return LOG_OK; /* Kafka reads an empty checkpoint as no entries */
	if (nfields < 1 || nfields > LOG_CKPT_MAX_FIELDS)
		return fail(err, 0, "bad field count");
	size_t pos = 0;
	int64_t expected;
	int rc = parse_head(buf, len, &pos, &expected, err);
	if (rc)
		return rc;
	const char *line, *f[LOG_CKPT_MAX_FIELDS];
	size_t ll, flen[LOG_CKPT_MAX_FIELDS];
	int lineno = 2;
	int64_t seen = 0;
	while (next_line(buf, len, &pos, &line, &ll)) {
		lineno++;
		if (seen == expected)
			return fail(err, lineno, "more entries than the count line says");
		if (split(line, ll, nfields, f, flen))
			return fail(err, lineno, "wrong number of fields");
		rc = each(arg, f, flen, lineno, err);
		if (rc) {
			err->line = lineno;
			return LOG_EFORMAT;
		}
		seen++;
	}
	if (seen != expected)
		return fail(err, lineno, "fewer entries than the count line says");
	*count = (size_t)seen;
	return LOG_OK;
}

static bool topic_valid(const char *t, size_t len)
{
	if (len == 0 || len > 249)
		return false;
	if ((len == 1 && t[0] == '.') || (len == 2 && t[0] == '.' && t[1] == '.'))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = t[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
		if (!ok)
			return false;
	}
	return true;
}

struct parse_ctx {
	struct log_ckpt_entry *out;
	size_t cap, n;
};

static int entry_cb(void *arg, const char **f, const size_t *len, int line,
		    struct log_ckpt_error *err)
{
	struct parse_ctx *c = arg;
	int64_t part, off;
	if (!topic_valid(f[0], len[0]))
		return fail(err, line, "illegal topic name");
	if (log_ckpt_parse_int(f[1], len[1], 0, INT32_MAX, &part))
		return fail(err, line, "partition is not a non-negative 32-bit integer");
	if (log_ckpt_parse_int(f[2], len[2], INT64_MIN, INT64_MAX, &off))
		return fail(err, line, "offset is not a 64-bit integer");
	if (c->out && c->n < c->cap)
		c->out[c->n] = (struct log_ckpt_entry){f[0], len[0], (int32_t)part, off};
	c->n++;
	return LOG_OK;
}

int log_ckpt_parse(const char *buf, size_t len, struct log_ckpt_entry *out, size_t cap,
		   size_t *count, struct log_ckpt_error *err)
{
	struct parse_ctx c = {out, cap, 0};
	int rc = log_ckpt_parse_lines(buf, len, 3, entry_cb, &c, count, err);
	if (rc)
		return rc;
	return *count > cap ? LOG_EINVAL : LOG_OK;
}

void log_ckpt_encode(struct wire_writer *w, const struct log_ckpt_entry *e, size_t n)
{
	char line[64];
	int k = snprintf(line, sizeof line, "%d\n%zu\n", LOG_CKPT_VERSION, n);
	wire_put_bytes(w, line, (size_t)k);
	for (size_t i = 0; i < n; i++) {
		wire_put_bytes(w, e[i].topic, e[i].topic_len);
		k = snprintf(line, sizeof line, " %d %lld\n", (int)e[i].partition,
			     (long long)e[i].offset);
		wire_put_bytes(w, line, (size_t)k);
	}
}

int64_t log_ckpt_find(const struct log_ckpt_entry *e, size_t n, const char *topic,
		      int32_t partition)
{
	size_t tl = strlen(topic);
	for (size_t i = 0; i < n; i++)
		if (e[i].partition == partition && e[i].topic_len == tl &&
		    memcmp(e[i].topic, topic, tl) == 0)
			return e[i].offset;
	return -1;
}

/* ---- The atomic writer -------------------------------------------------- */

struct ckpt_write {
	struct env *env;
	log_ckpt_cb cb;
	void *arg;
};

static void write_done(struct log_io *io, int status)
{
	struct ckpt_write *cw = log_io_data(io);
	log_ckpt_cb cb = cw->cb;
	void *arg = cw->arg;
	/* The chain frees itself after this returns; cw is ours to free. */
	env_free(cw->env, cw);
	cb(arg, status ? LOG_EIO : LOG_OK);
}

int log_ckpt_write_file(struct env *env, const char *path, const void *bytes, size_t len,
			log_ckpt_cb cb, void *arg)
{
	size_t pl = strlen(path);
	char tmp[pl + 5];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	return log_ckpt_write_file_via(env, path, tmp, bytes, len, cb, arg);
}

int log_ckpt_write_file_via(struct env *env, const char *path, const char *tmp,
			    const void *bytes, size_t len, log_ckpt_cb cb, void *arg)
{
	struct env_file *f;
	if (env_file_open(env, tmp, ENV_O_CREATE, &f))
		return LOG_EIO;
	struct ckpt_write *cw = env_alloc(env, sizeof *cw);
	*cw = (struct ckpt_write){env, cb, arg};
	struct log_io *io = log_io_new(env, write_done, cw);
	log_io_truncate(io, f, 0);
	log_io_write(io, f, 0, bytes, len, true);
	log_io_fsync(io, f);
	log_io_rename(io, tmp, path);
	/* Any fsync commits the disk's name journal: this makes the rename
	 * durable, as Kafka's flush of the parent directory does. */
	log_io_fsync(io, f);
	log_io_close(io, f);
	log_io_run(io);
	return LOG_OK;
}
