#include "broker/kp/kp_dispatch.h"

#include <string.h>

#include "broker/kp/kp_error.h"

struct supported_row {
	int16_t api_key;
	int16_t min_version;
	int16_t max_version;
};

static const struct supported_row supported[] = {
	{KP_API_API_VERSIONS, 0, KP_API_VERSIONS_MAX_VERSION},
	{KP_API_METADATA, KP_METADATA_VERSION, KP_METADATA_VERSION},
	{KP_API_PRODUCE, KP_PRODUCE_VERSION, KP_PRODUCE_VERSION},
	{KP_API_FETCH, KP_FETCH_VERSION, KP_FETCH_VERSION},
	{KP_API_LIST_OFFSETS, KP_LIST_OFFSETS_VERSION, KP_LIST_OFFSETS_VERSION},
	{KP_API_INIT_PRODUCER_ID, KP_INIT_PRODUCER_ID_VERSION, KP_INIT_PRODUCER_ID_VERSION},
	{KP_API_CREATE_TOPICS, KP_CREATE_TOPICS_VERSION, KP_CREATE_TOPICS_VERSION},
};

bool kp_api_supported_range(int16_t api_key, int16_t *min_version, int16_t *max_version)
{
	for (size_t i = 0; i < sizeof supported / sizeof supported[0]; i++) {
		if (supported[i].api_key == api_key) {
			*min_version = supported[i].min_version;
			*max_version = supported[i].max_version;
			return true;
		}
	}
	return false;
}

bool kp_api_supported(int16_t api_key, int16_t api_version)
{
	int16_t lo, hi;
	return kp_api_supported_range(api_key, &lo, &hi) && api_version >= lo &&
	       api_version <= hi;
}

static int decode_body(struct wire_reader *r, struct kp_arena *a, struct kp_request *req)
{
	switch (req->header.api_key) {
	case KP_API_API_VERSIONS:
		return kp_decode_api_versions_request(r, req->header.api_version,
						      &req->body.api_versions);
	case KP_API_METADATA:
		return kp_decode_metadata_request(r, a, &req->body.metadata);
	case KP_API_PRODUCE:
		return kp_decode_produce_request(r, a, &req->body.produce);
	case KP_API_FETCH:
		return kp_decode_fetch_request(r, a, &req->body.fetch);
	case KP_API_LIST_OFFSETS:
		return kp_decode_list_offsets_request(r, a, &req->body.list_offsets);
	case KP_API_INIT_PRODUCER_ID:
		return kp_decode_init_producer_id_request(r, &req->body.init_producer_id);
	case KP_API_CREATE_TOPICS:
		return kp_decode_create_topics_request(r, a, &req->body.create_topics);
	}
	return KP_EVERSION;
}

int kp_decode_request(const uint8_t *frame, size_t len, struct kp_arena *a,
		      struct kp_request *req)
{
	struct wire_reader r;
	memset(req, 0, sizeof *req);
	req->header.client_id = KP_STR_NULL;
	/* Look at api_key and api_version before the rest of the header: for a
	 * version we do not speak, even the header's layout is unknown, but the
	 * correlation_id is still needed to answer. */
	wire_reader_init(&r, frame, len);
	req->header.api_key = wire_get_i16(&r);
	req->header.api_version = wire_get_i16(&r);
	req->header.correlation_id = wire_get_i32(&r);
	if (r.err)
		return r.err;
	if (!kp_api_supported(req->header.api_key, req->header.api_version))
		return KP_EVERSION;
	wire_reader_init(&r, frame, len);
	int rc = kp_decode_request_header(&r, &req->header);
	if (rc)
		return rc;
	return decode_body(&r, a, req);
}

void kp_encode_request(struct wire_writer *w, const struct kp_request *req)
{
	const struct kp_request_header *h = &req->header;
	if (!kp_api_supported(h->api_key, h->api_version)) {
		kp_writer_fail(w, KP_EVERSION);
		return;
	}
	kp_encode_request_header(w, h);
	switch (h->api_key) {
	case KP_API_API_VERSIONS:
		kp_encode_api_versions_request(w, h->api_version, &req->body.api_versions);
		break;
	case KP_API_METADATA:
		kp_encode_metadata_request(w, &req->body.metadata);
		break;
	case KP_API_PRODUCE:
		kp_encode_produce_request(w, &req->body.produce);
		break;
	case KP_API_FETCH:
		kp_encode_fetch_request(w, &req->body.fetch);
		break;
	case KP_API_LIST_OFFSETS:
		kp_encode_list_offsets_request(w, &req->body.list_offsets);
		break;
	case KP_API_INIT_PRODUCER_ID:
		kp_encode_init_producer_id_request(w, &req->body.init_producer_id);
		break;
	case KP_API_CREATE_TOPICS:
		kp_encode_create_topics_request(w, &req->body.create_topics);
		break;
	}
}

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
	size_t at = kp_frame_begin(w);
	kp_encode_response_header(w, KP_API_API_VERSIONS, 0, correlation_id);
	kp_encode_api_versions_response(w, 0, &resp);
	kp_frame_end(w, at);
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
