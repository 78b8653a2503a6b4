/*
 * ctl — the ZooKeeper-mode Kafka controller (Kafka 3.x's KafkaController
 * with its ControllerChannelManager, PartitionStateMachine and
 * ReplicaStateMachine), run inside every broker; one broker at a time is
 * the active controller.
 *
 * - Election: the broker that creates the ephemeral /controller, in one
 *   multi with the increment of /controller_epoch, is the controller for
 *   that epoch. The others watch /controller and try again when it goes.
 * - The active controller loads the cluster from ZooKeeper (live brokers,
 *   topic assignments, partition states), gives new partitions their first
 *   state, elects leaders for partitions whose leader is gone, shrinks ISRs
 *   of dead followers, serves AlterPartition from partition leaders, moves
 *   leadership back to preferred replicas, and tells brokers through
 *   LeaderAndIsr and UpdateMetadata over one channel per live broker.
 * - Every write is fenced by the controller epoch's znode version
 *   (KAFKA-6082): a replaced controller's writes fail, and it resigns.
 * docs/controller.md has every rule, the ZooKeeper layout and the
 * deviations from Kafka.
 *
 * Ownership: the controller lives in the broker's heap (env_alloc); the
 * config is the broker's and outlives it. It never owns the ZooKeeper
 * client: the broker's session (broker/kafka/brk_zk) hands it over through
 * ctl_session and takes it back with ctl_session(NULL).
 */
#ifndef KSIM_CTL_H
#define KSIM_CTL_H

#include <stdbool.h>
#include <stdint.h>

#include "broker/kafka/brk_config.h"
#include "broker/kafka/brk_front.h"
#include "broker/zk/zk_client.h"
#include "sim/env.h"

struct ctl;

/* A controller for broker cfg->broker_id, inactive until a session comes.
 * cfg outlives it. */
struct ctl *ctl_new(struct env *env, const struct brk_config *cfg); /* cfg outlives it */
/* Frees it; AlterPartition requests it holds are answered NOT_CONTROLLER,
 * its channels are closed, and ZooKeeper completions still pending are
 * ignored when they come. */
void ctl_free(struct ctl *c);
/* The broker's ZooKeeper session: a connected client (after the first connect,
 * a reconnect, or a new session after an expiry) or NULL when the session is lost
 * (expired or closed): the controller resigns then. */
void ctl_session(struct ctl *c, struct zk_client *zc);
/* A watch event of the broker's session (type a zk_event_type, path). */
void ctl_watch_event(struct ctl *c, int32_t type, struct zk_str path);
bool ctl_active(const struct ctl *c);        /* this broker is the controller now */
int32_t ctl_epoch(const struct ctl *c);      /* its controller epoch, -1 when not active */
/* AlterPartition (broker/kp/kp_replica.h) from a partition leader, delivered by the
 * broker's front door; answers through brk_front_respond (NOT_CONTROLLER when not
 * active). */
void ctl_handle_alter_partition(struct ctl *c, struct brk_req *r);
/* ControlledShutdown (broker/kp/kp_controlled_shutdown.h) from a broker that
 * is asked to stop: its leaderships move to other in-sync replicas, it
 * leaves the ISRs it is in and gets StopReplica for the partitions it
 * follows; the answer lists the partitions it still leads (ctl_shutdown.c).
 * Waits in AlterPartition's queue; NOT_CONTROLLER when not active. */
void ctl_handle_controlled_shutdown(struct ctl *c, struct brk_req *r);
/* ElectLeaders (broker/kp/kp_elect_leaders.h, KIP-460) from an admin client:
 * a preferred or unclean election of each named partition (ctl_leaders.c).
 * Waits in AlterPartition's queue; NOT_CONTROLLER when not active. */
void ctl_handle_elect_leaders(struct ctl *c, struct brk_req *r);

#endif
