/*
 * rng — the simulator's only source of randomness.
 *
 * One 64-bit seed feeds everything: sim_rng_derive() gives each component
 * (a node, the network, a disk) its own independent stream from the seed and
 * a stable label, so adding draws in one component never shifts another's.
 * splitmix64 expands seeds; xoshiro256** draws. No libc rand anywhere.
 * A `struct sim_rng` is a plain value owned by whoever embeds it.
 */
#ifndef KSIM_SIM_RNG_H
#define KSIM_SIM_RNG_H

#include <stdint.h>

struct sim_rng {
	uint64_t s[4];
};

void sim_rng_seed(struct sim_rng *rng, uint64_t seed);
/* A stream for (seed, label, index): same inputs, same stream. */
void sim_rng_derive(struct sim_rng *rng, uint64_t seed, const char *label, uint64_t index);
uint64_t sim_rng_next(struct sim_rng *rng);
/* Uniform in [0, n), without modulo bias; n > 0. */
uint64_t sim_rng_below(struct sim_rng *rng, uint64_t n);
/* Uniform in [lo, hi]; lo <= hi. */
int64_t sim_rng_range(struct sim_rng *rng, int64_t lo, int64_t hi);
/* True with probability ppm / 1,000,000 (integer odds; no floats). */
int sim_rng_chance_ppm(struct sim_rng *rng, uint32_t ppm);

uint64_t sim_splitmix64(uint64_t *state);
/* 64-bit FNV-1a of a string: a stable label hash, independent of addresses. */
uint64_t sim_hash_str(const char *s);

#endif
