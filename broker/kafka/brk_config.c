#include "broker/kafka/brk_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LONG_MAX_VALUE 9223372036854775807LL

void brk_config_default(struct brk_config *c)
{
	memset(c, 0, sizeof *c);
	c->broker_id = 0;
	c->port = 9092;
	c->log_dir = "/data";
	c->zk_port = 2181;
	c->zk_session_timeout_ms = 18000;
	c->num_partitions = 1;
	c->default_replication_factor = 1;
	c->min_insync_replicas = 1;
	c->unclean_leader_election = false;
	c->replica_lag_time_max_ms = 30000;
	c->replica_fetch_wait_max_ms = 500;
	c->auto_leader_rebalance = true;
	c->leader_imbalance_check_s = 300;
	c->leader_imbalance_pct = 10;
	c->controller_socket_timeout_ms = 30000;
	c->segment_bytes = 1LL << 30;
	c->segment_ms = 7LL * 24 * 3600 * 1000;
	c->retention_ms = 7LL * 24 * 3600 * 1000;
	c->retention_bytes = -1;
	c->flush_interval_messages = LONG_MAX_VALUE;
	c->flush_interval_ms = LONG_MAX_VALUE;
	c->index_interval_bytes = 4096;
	c->retention_check_ms = 300000;
	c->socket_request_max_bytes = 100LL << 20;
	c->queued_max_requests = 500;
	c->offsets_topic_partitions = 50;
	c->offsets_topic_replication = 3;
	c->offsets_commit_timeout_ms = 5000;
	c->group_min_session_timeout_ms = 6000;
	c->group_max_session_timeout_ms = 1800000;
}

enum kind { K_I64, K_I32, K_I16, K_BOOL, K_PORT, K_DIRS, K_ZK, K_IBP };

struct key {
	const char *name;
	enum kind kind;
	size_t offset;
	int64_t min;
	int64_t max;
};

#define F(field) offsetof(struct brk_config, field)

static const struct key keys[] = {
	{"broker.id", K_I32, F(broker_id), 0, 2147483647},
	{"port", K_PORT, F(port), 1, 65535},
	{"listeners", K_PORT, F(port), 1, 65535},
	{"log.dirs", K_DIRS, F(log_dir), 0, 0},
	{"log.dir", K_DIRS, F(log_dir), 0, 0},
	{"zookeeper.connect", K_ZK, 0, 0, 0},
	{"zookeeper.session.timeout.ms", K_I64, F(zk_session_timeout_ms), 1, 2147483647},
	{"num.partitions", K_I32, F(num_partitions), 1, 2147483647},
	{"default.replication.factor", K_I16, F(default_replication_factor), 1, 32767},
	{"min.insync.replicas", K_I32, F(min_insync_replicas), 1, 2147483647},
	{"unclean.leader.election.enable", K_BOOL, F(unclean_leader_election), 0, 1},
	{"replica.lag.time.max.ms", K_I64, F(replica_lag_time_max_ms), 0, LONG_MAX_VALUE},
	{"replica.fetch.wait.max.ms", K_I64, F(replica_fetch_wait_max_ms), 0, 2147483647},
	{"auto.leader.rebalance.enable", K_BOOL, F(auto_leader_rebalance), 0, 1},
	{"leader.imbalance.check.interval.seconds", K_I64, F(leader_imbalance_check_s), 1,
	 LONG_MAX_VALUE / 1000000000},
	{"leader.imbalance.per.broker.percentage", K_I32, F(leader_imbalance_pct), 0, 100},
	{"controller.socket.timeout.ms", K_I64, F(controller_socket_timeout_ms), 1, 2147483647},
	{"log.segment.bytes", K_I64, F(segment_bytes), 14, 2147483647},
	{"log.roll.ms", K_I64, F(segment_ms), 1, LONG_MAX_VALUE},
	{"log.retention.ms", K_I64, F(retention_ms), -1, LONG_MAX_VALUE},
	{"log.retention.bytes", K_I64, F(retention_bytes), -1, LONG_MAX_VALUE},
	{"log.flush.interval.messages", K_I64, F(flush_interval_messages), 1, LONG_MAX_VALUE},
	{"log.flush.interval.ms", K_I64, F(flush_interval_ms), 0, LONG_MAX_VALUE},
	{"log.index.interval.bytes", K_I64, F(index_interval_bytes), 0, 2147483647},
	{"log.retention.check.interval.ms", K_I64, F(retention_check_ms), 1, LONG_MAX_VALUE},
	{"socket.request.max.bytes", K_I64, F(socket_request_max_bytes), 1, 2147483647},
	{"queued.max.requests", K_I32, F(queued_max_requests), 1, 2147483647},
	{"offsets.topic.num.partitions", K_I32, F(offsets_topic_partitions), 1, 100000},
	{"offsets.topic.replication.factor", K_I16, F(offsets_topic_replication), 1, 32767},
	{"offsets.commit.timeout.ms", K_I32, F(offsets_commit_timeout_ms), 1, 2147483647},
	{"group.min.session.timeout.ms", K_I32, F(group_min_session_timeout_ms), 0, 2147483647},
	{"group.max.session.timeout.ms", K_I32, F(group_max_session_timeout_ms), 0, 2147483647},
	{"inter.broker.protocol.version", K_IBP, F(legacy_truncation), 0, 0},
};

static const struct key *find(const char *name)
{
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

bool brk_config_known(const char *key)
{
	return find(key) != NULL;
}

static int fail(char *err, size_t size, const char *key, const char *what)
{
	if (err)
		snprintf(err, size, "%s: %s", key, what);
	return BRK_CONFIG_EINVAL;
}

/* "zk-1:2181,zk-2:2181/chroot": host names, one port for all. */
static int set_zk(struct brk_config *c, const char *value, char *err, size_t size)
{
	int n = 0;
	const char *p = value;
	while (*p && *p != '/') {
		const char *end = p + strcspn(p, ",/");
		const char *colon = memchr(p, ':', (size_t)(end - p));
		size_t host_len = (size_t)((colon ? colon : end) - p);
		if (host_len == 0 || host_len >= sizeof c->zk_servers[0] || n == BRK_MAX_ZK)
			return fail(err, size, "zookeeper.connect",
				    "expected host:port,host:port (at most 8 servers)");
		memcpy(c->zk_servers[n], p, host_len);
		c->zk_servers[n][host_len] = 0;
		if (colon) {
			long port = strtol(colon + 1, NULL, 10);
			if (port < 1 || port > 65535)
				return fail(err, size, "zookeeper.connect", "bad port");
			c->zk_port = (uint16_t)port;
		}
		n++;
		p = *end == ',' ? end + 1 : end;
	}
	if (!n)
		return fail(err, size, "zookeeper.connect", "no server given");
	c->n_zk_servers = n;
	return BRK_CONFIG_OK;
}

/*
 * inter.broker.protocol.version: "MAJOR.MINOR[...]". Only its effect on a
 * follower's truncation is modelled (docs/replication.md): before 0.11 to
 * the high watermark, from 0.11 to 1.1 KIP-101's single round, from 2.0 on
 * KIP-279's iterated rounds.
 */
static int set_ibp(struct brk_config *c, const char *value, char *err, size_t size)
{
	char *end;
	long major = strtol(value, &end, 10);
	long minor = *end == '.' ? strtol(end + 1, &end, 10) : -1;
	if (end == value || minor < 0 || major < 0)
		return fail(err, size, "inter.broker.protocol.version",
			    "expected a Kafka version such as 0.10.2, 1.1 or 3.6");
	if (major == 0 && minor < 11)
		c->legacy_truncation = 2;
	else if (major < 2)
		c->legacy_truncation = 1;
	else
		c->legacy_truncation = 0;
	return BRK_CONFIG_OK;
}

static int parse_int(const struct key *k, const char *value, int64_t *out, char *err,
		     size_t size)
{
	char *end;
	errno = 0;
	const char *v = value;
	if (k->kind == K_PORT && strrchr(v, ':'))
		v = strrchr(v, ':') + 1; /* listeners=PLAINTEXT://:9092 */
	long long x = strtoll(v, &end, 10);
	if (errno || end == v || *end) {
		char what[96];
		snprintf(what, sizeof what, "expected an integer, got '%s'", value);
		return fail(err, size, k->name, what);
	}
	if (x < k->min || x > k->max) {
		char what[96];
		snprintf(what, sizeof what, "must be between %lld and %lld", (long long)k->min,
			 (long long)k->max);
		return fail(err, size, k->name, what);
	}
	*out = x;
	return BRK_CONFIG_OK;
}

int brk_config_set(struct brk_config *c, const char *key, const char *value, char *err,
		   size_t err_size)
{
	const struct key *k = find(key);
	if (!k)
		return BRK_CONFIG_IGNORED;
	char *field = (char *)c + k->offset;
	int64_t x;
	switch (k->kind) {
	case K_ZK:
		return set_zk(c, value, err, err_size);
	case K_IBP:
		return set_ibp(c, value, err, err_size);
	case K_DIRS:
		if (value[0] != '/')
			return fail(err, err_size, key, "expected an absolute directory");
		*(const char **)field = value;
		return BRK_CONFIG_OK;
	case K_BOOL:
		if (strcmp(value, "true") && strcmp(value, "false"))
			return fail(err, err_size, key, "expected true or false");
		*(bool *)field = strcmp(value, "true") == 0;
		return BRK_CONFIG_OK;
	default:
		break;
	}
	if (parse_int(k, value, &x, err, err_size))
		return BRK_CONFIG_EINVAL;
	switch (k->kind) {
	case K_I64: *(int64_t *)field = x; break;
	case K_I32: *(int32_t *)field = (int32_t)x; break;
	case K_I16: *(int16_t *)field = (int16_t)x; break;
	case K_PORT: *(uint16_t *)field = (uint16_t)x; break;
	default: break;
	}
	return BRK_CONFIG_OK;
}
