/*
 * kp_raft — the KRaft quorum RPCs (KIP-595) at the versions Kafka 3.7's
 * controllers use between themselves, byte-exact with Kafka 3.7's message
 * schemas: Vote 52 v0 (flexible), BeginQuorumEpoch 53 v0 and
 * EndQuorumEpoch 54 v0 (not flexible), DescribeQuorum 55 v0-1 (flexible)
 * Fetch 1 v13-16 with the KRaft fields (LastFetchedEpoch, ReplicaState,
 * and the DivergingEpoch / CurrentLeader / SnapshotId tags), and
 * FetchSnapshot 59 v0 (flexible; the codec only: ksim takes no snapshots
 * yet, docs/kraft.md).
 *
 * One partition per message. The schemas carry topic and partition arrays,
 * but KafkaRaftClient refuses any request that is not exactly one topic
 * with one partition (INVALID_REQUEST), so these structs hold that one
 * partition and the decoders reject other shapes with KP_RAFT_ESHAPE. The
 * array counts are still encoded, so the bytes are Kafka's.
 *
 * Fetch v13+ names topics by id; the metadata topic's id is Kafka's fixed
 * METADATA_TOPIC_ID (KP_RAFT_METADATA_TOPIC_ID). Fetch v16's top-level
 * NodeEndpoints tag is never written (a 3.7 controller does not fill it)
 * and is skipped when read; so are aborted transactions, which the metadata
 * log never has: an encoder writes none (an empty array, the schema's
 * default), a decoder counts them.
 *
 * Bodies only: the caller writes the request header (kp_header.h) first.
 * Decoded strings, bytes and arrays view the caller's frame (and arena)
 * and live as long as they do. No state, no allocation.
 */
#ifndef KSIM_KP_RAFT_H
#define KSIM_KP_RAFT_H

#include <stdbool.h>
#include <stdint.h>

#include "broker/codec/wire.h"
#include "broker/kp/kp_prim.h"

#define KP_RAFT_VOTE_VERSION 0
#define KP_RAFT_BEGIN_VERSION 0
#define KP_RAFT_END_VERSION 0
#define KP_RAFT_DESCRIBE_MAX_VERSION 1
#define KP_RAFT_FETCH_MIN_VERSION 13
#define KP_RAFT_FETCH_MAX_VERSION 16
#define KP_RAFT_FETCH_SNAPSHOT_VERSION 0

/* A message that is not one topic with one partition. */
#define KP_RAFT_ESHAPE (-20)

#define KP_RAFT_TOPIC "__cluster_metadata"

/* Kafka's Uuid.METADATA_TOPIC_ID: 00000000-0000-0000-0000-000000000001. */
extern const uint8_t KP_RAFT_METADATA_TOPIC_ID[16];

struct kp_raft_vote_request {
	struct kp_str cluster_id; /* nullable */
	struct kp_str topic;
	int32_t partition;
	int32_t candidate_epoch;
	int32_t candidate_id;
	int32_t last_offset_epoch;
	int64_t last_offset; /* the candidate's log end offset */
};

struct kp_raft_vote_response {
	int16_t error_code;
	struct kp_str topic;
	int32_t partition;
	int16_t partition_error;
	int32_t leader_id;
	int32_t leader_epoch;
	bool vote_granted;
};

/* BeginQuorumEpoch v0 and EndQuorumEpoch v0 requests (End adds successors). */
struct kp_raft_epoch_request {
	struct kp_str cluster_id; /* nullable */
	struct kp_str topic;
	int32_t partition;
	int32_t leader_id;
	int32_t leader_epoch;
	const int32_t *preferred_successors; /* End only */
	int32_t successor_count;
};

/* BeginQuorumEpoch v0 and EndQuorumEpoch v0 responses share one layout. */
struct kp_raft_epoch_response {
	int16_t error_code;
	struct kp_str topic;
	int32_t partition;
	int16_t partition_error;
	int32_t leader_id;
	int32_t leader_epoch;
};

struct kp_raft_describe_request {
	struct kp_str topic;
	int32_t partition;
};

struct kp_raft_replica_state {
	int32_t replica_id;
	int64_t log_end_offset;
	int64_t last_fetch_timestamp;     /* v1+, -1 unknown */
	int64_t last_caught_up_timestamp; /* v1+, -1 unknown */
};

struct kp_raft_describe_response {
	int16_t error_code;
	struct kp_str topic;
	int32_t partition;
	int16_t partition_error;
	int32_t leader_id;
	int32_t leader_epoch;
	int64_t high_watermark;
	const struct kp_raft_replica_state *voters;
	int32_t voter_count;
	const struct kp_raft_replica_state *observers;
	int32_t observer_count;
};

struct kp_raft_fetch_request {
	struct kp_str cluster_id; /* nullable, tagged (tag 0) */
	int32_t replica_id;       /* v13-14 a field, v15+ ReplicaState (tag 1) */
	int64_t replica_epoch;    /* v15+ only, -1 */
	int32_t max_wait_ms;
	int32_t min_bytes;
	int32_t max_bytes;
	int8_t isolation_level;
	int32_t session_id;
	int32_t session_epoch;
	uint8_t topic_id[16];
	int32_t partition;
	int32_t current_leader_epoch;
	int64_t fetch_offset;
	int32_t last_fetched_epoch;
	int64_t log_start_offset;
	int32_t partition_max_bytes;
	struct kp_str rack_id;
};

struct kp_raft_fetch_response {
	int32_t throttle_time_ms;
	int16_t error_code;
	int32_t session_id;
	uint8_t topic_id[16];
	int32_t partition;
	int16_t partition_error;
	int64_t high_watermark;
	int64_t last_stable_offset;
	int64_t log_start_offset;
	int32_t diverging_epoch; /* tag 0; -1 with end offset -1: absent */
	int64_t diverging_end_offset;
	int32_t current_leader_id; /* tag 1; -1 / -1: absent */
	int32_t current_leader_epoch;
	int64_t snapshot_end_offset; /* tag 2; -1 / -1: absent */
	int32_t snapshot_epoch;
	int32_t aborted_count; /* decoded: -1 null; encoded: always 0 */
	int32_t preferred_read_replica;
	struct kp_bytes records; /* nullable */
};

struct kp_raft_fetch_snapshot_request {
	struct kp_str cluster_id; /* nullable, tagged (tag 0) */
	int32_t replica_id;
	int32_t max_bytes;
	struct kp_str topic;
	int32_t partition;
	int32_t current_leader_epoch;
	int64_t snapshot_end_offset;
	int32_t snapshot_epoch;
	int64_t position;
};

struct kp_raft_fetch_snapshot_response {
	int32_t throttle_time_ms;
	int16_t error_code;
	struct kp_str topic;
	int32_t partition;
	int16_t partition_error;
	int64_t snapshot_end_offset;
	int32_t snapshot_epoch;
	int32_t current_leader_id; /* tag 0; -1 / -1: absent */
	int32_t current_leader_epoch;
	int64_t size;
	int64_t position;
	struct kp_bytes bytes; /* not nullable */
};

void kp_raft_encode_vote_request(struct wire_writer *w, const struct kp_raft_vote_request *m);
int kp_raft_decode_vote_request(struct wire_reader *r, struct kp_raft_vote_request *m);
void kp_raft_encode_vote_response(struct wire_writer *w, const struct kp_raft_vote_response *m);
int kp_raft_decode_vote_response(struct wire_reader *r, struct kp_raft_vote_response *m);

/* Begin (end = false) or End (end = true) QuorumEpoch v0. */
void kp_raft_encode_epoch_request(struct wire_writer *w, bool end,
                                  const struct kp_raft_epoch_request *m);
int kp_raft_decode_epoch_request(struct wire_reader *r, struct kp_arena *a, bool end,
                                 struct kp_raft_epoch_request *m);
void kp_raft_encode_epoch_response(struct wire_writer *w, const struct kp_raft_epoch_response *m);
int kp_raft_decode_epoch_response(struct wire_reader *r, struct kp_raft_epoch_response *m);

void kp_raft_encode_describe_request(struct wire_writer *w,
                                     const struct kp_raft_describe_request *m);
int kp_raft_decode_describe_request(struct wire_reader *r, struct kp_raft_describe_request *m);
void kp_raft_encode_describe_response(struct wire_writer *w, int16_t version,
                                      const struct kp_raft_describe_response *m);
int kp_raft_decode_describe_response(struct wire_reader *r, struct kp_arena *a, int16_t version,
                                     struct kp_raft_describe_response *m);

/* Fetch at `version` 13..16; another version sets KP_EVERSION. */
void kp_raft_encode_fetch_request(struct wire_writer *w, int16_t version,
                                  const struct kp_raft_fetch_request *m);
int kp_raft_decode_fetch_request(struct wire_reader *r, int16_t version,
                                 struct kp_raft_fetch_request *m);
void kp_raft_encode_fetch_response(struct wire_writer *w, int16_t version,
                                   const struct kp_raft_fetch_response *m);
int kp_raft_decode_fetch_response(struct wire_reader *r, int16_t version,
                                  struct kp_raft_fetch_response *m);

void kp_raft_encode_fetch_snapshot_request(struct wire_writer *w,
                                           const struct kp_raft_fetch_snapshot_request *m);
int kp_raft_decode_fetch_snapshot_request(struct wire_reader *r,
                                          struct kp_raft_fetch_snapshot_request *m);
void kp_raft_encode_fetch_snapshot_response(struct wire_writer *w,
                                            const struct kp_raft_fetch_snapshot_response *m);
int kp_raft_decode_fetch_snapshot_response(struct wire_reader *r,
                                           struct kp_raft_fetch_snapshot_response *m);

#endif
