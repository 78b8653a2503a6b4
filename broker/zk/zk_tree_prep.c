/*
 * The leader's validation step (ZooKeeper's PrepRequestProcessor): a client
 * write runs against the live tree as a trial, recorded in the undo log and
 * rolled back at once, so validation and application share one set of
 * rules; what survives is the txn, with sequential names made final.
 */
#include "broker/zk/zk_tree.h"

#include <string.h>

#include "broker/zk/zk_tree_impl.h"

static bool is_write(int32_t type)
{
	return type == ZK_OP_CREATE || type == ZK_OP_CREATE2 || type == ZK_OP_DELETE ||
	       type == ZK_OP_SET_DATA || type == ZK_OP_CHECK;
}

/*
 * Runs a client write against the tree as a trial (the caller rolls it
 * back), filling `op` with the txn op it becomes: a sequential create's
 * final path is the new node's, valid until the rollback.
 */
static int trial_op(struct zk_tree *t, int64_t session, const struct zk_request *q,
		    struct zk_txn_op *op)
{
	struct zk_tree_node *n = NULL;
	bool seq = false;
	memset(op, 0, sizeof *op);
	op->path = q->path;
	op->data = q->data;
	op->version = q->version;
	op->type = q->type == ZK_OP_CREATE2 ? ZK_OP_CREATE : q->type;
	if (op->type == ZK_OP_CREATE) {
		/* Flags beyond 0..3 (containers, TTL nodes) are not supported. */
		if (q->flags < 0 || q->flags > ZK_CREATE_EPHEMERAL_SEQUENTIAL)
			return ZBADARGUMENTS;
		/* ZooKeeper's fixupACL: a create names at least one ACL (a
		 * multi's create ops too). */
		if (q->acl.count <= 0)
			return ZINVALIDACL;
		op->ephemeral_owner = (q->flags & ZK_CREATE_EPHEMERAL) ? session : 0;
		seq = (q->flags & ZK_CREATE_SEQUENTIAL) != 0;
		op->version = 0;
	}
	int err = zk_tree_run_op(t, op, seq, 0, 0, NULL, &n);
	if (!err && n && op->type == ZK_OP_CREATE)
		op->path = (struct zk_str){n->path, (int32_t)n->path_len};
	return err;
}

static void put_error_txn(struct wire_writer *w, int64_t session, int32_t err)
{
	struct zk_txn txn = {.type = ZK_OP_ERROR, .session_id = session};
	txn.op.type = ZK_OP_ERROR;
	txn.op.err = err;
	zk_txn_encode(w, &txn);
}

int zk_tree_prepare(struct zk_tree *t, int64_t session_id, const struct zk_request *req,
		    struct wire_writer *txn_out)
{
	struct zk_txn txn = {.type = req->type, .session_id = session_id};
	if (req->type == ZK_OP_CLOSE_SESSION) {
		zk_txn_encode(txn_out, &txn);
		return 0;
	}
	if (!is_write(req->type))
		return WIRE_EINVAL;
	if (zk_tree_reserve_change(t, 1))
		return ZK_TREE_ENOMEM;
	int err = trial_op(t, session_id, req, &txn.op);
	if (err == ZK_TREE_ENOMEM) {
		zk_tree_rollback(t);
		return err;
	}
	if (err) {
		put_error_txn(txn_out, session_id, err);
	} else {
		txn.type = txn.op.type;
		zk_txn_encode(txn_out, &txn);
	}
	zk_tree_rollback(t);
	return 0;
}

/* Writes a rejected multi: ZOK before the failing op, its code, then -2. */
static void put_failed_multi(struct wire_writer *w, int32_t count, int32_t failed_at,
			     int32_t err)
{
	for (int32_t i = 0; i < count; i++) {
		struct zk_txn_op op = {.type = ZK_OP_ERROR};
		op.err = i < failed_at ? ZOK : i == failed_at ? err : ZRUNTIMEINCONSISTENCY;
		zk_txn_encode_op(w, &op);
	}
}

int zk_tree_prepare_multi(struct zk_tree *t, int64_t session_id, const struct zk_multi *m,
			  struct wire_writer *txn_out)
{
	struct wire_reader it;
	struct zk_request q;
	struct zk_txn_op op;
	int32_t count = 0, failed_at = -1;
	int rc, err = 0;
	zk_vec_iter(&it, m->raw, m->raw_len);
	while ((rc = zk_next_multi_op(&it, &q)) > 0)
		count++;
	if (rc < 0)
		return rc;
	if (zk_tree_reserve_change(t, (size_t)count))
		return ZK_TREE_ENOMEM;
	wire_put_i32(txn_out, ZK_OP_MULTI);
	wire_put_i64(txn_out, session_id);
	wire_put_i32(txn_out, count);
	/* Sub-ops are written as they pass; a failure rewinds to here. */
	struct wire_writer mark = *txn_out;
	zk_vec_iter(&it, m->raw, m->raw_len);
	for (int32_t i = 0; zk_next_multi_op(&it, &q) > 0; i++) {
		err = trial_op(t, session_id, &q, &op);
		if (err) {
			failed_at = i;
			break;
		}
		zk_txn_encode_op(txn_out, &op);
	}
	zk_tree_rollback(t);
	if (err == ZK_TREE_ENOMEM)
		return err;
	if (failed_at >= 0) {
		*txn_out = mark;
		put_failed_multi(txn_out, count, failed_at, err);
	}
	return 0;
}
