/* semver.h: a parsed SemVer 2.0.0 version (slices into the input string),
 * shared by the semver and Go comparators. */
#ifndef IVET_SEMVER_H
#define IVET_SEMVER_H

#include <stdbool.h>
#include <stddef.h>

struct ivet_semver {
    const char *major, *minor, *patch;
    size_t majlen, minlen, patlen;
    const char *pre, *build;    /* NULL when absent */
    size_t prelen, buildlen;
};

/* Parses [v]MAJOR.MINOR.PATCH[-PRE][+BUILD]. go_short also accepts Go's
 * "v1" and "v1.2" shorthands (as v1.0.0 and v1.2.0, without suffixes). */
bool ivet_semver_parse(const char *s, bool go_short, struct ivet_semver *v);
/* Precedence: -1, 0, 1 (build metadata ignored). */
int ivet_semver_cmp(const struct ivet_semver *a, const struct ivet_semver *b);

#endif
