/*
 * ctl_channel — the controller's connection to one live broker, as Kafka's
 * ControllerChannelManager keeps it: the controller's requests to that
 * broker (LeaderAndIsr, UpdateMetadata, StopReplica) wait in a FIFO queue
 * and go out one at a time; the next leaves when the broker has answered.
 * A lost connection is opened again after a backoff and the request in
 * flight is sent again. An answer STALE_CONTROLLER_EPOCH means a newer
 * controller has spoken to that broker: this controller is a zombie, which
 * is logged (its next ZooKeeper write fails and it resigns).
 *
 * Requests travel as `struct ctl_msg`: a kp_request with every array it
 * points to owned by the message (ctl_msg_alloc), so the message can wait
 * in the queue and be sent again.
 *
 * Ownership: the channel lives in the controller's heap (env_alloc) and
 * owns its connection (broker/client/kc_conn) and its queued messages;
 * ctl_channel_free drops them.
 */
#ifndef KSIM_CTL_CHANNEL_H
#define KSIM_CTL_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "broker/kp/kp_message.h"
#include "sim/env.h"

struct ctl_msg {
	struct ctl_msg *next;
	struct kp_request req;
	void **blocks; /* what the request points to */
	int32_t n_blocks;
};

/* A message for (api_key, version), with an empty body. */
struct ctl_msg *ctl_msg_new(struct env *env, int16_t api_key, int16_t version);
/* Zeroed memory owned by the message (freed with it). */
void *ctl_msg_alloc(struct env *env, struct ctl_msg *m, size_t size);
void ctl_msg_free(struct env *env, struct ctl_msg *m);

struct ctl_channel;

/* Connects to host:port now. client_id ("controller-<id>") and host are
 * copied. timeout_ms: controller.socket.timeout.ms, per request. */
struct ctl_channel *ctl_channel_new(struct env *env, int32_t broker_id, const char *host,
				    uint16_t port, const char *client_id, int64_t timeout_ms);
/* Closes the connection and drops every queued message. */
void ctl_channel_free(struct ctl_channel *ch);
/* Queues `m` (the channel owns it from now on). */
void ctl_channel_send(struct ctl_channel *ch, struct ctl_msg *m);

/* Counters, for tests. */
struct ctl_channel_stats {
	uint64_t sent;        /* requests written, resends included */
	uint64_t answered;    /* answers received */
	uint64_t stale_epoch; /* answers STALE_CONTROLLER_EPOCH */
	uint32_t queued;      /* waiting, the one in flight included */
};
struct ctl_channel_stats ctl_channel_stats(const struct ctl_channel *ch);

#endif
