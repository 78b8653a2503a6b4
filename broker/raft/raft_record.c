#include "broker/raft/raft_record.h"

#include <string.h>

static void put_voters(struct wire_writer *w, const int32_t *ids, int32_t n)
{
	wire_put_uvarint(w, (uint64_t)n + 1);
	for (int32_t i = 0; i < n; i++) {
		wire_put_i32(w, ids[i]);
		wire_put_u8(w, 0); /* the Voter struct's tagged fields */
	}
}

size_t raft_leader_change_value(uint8_t *out, size_t cap, int32_t leader, const int32_t *voters,
                                int32_t nvoters, const int32_t *granting, int32_t ngranting)
{
	struct wire_writer w;
	wire_writer_init(&w, out, cap);
	wire_put_i16(&w, 0); /* ControlRecordUtils: the value's version */
	wire_put_i32(&w, leader);
	put_voters(&w, voters, nvoters);
	put_voters(&w, granting, ngranting);
	wire_put_u8(&w, 0);
	return w.len;
}

size_t raft_snapshot_header_value(uint8_t out[13], int64_t last_contained_timestamp)
{
	struct wire_writer w;
	wire_writer_init(&w, out, 13);
	wire_put_i16(&w, 0); /* value version */
	wire_put_i16(&w, 0); /* SnapshotHeaderRecord.Version */
	wire_put_i64(&w, last_contained_timestamp);
	wire_put_u8(&w, 0);
	return w.len;
}

size_t raft_snapshot_footer_value(uint8_t out[5])
{
	struct wire_writer w;
	wire_writer_init(&w, out, 5);
	wire_put_i16(&w, 0);
	wire_put_i16(&w, 0); /* SnapshotFooterRecord.Version */
	wire_put_u8(&w, 0);
	return w.len;
}

static int32_t get_voters(struct wire_reader *r, int32_t *ids)
{
	uint32_t n = wire_get_uvarint32(r);
	if (r->err || n == 0 || n - 1 > 16) {
		wire_reader_fail(r, WIRE_EINVAL);
		return 0;
	}
	for (uint32_t i = 0; i + 1 < n && !r->err; i++) {
		ids[i] = wire_get_i32(r);
		if (wire_get_u8(r) != 0)
			wire_reader_fail(r, WIRE_EINVAL);
	}
	return (int32_t)n - 1;
}

int raft_decode_leader_change(const struct rb_bytes *value, struct raft_leader_change *out)
{
	if (!value->p)
		return RB_ERECORD;
	struct wire_reader r;
	wire_reader_init(&r, value->p, value->len);
	memset(out, 0, sizeof *out);
	if (wire_get_i16(&r) != 0 && !r.err)
		return RB_ERECORD;
	out->leader = wire_get_i32(&r);
	out->nvoters = get_voters(&r, out->voters);
	out->ngranting = get_voters(&r, out->granting);
	if (wire_get_u8(&r) != 0 || r.err || wire_remaining(&r))
		return RB_ERECORD;
	return RB_OK;
}

int raft_encode_control_batch(struct wire_writer *w, int16_t type, const uint8_t *value,
                              size_t value_len, int64_t timestamp)
{
	uint8_t key[4];
	rb_put_control_key(key, type);
	struct rb_record_spec rec = {
	    .key = {key, sizeof key},
	    .value = {value, value_len},
	};
	struct rb_batch_header h = {
	    .attributes = RB_ATTR_CONTROL,
	    .base_timestamp = timestamp,
	    .max_timestamp = timestamp,
	    .producer_id = -1,
	    .producer_epoch = -1,
	    .base_sequence = -1,
	};
	return rb_encode_batch(w, &h, &rec, 1);
}
