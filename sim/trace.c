#include "sim/trace.h"

#include <inttypes.h>

#include "sim/util.h"

static const char *const kind_names[SIM_TR__COUNT] = {
	[SIM_TR_NODE_START] = "start",     [SIM_TR_KILL] = "kill",
	[SIM_TR_POWER_LOSS] = "power-loss", [SIM_TR_PAUSE] = "pause",
	[SIM_TR_RESUME] = "resume",        [SIM_TR_TIMER] = "timer",
	[SIM_TR_CONNECT] = "connect",      [SIM_TR_CONNECT_FAIL] = "connect-fail",
	[SIM_TR_ACCEPT] = "accept",        [SIM_TR_SEND] = "send",
	[SIM_TR_DELIVER] = "deliver",      [SIM_TR_CLOSE] = "close",
	[SIM_TR_EOF] = "eof",              [SIM_TR_RESET] = "reset",
	[SIM_TR_DROP] = "drop",            [SIM_TR_LINK] = "link",
	[SIM_TR_FILE_WRITE] = "write",     [SIM_TR_FILE_TRUNCATE] = "truncate",
	[SIM_TR_FILE_FSYNC] = "fsync",     [SIM_TR_FILE_RENAME] = "rename",
	[SIM_TR_FILE_UNLINK] = "unlink",   [SIM_TR_FILE_ERROR] = "file-error",
	[SIM_TR_WRITEBACK] = "writeback",  [SIM_TR_DISK_FAULT] = "disk-fault",
	[SIM_TR_CLOCK] = "clock",          [SIM_TR_NOTE] = "note",
	[SIM_TR_EXIT] = "exit",
};

void sim_trace_init(struct sim_trace *t)
{
	t->hash = 0x6b73696d2d747263ULL; /* "ksim-trc" */
	t->events = 0;
	t->out = NULL;
}

const char *sim_trace_kind_name(enum sim_trace_kind kind)
{
	if (kind <= 0 || kind >= SIM_TR__COUNT || !kind_names[kind])
		return "?";
	return kind_names[kind];
}

/* One multiply-xorshift round per word: cheap (it runs for every event) and
 * enough to make any change in the event sequence change the hash. */
static inline uint64_t fold(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 32);
}

void sim_trace_event(struct sim_trace *t, int64_t time, enum sim_trace_kind kind,
		     uint32_t node, const char *node_name, uint32_t peer, const char *peer_name,
		     uint64_t size)
{
	uint64_t h = t->hash;
	h = fold(h, (uint64_t)time);
	h = fold(h, (uint64_t)kind << 48 | (uint64_t)node << 24 | peer);
	h = fold(h, size);
	t->hash = h;
	t->events++;
	if (t->out) {
		char tb[32];
		fprintf(t->out, "%14s %-12s %-12s %-12s %" PRIu64 "\n",
			sim_format_time(time, tb, sizeof tb), node_name ? node_name : "-",
			sim_trace_kind_name(kind), peer_name ? peer_name : "-", size);
	}
}

void sim_trace_note(struct sim_trace *t, int64_t time, uint32_t node, const char *node_name,
		    const char *text)
{
	uint64_t h = t->hash;
	h = fold(h, (uint64_t)time);
	h = fold(h, (uint64_t)SIM_TR_NOTE << 48 | (uint64_t)node << 24);
	for (const char *p = text; *p; p++)
		h = fold(h, (unsigned char)*p);
	t->hash = h;
	t->events++;
	if (t->out) {
		char tb[32];
		fprintf(t->out, "%14s %-12s %-12s %s\n", sim_format_time(time, tb, sizeof tb),
			node_name ? node_name : "-", "note", text);
	}
}
