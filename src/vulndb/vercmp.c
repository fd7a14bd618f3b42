/* vercmp.c: the ecosystem dispatcher for version comparison and the helpers
 * the per-ecosystem comparators share. The rules live in vercmp_<eco>.c. */
#include "vulndb/vercmp.h"

#include <string.h>
#include <strings.h>

#include "core/core.h"

static const struct {
    const char *name;
    int (*cmp)(const char *a, const char *b, int *res);
} ecos[IVET_VERECO_COUNT] = {
    [IVET_VERECO_APK] = { "apk", ivet_vercmp_apk },
    [IVET_VERECO_DEB] = { "deb", ivet_vercmp_deb },
    [IVET_VERECO_RPM] = { "rpm", ivet_vercmp_rpm },
    [IVET_VERECO_SEMVER] = { "semver", ivet_vercmp_semver },
    [IVET_VERECO_PEP440] = { "pep440", ivet_vercmp_pep440 },
    [IVET_VERECO_GO] = { "go", ivet_vercmp_go },
    [IVET_VERECO_MAVEN] = { "maven", ivet_vercmp_maven },
};

static const struct {
    const char *alias;
    enum ivet_vereco eco;
} aliases[] = {
    { "dpkg", IVET_VERECO_DEB }, { "debian", IVET_VERECO_DEB }, { "pypi", IVET_VERECO_PEP440 },
    { "alpine", IVET_VERECO_APK }, { "npm", IVET_VERECO_SEMVER }, { "golang", IVET_VERECO_GO },
};

int ivet_vereco_parse(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < IVET_VERECO_COUNT; i++)
        if (strcasecmp(name, ecos[i].name) == 0)
            return i;
    for (size_t i = 0; i < IVET_ARRAY_LEN(aliases); i++)
        if (strcasecmp(name, aliases[i].alias) == 0)
            return (int)aliases[i].eco;
    return -1;
}

const char *ivet_vereco_name(enum ivet_vereco eco)
{
    return (unsigned)eco < IVET_VERECO_COUNT ? ecos[eco].name : "unknown";
}

int ivet_vercmp_eco(enum ivet_vereco eco, const char *a, const char *b, int *result,
                    struct ivet_err *err)
{
    if ((unsigned)eco >= IVET_VERECO_COUNT)
        return ivet_err_set(err, IVET_E_USAGE, "unknown version ecosystem %d", (int)eco);
    int rc;
    if (!a || strlen(a) > IVET_VERSION_MAX)
        rc = IVET_VCMP_BAD_A;
    else if (!b || strlen(b) > IVET_VERSION_MAX)
        rc = IVET_VCMP_BAD_B;
    else
        rc = ecos[eco].cmp(a, b, result);
    if (rc == IVET_VCMP_OK)
        return 0;
    const char *bad = rc == IVET_VCMP_BAD_A ? a : b;
    char *shown = bad ? ivet_sanitize(bad, strlen(bad), 80) : NULL;
    ivet_err_set(err, IVET_E_FORMAT, "invalid %s version '%s'", ecos[eco].name,
                 shown ? shown : "(null)");
    ivet_free(shown);
    return -IVET_E_FORMAT;
}

int ivet_vercmp(const char *eco, const char *a, const char *b, int *result, struct ivet_err *err)
{
    int e = ivet_vereco_parse(eco);
    if (e < 0)
        return ivet_err_set(err, IVET_E_USAGE,
                            "unknown version ecosystem '%s' (apk, deb, rpm, semver, pep440, go, maven)",
                            eco ? eco : "");
    return ivet_vercmp_eco((enum ivet_vereco)e, a, b, result, err);
}

int ivet_version_valid(enum ivet_vereco eco, const char *v)
{
    int r;
    if ((unsigned)eco >= IVET_VERECO_COUNT || !v || strlen(v) > IVET_VERSION_MAX)
        return 0;
    if (eco == IVET_VERECO_APK)
        return ivet_apk_version_valid(v);
    return ecos[eco].cmp(v, v, &r) == IVET_VCMP_OK;
}

int ivet_vcmp_digits(const char *a, size_t alen, const char *b, size_t blen)
{
    while (alen > 0 && *a == '0')
        a++, alen--;
    while (blen > 0 && *b == '0')
        b++, blen--;
    if (alen != blen)
        return alen < blen ? -1 : 1;
    if (alen == 0)
        return 0;
    int c = memcmp(a, b, alen);
    return ivet_vcmp_sign(c);
}
