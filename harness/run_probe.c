/* run_probe — the liveness probe node (see run_probe.h). */
#include "harness/run_probe.h"

#include <stdio.h>
#include <string.h>

#include "broker/client/kc_partitioner.h"

struct probe_rec {
	size_t topic;
	int32_t partition;
	char key[24];
	char value[96];
	bool done, acked;
	int64_t offset;
};

struct run_probe {
	struct env *env;
	const struct run_probe_config *cfg;
	struct kc_producer *client;
	struct probe_rec *recs; /* by kc_producer id - 1 */
	size_t n;
	size_t *first;          /* index of topic t's partition 0 in recs */
	uint64_t pending;
};

static void on_result(void *arg, const struct kc_send_result *res)
{
	struct run_probe *p = arg;
	if (res->id < 1 || res->id > p->n)
		return;
	struct probe_rec *r = &p->recs[res->id - 1];
	r->done = true;
	r->acked = res->outcome == KC_SEND_OK && res->offset >= 0;
	r->offset = res->offset;
	p->pending--;
	const struct kw_observer *o = p->cfg->observer;
	if (o && o->send_done)
		o->send_done(o->ctx, env_now_ns(p->env), env_node_name(p->env),
			     p->cfg->topics[r->topic].name, res->partition, r->key, r->value,
			     res->offset, res->outcome, res->error);
}

/* The first key "probe-N" that the default partitioner sends to `partition`
 * of `partitions`; murmur2 spreads keys evenly, so few N are tried. */
static void key_for(int32_t partition, int32_t partitions, char *key, size_t size)
{
	for (uint64_t n = 0;; n++) {
		int len = snprintf(key, size, "probe-%llu", (unsigned long long)n);
		if (kc_partition_for_key(key, (size_t)len, partitions) == partition)
			return;
	}
}

void *run_probe_start(struct env *env, const void *config)
{
	const struct run_probe_config *cfg = config;
	struct run_probe *p = env_calloc(env, 1, sizeof *p);
	p->env = env;
	p->cfg = cfg;
	p->first = env_calloc(env, cfg->n_topics + 1, sizeof *p->first);
	for (size_t t = 0; t < cfg->n_topics; t++) {
		p->first[t] = p->n;
		p->n += (size_t)cfg->topics[t].partitions;
	}
	p->recs = env_calloc(env, p->n + 1, sizeof *p->recs);
	p->client = kc_producer_new(env, &cfg->client, on_result, p);
	const struct kw_observer *o = cfg->observer;
	for (size_t t = 0; t < cfg->n_topics; t++) {
		const char *topic = cfg->topics[t].name;
		for (int32_t k = 0; k < cfg->topics[t].partitions; k++) {
			struct probe_rec *r = &p->recs[p->first[t] + (size_t)k];
			r->topic = t;
			r->partition = k;
			r->offset = -1;
			key_for(k, cfg->topics[t].partitions, r->key, sizeof r->key);
			snprintf(r->value, sizeof r->value, "probe-%.60s-%d", topic, (int)k);
			if (o && o->send_invoke)
				o->send_invoke(o->ctx, env_now_ns(env), env_node_name(env), topic,
					       r->key, r->value);
			kc_producer_send(p->client, topic, r->key, strlen(r->key), r->value,
					 strlen(r->value));
			p->pending++;
		}
	}
	return p;
}

uint64_t run_probe_pending(const struct run_probe *p)
{
	return p->pending;
}

static const struct probe_rec *rec_of(const struct run_probe *p, size_t t, int32_t partition)
{
	if (t >= p->cfg->n_topics || partition < 0 || partition >= p->cfg->topics[t].partitions)
		return NULL;
	return &p->recs[p->first[t] + (size_t)partition];
}

const char *run_probe_value(const struct run_probe *p, size_t t, int32_t partition)
{
	const struct probe_rec *r = rec_of(p, t, partition);
	return r ? r->value : NULL;
}

bool run_probe_acked(const struct run_probe *p, size_t t, int32_t partition, int64_t *offset)
{
	const struct probe_rec *r = rec_of(p, t, partition);
	if (!r || !r->acked)
		return false;
	*offset = r->offset;
	return true;
}
