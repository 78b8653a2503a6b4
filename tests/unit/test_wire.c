/* Unit tests for broker/codec/wire: byte order, varints, sticky errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "broker/codec/wire.h"

static void test_big_endian_round_trip(void **state)
{
	uint8_t buf[32];
	struct wire_writer w;
	wire_writer_init(&w, buf, sizeof buf);
	wire_put_i16(&w, -2);
	wire_put_i32(&w, 0x01020304);
	wire_put_i64(&w, -1);
	assert_int_equal(w.err, WIRE_OK);
	assert_int_equal(w.len, 14);
	const uint8_t want[] = {0xff, 0xfe, 1, 2, 3, 4, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	assert_memory_equal(buf, want, sizeof want);

	struct wire_reader r;
	wire_reader_init(&r, buf, w.len);
	assert_int_equal(wire_get_i16(&r), -2);
	assert_int_equal(wire_get_i32(&r), 0x01020304);
	assert_true(wire_get_i64(&r) == -1);
	assert_int_equal(r.err, WIRE_OK);
	assert_int_equal(wire_remaining(&r), 0);
}

/* Vectors from the protobuf / Kafka varint definitions: zig-zag maps
 * 0,-1,1,-2,2 to 0,1,2,3,4, and 300 is 0xac 0x02 as an unsigned varint. */
static void test_varint_vectors(void **state)
{
	uint8_t buf[16];
	struct wire_writer w;
	wire_writer_init(&w, buf, sizeof buf);
	wire_put_uvarint(&w, 300);
	wire_put_varint(&w, -1);
	wire_put_varint(&w, 2);
	wire_put_varlong(&w, INT64_MIN);
	const uint8_t want[] = {0xac, 0x02, 0x01, 0x04, 0xff, 0xff, 0xff, 0xff, 0xff,
				0xff, 0xff, 0xff, 0xff, 0x01};
	assert_int_equal(w.len, sizeof want);
	assert_memory_equal(buf, want, sizeof want);
	assert_int_equal(wire_uvarint_size(300), 2);
	assert_int_equal(wire_varlong_size(INT64_MIN), 10);

	struct wire_reader r;
	wire_reader_init(&r, buf, w.len);
	assert_int_equal(wire_get_uvarint32(&r), 300);
	assert_int_equal(wire_get_varint(&r), -1);
	assert_int_equal(wire_get_varint(&r), 2);
	assert_true(wire_get_varlong(&r) == INT64_MIN);
	assert_int_equal(r.err, WIRE_OK);
}

static void test_errors_are_sticky(void **state)
{
	const uint8_t short_input[] = {0x00, 0x01, 0x02};
	struct wire_reader r;
	wire_reader_init(&r, short_input, sizeof short_input);
	assert_int_equal(wire_get_i32(&r), 0);
	assert_int_equal(r.err, WIRE_ESHORT);
	assert_int_equal(wire_get_u8(&r), 0); /* sticky: nothing more is read */
	assert_null(wire_get_bytes(&r, 1));

	const uint8_t long_varint[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
	wire_reader_init(&r, long_varint, sizeof long_varint);
	wire_get_uvarint32(&r);
	assert_int_equal(r.err, WIRE_EVARINT);

	uint8_t small[2];
	struct wire_writer w;
	wire_writer_init(&w, small, sizeof small);
	wire_put_i32(&w, 7);
	wire_put_i16(&w, 7);
	assert_int_equal(w.err, WIRE_EOVERFLOW);
	assert_int_equal(w.len, 6); /* still counts what was needed */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_big_endian_round_trip),
		cmocka_unit_test(test_varint_vectors),
		cmocka_unit_test(test_errors_are_sticky),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
