/*
 * files — a file backend that replaces the simulated disks: real mode's
 * files under a data directory (real/real_disk.c).
 *
 * With a backend set on the world (sim_world_set_file_backend), every file
 * call of env.h goes to it instead of the node's simulated disk; paths are
 * checked by sim/disk.c first, so both answer bad paths alike. Submitted
 * requests complete through a held node event (sim_node_hold in world.h):
 * the callback fires on the world's thread, never inside the submitting
 * call, and not at all once the node has crashed. Without a backend (every
 * simulated run) the only cost is one test per file call.
 */
#ifndef KSIM_SIM_FILES_H
#define KSIM_SIM_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/env.h"

enum sim_file_op {
	SIM_FILE_WRITE,    /* at `off`, or at the end when `append` */
	SIM_FILE_TRUNCATE, /* to `off` */
	SIM_FILE_FSYNC,
	SIM_FILE_RENAME, /* `from` -> `to` */
	SIM_FILE_UNLINK, /* `from` */
};

struct sim_file_req {
	enum sim_file_op op;
	void *handle; /* the open file, for WRITE, TRUNCATE, FSYNC */
	int64_t off;
	bool append;
	const void *buf; /* copied by submit */
	size_t len;
	const char *from, *to;
	struct env_req *req;
	env_req_cb cb;
};

struct sim_file_backend {
	int (*open)(void *ctx, struct env *env, const char *path, int flags, void **handle);
	void (*close)(void *ctx, void *handle);
	int64_t (*size)(void *ctx, const void *handle);
	int64_t (*read)(void *ctx, void *handle, int64_t off, void *buf, size_t len);
	int (*submit)(void *ctx, struct env *env, const struct sim_file_req *r);
	/* mkdir; with `parents`, missing parents too and present is no error. */
	int (*mkdir)(void *ctx, struct env *env, const char *path, bool parents);
	int (*list_dir)(void *ctx, struct env *env, const char *path,
	                void (*each)(void *arg, const char *name, bool is_dir), void *arg);
	bool (*exists)(void *ctx, struct env *env, const char *path);
	/* The node crashed: its open handles are abandoned (never closed). */
	void (*node_crashed)(void *ctx, const char *node);
};

#endif
