#include "broker/kp/kp_metadata.h"

#include <string.h>

static bool version_ok(int16_t v)
{
	return v >= KP_METADATA_MIN_VERSION && v <= KP_METADATA_MAX_VERSION;
}

void kp_encode_metadata_request(struct wire_writer *w, int16_t version,
				const struct kp_metadata_request *req)
{
	if (!version_ok(version)) {
		kp_writer_fail(w, KP_EVERSION);
		return;
	}
	/* v0 has no null array: "all topics" is the empty array there. */
	if (version == 0 && req->topic_count < 0)
		kp_put_array_count(w, false, false, 0);
	else
		kp_put_array_count(w, false, version >= 1, req->topic_count);
	if (req->topic_count > 0 && !kp_put_items_ok(w, req->topics, req->topic_count))
		return;
	for (int32_t i = 0; i < req->topic_count; i++)
		kp_put_string(w, req->topics[i], false);
	if (version >= 4)
		kp_put_bool(w, req->allow_auto_topic_creation);
}

static void get_topic_name(struct wire_reader *r, struct kp_arena *a, struct kp_str *name)
{
	*name = kp_get_string(r, false);
}

int kp_decode_metadata_request(struct wire_reader *r, struct kp_arena *a, int16_t version,
			       struct kp_metadata_request *req)
{
	memset(req, 0, sizeof *req);
	if (!version_ok(version))
		return KP_EVERSION;
	KP_GET_ARRAY(r, a, false, version >= 1, 2, struct kp_str, req->topics, req->topic_count,
		     get_topic_name);
	if (version == 0 && req->topic_count == 0 && !r->err)
		req->topic_count = -1; /* MetadataRequest.isAllTopics() at v0 */
	req->allow_auto_topic_creation = version >= 4 ? kp_get_bool(r) : true;
	return kp_get_end(r);
}

static void put_partition(struct wire_writer *w, int16_t version,
			  const struct kp_metadata_partition *p)
{
	wire_put_i16(w, p->error_code);
	wire_put_i32(w, p->partition_index);
	wire_put_i32(w, p->leader_id);
	kp_put_int32_array(w, p->replica_nodes, p->replica_count);
	kp_put_int32_array(w, p->isr_nodes, p->isr_count);
	if (version >= 5)
		kp_put_int32_array(w, p->offline_replicas, p->offline_count);
}

static void put_topic(struct wire_writer *w, int16_t version, const struct kp_metadata_topic *t)
{
	wire_put_i16(w, t->error_code);
	kp_put_string(w, t->name, false);
	if (version >= 1)
		kp_put_bool(w, t->is_internal);
	kp_put_array_count(w, false, false, t->partition_count);
	if (!kp_put_items_ok(w, t->partitions, t->partition_count))
		return;
	for (int32_t i = 0; i < t->partition_count; i++)
		put_partition(w, version, &t->partitions[i]);
}

void kp_encode_metadata_response(struct wire_writer *w, int16_t version,
				 const struct kp_metadata_response *resp)
{
	if (!version_ok(version)) {
		kp_writer_fail(w, KP_EVERSION);
		return;
	}
	if (version >= 3)
		wire_put_i32(w, resp->throttle_time_ms);
	kp_put_array_count(w, false, false, resp->broker_count);
	if (!kp_put_items_ok(w, resp->brokers, resp->broker_count))
		return;
	for (int32_t i = 0; i < resp->broker_count; i++) {
		const struct kp_metadata_broker *b = &resp->brokers[i];
		wire_put_i32(w, b->node_id);
		kp_put_string(w, b->host, false);
		wire_put_i32(w, b->port);
		if (version >= 1)
			kp_put_string(w, b->rack, true);
	}
	if (version >= 2)
		kp_put_string(w, resp->cluster_id, true);
	if (version >= 1)
		wire_put_i32(w, resp->controller_id);
	kp_put_array_count(w, false, false, resp->topic_count);
	if (!kp_put_items_ok(w, resp->topics, resp->topic_count))
		return;
	for (int32_t i = 0; i < resp->topic_count; i++)
		put_topic(w, version, &resp->topics[i]);
}

static void get_broker(struct wire_reader *r, struct kp_arena *a, int16_t version,
		       struct kp_metadata_broker *b)
{
	b->node_id = wire_get_i32(r);
	b->host = kp_get_string(r, false);
	b->port = wire_get_i32(r);
	b->rack = version >= 1 ? kp_get_string(r, true) : KP_STR_NULL;
}

static void get_partition(struct wire_reader *r, struct kp_arena *a, int16_t version,
			  struct kp_metadata_partition *p)
{
	p->error_code = wire_get_i16(r);
	p->partition_index = wire_get_i32(r);
	p->leader_id = wire_get_i32(r);
	kp_get_int32_array(r, a, false, &p->replica_nodes, &p->replica_count);
	kp_get_int32_array(r, a, false, &p->isr_nodes, &p->isr_count);
	if (version >= 5)
		kp_get_int32_array(r, a, false, &p->offline_replicas, &p->offline_count);
}

static void get_topic(struct wire_reader *r, struct kp_arena *a, int16_t version,
		      struct kp_metadata_topic *t)
{
	t->error_code = wire_get_i16(r);
	t->name = kp_get_string(r, false);
	t->is_internal = version >= 1 ? kp_get_bool(r) : false;
	/* v0-4: 2+4+4+4+4 bytes at least. */
	KP_GET_ARRAY_V(r, a, false, false, 18, struct kp_metadata_partition, t->partitions,
		       t->partition_count, get_partition, version);
}

int kp_decode_metadata_response(struct wire_reader *r, struct kp_arena *a, int16_t version,
				struct kp_metadata_response *resp)
{
	memset(resp, 0, sizeof *resp);
	if (!version_ok(version))
		return KP_EVERSION;
	resp->throttle_time_ms = version >= 3 ? wire_get_i32(r) : 0;
	/* v0: node_id, empty host, port = 10 bytes at least. */
	KP_GET_ARRAY_V(r, a, false, false, 10, struct kp_metadata_broker, resp->brokers,
		       resp->broker_count, get_broker, version);
	resp->cluster_id = version >= 2 ? kp_get_string(r, true) : KP_STR_NULL;
	resp->controller_id = version >= 1 ? wire_get_i32(r) : -1;
	/* v0: error_code, empty name, empty partitions = 8 bytes. */
	KP_GET_ARRAY_V(r, a, false, false, 8, struct kp_metadata_topic, resp->topics,
		       resp->topic_count, get_topic, version);
	return kp_get_end(r);
}
