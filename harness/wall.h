/*
 * wall — the host's monotonic clock, in seconds, for the harness and the
 * benchmarks only: how long a run took in real time (summary.json's
 * wall_seconds, the benchmarks' rates). Node code never reads it; virtual
 * time comes from the simulator.
 */
#ifndef KSIM_WALL_H
#define KSIM_WALL_H

double wall_seconds(void);
/* CPU seconds this process has used (user and system): what a run costs on
 * one core, apart from time the host gave to others. */
double cpu_seconds(void);

#endif
