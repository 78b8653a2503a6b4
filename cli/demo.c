#include "cli/demo.h"

#include <inttypes.h>

#include "broker/demo/ping.h"
#include "sim/net.h"
#include "sim/util.h"
#include "sim/world.h"

static const struct sim_node_class ping_class = {"ping", ping_start};

struct demo {
	struct sim_world *w;
	FILE *out;
	uint32_t ids[3];
	struct ping_stats last[3];
};

static const char *const names[3] = {"node-1", "node-2", "node-3"};

static struct ping_stats stats_of(struct demo *d, int i)
{
	struct ping_node *n = sim_node_state(d->w, d->ids[i]);
	struct ping_stats zero = {0};
	return n ? *ping_stats(n) : zero;
}

/* Prints pongs received per node since the last report. */
static void report(struct demo *d, const char *phase)
{
	char tb[32];
	fprintf(d->out, "%10s  %-34s", sim_format_time(sim_now(d->w), tb, sizeof tb), phase);
	for (int i = 0; i < 3; i++) {
		struct ping_stats s = stats_of(d, i);
		uint64_t pongs = s.pongs_received >= d->last[i].pongs_received
					 ? s.pongs_received - d->last[i].pongs_received
					 : s.pongs_received;
		fprintf(d->out, "  %s %-8s %4" PRIu64 " pongs", names[i],
			sim_node_status_name(sim_node_status(d->w, d->ids[i])), pongs);
		d->last[i] = s;
	}
	fputc('\n', d->out);
}

uint64_t demo_run(uint64_t seed, FILE *out, FILE *trace)
{
	struct sim_world_config wc;
	sim_world_config_default(&wc, seed);
	struct demo d = {.w = sim_world_new(&wc), .out = out};
	struct ping_config cfg[3];
	for (int i = 0; i < 3; i++) {
		cfg[i] = (struct ping_config){
			.port = 7000, .n_peers = 2, .interval_ns = 100 * SIM_NS_PER_MS,
			.jitter_ns = 5 * SIM_NS_PER_MS, .timeout_ns = 1 * SIM_NS_PER_S,
			.payload_bytes = 64, .fsync_every = 10,
		};
		for (int k = 0, j = 0; k < 3; k++)
			if (k != i)
				cfg[i].peers[j++] = names[k];
		d.ids[i] = sim_node_add(d.w, names[i], &ping_class, &cfg[i]);
	}
	sim_world_set_trace_file(d.w, trace);
	struct sim_net *net = sim_world_net(d.w);

	fprintf(out, "ksim demo (seed %" PRIu64 "): three nodes ping each other every 100ms\n\n",
		seed);
	for (int i = 0; i < 3; i++)
		sim_node_start(d.w, d.ids[i]);
	sim_run_until(d.w, 2 * SIM_NS_PER_S);
	report(&d, "all connected");

	sim_net_isolate(net, d.ids[2]);
	sim_world_note(d.w, d.ids[2], "partition: node-3 isolated");
	sim_run_until(d.w, 5 * SIM_NS_PER_S);
	report(&d, "node-3 isolated (traffic stalls)");

	sim_net_heal(net);
	sim_world_note(d.w, 0, "heal");
	sim_run_until(d.w, 7 * SIM_NS_PER_S);
	report(&d, "healed (reconnected)");

	sim_node_kill(d.w, d.ids[1]);
	sim_run_until(d.w, 9 * SIM_NS_PER_S);
	report(&d, "node-2 killed (peers see resets)");

	sim_node_restart(d.w, d.ids[1]);
	sim_run_until(d.w, 11 * SIM_NS_PER_S);
	struct ping_stats s2 = stats_of(&d, 1);
	report(&d, "node-2 restarted from its disk");
	fprintf(out, "%10s  node-2 found %" PRIu64 " log lines left by its previous life"
		     " (a kill keeps the page cache)\n", "", s2.recovered_lines);

	uint64_t dirty = sim_disk_dirty_bytes(sim_node_disk(d.w, d.ids[0]));
	sim_node_power_loss(d.w, d.ids[0]);
	sim_run_until(d.w, 13 * SIM_NS_PER_S);
	report(&d, "node-1 lost power (peers: silence)");
	sim_node_restart(d.w, d.ids[0]);
	sim_run_until(d.w, 15 * SIM_NS_PER_S);
	report(&d, "node-1 powered back on");
	fprintf(out, "%10s  node-1 kept %" PRIu64 " fsynced log lines; %" PRIu64
		     " unsynced bytes were lost\n", "", stats_of(&d, 0).recovered_lines, dirty);

	uint64_t hash = sim_trace_hash(d.w);
	fprintf(out, "\n%" PRIu64 " events; trace hash %016" PRIx64
		     " (same seed, same hash, on any machine)\n", sim_events_fired(d.w), hash);
	sim_world_free(d.w);
	return hash;
}
