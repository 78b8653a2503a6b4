/*
 * brk_append — the broker's own appends to a partition it leads, for the
 * group coordinator's offset commits: the Produce path of brk_data.c with
 * acks=all semantics, without a client request. Defined in brk_data.c.
 */
#ifndef KSIM_BRK_APPEND_H
#define KSIM_BRK_APPEND_H

#include <stddef.h>
#include <stdint.h>

struct brk_broker;

/*
 * An append of the broker's own (the group coordinator's offset commits):
 * `batch` (one RecordBatch v2, kept alive by the caller until cb) goes to
 * the leader's log of topic-partition with acks=all semantics, and
 * cb(arg, error, base_offset) fires once the high watermark passed it (error
 * KP_ERR_NONE), or with the error produce would answer (NOT_LEADER_OR_FOLLOWER,
 * REQUEST_TIMED_OUT after timeout_ms, NOT_ENOUGH_REPLICAS_AFTER_APPEND, ...).
 * Returns KP_ERR_NONE, or the error that refused it before the append (the
 * callback then never fires).
 */
typedef void (*brk_append_cb)(void *arg, int16_t error, int64_t base_offset);
int16_t brk_append_committed(struct brk_broker *b, const char *topic, int32_t partition,
			     const uint8_t *batch, size_t len, int32_t timeout_ms,
			     brk_append_cb cb, void *arg);

#endif
