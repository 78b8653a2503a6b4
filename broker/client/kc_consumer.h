/*
 * kc_consumer — the simulated Kafka consumer with manual assignment, as the
 * Java KafkaConsumer's Fetcher does it: one Fetch v11 in flight per leader
 * broker, carrying every assigned partition that broker leads, each from
 * the partition's position; records handed over in offset order; positions
 * without an offset reset through ListOffsets v2 by auto.offset.reset
 * (earliest or latest); leadership errors refresh metadata, and
 * OFFSET_OUT_OF_RANGE resets the position.
 *
 * Every fetch answer that carries records for a partition becomes one
 * `poll` report (the harness records it as a poll operation), with the high
 * watermark the broker told along with it. Consumer groups and offset
 * commits are not modelled yet (docs/clients.md).
 *
 * Ownership: the consumer lives in the node's heap; records passed to the
 * callback are valid only during the call.
 */
#ifndef KSIM_KC_CONSUMER_H
#define KSIM_KC_CONSUMER_H

#include <stdint.h>

#include "broker/client/kc_cluster.h"

struct kc_consumer_config {
	struct kc_cluster_config cluster;
	int64_t fetch_max_wait_ns;         /* fetch.max.wait.ms (500) */
	int32_t fetch_min_bytes;           /* fetch.min.bytes (1) */
	int32_t fetch_max_bytes;           /* fetch.max.bytes (50 MiB) */
	int32_t max_partition_fetch_bytes; /* max.partition.fetch.bytes (1 MiB) */
	bool reset_earliest;               /* auto.offset.reset: earliest (else latest) */
	int8_t isolation_level;            /* 0 read_uncommitted, 1 read_committed */
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
/* Moves an assigned partition's position. */
void kc_consumer_seek(struct kc_consumer *c, const char *topic, int32_t partition,
		      int64_t offset);
/* The next offset to fetch, or -1 when unknown or unassigned. */
int64_t kc_consumer_position(const struct kc_consumer *c, const char *topic,
			     int32_t partition);
void kc_consumer_free(struct kc_consumer *c);

#endif
