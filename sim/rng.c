#include "sim/rng.h"

#include <assert.h>

uint64_t sim_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t sim_hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

void sim_rng_seed(struct sim_rng *rng, uint64_t seed)
{
	uint64_t st = seed;
	for (int i = 0; i < 4; i++)
		rng->s[i] = sim_splitmix64(&st);
}

void sim_rng_derive(struct sim_rng *rng, uint64_t seed, const char *label, uint64_t index)
{
	uint64_t st = seed ^ sim_hash_str(label);
	uint64_t mixed = sim_splitmix64(&st) ^ (index * 0xd1b54a32d192ed03ULL);
	sim_rng_seed(rng, mixed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t sim_rng_next(struct sim_rng *rng)
{
	uint64_t *s = rng->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t sim_rng_below(struct sim_rng *rng, uint64_t n)
{
	assert(n > 0);
	/* Rejection sampling keeps every value equally likely. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;
	do {
		x = sim_rng_next(rng);
	} while (x >= limit);
	return x % n;
}

int64_t sim_rng_range(struct sim_rng *rng, int64_t lo, int64_t hi)
{
	assert(lo <= hi);
	uint64_t span = (uint64_t)hi - (uint64_t)lo;
	if (span == UINT64_MAX)
		return (int64_t)sim_rng_next(rng);
	return (int64_t)((uint64_t)lo + sim_rng_below(rng, span + 1));
}

int sim_rng_chance_ppm(struct sim_rng *rng, uint32_t ppm)
{
	return sim_rng_below(rng, 1000000) < ppm;
}
