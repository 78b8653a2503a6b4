/*
 * kp_init_producer_id — the InitProducerId (key 22) request and response,
 * versions 0-1 (one layout, non-flexible). librdkafka 2.0.2 takes the
 * highest common version for idempotence (its KIP-360 epoch bump needs 3,
 * flexible and not served), kafkajs 2.2.4 sends up to 1.
 *
 * Request: transactional_id (nullable), transaction_timeout_ms.
 * Response: throttle_time_ms, error_code, producer_id i64,
 * producer_epoch i16.
 *
 * Ownership: a decoded transactional_id views the caller's frame.
 */
#ifndef KSIM_KP_INIT_PRODUCER_ID_H
#define KSIM_KP_INIT_PRODUCER_ID_H

#include "broker/kp/kp_prim.h"

#define KP_INIT_PRODUCER_ID_VERSION 1 /* what ksim's own producer sends */
#define KP_INIT_PRODUCER_ID_MIN_VERSION 0
#define KP_INIT_PRODUCER_ID_MAX_VERSION 1

struct kp_init_producer_id_request {
	struct kp_str transactional_id; /* nullable; null for idempotence only */
	int32_t transaction_timeout_ms;
};

struct kp_init_producer_id_response {
	int32_t throttle_time_ms;
	int16_t error_code;
	int64_t producer_id;
	int16_t producer_epoch;
};

/* Each takes the message version; one outside 0-1 fails with KP_EVERSION.
 * Encoders set w->err (WIRE_EINVAL) for values the schema cannot carry.
 * Decoders return 0 or the first error (short input, bad length,
 * KP_ETRAILING). */
void kp_encode_init_producer_id_request(struct wire_writer *w, int16_t version,
					const struct kp_init_producer_id_request *req);
int kp_decode_init_producer_id_request(struct wire_reader *r, int16_t version,
				       struct kp_init_producer_id_request *req);
void kp_encode_init_producer_id_response(struct wire_writer *w, int16_t version,
					 const struct kp_init_producer_id_response *resp);
int kp_decode_init_producer_id_response(struct wire_reader *r, int16_t version,
					struct kp_init_producer_id_response *resp);

#endif
