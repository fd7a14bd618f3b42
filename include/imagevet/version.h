/* version.h: version comparison for the package ecosystems imagevet matches
 * vulnerabilities in. Each ecosystem has its own rules (apk-tools, dpkg,
 * rpmvercmp, SemVer 2.0, PEP 440, Go modules, Maven's ComparableVersion);
 * see docs/internals/vulndb.md for the details each comparator follows.
 *
 *   int r;
 *   if (ivet_vercmp("deb", "1:2.0-1", "2.0~rc1", &r, &err) < 0) ...  // invalid
 *   // r < 0: a is older, 0: equal, > 0: a is newer
 *
 * All functions are thread-safe and allocate nothing. */
#ifndef IMAGEVET_VERSION_H
#define IMAGEVET_VERSION_H

#include "imagevet/error.h"

enum ivet_vereco {
    IVET_VERECO_APK = 0,
    IVET_VERECO_DEB,
    IVET_VERECO_RPM,
    IVET_VERECO_SEMVER,
    IVET_VERECO_PEP440,
    IVET_VERECO_GO,
    IVET_VERECO_MAVEN,
    IVET_VERECO_COUNT
};

/* Longest version string any comparator accepts (longer is invalid). */
#define IVET_VERSION_MAX 1024

/* "apk", "deb"/"dpkg", "rpm", "semver", "pep440"/"pypi", "go", "maven"
 * (case-insensitive) -> ecosystem; -1 when unknown. */
IVET_API int ivet_vereco_parse(const char *name);
/* Canonical name ("apk", "deb", ...). */
IVET_API const char *ivet_vereco_name(enum ivet_vereco eco);

/* Compares a with b under eco's rules: *result is -1, 0 or 1. Returns 0, or
 * -IVET_E_FORMAT naming the invalid version (the first one when both are). */
IVET_API int ivet_vercmp_eco(enum ivet_vereco eco, const char *a, const char *b, int *result,
                             struct ivet_err *err);
/* Same with the ecosystem by name; an unknown name is -IVET_E_USAGE. */
IVET_API int ivet_vercmp(const char *eco, const char *a, const char *b, int *result,
                         struct ivet_err *err);
/* True when v is a valid version of eco. */
IVET_API int ivet_version_valid(enum ivet_vereco eco, const char *v);

#endif
