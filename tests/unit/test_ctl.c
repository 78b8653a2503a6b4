/*
 * The controller in a simulated cluster (tests/unit/test_ctl_fixture.h):
 * election and failover with the epoch, fencing of a replaced controller,
 * first states of new topics, leader election and ISR shrinks when brokers
 * die, clean and unclean elections, and what brokers are told.
 */
#include "tests/unit/test_ctl_fixture.h"

/* Exactly one controller; its /controller and /controller_epoch say so;
 * killing it hands the role to another broker at the next epoch. */
static void test_election_and_failover(void **state)
{
	(void)state;
	struct fx *fx = fx_new(21, false, 300);
	sim_run_for(fx->w, 10 * S);
	int32_t first = controller(fx);
	assert_true(first >= 1);
	assert_int_equal(ctl_epoch(tb_of(fx, first)->ctl), 1);
	assert_int_equal(zget(fx, "/controller"), ZOK);
	int32_t owner = -1;
	struct probe *p = probe(fx);
	assert_int_equal(ctl_zk_parse_controller(p->data, (size_t)p->len, &owner), 0);
	assert_int_equal(owner, first);
	assert_int_equal(zget(fx, "/controller_epoch"), ZOK);
	assert_string_equal(probe(fx)->data, "1");
	for (int32_t i = 1; i <= NB; i++)
		if (i != first)
			assert_int_equal(ctl_epoch(tb_of(fx, i)->ctl), -1);

	/* Every broker heard from it: UpdateMetadata naming the three. */
	for (int32_t i = 1; i <= NB; i++) {
		assert_true(tb_of(fx, i)->n_um >= 1);
		assert_int_equal(tb_of(fx, i)->um_brokers, 3);
		assert_int_equal(tb_of(fx, i)->um_controller, first);
	}

	sim_node_kill(fx->w, fx->b[first - 1]);
	sim_run_for(fx->w, 15 * S); /* the dead session expires after 6 s */
	int32_t second = controller(fx);
	assert_true(second >= 1 && second != first);
	assert_int_equal(ctl_epoch(tb_of(fx, second)->ctl), 2);
	assert_int_equal(zget(fx, "/controller_epoch"), ZOK);
	assert_string_equal(probe(fx)->data, "2");
	for (int32_t i = 1; i <= NB; i++)
		if (i != first) {
			assert_int_equal(tb_of(fx, i)->max_epoch, 2);
			assert_int_equal(tb_of(fx, i)->um_brokers, 2);
		}

	/* It comes back as a broker, not as a second controller. */
	sim_node_start(fx->w, fx->b[first - 1]);
	sim_run_for(fx->w, 10 * S);
	assert_int_equal(controller(fx), second);
	assert_int_equal(tb_of(fx, first)->um_brokers, 3);
	assert_int_equal(tb_of(fx, first)->max_epoch, 2);
	assert_int_equal(fx_count(fx, "resigns"), 0);
	assert_int_equal(fx_count(fx, "is the controller at epoch"), 2);
	fx_free(fx);
}


/* The two brokers that are not the controller, in id order. */
static void others(struct fx *fx, int32_t ctl_id, int32_t *a, int32_t *b)
{
	int32_t k = 0, ids[2];
	for (int32_t i = 1; i <= NB; i++)
		if (i != ctl_id)
			ids[k++] = i;
	*a = ids[0];
	*b = ids[1];
}

/* A new topic's partitions get their first state: the first replica leads,
 * the ISR is the whole assignment, leader epoch 0, zk version 0; brokers
 * hear LeaderAndIsr for their partitions and UpdateMetadata for all. */
static void test_topic_creation(void **state)
{
	(void)state;
	struct fx *fx = fx_new(22, false, 300);
	sim_run_for(fx->w, 10 * S);
	int32_t c = controller(fx);
	create_topic(fx, "orders", "\"0\":[1,2,3],\"1\":[2,3,1],\"2\":[3,1]");
	sim_run_for(fx->w, 2 * S);
	static const int32_t want_isr[3][3] = {{1, 2, 3}, {2, 3, 1}, {3, 1}};
	static const int32_t n_isr[3] = {3, 3, 2};
	for (int32_t p = 0; p < 3; p++) {
		struct ctl_pstate st = pstate(fx, "orders", p);
		assert_int_equal(st.leader, want_isr[p][0]);
		assert_int_equal(st.leader_epoch, 0);
		assert_int_equal(st.controller_epoch, 1);
		assert_int_equal(st.zk_version, 0);
		assert_isr_is(st.isr, st.n_isr, want_isr[p], n_isr[p]);
	}
	for (int32_t b = 1; b <= NB; b++) {
		struct tb *t = tb_of(fx, b);
		assert_int_equal(t->n_um_rec, 3);
		assert_int_equal(t->laisr_broker_epoch, broker_epoch(fx, b));
		for (int32_t p = 0; p < 3; p++) {
			const struct rec *r = find_rec(t->laisr, t->n_laisr_rec, "orders", p);
			bool hosts = p != 2 || b != 2; /* orders-2 lives on 3 and 1 */
			assert_true(hosts == (r != NULL));
			if (r) {
				assert_int_equal(r->leader, want_isr[p][0]);
				assert_int_equal(r->leader_epoch, 0);
				assert_true(r->is_new);
				assert_isr_is(r->isr, r->n_isr, want_isr[p], n_isr[p]);
			}
			r = find_rec(t->um, t->n_um_rec, "orders", p);
			assert_non_null(r);
			assert_int_equal(r->leader, want_isr[p][0]);
		}
	}
	assert_int_equal(fx_count(fx, "orders-0: leader 1 at epoch 0 (initial; ISR [1,2,3])"), 1);
	(void)c;

	/* A partition added later (the assignment changes) gets its state too. */
	assert_int_equal(zset(fx, "/brokers/topics/orders",
			      "{\"version\":2,\"partitions\":{\"0\":[1,2,3],\"1\":[2,3,1],"
			      "\"2\":[3,1],\"3\":[2,1]},\"adding_replicas\":{},"
			      "\"removing_replicas\":{}}"),
			 ZOK);
	sim_run_for(fx->w, 2 * S);
	struct ctl_pstate st = pstate(fx, "orders", 3);
	assert_int_equal(st.leader, 2);
	assert_isr_is(st.isr, st.n_isr, (const int32_t[]){2, 1}, 2);
	/* Nothing else was written again. */
	assert_int_equal(pstate(fx, "orders", 0).zk_version, 0);
	fx_free(fx);
}

/* A leader's broker dies: leadership moves to the next ISR member with
 * leader epoch + 1, and the dead broker leaves every ISR it was in. */
static void test_leader_dies(void **state)
{
	(void)state;
	struct fx *fx = fx_new(23, false, 300);
	sim_run_for(fx->w, 10 * S);
	int32_t c = controller(fx), a, b;
	others(fx, c, &a, &b);
	char parts[128];
	/* p0 led by a (then b, then c); p1 led by b with a as a follower. */
	snprintf(parts, sizeof parts, "\"0\":[%d,%d,%d],\"1\":[%d,%d,%d]", a, b, c, b, a, c);
	create_topic(fx, "orders", parts);
	sim_run_for(fx->w, 2 * S);
	int laisr_b = tb_of(fx, b)->n_laisr;

	sim_node_kill(fx->w, fx->b[a - 1]);
	sim_run_for(fx->w, 10 * S);
	assert_int_equal(controller(fx), c);
	struct ctl_pstate st = pstate(fx, "orders", 0);
	assert_int_equal(st.leader, b);
	assert_int_equal(st.leader_epoch, 1);
	assert_int_equal(st.controller_epoch, 1);
	assert_int_equal(st.zk_version, 1);
	assert_isr_is(st.isr, st.n_isr, (const int32_t[]){b, c}, 2);
	st = pstate(fx, "orders", 1);
	assert_int_equal(st.leader, b);
	assert_int_equal(st.leader_epoch, 1);
	assert_isr_is(st.isr, st.n_isr, (const int32_t[]){b, c}, 2);

	/* The survivors were told: LeaderAndIsr with the new leader and
	 * epoch, and metadata without the dead broker. */
	assert_true(tb_of(fx, b)->n_laisr > laisr_b);
	for (int32_t id = 1; id <= NB; id++) {
		if (id == a)
			continue;
		const struct rec *r = find_rec(tb_of(fx, id)->laisr, tb_of(fx, id)->n_laisr_rec,
					       "orders", 0);
		assert_non_null(r);
		assert_int_equal(r->leader, b);
		assert_int_equal(r->leader_epoch, 1);
		assert_int_equal(r->zk_version, 1);
		assert_false(r->is_new);
		assert_isr_is(r->isr, r->n_isr, (const int32_t[]){b, c}, 2);
		r = find_rec(tb_of(fx, id)->um, tb_of(fx, id)->n_um_rec, "orders", 1);
		assert_int_equal(r->leader_epoch, 1);
		assert_isr_is(r->offline, r->n_offline, (const int32_t[]){a}, 1);
		assert_int_equal(tb_of(fx, id)->um_brokers, 2);
		/* Both partitions are led by b now: the one live leader named. */
		char host[32];
		snprintf(host, sizeof host, "broker-%d:9092", b);
		assert_int_equal(tb_of(fx, id)->n_live_leaders, 1);
		assert_int_equal(tb_of(fx, id)->live_leaders[0], b);
		assert_string_equal(tb_of(fx, id)->live_leader_host, host);
	}
	char want[128];
	snprintf(want, sizeof want,
		 "orders-0: leader %d -> %d at epoch 1 (broker %d left; ISR [%d,%d])", a, b, a, b,
		 c);
	assert_int_equal(fx_count(fx, want), 1);
	snprintf(want, sizeof want, "orders-1: ISR [%d,%d,%d] -> [%d,%d]", b, a, c, b, c);
	assert_int_equal(fx_count(fx, want), 1);

	/* The broker comes back: it is told everything it hosts, but it is
	 * not in the ISR again until its leader asks (AlterPartition). */
	int laisr_a = 0;
	sim_node_start(fx->w, fx->b[a - 1]);
	sim_run_for(fx->w, 15 * S);
	laisr_a = tb_of(fx, a)->n_laisr;
	assert_true(laisr_a >= 1);
	const struct rec *r = find_rec(tb_of(fx, a)->laisr, tb_of(fx, a)->n_laisr_rec, "orders", 1);
	assert_non_null(r);
	assert_int_equal(r->leader, b);
	assert_int_equal(pstate(fx, "orders", 1).zk_version, 1);
	fx_free(fx);
}

/* With unclean.leader.election.enable off, a partition whose ISR members
 * are all dead goes offline, even when an out-of-sync replica lives; its
 * last ISR member leads again when it returns. */
static void test_unclean_off(void **state)
{
	(void)state;
	struct fx *fx = fx_new(24, false, 300);
	sim_run_for(fx->w, 10 * S);
	int32_t c = controller(fx), a, b;
	others(fx, c, &a, &b);
	char parts[64];
	snprintf(parts, sizeof parts, "\"0\":[%d,%d]", a, b);
	create_topic(fx, "t", parts);
	sim_run_for(fx->w, 2 * S);
	sim_node_kill(fx->w, fx->b[b - 1]); /* the follower: ISR [a] */
	sim_run_for(fx->w, 10 * S);
	struct ctl_pstate st = pstate(fx, "t", 0);
	assert_int_equal(st.leader, a);
	assert_isr_is(st.isr, st.n_isr, (const int32_t[]){a}, 1);
	sim_node_kill(fx->w, fx->b[a - 1]); /* the last ISR member */
	sim_run_for(fx->w, 10 * S);
	st = pstate(fx, "t", 0);
	assert_int_equal(st.leader, -1);
	assert_int_equal(st.leader_epoch, 2);
	assert_isr_is(st.isr, st.n_isr, (const int32_t[]){a}, 1);
	sim_node_start(fx->w, fx->b[b - 1]); /* out of sync: may not lead */
	sim_run_for(fx->w, 15 * S);
	st = pstate(fx, "t", 0);
	assert_int_equal(st.leader, -1);
	assert_int_equal(st.leader_epoch, 2);
	const struct rec *r = find_rec(tb_of(fx, b)->um, tb_of(fx, b)->n_um_rec, "t", 0);
	assert_non_null(r);
	assert_int_equal(r->leader, -1);
	sim_node_start(fx->w, fx->b[a - 1]); /* the last ISR member is back */
	sim_run_for(fx->w, 15 * S);
	st = pstate(fx, "t", 0);
	assert_int_equal(st.leader, a);
	assert_int_equal(st.leader_epoch, 3);
	assert_isr_is(st.isr, st.n_isr, (const int32_t[]){a}, 1);
	assert_int_equal(fx_count(fx, "unclean"), 0);
	fx_free(fx);
}

/* With it on, the live out-of-sync replica leads, alone in the ISR. */
static void test_unclean_on(void **state)
{
	(void)state;
	struct fx *fx = fx_new(25, true, 300);
	sim_run_for(fx->w, 10 * S);
	int32_t c = controller(fx), a, b;
	others(fx, c, &a, &b);
	char parts[64];
	snprintf(parts, sizeof parts, "\"0\":[%d,%d]", a, b);
	create_topic(fx, "t", parts);
	sim_run_for(fx->w, 2 * S);
	sim_node_kill(fx->w, fx->b[b - 1]);
	sim_run_for(fx->w, 10 * S);
	sim_node_kill(fx->w, fx->b[a - 1]);
	sim_run_for(fx->w, 10 * S);
	assert_int_equal(pstate(fx, "t", 0).leader, -1);
	sim_node_start(fx->w, fx->b[b - 1]);
	sim_run_for(fx->w, 15 * S);
	struct ctl_pstate st = pstate(fx, "t", 0);
	assert_int_equal(st.leader, b);
	assert_int_equal(st.leader_epoch, 3);
	assert_isr_is(st.isr, st.n_isr, (const int32_t[]){b}, 1);
	const struct rec *r = find_rec(tb_of(fx, b)->laisr, tb_of(fx, b)->n_laisr_rec, "t", 0);
	assert_non_null(r);
	assert_int_equal(r->leader, b);
	assert_int_equal(r->leader_epoch, 3);
	assert_int_equal(fx_count(fx, "leader: t-0: leader -1 -> "), 1);
	assert_int_equal(fx_count(fx, "(unclean: no in-sync replica is live; ISR"), 1);
	fx_free(fx);
}

/* A LeaderAndIsr in flight when the connection is reset is sent again once
 * the controller's channel reconnects (ControllerChannelManager). */
static void test_channel_resends(void **state)
{
	(void)state;
	struct fx *fx = fx_new(26, false, 300);
	sim_run_for(fx->w, 10 * S);
	int32_t c = controller(fx), a, b;
	others(fx, c, &a, &b);
	struct sim_net *net = sim_world_net(fx->w);
	uint32_t cn = fx->b[c - 1], an = fx->b[a - 1];
	sim_net_block(net, cn, an);
	sim_net_block(net, an, cn);
	char parts[64];
	snprintf(parts, sizeof parts, "\"0\":[%d,%d,%d]", a, b, c);
	create_topic(fx, "t", parts);
	sim_run_for(fx->w, 2 * S);
	/* The others heard; a did not: its request waits in the stalled link. */
	assert_non_null(find_rec(tb_of(fx, b)->laisr, tb_of(fx, b)->n_laisr_rec, "t", 0));
	assert_null(find_rec(tb_of(fx, a)->laisr, tb_of(fx, a)->n_laisr_rec, "t", 0));
	/* The connection is reset: what was in flight is lost with it. */
	sim_net_reset_node(net, an);
	sim_run_for(fx->w, 1 * S);
	sim_net_heal(net);
	sim_run_for(fx->w, 5 * S);
	const struct rec *r = find_rec(tb_of(fx, a)->laisr, tb_of(fx, a)->n_laisr_rec, "t", 0);
	assert_non_null(r);
	assert_int_equal(r->leader, a);
	assert_int_equal(r->leader_epoch, 0);
	assert_non_null(find_rec(tb_of(fx, a)->um, tb_of(fx, a)->n_um_rec, "t", 0));
	assert_int_equal(controller(fx), c);
	fx_free(fx);
}

/* The ZooKeeper leader dies: the controller's session moves to another
 * server; it stays controller at its epoch and keeps working. */
static void test_zookeeper_leader_loss(void **state)
{
	(void)state;
	struct fx *fx = fx_new(27, false, 300);
	sim_run_for(fx->w, 10 * S);
	int32_t c = controller(fx);
	uint32_t leader = 0;
	for (int i = 0; i < 3; i++) {
		struct zk_server *z = sim_node_state(fx->w, fx->zk[i]);
		if (z && zk_server_role(z) == ZK_ROLE_LEADING)
			leader = fx->zk[i];
	}
	assert_true(leader != 0);
	sim_node_kill(fx->w, leader);
	sim_run_for(fx->w, 200 * MS);
	create_topic(fx, "t", "\"0\":[1,2,3],\"1\":[3,2,1]");
	sim_run_for(fx->w, 10 * S);
	assert_int_equal(controller(fx), c);
	assert_int_equal(ctl_epoch(tb_of(fx, c)->ctl), 1);
	assert_int_equal(pstate(fx, "t", 0).leader, 1);
	assert_int_equal(pstate(fx, "t", 1).leader, 3);
	for (int32_t i = 1; i <= NB; i++)
		assert_non_null(find_rec(tb_of(fx, i)->um, tb_of(fx, i)->n_um_rec, "t", 1));
	fx_free(fx);
}

/* A bounced broker (the same id registered again with a new broker epoch
 * while the controller was not looking) is handled as Kafka's
 * processBrokerChange does: as dead first (its leadership moves, it leaves
 * the ISR), then as new (it hears everything, addressed to its new epoch). */
static void test_bounced_broker(void **state)
{
	(void)state;
	struct fx *fx = fx_new(28, false, 300);
	sim_run_for(fx->w, 10 * S);
	int32_t c = controller(fx), a, b;
	others(fx, c, &a, &b);
	char parts[64], path[32];
	snprintf(parts, sizeof parts, "\"0\":[%d,%d,%d]", a, b, c);
	create_topic(fx, "t", parts);
	sim_run_for(fx->w, 2 * S);
	int64_t old_epoch = broker_epoch(fx, a);
	/* The controller stalls (within its session timeout) while broker a
	 * dies and comes back with a new registration. */
	sim_node_pause(fx->w, fx->b[c - 1]);
	sim_node_kill(fx->w, fx->b[a - 1]);
	snprintf(path, sizeof path, "/brokers/ids/%d", a);
	assert_int_equal(zdelete(fx, path), ZOK); /* as its session's expiry would */
	sim_node_start(fx->w, fx->b[a - 1]);
	sim_run_for(fx->w, 2 * S);
	int64_t new_epoch = broker_epoch(fx, a);
	assert_true(new_epoch > old_epoch);
	sim_node_resume(fx->w, fx->b[c - 1]);
	sim_run_for(fx->w, 3 * S);
	assert_int_equal(controller(fx), c);
	struct ctl_pstate st = pstate(fx, "t", 0);
	assert_int_equal(st.leader, b);
	assert_int_equal(st.leader_epoch, 1);
	assert_isr_is(st.isr, st.n_isr, (const int32_t[]){b, c}, 2);
	struct tb *ta = tb_of(fx, a);
	const struct rec *r = find_rec(ta->laisr, ta->n_laisr_rec, "t", 0);
	assert_non_null(r);
	assert_int_equal(r->leader, b);
	assert_int_equal(r->leader_epoch, 1);
	assert_int_equal(ta->laisr_broker_epoch, new_epoch);
	assert_int_equal(ta->um_brokers, 3);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_election_and_failover),
		cmocka_unit_test(test_topic_creation),
		cmocka_unit_test(test_leader_dies),
		cmocka_unit_test(test_unclean_off),
		cmocka_unit_test(test_unclean_on),
		cmocka_unit_test(test_channel_resends),
		cmocka_unit_test(test_zookeeper_leader_loss),
		cmocka_unit_test(test_bounced_broker),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
