/*
 * Unit tests for reports/: summary.json and summary.md written from struct
 * rpt_run values built around real checker results (test_rpt_fixture.h: the
 * fixture histories clean.jsonl, lost_write.jsonl and duplicate.jsonl run
 * through chk_run_all), and the run directory. summary.json is compared byte
 * for byte with a text worked out from the contract and parsed back with
 * harness/hist_json.h to check every field's type; summary.md is searched
 * for its table rows and examples. Hostile names and descriptions (quotes,
 * backslashes, control characters, invalid UTF-8, `]]>`, `<`, `&`) are
 * checked in both. The run directory is made under a mkdtemp directory that
 * each test removes. junit.xml has its own file, test_rpt_junit.c.
 */
#include "tests/unit/test_rpt_fixture.h"

#include <dirent.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/hist_json.h"
#include "reports/rpt_escape.h"
#include "reports/rpt_junit.h"
#include "reports/rpt_markdown.h"
#include "reports/rpt_outdir.h"
#include "reports/rpt_summary.h"

static char *read_whole(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *buf = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = (n + 4096 + 1) * 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		size_t got = fread(buf + n, 1, 4096, f);
		n += got;
		if (got == 0)
			break;
	}
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* ---- summary.json ---------------------------------------------------- */

/*
 * The contract's layout with lost_write.jsonl's numbers: 6 send invokes
 * (a..f), 5 acknowledged (a..e), none failed, f never completed
 * (indeterminate), no polls, no faults. The checkers count 3 lost writes
 * (test_chk works them out); the expect block above fails lost-write (3 > 0)
 * and split-brain (0, expected some), in checker order.
 */
#define SUMMARY_EXPECTED                                                                           \
	"{\"scenario\": \"lost-write-demo\", \"seed\": 42, \"verdict\": \"fail\",\n"               \
	" \"trace_hash\": \"00000000deadbeef\",\n"                                                 \
	" \"mode\": \"zookeeper\", \"kafka_version\": \"3.9\",\n"                                    \
	" \"anomalies\": {\"lost-write\": 3, \"duplicate\": 0, \"inconsistent-offsets\": 0, "      \
	"\"nonmonotonic-poll\": 0, \"nonmonotonic-send\": 0, \"poll-skip\": 0, \"unexpected\": "   \
	"0, "                                                                                      \
	"\"replica-divergence\": 0, \"committed-rewrite\": 0, \"split-brain\": 0, "                \
	"\"zk-agreement\": 0, \"liveness\": 0, \"group-skip\": 0, \"group-redelivery\": 0},\n"     \
	" \"unreadable\": 0,\n"                                                                    \
	" \"availability\": {\"max_gap_ms\": 0, \"worst\": \"\", \"acked_ratio\": \"83.33%\"},\n"  \
	" \"expect\": {\"lost-write\": \"none\", \"duplicate\": \"none\", "                        \
	"\"inconsistent-offsets\": \"any\", \"nonmonotonic-poll\": \"any\", "                      \
	"\"nonmonotonic-send\": \"any\", \"poll-skip\": \"any\", \"unexpected\": \"any\", "        \
	"\"replica-divergence\": \"any\", \"committed-rewrite\": \"any\", \"split-brain\": "       \
	"\"some\", "                                                                               \
	"\"zk-agreement\": \"any\", \"liveness\": \"ok\", \"group-skip\": \"any\", "                \
	"\"group-redelivery\": \"any\"},\n"                                                         \
	" \"failed_expectations\": [\"lost-write\", \"split-brain\"],\n"                           \
	" \"coverage\": {},\n"                                                                      \
	" \"stats\": {\"sends\": 6, \"acked\": 5, \"failed\": 0, \"indeterminate\": 1,\n"          \
	"           \"polled\": 0, \"faults\": 0, \"events\": 1234,\n"                             \
	"           \"sim_seconds\": 90.001, \"wall_seconds\": "

static void test_summary_exact_bytes(void **state)
{
	struct fixture f;
	fixture_lost_write(&f);
	char *got = capture(rpt_write_summary, &f.run);
	assert_string_equal(got, SUMMARY_EXPECTED "0.400}}\n");
	/* Only the tail after "wall_seconds": moves with the host's time. */
	f.run.wall_seconds = 12.3456;
	char *other = capture(rpt_write_summary, &f.run);
	assert_memory_equal(got, other, sizeof(SUMMARY_EXPECTED) - 1);
	assert_string_equal(other + sizeof(SUMMARY_EXPECTED) - 1, "12.346}}\n");
	free(got);
	free(other);
}

static void check_summary_contract(const char *text, const struct fixture *f,
				   struct hist_json *j);

/* The run's coverage markers, sorted by name, between the verdict and the stats. */
static void test_summary_coverage(void **state)
{
	struct fixture f;
	fixture_lost_write(&f);
	struct sim_coverage cov = SIM_COVERAGE_INIT;
	sim_cov_add(&cov, "truncate-by-epoch", 3);
	sim_cov_add(&cov, "fence-controller-epoch-broker", 1);
	f.run.coverage = &cov;
	char *got = capture(rpt_write_summary, &f.run);
	assert_non_null(strstr(got, "]," "\n \"coverage\": {\"fence-controller-epoch-broker\": 1, "
				    "\"truncate-by-epoch\": 3},\n \"stats\": "));
	struct hist_json j;
	hist_json_init(&j);
	check_summary_contract(got, &f, &j);
	hist_json_free(&j);
	free(got);
	sim_cov_free(&cov);
}

static void test_seconds_formats(void **state)
{
	struct fixture f;
	fixture_load(&f, "clean");
	static const struct {
		double wall;
		const char *text;
	} walls[] = {
	    {0.0, "0.000"},  {0.0004, "0.000"}, {0.0006, "0.001"},   {1234.5678, "1234.568"},
	    {-1.0, "0.000"}, {NAN, "0.000"},    {INFINITY, "0.000"}, {1e300, "1000000000000.000"},
	};
	for (size_t i = 0; i < sizeof(walls) / sizeof(walls[0]); i++) {
		f.run.wall_seconds = walls[i].wall;
		char *got = capture(rpt_write_wall_seconds, &f.run);
		assert_string_equal(got, walls[i].text);
		free(got);
	}
	static const struct {
		int64_t ns;
		const char *text;
	} sims[] = {
	    {0, "0.000"},
	    {499999, "0.000"},
	    {500000, "0.001"},
	    {1000000000, "1.000"},
	    {INT64_MAX, "9223372036.855"},
	};
	for (size_t i = 0; i < sizeof(sims) / sizeof(sims[0]); i++) {
		f.run.sim_ns = sims[i].ns;
		char *got = capture(rpt_write_sim_seconds, &f.run);
		assert_string_equal(got, sims[i].text);
		free(got);
	}
}

static const struct hist_json_node *member(const struct hist_json *j, uint32_t obj, const char *key,
                                           uint8_t type)
{
	bool dup = false;
	const struct hist_json_node *v = hist_json_get(j, obj, key, &dup);
	if (!v)
		fprintf(stderr, "missing member %s\n", key);
	assert_non_null(v);
	assert_false(dup);
	assert_int_equal(v->type, type);
	return v;
}

/* Asserts the children of object node obj have exactly these keys in order. */
static void assert_keys(const struct hist_json *j, uint32_t obj, const char *const *keys, size_t n)
{
	const struct hist_json_node *o = &j->nodes[obj];
	assert_int_equal(o->count, n);
	uint32_t c = o->child;
	for (size_t i = 0; i < n; i++, c = j->nodes[c].next)
		assert_string_equal(j->str + j->nodes[c].key_off, keys[i]);
}

static bool is_lower_hex16(const char *s)
{
	if (strlen(s) != 16)
		return false;
	for (size_t i = 0; i < 16; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Parses a summary.json text and checks every contract field's type. */
static void check_summary_contract(const char *text, const struct fixture *f, struct hist_json *j)
{
	static const char *const top[] = {"scenario",
	                                  "seed",
	                                  "verdict",
	                                  "trace_hash",
	                                  "mode",
	                                  "kafka_version",
	                                  "anomalies",
	                                  "unreadable",
	                                  "availability",
	                                  "expect",
	                                  "failed_expectations",
	                                  "coverage",
	                                  "stats"};
	static const char *const stats[] = {"sends",         "acked",       "failed",
	                                    "indeterminate", "polled",      "faults",
	                                    "events",        "sim_seconds", "wall_seconds"};
	int rc = hist_json_parse(j, text, strlen(text));
	if (rc)
		fprintf(stderr, "col %u: %s\n", j->err_col, j->err_msg);
	assert_int_equal(rc, HIST_JSON_OK);
	assert_int_equal(j->nodes[0].type, HIST_JSON_OBJECT);
	assert_keys(j, 0, top, sizeof top / sizeof top[0]);
	member(j, 0, "scenario", HIST_JSON_STRING);
	const struct hist_json_node *seed = member(j, 0, "seed", HIST_JSON_NUMBER);
	assert_true(seed->is_int);
	assert_int_equal(seed->i, (int64_t)f->run.seed);
	const char *verdict = hist_json_str(j, member(j, 0, "verdict", HIST_JSON_STRING));
	assert_string_equal(verdict, f->verdict.pass ? "pass" : "fail");
	assert_true(is_lower_hex16(hist_json_str(j, member(j, 0, "trace_hash", HIST_JSON_STRING))));
	assert_string_equal(hist_json_str(j, member(j, 0, "mode", HIST_JSON_STRING)), f->run.mode);
	char version[16];
	snprintf(version, sizeof version, "%d.%d", f->run.kafka_version / 100,
	         f->run.kafka_version % 100);
	assert_string_equal(hist_json_str(j, member(j, 0, "kafka_version", HIST_JSON_STRING)),
	                    version);
	const struct hist_json_node *an = member(j, 0, "anomalies", HIST_JSON_OBJECT);
	const struct hist_json_node *ex = member(j, 0, "expect", HIST_JSON_OBJECT);
	for (int k = 0; k < CHK_COUNT; k++) {
		const char *name = chk_name((enum chk_kind)k);
		const struct hist_json_node *c =
		    member(j, hist_json_index(j, an), name, HIST_JSON_NUMBER);
		assert_true(c->is_int);
		assert_int_equal(c->i, (int64_t)f->checks.reports[k].count);
		member(j, hist_json_index(j, ex), name, HIST_JSON_STRING);
	}
	const struct hist_json_node *fe = member(j, 0, "failed_expectations", HIST_JSON_ARRAY);
	assert_int_equal(fe->count, f->verdict.n_failed);
	for (uint32_t c = fe->child, i = 0; c; c = j->nodes[c].next, i++) {
		assert_int_equal(j->nodes[c].type, HIST_JSON_STRING);
		assert_string_equal(hist_json_str(j, &j->nodes[c]),
		                    chk_name((enum chk_kind)f->verdict.failed[i]));
	}
	const struct hist_json_node *cov = member(j, 0, "coverage", HIST_JSON_OBJECT);
	for (uint32_t c = cov->child; c; c = j->nodes[c].next)
		assert_true(j->nodes[c].type == HIST_JSON_NUMBER && j->nodes[c].is_int);
	const struct hist_json_node *st = member(j, 0, "stats", HIST_JSON_OBJECT);
	uint32_t sti = hist_json_index(j, st);
	assert_keys(j, sti, stats, 9);
	for (size_t i = 0; i < 7; i++)
		assert_true(member(j, sti, stats[i], HIST_JSON_NUMBER)->is_int);
	member(j, sti, "sim_seconds", HIST_JSON_NUMBER);
	member(j, sti, "wall_seconds", HIST_JSON_NUMBER);
}

static void test_summary_parses(void **state)
{
	static const char *const histories[] = {"clean", "lost_write", "duplicate"};
	struct hist_json j;
	hist_json_init(&j);
	for (size_t i = 0; i < 3; i++) {
		struct fixture f;
		fixture_load(&f, histories[i]);
		fixture_expect(&f, "lost-write", "none");
		f.run.wall_seconds = NAN; /* must still be a number */
		char *text = capture(rpt_write_summary, &f.run);
		check_summary_contract(text, &f, &j);
		free(text);
	}
	hist_json_free(&j);
}

/* summary.json's "final": each partition as the run left it, after
 * coverage and before stats; leaderless partitions say -1. */
static void test_summary_final(void **state)
{
	static const int32_t reps[] = {4, 5, 1}, isr[] = {4, 5};
	const struct rpt_final fin[] = {{"orders", 0, 4, 7, 5120, reps, 3, isr, 2},
	                                {"orders", 1, -1, -1, -1, reps, 0, isr, 0}};
	struct fixture f;
	fixture_lost_write(&f);
	f.run.final = fin;
	f.run.n_final = 2;
	char *got = capture(rpt_write_summary, &f.run);
	const char *want = " \"coverage\": {},\n"
	                   " \"final\": {\"orders/0\": {\"leader\": 4, \"leader_epoch\": 7, "
	                   "\"replicas\": [4, 5, 1], \"isr\": [4, 5], \"high_watermark\": 5120},\n"
	                   "           \"orders/1\": {\"leader\": -1, \"leader_epoch\": -1, "
	                   "\"replicas\": [], \"isr\": [], \"high_watermark\": -1}},\n"
	                   " \"stats\": ";
	if (!strstr(got, want))
		fprintf(stderr, "%s", got);
	assert_non_null(strstr(got, want));
	struct hist_json j;
	hist_json_init(&j);
	assert_int_equal(hist_json_parse(&j, got, strlen(got)), HIST_JSON_OK);
	hist_json_free(&j);
	free(got);
}

/* The cluster the run simulated: cluster.mode and cluster.kafka_version. */
static void test_summary_mode_and_version(void **state)
{
	struct hist_json j;
	hist_json_init(&j);
	struct fixture f;
	fixture_load(&f, "clean");
	f.run.mode = "kraft";
	f.run.kafka_version = 207;
	char *text = capture(rpt_write_summary, &f.run);
	assert_non_null(strstr(text, " \"trace_hash\": \"00000000deadbeef\",\n"
	                             " \"mode\": \"kraft\", \"kafka_version\": \"2.7\",\n"));
	check_summary_contract(text, &f, &j);
	free(text);
	hist_json_free(&j);
}

/*
 * The hostile name as JSON: quote and backslash escaped; 0x01 as \u0001;
 * newline, tab, carriage return by their short escapes; DEL as itself (JSON
 * allows it); 0xFF and the 0xC3 before '(' one U+FFFD each; "]]><&" as is;
 * "é" kept; the truncated E2 82 two U+FFFD (each byte starts no valid
 * sequence).
 */
static const char hostile_json[] =
    "\"q\\\"b\\\\s\\u0001\\n\\t\\r\x7f" FFFD FFFD "(]]><&\xc3\xa9" FFFD FFFD "\"";
/* What a JSON parser decodes it to. */
static const char hostile_decoded[] = "q\"b\\s\x01\n\t\r\x7f" FFFD FFFD "(]]><&\xc3\xa9" FFFD FFFD;

static void test_json_escaping(void **state)
{
	char *got = capture_text(rpt_json_write_string, hostile);
	assert_string_equal(got, hostile_json);
	free(got);
	got = capture_text(rpt_json_write_string, "\b\f\x1f");
	assert_string_equal(got, "\"\\b\\f\\u001f\"");
	free(got);

	struct fixture f;
	fixture_lost_write(&f);
	f.run.scenario = hostile;
	char *text = capture(rpt_write_summary, &f.run);
	struct hist_json j;
	hist_json_init(&j);
	check_summary_contract(text, &f, &j);
	const struct hist_json_node *s = member(&j, 0, "scenario", HIST_JSON_STRING);
	assert_int_equal(s->str_len, sizeof(hostile_decoded) - 1);
	assert_memory_equal(hist_json_str(&j, s), hostile_decoded, sizeof(hostile_decoded) - 1);
	hist_json_free(&j);
	free(text);
}

/* ---- summary.md ------------------------------------------------------- */

static void test_markdown_lost_write(void **state)
{
	struct fixture f;
	fixture_lost_write(&f);
	char *md = capture(rpt_write_markdown, &f.run);
	static const char head[] = "# ksim run: lost-write-demo, seed 42: FAIL\n\n";
	assert_memory_equal(md, head, sizeof(head) - 1);
	assert_non_null(strstr(md, "- Verdict: fail (failed: lost-write, split-brain)\n"
	                           "- Trace hash: `00000000deadbeef`\n"));
	assert_non_null(strstr(md, "\nKill the leader under acks=1.\n"));
	assert_non_null(strstr(md, "| checker | expected | count | verdict |\n|---|---|---:|---|\n"
	                           "| lost-write | none | 3 | **FAIL** |\n"
	                           "| duplicate | none | 0 | pass |\n"
	                           "| inconsistent-offsets | any | 0 | not judged |\n"));
	assert_non_null(strstr(md, "| split-brain | some | 0 | **FAIL** |\n"
	                           "| zk-agreement | any | 0 | not judged |\n"
	                           "| liveness | ok | 0 | pass |\n"));
	/* One table row per checker. */
	assert_int_equal(count_of(md, " | not judged |\n"), CHK_COUNT - 4);
	assert_non_null(
	    strstr(md, "### lost-write: 3\n\n```text\n"
	               "line 4, t=400 ns, producer-1: orders/0@1: acknowledged \"b\" but absent\n"
	               "line 8, t=800 ns, producer-2: orders/1@0: acknowledged \"d\" but absent\n"
	               "line 11, t=1100 ns, producer-1: orders/0@3: acknowledged \"e\" but another "
	               "value is there\n```\n"));
	assert_non_null(strstr(md, "| sends | 6 |\n| acked | 5 |\n| failed | 0 |\n"
	                           "| indeterminate | 1 |\n| polled | 0 |\n| faults | 0 |\n"
	                           "| events | 1234 |\n| sim seconds | 90.001 |\n"
	                           "| wall seconds | 0.400 |\n"));
	/* Wall seconds is the last line. */
	assert_string_equal(md + strlen(md) - strlen("| wall seconds | 0.400 |\n"),
	                    "| wall seconds | 0.400 |\n");
	free(md);

	fixture_load(&f, "clean");
	md = capture(rpt_write_markdown, &f.run);
	assert_non_null(strstr(md, ": PASS\n"));
	assert_non_null(strstr(md, "No checker found an anomaly."));
	assert_null(strstr(md, "```"));
	free(md);
}

static void test_markdown_escaping(void **state)
{
	char *got = capture_text(rpt_md_write_inline, "a|b*c_d`e<f>&g[h](i)#!~+\\ \n\x01-.=");
	assert_string_equal(got,
	                    "a\\|b\\*c_d\\`e\\<f>\\&g\\[h\\](i)#!\\~+\\\\   -.=");
	free(got);
	/* `_` at a word's edge and `#` after a blank still are. */
	got = capture_text(rpt_md_write_inline, "__consumer_offsets _x x_ a #b");
	assert_string_equal(got, "\\_\\_consumer_offsets \\_x x\\_ a \\#b");
	free(got);
	/* Each line of a block starts as text: no heading, list, quote, fence or code. */
	got = capture_text(rpt_md_write_block, "# h\n- l\n12. o\n   ```f\n> q\n===\nok 1. x\n\xff");
	assert_string_equal(got, "\\# h\n\\- l\n12\\. o\n\\`\\`\\`f\n\\> q\n\\===\nok 1. x\n" FFFD);
	free(got);
	got = capture_text(rpt_md_write_code, "a\n```\t<b>&\xc3");
	assert_string_equal(got, "a ``` <b>&" FFFD);
	free(got);

	struct fixture f;
	fixture_lost_write(&f);
	f.run.scenario = hostile;
	f.run.description = "line one | <b>x</b>\n# not a heading\n]]> & \xff";
	snprintf(f.checks.reports[CHK_LOST_WRITE].examples[0].detail,
	         sizeof(f.checks.reports[0].examples[0].detail), "%s", "v\n```\nx");
	char *md = capture(rpt_write_markdown, &f.run);
	/* The inline form of the hostile name. */
	assert_non_null(strstr(md, "# ksim run: q\"b\\\\s    \x7f" FFFD FFFD "(\\]\\]>\\<\\&"
	                           "\xc3\xa9" FFFD FFFD ", seed 42: FAIL\n"));
	assert_non_null(strstr(md, "\nline one \\| \\<b>x\\</b>\n\\# not a heading\n"
	                           "\\]\\]> \\& " FFFD "\n"));
	/* The example cannot close its fence early. */
	assert_non_null(strstr(md, "producer-1: v ``` x\n"));
	assert_int_equal(count_of(md, "\n```"), 2);
	free(md);
}

/* A stream that refuses writes makes every writer report -1. */
static void test_write_errors(void **state)
{
	struct fixture f;
	fixture_lost_write(&f);
	static const writer_fn fns[] = {rpt_write_summary, rpt_write_junit, rpt_write_markdown};
	for (size_t i = 0; i < 3; i++) {
		FILE *ro = fopen("/dev/null", "r");
		assert_non_null(ro);
		assert_int_equal(fns[i](ro, &f.run), -1);
		fclose(ro);
	}
}

/* ---- the run directory ------------------------------------------------ */

/* Removes a directory tree made by a test (regular files and directories). */
static void remove_tree(const char *path)
{
	DIR *d = opendir(path);
	if (!d) {
		unlink(path);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char sub[1024];
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		remove_tree(sub);
	}
	closedir(d);
	assert_int_equal(rmdir(path), 0);
}

static void make_tmp(char *dir)
{
	strcpy(dir, "/tmp/test_rpt.XXXXXX");
	assert_non_null(mkdtemp(dir));
}

static void test_outdir_default(void **state)
{
	char buf[64];
	assert_int_equal(rpt_outdir_default(buf, sizeof(buf), "leader-kill", 7), 0);
	assert_string_equal(buf, "reports/out/leader-kill-7");
	/* Nothing may climb out of reports/out or hide as a dot file. */
	assert_int_equal(rpt_outdir_default(buf, sizeof(buf), "../x/y z", 1), 0);
	assert_string_equal(buf, "reports/out/_._x_y_z-1");
	assert_int_equal(rpt_outdir_default(buf, sizeof(buf), hostile, 18446744073709551615ULL), 0);
	assert_string_equal(buf, "reports/out/q_b_s_________________-18446744073709551615");
	/* "reports/out/" (12) + "abc" (3) + "-1" (2) needs 18 bytes with the NUL. */
	assert_int_equal(rpt_outdir_default(buf, 18, "abc", 1), 0);
	assert_int_equal(rpt_outdir_default(buf, 17, "abc", 1), -1);
	assert_string_equal(buf, "");
}

static void test_mkdir_p(void **state)
{
	char tmp[32], path[256];
	struct rpt_error err;
	struct stat st;
	make_tmp(tmp);
	snprintf(path, sizeof(path), "%s/a//b/c/", tmp);
	assert_int_equal(rpt_mkdir_p(path, &err), 0);
	snprintf(path, sizeof(path), "%s/a/b/c", tmp);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(rpt_mkdir_p(path, &err), 0); /* again: fine */

	/* A regular file where a directory should be. */
	snprintf(path, sizeof(path), "%s/file", tmp);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(rpt_mkdir_p(path, &err), -1);
	assert_non_null(strstr(err.msg, "cannot create directory"));
	assert_non_null(strstr(err.msg, "/file: Not a directory"));
	snprintf(path, sizeof(path), "%s/file/sub/dir", tmp);
	assert_int_equal(rpt_mkdir_p(path, &err), -1);
	assert_non_null(strstr(err.msg, "/file: Not a directory"));
	assert_int_equal(rpt_mkdir_p("", &err), -1);
	remove_tree(tmp);
}

static void test_write_run_dir(void **state)
{
	char tmp[32], dir[256], path[300];
	struct rpt_error err;
	struct fixture f;
	fixture_lost_write(&f);
	f.run.scenario = hostile;
	make_tmp(tmp);
	snprintf(dir, sizeof(dir), "%s/reports/out/x-42", tmp);
	assert_int_equal(rpt_write_run_dir(dir, &f.run, &err), 0);

	static const struct {
		const char *file;
		writer_fn fn;
	} files[] = {{"summary.json", rpt_write_summary},
	             {"junit.xml", rpt_write_junit},
	             {"summary.md", rpt_write_markdown}};
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i].file);
		char *got = read_whole(path);
		char *want = capture(files[i].fn, &f.run);
		assert_string_equal(got, want);
		free(got);
		free(want);
		snprintf(path, sizeof(path), "%s/%s.tmp", dir, files[i].file);
		assert_int_equal(access(path, F_OK), -1);
	}
	/* Writing again replaces the files. */
	f.run.seed = 43;
	assert_int_equal(rpt_write_run_dir(dir, &f.run, &err), 0);
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	char *again = read_whole(path);
	assert_non_null(strstr(again, "\"seed\": 43,"));
	free(again);

	/* A directory that cannot exist: the error names it. */
	snprintf(path, sizeof(path), "%s/summary.json/out", dir);
	assert_int_equal(rpt_write_run_dir(path, &f.run, &err), -1);
	assert_non_null(strstr(err.msg, "summary.json: Not a directory"));
	remove_tree(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_summary_exact_bytes),
	    cmocka_unit_test(test_summary_coverage),
	    cmocka_unit_test(test_seconds_formats),
	    cmocka_unit_test(test_summary_parses),
	    cmocka_unit_test(test_summary_final),
	    cmocka_unit_test(test_summary_mode_and_version),
	    cmocka_unit_test(test_json_escaping),
	    cmocka_unit_test(test_markdown_lost_write),
	    cmocka_unit_test(test_markdown_escaping),
	    cmocka_unit_test(test_write_errors),
	    cmocka_unit_test(test_outdir_default),
	    cmocka_unit_test(test_mkdir_p),
	    cmocka_unit_test(test_write_run_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
