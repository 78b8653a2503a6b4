/*
 * The controller's lifecycle: election through /controller (Kafka's
 * KafkaController.elect and registerControllerAndIncrementControllerEpoch),
 * resignation, the session and watch events the broker hands over, and the
 * one-piece-at-a-time event loop (see ctl_impl.h).
 */
#include "broker/ctl/ctl.h"

#include <stdio.h>
#include <string.h>

#include "broker/ctl/ctl_impl.h"
#include "broker/kp/kp_error.h"

#define MS 1000000LL

/* ---- ZooKeeper requests ---------------------------------------------------------------- */

struct ctl_op *ctl_op_new(struct ctl *c, ctl_op_fn *done)
{
	struct ctl_op *op = env_calloc(c->env, 1, sizeof *op);
	op->c = c;
	op->env = c->env;
	op->gen = c->gen;
	op->done = done;
	op->next = c->ops;
	if (c->ops)
		c->ops->prev = op;
	c->ops = op;
	return op;
}

void ctl_op_cb(void *arg, const struct zk_client_result *res)
{
	struct ctl_op *op = arg;
	struct ctl *c = op->c;
	if (c) {
		if (op->prev)
			op->prev->next = op->next;
		else
			c->ops = op->next;
		if (op->next)
			op->next->prev = op->prev;
		if (op->gen == c->gen)
			op->done(c, op, res);
	}
	env_free(op->env, op->owned);
	env_free(op->env, op);
}

static void retry_cb(struct env_timer *t);

void ctl_retry_later(struct ctl *c)
{
	/* Kafka retries ZooKeeper requests until connected; a random pause
	 * keeps brokers from retrying in step. */
	if (!env_timer_active(&c->retry))
		env_timer_start(c->env, &c->retry, env_random_range(c->env, 100 * MS, 1000 * MS),
				retry_cb);
}

/* ---- Lookups --------------------------------------------------------------------------- */

struct ctl_broker *ctl_broker_find(const struct ctl *c, int32_t id)
{
	for (int32_t i = 0; i < c->n_brokers; i++)
		if (c->brokers[i].id == id)
			return &c->brokers[i];
	return NULL;
}

struct ctl_topic *ctl_topic_find(const struct ctl *c, const char *name, size_t len)
{
	for (int32_t i = 0; i < c->n_topics; i++)
		if (strlen(c->topics[i]->name) == len && !memcmp(c->topics[i]->name, name, len))
			return c->topics[i];
	return NULL;
}

struct ctl_live ctl_live_ids(const struct ctl *c, int32_t *ids)
{
	for (int32_t i = 0; i < c->n_brokers; i++)
		ids[i] = c->brokers[i].id;
	return (struct ctl_live){ids, c->n_brokers};
}

/* ---- Events for the story ---------------------------------------------------------------- */

static const char *why_text(enum ctl_why why, int32_t old_leader, char *buf, size_t cap)
{
	switch (why) {
	case CTL_WHY_INITIAL:
		return "initial";
	case CTL_WHY_LEADER_GONE:
		snprintf(buf, cap, "broker %d left", old_leader);
		return buf;
	case CTL_WHY_CAME_BACK:
		return "an in-sync replica is back";
	case CTL_WHY_UNCLEAN:
		return "unclean: no in-sync replica is live";
	case CTL_WHY_OFFLINE:
		snprintf(buf, cap, "broker %d left and no in-sync replica is live: offline",
			 old_leader);
		return buf;
	case CTL_WHY_ISR_SHRINK:
		return "followers left";
	case CTL_WHY_PREFERRED:
		return "preferred replica";
	case CTL_WHY_SHUTDOWN:
		snprintf(buf, cap, "controlled shutdown of broker %d", old_leader);
		return buf;
	case CTL_WHY_SHUTDOWN_ISR:
		return "a follower is in controlled shutdown";
	case CTL_WHY_NONE:
		break;
	}
	return "AlterPartition from the leader";
}

void ctl_tell_change(struct ctl *c, const struct ctl_topic *t, int32_t partition,
		     const struct ctl_pstate *old, const struct ctl_pstate *now, enum ctl_why why)
{
	char isr[CTL_MAX_REPLICAS * 12 + 3], old_isr[sizeof isr], reason[96];
	ctl_check_state(c, t, partition, old, now,
			why == CTL_WHY_INITIAL ? CTL_CHECK_FIRST : CTL_CHECK_WRITE);
	ctl_fmt_ids(isr, sizeof isr, now->isr, now->n_isr);
	ctl_fmt_ids(old_isr, sizeof old_isr, old->isr, old->n_isr);
	const char *text = why_text(why, old->leader, reason, sizeof reason);
	if (why == CTL_WHY_INITIAL) {
		env_event(c->env, "leader", "%s-%d: leader %d at epoch %d (initial; ISR %s)",
			  t->name, partition, now->leader, now->leader_epoch, isr);
		return;
	}
	if (old->leader != now->leader)
		env_event(c->env, "leader", "%s-%d: leader %d -> %d at epoch %d (%s; ISR %s)",
			  t->name, partition, old->leader, now->leader, now->leader_epoch, text,
			  isr);
	if (old->n_isr != now->n_isr || memcmp(old->isr, now->isr, (size_t)now->n_isr * 4))
		env_event(c->env, "isr", "%s-%d: ISR %s -> %s at leader epoch %d (%s)", t->name,
			  partition, old_isr, isr, now->leader_epoch, text);
}

/* ---- Election --------------------------------------------------------------------------- */

static void check_controller(struct ctl *c);
static void elect(struct ctl *c);

static void rebalance_cb(struct env_timer *t)
{
	struct ctl *c = t->data;
	c->want_rebalance = true;
	ctl_kick(c);
}

/* auto.leader.rebalance.enable: a preferred election round every
 * leader.imbalance.check.interval.seconds. */
static void arm_rebalance(struct ctl *c)
{
	if (c->active && c->cfg->auto_leader_rebalance)
		env_timer_start(c->env, &c->rebalance,
				c->cfg->leader_imbalance_check_s * 1000 * MS, rebalance_cb);
}

static void become_controller(struct ctl *c, int32_t epoch, int32_t version)
{
	c->active = true;
	c->epoch = epoch;
	c->epoch_version = version;
	c->loaded = false;
	c->want_round = true;
	env_event(c->env, "controller", "broker %d is the controller at epoch %d",
		  c->cfg->broker_id, epoch);
	arm_rebalance(c);
	ctl_kick(c);
}

static void elect_done(struct ctl *c, struct ctl_op *op, const struct zk_client_result *res)
{
	(void)op;
	c->electing = false;
	int32_t failed, err, versions[2] = {-1, -1};
	enum ctl_zk_outcome out = ctl_zk_multi_outcome(res, &failed, &err, versions, 2);
	if (out == CTL_ZK_LOST) {
		ctl_retry_later(c);
		return;
	}
	if (out == CTL_ZK_DONE) {
		/* This multi has no fence check in front: the setData on
		 * /controller_epoch is its second op, whose version
		 * ctl_zk_multi_outcome files under index 0. */
		become_controller(c, (int32_t)op->id, versions[0]);
		return;
	}
	/* NODEEXISTS: another broker is the controller; BADVERSION: another
	 * broker moved the epoch first. Either way, watch /controller. */
	check_controller(c);
}

static void epoch_created(struct ctl *c, struct ctl_op *op, const struct zk_client_result *res)
{
	(void)op;
	c->electing = false;
	if (res->rc != ZOK && res->rc != ZNODEEXISTS) {
		ctl_retry_later(c);
		return;
	}
	elect(c);
}

static bool data_text(const struct zk_client_result *res, const char **p, size_t *len)
{
	if (res->rc != ZOK || res->resp->data.len < 0)
		return false;
	*p = (const char *)res->resp->data.p;
	*len = (size_t)res->resp->data.len;
	return true;
}

/* Read /controller_epoch: its value and version guard the increment. */
static void epoch_read(struct ctl *c, struct ctl_op *op, const struct zk_client_result *res)
{
	(void)op;
	const char *text;
	size_t text_len;
	int32_t epoch;
	if (res->rc == ZNONODE) {
		/* The cluster's first controller creates it, holding "0". */
		zk_client_create(c->zc, CTL_ZK_EPOCH, "0", 1, ZK_CREATE_PERSISTENT, ctl_op_cb,
				 ctl_op_new(c, epoch_created));
		return;
	}
	if (!data_text(res, &text, &text_len) || ctl_zk_parse_epoch(text, text_len, &epoch)) {
		c->electing = false;
		ctl_retry_later(c);
		return;
	}
	char data[96], next[16];
	size_t len = ctl_zk_encode_controller(data, sizeof data, c->cfg->broker_id,
					      env_wall_ms(c->env));
	int nl = snprintf(next, sizeof next, "%d", epoch + 1);
	struct zk_request ops[2] = {
		{.type = ZK_OP_CREATE,
		 .path = zk_str_from_cstr(CTL_ZK_CONTROLLER),
		 .data = {(const uint8_t *)data, (int32_t)len},
		 .flags = ZK_CREATE_EPHEMERAL},
		{.type = ZK_OP_SET_DATA,
		 .path = zk_str_from_cstr(CTL_ZK_EPOCH),
		 .data = {(const uint8_t *)next, nl},
		 .version = res->resp->stat.version},
	};
	struct ctl_op *m = ctl_op_new(c, elect_done);
	m->id = epoch + 1;
	c->tried_epoch = epoch + 1;
	zk_client_multi(c->zc, ops, 2, ctl_op_cb, m);
}

static void elect(struct ctl *c)
{
	if (!c->zc || c->active || c->electing)
		return;
	c->electing = true;
	zk_client_get_data(c->zc, CTL_ZK_EPOCH, false, ctl_op_cb, ctl_op_new(c, epoch_read));
}

/* Our own /controller whose answer was lost: the epoch it set is ours if
 * it is the one we tried (Kafka's checkControllerAndEpoch). */
static void own_epoch_read(struct ctl *c, struct ctl_op *op, const struct zk_client_result *res)
{
	(void)op;
	const char *text;
	size_t len;
	int32_t epoch;
	if (!data_text(res, &text, &len) || ctl_zk_parse_epoch(text, len, &epoch)) {
		ctl_retry_later(c);
		return;
	}
	if (!c->active && epoch == c->tried_epoch)
		become_controller(c, epoch, res->resp->stat.version);
}

static void controller_read(struct ctl *c, struct ctl_op *op, const struct zk_client_result *res)
{
	(void)op;
	const char *text;
	size_t len;
	int32_t owner = -1;
	if (res->rc == ZNONODE) {
		elect(c);
		return;
	}
	if (!data_text(res, &text, &len)) {
		ctl_retry_later(c);
		return;
	}
	ctl_zk_parse_controller(text, len, &owner);
	bool ours = res->resp->stat.ephemeral_owner == zk_client_session_id(c->zc);
	if (c->active && !ours) {
		ctl_resign(c, "another broker holds /controller");
	} else if (!c->active && ours && owner == c->cfg->broker_id) {
		zk_client_get_data(c->zc, CTL_ZK_EPOCH, false, ctl_op_cb,
				   ctl_op_new(c, own_epoch_read));
	}
}

static void controller_exists(struct ctl *c, struct ctl_op *op,
			      const struct zk_client_result *res)
{
	(void)op;
	if (res->rc == ZNONODE && c->active) {
		/* Deleted under us (an operator moving the controller): resign
		 * and run for election again, as Kafka's ControllerChange does;
		 * resigning watches /controller again, which elects. */
		ctl_resign(c, "/controller was deleted");
	} else if (res->rc == ZNONODE) {
		elect(c);
	} else if (res->rc == ZOK) {
		zk_client_get_data(c->zc, CTL_ZK_CONTROLLER, false, ctl_op_cb,
				   ctl_op_new(c, controller_read));
	} else {
		ctl_retry_later(c);
	}
}

/* Watches /controller (exists, so its creation fires too), then elects when
 * it is missing, or checks who holds it (Kafka's ControllerChangeHandler). */
static void check_controller(struct ctl *c)
{
	if (c->zc)
		zk_client_exists(c->zc, CTL_ZK_CONTROLLER, true, ctl_op_cb,
				 ctl_op_new(c, controller_exists));
}

/* ---- Resignation ---------------------------------------------------------------------- */

void ctl_resign(struct ctl *c, const char *why)
{
	if (!c->active)
		return;
	env_event(c->env, "controller", "broker %d resigns as controller of epoch %d (%s)",
		  c->cfg->broker_id, c->epoch, why);
	c->active = false;
	c->epoch = -1;
	c->epoch_version = -1;
	c->gen++;
	c->busy = false;
	c->want_round = c->want_rebalance = false;
	ctl_alter_job_drop(c);
	ctl_alter_fail_all(c, KP_ERR_NOT_CONTROLLER);
	ctl_state_drop(c);
	env_timer_stop(c->env, &c->rebalance);
	check_controller(c);
}

/* ---- The event loop ------------------------------------------------------------------- */

static void retry_cb(struct env_timer *t)
{
	struct ctl *c = t->data;
	if (!c->zc)
		return;
	if (!c->active) {
		check_controller(c);
		return;
	}
	c->want_round = true;
	ctl_kick(c);
}

void ctl_kick(struct ctl *c)
{
	if (!c->active || c->busy || !c->zc)
		return;
	if (c->want_round) {
		c->want_round = false;
		c->busy = true;
		ctl_round_start(c);
	} else if (!c->loaded) {
		return; /* a failed first round is tried again first */
	} else if (c->n_alters) {
		c->busy = true;
		ctl_alter_next(c);
	} else if (c->want_rebalance) {
		c->want_rebalance = false;
		c->busy = true;
		ctl_rebalance_round(c);
		arm_rebalance(c);
	}
}

void ctl_work_done(struct ctl *c)
{
	c->busy = false;
	ctl_kick(c);
}

/* ---- Interface ----------------------------------------------------------------------- */

struct ctl *ctl_new(struct env *env, const struct brk_config *cfg)
{
	struct ctl *c = env_calloc(env, 1, sizeof *c);
	c->env = env;
	c->cfg = cfg;
	c->epoch = -1;
	c->epoch_version = -1;
	c->tried_epoch = -1;
	c->retry.data = c;
	c->rebalance.data = c;
	snprintf(c->client_id, sizeof c->client_id, "controller-%d", cfg->broker_id);
	return c;
}

void ctl_free(struct ctl *c)
{
	if (!c)
		return;
	ctl_alter_job_drop(c);
	ctl_alter_fail_all(c, KP_ERR_NOT_CONTROLLER);
	ctl_state_drop(c);
	env_timer_stop(c->env, &c->retry);
	env_timer_stop(c->env, &c->rebalance);
	for (struct ctl_op *op = c->ops; op; op = op->next)
		op->c = NULL; /* freed by their completions */
	env_free(c->env, c->alters);
	env_free(c->env, c->shutting);
	env_free(c->env, c->shutting_epochs);
	env_free(c->env, c);
}

void ctl_session(struct ctl *c, struct zk_client *zc)
{
	if (!zc) {
		c->zc = NULL;
		ctl_resign(c, "its ZooKeeper session is gone");
		c->gen++;
		c->electing = false;
		return;
	}
	if (zc != c->zc) {
		/* Another session: our /controller, if any, was the old one's. */
		ctl_resign(c, "its ZooKeeper session changed");
		c->gen++;
		c->electing = false;
		c->zc = zc;
	}
	/* A new session, or a reconnect: requests that failed for want of
	 * a connection go again. */
	if (c->active) {
		c->want_round = true;
		ctl_kick(c);
	} else if (!c->electing) {
		check_controller(c);
	}
}

static bool path_is(struct zk_str p, const char *s)
{
	return p.len >= 0 && (size_t)p.len == strlen(s) && !memcmp(p.p, s, (size_t)p.len);
}

void ctl_watch_event(struct ctl *c, int32_t type, struct zk_str path)
{
	if (!c->zc)
		return;
	if (path_is(path, CTL_ZK_CONTROLLER)) {
		check_controller(c); /* re-arms the watch, elects or resigns */
		return;
	}
	if (!c->active)
		return;
	const char *prefix = CTL_ZK_TOPICS "/";
	size_t pl = strlen(prefix);
	if (path_is(path, CTL_ZK_BROKERS) || path_is(path, CTL_ZK_TOPICS)) {
		c->want_round = true;
	} else if (type == ZK_EVENT_CHANGED && path.len > (int32_t)pl &&
		   !memcmp(path.p, prefix, pl)) {
		struct ctl_topic *t = ctl_topic_find(c, path.p + pl, (size_t)path.len - pl);
		if (t)
			t->dirty = true;
		c->want_round = true;
	}
	ctl_kick(c);
}

bool ctl_active(const struct ctl *c)
{
	return c && c->active;
}

int32_t ctl_epoch(const struct ctl *c)
{
	return c && c->active ? c->epoch : -1;
}

void ctl_handle_alter_partition(struct ctl *c, struct brk_req *r)
{
	if (!c->active) {
		struct kp_response resp;
		memset(&resp, 0, sizeof resp);
		if (r->req.header.api_key == KP_API_CONTROLLED_SHUTDOWN)
			resp.body.controlled_shutdown.error_code = KP_ERR_NOT_CONTROLLER;
		else if (r->req.header.api_key == KP_API_ELECT_LEADERS)
			resp.body.elect_leaders.error_code = KP_ERR_NOT_CONTROLLER;
		else
			resp.body.alter_partition.error_code = KP_ERR_NOT_CONTROLLER;
		brk_front_respond(r, &resp);
		return;
	}
	c->alters = env_realloc(c->env, c->alters, (size_t)(c->n_alters + 1) * sizeof *c->alters);
	c->alters[c->n_alters++] = r;
	ctl_kick(c);
}

void ctl_handle_controlled_shutdown(struct ctl *c, struct brk_req *r)
{
	ctl_handle_alter_partition(c, r);
}

void ctl_handle_elect_leaders(struct ctl *c, struct brk_req *r)
{
	ctl_handle_alter_partition(c, r);
}
