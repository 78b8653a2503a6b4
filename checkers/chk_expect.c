/*
 * chk_expect — the `expect` block's evaluation and the anomaly part of
 * summary.json (scenario format: "Checkers and expect", "summary.json").
 */
#include "checkers/chk.h"

#include <inttypes.h>
#include <string.h>

static const char *const expect_names[] = {"any", "none", "some", "ok"};

const char *chk_expect_name(enum chk_expect e)
{
	return e <= CHK_EXPECT_OK ? expect_names[e] : "?";
}

int chk_expect_from_name(enum chk_kind k, const char *value, enum chk_expect *out)
{
	for (int e = CHK_EXPECT_ANY; e <= CHK_EXPECT_OK; e++) {
		if (strcmp(value, expect_names[e]) != 0)
			continue;
		/* `ok` is liveness's word; the other keys count anomalies. */
		if (e == CHK_EXPECT_OK && k != CHK_LIVENESS)
			return -1;
		*out = (enum chk_expect)e;
		return 0;
	}
	return -1;
}

static bool holds(enum chk_expect e, uint64_t count)
{
	switch (e) {
	case CHK_EXPECT_NONE:
	case CHK_EXPECT_OK:
		return count == 0;
	case CHK_EXPECT_SOME:
		return count > 0;
	default:
		return true;
	}
}

uint32_t chk_acked_ratio_bp(const struct chk_result *r)
{
	const struct chk_availability *a = &r->avail;
	return a->sends ? (uint32_t)(a->acked * 10000 / a->sends) : 0;
}

bool chk_max_unavailable_holds(const struct chk_result *r, const struct chk_expectations *e)
{
	return !e->has_max_unavailable || r->avail.max_gap_ns <= e->max_unavailable_ns;
}

/* Without sends there is no ratio to hold: an expectation of one fails. */
bool chk_acked_ratio_holds(const struct chk_result *r, const struct chk_expectations *e)
{
	return !e->has_acked_ratio || (r->avail.sends && chk_acked_ratio_bp(r) >= e->acked_ratio_bp);
}

void chk_evaluate(const struct chk_result *r, const struct chk_expectations *e,
                  struct chk_verdict *v)
{
	memset(v, 0, sizeof(*v));
	for (int k = 0; k < CHK_COUNT; k++) {
		uint64_t count = r->reports[k].count;
		/* Unreadable records mean a partition that is not alive. */
		if (k == CHK_LIVENESS && r->unreadable && !count)
			count = 1;
		if (!holds((enum chk_expect)e->of[k], count))
			v->failed[v->n_failed++] = (uint8_t)k;
	}
	v->failed_max_unavailable = !chk_max_unavailable_holds(r, e);
	v->failed_acked_ratio = !chk_acked_ratio_holds(r, e);
	v->pass = v->n_failed == 0 && !v->failed_max_unavailable && !v->failed_acked_ratio;
}

/* A duration as the scenario format writes it: whole seconds as "5s", else
 * milliseconds ("1500ms"), else microseconds. */
static void write_duration(FILE *out, int64_t ns)
{
	if (ns % 1000000000 == 0)
		fprintf(out, "%" PRId64 "s", ns / 1000000000);
	else if (ns % 1000000 == 0)
		fprintf(out, "%" PRId64 "ms", ns / 1000000);
	else
		fprintf(out, "%" PRId64 "us", ns / 1000);
}

static void write_percent(FILE *out, uint32_t bp)
{
	fprintf(out, "%u", bp / 100);
	if (bp % 10)
		fprintf(out, ".%02u", bp % 100);
	else if (bp % 100)
		fprintf(out, ".%u", bp % 100 / 10);
	fputc('%', out);
}

int chk_write_summary(FILE *out, const struct chk_result *r, const struct chk_expectations *e,
                      const struct chk_verdict *v)
{
	fputs("\"anomalies\": {", out);
	for (int k = 0; k < CHK_COUNT; k++)
		fprintf(out, "%s\"%s\": %" PRIu64, k ? ", " : "", chk_name((enum chk_kind)k),
		        r->reports[k].count);
	fprintf(out, "},\n \"unreadable\": %" PRIu64 ",\n \"availability\": {\"max_gap_ms\": %" PRId64
	        ", \"worst\": \"%s\", \"acked_ratio\": \"",
	        r->unreadable, r->avail.max_gap_ns / 1000000, r->avail.worst);
	write_percent(out, chk_acked_ratio_bp(r));
	fputs("\"},\n \"expect\": {", out);
	for (int k = 0; k < CHK_COUNT; k++)
		fprintf(out, "%s\"%s\": \"%s\"", k ? ", " : "", chk_name((enum chk_kind)k),
		        chk_expect_name((enum chk_expect)e->of[k]));
	if (e->has_max_unavailable) {
		fputs(", \"" CHK_MAX_UNAVAILABLE_NAME "\": \"", out);
		write_duration(out, e->max_unavailable_ns);
		fputc('"', out);
	}
	if (e->has_acked_ratio) {
		fputs(", \"" CHK_ACKED_RATIO_NAME "\": \"", out);
		write_percent(out, e->acked_ratio_bp);
		fputc('"', out);
	}
	fputs("},\n \"failed_expectations\": [", out);
	size_t i = 0;
	for (; i < v->n_failed; i++)
		fprintf(out, "%s\"%s\"", i ? ", " : "", chk_name((enum chk_kind)v->failed[i]));
	if (v->failed_max_unavailable)
		fprintf(out, "%s\"" CHK_MAX_UNAVAILABLE_NAME "\"", i++ ? ", " : "");
	if (v->failed_acked_ratio)
		fprintf(out, "%s\"" CHK_ACKED_RATIO_NAME "\"", i++ ? ", " : "");
	fputs("]", out);
	return ferror(out) ? -1 : 0;
}

int chk_write_report(FILE *out, const struct chk_result *r, const struct chk_verdict *v)
{
	for (int k = 0; k < CHK_COUNT; k++) {
		const struct chk_report *rep = &r->reports[k];
		fprintf(out, "%-22s %" PRIu64 "\n", chk_name((enum chk_kind)k), rep->count);
		for (size_t i = 0; i < rep->n_examples; i++) {
			const struct chk_example *x = &rep->examples[i];
			fprintf(out, "  line %" PRIu64 " t=%" PRId64 "ns %s: %s\n", x->line,
			        x->time, x->process, x->detail);
		}
		if (rep->count > rep->n_examples)
			fprintf(out, "  (%" PRIu64 " more)\n", rep->count - rep->n_examples);
	}
	if (r->unreadable)
		fprintf(out, "unreadable             %" PRIu64 " (acknowledged records of partitions "
		             "the final reads could not read)\n",
		        r->unreadable);
	if (r->avail.has_phase) {
		fprintf(out, "availability           longest gap %" PRId64 " ms (%s), ",
		        r->avail.max_gap_ns / 1000000, r->avail.worst[0] ? r->avail.worst : "-");
		write_percent(out, chk_acked_ratio_bp(r));
		fputs(" of sends acknowledged\n", out);
	}
	fprintf(out, "verdict: %s", v->pass ? "pass" : "fail");
	size_t i = 0;
	for (; i < v->n_failed; i++)
		fprintf(out, "%s%s", i ? ", " : " (", chk_name((enum chk_kind)v->failed[i]));
	if (v->failed_max_unavailable)
		fprintf(out, "%s" CHK_MAX_UNAVAILABLE_NAME, i++ ? ", " : " (");
	if (v->failed_acked_ratio)
		fprintf(out, "%s" CHK_ACKED_RATIO_NAME, i++ ? ", " : " (");
	fputs(i ? ")\n" : "\n", out);
	return ferror(out) ? -1 : 0;
}
