#define _GNU_SOURCE /* accept4 */
#include "cli/serve_ctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness/scn.h"
#include "sim/util.h"

#define LINE_MAX_BYTES 1024
#define ANSWER_BYTES 1200

struct cconn {
	struct real_watch watch;
	struct serve_ctl *c;
	struct cconn *next;
	char buf[LINE_MAX_BYTES];
	size_t len;
};

struct serve_ctl {
	struct real_loop *loop;
	struct real_watch watch;
	char *path;
	struct run *r;
	struct flt_runner *flt;
	uint32_t clients;
	bool real_files; /* --data: power loss cannot be honoured */
	struct cconn *conns;
	char *header; /* the one-fault scenario's cluster and topics */
	/* While a command runs: the nodes its reports named. */
	bool capturing;
	char hit[ANSWER_BYTES];
	char note[200];
};

/* ---- Commands as one-fault scenarios ------------------------------------------------ */

static char *make_header(const struct scn_scenario *s)
{
	size_t cap = 512 + s->topic_count * 200;
	char *h = sim_xmalloc(cap);
	int n = snprintf(h, cap,
	                 "format: 1\nname: ctl\nduration: 1440m\n"
	                 "cluster: {brokers: %d, zookeeper: %d}\n"
	                 "topics:\n",
	                 s->cluster.brokers, s->cluster.zookeeper);
	for (size_t t = 0; t < s->topic_count; t++)
		n += snprintf(h + n, cap - (size_t)n,
		              "  - {name: \"%s\", partitions: %d, replication_factor: %d}\n",
		              s->topics[t].name, s->topics[t].partitions,
		              s->topics[t].replication_factor);
	if (!s->topic_count)
		n += snprintf(h + n, cap - (size_t)n, "  []\n");
	return h;
}

/* Targets, ranges and durations are plain words: no YAML can hide in them. */
static bool word_ok(const char *w)
{
	if (!*w)
		return false;
	for (; *w; w++)
		if (!((*w >= 'a' && *w <= 'z') || (*w >= 'A' && *w <= 'Z') ||
		      (*w >= '0' && *w <= '9') || strchr("-_.:/,", *w)))
			return false;
	return true;
}

/* "a,b/c" -> [["a", "b"], ["c"]] (every word quoted: "leader:T/P" has a colon) */
static void groups_yaml(const char *spec, char *out, size_t size)
{
	size_t n = (size_t)snprintf(out, size, "[[\"");
	for (const char *p = spec; *p && n + 8 < size; p++) {
		if (*p == '/')
			n += (size_t)snprintf(out + n, size - n, "\"], [\"");
		else if (*p == ',')
			n += (size_t)snprintf(out + n, size - n, "\", \"");
		else
			out[n++] = *p;
	}
	snprintf(out + n, size - n, "\"]]");
}

/* The fault mapping for a command line; false with a message. */
static bool to_fault(char **w, int n, char *out, size_t size, char *err, size_t err_size)
{
	const char *a = w[0];
	int rest = n;
	char forpart[64] = "";
	if (n >= 3 && !strcmp(w[n - 2], "for")) {
		snprintf(forpart, sizeof forpart, ", for: \"%s\"", w[n - 1]);
		rest = n - 2;
	}
	char groups[LINE_MAX_BYTES * 2];
	if ((!strcmp(a, "kill") || !strcmp(a, "pause") || !strcmp(a, "restart") ||
	     !strcmp(a, "power-loss") || !strcmp(a, "stop")) &&
	    rest == 2)
		snprintf(out, size, "{at: 0s, %s: \"%s\"%s}", a, w[1], forpart);
	else if (!strcmp(a, "partition") && rest == 3 && !strcmp(w[1], "isolate"))
		snprintf(out, size, "{at: 0s, partition: {isolate: \"%s\"}%s}", w[2], forpart);
	else if (!strcmp(a, "partition") && rest == 3 && !strcmp(w[1], "groups")) {
		groups_yaml(w[2], groups, sizeof groups);
		snprintf(out, size, "{at: 0s, partition: {groups: %s}%s}", groups, forpart);
	} else if (!strcmp(a, "delay") && rest == 3)
		snprintf(out, size, "{at: 0s, delay: {target: \"%s\", latency: \"%s\"}%s}", w[1],
		         w[2], forpart);
	else if (!strcmp(a, "heal") && rest == 2)
		snprintf(out, size, "{at: 0s, heal: \"%s\"}", w[1]);
	else {
		snprintf(err, err_size,
		         "unknown command '%s' (kill, stop, pause, restart, power-loss, "
		         "partition isolate|groups, delay, heal, reset clients)",
		         a);
		return false;
	}
	return true;
}

/* ---- The `clients` target: every external client connection ------------------------- */

static void clients_heal(struct sim_world *w, void *arg)
{
	sim_net_heal(sim_world_net(w));
}

static void clients_undelay(struct sim_world *w, void *arg)
{
	struct serve_ctl *c = arg;
	sim_net_set_delay(sim_world_net(w), c->clients, 0, 0);
}

/*
 * `partition isolate clients [for D]` and `delay clients MIN..MAX [for D]`:
 * the clients are one node of the world (real/real_proxy.h), so isolating
 * it stalls every client connection and delaying it slows each of their
 * frames. Answered here, as the scenario loader has no `clients` target.
 * Returns false when the command is not one of these.
 */
static bool clients_fault(struct serve_ctl *c, char **w, int n, char *answer, size_t size)
{
	bool isolate = n >= 3 && !strcmp(w[0], "partition") && !strcmp(w[1], "isolate") &&
	               !strcmp(w[2], "clients");
	bool delay = n >= 3 && !strcmp(w[0], "delay") && !strcmp(w[1], "clients");
	int base = 3;
	if (!isolate && !delay)
		return false;
	int64_t for_ns = -1;
	struct scn_range lat = {0, 0};
	if (n == base + 2 && !strcmp(w[base], "for")) {
		if (scn_parse_duration(w[base + 1], strlen(w[base + 1]), false, &for_ns)) {
			snprintf(answer, size, "error: 'for' needs a duration such as 5s, got '%s'",
			         w[base + 1]);
			return true;
		}
	} else if (n != base) {
		snprintf(answer, size, "error: usage: %s",
		         isolate ? "partition isolate clients "
		                   "[for DURATION]"
		                 : "delay clients MIN..MAX "
		                   "[for DURATION]");
		return true;
	}
	struct sim_net *net = sim_world_net(c->r->w);
	if (delay) {
		if (scn_parse_range(w[2], strlen(w[2]), &lat)) {
			snprintf(answer, size,
			         "error: a latency range such as 20ms..50ms, got '%s'", w[2]);
			return true;
		}
		sim_net_set_delay(net, c->clients, lat.min_ns, lat.max_ns);
		if (for_ns >= 0)
			sim_world_at(c->r->w, for_ns, clients_undelay, c);
	} else {
		sim_net_isolate(net, c->clients);
		if (for_ns >= 0)
			sim_world_at(c->r->w, for_ns, clients_heal, c);
	}
	printf("%10s  %s clients%s\n", "now", isolate ? "partition" : "delay",
	       for_ns >= 0 ? " (with for)" : "");
	fflush(stdout);
	snprintf(answer, size, "ok clients");
	return true;
}

/* Runs one command line; writes the answer line (without newline). */
static void run_command(struct serve_ctl *c, char *line, char *answer, size_t size)
{
	char *w[8];
	int n = 0;
	for (char *t = strtok(line, " \t\r"); t; t = strtok(NULL, " \t\r")) {
		if (n == 8 || !word_ok(t)) {
			snprintf(answer, size,
			         "error: not a command: words are targets, durations "
			         "and ranges");
			return;
		}
		w[n++] = t;
	}
	if (!n) {
		snprintf(answer, size, "error: empty command");
		return;
	}
	if (n == 2 && !strcmp(w[0], "reset") && !strcmp(w[1], "clients")) {
		sim_net_reset_node(sim_world_net(c->r->w), c->clients);
		snprintf(answer, size, "ok clients");
		return;
	}
	if (clients_fault(c, w, n, answer, size))
		return;
	char fault[LINE_MAX_BYTES * 3], err[300];
	if (!to_fault(w, n, fault, sizeof fault, err, sizeof err)) {
		snprintf(answer, size, "error: %s", err);
		return;
	}
	size_t len = strlen(c->header) + strlen(fault) + 32;
	char *yaml = sim_xmalloc(len);
	snprintf(yaml, len, "%sfaults:\n  - %s\n", c->header, fault);
	struct scn_scenario *s = NULL;
	struct scn_error e;
	if (scn_load_buffer("command", yaml, strlen(yaml), &s, &e) != SCN_OK) {
		snprintf(answer, size, "error: %s", e.message);
	} else if (s->fault_count != 1) {
		snprintf(answer, size, "error: not one fault");
	} else if (s->faults[0].action == SCN_ACTION_POWER_LOSS && c->real_files) {
		snprintf(answer, size,
		         "error: power-loss cannot be honoured on real files (--data)");
	} else {
		c->capturing = true;
		c->hit[0] = c->note[0] = 0;
		bool hit = flt_fire(c->flt, &s->faults[0]);
		c->capturing = false;
		if (hit || !strcmp(w[0], "heal"))
			snprintf(answer, size, "ok%s", c->hit);
		else
			snprintf(answer, size, "error: %s", c->note[0] ? c->note : "no node hit");
	}
	scn_free(s);
	free(yaml);
}

void serve_ctl_saw(struct serve_ctl *c, const struct flt_report *rep)
{
	if (!c || !c->capturing || rep->undo)
		return;
	for (size_t i = 0; i < rep->n_targets; i++) {
		size_t n = strlen(c->hit);
		snprintf(c->hit + n, sizeof c->hit - n, " %s", rep->targets[i]);
	}
	if (rep->note)
		snprintf(c->note, sizeof c->note, "%s", rep->note);
}

/* ---- The socket ---------------------------------------------------------------------- */

static void cconn_close(struct cconn *k)
{
	struct serve_ctl *c = k->c;
	for (struct cconn **pp = &c->conns; *pp; pp = &(*pp)->next)
		if (*pp == k) {
			*pp = k->next;
			break;
		}
	int fd = k->watch.fd;
	real_loop_del(c->loop, &k->watch);
	close(fd);
	real_loop_defer_free(c->loop, k);
}

static void on_conn(struct real_watch *wt, uint32_t events)
{
	struct cconn *k = wt->data;
	ssize_t got = read(wt->fd, k->buf + k->len, sizeof k->buf - 1 - k->len);
	if (got <= 0) {
		if (got < 0 && errno == EAGAIN)
			return;
		cconn_close(k);
		return;
	}
	k->len += (size_t)got;
	char *nl;
	while ((nl = memchr(k->buf, '\n', k->len))) {
		*nl = 0;
		char answer[ANSWER_BYTES + 16];
		run_command(k->c, k->buf, answer, sizeof answer);
		strcat(answer, "\n");
		size_t used = (size_t)(nl + 1 - k->buf);
		memmove(k->buf, nl + 1, k->len - used);
		k->len -= used;
		if (send(wt->fd, answer, strlen(answer), MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
			cconn_close(k);
			return;
		}
	}
	if (k->len == sizeof k->buf - 1) {
		const char *e = "error: line too long\n";
		send(wt->fd, e, strlen(e), MSG_DONTWAIT | MSG_NOSIGNAL);
		cconn_close(k);
	}
}

static void on_accept(struct real_watch *wt, uint32_t events)
{
	struct serve_ctl *c = wt->data;
	int fd = accept4(wt->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	struct cconn *k = sim_xcalloc(1, sizeof *k);
	k->c = c;
	k->watch = (struct real_watch){fd, on_conn, k};
	k->next = c->conns;
	c->conns = k;
	real_loop_add(c->loop, &k->watch, EPOLLIN);
}

struct serve_ctl *serve_ctl_new(struct real_loop *l, const char *path, struct run *r,
                                struct flt_runner *flt, uint32_t clients, bool real_files,
                                char *err, size_t err_size)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sa.sun_path) {
		snprintf(err, err_size, "--control %s: path too long", path);
		return NULL;
	}
	strcpy(sa.sun_path, path);
	struct stat st;
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path); /* a socket left by an earlier run */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, 16)) {
		snprintf(err, err_size, "--control %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	struct serve_ctl *c = sim_xcalloc(1, sizeof *c);
	c->loop = l;
	c->watch = (struct real_watch){fd, on_accept, c};
	c->path = sim_xstrdup(path);
	c->r = r;
	c->flt = flt;
	c->clients = clients;
	c->real_files = real_files;
	c->header = make_header(r->s);
	real_loop_add(l, &c->watch, EPOLLIN);
	return c;
}

void serve_ctl_free(struct serve_ctl *c)
{
	if (!c)
		return;
	while (c->conns)
		cconn_close(c->conns);
	int fd = c->watch.fd;
	real_loop_del(c->loop, &c->watch);
	close(fd);
	unlink(c->path);
	free(c->path);
	free(c->header);
	free(c);
}
