/*
 * brk_metadata — a broker's metadata cache: the live brokers and who leads
 * each partition, as the controller's UpdateMetadata requests tell every
 * broker (Kafka's MetadataCache). Metadata responses are served from it, so
 * a client may ask any broker about any partition.
 *
 * Ownership: the cache lives in the node's heap and copies what it is
 * given; brk_metadata_update replaces the whole content.
 */
#ifndef KSIM_BRK_METADATA_H
#define KSIM_BRK_METADATA_H

#include <stddef.h>
#include <stdint.h>

#include "sim/env.h"

struct brk_meta_broker {
	int32_t id;
	const char *host; /* node name */
	uint16_t port;
};

struct brk_meta_partition {
	const char *topic;
	int32_t partition;
	int32_t leader;       /* broker id, -1: offline */
	int32_t leader_epoch;
	const int32_t *replicas;
	int32_t n_replicas;
	const int32_t *isr;
	int32_t n_isr;
};

struct brk_metadata;

struct brk_metadata *brk_metadata_new(struct env *env);
void brk_metadata_free(struct brk_metadata *m);
/* Replaces the cache (UpdateMetadata carries the full state here). */
void brk_metadata_update(struct brk_metadata *m, int32_t controller_id,
			 const struct brk_meta_broker *brokers, size_t n_brokers,
			 const struct brk_meta_partition *parts, size_t n_parts);
/* The controller's broker id as last told (-1: none known). */
int32_t brk_metadata_controller(const struct brk_metadata *m);
/* Updates since start; 0 means never told (serve what the broker hosts). */
uint64_t brk_metadata_version(const struct brk_metadata *m);

size_t brk_metadata_brokers(const struct brk_metadata *m, const struct brk_meta_broker **out);
size_t brk_metadata_partitions(const struct brk_metadata *m,
			       const struct brk_meta_partition **out);

#endif
