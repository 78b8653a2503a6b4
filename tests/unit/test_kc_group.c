/*
 * kc_group's pure parts: Kafka's RangeAssignor arithmetic and the
 * ConsumerProtocol v0 payloads (byte-exact, from Kafka's
 * ConsumerProtocolSubscription and ConsumerProtocolAssignment schemas),
 * and their decoders on truncated and corrupted input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "broker/client/kc_group.h"

/* RangeAssignor's javadoc example: C0 and C1, topics t0 and t1 of three
 * partitions each: C0 gets [t0p0, t0p1, t1p0, t1p1], C1 [t0p2, t1p2]. */
static void test_range_assignor(void **state)
{
	(void)state;
	int32_t start, count;
	kc_group_range(3, 2, 0, &start, &count);
	assert_int_equal(start, 0);
	assert_int_equal(count, 2);
	kc_group_range(3, 2, 1, &start, &count);
	assert_int_equal(start, 2);
	assert_int_equal(count, 1);
	/* Six partitions over two: 3 and 3. Seven over three: 3, 2, 2. */
	kc_group_range(6, 2, 1, &start, &count);
	assert_int_equal(start, 3);
	assert_int_equal(count, 3);
	static const int32_t want_start[3] = {0, 3, 5}, want_count[3] = {3, 2, 2};
	for (size_t i = 0; i < 3; i++) {
		kc_group_range(7, 3, i, &start, &count);
		assert_int_equal(start, want_start[i]);
		assert_int_equal(count, want_count[i]);
	}
	/* More members than partitions: the last ones get nothing. */
	kc_group_range(2, 3, 2, &start, &count);
	assert_int_equal(count, 0);
}

struct seen {
	char topics[4][8];
	int32_t parts[8];
	int n;
};

static void on_topic(void *arg, const char *topic, size_t len)
{
	struct seen *s = arg;
	assert_true(s->n < 4 && len < 8);
	memcpy(s->topics[s->n], topic, len);
	s->topics[s->n++][len] = 0;
}

static void on_part(void *arg, const char *topic, size_t len, int32_t partition)
{
	struct seen *s = arg;
	assert_true(s->n < 8 && len < 8);
	memcpy(s->topics[s->n % 4], topic, len);
	s->topics[s->n % 4][len] = 0;
	s->parts[s->n++] = partition;
}

static void test_subscription_bytes(void **state)
{
	(void)state;
	/* version 0 (00 00), topics: count 1 (00 00 00 01), "t" (00 01 74),
	 * user_data null (ff ff ff ff). */
	static const uint8_t want[] = {0, 0, 0, 0, 0, 1, 0, 1, 't', 0xff, 0xff, 0xff, 0xff};
	static const char *const topics[] = {"t"};
	uint8_t buf[64];
	struct wire_writer w;
	wire_writer_init(&w, buf, sizeof buf);
	kc_group_encode_subscription(&w, topics, 1);
	assert_int_equal(w.len, sizeof want);
	assert_memory_equal(buf, want, sizeof want);
	struct seen s = {0};
	assert_int_equal(kc_group_decode_subscription(buf, w.len, on_topic, &s), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.topics[0], "t");
	/* Truncated inside the topic list: refused, never read past the end. */
	for (size_t n = 0; n < 9; n++) {
		struct seen x = {0};
		assert_int_equal(kc_group_decode_subscription(buf, n, on_topic, &x), -1);
	}
	/* A count larger than the bytes could hold. */
	buf[5] = 0x7f;
	struct seen x = {0};
	assert_int_equal(kc_group_decode_subscription(buf, w.len, on_topic, &x), -1);
}

static void test_assignment_bytes(void **state)
{
	(void)state;
	/* version 0, one topic: "t" with partitions [0, 2], user_data null:
	 * 00 00 | 00 00 00 01 | 00 01 74 | 00 00 00 02 | 00 00 00 00 |
	 * 00 00 00 02 | ff ff ff ff */
	static const uint8_t want[] = {0, 0, 0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 2, 0, 0, 0, 0,
				       0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff};
	const struct kc_tp_offset tps[2] = {{"t", 0, -1}, {"t", 2, -1}};
	uint8_t buf[64];
	struct wire_writer w;
	wire_writer_init(&w, buf, sizeof buf);
	kc_group_encode_assignment(&w, tps, 2);
	assert_int_equal(w.len, sizeof want);
	assert_memory_equal(buf, want, sizeof want);
	struct seen s = {0};
	assert_int_equal(kc_group_decode_assignment(buf, w.len, on_part, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.parts[0], 0);
	assert_int_equal(s.parts[1], 2);
	/* Two topics interleaved are grouped by topic, in order of first sight. */
	const struct kc_tp_offset mixed[3] = {{"a", 1, -1}, {"b", 0, -1}, {"a", 0, -1}};
	wire_writer_init(&w, buf, sizeof buf);
	kc_group_encode_assignment(&w, mixed, 3);
	struct seen m = {0};
	assert_int_equal(kc_group_decode_assignment(buf, w.len, on_part, &m), 0);
	assert_int_equal(m.n, 3);
	assert_int_equal(m.parts[0], 1);
	assert_int_equal(m.parts[1], 0);
	assert_string_equal(m.topics[1], "a");
	assert_int_equal(m.parts[2], 0);
	assert_string_equal(m.topics[2], "b");
	/* An empty assignment (no bytes) is no partitions. */
	struct seen e = {0};
	assert_int_equal(kc_group_decode_assignment(buf, 0, on_part, &e), 0);
	assert_int_equal(e.n, 0);
	/* Every truncation of the first vector before its user data fails. */
	wire_writer_init(&w, buf, sizeof buf);
	kc_group_encode_assignment(&w, tps, 2);
	for (size_t n = 1; n < 21; n++) {
		struct seen x = {0};
		assert_int_equal(kc_group_decode_assignment(buf, n, on_part, &x), -1);
	}
	/* A partition count past the end. */
	buf[12] = 0x40;
	struct seen x = {0};
	assert_int_equal(kc_group_decode_assignment(buf, w.len, on_part, &x), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_range_assignor),
		cmocka_unit_test(test_subscription_bytes),
		cmocka_unit_test(test_assignment_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
