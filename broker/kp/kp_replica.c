#include "broker/kp/kp_replica.h"

#include <string.h>

/* ---- OffsetsForLeaderEpoch v3 (non-flexible) --------------------------------------------- */

void kp_encode_offsets_for_leader_epoch_request(
	struct wire_writer *w, const struct kp_offsets_for_leader_epoch_request *req)
{
	wire_put_i32(w, req->replica_id);
	kp_put_array_count(w, false, false, req->topic_count);
	if (!kp_put_items_ok(w, req->topics, req->topic_count))
		return;
	for (int32_t i = 0; i < req->topic_count; i++) {
		const struct kp_epoch_topic *t = &req->topics[i];
		kp_put_string(w, t->topic, false);
		kp_put_array_count(w, false, false, t->partition_count);
		if (!kp_put_items_ok(w, t->partitions, t->partition_count))
			return;
		for (int32_t j = 0; j < t->partition_count; j++) {
			wire_put_i32(w, t->partitions[j].partition);
			wire_put_i32(w, t->partitions[j].current_leader_epoch);
			wire_put_i32(w, t->partitions[j].leader_epoch);
		}
	}
}

static void get_epoch_partition(struct wire_reader *r, struct kp_arena *a,
				struct kp_epoch_partition *p)
{
	p->partition = wire_get_i32(r);
	p->current_leader_epoch = wire_get_i32(r);
	p->leader_epoch = wire_get_i32(r);
}

static void get_epoch_topic(struct wire_reader *r, struct kp_arena *a, struct kp_epoch_topic *t)
{
	t->topic = kp_get_string(r, false);
	KP_GET_ARRAY(r, a, false, false, 12, struct kp_epoch_partition, t->partitions,
		     t->partition_count, get_epoch_partition);
}

int kp_decode_offsets_for_leader_epoch_request(struct wire_reader *r, struct kp_arena *a,
					       struct kp_offsets_for_leader_epoch_request *req)
{
	memset(req, 0, sizeof *req);
	req->replica_id = wire_get_i32(r);
	/* A topic: an empty name and a partition count. */
	KP_GET_ARRAY(r, a, false, false, 6, struct kp_epoch_topic, req->topics, req->topic_count,
		     get_epoch_topic);
	return kp_get_end(r);
}

void kp_encode_offsets_for_leader_epoch_response(
	struct wire_writer *w, const struct kp_offsets_for_leader_epoch_response *resp)
{
	wire_put_i32(w, resp->throttle_time_ms);
	kp_put_array_count(w, false, false, resp->topic_count);
	if (!kp_put_items_ok(w, resp->topics, resp->topic_count))
		return;
	for (int32_t i = 0; i < resp->topic_count; i++) {
		const struct kp_epoch_topic_result *t = &resp->topics[i];
		kp_put_string(w, t->topic, false);
		kp_put_array_count(w, false, false, t->partition_count);
		if (!kp_put_items_ok(w, t->partitions, t->partition_count))
			return;
		for (int32_t j = 0; j < t->partition_count; j++) {
			const struct kp_epoch_end_offset *p = &t->partitions[j];
			wire_put_i16(w, p->error_code);
			wire_put_i32(w, p->partition);
			wire_put_i32(w, p->leader_epoch);
			wire_put_i64(w, p->end_offset);
		}
	}
}

static void get_end_offset(struct wire_reader *r, struct kp_arena *a,
			   struct kp_epoch_end_offset *p)
{
	p->error_code = wire_get_i16(r);
	p->partition = wire_get_i32(r);
	p->leader_epoch = wire_get_i32(r);
	p->end_offset = wire_get_i64(r);
}

static void get_epoch_topic_result(struct wire_reader *r, struct kp_arena *a,
				   struct kp_epoch_topic_result *t)
{
	t->topic = kp_get_string(r, false);
	KP_GET_ARRAY(r, a, false, false, 18, struct kp_epoch_end_offset, t->partitions,
		     t->partition_count, get_end_offset);
}

int kp_decode_offsets_for_leader_epoch_response(struct wire_reader *r, struct kp_arena *a,
						struct kp_offsets_for_leader_epoch_response *resp)
{
	memset(resp, 0, sizeof *resp);
	resp->throttle_time_ms = wire_get_i32(r);
	KP_GET_ARRAY(r, a, false, false, 6, struct kp_epoch_topic_result, resp->topics,
		     resp->topic_count, get_epoch_topic_result);
	return kp_get_end(r);
}

/* ---- AlterPartition v0 (flexible) -------------------------------------------------------- */

/*
 * Every struct of a flexible version ends with its own tagged-field section,
 * and strings and arrays use the compact (uvarint length + 1) forms. The
 * [int32] lists become COMPACT_ARRAY of INT32; kp_prim's int32 helpers only
 * speak the i32-count form, hence the two helpers below.
 */
static void put_compact_int32_array(struct wire_writer *w, const int32_t *items, int32_t count)
{
	kp_put_array_count(w, true, false, count);
	if (!kp_put_items_ok(w, items, count))
		return;
	for (int32_t i = 0; i < count; i++)
		wire_put_i32(w, items[i]);
}

static void get_compact_int32_array(struct wire_reader *r, struct kp_arena *a,
				    const int32_t **items, int32_t *count)
{
	int32_t *v = kp_get_array(r, a, true, false, 4, sizeof(int32_t), count);
	*items = v;
	for (int32_t i = 0; v && i < *count; i++)
		v[i] = wire_get_i32(r);
}

static void put_alter_topic(struct wire_writer *w, const struct kp_alter_partition_topic *t)
{
	kp_put_compact_string(w, t->topic_name, false);
	kp_put_array_count(w, true, false, t->partition_count);
	if (!kp_put_items_ok(w, t->partitions, t->partition_count))
		return;
	for (int32_t j = 0; j < t->partition_count; j++) {
		const struct kp_alter_partition_partition *p = &t->partitions[j];
		wire_put_i32(w, p->partition_index);
		wire_put_i32(w, p->leader_epoch);
		put_compact_int32_array(w, p->new_isr, p->new_isr_count);
		wire_put_i32(w, p->partition_epoch);
		kp_put_tagged_fields(w);
	}
	kp_put_tagged_fields(w);
}

void kp_encode_alter_partition_request(struct wire_writer *w,
				       const struct kp_alter_partition_request *req)
{
	wire_put_i32(w, req->broker_id);
	wire_put_i64(w, req->broker_epoch);
	kp_put_array_count(w, true, false, req->topic_count);
	if (!kp_put_items_ok(w, req->topics, req->topic_count))
		return;
	for (int32_t i = 0; i < req->topic_count; i++)
		put_alter_topic(w, &req->topics[i]);
	kp_put_tagged_fields(w);
}

static void get_alter_partition(struct wire_reader *r, struct kp_arena *a,
				struct kp_alter_partition_partition *p)
{
	p->partition_index = wire_get_i32(r);
	p->leader_epoch = wire_get_i32(r);
	get_compact_int32_array(r, a, &p->new_isr, &p->new_isr_count);
	p->partition_epoch = wire_get_i32(r);
	kp_skip_tagged_fields(r);
}

static void get_alter_topic(struct wire_reader *r, struct kp_arena *a,
			    struct kp_alter_partition_topic *t)
{
	t->topic_name = kp_get_compact_string(r, false);
	/* A partition: index, leader_epoch, isr count (1), epoch, tags (1). */
	KP_GET_ARRAY(r, a, true, false, 14, struct kp_alter_partition_partition, t->partitions,
		     t->partition_count, get_alter_partition);
	kp_skip_tagged_fields(r);
}

int kp_decode_alter_partition_request(struct wire_reader *r, struct kp_arena *a,
				      struct kp_alter_partition_request *req)
{
	memset(req, 0, sizeof *req);
	req->broker_id = wire_get_i32(r);
	req->broker_epoch = wire_get_i64(r);
	/* A topic: empty name (1), partition count (1), tags (1). */
	KP_GET_ARRAY(r, a, true, false, 3, struct kp_alter_partition_topic, req->topics,
		     req->topic_count, get_alter_topic);
	kp_skip_tagged_fields(r);
	return kp_get_end(r);
}

static void put_alter_result(struct wire_writer *w, const struct kp_alter_partition_result *p)
{
	wire_put_i32(w, p->partition_index);
	wire_put_i16(w, p->error_code);
	wire_put_i32(w, p->leader_id);
	wire_put_i32(w, p->leader_epoch);
	put_compact_int32_array(w, p->isr, p->isr_count);
	wire_put_i32(w, p->partition_epoch);
	kp_put_tagged_fields(w);
}

void kp_encode_alter_partition_response(struct wire_writer *w,
					const struct kp_alter_partition_response *resp)
{
	wire_put_i32(w, resp->throttle_time_ms);
	wire_put_i16(w, resp->error_code);
	kp_put_array_count(w, true, false, resp->topic_count);
	if (!kp_put_items_ok(w, resp->topics, resp->topic_count))
		return;
	for (int32_t i = 0; i < resp->topic_count; i++) {
		const struct kp_alter_partition_topic_result *t = &resp->topics[i];
		kp_put_compact_string(w, t->topic_name, false);
		kp_put_array_count(w, true, false, t->partition_count);
		if (!kp_put_items_ok(w, t->partitions, t->partition_count))
			return;
		for (int32_t j = 0; j < t->partition_count; j++)
			put_alter_result(w, &t->partitions[j]);
		kp_put_tagged_fields(w);
	}
	kp_put_tagged_fields(w);
}

static void get_alter_result(struct wire_reader *r, struct kp_arena *a,
			     struct kp_alter_partition_result *p)
{
	p->partition_index = wire_get_i32(r);
	p->error_code = wire_get_i16(r);
	p->leader_id = wire_get_i32(r);
	p->leader_epoch = wire_get_i32(r);
	get_compact_int32_array(r, a, &p->isr, &p->isr_count);
	p->partition_epoch = wire_get_i32(r);
	kp_skip_tagged_fields(r);
}

static void get_alter_topic_result(struct wire_reader *r, struct kp_arena *a,
				   struct kp_alter_partition_topic_result *t)
{
	t->topic_name = kp_get_compact_string(r, false);
	/* A result: index, error, leader, epoch, isr count (1), epoch, tags (1). */
	KP_GET_ARRAY(r, a, true, false, 20, struct kp_alter_partition_result, t->partitions,
		     t->partition_count, get_alter_result);
	kp_skip_tagged_fields(r);
}

int kp_decode_alter_partition_response(struct wire_reader *r, struct kp_arena *a,
				       struct kp_alter_partition_response *resp)
{
	memset(resp, 0, sizeof *resp);
	resp->throttle_time_ms = wire_get_i32(r);
	resp->error_code = wire_get_i16(r);
	KP_GET_ARRAY(r, a, true, false, 3, struct kp_alter_partition_topic_result, resp->topics,
		     resp->topic_count, get_alter_topic_result);
	kp_skip_tagged_fields(r);
	return kp_get_end(r);
}
