/*
 * The simulator's implementation of env.h for identity, memory, time,
 * timers, randomness and logging. Connections are in net.c, files in disk.c.
 */
#include "sim/env.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/coverage.h"
#include "sim/internal.h"
#include "sim/util.h"

const char *env_status_name(int status)
{
	switch (status) {
	case ENV_OK: return "OK";
	case ENV_EIO: return "EIO";
	case ENV_ENOSPC: return "ENOSPC";
	case ENV_ENOENT: return "ENOENT";
	case ENV_EEXIST: return "EEXIST";
	case ENV_EINVAL: return "EINVAL";
	case ENV_ENOTDIR: return "ENOTDIR";
	case ENV_EISDIR: return "EISDIR";
	case ENV_ENOTEMPTY: return "ENOTEMPTY";
	case ENV_EADDRINUSE: return "EADDRINUSE";
	case ENV_ECONNREFUSED: return "ECONNREFUSED";
	case ENV_ETIMEDOUT: return "ETIMEDOUT";
	case ENV_ECONNRESET: return "ECONNRESET";
	case ENV_EHOSTUNREACH: return "EHOSTUNREACH";
	case ENV_ENOTCONN: return "ENOTCONN";
	case ENV_EMSGSIZE: return "EMSGSIZE";
	case ENV_ENOBUFS: return "ENOBUFS";
	case ENV_EOF: return "EOF";
	}
	return "E?";
}

const char *env_node_name(const struct env *env)
{
	return env->node->name;
}

/* ---- Memory: a list per incarnation, so a crash can free it all ------------ */

static struct env_block *block_of(void *p)
{
	return (struct env_block *)p - 1;
}

static void link_block(struct env *env, struct env_block *b, size_t size)
{
	b->next = env->heap.next;
	b->prev = &env->heap;
	env->heap.next->prev = b;
	env->heap.next = b;
	env->live_blocks++;
	env->live_bytes += size;
}

void *env_alloc(struct env *env, size_t size)
{
	struct env_block *b = sim_block_get(&env->w->blocks, size);
	link_block(env, b, size);
	return b + 1;
}

void *env_calloc(struct env *env, size_t count, size_t size)
{
	assert(!size || count <= SIZE_MAX / size);
	void *p = env_alloc(env, count * size);
	memset(p, 0, count * size);
	return p;
}

void env_free(struct env *env, void *p)
{
	if (!p)
		return;
	struct env_block *b = block_of(p);
	b->prev->next = b->next;
	b->next->prev = b->prev;
	env->live_blocks--;
	env->live_bytes -= b->size;
	sim_block_release(&env->w->blocks, b);
}

void *env_realloc(struct env *env, void *p, size_t size)
{
	if (!p)
		return env_alloc(env, size);
	struct env_block *old = block_of(p);
	struct sim_block_cache *c = &env->w->blocks;
	if (sim_block_fits(c, old, size)) {
		env->live_bytes = env->live_bytes - old->size + size;
		old->size = size;
		return p;
	}
	if (sim_block_cached(c, old->size) || sim_block_cached(c, size)) {
		/* A cached block keeps its class's capacity: move to a new one. */
		void *q = env_alloc(env, size);
		memcpy(q, p, old->size < size ? old->size : size);
		env_free(env, p);
		return q;
	}
	struct env_block *prev = old->prev, *next = old->next;
	size_t old_size = old->size;
	struct env_block *b = sim_xrealloc(old, sizeof *b + size);
	/* The block may have moved: relink its neighbours. */
	prev->next = b;
	next->prev = b;
	b->size = size;
	env->live_bytes = env->live_bytes - old_size + size;
	return b + 1;
}

char *env_strdup(struct env *env, const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(env_alloc(env, n), s, n);
}

/* ---- Time ------------------------------------------------------------------- */

int64_t env_now_ns(const struct env *env)
{
	return env->w->sched.now;
}

int64_t env_wall_ns(const struct env *env)
{
	return sim_clock_wall_ns(&env->node->clock, env->w->config.wall_epoch_ns,
				 env->w->sched.now);
}

int64_t env_wall_ms(const struct env *env)
{
	int64_t ns = env_wall_ns(env);
	return ns >= 0 ? ns / SIM_NS_PER_MS : -((-ns + SIM_NS_PER_MS - 1) / SIM_NS_PER_MS);
}

/* ---- Timers --------------------------------------------------------------------- */

static void timer_fire(struct sim_world *w, struct sim_event *ev)
{
	struct env_timer *t = ev->a;
	t->impl = NULL;
	sim_trace_node(w, SIM_TR_TIMER, ev->node, 0, 0);
	t->cb(t);
}

void env_timer_start(struct env *env, struct env_timer *timer, int64_t delay_ns,
		     env_timer_cb cb)
{
	assert(delay_ns >= 0);
	env_timer_stop(env, timer);
	timer->cb = cb;
	timer->impl = sim_node_event(env, delay_ns, timer_fire, NULL, timer, NULL, 0);
}

void env_timer_stop(struct env *env, struct env_timer *timer)
{
	struct sim_event *ev = timer->impl;
	if (!ev)
		return;
	timer->impl = NULL;
	struct sim_world *w = env->w;
	if (sim_event_scheduled(ev)) {
		sim_sched_remove(&w->sched, ev);
	} else {
		/* Parked while the node was paused: unlink it from that list. */
		struct sim_node *n = env->node;
		struct sim_event **pp = &n->parked_head, *prev = NULL;
		while (*pp && *pp != ev) {
			prev = *pp;
			pp = &(*pp)->next;
		}
		assert(*pp == ev);
		*pp = ev->next;
		if (n->parked_tail == ev)
			n->parked_tail = prev;
	}
	sim_event_free(&w->sched, ev);
}

bool env_timer_active(const struct env_timer *timer)
{
	return timer->impl != NULL;
}

/* ---- Randomness --------------------------------------------------------------------- */

uint64_t env_random(struct env *env)
{
	return sim_rng_next(&env->rng);
}

uint64_t env_random_below(struct env *env, uint64_t n)
{
	return sim_rng_below(&env->rng, n);
}

int64_t env_random_range(struct env *env, int64_t lo, int64_t hi)
{
	return sim_rng_range(&env->rng, lo, hi);
}

/* ---- Logging ---------------------------------------------------------------------------- */

void env_log(struct env *env, enum env_log_level level, const char *fmt, ...)
{
	struct sim_world *w = env->w;
	static const char *const names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
	FILE *outs[2] = {level >= w->log_min ? w->log_out : NULL, w->trace.out};
	if (!outs[0] && !outs[1])
		return;
	char tb[32];
	sim_format_time(w->sched.now, tb, sizeof tb);
	for (int i = 0; i < 2; i++) {
		if (!outs[i] || (i == 1 && outs[1] == outs[0]))
			continue;
		va_list ap;
		va_start(ap, fmt);
		fprintf(outs[i], "%14s %-12s %-5s ", tb, env->node->name, names[level]);
		vfprintf(outs[i], fmt, ap);
		fputc('\n', outs[i]);
		va_end(ap);
	}
}

void env_event(struct env *env, const char *kind, const char *fmt, ...)
{
	struct sim_world *w = env->w;
	if (!w->event_fn && !w->trace.out)
		return;
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (w->event_fn)
		w->event_fn(w->event_ctx, w->sched.now, env->node->name, kind, text);
	if (w->trace.out) {
		char tb[32];
		sim_format_time(w->sched.now, tb, sizeof tb);
		fprintf(w->trace.out, "%14s %-12s EVENT %s: %s\n", tb, env->node->name, kind, text);
	}
}

void env_mark(struct env *env, const char *name)
{
	struct sim_coverage *cov = env->w->coverage;
	if (cov)
		sim_cov_add(cov, name, 1);
}
