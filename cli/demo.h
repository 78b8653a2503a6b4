/*
 * demo — `ksim demo`: a short tour of the simulated world. Three nodes ping
 * one another; one is cut off by a partition and healed, another is killed
 * and restarted, a third loses power. The run prints what each phase did
 * to the traffic and ends with the trace hash, which is the same for the
 * same seed on every machine.
 */
#ifndef KSIM_CLI_DEMO_H
#define KSIM_CLI_DEMO_H

#include <stdint.h>
#include <stdio.h>

/* Runs the demo, printing to `out`; `trace` (optional) gets the event trace.
 * Returns the trace hash. */
uint64_t demo_run(uint64_t seed, FILE *out, FILE *trace);

#endif
