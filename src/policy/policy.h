/* policy.h: turns findings and vulnerabilities into one verdict. */
#ifndef IVET_POLICY_H
#define IVET_POLICY_H

#include "imagevet/scan.h"
#include "report/report.h"

/* Default policy (docs/checks.md, "Verdict"):
 *   fail: any finding of severity high or critical (shipped-but-hidden included:
 *         a hidden file is still in the image anyone pulls);
 *   warn: any finding of severity medium, or any known vulnerability of severity
 *         high or critical;
 *   pass: otherwise (low and info findings are reported, they do not warn).
 * Fills r->summary and r->verdict. */
int ivet_policy_apply(const struct ivet_scan_opts *o, struct ivet_report *r, struct ivet_err *err);

#endif
