/*
 * clock — one node's wall clock.
 *
 * Virtual time is the truth; a node's wall clock reads it through an offset
 * (steps, as NTP or an operator would apply them) and a drift rate in parts
 * per million. Monotonic time (env_now_ns) is not affected: as on Linux,
 * only CLOCK_REALTIME jumps. A plain value embedded in the node record.
 */
#ifndef KSIM_SIM_CLOCK_H
#define KSIM_SIM_CLOCK_H

#include <stdint.h>

struct sim_clock {
	int64_t offset_ns;       /* sum of steps and drift accrued before origin */
	int32_t drift_ppm;       /* current rate: + runs fast, - runs slow */
	int64_t drift_origin_ns; /* virtual time the current rate started at */
};

void sim_clock_init(struct sim_clock *c);
int64_t sim_clock_wall_ns(const struct sim_clock *c, int64_t epoch_ns, int64_t now_ns);
/* Jumps the clock by delta (negative: backwards). */
void sim_clock_step(struct sim_clock *c, int64_t delta_ns);
/* Changes the drift rate from `now_ns` on, keeping the time read so far. */
void sim_clock_set_drift(struct sim_clock *c, int64_t now_ns, int32_t ppm);

#endif
