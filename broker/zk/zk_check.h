/*
 * zk_check — the ZooKeeper invariants a harness checks across a run, fed by
 * zk_server's observer hooks (plug zk_check_observer() into every server's
 * config). Because a crash frees a server's memory, the checker keeps its
 * own record of what each incarnation applied:
 * - agreement: every server applies committed txns in one global order; a
 *   server's applied sequence (from its last snapshot or SNAP) is a prefix
 *   of the longest, and no zxid ever carries two different txns;
 * - at most one established leader per epoch.
 * Session hygiene (no ephemeral of a closed or expired session once the
 * ensemble has converged) is a per-server query: zk_server_orphan_ephemerals.
 *
 * Ownership: the checker allocates through the zk_alloc given at init (the
 * harness's heap, not a node's) and frees everything in zk_check_free. It is
 * harness state: one per run, single-threaded like the simulator.
 */
#ifndef KSIM_ZK_CHECK_H
#define KSIM_ZK_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "broker/zk/zk_server.h"

struct zk_check {
	struct zk_alloc alloc;
	struct zk_server_observer observer;
	/* The global committed sequence: zxids ascending, with txn digests. */
	int64_t *zxid;
	uint64_t *hash;
	size_t n, cap;
	/* Each server's position (last applied zxid), by server id. */
	int64_t pos[256];
	/* (epoch, leader id) of every establishment, ascending by epoch. */
	int64_t *epochs;
	int32_t *leaders;
	size_t nepochs, epochs_cap;
	uint64_t violations;
	char first[160]; /* the first violation, "" when none */
};

/* Initialises `c` (alloc is copied). */
void zk_check_init(struct zk_check *c, const struct zk_alloc *alloc);
void zk_check_free(struct zk_check *c);
/* The observer to put into every zk_server_config (valid while c is). */
const struct zk_server_observer *zk_check_observer(struct zk_check *c);
/* Violations so far (0 when every invariant held); the first one told. */
uint64_t zk_check_violations(const struct zk_check *c);
const char *zk_check_first_violation(const struct zk_check *c);
/* The committed sequence so far: length and the i-th zxid. */
size_t zk_check_committed_count(const struct zk_check *c);
int64_t zk_check_committed_zxid(const struct zk_check *c, size_t i);
/* Leaders established so far (distinct epochs). */
size_t zk_check_epoch_count(const struct zk_check *c);

#endif
