#include "broker/zk/zk_txn.h"

#include <string.h>

static bool op_type_valid(int32_t type)
{
	return type == ZK_OP_CREATE || type == ZK_OP_DELETE || type == ZK_OP_SET_DATA ||
	       type == ZK_OP_CHECK || type == ZK_OP_ERROR;
}

/* Reads the body of a single op whose type was read already. */
static int get_op_body(struct wire_reader *r, int32_t type, struct zk_txn_op *op)
{
	memset(op, 0, sizeof *op);
	op->type = type;
	op->path.len = -1;
	op->data.len = -1;
	switch (type) {
	case ZK_OP_CREATE:
		zk_get_str(r, &op->path);
		zk_get_buf(r, &op->data);
		op->ephemeral_owner = wire_get_i64(r);
		break;
	case ZK_OP_DELETE:
	case ZK_OP_CHECK:
		zk_get_str(r, &op->path);
		op->version = wire_get_i32(r);
		break;
	case ZK_OP_SET_DATA:
		zk_get_str(r, &op->path);
		zk_get_buf(r, &op->data);
		op->version = wire_get_i32(r);
		break;
	case ZK_OP_ERROR:
		op->err = wire_get_i32(r);
		break;
	default:
		wire_reader_fail(r, WIRE_EINVAL);
	}
	return r->err;
}

static void put_op_body(struct wire_writer *w, const struct zk_txn_op *op)
{
	switch (op->type) {
	case ZK_OP_CREATE:
		zk_put_str(w, op->path);
		zk_put_buf(w, op->data);
		wire_put_i64(w, op->ephemeral_owner);
		break;
	case ZK_OP_DELETE:
	case ZK_OP_CHECK:
		zk_put_str(w, op->path);
		wire_put_i32(w, op->version);
		break;
	case ZK_OP_SET_DATA:
		zk_put_str(w, op->path);
		zk_put_buf(w, op->data);
		wire_put_i32(w, op->version);
		break;
	case ZK_OP_ERROR:
		wire_put_i32(w, op->err);
		break;
	default:
		if (!w->err)
			w->err = WIRE_EINVAL;
	}
}

int zk_txn_next_op(struct wire_reader *it, struct zk_txn_op *op)
{
	if (!it->err && wire_remaining(it) == 0)
		return 0;
	int32_t type = wire_get_i32(it);
	if (!it->err && !op_type_valid(type))
		wire_reader_fail(it, WIRE_EINVAL);
	if (it->err)
		return it->err;
	return get_op_body(it, type, op) ? it->err : 1;
}

/* Validates the ops of a multi and records their raw view. */
static int get_multi(struct wire_reader *r, struct zk_txn *txn)
{
	struct zk_txn_op op;
	int32_t n = wire_get_i32(r);
	/* Every sub-op is at least 8 bytes (type + a short body). */
	if (!r->err && (n < 0 || (size_t)n > wire_remaining(r) / 8))
		wire_reader_fail(r, n < 0 ? WIRE_EINVAL : WIRE_ESHORT);
	if (r->err)
		return r->err;
	size_t start = r->pos;
	for (int32_t i = 0; i < n; i++) {
		int32_t type = wire_get_i32(r);
		if (!r->err && !op_type_valid(type))
			wire_reader_fail(r, WIRE_EINVAL);
		if (r->err || get_op_body(r, type, &op))
			return r->err;
	}
	txn->count = n;
	txn->ops_raw = r->p + start;
	txn->ops_raw_len = r->pos - start;
	return 0;
}

int zk_txn_decode(const uint8_t *p, size_t len, struct zk_txn *txn)
{
	struct wire_reader r;
	memset(txn, 0, sizeof *txn);
	wire_reader_init(&r, p, len);
	txn->type = wire_get_i32(&r);
	txn->session_id = wire_get_i64(&r);
	if (r.err)
		return r.err;
	switch (txn->type) {
	case ZK_OP_CREATE:
	case ZK_OP_DELETE:
	case ZK_OP_CHECK:
	case ZK_OP_SET_DATA:
	case ZK_OP_ERROR:
		get_op_body(&r, txn->type, &txn->op);
		break;
	case ZK_OP_CREATE_SESSION:
		txn->timeout_ms = wire_get_i32(&r);
		break;
	case ZK_OP_CLOSE_SESSION:
		break;
	case ZK_OP_MULTI:
		get_multi(&r, txn);
		break;
	default:
		wire_reader_fail(&r, WIRE_EINVAL);
	}
	return zk_decode_end(&r);
}

void zk_txn_encode(struct wire_writer *w, const struct zk_txn *txn)
{
	wire_put_i32(w, txn->type);
	wire_put_i64(w, txn->session_id);
	switch (txn->type) {
	case ZK_OP_CREATE_SESSION:
		wire_put_i32(w, txn->timeout_ms);
		break;
	case ZK_OP_CLOSE_SESSION:
		break;
	case ZK_OP_MULTI:
		if (txn->count < 0 && !w->err)
			w->err = WIRE_EINVAL;
		wire_put_i32(w, txn->count);
		wire_put_bytes(w, txn->ops_raw, txn->count > 0 ? txn->ops_raw_len : 0);
		break;
	default: {
		struct zk_txn_op op = txn->op;
		op.type = txn->type;
		put_op_body(w, &op);
	}
	}
}

void zk_txn_encode_op(struct wire_writer *w, const struct zk_txn_op *op)
{
	wire_put_i32(w, op->type);
	put_op_body(w, op);
}

void zk_txn_iter(const struct zk_txn *txn, struct wire_reader *it)
{
	wire_reader_init(it, txn->ops_raw, txn->ops_raw ? txn->ops_raw_len : 0);
}
