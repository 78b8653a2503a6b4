/*
 * run_probe — the liveness probe: a node program that, once the run has
 * quiesced, writes one record with acks=all to every partition of the
 * scenario's topics through the real producer (kc_producer: metadata,
 * InitProducerId, Produce, retries), and reports each send as history lines
 * from process "probe" (HIST_PROBE_PROCESS) through the workload observer.
 * The final readers, started after it, read the probes back; the liveness
 * records name each partition's probe, so the liveness checker can tell
 * from the history alone whether the probe was acknowledged and read back.
 *
 * Each record goes to its partition by its key: the probe picks, per
 * partition, the first key "probe-N" that Kafka's murmur2 partitioner maps
 * there. Values are "probe-<topic>-<partition>", unique in a run.
 *
 * Node code: reaches time and the network only through sim/env.h.
 * Ownership: the config (and its topics and observer) is the harness's and
 * outlives the node; the node's state is in its heap.
 */
#ifndef KSIM_RUN_PROBE_H
#define KSIM_RUN_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "broker/client/kc_workload.h"

struct run_probe_topic {
	const char *name;
	int32_t partitions;
};

struct run_probe_config {
	struct kc_producer_config client; /* acks=all; the harness sets timeouts */
	const struct run_probe_topic *topics;
	size_t n_topics;
	const struct kw_observer *observer;
};

struct run_probe;

/* The node class's start function. */
void *run_probe_start(struct env *env, const void *config);
/* Probes not yet acknowledged or failed. */
uint64_t run_probe_pending(const struct run_probe *p);
/* The probe of topic index t, partition: its value (valid while the node
 * lives), and whether it was acknowledged (then *offset is its offset). */
const char *run_probe_value(const struct run_probe *p, size_t t, int32_t partition);
bool run_probe_acked(const struct run_probe *p, size_t t, int32_t partition, int64_t *offset);

#endif
