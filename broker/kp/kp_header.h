/*
 * kp_header — Kafka request and response headers, the API keys ksim knows,
 * and the rule for which header version goes with which (api, version).
 *
 * Request header v1: api_key i16, api_version i16, correlation_id i32,
 * client_id NULLABLE_STRING (always the i16-length form, even in v2, so that
 * any broker can read an ApiVersions header). v2 adds a tagged-field section.
 * Response header v0: correlation_id i32; v1 adds tagged fields. A flexible
 * API version uses request v2 / response v1, except that the ApiVersions
 * response always uses header v0 (KIP-511: a client must be able to read
 * the answer whatever version it asked for).
 *
 * Frames on the wire are an i32 size followed by that many bytes; the
 * header and body codecs here work on the bytes after the size. Decoded
 * strings are views into the caller's frame. No state, no allocation.
 */
#ifndef KSIM_KP_HEADER_H
#define KSIM_KP_HEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/codec/wire.h"
#include "broker/kp/kp_prim.h"

enum kp_api_key {
	KP_API_PRODUCE = 0,
	KP_API_FETCH = 1,
	KP_API_LIST_OFFSETS = 2,
	KP_API_METADATA = 3,
	KP_API_LEADER_AND_ISR = 4,
	KP_API_STOP_REPLICA = 5,
	KP_API_UPDATE_METADATA = 6,
	KP_API_CONTROLLED_SHUTDOWN = 7,
	KP_API_OFFSET_COMMIT = 8,
	KP_API_OFFSET_FETCH = 9,
	KP_API_FIND_COORDINATOR = 10,
	KP_API_JOIN_GROUP = 11,
	KP_API_HEARTBEAT = 12,
	KP_API_LEAVE_GROUP = 13,
	KP_API_SYNC_GROUP = 14,
	KP_API_API_VERSIONS = 18,
	KP_API_CREATE_TOPICS = 19,
	KP_API_INIT_PRODUCER_ID = 22,
	KP_API_OFFSETS_FOR_LEADER_EPOCH = 23,
	KP_API_ELECT_LEADERS = 43,
	KP_API_VOTE = 52,
	KP_API_BEGIN_QUORUM_EPOCH = 53,
	KP_API_END_QUORUM_EPOCH = 54,
	KP_API_DESCRIBE_QUORUM = 55,
	KP_API_ALTER_PARTITION = 56,
	KP_API_FETCH_SNAPSHOT = 59,
};

/* Largest frame body a decoder accepts from a peer (Kafka's default
 * socket.request.max.bytes is 100 MiB). */
#define KP_FRAME_MAX (100 * 1024 * 1024)

struct kp_request_header {
	int16_t api_key;
	int16_t api_version;
	int32_t correlation_id;
	struct kp_str client_id; /* nullable */
};

/* The API's name ("Produce"), or "Unknown". Static string. */
const char *kp_api_name(int16_t api_key);
/* The first flexible version of an API (from Kafka's message schemas), or
 * -1 for an API key this module does not know. */
int kp_api_first_flexible(int16_t api_key);
/* Header versions for (api_key, api_version): request 1 or 2, response 0 or
 * 1; -1 for an unknown API key. */
int kp_request_header_version(int16_t api_key, int16_t api_version);
int kp_response_header_version(int16_t api_key, int16_t api_version);

/*
 * Decodes a request header, choosing v1 or v2 from its own api_key and
 * api_version. Returns 0, a wire error, or KP_EVERSION for an unknown API
 * key or a negative version; on KP_EVERSION the first three fields are
 * still filled so a caller can answer by correlation_id, and the reader is
 * left after them. client_id views the frame.
 */
int kp_decode_request_header(struct wire_reader *r, struct kp_request_header *h);
/* Encodes a request header in the version its (api_key, api_version)
 * needs; an unknown API key sets w->err to KP_EVERSION. */
void kp_encode_request_header(struct wire_writer *w, const struct kp_request_header *h);

/* Response headers for a response to (api_key, api_version). */
void kp_encode_response_header(struct wire_writer *w, int16_t api_key, int16_t api_version,
			       int32_t correlation_id);
/* Returns 0, a wire error, or KP_EVERSION for an unknown API key. */
int kp_decode_response_header(struct wire_reader *r, int16_t api_key, int16_t api_version,
			      int32_t *correlation_id);

/* Starts a size-prefixed frame: writes a placeholder size and returns where
 * it is, for kp_frame_end to fill in once the frame is written. */
size_t kp_frame_begin(struct wire_writer *w);
void kp_frame_end(struct wire_writer *w, size_t at);
/*
 * Finds the first frame in a byte stream (real TCP). Returns 0 and sets
 * *body / *body_len when a whole frame is present, WIRE_ESHORT when more
 * bytes are needed, WIRE_EINVAL for a negative size or one past
 * KP_FRAME_MAX (the connection should then be closed).
 */
int kp_frame_peek(const uint8_t *p, size_t len, const uint8_t **body, size_t *body_len);

#endif
