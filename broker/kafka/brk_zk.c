#include "broker/kafka/brk_zk.h"

#include <stdio.h>
#include <string.h>

#include "broker/zk/zk_client.h"

struct brk_zk {
	struct env *env;
	const struct brk_config *cfg;
	struct zk_client *client;
	bool registered;
	uint32_t registrations;
	int64_t broker_epoch;    /* czxid of /brokers/ids/<id>, -1 until registered */
	/* The listener (the controller). */
	void (*on_session)(void *arg, struct zk_client *zc);
	void (*on_watch)(void *arg, int32_t type, struct zk_str path);
	void *listener_arg;
	struct env_timer retry;  /* a failed step tries again */
	struct env_timer renew;  /* a new session after an expiry */
	char connect[BRK_MAX_ZK * 40];
};

static void register_step(struct brk_zk *z, int step);

static void retry_cb(struct env_timer *t)
{
	register_step(t->data, 0);
}

static void again_later(struct brk_zk *z)
{
	/* Kafka retries ZooKeeper operations until they succeed. */
	env_timer_start(z->env, &z->retry, 1000000000, retry_cb);
}

struct step_ctx {
	struct brk_zk *z;
	int step;
};

static void step_done(void *arg, const struct zk_client_result *res)
{
	struct step_ctx *c = arg;
	struct brk_zk *z = c->z;
	int step = c->step;
	env_free(z->env, c);
	if (res->rc != ZOK && res->rc != ZNODEEXISTS) {
		again_later(z);
		return;
	}
	if (step == 3) {
		/* Created, or there already: ours (a create whose answer was lost
		 * to a connection drop), or the previous session's, whose expiry
		 * we wait for. The owner tells, as Kafka's checked ephemeral
		 * create does, and the Stat gives the broker epoch (its czxid). */
		register_step(z, 4);
		return;
	}
	if (step == 4) {
		bool ours = res->rc == ZOK && res->resp->stat.ephemeral_owner ==
						      zk_client_session_id(z->client);
		if (!ours) {
			again_later(z);
			return;
		}
		z->registered = true;
		z->registrations++;
		z->broker_epoch = res->resp->stat.czxid;
		env_log(z->env, ENV_LOG_INFO,
			"registered /brokers/ids/%d (session %llx, broker epoch %lld)",
			z->cfg->broker_id, (unsigned long long)zk_client_session_id(z->client),
			(long long)z->broker_epoch);
		if (z->on_session)
			z->on_session(z->listener_arg, z->client);
		env_event(z->env, "registered", "registered in ZooKeeper as broker %d "
			  "(/brokers/ids/%d)", z->cfg->broker_id, z->cfg->broker_id);
		return;
	}
	register_step(z, step + 1);
}

/* /brokers, /brokers/ids, /brokers/topics, then the ephemeral itself, and
 * when it exists already, whose it is. */
static void register_step(struct brk_zk *z, int step)
{
	if (!z->client || zk_client_state(z->client) != ZK_CLIENT_CONNECTED)
		return;
	static const char *const paths[] = {"/brokers", "/brokers/ids", "/brokers/topics"};
	struct step_ctx *c = env_alloc(z->env, sizeof *c);
	*c = (struct step_ctx){z, step};
	if (step < 3) {
		zk_client_create(z->client, paths[step], NULL, 0, ZK_CREATE_PERSISTENT, step_done,
				 c);
		return;
	}
	char path[64], data[256];
	snprintf(path, sizeof path, "/brokers/ids/%d", z->cfg->broker_id);
	if (step == 4) {
		zk_client_exists(z->client, path, false, step_done, c);
		return;
	}
	int len = snprintf(data, sizeof data,
			   "{\"listener_security_protocol_map\":{\"PLAINTEXT\":\"PLAINTEXT\"},"
			   "\"endpoints\":[\"PLAINTEXT://%s:%u\"],\"jmx_port\":-1,\"host\":\"%s\","
			   "\"timestamp\":\"%lld\",\"port\":%u,\"version\":5}",
			   BRK_ADVERTISED_HOST(z->cfg, z->env), z->cfg->port,
			   BRK_ADVERTISED_HOST(z->cfg, z->env),
			   (long long)env_wall_ms(z->env), z->cfg->port);
	zk_client_create(z->client, path, data, len, ZK_CREATE_EPHEMERAL, step_done, c);
}

static void watcher(void *arg, int32_t type, int32_t state, struct zk_str path);

static void new_session(struct brk_zk *z)
{
	struct zk_client_config cc = {z->connect, (int32_t)z->cfg->zk_session_timeout_ms, watcher, z};
	z->client = zk_client_new(z->env, &cc);
}

static void renew_cb(struct env_timer *t)
{
	struct brk_zk *z = t->data;
	zk_client_free(z->client);
	new_session(z);
}

static void watcher(void *arg, int32_t type, int32_t state, struct zk_str path)
{
	struct brk_zk *z = arg;
	if (type != ZK_EVENT_NONE) {
		if (z->on_watch)
			z->on_watch(z->listener_arg, type, path);
		return;
	}
	if (state == ZK_STATE_SYNC_CONNECTED && !z->registered) {
		register_step(z, 0);
	} else if (state == ZK_STATE_SYNC_CONNECTED) {
		/* A reconnect of the registered session: the listener may retry
		 * what the disconnection failed. */
		if (z->on_session)
			z->on_session(z->listener_arg, z->client);
	} else if (state == ZK_STATE_EXPIRED || state == ZK_STATE_CLOSED) {
		env_log(z->env, ENV_LOG_WARN, "ZooKeeper session expired: registering again");
		env_event(z->env, "session-expired", "its ZooKeeper session expired, so its "
			  "registration /brokers/ids/%d is gone; it registers again", z->cfg->broker_id);
		z->registered = false;
		z->broker_epoch = -1;
		if (z->on_session)
			z->on_session(z->listener_arg, NULL);
		/* Not from inside the client's own callback: a timer frees it. */
		env_timer_start(z->env, &z->renew, 0, renew_cb);
	}
}

struct brk_zk *brk_zk_start(struct env *env, const struct brk_config *cfg)
{
	if (cfg->n_zk_servers == 0)
		return NULL;
	struct brk_zk *z = env_calloc(env, 1, sizeof *z);
	z->env = env;
	z->cfg = cfg;
	z->retry.data = z;
	z->renew.data = z;
	z->broker_epoch = -1;
	size_t off = 0;
	for (int i = 0; i < cfg->n_zk_servers; i++)
		off += (size_t)snprintf(z->connect + off, sizeof z->connect - off, "%s%s:%u",
					i ? "," : "", cfg->zk_servers[i], cfg->zk_port);
	new_session(z);
	return z;
}

bool brk_zk_registered(const struct brk_zk *z)
{
	return z && z->registered;
}

uint32_t brk_zk_registrations(const struct brk_zk *z)
{
	return z ? z->registrations : 0;
}

struct zk_client *brk_zk_client(const struct brk_zk *z)
{
	return z && z->client && zk_client_state(z->client) == ZK_CLIENT_CONNECTED ? z->client
										      : NULL;
}

int64_t brk_zk_broker_epoch(const struct brk_zk *z)
{
	return z && z->registered ? z->broker_epoch : -1;
}

void brk_zk_set_listener(struct brk_zk *z, void (*session)(void *arg, struct zk_client *zc),
			 void (*watch)(void *arg, int32_t type, struct zk_str path), void *arg)
{
	z->on_session = session;
	z->on_watch = watch;
	z->listener_arg = arg;
}
