/*
 * ElectLeaders at the controller (ctl_leaders.c) in a simulated cluster:
 * a preferred election once the preferred replica is back in the ISR, and
 * an unclean election of an offline partition, with each refusal.
 */
#include "tests/unit/test_ctl_fixture.h"

struct eanswer {
	bool done;
	int rc;
	int16_t top;
	int16_t errors[4];
	int n;
};

static void on_answer(void *arg, int status, const struct kp_response *resp)
{
	struct eanswer *a = arg;
	a->done = true;
	a->rc = status;
	if (status != KC_OK)
		return;
	const struct kp_elect_leaders_response *el = &resp->body.elect_leaders;
	a->top = el->error_code;
	for (int32_t t = 0; t < el->topic_count; t++)
		for (int32_t i = 0; i < el->topics[t].partition_count && a->n < 4; i++)
			a->errors[a->n++] = el->topics[t].partitions[i].error_code;
}

/* ElectLeaders of `type` for t-`part` sent to broker `to`. */
static struct eanswer elect(struct fx *fx, int32_t to, int8_t type, const char *topic,
			    int32_t part)
{
	struct probe *p = probe(fx);
	if (p->conn)
		kc_conn_close(p->conn);
	char host[24];
	snprintf(host, sizeof host, "broker-%d", to);
	struct kc_conn_config cc;
	kc_conn_config_default(&cc);
	p->ready = false;
	p->conn = kc_conn_open(p->env, host, 9092, &cc, probe_state, p);
	for (int i = 0; i < 100 && !p->ready; i++)
		sim_run_for(fx->w, 10 * MS);
	assert_true(p->ready);
	struct kp_elect_topic et = {kp_str_from(topic), &part, 1};
	struct kp_request req;
	memset(&req, 0, sizeof req);
	req.header.api_key = KP_API_ELECT_LEADERS;
	req.header.api_version = KP_ELECT_LEADERS_VERSION;
	req.body.elect_leaders = (struct kp_elect_leaders_request){type, &et, 1, 60000};
	struct eanswer a = {0};
	assert_int_equal(kc_conn_send(p->conn, &req, true, on_answer, &a), 0);
	for (int i = 0; i < 500 && !a.done; i++)
		sim_run_for(fx->w, 10 * MS);
	assert_true(a.done);
	assert_int_equal(a.rc, KC_OK);
	return a;
}

static void test_elect_leaders(void **state)
{
	(void)state;
	struct fx *fx = fx_new(43, false, 300);
	sim_run_for(fx->w, 10 * S);
	int32_t c = controller(fx), ids[NB], k = 0;
	if (c < 1 || c > NB) {
		fail();
		return;
	}
	for (int32_t i = 1; i <= NB; i++)
		if (i != c)
			ids[k++] = i;
	int32_t a = ids[0], b = ids[1];
	char parts[128];
	/* t-0: preferred a; t-1: replicas [a, b], led by a. */
	snprintf(parts, sizeof parts, "\"0\":[%d,%d,%d],\"1\":[%d,%d]", a, b, c, a, b);
	create_topic(fx, "t", parts);
	sim_run_for(fx->w, 2 * S);
	/* t-1's ISR shrinks to a alone, then a dies: t-1 is offline (unclean
	 * election off), t-0 moves to b. */
	alter(fx, c, a, broker_epoch(fx, a), "t", 1, 0, 0, (const int32_t[]){a}, 1);
	assert_int_equal(probe(fx)->res[0].error, KP_ERR_NONE);
	sim_node_kill(fx->w, fx->b[a - 1]);
	sim_run_for(fx->w, 10 * S);
	assert_int_equal(pstate(fx, "t", 0).leader, b);
	assert_int_equal(pstate(fx, "t", 1).leader, -1);

	/* Not the controller; an unknown partition. */
	assert_int_equal(elect(fx, b, KP_ELECTION_PREFERRED, "t", 0).top, KP_ERR_NOT_CONTROLLER);
	assert_int_equal(elect(fx, c, KP_ELECTION_PREFERRED, "t", 7).errors[0],
			 KP_ERR_UNKNOWN_TOPIC_OR_PARTITION);
	/* Preferred: a is down. Unclean: t-0 has a live leader. */
	assert_int_equal(elect(fx, c, KP_ELECTION_PREFERRED, "t", 0).errors[0],
			 KP_ERR_PREFERRED_LEADER_NOT_AVAILABLE);
	assert_int_equal(elect(fx, c, KP_ELECTION_UNCLEAN, "t", 0).errors[0],
			 KP_ERR_ELECTION_NOT_NEEDED);

	/* Unclean election of the offline t-1: b, out of sync, leads alone. */
	struct ctl_pstate before = pstate(fx, "t", 1);
	struct eanswer ans = elect(fx, c, KP_ELECTION_UNCLEAN, "t", 1);
	assert_int_equal(ans.top, KP_ERR_NONE);
	assert_int_equal(ans.errors[0], KP_ERR_NONE);
	struct ctl_pstate st = pstate(fx, "t", 1);
	assert_int_equal(st.leader, b);
	assert_int_equal(st.leader_epoch, before.leader_epoch + 1);
	assert_isr_is(st.isr, st.n_isr, (const int32_t[]){b}, 1);
	sim_run_for(fx->w, 1 * S);
	const struct rec *r = find_rec(tb_of(fx, b)->laisr, tb_of(fx, b)->n_laisr_rec, "t", 1);
	assert_non_null(r);
	assert_int_equal(r->leader, b);

	/* a comes back; once the leader puts it in the ISR, a preferred
	 * election gives it t-0 again; asked again, nothing to do. */
	sim_node_start(fx->w, fx->b[a - 1]);
	sim_run_for(fx->w, 10 * S);
	st = pstate(fx, "t", 0);
	alter(fx, c, b, broker_epoch(fx, b), "t", 0, st.leader_epoch, st.zk_version,
	      (const int32_t[]){b, c, a}, 3);
	assert_int_equal(probe(fx)->res[0].error, KP_ERR_NONE);
	int32_t epoch = pstate(fx, "t", 0).leader_epoch;
	assert_int_equal(elect(fx, c, KP_ELECTION_PREFERRED, "t", 0).errors[0], KP_ERR_NONE);
	st = pstate(fx, "t", 0);
	assert_int_equal(st.leader, a);
	assert_int_equal(st.leader_epoch, epoch + 1);
	assert_int_equal(elect(fx, c, KP_ELECTION_PREFERRED, "t", 0).errors[0],
			 KP_ERR_ELECTION_NOT_NEEDED);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elect_leaders),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
