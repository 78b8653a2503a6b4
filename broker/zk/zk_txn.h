/*
 * zk_txn — the transactions the ZooKeeper ensemble's replicated log carries
 * and the data tree (zk_tree) applies, with their server-to-server encoding.
 *
 * A txn is what ZooKeeper's PrepRequestProcessor turns a client write into:
 * the final path (a sequential create already carries its suffix), the
 * ephemeral owner, the expected version, or an error code for a request that
 * failed validation (ZooKeeper logs failed writes too, as ErrorTxn). The
 * encoding is ksim's own (not ZooKeeper's TxnHeader/Txn records), big-endian
 * through broker/codec/wire, with jute's string and buffer layouts:
 *
 *   i32 type, i64 session_id, then by type:
 *     ZK_OP_CREATE          str path, buf data, i64 ephemeral_owner
 *     ZK_OP_DELETE, _CHECK  str path, i32 version
 *     ZK_OP_SET_DATA        str path, buf data, i32 version
 *     ZK_OP_ERROR           i32 err
 *     ZK_OP_CREATE_SESSION  i32 timeout_ms
 *     ZK_OP_CLOSE_SESSION   (nothing)
 *     ZK_OP_MULTI           i32 count, then count x (i32 type + the body
 *                           above); sub-op types create, delete, setData,
 *                           check and error
 *
 * Ownership: decoding fills a caller struct with views into the input (see
 * zk_jute.h: strings are not NUL-terminated); nothing allocates. Decoders
 * return 0 or a negative wire_error; encoders set the writer's sticky err.
 */
#ifndef KSIM_ZK_TXN_H
#define KSIM_ZK_TXN_H

#include <stdint.h>

#include "broker/codec/wire.h"
#include "broker/zk/zk_jute.h"

/* A sub-op of a multi, or the body of a single-op txn. Fields not used by
 * `type` are ignored when encoding and zeroed when decoding. */
struct zk_txn_op {
	int32_t type; /* ZK_OP_CREATE, _DELETE, _SET_DATA, _CHECK or _ERROR */
	struct zk_str path;
	struct zk_buf data;
	int32_t version;	 /* expected version, -1 for any */
	int64_t ephemeral_owner; /* create: the owning session, 0 if persistent */
	int32_t err;		 /* error: the code */
};

struct zk_txn {
	int32_t type;	    /* a zk_op: a single op, MULTI, or a session txn */
	int64_t session_id; /* the client session the txn comes from */
	int32_t timeout_ms; /* CREATE_SESSION */
	struct zk_txn_op op; /* single-op txns; op.type == type */
	/* MULTI: the encoded sub-ops, walked with zk_txn_next_op. */
	int32_t count;
	const uint8_t *ops_raw;
	size_t ops_raw_len;
};

/* Decodes a whole txn (the frame must end with it); validates every sub-op
 * of a multi. Errors: WIRE_ESHORT, WIRE_EINVAL (unknown type, bad length,
 * trailing bytes). */
int zk_txn_decode(const uint8_t *p, size_t len, struct zk_txn *out);
/* Encodes a txn; for MULTI it copies `ops_raw` (built with zk_txn_encode_op). */
void zk_txn_encode(struct wire_writer *w, const struct zk_txn *txn);
/* Appends one sub-op (type + body) to a multi's ops. */
void zk_txn_encode_op(struct wire_writer *w, const struct zk_txn_op *op);
/* Starts walking a multi's ops; zk_txn_next_op returns 1 per op, 0 at the
 * end, <0 on malformed bytes. */
void zk_txn_iter(const struct zk_txn *txn, struct wire_reader *it);
int zk_txn_next_op(struct wire_reader *it, struct zk_txn_op *op);

#endif
