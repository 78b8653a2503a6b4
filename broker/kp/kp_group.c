#include "broker/kp/kp_group.h"

#include <string.h>

/* Fails an encode, or reports a decode error, for a version outside lo-hi. */
static bool enc_version_ok(struct wire_writer *w, int16_t v, int16_t lo, int16_t hi)
{
	if (v >= lo && v <= hi)
		return true;
	kp_writer_fail(w, KP_EVERSION);
	return false;
}

static bool dec_version_ok(int16_t v, int16_t lo, int16_t hi)
{
	return v >= lo && v <= hi;
}

#define FC_LO KP_FIND_COORDINATOR_MIN_VERSION
#define FC_HI KP_FIND_COORDINATOR_MAX_VERSION
#define JG_LO KP_JOIN_GROUP_MIN_VERSION
#define JG_HI KP_JOIN_GROUP_MAX_VERSION
#define SG_LO KP_SYNC_GROUP_MIN_VERSION
#define SG_HI KP_SYNC_GROUP_MAX_VERSION

/* ---- FindCoordinator ------------------------------------------------------------ */

void kp_encode_find_coordinator_request(struct wire_writer *w, int16_t version,
					const struct kp_find_coordinator_request *req)
{
	if (!enc_version_ok(w, version, FC_LO, FC_HI))
		return;
	kp_put_string(w, req->key, false);
	if (version >= 1)
		wire_put_i8(w, req->key_type);
}

int kp_decode_find_coordinator_request(struct wire_reader *r, int16_t version,
				       struct kp_find_coordinator_request *req)
{
	memset(req, 0, sizeof *req);
	if (!dec_version_ok(version, FC_LO, FC_HI))
		return KP_EVERSION;
	req->key = kp_get_string(r, false);
	req->key_type = version >= 1 ? wire_get_i8(r) : 0;
	return kp_get_end(r);
}

void kp_encode_find_coordinator_response(struct wire_writer *w, int16_t version,
					 const struct kp_find_coordinator_response *resp)
{
	if (!enc_version_ok(w, version, FC_LO, FC_HI))
		return;
	if (version >= 1)
		wire_put_i32(w, resp->throttle_time_ms);
	wire_put_i16(w, resp->error_code);
	if (version >= 1)
		kp_put_string(w, resp->error_message, true);
	wire_put_i32(w, resp->node_id);
	kp_put_string(w, resp->host, false);
	wire_put_i32(w, resp->port);
}

int kp_decode_find_coordinator_response(struct wire_reader *r, int16_t version,
					struct kp_find_coordinator_response *resp)
{
	memset(resp, 0, sizeof *resp);
	resp->error_message = KP_STR_NULL;
	if (!dec_version_ok(version, FC_LO, FC_HI))
		return KP_EVERSION;
	resp->throttle_time_ms = version >= 1 ? wire_get_i32(r) : 0;
	resp->error_code = wire_get_i16(r);
	resp->error_message = version >= 1 ? kp_get_string(r, true) : KP_STR_NULL;
	resp->node_id = wire_get_i32(r);
	resp->host = kp_get_string(r, false);
	resp->port = wire_get_i32(r);
	return kp_get_end(r);
}

/* ---- JoinGroup -------------------------------------------------------------------- */

void kp_encode_join_group_request(struct wire_writer *w, int16_t version,
				  const struct kp_join_group_request *req)
{
	if (!enc_version_ok(w, version, JG_LO, JG_HI))
		return;
	kp_put_string(w, req->group_id, false);
	wire_put_i32(w, req->session_timeout_ms);
	if (version >= 1)
		wire_put_i32(w, req->rebalance_timeout_ms);
	kp_put_string(w, req->member_id, false);
	if (version >= 5)
		kp_put_string(w, req->group_instance_id, true);
	kp_put_string(w, req->protocol_type, false);
	kp_put_array_count(w, false, false, req->protocol_count);
	if (!kp_put_items_ok(w, req->protocols, req->protocol_count))
		return;
	for (int32_t i = 0; i < req->protocol_count; i++) {
		kp_put_string(w, req->protocols[i].name, false);
		kp_put_bytes(w, req->protocols[i].metadata, false);
	}
}

static void get_protocol(struct wire_reader *r, struct kp_arena *a,
			 struct kp_join_group_protocol *p)
{
	p->name = kp_get_string(r, false);
	p->metadata = kp_get_bytes(r, false);
}

int kp_decode_join_group_request(struct wire_reader *r, struct kp_arena *a, int16_t version,
				 struct kp_join_group_request *req)
{
	memset(req, 0, sizeof *req);
	req->group_instance_id = KP_STR_NULL;
	if (!dec_version_ok(version, JG_LO, JG_HI))
		return KP_EVERSION;
	req->group_id = kp_get_string(r, false);
	req->session_timeout_ms = wire_get_i32(r);
	/* v0 has no rebalance timeout; Kafka's JoinGroupRequest uses the
	 * session timeout in its place. */
	req->rebalance_timeout_ms = version >= 1 ? wire_get_i32(r) : req->session_timeout_ms;
	req->member_id = kp_get_string(r, false);
	if (version >= 5)
		req->group_instance_id = kp_get_string(r, true);
	req->protocol_type = kp_get_string(r, false);
	KP_GET_ARRAY(r, a, false, false, 6, struct kp_join_group_protocol, req->protocols,
		     req->protocol_count, get_protocol);
	return kp_get_end(r);
}

void kp_encode_join_group_response(struct wire_writer *w, int16_t version,
				   const struct kp_join_group_response *resp)
{
	if (!enc_version_ok(w, version, JG_LO, JG_HI))
		return;
	if (version >= 2)
		wire_put_i32(w, resp->throttle_time_ms);
	wire_put_i16(w, resp->error_code);
	wire_put_i32(w, resp->generation_id);
	kp_put_string(w, resp->protocol_name, false);
	kp_put_string(w, resp->leader, false);
	kp_put_string(w, resp->member_id, false);
	kp_put_array_count(w, false, false, resp->member_count);
	if (!kp_put_items_ok(w, resp->members, resp->member_count))
		return;
	for (int32_t i = 0; i < resp->member_count; i++) {
		kp_put_string(w, resp->members[i].member_id, false);
		if (version >= 5)
			kp_put_string(w, resp->members[i].group_instance_id, true);
		kp_put_bytes(w, resp->members[i].metadata, false);
	}
}

static void get_member(struct wire_reader *r, struct kp_arena *a, int16_t version,
		       struct kp_join_group_member *m)
{
	m->member_id = kp_get_string(r, false);
	m->group_instance_id = version >= 5 ? kp_get_string(r, true) : KP_STR_NULL;
	m->metadata = kp_get_bytes(r, false);
}

int kp_decode_join_group_response(struct wire_reader *r, struct kp_arena *a, int16_t version,
				  struct kp_join_group_response *resp)
{
	memset(resp, 0, sizeof *resp);
	if (!dec_version_ok(version, JG_LO, JG_HI))
		return KP_EVERSION;
	resp->throttle_time_ms = version >= 2 ? wire_get_i32(r) : 0;
	resp->error_code = wire_get_i16(r);
	resp->generation_id = wire_get_i32(r);
	resp->protocol_name = kp_get_string(r, false);
	resp->leader = kp_get_string(r, false);
	resp->member_id = kp_get_string(r, false);
	/* v0-4: member_id and metadata = 6 bytes at least. */
	KP_GET_ARRAY_V(r, a, false, false, 6, struct kp_join_group_member, resp->members,
		       resp->member_count, get_member, version);
	return kp_get_end(r);
}

/* ---- SyncGroup -------------------------------------------------------------------- */

void kp_encode_sync_group_request(struct wire_writer *w, int16_t version,
				  const struct kp_sync_group_request *req)
{
	if (!enc_version_ok(w, version, SG_LO, SG_HI))
		return;
	kp_put_string(w, req->group_id, false);
	wire_put_i32(w, req->generation_id);
	kp_put_string(w, req->member_id, false);
	if (version >= 3)
		kp_put_string(w, req->group_instance_id, true);
	kp_put_array_count(w, false, false, req->assignment_count);
	if (!kp_put_items_ok(w, req->assignments, req->assignment_count))
		return;
	for (int32_t i = 0; i < req->assignment_count; i++) {
		kp_put_string(w, req->assignments[i].member_id, false);
		kp_put_bytes(w, req->assignments[i].assignment, false);
	}
}

static void get_assignment(struct wire_reader *r, struct kp_arena *a,
			   struct kp_sync_group_assignment *s)
{
	s->member_id = kp_get_string(r, false);
	s->assignment = kp_get_bytes(r, false);
}

int kp_decode_sync_group_request(struct wire_reader *r, struct kp_arena *a, int16_t version,
				 struct kp_sync_group_request *req)
{
	memset(req, 0, sizeof *req);
	req->group_instance_id = KP_STR_NULL;
	if (!dec_version_ok(version, SG_LO, SG_HI))
		return KP_EVERSION;
	req->group_id = kp_get_string(r, false);
	req->generation_id = wire_get_i32(r);
	req->member_id = kp_get_string(r, false);
	if (version >= 3)
		req->group_instance_id = kp_get_string(r, true);
	KP_GET_ARRAY(r, a, false, false, 6, struct kp_sync_group_assignment, req->assignments,
		     req->assignment_count, get_assignment);
	return kp_get_end(r);
}

void kp_encode_sync_group_response(struct wire_writer *w, int16_t version,
				   const struct kp_sync_group_response *resp)
{
	if (!enc_version_ok(w, version, SG_LO, SG_HI))
		return;
	if (version >= 1)
		wire_put_i32(w, resp->throttle_time_ms);
	wire_put_i16(w, resp->error_code);
	kp_put_bytes(w, resp->assignment, false);
}

int kp_decode_sync_group_response(struct wire_reader *r, int16_t version,
				  struct kp_sync_group_response *resp)
{
	memset(resp, 0, sizeof *resp);
	if (!dec_version_ok(version, SG_LO, SG_HI))
		return KP_EVERSION;
	resp->throttle_time_ms = version >= 1 ? wire_get_i32(r) : 0;
	resp->error_code = wire_get_i16(r);
	resp->assignment = kp_get_bytes(r, false);
	return kp_get_end(r);
}

/* ---- Heartbeat and LeaveGroup ---------------------------------------------------- */

void kp_encode_heartbeat_request(struct wire_writer *w, int16_t version,
				 const struct kp_heartbeat_request *req)
{
	if (!enc_version_ok(w, version, KP_HEARTBEAT_MIN_VERSION, KP_HEARTBEAT_MAX_VERSION))
		return;
	kp_put_string(w, req->group_id, false);
	wire_put_i32(w, req->generation_id);
	kp_put_string(w, req->member_id, false);
	if (version >= 3)
		kp_put_string(w, req->group_instance_id, true);
}

int kp_decode_heartbeat_request(struct wire_reader *r, int16_t version,
				struct kp_heartbeat_request *req)
{
	memset(req, 0, sizeof *req);
	req->group_instance_id = KP_STR_NULL;
	if (!dec_version_ok(version, KP_HEARTBEAT_MIN_VERSION, KP_HEARTBEAT_MAX_VERSION))
		return KP_EVERSION;
	req->group_id = kp_get_string(r, false);
	req->generation_id = wire_get_i32(r);
	req->member_id = kp_get_string(r, false);
	if (version >= 3)
		req->group_instance_id = kp_get_string(r, true);
	return kp_get_end(r);
}

void kp_encode_leave_group_request(struct wire_writer *w, int16_t version,
				   const struct kp_leave_group_request *req)
{
	if (!enc_version_ok(w, version, KP_LEAVE_GROUP_MIN_VERSION, KP_LEAVE_GROUP_MAX_VERSION))
		return;
	kp_put_string(w, req->group_id, false);
	kp_put_string(w, req->member_id, false);
}

int kp_decode_leave_group_request(struct wire_reader *r, int16_t version,
				  struct kp_leave_group_request *req)
{
	memset(req, 0, sizeof *req);
	if (!dec_version_ok(version, KP_LEAVE_GROUP_MIN_VERSION, KP_LEAVE_GROUP_MAX_VERSION))
		return KP_EVERSION;
	req->group_id = kp_get_string(r, false);
	req->member_id = kp_get_string(r, false);
	return kp_get_end(r);
}

void kp_encode_group_ack_response(struct wire_writer *w, int16_t version,
				  const struct kp_group_ack_response *resp)
{
	if (!enc_version_ok(w, version, 0, KP_HEARTBEAT_MAX_VERSION))
		return;
	if (version >= 1)
		wire_put_i32(w, resp->throttle_time_ms);
	wire_put_i16(w, resp->error_code);
}

int kp_decode_group_ack_response(struct wire_reader *r, int16_t version,
				 struct kp_group_ack_response *resp)
{
	memset(resp, 0, sizeof *resp);
	if (!dec_version_ok(version, 0, KP_HEARTBEAT_MAX_VERSION))
		return KP_EVERSION;
	resp->throttle_time_ms = version >= 1 ? wire_get_i32(r) : 0;
	resp->error_code = wire_get_i16(r);
	return kp_get_end(r);
}
