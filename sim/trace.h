/*
 * trace — the run's fingerprint and its readable record.
 *
 * Every event the world processes (time, node, kind, peer, size) is folded
 * into a running 64-bit hash: the same scenario, seed and binary must give
 * the same hash. When a FILE is attached, each event is also written as one
 * line of text. The trace owns nothing but its counters; the FILE is the
 * caller's.
 */
#ifndef KSIM_SIM_TRACE_H
#define KSIM_SIM_TRACE_H

#include <stdint.h>
#include <stdio.h>

enum sim_trace_kind {
	SIM_TR_NODE_START = 1,
	SIM_TR_KILL,
	SIM_TR_POWER_LOSS,
	SIM_TR_PAUSE,
	SIM_TR_RESUME,
	SIM_TR_TIMER,
	SIM_TR_CONNECT,
	SIM_TR_CONNECT_FAIL,
	SIM_TR_ACCEPT,
	SIM_TR_SEND,
	SIM_TR_DELIVER,
	SIM_TR_CLOSE,
	SIM_TR_EOF,
	SIM_TR_RESET,
	SIM_TR_DROP,
	SIM_TR_LINK,
	SIM_TR_FILE_WRITE,
	SIM_TR_FILE_TRUNCATE,
	SIM_TR_FILE_FSYNC,
	SIM_TR_FILE_RENAME,
	SIM_TR_FILE_UNLINK,
	SIM_TR_FILE_ERROR,
	SIM_TR_WRITEBACK,
	SIM_TR_DISK_FAULT,
	SIM_TR_CLOCK,
	SIM_TR_NOTE,
	SIM_TR_EXIT,
	SIM_TR__COUNT
};

struct sim_trace {
	uint64_t hash;
	uint64_t events;
	FILE *out; /* optional, not owned */
};

void sim_trace_init(struct sim_trace *t);
const char *sim_trace_kind_name(enum sim_trace_kind kind);
/* Folds one event into the hash and, with a file attached, prints it.
 * Names are for the text only; ids feed the hash. */
void sim_trace_event(struct sim_trace *t, int64_t time, enum sim_trace_kind kind,
		     uint32_t node, const char *node_name, uint32_t peer, const char *peer_name,
		     uint64_t size);
/* Folds a free-form note (a fault's description) into hash and text. */
void sim_trace_note(struct sim_trace *t, int64_t time, uint32_t node, const char *node_name,
		    const char *text);

#endif
