/* vulns_match.c: looks every inventoried package up in the vulnerability
 * database and hands each vulnerability that is not ignored to a sink (the
 * analyzer adds it to the report). */
#include "analyze/vulns.h"

#include <string.h>
#include <strings.h>

enum ivet_severity ivet_vuln_severity(const char *s)
{
    static const char *const names[] = { "info", "low", "medium", "high", "critical" };
    for (int i = 0; s && i < (int)IVET_ARRAY_LEN(names); i++)
        if (strcasecmp(s, names[i]) == 0)
            return (enum ivet_severity)i;
    /* Unrated (Alpine's secdb rates nothing): medium, neither hidden nor alarming. */
    return IVET_SEV_MEDIUM;
}

int ivet_vulns_match_packages(struct ivet_vulndb *db, const struct ivet_package *pkgs, size_t n,
                              const char *os_id, const char *os_version,
                              const struct ivet_ignore *ig, const char *today,
                              ivet_vuln_sink sink, void *arg, struct ivet_vulns_stats *st,
                              struct ivet_err *err)
{
    for (size_t i = 0; i < n; i++) {
        const struct ivet_package *p = &pkgs[i];
        struct ivet_match_key k;
        int rc = ivet_match_key_make(&k, p->type, p->name, p->version, p->source_name,
                                     p->source_version, os_id, os_version, err);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            st->unsupported++;
            continue;
        }
        st->packages++;
        struct ivet_match *m = NULL;
        size_t nm = 0;
        rc = ivet_vulndb_match(db, &k, &m, &nm, &st->unjudged, err);
        for (size_t j = 0; rc == 0 && j < nm; j++) {
            const struct ivet_ignore_rule *expired;
            if (ivet_ignore_find(ig, m[j].id, m[j].aliases, p->name, today, &expired)) {
                st->ignored++;
                continue;
            }
            st->expired += expired != NULL;
            st->matched++;
            rc = sink(arg, p, &m[j], ivet_vuln_severity(m[j].severity), err);
        }
        ivet_matches_free(m, nm);
        ivet_match_key_release(&k);
        if (rc < 0)
            return rc;
    }
    return 0;
}

enum ivet_verdict ivet_vulns_verdict(const struct ivet_report *r, const char *severity_fail)
{
    if (!severity_fail)
        return IVET_VERDICT_PASS;
    enum ivet_severity floor = ivet_vuln_severity(severity_fail);
    for (size_t i = 0; i < r->nvulns; i++)
        if (r->vulns[i].severity >= floor)
            return IVET_VERDICT_FAIL;
    return IVET_VERDICT_PASS;
}
