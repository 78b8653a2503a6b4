/*
 * brk_broker — a Kafka broker node: the front door (brk_front), the
 * partitions it hosts (each a partition log, broker/log), and the request
 * handlers for Metadata, Produce, Fetch, ListOffsets and InitProducerId.
 *
 * As in Kafka, a broker hosts only the partitions the controller names
 * for it (LeaderAndIsr, brk_controlled.c), as leader or follower; it runs a
 * controller itself (broker/ctl), active on one broker at a time.
 * Replication (followers, ISR, high watermark, acks=all, truncation) is in
 * brk_leader.c, brk_fetcher.c and brk_isr.c (docs/replication.md).
 * Partition logs found on disk at start are recovered (opened) but not
 * served until the controller says what to do with them.
 *
 * Ownership: everything lives in the node's heap; the config is the
 * harness's and must outlive the node.
 */
#ifndef KSIM_BRK_BROKER_H
#define KSIM_BRK_BROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/kafka/brk_config.h"
#include "sim/env.h"

struct brk_broker;

/* The node class's start function; config is a struct brk_config. */
void *brk_start(struct env *env, const void *config);

/*
 * For tests of one broker without a controller: makes this broker the sole
 * replica and leader of topic-partition at `leader_epoch` (creating the log
 * when new). The partition serves once its log is open. Returns 0, or -1
 * when the epoch is older than the one it has.
 */
int brk_become_leader(struct brk_broker *b, const char *topic, int32_t partition,
		      int32_t leader_epoch);

/*
 * For tests without a controller: what UpdateMetadata does, replacing the
 * broker's metadata cache (live brokers, every partition's leader), from
 * which Metadata requests are answered. Until the first update, a broker
 * answers with itself and the partitions it hosts.
 */
struct brk_meta_broker;
struct brk_meta_partition;
void brk_update_metadata(struct brk_broker *b, int32_t controller_id,
			 const struct brk_meta_broker *brokers, size_t n_brokers,
			 const struct brk_meta_partition *parts, size_t n_parts);

/* Introspection for the harness and tests; -1 when not hosted. */
/*
 * Controlled shutdown, as on SIGTERM (brk_shutdown.c): ControlledShutdown to
 * the controller (retried), then the logs are flushed, the clean-shutdown
 * marker written, the ZooKeeper session closed, and the node exits
 * (env_exit). A second call does nothing.
 */
void brk_shutdown(struct brk_broker *b);
/* Whether a controlled shutdown is under way. */
bool brk_shutting_down(const struct brk_broker *b);

int64_t brk_high_watermark(const struct brk_broker *b, const char *topic, int32_t partition);
int64_t brk_log_end_offset(const struct brk_broker *b, const char *topic, int32_t partition);
/*
 * Walks the partition's log from its start to its log end offset, calling
 * each(arg, offset, value, len) per record (for the harness, which captures
 * every replica's log after a run). Returns the records walked, or -1 when
 * the partition is not hosted or its log is not open.
 */
int64_t brk_log_records(struct brk_broker *b, const char *topic, int32_t partition,
			void (*each)(void *arg, int64_t offset, const uint8_t *value, size_t len),
			void *arg);

/* One replica as the harness samples it (for plots, quiesce and role
 * targets). */
#define BRK_VIEW_MAX_ISR 16
struct brk_replica_view {
	bool open;            /* hosted, and its log is open */
	bool leader;          /* this broker leads the partition */
	int32_t leader_id;    /* the leader it knows of (-1 none) */
	int32_t leader_epoch;
	int64_t leo;          /* log end offset */
	int64_t hw;           /* high watermark */
	int32_t isr[BRK_VIEW_MAX_ISR]; /* the leader's ISR (leader only) */
	int32_t n_isr;
};
/* Fills *out and returns true when the broker hosts the partition. */
bool brk_replica_view(const struct brk_broker *b, const char *topic, int32_t partition,
		      struct brk_replica_view *out);

/* Whether this broker is the active controller now, and its controller
 * epoch (-1 when not active). */
bool brk_is_controller(const struct brk_broker *b);
int32_t brk_controller_epoch(const struct brk_broker *b);

/* Whether the broker is registered in ZooKeeper (/brokers/ids/<id>). */
bool brk_registered(const struct brk_broker *b);

/* Partitions hosted (leader or not), and recovered logs found at start. */
size_t brk_partition_count(const struct brk_broker *b);

#endif
