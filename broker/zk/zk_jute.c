#include "broker/zk/zk_jute.h"

#include <string.h>

/* The multi terminator and the header of each op, as MultiHeader fields. */
#define MULTI_END_TYPE (-1)
#define MULTI_END_ERR (-1)

struct zk_str zk_str_from_cstr(const char *s)
{
	struct zk_str v = {NULL, -1};
	if (s) {
		size_t n = strlen(s);
		v.p = s;
		v.len = n > INT32_MAX ? INT32_MAX : (int32_t)n;
	}
	return v;
}

bool zk_str_equal(struct zk_str a, struct zk_str b)
{
	if (a.len != b.len)
		return false;
	return a.len <= 0 || memcmp(a.p, b.p, (size_t)a.len) == 0;
}

static void writer_fail(struct wire_writer *w, int err)
{
	if (!w->err)
		w->err = err;
}

int zk_get_bool(struct wire_reader *r, bool *out)
{
	/* Java's DataInput.readBoolean treats any non-zero byte as true. */
	*out = wire_get_u8(r) != 0;
	return r->err;
}

void zk_put_bool(struct wire_writer *w, bool v) { wire_put_u8(w, v ? 1 : 0); }

/* A length-prefixed byte run: -1 is null, below -1 is invalid. */
static const uint8_t *get_lenbytes(struct wire_reader *r, int32_t *len)
{
	int32_t n = wire_get_i32(r);
	*len = -1;
	if (r->err)
		return NULL;
	if (n < -1) {
		wire_reader_fail(r, WIRE_EINVAL);
		return NULL;
	}
	if (n == -1)
		return NULL;
	const uint8_t *p = wire_get_bytes(r, (size_t)n);
	if (p)
		*len = n;
	return p;
}

int zk_get_buf(struct wire_reader *r, struct zk_buf *out)
{
	out->p = get_lenbytes(r, &out->len);
	return r->err;
}

int zk_get_str(struct wire_reader *r, struct zk_str *out)
{
	out->p = (const char *)get_lenbytes(r, &out->len);
	return r->err;
}

static void put_lenbytes(struct wire_writer *w, const void *p, int32_t len)
{
	if (len < -1 || (len > 0 && !p)) {
		writer_fail(w, WIRE_EINVAL);
		return;
	}
	wire_put_i32(w, len);
	if (len > 0)
		wire_put_bytes(w, p, (size_t)len);
}

void zk_put_buf(struct wire_writer *w, struct zk_buf b) { put_lenbytes(w, b.p, b.len); }
void zk_put_str(struct wire_writer *w, struct zk_str s) { put_lenbytes(w, s.p, s.len); }

int zk_decode_end(struct wire_reader *r)
{
	if (r->err)
		return r->err;
	if (wire_remaining(r) != 0)
		wire_reader_fail(r, WIRE_EINVAL);
	return r->err;
}

/* Reads a vector count; -1 is null. `min_item` bounds the count by the
 * remaining bytes so a huge count fails at once instead of looping. */
static int32_t get_count(struct wire_reader *r, size_t min_item)
{
	int32_t n = wire_get_i32(r);
	if (r->err)
		return -1;
	if (n < -1) {
		wire_reader_fail(r, WIRE_EINVAL);
		return -1;
	}
	if (n > 0 && (size_t)n > wire_remaining(r) / min_item) {
		wire_reader_fail(r, WIRE_ESHORT);
		return -1;
	}
	return n;
}

static int get_acl(struct wire_reader *r, struct zk_acl *out)
{
	out->perms = wire_get_i32(r);
	zk_get_str(r, &out->scheme);
	return zk_get_str(r, &out->id);
}

static void put_acl(struct wire_writer *w, const struct zk_acl *a)
{
	wire_put_i32(w, a->perms);
	zk_put_str(w, a->scheme);
	zk_put_str(w, a->id);
}

int zk_decode_str_vec(struct wire_reader *r, struct zk_str_vec *out)
{
	memset(out, 0, sizeof *out);
	out->count = get_count(r, 4);
	size_t start = r->pos;
	struct zk_str s;
	for (int32_t i = 0; i < out->count && !r->err; i++)
		zk_get_str(r, &s);
	if (r->err) {
		out->count = -1;
		return r->err;
	}
	out->raw = r->p + start;
	out->raw_len = r->pos - start;
	return 0;
}

int zk_decode_acl_vec(struct wire_reader *r, struct zk_acl_vec *out)
{
	memset(out, 0, sizeof *out);
	out->count = get_count(r, 12);
	size_t start = r->pos;
	struct zk_acl a;
	for (int32_t i = 0; i < out->count && !r->err; i++)
		get_acl(r, &a);
	if (r->err) {
		out->count = -1;
		return r->err;
	}
	out->raw = r->p + start;
	out->raw_len = r->pos - start;
	return 0;
}

void zk_encode_str_vec(struct wire_writer *w, const struct zk_str_vec *v)
{
	if (v->count < -1) {
		writer_fail(w, WIRE_EINVAL);
		return;
	}
	wire_put_i32(w, v->count);
	if (!v->items) {
		wire_put_bytes(w, v->raw, v->count > 0 ? v->raw_len : 0);
		return;
	}
	for (int32_t i = 0; i < v->count; i++)
		zk_put_str(w, v->items[i]);
}

void zk_encode_acl_vec(struct wire_writer *w, const struct zk_acl_vec *v)
{
	if (v->count < -1) {
		writer_fail(w, WIRE_EINVAL);
		return;
	}
	wire_put_i32(w, v->count);
	if (!v->items) {
		wire_put_bytes(w, v->raw, v->count > 0 ? v->raw_len : 0);
		return;
	}
	for (int32_t i = 0; i < v->count; i++)
		put_acl(w, &v->items[i]);
}

void zk_vec_iter(struct wire_reader *it, const uint8_t *raw, size_t raw_len)
{
	wire_reader_init(it, raw, raw ? raw_len : 0);
}

int zk_next_str(struct wire_reader *it, struct zk_str *out)
{
	if (!it->err && wire_remaining(it) == 0)
		return 0;
	return zk_get_str(it, out) ? it->err : 1;
}

int zk_next_acl(struct wire_reader *it, struct zk_acl *out)
{
	if (!it->err && wire_remaining(it) == 0)
		return 0;
	return get_acl(it, out) ? it->err : 1;
}

int zk_decode_stat(struct wire_reader *r, struct zk_stat *s)
{
	s->czxid = wire_get_i64(r);
	s->mzxid = wire_get_i64(r);
	s->ctime = wire_get_i64(r);
	s->mtime = wire_get_i64(r);
	s->version = wire_get_i32(r);
	s->cversion = wire_get_i32(r);
	s->aversion = wire_get_i32(r);
	s->ephemeral_owner = wire_get_i64(r);
	s->data_length = wire_get_i32(r);
	s->num_children = wire_get_i32(r);
	s->pzxid = wire_get_i64(r);
	return r->err;
}

void zk_encode_stat(struct wire_writer *w, const struct zk_stat *s)
{
	wire_put_i64(w, s->czxid);
	wire_put_i64(w, s->mzxid);
	wire_put_i64(w, s->ctime);
	wire_put_i64(w, s->mtime);
	wire_put_i32(w, s->version);
	wire_put_i32(w, s->cversion);
	wire_put_i32(w, s->aversion);
	wire_put_i64(w, s->ephemeral_owner);
	wire_put_i32(w, s->data_length);
	wire_put_i32(w, s->num_children);
	wire_put_i64(w, s->pzxid);
}

/* The optional trailing readOnly byte of both handshake messages. */
static void get_read_only(struct wire_reader *r, bool *has, bool *ro)
{
	*has = false;
	*ro = false;
	if (!r->err && wire_remaining(r) > 0) {
		*has = true;
		zk_get_bool(r, ro);
	}
}

int zk_decode_connect_request(const uint8_t *p, size_t len, struct zk_connect_request *c)
{
	struct wire_reader r;
	wire_reader_init(&r, p, len);
	c->protocol_version = wire_get_i32(&r);
	c->last_zxid_seen = wire_get_i64(&r);
	c->timeout_ms = wire_get_i32(&r);
	c->session_id = wire_get_i64(&r);
	zk_get_buf(&r, &c->passwd);
	get_read_only(&r, &c->has_read_only, &c->read_only);
	return zk_decode_end(&r);
}

void zk_encode_connect_request(struct wire_writer *w, const struct zk_connect_request *c)
{
	wire_put_i32(w, c->protocol_version);
	wire_put_i64(w, c->last_zxid_seen);
	wire_put_i32(w, c->timeout_ms);
	wire_put_i64(w, c->session_id);
	zk_put_buf(w, c->passwd);
	if (c->has_read_only)
		zk_put_bool(w, c->read_only);
}

int zk_decode_connect_response(const uint8_t *p, size_t len, struct zk_connect_response *c)
{
	struct wire_reader r;
	struct zk_buf pw;
	wire_reader_init(&r, p, len);
	c->protocol_version = wire_get_i32(&r);
	c->timeout_ms = wire_get_i32(&r);
	c->session_id = wire_get_i64(&r);
	if (zk_get_buf(&r, &pw) == 0 && pw.len != ZK_PASSWD_LEN)
		wire_reader_fail(&r, WIRE_EINVAL);
	if (!r.err)
		memcpy(c->passwd, pw.p, ZK_PASSWD_LEN);
	get_read_only(&r, &c->has_read_only, &c->read_only);
	return zk_decode_end(&r);
}

void zk_encode_connect_response(struct wire_writer *w, const struct zk_connect_response *c)
{
	wire_put_i32(w, c->protocol_version);
	wire_put_i32(w, c->timeout_ms);
	wire_put_i64(w, c->session_id);
	wire_put_i32(w, ZK_PASSWD_LEN);
	wire_put_bytes(w, c->passwd, ZK_PASSWD_LEN);
	if (c->has_read_only)
		zk_put_bool(w, c->read_only);
}

int zk_decode_request_header(struct wire_reader *r, struct zk_request_header *h)
{
	h->xid = wire_get_i32(r);
	h->type = wire_get_i32(r);
	return r->err;
}

void zk_encode_request_header(struct wire_writer *w, const struct zk_request_header *h)
{
	wire_put_i32(w, h->xid);
	wire_put_i32(w, h->type);
}

int zk_decode_reply_header(struct wire_reader *r, struct zk_reply_header *h)
{
	h->xid = wire_get_i32(r);
	h->zxid = wire_get_i64(r);
	h->err = wire_get_i32(r);
	return r->err;
}

void zk_encode_reply_header(struct wire_writer *w, const struct zk_reply_header *h)
{
	wire_put_i32(w, h->xid);
	wire_put_i64(w, h->zxid);
	wire_put_i32(w, h->err);
}

int zk_decode_watcher_event(struct wire_reader *r, struct zk_watcher_event *e)
{
	e->type = wire_get_i32(r);
	e->state = wire_get_i32(r);
	return zk_get_str(r, &e->path);
}

void zk_encode_watcher_event(struct wire_writer *w, const struct zk_watcher_event *e)
{
	wire_put_i32(w, e->type);
	wire_put_i32(w, e->state);
	zk_put_str(w, e->path);
}

void zk_encode_notification(struct wire_writer *w, const struct zk_watcher_event *e)
{
	struct zk_reply_header h = {ZK_XID_NOTIFICATION, -1, ZOK};
	zk_encode_reply_header(w, &h);
	zk_encode_watcher_event(w, e);
}

int zk_decode_auth_packet(struct wire_reader *r, struct zk_auth_packet *a)
{
	a->type = wire_get_i32(r);
	zk_get_str(r, &a->scheme);
	return zk_get_buf(r, &a->auth);
}

void zk_encode_auth_packet(struct wire_writer *w, const struct zk_auth_packet *a)
{
	wire_put_i32(w, a->type);
	zk_put_str(w, a->scheme);
	zk_put_buf(w, a->auth);
}

int zk_decode_request(struct wire_reader *r, int32_t type, struct zk_request *q)
{
	memset(q, 0, sizeof *q);
	q->type = type;
	q->path.len = -1;
	q->data.len = -1;
	q->acl.count = -1;
	switch (type) {
	case ZK_OP_CREATE:
	case ZK_OP_CREATE2:
		zk_get_str(r, &q->path);
		zk_get_buf(r, &q->data);
		zk_decode_acl_vec(r, &q->acl);
		q->flags = wire_get_i32(r);
		break;
	case ZK_OP_DELETE:
	case ZK_OP_CHECK:
		zk_get_str(r, &q->path);
		q->version = wire_get_i32(r);
		break;
	case ZK_OP_SET_DATA:
		zk_get_str(r, &q->path);
		zk_get_buf(r, &q->data);
		q->version = wire_get_i32(r);
		break;
	case ZK_OP_EXISTS:
	case ZK_OP_GET_DATA:
	case ZK_OP_GET_CHILDREN:
	case ZK_OP_GET_CHILDREN2:
		zk_get_str(r, &q->path);
		zk_get_bool(r, &q->watch);
		break;
	case ZK_OP_SYNC:
	case ZK_OP_GET_ACL:
		zk_get_str(r, &q->path);
		break;
	case ZK_OP_SET_ACL:
		zk_get_str(r, &q->path);
		zk_decode_acl_vec(r, &q->acl);
		q->version = wire_get_i32(r);
		break;
	case ZK_OP_PING:
	case ZK_OP_CLOSE_SESSION:
		break;
	default:
		wire_reader_fail(r, WIRE_EINVAL);
	}
	return r->err;
}

void zk_encode_request(struct wire_writer *w, const struct zk_request *q)
{
	switch (q->type) {
	case ZK_OP_CREATE:
	case ZK_OP_CREATE2:
		zk_put_str(w, q->path);
		zk_put_buf(w, q->data);
		zk_encode_acl_vec(w, &q->acl);
		wire_put_i32(w, q->flags);
		break;
	case ZK_OP_DELETE:
	case ZK_OP_CHECK:
		zk_put_str(w, q->path);
		wire_put_i32(w, q->version);
		break;
	case ZK_OP_SET_DATA:
		zk_put_str(w, q->path);
		zk_put_buf(w, q->data);
		wire_put_i32(w, q->version);
		break;
	case ZK_OP_EXISTS:
	case ZK_OP_GET_DATA:
	case ZK_OP_GET_CHILDREN:
	case ZK_OP_GET_CHILDREN2:
		zk_put_str(w, q->path);
		zk_put_bool(w, q->watch);
		break;
	case ZK_OP_SYNC:
	case ZK_OP_GET_ACL:
		zk_put_str(w, q->path);
		break;
	case ZK_OP_SET_ACL:
		zk_put_str(w, q->path);
		zk_encode_acl_vec(w, &q->acl);
		wire_put_i32(w, q->version);
		break;
	case ZK_OP_PING:
	case ZK_OP_CLOSE_SESSION:
		break;
	default:
		writer_fail(w, WIRE_EINVAL);
	}
}

int zk_decode_set_watches(struct wire_reader *r, struct zk_set_watches *s)
{
	s->relative_zxid = wire_get_i64(r);
	zk_decode_str_vec(r, &s->data);
	zk_decode_str_vec(r, &s->exist);
	return zk_decode_str_vec(r, &s->child);
}

void zk_encode_set_watches(struct wire_writer *w, const struct zk_set_watches *s)
{
	wire_put_i64(w, s->relative_zxid);
	zk_encode_str_vec(w, &s->data);
	zk_encode_str_vec(w, &s->exist);
	zk_encode_str_vec(w, &s->child);
}

int zk_decode_response(struct wire_reader *r, int32_t type, struct zk_response *s)
{
	memset(s, 0, sizeof *s);
	s->type = type;
	s->path.len = -1;
	s->data.len = -1;
	s->children.count = -1;
	s->acl.count = -1;
	switch (type) {
	case ZK_OP_CREATE:
	case ZK_OP_SYNC:
		zk_get_str(r, &s->path);
		break;
	case ZK_OP_CREATE2:
		zk_get_str(r, &s->path);
		zk_decode_stat(r, &s->stat);
		break;
	case ZK_OP_EXISTS:
	case ZK_OP_SET_DATA:
	case ZK_OP_SET_ACL:
		zk_decode_stat(r, &s->stat);
		break;
	case ZK_OP_GET_ACL:
		zk_decode_acl_vec(r, &s->acl);
		zk_decode_stat(r, &s->stat);
		break;
	case ZK_OP_GET_DATA:
		zk_get_buf(r, &s->data);
		zk_decode_stat(r, &s->stat);
		break;
	case ZK_OP_GET_CHILDREN:
		zk_decode_str_vec(r, &s->children);
		break;
	case ZK_OP_GET_CHILDREN2:
		zk_decode_str_vec(r, &s->children);
		zk_decode_stat(r, &s->stat);
		break;
	case ZK_OP_DELETE:
	case ZK_OP_CHECK:
	case ZK_OP_PING:
	case ZK_OP_CLOSE_SESSION:
	case ZK_OP_SET_WATCHES:
		break;
	default:
		wire_reader_fail(r, WIRE_EINVAL);
	}
	return r->err;
}

void zk_encode_response(struct wire_writer *w, const struct zk_response *s)
{
	switch (s->type) {
	case ZK_OP_CREATE:
	case ZK_OP_SYNC:
		zk_put_str(w, s->path);
		break;
	case ZK_OP_CREATE2:
		zk_put_str(w, s->path);
		zk_encode_stat(w, &s->stat);
		break;
	case ZK_OP_EXISTS:
	case ZK_OP_SET_DATA:
	case ZK_OP_SET_ACL:
		zk_encode_stat(w, &s->stat);
		break;
	case ZK_OP_GET_ACL:
		zk_encode_acl_vec(w, &s->acl);
		zk_encode_stat(w, &s->stat);
		break;
	case ZK_OP_GET_DATA:
		zk_put_buf(w, s->data);
		zk_encode_stat(w, &s->stat);
		break;
	case ZK_OP_GET_CHILDREN:
		zk_encode_str_vec(w, &s->children);
		break;
	case ZK_OP_GET_CHILDREN2:
		zk_encode_str_vec(w, &s->children);
		zk_encode_stat(w, &s->stat);
		break;
	case ZK_OP_DELETE:
	case ZK_OP_CHECK:
	case ZK_OP_PING:
	case ZK_OP_CLOSE_SESSION:
	case ZK_OP_SET_WATCHES:
		break;
	default:
		writer_fail(w, WIRE_EINVAL);
	}
}

int zk_decode_error_response(struct wire_reader *r, int32_t *err)
{
	*err = wire_get_i32(r);
	return r->err;
}

void zk_encode_error_response(struct wire_writer *w, int32_t err) { wire_put_i32(w, err); }

struct multi_header {
	int32_t type;
	bool done;
	int32_t err;
};

static int get_multi_header(struct wire_reader *r, struct multi_header *h)
{
	h->type = wire_get_i32(r);
	zk_get_bool(r, &h->done);
	h->err = wire_get_i32(r);
	return r->err;
}

static void put_multi_header(struct wire_writer *w, int32_t type, bool done, int32_t err)
{
	wire_put_i32(w, type);
	zk_put_bool(w, done);
	wire_put_i32(w, err);
}

static bool multi_op_allowed(int32_t type)
{
	return type == ZK_OP_CREATE || type == ZK_OP_CREATE2 || type == ZK_OP_DELETE ||
	       type == ZK_OP_SET_DATA || type == ZK_OP_CHECK;
}

int zk_next_multi_op(struct wire_reader *it, struct zk_request *out)
{
	struct multi_header h;
	if (get_multi_header(it, &h))
		return it->err;
	if (h.done)
		return 0;
	if (!multi_op_allowed(h.type)) {
		wire_reader_fail(it, WIRE_EINVAL);
		return it->err;
	}
	return zk_decode_request(it, h.type, out) ? it->err : 1;
}

/* Walks a multi (request or response) with `next` up to its terminator and
 * records the view. Each step consumes at least the 9-byte header, so the
 * loop ends on any input. */
static int decode_multi(struct wire_reader *r, struct zk_multi *out, bool results)
{
	struct zk_request op;
	struct zk_multi_result res;
	size_t start = r->pos;
	int rc = 0;
	out->count = 0;
	out->raw = NULL;
	out->raw_len = 0;
	for (;;) {
		rc = results ? zk_next_multi_result(r, &res) : zk_next_multi_op(r, &op);
		if (rc <= 0)
			break;
		if (out->count == INT32_MAX) {
			wire_reader_fail(r, WIRE_EINVAL);
			return r->err;
		}
		out->count++;
	}
	if (rc < 0)
		return rc;
	out->raw = r->p + start;
	out->raw_len = r->pos - start;
	return 0;
}

int zk_decode_multi_request(struct wire_reader *r, struct zk_multi *out)
{
	return decode_multi(r, out, false);
}

void zk_encode_multi_request(struct wire_writer *w, const struct zk_request *ops, int32_t n)
{
	for (int32_t i = 0; i < n; i++) {
		if (!multi_op_allowed(ops[i].type)) {
			writer_fail(w, WIRE_EINVAL);
			return;
		}
		put_multi_header(w, ops[i].type, false, -1);
		zk_encode_request(w, &ops[i]);
	}
	put_multi_header(w, MULTI_END_TYPE, true, MULTI_END_ERR);
}

int zk_next_multi_result(struct wire_reader *it, struct zk_multi_result *out)
{
	struct multi_header h;
	if (get_multi_header(it, &h))
		return it->err;
	if (h.done)
		return 0;
	memset(out, 0, sizeof *out);
	out->type = h.type;
	out->err = h.err;
	out->path.len = -1;
	switch (h.type) {
	case ZK_OP_CREATE:
		zk_get_str(it, &out->path);
		break;
	case ZK_OP_CREATE2:
		zk_get_str(it, &out->path);
		zk_decode_stat(it, &out->stat);
		break;
	case ZK_OP_SET_DATA:
		zk_decode_stat(it, &out->stat);
		break;
	case ZK_OP_DELETE:
	case ZK_OP_CHECK:
		break;
	case ZK_OP_ERROR:
		/* The ErrorResponse repeats the header's err; the body wins. */
		zk_decode_error_response(it, &out->err);
		break;
	default:
		wire_reader_fail(it, WIRE_EINVAL);
	}
	return it->err ? it->err : 1;
}

int zk_decode_multi_response(struct wire_reader *r, struct zk_multi *out)
{
	return decode_multi(r, out, true);
}

void zk_encode_multi_response(struct wire_writer *w, const struct zk_multi_result *res, int32_t n)
{
	for (int32_t i = 0; i < n; i++) {
		const struct zk_multi_result *x = &res[i];
		put_multi_header(w, x->type, false, x->type == ZK_OP_ERROR ? x->err : 0);
		switch (x->type) {
		case ZK_OP_CREATE:
			zk_put_str(w, x->path);
			break;
		case ZK_OP_CREATE2:
			zk_put_str(w, x->path);
			zk_encode_stat(w, &x->stat);
			break;
		case ZK_OP_SET_DATA:
			zk_encode_stat(w, &x->stat);
			break;
		case ZK_OP_DELETE:
		case ZK_OP_CHECK:
			break;
		case ZK_OP_ERROR:
			zk_encode_error_response(w, x->err);
			break;
		default:
			writer_fail(w, WIRE_EINVAL);
			return;
		}
	}
	put_multi_header(w, MULTI_END_TYPE, true, MULTI_END_ERR);
}

const char *zk_op_name(int32_t op)
{
	switch (op) {
	case ZK_OP_NOTIFICATION:
		return "notification";
	case ZK_OP_CREATE:
		return "create";
	case ZK_OP_DELETE:
		return "delete";
	case ZK_OP_EXISTS:
		return "exists";
	case ZK_OP_GET_DATA:
		return "getData";
	case ZK_OP_SET_DATA:
		return "setData";
	case ZK_OP_GET_ACL:
		return "getACL";
	case ZK_OP_SET_ACL:
		return "setACL";
	case ZK_OP_GET_CHILDREN:
		return "getChildren";
	case ZK_OP_SYNC:
		return "sync";
	case ZK_OP_PING:
		return "ping";
	case ZK_OP_GET_CHILDREN2:
		return "getChildren2";
	case ZK_OP_CHECK:
		return "check";
	case ZK_OP_MULTI:
		return "multi";
	case ZK_OP_CREATE2:
		return "create2";
	case ZK_OP_AUTH:
		return "auth";
	case ZK_OP_SET_WATCHES:
		return "setWatches";
	case ZK_OP_CREATE_SESSION:
		return "createSession";
	case ZK_OP_CLOSE_SESSION:
		return "closeSession";
	case ZK_OP_ERROR:
		return "error";
	}
	return "unknown";
}
