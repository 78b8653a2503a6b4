/*
 * Offset checkpoint files: parsing Kafka's text format (well formed,
 * whitespace variants, empty file), every kind of bad input (a clean
 * LOG_EFORMAT with a line number and message), the cap protocol, encoding,
 * a mutation sweep (no input crashes), and the atomic writer on the
 * simulated disk (tmp, fsync, rename, fsync: durable when done).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "broker/log/log_ckpt.h"
#include "sim/disk.h"
#include "sim/util.h"
#include "sim/world.h"

static int parse(const char *text, struct log_ckpt_entry *e, size_t cap, size_t *n,
		 struct log_ckpt_error *err)
{
	return log_ckpt_parse(text, strlen(text), e, cap, n, err);
}

static void test_parse_good(void **state)
{
	struct log_ckpt_entry e[4];
	struct log_ckpt_error err;
	size_t n;
	const char *text = "0\n2\norders 0 1234\nlogs.v2-x_y 17 -1\n";
	assert_int_equal(parse(text, e, 4, &n, &err), LOG_OK);
	assert_int_equal(n, 2);
	assert_int_equal(e[0].topic_len, 6);
	assert_memory_equal(e[0].topic, "orders", 6);
	assert_int_equal(e[0].partition, 0);
	assert_int_equal(e[0].offset, 1234);
	assert_int_equal(e[1].partition, 17);
	assert_int_equal(e[1].offset, -1);
	assert_int_equal(log_ckpt_find(e, n, "logs.v2-x_y", 17), -1);
	assert_int_equal(log_ckpt_find(e, n, "orders", 0), 1234);
	assert_int_equal(log_ckpt_find(e, n, "orders", 1), -1);
	/* Runs of spaces and tabs, a missing final newline, CRLF. */
	assert_int_equal(parse("0\n1\nt  3\t9", e, 4, &n, &err), LOG_OK);
	assert_int_equal(e[0].offset, 9);
	assert_int_equal(parse("0\r\n1\r\nt 3 9\r\n", e, 4, &n, &err), LOG_OK);
	assert_int_equal(e[0].partition, 3);
	/* An empty file holds nothing; so does a zero count. */
	assert_int_equal(parse("", e, 4, &n, &err), LOG_OK);
	assert_int_equal(n, 0);
	assert_int_equal(parse("0\n0\n", e, 4, &n, &err), LOG_OK);
	assert_int_equal(n, 0);
	/* Too many entries for the caller's array: LOG_EINVAL with the count. */
	assert_int_equal(parse(text, e, 1, &n, &err), LOG_EINVAL);
	assert_int_equal(n, 2);
	assert_int_equal(parse(text, NULL, 0, &n, &err), LOG_EINVAL);
	assert_int_equal(n, 2);
}

static void test_parse_bad(void **state)
{
	static const struct {
		const char *text;
		int line;
	} bad[] = {
		{"1\n0\n", 1},                  /* version 1 */
		{"x\n0\n", 1},
		{"0\n", 2},                     /* no count line */
		{"0\nabc\n", 2},
		{"0\n-3\n", 2},
		{"0\n2\nt 0 1\n", 3},           /* fewer entries than counted */
		{"0\n1\nt 0 1\nt 1 2\n", 4},    /* more */
		{"0\n1\nt 0\n", 3},             /* two fields */
		{"0\n1\nt 0 1 2\n", 3},         /* four */
		{"0\n1\n t 0 1\n", 3},          /* leading space: an empty field */
		{"0\n1\nt -1 1\n", 3},          /* negative partition */
		{"0\n1\nt 2147483648 1\n", 3},  /* partition past i32 */
		{"0\n1\nt 0 9223372036854775808\n", 3}, /* offset past i64 */
		{"0\n1\nt 0 12a\n", 3},
		{"0\n1\nt 0 -\n", 3},
		{"0\n1\nbad/topic 0 1\n", 3},   /* illegal topic character */
		{"0\n1\n.. 0 1\n", 3},
		{"0\n1\n\n", 3},                /* blank entry line */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct log_ckpt_entry e[4];
		struct log_ckpt_error err;
		size_t n;
		int rc = parse(bad[i].text, e, 4, &n, &err);
		if (rc != LOG_EFORMAT || err.line != bad[i].line)
			fail_msg("case %zu: rc %d line %d (%s)", i, rc, err.line, err.msg);
		assert_true(strlen(err.msg) > 0);
	}
	/* Extreme integers are parsed exactly. */
	int64_t v;
	assert_int_equal(log_ckpt_parse_int("-9223372036854775808", 20, INT64_MIN, INT64_MAX,
					    &v), LOG_OK);
	assert_true(v == INT64_MIN);
	assert_int_equal(log_ckpt_parse_int("9223372036854775807", 19, INT64_MIN, INT64_MAX,
					    &v), LOG_OK);
	assert_true(v == INT64_MAX);
	assert_int_equal(log_ckpt_parse_int("99999999999999999999", 20, INT64_MIN, INT64_MAX,
					    &v), LOG_EFORMAT);
	assert_int_equal(log_ckpt_parse_int("", 0, 0, 1, &v), LOG_EFORMAT);
}

static void test_encode_round_trip(void **state)
{
	struct log_ckpt_entry in[2] = {{"orders", 6, 0, 42}, {"pay", 3, 11, 7}};
	char buf[128];
	struct wire_writer w;
	wire_writer_init(&w, buf, sizeof buf);
	log_ckpt_encode(&w, in, 2);
	const char *want = "0\n2\norders 0 42\npay 11 7\n";
	assert_int_equal(w.len, strlen(want));
	assert_memory_equal(buf, want, w.len);
	/* A zero-capacity writer sizes the output. */
	wire_writer_init(&w, NULL, 0);
	log_ckpt_encode(&w, in, 2);
	assert_int_equal(w.len, strlen(want));
}

/* Every byte flipped and every prefix: clean results only. */
static void test_mutations(void **state)
{
	const char *text = "0\n3\norders 0 1234\npay 11 -7\nx 2 0\n";
	size_t len = strlen(text);
	char buf[64];
	int ok = 0, bad = 0;
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(buf, text, len);
			buf[i] ^= (char)(1 << bit);
			struct log_ckpt_entry e[4];
			struct log_ckpt_error err;
			size_t n;
			int rc = log_ckpt_parse(buf, len, e, 4, &n, &err);
			assert_true(rc == LOG_OK || rc == LOG_EFORMAT || rc == LOG_EINVAL);
			rc == LOG_OK ? ok++ : bad++;
		}
		struct log_ckpt_entry e[4];
		struct log_ckpt_error err;
		size_t n;
		int rc = log_ckpt_parse(text, i, e, 4, &n, &err);
		assert_true(rc == LOG_OK || rc == LOG_EFORMAT);
	}
	assert_true(ok > 0 && bad > 0);
}

/* ---- The writer, on a simulated node ---------------------------------- */

struct writer_node {
	int status; /* 1 until the write completes */
};

static void written(void *arg, int status)
{
	((struct writer_node *)arg)->status = status;
}

static void *writer_start(struct env *env, const void *config)
{
	struct writer_node *n = env_calloc(env, 1, sizeof *n);
	n->status = 1;
	env_mkdirs(env, "/data");
	const char *text = config;
	assert_int_equal(log_ckpt_write_file(env, "/data/recovery-point-offset-checkpoint",
					     text, strlen(text), written, n), LOG_OK);
	return n;
}

static const struct sim_node_class writer_class = {"writer", writer_start};

static void test_writer_durable(void **state)
{
	struct sim_world_config wc;
	sim_world_config_default(&wc, 5);
	struct sim_world *w = sim_world_new(&wc);
	/* The writer leaves the whole file durable, under its final name. */
	uint32_t id = sim_node_add(w, "b", &writer_class, "0\n1\nt 0 5\n");
	sim_node_start(w, id);
	sim_run_for(w, SIM_NS_PER_S);
	struct writer_node *n = sim_node_state(w, id);
	assert_int_equal(n->status, LOG_OK);
	struct sim_disk *d = sim_node_disk(w, id);
	const char *path = "/data/recovery-point-offset-checkpoint";
	char buf[64] = {0};
	assert_int_equal(sim_disk_read(d, path, true, 0, buf, sizeof buf), 10);
	assert_string_equal(buf, "0\n1\nt 0 5\n");
	/* The tmp name is gone once renamed. */
	assert_true(sim_disk_size(d, "/data/recovery-point-offset-checkpoint.tmp", false) < 0);
	/* Power loss right after: the file is whole, and durable. */
	sim_node_power_loss(w, id);
	memset(buf, 0, sizeof buf);
	assert_int_equal(sim_disk_read(d, path, false, 0, buf, sizeof buf), 10);
	assert_string_equal(buf, "0\n1\nt 0 5\n");
	sim_world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_encode_round_trip),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_writer_durable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
