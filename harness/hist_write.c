/*
 * hist_write — see hist_write.h. Each value is written straight to the FILE;
 * need_comma per open container decides the separator, so the writer needs
 * no buffer of its own.
 */
#include "harness/hist_write.h"
#include "harness/hist_json.h"

#include <string.h>

void hist_w_init(struct hist_writer *w, FILE *out)
{
	w->out = out;
	w->depth = 0;
	w->failed = false;
}

int hist_w_error(const struct hist_writer *w)
{
	return w->failed || ferror(w->out) ? -1 : 0;
}

static void put(struct hist_writer *w, const char *s)
{
	if (fputs(s, w->out) == EOF)
		w->failed = true;
}

static void put_run(struct hist_writer *w, const unsigned char *p, size_t n)
{
	if (n && fwrite(p, 1, n, w->out) != n)
		w->failed = true;
}

/* How many bytes from p on can be written as they are. */
static size_t plain_run(const unsigned char *p, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned char ch = p[i];
		if (ch >= 0x80) {
			size_t run = hist_json_utf8_len(p + i, len - i);
			if (!run)
				break;
			i += run;
		} else if (ch < 0x20 || ch == 0x7f || ch == '"' || ch == '\\') {
			break;
		} else {
			i++;
		}
	}
	return i;
}

/*
 * Escapes len bytes as the body of a JSON string: runs of plain bytes go out
 * in one fwrite; quote, backslash and control characters are escaped, and a
 * byte that starts no valid UTF-8 sequence becomes U+FFFD.
 */
static void put_escaped(struct hist_writer *w, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	char buf[8];
	for (size_t i = 0; i < len;) {
		size_t run = plain_run(p + i, len - i);
		put_run(w, p + i, run);
		i += run;
		if (i == len)
			break;
		unsigned char ch = p[i++];
		if (ch >= 0x80)
			snprintf(buf, sizeof(buf), "\\ufffd");
		else if (ch == '"' || ch == '\\')
			snprintf(buf, sizeof(buf), "\\%c", ch);
		else if (ch == '\n')
			snprintf(buf, sizeof(buf), "\\n");
		else if (ch == '\t')
			snprintf(buf, sizeof(buf), "\\t");
		else
			snprintf(buf, sizeof(buf), "\\u%04x", ch);
		put(w, buf);
	}
}

/* The separator and "key": that precede a value. */
static void prefix(struct hist_writer *w, const char *key)
{
	if (w->depth <= 0) {
		w->failed = true;
		return;
	}
	if (w->need_comma[w->depth - 1])
		put(w, ",");
	w->need_comma[w->depth - 1] = true;
	if (key) {
		put(w, "\"");
		put_escaped(w, key, strlen(key));
		put(w, "\":");
	}
}

void hist_w_begin(struct hist_writer *w, int64_t time_ns, const char *process, enum hist_type type,
                  enum hist_f f)
{
	if (w->depth != 0)
		w->failed = true;
	put(w, "{");
	w->depth = 1;
	w->need_comma[0] = false;
	hist_w_int(w, "time", time_ns);
	hist_w_str(w, "process", process);
	hist_w_str(w, "type", hist_type_name(type));
	hist_w_str(w, "f", hist_f_name(f));
}

void hist_w_end(struct hist_writer *w)
{
	if (w->depth != 1)
		w->failed = true;
	put(w, "}\n");
	w->depth = 0;
}

void hist_w_strn(struct hist_writer *w, const char *key, const char *s, size_t len)
{
	prefix(w, key);
	put(w, "\"");
	put_escaped(w, s, len);
	put(w, "\"");
}

void hist_w_str(struct hist_writer *w, const char *key, const char *s)
{
	hist_w_strn(w, key, s, strlen(s));
}

void hist_w_int(struct hist_writer *w, const char *key, int64_t v)
{
	/* Digits from the right; the magnitude as unsigned so INT64_MIN works. */
	char buf[24];
	char *p = buf + sizeof(buf) - 1;
	uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	*p = '\0';
	do {
		*--p = (char)('0' + mag % 10);
		mag /= 10;
	} while (mag);
	if (v < 0)
		*--p = '-';
	prefix(w, key);
	put(w, p);
}

void hist_w_bool(struct hist_writer *w, const char *key, bool v)
{
	prefix(w, key);
	put(w, v ? "true" : "false");
}

void hist_w_null(struct hist_writer *w, const char *key)
{
	prefix(w, key);
	put(w, "null");
}

void hist_w_open(struct hist_writer *w, const char *key, char bracket)
{
	prefix(w, key);
	if (w->depth >= HIST_W_MAX_DEPTH || (bracket != '{' && bracket != '[')) {
		w->failed = true;
		return;
	}
	put(w, bracket == '{' ? "{" : "[");
	/* The closing bracket is found again from the opening one's kind. */
	w->kinds[w->depth] = bracket;
	w->need_comma[w->depth++] = false;
}

void hist_w_close(struct hist_writer *w)
{
	if (w->depth <= 1) {
		w->failed = true;
		return;
	}
	w->depth--;
	put(w, w->kinds[w->depth] == '{' ? "}" : "]");
}

void hist_write_send(struct hist_writer *w, int64_t time_ns, const char *process,
                     enum hist_type type, const struct hist_w_send *s)
{
	hist_w_begin(w, time_ns, process, type, HIST_F_SEND);
	hist_w_open(w, "values", '{');
	hist_w_str(w, "topic", s->topic);
	if (s->partition >= 0)
		hist_w_int(w, "partition", s->partition);
	if (s->key)
		hist_w_str(w, "key", s->key);
	hist_w_str(w, "value", s->value);
	if (s->offset >= 0)
		hist_w_int(w, "offset", s->offset);
	hist_w_close(w);
	if (s->error)
		hist_w_str(w, "error", s->error);
	hist_w_end(w);
}

void hist_write_read(struct hist_writer *w, int64_t time_ns, const char *process,
                     enum hist_type type, enum hist_f f, const struct hist_w_record *recs, size_t n,
                     const struct hist_w_hw *hws, size_t n_hws)
{
	hist_w_begin(w, time_ns, process, type, f);
	hist_w_open(w, "values", '[');
	for (size_t i = 0; i < n; i++) {
		hist_w_open(w, NULL, '{');
		hist_w_str(w, "topic", recs[i].topic);
		hist_w_int(w, "partition", recs[i].partition);
		hist_w_int(w, "offset", recs[i].offset);
		hist_w_str(w, "value", recs[i].value);
		hist_w_close(w);
	}
	hist_w_close(w);
	if (n_hws) {
		hist_w_open(w, "hw", '[');
		for (size_t i = 0; i < n_hws; i++) {
			hist_w_open(w, NULL, '{');
			hist_w_str(w, "topic", hws[i].topic);
			hist_w_int(w, "partition", hws[i].partition);
			hist_w_int(w, "hw", hws[i].hw);
			hist_w_close(w);
		}
		hist_w_close(w);
	}
	hist_w_end(w);
}

void hist_write_leader_epoch(struct hist_writer *w, int64_t time_ns, const char *process,
                             const char *topic, int32_t partition, int64_t epoch,
                             const char *leader)
{
	hist_w_begin(w, time_ns, process, HIST_T_OK, HIST_F_LEADER_EPOCH);
	hist_w_open(w, "values", '{');
	hist_w_str(w, "topic", topic);
	hist_w_int(w, "partition", partition);
	hist_w_int(w, "epoch", epoch);
	hist_w_str(w, "leader", leader);
	hist_w_close(w);
	hist_w_end(w);
}

void hist_write_controller_epoch(struct hist_writer *w, int64_t time_ns, const char *process,
                                 int64_t epoch, const char *controller)
{
	hist_w_begin(w, time_ns, process, HIST_T_OK, HIST_F_CONTROLLER_EPOCH);
	hist_w_open(w, "values", '{');
	hist_w_int(w, "epoch", epoch);
	hist_w_str(w, "controller", controller);
	hist_w_close(w);
	hist_w_end(w);
}

void hist_write_consumer_config(struct hist_writer *w, int64_t time_ns, const char *process,
                                const char *group, const char *commit)
{
	hist_w_begin(w, time_ns, process, HIST_T_OK, HIST_F_CONSUMER_CONFIG);
	hist_w_open(w, "values", '{');
	if (group)
		hist_w_str(w, "group", group);
	else
		hist_w_null(w, "group");
	hist_w_str(w, "commit", commit);
	hist_w_close(w);
	hist_w_end(w);
}

void hist_write_producer_config(struct hist_writer *w, int64_t time_ns, const char *process,
                                bool idempotence, int64_t max_in_flight)
{
	hist_w_begin(w, time_ns, process, HIST_T_OK, HIST_F_PRODUCER_CONFIG);
	hist_w_open(w, "values", '{');
	hist_w_bool(w, "idempotence", idempotence);
	hist_w_int(w, "max_in_flight", max_in_flight);
	hist_w_close(w);
	hist_w_end(w);
}

/* Opens an element object of an array with its topic and partition. */
static void open_tp(struct hist_writer *w, const char *topic, int32_t partition)
{
	hist_w_open(w, NULL, '{');
	hist_w_str(w, "topic", topic);
	hist_w_int(w, "partition", partition);
}

void hist_write_positions(struct hist_writer *w, int64_t time_ns, const char *process,
                          enum hist_type type, enum hist_f f, const struct hist_w_position *pos,
                          size_t n)
{
	hist_w_begin(w, time_ns, process, type, f);
	hist_w_open(w, "values", '[');
	for (size_t i = 0; i < n; i++) {
		open_tp(w, pos[i].topic, pos[i].partition);
		if (pos[i].offset >= 0)
			hist_w_int(w, "offset", pos[i].offset);
		hist_w_close(w);
	}
	hist_w_close(w);
	hist_w_end(w);
}

void hist_write_replica_log(struct hist_writer *w, int64_t time_ns, const char *process,
                            const char *topic, int32_t partition, int64_t hw, bool in_sync,
                            const struct hist_w_log_record *recs, size_t n)
{
	hist_w_begin(w, time_ns, process, HIST_T_OK, HIST_F_REPLICA_LOG);
	hist_w_open(w, "values", '{');
	hist_w_str(w, "topic", topic);
	hist_w_int(w, "partition", partition);
	hist_w_int(w, "hw", hw);
	hist_w_bool(w, "in_sync", in_sync);
	hist_w_open(w, "records", '[');
	for (size_t i = 0; i < n; i++) {
		hist_w_open(w, NULL, '{');
		hist_w_int(w, "offset", recs[i].offset);
		hist_w_str(w, "value", recs[i].value);
		hist_w_close(w);
	}
	hist_w_close(w);
	hist_w_close(w);
	hist_w_end(w);
}

void hist_write_zk_digests(struct hist_writer *w, int64_t time_ns, const char *process,
                           const struct hist_w_digest *d, size_t n)
{
	hist_w_begin(w, time_ns, process, HIST_T_OK, HIST_F_ZK_DIGESTS);
	hist_w_open(w, "values", '[');
	for (size_t i = 0; i < n; i++) {
		hist_w_open(w, NULL, '{');
		hist_w_int(w, "zxid", d[i].zxid);
		hist_w_str(w, "digest", d[i].digest);
		hist_w_close(w);
	}
	hist_w_close(w);
	hist_w_end(w);
}

void hist_write_liveness(struct hist_writer *w, int64_t time_ns, const char *process,
                         const struct hist_w_liveness *rows, size_t n)
{
	hist_w_begin(w, time_ns, process, HIST_T_OK, HIST_F_LIVENESS);
	hist_w_open(w, "values", '[');
	for (size_t i = 0; i < n; i++) {
		open_tp(w, rows[i].topic, rows[i].partition);
		if (rows[i].leader)
			hist_w_str(w, "leader", rows[i].leader);
		else
			hist_w_null(w, "leader");
		hist_w_bool(w, "writable", rows[i].writable);
		hist_w_bool(w, "read", rows[i].read);
		if (rows[i].probe)
			hist_w_str(w, "probe", rows[i].probe);
		if (rows[i].replicas) {
			hist_w_open(w, "replicas", '[');
			for (size_t k = 0; k < rows[i].n_replicas; k++)
				hist_w_str(w, NULL, rows[i].replicas[k]);
			hist_w_close(w);
			hist_w_open(w, "isr", '[');
			for (size_t k = 0; k < rows[i].n_isr; k++)
				hist_w_str(w, NULL, rows[i].isr[k]);
			hist_w_close(w);
		}
		hist_w_close(w);
	}
	hist_w_close(w);
	hist_w_end(w);
}
