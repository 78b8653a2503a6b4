/*
 * internal — the structures sim/ modules share among themselves.
 *
 * Only files in sim/ include this. It defines the simulator's `struct env`
 * (one per node incarnation: its heap, random stream, listeners) and the
 * node and world records, and the hooks through which the world tells the
 * network and the disk about crashes.
 */
#ifndef KSIM_SIM_INTERNAL_H
#define KSIM_SIM_INTERNAL_H

#include <stdio.h>

#include "sim/world.h"

#include "sim/blocks.h"

struct env {
	struct sim_world *w;
	struct sim_node *node;
	uint32_t incarnation;
	struct sim_rng rng;
	struct env_block heap; /* sentinel of the block list */
	size_t live_blocks;
	size_t live_bytes;
};

struct sim_node {
	uint32_t id;
	char *name;
	const struct sim_node_class *cls;
	const void *config;
	enum sim_node_status status;
	uint32_t incarnation;
	struct env *env; /* NULL unless UP or PAUSED */
	void *state;
	struct sim_disk *disk;
	struct sim_clock clock;
	/* Events of this node popped while it was paused, in firing order. */
	struct sim_event *parked_head;
	struct sim_event *parked_tail;
};

struct sim_world {
	struct sim_world_config config;
	struct sim_sched sched;
	struct sim_block_cache blocks;
	struct sim_trace trace;
	struct sim_rng rng;
	struct sim_node **nodes; /* index = id - 1 */
	uint32_t n_nodes;
	struct sim_net *net;
	FILE *log_out;
	enum env_log_level log_min;
	sim_story_fn *event_fn;
	void *event_ctx;
	sim_frame_fn *frame_fn;
	void *frame_ctx;
	struct sim_coverage *coverage; /* NULL: marks are not counted */
	bool in_event; /* inside the run loop (for sanity checks) */
	const struct sim_file_backend *files; /* NULL: the simulated disks */
	void *files_ctx;
};

static inline struct sim_node *sim_node_get(const struct sim_world *w, uint32_t id)
{
	return id >= 1 && id <= w->n_nodes ? w->nodes[id - 1] : NULL;
}

/* True when events of `node` at `incarnation` may still fire or wait. */
static inline bool sim_node_alive(const struct sim_node *n, uint32_t incarnation)
{
	return n->incarnation == incarnation &&
	       (n->status == SIM_NODE_UP || n->status == SIM_NODE_PAUSED);
}

/* Schedules a node event: it fires only while that incarnation lives, waits
 * while the node is paused, and is discarded (through `discard`, when set)
 * once the node has crashed. */
struct sim_event *sim_node_event(struct env *env, int64_t delay_ns, sim_event_fn fire,
				 sim_event_fn discard, void *a, void *b, int64_t arg);
/* Schedules a world event (always fires). */
struct sim_event *sim_world_event(struct sim_world *w, int64_t delay_ns, sim_event_fn fire,
				  void *a, void *b, int64_t arg);

void sim_trace_node(struct sim_world *w, enum sim_trace_kind kind, uint32_t node,
		    uint32_t peer, uint64_t size);

/* The hook from the lifecycle into the network (net.c): a crash. */
void sim_net_node_crashed(struct sim_net *net, uint32_t node, bool send_reset);

#endif
