#include "broker/zk/zk_tree.h"

#include "broker/zk/zk_tree_impl.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

/* The offset of the last '/' in p[0..len) (paths always hold one). */
size_t zk_tree_last_slash(const char *p, size_t len)
{
	while (len > 0 && p[len - 1] != '/')
		len--;
	return len - 1;
}

/* ---- memory ---- */

static void *mem_realloc(struct zk_tree *t, void *p, size_t n)
{
	return t->alloc.realloc(t->alloc.ctx, p, n);
}

static void mem_free(struct zk_tree *t, void *p)
{
	if (p)
		t->alloc.realloc(t->alloc.ctx, p, 0);
}

/*
 * Grows the array whose pointer is at `arr` so it holds at least `need`
 * elements; 0 or ZK_TREE_ENOMEM (the array is then unchanged). The pointer
 * is read and written through memcpy, since its declared type varies.
 */
static int reserve(struct zk_tree *t, void *arr, uint32_t *cap, size_t need, size_t elem)
{
	void *cur;
	if (need <= *cap)
		return 0;
	if (need > UINT32_MAX / 2)
		return ZK_TREE_ENOMEM;
	size_t ncap = *cap ? *cap : 4;
	while (ncap < need)
		ncap *= 2;
	memcpy(&cur, arr, sizeof cur);
	void *p = mem_realloc(t, cur, ncap * elem);
	if (!p)
		return ZK_TREE_ENOMEM;
	memcpy(arr, &p, sizeof p);
	*cap = (uint32_t)ncap;
	return 0;
}

void zk_tree_node_free(struct zk_tree *t, struct zk_tree_node *n)
{
	mem_free(t, n->path);
	mem_free(t, n->data);
	mem_free(t, n->kids);
	mem_free(t, n);
}

/* A new unlinked node for `path` (+ `suffix`) with a copy of `data`. */
struct zk_tree_node *zk_tree_node_new(struct zk_tree *t, struct zk_str path, const char *suffix,
				     size_t slen, struct zk_buf data)
{
	struct zk_tree_node *n = mem_realloc(t, NULL, sizeof *n);
	if (!n)
		return NULL;
	memset(n, 0, sizeof *n);
	size_t plen = (size_t)path.len + slen;
	n->path = mem_realloc(t, NULL, plen + 1);
	n->data_len = data.len < 0 ? -1 : data.len;
	if (data.len > 0)
		n->data = mem_realloc(t, NULL, (size_t)data.len);
	if (!n->path || (data.len > 0 && !n->data)) {
		zk_tree_node_free(t, n);
		return NULL;
	}
	memcpy(n->path, path.p, (size_t)path.len);
	if (slen)
		memcpy(n->path + path.len, suffix, slen);
	n->path[plen] = '\0';
	n->path_len = (uint32_t)plen;
	n->name_off = (uint32_t)zk_tree_last_slash(n->path, plen) + 1;
	if (data.len > 0)
		memcpy(n->data, data.p, (size_t)data.len);
	n->stat.data_length = data.len > 0 ? data.len : 0;
	return n;
}

/* ---- lookup ---- */

static int name_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	if (c)
		return c;
	return an < bn ? -1 : an > bn;
}

const char *zk_tree_node_name(const struct zk_tree_node *n, size_t *len)
{
	*len = n->path_len - n->name_off;
	return n->path + n->name_off;
}

/* Index of the first child whose name is >= name; *found when equal. */
uint32_t zk_tree_kid_search(const struct zk_tree_node *p, const char *name, size_t len,
			   bool *found)
{
	uint32_t lo = 0, hi = p->nkids;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		size_t kl;
		const char *kn = zk_tree_node_name(p->kids[mid], &kl);
		if (name_cmp(kn, kl, name, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	if (lo < p->nkids) {
		size_t kl;
		const char *kn = zk_tree_node_name(p->kids[lo], &kl);
		*found = name_cmp(kn, kl, name, len) == 0;
	}
	return lo;
}

/*
 * ZooKeeper's PathUtils.validatePath on bytes: absolute, no empty, "." or
 * ".." component, no trailing '/', no NUL or other control character. For a
 * sequential create the last component may be empty, "." or "..", since
 * ZooKeeper validates the path with a digit appended. (ZooKeeper also bans
 * some non-ASCII code points; those are accepted here.)
 */
bool zk_tree_path_valid(struct zk_str p, bool seq)
{
	if (!p.p || p.len <= 0 || p.p[0] != '/')
		return false;
	if (p.len == 1)
		return true;
	int32_t start = 1;
	for (int32_t i = 1; i <= p.len; i++) {
		if (i < p.len && p.p[i] != '/') {
			unsigned char c = (unsigned char)p.p[i];
			if (c < 0x20 || c == 0x7f)
				return false;
			continue;
		}
		int32_t n = i - start;
		bool last = i == p.len;
		bool dots = (n == 1 && p.p[start] == '.') ||
			    (n == 2 && p.p[start] == '.' && p.p[start + 1] == '.');
		if ((n == 0 || dots) && !(last && seq))
			return false;
		start = i + 1;
	}
	return true;
}

/* The node at a valid path, or NULL. */
struct zk_tree_node *zk_tree_find(const struct zk_tree *t, const char *p, size_t len)
{
	struct zk_tree_node *n = t->root;
	size_t pos = 1;
	while (n && pos < len) {
		const char *slash = memchr(p + pos, '/', len - pos);
		size_t end = slash ? (size_t)(slash - p) : len;
		bool found;
		uint32_t i = zk_tree_kid_search(n, p + pos, end - pos, &found);
		n = found ? n->kids[i] : NULL;
		pos = end + 1;
	}
	return n;
}

/* ---- the ephemeral index ---- */

static int eph_cmp(const struct zk_tree_node *a, int64_t owner, const char *path, size_t len)
{
	if (a->stat.ephemeral_owner != owner)
		return a->stat.ephemeral_owner < owner ? -1 : 1;
	return name_cmp(a->path, a->path_len, path, len);
}

static uint32_t eph_search(const struct zk_tree *t, int64_t owner, const char *path, size_t len)
{
	uint32_t lo = 0, hi = t->neph;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (eph_cmp(t->eph[mid], owner, path, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Capacity was reserved by the caller. */
static void eph_insert(struct zk_tree *t, struct zk_tree_node *n)
{
	uint32_t i = eph_search(t, n->stat.ephemeral_owner, n->path, n->path_len);
	assert(t->neph < t->eph_cap);
	memmove(&t->eph[i + 1], &t->eph[i], (t->neph - i) * sizeof t->eph[0]);
	t->eph[i] = n;
	t->neph++;
}

static void eph_remove(struct zk_tree *t, struct zk_tree_node *n)
{
	uint32_t i = eph_search(t, n->stat.ephemeral_owner, n->path, n->path_len);
	assert(i < t->neph && t->eph[i] == n);
	memmove(&t->eph[i], &t->eph[i + 1], (t->neph - i - 1) * sizeof t->eph[0]);
	t->neph--;
}

/* ---- linking ---- */

/* Inserts n under p at its sorted place; capacity was reserved. */
static void link_node(struct zk_tree *t, struct zk_tree_node *p, struct zk_tree_node *n)
{
	size_t len;
	bool found;
	const char *name = zk_tree_node_name(n, &len);
	uint32_t i = zk_tree_kid_search(p, name, len, &found);
	assert(!found && p->nkids < p->kcap);
	memmove(&p->kids[i + 1], &p->kids[i], (p->nkids - i) * sizeof p->kids[0]);
	p->kids[i] = n;
	p->nkids++;
	p->stat.num_children = (int32_t)p->nkids;
	n->parent = p;
	if (n->stat.ephemeral_owner)
		eph_insert(t, n);
	t->nnodes++;
}

static void unlink_node(struct zk_tree *t, struct zk_tree_node *n)
{
	struct zk_tree_node *p = n->parent;
	size_t len;
	bool found;
	const char *name = zk_tree_node_name(n, &len);
	uint32_t i = zk_tree_kid_search(p, name, len, &found);
	assert(found && p->kids[i] == n);
	memmove(&p->kids[i], &p->kids[i + 1], (p->nkids - i - 1) * sizeof p->kids[0]);
	p->nkids--;
	p->stat.num_children = (int32_t)p->nkids;
	if (n->stat.ephemeral_owner)
		eph_remove(t, n);
	t->nnodes--;
}

/* ---- watches ---- */

static int watch_cmp(const struct zk_tree_watch *w, uint8_t kind, const char *p, size_t len,
		     int64_t watcher)
{
	if (w->kind != kind)
		return w->kind < kind ? -1 : 1;
	int c = name_cmp(w->path, w->len, p, len);
	if (c)
		return c;
	return w->watcher < watcher ? -1 : w->watcher > watcher;
}

/* First watch >= (kind, path, watcher). */
static uint32_t watch_search(const struct zk_tree *t, uint8_t kind, const char *p, size_t len,
			     int64_t watcher)
{
	uint32_t lo = 0, hi = t->nwatch;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (watch_cmp(&t->watches[mid], kind, p, len, watcher) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int watch_add(struct zk_tree *t, uint8_t kind, const char *p, size_t len,
		     int64_t watcher)
{
	uint32_t i = watch_search(t, kind, p, len, watcher);
	if (i < t->nwatch && watch_cmp(&t->watches[i], kind, p, len, watcher) == 0)
		return 0;
	if (reserve(t, &t->watches, &t->watch_cap, (size_t)t->nwatch + 1, sizeof t->watches[0]))
		return ZK_TREE_ENOMEM;
	char *copy = mem_realloc(t, NULL, len ? len : 1);
	if (!copy)
		return ZK_TREE_ENOMEM;
	memcpy(copy, p, len);
	memmove(&t->watches[i + 1], &t->watches[i], (t->nwatch - i) * sizeof t->watches[0]);
	t->watches[i] = (struct zk_tree_watch){copy, (uint32_t)len, kind, watcher};
	t->nwatch++;
	return 0;
}

/* The watches of one kind on one path: [*lo, return). */
static uint32_t watch_range(const struct zk_tree *t, uint8_t kind, const char *p, size_t len,
			    uint32_t *lo)
{
	*lo = watch_search(t, kind, p, len, INT64_MIN);
	uint32_t hi = *lo;
	while (hi < t->nwatch && t->watches[hi].kind == kind &&
	       name_cmp(t->watches[hi].path, t->watches[hi].len, p, len) == 0)
		hi++;
	return hi;
}

static void watch_drop(struct zk_tree *t, uint32_t lo, uint32_t hi)
{
	if (lo == hi)
		return; /* the array may not exist yet */
	for (uint32_t i = lo; i < hi; i++)
		mem_free(t, t->watches[i].path);
	memmove(&t->watches[lo], &t->watches[hi], (t->nwatch - hi) * sizeof t->watches[0]);
	t->nwatch -= hi - lo;
}

static void emit(struct zk_tree *t, int32_t type, const char *p, size_t len, int64_t watcher)
{
	if (!t->watch_fn)
		return;
	struct zk_tree_event ev = {type, {p, (int32_t)len}, watcher};
	t->watch_fn(t->watch_ctx, &ev);
}

/*
 * Fires and removes the watches of the kinds in `kinds` on one path. When
 * both kinds fire (a deletion), a watcher holding both hears one event, as
 * ZooKeeper's triggerWatch with its `processed` set arranges; watchers are
 * told in ascending id order.
 */
static void fire(struct zk_tree *t, int32_t type, const char *p, size_t len, uint8_t kinds)
{
	uint32_t dlo = 0, dhi = 0, clo = 0, chi = 0;
	if (kinds & ZK_TREE_WATCH_DATA)
		dhi = watch_range(t, ZK_TREE_WATCH_DATA, p, len, &dlo);
	if (kinds & ZK_TREE_WATCH_CHILD)
		chi = watch_range(t, ZK_TREE_WATCH_CHILD, p, len, &clo);
	uint32_t d = dlo, c = clo;
	while (d < dhi || c < chi) {
		int64_t wd = d < dhi ? t->watches[d].watcher : INT64_MAX;
		int64_t wc = c < chi ? t->watches[c].watcher : INT64_MAX;
		int64_t w = wd < wc ? wd : wc;
		if (d < dhi && wd == w)
			d++;
		if (c < chi && wc == w)
			c++;
		emit(t, type, p, len, w);
	}
	/* Child watches sort after data watches, so drop them first. */
	watch_drop(t, clo, chi);
	watch_drop(t, dlo, dhi);
}

void zk_tree_remove_watcher(struct zk_tree *t, int64_t watcher)
{
	uint32_t out = 0;
	for (uint32_t i = 0; i < t->nwatch; i++) {
		if (t->watches[i].watcher == watcher)
			mem_free(t, t->watches[i].path);
		else
			t->watches[out++] = t->watches[i];
	}
	t->nwatch = out;
}

size_t zk_tree_watch_count(const struct zk_tree *t) { return t->nwatch; }

/* ---- changes: undo log, triggers, commit and rollback ---- */

int zk_tree_reserve_change(struct zk_tree *t, size_t nops)
{
	if (reserve(t, &t->undo, &t->undo_cap, t->nundo + nops, sizeof t->undo[0]) ||
	    reserve(t, &t->trig, &t->trig_cap, t->ntrig + 2 * nops, sizeof t->trig[0]))
		return ZK_TREE_ENOMEM;
	return 0;
}

static void add_trigger(struct zk_tree *t, int32_t type, struct zk_tree_node *n, uint8_t kinds)
{
	assert(t->ntrig < t->trig_cap);
	t->trig[t->ntrig++] = (struct zk_tree_trigger){type, n, kinds};
}

static struct zk_tree_undo *add_undo(struct zk_tree *t, enum zk_tree_undo_kind kind,
				     struct zk_tree_node *n)
{
	assert(t->nundo < t->undo_cap);
	struct zk_tree_undo *u = &t->undo[t->nundo++];
	memset(u, 0, sizeof *u);
	u->kind = kind;
	u->node = n;
	u->node_stat = n->stat;
	if (n->parent)
		u->parent_stat = n->parent->stat;
	return u;
}

void zk_tree_rollback(struct zk_tree *t)
{
	while (t->nundo > 0) {
		struct zk_tree_undo *u = &t->undo[--t->nundo];
		struct zk_tree_node *n = u->node;
		switch (u->kind) {
		case ZK_TREE_UNDO_CREATE:
			unlink_node(t, n);
			n->parent->stat = u->parent_stat;
			zk_tree_node_free(t, n);
			break;
		case ZK_TREE_UNDO_DELETE:
			link_node(t, n->parent, n);
			n->parent->stat = u->parent_stat;
			break;
		case ZK_TREE_UNDO_SET:
			mem_free(t, n->data);
			n->data = u->old_data;
			n->data_len = u->old_len;
			n->stat = u->node_stat;
			break;
		}
	}
	t->ntrig = 0;
}

static void commit(struct zk_tree *t)
{
	for (uint32_t i = 0; i < t->ntrig; i++) {
		struct zk_tree_trigger *g = &t->trig[i];
		fire(t, g->type, g->node->path, g->node->path_len, g->kinds);
	}
	t->ntrig = 0;
	for (uint32_t i = 0; i < t->nundo; i++) {
		struct zk_tree_undo *u = &t->undo[i];
		if (u->kind == ZK_TREE_UNDO_DELETE)
			zk_tree_node_free(t, u->node);
		else if (u->kind == ZK_TREE_UNDO_SET)
			mem_free(t, u->old_data);
	}
	t->nundo = 0;
}

/* ---- the write ops (callers reserved undo and trigger room) ---- */

static bool is_root(struct zk_str p) { return p.len == 1 && p.p[0] == '/'; }

static int op_create(struct zk_tree *t, struct zk_str path, struct zk_buf data, int64_t owner,
		     bool seq, int64_t zxid, int64_t time_ms, struct zk_tree_node **out)
{
	if (!zk_tree_path_valid(path, seq))
		return ZBADARGUMENTS;
	if (is_root(path) && !seq)
		return ZNODEEXISTS;
	size_t plen = zk_tree_last_slash(path.p, (size_t)path.len);
	struct zk_tree_node *parent = plen ? zk_tree_find(t, path.p, plen) : t->root;
	if (!parent)
		return ZNONODE;
	char suffix[16] = "";
	size_t slen = 0;
	if (seq)
		slen = (size_t)snprintf(suffix, sizeof suffix, "%010d", parent->stat.cversion);
	if ((size_t)path.len + slen > INT32_MAX)
		return ZBADARGUMENTS;
	struct zk_tree_node *n = zk_tree_node_new(t, path, suffix, slen, data);
	if (!n)
		return ZK_TREE_ENOMEM;
	size_t nlen;
	bool found;
	const char *name = zk_tree_node_name(n, &nlen);
	zk_tree_kid_search(parent, name, nlen, &found);
	int err = 0;
	if (found)
		err = ZNODEEXISTS;
	else if (parent->stat.ephemeral_owner)
		err = ZNOCHILDRENFOREPHEMERALS;
	if (!err && (reserve(t, &parent->kids, &parent->kcap, (size_t)parent->nkids + 1,
			     sizeof parent->kids[0]) ||
		     (owner && reserve(t, &t->eph, &t->eph_cap, (size_t)t->neph + 1,
				       sizeof t->eph[0]))))
		err = ZK_TREE_ENOMEM;
	if (err) {
		zk_tree_node_free(t, n);
		return err;
	}
	n->stat.czxid = n->stat.mzxid = n->stat.pzxid = zxid;
	n->stat.ctime = n->stat.mtime = time_ms;
	n->stat.ephemeral_owner = owner;
	n->parent = parent;
	add_undo(t, ZK_TREE_UNDO_CREATE, n);
	link_node(t, parent, n);
	/* ZooKeeper bumps the parent's cversion and pzxid on a create only. */
	parent->stat.cversion = (int32_t)((uint32_t)parent->stat.cversion + 1);
	parent->stat.pzxid = zxid;
	add_trigger(t, ZK_EVENT_CREATED, n, ZK_TREE_WATCH_DATA);
	add_trigger(t, ZK_EVENT_CHILD, parent, ZK_TREE_WATCH_CHILD);
	*out = n;
	return 0;
}

/* Finds the node for a delete, setData or check, checking the version. */
static int find_versioned(struct zk_tree *t, struct zk_str path, int32_t version,
			  struct zk_tree_node **out)
{
	if (!zk_tree_path_valid(path, false))
		return ZBADARGUMENTS;
	*out = zk_tree_find(t, path.p, (size_t)path.len);
	if (!*out)
		return ZNONODE;
	if (version != -1 && version != (*out)->stat.version)
		return ZBADVERSION;
	return 0;
}

static int op_delete(struct zk_tree *t, struct zk_str path, int32_t version, int64_t zxid)
{
	struct zk_tree_node *n;
	if (zk_tree_path_valid(path, false) && is_root(path))
		return ZBADARGUMENTS;
	int err = find_versioned(t, path, version, &n);
	if (err)
		return err;
	if (n->nkids)
		return ZNOTEMPTY;
	struct zk_tree_node *parent = n->parent;
	add_undo(t, ZK_TREE_UNDO_DELETE, n);
	unlink_node(t, n);
	/* DataTree.deleteNode: pzxid moves forward, cversion stays. */
	if (zxid > parent->stat.pzxid)
		parent->stat.pzxid = zxid;
	add_trigger(t, ZK_EVENT_DELETED, n, ZK_TREE_WATCH_DATA | ZK_TREE_WATCH_CHILD);
	add_trigger(t, ZK_EVENT_CHILD, parent, ZK_TREE_WATCH_CHILD);
	return 0;
}

static int op_set_data(struct zk_tree *t, struct zk_str path, struct zk_buf data,
		       int32_t version, int64_t zxid, int64_t time_ms, struct zk_tree_node **out)
{
	struct zk_tree_node *n;
	int err = find_versioned(t, path, version, &n);
	if (err)
		return err;
	uint8_t *copy = NULL;
	if (data.len > 0) {
		copy = mem_realloc(t, NULL, (size_t)data.len);
		if (!copy)
			return ZK_TREE_ENOMEM;
		memcpy(copy, data.p, (size_t)data.len);
	}
	struct zk_tree_undo *u = add_undo(t, ZK_TREE_UNDO_SET, n);
	u->old_data = n->data;
	u->old_len = n->data_len;
	n->data = copy;
	n->data_len = data.len < 0 ? -1 : data.len;
	n->stat.data_length = data.len > 0 ? data.len : 0;
	n->stat.version = (int32_t)((uint32_t)n->stat.version + 1);
	n->stat.mzxid = zxid;
	n->stat.mtime = time_ms;
	add_trigger(t, ZK_EVENT_CHANGED, n, ZK_TREE_WATCH_DATA);
	*out = n;
	return 0;
}

/*
 * Runs one op against the live tree, recording undo and triggers. `res`
 * (may be NULL) gets the op's type, path and the node's stat after it.
 */
int zk_tree_run_op(struct zk_tree *t, const struct zk_txn_op *op, bool seq, int64_t zxid,
		  int64_t time_ms, struct zk_multi_result *res, struct zk_tree_node **out)
{
	struct zk_tree_node *n = NULL;
	int err;
	switch (op->type) {
	case ZK_OP_CREATE:
		err = op_create(t, op->path, op->data, op->ephemeral_owner, seq, zxid, time_ms,
				&n);
		break;
	case ZK_OP_DELETE:
		err = op_delete(t, op->path, op->version, zxid);
		break;
	case ZK_OP_SET_DATA:
		err = op_set_data(t, op->path, op->data, op->version, zxid, time_ms, &n);
		break;
	case ZK_OP_CHECK:
		err = find_versioned(t, op->path, op->version, &n);
		n = NULL;
		break;
	case ZK_OP_ERROR:
		err = op->err ? op->err : ZRUNTIMEINCONSISTENCY;
		break;
	default:
		err = ZUNIMPLEMENTED;
	}
	if (out)
		*out = n;
	if (res && !err) {
		memset(res, 0, sizeof *res);
		res->type = op->type;
		res->path = op->path;
		if (n)
			res->stat = n->stat;
	}
	return err;
}

/* ---- apply ---- */

static void set_error_result(struct zk_multi_result *res, int32_t err)
{
	memset(res, 0, sizeof *res);
	res->type = ZK_OP_ERROR;
	res->err = err;
	res->path.len = -1;
}

static int apply_single(struct zk_tree *t, const struct zk_txn *txn, int64_t zxid,
			int64_t time_ms, struct zk_multi_result *res)
{
	struct zk_multi_result tmp;
	struct zk_txn_op op = txn->op;
	op.type = txn->type;
	if (zk_tree_reserve_change(t, 1))
		return ZK_TREE_ENOMEM;
	int err = zk_tree_run_op(t, &op, false, zxid, time_ms, res ? res : &tmp, NULL);
	if (err) {
		zk_tree_rollback(t);
		if (err == ZK_TREE_ENOMEM)
			return err;
		if (res)
			set_error_result(res, err);
		return 0;
	}
	commit(t);
	return 0;
}

/*
 * A multi whose ops include an ERROR op was rejected by prepare: its results
 * are those codes and nothing changes. Otherwise the ops run in order and
 * the first failure reverts them all, with ZooKeeper's per-op report.
 */
static int apply_multi(struct zk_tree *t, const struct zk_txn *txn, int64_t zxid,
		       int64_t time_ms, struct zk_multi_result *res, int32_t cap)
{
	struct wire_reader it;
	struct zk_txn_op op;
	struct zk_multi_result tmp;
	int32_t i = 0, failed_at = -1, fail_err = 0;
	int rc;
	if (res && cap < txn->count)
		return WIRE_EINVAL;
	bool rejected = false;
	int32_t n = 0;
	zk_txn_iter(txn, &it);
	while ((rc = zk_txn_next_op(&it, &op)) > 0 && n++ < txn->count)
		rejected |= op.type == ZK_OP_ERROR;
	if (rc < 0)
		return rc;
	/* A hand-built txn whose count disagrees with its ops could overrun res. */
	if (n != txn->count)
		return WIRE_EINVAL;
	if (rejected) {
		zk_txn_iter(txn, &it);
		for (i = 0; zk_txn_next_op(&it, &op) > 0; i++)
			if (res)
				set_error_result(&res[i], op.err);
		return 0;
	}
	if (zk_tree_reserve_change(t, (size_t)txn->count))
		return ZK_TREE_ENOMEM;
	zk_txn_iter(txn, &it);
	for (i = 0; zk_txn_next_op(&it, &op) > 0; i++) {
		int err = zk_tree_run_op(t, &op, false, zxid, time_ms, res ? &res[i] : &tmp, NULL);
		if (err) {
			failed_at = i;
			fail_err = err;
			break;
		}
	}
	if (failed_at < 0) {
		commit(t);
		return 0;
	}
	zk_tree_rollback(t);
	if (fail_err == ZK_TREE_ENOMEM)
		return fail_err;
	for (i = 0; res && i < txn->count; i++)
		set_error_result(&res[i], i < failed_at	   ? ZOK
					  : i == failed_at ? fail_err
							   : ZRUNTIMEINCONSISTENCY);
	return 0;
}

/* Deletes a session's ephemerals, in path order, as one change. */
static int apply_close_session(struct zk_tree *t, int64_t session, int64_t zxid)
{
	int32_t n = zk_tree_ephemeral_count(t, session);
	if (zk_tree_reserve_change(t, (size_t)n))
		return ZK_TREE_ENOMEM;
	uint32_t first = eph_search(t, session, "", 0);
	for (int32_t i = 0; i < n; i++) {
		struct zk_tree_node *e = t->eph[first];
		struct zk_str path = {e->path, (int32_t)e->path_len};
		/* Ephemerals never have children, so this cannot fail. */
		int err = op_delete(t, path, -1, zxid);
		assert(err == 0);
		(void)err;
	}
	commit(t);
	return 0;
}

static int apply_txn(struct zk_tree *t, const struct zk_txn *txn, int64_t zxid, int64_t time_ms,
		     struct zk_multi_result *res, int32_t res_cap)
{
	if (txn->type == ZK_OP_MULTI)
		return apply_multi(t, txn, zxid, time_ms, res, res_cap);
	if (res && res_cap < 1)
		return WIRE_EINVAL;
	switch (txn->type) {
	case ZK_OP_CREATE:
	case ZK_OP_DELETE:
	case ZK_OP_SET_DATA:
	case ZK_OP_CHECK:
	case ZK_OP_ERROR:
		return apply_single(t, txn, zxid, time_ms, res);
	case ZK_OP_CLOSE_SESSION:
	case ZK_OP_CREATE_SESSION:
		if (txn->type == ZK_OP_CLOSE_SESSION &&
		    apply_close_session(t, txn->session_id, zxid))
			return ZK_TREE_ENOMEM;
		if (res) {
			memset(res, 0, sizeof *res);
			res->type = txn->type;
			res->path.len = -1;
		}
		return 0;
	default:
		return WIRE_EINVAL;
	}
}

int zk_tree_apply(struct zk_tree *t, const struct zk_txn *txn, int64_t zxid, int64_t time_ms,
		  struct zk_multi_result *res, int32_t res_cap)
{
	int rc = apply_txn(t, txn, zxid, time_ms, res, res_cap);
	if (rc == 0)
		t->last_zxid = zxid;
	return rc;
}

int64_t zk_tree_last_zxid(const struct zk_tree *t) { return t->last_zxid; }

/* ---- reads ---- */

int zk_tree_exists(struct zk_tree *t, struct zk_str path, bool watch, int64_t watcher,
		   struct zk_stat *stat)
{
	if (!zk_tree_path_valid(path, false))
		return ZBADARGUMENTS;
	/* Like DataTree.statNode, the watch is left even on an absent node. */
	if (watch && watch_add(t, ZK_TREE_WATCH_DATA, path.p, (size_t)path.len, watcher))
		return ZK_TREE_ENOMEM;
	struct zk_tree_node *n = zk_tree_find(t, path.p, (size_t)path.len);
	if (!n)
		return ZNONODE;
	if (stat)
		*stat = n->stat;
	return ZOK;
}

int zk_tree_get_data(struct zk_tree *t, struct zk_str path, bool watch, int64_t watcher,
		     struct zk_buf *data, struct zk_stat *stat)
{
	if (!zk_tree_path_valid(path, false))
		return ZBADARGUMENTS;
	struct zk_tree_node *n = zk_tree_find(t, path.p, (size_t)path.len);
	if (!n)
		return ZNONODE;
	if (watch && watch_add(t, ZK_TREE_WATCH_DATA, path.p, (size_t)path.len, watcher))
		return ZK_TREE_ENOMEM;
	if (data) {
		data->p = n->data;
		data->len = n->data_len;
	}
	if (stat)
		*stat = n->stat;
	return ZOK;
}

int zk_tree_get_children(struct zk_tree *t, struct zk_str path, bool watch, int64_t watcher,
			 struct zk_tree_children *out)
{
	if (!zk_tree_path_valid(path, false))
		return ZBADARGUMENTS;
	struct zk_tree_node *n = zk_tree_find(t, path.p, (size_t)path.len);
	if (!n)
		return ZNONODE;
	if (watch && watch_add(t, ZK_TREE_WATCH_CHILD, path.p, (size_t)path.len, watcher))
		return ZK_TREE_ENOMEM;
	out->node = n;
	out->count = (int32_t)n->nkids;
	out->stat = n->stat;
	return ZOK;
}

struct zk_str zk_tree_child_name(const struct zk_tree_children *c, int32_t i)
{
	size_t len;
	assert(i >= 0 && i < c->count);
	const char *name = zk_tree_node_name(c->node->kids[i], &len);
	return (struct zk_str){name, (int32_t)len};
}

void zk_tree_encode_children(struct wire_writer *w, const struct zk_tree_children *c)
{
	wire_put_i32(w, c->count);
	for (int32_t i = 0; i < c->count; i++)
		zk_put_str(w, zk_tree_child_name(c, i));
}

/* One SetWatches vector: `kind` and whether it is the exist list. */
static int set_watch_list(struct zk_tree *t, int64_t watcher, int64_t rel,
			  const struct zk_str_vec *v, uint8_t kind, bool exist)
{
	struct wire_reader it;
	struct zk_str p;
	int rc = 1;
	zk_vec_iter(&it, v->raw, v->raw_len);
	for (int32_t i = 0; v->items ? i < v->count : (rc = zk_next_str(&it, &p)) > 0; i++) {
		if (v->items)
			p = v->items[i];
		if (!zk_tree_path_valid(p, false))
			continue;
		struct zk_tree_node *n = zk_tree_find(t, p.p, (size_t)p.len);
		int32_t ev = 0;
		if (exist)
			ev = n ? ZK_EVENT_CREATED : 0;
		else if (!n)
			ev = ZK_EVENT_DELETED;
		else if ((kind == ZK_TREE_WATCH_DATA ? n->stat.mzxid : n->stat.pzxid) > rel)
			ev = kind == ZK_TREE_WATCH_DATA ? ZK_EVENT_CHANGED : ZK_EVENT_CHILD;
		if (ev)
			emit(t, ev, p.p, (size_t)p.len, watcher);
		else if (watch_add(t, kind, p.p, (size_t)p.len, watcher))
			return ZK_TREE_ENOMEM;
	}
	return rc < 0 ? rc : 0;
}

int zk_tree_set_watches(struct zk_tree *t, int64_t watcher, const struct zk_set_watches *sw)
{
	int64_t rel = sw->relative_zxid;
	int rc = set_watch_list(t, watcher, rel, &sw->data, ZK_TREE_WATCH_DATA, false);
	if (!rc)
		rc = set_watch_list(t, watcher, rel, &sw->exist, ZK_TREE_WATCH_DATA, true);
	if (!rc)
		rc = set_watch_list(t, watcher, rel, &sw->child, ZK_TREE_WATCH_CHILD, false);
	return rc;
}

/* ---- ephemerals and counts ---- */

int32_t zk_tree_ephemeral_count(const struct zk_tree *t, int64_t session)
{
	uint32_t i = eph_search(t, session, "", 0), n = 0;
	while (i + n < t->neph && t->eph[i + n]->stat.ephemeral_owner == session)
		n++;
	return (int32_t)n;
}

struct zk_str zk_tree_ephemeral_path(const struct zk_tree *t, int64_t session, int32_t i)
{
	uint32_t first = eph_search(t, session, "", 0);
	assert(i >= 0 && i < zk_tree_ephemeral_count(t, session));
	const struct zk_tree_node *n = t->eph[first + (uint32_t)i];
	return (struct zk_str){n->path, (int32_t)n->path_len};
}

size_t zk_tree_node_count(const struct zk_tree *t) { return t->nnodes; }

/* ---- creation ---- */

struct zk_tree *zk_tree_new_empty(const struct zk_alloc *alloc, zk_tree_watch_fn *fn, void *ctx)
{
	struct zk_tree *t = alloc->realloc(alloc->ctx, NULL, sizeof *t);
	if (!t)
		return NULL;
	memset(t, 0, sizeof *t);
	t->alloc = *alloc;
	t->watch_fn = fn;
	t->watch_ctx = ctx;
	return t;
}

/* Attaches a restored or system node below its parent; 0 or an error. */
int zk_tree_attach(struct zk_tree *t, struct zk_tree_node *n)
{
	if (!t->root) {
		if (n->path_len != 1 || n->stat.ephemeral_owner)
			return WIRE_EINVAL;
		t->root = n;
		t->nnodes = 1;
		return 0;
	}
	size_t plen = zk_tree_last_slash(n->path, n->path_len);
	struct zk_tree_node *p = plen ? zk_tree_find(t, n->path, plen) : t->root;
	size_t len;
	bool found;
	const char *name = zk_tree_node_name(n, &len);
	if (!p || p->stat.ephemeral_owner || n->path_len == 1)
		return WIRE_EINVAL;
	zk_tree_kid_search(p, name, len, &found);
	if (found)
		return WIRE_EINVAL;
	if (reserve(t, &p->kids, &p->kcap, (size_t)p->nkids + 1, sizeof p->kids[0]) ||
	    (n->stat.ephemeral_owner &&
	     reserve(t, &t->eph, &t->eph_cap, (size_t)t->neph + 1, sizeof t->eph[0])))
		return ZK_TREE_ENOMEM;
	link_node(t, p, n);
	return 0;
}

struct zk_tree *zk_tree_create(const struct zk_alloc *alloc, zk_tree_watch_fn *watch_fn,
			       void *watch_ctx)
{
	static const char *const system_paths[] = {"/", "/zookeeper", "/zookeeper/config",
						   "/zookeeper/quota"};
	struct zk_tree *t = zk_tree_new_empty(alloc, watch_fn, watch_ctx);
	if (!t)
		return NULL;
	for (size_t i = 0; i < sizeof system_paths / sizeof system_paths[0]; i++) {
		/* ZooKeeper gives these nodes empty (not null) data and zero stats. */
		struct zk_buf empty = {(const uint8_t *)"", 0};
		struct zk_str path = zk_str_from_cstr(system_paths[i]);
		struct zk_tree_node *n = zk_tree_node_new(t, path, "", 0, empty);
		if (!n || zk_tree_attach(t, n)) {
			if (n)
				zk_tree_node_free(t, n);
			zk_tree_destroy(t);
			return NULL;
		}
	}
	return t;
}

void zk_tree_destroy(struct zk_tree *t)
{
	if (!t)
		return;
	assert(t->nundo == 0 && t->ntrig == 0);
	/* Frees leaves last-child first, climbing back up, without recursion. */
	struct zk_tree_node *n = t->root;
	while (n) {
		if (n->nkids) {
			n = n->kids[n->nkids - 1];
			continue;
		}
		struct zk_tree_node *p = n->parent;
		if (p)
			p->nkids--;
		zk_tree_node_free(t, n);
		n = p;
	}
	for (uint32_t i = 0; i < t->nwatch; i++)
		mem_free(t, t->watches[i].path);
	mem_free(t, t->watches);
	mem_free(t, t->eph);
	mem_free(t, t->undo);
	mem_free(t, t->trig);
	mem_free(t, t);
}

uint32_t zk_tree_ephemeral_total(const struct zk_tree *t)
{
	return t->neph;
}

int64_t zk_tree_ephemeral_owner(const struct zk_tree *t, uint32_t i)
{
	return i < t->neph ? t->eph[i]->stat.ephemeral_owner : 0;
}
