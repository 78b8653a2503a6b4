/*
 * The data tree's digest and snapshot: both walk the znodes in preorder with
 * sorted children, iteratively (a deep tree cannot exhaust the stack), so
 * two replicas holding the same znodes produce the same bytes and hash.
 */
#include "broker/zk/zk_tree.h"

#include <string.h>

#include "broker/zk/zk_tree_impl.h"

static uint32_t kid_index(const struct zk_tree_node *n)
{
	size_t len;
	bool found;
	const char *name = zk_tree_node_name(n, &len);
	return zk_tree_kid_search(n->parent, name, len, &found);
}

/* The next node in preorder (sorted children), without recursion or memory,
 * so a deep tree cannot exhaust the stack. */
static const struct zk_tree_node *next_preorder(const struct zk_tree_node *n)
{
	if (n->nkids)
		return n->kids[0];
	while (n->parent) {
		uint32_t i = kid_index(n);
		if (i + 1 < n->parent->nkids)
			return n->parent->kids[i + 1];
		n = n->parent;
	}
	return NULL;
}

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv_bytes(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * FNV_PRIME;
	return h;
}

static uint64_t fnv_u64(uint64_t h, uint64_t v)
{
	for (int i = 7; i >= 0; i--)
		h = (h ^ (uint8_t)(v >> (8 * i))) * FNV_PRIME;
	return h;
}

uint64_t zk_tree_digest(const struct zk_tree *t)
{
	uint64_t h = FNV_OFFSET;
	for (const struct zk_tree_node *n = t->root; n; n = next_preorder(n)) {
		const struct zk_stat *s = &n->stat;
		h = fnv_u64(h, n->path_len);
		h = fnv_bytes(h, n->path, n->path_len);
		h = fnv_u64(h, (uint64_t)(int64_t)n->data_len);
		h = fnv_bytes(h, n->data, n->data_len > 0 ? (size_t)n->data_len : 0);
		int64_t f[] = {s->czxid,   s->mzxid,	s->ctime,	    s->mtime,
			       s->version, s->cversion, s->aversion,	    s->ephemeral_owner,
			       s->pzxid,   s->data_length, s->num_children};
		for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
			h = fnv_u64(h, (uint64_t)f[i]);
	}
	return h;
}

void zk_tree_serialize(const struct zk_tree *t, struct wire_writer *w)
{
	wire_put_i64(w, t->last_zxid);
	wire_put_i64(w, (int64_t)t->nnodes);
	for (const struct zk_tree_node *n = t->root; n; n = next_preorder(n)) {
		const struct zk_stat *s = &n->stat;
		zk_put_str(w, (struct zk_str){n->path, (int32_t)n->path_len});
		zk_put_buf(w, (struct zk_buf){n->data, n->data_len});
		wire_put_i64(w, s->czxid);
		wire_put_i64(w, s->mzxid);
		wire_put_i64(w, s->ctime);
		wire_put_i64(w, s->mtime);
		wire_put_i32(w, s->version);
		wire_put_i32(w, s->cversion);
		wire_put_i32(w, s->aversion);
		wire_put_i64(w, s->ephemeral_owner);
		wire_put_i64(w, s->pzxid);
	}
}

/* Reads one snapshot node into a new node (NULL with *err set). */
static struct zk_tree_node *read_node(struct zk_tree *t, struct wire_reader *r, int *err)
{
	struct zk_str path;
	struct zk_buf data;
	struct zk_stat s = {0};
	zk_get_str(r, &path);
	zk_get_buf(r, &data);
	s.czxid = wire_get_i64(r);
	s.mzxid = wire_get_i64(r);
	s.ctime = wire_get_i64(r);
	s.mtime = wire_get_i64(r);
	s.version = wire_get_i32(r);
	s.cversion = wire_get_i32(r);
	s.aversion = wire_get_i32(r);
	s.ephemeral_owner = wire_get_i64(r);
	s.pzxid = wire_get_i64(r);
	*err = r->err;
	if (!*err && !zk_tree_path_valid(path, false))
		*err = WIRE_EINVAL;
	if (*err)
		return NULL;
	struct zk_tree_node *n = zk_tree_node_new(t, path, "", 0, data);
	if (!n) {
		*err = ZK_TREE_ENOMEM;
		return NULL;
	}
	s.data_length = n->stat.data_length;
	n->stat = s;
	return n;
}

struct zk_tree *zk_tree_restore(const struct zk_alloc *alloc, zk_tree_watch_fn *watch_fn,
				void *watch_ctx, const uint8_t *p, size_t len, int *err)
{
	struct wire_reader r;
	struct zk_tree *t = zk_tree_new_empty(alloc, watch_fn, watch_ctx);
	*err = ZK_TREE_ENOMEM;
	if (!t)
		return NULL;
	wire_reader_init(&r, p, len);
	t->last_zxid = wire_get_i64(&r);
	int64_t count = wire_get_i64(&r);
	/* A node takes at least 61 bytes, which bounds a hostile count. */
	*err = r.err;
	if (!*err && (count < 1 || (uint64_t)count > wire_remaining(&r) / 61))
		*err = WIRE_EINVAL;
	for (int64_t i = 0; i < count && !*err; i++) {
		struct zk_tree_node *n = read_node(t, &r, err);
		if (n && (*err = zk_tree_attach(t, n)) != 0)
			zk_tree_node_free(t, n);
	}
	if (!*err)
		*err = zk_decode_end(&r);
	if (*err) {
		zk_tree_destroy(t);
		return NULL;
	}
	return t;
}
