/*
 * raft_check — the invariants of Kafka's RaftEventSimulationTest, checked
 * across the quorum after every change a member reports (plug
 * raft_check_observer() into every raft_config):
 *  - one leader per epoch (and no member leads an epoch twice);
 *  - the persisted epoch of each member never goes back, and no member
 *    persists two different votes in one epoch;
 *  - the high watermark a leader computes never goes back within its epoch
 *    and is past its epoch's LeaderChange record (KAFKA-12619);
 *  - a majority of the voters holds (has flushed) the highest high
 *    watermark any leader reached;
 *  - what a member says (a granted vote, a claim to lead) is in its
 *    quorum-state file first (raft_check_granted_vote / _leader_claim);
 *  - committed data is identical on every member: each batch below a high
 *    watermark has the same offsets, epoch and CRC wherever it is read.
 * Because a crash frees a member's memory, the checker keeps its own record.
 *
 * A violation is counted and the first one kept; with `fail_fast` it also
 * goes to sim_invariant_fail (exit 3 with the reproduce line), the checking
 * mode a harness run uses.
 *
 * Ownership: harness state (plain malloc, not a node's heap), one per run;
 * raft_check_free releases it.
 */
#ifndef KSIM_RAFT_CHECK_H
#define KSIM_RAFT_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/raft/raft.h"

#define RAFT_CHECK_MAX_NODES 64

struct raft_check_batch {
	int64_t base, last;
	int32_t epoch;
	uint32_t crc;
};

struct raft_check {
	struct raft_observer observer;
	bool fail_fast;
	int32_t voters[RAFT_MAX_VOTERS];
	int32_t nvoters;
	/* Per member id (< RAFT_CHECK_MAX_NODES). */
	int32_t persisted_epoch[RAFT_CHECK_MAX_NODES];
	int32_t persisted_vote[RAFT_CHECK_MAX_NODES];
	int32_t persisted_leader[RAFT_CHECK_MAX_NODES];
	int64_t flushed_end[RAFT_CHECK_MAX_NODES];
	int32_t hw_epoch[RAFT_CHECK_MAX_NODES];
	int64_t hw[RAFT_CHECK_MAX_NODES];
	/* Leaders by epoch. */
	int32_t *leader_of; /* index epoch; -1 none */
	int64_t *start_of;  /* index epoch: its LeaderChange offset */
	size_t nepochs;
	int64_t max_hw; /* the highest high watermark any leader reached */
	struct raft_check_batch *committed;
	size_t ncommitted, cap;
	uint64_t events;
	uint64_t violations;
	char first[240];
};

void raft_check_init(struct raft_check *c, const struct raft_voter *voters, int32_t n,
                     bool fail_fast);
void raft_check_free(struct raft_check *c);
const struct raft_observer *raft_check_observer(struct raft_check *c);
uint64_t raft_check_violations(const struct raft_check *c);
const char *raft_check_first_violation(const struct raft_check *c);
/*
 * Durable before said (fed from the network, e.g. a frame sink): a voter
 * answered a Vote of `candidate` in `epoch` with a grant, or a node claimed
 * leadership of `epoch` (a BeginQuorumEpoch it sent). Either must already
 * be in its quorum-state file, or a power loss could make it vote twice or
 * forget it leads.
 */
void raft_check_granted_vote(struct raft_check *c, int32_t voter, int32_t epoch, int32_t cand);
void raft_check_leader_claim(struct raft_check *c, int32_t leader, int32_t epoch);

/* Leaders elected so far (distinct epochs) and committed batches. */
size_t raft_check_leader_count(const struct raft_check *c);
size_t raft_check_committed_batches(const struct raft_check *c);
int64_t raft_check_max_hw(const struct raft_check *c);
/* The leader of `epoch`, or -1. */
int32_t raft_check_leader_of(const struct raft_check *c, int32_t epoch);

#endif
