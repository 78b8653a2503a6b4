#include "broker/client/kc_admin.h"

#include <string.h>

#include "broker/kp/kp_error.h"

struct election {
	char *topic;
	int32_t partition;
	bool unclean;
};

struct kc_admin {
	struct env *env;
	const struct kc_admin_config *cfg;
	struct kc_cluster *cluster;
	bool *created;
	bool in_flight;
	bool done;
	struct env_timer retry;
	struct election *elections; /* asked, not yet answered; the first in flight */
	size_t n_elections;
	bool electing;
};

void kc_admin_config_default(struct kc_admin_config *c)
{
	memset(c, 0, sizeof *c);
	kc_cluster_config_default(&c->cluster);
	c->retry_backoff_ns = 200 * 1000000LL;
}

bool kc_admin_done(const struct kc_admin *a)
{
	return a && a->done;
}

static void attempt(struct kc_admin *a);

static void retry_cb(struct env_timer *t)
{
	attempt(t->data);
}

static void later(struct kc_admin *a)
{
	if ((!a->done || a->n_elections) && !env_timer_active(&a->retry))
		env_timer_start(a->env, &a->retry, a->cfg->retry_backoff_ns, retry_cb);
}

static void answered(void *arg, int status, const struct kp_response *resp)
{
	struct kc_admin *a = arg;
	a->in_flight = false;
	if (status == KC_OK) {
		const struct kp_create_topics_response *r = &resp->body.create_topics;
		for (int32_t i = 0; i < r->topic_count; i++) {
			const struct kp_create_topics_topic_response *t = &r->topics[i];
			for (size_t k = 0; k < a->cfg->n_topics; k++) {
				const char *name = a->cfg->topics[k].name;
				if (strlen(name) != (size_t)t->name.len ||
				    memcmp(name, t->name.ptr, (size_t)t->name.len))
					continue;
				if (t->error_code == KP_ERR_NONE ||
				    t->error_code == KP_ERR_TOPIC_ALREADY_EXISTS) {
					if (!a->created[k] && t->error_code == KP_ERR_NONE)
						env_event(a->env, "topic",
							  "topic %s created: %d partitions, "
							  "replication factor %d",
							  name, a->cfg->topics[k].partitions,
							  a->cfg->topics[k].replication_factor);
					a->created[k] = true;
				}
			}
		}
	}
	a->done = true;
	for (size_t k = 0; k < a->cfg->n_topics; k++)
		a->done &= a->created[k];
	later(a);
}

static void elect_next(struct kc_admin *a);

static void attempt(struct kc_admin *a)
{
	if (a->done) {
		elect_next(a);
		return;
	}
	if (a->in_flight)
		return;
	struct kc_conn *conn = kc_cluster_any_conn(a->cluster);
	if (!conn) {
		later(a);
		return;
	}
	size_t n = a->cfg->n_topics, n_cfg = 0;
	for (size_t k = 0; k < n; k++)
		n_cfg += (size_t)a->cfg->topics[k].config_count;
	struct kp_create_topics_topic *topics = env_calloc(a->env, n + 1, sizeof *topics);
	struct kp_create_topics_config *cfgs = env_calloc(a->env, n_cfg + 1, sizeof *cfgs);
	int32_t m = 0;
	size_t c = 0;
	for (size_t k = 0; k < n; k++) {
		const struct kc_admin_topic *t = &a->cfg->topics[k];
		if (a->created[k])
			continue;
		struct kp_create_topics_config *first = &cfgs[c];
		for (int32_t i = 0; i < t->config_count; i++, c++)
			cfgs[c] = (struct kp_create_topics_config){
				{t->config_keys[i], (int32_t)strlen(t->config_keys[i])},
				{t->config_values[i], (int32_t)strlen(t->config_values[i])}};
		topics[m++] = (struct kp_create_topics_topic){
			{t->name, (int32_t)strlen(t->name)}, t->partitions, t->replication_factor,
			NULL, 0, first, t->config_count};
	}
	struct kp_request req;
	memset(&req, 0, sizeof req);
	req.header.api_key = KP_API_CREATE_TOPICS;
	req.header.api_version = KP_CREATE_TOPICS_VERSION;
	req.body.create_topics = (struct kp_create_topics_request){topics, m, 10000, false};
	a->in_flight = kc_conn_send(conn, &req, true, answered, a) == 0;
	env_free(a->env, cfgs);
	env_free(a->env, topics);
	if (!a->in_flight)
		later(a);
}

/* ---- ElectLeaders (kafka-leader-election.sh) ------------------------------------------- */

static const char *election_name(bool unclean)
{
	return unclean ? "unclean" : "preferred";
}

static void elected(void *arg, int status, const struct kp_response *resp)
{
	struct kc_admin *a = arg;
	a->electing = false;
	struct election *e = &a->elections[0];
	const struct kp_elect_leaders_response *el = &resp->body.elect_leaders;
	if (status != KC_OK || el->error_code != KP_ERR_NONE || el->topic_count != 1 ||
	    el->topics[0].partition_count != 1) {
		/* NOT_CONTROLLER or a lost connection: ask the new controller. */
		kc_cluster_refresh(a->cluster);
		later(a);
		return;
	}
	int16_t err = el->topics[0].partitions[0].error_code;
	env_event(a->env, "election", "%s leader election of %s-%d: %s", election_name(e->unclean),
		  e->topic, e->partition, err == KP_ERR_NONE ? "done" : kp_error_name(err));
	env_free(a->env, e->topic);
	memmove(a->elections, a->elections + 1, --a->n_elections * sizeof *a->elections);
	elect_next(a);
}

static void elect_next(struct kc_admin *a)
{
	if (a->electing || !a->n_elections)
		return;
	struct kc_conn *conn = kc_cluster_conn(a->cluster, kc_cluster_controller(a->cluster));
	if (!conn) {
		kc_cluster_refresh(a->cluster);
		later(a);
		return;
	}
	struct election *e = &a->elections[0];
	struct kp_elect_topic t = {{e->topic, (int32_t)strlen(e->topic)}, &e->partition, 1};
	struct kp_request req;
	memset(&req, 0, sizeof req);
	req.header.api_key = KP_API_ELECT_LEADERS;
	req.header.api_version = KP_ELECT_LEADERS_VERSION;
	req.body.elect_leaders = (struct kp_elect_leaders_request){
		e->unclean ? KP_ELECTION_UNCLEAN : KP_ELECTION_PREFERRED, &t, 1, 60000};
	a->electing = kc_conn_send(conn, &req, true, elected, a) == 0;
	if (!a->electing)
		later(a);
}

void kc_admin_elect(struct kc_admin *a, const char *topic, int32_t partition, bool unclean)
{
	a->elections = env_realloc(a->env, a->elections,
				   (a->n_elections + 1) * sizeof *a->elections);
	a->elections[a->n_elections++] = (struct election){env_strdup(a->env, topic), partition,
							   unclean};
	env_event(a->env, "election", "the operator asks for %s leader election of %s-%d",
		  unclean ? "an unclean" : "a preferred", topic, partition);
	if (a->done)
		elect_next(a);
	else
		later(a);
}

static void changed(void *arg)
{
	attempt(arg);
}

void *kc_admin_start(struct env *env, const void *config)
{
	struct kc_admin *a = env_calloc(env, 1, sizeof *a);
	a->env = env;
	a->cfg = config;
	a->created = env_calloc(env, a->cfg->n_topics + 1, sizeof *a->created);
	a->retry.data = a;
	a->cluster = kc_cluster_new(env, &a->cfg->cluster, changed, a);
	kc_cluster_refresh(a->cluster);
	later(a);
	return a;
}
