/*
 * raft_record — the KRaft control records in Kafka's layouts: a control
 * batch (attributes bit 5, producer id -1) holding one record whose key is
 * version i16 (0) + type i16 and whose value is version i16 (0) followed
 * by the flexible message:
 *  - LeaderChange (type 2): LeaderId i32, Voters and GrantingVoters as
 *    compact arrays of {VoterId i32, tagged fields}, tagged fields;
 *  - SnapshotHeader (type 3): Version i16 (0), LastContainedLogTimestamp
 *    i64, tagged fields;
 *  - SnapshotFooter (type 4): Version i16 (0), tagged fields.
 * Pure encoders and one decoder; nothing here allocates.
 */
#ifndef KSIM_RAFT_RECORD_H
#define KSIM_RAFT_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "broker/codec/wire.h"
#include "broker/log/record_batch.h"

enum raft_control_type {
	RAFT_CONTROL_LEADER_CHANGE = 2,
	RAFT_CONTROL_SNAPSHOT_HEADER = 3,
	RAFT_CONTROL_SNAPSHOT_FOOTER = 4,
};

/* Writes a LeaderChange value into out (at most cap bytes); returns the
 * size it needs (write nothing when larger than cap). */
size_t raft_leader_change_value(uint8_t *out, size_t cap, int32_t leader, const int32_t *voters,
                                int32_t nvoters, const int32_t *granting, int32_t ngranting);
/* SnapshotHeader value (13 bytes) and SnapshotFooter value (5 bytes). */
size_t raft_snapshot_header_value(uint8_t out[13], int64_t last_contained_timestamp);
size_t raft_snapshot_footer_value(uint8_t out[5]);

/* A decoded LeaderChange (voter arrays copied, at most 16 each). */
struct raft_leader_change {
	int32_t leader;
	int32_t voters[16];
	int32_t nvoters;
	int32_t granting[16];
	int32_t ngranting;
};
/* RB_OK or RB_ERECORD. */
int raft_decode_leader_change(const struct rb_bytes *value, struct raft_leader_change *out);

/*
 * Encodes a control batch with one control record (type, value) at the
 * writer: base offset 0 (the log assigns it), producer id / epoch /
 * sequence -1, create time `timestamp`. Returns rb_encode_batch's result.
 */
int raft_encode_control_batch(struct wire_writer *w, int16_t type, const uint8_t *value,
                              size_t value_len, int64_t timestamp);

#endif
