/* policy.c: the default verdict policy (see policy.h). */
#include "policy/policy.h"

int ivet_policy_apply(const struct ivet_scan_opts *o, struct ivet_report *r, struct ivet_err *err)
{
    (void)o;
    (void)err;
    ivet_report_summarize(r);
    enum ivet_verdict v = IVET_VERDICT_PASS;
    for (size_t i = 0; i < r->findings.n; i++) {
        enum ivet_severity s = r->findings.v[i].severity;
        if (s >= IVET_SEV_HIGH)
            v = IVET_VERDICT_FAIL;
        else if (s == IVET_SEV_MEDIUM && v < IVET_VERDICT_WARN)
            v = IVET_VERDICT_WARN;
    }
    for (size_t i = 0; i < r->nvulns && v < IVET_VERDICT_WARN; i++)
        if (r->vulns[i].severity >= IVET_SEV_HIGH)
            v = IVET_VERDICT_WARN;
    r->verdict = v;
    return 0;
}
