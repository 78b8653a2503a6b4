#include "real/real_loop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "sim/util.h"

#define MAX_EVENTS 64
/* The longest sleep without a due event: keeps `--for` and stop prompt. */
#define MAX_SLEEP_MS 200

struct real_loop {
	struct sim_world *w;
	int ep;
	int64_t t0;
	bool stop;
	int signal;
	void **graveyard;
	size_t n_grave, cap_grave;
};

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct real_loop *real_loop_new(struct sim_world *w)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return NULL;
	struct real_loop *l = sim_xcalloc(1, sizeof *l);
	l->w = w;
	l->ep = ep;
	l->t0 = mono_ns();
	return l;
}

static void bury(struct real_loop *l)
{
	for (size_t i = 0; i < l->n_grave; i++)
		free(l->graveyard[i]);
	l->n_grave = 0;
}

void real_loop_free(struct real_loop *l)
{
	if (!l)
		return;
	bury(l);
	free(l->graveyard);
	close(l->ep);
	free(l);
}

struct sim_world *real_loop_world(const struct real_loop *l)
{
	return l->w;
}

int real_loop_add(struct real_loop *l, struct real_watch *w, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};
	return epoll_ctl(l->ep, EPOLL_CTL_ADD, w->fd, &ev) ? -errno : 0;
}

int real_loop_mod(struct real_loop *l, struct real_watch *w, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};
	return epoll_ctl(l->ep, EPOLL_CTL_MOD, w->fd, &ev) ? -errno : 0;
}

void real_loop_del(struct real_loop *l, struct real_watch *w)
{
	if (w->fd >= 0)
		epoll_ctl(l->ep, EPOLL_CTL_DEL, w->fd, NULL);
	w->fd = -1; /* an event still in this batch for it is skipped */
}

void real_loop_defer_free(struct real_loop *l, void *p)
{
	if (l->n_grave == l->cap_grave) {
		l->cap_grave = l->cap_grave ? l->cap_grave * 2 : 16;
		l->graveyard = sim_xrealloc(l->graveyard, l->cap_grave * sizeof *l->graveyard);
	}
	l->graveyard[l->n_grave++] = p;
}

int64_t real_loop_elapsed(const struct real_loop *l)
{
	return mono_ns() - l->t0;
}

void real_loop_stop(struct real_loop *l)
{
	l->stop = true;
}

static void on_signal(struct real_watch *w, uint32_t events)
{
	struct real_loop *l = w->data;
	struct signalfd_siginfo si;
	if (read(w->fd, &si, sizeof si) == (ssize_t)sizeof si) {
		l->signal = (int)si.ssi_signo;
		l->stop = true;
	}
}

/* How long to sleep: until the next event, `until`, or MAX_SLEEP_MS. */
static int sleep_ms(const struct real_loop *l, int64_t now, int64_t until)
{
	int64_t next = sim_next_event_time(l->w);
	if (until < next)
		next = until;
	if (next <= now)
		return 0;
	int64_t ms = (next - now + 999999) / 1000000;
	return ms > MAX_SLEEP_MS ? MAX_SLEEP_MS : (int)ms;
}

int real_loop_run(struct real_loop *l, int64_t until_ns)
{
	sigset_t mask, old;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, &old);
	struct real_watch sw = {signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC), on_signal, l};
	if (sw.fd >= 0)
		real_loop_add(l, &sw, EPOLLIN);
	l->stop = false;
	l->signal = 0;
	struct epoll_event evs[MAX_EVENTS];
	while (!l->stop) {
		int64_t now = real_loop_elapsed(l);
		if (now >= until_ns)
			break;
		sim_run_until(l->w, now);
		int n = epoll_wait(l->ep, evs, MAX_EVENTS, sleep_ms(l, now, until_ns));
		if (n < 0 && errno != EINTR)
			break;
		/* The world's clock reads now while the handlers feed it. */
		now = real_loop_elapsed(l);
		sim_run_until(l->w, now < until_ns ? now : until_ns);
		for (int i = 0; i < n; i++) {
			struct real_watch *w = evs[i].data.ptr;
			if (w->fd >= 0)
				w->fn(w, evs[i].events);
		}
		bury(l);
	}
	if (sw.fd >= 0) {
		int fd = sw.fd;
		real_loop_del(l, &sw);
		close(fd);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return l->signal;
}
