/*
 * Kafka and ZooKeeper configuration maps, checked against the kcfg table
 * (broker/conf/kcfg.h), the same table the broker and the workload apply
 * values with: a key the component does not model is an error with the
 * closest key as a hint, a key of another component says where it goes, a
 * value is checked with the key's type and range. So a file that validates
 * runs, and no misspelt key is silently left at its default.
 */
#include "harness/scn_internal.h"

#include <stdlib.h>
#include <string.h>

#include "broker/conf/kcfg.h"

static enum kcfg_owner owner_of(enum scn_cfg_scope scope)
{
	switch (scope) {
	case SCN_CFG_BROKER:
		return KCFG_BROKER;
	case SCN_CFG_TOPIC:
		return KCFG_TOPIC;
	case SCN_CFG_PRODUCER:
		return KCFG_PRODUCER;
	case SCN_CFG_CONSUMER:
		return KCFG_CONSUMER;
	case SCN_CFG_ZOOKEEPER:
		break;
	}
	return KCFG_ZOOKEEPER;
}

/* Where a component's config map sits in a scenario. */
static const char *place_of(enum kcfg_owner owner)
{
	static const char *const places[] = {
	    "cluster.broker", "topics[].config", "workload.producers[].config",
	    "workload.consumers[].config", "cluster.zookeeper_config"};
	return places[owner];
}

/* The error for a key the table does not give this component. */
static int unknown_key(struct scn_ctx *c, const struct scn_ynode *key, enum kcfg_owner owner)
{
	const char *who = kcfg_owner_name(owner);
	const struct kcfg_key *k = kcfg_find(owner, key->text);
	if (k) /* KCFG_FIXED */
		return scn_fail(c, key, "'%s' is not for scenarios (%s)", k->name, k->meaning);
	/* Another component's key: name every place it goes (min.insync.replicas
	 * is a broker and a topic key). */
	char owners[80] = "", places[160] = "";
	for (int o = 0; o < KCFG_OWNER_COUNT; o++) {
		const struct kcfg_key *other = kcfg_find((enum kcfg_owner)o, key->text);
		if ((enum kcfg_owner)o == owner || !other || (other->flags & KCFG_FIXED))
			continue;
		bool first = !owners[0];
		snprintf(owners + strlen(owners), sizeof owners - strlen(owners), "%s%s",
		         first ? "" : " and ", kcfg_owner_name((enum kcfg_owner)o));
		snprintf(places + strlen(places), sizeof places - strlen(places), "%s%s",
		         first ? "" : " or ", place_of((enum kcfg_owner)o));
	}
	if (owners[0])
		return scn_fail(c, key, "'%s' is a %s config key, not a %s one: it goes under %s",
		                key->text, owners, who, places);
	const struct kcfg_key *hint = kcfg_closest(owner, key->text);
	if (hint)
		return scn_fail(c, key, "unknown %s config key '%.60s' (did you mean '%s'?)", who,
		                key->text, hint->name);
	return scn_fail(c, key,
	                "unknown %s config key '%.60s' (ksim validate --defaults FILE lists "
	                "the keys ksim models)",
	                who, key->text);
}

/* Kafka config values come from properties files, where everything is a
 * string: quoted YAML scalars are therefore accepted for numbers too. */
static int check_entry(struct scn_ctx *c, const struct scn_ynode *key, const struct scn_ynode *v,
                       enum scn_cfg_scope scope, const char **store)
{
	enum kcfg_owner owner = owner_of(scope);
	const struct kcfg_key *k = kcfg_find(owner, key->text);
	if (!k || (k->flags & KCFG_FIXED))
		return unknown_key(c, key, owner);
	/* The contract: zookeeper.* keys are errors in kraft mode. */
	if (c->s->cluster.mode == SCN_MODE_KRAFT && strncmp(key->text, "zookeeper.", 10) == 0)
		return scn_fail(c, key, "'%s' has no meaning in kraft mode", key->text);
	if (v->kind != SCN_Y_SCALAR)
		return scn_fail(c, v, "config '%.60s' must be a scalar, got %s", key->text,
		                scn_ykind_name(v->kind));
	if (v->len == 0 || strlen(v->text) != v->len)
		return scn_fail(c, v, "config '%.60s' has no value", key->text);
	char what[240];
	if (kcfg_parse(k, v->text, NULL, what, sizeof what))
		return scn_fail(c, v, "'%s' %s", k->name, what);
	*store = kcfg_canonical(k, v->text);
	return 0;
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
