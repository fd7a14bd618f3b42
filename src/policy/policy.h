/* policy.h: turns findings and vulnerabilities into one verdict. */
#ifndef IVET_POLICY_H
#define IVET_POLICY_H

#include "imagevet/scan.h"
#include "policy/policy_file.h"
#include "report/report.h"

/* Default policy (docs/checks.md, "Verdict"):
 *   fail: any finding of severity high or critical (shipped-but-hidden included:
 *         a hidden file is still in the image anyone pulls);
 *   warn: any finding of severity medium, or any known vulnerability of severity
 *         high or critical;
 *   pass: otherwise (low and info findings are reported, they do not warn).
 * A policy file (policy_file.h, docs/policy.md) moves these thresholds,
 * overrides check severities and ignores findings and vulnerabilities. */

/* Builds the policy of one scan before anything is read: o->policy_file
 * (or the default), the rules of o->ignore_file, o->trusted_namespaces, and
 * the command line's o->severity_fail (which wins over the file). Fills *eff
 * with the options the analyzers see: a copy of *o whose trusted_namespaces
 * are the merged list, whose severity_fail and vulndb_max_age_days come from
 * the policy when the caller left them unset, and whose ignore_file is NULL
 * (the policy applies the ignore rules to vulnerabilities and findings
 * alike). *eff borrows from the returned policy: free it after the scan. */
struct ivet_policy *ivet_policy_prepare(const struct ivet_scan_opts *o,
                                        struct ivet_scan_opts *eff, struct ivet_err *err);

/* Applies p to r: severity overrides, then ignore rules (each ignored finding
 * or vulnerability leaves r->findings / r->vulns and is listed in the JSON
 * report's top-level "ignored" array; expired rules apply no more and get a
 * note), then the verdict and r->summary. today is "YYYY-MM-DD" (UTC). */
int ivet_policy_decide(struct ivet_policy *p, const char *today, struct ivet_report *r,
                       struct ivet_err *err);

/* The default policy with o->severity_fail, for today: what a scan without a
 * policy file decides. Fills r->summary and r->verdict. */
int ivet_policy_apply(const struct ivet_scan_opts *o, struct ivet_report *r, struct ivet_err *err);

/* Today's date in UTC, "YYYY-MM-DD". */
void ivet_policy_today(char out[11]);

#endif
