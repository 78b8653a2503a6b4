/*
 * zk_client — an asynchronous ZooKeeper client over sim/env.h, for brokers
 * and tests: one session over a connect string of servers, failover to
 * another server while the session lives, pings at a third of the session
 * timeout, and completions in request order.
 *
 * Behaviour, as ZooKeeper's own clients:
 * - The first server is chosen with the node's random stream, then the list
 *   is walked round robin. A connect attempt times out after
 *   sessionTimeout / number of servers; a connection silent for two thirds
 *   of the session timeout is dropped.
 * - On a dropped connection every pending request fails with ZCONNECTIONLOSS
 *   (in request order), the state goes DISCONNECTED and the watcher hears
 *   ZK_STATE_DISCONNECTED; the client reconnects with its session id and
 *   password and lastZxidSeen. A server answering with the expired
 *   ConnectResponse (timeOut 0) ends the session: state EXPIRED, watcher
 *   hears ZK_STATE_EXPIRED, and every later request fails with
 *   ZSESSIONEXPIRED.
 * - Requests made while not connected fail with ZCONNECTIONLOSS.
 * - Callbacks never run inside the call that submitted the request.
 *
 * Ownership: the client is allocated with env_alloc; zk_client_free closes
 * it (pending requests complete with ZCONNECTIONLOSS first). Request
 * arguments (paths, data, multi ops) are copied at the call. Views in a
 * zk_response given to a completion are valid only during the callback.
 */
#ifndef KSIM_ZK_CLIENT_H
#define KSIM_ZK_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "broker/zk/zk_jute.h"
#include "sim/env.h"

#define ZK_CLIENT_MAX_SERVERS 16

struct zk_client;

enum zk_client_state {
	ZK_CLIENT_CONNECTING,	/* no session yet: the first connect */
	ZK_CLIENT_CONNECTED,
	ZK_CLIENT_DISCONNECTED, /* the session lives; reconnecting to a server */
	ZK_CLIENT_EXPIRED,
	ZK_CLIENT_CLOSED,
};

/* Watch events (type a zk_event_type, path set) and state changes (type
 * ZK_EVENT_NONE, state a zk_state, path empty). */
typedef void zk_client_watcher_fn(void *arg, int32_t type, int32_t state, struct zk_str path);

/*
 * A completion: rc is the ZooKeeper code; `resp` (NULL unless rc is ZOK) is
 * the decoded reply body, and for multi `multi` holds the raw results (walk
 * with zk_vec_iter + zk_next_multi_result; rc is then ZOK even when an op
 * failed). `zxid` is the reply's zxid (0 on connection loss).
 */
struct zk_client_result {
	int32_t rc;
	int64_t zxid;
	const struct zk_response *resp;
	const struct zk_multi *multi;
};
typedef void zk_client_cb(void *arg, const struct zk_client_result *res);

struct zk_client_config {
	const char *connect_string; /* "zk-1:2181,zk-2:2181,zk-3:2181" */
	int32_t session_timeout_ms;
	zk_client_watcher_fn *watcher; /* may be NULL */
	void *watcher_arg;
};

/* Creates a client and starts connecting. The config strings are copied. */
struct zk_client *zk_client_new(struct env *env, const struct zk_client_config *cfg);
/* Fails what is pending, closes the connection and frees the client. It
 * does not close the session (use zk_client_close_session first). */
void zk_client_free(struct zk_client *c);

enum zk_client_state zk_client_state(const struct zk_client *c);
int64_t zk_client_session_id(const struct zk_client *c);
int32_t zk_client_session_timeout(const struct zk_client *c);
/* Node name of the server the client is connected to (NULL if none). */
const char *zk_client_server(const struct zk_client *c);

/* Async ops. Each queues one request; `cb` (may be NULL) fires once. */
void zk_client_create(struct zk_client *c, const char *path, const void *data, int32_t len,
		      int32_t flags, zk_client_cb *cb, void *arg);
void zk_client_delete(struct zk_client *c, const char *path, int32_t version, zk_client_cb *cb,
		      void *arg);
void zk_client_exists(struct zk_client *c, const char *path, bool watch, zk_client_cb *cb,
		      void *arg);
void zk_client_get_data(struct zk_client *c, const char *path, bool watch, zk_client_cb *cb,
			void *arg);
void zk_client_set_data(struct zk_client *c, const char *path, const void *data, int32_t len,
			int32_t version, zk_client_cb *cb, void *arg);
void zk_client_get_children(struct zk_client *c, const char *path, bool watch,
			    zk_client_cb *cb, void *arg);
void zk_client_sync(struct zk_client *c, const char *path, zk_client_cb *cb, void *arg);
/* ops: create, create2, delete, setData or check requests (copied); a create
 * with no ACL (acl.items NULL) is sent with the open ACL, world:anyone. */
void zk_client_multi(struct zk_client *c, const struct zk_request *ops, int32_t n,
		     zk_client_cb *cb, void *arg);
/* Sends closeSession; the session ends on every server once committed. */
void zk_client_close_session(struct zk_client *c, zk_client_cb *cb, void *arg);

#endif
