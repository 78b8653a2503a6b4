#include "broker/kp/kp_message.h"

#include <string.h>

/* Client APIs by key, then the inter-broker ones: the order the broker
 * advertises them in (brk_front). */
static const struct kp_api_version_range supported[] = {
	{KP_API_PRODUCE, KP_PRODUCE_MIN_VERSION, KP_PRODUCE_MAX_VERSION},
	{KP_API_FETCH, KP_FETCH_MIN_VERSION, KP_FETCH_MAX_VERSION},
	{KP_API_LIST_OFFSETS, KP_LIST_OFFSETS_MIN_VERSION, KP_LIST_OFFSETS_MAX_VERSION},
	{KP_API_METADATA, KP_METADATA_MIN_VERSION, KP_METADATA_MAX_VERSION},
	{KP_API_OFFSET_COMMIT, KP_OFFSET_COMMIT_MIN_VERSION, KP_OFFSET_COMMIT_MAX_VERSION},
	{KP_API_OFFSET_FETCH, KP_OFFSET_FETCH_MIN_VERSION, KP_OFFSET_FETCH_MAX_VERSION},
	{KP_API_FIND_COORDINATOR, KP_FIND_COORDINATOR_MIN_VERSION,
	 KP_FIND_COORDINATOR_MAX_VERSION},
	{KP_API_JOIN_GROUP, KP_JOIN_GROUP_MIN_VERSION, KP_JOIN_GROUP_MAX_VERSION},
	{KP_API_HEARTBEAT, KP_HEARTBEAT_MIN_VERSION, KP_HEARTBEAT_MAX_VERSION},
	{KP_API_LEAVE_GROUP, KP_LEAVE_GROUP_MIN_VERSION, KP_LEAVE_GROUP_MAX_VERSION},
	{KP_API_SYNC_GROUP, KP_SYNC_GROUP_MIN_VERSION, KP_SYNC_GROUP_MAX_VERSION},
	{KP_API_API_VERSIONS, 0, KP_API_VERSIONS_MAX_VERSION},
	{KP_API_CREATE_TOPICS, KP_CREATE_TOPICS_MIN_VERSION, KP_CREATE_TOPICS_MAX_VERSION},
	{KP_API_INIT_PRODUCER_ID, KP_INIT_PRODUCER_ID_MIN_VERSION,
	 KP_INIT_PRODUCER_ID_MAX_VERSION},
	{KP_API_ELECT_LEADERS, KP_ELECT_LEADERS_VERSION, KP_ELECT_LEADERS_VERSION},
	{KP_API_LEADER_AND_ISR, KP_LEADER_AND_ISR_VERSION, KP_LEADER_AND_ISR_VERSION},
	{KP_API_STOP_REPLICA, KP_STOP_REPLICA_VERSION, KP_STOP_REPLICA_VERSION},
	{KP_API_UPDATE_METADATA, KP_UPDATE_METADATA_VERSION, KP_UPDATE_METADATA_VERSION},
	{KP_API_CONTROLLED_SHUTDOWN, KP_CONTROLLED_SHUTDOWN_VERSION,
	 KP_CONTROLLED_SHUTDOWN_VERSION},
	{KP_API_OFFSETS_FOR_LEADER_EPOCH, KP_OFFSETS_FOR_LEADER_EPOCH_VERSION,
	 KP_OFFSETS_FOR_LEADER_EPOCH_VERSION},
	{KP_API_ALTER_PARTITION, KP_ALTER_PARTITION_VERSION, KP_ALTER_PARTITION_VERSION},
};

const struct kp_api_version_range *kp_api_supported_list(size_t *count)
{
	*count = sizeof supported / sizeof supported[0];
	return supported;
}

bool kp_api_supported_range(int16_t api_key, int16_t *min_version, int16_t *max_version)
{
	for (size_t i = 0; i < sizeof supported / sizeof supported[0]; i++) {
		if (supported[i].api_key == api_key) {
			*min_version = supported[i].min_version;
			*max_version = supported[i].max_version;
			return true;
		}
	}
	return false;
}

bool kp_api_supported(int16_t api_key, int16_t api_version)
{
	int16_t lo, hi;
	return kp_api_supported_range(api_key, &lo, &hi) && api_version >= lo &&
	       api_version <= hi;
}

static int decode_request_body(struct wire_reader *r, struct kp_arena *a, struct kp_request *req)
{
	int16_t v = req->header.api_version;
	switch (req->header.api_key) {
	case KP_API_API_VERSIONS:
		return kp_decode_api_versions_request(r, req->header.api_version,
						      &req->body.api_versions);
	case KP_API_METADATA:
		return kp_decode_metadata_request(r, a, v, &req->body.metadata);
	case KP_API_PRODUCE:
		return kp_decode_produce_request(r, a, v, &req->body.produce);
	case KP_API_FETCH:
		return kp_decode_fetch_request(r, a, v, &req->body.fetch);
	case KP_API_LIST_OFFSETS:
		return kp_decode_list_offsets_request(r, a, v, &req->body.list_offsets);
	case KP_API_INIT_PRODUCER_ID:
		return kp_decode_init_producer_id_request(r, v, &req->body.init_producer_id);
	case KP_API_CREATE_TOPICS:
		return kp_decode_create_topics_request(r, a, v, &req->body.create_topics);
	case KP_API_FIND_COORDINATOR:
		return kp_decode_find_coordinator_request(r, v, &req->body.find_coordinator);
	case KP_API_JOIN_GROUP:
		return kp_decode_join_group_request(r, a, v, &req->body.join_group);
	case KP_API_SYNC_GROUP:
		return kp_decode_sync_group_request(r, a, v, &req->body.sync_group);
	case KP_API_HEARTBEAT:
		return kp_decode_heartbeat_request(r, v, &req->body.heartbeat);
	case KP_API_LEAVE_GROUP:
		return kp_decode_leave_group_request(r, v, &req->body.leave_group);
	case KP_API_OFFSET_COMMIT:
		return kp_decode_offset_commit_request(r, a, v, &req->body.offset_commit);
	case KP_API_OFFSET_FETCH:
		return kp_decode_offset_fetch_request(r, a, v, &req->body.offset_fetch);
	case KP_API_LEADER_AND_ISR:
		return kp_decode_leader_and_isr_request(r, a, &req->body.leader_and_isr);
	case KP_API_UPDATE_METADATA:
		return kp_decode_update_metadata_request(r, a, &req->body.update_metadata);
	case KP_API_STOP_REPLICA:
		return kp_decode_stop_replica_request(r, a, &req->body.stop_replica);
	case KP_API_CONTROLLED_SHUTDOWN:
		return kp_decode_controlled_shutdown_request(r, &req->body.controlled_shutdown);
	case KP_API_ELECT_LEADERS:
		return kp_decode_elect_leaders_request(r, a, &req->body.elect_leaders);
	case KP_API_OFFSETS_FOR_LEADER_EPOCH:
		return kp_decode_offsets_for_leader_epoch_request(
			r, a, &req->body.offsets_for_leader_epoch);
	case KP_API_ALTER_PARTITION:
		return kp_decode_alter_partition_request(r, a, &req->body.alter_partition);
	}
	return KP_EVERSION;
}

int kp_decode_request(const uint8_t *frame, size_t len, struct kp_arena *a,
		      struct kp_request *req)
{
	struct wire_reader r;
	memset(req, 0, sizeof *req);
	req->header.client_id = KP_STR_NULL;
	/* Look at api_key and api_version before the rest of the header: for a
	 * version we do not speak, even the header's layout is unknown, but the
	 * correlation_id is still needed to answer. */
	wire_reader_init(&r, frame, len);
	req->header.api_key = wire_get_i16(&r);
	req->header.api_version = wire_get_i16(&r);
	req->header.correlation_id = wire_get_i32(&r);
	if (r.err)
		return r.err;
	if (!kp_api_supported(req->header.api_key, req->header.api_version))
		return KP_EVERSION;
	wire_reader_init(&r, frame, len);
	int rc = kp_decode_request_header(&r, &req->header);
	if (rc)
		return rc;
	return decode_request_body(&r, a, req);
}

void kp_encode_request(struct wire_writer *w, const struct kp_request *req)
{
	const struct kp_request_header *h = &req->header;
	if (!kp_api_supported(h->api_key, h->api_version)) {
		kp_writer_fail(w, KP_EVERSION);
		return;
	}
	kp_encode_request_header(w, h);
	switch (h->api_key) {
	case KP_API_API_VERSIONS:
		kp_encode_api_versions_request(w, h->api_version, &req->body.api_versions);
		break;
	case KP_API_METADATA:
		kp_encode_metadata_request(w, h->api_version, &req->body.metadata);
		break;
	case KP_API_PRODUCE:
		kp_encode_produce_request(w, h->api_version, &req->body.produce);
		break;
	case KP_API_FETCH:
		kp_encode_fetch_request(w, h->api_version, &req->body.fetch);
		break;
	case KP_API_LIST_OFFSETS:
		kp_encode_list_offsets_request(w, h->api_version, &req->body.list_offsets);
		break;
	case KP_API_INIT_PRODUCER_ID:
		kp_encode_init_producer_id_request(w, h->api_version, &req->body.init_producer_id);
		break;
	case KP_API_CREATE_TOPICS:
		kp_encode_create_topics_request(w, h->api_version, &req->body.create_topics);
		break;
	case KP_API_FIND_COORDINATOR:
		kp_encode_find_coordinator_request(w, h->api_version, &req->body.find_coordinator);
		break;
	case KP_API_JOIN_GROUP:
		kp_encode_join_group_request(w, h->api_version, &req->body.join_group);
		break;
	case KP_API_SYNC_GROUP:
		kp_encode_sync_group_request(w, h->api_version, &req->body.sync_group);
		break;
	case KP_API_HEARTBEAT:
		kp_encode_heartbeat_request(w, h->api_version, &req->body.heartbeat);
		break;
	case KP_API_LEAVE_GROUP:
		kp_encode_leave_group_request(w, h->api_version, &req->body.leave_group);
		break;
	case KP_API_OFFSET_COMMIT:
		kp_encode_offset_commit_request(w, h->api_version, &req->body.offset_commit);
		break;
	case KP_API_OFFSET_FETCH:
		kp_encode_offset_fetch_request(w, h->api_version, &req->body.offset_fetch);
		break;
	case KP_API_LEADER_AND_ISR:
		kp_encode_leader_and_isr_request(w, &req->body.leader_and_isr);
		break;
	case KP_API_UPDATE_METADATA:
		kp_encode_update_metadata_request(w, &req->body.update_metadata);
		break;
	case KP_API_STOP_REPLICA:
		kp_encode_stop_replica_request(w, &req->body.stop_replica);
		break;
	case KP_API_CONTROLLED_SHUTDOWN:
		kp_encode_controlled_shutdown_request(w, &req->body.controlled_shutdown);
		break;
	case KP_API_ELECT_LEADERS:
		kp_encode_elect_leaders_request(w, &req->body.elect_leaders);
		break;
	case KP_API_OFFSETS_FOR_LEADER_EPOCH:
		kp_encode_offsets_for_leader_epoch_request(w, &req->body.offsets_for_leader_epoch);
		break;
	case KP_API_ALTER_PARTITION:
		kp_encode_alter_partition_request(w, &req->body.alter_partition);
		break;
	}
}

static int decode_response_body(struct wire_reader *r, struct kp_arena *a,
				struct kp_response *resp)
{
	int16_t v = resp->api_version;
	switch (resp->api_key) {
	case KP_API_API_VERSIONS:
		return kp_decode_api_versions_response_any(r, a, resp->api_version,
							   &resp->body.api_versions,
							   &resp->api_version);
	case KP_API_METADATA:
		return kp_decode_metadata_response(r, a, v, &resp->body.metadata);
	case KP_API_PRODUCE:
		return kp_decode_produce_response(r, a, v, &resp->body.produce);
	case KP_API_FETCH:
		return kp_decode_fetch_response(r, a, v, &resp->body.fetch);
	case KP_API_LIST_OFFSETS:
		return kp_decode_list_offsets_response(r, a, v, &resp->body.list_offsets);
	case KP_API_INIT_PRODUCER_ID:
		return kp_decode_init_producer_id_response(r, v, &resp->body.init_producer_id);
	case KP_API_CREATE_TOPICS:
		return kp_decode_create_topics_response(r, a, v, &resp->body.create_topics);
	case KP_API_FIND_COORDINATOR:
		return kp_decode_find_coordinator_response(r, v, &resp->body.find_coordinator);
	case KP_API_JOIN_GROUP:
		return kp_decode_join_group_response(r, a, v, &resp->body.join_group);
	case KP_API_SYNC_GROUP:
		return kp_decode_sync_group_response(r, v, &resp->body.sync_group);
	case KP_API_HEARTBEAT:
		return kp_decode_group_ack_response(r, v, &resp->body.heartbeat);
	case KP_API_LEAVE_GROUP:
		return kp_decode_group_ack_response(r, v, &resp->body.leave_group);
	case KP_API_OFFSET_COMMIT:
		return kp_decode_offset_commit_response(r, a, v, &resp->body.offset_commit);
	case KP_API_OFFSET_FETCH:
		return kp_decode_offset_fetch_response(r, a, v, &resp->body.offset_fetch);
	case KP_API_LEADER_AND_ISR:
		return kp_decode_partition_errors_response(r, a, &resp->body.leader_and_isr);
	case KP_API_UPDATE_METADATA:
		return kp_decode_update_metadata_response(r, &resp->body.update_metadata);
	case KP_API_STOP_REPLICA:
		return kp_decode_partition_errors_response(r, a, &resp->body.stop_replica);
	case KP_API_CONTROLLED_SHUTDOWN:
		return kp_decode_controlled_shutdown_response(r, a,
							      &resp->body.controlled_shutdown);
	case KP_API_ELECT_LEADERS:
		return kp_decode_elect_leaders_response(r, a, &resp->body.elect_leaders);
	case KP_API_OFFSETS_FOR_LEADER_EPOCH:
		return kp_decode_offsets_for_leader_epoch_response(
			r, a, &resp->body.offsets_for_leader_epoch);
	case KP_API_ALTER_PARTITION:
		return kp_decode_alter_partition_response(r, a, &resp->body.alter_partition);
	}
	return KP_EVERSION;
}

int kp_decode_response(const uint8_t *frame, size_t len, int16_t api_key, int16_t api_version,
		       struct kp_arena *a, struct kp_response *resp)
{
	struct wire_reader r;
	memset(resp, 0, sizeof *resp);
	resp->api_key = api_key;
	resp->api_version = api_version;
	if (!kp_api_supported(api_key, api_version))
		return KP_EVERSION;
	wire_reader_init(&r, frame, len);
	int rc = kp_decode_response_header(&r, api_key, api_version, &resp->correlation_id);
	if (rc)
		return rc;
	return decode_response_body(&r, a, resp);
}

static void encode_response_body(struct wire_writer *w, const struct kp_response *resp)
{
	int16_t v = resp->api_version;
	switch (resp->api_key) {
	case KP_API_API_VERSIONS:
		kp_encode_api_versions_response(w, resp->api_version, &resp->body.api_versions);
		break;
	case KP_API_METADATA:
		kp_encode_metadata_response(w, v, &resp->body.metadata);
		break;
	case KP_API_PRODUCE:
		kp_encode_produce_response(w, v, &resp->body.produce);
		break;
	case KP_API_FETCH:
		kp_encode_fetch_response(w, v, &resp->body.fetch);
		break;
	case KP_API_LIST_OFFSETS:
		kp_encode_list_offsets_response(w, v, &resp->body.list_offsets);
		break;
	case KP_API_INIT_PRODUCER_ID:
		kp_encode_init_producer_id_response(w, v, &resp->body.init_producer_id);
		break;
	case KP_API_CREATE_TOPICS:
		kp_encode_create_topics_response(w, v, &resp->body.create_topics);
		break;
	case KP_API_FIND_COORDINATOR:
		kp_encode_find_coordinator_response(w, v, &resp->body.find_coordinator);
		break;
	case KP_API_JOIN_GROUP:
		kp_encode_join_group_response(w, v, &resp->body.join_group);
		break;
	case KP_API_SYNC_GROUP:
		kp_encode_sync_group_response(w, v, &resp->body.sync_group);
		break;
	case KP_API_HEARTBEAT:
		kp_encode_group_ack_response(w, v, &resp->body.heartbeat);
		break;
	case KP_API_LEAVE_GROUP:
		kp_encode_group_ack_response(w, v, &resp->body.leave_group);
		break;
	case KP_API_OFFSET_COMMIT:
		kp_encode_offset_commit_response(w, v, &resp->body.offset_commit);
		break;
	case KP_API_OFFSET_FETCH:
		kp_encode_offset_fetch_response(w, v, &resp->body.offset_fetch);
		break;
	case KP_API_LEADER_AND_ISR:
		kp_encode_partition_errors_response(w, &resp->body.leader_and_isr);
		break;
	case KP_API_UPDATE_METADATA:
		kp_encode_update_metadata_response(w, &resp->body.update_metadata);
		break;
	case KP_API_STOP_REPLICA:
		kp_encode_partition_errors_response(w, &resp->body.stop_replica);
		break;
	case KP_API_CONTROLLED_SHUTDOWN:
		kp_encode_controlled_shutdown_response(w, &resp->body.controlled_shutdown);
		break;
	case KP_API_ELECT_LEADERS:
		kp_encode_elect_leaders_response(w, &resp->body.elect_leaders);
		break;
	case KP_API_OFFSETS_FOR_LEADER_EPOCH:
		kp_encode_offsets_for_leader_epoch_response(w,
							    &resp->body.offsets_for_leader_epoch);
		break;
	case KP_API_ALTER_PARTITION:
		kp_encode_alter_partition_response(w, &resp->body.alter_partition);
		break;
	}
}

void kp_encode_response(struct wire_writer *w, const struct kp_response *resp)
{
	if (!kp_api_supported(resp->api_key, resp->api_version)) {
		kp_writer_fail(w, KP_EVERSION);
		return;
	}
	kp_encode_response_header(w, resp->api_key, resp->api_version, resp->correlation_id);
	encode_response_body(w, resp);
}
