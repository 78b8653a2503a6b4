/*
 * kc_cluster — a client's view of the cluster: which brokers exist, which
 * one leads each partition, and one connection per broker. Producers and
 * consumers share this layer, as Kafka's clients share Metadata and
 * NetworkClient.
 *
 * Metadata comes from Metadata v4 requests sent to any connected broker (or
 * to the bootstrap list while none is known), refreshed on demand (after an
 * error such as NOT_LEADER_OR_FOLLOWER, at most once per retry.backoff.ms)
 * and every metadata.max.age.ms. Connections are opened on demand; a broker
 * whose connection failed is not retried for reconnect.backoff.ms.
 *
 * Ownership: everything lives in the node's heap and belongs to the cluster
 * object until kc_cluster_free(). The `changed` callback fires (never inside
 * a call into this module) whenever metadata or a connection's readiness
 * changed, so that the owner can retry what it was waiting on.
 */
#ifndef KSIM_KC_CLUSTER_H
#define KSIM_KC_CLUSTER_H

#include <stdint.h>

#include "broker/client/kc_conn.h"

#define KC_MAX_BOOTSTRAP 8

struct kc_cluster_config {
	const char *bootstrap[KC_MAX_BOOTSTRAP]; /* node names; must outlive the cluster */
	int n_bootstrap;
	uint16_t port;
	struct kc_conn_config conn;
	int64_t retry_backoff_ns;     /* retry.backoff.ms (100) */
	int64_t reconnect_backoff_ns; /* reconnect.backoff.ms (50) */
	int64_t metadata_max_age_ns;  /* metadata.max.age.ms (300 s) */
};

void kc_cluster_config_default(struct kc_cluster_config *c);

struct kc_cluster;
typedef void (*kc_changed_cb)(void *arg);

struct kc_cluster *kc_cluster_new(struct env *env, const struct kc_cluster_config *cfg,
				  kc_changed_cb changed, void *arg);
/* Closes every connection (their pending callbacks are dropped) and frees. */
void kc_cluster_free(struct kc_cluster *c);

/* Adds a topic to those the metadata requests ask for, and refreshes. */
void kc_cluster_want_topic(struct kc_cluster *c, const char *topic);
/* Asks for fresh metadata (coalesced; rate limited by retry.backoff.ms). */
void kc_cluster_refresh(struct kc_cluster *c);
/* Partition count of a topic, or -1 while unknown. */
int32_t kc_cluster_partitions(const struct kc_cluster *c, const char *topic);
/* Leader broker id of a partition, or -1 while unknown or leaderless. */
int32_t kc_cluster_leader(const struct kc_cluster *c, const char *topic, int32_t partition);
/* The ready connection to a broker, or NULL (one is then being opened, or
 * the broker is in its reconnect backoff, or unknown). */
struct kc_conn *kc_cluster_conn(struct kc_cluster *c, int32_t broker_id);
/* Any ready connection (for requests any broker can answer), or NULL. */
struct kc_conn *kc_cluster_any_conn(struct kc_cluster *c);
/* The controller's broker id as the latest metadata said (-1 unknown):
 * where admin requests such as ElectLeaders go. */
int32_t kc_cluster_controller(const struct kc_cluster *c);
/* Metadata responses applied so far. */
uint64_t kc_cluster_metadata_version(const struct kc_cluster *c);

/* A partition's leader remembered for the metadata version it was looked up
 * at, for callers that ask after every answer. Zero-initialise it. */
struct kc_leader_memo {
	int32_t leader;
	uint64_t at; /* metadata version + 1; 0: never looked up */
};
int32_t kc_cluster_leader_memo(const struct kc_cluster *c, const char *topic, int32_t partition,
			       struct kc_leader_memo *m);

#endif
