/*
 * Scale test for the history reader and checkers: a synthetic clean history
 * of about a million operations (450,000 sends, each invoked and
 * acknowledged, 90,000 polls, final reads, three replica logs per partition,
 * leader epochs, ZooKeeper digests, liveness, consumer groups) is written with hist_write,
 * read back and checked. Every checker must find nothing, and the whole must
 * finish in seconds: the checkers are linear-time over hash maps and sorted
 * arrays. Under Valgrind (KSIM_UNDER_VALGRIND) the history is 50 times
 * smaller.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "checkers/chk.h"
#include "harness/hist.h"
#include "harness/hist_write.h"

enum { PARTITIONS = 8, PRODUCERS = 4, CONSUMERS = 2, BATCH = 10 };

struct gen {
	struct hist_writer w;
	int64_t now;
	int64_t next_offset[PARTITIONS];
	char proc[32];
};

static void value_of(char *buf, size_t n, int64_t seq)
{
	snprintf(buf, n, "v%lld", (long long)seq);
}

static void send_one(struct gen *g, int64_t seq)
{
	int p = (int)(seq % PARTITIONS);
	char v[24];
	value_of(v, sizeof(v), seq);
	snprintf(g->proc, sizeof(g->proc), "producer-%d", (int)(seq % PRODUCERS) + 1);
	struct hist_w_send s = {"orders", p, NULL, v, -1, NULL};
	hist_write_send(&g->w, g->now++, g->proc, HIST_T_INVOKE, &s);
	s.offset = g->next_offset[p]++;
	hist_write_send(&g->w, g->now++, g->proc, HIST_T_OK, &s);
}

/* Each consumer polls each partition's last BATCH records (values by formula). */
static void poll_all(struct gen *g, int64_t first_seq_of_round)
{
	struct hist_w_record recs[BATCH];
	char vals[BATCH][24];
	for (int c = 0; c < CONSUMERS; c++) {
		snprintf(g->proc, sizeof(g->proc), "consumer-%d", c + 1);
		for (int p = 0; p < PARTITIONS; p++) {
			for (int k = 0; k < BATCH; k++) {
				int64_t seq = first_seq_of_round + (int64_t)k * PARTITIONS + p;
				value_of(vals[k], sizeof(vals[k]), seq);
				recs[k] = (struct hist_w_record){
				    "orders", p, g->next_offset[p] - BATCH + k, vals[k]};
			}
			struct hist_w_hw hw = {"orders", p, g->next_offset[p]};
			hist_write_read(&g->w, g->now++, g->proc, HIST_T_OK, HIST_F_POLL, recs,
			                BATCH, &hw, 1);
		}
	}
}

/*
 * Partition p's record at offset o holds value seq o * PARTITIONS + p. The
 * final read leaves out offset `lose` of partition 0 (none when negative).
 */
static void final_reads(struct gen *g, int64_t per_partition, int64_t lose)
{
	size_t n = (size_t)per_partition;
	char(*vals)[24] = malloc(n * sizeof(*vals));
	struct hist_w_record *recs = malloc(n * sizeof(*recs));
	struct hist_w_log_record *logs = malloc(n * sizeof(*logs));
	assert_true(vals && recs && logs);
	for (int p = 0; p < PARTITIONS; p++) {
		size_t k = 0;
		for (int64_t o = 0; o < per_partition; o++) {
			value_of(vals[o], sizeof(vals[o]), o * PARTITIONS + p);
			logs[o] = (struct hist_w_log_record){o, vals[o]};
			if (p != 0 || o != lose)
				recs[k++] = (struct hist_w_record){"orders", p, o, vals[o]};
		}
		hist_write_read(&g->w, g->now++, "final-reader", HIST_T_OK, HIST_F_FINAL_READ, recs,
		                k, NULL, 0);
		for (int b = 1; b <= 3; b++) {
			snprintf(g->proc, sizeof(g->proc), "replica:broker-%d", b);
			hist_write_replica_log(&g->w, g->now++, g->proc, "orders", p, per_partition,
			                       true, logs, n);
		}
	}
	free(vals);
	free(recs);
	free(logs);
}

static void captures(struct gen *g)
{
	enum { ZXIDS = 1000 };
	struct hist_w_digest d[ZXIDS];
	char text[ZXIDS][24];
	for (int x = 0; x < ZXIDS; x++) {
		snprintf(text[x], sizeof(text[x]), "%016llx",
		         (unsigned long long)((uint64_t)(x + 1) * 0x9e3779b97f4a7c15u));
		d[x] = (struct hist_w_digest){(INT64_C(1) << 32) + x + 1, text[x]};
	}
	for (int z = 1; z <= 3; z++) {
		snprintf(g->proc, sizeof(g->proc), "zk-%d", z);
		hist_write_zk_digests(&g->w, g->now++, g->proc, d, ZXIDS);
	}
	struct hist_w_liveness rows[PARTITIONS];
	for (int p = 0; p < PARTITIONS; p++)
		rows[p] = (struct hist_w_liveness){"orders", p, "broker-1", true, true, NULL,
		                                   NULL, 0, NULL, 0};
	hist_write_liveness(&g->w, g->now++, "harness", rows, PARTITIONS);
}

static char *generate(int64_t rounds, int64_t lose, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	struct gen g;
	memset(&g, 0, sizeof(g));
	hist_w_init(&g.w, f);
	for (int p = 1; p <= PRODUCERS; p++) {
		snprintf(g.proc, sizeof(g.proc), "producer-%d", p);
		hist_write_producer_config(&g.w, 0, g.proc, true, 5);
	}
	/* Each consumer in a group of its own: the group checkers walk every
	 * poll and find nothing. */
	for (int c = 1; c <= CONSUMERS; c++) {
		char group[16];
		snprintf(g.proc, sizeof(g.proc), "consumer-%d", c);
		snprintf(group, sizeof(group), "g%d", c);
		hist_write_consumer_config(&g.w, 0, g.proc, group, "after-process");
	}
	for (int p = 0; p < PARTITIONS; p++)
		hist_write_leader_epoch(&g.w, 0, "broker-1", "orders", p, 0, "broker-1");
	for (int64_t r = 0; r < rounds; r++) {
		int64_t first = r * BATCH * PARTITIONS;
		for (int64_t s = 0; s < BATCH * PARTITIONS; s++)
			send_one(&g, first + s);
		poll_all(&g, first);
	}
	final_reads(&g, rounds * BATCH, lose);
	captures(&g);
	assert_int_equal(hist_w_error(&g.w), 0);
	fclose(f);
	return buf;
}

static double seconds_since(clock_t start)
{
	return (double)(clock() - start) / CLOCKS_PER_SEC;
}

static void test_million_clean(void **state)
{
	/* 5625 rounds of 80 sends and 16 polls: 990,000-odd lines. */
	int64_t rounds = getenv("KSIM_UNDER_VALGRIND") ? 112 : 5625;
	size_t len;
	char *buf = generate(rounds, -1, &len);
	clock_t start = clock();
	struct hist *h;
	struct hist_error err;
	int rc = hist_read_buffer(buf, len, &h, &err);
	if (rc)
		hist_error_print(stderr, "synthetic", &err);
	assert_int_equal(rc, HIST_OK);
	size_t want = (size_t)(rounds * (2 * BATCH * PARTITIONS + CONSUMERS * PARTITIONS)) +
	              PRODUCERS + CONSUMERS + PARTITIONS + PARTITIONS * 4 + 3 + 1;
	assert_int_equal(h->n_ops, want);
	double read_s = seconds_since(start);
	start = clock();
	struct chk_result res;
	assert_int_equal(chk_run_all(h, &res), CHK_OK);
	double check_s = seconds_since(start);
	for (int k = 0; k < CHK_COUNT; k++) {
		if (res.reports[k].count)
			fprintf(stderr, "%s: %llu, first: line %llu %s\n",
			        chk_name((enum chk_kind)k),
			        (unsigned long long)res.reports[k].count,
			        (unsigned long long)res.reports[k].examples[0].line,
			        res.reports[k].examples[0].detail);
		assert_int_equal(res.reports[k].count, 0);
	}
	fprintf(stderr, "%zu ops, %zu bytes: read %.2f s, checked %.2f s\n", h->n_ops, len, read_s,
	        check_s);
	/* Generous bounds: a quadratic checker would take minutes, not this. */
	if (!getenv("KSIM_UNDER_VALGRIND")) {
		assert_true(read_s < 20.0);
		assert_true(check_s < 20.0);
	}
	hist_free(h);
	free(buf);
}

/*
 * The same generator with offset 500 of partition 0 left out of the final
 * read: exactly one lost write, the send of seq 500 * 8 = 4000, whose ok is
 * on line 14 + 2 * 4000 + 16 * 50 + 2 = 8816 (14 header lines, two per send,
 * 16 polls per round of 80 sends; seq 4000 opens round 50).
 */
static void test_one_lost(void **state)
{
	size_t len;
	char *buf = generate(112, 500, &len);
	struct hist *h;
	struct hist_error err;
	assert_int_equal(hist_read_buffer(buf, len, &h, &err), HIST_OK);
	struct chk_result res;
	assert_int_equal(chk_run_all(h, &res), CHK_OK);
	for (int k = 0; k < CHK_COUNT; k++)
		assert_int_equal(res.reports[k].count, k == CHK_LOST_WRITE ? 1 : 0);
	const struct chk_example *e = &res.reports[CHK_LOST_WRITE].examples[0];
	assert_int_equal(e->line, 8816);
	assert_string_equal(e->process, "producer-1");
	assert_string_equal(e->detail, "orders/0@500: acknowledged \"v4000\" but absent");
	hist_free(h);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_million_clean),
	    cmocka_unit_test(test_one_lost),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
