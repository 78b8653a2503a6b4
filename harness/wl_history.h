/*
 * wl_history — records what the workload nodes see as history lines
 * (docs/checkers.md): each send's invoke and its ok / fail / info, each
 * consumer poll and the final reads, with the high watermark they carried.
 * It is the harness side of `struct kw_observer` (broker/client/kc_workload.h).
 *
 * Ownership: the FILE is the caller's; a wl_history owns nothing else.
 */
#ifndef KSIM_WL_HISTORY_H
#define KSIM_WL_HISTORY_H

#include <stdio.h>

#include "broker/client/kc_workload.h"
#include "harness/hist_write.h"

struct wl_history {
	struct hist_writer w;
	struct kw_observer observer;
	uint64_t lines;
};

/* Starts recording to `out`; h->observer is then ready for node configs. */
void wl_history_init(struct wl_history *h, FILE *out);
/* The producer-config line the ordering checker needs before a producer's
 * first send. */
void wl_history_producer_config(struct wl_history *h, int64_t time_ns, const char *process,
				const struct kc_producer_config *cfg);

/*
 * Marks the end of the final read of one partition: a final-read line with
 * no records and the high watermark the read stopped at. Written for every
 * partition, it makes an empty partition's final read explicit, so that the
 * lost-write checker knows the final read happened even where nothing was
 * left to read.
 */
void wl_history_final_read_end(struct wl_history *h, int64_t time_ns, const char *topic,
			       int32_t partition, int64_t hw);

#endif
