/*
 * `ksim serve FILE [--port BASE] [--for DURATION] [--data DIR] [--workload]
 * [--listen ADDR] [--control PATH] [--zookeeper HOST:PORT,...]`: the scenario's
 * cluster in real time for real clients
 * (docs/real-mode.md). The same ZooKeeper servers, brokers and controller as
 * `ksim run`, built by the same harness code (harness/run_impl.h), driven by
 * real/'s loop: broker-N serves Kafka clients on BASE+N-1 and zk-N serves
 * ZooKeeper clients on 2181+N-1, all on ADDR (127.0.0.1). The scenario's
 * faults fire at their `at` in real time through the same fault runner, and
 * --control PATH takes more on demand (cli/serve_ctl.h, `ksim ctl`).
 * --zookeeper points the brokers at an external ensemble instead of the
 * scenario's ZooKeeper servers (cli/serve_extzk.h).
 *
 * stdout: the `bootstrap.servers=` and `zookeeper.connect=` lines first
 * (flushed), then one line per fault. stderr: errors, and the cluster's
 * story (controller, leader and ISR changes) as it happens.
 * Exit 0 after --for or on SIGINT/SIGTERM; 2 for bad input or a port in use.
 */
#include "cli/commands.h"
#include "cli/serve_ctl.h"
#include "cli/serve_extzk.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "faults/flt.h"
#include "harness/run_impl.h"
#include "harness/scn.h"
#include "real/real_disk.h"
#include "real/real_loop.h"
#include "real/real_proxy.h"
#include "sim/util.h"

/* zk-N serves clients on ZK_BASE_PORT + N - 1; KSIM_SERVE_ZK_PORT moves the
 * base (for test suites that run several servers on one machine). */
#define ZK_BASE_PORT 2181
#define KC_BOOTSTRAP_PORT 9092 /* the port in-process clients bootstrap with */

struct serve_opts {
	const char *path;
	uint16_t port_base;
	int64_t for_ns;
	const char *data_dir;
	bool workload;
	const char *listen;
	const char *control;
	const char *zookeeper; /* --zookeeper: the external ensemble, or NULL */
};

static int parse_args(int argc, char **argv, struct serve_opts *o)
{
	*o = (struct serve_opts){NULL, 9092, INT64_MAX, NULL, false, "127.0.0.1", NULL, NULL};
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--port")) {
			char *end;
			long n = v ? strtol(v, &end, 10) : 0;
			if (!v || *end || n < 1 || n > 65000)
				return cli_usage_error(
				    "serve: --port needs a port number (1..65000)%s", "");
			o->port_base = (uint16_t)n;
			i++;
		} else if (!strcmp(a, "--for")) {
			if (!v || scn_parse_duration(v, strlen(v), false, &o->for_ns) ||
			    o->for_ns <= 0)
				return cli_usage_error(
				    "serve: --for needs a duration such as 30s%s", "");
			i++;
		} else if (!strcmp(a, "--data")) {
			if (!v)
				return cli_usage_error("serve: --data needs a directory%s", "");
			o->data_dir = v;
			i++;
		} else if (!strcmp(a, "--listen")) {
			if (!v)
				return cli_usage_error("serve: --listen needs an IPv4 address%s",
				                       "");
			o->listen = v;
			i++;
		} else if (!strcmp(a, "--control")) {
			if (!v)
				return cli_usage_error("serve: --control needs a socket path%s",
				                       "");
			o->control = v;
			i++;
		} else if (!strcmp(a, "--zookeeper")) {
			if (!v)
				return cli_usage_error(
				    "serve: --zookeeper needs HOST:PORT[,HOST:PORT...]%s", "");
			o->zookeeper = v;
			i++;
		} else if (!strcmp(a, "--workload")) {
			o->workload = true;
		} else if (a[0] == '-' || o->path) {
			return cli_usage_error("serve: unexpected argument '%s'", a);
		} else {
			o->path = a;
		}
	}
	if (!o->path)
		return cli_usage_error("serve: which scenario? (ksim serve FILE)%s", "");
	return 0;
}

/* Faults real mode cannot honour, refused before anything starts. */
static int refuse_faults(const struct scn_scenario *s, const struct serve_opts *o)
{
	if (!o->data_dir)
		return 0; /* the disks are the simulator's: power loss and disk faults hold */
	for (size_t i = 0; i < s->fault_count; i++) {
		const struct scn_fault *f = &s->faults[i];
		if (f->action == SCN_ACTION_POWER_LOSS || f->action == SCN_ACTION_DISK) {
			fprintf(stderr,
			        "%s:%d:%d: ksim serve --data cannot fire '%s': real files "
			        "cannot lose their unsynced writes or fail on demand (serve "
			        "without --data keeps the simulated disks, which can)\n",
			        o->path, f->line, f->column,
			        f->action == SCN_ACTION_DISK ? "disk" : "power-loss");
			return 2;
		}
	}
	uint32_t bad = (1u << SCN_ACTION_POWER_LOSS) | (1u << SCN_ACTION_DISK);
	if (s->nemesis.enabled && (s->nemesis.kinds & bad)) {
		fprintf(stderr,
		        "%s: ksim serve --data cannot fire the nemesis' power-loss or disk "
		        "faults on real files; remove them from nemesis.kinds\n",
		        o->path);
		return 2;
	}
	return 0;
}

static void on_fault(void *ctx, const struct flt_report *rep)
{
	serve_ctl_saw(*(struct serve_ctl **)ctx, rep);
	char tb[32];
	printf("%10s  %s%s", sim_format_time(rep->time_ns, tb, sizeof tb), rep->undo ? "undo " : "",
	       rep->action);
	for (size_t i = 0; i < rep->n_targets; i++)
		printf(" %s", rep->targets[i]);
	printf("%s%s\n", rep->note ? " — " : "", rep->note ? rep->note : "");
	fflush(stdout);
}

static void on_story(void *ctx, int64_t time_ns, const char *node, const char *kind,
                     const char *text)
{
	char tb[32];
	fprintf(stderr, "%10s  %-10s %s: %s\n", sim_format_time(time_ns, tb, sizeof tb), node, kind,
	        text);
}

static uint64_t os_seed(void)
{
	uint64_t seed = 0;
	if (getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed)
		seed = (uint64_t)time(NULL);
	return seed;
}

static void world_config(const struct scn_scenario *s, struct sim_world_config *wc)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	sim_world_config_default(wc, os_seed());
	/* Links between nodes of the process keep the scenario's latency. */
	wc->net.latency_min_ns = s->net_latency.min_ns;
	wc->net.latency_max_ns = s->net_latency.max_ns;
	wc->wall_epoch_ns = (int64_t)ts.tv_sec * SIM_NS_PER_S + ts.tv_nsec;
}

/* The addresses real clients use: routes for the proxy, aliases so that the
 * brokers' advertised host:port also reaches them inside the process. */
static uint16_t zk_base(void)
{
	const char *e = getenv("KSIM_SERVE_ZK_PORT");
	long v = e ? strtol(e, NULL, 10) : 0;
	return v > 0 && v < 65000 ? (uint16_t)v : ZK_BASE_PORT;
}

static struct real_proxy_route *routes_for(struct run *r, const struct serve_opts *o, size_t *n)
{
	struct real_proxy_route *rt = sim_xcalloc((size_t)(r->nb + r->nz) + 1, sizeof *rt);
	struct sim_net *net = sim_world_net(r->w);
	*n = 0;
	for (int i = 0; i < r->nb; i++) {
		uint16_t port = r->bcfg[i].port;
		rt[(*n)++] = (struct real_proxy_route){port, r->names[i], port};
		sim_net_alias(net, o->listen, port, r->brokers[i], port);
		sim_net_alias(net, r->names[i], KC_BOOTSTRAP_PORT, r->brokers[i], port);
	}
	for (int i = 0; !o->zookeeper && i < r->nz; i++)
		rt[(*n)++] = (struct real_proxy_route){(uint16_t)(zk_base() + i),
		                                       sim_node_name(r->w, r->zk[i]),
		                                       r->zcfg[i].client_port};
	return rt;
}

static void print_addresses(const struct run *r, const struct serve_opts *o)
{
	printf("bootstrap.servers=");
	for (int i = 0; i < r->nb; i++)
		printf("%s%s:%u", i ? "," : "", o->listen, r->bcfg[i].port);
	printf("\nzookeeper.connect=%s", o->zookeeper ? o->zookeeper : "");
	for (int i = 0; !o->zookeeper && i < r->nz; i++)
		printf("%s%s:%d", i ? "," : "", o->listen, zk_base() + i);
	printf("\n");
	fflush(stdout);
}

static const struct sim_node_class clients_class = {"clients", real_proxy_node_start};

/* Starts the cluster, serves until --for or a signal, stops. */
static int serve(struct run *r, const struct serve_opts *o, struct serve_extzk *ext)
{
	struct real_loop *loop = real_loop_new(r->w);
	if (!loop) {
		fprintf(stderr, "ksim serve: epoll: %s\n", strerror(errno));
		return 2;
	}
	struct real_disks *disks = NULL;
	char err[300];
	if (o->data_dir && !(disks = real_disks_new(loop, o->data_dir, err, sizeof err))) {
		fprintf(stderr, "ksim serve: %s\n", err);
		real_loop_free(loop);
		return 2;
	}
	size_t n_routes;
	struct real_proxy_route *routes = routes_for(r, o, &n_routes);
	struct real_proxy_config pc;
	real_proxy_config_default(&pc);
	pc.listen_addr = o->listen;
	pc.routes = routes;
	pc.n_routes = n_routes;
	struct real_proxy *proxy = real_proxy_new(loop, &pc, err, sizeof err);
	if (!proxy) {
		fprintf(stderr, "ksim serve: %s\n", err);
		real_disks_free(disks);
		real_loop_free(loop);
		free(routes);
		return 2;
	}
	uint32_t clients = sim_node_add(r->w, "clients", &clients_class, proxy);
	print_addresses(r, o);
	sim_world_set_event_sink(r->w, on_story, NULL);
	if (getenv("KSIM_SERVE_LOG"))
		sim_world_set_log(r->w, stderr, ENV_LOG_INFO);
	for (int i = 0; !o->zookeeper && i < r->nz; i++)
		sim_node_start(r->w, r->zk[i]);
	serve_extzk_start(ext, r, loop);
	for (int i = 0; i < r->nb; i++)
		sim_node_start(r->w, r->brokers[i]);
	sim_node_start(r->w, r->admin);
	sim_node_start(r->w, clients);
	for (int i = 0; i < r->np; i++)
		sim_node_start(r->w, r->producers[i]);
	for (int i = 0; i < r->nc; i++)
		sim_node_start(r->w, r->consumers[i]);
	struct serve_ctl *ctl = NULL;
	struct flt_observer fobs = {&ctl, on_fault};
	struct flt_runner *flt = flt_new(&r->fc, r->s, &fobs);
	if (o->control && !(ctl = serve_ctl_new(loop, o->control, r, flt, clients,
	                                        o->data_dir != NULL, err, sizeof err)))
		fprintf(stderr, "ksim serve: %s (serving without it)\n", err);
	flt_schedule(flt);
	flt_start_nemesis(flt, o->for_ns != INT64_MAX ? o->for_ns : r->s->duration_ns);
	int sig = real_loop_run(loop, o->for_ns);
	fprintf(stderr, "ksim serve: %s, stopping\n",
	        sig == SIGINT    ? "SIGINT"
	        : sig == SIGTERM ? "SIGTERM"
	                         : "time is up");
	serve_ctl_free(ctl);
	real_proxy_free(proxy);
	serve_extzk_free(ext);
	flt_free(flt);
	/* The disks' requests in flight reach the files before the nodes die
	 * with the world. */
	real_disks_drain(disks);
	run_release(r);
	real_disks_free(disks);
	real_loop_free(loop);
	free(routes);
	return 0;
}

int cmd_serve(int argc, char **argv)
{
	struct serve_opts o;
	int rc = parse_args(argc, argv, &o);
	if (rc)
		return rc;
	/* Blocked from the start: a signal during setup still stops cleanly. */
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	struct scn_scenario *s = NULL;
	struct scn_error err;
	if (scn_load_file(o.path, &s, &err) != SCN_OK) {
		fprintf(stderr, "%s\n", err.text);
		return 2;
	}
	struct serve_extzk ext = {0};
	if ((rc = refuse_faults(s, &o)) || (o.zookeeper && serve_extzk_parse(&ext, o.zookeeper)) ||
	    (rc = serve_extzk_refuse(&ext, s, o.path))) {
		serve_extzk_free(&ext);
		scn_free(s);
		return rc ? rc : 2;
	}
	struct run r = {.s = s,
	                .out = stdout,
	                .err = stderr,
	                .port_base = o.port_base,
	                .advertised_host = o.listen,
	                .no_workload = !o.workload};
	FILE *hist = fopen("/dev/null", "w");
	wl_history_init(&r.hist, hist);
	struct sim_world_config wc;
	world_config(s, &wc);
	rc = run_build(&r, &wc);
	/* No checker judges a served run: the ZooKeeper servers' applied
	 * transactions are not kept (they would grow for as long as it runs). */
	for (int i = 0; !rc && i < r.nz; i++)
		r.zcfg[i].observer = NULL;
	if (!rc && o.zookeeper)
		serve_extzk_configure(&ext, &r);
	if (!rc)
		rc = serve(&r, &o, &ext);
	else
		run_release(&r);
	serve_extzk_free(&ext);
	if (hist)
		fclose(hist);
	scn_free(s);
	return rc;
}
