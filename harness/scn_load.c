/*
 * The loader's entry points and the sections that describe the world:
 * the top level, cluster, network, disk, topics and workload. Faults,
 * nemesis and expect are in scn_faults.c.
 */
#include "harness/scn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/scn_internal.h"

/* Bounds that keep a scenario inside what one process can simulate. */
enum {
	MAX_BROKERS = 100,
	MAX_ZOOKEEPER = 15,
	MAX_PARTITIONS = 1000,
	MAX_CLIENTS = 100,
	MAX_KEYS = 1000000,
	MAX_TOPIC_NAME = 249, /* Kafka's own limit */
	MAX_TOPICS = 1000,
};

static const char *const top_keys[] = {
    "format", "name",   "description", "seed",   "duration", "quiesce", "cluster", "network",
    "disk",   "topics", "workload",    "faults", "nemesis",  "expect",  NULL,
};

static int load_format(struct scn_ctx *c, const struct scn_ynode *root)
{
	const struct scn_ynode *v = scn_get(root, "format");
	int64_t format = 1;
	if (v && v->kind == SCN_Y_SCALAR && v->plain && v->len &&
	    strspn(v->text, "0123456789-") == v->len) {
		if (scn_get_int(c, v, "format", INT32_MIN, INT32_MAX, &format))
			return -1;
		if (format != 1)
			return scn_fail(c, v, "unsupported format %lld (this ksim reads format 1)",
			                (long long)format);
	} else if (v) {
		return scn_fail(c, v, "unsupported format '%.60s' (this ksim reads format 1)",
		                v->kind == SCN_Y_SCALAR ? v->text : scn_ykind_name(v->kind));
	}
	c->s->format = (int)format;
	return 0;
}

static int load_name(struct scn_ctx *c, const struct scn_ynode *root)
{
	const struct scn_ynode *v;
	if (scn_require(c, root, "name", "the scenario", &v) ||
	    scn_get_string(c, v, "name", &c->s->name))
		return -1;
	if (strspn(v->text, "abcdefghijklmnopqrstuvwxyz0123456789-") != v->len)
		return scn_fail(c, v, "name '%.60s' must match [a-z0-9-]+", v->text);
	return 0;
}

static int load_top_scalars(struct scn_ctx *c, const struct scn_ynode *root)
{
	struct scn_scenario *s = c->s;
	const struct scn_ynode *v;
	if (load_name(c, root))
		return -1;
	if ((v = scn_get(root, "description"))) {
		if (scn_want(c, v, SCN_Y_SCALAR, "description"))
			return -1;
		if (!(s->description = scn_strdup(c, v->text)))
			return -1;
	}
	if ((v = scn_get(root, "seed")) && scn_get_u64(c, v, "seed", &s->seed))
		return -1;
	if (scn_require(c, root, "duration", "the scenario", &v) ||
	    scn_get_duration(c, v, "duration", false, &s->duration_ns))
		return -1;
	if (s->duration_ns == 0)
		return scn_fail(c, v, "'duration' must be longer than 0s");
	if ((v = scn_get(root, "quiesce")) &&
	    scn_get_duration(c, v, "quiesce", false, &s->quiesce_ns))
		return -1;
	return 0;
}

static const char *const cluster_keys[] = {"mode",   "zookeeper",        "brokers",
                                           "broker", "zookeeper_config", "kafka_version",
                                           NULL};

/* Releases whose differing behaviours ksim models (docs/kafka-versions.md). */
const char *const scn_kafka_versions[] = {"2.2", "2.4", "2.5", "2.7", "3.0", "3.4", "3.7",
                                          "3.9", NULL};

int32_t scn_kafka_version_parse(const char *text)
{
	for (int i = 0; scn_kafka_versions[i]; i++)
		if (!strcmp(text, scn_kafka_versions[i]))
			return (scn_kafka_versions[i][0] - '0') * 100 +
			       atoi(scn_kafka_versions[i] + 2);
	return -1;
}

/* cluster.kafka_version: a quoted release ksim models ("2.10" and 2.1 would
 * be one float unquoted, so a plain scalar is refused). */
static int load_kafka_version(struct scn_ctx *c, const struct scn_ynode *v)
{
	char list[128] = "";
	for (int i = 0; scn_kafka_versions[i]; i++)
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s\"%s\"", i ? ", " : "",
			 scn_kafka_versions[i]);
	if (v->kind != SCN_Y_SCALAR || v->plain)
		return scn_fail(c, v, "kafka_version must be a quoted release, one of %s", list);
	int32_t ver = scn_kafka_version_parse(v->text);
	if (ver < 0)
		return scn_fail(c, v, "kafka_version \"%s\" is not a release ksim models; "
				      "use one of %s", v->text, list);
	c->s->cluster.kafka_version = ver;
	return 0;
}
static const char *const mode_names[] = {"zookeeper", "kraft", NULL};

static int load_cluster(struct scn_ctx *c, const struct scn_ynode *root)
{
	struct scn_scenario *s = c->s;
	const struct scn_ynode *n, *v;
	int64_t i;
	int mode = SCN_MODE_ZOOKEEPER;
	if (scn_require(c, root, "cluster", "the scenario", &n) ||
	    scn_check_map(c, n, cluster_keys, "cluster"))
		return -1;
	if ((v = scn_get(n, "mode")) && scn_get_enum(c, v, "mode", mode_names, &mode))
		return -1;
	s->cluster.mode = (enum scn_mode)mode;
	if (mode == SCN_MODE_KRAFT) {
		s->cluster.zookeeper = 0;
		if ((v = scn_get_key(n, "zookeeper")) || (v = scn_get_key(n, "zookeeper_config")))
			return scn_fail(c, v, "'%s' has no meaning in kraft mode", v->text);
	}
	if ((v = scn_get(n, "zookeeper"))) {
		if (scn_get_int(c, v, "zookeeper", 1, MAX_ZOOKEEPER, &i))
			return -1;
		s->cluster.zookeeper = (int32_t)i;
	}
	if (scn_require(c, n, "brokers", "cluster", &v) ||
	    scn_get_int(c, v, "brokers", 1, MAX_BROKERS, &i))
		return -1;
	s->cluster.brokers = (int32_t)i;
	if ((v = scn_get(n, "broker")) && scn_load_config(c, v, SCN_CFG_BROKER, &s->cluster.broker))
		return -1;
	if ((v = scn_get(n, "zookeeper_config")) &&
	    scn_load_config(c, v, SCN_CFG_ZOOKEEPER, &s->cluster.zookeeper_config))
		return -1;
	if ((v = scn_get(n, "kafka_version")) && load_kafka_version(c, v))
		return -1;
	return 0;
}

static const char *const network_keys[] = {"latency", NULL};
static const char *const disk_keys[] = {"write_latency", "fsync_latency", NULL};

static int load_network_disk(struct scn_ctx *c, const struct scn_ynode *root)
{
	struct scn_scenario *s = c->s;
	const struct scn_ynode *n, *v;
	if ((n = scn_get(root, "network"))) {
		if (scn_check_map(c, n, network_keys, "network"))
			return -1;
		if ((v = scn_get(n, "latency")) && scn_get_range(c, v, "latency", &s->net_latency))
			return -1;
	}
	if ((n = scn_get(root, "disk"))) {
		if (scn_check_map(c, n, disk_keys, "disk"))
			return -1;
		if ((v = scn_get(n, "write_latency")) &&
		    scn_get_range(c, v, "write_latency", &s->disk_write_latency))
			return -1;
		if ((v = scn_get(n, "fsync_latency")) &&
		    scn_get_range(c, v, "fsync_latency", &s->disk_fsync_latency))
			return -1;
	}
	return 0;
}

static const char *const topic_keys[] = {"name", "partitions", "replication_factor", "config",
                                         NULL};

/* Kafka's legal topic names: ASCII letters, digits, '.', '_' and '-', at
 * most 249 characters, and neither "." nor "..". */
static bool topic_name_ok(const char *name, size_t len)
{
	static const char legal[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                            "0123456789._-";
	return len <= MAX_TOPIC_NAME && strspn(name, legal) == len && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0;
}

static int load_topic(struct scn_ctx *c, const struct scn_ynode *n, struct scn_topic *t)
{
	const struct scn_ynode *v;
	int64_t i;
	if (scn_check_map(c, n, topic_keys, "topic") || scn_require(c, n, "name", "topic", &v) ||
	    scn_get_string(c, v, "name", &t->name))
		return -1;
	if (!topic_name_ok(v->text, v->len))
		return scn_fail(c, v, "topic name '%.60s' must be 1 to 249 of [a-zA-Z0-9._-]",
		                v->text);
	/* The topic itself is already counted, so it finds itself last. */
	if (scn_find_topic(c->s, t->name) != t - c->s->topics)
		return scn_fail(c, v, "topic '%.60s' is declared twice", t->name);
	if (scn_require(c, n, "partitions", "topic", &v) ||
	    scn_get_int(c, v, "partitions", 1, MAX_PARTITIONS, &i))
		return -1;
	t->partitions = (int32_t)i;
	if (scn_require(c, n, "replication_factor", "topic", &v) ||
	    scn_get_int(c, v, "replication_factor", 1, INT16_MAX, &i))
		return -1;
	if (i > c->s->cluster.brokers)
		return scn_fail(c, v,
		                "replication_factor %lld is more than the number of "
		                "brokers (%d)",
		                (long long)i, c->s->cluster.brokers);
	t->replication_factor = (int16_t)i;
	if ((v = scn_get(n, "config")) && scn_load_config(c, v, SCN_CFG_TOPIC, &t->config))
		return -1;
	return 0;
}

static int load_topics(struct scn_ctx *c, const struct scn_ynode *root)
{
	const struct scn_ynode *n = scn_get(root, "topics");
	if (!n)
		return 0;
	if (scn_want(c, n, SCN_Y_SEQ, "topics"))
		return -1;
	if (n->count > MAX_TOPICS)
		return scn_fail(c, n, "more than %d topics", MAX_TOPICS);
	if (n->count && !(c->s->topics = scn_mem_calloc(c->a, n->count, sizeof(*c->s->topics))))
		return scn_fail_nomem(c);
	for (size_t i = 0; i < n->count; i++) {
		/* Counted before loading so that a failure still frees it. */
		c->s->topic_count++;
		if (load_topic(c, n->items[i], &c->s->topics[i]))
			return -1;
	}
	return 0;
}

/* The topic a client names must be declared under `topics`. */
static int load_client_topic(struct scn_ctx *c, const struct scn_ynode *n, const char *where,
                             char **topic)
{
	const struct scn_ynode *v;
	if (scn_require(c, n, "topic", where, &v) || scn_get_string(c, v, "topic", topic))
		return -1;
	if (scn_find_topic(c->s, *topic) < 0)
		return scn_fail(c, v, "unknown topic '%.60s' (not declared under 'topics')",
		                *topic);
	return 0;
}

static const char *const producer_keys[] = {"count", "topic", "rate", "keys", "config", NULL};

static int load_producer(struct scn_ctx *c, const struct scn_ynode *n, struct scn_producer_group *p,
                         int32_t *next_index)
{
	const struct scn_ynode *v;
	int64_t i = 1;
	if (scn_check_map(c, n, producer_keys, "producer"))
		return -1;
	if ((v = scn_get(n, "count")) && scn_get_int(c, v, "count", 1, MAX_CLIENTS, &i))
		return -1;
	if (*next_index - 1 + i > MAX_CLIENTS)
		return scn_fail(c, n, "more than %d producers in all", MAX_CLIENTS);
	p->count = (int32_t)i;
	p->first_index = *next_index;
	*next_index += p->count;
	if (load_client_topic(c, n, "producer", &p->topic))
		return -1;
	if (scn_require(c, n, "rate", "producer", &v) || scn_get_rate(c, v, "rate", &p->rate))
		return -1;
	if ((v = scn_get(n, "keys")) && scn_get_int(c, v, "keys", 1, MAX_KEYS, &p->keys))
		return -1;
	if ((v = scn_get(n, "config")) && scn_load_config(c, v, SCN_CFG_PRODUCER, &p->config))
		return -1;
	return 0;
}

static const char *const consumer_keys[] = {"count", "topic", "group", "commit", "config", NULL};
static const char *const commit_names[] = {"after-process", "before-process", "none", NULL};

static int load_consumer(struct scn_ctx *c, const struct scn_ynode *n, struct scn_consumer_group *g,
                         int32_t *next_index)
{
	const struct scn_ynode *v;
	int64_t i = 1;
	int commit = SCN_COMMIT_AFTER_PROCESS;
	if (scn_check_map(c, n, consumer_keys, "consumer"))
		return -1;
	if ((v = scn_get(n, "count")) && scn_get_int(c, v, "count", 1, MAX_CLIENTS, &i))
		return -1;
	if (*next_index - 1 + i > MAX_CLIENTS)
		return scn_fail(c, n, "more than %d consumers in all", MAX_CLIENTS);
	g->count = (int32_t)i;
	g->first_index = *next_index;
	*next_index += g->count;
	if (load_client_topic(c, n, "consumer", &g->topic))
		return -1;
	if ((v = scn_get(n, "group")) && scn_get_string(c, v, "group", &g->group))
		return -1;
	if ((v = scn_get(n, "commit")) && scn_get_enum(c, v, "commit", commit_names, &commit))
		return -1;
	g->commit = (enum scn_commit)commit;
	if ((v = scn_get(n, "config")) && scn_load_config(c, v, SCN_CFG_CONSUMER, &g->config))
		return -1;
	return 0;
}

static const char *const workload_keys[] = {"producers", "consumers", NULL};

static int load_workload(struct scn_ctx *c, const struct scn_ynode *root)
{
	struct scn_scenario *s = c->s;
	const struct scn_ynode *w = scn_get(root, "workload"), *n;
	int32_t next = 1;
	if (!w)
		return 0;
	if (scn_check_map(c, w, workload_keys, "workload"))
		return -1;
	if ((n = scn_get(w, "producers"))) {
		if (scn_want(c, n, SCN_Y_SEQ, "producers"))
			return -1;
		if (n->count &&
		    !(s->producers = scn_mem_calloc(c->a, n->count, sizeof(*s->producers))))
			return scn_fail_nomem(c);
		for (size_t i = 0; i < n->count; i++) {
			s->producer_group_count++;
			if (load_producer(c, n->items[i], &s->producers[i], &next))
				return -1;
		}
	}
	next = 1;
	if ((n = scn_get(w, "consumers"))) {
		if (scn_want(c, n, SCN_Y_SEQ, "consumers"))
			return -1;
		if (n->count &&
		    !(s->consumers = scn_mem_calloc(c->a, n->count, sizeof(*s->consumers))))
			return scn_fail_nomem(c);
		for (size_t i = 0; i < n->count; i++) {
			s->consumer_group_count++;
			if (load_consumer(c, n->items[i], &s->consumers[i], &next))
				return -1;
		}
	}
	return 0;
}

/* The contract's defaults; everything else starts at zero. */
static void set_defaults(struct scn_scenario *s)
{
	s->format = 1;
	s->seed = 1;
	s->quiesce_ns = 30 * 1000000000ll;
	s->cluster.mode = SCN_MODE_ZOOKEEPER;
	s->cluster.kafka_version = SCN_KAFKA_VERSION_DEFAULT;
	s->cluster.zookeeper = 3;
	s->net_latency = (struct scn_range){1000000, 3000000};
	s->nemesis.targets = SCN_NEMESIS_BROKERS;
	for (int i = 0; i < SCN_CHK_COUNT; i++)
		s->expect[i] = SCN_EXPECT_ANY;
}

static int load_root(struct scn_ctx *c, const struct scn_ynode *root)
{
	if (!root)
		return scn_fail(c, NULL,
		                "empty file: a scenario needs at least 'name', "
		                "'duration' and 'cluster'");
	if (scn_want(c, root, SCN_Y_MAP, "the scenario"))
		return -1;
	/* The format first: a file for a later version may use other keys. */
	if (load_format(c, root) || scn_check_map(c, root, top_keys, "the scenario"))
		return -1;
	if (load_top_scalars(c, root) || load_cluster(c, root) || load_network_disk(c, root) ||
	    load_topics(c, root) || load_workload(c, root) ||
	    scn_load_faults(c, scn_get(root, "faults")) ||
	    scn_load_nemesis(c, scn_get(root, "nemesis")) ||
	    scn_load_expect(c, scn_get(root, "expect")))
		return -1;
	return 0;
}

int scn_load_buffer_alloc(const struct scn_alloc *alloc, const char *name, const void *bytes,
                          size_t len, struct scn_scenario **out, struct scn_error *err)
{
	const struct scn_alloc *a = alloc ? alloc : &scn_alloc_libc;
	struct scn_ynode *root = NULL;
	*out = NULL;
	memset(err, 0, sizeof(*err));
	int rc = scn_yaml_parse(a, name, bytes, len, &root, err);
	if (rc != SCN_OK)
		return rc;
	struct scn_scenario *s = scn_mem_calloc(a, 1, sizeof(*s));
	struct scn_ctx c = {.a = a, .name = name, .err = err, .status = SCN_OK, .s = s};
	if (!s) {
		scn_fail_nomem(&c);
	} else {
		s->alloc = *a;
		set_defaults(s);
	}
	if (s && load_root(&c, root) && c.status == SCN_OK)
		scn_fail(&c, root, "invalid scenario"); /* every failure path sets one */
	scn_yaml_free(a, root);
	if (c.status != SCN_OK) {
		scn_free(s);
		return c.status;
	}
	*out = s;
	return SCN_OK;
}

int scn_load_buffer(const char *name, const void *bytes, size_t len, struct scn_scenario **out,
                    struct scn_error *err)
{
	return scn_load_buffer_alloc(NULL, name, bytes, len, out, err);
}

int scn_load_file(const char *path, struct scn_scenario **out, struct scn_error *err)
{
	*out = NULL;
	memset(err, 0, sizeof(*err));
	FILE *f = fopen(path, "rb");
	if (!f) {
		scn_error_set(err, path, 0, 0, "cannot open: %s", strerror(errno));
		return SCN_ERR_IO;
	}
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc = SCN_OK;
	for (;;) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			char *nbuf = realloc(buf, ncap);
			if (!nbuf) {
				rc = SCN_ERR_NOMEM;
				break;
			}
			buf = nbuf;
			cap = ncap;
		}
		errno = 0;
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	int read_errno = errno;
	if (rc == SCN_OK && ferror(f))
		rc = SCN_ERR_IO;
	fclose(f);
	if (rc != SCN_OK) {
		free(buf);
		scn_error_set(err, path, 0, 0, "%s",
		              rc == SCN_ERR_IO ? "cannot read" : "out of memory");
		if (rc == SCN_ERR_IO && read_errno)
			scn_error_set(err, path, 0, 0, "cannot read: %s", strerror(read_errno));
		return rc;
	}
	rc = scn_load_buffer(path, buf, len, out, err);
	free(buf);
	return rc;
}

static void topics_free(const struct scn_alloc *a, struct scn_scenario *s)
{
	for (size_t i = 0; i < s->topic_count; i++) {
		scn_mem_free(a, s->topics[i].name);
		scn_config_free(a, &s->topics[i].config);
	}
	scn_mem_free(a, s->topics);
}

static void workload_free(const struct scn_alloc *a, struct scn_scenario *s)
{
	for (size_t i = 0; i < s->producer_group_count; i++) {
		scn_mem_free(a, s->producers[i].topic);
		scn_config_free(a, &s->producers[i].config);
	}
	scn_mem_free(a, s->producers);
	for (size_t i = 0; i < s->consumer_group_count; i++) {
		scn_mem_free(a, s->consumers[i].topic);
		scn_mem_free(a, s->consumers[i].group);
		scn_config_free(a, &s->consumers[i].config);
	}
	scn_mem_free(a, s->consumers);
}

void scn_free(struct scn_scenario *s)
{
	if (!s)
		return;
	/* A copy: the scenario holding the allocator is freed last. */
	struct scn_alloc a = s->alloc;
	scn_mem_free(&a, s->name);
	scn_mem_free(&a, s->description);
	scn_config_free(&a, &s->cluster.broker);
	scn_config_free(&a, &s->cluster.zookeeper_config);
	topics_free(&a, s);
	workload_free(&a, s);
	scn_faults_free(s);
	scn_mem_free(&a, s);
}
