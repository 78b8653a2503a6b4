/*
 * kc_producer — the simulated Kafka producer, modelled on the Java client's
 * RecordAccumulator and Sender: records are partitioned (murmur2 of the key,
 * or round robin), gathered into per-partition batches (batch.size,
 * linger.ms), sent to the partition leader as Produce v7 with the chosen
 * acks, retried with backoff on retriable errors (refreshing metadata after
 * leadership errors) until `retries` or delivery.timeout.ms runs out, with
 * at most max.in.flight.requests.per.connection requests outstanding per
 * broker. With enable.idempotence it obtains a producer id (InitProducerId)
 * and numbers each partition's batches so that the broker can drop
 * duplicates of a retried batch.
 *
 * Every record ends in exactly one outcome, reported through the callback:
 * KC_SEND_OK (acknowledged; the offset, or -1 with acks=0), KC_SEND_FAIL
 * (definitely not written: never sent, or refused by a broker before it was
 * appended) or KC_SEND_INFO (unknown: some attempt may have been written,
 * e.g. it timed out). This is what the history records.
 *
 * Deviations from the Java client (docs/clients.md): one batch per Produce
 * request; batches already in flight do not expire by delivery.timeout.ms
 * (their request's own timeout ends them). A numbered batch keeps its producer
 * id, epoch and sequence on every attempt, except when a KIP-360 epoch bump
 * renumbers batches known not to be appended.
 *
 * Ownership: the producer lives in the node's heap; keys and values are
 * copied at send.
 */
#ifndef KSIM_KC_PRODUCER_H
#define KSIM_KC_PRODUCER_H

#include <stdint.h>

#include "broker/client/kc_cluster.h"

struct kc_producer_config {
	struct kc_cluster_config cluster; /* bootstrap, timeouts, backoffs */
	int16_t acks;                     /* 0, 1 or -1 (all); default -1 */
	int32_t retries;                  /* default 2147483647 */
	int64_t delivery_timeout_ns;      /* delivery.timeout.ms (120 s) */
	int64_t linger_ns;                /* linger.ms (0) */
	int32_t batch_size;               /* batch.size (16384) */
	int32_t max_in_flight;            /* max.in.flight.requests.per.connection (5) */
	bool idempotence;                 /* enable.idempotence (true) */
	/* KIP-360 (Kafka 2.5+, the default): a sequence gap or a lost numbered
	 * batch bumps the producer epoch for that partition; false (Kafka <
	 * 2.5): the producer takes a new producer id. cluster.kafka_version. */
	bool epoch_bump;
};

void kc_producer_config_default(struct kc_producer_config *c);

enum kc_send_outcome { KC_SEND_OK, KC_SEND_FAIL, KC_SEND_INFO };

struct kc_send_result {
	uint64_t id;            /* as returned by kc_producer_send */
	const char *topic;
	int32_t partition;      /* -1 if it never got one */
	int64_t offset;         /* with KC_SEND_OK and acks != 0 */
	enum kc_send_outcome outcome;
	const char *error;      /* the last error's name, or NULL */
};

typedef void (*kc_send_cb)(void *arg, const struct kc_send_result *res);

struct kc_producer;

struct kc_producer *kc_producer_new(struct env *env, const struct kc_producer_config *cfg,
				    kc_send_cb cb, void *arg);
/* Queues one record; returns its id (1, 2, ...). key may be NULL. The
 * outcome comes later through the callback, never inside this call. */
uint64_t kc_producer_send(struct kc_producer *p, const char *topic, const void *key,
			  size_t key_len, const void *value, size_t value_len);
/* Records queued or in flight. */
uint64_t kc_producer_pending(const struct kc_producer *p);
/* Frees everything; outstanding records get no outcome. */
void kc_producer_free(struct kc_producer *p);

#endif
