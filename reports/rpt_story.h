/*
 * rpt_story — the run told in plain language, for someone new to Kafka:
 * story.md in the run directory (and a section of index.html), printed by
 * `ksim run --explain`.
 *
 * A story is a list of timestamped items gathered during the run: node
 * events (env_event: a ZooKeeper leader, a broker registration, a leader or
 * ISR change; the harness hands them over through the world's event sink),
 * the faults and their undoing (the fault runner's observer), and the
 * harness's own observations (a replica whose log end went backwards). At
 * the end the writers add what the checkers found (the anomalies with the
 * operations involved) and close with the verdict and why.
 *
 * Ownership: a `struct rpt_story` owns its items (copies of the text it is
 * given); rpt_story_free releases them. Node events past RPT_STORY_MAX_EVENTS
 * are counted, not kept (a busy run must not grow without bound); faults and
 * notes are always kept. Items are told in (time, insertion) order.
 */
#ifndef KSIM_RPT_STORY_H
#define KSIM_RPT_STORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "reports/rpt_run.h"

enum { RPT_STORY_MAX_EVENTS = 2000 };

enum rpt_story_source {
	RPT_STORY_EVENT, /* a node's env_event */
	RPT_STORY_FAULT, /* a fault struck (kind = its action) */
	RPT_STORY_UNDO,  /* a fault was undone (kind = the undo: restart, heal, ...) */
	RPT_STORY_NOTE,  /* the harness's own observation (kind = a short tag) */
};

struct rpt_story_item {
	int64_t time_ns;
	uint64_t seq; /* insertion order, for ties */
	enum rpt_story_source source;
	char node[48];  /* the node it concerns ("" when none) */
	char kind[24];  /* env_event kind, fault action, or note tag */
	char text[400]; /* a sentence (events, notes) or the fault's targets */
	int64_t for_ns; /* a fault's `for`, -1 when none */
	char note[160]; /* the fault runner's note, or "" */
};

struct rpt_story {
	struct rpt_story_item *items;
	size_t n, cap;
	uint64_t next_seq;
	size_t n_events;  /* node events kept */
	uint64_t dropped; /* node events not kept (past RPT_STORY_MAX_EVENTS) */
	/* The writers' topic filter: items whose text names a topic-partition
	 * ("orders/0") are told only when one is of this topic; NULL (the
	 * default) tells those of every topic but the internal ones ("__..."),
	 * which are folded into a count. Items that name no topic are always
	 * told. Kafka's own "TOPIC-PARTITION" counts as naming a topic when
	 * TOPIC is internal or one of `topics` (else "broker-3" would). The
	 * strings are the caller's. */
	const char *topic;
	const char *const *topics;
	size_t n_topics;
};

void rpt_story_init(struct rpt_story *s);
void rpt_story_free(struct rpt_story *s);

/* Adds one item; strings are copied (truncated to the fields' sizes), NULL
 * is taken as "". Allocation failure aborts (sim_xrealloc). */
void rpt_story_add(struct rpt_story *s, int64_t time_ns, enum rpt_story_source source,
		   const char *node, const char *kind, const char *text);

/* Adds a fault report: `action` on `targets` (n of them), for `for_ns`
 * (-1: no `for`), an undo or not, with the fault runner's note (or NULL). */
void rpt_story_add_fault(struct rpt_story *s, int64_t time_ns, const char *action,
			 const char *const *targets, size_t n, int64_t for_ns, bool undo,
			 const char *note);

/* A sim_story_fn (sim/world.h) that adds a node event to the story `ctx`. */
void rpt_story_event_sink(void *ctx, int64_t time_ns, const char *node, const char *kind,
			  const char *text);

/*
 * Writes the story as Markdown: a title, the scenario's description, what
 * happened (every item in time order, each fault explained and each kind of
 * event explained the first time it appears), what the checkers found (run
 * may have no checks: then that part is left out) and the verdict with its
 * likely cause. `run` must be set as for rpt_write_markdown. Sorts the
 * items in place. Returns 0, or -1 when the stream failed.
 */
int rpt_story_write_md(FILE *out, struct rpt_story *s, const struct rpt_run *run);

/* The same story as plain text for a terminal (`ksim run --explain`): the
 * Markdown layout without its escapes; control characters become spaces. */
int rpt_story_write_text(FILE *out, struct rpt_story *s, const struct rpt_run *run);

/* The same story as an XHTML fragment (a <section>), for index.html. */
int rpt_story_write_html(FILE *out, struct rpt_story *s, const struct rpt_run *run);

#endif
