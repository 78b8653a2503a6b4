/* run_report — the run's reports for people (see run_report.h). */
#include "harness/run_report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker/kafka/brk_broker.h"
#include "reports/rpt_diagram.h"
#include "reports/rpt_html.h"
#include "reports/rpt_replicas.h"
#include "reports/rpt_story.h"
#include "sim/util.h"

struct run_report {
	struct sim_world *w;
	const struct scn_scenario *s;
	const struct run_options *opt;
	const uint32_t *brokers;
	int nb;
	struct run_report_partition *parts;
	size_t n_parts;
	struct rpt_story story;
	const char **topic_names; /* the scenario's topics, for the story's filter */
	struct rpt_replicas *replicas;
	struct rpt_diagram *diagram;
};

struct run_report *run_report_new(struct sim_world *w, const struct scn_scenario *s,
				  const struct run_options *opt, const uint32_t *brokers, int nb,
				  const struct run_report_partition *parts, size_t n_parts)
{
	struct run_report *rr = sim_xcalloc(1, sizeof *rr);
	rr->w = w;
	rr->s = s;
	rr->opt = opt;
	rr->brokers = brokers;
	rr->nb = nb;
	rr->n_parts = n_parts;
	rr->parts = sim_xcalloc(n_parts + 1, sizeof *rr->parts);
	memcpy(rr->parts, parts, n_parts * sizeof *parts);
	rpt_story_init(&rr->story);
	rr->topic_names = sim_xcalloc(s->topic_count + 1, sizeof *rr->topic_names);
	for (size_t t = 0; t < s->topic_count; t++)
		rr->topic_names[t] = s->topics[t].name;
	rr->story.topics = rr->topic_names;
	rr->story.n_topics = s->topic_count;
	char (*pn)[96] = sim_xcalloc(n_parts + 1, sizeof *pn);
	const char **pnames = sim_xcalloc(n_parts + 1, sizeof *pnames);
	const char **bnames = sim_xcalloc((size_t)nb + 1, sizeof *bnames);
	for (size_t k = 0; k < n_parts; k++) {
		snprintf(pn[k], sizeof pn[k], "%s/%d", parts[k].topic, parts[k].partition);
		pnames[k] = pn[k];
	}
	for (int b = 0; b < nb; b++)
		bnames[b] = sim_node_name(w, brokers[b]);
	rr->replicas = rpt_replicas_new(pnames, n_parts, bnames, (size_t)nb, &rr->story);
	free(pn);
	free(pnames);
	free(bnames);
	sim_world_set_event_sink(w, rpt_story_event_sink, &rr->story);
	if (opt->diagram) {
		rr->diagram = rpt_diagram_new(opt->diagram_from_ns, opt->diagram_to_ns);
		sim_world_set_frame_sink(w, rpt_diagram_frame, rr->diagram);
	}
	return rr;
}

void run_report_free(struct run_report *rr)
{
	if (!rr)
		return;
	rpt_story_free(&rr->story);
	free(rr->topic_names);
	rpt_replicas_free(rr->replicas);
	rpt_diagram_free(rr->diagram);
	free(rr->parts);
	free(rr);
}

void run_report_ports(struct run_report *rr, uint16_t kafka, uint16_t zk_client,
		      uint16_t zk_quorum, uint16_t zk_election)
{
	if (!rr->diagram)
		return;
	rpt_diagram_port(rr->diagram, kafka, RPT_PROTO_KAFKA);
	rpt_diagram_port(rr->diagram, zk_client, RPT_PROTO_ZK);
	rpt_diagram_port(rr->diagram, zk_quorum, RPT_PROTO_ZK_QUORUM);
	rpt_diagram_port(rr->diagram, zk_election, RPT_PROTO_ZK_QUORUM);
}

void run_report_tick(struct run_report *rr)
{
	int64_t now = sim_now(rr->w);
	for (size_t k = 0; k < rr->n_parts; k++)
		for (int b = 0; b < rr->nb; b++) {
			enum sim_node_status st = sim_node_status(rr->w, rr->brokers[b]);
			const struct brk_broker *br = sim_node_state(rr->w, rr->brokers[b]);
			struct brk_replica_view v;
			bool up = st == SIM_NODE_UP || st == SIM_NODE_PAUSED;
			if (!up || !br ||
			    !brk_replica_view(br, rr->parts[k].topic, rr->parts[k].partition, &v) ||
			    !v.open) {
				rpt_replicas_sample(rr->replicas, now, k, (size_t)b, NULL);
				continue;
			}
			struct rpt_replica_obs o = {v.leo, v.hw, v.leader, v.leader_epoch, v.n_isr};
			rpt_replicas_sample(rr->replicas, now, k, (size_t)b, &o);
		}
}

void run_report_fault(struct run_report *rr, const struct flt_report *rep)
{
	rpt_story_add_fault(&rr->story, rep->time_ns, rep->action, rep->targets, rep->n_targets,
			    rep->for_ns, rep->undo, rep->note);
	if (rr->diagram)
		rpt_diagram_fault(rr->diagram, rep->time_ns, rep->action, rep->targets,
				  rep->n_targets, rep->undo);
}

/* min.insync.replicas from the scenario's cluster.broker block (Kafka's
 * default is 1). */
static int min_isr(const struct scn_scenario *s)
{
	for (size_t k = 0; k < s->cluster.broker.count; k++)
		if (!strcmp(s->cluster.broker.items[k].key, "min.insync.replicas"))
			return atoi(s->cluster.broker.items[k].value);
	return 1;
}

typedef int (*write_fn)(FILE *out, void *arg);

/* Writes dir/name through dir/name.tmp and a rename, as rpt_outdir does. */
static int write_file(const char *dir, const char *name, write_fn fn, void *arg, char *note,
		      size_t size)
{
	char path[1024], tmp[1100];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		snprintf(note, size, "cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	int rc = fn(f, arg);
	if (fclose(f) || rc || rename(tmp, path)) {
		unlink(tmp);
		snprintf(note, size, "cannot write %s", path);
		return -1;
	}
	return 0;
}

struct story_args {
	struct rpt_story *story;
	const struct rpt_run *run;
};

static int story_md(FILE *out, void *arg)
{
	struct story_args *a = arg;
	return rpt_story_write_md(out, a->story, a->run);
}

static int diagram_svg(FILE *out, void *arg)
{
	return rpt_diagram_write_svg(out, arg);
}

static int index_html(FILE *out, void *arg)
{
	return rpt_write_html(out, arg);
}

static bool exists(const char *dir, const char *name)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return access(path, R_OK) == 0;
}

int run_report_finish(struct run_report *rr, const char *dir, const char *scripts,
		      const char *plot_note, size_t n_faults, const struct rpt_run *run,
		      char *note, size_t note_size)
{
	char rnote[300] = "";
	note[0] = 0;
	int rc = rpt_replicas_write(rr->replicas, dir, scripts, n_faults, min_isr(rr->s),
				    run->sim_ns, rnote, sizeof rnote);
	if (rc < 0) {
		snprintf(note, note_size, "%s", rnote);
		return -1;
	}
	struct story_args sa = {&rr->story, run};
	if (write_file(dir, "story.md", story_md, &sa, note, note_size))
		return -1;
	if (rr->diagram && write_file(dir, "diagram.svg", diagram_svg, rr->diagram, note,
				      note_size))
		return -1;
	static const char *const pngs[] = {"latency.png", "rate.png", "replicas.png", "isr.png"};
	const char *images[4];
	size_t n = 0;
	for (size_t i = 0; i < 4; i++)
		if (scripts && exists(dir, pngs[i]))
			images[n++] = pngs[i];
	/* Where the plots would be, the page says why any is missing. */
	const char *why = !scripts ? "plots skipped (--no-plots)"
			  : plot_note && plot_note[0] ? plot_note
						      : rnote;
	struct rpt_html_page page = {run, &rr->story, images, n, why, rr->opt->trace,
				     rr->diagram != NULL};
	if (write_file(dir, "index.html", index_html, &page, note, note_size))
		return -1;
	if (rnote[0] && !(plot_note && plot_note[0]))
		snprintf(note, note_size, "%s", rnote);
	return 0;
}

int run_report_explain(struct run_report *rr, const struct rpt_run *run, FILE *out)
{
	fputc('\n', out);
	rr->story.topic = rr->opt->explain_topic;
	int rc = rpt_story_write_text(out, &rr->story, run);
	rr->story.topic = NULL;
	return rc;
}
