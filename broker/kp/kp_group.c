#include "broker/kp/kp_group.h"

#include <string.h>

void kp_encode_find_coordinator_request(struct wire_writer *w,
					const struct kp_find_coordinator_request *req)
{
	kp_put_string(w, req->key, false);
	wire_put_i8(w, req->key_type);
}

int kp_decode_find_coordinator_request(struct wire_reader *r,
				       struct kp_find_coordinator_request *req)
{
	req->key = kp_get_string(r, false);
	req->key_type = wire_get_i8(r);
	return kp_get_end(r);
}

void kp_encode_find_coordinator_response(struct wire_writer *w,
					 const struct kp_find_coordinator_response *resp)
{
	wire_put_i32(w, resp->throttle_time_ms);
	wire_put_i16(w, resp->error_code);
	kp_put_string(w, resp->error_message, true);
	wire_put_i32(w, resp->node_id);
	kp_put_string(w, resp->host, false);
	wire_put_i32(w, resp->port);
}

int kp_decode_find_coordinator_response(struct wire_reader *r,
					struct kp_find_coordinator_response *resp)
{
	resp->throttle_time_ms = wire_get_i32(r);
	resp->error_code = wire_get_i16(r);
	resp->error_message = kp_get_string(r, true);
	resp->node_id = wire_get_i32(r);
	resp->host = kp_get_string(r, false);
	resp->port = wire_get_i32(r);
	return kp_get_end(r);
}

void kp_encode_join_group_request(struct wire_writer *w, const struct kp_join_group_request *req)
{
	kp_put_string(w, req->group_id, false);
	wire_put_i32(w, req->session_timeout_ms);
	wire_put_i32(w, req->rebalance_timeout_ms);
	kp_put_string(w, req->member_id, false);
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

int kp_decode_join_group_request(struct wire_reader *r, struct kp_arena *a,
				 struct kp_join_group_request *req)
{
	memset(req, 0, sizeof *req);
	req->group_id = kp_get_string(r, false);
	req->session_timeout_ms = wire_get_i32(r);
	req->rebalance_timeout_ms = wire_get_i32(r);
	req->member_id = kp_get_string(r, false);
	req->group_instance_id = kp_get_string(r, true);
	req->protocol_type = kp_get_string(r, false);
	KP_GET_ARRAY(r, a, false, false, 6, struct kp_join_group_protocol, req->protocols,
		     req->protocol_count, get_protocol);
	return kp_get_end(r);
}

void kp_encode_join_group_response(struct wire_writer *w,
				   const struct kp_join_group_response *resp)
{
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
		kp_put_string(w, resp->members[i].group_instance_id, true);
		kp_put_bytes(w, resp->members[i].metadata, false);
	}
}

static void get_member(struct wire_reader *r, struct kp_arena *a, struct kp_join_group_member *m)
{
	m->member_id = kp_get_string(r, false);
	m->group_instance_id = kp_get_string(r, true);
	m->metadata = kp_get_bytes(r, false);
}

int kp_decode_join_group_response(struct wire_reader *r, struct kp_arena *a,
				  struct kp_join_group_response *resp)
{
	memset(resp, 0, sizeof *resp);
	resp->throttle_time_ms = wire_get_i32(r);
	resp->error_code = wire_get_i16(r);
	resp->generation_id = wire_get_i32(r);
	resp->protocol_name = kp_get_string(r, false);
	resp->leader = kp_get_string(r, false);
	resp->member_id = kp_get_string(r, false);
	KP_GET_ARRAY(r, a, false, false, 8, struct kp_join_group_member, resp->members,
		     resp->member_count, get_member);
	return kp_get_end(r);
}

void kp_encode_sync_group_request(struct wire_writer *w, const struct kp_sync_group_request *req)
{
	kp_put_string(w, req->group_id, false);
	wire_put_i32(w, req->generation_id);
	kp_put_string(w, req->member_id, false);
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

int kp_decode_sync_group_request(struct wire_reader *r, struct kp_arena *a,
				 struct kp_sync_group_request *req)
{
	memset(req, 0, sizeof *req);
	req->group_id = kp_get_string(r, false);
	req->generation_id = wire_get_i32(r);
	req->member_id = kp_get_string(r, false);
	req->group_instance_id = kp_get_string(r, true);
	KP_GET_ARRAY(r, a, false, false, 6, struct kp_sync_group_assignment, req->assignments,
		     req->assignment_count, get_assignment);
	return kp_get_end(r);
}

void kp_encode_sync_group_response(struct wire_writer *w,
				   const struct kp_sync_group_response *resp)
{
	wire_put_i32(w, resp->throttle_time_ms);
	wire_put_i16(w, resp->error_code);
	kp_put_bytes(w, resp->assignment, false);
}

int kp_decode_sync_group_response(struct wire_reader *r, struct kp_sync_group_response *resp)
{
	resp->throttle_time_ms = wire_get_i32(r);
	resp->error_code = wire_get_i16(r);
	resp->assignment = kp_get_bytes(r, false);
	return kp_get_end(r);
}

void kp_encode_heartbeat_request(struct wire_writer *w, const struct kp_heartbeat_request *req)
{
	kp_put_string(w, req->group_id, false);
	wire_put_i32(w, req->generation_id);
	kp_put_string(w, req->member_id, false);
	kp_put_string(w, req->group_instance_id, true);
}

int kp_decode_heartbeat_request(struct wire_reader *r, struct kp_heartbeat_request *req)
{
	req->group_id = kp_get_string(r, false);
	req->generation_id = wire_get_i32(r);
	req->member_id = kp_get_string(r, false);
	req->group_instance_id = kp_get_string(r, true);
	return kp_get_end(r);
}

void kp_encode_leave_group_request(struct wire_writer *w,
				   const struct kp_leave_group_request *req)
{
	kp_put_string(w, req->group_id, false);
	kp_put_string(w, req->member_id, false);
}

int kp_decode_leave_group_request(struct wire_reader *r, struct kp_leave_group_request *req)
{
	req->group_id = kp_get_string(r, false);
	req->member_id = kp_get_string(r, false);
	return kp_get_end(r);
}

void kp_encode_group_ack_response(struct wire_writer *w,
				  const struct kp_group_ack_response *resp)
{
	wire_put_i32(w, resp->throttle_time_ms);
	wire_put_i16(w, resp->error_code);
}

int kp_decode_group_ack_response(struct wire_reader *r, struct kp_group_ack_response *resp)
{
	resp->throttle_time_ms = wire_get_i32(r);
	resp->error_code = wire_get_i16(r);
	return kp_get_end(r);
}
