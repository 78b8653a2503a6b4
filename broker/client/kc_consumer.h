/*
 * kc_consumer — the simulated Kafka consumer with manual assignment, as the
 * Java KafkaConsumer's Fetcher does it: one Fetch v11 in flight per leader
 * broker, carrying every assigned partition that broker leads, each from
 * the partition's position; records handed over in offset order; positions
 * without an offset reset through ListOffsets v2 by auto.offset.reset
 * (earliest or latest); leadership errors refresh metadata, and
 * OFFSET_OUT_OF_RANGE resets the position. After a leader change a position
 * is validated with OffsetsForLeaderEpoch before the next fetch (KIP-320):
 * a truncation below it moves it back to where the log now diverges.
 *
 * Every fetch answer that carries records for a partition becomes one
 * `poll` report (the harness records it as a poll operation), with the high
 * watermark the broker told along with it.
 *
 * With a group.id, kc_consumer_subscribe() makes the consumer a member of
 * that consumer group (kc_group: eager rebalances, the range assignor): each
 * assigned partition starts at the group's committed offset, or by
 * auto.offset.reset without one, and positions are committed as the commit
 * mode says (docs/clients.md). Without a group.id, manual assignment.
 *
 * Ownership: the consumer lives in the node's heap; records passed to the
 * callback are valid only during the call.
 */
#ifndef KSIM_KC_CONSUMER_H
#define KSIM_KC_CONSUMER_H

#include <stdint.h>

#include "broker/client/kc_cluster.h"

/* When a group member commits its positions (OffsetCommit). */
enum kc_commit_mode {
	KC_COMMIT_AFTER_PROCESS = 0, /* after the poll callback returned: at least once */
	KC_COMMIT_BEFORE_PROCESS,    /* records held until a commit past them is acknowledged:
				      * at most once */
	KC_COMMIT_NONE,              /* never (a restart starts from auto.offset.reset) */
};

struct kc_consumer_config {
	struct kc_cluster_config cluster;
	int64_t fetch_max_wait_ns;         /* fetch.max.wait.ms (500) */
	int32_t fetch_min_bytes;           /* fetch.min.bytes (1) */
	int32_t fetch_max_bytes;           /* fetch.max.bytes (50 MiB) */
	int32_t max_partition_fetch_bytes; /* max.partition.fetch.bytes (1 MiB) */
	bool reset_earliest;               /* auto.offset.reset: earliest (else latest) */
	int8_t isolation_level;            /* 0 read_uncommitted, 1 read_committed */
	bool validate_positions;           /* KIP-320 (2.3+): after a leader change, find
					    * a truncation with OffsetsForLeaderEpoch (true) */
	/* Consumer groups (kc_consumer_subscribe). */
	const char *group_id;              /* group.id; NULL: manual assignment only */
	int64_t session_timeout_ns;        /* session.timeout.ms (45 s) */
	int64_t heartbeat_interval_ns;     /* heartbeat.interval.ms (3 s) */
	int64_t rebalance_timeout_ns;      /* max.poll.interval.ms (300 s) */
	enum kc_commit_mode commit;        /* when positions are committed (after-process) */
};

void kc_consumer_config_default(struct kc_consumer_config *c);

struct kc_record_view {
	int64_t offset;
	const uint8_t *key; /* NULL: null key */
	size_t key_len;
	const uint8_t *value;
	size_t value_len;
};

/* One poll: records of one partition, in offset order, and the high
 * watermark the same answer carried. */
typedef void (*kc_poll_cb)(void *arg, const char *topic, int32_t partition,
			   const struct kc_record_view *recs, size_t n, int64_t high_watermark);

struct kc_consumer;

struct kc_consumer *kc_consumer_new(struct env *env, const struct kc_consumer_config *cfg,
				    kc_poll_cb cb, void *arg);
/* Assigns one partition (position unknown: reset by auto.offset.reset). */
void kc_consumer_assign(struct kc_consumer *c, const char *topic, int32_t partition);
/* Assigns every partition of `topic` once its metadata is known. */
void kc_consumer_assign_all(struct kc_consumer *c, const char *topic);
/*
 * Joins the consumer's group (cfg.group_id must be set) subscribed to
 * `topics` (the strings must outlive the consumer). Call once, instead of
 * the assign calls.
 */
void kc_consumer_subscribe(struct kc_consumer *c, const char *const *topics, size_t n);

/* A group member's partition and offset, as the listener is told them. */
struct kc_consumer_tp {
	const char *topic;
	int32_t partition;
	int64_t offset; /* assign: the start (-1: by auto.offset.reset); commit: the offset */
};

/* What a consumer reports besides polls (assignments and commits only in a
 * group). Arrays are valid only during the call; any function may be NULL. */
struct kc_consumer_listener {
	void *arg;
	/* A new assignment (n may be 0: revoked at a rebalance). */
	void (*assigned)(void *arg, const struct kc_consumer_tp *tps, size_t n, int32_t generation);
	/* A commit's outcome: error KP_ERR_NONE, a Kafka error, or -1 for no
	 * answer (its outcome unknown). */
	void (*committed)(void *arg, const struct kc_consumer_tp *tps, size_t n, int16_t error);
	/* A position set by auto.offset.reset (ListOffsets): the first one of
	 * a partition, or after OFFSET_OUT_OF_RANGE. A seek, for the history's
	 * poll checkers. */
	void (*reset)(void *arg, const struct kc_consumer_tp *tp);
};
void kc_consumer_set_listener(struct kc_consumer *c, const struct kc_consumer_listener *l);

/* Moves an assigned partition's position. */
void kc_consumer_seek(struct kc_consumer *c, const char *topic, int32_t partition,
		      int64_t offset);
/* The next offset to fetch, or -1 when unknown or unassigned. */
int64_t kc_consumer_position(const struct kc_consumer *c, const char *topic,
			     int32_t partition);
void kc_consumer_free(struct kc_consumer *c);

#endif
