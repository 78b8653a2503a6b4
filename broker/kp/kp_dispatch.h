/*
 * kp_dispatch — the broker's first step with a request frame: decode the
 * header, check that this codec speaks the (api_key, version), decode the
 * body, and for an ApiVersions request at a version past v3 write the
 * UNSUPPORTED_VERSION answer that makes a client retry lower (KIP-511:
 * librdkafka sends v3 first and retries with the highest version the error
 * response lists).
 *
 * The broker advertises exactly kp_api_supported_list() (brk_front), so a
 * request refused here is one of an API or version it never offered: the
 * connection is closed, as Kafka closes it. The UNSUPPORTED_VERSION answer
 * lists only ApiVersions' own range, as Kafka's
 * ApiVersionsRequest.getErrorResponse does; the client's retry at a lower
 * version gets the full list.
 *
 * A decoded ApiVersions v3 request is handed over even when its software
 * name or version breaks KIP-511's pattern; Kafka answers those with
 * INVALID_REQUEST, which the broker can do after
 * kp_api_versions_request_valid.
 *
 * Ownership: a decoded request views the caller's frame and arena; a reply
 * is written into the caller's writer. No state, no allocation.
 */
#ifndef KSIM_KP_DISPATCH_H
#define KSIM_KP_DISPATCH_H

#include "broker/kp/kp_message.h"

/* What the caller does next with a frame. */
enum kp_dispatch {
	KP_DISPATCH_HANDLE = 0,  /* *req holds a decoded request to serve */
	KP_DISPATCH_REPLIED = 1, /* an error reply frame was written: send it */
	KP_DISPATCH_CLOSE = 2,   /* malformed or unsupported: close, as Kafka does */
};

/* Writes an ApiVersions error frame (without the i32 size, like every
 * encoder here: the env's connections frame messages): response header v0
 * with correlation_id, then an ApiVersions v0 body with UNSUPPORTED_VERSION
 * and one api_keys entry {18, 0, 3}. */
void kp_encode_api_versions_unsupported(struct wire_writer *w, int32_t correlation_id);

/*
 * kp_decode_request, then the decision: KP_DISPATCH_HANDLE when *req is
 * ready; KP_DISPATCH_REPLIED after writing the error frame above into
 * `reply` for an ApiVersions request whose version is too high;
 * KP_DISPATCH_CLOSE otherwise. *status receives kp_decode_request's result.
 */
enum kp_dispatch kp_dispatch_request(const uint8_t *frame, size_t len, struct kp_arena *a,
				     struct kp_request *req, struct wire_writer *reply,
				     int *status);

#endif
