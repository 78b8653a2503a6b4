/*
 * kcfg — the table of modelled configuration keys and its value parser.
 * Types and ranges follow Kafka's ConfigDef definitions (KafkaConfig,
 * TopicConfig, ProducerConfig, ConsumerConfig) and ZooKeeper's
 * QuorumPeerConfig; where those give no bound and the model needs one, the
 * key carries KCFG_NARROWED and its meaning says what ksim accepts. Defaults
 * are Kafka 3.x's.
 */
#include "broker/conf/kcfg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define I32 2147483647LL
#define I16 32767LL
#define I64 INT64_MAX
/* The longest a `long` duration key may be in ksim: 10^12 ms (31 years).
 * Simulated time is int64 nanoseconds, and a timer of `now + value` must
 * not overflow; Kafka takes up to 2^63 - 1 ms. */
#define MS_NS 1000000000000LL

static const char *const acks_values[] = {"all", "-1", "0", "1", NULL};
static const char *const reset_values[] = {"latest", "earliest", NULL};
static const char *const isolation_values[] = {"read_uncommitted", "read_committed", NULL};

#define B KCFG_BROKER
#define T KCFG_TOPIC
#define P KCFG_PRODUCER
#define C KCFG_CONSUMER
#define Z KCFG_ZOOKEEPER
#define FIX KCFG_FIXED
#define NAR KCFG_NARROWED

static const struct kcfg_key table[] = {
    /* ---- broker (server.properties) ---- */
    {"broker.id", B, KCFG_INT, FIX, 0, I32, NULL, NULL, NULL,
     "ksim sets it: broker-N has broker.id N"},
    {"listeners", B, KCFG_STRING, FIX, 0, 0, NULL, NULL, NULL,
     "ksim sets it: every broker listens on port 9092 of its own host"},
    {"port", B, KCFG_INT, FIX, 1, 65535, NULL, NULL, NULL, "ksim sets it: 9092"},
    {"log.dirs", B, KCFG_STRING, FIX, 0, 0, NULL, NULL, NULL,
     "ksim sets it: /data on each broker's own simulated disk"},
    {"log.dir", B, KCFG_STRING, FIX, 0, 0, NULL, NULL, NULL, "ksim sets it: /data"},
    {"zookeeper.connect", B, KCFG_STRING, FIX, 0, 0, NULL, NULL, NULL,
     "ksim sets it: the scenario's ensemble, zk-1:2181,...,zk-N:2181"},
    {"zookeeper.session.timeout.ms", B, KCFG_INT, NAR, 1, I32, NULL, "18000", NULL,
     "the broker's ZooKeeper session timeout; at least 1 in ksim"},
    {"num.partitions", B, KCFG_INT, 0, 1, I32, NULL, "1", NULL,
     "partitions of an auto-created topic"},
    {"default.replication.factor", B, KCFG_INT, NAR, 1, I16, NULL, "1", NULL,
     "replication factor of an auto-created topic; 1 to 32767 in ksim"},
    {"min.insync.replicas", B, KCFG_INT, 0, 1, I32, NULL, "1", NULL,
     "replicas in the ISR an acks=all write needs (NOT_ENOUGH_REPLICAS below)"},
    {"unclean.leader.election.enable", B, KCFG_BOOL, 0, 0, 1, NULL, "false", NULL,
     "elect a replica outside the ISR when no ISR member is alive"},
    {"replica.lag.time.max.ms", B, KCFG_LONG, NAR, 0, MS_NS, NULL, "30000", NULL,
     "a follower not caught up for this long leaves the ISR; at most 10^12 in ksim"},
    {"replica.fetch.wait.max.ms", B, KCFG_INT, NAR, 0, I32, NULL, "500", NULL,
     "longest wait of a follower's fetch at the leader; at least 0 in ksim"},
    {"auto.leader.rebalance.enable", B, KCFG_BOOL, 0, 0, 1, NULL, "true", NULL,
     "the controller moves leadership back to preferred replicas"},
    {"leader.imbalance.check.interval.seconds", B, KCFG_LONG, NAR, 1, MS_NS / 1000, NULL, "300",
     NULL, "how often the controller checks leader imbalance; at most 10^9 in ksim"},
    {"leader.imbalance.per.broker.percentage", B, KCFG_INT, NAR, 0, 100, NULL, "10", NULL,
     "imbalance a broker may have before rebalancing; 0 to 100 in ksim"},
    {"controller.socket.timeout.ms", B, KCFG_INT, NAR, 1, I32, NULL, "30000", NULL,
     "timeout of the controller's requests to brokers; at least 1 in ksim"},
    {"log.segment.bytes", B, KCFG_INT, 0, 14, I32, NULL, "1073741824", NULL,
     "size at which a log segment rolls"},
    {"log.roll.ms", B, KCFG_LONG, NAR, 1, I64, NULL, "604800000", NULL,
     "age at which a log segment rolls (Kafka: log.roll.hours 168); at least 1 in ksim"},
    {"log.retention.ms", B, KCFG_LONG, NAR, -1, I64, NULL, "604800000", NULL,
     "age after which old segments are deleted; -1 keeps them (no other negative in ksim)"},
    {"log.retention.bytes", B, KCFG_LONG, NAR, -1, I64, NULL, "-1", NULL,
     "size above which old segments are deleted; -1: no limit (no other negative in ksim)"},
    {"log.flush.interval.messages", B, KCFG_LONG, 0, 1, I64, NULL, "9223372036854775807", NULL,
     "fsync a partition's log after this many appended records"},
    {"log.flush.interval.ms", B, KCFG_LONG, NAR, 1, I64, NULL, "9223372036854775807", NULL,
     "fsync a partition's log after this long; at least 1 in ksim"},
    {"log.index.interval.bytes", B, KCFG_INT, 0, 0, I32, NULL, "4096", NULL,
     "bytes between two offset index entries"},
    {"socket.request.max.bytes", B, KCFG_INT, 0, 1, I32, NULL, "104857600", NULL,
     "largest request a broker accepts"},
    {"queued.max.requests", B, KCFG_INT, 0, 1, I32, NULL, "500", NULL,
     "requests a broker queues before it stops reading its sockets"},
    {"offsets.topic.num.partitions", B, KCFG_INT, NAR, 1, 1000, NULL, "50", NULL,
     "partitions of __consumer_offsets; at most 1000 in ksim (its cost grows faster than "
     "linearly)"},
    {"offsets.topic.replication.factor", B, KCFG_SHORT, 0, 1, I16, NULL, "3", NULL,
     "replication factor of __consumer_offsets"},
    {"offsets.commit.timeout.ms", B, KCFG_INT, 0, 1, I32, NULL, "5000", NULL,
     "how long an offset commit waits for its replicas"},
    {"group.min.session.timeout.ms", B, KCFG_INT, NAR, 0, I32, NULL, "6000", NULL,
     "smallest session timeout a group member may ask for; at least 0 in ksim"},
    {"group.max.session.timeout.ms", B, KCFG_INT, NAR, 0, I32, NULL, "1800000", NULL,
     "largest session timeout a group member may ask for; at least 0 in ksim"},
    {"inter.broker.protocol.version", B, KCFG_VERSION, 0, 0, 0, NULL, "3.7", NULL,
     "a follower's truncation rule: <0.11 to the high watermark, 0.11..1.1 KIP-101, "
     "2.0 on KIP-279"},
    /* ---- topic (topics[].config) ---- */
    {"min.insync.replicas", T, KCFG_INT, 0, 1, I32, NULL, NULL, "min.insync.replicas",
     "the topic's own min.insync.replicas"},
    /* ---- producer ---- */
    {"acks", P, KCFG_ENUM, 0, 0, 0, acks_values, "all", NULL,
     "replicas that must have a record before it is acknowledged (all = -1)"},
    {"enable.idempotence", P, KCFG_BOOL, 0, 0, 1, NULL, "true", NULL,
     "producer id and sequence numbers: the leader drops retried duplicates"},
    {"retries", P, KCFG_INT, 0, 0, I32, NULL, "2147483647", NULL,
     "how often a failed send is retried (within delivery.timeout.ms)"},
    {"max.in.flight.requests.per.connection", P, KCFG_INT, 0, 1, I32, NULL, "5", NULL,
     "unanswered produce requests per broker"},
    {"delivery.timeout.ms", P, KCFG_INT, 0, 0, I32, NULL, "120000", NULL,
     "time from send to a final outcome, retries included"},
    {"linger.ms", P, KCFG_LONG, NAR, 0, MS_NS, NULL, "0", NULL,
     "how long a batch waits for more records; at most 10^12 in ksim"},
    {"batch.size", P, KCFG_INT, 0, 0, I32, NULL, "16384", NULL,
     "bytes per partition batch; 0: one record per batch"},
    {"request.timeout.ms", P, KCFG_INT, 0, 0, I32, NULL, "30000", NULL,
     "how long a request waits for its answer (also the produce timeout)"},
    {"retry.backoff.ms", P, KCFG_LONG, NAR, 1, MS_NS, NULL, "100", NULL,
     "wait before a retry and between metadata refreshes; 1 to 10^12 in ksim (0 would "
     "retry within one simulated instant forever)"},
    {"reconnect.backoff.ms", P, KCFG_LONG, NAR, 0, MS_NS, NULL, "50", NULL,
     "wait before reconnecting to a broker; at most 10^12 in ksim"},
    {"metadata.max.age.ms", P, KCFG_LONG, NAR, 0, MS_NS, NULL, "300000", NULL,
     "metadata is refreshed at least this often; at most 10^12 in ksim"},
    /* ---- consumer ---- */
    {"auto.offset.reset", C, KCFG_ENUM, 0, 0, 0, reset_values, "latest", NULL,
     "where to start without a committed offset (Kafka's 'none' is not modelled)"},
    {"isolation.level", C, KCFG_ENUM, 0, 0, 0, isolation_values, "read_uncommitted", NULL,
     "read up to the high watermark, or up to the last stable offset"},
    {"fetch.max.wait.ms", C, KCFG_INT, 0, 0, I32, NULL, "500", NULL,
     "longest wait of a fetch at the broker for fetch.min.bytes"},
    {"fetch.min.bytes", C, KCFG_INT, 0, 0, I32, NULL, "1", NULL, "bytes a fetch waits for"},
    {"fetch.max.bytes", C, KCFG_INT, 0, 0, I32, NULL, "52428800", NULL,
     "bytes per fetch answer (the first batch comes whatever its size)"},
    {"max.partition.fetch.bytes", C, KCFG_INT, 0, 0, I32, NULL, "1048576", NULL,
     "bytes per partition in a fetch answer"},
    {"request.timeout.ms", C, KCFG_INT, 0, 0, I32, NULL, "30000", NULL,
     "how long a request waits for its answer"},
    {"session.timeout.ms", C, KCFG_INT, NAR, 1, I32, NULL, "45000", NULL,
     "a group member silent this long is removed; at least 1 in ksim"},
    {"heartbeat.interval.ms", C, KCFG_INT, NAR, 1, I32, NULL, "3000", NULL,
     "time between a group member's heartbeats; at least 1 in ksim"},
    {"max.poll.interval.ms", C, KCFG_INT, 0, 1, I32, NULL, "300000", NULL,
     "the rebalance timeout a member joins with"},
    {"retry.backoff.ms", C, KCFG_LONG, NAR, 1, MS_NS, NULL, "100", NULL,
     "wait before a retry and between metadata refreshes; 1 to 10^12 in ksim (0 would "
     "retry within one simulated instant forever)"},
    {"reconnect.backoff.ms", C, KCFG_LONG, NAR, 0, MS_NS, NULL, "50", NULL,
     "wait before reconnecting to a broker; at most 10^12 in ksim"},
    {"metadata.max.age.ms", C, KCFG_LONG, NAR, 0, MS_NS, NULL, "300000", NULL,
     "metadata is refreshed at least this often; at most 10^12 in ksim"},
    /* ---- ZooKeeper (zoo.cfg) ---- */
    {"tickTime", Z, KCFG_INT, 0, 1, I32, NULL, "2000", NULL, "ZooKeeper's basic time unit in ms"},
    {"initLimit", Z, KCFG_INT, 0, 1, I32, NULL, "10", NULL,
     "ticks a follower may take to connect and sync with its leader"},
    {"syncLimit", Z, KCFG_INT, 0, 1, I32, NULL, "5", NULL,
     "ticks a follower may lag behind its leader"},
    {"minSessionTimeout", Z, KCFG_INT, 0, -1, I32, NULL, "-1", NULL,
     "smallest session timeout granted; -1 (or 0): 2 * tickTime"},
    {"maxSessionTimeout", Z, KCFG_INT, 0, -1, I32, NULL, "-1", NULL,
     "largest session timeout granted; -1 (or 0): 20 * tickTime"},
    {"snapCount", Z, KCFG_INT, NAR, 2, I32, NULL, "100000", NULL,
     "transactions between two snapshots; at least 2 in ksim (ZooKeeper raises smaller "
     "values)"},
};

const struct kcfg_key *kcfg_table(size_t *count)
{
	*count = sizeof table / sizeof table[0];
	return table;
}

const struct kcfg_key *kcfg_find(enum kcfg_owner owner, const char *name)
{
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (table[i].owner == owner && strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

/* Levenshtein distance, capped: names longer than 127 bytes are never close. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 127 || lb > 127)
		return (size_t)-1;
	size_t row[128];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t best = diag + cost;
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const struct kcfg_key *kcfg_closest(enum kcfg_owner owner, const char *word)
{
	const struct kcfg_key *best = NULL;
	size_t best_d = (size_t)-1;
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		if (table[i].owner != owner)
			continue;
		size_t len = strlen(table[i].name);
		size_t d = distance(word, table[i].name);
		/* Case alone (Min.Insync.Replicas) is as close as a name gets. */
		if (strcasecmp(word, table[i].name) == 0)
			d = 1;
		if (len >= 3 && (d <= 2 || d * 3 <= len) && d < best_d) {
			best = &table[i];
			best_d = d;
		}
	}
	return best;
}

const char *kcfg_owner_name(enum kcfg_owner owner)
{
	static const char *const names[] = {"broker", "topic", "producer", "consumer", "ZooKeeper"};
	return owner < KCFG_OWNER_COUNT ? names[owner] : "?";
}

static int fail(char *err, size_t size, const char *fmt, const char *a, long long x, long long y)
{
	if (err && size)
		snprintf(err, size, fmt, a, x, y);
	return -1;
}

/* Kafka reads numbers as Java does: an optional '-' and decimal digits. */
static int parse_integer(const struct kcfg_key *k, const char *text, int64_t *out, char *err,
                         size_t size)
{
	const char *p = text;
	if (*p == '-')
		p++;
	bool digits = *p != 0;
	for (const char *q = p; *q; q++)
		digits = digits && *q >= '0' && *q <= '9';
	errno = 0;
	long long v = digits ? strtoll(text, NULL, 10) : 0;
	if (!digits || errno)
		return fail(err, size, "must be an integer from %2$lld to %3$lld, got '%1$.60s'",
		            text, (long long)k->min, (long long)k->max);
	if (v < k->min || v > k->max)
		return fail(err, size, "must be from %2$lld to %3$lld, got %1$s", text,
		            (long long)k->min, (long long)k->max);
	*out = v;
	return 0;
}

/* MAJOR.MINOR with optional further .N parts and a -IVn suffix (3.7-IV4). */
static int parse_version(const char *text, int64_t *out, char *err, size_t size)
{
	char *end;
	const char *msg = "must be a Kafka release such as 0.10.2, 1.1 or 3.7, got '%.60s'";
	if (!(*text >= '0' && *text <= '9'))
		return fail(err, size, msg, text, 0, 0);
	long major = strtol(text, &end, 10);
	if (*end != '.' || !(end[1] >= '0' && end[1] <= '9') || major > 99)
		return fail(err, size, msg, text, 0, 0);
	long minor = strtol(end + 1, &end, 10);
	while (*end == '.' && end[1] >= '0' && end[1] <= '9')
		strtol(end + 1, &end, 10);
	if (strncmp(end, "-IV", 3) == 0 && end[3] >= '0' && end[3] <= '9')
		strtol(end + 3, &end, 10);
	if (*end || minor > 999)
		return fail(err, size, msg, text, 0, 0);
	*out = major * 1000 + minor;
	return 0;
}

int kcfg_parse(const struct kcfg_key *k, const char *text, int64_t *out, char *err, size_t err_size)
{
	int64_t v = 0;
	switch (k->type) {
	case KCFG_BOOL:
		if (strcasecmp(text, "true") == 0)
			v = 1;
		else if (strcasecmp(text, "false") != 0)
			return fail(err, err_size, "must be true or false, got '%.60s'", text, 0,
			            0);
		break;
	case KCFG_SHORT:
	case KCFG_INT:
	case KCFG_LONG:
		if (parse_integer(k, text, &v, err, err_size))
			return -1;
		break;
	case KCFG_ENUM:
		for (v = 0; k->values[v] && strcmp(k->values[v], text) != 0; v++)
			;
		if (!k->values[v]) {
			char list[200] = "";
			for (size_t i = 0; k->values[i]; i++)
				snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
				         i ? ", " : "", k->values[i]);
			if (err && err_size)
				snprintf(err, err_size, "must be one of %s, got '%.60s'", list,
				         text);
			return -1;
		}
		break;
	case KCFG_VERSION:
		if (parse_version(text, &v, err, err_size))
			return -1;
		break;
	case KCFG_STRING:
		if (!*text)
			return fail(err, err_size, "must not be empty%.0s", text, 0, 0);
		break;
	}
	if (out)
		*out = v;
	return 0;
}

const char *kcfg_canonical(const struct kcfg_key *k, const char *text)
{
	if (k->type == KCFG_BOOL)
		return strcasecmp(text, "true") == 0 ? "true" : "false";
	return text;
}
