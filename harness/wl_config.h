/*
 * wl_config — a scenario's client settings (Kafka's key names, as the
 * `config:` maps of workload groups give them) applied to the simulated
 * producer and consumer configs. The loader has already checked the values'
 * types; keys the clients do not model are ignored, as Kafka's clients warn
 * about and ignore unknown properties.
 */
#ifndef KSIM_WL_CONFIG_H
#define KSIM_WL_CONFIG_H

#include "broker/client/kc_consumer.h"
#include "broker/client/kc_producer.h"
#include "harness/scn.h"

/* Applies every entry; returns 0, or -1 with `err` naming the bad entry. */
int wl_config_producer(struct kc_producer_config *c, const struct scn_config *cfg, char *err,
		       size_t err_size);
int wl_config_consumer(struct kc_consumer_config *c, const struct scn_config *cfg, char *err,
		       size_t err_size);
/* A consumer group's `group` (NULL: manual assignment) and `commit` keys;
 * `group` must outlive the config. */
void wl_config_group(struct kc_consumer_config *c, const char *group, enum scn_commit commit);

#endif
