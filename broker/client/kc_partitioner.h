/*
 * kc_partitioner — which partition a record goes to, as Kafka's producer
 * decides it: a keyed record by murmur2 of its key (Kafka's
 * Utils.murmur2 and toPositive, so ksim and a real client agree), an
 * unkeyed one round robin. Pure functions; the round-robin counter is the
 * caller's.
 */
#ifndef KSIM_KC_PARTITIONER_H
#define KSIM_KC_PARTITIONER_H

#include <stddef.h>
#include <stdint.h>

/* Kafka's murmur2 (seed 0x9747b28c) of `len` bytes, as a signed int. */
int32_t kc_murmur2(const void *data, size_t len);
/* toPositive(murmur2(key)) % partitions; partitions > 0. */
int32_t kc_partition_for_key(const void *key, size_t len, int32_t partitions);
/* The next partition round robin: (*counter)++ % partitions. */
int32_t kc_partition_round_robin(uint32_t *counter, int32_t partitions);

#endif
