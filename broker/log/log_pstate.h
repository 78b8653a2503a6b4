/*
 * log_pstate — producer state for idempotence (Kafka's ProducerStateManager,
 * without its snapshot files).
 *
 * Per producer id: the producer epoch and the last five batches it wrote
 * (first and last sequence, first and last offset), oldest first. A leader
 * checks each idempotent batch against it before appending: a retry of one
 * of the five is a duplicate (answered with the offsets it got the first
 * time), the next sequence is accepted, anything else is out of order, and
 * an epoch below the known one is fenced. State is rebuilt from the log's
 * batch headers at open and after truncation (see log.c).
 *
 * The entries array (sorted by producer id, so iteration is deterministic)
 * belongs to the state and grows through its allocator.
 */
#ifndef KSIM_LOG_PSTATE_H
#define KSIM_LOG_PSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "broker/log/log_types.h"
#include "broker/log/record_batch.h"

#define LOG_PSTATE_BATCHES 5
#define LOG_PSTATE_NO_EPOCH (-1)

struct log_pstate_batch {
	int32_t first_seq, last_seq;
	int64_t first_offset, last_offset;
};

struct log_pstate_entry {
	int64_t producer_id;
	int16_t epoch;
	int n; /* batches held, at most LOG_PSTATE_BATCHES */
	struct log_pstate_batch b[LOG_PSTATE_BATCHES];
};

struct log_pstate {
	struct log_pstate_entry *e;
	size_t n, cap;
	struct log_alloc alloc;
};

void log_pstate_init(struct log_pstate *ps, struct log_alloc a);
void log_pstate_free(struct log_pstate *ps);
/* Forgets every producer (before a rebuild). */
void log_pstate_clear(struct log_pstate *ps);

/* The entry of producer_id, or NULL; valid until the next update. */
const struct log_pstate_entry *log_pstate_find(const struct log_pstate *ps,
					       int64_t producer_id);

/* The last sequence of a batch: base + delta, wrapping past INT32_MAX to 0
 * as Kafka's sequences do. */
int32_t log_pstate_last_seq(int32_t base_seq, int32_t last_offset_delta);

/*
 * Checks an idempotent batch (producer_id >= 0) before a leader appends it.
 * Returns LOG_OK (append it), LOG_DUPLICATE (*dup filled with the earlier
 * batch), LOG_EFENCED (epoch below the known one) or LOG_EOUT_OF_ORDER (a
 * sequence gap, or a new epoch not starting at sequence 0). A producer never
 * seen is accepted at any sequence, as Kafka does since KIP-360.
 */
int log_pstate_check(const struct log_pstate *ps, int64_t producer_id, int16_t epoch,
		     int32_t first_seq, int32_t last_seq, struct log_pstate_batch *dup);

/*
 * Records an appended batch. A new epoch forgets the older epoch's batches;
 * the oldest of five is dropped. has_seq false (a transaction marker)
 * records only the epoch.
 */
void log_pstate_update(struct log_pstate *ps, int64_t producer_id, int16_t epoch,
		       bool has_seq, const struct log_pstate_batch *b);

/* Records a batch read back from the log (recovery, followers): no checks. */
void log_pstate_apply_header(struct log_pstate *ps, const struct rb_batch_header *h);

#endif
