/*
 * Unit tests for reports/rpt_diagram: sequence diagrams from fake frames
 * whose bytes are worked out by hand from the protocols' headers. Every SVG
 * goes through the strict well-formedness check of test_xml_check.h; the
 * labels must pair responses with their requests (Kafka by correlation id,
 * ZooKeeper by xid, per connection, even when the request came before the
 * window), lanes must exist only for nodes seen in the window, faults are
 * drawn on their lanes, and the cap on arrows must be said.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reports/rpt_diagram.h"
#include "tests/unit/test_xml_check.h"

#define S 1000000000LL

/*
 * A Produce v3 request header (request header v1, Produce is flexible only
 * from v9): api_key 0 = 00 00, api_version 3 = 00 03, correlation_id 42 =
 * 00 00 00 2a, client_id "p1" = 00 02 70 31; then a few body bytes that the
 * diagram does not read.
 */
static const uint8_t produce_req[] = {0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x2a,
				      0x00, 0x02, 0x70, 0x31, 0xff, 0xff};
/* Its response: response header v0 is the correlation id alone (42), then
 * the body. */
static const uint8_t produce_resp[] = {0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x01};
/* A Metadata v1 request (api_key 3 = 00 03, version 1, correlation id 7,
 * null client_id = ff ff). */
static const uint8_t metadata_req[] = {0x00, 0x03, 0x00, 0x01, 0x00, 0x00,
				       0x00, 0x07, 0xff, 0xff};
static const uint8_t metadata_resp[] = {0x00, 0x00, 0x00, 0x07};
/* ZooKeeper: a session's first frame (ConnectRequest: protocolVersion 0,
 * lastZxidSeen 0, ... : its contents do not matter), then RequestHeader
 * {xid 5 = 00 00 00 05, type getData 4 = 00 00 00 04} + path, then
 * ReplyHeader {xid 5, zxid 0x10, err 0}. */
static const uint8_t zk_connect[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
static const uint8_t zk_get[] = {0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x04,
				 0x00, 0x00, 0x00, 0x01, 0x2f, 0x00};
static const uint8_t zk_reply[] = {0x00, 0x00, 0x00, 0x05, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0};

static char *svg_of(const struct rpt_diagram *d)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	assert_non_null(f);
	assert_int_equal(rpt_diagram_write_svg(f, d), 0);
	assert_int_equal(fclose(f), 0);
	assert_xml(buf);
	return buf;
}

static struct rpt_diagram *diagram(void)
{
	struct rpt_diagram *d = rpt_diagram_new(10 * S, 12 * S);
	rpt_diagram_port(d, 9092, RPT_PROTO_KAFKA);
	rpt_diagram_port(d, 2181, RPT_PROTO_ZK);
	return d;
}

static void test_three_frames(void **state)
{
	struct rpt_diagram *d = diagram();
	rpt_diagram_frame(d, 10 * S + 1, "producer-1", "broker-1", 7, true, 9092, produce_req,
			  sizeof produce_req);
	rpt_diagram_frame(d, 10 * S + 2, "broker-1", "producer-1", 7, false, 9092, produce_resp,
			  sizeof produce_resp);
	rpt_diagram_frame(d, 10 * S + 3, "broker-1", "zk-1", 9, true, 2181, zk_connect,
			  sizeof zk_connect);
	assert_int_equal(rpt_diagram_arrows(d), 3);
	char *svg = svg_of(d);
	assert_non_null(strstr(svg, ">Produce</text>"));
	assert_non_null(strstr(svg, ">Produce response</text>"));
	assert_non_null(strstr(svg, ">connect</text>"));
	/* One lane each, in the order clients, brokers, ZooKeeper. */
	const char *p = strstr(svg, ">producer-1</text>"), *b = strstr(svg, ">broker-1</text>"),
		   *z = strstr(svg, ">zk-1</text>");
	assert_true(p && b && z);
	assert_int_equal(strstr(p + 1, ">producer-1</text>") == NULL, 1);
	assert_non_null(strstr(svg, "messages from 10.000000 s to 12.000000 s"));
	assert_null(strstr(svg, "capped"));
	free(svg);
	rpt_diagram_free(d);
}

static void test_pairing_across_window(void **state)
{
	struct rpt_diagram *d = diagram();
	/* Before the window: a request, the session's opening; neither drawn. */
	rpt_diagram_frame(d, 9 * S, "consumer-9", "broker-2", 3, true, 9092, metadata_req,
			  sizeof metadata_req);
	rpt_diagram_frame(d, 1 * S, "broker-2", "zk-2", 4, true, 2181, zk_connect,
			  sizeof zk_connect);
	rpt_diagram_frame(d, 1 * S + 1, "zk-2", "broker-2", 4, false, 2181, zk_connect,
			  sizeof zk_connect);
	/* In it: the answer, and a ZooKeeper request and reply. */
	rpt_diagram_frame(d, 10 * S + 5, "broker-2", "consumer-9", 3, false, 9092, metadata_resp,
			  sizeof metadata_resp);
	rpt_diagram_frame(d, 10 * S + 6, "broker-2", "zk-2", 4, true, 2181, zk_get,
			  sizeof zk_get);
	rpt_diagram_frame(d, 10 * S + 7, "zk-2", "broker-2", 4, false, 2181, zk_reply,
			  sizeof zk_reply);
	/* After it: ignored. */
	rpt_diagram_frame(d, 13 * S, "late-node", "broker-2", 3, true, 9092, metadata_req,
			  sizeof metadata_req);
	/* An answer on another connection with the same id is not paired. */
	rpt_diagram_frame(d, 11 * S, "broker-2", "consumer-9", 99, false, 9092, metadata_resp,
			  sizeof metadata_resp);
	char *svg = svg_of(d);
	assert_non_null(strstr(svg, ">Metadata response</text>"));
	assert_non_null(strstr(svg, ">getData</text>"));
	assert_non_null(strstr(svg, ">getData response</text>"));
	assert_non_null(strstr(svg, ">Kafka response</text>"));
	assert_null(strstr(svg, ">connect</text>"));
	assert_null(strstr(svg, "late-node"));
	assert_int_equal(rpt_diagram_arrows(d), 4);
	free(svg);
	rpt_diagram_free(d);
}

static void test_faults_and_escaping(void **state)
{
	struct rpt_diagram *d = diagram();
	const char *const who[] = {"broker-<1>&\"x\""};
	rpt_diagram_fault(d, 10 * S + 10, "power-loss", who, 1, false);
	rpt_diagram_fault(d, 11 * S, "restart", who, 1, true);
	rpt_diagram_fault(d, 11 * S + 1, "heal", NULL, 0, true);
	rpt_diagram_fault(d, 20 * S, "kill", who, 1, false); /* outside: not drawn */
	/* Malformed frames still get an arrow and a label, and nothing breaks. */
	uint8_t junk[] = {0xff};
	rpt_diagram_frame(d, 10 * S + 11, "producer-1", "broker-<1>&\"x\"", 1, true, 9092, junk,
			  sizeof junk);
	rpt_diagram_frame(d, 10 * S + 12, "x", "y", 2, true, 5555, junk, sizeof junk);
	char *svg = svg_of(d);
	assert_non_null(strstr(svg, ">broker-&lt;1&gt;&amp;&quot;x&quot;</text>"));
	assert_non_null(strstr(svg, ">power-loss</text>"));
	assert_non_null(strstr(svg, ">restart</text>"));
	assert_non_null(strstr(svg, ">heal</text>"));
	assert_null(strstr(svg, ">kill</text>"));
	assert_non_null(strstr(svg, ">Kafka request (1 bytes)</text>"));
	assert_non_null(strstr(svg, ">1 bytes</text>"));
	free(svg);
	rpt_diagram_free(d);
}

static void test_cap(void **state)
{
	struct rpt_diagram *d = diagram();
	for (int i = 0; i < RPT_DIAGRAM_MAX_ARROWS + 3; i++)
		rpt_diagram_frame(d, 10 * S + i, "producer-1", "broker-1", 7, true, 9092,
				  produce_req, sizeof produce_req);
	assert_int_equal(rpt_diagram_arrows(d), RPT_DIAGRAM_MAX_ARROWS);
	assert_int_equal(rpt_diagram_left_out(d), 3);
	char *svg = svg_of(d);
	assert_non_null(strstr(svg, "capped: showing the first 400 messages; 3 more"));
	free(svg);
	rpt_diagram_free(d);
}

static void test_empty(void **state)
{
	struct rpt_diagram *d = diagram();
	char *svg = svg_of(d);
	assert_non_null(strstr(svg, "no message was delivered in this window"));
	free(svg);
	rpt_diagram_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_three_frames),
		cmocka_unit_test(test_pairing_across_window),
		cmocka_unit_test(test_faults_and_escaping),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
