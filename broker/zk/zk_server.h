/*
 * zk_server — one server of a replicated ZooKeeper ensemble, as a node
 * program over sim/env.h: FastLeaderElection-like voting, Zab's discovery,
 * synchronisation (DIFF, TRUNC, SNAP) and broadcast with quorum commit, a
 * CRC-checked transaction log and snapshots on the node's disk, sessions
 * with expiry tracked by the leader, and ZooKeeper's client protocol (jute)
 * on the client port. docs/zookeeper.md describes the design and every
 * deviation from Apache ZooKeeper 3.8.
 *
 * Ownership: the config (and the strings and observer it points to) is the
 * caller's and must outlive every incarnation of the node. The server's
 * state is allocated with env_alloc, so a crash frees it; a restart recovers
 * from the disk. The inspection functions below are for the harness and its
 * checkers; they only read.
 */
#ifndef KSIM_ZK_SERVER_H
#define KSIM_ZK_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "broker/zk/zk_tree.h"
#include "sim/env.h"

#define ZK_MAX_SERVERS 9

/*
 * Callbacks into the harness (all optional; `ctx` is passed back). They let
 * a checker see every incarnation's history even though a crash frees the
 * server's memory:
 * - on_apply: `server` applied the committed txn `zxid` (digest `hash` of
 *   its bytes and time) right after `prev_zxid`.
 * - on_reset: the server's tree now stands at `zxid` without applying txns
 *   one by one (recovery from its snapshot, or a SNAP from its leader).
 * - on_established: `server` became the established leader of `epoch`.
 */
struct zk_server_observer {
	void *ctx;
	void (*on_apply)(void *ctx, int32_t server, int64_t prev_zxid, int64_t zxid,
			 uint64_t hash);
	void (*on_reset)(void *ctx, int32_t server, int64_t zxid);
	void (*on_established)(void *ctx, int32_t server, int64_t epoch);
};

/* One member of the ensemble: ZooKeeper's server.N=host:... line. */
struct zk_server_member {
	int32_t id;	  /* myid, 1..255 */
	const char *host; /* node name */
};

/*
 * The configuration, with ZooKeeper's key names (zoo.cfg) in comments.
 * Times are milliseconds, as in zoo.cfg.
 */
struct zk_server_config {
	int32_t my_id;
	int32_t tick_time_ms;		/* tickTime, default 2000 */
	int32_t init_limit;		/* initLimit (ticks), default 10 */
	int32_t sync_limit;		/* syncLimit (ticks), default 5 */
	int32_t min_session_timeout_ms; /* minSessionTimeout; 0: 2 * tickTime */
	int32_t max_session_timeout_ms; /* maxSessionTimeout; 0: 20 * tickTime */
	int32_t snap_count;		/* snapCount, default 100000 */
	uint16_t client_port;		/* clientPort, default 2181 */
	uint16_t quorum_port;		/* server.N=host:2888:3888, first port */
	uint16_t election_port;		/* second port */
	const char *data_dir;		/* dataDir, default "/zk" */
	int32_t n_members;
	struct zk_server_member members[ZK_MAX_SERVERS];
	const struct zk_server_observer *observer;
};

/* Fills the defaults above; the caller then sets my_id and the members. */
void zk_server_config_default(struct zk_server_config *c);

struct zk_server;

/*
 * Starts an incarnation (the sim_node_class start function has this shape):
 * recovers from snapshot + log under data_dir, listens on the three ports
 * and begins an election. `config` is a `struct zk_server_config`. Never
 * fails; a disk error later stops the server from taking part (it logs why).
 */
void *zk_server_start(struct env *env, const void *config);

enum zk_server_role { ZK_ROLE_LOOKING, ZK_ROLE_FOLLOWING, ZK_ROLE_LEADING };

enum zk_server_role zk_server_role(const struct zk_server *s);
/* True when the server serves clients: an established leader, or a
 * follower that its leader declared up to date. */
bool zk_server_serving(const struct zk_server *s);
int64_t zk_server_current_epoch(const struct zk_server *s);
/* The zxid of the last committed txn applied to the tree. */
int64_t zk_server_committed_zxid(const struct zk_server *s);
/* The zxid of the last txn in the log (committed or not). */
int64_t zk_server_last_zxid(const struct zk_server *s);
/* zk_tree_digest of the committed tree. */
uint64_t zk_server_digest(const struct zk_server *s);
/* Whether the session is live in the replicated session table. */
bool zk_server_has_session(const struct zk_server *s, int64_t session);
/* Ephemerals the session owns in this server's tree. */
int32_t zk_server_ephemeral_count(const struct zk_server *s, int64_t session);
/* Total ephemerals whose owner is not a live session (0 once converged). */
int32_t zk_server_orphan_ephemerals(const struct zk_server *s);
/* Whether a znode exists (a read without watch). */
bool zk_server_exists(struct zk_server *s, const char *path);
/* Client connections open on this server. */
int32_t zk_server_client_count(const struct zk_server *s);

/* The digest zk_server reports for a txn: FNV-1a 64 over zxid, time and
 * the encoded txn. */
uint64_t zk_server_txn_hash(int64_t zxid, int64_t time_ms, const uint8_t *txn, size_t len);

#endif
