/*
 * A broker's controlled shutdown, as Kafka's KafkaServer.shutdown does it
 * on SIGTERM with controlled.shutdown.enable (ZooKeeper mode):
 *  1. ControlledShutdown to the controller, which moves this broker's
 *     leaderships to other in-sync replicas and answers with the partitions
 *     it still leads; while that list is not empty, or the request fails,
 *     it tries again after controlled.shutdown.retry.backoff.ms (5 s), at
 *     most controlled.shutdown.max.retries (3) times, then goes on anyway
 *     (Kafka logs "Proceeding to do an unclean shutdown");
 *  2. stops serving (the front door closes every connection) and fetching;
 *  3. flushes every partition log, writes the clean-shutdown marker
 *     `.kafka_cleanshutdown` in the log directory (synced), so that the
 *     next start opens the logs without recovery;
 *  4. closes its ZooKeeper session, so its registration goes at once
 *     instead of after the session timeout;
 *  5. exits (env_exit): the world stops the node cleanly.
 * The retries and backoff are Kafka's defaults, fixed here (not scenario
 * keys). Without ZooKeeper (a broker under test alone) step 1 is skipped.
 *
 * Ownership: the shutdown state lives in the broker's heap; the marker's
 * file and requests are freed before the exit.
 */
#include "broker/kafka/brk_impl.h"

#include <stdio.h>
#include <string.h>

#include "broker/client/kc_conn.h"
#include "broker/kafka/brk_zk.h"
#include "broker/zk/zk_client.h"
#include "broker/kp/kp_error.h"

#define MAX_ATTEMPTS 3                    /* controlled.shutdown.max.retries */
#define BACKOFF_NS (5000 * 1000000LL)     /* controlled.shutdown.retry.backoff.ms */
#define ZK_CLOSE_GUARD_NS (3000 * 1000000LL) /* an unreachable ZooKeeper does not hold the exit */

struct brk_shutdown {
	struct brk_broker *b;
	int attempts;
	struct kc_conn *conn;
	struct env_timer timer;
	int pending_flushes;
	bool flush_failed;
	struct log_req *flushes;
	size_t n_flushes;
	struct env_file *marker;
	struct env_req marker_req;
	bool exiting;
};

static void attempt(struct brk_shutdown *s);
static void stop_serving(struct brk_shutdown *s);

static void retry_cb(struct env_timer *t)
{
	attempt(t->data);
}

static void failed(struct brk_shutdown *s, const char *why)
{
	if (s->conn)
		kc_conn_close(s->conn);
	s->conn = NULL;
	env_log(s->b->env, ENV_LOG_INFO, "controlled shutdown attempt %d failed: %s", s->attempts,
		why);
	if (s->attempts >= MAX_ATTEMPTS) {
		env_event(s->b->env, "shutdown",
			  "broker %d: controlled shutdown failed %d times (%s): proceeding to an "
			  "unclean shutdown",
			  s->b->cfg->broker_id, s->attempts, why);
		stop_serving(s);
		return;
	}
	env_timer_start(s->b->env, &s->timer, BACKOFF_NS, retry_cb);
}

static void on_response(void *arg, int status, const struct kp_response *resp)
{
	struct brk_shutdown *s = arg;
	char why[96];
	if (status != KC_OK) {
		failed(s, "no answer from the controller");
		return;
	}
	const struct kp_controlled_shutdown_response *cs = &resp->body.controlled_shutdown;
	if (cs->error_code != KP_ERR_NONE) {
		snprintf(why, sizeof why, "%s", kp_error_name(cs->error_code));
		failed(s, why);
		return;
	}
	if (cs->remaining_count > 0) {
		snprintf(why, sizeof why, "it still leads %d partition(s)", cs->remaining_count);
		failed(s, why);
		return;
	}
	kc_conn_close(s->conn);
	s->conn = NULL;
	env_event(s->b->env, "shutdown",
		  "broker %d: the controller moved every leadership away: shutting down",
		  s->b->cfg->broker_id);
	stop_serving(s);
}

static void on_state(void *arg, struct kc_conn *c, enum kc_state state, int status)
{
	struct brk_shutdown *s = arg;
	struct brk_broker *b = s->b;
	if (state != KC_READY) {
		s->conn = NULL;
		failed(s, "connection to the controller lost");
		return;
	}
	struct kp_request req;
	memset(&req, 0, sizeof req);
	req.header.api_key = KP_API_CONTROLLED_SHUTDOWN;
	req.header.api_version = KP_CONTROLLED_SHUTDOWN_VERSION;
	req.body.controlled_shutdown = (struct kp_controlled_shutdown_request){
		b->cfg->broker_id, brk_zk_broker_epoch(b->zk)};
	if (kc_conn_send(c, &req, true, on_response, s))
		failed(s, "request not sent");
}

static void attempt(struct brk_shutdown *s)
{
	struct brk_broker *b = s->b;
	s->attempts++;
	int32_t controller = brk_metadata_controller(b->meta);
	const struct brk_peer *peer = brk_peer_find(b, controller);
	if (!peer || !brk_zk_registered(b->zk)) {
		failed(s, "no controller known");
		return;
	}
	struct kc_conn_config cc;
	kc_conn_config_default(&cc);
	cc.client_id = "controlled-shutdown";
	cc.request_timeout_ns = b->cfg->controller_socket_timeout_ms * 1000000;
	s->conn = kc_conn_open(b->env, peer->host, peer->port, &cc, on_state, s);
	if (!s->conn)
		failed(s, "cannot connect to the controller");
}

static void exit_now(struct brk_shutdown *s)
{
	if (s->exiting)
		return;
	s->exiting = true;
	env_timer_stop(s->b->env, &s->timer);
	env_event(s->b->env, "shutdown", "broker %d: shut down cleanly", s->b->cfg->broker_id);
	env_exit(s->b->env);
}

static void guard_cb(struct env_timer *t)
{
	exit_now(t->data);
}

static void zk_closed(void *arg, const struct zk_client_result *res)
{
	(void)res;
	exit_now(arg);
}

/* Step 4: the registration goes with the session. */
static void close_session(struct brk_shutdown *s)
{
	struct zk_client *zc = brk_zk_client(s->b->zk);
	if (!zc) {
		exit_now(s);
		return;
	}
	env_timer_start(s->b->env, &s->timer, ZK_CLOSE_GUARD_NS, guard_cb);
	zk_client_close_session(zc, zk_closed, s);
}

static void marker_synced(struct env_req *req, int status)
{
	struct brk_shutdown *s = req->data;
	if (status)
		env_log(s->b->env, ENV_LOG_WARN, "clean-shutdown marker not written");
	env_file_close(s->marker);
	s->marker = NULL;
	close_session(s);
}

static void write_marker(struct brk_shutdown *s)
{
	char path[256];
	snprintf(path, sizeof path, "%s%s", s->b->cfg->log_dir, BRK_CLEAN_SHUTDOWN_FILE);
	s->marker_req.data = s;
	if (env_file_open(s->b->env, path, ENV_O_CREATE, &s->marker) ||
	    env_file_fsync(&s->marker_req, s->marker, marker_synced)) {
		env_log(s->b->env, ENV_LOG_WARN, "clean-shutdown marker not written");
		if (s->marker)
			env_file_close(s->marker);
		s->marker = NULL;
		close_session(s);
	}
}

static void flush_done(struct brk_shutdown *s, int status)
{
	if (status) {
		env_log(s->b->env, ENV_LOG_WARN, "a log flush failed at shutdown: no marker");
		s->flush_failed = true;
	}
	if (--s->pending_flushes > 0)
		return;
	if (s->flush_failed)
		close_session(s); /* the next start recovers */
	else
		write_marker(s);
}

static void flushed(struct log_req *req, int status)
{
	flush_done(req->data, status);
}

/* Steps 2 and 3. */
static void stop_serving(struct brk_shutdown *s)
{
	struct brk_broker *b = s->b;
	brk_front_stop(b->front);
	env_timer_stop(b->env, &b->repl_timer);
	env_timer_stop(b->env, &b->ckpt_timer);
	brk_isr_free(b);
	for (struct brk_part *p = b->parts; p; p = p->next) {
		brk_unfollow(p);
		s->n_flushes += p->open && !log_offline(p->log);
	}
	s->flushes = env_calloc(b->env, s->n_flushes + 1, sizeof *s->flushes);
	s->pending_flushes = 1; /* held while the flushes go out */
	size_t i = 0;
	for (struct brk_part *p = b->parts; p; p = p->next) {
		if (!p->open || log_offline(p->log))
			continue;
		s->flushes[i].data = s;
		if (log_flush(p->log, &s->flushes[i++], flushed) == LOG_OK)
			s->pending_flushes++;
	}
	flush_done(s, LOG_OK);
}

void brk_shutdown(struct brk_broker *b)
{
	if (b->shutdown)
		return;
	struct brk_shutdown *s = env_calloc(b->env, 1, sizeof *s);
	s->b = b;
	s->timer.data = s;
	b->shutdown = s;
	env_event(b->env, "shutdown", "broker %d: asked to stop (controlled shutdown)",
		  b->cfg->broker_id);
	if (b->zk)
		attempt(s);
	else
		stop_serving(s);
}
