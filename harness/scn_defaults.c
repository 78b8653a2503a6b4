/*
 * scn_defaults — `ksim validate --defaults`: every setting a scenario's
 * nodes run with, per component, from the kcfg table (broker/conf/kcfg.h):
 * the file's value where it sets one, else the default (a topic key
 * without override follows its broker key, as in Kafka). Each line says
 * where its value comes from and what the key accepts.
 */
#include "harness/scn.h"

#include <string.h>

#include "broker/conf/kcfg.h"

static const char *file_value(const struct scn_config *cfg, const char *key)
{
	for (size_t i = 0; cfg && i < cfg->count; i++)
		if (strcmp(cfg->items[i].key, key) == 0)
			return cfg->items[i].value;
	return NULL;
}

/* "int 1..2147483647", "one of all, -1, 0, 1", ... into buf. */
static const char *accepts(const struct kcfg_key *k, char *buf, size_t size)
{
	static const char *const types[] = {"true or false", "short", "int", "long"};
	switch (k->type) {
	case KCFG_BOOL:
		return types[0];
	case KCFG_SHORT:
	case KCFG_INT:
	case KCFG_LONG:
		snprintf(buf, size, "%s %lld..%lld", types[k->type], (long long)k->min,
		         (long long)k->max);
		return buf;
	case KCFG_ENUM:
		snprintf(buf, size, "one of");
		for (size_t i = 0; k->values[i]; i++)
			snprintf(buf + strlen(buf), size - strlen(buf), "%s %s", i ? "," : "",
			         k->values[i]);
		return buf;
	case KCFG_VERSION:
		return "a Kafka release (MAJOR.MINOR)";
	case KCFG_STRING:
		break;
	}
	return "text";
}

static void line(FILE *out, const struct kcfg_key *k, const char *value, const char *from)
{
	char buf[200], text[200];
	int n = snprintf(text, sizeof text, "  %s: %s", k->name, value);
	fprintf(out, "%s%*s # %s; %s\n", text, n < 52 ? 52 - n : 0, "", from,
	        accepts(k, buf, sizeof buf));
}

/* One component's section: every key of `owner`, `cfg` the file's map. */
static void section(FILE *out, const struct scn_scenario *s, enum kcfg_owner owner,
                    const struct scn_config *cfg)
{
	size_t n;
	const struct kcfg_key *t = kcfg_table(&n);
	for (size_t i = 0; i < n; i++) {
		const struct kcfg_key *k = &t[i];
		if (k->owner != owner)
			continue;
		if (k->flags & KCFG_FIXED) {
			fprintf(out, "  # %s: %s\n", k->name, k->meaning);
			continue;
		}
		const char *v = file_value(cfg, k->name);
		if (v) {
			line(out, k, v, "set in the file");
		} else if (k->broker_default) {
			const struct kcfg_key *b = kcfg_find(KCFG_BROKER, k->broker_default);
			const char *bv = file_value(&s->cluster.broker, b->name);
			line(out, k, bv ? bv : b->def, "from cluster.broker");
		} else {
			line(out, k, k->def, "default");
		}
	}
}

void scn_print_defaults(const struct scn_scenario *s, FILE *out)
{
	fprintf(out,
	        "# %s: every setting ksim models, as its nodes run with it.\n"
	        "# Keys not listed here are not modelled, and a scenario may not set them.\n",
	        s->name);
	fprintf(out, "cluster.broker:  # broker-1..broker-%d\n", (int)s->cluster.brokers);
	section(out, s, KCFG_BROKER, &s->cluster.broker);
	for (size_t i = 0; i < s->topic_count; i++) {
		fprintf(out, "topic %s:\n", s->topics[i].name);
		section(out, s, KCFG_TOPIC, &s->topics[i].config);
	}
	for (size_t i = 0; i < s->producer_group_count; i++) {
		const struct scn_producer_group *g = &s->producers[i];
		fprintf(out, "producer-%d..producer-%d:\n", (int)g->first_index,
		        (int)(g->first_index + g->count - 1));
		section(out, s, KCFG_PRODUCER, &g->config);
	}
	for (size_t i = 0; i < s->consumer_group_count; i++) {
		const struct scn_consumer_group *g = &s->consumers[i];
		fprintf(out, "consumer-%d..consumer-%d:\n", (int)g->first_index,
		        (int)(g->first_index + g->count - 1));
		section(out, s, KCFG_CONSUMER, &g->config);
	}
	if (s->cluster.mode == SCN_MODE_ZOOKEEPER) {
		fprintf(out, "cluster.zookeeper_config:  # zk-1..zk-%d\n",
		        (int)s->cluster.zookeeper);
		section(out, s, KCFG_ZOOKEEPER, &s->cluster.zookeeper_config);
	}
}
