/*
 * serve_extzk — `ksim serve --zookeeper HOST:PORT[,...]`: the brokers use
 * an external ZooKeeper ensemble instead of the scenario's simulated
 * servers (docs/real-mode.md).
 *
 * Each external server becomes a node of the world, zk-ext-N, bridged by
 * real/real_outbound onto real TCP connections to HOST:PORT; the brokers'
 * zookeeper.connect names those nodes, so broker code connects as it does
 * in a simulated run. The scenario's own ZooKeeper servers are built but
 * never started, and faults aimed at them are refused at load time.
 *
 * Ownership: the extzk owns its bridges (freed by serve_extzk_free, before
 * the world) and a copy of the list as given.
 */
#ifndef KSIM_CLI_SERVE_EXTZK_H
#define KSIM_CLI_SERVE_EXTZK_H

#include <netinet/in.h>

#include "harness/run_impl.h"
#include "real/real_loop.h"
#include "real/real_outbound.h"

#define SERVE_EXTZK_MAX 8 /* as zookeeper.connect's servers (BRK_MAX_ZK) */

struct serve_extzk {
	char *spec; /* the list as given, for zookeeper.connect= */
	int n;
	struct sockaddr_in addr[SERVE_EXTZK_MAX];
	struct real_outbound *bridge[SERVE_EXTZK_MAX];
};

/* Parses and resolves "HOST:PORT[,HOST:PORT...]" (IPv4). 0, or 2 with a
 * message on stderr. */
int serve_extzk_parse(struct serve_extzk *x, const char *spec);
/* 2 with a message when a fault or the nemesis aims at the scenario's
 * ZooKeeper servers, which do not run; else 0. */
int serve_extzk_refuse(const struct serve_extzk *x, const struct scn_scenario *s, const char *path);
/* Points every broker's zookeeper.connect at the bridges (before start). */
void serve_extzk_configure(const struct serve_extzk *x, struct run *r);
/* Adds and starts the zk-ext-N nodes. */
void serve_extzk_start(struct serve_extzk *x, struct run *r, struct real_loop *l);
void serve_extzk_free(struct serve_extzk *x);

#endif
