/* rpt_story — the run told in plain language (see rpt_story.h). */
#include "reports/rpt_story.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "reports/rpt_escape.h"
#include "sim/util.h"

void rpt_story_init(struct rpt_story *s)
{
	memset(s, 0, sizeof *s);
}

void rpt_story_free(struct rpt_story *s)
{
	free(s->items);
	memset(s, 0, sizeof *s);
}

void rpt_story_add(struct rpt_story *s, int64_t time_ns, enum rpt_story_source source,
		   const char *node, const char *kind, const char *text)
{
	if (source == RPT_STORY_EVENT) {
		if (s->n_events >= RPT_STORY_MAX_EVENTS) {
			s->dropped++;
			return;
		}
		s->n_events++;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->items = sim_xrealloc(s->items, s->cap * sizeof *s->items);
	}
	struct rpt_story_item *it = &s->items[s->n++];
	memset(it, 0, sizeof *it);
	it->time_ns = time_ns;
	it->seq = s->next_seq++;
	it->source = source;
	snprintf(it->node, sizeof it->node, "%s", node ? node : "");
	snprintf(it->kind, sizeof it->kind, "%s", kind ? kind : "");
	snprintf(it->text, sizeof it->text, "%s", text ? text : "");
	it->for_ns = -1;
}

void rpt_story_add_fault(struct rpt_story *s, int64_t time_ns, const char *action,
			 const char *const *targets, size_t n, int64_t for_ns, bool undo,
			 const char *note)
{
	char who[400] = "";
	size_t len = 0;
	for (size_t i = 0; i < n && len < sizeof who; i++)
		len += (size_t)snprintf(who + len, sizeof who - len, "%s%s",
					i == 0 ? "" : i + 1 == n ? " and " : ", ", targets[i]);
	rpt_story_add(s, time_ns, undo ? RPT_STORY_UNDO : RPT_STORY_FAULT, n ? targets[0] : "",
		      action, who);
	struct rpt_story_item *it = &s->items[s->n - 1];
	it->for_ns = for_ns;
	snprintf(it->note, sizeof it->note, "%s", note ? note : "");
}

void rpt_story_event_sink(void *ctx, int64_t time_ns, const char *node, const char *kind,
			  const char *text)
{
	rpt_story_add(ctx, time_ns, RPT_STORY_EVENT, node, kind, text);
}

/* ---- Words ------------------------------------------------------------------------ */

struct gloss {
	const char *kind;
	const char *text;
};

/* What each kind of event means, told once, the first time it happens. */
static const struct gloss event_gloss[] = {
	{"zk-leader", "ZooKeeper's servers elect one leader among themselves; it orders "
		      "every change to ZooKeeper's data, and a change counts once a majority "
		      "has logged it."},
	{"registered", "A broker joins the cluster by creating an ephemeral znode "
		       "/brokers/ids/N in ZooKeeper; the znode lives only as long as the "
		       "broker's ZooKeeper session."},
	{"session-expired", "A ZooKeeper session expires when its client stays silent longer "
			    "than the session timeout; its ephemeral znodes (a broker's "
			    "registration, the controller's claim) vanish with it."},
	{"controller", "One broker is the controller: it watches the brokers' registrations "
		       "and decides which replica leads each partition."},
	{"leader", "Each partition has one leader replica, which takes every write; the "
		   "leader epoch counts leaders, so that an old leader can be recognised."},
	{"isr", "The in-sync replicas (ISR) are the replicas caught up with the leader; a "
		"write with acks=all waits for every one of them."},
	{"hw", "The high watermark is the offset below which every in-sync replica holds the "
	       "records: those records are committed, and only they are shown to consumers."},
	{"truncate", "A replica cuts the end off its log when it holds records the current "
		     "leader does not: those records were never committed."},
	{"fenced", "A node acting on an old epoch is fenced: its requests are refused, "
		   "because a newer leader or controller exists."},
	{"log-end", "The harness samples every replica every 100 ms of simulated time; a log "
		    "end offset that goes backwards means records that were there are gone."},
};

static const char *gloss_of(const char *kind)
{
	for (size_t i = 0; i < sizeof event_gloss / sizeof *event_gloss; i++)
		if (!strcmp(event_gloss[i].kind, kind))
			return event_gloss[i].text;
	return NULL;
}

/* What a fault does, in a sentence about its targets (%s). */
static const struct gloss fault_gloss[] = {
	{"kill", "%s crashed (its process was killed): what it held in memory is gone, what it "
		 "wrote to the operating system's page cache survives, and its peers see their "
		 "connections reset."},
	{"power-loss", "%s lost power: its memory and every write not yet flushed to disk "
		       "(fsync) are gone, and its peers hear nothing until their timeouts."},
	{"pause", "%s froze, as in a long garbage-collection pause: nothing on it runs and "
		  "messages to it wait; when it wakes it acts on what it knew before."},
	{"restart", "%s restarted: a broker or ZooKeeper server recovers its state from its "
		    "disk; a client starts afresh (a producer with new values and a new producer "
		    "id, a group member from its group's committed offsets)."},
	{"stop", "%s was asked to stop (a controlled shutdown, as on SIGTERM): it asks the "
		 "controller to move its leaderships first, then flushes its logs and leaves."},
	{"partition", "the network was partitioned (%s): messages across the cut stall, and "
		      "each side notices only through its own timeouts."},
	{"heal", "the network healed: every link works again (%s)."},
	{"delay", "messages to and from %s were slowed down."},
	{"disk", "the disk of %s began to fail."},
	{"clock", "the clock of %s was stepped."},
	{"resume", "%s woke up from its pause, with a stale view of the cluster."},
	{"undelay", "messages to and from %s are no longer slowed."},
	{"disk-repair", "the disk of %s works again."},
	{"clock-reset", "the clock of %s was set right."},
	{"heal-all", "the fault phase ended: every fault was healed and the stopped nodes "
		     "started again (%s); now the run checks that the cluster recovers."},
};

/* A restart of nodes of one kind, told as that kind restarts: servers from
 * their disks, clients afresh (they keep nothing on disk). Returns false for
 * a mix of kinds (the general gloss then covers each). */
static bool restart_sentence(const char *who, char *said, size_t size)
{
	static const char *const servers[] = {"broker-", "zk-"};
	static const char *const clients[] = {"producer-", "consumer-"};
	bool server = false, client = false;
	for (const char *p = who; *p; p += strspn(p, " ,")) {
		for (size_t i = 0; i < 2; i++) {
			server |= !strncmp(p, servers[i], strlen(servers[i]));
			client |= !strncmp(p, clients[i], strlen(clients[i]));
		}
		p += strcspn(p, " ,");
	}
	if (server == client)
		return false;
	if (server)
		snprintf(said, size, "%.300s restarted: it recovers its state from its disk (its log, "
				     "checkpoints and, for ZooKeeper, snapshot and transaction log).",
			 who);
	else
		snprintf(said, size, "%.300s restarted: a client keeps nothing on disk, so it starts "
				     "afresh (a producer with new values and a new producer id, a "
				     "group member from its group's committed offsets, a consumer "
				     "without a group by auto.offset.reset).",
			 who);
	return true;
}

static void fault_sentence(const struct rpt_story_item *it, char *buf, size_t size)
{
	const char *who = it->text;
	char said[600];
	snprintf(said, sizeof said, "there was a fault on %s.", who);
	if (!who[0] && !strcmp(it->kind, "heal-all"))
		snprintf(said, sizeof said, "the fault phase ended: every fault was healed and no "
					    "node needed a restart; now the run checks that the "
					    "cluster recovers.");
	else if (!who[0] && !strcmp(it->kind, "heal"))
		snprintf(said, sizeof said, "the network healed: every link works again.");
	else if (!who[0] && !strcmp(it->kind, "elect-leaders"))
		snprintf(said, sizeof said, "the operator asked the controller for a leader "
					    "election through the admin API (ElectLeaders).");
	else if (!who[0])
		snprintf(said, sizeof said, "it struck no node.");
	for (size_t i = 0; who[0] && i < sizeof fault_gloss / sizeof *fault_gloss; i++)
		if (!strcmp(it->kind, "restart") && restart_sentence(who, said, sizeof said)) {
			break;
		} else if (!strcmp(fault_gloss[i].kind, it->kind)) {
			/* The format is one of the fixed strings above. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			snprintf(said, sizeof said, fault_gloss[i].text, who);
#pragma GCC diagnostic pop
			break;
		}
	char extra[220] = "";
	if (it->for_ns > 0 && it->note[0])
		snprintf(extra, sizeof extra, " (for %" PRId64 " ms; %s)", it->for_ns / 1000000,
			 it->note);
	else if (it->for_ns > 0)
		snprintf(extra, sizeof extra, " (for %" PRId64 " ms)", it->for_ns / 1000000);
	else if (it->note[0])
		snprintf(extra, sizeof extra, " (%s)", it->note);
	snprintf(buf, size, "%s \"%s\"%s: %s", it->source == RPT_STORY_UNDO ? "Undo" : "Fault",
		 it->kind, extra, said);
}

/* A short phrase for the closing paragraph. */
static const char *fault_phrase(const char *action)
{
	if (!strcmp(action, "kill"))
		return "crashed";
	if (!strcmp(action, "power-loss"))
		return "lost power before it had flushed its writes to disk";
	if (!strcmp(action, "pause"))
		return "froze";
	if (!strcmp(action, "stop"))
		return "was stopped in a controlled shutdown";
	if (!strcmp(action, "partition"))
		return "was cut off by a network partition";
	if (!strcmp(action, "disk"))
		return "had a failing disk";
	if (!strcmp(action, "clock"))
		return "had its clock stepped";
	return "was hit by a fault";
}

static const char *check_meaning(enum chk_kind k)
{
	static const char *const text[CHK_COUNT] = {
		[CHK_LOST_WRITE] = "acknowledged writes were lost: a producer was told a record "
				   "was stored, but the final log does not hold it",
		[CHK_DUPLICATE] = "records were stored more than once",
		[CHK_INCONSISTENT_OFFSETS] = "the same offset held different records at "
					     "different times",
		[CHK_NONMONOTONIC_POLL] = "a consumer saw offsets go backwards",
		[CHK_NONMONOTONIC_SEND] = "a producer's acknowledged offsets went backwards",
		[CHK_POLL_SKIP] = "a consumer skipped records it should have read",
		[CHK_UNEXPECTED] = "a record appeared that no producer sent",
		[CHK_REPLICA_DIVERGENCE] = "replicas of a partition disagree on what it holds",
		[CHK_COMMITTED_REWRITE] = "a record once committed (below the high watermark) "
					  "was later replaced or removed",
		[CHK_SPLIT_BRAIN] = "two leaders acted at once for the same partition and epoch",
		[CHK_ZK_AGREEMENT] = "ZooKeeper servers disagree on committed transactions",
		[CHK_LIVENESS] = "the cluster did not recover once the faults were healed",
		[CHK_GROUP_SKIP] = "a consumer group committed past records that no member "
				   "processed (at-most-once loss)",
		[CHK_GROUP_REDELIVERY] = "a consumer group processed records more than once "
					 "(at-least-once redelivery)",
	};
	return (unsigned)k < CHK_COUNT && text[k] ? text[k] : "anomalies were found";
}

/* ---- Order and selection ------------------------------------------------------------- */

static int item_cmp(const void *a, const void *b)
{
	const struct rpt_story_item *x = a, *y = b;
	if (x->time_ns != y->time_ns)
		return x->time_ns < y->time_ns ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static bool has_node_event(const struct rpt_story *s, const char *kind)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->items[i].source == RPT_STORY_EVENT && !strcmp(s->items[i].kind, kind))
			return true;
	return false;
}

/* The harness observes leaders only while no node tells of them: once the
 * controller's own "leader" events arrive, its observations would repeat
 * them. */
static bool told(const struct rpt_story *s, const struct rpt_story_item *it, bool node_leaders)
{
	return !(it->source == RPT_STORY_NOTE && !strcmp(it->kind, "leader") && node_leaders);
}

static bool topic_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

/*
 * Which topics an item's text names: a word "TOPIC/PARTITION" (the harness's
 * notes), or "TOPIC-PARTITION" (Kafka's own way, in node events) when TOPIC
 * is internal ("__..."), the filter's or declared (a dash alone would make
 * "broker-3" a partition). *named says whether it names any, *wanted whether
 * it names s->topic (NULL: any topic that is not internal).
 */
static bool declared(const struct rpt_story *s, const char *w, size_t len)
{
	for (size_t i = 0; i < s->n_topics; i++)
		if (strlen(s->topics[i]) == len && !strncmp(s->topics[i], w, len))
			return true;
	return false;
}

static void topics_named(const struct rpt_story *s, const char *text, bool *named, bool *wanted)
{
	const char *topic = s->topic;
	*named = *wanted = false;
	for (const char *w = text; *w;) {
		if (!topic_char(*w) && *w != '/') {
			w++;
			continue;
		}
		const char *e = w;
		while (topic_char(*e) || *e == '/')
			e++;
		/* The word is w..e; a partition is its trailing digits after '/' or '-'. */
		const char *d = e;
		while (d > w && d[-1] >= '0' && d[-1] <= '9')
			d--;
		if (d < e && d - w >= 2 && (d[-1] == '/' || d[-1] == '-')) {
			size_t len = (size_t)(d - 1 - w);
			bool internal = len >= 2 && w[0] == '_' && w[1] == '_';
			bool is_topic = topic && strlen(topic) == len && !strncmp(w, topic, len);
			if (d[-1] == '/' || internal || is_topic || declared(s, w, len)) {
				*named = true;
				*wanted |= topic ? is_topic : !internal;
			}
		}
		w = e;
	}
}

/* Whether the story's topic filter keeps it: items that name no topic always;
 * others when they name the filter's topic (by default, any topic that is
 * not internal). */
static bool in_filter(const struct rpt_story *s, const struct rpt_story_item *it)
{
	bool named, wanted;
	topics_named(s, it->text, &named, &wanted);
	return !named || wanted;
}

static void seconds(int64_t ns, char *buf, size_t size)
{
	uint64_t ms = ((uint64_t)(ns < 0 ? 0 : ns) + 500000) / 1000000;
	snprintf(buf, size, "%" PRIu64 ".%03u s", ms / 1000, (unsigned)(ms % 1000));
}

/* One item as a sentence; *gloss is set when its kind is explained here. */
static void item_sentence(const struct rpt_story_item *it, char *buf, size_t size)
{
	if (it->source == RPT_STORY_FAULT || it->source == RPT_STORY_UNDO) {
		fault_sentence(it, buf, size);
		return;
	}
	if (it->source == RPT_STORY_EVENT && it->node[0])
		snprintf(buf, size, "%s: %s", it->node, it->text);
	else
		snprintf(buf, size, "%s", it->text);
}

/* ---- The closing paragraph ----------------------------------------------------------- */

struct closing {
	char text[4096];
	size_t len;
};

static void say(struct closing *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct closing *c, const char *fmt, ...)
{
	if (c->len >= sizeof c->text)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(c->text + c->len, sizeof c->text - c->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->len += (size_t)n;
	if (c->len > sizeof c->text - 1)
		c->len = sizeof c->text - 1;
}

/* What happened before the failure that could explain it: faults on
 * nodes, logs that lost their end, truncations. */
static void say_causes(struct closing *c, const struct rpt_story *s)
{
	int told_n = 0;
	char t[32];
	for (size_t i = 0; i < s->n && told_n < 6; i++) {
		const struct rpt_story_item *it = &s->items[i];
		seconds(it->time_ns, t, sizeof t);
		if (!in_filter(s, it))
			continue;
		if (it->source == RPT_STORY_FAULT && it->node[0] && strcmp(it->kind, "restart")) {
			say(c, "%s at %s %s %s (\"%s\")", told_n ? ";" : " What led to it:", t,
			    it->node, fault_phrase(it->kind), it->kind);
			told_n++;
		} else if ((it->source == RPT_STORY_NOTE && !strcmp(it->kind, "log-end")) ||
			   (it->source == RPT_STORY_EVENT && !strcmp(it->kind, "truncate"))) {
			say(c, "%s at %s %s", told_n ? ";" : " What led to it:", t, it->text);
			told_n++;
		}
	}
	if (told_n)
		say(c, ".");
	else
		say(c, " No fault struck a node before it: the examples above and the trace "
		       "(ksim run --trace) show where it went wrong.");
}

static void closing_text(struct closing *c, const struct rpt_story *s, const struct rpt_run *run)
{
	size_t n_faults = 0;
	for (size_t i = 0; i < s->n; i++)
		n_faults += s->items[i].source == RPT_STORY_FAULT;
	if (run->verdict->pass) {
		say(c, "Verdict: PASS. Every expectation of the scenario held");
		for (int k = 0; k < CHK_COUNT; k++)
			if (run->expect->of[k] == CHK_EXPECT_SOME)
				say(c, "; it expected %s to find anomalies, and it found %" PRIu64
				       " (%s), which is what the scenario sets out to show",
				    chk_name((enum chk_kind)k), run->checks->reports[k].count,
				    check_meaning((enum chk_kind)k));
		say(c, ".");
		if (n_faults)
			say(c, " It held through %zu fault%s.", n_faults, n_faults == 1 ? "" : "s");
		return;
	}
	say(c, "Verdict: FAIL.");
	for (size_t i = 0; i < run->verdict->n_failed; i++) {
		enum chk_kind k = (enum chk_kind)run->verdict->failed[i];
		uint64_t count = run->checks->reports[k].count;
		if (count)
			say(c, " %c%s (%s: %" PRIu64 " found, expected %s).",
			    check_meaning(k)[0] - ('a' - 'A'), check_meaning(k) + 1, chk_name(k),
			    count, chk_expect_name((enum chk_expect)run->expect->of[k]));
		else
			say(c, " The scenario expected %s to find anomalies (%s), but it found none.",
			    chk_name(k), check_meaning(k));
	}
	say_causes(c, s);
}

/* ---- Writers -------------------------------------------------------------------------- */

/* How the Markdown and the plain-text story differ: escaping and emphasis. */
struct style {
	int (*inline_text)(FILE *out, const char *s);
	int (*block_text)(FILE *out, const char *s);
	const char *strong; /* "**" or "" */
	const char *em;     /* "*" or "" */
};

/* For a terminal: the text as it is, but no control character (an escape
 * sequence in a name must not reach the terminal); newlines kept in blocks. */
static int plain(FILE *out, const char *s, bool newlines)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		fputc(c < 0x20 && !(newlines && c == '\n') ? ' ' : c == 0x7f ? ' ' : (int)c, out);
	}
	return ferror(out) ? -1 : 0;
}

static int plain_inline(FILE *out, const char *s)
{
	return plain(out, s, false);
}

static int plain_block(FILE *out, const char *s)
{
	return plain(out, s, true);
}

static const struct style md_style = {rpt_md_write_inline, rpt_md_write_block, "**", "*"};
static const struct style text_style = {plain_inline, plain_block, "", ""};

static void anomalies_md(FILE *out, const struct rpt_run *run, const struct style *st)
{
	bool any = false;
	fprintf(out, "## What the checkers found\n\n");
	for (int k = 0; k < CHK_COUNT; k++) {
		const struct chk_report *rep = &run->checks->reports[k];
		if (!rep->count)
			continue;
		any = true;
		fprintf(out, "- %s%s%s: %" PRIu64 " — %s. The operations involved:\n", st->strong,
			chk_name((enum chk_kind)k), st->strong, rep->count,
			check_meaning((enum chk_kind)k));
		for (size_t e = 0; e < rep->n_examples; e++) {
			const struct chk_example *ex = &rep->examples[e];
			char t[32];
			seconds(ex->time, t, sizeof t);
			fprintf(out, "  - %s, ", t);
			st->inline_text(out, ex->process);
			fputs(": ", out);
			st->inline_text(out, ex->detail);
			fprintf(out, " (history line %" PRIu64 ")\n", ex->line);
		}
		if (rep->count > rep->n_examples)
			fprintf(out, "  - and %" PRIu64 " more\n", rep->count - rep->n_examples);
	}
	if (!any)
		fprintf(out, "No checker found an anomaly.\n");
	fputc('\n', out);
}

static int write_story(FILE *out, struct rpt_story *s, const struct rpt_run *run,
		       const struct style *st)
{
	qsort(s->items, s->n, sizeof *s->items, item_cmp);
	bool node_leaders = has_node_event(s, "leader");
	fputs("# The story of ", out);
	st->inline_text(out, run->scenario);
	fprintf(out, ", seed %" PRIu64 "\n\n", run->seed);
	if (run->description && run->description[0]) {
		st->block_text(out, run->description);
		fputs("\n\n", out);
	}
	fputs("## What happened\n\n", out);
	bool explained[sizeof event_gloss / sizeof *event_gloss] = {0};
	size_t told_n = 0, folded = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct rpt_story_item *it = &s->items[i];
		if (!told(s, it, node_leaders))
			continue;
		if (!in_filter(s, it)) {
			folded++;
			continue;
		}
		char t[32], line[1200];
		seconds(it->time_ns, t, sizeof t);
		item_sentence(it, line, sizeof line);
		fprintf(out, "- %s%s%s — ", st->strong, t, st->strong);
		st->inline_text(out, line);
		for (size_t g = 0; g < sizeof event_gloss / sizeof *event_gloss; g++)
			if (it->source != RPT_STORY_FAULT && it->source != RPT_STORY_UNDO &&
			    !explained[g] && !strcmp(event_gloss[g].kind, it->kind)) {
				explained[g] = true;
				fprintf(out, "\n  %s", st->em);
				st->inline_text(out, event_gloss[g].text);
				fputs(st->em, out);
			}
		fputc('\n', out);
		told_n++;
	}
	if (!told_n)
		fputs("Nothing notable happened: no fault, and no node told of an event.\n", out);
	if (s->dropped)
		fprintf(out, "- (%" PRIu64 " more node events are not told here; the trace has "
			     "them all)\n", s->dropped);
	if (folded && s->topic) {
		fprintf(out, "- (%zu events about other topics than ", folded);
		st->inline_text(out, s->topic);
		fputs(" are not told here)\n", out);
	}
	else if (folded)
		fprintf(out, "- (%zu events about internal topics, such as the consumer groups' "
			     "offsets topic, are not told here; `ksim run --explain --topic "
			     "TOPIC` tells the story of one topic)\n",
			folded);
	fputc('\n', out);
	if (run->checks)
		anomalies_md(out, run, st);
	if (run->checks && run->verdict && run->expect) {
		struct closing c = {.len = 0};
		closing_text(&c, s, run);
		fputs("## Verdict\n\n", out);
		st->block_text(out, c.text);
		fputc('\n', out);
	}
	return ferror(out) ? -1 : 0;
}

int rpt_story_write_md(FILE *out, struct rpt_story *s, const struct rpt_run *run)
{
	return write_story(out, s, run, &md_style);
}

int rpt_story_write_text(FILE *out, struct rpt_story *s, const struct rpt_run *run)
{
	return write_story(out, s, run, &text_style);
}

static void text_html(FILE *out, const char *s)
{
	rpt_xml_write_text(out, s, false);
}

static void anomalies_html(FILE *out, const struct rpt_run *run)
{
	fputs("<h3>What the checkers found</h3>\n<ul>\n", out);
	bool any = false;
	for (int k = 0; k < CHK_COUNT; k++) {
		const struct chk_report *rep = &run->checks->reports[k];
		if (!rep->count)
			continue;
		any = true;
		fprintf(out, "<li><b>%s</b>: %" PRIu64 " — ", chk_name((enum chk_kind)k),
			rep->count);
		text_html(out, check_meaning((enum chk_kind)k));
		fputs(".\n<ul>\n", out);
		for (size_t e = 0; e < rep->n_examples; e++) {
			const struct chk_example *ex = &rep->examples[e];
			char t[32];
			seconds(ex->time, t, sizeof t);
			fprintf(out, "<li>%s, ", t);
			text_html(out, ex->process);
			fputs(": ", out);
			text_html(out, ex->detail);
			fprintf(out, " (history line %" PRIu64 ")</li>\n", ex->line);
		}
		if (rep->count > rep->n_examples)
			fprintf(out, "<li>and %" PRIu64 " more</li>\n", rep->count - rep->n_examples);
		fputs("</ul></li>\n", out);
	}
	if (!any)
		fputs("<li>No checker found an anomaly.</li>\n", out);
	fputs("</ul>\n", out);
}

int rpt_story_write_html(FILE *out, struct rpt_story *s, const struct rpt_run *run)
{
	qsort(s->items, s->n, sizeof *s->items, item_cmp);
	bool node_leaders = has_node_event(s, "leader");
	fputs("<section id=\"story\">\n<h2>The story</h2>\n<h3>What happened</h3>\n<ul>\n", out);
	bool explained[sizeof event_gloss / sizeof *event_gloss] = {0};
	for (size_t i = 0; i < s->n; i++) {
		const struct rpt_story_item *it = &s->items[i];
		if (!told(s, it, node_leaders))
			continue;
		char t[32], line[1200];
		seconds(it->time_ns, t, sizeof t);
		item_sentence(it, line, sizeof line);
		fprintf(out, "<li class=\"%s\"><b>%s</b> ",
			it->source == RPT_STORY_FAULT	? "fault"
			: it->source == RPT_STORY_UNDO ? "undo"
						       : "event",
			t);
		text_html(out, line);
		const char *g = it->source == RPT_STORY_FAULT || it->source == RPT_STORY_UNDO
					? NULL
					: gloss_of(it->kind);
		size_t gi = 0;
		while (g && gi < sizeof event_gloss / sizeof *event_gloss &&
		       strcmp(event_gloss[gi].kind, it->kind))
			gi++;
		if (g && !explained[gi]) {
			explained[gi] = true;
			fputs("<br/><i>", out);
			text_html(out, g);
			fputs("</i>", out);
		}
		fputs("</li>\n", out);
	}
	if (s->dropped)
		fprintf(out, "<li>(%" PRIu64 " more node events are not told here; the trace has "
			     "them all)</li>\n", s->dropped);
	fputs("</ul>\n", out);
	if (run->checks)
		anomalies_html(out, run);
	if (run->checks && run->verdict && run->expect) {
		struct closing c = {.len = 0};
		closing_text(&c, s, run);
		fputs("<h3>Verdict</h3>\n<p>", out);
		text_html(out, c.text);
		fputs("</p>\n", out);
	}
	fputs("</section>\n", out);
	return ferror(out) ? -1 : 0;
}
