#include "broker/ctl/ctl_channel.h"

#include <string.h>

#include "broker/client/kc_conn.h"
#include "broker/kp/kp_error.h"

/* Kafka's reconnect.backoff.ms is 50 ms; a little more keeps logs short. */
#define BACKOFF_NS (100 * 1000000LL)

struct ctl_channel {
	struct env *env;
	int32_t broker_id;
	char host[64];
	uint16_t port;
	char client_id[32];
	int64_t timeout_ns;
	struct kc_conn *conn;
	bool ready;
	bool in_flight;
	struct ctl_msg *head, *tail;
	struct env_timer backoff;
	struct ctl_channel_stats stats;
};

struct ctl_msg *ctl_msg_new(struct env *env, int16_t api_key, int16_t version)
{
	struct ctl_msg *m = env_calloc(env, 1, sizeof *m);
	m->req.header.api_key = api_key;
	m->req.header.api_version = version;
	return m;
}

void *ctl_msg_alloc(struct env *env, struct ctl_msg *m, size_t size)
{
	m->blocks = env_realloc(env, m->blocks, (size_t)(m->n_blocks + 1) * sizeof *m->blocks);
	void *p = env_calloc(env, 1, size ? size : 1);
	m->blocks[m->n_blocks++] = p;
	return p;
}

void ctl_msg_free(struct env *env, struct ctl_msg *m)
{
	for (int32_t i = 0; i < m->n_blocks; i++)
		env_free(env, m->blocks[i]);
	env_free(env, m->blocks);
	env_free(env, m);
}

static void pump(struct ctl_channel *ch);

static void backoff_cb(struct env_timer *t)
{
	pump(t->data);
}

static void on_state(void *arg, struct kc_conn *conn, enum kc_state state, int status)
{
	struct ctl_channel *ch = arg;
	(void)conn;
	if (state == KC_READY) {
		ch->ready = true;
		pump(ch);
		return;
	}
	/* Down: the request in flight (still at the head) goes again on the
	 * next connection. */
	env_log(ch->env, ENV_LOG_INFO, "controller channel to broker %d down (%s)",
		ch->broker_id, kc_status_name(status));
	ch->conn = NULL;
	ch->ready = false;
	ch->in_flight = false;
	if (!env_timer_active(&ch->backoff))
		env_timer_start(ch->env, &ch->backoff, BACKOFF_NS, backoff_cb);
}

static void connect_now(struct ctl_channel *ch)
{
	struct kc_conn_config cc;
	kc_conn_config_default(&cc);
	cc.client_id = ch->client_id;
	cc.request_timeout_ns = ch->timeout_ns;
	ch->conn = kc_conn_open(ch->env, ch->host, ch->port, &cc, on_state, ch);
	if (!ch->conn)
		env_timer_start(ch->env, &ch->backoff, BACKOFF_NS, backoff_cb);
}

/* The error an answer carries at its top level. */
static int16_t answer_error(const struct kp_response *resp)
{
	switch (resp->api_key) {
	case KP_API_LEADER_AND_ISR:
		return resp->body.leader_and_isr.error_code;
	case KP_API_UPDATE_METADATA:
		return resp->body.update_metadata.error_code;
	case KP_API_STOP_REPLICA:
		return resp->body.stop_replica.error_code;
	}
	return KP_ERR_NONE;
}

static void on_response(void *arg, int status, const struct kp_response *resp)
{
	struct ctl_channel *ch = arg;
	ch->in_flight = false;
	if (status != KC_OK)
		return; /* the connection drops; the request goes again */
	ch->stats.answered++;
	struct ctl_msg *m = ch->head;
	int16_t err = answer_error(resp);
	if (err == KP_ERR_STALE_CONTROLLER_EPOCH) {
		ch->stats.stale_epoch++;
		env_log(ch->env, ENV_LOG_WARN,
			"broker %d refused %s: STALE_CONTROLLER_EPOCH (a newer controller exists; "
			"this one is a zombie)",
			ch->broker_id, kp_api_name(m->req.header.api_key));
	} else if (err != KP_ERR_NONE) {
		env_log(ch->env, ENV_LOG_INFO, "broker %d answered %s with %s", ch->broker_id,
			kp_api_name(m->req.header.api_key), kp_error_name(err));
	}
	ch->head = m->next;
	if (!ch->head)
		ch->tail = NULL;
	ch->stats.queued--;
	ctl_msg_free(ch->env, m);
	pump(ch);
}

static void pump(struct ctl_channel *ch)
{
	if (!ch->conn) {
		if (!env_timer_active(&ch->backoff))
			connect_now(ch);
		return;
	}
	if (!ch->ready || ch->in_flight || !ch->head)
		return;
	if (kc_conn_send(ch->conn, &ch->head->req, true, on_response, ch) == 0) {
		ch->in_flight = true;
		ch->stats.sent++;
	}
}

struct ctl_channel *ctl_channel_new(struct env *env, int32_t broker_id, const char *host,
				    uint16_t port, const char *client_id, int64_t timeout_ms)
{
	struct ctl_channel *ch = env_calloc(env, 1, sizeof *ch);
	ch->env = env;
	ch->broker_id = broker_id;
	strncpy(ch->host, host, sizeof ch->host - 1);
	ch->port = port;
	strncpy(ch->client_id, client_id, sizeof ch->client_id - 1);
	ch->timeout_ns = timeout_ms * 1000000;
	ch->backoff.data = ch;
	connect_now(ch);
	return ch;
}

void ctl_channel_free(struct ctl_channel *ch)
{
	if (!ch)
		return;
	env_timer_stop(ch->env, &ch->backoff);
	if (ch->conn)
		kc_conn_close(ch->conn);
	while (ch->head) {
		struct ctl_msg *m = ch->head;
		ch->head = m->next;
		ctl_msg_free(ch->env, m);
	}
	env_free(ch->env, ch);
}

void ctl_channel_send(struct ctl_channel *ch, struct ctl_msg *m)
{
	m->next = NULL;
	if (ch->tail)
		ch->tail->next = m;
	else
		ch->head = m;
	ch->tail = m;
	ch->stats.queued++;
	pump(ch);
}

struct ctl_channel_stats ctl_channel_stats(const struct ctl_channel *ch)
{
	return ch->stats;
}
