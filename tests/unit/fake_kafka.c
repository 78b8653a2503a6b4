#include "tests/unit/fake_kafka.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "broker/kafka/brk_front.h"
#include "broker/kp/kp_error.h"
#include "broker/log/crc32c.h"
#include "broker/log/record_batch.h"

struct fbroker {
	struct env *env;
	int32_t id;
	struct truth *t;
	struct brk_front *front;
};

struct delayed {
	struct env_timer timer;
	struct brk_req *r;
	struct kp_response resp;
	struct kp_produce_partition_response part;
	struct kp_produce_topic_response topic;
	struct fbroker *b;
};

static void delayed_fire(struct env_timer *tm)
{
	struct delayed *d = tm->data;
	d->resp.body.produce.topics = &d->topic;
	d->topic.partitions = &d->part;
	brk_front_respond(d->r, &d->resp);
	env_free(d->b->env, d);
}

static int16_t append(struct fbroker *b, int32_t part, const struct kp_bytes *records,
		      int64_t *base)
{
	struct truth *t = b->t;
	struct rb_batch batch;
	assert_int_equal(rb_validate_batch(records->ptr, (size_t)records->len, RB_VALIDATE_DENSE,
					   &batch),
			 RB_OK);
	int32_t seq = batch.h.base_sequence;
	if (batch.h.producer_id >= 0 && (batch.h.producer_id != t->last_pid[part] ||
					 batch.h.producer_epoch != t->last_epoch[part])) {
		/* As Kafka's ProducerStateManager: an older epoch is fenced; a
		 * producer id or epoch new to the partition starts at 0. */
		if (batch.h.producer_id == t->last_pid[part] &&
		    batch.h.producer_epoch < t->last_epoch[part])
			return KP_ERR_INVALID_PRODUCER_EPOCH;
		if (seq != 0)
			return KP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
		t->last_pid[part] = batch.h.producer_id;
		t->last_epoch[part] = batch.h.producer_epoch;
		t->last_seq[part] = -1;
	}
	if (batch.h.producer_id >= 0) {
		if (seq <= t->last_seq[part]) { /* a retry of something appended */
			*base = t->seq_offset[part][seq];
			return KP_ERR_DUPLICATE_SEQUENCE_NUMBER;
		}
		if (seq != t->last_seq[part] + 1)
			return KP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
	}
	*base = t->log_len[part];
	struct rb_record_iter it;
	struct rb_record rec;
	assert_int_equal(rb_init_record_iter(&it, &batch, RB_VALIDATE_DENSE), RB_OK);
	while (rb_next_record(&it, &rec) == RB_OK) {
		assert_true(t->log_len[part] < MAX_LOG && rec.value.len < 16);
		memcpy(t->log[part][t->log_len[part]], rec.value.p, rec.value.len);
		t->log[part][t->log_len[part]++][rec.value.len] = 0;
	}
	if (batch.h.producer_id >= 0) {
		t->seq_offset[part][seq] = *base;
		t->last_seq[part] = seq + batch.h.record_count - 1;
	}
	return KP_ERR_NONE;
}

static void answer_metadata(struct fbroker *b, struct brk_req *r)
{
	static const char *const hosts[] = {"broker-1", "broker-2"};
	struct kp_metadata_broker brokers[2];
	for (int i = 0; i < 2; i++)
		brokers[i] = (struct kp_metadata_broker){i + 1, {hosts[i], 8}, 9092, {NULL, -1}};
	struct kp_metadata_partition parts[PARTS];
	int32_t replicas[2] = {1, 2};
	for (int p = 0; p < PARTS; p++)
		parts[p] = (struct kp_metadata_partition){0, p, b->t->leader[p], replicas, 2,
							  replicas, 2, NULL, 0};
	struct kp_metadata_topic topic = {0, {"t", 1}, false, parts, PARTS};
	struct kp_response resp;
	memset(&resp, 0, sizeof resp);
	resp.body.metadata = (struct kp_metadata_response){
		0, brokers, 2, {NULL, -1}, 1, &topic, 1};
	brk_front_respond(r, &resp);
}

/* Fetch: everything from fetch_offset as one batch, offsets preserved. */
static void answer_fetch(struct fbroker *b, struct brk_req *r)
{
	struct truth *t = b->t;
	const struct kp_fetch_request *fr = &r->req.body.fetch;
	t->fetch_requests++;
	struct kp_fetch_partition_response parts[PARTS];
	uint8_t *bufs[PARTS] = {NULL};
	int32_t n = 0;
	assert_int_equal(fr->topic_count, 1);
	for (int32_t k = 0; k < fr->topics[0].partition_count && n < PARTS; k++) {
		const struct kp_fetch_partition *fp = &fr->topics[0].partitions[k];
		int32_t part = fp->partition;
		struct kp_fetch_partition_response *out = &parts[n++];
		memset(out, 0, sizeof *out);
		out->partition_index = part;
		out->high_watermark = t->log_len[part];
		out->last_stable_offset = t->log_len[part];
		out->preferred_read_replica = -1;
		out->records = (struct kp_bytes){NULL, -1};
		if (t->leader[part] != b->id) {
			out->error_code = KP_ERR_NOT_LEADER_OR_FOLLOWER;
			continue;
		}
		if (fp->fetch_offset > t->log_len[part]) {
			out->error_code = KP_ERR_OFFSET_OUT_OF_RANGE;
			continue;
		}
		int64_t from = fp->fetch_offset, count = t->log_len[part] - from;
		if (count <= 0)
			continue;
		/* One batch: the records of the first one's leader epoch. */
		int32_t epoch = t->rec_epoch[part][from];
		for (int64_t i = 1; i < count; i++)
			if (t->rec_epoch[part][from + i] != epoch)
				count = i;
		struct rb_record_spec specs[MAX_LOG];
		for (int64_t i = 0; i < count; i++) {
			memset(&specs[i], 0, sizeof specs[i]);
			specs[i].offset_delta = (int32_t)i;
			specs[i].value = (struct rb_bytes){(const uint8_t *)t->log[part][from + i],
							   strlen(t->log[part][from + i])};
		}
		struct rb_batch_header h = {.base_offset = from, .magic = 2,
					    .partition_leader_epoch = epoch,
					    .last_offset_delta = (int32_t)count - 1,
					    .producer_id = -1, .producer_epoch = -1,
					    .base_sequence = -1};
		struct wire_writer w;
		wire_writer_init(&w, NULL, 0);
		rb_encode_batch(&w, &h, specs, (size_t)count);
		bufs[n - 1] = test_malloc(w.len);
		size_t need = w.len;
		wire_writer_init(&w, bufs[n - 1], need);
		assert_int_equal(rb_encode_batch(&w, &h, specs, (size_t)count), RB_OK);
		out->records = (struct kp_bytes){bufs[n - 1], (int32_t)w.len};
		if (t->corrupt_fetches > 0) {
			t->corrupt_fetches--;
			uint8_t *rec = bufs[n - 1] + RB_HEADER_SIZE;
			if (t->corrupt_kind == 0) {
				rec[w.len - RB_HEADER_SIZE - 2] ^= 0x40; /* in the last value */
			} else {
				/* The last record's length says one byte more than there
				 * is; the CRC is recomputed so that only the record walk
				 * can tell. */
				size_t last = w.len - RB_HEADER_SIZE;
				size_t pos = 0;
				for (int64_t i = 0; i < count; i++) {
					size_t len_at = pos;
					uint32_t zz = rec[pos];
					assert_true(zz < 0x80); /* short test values: one byte */
					pos += 1 + (zz >> 1);
					if (i == count - 1)
						rec[len_at] = (uint8_t)(zz + 2);
				}
				assert_int_equal(pos, last);
				uint32_t crc = crc32c(bufs[n - 1] + RB_CRC_START, w.len - RB_CRC_START);
				wire_store_be32(bufs[n - 1] + 17, crc);
			}
		}
	}
	struct kp_fetch_topic_response topic = {{"t", 1}, parts, n};
	struct kp_response resp;
	memset(&resp, 0, sizeof resp);
	resp.body.fetch.topics = &topic;
	resp.body.fetch.topic_count = 1;
	brk_front_respond(r, &resp);
	for (int32_t i = 0; i < n; i++)
		if (bufs[i])
			test_free(bufs[i]);
}

static void answer_list_offsets(struct fbroker *b, struct brk_req *r)
{
	const struct kp_list_offsets_request *lr = &r->req.body.list_offsets;
	assert_int_equal(lr->topic_count, 1);
	assert_int_equal(lr->topics[0].partition_count, 1);
	const struct kp_list_offsets_partition *lp = &lr->topics[0].partitions[0];
	struct kp_list_offsets_partition_response out = {lp->partition_index, 0, -1, 0};
	if (b->t->leader[lp->partition_index] != b->id)
		out.error_code = KP_ERR_NOT_LEADER_OR_FOLLOWER;
	else
		out.offset = lp->timestamp == -2 ? 0 : b->t->log_len[lp->partition_index];
	struct kp_list_offsets_topic_response topic = {{"t", 1}, &out, 1};
	struct kp_response resp;
	memset(&resp, 0, sizeof resp);
	resp.body.list_offsets.topics = &topic;
	resp.body.list_offsets.topic_count = 1;
	brk_front_respond(r, &resp);
}

/* As Kafka's epoch cache: the end of an epoch is the first offset of a later
 * one (or the log end), with the largest epoch at or below the one asked. */
static void answer_offsets_for_leader_epoch(struct fbroker *b, struct brk_req *r)
{
	const struct kp_offsets_for_leader_epoch_request *er = &r->req.body.offsets_for_leader_epoch;
	assert_int_equal(er->topic_count, 1);
	assert_int_equal(er->topics[0].partition_count, 1);
	const struct kp_epoch_partition *ep = &er->topics[0].partitions[0];
	struct truth *t = b->t;
	int32_t part = ep->partition;
	struct kp_epoch_end_offset out = {KP_ERR_NONE, part, -1, -1};
	t->epoch_requests++;
	if (t->leader[part] != b->id) {
		out.error_code = KP_ERR_NOT_LEADER_OR_FOLLOWER;
	} else {
		for (int64_t i = 0; i < t->log_len[part]; i++) {
			if (t->rec_epoch[part][i] > ep->leader_epoch) {
				out.end_offset = out.leader_epoch < 0 ? -1 : i;
				break;
			}
			out.leader_epoch = t->rec_epoch[part][i];
			out.end_offset = t->log_len[part];
		}
	}
	struct kp_epoch_topic_result topic = {{"t", 1}, &out, 1};
	struct kp_response resp;
	memset(&resp, 0, sizeof resp);
	resp.body.offsets_for_leader_epoch.topics = &topic;
	resp.body.offsets_for_leader_epoch.topic_count = 1;
	brk_front_respond(r, &resp);
}

static void handler(void *ctx, struct brk_req *r)
{
	struct fbroker *b = ctx;
	struct truth *t = b->t;
	struct kp_response resp;
	memset(&resp, 0, sizeof resp);
	switch (r->req.header.api_key) {
	case KP_API_METADATA:
		answer_metadata(b, r);
		return;
	case KP_API_INIT_PRODUCER_ID:
		resp.body.init_producer_id.producer_id = 4242 + t->n_producer_ids++;
		resp.body.init_producer_id.producer_epoch = 0;
		brk_front_respond(r, &resp);
		return;
	case KP_API_FETCH:
		answer_fetch(b, r);
		return;
	case KP_API_LIST_OFFSETS:
		answer_list_offsets(b, r);
		return;
	case KP_API_OFFSETS_FOR_LEADER_EPOCH:
		answer_offsets_for_leader_epoch(b, r);
		return;
	case KP_API_PRODUCE:
		break;
	default:
		fail();
	}
	const struct kp_produce_request *pr = &r->req.body.produce;
	assert_int_equal(pr->topic_count, 1);
	assert_int_equal(pr->topics[0].partition_count, 1);
	int32_t part = pr->topics[0].partitions[0].index;
	t->produce_requests++;
	struct delayed *d = env_calloc(b->env, 1, sizeof *d);
	d->b = b;
	d->r = r;
	d->timer.data = d;
	d->topic.name = (struct kp_str){"t", 1};
	d->topic.partition_count = 1;
	d->resp.body.produce.topic_count = 1;
	d->part.index = part;
	d->part.log_append_time_ms = -1;
	if (t->leader[part] != b->id) {
		d->part.error_code = KP_ERR_NOT_LEADER_OR_FOLLOWER;
	} else if (t->fail_count > 0) {
		t->fail_count--;
		d->part.error_code = t->fail_next;
	} else {
		d->part.error_code = append(b, part, &pr->topics[0].partitions[0].records,
					    &d->part.base_offset);
	}
	if (pr->acks == 0) {
		brk_front_drop(r);
		env_free(b->env, d);
		return;
	}
	env_timer_start(b->env, &d->timer, t->delay_ns, delayed_fire);
}

static void *fbroker_start(struct env *env, const void *config)
{
	const struct fb_config *cfg = config;
	struct fbroker *b = env_calloc(env, 1, sizeof *b);
	b->env = env;
	b->id = cfg->id;
	b->t = cfg->t;
	struct brk_front_config fc;
	brk_front_config_default(&fc);
	b->front = brk_front_start(env, &fc, handler, b);
	return b;
}


const struct sim_node_class fake_broker_class = {"broker", fbroker_start};

void fake_truth_init(struct truth *t)
{
	memset(t, 0, sizeof *t);
	for (int p = 0; p < PARTS; p++) {
		t->leader[p] = 1;
		t->last_seq[p] = -1;
		t->last_pid[p] = -1;
	}
}
