/*
 * zk_jute — ZooKeeper's client-server wire format (jute, as ZooKeeper 3.8's
 * zookeeper.jute defines it), for both the server side (decode requests,
 * encode responses) and the client side (encode requests, decode responses).
 *
 * Framing: every ZooKeeper packet on the wire is a big-endian i32 length
 * followed by that many payload bytes. The caller (the env delivers whole
 * frames) strips or writes that 4-byte prefix; every function here works on
 * the payload after it.
 *
 * Jute primitives: int = i32, long = i64, boolean = 1 byte (non-zero is
 * true when decoding, 0 or 1 when encoding), buffer and ustring = i32 length
 * + bytes with length -1 meaning null, vector = i32 count + items with -1
 * meaning null. All big-endian, through broker/codec/wire.
 *
 * Ownership: nothing here allocates. Decoders fill caller structs whose
 * strings, buffers and vectors are VIEWS into the input bytes: a `zk_str`
 * is a pointer and a length, NOT NUL-terminated, and it is valid only while
 * the input buffer is. Vectors are decoded as a validated raw view (`raw`,
 * `raw_len`, `count`) and walked with an iterator; encoders take either such
 * a raw view or a caller array (`items`). Encoders write into a caller
 * `wire_writer`, which keeps counting past its capacity so a caller can size
 * a buffer with a first pass.
 *
 * Errors: decoders return 0 or a negative `wire_error` (WIRE_ESHORT for
 * truncated input, WIRE_EINVAL for a value jute forbids, such as a length
 * below -1). They read through a `wire_reader` so a caller can chain a
 * header and a body; `zk_decode_end` then insists the frame was consumed.
 * Encoders set the writer's sticky `err` (WIRE_EOVERFLOW, or WIRE_EINVAL for
 * an unencodable value) and return nothing.
 */
#ifndef KSIM_ZK_JUTE_H
#define KSIM_ZK_JUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/codec/wire.h"

/* The session password is always exactly this long (ConnectResponse). */
#define ZK_PASSWD_LEN 16
/* Bytes of an encoded Stat: 6 longs and 5 ints. */
#define ZK_STAT_SIZE 68

/* Op codes (ZooDefs.OpCode). */
enum zk_op {
	ZK_OP_NOTIFICATION = 0,
	ZK_OP_CREATE = 1,
	ZK_OP_DELETE = 2,
	ZK_OP_EXISTS = 3,
	ZK_OP_GET_DATA = 4,
	ZK_OP_SET_DATA = 5,
	ZK_OP_GET_ACL = 6,
	ZK_OP_SET_ACL = 7,
	ZK_OP_GET_CHILDREN = 8,
	ZK_OP_SYNC = 9,
	ZK_OP_PING = 11,
	ZK_OP_GET_CHILDREN2 = 12,
	ZK_OP_CHECK = 13,
	ZK_OP_MULTI = 14,
	ZK_OP_CREATE2 = 15,
	ZK_OP_AUTH = 100,
	ZK_OP_SET_WATCHES = 101,
	ZK_OP_CREATE_SESSION = -10,
	ZK_OP_CLOSE_SESSION = -11,
	ZK_OP_ERROR = -1,
};

/* Error codes (KeeperException.Code / the C client's ZOO_ERRORS). */
enum zk_err {
	ZOK = 0,
	ZSYSTEMERROR = -1,
	ZRUNTIMEINCONSISTENCY = -2,
	ZDATAINCONSISTENCY = -3,
	ZCONNECTIONLOSS = -4,
	ZMARSHALLINGERROR = -5,
	ZUNIMPLEMENTED = -6,
	ZOPERATIONTIMEOUT = -7,
	ZBADARGUMENTS = -8,
	ZINVALIDSTATE = -9,
	ZAPIERROR = -100,
	ZNONODE = -101,
	ZNOAUTH = -102,
	ZBADVERSION = -103,
	ZNOCHILDRENFOREPHEMERALS = -108,
	ZNODEEXISTS = -110,
	ZNOTEMPTY = -111,
	ZSESSIONEXPIRED = -112,
	ZINVALIDCALLBACK = -113,
	ZINVALIDACL = -114,
	ZAUTHFAILED = -115,
	ZCLOSING = -116,
	ZNOTHING = -117,
	ZSESSIONMOVED = -118,
	ZNOTREADONLY = -119,
};

/* CreateRequest.flags (CreateMode): bit 0 ephemeral, bit 1 sequential. */
enum zk_create_flag {
	ZK_CREATE_PERSISTENT = 0,
	ZK_CREATE_EPHEMERAL = 1,
	ZK_CREATE_SEQUENTIAL = 2,
	ZK_CREATE_EPHEMERAL_SEQUENTIAL = 3,
};

/* WatcherEvent.type (Watcher.Event.EventType). */
enum zk_event_type {
	ZK_EVENT_NONE = -1,
	ZK_EVENT_CREATED = 1,
	ZK_EVENT_DELETED = 2,
	ZK_EVENT_CHANGED = 3,
	ZK_EVENT_CHILD = 4,
};

/* WatcherEvent.state (Watcher.Event.KeeperState). */
enum zk_state {
	ZK_STATE_DISCONNECTED = 0,
	ZK_STATE_SYNC_CONNECTED = 3,
	ZK_STATE_AUTH_FAILED = 4,
	ZK_STATE_CONNECTED_READONLY = 5,
	ZK_STATE_EXPIRED = -112,
	ZK_STATE_CLOSED = 7,
};

/* Reserved xids: the server's notifications and the client's special requests. */
enum zk_xid {
	ZK_XID_NOTIFICATION = -1,
	ZK_XID_PING = -2,
	ZK_XID_AUTH = -4,
	ZK_XID_SET_WATCHES = -8,
};

/* ACL permission bits; 31 is ZooDefs.Perms.ALL. */
enum zk_perm {
	ZK_PERM_READ = 1,
	ZK_PERM_WRITE = 2,
	ZK_PERM_CREATE = 4,
	ZK_PERM_DELETE = 8,
	ZK_PERM_ADMIN = 16,
	ZK_PERM_ALL = 31,
};

/* A ustring view: `len` bytes at `p`, not NUL-terminated; len -1 is null. */
struct zk_str {
	const char *p;
	int32_t len;
};

/* A buffer view: `len` bytes at `p`; len -1 is null. */
struct zk_buf {
	const uint8_t *p;
	int32_t len;
};

struct zk_acl {
	int32_t perms;
	struct zk_str scheme;
	struct zk_str id;
};

/*
 * A vector of ustrings or of ACLs. count -1 is a null vector. Decoders set
 * `raw`/`raw_len` (the encoded items, already validated) and leave `items`
 * NULL; encoders use `items` when it is set and copy `raw` otherwise.
 */
struct zk_str_vec {
	int32_t count;
	const struct zk_str *items;
	const uint8_t *raw;
	size_t raw_len;
};

struct zk_acl_vec {
	int32_t count;
	const struct zk_acl *items;
	const uint8_t *raw;
	size_t raw_len;
};

struct zk_stat {
	int64_t czxid;
	int64_t mzxid;
	int64_t ctime;
	int64_t mtime;
	int32_t version;
	int32_t cversion;
	int32_t aversion;
	int64_t ephemeral_owner;
	int32_t data_length;
	int32_t num_children;
	int64_t pzxid;
};

struct zk_connect_request {
	int32_t protocol_version;
	int64_t last_zxid_seen;
	int32_t timeout_ms;
	int64_t session_id;
	struct zk_buf passwd;
	/* Clients before 3.3 stop after passwd; `has_read_only` says whether
	 * the byte was present (decode) or is to be written (encode). */
	bool has_read_only;
	bool read_only;
};

struct zk_connect_response {
	int32_t protocol_version;
	int32_t timeout_ms;
	int64_t session_id;
	uint8_t passwd[ZK_PASSWD_LEN];
	bool has_read_only;
	bool read_only;
};

struct zk_request_header {
	int32_t xid;
	int32_t type;
};

struct zk_reply_header {
	int32_t xid;
	int64_t zxid;
	int32_t err;
};

struct zk_watcher_event {
	int32_t type;
	int32_t state;
	struct zk_str path;
};

/*
 * One request body struct for every path-based request; each op uses the
 * fields zookeeper.jute gives it, in this order on the wire:
 *   create / create2:          path, data, acl, flags
 *   delete / check:            path, version
 *   setData:                   path, data, version
 *   exists / getData /
 *   getChildren(2):            path, watch
 *   sync / getACL:             path
 *   setACL:                    path, acl, version
 * Unused fields are ignored by encoders and zeroed by decoders.
 */
struct zk_request {
	int32_t type; /* an enum zk_op, chooses the layout */
	struct zk_str path;
	struct zk_buf data;
	struct zk_acl_vec acl;
	int32_t flags;
	int32_t version;
	bool watch;
};

struct zk_set_watches {
	int64_t relative_zxid;
	struct zk_str_vec data;
	struct zk_str_vec exist;
	struct zk_str_vec child;
};

/*
 * One response body struct for every reply; the op chooses the layout:
 *   create:                    path
 *   create2:                   path, stat
 *   exists / setData:          stat
 *   getData:                   data, stat
 *   getChildren:               children
 *   getChildren2:              children, stat
 *   sync:                      path
 *   getACL:                    acl, stat
 *   setACL:                    stat
 *   delete / check / ping /
 *   closeSession / setWatches: empty
 * A reply whose ReplyHeader.err is not ZOK has no body (except multi, whose
 * header err is 0 and whose results carry the errors).
 */
struct zk_response {
	int32_t type;
	struct zk_str path;
	struct zk_buf data;
	struct zk_stat stat;
	struct zk_str_vec children;
	struct zk_acl_vec acl;
};

/* AuthPacket (xid -4, op 100): type (always 0), scheme, auth bytes. */
struct zk_auth_packet {
	int32_t type;
	struct zk_str scheme;
	struct zk_buf auth;
};

/*
 * A multi request: a validated raw view of the ops between the header and
 * the terminator. Walk it with zk_multi_iter/zk_multi_next_op. Ops are
 * create, create2, delete, setData and check (as `struct zk_request`).
 */
struct zk_multi {
	int32_t count;
	const uint8_t *raw;
	size_t raw_len;
};

/* One result of a multi response: `type` is the op code, or ZK_OP_ERROR
 * with `err` the code (ZOK for ops rolled back before the failing one). */
struct zk_multi_result {
	int32_t type;
	int32_t err;
	struct zk_str path;  /* create, create2 */
	struct zk_stat stat; /* create2, setData */
};

/* Builds a zk_str view of a NUL-terminated C string (NULL gives null). */
struct zk_str zk_str_from_cstr(const char *s);
/* Bytewise equality of two views (two nulls are equal). */
bool zk_str_equal(struct zk_str a, struct zk_str b);

/* Primitives. Decoders return 0 or a wire_error; see the file comment. */
int zk_get_bool(struct wire_reader *r, bool *out);
int zk_get_buf(struct wire_reader *r, struct zk_buf *out);
int zk_get_str(struct wire_reader *r, struct zk_str *out);
void zk_put_bool(struct wire_writer *w, bool v);
void zk_put_buf(struct wire_writer *w, struct zk_buf b);
void zk_put_str(struct wire_writer *w, struct zk_str s);
/* Fails with WIRE_EINVAL unless the reader is error-free and fully consumed. */
int zk_decode_end(struct wire_reader *r);

/* Vectors: decode validates every item; iterate with a reader over `raw`. */
int zk_decode_str_vec(struct wire_reader *r, struct zk_str_vec *out);
int zk_decode_acl_vec(struct wire_reader *r, struct zk_acl_vec *out);
void zk_encode_str_vec(struct wire_writer *w, const struct zk_str_vec *v);
void zk_encode_acl_vec(struct wire_writer *w, const struct zk_acl_vec *v);
/* Starts an iteration over a decoded (raw) vector or multi. */
void zk_vec_iter(struct wire_reader *it, const uint8_t *raw, size_t raw_len);
/* Next item: 1 when one was read, 0 at the end, <0 on malformed input. */
int zk_next_str(struct wire_reader *it, struct zk_str *out);
int zk_next_acl(struct wire_reader *it, struct zk_acl *out);

int zk_decode_stat(struct wire_reader *r, struct zk_stat *out);
void zk_encode_stat(struct wire_writer *w, const struct zk_stat *s);

/* Handshake. The request decoder accepts the body with or without the
 * trailing readOnly byte and insists the frame ends there. The response
 * decoder requires a 16-byte password and accepts a missing readOnly. */
int zk_decode_connect_request(const uint8_t *p, size_t len, struct zk_connect_request *out);
void zk_encode_connect_request(struct wire_writer *w, const struct zk_connect_request *c);
int zk_decode_connect_response(const uint8_t *p, size_t len, struct zk_connect_response *out);
void zk_encode_connect_response(struct wire_writer *w, const struct zk_connect_response *c);

/* The op's name as ZooKeeper's OpCode spells it ("getData", "ping"), or
 * "unknown" for a code it does not define. Static string. */
const char *zk_op_name(int32_t op);

int zk_decode_request_header(struct wire_reader *r, struct zk_request_header *out);
void zk_encode_request_header(struct wire_writer *w, const struct zk_request_header *h);
int zk_decode_reply_header(struct wire_reader *r, struct zk_reply_header *out);
void zk_encode_reply_header(struct wire_writer *w, const struct zk_reply_header *h);
int zk_decode_watcher_event(struct wire_reader *r, struct zk_watcher_event *out);
void zk_encode_watcher_event(struct wire_writer *w, const struct zk_watcher_event *e);

/* A watch notification: ReplyHeader {xid -1, zxid -1, err 0} (what a 3.8
 * server sends) followed by the WatcherEvent. */
void zk_encode_notification(struct wire_writer *w, const struct zk_watcher_event *e);

int zk_decode_auth_packet(struct wire_reader *r, struct zk_auth_packet *out);
void zk_encode_auth_packet(struct wire_writer *w, const struct zk_auth_packet *a);

/*
 * Request bodies by op code (`type`): the ops listed at struct zk_request,
 * plus ping and closeSession (empty). Multi and setWatches have their own
 * functions. Returns WIRE_EINVAL for any other op code.
 */
int zk_decode_request(struct wire_reader *r, int32_t type, struct zk_request *out);
void zk_encode_request(struct wire_writer *w, const struct zk_request *q);
int zk_decode_set_watches(struct wire_reader *r, struct zk_set_watches *out);
void zk_encode_set_watches(struct wire_writer *w, const struct zk_set_watches *s);

/* Response bodies by op code, as listed at struct zk_response. */
int zk_decode_response(struct wire_reader *r, int32_t type, struct zk_response *out);
void zk_encode_response(struct wire_writer *w, const struct zk_response *s);
int zk_decode_error_response(struct wire_reader *r, int32_t *err);
void zk_encode_error_response(struct wire_writer *w, int32_t err);

/*
 * Multi request: decode validates every op up to the {-1, true, -1}
 * terminator (an op code other than create, create2, delete, setData or
 * check is WIRE_EINVAL). Encode writes each op with MultiHeader
 * {type, false, -1} and then the terminator.
 */
int zk_decode_multi_request(struct wire_reader *r, struct zk_multi *out);
void zk_encode_multi_request(struct wire_writer *w, const struct zk_request *ops, int32_t n);
/* Next op of a decoded multi: 1, 0 at the end, <0 on malformed input. */
int zk_next_multi_op(struct wire_reader *it, struct zk_request *out);

/*
 * Multi response: per op MultiHeader {type, false, err} + its result
 * (ErrorResponse {err} for ZK_OP_ERROR), then {-1, true, -1}.
 */
int zk_decode_multi_response(struct wire_reader *r, struct zk_multi *out);
void zk_encode_multi_response(struct wire_writer *w, const struct zk_multi_result *res,
			      int32_t n);
int zk_next_multi_result(struct wire_reader *it, struct zk_multi_result *out);

#endif
