#include "broker/kafka/brk_metadata.h"

#include <string.h>

struct brk_metadata {
	struct env *env;
	struct brk_meta_broker *brokers;
	size_t n_brokers;
	struct brk_meta_partition *parts;
	size_t n_parts;
	uint64_t version;
	int32_t controller_id;
};

struct brk_metadata *brk_metadata_new(struct env *env)
{
	struct brk_metadata *m = env_calloc(env, 1, sizeof *m);
	m->env = env;
	m->controller_id = -1;
	return m;
}

static void clear(struct brk_metadata *m)
{
	for (size_t i = 0; i < m->n_brokers; i++)
		env_free(m->env, (char *)m->brokers[i].host);
	for (size_t i = 0; i < m->n_parts; i++) {
		env_free(m->env, (char *)m->parts[i].topic);
		env_free(m->env, (int32_t *)m->parts[i].replicas);
		env_free(m->env, (int32_t *)m->parts[i].isr);
	}
	env_free(m->env, m->brokers);
	env_free(m->env, m->parts);
	m->brokers = NULL;
	m->parts = NULL;
	m->n_brokers = m->n_parts = 0;
}

void brk_metadata_free(struct brk_metadata *m)
{
	clear(m);
	env_free(m->env, m);
}

static int32_t *copy_ids(struct env *env, const int32_t *ids, int32_t n)
{
	int32_t *out = env_alloc(env, (size_t)(n > 0 ? n : 1) * sizeof *out);
	if (n > 0)
		memcpy(out, ids, (size_t)n * sizeof *out);
	return out;
}

void brk_metadata_update(struct brk_metadata *m, int32_t controller_id,
			 const struct brk_meta_broker *brokers, size_t n_brokers,
			 const struct brk_meta_partition *parts, size_t n_parts)
{
	clear(m);
	m->controller_id = controller_id;
	m->brokers = env_calloc(m->env, n_brokers + 1, sizeof *m->brokers);
	for (size_t i = 0; i < n_brokers; i++) {
		m->brokers[i] = brokers[i];
		m->brokers[i].host = env_strdup(m->env, brokers[i].host);
	}
	m->n_brokers = n_brokers;
	m->parts = env_calloc(m->env, n_parts + 1, sizeof *m->parts);
	for (size_t i = 0; i < n_parts; i++) {
		m->parts[i] = parts[i];
		m->parts[i].topic = env_strdup(m->env, parts[i].topic);
		m->parts[i].replicas = copy_ids(m->env, parts[i].replicas, parts[i].n_replicas);
		m->parts[i].isr = copy_ids(m->env, parts[i].isr, parts[i].n_isr);
	}
	m->n_parts = n_parts;
	m->version++;
}

uint64_t brk_metadata_version(const struct brk_metadata *m)
{
	return m->version;
}

size_t brk_metadata_brokers(const struct brk_metadata *m, const struct brk_meta_broker **out)
{
	*out = m->brokers;
	return m->n_brokers;
}

size_t brk_metadata_partitions(const struct brk_metadata *m,
			       const struct brk_meta_partition **out)
{
	*out = m->parts;
	return m->n_parts;
}

int32_t brk_metadata_controller(const struct brk_metadata *m)
{
	return m->controller_id;
}
