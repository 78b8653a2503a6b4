/*
 * bench_log — partition log throughput through the simulated disk, in MB
 * of record batches per wall second:
 *   (a) appends as leader: 1 KiB records in batches of 16, eight appends in
 *       flight, 512 MiB segments with default indexing;
 *   (b) sequential reads of everything appended, 1 MiB per read (CRC checked).
 * Wall time is the harness's business, not node code's: this file may read
 * the real clock.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/wall.h"
#include "broker/codec/wire.h"
#include "broker/log/log.h"
#include "broker/log/record_batch.h"
#include "sim/util.h"
#include "sim/world.h"

#define RECORD_BYTES 1024
#define BATCH_RECORDS 16
#define IN_FLIGHT 8
#define TOTAL_MB 256

struct bench_node {
	struct env *env;
	struct log *log;
	struct log_req reqs[IN_FLIGHT];
	uint8_t *batch;
	size_t batch_len;
	uint64_t submitted, completed, target;
	int errors;
};

static void append_done(struct log_req *req, int status);

static void submit(struct bench_node *n, struct log_req *req)
{
	if (n->submitted >= n->target)
		return;
	n->submitted++;
	if (log_append_leader(n->log, req, n->batch, n->batch_len, 1, append_done))
		n->errors++;
}

static void append_done(struct log_req *req, int status)
{
	struct bench_node *n = req->data;
	n->completed++;
	if (status)
		n->errors++;
	submit(n, req);
}

static void opened(struct log *log, int status, void *arg)
{
	struct bench_node *n = arg;
	if (status) {
		n->errors++;
		return;
	}
	for (int i = 0; i < IN_FLIGHT; i++) {
		n->reqs[i].data = n;
		submit(n, &n->reqs[i]);
	}
}

/* One batch of 16 records of 1 KiB values, encoded once and appended again
 * and again (the log assigns each copy its offsets). */
static void make_batch(struct bench_node *n)
{
	static uint8_t value[RECORD_BYTES];
	struct rb_record_spec recs[BATCH_RECORDS];
	for (int i = 0; i < BATCH_RECORDS; i++)
		recs[i] = (struct rb_record_spec){.offset_delta = i,
						  .value = {value, RECORD_BYTES}};
	struct rb_batch_header h = {
		.last_offset_delta = BATCH_RECORDS - 1, .base_timestamp = 1700000000000LL,
		.max_timestamp = 1700000000000LL, .producer_id = -1, .producer_epoch = -1,
		.base_sequence = -1,
	};
	struct wire_writer w;
	wire_writer_init(&w, NULL, 0);
	rb_encode_batch(&w, &h, recs, BATCH_RECORDS);
	n->batch_len = w.len;
	n->batch = env_alloc(n->env, w.len);
	wire_writer_init(&w, n->batch, w.len);
	rb_encode_batch(&w, &h, recs, BATCH_RECORDS);
}

static void *bench_start(struct env *env, const void *config)
{
	struct bench_node *n = env_calloc(env, 1, sizeof *n);
	n->env = env;
	make_batch(n);
	n->target = (uint64_t)TOTAL_MB * 1024 * 1024 / n->batch_len;
	log_open(env, config, opened, n, &n->log);
	return n;
}

int main(void)
{
	static const struct sim_node_class cls = {"broker", bench_start};
	struct log_config cfg;
	log_config_default(&cfg, "/data", "bench", 0);
	cfg.segment_bytes = 512 * 1024 * 1024;
	struct sim_world_config wc;
	sim_world_config_default(&wc, 1);
	struct sim_world *w = sim_world_new(&wc);
	uint32_t id = sim_node_add(w, "broker-1", &cls, &cfg);
	double t0 = wall_seconds();
	sim_node_start(w, id);
	struct bench_node *n = sim_node_state(w, id);
	while (n->completed < n->target && !n->errors)
		sim_run_for(w, 10 * SIM_NS_PER_MS);
	double t1 = wall_seconds();
	if (n->errors) {
		fprintf(stderr, "bench_log: append errors\n");
		return 1;
	}
	double mb = (double)log_size_bytes(n->log) / 1e6;
	printf("bench_log: append %.0f MB (%" PRIu64 " batches of %d x %d B records, %d in "
	       "flight): %.0f MB/s\n", mb, n->completed, BATCH_RECORDS, RECORD_BYTES, IN_FLIGHT,
	       mb / (t1 - t0));

	int64_t off = 0, leo = log_end_offset(n->log);
	size_t bytes = 0;
	t0 = wall_seconds();
	while (off < leo) {
		struct log_read r;
		if (log_read(n->log, off, 1024 * 1024, INT64_MAX, &r) || r.batches == 0) {
			fprintf(stderr, "bench_log: read failed at %" PRId64 "\n", off);
			return 1;
		}
		bytes += r.len;
		off = r.next_offset;
		log_read_free(n->log, &r);
	}
	t1 = wall_seconds();
	printf("bench_log: read %.0f MB in 1 MiB fetches (CRC checked): %.0f MB/s\n",
	       (double)bytes / 1e6, (double)bytes / 1e6 / (t1 - t0));
	sim_world_free(w);
	return 0;
}
