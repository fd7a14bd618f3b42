/* vercmp_go.c: Go module version ordering (golang.org/ref/mod#versions):
 * SemVer 2.0 with a 'v' prefix, which OSV's Go records omit, so it is
 * optional here. "+incompatible" is build metadata and does not change the
 * order; pseudo-versions (v0.0.0-20191109021931-daa7c04131f5,
 * v1.2.4-0.20191109021931-daa7c04131f5) are pre-releases and sort by their
 * timestamp through ordinary pre-release rules; "v1" and "v1.2" are the
 * shorthands for v1.0.0 and v1.2.0. */
#include "vulndb/vercmp.h"

#include "vulndb/semver.h"

int ivet_vercmp_go(const char *a, const char *b, int *res)
{
    struct ivet_semver va, vb;
    if (!ivet_semver_parse(a, true, &va))
        return IVET_VCMP_BAD_A;
    if (!ivet_semver_parse(b, true, &vb))
        return IVET_VCMP_BAD_B;
    *res = ivet_semver_cmp(&va, &vb);
    return IVET_VCMP_OK;
}
