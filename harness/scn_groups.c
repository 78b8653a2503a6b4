/*
 * scn_groups — `partition: {groups: [...]}` covers the cluster: every node
 * (broker, ZooKeeper server, producer, consumer) is in exactly one group.
 * Named nodes and the sets `brokers`, `zookeeper` and `all` are checked
 * here: a node in two groups, or in none, is an error. `rest` (at most
 * once) stands for every node not named in another group. Roles
 * (`controller`, `leader:T/P`, `random-broker`, ...) resolve only when the
 * fault fires, so groups holding one need `rest` to cover what the role
 * leaves out; when a role resolves to a node another group names, the
 * first group in file order keeps it (faults/flt.c).
 */
#include "harness/scn_internal.h"

#include <stdio.h>

/* The nodes a scenario declares, numbered 0..total-1: brokers, then
 * ZooKeeper servers, then producers, then consumers. */
struct universe {
	int32_t first[4]; /* first number of each kind */
	int32_t count[4];
	int32_t total;
};

static const char *const kind_prefix[4] = {"broker", "zk", "producer", "consumer"};

static void universe_of(const struct scn_scenario *s, struct universe *u)
{
	int32_t producers = 0, consumers = 0;
	for (size_t i = 0; i < s->producer_group_count; i++)
		producers += s->producers[i].count;
	for (size_t i = 0; i < s->consumer_group_count; i++)
		consumers += s->consumers[i].count;
	int32_t counts[4] = {s->cluster.brokers,
	                     s->cluster.mode == SCN_MODE_ZOOKEEPER ? s->cluster.zookeeper : 0,
	                     producers, consumers};
	u->total = 0;
	for (int k = 0; k < 4; k++) {
		u->first[k] = u->total;
		u->count[k] = counts[k];
		u->total += counts[k];
	}
}

static void node_name(const struct universe *u, int32_t node, char *buf, size_t size)
{
	int k = 3;
	while (k > 0 && node < u->first[k])
		k--;
	snprintf(buf, size, "%s-%d", kind_prefix[k], (int)(node - u->first[k] + 1));
}

/* Marks the nodes of a static target as in group g; fails on a node that
 * another group holds. Returns 1 for a role (resolved later), 0, or -1. */
static int mark(struct scn_ctx *c, const struct scn_ynode *yn, const struct scn_target *t,
                const struct universe *u, int *owner, int g)
{
	int kind = -1, lo = 0, hi = -1; /* one kind's range, or everything */
	switch (t->kind) {
	case SCN_TARGET_BROKER:
		kind = 0;
		lo = hi = t->index - 1;
		break;
	case SCN_TARGET_ZK:
		kind = 1;
		lo = hi = t->index - 1;
		break;
	case SCN_TARGET_PRODUCER:
		kind = 2;
		lo = hi = t->index - 1;
		break;
	case SCN_TARGET_CONSUMER:
		kind = 3;
		lo = hi = t->index - 1;
		break;
	case SCN_TARGET_BROKERS:
		kind = 0;
		hi = u->count[0] - 1;
		break;
	case SCN_TARGET_ZOOKEEPER:
		kind = 1;
		hi = u->count[1] - 1;
		break;
	case SCN_TARGET_ALL:
		kind = 0;
		hi = u->total - 1;
		break;
	case SCN_TARGET_REST:
		return 0;
	default:
		return 1;
	}
	for (int32_t i = u->first[kind] + lo; i <= u->first[kind] + hi; i++) {
		if (owner[i] >= 0 && owner[i] != g) {
			char name[32];
			node_name(u, i, name, sizeof name);
			return scn_fail(c, yn,
			                "'%s' is in two groups (%d and %d): every node must be in "
			                "exactly one",
			                name, owner[i] + 1, g + 1);
		}
		owner[i] = g;
	}
	return 0;
}

/* The YAML node of member m of group g (a group may be a single scalar). */
static const struct scn_ynode *member(const struct scn_ynode *groups, size_t g, size_t m)
{
	const struct scn_ynode *y = groups->items[g];
	return y->kind == SCN_Y_SEQ ? y->items[m] : y;
}

static int check(struct scn_ctx *c, const struct scn_ynode *n, const struct scn_fault *f,
                 const struct universe *u, int *owner)
{
	const struct scn_ynode *rest = NULL, *role = NULL;
	for (size_t g = 0; g < f->partition.group_count; g++) {
		const struct scn_targets *ts = &f->partition.groups[g];
		for (size_t m = 0; m < ts->count; m++) {
			const struct scn_ynode *yn = member(n, g, m);
			if (ts->items[m].kind == SCN_TARGET_REST) {
				if (rest)
					return scn_fail(c, yn, "'rest' may be named only once");
				rest = yn;
			}
			int rc = mark(c, yn, &ts->items[m], u, owner, (int)g);
			if (rc < 0)
				return -1;
			if (rc == 1 && !role)
				role = yn;
		}
	}
	if (rest)
		return 0;
	if (role)
		return scn_fail(c, role,
		                "'%s' resolves when the fault fires, so the groups need 'rest' "
		                "(every node not named elsewhere) to cover every node",
		                role->text);
	for (int32_t i = 0; i < u->total; i++)
		if (owner[i] < 0) {
			char name[32];
			node_name(u, i, name, sizeof name);
			return scn_fail(
			    c, n,
			    "'%s' is in no group: every node must be in exactly one "
			    "(add 'rest' to a group for every node not named elsewhere)",
			    name);
		}
	return 0;
}

int scn_check_groups(struct scn_ctx *c, const struct scn_ynode *n, const struct scn_fault *f)
{
	struct universe u;
	universe_of(c->s, &u);
	int *owner = scn_mem_calloc(c->a, (size_t)u.total, sizeof *owner);
	if (!owner)
		return scn_fail_nomem(c);
	for (int32_t i = 0; i < u.total; i++)
		owner[i] = -1;
	int rc = check(c, n, f, &u, owner);
	scn_mem_free(c->a, owner);
	return rc;
}
