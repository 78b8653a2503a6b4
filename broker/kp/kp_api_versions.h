/*
 * kp_api_versions — the ApiVersions (key 18) request and response, v0-v3.
 *
 * v0-v2 requests have an empty body; v3 (the first flexible version) sends
 * client_software_name and client_software_version as COMPACT_STRINGs and a
 * tagged-field section. The response has error_code, the api_keys array
 * (api_key, min_version, max_version), throttle_time_ms from v1, and in v3
 * compact arrays and tagged fields (the v3 feature tags are skipped when
 * decoding and never written). Its header is always response header v0.
 *
 * Ownership: decoded strings view the caller's frame; the decoded api_keys
 * array lives in the caller's arena. Encoders read the caller's structs.
 */
#ifndef KSIM_KP_API_VERSIONS_H
#define KSIM_KP_API_VERSIONS_H

#include "broker/kp/kp_prim.h"

#define KP_API_VERSIONS_MAX_VERSION 3

struct kp_api_versions_request {
	struct kp_str client_software_name;    /* v3+, not nullable */
	struct kp_str client_software_version; /* v3+, not nullable */
};

struct kp_api_version_range {
	int16_t api_key;
	int16_t min_version;
	int16_t max_version;
};

struct kp_api_versions_response {
	int16_t error_code;
	const struct kp_api_version_range *api_keys;
	int32_t api_key_count;
	int32_t throttle_time_ms; /* v1+ */
};

/* Each takes the message version (0-3); any other version fails with
 * KP_EVERSION (in w->err for encoders). Decoders return 0 or the first
 * error, and reject bytes left after the message (KP_ETRAILING). */
void kp_encode_api_versions_request(struct wire_writer *w, int16_t version,
				    const struct kp_api_versions_request *req);
int kp_decode_api_versions_request(struct wire_reader *r, int16_t version,
				   struct kp_api_versions_request *req);
void kp_encode_api_versions_response(struct wire_writer *w, int16_t version,
				     const struct kp_api_versions_response *resp);
/*
 * Kafka (KIP-511) accepts a v3+ request only when client_software_name and
 * client_software_version each match [a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?
 * and answers INVALID_REQUEST otherwise. True for a request that passes, and
 * always for versions 0-2, which carry neither field.
 */
bool kp_api_versions_request_valid(int16_t version, const struct kp_api_versions_request *req);

int kp_decode_api_versions_response(struct wire_reader *r, struct kp_arena *a, int16_t version,
				    struct kp_api_versions_response *resp);

/*
 * A client's decode of an ApiVersions answer, as Kafka's own clients do it:
 * first at the version it asked for, then, if that fails, at v0, the
 * version a broker answers UNSUPPORTED_VERSION with (KIP-511). The reader
 * sits after the response header. Sets *used_version to the version that
 * decoded; returns 0, KP_EARENA from the first attempt (no fallback then),
 * or the error of the v0 attempt.
 */
int kp_decode_api_versions_response_any(struct wire_reader *r, struct kp_arena *a,
					int16_t version,
					struct kp_api_versions_response *resp,
					int16_t *used_version);

#endif
