/*
 * real_loop — runs a simulated world in real time: the env's second
 * implementation (real mode, `ksim serve`).
 *
 * The world's scheduler stays the timer heap: node timers, node lifecycle
 * (kill frees the node's memory and drops its timers and requests, pause
 * parks its events) and the in-process links between nodes behave as in a
 * simulated run, but virtual time follows CLOCK_MONOTONIC from the loop's
 * start, so an event due at t fires when t has really elapsed. Between
 * events the loop sleeps in epoll_wait on the file descriptors registered
 * here (client sockets, the file worker's completions, signals), so
 * real sockets and files feed the same world.
 *
 * Ownership: the loop owns its epoll descriptor; watches are the caller's
 * and must stay valid until removed. Everything runs on the loop's thread.
 */
#ifndef KSIM_REAL_LOOP_H
#define KSIM_REAL_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/world.h"

struct real_loop;

/* A file descriptor the loop watches; `fn` gets the epoll event mask. */
struct real_watch {
	int fd;
	void (*fn)(struct real_watch *w, uint32_t events);
	void *data;
};

/* A new loop over `w`; virtual time 0 is now. NULL with errno on failure. */
struct real_loop *real_loop_new(struct sim_world *w);
void real_loop_free(struct real_loop *l);
struct sim_world *real_loop_world(const struct real_loop *l);

/* Adds, changes or removes a watch (EPOLLIN, EPOLLOUT, ...). Return 0 or -errno. */
int real_loop_add(struct real_loop *l, struct real_watch *w, uint32_t events);
int real_loop_mod(struct real_loop *l, struct real_watch *w, uint32_t events);
void real_loop_del(struct real_loop *l, struct real_watch *w);
/* Frees `p` (malloc'd) after the current batch of events: a watch removed
 * in a handler may still have an event waiting in that batch. */
void real_loop_defer_free(struct real_loop *l, void *p);

/* Nanoseconds since the loop started (CLOCK_MONOTONIC). */
int64_t real_loop_elapsed(const struct real_loop *l);

/*
 * Runs until `until_ns` of elapsed time (INT64_MAX: no limit), until
 * real_loop_stop, or until SIGINT or SIGTERM arrives (they are blocked and
 * taken through a signalfd while the loop runs). Returns the signal number
 * that stopped it, or 0.
 */
int real_loop_run(struct real_loop *l, int64_t until_ns);
void real_loop_stop(struct real_loop *l);

#endif
