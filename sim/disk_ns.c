/*
 * Byte images, the sorted namespace of paths, and path rules for the
 * simulated disk (see disk_impl.h). Pure data structures: no events.
 */
#include "sim/disk_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sim/env.h"
#include "sim/util.h"

/*
 * Images that outgrow IMAGE_HEAP_MAX live in their own anonymous mappings,
 * at least one 2 MiB huge page large and marked for transparent huge pages:
 * log segments grow to megabytes, and faulting them in 4 KiB pages cost a
 * third of a busy cluster's run time. Smaller images stay on the heap.
 */
#define IMAGE_HEAP_MAX ((size_t)64 << 10)
#define IMAGE_MAPPED_MIN ((size_t)2 << 20)

static void image_release(struct image *im)
{
	if (im->cap >= IMAGE_MAPPED_MIN)
		munmap(im->bytes, im->cap);
	else
		free(im->bytes);
}

static void image_reserve(struct image *im, size_t len)
{
	if (len <= im->cap)
		return;
	size_t cap = im->cap ? im->cap : 4096;
	while (cap < len)
		cap *= 2;
	if (cap > IMAGE_HEAP_MAX && cap < IMAGE_MAPPED_MIN)
		cap = IMAGE_MAPPED_MIN;
	if (cap < IMAGE_MAPPED_MIN) {
		im->bytes = sim_xrealloc(im->bytes, cap);
		im->cap = cap;
		return;
	}
	uint8_t *p = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "ksim: out of memory (mapping %zu bytes)\n", cap);
		abort();
	}
	madvise(p, cap, MADV_HUGEPAGE); /* a hint: without it, small pages */
	if (im->len)
		memcpy(p, im->bytes, im->len);
	image_release(im);
	im->bytes = p;
	im->cap = cap;
}

void disk_image_free(struct image *im)
{
	image_release(im);
	*im = (struct image){NULL, 0, 0};
}

void disk_image_resize(struct image *im, size_t len)
{
	image_reserve(im, len);
	if (len > im->len)
		memset(im->bytes + im->len, 0, len - im->len);
	im->len = len;
}

/* Like pwrite(2), an empty write changes nothing, even past the end. */
void disk_image_write(struct image *im, int64_t off, const uint8_t *p, size_t len)
{
	if (len == 0)
		return;
	size_t end = (size_t)off + len;
	if (end > im->len) {
		/* Zero only the hole before the write (appends have none): the
		 * written bytes are about to be overwritten anyway. */
		image_reserve(im, end);
		if ((size_t)off > im->len)
			memset(im->bytes + im->len, 0, (size_t)off - im->len);
		im->len = end;
	}
	memcpy(im->bytes + off, p, len);
}

void disk_image_copy(struct image *dst, const struct image *src)
{
	dst->len = 0;
	disk_image_resize(dst, src->len);
	if (src->len)
		memcpy(dst->bytes, src->bytes, src->len);
}

int64_t disk_image_read(const struct image *im, int64_t off, void *buf, size_t len)
{
	if (off < 0)
		return ENV_EINVAL;
	if ((size_t)off >= im->len)
		return 0;
	size_t n = im->len - (size_t)off;
	if (n > len)
		n = len;
	memcpy(buf, im->bytes + off, n);
	return (int64_t)n;
}

void disk_op_apply(struct image *im, const struct op *op, size_t limit)
{
	if (op->kind == OP_WRITE)
		disk_image_write(im, op->off, op->data, limit < op->len ? limit : op->len);
	else if ((size_t)op->off < im->len)
		im->len = (size_t)op->off;
	else
		disk_image_resize(im, (size_t)op->off);
}

size_t disk_ns_lower_bound(const struct ns *ns, const char *path)
{
	size_t lo = 0, hi = ns->len;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strcmp(ns->e[mid].path, path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct inode *disk_ns_get(const struct ns *ns, const char *path)
{
	size_t i = disk_ns_lower_bound(ns, path);
	return i < ns->len && strcmp(ns->e[i].path, path) == 0 ? ns->e[i].ino : NULL;
}

void disk_ns_put(struct ns *ns, const char *path, struct inode *ino)
{
	size_t i = disk_ns_lower_bound(ns, path);
	ino->links++;
	if (i < ns->len && strcmp(ns->e[i].path, path) == 0) {
		ns->e[i].ino->links--;
		ns->e[i].ino = ino;
		return;
	}
	if (ns->len == ns->cap) {
		ns->cap = ns->cap ? ns->cap * 2 : 16;
		ns->e = sim_xrealloc(ns->e, ns->cap * sizeof *ns->e);
	}
	memmove(ns->e + i + 1, ns->e + i, (ns->len - i) * sizeof *ns->e);
	ns->e[i] = (struct dentry){sim_xstrdup(path), ino};
	ns->len++;
}

void disk_ns_del_at(struct ns *ns, size_t i)
{
	ns->e[i].ino->links--;
	free(ns->e[i].path);
	memmove(ns->e + i, ns->e + i + 1, (ns->len - i - 1) * sizeof *ns->e);
	ns->len--;
}

void disk_ns_clear(struct ns *ns)
{
	for (size_t i = 0; i < ns->len; i++) {
		ns->e[i].ino->links--;
		free(ns->e[i].path);
	}
	ns->len = 0;
}

void disk_ns_copy(struct ns *dst, const struct ns *src)
{
	disk_ns_clear(dst);
	if (dst->cap < src->len) {
		dst->cap = src->len;
		dst->e = sim_xrealloc(dst->e, dst->cap * sizeof *dst->e);
	}
	for (size_t i = 0; i < src->len; i++) {
		dst->e[i] = (struct dentry){sim_xstrdup(src->e[i].path), src->e[i].ino};
		src->e[i].ino->links++;
	}
	dst->len = src->len;
}

/* Index of the first entry below `dir` ("/a" -> first "/a/..."). */
size_t disk_ns_children_start(const struct ns *ns, const char *dir, char *prefix,
				size_t prefix_size)
{
	if (strcmp(dir, "/") == 0)
		snprintf(prefix, prefix_size, "/");
	else
		snprintf(prefix, prefix_size, "%s/", dir);
	return disk_ns_lower_bound(ns, prefix);
}

/* Absolute, no empty, "." or ".." components, no trailing slash. */
bool disk_path_valid(const char *path)
{
	if (!path || path[0] != '/')
		return false;
	if (strcmp(path, "/") == 0)
		return true;
	const char *p = path + 1;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (!slash)
			return true;
		p = slash + 1;
	}
}

/* True when `path` lies strictly below directory `dir`. */
bool disk_path_below(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && path[n] == '/';
}
