#include "broker/kafka/brk_config.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/conf/kcfg.h"

/* Where each broker key of the kcfg table lands in struct brk_config; its
 * type, range and default come from the table. */
enum kind { K_I64, K_I32, K_I16, K_BOOL, K_PORT, K_DIRS, K_ZK, K_IBP };

struct field {
	const char *name;
	enum kind kind;
	size_t offset;
};

#define F(field) offsetof(struct brk_config, field)

static const struct field fields[] = {
	{"broker.id", K_I32, F(broker_id)},
	{"port", K_PORT, F(port)},
	{"listeners", K_PORT, F(port)},
	{"log.dirs", K_DIRS, F(log_dir)},
	{"log.dir", K_DIRS, F(log_dir)},
	{"zookeeper.connect", K_ZK, 0},
	{"zookeeper.session.timeout.ms", K_I64, F(zk_session_timeout_ms)},
	{"num.partitions", K_I32, F(num_partitions)},
	{"default.replication.factor", K_I16, F(default_replication_factor)},
	{"min.insync.replicas", K_I32, F(min_insync_replicas)},
	{"unclean.leader.election.enable", K_BOOL, F(unclean_leader_election)},
	{"replica.lag.time.max.ms", K_I64, F(replica_lag_time_max_ms)},
	{"replica.fetch.wait.max.ms", K_I64, F(replica_fetch_wait_max_ms)},
	{"auto.leader.rebalance.enable", K_BOOL, F(auto_leader_rebalance)},
	{"leader.imbalance.check.interval.seconds", K_I64, F(leader_imbalance_check_s)},
	{"leader.imbalance.per.broker.percentage", K_I32, F(leader_imbalance_pct)},
	{"controller.socket.timeout.ms", K_I64, F(controller_socket_timeout_ms)},
	{"log.segment.bytes", K_I64, F(segment_bytes)},
	{"log.roll.ms", K_I64, F(segment_ms)},
	{"log.retention.ms", K_I64, F(retention_ms)},
	{"log.retention.bytes", K_I64, F(retention_bytes)},
	{"log.flush.interval.messages", K_I64, F(flush_interval_messages)},
	{"log.flush.interval.ms", K_I64, F(flush_interval_ms)},
	{"log.index.interval.bytes", K_I64, F(index_interval_bytes)},
	{"socket.request.max.bytes", K_I64, F(socket_request_max_bytes)},
	{"queued.max.requests", K_I32, F(queued_max_requests)},
	{"offsets.topic.num.partitions", K_I32, F(offsets_topic_partitions)},
	{"offsets.topic.replication.factor", K_I16, F(offsets_topic_replication)},
	{"offsets.commit.timeout.ms", K_I32, F(offsets_commit_timeout_ms)},
	{"group.min.session.timeout.ms", K_I32, F(group_min_session_timeout_ms)},
	{"group.max.session.timeout.ms", K_I32, F(group_max_session_timeout_ms)},
	{"inter.broker.protocol.version", K_IBP, F(legacy_truncation)},
};

static const struct field *find(const char *name)
{
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (strcmp(fields[i].name, name) == 0)
			return &fields[i];
	return NULL;
}

bool brk_config_known(const char *key)
{
	return kcfg_find(KCFG_BROKER, key) != NULL;
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
 * inter.broker.protocol.version, parsed by kcfg as MAJOR * 1000 + MINOR.
 * Only its effect on a follower's truncation is modelled
 * (docs/replication.md): before 0.11 to the high watermark, from 0.11 to
 * 1.1 KIP-101's single round, from 2.0 on KIP-279's iterated rounds.
 */
static int legacy_truncation(int64_t version)
{
	if (version < 11)
		return 2;
	return version < 2000 ? 1 : 0;
}

/* Defaults come from the kcfg table; what the table marks as set by ksim
 * (broker id, port, directory) is set here. */
void brk_config_default(struct brk_config *c)
{
	memset(c, 0, sizeof *c);
	c->broker_id = 0;
	c->port = 9092;
	c->log_dir = "/data";
	c->zk_port = 2181;
	c->retention_check_ms = 300000;
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		const struct kcfg_key *k = kcfg_find(KCFG_BROKER, fields[i].name);
		if (k && k->def) {
			int rc = brk_config_set(c, k->name, k->def, NULL, 0);
			assert(rc == BRK_CONFIG_OK);
			(void)rc;
		}
	}
}

int brk_config_set(struct brk_config *c, const char *key, const char *value, char *err,
		   size_t err_size)
{
	const struct kcfg_key *k = kcfg_find(KCFG_BROKER, key);
	const struct field *f = find(key);
	if (!k || !f)
		return BRK_CONFIG_IGNORED;
	char *field = (char *)c + f->offset;
	const char *v = value;
	if (f->kind == K_PORT) { /* listeners=PLAINTEXT://:9092: the port's range */
		v = strrchr(v, ':') ? strrchr(v, ':') + 1 : v;
		k = kcfg_find(KCFG_BROKER, "port");
	}
	int64_t x = 0;
	char what[160];
	if (f->kind != K_ZK && f->kind != K_DIRS && kcfg_parse(k, v, &x, what, sizeof what))
		return fail(err, err_size, key, what);
	switch (f->kind) {
	case K_ZK:
		return set_zk(c, value, err, err_size);
	case K_IBP:
		c->legacy_truncation = legacy_truncation(x);
		break;
	case K_DIRS:
		if (value[0] != '/')
			return fail(err, err_size, key, "expected an absolute directory");
		*(const char **)field = value;
		break;
	case K_BOOL: *(bool *)field = x != 0; break;
	case K_I64: *(int64_t *)field = x; break;
	case K_I32: *(int32_t *)field = (int32_t)x; break;
	case K_I16: *(int16_t *)field = (int16_t)x; break;
	case K_PORT: *(uint16_t *)field = (uint16_t)x; break;
	}
	return BRK_CONFIG_OK;
}
