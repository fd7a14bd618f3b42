/* store.h: the SQLite schema and the writes/reads the importers and the
 * matcher use. Importers call ivet_store_begin, put rows, then
 * ivet_store_commit (or _rollback on failure). Strings are copied by SQLite;
 * NULL means "absent". */
#ifndef IVET_STORE_H
#define IVET_STORE_H

#include <sqlite3.h>

#include "core/core.h"
#include "imagevet/vulndb.h"

struct ivet_vulndb {
    sqlite3 *db;
    char *path;
    bool in_tx;
    sqlite3_stmt *put_adv, *put_aff, *del_adv, *del_aff, *del_src_adv, *del_src_aff,
        *put_src, *get_src, *match, *sev;
};

struct ivet_advisory {
    const char *id, *source;
    const char *aliases;        /* comma-separated */
    const char *severity;       /* "critical".."info", or NULL */
    double cvss_score;          /* 0 when unknown */
    const char *cvss_vector;
    const char *summary, *published, *modified;
};

struct ivet_affected {
    const char *advisory, *source;
    const char *ecosystem;      /* "alpine:v3.18", "debian:12", "pypi", "npm", "go", ... */
    const char *package;        /* source package for distros; normalised for PyPI */
    const char *introduced, *fixed, *last_affected;
    const char *range_type;     /* "ECOSYSTEM", "SEMVER", "VERSIONS" */
    const char *events;         /* "introduced=0|fixed=1.2" (all events in order), or NULL */
    const char *versions;       /* newline-separated explicit affected versions, or NULL */
    const char *status;         /* "fixed", "affected", "not_affected", "will_not_fix", ... */
    const char *severity;       /* the distro's own rating for this package, or NULL */
};

int ivet_store_begin(struct ivet_vulndb *db, struct ivet_err *err);
int ivet_store_commit(struct ivet_vulndb *db, struct ivet_err *err);
void ivet_store_rollback(struct ivet_vulndb *db);
/* Deletes every advisory and affected row of a source. */
int ivet_store_clear_source(struct ivet_vulndb *db, const char *source, struct ivet_err *err);
/* Deletes one advisory of a source and its affected rows. */
int ivet_store_clear_advisory(struct ivet_vulndb *db, const char *id, const char *source,
                              struct ivet_err *err);
/* Deletes the affected rows of one package of a source. */
int ivet_store_clear_package(struct ivet_vulndb *db, const char *source, const char *ecosystem,
                             const char *package, struct ivet_err *err);
/* Records a source whose record count is its number of affected rows. */
int ivet_store_count_source(struct ivet_vulndb *db, const char *source, const char *url,
                            struct ivet_err *err);
int ivet_store_put_advisory(struct ivet_vulndb *db, const struct ivet_advisory *a,
                            struct ivet_err *err);
int ivet_store_put_affected(struct ivet_vulndb *db, const struct ivet_affected *x,
                            struct ivet_err *err);
/* Records a source's import (updated_at = now). */
int ivet_store_put_source(struct ivet_vulndb *db, const char *name, const char *url,
                          const char *etag, const char *last_modified, int64_t records,
                          struct ivet_err *err);
/* A source's validators from its last import (fresh strings or NULL). */
int ivet_store_get_source(struct ivet_vulndb *db, const char *name, char **etag,
                          char **last_modified, struct ivet_err *err);

/* Severity name for a CVSS base score (0 -> "info"). */
const char *ivet_cvss_severity(double score);
/* PyPI's name normalisation (PEP 503): lowercase, runs of -_. become '-'.
 * Fresh string. */
char *ivet_pypi_normalize(const char *name);
/* "bookworm" -> "12"; NULL when unknown. */
const char *ivet_debian_release_version(const char *codename);

/* The importers (one file each). `source` names the rows they write. */
int ivet_osv_import_json(struct ivet_vulndb *db, const char *text, size_t len, const char *what,
                         FILE *log, struct ivet_vulndb_stats *st, struct ivet_err *err);
int ivet_osv_import_zip(struct ivet_vulndb *db, const char *path, FILE *log,
                        struct ivet_vulndb_stats *st, struct ivet_err *err);
int ivet_secdb_import_json(struct ivet_vulndb *db, const char *text, size_t len, const char *what,
                           const char *url, struct ivet_vulndb_stats *st, struct ivet_err *err);
int ivet_debtracker_import_json(struct ivet_vulndb *db, const char *text, size_t len,
                                const char *what, const char *url, struct ivet_vulndb_stats *st,
                                struct ivet_err *err);

/* An OSV importer with its scratch memory, reused across many records (a
 * zip dump). Imports one record or an array of records from text. */
struct ivet_osv_reader;
struct ivet_osv_reader *ivet_osv_reader_new(struct ivet_err *err);
void ivet_osv_reader_free(struct ivet_osv_reader *rd);
/* Promise that the store holds no OSV rows (a first import inside one
 * transaction): records are then inserted without looking for an earlier
 * version to replace. */
void ivet_osv_reader_set_fresh(struct ivet_osv_reader *rd, bool fresh);
/* Number of rows of a source in the affected table (0 on error). */
int64_t ivet_store_source_rows(struct ivet_vulndb *db, const char *source);
int ivet_osv_reader_import(struct ivet_osv_reader *rd, struct ivet_vulndb *db, const char *text,
                           size_t len, const char *what, FILE *log, struct ivet_vulndb_stats *st,
                           struct ivet_err *err);
/* Parsed-JSON entry points: operate inside the caller's transaction. */
struct json_t;
bool ivet_secdb_looks_like(struct json_t *root);
int ivet_secdb_put(struct ivet_vulndb *db, struct json_t *root, const char *what, const char *url,
                   struct ivet_vulndb_stats *st, struct ivet_err *err);
bool ivet_debtracker_looks_like(struct json_t *root);
int ivet_debtracker_put(struct ivet_vulndb *db, struct json_t *root, const char *what,
                        const char *url, struct ivet_vulndb_stats *st, struct ivet_err *err);
/* Imports one file (zip or JSON of any supported format) in one transaction.
 * `url` is recorded for secdb/tracker sources; `source_name` (optional)
 * overrides the sources-table name of an OSV import. */
int ivet_vulndb_import_file(struct ivet_vulndb *db, const char *path, const char *url,
                            const char *source_name, FILE *log, struct ivet_vulndb_stats *st,
                            struct ivet_err *err);

#endif
