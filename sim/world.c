#include "sim/world.h"

#include <assert.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim/internal.h"
#include "sim/util.h"

void sim_world_config_default(struct sim_world_config *c, uint64_t seed)
{
	memset(c, 0, sizeof *c);
	c->seed = seed;
	sim_net_config_default(&c->net);
	sim_disk_config_default(&c->disk);
	c->wall_epoch_ns = 1700000000LL * SIM_NS_PER_S; /* 2023-11-14, a fixed origin */
}

struct sim_world *sim_world_new(const struct sim_world_config *config)
{
	struct sim_world *w = sim_xcalloc(1, sizeof *w);
	w->config = *config;
	sim_sched_init(&w->sched);
	sim_trace_init(&w->trace);
	sim_block_cache_init(&w->blocks);
	sim_rng_derive(&w->rng, config->seed, "world", 0);
	w->net = sim_net_new(w, &config->net);
	w->log_min = ENV_LOG_INFO;
	return w;
}

static void heap_free_all(struct env *env)
{
	struct env_block *b = env->heap.next;
	while (b != &env->heap) {
		struct env_block *next = b->next;
		sim_block_release(&env->w->blocks, b);
		b = next;
	}
	env->heap.next = env->heap.prev = &env->heap;
	env->live_blocks = 0;
	env->live_bytes = 0;
}

/* Drops a dead incarnation's parked events (payloads through discard). */
static void parked_discard(struct sim_world *w, struct sim_node *n)
{
	while (n->parked_head) {
		struct sim_event *ev = n->parked_head;
		n->parked_head = ev->next;
		if (ev->discard)
			ev->discard(w, ev);
		sim_event_free(&w->sched, ev);
	}
	n->parked_tail = NULL;
}

static void env_destroy(struct sim_node *n)
{
	if (!n->env)
		return;
	heap_free_all(n->env);
	free(n->env);
	n->env = NULL;
	n->state = NULL;
}

static void discard_scheduled(struct sim_event *ev, void *w)
{
	if (ev->discard)
		ev->discard(w, ev);
}

void sim_world_free(struct sim_world *w)
{
	if (!w)
		return;
	/* Scheduled events may own payloads (disk requests): discard them. */
	sim_sched_each(&w->sched, discard_scheduled, w);
	for (uint32_t i = 0; i < w->n_nodes; i++) {
		struct sim_node *n = w->nodes[i];
		parked_discard(w, n);
		env_destroy(n);
	}
	sim_net_free(w->net);
	for (uint32_t i = 0; i < w->n_nodes; i++) {
		struct sim_node *n = w->nodes[i];
		sim_disk_free(n->disk);
		free(n->name);
		free(n);
	}
	free(w->nodes);
	sim_sched_destroy(&w->sched);
	sim_block_cache_destroy(&w->blocks);
	free(w);
}

uint32_t sim_node_add(struct sim_world *w, const char *name, const struct sim_node_class *cls,
		      const void *config)
{
	assert(!sim_node_find(w, name));
	struct sim_node *n = sim_xcalloc(1, sizeof *n);
	n->id = w->n_nodes + 1;
	n->name = sim_xstrdup(name);
	n->cls = cls;
	n->config = config;
	n->status = SIM_NODE_STOPPED;
	n->disk = sim_disk_new(w, n->id, &w->config.disk);
	sim_clock_init(&n->clock);
	w->nodes = sim_xrealloc(w->nodes, (w->n_nodes + 1) * sizeof *w->nodes);
	w->nodes[w->n_nodes++] = n;
	return n->id;
}

uint32_t sim_node_count(const struct sim_world *w)
{
	return w->n_nodes;
}

uint32_t sim_node_find(const struct sim_world *w, const char *name)
{
	for (uint32_t i = 0; i < w->n_nodes; i++)
		if (strcmp(w->nodes[i]->name, name) == 0)
			return i + 1;
	return 0;
}

const char *sim_node_name(const struct sim_world *w, uint32_t id)
{
	struct sim_node *n = sim_node_get(w, id);
	return n ? n->name : "-";
}

const char *sim_node_role(const struct sim_world *w, uint32_t id)
{
	struct sim_node *n = sim_node_get(w, id);
	return n && n->cls ? n->cls->role : "-";
}

enum sim_node_status sim_node_status(const struct sim_world *w, uint32_t id)
{
	struct sim_node *n = sim_node_get(w, id);
	return n ? n->status : SIM_NODE_STOPPED;
}

const char *sim_node_status_name(enum sim_node_status status)
{
	switch (status) {
	case SIM_NODE_STOPPED: return "stopped";
	case SIM_NODE_UP: return "up";
	case SIM_NODE_PAUSED: return "paused";
	case SIM_NODE_KILLED: return "killed";
	case SIM_NODE_POWERED_OFF: return "powered-off";
	}
	return "?";
}

void *sim_node_state(const struct sim_world *w, uint32_t id)
{
	struct sim_node *n = sim_node_get(w, id);
	return n ? n->state : NULL;
}

uint32_t sim_node_incarnation(const struct sim_world *w, uint32_t id)
{
	struct sim_node *n = sim_node_get(w, id);
	return n ? n->incarnation : 0;
}

size_t sim_node_live_allocs(const struct sim_world *w, uint32_t id)
{
	struct sim_node *n = sim_node_get(w, id);
	return n && n->env ? n->env->live_blocks : 0;
}

struct sim_disk *sim_node_disk(struct sim_world *w, uint32_t id)
{
	struct sim_node *n = sim_node_get(w, id);
	return n ? n->disk : NULL;
}

struct sim_clock *sim_node_clock(struct sim_world *w, uint32_t id)
{
	struct sim_node *n = sim_node_get(w, id);
	return n ? &n->clock : NULL;
}

struct sim_net *sim_world_net(struct sim_world *w)
{
	return w->net;
}

struct sim_rng *sim_world_rng(struct sim_world *w)
{
	return &w->rng;
}

uint64_t sim_world_seed(const struct sim_world *w)
{
	return w->config.seed;
}

/* ---- Lifecycle -------------------------------------------------------------- */

bool sim_node_start(struct sim_world *w, uint32_t id)
{
	struct sim_node *n = sim_node_get(w, id);
	if (!n || n->status == SIM_NODE_UP || n->status == SIM_NODE_PAUSED)
		return false;
	n->incarnation++;
	struct env *env = sim_xcalloc(1, sizeof *env);
	env->w = w;
	env->node = n;
	env->incarnation = n->incarnation;
	env->heap.next = env->heap.prev = &env->heap;
	sim_rng_derive(&env->rng, w->config.seed, n->name, n->incarnation);
	n->env = env;
	n->status = SIM_NODE_UP;
	sim_trace_node(w, SIM_TR_NODE_START, id, 0, n->incarnation);
	n->state = n->cls && n->cls->start ? n->cls->start(env, n->config) : NULL;
	return true;
}

/* kill, power loss, or (clean) a process that exits by itself. */
static bool crash(struct sim_world *w, uint32_t id, bool power_loss, bool clean)
{
	struct sim_node *n = sim_node_get(w, id);
	if (!n || (n->status != SIM_NODE_UP && n->status != SIM_NODE_PAUSED)) {
		/* Power can still fail on a machine whose process is dead. */
		if (!n || !power_loss || n->status != SIM_NODE_KILLED)
			return false;
	}
	sim_trace_node(w, clean ? SIM_TR_EXIT : power_loss ? SIM_TR_POWER_LOSS : SIM_TR_KILL, id,
		       0, 0);
	bool was_running = n->env != NULL;
	n->status = clean ? SIM_NODE_STOPPED
		    : power_loss ? SIM_NODE_POWERED_OFF
				 : SIM_NODE_KILLED;
	if (was_running) {
		parked_discard(w, n);
		sim_net_node_crashed(w->net, id, !power_loss);
		env_destroy(n);
		sim_disk_node_crashed(n->disk);
		if (w->files && w->files->node_crashed)
			w->files->node_crashed(w->files_ctx, n->name);
	}
	if (power_loss)
		sim_disk_power_loss(n->disk);
	return true;
}

bool sim_node_kill(struct sim_world *w, uint32_t id)
{
	return crash(w, id, false, false);
}

bool sim_node_power_loss(struct sim_world *w, uint32_t id)
{
	return crash(w, id, true, false);
}

bool sim_node_stop(struct sim_world *w, uint32_t id)
{
	return crash(w, id, false, true);
}

/* The node asked to exit (env_exit): it stops as a kill does, but cleanly. */
static void exit_fire(struct sim_world *w, struct sim_event *ev)
{
	crash(w, ev->node, false, true);
}

void env_exit(struct env *env)
{
	sim_node_event(env, 0, exit_fire, NULL, NULL, NULL, 0);
}

bool sim_node_pause(struct sim_world *w, uint32_t id)
{
	struct sim_node *n = sim_node_get(w, id);
	if (!n || n->status != SIM_NODE_UP)
		return false;
	n->status = SIM_NODE_PAUSED;
	sim_trace_node(w, SIM_TR_PAUSE, id, 0, 0);
	return true;
}

bool sim_node_resume(struct sim_world *w, uint32_t id)
{
	struct sim_node *n = sim_node_get(w, id);
	if (!n || n->status != SIM_NODE_PAUSED)
		return false;
	n->status = SIM_NODE_UP;
	sim_trace_node(w, SIM_TR_RESUME, id, 0, 0);
	/* Everything that came due while paused fires now, in its order. */
	while (n->parked_head) {
		struct sim_event *ev = n->parked_head;
		n->parked_head = ev->next;
		ev->next = NULL;
		sim_sched_push(&w->sched, ev, w->sched.now);
	}
	n->parked_tail = NULL;
	return true;
}

bool sim_node_restart(struct sim_world *w, uint32_t id)
{
	struct sim_node *n = sim_node_get(w, id);
	if (!n)
		return false;
	if (n->status == SIM_NODE_UP || n->status == SIM_NODE_PAUSED)
		sim_node_kill(w, id);
	return sim_node_start(w, id);
}

/* ---- Events and the run loop ----------------------------------------------- */

struct sim_event *sim_node_event(struct env *env, int64_t delay_ns, sim_event_fn fire,
				 sim_event_fn discard, void *a, void *b, int64_t arg)
{
	struct sim_world *w = env->w;
	assert(delay_ns >= 0);
	struct sim_event *ev = sim_event_alloc(&w->sched);
	ev->node = env->node->id;
	ev->incarnation = env->incarnation;
	ev->fire = fire;
	ev->discard = discard;
	ev->a = a;
	ev->b = b;
	ev->arg = arg;
	sim_sched_push(&w->sched, ev, w->sched.now + delay_ns);
	return ev;
}

struct sim_event *sim_world_event(struct sim_world *w, int64_t delay_ns, sim_event_fn fire,
				  void *a, void *b, int64_t arg)
{
	assert(delay_ns >= 0);
	struct sim_event *ev = sim_event_alloc(&w->sched);
	ev->fire = fire;
	ev->a = a;
	ev->b = b;
	ev->arg = arg;
	sim_sched_push(&w->sched, ev, w->sched.now + delay_ns);
	return ev;
}

static void world_call_fire(struct sim_world *w, struct sim_event *ev)
{
	void (*fn)(struct sim_world *, void *) = (void (*)(struct sim_world *, void *))ev->b;
	fn(w, ev->a);
}

void sim_world_at(struct sim_world *w, int64_t delay_ns,
		  void (*fn)(struct sim_world *w, void *arg), void *arg)
{
	/* Function pointers travel through the payload slot as data. */
	union {
		void (*fn)(struct sim_world *, void *);
		void *p;
	} u = {.fn = fn};
	_Static_assert(sizeof u.fn == sizeof u.p, "function and data pointers differ");
	sim_world_event(w, delay_ns, world_call_fire, arg, u.p, 0);
}

/* Fires, parks or discards one popped event. */
static void dispatch(struct sim_world *w, struct sim_event *ev)
{
	if (ev->node) {
		struct sim_node *n = sim_node_get(w, ev->node);
		if (!sim_node_alive(n, ev->incarnation)) {
			if (ev->discard)
				ev->discard(w, ev);
			sim_event_free(&w->sched, ev);
			return;
		}
		if (n->status == SIM_NODE_PAUSED) {
			ev->next = NULL;
			if (n->parked_tail)
				n->parked_tail->next = ev;
			else
				n->parked_head = ev;
			n->parked_tail = ev;
			return;
		}
	}
	w->in_event = true;
	ev->fire(w, ev);
	w->in_event = false;
	sim_event_free(&w->sched, ev);
}

bool sim_step(struct sim_world *w)
{
	struct sim_event *ev = sim_sched_pop(&w->sched);
	if (!ev)
		return false;
	dispatch(w, ev);
	return true;
}

void sim_run_until(struct sim_world *w, int64_t t)
{
	while (sim_sched_len(&w->sched) && sim_sched_peek_time(&w->sched) <= t)
		sim_step(w);
	if (w->sched.now < t)
		w->sched.now = t;
}

void sim_world_set_file_backend(struct sim_world *w, const struct sim_file_backend *fb,
				void *ctx)
{
	w->files = fb;
	w->files_ctx = ctx;
}

/* Far enough that no run reaches it, near enough that time + seq math holds. */
#define HELD_AT (INT64_MAX / 4)

struct sim_event *sim_node_hold(struct env *env, sim_event_fn fire, sim_event_fn discard,
				void *a)
{
	return sim_node_event(env, HELD_AT - env->w->sched.now, fire, discard, a, NULL, 0);
}

void sim_event_release(struct sim_world *w, struct sim_event *ev)
{
	assert(ev->time == HELD_AT);
	sim_sched_remove(&w->sched, ev);
	sim_sched_push(&w->sched, ev, w->sched.now);
}

int64_t sim_next_event_time(const struct sim_world *w)
{
	return sim_sched_len(&w->sched) ? sim_sched_peek_time(&w->sched) : INT64_MAX;
}

void sim_run_for(struct sim_world *w, int64_t duration_ns)
{
	sim_run_until(w, w->sched.now + duration_ns);
}

bool sim_run_until_idle(struct sim_world *w, int64_t limit_ns)
{
	while (sim_sched_len(&w->sched) && sim_sched_peek_time(&w->sched) <= limit_ns)
		sim_step(w);
	return sim_sched_len(&w->sched) == 0;
}

int64_t sim_now(const struct sim_world *w)
{
	return w->sched.now;
}

uint64_t sim_trace_hash(const struct sim_world *w)
{
	return w->trace.hash;
}

uint64_t sim_events_fired(const struct sim_world *w)
{
	return w->sched.fired;
}

void sim_world_set_trace_file(struct sim_world *w, FILE *out)
{
	w->trace.out = out;
}

void sim_world_set_log(struct sim_world *w, FILE *out, enum env_log_level min_level)
{
	w->log_out = out;
	w->log_min = min_level;
}

void sim_world_set_event_sink(struct sim_world *w, sim_story_fn *fn, void *ctx)
{
	w->event_fn = fn;
	w->event_ctx = ctx;
}

void sim_world_set_coverage(struct sim_world *w, struct sim_coverage *cov)
{
	w->coverage = cov;
}

void sim_world_set_frame_sink(struct sim_world *w, sim_frame_fn *fn, void *ctx)
{
	w->frame_fn = fn;
	w->frame_ctx = ctx;
}

void sim_trace_node(struct sim_world *w, enum sim_trace_kind kind, uint32_t node,
		    uint32_t peer, uint64_t size)
{
	struct sim_trace *t = &w->trace;
	if (!t->out) {
		sim_trace_event(t, w->sched.now, kind, node, NULL, peer, NULL, size);
		return;
	}
	sim_trace_event(t, w->sched.now, kind, node, node ? sim_node_name(w, node) : "world",
			peer, peer ? sim_node_name(w, peer) : NULL, size);
}

void sim_world_note(struct sim_world *w, uint32_t node, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	sim_trace_note(&w->trace, w->sched.now, node, node ? sim_node_name(w, node) : "world",
		       text);
}
