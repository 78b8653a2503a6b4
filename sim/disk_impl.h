/*
 * disk_impl — the simulated disk's data structures, shared by disk.c (the
 * durability model, requests and faults) and disk_ns.c (byte images, the
 * sorted namespace and path rules). Only those two files include it.
 */
#ifndef KSIM_SIM_DISK_IMPL_H
#define KSIM_SIM_DISK_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/disk.h"
#include "sim/rng.h"

/*
 * An inode keeps two images of its bytes: `cache` (what reads see) and
 * `durable` (what survives power loss), and the ordered list of changes that
 * the cache has and the durable image lacks. fsync applies the whole list;
 * writeback applies its expired prefix, in order.
 */
enum op_kind { OP_WRITE, OP_TRUNCATE };

struct op {
	struct op *next;
	enum op_kind kind;
	int64_t off; /* write offset, or the new size */
	size_t len;
	int64_t dirtied_at;
	uint64_t seq; /* disk-wide order of writes, to find the last one */
	uint8_t data[];
};

struct image {
	uint8_t *bytes;
	size_t len;
	size_t cap;
};

struct inode {
	uint64_t ino;
	bool is_dir;
	struct image cache;
	struct image durable;
	struct op *ops;
	struct op *ops_tail;
	uint32_t links;    /* entries naming it, in both namespaces */
	uint32_t handles;  /* open env_file handles of the current incarnation */
	uint32_t inflight; /* requests submitted and not yet completed */
	int64_t last_done_at;
	struct inode *next; /* all inodes, by creation */
};

struct dentry {
	char *path;
	struct inode *ino;
};

struct ns {
	struct dentry *e; /* sorted by path, byte order */
	size_t len;
	size_t cap;
};

struct sim_disk {
	struct sim_world *w;
	uint32_t node;
	struct sim_disk_config cfg;
	struct sim_rng rng;
	struct ns cache_ns;
	struct ns durable_ns;
	bool ns_dirty;
	bool maybe_garbage; /* some inode may have lost its last reference */
	struct inode *inodes;
	uint64_t next_ino;
	uint64_t next_seq;
	bool writeback_scheduled;
	bool faults[SIM_DISK_FAULT__COUNT];
	int64_t slow_min_ns;
	int64_t slow_max_ns;
	int64_t last_meta_at;
	uint64_t dirty_bytes;
	uint64_t fsyncs;
};

struct env_file {
	struct sim_disk *disk; /* NULL for a file of the world's file backend */
	struct inode *ino;
	struct env *env;
	void *ext; /* the backend's handle */
};

/* Byte images: resize zero-fills growth; read copies what exists. */
void disk_image_resize(struct image *im, size_t len);
/* Frees an image's bytes and empties it. */
void disk_image_free(struct image *im);
void disk_image_write(struct image *im, int64_t off, const uint8_t *p, size_t len);
void disk_image_copy(struct image *dst, const struct image *src);
int64_t disk_image_read(const struct image *im, int64_t off, void *buf, size_t len);
void disk_op_apply(struct image *im, const struct op *op, size_t limit);
/* The namespace: entries sorted by path; put/del keep inode link counts. */
size_t disk_ns_lower_bound(const struct ns *ns, const char *path);
struct inode *disk_ns_get(const struct ns *ns, const char *path);
void disk_ns_put(struct ns *ns, const char *path, struct inode *ino);
void disk_ns_del_at(struct ns *ns, size_t i);
void disk_ns_clear(struct ns *ns);
void disk_ns_copy(struct ns *dst, const struct ns *src);
size_t disk_ns_children_start(const struct ns *ns, const char *dir, char *prefix,
				size_t prefix_size);
/* Absolute, no empty, "." or ".." component, no trailing slash. */
bool disk_path_valid(const char *path);
bool disk_path_below(const char *path, const char *dir);

#endif
