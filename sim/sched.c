#include "sim/sched.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sim/util.h"

void sim_sched_init(struct sim_sched *s)
{
	memset(s, 0, sizeof *s);
}

void sim_sched_destroy(struct sim_sched *s)
{
	for (size_t i = 0; i < s->len; i++)
		free(s->heap[i]);
	free(s->heap);
	while (s->free_list) {
		struct sim_event *next = s->free_list->next;
		free(s->free_list);
		s->free_list = next;
	}
	memset(s, 0, sizeof *s);
}

struct sim_event *sim_event_alloc(struct sim_sched *s)
{
	struct sim_event *ev = s->free_list;
	if (ev)
		s->free_list = ev->next;
	else
		ev = sim_xmalloc(sizeof *ev);
	memset(ev, 0, sizeof *ev);
	ev->heap_idx = UINT32_MAX;
	return ev;
}

void sim_event_free(struct sim_sched *s, struct sim_event *ev)
{
	assert(!sim_event_scheduled(ev));
	ev->next = s->free_list;
	s->free_list = ev;
}

static inline bool before(const struct sim_event *a, const struct sim_event *b)
{
	return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static inline void place(struct sim_sched *s, size_t i, struct sim_event *ev)
{
	s->heap[i] = ev;
	ev->heap_idx = (uint32_t)i;
}

static void sift_up(struct sim_sched *s, size_t i)
{
	struct sim_event *ev = s->heap[i];
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!before(ev, s->heap[parent]))
			break;
		place(s, i, s->heap[parent]);
		i = parent;
	}
	place(s, i, ev);
}

static void sift_down(struct sim_sched *s, size_t i)
{
	struct sim_event *ev = s->heap[i];
	for (;;) {
		size_t child = 2 * i + 1;
		if (child >= s->len)
			break;
		if (child + 1 < s->len && before(s->heap[child + 1], s->heap[child]))
			child++;
		if (!before(s->heap[child], ev))
			break;
		place(s, i, s->heap[child]);
		i = child;
	}
	place(s, i, ev);
}

void sim_sched_push(struct sim_sched *s, struct sim_event *ev, int64_t time)
{
	assert(!sim_event_scheduled(ev));
	assert(time >= s->now);
	if (s->len == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->heap = sim_xrealloc(s->heap, s->cap * sizeof *s->heap);
	}
	ev->time = time;
	ev->seq = s->next_seq++;
	place(s, s->len++, ev);
	sift_up(s, s->len - 1);
}

void sim_sched_remove(struct sim_sched *s, struct sim_event *ev)
{
	assert(sim_event_scheduled(ev));
	size_t i = ev->heap_idx;
	struct sim_event *last = s->heap[--s->len];
	ev->heap_idx = UINT32_MAX;
	if (i == s->len)
		return;
	place(s, i, last);
	if (i > 0 && before(last, s->heap[(i - 1) / 2]))
		sift_up(s, i);
	else
		sift_down(s, i);
}

struct sim_event *sim_sched_pop(struct sim_sched *s)
{
	if (s->len == 0)
		return NULL;
	struct sim_event *ev = s->heap[0];
	sim_sched_remove(s, ev);
	s->now = ev->time;
	s->fired++;
	return ev;
}

int64_t sim_sched_peek_time(const struct sim_sched *s)
{
	return s->len ? s->heap[0]->time : INT64_MAX;
}
