/* vulns.h: vulnerability matching for the report: the package loop and the
 * .imagevetignore rules (vulns_match.c, vulns_ignore.c), kept apart from the
 * analyzer glue in vulns.c so they can be tested on their own. */
#ifndef IVET_VULNS_H
#define IVET_VULNS_H

#include "analyze/finding.h"
#include "report/report.h"
#include "vulndb/match.h"

/* ---- .imagevetignore (docs/checks.md, "Vulnerabilities"):
 *   # comment
 *   CVE-2023-1234
 *   CVE-2023-5678 exp:2026-12-31        ignored through that day (UTC)
 *   GHSA-p6mc-m468-83gw pkg:lodash       only for that package name */
struct ivet_ignore_rule {
    char *id;
    char *pkg;                  /* or NULL = any package */
    char exp[11];               /* "YYYY-MM-DD", or "" = never expires */
    unsigned line;
};
struct ivet_ignore {
    struct ivet_ignore_rule *v;
    size_t n;
};
/* Parses the rules; a malformed line is IVET_E_FORMAT naming what:line. */
int ivet_ignore_parse(struct ivet_ignore *ig, const char *text, size_t len, const char *what,
                      struct ivet_err *err);
/* Reads and parses a file (missing: IVET_E_NOTFOUND). */
int ivet_ignore_load(struct ivet_ignore *ig, const char *path, struct ivet_err *err);
void ivet_ignore_release(struct ivet_ignore *ig);
/* The rule ignoring vulnerability id (or one of its comma-separated aliases)
 * in package pkg on day `today` ("YYYY-MM-DD"), or NULL. A rule that would
 * match but has expired is returned through *expired (optional). */
const struct ivet_ignore_rule *ivet_ignore_find(const struct ivet_ignore *ig, const char *id,
                                                const char *aliases, const char *pkg,
                                                const char *today,
                                                const struct ivet_ignore_rule **expired);

/* ---- matching every package of a report */
struct ivet_vulns_stats {
    size_t packages;            /* looked up */
    size_t unsupported;         /* no data source for their type/distro */
    size_t matched;             /* vulnerabilities reported */
    size_t ignored;             /* suppressed by an ignore rule */
    size_t expired;             /* matched an expired ignore rule (reported) */
    size_t unjudged;            /* advisory rows skipped: a version did not parse */
};
/* Called once per reported vulnerability. */
typedef int (*ivet_vuln_sink)(void *arg, const struct ivet_package *p, const struct ivet_match *m,
                              enum ivet_severity sev, struct ivet_err *err);
int ivet_vulns_match_packages(struct ivet_vulndb *db, const struct ivet_package *pkgs, size_t n,
                              const char *os_id, const char *os_version,
                              const struct ivet_ignore *ig, const char *today,
                              ivet_vuln_sink sink, void *arg, struct ivet_vulns_stats *st,
                              struct ivet_err *err);
/* "critical".."info" -> severity; NULL or unknown ratings count as medium
 * (docs/checks.md explains why). */
enum ivet_severity ivet_vuln_severity(const char *s);

/* For the verdict: IVET_VERDICT_FAIL when a reported vulnerability is at or
 * above severity_fail ("low".."critical"), else IVET_VERDICT_PASS (also when
 * severity_fail is NULL). Ignored vulnerabilities are never in r->vulns. */
enum ivet_verdict ivet_vulns_verdict(const struct ivet_report *r, const char *severity_fail);

#endif
