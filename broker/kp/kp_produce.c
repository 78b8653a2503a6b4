#include "broker/kp/kp_produce.h"

#include <string.h>

static bool version_ok(int16_t v)
{
	return v >= KP_PRODUCE_MIN_VERSION && v <= KP_PRODUCE_MAX_VERSION;
}

void kp_encode_produce_request(struct wire_writer *w, int16_t version,
			       const struct kp_produce_request *req)
{
	if (!version_ok(version)) {
		kp_writer_fail(w, KP_EVERSION);
		return;
	}
	kp_put_string(w, req->transactional_id, true);
	wire_put_i16(w, req->acks);
	wire_put_i32(w, req->timeout_ms);
	kp_put_array_count(w, false, false, req->topic_count);
	if (!kp_put_items_ok(w, req->topics, req->topic_count))
		return;
	for (int32_t i = 0; i < req->topic_count; i++) {
		const struct kp_produce_topic *t = &req->topics[i];
		kp_put_string(w, t->name, false);
		kp_put_array_count(w, false, false, t->partition_count);
		if (!kp_put_items_ok(w, t->partitions, t->partition_count))
			return;
		for (int32_t j = 0; j < t->partition_count; j++) {
			wire_put_i32(w, t->partitions[j].index);
			kp_put_bytes(w, t->partitions[j].records, true);
		}
	}
}

static void get_partition(struct wire_reader *r, struct kp_arena *a,
			  struct kp_produce_partition *p)
{
	p->index = wire_get_i32(r);
	p->records = kp_get_bytes(r, true);
}

static void get_topic(struct wire_reader *r, struct kp_arena *a, struct kp_produce_topic *t)
{
	t->name = kp_get_string(r, false);
	KP_GET_ARRAY(r, a, false, false, 8, struct kp_produce_partition, t->partitions,
		     t->partition_count, get_partition);
}

int kp_decode_produce_request(struct wire_reader *r, struct kp_arena *a, int16_t version,
			      struct kp_produce_request *req)
{
	memset(req, 0, sizeof *req);
	if (!version_ok(version))
		return KP_EVERSION;
	req->transactional_id = kp_get_string(r, true);
	req->acks = wire_get_i16(r);
	req->timeout_ms = wire_get_i32(r);
	KP_GET_ARRAY(r, a, false, false, 6, struct kp_produce_topic, req->topics,
		     req->topic_count, get_topic);
	return kp_get_end(r);
}

void kp_encode_produce_response(struct wire_writer *w, int16_t version,
				const struct kp_produce_response *resp)
{
	if (!version_ok(version)) {
		kp_writer_fail(w, KP_EVERSION);
		return;
	}
	kp_put_array_count(w, false, false, resp->topic_count);
	if (!kp_put_items_ok(w, resp->topics, resp->topic_count))
		return;
	for (int32_t i = 0; i < resp->topic_count; i++) {
		const struct kp_produce_topic_response *t = &resp->topics[i];
		kp_put_string(w, t->name, false);
		kp_put_array_count(w, false, false, t->partition_count);
		if (!kp_put_items_ok(w, t->partitions, t->partition_count))
			return;
		for (int32_t j = 0; j < t->partition_count; j++) {
			const struct kp_produce_partition_response *p = &t->partitions[j];
			wire_put_i32(w, p->index);
			wire_put_i16(w, p->error_code);
			wire_put_i64(w, p->base_offset);
			wire_put_i64(w, p->log_append_time_ms);
			if (version >= 5)
				wire_put_i64(w, p->log_start_offset);
		}
	}
	/* Unlike Fetch, Produce puts throttle_time_ms after the topics. */
	wire_put_i32(w, resp->throttle_time_ms);
}

static void get_partition_response(struct wire_reader *r, struct kp_arena *a, int16_t version,
				   struct kp_produce_partition_response *p)
{
	p->index = wire_get_i32(r);
	p->error_code = wire_get_i16(r);
	p->base_offset = wire_get_i64(r);
	p->log_append_time_ms = wire_get_i64(r);
	p->log_start_offset = version >= 5 ? wire_get_i64(r) : -1;
}

static void get_topic_response(struct wire_reader *r, struct kp_arena *a, int16_t version,
			       struct kp_produce_topic_response *t)
{
	t->name = kp_get_string(r, false);
	/* v3-4: 4+2+8+8 bytes per partition. */
	KP_GET_ARRAY_V(r, a, false, false, 22, struct kp_produce_partition_response,
		       t->partitions, t->partition_count, get_partition_response, version);
}

int kp_decode_produce_response(struct wire_reader *r, struct kp_arena *a, int16_t version,
			       struct kp_produce_response *resp)
{
	memset(resp, 0, sizeof *resp);
	if (!version_ok(version))
		return KP_EVERSION;
	KP_GET_ARRAY_V(r, a, false, false, 6, struct kp_produce_topic_response, resp->topics,
		       resp->topic_count, get_topic_response, version);
	resp->throttle_time_ms = wire_get_i32(r);
	return kp_get_end(r);
}
