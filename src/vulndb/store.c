/* store.c: the SQLite database behind the vulnerability matcher: schema,
 * open/close, the prepared writes the importers use and the status queries.
 * Parsing the sources is left to the importers, matching to match.c. */
#include "vulndb/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SCHEMA_VERSION "1"

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE IF NOT EXISTS sources("
    " name TEXT PRIMARY KEY, url TEXT, etag TEXT, last_modified TEXT,"
    " updated_at INTEGER NOT NULL, records INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS advisories("
    " id TEXT NOT NULL, source TEXT NOT NULL, aliases TEXT, severity TEXT,"
    " cvss_score REAL, cvss_vector TEXT, summary TEXT, published TEXT, modified TEXT,"
    " PRIMARY KEY(id, source));"
    "CREATE TABLE IF NOT EXISTS affected("
    " advisory TEXT NOT NULL, source TEXT NOT NULL, ecosystem TEXT NOT NULL,"
    " package TEXT NOT NULL, introduced TEXT, fixed TEXT, last_affected TEXT,"
    " range_type TEXT, events TEXT, versions TEXT, status TEXT, severity TEXT);"
    "CREATE INDEX IF NOT EXISTS affected_pkg ON affected(ecosystem, package);"
    "CREATE INDEX IF NOT EXISTS affected_adv ON affected(source, advisory);"
    "INSERT OR IGNORE INTO meta VALUES('schema', '" SCHEMA_VERSION "');";

static int sql_err(struct ivet_vulndb *db, struct ivet_err *err, const char *what)
{
    return ivet_err_set(err, IVET_E_IO, "vulnerability database '%s': %s: %s", db->path, what,
                        sqlite3_errmsg(db->db));
}

char *ivet_vulndb_default_path(const char *cache_dir, struct ivet_err *err)
{
    return ivet_cache_path(cache_dir, "vulndb.sqlite", err);
}

/* mkdir -p of path's parent directory */
static int make_parent(const char *path, struct ivet_err *err)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return 0;
    char *d = ivet_strndup(path, (size_t)(slash - path));
    if (!d)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    int rc = ivet_mkdir_p(d, 0755, err);
    ivet_free(d);
    return rc;
}

static int prepare(struct ivet_vulndb *db, sqlite3_stmt **st, const char *sql, struct ivet_err *err)
{
    if (sqlite3_prepare_v3(db->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
        return sql_err(db, err, "prepare");
    return 0;
}

static int prepare_all(struct ivet_vulndb *db, struct ivet_err *err)
{
    if (prepare(db, &db->put_adv,
                "INSERT OR REPLACE INTO advisories VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)", err) < 0 ||
        prepare(db, &db->put_aff,
                "INSERT INTO affected VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)", err) < 0 ||
        prepare(db, &db->del_adv, "DELETE FROM advisories WHERE id=?1 AND source=?2", err) < 0 ||
        prepare(db, &db->del_aff, "DELETE FROM affected WHERE source=?2 AND advisory=?1", err) < 0 ||
        prepare(db, &db->del_src_adv, "DELETE FROM advisories WHERE source=?1", err) < 0 ||
        prepare(db, &db->del_src_aff, "DELETE FROM affected WHERE source=?1", err) < 0 ||
        prepare(db, &db->put_src,
                "INSERT OR REPLACE INTO sources VALUES(?1,?2,?3,?4,?5,?6)", err) < 0 ||
        prepare(db, &db->get_src, "SELECT etag, last_modified FROM sources WHERE name=?1", err) < 0)
        return -IVET_E_IO;
    return 0;
}

struct ivet_vulndb *ivet_vulndb_open(const char *path, enum ivet_vulndb_mode mode,
                                     struct ivet_err *err)
{
    struct ivet_vulndb *db = ivet_calloc(1, sizeof(*db));
    if (!db)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory"), NULL;
    db->path = path ? ivet_strdup(path) : ivet_vulndb_default_path(NULL, err);
    if (!db->path) {
        if (path)
            ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        goto fail;
    }
    if (mode == IVET_VULNDB_READ && access(db->path, F_OK) != 0) {
        ivet_err_set(err, IVET_E_NOTFOUND, "no vulnerability database at '%s'", db->path);
        goto fail;
    }
    if (mode == IVET_VULNDB_WRITE && make_parent(db->path, err) < 0)
        goto fail;
    int flags = mode == IVET_VULNDB_WRITE ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                          : SQLITE_OPEN_READONLY;
    if (sqlite3_open_v2(db->path, &db->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        sql_err(db, err, "open");
        goto fail;
    }
    sqlite3_busy_timeout(db->db, 10000);
    if (mode == IVET_VULNDB_WRITE) {
        char *msg = NULL;
        if (sqlite3_exec(db->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                         " PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;", NULL,
                         NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(db->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
            ivet_err_set(err, IVET_E_IO, "vulnerability database '%s': %s", db->path,
                         msg ? msg : "cannot create the schema");
            sqlite3_free(msg);
            goto fail;
        }
        if (prepare_all(db, err) < 0)
            goto fail;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db->db, "SELECT value FROM meta WHERE key='schema'", -1, &st, NULL) !=
            SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW ||
        strcmp((const char *)sqlite3_column_text(st, 0), SCHEMA_VERSION) != 0) {
        sqlite3_finalize(st);
        ivet_err_set(err, IVET_E_FORMAT,
                     "'%s' is not an imagevet vulnerability database (schema " SCHEMA_VERSION ")",
                     db->path);
        goto fail;
    }
    sqlite3_finalize(st);
    return db;
fail:
    ivet_vulndb_close(db);
    return NULL;
}

void ivet_vulndb_close(struct ivet_vulndb *db)
{
    if (!db)
        return;
    if (db->in_tx)
        ivet_store_rollback(db);
    sqlite3_stmt *all[] = { db->put_adv, db->put_aff, db->del_adv, db->del_aff, db->del_src_adv,
                            db->del_src_aff, db->put_src, db->get_src, db->match, db->sev };
    for (size_t i = 0; i < IVET_ARRAY_LEN(all); i++)
        sqlite3_finalize(all[i]);
    sqlite3_close(db->db);
    ivet_free(db->path);
    ivet_free(db);
}

const char *ivet_vulndb_path(const struct ivet_vulndb *db)
{
    return db->path;
}

static int exec(struct ivet_vulndb *db, const char *sql, struct ivet_err *err)
{
    if (sqlite3_exec(db->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return sql_err(db, err, sql);
    return 0;
}

int ivet_store_begin(struct ivet_vulndb *db, struct ivet_err *err)
{
    if (!db->put_adv)
        return ivet_err_set(err, IVET_E_USAGE, "vulnerability database '%s' is open read-only",
                            db->path);
    if (exec(db, "BEGIN IMMEDIATE", err) < 0)
        return -IVET_E_IO;
    db->in_tx = true;
    return 0;
}

int ivet_store_commit(struct ivet_vulndb *db, struct ivet_err *err)
{
    db->in_tx = false;
    return exec(db, "COMMIT", err);
}

void ivet_store_rollback(struct ivet_vulndb *db)
{
    db->in_tx = false;
    sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static int run(struct ivet_vulndb *db, sqlite3_stmt *st, const char *what, struct ivet_err *err)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return sql_err(db, err, what);
    return 0;
}

int ivet_store_clear_source(struct ivet_vulndb *db, const char *source, struct ivet_err *err)
{
    bind_text(db->del_src_adv, 1, source);
    bind_text(db->del_src_aff, 1, source);
    if (run(db, db->del_src_adv, "delete advisories", err) < 0 ||
        run(db, db->del_src_aff, "delete affected", err) < 0)
        return -IVET_E_IO;
    return 0;
}

int ivet_store_clear_advisory(struct ivet_vulndb *db, const char *id, const char *source,
                              struct ivet_err *err)
{
    bind_text(db->del_adv, 1, id);
    bind_text(db->del_adv, 2, source);
    bind_text(db->del_aff, 1, id);
    bind_text(db->del_aff, 2, source);
    if (run(db, db->del_adv, "delete advisory", err) < 0 ||
        run(db, db->del_aff, "delete affected", err) < 0)
        return -IVET_E_IO;
    return 0;
}

static int exec_bound(struct ivet_vulndb *db, const char *sql, const char *const *args, int n,
                      int64_t *count, struct ivet_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) != SQLITE_OK)
        return sql_err(db, err, sql);
    for (int i = 0; i < n; i++)
        bind_text(st, i + 1, args[i]);
    int rc = sqlite3_step(st);
    if (count && rc == SQLITE_ROW)
        *count = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return sql_err(db, err, sql);
    return 0;
}

int ivet_store_clear_package(struct ivet_vulndb *db, const char *source, const char *ecosystem,
                             const char *package, struct ivet_err *err)
{
    const char *args[] = { source, ecosystem, package };
    return exec_bound(db, "DELETE FROM affected WHERE source=?1 AND ecosystem=?2 AND package=?3",
                      args, 3, NULL, err);
}

int64_t ivet_store_source_rows(struct ivet_vulndb *db, const char *source)
{
    const char *args[] = { source };
    int64_t n = 0;
    struct ivet_err e = IVET_ERR_INIT;
    if (exec_bound(db, "SELECT count(*) FROM (SELECT 1 FROM advisories WHERE source=?1 LIMIT 1)",
                   args, 1, &n, &e) < 0)
        n = 0;
    ivet_err_release(&e);
    return n;
}

int ivet_store_count_source(struct ivet_vulndb *db, const char *source, const char *url,
                            struct ivet_err *err)
{
    const char *args[] = { source };
    int64_t n = 0;
    int rc = exec_bound(db, "SELECT count(*) FROM affected WHERE source=?1", args, 1, &n, err);
    return rc < 0 ? rc : ivet_store_put_source(db, source, url, NULL, NULL, n, err);
}

int ivet_store_put_advisory(struct ivet_vulndb *db, const struct ivet_advisory *a,
                            struct ivet_err *err)
{
    sqlite3_stmt *st = db->put_adv;
    bind_text(st, 1, a->id);
    bind_text(st, 2, a->source);
    bind_text(st, 3, a->aliases);
    bind_text(st, 4, a->severity);
    if (a->cvss_score > 0)
        sqlite3_bind_double(st, 5, a->cvss_score);
    else
        sqlite3_bind_null(st, 5);
    bind_text(st, 6, a->cvss_vector);
    bind_text(st, 7, a->summary);
    bind_text(st, 8, a->published);
    bind_text(st, 9, a->modified);
    return run(db, st, "insert advisory", err);
}

int ivet_store_put_affected(struct ivet_vulndb *db, const struct ivet_affected *x,
                            struct ivet_err *err)
{
    sqlite3_stmt *st = db->put_aff;
    const char *v[] = { x->advisory, x->source, x->ecosystem, x->package, x->introduced,
                        x->fixed, x->last_affected, x->range_type, x->events, x->versions,
                        x->status, x->severity };
    for (int i = 0; i < (int)IVET_ARRAY_LEN(v); i++)
        bind_text(st, i + 1, v[i]);
    return run(db, st, "insert affected", err);
}

int ivet_store_put_source(struct ivet_vulndb *db, const char *name, const char *url,
                          const char *etag, const char *last_modified, int64_t records,
                          struct ivet_err *err)
{
    sqlite3_stmt *st = db->put_src;
    bind_text(st, 1, name);
    bind_text(st, 2, url);
    bind_text(st, 3, etag);
    bind_text(st, 4, last_modified);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)time(NULL));
    sqlite3_bind_int64(st, 6, records);
    return run(db, st, "record source", err);
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? ivet_strdup((const char *)t) : NULL;
}

int ivet_store_get_source(struct ivet_vulndb *db, const char *name, char **etag,
                          char **last_modified, struct ivet_err *err)
{
    sqlite3_stmt *st = db->get_src;
    *etag = *last_modified = NULL;
    bind_text(st, 1, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *etag = col_dup(st, 0);
        *last_modified = col_dup(st, 1);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sql_err(db, err, "read source");
    return 0;
}

int ivet_vulndb_sources(struct ivet_vulndb *db, struct ivet_vulndb_source **out, size_t *n,
                        struct ivet_err *err)
{
    sqlite3_stmt *st = NULL;
    struct ivet_vulndb_source *v = NULL;
    size_t cnt = 0;
    *out = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(db->db,
                           "SELECT name, url, etag, last_modified, updated_at, records "
                           "FROM sources ORDER BY name", -1, &st, NULL) != SQLITE_OK)
        return sql_err(db, err, "list sources");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct ivet_vulndb_source *nv = ivet_reallocarray(v, cnt + 1, sizeof(*v));
        if (!nv) {
            ivet_vulndb_sources_free(v, cnt);
            sqlite3_finalize(st);
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        }
        v = nv;
        v[cnt] = (struct ivet_vulndb_source){ col_dup(st, 0), col_dup(st, 1), col_dup(st, 2),
                                              col_dup(st, 3), sqlite3_column_int64(st, 4),
                                              sqlite3_column_int64(st, 5) };
        cnt++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        ivet_vulndb_sources_free(v, cnt);
        return sql_err(db, err, "list sources");
    }
    *out = v;
    *n = cnt;
    return 0;
}

void ivet_vulndb_sources_free(struct ivet_vulndb_source *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ivet_free(v[i].name);
        ivet_free(v[i].url);
        ivet_free(v[i].etag);
        ivet_free(v[i].last_modified);
    }
    ivet_free(v);
}

static int64_t scalar(struct ivet_vulndb *db, const char *sql, int *rc)
{
    sqlite3_stmt *st = NULL;
    int64_t v = 0;
    if (sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) != SQLITE_OK) {
        *rc = -1;
        return 0;
    }
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    else
        *rc = -1;
    sqlite3_finalize(st);
    return v;
}

int ivet_vulndb_counts(struct ivet_vulndb *db, int64_t *advisories, int64_t *affected,
                       int64_t *newest, struct ivet_err *err)
{
    int rc = 0;
    int64_t a = scalar(db, "SELECT count(*) FROM advisories", &rc);
    int64_t b = scalar(db, "SELECT count(*) FROM affected", &rc);
    int64_t c = scalar(db, "SELECT coalesce(max(updated_at), 0) FROM sources", &rc);
    if (rc < 0)
        return sql_err(db, err, "count rows");
    if (advisories)
        *advisories = a;
    if (affected)
        *affected = b;
    if (newest)
        *newest = c;
    return 0;
}

const char *ivet_cvss_severity(double score)
{
    if (score >= 9.0)
        return "critical";
    if (score >= 7.0)
        return "high";
    if (score >= 4.0)
        return "medium";
    if (score > 0.0)
        return "low";
    return "info";
}

char *ivet_pypi_normalize(const char *name)
{
    char *o = ivet_malloc(strlen(name) + 1), *p = o;
    if (!o)
        return NULL;
    for (const char *s = name; *s; s++) {
        if (*s == '-' || *s == '_' || *s == '.') {
            if (p == o || p[-1] != '-')
                *p++ = '-';
        } else {
            *p++ = (*s >= 'A' && *s <= 'Z') ? (char)(*s - 'A' + 'a') : *s;
        }
    }
    *p = '\0';
    return o;
}
