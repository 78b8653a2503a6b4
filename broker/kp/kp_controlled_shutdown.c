#include "broker/kp/kp_controlled_shutdown.h"

#include <string.h>

void kp_encode_controlled_shutdown_request(struct wire_writer *w,
					   const struct kp_controlled_shutdown_request *req)
{
	wire_put_i32(w, req->broker_id);
	wire_put_i64(w, req->broker_epoch);
}

int kp_decode_controlled_shutdown_request(struct wire_reader *r,
					  struct kp_controlled_shutdown_request *req)
{
	memset(req, 0, sizeof *req);
	req->broker_id = wire_get_i32(r);
	req->broker_epoch = wire_get_i64(r);
	return kp_get_end(r);
}

void kp_encode_controlled_shutdown_response(struct wire_writer *w,
					    const struct kp_controlled_shutdown_response *resp)
{
	wire_put_i16(w, resp->error_code);
	kp_put_array_count(w, false, false, resp->remaining_count);
	if (!kp_put_items_ok(w, resp->remaining, resp->remaining_count))
		return;
	for (int32_t i = 0; i < resp->remaining_count; i++) {
		kp_put_string(w, resp->remaining[i].topic_name, false);
		wire_put_i32(w, resp->remaining[i].partition_index);
	}
}

static void get_remaining(struct wire_reader *r, struct kp_arena *a,
			  struct kp_remaining_partition *p)
{
	(void)a;
	p->topic_name = kp_get_string(r, false);
	p->partition_index = wire_get_i32(r);
}

int kp_decode_controlled_shutdown_response(struct wire_reader *r, struct kp_arena *a,
					   struct kp_controlled_shutdown_response *resp)
{
	memset(resp, 0, sizeof *resp);
	resp->error_code = wire_get_i16(r);
	/* A remaining partition: an empty topic name and a partition index. */
	KP_GET_ARRAY(r, a, false, false, 6, struct kp_remaining_partition, resp->remaining,
		     resp->remaining_count, get_remaining);
	return kp_get_end(r);
}
