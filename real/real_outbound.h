/*
 * real_outbound — the back door of real mode: a node of the world that
 * stands for an external server (a ZooKeeper server of a real ensemble,
 * `ksim serve --zookeeper`) and bridges each connection node code opens to
 * it onto a real outbound TCP connection.
 *
 * The node listens on a port inside the world; every connection a node
 * opens to it (env_connect(env, "zk-ext-1", 2181, ...)) gets its own real
 * socket to the external host:port. Frames the node sends leave with the
 * 4-byte big-endian length prefix added; what the server sends is split
 * at its prefixes into whole frames. Node code is unchanged: it connects
 * to a node name as in a simulated run, and because the external server is
 * a node of the world, the world's partitions and delays reach its links.
 *
 * Closing follows TCP's: the node's close flushes, then closes the socket;
 * the server's close (or a failed connect, or an oversized frame) closes
 * the world connection, which the node sees as the end of its connection.
 *
 * Ownership: the outbound owns its sockets and buffers (plain malloc: the
 * node is never killed); the loop must outlive it. Free it before the
 * world.
 */
#ifndef KSIM_REAL_OUTBOUND_H
#define KSIM_REAL_OUTBOUND_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "real/real_loop.h"
#include "sim/env.h"

struct real_outbound;

/* A bridge to `to`, served inside the world on `world_port`. */
struct real_outbound *real_outbound_new(struct real_loop *l, const struct sockaddr_in *to,
                                        uint16_t world_port, size_t max_frame_bytes);
/* Closes every socket and world connection. */
void real_outbound_free(struct real_outbound *o);

/* The node's start function (struct sim_node_class.start), with the
 * outbound as its config: it listens on its world port from then on. */
void *real_outbound_node_start(struct env *env, const void *config);

/* Open bridged connections (for tests). */
size_t real_outbound_conns(const struct real_outbound *o);

#endif
