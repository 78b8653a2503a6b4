/*
 * hist_map — an open-addressing hash map from a pair of 64-bit integers to a
 * 64-bit integer, used by the history reader and the checkers for every
 * "have I seen this (partition, offset) / (process, value) before" question.
 *
 * The hash is a fixed function (the splitmix64 finaliser) of the key, never
 * seeded and never of an address, so a map built from the same keys in the
 * same order has the same layout on every run. Callers that report what they
 * find still sort or walk in history order; slot order is only used where the
 * result does not depend on it. The map owns its arrays; hist_map_free
 * releases them. Capacity stays a power of two under a 1/2 load factor.
 */
#ifndef KSIM_HIST_MAP_H
#define KSIM_HIST_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hist_map_slot {
	uint64_t a, b; /* the key */
	uint64_t value;
	bool used;
};

struct hist_map {
	struct hist_map_slot *slots;
	size_t cap, n;
};

/* An empty map that owns nothing yet (also what a zeroed struct is). */
void hist_map_init(struct hist_map *m);
void hist_map_free(struct hist_map *m);

/*
 * Finds key (a, b); when absent inserts it with value `init`. Returns a
 * pointer to the value, valid until the next insertion, and sets *fresh to
 * whether the key was inserted now. Returns NULL when memory runs out (the
 * map is unchanged).
 */
uint64_t *hist_map_upsert(struct hist_map *m, uint64_t a, uint64_t b, uint64_t init, bool *fresh);

/* The value of key (a, b), or NULL when absent. */
uint64_t *hist_map_find(const struct hist_map *m, uint64_t a, uint64_t b);

#endif
