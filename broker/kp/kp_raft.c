#include "broker/kp/kp_raft.h"

#include <string.h>

const uint8_t KP_RAFT_METADATA_TOPIC_ID[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

/* ---- Shared pieces ------------------------------------------------------ */

/* One topic, one partition: the only shape KafkaRaftClient accepts. */
static void put_one(struct wire_writer *w, bool flex)
{
	kp_put_array_count(w, flex, false, 1);
}

static void get_one(struct wire_reader *r, bool flex)
{
	int32_t n;
	if (flex) {
		uint32_t v = wire_get_uvarint32(r);
		n = (int32_t)v - 1;
	} else {
		n = wire_get_i32(r);
	}
	if (!r->err && n != 1)
		wire_reader_fail(r, KP_RAFT_ESHAPE);
}

static void put_topic(struct wire_writer *w, bool flex, struct kp_str topic)
{
	if (flex)
		kp_put_compact_string(w, topic, false);
	else
		kp_put_string(w, topic, false);
}

static struct kp_str get_topic(struct wire_reader *r, bool flex)
{
	return flex ? kp_get_compact_string(r, false) : kp_get_string(r, false);
}

/* A tagged-field section: fn reads each tag it knows from a reader over
 * exactly its bytes; unknown tags are skipped, as Kafka's readers do. */
typedef void (*tag_fn)(struct wire_reader *r, uint32_t tag, void *ctx);

static void get_tags(struct wire_reader *r, tag_fn fn, void *ctx)
{
	uint32_t n = wire_get_uvarint32(r);
	uint32_t prev = 0;
	for (uint32_t i = 0; i < n && !r->err; i++) {
		uint32_t tag = wire_get_uvarint32(r);
		uint32_t size = wire_get_uvarint32(r);
		const uint8_t *p = wire_take(r, size);
		if (r->err)
			return;
		if (i > 0 && tag <= prev) { /* tags ascend, each once */
			wire_reader_fail(r, WIRE_EINVAL);
			return;
		}
		prev = tag;
		if (!fn)
			continue;
		struct wire_reader sub;
		wire_reader_init(&sub, p, size);
		fn(&sub, tag, ctx);
		if (!sub.err && wire_remaining(&sub))
			sub.err = KP_ETRAILING;
		if (sub.err && !r->err)
			wire_reader_fail(r, sub.err);
	}
}

static void expect_no_tags(struct wire_reader *r)
{
	get_tags(r, NULL, NULL);
}

static size_t compact_str_size(struct kp_str s)
{
	if (s.len < 0)
		return 1;
	return wire_uvarint_size((uint64_t)s.len + 1) + (size_t)s.len;
}

/* ---- Vote v0 (flexible) -------------------------------------------------- */

void kp_raft_encode_vote_request(struct wire_writer *w, const struct kp_raft_vote_request *m)
{
	kp_put_compact_string(w, m->cluster_id, true);
	put_one(w, true);
	put_topic(w, true, m->topic);
	put_one(w, true);
	wire_put_i32(w, m->partition);
	wire_put_i32(w, m->candidate_epoch);
	wire_put_i32(w, m->candidate_id);
	wire_put_i32(w, m->last_offset_epoch);
	wire_put_i64(w, m->last_offset);
	kp_put_tagged_fields(w); /* partition */
	kp_put_tagged_fields(w); /* topic */
	kp_put_tagged_fields(w); /* message */
}

int kp_raft_decode_vote_request(struct wire_reader *r, struct kp_raft_vote_request *m)
{
	m->cluster_id = kp_get_compact_string(r, true);
	get_one(r, true);
	m->topic = get_topic(r, true);
	get_one(r, true);
	m->partition = wire_get_i32(r);
	m->candidate_epoch = wire_get_i32(r);
	m->candidate_id = wire_get_i32(r);
	m->last_offset_epoch = wire_get_i32(r);
	m->last_offset = wire_get_i64(r);
	expect_no_tags(r);
	expect_no_tags(r);
	expect_no_tags(r);
	return kp_get_end(r);
}

void kp_raft_encode_vote_response(struct wire_writer *w, const struct kp_raft_vote_response *m)
{
	wire_put_i16(w, m->error_code);
	put_one(w, true);
	put_topic(w, true, m->topic);
	put_one(w, true);
	wire_put_i32(w, m->partition);
	wire_put_i16(w, m->partition_error);
	wire_put_i32(w, m->leader_id);
	wire_put_i32(w, m->leader_epoch);
	kp_put_bool(w, m->vote_granted);
	kp_put_tagged_fields(w);
	kp_put_tagged_fields(w);
	kp_put_tagged_fields(w);
}

int kp_raft_decode_vote_response(struct wire_reader *r, struct kp_raft_vote_response *m)
{
	m->error_code = wire_get_i16(r);
	get_one(r, true);
	m->topic = get_topic(r, true);
	get_one(r, true);
	m->partition = wire_get_i32(r);
	m->partition_error = wire_get_i16(r);
	m->leader_id = wire_get_i32(r);
	m->leader_epoch = wire_get_i32(r);
	m->vote_granted = kp_get_bool(r);
	expect_no_tags(r);
	expect_no_tags(r);
	expect_no_tags(r);
	return kp_get_end(r);
}

/* ---- BeginQuorumEpoch v0 / EndQuorumEpoch v0 (not flexible) -------------- */

void kp_raft_encode_epoch_request(struct wire_writer *w, bool end,
                                  const struct kp_raft_epoch_request *m)
{
	kp_put_string(w, m->cluster_id, true);
	put_one(w, false);
	put_topic(w, false, m->topic);
	put_one(w, false);
	wire_put_i32(w, m->partition);
	wire_put_i32(w, m->leader_id);
	wire_put_i32(w, m->leader_epoch);
	if (end && kp_put_items_ok(w, m->preferred_successors, m->successor_count))
		kp_put_int32_array(w, m->preferred_successors, m->successor_count);
}

int kp_raft_decode_epoch_request(struct wire_reader *r, struct kp_arena *a, bool end,
                                 struct kp_raft_epoch_request *m)
{
	m->cluster_id = kp_get_string(r, true);
	get_one(r, false);
	m->topic = get_topic(r, false);
	get_one(r, false);
	m->partition = wire_get_i32(r);
	m->leader_id = wire_get_i32(r);
	m->leader_epoch = wire_get_i32(r);
	m->preferred_successors = NULL;
	m->successor_count = 0;
	if (end)
		kp_get_int32_array(r, a, false, &m->preferred_successors, &m->successor_count);
	return kp_get_end(r);
}

void kp_raft_encode_epoch_response(struct wire_writer *w, const struct kp_raft_epoch_response *m)
{
	wire_put_i16(w, m->error_code);
	put_one(w, false);
	put_topic(w, false, m->topic);
	put_one(w, false);
	wire_put_i32(w, m->partition);
	wire_put_i16(w, m->partition_error);
	wire_put_i32(w, m->leader_id);
	wire_put_i32(w, m->leader_epoch);
}

int kp_raft_decode_epoch_response(struct wire_reader *r, struct kp_raft_epoch_response *m)
{
	m->error_code = wire_get_i16(r);
	get_one(r, false);
	m->topic = get_topic(r, false);
	get_one(r, false);
	m->partition = wire_get_i32(r);
	m->partition_error = wire_get_i16(r);
	m->leader_id = wire_get_i32(r);
	m->leader_epoch = wire_get_i32(r);
	return kp_get_end(r);
}

/* ---- DescribeQuorum v0-1 (flexible) ------------------------------------- */

void kp_raft_encode_describe_request(struct wire_writer *w,
                                     const struct kp_raft_describe_request *m)
{
	put_one(w, true);
	put_topic(w, true, m->topic);
	put_one(w, true);
	wire_put_i32(w, m->partition);
	kp_put_tagged_fields(w);
	kp_put_tagged_fields(w);
	kp_put_tagged_fields(w);
}

int kp_raft_decode_describe_request(struct wire_reader *r, struct kp_raft_describe_request *m)
{
	get_one(r, true);
	m->topic = get_topic(r, true);
	get_one(r, true);
	m->partition = wire_get_i32(r);
	expect_no_tags(r);
	expect_no_tags(r);
	expect_no_tags(r);
	return kp_get_end(r);
}

static void put_replicas(struct wire_writer *w, int16_t version,
                         const struct kp_raft_replica_state *s, int32_t n)
{
	if (!kp_put_items_ok(w, s, n))
		return;
	kp_put_array_count(w, true, false, n);
	for (int32_t i = 0; i < n; i++) {
		wire_put_i32(w, s[i].replica_id);
		wire_put_i64(w, s[i].log_end_offset);
		if (version >= 1) {
			wire_put_i64(w, s[i].last_fetch_timestamp);
			wire_put_i64(w, s[i].last_caught_up_timestamp);
		}
		kp_put_tagged_fields(w);
	}
}

struct replica_ctx {
	int16_t version;
};

static void get_replica(struct wire_reader *r, struct kp_arena *a, struct kp_raft_replica_state *s)
{
	(void)a;
	s->replica_id = wire_get_i32(r);
	s->log_end_offset = wire_get_i64(r);
	s->last_fetch_timestamp = -1;
	s->last_caught_up_timestamp = -1;
	expect_no_tags(r);
}

static void get_replica_v1(struct wire_reader *r, struct kp_arena *a,
                           struct kp_raft_replica_state *s)
{
	(void)a;
	s->replica_id = wire_get_i32(r);
	s->log_end_offset = wire_get_i64(r);
	s->last_fetch_timestamp = wire_get_i64(r);
	s->last_caught_up_timestamp = wire_get_i64(r);
	expect_no_tags(r);
}

void kp_raft_encode_describe_response(struct wire_writer *w, int16_t version,
                                      const struct kp_raft_describe_response *m)
{
	if (version < 0 || version > KP_RAFT_DESCRIBE_MAX_VERSION) {
		kp_writer_fail(w, KP_EVERSION);
		return;
	}
	wire_put_i16(w, m->error_code);
	put_one(w, true);
	put_topic(w, true, m->topic);
	put_one(w, true);
	wire_put_i32(w, m->partition);
	wire_put_i16(w, m->partition_error);
	wire_put_i32(w, m->leader_id);
	wire_put_i32(w, m->leader_epoch);
	wire_put_i64(w, m->high_watermark);
	put_replicas(w, version, m->voters, m->voter_count);
	put_replicas(w, version, m->observers, m->observer_count);
	kp_put_tagged_fields(w);
	kp_put_tagged_fields(w);
	kp_put_tagged_fields(w);
}

int kp_raft_decode_describe_response(struct wire_reader *r, struct kp_arena *a, int16_t version,
                                     struct kp_raft_describe_response *m)
{
	if (version < 0 || version > KP_RAFT_DESCRIBE_MAX_VERSION)
		return KP_EVERSION;
	m->error_code = wire_get_i16(r);
	get_one(r, true);
	m->topic = get_topic(r, true);
	get_one(r, true);
	m->partition = wire_get_i32(r);
	m->partition_error = wire_get_i16(r);
	m->leader_id = wire_get_i32(r);
	m->leader_epoch = wire_get_i32(r);
	m->high_watermark = wire_get_i64(r);
	if (version >= 1) {
		KP_GET_ARRAY(r, a, true, false, 29, struct kp_raft_replica_state, m->voters,
		             m->voter_count, get_replica_v1);
		KP_GET_ARRAY(r, a, true, false, 29, struct kp_raft_replica_state, m->observers,
		             m->observer_count, get_replica_v1);
	} else {
		KP_GET_ARRAY(r, a, true, false, 13, struct kp_raft_replica_state, m->voters,
		             m->voter_count, get_replica);
		KP_GET_ARRAY(r, a, true, false, 13, struct kp_raft_replica_state, m->observers,
		             m->observer_count, get_replica);
	}
	expect_no_tags(r);
	expect_no_tags(r);
	expect_no_tags(r);
	return kp_get_end(r);
}

/* ---- Fetch v13-16 (flexible, topic ids) --------------------------------- */

static bool fetch_version_ok(int16_t version)
{
	return version >= KP_RAFT_FETCH_MIN_VERSION && version <= KP_RAFT_FETCH_MAX_VERSION;
}

void kp_raft_encode_fetch_request(struct wire_writer *w, int16_t version,
                                  const struct kp_raft_fetch_request *m)
{
	if (!fetch_version_ok(version)) {
		kp_writer_fail(w, KP_EVERSION);
		return;
	}
	if (version <= 14)
		wire_put_i32(w, m->replica_id);
	wire_put_i32(w, m->max_wait_ms);
	wire_put_i32(w, m->min_bytes);
	wire_put_i32(w, m->max_bytes);
	wire_put_i8(w, m->isolation_level);
	wire_put_i32(w, m->session_id);
	wire_put_i32(w, m->session_epoch);
	put_one(w, true);
	wire_put_bytes(w, m->topic_id, 16);
	put_one(w, true);
	wire_put_i32(w, m->partition);
	wire_put_i32(w, m->current_leader_epoch);
	wire_put_i64(w, m->fetch_offset);
	wire_put_i32(w, m->last_fetched_epoch);
	wire_put_i64(w, m->log_start_offset);
	wire_put_i32(w, m->partition_max_bytes);
	kp_put_tagged_fields(w);               /* partition */
	kp_put_tagged_fields(w);               /* topic */
	kp_put_array_count(w, true, false, 0); /* ForgottenTopicsData */
	kp_put_compact_string(w, m->rack_id, false);
	/* Tagged fields, ascending: ClusterId (0) unless null, ReplicaState (1)
	 * from v15 unless it is the default {-1, -1}. */
	bool cluster = m->cluster_id.len >= 0;
	bool state = version >= 15 && (m->replica_id != -1 || m->replica_epoch != -1);
	wire_put_uvarint(w, (uint64_t)cluster + (uint64_t)state);
	if (cluster) {
		wire_put_uvarint(w, 0);
		wire_put_uvarint(w, compact_str_size(m->cluster_id));
		kp_put_compact_string(w, m->cluster_id, true);
	}
	if (state) {
		wire_put_uvarint(w, 1);
		wire_put_uvarint(w, 13);
		wire_put_i32(w, m->replica_id);
		wire_put_i64(w, m->replica_epoch);
		kp_put_tagged_fields(w);
	}
}

static void fetch_request_tag(struct wire_reader *r, uint32_t tag, void *ctx)
{
	struct kp_raft_fetch_request *m = ctx;
	if (tag == 0) {
		m->cluster_id = kp_get_compact_string(r, true);
	} else if (tag == 1 && m->replica_epoch != -2) {
		/* replica_epoch -2 marks v13-14, where tag 1 is unknown. */
		m->replica_id = wire_get_i32(r);
		m->replica_epoch = wire_get_i64(r);
		expect_no_tags(r);
	} else {
		wire_take(r, wire_remaining(r));
	}
}

int kp_raft_decode_fetch_request(struct wire_reader *r, int16_t version,
                                 struct kp_raft_fetch_request *m)
{
	if (!fetch_version_ok(version))
		return KP_EVERSION;
	memset(m, 0, sizeof *m);
	m->cluster_id = KP_STR_NULL;
	m->replica_id = -1;
	m->replica_epoch = -1;
	if (version <= 14)
		m->replica_id = wire_get_i32(r);
	m->max_wait_ms = wire_get_i32(r);
	m->min_bytes = wire_get_i32(r);
	m->max_bytes = wire_get_i32(r);
	m->isolation_level = wire_get_i8(r);
	m->session_id = wire_get_i32(r);
	m->session_epoch = wire_get_i32(r);
	get_one(r, true);
	const uint8_t *id = wire_take(r, 16);
	if (id)
		memcpy(m->topic_id, id, 16);
	get_one(r, true);
	m->partition = wire_get_i32(r);
	m->current_leader_epoch = wire_get_i32(r);
	m->fetch_offset = wire_get_i64(r);
	m->last_fetched_epoch = wire_get_i32(r);
	m->log_start_offset = wire_get_i64(r);
	m->partition_max_bytes = wire_get_i32(r);
	expect_no_tags(r);
	expect_no_tags(r);
	uint32_t forgotten = wire_get_uvarint32(r);
	if (!r->err && forgotten != 1) /* anything but an empty array */
		wire_reader_fail(r, KP_RAFT_ESHAPE);
	m->rack_id = kp_get_compact_string(r, false);
	if (version <= 14)
		m->replica_epoch = -2;
	get_tags(r, fetch_request_tag, m);
	if (version <= 14)
		m->replica_epoch = -1;
	return kp_get_end(r);
}

void kp_raft_encode_fetch_response(struct wire_writer *w, int16_t version,
                                   const struct kp_raft_fetch_response *m)
{
	if (!fetch_version_ok(version)) {
		kp_writer_fail(w, KP_EVERSION);
		return;
	}
	wire_put_i32(w, m->throttle_time_ms);
	wire_put_i16(w, m->error_code);
	wire_put_i32(w, m->session_id);
	put_one(w, true);
	wire_put_bytes(w, m->topic_id, 16);
	put_one(w, true);
	wire_put_i32(w, m->partition);
	wire_put_i16(w, m->partition_error);
	wire_put_i64(w, m->high_watermark);
	wire_put_i64(w, m->last_stable_offset);
	wire_put_i64(w, m->log_start_offset);
	kp_put_array_count(w, true, true, 0); /* AbortedTransactions: none */
	wire_put_i32(w, m->preferred_read_replica);
	kp_put_compact_bytes(w, m->records, true);
	/* Tagged structs are written only when they differ from the default. */
	bool div = m->diverging_epoch != -1 || m->diverging_end_offset != -1;
	bool cur = m->current_leader_id != -1 || m->current_leader_epoch != -1;
	bool snap = m->snapshot_end_offset != -1 || m->snapshot_epoch != -1;
	wire_put_uvarint(w, (uint64_t)div + (uint64_t)cur + (uint64_t)snap);
	if (div) {
		wire_put_uvarint(w, 0);
		wire_put_uvarint(w, 13);
		wire_put_i32(w, m->diverging_epoch);
		wire_put_i64(w, m->diverging_end_offset);
		kp_put_tagged_fields(w);
	}
	if (cur) {
		wire_put_uvarint(w, 1);
		wire_put_uvarint(w, 9);
		wire_put_i32(w, m->current_leader_id);
		wire_put_i32(w, m->current_leader_epoch);
		kp_put_tagged_fields(w);
	}
	if (snap) {
		wire_put_uvarint(w, 2);
		wire_put_uvarint(w, 13);
		wire_put_i64(w, m->snapshot_end_offset);
		wire_put_i32(w, m->snapshot_epoch);
		kp_put_tagged_fields(w);
	}
	kp_put_tagged_fields(w); /* topic */
	kp_put_tagged_fields(w); /* message (v16 NodeEndpoints: never written) */
}

static void fetch_partition_tag(struct wire_reader *r, uint32_t tag, void *ctx)
{
	struct kp_raft_fetch_response *m = ctx;
	switch (tag) {
	case 0:
		m->diverging_epoch = wire_get_i32(r);
		m->diverging_end_offset = wire_get_i64(r);
		expect_no_tags(r);
		break;
	case 1:
		m->current_leader_id = wire_get_i32(r);
		m->current_leader_epoch = wire_get_i32(r);
		expect_no_tags(r);
		break;
	case 2:
		m->snapshot_end_offset = wire_get_i64(r);
		m->snapshot_epoch = wire_get_i32(r);
		expect_no_tags(r);
		break;
	default:
		wire_take(r, wire_remaining(r));
	}
}

static void skip_tag(struct wire_reader *r, uint32_t tag, void *ctx)
{
	(void)tag;
	(void)ctx;
	wire_take(r, wire_remaining(r));
}

int kp_raft_decode_fetch_response(struct wire_reader *r, int16_t version,
                                  struct kp_raft_fetch_response *m)
{
	if (!fetch_version_ok(version))
		return KP_EVERSION;
	memset(m, 0, sizeof *m);
	m->throttle_time_ms = wire_get_i32(r);
	m->error_code = wire_get_i16(r);
	m->session_id = wire_get_i32(r);
	get_one(r, true);
	const uint8_t *id = wire_take(r, 16);
	if (id)
		memcpy(m->topic_id, id, 16);
	get_one(r, true);
	m->partition = wire_get_i32(r);
	m->partition_error = wire_get_i16(r);
	m->high_watermark = wire_get_i64(r);
	m->last_stable_offset = wire_get_i64(r);
	m->log_start_offset = wire_get_i64(r);
	uint32_t n = wire_get_uvarint32(r); /* aborted: count + 1, 0 null */
	m->aborted_count = (int32_t)n - 1;
	if (!r->err && n > 1 && wire_remaining(r) / 17 < n - 1)
		wire_reader_fail(r, WIRE_ESHORT);
	for (uint32_t i = 1; i < n && !r->err; i++) {
		wire_take(r, 16);
		expect_no_tags(r);
	}
	m->preferred_read_replica = wire_get_i32(r);
	m->records = kp_get_compact_bytes(r, true);
	m->diverging_epoch = -1;
	m->diverging_end_offset = -1;
	m->current_leader_id = -1;
	m->current_leader_epoch = -1;
	m->snapshot_end_offset = -1;
	m->snapshot_epoch = -1;
	get_tags(r, fetch_partition_tag, m);
	expect_no_tags(r);
	get_tags(r, skip_tag, NULL);
	return kp_get_end(r);
}

/* ---- FetchSnapshot v0 (flexible) ---------------------------------------- */

void kp_raft_encode_fetch_snapshot_request(struct wire_writer *w,
                                           const struct kp_raft_fetch_snapshot_request *m)
{
	wire_put_i32(w, m->replica_id);
	wire_put_i32(w, m->max_bytes);
	put_one(w, true);
	put_topic(w, true, m->topic);
	put_one(w, true);
	wire_put_i32(w, m->partition);
	wire_put_i32(w, m->current_leader_epoch);
	wire_put_i64(w, m->snapshot_end_offset); /* the SnapshotId struct */
	wire_put_i32(w, m->snapshot_epoch);
	kp_put_tagged_fields(w);
	wire_put_i64(w, m->position);
	kp_put_tagged_fields(w); /* partition */
	kp_put_tagged_fields(w); /* topic */
	if (m->cluster_id.len < 0) {
		kp_put_tagged_fields(w);
		return;
	}
	wire_put_uvarint(w, 1);
	wire_put_uvarint(w, 0);
	wire_put_uvarint(w, compact_str_size(m->cluster_id));
	kp_put_compact_string(w, m->cluster_id, true);
}

static void snapshot_request_tag(struct wire_reader *r, uint32_t tag, void *ctx)
{
	struct kp_raft_fetch_snapshot_request *m = ctx;
	if (tag == 0)
		m->cluster_id = kp_get_compact_string(r, true);
	else
		wire_take(r, wire_remaining(r));
}

int kp_raft_decode_fetch_snapshot_request(struct wire_reader *r,
                                          struct kp_raft_fetch_snapshot_request *m)
{
	m->cluster_id = KP_STR_NULL;
	m->replica_id = wire_get_i32(r);
	m->max_bytes = wire_get_i32(r);
	get_one(r, true);
	m->topic = get_topic(r, true);
	get_one(r, true);
	m->partition = wire_get_i32(r);
	m->current_leader_epoch = wire_get_i32(r);
	m->snapshot_end_offset = wire_get_i64(r);
	m->snapshot_epoch = wire_get_i32(r);
	expect_no_tags(r);
	m->position = wire_get_i64(r);
	get_tags(r, skip_tag, NULL); /* v1's ReplicaDirectoryId would be here */
	expect_no_tags(r);
	get_tags(r, snapshot_request_tag, m);
	return kp_get_end(r);
}

void kp_raft_encode_fetch_snapshot_response(struct wire_writer *w,
                                            const struct kp_raft_fetch_snapshot_response *m)
{
	wire_put_i32(w, m->throttle_time_ms);
	wire_put_i16(w, m->error_code);
	put_one(w, true);
	put_topic(w, true, m->topic);
	put_one(w, true);
	wire_put_i32(w, m->partition);
	wire_put_i16(w, m->partition_error);
	wire_put_i64(w, m->snapshot_end_offset);
	wire_put_i32(w, m->snapshot_epoch);
	kp_put_tagged_fields(w); /* SnapshotId */
	wire_put_i64(w, m->size);
	wire_put_i64(w, m->position);
	kp_put_compact_bytes(w, m->bytes, false);
	bool cur = m->current_leader_id != -1 || m->current_leader_epoch != -1;
	wire_put_uvarint(w, cur ? 1 : 0);
	if (cur) {
		wire_put_uvarint(w, 0);
		wire_put_uvarint(w, 9);
		wire_put_i32(w, m->current_leader_id);
		wire_put_i32(w, m->current_leader_epoch);
		kp_put_tagged_fields(w);
	}
	kp_put_tagged_fields(w); /* topic */
	kp_put_tagged_fields(w); /* message */
}

static void snapshot_partition_tag(struct wire_reader *r, uint32_t tag, void *ctx)
{
	struct kp_raft_fetch_snapshot_response *m = ctx;
	if (tag == 0) {
		m->current_leader_id = wire_get_i32(r);
		m->current_leader_epoch = wire_get_i32(r);
		expect_no_tags(r);
	} else {
		wire_take(r, wire_remaining(r));
	}
}

int kp_raft_decode_fetch_snapshot_response(struct wire_reader *r,
                                           struct kp_raft_fetch_snapshot_response *m)
{
	m->throttle_time_ms = wire_get_i32(r);
	m->error_code = wire_get_i16(r);
	get_one(r, true);
	m->topic = get_topic(r, true);
	get_one(r, true);
	m->partition = wire_get_i32(r);
	m->partition_error = wire_get_i16(r);
	m->snapshot_end_offset = wire_get_i64(r);
	m->snapshot_epoch = wire_get_i32(r);
	expect_no_tags(r);
	m->size = wire_get_i64(r);
	m->position = wire_get_i64(r);
	m->bytes = kp_get_compact_bytes(r, false);
	m->current_leader_id = -1;
	m->current_leader_epoch = -1;
	get_tags(r, snapshot_partition_tag, m);
	expect_no_tags(r);
	get_tags(r, skip_tag, NULL);
	return kp_get_end(r);
}
