/*
 * kp_message — any request or response this codec speaks, as one tagged
 * union each, with header + body encode and decode. Simulated clients
 * encode requests and decode responses through it; the broker decodes
 * requests (through kp_dispatch) and encodes responses.
 *
 * Versions: ApiVersions 0-3, Metadata 0-6, Produce 3-7, Fetch 4-11,
 * ListOffsets 1-3, InitProducerId 0-1, CreateTopics 0-4, FindCoordinator
 * 0-2, JoinGroup 0-5, SyncGroup 0-3, Heartbeat 0-3, LeaveGroup 0-2,
 * OffsetCommit 1-5, OffsetFetch 1-4: every version librdkafka 2.0.2,
 * kafka-python 2.0.2 and kafkajs 2.2.4 send to a broker that offers these
 * ranges (docs/broker.md has the table and what lies outside it); and the
 * inter-broker APIs of a ZooKeeper-mode cluster at one version each:
 * LeaderAndIsr 2, StopReplica 1, UpdateMetadata 5, ControlledShutdown 2,
 * OffsetForLeaderEpoch 3, ElectLeaders 1 (admin, to the controller)
 * and AlterPartition 0 (flexible). kp_api_supported_list is the table the
 * broker advertises in ApiVersions, so it can never offer a version this
 * codec does not decode.
 *
 * Frames: these functions see the bytes after the i32 size; kp_frame_begin
 * and kp_frame_end (kp_header.h) add it. Ownership: a decoded message views
 * the caller's frame and arena and is valid while both are; encoders only
 * read the caller's structs. No state, no allocation.
 */
#ifndef KSIM_KP_MESSAGE_H
#define KSIM_KP_MESSAGE_H

#include "broker/kp/kp_api_versions.h"
#include "broker/kp/kp_controlled_shutdown.h"
#include "broker/kp/kp_controller.h"
#include "broker/kp/kp_create_topics.h"
#include "broker/kp/kp_elect_leaders.h"
#include "broker/kp/kp_fetch.h"
#include "broker/kp/kp_group.h"
#include "broker/kp/kp_group_offsets.h"
#include "broker/kp/kp_header.h"
#include "broker/kp/kp_init_producer_id.h"
#include "broker/kp/kp_list_offsets.h"
#include "broker/kp/kp_metadata.h"
#include "broker/kp/kp_produce.h"
#include "broker/kp/kp_replica.h"

/* A request: the member of `body` named after header.api_key. */
struct kp_request {
	struct kp_request_header header;
	union {
		struct kp_api_versions_request api_versions;
		struct kp_metadata_request metadata;
		struct kp_produce_request produce;
		struct kp_fetch_request fetch;
		struct kp_list_offsets_request list_offsets;
		struct kp_init_producer_id_request init_producer_id;
		struct kp_create_topics_request create_topics;
		struct kp_find_coordinator_request find_coordinator;
		struct kp_join_group_request join_group;
		struct kp_sync_group_request sync_group;
		struct kp_heartbeat_request heartbeat;
		struct kp_leave_group_request leave_group;
		struct kp_offset_commit_request offset_commit;
		struct kp_offset_fetch_request offset_fetch;
		struct kp_leader_and_isr_request leader_and_isr;
		struct kp_update_metadata_request update_metadata;
		struct kp_stop_replica_request stop_replica;
		struct kp_controlled_shutdown_request controlled_shutdown;
		struct kp_elect_leaders_request elect_leaders;
		struct kp_offsets_for_leader_epoch_request offsets_for_leader_epoch;
		struct kp_alter_partition_request alter_partition;
	} body;
};

/* A response to (api_key, api_version): the member named after api_key. */
struct kp_response {
	int16_t api_key;
	int16_t api_version;
	int32_t correlation_id;
	union {
		struct kp_api_versions_response api_versions;
		struct kp_metadata_response metadata;
		struct kp_produce_response produce;
		struct kp_fetch_response fetch;
		struct kp_list_offsets_response list_offsets;
		struct kp_init_producer_id_response init_producer_id;
		struct kp_create_topics_response create_topics;
		struct kp_find_coordinator_response find_coordinator;
		struct kp_join_group_response join_group;
		struct kp_sync_group_response sync_group;
		struct kp_group_ack_response heartbeat;
		struct kp_group_ack_response leave_group;
		struct kp_offset_commit_response offset_commit;
		struct kp_offset_fetch_response offset_fetch;
		struct kp_partition_errors_response leader_and_isr;
		struct kp_update_metadata_response update_metadata;
		struct kp_partition_errors_response stop_replica;
		struct kp_controlled_shutdown_response controlled_shutdown;
		struct kp_elect_leaders_response elect_leaders;
		struct kp_offsets_for_leader_epoch_response offsets_for_leader_epoch;
		struct kp_alter_partition_response alter_partition;
	} body;
};

/* The versions of api_key this codec speaks: true and the inclusive range,
 * or false for an API it does not speak. */
bool kp_api_supported_range(int16_t api_key, int16_t *min_version, int16_t *max_version);
bool kp_api_supported(int16_t api_key, int16_t api_version);
/* Every (api_key, min, max) this codec speaks, in a fixed order; static. */
const struct kp_api_version_range *kp_api_supported_list(size_t *count);

/*
 * Decodes a request frame body. Returns 0, KP_EVERSION for an API or
 * version this codec does not speak (req->header then holds api_key,
 * api_version and correlation_id, read before anything else), or the first
 * decode error (short input, bad count, KP_EARENA, KP_ETRAILING).
 */
int kp_decode_request(const uint8_t *frame, size_t len, struct kp_arena *a,
		      struct kp_request *req);
/* Encodes request header and body at the version in req->header; a
 * version kp_api_supported refuses sets w->err to KP_EVERSION. */
void kp_encode_request(struct wire_writer *w, const struct kp_request *req);

/*
 * Decodes a response frame body to a request the caller sent at
 * (api_key, api_version). An ApiVersions answer that does not decode at the
 * version asked for is decoded at v0, the version brokers answer
 * UNSUPPORTED_VERSION with; resp->api_version says which version decoded.
 * Returns 0, KP_EVERSION for an unsupported (api_key, api_version), or the
 * first decode error.
 */
int kp_decode_response(const uint8_t *frame, size_t len, int16_t api_key, int16_t api_version,
		       struct kp_arena *a, struct kp_response *resp);
/* Encodes response header and body for (resp->api_key, resp->api_version);
 * an unsupported pair sets w->err to KP_EVERSION. */
void kp_encode_response(struct wire_writer *w, const struct kp_response *resp);

#endif
