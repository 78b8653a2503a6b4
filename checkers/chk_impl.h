/*
 * chk_impl — internal to checkers/: the checker functions the driver calls
 * and the helpers they share. Each checker fills a zeroed report and returns
 * CHK_OK or CHK_ENOMEM.
 */
#ifndef KSIM_CHK_IMPL_H
#define KSIM_CHK_IMPL_H

#include "checkers/chk.h"
#include "harness/hist_map.h"

int chk_lost_write(const struct hist *h, struct chk_report *r);
int chk_duplicate(const struct hist *h, struct chk_report *r);
int chk_inconsistent_offsets(const struct hist *h, struct chk_report *r);
int chk_nonmonotonic_poll(const struct hist *h, struct chk_report *r);
int chk_poll_skip(const struct hist *h, struct chk_report *r);
int chk_nonmonotonic_send(const struct hist *h, struct chk_report *r);
int chk_unexpected(const struct hist *h, struct chk_report *r);
int chk_replica_divergence(const struct hist *h, struct chk_report *r);
int chk_committed_rewrite(const struct hist *h, struct chk_report *r);
int chk_split_brain(const struct hist *h, struct chk_report *r);
int chk_zk_agreement(const struct hist *h, struct chk_report *r);
int chk_liveness(const struct hist *h, struct chk_report *r);
int chk_group_skip(const struct hist *h, struct chk_report *r);
int chk_group_redelivery(const struct hist *h, struct chk_report *r);

/* Acknowledged records absent from the final reads of partitions the final
 * reads could not read (see chk_result). Returns CHK_OK or CHK_ENOMEM. */
int chk_count_unreadable(const struct hist *h, uint64_t *out);
/* Fills r->avail from h. Returns CHK_OK or CHK_ENOMEM. */
int chk_measure_availability(const struct hist *h, struct chk_result *r);

/*
 * The latest liveness row of every tp: row[tp] is the item index of the row
 * plus one (0: no row), op[tp] the index of its op. Both arrays have n_tps
 * entries and are the caller's to free. Returns CHK_OK or CHK_ENOMEM.
 */
int chk_liveness_rows(const struct hist *h, size_t **row, size_t **op);

/* Fills seen with (tp, offset) -> value id of the first ok final read there;
 * *any says whether the history has an ok final-read. */
int chk_final_reads(const struct hist *h, struct hist_map *seen, bool *any);

/* Both poll-order checkers walk the polls once; skip selects which counts. */
int chk_poll_order(const struct hist *h, struct chk_report *r, bool skip);

/*
 * Counts one anomaly shown by op and keeps it as an example when it is among
 * the CHK_MAX_EXAMPLES smallest by (op's line, order). detail is printf-style.
 */
void chk_note(struct chk_report *r, const struct hist *h, const struct hist_op *op, uint64_t order,
              const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* "topic/partition" of tp into buf (truncated to n bytes). */
const char *chk_tp_name(const struct hist *h, uint32_t tp, char *buf, size_t n);

/* Does op carry records a client read: an ok poll or an ok final-read? */
bool chk_is_read(const struct hist_op *op);

/* The set of values any send carried: key (value id, 0) present. */
int chk_sent_values(const struct hist *h, struct hist_map *sent);

#endif
