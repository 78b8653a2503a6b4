/*
 * kc_workload — the node programs a scenario's workload runs: a producer
 * that sends unique values at a fixed rate, and a consumer (or the final
 * reader) that reads every partition of a topic. They are node code (only
 * sim/env.h); what they see goes out through an observer the harness gives
 * them in their config, which records it as history (invoke, then ok /
 * fail / info; polls with the high watermark they carried).
 *
 * Values are "<process>-<tag>-<n>" (n = 1, 2, ...; the tag is drawn from
 * the node's random stream at each start, so a restarted producer's values
 * differ from its earlier life's), unique across a run, so every record read
 * can be traced to the send that wrote it. Keys, when the
 * scenario asks for `keys: K`, are "k<n mod K>".
 *
 * Ownership: configs and the observer are the harness's and outlive the
 * node; the node's state is in its heap.
 */
#ifndef KSIM_KC_WORKLOAD_H
#define KSIM_KC_WORKLOAD_H

#include <stdint.h>

#include "broker/client/kc_consumer.h"
#include "broker/client/kc_producer.h"

/* What a workload node reports. Strings are valid only during the call. */
struct kw_observer {
	void *ctx;
	void (*send_invoke)(void *ctx, int64_t time_ns, const char *process, const char *topic,
			    const char *key, const char *value);
	void (*send_done)(void *ctx, int64_t time_ns, const char *process, const char *topic,
			  int32_t partition, const char *key, const char *value, int64_t offset,
			  enum kc_send_outcome outcome, const char *error);
	/* final: records of the final read rather than a consumer's poll. */
	void (*poll)(void *ctx, int64_t time_ns, const char *process, const char *topic,
		     int32_t partition, const struct kc_record_view *recs, size_t n, int64_t hw,
		     bool final);
	/* A group member's new assignment, each partition with its start offset
	 * (-1: by auto.offset.reset); n 0 when a rebalance revoked everything.
	 * May be NULL. */
	void (*assign)(void *ctx, int64_t time_ns, const char *process,
		       const struct kc_consumer_tp *tps, size_t n);
	/* A group member's offset commit and its outcome (error 0: acknowledged;
	 * -1: no answer; otherwise the coordinator's refusal). May be NULL. */
	void (*commit)(void *ctx, int64_t time_ns, const char *process,
		       const struct kc_consumer_tp *tps, size_t n, int16_t error);
	/* A consumer's position reset by auto.offset.reset (a seek). May be
	 * NULL. */
	void (*seek)(void *ctx, int64_t time_ns, const char *process,
		     const struct kc_consumer_tp *tp);
};

struct kw_producer_config {
	struct kc_producer_config client;
	const char *topic;
	uint64_t rate_num;   /* sends per rate_den seconds */
	uint64_t rate_den;
	uint32_t keys;       /* 0: no key (round robin) */
	const struct kw_observer *observer;
};

/* With client.group_id set, the consumer subscribes to `topic` as a member
 * of that group instead of assigning itself every partition. */
struct kw_consumer_config {
	struct kc_consumer_config client;
	const char *topic;
	bool final;          /* the final reader: from the log start, reported as final */
	const struct kw_observer *observer;
};

struct kw_producer;
struct kw_consumer;

/* Node classes' start functions. */
void *kw_producer_start(struct env *env, const void *config);
void *kw_consumer_start(struct env *env, const void *config);

/* Stops sending new values (quiesce); outcomes of those in flight still come. */
void kw_producer_stop(struct kw_producer *p);
uint64_t kw_producer_sent(const struct kw_producer *p);
uint64_t kw_producer_pending(const struct kw_producer *p);
/* Next offset the consumer will read of a partition (-1 unknown). */
int64_t kw_consumer_position(const struct kw_consumer *c, int32_t partition);

#endif
