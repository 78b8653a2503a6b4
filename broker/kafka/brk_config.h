/*
 * brk_config — a broker's configuration under Kafka's own key names
 * (server.properties). Which keys exist, their types, ranges and defaults
 * (Kafka 3.x's) are the kcfg table's (broker/conf/kcfg.h), which the
 * scenario loader checks files against: a file that validates sets only
 * keys brk_config_set takes. Keys outside the table are not modelled;
 * brk_config_set reports them as BRK_CONFIG_IGNORED and the loader refuses
 * them in scenarios.
 *
 * A plain value; log_dir points at storage the caller keeps alive.
 */
#ifndef KSIM_BRK_CONFIG_H
#define KSIM_BRK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BRK_MAX_ZK 8

struct brk_config {
	int32_t broker_id;                   /* broker.id */
	uint16_t port;                       /* listeners (port only), 9092 */
	/* advertised.listeners' host: what the broker registers in ZooKeeper
	 * and names itself in Metadata; NULL: its node name. Kept alive by the
	 * caller. */
	const char *advertised_host;
	const char *log_dir;                 /* log.dirs, "/data" */
	char zk_servers[BRK_MAX_ZK][32];     /* zookeeper.connect host names */
	int n_zk_servers;
	uint16_t zk_port;                    /* 2181 */
	int64_t zk_session_timeout_ms;       /* zookeeper.session.timeout.ms, 18000 */
	int32_t num_partitions;              /* num.partitions, 1 */
	int16_t default_replication_factor;  /* default.replication.factor, 1 */
	int32_t min_insync_replicas;         /* min.insync.replicas, 1 */
	bool unclean_leader_election;        /* unclean.leader.election.enable, false */
	int64_t replica_lag_time_max_ms;     /* replica.lag.time.max.ms, 30000 */
	int64_t replica_fetch_wait_max_ms;   /* replica.fetch.wait.max.ms, 500 */
	bool auto_leader_rebalance;          /* auto.leader.rebalance.enable, true */
	int64_t leader_imbalance_check_s;    /* leader.imbalance.check.interval.seconds, 300 */
	int32_t leader_imbalance_pct;        /* leader.imbalance.per.broker.percentage, 10 */
	int64_t controller_socket_timeout_ms; /* controller.socket.timeout.ms, 30000 */
	int64_t segment_bytes;               /* log.segment.bytes, 1 GiB */
	int64_t segment_ms;                  /* log.roll.ms, 7 days */
	int64_t retention_ms;                /* log.retention.ms, 7 days */
	int64_t retention_bytes;             /* log.retention.bytes, -1 */
	int64_t flush_interval_messages;     /* log.flush.interval.messages, Long.MAX */
	int64_t flush_interval_ms;           /* log.flush.interval.ms, Long.MAX */
	int64_t index_interval_bytes;        /* log.index.interval.bytes, 4096 */
	int64_t retention_check_ms;          /* 300000; not read (the key
					      * log.retention.check.interval.ms is not modelled) */
	int64_t socket_request_max_bytes;    /* socket.request.max.bytes, 100 MiB */
	int32_t queued_max_requests;         /* queued.max.requests, 500 */
	int32_t offsets_topic_partitions;    /* offsets.topic.num.partitions, 50 */
	int16_t offsets_topic_replication;   /* offsets.topic.replication.factor, 3 */
	int32_t offsets_commit_timeout_ms;   /* offsets.commit.timeout.ms, 5000 */
	int32_t group_min_session_timeout_ms; /* group.min.session.timeout.ms, 6000 */
	int32_t group_max_session_timeout_ms; /* group.max.session.timeout.ms, 1800000 */
	/* inter.broker.protocol.version's truncation rule: 0 KIP-279 (2.0 on,
	 * the default), 1 KIP-101 only (0.11 to 1.1), 2 high watermark (<0.11) */
	int legacy_truncation;
	/* Older releases' partition rules, set by the harness from
	 * cluster.kafka_version (no broker key; docs/kafka-versions.md):
	 * NOT_ENOUGH_REPLICAS_AFTER_APPEND counts the ISR, not the maximal ISR
	 * (before 2.7, KAFKA-8836) ... */
	bool legacy_acks_isr;
	/* ... and a re-elected leader counts every follower as having fetched
	 * just now, in the ISR or not (before 3.3, KAFKA-13790). */
	bool legacy_reelect_fetch;
};

void brk_config_default(struct brk_config *c);
/* The host the broker advertises (advertised_host, or its node name). */
#define BRK_ADVERTISED_HOST(cfg, env) \
	((cfg)->advertised_host ? (cfg)->advertised_host : env_node_name(env))

enum brk_config_status {
	BRK_CONFIG_OK = 0,
	BRK_CONFIG_IGNORED = 1, /* a Kafka key the simulator does not model */
	BRK_CONFIG_EINVAL = -1, /* a modelled key with a bad value */
};

/*
 * Sets `key` from its string form. For log.dirs, `value` must outlive the
 * config (the first directory of the list is used). On BRK_CONFIG_EINVAL,
 * `err` (if not NULL) gets a sentence saying what was expected.
 */
int brk_config_set(struct brk_config *c, const char *key, const char *value, char *err,
		   size_t err_size);

/* True for the broker keys of the kcfg table (the keys brk_config_set models). */
bool brk_config_known(const char *key);

#endif
