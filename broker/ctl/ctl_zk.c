#include "broker/ctl/ctl_zk.h"

#include <stdio.h>
#include <string.h>

#include "sim/mutant.h"

/* ---- A bounded JSON scanner --------------------------------------------------------------- */

/* Nesting deeper than this is refused (Kafka's znodes nest three levels). */
#define MAX_DEPTH 8

struct scan {
	const char *p;
	const char *end;
};

static void ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static bool eat(struct scan *s, char c)
{
	ws(s);
	if (s->p < s->end && *s->p == c) {
		s->p++;
		return true;
	}
	return false;
}

/* A string without escapes processing: its raw bytes between the quotes. */
static bool string(struct scan *s, const char **out, size_t *len)
{
	if (!eat(s, '"'))
		return false;
	const char *start = s->p;
	while (s->p < s->end && *s->p != '"') {
		if (*s->p == '\\' && ++s->p == s->end)
			return false;
		s->p++;
	}
	if (s->p == s->end)
		return false;
	*out = start;
	*len = (size_t)(s->p - start);
	s->p++;
	return true;
}

/* An integer in [-2^31, 2^31) (Kafka's ids and epochs); fractions refused. */
static bool integer(struct scan *s, int64_t *out)
{
	ws(s);
	bool neg = s->p < s->end && *s->p == '-';
	if (neg)
		s->p++;
	int64_t v = 0;
	int digits = 0;
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9' && digits < 12) {
		v = v * 10 + (*s->p++ - '0');
		digits++;
	}
	if (!digits || (s->p < s->end && (*s->p == '.' || (*s->p >= '0' && *s->p <= '9'))))
		return false;
	v = neg ? -v : v;
	if (v < INT32_MIN || v > INT32_MAX)
		return false;
	*out = v;
	return true;
}

static bool skip_value(struct scan *s, int depth);

static bool skip_container(struct scan *s, char close, bool object, int depth)
{
	if (depth >= MAX_DEPTH)
		return false;
	if (eat(s, close))
		return true;
	do {
		const char *k;
		size_t kl;
		if (object && (!string(s, &k, &kl) || !eat(s, ':')))
			return false;
		if (!skip_value(s, depth + 1))
			return false;
	} while (eat(s, ','));
	return eat(s, close);
}

static bool skip_value(struct scan *s, int depth)
{
	ws(s);
	if (s->p >= s->end)
		return false;
	const char *str;
	size_t len;
	int64_t n;
	switch (*s->p) {
	case '"':
		return string(s, &str, &len);
	case '{':
		s->p++;
		return skip_container(s, '}', true, depth);
	case '[':
		s->p++;
		return skip_container(s, ']', false, depth);
	case 't':
	case 'f':
	case 'n': {
		static const char *const words[] = {"true", "false", "null"};
		for (int i = 0; i < 3; i++) {
			size_t wl = strlen(words[i]);
			if ((size_t)(s->end - s->p) >= wl && !memcmp(s->p, words[i], wl)) {
				s->p += wl;
				return true;
			}
		}
		return false;
	}
	default:
		return integer(s, &n);
	}
}

/* Finds `key` in the top-level object and leaves the scanner at its value.
 * The whole object is checked to be well formed first. */
static bool find_key(const char *p, size_t len, const char *key, struct scan *at)
{
	struct scan s = {p, p + len};
	if (!skip_value(&s, 0) || (ws(&s), s.p != s.end))
		return false;
	s.p = p;
	if (!eat(&s, '{') || eat(&s, '}'))
		return false;
	do {
		const char *k;
		size_t kl;
		if (!string(&s, &k, &kl) || !eat(&s, ':'))
			return false;
		if (kl == strlen(key) && !memcmp(k, key, kl)) {
			*at = s;
			return true;
		}
		if (!skip_value(&s, 1))
			return false;
	} while (eat(&s, ','));
	return false;
}

static bool int_key(const char *p, size_t len, const char *key, int64_t *out)
{
	struct scan s;
	return find_key(p, len, key, &s) && integer(&s, out);
}

/* An array of broker ids: at most `cap`, none repeated. Returns the count or -1. */
static int32_t id_array(struct scan *s, int32_t *ids, int32_t cap)
{
	if (!eat(s, '['))
		return -1;
	int32_t n = 0;
	if (eat(s, ']'))
		return 0;
	do {
		int64_t v;
		if (n == cap || !integer(s, &v))
			return -1;
		for (int32_t i = 0; i < n; i++)
			if (ids[i] == (int32_t)v)
				return -1;
		ids[n++] = (int32_t)v;
	} while (eat(s, ','));
	return eat(s, ']') ? n : -1;
}

/* ---- Kafka's znodes ------------------------------------------------------------------------ */

int ctl_zk_parse_broker(const char *p, size_t len, char *host, size_t cap, uint16_t *port)
{
	struct scan s;
	const char *h;
	size_t hl;
	int64_t pt;
	if (!find_key(p, len, "host", &s) || !string(&s, &h, &hl) || hl == 0 || cap == 0)
		return -1;
	if (!int_key(p, len, "port", &pt) || pt <= 0 || pt > 65535)
		return -1;
	if (hl >= cap)
		hl = cap - 1;
	memcpy(host, h, hl);
	host[hl] = 0;
	*port = (uint16_t)pt;
	return 0;
}

int ctl_zk_parse_controller(const char *p, size_t len, int32_t *broker_id)
{
	int64_t id;
	if (!int_key(p, len, "brokerid", &id) || id < 0)
		return -1;
	*broker_id = (int32_t)id;
	return 0;
}

int ctl_zk_parse_epoch(const char *p, size_t len, int32_t *epoch)
{
	struct scan s = {p, p + len};
	int64_t v;
	if (!integer(&s, &v) || v < 0 || (ws(&s), s.p != s.end))
		return -1;
	*epoch = (int32_t)v;
	return 0;
}

/* Walks "partitions"; with each NULL it only validates. */
static int walk_partitions(const char *p, size_t len,
			   void (*each)(void *, int32_t, const int32_t *, int32_t), void *arg)
{
	struct scan s;
	if (!find_key(p, len, "partitions", &s) || !eat(&s, '{'))
		return -1;
	if (eat(&s, '}'))
		return 0;
	int count = 0;
	do {
		const char *k;
		size_t kl;
		int32_t ids[CTL_MAX_REPLICAS];
		if (!string(&s, &k, &kl) || !eat(&s, ':'))
			return -1;
		struct scan ks = {k, k + kl};
		int64_t part;
		if (!kl || !integer(&ks, &part) || ks.p != ks.end || part < 0)
			return -1;
		int32_t n = id_array(&s, ids, CTL_MAX_REPLICAS);
		if (n < 0)
			return -1;
		if (each)
			each(arg, (int32_t)part, ids, n);
		count++;
	} while (eat(&s, ','));
	return eat(&s, '}') ? count : -1;
}

int ctl_zk_parse_assignment(const char *p, size_t len,
			    void (*each)(void *arg, int32_t partition, const int32_t *replicas,
					 int32_t n),
			    void *arg)
{
	if (walk_partitions(p, len, NULL, NULL) < 0)
		return -1;
	return walk_partitions(p, len, each, arg);
}

int ctl_zk_parse_state(const char *p, size_t len, struct ctl_pstate *st)
{
	int64_t leader, le, ce;
	struct scan s;
	if (!int_key(p, len, "leader", &leader) || !int_key(p, len, "leader_epoch", &le) ||
	    !int_key(p, len, "controller_epoch", &ce) || !find_key(p, len, "isr", &s))
		return -1;
	int32_t isr[CTL_MAX_REPLICAS];
	int32_t n = id_array(&s, isr, CTL_MAX_REPLICAS);
	if (n < 0 || leader < -1 || le < 0 || ce < 0)
		return -1;
	st->leader = (int32_t)leader;
	st->leader_epoch = (int32_t)le;
	st->controller_epoch = (int32_t)ce;
	memcpy(st->isr, isr, (size_t)n * sizeof isr[0]);
	st->n_isr = n;
	return 0;
}

size_t ctl_zk_encode_state(char *buf, size_t cap, const struct ctl_pstate *st)
{
	char isr[CTL_MAX_REPLICAS * 12 + 3];
	int n = snprintf(buf, cap,
			 "{\"controller_epoch\":%d,\"leader\":%d,\"version\":1,\"leader_epoch\":%d,"
			 "\"isr\":%s}",
			 st->controller_epoch, st->leader, st->leader_epoch,
			 ctl_fmt_ids(isr, sizeof isr, st->isr, st->n_isr));
	return n < 0 ? 0 : (size_t)n;
}

size_t ctl_zk_encode_controller(char *buf, size_t cap, int32_t broker_id, int64_t timestamp_ms)
{
	int n = snprintf(buf, cap, "{\"version\":1,\"brokerid\":%d,\"timestamp\":\"%lld\"}",
			 broker_id, (long long)timestamp_ms);
	return n < 0 ? 0 : (size_t)n;
}

void ctl_zk_partition_path(char *buf, size_t cap, const char *topic, int32_t partition,
			   bool state)
{
	if (partition < 0)
		snprintf(buf, cap, "/brokers/topics/%s/partitions", topic);
	else
		snprintf(buf, cap, "/brokers/topics/%s/partitions/%d%s", topic, partition,
			 state ? "/state" : "");
}

/* ---- Fenced writes -------------------------------------------------------------------------- */

#define MAX_OPS 64

void ctl_zk_fenced_multi(struct zk_client *zc, int32_t epoch_version, const struct zk_request *ops,
			 int32_t n, zk_client_cb *cb, void *arg)
{
	struct zk_request all[MAX_OPS];
	if (n < 0 || n >= MAX_OPS)
		n = MAX_OPS - 1;
	all[0] = (struct zk_request){.type = ZK_OP_CHECK,
				     .path = zk_str_from_cstr(CTL_ZK_EPOCH),
				     /* the mutant checks any version (-1): no fence */
				     .version = KSIM_MUTANT_IS("zk-controller-fence") ? -1
										 : epoch_version};
	memcpy(&all[1], ops, (size_t)n * sizeof *ops);
	zk_client_multi(zc, all, n + 1, cb, arg);
}

enum ctl_zk_outcome ctl_zk_multi_outcome(const struct zk_client_result *res, int32_t *failed_op,
					 int32_t *err, int32_t *versions, int32_t n_versions)
{
	*failed_op = -1;
	*err = res->rc;
	if (res->rc != ZOK || !res->multi)
		return CTL_ZK_LOST;
	struct wire_reader it;
	struct zk_multi_result r;
	zk_vec_iter(&it, res->multi->raw, res->multi->raw_len);
	int32_t i = 0;
	enum ctl_zk_outcome out = CTL_ZK_DONE;
	while (zk_next_multi_result(&it, &r) == 1) {
		if (r.type == ZK_OP_ERROR && r.err != ZOK && r.err != ZRUNTIMEINCONSISTENCY &&
		    out == CTL_ZK_DONE) {
			*failed_op = i;
			*err = r.err;
			out = i == 0 ? CTL_ZK_FENCED : CTL_ZK_OP_FAILED;
		}
		if (i > 0 && versions && i - 1 < n_versions)
			versions[i - 1] = r.type == ZK_OP_SET_DATA ? r.stat.version : 0;
		i++;
	}
	if (out == CTL_ZK_DONE)
		*err = ZOK;
	return out;
}
