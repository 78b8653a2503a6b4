#include "faults/flt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/clock.h"
#include "sim/disk.h"
#include "sim/net.h"
#include "sim/rng.h"
#include "sim/util.h"


enum undo_kind {
	U_NONE, U_RESTART, U_RESUME, U_HEAL, U_UNDELAY, U_DISK, U_UNSLOW, U_CLOCK,
	U_START_STOPPED, /* `stop`'s for: start each node once it has left */
};

/* How often a start waits for a node still in its controlled shutdown. */
#define STOP_POLL_NS (100 * 1000000LL)

/* A scheduled fault, or the undoing of one. Owned by the runner's list;
 * world events point at them, so they live until flt_free. */
struct job {
	struct job *next;
	struct flt_runner *r;
	const struct scn_fault *fault; /* a scheduled fault; NULL for undos and nemesis */
	enum undo_kind undo;
	uint32_t *nodes; /* owned; at most the world's node count */
	uint32_t *incarnations; /* owned; U_START_STOPPED: the ones asked to stop */
	size_t n_nodes;
	enum sim_disk_fault disk_fault;
	int64_t clock_offset_ns;
	bool nemesis;
	bool done;
};

struct flt_runner {
	const struct flt_cluster *c;
	const struct scn_scenario *s;
	const struct flt_observer *obs;
	struct job *jobs;
	uint64_t applied;
	int64_t nemesis_end_ns;
	/* Per node id: 1 + the incarnation in which its disk last failed
	 * (write-error, fsync-error, full, corrupt); 0 when it has not. */
	uint32_t *disk_failed_in;
};

static const char *const action_names[SCN_ACTION_COUNT] = {
	[SCN_ACTION_KILL] = "kill",         [SCN_ACTION_POWER_LOSS] = "power-loss",
	[SCN_ACTION_RESTART] = "restart",   [SCN_ACTION_PAUSE] = "pause",
	[SCN_ACTION_PARTITION] = "partition", [SCN_ACTION_HEAL] = "heal",
	[SCN_ACTION_DELAY] = "delay",       [SCN_ACTION_DISK] = "disk",
	[SCN_ACTION_CLOCK] = "clock",       [SCN_ACTION_STOP] = "stop",
	[SCN_ACTION_ELECT_LEADERS] = "elect-leaders",
};

/*
 * A set of node ids: the target resolvers add each node at most once, so a
 * set never holds more than the world's nodes, and that is its size. Every
 * target resolves in full, however large the cluster.
 */
static uint32_t *node_set(const struct flt_runner *r)
{
	return sim_xcalloc(sim_node_count(r->c->w) + 1, sizeof(uint32_t));
}

static struct job *job_new(struct flt_runner *r)
{
	struct job *j = sim_xcalloc(1, sizeof *j);
	j->r = r;
	j->next = r->jobs;
	r->jobs = j;
	return j;
}

static void report(struct flt_runner *r, const char *action, const uint32_t *nodes, size_t n,
		   int64_t for_ns, bool undo, bool nemesis, const char *note)
{
	if (!r->obs || !r->obs->fault)
		return;
	const char **names = sim_xcalloc(n + 1, sizeof *names);
	for (size_t i = 0; i < n; i++)
		names[i] = sim_node_name(r->c->w, nodes[i]);
	struct flt_report rep = {sim_now(r->c->w), action, names, n, for_ns, undo, nemesis, note};
	r->obs->fault(r->obs->ctx, &rep);
	free(names);
	sim_world_note(r->c->w, n ? nodes[0] : 0, "fault %s%s (%zu node%s)%s%s", undo ? "undo " : "",
		       action, n, n == 1 ? "" : "s", note ? ": " : "", note ? note : "");
}

/* ---- Targets ------------------------------------------------------------------ */

static bool up(const struct flt_runner *r, uint32_t id)
{
	enum sim_node_status st = sim_node_status(r->c->w, id);
	return st == SIM_NODE_UP || st == SIM_NODE_PAUSED;
}

static void add(uint32_t *out, size_t *n, uint32_t id)
{
	if (!id)
		return;
	for (size_t i = 0; i < *n; i++)
		if (out[i] == id)
			return;
	out[(*n)++] = id; /* out is a node_set: room for every node */
}

static uint32_t pick_live(struct flt_runner *r, const uint32_t *ids, int n)
{
	uint32_t *live = node_set(r);
	size_t k = 0;
	for (int i = 0; i < n; i++)
		if (up(r, ids[i]))
			live[k++] = ids[i];
	uint32_t id = k ? live[sim_rng_below(sim_world_rng(r->c->w), k)] : 0;
	free(live);
	return id;
}

static void resolve_one(struct flt_runner *r, const struct scn_target *t, uint32_t *out,
			size_t *n)
{
	const struct flt_cluster *c = r->c;
	switch (t->kind) {
	case SCN_TARGET_BROKER:
		if (t->index >= 1 && t->index <= c->n_brokers)
			add(out, n, c->brokers[t->index - 1]);
		break;
	case SCN_TARGET_ZK:
		if (t->index >= 1 && t->index <= c->n_zk)
			add(out, n, c->zk[t->index - 1]);
		break;
	case SCN_TARGET_PRODUCER:
		if (t->index >= 1 && t->index <= c->n_producers)
			add(out, n, c->producers[t->index - 1]);
		break;
	case SCN_TARGET_CONSUMER:
		if (t->index >= 1 && t->index <= c->n_consumers)
			add(out, n, c->consumers[t->index - 1]);
		break;
	case SCN_TARGET_CONTROLLER:
		add(out, n, c->controller ? c->controller(c->ctx) : 0);
		break;
	case SCN_TARGET_ZK_LEADER:
		add(out, n, c->zk_leader ? c->zk_leader(c->ctx) : 0);
		break;
	case SCN_TARGET_LEADER:
		add(out, n, c->leader ? c->leader(c->ctx, t->topic, t->partition) : 0);
		break;
	case SCN_TARGET_FOLLOWER: {
		uint32_t *f = node_set(r);
		size_t k = c->followers ? c->followers(c->ctx, t->topic, t->partition, f,
						       sim_node_count(c->w))
					: 0;
		if (k)
			add(out, n, f[sim_rng_below(sim_world_rng(c->w), k)]);
		free(f);
		break;
	}
	case SCN_TARGET_RANDOM_BROKER:
		add(out, n, pick_live(r, c->brokers, c->n_brokers));
		break;
	case SCN_TARGET_RANDOM_ZK:
		add(out, n, pick_live(r, c->zk, c->n_zk));
		break;
	case SCN_TARGET_REST: /* partition groups: apply_groups fills it in */
		break;
	case SCN_TARGET_BROKERS:
	case SCN_TARGET_ALL:
		for (int i = 0; i < c->n_brokers; i++)
			add(out, n, c->brokers[i]);
		if (t->kind == SCN_TARGET_BROKERS)
			break;
		/* fall through */
	case SCN_TARGET_ZOOKEEPER:
		for (int i = 0; i < c->n_zk; i++)
			add(out, n, c->zk[i]);
		if (t->kind == SCN_TARGET_ZOOKEEPER)
			break;
		for (int i = 0; i < c->n_producers; i++)
			add(out, n, c->producers[i]);
		for (int i = 0; i < c->n_consumers; i++)
			add(out, n, c->consumers[i]);
		break;
	}
}

static size_t resolve(struct flt_runner *r, const struct scn_targets *ts, uint32_t *out)
{
	size_t n = 0;
	for (size_t i = 0; i < ts->count; i++)
		resolve_one(r, &ts->items[i], out, &n);
	return n;
}

/* ---- Undo --------------------------------------------------------------------- */

static void undo_fire(struct sim_world *w, void *arg);

static void schedule_undo(struct flt_runner *r, enum undo_kind kind, const uint32_t *nodes,
			  size_t n, int64_t after_ns, bool nemesis)
{
	struct job *j = job_new(r);
	j->undo = kind;
	j->nodes = sim_xcalloc(n + 1, sizeof *j->nodes);
	memcpy(j->nodes, nodes, n * sizeof *nodes);
	j->n_nodes = n;
	j->nemesis = nemesis;
	sim_world_at(r->c->w, after_ns, undo_fire, j);
}

static void undo_fire(struct sim_world *w, void *arg);

/* A node still in the incarnation that was asked to stop is shutting down:
 * its start waits (polled) until it has left. */
static bool still_stopping(struct flt_runner *r, const struct job *j)
{
	for (size_t i = 0; i < j->n_nodes; i++)
		if (up(r, j->nodes[i]) &&
		    sim_node_incarnation(r->c->w, j->nodes[i]) == j->incarnations[i])
			return true;
	return false;
}

static void undo_apply(struct flt_runner *r, struct job *j)
{
	struct sim_world *w = r->c->w;
	const char *name = "?";
	if (j->undo == U_START_STOPPED && still_stopping(r, j)) {
		j->done = false;
		sim_world_at(w, STOP_POLL_NS, undo_fire, j);
		return;
	}
	for (size_t i = 0; i < j->n_nodes; i++) {
		uint32_t id = j->nodes[i];
		switch (j->undo) {
		case U_RESTART:
		case U_START_STOPPED:
			name = "restart";
			if (!up(r, id))
				sim_node_start(w, id);
			break;
		case U_RESUME:
			name = "resume";
			sim_node_resume(w, id);
			break;
		case U_UNDELAY:
			name = "undelay";
			sim_net_set_delay(sim_world_net(w), id, 0, 0);
			break;
		case U_DISK:
			name = "disk-repair";
			sim_disk_set_fault(sim_node_disk(w, id), j->disk_fault, false);
			break;
		case U_UNSLOW:
			name = "disk-repair";
			sim_disk_set_slow(sim_node_disk(w, id), 0, 0);
			break;
		case U_CLOCK:
			name = "clock-reset";
			sim_clock_step(sim_node_clock(w, id), -j->clock_offset_ns);
			break;
		case U_HEAL:
		case U_NONE:
			break;
		}
	}
	if (j->undo == U_HEAL) {
		name = "heal";
		sim_net_heal(sim_world_net(w));
	}
	report(r, name, j->nodes, j->n_nodes, -1, true, j->nemesis, NULL);
}

static void undo_fire(struct sim_world *w, void *arg)
{
	struct job *j = arg;
	if (j->done)
		return;
	j->done = true;
	undo_apply(j->r, j);
}

/* ---- Applying a fault ------------------------------------------------------------ */

static void cut(struct sim_net *net, const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
		bool both_ways)
{
	for (size_t i = 0; i < na; i++)
		for (size_t k = 0; k < nb; k++) {
			if (a[i] == b[k])
				continue;
			sim_net_block(net, a[i], b[k]);
			if (both_ways)
				sim_net_block(net, b[k], a[i]);
		}
}

/* The cluster's servers (brokers and ZooKeeper) in two random halves. */
static size_t halves(struct flt_runner *r, uint32_t *a, uint32_t *b, size_t *nb)
{
	uint32_t *all = node_set(r);
	size_t n = 0;
	for (int i = 0; i < r->c->n_brokers; i++)
		add(all, &n, r->c->brokers[i]);
	for (int i = 0; i < r->c->n_zk; i++)
		add(all, &n, r->c->zk[i]);
	struct sim_rng *rng = sim_world_rng(r->c->w);
	for (size_t i = n; i > 1; i--) { /* Fisher-Yates, from the seed */
		size_t k = sim_rng_below(rng, i);
		uint32_t t = all[i - 1];
		all[i - 1] = all[k];
		all[k] = t;
	}
	size_t na = n / 2;
	memcpy(a, all, na * sizeof *a);
	*nb = n - na;
	memcpy(b, all + na, *nb * sizeof *b);
	free(all);
	return na;
}

/* True when id is one of ids[0..n). */
static bool member_of(const uint32_t *ids, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/*
 * {groups: [...]}: links only within each group. The loader has checked
 * that the named nodes cover the cluster once; a role resolving to a node
 * an earlier group already holds stays in that earlier group, and `rest`
 * gets every broker, ZooKeeper server and client no group holds.
 */
static size_t apply_groups(struct flt_runner *r, const struct scn_fault *f, uint32_t *nodes)
{
	const struct flt_cluster *c = r->c;
	size_t g = f->partition.group_count, n = 0, total = 0;
	size_t all = (size_t)(c->n_brokers + c->n_zk + c->n_producers + c->n_consumers);
	uint32_t *placed = sim_xcalloc(all + 1, sizeof *placed);
	uint32_t **groups = sim_xcalloc(g, sizeof *groups);
	size_t *sizes = sim_xcalloc(g, sizeof *sizes);
	size_t rest_group = g;
	for (size_t i = 0; i < g; i++) {
		uint32_t *got = node_set(r);
		size_t k = resolve(r, &f->partition.groups[i], got);
		groups[i] = sim_xcalloc(all + 1, sizeof *groups[i]);
		for (size_t m = 0; m < f->partition.groups[i].count; m++)
			if (f->partition.groups[i].items[m].kind == SCN_TARGET_REST)
				rest_group = i;
		for (size_t m = 0; m < k; m++)
			if (!member_of(placed, total, got[m])) {
				placed[total++] = got[m];
				groups[i][sizes[i]++] = got[m];
			}
		free(got);
	}
	if (rest_group < g) {
		const uint32_t *kinds[] = {c->brokers, c->zk, c->producers, c->consumers};
		const int counts[] = {c->n_brokers, c->n_zk, c->n_producers, c->n_consumers};
		for (int k = 0; k < 4; k++)
			for (int i = 0; i < counts[k]; i++)
				if (!member_of(placed, total, kinds[k][i])) {
					placed[total++] = kinds[k][i];
					groups[rest_group][sizes[rest_group]++] = kinds[k][i];
				}
	}
	struct sim_net *net = sim_world_net(r->c->w);
	for (size_t i = 0; i < g; i++)
		for (size_t k = i + 1; k < g; k++)
			cut(net, groups[i], sizes[i], groups[k], sizes[k], true);
	for (size_t i = 0; i < total; i++)
		add(nodes, &n, placed[i]);
	for (size_t i = 0; i < g; i++)
		free(groups[i]);
	free(groups);
	free(sizes);
	free(placed);
	return n;
}

static size_t apply_partition(struct flt_runner *r, const struct scn_fault *f, uint32_t *nodes)
{
	struct sim_net *net = sim_world_net(r->c->w);
	size_t n = 0;
	switch (f->partition.kind) {
	case SCN_PARTITION_ISOLATE:
		n = resolve(r, &f->targets, nodes);
		for (size_t i = 0; i < n; i++)
			sim_net_isolate(net, nodes[i]);
		break;
	case SCN_PARTITION_GROUPS:
		n = apply_groups(r, f, nodes);
		break;
	case SCN_PARTITION_HALVES: {
		uint32_t *a = node_set(r), *b = node_set(r);
		size_t nb, na = halves(r, a, b, &nb);
		cut(net, a, na, b, nb, true);
		for (size_t i = 0; i < na; i++)
			add(nodes, &n, a[i]);
		for (size_t i = 0; i < nb; i++)
			add(nodes, &n, b[i]);
		free(a);
		free(b);
		break;
	}
	case SCN_PARTITION_ONE_WAY: {
		uint32_t *from = node_set(r), *to = node_set(r);
		size_t nf = resolve(r, &f->partition.from, from);
		size_t nt = resolve(r, &f->partition.to, to);
		if (nf && nt)
			cut(net, from, nf, to, nt, false);
		for (size_t i = 0; i < nf; i++)
			add(nodes, &n, from[i]);
		for (size_t i = 0; i < nt && nf; i++)
			add(nodes, &n, to[i]);
		free(from);
		free(to);
		break;
	}
	}
	return n;
}

static enum sim_disk_fault disk_fault_of(enum scn_disk_fault f)
{
	switch (f) {
	case SCN_DISK_FSYNC_ERROR: return SIM_DISK_FSYNC_ERROR;
	case SCN_DISK_WRITE_ERROR: return SIM_DISK_WRITE_ERROR;
	default: return SIM_DISK_FULL;
	}
}

static void note_disk_failure(struct flt_runner *r, uint32_t id)
{
	if (!r->disk_failed_in)
		r->disk_failed_in = node_set(r);
	r->disk_failed_in[id] = sim_node_incarnation(r->c->w, id) + 1;
}

/* Applies one fault now; returns false when it resolved to nothing. */
static bool apply(struct flt_runner *r, const struct scn_fault *f, bool nemesis)
{
	struct sim_world *w = r->c->w;
	uint32_t *nodes = node_set(r), *cand = node_set(r);
	size_t n = 0;
	int64_t for_ns = f->has_for ? f->for_ns : -1;
	enum undo_kind undo = U_NONE;
	struct job proto = {0};
	uint32_t *incs = node_set(r); /* stop: each stopped node's incarnation */
	switch (f->action) {
	case SCN_ACTION_KILL:
	case SCN_ACTION_POWER_LOSS: {
		size_t k = resolve(r, &f->targets, cand);
		for (size_t i = 0; i < k; i++) {
			bool hit = f->action == SCN_ACTION_KILL ? sim_node_kill(w, cand[i])
								: sim_node_power_loss(w, cand[i]);
			if (hit)
				nodes[n++] = cand[i];
		}
		undo = U_RESTART;
		break;
	}
	case SCN_ACTION_STOP: {
		size_t k = resolve(r, &f->targets, cand);
		for (size_t i = 0; i < k; i++)
			if (r->c->stop && r->c->stop(r->c->ctx, cand[i])) {
				incs[n] = sim_node_incarnation(w, cand[i]);
				nodes[n++] = cand[i];
			}
		undo = U_START_STOPPED;
		break;
	}
	case SCN_ACTION_RESTART:
		n = resolve(r, &f->targets, nodes);
		for (size_t i = 0; i < n; i++)
			sim_node_restart(w, nodes[i]);
		break;
	case SCN_ACTION_PAUSE: {
		size_t k = resolve(r, &f->targets, cand);
		for (size_t i = 0; i < k; i++)
			if (sim_node_pause(w, cand[i]))
				nodes[n++] = cand[i];
		undo = U_RESUME;
		break;
	}
	case SCN_ACTION_PARTITION:
		n = apply_partition(r, f, nodes);
		undo = U_HEAL;
		break;
	case SCN_ACTION_ELECT_LEADERS: {
		const struct scn_target *t = &f->targets.items[0];
		char note[160];
		bool asked = r->c->elect && r->c->elect(r->c->ctx, t->topic, t->partition,
							f->elect.unclean);
		snprintf(note, sizeof note, "%s election of %s/%d%s",
			 f->elect.unclean ? "unclean" : "preferred", t->topic, t->partition,
			 asked ? "" : ": no admin client, skipped");
		report(r, action_names[f->action], NULL, 0, -1, false, nemesis, note);
		r->applied += asked;
		free(nodes);
		free(cand);
		free(incs);
		return asked;
	}
	case SCN_ACTION_HEAL:
		sim_net_heal(sim_world_net(w));
		if (f->heal == SCN_HEAL_ALL)
			sim_net_clear_delays(sim_world_net(w));
		report(r, "heal", NULL, 0, -1, false, nemesis, NULL);
		free(nodes);
		free(cand);
		free(incs);
		return true;
	case SCN_ACTION_DELAY:
		n = resolve(r, &f->targets, nodes);
		for (size_t i = 0; i < n; i++)
			sim_net_set_delay(sim_world_net(w), nodes[i], f->latency.min_ns,
					  f->latency.max_ns);
		undo = U_UNDELAY;
		break;
	case SCN_ACTION_DISK:
		n = resolve(r, &f->targets, nodes);
		for (size_t i = 0; i < n; i++) {
			struct sim_disk *d = sim_node_disk(w, nodes[i]);
			if (f->disk.fault != SCN_DISK_SLOW)
				note_disk_failure(r, nodes[i]);
			if (f->disk.fault == SCN_DISK_CORRUPT)
				sim_disk_corrupt(d, NULL, 1);
			else if (f->disk.fault == SCN_DISK_SLOW)
				sim_disk_set_slow(d, f->latency.min_ns, f->latency.max_ns);
			else
				sim_disk_set_fault(d, disk_fault_of(f->disk.fault), true);
		}
		undo = f->disk.fault == SCN_DISK_CORRUPT ? U_NONE
		       : f->disk.fault == SCN_DISK_SLOW  ? U_UNSLOW
							 : U_DISK;
		proto.disk_fault = disk_fault_of(f->disk.fault);
		break;
	case SCN_ACTION_CLOCK:
		n = resolve(r, &f->targets, nodes);
		for (size_t i = 0; i < n; i++)
			sim_clock_step(sim_node_clock(w, nodes[i]), f->clock.offset_ns);
		/* A skew holds until undone; a step is a one-off jump. */
		undo = f->clock.kind == SCN_CLOCK_SKEW ? U_CLOCK : U_NONE;
		proto.clock_offset_ns = f->clock.offset_ns;
		break;
	case SCN_ACTION_COUNT:
		break;
	}
	if (n == 0) {
		char note[160];
		snprintf(note, sizeof note, "the target resolved to no node at this moment: skipped");
		report(r, action_names[f->action], NULL, 0, for_ns, false, nemesis, note);
		free(nodes);
		free(cand);
		free(incs);
		return false;
	}
	r->applied++;
	report(r, action_names[f->action], nodes, n, for_ns, false, nemesis, NULL);
	if (f->has_for && undo != U_NONE) {
		int64_t after = f->for_ns;
		if (nemesis && sim_now(w) + after > r->nemesis_end_ns)
			after = r->nemesis_end_ns > sim_now(w) ? r->nemesis_end_ns - sim_now(w) : 0;
		schedule_undo(r, undo, nodes, n, after, nemesis);
		r->jobs->disk_fault = proto.disk_fault;
		r->jobs->clock_offset_ns = proto.clock_offset_ns;
	} else if (undo == U_START_STOPPED) {
		/* No `for`: kept for quiesce, which starts the nodes once they left. */
		struct job *j = job_new(r);
		j->undo = U_START_STOPPED;
		j->nodes = sim_xcalloc(n + 1, sizeof *j->nodes);
		memcpy(j->nodes, nodes, n * sizeof *nodes);
		j->n_nodes = n;
		j->nemesis = nemesis;
	}
	if (undo == U_START_STOPPED) {
		r->jobs->incarnations = sim_xcalloc(n + 1, sizeof *incs);
		memcpy(r->jobs->incarnations, incs, n * sizeof *incs);
	}
	free(nodes);
	free(cand);
	free(incs);
	return true;
}

bool flt_fire(struct flt_runner *r, const struct scn_fault *f)
{
	return apply(r, f, false);
}

static void fault_fire(struct sim_world *w, void *arg)
{
	struct job *j = arg;
	if (j->done)
		return;
	j->done = true;
	apply(j->r, j->fault, false);
}

/* ---- Nemesis ------------------------------------------------------------------------ */

/* Servers of `targets` whose loss still leaves a ZooKeeper majority up. */
static bool zk_can_lose(struct flt_runner *r, uint32_t id)
{
	bool is_zk = false;
	int down = 0;
	for (int i = 0; i < r->c->n_zk; i++) {
		is_zk |= r->c->zk[i] == id;
		down += sim_node_status(r->c->w, r->c->zk[i]) != SIM_NODE_UP;
	}
	return !is_zk || (down + 1) * 2 < r->c->n_zk;
}

static void nemesis_fire(struct sim_world *w, void *arg)
{
	struct flt_runner *r = arg;
	const struct scn_nemesis *nm = &r->s->nemesis;
	struct sim_rng *rng = sim_world_rng(w);
	if (sim_now(w) >= r->nemesis_end_ns)
		return;
	int kinds[SCN_ACTION_COUNT], nk = 0;
	for (int k = 0; k < SCN_ACTION_COUNT; k++)
		if (nm->kinds & (1u << k) && k != SCN_ACTION_HEAL && k != SCN_ACTION_RESTART)
			kinds[nk++] = k;
	if (nk) {
		struct scn_target t = {SCN_TARGET_RANDOM_BROKER, 0, NULL, 0};
		if (nm->targets == SCN_NEMESIS_ZOOKEEPER ||
		    (nm->targets == SCN_NEMESIS_ALL && r->c->n_zk && sim_rng_below(rng, 2)))
			t.kind = SCN_TARGET_RANDOM_ZK;
		struct scn_fault f;
		memset(&f, 0, sizeof f);
		f.action = (enum scn_action)kinds[sim_rng_below(rng, (uint64_t)nk)];
		f.targets = (struct scn_targets){&t, 1};
		f.has_for = true;
		f.for_ns = sim_rng_range(rng, nm->interval.min_ns, nm->interval.max_ns);
		f.partition.kind = SCN_PARTITION_ISOLATE;
		f.latency = (struct scn_range){10 * SIM_NS_PER_MS, 100 * SIM_NS_PER_MS};
		f.disk.fault = (enum scn_disk_fault)sim_rng_below(rng, 2); /* fsync or write errors */
		f.clock.kind = SCN_CLOCK_SKEW;
		f.clock.offset_ns = sim_rng_range(rng, -5 * SIM_NS_PER_S, 5 * SIM_NS_PER_S);
		uint32_t *probe = node_set(r);
		size_t n = resolve(r, &f.targets, probe);
		bool lethal = f.action == SCN_ACTION_KILL || f.action == SCN_ACTION_POWER_LOSS ||
			      f.action == SCN_ACTION_PAUSE || f.action == SCN_ACTION_PARTITION;
		if (n && (!lethal || zk_can_lose(r, probe[0]))) {
			/* Resolve once: apply to the node just probed. */
			struct scn_target fixed = {t.kind == SCN_TARGET_RANDOM_ZK ? SCN_TARGET_ZK
										  : SCN_TARGET_BROKER,
						   0, NULL, 0};
			const uint32_t *list = t.kind == SCN_TARGET_RANDOM_ZK ? r->c->zk
									      : r->c->brokers;
			int count = t.kind == SCN_TARGET_RANDOM_ZK ? r->c->n_zk : r->c->n_brokers;
			for (int i = 0; i < count; i++)
				if (list[i] == probe[0])
					fixed.index = i + 1;
			f.targets = (struct scn_targets){&fixed, 1};
			apply(r, &f, true);
		}
		free(probe);
	}
	int64_t next = sim_rng_range(rng, nm->interval.min_ns, nm->interval.max_ns);
	if (sim_now(w) + next < r->nemesis_end_ns)
		sim_world_at(w, next, nemesis_fire, r);
}

/* ---- Public ---------------------------------------------------------------------------- */

struct flt_runner *flt_new(const struct flt_cluster *c, const struct scn_scenario *s,
			   const struct flt_observer *obs)
{
	struct flt_runner *r = sim_xcalloc(1, sizeof *r);
	r->c = c;
	r->s = s;
	r->obs = obs;
	r->nemesis_end_ns = INT64_MAX;
	return r;
}

void flt_schedule(struct flt_runner *r)
{
	int64_t now = sim_now(r->c->w);
	for (size_t i = 0; i < r->s->fault_count; i++) {
		struct job *j = job_new(r);
		j->fault = &r->s->faults[i];
		int64_t at = r->s->faults[i].at_ns;
		sim_world_at(r->c->w, at > now ? at - now : 0, fault_fire, j);
	}
}

void flt_start_nemesis(struct flt_runner *r, int64_t end_ns)
{
	r->nemesis_end_ns = end_ns;
	if (!r->s->nemesis.enabled)
		return;
	int64_t first = sim_rng_range(sim_world_rng(r->c->w), r->s->nemesis.interval.min_ns,
				      r->s->nemesis.interval.max_ns);
	if (sim_now(r->c->w) + first < end_ns)
		sim_world_at(r->c->w, first, nemesis_fire, r);
}

void flt_heal_all(struct flt_runner *r)
{
	struct sim_world *w = r->c->w;
	r->nemesis_end_ns = sim_now(w);
	/* Cancel pending undos and faults: the heal below covers them all. */
	for (struct job *j = r->jobs; j; j = j->next) {
		if (j->done)
			continue;
		j->done = true;
		if (j->undo == U_START_STOPPED && still_stopping(r, j)) {
			/* Still shutting down: started once it has left. */
			struct job *poll = job_new(r);
			struct job *head_next = poll->next;
			*poll = *j;
			poll->next = head_next;
			poll->done = false;
			/* The copy owns copies of the node lists. */
			poll->nodes = sim_xcalloc(j->n_nodes + 1, sizeof *poll->nodes);
			memcpy(poll->nodes, j->nodes, j->n_nodes * sizeof *j->nodes);
			poll->incarnations = sim_xcalloc(j->n_nodes + 1, sizeof *poll->incarnations);
			if (j->incarnations)
				memcpy(poll->incarnations, j->incarnations,
				       j->n_nodes * sizeof *j->incarnations);
			sim_world_at(w, STOP_POLL_NS, undo_fire, poll);
		}
		if (j->undo == U_CLOCK)
			for (size_t i = 0; i < j->n_nodes; i++)
				sim_clock_step(sim_node_clock(w, j->nodes[i]), -j->clock_offset_ns);
	}
	sim_net_heal(sim_world_net(w));
	sim_net_clear_delays(sim_world_net(w));
	uint32_t *restarted = node_set(r);
	size_t n = 0;
	for (uint32_t id = 1; id <= sim_node_count(w); id++) {
		struct sim_disk *d = sim_node_disk(w, id);
		for (int f = 0; f < SIM_DISK_FAULT__COUNT; f++)
			if (sim_disk_fault(d, (enum sim_disk_fault)f))
				sim_disk_set_fault(d, (enum sim_disk_fault)f, false);
		sim_disk_set_slow(d, 0, 0);
		if (sim_node_status(w, id) == SIM_NODE_PAUSED)
			sim_node_resume(w, id);
		if (sim_node_status(w, id) != SIM_NODE_UP && sim_node_incarnation(w, id) > 0) {
			sim_node_start(w, id);
			add(restarted, &n, id);
		} else if (r->disk_failed_in &&
			   r->disk_failed_in[id] == sim_node_incarnation(w, id) + 1) {
			/* A server whose disk failed keeps what it took offline (Kafka's log
			 * directories) until it restarts: repairing the disk includes the
			 * restart an operator would do. */
			sim_node_restart(w, id);
			add(restarted, &n, id);
		}
	}
	report(r, "heal-all", restarted, n, -1, true, false, "quiesce");
	free(restarted);
}

uint64_t flt_applied(const struct flt_runner *r)
{
	return r->applied;
}

void flt_free(struct flt_runner *r)
{
	if (!r)
		return;
	while (r->jobs) {
		struct job *j = r->jobs;
		r->jobs = j->next;
		free(j->nodes);
		free(j->incarnations);
		free(j);
	}
	free(r->disk_failed_in);
	free(r);
}
