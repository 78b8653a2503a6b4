/*
 * A simulated ZooKeeper ensemble for tests: N zk_server nodes ("zk-1" ...)
 * and M workload clients ("c-1" ...) built on zk_client, checked by
 * zk_check (agreement, one established leader per epoch) and by the record
 * of acknowledged writes kept here.
 *
 * Each workload client connects, creates its ephemeral "/e-<k>", then keeps
 * one sequential create "/w/c<k>-" in flight; every acknowledged path is
 * recorded here, outside the node's memory, so it survives the client's
 * crash. Included by the ensemble and client tests (static inline only).
 */
#ifndef TEST_ZK_ENSEMBLE_FIXTURE_H
#define TEST_ZK_ENSEMBLE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/zk/zk_check.h"
#include "broker/zk/zk_client.h"
#include "broker/zk/zk_server.h"
#include "sim/net.h"
#include "sim/rng.h"
#include "sim/util.h"
#include "sim/world.h"

#define FX_MAX_SERVERS 5
#define FX_MAX_CLIENTS 4
#define FX_TICK_MS 200

struct fx;

struct fx_client_cfg {
	struct fx *fx;
	int32_t k;
	char connect[160];
	int32_t timeout_ms;
};

struct fx_client {
	struct env *env;
	struct fx *fx;
	int32_t k;
	struct zk_client *zk;
	int64_t seq;
	bool eph_done;
	bool inflight;
	struct env_timer timer;
};

struct fx {
	struct sim_world *w;
	int32_t nservers, nclients;
	uint32_t sid[FX_MAX_SERVERS];
	uint32_t cid[FX_MAX_CLIENTS];
	struct zk_server_config scfg[FX_MAX_SERVERS];
	struct fx_client_cfg ccfg[FX_MAX_CLIENTS];
	struct zk_check chk; /* agreement and one leader per epoch */
	/* Workload history. */
	char (*acked)[48];
	size_t nacked, acked_cap;
	int64_t sessions[FX_MAX_CLIENTS][64];
	int nsess[FX_MAX_CLIENTS];
	bool writes;
};

static inline void *fx_realloc(void *ctx, void *p, size_t n)
{
	if (n == 0) {
		free(p);
		return NULL;
	}
	return sim_xrealloc(p, n);
}

/* ---- Workload client node ------------------------------------------------ */

static void fx_client_step(struct fx_client *c);

static inline void fx_record_session(struct fx_client *c)
{
	struct fx *f = c->fx;
	int64_t id = zk_client_session_id(c->zk);
	int k = c->k;
	if (id && (f->nsess[k] == 0 || f->sessions[k][f->nsess[k] - 1] != id) &&
	    f->nsess[k] < 64)
		f->sessions[k][f->nsess[k]++] = id;
}

static inline void fx_create_done(void *arg, const struct zk_client_result *r)
{
	struct fx_client *c = arg;
	struct fx *f = c->fx;
	c->inflight = false;
	if (r->rc == ZOK && r->resp) {
		if (f->nacked == f->acked_cap) {
			f->acked_cap = f->acked_cap ? f->acked_cap * 2 : 256;
			f->acked = sim_xrealloc(f->acked, f->acked_cap * sizeof *f->acked);
		}
		int n = r->resp->path.len < 47 ? r->resp->path.len : 47;
		memcpy(f->acked[f->nacked], r->resp->path.p, (size_t)n);
		f->acked[f->nacked++][n] = 0;
	}
}

static inline void fx_eph_done(void *arg, const struct zk_client_result *r)
{
	struct fx_client *c = arg;
	c->inflight = false;
	if (r->rc == ZOK || r->rc == ZNODEEXISTS)
		c->eph_done = true;
}

static inline void fx_mkdir_done(void *arg, const struct zk_client_result *r)
{
	struct fx_client *c = arg;
	c->inflight = false;
}

static inline void fx_client_timer(struct env_timer *t)
{
	struct fx_client *c = t->data;
	fx_client_step(c);
	env_timer_start(c->env, &c->timer, 20 * SIM_NS_PER_MS, fx_client_timer);
}

static void fx_client_step(struct fx_client *c)
{
	if (zk_client_state(c->zk) == ZK_CLIENT_EXPIRED) {
		/* Start a new session, as an application would. */
		zk_client_free(c->zk);
		struct zk_client_config zc = {c->fx->ccfg[c->k].connect,
			c->fx->ccfg[c->k].timeout_ms, NULL, NULL};
		c->zk = zk_client_new(c->env, &zc);
		c->eph_done = false;
		c->inflight = false;
		return;
	}
	if (c->inflight || zk_client_state(c->zk) != ZK_CLIENT_CONNECTED)
		return;
	fx_record_session(c);
	char path[48];
	c->inflight = true;
	if (!c->eph_done) {
		snprintf(path, sizeof path, "/e-%d", c->k);
		zk_client_create(c->zk, "/w", NULL, 0, 0, fx_mkdir_done, c);
		zk_client_create(c->zk, path, "e", 1, ZK_CREATE_EPHEMERAL, fx_eph_done, c);
		return;
	}
	if (!c->fx->writes) {
		c->inflight = false;
		return;
	}
	snprintf(path, sizeof path, "/w/c%d-", c->k);
	char data[24];
	int n = snprintf(data, sizeof data, "%lld", (long long)++c->seq);
	zk_client_create(c->zk, path, data, n, ZK_CREATE_SEQUENTIAL, fx_create_done, c);
}

static inline void *fx_client_start(struct env *env, const void *config)
{
	const struct fx_client_cfg *cc = config;
	struct fx_client *c = env_calloc(env, 1, sizeof *c);
	c->env = env;
	c->fx = cc->fx;
	c->k = cc->k;
	struct zk_client_config zc = {cc->connect, cc->timeout_ms, NULL, NULL};
	c->zk = zk_client_new(env, &zc);
	c->timer.data = c;
	env_timer_start(env, &c->timer, 10 * SIM_NS_PER_MS, fx_client_timer);
	return c;
}

static const struct sim_node_class fx_server_class = {"zookeeper", zk_server_start};
static const struct sim_node_class fx_client_class = {"client", fx_client_start};

static inline struct fx *fx_new(uint64_t seed, int32_t nservers, int32_t nclients)
{
	struct fx *f = sim_xcalloc(1, sizeof *f);
	struct sim_world_config wc;
	sim_world_config_default(&wc, seed);
	f->w = sim_world_new(&wc);
	if (getenv("KSIM_ZK_LOG"))
		sim_world_set_log(f->w, stderr, ENV_LOG_DEBUG);
	f->nservers = nservers;
	f->nclients = nclients;
	f->writes = true;
	struct zk_alloc ha = {fx_realloc, NULL};
	zk_check_init(&f->chk, &ha);
	static const char *const names[] = {"zk-1", "zk-2", "zk-3", "zk-4", "zk-5"};
	static const char *const cnames[] = {"c-1", "c-2", "c-3", "c-4"};
	char connect[160] = "";
	for (int32_t i = 0; i < nservers; i++) {
		struct zk_server_config *c = &f->scfg[i];
		zk_server_config_default(c);
		c->my_id = i + 1;
		c->tick_time_ms = FX_TICK_MS;
		c->min_session_timeout_ms = 2 * FX_TICK_MS;
		c->max_session_timeout_ms = 20 * FX_TICK_MS;
		c->snap_count = 50;
		c->observer = zk_check_observer(&f->chk);
		c->n_members = nservers;
		for (int32_t k = 0; k < nservers; k++)
			c->members[k] = (struct zk_server_member){k + 1, names[k]};
		f->sid[i] = sim_node_add(f->w, names[i], &fx_server_class, c);
		char part[24];
		snprintf(part, sizeof part, "%s%s:2181", i ? "," : "", names[i]);
		strcat(connect, part);
	}
	for (int32_t k = 0; k < nclients; k++) {
		f->ccfg[k] = (struct fx_client_cfg){.fx = f, .k = k, .timeout_ms = 1000};
		memcpy(f->ccfg[k].connect, connect, sizeof connect);
		f->cid[k] = sim_node_add(f->w, cnames[k], &fx_client_class, &f->ccfg[k]);
	}
	return f;
}

static inline void fx_start_all(struct fx *f)
{
	for (int32_t i = 0; i < f->nservers; i++)
		sim_node_start(f->w, f->sid[i]);
	for (int32_t k = 0; k < f->nclients; k++)
		sim_node_start(f->w, f->cid[k]);
}

static inline void fx_free(struct fx *f)
{
	sim_world_free(f->w);
	zk_check_free(&f->chk);
	free(f->acked);
	free(f);
}

static inline struct zk_server *fx_server(struct fx *f, int32_t i)
{
	if (sim_node_status(f->w, f->sid[i]) != SIM_NODE_UP)
		return NULL;
	return sim_node_state(f->w, f->sid[i]);
}

/* Index of the serving leader, or -1. */
static inline int32_t fx_leader(struct fx *f)
{
	for (int32_t i = 0; i < f->nservers; i++) {
		struct zk_server *s = fx_server(f, i);
		if (s && zk_server_role(s) == ZK_ROLE_LEADING && zk_server_serving(s))
			return i;
	}
	return -1;
}

static inline int32_t fx_serving_count(struct fx *f)
{
	int32_t n = 0;
	for (int32_t i = 0; i < f->nservers; i++) {
		struct zk_server *s = fx_server(f, i);
		if (s && zk_server_serving(s))
			n++;
	}
	return n;
}

/* Runs until every running server serves at the same committed zxid. */
static inline bool fx_converge(struct fx *f, int64_t limit_ns)
{
	int64_t end = sim_now(f->w) + limit_ns;
	while (sim_now(f->w) < end) {
		sim_run_for(f->w, 100 * SIM_NS_PER_MS);
		int64_t z = -1;
		bool ok = fx_leader(f) >= 0;
		for (int32_t i = 0; i < f->nservers && ok; i++) {
			struct zk_server *s = fx_server(f, i);
			if (!s)
				continue;
			if (!zk_server_serving(s))
				ok = false;
			else if (z < 0)
				z = zk_server_committed_zxid(s);
			else if (z != zk_server_committed_zxid(s))
				ok = false;
		}
		if (ok)
			return true;
	}
	return false;
}

#endif
