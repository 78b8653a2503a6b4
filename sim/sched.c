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
		free(s->heap[i].ev);
	while (s->now_head) {
		struct sim_event *next = s->now_head->next;
		free(s->now_head);
		s->now_head = next;
	}
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

static inline bool before(const struct sim_heap_slot *a, const struct sim_heap_slot *b)
{
	return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static inline void place(struct sim_sched *s, size_t i, struct sim_heap_slot slot)
{
	s->heap[i] = slot;
	slot.ev->heap_idx = (uint32_t)i;
}

/* Four children per node halve the depth of a binary heap; the children of
 * i are 4i+1 .. 4i+4. */
static void sift_up(struct sim_sched *s, size_t i)
{
	struct sim_heap_slot slot = s->heap[i];
	while (i > 0) {
		size_t parent = (i - 1) / 4;
		if (!before(&slot, &s->heap[parent]))
			break;
		place(s, i, s->heap[parent]);
		i = parent;
	}
	place(s, i, slot);
}

/* The smaller of two slots' indexes. */
static inline size_t min_of(const struct sim_heap_slot *h, size_t a, size_t b)
{
	return before(&h[b], &h[a]) ? b : a;
}

static void sift_down(struct sim_sched *s, size_t i)
{
	struct sim_heap_slot *h = s->heap;
	struct sim_heap_slot slot = h[i];
	size_t len = s->len;
	for (;;) {
		size_t first = 4 * i + 1;
		if (first >= len)
			break;
		size_t best;
		if (first + 3 < len) {
			/* All four children: a two-round tournament, whose first
			 * round's comparisons are independent. */
			best = min_of(h, min_of(h, first, first + 1), min_of(h, first + 2, first + 3));
		} else {
			best = first;
			for (size_t c = first + 1; c < len; c++)
				best = min_of(h, best, c);
		}
		if (!before(&h[best], &slot))
			break;
		place(s, i, h[best]);
		i = best;
	}
	place(s, i, slot);
}

void sim_sched_push(struct sim_sched *s, struct sim_event *ev, int64_t time)
{
	assert(!sim_event_scheduled(ev));
	assert(time >= s->now);
	ev->time = time;
	ev->seq = s->next_seq++;
	if (time == s->now) {
		ev->heap_idx = SIM_EVENT_DUE_NOW;
		ev->next = NULL;
		ev->prev = s->now_tail;
		if (s->now_tail)
			s->now_tail->next = ev;
		else
			s->now_head = ev;
		s->now_tail = ev;
		s->now_len++;
		return;
	}
	if (s->len == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->heap = sim_xrealloc(s->heap, s->cap * sizeof *s->heap);
	}
	place(s, s->len++, (struct sim_heap_slot){time, ev->seq, ev});
	sift_up(s, s->len - 1);
}

static void remove_due_now(struct sim_sched *s, struct sim_event *ev)
{
	if (ev->prev)
		ev->prev->next = ev->next;
	else
		s->now_head = ev->next;
	if (ev->next)
		ev->next->prev = ev->prev;
	else
		s->now_tail = ev->prev;
	ev->next = ev->prev = NULL;
	ev->heap_idx = UINT32_MAX;
	s->now_len--;
}

void sim_sched_remove(struct sim_sched *s, struct sim_event *ev)
{
	assert(sim_event_scheduled(ev));
	if (ev->heap_idx == SIM_EVENT_DUE_NOW) {
		remove_due_now(s, ev);
		return;
	}
	size_t i = ev->heap_idx;
	struct sim_heap_slot last = s->heap[--s->len];
	ev->heap_idx = UINT32_MAX;
	if (i == s->len)
		return;
	place(s, i, last);
	if (i > 0 && before(&last, &s->heap[(i - 1) / 4]))
		sift_up(s, i);
	else
		sift_down(s, i);
}

struct sim_event *sim_sched_pop(struct sim_sched *s)
{
	struct sim_event *ev;
	struct sim_event *now = s->now_head;
	if (now && (s->len == 0 || !before(&s->heap[0], &(struct sim_heap_slot){now->time, now->seq, now}))) {
		ev = now;
		remove_due_now(s, ev);
	} else if (s->len) {
		ev = s->heap[0].ev;
		sim_sched_remove(s, ev);
	} else {
		return NULL;
	}
	s->now = ev->time;
	s->fired++;
	return ev;
}

int64_t sim_sched_peek_time(const struct sim_sched *s)
{
	if (s->now_head)
		return s->now_head->time;
	return s->len ? s->heap[0].time : INT64_MAX;
}

void sim_sched_each(struct sim_sched *s, void (*fn)(struct sim_event *ev, void *ctx), void *ctx)
{
	for (size_t i = 0; i < s->len; i++)
		fn(s->heap[i].ev, ctx);
	for (struct sim_event *ev = s->now_head; ev; ev = ev->next)
		fn(ev, ctx);
}
