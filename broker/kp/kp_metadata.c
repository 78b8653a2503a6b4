#include "broker/kp/kp_metadata.h"

#include <string.h>

void kp_encode_metadata_request(struct wire_writer *w, const struct kp_metadata_request *req)
{
	kp_put_array_count(w, false, true, req->topic_count);
	if (!kp_put_items_ok(w, req->topics, req->topic_count))
		return;
	for (int32_t i = 0; i < req->topic_count; i++)
		kp_put_string(w, req->topics[i], false);
	kp_put_bool(w, req->allow_auto_topic_creation);
}

static void get_topic_name(struct wire_reader *r, struct kp_arena *a, struct kp_str *name)
{
	*name = kp_get_string(r, false);
}

int kp_decode_metadata_request(struct wire_reader *r, struct kp_arena *a,
			       struct kp_metadata_request *req)
{
	memset(req, 0, sizeof *req);
	KP_GET_ARRAY(r, a, false, true, 2, struct kp_str, req->topics, req->topic_count,
		     get_topic_name);
	req->allow_auto_topic_creation = kp_get_bool(r);
	return kp_get_end(r);
}

static void put_partition(struct wire_writer *w, const struct kp_metadata_partition *p)
{
	wire_put_i16(w, p->error_code);
	wire_put_i32(w, p->partition_index);
	wire_put_i32(w, p->leader_id);
	kp_put_int32_array(w, p->replica_nodes, p->replica_count);
	kp_put_int32_array(w, p->isr_nodes, p->isr_count);
}

static void put_topic(struct wire_writer *w, const struct kp_metadata_topic *t)
{
	wire_put_i16(w, t->error_code);
	kp_put_string(w, t->name, false);
	kp_put_bool(w, t->is_internal);
	kp_put_array_count(w, false, false, t->partition_count);
	if (!kp_put_items_ok(w, t->partitions, t->partition_count))
		return;
	for (int32_t i = 0; i < t->partition_count; i++)
		put_partition(w, &t->partitions[i]);
}

void kp_encode_metadata_response(struct wire_writer *w, const struct kp_metadata_response *resp)
{
	wire_put_i32(w, resp->throttle_time_ms);
	kp_put_array_count(w, false, false, resp->broker_count);
	if (!kp_put_items_ok(w, resp->brokers, resp->broker_count))
		return;
	for (int32_t i = 0; i < resp->broker_count; i++) {
		const struct kp_metadata_broker *b = &resp->brokers[i];
		wire_put_i32(w, b->node_id);
		kp_put_string(w, b->host, false);
		wire_put_i32(w, b->port);
		kp_put_string(w, b->rack, true);
	}
	kp_put_string(w, resp->cluster_id, true);
	wire_put_i32(w, resp->controller_id);
	kp_put_array_count(w, false, false, resp->topic_count);
	if (!kp_put_items_ok(w, resp->topics, resp->topic_count))
		return;
	for (int32_t i = 0; i < resp->topic_count; i++)
		put_topic(w, &resp->topics[i]);
}

static void get_broker(struct wire_reader *r, struct kp_arena *a, struct kp_metadata_broker *b)
{
	b->node_id = wire_get_i32(r);
	b->host = kp_get_string(r, false);
	b->port = wire_get_i32(r);
	b->rack = kp_get_string(r, true);
}

static void get_partition(struct wire_reader *r, struct kp_arena *a,
			  struct kp_metadata_partition *p)
{
	p->error_code = wire_get_i16(r);
	p->partition_index = wire_get_i32(r);
	p->leader_id = wire_get_i32(r);
	kp_get_int32_array(r, a, false, &p->replica_nodes, &p->replica_count);
	kp_get_int32_array(r, a, false, &p->isr_nodes, &p->isr_count);
}

static void get_topic(struct wire_reader *r, struct kp_arena *a, struct kp_metadata_topic *t)
{
	t->error_code = wire_get_i16(r);
	t->name = kp_get_string(r, false);
	t->is_internal = kp_get_bool(r);
	KP_GET_ARRAY(r, a, false, false, 18, struct kp_metadata_partition, t->partitions,
		     t->partition_count, get_partition);
}

int kp_decode_metadata_response(struct wire_reader *r, struct kp_arena *a,
				struct kp_metadata_response *resp)
{
	memset(resp, 0, sizeof *resp);
	resp->throttle_time_ms = wire_get_i32(r);
	KP_GET_ARRAY(r, a, false, false, 12, struct kp_metadata_broker, resp->brokers,
		     resp->broker_count, get_broker);
	resp->cluster_id = kp_get_string(r, true);
	resp->controller_id = wire_get_i32(r);
	KP_GET_ARRAY(r, a, false, false, 9, struct kp_metadata_topic, resp->topics,
		     resp->topic_count, get_topic);
	return kp_get_end(r);
}
