/*
 * real_disk — real mode's files: each node's disk is a directory,
 * DATA/NODE/, and env.h's file calls become system calls on it, with the
 * simulated disk's completion semantics:
 * - open, read, size, mkdir, listing and exists are answered at once on the
 *   loop's thread (reads and sizes see completed writes only);
 * - write, append, truncate, fsync, rename and unlink go to one worker
 *   thread, in submission order (so requests on one file complete in
 *   order), and their callbacks fire on the loop's thread afterwards,
 *   never inside the submitting call;
 * - a killed node's requests still reach the files (as a dead process's
 *   writes stay in the page cache) but their callbacks are dropped.
 * fsync is fsync(2) of the file, plus syncfs(2) when names changed since
 * the last one, so that name changes are durable with it, as env.h says.
 *
 * Ownership: real_disks owns the worker, its queues and every open
 * descriptor; drain it before freeing the world, free it after.
 */
#ifndef KSIM_REAL_DISK_H
#define KSIM_REAL_DISK_H

#include <stddef.h>

#include "real/real_loop.h"

struct real_disks;

/* Creates DIR when missing and attaches to the loop's world as its file
 * backend. NULL with a message in `err` on failure. */
struct real_disks *real_disks_new(struct real_loop *l, const char *dir, char *err, size_t err_size);
/* Waits for every submitted request to reach the files, and hands their
 * completions to the world. */
void real_disks_drain(struct real_disks *d);
void real_disks_free(struct real_disks *d);

#endif
