/*
 * brk_zk — the broker's ZooKeeper session (Kafka's KafkaZkClient): it
 * connects to the ensemble named by zookeeper.connect, creates the
 * persistent paths Kafka expects (/brokers/ids, /brokers/topics), and
 * registers the broker as the ephemeral znode /brokers/ids/<broker.id> with
 * its endpoint, as Kafka does at startup. When the session expires (the
 * broker was partitioned or paused past zookeeper.session.timeout.ms), the
 * ephemeral is gone and the broker registers again with a new session.
 *
 * Ownership: lives in the broker's heap; the config is the broker's.
 */
#ifndef KSIM_BRK_ZK_H
#define KSIM_BRK_ZK_H

#include <stdbool.h>
#include <stdint.h>

#include "broker/kafka/brk_config.h"
#include "sim/env.h"

struct brk_zk;

/* Starts connecting; NULL when the config names no ZooKeeper server. */
struct brk_zk *brk_zk_start(struct env *env, const struct brk_config *cfg);
/* The session's client while connected, else NULL (for the broker's other
 * ZooKeeper work: producer id blocks, topic assignments). */
struct zk_client *brk_zk_client(const struct brk_zk *z);
/* Whether /brokers/ids/<id> currently exists for this broker's session. */
bool brk_zk_registered(const struct brk_zk *z);
/* How many sessions this broker has registered with so far. */
uint32_t brk_zk_registrations(const struct brk_zk *z);
int64_t brk_zk_broker_epoch(const struct brk_zk *z);

#endif
