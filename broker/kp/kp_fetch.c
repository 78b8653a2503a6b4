#include "broker/kp/kp_fetch.h"

#include <string.h>

static bool version_ok(int16_t v)
{
	return v >= KP_FETCH_MIN_VERSION && v <= KP_FETCH_MAX_VERSION;
}

static void put_topic(struct wire_writer *w, int16_t version, const struct kp_fetch_topic *t)
{
	kp_put_string(w, t->topic, false);
	kp_put_array_count(w, false, false, t->partition_count);
	if (!kp_put_items_ok(w, t->partitions, t->partition_count))
		return;
	for (int32_t j = 0; j < t->partition_count; j++) {
		const struct kp_fetch_partition *p = &t->partitions[j];
		wire_put_i32(w, p->partition);
		if (version >= 9)
			wire_put_i32(w, p->current_leader_epoch);
		wire_put_i64(w, p->fetch_offset);
		if (version >= 5)
			wire_put_i64(w, p->log_start_offset);
		wire_put_i32(w, p->partition_max_bytes);
	}
}

static void put_forgotten(struct wire_writer *w, const struct kp_fetch_request *req)
{
	kp_put_array_count(w, false, false, req->forgotten_count);
	if (!kp_put_items_ok(w, req->forgotten, req->forgotten_count))
		return;
	for (int32_t i = 0; i < req->forgotten_count; i++) {
		kp_put_string(w, req->forgotten[i].topic, false);
		kp_put_int32_array(w, req->forgotten[i].partitions,
				   req->forgotten[i].partition_count);
	}
}

void kp_encode_fetch_request(struct wire_writer *w, int16_t version,
			     const struct kp_fetch_request *req)
{
	if (!version_ok(version)) {
		kp_writer_fail(w, KP_EVERSION);
		return;
	}
	wire_put_i32(w, req->replica_id);
	wire_put_i32(w, req->max_wait_ms);
	wire_put_i32(w, req->min_bytes);
	wire_put_i32(w, req->max_bytes);
	wire_put_i8(w, req->isolation_level);
	if (version >= 7) {
		wire_put_i32(w, req->session_id);
		wire_put_i32(w, req->session_epoch);
	}
	kp_put_array_count(w, false, false, req->topic_count);
	if (!kp_put_items_ok(w, req->topics, req->topic_count))
		return;
	for (int32_t i = 0; i < req->topic_count; i++)
		put_topic(w, version, &req->topics[i]);
	if (version >= 7)
		put_forgotten(w, req);
	if (version >= 11)
		kp_put_string(w, req->rack_id, false);
}

static void get_partition(struct wire_reader *r, struct kp_arena *a, int16_t version,
			  struct kp_fetch_partition *p)
{
	p->partition = wire_get_i32(r);
	p->current_leader_epoch = version >= 9 ? wire_get_i32(r) : -1;
	p->fetch_offset = wire_get_i64(r);
	p->log_start_offset = version >= 5 ? wire_get_i64(r) : -1;
	p->partition_max_bytes = wire_get_i32(r);
}

static void get_topic(struct wire_reader *r, struct kp_arena *a, int16_t version,
		      struct kp_fetch_topic *t)
{
	t->topic = kp_get_string(r, false);
	/* v4: partition, fetch_offset, partition_max_bytes = 16 bytes. */
	KP_GET_ARRAY_V(r, a, false, false, 16, struct kp_fetch_partition, t->partitions,
		       t->partition_count, get_partition, version);
}

static void get_forgotten(struct wire_reader *r, struct kp_arena *a,
			  struct kp_fetch_forgotten_topic *t)
{
	t->topic = kp_get_string(r, false);
	kp_get_int32_array(r, a, false, &t->partitions, &t->partition_count);
}

int kp_decode_fetch_request(struct wire_reader *r, struct kp_arena *a, int16_t version,
			    struct kp_fetch_request *req)
{
	memset(req, 0, sizeof *req);
	if (!version_ok(version))
		return KP_EVERSION;
	req->replica_id = wire_get_i32(r);
	req->max_wait_ms = wire_get_i32(r);
	req->min_bytes = wire_get_i32(r);
	req->max_bytes = wire_get_i32(r);
	req->isolation_level = wire_get_i8(r);
	req->session_id = version >= 7 ? wire_get_i32(r) : 0;
	req->session_epoch = version >= 7 ? wire_get_i32(r) : -1;
	KP_GET_ARRAY_V(r, a, false, false, 6, struct kp_fetch_topic, req->topics,
		       req->topic_count, get_topic, version);
	if (version >= 7)
		KP_GET_ARRAY(r, a, false, false, 6, struct kp_fetch_forgotten_topic,
			     req->forgotten, req->forgotten_count, get_forgotten);
	req->rack_id = version >= 11 ? kp_get_string(r, false) : (struct kp_str){"", 0};
	return kp_get_end(r);
}

static void put_partition_response(struct wire_writer *w, int16_t version,
				   const struct kp_fetch_partition_response *p)
{
	wire_put_i32(w, p->partition_index);
	wire_put_i16(w, p->error_code);
	wire_put_i64(w, p->high_watermark);
	wire_put_i64(w, p->last_stable_offset);
	if (version >= 5)
		wire_put_i64(w, p->log_start_offset);
	kp_put_array_count(w, false, true, p->aborted_count);
	if (!kp_put_items_ok(w, p->aborted, p->aborted_count))
		return;
	for (int32_t k = 0; k < p->aborted_count; k++) {
		wire_put_i64(w, p->aborted[k].producer_id);
		wire_put_i64(w, p->aborted[k].first_offset);
	}
	if (version >= 11)
		wire_put_i32(w, p->preferred_read_replica);
	kp_put_bytes(w, p->records, true);
}

void kp_encode_fetch_response(struct wire_writer *w, int16_t version,
			      const struct kp_fetch_response *resp)
{
	if (!version_ok(version)) {
		kp_writer_fail(w, KP_EVERSION);
		return;
	}
	/* Unlike Produce, Fetch puts throttle_time_ms first. */
	wire_put_i32(w, resp->throttle_time_ms);
	if (version >= 7) {
		wire_put_i16(w, resp->error_code);
		wire_put_i32(w, resp->session_id);
	}
	kp_put_array_count(w, false, false, resp->topic_count);
	if (!kp_put_items_ok(w, resp->topics, resp->topic_count))
		return;
	for (int32_t i = 0; i < resp->topic_count; i++) {
		const struct kp_fetch_topic_response *t = &resp->topics[i];
		kp_put_string(w, t->topic, false);
		kp_put_array_count(w, false, false, t->partition_count);
		if (!kp_put_items_ok(w, t->partitions, t->partition_count))
			return;
		for (int32_t j = 0; j < t->partition_count; j++)
			put_partition_response(w, version, &t->partitions[j]);
	}
}

static void get_aborted(struct wire_reader *r, struct kp_arena *a, struct kp_fetch_aborted_txn *t)
{
	t->producer_id = wire_get_i64(r);
	t->first_offset = wire_get_i64(r);
}

static void get_partition_response(struct wire_reader *r, struct kp_arena *a, int16_t version,
				   struct kp_fetch_partition_response *p)
{
	p->partition_index = wire_get_i32(r);
	p->error_code = wire_get_i16(r);
	p->high_watermark = wire_get_i64(r);
	p->last_stable_offset = wire_get_i64(r);
	p->log_start_offset = version >= 5 ? wire_get_i64(r) : -1;
	KP_GET_ARRAY(r, a, false, true, 16, struct kp_fetch_aborted_txn, p->aborted,
		     p->aborted_count, get_aborted);
	p->preferred_read_replica = version >= 11 ? wire_get_i32(r) : -1;
	p->records = kp_get_bytes(r, true);
}

static void get_topic_response(struct wire_reader *r, struct kp_arena *a, int16_t version,
			       struct kp_fetch_topic_response *t)
{
	t->topic = kp_get_string(r, false);
	/* v4: 4+2+8+8, aborted count 4, records length 4 = 30 bytes. */
	KP_GET_ARRAY_V(r, a, false, false, 30, struct kp_fetch_partition_response,
		       t->partitions, t->partition_count, get_partition_response, version);
}

int kp_decode_fetch_response(struct wire_reader *r, struct kp_arena *a, int16_t version,
			     struct kp_fetch_response *resp)
{
	memset(resp, 0, sizeof *resp);
	if (!version_ok(version))
		return KP_EVERSION;
	resp->throttle_time_ms = wire_get_i32(r);
	resp->error_code = version >= 7 ? wire_get_i16(r) : 0;
	resp->session_id = version >= 7 ? wire_get_i32(r) : 0;
	KP_GET_ARRAY_V(r, a, false, false, 6, struct kp_fetch_topic_response, resp->topics,
		       resp->topic_count, get_topic_response, version);
	return kp_get_end(r);
}
