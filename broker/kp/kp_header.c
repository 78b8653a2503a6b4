#include "broker/kp/kp_header.h"

/* One row per API key: its name and first flexible version, taken from the
 * "flexibleVersions" of Apache Kafka 3.4's request schemas. */
struct api_row {
	int16_t key;
	int16_t first_flexible;
	const char *name;
};

static const struct api_row api_rows[] = {
	{KP_API_PRODUCE, 9, "Produce"},
	{KP_API_FETCH, 12, "Fetch"},
	{KP_API_LIST_OFFSETS, 6, "ListOffsets"},
	{KP_API_METADATA, 9, "Metadata"},
	{KP_API_LEADER_AND_ISR, 4, "LeaderAndIsr"},
	{KP_API_STOP_REPLICA, 2, "StopReplica"},
	{KP_API_UPDATE_METADATA, 6, "UpdateMetadata"},
	{KP_API_CONTROLLED_SHUTDOWN, 3, "ControlledShutdown"},
	{KP_API_OFFSET_COMMIT, 8, "OffsetCommit"},
	{KP_API_OFFSET_FETCH, 6, "OffsetFetch"},
	{KP_API_FIND_COORDINATOR, 3, "FindCoordinator"},
	{KP_API_JOIN_GROUP, 6, "JoinGroup"},
	{KP_API_HEARTBEAT, 4, "Heartbeat"},
	{KP_API_LEAVE_GROUP, 4, "LeaveGroup"},
	{KP_API_SYNC_GROUP, 4, "SyncGroup"},
	{KP_API_API_VERSIONS, 3, "ApiVersions"},
	{KP_API_CREATE_TOPICS, 5, "CreateTopics"},
	{KP_API_INIT_PRODUCER_ID, 2, "InitProducerId"},
	{KP_API_OFFSETS_FOR_LEADER_EPOCH, 4, "OffsetForLeaderEpoch"},
	{KP_API_ELECT_LEADERS, 2, "ElectLeaders"},
	{KP_API_VOTE, 0, "Vote"},
	/* Kafka 3.7: BeginQuorumEpoch and EndQuorumEpoch v0 are not flexible. */
	{KP_API_BEGIN_QUORUM_EPOCH, INT16_MAX, "BeginQuorumEpoch"},
	{KP_API_END_QUORUM_EPOCH, INT16_MAX, "EndQuorumEpoch"},
	{KP_API_DESCRIBE_QUORUM, 0, "DescribeQuorum"},
	{KP_API_ALTER_PARTITION, 0, "AlterPartition"},
	{KP_API_FETCH_SNAPSHOT, 0, "FetchSnapshot"},
};

static const struct api_row *find_api(int16_t key)
{
	for (size_t i = 0; i < sizeof api_rows / sizeof api_rows[0]; i++)
		if (api_rows[i].key == key)
			return &api_rows[i];
	return NULL;
}

const char *kp_api_name(int16_t api_key)
{
	const struct api_row *row = find_api(api_key);
	return row ? row->name : "Unknown";
}

int kp_api_first_flexible(int16_t api_key)
{
	const struct api_row *row = find_api(api_key);
	return row ? row->first_flexible : -1;
}

int kp_request_header_version(int16_t api_key, int16_t api_version)
{
	int flex = kp_api_first_flexible(api_key);
	if (flex < 0)
		return -1;
	return api_version >= flex ? 2 : 1;
}

int kp_response_header_version(int16_t api_key, int16_t api_version)
{
	int flex = kp_api_first_flexible(api_key);
	if (flex < 0)
		return -1;
	/* ApiVersions answers with header v0 at every version (KIP-511). */
	if (api_key == KP_API_API_VERSIONS)
		return 0;
	return api_version >= flex ? 1 : 0;
}

int kp_decode_request_header(struct wire_reader *r, struct kp_request_header *h)
{
	h->api_key = wire_get_i16(r);
	h->api_version = wire_get_i16(r);
	h->correlation_id = wire_get_i32(r);
	h->client_id = KP_STR_NULL;
	if (r->err)
		return r->err;
	int version = kp_request_header_version(h->api_key, h->api_version);
	if (version < 0 || h->api_version < 0)
		return KP_EVERSION;
	h->client_id = kp_get_string(r, true);
	if (version >= 2)
		kp_skip_tagged_fields(r);
	return r->err;
}

void kp_encode_request_header(struct wire_writer *w, const struct kp_request_header *h)
{
	int version = kp_request_header_version(h->api_key, h->api_version);
	if (version < 0 || h->api_version < 0) {
		kp_writer_fail(w, KP_EVERSION);
		return;
	}
	wire_put_i16(w, h->api_key);
	wire_put_i16(w, h->api_version);
	wire_put_i32(w, h->correlation_id);
	kp_put_string(w, h->client_id, true);
	if (version >= 2)
		kp_put_tagged_fields(w);
}

void kp_encode_response_header(struct wire_writer *w, int16_t api_key, int16_t api_version,
			       int32_t correlation_id)
{
	int version = kp_response_header_version(api_key, api_version);
	if (version < 0) {
		kp_writer_fail(w, KP_EVERSION);
		return;
	}
	wire_put_i32(w, correlation_id);
	if (version >= 1)
		kp_put_tagged_fields(w);
}

int kp_decode_response_header(struct wire_reader *r, int16_t api_key, int16_t api_version,
			      int32_t *correlation_id)
{
	int version = kp_response_header_version(api_key, api_version);
	*correlation_id = 0;
	if (version < 0)
		return KP_EVERSION;
	*correlation_id = wire_get_i32(r);
	if (version >= 1)
		kp_skip_tagged_fields(r);
	return r->err;
}

size_t kp_frame_begin(struct wire_writer *w)
{
	size_t at = w->len;
	wire_put_i32(w, 0);
	return at;
}

void kp_frame_end(struct wire_writer *w, size_t at)
{
	size_t body = w->len - at - 4;
	if (body > INT32_MAX) {
		kp_writer_fail(w, WIRE_EINVAL);
		return;
	}
	wire_patch_u32(w, at, (uint32_t)body);
}

int kp_frame_peek(const uint8_t *p, size_t len, const uint8_t **body, size_t *body_len)
{
	struct wire_reader r;
	wire_reader_init(&r, p, len);
	int32_t size = wire_get_i32(&r);
	*body = NULL;
	*body_len = 0;
	if (r.err)
		return WIRE_ESHORT;
	if (size < 0 || size > KP_FRAME_MAX)
		return WIRE_EINVAL;
	const uint8_t *b = wire_get_bytes(&r, (size_t)size);
	if (!b)
		return WIRE_ESHORT;
	*body = b;
	*body_len = (size_t)size;
	return 0;
}
