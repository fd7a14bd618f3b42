/* store.c: the server's queue and results in SQLite. One table: a row per
 * scan asked for (by a notification or by hand), with its state (queued,
 * running, done, error), the manifest digest and verdict once done, and the
 * JSON report. Event ids of notifications already queued are kept, so a
 * registry's retry of one event does not scan twice. Rows left queued or
 * running by a server that stopped go back to the queue when the store opens:
 * a push notified once is scanned even across a restart, up to three
 * attempts (an image that kills the scanner is not retried forever). The
 * connection is shared by the HTTP thread and the worker (FULLMUTEX); no
 * call reads connection state left by an earlier statement. */
#include "server/server.h"

#include <sqlite3.h>
#include <string.h>
#include <time.h>

struct ivet_store {
    sqlite3 *db;
    char *path;
};

/* The message of result code rc: sqlite3_errmsg belongs to whichever thread
 * used the connection last. */
static int db_err(struct ivet_store *s, int rc, struct ivet_err *err, const char *what)
{
    return ivet_err_set(err, IVET_E_IO, "store '%s': %s: %s", s->path, what, sqlite3_errstr(rc));
}

static void now_text(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

struct ivet_store *ivet_store_open(const char *spec, struct ivet_err *err)
{
    const char *path = ivet_startswith(spec, "sqlite:") ? spec + 7 : spec;
    if (!*path) {
        ivet_err_set(err, IVET_E_USAGE, "--store: no path in '%s'", spec);
        return NULL;
    }
    if (strstr(spec, "://")) {
        ivet_err_set(err, IVET_E_UNSUPPORTED, "--store '%s': only sqlite:PATH is supported", spec);
        return NULL;
    }
    struct ivet_store *s = ivet_calloc(1, sizeof(*s));
    if (!s || !(s->path = ivet_strdup(path))) {
        ivet_free(s);
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return NULL;
    }
    if (sqlite3_libversion_number() < 3035000) {     /* UPDATE/INSERT ... RETURNING */
        ivet_err_set(err, IVET_E_UNSUPPORTED, "store: SQLite %s is too old (3.35 or later is needed)",
                     sqlite3_libversion());
        ivet_store_close(s);
        return NULL;
    }
    int rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
    if (rc != SQLITE_OK) {
        db_err(s, rc, err, "cannot open");
        ivet_store_close(s);
        return NULL;
    }
    sqlite3_busy_timeout(s->db, 10000);
    static const char schema[] =
        "PRAGMA journal_mode=WAL;"
        "CREATE TABLE IF NOT EXISTS scans ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT, image TEXT NOT NULL, pushed TEXT, event_id TEXT UNIQUE,"
        " status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, digest TEXT, verdict TEXT, error TEXT,"
        " report TEXT, queued_at TEXT NOT NULL, done_at TEXT);"
        "CREATE INDEX IF NOT EXISTS scans_digest ON scans(digest, id);"
        "CREATE INDEX IF NOT EXISTS scans_pushed ON scans(pushed, id);"
        "CREATE INDEX IF NOT EXISTS scans_status ON scans(status, id);"
        "UPDATE scans SET status = 'error', error = 'given up: the scanner stopped while vetting it "
        "three times' WHERE status = 'running' AND attempts >= 3;"
        "UPDATE scans SET status = 'queued' WHERE status = 'running';";
    if ((rc = sqlite3_exec(s->db, schema, NULL, NULL, NULL)) != SQLITE_OK) {
        db_err(s, rc, err, "cannot create its tables");
        ivet_store_close(s);
        return NULL;
    }
    return s;
}

void ivet_store_close(struct ivet_store *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);
    ivet_free(s->path);
    ivet_free(s);
}

int ivet_store_enqueue(struct ivet_store *s, const char *image, const char *event_id, long long *id,
                       struct ivet_err *err)
{
    sqlite3_stmt *st = NULL;
    char now[32];
    now_text(now, sizeof(now));
    *id = 0;
    /* the digest a push names, for lookups by it */
    const char *at = strrchr(image, '@');
    int rc = sqlite3_prepare_v2(s->db,
                                "INSERT INTO scans (image, pushed, event_id, status, queued_at) "
                                "VALUES (?, ?, ?, 'queued', ?) ON CONFLICT DO NOTHING RETURNING id",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_err(s, rc, err, "cannot queue");
    sqlite3_bind_text(st, 1, image, -1, SQLITE_TRANSIENT);
    if (at)
        sqlite3_bind_text(st, 2, at + 1, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 2);
    if (event_id)
        sqlite3_bind_text(st, 3, event_id, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_text(st, 4, now, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {             /* not a duplicate event */
        *id = sqlite3_column_int64(st, 0);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : db_err(s, rc, err, "cannot queue");
}

int ivet_store_claim(struct ivet_store *s, long long *id, char **image, struct ivet_err *err)
{
    sqlite3_stmt *st = NULL;
    int found = 0;
    /* one statement: two workers never claim the same row */
    int prc = sqlite3_prepare_v2(s->db,
                           "UPDATE scans SET status = 'running', attempts = attempts + 1 WHERE id = (SELECT id FROM "
                           "scans WHERE status = 'queued' ORDER BY id LIMIT 1) RETURNING id, image",
                           -1, &st, NULL);
    if (prc != SQLITE_OK)
        return db_err(s, prc, err, "cannot take the next scan");
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        *image = ivet_strdup((const char *)sqlite3_column_text(st, 1));
        found = *image ? 1 : ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        rc = found > 0 ? sqlite3_step(st) : SQLITE_DONE;
    }
    sqlite3_finalize(st);
    if (found >= 0 && rc != SQLITE_DONE) {
        if (found > 0)
            ivet_free(*image);
        return db_err(s, rc, err, "cannot take the next scan");
    }
    return found;
}

int ivet_store_finish(struct ivet_store *s, long long id, const char *digest, const char *verdict,
                      const char *report, const char *error, struct ivet_err *err)
{
    sqlite3_stmt *st = NULL;
    char now[32];
    now_text(now, sizeof(now));
    int rc = sqlite3_prepare_v2(s->db,
                                "UPDATE scans SET status = ?, digest = ?, verdict = ?, report = ?, error = ?, "
                                "done_at = ? WHERE id = ?",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_err(s, rc, err, "cannot record a result");
    sqlite3_bind_text(st, 1, error ? "error" : "done", -1, SQLITE_STATIC);
    const char *vals[] = { digest, verdict, report, error, now };
    for (int i = 0; i < 5; i++)
        if (vals[i])
            sqlite3_bind_text(st, i + 2, vals[i], -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st, i + 2);
    sqlite3_bind_int64(st, 7, id);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : db_err(s, rc, err, "cannot record a result");
}

static json_t *col(sqlite3_stmt *st, int i)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    if (!t)
        return json_null();
    json_t *j = json_string(t);
    if (!j) {                           /* stored text that is not UTF-8 */
        char *c = ivet_sanitize(t, strlen(t), 65536);
        j = c ? json_string(c) : NULL;
        ivet_free(c);
    }
    return j;
}

json_t *ivet_store_get(struct ivet_store *s, const char *digest, long long id, struct ivet_err *err)
{
    sqlite3_stmt *st = NULL;
    const char *sql = digest ? "SELECT id, image, digest, status, verdict, error, queued_at, done_at, report FROM scans "
                               "WHERE digest = ? OR pushed = ? ORDER BY id DESC LIMIT 1"
                             : "SELECT id, image, digest, status, verdict, error, queued_at, done_at, report FROM scans "
                               "WHERE id = ?";
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        db_err(s, rc, err, "cannot read");
        return NULL;
    }
    if (digest) {
        sqlite3_bind_text(st, 1, digest, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, digest, -1, SQLITE_TRANSIENT);
    } else {
        sqlite3_bind_int64(st, 1, id);
    }
    json_t *o = NULL;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *rep = (const char *)sqlite3_column_text(st, 8);
        json_error_t je;
        json_t *report = rep ? json_loads(rep, 0, &je) : NULL;
        o = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id", (json_int_t)sqlite3_column_int64(st, 0),
                      "image", col(st, 1), "digest", col(st, 2), "status", col(st, 3), "verdict", col(st, 4), "error",
                      col(st, 5), "queued_at", col(st, 6), "done_at", col(st, 7), "report",
                      report ? report : json_null());
        if (!o)
            ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    } else if (rc == SQLITE_DONE) {
        ivet_err_set(err, IVET_E_NOTFOUND, "no scan of %s", digest ? digest : "that id");
    } else {
        db_err(s, rc, err, "cannot read");
    }
    sqlite3_finalize(st);
    return o;
}

int ivet_store_counts(struct ivet_store *s, long long *queued, long long *running, struct ivet_err *err)
{
    sqlite3_stmt *st = NULL;
    *queued = *running = 0;
    int rc = sqlite3_prepare_v2(s->db, "SELECT status, count(*) FROM scans WHERE status IN ('queued', 'running') "
                                       "GROUP BY status", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_err(s, rc, err, "cannot count");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        if (k && !strcmp(k, "queued"))
            *queued = sqlite3_column_int64(st, 1);
        else
            *running = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : db_err(s, rc, err, "cannot count");
}
