/*
 * The controller in a simulated cluster, continued: AlterPartition
 * validation and success, preferred replica election, and fencing of a
 * controller that has been replaced (a zombie cannot write).
 */
#include "tests/unit/test_ctl_fixture.h"

static void others(int32_t ctl_id, int32_t *a, int32_t *b)
{
	int32_t k = 0, ids[2];
	for (int32_t i = 1; i <= NB; i++)
		if (i != ctl_id)
			ids[k++] = i;
	*a = ids[0];
	*b = ids[1];
}

/* A cluster with the topic "t" whose one partition is led by a broker that
 * is not the controller: replicas [a, b, c]. */
static struct fx *cluster_with_topic(uint64_t seed, int64_t imbalance_s, int32_t *c, int32_t *a,
				     int32_t *b)
{
	struct fx *fx = fx_new(seed, false, imbalance_s);
	sim_run_for(fx->w, 10 * S);
	*c = controller(fx);
	others(*c, a, b);
	char parts[64];
	snprintf(parts, sizeof parts, "\"0\":[%d,%d,%d]", *a, *b, *c);
	create_topic(fx, "t", parts);
	sim_run_for(fx->w, 2 * S);
	return fx;
}

static void test_alter_partition(void **state)
{
	(void)state;
	int32_t c, a, b;
	struct fx *fx = cluster_with_topic(31, 300, &c, &a, &b);
	struct probe *p = probe(fx);
	int64_t ea = broker_epoch(fx, a), eb = broker_epoch(fx, b);
	const int32_t shrink[] = {a, c};
	char path[64];
	ctl_zk_partition_path(path, sizeof path, "t", 0, true);

	/* Not the controller. */
	alter(fx, b, a, ea, "t", 0, 0, 0, shrink, 2);
	assert_int_equal(p->top_error, KP_ERR_NOT_CONTROLLER);
	/* An old registration of the sender: refused as a whole. */
	alter(fx, c, a, ea - 1, "t", 0, 0, 0, shrink, 2);
	assert_int_equal(p->top_error, KP_ERR_STALE_BROKER_EPOCH);
	assert_int_equal(p->nres, 0);
	/* Per partition: the sender does not lead it. */
	alter(fx, c, b, eb, "t", 0, 0, 0, shrink, 2);
	assert_int_equal(p->top_error, KP_ERR_NONE);
	assert_int_equal(p->nres, 1);
	assert_int_equal(p->res[0].error, KP_ERR_NOT_LEADER_OR_FOLLOWER);
	/* Another leader epoch. */
	alter(fx, c, a, ea, "t", 0, 1, 0, shrink, 2);
	assert_int_equal(p->res[0].error, KP_ERR_FENCED_LEADER_EPOCH);
	/* Another partition epoch. */
	alter(fx, c, a, ea, "t", 0, 0, 3, shrink, 2);
	assert_int_equal(p->res[0].error, KP_ERR_INVALID_UPDATE_VERSION);
	/* A member that is not a live broker. */
	alter(fx, c, a, ea, "t", 0, 0, 0, (const int32_t[]){a, 42}, 2);
	assert_int_equal(p->res[0].error, KP_ERR_INELIGIBLE_REPLICA);
	/* A partition the controller does not know. */
	alter(fx, c, a, ea, "nope", 0, 0, 0, shrink, 2);
	assert_int_equal(p->res[0].error, KP_ERR_UNKNOWN_TOPIC_OR_PARTITION);
	/* None of these wrote anything. */
	struct ctl_pstate st = pstate(fx, "t", 0);
	assert_int_equal(st.zk_version, 0);
	assert_int_equal(st.n_isr, 3);

	/* Success: the ISR is written with the same leader and leader epoch;
	 * the answer carries the new partition epoch (the znode's version). */
	int um_b = tb_of(fx, b)->n_um;
	alter(fx, c, a, ea, "t", 0, 0, 0, shrink, 2);
	assert_int_equal(p->top_error, KP_ERR_NONE);
	assert_int_equal(p->res[0].error, KP_ERR_NONE);
	assert_int_equal(p->res[0].leader, a);
	assert_int_equal(p->res[0].leader_epoch, 0);
	assert_int_equal(p->res[0].partition_epoch, 1);
	assert_isr_is(p->res[0].isr, p->res[0].n_isr, shrink, 2);
	st = pstate(fx, "t", 0);
	assert_int_equal(st.zk_version, 1);
	assert_int_equal(st.leader, a);
	assert_int_equal(st.leader_epoch, 0);
	assert_isr_is(st.isr, st.n_isr, shrink, 2);
	/* Every live broker is told through UpdateMetadata. */
	sim_run_for(fx->w, 1 * S);
	assert_true(tb_of(fx, b)->n_um > um_b);
	const struct rec *r = find_rec(tb_of(fx, b)->um, tb_of(fx, b)->n_um_rec, "t", 0);
	assert_int_equal(r->zk_version, 1);
	assert_isr_is(r->isr, r->n_isr, shrink, 2);
	char want[96];
	snprintf(want, sizeof want, "t-0: ISR [%d,%d,%d] -> [%d,%d] at leader epoch 0", a, b, c, a,
		 c);
	assert_int_equal(fx_count(fx, want), 1);

	/* The same request again (as after a lost answer) is answered with the
	 * current state, though its partition epoch is stale, and writes
	 * nothing (Kafka: "done before fencing based on partition epoch to
	 * maintain idempotency"); another change with the stale epoch is
	 * refused; the new state is accepted. */
	alter(fx, c, a, ea, "t", 0, 0, 0, shrink, 2);
	assert_int_equal(p->res[0].error, KP_ERR_NONE);
	assert_int_equal(p->res[0].partition_epoch, 1);
	assert_int_equal(pstate(fx, "t", 0).zk_version, 1);
	alter(fx, c, a, ea, "t", 0, 0, 0, (const int32_t[]){a}, 1);
	assert_int_equal(p->res[0].error, KP_ERR_INVALID_UPDATE_VERSION);
	alter(fx, c, a, ea, "t", 0, 0, 1, (const int32_t[]){a, c, b}, 3);
	assert_int_equal(p->res[0].error, KP_ERR_NONE);
	assert_int_equal(p->res[0].partition_epoch, 2);
	assert_int_equal(pstate(fx, "t", 0).zk_version, 2);
	/* Asking for the ISR it has: answered, nothing written. */
	alter(fx, c, a, ea, "t", 0, 0, 2, (const int32_t[]){a, c, b}, 3);
	assert_int_equal(p->res[0].error, KP_ERR_NONE);
	assert_int_equal(p->res[0].partition_epoch, 2);
	assert_int_equal(pstate(fx, "t", 0).zk_version, 2);
	fx_free(fx);
}

/* The preferred replica comes back and rejoins the ISR: the periodic
 * imbalance check gives it leadership again. */
static void test_preferred_election(void **state)
{
	(void)state;
	int32_t c, a, b;
	struct fx *fx = cluster_with_topic(32, 5, &c, &a, &b);
	sim_node_kill(fx->w, fx->b[a - 1]);
	sim_run_for(fx->w, 10 * S);
	struct ctl_pstate st = pstate(fx, "t", 0);
	assert_int_equal(st.leader, b);
	assert_int_equal(st.leader_epoch, 1);
	sim_node_start(fx->w, fx->b[a - 1]);
	sim_run_for(fx->w, 10 * S);
	/* Back, but out of the ISR: no preferred election yet. */
	st = pstate(fx, "t", 0);
	assert_int_equal(st.leader, b);
	/* Its leader takes it back into the ISR. */
	alter(fx, c, b, broker_epoch(fx, b), "t", 0, 1, st.zk_version, (const int32_t[]){b, c, a},
	      3);
	assert_int_equal(probe(fx)->res[0].error, KP_ERR_NONE);
	sim_run_for(fx->w, 6 * S);
	st = pstate(fx, "t", 0);
	assert_int_equal(st.leader, a);
	assert_int_equal(st.leader_epoch, 2);
	assert_isr_is(st.isr, st.n_isr, (const int32_t[]){b, c, a}, 3);
	const struct rec *r = find_rec(tb_of(fx, a)->laisr, tb_of(fx, a)->n_laisr_rec, "t", 0);
	assert_non_null(r);
	assert_int_equal(r->leader, a);
	assert_int_equal(r->leader_epoch, 2);
	r = find_rec(tb_of(fx, b)->um, tb_of(fx, b)->n_um_rec, "t", 0);
	assert_int_equal(r->leader, a);
	char want[96];
	snprintf(want, sizeof want, "t-0: leader %d -> %d at epoch 2 (preferred replica", b, a);
	assert_int_equal(fx_count(fx, want), 1);
	fx_free(fx);
}

/* KAFKA-6082: a controller whose epoch has moved on cannot write. The
 * epoch znode is bumped behind its back (as a newer controller's election
 * does); its next write fails the check: nothing is written, it resigns,
 * and the AlterPartition it was serving is answered NOT_CONTROLLER. */
static void test_zombie_cannot_write(void **state)
{
	(void)state;
	int32_t c, a, b;
	struct fx *fx = cluster_with_topic(33, 300, &c, &a, &b);
	assert_int_equal(zset(fx, "/controller_epoch", "7"), ZOK);
	alter(fx, c, a, broker_epoch(fx, a), "t", 0, 0, 0, (const int32_t[]){a, c}, 2);
	assert_int_equal(probe(fx)->top_error, KP_ERR_NOT_CONTROLLER);
	struct ctl_pstate st = pstate(fx, "t", 0);
	assert_int_equal(st.zk_version, 0);
	assert_int_equal(st.n_isr, 3);
	assert_false(ctl_active(tb_of(fx, c)->ctl));
	char want[64];
	snprintf(want, sizeof want, "broker %d resigns as controller of epoch 1", c);
	assert_int_equal(fx_count(fx, want), 1);
	/* Once /controller goes, the brokers elect a controller at the next
	 * epoch after the one in ZooKeeper. */
	assert_int_equal(zdelete(fx, "/controller"), ZOK);
	sim_run_for(fx->w, 3 * S);
	int32_t now = controller(fx);
	assert_true(now >= 1);
	assert_int_equal(ctl_epoch(tb_of(fx, now)->ctl), 8);
	fx_free(fx);
}

/* A controller paused past its session timeout is replaced at the next
 * epoch; when it wakes, its session is gone and it resigns, and the
 * brokers refuse anything it sent late. */
static void test_paused_controller_replaced(void **state)
{
	(void)state;
	int32_t c, a, b;
	struct fx *fx = cluster_with_topic(34, 300, &c, &a, &b);
	sim_node_pause(fx->w, fx->b[c - 1]);
	sim_run_for(fx->w, 15 * S);
	int32_t now = -1;
	for (int32_t i = 1; i <= NB; i++)
		if (i != c && ctl_active(tb_of(fx, i)->ctl)) {
			assert_int_equal(now, -1);
			now = i;
		}
	assert_true(now >= 1);
	assert_int_equal(ctl_epoch(tb_of(fx, now)->ctl), 2);
	/* The new controller shrank the ISR of the paused broker's partition. */
	struct ctl_pstate st = pstate(fx, "t", 0);
	assert_int_equal(st.controller_epoch, 2);
	assert_int_equal(st.n_isr, 2);
	sim_node_resume(fx->w, fx->b[c - 1]);
	sim_run_for(fx->w, 15 * S);
	assert_int_equal(controller(fx), now);
	/* Written only by the new controller since. */
	st = pstate(fx, "t", 0);
	assert_int_equal(st.controller_epoch, 2);
	for (int32_t i = 1; i <= NB; i++)
		assert_int_equal(tb_of(fx, i)->max_epoch, 2);
	/* Only the zombie resigned; the new controller never had to. */
	assert_int_equal(fx_count(fx, "resigns"), 1);
	char want[64];
	snprintf(want, sizeof want, "broker %d resigns as controller of epoch 1", c);
	assert_int_equal(fx_count(fx, want), 1);
	fx_free(fx);
}

/* An operator deletes /controller (Kafka's way to move the controller):
 * the active controller resigns and the brokers elect one at the next
 * epoch, which loads the cluster again and writes nothing that is right. */
static void test_controller_moved(void **state)
{
	(void)state;
	int32_t c, a, b;
	struct fx *fx = cluster_with_topic(35, 300, &c, &a, &b);
	assert_int_equal(zdelete(fx, "/controller"), ZOK);
	sim_run_for(fx->w, 3 * S);
	int32_t now = controller(fx);
	assert_true(now >= 1);
	assert_int_equal(ctl_epoch(tb_of(fx, now)->ctl), 2);
	char want[80];
	snprintf(want, sizeof want,
		 "broker %d resigns as controller of epoch 1 (/controller was deleted)", c);
	assert_int_equal(fx_count(fx, want), 1);
	assert_int_equal(pstate(fx, "t", 0).zk_version, 0);
	for (int32_t i = 1; i <= NB; i++)
		assert_int_equal(tb_of(fx, i)->max_epoch, 2);
	fx_free(fx);
}

/* ctl_free on an active controller with open channels and a round's
 * ZooKeeper requests in flight: the completions that come later are
 * dropped and nothing is touched after the free (ASan and Valgrind watch);
 * a fresh, inactive controller answers NOT_CONTROLLER. */
static void test_free_while_active(void **state)
{
	(void)state;
	int32_t c, a, b;
	struct fx *fx = cluster_with_topic(36, 300, &c, &a, &b);
	struct tb *t = tb_of(fx, c);
	/* A topic change starts a round; free the controller in the middle. */
	create_topic(fx, "u", "\"0\":[1,2,3]");
	sim_run_for(fx->w, 2 * MS);
	brk_zk_set_listener(t->zk, NULL, NULL, NULL);
	ctl_free(t->ctl);
	t->ctl = ctl_new(t->env, t->cfg); /* inactive: answers NOT_CONTROLLER */
	sim_run_for(fx->w, 5 * S);
	alter(fx, c, a, broker_epoch(fx, a), "t", 0, 0, 0, (const int32_t[]){a, c}, 2);
	assert_int_equal(probe(fx)->top_error, KP_ERR_NOT_CONTROLLER);
	fx_free(fx);
}

/* A state write whose answer is lost but which ZooKeeper applied (acks-all-
 * nemesis seed 1413: the controller's link to ZooKeeper was cut with its
 * writes in flight; they landed when the link healed). The controller
 * cannot tell, so it reads the state again; finding its own write there,
 * it has nothing left to change, but the partition's replicas must still
 * hear of it, or the leader keeps a stale partition epoch and every
 * AlterPartition it sends is refused from then on. */
static void test_lost_answer_applied_write(void **state)
{
	(void)state;
	int32_t c, a, b;
	struct fx *fx = cluster_with_topic(37, 300, &c, &a, &b);
	struct sim_net *net = sim_world_net(fx->w);
	/* ZooKeeper hears the controller, the controller hears nothing back. */
	for (int i = 0; i < 3; i++)
		sim_net_block(net, fx->zk[i], fx->b[c - 1]);
	const int32_t shrink[] = {a, c};
	alter(fx, c, a, broker_epoch(fx, a), "t", 0, 0, 0, shrink, 2);
	assert_int_equal(probe(fx)->res[0].error, KP_ERR_REQUEST_TIMED_OUT);
	struct ctl_pstate st = pstate(fx, "t", 0);
	assert_int_equal(st.zk_version, 1); /* the write was applied */
	assert_isr_is(st.isr, st.n_isr, shrink, 2);
	const struct rec *r = find_rec(tb_of(fx, a)->laisr, tb_of(fx, a)->n_laisr_rec, "t", 0);
	assert_int_equal(r->zk_version, 0);
	sim_net_heal(net);
	sim_run_for(fx->w, 5 * S);
	assert_int_equal(controller(fx), c);
	/* The leader and the follower still in the ISR hear the state. */
	const int32_t told[] = {a, c};
	for (int i = 0; i < 2; i++) {
		r = find_rec(tb_of(fx, told[i])->laisr, tb_of(fx, told[i])->n_laisr_rec, "t", 0);
		assert_non_null(r);
		assert_int_equal(r->zk_version, 1);
		assert_int_equal(r->leader, a);
		assert_isr_is(r->isr, r->n_isr, shrink, 2);
	}
	/* The leader can change its ISR again with what it was told. */
	alter(fx, c, a, broker_epoch(fx, a), "t", 0, 0, 1, (const int32_t[]){a, c, b}, 3);
	assert_int_equal(probe(fx)->res[0].error, KP_ERR_NONE);
	assert_int_equal(probe(fx)->res[0].partition_epoch, 2);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lost_answer_applied_write),
		cmocka_unit_test(test_alter_partition),
		cmocka_unit_test(test_preferred_election),
		cmocka_unit_test(test_zombie_cannot_write),
		cmocka_unit_test(test_paused_controller_replaced),
		cmocka_unit_test(test_controller_moved),
		cmocka_unit_test(test_free_while_active),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
