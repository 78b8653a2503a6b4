/*
 * kc_conn — one client connection to one Kafka broker, as Kafka's
 * NetworkClient keeps it: requests go out with increasing correlation ids,
 * responses come back in order and are matched to them, a request that gets
 * no answer within request.timeout.ms fails and the connection is dropped
 * (the Java client does the same), and a lost connection fails every
 * pending request. Producers, consumers and brokers' replica fetchers all
 * talk to brokers through it.
 *
 * Ownership: the connection lives in the node's heap and belongs to whoever
 * opened it until kc_conn_close(); after the state callback reports
 * KC_DOWN it is already closed and freed. A response passed to a callback
 * is valid only during that call. Callbacks never fire inside the call that
 * caused them, and kc_conn_close() fires none.
 */
#ifndef KSIM_KC_CONN_H
#define KSIM_KC_CONN_H

#include <stdint.h>

#include "broker/kp/kp_message.h"
#include "sim/env.h"

struct kc_conn;

enum kc_state { KC_READY = 1, KC_DOWN = 2 };

enum kc_status {
	KC_OK = 0,
	KC_EDISCONNECTED = -1, /* the connection failed or dropped before the answer */
	KC_ETIMEDOUT = -2,     /* no answer within request_timeout_ns */
	KC_EDECODE = -3,       /* an answer this codec could not decode */
	KC_ENOTREADY = -4,     /* send before KC_READY, or after KC_DOWN */
};

const char *kc_status_name(int status);

struct kc_conn_config {
	int64_t request_timeout_ns; /* request.timeout.ms (30 s) */
	const char *client_id;      /* must outlive the connection */
};

void kc_conn_config_default(struct kc_conn_config *c);

/* state: KC_READY once connected, KC_DOWN (with an env or kc status) when
 * it fails or drops; the handle is gone after KC_DOWN returns. */
typedef void (*kc_state_cb)(void *arg, struct kc_conn *c, enum kc_state state, int status);
/* status KC_OK with the decoded response, or a kc_status with NULL. */
typedef void (*kc_response_cb)(void *arg, int status, const struct kp_response *resp);

struct kc_conn *kc_conn_open(struct env *env, const char *host, uint16_t port,
			     const struct kc_conn_config *cfg, kc_state_cb on_state, void *arg);
/*
 * Sends `req` (its correlation id and client id are filled in). With
 * `expect_response` false (Produce with acks=0) nothing comes back and `cb`
 * is not called. Returns 0 or KC_ENOTREADY / an env send error.
 */
int kc_conn_send(struct kc_conn *c, struct kp_request *req, bool expect_response,
		 kc_response_cb cb, void *arg);
/* Requests sent and not yet answered. */
uint32_t kc_conn_in_flight(const struct kc_conn *c);
const char *kc_conn_host(const struct kc_conn *c);
/* Closes and frees; pending callbacks are dropped without being called. */
void kc_conn_close(struct kc_conn *c);

#endif
