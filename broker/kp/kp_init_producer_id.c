#include "broker/kp/kp_init_producer_id.h"

void kp_encode_init_producer_id_request(struct wire_writer *w,
					const struct kp_init_producer_id_request *req)
{
	kp_put_string(w, req->transactional_id, true);
	wire_put_i32(w, req->transaction_timeout_ms);
}

int kp_decode_init_producer_id_request(struct wire_reader *r,
				       struct kp_init_producer_id_request *req)
{
	req->transactional_id = kp_get_string(r, true);
	req->transaction_timeout_ms = wire_get_i32(r);
	return kp_get_end(r);
}

void kp_encode_init_producer_id_response(struct wire_writer *w,
					 const struct kp_init_producer_id_response *resp)
{
	wire_put_i32(w, resp->throttle_time_ms);
	wire_put_i16(w, resp->error_code);
	wire_put_i64(w, resp->producer_id);
	wire_put_i16(w, resp->producer_epoch);
}

int kp_decode_init_producer_id_response(struct wire_reader *r,
					struct kp_init_producer_id_response *resp)
{
	resp->throttle_time_ms = wire_get_i32(r);
	resp->error_code = wire_get_i16(r);
	resp->producer_id = wire_get_i64(r);
	resp->producer_epoch = wire_get_i16(r);
	return kp_get_end(r);
}
