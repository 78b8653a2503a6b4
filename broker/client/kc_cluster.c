#include "broker/client/kc_cluster.h"

#include <string.h>

#include "broker/kp/kp_error.h"

struct host {
	struct kc_cluster *cluster;
	char *name;
	struct kc_conn *conn; /* NULL when not connected or connecting */
	bool ready;
	int64_t down_until_ns;
};

struct broker {
	int32_t id;
	struct host *host;
};

struct topic {
	char *name;
	size_t name_len;
	int32_t partitions; /* -1: unknown */
	int32_t *leaders;
};

struct kc_cluster {
	struct env *env;
	struct kc_cluster_config cfg;
	kc_changed_cb changed;
	void *arg;
	struct host **hosts; /* in order of first sight */
	size_t n_hosts;
	struct broker *brokers;
	size_t n_brokers;
	struct topic *topics;
	size_t n_topics;
	bool refresh_wanted;
	bool metadata_in_flight;
	int64_t last_refresh_ns;
	uint64_t version;
	int32_t controller; /* from the latest metadata; -1 unknown */
	uint32_t bootstrap_next;
	struct env_timer refresh_timer;
	struct env_timer notify_timer;
	struct env_timer backoff_timer; /* a reconnect backoff ended */
};

static void maybe_refresh(struct kc_cluster *c);

void kc_cluster_config_default(struct kc_cluster_config *c)
{
	memset(c, 0, sizeof *c);
	c->port = 9092;
	kc_conn_config_default(&c->conn);
	c->retry_backoff_ns = 100LL * 1000 * 1000;
	c->reconnect_backoff_ns = 50LL * 1000 * 1000;
	c->metadata_max_age_ns = 300LL * 1000 * 1000 * 1000;
}

/* ---- Notifications: never inside a call into this module ------------------- */

static void notify_fire(struct env_timer *t)
{
	struct kc_cluster *c = t->data;
	c->changed(c->arg);
}

static void notify(struct kc_cluster *c)
{
	if (!env_timer_active(&c->notify_timer))
		env_timer_start(c->env, &c->notify_timer, 0, notify_fire);
}

/* Tells the owner again when a reconnect backoff has ended, so that what
 * waited on that broker is retried. */
static void notify_after_backoff(struct kc_cluster *c)
{
	env_timer_start(c->env, &c->backoff_timer, c->cfg.reconnect_backoff_ns, notify_fire);
}

/* ---- Hosts and connections ----------------------------------------------------- */

static struct host *host_get(struct kc_cluster *c, const char *name, size_t len)
{
	for (size_t i = 0; i < c->n_hosts; i++)
		if (strlen(c->hosts[i]->name) == len && memcmp(c->hosts[i]->name, name, len) == 0)
			return c->hosts[i];
	struct host *h = env_calloc(c->env, 1, sizeof *h);
	h->cluster = c;
	h->name = env_alloc(c->env, len + 1);
	memcpy(h->name, name, len);
	h->name[len] = 0;
	c->hosts = env_realloc(c->env, c->hosts, (c->n_hosts + 1) * sizeof *c->hosts);
	c->hosts[c->n_hosts++] = h;
	return h;
}

static void on_conn_state(void *arg, struct kc_conn *conn, enum kc_state state, int status)
{
	struct host *h = arg;
	struct kc_cluster *c = h->cluster;
	if (state == KC_READY) {
		h->ready = true;
		maybe_refresh(c);
		notify(c);
		return;
	}
	env_log(c->env, ENV_LOG_DEBUG, "connection to %s down: %s", h->name,
		kc_status_name(status));
	h->conn = NULL;
	h->ready = false;
	h->down_until_ns = env_now_ns(c->env) + c->cfg.reconnect_backoff_ns;
	/* As the Java NetworkClient does on a disconnection: the broker may
	 * have died, and metadata will say who leads in its place. */
	c->refresh_wanted = true;
	maybe_refresh(c);
	notify(c);
	notify_after_backoff(c);
}

/* Starts connecting unless connected, connecting or backing off. */
static void host_connect(struct kc_cluster *c, struct host *h)
{
	if (h->conn || env_now_ns(c->env) < h->down_until_ns)
		return;
	h->conn = kc_conn_open(c->env, h->name, c->cfg.port, &c->cfg.conn, on_conn_state, h);
}

struct kc_conn *kc_cluster_conn(struct kc_cluster *c, int32_t broker_id)
{
	for (size_t i = 0; i < c->n_brokers; i++) {
		if (c->brokers[i].id != broker_id)
			continue;
		struct host *h = c->brokers[i].host;
		if (h->ready)
			return h->conn;
		host_connect(c, h);
		return NULL;
	}
	return NULL;
}

struct kc_conn *kc_cluster_any_conn(struct kc_cluster *c)
{
	for (size_t i = 0; i < c->n_hosts; i++)
		if (c->hosts[i]->ready)
			return c->hosts[i]->conn;
	return NULL;
}

/* ---- Metadata ------------------------------------------------------------------ */

static struct topic *topic_find(const struct kc_cluster *c, const char *name, size_t len)
{
	for (size_t i = 0; i < c->n_topics; i++)
		if (c->topics[i].name_len == len && memcmp(c->topics[i].name, name, len) == 0)
			return &c->topics[i];
	return NULL;
}

int32_t kc_cluster_controller(const struct kc_cluster *c)
{
	return c->controller;
}

static void apply_metadata(struct kc_cluster *c, const struct kp_metadata_response *m)
{
	c->controller = m->controller_id;
	c->brokers = env_realloc(c->env, c->brokers, (size_t)m->broker_count * sizeof *c->brokers);
	c->n_brokers = (size_t)m->broker_count;
	for (int32_t i = 0; i < m->broker_count; i++) {
		const struct kp_metadata_broker *b = &m->brokers[i];
		c->brokers[i].id = b->node_id;
		c->brokers[i].host = host_get(c, b->host.ptr, (size_t)b->host.len);
	}
	for (int32_t i = 0; i < m->topic_count; i++) {
		const struct kp_metadata_topic *mt = &m->topics[i];
		struct topic *t = topic_find(c, mt->name.ptr, (size_t)mt->name.len);
		if (!t)
			continue;
		env_free(c->env, t->leaders);
		t->leaders = NULL;
		t->partitions = -1;
		if (mt->error_code != KP_ERR_NONE || mt->partition_count <= 0)
			continue;
		t->partitions = mt->partition_count;
		t->leaders = env_alloc(c->env, (size_t)mt->partition_count * sizeof *t->leaders);
		for (int32_t p = 0; p < mt->partition_count; p++)
			t->leaders[p] = -1;
		for (int32_t p = 0; p < mt->partition_count; p++) {
			const struct kp_metadata_partition *mp = &mt->partitions[p];
			if (mp->partition_index >= 0 && mp->partition_index < mt->partition_count)
				t->leaders[mp->partition_index] = mp->leader_id;
		}
	}
	c->version++;
}

static void refresh_timer_cb(struct env_timer *t)
{
	struct kc_cluster *c = t->data;
	c->refresh_wanted = true;
	maybe_refresh(c);
}

static void on_metadata(void *arg, int status, const struct kp_response *resp)
{
	struct kc_cluster *c = arg;
	c->metadata_in_flight = false;
	if (status == KC_OK) {
		apply_metadata(c, &resp->body.metadata);
		c->refresh_wanted = false;
		env_timer_start(c->env, &c->refresh_timer, c->cfg.metadata_max_age_ns,
				refresh_timer_cb);
		notify(c);
		return;
	}
	/* Try again after the backoff, through whichever broker is up then. */
	env_timer_start(c->env, &c->refresh_timer, c->cfg.retry_backoff_ns, refresh_timer_cb);
}

static void send_metadata(struct kc_cluster *c, struct kc_conn *conn)
{
	struct kp_str names[64];
	int32_t n = 0;
	for (size_t i = 0; i < c->n_topics && n < 64; i++)
		names[n++] = (struct kp_str){c->topics[i].name, (int32_t)strlen(c->topics[i].name)};
	struct kp_request req;
	memset(&req, 0, sizeof req);
	req.header.api_key = KP_API_METADATA;
	req.header.api_version = 4;
	req.body.metadata.topics = names;
	req.body.metadata.topic_count = n;
	req.body.metadata.allow_auto_topic_creation = false;
	if (kc_conn_send(conn, &req, true, on_metadata, c) == KC_OK) {
		c->metadata_in_flight = true;
		c->last_refresh_ns = env_now_ns(c->env);
	}
}

static void maybe_refresh(struct kc_cluster *c)
{
	if (!c->refresh_wanted || c->metadata_in_flight)
		return;
	int64_t now = env_now_ns(c->env);
	if (c->version && now - c->last_refresh_ns < c->cfg.retry_backoff_ns) {
		env_timer_start(c->env, &c->refresh_timer,
				c->last_refresh_ns + c->cfg.retry_backoff_ns - now, refresh_timer_cb);
		return;
	}
	struct kc_conn *conn = kc_cluster_any_conn(c);
	if (conn) {
		send_metadata(c, conn);
		return;
	}
	/* Nobody connected: open the next known broker, or bootstrap server. */
	size_t candidates = c->n_brokers ? c->n_brokers : (size_t)c->cfg.n_bootstrap;
	for (size_t k = 0; k < candidates; k++) {
		uint32_t i = c->bootstrap_next++ % (uint32_t)candidates;
		struct host *h = c->n_brokers
					 ? c->brokers[i].host
					 : host_get(c, c->cfg.bootstrap[i], strlen(c->cfg.bootstrap[i]));
		if (h->conn)
			return; /* its READY will bring us back */
		if (now >= h->down_until_ns) {
			host_connect(c, h);
			return;
		}
	}
	/* Everyone is backing off: look again when the first backoff ends. */
	env_timer_start(c->env, &c->refresh_timer, c->cfg.reconnect_backoff_ns, refresh_timer_cb);
}

void kc_cluster_refresh(struct kc_cluster *c)
{
	c->refresh_wanted = true;
	maybe_refresh(c);
}

void kc_cluster_want_topic(struct kc_cluster *c, const char *topic)
{
	if (!topic_find(c, topic, strlen(topic))) {
		c->topics = env_realloc(c->env, c->topics, (c->n_topics + 1) * sizeof *c->topics);
		c->topics[c->n_topics++] =
			(struct topic){env_strdup(c->env, topic), strlen(topic), -1, NULL};
	}
	kc_cluster_refresh(c);
}

int32_t kc_cluster_partitions(const struct kc_cluster *c, const char *topic)
{
	const struct topic *t = topic_find(c, topic, strlen(topic));
	return t ? t->partitions : -1;
}

int32_t kc_cluster_leader(const struct kc_cluster *c, const char *topic, int32_t partition)
{
	const struct topic *t = topic_find(c, topic, strlen(topic));
	if (!t || partition < 0 || partition >= t->partitions)
		return -1;
	return t->leaders[partition];
}

uint64_t kc_cluster_metadata_version(const struct kc_cluster *c)
{
	return c->version;
}

int32_t kc_cluster_leader_memo(const struct kc_cluster *c, const char *topic, int32_t partition,
			       struct kc_leader_memo *m)
{
	if (m->at != c->version + 1) {
		m->leader = kc_cluster_leader(c, topic, partition);
		m->at = c->version + 1;
	}
	return m->leader;
}

struct kc_cluster *kc_cluster_new(struct env *env, const struct kc_cluster_config *cfg,
				  kc_changed_cb changed, void *arg)
{
	struct kc_cluster *c = env_calloc(env, 1, sizeof *c);
	c->controller = -1;
	c->env = env;
	c->cfg = *cfg;
	c->changed = changed;
	c->arg = arg;
	c->refresh_timer.data = c;
	c->notify_timer.data = c;
	c->backoff_timer.data = c;
	kc_cluster_refresh(c);
	return c;
}

void kc_cluster_free(struct kc_cluster *c)
{
	env_timer_stop(c->env, &c->refresh_timer);
	env_timer_stop(c->env, &c->notify_timer);
	env_timer_stop(c->env, &c->backoff_timer);
	for (size_t i = 0; i < c->n_hosts; i++) {
		if (c->hosts[i]->conn)
			kc_conn_close(c->hosts[i]->conn);
		env_free(c->env, c->hosts[i]->name);
		env_free(c->env, c->hosts[i]);
	}
	for (size_t i = 0; i < c->n_topics; i++) {
		env_free(c->env, c->topics[i].name);
		env_free(c->env, c->topics[i].leaders);
	}
	env_free(c->env, c->hosts);
	env_free(c->env, c->brokers);
	env_free(c->env, c->topics);
	env_free(c->env, c);
}
