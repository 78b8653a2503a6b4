/*
 * wire_scratch: encoding once into a reusable buffer that grows to the
 * largest message, and passing encoder errors through.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "broker/codec/wire_scratch.h"
#include "sim/world.h"

struct snode {
	struct env *env;
};

static void *snode_start(struct env *env, const void *config)
{
	struct snode *n = env_calloc(env, 1, sizeof *n);
	n->env = env;
	return n;
}

static const struct sim_node_class snode_class = {"scratch", snode_start};

/* A message of n bytes counting up from `first`, then an i32 trailer. */
struct msg {
	size_t n;
	uint8_t first;
	int fail; /* set a writer error other than overflow */
};

static void encode_msg(struct wire_writer *w, const void *m)
{
	const struct msg *msg = m;
	for (size_t i = 0; i < msg->n; i++)
		wire_put_u8(w, (uint8_t)(msg->first + i));
	wire_put_i32(w, (int32_t)msg->n);
	if (msg->fail && !w->err)
		w->err = msg->fail;
}

static void check(const uint8_t *out, size_t len, const struct msg *m)
{
	assert_int_equal(len, m->n + 4);
	for (size_t i = 0; i < m->n; i++)
		assert_int_equal(out[i], (uint8_t)(m->first + i));
	assert_int_equal((int32_t)wire_load_be32(out + m->n), (int32_t)m->n);
}

static void test_scratch_grows_and_is_reused(void **state)
{
	struct sim_world_config wc;
	sim_world_config_default(&wc, 1);
	struct sim_world *w = sim_world_new(&wc);
	uint32_t id = sim_node_add(w, "s-1", &snode_class, NULL);
	sim_node_start(w, id);
	struct snode *n = sim_node_state(w, id);
	struct wire_scratch s = {0};
	const uint8_t *out;
	size_t len;

	/* The first message does not fit an empty scratch: it grows once. */
	struct msg a = {1000, 3, 0};
	assert_int_equal(wire_scratch_encode(n->env, &s, encode_msg, &a, &out, &len), WIRE_OK);
	check(out, len, &a);
	size_t cap = s.cap;
	assert_true(cap >= len);
	/* A smaller message reuses the same buffer. */
	struct msg b = {10, 200, 0};
	const uint8_t *before = s.buf;
	assert_int_equal(wire_scratch_encode(n->env, &s, encode_msg, &b, &out, &len), WIRE_OK);
	check(out, len, &b);
	assert_ptr_equal(s.buf, before);
	assert_int_equal(s.cap, cap);
	/* A larger one grows it again, and the bytes are right. */
	struct msg c = {5000, 9, 0};
	assert_int_equal(wire_scratch_encode(n->env, &s, encode_msg, &c, &out, &len), WIRE_OK);
	check(out, len, &c);
	/* An encoder's own error comes back as it is. */
	struct msg d = {4, 0, WIRE_EINVAL};
	assert_int_equal(wire_scratch_encode(n->env, &s, encode_msg, &d, &out, &len), WIRE_EINVAL);
	assert_int_equal(sim_node_live_allocs(w, id), 2);
	wire_scratch_free(n->env, &s);
	assert_null(s.buf);
	assert_int_equal(s.cap, 0);
	assert_int_equal(sim_node_live_allocs(w, id), 1);
	sim_world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scratch_grows_and_is_reused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
