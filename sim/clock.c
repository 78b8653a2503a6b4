#include "sim/clock.h"

void sim_clock_init(struct sim_clock *c)
{
	c->offset_ns = 0;
	c->drift_ppm = 0;
	c->drift_origin_ns = 0;
}

static int64_t drift_since_origin(const struct sim_clock *c, int64_t now_ns)
{
	/* Split to keep the product in range for runs of any length. */
	int64_t elapsed = now_ns - c->drift_origin_ns;
	int64_t secs = elapsed / 1000000000, rem = elapsed % 1000000000;
	return secs * c->drift_ppm * 1000 + rem * c->drift_ppm / 1000000;
}

int64_t sim_clock_wall_ns(const struct sim_clock *c, int64_t epoch_ns, int64_t now_ns)
{
	return epoch_ns + now_ns + c->offset_ns + drift_since_origin(c, now_ns);
}

void sim_clock_step(struct sim_clock *c, int64_t delta_ns)
{
	c->offset_ns += delta_ns;
}

void sim_clock_set_drift(struct sim_clock *c, int64_t now_ns, int32_t ppm)
{
	c->offset_ns += drift_since_origin(c, now_ns);
	c->drift_origin_ns = now_ns;
	c->drift_ppm = ppm;
}
