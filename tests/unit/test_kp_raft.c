/*
 * The KRaft quorum RPCs (broker/kp/kp_raft) and control records
 * (broker/raft/raft_record) against hand-written bytes laid out from Kafka
 * 3.7's message schemas: Vote v0, BeginQuorumEpoch v0, EndQuorumEpoch v0,
 * DescribeQuorum v0/v1, Fetch v13 and v16 (tagged ClusterId, ReplicaState,
 * DivergingEpoch, CurrentLeader, SnapshotId), LeaderChange, SnapshotHeader
 * and SnapshotFooter. Each vector is encoded byte-exact, decoded back, and
 * every truncation of it is refused without a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "broker/kp/kp_header.h"
#include "broker/kp/kp_raft.h"
#include "broker/raft/raft_record.h"

/* "__cluster_metadata" as a COMPACT_STRING and as a STRING. */
#define TOPIC_HEX "5f5f636c75737465725f6d65746164617461"
#define CTOPIC "13" TOPIC_HEX
#define STOPIC "0012" TOPIC_HEX
#define METADATA_ID "00000000000000000000000000000001"

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	for (const char *p = hex; *p; p++) {
		if (*p == ' ')
			continue;
		unsigned v;
		assert_int_equal(sscanf(p, "%2x", &v), 1);
		assert_true(n < cap);
		out[n++] = (uint8_t)v;
		p++;
	}
	return n;
}

typedef void (*enc_fn)(struct wire_writer *w, const void *m);
typedef int (*dec_fn)(struct wire_reader *r, void *m);

/* Encodes m, compares with the vector, decodes the vector into out, and
 * checks that every strict prefix fails to decode. */
static void check_vector(const char *hex, enc_fn enc, const void *m, dec_fn dec, void *out)
{
	/* static: the decoded message views these bytes after the call */
	static uint8_t want[512];
	uint8_t got[512];
	size_t n = unhex(hex, want, sizeof want);
	struct wire_writer w;
	wire_writer_init(&w, got, sizeof got);
	enc(&w, m);
	assert_int_equal(w.err, 0);
	if (w.len != n || memcmp(got, want, n) != 0) {
		for (size_t i = 0; i < w.len; i++)
			fprintf(stderr, "%02x", got[i]);
		fprintf(stderr, "\n");
		fail_msg("encoding differs (%zu bytes, want %zu)", w.len, n);
	}
	struct wire_reader r;
	wire_reader_init(&r, want, n);
	assert_int_equal(dec(&r, out), 0);
	for (size_t k = 0; k < n; k++) {
		wire_reader_init(&r, want, k);
		assert_int_not_equal(dec(&r, out), 0);
	}
	wire_reader_init(&r, want, n);
	assert_int_equal(dec(&r, out), 0);
}

static void enc_vote_req(struct wire_writer *w, const void *m)
{
	kp_raft_encode_vote_request(w, m);
}

static int dec_vote_req(struct wire_reader *r, void *m)
{
	return kp_raft_decode_vote_request(r, m);
}

static void test_vote(void **state)
{
	struct kp_raft_vote_request q = {
	    kp_str_from("abc"), kp_str_from(KP_RAFT_TOPIC), 0, 5, 2, 4, 100};
	struct kp_raft_vote_request d;
	check_vector("04616263 02" CTOPIC "02 00000000 00000005 00000002 00000004"
	             "0000000000000064 00 00 00",
	             enc_vote_req, &q, dec_vote_req, &d);
	assert_true(kp_str_eq(d.cluster_id, "abc"));
	assert_true(kp_str_eq(d.topic, KP_RAFT_TOPIC));
	assert_int_equal(d.candidate_epoch, 5);
	assert_int_equal(d.candidate_id, 2);
	assert_int_equal(d.last_offset_epoch, 4);
	assert_int_equal(d.last_offset, 100);

	struct kp_raft_vote_response a = {0, kp_str_from(KP_RAFT_TOPIC), 0, 0, -1, 5, true};
	uint8_t buf[128];
	struct wire_writer w;
	wire_writer_init(&w, buf, sizeof buf);
	kp_raft_encode_vote_response(&w, &a);
	uint8_t want[128];
	size_t n = unhex("0000 02" CTOPIC "02 00000000 0000 ffffffff 00000005 01 00 00 00", want,
	                 sizeof want);
	assert_int_equal(w.len, n);
	assert_memory_equal(buf, want, n);
	struct kp_raft_vote_response b;
	struct wire_reader r;
	wire_reader_init(&r, want, n);
	assert_int_equal(kp_raft_decode_vote_response(&r, &b), 0);
	assert_true(b.vote_granted);
	assert_int_equal(b.leader_id, -1);
	assert_int_equal(b.leader_epoch, 5);
}

/* Two partitions: KafkaRaftClient answers INVALID_REQUEST; we refuse. */
static void test_vote_shape(void **state)
{
	uint8_t f[128];
	size_t n = unhex("00 02" CTOPIC "03 00000000 00000005 00000002 00000004 0000000000000064 00"
	                 "00000001 00000005 00000002 00000004 0000000000000064 00 00 00",
	                 f, sizeof f);
	struct wire_reader r;
	wire_reader_init(&r, f, n);
	struct kp_raft_vote_request d;
	assert_int_equal(kp_raft_decode_vote_request(&r, &d), KP_RAFT_ESHAPE);
}

struct epoch_case {
	bool end;
	struct kp_raft_epoch_request q;
};

static void enc_epoch_req(struct wire_writer *w, const void *m)
{
	const struct epoch_case *c = m;
	kp_raft_encode_epoch_request(w, c->end, &c->q);
}

static bool g_end;

static int dec_epoch_req(struct wire_reader *r, void *m)
{
	uint8_t abuf[256];
	struct kp_arena a;
	kp_arena_init(&a, abuf, sizeof abuf);
	struct kp_raft_epoch_request *q = m;
	int rc = kp_raft_decode_epoch_request(r, &a, g_end, q);
	static int32_t keep[8];
	if (rc == 0 && q->successor_count > 0 && q->successor_count <= 8) {
		memcpy(keep, q->preferred_successors, (size_t)q->successor_count * 4);
		q->preferred_successors = keep;
	}
	return rc;
}

static void enc_epoch_resp(struct wire_writer *w, const void *m)
{
	kp_raft_encode_epoch_response(w, m);
}

static int dec_epoch_resp(struct wire_reader *r, void *m)
{
	return kp_raft_decode_epoch_response(r, m);
}

static void test_begin_end_quorum_epoch(void **state)
{
	struct epoch_case b = {false, {KP_STR_NULL, kp_str_from(KP_RAFT_TOPIC), 0, 1, 7, NULL, 0}};
	struct kp_raft_epoch_request d;
	g_end = false;
	check_vector("ffff 00000001" STOPIC "00000001 00000000 00000001 00000007", enc_epoch_req,
	             &b, dec_epoch_req, &d);
	assert_int_equal(d.cluster_id.len, -1);
	assert_int_equal(d.leader_id, 1);
	assert_int_equal(d.leader_epoch, 7);

	int32_t succ[2] = {3, 2};
	struct epoch_case e = {true,
	                       {kp_str_from("abc"), kp_str_from(KP_RAFT_TOPIC), 0, 1, 7, succ, 2}};
	g_end = true;
	check_vector("0003616263 00000001" STOPIC "00000001 00000000 00000001 00000007"
	             "00000002 00000003 00000002",
	             enc_epoch_req, &e, dec_epoch_req, &d);
	assert_int_equal(d.successor_count, 2);
	assert_int_equal(d.preferred_successors[0], 3);
	assert_int_equal(d.preferred_successors[1], 2);

	struct kp_raft_epoch_response a = {0, kp_str_from(KP_RAFT_TOPIC), 0, 74, 2, 9};
	struct kp_raft_epoch_response ad;
	check_vector("0000 00000001" STOPIC "00000001 00000000 004a 00000002 00000009",
	             enc_epoch_resp, &a, dec_epoch_resp, &ad);
	assert_int_equal(ad.partition_error, 74);
	assert_int_equal(ad.leader_epoch, 9);
}

static int16_t g_version;

static void enc_describe_resp(struct wire_writer *w, const void *m)
{
	kp_raft_encode_describe_response(w, g_version, m);
}

static int dec_describe_resp(struct wire_reader *r, void *m)
{
	static uint8_t abuf[1024];
	struct kp_arena a;
	kp_arena_init(&a, abuf, sizeof abuf);
	return kp_raft_decode_describe_response(r, &a, g_version, m);
}

static void enc_describe_req(struct wire_writer *w, const void *m)
{
	kp_raft_encode_describe_request(w, m);
}

static int dec_describe_req(struct wire_reader *r, void *m)
{
	return kp_raft_decode_describe_request(r, m);
}

static void test_describe_quorum(void **state)
{
	struct kp_raft_describe_request q = {kp_str_from(KP_RAFT_TOPIC), 0}, qd;
	check_vector("02" CTOPIC "02 00000000 00 00 00", enc_describe_req, &q, dec_describe_req,
	             &qd);
	struct kp_raft_replica_state v[2] = {{1, 10, 1000, 1000}, {2, 8, 990, -1}};
	struct kp_raft_replica_state o[1] = {{101, 10, 995, 995}};
	struct kp_raft_describe_response a = {
	    0, kp_str_from(KP_RAFT_TOPIC), 0, 0, 1, 3, 10, v, 2, o, 1};
	struct kp_raft_describe_response d;
	g_version = 1;
	check_vector("0000 02" CTOPIC "02 00000000 0000 00000001 00000003 000000000000000a"
	             "03 00000001 000000000000000a 00000000000003e8 00000000000003e8 00"
	             "   00000002 0000000000000008 00000000000003de ffffffffffffffff 00"
	             "02 00000065 000000000000000a 00000000000003e3 00000000000003e3 00"
	             "00 00 00",
	             enc_describe_resp, &a, dec_describe_resp, &d);
	assert_int_equal(d.voter_count, 2);
	assert_int_equal(d.voters[1].last_caught_up_timestamp, -1);
	assert_int_equal(d.observers[0].replica_id, 101);
	g_version = 0;
	check_vector("0000 02" CTOPIC "02 00000000 0000 00000001 00000003 000000000000000a"
	             "03 00000001 000000000000000a 00   00000002 0000000000000008 00"
	             "02 00000065 000000000000000a 00 00 00 00",
	             enc_describe_resp, &a, dec_describe_resp, &d);
	assert_int_equal(d.voters[0].last_fetch_timestamp, -1);
}

static void enc_fetch_req(struct wire_writer *w, const void *m)
{
	kp_raft_encode_fetch_request(w, g_version, m);
}

static int dec_fetch_req(struct wire_reader *r, void *m)
{
	return kp_raft_decode_fetch_request(r, g_version, m);
}

static void enc_fetch_resp(struct wire_writer *w, const void *m)
{
	kp_raft_encode_fetch_response(w, g_version, m);
}

static int dec_fetch_resp(struct wire_reader *r, void *m)
{
	return kp_raft_decode_fetch_response(r, g_version, m);
}

static struct kp_raft_fetch_request fetch_req(void)
{
	struct kp_raft_fetch_request q = {
	    .cluster_id = kp_str_from("abc"),
	    .replica_id = 2,
	    .replica_epoch = -1,
	    .max_wait_ms = 500,
	    .max_bytes = 8 << 20,
	    .session_epoch = -1,
	    .current_leader_epoch = 7,
	    .fetch_offset = 42,
	    .last_fetched_epoch = 6,
	    .log_start_offset = -1,
	    .partition_max_bytes = 8 << 20,
	    .rack_id = kp_str_from(""),
	};
	memcpy(q.topic_id, KP_RAFT_METADATA_TOPIC_ID, 16);
	return q;
}

static void test_fetch_request(void **state)
{
	struct kp_raft_fetch_request q = fetch_req(), d;
	/* v16: ReplicaId lives in the ReplicaState tag (1), after ClusterId (0). */
	g_version = 16;
	check_vector("000001f4 00000000 00800000 00 00000000 ffffffff 02" METADATA_ID
	             "02 00000000 00000007 000000000000002a 00000006 ffffffffffffffff 00800000"
	             "00 00 01 01 02 00 04 04616263 01 0d 00000002 ffffffffffffffff 00",
	             enc_fetch_req, &q, dec_fetch_req, &d);
	assert_int_equal(d.replica_id, 2);
	assert_int_equal(d.replica_epoch, -1);
	assert_true(kp_str_eq(d.cluster_id, "abc"));
	assert_int_equal(d.last_fetched_epoch, 6);
	assert_int_equal(d.fetch_offset, 42);
	/* v13: ReplicaId is a field; no ReplicaState tag. */
	g_version = 13;
	check_vector("00000002 000001f4 00000000 00800000 00 00000000 ffffffff 02" METADATA_ID
	             "02 00000000 00000007 000000000000002a 00000006 ffffffffffffffff 00800000"
	             "00 00 01 01 01 00 04 04616263",
	             enc_fetch_req, &q, dec_fetch_req, &d);
	assert_int_equal(d.replica_id, 2);
	/* Versions outside 13..16 are not spoken. */
	uint8_t buf[64];
	struct wire_writer w;
	wire_writer_init(&w, buf, sizeof buf);
	kp_raft_encode_fetch_request(&w, 12, &q);
	assert_int_equal(w.err, KP_EVERSION);
}

static void test_fetch_response(void **state)
{
	struct kp_raft_fetch_response a = {
	    .high_watermark = 30,
	    .last_stable_offset = -1,
	    .log_start_offset = 0,
	    .diverging_epoch = 5,
	    .diverging_end_offset = 40,
	    .current_leader_id = 1,
	    .current_leader_epoch = 7,
	    .snapshot_end_offset = -1,
	    .snapshot_epoch = -1,
	    .preferred_read_replica = -1,
	    .records = KP_BYTES_NULL,
	};
	memcpy(a.topic_id, KP_RAFT_METADATA_TOPIC_ID, 16);
	struct kp_raft_fetch_response d;
	g_version = 16;
	check_vector("00000000 0000 00000000 02" METADATA_ID "02 00000000 0000 000000000000001e"
	             "ffffffffffffffff 0000000000000000 01 ffffffff 00"
	             "02 00 0d 00000005 0000000000000028 00 01 09 00000001 00000007 00 00 00",
	             enc_fetch_resp, &a, dec_fetch_resp, &d);
	assert_int_equal(d.diverging_epoch, 5);
	assert_int_equal(d.diverging_end_offset, 40);
	assert_int_equal(d.current_leader_id, 1);
	assert_int_equal(d.snapshot_epoch, -1);
	assert_int_equal(d.aborted_count, 0);
	assert_int_equal(d.records.len, -1);
	/* Records, no tags; a SnapshotId tag alone. */
	uint8_t rec[3] = {0xaa, 0xbb, 0xcc};
	a.diverging_epoch = -1;
	a.diverging_end_offset = -1;
	a.current_leader_id = -1;
	a.current_leader_epoch = -1;
	a.snapshot_end_offset = 100;
	a.snapshot_epoch = 3;
	a.records = (struct kp_bytes){rec, 3};
	check_vector("00000000 0000 00000000 02" METADATA_ID "02 00000000 0000 000000000000001e"
	             "ffffffffffffffff 0000000000000000 01 ffffffff 04aabbcc"
	             "01 02 0d 0000000000000064 00000003 00 00 00",
	             enc_fetch_resp, &a, dec_fetch_resp, &d);
	assert_int_equal(d.snapshot_end_offset, 100);
	assert_int_equal(d.diverging_epoch, -1);
	assert_int_equal(d.records.len, 3);
}

static void enc_snap_req(struct wire_writer *w, const void *m)
{
	kp_raft_encode_fetch_snapshot_request(w, m);
}

static int dec_snap_req(struct wire_reader *r, void *m)
{
	return kp_raft_decode_fetch_snapshot_request(r, m);
}

static void enc_snap_resp(struct wire_writer *w, const void *m)
{
	kp_raft_encode_fetch_snapshot_response(w, m);
}

static int dec_snap_resp(struct wire_reader *r, void *m)
{
	return kp_raft_decode_fetch_snapshot_response(r, m);
}

static void test_fetch_snapshot(void **state)
{
	struct kp_raft_fetch_snapshot_request q = {
	    kp_str_from("abc"), 2, 0x7fffffff, kp_str_from(KP_RAFT_TOPIC), 0, 7, 100, 3, 4096};
	struct kp_raft_fetch_snapshot_request qd;
	check_vector("00000002 7fffffff 02" CTOPIC
	             "02 00000000 00000007 0000000000000064 00000003 00"
	             "0000000000001000 00 00 01 00 04 04616263",
	             enc_snap_req, &q, dec_snap_req, &qd);
	assert_true(kp_str_eq(qd.cluster_id, "abc"));
	assert_int_equal(qd.snapshot_end_offset, 100);
	assert_int_equal(qd.position, 4096);
	uint8_t data[2] = {0xde, 0xad};
	struct kp_raft_fetch_snapshot_response a = {
	    0, 0, kp_str_from(KP_RAFT_TOPIC), 0, 0, 100, 3, 1, 7, 8192, 4096, {data, 2}};
	struct kp_raft_fetch_snapshot_response ad;
	check_vector("00000000 0000 02" CTOPIC "02 00000000 0000 0000000000000064 00000003 00"
	             "0000000000002000 0000000000001000 03dead 01 00 09 00000001 00000007 00 00 00",
	             enc_snap_resp, &a, dec_snap_resp, &ad);
	assert_int_equal(ad.current_leader_id, 1);
	assert_int_equal(ad.size, 8192);
	assert_int_equal(ad.bytes.len, 2);
}

static void test_header_versions(void **state)
{
	/* Flexible APIs get request header v2 / response v1; Begin/End v0 not. */
	assert_int_equal(kp_request_header_version(KP_API_VOTE, 0), 2);
	assert_int_equal(kp_response_header_version(KP_API_VOTE, 0), 1);
	assert_int_equal(kp_request_header_version(KP_API_BEGIN_QUORUM_EPOCH, 0), 1);
	assert_int_equal(kp_response_header_version(KP_API_END_QUORUM_EPOCH, 0), 0);
	assert_int_equal(kp_request_header_version(KP_API_DESCRIBE_QUORUM, 1), 2);
	assert_int_equal(kp_request_header_version(KP_API_FETCH, 16), 2);
	assert_string_equal(kp_api_name(KP_API_VOTE), "Vote");
	assert_string_equal(kp_api_name(KP_API_DESCRIBE_QUORUM), "DescribeQuorum");
	assert_int_equal(kp_request_header_version(KP_API_FETCH_SNAPSHOT, 0), 2);
}

static void test_control_records(void **state)
{
	int32_t voters[3] = {1, 2, 3}, granting[2] = {1, 2};
	uint8_t got[64], want[64];
	size_t n = raft_leader_change_value(got, sizeof got, 1, voters, 3, granting, 2);
	size_t m = unhex("0000 00000001 04 0000000100 0000000200 0000000300"
	                 "03 0000000100 0000000200 00",
	                 want, sizeof want);
	assert_int_equal(n, m);
	assert_memory_equal(got, want, m);
	struct raft_leader_change lc;
	struct rb_bytes v = {want, m};
	assert_int_equal(raft_decode_leader_change(&v, &lc), RB_OK);
	assert_int_equal(lc.leader, 1);
	assert_int_equal(lc.nvoters, 3);
	assert_int_equal(lc.ngranting, 2);
	assert_int_equal(lc.granting[1], 2);
	v.len = m - 1;
	assert_int_equal(raft_decode_leader_change(&v, &lc), RB_ERECORD);

	n = raft_snapshot_header_value(got, 0x0102030405060708);
	m = unhex("0000 0000 0102030405060708 00", want, sizeof want);
	assert_int_equal(n, m);
	assert_memory_equal(got, want, m);
	n = raft_snapshot_footer_value(got);
	m = unhex("0000 0000 00", want, sizeof want);
	assert_int_equal(n, m);
	assert_memory_equal(got, want, m);

	/* A LeaderChange control batch validates as a RecordBatch v2. */
	uint8_t batch[256];
	struct wire_writer w;
	wire_writer_init(&w, batch, sizeof batch);
	n = raft_leader_change_value(got, sizeof got, 1, voters, 3, granting, 2);
	assert_int_equal(raft_encode_control_batch(&w, RAFT_CONTROL_LEADER_CHANGE, got, n, 1000),
	                 RB_OK);
	struct rb_batch b;
	assert_int_equal(rb_validate_batch(batch, w.len, RB_VALIDATE_DENSE, &b), RB_OK);
	assert_true(rb_is_control(&b.h));
	assert_int_equal(b.h.producer_id, -1);
	struct rb_record_iter it;
	struct rb_record rec;
	struct rb_control ctl;
	assert_int_equal(rb_init_record_iter(&it, &b, 0), RB_OK);
	assert_int_equal(rb_next_record(&it, &rec), RB_OK);
	assert_int_equal(rb_decode_control(&rec, &ctl), RB_OK);
	assert_int_equal(ctl.type, RAFT_CONTROL_LEADER_CHANGE);
}

/* Random bytes into every decoder: an error or a message, never a crash
 * (run under ASan and Valgrind by the suite). */
static void test_random_frames(void **state)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	uint8_t buf[96], abuf[2048];
	for (int i = 0; i < 20000; i++) {
		size_t n = (size_t)(i % 96);
		for (size_t k = 0; k < n; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			buf[k] = (uint8_t)x;
		}
		struct wire_reader r;
		struct kp_arena a;
		union {
			struct kp_raft_vote_request vq;
			struct kp_raft_vote_response va;
			struct kp_raft_epoch_request eq;
			struct kp_raft_epoch_response ea;
			struct kp_raft_describe_request dq;
			struct kp_raft_describe_response da;
			struct kp_raft_fetch_request fq;
			struct kp_raft_fetch_response fa;
			struct kp_raft_fetch_snapshot_request sq;
			struct kp_raft_fetch_snapshot_response sa;
		} m;
		wire_reader_init(&r, buf, n);
		kp_raft_decode_vote_request(&r, &m.vq);
		wire_reader_init(&r, buf, n);
		kp_raft_decode_vote_response(&r, &m.va);
		wire_reader_init(&r, buf, n);
		kp_arena_init(&a, abuf, sizeof abuf);
		kp_raft_decode_epoch_request(&r, &a, i & 1, &m.eq);
		wire_reader_init(&r, buf, n);
		kp_raft_decode_epoch_response(&r, &m.ea);
		wire_reader_init(&r, buf, n);
		kp_raft_decode_describe_request(&r, &m.dq);
		wire_reader_init(&r, buf, n);
		kp_arena_init(&a, abuf, sizeof abuf);
		kp_raft_decode_describe_response(&r, &a, (int16_t)(i & 1), &m.da);
		wire_reader_init(&r, buf, n);
		kp_raft_decode_fetch_request(&r, (int16_t)(13 + i % 4), &m.fq);
		wire_reader_init(&r, buf, n);
		kp_raft_decode_fetch_response(&r, (int16_t)(13 + i % 4), &m.fa);
		wire_reader_init(&r, buf, n);
		kp_raft_decode_fetch_snapshot_request(&r, &m.sq);
		wire_reader_init(&r, buf, n);
		kp_raft_decode_fetch_snapshot_response(&r, &m.sa);
		struct rb_bytes v = {buf, n};
		struct raft_leader_change lc;
		raft_decode_leader_change(&v, &lc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vote),
	    cmocka_unit_test(test_vote_shape),
	    cmocka_unit_test(test_begin_end_quorum_epoch),
	    cmocka_unit_test(test_describe_quorum),
	    cmocka_unit_test(test_fetch_request),
	    cmocka_unit_test(test_fetch_response),
	    cmocka_unit_test(test_fetch_snapshot),
	    cmocka_unit_test(test_header_versions),
	    cmocka_unit_test(test_control_records),
	    cmocka_unit_test(test_random_frames),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
