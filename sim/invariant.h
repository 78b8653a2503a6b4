/*
 * invariant — how a broken invariant stops a run.
 *
 * A state machine in node code (the partition state machine, broker/kafka/
 * brk_pstate.c) checks its invariants after every change; when one does
 * not hold, it calls sim_invariant_fail(). The report names the invariant,
 * what the caller adds (the partition, the node, the state), and the line
 * that reproduces the run: the scenario, its seed and the `ksim run`
 * command. Then the process exits with SIM_EXIT_INVARIANT, a code of its
 * own so that a sweep or a script can tell "the simulator caught itself
 * lying" from a failed expectation (1) or bad input (2).
 *
 * The run's description is process-wide and set by the harness (run.c: the
 * scenario and seed; the CLI: the file). Node code never reads it: it only
 * reports. Unit tests replace the handler to catch a violation instead of
 * exiting. Nothing here touches time, randomness, the network or disks, so
 * node code may include this header beside sim/env.h; a real (non-simulated)
 * environment links the same file.
 */
#ifndef KSIM_SIM_INVARIANT_H
#define KSIM_SIM_INVARIANT_H

#include <stdint.h>

/* `ksim run` (and a sweep's child) exits with this when an invariant breaks. */
#define SIM_EXIT_INVARIANT 3

/* The run in progress: the scenario's name and seed (harness/run.c). */
void sim_invariant_set_run(const char *scenario, uint64_t seed);
/* The scenario file, for the `ksim run FILE --seed N` line (cli). NULL forgets it. */
void sim_invariant_set_file(const char *path);
/* Forgets the run (after it ended). */
void sim_invariant_clear(void);

/* Receives the whole report; the default prints it on stderr and exits. */
typedef void sim_invariant_handler(void *arg, const char *invariant, const char *report);
/* Installs `h` (NULL: the default). Tests use it to catch a violation. */
void sim_invariant_set_handler(sim_invariant_handler *h, void *arg);

/*
 * Reports that `invariant` (a short statement of what should hold, e.g.
 * "hw <= leo") does not; `fmt` describes where and the state. With the
 * default handler this does not return.
 */
void sim_invariant_fail(const char *invariant, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
