#include "broker/client/kc_partitioner.h"

#include <assert.h>

int32_t kc_murmur2(const void *data, size_t len)
{
	const uint8_t *p = data;
	const uint32_t seed = 0x9747b28cu;
	const uint32_t m = 0x5bd1e995u;
	const int r = 24;
	uint32_t h = seed ^ (uint32_t)len;
	size_t blocks = len / 4;
	for (size_t i = 0; i < blocks; i++) {
		/* Little-endian words, as Kafka reads them. */
		uint32_t k = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
			     (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
		k *= m;
		k ^= k >> r;
		k *= m;
		h *= m;
		h ^= k;
	}
	const uint8_t *tail = p + 4 * blocks;
	switch (len % 4) {
	case 3:
		h ^= (uint32_t)tail[2] << 16;
		/* fall through */
	case 2:
		h ^= (uint32_t)tail[1] << 8;
		/* fall through */
	case 1:
		h ^= tail[0];
		h *= m;
	}
	h ^= h >> 13;
	h *= m;
	h ^= h >> 15;
	return (int32_t)h;
}

int32_t kc_partition_for_key(const void *key, size_t len, int32_t partitions)
{
	assert(partitions > 0);
	/* Kafka's toPositive: clear the sign bit (not abs, which overflows). */
	uint32_t positive = (uint32_t)kc_murmur2(key, len) & 0x7fffffffu;
	return (int32_t)(positive % (uint32_t)partitions);
}

int32_t kc_partition_round_robin(uint32_t *counter, int32_t partitions)
{
	assert(partitions > 0);
	return (int32_t)((*counter)++ % (uint32_t)partitions);
}
