/*
 * kc_admin — the topic creation an operator (or kafka-topics.sh) does before
 * a workload starts, and the leader elections an operator asks for later: a
 * client node that sends CreateTopics to any broker until every topic it was
 * given exists, as AdminClient.createTopics with
 * retries would. TOPIC_ALREADY_EXISTS counts as done; other errors (no
 * ZooKeeper session yet, fewer live brokers than the replication factor)
 * are retried every retry_backoff_ns.
 *
 * Ownership: the config (and every string and array it points at) is the
 * caller's and must outlive the node; the node lives in its heap.
 */
#ifndef KSIM_KC_ADMIN_H
#define KSIM_KC_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/client/kc_cluster.h"
#include "sim/env.h"

struct kc_admin_topic {
	const char *name;
	int32_t partitions;
	int16_t replication_factor;
	const char *const *config_keys;   /* topic configs, Kafka key names */
	const char *const *config_values;
	int32_t config_count;
};

struct kc_admin_config {
	struct kc_cluster_config cluster;
	const struct kc_admin_topic *topics;
	size_t n_topics;
	int64_t retry_backoff_ns; /* between attempts (200 ms) */
};

void kc_admin_config_default(struct kc_admin_config *c);

/* The node class's start function; config is a struct kc_admin_config. */
void *kc_admin_start(struct env *env, const void *config);
struct kc_admin;
/*
 * An operator's leader election (kafka-leader-election.sh, KIP-460):
 * ElectLeaders for topic-partition, preferred or unclean, sent to the
 * controller (from the metadata) once the topics exist; NOT_CONTROLLER or a
 * lost connection refreshes the metadata and sends it again. Elections go
 * one at a time, in order; the outcome is told as an "election" event.
 * `topic` is copied.
 */
void kc_admin_elect(struct kc_admin *a, const char *topic, int32_t partition, bool unclean);
/* Whether every topic has been created (or found to exist). */
bool kc_admin_done(const struct kc_admin *a);

#endif
