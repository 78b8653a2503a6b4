#include "broker/kp/kp_group_offsets.h"

#include <string.h>

#define OC_LO KP_OFFSET_COMMIT_MIN_VERSION
#define OC_HI KP_OFFSET_COMMIT_MAX_VERSION
#define OF_LO KP_OFFSET_FETCH_MIN_VERSION
#define OF_HI KP_OFFSET_FETCH_MAX_VERSION

static bool enc_version_ok(struct wire_writer *w, int16_t v, int16_t lo, int16_t hi)
{
	if (v >= lo && v <= hi)
		return true;
	kp_writer_fail(w, KP_EVERSION);
	return false;
}

/* ---- OffsetCommit ------------------------------------------------------------------ */

static void put_commit_topic(struct wire_writer *w, int16_t version,
			     const struct kp_offset_commit_topic *t)
{
	kp_put_string(w, t->name, false);
	kp_put_array_count(w, false, false, t->partition_count);
	if (!kp_put_items_ok(w, t->partitions, t->partition_count))
		return;
	for (int32_t j = 0; j < t->partition_count; j++) {
		const struct kp_offset_commit_partition *p = &t->partitions[j];
		wire_put_i32(w, p->partition_index);
		wire_put_i64(w, p->committed_offset);
		if (version == 1)
			wire_put_i64(w, -1); /* commit_timestamp: the broker's clock */
		kp_put_string(w, p->committed_metadata, true);
	}
}

void kp_encode_offset_commit_request(struct wire_writer *w, int16_t version,
				     const struct kp_offset_commit_request *req)
{
	if (!enc_version_ok(w, version, OC_LO, OC_HI))
		return;
	kp_put_string(w, req->group_id, false);
	wire_put_i32(w, req->generation_id);
	kp_put_string(w, req->member_id, false);
	if (version >= 2 && version <= 4)
		wire_put_i64(w, -1); /* retention_time_ms: the broker's default */
	kp_put_array_count(w, false, false, req->topic_count);
	if (!kp_put_items_ok(w, req->topics, req->topic_count))
		return;
	for (int32_t i = 0; i < req->topic_count; i++)
		put_commit_topic(w, version, &req->topics[i]);
}

static void get_commit_partition(struct wire_reader *r, struct kp_arena *a, int16_t version,
				 struct kp_offset_commit_partition *p)
{
	p->partition_index = wire_get_i32(r);
	p->committed_offset = wire_get_i64(r);
	if (version == 1)
		(void)wire_get_i64(r); /* commit_timestamp: offsets never expire here */
	p->committed_metadata = kp_get_string(r, true);
}

static void get_commit_topic(struct wire_reader *r, struct kp_arena *a, int16_t version,
			     struct kp_offset_commit_topic *t)
{
	t->name = kp_get_string(r, false);
	KP_GET_ARRAY_V(r, a, false, false, 14, struct kp_offset_commit_partition, t->partitions,
		       t->partition_count, get_commit_partition, version);
}

int kp_decode_offset_commit_request(struct wire_reader *r, struct kp_arena *a, int16_t version,
				    struct kp_offset_commit_request *req)
{
	memset(req, 0, sizeof *req);
	if (version < OC_LO || version > OC_HI)
		return KP_EVERSION;
	req->group_id = kp_get_string(r, false);
	req->generation_id = wire_get_i32(r);
	req->member_id = kp_get_string(r, false);
	if (version >= 2 && version <= 4)
		(void)wire_get_i64(r); /* retention_time_ms: offsets never expire here */
	KP_GET_ARRAY_V(r, a, false, false, 6, struct kp_offset_commit_topic, req->topics,
		       req->topic_count, get_commit_topic, version);
	return kp_get_end(r);
}

void kp_encode_offset_commit_response(struct wire_writer *w, int16_t version,
				      const struct kp_offset_commit_response *resp)
{
	if (!enc_version_ok(w, version, OC_LO, OC_HI))
		return;
	if (version >= 3)
		wire_put_i32(w, resp->throttle_time_ms);
	kp_put_array_count(w, false, false, resp->topic_count);
	if (!kp_put_items_ok(w, resp->topics, resp->topic_count))
		return;
	for (int32_t i = 0; i < resp->topic_count; i++) {
		const struct kp_offset_commit_topic_response *t = &resp->topics[i];
		kp_put_string(w, t->name, false);
		kp_put_array_count(w, false, false, t->partition_count);
		if (!kp_put_items_ok(w, t->partitions, t->partition_count))
			return;
		for (int32_t j = 0; j < t->partition_count; j++) {
			wire_put_i32(w, t->partitions[j].partition_index);
			wire_put_i16(w, t->partitions[j].error_code);
		}
	}
}

static void get_commit_partition_response(struct wire_reader *r, struct kp_arena *a,
					  struct kp_offset_commit_partition_response *p)
{
	p->partition_index = wire_get_i32(r);
	p->error_code = wire_get_i16(r);
}

static void get_commit_topic_response(struct wire_reader *r, struct kp_arena *a,
				      struct kp_offset_commit_topic_response *t)
{
	t->name = kp_get_string(r, false);
	KP_GET_ARRAY(r, a, false, false, 6, struct kp_offset_commit_partition_response,
		     t->partitions, t->partition_count, get_commit_partition_response);
}

int kp_decode_offset_commit_response(struct wire_reader *r, struct kp_arena *a, int16_t version,
				     struct kp_offset_commit_response *resp)
{
	memset(resp, 0, sizeof *resp);
	if (version < OC_LO || version > OC_HI)
		return KP_EVERSION;
	resp->throttle_time_ms = version >= 3 ? wire_get_i32(r) : 0;
	KP_GET_ARRAY(r, a, false, false, 6, struct kp_offset_commit_topic_response, resp->topics,
		     resp->topic_count, get_commit_topic_response);
	return kp_get_end(r);
}

/* ---- OffsetFetch ------------------------------------------------------------------- */

void kp_encode_offset_fetch_request(struct wire_writer *w, int16_t version,
				    const struct kp_offset_fetch_request *req)
{
	if (!enc_version_ok(w, version, OF_LO, OF_HI))
		return;
	kp_put_string(w, req->group_id, false);
	/* A null list (every partition of the group) exists from v2. */
	kp_put_array_count(w, false, version >= 2, req->topic_count);
	if (!kp_put_items_ok(w, req->topics, req->topic_count))
		return;
	for (int32_t i = 0; i < req->topic_count; i++) {
		kp_put_string(w, req->topics[i].name, false);
		kp_put_int32_array(w, req->topics[i].partition_indexes,
				   req->topics[i].partition_count);
	}
}

static void get_fetch_topic(struct wire_reader *r, struct kp_arena *a,
			    struct kp_offset_fetch_topic *t)
{
	t->name = kp_get_string(r, false);
	kp_get_int32_array(r, a, false, &t->partition_indexes, &t->partition_count);
}

int kp_decode_offset_fetch_request(struct wire_reader *r, struct kp_arena *a, int16_t version,
				   struct kp_offset_fetch_request *req)
{
	memset(req, 0, sizeof *req);
	if (version < OF_LO || version > OF_HI)
		return KP_EVERSION;
	req->group_id = kp_get_string(r, false);
	KP_GET_ARRAY(r, a, false, version >= 2, 6, struct kp_offset_fetch_topic, req->topics,
		     req->topic_count, get_fetch_topic);
	return kp_get_end(r);
}

static void put_fetch_topic_response(struct wire_writer *w,
				     const struct kp_offset_fetch_topic_response *t)
{
	kp_put_string(w, t->name, false);
	kp_put_array_count(w, false, false, t->partition_count);
	if (!kp_put_items_ok(w, t->partitions, t->partition_count))
		return;
	for (int32_t j = 0; j < t->partition_count; j++) {
		const struct kp_offset_fetch_partition_response *p = &t->partitions[j];
		wire_put_i32(w, p->partition_index);
		wire_put_i64(w, p->committed_offset);
		kp_put_string(w, p->metadata, true);
		wire_put_i16(w, p->error_code);
	}
}

void kp_encode_offset_fetch_response(struct wire_writer *w, int16_t version,
				     const struct kp_offset_fetch_response *resp)
{
	if (!enc_version_ok(w, version, OF_LO, OF_HI))
		return;
	if (version >= 3)
		wire_put_i32(w, resp->throttle_time_ms);
	kp_put_array_count(w, false, false, resp->topic_count);
	if (!kp_put_items_ok(w, resp->topics, resp->topic_count))
		return;
	for (int32_t i = 0; i < resp->topic_count; i++)
		put_fetch_topic_response(w, &resp->topics[i]);
	if (version >= 2)
		wire_put_i16(w, resp->error_code);
}

static void get_fetch_partition_response(struct wire_reader *r, struct kp_arena *a,
					 struct kp_offset_fetch_partition_response *p)
{
	p->partition_index = wire_get_i32(r);
	p->committed_offset = wire_get_i64(r);
	p->metadata = kp_get_string(r, true);
	p->error_code = wire_get_i16(r);
}

static void get_fetch_topic_response(struct wire_reader *r, struct kp_arena *a,
				     struct kp_offset_fetch_topic_response *t)
{
	t->name = kp_get_string(r, false);
	KP_GET_ARRAY(r, a, false, false, 16, struct kp_offset_fetch_partition_response,
		     t->partitions, t->partition_count, get_fetch_partition_response);
}

int kp_decode_offset_fetch_response(struct wire_reader *r, struct kp_arena *a, int16_t version,
				    struct kp_offset_fetch_response *resp)
{
	memset(resp, 0, sizeof *resp);
	if (version < OF_LO || version > OF_HI)
		return KP_EVERSION;
	resp->throttle_time_ms = version >= 3 ? wire_get_i32(r) : 0;
	KP_GET_ARRAY(r, a, false, false, 6, struct kp_offset_fetch_topic_response, resp->topics,
		     resp->topic_count, get_fetch_topic_response);
	resp->error_code = version >= 2 ? wire_get_i16(r) : 0;
	return kp_get_end(r);
}
