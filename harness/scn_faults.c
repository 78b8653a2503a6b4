/*
 * Faults, targets, nemesis and expect. Targets are checked against the
 * cluster the scenario declares (broker-7 in a 3-broker cluster, a topic
 * that is not declared, a partition index past the topic's count); roles
 * such as `controller` or `leader:T/P` are only parsed here, since they
 * resolve when the fault fires.
 */
#include "harness/scn_internal.h"

#include <stdlib.h>
#include <string.h>

static const char *const action_names[] = {"kill",  "power-loss", "restart", "pause",
                                           "partition", "heal", "delay",  "disk",
                                           "clock", "stop", "elect-leaders", NULL};

static const char *const checker_names[] = {
    "lost-write",        "duplicate",   "inconsistent-offsets", "nonmonotonic-poll",
    "nonmonotonic-send", "poll-skip",   "unexpected",           "replica-divergence",
    "committed-rewrite", "split-brain", "zk-agreement",         "group-skip",
    "group-redelivery",  NULL,
};

_Static_assert(sizeof checker_names / sizeof *checker_names == SCN_CHK_COUNT + 1,
	       "a name for every checker");

static const char *const expect_names[] = {"any", "none", "some", NULL};

const char *scn_action_name(enum scn_action a)
{
	return a < SCN_ACTION_COUNT ? action_names[a] : "?";
}

const char *scn_checker_name(enum scn_checker c)
{
	return c < SCN_CHK_COUNT ? checker_names[c] : "?";
}

const char *scn_expect_name(enum scn_expect e)
{
	return e <= SCN_EXPECT_SOME ? expect_names[e] : "?";
}

static const char *const fixed_targets[] = {"controller", "zk-leader", "random-broker", "random-zk",
                                            "brokers",    "zookeeper", "all",           NULL};
static const enum scn_target_kind fixed_kinds[] = {
    SCN_TARGET_CONTROLLER, SCN_TARGET_ZK_LEADER, SCN_TARGET_RANDOM_BROKER, SCN_TARGET_RANDOM_ZK,
    SCN_TARGET_BROKERS,    SCN_TARGET_ZOOKEEPER, SCN_TARGET_ALL,
};

struct numbered {
	const char *prefix;
	enum scn_target_kind kind;
	const char *plural;
};

static const struct numbered numbered_targets[] = {
    {"broker-", SCN_TARGET_BROKER, "brokers"},
    {"zk-", SCN_TARGET_ZK, "ZooKeeper servers"},
    {"producer-", SCN_TARGET_PRODUCER, "producers"},
    {"consumer-", SCN_TARGET_CONSUMER, "consumers"},
};

/* 1..9999 without leading zeros, so that `broker-01` is not broker-1. */
static int parse_index(const char *s, int32_t *out)
{
	size_t n = strlen(s);
	if (n == 0 || n > 4 || s[0] == '0' || strspn(s, "0123456789") != n)
		return -1;
	*out = (int32_t)atoi(s);
	return 0;
}

static int32_t numbered_limit(const struct scn_scenario *s, enum scn_target_kind kind)
{
	int32_t total = 0;
	switch (kind) {
	case SCN_TARGET_BROKER:
		return s->cluster.brokers;
	case SCN_TARGET_ZK:
		return s->cluster.zookeeper;
	case SCN_TARGET_PRODUCER:
		for (size_t i = 0; i < s->producer_group_count; i++)
			total += s->producers[i].count;
		return total;
	default:
		for (size_t i = 0; i < s->consumer_group_count; i++)
			total += s->consumers[i].count;
		return total;
	}
}

static int parse_numbered(struct scn_ctx *c, const struct scn_ynode *n, const struct numbered *k,
                          struct scn_target *t)
{
	if (parse_index(n->text + strlen(k->prefix), &t->index))
		return scn_fail(c, n, "unknown target '%.60s': expected %sN with N from 1", n->text,
		                k->prefix);
	int32_t limit = numbered_limit(c->s, k->kind);
	if (k->kind == SCN_TARGET_ZK && c->s->cluster.mode == SCN_MODE_KRAFT)
		return scn_fail(c, n, "unknown target '%.60s': a kraft cluster has no ZooKeeper",
		                n->text);
	if (t->index > limit)
		return scn_fail(c, n, "unknown target '%.60s': the scenario has %d %s", n->text,
		                limit, k->plural);
	t->kind = k->kind;
	return 0;
}

/* leader:TOPIC/P and follower:TOPIC/P; topic names cannot hold '/', so the
 * last '/' separates the partition. */
static int parse_role(struct scn_ctx *c, const struct scn_ynode *n, const char *rest,
                      struct scn_target *t)
{
	const char *slash = strrchr(rest, '/');
	int64_t p = -1;
	if (slash && slash[1] && strspn(slash + 1, "0123456789") == strlen(slash + 1) &&
	    strlen(slash + 1) <= 9)
		p = atol(slash + 1);
	if (!slash || slash == rest || p < 0)
		return scn_fail(c, n, "target '%.60s' must be %s:TOPIC/PARTITION", n->text,
		                t->kind == SCN_TARGET_LEADER ? "leader" : "follower");
	if (!(t->topic = scn_mem_alloc(c->a, (size_t)(slash - rest) + 1)))
		return scn_fail_nomem(c);
	memcpy(t->topic, rest, (size_t)(slash - rest));
	t->topic[slash - rest] = '\0';
	t->partition = (int32_t)p;
	int ti = scn_find_topic(c->s, t->topic);
	if (ti < 0)
		return scn_fail(c, n, "unknown topic '%.60s' in target '%.60s'", t->topic, n->text);
	int32_t count = c->s->topics[ti].partitions;
	if (p >= count)
		return scn_fail(c, n,
		                "partition %lld out of range in target '%.60s': topic '%.60s' "
		                "has %d partitions (0 to %d)",
		                (long long)p, n->text, t->topic, count, count - 1);
	return 0;
}

static bool needs_zookeeper(enum scn_target_kind k)
{
	return k == SCN_TARGET_ZK_LEADER || k == SCN_TARGET_RANDOM_ZK || k == SCN_TARGET_ZOOKEEPER;
}

static int parse_target(struct scn_ctx *c, const struct scn_ynode *n, struct scn_target *t)
{
	if (scn_want(c, n, SCN_Y_SCALAR, "target"))
		return -1;
	for (size_t i = 0; fixed_targets[i]; i++) {
		if (strcmp(n->text, fixed_targets[i]) != 0)
			continue;
		t->kind = fixed_kinds[i];
		if (needs_zookeeper(t->kind) && c->s->cluster.mode == SCN_MODE_KRAFT)
			return scn_fail(c, n,
			                "unknown target '%s': a kraft cluster has no "
			                "ZooKeeper",
			                n->text);
		return 0;
	}
	for (size_t i = 0; i < sizeof(numbered_targets) / sizeof(numbered_targets[0]); i++) {
		const struct numbered *k = &numbered_targets[i];
		if (strncmp(n->text, k->prefix, strlen(k->prefix)) == 0)
			return parse_numbered(c, n, k, t);
	}
	if (strcmp(n->text, "rest") == 0) {
		t->kind = SCN_TARGET_REST;
		return c->allow_rest ? 0
		                     : scn_fail(c, n,
		                                "'rest' is only a member of partition groups "
		                                "(every node not named in another group)");
	}
	if (strncmp(n->text, "leader:", 7) == 0) {
		t->kind = SCN_TARGET_LEADER;
		return parse_role(c, n, n->text + 7, t);
	}
	if (strncmp(n->text, "follower:", 9) == 0) {
		t->kind = SCN_TARGET_FOLLOWER;
		return parse_role(c, n, n->text + 9, t);
	}
	const char *hint = scn_closest(n->text, fixed_targets);
	if (hint)
		return scn_fail(c, n, "unknown target '%.60s' (did you mean '%s'?)", n->text, hint);
	return scn_fail(c, n,
	                "unknown target '%.60s' (one of broker-N, zk-N, producer-N, consumer-N, "
	                "controller, zk-leader, leader:TOPIC/P, follower:TOPIC/P, random-broker, "
	                "random-zk, brokers, zookeeper, all, or a list)",
	                n->text);
}

/* A target value: one target, or a non-empty list of them. */
static int parse_targets(struct scn_ctx *c, const struct scn_ynode *n, struct scn_targets *ts)
{
	const struct scn_ynode *const *items = (const struct scn_ynode *const *)&n;
	size_t count = 1;
	if (n->kind == SCN_Y_SEQ) {
		items = (const struct scn_ynode *const *)n->items;
		count = n->count;
		if (count == 0)
			return scn_fail(c, n, "empty target list");
	}
	if (!(ts->items = scn_mem_calloc(c->a, count, sizeof(*ts->items))))
		return scn_fail_nomem(c);
	for (size_t i = 0; i < count; i++) {
		ts->count++;
		if (parse_target(c, items[i], &ts->items[i]))
			return -1;
	}
	return 0;
}

static void targets_free(const struct scn_alloc *a, struct scn_targets *ts)
{
	for (size_t i = 0; i < ts->count; i++)
		scn_mem_free(a, ts->items[i].topic);
	scn_mem_free(a, ts->items);
}

static const char *const partition_keys[] = {"isolate", "groups", "halves", "one-way", NULL};
static const char *const one_way_keys[] = {"from", "to", NULL};

static int load_groups(struct scn_ctx *c, const struct scn_ynode *n, struct scn_fault *f)
{
	if (scn_want(c, n, SCN_Y_SEQ, "groups"))
		return -1;
	if (n->count < 2)
		return scn_fail(c, n, "'groups' needs at least two groups");
	if (!(f->partition.groups = scn_mem_calloc(c->a, n->count, sizeof(*f->partition.groups))))
		return scn_fail_nomem(c);
	c->allow_rest = true;
	for (size_t i = 0; i < n->count; i++) {
		f->partition.group_count++;
		if (parse_targets(c, n->items[i], &f->partition.groups[i])) {
			c->allow_rest = false;
			return -1;
		}
	}
	c->allow_rest = false;
	return scn_check_groups(c, n, f);
}

static int load_partition(struct scn_ctx *c, const struct scn_ynode *n, struct scn_fault *f)
{
	const struct scn_ynode *v;
	bool halves;
	if (scn_check_map(c, n, partition_keys, "partition"))
		return -1;
	if (n->count != 2)
		return scn_fail(c, n,
		                "'partition' takes exactly one of isolate, groups, halves, "
		                "one-way");
	const char *kind = n->items[0]->text;
	v = n->items[1];
	if (strcmp(kind, "isolate") == 0) {
		f->partition.kind = SCN_PARTITION_ISOLATE;
		return parse_targets(c, v, &f->targets);
	}
	if (strcmp(kind, "groups") == 0) {
		f->partition.kind = SCN_PARTITION_GROUPS;
		return load_groups(c, v, f);
	}
	if (strcmp(kind, "halves") == 0) {
		f->partition.kind = SCN_PARTITION_HALVES;
		if (scn_get_bool(c, v, "halves", &halves))
			return -1;
		return halves ? 0 : scn_fail(c, v, "'halves' can only be true");
	}
	f->partition.kind = SCN_PARTITION_ONE_WAY;
	const struct scn_ynode *from, *to;
	if (scn_check_map(c, v, one_way_keys, "one-way") ||
	    scn_require(c, v, "from", "one-way", &from) ||
	    scn_require(c, v, "to", "one-way", &to) || parse_targets(c, from, &f->partition.from) ||
	    parse_targets(c, to, &f->partition.to))
		return -1;
	return 0;
}

static const char *const delay_keys[] = {"target", "latency", NULL};
static const char *const disk_keys[] = {"target", "fault", "latency", "free", NULL};
static const char *const disk_faults[] = {"fsync-error", "write-error", "full",
                                          "corrupt",     "slow",        NULL};
static const char *const clock_keys[] = {"target", "skew", "step", NULL};
static const char *const heal_names[] = {"all", "partition", NULL};

static int load_delay(struct scn_ctx *c, const struct scn_ynode *n, struct scn_fault *f)
{
	const struct scn_ynode *t, *l;
	if (scn_check_map(c, n, delay_keys, "delay") || scn_require(c, n, "target", "delay", &t) ||
	    scn_require(c, n, "latency", "delay", &l) || parse_targets(c, t, &f->targets) ||
	    scn_get_range(c, l, "latency", &f->latency))
		return -1;
	return 0;
}

static int check_disk_targets(struct scn_ctx *c, const struct scn_ynode *n,
                              const struct scn_targets *ts)
{
	for (size_t i = 0; i < ts->count; i++) {
		enum scn_target_kind k = ts->items[i].kind;
		if (k == SCN_TARGET_PRODUCER || k == SCN_TARGET_CONSUMER)
			return scn_fail(c, n,
			                "disk faults apply to brokers and ZooKeeper "
			                "servers; clients have no disk");
	}
	return 0;
}

static int load_disk(struct scn_ctx *c, const struct scn_ynode *n, struct scn_fault *f)
{
	const struct scn_ynode *t, *v;
	int kind;
	if (scn_check_map(c, n, disk_keys, "disk") || scn_require(c, n, "target", "disk", &t) ||
	    parse_targets(c, t, &f->targets) || check_disk_targets(c, t, &f->targets) ||
	    scn_require(c, n, "fault", "disk", &v) ||
	    scn_get_enum(c, v, "fault", disk_faults, &kind))
		return -1;
	f->disk.fault = (enum scn_disk_fault)kind;
	v = scn_get(n, "latency");
	if (kind == SCN_DISK_SLOW && !v)
		return scn_fail(c, n, "missing required key 'latency' in disk (fault: slow)");
	if (v && kind != SCN_DISK_SLOW)
		return scn_fail(c, scn_get_key(n, "latency"),
		                "'latency' applies only to "
		                "fault: slow");
	if (v && scn_get_range(c, v, "latency", &f->latency))
		return -1;
	v = scn_get(n, "free");
	if (v && kind != SCN_DISK_FULL)
		return scn_fail(c, scn_get_key(n, "free"), "'free' applies only to fault: full");
	if (v && scn_get_size(c, v, "free", &f->disk.free_bytes))
		return -1;
	return 0;
}

static int load_clock(struct scn_ctx *c, const struct scn_ynode *n, struct scn_fault *f)
{
	const struct scn_ynode *t, *skew, *step;
	if (scn_check_map(c, n, clock_keys, "clock") || scn_require(c, n, "target", "clock", &t) ||
	    parse_targets(c, t, &f->targets))
		return -1;
	skew = scn_get(n, "skew");
	step = scn_get(n, "step");
	if (!skew == !step)
		return scn_fail(c, n, "'clock' takes exactly one of skew, step");
	f->clock.kind = skew ? SCN_CLOCK_SKEW : SCN_CLOCK_STEP;
	return scn_get_duration(c, skew ? skew : step, skew ? "skew" : "step", true,
	                        &f->clock.offset_ns);
}

/* `stop` is a broker's controlled shutdown: brokers only, ZooKeeper mode. */
static int load_stop(struct scn_ctx *c, const struct scn_ynode *n, struct scn_fault *f)
{
	if (parse_targets(c, n, &f->targets))
		return -1;
	if (c->s->cluster.mode == SCN_MODE_KRAFT)
		return scn_fail(c, n,
		                "'stop' (controlled shutdown) is modelled in ZooKeeper mode only; "
		                "a kraft cluster's (the heartbeat's WantShutDown) is not yet: use "
		                "kill");
	const struct scn_ynode *const *items = (const struct scn_ynode *const *)&n;
	size_t count = 1;
	if (n->kind == SCN_Y_SEQ) {
		items = (const struct scn_ynode *const *)n->items;
		count = n->count;
	}
	for (size_t i = 0; i < f->targets.count; i++) {
		enum scn_target_kind k = f->targets.items[i].kind;
		if (k == SCN_TARGET_ZK || k == SCN_TARGET_ZK_LEADER || k == SCN_TARGET_RANDOM_ZK ||
		    k == SCN_TARGET_ZOOKEEPER || k == SCN_TARGET_ALL || k == SCN_TARGET_PRODUCER ||
		    k == SCN_TARGET_CONSUMER)
			return scn_fail(c, items[i < count ? i : 0],
			                "'stop' is a broker's controlled shutdown: its targets are "
			                "brokers (broker-N, controller, leader:T/P, follower:T/P, "
			                "random-broker, brokers); use kill for other nodes");
	}
	return 0;
}

static const char *const elect_keys[] = {"topic", "partition", "type", NULL};
static const char *const election_types[] = {"preferred", "unclean", NULL};

/* {topic: T, partition: P, type: preferred | unclean}: ElectLeaders through
 * the admin client, ZooKeeper mode. */
static int load_elect(struct scn_ctx *c, const struct scn_ynode *n, struct scn_fault *f)
{
	const struct scn_ynode *t, *p, *ty;
	int64_t part;
	int type;
	if (scn_check_map(c, n, elect_keys, "elect-leaders") ||
	    scn_require(c, n, "topic", "elect-leaders", &t) ||
	    scn_require(c, n, "partition", "elect-leaders", &p) ||
	    scn_require(c, n, "type", "elect-leaders", &ty) ||
	    scn_want(c, t, SCN_Y_SCALAR, "topic") ||
	    scn_get_int(c, p, "partition", 0, INT32_MAX, &part) ||
	    scn_get_enum(c, ty, "type", election_types, &type))
		return -1;
	if (c->s->cluster.mode == SCN_MODE_KRAFT)
		return scn_fail(c, n,
		                "'elect-leaders' is modelled in ZooKeeper mode only (a kraft "
		                "cluster's controller does not serve it yet)");
	int ti = scn_find_topic(c->s, t->text);
	if (ti < 0)
		return scn_fail(c, t, "unknown topic '%.60s' in elect-leaders", t->text);
	if (part >= c->s->topics[ti].partitions)
		return scn_fail(c, p,
		                "partition %lld out of range in elect-leaders: topic '%.60s' has "
		                "%d partitions (0 to %d)",
		                (long long)part, t->text, c->s->topics[ti].partitions,
		                c->s->topics[ti].partitions - 1);
	if (!(f->targets.items = scn_mem_calloc(c->a, 1, sizeof *f->targets.items)))
		return scn_fail_nomem(c);
	f->targets.count = 1;
	f->targets.items[0].kind = SCN_TARGET_LEADER;
	f->targets.items[0].partition = (int32_t)part;
	if (!(f->targets.items[0].topic = scn_strdup(c, t->text)))
		return -1;
	f->elect.unclean = type == 1;
	return 0;
}

static int load_action(struct scn_ctx *c, const struct scn_ynode *v, struct scn_fault *f)
{
	int heal;
	switch (f->action) {
	case SCN_ACTION_PARTITION:
		return load_partition(c, v, f);
	case SCN_ACTION_HEAL:
		if (scn_get_enum(c, v, "heal", heal_names, &heal))
			return -1;
		f->heal = (enum scn_heal_kind)heal;
		return 0;
	case SCN_ACTION_DELAY:
		return load_delay(c, v, f);
	case SCN_ACTION_DISK:
		return load_disk(c, v, f);
	case SCN_ACTION_CLOCK:
		return load_clock(c, v, f);
	case SCN_ACTION_STOP:
		return load_stop(c, v, f);
	case SCN_ACTION_ELECT_LEADERS:
		return load_elect(c, v, f);
	default:
		return parse_targets(c, v, &f->targets);
	}
}

/* Finds the one action key of a fault mapping. */
static int find_action(struct scn_ctx *c, const struct scn_ynode *n, struct scn_fault *f,
                       const struct scn_ynode **key)
{
	*key = NULL;
	for (size_t i = 0; i < n->count; i += 2) {
		for (int a = 0; a < SCN_ACTION_COUNT; a++) {
			if (strcmp(n->items[i]->text, action_names[a]) != 0)
				continue;
			if (*key)
				return scn_fail(c, n->items[i],
				                "a fault has one action, but this one has "
				                "'%s' and '%s'",
				                (*key)->text, action_names[a]);
			*key = n->items[i];
			f->action = (enum scn_action)a;
		}
	}
	if (!*key)
		return scn_fail(c, n,
		                "fault has no action (one of kill, power-loss, restart, "
		                "pause, partition, heal, delay, disk, clock, stop, "
		                "elect-leaders)");
	return 0;
}

static const char *const fault_keys[] = {"at",      "for",   "kill",      "power-loss",
                                         "restart", "pause", "partition", "heal",
                                         "delay",   "disk",  "clock",     "stop",
                                         "elect-leaders", NULL};

static int load_for(struct scn_ctx *c, const struct scn_ynode *n, const struct scn_ynode *key,
                    struct scn_fault *f)
{
	const struct scn_ynode *v = scn_get(n, "for");
	if (!v) {
		if (f->action == SCN_ACTION_PAUSE)
			return scn_fail(c, key, "'pause' needs 'for' (how long the stall lasts)");
		return 0;
	}
	if (f->action == SCN_ACTION_HEAL || f->action == SCN_ACTION_RESTART ||
	    f->action == SCN_ACTION_ELECT_LEADERS)
		return scn_fail(c, scn_get_key(n, "for"), "'for' has no meaning on '%s'",
		                action_names[f->action]);
	if (scn_get_duration(c, v, "for", false, &f->for_ns))
		return -1;
	if (f->for_ns == 0)
		return scn_fail(c, v, "'for' must be longer than 0s");
	f->has_for = true;
	return 0;
}

static int load_fault(struct scn_ctx *c, const struct scn_ynode *n, struct scn_fault *f)
{
	const struct scn_ynode *v, *key;
	char a[32], b[32];
	if (scn_check_map(c, n, fault_keys, "fault"))
		return -1;
	f->line = n->line;
	f->column = n->column;
	if (scn_require(c, n, "at", "fault", &v) || scn_get_duration(c, v, "at", false, &f->at_ns))
		return -1;
	if (f->at_ns > c->s->duration_ns)
		return scn_fail(c, v, "fault at %s is past the scenario's duration (%s)",
		                scn_format_duration(f->at_ns, a, sizeof(a)),
		                scn_format_duration(c->s->duration_ns, b, sizeof(b)));
	if (find_action(c, n, f, &key) || load_action(c, scn_get(n, key->text), f) ||
	    load_for(c, n, key, f))
		return -1;
	return 0;
}

/* Faults apply in order of `at`; equal times keep file order, and file
 * positions are unique, so the order is total and the sort deterministic. */
static int fault_cmp(const void *pa, const void *pb)
{
	const struct scn_fault *a = pa, *b = pb;
	if (a->at_ns != b->at_ns)
		return a->at_ns < b->at_ns ? -1 : 1;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return (a->column > b->column) - (a->column < b->column);
}

int scn_load_faults(struct scn_ctx *c, const struct scn_ynode *n)
{
	struct scn_scenario *s = c->s;
	if (!n)
		return 0;
	if (scn_want(c, n, SCN_Y_SEQ, "faults"))
		return -1;
	if (n->count && !(s->faults = scn_mem_calloc(c->a, n->count, sizeof(*s->faults))))
		return scn_fail_nomem(c);
	for (size_t i = 0; i < n->count; i++) {
		s->fault_count++;
		if (load_fault(c, n->items[i], &s->faults[i]))
			return -1;
	}
	if (s->fault_count > 1)
		qsort(s->faults, s->fault_count, sizeof(*s->faults), fault_cmp);
	return 0;
}

static const char *const nemesis_keys[] = {"kinds", "interval", "targets", NULL};
static const char *const nemesis_kinds[] = {"kill",  "power-loss", "pause", "partition",
                                            "delay", "disk",       "clock", NULL};
static const enum scn_action nemesis_actions[] = {
    SCN_ACTION_KILL,  SCN_ACTION_POWER_LOSS, SCN_ACTION_PAUSE, SCN_ACTION_PARTITION,
    SCN_ACTION_DELAY, SCN_ACTION_DISK,       SCN_ACTION_CLOCK,
};
static const char *const nemesis_target_names[] = {"brokers", "zookeeper", "all", NULL};

int scn_load_nemesis(struct scn_ctx *c, const struct scn_ynode *n)
{
	struct scn_nemesis *nm = &c->s->nemesis;
	const struct scn_ynode *v;
	int idx;
	if (!n)
		return 0;
	if (scn_check_map(c, n, nemesis_keys, "nemesis") ||
	    scn_require(c, n, "kinds", "nemesis", &v) || scn_want(c, v, SCN_Y_SEQ, "kinds"))
		return -1;
	if (v->count == 0)
		return scn_fail(c, v, "'kinds' must list at least one fault kind");
	for (size_t i = 0; i < v->count; i++) {
		if (scn_get_enum(c, v->items[i], "kinds", nemesis_kinds, &idx))
			return -1;
		nm->kinds |= 1u << nemesis_actions[idx];
	}
	if (scn_require(c, n, "interval", "nemesis", &v) ||
	    scn_get_range(c, v, "interval", &nm->interval))
		return -1;
	if (nm->interval.min_ns == 0)
		return scn_fail(c, v, "'interval' must be longer than 0s");
	if ((v = scn_get(n, "targets"))) {
		if (scn_get_enum(c, v, "targets", nemesis_target_names, &idx))
			return -1;
		if (idx == SCN_NEMESIS_ZOOKEEPER && c->s->cluster.mode == SCN_MODE_KRAFT)
			return scn_fail(c, v,
			                "nemesis targets 'zookeeper', but a kraft cluster "
			                "has no ZooKeeper");
		nm->targets = (enum scn_nemesis_targets)idx;
	}
	nm->enabled = true;
	return 0;
}

static const char *const liveness_names[] = {"any", "ok", NULL};

/* "N%" or "N.NN%" (at most two decimals, 0 to 100) in basis points. */
static int get_percent(struct scn_ctx *c, const struct scn_ynode *n, const char *what,
                       int32_t *out)
{
	if (scn_want(c, n, SCN_Y_SCALAR, what))
		return -1;
	const char *p = n->text;
	int64_t whole = 0, frac = 0;
	int digits = 0, decimals = 0;
	for (; *p >= '0' && *p <= '9' && digits < 4; p++, digits++)
		whole = whole * 10 + (*p - '0');
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9' && decimals < 2; p++, decimals++)
			frac = frac * 10 + (*p - '0');
	if (decimals == 1)
		frac *= 10;
	if (!digits || (p[-1] == '.') || *p != '%' || p[1] || whole * 100 + frac > 10000)
		return scn_fail(c, n,
		                "'%s' must be a percentage from 0%% to 100%% with at most two "
		                "decimals, such as 99%% or 99.5%%, got '%.60s'",
		                what, n->text);
	*out = (int32_t)(whole * 100 + frac);
	return 0;
}

int scn_load_expect(struct scn_ctx *c, const struct scn_ynode *n)
{
	const char *keys[SCN_CHK_COUNT + 4];
	int idx;
	if (!n)
		return 0;
	for (int i = 0; i < SCN_CHK_COUNT; i++)
		keys[i] = checker_names[i];
	keys[SCN_CHK_COUNT] = "liveness";
	keys[SCN_CHK_COUNT + 1] = "max-unavailable";
	keys[SCN_CHK_COUNT + 2] = "acked-ratio";
	keys[SCN_CHK_COUNT + 3] = NULL;
	if (scn_check_map(c, n, keys, "expect"))
		return -1;
	for (int i = 0; i < SCN_CHK_COUNT; i++) {
		const struct scn_ynode *v = scn_get(n, checker_names[i]);
		if (v && scn_get_enum(c, v, checker_names[i], expect_names, &idx))
			return -1;
		if (v)
			c->s->expect[i] = (enum scn_expect)idx;
	}
	const struct scn_ynode *v = scn_get(n, "liveness");
	if (v && scn_get_enum(c, v, "liveness", liveness_names, &idx))
		return -1;
	c->s->expect_liveness = v && idx == 1;
	v = scn_get(n, "max-unavailable");
	if (v && scn_get_duration(c, v, "max-unavailable", false, &c->s->expect_max_unavailable_ns))
		return -1;
	c->s->expect_has_max_unavailable = v != NULL;
	v = scn_get(n, "acked-ratio");
	if (v && get_percent(c, v, "acked-ratio", &c->s->expect_acked_ratio_bp))
		return -1;
	c->s->expect_has_acked_ratio = v != NULL;
	return 0;
}

static void fault_free(const struct scn_alloc *a, struct scn_fault *f)
{
	targets_free(a, &f->targets);
	for (size_t i = 0; i < f->partition.group_count; i++)
		targets_free(a, &f->partition.groups[i]);
	scn_mem_free(a, f->partition.groups);
	targets_free(a, &f->partition.from);
	targets_free(a, &f->partition.to);
}

void scn_faults_free(struct scn_scenario *s)
{
	for (size_t i = 0; i < s->fault_count; i++)
		fault_free(&s->alloc, &s->faults[i]);
	scn_mem_free(&s->alloc, s->faults);
}
