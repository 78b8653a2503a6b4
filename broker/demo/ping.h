/*
 * ping — the smallest node program: peers that ping each other.
 *
 * It exists to show how node code lives on sim/env.h alone (timers,
 * connections, files, randomness) and to exercise the simulated world in the
 * demo, the determinism tests and the benchmarks. Each node listens on a
 * port, keeps one outbound connection per peer (reconnecting with backoff),
 * sends a ping every interval, answers pings with pongs, and appends a line
 * per pong to /data/pongs.log, fsyncing every `fsync_every` lines.
 *
 * The config is the caller's and must outlive the node; the state is in the
 * node's heap and dies with it.
 */
#ifndef KSIM_PING_H
#define KSIM_PING_H

#include <stdint.h>

#include "sim/env.h"

#define PING_MAX_PEERS 8

struct ping_config {
	uint16_t port;
	const char *peers[PING_MAX_PEERS];
	int n_peers;
	int64_t interval_ns;   /* between pings to each peer */
	int64_t jitter_ns;     /* random extra delay per ping */
	int64_t timeout_ns;    /* no pong for this long: drop the connection */
	uint32_t payload_bytes;
	uint32_t fsync_every;  /* 0: never fsync */
};

struct ping_stats {
	uint64_t pings_sent;
	uint64_t pongs_received;
	uint64_t pings_answered;
	uint64_t connects_ok;
	uint64_t connects_failed;
	uint64_t closed_eof;
	uint64_t closed_reset;
	uint64_t timeouts;
	uint64_t lines_logged;
	uint64_t recovered_lines; /* lines found in the log at start */
};

struct ping_node;

/* The node class for sim_node_add(); config is a `struct ping_config`. */
void *ping_start(struct env *env, const void *config);
const struct ping_stats *ping_stats(const struct ping_node *node);

#endif
