#include "broker/client/kc_workload.h"

#include <assert.h>
#include <string.h>

struct kw_producer {
	struct env *env;
	const struct kw_producer_config *cfg;
	struct kc_producer *client;
	struct env_timer tick;
	int64_t start_ns;
	uint32_t tag;     /* tells this incarnation's values from a previous one's */
	char prefix[64];  /* "<node>-<tag>-": every value starts so */
	size_t prefix_len;
	uint64_t n;       /* values sent */
	bool stopped;
};

/* A tiny appender for the values below: snprintf was a tenth of the cost
 * of sending a message. Output is truncated to the buffer; text_end ends it. */
struct text {
	char *buf;
	size_t cap, len;
};

static void text_bytes(struct text *t, const char *s, size_t n)
{
	size_t room = t->cap - 1 - t->len;
	if (n > room)
		n = room;
	memcpy(t->buf + t->len, s, n);
	t->len += n;
}

static void text_str(struct text *t, const char *s)
{
	text_bytes(t, s, strlen(s));
}

static void text_u64(struct text *t, uint64_t v)
{
	char digits[20];
	size_t n = sizeof digits;
	do {
		digits[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	text_bytes(t, digits + n, sizeof digits - n);
}

static void text_hex32(struct text *t, uint32_t v)
{
	char hex[8];
	for (int i = 7; i >= 0; i--, v >>= 4)
		hex[i] = "0123456789abcdef"[v & 0xf];
	text_bytes(t, hex, sizeof hex);
}

static void text_end(struct text *t)
{
	t->buf[t->len] = '\0';
}

/* A record's key and value are made again from its id whenever they are
 * needed (sending, reporting the outcome): nothing is kept per record. */
struct record_text {
	char key[24];
	char value[64];
	size_t key_len, value_len;
};

/* value "<node>-<tag as 8 hex digits>-<id>", key "k<id mod keys>" */
static void record_text(const struct kw_producer *p, uint64_t id, struct record_text *rt)
{
	struct text value = {rt->value, sizeof rt->value, 0};
	text_bytes(&value, p->prefix, p->prefix_len);
	text_u64(&value, id);
	text_end(&value);
	rt->value_len = value.len;
	struct text key = {rt->key, sizeof rt->key, 0};
	if (p->cfg->keys) {
		text_bytes(&key, "k", 1);
		text_u64(&key, id % p->cfg->keys);
	}
	text_end(&key);
	rt->key_len = key.len;
}

static void on_result(void *arg, const struct kc_send_result *res)
{
	struct kw_producer *p = arg;
	const struct kw_observer *o = p->cfg->observer;
	if (!o || !o->send_done)
		return;
	struct record_text rt;
	record_text(p, res->id, &rt);
	o->send_done(o->ctx, env_now_ns(p->env), env_node_name(p->env), p->cfg->topic,
		     res->partition, p->cfg->keys ? rt.key : NULL, rt.value, res->offset,
		     res->outcome, res->error);
}

static void send_one(struct kw_producer *p)
{
	uint64_t id = p->n + 1;
	struct record_text rt;
	record_text(p, id, &rt);
	const struct kw_observer *o = p->cfg->observer;
	if (o && o->send_invoke)
		o->send_invoke(o->ctx, env_now_ns(p->env), env_node_name(p->env), p->cfg->topic,
			       p->cfg->keys ? rt.key : NULL, rt.value);
	uint64_t got = kc_producer_send(p->client, p->cfg->topic, p->cfg->keys ? rt.key : NULL,
					rt.key_len, rt.value, rt.value_len);
	/* The producer numbers records 1, 2, ... as we do. */
	assert(got == id);
	(void)got;
	p->n = id;
}

/* Sends at the configured rate: the k-th value at k * den / num seconds,
 * computed from the count so that rounding never drifts. */
static void tick_cb(struct env_timer *t)
{
	struct kw_producer *p = t->data;
	if (p->stopped)
		return;
	send_one(p);
	int64_t next = p->start_ns + (int64_t)(p->n * p->cfg->rate_den * 1000000000ull /
					       p->cfg->rate_num);
	int64_t now = env_now_ns(p->env);
	env_timer_start(p->env, t, next > now ? next - now : 0, tick_cb);
}

void *kw_producer_start(struct env *env, const void *config)
{
	const struct kw_producer_config *cfg = config;
	struct kw_producer *p = env_calloc(env, 1, sizeof *p);
	p->env = env;
	p->cfg = cfg;
	p->client = kc_producer_new(env, &cfg->client, on_result, p);
	p->tick.data = p;
	p->start_ns = env_now_ns(env);
	p->tag = (uint32_t)env_random(env);
	struct text prefix = {p->prefix, sizeof p->prefix, 0};
	text_str(&prefix, env_node_name(env));
	text_bytes(&prefix, "-", 1);
	text_hex32(&prefix, p->tag);
	text_bytes(&prefix, "-", 1);
	text_end(&prefix);
	p->prefix_len = prefix.len;
	if (cfg->rate_num && cfg->rate_den)
		env_timer_start(env, &p->tick, 0, tick_cb);
	return p;
}

void kw_producer_stop(struct kw_producer *p)
{
	p->stopped = true;
	env_timer_stop(p->env, &p->tick);
}

uint64_t kw_producer_sent(const struct kw_producer *p)
{
	return p->n;
}

uint64_t kw_producer_pending(const struct kw_producer *p)
{
	return kc_producer_pending(p->client);
}

/* ---- Consumer ------------------------------------------------------------------ */

struct kw_consumer {
	struct env *env;
	const struct kw_consumer_config *cfg;
	struct kc_consumer *client;
};

static void on_poll(void *arg, const char *topic, int32_t partition,
		    const struct kc_record_view *recs, size_t n, int64_t hw)
{
	struct kw_consumer *c = arg;
	const struct kw_observer *o = c->cfg->observer;
	if (o && o->poll)
		o->poll(o->ctx, env_now_ns(c->env), env_node_name(c->env), topic, partition, recs, n,
			hw, c->cfg->final);
}

static void on_assigned(void *arg, const struct kc_consumer_tp *tps, size_t n,
			int32_t generation)
{
	struct kw_consumer *c = arg;
	const struct kw_observer *o = c->cfg->observer;
	(void)generation;
	if (o && o->assign)
		o->assign(o->ctx, env_now_ns(c->env), env_node_name(c->env), tps, n);
}

static void on_committed(void *arg, const struct kc_consumer_tp *tps, size_t n, int16_t error)
{
	struct kw_consumer *c = arg;
	const struct kw_observer *o = c->cfg->observer;
	if (o && o->commit)
		o->commit(o->ctx, env_now_ns(c->env), env_node_name(c->env), tps, n, error);
}

static void on_reset(void *arg, const struct kc_consumer_tp *tp)
{
	struct kw_consumer *c = arg;
	const struct kw_observer *o = c->cfg->observer;
	if (o && o->seek)
		o->seek(o->ctx, env_now_ns(c->env), env_node_name(c->env), tp);
}

void *kw_consumer_start(struct env *env, const void *config)
{
	const struct kw_consumer_config *cfg = config;
	struct kw_consumer *c = env_calloc(env, 1, sizeof *c);
	c->env = env;
	c->cfg = cfg;
	struct kc_consumer_config cc = cfg->client;
	if (cfg->final)
		cc.reset_earliest = true;
	c->client = kc_consumer_new(env, &cc, on_poll, c);
	struct kc_consumer_listener l = {c, on_assigned, on_committed, on_reset};
	kc_consumer_set_listener(c->client, &l);
	if (cc.group_id && !cfg->final)
		kc_consumer_subscribe(c->client, &cfg->topic, 1);
	else
		kc_consumer_assign_all(c->client, cfg->topic);
	return c;
}

int64_t kw_consumer_position(const struct kw_consumer *c, int32_t partition)
{
	return kc_consumer_position(c->client, c->cfg->topic, partition);
}
