/*
 * Kafka and ZooKeeper configuration maps. Any key that looks like a Kafka
 * key (lowercase words joined by dots) is accepted and kept as text, because
 * users copy real configs and the simulator ignores what it does not model;
 * the keys it does model are type-checked here with Kafka's own types and
 * bounds (an `int` is 32-bit, a `long` 64-bit, as in Kafka's ConfigDef).
 */
#include "harness/scn_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum cfg_type {
	CFG_BOOL,
	CFG_INT,
	CFG_LONG,
	CFG_ENUM,
};

struct cfg_key {
	const char *name;
	enum cfg_type type;
	int64_t min;
	const char *const *values; /* CFG_ENUM */
};

static const char *const acks_values[] = {"all", "-1", "0", "1", NULL};
static const char *const isolation_values[] = {"read_uncommitted", "read_committed", NULL};
static const char *const reset_values[] = {"earliest", "latest", "none", NULL};
static const char *const cleanup_values[] = {"delete", "compact", "compact,delete",
                                             "delete,compact", NULL};
static const char *const yes_no_values[] = {"yes", "no", NULL};
static const char *const compression_values[] = {"none", "gzip",     "snappy", "lz4",
                                                 "zstd", "producer", NULL};

#define INT32_LIMIT 2147483647

/* Kafka keys whose values the simulator reads; minimums follow Kafka's
 * documented validators (e.g. min.insync.replicas is at least 1). */
static const struct cfg_key kafka_keys[] = {
    {"min.insync.replicas", CFG_INT, 1, NULL},
    {"unclean.leader.election.enable", CFG_BOOL, 0, NULL},
    {"replica.lag.time.max.ms", CFG_LONG, 0, NULL},
    {"zookeeper.session.timeout.ms", CFG_INT, 1, NULL},
    {"log.flush.interval.messages", CFG_LONG, 1, NULL},
    {"log.flush.interval.ms", CFG_LONG, 0, NULL},
    {"flush.messages", CFG_LONG, 1, NULL},
    {"flush.ms", CFG_LONG, 0, NULL},
    {"default.replication.factor", CFG_INT, 1, NULL},
    {"num.partitions", CFG_INT, 1, NULL},
    {"offsets.topic.replication.factor", CFG_INT, 1, NULL},
    {"transaction.state.log.replication.factor", CFG_INT, 1, NULL},
    {"transaction.state.log.min.isr", CFG_INT, 1, NULL},
    {"auto.create.topics.enable", CFG_BOOL, 0, NULL},
    {"controlled.shutdown.enable", CFG_BOOL, 0, NULL},
    {"log.segment.bytes", CFG_INT, 14, NULL},
    {"segment.bytes", CFG_INT, 14, NULL},
    {"retention.ms", CFG_LONG, -1, NULL},
    {"retention.bytes", CFG_LONG, -1, NULL},
    {"cleanup.policy", CFG_ENUM, 0, cleanup_values},
    {"message.max.bytes", CFG_INT, 0, NULL},
    {"max.message.bytes", CFG_INT, 0, NULL},
    {"compression.type", CFG_ENUM, 0, compression_values},
    {"acks", CFG_ENUM, 0, acks_values},
    {"enable.idempotence", CFG_BOOL, 0, NULL},
    {"retries", CFG_INT, 0, NULL},
    {"max.in.flight.requests.per.connection", CFG_INT, 1, NULL},
    {"delivery.timeout.ms", CFG_INT, 0, NULL},
    {"linger.ms", CFG_LONG, 0, NULL},
    {"request.timeout.ms", CFG_INT, 0, NULL},
    {"retry.backoff.ms", CFG_LONG, 0, NULL},
    {"batch.size", CFG_INT, 0, NULL},
    {"isolation.level", CFG_ENUM, 0, isolation_values},
    {"auto.offset.reset", CFG_ENUM, 0, reset_values},
    {"enable.auto.commit", CFG_BOOL, 0, NULL},
    {"auto.commit.interval.ms", CFG_INT, 0, NULL},
    {"session.timeout.ms", CFG_INT, 1, NULL},
    {"heartbeat.interval.ms", CFG_INT, 1, NULL},
    {"max.poll.records", CFG_INT, 1, NULL},
    {"max.poll.interval.ms", CFG_INT, 1, NULL},
    {"fetch.max.wait.ms", CFG_INT, 0, NULL},
    {"fetch.min.bytes", CFG_INT, 0, NULL},
};

/* ZooKeeper's zoo.cfg keys the simulator reads; session timeouts may be -1
 * (ZooKeeper's "derive from tickTime"). */
static const struct cfg_key zk_keys[] = {
    {"tickTime", CFG_INT, 1, NULL},           {"initLimit", CFG_INT, 1, NULL},
    {"syncLimit", CFG_INT, 1, NULL},          {"minSessionTimeout", CFG_INT, -1, NULL},
    {"maxSessionTimeout", CFG_INT, -1, NULL}, {"forceSync", CFG_ENUM, 0, yes_no_values},
};

static bool is_lower_alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
}

/* Kafka keys: lowercase words of letters and digits (with - or _ inside a
 * word) joined by single dots, starting with a letter. */
static bool kafka_key_ok(const char *k)
{
	if (!(*k >= 'a' && *k <= 'z'))
		return false;
	for (const char *p = k; *p; p++) {
		if (is_lower_alnum(*p))
			continue;
		if ((*p == '.' || *p == '-' || *p == '_') && is_lower_alnum(p[1]) && p > k &&
		    is_lower_alnum(p[-1]))
			continue;
		return false;
	}
	return true;
}

/* ZooKeeper keys are camelCase or dotted (zookeeper.forceSync, server.1). */
static bool zk_key_ok(const char *k)
{
	if (!*k)
		return false;
	for (const char *p = k; *p; p++)
		if (!is_lower_alnum(*p) && !(*p >= 'A' && *p <= 'Z') && *p != '.' && *p != '_' &&
		    *p != '-')
			return false;
	return true;
}

static const struct cfg_key *find_key(const struct cfg_key *table, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i].name, key) == 0)
			return &table[i];
	return NULL;
}

/* Checks a known key's value and returns the text to store (Kafka reads
 * booleans case-insensitively; they are stored lowercase). */
static int check_value(struct scn_ctx *c, const struct scn_ynode *v, const struct cfg_key *k,
                       const char **store)
{
	int64_t i64;
	int idx;
	*store = v->text;
	switch (k->type) {
	case CFG_BOOL:
		if (strcasecmp(v->text, "true") == 0)
			*store = "true";
		else if (strcasecmp(v->text, "false") == 0)
			*store = "false";
		else
			return scn_fail(c, v, "'%s' must be true or false, got '%.60s'", k->name,
			                v->text);
		return 0;
	case CFG_INT:
		return scn_get_int(c, v, k->name, k->min, INT32_LIMIT, &i64);
	case CFG_LONG:
		return scn_get_int(c, v, k->name, k->min, INT64_MAX, &i64);
	case CFG_ENUM:
		return scn_get_enum(c, v, k->name, k->values, &idx);
	}
	return 0;
}

/* Kafka config values come from properties files, where everything is a
 * string: quoted YAML scalars are therefore accepted for numbers too. */
static int check_entry(struct scn_ctx *c, const struct scn_ynode *key, const struct scn_ynode *v,
                       enum scn_cfg_scope scope, const char **store)
{
	bool zk = scope == SCN_CFG_ZOOKEEPER;
	if (zk ? !zk_key_ok(key->text) : !kafka_key_ok(key->text))
		return scn_fail(c, key,
		                zk ? "'%.60s' is not a ZooKeeper config key"
		                   : "'%.60s' is not a Kafka config key "
		                     "(lowercase words joined by dots)",
		                key->text);
	if (v->kind != SCN_Y_SCALAR)
		return scn_fail(c, v, "config '%.60s' must be a scalar, got %s", key->text,
		                scn_ykind_name(v->kind));
	if (v->len == 0 || strlen(v->text) != v->len)
		return scn_fail(c, v, "config '%.60s' has no value", key->text);
	const struct cfg_key *k =
	    zk ? find_key(zk_keys, sizeof(zk_keys) / sizeof(zk_keys[0]), key->text)
	       : find_key(kafka_keys, sizeof(kafka_keys) / sizeof(kafka_keys[0]), key->text);
	if (!k) {
		*store = v->text;
		return 0;
	}
	/* Numbers in properties files are plain digits, quoted or not. */
	struct scn_ynode plain = *v;
	plain.plain = true;
	return check_value(c, &plain, k, store);
}

int scn_load_config(struct scn_ctx *c, const struct scn_ynode *n, enum scn_cfg_scope scope,
                    struct scn_config *cfg)
{
	if (scn_want(c, n, SCN_Y_MAP, "config"))
		return -1;
	size_t pairs = n->count / 2;
	cfg->items = pairs ? scn_mem_calloc(c->a, pairs, sizeof(*cfg->items)) : NULL;
	if (pairs && !cfg->items)
		return scn_fail_nomem(c);
	for (size_t i = 0; i < pairs; i++) {
		const char *store = NULL;
		if (check_entry(c, n->items[2 * i], n->items[2 * i + 1], scope, &store))
			return -1;
		struct scn_kv *kv = &cfg->items[cfg->count++];
		kv->key = scn_strdup(c, n->items[2 * i]->text);
		kv->value = scn_strdup(c, store);
		if (!kv->key || !kv->value)
			return -1;
	}
	return 0;
}

void scn_config_free(const struct scn_alloc *a, struct scn_config *cfg)
{
	for (size_t i = 0; i < cfg->count; i++) {
		scn_mem_free(a, cfg->items[i].key);
		scn_mem_free(a, cfg->items[i].value);
	}
	scn_mem_free(a, cfg->items);
	cfg->items = NULL;
	cfg->count = 0;
}
