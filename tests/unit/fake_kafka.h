/*
 * fake_kafka — a test fixture: brokers that keep each partition's log as a
 * plain array in test memory (`struct truth`), behind the real front door
 * (broker/kafka/brk_front). They answer Metadata, InitProducerId, Produce
 * (with idempotent duplicate detection), Fetch (one batch per run of records
 * of one leader epoch), ListOffsets and OffsetsForLeaderEpoch, and can be
 * told to fail, delay or move leadership. Used by the client tests before
 * the real broker exists to drive them, and to pin client behaviour.
 */
#ifndef KSIM_TESTS_FAKE_KAFKA_H
#define KSIM_TESTS_FAKE_KAFKA_H

#include <stdint.h>

#include "sim/world.h"

#define PARTS 2
#define MAX_LOG 512

/* The cluster's shared truth: logs and leaders (test-owned). */
struct truth {
	int32_t leader[PARTS];   /* broker id 1 or 2 */
	char log[PARTS][MAX_LOG][16];
	int32_t rec_epoch[PARTS][MAX_LOG]; /* the leader epoch each record was written in */
	int64_t log_len[PARTS];
	int64_t last_seq[PARTS]; /* idempotence: last sequence appended, -1 none */
	int64_t last_pid[PARTS]; /* ... by this producer id and epoch (-1 none): */
	int16_t last_epoch[PARTS]; /* another id, or a newer epoch, starts at 0 */
	int n_producer_ids;      /* InitProducerId hands out 4242, 4243, ... */
	int64_t seq_offset[PARTS][MAX_LOG]; /* offset of the batch with base seq i */
	int16_t fail_next;       /* error for the next produce */
	int fail_count;
	int64_t delay_ns;        /* answer produce after this long */
	int produce_requests;
	int fetch_requests;
	int epoch_requests;  /* OffsetsForLeaderEpoch requests answered */
	int corrupt_fetches; /* flip a record byte in this many fetch answers */
	int corrupt_kind;    /* 0: a value byte (CRC mismatch); 1: a record
			      * length with the CRC fixed (a malformed record) */
};

struct fb_config {
	int32_t id;
	struct truth *t;
};

/* Node class of a fake broker; config: struct fb_config. Topic "t". */
extern const struct sim_node_class fake_broker_class;
/* Resets a truth: both partitions led by broker 1, empty logs. */
void fake_truth_init(struct truth *t);

#endif
