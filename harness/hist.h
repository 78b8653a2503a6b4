/*
 * hist — a run's history: every client operation, fault, and the harness's
 * end-of-run captures (final reads, replica logs, leader and controller
 * epochs, ZooKeeper digests, liveness), read from JSON Lines into arrays the
 * checkers walk. The schema is documented in docs/checkers.md; hist_write.h
 * writes it.
 *
 * Model: strings (process names, topics, values, keys, errors) are interned
 * once into ids (1-based; 0 means "absent"), and topic-partitions into tp ids
 * (1-based), so checkers compare integers. Each line is one `struct
 * hist_op`; its list payload (records read, partitions assigned, digests,
 * liveness rows) is a range of `items`, and its high-watermark annotations a
 * range of `hws`. The reader also pairs every send completion with its
 * invocation (same process and value), so checkers know invocation order.
 *
 * Ownership: hist_read_* returns a history the caller frees with hist_free;
 * everything the checkers see lives in it. The reader keeps no state between
 * calls and writes nothing but its result and the error it reports.
 */
#ifndef KSIM_HIST_H
#define KSIM_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum hist_type { HIST_T_INVOKE, HIST_T_OK, HIST_T_FAIL, HIST_T_INFO };

enum hist_f {
	HIST_F_SEND,
	HIST_F_POLL,
	HIST_F_ASSIGN,
	HIST_F_SEEK,
	HIST_F_COMMIT,
	HIST_F_FAULT,
	HIST_F_FINAL_READ,
	HIST_F_REPLICA_LOG,
	HIST_F_LEADER_EPOCH,
	HIST_F_CONTROLLER_EPOCH,
	HIST_F_PRODUCER_CONFIG,
	HIST_F_ZK_DIGESTS,
	HIST_F_LIVENESS,
	HIST_F_CONSUMER_CONFIG,
	HIST_F_COUNT
};

/*
 * One element of an op's list. Meaning by function:
 *   send                 tp, str = value, num = offset (-1 until acked)
 *   poll, final-read     tp, str = value, num = offset
 *   replica-log          tp (the op's), str = value, num = offset
 *   assign, seek, commit tp, num = offset (-1 when absent)
 *   zk-digests           str = digest, num = zxid
 *   liveness             a row: tp, str = leader (0: none), num = HIST_LIVE_* flags (>= 0);
 *                        then the row's extras, all with the row's tp and num < 0:
 *                        num = HIST_LIVE_PROBE: str = the probe's value;
 *                        num = HIST_LIVE_OUT_OF_ISR: str = a replica outside the ISR
 */
struct hist_item {
	uint32_t tp;
	uint32_t str;
	int64_t num;
};

/* A liveness row's flags, and the kinds of its extra items. */
enum {
	HIST_LIVE_WRITABLE = 1, /* the harness saw the probe acknowledged */
	HIST_LIVE_READ = 2,     /* the final read reached the partition's high watermark */
	HIST_LIVE_PROBE = -1,
	HIST_LIVE_OUT_OF_ISR = -2,
};

/* A high watermark a client was told for tp, carried by the op. */
struct hist_hw {
	uint32_t tp;
	int64_t hw;
};

/*
 * One line. Scalar payload by function:
 *   send              str = key (0: none); pair = index of the invoke op
 *                     (for a completion; the op's own index for an invoke)
 *   replica-log       tp, num = the replica's high watermark, flag = in sync
 *   leader-epoch      tp, num = leader epoch, str = leader
 *   controller-epoch  num = controller epoch, str = controller
 *   producer-config   num = max.in.flight.requests.per.connection,
 *                     flag = enable.idempotence
 *   consumer-config   str = group (0: no group), num = enum hist_commit
 */
struct hist_op {
	int64_t time;
	uint64_t line;
	uint32_t process;
	uint32_t error; /* 0: no error field */
	uint8_t type;   /* enum hist_type */
	uint8_t f;      /* enum hist_f */
	bool flag;
	uint32_t tp;
	uint32_t str;
	int64_t num;
	size_t pair;
	size_t items, n_items;
	size_t hws, n_hws;
};

/* A consumer's commit mode (consumer-config). */
enum hist_commit { HIST_COMMIT_AFTER, HIST_COMMIT_BEFORE, HIST_COMMIT_NONE };

struct hist_tp {
	uint32_t topic;    /* string id */
	int32_t partition; /* -1: not known (an unacknowledged send) */
};

struct hist_store; /* private to harness/hist_*.c: capacities and intern tables */

struct hist {
	struct hist_op *ops;
	size_t n_ops;
	struct hist_item *items;
	size_t n_items;
	struct hist_hw *hws;
	size_t n_hws;
	struct hist_tp *tps; /* tps[0] unused */
	size_t n_tps;        /* valid tp ids are 1 .. n_tps - 1 */
	size_t n_strs;       /* valid string ids are 1 .. n_strs - 1 (see hist_str) */
	struct hist_store *store;
};

enum hist_status {
	HIST_OK = 0,
	HIST_EINPUT = 1, /* the error says FILE:LINE:COL: message */
	HIST_ENOMEM = 2,
	HIST_EIO = 3,
};

/* Where and why a history was refused; line and col are 1-based. */
struct hist_error {
	uint64_t line;
	uint32_t col;
	char msg[160];
};

/*
 * Reads the JSON Lines history at path. On success returns HIST_OK and a
 * history in *out that the caller frees with hist_free. Otherwise *out is
 * NULL, err says where and why (for HIST_EIO line and col are 0 and msg holds
 * strerror text) and the return is HIST_EINPUT, HIST_ENOMEM or HIST_EIO.
 */
int hist_read_file(const char *path, struct hist **out, struct hist_error *err);

/* As hist_read_file over the n bytes at buf (any bytes at all). */
int hist_read_buffer(const char *buf, size_t n, struct hist **out, struct hist_error *err);

/* Frees a history from hist_read_*; NULL is ignored. */
void hist_free(struct hist *h);

/*
 * The counts summary.json's `stats` reports: send invocations, of which
 * acknowledged (ok), failed (fail) and indeterminate (info, or never
 * completed); records returned by ok polls; fault lines. The liveness
 * probe's sends (process HIST_PROBE_PROCESS) are not the workload's and are
 * not counted.
 */
#define HIST_PROBE_PROCESS "probe"

struct hist_stats {
	uint64_t sends, acked, failed, indeterminate;
	uint64_t polled;
	uint64_t faults;
};

void hist_count_stats(const struct hist *h, struct hist_stats *out);

/* The bytes of string id (1 .. n_strs - 1); "" for 0. */
const char *hist_str(const struct hist *h, uint32_t id);

/* The schema names: "send", "final-read", ...; "ok", "info", ... */
const char *hist_f_name(enum hist_f f);
const char *hist_type_name(enum hist_type t);

/* Writes "FILE:LINE:COL: message\n" (or "FILE: message\n" for I/O) to out. */
void hist_error_print(FILE *out, const char *file, const struct hist_error *err);

#endif
