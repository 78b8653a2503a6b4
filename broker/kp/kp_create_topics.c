#include "broker/kp/kp_create_topics.h"

#include <string.h>

static bool version_ok(int16_t v)
{
	return v >= KP_CREATE_TOPICS_MIN_VERSION && v <= KP_CREATE_TOPICS_MAX_VERSION;
}

static void put_topic(struct wire_writer *w, const struct kp_create_topics_topic *t)
{
	kp_put_string(w, t->name, false);
	wire_put_i32(w, t->num_partitions);
	wire_put_i16(w, t->replication_factor);
	kp_put_array_count(w, false, false, t->assignment_count);
	if (!kp_put_items_ok(w, t->assignments, t->assignment_count))
		return;
	for (int32_t j = 0; j < t->assignment_count; j++) {
		const struct kp_create_topics_assignment *s = &t->assignments[j];
		wire_put_i32(w, s->partition_index);
		kp_put_int32_array(w, s->broker_ids, s->broker_count);
	}
	kp_put_array_count(w, false, false, t->config_count);
	if (!kp_put_items_ok(w, t->configs, t->config_count))
		return;
	for (int32_t j = 0; j < t->config_count; j++) {
		kp_put_string(w, t->configs[j].name, false);
		kp_put_string(w, t->configs[j].value, true);
	}
}

void kp_encode_create_topics_request(struct wire_writer *w, int16_t version,
				     const struct kp_create_topics_request *req)
{
	if (!version_ok(version)) {
		kp_writer_fail(w, KP_EVERSION);
		return;
	}
	kp_put_array_count(w, false, false, req->topic_count);
	if (!kp_put_items_ok(w, req->topics, req->topic_count))
		return;
	for (int32_t i = 0; i < req->topic_count; i++)
		put_topic(w, &req->topics[i]);
	wire_put_i32(w, req->timeout_ms);
	if (version >= 1)
		kp_put_bool(w, req->validate_only);
}

static void get_assignment(struct wire_reader *r, struct kp_arena *a,
			   struct kp_create_topics_assignment *s)
{
	s->partition_index = wire_get_i32(r);
	kp_get_int32_array(r, a, false, &s->broker_ids, &s->broker_count);
}

static void get_config(struct wire_reader *r, struct kp_arena *a,
		       struct kp_create_topics_config *c)
{
	c->name = kp_get_string(r, false);
	c->value = kp_get_string(r, true);
}

static void get_topic(struct wire_reader *r, struct kp_arena *a,
		      struct kp_create_topics_topic *t)
{
	t->name = kp_get_string(r, false);
	t->num_partitions = wire_get_i32(r);
	t->replication_factor = wire_get_i16(r);
	KP_GET_ARRAY(r, a, false, false, 8, struct kp_create_topics_assignment, t->assignments,
		     t->assignment_count, get_assignment);
	KP_GET_ARRAY(r, a, false, false, 4, struct kp_create_topics_config, t->configs,
		     t->config_count, get_config);
}

int kp_decode_create_topics_request(struct wire_reader *r, struct kp_arena *a, int16_t version,
				    struct kp_create_topics_request *req)
{
	memset(req, 0, sizeof *req);
	if (!version_ok(version))
		return KP_EVERSION;
	KP_GET_ARRAY(r, a, false, false, 16, struct kp_create_topics_topic, req->topics,
		     req->topic_count, get_topic);
	req->timeout_ms = wire_get_i32(r);
	req->validate_only = version >= 1 ? kp_get_bool(r) : false;
	return kp_get_end(r);
}

void kp_encode_create_topics_response(struct wire_writer *w, int16_t version,
				      const struct kp_create_topics_response *resp)
{
	if (!version_ok(version)) {
		kp_writer_fail(w, KP_EVERSION);
		return;
	}
	if (version >= 2)
		wire_put_i32(w, resp->throttle_time_ms);
	kp_put_array_count(w, false, false, resp->topic_count);
	if (!kp_put_items_ok(w, resp->topics, resp->topic_count))
		return;
	for (int32_t i = 0; i < resp->topic_count; i++) {
		kp_put_string(w, resp->topics[i].name, false);
		wire_put_i16(w, resp->topics[i].error_code);
		if (version >= 1)
			kp_put_string(w, resp->topics[i].error_message, true);
	}
}

static void get_topic_response(struct wire_reader *r, struct kp_arena *a, int16_t version,
			       struct kp_create_topics_topic_response *t)
{
	t->name = kp_get_string(r, false);
	t->error_code = wire_get_i16(r);
	t->error_message = version >= 1 ? kp_get_string(r, true) : KP_STR_NULL;
}

int kp_decode_create_topics_response(struct wire_reader *r, struct kp_arena *a, int16_t version,
				     struct kp_create_topics_response *resp)
{
	memset(resp, 0, sizeof *resp);
	if (!version_ok(version))
		return KP_EVERSION;
	resp->throttle_time_ms = version >= 2 ? wire_get_i32(r) : 0;
	/* v0: empty name and error_code = 4 bytes. */
	KP_GET_ARRAY_V(r, a, false, false, 4, struct kp_create_topics_topic_response, resp->topics,
		       resp->topic_count, get_topic_response, version);
	return kp_get_end(r);
}
