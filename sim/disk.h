/*
 * disk — one node's simulated disk: a page cache over a durable layer.
 *
 * Files and directories live in a namespace (sorted paths). Every change a
 * node makes lands in the page cache when its request completes; it becomes
 * durable when the file is fsynced, or when background writeback finds it
 * older than `dirty_expire_ns` (Linux's dirty_expire_centisecs, 30 s).
 * Name changes (create, rename, unlink, mkdir) are journaled: durable at the
 * next fsync on the disk or the next writeback pass, as ext4 commits its
 * journal. After a power loss the disk holds exactly the durable state, plus,
 * with probability `torn_write_ppm`, a prefix of the last unsynced write that
 * ends on a sector boundary inside it ("torn": the device wrote whole
 * sectors, in order, and stopped). A kill loses nothing: the page cache
 * belongs to the machine, not the process.
 *
 * The world owns each node's disk; it outlives the node's incarnations.
 * Handles (`struct env_file`) live in the node's heap and die with it.
 *
 * Faults: fsync errors (the failed data is then never written, as Linux
 * does after an fsync error), write errors (EIO), a full disk (ENOSPC for
 * writes that grow it), extra latency, and silent corruption of durable
 * bytes (which reads see, as after the page was evicted and read back).
 */
#ifndef KSIM_SIM_DISK_H
#define KSIM_SIM_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_world;
struct sim_disk;
struct sim_rng;

struct sim_disk_config {
	int64_t write_latency_min_ns;  /* default 0 */
	int64_t write_latency_max_ns;
	int64_t fsync_latency_min_ns;  /* default 2 ms */
	int64_t fsync_latency_max_ns;  /* default 10 ms */
	int64_t dirty_expire_ns;       /* default 30 s; < 0: never write back */
	int64_t writeback_interval_ns; /* default 5 s */
	uint64_t capacity_bytes;       /* 0: unlimited */
	uint32_t torn_write_ppm;       /* default 500000: half of power losses tear */
	uint32_t sector_bytes;         /* default 512 */
};

void sim_disk_config_default(struct sim_disk_config *c);

enum sim_disk_fault {
	SIM_DISK_FSYNC_ERROR, /* every fsync fails with EIO while set */
	SIM_DISK_WRITE_ERROR, /* every write, append and truncate fails with EIO */
	SIM_DISK_FULL,        /* growth fails with ENOSPC (capacity = usage now) */
	SIM_DISK_FAULT__COUNT
};

struct sim_disk *sim_disk_new(struct sim_world *w, uint32_t node,
			      const struct sim_disk_config *c);
void sim_disk_free(struct sim_disk *d);

/* Lifecycle hooks (world.c): the node's process died / its power went. */
void sim_disk_node_crashed(struct sim_disk *d);
void sim_disk_power_loss(struct sim_disk *d);

void sim_disk_set_fault(struct sim_disk *d, enum sim_disk_fault fault, bool on);
bool sim_disk_fault(const struct sim_disk *d, enum sim_disk_fault fault);
/* Adds [min, max] to every write and fsync latency (0, 0 clears). */
void sim_disk_set_slow(struct sim_disk *d, int64_t min_ns, int64_t max_ns);
/* Flips one random bit in each of `count` random durable bytes of `path`
 * (or of random files when NULL). Returns the bytes corrupted. */
int sim_disk_corrupt(struct sim_disk *d, const char *path, uint32_t count);

/* Inspection, for tests and checkers: a file's size and bytes as the page
 * cache or the durable layer holds them; -ENV_ENOENT style negative status
 * when the path is absent there. */
int64_t sim_disk_size(const struct sim_disk *d, const char *path, bool durable);
int64_t sim_disk_read(const struct sim_disk *d, const char *path, bool durable, int64_t off,
		      void *buf, size_t len);
/* Bytes written to the cache but not yet durable. */
uint64_t sim_disk_dirty_bytes(const struct sim_disk *d);
uint64_t sim_disk_fsyncs(const struct sim_disk *d);

#endif
