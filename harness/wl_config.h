/*
 * wl_config — a scenario's config maps applied to the simulated clients and
 * ZooKeeper servers: producer and consumer settings (the `config:` maps of
 * workload groups) and `cluster.zookeeper_config`. Keys, types, ranges and
 * defaults are the kcfg table's (broker/conf/kcfg.h), the same the loader
 * checked the file against, so a loaded scenario always applies; a key the
 * table does not give the component is an error here too, never ignored.
 */
#ifndef KSIM_WL_CONFIG_H
#define KSIM_WL_CONFIG_H

#include "broker/client/kc_consumer.h"
#include "broker/client/kc_producer.h"
#include "broker/zk/zk_server.h"
#include "harness/scn.h"

/* One key; returns 0, or -1 with `err` saying what is wrong ("acks: must be
 * one of ..." or "foo: not a producer config key"). */
int wl_config_producer_set(struct kc_producer_config *c, const char *key, const char *value,
                           char *err, size_t err_size);
int wl_config_consumer_set(struct kc_consumer_config *c, const char *key, const char *value,
                           char *err, size_t err_size);
int wl_config_zookeeper_set(struct zk_server_config *c, const char *key, const char *value,
                            char *err, size_t err_size);

/* Every entry of `cfg` in order; returns 0, or -1 at the first bad one. */
int wl_config_producer(struct kc_producer_config *c, const struct scn_config *cfg, char *err,
                       size_t err_size);
int wl_config_consumer(struct kc_consumer_config *c, const struct scn_config *cfg, char *err,
                       size_t err_size);
int wl_config_zookeeper(struct zk_server_config *c, const struct scn_config *cfg, char *err,
                        size_t err_size);
/* A consumer group's `group` (NULL: manual assignment) and `commit` keys;
 * `group` must outlive the config. */
void wl_config_group(struct kc_consumer_config *c, const char *group, enum scn_commit commit);

#endif
