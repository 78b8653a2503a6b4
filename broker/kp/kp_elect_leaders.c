#include "broker/kp/kp_elect_leaders.h"

#include <string.h>

void kp_encode_elect_leaders_request(struct wire_writer *w,
				     const struct kp_elect_leaders_request *req)
{
	wire_put_i8(w, req->election_type);
	kp_put_array_count(w, false, true, req->topic_count);
	if (!kp_put_items_ok(w, req->topics, req->topic_count))
		return;
	for (int32_t i = 0; i < req->topic_count; i++) {
		kp_put_string(w, req->topics[i].topic, false);
		kp_put_int32_array(w, req->topics[i].partitions, req->topics[i].partition_count);
	}
	wire_put_i32(w, req->timeout_ms);
}

static void get_topic(struct wire_reader *r, struct kp_arena *a, struct kp_elect_topic *t)
{
	t->topic = kp_get_string(r, false);
	kp_get_int32_array(r, a, false, &t->partitions, &t->partition_count);
}

int kp_decode_elect_leaders_request(struct wire_reader *r, struct kp_arena *a,
				    struct kp_elect_leaders_request *req)
{
	memset(req, 0, sizeof *req);
	req->election_type = wire_get_i8(r);
	/* A topic: an empty name and a partitions count. */
	KP_GET_ARRAY(r, a, false, true, 6, struct kp_elect_topic, req->topics, req->topic_count,
		     get_topic);
	req->timeout_ms = wire_get_i32(r);
	return kp_get_end(r);
}

void kp_encode_elect_leaders_response(struct wire_writer *w,
				      const struct kp_elect_leaders_response *resp)
{
	wire_put_i32(w, resp->throttle_time_ms);
	wire_put_i16(w, resp->error_code);
	kp_put_array_count(w, false, false, resp->topic_count);
	if (!kp_put_items_ok(w, resp->topics, resp->topic_count))
		return;
	for (int32_t i = 0; i < resp->topic_count; i++) {
		const struct kp_elect_topic_result *t = &resp->topics[i];
		kp_put_string(w, t->topic, false);
		kp_put_array_count(w, false, false, t->partition_count);
		if (!kp_put_items_ok(w, t->partitions, t->partition_count))
			return;
		for (int32_t k = 0; k < t->partition_count; k++) {
			wire_put_i32(w, t->partitions[k].partition_id);
			wire_put_i16(w, t->partitions[k].error_code);
			kp_put_string(w, t->partitions[k].error_message, true);
		}
	}
}

static void get_result(struct wire_reader *r, struct kp_arena *a,
		       struct kp_elect_partition_result *p)
{
	(void)a;
	p->partition_id = wire_get_i32(r);
	p->error_code = wire_get_i16(r);
	p->error_message = kp_get_string(r, true);
}

static void get_topic_result(struct wire_reader *r, struct kp_arena *a,
			     struct kp_elect_topic_result *t)
{
	t->topic = kp_get_string(r, false);
	/* A partition result: id, error code and a null message. */
	KP_GET_ARRAY(r, a, false, false, 8, struct kp_elect_partition_result, t->partitions,
		     t->partition_count, get_result);
}

int kp_decode_elect_leaders_response(struct wire_reader *r, struct kp_arena *a,
				     struct kp_elect_leaders_response *resp)
{
	memset(resp, 0, sizeof *resp);
	resp->throttle_time_ms = wire_get_i32(r);
	resp->error_code = wire_get_i16(r);
	/* A topic result: an empty name and a partition count. */
	KP_GET_ARRAY(r, a, false, false, 6, struct kp_elect_topic_result, resp->topics,
		     resp->topic_count, get_topic_result);
	return kp_get_end(r);
}
