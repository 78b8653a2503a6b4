#include "broker/kp/kp_controller.h"

#include <string.h>

/*
 * LeaderAndIsr v2 and UpdateMetadata v5 carry the same partition state
 * (LeaderAndIsrPartitionState / UpdateMetadataPartitionState) except for
 * the tail: LeaderAndIsr ends it with IsNew (v1+), UpdateMetadata with
 * OfflineReplicas (v4+). Neither version is flexible, so there are no
 * tagged fields anywhere in this file.
 */
static void put_partition_state(struct wire_writer *w, const struct kp_partition_state *p,
				bool leader_and_isr)
{
	wire_put_i32(w, p->partition_index);
	wire_put_i32(w, p->controller_epoch);
	wire_put_i32(w, p->leader);
	wire_put_i32(w, p->leader_epoch);
	kp_put_int32_array(w, p->isr, p->isr_count);
	wire_put_i32(w, p->zk_version);
	kp_put_int32_array(w, p->replicas, p->replica_count);
	if (leader_and_isr)
		kp_put_bool(w, p->is_new);
	else
		kp_put_int32_array(w, p->offline_replicas, p->offline_count);
}

static void put_topic_states(struct wire_writer *w, const struct kp_topic_states *topics,
			     int32_t count, bool leader_and_isr)
{
	kp_put_array_count(w, false, false, count);
	if (!kp_put_items_ok(w, topics, count))
		return;
	for (int32_t i = 0; i < count; i++) {
		const struct kp_topic_states *t = &topics[i];
		kp_put_string(w, t->topic_name, false);
		kp_put_array_count(w, false, false, t->partition_count);
		if (!kp_put_items_ok(w, t->partitions, t->partition_count))
			return;
		for (int32_t j = 0; j < t->partition_count; j++)
			put_partition_state(w, &t->partitions[j], leader_and_isr);
	}
}

/* The fields both partition states share, up to and including replicas. */
static void get_partition_common(struct wire_reader *r, struct kp_arena *a,
				 struct kp_partition_state *p)
{
	p->partition_index = wire_get_i32(r);
	p->controller_epoch = wire_get_i32(r);
	p->leader = wire_get_i32(r);
	p->leader_epoch = wire_get_i32(r);
	kp_get_int32_array(r, a, false, &p->isr, &p->isr_count);
	p->zk_version = wire_get_i32(r);
	kp_get_int32_array(r, a, false, &p->replicas, &p->replica_count);
}

static void get_lai_partition(struct wire_reader *r, struct kp_arena *a,
			      struct kp_partition_state *p)
{
	get_partition_common(r, a, p);
	p->is_new = kp_get_bool(r);
}

static void get_um_partition(struct wire_reader *r, struct kp_arena *a,
			     struct kp_partition_state *p)
{
	get_partition_common(r, a, p);
	kp_get_int32_array(r, a, false, &p->offline_replicas, &p->offline_count);
}

/* Smallest partition states on the wire: four i32, isr count, zk_version,
 * replicas count, then is_new (1 byte) or offline_replicas count (4). */
#define LAI_PARTITION_MIN 29
#define UM_PARTITION_MIN 32
/* A topic: an empty name (i16 length) and a partition count. */
#define TOPIC_STATES_MIN 6

static void get_lai_topic(struct wire_reader *r, struct kp_arena *a, struct kp_topic_states *t)
{
	t->topic_name = kp_get_string(r, false);
	KP_GET_ARRAY(r, a, false, false, LAI_PARTITION_MIN, struct kp_partition_state,
		     t->partitions, t->partition_count, get_lai_partition);
}

static void get_um_topic(struct wire_reader *r, struct kp_arena *a, struct kp_topic_states *t)
{
	t->topic_name = kp_get_string(r, false);
	KP_GET_ARRAY(r, a, false, false, UM_PARTITION_MIN, struct kp_partition_state,
		     t->partitions, t->partition_count, get_um_partition);
}

void kp_encode_leader_and_isr_request(struct wire_writer *w,
				      const struct kp_leader_and_isr_request *req)
{
	wire_put_i32(w, req->controller_id);
	wire_put_i32(w, req->controller_epoch);
	wire_put_i64(w, req->broker_epoch);
	put_topic_states(w, req->topics, req->topic_count, true);
	kp_put_array_count(w, false, false, req->live_leader_count);
	if (!kp_put_items_ok(w, req->live_leaders, req->live_leader_count))
		return;
	for (int32_t i = 0; i < req->live_leader_count; i++) {
		const struct kp_live_leader *l = &req->live_leaders[i];
		wire_put_i32(w, l->broker_id);
		kp_put_string(w, l->host_name, false);
		wire_put_i32(w, l->port);
	}
}

static void get_live_leader(struct wire_reader *r, struct kp_arena *a, struct kp_live_leader *l)
{
	l->broker_id = wire_get_i32(r);
	l->host_name = kp_get_string(r, false);
	l->port = wire_get_i32(r);
}

int kp_decode_leader_and_isr_request(struct wire_reader *r, struct kp_arena *a,
				     struct kp_leader_and_isr_request *req)
{
	memset(req, 0, sizeof *req);
	req->controller_id = wire_get_i32(r);
	req->controller_epoch = wire_get_i32(r);
	req->broker_epoch = wire_get_i64(r);
	KP_GET_ARRAY(r, a, false, false, TOPIC_STATES_MIN, struct kp_topic_states, req->topics,
		     req->topic_count, get_lai_topic);
	/* A live leader: broker_id, an empty host_name, port. */
	KP_GET_ARRAY(r, a, false, false, 10, struct kp_live_leader, req->live_leaders,
		     req->live_leader_count, get_live_leader);
	return kp_get_end(r);
}

static void put_um_broker(struct wire_writer *w, const struct kp_update_metadata_broker *b)
{
	wire_put_i32(w, b->id);
	kp_put_array_count(w, false, false, b->endpoint_count);
	if (!kp_put_items_ok(w, b->endpoints, b->endpoint_count))
		return;
	for (int32_t j = 0; j < b->endpoint_count; j++) {
		const struct kp_update_metadata_endpoint *e = &b->endpoints[j];
		wire_put_i32(w, e->port);
		kp_put_string(w, e->host, false);
		kp_put_string(w, e->listener, false);
		wire_put_i16(w, e->security_protocol);
	}
	kp_put_string(w, b->rack, true);
}

void kp_encode_update_metadata_request(struct wire_writer *w,
				       const struct kp_update_metadata_request *req)
{
	wire_put_i32(w, req->controller_id);
	wire_put_i32(w, req->controller_epoch);
	wire_put_i64(w, req->broker_epoch);
	put_topic_states(w, req->topics, req->topic_count, false);
	kp_put_array_count(w, false, false, req->live_broker_count);
	if (!kp_put_items_ok(w, req->live_brokers, req->live_broker_count))
		return;
	for (int32_t i = 0; i < req->live_broker_count; i++)
		put_um_broker(w, &req->live_brokers[i]);
}

static void get_um_endpoint(struct wire_reader *r, struct kp_arena *a,
			    struct kp_update_metadata_endpoint *e)
{
	e->port = wire_get_i32(r);
	e->host = kp_get_string(r, false);
	e->listener = kp_get_string(r, false);
	e->security_protocol = wire_get_i16(r);
}

static void get_um_broker(struct wire_reader *r, struct kp_arena *a,
			  struct kp_update_metadata_broker *b)
{
	b->id = wire_get_i32(r);
	/* An endpoint: port, empty host, empty listener, security_protocol. */
	KP_GET_ARRAY(r, a, false, false, 10, struct kp_update_metadata_endpoint, b->endpoints,
		     b->endpoint_count, get_um_endpoint);
	b->rack = kp_get_string(r, true);
}

int kp_decode_update_metadata_request(struct wire_reader *r, struct kp_arena *a,
				      struct kp_update_metadata_request *req)
{
	memset(req, 0, sizeof *req);
	req->controller_id = wire_get_i32(r);
	req->controller_epoch = wire_get_i32(r);
	req->broker_epoch = wire_get_i64(r);
	KP_GET_ARRAY(r, a, false, false, TOPIC_STATES_MIN, struct kp_topic_states, req->topics,
		     req->topic_count, get_um_topic);
	/* A live broker: id, endpoint count, a null rack (i16 -1). */
	KP_GET_ARRAY(r, a, false, false, 10, struct kp_update_metadata_broker, req->live_brokers,
		     req->live_broker_count, get_um_broker);
	return kp_get_end(r);
}

void kp_encode_stop_replica_request(struct wire_writer *w,
				    const struct kp_stop_replica_request *req)
{
	wire_put_i32(w, req->controller_id);
	wire_put_i32(w, req->controller_epoch);
	wire_put_i64(w, req->broker_epoch);
	kp_put_bool(w, req->delete_partitions);
	kp_put_array_count(w, false, false, req->topic_count);
	if (!kp_put_items_ok(w, req->topics, req->topic_count))
		return;
	for (int32_t i = 0; i < req->topic_count; i++) {
		kp_put_string(w, req->topics[i].name, false);
		kp_put_int32_array(w, req->topics[i].partitions, req->topics[i].partition_count);
	}
}

static void get_stop_topic(struct wire_reader *r, struct kp_arena *a,
			   struct kp_stop_replica_topic *t)
{
	t->name = kp_get_string(r, false);
	kp_get_int32_array(r, a, false, &t->partitions, &t->partition_count);
}

int kp_decode_stop_replica_request(struct wire_reader *r, struct kp_arena *a,
				   struct kp_stop_replica_request *req)
{
	memset(req, 0, sizeof *req);
	req->controller_id = wire_get_i32(r);
	req->controller_epoch = wire_get_i32(r);
	req->broker_epoch = wire_get_i64(r);
	req->delete_partitions = kp_get_bool(r);
	/* A topic: an empty name and a partition_indexes count. */
	KP_GET_ARRAY(r, a, false, false, 6, struct kp_stop_replica_topic, req->topics,
		     req->topic_count, get_stop_topic);
	return kp_get_end(r);
}

void kp_encode_partition_errors_response(struct wire_writer *w,
					 const struct kp_partition_errors_response *resp)
{
	wire_put_i16(w, resp->error_code);
	kp_put_array_count(w, false, false, resp->partition_count);
	if (!kp_put_items_ok(w, resp->partitions, resp->partition_count))
		return;
	for (int32_t i = 0; i < resp->partition_count; i++) {
		const struct kp_partition_error *e = &resp->partitions[i];
		kp_put_string(w, e->topic_name, false);
		wire_put_i32(w, e->partition_index);
		wire_put_i16(w, e->error_code);
	}
}

static void get_partition_error(struct wire_reader *r, struct kp_arena *a,
				struct kp_partition_error *e)
{
	e->topic_name = kp_get_string(r, false);
	e->partition_index = wire_get_i32(r);
	e->error_code = wire_get_i16(r);
}

int kp_decode_partition_errors_response(struct wire_reader *r, struct kp_arena *a,
					struct kp_partition_errors_response *resp)
{
	memset(resp, 0, sizeof *resp);
	resp->error_code = wire_get_i16(r);
	/* A partition error: an empty topic name, partition_index, error_code. */
	KP_GET_ARRAY(r, a, false, false, 8, struct kp_partition_error, resp->partitions,
		     resp->partition_count, get_partition_error);
	return kp_get_end(r);
}

void kp_encode_update_metadata_response(struct wire_writer *w,
					const struct kp_update_metadata_response *resp)
{
	wire_put_i16(w, resp->error_code);
}

int kp_decode_update_metadata_response(struct wire_reader *r,
				       struct kp_update_metadata_response *resp)
{
	resp->error_code = wire_get_i16(r);
	return kp_get_end(r);
}
