/*
 * The normalized form of a scenario: valid scenario YAML with every default
 * written out and a fixed key order, so that two files meaning the same
 * thing print the same bytes (`ksim run --explain`, round-trip tests).
 * Strings are always double-quoted so that no value can be misread as
 * another YAML type.
 */
#include "harness/scn.h"

#include <stdio.h>

__extension__ typedef unsigned __int128 scn_print_u128;

static void put_quoted(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (*p == '\t')
			fputs("\\t", out);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\x%02x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void put_duration(FILE *out, int64_t ns)
{
	char buf[32];
	fputs(scn_format_duration(ns, buf, sizeof(buf)), out);
}

/* In the largest unit that divides the size exactly. */
static void put_size(FILE *out, uint64_t bytes)
{
	static const char *const names[] = {"B", "KiB", "MiB", "GiB"};
	int u = 0;
	while (u < 3 && bytes && bytes % 1024 == 0) {
		bytes /= 1024;
		u++;
	}
	fprintf(out, ", free: %llu%s", (unsigned long long)bytes, names[u]);
}

static void put_range(FILE *out, struct scn_range r)
{
	put_duration(out, r.min_ns);
	if (r.max_ns != r.min_ns) {
		fputs("..", out);
		put_duration(out, r.max_ns);
	}
}

/* The rate in the first unit that makes the count a whole number; the
 * loader only builds rates that some unit expresses exactly. */
static void put_rate(FILE *out, struct scn_rate r)
{
	static const struct {
		const char *name;
		uint64_t scale;
	} units[] = {{"s", 1000000000ull},
	             {"m", 60000000000ull},
	             {"ms", 1000000ull},
	             {"us", 1000ull},
	             {"ns", 1ull}};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		scn_print_u128 n = (scn_print_u128)r.num * units[i].scale;
		scn_print_u128 d = (scn_print_u128)r.den * 1000000000u;
		if (d && n % d == 0 && n / d <= UINT64_MAX) {
			fprintf(out, "%llu/%s", (unsigned long long)(n / d), units[i].name);
			return;
		}
	}
	fprintf(out, "%llu/s", (unsigned long long)r.num); /* not reached */
}

static void put_config(FILE *out, const char *indent, const char *key, const struct scn_config *cfg)
{
	if (cfg->count == 0)
		return;
	fprintf(out, "%s%s:\n", indent, key);
	for (size_t i = 0; i < cfg->count; i++) {
		fprintf(out, "%s  ", indent);
		put_quoted(out, cfg->items[i].key);
		fputs(": ", out);
		put_quoted(out, cfg->items[i].value);
		fputc('\n', out);
	}
}

static void put_target(FILE *out, const struct scn_target *t)
{
	static const char *const names[] = {
	    [SCN_TARGET_CONTROLLER] = "controller",
	    [SCN_TARGET_ZK_LEADER] = "zk-leader",
	    [SCN_TARGET_RANDOM_BROKER] = "random-broker",
	    [SCN_TARGET_RANDOM_ZK] = "random-zk",
	    [SCN_TARGET_BROKERS] = "brokers",
	    [SCN_TARGET_ZOOKEEPER] = "zookeeper",
	    [SCN_TARGET_ALL] = "all",
	    [SCN_TARGET_REST] = "rest",
	};
	fputc('"', out);
	switch (t->kind) {
	case SCN_TARGET_BROKER:
		fprintf(out, "broker-%d", t->index);
		break;
	case SCN_TARGET_ZK:
		fprintf(out, "zk-%d", t->index);
		break;
	case SCN_TARGET_PRODUCER:
		fprintf(out, "producer-%d", t->index);
		break;
	case SCN_TARGET_CONSUMER:
		fprintf(out, "consumer-%d", t->index);
		break;
	case SCN_TARGET_LEADER:
	case SCN_TARGET_FOLLOWER:
		/* Topic names are [a-zA-Z0-9._-], so they need no escaping. */
		fprintf(out, "%s:%s/%d", t->kind == SCN_TARGET_LEADER ? "leader" : "follower",
		        t->topic, t->partition);
		break;
	default:
		fputs(names[t->kind], out);
	}
	fputc('"', out);
}

static void put_targets(FILE *out, const struct scn_targets *ts)
{
	if (ts->count == 1) {
		put_target(out, &ts->items[0]);
		return;
	}
	fputc('[', out);
	for (size_t i = 0; i < ts->count; i++) {
		if (i)
			fputs(", ", out);
		put_target(out, &ts->items[i]);
	}
	fputc(']', out);
}

static void put_partition(FILE *out, const struct scn_fault *f)
{
	switch (f->partition.kind) {
	case SCN_PARTITION_ISOLATE:
		fputs("{isolate: ", out);
		put_targets(out, &f->targets);
		break;
	case SCN_PARTITION_GROUPS:
		fputs("{groups: [", out);
		for (size_t i = 0; i < f->partition.group_count; i++) {
			fputs(i ? ", [" : "[", out);
			/* Always a list here: a lone scalar would read the same. */
			for (size_t j = 0; j < f->partition.groups[i].count; j++) {
				if (j)
					fputs(", ", out);
				put_target(out, &f->partition.groups[i].items[j]);
			}
			fputc(']', out);
		}
		fputc(']', out);
		break;
	case SCN_PARTITION_HALVES:
		fputs("{halves: true", out);
		break;
	case SCN_PARTITION_ONE_WAY:
		fputs("{one-way: {from: ", out);
		put_targets(out, &f->partition.from);
		fputs(", to: ", out);
		put_targets(out, &f->partition.to);
		fputc('}', out);
		break;
	}
	fputc('}', out);
}

static void put_action_value(FILE *out, const struct scn_fault *f)
{
	static const char *const disk_names[] = {"fsync-error", "write-error", "full", "corrupt",
	                                         "slow"};
	switch (f->action) {
	case SCN_ACTION_PARTITION:
		put_partition(out, f);
		return;
	case SCN_ACTION_HEAL:
		fputs(f->heal == SCN_HEAL_ALL ? "all" : "partition", out);
		return;
	case SCN_ACTION_ELECT_LEADERS:
		fprintf(out, "{topic: %s, partition: %d, type: %s}", f->targets.items[0].topic,
		        f->targets.items[0].partition, f->elect.unclean ? "unclean" : "preferred");
		return;
	case SCN_ACTION_DELAY:
	case SCN_ACTION_DISK:
	case SCN_ACTION_CLOCK:
		fputs("{target: ", out);
		put_targets(out, &f->targets);
		break;
	default:
		put_targets(out, &f->targets);
		return;
	}
	if (f->action == SCN_ACTION_DISK) {
		fprintf(out, ", fault: %s", disk_names[f->disk.fault]);
		if (f->disk.fault == SCN_DISK_FULL)
			put_size(out, f->disk.free_bytes);
	}
	if (f->action == SCN_ACTION_DELAY ||
	    (f->action == SCN_ACTION_DISK && f->disk.fault == SCN_DISK_SLOW)) {
		fputs(", latency: ", out);
		put_range(out, f->latency);
	}
	if (f->action == SCN_ACTION_CLOCK) {
		fputs(f->clock.kind == SCN_CLOCK_SKEW ? ", skew: " : ", step: ", out);
		put_duration(out, f->clock.offset_ns);
	}
	fputc('}', out);
}

static void put_faults(FILE *out, const struct scn_scenario *s)
{
	if (s->fault_count == 0)
		return;
	fputs("faults:\n", out);
	for (size_t i = 0; i < s->fault_count; i++) {
		const struct scn_fault *f = &s->faults[i];
		fputs("  - at: ", out);
		put_duration(out, f->at_ns);
		fprintf(out, "\n    %s: ", scn_action_name(f->action));
		put_action_value(out, f);
		fputc('\n', out);
		if (f->has_for) {
			fputs("    for: ", out);
			put_duration(out, f->for_ns);
			fputc('\n', out);
		}
	}
}

static void put_workload(FILE *out, const struct scn_scenario *s)
{
	static const char *const commits[] = {"after-process", "before-process", "none"};
	if (!s->producer_group_count && !s->consumer_group_count)
		return;
	fputs("workload:\n", out);
	if (s->producer_group_count)
		fputs("  producers:\n", out);
	for (size_t i = 0; i < s->producer_group_count; i++) {
		const struct scn_producer_group *p = &s->producers[i];
		fprintf(out, "    - count: %d\n      topic: ", p->count);
		put_quoted(out, p->topic);
		fputs("\n      rate: ", out);
		put_rate(out, p->rate);
		fputc('\n', out);
		if (p->keys)
			fprintf(out, "      keys: %lld\n", (long long)p->keys);
		put_config(out, "      ", "config", &p->config);
	}
	if (s->consumer_group_count)
		fputs("  consumers:\n", out);
	for (size_t i = 0; i < s->consumer_group_count; i++) {
		const struct scn_consumer_group *g = &s->consumers[i];
		fprintf(out, "    - count: %d\n      topic: ", g->count);
		put_quoted(out, g->topic);
		fputc('\n', out);
		if (g->group) {
			fputs("      group: ", out);
			put_quoted(out, g->group);
			fputc('\n', out);
		}
		fprintf(out, "      commit: %s\n", commits[g->commit]);
		put_config(out, "      ", "config", &g->config);
	}
}

static void put_world(FILE *out, const struct scn_scenario *s)
{
	fputs("cluster:\n", out);
	fprintf(out, "  mode: %s\n", s->cluster.mode == SCN_MODE_KRAFT ? "kraft" : "zookeeper");
	fprintf(out, "  kafka_version: \"%d.%d\"\n", s->cluster.kafka_version / 100,
		s->cluster.kafka_version % 100);
	if (s->cluster.mode == SCN_MODE_ZOOKEEPER)
		fprintf(out, "  zookeeper: %d\n", s->cluster.zookeeper);
	fprintf(out, "  brokers: %d\n", s->cluster.brokers);
	put_config(out, "  ", "broker", &s->cluster.broker);
	put_config(out, "  ", "zookeeper_config", &s->cluster.zookeeper_config);
	fputs("network:\n  latency: ", out);
	put_range(out, s->net_latency);
	fputs("\ndisk:\n  write_latency: ", out);
	put_range(out, s->disk_write_latency);
	fputs("\n  fsync_latency: ", out);
	put_range(out, s->disk_fsync_latency);
	fputc('\n', out);
	if (s->topic_count)
		fputs("topics:\n", out);
	for (size_t i = 0; i < s->topic_count; i++) {
		const struct scn_topic *t = &s->topics[i];
		fputs("  - name: ", out);
		put_quoted(out, t->name);
		fprintf(out, "\n    partitions: %d\n    replication_factor: %d\n", t->partitions,
		        t->replication_factor);
		put_config(out, "    ", "config", &t->config);
	}
}

static void put_nemesis_expect(FILE *out, const struct scn_scenario *s)
{
	if (s->nemesis.enabled) {
		static const char *const targets[] = {"brokers", "zookeeper", "all"};
		fputs("nemesis:\n  kinds: [", out);
		bool first = true;
		for (int a = 0; a < SCN_ACTION_COUNT; a++) {
			if (!(s->nemesis.kinds & (1u << a)))
				continue;
			fprintf(out, "%s%s", first ? "" : ", ",
			        scn_action_name((enum scn_action)a));
			first = false;
		}
		fputs("]\n  interval: ", out);
		put_range(out, s->nemesis.interval);
		fprintf(out, "\n  targets: %s\n", targets[s->nemesis.targets]);
	}
	fputs("expect:\n", out);
	for (int i = 0; i < SCN_CHK_COUNT; i++)
		fprintf(out, "  %s: %s\n", scn_checker_name((enum scn_checker)i),
		        scn_expect_name(s->expect[i]));
	fprintf(out, "  liveness: %s\n", s->expect_liveness ? "ok" : "any");
	if (s->expect_has_max_unavailable) {
		fputs("  max-unavailable: ", out);
		put_duration(out, s->expect_max_unavailable_ns);
		fputc('\n', out);
	}
	if (s->expect_has_acked_ratio)
		fprintf(out, "  acked-ratio: %d.%02d%%\n", s->expect_acked_ratio_bp / 100,
		        s->expect_acked_ratio_bp % 100);
}

void scn_print(const struct scn_scenario *s, FILE *out)
{
	fprintf(out, "format: %d\nname: ", s->format);
	put_quoted(out, s->name);
	fputc('\n', out);
	if (s->description) {
		fputs("description: ", out);
		put_quoted(out, s->description);
		fputc('\n', out);
	}
	fprintf(out, "seed: %llu\nduration: ", (unsigned long long)s->seed);
	put_duration(out, s->duration_ns);
	fputs("\nquiesce: ", out);
	put_duration(out, s->quiesce_ns);
	fputc('\n', out);
	put_world(out, s);
	put_workload(out, s);
	put_faults(out, s);
	put_nemesis_expect(out, s);
}
