/*
 * world — the simulated world: nodes, their lifecycle, and the run loop.
 *
 * The world owns the scheduler, the network, every node's disk and clock,
 * and each node's current `struct env` (its heap, random stream and
 * handles). The harness (and tests) drive it: add nodes, start them, run
 * virtual time, and inject crashes, pauses and power loss. Node code never
 * includes this header; it sees only sim/env.h.
 *
 * Crash semantics, exactly:
 * - kill: the process dies. Its memory is freed, its timers and pending
 *   file requests are dropped without callbacks, its page cache survives
 *   (the kernel is still up), and its peers' connections are reset at once
 *   (they see ENV_ECONNRESET after one link latency).
 * - power loss: as kill, plus the disk loses what is not durable (the last
 *   unsynced write may be torn), and peers hear nothing: frames they send
 *   vanish until they time out, or are reset once the node is back.
 * - pause: nothing of the node runs; its timers, file completions and
 *   incoming frames wait. On resume, everything that came due fires at
 *   once, in order: the node sees time jump.
 * - exit: the node's own env_exit (a clean shutdown that finished): as
 *   kill, but the status is "stopped"; its files were flushed by the node.
 * - restart: a stopped node starts again from its disk, with a new heap and
 *   a new random stream.
 */
#ifndef KSIM_SIM_WORLD_H
#define KSIM_SIM_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/clock.h"
#include "sim/disk.h"
#include "sim/files.h"
#include "sim/env.h"
#include "sim/net.h"
#include "sim/rng.h"
#include "sim/sched.h"
#include "sim/trace.h"

struct sim_world;

/* What a kind of node is: how to start it. */
struct sim_node_class {
	const char *role; /* "zookeeper", "broker", "client", ... */
	/*
	 * Starts one incarnation: recover from disk, listen, connect, set
	 * timers. Returns the node's state (allocated with env_alloc), which
	 * the harness may inspect through sim_node_state(). Called from the
	 * run loop, never from inside another node's callback.
	 */
	void *(*start)(struct env *env, const void *config);
};

enum sim_node_status {
	SIM_NODE_STOPPED,     /* never started, or stopped cleanly */
	SIM_NODE_UP,
	SIM_NODE_PAUSED,
	SIM_NODE_KILLED,      /* process dead, machine up */
	SIM_NODE_POWERED_OFF, /* machine down */
};

struct sim_world_config {
	uint64_t seed;
	struct sim_net_config net;
	struct sim_disk_config disk;
	/* Wall-clock time at virtual time 0, ns since the Unix epoch. */
	int64_t wall_epoch_ns;
};

/* Fills `c` with the defaults (1..3 ms links, 30 s writeback, ...). */
void sim_world_config_default(struct sim_world_config *c, uint64_t seed);

struct sim_world *sim_world_new(const struct sim_world_config *config);
/* Frees the world and everything in it, nodes' memory included. */
void sim_world_free(struct sim_world *w);

/* Adds a node (stopped). `name` is copied; `config` must outlive the world.
 * Returns the node id (1, 2, ...: ids are dense and in order of adding). */
uint32_t sim_node_add(struct sim_world *w, const char *name,
		      const struct sim_node_class *cls, const void *config);
uint32_t sim_node_count(const struct sim_world *w);
/* Node id by name, 0 when unknown. */
uint32_t sim_node_find(const struct sim_world *w, const char *name);
const char *sim_node_name(const struct sim_world *w, uint32_t id);
const char *sim_node_role(const struct sim_world *w, uint32_t id);
enum sim_node_status sim_node_status(const struct sim_world *w, uint32_t id);
const char *sim_node_status_name(enum sim_node_status status);
/* The running incarnation's state (from start), or NULL when not running
 * (a paused node's state is still returned). */
void *sim_node_state(const struct sim_world *w, uint32_t id);
/* How many times the node has been started. */
uint32_t sim_node_incarnation(const struct sim_world *w, uint32_t id);
/* Live allocations of the node's current heap (0 when down). */
size_t sim_node_live_allocs(const struct sim_world *w, uint32_t id);

/* Lifecycle (see the crash semantics above). Each is a no-op when the node
 * is not in a state it applies to, and returns whether it acted. */
bool sim_node_start(struct sim_world *w, uint32_t id);
bool sim_node_kill(struct sim_world *w, uint32_t id);
bool sim_node_power_loss(struct sim_world *w, uint32_t id);
bool sim_node_pause(struct sim_world *w, uint32_t id);
bool sim_node_resume(struct sim_world *w, uint32_t id);
/* Exits a running node cleanly (what the node's env_exit asks for; for
 * tests): as kill, but its status becomes stopped. */
bool sim_node_stop(struct sim_world *w, uint32_t id);
/* Starts a stopped node; kills and starts a running one. */
bool sim_node_restart(struct sim_world *w, uint32_t id);

/* Runs events until virtual time `t` (events at exactly t fire), then sets
 * the clock to t. */
void sim_run_until(struct sim_world *w, int64_t t);
void sim_run_for(struct sim_world *w, int64_t duration_ns);
/* Runs until no event is left or `limit_ns` is reached; returns whether it
 * went idle. */
bool sim_run_until_idle(struct sim_world *w, int64_t limit_ns);
/* Time of the next scheduled event, INT64_MAX when none (for real mode's
 * loop, which sleeps until then). */
int64_t sim_next_event_time(const struct sim_world *w);
/* Fires one event; false when the queue is empty. */
bool sim_step(struct sim_world *w);

int64_t sim_now(const struct sim_world *w);
uint64_t sim_trace_hash(const struct sim_world *w);
uint64_t sim_events_fired(const struct sim_world *w);
/* Attaches (or with NULL detaches) a text trace; the FILE stays the caller's. */
void sim_world_set_trace_file(struct sim_world *w, FILE *out);
/* Lines logged by nodes go here (default: nowhere). Not part of the hash. */
void sim_world_set_log(struct sim_world *w, FILE *out, enum env_log_level min_level);
/* Counts every env_mark of every node into `cov` (NULL: stop counting); the
 * table stays the caller's and must outlive the world or be detached. */
struct sim_coverage;
void sim_world_set_coverage(struct sim_world *w, struct sim_coverage *cov);
/* Receives every env_event of every node (default: none). */
typedef void sim_story_fn(void *ctx, int64_t time_ns, const char *node, const char *kind,
			  const char *text);
void sim_world_set_event_sink(struct sim_world *w, sim_story_fn *fn, void *ctx);
/*
 * Receives every frame the network delivers, at its delivery, just before
 * the receiver's on_frame (default: none; unset, it costs one test per
 * frame). `conn` identifies the connection (ids are never reused in a run),
 * `from_client` says whether the sender is the end that connected, `port`
 * is the port it connected to; `frame` (the payload, without a length
 * prefix) is valid only during the call. For reports (sequence diagrams);
 * the sink must not act on the world, and it is not part of the trace hash.
 */
typedef void sim_frame_fn(void *ctx, int64_t time_ns, const char *from, const char *to,
			  uint64_t conn, bool from_client, uint16_t port, const uint8_t *frame,
			  size_t len);
void sim_world_set_frame_sink(struct sim_world *w, sim_frame_fn *fn, void *ctx);
/* Folds a harness note (a fault, a phase) into the trace. */
void sim_world_note(struct sim_world *w, uint32_t node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Calls fn(w, arg) from the run loop `delay_ns` from now (a world event,
 * for the harness: faults, checks, workload phases). */
void sim_world_at(struct sim_world *w, int64_t delay_ns,
		  void (*fn)(struct sim_world *w, void *arg), void *arg);

/* The world's own random stream (fault choices), derived from the seed. */
struct sim_rng *sim_world_rng(struct sim_world *w);
uint64_t sim_world_seed(const struct sim_world *w);

/* Replaces every node's simulated disk by `fb` (real mode's files); set it
 * before any node starts. The backend and ctx must outlive the world. */
void sim_world_set_file_backend(struct sim_world *w, const struct sim_file_backend *fb,
				void *ctx);
/*
 * A node event that waits until released (for work done outside the
 * world: real mode's file worker). Released, it fires at the world's
 * current time, as a node event (parked while the node is paused,
 * discarded through `discard` once the node has crashed).
 */
struct sim_event *sim_node_hold(struct env *env, sim_event_fn fire, sim_event_fn discard,
				void *a);
void sim_event_release(struct sim_world *w, struct sim_event *ev);

/* Per-node components, for the harness and fault injection. */
struct sim_disk *sim_node_disk(struct sim_world *w, uint32_t id);
struct sim_clock *sim_node_clock(struct sim_world *w, uint32_t id);
struct sim_net *sim_world_net(struct sim_world *w);

#endif
