/*
 * util — small helpers for the simulator itself (not for node code, which
 * allocates through env_alloc): allocation that aborts on exhaustion, and
 * formatting of virtual time.
 */
#ifndef KSIM_SIM_UTIL_H
#define KSIM_SIM_UTIL_H

#include <stddef.h>
#include <stdint.h>

void *sim_xmalloc(size_t n);
void *sim_xcalloc(size_t count, size_t n);
void *sim_xrealloc(void *p, size_t n);
char *sim_xstrdup(const char *s);

#define SIM_NS_PER_US 1000LL
#define SIM_NS_PER_MS 1000000LL
#define SIM_NS_PER_S 1000000000LL

/* Writes "12.345678s" for a virtual time into buf (at least 32 bytes). */
const char *sim_format_time(int64_t ns, char *buf, size_t size);

#endif
