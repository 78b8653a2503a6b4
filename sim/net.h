/*
 * net — the simulated network: framed, ordered connections between nodes.
 *
 * Each connection behaves like TCP carrying length-prefixed messages: frames
 * arrive whole and in order, after a latency drawn per frame from the link's
 * range (plus any per-node delay), never overtaking one another, and
 * optionally paced by a bandwidth. The network owns every connection and its
 * queued frames; node code holds `struct env_conn` handles (see env.h).
 *
 * Faults, as TCP would show them to the endpoints:
 * - A blocked link (partition, one-way too) stalls: frames wait, nothing is
 *   lost or reordered, and on heal they flow again. Endpoints notice only
 *   through their own timeouts. A connect across a blocked link retries its
 *   SYN (1 s, 2 s, 4 s, ...) until the connect timeout.
 * - A killed node's peers get a reset (ENV_ECONNRESET after one latency);
 *   what was in flight either way is discarded. A reset is a packet: it
 *   waits behind a blocked link like a frame, and until it arrives the
 *   peer knows nothing (its sends succeed; their frames are lost).
 * - A powered-off node vanishes: frames sent to it are dropped silently, and
 *   once it is back up, frames on old connections are answered with a reset.
 * - A paused node's incoming frames wait until it resumes, then all arrive
 *   at the resume instant, in the order they arrived at its machine,
 *   interleaved by due time with its timers and file completions that
 *   came due meanwhile. A SYN to a paused node is lost and retried, as
 *   across a blocked link.
 * - Reset (sim_net_reset_node) aborts every connection of a node, both ends:
 *   the node's own ends hear at once (their sends fail from then on; a
 *   paused node hears when it resumes, whatever the links), the peers one
 *   latency later.
 */
#ifndef KSIM_SIM_NET_H
#define KSIM_SIM_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_world;
struct sim_net;

struct sim_net_config {
	int64_t latency_min_ns;     /* per frame, every link (default 1 ms) */
	int64_t latency_max_ns;     /* (default 3 ms) */
	uint64_t bandwidth_bps;     /* bytes per second per direction; 0: unlimited */
	int64_t connect_timeout_ns; /* default 5 s */
	size_t max_frame_bytes;     /* default 100 MiB, as socket.request.max.bytes */
	size_t backlog_max_bytes;   /* unsent bytes per direction; default 256 MiB */
};

void sim_net_config_default(struct sim_net_config *c);

struct sim_net *sim_net_new(struct sim_world *w, const struct sim_net_config *c);
void sim_net_free(struct sim_net *net);

/* Blocks or opens the one-way link from -> to (node ids). */
void sim_net_block(struct sim_net *net, uint32_t from, uint32_t to);
void sim_net_unblock(struct sim_net *net, uint32_t from, uint32_t to);
bool sim_net_blocked(const struct sim_net *net, uint32_t from, uint32_t to);
/* Cuts every link between nodes of different groups; group_of[id] for ids
 * 1..count (index 0 unused). Links inside a group are left as they are. */
void sim_net_partition(struct sim_net *net, const uint32_t *group_of, uint32_t count);
/* Cuts `node` off from every other node, both ways. */
void sim_net_isolate(struct sim_net *net, uint32_t node);
/* Opens every link. */
void sim_net_heal(struct sim_net *net);
/* Sets the latency range of the one-way link from -> to, replacing the
 * default range (a WAN link, a slow rack); max 0 restores the default. */
void sim_net_set_link_latency(struct sim_net *net, uint32_t from, uint32_t to, int64_t min_ns,
			      int64_t max_ns);
/* Adds latency in [min, max] to every frame to or from `node`. */
void sim_net_set_delay(struct sim_net *net, uint32_t node, int64_t min_ns, int64_t max_ns);
void sim_net_clear_delays(struct sim_net *net);
/* Aborts every connection of `node`: both ends see ENV_ECONNRESET. */
void sim_net_reset_node(struct sim_net *net, uint32_t node);

/*
 * Makes env_connect to `host`:`port` reach `node_port` on `node` (checked
 * before node names). Real mode (real/) uses it so that a broker can
 * advertise the address real clients reach it at ("127.0.0.1:9093") and its
 * peers in the process still reach it through the simulated network.
 */
void sim_net_alias(struct sim_net *net, const char *host, uint16_t port, uint32_t node,
		   uint16_t node_port);

/* Connections not yet fully closed (for tests and leak checks): one
 * counts until both ends are done and nothing in flight refers to it. */
size_t sim_net_conn_count(const struct sim_net *net);
/* Frames delivered so far. */
uint64_t sim_net_frames_delivered(const struct sim_net *net);

#endif
