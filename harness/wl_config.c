#include "harness/wl_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS 1000000LL

static int num(const struct scn_kv *kv, int64_t min, int64_t *out, char *err, size_t size)
{
	char *end;
	errno = 0;
	long long v = strtoll(kv->value, &end, 10);
	if (errno || end == kv->value || *end || v < min) {
		snprintf(err, size, "%s: expected an integer >= %lld, got '%s'", kv->key,
			 (long long)min, kv->value);
		return -1;
	}
	*out = v;
	return 0;
}

static int boolean(const struct scn_kv *kv, bool *out, char *err, size_t size)
{
	if (strcmp(kv->value, "true") && strcmp(kv->value, "false")) {
		snprintf(err, size, "%s: expected true or false, got '%s'", kv->key, kv->value);
		return -1;
	}
	*out = strcmp(kv->value, "true") == 0;
	return 0;
}

int wl_config_producer(struct kc_producer_config *c, const struct scn_config *cfg, char *err,
		       size_t err_size)
{
	for (size_t i = 0; i < cfg->count; i++) {
		const struct scn_kv *kv = &cfg->items[i];
		int64_t v = 0;
		int rc = 0;
		if (!strcmp(kv->key, "acks")) {
			if (!strcmp(kv->value, "all") || !strcmp(kv->value, "-1"))
				c->acks = -1;
			else if (!strcmp(kv->value, "0") || !strcmp(kv->value, "1"))
				c->acks = (int16_t)atoi(kv->value);
			else
				rc = snprintf(err, err_size, "acks: expected all, -1, 0 or 1") * 0 - 1;
		} else if (!strcmp(kv->key, "enable.idempotence")) {
			rc = boolean(kv, &c->idempotence, err, err_size);
		} else if (!strcmp(kv->key, "retries")) {
			if (!(rc = num(kv, 0, &v, err, err_size)))
				c->retries = v > 2147483647 ? 2147483647 : (int32_t)v;
		} else if (!strcmp(kv->key, "max.in.flight.requests.per.connection")) {
			if (!(rc = num(kv, 1, &v, err, err_size)))
				c->max_in_flight = (int32_t)v;
		} else if (!strcmp(kv->key, "delivery.timeout.ms")) {
			if (!(rc = num(kv, 0, &v, err, err_size)))
				c->delivery_timeout_ns = v * MS;
		} else if (!strcmp(kv->key, "linger.ms")) {
			if (!(rc = num(kv, 0, &v, err, err_size)))
				c->linger_ns = v * MS;
		} else if (!strcmp(kv->key, "batch.size")) {
			if (!(rc = num(kv, 1, &v, err, err_size)))
				c->batch_size = (int32_t)v;
		} else if (!strcmp(kv->key, "request.timeout.ms")) {
			if (!(rc = num(kv, 1, &v, err, err_size)))
				c->cluster.conn.request_timeout_ns = v * MS;
		} else if (!strcmp(kv->key, "retry.backoff.ms")) {
			if (!(rc = num(kv, 0, &v, err, err_size)))
				c->cluster.retry_backoff_ns = v * MS;
		}
		if (rc)
			return -1;
	}
	return 0;
}

int wl_config_consumer(struct kc_consumer_config *c, const struct scn_config *cfg, char *err,
		       size_t err_size)
{
	for (size_t i = 0; i < cfg->count; i++) {
		const struct scn_kv *kv = &cfg->items[i];
		int64_t v = 0;
		int rc = 0;
		if (!strcmp(kv->key, "auto.offset.reset")) {
			c->reset_earliest = strcmp(kv->value, "earliest") == 0;
		} else if (!strcmp(kv->key, "isolation.level")) {
			c->isolation_level = strcmp(kv->value, "read_committed") == 0;
		} else if (!strcmp(kv->key, "fetch.max.wait.ms")) {
			if (!(rc = num(kv, 0, &v, err, err_size)))
				c->fetch_max_wait_ns = v * MS;
		} else if (!strcmp(kv->key, "fetch.min.bytes")) {
			if (!(rc = num(kv, 0, &v, err, err_size)))
				c->fetch_min_bytes = (int32_t)v;
		} else if (!strcmp(kv->key, "max.partition.fetch.bytes")) {
			if (!(rc = num(kv, 1, &v, err, err_size)))
				c->max_partition_fetch_bytes = (int32_t)v;
		} else if (!strcmp(kv->key, "request.timeout.ms")) {
			if (!(rc = num(kv, 1, &v, err, err_size)))
				c->cluster.conn.request_timeout_ns = v * MS;
		} else if (!strcmp(kv->key, "session.timeout.ms")) {
			if (!(rc = num(kv, 1, &v, err, err_size)))
				c->session_timeout_ns = v * MS;
		} else if (!strcmp(kv->key, "heartbeat.interval.ms")) {
			if (!(rc = num(kv, 1, &v, err, err_size)))
				c->heartbeat_interval_ns = v * MS;
		} else if (!strcmp(kv->key, "max.poll.interval.ms")) {
			if (!(rc = num(kv, 1, &v, err, err_size)))
				c->rebalance_timeout_ns = v * MS;
		} else if (!strcmp(kv->key, "retry.backoff.ms")) {
			if (!(rc = num(kv, 0, &v, err, err_size)))
				c->cluster.retry_backoff_ns = v * MS;
		}
		if (rc)
			return -1;
	}
	return 0;
}

void wl_config_group(struct kc_consumer_config *c, const char *group, enum scn_commit commit)
{
	c->group_id = group;
	c->commit = commit == SCN_COMMIT_BEFORE_PROCESS ? KC_COMMIT_BEFORE_PROCESS
		    : commit == SCN_COMMIT_NONE	     ? KC_COMMIT_NONE
						     : KC_COMMIT_AFTER_PROCESS;
}
