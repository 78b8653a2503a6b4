/*
 * zk_tree — a ZooKeeper server's data tree: znodes with their full Stat,
 * ephemeral nodes indexed per session, one-shot watches, the validation of
 * client writes into transactions (ZooKeeper's PrepRequestProcessor) and the
 * application of transactions (ZooKeeper's DataTree.processTxn), a snapshot
 * serialisation and a digest for agreement checks.
 *
 * Determinism: children are kept in a sorted array (bytewise by name), so
 * getChildren lists them sorted (ZooKeeper itself returns hash order), the
 * serialisation walks the tree in that order, and nothing depends on
 * addresses. The tree never reads a clock: every transaction is applied with
 * the zxid and time (ms) the caller gives. Replaying the same txns with the
 * same zxids and times into two trees gives the same tree and digest.
 *
 * Replicated vs local state: the znodes (paths, data, stats) are replicated
 * state; they go into the serialisation and the digest. Watches are local to
 * the server a client is connected to; they are neither serialised nor
 * hashed. Sessions themselves are not tracked here (a session tracker above
 * this does that); CREATE_SESSION txns apply as no-ops.
 *
 * Ownership and memory: the tree owns every znode, copied path and data; it
 * allocates only through the `zk_alloc` given at creation and frees all of it
 * in zk_tree_destroy. Views it hands out (data, child names, event paths)
 * are valid until the next call that changes the tree. An allocation failure
 * is reported as ZK_TREE_ENOMEM and leaves the tree as it was.
 *
 * Watches fire through the callback given at creation, after the change is
 * complete, in a fixed order: per triggering change in op order, and per
 * change in ascending watcher id. Each watch fires once and is removed. The
 * callback must not call back into the tree (queue the notification).
 */
#ifndef KSIM_ZK_TREE_H
#define KSIM_ZK_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/codec/wire.h"
#include "broker/zk/zk_jute.h"
#include "broker/zk/zk_txn.h"

/* realloc semantics: p NULL allocates, n 0 frees (returning NULL). */
struct zk_alloc {
	void *(*realloc)(void *ctx, void *p, size_t n);
	void *ctx;
};

/* Out of memory; far below ZooKeeper's own error codes so it never clashes. */
#define ZK_TREE_ENOMEM (-10000)

struct zk_tree;
struct zk_tree_node;

/* A fired watch: the event type (zk_event_type), the znode path (a view
 * valid only during the callback) and the watcher's identity. */
struct zk_tree_event {
	int32_t type;
	struct zk_str path;
	int64_t watcher;
};

typedef void zk_tree_watch_fn(void *ctx, const struct zk_tree_event *ev);

/* The children of a znode as zk_tree_get_children found them. */
struct zk_tree_children {
	const struct zk_tree_node *node;
	int32_t count;
	struct zk_stat stat;
};

/*
 * Creates a tree holding "/" and ZooKeeper's system nodes "/zookeeper",
 * "/zookeeper/config" and "/zookeeper/quota" (all stats zero, as ZooKeeper
 * creates them). `alloc` is copied; `watch_fn` (may be NULL) receives fired
 * watches. Returns NULL when allocation fails.
 */
struct zk_tree *zk_tree_create(const struct zk_alloc *alloc, zk_tree_watch_fn *watch_fn,
			       void *watch_ctx);
/* Frees the tree and everything it owns. NULL is allowed. */
void zk_tree_destroy(struct zk_tree *t);

/*
 * Reads. Each returns ZOK, ZNONODE, ZBADARGUMENTS (an invalid path) or
 * ZK_TREE_ENOMEM (registering the watch failed; nothing was read). With
 * `watch`, a one-shot watch for `watcher` is left: a data watch for exists
 * and getData (exists leaves it even when the node is absent, so it fires on
 * creation), a child watch for getChildren (only when the node exists).
 */
int zk_tree_exists(struct zk_tree *t, struct zk_str path, bool watch, int64_t watcher,
		   struct zk_stat *stat);
int zk_tree_get_data(struct zk_tree *t, struct zk_str path, bool watch, int64_t watcher,
		     struct zk_buf *data, struct zk_stat *stat);
int zk_tree_get_children(struct zk_tree *t, struct zk_str path, bool watch, int64_t watcher,
			 struct zk_tree_children *out);
/* The i-th child name (0 <= i < count), in sorted order. */
struct zk_str zk_tree_child_name(const struct zk_tree_children *c, int32_t i);
/* Writes the children as a jute vector<ustring> (a GetChildrenResponse). */
void zk_tree_encode_children(struct wire_writer *w, const struct zk_tree_children *c);

/*
 * Re-registers a reconnecting client's watches (SetWatches, xid -8), firing
 * at once those whose condition already changed since `relative_zxid`, as
 * ZooKeeper does: a data watch on an absent node fires NodeDeleted, on a
 * node with mzxid > relative_zxid NodeDataChanged; an exist watch on a
 * present node fires NodeCreated; a child watch on an absent node fires
 * NodeDeleted, with pzxid > relative_zxid NodeChildrenChanged. Returns 0,
 * ZK_TREE_ENOMEM, or a wire_error for a malformed vector.
 */
int zk_tree_set_watches(struct zk_tree *t, int64_t watcher, const struct zk_set_watches *sw);
/* Drops every watch `watcher` holds (its connection closed). */
void zk_tree_remove_watcher(struct zk_tree *t, int64_t watcher);
/* Number of registered watches (data and child), for tests and metrics. */
size_t zk_tree_watch_count(const struct zk_tree *t);

/*
 * Validation (the leader's PrepRequestProcessor): turns a client write into
 * an encoded txn against the current tree, written to `txn_out`. For a
 * request that fails validation the txn is ZK_OP_ERROR {err} (a multi that
 * fails is a MULTI of ERROR sub-ops: ZOK for ops before the failing one, its
 * code, ZRUNTIMEINCONSISTENCY after it). A sequential create gets its final
 * name here (suffix %010d of the parent's cversion). `req->type` may be
 * create, create2, delete, setData, check or closeSession. The tree is left
 * unchanged and no watch fires. Returns 0 when a txn was written,
 * ZK_TREE_ENOMEM, WIRE_EINVAL for an op that is not a write, or a wire_error
 * for malformed multi bytes. Prepare validates against the tree as it is:
 * a caller pipelining writes must apply each txn before preparing the next.
 */
int zk_tree_prepare(struct zk_tree *t, int64_t session_id, const struct zk_request *req,
		    struct wire_writer *txn_out);
int zk_tree_prepare_multi(struct zk_tree *t, int64_t session_id, const struct zk_multi *m,
			  struct wire_writer *txn_out);

/*
 * Applies a decoded txn at `zxid` and `time_ms` (the txn's wall-clock time,
 * used for ctime/mtime). Single ops and multis are checked again against the
 * tree, so a txn that no longer fits (or an ERROR txn) changes nothing and
 * reports its code. A multi is all-or-nothing. Results go to `res` (may be
 * NULL): one entry for a single op or session txn, `txn->count` entries for
 * a multi (`res_cap` must be at least that), each with type = the op (or
 * ZK_OP_ERROR and err = its code), path (a view of the txn) and the node's
 * stat right after the op, for create and setData. Txns do not know create
 * from create2: the server answers with the op of its pending request.
 * CLOSE_SESSION deletes the session's ephemerals in path order. Returns 0
 * (applied, even when the results carry errors; the tree's last zxid
 * becomes `zxid`), ZK_TREE_ENOMEM (nothing changed), WIRE_EINVAL (res_cap
 * too small) or a wire_error for malformed multi bytes.
 */
int zk_tree_apply(struct zk_tree *t, const struct zk_txn *txn, int64_t zxid, int64_t time_ms,
		  struct zk_multi_result *res, int32_t res_cap);

/* The zxid of the last txn applied (0 for a new tree; restored from a
 * snapshot). A replica reports it when it syncs with a leader. */
int64_t zk_tree_last_zxid(const struct zk_tree *t);

/* Ephemerals: how many `session` owns, and the i-th path in path order. */
int32_t zk_tree_ephemeral_count(const struct zk_tree *t, int64_t session);
struct zk_str zk_tree_ephemeral_path(const struct zk_tree *t, int64_t session, int32_t i);

/* All ephemerals of every session: how many, and the owner of the i-th
 * (ordered by owner, then path). For orphan checks. */
uint32_t zk_tree_ephemeral_total(const struct zk_tree *t);
int64_t zk_tree_ephemeral_owner(const struct zk_tree *t, uint32_t i);

/* Number of znodes including "/" and the system nodes. */
size_t zk_tree_node_count(const struct zk_tree *t);

/*
 * A 64-bit digest of the whole replicated state: every znode's path, data
 * and stat, in preorder with sorted children, through FNV-1a 64. Two trees
 * agree iff (with overwhelming likelihood) their digests are equal.
 */
uint64_t zk_tree_digest(const struct zk_tree *t);

/*
 * Snapshot: writes every znode in preorder (parents before children), as
 * i64 last applied zxid, i64 node count, then per node: ustring path, buffer data, czxid, mzxid,
 * ctime, mtime (i64), version, cversion, aversion (i32), ephemeralOwner,
 * pzxid (i64). zk_tree_restore builds a new tree from such bytes (NULL on a
 * malformed or truncated snapshot, with *err a wire_error, or on
 * ZK_TREE_ENOMEM); the system nodes come from the snapshot.
 */
void zk_tree_serialize(const struct zk_tree *t, struct wire_writer *w);
struct zk_tree *zk_tree_restore(const struct zk_alloc *alloc, zk_tree_watch_fn *watch_fn,
				void *watch_ctx, const uint8_t *p, size_t len, int *err);

#endif
