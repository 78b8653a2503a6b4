#include "broker/client/kc_conn.h"

#include <string.h>

#include "broker/codec/wire_scratch.h"

struct pending {
	struct pending *next;
	int32_t correlation_id;
	int16_t api_key;
	int16_t api_version;
	int64_t deadline_ns;
	kc_response_cb cb;
	void *arg;
};

struct kc_conn {
	struct env *env;
	struct env_conn *conn;
	struct kc_conn_config cfg;
	kc_state_cb on_state;
	void *arg;
	char *host;
	bool ready;
	bool failing;      /* inside fail(): callbacks are running */
	bool owner_closed; /* kc_conn_close() called from one of them */
	int32_t next_correlation;
	struct pending *head; /* in send order: answers come back in this order */
	struct pending *tail;
	uint32_t in_flight;
	struct env_timer timeout;
	struct wire_scratch out; /* requests are encoded here, then copied by the send */
};

const char *kc_status_name(int status)
{
	switch (status) {
	case KC_OK: return "OK";
	case KC_EDISCONNECTED: return "DISCONNECTED";
	case KC_ETIMEDOUT: return "TIMED_OUT";
	case KC_EDECODE: return "DECODE_ERROR";
	case KC_ENOTREADY: return "NOT_READY";
	}
	return env_status_name(status);
}

void kc_conn_config_default(struct kc_conn_config *c)
{
	c->request_timeout_ns = 30LL * 1000 * 1000 * 1000;
	c->client_id = "ksim";
}

static void free_pending(struct kc_conn *c)
{
	while (c->head) {
		struct pending *p = c->head;
		c->head = p->next;
		env_free(c->env, p);
	}
	c->tail = NULL;
	c->in_flight = 0;
}

static void conn_free(struct kc_conn *c)
{
	env_timer_stop(c->env, &c->timeout);
	free_pending(c);
	env_free(c->env, c->host);
	wire_scratch_free(c->env, &c->out);
	env_free(c->env, c);
}

/* The connection is over: fail what is pending (the first with `first`,
 * the rest as disconnected), tell the owner, free. */
static void fail(struct kc_conn *c, int first, int down_status)
{
	if (c->conn) {
		env_conn_close(c->conn);
		c->conn = NULL;
	}
	env_timer_stop(c->env, &c->timeout);
	c->failing = true;
	c->ready = false;
	int status = first;
	while (c->head) {
		struct pending *p = c->head;
		c->head = p->next;
		c->in_flight--;
		if (p->cb)
			p->cb(p->arg, status, NULL);
		env_free(c->env, p);
		status = KC_EDISCONNECTED;
	}
	c->tail = NULL;
	if (!c->owner_closed)
		c->on_state(c->arg, c, KC_DOWN, down_status);
	conn_free(c);
}

/* The timer stays armed at the earliest deadline it was set for, not
 * re-armed on every answer: a connection answers thousands of requests
 * per timeout. When it fires it checks the oldest request still waiting
 * (deadlines grow in send order) and sleeps again until that one's. */
static void timeout_cb(struct env_timer *t)
{
	struct kc_conn *c = t->data;
	int64_t now = env_now_ns(c->env);
	if (!c->head)
		return;
	if (c->head->deadline_ns > now) {
		env_timer_start(c->env, &c->timeout, c->head->deadline_ns - now, timeout_cb);
		return;
	}
	env_log(c->env, ENV_LOG_INFO, "request %d to %s timed out: disconnecting",
		c->head ? c->head->correlation_id : -1, c->host);
	fail(c, KC_ETIMEDOUT, KC_ETIMEDOUT);
}

static void on_frame(struct env_conn *conn, const uint8_t *frame, size_t len)
{
	struct kc_conn *c = env_conn_data(conn);
	struct pending *p = c->head;
	struct wire_reader r;
	wire_reader_init(&r, frame, len);
	int32_t corr = wire_get_i32(&r);
	if (!p || r.err || corr != p->correlation_id) {
		env_log(c->env, ENV_LOG_WARN, "unexpected response (correlation %d) from %s",
			corr, c->host);
		fail(c, KC_EDECODE, KC_EDECODE);
		return;
	}
	c->head = p->next;
	if (!c->head)
		c->tail = NULL;
	c->in_flight--;
	/* Decoded arrays go to an arena; bytes stay views into the frame. A
	 * small arena nearly always suffices; only a frame that needs more
	 * gets the worst-case bound (16 bytes per frame byte). */
	struct kp_response resp;
	struct kp_arena a;
	size_t caps[2] = {4096, kp_arena_bound(len)};
	void *mem = NULL;
	int rc = KP_EARENA;
	for (int i = 0; i < 2 && rc == KP_EARENA; i++) {
		env_free(c->env, mem);
		mem = env_alloc(c->env, caps[i]);
		kp_arena_init(&a, mem, caps[i]);
		rc = kp_decode_response(frame, len, p->api_key, p->api_version, &a, &resp);
	}
	/* The callback may close the connection: nothing touches c after it. */
	struct env *env = c->env;
	kc_response_cb cb = p->cb;
	void *arg = p->arg;
	env_free(env, p);
	if (rc) {
		env_free(env, mem);
		fail(c, KC_EDECODE, KC_EDECODE);
		return;
	}
	cb(arg, KC_OK, &resp);
	env_free(env, mem);
}

static void on_closed(struct env_conn *conn, int reason)
{
	struct kc_conn *c = env_conn_data(conn);
	c->conn = NULL;
	fail(c, KC_EDISCONNECTED, reason);
}

static const struct env_conn_ops ops = {on_frame, on_closed};

static void on_connect(struct env_conn *conn, int status)
{
	struct kc_conn *c = env_conn_data(conn);
	if (status) {
		c->conn = NULL;
		fail(c, KC_EDISCONNECTED, status);
		return;
	}
	c->ready = true;
	c->on_state(c->arg, c, KC_READY, 0);
}

struct kc_conn *kc_conn_open(struct env *env, const char *host, uint16_t port,
			     const struct kc_conn_config *cfg, kc_state_cb on_state, void *arg)
{
	struct kc_conn *c = env_calloc(env, 1, sizeof *c);
	c->env = env;
	c->cfg = *cfg;
	c->on_state = on_state;
	c->arg = arg;
	c->host = env_strdup(env, host);
	c->next_correlation = 1;
	c->timeout.data = c;
	c->conn = env_connect(env, host, port, &ops, c, on_connect);
	return c;
}

static void encode_request(struct wire_writer *w, const void *req)
{
	kp_encode_request(w, req);
}

int kc_conn_send(struct kc_conn *c, struct kp_request *req, bool expect_response,
		 kc_response_cb cb, void *arg)
{
	if (!c->ready || !c->conn)
		return KC_ENOTREADY;
	req->header.correlation_id = c->next_correlation++;
	req->header.client_id = (struct kp_str){c->cfg.client_id, (int32_t)strlen(c->cfg.client_id)};
	const uint8_t *bytes;
	size_t len;
	int rc = wire_scratch_encode(c->env, &c->out, encode_request, req, &bytes, &len)
			 ? KC_EDECODE
			 : env_conn_send(c->conn, bytes, len);
	if (rc || !expect_response)
		return rc;
	struct pending *p = env_calloc(c->env, 1, sizeof *p);
	p->correlation_id = req->header.correlation_id;
	p->api_key = req->header.api_key;
	p->api_version = req->header.api_version;
	p->deadline_ns = env_now_ns(c->env) + c->cfg.request_timeout_ns;
	p->cb = cb;
	p->arg = arg;
	if (c->tail)
		c->tail->next = p;
	else
		c->head = p;
	c->tail = p;
	c->in_flight++;
	if (!env_timer_active(&c->timeout))
		env_timer_start(c->env, &c->timeout, c->cfg.request_timeout_ns, timeout_cb);
	return KC_OK;
}

uint32_t kc_conn_in_flight(const struct kc_conn *c)
{
	return c->in_flight;
}

const char *kc_conn_host(const struct kc_conn *c)
{
	return c->host;
}

void kc_conn_close(struct kc_conn *c)
{
	if (c->failing) {
		c->owner_closed = true; /* fail() frees it when its callbacks return */
		return;
	}
	if (c->conn)
		env_conn_close(c->conn);
	conn_free(c);
}
