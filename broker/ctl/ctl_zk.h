/*
 * ctl_zk — the controller's ZooKeeper formats and its fenced writes.
 *
 * Kafka's znodes, as Kafka 3.x writes them in ZooKeeper mode:
 *   /controller              {"version":1,"brokerid":2,"timestamp":"1700000000000"}
 *   /controller_epoch        5                      (text)
 *   /brokers/ids/2           {...,"host":"broker-2","port":9092,"version":5}
 *   /brokers/topics/orders   {"version":2,"partitions":{"0":[1,2,3]},
 *                             "adding_replicas":{},"removing_replicas":{}}
 *   /brokers/topics/orders/partitions/0/state
 *                            {"controller_epoch":5,"leader":1,"version":1,
 *                             "leader_epoch":0,"isr":[1,2,3]}
 * Parsers read these with a small bounded JSON scanner: unknown keys are
 * skipped, malformed or oversized input gives -1, never a crash. Encoders
 * write into a caller buffer and return the length needed (snprintf style).
 *
 * Fenced writes (KAFKA-6082): every write of an active controller is one
 * ZooKeeper multi whose first op checks /controller_epoch at the version
 * the controller's election left it at, so a controller that has been
 * replaced (a zombie) cannot write. ctl_zk_fenced_multi prepends that check.
 *
 * Ownership: nothing here allocates; parsers fill caller structs.
 */
#ifndef KSIM_CTL_ZK_H
#define KSIM_CTL_ZK_H

#include <stddef.h>
#include <stdint.h>

#include "broker/ctl/ctl_election.h"
#include "broker/zk/zk_client.h"

#define CTL_ZK_CONTROLLER "/controller"
#define CTL_ZK_EPOCH "/controller_epoch"
#define CTL_ZK_BROKERS "/brokers/ids"
#define CTL_ZK_TOPICS "/brokers/topics"

/* /brokers/ids/N: host (NUL-terminated, cut to cap) and port. 0 or -1. */
int ctl_zk_parse_broker(const char *p, size_t len, char *host, size_t cap, uint16_t *port);
/* /controller: the broker id. 0 or -1. */
int ctl_zk_parse_controller(const char *p, size_t len, int32_t *broker_id);
/* /controller_epoch: a decimal integer >= 0. 0 or -1. */
int ctl_zk_parse_epoch(const char *p, size_t len, int32_t *epoch);
/*
 * /brokers/topics/T: calls each(arg, partition, replicas, n) for every
 * entry of "partitions" (validated first: the whole object is checked
 * before the first call). Returns the number of partitions or -1 (bad
 * JSON, a partition key that is not a number >= 0, a replica list longer
 * than CTL_MAX_REPLICAS or with a repeated id).
 */
int ctl_zk_parse_assignment(const char *p, size_t len,
			    void (*each)(void *arg, int32_t partition, const int32_t *replicas,
					 int32_t n),
			    void *arg);
/* A partition state znode into *st (zk_version left alone). 0 or -1. */
int ctl_zk_parse_state(const char *p, size_t len, struct ctl_pstate *st);

/* Encoders: the length the text needs (written when it fits in cap). */
size_t ctl_zk_encode_state(char *buf, size_t cap, const struct ctl_pstate *st);
size_t ctl_zk_encode_controller(char *buf, size_t cap, int32_t broker_id, int64_t timestamp_ms);

/* Paths of a partition's znodes. */
void ctl_zk_partition_path(char *buf, size_t cap, const char *topic, int32_t partition,
			   bool state);

/*
 * Sends multi [check /controller_epoch at epoch_version, ops...] (ops are
 * copied; at most 63). The completion gets the multi's raw results; use
 * ctl_zk_multi_outcome to read them.
 */
void ctl_zk_fenced_multi(struct zk_client *zc, int32_t epoch_version, const struct zk_request *ops,
			 int32_t n, zk_client_cb *cb, void *arg);

/* What a fenced multi came to. */
enum ctl_zk_outcome {
	CTL_ZK_DONE = 0,     /* every op applied */
	CTL_ZK_FENCED,       /* the epoch check failed: another controller exists */
	CTL_ZK_OP_FAILED,    /* op `failed_op` (1-based after the check) failed: `err` */
	CTL_ZK_LOST,         /* no answer (connection loss, session gone): retry */
};

/* Reads a fenced multi's completion. For CTL_ZK_DONE, versions[i] (when
 * versions is not NULL and i < n_versions) gets the new version of op i+1
 * for setData (its Stat) and 0 for creates. */
enum ctl_zk_outcome ctl_zk_multi_outcome(const struct zk_client_result *res, int32_t *failed_op,
					 int32_t *err, int32_t *versions, int32_t n_versions);

#endif
