#include "harness/wl_history.h"

#include <stdlib.h>
#include <string.h>

#include "broker/kp/kp_error.h"

static enum hist_type type_of(enum kc_send_outcome outcome)
{
	switch (outcome) {
	case KC_SEND_OK: return HIST_T_OK;
	case KC_SEND_FAIL: return HIST_T_FAIL;
	case KC_SEND_INFO: return HIST_T_INFO;
	}
	return HIST_T_INFO;
}

static void send_invoke(void *ctx, int64_t time_ns, const char *process, const char *topic,
			const char *key, const char *value)
{
	struct wl_history *h = ctx;
	struct hist_w_send s = {topic, -1, key, value, -1, NULL};
	hist_write_send(&h->w, time_ns, process, HIST_T_INVOKE, &s);
	h->lines++;
}

static void send_done(void *ctx, int64_t time_ns, const char *process, const char *topic,
		      int32_t partition, const char *key, const char *value, int64_t offset,
		      enum kc_send_outcome outcome, const char *error)
{
	struct wl_history *h = ctx;
	/* Only an acknowledged send carries an offset (acks=0 has none). */
	bool ok = outcome == KC_SEND_OK && offset >= 0;
	enum hist_type type = outcome == KC_SEND_OK && offset < 0 ? HIST_T_INFO : type_of(outcome);
	struct hist_w_send s = {topic, partition, key, value, ok ? offset : -1, error};
	hist_write_send(&h->w, time_ns, process, type, &s);
	h->lines++;
}

static void poll(void *ctx, int64_t time_ns, const char *process, const char *topic,
		 int32_t partition, const struct kc_record_view *recs, size_t n, int64_t hw,
		 bool final)
{
	struct wl_history *h = ctx;
	struct hist_w_record *out = calloc(n ? n : 1, sizeof *out);
	char **values = calloc(n ? n : 1, sizeof *values);
	if (!out || !values) {
		free(out);
		free(values);
		h->w.failed = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		values[i] = malloc(recs[i].value_len + 1);
		if (!values[i]) {
			h->w.failed = true;
			break;
		}
		if (recs[i].value_len)
			memcpy(values[i], recs[i].value, recs[i].value_len);
		values[i][recs[i].value_len] = 0;
		out[i] = (struct hist_w_record){topic, partition, recs[i].offset, values[i]};
	}
	struct hist_w_hw mark = {topic, partition, hw};
	if (!h->w.failed)
		hist_write_read(&h->w, time_ns, final ? "final-reader" : process, HIST_T_OK,
				final ? HIST_F_FINAL_READ : HIST_F_POLL, out, n, &mark, 1);
	h->lines++;
	for (size_t i = 0; i < n; i++)
		free(values[i]);
	free(values);
	free(out);
}

static void positions(struct wl_history *h, int64_t time_ns, const char *process,
		      enum hist_type type, enum hist_f f, const struct kc_consumer_tp *tps,
		      size_t n)
{
	struct hist_w_position *pos = calloc(n ? n : 1, sizeof *pos);
	if (!pos) {
		h->w.failed = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		pos[i] = (struct hist_w_position){tps[i].topic, tps[i].partition, tps[i].offset};
	hist_write_positions(&h->w, time_ns, process, type, f, pos, n);
	h->lines++;
	free(pos);
}

/* A group member's assignment: an `assign` line naming every partition it
 * now owns (the poll checkers forget their last offsets), with the start
 * offset where the committed offset gave one. */
static void assign(void *ctx, int64_t time_ns, const char *process,
		   const struct kc_consumer_tp *tps, size_t n)
{
	positions(ctx, time_ns, process, HIST_T_OK, HIST_F_ASSIGN, tps, n);
}

/* A commit: ok when acknowledged, info when its outcome is unknown (no
 * answer, or the append behind it timed out), fail when refused. */
static void commit(void *ctx, int64_t time_ns, const char *process,
		   const struct kc_consumer_tp *tps, size_t n, int16_t error)
{
	enum hist_type type = error == 0 ? HIST_T_OK
			      : error < 0 || error == KP_ERR_COORDINATOR_NOT_AVAILABLE ||
					error == KP_ERR_NOT_COORDINATOR
				  ? HIST_T_INFO
				  : HIST_T_FAIL;
	positions(ctx, time_ns, process, type, HIST_F_COMMIT, tps, n);
}

/* A position reset by auto.offset.reset: a `seek` line, after which the
 * poll checkers do not hold the consumer to its previous offsets. */
static void seek(void *ctx, int64_t time_ns, const char *process,
		 const struct kc_consumer_tp *tp)
{
	positions(ctx, time_ns, process, HIST_T_OK, HIST_F_SEEK, tp, 1);
}

void wl_history_init(struct wl_history *h, FILE *out)
{
	memset(h, 0, sizeof *h);
	hist_w_init(&h->w, out);
	h->observer = (struct kw_observer){h, send_invoke, send_done, poll, assign, commit, seek};
}

void wl_history_producer_config(struct wl_history *h, int64_t time_ns, const char *process,
				const struct kc_producer_config *cfg)
{
	/* What the client really does: idempotence caps in-flight at 5. */
	int64_t in_flight = cfg->idempotence && cfg->max_in_flight > 5 ? 5 : cfg->max_in_flight;
	hist_write_producer_config(&h->w, time_ns, process, cfg->idempotence, in_flight);
	h->lines++;
}

void wl_history_final_read_end(struct wl_history *h, int64_t time_ns, const char *topic,
			       int32_t partition, int64_t hw)
{
	struct hist_w_hw mark = {topic, partition, hw};
	hist_write_read(&h->w, time_ns, "final-reader", HIST_T_OK, HIST_F_FINAL_READ, NULL, 0,
			&mark, 1);
	h->lines++;
}
