#include "harness/wall.h"
#include "harness/run.h"
#include "harness/run_impl.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker/client/kc_admin.h"
#include "broker/client/kc_workload.h"
#include "broker/kafka/brk_broker.h"
#include "broker/kafka/brk_metadata.h"
#include "broker/zk/zk_server.h"
#include "checkers/chk.h"
#include "faults/flt.h"
#include "harness/hist.h"
#include "harness/run_probe.h"
#include "harness/run_report.h"
#include "harness/wl_config.h"
#include "harness/wl_history.h"
#include "reports/rpt_outdir.h"
#include "reports/rpt_plot.h"
#include "reports/rpt_run.h"
#include "sim/coverage.h"
#include "sim/invariant.h"
#include "sim/util.h"
#include "sim/world.h"

static const struct sim_node_class zk_class = {"zookeeper", zk_server_start};
static const struct sim_node_class broker_class = {"broker", brk_start};
static const struct sim_node_class producer_class = {"producer", kw_producer_start};
static const struct sim_node_class consumer_class = {"consumer", kw_consumer_start};
static const struct sim_node_class admin_class = {"admin", kc_admin_start};
static const struct sim_node_class probe_class = {"probe", run_probe_start};

/* ---- What can run today ----------------------------------------------------------- */

static int refuse(struct run *r, const char *what)
{
	fprintf(r->err, "%s: cannot run this scenario yet: %s\n", r->s->name, what);
	return 2;
}

static int check_supported(struct run *r)
{
	const struct scn_scenario *s = r->s;
	char why[256];
	if (s->cluster.mode == SCN_MODE_KRAFT)
		return refuse(r, "kraft mode is not implemented (only zookeeper mode)");
	if (s->cluster.zookeeper > ZK_MAX_SERVERS) {
		snprintf(why, sizeof why, "the simulated ZooKeeper ensemble has at most %d servers",
			 ZK_MAX_SERVERS);
		return refuse(r, why);
	}
	if (s->cluster.zookeeper < 1)
		return refuse(r, "zookeeper mode needs at least one ZooKeeper server");
	return 0;
}

/* ---- The ZooKeeper ensemble ---------------------------------------------------------- */

static void zk_on_apply(void *ctx, int32_t server, int64_t prev_zxid, int64_t zxid,
			uint64_t hash)
{
	struct run *r = ctx;
	if (server < 1 || server > r->nz)
		return;
	struct zk_trail *t = &r->trails[server - 1];
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->items = sim_xrealloc(t->items, t->cap * sizeof *t->items);
	}
	t->items[t->n] = (struct zk_applied){zxid, hash, t->n};
	t->n++;
}

/* By zxid, then by application order, so the last word on a zxid sorts last. */
static int zk_cmp(const void *a, const void *b)
{
	const struct zk_applied *x = a, *y = b;
	if (x->zxid != y->zxid)
		return x->zxid < y->zxid ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Each server's committed history as zk-digests lines: zxids increasing,
 * each once (a restarted server replays what it had; the last word on a
 * zxid is kept, as the tree it serves reflects it). */
static void write_zk_digests(struct run *r)
{
	for (int i = 0; i < r->nz; i++) {
		struct zk_trail *t = &r->trails[i];
		qsort(t->items, t->n, sizeof *t->items, zk_cmp);
		struct hist_w_digest *d = sim_xcalloc(t->n + 1, sizeof *d);
		char (*text)[20] = sim_xcalloc(t->n + 1, sizeof *text);
		size_t n = 0;
		for (size_t k = 0; k < t->n; k++) {
			if (n && d[n - 1].zxid == t->items[k].zxid)
				n--;
			snprintf(text[n], sizeof text[n], "%016llx",
				 (unsigned long long)t->items[k].hash);
			d[n] = (struct hist_w_digest){t->items[k].zxid, text[n]};
			n++;
		}
		hist_write_zk_digests(&r->hist.w, sim_now(r->w), sim_node_name(r->w, r->zk[i]), d, n);
		free(d);
		free(text);
	}
}

static int build_zookeeper(struct run *r)
{
	const struct scn_scenario *s = r->s;
	r->zobs = (struct zk_server_observer){r, zk_on_apply, NULL, NULL};
	for (int i = 0; i < r->nz; i++) {
		struct zk_server_config *c = &r->zcfg[i];
		zk_server_config_default(c);
		c->my_id = i + 1;
		c->n_members = r->nz;
		for (int k = 0; k < r->nz; k++)
			c->members[k] = (struct zk_server_member){k + 1, r->names[r->nb + r->np + r->nc +
										r->nt + k]};
		c->observer = &r->zobs;
		char msg[240];
		if (wl_config_zookeeper(c, &s->cluster.zookeeper_config, msg, sizeof msg)) {
			fprintf(r->err, "%s: cluster.zookeeper_config: %s\n", s->name, msg);
			return 2;
		}
	}
	for (int i = 0; i < r->nz; i++)
		r->zk[i] = sim_node_add(r->w, r->zcfg[i].members[i].host, &zk_class, &r->zcfg[i]);
	return 0;
}

static uint32_t zk_leader_of(void *ctx)
{
	struct run *r = ctx;
	for (int i = 0; i < r->nz; i++) {
		struct zk_server *z = sim_node_state(r->w, r->zk[i]);
		if (z && sim_node_status(r->w, r->zk[i]) == SIM_NODE_UP &&
		    zk_server_role(z) == ZK_ROLE_LEADING && zk_server_serving(z))
			return r->zk[i];
	}
	return 0;
}

/* ---- Building the cluster ----------------------------------------------------------- */

static char *name_of(struct run *r, int i, const char *fmt, int n)
{
	snprintf(r->names[i], NAME, fmt, n);
	return r->names[i];
}

static int build_brokers(struct run *r)
{
	const struct scn_scenario *s = r->s;
	for (int i = 0; i < r->nb; i++) {
		struct brk_config *c = &r->bcfg[i];
		brk_config_default(c);
		for (size_t k = 0; k < s->cluster.broker.count; k++) {
			char msg[200];
			const struct scn_kv *kv = &s->cluster.broker.items[k];
			int rc = brk_config_set(c, kv->key, kv->value, msg, sizeof msg);
			if (rc == BRK_CONFIG_IGNORED)
				snprintf(msg, sizeof msg, "%s: not a broker key ksim models", kv->key);
			if (rc != BRK_CONFIG_OK) {
				fprintf(r->err, "%s: cluster.broker: %s\n", s->name, msg);
				return 2;
			}
		}
		c->broker_id = i + 1;
		/* Partition rules of older releases (docs/kafka-versions.md). */
		c->legacy_acks_isr = s->cluster.kafka_version < 207;      /* KAFKA-8836 */
		c->legacy_reelect_fetch = s->cluster.kafka_version < 303; /* KAFKA-13790 */
		if (r->port_base)
			c->port = (uint16_t)(r->port_base + i);
		c->advertised_host = r->advertised_host;
		/* zookeeper.connect: the run's ensemble, unless the file set it. */
		if (!c->n_zk_servers) {
			for (int k = 0; k < r->nz && k < BRK_MAX_ZK; k++)
				snprintf(c->zk_servers[k], sizeof c->zk_servers[k], "zk-%d", k + 1);
			c->n_zk_servers = r->nz < BRK_MAX_ZK ? r->nz : BRK_MAX_ZK;
		}
		r->brokers[i] = sim_node_add(r->w, name_of(r, i, "broker-%d", i + 1), &broker_class,
					     c);
	}
	return 0;
}

static void bootstrap(const struct run *r, struct kc_cluster_config *c)
{
	c->n_bootstrap = r->nb < KC_MAX_BOOTSTRAP ? r->nb : KC_MAX_BOOTSTRAP;
	for (int i = 0; i < c->n_bootstrap; i++)
		c->bootstrap[i] = r->names[i];
}

static int build_workload(struct run *r)
{
	const struct scn_scenario *s = r->s;
	int base = r->nb, k = 0;
	char msg[200];
	if (r->no_workload)
		return 0;
	for (size_t g = 0; g < s->producer_group_count; g++) {
		const struct scn_producer_group *pg = &s->producers[g];
		for (int i = 0; i < pg->count; i++, k++) {
			struct kw_producer_config *c = &r->pcfg[k];
			kc_producer_config_default(&c->client);
			bootstrap(r, &c->client.cluster);
			if (wl_config_producer(&c->client, &pg->config, msg, sizeof msg)) {
				fprintf(r->err, "%s: producer config: %s\n", s->name, msg);
				return 2;
			}
			/* KIP-360, the idempotent producer's epoch bump: Kafka 2.5. */
			c->client.epoch_bump = s->cluster.kafka_version >= 205;
			c->topic = pg->topic;
			c->rate_num = pg->rate.num;
			c->rate_den = pg->rate.den;
			c->keys = (uint32_t)pg->keys;
			c->observer = &r->hist.observer;
			const char *n = name_of(r, base + k, "producer-%d", pg->first_index + i);
			r->producers[k] = sim_node_add(r->w, n, &producer_class, c);
		}
	}
	base += r->np;
	k = 0;
	for (size_t g = 0; g < s->consumer_group_count; g++) {
		const struct scn_consumer_group *cg = &s->consumers[g];
		for (int i = 0; i < cg->count; i++, k++) {
			struct kw_consumer_config *c = &r->ccfg[k];
			kc_consumer_config_default(&c->client);
			bootstrap(r, &c->client.cluster);
			if (wl_config_consumer(&c->client, &cg->config, msg, sizeof msg)) {
				fprintf(r->err, "%s: consumer config: %s\n", s->name, msg);
				return 2;
			}
			wl_config_group(&c->client, cg->group, cg->commit);
			/* KIP-320, truncation detection by leader epoch: Kafka 2.3. */
			c->client.validate_positions = s->cluster.kafka_version >= 203;
			c->topic = cg->topic;
			c->observer = &r->hist.observer;
			const char *n = name_of(r, base + k, "consumer-%d", cg->first_index + i);
			r->consumers[k] = sim_node_add(r->w, n, &consumer_class, c);
		}
	}
	base += r->nc;
	for (int t = 0; t < r->nt; t++) {
		struct kw_consumer_config *c = &r->fcfg[t];
		kc_consumer_config_default(&c->client);
		bootstrap(r, &c->client.cluster);
		c->client.fetch_max_wait_ns = 50 * SIM_NS_PER_MS;
		c->topic = s->topics[t].name;
		c->final = true;
		c->observer = &r->hist.observer;
		r->finals[t] = sim_node_add(r->w, name_of(r, base + t, "final-reader-%d", t + 1),
					    &consumer_class, c);
	}
	return 0;
}

/* ---- Who holds which role, from the brokers' own state ----------------------------- */

static struct brk_broker *live_broker(const struct run *r, int i, bool paused_too)
{
	enum sim_node_status st = sim_node_status(r->w, r->brokers[i]);
	if (st != SIM_NODE_UP && !(paused_too && st == SIM_NODE_PAUSED))
		return NULL;
	return sim_node_state(r->w, r->brokers[i]);
}

/* The broker that leads topic/partition: of those that believe they lead,
 * the one with the newest leader epoch (a deposed leader may not know yet).
 * Returns its index, or -1. */
static int leader_index(const struct run *r, const char *topic, int32_t partition,
			bool paused_too, struct brk_replica_view *out)
{
	int best = -1;
	struct brk_replica_view v, bv;
	for (int i = 0; i < r->nb; i++) {
		struct brk_broker *b = live_broker(r, i, paused_too);
		if (!b || !brk_replica_view(b, topic, partition, &v) || !v.leader || !v.open)
			continue;
		if (best < 0 || v.leader_epoch > bv.leader_epoch) {
			best = i;
			bv = v;
		}
	}
	if (best >= 0 && out)
		*out = bv;
	return best;
}

uint32_t run_leader_of(void *ctx, const char *topic, int32_t partition)
{
	struct run *r = ctx;
	int i = leader_index(r, topic, partition, true, NULL);
	return i < 0 ? 0 : r->brokers[i];
}

static size_t followers_of(void *ctx, const char *topic, int32_t partition, uint32_t *out,
			   size_t max)
{
	struct run *r = ctx;
	struct brk_replica_view lv, v;
	int leader = leader_index(r, topic, partition, true, &lv);
	size_t n = 0;
	for (int i = 0; i < r->nb && n < max; i++) {
		struct brk_broker *b = live_broker(r, i, true);
		if (i != leader && b && brk_replica_view(b, topic, partition, &v))
			out[n++] = r->brokers[i];
	}
	return n;
}

static uint32_t controller_of(void *ctx)
{
	struct run *r = ctx;
	for (int i = 0; i < r->nb; i++) {
		struct brk_broker *b = live_broker(r, i, true);
		if (b && brk_is_controller(b))
			return r->brokers[i];
	}
	return 0;
}

/* `stop`: a running broker's controlled shutdown (broker/kafka/brk_shutdown.c). */
static bool stop_broker(void *ctx, uint32_t node)
{
	struct run *r = ctx;
	for (int i = 0; i < r->nb; i++) {
		struct brk_broker *b = live_broker(r, i, false);
		if (r->brokers[i] == node && b && !brk_shutting_down(b)) {
			brk_shutdown(b);
			return true;
		}
	}
	return false;
}

/* `elect-leaders`: the admin client sends ElectLeaders to the controller. */
static bool elect_leaders(void *ctx, const char *topic, int32_t partition, bool unclean)
{
	struct run *r = ctx;
	struct kc_admin *a = sim_node_status(r->w, r->admin) == SIM_NODE_UP
				     ? sim_node_state(r->w, r->admin)
				     : NULL;
	if (a)
		kc_admin_elect(a, topic, partition, unclean);
	return a != NULL;
}

static int build_admin(struct run *r)
{
	const struct scn_scenario *s = r->s;
	kc_admin_config_default(&r->acfg);
	bootstrap(r, &r->acfg.cluster);
	r->atopics = sim_xcalloc(s->topic_count + 1, sizeof *r->atopics);
	for (size_t t = 0; t < s->topic_count; t++) {
		const struct scn_topic *st = &s->topics[t];
		struct kc_admin_topic *at = &r->atopics[t];
		at->name = st->name;
		at->partitions = st->partitions;
		at->replication_factor = st->replication_factor;
		at->config_count = (int32_t)st->config.count;
		const char **keys = sim_xcalloc(st->config.count + 1, sizeof *keys);
		const char **values = sim_xcalloc(st->config.count + 1, sizeof *values);
		for (size_t k = 0; k < st->config.count; k++) {
			keys[k] = st->config.items[k].key;
			values[k] = st->config.items[k].value;
		}
		at->config_keys = keys;
		at->config_values = values;
	}
	r->acfg.topics = r->atopics;
	r->acfg.n_topics = s->topic_count;
	int i = r->nb + r->np + r->nc + r->nt + r->nz;
	snprintf(r->names[i], NAME, "admin");
	r->admin = sim_node_add(r->w, r->names[i], &admin_class, &r->acfg);
	return 0;
}

/* The liveness probe's node, started after quiesce (run_probe.h). */
static void build_probe(struct run *r)
{
	const struct scn_scenario *s = r->s;
	struct run_probe_config *c = &r->probe_cfg;
	kc_producer_config_default(&c->client);
	bootstrap(r, &c->client.cluster);
	c->client.acks = -1;
	c->client.idempotence = true;
	r->probe_topics = sim_xcalloc(s->topic_count + 1, sizeof *r->probe_topics);
	for (size_t t = 0; t < s->topic_count; t++)
		r->probe_topics[t] = (struct run_probe_topic){s->topics[t].name,
							      s->topics[t].partitions};
	c->topics = r->probe_topics;
	c->n_topics = s->topic_count;
	c->observer = &r->hist.observer;
	int i = r->nb + r->np + r->nc + r->nt + r->nz + 1;
	snprintf(r->names[i], NAME, HIST_PROBE_PROCESS);
	r->probe = sim_node_add(r->w, r->names[i], &probe_class, c);
}

static void free_admin(struct run *r)
{
	for (size_t t = 0; r->atopics && t < r->s->topic_count; t++) {
		free((void *)r->atopics[t].config_keys);
		free((void *)r->atopics[t].config_values);
	}
	free(r->atopics);
}

/* ---- History of faults -------------------------------------------------------------------- */

/* Faults as the plots draw them: from the fault to its undo (`for`), or a
 * short mark for one without. */
static void remember_span(struct run *r, const struct flt_report *rep)
{
	if (rep->undo || (!rep->n_targets && strcmp(rep->action, "heal")))
		return;
	if (r->n_spans == r->cap_spans) {
		r->cap_spans = r->cap_spans ? r->cap_spans * 2 : 32;
		r->spans = sim_xrealloc(r->spans, r->cap_spans * sizeof *r->spans);
	}
	struct rpt_fault_span *sp = &r->spans[r->n_spans++];
	sp->start_ns = rep->time_ns;
	sp->end_ns = rep->time_ns + (rep->for_ns > 0 ? rep->for_ns : 200 * SIM_NS_PER_MS);
	/* Every target, or as many as fit and how many more. */
	size_t len = (size_t)snprintf(sp->label, sizeof sp->label, "%s", rep->action);
	for (size_t i = 0; i < rep->n_targets; i++) {
		char more[24];
		snprintf(more, sizeof more, " +%zu", rep->n_targets - i);
		size_t need = strlen(rep->targets[i]) + 2;
		bool last = i + 1 == rep->n_targets;
		if (len + need + (last ? 0 : strlen(more)) >= sizeof sp->label) {
			snprintf(sp->label + len, sizeof sp->label - len, "%s", more);
			break;
		}
		len += (size_t)snprintf(sp->label + len, sizeof sp->label - len, "%s%s",
					i ? ", " : " ", rep->targets[i]);
	}
}

static void on_fault(void *ctx, const struct flt_report *rep)
{
	struct run *r = ctx;
	remember_span(r, rep);
	run_report_fault(r->report, rep);
	struct hist_writer *w = &r->hist.w;
	hist_w_begin(w, rep->time_ns, "nemesis", HIST_T_INFO, HIST_F_FAULT);
	hist_w_open(w, "values", '{');
	hist_w_str(w, "action", rep->action);
	hist_w_open(w, "targets", '[');
	for (size_t i = 0; i < rep->n_targets; i++)
		hist_w_str(w, NULL, rep->targets[i]);
	hist_w_close(w);
	if (rep->for_ns >= 0)
		hist_w_int(w, "for_ms", rep->for_ns / SIM_NS_PER_MS);
	hist_w_bool(w, "undo", rep->undo);
	hist_w_bool(w, "random", rep->nemesis);
	if (rep->note)
		hist_w_str(w, "note", rep->note);
	hist_w_close(w);
	hist_w_end(w);
	if (!r->opt->quiet) {
		char tb[32];
		fprintf(r->out, "  %10s  %s%s", sim_format_time(rep->time_ns, tb, sizeof tb),
			rep->undo ? "undo " : "", rep->action);
		for (size_t i = 0; i < rep->n_targets; i++)
			fprintf(r->out, " %s", rep->targets[i]);
		fprintf(r->out, "%s%s\n", rep->note ? " — " : "", rep->note ? rep->note : "");
	}
}

/* ---- Replica logs ------------------------------------------------------------------------ */

struct capture {
	struct hist_w_log_record *recs;
	char **values;
	size_t n, cap;
};

static void capture_one(void *arg, int64_t offset, const uint8_t *value, size_t len)
{
	struct capture *c = arg;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->recs = sim_xrealloc(c->recs, c->cap * sizeof *c->recs);
		c->values = sim_xrealloc(c->values, c->cap * sizeof *c->values);
	}
	char *v = sim_xmalloc(len + 1);
	if (len)
		memcpy(v, value, len);
	v[len] = 0;
	c->values[c->n] = v;
	c->recs[c->n++] = (struct hist_w_log_record){offset, v};
}

/* Every replica's log, as the replica-divergence and inconsistent-offsets
 * checkers want it: each live broker hosting the partition, with its own
 * high watermark and whether the leader counts it in the ISR. */
static void capture_replicas(struct run *r)
{
	for (size_t i = 0; i < r->n_slots; i++) {
		const struct slot *sl = &r->slots[i];
		struct brk_replica_view lv, v;
		bool led = leader_index(r, sl->topic, sl->partition, false, &lv) >= 0;
		for (int k = 0; k < r->nb; k++) {
			struct brk_broker *b = live_broker(r, k, false);
			if (!b || !brk_replica_view(b, sl->topic, sl->partition, &v) || !v.open)
				continue;
			bool in_sync = false;
			for (int32_t j = 0; led && j < lv.n_isr; j++)
				in_sync |= lv.isr[j] == k + 1;
			struct capture c = {0};
			if (brk_log_records(b, sl->topic, sl->partition, capture_one, &c) >= 0) {
				char process[NAME + 8];
				snprintf(process, sizeof process, "replica:%s", r->names[k]);
				hist_write_replica_log(&r->hist.w, sim_now(r->w), process, sl->topic,
						       sl->partition, v.hw, in_sync, c.recs, c.n);
			}
			for (size_t n = 0; n < c.n; n++)
				free(c.values[n]);
			free(c.values);
			free(c.recs);
		}
	}
}

/* ---- Phases --------------------------------------------------------------------------------- */

/*
 * The history's leader-epoch and controller-epoch records, from what the
 * brokers say of themselves every 100 ms: a leader whose log grew within one
 * leader epoch accepted writes in it; an active controller acts with its
 * epoch. Two brokers on record for one epoch is split brain.
 */
static void note_epochs(struct run *r)
{
	size_t n = (size_t)r->nb * r->n_slots;
	if (!r->seen_epoch) {
		r->seen_epoch = sim_xcalloc(n + 1, sizeof *r->seen_epoch);
		r->seen_leo = sim_xcalloc(n + 1, sizeof *r->seen_leo);
		r->seen_noted = sim_xcalloc(n + 1, sizeof *r->seen_noted);
		r->seen_ctl_epoch = sim_xcalloc((size_t)r->nb + 1, sizeof *r->seen_ctl_epoch);
		for (size_t i = 0; i < n; i++)
			r->seen_epoch[i] = -1;
	}
	int64_t now = sim_now(r->w);
	for (int i = 0; i < r->nb; i++) {
		struct brk_broker *b = live_broker(r, i, false);
		if (!b)
			continue;
		int32_t ce = brk_controller_epoch(b);
		if (ce > 0 && ce != r->seen_ctl_epoch[i]) {
			r->seen_ctl_epoch[i] = ce;
			hist_write_controller_epoch(&r->hist.w, now, r->names[i], ce, r->names[i]);
		}
		for (size_t k = 0; k < r->n_slots; k++) {
			const struct slot *sl = &r->slots[k];
			size_t at = (size_t)i * r->n_slots + k;
			struct brk_replica_view v;
			if (!brk_replica_view(b, sl->topic, sl->partition, &v) || !v.leader || !v.open)
				continue;
			if (v.leader_epoch != r->seen_epoch[at]) {
				r->seen_epoch[at] = v.leader_epoch;
				r->seen_leo[at] = v.leo;
				r->seen_noted[at] = false;
				continue;
			}
			if (v.leo > r->seen_leo[at] && !r->seen_noted[at]) {
				r->seen_noted[at] = true;
				hist_write_leader_epoch(&r->hist.w, now, r->names[i], sl->topic,
							sl->partition, v.leader_epoch, r->names[i]);
			}
			r->seen_leo[at] = v.leo;
		}
	}
}

/* Every 100 ms the report samples each replica (plots, story). */
static void sample_tick(struct sim_world *w, void *arg)
{
	struct run *r = arg;
	run_report_tick(r->report);
	note_epochs(r);
	sim_world_at(w, TICK_NS, sample_tick, r);
}

static bool producers_settled(const struct run *r)
{
	for (int i = 0; i < r->np; i++) {
		struct kw_producer *p = sim_node_state(r->w, r->producers[i]);
		if (p && kw_producer_pending(p))
			return false;
	}
	return true;
}

/* The leader's high watermark, -1 without a live leader. */
static int64_t hw_of(const struct run *r, const struct slot *sl)
{
	struct brk_replica_view v;
	return leader_index(r, sl->topic, sl->partition, false, &v) >= 0 ? v.hw : -1;
}

/* Every partition led, with every replica back in its ISR. */
static bool cluster_whole(const struct run *r)
{
	for (size_t i = 0; i < r->n_slots; i++) {
		const struct slot *sl = &r->slots[i];
		struct brk_replica_view v;
		if (leader_index(r, sl->topic, sl->partition, false, &v) < 0 ||
		    v.n_isr < sl->replication_factor)
			return false;
	}
	return true;
}

static int topic_index(const struct run *r, const char *topic)
{
	for (int t = 0; t < r->nt; t++)
		if (strcmp(r->s->topics[t].name, topic) == 0)
			return t;
	return -1;
}

static bool finals_done(const struct run *r)
{
	for (size_t i = 0; i < r->n_slots; i++) {
		const struct slot *sl = &r->slots[i];
		struct kw_consumer *c = sim_node_state(r->w, r->finals[topic_index(r, sl->topic)]);
		int64_t hw = hw_of(r, sl);
		if (!c || hw < 0 || kw_consumer_position(c, sl->partition) < hw ||
		    (hw > 0 && kw_consumer_position(c, sl->partition) < 0))
			return false;
	}
	return true;
}

/* Each consumer's group and commit mode, for the group checkers. */
static void write_consumer_configs(struct run *r)
{
	static const char *const commits[] = {"after-process", "before-process", "none"};
	int k = 0;
	for (size_t g = 0; g < r->s->consumer_group_count; g++) {
		const struct scn_consumer_group *cg = &r->s->consumers[g];
		for (int i = 0; i < cg->count; i++, k++)
			hist_write_consumer_config(&r->hist.w, 0, sim_node_name(r->w, r->consumers[k]),
						   cg->group, commits[cg->commit]);
	}
}

/*
 * The liveness probe: one acks=all record to every partition, through the
 * real producer, before the final readers start (so that they read it back).
 * Its delivery timeout is half of what is left of the quiesce, at least 1 s
 * and at most 15 s, so that the final reads keep the other half.
 */
static void run_probe(struct run *r, int64_t end)
{
	struct sim_world *w = r->w;
	int64_t left = end - sim_now(w);
	int64_t timeout = left / 2;
	if (timeout > 15 * SIM_NS_PER_S)
		timeout = 15 * SIM_NS_PER_S;
	if (timeout < SIM_NS_PER_S)
		timeout = SIM_NS_PER_S;
	r->probe_cfg.client.delivery_timeout_ns = timeout;
	if (r->probe_cfg.client.cluster.conn.request_timeout_ns > timeout)
		r->probe_cfg.client.cluster.conn.request_timeout_ns = timeout;
	sim_node_start(w, r->probe);
	int64_t deadline = sim_now(w) + timeout + r->probe_cfg.client.cluster.conn.request_timeout_ns;
	while (sim_now(w) < deadline) {
		struct run_probe *p = sim_node_state(w, r->probe);
		if (p && !run_probe_pending(p))
			break;
		sim_run_for(w, TICK_NS);
	}
}

/* Has the final reader of sl's topic read it up to the leader's high
 * watermark? */
static bool final_read_complete(const struct run *r, const struct slot *sl)
{
	struct kw_consumer *c = sim_node_state(r->w, r->finals[topic_index(r, sl->topic)]);
	int64_t hw = hw_of(r, sl);
	return c && hw >= 0 && kw_consumer_position(c, sl->partition) >= hw &&
	       !(hw > 0 && kw_consumer_position(c, sl->partition) < 0);
}

/* One partition's liveness row: its leader, the probe, whether the final
 * read completed, and its replicas (the brokers that host it) and ISR; and
 * the same as numbers for summary.json's "final" (ids: room for 2 * nb). */
static void liveness_row(struct run *r, size_t i, struct hist_w_liveness *row,
			 const char **names, struct rpt_final *fin, int32_t *ids)
{
	const struct slot *sl = &r->slots[i];
	struct brk_replica_view lv, v;
	int leader = leader_index(r, sl->topic, sl->partition, false, &lv);
	struct run_probe *p = sim_node_state(r->w, r->probe);
	size_t t = (size_t)topic_index(r, sl->topic);
	int64_t offset;
	*row = (struct hist_w_liveness){sl->topic, sl->partition,
					leader >= 0 ? r->names[leader] : NULL,
					p && run_probe_acked(p, t, sl->partition, &offset),
					final_read_complete(r, sl),
					p ? run_probe_value(p, t, sl->partition) : NULL,
					names, 0, names + r->nb, 0};
	*fin = (struct rpt_final){sl->topic, sl->partition, leader >= 0 ? leader + 1 : -1,
				  leader >= 0 ? lv.leader_epoch : -1, leader >= 0 ? lv.hw : -1,
				  ids, 0, ids + r->nb, 0};
	for (int k = 0; k < r->nb; k++) {
		struct brk_broker *b = live_broker(r, k, true);
		if (b && brk_replica_view(b, sl->topic, sl->partition, &v) && v.open) {
			ids[row->n_replicas] = k + 1;
			names[row->n_replicas++] = r->names[k];
		}
	}
	fin->n_replicas = row->n_replicas;
	for (int32_t j = 0; leader >= 0 && j < lv.n_isr; j++)
		if (lv.isr[j] >= 1 && lv.isr[j] <= r->nb) {
			ids[r->nb + row->n_isr] = lv.isr[j];
			names[r->nb + row->n_isr++] = r->names[lv.isr[j] - 1];
		}
	fin->n_isr = row->n_isr;
}

/* Closes each partition's final read, and says whether it is alive. */
static void write_liveness(struct run *r)
{
	struct hist_w_liveness *rows = sim_xcalloc(r->n_slots + 1, sizeof *rows);
	size_t per = (size_t)r->nb * 2;
	const char **names = sim_xcalloc((r->n_slots + 1) * per + 1, sizeof *names);
	r->final = sim_xcalloc(r->n_slots + 1, sizeof *r->final);
	r->final_ids = sim_xcalloc((r->n_slots + 1) * per + 1, sizeof *r->final_ids);
	for (size_t i = 0; i < r->n_slots; i++) {
		const struct slot *sl = &r->slots[i];
		int64_t hw = hw_of(r, sl);
		wl_history_final_read_end(&r->hist, sim_now(r->w), sl->topic, sl->partition,
					  hw < 0 ? 0 : hw);
		liveness_row(r, i, &rows[i], names + i * per, &r->final[i], r->final_ids + i * per);
	}
	hist_write_liveness(&r->hist.w, sim_now(r->w), "quiesce", rows, r->n_slots);
	free(names);
	free(rows);
}

static void run_phases(struct run *r)
{
	const struct scn_scenario *s = r->s;
	struct sim_world *w = r->w;
	for (int i = 0; i < r->nz; i++)
		sim_node_start(w, r->zk[i]);
	for (int i = 0; i < r->nb; i++)
		sim_node_start(w, r->brokers[i]);
	sim_node_start(w, r->admin);
	sample_tick(w, r);
	for (int i = 0; i < r->np; i++) {
		wl_history_producer_config(&r->hist, 0, sim_node_name(w, r->producers[i]),
					   &r->pcfg[i].client);
		sim_node_start(w, r->producers[i]);
	}
	write_consumer_configs(r);
	for (int i = 0; i < r->nc; i++)
		sim_node_start(w, r->consumers[i]);
	flt_schedule(r->flt);
	flt_start_nemesis(r->flt, s->duration_ns);
	sim_run_until(w, s->duration_ns);

	/* Quiesce: no new sends, everything healed and restarted. */
	for (int i = 0; i < r->np; i++) {
		struct kw_producer *p = sim_node_state(w, r->producers[i]);
		if (p)
			kw_producer_stop(p);
	}
	flt_heal_all(r->flt);
	int64_t end = s->duration_ns + s->quiesce_ns;
	int64_t settle = s->duration_ns + s->quiesce_ns / 2;
	while (sim_now(w) < settle && !(producers_settled(r) && cluster_whole(r)))
		sim_run_for(w, TICK_NS);
	run_probe(r, end);
	for (int t = 0; t < r->nt; t++)
		sim_node_start(w, r->finals[t]);
	while (sim_now(w) < end && !finals_done(r))
		sim_run_for(w, TICK_NS);
	/* The liveness snapshot waits, up to the end, for every partition to be
	 * led with its full ISR: a cluster that looked whole from stale views
	 * (after a correlated failure the controller may move leaders only once
	 * the dead brokers' ZooKeeper sessions expire) is still converging, and
	 * only a replica that stays out of its ISR to the end fails liveness. */
	while (sim_now(w) < end && !cluster_whole(r))
		sim_run_for(w, TICK_NS);
	write_liveness(r);
	capture_replicas(r);
	write_zk_digests(r);
}

/* ---- Judging ---------------------------------------------------------------------------- */

/* reports/plots next to the ksim binary, or under the working directory;
 * KSIM_PLOTS names another place. */
static void scripts_dir(char *buf, size_t size)
{
	const char *env = getenv("KSIM_PLOTS");
	if (env) {
		snprintf(buf, size, "%s", env);
		return;
	}
	char exe[512];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = 0;
		char *slash = strrchr(exe, '/');
		if (slash)
			*slash = 0;
		snprintf(buf, size, "%s/reports/plots/latency.gp", exe);
		if (access(buf, R_OK) == 0) {
			snprintf(buf, size, "%s/reports/plots", exe);
			return;
		}
	}
	snprintf(buf, size, "reports/plots");
}

static void plots(struct run *r, const struct hist *h, char *note, size_t size)
{
	char scripts[600];
	scripts_dir(scripts, sizeof scripts);
	int rc = rpt_plot_run(r->dir, scripts, h, r->spans, r->n_spans, note, size);
	if (rc == 0)
		note[0] = 0;
}

static void expectations(const struct scn_scenario *s, struct chk_expectations *e)
{
	memset(e, 0, sizeof *e);
	for (int k = 0; k < SCN_CHK_COUNT; k++) {
		enum chk_kind kind;
		/* Every key the loader knows is a checker: a mismatch is a bug,
		 * never an expectation dropped in silence. */
		int known = chk_kind_from_name(scn_checker_name((enum scn_checker)k), &kind);
		assert(known == 0);
		(void)known;
		e->of[kind] = s->expect[k] == SCN_EXPECT_NONE   ? CHK_EXPECT_NONE
			      : s->expect[k] == SCN_EXPECT_SOME ? CHK_EXPECT_SOME
								: CHK_EXPECT_ANY;
	}
	if (s->expect_liveness)
		e->of[CHK_LIVENESS] = CHK_EXPECT_OK;
	e->has_max_unavailable = s->expect_has_max_unavailable;
	e->max_unavailable_ns = s->expect_max_unavailable_ns;
	e->has_acked_ratio = s->expect_has_acked_ratio;
	e->acked_ratio_bp = (uint32_t)s->expect_acked_ratio_bp;
}

/* The unreadable records and the availability expectations, under the
 * checker lines of the verdict. */
static void print_availability(struct run *r, const struct chk_result *res,
			       const struct chk_expectations *e, const struct chk_verdict *v)
{
	const struct chk_availability *a = &res->avail;
	if (res->unreadable)
		fprintf(r->out, "  %-22s %6llu   (acknowledged, in partitions the final reads could "
				"not read: not lost, but liveness fails)\n",
			"unreadable", (unsigned long long)res->unreadable);
	if (e->has_max_unavailable)
		fprintf(r->out, "  %-22s %6lld ms (%s)   expected at most %lld ms%s\n",
			CHK_MAX_UNAVAILABLE_NAME, (long long)(a->max_gap_ns / SIM_NS_PER_MS),
			a->worst[0] ? a->worst : "-", (long long)(e->max_unavailable_ns / SIM_NS_PER_MS),
			v->failed_max_unavailable ? "   <- FAILED" : "");
	if (e->has_acked_ratio) {
		uint32_t bp = chk_acked_ratio_bp(res);
		fprintf(r->out, "  %-22s %3u.%02u%%   expected at least %u.%02u%%%s\n",
			CHK_ACKED_RATIO_NAME, bp / 100, bp % 100, e->acked_ratio_bp / 100,
			e->acked_ratio_bp % 100, v->failed_acked_ratio ? "   <- FAILED" : "");
	}
}

static int judge(struct run *r, uint64_t hash, uint64_t events, int64_t sim_ns, double wall)
{
	struct hist *h = NULL;
	struct hist_error herr;
	snprintf(r->path, sizeof r->path, "%s/history.jsonl", r->dir);
	if (hist_read_file(r->path, &h, &herr)) {
		hist_error_print(r->err, r->path, &herr);
		return 2;
	}
	struct chk_result res;
	struct chk_expectations e;
	struct chk_verdict v;
	expectations(r->s, &e);
	int rc = chk_run_all(h, &res);
	char note[300] = "";
	if (!r->opt->no_plots)
		plots(r, h, note, sizeof note);
	struct rpt_run rr = {r->s->name, r->s->description, r->s->seed, hash, &res, &e, &v,
			     {0}, events, sim_ns, wall, r->final, r->final ? r->n_slots : 0,
			     r->s->cluster.mode == SCN_MODE_KRAFT ? "kraft" : "zookeeper",
			     r->s->cluster.kafka_version, &r->cov};
	hist_count_stats(h, &rr.stats);
	hist_free(h);
	if (rc) {
		fprintf(r->err, "%s: out of memory while checking\n", r->s->name);
		return 2;
	}
	chk_evaluate(&res, &e, &v);
	struct rpt_error rerr;
	if (rpt_write_run_dir(r->dir, &rr, &rerr)) {
		fprintf(r->err, "%s\n", rerr.msg);
		return 2;
	}
	char scripts[600], rnote[300];
	scripts_dir(scripts, sizeof scripts);
	if (run_report_finish(r->report, r->dir, r->opt->no_plots ? NULL : scripts, note,
			      r->n_spans, &rr, rnote, sizeof rnote)) {
		fprintf(r->err, "%s\n", rnote);
		return 2;
	}
	if (!note[0] && rnote[0])
		snprintf(note, sizeof note, "%s", rnote);
	fprintf(r->out, "%s seed %llu: %s — %llu sends (%llu acked, %llu failed, %llu unknown), "
			"%llu records polled, %llu faults\n",
		r->s->name, (unsigned long long)r->s->seed, v.pass ? "PASS" : "FAIL",
		(unsigned long long)rr.stats.sends, (unsigned long long)rr.stats.acked,
		(unsigned long long)rr.stats.failed, (unsigned long long)rr.stats.indeterminate,
		(unsigned long long)rr.stats.polled, (unsigned long long)rr.stats.faults);
	for (int k = 0; k < CHK_COUNT; k++)
		if (res.reports[k].count || e.of[k] != CHK_EXPECT_ANY)
			fprintf(r->out, "  %-22s %6llu   expected %s%s\n", chk_name((enum chk_kind)k),
				(unsigned long long)res.reports[k].count,
				chk_expect_name((enum chk_expect)e.of[k]),
				rpt_run_failed(&rr, (enum chk_kind)k) ? "   <- FAILED" : "");
	print_availability(r, &res, &e, &v);
	if (note[0])
		fprintf(r->out, "%s\n", note);
	fprintf(r->out, "trace hash %016llx; report in %s/ (start with index.html)\n",
		(unsigned long long)hash, r->dir);
	if (r->opt->explain)
		run_report_explain(r->report, &rr, r->out);
	if (r->opt->result) {
		struct run_result *out = r->opt->result;
		memset(out, 0, sizeof *out);
		out->pass = v.pass;
		out->trace_hash = hash;
		out->sim_ns = sim_ns;
		out->wall_s = wall;
		out->events = events;
		out->sends = rr.stats.sends;
		out->acked = rr.stats.acked;
		for (int k = 0; k < CHK_COUNT; k++)
			out->anomalies[k] = res.reports[k].count;
		out->unreadable = res.unreadable;
		for (size_t i = 0; i < v.n_failed; i++) {
			size_t len = strlen(out->failed);
			snprintf(out->failed + len, sizeof out->failed - len, "%s%s", i ? "," : "",
				 chk_name((enum chk_kind)v.failed[i]));
		}
	}
	return v.pass ? 0 : 1;
}

/* ---- Setup and teardown --------------------------------------------------------------------- */

static int open_outputs(struct run *r)
{
	struct rpt_error rerr;
	if (r->opt->out_dir)
		snprintf(r->dir, sizeof r->dir, "%s", r->opt->out_dir);
	else
		rpt_outdir_default(r->dir, sizeof r->dir, r->s->name, r->s->seed);
	if (rpt_mkdir_p(r->dir, &rerr)) {
		fprintf(r->err, "%s\n", rerr.msg);
		return 2;
	}
	snprintf(r->path, sizeof r->path, "%s/history.jsonl", r->dir);
	if (!(r->hist_file = fopen(r->path, "w"))) {
		fprintf(r->err, "cannot write %s: %s\n", r->path, strerror(errno));
		return 2;
	}
	wl_history_init(&r->hist, r->hist_file);
	if (r->opt->trace) {
		snprintf(r->path, sizeof r->path, "%s/trace.log", r->dir);
		if (!(r->trace_file = fopen(r->path, "w"))) {
			fprintf(r->err, "cannot write %s: %s\n", r->path, strerror(errno));
			return 2;
		}
	}
	return 0;
}

static void list_partitions(struct run *r)
{
	size_t n = 0;
	for (size_t t = 0; t < r->s->topic_count; t++)
		n += (size_t)r->s->topics[t].partitions;
	r->slots = sim_xcalloc(n ? n : 1, sizeof *r->slots);
	for (size_t t = 0; t < r->s->topic_count; t++)
		for (int32_t p = 0; p < r->s->topics[t].partitions; p++)
			r->slots[r->n_slots++] = (struct slot){r->s->topics[t].name, p,
							       r->s->topics[t].replication_factor};
}

static void start_report(struct run *r)
{
	struct run_report_partition *parts = sim_xcalloc(r->n_slots + 1, sizeof *parts);
	for (size_t i = 0; i < r->n_slots; i++)
		parts[i] = (struct run_report_partition){r->slots[i].topic, r->slots[i].partition};
	r->report = run_report_new(r->w, r->s, r->opt, r->brokers, r->nb, parts, r->n_slots);
	free(parts);
	if (r->nb && r->nz)
		run_report_ports(r->report, r->bcfg[0].port, r->zcfg[0].client_port,
				 r->zcfg[0].quorum_port, r->zcfg[0].election_port);
}

int run_build(struct run *r, const struct sim_world_config *wc)
{
	const struct scn_scenario *s = r->s;
	int rc = check_supported(r);
	if (rc)
		return rc;
	r->nb = s->cluster.brokers;
	for (size_t g = 0; !r->no_workload && g < s->producer_group_count; g++)
		r->np += s->producers[g].count;
	for (size_t g = 0; !r->no_workload && g < s->consumer_group_count; g++)
		r->nc += s->consumers[g].count;
	r->nt = r->no_workload ? 0 : (int)s->topic_count;
	r->nz = s->cluster.mode == SCN_MODE_ZOOKEEPER ? s->cluster.zookeeper : 0;
	int n_nodes = r->nb + r->np + r->nc + r->nt + r->nz + 2; /* and the admin and the probe */
	r->names = sim_xcalloc((size_t)n_nodes + 1, sizeof *r->names);
	r->brokers = sim_xcalloc((size_t)r->nb + 1, sizeof *r->brokers);
	r->producers = sim_xcalloc((size_t)r->np + 1, sizeof *r->producers);
	r->consumers = sim_xcalloc((size_t)r->nc + 1, sizeof *r->consumers);
	r->finals = sim_xcalloc((size_t)r->nt + 1, sizeof *r->finals);
	r->bcfg = sim_xcalloc((size_t)r->nb + 1, sizeof *r->bcfg);
	r->pcfg = sim_xcalloc((size_t)r->np + 1, sizeof *r->pcfg);
	r->ccfg = sim_xcalloc((size_t)r->nc + 1, sizeof *r->ccfg);
	r->fcfg = sim_xcalloc((size_t)r->nt + 1, sizeof *r->fcfg);
	r->zk = sim_xcalloc((size_t)r->nz + 1, sizeof *r->zk);
	r->zcfg = sim_xcalloc((size_t)r->nz + 1, sizeof *r->zcfg);
	r->trails = sim_xcalloc((size_t)r->nz + 1, sizeof *r->trails);
	for (int i = 0; i < r->nz; i++)
		snprintf(r->names[r->nb + r->np + r->nc + r->nt + i], NAME, "zk-%d", i + 1);
	r->w = sim_world_new(wc);
	sim_world_set_coverage(r->w, &r->cov);
	rc = build_zookeeper(r);
	if (!rc)
		rc = build_brokers(r);
	if (!rc)
		rc = build_workload(r);
	if (!rc)
		rc = build_admin(r);
	if (!rc)
		build_probe(r);
	r->fc = (struct flt_cluster){r->w, r->brokers, r->nb, r->zk, r->nz, r->producers, r->np,
				     r->consumers, r->nc, r, controller_of, zk_leader_of,
				     run_leader_of, followers_of, stop_broker, elect_leaders};
	return rc;
}

void run_release(struct run *r)
{
	sim_world_free(r->w);
	r->w = NULL;
	free(r->names);
	free(r->brokers);
	free(r->producers);
	free(r->consumers);
	free(r->finals);
	free(r->bcfg);
	free(r->pcfg);
	free(r->ccfg);
	free(r->fcfg);
	free(r->slots);
	free(r->seen_epoch);
	free(r->seen_leo);
	free(r->seen_noted);
	free(r->seen_ctl_epoch);
	free_admin(r);
	free(r->probe_topics);
	free(r->final);
	free(r->final_ids);
	free(r->zk);
	free(r->zcfg);
	free(r->spans);
	for (int i = 0; i < r->nz; i++)
		free(r->trails[i].items);
	free(r->trails);
}

int run_scenario(const struct scn_scenario *s, const struct run_options *opt, FILE *out,
		 FILE *err)
{
	struct run r = {.s = s, .opt = opt, .out = out, .err = err};
	/* A broken invariant (sim/invariant.h) names the run that reproduces it. */
	sim_invariant_set_run(s->name, s->seed);
	struct sim_world_config wc;
	sim_world_config_default(&wc, s->seed);
	wc.net.latency_min_ns = s->net_latency.min_ns;
	wc.net.latency_max_ns = s->net_latency.max_ns;
	wc.disk.write_latency_min_ns = s->disk_write_latency.min_ns;
	wc.disk.write_latency_max_ns = s->disk_write_latency.max_ns;
	wc.disk.fsync_latency_min_ns = s->disk_fsync_latency.min_ns;
	wc.disk.fsync_latency_max_ns = s->disk_fsync_latency.max_ns;
	double t0 = wall_seconds();
	uint64_t hash = 0, events = 0;
	int64_t sim_ns = 0;
	int rc = check_supported(&r);
	if (!rc)
		rc = open_outputs(&r);
	if (!rc)
		rc = run_build(&r, &wc);
	if (!rc) {
		const char *run_log = getenv("KSIM_RUN_LOG"); /* "debug": every node log line */
		if (run_log)
			sim_world_set_log(r.w, stderr,
					  !strcmp(run_log, "debug") ? ENV_LOG_DEBUG : ENV_LOG_WARN);
		sim_world_set_trace_file(r.w, r.trace_file);
		list_partitions(&r);
		start_report(&r);
		r.fobs = (struct flt_observer){&r, on_fault};
		r.flt = flt_new(&r.fc, s, &r.fobs);
		if (!opt->quiet)
			fprintf(out, "%s seed %llu: %d ZooKeeper, %d broker%s, %d producer%s, "
				     "%d consumer%s, %zu fault%s%s\n",
				s->name, (unsigned long long)s->seed, r.nz, r.nb, r.nb == 1 ? "" : "s",
				r.np, r.np == 1 ? "" : "s", r.nc, r.nc == 1 ? "" : "s",
				s->fault_count, s->fault_count == 1 ? "" : "s",
				s->nemesis.enabled ? " and a nemesis" : "");
		run_phases(&r);
		hash = sim_trace_hash(r.w);
		events = sim_events_fired(r.w);
		sim_ns = sim_now(r.w);
	}
	sim_world_free(r.w);
	r.w = NULL;
	flt_free(r.flt);
	if (r.hist_file) {
		fflush(r.hist_file);
		if (!rc && hist_w_error(&r.hist.w)) {
			fprintf(err, "%s/history.jsonl: write failed\n", r.dir);
			rc = 2;
		}
		fclose(r.hist_file);
	}
	if (r.trace_file)
		fclose(r.trace_file);
	if (!rc)
		rc = judge(&r, hash, events, sim_ns, wall_seconds() - t0);
	run_release(&r);
	run_report_free(r.report);
	sim_cov_free(&r.cov);
	return rc;
}
