/*
 * Unit tests for broker/log/crc32c: the published check values, and every
 * entry of the slicing-by-8 tables against a bitwise reference.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "broker/log/crc32c.h"

/*
 * The definition itself, one bit at a time: reflected polynomial 0x82F63B78,
 * register preset to all ones, result complemented. Slow and obviously right,
 * so it is the oracle for the table-driven code.
 */
static uint32_t crc32c_bitwise(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ ((c & 1) ? 0x82f63b78u : 0);
	}
	return ~c;
}

/* The "check" value every CRC catalogue gives for CRC-32C. */
static void test_check_value(void **state)
{
	assert_int_equal(crc32c("123456789", 9), 0xe3069283u);
	assert_int_equal(crc32c_bitwise((const uint8_t *)"123456789", 9), 0xe3069283u);
	assert_int_equal(crc32c(NULL, 0), 0);
	assert_int_equal(crc32c("", 0), 0);
}

/*
 * RFC 3720 appendix B.4. The RFC prints each CRC as the four bytes sent on
 * the wire, least significant first, so "aa 36 91 8a" is 0x8a9136aa.
 */
static void test_rfc3720_vectors(void **state)
{
	uint8_t buf[48];

	memset(buf, 0, 32);
	assert_int_equal(crc32c(buf, 32), 0x8a9136aau); /* aa 36 91 8a */
	memset(buf, 0xff, 32);
	assert_int_equal(crc32c(buf, 32), 0x62a8ab43u); /* 43 ab a8 62 */
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	assert_int_equal(crc32c(buf, 32), 0x46dd794eu); /* 4e 79 dd 46 */
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)(31 - i);
	assert_int_equal(crc32c(buf, 32), 0x113fdb5cu); /* 5c db 3f 11 */

	/* The 48-byte iSCSI Read (10) command PDU of the same appendix. */
	const uint8_t pdu[48] = {
		0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
		0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	assert_int_equal(crc32c(pdu, sizeof pdu), 0xd9963a56u); /* 56 3a 96 d9 */
}

/*
 * Every table entry, exactly once per probe: an 8-byte message that is all
 * zero except byte j = v takes the fast path once, and byte j indexes table
 * 7 - j with v (xor 0xff for the first four bytes, which meet the preset
 * register), while the other seven lookups are at fixed indexes. As v runs
 * over 0..255 and j over 0..7, each of the 2048 entries is used by some probe
 * and a wrong entry changes that probe's result.
 */
static void test_every_table_entry(void **state)
{
	for (int j = 0; j < 8; j++) {
		for (int v = 0; v < 256; v++) {
			uint8_t m[8] = {0};
			m[j] = (uint8_t)v;
			assert_int_equal(crc32c(m, 8), crc32c_bitwise(m, 8));
		}
	}
}

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* Every length 0..300 at every alignment, and chaining at every split. */
static void test_lengths_alignments_and_chaining(void **state)
{
	uint8_t buf[320];
	uint64_t s = 0x9e3779b97f4a7c15u;
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)xorshift64(&s);

	for (size_t off = 0; off < 8; off++)
		for (size_t n = 0; n + off <= 308; n++)
			assert_int_equal(crc32c(buf + off, n), crc32c_bitwise(buf + off, n));

	uint32_t whole = crc32c(buf, 200);
	for (size_t cut = 0; cut <= 200; cut++) {
		uint32_t c = crc32c_update(0, buf, cut);
		assert_int_equal(crc32c_update(c, buf + cut, 200 - cut), whole);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_value),
		cmocka_unit_test(test_rfc3720_vectors),
		cmocka_unit_test(test_every_table_entry),
		cmocka_unit_test(test_lengths_alignments_and_chaining),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
