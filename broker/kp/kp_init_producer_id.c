#include "broker/kp/kp_init_producer_id.h"

#include <string.h>

/* v0 and v1 share one layout (v1 only changed the broker's quota
 * behaviour); v2 is flexible and v3 adds fields, neither served. */
static bool version_ok(int16_t v)
{
	return v >= KP_INIT_PRODUCER_ID_MIN_VERSION && v <= KP_INIT_PRODUCER_ID_MAX_VERSION;
}

void kp_encode_init_producer_id_request(struct wire_writer *w, int16_t version,
					const struct kp_init_producer_id_request *req)
{
	if (!version_ok(version)) {
		kp_writer_fail(w, KP_EVERSION);
		return;
	}
	kp_put_string(w, req->transactional_id, true);
	wire_put_i32(w, req->transaction_timeout_ms);
}

int kp_decode_init_producer_id_request(struct wire_reader *r, int16_t version,
				       struct kp_init_producer_id_request *req)
{
	memset(req, 0, sizeof *req);
	if (!version_ok(version))
		return KP_EVERSION;
	req->transactional_id = kp_get_string(r, true);
	req->transaction_timeout_ms = wire_get_i32(r);
	return kp_get_end(r);
}

void kp_encode_init_producer_id_response(struct wire_writer *w, int16_t version,
					 const struct kp_init_producer_id_response *resp)
{
	if (!version_ok(version)) {
		kp_writer_fail(w, KP_EVERSION);
		return;
	}
	wire_put_i32(w, resp->throttle_time_ms);
	wire_put_i16(w, resp->error_code);
	wire_put_i64(w, resp->producer_id);
	wire_put_i16(w, resp->producer_epoch);
}

int kp_decode_init_producer_id_response(struct wire_reader *r, int16_t version,
					struct kp_init_producer_id_response *resp)
{
	memset(resp, 0, sizeof *resp);
	if (!version_ok(version))
		return KP_EVERSION;
	resp->throttle_time_ms = wire_get_i32(r);
	resp->error_code = wire_get_i16(r);
	resp->producer_id = wire_get_i64(r);
	resp->producer_epoch = wire_get_i16(r);
	return kp_get_end(r);
}
