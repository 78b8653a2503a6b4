/*
 * Unit tests for broker/zk/zk_jute: byte-exact vectors worked out by hand
 * from ZooKeeper 3.8's zookeeper.jute (every int/long big-endian, buffer and
 * ustring = i32 length + bytes, vector = i32 count + items, boolean = one
 * byte), round trips, and malformed input (every prefix, random mutations).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "broker/zk/zk_jute.h"

/* ConnectRequest {protocolVersion 0, lastZxidSeen 0x100000005 (epoch 1,
 * counter 5), timeOut 30000, sessionId 0, passwd 16 zero bytes, readOnly
 * false}: 4 + 8 + 4 + 8 + (4 + 16) + 1 = 45 bytes, 49 with the frame. */
static const uint8_t connect_req[] = {
	0x00, 0x00, 0x00, 0x2d,				/* frame length 45 */
	0x00, 0x00, 0x00, 0x00,				/* protocolVersion 0 */
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x05, /* lastZxidSeen */
	0x00, 0x00, 0x75, 0x30,				/* timeOut 30000 = 0x7530 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* sessionId 0 */
	0x00, 0x00, 0x00, 0x10,				/* passwd length 16 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* passwd */
	0x00,						/* readOnly false */
};

/* ConnectResponse {protocolVersion 0, timeOut 30000, sessionId
 * 0x0123456789abcdef, passwd 0x00..0x0f, readOnly false}: 4 + 4 + 8 +
 * (4 + 16) + 1 = 37 bytes, the C client's 41 with the frame length. */
static const uint8_t connect_resp[] = {
	0x00, 0x00, 0x00, 0x25,				/* frame length 37 */
	0x00, 0x00, 0x00, 0x00,				/* protocolVersion */
	0x00, 0x00, 0x75, 0x30,				/* timeOut 30000 */
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, /* sessionId */
	0x00, 0x00, 0x00, 0x10,				/* passwd length 16 */
	0,    1,    2,    3,    4,	  5,	6,    7,    8, 9, 10, 11, 12, 13, 14, 15,
	0x00, /* readOnly */
};

/* RequestHeader {xid 1, type 1 (create)} + CreateRequest {path "/a",
 * data "x", acl [{perms 31, world:anyone}], flags 1 (ephemeral)}. */
static const uint8_t create_req[] = {
	0x00, 0x00, 0x00, 0x01,		    /* xid 1 */
	0x00, 0x00, 0x00, 0x01,		    /* type 1 = create */
	0x00, 0x00, 0x00, 0x02, '/',  'a',  /* path: length 2, "/a" */
	0x00, 0x00, 0x00, 0x01, 'x',	    /* data: length 1, "x" */
	0x00, 0x00, 0x00, 0x01,		    /* acl vector: 1 item */
	0x00, 0x00, 0x00, 0x1f,		    /* perms 31 = ALL */
	0x00, 0x00, 0x00, 0x05, 'w',  'o',  'r', 'l', 'd', /* scheme */
	0x00, 0x00, 0x00, 0x06, 'a',  'n',  'y', 'o', 'n', 'e', /* id */
	0x00, 0x00, 0x00, 0x01, /* flags 1 = ephemeral */
};

/* ReplyHeader {xid 1, zxid 0x100000006, err -101 = 0xffffff9b (ZNONODE)}. */
static const uint8_t reply_hdr[] = {
	0x00, 0x00, 0x00, 0x01,				/* xid */
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, /* zxid */
	0xff, 0xff, 0xff, 0x9b,				/* err -101 */
};

/* Stat with fields 1..11 in declaration order: czxid, mzxid, ctime, mtime
 * (longs), version, cversion, aversion (ints), ephemeralOwner (long),
 * dataLength, numChildren (ints), pzxid (long) = 6 * 8 + 5 * 4 = 68. */
static const uint8_t stat_bytes[ZK_STAT_SIZE] = {
	0, 0, 0, 0, 0, 0, 0, 1, /* czxid */
	0, 0, 0, 0, 0, 0, 0, 2, /* mzxid */
	0, 0, 0, 0, 0, 0, 0, 3, /* ctime */
	0, 0, 0, 0, 0, 0, 0, 4, /* mtime */
	0, 0, 0, 5,		/* version */
	0, 0, 0, 6,		/* cversion */
	0, 0, 0, 7,		/* aversion */
	0, 0, 0, 0, 0, 0, 0, 8, /* ephemeralOwner */
	0, 0, 0, 9,		/* dataLength */
	0, 0, 0, 10,		/* numChildren */
	0, 0, 0, 0, 0, 0, 0, 11, /* pzxid */
};

/* WatcherEvent {type 3 (NodeDataChanged), state 3 (SyncConnected), "/a"}. */
static const uint8_t watcher_event[] = {
	0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x02, '/', 'a',
};

/* Multi body: create "/a" (empty data, open ACL, flags 0) then delete "/a"
 * version -1, each after MultiHeader {type, done false, err -1}, then the
 * terminator {-1, true, -1}. */
static const uint8_t multi_req[] = {
	0x00, 0x00, 0x00, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff, /* hdr: create */
	0x00, 0x00, 0x00, 0x02, '/',  'a',		      /* path */
	0x00, 0x00, 0x00, 0x00,				      /* data: empty */
	0x00, 0x00, 0x00, 0x01,				      /* 1 ACL */
	0x00, 0x00, 0x00, 0x1f,				      /* perms 31 */
	0x00, 0x00, 0x00, 0x05, 'w',  'o',  'r',  'l',	'd',  /* scheme */
	0x00, 0x00, 0x00, 0x06, 'a',  'n',  'y',  'o',	'n',  'e', /* id */
	0x00, 0x00, 0x00, 0x00,				      /* flags 0 */
	0x00, 0x00, 0x00, 0x02, 0x00, 0xff, 0xff, 0xff, 0xff, /* hdr: delete */
	0x00, 0x00, 0x00, 0x02, '/',  'a',		      /* path */
	0xff, 0xff, 0xff, 0xff,				      /* version -1 */
	0xff, 0xff, 0xff, 0xff, 0x01, 0xff, 0xff, 0xff, 0xff, /* terminator */
};

/* The same multi failing on the delete with ZNONODE (-101 = 0xffffff9b):
 * the create reports ErrorResponse 0 (rolled back), the delete its code;
 * each result is MultiHeader {-1, false, err} + ErrorResponse {err}. */
static const uint8_t multi_fail_resp[] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, /* hdr: error, err 0 */
	0x00, 0x00, 0x00, 0x00,				      /* ErrorResponse 0 */
	0xff, 0xff, 0xff, 0xff, 0x00, 0xff, 0xff, 0xff, 0x9b, /* hdr: error, -101 */
	0xff, 0xff, 0xff, 0x9b,				      /* ErrorResponse */
	0xff, 0xff, 0xff, 0xff, 0x01, 0xff, 0xff, 0xff, 0xff, /* terminator */
};

static const struct zk_acl open_acl = {ZK_PERM_ALL, {"world", 5}, {"anyone", 6}};

static struct zk_str S(const char *s) { return zk_str_from_cstr(s); }

static void test_connect_request_vector(void **state)
{
	uint8_t pw[ZK_PASSWD_LEN] = {0};
	struct zk_connect_request c = {0, 0x100000005LL, 30000, 0, {pw, 16}, true, false};
	uint8_t buf[64];
	struct wire_writer w;
	wire_writer_init(&w, buf, sizeof buf);
	wire_put_i32(&w, 0); /* frame length, patched below as a caller would */
	zk_encode_connect_request(&w, &c);
	wire_patch_u32(&w, 0, (uint32_t)(w.len - 4));
	assert_int_equal(w.err, 0);
	assert_int_equal(w.len, 49);
	assert_memory_equal(buf, connect_req, sizeof connect_req);

	struct zk_connect_request d;
	assert_int_equal(zk_decode_connect_request(connect_req + 4, 45, &d), 0);
	assert_true(d.last_zxid_seen == 0x100000005LL);
	assert_int_equal(d.timeout_ms, 30000);
	assert_int_equal(d.passwd.len, 16);
	assert_true(d.has_read_only);
	assert_false(d.read_only);
	/* A pre-3.3 client stops after passwd: 44 bytes, still valid. */
	assert_int_equal(zk_decode_connect_request(connect_req + 4, 44, &d), 0);
	assert_false(d.has_read_only);
	/* A byte past readOnly is not a ConnectRequest. */
	uint8_t longer[46];
	memcpy(longer, connect_req + 4, 45);
	longer[45] = 0;
	assert_int_equal(zk_decode_connect_request(longer, 46, &d), WIRE_EINVAL);
}

static void test_connect_response_vector(void **state)
{
	struct zk_connect_response c = {0, 30000, 0x0123456789abcdefLL, {0}, true, false};
	for (int i = 0; i < ZK_PASSWD_LEN; i++)
		c.passwd[i] = (uint8_t)i;
	uint8_t buf[64];
	struct wire_writer w;
	wire_writer_init(&w, buf, sizeof buf);
	wire_put_i32(&w, 37);
	zk_encode_connect_response(&w, &c);
	assert_int_equal(w.len, 41);
	assert_memory_equal(buf, connect_resp, sizeof connect_resp);

	struct zk_connect_response d;
	assert_int_equal(zk_decode_connect_response(connect_resp + 4, 37, &d), 0);
	assert_true(d.session_id == 0x0123456789abcdefLL);
	assert_memory_equal(d.passwd, c.passwd, ZK_PASSWD_LEN);
	assert_int_equal(zk_decode_connect_response(connect_resp + 4, 36, &d), 0);
	assert_false(d.has_read_only);
	/* A password that is not 16 bytes is refused. */
	uint8_t bad[37];
	memcpy(bad, connect_resp + 4, 37);
	bad[19] = 15;
	assert_int_equal(zk_decode_connect_response(bad, 36, &d), WIRE_EINVAL);
}

static void test_create_request_vector(void **state)
{
	struct zk_request q = {.type = ZK_OP_CREATE, .path = S("/a"),
			       .data = {(const uint8_t *)"x", 1},
			       .acl = {1, &open_acl, NULL, 0}, .flags = ZK_CREATE_EPHEMERAL};
	struct zk_request_header h = {1, ZK_OP_CREATE};
	uint8_t buf[128];
	struct wire_writer w;
	wire_writer_init(&w, buf, sizeof buf);
	zk_encode_request_header(&w, &h);
	zk_encode_request(&w, &q);
	assert_int_equal(w.err, 0);
	assert_int_equal(w.len, sizeof create_req);
	assert_memory_equal(buf, create_req, sizeof create_req);

	struct wire_reader r;
	struct zk_request_header dh;
	struct zk_request d;
	wire_reader_init(&r, create_req, sizeof create_req);
	assert_int_equal(zk_decode_request_header(&r, &dh), 0);
	assert_int_equal(dh.type, ZK_OP_CREATE);
	assert_int_equal(zk_decode_request(&r, dh.type, &d), 0);
	assert_int_equal(zk_decode_end(&r), 0);
	assert_true(zk_str_equal(d.path, S("/a")));
	assert_int_equal(d.data.len, 1);
	assert_int_equal(d.flags, 1);
	assert_int_equal(d.acl.count, 1);
	struct wire_reader it;
	struct zk_acl acl;
	zk_vec_iter(&it, d.acl.raw, d.acl.raw_len);
	assert_int_equal(zk_next_acl(&it, &acl), 1);
	assert_int_equal(acl.perms, 31);
	assert_true(zk_str_equal(acl.scheme, S("world")));
	assert_true(zk_str_equal(acl.id, S("anyone")));
	assert_int_equal(zk_next_acl(&it, &acl), 0);

	/* Re-encoding the decoded view (raw ACL bytes) gives the same body. */
	wire_writer_init(&w, buf, sizeof buf);
	zk_encode_request(&w, &d);
	assert_int_equal(w.len, sizeof create_req - 8);
	assert_memory_equal(buf, create_req + 8, w.len);
}

static void test_headers_stat_event_vectors(void **state)
{
	uint8_t buf[128];
	struct wire_writer w;
	struct wire_reader r;
	struct zk_reply_header h = {1, 0x100000006LL, ZNONODE}, dh;
	wire_writer_init(&w, buf, sizeof buf);
	zk_encode_reply_header(&w, &h);
	assert_int_equal(w.len, 16);
	assert_memory_equal(buf, reply_hdr, 16);
	wire_reader_init(&r, reply_hdr, 16);
	assert_int_equal(zk_decode_reply_header(&r, &dh), 0);
	assert_int_equal(dh.err, ZNONODE);
	assert_true(dh.zxid == 0x100000006LL);

	struct zk_stat s = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, ds;
	wire_writer_init(&w, buf, sizeof buf);
	zk_encode_stat(&w, &s);
	assert_int_equal(w.len, ZK_STAT_SIZE);
	assert_memory_equal(buf, stat_bytes, ZK_STAT_SIZE);
	wire_reader_init(&r, stat_bytes, ZK_STAT_SIZE);
	assert_int_equal(zk_decode_stat(&r, &ds), 0);
	/* Field by field: the struct has padding. */
	assert_true(ds.czxid == 1 && ds.mzxid == 2 && ds.ctime == 3 && ds.mtime == 4);
	assert_true(ds.version == 5 && ds.cversion == 6 && ds.aversion == 7);
	assert_true(ds.ephemeral_owner == 8 && ds.data_length == 9 && ds.num_children == 10);
	assert_true(ds.pzxid == 11);

	struct zk_watcher_event e = {ZK_EVENT_CHANGED, ZK_STATE_SYNC_CONNECTED, S("/a")}, de;
	wire_writer_init(&w, buf, sizeof buf);
	zk_encode_watcher_event(&w, &e);
	assert_int_equal(w.len, sizeof watcher_event);
	assert_memory_equal(buf, watcher_event, sizeof watcher_event);
	wire_reader_init(&r, watcher_event, sizeof watcher_event);
	assert_int_equal(zk_decode_watcher_event(&r, &de), 0);
	assert_int_equal(de.type, 3);
	assert_true(zk_str_equal(de.path, S("/a")));
}

static void test_multi_vectors(void **state)
{
	struct zk_request ops[2] = {
		{.type = ZK_OP_CREATE, .path = S("/a"), .data = {(const uint8_t *)"", 0},
		 .acl = {1, &open_acl, NULL, 0}, .flags = 0},
		{.type = ZK_OP_DELETE, .path = S("/a"), .version = -1},
	};
	uint8_t buf[256];
	struct wire_writer w;
	wire_writer_init(&w, buf, sizeof buf);
	zk_encode_multi_request(&w, ops, 2);
	assert_int_equal(w.err, 0);
	assert_int_equal(w.len, sizeof multi_req);
	assert_memory_equal(buf, multi_req, sizeof multi_req);

	struct wire_reader r, it;
	struct zk_multi m;
	struct zk_request op;
	wire_reader_init(&r, multi_req, sizeof multi_req);
	assert_int_equal(zk_decode_multi_request(&r, &m), 0);
	assert_int_equal(zk_decode_end(&r), 0);
	assert_int_equal(m.count, 2);
	zk_vec_iter(&it, m.raw, m.raw_len);
	assert_int_equal(zk_next_multi_op(&it, &op), 1);
	assert_int_equal(op.type, ZK_OP_CREATE);
	assert_int_equal(op.data.len, 0);
	assert_int_equal(zk_next_multi_op(&it, &op), 1);
	assert_int_equal(op.type, ZK_OP_DELETE);
	assert_int_equal(op.version, -1);
	assert_int_equal(zk_next_multi_op(&it, &op), 0);

	struct zk_multi_result res[2] = {{ZK_OP_ERROR, ZOK, {NULL, -1}, {0}},
					 {ZK_OP_ERROR, ZNONODE, {NULL, -1}, {0}}};
	wire_writer_init(&w, buf, sizeof buf);
	zk_encode_multi_response(&w, res, 2);
	assert_int_equal(w.len, sizeof multi_fail_resp);
	assert_memory_equal(buf, multi_fail_resp, sizeof multi_fail_resp);
	struct zk_multi_result dr;
	wire_reader_init(&r, multi_fail_resp, sizeof multi_fail_resp);
	assert_int_equal(zk_decode_multi_response(&r, &m), 0);
	assert_int_equal(m.count, 2);
	zk_vec_iter(&it, m.raw, m.raw_len);
	assert_int_equal(zk_next_multi_result(&it, &dr), 1);
	assert_int_equal(dr.err, ZOK);
	assert_int_equal(zk_next_multi_result(&it, &dr), 1);
	assert_int_equal(dr.err, ZNONODE);
	assert_int_equal(zk_next_multi_result(&it, &dr), 0);
}

/* Every response layout survives encode -> decode with the same values. */
static void test_response_round_trips(void **state)
{
	const struct zk_str kids[] = {S("a"), S("bb")};
	const int32_t types[] = {ZK_OP_CREATE,	     ZK_OP_CREATE2, ZK_OP_EXISTS, ZK_OP_SET_DATA,
				 ZK_OP_GET_DATA,     ZK_OP_GET_CHILDREN, ZK_OP_GET_CHILDREN2,
				 ZK_OP_SYNC,	     ZK_OP_DELETE, ZK_OP_GET_ACL, ZK_OP_SET_ACL,
				 ZK_OP_PING,	     ZK_OP_CLOSE_SESSION, ZK_OP_SET_WATCHES};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		struct zk_response s = {types[i], S("/x"), {(const uint8_t *)"dd", 2},
					{1, 2, 3, 4, 5, 6, 7, 8, 2, 2, 9}, {2, kids, NULL, 0},
					{1, &open_acl, NULL, 0}};
		uint8_t buf[256];
		struct wire_writer w;
		struct wire_reader r;
		struct zk_response d;
		wire_writer_init(&w, buf, sizeof buf);
		zk_encode_response(&w, &s);
		assert_int_equal(w.err, 0);
		wire_reader_init(&r, buf, w.len);
		assert_int_equal(zk_decode_response(&r, types[i], &d), 0);
		assert_int_equal(zk_decode_end(&r), 0);
		uint8_t again[256];
		struct wire_writer w2;
		wire_writer_init(&w2, again, sizeof again);
		zk_encode_response(&w2, &d);
		assert_int_equal(w2.len, w.len);
		assert_memory_equal(again, buf, w.len);
	}
	/* getChildren2 spelled out: count 2, "a", "bb", then the stat. */
	struct zk_response s = {ZK_OP_GET_CHILDREN, {0}, {0}, {0}, {2, kids, NULL, 0}, {0}};
	uint8_t buf[64];
	struct wire_writer w;
	wire_writer_init(&w, buf, sizeof buf);
	zk_encode_response(&w, &s);
	const uint8_t want[] = {0, 0, 0, 2, 0, 0, 0, 1, 'a', 0, 0, 0, 2, 'b', 'b'};
	assert_int_equal(w.len, sizeof want);
	assert_memory_equal(buf, want, sizeof want);
}

/* Every request layout survives encode -> decode -> encode unchanged, and
 * an op code without a layout is refused both ways. */
static void test_request_round_trips(void **state)
{
	const int32_t types[] = {ZK_OP_CREATE,	 ZK_OP_CREATE2,	     ZK_OP_DELETE,
				 ZK_OP_EXISTS,	 ZK_OP_GET_DATA,     ZK_OP_SET_DATA,
				 ZK_OP_GET_ACL,	 ZK_OP_SET_ACL,	     ZK_OP_GET_CHILDREN,
				 ZK_OP_SYNC,	 ZK_OP_PING,	     ZK_OP_GET_CHILDREN2,
				 ZK_OP_CHECK,	 ZK_OP_CLOSE_SESSION};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		struct zk_request q = {types[i], S("/p/q"), {(const uint8_t *)"abc", 3},
				       {1, &open_acl, NULL, 0}, 3, 17, true};
		uint8_t buf[256], again[256];
		struct wire_writer w, w2;
		struct wire_reader r;
		struct zk_request d;
		wire_writer_init(&w, buf, sizeof buf);
		zk_encode_request(&w, &q);
		assert_int_equal(w.err, 0);
		wire_reader_init(&r, buf, w.len);
		assert_int_equal(zk_decode_request(&r, types[i], &d), 0);
		assert_int_equal(zk_decode_end(&r), 0);
		wire_writer_init(&w2, again, sizeof again);
		zk_encode_request(&w2, &d);
		assert_int_equal(w2.len, w.len);
		assert_memory_equal(again, buf, w.len);
	}
	struct zk_request bad = {.type = 55};
	uint8_t buf[16];
	struct wire_writer w;
	struct wire_reader r;
	wire_writer_init(&w, buf, sizeof buf);
	zk_encode_request(&w, &bad);
	assert_int_equal(w.err, WIRE_EINVAL);
	wire_reader_init(&r, buf, 0);
	assert_int_equal(zk_decode_request(&r, 55, &bad), WIRE_EINVAL);
}

/* More hand-derived vectors: a getData with watch, a notification, a
 * SetWatches and an AuthPacket. */
static void test_more_vectors(void **state)
{
	uint8_t buf[128];
	struct wire_writer w;
	struct wire_reader r;

	/* RequestHeader {xid 2, type 4} + GetDataRequest {"/a", watch true}. */
	const uint8_t get_data[] = {0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 2, '/', 'a', 0x01};
	struct zk_request_header h = {2, ZK_OP_GET_DATA};
	struct zk_request q = {.type = ZK_OP_GET_DATA, .path = S("/a"), .watch = true};
	wire_writer_init(&w, buf, sizeof buf);
	zk_encode_request_header(&w, &h);
	zk_encode_request(&w, &q);
	assert_int_equal(w.len, sizeof get_data);
	assert_memory_equal(buf, get_data, sizeof get_data);

	/* ReplyHeader {xid -1, zxid -1, err 0} + WatcherEvent {1 created, 3
	 * SyncConnected, "/a"}. */
	const uint8_t notify[] = {0xff, 0xff, 0xff, 0xff,			  /* xid -1 */
				  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* zxid -1 */
				  0,	0,    0,    0,				  /* err 0 */
				  0,	0,    0,    1,	  0, 0, 0, 3, 0, 0, 0, 2, '/', 'a'};
	struct zk_watcher_event e = {ZK_EVENT_CREATED, ZK_STATE_SYNC_CONNECTED, S("/a")};
	wire_writer_init(&w, buf, sizeof buf);
	zk_encode_notification(&w, &e);
	assert_int_equal(w.len, sizeof notify);
	assert_memory_equal(buf, notify, sizeof notify);

	/* SetWatches {relativeZxid 5, data ["/a"], exist [], child []}. */
	const uint8_t set_watches[] = {0, 0, 0, 0, 0, 0, 0, 5,	     /* relativeZxid */
				       0, 0, 0, 1, 0, 0, 0, 2, '/', 'a', /* data */
				       0, 0, 0, 0,			     /* exist */
				       0, 0, 0, 0};			     /* child */
	const struct zk_str one[] = {S("/a")};
	struct zk_set_watches sw = {5, {1, one, NULL, 0}, {0, NULL, NULL, 0}, {0, NULL, NULL, 0}};
	wire_writer_init(&w, buf, sizeof buf);
	zk_encode_set_watches(&w, &sw);
	assert_int_equal(w.len, sizeof set_watches);
	assert_memory_equal(buf, set_watches, sizeof set_watches);
	struct zk_set_watches dsw;
	struct zk_str p;
	wire_reader_init(&r, set_watches, sizeof set_watches);
	assert_int_equal(zk_decode_set_watches(&r, &dsw), 0);
	assert_int_equal(zk_decode_end(&r), 0);
	assert_int_equal(dsw.data.count, 1);
	assert_int_equal(dsw.child.count, 0);
	struct wire_reader it;
	zk_vec_iter(&it, dsw.data.raw, dsw.data.raw_len);
	assert_int_equal(zk_next_str(&it, &p), 1);
	assert_true(zk_str_equal(p, S("/a")));
	assert_int_equal(zk_next_str(&it, &p), 0);

	/* AuthPacket {type 0, scheme "digest", auth "u:p"}. */
	const uint8_t auth[] = {0, 0, 0, 0, 0, 0, 0, 6, 'd', 'i', 'g', 'e', 's', 't',
				0, 0, 0, 3, 'u', ':', 'p'};
	struct zk_auth_packet a = {0, S("digest"), {(const uint8_t *)"u:p", 3}}, da;
	wire_writer_init(&w, buf, sizeof buf);
	zk_encode_auth_packet(&w, &a);
	assert_int_equal(w.len, sizeof auth);
	assert_memory_equal(buf, auth, sizeof auth);
	wire_reader_init(&r, auth, sizeof auth);
	assert_int_equal(zk_decode_auth_packet(&r, &da), 0);
	assert_true(zk_str_equal(da.scheme, S("digest")));
	assert_int_equal(da.auth.len, 3);
}

/* A null buffer is length -1; anything below -1 is refused. */
static void test_null_and_negative_lengths(void **state)
{
	const uint8_t null_buf[] = {0xff, 0xff, 0xff, 0xff};
	const uint8_t neg_buf[] = {0xff, 0xff, 0xff, 0xfe};
	struct wire_reader r;
	struct zk_buf b;
	wire_reader_init(&r, null_buf, 4);
	assert_int_equal(zk_get_buf(&r, &b), 0);
	assert_int_equal(b.len, -1);
	assert_null(b.p);
	wire_reader_init(&r, neg_buf, 4);
	assert_int_equal(zk_get_buf(&r, &b), WIRE_EINVAL);
	struct zk_str_vec v;
	wire_reader_init(&r, null_buf, 4);
	assert_int_equal(zk_decode_str_vec(&r, &v), 0);
	assert_int_equal(v.count, -1);
	/* A count far beyond the bytes present fails at once. */
	const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0};
	wire_reader_init(&r, huge, sizeof huge);
	assert_int_equal(zk_decode_str_vec(&r, &v), WIRE_ESHORT);

	uint8_t buf[8];
	struct wire_writer w;
	wire_writer_init(&w, buf, sizeof buf);
	zk_put_buf(&w, (struct zk_buf){NULL, -1});
	assert_memory_equal(buf, null_buf, 4);
}

/* Decodes `p` as the given kind of message; 0 or an error. */
enum kind { K_CONNECT_REQ, K_CONNECT_RESP, K_CREATE, K_MULTI_REQ, K_MULTI_RESP, K_EVENT };

static int decode_as(enum kind k, const uint8_t *p, size_t len, size_t *reencoded)
{
	struct wire_reader r;
	uint8_t out[512];
	struct wire_writer w;
	wire_writer_init(&w, out, sizeof out);
	wire_reader_init(&r, p, len);
	int rc;
	switch (k) {
	case K_CONNECT_REQ: {
		struct zk_connect_request c;
		rc = zk_decode_connect_request(p, len, &c);
		if (!rc)
			zk_encode_connect_request(&w, &c);
		break;
	}
	case K_CONNECT_RESP: {
		struct zk_connect_response c;
		rc = zk_decode_connect_response(p, len, &c);
		if (!rc)
			zk_encode_connect_response(&w, &c);
		break;
	}
	case K_CREATE: {
		struct zk_request_header h;
		struct zk_request q;
		if (!zk_decode_request_header(&r, &h) && !zk_decode_request(&r, h.type, &q))
			zk_decode_end(&r);
		rc = r.err;
		if (!rc) {
			zk_encode_request_header(&w, &h);
			zk_encode_request(&w, &q);
		}
		break;
	}
	case K_MULTI_REQ:
	case K_MULTI_RESP: {
		struct zk_multi m;
		struct wire_reader it;
		if (k == K_MULTI_REQ)
			zk_decode_multi_request(&r, &m);
		else
			zk_decode_multi_response(&r, &m);
		rc = zk_decode_end(&r);
		if (!rc && k == K_MULTI_REQ) {
			struct zk_request ops[64];
			int32_t n = 0;
			zk_vec_iter(&it, m.raw, m.raw_len);
			while (n < 64 && zk_next_multi_op(&it, &ops[n]) > 0)
				n++;
			assert_int_equal(n, m.count);
			zk_encode_multi_request(&w, ops, n);
		} else if (!rc) {
			struct zk_multi_result res[64];
			int32_t n = 0;
			zk_vec_iter(&it, m.raw, m.raw_len);
			while (n < 64 && zk_next_multi_result(&it, &res[n]) > 0)
				n++;
			assert_int_equal(n, m.count);
			zk_encode_multi_response(&w, res, n);
		}
		break;
	}
	case K_EVENT:
	default: {
		struct zk_watcher_event e;
		if (!zk_decode_watcher_event(&r, &e))
			zk_decode_end(&r);
		rc = r.err;
		if (!rc)
			zk_encode_watcher_event(&w, &e);
	}
	}
	*reencoded = w.len;
	return rc;
}

struct vector {
	enum kind kind;
	const uint8_t *p;
	size_t len;
	size_t optional_tail; /* a prefix this much shorter is still valid */
};

static const struct vector vectors[] = {
	{K_CONNECT_REQ, connect_req + 4, sizeof connect_req - 4, 1},
	{K_CONNECT_RESP, connect_resp + 4, sizeof connect_resp - 4, 1},
	{K_CREATE, create_req, sizeof create_req, 0},
	{K_MULTI_REQ, multi_req, sizeof multi_req, 0},
	{K_MULTI_RESP, multi_fail_resp, sizeof multi_fail_resp, 0},
	{K_EVENT, watcher_event, sizeof watcher_event, 0},
};

/* Every strict prefix of every vector is an error (except the documented
 * optional readOnly byte), and the whole vector decodes. */
static void test_every_prefix_fails(void **state)
{
	for (size_t v = 0; v < sizeof vectors / sizeof vectors[0]; v++) {
		const struct vector *x = &vectors[v];
		size_t n;
		assert_int_equal(decode_as(x->kind, x->p, x->len, &n), 0);
		assert_int_equal(n, x->len);
		for (size_t len = 0; len < x->len; len++) {
			int rc = decode_as(x->kind, x->p, len, &n);
			if (x->optional_tail && len == x->len - x->optional_tail)
				assert_int_equal(rc, 0);
			else
				assert_true(rc < 0);
		}
	}
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Deterministic random mutations: no crash, no overread (Valgrind and ASan
 * watch), and whatever decodes re-encodes to the same length. */
static void test_random_mutations(void **state)
{
	uint64_t seed = 0x5eed2026;
	int rounds = getenv("KSIM_UNDER_VALGRIND") ? 3000 : 30000;
	int accepted = 0, refused = 0;
	for (int i = 0; i < rounds; i++) {
		size_t nvec = sizeof vectors / sizeof vectors[0];
		const struct vector *x = &vectors[rng_next(&seed) % nvec];
		uint8_t buf[256];
		size_t len = x->len;
		memcpy(buf, x->p, len);
		int flips = 1 + (int)(rng_next(&seed) % 4);
		for (int f = 0; f < flips; f++)
			buf[rng_next(&seed) % len] = (uint8_t)rng_next(&seed);
		if (rng_next(&seed) % 4 == 0)
			len = rng_next(&seed) % (len + 1);
		/* Copy into an exact-size heap block so an overread is caught. */
		uint8_t *p = malloc(len ? len : 1);
		memcpy(p, buf, len);
		size_t n;
		if (decode_as(x->kind, p, len, &n) == 0) {
			assert_int_equal(n, len);
			accepted++;
		} else {
			refused++;
		}
		free(p);
	}
	/* The loop reached both the decoders' success and failure paths. */
	assert_true(accepted > rounds / 20);
	assert_true(refused > rounds / 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_request_vector),
		cmocka_unit_test(test_connect_response_vector),
		cmocka_unit_test(test_create_request_vector),
		cmocka_unit_test(test_headers_stat_event_vectors),
		cmocka_unit_test(test_multi_vectors),
		cmocka_unit_test(test_response_round_trips),
		cmocka_unit_test(test_request_round_trips),
		cmocka_unit_test(test_more_vectors),
		cmocka_unit_test(test_null_and_negative_lengths),
		cmocka_unit_test(test_every_prefix_fails),
		cmocka_unit_test(test_random_mutations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
