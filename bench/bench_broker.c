/*
 * bench_broker — messages per wall second through one simulated broker:
 * a producer keeps up to 20,000 1 KiB records outstanding (acks=1,
 * linger.ms=5, idempotence off, as the reference setup), a consumer
 * reads them back, for 20 simulated seconds. Prints produce and consume
 * rates in messages per wall second, and simulated seconds per wall second.
 * The harness may read the real clock; node code may not.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/wall.h"
#include "broker/client/kc_consumer.h"
#include "broker/client/kc_producer.h"
#include "broker/kafka/brk_broker.h"
#include "sim/util.h"
#include "sim/world.h"

#define OUTSTANDING 20000
#define VALUE_BYTES 1024

struct pnode {
	struct env *env;
	struct kc_producer *p;
	struct env_timer timer;
	uint64_t acked;
	uint64_t failed;
	uint64_t next;
	char value[VALUE_BYTES];
};

static void p_result(void *arg, const struct kc_send_result *res)
{
	struct pnode *n = arg;
	if (res->outcome == KC_SEND_OK)
		n->acked++;
	else
		n->failed++;
}

static void p_tick(struct env_timer *t)
{
	struct pnode *n = t->data;
	while (kc_producer_pending(n->p) < OUTSTANDING) {
		char key[16];
		int klen = snprintf(key, sizeof key, "%" PRIu64, n->next % 64);
		snprintf(n->value, sizeof n->value, "value-%" PRIu64, n->next++);
		kc_producer_send(n->p, "bench", key, (size_t)klen, n->value, sizeof n->value);
	}
	env_timer_start(n->env, t, SIM_NS_PER_MS, p_tick);
}

static void *pnode_start(struct env *env, const void *config)
{
	struct pnode *n = env_calloc(env, 1, sizeof *n);
	n->env = env;
	n->p = kc_producer_new(env, config, p_result, n);
	n->timer.data = n;
	env_timer_start(env, &n->timer, 100 * SIM_NS_PER_MS, p_tick);
	return n;
}

struct cnode {
	struct kc_consumer *c;
	uint64_t consumed;
};

static void c_poll(void *arg, const char *topic, int32_t partition,
		   const struct kc_record_view *recs, size_t n, int64_t hw)
{
	((struct cnode *)arg)->consumed += n;
}

static void *cnode_start(struct env *env, const void *config)
{
	struct cnode *c = env_calloc(env, 1, sizeof *c);
	c->c = kc_consumer_new(env, config, c_poll, c);
	kc_consumer_assign_all(c->c, "bench");
	return c;
}

int main(int argc, char **argv)
{
	static const struct sim_node_class broker_class = {"broker", brk_start};
	static const struct sim_node_class producer_class = {"producer", pnode_start};
	static const struct sim_node_class consumer_class = {"consumer", cnode_start};
	struct sim_world_config wc;
	sim_world_config_default(&wc, 1);
	struct sim_world *w = sim_world_new(&wc);
	struct brk_config bc;
	brk_config_default(&bc);
	bc.broker_id = 1;
	struct kc_producer_config pc;
	kc_producer_config_default(&pc);
	pc.cluster.bootstrap[0] = "broker-1";
	pc.cluster.n_bootstrap = 1;
	pc.acks = 1;
	pc.idempotence = false;
	pc.linger_ns = 5 * SIM_NS_PER_MS;
	struct kc_consumer_config cc;
	kc_consumer_config_default(&cc);
	cc.cluster.bootstrap[0] = "broker-1";
	cc.cluster.n_bootstrap = 1;
	cc.reset_earliest = true;
	uint32_t broker = sim_node_add(w, "broker-1", &broker_class, &bc);
	uint32_t producer = sim_node_add(w, "producer-1", &producer_class, &pc);
	uint32_t consumer = sim_node_add(w, "consumer-1", &consumer_class, &cc);
	sim_node_start(w, broker);
	for (int p = 0; p < 4; p++)
		brk_become_leader(sim_node_state(w, broker), "bench", p, 1);
	sim_node_start(w, producer);
	sim_node_start(w, consumer);

	/* An argument shortens the run (for profiling under callgrind). */
	const int64_t sim_ns = (argc > 1 ? atoi(argv[1]) : 20) * SIM_NS_PER_S;
	double t0 = wall_seconds();
	sim_run_until(w, sim_ns);
	double dt = wall_seconds() - t0;
	struct pnode *pn = sim_node_state(w, producer);
	struct cnode *cn = sim_node_state(w, consumer);
	printf("bench_broker (make bench): 1 broker, 4 partitions, 1 KiB records, acks=1, "
	       "linger.ms=5\n");
	printf("  produced %" PRIu64 " acked (%" PRIu64 " failed), consumed %" PRIu64
	       " in %.3f s wall for %.0f s simulated\n",
	       pn->acked, pn->failed, cn->consumed, dt, (double)sim_ns / 1e9);
	printf("  produce: %.0f msg/s wall   consume: %.0f msg/s wall   (floor 100000 each)\n",
	       (double)pn->acked / dt, (double)cn->consumed / dt);
	printf("  %.1f simulated seconds per wall second, %" PRIu64 " events\n",
	       (double)sim_ns / 1e9 / dt, sim_events_fired(w));
	sim_world_free(w);
	return 0;
}
