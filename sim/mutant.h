/*
 * mutant — compile-time switches that turn one mechanism off, for
 * `make mutants` only (scripts/mutants.sh builds ksim with
 * -DKSIM_MUTANT='"NAME"' and checks that a lesson fails).
 *
 * At a mechanism, node code writes `if (!KSIM_MUTANT_IS("hw-wait"))` around
 * it. In every other build KSIM_MUTANT is not defined, the test is the
 * constant 0 and the compiler drops it: normal builds are unchanged. The
 * names and the lessons that must catch each are in scenarios/README.md.
 */
#ifndef KSIM_SIM_MUTANT_H
#define KSIM_SIM_MUTANT_H

#ifdef KSIM_MUTANT
#define KSIM_MUTANT_IS(name) (__builtin_strcmp(KSIM_MUTANT, (name)) == 0)
#else
#define KSIM_MUTANT_IS(name) 0
#endif

#endif
