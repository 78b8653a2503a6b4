#include "broker/kp/kp_list_offsets.h"

#include <string.h>

static bool version_ok(int16_t v)
{
	return v >= KP_LIST_OFFSETS_MIN_VERSION && v <= KP_LIST_OFFSETS_MAX_VERSION;
}

void kp_encode_list_offsets_request(struct wire_writer *w, int16_t version,
				    const struct kp_list_offsets_request *req)
{
	if (!version_ok(version)) {
		kp_writer_fail(w, KP_EVERSION);
		return;
	}
	wire_put_i32(w, req->replica_id);
	if (version >= 2)
		wire_put_i8(w, req->isolation_level);
	kp_put_array_count(w, false, false, req->topic_count);
	if (!kp_put_items_ok(w, req->topics, req->topic_count))
		return;
	for (int32_t i = 0; i < req->topic_count; i++) {
		const struct kp_list_offsets_topic *t = &req->topics[i];
		kp_put_string(w, t->name, false);
		kp_put_array_count(w, false, false, t->partition_count);
		if (!kp_put_items_ok(w, t->partitions, t->partition_count))
			return;
		for (int32_t j = 0; j < t->partition_count; j++) {
			wire_put_i32(w, t->partitions[j].partition_index);
			wire_put_i64(w, t->partitions[j].timestamp);
		}
	}
}

static void get_partition(struct wire_reader *r, struct kp_arena *a,
			  struct kp_list_offsets_partition *p)
{
	p->partition_index = wire_get_i32(r);
	p->timestamp = wire_get_i64(r);
}

static void get_topic(struct wire_reader *r, struct kp_arena *a,
		      struct kp_list_offsets_topic *t)
{
	t->name = kp_get_string(r, false);
	KP_GET_ARRAY(r, a, false, false, 12, struct kp_list_offsets_partition, t->partitions,
		     t->partition_count, get_partition);
}

int kp_decode_list_offsets_request(struct wire_reader *r, struct kp_arena *a, int16_t version,
				   struct kp_list_offsets_request *req)
{
	memset(req, 0, sizeof *req);
	if (!version_ok(version))
		return KP_EVERSION;
	req->replica_id = wire_get_i32(r);
	req->isolation_level = version >= 2 ? wire_get_i8(r) : 0;
	KP_GET_ARRAY(r, a, false, false, 6, struct kp_list_offsets_topic, req->topics,
		     req->topic_count, get_topic);
	return kp_get_end(r);
}

void kp_encode_list_offsets_response(struct wire_writer *w, int16_t version,
				     const struct kp_list_offsets_response *resp)
{
	if (!version_ok(version)) {
		kp_writer_fail(w, KP_EVERSION);
		return;
	}
	if (version >= 2)
		wire_put_i32(w, resp->throttle_time_ms);
	kp_put_array_count(w, false, false, resp->topic_count);
	if (!kp_put_items_ok(w, resp->topics, resp->topic_count))
		return;
	for (int32_t i = 0; i < resp->topic_count; i++) {
		const struct kp_list_offsets_topic_response *t = &resp->topics[i];
		kp_put_string(w, t->name, false);
		kp_put_array_count(w, false, false, t->partition_count);
		if (!kp_put_items_ok(w, t->partitions, t->partition_count))
			return;
		for (int32_t j = 0; j < t->partition_count; j++) {
			const struct kp_list_offsets_partition_response *p = &t->partitions[j];
			wire_put_i32(w, p->partition_index);
			wire_put_i16(w, p->error_code);
			wire_put_i64(w, p->timestamp);
			wire_put_i64(w, p->offset);
		}
	}
}

static void get_partition_response(struct wire_reader *r, struct kp_arena *a,
				   struct kp_list_offsets_partition_response *p)
{
	p->partition_index = wire_get_i32(r);
	p->error_code = wire_get_i16(r);
	p->timestamp = wire_get_i64(r);
	p->offset = wire_get_i64(r);
}

static void get_topic_response(struct wire_reader *r, struct kp_arena *a,
			       struct kp_list_offsets_topic_response *t)
{
	t->name = kp_get_string(r, false);
	KP_GET_ARRAY(r, a, false, false, 22, struct kp_list_offsets_partition_response,
		     t->partitions, t->partition_count, get_partition_response);
}

int kp_decode_list_offsets_response(struct wire_reader *r, struct kp_arena *a, int16_t version,
				    struct kp_list_offsets_response *resp)
{
	memset(resp, 0, sizeof *resp);
	if (!version_ok(version))
		return KP_EVERSION;
	resp->throttle_time_ms = version >= 2 ? wire_get_i32(r) : 0;
	KP_GET_ARRAY(r, a, false, false, 6, struct kp_list_offsets_topic_response, resp->topics,
		     resp->topic_count, get_topic_response);
	return kp_get_end(r);
}
