/*
 * sched — the event queue in virtual nanoseconds.
 *
 * A 4-ary min-heap ordered by (time, sequence): two events due at the same
 * nanosecond fire in the order they were scheduled, never by address.
 * Events scheduled for the current instant (a quarter of all: zero-delay
 * timers, deferred callbacks) skip the heap for a FIFO; every event already
 * in the heap for this instant has a smaller sequence, so popping the
 * smaller of the two heads keeps exactly the heap's order. The
 * scheduler owns every `struct sim_event` (recycled through a free list);
 * whoever schedules one owns its payload (a, b) until it fires or is
 * discarded. The world's run loop (world.c) pops events and decides whether
 * a node's event fires, waits (node paused) or is discarded (node crashed).
 */
#ifndef KSIM_SIM_SCHED_H
#define KSIM_SIM_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_world;
struct sim_event;

typedef void (*sim_event_fn)(struct sim_world *w, struct sim_event *ev);

struct sim_event {
	int64_t time;
	uint64_t seq;
	uint32_t heap_idx;
	/* 0 for world events; otherwise the node whose incarnation gates it. */
	uint32_t node;
	uint32_t incarnation;
	/* Fires the event. */
	sim_event_fn fire;
	/* Called instead of fire when the node has crashed (frees payload). */
	sim_event_fn discard;
	void *a;
	void *b;
	int64_t arg;
	/* The free list, a paused node's parked list, or (with prev) the
	 * queue of events due now. */
	struct sim_event *next;
	struct sim_event *prev;
};

/* heap_idx of an event waiting in the queue of events due now. */
#define SIM_EVENT_DUE_NOW (UINT32_MAX - 1)

/* A heap slot keeps its event's key inline, so sifting compares without
 * touching the events themselves. */
struct sim_heap_slot {
	int64_t time;
	uint64_t seq;
	struct sim_event *ev;
};

struct sim_sched {
	struct sim_heap_slot *heap;
	size_t len;
	size_t cap;
	uint64_t next_seq;
	int64_t now;
	struct sim_event *free_list;
	uint64_t fired; /* events popped so far */
	/* Events scheduled at `now` itself, in sequence order. */
	struct sim_event *now_head;
	struct sim_event *now_tail;
	size_t now_len;
};

void sim_sched_init(struct sim_sched *s);
/* Frees every event, scheduled or free; payloads are the caller's to free
 * first (see sim_sched_drain). */
void sim_sched_destroy(struct sim_sched *s);

/* A zeroed event, not yet scheduled. */
struct sim_event *sim_event_alloc(struct sim_sched *s);
void sim_event_free(struct sim_sched *s, struct sim_event *ev);

/* Schedules `ev` at absolute time `time` (>= now). */
void sim_sched_push(struct sim_sched *s, struct sim_event *ev, int64_t time);
/* Unschedules a scheduled event (it is not freed). */
void sim_sched_remove(struct sim_sched *s, struct sim_event *ev);
/* The earliest event, unscheduled, with `now` advanced to its time; NULL
 * when the queue is empty. */
struct sim_event *sim_sched_pop(struct sim_sched *s);
/* Time of the earliest event, or INT64_MAX when empty. */
int64_t sim_sched_peek_time(const struct sim_sched *s);
/* How many events are scheduled. */
static inline size_t sim_sched_len(const struct sim_sched *s)
{
	return s->len + s->now_len;
}
/* Calls fn on every scheduled event (in no particular order). */
void sim_sched_each(struct sim_sched *s, void (*fn)(struct sim_event *ev, void *ctx), void *ctx);
static inline bool sim_event_scheduled(const struct sim_event *ev)
{
	return ev->heap_idx != UINT32_MAX;
}

#endif
