/*
 * brk_front — the broker's front door: the Kafka listener and its
 * connections, as Kafka's SocketServer and RequestChannel do it.
 *
 * It accepts connections on the broker's port, decodes each request frame
 * (broker/kp), answers ApiVersions itself from the advertised version table,
 * and hands every other request to the broker's handler. Like Kafka, it
 * serves one request per connection at a time: the connection is "muted"
 * while a request is in flight, later frames wait in a bounded queue, so
 * responses always go out in request order. A malformed or unsupported
 * frame closes that connection only, and is logged.
 *
 * Ownership: the front owns its connections and each `struct brk_req`
 * until brk_front_respond() or brk_front_drop() hands it back. A request's
 * decoded fields view the request's own copy of the frame, valid until
 * then. If the client disconnects meanwhile, the request stays valid and
 * responding to it just discards the answer. Everything lives in the node's
 * heap (env_alloc), so a crash frees it.
 */
#ifndef KSIM_BRK_FRONT_H
#define KSIM_BRK_FRONT_H

#include <stddef.h>
#include <stdint.h>

#include "broker/kp/kp_message.h"
#include "sim/env.h"

struct brk_front;
struct brk_conn;

/* One request in flight. */
struct brk_req {
	struct brk_front *front;
	struct brk_conn *conn;
	struct kp_request req; /* decoded; views frame and arena below */
	const char *peer;      /* the client's node name (for logs) */
	uint8_t *frame;
	void *arena;
};

/* Serves one request; must eventually call brk_front_respond or _drop. */
typedef void (*brk_handler)(void *ctx, struct brk_req *r);

struct brk_front_config {
	uint16_t port;
	size_t max_request_bytes;  /* socket.request.max.bytes (100 MiB) */
	uint32_t max_queued;       /* frames waiting on a muted connection (500) */
};

void brk_front_config_default(struct brk_front_config *c);

/* Starts listening. Returns NULL (and logs) when the port is taken. */
struct brk_front *brk_front_start(struct env *env, const struct brk_front_config *cfg,
				  brk_handler handler, void *ctx);
/* Closes every connection and stops listening; pending requests may still
 * be answered (their answers are discarded) and must still be released. */
void brk_front_stop(struct brk_front *f);

/* Sends the response (its api_key/version/correlation_id are taken from
 * the request) and releases the request; the connection's next queued
 * frame is served. */
void brk_front_respond(struct brk_req *r, struct kp_response *resp);
/* Releases the request without answering (acks=0 produce): the client
 * expects no response. */
void brk_front_drop(struct brk_req *r);

/* Releases the request and closes its connection, as Kafka does with a
 * request it cannot serve. */
void brk_front_reject(struct brk_req *r);

/* The API version ranges the broker advertises in ApiVersions: exactly
 * the ones the codec decodes (kp_api_supported_list), covering every
 * version librdkafka, kafka-python and kafkajs send (docs/broker.md,
 * "Protocol versions"). Any other API or version closes the connection. */
const struct kp_api_version_range *brk_front_advertised(size_t *count);

/* Counters, for tests and reports. */
struct brk_front_stats {
	uint64_t accepted;
	uint64_t requests;
	uint64_t closed_malformed;
	uint64_t closed_overflow;
};
const struct brk_front_stats *brk_front_stats(const struct brk_front *f);
size_t brk_front_connections(const struct brk_front *f);

#endif
