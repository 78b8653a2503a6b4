/*
 * libFuzzer target for the config table (broker/conf/kcfg.h) and the
 * components that apply it. An input is one owner byte (broker, topic,
 * producer, consumer, ZooKeeper: the byte modulo 5), then KEY=VALUE. The
 * key is looked up and hinted; the value is parsed; then the property the
 * table exists for is checked: the component's setter (brk_config_set,
 * wl_config_*_set) accepts exactly what kcfg_parse accepts, and an accepted
 * integer lies in the key's range. Not built by the Makefile (`make fuzz`
 * builds it with clang); tests/fuzz/replay.c replays the corpus in
 * `make test`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/conf/kcfg.h"
#include "broker/kafka/brk_config.h"
#include "harness/wl_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Unlike assert, on whatever the build flags. */
#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

/* The setter of the key's component: 0 accepted, -1 refused, 1 no setter. */
static int apply(enum kcfg_owner owner, const char *key, const char *value, char *err, size_t size)
{
	struct brk_config b;
	struct kc_producer_config p;
	struct kc_consumer_config c;
	struct zk_server_config z;
	switch (owner) {
	case KCFG_BROKER:
		brk_config_default(&b);
		switch (brk_config_set(&b, key, value, err, size)) {
		case BRK_CONFIG_OK:
			return 0;
		case BRK_CONFIG_IGNORED:
			return 1;
		default:
			return -1;
		}
	case KCFG_PRODUCER:
		kc_producer_config_default(&p);
		return wl_config_producer_set(&p, key, value, err, size);
	case KCFG_CONSUMER:
		kc_consumer_config_default(&c);
		return wl_config_consumer_set(&c, key, value, err, size);
	case KCFG_ZOOKEEPER:
		zk_server_config_default(&z);
		return wl_config_zookeeper_set(&z, key, value, err, size);
	default:
		return 1; /* topic keys: read by the broker from ZooKeeper */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	enum kcfg_owner owner = (enum kcfg_owner)(data[0] % KCFG_OWNER_COUNT);
	char key[160] = "", value[160] = "";
	const uint8_t *eq = memchr(data + 1, '=', size - 1);
	size_t klen = eq ? (size_t)(eq - data - 1) : size - 1;
	size_t vlen = eq ? size - 1 - klen - 1 : 0;
	memcpy(key, data + 1, klen < sizeof key - 1 ? klen : sizeof key - 1);
	if (eq)
		memcpy(value, eq + 1, vlen < sizeof value - 1 ? vlen : sizeof value - 1);

	const struct kcfg_key *hint = kcfg_closest(owner, key);
	CHECK(!hint || hint->owner == owner);
	const struct kcfg_key *k = kcfg_find(owner, key);
	char err[256] = "", aerr[256] = "";
	int rc = apply(owner, key, value, aerr, sizeof aerr);
	if (!k) {
		CHECK(rc != 0); /* a key outside the table is never taken */
		return 0;
	}
	CHECK(k->owner == owner && strcmp(k->name, key) == 0);
	int64_t v = 0;
	int prc = kcfg_parse(k, value, &v, err, sizeof err);
	if (prc) {
		CHECK(err[0] && strlen(err) < sizeof err);
	} else if (k->type == KCFG_SHORT || k->type == KCFG_INT || k->type == KCFG_LONG) {
		CHECK(v >= k->min && v <= k->max);
	} else if (k->type == KCFG_BOOL) {
		CHECK(v == 0 || v == 1);
		CHECK(!strcmp(kcfg_canonical(k, value), v ? "true" : "false"));
	}
	/* Keys ksim sets itself have their own syntax (host:port lists, paths). */
	if (!(k->flags & KCFG_FIXED) && rc != 1)
		CHECK((rc == 0) == (prc == 0));
	if (rc < 0)
		CHECK(aerr[0] != 0);
	return 0;
}
