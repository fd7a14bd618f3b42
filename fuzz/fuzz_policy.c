/* fuzz_policy.c: the YAML policy parser and the verdict it decides, on
 * hostile text. */
#include <stdint.h>

#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_policy *p = ivet_policy_parse((const char *)data, size, "fuzz", &err);
    if (p) {
        struct ivet_report *r = ivet_report_new(&err);
        if (r && ivet_findings_add(&r->findings, "CONF-USER-ROOT", "config", IVET_SEV_MEDIUM, "t",
                                   "f", "/root/x", 0, 0, NULL, &err)) {
            struct ivet_vuln v = { .id = "CVE-2024-1", .aliases = "GHSA-x,CVE-2024-2",
                                   .package = "zlib", .installed = "1", .pkg_type = "apk",
                                   .source = "fuzz", .severity = IVET_SEV_HIGH };
            if (ivet_report_add_vuln(r, &v, &err))
                (void)ivet_policy_decide(p, "2026-01-01", r, &err);
        }
        ivet_report_free(r);
        ivet_policy_free(p);
    }
    ivet_err_release(&err);
    return 0;
}
