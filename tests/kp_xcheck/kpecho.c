/*
 * kpecho — the ksim side of the cross-checks in this folder: reads request
 * frames (i32 size + body) on stdin, decodes each with broker/kp, and
 * writes: i32 decode status, the request re-encoded (i32 size + bytes), and
 * a canned response of the same API and version (i32 size + bytes, response
 * header included). See README.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "broker/kp/kp_dispatch.h"
#include "broker/kp/kp_error.h"

static uint8_t arena[1 << 20], out[1 << 16], in[1 << 16];

static void put(const uint8_t *b, uint32_t n)
{
	uint8_t l[4] = {n >> 24, n >> 16, n >> 8, n};
	fwrite(l, 1, 4, stdout);
	fwrite(b, 1, n, stdout);
}

int main(void)
{
	uint8_t lb[4];
	static const int32_t one[] = {1};
	static const struct kp_metadata_broker mb = {1, {"localhost", 9}, 9092, {NULL, -1}};
	static const struct kp_metadata_partition mp = {0, 0, 1, one, 1, one, 1, one, 1};
	static const struct kp_metadata_topic mt = {0, {"t", 1}, false, &mp, 1};
	static const struct kp_fetch_partition_response fp = {
		0, 0, 10, 9, 2, NULL, 0, -1, {(const uint8_t *)"", 0}};
	static const struct kp_fetch_topic_response ft = {{"t", 1}, &fp, 1};
	static const struct kp_list_offsets_partition_response lp = {0, 0, -1, 3};
	static const struct kp_list_offsets_topic_response lt = {{"t", 1}, &lp, 1};
	static const struct kp_join_group_member jm = {
		{"m", 1}, {NULL, -1}, {(const uint8_t *)"\x01", 1}};
	static const struct kp_offset_commit_partition_response cp = {0, 0};
	static const struct kp_offset_commit_topic_response ct = {{"t", 1}, &cp, 1};
	static const struct kp_offset_fetch_partition_response op = {0, 5, {"md", 2}, 0};
	static const struct kp_offset_fetch_topic_response ot = {{"t", 1}, &op, 1};
	static const struct kp_produce_partition_response pp = {0, 0, 5, -1, 2};
	static const struct kp_produce_topic_response pt = {{"t", 1}, &pp, 1};
	static const struct kp_create_topics_topic_response ctr = {{"t", 1}, 0, {NULL, -1}};
	while (fread(lb, 1, 4, stdin) == 4) {
		uint32_t n = (uint32_t)lb[0] << 24 | lb[1] << 16 | lb[2] << 8 | lb[3];
		if (fread(in, 1, n, stdin) != n)
			return 1;
		struct kp_arena a;
		kp_arena_init(&a, arena, sizeof arena);
		struct kp_request req;
		int rc = kp_decode_request(in, n, &a, &req);
		int32_t st = rc;
		uint8_t s4[4] = {st >> 24, st >> 16, st >> 8, st};
		fwrite(s4, 1, 4, stdout);
		struct wire_writer w;
		wire_writer_init(&w, out, sizeof out);
		if (rc == 0)
			kp_encode_request(&w, &req);
		put(out, rc == 0 ? (uint32_t)w.len : 0);
		struct kp_response resp;
		memset(&resp, 0, sizeof resp);
		resp.api_key = req.header.api_key;
		resp.api_version = req.header.api_version;
		resp.correlation_id = req.header.correlation_id;
		switch (resp.api_key) {
		case KP_API_METADATA:
			resp.body.metadata = (struct kp_metadata_response){0, &mb, 1, {"ksim", 4}, 1, &mt, 1};
			break;
		case KP_API_FETCH:
			resp.body.fetch = (struct kp_fetch_response){0, 0, 0, &ft, 1};
			break;
		case KP_API_LIST_OFFSETS:
			resp.body.list_offsets = (struct kp_list_offsets_response){0, &lt, 1};
			break;
		case KP_API_FIND_COORDINATOR:
			resp.body.find_coordinator = (struct kp_find_coordinator_response){
				0, 0, {NULL, -1}, 1, {"localhost", 9}, 9092};
			break;
		case KP_API_JOIN_GROUP:
			resp.body.join_group = (struct kp_join_group_response){
				0, 0, 3, {"range", 5}, {"m", 1}, {"m", 1}, &jm, 1};
			break;
		case KP_API_SYNC_GROUP:
			resp.body.sync_group = (struct kp_sync_group_response){0, 0, {(const uint8_t *)"\x02\x03", 2}};
			break;
		case KP_API_HEARTBEAT:
		case KP_API_LEAVE_GROUP:
			resp.body.heartbeat.error_code = 27;
			break;
		case KP_API_OFFSET_COMMIT:
			resp.body.offset_commit = (struct kp_offset_commit_response){0, &ct, 1};
			break;
		case KP_API_OFFSET_FETCH:
			resp.body.offset_fetch = (struct kp_offset_fetch_response){0, &ot, 1, 0};
			break;
		case KP_API_PRODUCE:
			resp.body.produce = (struct kp_produce_response){&pt, 1, 0};
			break;
		case KP_API_CREATE_TOPICS:
			resp.body.create_topics = (struct kp_create_topics_response){0, &ctr, 1};
			break;
		case KP_API_API_VERSIONS: {
			size_t k;
			resp.body.api_versions.api_keys = kp_api_supported_list(&k);
			resp.body.api_versions.api_key_count = (int32_t)k;
			break;
		}
		}
		wire_writer_init(&w, out, sizeof out);
		if (rc == 0)
			kp_encode_response(&w, &resp);
		put(out, rc == 0 && !w.err ? (uint32_t)w.len : 0);
		fflush(stdout); /* one answer per frame, for a live bridge */
	}
	return 0;
}
