/*
 * bench_real — real-mode throughput: records per second that a librdkafka
 * client (the library under kcat) produces to and consumes from `ksim
 * serve` over loopback. 1 KiB records, acks=1 and acks=all, one broker and
 * three (replication factor = brokers, three ZooKeeper servers), one topic of
 * 3 partitions. Each configuration starts its own `ksim serve` (from $KSIM,
 * default ./ksim), waits for the partition leaders, produces
 * BENCH_REAL_RECORDS records (default 100,000) as fast as librdkafka takes
 * them (linger.ms=5) and times until the last is acknowledged, then reads
 * them all back from the beginning and times that.
 *
 * Floor (issue 15): 50,000 records/s produced with acks=1 on one broker;
 * below it the bench exits 1. The bench owns the child it starts and stops
 * it with SIGTERM whatever happens.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define VALUE_BYTES 1024
#define PARTITIONS 3
#define FLOOR_ACKS1_ONE_BROKER 50000.0

struct serve {
	pid_t pid;
	FILE *out;
	char path[64];
	char bootstrap[512];
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Writes the scenario and starts `ksim serve` on it; 0 or -1. */
static int serve_start(struct serve *s, int brokers, int port)
{
	snprintf(s->path, sizeof s->path, "/tmp/ksim-bench-real-%d.yaml", (int)getpid());
	FILE *f = fopen(s->path, "w");
	if (!f)
		return -1;
	fprintf(f,
	        "format: 1\nname: bench-real\nseed: 1\nduration: 600s\n"
	        "cluster:\n  brokers: %d\n  zookeeper: 3\n"
	        "topics:\n  - name: bench\n    partitions: %d\n    replication_factor: %d\n",
	        brokers, PARTITIONS, brokers);
	fclose(f);
	int fds[2];
	if (pipe(fds))
		return -1;
	const char *ksim = getenv("KSIM") ? getenv("KSIM") : "./ksim";
	char portarg[16], zkport[16];
	snprintf(portarg, sizeof portarg, "%d", port);
	snprintf(zkport, sizeof zkport, "%d", port + 10);
	s->pid = fork();
	if (s->pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		if (!freopen("/dev/null", "w", stderr))
			_exit(127);
		setenv("KSIM_SERVE_ZK_PORT", zkport, 1);
		execl(ksim, ksim, "serve", s->path, "--port", portarg, "--for", "300s",
		      (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	s->out = fdopen(fds[0], "r");
	char line[512];
	while (s->out && fgets(line, sizeof line, s->out)) {
		if (!strncmp(line, "bootstrap.servers=", 18)) {
			line[strcspn(line, "\n")] = 0;
			snprintf(s->bootstrap, sizeof s->bootstrap, "%s", line + 18);
			return 0;
		}
	}
	fprintf(stderr, "bench_real: %s serve printed no bootstrap.servers line\n", ksim);
	return -1;
}

static void serve_stop(struct serve *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
	if (s->out)
		fclose(s->out);
	s->out = NULL;
	unlink(s->path);
}

static rd_kafka_conf_t *conf_new(const char *bootstrap)
{
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	char err[256];
	rd_kafka_conf_set(c, "bootstrap.servers", bootstrap, err, sizeof err);
	rd_kafka_conf_set(c, "log_level", "0", err, sizeof err);
	return c;
}

/* Waits (at most 30 s) until every partition of the topic has a leader. */
static int wait_leaders(rd_kafka_t *rk)
{
	rd_kafka_topic_t *t = rd_kafka_topic_new(rk, "bench", NULL);
	int ok = -1;
	for (int i = 0; i < 60 && ok; i++) {
		const struct rd_kafka_metadata *md;
		if (rd_kafka_metadata(rk, 0, t, &md, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
			if (md->topic_cnt == 1 && md->topics[0].partition_cnt == PARTITIONS) {
				ok = 0;
				for (int p = 0; p < PARTITIONS; p++)
					if (md->topics[0].partitions[p].leader < 0)
						ok = -1;
			}
			rd_kafka_metadata_destroy(md);
		}
		if (ok)
			usleep(500000);
	}
	rd_kafka_topic_destroy(t);
	return ok;
}

static uint64_t g_acked, g_failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	if (m->err)
		g_failed++;
	else
		g_acked++;
}

/* Produces n records; records/s until the last acknowledgement, or -1. */
static double produce(const char *bootstrap, const char *acks, long n)
{
	rd_kafka_conf_t *c = conf_new(bootstrap);
	char err[256];
	rd_kafka_conf_set(c, "acks", acks, err, sizeof err);
	rd_kafka_conf_set(c, "linger.ms", "5", err, sizeof err);
	rd_kafka_conf_set(c, "queue.buffering.max.messages", "200000", err, sizeof err);
	rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
	if (!rk) {
		fprintf(stderr, "bench_real: %s\n", err);
		return -1;
	}
	if (wait_leaders(rk)) {
		fprintf(stderr, "bench_real: the topic's leaders did not come up\n");
		rd_kafka_destroy(rk);
		return -1;
	}
	static char value[VALUE_BYTES];
	memset(value, 'v', sizeof value);
	g_acked = g_failed = 0;
	double t0 = now_s();
	for (long i = 0; i < n;) {
		rd_kafka_resp_err_t e =
		    rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("bench"),
		                      RD_KAFKA_V_VALUE(value, sizeof value), RD_KAFKA_V_END);
		if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			rd_kafka_poll(rk, 1);
			continue;
		}
		if (e) {
			fprintf(stderr, "bench_real: produce: %s\n", rd_kafka_err2str(e));
			break;
		}
		i++;
		rd_kafka_poll(rk, 0);
	}
	rd_kafka_flush(rk, 120000);
	double dt = now_s() - t0;
	rd_kafka_destroy(rk);
	if (g_acked != (uint64_t)n) {
		fprintf(stderr,
		        "bench_real: %" PRIu64 " of %ld records acknowledged (%" PRIu64
		        " failed)\n",
		        g_acked, n, g_failed);
		return -1;
	}
	return (double)n / dt;
}

/* Reads n records from the beginning of every partition; records/s or -1. */
static double consume(const char *bootstrap, long n)
{
	rd_kafka_conf_t *c = conf_new(bootstrap);
	char err[256];
	rd_kafka_conf_set(c, "group.id", "bench-real", err, sizeof err);
	rd_kafka_conf_set(c, "enable.auto.commit", "false", err, sizeof err);
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof err);
	if (!rk) {
		fprintf(stderr, "bench_real: %s\n", err);
		return -1;
	}
	rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(PARTITIONS);
	for (int p = 0; p < PARTITIONS; p++)
		rd_kafka_topic_partition_list_add(parts, "bench", p)->offset =
		    RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_assign(rk, parts);
	rd_kafka_topic_partition_list_destroy(parts);
	long got = 0;
	double t0 = now_s(), deadline = t0 + 120;
	while (got < n && now_s() < deadline) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
		if (!m)
			continue;
		if (!m->err && m->len == VALUE_BYTES)
			got++;
		rd_kafka_message_destroy(m);
	}
	double dt = now_s() - t0;
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	if (got != n) {
		fprintf(stderr, "bench_real: read back %ld of %ld records\n", got, n);
		return -1;
	}
	return (double)n / dt;
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	long n = getenv("BENCH_REAL_RECORDS") ? atol(getenv("BENCH_REAL_RECORDS")) : 100000;
	if (n <= 0) {
		fprintf(stderr, "bench_real: BENCH_REAL_RECORDS must be a positive count\n");
		return 2;
	}
	printf("bench_real: librdkafka %s against ksim serve on loopback, %ld records of "
	       "%d bytes, %d partitions\n",
	       rd_kafka_version_str(), n, VALUE_BYTES, PARTITIONS);
	int rc = 0;
	static const int brokers[] = {1, 3};
	static const char *const acks[] = {"1", "all"};
	for (int b = 0; b < 2 && !rc; b++) {
		for (int a = 0; a < 2 && !rc; a++) {
			struct serve s = {0};
			int port = 30000 + (int)(getpid() % 1000) * 20;
			double prod = -1, cons = -1;
			if (!serve_start(&s, brokers[b], port)) {
				prod = produce(s.bootstrap, acks[a], n);
				if (prod > 0)
					cons = consume(s.bootstrap, n);
			}
			serve_stop(&s);
			if (prod < 0 || cons < 0) {
				rc = 1;
				break;
			}
			printf("  brokers=%d acks=%-3s produce %9.0f records/s (%6.1f MiB/s)  "
			       "consume %9.0f records/s\n",
			       brokers[b], acks[a], prod, prod * VALUE_BYTES / (1 << 20), cons);
			fflush(stdout);
			if (b == 0 && a == 0 && prod < FLOOR_ACKS1_ONE_BROKER) {
				printf("  below the floor: %.0f < %.0f records/s (acks=1, one "
				       "broker)\n",
				       prod, FLOOR_ACKS1_ONE_BROKER);
				rc = 1;
			}
		}
	}
	return rc;
}
