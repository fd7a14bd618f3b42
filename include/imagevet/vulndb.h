/* vulndb.h: the local vulnerability database (SQLite): import the sources'
 * own formats, download updates, report what is there.
 *
 *   struct ivet_vulndb *db = ivet_vulndb_open(NULL, IVET_VULNDB_WRITE, &err);
 *   ivet_vulndb_import(db, "PyPI-all.zip", &stats, &err);   // OSV zip dump
 *   ivet_vulndb_close(db);
 *
 * Sources: OSV JSON (one record, a directory of records, or the
 * per-ecosystem all.zip dumps), Alpine secdb JSON (one release/repository
 * per file) and the Debian security tracker JSON. Importing a secdb or
 * tracker file replaces everything that source imported before; OSV records
 * replace the earlier version of the same record.
 *
 * A handle is used by one thread at a time. */
#ifndef IMAGEVET_VULNDB_H
#define IMAGEVET_VULNDB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "imagevet/error.h"

struct ivet_vulndb;

enum ivet_vulndb_mode { IVET_VULNDB_READ = 0, IVET_VULNDB_WRITE = 1 };

/* vulndb.sqlite in the cache directory: `cache_dir` when given (--cache-dir),
 * else $XDG_CACHE_HOME/imagevet or ~/.cache/imagevet. Fresh string. */
IVET_API char *ivet_vulndb_default_path(const char *cache_dir, struct ivet_err *err);
/* Opens (WRITE: creates, with its directory) the database at path (NULL =
 * the default path). READ on a missing file is IVET_E_NOTFOUND. */
IVET_API struct ivet_vulndb *ivet_vulndb_open(const char *path, enum ivet_vulndb_mode mode,
                                              struct ivet_err *err);
IVET_API void ivet_vulndb_close(struct ivet_vulndb *db);     /* NULL ok */
IVET_API const char *ivet_vulndb_path(const struct ivet_vulndb *db);

struct ivet_vulndb_stats {
    uint64_t records;           /* advisories (OSV records, secdb/tracker CVE entries) */
    uint64_t affected;          /* affected-package rows written */
    uint64_t skipped;           /* records not imported (unsupported or malformed); see log */
    double seconds;
};

/* Imports a file or a directory (recursively: *.json and *.zip), detecting
 * each file's format from its content. One transaction per file; a file
 * that fails to parse is an error naming it (nothing of it is kept).
 * `log` (optional) gets one line per skipped record. */
IVET_API int ivet_vulndb_import(struct ivet_vulndb *db, const char *path, FILE *log,
                                struct ivet_vulndb_stats *st, struct ivet_err *err);

/* Where `db update` downloads from. Lists are NULL-terminated. */
struct ivet_vulndb_update_opts {
    const char *osv_base;               /* <base>/<Ecosystem>/all.zip */
    const char *const *osv_ecosystems;  /* "PyPI", "npm", "Go", "Maven", ... */
    const char *alpine_base;            /* <base>/<release>/<repo>.json */
    const char *const *alpine_releases; /* "v3.20", ... */
    const char *const *alpine_repos;    /* "main", "community" */
    const char *debian_url;             /* the tracker's JSON, NULL = skip */
    const char *ca_file;                /* extra CA bundle, or NULL */
    long timeout;                       /* seconds per download, 0 = none */
    bool insecure_http;                 /* allow http:// URLs (tests only) */
};
IVET_API void ivet_vulndb_update_opts_init(struct ivet_vulndb_update_opts *o);
/* Downloads every configured source with If-None-Match/If-Modified-Since
 * (a 304 keeps what is there) and imports what changed. Any failed download
 * is IVET_E_NETWORK naming the URL (the other sources are still tried).
 * `log` (optional) gets one line per source. */
IVET_API int ivet_vulndb_update(struct ivet_vulndb *db, const struct ivet_vulndb_update_opts *o,
                                FILE *log, struct ivet_vulndb_stats *st, struct ivet_err *err);

struct ivet_vulndb_source {
    char *name, *url, *etag, *last_modified;    /* url/etag/last_modified may be NULL */
    int64_t updated_at;                         /* unix time of the last import */
    int64_t records;
};
/* The sources table, by name. Caller frees with ivet_vulndb_sources_free. */
IVET_API int ivet_vulndb_sources(struct ivet_vulndb *db, struct ivet_vulndb_source **out,
                                 size_t *n, struct ivet_err *err);
IVET_API void ivet_vulndb_sources_free(struct ivet_vulndb_source *v, size_t n);
/* Row counts; and the time of the newest import (0 = never). */
IVET_API int ivet_vulndb_counts(struct ivet_vulndb *db, int64_t *advisories, int64_t *affected,
                                int64_t *newest, struct ivet_err *err);

/* CVSS v3.x base vector -> base score (v3.1 formula). -1 when the vector
 * is not a valid CVSS:3.x base vector. */
IVET_API double ivet_cvss3_score(const char *vector);

#endif
