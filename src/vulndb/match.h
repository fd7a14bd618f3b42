/* match.h: which advisories in the store affect one installed package.
 * The analyzer (src/analyze/vulns.c) turns the results into report rows. */
#ifndef IVET_MATCH_H
#define IVET_MATCH_H

#include "imagevet/version.h"
#include "vulndb/store.h"

/* What to look up: the store's ecosystem key and package name, the version
 * to compare and the comparator to use. */
struct ivet_match_key {
    char *ecosystem;            /* "alpine:v3.18", "debian:12", "pypi", ... */
    char *name;                 /* source package for distros, normalised for PyPI */
    const char *version;        /* borrowed */
    enum ivet_vereco cmp;
    bool os;                    /* a distro package (distro advisories only) */
};

/* Builds the key for a package of `type` ("apk", "deb", "pypi", "npm",
 * "golang", "maven", "cargo", "gem") on distro os_id/os_version. Returns 1
 * and fills k, 0 when imagevet has no data source for the package (rpm, an
 * unknown distro or type), -code on OOM. Release with ivet_match_key_release. */
int ivet_match_key_make(struct ivet_match_key *k, const char *type, const char *name,
                        const char *version, const char *source_name,
                        const char *source_version, const char *os_id, const char *os_version,
                        struct ivet_err *err);
void ivet_match_key_release(struct ivet_match_key *k);

struct ivet_match {
    char *id;                   /* the CVE when there is one, else the record's ID */
    char *aliases;              /* other IDs, comma-separated, or NULL */
    char *fixed;                /* first fixed version above the installed one, or NULL */
    char *status;               /* "fixed", "affected", "end_of_life", "under_investigation", ... */
    char *severity;             /* "critical".."info", or NULL when no source rates it */
    double cvss;                /* base score, 0 when unknown */
    char *source;               /* "alpine-secdb:v3.18/main", "debian-tracker", "osv" */
    char *summary;              /* or NULL */
};

/* Every advisory affecting the package, one per vulnerability (IDs that
 * alias each other are merged; a distro's own rows win over OSV rows for the
 * same CVE). Sorted by id. `unjudged` (optional) counts rows skipped because
 * a version did not parse under the comparator. */
int ivet_vulndb_match(struct ivet_vulndb *db, const struct ivet_match_key *k,
                      struct ivet_match **out, size_t *n, size_t *unjudged, struct ivet_err *err);
void ivet_matches_free(struct ivet_match *m, size_t n);

/* Whether `version` is inside an OSV range given as "introduced=0|fixed=1.2|...".
 * Returns 1 affected (and *fixed_out, borrowed from the scratch copy in
 * `scratch`, gets the fix ending that range or NULL), 0 not affected, -1
 * when a version does not parse. `scratch` must hold strlen(events)+1 bytes. */
int ivet_range_affects(enum ivet_vereco cmp, const char *events, const char *version,
                       char *scratch, const char **fixed_out);

#endif
