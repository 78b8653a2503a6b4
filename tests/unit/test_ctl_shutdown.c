/*
 * The controller's side of a controlled shutdown (ctl_shutdown.c) in a
 * simulated cluster: ControlledShutdown moves the leaving broker's
 * leaderships to in-sync replicas, takes it out of the ISRs it follows
 * (with StopReplica), answers with what it still leads, and refuses a stale
 * registration or a broker that is not the controller.
 */
#include "tests/unit/test_ctl_fixture.h"

struct answer {
	bool done;
	int rc;
	int16_t error;
	int32_t n_remaining;
	char remaining[4][32];
};

static void on_answer(void *arg, int status, const struct kp_response *resp)
{
	struct answer *a = arg;
	a->done = true;
	a->rc = status;
	if (status != KC_OK)
		return;
	const struct kp_controlled_shutdown_response *cs = &resp->body.controlled_shutdown;
	a->error = cs->error_code;
	a->n_remaining = cs->remaining_count;
	for (int32_t i = 0; i < cs->remaining_count && i < 4; i++)
		snprintf(a->remaining[i], sizeof a->remaining[i], "%.*s-%d",
			 (int)cs->remaining[i].topic_name.len, cs->remaining[i].topic_name.ptr,
			 cs->remaining[i].partition_index);
}

/* ControlledShutdown for broker `from` (registration from_epoch) to broker `to`. */
static struct answer shutdown_req(struct fx *fx, int32_t to, int32_t from, int64_t from_epoch)
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
	struct kp_request req;
	memset(&req, 0, sizeof req);
	req.header.api_key = KP_API_CONTROLLED_SHUTDOWN;
	req.header.api_version = KP_CONTROLLED_SHUTDOWN_VERSION;
	req.body.controlled_shutdown = (struct kp_controlled_shutdown_request){from, from_epoch};
	struct answer a = {0};
	assert_int_equal(kc_conn_send(p->conn, &req, true, on_answer, &a), 0);
	for (int i = 0; i < 500 && !a.done; i++)
		sim_run_for(fx->w, 10 * MS);
	assert_true(a.done);
	assert_int_equal(a.rc, KC_OK);
	return a;
}

static void test_controlled_shutdown(void **state)
{
	(void)state;
	struct fx *fx = fx_new(41, false, 300);
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
	/* t-0 led by a; t-1 led by b, followed by a; t-2 led by a, b only. */
	snprintf(parts, sizeof parts, "\"0\":[%d,%d,%d],\"1\":[%d,%d,%d],\"2\":[%d,%d]", a, b, c,
		 b, a, c, a, b);
	create_topic(fx, "t", parts);
	sim_run_for(fx->w, 2 * S);
	int64_t ea = broker_epoch(fx, a);
	/* t-2's ISR shrinks to a alone: nothing to move it to. */
	alter(fx, c, a, ea, "t", 2, 0, 0, (const int32_t[]){a}, 1);
	assert_int_equal(probe(fx)->res[0].error, KP_ERR_NONE);

	/* Not the controller; an old registration; an unknown broker. */
	assert_int_equal(shutdown_req(fx, b, a, ea).error, KP_ERR_NOT_CONTROLLER);
	assert_int_equal(shutdown_req(fx, c, a, ea - 1).error, KP_ERR_STALE_BROKER_EPOCH);
	assert_int_equal(shutdown_req(fx, c, 42, 1).error, KP_ERR_BROKER_NOT_AVAILABLE);
	assert_int_equal(pstate(fx, "t", 0).leader, a);

	int stops = tb_of(fx, a)->n_stop;
	struct answer ans = shutdown_req(fx, c, a, ea);
	assert_int_equal(ans.error, KP_ERR_NONE);
	/* t-2 remains: a leads it and no other replica is in sync. */
	assert_int_equal(ans.n_remaining, 1);
	assert_string_equal(ans.remaining[0], "t-2");
	struct ctl_pstate st = pstate(fx, "t", 0);
	assert_int_equal(st.leader, b);
	assert_int_equal(st.leader_epoch, 1);
	assert_isr_is(st.isr, st.n_isr, (const int32_t[]){b, c}, 2);
	st = pstate(fx, "t", 1);
	assert_int_equal(st.leader, b);
	assert_int_equal(st.leader_epoch, 1);
	assert_isr_is(st.isr, st.n_isr, (const int32_t[]){b, c}, 2);
	st = pstate(fx, "t", 2);
	assert_int_equal(st.leader, a);
	/* The follower gets StopReplica; the others hear of the new leaders. */
	sim_run_for(fx->w, 1 * S);
	assert_true(tb_of(fx, a)->n_stop > stops);
	const struct rec *r = find_rec(tb_of(fx, b)->laisr, tb_of(fx, b)->n_laisr_rec, "t", 0);
	assert_non_null(r);
	assert_int_equal(r->leader, b);
	char want[96];
	snprintf(want, sizeof want,
		 "t-0: leader %d -> %d at epoch 1 (controlled shutdown of broker %d", a, b, a);
	assert_int_equal(fx_count(fx, want), 1);
	/* Asking again changes nothing more and gives the same answer. */
	ans = shutdown_req(fx, c, a, ea);
	assert_int_equal(ans.n_remaining, 1);
	assert_int_equal(pstate(fx, "t", 0).leader_epoch, 1);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_controlled_shutdown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
