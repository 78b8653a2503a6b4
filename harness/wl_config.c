#include "harness/wl_config.h"

#include <stdio.h>
#include <string.h>

#include "broker/conf/kcfg.h"

#define MS 1000000LL

/* The table's key for `owner`, its value parsed; -1 with a message when the
 * key is not the component's or the value is out of range. */
static int parse(enum kcfg_owner owner, const char *key, const char *value, int64_t *v, char *err,
                 size_t size)
{
	const struct kcfg_key *k = kcfg_find(owner, key);
	char what[200];
	if (!k || (k->flags & KCFG_FIXED)) {
		snprintf(err, size, "%s: not a %s config key ksim models", key,
		         kcfg_owner_name(owner));
		return -1;
	}
	if (kcfg_parse(k, value, v, what, sizeof what)) {
		snprintf(err, size, "%s: %s", key, what);
		return -1;
	}
	return 0;
}

/* Keys every client has (CommonClientConfigs). */
static bool common_set(struct kc_cluster_config *c, const char *key, int64_t v)
{
	if (!strcmp(key, "request.timeout.ms"))
		c->conn.request_timeout_ns = v * MS;
	else if (!strcmp(key, "retry.backoff.ms"))
		c->retry_backoff_ns = v * MS;
	else if (!strcmp(key, "reconnect.backoff.ms"))
		c->reconnect_backoff_ns = v * MS;
	else if (!strcmp(key, "metadata.max.age.ms"))
		c->metadata_max_age_ns = v * MS;
	else
		return false;
	return true;
}

static int unmodelled(const char *key, const char *who, char *err, size_t size)
{
	snprintf(err, size, "%s: in the %s table but not applied (a ksim bug)", key, who);
	return -1;
}

int wl_config_producer_set(struct kc_producer_config *c, const char *key, const char *value,
                           char *err, size_t err_size)
{
	int64_t v;
	if (parse(KCFG_PRODUCER, key, value, &v, err, err_size))
		return -1;
	if (!strcmp(key, "acks"))
		c->acks = v <= 1 ? -1 : (int16_t)(v - 2); /* all, -1, 0, 1 */
	else if (!strcmp(key, "enable.idempotence"))
		c->idempotence = v != 0;
	else if (!strcmp(key, "retries"))
		c->retries = (int32_t)v;
	else if (!strcmp(key, "max.in.flight.requests.per.connection"))
		c->max_in_flight = (int32_t)v;
	else if (!strcmp(key, "delivery.timeout.ms"))
		c->delivery_timeout_ns = v * MS;
	else if (!strcmp(key, "linger.ms"))
		c->linger_ns = v * MS;
	else if (!strcmp(key, "batch.size"))
		c->batch_size = (int32_t)v;
	else if (!common_set(&c->cluster, key, v))
		return unmodelled(key, "producer", err, err_size);
	return 0;
}

int wl_config_consumer_set(struct kc_consumer_config *c, const char *key, const char *value,
                           char *err, size_t err_size)
{
	int64_t v;
	if (parse(KCFG_CONSUMER, key, value, &v, err, err_size))
		return -1;
	if (!strcmp(key, "auto.offset.reset"))
		c->reset_earliest = v == 1; /* latest, earliest */
	else if (!strcmp(key, "isolation.level"))
		c->isolation_level = (int8_t)v;
	else if (!strcmp(key, "fetch.max.wait.ms"))
		c->fetch_max_wait_ns = v * MS;
	else if (!strcmp(key, "fetch.min.bytes"))
		c->fetch_min_bytes = (int32_t)v;
	else if (!strcmp(key, "fetch.max.bytes"))
		c->fetch_max_bytes = (int32_t)v;
	else if (!strcmp(key, "max.partition.fetch.bytes"))
		c->max_partition_fetch_bytes = (int32_t)v;
	else if (!strcmp(key, "session.timeout.ms"))
		c->session_timeout_ns = v * MS;
	else if (!strcmp(key, "heartbeat.interval.ms"))
		c->heartbeat_interval_ns = v * MS;
	else if (!strcmp(key, "max.poll.interval.ms"))
		c->rebalance_timeout_ns = v * MS;
	else if (!common_set(&c->cluster, key, v))
		return unmodelled(key, "consumer", err, err_size);
	return 0;
}

int wl_config_zookeeper_set(struct zk_server_config *c, const char *key, const char *value,
                            char *err, size_t err_size)
{
	int64_t v;
	if (parse(KCFG_ZOOKEEPER, key, value, &v, err, err_size))
		return -1;
	int32_t x = (int32_t)v;
	if (!strcmp(key, "tickTime"))
		c->tick_time_ms = x;
	else if (!strcmp(key, "initLimit"))
		c->init_limit = x;
	else if (!strcmp(key, "syncLimit"))
		c->sync_limit = x;
	else if (!strcmp(key, "minSessionTimeout"))
		c->min_session_timeout_ms = x < 0 ? 0 : x; /* -1: derived, our 0 */
	else if (!strcmp(key, "maxSessionTimeout"))
		c->max_session_timeout_ms = x < 0 ? 0 : x;
	else if (!strcmp(key, "snapCount"))
		c->snap_count = x;
	else
		return unmodelled(key, "ZooKeeper", err, err_size);
	return 0;
}

int wl_config_producer(struct kc_producer_config *c, const struct scn_config *cfg, char *err,
                       size_t err_size)
{
	for (size_t i = 0; i < cfg->count; i++)
		if (wl_config_producer_set(c, cfg->items[i].key, cfg->items[i].value, err,
		                           err_size))
			return -1;
	return 0;
}

int wl_config_consumer(struct kc_consumer_config *c, const struct scn_config *cfg, char *err,
                       size_t err_size)
{
	for (size_t i = 0; i < cfg->count; i++)
		if (wl_config_consumer_set(c, cfg->items[i].key, cfg->items[i].value, err,
		                           err_size))
			return -1;
	return 0;
}

int wl_config_zookeeper(struct zk_server_config *c, const struct scn_config *cfg, char *err,
                        size_t err_size)
{
	for (size_t i = 0; i < cfg->count; i++)
		if (wl_config_zookeeper_set(c, cfg->items[i].key, cfg->items[i].value, err,
		                            err_size))
			return -1;
	return 0;
}

void wl_config_group(struct kc_consumer_config *c, const char *group, enum scn_commit commit)
{
	c->group_id = group;
	c->commit = commit == SCN_COMMIT_BEFORE_PROCESS ? KC_COMMIT_BEFORE_PROCESS
	            : commit == SCN_COMMIT_NONE         ? KC_COMMIT_NONE
	                                                : KC_COMMIT_AFTER_PROCESS;
}
