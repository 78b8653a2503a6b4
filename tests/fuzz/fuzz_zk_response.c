/*
 * libFuzzer target for broker/zk/zk_jute, client side: any byte string as
 * what the ZooKeeper client library reads from a server after the 4-byte
 * length. A response frame does not carry its op code (the client knows it
 * from the request it sent), so the first input byte stands for that
 * knowledge: 0 means the frame is the ConnectResponse, N > 0 that the
 * oldest pending request is OPS[(N - 1) % n]. Then, as zk_client.c reads a
 * frame: a ReplyHeader; xid -1 is a watch notification (WatcherEvent);
 * err 0 is followed by the op's response body (multi: its results).
 *
 * Every decoder must fail cleanly or succeed; a success must re-encode to
 * bytes that decode again and re-encode to themselves; the multi iterator
 * must walk exactly the results the decoder counted.
 *
 * `make fuzz` runs it; `make test` replays tests/fuzz/corpus/zk_response.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "broker/zk/zk_jute.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int32_t OPS[] = {
	ZK_OP_CREATE,	     ZK_OP_DELETE,   ZK_OP_EXISTS,	 ZK_OP_GET_DATA,
	ZK_OP_SET_DATA,	     ZK_OP_GET_ACL,  ZK_OP_SET_ACL,	 ZK_OP_GET_CHILDREN,
	ZK_OP_SYNC,	     ZK_OP_PING,     ZK_OP_GET_CHILDREN2, ZK_OP_CHECK,
	ZK_OP_MULTI,	     ZK_OP_CREATE2,  ZK_OP_CLOSE_SESSION, ZK_OP_SET_WATCHES,
};

static void encode_connect(struct wire_writer *w, const void *msg)
{
	zk_encode_connect_response(w, msg);
}

static void fuzz_connect(const uint8_t *p, size_t len)
{
	struct zk_connect_response c, again;
	if (zk_decode_connect_response(p, len, &c))
		return;
	size_t n1, n2;
	uint8_t *e1 = fuzz_encode(encode_connect, &c, &n1);
	check(zk_decode_connect_response(e1, n1, &again) == 0);
	check(again.session_id == c.session_id && again.timeout_ms == c.timeout_ms);
	check(memcmp(again.passwd, c.passwd, ZK_PASSWD_LEN) == 0);
	uint8_t *e2 = fuzz_encode(encode_connect, &again, &n2);
	check(n1 == n2 && memcmp(e1, e2, n1) == 0);
	free(e1);
	free(e2);
}

/* One reply frame as the client decodes it. */
struct reply {
	int32_t op; /* the pending request's op code */
	struct zk_reply_header h;
	struct zk_watcher_event event;
	struct zk_response resp;
	struct zk_multi_result *results;
	int32_t n_results;
};

static void encode_reply(struct wire_writer *w, const void *msg)
{
	const struct reply *r = msg;
	zk_encode_reply_header(w, &r->h);
	if (r->h.xid == ZK_XID_NOTIFICATION)
		zk_encode_watcher_event(w, &r->event);
	else if (r->h.err != ZOK)
		return;
	else if (r->op == ZK_OP_MULTI)
		zk_encode_multi_response(w, r->results, r->n_results);
	else
		zk_encode_response(w, &r->resp);
}

static int decode_multi(struct wire_reader *rd, struct reply *r, size_t len)
{
	struct zk_multi m;
	int rc = zk_decode_multi_response(rd, &m);
	if (rc)
		return rc;
	check(m.count >= 0 && (size_t)m.count <= len);
	r->results = calloc(m.count ? (size_t)m.count : 1, sizeof *r->results);
	check(r->results != NULL);
	struct wire_reader it;
	wire_reader_init(&it, m.raw, m.raw_len);
	while ((rc = zk_next_multi_result(&it, &r->results[r->n_results])) == 1)
		check(++r->n_results <= m.count);
	check(rc == 0 && r->n_results == m.count);
	return 0;
}

/* 0 when the whole frame decodes; the body is read only where the client
 * reads one. */
static int decode_reply(const uint8_t *p, size_t len, int32_t op, struct reply *r)
{
	struct wire_reader rd;
	memset(r, 0, sizeof *r);
	r->op = op;
	r->resp.type = op;
	wire_reader_init(&rd, p, len);
	int rc = zk_decode_reply_header(&rd, &r->h);
	if (rc)
		return rc;
	if (r->h.xid == ZK_XID_NOTIFICATION)
		rc = zk_decode_watcher_event(&rd, &r->event);
	else if (r->h.err != ZOK)
		rc = 0;
	else if (op == ZK_OP_MULTI)
		rc = decode_multi(&rd, r, len);
	else
		rc = zk_decode_response(&rd, op, &r->resp);
	return rc ? rc : zk_decode_end(&rd);
}

static void fuzz_reply(const uint8_t *p, size_t len, int32_t op)
{
	struct reply r, again;
	if (decode_reply(p, len, op, &r)) {
		free(r.results);
		return;
	}
	size_t n1, n2;
	uint8_t *e1 = fuzz_encode(encode_reply, &r, &n1);
	check(decode_reply(e1, n1, op, &again) == 0);
	check(again.h.xid == r.h.xid && again.h.zxid == r.h.zxid && again.h.err == r.h.err);
	check(again.n_results == r.n_results);
	uint8_t *e2 = fuzz_encode(encode_reply, &again, &n2);
	check(n1 == n2 && memcmp(e1, e2, n1) == 0);
	free(e1);
	free(e2);
	free(r.results);
	free(again.results);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	uint8_t *frame = malloc(size - 1 ? size - 1 : 1);
	check(frame != NULL);
	memcpy(frame, data + 1, size - 1);
	if (data[0] == 0)
		fuzz_connect(frame, size - 1);
	else
		fuzz_reply(frame, size - 1,
			   OPS[(data[0] - 1) % (sizeof OPS / sizeof OPS[0])]);
	free(frame);
	return 0;
}
