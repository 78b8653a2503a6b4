/*
 * kp_dispatch — the broker's first step with a request frame: decode the
 * header, check that this codec speaks the (api_key, version), decode the
 * body, and for an ApiVersions request at a version past v3 write the
 * UNSUPPORTED_VERSION answer that makes a client retry lower (KIP-511:
 * librdkafka sends v3 first and retries with the highest version the error
 * response lists).
 *
 * Versions decoded: ApiVersions 0-3, Metadata 4, Produce 7, Fetch 11,
 * ListOffsets 2, InitProducerId 1, CreateTopics 4. Which ranges a broker
 * advertises is its own policy (librdkafka's feature checks want e.g.
 * Produce 0-7 advertised even though it then sends 7); it must never
 * advertise a version it sends and this table lacks.
 *
 * Ownership: a decoded request views the caller's frame and arena; a reply
 * is written into the caller's writer. No state, no allocation.
 */
#ifndef KSIM_KP_DISPATCH_H
#define KSIM_KP_DISPATCH_H

#include "broker/kp/kp_api_versions.h"
#include "broker/kp/kp_create_topics.h"
#include "broker/kp/kp_fetch.h"
#include "broker/kp/kp_header.h"
#include "broker/kp/kp_init_producer_id.h"
#include "broker/kp/kp_list_offsets.h"
#include "broker/kp/kp_metadata.h"
#include "broker/kp/kp_produce.h"

/* A decoded request: the member of `body` named after header.api_key. */
struct kp_request {
	struct kp_request_header header;
	union {
		struct kp_api_versions_request api_versions;
		struct kp_metadata_request metadata;
		struct kp_produce_request produce;
		struct kp_fetch_request fetch;
		struct kp_list_offsets_request list_offsets;
		struct kp_init_producer_id_request init_producer_id;
		struct kp_create_topics_request create_topics;
	} body;
};

/* What the caller does next with a frame. */
enum kp_dispatch {
	KP_DISPATCH_HANDLE = 0,  /* *req holds a decoded request to serve */
	KP_DISPATCH_REPLIED = 1, /* an error reply frame was written: send it */
	KP_DISPATCH_CLOSE = 2,   /* malformed or unsupported: close, as Kafka does */
};

/* The versions of api_key this codec decodes: true and the inclusive range,
 * or false for an API it does not speak. */
bool kp_api_supported_range(int16_t api_key, int16_t *min_version, int16_t *max_version);
bool kp_api_supported(int16_t api_key, int16_t api_version);

/*
 * Decodes a request frame body (the bytes after the i32 size). Returns 0,
 * KP_EVERSION for an API or version this codec does not decode (then
 * req->header holds api_key, api_version and correlation_id), or the first
 * decode error (short input, bad count, KP_EARENA, KP_ETRAILING).
 */
int kp_decode_request(const uint8_t *frame, size_t len, struct kp_arena *a,
		      struct kp_request *req);

/* Encodes header and body of a request (no size prefix) at the version in
 * req->header; a version kp_api_supported refuses sets w->err to
 * KP_EVERSION. Simulated clients use this; its output decodes with
 * kp_decode_request. */
void kp_encode_request(struct wire_writer *w, const struct kp_request *req);

/* Writes a whole size-prefixed ApiVersions error frame: response header v0
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
