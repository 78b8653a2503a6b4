/*
 * real_proxy — the front door of real mode: real TCP listeners whose
 * connections enter the world as connections of one node, `clients`.
 *
 * Each route maps a real port (on the listen address) to a node and a port
 * inside the world (broker-2's 9093, zk-1's 2181). An accepted socket
 * becomes an env connection from the `clients` node to that node: the
 * 4-byte big-endian length prefix is stripped from what the socket sends
 * and added to what the node answers, so node code sees whole frames as it
 * does in a simulated run. Because the clients are one node of the world,
 * the world's faults reach them: a partition or delay involving `clients`
 * holds their frames, a killed broker resets them (the socket is closed),
 * a paused broker leaves them waiting with their sockets open.
 *
 * Robustness, per connection and only for that connection: a frame whose
 * length is negative or over max_frame_bytes closes it; a socket that stops
 * reading while answers pile up past max_backlog_bytes is closed; a client
 * that disconnects mid-request closes its world connection (the node's
 * answer then goes nowhere). Connections past max_conns are closed at
 * accept.
 *
 * Ownership: the proxy owns its listening and accepted sockets and every
 * buffer (plain malloc: the `clients` node is never killed); the routes'
 * strings and the loop must outlive it.
 */
#ifndef KSIM_REAL_PROXY_H
#define KSIM_REAL_PROXY_H

#include <stddef.h>
#include <stdint.h>

#include "real/real_loop.h"
#include "sim/env.h"

struct real_proxy_route {
	uint16_t real_port; /* listened on at the listen address */
	const char *node;   /* the node inside the world */
	uint16_t port;      /* its port there */
};

struct real_proxy_config {
	const char *listen_addr; /* IPv4 address, e.g. "127.0.0.1" */
	const struct real_proxy_route *routes;
	size_t n_routes;
	size_t max_conns;         /* open client connections at once */
	size_t max_frame_bytes;   /* as socket.request.max.bytes */
	size_t max_backlog_bytes; /* unsent answers per connection */
};

void real_proxy_config_default(struct real_proxy_config *c);

struct real_proxy;

/* Binds every route's port (so a port in use fails here, before anything
 * starts). NULL with a message in `err` on failure. */
struct real_proxy *real_proxy_new(struct real_loop *l, const struct real_proxy_config *c, char *err,
                                  size_t err_size);
/* Closes every socket. Call before the world is freed. */
void real_proxy_free(struct real_proxy *p);

/* The `clients` node's start function (struct sim_node_class.start), with
 * the proxy as its config: from then on accepted sockets enter the world. */
void *real_proxy_node_start(struct env *env, const void *config);

/* Open client connections, and those closed for a bad frame (for tests). */
size_t real_proxy_conns(const struct real_proxy *p);
uint64_t real_proxy_bad_frames(const struct real_proxy *p);

#endif
