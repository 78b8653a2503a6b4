/*
 * rpt_summary — summary.json, the machine-readable verdict of one run. Its
 * shape is a public contract (/work/shared/scenario-format.md, "Command line
 * and outputs"; field by field in docs/reports.md): members in this order,
 *
 *   {"scenario": "NAME", "seed": 1, "verdict": "pass",
 *    "trace_hash": "0123456789abcdef",
 *    "mode": "zookeeper", "kafka_version": "3.9",
 *    "anomalies": {...}, "expect": {...}, "failed_expectations": [...],
 *    "stats": {"sends": 0, "acked": 0, "failed": 0, "indeterminate": 0,
 *              "polled": 0, "faults": 0, "events": 0,
 *              "sim_seconds": 90.000, "wall_seconds": 0.400}}
 *
 * followed by a newline. The anomaly members are chk_write_summary's.
 * wall_seconds is the file's last value and its only nondeterministic one:
 * every byte before it is a function of the scenario, the seed and the
 * binary, so two runs' files can be compared up to that member.
 */
#ifndef KSIM_RPT_SUMMARY_H
#define KSIM_RPT_SUMMARY_H

#include <stdio.h>

#include "reports/rpt_run.h"

/*
 * Writes run's summary.json to out (the caller's, left open). run and every
 * struct it points at must be set. Returns 0, or -1 when a write failed.
 */
int rpt_write_summary(FILE *out, const struct rpt_run *run);

#endif
