/*
 * Unit tests for reports/rpt_replicas: replica samples in, data files and
 * story notes out. Two brokers and one partition: broker-1 leads, its LEO
 * and HW advance, it goes down (a break in its series), comes back with a
 * shorter log (a "log-end" note) and a new epoch (a leader row and note);
 * unchanged samples leave no row but the last sample does. The files are
 * read back and compared line by line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "reports/rpt_replicas.h"

#define MS 1000000LL

static char *slurp(const char *dir, const char *name)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *buf = calloc(1, 65536);
	assert_non_null(buf);
	size_t n = fread(buf, 1, 65535, f);
	buf[n] = 0;
	fclose(f);
	unlink(path);
	return buf;
}

static void sample(struct rpt_replicas *r, int64_t t, const struct rpt_replica_obs *b1,
		   const struct rpt_replica_obs *b2)
{
	rpt_replicas_sample(r, t, 0, 0, b1);
	rpt_replicas_sample(r, t, 0, 1, b2);
}

static void test_replicas_files_and_notes(void **state)
{
	const char *const parts[] = {"orders/0"};
	const char *const brokers[] = {"broker-1", "broker-2"};
	struct rpt_story story;
	rpt_story_init(&story);
	struct rpt_replicas *r = rpt_replicas_new(parts, 1, brokers, 2, &story);
	struct rpt_replica_obs a = {0, 0, true, 1, 1}, b = {5, 3, true, 1, 2},
			       c = {2, 2, true, 2, 1}, f = {0, 0, false, 1, 0};
	sample(r, 100 * MS, &a, &f);
	sample(r, 200 * MS, &b, &f);
	sample(r, 300 * MS, &b, &f);  /* unchanged: no row */
	sample(r, 400 * MS, NULL, &f); /* broker-1 down */
	sample(r, 500 * MS, &c, &f);  /* back, shorter, epoch 2 */
	sample(r, 600 * MS, &c, &f);  /* the last sample */
	char dir[] = "/tmp/test_rpt_replicas.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char note[200];
	assert_int_equal(rpt_replicas_write(r, dir, NULL, 0, 2, 600 * MS, note, sizeof note), 1);
	char *rep = slurp(dir, "replicas.dat");
	const char *want_rep =
		"# time_s partition broker leo hw leader epoch; one block per (partition, broker)\n"
		"# orders/0 on broker-1\n"
		"0.100 0 1 0 0 1 1\n"
		"0.200 0 1 5 3 1 1\n"
		"0.300 0 1 5 3 1 1\n" /* the last sample before the break */
		"\n"
		"0.500 0 1 2 2 1 2\n"
		"0.600 0 1 2 2 1 2\n"
		"\n\n# orders/0 on broker-2\n"
		"0.100 0 2 0 0 0 1\n"
		"0.600 0 2 0 0 0 1\n";
	assert_string_equal(rep, want_rep);
	char *isr = slurp(dir, "isr.dat");
	assert_string_equal(isr, "# time_s partition isr_size; one block per partition\n"
				 "# orders/0\n"
				 "0.100 0 1\n"
				 "0.200 0 2\n"
				 /* 0.400: no leader; the metadata's ISR (2) holds */
				 "0.500 0 1\n"
				 "0.600 0 1\n");
	char *lead = slurp(dir, "leaders.dat");
	assert_string_equal(lead, "# time_s partition \"leader and epoch\"\n"
				  "0.100 0 \"broker-1 e1\"\n"
				  "0.500 0 \"broker-1 e2\"\n");
	rmdir(dir);
	/* The story: two leaders, one leaderless moment, one lost log end. */
	size_t leaders = 0, ends = 0;
	for (size_t i = 0; i < story.n; i++) {
		leaders += !strcmp(story.items[i].kind, "leader");
		if (!strcmp(story.items[i].kind, "log-end")) {
			ends++;
			assert_int_equal(story.items[i].time_ns, 500 * MS);
			assert_non_null(strstr(story.items[i].text, "now ends at offset 2, though it "
								    "had reached 5: 3 records"));
		}
	}
	assert_int_equal(leaders, 3);
	assert_int_equal(ends, 1);
	free(rep);
	free(isr);
	free(lead);
	rpt_replicas_free(r);
	rpt_story_free(&story);
}

/* One record lost at the end is told in the singular. */
static void test_one_record_gone(void **state)
{
	const char *const parts[] = {"orders/0"};
	const char *const brokers[] = {"broker-1"};
	struct rpt_story story;
	rpt_story_init(&story);
	struct rpt_replicas *r = rpt_replicas_new(parts, 1, brokers, 1, &story);
	struct rpt_replica_obs a = {5, 5, true, 1, 1}, b = {4, 4, true, 2, 1};
	rpt_replicas_sample(r, 100 * MS, 0, 0, &a);
	rpt_replicas_sample(r, 200 * MS, 0, 0, &b);
	rpt_replicas_sample(r, 300 * MS, 0, 0, &b);
	bool told = false;
	for (size_t i = 0; i < story.n; i++)
		told |= strstr(story.items[i].text, "reached 5: 1 record at its end is gone") != NULL;
	assert_true(told);
	rpt_replicas_free(r);
	rpt_story_free(&story);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replicas_files_and_notes),
		cmocka_unit_test(test_one_record_gone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
