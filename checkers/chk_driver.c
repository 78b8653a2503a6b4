/*
 * chk_driver — runs the checkers (see chk.h): the table from kind to name and
 * function, and the CLI's one-call entry chk_run_file.
 */
#include "checkers/chk.h"
#include "checkers/chk_impl.h"

#include <string.h>

static const struct {
	const char *name;
	int (*run)(const struct hist *, struct chk_report *);
} checkers[CHK_COUNT] = {
    [CHK_LOST_WRITE] = {"lost-write", chk_lost_write},
    [CHK_DUPLICATE] = {"duplicate", chk_duplicate},
    [CHK_INCONSISTENT_OFFSETS] = {"inconsistent-offsets", chk_inconsistent_offsets},
    [CHK_NONMONOTONIC_POLL] = {"nonmonotonic-poll", chk_nonmonotonic_poll},
    [CHK_NONMONOTONIC_SEND] = {"nonmonotonic-send", chk_nonmonotonic_send},
    [CHK_POLL_SKIP] = {"poll-skip", chk_poll_skip},
    [CHK_UNEXPECTED] = {"unexpected", chk_unexpected},
    [CHK_REPLICA_DIVERGENCE] = {"replica-divergence", chk_replica_divergence},
    [CHK_COMMITTED_REWRITE] = {"committed-rewrite", chk_committed_rewrite},
    [CHK_SPLIT_BRAIN] = {"split-brain", chk_split_brain},
    [CHK_ZK_AGREEMENT] = {"zk-agreement", chk_zk_agreement},
    [CHK_LIVENESS] = {"liveness", chk_liveness},
    [CHK_GROUP_SKIP] = {"group-skip", chk_group_skip},
    [CHK_GROUP_REDELIVERY] = {"group-redelivery", chk_group_redelivery},
};

const char *chk_name(enum chk_kind k)
{
	return k < CHK_COUNT ? checkers[k].name : "?";
}

int chk_kind_from_name(const char *name, enum chk_kind *out)
{
	for (int k = 0; k < CHK_COUNT; k++) {
		if (strcmp(checkers[k].name, name) == 0) {
			*out = (enum chk_kind)k;
			return 0;
		}
	}
	return -1;
}

int chk_run(enum chk_kind k, const struct hist *h, struct chk_report *out)
{
	memset(out, 0, sizeof(*out));
	if (k >= CHK_COUNT)
		return CHK_OK;
	return checkers[k].run(h, out);
}

int chk_run_all(const struct hist *h, struct chk_result *out)
{
	memset(out, 0, sizeof(*out));
	for (int k = 0; k < CHK_COUNT; k++) {
		int rc = chk_run((enum chk_kind)k, h, &out->reports[k]);
		if (rc)
			return rc;
	}
	int rc = chk_count_unreadable(h, &out->unreadable);
	return rc ? rc : chk_measure_availability(h, out);
}

int chk_run_file(const char *path, const struct chk_expectations *expect, FILE *out, FILE *err)
{
	static const struct chk_expectations all_any; /* read-only: every key `any` */
	struct hist *h;
	struct hist_error e;
	struct chk_result res;
	struct chk_verdict v;
	int rc = hist_read_file(path, &h, &e);
	if (rc) {
		hist_error_print(err, path, &e);
		return 2;
	}
	rc = chk_run_all(h, &res);
	hist_free(h);
	if (rc) {
		fprintf(err, "%s: out of memory while checking\n", path);
		return 2;
	}
	chk_evaluate(&res, expect ? expect : &all_any, &v);
	chk_write_report(out, &res, &v);
	/* The contract: without expectations everything is `any`, so the
	 * history is reported and the exit is 0. */
	return v.pass ? 0 : 1;
}
