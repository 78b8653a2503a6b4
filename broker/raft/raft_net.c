/*
 * Connections of one quorum member. Like Kafka's controllers, each member
 * sends its requests on connections it opens (one per peer, one request in
 * flight per peer as KafkaRaftClient's RequestManager allows) and answers
 * requests on the connections peers opened to it. A request that gets no
 * answer within controller.quorum.request.timeout.ms closes its connection
 * (NetworkClient's disconnect on timeout) and the peer is retried after
 * controller.quorum.retry.backoff.ms.
 */
#include <stdio.h>
#include <string.h>

#include "broker/kp/kp_header.h"
#include "broker/raft/raft_impl.h"

struct frame_msg {
	bool request;
	struct kp_request_header h;
	raft_body_fn body;
	const void *msg;
};

static void encode_frame(struct wire_writer *w, const void *arg)
{
	const struct frame_msg *f = arg;
	if (f->request)
		kp_encode_request_header(w, &f->h);
	else
		kp_encode_response_header(w, f->h.api_key, f->h.api_version, f->h.correlation_id);
	f->body(w, f->msg);
}

static bool encode(struct raft *r, const struct frame_msg *f, const uint8_t **out, size_t *len)
{
	int rc = wire_scratch_encode(r->env, &r->scratch, encode_frame, f, out, len);
	if (rc != 0) {
		env_log(r->env, ENV_LOG_ERROR, "raft: cannot encode %s: %d",
		        kp_api_name(f->h.api_key), rc);
		return false;
	}
	return true;
}

/* ---- Outbound: our requests -------------------------------------------- */

static void fail_inflight(struct raft *r, struct raft_peer *p)
{
	if (!p->inflight_corr)
		return;
	int16_t api = p->inflight_api;
	p->inflight_corr = 0;
	p->retry_at_ns = raft_now(r) + r->cfg->retry_backoff_ms * RAFT_NS_PER_MS;
	raft_request_failed(r, p, api);
}

static void out_frame(struct env_conn *conn, const uint8_t *frame, size_t len)
{
	struct raft_peer *p = env_conn_data(conn);
	struct raft *r = p->r;
	struct wire_reader rd;
	wire_reader_init(&rd, frame, len);
	int32_t corr;
	if (!p->inflight_corr ||
	    kp_decode_response_header(&rd, p->inflight_api, p->inflight_version, &corr) != 0 ||
	    corr != p->inflight_corr)
		return; /* an answer to a request we gave up on */
	int16_t api = p->inflight_api, version = p->inflight_version;
	p->inflight_corr = 0;
	raft_handle_response(r, p, api, version, frame + rd.pos, len - rd.pos);
	raft_poll(r);
}

static void out_closed(struct env_conn *conn, int reason)
{
	struct raft_peer *p = env_conn_data(conn);
	struct raft *r = p->r;
	p->out = NULL;
	p->out_open = false;
	if (r->freeing)
		return;
	fail_inflight(r, p);
	raft_poll(r);
}

static const struct env_conn_ops out_ops = {out_frame, out_closed};

static void out_connected(struct env_conn *conn, int status)
{
	struct raft_peer *p = env_conn_data(conn);
	struct raft *r = p->r;
	if (status != 0) {
		p->out = NULL;
		p->retry_at_ns = raft_now(r) + r->cfg->retry_backoff_ms * RAFT_NS_PER_MS;
		fail_inflight(r, p);
	} else {
		p->out_open = true;
	}
	raft_poll(r);
}

bool raft_peer_ready(struct raft *r, const struct raft_peer *p)
{
	return !p->inflight_corr && raft_now(r) >= p->retry_at_ns && raft_store_clean(r) &&
	       !r->log_failed;
}

bool raft_send_request(struct raft *r, struct raft_peer *p, int16_t api, int16_t version,
                       raft_body_fn body, const void *msg)
{
	if (!raft_peer_ready(r, p))
		return false;
	if (!p->out) {
		p->out = env_connect(r->env, p->host, r->cfg->port, &out_ops, p, out_connected);
		return false;
	}
	if (!p->out_open)
		return false;
	char client[32];
	snprintf(client, sizeof client, "raft-client-%d", r->id);
	struct frame_msg f = {true, {api, version, ++r->next_corr, kp_str_from(client)}, body, msg};
	const uint8_t *frame;
	size_t len;
	if (!encode(r, &f, &frame, &len))
		return false;
	if (env_conn_send(p->out, frame, len) != 0) {
		p->retry_at_ns = raft_now(r) + r->cfg->retry_backoff_ms * RAFT_NS_PER_MS;
		return false;
	}
	p->inflight_corr = f.h.correlation_id;
	p->inflight_api = api;
	p->inflight_version = version;
	p->inflight_deadline_ns = raft_now(r) + r->cfg->request_timeout_ms * RAFT_NS_PER_MS;
	return true;
}

void raft_net_expire(struct raft *r)
{
	int64_t now = raft_now(r);
	for (int32_t i = 0; i < r->npeers; i++) {
		struct raft_peer *p = &r->peers[i];
		if (p->inflight_corr && now >= p->inflight_deadline_ns) {
			if (p->out) {
				env_conn_close(p->out);
				p->out = NULL;
				p->out_open = false;
			}
			fail_inflight(r, p);
		}
	}
}

int64_t raft_net_next_deadline(const struct raft *r)
{
	int64_t t = INT64_MAX;
	for (int32_t i = 0; i < r->npeers; i++) {
		const struct raft_peer *p = &r->peers[i];
		if (p->inflight_corr && p->inflight_deadline_ns < t)
			t = p->inflight_deadline_ns;
		if (!p->inflight_corr && p->retry_at_ns > raft_now(r) && p->retry_at_ns < t)
			t = p->retry_at_ns;
	}
	for (const struct raft_in *in = r->ins; in; in = in->next)
		if (in->parked && in->parked_deadline_ns < t)
			t = in->parked_deadline_ns;
	return t;
}

/* ---- Inbound: requests from peers --------------------------------------- */

static void drop_replies(struct raft *r, struct raft_in *in)
{
	struct raft_reply **pp = &r->replies;
	r->replies_tail = &r->replies;
	while (*pp) {
		struct raft_reply *q = *pp;
		if (q->in == in) {
			*pp = q->next;
			env_free(r->env, q->frame);
			env_free(r->env, q);
		} else {
			pp = &q->next;
			r->replies_tail = &q->next;
		}
	}
}

static void in_frame(struct env_conn *conn, const uint8_t *frame, size_t len)
{
	struct raft_in *in = env_conn_data(conn);
	struct raft *r = in->r;
	raft_handle_request(in, frame, len); /* may close `in` */
	raft_poll(r);
}

static void forget_in(struct raft_in *in)
{
	struct raft *r = in->r;
	for (struct raft_in **pp = &r->ins; *pp; pp = &(*pp)->next)
		if (*pp == in) {
			*pp = in->next;
			break;
		}
	drop_replies(r, in);
	env_free(r->env, in);
}

static void in_closed(struct env_conn *conn, int reason)
{
	forget_in(env_conn_data(conn));
}

void raft_in_close(struct raft_in *in)
{
	env_conn_close(in->conn);
	forget_in(in);
}

static const struct env_conn_ops in_ops = {in_frame, in_closed};

static void on_accept(void *arg, struct env_conn *conn)
{
	struct raft *r = arg;
	struct raft_in *in = env_calloc(r->env, 1, sizeof *in);
	in->r = r;
	in->conn = conn;
	in->next = r->ins;
	r->ins = in;
	env_conn_set_ops(conn, &in_ops, in);
}

void raft_send_reply(struct raft *r, struct raft_in *in, int16_t api, int16_t version, int32_t cid,
                     raft_body_fn body, const void *msg)
{
	struct frame_msg f = {false, {api, version, cid, KP_STR_NULL}, body, msg};
	const uint8_t *frame;
	size_t len;
	if (!encode(r, &f, &frame, &len))
		return;
	if (raft_store_clean(r) && !r->replies) {
		env_conn_send(in->conn, frame, len);
		return;
	}
	struct raft_reply *q = env_calloc(r->env, 1, sizeof *q);
	q->in = in;
	q->frame = env_alloc(r->env, len);
	memcpy(q->frame, frame, len);
	q->len = len;
	*r->replies_tail = q;
	r->replies_tail = &q->next;
}

void raft_flush_replies(struct raft *r)
{
	while (r->replies && raft_store_clean(r)) {
		struct raft_reply *q = r->replies;
		r->replies = q->next;
		if (!r->replies)
			r->replies_tail = &r->replies;
		env_conn_send(q->in->conn, q->frame, q->len);
		env_free(r->env, q->frame);
		env_free(r->env, q);
	}
}

void raft_net_start(struct raft *r)
{
	r->replies_tail = &r->replies;
	if (env_listen(r->env, r->cfg->port, on_accept, r) != 0)
		env_log(r->env, ENV_LOG_ERROR, "raft: cannot listen on %u", r->cfg->port);
}

void raft_net_stop(struct raft *r)
{
	env_unlisten(r->env, r->cfg->port);
	for (int32_t i = 0; i < r->npeers; i++)
		if (r->peers[i].out) {
			env_conn_close(r->peers[i].out);
			r->peers[i].out = NULL;
		}
	while (r->ins) {
		struct raft_in *in = r->ins;
		r->ins = in->next;
		drop_replies(r, in);
		env_conn_close(in->conn);
		env_free(r->env, in);
	}
}
