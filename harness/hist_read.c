/*
 * hist_read — the JSON Lines reader (see hist.h; schema in docs/checkers.md).
 * Each line is parsed by hist_json, then checked against the schema field by
 * field while it is copied into the history, so every refusal can name the
 * column of the offending value. Unknown keys are ignored, so that later
 * versions may add fields; unknown functions and types are refused.
 */
#include "harness/hist.h"
#include "harness/hist_impl.h"
#include "harness/hist_json.h"
#include "harness/hist_map.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct ctx {
	struct hist *h;
	struct hist_json j;
	struct hist_error *err;
	struct hist_map sends; /* send value id -> invoke op index, bit 63 = completed */
	uint64_t line;
	int64_t last_time;
	int status;
};

#define SEND_DONE (UINT64_C(1) << 63)

static int bad(struct ctx *c, uint32_t col, const char *fmt, ...)
{
	if (c->status != HIST_OK)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err->msg, sizeof(c->err->msg), fmt, ap);
	va_end(ap);
	c->err->line = c->line;
	c->err->col = col;
	c->status = HIST_EINPUT;
	return -1;
}

static int oom(struct ctx *c)
{
	if (c->status == HIST_OK) {
		c->status = HIST_ENOMEM;
		c->err->line = c->line;
		c->err->col = 0;
		snprintf(c->err->msg, sizeof(c->err->msg), "out of memory");
	}
	return -1;
}

static const struct hist_json_node *node(const struct ctx *c, uint32_t i)
{
	return &c->j.nodes[i];
}

/*
 * Looks key up in object `obj`: returns the member, or NULL with *rc = 0 when
 * it is absent and optional, or NULL with *rc = -1 after reporting a missing
 * required key, a duplicate key, or a value of the wrong type (`want`, with
 * NULL accepted when allow_null).
 */
static const struct hist_json_node *member(struct ctx *c, uint32_t obj, const char *key,
                                           bool required, uint8_t want, bool allow_null, int *rc)
{
	static const char *const type_names[] = {"null",     "false",    "true",     "a number",
	                                         "a string", "an array", "an object"};
	bool dup;
	const struct hist_json_node *v = hist_json_get(&c->j, obj, key, &dup);
	*rc = 0;
	if (dup) {
		*rc = bad(c, node(c, obj)->col, "duplicate key \"%s\"", key);
		return NULL;
	}
	if (!v) {
		if (required)
			*rc = bad(c, node(c, obj)->col, "missing key \"%s\"", key);
		return NULL;
	}
	if (allow_null && v->type == HIST_JSON_NULL)
		return NULL;
	bool ok = v->type == want || (want == HIST_JSON_TRUE && v->type == HIST_JSON_FALSE);
	if (!ok) {
		const char *w = want == HIST_JSON_TRUE ? "a boolean" : type_names[want];
		*rc = bad(c, v->col, "\"%s\" must be %s", key, w);
		return NULL;
	}
	return v;
}

/* An integer member >= min; *present says whether it was there. */
static int get_int(struct ctx *c, uint32_t obj, const char *key, bool required, int64_t min,
                   int64_t *out, bool *present)
{
	int rc;
	const struct hist_json_node *v =
	    member(c, obj, key, required, HIST_JSON_NUMBER, false, &rc);
	if (present)
		*present = v != NULL;
	if (!v)
		return rc;
	if (!v->is_int || v->i < min)
		return bad(c, v->col, "\"%s\" must be an integer >= %lld", key, (long long)min);
	*out = v->i;
	return 0;
}

/* A string member interned into *id (0 when absent, or null and allow_null). */
static int get_str(struct ctx *c, uint32_t obj, const char *key, bool required, bool allow_null,
                   uint32_t *id)
{
	int rc;
	const struct hist_json_node *v =
	    member(c, obj, key, required, HIST_JSON_STRING, allow_null, &rc);
	*id = 0;
	if (!v)
		return rc;
	if (hist_intern_str(c->h, hist_json_str(&c->j, v), v->str_len, id))
		return oom(c);
	return 0;
}

static int get_bool(struct ctx *c, uint32_t obj, const char *key, bool required, bool *out)
{
	int rc;
	const struct hist_json_node *v = member(c, obj, key, required, HIST_JSON_TRUE, false, &rc);
	if (v)
		*out = v->type == HIST_JSON_TRUE;
	return rc;
}

/* "topic" and "partition" of obj; partition -1 when optional and absent. */
static int get_tp(struct ctx *c, uint32_t obj, bool need_partition, uint32_t *tp)
{
	uint32_t topic;
	int64_t partition = -1;
	if (get_str(c, obj, "topic", true, false, &topic) ||
	    get_int(c, obj, "partition", need_partition, 0, &partition, NULL))
		return -1;
	if (partition > INT32_MAX)
		return bad(c, node(c, obj)->col, "\"partition\" too large");
	if (hist_intern_tp(c->h, topic, (int32_t)partition, tp))
		return oom(c);
	return 0;
}

/* The member key of obj as a node index, required to be of type `want`. */
static int get_node(struct ctx *c, uint32_t obj, const char *key, bool required, uint8_t want,
                    uint32_t *idx)
{
	int rc;
	const struct hist_json_node *v = member(c, obj, key, required, want, false, &rc);
	*idx = v ? hist_json_index(&c->j, v) : 0;
	return rc;
}

/* Appends the elements of array node arr as items, one per parse_one call. */
static int read_list(struct ctx *c, struct hist_op *op, uint32_t arr, const char *what,
                     int (*parse_one)(struct ctx *, uint32_t, struct hist_item *))
{
	op->items = c->h->n_items;
	for (uint32_t e = node(c, arr)->child; e; e = node(c, e)->next) {
		if (node(c, e)->type != HIST_JSON_OBJECT)
			return bad(c, node(c, e)->col, "each element of %s must be an object",
			           what);
		struct hist_item *it;
		if (hist_push_item(c->h, &it))
			return oom(c);
		if (parse_one(c, e, it))
			return -1;
		op->n_items++;
	}
	return 0;
}

/* {topic, partition, offset, value}: a record read by a consumer. */
static int parse_read(struct ctx *c, uint32_t e, struct hist_item *it)
{
	return get_tp(c, e, true, &it->tp) || get_int(c, e, "offset", true, 0, &it->num, NULL) ||
	       get_str(c, e, "value", true, false, &it->str);
}

/* {topic, partition, offset?}: assign; offset -1 when absent. */
static int parse_assign(struct ctx *c, uint32_t e, struct hist_item *it)
{
	it->num = -1;
	return get_tp(c, e, true, &it->tp) || get_int(c, e, "offset", false, 0, &it->num, NULL);
}

static int parse_seek(struct ctx *c, uint32_t e, struct hist_item *it)
{
	return get_tp(c, e, true, &it->tp) || get_int(c, e, "offset", true, 0, &it->num, NULL);
}

static int parse_record(struct ctx *c, uint32_t e, struct hist_item *it)
{
	return get_int(c, e, "offset", true, 0, &it->num, NULL) ||
	       get_str(c, e, "value", true, false, &it->str);
}

static int parse_digest(struct ctx *c, uint32_t e, struct hist_item *it)
{
	return get_int(c, e, "zxid", true, 0, &it->num, NULL) ||
	       get_str(c, e, "digest", true, false, &it->str);
}

/* Appends an extra item (kind < 0) of a liveness row. */
static int live_extra(struct ctx *c, uint32_t tp, int64_t kind, uint32_t str)
{
	struct hist_item *it;
	if (hist_push_item(c->h, &it))
		return oom(c);
	*it = (struct hist_item){tp, str, kind};
	return 0;
}

/*
 * {topic, partition, leader, writable, read?, probe?, replicas?, isr?}: the
 * row item, then one extra item for the probe and for each replica that
 * `replicas` names and `isr` does not. Returns the number of extra items
 * through *extra.
 */
static int parse_liveness_row(struct ctx *c, uint32_t e, size_t row, size_t *extra)
{
	bool writable = false, read = true, has_probe;
	uint32_t tp, leader, probe = 0, reps, isr;
	if (get_tp(c, e, true, &tp) || get_str(c, e, "leader", true, true, &leader) ||
	    get_bool(c, e, "writable", true, &writable) || get_bool(c, e, "read", false, &read) ||
	    get_str(c, e, "probe", false, false, &probe) ||
	    get_node(c, e, "replicas", false, HIST_JSON_ARRAY, &reps) ||
	    get_node(c, e, "isr", false, HIST_JSON_ARRAY, &isr))
		return -1;
	if (!reps != !isr)
		return bad(c, node(c, e)->col, "\"replicas\" and \"isr\" go together");
	has_probe = probe != 0;
	c->h->items[row] = (struct hist_item){
	    tp, leader, (writable ? HIST_LIVE_WRITABLE : 0) | (read ? HIST_LIVE_READ : 0)};
	*extra = 0;
	if (has_probe && live_extra(c, tp, HIST_LIVE_PROBE, probe))
		return -1;
	*extra += has_probe;
	for (uint32_t r = reps ? node(c, reps)->child : 0; r; r = node(c, r)->next) {
		if (node(c, r)->type != HIST_JSON_STRING)
			return bad(c, node(c, r)->col, "each replica must be a string");
		const char *name = hist_json_str(&c->j, node(c, r));
		bool in = false;
		for (uint32_t i = isr ? node(c, isr)->child : 0; i; i = node(c, i)->next) {
			if (node(c, i)->type != HIST_JSON_STRING)
				return bad(c, node(c, i)->col, "each isr member must be a string");
			in |= node(c, i)->str_len == node(c, r)->str_len &&
			      !strcmp(hist_json_str(&c->j, node(c, i)), name);
		}
		uint32_t id;
		if (in)
			continue;
		if (hist_intern_str(c->h, name, node(c, r)->str_len, &id))
			return oom(c);
		if (live_extra(c, tp, HIST_LIVE_OUT_OF_ISR, id))
			return -1;
		++*extra;
	}
	return 0;
}

static int read_liveness(struct ctx *c, struct hist_op *op, uint32_t arr)
{
	op->items = c->h->n_items;
	for (uint32_t e = node(c, arr)->child; e; e = node(c, e)->next) {
		if (node(c, e)->type != HIST_JSON_OBJECT)
			return bad(c, node(c, e)->col, "each element of values must be an object");
		struct hist_item *it;
		size_t extra = 0;
		if (hist_push_item(c->h, &it))
			return oom(c);
		if (parse_liveness_row(c, e, c->h->n_items - 1, &extra))
			return -1;
		op->n_items += 1 + extra;
	}
	return 0;
}

/* {group: string or null, commit: after-process | before-process | none} */
static int read_consumer_config(struct ctx *c, struct hist_op *op, uint32_t vals)
{
	static const char *const modes[] = {"after-process", "before-process", "none"};
	uint32_t mode;
	if (get_str(c, vals, "group", true, true, &op->str) ||
	    get_str(c, vals, "commit", true, false, &mode))
		return -1;
	for (int k = 0; k < 3; k++)
		if (!strcmp(hist_str(c->h, mode), modes[k])) {
			op->num = k;
			return 0;
		}
	return bad(c, node(c, vals)->col, "unknown commit mode \"%.40s\"", hist_str(c->h, mode));
}

/* The items of op must have strictly increasing num (offsets, zxids). */
static int check_increasing(struct ctx *c, const struct hist_op *op, uint32_t arr, const char *what)
{
	uint32_t e = node(c, arr)->child;
	for (size_t k = 1; k < op->n_items; k++) {
		e = node(c, e)->next;
		if (c->h->items[op->items + k].num <= c->h->items[op->items + k - 1].num)
			return bad(c, node(c, e)->col, "%s must increase strictly", what);
	}
	return 0;
}

/* "values" as an array, required or optional; *arr = 0 when absent. */
static int values_array(struct ctx *c, bool required, uint32_t *arr)
{
	return get_node(c, 0, "values", required, HIST_JSON_ARRAY, arr);
}

static int values_object(struct ctx *c, uint32_t *obj)
{
	return get_node(c, 0, "values", true, HIST_JSON_OBJECT, obj);
}

/* Pairs a send completion with its invoke, or registers an invoke. */
static int pair_send(struct ctx *c, struct hist_op *op, uint32_t vals)
{
	size_t self = c->h->n_ops - 1;
	const struct hist_item *it = &c->h->items[op->items];
	bool fresh;
	uint64_t *slot = hist_map_upsert(&c->sends, it->str, 0, self, &fresh);
	if (!slot)
		return oom(c);
	const char *v = hist_str(c->h, it->str);
	if (op->type == HIST_T_INVOKE) {
		if (!fresh)
			return bad(c, node(c, vals)->col, "value \"%.60s\" sent twice", v);
		op->pair = self;
		return 0;
	}
	if (fresh)
		return bad(c, node(c, vals)->col, "completion of \"%.60s\" without an invoke", v);
	if (*slot & SEND_DONE)
		return bad(c, node(c, vals)->col, "second completion of \"%.60s\"", v);
	const struct hist_op *inv = &c->h->ops[*slot];
	const struct hist_tp *a = &c->h->tps[c->h->items[inv->items].tp];
	const struct hist_tp *b = &c->h->tps[it->tp];
	if (inv->process != op->process)
		return bad(c, node(c, vals)->col,
		           "completion from another process than its invoke");
	if (a->topic != b->topic || (a->partition >= 0 && a->partition != b->partition))
		return bad(c, node(c, vals)->col,
		           "completion names another partition than its invoke");
	op->pair = (size_t)*slot;
	*slot |= SEND_DONE;
	return 0;
}

static int read_send(struct ctx *c, struct hist_op *op)
{
	uint32_t vals;
	struct hist_item *it;
	bool ok = op->type == HIST_T_OK, has_offset;
	if (values_object(c, &vals))
		return -1;
	if (hist_push_item(c->h, &it))
		return oom(c);
	op->items = c->h->n_items - 1;
	op->n_items = 1;
	it->num = -1;
	if (get_tp(c, vals, ok, &it->tp) || get_str(c, vals, "value", true, false, &it->str) ||
	    get_str(c, vals, "key", false, true, &op->str) ||
	    get_int(c, vals, "offset", ok, 0, &it->num, &has_offset))
		return -1;
	if (has_offset && !ok)
		return bad(c, node(c, vals)->col, "only an ok send has an offset");
	return pair_send(c, op, vals);
}

static int read_list_op(struct ctx *c, struct hist_op *op)
{
	uint32_t arr;
	switch (op->f) {
	case HIST_F_POLL:
	case HIST_F_FINAL_READ:
		if (values_array(c, op->type == HIST_T_OK, &arr))
			return -1;
		return arr ? read_list(c, op, arr, "values", parse_read) : 0;
	case HIST_F_ASSIGN:
	case HIST_F_COMMIT:
		if (values_array(c, false, &arr))
			return -1;
		return arr ? read_list(c, op, arr, "values", parse_assign) : 0;
	case HIST_F_SEEK:
		if (values_array(c, true, &arr))
			return -1;
		return read_list(c, op, arr, "values", parse_seek);
	case HIST_F_ZK_DIGESTS:
		if (values_array(c, true, &arr) || read_list(c, op, arr, "values", parse_digest))
			return -1;
		return check_increasing(c, op, arr, "zxids");
	default: /* HIST_F_LIVENESS */
		if (values_array(c, true, &arr))
			return -1;
		return read_liveness(c, op, arr);
	}
}

static int read_replica_log(struct ctx *c, struct hist_op *op)
{
	uint32_t vals, recs;
	if (values_object(c, &vals) || get_tp(c, vals, true, &op->tp) ||
	    get_int(c, vals, "hw", true, 0, &op->num, NULL) ||
	    get_bool(c, vals, "in_sync", true, &op->flag) ||
	    get_node(c, vals, "records", true, HIST_JSON_ARRAY, &recs) ||
	    read_list(c, op, recs, "records", parse_record) ||
	    check_increasing(c, op, recs, "record offsets"))
		return -1;
	for (size_t k = 0; k < op->n_items; k++)
		c->h->items[op->items + k].tp = op->tp;
	return 0;
}

static int read_scalar_op(struct ctx *c, struct hist_op *op)
{
	uint32_t vals;
	if (values_object(c, &vals))
		return -1;
	switch (op->f) {
	case HIST_F_LEADER_EPOCH:
		return get_tp(c, vals, true, &op->tp) ||
		       get_int(c, vals, "epoch", true, 0, &op->num, NULL) ||
		       get_str(c, vals, "leader", true, false, &op->str);
	case HIST_F_CONTROLLER_EPOCH:
		return get_int(c, vals, "epoch", true, 0, &op->num, NULL) ||
		       get_str(c, vals, "controller", true, false, &op->str);
	case HIST_F_CONSUMER_CONFIG:
		return read_consumer_config(c, op, vals);
	default: /* HIST_F_PRODUCER_CONFIG */
		return get_bool(c, vals, "idempotence", true, &op->flag) ||
		       get_int(c, vals, "max_in_flight", true, 1, &op->num, NULL);
	}
}

/* "hw": [{topic, partition, hw}], high watermarks the client was told. */
static int read_hws(struct ctx *c, struct hist_op *op)
{
	uint32_t arr;
	if (get_node(c, 0, "hw", false, HIST_JSON_ARRAY, &arr) || !arr)
		return c->status == HIST_OK ? 0 : -1;
	op->hws = c->h->n_hws;
	for (uint32_t e = node(c, arr)->child; e; e = node(c, e)->next) {
		struct hist_hw *hw;
		if (node(c, e)->type != HIST_JSON_OBJECT)
			return bad(c, node(c, e)->col, "each element of hw must be an object");
		if (hist_push_hw(c->h, &hw))
			return oom(c);
		if (get_tp(c, e, true, &hw->tp) || get_int(c, e, "hw", true, 0, &hw->hw, NULL))
			return -1;
		op->n_hws++;
	}
	return 0;
}

/* Looks name (a string member of the root) up in names[0..n). */
static int get_enum(struct ctx *c, const char *key, const char *(*name_of)(int), int n,
                    uint8_t *out)
{
	int rc;
	const struct hist_json_node *v = member(c, 0, key, true, HIST_JSON_STRING, false, &rc);
	if (!v)
		return rc;
	const char *s = hist_json_str(&c->j, v);
	for (int k = 0; k < n; k++) {
		if (strlen(name_of(k)) == v->str_len && strcmp(name_of(k), s) == 0) {
			*out = (uint8_t)k;
			return 0;
		}
	}
	return bad(c, v->col, "unknown %s \"%.40s\"", key, s);
}

static const char *f_name_of(int k)
{
	return hist_f_name((enum hist_f)k);
}

static const char *type_name_of(int k)
{
	return hist_type_name((enum hist_type)k);
}

/* Functions whose records are facts the harness captured, not client calls. */
static bool is_capture(uint8_t f)
{
	return f == HIST_F_REPLICA_LOG || f == HIST_F_LEADER_EPOCH ||
	       f == HIST_F_CONTROLLER_EPOCH || f == HIST_F_PRODUCER_CONFIG ||
	       f == HIST_F_ZK_DIGESTS || f == HIST_F_LIVENESS || f == HIST_F_CONSUMER_CONFIG;
}

static int read_common(struct ctx *c, struct hist_op *op)
{
	bool present;
	if (get_int(c, 0, "time", true, 0, &op->time, &present) ||
	    get_str(c, 0, "process", true, false, &op->process) ||
	    get_enum(c, "type", type_name_of, HIST_T_INFO + 1, &op->type) ||
	    get_enum(c, "f", f_name_of, HIST_F_COUNT, &op->f) ||
	    get_str(c, 0, "error", false, true, &op->error))
		return -1;
	if (op->time < c->last_time)
		return bad(c, hist_json_get(&c->j, 0, "time", &present)->col,
		           "time goes backwards");
	if (hist_str(c->h, op->process)[0] == '\0')
		return bad(c, 1, "\"process\" must not be empty");
	if (is_capture(op->f) && op->type != HIST_T_OK)
		return bad(c, 1, "a %s record must have type \"ok\"", hist_f_name(op->f));
	c->last_time = op->time;
	return read_hws(c, op);
}

static int read_op(struct ctx *c)
{
	struct hist_op *op;
	if (hist_push_op(c->h, &op))
		return oom(c);
	op->line = c->line;
	op->pair = c->h->n_ops - 1;
	if (read_common(c, op))
		return -1;
	switch (op->f) {
	case HIST_F_SEND:
		return read_send(c, op);
	case HIST_F_REPLICA_LOG:
		return read_replica_log(c, op);
	case HIST_F_LEADER_EPOCH:
	case HIST_F_CONTROLLER_EPOCH:
	case HIST_F_PRODUCER_CONFIG:
	case HIST_F_CONSUMER_CONFIG:
		return read_scalar_op(c, op);
	case HIST_F_FAULT:
		return 0; /* values are free-form and no checker reads them */
	default:
		return read_list_op(c, op);
	}
}

/* Parses one line (without its newline) into a new op. */
static int read_line(struct ctx *c, const char *p, size_t n)
{
	int rc = hist_json_parse(&c->j, p, n);
	if (rc == HIST_JSON_ENOMEM)
		return oom(c);
	if (rc)
		return bad(c, c->j.err_col, "%s", c->j.err_msg);
	if (node(c, 0)->type != HIST_JSON_OBJECT)
		return bad(c, 1, "a history line must be a JSON object");
	return read_op(c);
}

static int finish(struct ctx *c, struct hist **out)
{
	hist_json_free(&c->j);
	hist_map_free(&c->sends);
	if (c->status == HIST_OK && c->line == 0) {
		c->line = 1;
		bad(c, 1, "empty history");
	}
	if (c->status != HIST_OK) {
		hist_free(c->h);
		*out = NULL;
		return c->status;
	}
	*out = c->h;
	return HIST_OK;
}

static int start(struct ctx *c, struct hist_error *err)
{
	memset(c, 0, sizeof(*c));
	memset(err, 0, sizeof(*err));
	c->err = err;
	hist_json_init(&c->j);
	hist_map_init(&c->sends);
	c->h = hist_new();
	if (!c->h)
		return oom(c);
	return 0;
}

int hist_read_buffer(const char *buf, size_t n, struct hist **out, struct hist_error *err)
{
	struct ctx c;
	if (start(&c, err) == 0) {
		size_t pos = 0;
		while (pos < n && c.status == HIST_OK) {
			const char *nl = memchr(buf + pos, '\n', n - pos);
			size_t len = nl ? (size_t)(nl - (buf + pos)) : n - pos;
			c.line++;
			read_line(&c, buf + pos, len);
			pos += len + 1;
		}
	}
	return finish(&c, out);
}

int hist_read_file(const char *path, struct hist **out, struct hist_error *err)
{
	struct ctx c;
	FILE *f = NULL;
	char *line = NULL;
	size_t cap = 0;
	if (start(&c, err))
		return finish(&c, out);
	f = fopen(path, "rb");
	if (!f) {
		snprintf(err->msg, sizeof(err->msg), "%s", strerror(errno));
		c.status = HIST_EIO;
		return finish(&c, out);
	}
	ssize_t len;
	while (c.status == HIST_OK && (len = getline(&line, &cap, f)) >= 0) {
		c.line++;
		if (len > 0 && line[len - 1] == '\n')
			len--;
		read_line(&c, line, (size_t)len);
	}
	if (c.status == HIST_OK && ferror(f)) {
		snprintf(err->msg, sizeof(err->msg), "read error");
		err->line = 0;
		c.status = HIST_EIO;
	}
	free(line);
	fclose(f);
	return finish(&c, out);
}

void hist_error_print(FILE *out, const char *file, const struct hist_error *err)
{
	if (err->line == 0)
		fprintf(out, "%s: %s\n", file, err->msg);
	else
		fprintf(out, "%s:%llu:%u: %s\n", file, (unsigned long long)err->line,
		        (unsigned)err->col ? err->col : 1u, err->msg);
}
