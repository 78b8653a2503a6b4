/*
 * rpt_junit — junit.xml, the run's verdict in the JUnit XML form that CI
 * systems (Jenkins, GitLab, GitHub Actions reporters) display as tests: one
 * <testsuite> named after the scenario, with the seed, trace hash, verdict
 * and description as properties, and one <testcase> per expectation (every
 * checker whose `expect` is not `any`, and any checker the verdict failed),
 * classname "ksim.SCENARIO", name the checker's expect key, in checker order.
 * A failed expectation has a <failure> whose message gives the count and
 * the expectation and whose body lists the example operations; a passing one
 * whose checker counted anomalies (an `expect: some`) lists them in
 * <system-out>. Structure in docs/reports.md.
 *
 * The file has no time attributes: every byte is a function of the scenario,
 * the seed and the binary. All text is escaped by rpt_xml_write_text, so the
 * file is well-formed XML 1.0 in UTF-8 whatever bytes names hold.
 */
#ifndef KSIM_RPT_JUNIT_H
#define KSIM_RPT_JUNIT_H

#include <stdio.h>

#include "reports/rpt_run.h"

/*
 * Writes run's junit.xml to out (the caller's, left open). run and every
 * struct it points at must be set. Returns 0, or -1 when a write failed.
 */
int rpt_write_junit(FILE *out, const struct rpt_run *run);

#endif
