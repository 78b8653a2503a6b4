#include "cli/serve_extzk.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/util.h"

#define EXT_WORLD_PORT 2181 /* the bridges' port inside the world */
#define EXT_MAX_FRAME (100u << 20)

static int bad(const char *spec, const char *what)
{
	fprintf(stderr, "ksim serve: --zookeeper %s: %s\n", spec, what);
	return 2;
}

/* One "HOST:PORT" of `len` bytes into `sa`. */
static int resolve(const char *spec, const char *p, size_t len, struct sockaddr_in *sa)
{
	char one[300];
	if (len == 0 || len >= sizeof one)
		return bad(spec, "expected HOST:PORT[,HOST:PORT...]");
	memcpy(one, p, len);
	one[len] = 0;
	char *colon = strrchr(one, ':');
	char *end = NULL;
	long port = colon ? strtol(colon + 1, &end, 10) : 0;
	if (!colon || colon == one || !end || *end || end == colon + 1 || port < 1 || port > 65535)
		return bad(spec, "each server is HOST:PORT, the port 1..65535");
	*colon = 0;
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
	int rc = getaddrinfo(one, NULL, &hints, &res);
	if (rc) {
		fprintf(stderr, "ksim serve: --zookeeper %s: %s: %s\n", spec, one,
		        gai_strerror(rc));
		return 2;
	}
	*sa = *(const struct sockaddr_in *)res->ai_addr;
	sa->sin_port = htons((uint16_t)port);
	freeaddrinfo(res);
	return 0;
}

int serve_extzk_parse(struct serve_extzk *x, const char *spec)
{
	memset(x, 0, sizeof *x);
	for (const char *p = spec;;) {
		size_t len = strcspn(p, ",");
		if (x->n == SERVE_EXTZK_MAX)
			return bad(spec, "at most 8 servers");
		if (resolve(spec, p, len, &x->addr[x->n]))
			return 2;
		x->n++;
		if (!p[len])
			break;
		p += len + 1;
	}
	x->spec = sim_xstrdup(spec);
	return 0;
}

static bool aims_at_zk(const struct scn_targets *t)
{
	for (size_t i = 0; i < t->count; i++) {
		enum scn_target_kind k = t->items[i].kind;
		if (k == SCN_TARGET_ZK || k == SCN_TARGET_ZK_LEADER || k == SCN_TARGET_RANDOM_ZK ||
		    k == SCN_TARGET_ZOOKEEPER)
			return true;
	}
	return false;
}

int serve_extzk_refuse(const struct serve_extzk *x, const struct scn_scenario *s, const char *path)
{
	if (!x->n)
		return 0;
	for (size_t i = 0; i < s->fault_count; i++) {
		const struct scn_fault *f = &s->faults[i];
		bool zk = aims_at_zk(&f->targets) || aims_at_zk(&f->partition.from) ||
		          aims_at_zk(&f->partition.to);
		for (size_t g = 0; g < f->partition.group_count; g++)
			zk = zk || aims_at_zk(&f->partition.groups[g]);
		if (zk) {
			fprintf(stderr,
			        "%s:%d:%d: ksim serve --zookeeper: this fault aims at the "
			        "scenario's ZooKeeper servers, which do not run (the brokers "
			        "use the external ensemble)\n",
			        path, f->line, f->column);
			return 2;
		}
	}
	if (s->nemesis.enabled && s->nemesis.targets != SCN_NEMESIS_BROKERS) {
		fprintf(stderr,
		        "%s: ksim serve --zookeeper: the nemesis may only aim at the brokers "
		        "(nemesis.targets: brokers)\n",
		        path);
		return 2;
	}
	return 0;
}

void serve_extzk_configure(const struct serve_extzk *x, struct run *r)
{
	for (int i = 0; i < r->nb; i++) {
		struct brk_config *c = &r->bcfg[i];
		for (int k = 0; k < x->n; k++)
			snprintf(c->zk_servers[k], sizeof c->zk_servers[k], "zk-ext-%d", k + 1);
		c->n_zk_servers = x->n;
		c->zk_port = EXT_WORLD_PORT;
	}
}

static const struct sim_node_class ext_class = {"external", real_outbound_node_start};

void serve_extzk_start(struct serve_extzk *x, struct run *r, struct real_loop *l)
{
	for (int k = 0; k < x->n; k++) {
		char name[32];
		snprintf(name, sizeof name, "zk-ext-%d", k + 1);
		x->bridge[k] = real_outbound_new(l, &x->addr[k], EXT_WORLD_PORT, EXT_MAX_FRAME);
		sim_node_start(r->w, sim_node_add(r->w, name, &ext_class, x->bridge[k]));
	}
}

void serve_extzk_free(struct serve_extzk *x)
{
	for (int k = 0; k < x->n; k++) {
		real_outbound_free(x->bridge[k]);
		x->bridge[k] = NULL;
	}
	free(x->spec);
	x->spec = NULL;
}
