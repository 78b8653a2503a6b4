#include "broker/raft/raft_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/invariant.h"

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);
	if (!q) {
		fprintf(stderr, "raft_check: out of memory\n");
		abort();
	}
	return q;
}

static void violation(struct raft_check *c, const char *invariant, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void violation(struct raft_check *c, const char *invariant, const char *fmt, ...)
{
	char detail[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	if (c->violations++ == 0)
		snprintf(c->first, sizeof c->first, "%s: %s", invariant, detail);
	if (c->fail_fast)
		sim_invariant_fail(invariant, "%s", detail);
}

static bool id_ok(int32_t node)
{
	return node >= 0 && node < RAFT_CHECK_MAX_NODES;
}

static void check_majority(struct raft_check *c)
{
	int32_t n = 0;
	for (int32_t i = 0; i < c->nvoters; i++)
		n += id_ok(c->voters[i]) && c->flushed_end[c->voters[i]] >= c->max_hw;
	if (n < c->nvoters / 2 + 1)
		violation(c, "a majority of voters holds the high watermark",
		          "high watermark %lld, only %d of %d voters have flushed it",
		          (long long)c->max_hw, n, c->nvoters);
}

static void on_persist(void *ctx, int32_t node, int32_t epoch, int32_t leader, int32_t voted)
{
	struct raft_check *c = ctx;
	c->events++;
	if (!id_ok(node))
		return;
	if (epoch < c->persisted_epoch[node])
		violation(c, "the persisted epoch never goes back",
		          "node %d persisted epoch %d after %d", node, epoch,
		          c->persisted_epoch[node]);
	else if (epoch == c->persisted_epoch[node] && voted >= 0 && c->persisted_vote[node] >= 0 &&
	         voted != c->persisted_vote[node])
		violation(c, "one vote per epoch", "node %d voted for %d and %d in epoch %d", node,
		          c->persisted_vote[node], voted, epoch);
	if (epoch > c->persisted_epoch[node] || voted >= 0)
		c->persisted_vote[node] = voted;
	c->persisted_epoch[node] = epoch;
	c->persisted_leader[node] = leader;
}

static void on_leader(void *ctx, int32_t node, int32_t epoch, int64_t start)
{
	struct raft_check *c = ctx;
	c->events++;
	if (epoch < 0)
		return;
	if ((size_t)epoch >= c->nepochs) {
		size_t n = (size_t)epoch + 16;
		c->leader_of = xrealloc(c->leader_of, n * sizeof *c->leader_of);
		c->start_of = xrealloc(c->start_of, n * sizeof *c->start_of);
		for (size_t i = c->nepochs; i < n; i++) {
			c->leader_of[i] = -1;
			c->start_of[i] = -1;
		}
		c->nepochs = n;
	}
	if (c->leader_of[epoch] >= 0)
		violation(c, "one leader per epoch", "epoch %d: node %d after node %d", epoch, node,
		          c->leader_of[epoch]);
	c->leader_of[epoch] = node;
	c->start_of[epoch] = start;
}

static void on_high_watermark(void *ctx, int32_t node, int32_t epoch, bool leader, int64_t hw)
{
	struct raft_check *c = ctx;
	c->events++;
	if (!leader || !id_ok(node))
		return;
	if (c->hw_epoch[node] == epoch && hw < c->hw[node])
		violation(c, "a leader's high watermark never goes back",
		          "node %d epoch %d: %lld after %lld", node, epoch, (long long)hw,
		          (long long)c->hw[node]);
	if (epoch >= 0 && (size_t)epoch < c->nepochs && hw <= c->start_of[epoch])
		violation(c, "a leader commits only past its LeaderChange record (KAFKA-12619)",
		          "node %d epoch %d: high watermark %lld, LeaderChange at %lld", node,
		          epoch, (long long)hw, (long long)c->start_of[epoch]);
	c->hw_epoch[node] = epoch;
	c->hw[node] = hw;
	if (hw > c->max_hw)
		c->max_hw = hw;
	check_majority(c);
}

static void on_committed(void *ctx, int32_t node, int64_t base, int64_t last, int32_t epoch,
                         uint32_t crc)
{
	struct raft_check *c = ctx;
	c->events++;
	size_t lo = 0, hi = c->ncommitted;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (c->committed[mid].base < base)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < c->ncommitted && c->committed[lo].base == base) {
		const struct raft_check_batch *b = &c->committed[lo];
		if (b->last != last || b->epoch != epoch || b->crc != crc)
			violation(c, "committed data is identical on every voter",
			          "node %d has [%lld, %lld] epoch %d crc %08x where another had "
			          "[%lld, %lld] epoch %d crc %08x",
			          node, (long long)base, (long long)last, epoch, crc,
			          (long long)b->base, (long long)b->last, b->epoch, b->crc);
		return;
	}
	int64_t end = c->ncommitted ? c->committed[c->ncommitted - 1].last + 1 : 0;
	if (base != end) {
		violation(c, "committed data is identical on every voter",
		          "node %d committed a batch at %lld; the committed log has no batch "
		          "there (it ends at %lld)",
		          node, (long long)base, (long long)end);
		return;
	}
	if (c->ncommitted == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->committed = xrealloc(c->committed, c->cap * sizeof *c->committed);
	}
	c->committed[c->ncommitted++] = (struct raft_check_batch){base, last, epoch, crc};
}

static void on_flushed_end(void *ctx, int32_t node, int64_t end)
{
	struct raft_check *c = ctx;
	c->events++;
	if (!id_ok(node))
		return;
	c->flushed_end[node] = end;
	check_majority(c);
}

void raft_check_granted_vote(struct raft_check *c, int32_t voter, int32_t epoch, int32_t candidate)
{
	c->events++;
	if (!id_ok(voter))
		return;
	int32_t e = c->persisted_epoch[voter];
	bool durable = e > epoch || (e == epoch && (c->persisted_vote[voter] == candidate ||
	                                            c->persisted_leader[voter] >= 0));
	if (!durable)
		violation(c, "a vote is durable before it is granted",
		          "node %d granted its vote to %d in epoch %d with quorum-state at "
		          "epoch %d, vote %d",
		          voter, candidate, epoch, e, c->persisted_vote[voter]);
}

void raft_check_leader_claim(struct raft_check *c, int32_t leader, int32_t epoch)
{
	c->events++;
	if (!id_ok(leader))
		return;
	int32_t e = c->persisted_epoch[leader];
	if (e < epoch || (e == epoch && c->persisted_leader[leader] != leader))
		violation(c, "leadership is durable before it is claimed",
		          "node %d claims epoch %d with quorum-state at epoch %d, leader %d",
		          leader, epoch, e, c->persisted_leader[leader]);
}

void raft_check_init(struct raft_check *c, const struct raft_voter *voters, int32_t n,
                     bool fail_fast)
{
	memset(c, 0, sizeof *c);
	c->fail_fast = fail_fast;
	for (int32_t i = 0; i < n && i < RAFT_MAX_VOTERS; i++)
		c->voters[c->nvoters++] = voters[i].id;
	for (int32_t i = 0; i < RAFT_CHECK_MAX_NODES; i++) {
		c->persisted_vote[i] = -1;
		c->persisted_leader[i] = -1;
		c->hw_epoch[i] = -1;
		c->hw[i] = -1;
	}
	c->observer = (struct raft_observer){
	    c, on_persist, on_leader, on_high_watermark, on_committed, on_flushed_end};
}

void raft_check_free(struct raft_check *c)
{
	free(c->leader_of);
	free(c->start_of);
	free(c->committed);
	c->leader_of = NULL;
	c->start_of = NULL;
	c->committed = NULL;
}

const struct raft_observer *raft_check_observer(struct raft_check *c)
{
	return &c->observer;
}

uint64_t raft_check_violations(const struct raft_check *c)
{
	return c->violations;
}

const char *raft_check_first_violation(const struct raft_check *c)
{
	return c->first;
}

size_t raft_check_leader_count(const struct raft_check *c)
{
	size_t n = 0;
	for (size_t i = 0; i < c->nepochs; i++)
		n += c->leader_of[i] >= 0;
	return n;
}

size_t raft_check_committed_batches(const struct raft_check *c)
{
	return c->ncommitted;
}

int64_t raft_check_max_hw(const struct raft_check *c)
{
	return c->max_hw;
}

int32_t raft_check_leader_of(const struct raft_check *c, int32_t epoch)
{
	return epoch >= 0 && (size_t)epoch < c->nepochs ? c->leader_of[epoch] : -1;
}
