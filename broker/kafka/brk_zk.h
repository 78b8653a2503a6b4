/*
 * brk_zk — the broker's ZooKeeper session (Kafka's KafkaZkClient): it
 * connects to the ensemble named by zookeeper.connect, creates the
 * persistent paths Kafka expects (/brokers/ids, /brokers/topics), and
 * registers the broker as the ephemeral znode /brokers/ids/<broker.id> with
 * its endpoint, as Kafka does at startup. When the session expires (the
 * broker was partitioned or paused past zookeeper.session.timeout.ms), the
 * ephemeral is gone and the broker registers again with a new session.
 *
 * A listener (the controller, broker/ctl) hears of the session and of
 * every watch event: the session once the broker is registered in it (the
 * first session, or a new one after an expiry, as Kafka starts its
 * controller after registering the broker), again after each reconnect of
 * a registered session, and NULL when the session is lost (expired or
 * closed).
 *
 * Ownership: lives in the broker's heap; the config is the broker's.
 */
#ifndef KSIM_BRK_ZK_H
#define KSIM_BRK_ZK_H

#include <stdbool.h>
#include <stdint.h>

#include "broker/kafka/brk_config.h"
#include "broker/zk/zk_jute.h"
#include "sim/env.h"

struct brk_zk;
struct zk_client;

/* Starts connecting; NULL when the config names no ZooKeeper server. */
struct brk_zk *brk_zk_start(struct env *env, const struct brk_config *cfg);
/* The session's client while connected, else NULL (for the broker's other
 * ZooKeeper work: producer id blocks, topic assignments). */
struct zk_client *brk_zk_client(const struct brk_zk *z);
/* Whether /brokers/ids/<id> currently exists for this broker's session. */
bool brk_zk_registered(const struct brk_zk *z);
/* How many sessions this broker has registered with so far. */
uint32_t brk_zk_registrations(const struct brk_zk *z);
/* Kafka's broker epoch: the czxid of this broker's /brokers/ids/<id>
 * znode in the current session; -1 until registered (and after an expiry,
 * until registered again). */
int64_t brk_zk_broker_epoch(const struct brk_zk *z);
/*
 * Sets the one listener (NULL functions to remove it). `session` gets the
 * connected client (valid until the next call of `session`) or NULL;
 * `watch` gets each watch event of the session (type a zk_event_type).
 * Neither is called inside this call. `arg` must outlive the brk_zk or be
 * removed first.
 */
void brk_zk_set_listener(struct brk_zk *z, void (*session)(void *arg, struct zk_client *zc),
			 void (*watch)(void *arg, int32_t type, struct zk_str path), void *arg);

#endif
