/*
 * bench_cluster — the reference cluster of bench/reference-cluster.yaml (3
 * ZooKeeper servers, 3 brokers, 6 partitions with replication factor 3, two
 * idempotent acks=all producers at 1000 messages/s each, one consumer) run
 * through the whole harness, checkers included. Reports simulated seconds
 * per wall second and acknowledged messages per wall second. The floor is
 * 200x real time on one core.
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness/run.h"
#include "harness/scn.h"

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "bench/reference-cluster.yaml";
	struct scn_scenario *s;
	struct scn_error err;
	if (scn_load_file(path, &s, &err)) {
		fprintf(stderr, "%s:%d:%d: %s\n", path, err.line, err.column, err.message);
		return 2;
	}
	struct run_result res;
	struct run_options opt = {.out_dir = "build/bench/reference-cluster", .quiet = true,
				  .no_plots = true, .result = &res};
	FILE *devnull = fopen("/dev/null", "w");
	int rc = run_scenario(s, &opt, devnull ? devnull : stdout, stderr);
	if (devnull)
		fclose(devnull);
	scn_free(s);
	if (rc) {
		fprintf(stderr, "bench_cluster: the reference run failed (exit %d): %s\n", rc,
			res.failed);
		return 1;
	}
	double sim_s = (double)res.sim_ns / 1e9;
	printf("cluster: %.1f simulated s in %.2f wall s: %.0fx real time (floor 200x); "
	       "%.0f acked messages/wall s (%llu acked of %llu sent); %.2f M events/wall s\n",
	       sim_s, res.wall_s, sim_s / res.wall_s, (double)res.acked / res.wall_s,
	       (unsigned long long)res.acked, (unsigned long long)res.sends,
	       (double)res.events / res.wall_s / 1e6);
	return 0;
}
