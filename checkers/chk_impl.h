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
