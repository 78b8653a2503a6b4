#include "broker/kp/kp_dispatch.h"

#include "broker/kp/kp_error.h"

void kp_encode_api_versions_unsupported(struct wire_writer *w, int32_t correlation_id)
{
	/* KIP-511: the broker answers at v0, which every client can parse, and
	 * lists the ApiVersions versions it does support. */
	static const struct kp_api_version_range self = {
		KP_API_API_VERSIONS, 0, KP_API_VERSIONS_MAX_VERSION};
	const struct kp_api_versions_response resp = {
		.error_code = KP_ERR_UNSUPPORTED_VERSION,
		.api_keys = &self,
		.api_key_count = 1,
	};
	kp_encode_response_header(w, KP_API_API_VERSIONS, 0, correlation_id);
	kp_encode_api_versions_response(w, 0, &resp);
}

enum kp_dispatch kp_dispatch_request(const uint8_t *frame, size_t len, struct kp_arena *a,
				     struct kp_request *req, struct wire_writer *reply,
				     int *status)
{
	*status = kp_decode_request(frame, len, a, req);
	if (*status == 0)
		return KP_DISPATCH_HANDLE;
	if (*status == KP_EVERSION && req->header.api_key == KP_API_API_VERSIONS &&
	    req->header.api_version > KP_API_VERSIONS_MAX_VERSION) {
		kp_encode_api_versions_unsupported(reply, req->header.correlation_id);
		return KP_DISPATCH_REPLIED;
	}
	return KP_DISPATCH_CLOSE;
}
