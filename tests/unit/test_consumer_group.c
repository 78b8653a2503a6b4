/*
 * Consumer groups end to end: simulated consumers (kc_consumer with a
 * group.id, kc_group) against a real broker's group coordinator
 * (brk_group), with a producer writing unique values meanwhile.
 *
 * First on one broker that leads every partition (brk_become_leader plays
 * the controller's part, as in test_broker_e2e.c): the 6 partitions of
 * "orders" and the 3 of __consumer_offsets (offsets.topic.num.partitions
 * 3). A coordinator change is a kill and restart of that broker, after
 * which it leads again at a new leader epoch and loads the committed
 * offsets from its log.
 *
 * Then on a cluster (3 ZooKeeper servers, 3 brokers with the controller,
 * "orders" replicated 3 times): __consumer_offsets is created by the first
 * FindCoordinator, and killing the coordinator's broker moves the group to
 * the new leader of its partition, which loads the offsets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "broker/client/kc_consumer.h"
#include "broker/client/kc_producer.h"
#include "broker/kafka/brk_broker.h"
#include "broker/kafka/brk_group.h"
#include "broker/client/kc_admin.h"
#include "broker/kp/kp_error.h"
#include "broker/zk/zk_server.h"
#include "sim/util.h"
#include "sim/world.h"

#define MS SIM_NS_PER_MS
#define S SIM_NS_PER_S
#define NPART 6
#define NOFFSETS 3
#define MAX_VALUES 3000

/* ---- The producer ------------------------------------------------------------ */

struct pnode {
	struct kc_producer *p;
	int outcome[MAX_VALUES + 1];
	int sent;
};

static void p_result(void *arg, const struct kc_send_result *res)
{
	struct pnode *n = arg;
	assert_true(res->id <= MAX_VALUES);
	n->outcome[res->id] = (int)res->outcome;
}

static void *pnode_start(struct env *env, const void *config)
{
	struct pnode *n = env_calloc(env, 1, sizeof *n);
	for (int i = 0; i <= MAX_VALUES; i++)
		n->outcome[i] = -1;
	n->p = kc_producer_new(env, config, p_result, n);
	return n;
}

/* ---- Group members that remember what they saw --------------------------------- */

static const char *const topics[] = {"orders"};

struct gnode {
	struct kc_consumer *c;
	int reads[MAX_VALUES + 1];
	bool owned[NPART];
	int n_owned;
	int assignments;          /* non-empty assignments received */
	int32_t generation;
	int64_t next[NPART];      /* the offset after the last one read */
	int64_t first[NPART];     /* the first offset read since the last assignment */
	int64_t acked[NPART];     /* the last commit the coordinator acknowledged */
	int gaps;                 /* reads not at `next` within one assignment */
	int commit_errors;
	int regressions;          /* assignments starting below an acknowledged commit */
};

static void g_poll(void *arg, const char *topic, int32_t partition,
		   const struct kc_record_view *recs, size_t n, int64_t hw)
{
	struct gnode *g = arg;
	assert_true(partition >= 0 && partition < NPART);
	assert_true(g->owned[partition]);
	for (size_t i = 0; i < n; i++) {
		char buf[16];
		size_t len = recs[i].value_len < 15 ? recs[i].value_len : 15;
		memcpy(buf, recs[i].value, len);
		buf[len] = 0;
		int v = atoi(buf + 1);
		assert_true(v >= 1 && v <= MAX_VALUES);
		g->reads[v]++;
		if (g->first[partition] < 0)
			g->first[partition] = recs[i].offset;
		else
			g->gaps += recs[i].offset != g->next[partition];
		g->next[partition] = recs[i].offset + 1;
		assert_true(recs[i].offset < hw);
	}
}

static void g_assigned(void *arg, const struct kc_consumer_tp *tps, size_t n,
		       int32_t generation)
{
	struct gnode *g = arg;
	memset(g->owned, 0, sizeof g->owned);
	g->n_owned = (int)n;
	g->generation = generation;
	for (int p = 0; p < NPART; p++)
		g->first[p] = -1;
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(tps[i].topic, "orders");
		g->owned[tps[i].partition] = true;
		/* The group's committed offset is never behind a commit this
		 * member saw acknowledged (acks=all: it is in the log). */
		g->regressions += tps[i].offset < g->acked[tps[i].partition];
	}
	g->assignments += n > 0;
}

static void g_committed(void *arg, const struct kc_consumer_tp *tps, size_t n, int16_t error)
{
	struct gnode *g = arg;
	if (error) {
		g->commit_errors++;
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (tps[i].offset > g->acked[tps[i].partition])
			g->acked[tps[i].partition] = tps[i].offset;
}

static void *gnode_start(struct env *env, const void *config)
{
	struct gnode *g = env_calloc(env, 1, sizeof *g);
	for (int p = 0; p < NPART; p++)
		g->first[p] = g->acked[p] = -1;
	g->c = kc_consumer_new(env, config, g_poll, g);
	struct kc_consumer_listener l = {g, g_assigned, g_committed, NULL};
	kc_consumer_set_listener(g->c, &l);
	kc_consumer_subscribe(g->c, topics, 1);
	return g;
}

static const struct sim_node_class broker_class = {"broker", brk_start};
static const struct sim_node_class producer_class = {"producer", pnode_start};
static const struct sim_node_class member_class = {"consumer", gnode_start};

struct fx {
	struct sim_world *w;
	struct brk_config bc;
	struct kc_producer_config pc;
	struct kc_consumer_config cc[2];
	uint32_t broker, producer, members[2];
	int32_t epoch;
	int sent;
};

static int setup(void **state)
{
	struct fx *fx = test_calloc(1, sizeof *fx);
	struct sim_world_config wc;
	sim_world_config_default(&wc, 31);
	fx->w = sim_world_new(&wc);
	if (getenv("KSIM_TEST_LOG"))
		sim_world_set_log(fx->w, stderr, ENV_LOG_DEBUG);
	brk_config_default(&fx->bc);
	fx->bc.broker_id = 1;
	fx->bc.offsets_topic_partitions = NOFFSETS;
	kc_producer_config_default(&fx->pc);
	fx->pc.cluster.bootstrap[0] = "broker-1";
	fx->pc.cluster.n_bootstrap = 1;
	fx->pc.linger_ns = 5 * MS;
	static const char *const ids[2] = {"consumer-1", "consumer-2"};
	for (int i = 0; i < 2; i++) {
		struct kc_consumer_config *c = &fx->cc[i];
		kc_consumer_config_default(c);
		c->cluster.bootstrap[0] = "broker-1";
		c->cluster.n_bootstrap = 1;
		c->cluster.conn.client_id = ids[i];
		c->reset_earliest = true;
		c->fetch_max_wait_ns = 100 * MS;
		c->group_id = "g";
		c->session_timeout_ns = 10 * S;
		c->heartbeat_interval_ns = 1 * S;
		c->rebalance_timeout_ns = 10 * S;
		c->commit = KC_COMMIT_AFTER_PROCESS;
	}
	fx->broker = sim_node_add(fx->w, "broker-1", &broker_class, &fx->bc);
	fx->producer = sim_node_add(fx->w, "producer-1", &producer_class, &fx->pc);
	fx->members[0] = sim_node_add(fx->w, "consumer-1", &member_class, &fx->cc[0]);
	fx->members[1] = sim_node_add(fx->w, "consumer-2", &member_class, &fx->cc[1]);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	sim_world_free(fx->w);
	test_free(fx);
	return 0;
}

static struct gnode *member(struct fx *fx, int i)
{
	return sim_node_state(fx->w, fx->members[i]);
}

/* What the controller's LeaderAndIsr would do, at a new leader epoch. */
static void lead_all(struct fx *fx)
{
	struct brk_broker *b = sim_node_state(fx->w, fx->broker);
	fx->epoch++;
	for (int p = 0; p < NPART; p++)
		assert_int_equal(brk_become_leader(b, "orders", p, fx->epoch), 0);
	for (int p = 0; p < NOFFSETS; p++)
		assert_int_equal(brk_become_leader(b, BRK_GROUP_OFFSETS_TOPIC, p, fx->epoch), 0);
}

/* Sends `count` values spread over `duration`, running the world meanwhile. */
static void produce(struct fx *fx, int count, int64_t duration)
{
	for (int i = 0; i < count; i++) {
		struct pnode *n = sim_node_state(fx->w, fx->producer);
		char key[32], value[32];
		fx->sent++;
		snprintf(key, sizeof key, "k%d", fx->sent % 17);
		snprintf(value, sizeof value, "v%d", fx->sent);
		kc_producer_send(n->p, "orders", key, strlen(key), value, strlen(value));
		sim_run_for(fx->w, duration / count);
	}
}

static int total_reads(struct fx *fx, int v)
{
	int n = 0;
	for (int i = 0; i < 2; i++)
		if (sim_node_status(fx->w, fx->members[i]) == SIM_NODE_UP)
			n += member(fx, i)->reads[v];
	return n;
}

static void start(struct fx *fx)
{
	sim_node_start(fx->w, fx->broker);
	lead_all(fx);
	sim_node_start(fx->w, fx->producer);
	sim_run_for(fx->w, 200 * MS);
	sim_node_start(fx->w, fx->members[0]);
	sim_run_for(fx->w, 2 * S);
	sim_node_start(fx->w, fx->members[1]);
}

/* Two members split the six partitions 3/3 (the range assignor: the first
 * three to the smaller member id), and every acknowledged value is read
 * exactly once across the join of the second member. */
static void test_two_members_split_partitions(void **state)
{
	struct fx *fx = *state;
	start(fx);
	produce(fx, 300, 10 * S);
	sim_run_for(fx->w, 3 * S);
	struct gnode *a = member(fx, 0), *b = member(fx, 1);
	assert_int_equal(a->n_owned, 3);
	assert_int_equal(b->n_owned, 3);
	assert_int_equal(a->generation, b->generation);
	assert_int_equal(a->generation, 2); /* A alone, then A and B */
	for (int p = 0; p < NPART; p++)
		assert_true(a->owned[p] != b->owned[p]);
	assert_true((a->owned[0] && a->owned[1] && a->owned[2]) ||
		    (b->owned[0] && b->owned[1] && b->owned[2]));
	struct pnode *n = sim_node_state(fx->w, fx->producer);
	for (int v = 1; v <= fx->sent; v++) {
		assert_int_equal(n->outcome[v], KC_SEND_OK);
		assert_int_equal(total_reads(fx, v), 1);
	}
	assert_int_equal(a->gaps + b->gaps, 0);
	assert_int_equal(a->commit_errors + b->commit_errors, 0);
	assert_int_equal(a->regressions + b->regressions, 0);
	/* The committed offsets are the positions: the high watermarks. */
	struct brk_broker *broker = sim_node_state(fx->w, fx->broker);
	for (int p = 0; p < NPART; p++) {
		int64_t acked = a->owned[p] ? a->acked[p] : b->acked[p];
		assert_int_equal(acked, brk_high_watermark(broker, "orders", p));
	}
}

/* A member that stops is dropped after its session timeout; the other gets
 * all six partitions, each from the last offset the first one committed. */
static void test_member_loss_hands_partitions_over(void **state)
{
	struct fx *fx = *state;
	start(fx);
	produce(fx, 200, 6 * S);
	struct gnode *a = member(fx, 0), *b = member(fx, 1);
	assert_int_equal(a->n_owned, 3);
	/* B dies in the middle of the traffic. */
	int64_t b_acked[NPART], b_next[NPART];
	bool b_owned[NPART];
	memcpy(b_acked, b->acked, sizeof b_acked);
	memcpy(b_next, b->next, sizeof b_next);
	memcpy(b_owned, b->owned, sizeof b_owned);
	sim_node_kill(fx->w, fx->members[1]);
	int64_t killed = sim_now(fx->w);
	produce(fx, 200, 5 * S);
	/* Within the 10 s session timeout nothing moves. */
	assert_int_equal(a->n_owned, 3);
	sim_run_until(fx->w, killed + 15 * S);
	assert_int_equal(a->n_owned, NPART);
	struct pnode *n = sim_node_state(fx->w, fx->producer);
	for (int v = 1; v <= fx->sent; v++) {
		assert_int_equal(n->outcome[v], KC_SEND_OK);
		assert_true(a->reads[v] + (v <= 200 ? 1 : 0) >= 1);
	}
	for (int p = 0; p < NPART; p++) {
		if (!b_owned[p])
			continue;
		/* A starts where B's last commit that reached the coordinator
		 * left it: at or past the last one B saw acknowledged, never
		 * past what B had read. */
		assert_true(a->first[p] >= b_acked[p]);
		assert_true(a->first[p] <= b_next[p]);
	}
	assert_int_equal(a->gaps, 0);
	assert_int_equal(a->regressions, 0);
}

/* The coordinator's broker crashes and comes back: it reads the group back
 * from __consumer_offsets (its metadata record: generation, members,
 * assignments), so the members keep their generation and assignment and go
 * on heartbeating without a rebalance; committed offsets are read back too:
 * no record read again before the last acknowledged commit. */
static void test_commits_survive_coordinator_restart(void **state)
{
	struct fx *fx = *state;
	start(fx);
	produce(fx, 200, 6 * S);
	sim_run_for(fx->w, 2 * S);
	struct gnode *a = member(fx, 0), *b = member(fx, 1);
	int64_t acked[2][NPART];
	int reads_before[MAX_VALUES + 1];
	for (int v = 1; v <= fx->sent; v++)
		reads_before[v] = total_reads(fx, v);
	memcpy(acked[0], a->acked, sizeof acked[0]);
	memcpy(acked[1], b->acked, sizeof acked[1]);
	int assignments[2] = {a->assignments, b->assignments};
	sim_node_kill(fx->w, fx->broker);
	sim_run_for(fx->w, 500 * MS);
	sim_node_restart(fx->w, fx->broker);
	lead_all(fx);
	produce(fx, 100, 3 * S);
	sim_run_for(fx->w, 20 * S);
	/* The same generation: no member was assigned anything again. */
	assert_int_equal(a->assignments, assignments[0]);
	assert_int_equal(b->assignments, assignments[1]);
	assert_int_equal(a->n_owned + b->n_owned, NPART);
	/* The restored coordinator took their commits in the old generation
	 * (an unknown member's would be refused): the new records' positions
	 * were acknowledged on every partition. */
	for (int p = 0; p < NPART; p++) {
		struct gnode *owner = a->owned[p] ? a : b;
		int64_t last = acked[0][p] > acked[1][p] ? acked[0][p] : acked[1][p];
		assert_true(owner->acked[p] > last);
	}
	/* Every value was consumed before the crash and nothing was read twice:
	 * the members kept their positions. */
	struct pnode *n = sim_node_state(fx->w, fx->producer);
	for (int v = 1; v <= fx->sent; v++) {
		if (n->outcome[v] != KC_SEND_OK)
			continue;
		assert_true(total_reads(fx, v) >= 1);
		if (v <= 200)
			assert_int_equal(total_reads(fx, v), reads_before[v]);
	}
	assert_int_equal(a->regressions + b->regressions, 0);
}

/* before-process: records are handed over only once a commit past them was
 * acknowledged, so across a member's crash and the takeover no record is
 * handed over twice (at most once), and the poll order has no gap. */
static void test_before_process_hands_over_at_most_once(void **state)
{
	struct fx *fx = *state;
	fx->cc[0].commit = fx->cc[1].commit = KC_COMMIT_BEFORE_PROCESS;
	start(fx);
	produce(fx, 200, 6 * S);
	struct gnode *a = member(fx, 0), *b = member(fx, 1);
	assert_int_equal(a->n_owned, 3);
	assert_int_equal(b->n_owned, 3);
	/* B dies right after it was handed records (within a millisecond: its
	 * commit, had it not waited for it, would still be on its way). */
	struct pnode *pn = sim_node_state(fx->w, fx->producer);
	int before = 0, after;
	for (int v = 1; v <= fx->sent; v++)
		before += b->reads[v];
	after = before;
	for (int ms = 0; ms < 2000 && after == before; ms++) {
		if (ms % 10 == 0) {
			char value[32];
			snprintf(value, sizeof value, "v%d", ++fx->sent);
			kc_producer_send(pn->p, "orders", value, strlen(value), value,
					 strlen(value));
		}
		sim_run_for(fx->w, 1 * MS);
		after = 0;
		for (int v = 1; v <= fx->sent; v++)
			after += b->reads[v];
	}
	assert_true(after > before);
	static int b_reads[MAX_VALUES + 1];
	memcpy(b_reads, b->reads, sizeof b_reads);
	assert_int_equal(b->regressions, 0);
	sim_node_kill(fx->w, fx->members[1]);
	produce(fx, 200, 5 * S);
	sim_run_for(fx->w, 15 * S);
	assert_int_equal(a->n_owned, NPART);
	struct pnode *n = sim_node_state(fx->w, fx->producer);
	int read = 0;
	for (int v = 1; v <= fx->sent; v++) {
		assert_int_equal(n->outcome[v], KC_SEND_OK);
		assert_true(a->reads[v] + b_reads[v] <= 1);
		read += a->reads[v] + b_reads[v];
	}
	/* Only what B had committed but not yet been handed when it died can
	 * be missing: a few records, not a partition's worth. */
	assert_true(read >= fx->sent - 20);
	assert_int_equal(a->gaps, 0);
	assert_int_equal(a->regressions, 0);
}

/* ---- On a cluster with the controller ------------------------------------------ */

#define NBROKERS 3
#define NZK 3

static const struct sim_node_class zk_class = {"zookeeper", zk_server_start};
static const struct sim_node_class admin_class = {"admin", kc_admin_start};

struct cfx {
	struct sim_world *w;
	struct zk_server_config zc[NZK];
	struct brk_config bc[NBROKERS];
	struct kc_admin_topic topic;
	struct kc_admin_config ac;
	struct kc_producer_config pc;
	struct kc_consumer_config cc[2];
	uint32_t zk[NZK], brokers[NBROKERS], admin, producer, members[2];
	int sent;
};

static const char *const broker_names[NBROKERS] = {"broker-1", "broker-2", "broker-3"};

static void bootstrap_all(struct kc_cluster_config *c)
{
	for (int i = 0; i < NBROKERS; i++)
		c->bootstrap[i] = broker_names[i];
	c->n_bootstrap = NBROKERS;
}

static int csetup(void **state)
{
	struct cfx *fx = test_calloc(1, sizeof *fx);
	struct sim_world_config wc;
	sim_world_config_default(&wc, 41);
	fx->w = sim_world_new(&wc);
	if (getenv("KSIM_TEST_LOG"))
		sim_world_set_log(fx->w, stderr, ENV_LOG_INFO);
	static const char *const zk_names[NZK] = {"zk-1", "zk-2", "zk-3"};
	for (int i = 0; i < NZK; i++) {
		zk_server_config_default(&fx->zc[i]);
		fx->zc[i].my_id = i + 1;
		fx->zc[i].n_members = NZK;
		for (int k = 0; k < NZK; k++)
			fx->zc[i].members[k] = (struct zk_server_member){k + 1, zk_names[k]};
		fx->zk[i] = sim_node_add(fx->w, zk_names[i], &zk_class, &fx->zc[i]);
	}
	for (int i = 0; i < NBROKERS; i++) {
		brk_config_default(&fx->bc[i]);
		fx->bc[i].broker_id = i + 1;
		fx->bc[i].zk_session_timeout_ms = 6000;
		fx->bc[i].offsets_topic_partitions = 5;
		assert_int_equal(brk_config_set(&fx->bc[i], "zookeeper.connect",
						"zk-1:2181,zk-2:2181,zk-3:2181", NULL, 0),
				 BRK_CONFIG_OK);
		fx->brokers[i] = sim_node_add(fx->w, broker_names[i], &broker_class, &fx->bc[i]);
	}
	fx->topic = (struct kc_admin_topic){"orders", NPART, 3, NULL, NULL, 0};
	kc_admin_config_default(&fx->ac);
	bootstrap_all(&fx->ac.cluster);
	fx->ac.topics = &fx->topic;
	fx->ac.n_topics = 1;
	fx->admin = sim_node_add(fx->w, "admin", &admin_class, &fx->ac);
	kc_producer_config_default(&fx->pc);
	bootstrap_all(&fx->pc.cluster);
	fx->pc.linger_ns = 5 * MS;
	fx->pc.cluster.conn.request_timeout_ns = 3 * S;
	static const char *const ids[2] = {"consumer-1", "consumer-2"};
	for (int i = 0; i < 2; i++) {
		struct kc_consumer_config *c = &fx->cc[i];
		kc_consumer_config_default(c);
		bootstrap_all(&c->cluster);
		c->cluster.conn.client_id = ids[i];
		c->cluster.conn.request_timeout_ns = 5 * S;
		c->reset_earliest = true;
		c->fetch_max_wait_ns = 100 * MS;
		c->group_id = "g";
		c->session_timeout_ns = 10 * S;
		c->heartbeat_interval_ns = 1 * S;
		c->rebalance_timeout_ns = 10 * S;
	}
	fx->producer = sim_node_add(fx->w, "producer-1", &producer_class, &fx->pc);
	fx->members[0] = sim_node_add(fx->w, "consumer-1", &member_class, &fx->cc[0]);
	fx->members[1] = sim_node_add(fx->w, "consumer-2", &member_class, &fx->cc[1]);
	*state = fx;
	return 0;
}

static int cteardown(void **state)
{
	struct cfx *fx = *state;
	sim_world_free(fx->w);
	test_free(fx);
	return 0;
}

static struct gnode *cmember(struct cfx *fx, int i)
{
	return sim_node_state(fx->w, fx->members[i]);
}

static void cproduce(struct cfx *fx, int count, int64_t duration)
{
	for (int i = 0; i < count; i++) {
		struct pnode *n = sim_node_state(fx->w, fx->producer);
		char key[32], value[32];
		fx->sent++;
		snprintf(key, sizeof key, "k%d", fx->sent % 17);
		snprintf(value, sizeof value, "v%d", fx->sent);
		kc_producer_send(n->p, "orders", key, strlen(key), value, strlen(value));
		sim_run_for(fx->w, duration / count);
	}
}

/* The broker leading the group's __consumer_offsets partition, or -1. */
static int coordinator(struct cfx *fx)
{
	int32_t part = brk_group_partition_for("g", 1, 5);
	for (int i = 0; i < NBROKERS; i++) {
		struct brk_replica_view v;
		struct brk_broker *b = sim_node_state(fx->w, fx->brokers[i]);
		if (sim_node_status(fx->w, fx->brokers[i]) == SIM_NODE_UP && b &&
		    brk_replica_view(b, BRK_GROUP_OFFSETS_TOPIC, part, &v) && v.leader)
			return i;
	}
	return -1;
}

static void test_cluster_rebalance_and_coordinator_failover(void **state)
{
	struct cfx *fx = *state;
	for (int i = 0; i < NZK; i++)
		sim_node_start(fx->w, fx->zk[i]);
	for (int i = 0; i < NBROKERS; i++)
		sim_node_start(fx->w, fx->brokers[i]);
	sim_node_start(fx->w, fx->admin);
	sim_run_for(fx->w, 10 * S);
	assert_true(kc_admin_done(sim_node_state(fx->w, fx->admin)));
	sim_node_start(fx->w, fx->producer);
	sim_node_start(fx->w, fx->members[0]);
	sim_node_start(fx->w, fx->members[1]);
	cproduce(fx, 300, 15 * S);
	struct gnode *a = cmember(fx, 0), *b = cmember(fx, 1);
	/* __consumer_offsets was created on the first FindCoordinator, with
	 * offsets.topic.replication.factor 3, and its leader coordinates. */
	int co = coordinator(fx);
	assert_true(co >= 0);
	assert_int_equal(a->n_owned, 3);
	assert_int_equal(b->n_owned, 3);
	for (int p = 0; p < NPART; p++)
		assert_true(a->owned[p] != b->owned[p]);

	/* B stops: A owns everything after B's session timeout. What B read
	 * is kept first (a killed node's memory is freed). */
	static int b_reads[MAX_VALUES + 1];
	memcpy(b_reads, b->reads, sizeof b_reads);
	assert_int_equal(b->regressions, 0);
	assert_int_equal(b->gaps, 0);
	sim_node_kill(fx->w, fx->members[1]);
	cproduce(fx, 200, 15 * S);
	assert_int_equal(a->n_owned, NPART);
	int assignments = a->assignments;

	/* The coordinator's broker dies: its partition gets a new leader, which
	 * loads the group (its last generation, A alone) and its offsets; A
	 * goes on heartbeating there in the same generation, no rebalance. */
	co = coordinator(fx);
	assert_true(co >= 0);
	sim_node_kill(fx->w, fx->brokers[co]);
	cproduce(fx, 200, 20 * S);
	sim_run_for(fx->w, 20 * S);
	int co2 = coordinator(fx);
	assert_true(co2 >= 0 && co2 != co);
	assert_int_equal(a->assignments, assignments);
	assert_int_equal(a->n_owned, NPART);
	assert_int_equal(a->regressions, 0);
	assert_int_equal(a->gaps, 0);
	/* Every acknowledged value was read by A or by B before it died. */
	struct pnode *n = sim_node_state(fx->w, fx->producer);
	int acked = 0;
	for (int v = 1; v <= fx->sent; v++)
		if (n->outcome[v] == KC_SEND_OK) {
			acked++;
			assert_true(a->reads[v] + b_reads[v] >= 1);
		}
	assert_true(acked > 600);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_two_members_split_partitions),
		T(test_member_loss_hands_partitions_over),
		T(test_commits_survive_coordinator_restart),
		T(test_before_process_hands_over_at_most_once),
		cmocka_unit_test_setup_teardown(test_cluster_rebalance_and_coordinator_failover,
						csetup, cteardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
