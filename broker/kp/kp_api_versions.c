#include "broker/kp/kp_api_versions.h"

#include <string.h>

static bool version_ok(int16_t version)
{
	return version >= 0 && version <= KP_API_VERSIONS_MAX_VERSION;
}

void kp_encode_api_versions_request(struct wire_writer *w, int16_t version,
				    const struct kp_api_versions_request *req)
{
	if (!version_ok(version)) {
		kp_writer_fail(w, KP_EVERSION);
		return;
	}
	if (version < 3)
		return; /* v0-v2 bodies are empty */
	kp_put_compact_string(w, req->client_software_name, false);
	kp_put_compact_string(w, req->client_software_version, false);
	kp_put_tagged_fields(w);
}

int kp_decode_api_versions_request(struct wire_reader *r, int16_t version,
				   struct kp_api_versions_request *req)
{
	req->client_software_name = KP_STR_NULL;
	req->client_software_version = KP_STR_NULL;
	if (!version_ok(version))
		return KP_EVERSION;
	if (version >= 3) {
		req->client_software_name = kp_get_compact_string(r, false);
		req->client_software_version = kp_get_compact_string(r, false);
		kp_skip_tagged_fields(r);
	}
	return kp_get_end(r);
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* One or more characters from [a-zA-Z0-9.-], starting and ending alphanumeric. */
static bool software_id_ok(struct kp_str s)
{
	if (s.len <= 0 || !is_alnum(s.ptr[0]) || !is_alnum(s.ptr[s.len - 1]))
		return false;
	for (int32_t i = 1; i < s.len - 1; i++)
		if (!is_alnum(s.ptr[i]) && s.ptr[i] != '.' && s.ptr[i] != '-')
			return false;
	return true;
}

bool kp_api_versions_request_valid(int16_t version, const struct kp_api_versions_request *req)
{
	if (version < 3)
		return true;
	return software_id_ok(req->client_software_name) &&
	       software_id_ok(req->client_software_version);
}

void kp_encode_api_versions_response(struct wire_writer *w, int16_t version,
				     const struct kp_api_versions_response *resp)
{
	bool flex = version >= 3;
	if (!version_ok(version)) {
		kp_writer_fail(w, KP_EVERSION);
		return;
	}
	wire_put_i16(w, resp->error_code);
	kp_put_array_count(w, flex, false, resp->api_key_count);
	if (!kp_put_items_ok(w, resp->api_keys, resp->api_key_count))
		return;
	for (int32_t i = 0; i < resp->api_key_count; i++) {
		const struct kp_api_version_range *k = &resp->api_keys[i];
		wire_put_i16(w, k->api_key);
		wire_put_i16(w, k->min_version);
		wire_put_i16(w, k->max_version);
		if (flex)
			kp_put_tagged_fields(w);
	}
	if (version >= 1)
		wire_put_i32(w, resp->throttle_time_ms);
	if (flex)
		kp_put_tagged_fields(w);
}

/* The element decoder needs to know whether the message is flexible; the
 * two wrappers below fix that for KP_GET_ARRAY. */
static void get_range(struct wire_reader *r, struct kp_api_version_range *k)
{
	k->api_key = wire_get_i16(r);
	k->min_version = wire_get_i16(r);
	k->max_version = wire_get_i16(r);
}

static void get_range_v0(struct wire_reader *r, struct kp_arena *a,
			 struct kp_api_version_range *k)
{
	get_range(r, k);
}

static void get_range_v3(struct wire_reader *r, struct kp_arena *a,
			 struct kp_api_version_range *k)
{
	get_range(r, k);
	kp_skip_tagged_fields(r);
}

int kp_decode_api_versions_response(struct wire_reader *r, struct kp_arena *a, int16_t version,
				    struct kp_api_versions_response *resp)
{
	memset(resp, 0, sizeof *resp);
	if (!version_ok(version))
		return KP_EVERSION;
	resp->error_code = wire_get_i16(r);
	if (version >= 3)
		KP_GET_ARRAY(r, a, true, false, 7, struct kp_api_version_range,
			     resp->api_keys, resp->api_key_count,
			     get_range_v3);
	else
		KP_GET_ARRAY(r, a, false, false, 6, struct kp_api_version_range,
			     resp->api_keys, resp->api_key_count,
			     get_range_v0);
	if (version >= 1)
		resp->throttle_time_ms = wire_get_i32(r);
	if (version >= 3)
		kp_skip_tagged_fields(r);
	return kp_get_end(r);
}

int kp_decode_api_versions_response_any(struct wire_reader *r, struct kp_arena *a,
					int16_t version,
					struct kp_api_versions_response *resp,
					int16_t *used_version)
{
	struct wire_reader start = *r;
	size_t arena_used = a->used;
	*used_version = version;
	int rc = kp_decode_api_versions_response(r, a, version, resp);
	/* A full arena says nothing about the layout: report it as it is. */
	if (rc == 0 || rc == KP_EARENA || version == 0)
		return rc;
	/* Rewind reader and arena, and try the error layout. */
	*r = start;
	a->used = arena_used;
	*used_version = 0;
	return kp_decode_api_versions_response(r, a, 0, resp);
}
