/*
 * The partition log on the simulated disk: appends and reads, offsets and
 * epochs, segment rolls and their files, index files, retention,
 * truncation, flush and checkpoints, idempotent duplicates, follower
 * contiguity, and recovery of a torn tail at open.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "broker/log/log_ckpt.h"
#include "tests/unit/test_log_util.h"

static struct log_config cfg;
static struct tl_world tw;

static int setup(void **state)
{
	log_config_default(&cfg, "/data", "orders", 0);
	return 0;
}

static void world_up(uint64_t seed)
{
	tl_world_init(&tw, seed, &cfg, NULL);
	assert_int_equal(tl_open(&tw), LOG_OK);
}

static int teardown(void **state)
{
	if (tw.w) {
		struct tl_node *n = tl_node(&tw);
		if (n) {
			tl_settle(&tw);
			log_close(n->log);
		}
		sim_world_free(tw.w);
		tw.w = NULL;
	}
	return 0;
}

static struct log *the_log(void)
{
	return tl_node(&tw)->log;
}

/* Appends n records (ids from id) in one leader batch and waits. */
static int64_t append_wait(uint64_t id, int n, size_t value_bytes, int32_t epoch)
{
	size_t len;
	uint8_t *b = tl_simple(id, n, value_bytes, &len);
	struct tl_req *r = tl_req_new();
	assert_int_equal(log_append_leader(the_log(), &r->req, b, len, epoch, tl_req_cb), LOG_OK);
	free(b);
	tl_settle(&tw);
	assert_true(r->done);
	assert_int_equal(r->status, LOG_OK);
	int64_t base = r->req.base_offset;
	assert_int_equal(r->req.last_offset, base + n - 1);
	free(r);
	return base;
}

static int64_t disk_size(const char *path)
{
	return sim_disk_size(sim_node_disk(tw.w, tw.id), path, false);
}

static char *disk_text(const char *path)
{
	int64_t n = disk_size(path);
	assert_true(n >= 0);
	char *buf = calloc(1, (size_t)n + 1);
	sim_disk_read(sim_node_disk(tw.w, tw.id), path, false, 0, buf, (size_t)n);
	return buf;
}

static void test_append_back_to_back_and_read(void **state)
{
	world_up(1);
	struct tl_req *r[3];
	for (int i = 0; i < 3; i++) {
		size_t len;
		uint8_t *b = tl_simple(100 + 10 * (uint64_t)i, 2 + i, 20, &len);
		r[i] = tl_req_new();
		assert_int_equal(log_append_leader(the_log(), &r[i]->req, b, len, 7, tl_req_cb),
				 LOG_OK);
		free(b);
		/* Nothing completes inside the call, and the LEO waits for the write. */
		assert_false(r[i]->done);
		assert_int_equal(log_end_offset(the_log()), 0);
	}
	tl_settle(&tw);
	int64_t expect_base[3] = {0, 2, 5};
	for (int i = 0; i < 3; i++) {
		assert_int_equal(r[i]->status, LOG_OK);
		assert_int_equal(r[i]->req.base_offset, expect_base[i]);
		free(r[i]);
	}
	assert_int_equal(log_end_offset(the_log()), 9);
	assert_int_equal(log_epoch_latest(log_epochs(the_log())), 7);

	uint64_t ids[16];
	int64_t next;
	assert_int_equal(tl_read_ids(the_log(), 0, ids, 16, &next), 9);
	uint64_t want[9] = {100, 101, 110, 111, 112, 120, 121, 122, 123};
	for (int i = 0; i < 9; i++)
		assert_int_equal(ids[i], want[i]);

	/* A read from the middle of a batch returns the whole batch; the
	 * stored batch carries the assigned offset and epoch. */
	struct log_read rd;
	assert_int_equal(log_read(the_log(), 3, 1, INT64_MAX, &rd), LOG_OK);
	assert_int_equal(rd.batches, 1); /* at least one batch, though max_bytes is 1 */
	struct rb_batch b;
	assert_int_equal(rb_validate_batch(rd.data, rd.len, RB_VALIDATE_DENSE, &b), RB_OK);
	assert_int_equal(b.h.base_offset, 2);
	assert_int_equal(b.h.partition_leader_epoch, 7);
	assert_int_equal(rd.next_offset, 5);
	log_read_free(the_log(), &rd);

	/* The caller's bound (a high watermark) stops before a batch past it. */
	assert_int_equal(log_read(the_log(), 0, 1 << 20, 5, &rd), LOG_OK);
	assert_int_equal(rd.batches, 2);
	assert_int_equal(rd.next_offset, 5);
	log_read_free(the_log(), &rd);
	assert_int_equal(log_read(the_log(), 0, 1 << 20, 4, &rd), LOG_OK);
	assert_int_equal(rd.batches, 1);
	log_read_free(the_log(), &rd);
	/* At the LEO: empty; past it: out of range. */
	assert_int_equal(log_read(the_log(), 9, 1 << 20, INT64_MAX, &rd), LOG_OK);
	assert_int_equal(rd.batches, 0);
	assert_int_equal(log_read(the_log(), 10, 1 << 20, INT64_MAX, &rd), LOG_EOUT_OF_RANGE);
}

static void test_invalid_batches_refused_at_once(void **state)
{
	world_up(2);
	size_t len;
	uint8_t *b = tl_simple(1, 3, 10, &len);
	struct tl_req *r = tl_req_new();
	b[len - 1] ^= 1; /* the CRC no longer matches */
	assert_int_equal(log_append_leader(the_log(), &r->req, b, len, 0, tl_req_cb),
			 LOG_ECORRUPT);
	b[len - 1] ^= 1;
	assert_int_equal(log_append_leader(the_log(), &r->req, b, len - 1, 0, tl_req_cb),
			 LOG_ECORRUPT); /* cut short */
	assert_int_equal(log_append_leader(the_log(), &r->req, b, 0, 0, tl_req_cb), LOG_EINVAL);
	assert_int_equal(log_append_leader(the_log(), &r->req, b, len, -1, tl_req_cb),
			 LOG_EINVAL);
	tl_settle(&tw);
	assert_false(r->done);
	assert_int_equal(log_end_offset(the_log()), 0);
	free(r);
	free(b);
}

static void test_roll_names_and_index_files(void **state)
{
	cfg.segment_bytes = 2000;
	cfg.index_interval_bytes = 300;
	world_up(3);
	for (int i = 0; i < 30; i++)
		append_wait(1000 + 4 * (uint64_t)i, 4, 40, 0); /* about 300 bytes each */
	struct log *log = the_log();
	assert_true(log_segment_count(log) >= 4);
	char path[128];
	for (size_t i = 0; i < log_segment_count(log); i++) {
		const struct log_segment *seg = log_segment_at(log, i);
		if (i)
			assert_int_equal(seg->base_offset,
					 log_segment_at(log, i - 1)->next_offset);
		assert_true(seg->size <= cfg.segment_bytes);
		log_segment_path(path, sizeof path, log_dir(log), seg->base_offset, ".log");
		assert_int_equal(disk_size(path), seg->size);
		/* The .index file holds the in-memory entries, 8 bytes each. */
		log_segment_path(path, sizeof path, log_dir(log), seg->base_offset, ".index");
		int64_t n = disk_size(path);
		assert_int_equal(n, (int64_t)seg->ix.n * 8);
		assert_true(seg->ix.n > 0);
		uint8_t *bytes = malloc((size_t)n);
		sim_disk_read(sim_node_disk(tw.w, tw.id), path, false, 0, bytes, (size_t)n);
		for (size_t k = 0; k < seg->ix.n; k++) {
			struct log_index_entry e;
			assert_int_equal(log_index_decode(bytes, (size_t)n, k, &e), LOG_OK);
			assert_int_equal(e.rel_offset, seg->ix.e[k].rel_offset);
			assert_int_equal(e.position, seg->ix.e[k].position);
		}
		free(bytes);
		log_segment_path(path, sizeof path, log_dir(log), seg->base_offset,
				 ".timeindex");
		assert_int_equal(disk_size(path), (int64_t)seg->tx.n * 12);
	}
	assert_true(disk_size("/data/orders-0/00000000000000000000.log") > 0);
	/* Every offset reads back through the index. */
	for (int64_t off = 0; off < log_end_offset(log); off += 3) {
		uint64_t ids[8];
		int64_t next;
		struct log_read rd;
		assert_int_equal(log_read(log, off, 1, INT64_MAX, &rd), LOG_OK);
		struct rb_batch b;
		assert_int_equal(rb_validate_batch(rd.data, rd.len, 0, &b), RB_OK);
		assert_true(b.h.base_offset <= off && off <= rb_last_offset(&b.h));
		log_read_free(log, &rd);
		(void)ids;
		(void)next;
	}
	/* A roll schedules a flush of the finished segment (Kafka's roll). */
	assert_true(log_recovery_point(log) >= log_segment_at(log, log_segment_count(log) - 1)
							    ->base_offset);
}

/*
 * The indexing rule, worked by hand. Each batch here is one record with a
 * 10-byte value: the record is length 1 + attributes 1 + timestampDelta 1
 * + offsetDelta 1 + key length 1 (-1) + value length 1 + value 10 + header
 * count 1 = 17 bytes, so the batch is 61 + 17 = 78 bytes. With
 * index.interval.bytes 100, an entry goes in before a batch once more than
 * 100 bytes were written since the last one: before batch 2 (156 bytes
 * since the start), then before batch 4 (156 since batch 2). Entries are
 * (relative offset of the batch's last offset, position): (2, 156) and
 * (4, 312), i.e. 00 00 00 02 00 00 00 9c and 00 00 00 04 00 00 01 38.
 * The time index gets (largest timestamp so far, its offset) at the same
 * moments when that timestamp grew. As in Kafka's LogSegment.append, the
 * largest timestamp takes the incoming batch in first: batch timestamps are
 * TS0 + 10 * i, so the entries are (TS0 + 20, 2) and (TS0 + 40, 4).
 */
static void test_index_entries_by_hand(void **state)
{
	cfg.index_interval_bytes = 100;
	world_up(16);
	for (int i = 0; i < 5; i++) {
		struct tl_batch_spec s = {(uint64_t)i, 1, 10, -1, -1, -1, TL_TS0 + 10 * i};
		size_t len;
		uint8_t *b = tl_batch(&s, &len);
		assert_int_equal(len, 78);
		struct tl_req *r = tl_req_new();
		assert_int_equal(log_append_leader(the_log(), &r->req, b, len, 0, tl_req_cb),
				 LOG_OK);
		tl_settle(&tw);
		free(b);
		free(r);
	}
	static const uint8_t want_ix[16] = {0, 0, 0, 2, 0, 0, 0, 0x9c, 0, 0, 0, 4, 0, 0, 1, 0x38};
	uint8_t got[24] = {0};
	struct sim_disk *d = sim_node_disk(tw.w, tw.id);
	assert_int_equal(disk_size("/data/orders-0/00000000000000000000.index"), 16);
	sim_disk_read(d, "/data/orders-0/00000000000000000000.index", false, 0, got, 16);
	assert_memory_equal(got, want_ix, 16);
	/* TS0 = 1700000000000 = 0x0000018bcfe56800; + 20 = ...6814, + 40 = ...6828. */
	static const uint8_t want_tx[24] = {
		0, 0, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x14, 0, 0, 0, 2,
		0, 0, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x28, 0, 0, 0, 4,
	};
	assert_int_equal(disk_size("/data/orders-0/00000000000000000000.timeindex"), 24);
	sim_disk_read(d, "/data/orders-0/00000000000000000000.timeindex", false, 0, got, 24);
	assert_memory_equal(got, want_tx, 24);
}

/* ListOffsets by timestamp: the first record at or after the time, found
 * through the time index across segments. */
static void test_offset_for_timestamp(void **state)
{
	cfg.segment_bytes = 600;
	cfg.index_interval_bytes = 100;
	world_up(17);
	/* Batch i holds records 2i and 2i+1, both stamped TS0 + 100 * i,
	 * except batch 5, stamped earlier (clocks step back). */
	for (int i = 0; i < 12; i++) {
		int64_t ts = TL_TS0 + 100 * (i == 5 ? 1 : i);
		struct tl_batch_spec s = {(uint64_t)(2 * i), 2, 20, -1, -1, -1, ts};
		size_t len;
		uint8_t *b = tl_batch(&s, &len);
		struct tl_req *r = tl_req_new();
		assert_int_equal(log_append_leader(the_log(), &r->req, b, len, 0, tl_req_cb),
				 LOG_OK);
		tl_settle(&tw);
		free(b);
		free(r);
	}
	struct log *log = the_log();
	assert_true(log_segment_count(log) >= 3);
	int64_t off, ts;
	assert_int_equal(log_offset_for_timestamp(log, TL_TS0, &off, &ts), LOG_OK);
	assert_int_equal(off, 0);
	assert_int_equal(log_offset_for_timestamp(log, TL_TS0 + 450, &off, &ts), LOG_OK);
	assert_int_equal(off, 12); /* batch 6 at TS0 + 600; batch 5 went back in time */
	assert_true(ts == TL_TS0 + 600);
	assert_int_equal(log_offset_for_timestamp(log, TL_TS0 + 300, &off, &ts), LOG_OK);
	assert_int_equal(off, 6);
	assert_int_equal(log_offset_for_timestamp(log, TL_TS0 + 1100, &off, &ts), LOG_OK);
	assert_int_equal(off, 22);
	assert_int_equal(log_offset_for_timestamp(log, TL_TS0 + 1101, &off, &ts),
			 LOG_EOUT_OF_RANGE);
}

static void test_roll_when_index_full(void **state)
{
	cfg.index_interval_bytes = 0; /* an entry for every batch after the first */
	cfg.segment_index_bytes = 24; /* three offset entries, two time entries */
	world_up(4);
	for (int i = 0; i < 12; i++)
		append_wait((uint64_t)i, 1, 10, 0);
	struct log *log = the_log();
	assert_true(log_segment_count(log) >= 3);
	for (size_t i = 0; i < log_segment_count(log); i++)
		assert_true(log_segment_at(log, i)->ix.n <= 3);
}

static void test_retention_by_bytes_and_time(void **state)
{
	cfg.segment_bytes = 1000;
	cfg.retention_bytes = 2500;
	world_up(5);
	for (int i = 0; i < 20; i++)
		append_wait((uint64_t)i * 2, 2, 100, 0);
	struct log *log = the_log();
	size_t before = log_segment_count(log);
	int64_t size = log_size_bytes(log);
	assert_true(size > 2500);
	/* Below the high watermark only: with it at 0 nothing goes. */
	log_maybe_retain(log, TL_TS0, 0);
	tl_settle(&tw);
	assert_int_equal(log_segment_count(log), before);
	log_maybe_retain(log, TL_TS0, log_end_offset(log));
	tl_settle(&tw);
	assert_true(log_segment_count(log) < before);
	assert_true(log_size_bytes(log) <= 2500 + 1000);
	assert_true(log_size_bytes(log) > 2500 - 1000);
	int64_t start = log_start_offset(log);
	assert_int_equal(start, log_segment_at(log, 0)->base_offset);
	assert_true(start > 0);
	struct log_read rd;
	assert_int_equal(log_read(log, start - 1, 100, INT64_MAX, &rd), LOG_EOUT_OF_RANGE);
	char path[128];
	log_segment_path(path, sizeof path, log_dir(log), 0, ".log");
	assert_true(disk_size(path) < 0); /* deleted */
	char *lso = disk_text("/data/log-start-offset-checkpoint");
	char want[64];
	snprintf(want, sizeof want, "0\n1\norders 0 %lld\n", (long long)start);
	assert_string_equal(lso, want);
	free(lso);

	/* By time: every segment but the active one is older than an hour. */
	cfg.retention_bytes = -1;
	cfg.retention_ms = 3600 * 1000;
	log_maybe_retain(log, TL_TS0 + 3600 * 1000, INT64_MAX); /* not past it yet */
	tl_settle(&tw);
	assert_true(log_segment_count(log) > 1);
	log_maybe_retain(log, TL_TS0 + 3600 * 1000 + 1, INT64_MAX);
	tl_settle(&tw);
	assert_int_equal(log_segment_count(log), 1);
	assert_int_equal(log_start_offset(log), log_segment_at(log, 0)->base_offset);
}

static void test_truncate_to_and_fully(void **state)
{
	cfg.segment_bytes = 800;
	world_up(6);
	for (int i = 0; i < 12; i++)
		append_wait(10 * (uint64_t)i, 3, 50, i < 6 ? 1 : 2); /* epochs 1 then 2 at 18 */
	struct log *log = the_log();
	assert_int_equal(log_end_offset(log), 36);
	const struct log_epoch_cache *ec = log_epochs(log);
	assert_int_equal(ec->n, 2);
	assert_int_equal(ec->e[1].start_offset, 18);
	size_t segs = log_segment_count(log);
	assert_true(segs > 2);

	/* To the middle of a batch: the whole batch goes. */
	struct tl_req *r = tl_req_new();
	assert_int_equal(log_truncate_to(log, &r->req, 16, tl_req_cb), LOG_OK);
	tl_settle(&tw);
	assert_int_equal(r->status, LOG_OK);
	assert_int_equal(r->req.base_offset, 15);
	assert_int_equal(log_end_offset(log), 15);
	assert_true(log_segment_count(log) < segs);
	assert_int_equal(log_epoch_latest(ec), 1); /* epoch 2 started at 18 */
	assert_true(log_recovery_point(log) <= 15);
	const struct log_segment *last = log_segment_at(log, log_segment_count(log) - 1);
	char path[128];
	log_segment_path(path, sizeof path, log_dir(log), last->base_offset, ".log");
	assert_int_equal(disk_size(path), last->size);
	/* The truncation is durable at once. */
	assert_int_equal(sim_disk_size(sim_node_disk(tw.w, tw.id), path, true), last->size);
	uint64_t ids[64];
	int64_t next;
	assert_int_equal(tl_read_ids(log, 0, ids, 64, &next), 15);
	assert_int_equal(ids[14], 42);
	/* Appending continues at 15. */
	assert_int_equal(append_wait(500, 2, 10, 3), 15);
	assert_int_equal(log_epoch_latest(ec), 3);

	/* Fully: an empty log at 100. */
	assert_int_equal(log_truncate_fully(log, &r->req, 100, tl_req_cb), LOG_OK);
	r->done = false;
	tl_settle(&tw);
	assert_true(r->done);
	assert_int_equal(r->status, LOG_OK);
	assert_int_equal(log_segment_count(log), 1);
	assert_int_equal(log_start_offset(log), 100);
	assert_int_equal(log_end_offset(log), 100);
	assert_int_equal(ec->n, 0);
	assert_true(disk_size("/data/orders-0/00000000000000000100.log") == 0);
	assert_true(disk_size("/data/orders-0/00000000000000000000.log") < 0);
	assert_int_equal(append_wait(900, 1, 10, 4), 100);
	free(r);
}

static void test_flush_recovery_point_and_checkpoints(void **state)
{
	world_up(7);
	struct log *log = the_log();
	append_wait(1, 5, 10, 3);
	append_wait(6, 5, 10, 4);
	assert_int_equal(log_recovery_point(log), 0);
	struct sim_disk *d = sim_node_disk(tw.w, tw.id);
	assert_int_equal(sim_disk_size(d, "/data/orders-0/00000000000000000000.log", true), 0);
	struct tl_req *r = tl_req_new();
	assert_int_equal(log_flush(log, &r->req, tl_req_cb), LOG_OK);
	tl_settle(&tw);
	assert_int_equal(r->status, LOG_OK);
	assert_int_equal(r->req.last_offset, 10);
	assert_int_equal(log_recovery_point(log), 10);
	assert_int_equal(sim_disk_size(d, "/data/orders-0/00000000000000000000.log", true),
			 disk_size("/data/orders-0/00000000000000000000.log"));
	char *rp = disk_text("/data/recovery-point-offset-checkpoint");
	assert_string_equal(rp, "0\n1\norders 0 10\n");
	free(rp);
	/* The epoch checkpoint in Kafka's format, durable through its fsync. */
	char *ep = disk_text("/data/orders-0/leader-epoch-checkpoint");
	assert_string_equal(ep, "0\n2\n3 0\n4 5\n");
	free(ep);
	assert_true(sim_disk_size(d, "/data/orders-0/leader-epoch-checkpoint", true) > 0);
	free(r);
}

static void test_flush_policies(void **state)
{
	cfg.flush_interval_messages = 4;
	world_up(8);
	struct log *log = the_log();
	append_wait(1, 3, 10, 0);
	assert_int_equal(log_recovery_point(log), 0);
	append_wait(4, 1, 10, 0);
	tl_settle(&tw);
	assert_int_equal(log_recovery_point(log), 4);
	cfg.flush_interval_messages = LOG_NEVER;
	cfg.flush_interval_ms = 1000;
	append_wait(5, 1, 10, 0);
	log_maybe_flush(log, sim_now(tw.w));
	tl_settle(&tw);
	assert_int_equal(log_recovery_point(log), 4); /* not a second yet */
	sim_run_for(tw.w, 2 * SIM_NS_PER_S);
	log_maybe_flush(log, sim_now(tw.w));
	tl_settle(&tw);
	assert_int_equal(log_recovery_point(log), 5);
}

static void test_idempotent_producer(void **state)
{
	world_up(9);
	struct log *log = the_log();
	struct tl_batch_spec s = {1, 3, 10, 77, 0, 0, TL_TS0};
	size_t len;
	uint8_t *b = tl_batch(&s, &len);
	struct tl_req *r = tl_req_new();
	assert_int_equal(log_append_leader(log, &r->req, b, len, 0, tl_req_cb), LOG_OK);
	tl_settle(&tw);
	assert_int_equal(r->status, LOG_OK);
	/* The retry is a duplicate, answered with the first offsets. */
	r->done = false;
	assert_int_equal(log_append_leader(log, &r->req, b, len, 0, tl_req_cb), LOG_OK);
	tl_settle(&tw);
	assert_int_equal(r->status, LOG_DUPLICATE);
	assert_int_equal(r->req.base_offset, 0);
	assert_int_equal(r->req.last_offset, 2);
	assert_int_equal(log_end_offset(log), 3);
	free(b);
	/* A gap in sequence. */
	s.base_sequence = 5;
	b = tl_batch(&s, &len);
	assert_int_equal(log_append_leader(log, &r->req, b, len, 0, tl_req_cb), LOG_OK);
	tl_settle(&tw);
	assert_int_equal(r->status, LOG_EOUT_OF_ORDER);
	free(b);
	/* In sequence. */
	s.base_sequence = 3;
	b = tl_batch(&s, &len);
	assert_int_equal(log_append_leader(log, &r->req, b, len, 0, tl_req_cb), LOG_OK);
	tl_settle(&tw);
	assert_int_equal(r->status, LOG_OK);
	assert_int_equal(r->req.base_offset, 3);
	free(b);
	/* The state is rebuilt from the log after a restart. */
	sim_node_kill(tw.w, tw.id);
	assert_int_equal(tl_open(&tw), LOG_OK);
	log = the_log();
	const struct log_pstate_entry *e = log_pstate_find(log_producers(log), 77);
	assert_non_null(e);
	assert_int_equal(e->n, 2);
	assert_int_equal(e->b[1].first_seq, 3);
	assert_int_equal(e->b[1].last_offset, 5);
	s.base_sequence = 0;
	b = tl_batch(&s, &len);
	r->done = false;
	assert_int_equal(log_append_leader(log, &r->req, b, len, 0, tl_req_cb), LOG_OK);
	tl_settle(&tw);
	assert_int_equal(r->status, LOG_DUPLICATE);
	free(b);
	/* A stale epoch is fenced. */
	s.producer_epoch = 1;
	s.base_sequence = 0;
	b = tl_batch(&s, &len);
	assert_int_equal(log_append_leader(log, &r->req, b, len, 0, tl_req_cb), LOG_OK);
	tl_settle(&tw);
	assert_int_equal(r->status, LOG_OK);
	free(b);
	s.producer_epoch = 0;
	s.base_sequence = 6;
	b = tl_batch(&s, &len);
	assert_int_equal(log_append_leader(log, &r->req, b, len, 0, tl_req_cb), LOG_OK);
	tl_settle(&tw);
	assert_int_equal(r->status, LOG_EFENCED);
	free(b);
	free(r);
}

static void test_follower_append(void **state)
{
	world_up(10);
	struct log *log = the_log();
	size_t len;
	uint8_t *b = tl_simple(1, 4, 10, &len);
	rb_set_base_offset(b, len, 0);
	rb_set_partition_leader_epoch(b, len, 5);
	struct tl_req *r = tl_req_new();
	assert_int_equal(log_append_follower(log, &r->req, b, len, tl_req_cb), LOG_OK);
	tl_settle(&tw);
	assert_int_equal(r->status, LOG_OK);
	assert_int_equal(log_end_offset(log), 4);
	assert_int_equal(log_epoch_latest(log_epochs(log)), 5);
	/* A gap is refused, and so is a repeat. */
	rb_set_base_offset(b, len, 6);
	assert_int_equal(log_append_follower(log, &r->req, b, len, tl_req_cb), LOG_OK);
	tl_settle(&tw);
	assert_int_equal(r->status, LOG_ENOT_CONTIGUOUS);
	rb_set_base_offset(b, len, 0);
	assert_int_equal(log_append_follower(log, &r->req, b, len, tl_req_cb), LOG_OK);
	tl_settle(&tw);
	assert_int_equal(r->status, LOG_ENOT_CONTIGUOUS);
	rb_set_base_offset(b, len, 4);
	assert_int_equal(log_append_follower(log, &r->req, b, len, tl_req_cb), LOG_OK);
	tl_settle(&tw);
	assert_int_equal(r->status, LOG_OK);
	assert_int_equal(log_end_offset(log), 8);
	int32_t ep;
	int64_t eo;
	log_epoch_end_offset(log_epochs(log), 5, log_end_offset(log), &ep, &eo);
	assert_int_equal(ep, 5);
	assert_int_equal(eo, 8);
	free(b);
	free(r);
}

static void junk_done(struct env_req *req, int status)
{
	*(int *)req->data = status;
}

static void test_recovery_truncates_torn_tail(void **state)
{
	cfg.index_interval_bytes = 100;
	world_up(11);
	for (int i = 0; i < 6; i++)
		append_wait(10 * (uint64_t)i, 2, 60, 0);
	struct log *log = the_log();
	const struct log_segment *seg = log_segment_at(log, 0);
	int64_t good = seg->size;
	/* Half a batch at the end, as a torn write leaves it. */
	size_t len;
	uint8_t *b = tl_simple(99, 3, 60, &len);
	rb_set_base_offset(b, len, 12);
	struct env_req req = {0};
	int status = 1;
	req.data = &status;
	env_file_append(&req, seg->log, b, len / 2, junk_done);
	sim_run_for(tw.w, SIM_NS_PER_MS);
	assert_int_equal(status, 0);
	free(b);
	/* And a clobbered index file: recovery rebuilds it. */
	assert_true(seg->ix.n > 0);
	static const uint8_t junk[8] = {0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 1};
	status = 1;
	env_file_write(&req, seg->index, 0, junk, sizeof junk, junk_done);
	sim_run_for(tw.w, SIM_NS_PER_MS);
	assert_int_equal(status, 0);
	size_t entries = seg->ix.n;
	struct log_index_entry first = seg->ix.e[0];
	sim_node_kill(tw.w, tw.id);
	assert_int_equal(tl_open(&tw), LOG_OK);
	log = the_log();
	assert_int_equal(log_end_offset(log), 12);
	tl_settle(&tw);
	assert_int_equal(disk_size("/data/orders-0/00000000000000000000.log"), good);
	uint64_t ids[16];
	int64_t next;
	assert_int_equal(tl_read_ids(log, 0, ids, 16, &next), 12);
	seg = log_segment_at(log, 0);
	assert_int_equal(seg->ix.n, entries);
	uint8_t bytes[8], want[8];
	log_index_encode(&first, want);
	sim_disk_read(sim_node_disk(tw.w, tw.id), "/data/orders-0/00000000000000000000.index",
		      false, 0, bytes, 8);
	assert_memory_equal(bytes, want, 8);
	assert_int_equal(append_wait(7, 1, 10, 0), 12);
}

/* Flips one byte inside the records of the batch holding `offset` (its CRC
 * no longer matches; its header still reads). */
static void corrupt_batch_at(int64_t offset)
{
	const struct log_segment *seg = log_segment_at(the_log(), 0);
	int64_t pos;
	struct rb_batch_header h;
	assert_int_equal(log_segment_find((struct log_segment *)seg, offset, &pos, &h), LOG_OK);
	uint8_t byte;
	struct sim_disk *d = sim_node_disk(tw.w, tw.id);
	const char *path = "/data/orders-0/00000000000000000000.log";
	sim_disk_read(d, path, false, pos + 70, &byte, 1);
	byte ^= 0x55;
	struct env_req req = {0};
	int status = 1;
	req.data = &status;
	env_file_write(&req, seg->log, pos + 70, &byte, 1, junk_done);
	sim_run_for(tw.w, SIM_NS_PER_MS);
	assert_int_equal(status, 0);
}

/* Six batches of two records, the fourth (offsets 6-7) corrupted, then a
 * kill and an open with or without the clean-shutdown marker. */
static void reopen_corrupted(bool clean)
{
	for (int i = 0; i < 6; i++)
		append_wait(10 * (uint64_t)i, 2, 60, 0);
	corrupt_batch_at(6);
	sim_node_kill(tw.w, tw.id);
	cfg.clean_shutdown = clean;
	assert_int_equal(tl_open(&tw), LOG_OK);
	tl_settle(&tw);
	cfg.clean_shutdown = false;
}

/* After a clean shutdown (Kafka's .kafka_cleanshutdown) the log opens
 * without recovery: batches are not validated and the recovery point is
 * the log end. Without the marker the same bytes are recovered: the log is
 * cut at the bad batch. */
static void test_clean_shutdown_skips_recovery(void **state)
{
	world_up(12);
	reopen_corrupted(true);
	assert_int_equal(log_end_offset(the_log()), 12);
	assert_int_equal(log_recovery_point(the_log()), 12);
}

static void test_unclean_open_recovers(void **state)
{
	world_up(12);
	reopen_corrupted(false);
	assert_int_equal(log_end_offset(the_log()), 6);
}

static void test_roll_by_segment_ms(void **state)
{
	cfg.segment_ms = 60 * 1000;
	world_up(13);
	struct log *log = the_log();
	int64_t ts[4] = {TL_TS0, TL_TS0 + 30000, TL_TS0 + 60000, TL_TS0 + 60001};
	for (int i = 0; i < 4; i++) {
		struct tl_batch_spec s = {(uint64_t)i, 1, 10, -1, -1, -1, ts[i]};
		size_t len;
		uint8_t *b = tl_batch(&s, &len);
		struct tl_req *r = tl_req_new();
		assert_int_equal(log_append_leader(log, &r->req, b, len, 0, tl_req_cb), LOG_OK);
		tl_settle(&tw);
		assert_int_equal(r->status, LOG_OK);
		free(b);
		free(r);
	}
	/* The first three lie within segment.ms of the segment's first batch;
	 * the fourth is past it and starts a new segment. */
	assert_int_equal(log_segment_count(log), 2);
	assert_int_equal(log_segment_at(log, 1)->base_offset, 3);
	assert_true(log_segment_at(log, 0)->max_timestamp == TL_TS0 + 60000);
}

static void test_disk_error_takes_log_offline(void **state)
{
	world_up(14);
	struct log *log = the_log();
	append_wait(1, 2, 10, 0);
	struct sim_disk *d = sim_node_disk(tw.w, tw.id);
	sim_disk_set_fault(d, SIM_DISK_WRITE_ERROR, true);
	size_t len;
	uint8_t *b = tl_simple(3, 1, 10, &len);
	struct tl_req *r1 = tl_req_new(), *r2 = tl_req_new();
	assert_int_equal(log_append_leader(log, &r1->req, b, len, 0, tl_req_cb), LOG_OK);
	assert_int_equal(log_append_leader(log, &r2->req, b, len, 0, tl_req_cb), LOG_OK);
	tl_settle(&tw);
	assert_int_equal(r1->status, LOG_EIO);
	assert_int_equal(r2->status, LOG_EOFFLINE);
	assert_true(log_offline(log));
	assert_int_equal(log_end_offset(log), 2);
	struct log_read rd;
	assert_int_equal(log_read(log, 0, 100, INT64_MAX, &rd), LOG_EOFFLINE);
	/* Healed and restarted, the log has what completed before. */
	sim_disk_set_fault(d, SIM_DISK_WRITE_ERROR, false);
	sim_node_kill(tw.w, tw.id);
	assert_int_equal(tl_open(&tw), LOG_OK);
	assert_int_equal(log_end_offset(the_log()), 2);
	assert_int_equal(append_wait(3, 1, 10, 0), 2);
	free(b);
	free(r1);
	free(r2);
}

/* A node that leaves a messy directory behind, then opens the log. */
struct messy_node {
	struct tl_node n; /* first: tl_node() reads it */
	struct env *env;
	struct env_req req;
	struct env_file *f;
};

static void messy_written(struct env_req *req, int status)
{
	struct messy_node *m = req->data;
	assert_int_equal(status, 0);
	env_file_close(m->f);
	assert_int_equal(log_open(m->env, &cfg, tl_opened, &m->n, &m->n.log), LOG_OK);
}

static void *messy_start(struct env *env, const void *config)
{
	static const char *const names[] = {
		"/data/orders-0/00000000000000000000.log",
		"/data/orders-0/00000000000000000009.log",      /* does not continue 0 */
		"/data/orders-0/00000000000000000005.index",    /* no segment */
		"/data/orders-0/00000000000000000003.log.deleted",
		"/data/orders-0/notes.txt",                     /* not ours: kept */
	};
	struct messy_node *m = env_calloc(env, 1, sizeof *m);
	m->env = env;
	m->n.open_status = 1;
	env_mkdirs(env, "/data/orders-0");
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct env_file *f;
		assert_int_equal(env_file_open(env, names[i], ENV_O_CREATE, &f), ENV_OK);
		env_file_close(f);
	}
	/* A malformed recovery-point checkpoint: ignored, the log checked whole. */
	static const char junk[] = "0\n2\norders 0 5\n";
	env_file_open(env, "/data/recovery-point-offset-checkpoint", ENV_O_CREATE, &m->f);
	m->req.data = m;
	env_file_write(&m->req, m->f, 0, junk, sizeof junk - 1, messy_written);
	return m;
}

static void test_open_cleans_a_messy_directory(void **state)
{
	static const struct sim_node_class messy = {"log", messy_start};
	struct sim_world_config wc;
	sim_world_config_default(&wc, 15);
	tw.w = sim_world_new(&wc);
	tw.id = sim_node_add(tw.w, "broker-1", &messy, &cfg);
	sim_node_start(tw.w, tw.id);
	assert_true(tl_run_until(&tw, tl_is_idle, &tw, 10 * SIM_NS_PER_S));
	struct log *log = the_log();
	assert_int_equal(tl_node(&tw)->open_status, LOG_OK);
	assert_int_equal(log_segment_count(log), 1);
	assert_int_equal(log_end_offset(log), 0);
	assert_int_equal(log_recovery_point(log), 0);
	assert_true(disk_size("/data/orders-0/00000000000000000009.log") < 0);
	assert_true(disk_size("/data/orders-0/00000000000000000005.index") < 0);
	assert_true(disk_size("/data/orders-0/00000000000000000003.log.deleted") < 0);
	assert_int_equal(disk_size("/data/orders-0/notes.txt"), 0);
	assert_int_equal(disk_size("/data/orders-0/00000000000000000000.index"), 0);
	append_wait(1, 2, 10, 0);
	struct tl_req *r = tl_req_new();
	log_flush(log, &r->req, tl_req_cb);
	tl_settle(&tw);
	char *rp = disk_text("/data/recovery-point-offset-checkpoint");
	assert_string_equal(rp, "0\n1\norders 0 2\n");
	free(rp);
	free(r);
}

/* A node whose first segment holds a valid prefix then arbitrary bytes. */
struct garbage {
	uint64_t seed;
	int good_batches;
};

static struct garbage garbage_cfg;

static void garbage_written(struct env_req *req, int status)
{
	struct messy_node *m = req->data;
	assert_int_equal(status, 0);
	env_file_close(m->f);
	assert_int_equal(log_open(m->env, &cfg, tl_opened, &m->n, &m->n.log), LOG_OK);
}

static void *garbage_start(struct env *env, const void *config)
{
	struct messy_node *m = env_calloc(env, 1, sizeof *m);
	m->env = env;
	m->n.open_status = 1;
	env_mkdirs(env, "/data/orders-0");
	uint8_t bytes[6000];
	size_t n = 0;
	for (int i = 0; i < garbage_cfg.good_batches; i++) {
		size_t len;
		uint8_t *b = tl_simple((uint64_t)i, 2, 30, &len);
		rb_set_base_offset(b, len, 2 * i);
		memcpy(bytes + n, b, len);
		n += len;
		free(b);
	}
	/* Then arbitrary bytes (splitmix64), sometimes a plausible header. */
	uint64_t x = garbage_cfg.seed;
	size_t tail = 1 + (size_t)(garbage_cfg.seed % 3000);
	for (size_t i = 0; i < tail; i++) {
		uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		bytes[n + i] = (uint8_t)(z >> 56);
	}
	if (garbage_cfg.seed & 1 && tail >= 17) {
		/* The next offset, a small length and magic 2: only the CRC or
		 * the records can tell. */
		memset(bytes + n, 0, 17);
		bytes[n + 7] = (uint8_t)(2 * garbage_cfg.good_batches);
		bytes[n + 11] = 60;
		bytes[n + 16] = 2;
	}
	n += tail;
	env_file_open(env, "/data/orders-0/00000000000000000000.log", ENV_O_CREATE, &m->f);
	m->req.data = m;
	env_file_write(&m->req, m->f, 0, bytes, n, garbage_written);
	return m;
}

static void test_open_survives_garbage(void **state)
{
	static const struct sim_node_class cls = {"log", garbage_start};
	int runs = getenv("KSIM_UNDER_VALGRIND") ? 20 : 300;
	for (int i = 0; i < runs; i++) {
		garbage_cfg = (struct garbage){.seed = 1000 + (uint64_t)i, .good_batches = i % 4};
		struct sim_world_config wc;
		sim_world_config_default(&wc, (uint64_t)i);
		tw.w = sim_world_new(&wc);
		tw.id = sim_node_add(tw.w, "broker-1", &cls, &cfg);
		sim_node_start(tw.w, tw.id);
		assert_true(tl_run_until(&tw, tl_is_idle, &tw, 10 * SIM_NS_PER_S));
		struct log *log = the_log();
		assert_int_equal(tl_node(&tw)->open_status, LOG_OK);
		/* The valid prefix, and nothing of the garbage. */
		assert_int_equal(log_end_offset(log), 2 * (i % 4));
		uint64_t ids[16];
		int64_t next;
		assert_int_equal(tl_read_ids(log, 0, ids, 16, &next), 2 * (i % 4));
		int64_t size = disk_size("/data/orders-0/00000000000000000000.log");
		assert_int_equal(size, log_segment_at(log, 0)->size);
		log_close(log);
		sim_world_free(tw.w);
		tw.w = NULL;
	}
}

static void test_bad_config_refused(void **state)
{
	cfg.segment_bytes = 10;
	tl_world_init(&tw, 12, &cfg, NULL);
	sim_node_start(tw.w, tw.id);
	assert_int_equal(tl_node(&tw)->open_status, LOG_EINVAL);
	assert_null(tl_node(&tw)->log);
	sim_world_free(tw.w);
	tw.w = NULL;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_append_back_to_back_and_read),
		T(test_invalid_batches_refused_at_once),
		T(test_roll_names_and_index_files),
		T(test_index_entries_by_hand),
		T(test_roll_when_index_full),
		T(test_offset_for_timestamp),
		T(test_retention_by_bytes_and_time),
		T(test_truncate_to_and_fully),
		T(test_flush_recovery_point_and_checkpoints),
		T(test_flush_policies),
		T(test_idempotent_producer),
		T(test_follower_append),
		T(test_recovery_truncates_torn_tail),
		T(test_clean_shutdown_skips_recovery),
		T(test_unclean_open_recovers),
		T(test_bad_config_refused),
		T(test_roll_by_segment_ms),
		T(test_disk_error_takes_log_offline),
		T(test_open_cleans_a_messy_directory),
		T(test_open_survives_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
