/*
 * zk_tree_impl — the data tree's internals, shared by its three source
 * files and nobody else: zk_tree.c (structure, watches, ops, apply, reads),
 * zk_tree_prep.c (request validation into txns) and zk_tree_snap.c (digest
 * and snapshot). Callers use zk_tree.h only.
 *
 * Layout. Every znode owns its full path (so lookups, the ephemeral index
 * and watch events need no string building) and a sorted array of child
 * pointers. Changes run through an undo log: each op first allocates what
 * it needs, then mutates and records how to revert; a multi that fails part
 * way reverts in reverse order, which never needs memory because arrays
 * never shrink. Deleted nodes and replaced data are freed, and watches
 * fired, only when the change commits.
 */
#ifndef KSIM_ZK_TREE_IMPL_H
#define KSIM_ZK_TREE_IMPL_H

#include "broker/zk/zk_tree.h"

enum zk_tree_watch_kind { ZK_TREE_WATCH_DATA = 1, ZK_TREE_WATCH_CHILD = 2 };
enum zk_tree_undo_kind { ZK_TREE_UNDO_CREATE, ZK_TREE_UNDO_DELETE, ZK_TREE_UNDO_SET };

struct zk_tree_node {
	char *path;
	uint32_t path_len;
	uint32_t name_off; /* the last component starts here */
	uint8_t *data;
	int32_t data_len; /* -1: null data */
	struct zk_stat stat;
	struct zk_tree_node *parent;
	struct zk_tree_node **kids;
	uint32_t nkids, kcap;
};

struct zk_tree_watch {
	char *path;
	uint32_t len;
	uint8_t kind;
	int64_t watcher;
};

struct zk_tree_undo {
	enum zk_tree_undo_kind kind;
	struct zk_tree_node *node;
	struct zk_stat node_stat;
	struct zk_stat parent_stat;
	uint8_t *old_data;
	int32_t old_len;
};

struct zk_tree_trigger {
	int32_t type;
	struct zk_tree_node *node;
	uint8_t kinds;
};

struct zk_tree {
	struct zk_alloc alloc;
	zk_tree_watch_fn *watch_fn;
	void *watch_ctx;
	struct zk_tree_node *root;
	size_t nnodes;
	int64_t last_zxid; /* of the last applied txn */
	struct zk_tree_node **eph; /* sorted by (owner, path) */
	uint32_t neph, eph_cap;
	struct zk_tree_watch *watches; /* sorted by (kind, path, watcher) */
	uint32_t nwatch, watch_cap;
	struct zk_tree_undo *undo;
	uint32_t nundo, undo_cap;
	struct zk_tree_trigger *trig;
	uint32_t ntrig, trig_cap;
};

/* The offset of the last '/' in p[0..len) (paths always hold one). */
size_t zk_tree_last_slash(const char *p, size_t len);
/* ZooKeeper's path rules (see zk_tree.c); `seq` relaxes the last component. */
bool zk_tree_path_valid(struct zk_str p, bool seq);
/* The node at a valid path, or NULL. */
struct zk_tree_node *zk_tree_find(const struct zk_tree *t, const char *p, size_t len);
/* The last path component of a node (a view of its path). */
const char *zk_tree_node_name(const struct zk_tree_node *n, size_t *len);
/* Index of the first child named >= name; *found when equal. */
uint32_t zk_tree_kid_search(const struct zk_tree_node *p, const char *name, size_t len,
			    bool *found);
/* A new unlinked node for path + suffix holding a copy of data; NULL on ENOMEM. */
struct zk_tree_node *zk_tree_node_new(struct zk_tree *t, struct zk_str path, const char *suffix,
				      size_t slen, struct zk_buf data);
void zk_tree_node_free(struct zk_tree *t, struct zk_tree_node *n);
/* A tree without any node (restore fills it). */
struct zk_tree *zk_tree_new_empty(const struct zk_alloc *alloc, zk_tree_watch_fn *fn, void *ctx);
/* Links a built node below its parent (the first becomes "/"); 0,
 * WIRE_EINVAL (no parent, duplicate, ephemeral parent) or ZK_TREE_ENOMEM. */
int zk_tree_attach(struct zk_tree *t, struct zk_tree_node *n);
/* Makes room to record `nops` ops in the undo log and trigger list. */
int zk_tree_reserve_change(struct zk_tree *t, size_t nops);
/* Reverts every recorded op and forgets their triggers. */
void zk_tree_rollback(struct zk_tree *t);
/* Runs one op against the live tree, recording undo and triggers; returns a
 * ZooKeeper code or ZK_TREE_ENOMEM. `res` and `out` may be NULL. */
int zk_tree_run_op(struct zk_tree *t, const struct zk_txn_op *op, bool seq, int64_t zxid,
		   int64_t time_ms, struct zk_multi_result *res, struct zk_tree_node **out);

#endif
