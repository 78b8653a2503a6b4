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

void chk_evaluate(const struct chk_result *r, const struct chk_expectations *e,
                  struct chk_verdict *v)
{
	memset(v, 0, sizeof(*v));
	for (int k = 0; k < CHK_COUNT; k++)
		if (!holds((enum chk_expect)e->of[k], r->reports[k].count))
			v->failed[v->n_failed++] = (uint8_t)k;
	v->pass = v->n_failed == 0;
}

int chk_write_summary(FILE *out, const struct chk_result *r, const struct chk_expectations *e,
                      const struct chk_verdict *v)
{
	fputs("\"anomalies\": {", out);
	for (int k = 0; k < CHK_COUNT; k++)
		fprintf(out, "%s\"%s\": %" PRIu64, k ? ", " : "", chk_name((enum chk_kind)k),
		        r->reports[k].count);
	fputs("},\n \"expect\": {", out);
	for (int k = 0; k < CHK_COUNT; k++)
		fprintf(out, "%s\"%s\": \"%s\"", k ? ", " : "", chk_name((enum chk_kind)k),
		        chk_expect_name((enum chk_expect)e->of[k]));
	fputs("},\n \"failed_expectations\": [", out);
	for (size_t i = 0; i < v->n_failed; i++)
		fprintf(out, "%s\"%s\"", i ? ", " : "", chk_name((enum chk_kind)v->failed[i]));
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
	fprintf(out, "verdict: %s", v->pass ? "pass" : "fail");
	for (size_t i = 0; i < v->n_failed; i++)
		fprintf(out, "%s%s", i ? ", " : " (", chk_name((enum chk_kind)v->failed[i]));
	fputs(v->n_failed ? ")\n" : "\n", out);
	return ferror(out) ? -1 : 0;
}
