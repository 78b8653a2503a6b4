/*
 * libFuzzer target for broker/zk/zk_jute, server side: any byte string as
 * what a ZooKeeper server reads from a client after the 4-byte length. The
 * first input byte chooses the frame kind, as the server's connection state
 * does: 0 a ConnectRequest (the first frame of a connection), anything else
 * a RequestHeader and the body its op code selects (multi, setWatches,
 * auth, or one of the path requests).
 *
 * Every decoder must fail cleanly or succeed. A success must re-encode to
 * bytes that decode again and re-encode to themselves (jute booleans decode
 * any non-zero byte as true, so the first encoding may differ from the input
 * there; from then on it is a fixed point), and the multi iterator must walk
 * exactly the ops the decoder counted.
 *
 * `make fuzz` runs it; `make test` replays tests/fuzz/corpus/zk_request.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "broker/zk/zk_jute.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void encode_connect(struct wire_writer *w, const void *msg)
{
	zk_encode_connect_request(w, msg);
}

static void fuzz_connect(const uint8_t *p, size_t len)
{
	struct zk_connect_request c, again;
	if (zk_decode_connect_request(p, len, &c))
		return;
	size_t n1, n2;
	uint8_t *e1 = fuzz_encode(encode_connect, &c, &n1);
	check(zk_decode_connect_request(e1, n1, &again) == 0);
	check(again.has_read_only == c.has_read_only && again.session_id == c.session_id);
	uint8_t *e2 = fuzz_encode(encode_connect, &again, &n2);
	check(n1 == n2 && memcmp(e1, e2, n1) == 0);
	free(e1);
	free(e2);
}

/* A header and body kept together so one encoder writes the whole frame. */
struct framed {
	struct zk_request_header h;
	struct zk_request q;
	struct zk_set_watches sw;
	struct zk_auth_packet auth;
	struct zk_request *ops;
	int32_t n_ops;
};

static void encode_framed(struct wire_writer *w, const void *msg)
{
	const struct framed *f = msg;
	zk_encode_request_header(w, &f->h);
	switch (f->h.type) {
	case ZK_OP_MULTI:
		zk_encode_multi_request(w, f->ops, f->n_ops);
		break;
	case ZK_OP_SET_WATCHES:
		zk_encode_set_watches(w, &f->sw);
		break;
	case ZK_OP_AUTH:
		zk_encode_auth_packet(w, &f->auth);
		break;
	default:
		zk_encode_request(w, &f->q);
	}
}

/* Decodes a header and its body into `f`; 0 when the whole frame is valid.
 * A multi's ops are copied into f->ops (views into `p`). */
static int decode_framed(const uint8_t *p, size_t len, struct framed *f)
{
	struct wire_reader r;
	memset(f, 0, sizeof *f);
	wire_reader_init(&r, p, len);
	if (zk_decode_request_header(&r, &f->h))
		return -1;
	int rc;
	if (f->h.type == ZK_OP_MULTI) {
		struct zk_multi m;
		rc = zk_decode_multi_request(&r, &m);
		if (rc == 0) {
			check(m.count >= 0 && (size_t)m.count <= len);
			f->ops = calloc(m.count ? (size_t)m.count : 1, sizeof *f->ops);
			check(f->ops != NULL);
			struct wire_reader it;
			wire_reader_init(&it, m.raw, m.raw_len);
			while ((rc = zk_next_multi_op(&it, &f->ops[f->n_ops])) == 1)
				check(++f->n_ops <= m.count);
			/* The decoder validated every op: the walk cannot fail. */
			check(rc == 0 && f->n_ops == m.count);
		}
	} else if (f->h.type == ZK_OP_SET_WATCHES) {
		rc = zk_decode_set_watches(&r, &f->sw);
	} else if (f->h.type == ZK_OP_AUTH) {
		rc = zk_decode_auth_packet(&r, &f->auth);
	} else {
		rc = zk_decode_request(&r, f->h.type, &f->q);
	}
	if (rc == 0)
		rc = zk_decode_end(&r);
	return rc;
}

static void fuzz_request(const uint8_t *p, size_t len)
{
	struct framed f, again;
	if (decode_framed(p, len, &f)) {
		free(f.ops);
		return;
	}
	size_t n1, n2;
	uint8_t *e1 = fuzz_encode(encode_framed, &f, &n1);
	check(decode_framed(e1, n1, &again) == 0);
	check(again.h.xid == f.h.xid && again.h.type == f.h.type);
	check(again.n_ops == f.n_ops);
	uint8_t *e2 = fuzz_encode(encode_framed, &again, &n2);
	check(n1 == n2 && memcmp(e1, e2, n1) == 0);
	free(e1);
	free(e2);
	free(f.ops);
	free(again.ops);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	/* An exact-size copy so that a read past the frame is caught. */
	uint8_t *frame = malloc(size - 1 ? size - 1 : 1);
	check(frame != NULL);
	memcpy(frame, data + 1, size - 1);
	if (data[0] == 0)
		fuzz_connect(frame, size - 1);
	else
		fuzz_request(frame, size - 1);
	free(frame);
	return 0;
}
