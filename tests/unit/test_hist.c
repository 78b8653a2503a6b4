/*
 * Unit tests for harness/hist_*: the strict JSON parser (decoding and every
 * kind of refusal), the history reader's schema checks with their exact
 * LINE:COL positions (columns counted by hand: 1-based byte offsets of the
 * offending value), send pairing, and the writer's escaping, checked by
 * reading what it wrote.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/hist.h"
#include "harness/hist_json.h"
#include "harness/hist_map.h"
#include "harness/hist_write.h"

/* Parses s and returns the status; *j keeps the tree or the error. */
static int parse(struct hist_json *j, const char *s)
{
	return hist_json_parse(j, s, strlen(s));
}

static void test_json_values(void **state)
{
	struct hist_json j;
	bool dup;
	hist_json_init(&j);
	assert_int_equal(parse(&j, " {\"a\": [1, -0, -9223372036854775808, 1e3, 2.5, "
	                           "9223372036854775808], \"b\": \"\\u00e9\\ud83d\\ude00\\n\", "
	                           "\"c\": null, \"d\": true, \"e\": false, \"a\": {}} "),
	                 HIST_JSON_OK);
	assert_int_equal(j.nodes[0].type, HIST_JSON_OBJECT);
	assert_int_equal(j.nodes[0].count, 6);
	const struct hist_json_node *a = hist_json_get(&j, 0, "a", &dup);
	assert_true(dup);
	assert_int_equal(a->type, HIST_JSON_ARRAY);
	assert_int_equal(a->count, 6);
	const struct hist_json_node *n = &j.nodes[a->child];
	assert_true(n->is_int);
	assert_int_equal(n->i, 1);
	n = &j.nodes[n->next];
	assert_true(n->is_int);
	assert_int_equal(n->i, 0);
	n = &j.nodes[n->next];
	assert_true(n->is_int);
	assert_true(n->i == INT64_MIN);
	n = &j.nodes[n->next];
	assert_false(n->is_int); /* 1e3: an exponent is not an integer literal */
	n = &j.nodes[n->next];
	assert_false(n->is_int);
	n = &j.nodes[n->next];
	assert_false(n->is_int); /* INT64_MAX + 1 does not fit */
	assert_int_equal(n->next, 0);
	const struct hist_json_node *b = hist_json_get(&j, 0, "b", &dup);
	assert_false(dup);
	/* é is C3 A9; U+1F600 from the surrogate pair D83D DE00 is F0 9F 98 80. */
	assert_int_equal(b->str_len, 7);
	assert_memory_equal(hist_json_str(&j, b), "\xc3\xa9\xf0\x9f\x98\x80\n", 7);
	assert_int_equal(hist_json_get(&j, 0, "c", &dup)->type, HIST_JSON_NULL);
	assert_int_equal(hist_json_get(&j, 0, "d", &dup)->type, HIST_JSON_TRUE);
	assert_int_equal(hist_json_get(&j, 0, "e", &dup)->type, HIST_JSON_FALSE);
	assert_null(hist_json_get(&j, 0, "f", &dup));
	assert_int_equal(hist_json_get(&j, 0, "b", &dup)->col, 75);
	hist_json_free(&j);
}

static void test_json_refusals(void **state)
{
	static const struct {
		const char *in;
		size_t len; /* 0: strlen */
		uint32_t col;
		const char *msg;
	} cases[] = {
	    {"", 0, 1, "expected a value"},
	    {"   ", 0, 4, "expected a value"},
	    {"[1,]", 0, 4, "unexpected character"},
	    {"{\"a\":1,}", 0, 8, "expected a string key"},
	    {"{\"a\" 1}", 0, 6, "expected ':'"},
	    {"[1 2]", 0, 4, "expected ',' or ']'"},
	    {"{\"a\":1 \"b\":2}", 0, 8, "expected ',' or '}'"},
	    {"01", 0, 1, "leading zero in number"},
	    {"-", 0, 1, "bad number"},
	    {"1.", 0, 1, "bad number"},
	    {"1e+", 0, 1, "bad number"},
	    {"+1", 0, 1, "unexpected character"},
	    {"tru", 0, 1, "unexpected character"},
	    {"\"abc", 0, 1, "unterminated string"},
	    {"\"a\tb\"", 0, 3, "control character in string"},
	    {"\"a\\qb\"", 0, 3, "unknown escape"},
	    {"\"\\u12g4\"", 0, 6, "bad hex digit in \\u escape"},
	    {"\"\\u12", 0, 4, "truncated \\u escape"},
	    {"\"\\udc00\"", 0, 2, "lone low surrogate"},
	    {"\"\\ud800x\"", 0, 2, "high surrogate without a low one"},
	    {"\"\\ud800\\u0041\"", 0, 2, "high surrogate without a low one"},
	    {"\"\xff\"", 0, 2, "invalid UTF-8 in string"},
	    {"\"\xc0\x80\"", 0, 2, "invalid UTF-8 in string"},         /* overlong NUL */
	    {"\"\xed\xa0\x80\"", 0, 2, "invalid UTF-8 in string"},     /* a surrogate */
	    {"\"\xf4\x90\x80\x80\"", 0, 2, "invalid UTF-8 in string"}, /* > U+10FFFF */
	    {"\"\xe2\x82\"", 0, 2, "invalid UTF-8 in string"},         /* truncated */
	    {"[1] [2]", 0, 5, "trailing characters after the value"},
	    {"[\0]", 3, 2, "unexpected character"},
	    {"\"a\0b\"", 5, 3, "control character in string"},
	};
	struct hist_json j;
	hist_json_init(&j);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
		int rc = hist_json_parse(&j, cases[i].in, len);
		if (rc != HIST_JSON_ESYNTAX || j.err_col != cases[i].col ||
		    strcmp(j.err_msg, cases[i].msg) != 0)
			fprintf(stderr, "case %zu: rc %d col %u msg %s\n", i, rc, j.err_col,
			        j.err_msg ? j.err_msg : "-");
		assert_int_equal(rc, HIST_JSON_ESYNTAX);
		assert_int_equal(j.err_col, cases[i].col);
		assert_string_equal(j.err_msg, cases[i].msg);
	}
	hist_json_free(&j);
}

/* 33 nested arrays pass the depth limit of 32; 32 are fine. */
static void test_json_depth(void **state)
{
	char buf[80];
	struct hist_json j;
	hist_json_init(&j);
	memset(buf, '[', 32);
	memset(buf + 32, ']', 32);
	assert_int_equal(hist_json_parse(&j, buf, 64), HIST_JSON_OK);
	memset(buf, '[', 33);
	memset(buf + 33, ']', 33);
	assert_int_equal(hist_json_parse(&j, buf, 66), HIST_JSON_ESYNTAX);
	assert_int_equal(j.err_col, 33);
	assert_string_equal(j.err_msg, "nesting too deep");
	hist_json_free(&j);
}

/* Reads s and returns "LINE:COL: message" of the refusal, or "" if none. */
static const char *refusal(const char *s, char *out, size_t n)
{
	struct hist *h;
	struct hist_error err;
	int rc = hist_read_buffer(s, strlen(s), &h, &err);
	if (rc == HIST_OK) {
		hist_free(h);
		out[0] = '\0';
		return out;
	}
	assert_int_equal(rc, HIST_EINPUT);
	assert_null(h);
	snprintf(out, n, "%llu:%u: %s", (unsigned long long)err.line, err.col, err.msg);
	return out;
}

#define SEND_INV "{\"time\":1,\"process\":\"p\",\"type\":\"invoke\",\"f\":\"send\","
#define POLL_OK "{\"time\":1,\"process\":\"p\",\"type\":\"ok\",\"f\":\"poll\","

static void test_reader_refusals(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"", "1:1: empty history"},
	    {"{\"time\":1,", "1:11: expected a string key"},
	    {"[1]", "1:1: a history line must be a JSON object"},
	    {"{\"time\":1.5,\"process\":\"p\",\"type\":\"ok\",\"f\":\"poll\"}",
	     "1:9: \"time\" must be an integer >= 0"},
	    {"{\"time\":9223372036854775808,\"process\":\"p\",\"type\":\"ok\",\"f\":\"poll\"}",
	     "1:9: \"time\" must be an integer >= 0"},
	    {"{\"time\":1,\"type\":\"ok\",\"f\":\"poll\"}", "1:1: missing key \"process\""},
	    {"{\"time\":1,\"process\":\"p\",\"type\":\"done\",\"f\":\"poll\"}",
	     "1:32: unknown type \"done\""},
	    {"{\"time\":1,\"process\":\"\",\"type\":\"ok\",\"f\":\"poll\"}",
	     "1:1: \"process\" must not be empty"},
	    {"{\"time\":1,\"time\":2,\"process\":\"p\",\"type\":\"ok\",\"f\":\"poll\"}",
	     "1:1: duplicate key \"time\""},
	    {POLL_OK
	     "\"values\":[{\"topic\":\"t\",\"partition\":0,\"offset\":01,\"value\":\"a\"}]}",
	     "1:94: leading zero in number"},
	    {POLL_OK "\"values\":[1,]}", "1:60: unexpected character"},
	    {POLL_OK "\"values\":[1]}", "1:58: each element of values must be an object"},
	    {"{\"time\":1,\"process\":\"p\\x\",\"type\":\"ok\",\"f\":\"poll\"}",
	     "1:23: unknown escape"},
	    {"{\"time\":1,\"process\":\"\\udc00\",\"type\":\"ok\",\"f\":\"poll\"}",
	     "1:22: lone low surrogate"},
	    {POLL_OK "\"values\":[]} x", "1:61: trailing characters after the value"},
	    {POLL_OK "\"values\":[{\"topic\":\"t\",\"partition\":0,\"offset\":1,\"value\":\"a\","
	             "\"offset\":2}]}",
	     "1:58: duplicate key \"offset\""},
	    {"{\"time\":1,\"process\":\"p\",\"type\":\"ok\",\"f\":\"replica-log\",\"values\":"
	     "{\"topic\":\"t\",\"partition\":0,\"hw\":1,\"in_sync\":true,\"records\":"
	     "[{\"offset\":3,\"value\":\"a\"},{\"offset\":3,\"value\":\"b\"}]}}",
	     "1:149: record offsets must increase strictly"},
	    {"{\"time\":1,\"process\":\"p\",\"type\":\"ok\",\"f\":\"send\",\"values\":"
	     "{\"topic\":\"t\",\"partition\":0,\"value\":\"a\"}}",
	     "1:57: missing key \"offset\""},
	    {"{\"time\":1,\"process\":\"p\",\"type\":\"ok\",\"f\":\"leader-epoch\",\"values\":"
	     "{\"topic\":\"t\",\"partition\":0,\"epoch\":\"1\",\"leader\":\"b\"}}",
	     "1:100: \"epoch\" must be a number"},
	    {"{\"time\":1,\"process\":\"p\",\"type\":\"info\",\"f\":\"liveness\",\"values\":[]}",
	     "1:1: a liveness record must have type \"ok\""},
	    {"{\"time\":1,\"process\":\"p\",\"type\":\"ok\",\"f\":\"dance\"}",
	     "1:41: unknown f \"dance\""},
	    {"{\"time\":1,\"process\":\"c\",\"type\":\"ok\",\"f\":\"consumer-config\","
	     "\"values\":{\"group\":\"g\",\"commit\":\"sometimes\"}}",
	     "1:68: unknown commit mode \"sometimes\""},
	    {"{\"time\":1,\"process\":\"c\",\"type\":\"ok\",\"f\":\"consumer-config\","
	     "\"values\":{\"commit\":\"none\"}}",
	     "1:68: missing key \"group\""},
	    {"{\"time\":1,\"process\":\"c\",\"type\":\"ok\",\"f\":\"commit\","
	     "\"values\":[{\"topic\":\"t\"}]}",
	     "1:60: missing key \"partition\""},
	    {"{\"time\":1,\"process\":\"h\",\"type\":\"ok\",\"f\":\"liveness\",\"values\":"
	     "[{\"topic\":\"t\",\"partition\":0,\"leader\":null,\"writable\":true,"
	     "\"replicas\":[1],\"isr\":[]}]}",
	     "1:131: each replica must be a string"},
	    {"{\"time\":1,\"process\":\"h\",\"type\":\"ok\",\"f\":\"liveness\",\"values\":"
	     "[{\"topic\":\"t\",\"partition\":0,\"leader\":null,\"writable\":true,"
	     "\"read\":1}]}",
	     "1:126: \"read\" must be a boolean"},
	    {"{\"time\":1,\"process\":\"h\",\"type\":\"ok\",\"f\":\"liveness\",\"values\":"
	     "[{\"topic\":\"t\",\"partition\":0,\"leader\":null,\"writable\":true,"
	     "\"replicas\":[\"b\"]}]}",
	     "1:62: \"replicas\" and \"isr\" go together"},
	    {"{\"time\":1,\"process\":\"p\",\"type\":\"ok\",\"f\":\"poll\",\"hw\":[{\"topic\":"
	     "\"t\","
	     "\"partition\":0,\"hw\":true}]}",
	     "1:86: \"hw\" must be a number"},
	    {"{\"time\":1,\"process\":\"p\",\"type\":\"ok\",\"f\":\"controller-epoch\","
	     "\"values\":{\"epoch\":3}}",
	     "1:69: missing key \"controller\""},
	    /* Line-level: the second line's problems. */
	    {POLL_OK "\"values\":[]}\n\n", "2:1: expected a value"},
	    {"{\"time\":5,\"process\":\"p\",\"type\":\"ok\",\"f\":\"poll\",\"values\":[]}\n" POLL_OK
	     "\"values\":[]}",
	     "2:9: time goes backwards"},
	    {SEND_INV "\"values\":{\"topic\":\"t\",\"value\":\"a\"}}\n" SEND_INV
	              "\"values\":{\"topic\":\"t\",\"value\":\"a\"}}",
	     "2:61: value \"a\" sent twice"},
	    {"{\"time\":1,\"process\":\"p\",\"type\":\"fail\",\"f\":\"send\",\"values\":"
	     "{\"topic\":\"t\",\"value\":\"a\"}}",
	     "1:59: completion of \"a\" without an invoke"},
	    {SEND_INV "\"values\":{\"topic\":\"t\",\"value\":\"a\"}}\n"
	              "{\"time\":1,\"process\":\"q\",\"type\":\"fail\",\"f\":\"send\",\"values\":"
	              "{\"topic\":\"t\",\"value\":\"a\"}}",
	     "2:59: completion from another process than its invoke"},
	    {SEND_INV "\"values\":{\"topic\":\"t\",\"partition\":1,\"value\":\"a\"}}\n"
	              "{\"time\":1,\"process\":\"p\",\"type\":\"ok\",\"f\":\"send\",\"values\":"
	              "{\"topic\":\"t\",\"partition\":2,\"value\":\"a\",\"offset\":0}}",
	     "2:57: completion names another partition than its invoke"},
	    {SEND_INV "\"values\":{\"topic\":\"t\",\"value\":\"a\"}}\n"
	              "{\"time\":1,\"process\":\"p\",\"type\":\"fail\",\"f\":\"send\",\"values\":"
	              "{\"topic\":\"t\",\"value\":\"a\"}}\n"
	              "{\"time\":1,\"process\":\"p\",\"type\":\"fail\",\"f\":\"send\",\"values\":"
	              "{\"topic\":\"t\",\"value\":\"a\"}}",
	     "3:59: second completion of \"a\""},
	    {SEND_INV "\"values\":{\"topic\":\"t\",\"value\":\"a\",\"offset\":3}}",
	     "1:61: only an ok send has an offset"},
	};
	char got[256];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		refusal(cases[i].in, got, sizeof(got));
		if (strcmp(got, cases[i].want) != 0)
			fprintf(stderr, "case %zu: got \"%s\"\n", i, got);
		assert_string_equal(got, cases[i].want);
	}
}

/* hist_error_print's two shapes. */
static void test_error_print(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct hist_error e = {3, 7, "bad thing"};
	hist_error_print(f, "h.jsonl", &e);
	struct hist_error io = {0, 0, "No such file or directory"};
	hist_error_print(f, "h.jsonl", &io);
	fclose(f);
	assert_string_equal(buf, "h.jsonl:3:7: bad thing\nh.jsonl: No such file or directory\n");
	free(buf);
}

/* Writes a small history with awkward strings, reads it back field by field. */
static void test_write_read_round_trip(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct hist_writer w;
	hist_w_init(&w, f);
	const char *odd = "q\"b\\s/\n\t\x01\x7f\xc3\xa9";
	struct hist_w_send inv = {"orders", -1, "k\"1", odd, -1, NULL};
	struct hist_w_send ok = {"orders", 2, "k\"1", odd, 41, NULL};
	struct hist_w_send bad = {"orders", 2, NULL, "x\xff", -1, "NOT_LEADER"};
	hist_write_send(&w, 10, "producer-1", HIST_T_INVOKE, &inv);
	hist_write_send(&w, 20, "producer-1", HIST_T_OK, &ok);
	hist_write_send(&w, 21, "producer-1", HIST_T_INVOKE, &bad);
	hist_write_send(&w, 22, "producer-1", HIST_T_FAIL, &bad);
	struct hist_w_record recs[] = {{"orders", 2, 41, odd}};
	struct hist_w_hw hws[] = {{"orders", 2, 42}};
	hist_write_read(&w, 30, "consumer-1", HIST_T_OK, HIST_F_POLL, recs, 1, hws, 1);
	hist_write_leader_epoch(&w, 40, "broker-2", "orders", 2, 7, "broker-2");
	hist_write_controller_epoch(&w, 50, "broker-1", 3, "broker-1");
	hist_w_begin(&w, 60, "nemesis", HIST_T_INFO, HIST_F_FAULT);
	hist_w_open(&w, "values", '{');
	hist_w_str(&w, "kill", "broker-2");
	hist_w_null(&w, "for");
	hist_w_bool(&w, "power", false);
	hist_w_close(&w);
	hist_w_end(&w);
	assert_int_equal(hist_w_error(&w), 0);
	fclose(f);

	struct hist *h;
	struct hist_error err;
	assert_int_equal(hist_read_buffer(buf, len, &h, &err), HIST_OK);
	assert_int_equal(h->n_ops, 8);
	const struct hist_op *o = &h->ops[1];
	assert_int_equal(o->type, HIST_T_OK);
	assert_int_equal(o->f, HIST_F_SEND);
	assert_int_equal(o->time, 20);
	assert_int_equal(o->line, 2);
	assert_int_equal(o->pair, 0);
	assert_string_equal(hist_str(h, o->process), "producer-1");
	assert_string_equal(hist_str(h, o->str), "k\"1");
	const struct hist_item *it = &h->items[o->items];
	assert_string_equal(hist_str(h, it->str), odd);
	assert_int_equal(it->num, 41);
	assert_string_equal(hist_str(h, h->tps[it->tp].topic), "orders");
	assert_int_equal(h->tps[it->tp].partition, 2);
	/* The invoke had no partition: a tp of its own with partition -1. */
	assert_int_equal(h->tps[h->items[h->ops[0].items].tp].partition, -1);
	/* Invalid UTF-8 comes back as U+FFFD (EF BF BD). */
	assert_string_equal(hist_str(h, h->items[h->ops[2].items].str), "x\xef\xbf\xbd");
	assert_string_equal(hist_str(h, h->ops[3].error), "NOT_LEADER");
	assert_int_equal(h->ops[3].pair, 2);
	o = &h->ops[4];
	assert_int_equal(o->n_items, 1);
	assert_int_equal(o->n_hws, 1);
	assert_int_equal(h->hws[o->hws].hw, 42);
	assert_int_equal(h->hws[o->hws].tp, h->items[o->items].tp);
	o = &h->ops[5];
	assert_int_equal(o->f, HIST_F_LEADER_EPOCH);
	assert_int_equal(o->num, 7);
	assert_string_equal(hist_str(h, o->str), "broker-2");
	o = &h->ops[6];
	assert_int_equal(o->f, HIST_F_CONTROLLER_EPOCH);
	assert_int_equal(o->num, 3);
	assert_int_equal(h->ops[7].f, HIST_F_FAULT);
	assert_int_equal(h->ops[7].type, HIST_T_INFO);
	hist_free(h);
	/* The exact bytes of one line: escapes as JSON spells them. */
	const char *nl = strchr(buf, '\n');
	assert_non_null(nl);
	assert_int_equal(nl - buf, strlen("{\"time\":10,\"process\":\"producer-1\",\"type\":"
	                                  "\"invoke\",\"f\":\"send\",\"values\":{\"topic\":"
	                                  "\"orders\",\"key\":\"k\\\"1\",\"value\":\"q\\\"b\\\\s/"
	                                  "\\n\\t\\u0001\\u007f\xc3\xa9\"}}"));
	assert_memory_equal(buf,
	                    "{\"time\":10,\"process\":\"producer-1\",\"type\":\"invoke\",\"f\":"
	                    "\"send\",\"values\":{\"topic\":\"orders\",\"key\":\"k\\\"1\","
	                    "\"value\":\"q\\\"b\\\\s/\\n\\t\\u0001\\u007f\xc3\xa9\"}}\n",
	                    (size_t)(nl - buf) + 1);
	free(buf);
}

/* The capture and consumer helpers, read back field by field. */
static void test_write_captures(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct hist_writer w;
	hist_w_init(&w, f);
	hist_write_producer_config(&w, 1, "producer-1", true, 5);
	struct hist_w_position pos[] = {{"orders", 0, -1}, {"orders", 1, 17}};
	hist_write_positions(&w, 2, "consumer-1", HIST_T_OK, HIST_F_ASSIGN, pos, 2);
	hist_write_positions(&w, 3, "consumer-1", HIST_T_OK, HIST_F_SEEK, pos + 1, 1);
	struct hist_w_log_record recs[] = {{0, "a"}, {5, "b"}};
	hist_write_replica_log(&w, 4, "replica:broker-2", "orders", 1, 6, false, recs, 2);
	struct hist_w_digest d[] = {{4294967297, "ab"}, {4294967299, "cd"}};
	hist_write_zk_digests(&w, 5, "zk-1", d, 2);
	static const char *const reps[] = {"broker-3", "broker-2", "broker-1"};
	static const char *const isr[] = {"broker-1", "broker-3"};
	struct hist_w_liveness rows[] = {
	    {"orders", 0, NULL, false, false, NULL, NULL, 0, NULL, 0},
	    {"orders", 1, "broker-3", true, true, "probe-orders-1", reps, 3, isr, 2}};
	hist_write_liveness(&w, 6, "harness", rows, 2);
	assert_int_equal(hist_w_error(&w), 0);
	fclose(f);

	struct hist *h;
	struct hist_error err;
	assert_int_equal(hist_read_buffer(buf, len, &h, &err), HIST_OK);
	assert_int_equal(h->n_ops, 6);
	const struct hist_op *o = &h->ops[0];
	assert_int_equal(o->f, HIST_F_PRODUCER_CONFIG);
	assert_true(o->flag);
	assert_int_equal(o->num, 5);
	o = &h->ops[1];
	assert_int_equal(o->f, HIST_F_ASSIGN);
	assert_int_equal(o->n_items, 2);
	assert_int_equal(h->items[o->items].num, -1);
	assert_int_equal(h->items[o->items + 1].num, 17);
	assert_int_equal(h->tps[h->items[o->items + 1].tp].partition, 1);
	o = &h->ops[2];
	assert_int_equal(o->f, HIST_F_SEEK);
	assert_int_equal(h->items[o->items].num, 17);
	o = &h->ops[3];
	assert_int_equal(o->f, HIST_F_REPLICA_LOG);
	assert_false(o->flag);
	assert_int_equal(o->num, 6);
	assert_int_equal(o->n_items, 2);
	assert_int_equal(h->items[o->items + 1].num, 5);
	assert_int_equal(h->items[o->items + 1].tp, o->tp);
	assert_string_equal(hist_str(h, h->items[o->items + 1].str), "b");
	o = &h->ops[4];
	assert_int_equal(o->f, HIST_F_ZK_DIGESTS);
	assert_int_equal(h->items[o->items + 1].num, 4294967299);
	assert_string_equal(hist_str(h, h->items[o->items + 1].str), "cd");
	o = &h->ops[5];
	assert_int_equal(o->f, HIST_F_LIVENESS);
	assert_int_equal(h->items[o->items].str, 0);
	/* Row 0; row 1, its probe, and broker-2 (a replica outside the ISR). */
	assert_int_equal(o->n_items, 4);
	assert_int_equal(h->items[o->items].num, 0);
	assert_string_equal(hist_str(h, h->items[o->items + 1].str), "broker-3");
	assert_int_equal(h->items[o->items + 1].num, HIST_LIVE_READ | HIST_LIVE_WRITABLE);
	assert_int_equal(h->items[o->items + 2].num, HIST_LIVE_PROBE);
	assert_string_equal(hist_str(h, h->items[o->items + 2].str), "probe-orders-1");
	assert_int_equal(h->items[o->items + 3].num, HIST_LIVE_OUT_OF_ISR);
	assert_string_equal(hist_str(h, h->items[o->items + 3].str), "broker-2");
	assert_int_equal(h->items[o->items + 3].tp, h->items[o->items + 1].tp);
	hist_free(h);
	free(buf);
}

/* consumer-config lines: a group or none, and the commit mode; commits
 * read back as positions. */
static void test_consumer_config_round_trip(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct hist_writer w;
	hist_w_init(&w, f);
	hist_write_consumer_config(&w, 0, "consumer-1", "g1", "before-process");
	hist_write_consumer_config(&w, 0, "consumer-2", NULL, "none");
	struct hist_w_position pos = {"orders", 3, 42};
	hist_write_positions(&w, 1, "consumer-1", HIST_T_OK, HIST_F_COMMIT, &pos, 1);
	assert_int_equal(hist_w_error(&w), 0);
	fclose(f);
	struct hist *h;
	struct hist_error err;
	assert_int_equal(hist_read_buffer(buf, len, &h, &err), HIST_OK);
	assert_int_equal(h->ops[0].f, HIST_F_CONSUMER_CONFIG);
	assert_string_equal(hist_str(h, h->ops[0].str), "g1");
	assert_int_equal(h->ops[0].num, HIST_COMMIT_BEFORE);
	assert_int_equal(h->ops[1].str, 0);
	assert_int_equal(h->ops[1].num, HIST_COMMIT_NONE);
	assert_int_equal(h->ops[2].n_items, 1);
	assert_int_equal(h->items[h->ops[2].items].num, 42);
	assert_int_equal(h->tps[h->items[h->ops[2].items].tp].partition, 3);
	hist_free(h);
	free(buf);
}

/* Misnested writer calls are reported, not written silently. */
static void test_writer_misuse(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct hist_writer w;
	hist_w_init(&w, f);
	hist_w_begin(&w, 1, "p", HIST_T_OK, HIST_F_POLL);
	hist_w_open(&w, "values", '[');
	hist_w_end(&w); /* the array is still open */
	assert_int_equal(hist_w_error(&w), -1);
	hist_w_init(&w, f);
	hist_w_close(&w); /* nothing open */
	assert_int_equal(hist_w_error(&w), -1);
	fclose(f);
	free(buf);
}

/* Integers by hand-rolled formatting, at both ends of int64 and at zero. */
static void test_writer_ints(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct hist_writer w;
	hist_w_init(&w, f);
	hist_w_begin(&w, INT64_MAX, "p", HIST_T_INFO, HIST_F_FAULT);
	hist_w_open(&w, "values", '[');
	hist_w_int(&w, NULL, INT64_MIN);
	hist_w_int(&w, NULL, 0);
	hist_w_int(&w, NULL, -7);
	hist_w_int(&w, NULL, 1000);
	hist_w_close(&w);
	hist_w_end(&w);
	assert_int_equal(hist_w_error(&w), 0);
	fclose(f);
	assert_string_equal(buf, "{\"time\":9223372036854775807,\"process\":\"p\",\"type\":"
	                         "\"info\",\"f\":\"fault\",\"values\":[-9223372036854775808,0,"
	                         "-7,1000]}\n");
	free(buf);
}

/* The map: upsert/find, growth past many keys, and a fixed layout. */
static void test_map(void **state)
{
	struct hist_map m;
	bool fresh;
	hist_map_init(&m);
	assert_null(hist_map_find(&m, 1, 2));
	for (uint64_t i = 0; i < 5000; i++) {
		uint64_t *v = hist_map_upsert(&m, i, i * 7, i + 100, &fresh);
		assert_non_null(v);
		assert_true(fresh);
	}
	assert_int_equal(m.n, 5000);
	for (uint64_t i = 0; i < 5000; i++) {
		uint64_t *v = hist_map_upsert(&m, i, i * 7, 0, &fresh);
		assert_false(fresh);
		assert_int_equal(*v, i + 100);
	}
	assert_null(hist_map_find(&m, 5000, 35000));
	assert_null(hist_map_find(&m, 1, 8));
	/* A second map from the same keys has the same slots. */
	struct hist_map m2;
	hist_map_init(&m2);
	for (uint64_t i = 0; i < 5000; i++)
		hist_map_upsert(&m2, i, i * 7, i + 100, &fresh);
	assert_int_equal(m.cap, m2.cap);
	for (size_t s = 0; s < m.cap; s++) {
		assert_int_equal(m.slots[s].used, m2.slots[s].used);
		assert_int_equal(m.slots[s].a, m2.slots[s].a);
	}
	hist_map_free(&m);
	hist_map_free(&m2);
}

/* The fixture files all read; a file that is not there is an I/O error. */
static void test_read_file(void **state)
{
	struct hist *h;
	struct hist_error err;
	assert_int_equal(hist_read_file("tests/histories/clean.jsonl", &h, &err), HIST_OK);
	assert_int_equal(h->n_ops, 32);
	assert_int_equal(h->ops[31].line, 32);
	/*
	 * Five sends: p1-1, p1-2 and p2-1 acknowledged, p2-2 failed, p2-3 info.
	 * Polls returned 2 + 3 + 0 records; one fault.
	 */
	struct hist_stats st;
	hist_count_stats(h, &st);
	assert_int_equal(st.sends, 5);
	assert_int_equal(st.acked, 3);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.indeterminate, 1);
	assert_int_equal(st.polled, 5);
	assert_int_equal(st.faults, 1);
	hist_free(h);
	/* Two invokes, one never completed: both indeterminate with the info. */
	const char *two = SEND_INV "\"values\":{\"topic\":\"t\",\"value\":\"a\"}}\n" SEND_INV
	                           "\"values\":{\"topic\":\"t\",\"value\":\"b\"}}\n"
	                           "{\"time\":1,\"process\":\"p\",\"type\":\"info\",\"f\":\"send\","
	                           "\"values\":{\"topic\":\"t\",\"value\":\"a\"}}";
	assert_int_equal(hist_read_buffer(two, strlen(two), &h, &err), HIST_OK);
	hist_count_stats(h, &st);
	assert_int_equal(st.sends, 2);
	assert_int_equal(st.acked, 0);
	assert_int_equal(st.indeterminate, 2);
	hist_free(h);
	assert_int_equal(hist_read_file("tests/histories/nope.jsonl", &h, &err), HIST_EIO);
	assert_null(h);
	assert_int_equal(err.line, 0);
	assert_string_equal(err.msg, "No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_json_values),    cmocka_unit_test(test_json_refusals),
	    cmocka_unit_test(test_json_depth),     cmocka_unit_test(test_reader_refusals),
	    cmocka_unit_test(test_error_print),    cmocka_unit_test(test_write_read_round_trip),
	    cmocka_unit_test(test_write_captures), cmocka_unit_test(test_writer_misuse),
	    cmocka_unit_test(test_consumer_config_round_trip),
	    cmocka_unit_test(test_writer_ints),    cmocka_unit_test(test_map),
	    cmocka_unit_test(test_read_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
