/*
 * Unit tests for real/: the loop (timers in real time, in deadline order),
 * the proxy (a TCP round trip with the 4-byte prefix added and stripped, a
 * frame trickled in byte by byte, a bad frame and the connection limit
 * closing only the connection concerned, a client leaving mid-request),
 * and the files (write and fsync complete off the submitting call, on the
 * loop's thread, and reach the directory; a killed node's callbacks are
 * dropped while its write still lands), and the outbound bridge (a node's
 * connection carried onto a real socket, prefix added and frames split
 * whole, either side's close reaching the other, a refused connect).
 *
 * Each test builds a small world: an "echo" node that listens in the world
 * and sends every frame back, and the proxy's `clients` node. The test plays
 * a real client over loopback with non-blocking sockets, running the loop
 * for a few milliseconds between steps. Ports are picked by the kernel.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "real/real_disk.h"
#include "real/real_loop.h"
#include "real/real_outbound.h"
#include "real/real_proxy.h"
#include "sim/env.h"
#include "sim/net.h"
#include "sim/util.h"
#include "sim/world.h"

#define MS SIM_NS_PER_MS
#define ECHO_PORT 7000

/* ---- The echo node --------------------------------------------------------------- */

struct echo {
	struct env *env;
	int frames; /* frames received */
	size_t last_len;
	int closed; /* connections that ended */
	struct env_timer timers[3];
	int64_t fired_at[3];
	int order[3];
	int n_fired;
	struct env_file *file;
	struct env_req wreq, freq;
	int wdone, fdone; /* callbacks fired (status + 1000 when not OK) */
	bool in_submit;   /* set while a file request is being submitted */
	bool cb_inside;   /* a callback fired inside its submitting call */
};

static struct echo g_echo; /* the test's view of the node; reset per test */

static void echo_frame(struct env_conn *c, const uint8_t *frame, size_t len)
{
	g_echo.frames++;
	g_echo.last_len = len;
	env_conn_send(c, frame, len);
}

static void echo_closed(struct env_conn *c, int reason)
{
	g_echo.closed++;
}

static const struct env_conn_ops echo_ops = {echo_frame, echo_closed};

static void echo_accept(void *arg, struct env_conn *c)
{
	env_conn_set_ops(c, &echo_ops, NULL);
}

static void *echo_start(struct env *env, const void *config)
{
	g_echo.env = env;
	env_listen(env, ECHO_PORT, echo_accept, NULL);
	return &g_echo;
}

static const struct sim_node_class echo_class = {"echo", echo_start};

/* ---- Fixture --------------------------------------------------------------------------- */

struct fx {
	struct sim_world *w;
	struct real_loop *loop;
	struct real_proxy *proxy;
	struct real_proxy_route route;
	uint32_t echo, clients;
	uint16_t port;
};

static const struct sim_node_class clients_class = {"clients", real_proxy_node_start};

/* A port the kernel says is free now. */
static uint16_t free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	socklen_t n = sizeof sa;
	getsockname(fd, (struct sockaddr *)&sa, &n);
	close(fd);
	return ntohs(sa.sin_port);
}

static void fx_init(struct fx *fx, size_t max_conns)
{
	memset(fx, 0, sizeof *fx);
	memset(&g_echo, 0, sizeof g_echo);
	struct sim_world_config wc;
	sim_world_config_default(&wc, 7);
	fx->w = sim_world_new(&wc);
	fx->loop = real_loop_new(fx->w);
	assert_non_null(fx->loop);
	fx->echo = sim_node_add(fx->w, "echo", &echo_class, NULL);
	fx->port = free_port();
	fx->route = (struct real_proxy_route){fx->port, "echo", ECHO_PORT};
	struct real_proxy_config pc;
	real_proxy_config_default(&pc);
	pc.routes = &fx->route;
	pc.n_routes = 1;
	pc.max_conns = max_conns;
	pc.max_frame_bytes = 1 << 20;
	char err[200];
	fx->proxy = real_proxy_new(fx->loop, &pc, err, sizeof err);
	assert_non_null(fx->proxy);
	fx->clients = sim_node_add(fx->w, "clients", &clients_class, fx->proxy);
	sim_node_start(fx->w, fx->echo);
	sim_node_start(fx->w, fx->clients);
}

static void fx_free(struct fx *fx)
{
	real_proxy_free(fx->proxy);
	sim_world_free(fx->w);
	real_loop_free(fx->loop);
}

/* Runs the loop for `ms` more milliseconds of real time. */
static void spin(struct fx *fx, int ms)
{
	real_loop_run(fx->loop, real_loop_elapsed(fx->loop) + ms * MS);
}

static int client_connect(struct fx *fx)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET,
	                         .sin_port = htons(fx->port),
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	spin(fx, 5);
	return fd;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Reads what the socket has (spinning the loop meanwhile), up to `cap`
 * bytes or `want`; returns the count, or -1 when the proxy closed it. */
static ssize_t client_read(struct fx *fx, int fd, uint8_t *buf, size_t cap, size_t want)
{
	size_t got = 0;
	for (int i = 0; i < 1000 && got < want; i++) { /* up to ~2 s: a loaded machine */
		spin(fx, 2);
		ssize_t n = read(fd, buf + got, cap - got);
		if (n == 0)
			return -1;
		if (n > 0)
			got += (size_t)n;
	}
	return (ssize_t)got;
}

/* ---- Timers ------------------------------------------------------------------------------ */

static struct real_loop *g_loop; /* for the timer callbacks */
static int64_t g_real_at[3];

static void timer_cb(struct env_timer *t)
{
	int i = (int)(intptr_t)t->data;
	g_echo.fired_at[i] = env_now_ns(g_echo.env);
	g_real_at[i] = real_loop_elapsed(g_loop);
	g_echo.order[g_echo.n_fired++] = i;
}

static void test_timers_fire_in_order_in_real_time(void **state)
{
	struct fx fx;
	fx_init(&fx, 8);
	static const int64_t delays[3] = {30 * MS, 10 * MS, 20 * MS};
	g_loop = fx.loop;
	int64_t start = env_now_ns(g_echo.env);
	for (int i = 0; i < 3; i++) {
		g_echo.timers[i].data = (void *)(intptr_t)i;
		env_timer_start(g_echo.env, &g_echo.timers[i], delays[i], timer_cb);
	}
	spin(&fx, 60);
	assert_int_equal(g_echo.n_fired, 3);
	assert_int_equal(g_echo.order[0], 1);
	assert_int_equal(g_echo.order[1], 2);
	assert_int_equal(g_echo.order[2], 0);
	/* Each fired at its deadline on the env's clock, and no earlier in
	 * real time: the loop's clock is CLOCK_MONOTONIC. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(g_echo.fired_at[i], start + delays[i]);
		assert_true(g_real_at[i] >= start + delays[i]);
	}
	fx_free(&fx);
}

/* ---- The proxy ---------------------------------------------------------------------------- */

static void test_tcp_echo_round_trip_with_framing(void **state)
{
	struct fx fx;
	fx_init(&fx, 8);
	int fd = client_connect(&fx);
	uint8_t out[4 + 5] = {0};
	put32(out, 5);
	memcpy(out + 4, "hello", 5);
	assert_int_equal(write(fd, out, sizeof out), (ssize_t)sizeof out);
	uint8_t in[64];
	assert_int_equal(client_read(&fx, fd, in, sizeof in, 9), 9);
	assert_memory_equal(in, out, 9); /* the prefix added back, the payload whole */
	assert_int_equal(g_echo.frames, 1);
	assert_int_equal(g_echo.last_len, 5); /* the node saw the payload only */
	close(fd);
	spin(&fx, 10);
	assert_int_equal(real_proxy_conns(fx.proxy), 0);
	fx_free(&fx);
}

static void test_frame_trickled_byte_by_byte_arrives_whole(void **state)
{
	struct fx fx;
	fx_init(&fx, 8);
	int fd = client_connect(&fx);
	uint8_t out[4 + 300];
	put32(out, 300);
	for (int i = 0; i < 300; i++)
		out[4 + i] = (uint8_t)i;
	/* Two frames back to back, the first byte by byte, the second with it. */
	for (size_t i = 0; i < sizeof out - 1; i += 37) {
		size_t n = sizeof out - 1 - i < 37 ? sizeof out - 1 - i : 37;
		assert_int_equal(write(fd, out + i, n), (ssize_t)n);
		spin(&fx, 1);
		assert_int_equal(g_echo.frames, 0);
	}
	uint8_t two[2 * sizeof out];
	memcpy(two, out + sizeof out - 1, 1);
	memcpy(two + 1, out, sizeof out);
	assert_int_equal(write(fd, two, 1 + sizeof out), (ssize_t)(1 + sizeof out));
	uint8_t in[2 * sizeof out];
	assert_int_equal(client_read(&fx, fd, in, sizeof in, sizeof in), (ssize_t)sizeof in);
	assert_int_equal(g_echo.frames, 2);
	assert_memory_equal(in, out, sizeof out);
	assert_memory_equal(in + sizeof out, out, sizeof out);
	close(fd);
	fx_free(&fx);
}

static void test_bad_frame_closes_only_that_connection(void **state)
{
	struct fx fx;
	fx_init(&fx, 8);
	int good = client_connect(&fx);
	int bad = client_connect(&fx);
	uint8_t hdr[4];
	put32(hdr, (2u << 20)); /* over the 1 MiB limit of the fixture */
	assert_int_equal(write(bad, hdr, 4), 4);
	uint8_t in[16];
	assert_int_equal(client_read(&fx, bad, in, sizeof in, 1), -1);
	assert_int_equal(real_proxy_bad_frames(fx.proxy), 1);
	put32(hdr, 0x80000000u); /* negative as Kafka's int32 */
	int bad2 = client_connect(&fx);
	assert_int_equal(write(bad2, hdr, 4), 4);
	assert_int_equal(client_read(&fx, bad2, in, sizeof in, 1), -1);
	assert_int_equal(real_proxy_bad_frames(fx.proxy), 2);
	uint8_t out[5] = {0, 0, 0, 1, 'x'};
	assert_int_equal(write(good, out, 5), 5);
	assert_int_equal(client_read(&fx, good, in, sizeof in, 5), 5);
	assert_memory_equal(in, out, 5);
	assert_int_equal(real_proxy_conns(fx.proxy), 1);
	close(good);
	close(bad);
	close(bad2);
	fx_free(&fx);
}

static void test_connection_limit(void **state)
{
	struct fx fx;
	fx_init(&fx, 2);
	int a = client_connect(&fx), b = client_connect(&fx), c = client_connect(&fx);
	uint8_t in[8];
	assert_int_equal(client_read(&fx, c, in, sizeof in, 1), -1); /* closed at accept */
	assert_int_equal(real_proxy_conns(fx.proxy), 2);
	close(a);
	spin(&fx, 10);
	int d = client_connect(&fx); /* room again */
	uint8_t out[5] = {0, 0, 0, 1, 'y'};
	assert_int_equal(write(d, out, 5), 5);
	assert_int_equal(client_read(&fx, d, in, sizeof in, 5), 5);
	close(b);
	close(c);
	close(d);
	fx_free(&fx);
}

static void test_client_leaving_mid_request_costs_nothing(void **state)
{
	struct fx fx;
	fx_init(&fx, 8);
	int fd = client_connect(&fx);
	uint8_t half[4 + 10] = {0};
	put32(half, 100); /* promises 100 bytes, sends 10, leaves */
	assert_int_equal(write(fd, half, sizeof half), (ssize_t)sizeof half);
	spin(&fx, 5);
	close(fd);
	spin(&fx, 20);
	assert_int_equal(real_proxy_conns(fx.proxy), 0);
	assert_int_equal(g_echo.frames, 0);
	assert_int_equal(g_echo.closed, 1); /* the node's end closed too */
	assert_int_equal(sim_net_conn_count(sim_world_net(fx.w)), 0);
	fx_free(&fx);
}

static void test_killed_node_closes_client_socket(void **state)
{
	struct fx fx;
	fx_init(&fx, 8);
	int fd = client_connect(&fx);
	sim_node_kill(fx.w, fx.echo);
	uint8_t in[8];
	assert_int_equal(client_read(&fx, fd, in, sizeof in, 1), -1);
	assert_int_equal(real_proxy_conns(fx.proxy), 0);
	close(fd);
	fx_free(&fx);
}

/* ---- Addresses ------------------------------------------------------------------------- */

static int g_connect_status = 1;

static void alias_connected(struct env_conn *c, int status)
{
	g_connect_status = status;
	if (status == ENV_OK)
		env_conn_close(c);
}

static const struct env_conn_ops quiet_ops = {echo_frame, echo_closed};

/* An alias makes "127.0.0.1:PORT" reach a node's port inside the world, as
 * brokers advertise themselves in real mode; without one it names nothing. */
static void test_alias_names_a_node_port(void **state)
{
	struct fx fx;
	fx_init(&fx, 8);
	struct env *env = g_echo.env;
	env_connect(env, "127.0.0.1", 19093, &quiet_ops, NULL, alias_connected);
	spin(&fx, 20);
	assert_int_equal(g_connect_status, ENV_EHOSTUNREACH);
	sim_net_alias(sim_world_net(fx.w), "127.0.0.1", 19093, fx.echo, ECHO_PORT);
	g_connect_status = 1;
	env_connect(env, "127.0.0.1", 19093, &quiet_ops, NULL, alias_connected);
	spin(&fx, 20);
	assert_int_equal(g_connect_status, ENV_OK);
	g_connect_status = 1;
	env_connect(env, "127.0.0.1", 19094, &quiet_ops, NULL, alias_connected);
	spin(&fx, 20);
	assert_int_equal(g_connect_status, ENV_EHOSTUNREACH); /* another port: no alias */
	fx_free(&fx);
}

/* ---- Outbound bridge ------------------------------------------------------------------------- */

struct rec {
	int connected; /* connect status + 1000, or 0 */
	int frames, closed, close_reason;
	size_t lens[4];
	uint8_t last[16];
};
static struct rec g_rec;

static void rec_frame(struct env_conn *c, const uint8_t *frame, size_t len)
{
	if (g_rec.frames < 4)
		g_rec.lens[g_rec.frames] = len;
	memcpy(g_rec.last, frame, len < sizeof g_rec.last ? len : sizeof g_rec.last);
	g_rec.frames++;
}

static void rec_closed(struct env_conn *c, int reason)
{
	g_rec.closed++;
	g_rec.close_reason = reason;
}

static const struct env_conn_ops rec_ops = {rec_frame, rec_closed};

static void rec_connected(struct env_conn *c, int status)
{
	g_rec.connected = status + 1000;
}

static const struct sim_node_class ext_class = {"external", real_outbound_node_start};

/* A node of the world (here the echo node's env) connects to "ext"; the
 * bridge opens a real socket to the test's server for it. */
static void test_outbound_bridges_a_node_connection(void **state)
{
	struct fx fx;
	fx_init(&fx, 8);
	memset(&g_rec, 0, sizeof g_rec);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
	socklen_t sl = sizeof sa;
	getsockname(lfd, (struct sockaddr *)&sa, &sl);
	assert_int_equal(listen(lfd, 4), 0);
	struct real_outbound *ob = real_outbound_new(fx.loop, &sa, 2181, 1 << 20);
	sim_node_start(fx.w, sim_node_add(fx.w, "ext", &ext_class, ob));
	struct env_conn *c = env_connect(g_echo.env, "ext", 2181, &rec_ops, NULL, rec_connected);
	spin(&fx, 20);
	assert_int_equal(g_rec.connected, 1000);
	int sfd = accept(lfd, NULL, NULL);
	assert_true(sfd >= 0);
	fcntl(sfd, F_SETFL, O_NONBLOCK);
	assert_int_equal(real_outbound_conns(ob), 1);
	/* Node -> server: the prefix is added. */
	assert_int_equal(env_conn_send(c, "hello", 5), ENV_OK);
	uint8_t buf[64];
	assert_int_equal(client_read(&fx, sfd, buf, sizeof buf, 9), 9);
	assert_int_equal(memcmp(buf, "\0\0\0\5hello", 9), 0);
	/* Server -> node: two frames, written split mid-prefix, arrive whole. */
	uint8_t out[4 + 3 + 4 + 2];
	put32(out, 3);
	memcpy(out + 4, "abc", 3);
	put32(out + 7, 2);
	memcpy(out + 11, "xy", 2);
	assert_int_equal(write(sfd, out, 2), 2);
	spin(&fx, 10);
	assert_int_equal(g_rec.frames, 0);
	assert_int_equal(write(sfd, out + 2, sizeof out - 2), (ssize_t)sizeof out - 2);
	for (int i = 0; i < 200 && g_rec.frames < 2; i++)
		spin(&fx, 5);
	assert_int_equal(g_rec.frames, 2);
	assert_true(g_rec.lens[0] == 3 && g_rec.lens[1] == 2);
	assert_int_equal(memcmp(g_rec.last, "xy", 2), 0);
	/* The server's close ends the node's connection. */
	close(sfd);
	for (int i = 0; i < 200 && !g_rec.closed; i++)
		spin(&fx, 5);
	assert_int_equal(g_rec.closed, 1);
	assert_int_equal(real_outbound_conns(ob), 0);

	/* The node's close reaches the server as end of stream. */
	memset(&g_rec, 0, sizeof g_rec);
	c = env_connect(g_echo.env, "ext", 2181, &rec_ops, NULL, rec_connected);
	spin(&fx, 20);
	sfd = accept(lfd, NULL, NULL);
	assert_true(sfd >= 0);
	fcntl(sfd, F_SETFL, O_NONBLOCK);
	env_conn_send(c, "bye", 3);
	env_conn_close(c);
	assert_int_equal(client_read(&fx, sfd, buf, sizeof buf, 64), -1); /* data, then EOF */
	close(sfd);

	/* Nothing listens: the bridged connection ends. */
	close(lfd);
	memset(&g_rec, 0, sizeof g_rec);
	env_connect(g_echo.env, "ext", 2181, &rec_ops, NULL, rec_connected);
	for (int i = 0; i < 200 && !g_rec.closed; i++)
		spin(&fx, 5);
	assert_int_equal(g_rec.closed, 1);
	assert_int_equal(real_outbound_conns(ob), 0);
	real_outbound_free(ob);
	fx_free(&fx);
}

/* ---- Files -------------------------------------------------------------------------------- */

static void write_cb(struct env_req *req, int status)
{
	g_echo.cb_inside |= g_echo.in_submit;
	g_echo.wdone = status == ENV_OK ? 1 : 1000 + status;
}

static void fsync_cb(struct env_req *req, int status)
{
	g_echo.cb_inside |= g_echo.in_submit;
	g_echo.fdone = status == ENV_OK ? 1 : 1000 + status;
}

static void list_one(void *arg, const char *name, bool is_dir)
{
	char *names = arg;
	strcat(names, name);
	strcat(names, is_dir ? "/" : "");
}

static void test_files_complete_off_the_submitting_call(void **state)
{
	struct fx fx;
	fx_init(&fx, 8);
	char dir[] = "/tmp/ksim-test-real-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char err[200];
	struct real_disks *d = real_disks_new(fx.loop, dir, err, sizeof err);
	assert_non_null(d);
	struct env *env = g_echo.env;
	assert_int_equal(env_mkdirs(env, "/data/t"), ENV_OK);
	assert_int_equal(env_file_open(env, "/data/t/f", ENV_O_CREATE, &g_echo.file), ENV_OK);
	g_echo.in_submit = true;
	assert_int_equal(env_file_append(&g_echo.wreq, g_echo.file, "abcdef", 6, write_cb), 0);
	assert_int_equal(env_file_fsync(&g_echo.freq, g_echo.file, fsync_cb), 0);
	g_echo.in_submit = false;
	assert_int_equal(g_echo.wdone, 0);
	assert_int_equal(env_file_size(g_echo.file), 0); /* not completed yet */
	for (int i = 0; i < 2500 && !g_echo.fdone; i++)  /* fsync: up to ~5 s */
		spin(&fx, 2);
	assert_false(g_echo.cb_inside);
	assert_int_equal(g_echo.wdone, 1);
	assert_int_equal(g_echo.fdone, 1);
	assert_int_equal(g_echo.wreq.result, 0); /* appended at offset 0 */
	assert_int_equal(env_file_size(g_echo.file), 6);
	char buf[8] = {0};
	assert_int_equal(env_file_read(g_echo.file, 0, buf, sizeof buf), 6);
	assert_string_equal(buf, "abcdef");
	/* A second handle on the file sees what the first one's writes made of
	 * it, as handles on one inode do. */
	struct env_file *other;
	assert_int_equal(env_file_open(env, "/data/t/f", 0, &other), ENV_OK);
	g_echo.wdone = 0;
	assert_int_equal(env_file_truncate(&g_echo.wreq, g_echo.file, 3, write_cb), 0);
	for (int i = 0; i < 1000 && !g_echo.wdone; i++)
		spin(&fx, 2);
	assert_int_equal(g_echo.wdone, 1);
	assert_int_equal(env_file_size(other), 3);
	g_echo.wdone = 0;
	assert_int_equal(env_file_append(&g_echo.wreq, other, "def", 3, write_cb), 0);
	for (int i = 0; i < 1000 && !g_echo.wdone; i++)
		spin(&fx, 2);
	assert_int_equal(g_echo.wreq.result, 3); /* appended at the shared end */
	assert_int_equal(env_file_size(g_echo.file), 6);
	env_file_close(other);
	memset(buf, 0, sizeof buf);
	assert_int_equal(env_file_read(g_echo.file, 0, buf, sizeof buf), 6);
	assert_string_equal(buf, "abcdef");
	/* On disk, under DATA/NODE/. */
	char path[200];
	snprintf(path, sizeof path, "%s/echo/data/t/f", dir);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 6);
	assert_true(env_exists(env, "/data/t/f"));
	assert_false(env_exists(env, "/data/t/g"));
	char names[64] = "";
	assert_int_equal(env_list_dir(env, "/data", list_one, names), 1);
	assert_string_equal(names, "t/"); /* a directory */
	assert_int_equal(env_list_dir(env, "/nope", list_one, names), ENV_ENOENT);
	assert_int_equal(env_mkdir(env, "/empty"), ENV_OK);
	assert_int_equal(env_list_dir(env, "/empty", list_one, names), 0);
	assert_int_equal(env_mkdir(env, "/empty"), ENV_EEXIST);

	/* A killed node's request reaches the file; its callback is dropped. */
	g_echo.wdone = 0;
	assert_int_equal(env_file_append(&g_echo.wreq, g_echo.file, "gh", 2, write_cb), 0);
	sim_node_kill(fx.w, fx.echo);
	real_disks_drain(d);
	spin(&fx, 10);
	assert_int_equal(g_echo.wdone, 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 8);

	real_proxy_free(fx.proxy);
	fx.proxy = NULL;
	real_disks_drain(d);
	sim_world_free(fx.w);
	fx.w = NULL;
	real_disks_free(d);
	real_loop_free(fx.loop);
	unlink(path);
	snprintf(path, sizeof path, "%s/echo/data/t", dir);
	rmdir(path);
	snprintf(path, sizeof path, "%s/echo/data", dir);
	rmdir(path);
	snprintf(path, sizeof path, "%s/echo/empty", dir);
	rmdir(path);
	snprintf(path, sizeof path, "%s/echo", dir);
	rmdir(path);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_timers_fire_in_order_in_real_time),
	    cmocka_unit_test(test_tcp_echo_round_trip_with_framing),
	    cmocka_unit_test(test_frame_trickled_byte_by_byte_arrives_whole),
	    cmocka_unit_test(test_bad_frame_closes_only_that_connection),
	    cmocka_unit_test(test_connection_limit),
	    cmocka_unit_test(test_client_leaving_mid_request_costs_nothing),
	    cmocka_unit_test(test_killed_node_closes_client_socket),
	    cmocka_unit_test(test_alias_names_a_node_port),
	    cmocka_unit_test(test_outbound_bridges_a_node_connection),
	    cmocka_unit_test(test_files_complete_off_the_submitting_call),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
