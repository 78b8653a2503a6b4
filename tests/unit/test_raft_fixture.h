/*
 * A simulated KRaft controller quorum for tests: N voters "controller-1"..
 * (and optionally observers "observer-1"..) running broker/raft, checked by
 * raft_check after every change they report. Each member's owner (the
 * stand-in for the metadata layer) appends one record every 40 ms while it
 * leads and counts, outside the node's memory, the records committed to it.
 * Included by test_raft.c (static inline only).
 */
#ifndef TEST_RAFT_FIXTURE_H
#define TEST_RAFT_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/kp/kp_header.h"
#include "broker/kp/kp_raft.h"
#include "broker/raft/raft.h"
#include "broker/raft/raft_check.h"
#include "sim/net.h"
#include "sim/rng.h"
#include "sim/util.h"
#include "sim/world.h"

#define RFX_MAX 8

struct rfx;

struct rfx_slot {
	struct rfx *fx;
	int32_t k;
	struct raft_config cfg;
	/* Kept outside the node: what the owner was told. */
	int64_t committed_records; /* this incarnation */
	int64_t truncations;       /* flushed end went down */
	int64_t last_flushed;
	int32_t leader_seen, leader_epoch_seen; /* the last on_leader_change */
};

struct rfx_owner {
	struct env *env;
	struct rfx_slot *slot;
	struct raft *raft;
	struct env_timer timer;
	int64_t seq;
};

struct rfx {
	struct sim_world *w;
	int32_t nvoters, nobservers;
	uint32_t id[RFX_MAX];
	struct raft_voter voters[RFX_MAX];
	char names[RFX_MAX][24];
	struct rfx_slot slot[RFX_MAX];
	struct raft_check chk;
	struct raft_observer obs; /* chk's, plus the truncation counter */
	bool writes;
	bool free_now; /* owners shut their raft down gracefully */
	/* Vote requests seen on the wire: (connection, correlation) -> candidate. */
	uint64_t vote_conn[64];
	int32_t vote_corr[64], vote_cand[64];
	int nvotes;
};

static inline struct rfx_slot *rfx_slot_of(struct rfx *f, int32_t node)
{
	for (int32_t i = 0; i < f->nvoters + f->nobservers; i++)
		if (f->slot[i].cfg.node_id == node)
			return &f->slot[i];
	return NULL;
}

/* Forwards to raft_check and counts truncations. */
static inline void rfx_flushed(void *ctx, int32_t node, int64_t end)
{
	struct rfx *f = ctx;
	struct rfx_slot *s = rfx_slot_of(f, node);
	if (s && end < s->last_flushed)
		s->truncations++;
	if (s)
		s->last_flushed = end;
	f->chk.observer.on_flushed_end(&f->chk, node, end);
}

static inline void rfx_persist(void *ctx, int32_t n, int32_t e, int32_t l, int32_t v)
{
	struct rfx *f = ctx;
	f->chk.observer.on_persist(&f->chk, n, e, l, v);
}

static inline void rfx_on_leader(void *ctx, int32_t n, int32_t e, int64_t start)
{
	struct rfx *f = ctx;
	f->chk.observer.on_leader(&f->chk, n, e, start);
}

static inline void rfx_hw(void *ctx, int32_t n, int32_t e, bool l, int64_t hw)
{
	struct rfx *f = ctx;
	f->chk.observer.on_high_watermark(&f->chk, n, e, l, hw);
}

static inline void rfx_committed(void *ctx, int32_t n, int64_t b, int64_t l, int32_t e,
                                 uint32_t crc)
{
	struct rfx *f = ctx;
	f->chk.observer.on_committed(&f->chk, n, b, l, e, crc);
}

static inline void rfx_on_commit(void *ctx, const struct rb_batch *b)
{
	struct rfx_slot *s = ctx;
	s->committed_records += b->h.record_count;
}

static inline void rfx_on_leader_change(void *ctx, int32_t leader, int32_t epoch)
{
	struct rfx_slot *s = ctx;
	s->leader_seen = leader;
	s->leader_epoch_seen = epoch;
}

static inline void rfx_tick(struct env_timer *t)
{
	struct rfx_owner *o = t->data;
	if (!o->raft)
		return;
	if (o->slot->fx->free_now) {
		raft_free(o->raft);
		o->raft = NULL;
		return;
	}
	if (o->slot->fx->writes && raft_role(o->raft) == RAFT_LEADER) {
		char v[48];
		int n = snprintf(v, sizeof v, "n%d-e%d-%lld", o->slot->cfg.node_id,
		                 raft_epoch(o->raft), (long long)++o->seq);
		struct rb_bytes b = {(const uint8_t *)v, (size_t)n};
		raft_append(o->raft, &b, 1);
	}
	env_timer_start(o->env, &o->timer, 40 * SIM_NS_PER_MS, rfx_tick);
}

static inline int32_t rfx_node_id(const char *name)
{
	int32_t id = -1;
	if (sscanf(name, "controller-%d", &id) != 1)
		id = -1;
	return id;
}

/* The frame sink: every Vote grant and every BeginQuorumEpoch on the wire
 * must already be durable at its sender. */
static inline void rfx_frame(void *ctx, int64_t t, const char *from, const char *to, uint64_t conn,
                             bool from_client, uint16_t port, const uint8_t *frame, size_t len)
{
	struct rfx *f = ctx;
	struct wire_reader r;
	wire_reader_init(&r, frame, len);
	if (from_client) {
		struct kp_request_header h;
		if (kp_decode_request_header(&r, &h) != 0)
			return;
		if (h.api_key == KP_API_VOTE) {
			struct kp_raft_vote_request q;
			if (kp_raft_decode_vote_request(&r, &q) != 0)
				return;
			int k = f->nvotes++ % 64;
			f->vote_conn[k] = conn;
			f->vote_corr[k] = h.correlation_id;
			f->vote_cand[k] = q.candidate_id;
		} else if (h.api_key == KP_API_BEGIN_QUORUM_EPOCH) {
			uint8_t abuf[256];
			struct kp_arena a;
			kp_arena_init(&a, abuf, sizeof abuf);
			struct kp_raft_epoch_request q;
			if (kp_raft_decode_epoch_request(&r, &a, false, &q) == 0)
				raft_check_leader_claim(&f->chk, rfx_node_id(from), q.leader_epoch);
		}
		return;
	}
	int32_t corr = (int32_t)wire_get_u32(&r);
	for (int k = 0; k < 64 && k < f->nvotes; k++) {
		if (f->vote_conn[k] != conn || f->vote_corr[k] != corr)
			continue;
		wire_get_u8(&r); /* response header v1: no tags */
		struct kp_raft_vote_response a;
		if (kp_raft_decode_vote_response(&r, &a) == 0 && a.vote_granted)
			raft_check_granted_vote(&f->chk, rfx_node_id(from), a.leader_epoch,
			                        f->vote_cand[k]);
		return;
	}
}

static inline void *rfx_start(struct env *env, const void *config)
{
	struct rfx_slot *s = (struct rfx_slot *)config;
	struct rfx_owner *o = env_calloc(env, 1, sizeof *o);
	o->env = env;
	o->slot = s;
	s->committed_records = 0;
	s->last_flushed = 0;
	o->raft = raft_new(env, &s->cfg);
	o->timer.data = o;
	env_timer_start(env, &o->timer, 40 * SIM_NS_PER_MS, rfx_tick);
	return o;
}

static const struct sim_node_class rfx_class = {"controller", rfx_start};

static inline struct rfx *rfx_new(uint64_t seed, int32_t nvoters, int32_t nobservers,
                                  bool check_quorum)
{
	struct rfx *f = sim_xcalloc(1, sizeof *f);
	struct sim_world_config wc;
	sim_world_config_default(&wc, seed);
	f->w = sim_world_new(&wc);
	if (getenv("KSIM_RAFT_LOG"))
		sim_world_set_log(f->w, stderr, ENV_LOG_DEBUG);
	f->nvoters = nvoters;
	f->nobservers = nobservers;
	f->writes = true;
	for (int32_t i = 0; i < nvoters; i++) {
		snprintf(f->names[i], sizeof f->names[i], "controller-%d", i + 1);
		f->voters[i] = (struct raft_voter){i + 1, f->names[i]};
	}
	raft_check_init(&f->chk, f->voters, nvoters, false);
	sim_world_set_frame_sink(f->w, rfx_frame, f);
	f->obs = (struct raft_observer){f,      rfx_persist,   rfx_on_leader,
	                                rfx_hw, rfx_committed, rfx_flushed};
	for (int32_t i = 0; i < nvoters + nobservers; i++) {
		struct rfx_slot *s = &f->slot[i];
		int32_t id = i < nvoters ? i + 1 : 100 + (i - nvoters) + 1;
		if (i >= nvoters)
			snprintf(f->names[i], sizeof f->names[i], "observer-%d", i - nvoters + 1);
		s->fx = f;
		s->k = i;
		raft_config_default(&s->cfg, id, f->voters, nvoters);
		s->cfg.cluster_id = "ksim-cluster-0000000000";
		s->cfg.check_quorum = check_quorum;
		s->cfg.observer = &f->obs;
		s->cfg.listener = (struct raft_listener){s, rfx_on_commit, rfx_on_leader_change};
		f->id[i] = sim_node_add(f->w, f->names[i], &rfx_class, s);
	}
	return f;
}

static inline void rfx_start_all(struct rfx *f)
{
	for (int32_t i = 0; i < f->nvoters + f->nobservers; i++)
		sim_node_start(f->w, f->id[i]);
}

static inline void rfx_free(struct rfx *f)
{
	sim_world_free(f->w);
	raft_check_free(&f->chk);
	free(f);
}

static inline struct raft *rfx_raft(struct rfx *f, int32_t i)
{
	if (sim_node_status(f->w, f->id[i]) != SIM_NODE_UP)
		return NULL;
	struct rfx_owner *o = sim_node_state(f->w, f->id[i]);
	return o ? o->raft : NULL;
}

/* Index of the running leader with the highest epoch, or -1. */
static inline int32_t rfx_leader(struct rfx *f)
{
	int32_t best = -1, epoch = -1;
	for (int32_t i = 0; i < f->nvoters; i++) {
		struct raft *r = rfx_raft(f, i);
		if (r && raft_role(r) == RAFT_LEADER && raft_epoch(r) > epoch) {
			best = i;
			epoch = raft_epoch(r);
		}
	}
	return best;
}

/* Runs until every running member follows one leader in its epoch with
 * the same high watermark and log end. */
static inline bool rfx_converge(struct rfx *f, int64_t limit_ns)
{
	int64_t end = sim_now(f->w) + limit_ns;
	while (sim_now(f->w) < end) {
		sim_run_for(f->w, 100 * SIM_NS_PER_MS);
		int32_t l = rfx_leader(f);
		if (l < 0)
			continue;
		struct raft *lr = rfx_raft(f, l);
		bool ok = raft_high_watermark(lr) == raft_log_end(lr);
		for (int32_t i = 0; i < f->nvoters + f->nobservers && ok; i++) {
			struct raft *r = rfx_raft(f, i);
			if (!r)
				continue;
			ok = raft_epoch(r) == raft_epoch(lr) && raft_leader_id(r) == l + 1 &&
			     raft_high_watermark(r) == raft_high_watermark(lr) &&
			     raft_log_end(r) == raft_log_end(lr);
		}
		if (ok)
			return true;
	}
	return false;
}

static inline void rfx_dump(struct rfx *f)
{
	for (int32_t i = 0; i < f->nvoters + f->nobservers; i++) {
		struct raft *r = rfx_raft(f, i);
		if (!r) {
			fprintf(stderr, "  %s: %s\n", f->names[i],
			        sim_node_status_name(sim_node_status(f->w, f->id[i])));
			continue;
		}
		fprintf(stderr,
		        "  %s: %s epoch %d leader %d voted %d hw %lld leo %lld flushed %lld\n",
		        f->names[i], raft_role_name(raft_role(r)), raft_epoch(r), raft_leader_id(r),
		        raft_voted_id(r), (long long)raft_high_watermark(r),
		        (long long)raft_log_end(r), (long long)raft_flushed_end(r));
	}
}

#endif
