/*
 * What the group coordinator promises about each group (Kafka's
 * GroupMetadata states), checked after every change of a group; a broken
 * promise stops the run through sim/invariant.h with the line that
 * reproduces it:
 *  - Empty has no members; CompletingRebalance (awaiting sync) and Stable
 *    have members, a leader among them, and a protocol every member
 *    supports;
 *  - the generation never decreases;
 *  - member ids are unique;
 *  - outside PreparingRebalance no member waits on a JoinGroup answer, and
 *    in Stable none waits on a SyncGroup answer.
 */
#include "broker/kafka/brk_group_impl.h"

#include <string.h>

#include "sim/invariant.h"

static const char *const state_names[] = {"Empty", "PreparingRebalance",
					  "CompletingRebalance", "Stable"};

static void broken(const struct grp_group *g, const char *after, const char *invariant)
{
	int64_t now = env_now_ns(g->co->env);
	sim_invariant_fail(invariant,
			   "group %s on %s at %lld.%06llds, after %s\n"
			   "  state %s, generation %d, %zu members, leader %s, protocol %s",
			   g->id, env_node_name(g->co->env), (long long)(now / 1000000000),
			   (long long)(now % 1000000000 / 1000), after, state_names[g->state],
			   g->generation, g->n_members, g->leader ? g->leader : "(none)",
			   g->protocol ? g->protocol : "(none)");
}

static bool supports(const struct grp_member *m, const char *protocol)
{
	for (int32_t i = 0; i < m->n_protos; i++)
		if (strcmp(m->protos[i].name, protocol) == 0)
			return true;
	return false;
}

static void check_members(struct grp_group *g, const char *after)
{
	bool leader_found = false;
	for (size_t i = 0; i < g->n_members; i++) {
		const struct grp_member *m = g->members[i];
		for (size_t k = 0; k < i; k++)
			if (strcmp(g->members[k]->id, m->id) == 0)
				broken(g, after, "member ids are unique");
		leader_found |= g->leader && strcmp(g->leader, m->id) == 0;
		if (m->join && g->state != GRP_PREPARING)
			broken(g, after, "only a rebalancing group holds JoinGroup answers");
		if (m->sync && g->state == GRP_STABLE)
			broken(g, after, "a stable group holds no SyncGroup answer");
		if ((g->state == GRP_STABLE || g->state == GRP_AWAITING_SYNC) && g->protocol &&
		    !supports(m, g->protocol))
			broken(g, after, "every member supports the group's protocol");
	}
	if ((g->state == GRP_STABLE || g->state == GRP_AWAITING_SYNC) &&
	    (!leader_found || !g->protocol))
		broken(g, after, "a group with a generation in progress has a leader member "
				 "and a protocol");
}

void grp_check(struct grp_group *g, const char *after)
{
	if (g->generation < g->max_generation)
		broken(g, after, "the generation never decreases");
	g->max_generation = g->generation;
	if (g->state == GRP_EMPTY && g->n_members)
		broken(g, after, "an empty group has no members");
	if ((g->state == GRP_STABLE || g->state == GRP_AWAITING_SYNC) && !g->n_members)
		broken(g, after, "a group with a generation in progress has members");
	check_members(g, after);
}
