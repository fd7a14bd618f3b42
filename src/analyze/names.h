/* names.h: who published an image and whether its name is honest. The
 * reference data (official images, trusted publishers, known registries,
 * known-bad accounts) lives in data/names/ and is loaded once into a
 * struct ivet_names_db; the checks are pure functions of a parsed reference
 * and that database. Docker Hub metadata (popularity) is in hub.c and
 * popularity.c; the analyzer that runs all of it inside a scan is
 * names_analyzer.c; the public entry points are in include/imagevet/name.h. */
#ifndef IVET_NAMES_H
#define IVET_NAMES_H

#include <jansson.h>

#include "analyze/finding.h"
#include "core/core.h"
#include "ref/ref.h"

/* ---- confusables.c */
/* Folds look-alike characters (1/l/i, 0/o, rn/m, vv/w, 5/s, ...) of s[0..n)
 * into out (NUL-terminated, at most cap-1 characters). Returns the length. */
size_t ivet_confusable_skeleton(const char *s, size_t n, char *out, size_t cap);
/* Damerau-Levenshtein (optimal string alignment) distance; any value above
 * max is returned as max + 1. */
unsigned ivet_dl_distance(const char *a, size_t na, const char *b, size_t nb, unsigned max);
/* Neighbouring keys on a QWERTY keyboard. */
bool ivet_keys_adjacent(char a, char b);

/* ---- names_data.c: the reference data */
enum ivet_trust {
    IVET_TRUST_OFFICIAL = 0, IVET_TRUST_VERIFIED, IVET_TRUST_SPONSORED, IVET_TRUST_POLICY,
    IVET_TRUST_UNKNOWN, IVET_TRUST_KNOWN_BAD,
};
/* "official", "verified-publisher", "sponsored-oss", "trusted-by-policy",
 * "unknown", "known-bad" */
const char *ivet_trust_name(enum ivet_trust t);

/* What a name in the database is. */
enum ivet_name_kind {
    IVET_NAME_OFFICIAL = 1,         /* current Docker Official Image */
    IVET_NAME_OFFICIAL_REMOVED,     /* once official, removed from the library */
    IVET_NAME_NS_VERIFIED,          /* Docker Verified Publisher namespace */
    IVET_NAME_NS_SPONSORED,         /* Docker-Sponsored Open Source namespace */
    IVET_NAME_NS_BRAND,             /* a well-known organisation: an impersonation target only */
    IVET_NAME_IMAGE_VERIFIED,       /* one repository with a badge */
    IVET_NAME_IMAGE_SPONSORED,
    IVET_NAME_BAD,                  /* namespace or namespace/repository reported as malicious */
    IVET_NAME_REGISTRY_VENDOR,      /* a registry that serves one publisher's images */
    IVET_NAME_REGISTRY_SHARED,      /* a registry anyone can push to */
    IVET_NAME_POLICY,               /* trusted by the user's policy */
};

struct ivet_name_entry {
    char *name;                     /* owned */
    char *skel;                     /* confusable skeleton, owned */
    enum ivet_name_kind kind;
    char *info;                     /* source/date or operator, owned, may be NULL */
};

struct ivet_names_db;
/* Loads data/names/ from data_dir (or the default search: $IMAGEVET_DATA_DIR,
 * the installed share directory, the source tree). A missing or unreadable
 * file is an error naming it. */
struct ivet_names_db *ivet_names_db_load(const char *data_dir, struct ivet_err *err);
void ivet_names_db_free(struct ivet_names_db *db);
/* Adds a policy entry: a Docker Hub namespace ("myorg"), a registry host
 * ("registry.example.com[:port]") or a registry path prefix
 * ("ghcr.io/myorg"). Copied. */
int ivet_names_db_trust(struct ivet_names_db *db, const char *entry, struct ivet_err *err);
/* Lookup by exact name in one family: 'o' official names, 'n' namespaces,
 * 'i' images, 'b' known-bad, 'r' registries, 'p' policy entries. */
const struct ivet_name_entry *ivet_names_db_find(const struct ivet_names_db *db, char family,
                                                 const char *name);
/* Every entry of a family, for the checks' similarity scans. */
const struct ivet_name_entry *ivet_names_db_all(const struct ivet_names_db *db, char family,
                                                size_t *n);

/* ---- publisher.c */
struct ivet_publisher {
    enum ivet_trust trust;
    char namespace_[520];           /* "library", "bitnami", "ghcr.io/owner" */
    char basis[800];                /* why this level */
};
/* Decides the trust level of ref's publisher. */
void ivet_publisher_decide(const struct ivet_names_db *db, const struct ivet_ref *ref,
                           struct ivet_publisher *pub);
/* {"trust": ..., "namespace": ..., "basis": ...}; NULL on OOM */
json_t *ivet_publisher_json(const struct ivet_publisher *pub);

/* ---- names.c: impersonation checks */
/* Runs every name check on ref and appends findings (image-level, layer -1)
 * to out, plus the publisher's PUB-* finding. `imitated` (optional, cap
 * bytes) receives the first name imitated ("" when none), which the
 * popularity checks use. */
int ivet_names_check(const struct ivet_names_db *db, const struct ivet_ref *ref,
                     struct ivet_findings *out, struct ivet_publisher *pub, char *imitated,
                     size_t cap, struct ivet_err *err);

/* ---- hub.c: Docker Hub repository metadata, cached */
struct ivet_hub_opts {
    const char *hub_url;            /* base URL, NULL = https://hub.docker.com */
    const char *cache_dir;          /* NULL = $XDG_CACHE_HOME/imagevet (or ~/.cache/imagevet) */
    long timeout_ms;                /* 0 = 10 s */
    long max_age_s;                 /* cache reuse, 0 = 24 h */
};
/* Fetches /v2/repositories/{ns}/{name}/ (and the badge from the search API)
 * for a docker.io repository path "ns/name". On success *repo is the parsed
 * repository object with two extra members: "_cached_at" (unix time the
 * response was fetched) and "_source" ("network" or "cache"), and "_badge"
 * when the search API gave one. Every failure (DNS, timeout, HTTP status,
 * bad JSON) is IVET_E_NETWORK or IVET_E_FORMAT with a message fit for a
 * report note. */
int ivet_hub_fetch(const struct ivet_hub_opts *o, const char *path, json_t **repo,
                   struct ivet_err *err);

/* ---- popularity.c */
/* From a repository object (ivet_hub_fetch) builds the "popularity" section
 * and appends POP-* findings. `imitated` is what names.c found the name
 * imitating ("" when nothing). now = unix time (tests pin it). */
int ivet_popularity_eval(json_t *repo, const char *imitated, long long now,
                         struct ivet_findings *out, json_t **section, struct ivet_err *err);
/* Scans a README for `docker run` lines and appends POP-RUN-* findings. */
int ivet_popularity_scan_readme(const char *text, struct ivet_findings *out, struct ivet_err *err);

/* ---- names_analyzer.c: the check catalog */
extern const struct ivet_check ivet_names_checks[];
extern const size_t ivet_names_nchecks;

#endif
