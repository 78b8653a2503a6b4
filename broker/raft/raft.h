/*
 * raft — Kafka's KRaft controller quorum (KIP-595) as Kafka 3.7's
 * KafkaRaftClient runs it: one replicated log, `__cluster_metadata-0`,
 * kept in the project's partition log (broker/log) on the node's disk, the
 * election state in the `quorum-state` file, and the quorum RPCs (Vote,
 * BeginQuorumEpoch, EndQuorumEpoch, Fetch, DescribeQuorum) in Kafka's own
 * wire format (broker/kp/kp_raft.h) over env connections. docs/kraft.md
 * tells the states, timers and rules.
 *
 * One `struct raft` lives inside a node (a controller, later a broker as an
 * observer). Its owner — the metadata state machine — appends records
 * when this node leads, and hears about committed batches and leader
 * changes through `struct raft_listener`. A harness plugs a
 * `struct raft_observer` (raft_check.h) into every node to check the
 * quorum's invariants across nodes after every change.
 *
 * Ownership: everything lives in the node's heap (env_alloc); the config's
 * strings and arrays are the caller's and must outlive the raft. A crash
 * frees it all without callbacks; a restarted node reads its log and
 * quorum-state back. Node-local invariants (the high watermark never goes
 * back within an epoch, never passes the flushed log end, no truncation
 * below it, the persisted epoch never goes back) are checked after each
 * change and reported through sim/invariant.h.
 */
#ifndef KSIM_RAFT_H
#define KSIM_RAFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/log/record_batch.h"
#include "sim/env.h"

#define RAFT_MAX_VOTERS 16
#define RAFT_PORT 9093 /* the controller listener */

enum raft_role {
	RAFT_UNATTACHED = 0, /* knows an epoch, no leader, has not voted */
	RAFT_VOTED,          /* voted for a candidate in this epoch */
	RAFT_CANDIDATE,      /* asks for votes in this epoch */
	RAFT_LEADER,
	RAFT_FOLLOWER, /* knows the leader of this epoch and fetches */
	RAFT_RESIGNED, /* led this epoch and stepped down */
};

/* The state machine above the log (the metadata layer). */
struct raft_listener {
	void *ctx;
	/* A committed batch of records (never a control batch), in offset
	 * order, once per incarnation; `b` is valid during the call. */
	void (*on_commit)(void *ctx, const struct rb_batch *b);
	/* A new leader (or -1: none known) in `epoch`. */
	void (*on_leader_change)(void *ctx, int32_t leader_id, int32_t epoch);
};

/* Hooks for a cross-node checker (raft_check.h); all optional. */
struct raft_observer {
	void *ctx;
	/* The quorum-state file now durably holds this election. */
	void (*on_persist)(void *ctx, int32_t node, int32_t epoch, int32_t leader, int32_t voted);
	/* This node leads `epoch` (durably) and writes its LeaderChange record
	 * at `start_offset`. */
	void (*on_leader)(void *ctx, int32_t node, int32_t epoch, int64_t start_offset);
	/* This node's high watermark moved (leader: its own computation). */
	void (*on_high_watermark)(void *ctx, int32_t node, int32_t epoch, bool leader, int64_t hw);
	/* A batch below the high watermark, as this node has it. */
	void (*on_committed)(void *ctx, int32_t node, int64_t base_offset, int64_t last_offset,
	                     int32_t epoch, uint32_t crc);
	/* The end of this node's flushed log (after a flush, a truncation, or
	 * recovery on start). */
	void (*on_flushed_end)(void *ctx, int32_t node, int64_t end_offset);
};

struct raft_voter {
	int32_t id;
	const char *host; /* the node's name, "controller-1" */
};

struct raft_config {
	int32_t node_id;                 /* node.id */
	const struct raft_voter *voters; /* controller.quorum.voters */
	int32_t voter_count;
	const char *dir;        /* metadata.log.dir, e.g. "/kraft" */
	const char *cluster_id; /* NULL: none sent */
	uint16_t port;
	/* controller.quorum.* in milliseconds (Kafka 3.7's defaults through
	 * raft_config_default). */
	int32_t election_timeout_ms;     /* 1000 */
	int32_t election_backoff_max_ms; /* 1000 */
	int32_t fetch_timeout_ms;        /* 2000 */
	int32_t request_timeout_ms;      /* 2000 */
	int32_t retry_backoff_ms;        /* 20 */
	int32_t append_linger_ms;        /* 25 */
	int32_t fetch_max_wait_ms;       /* 500, KafkaRaftClient's constant */
	/* KAFKA-15489 (3.7): a leader not fetched by a majority within 1.5 x
	 * the fetch timeout resigns. false gives 3.6's behaviour. */
	bool check_quorum;
	int16_t fetch_version; /* 13..16; 16 as 3.7 */
	struct raft_listener listener;
	const struct raft_observer *observer;
};

void raft_config_default(struct raft_config *c, int32_t node_id, const struct raft_voter *voters,
                         int32_t voter_count);

struct raft;

/* Starts the quorum member: reads quorum-state, opens and recovers the log,
 * listens on cfg->port. Returns the instance at once. */
struct raft *raft_new(struct env *env, const struct raft_config *cfg);
/* Stops it: closes connections and frees memory (a graceful shutdown; a
 * crash needs no call). Log operations still running are abandoned. */
void raft_free(struct raft *r);

/*
 * Appends records (the value bytes of each, keys null) as one batch, as the
 * leader. Returns the offset of the first record (the batch is written after
 * append.linger.ms with whatever else was appended), or -1 when this node
 * is not the leader (Kafka's NotLeaderException).
 */
int64_t raft_append(struct raft *r, const struct rb_bytes *values, size_t n);

enum raft_role raft_role(const struct raft *r);
const char *raft_role_name(enum raft_role role);
int32_t raft_epoch(const struct raft *r);
int32_t raft_leader_id(const struct raft *r);      /* -1 unknown */
int32_t raft_voted_id(const struct raft *r);       /* -1 none */
int64_t raft_high_watermark(const struct raft *r); /* -1 unknown */
int64_t raft_log_end(const struct raft *r);        /* -1 while opening */
int64_t raft_flushed_end(const struct raft *r);
bool raft_is_voter(const struct raft *r);
/* True once the log is open and the node takes part. */
bool raft_ready(const struct raft *r);

#endif
