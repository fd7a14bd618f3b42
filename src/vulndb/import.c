/* import.c: `db import FILE|DIR`: walks a directory, reads each file and
 * hands it to the importer its content calls for (OSV zip dump, OSV record
 * or array of records, Alpine secdb, Debian tracker), one transaction per
 * file. The formats themselves are parsed in osv.c, osv_zip.c, secdb.c and
 * debtracker.c. */
#include <dirent.h>
#include <stdlib.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>

#include "vulndb/jsonpull.h"
#include "vulndb/store.h"

#define MAX_JSON_FILE (1ull << 30)
#define MAX_DEPTH 8


enum kind { K_UNKNOWN, K_OSV, K_SECDB, K_TRACKER };

/* Which format a JSON text is, from its top-level shape alone: an array
 * (of OSV records), or an object whose members name the format. */
static enum kind sniff(const char *text, size_t len)
{
    struct ivet_jp jp;
    enum kind k = K_UNKNOWN;
    bool id = false, distro = false;
    ivet_jp_init(&jp, text, len);
    enum ivet_jp_type t = ivet_jp_peek(&jp);
    if (t == IVET_JP_ARRAY) {
        k = K_OSV;
    } else if (t == IVET_JP_OBJECT) {
        ivet_jp_obj_begin(&jp);
        const char *key;
        while ((key = ivet_jp_obj_next(&jp))) {
            id = id || !strcmp(key, "id");
            distro = distro || !strcmp(key, "distroversion");
            ivet_jp_skip(&jp);
        }
        k = distro ? K_SECDB : id ? K_OSV : K_TRACKER;
    }
    ivet_jp_release(&jp);
    return k;
}

static int import_json(struct ivet_vulndb *db, const char *path, const char *url,
                       const char *source_name, FILE *log, struct ivet_vulndb_stats *st,
                       struct ivet_err *err)
{
    char *text = NULL;
    size_t len = 0;
    struct ivet_istream *s = ivet_istream_open_file(path, err);
    if (!s || ivet_istream_slurp(s, MAX_JSON_FILE, &text, &len, err) < 0) {
        ivet_istream_close(s);
        return -err->code;
    }
    ivet_istream_close(s);
    int rc;
    enum kind k = sniff(text, len);
    if (k == K_OSV) {
        rc = ivet_osv_import_json(db, text, len, path, log, st, err);
        if (rc == 0)
            rc = ivet_store_count_source(db, source_name ? source_name : "osv", url, err);
        ivet_free(text);
        return rc;
    }
    json_error_t je;
    json_t *root = json_loadb(text, len, 0, &je);
    ivet_free(text);
    if (!root)
        return ivet_err_set(err, IVET_E_FORMAT, "'%s': line %d column %d: %s", path, je.line,
                            je.column, je.text);
    if (k == K_SECDB && ivet_secdb_looks_like(root))
        rc = ivet_secdb_put(db, root, path, url, st, err);
    else if (k == K_TRACKER && ivet_debtracker_looks_like(root))
        rc = ivet_debtracker_put(db, root, path, url, st, err);
    else
        rc = ivet_err_set(err, IVET_E_FORMAT, "'%s': not an OSV, Alpine secdb or Debian tracker file",
                          path);
    json_decref(root);
    return rc;
}

int ivet_vulndb_import_file(struct ivet_vulndb *db, const char *path, const char *url,
                            const char *source_name, FILE *log, struct ivet_vulndb_stats *st,
                            struct ivet_err *err)
{
    int rc = ivet_store_begin(db, err);
    if (rc < 0)
        return rc;
    if (ivet_endswith(path, ".zip")) {
        char name[256];
        if (source_name) {
            snprintf(name, sizeof(name), "%s", source_name);
        } else {
            /* "<dir>/PyPI/all.zip" -> "osv:PyPI"; "x/PyPI.zip" -> "osv:PyPI" */
            const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
            if (!strcmp(base, "all.zip") && base - path >= 2) {
                const char *end = base - 1, *start = end;
                while (start > path && start[-1] != '/')
                    start--;
                snprintf(name, sizeof(name), "osv:%.*s", (int)(end - start), start);
            } else {
                snprintf(name, sizeof(name), "osv:%.*s", (int)(strlen(base) - 4), base);
            }
        }
        uint64_t before = st->records;
        rc = ivet_osv_import_zip(db, path, log, st, err);
        if (rc == 0)
            rc = ivet_store_put_source(db, name, url, NULL, NULL, (int64_t)(st->records - before),
                                       err);
    } else {
        rc = import_json(db, path, url, source_name, log, st, err);
    }
    if (rc < 0) {
        ivet_store_rollback(db);
        return rc;
    }
    return ivet_store_commit(db, err);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The directory's entry names, sorted (so imports are reproducible). */
static int list_dir(const char *dir, char ***out, size_t *n, struct ivet_err *err)
{
    DIR *d = opendir(dir);
    char **v = NULL;
    size_t cnt = 0;
    struct dirent *de;
    *out = NULL;
    *n = 0;
    if (!d)
        return ivet_err_sys(err, IVET_E_IO, "cannot read directory '%s'", dir);
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char **nv = ivet_reallocarray(v, cnt + 1, sizeof(*v));
        char *name = nv ? ivet_strdup(de->d_name) : NULL;
        if (nv)
            v = nv;
        if (!name) {
            closedir(d);
            for (size_t i = 0; i < cnt; i++)
                ivet_free(v[i]);
            ivet_free(v);
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        }
        v[cnt++] = name;
    }
    closedir(d);
    if (cnt > 1)
        qsort(v, cnt, sizeof(*v), name_cmp);
    *out = v;
    *n = cnt;
    return 0;
}

static int import_dir(struct ivet_vulndb *db, const char *dir, int depth, FILE *log,
                      struct ivet_vulndb_stats *st, struct ivet_err *err)
{
    if (depth > MAX_DEPTH)
        return ivet_err_set(err, IVET_E_LIMIT, "'%s': directories nested deeper than %d", dir,
                            MAX_DEPTH);
    char **names;
    size_t n;
    int rc = list_dir(dir, &names, &n, err);
    for (size_t i = 0; i < n; i++) {
        const char *nm = names[i];
        if (rc == 0) {
            char *p = ivet_asprintf("%s/%s", dir, nm);
            struct stat sb;
            if (!p)
                rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
            else if (stat(p, &sb) != 0)
                rc = ivet_err_sys(err, IVET_E_IO, "cannot stat '%s'", p);
            else if (S_ISDIR(sb.st_mode))
                rc = import_dir(db, p, depth + 1, log, st, err);
            else if (S_ISREG(sb.st_mode) && (ivet_endswith(nm, ".json") || ivet_endswith(nm, ".zip")))
                rc = ivet_vulndb_import_file(db, p, NULL, NULL, log, st, err);
            ivet_free(p);
        }
        ivet_free(names[i]);
    }
    ivet_free(names);
    return rc;
}

int ivet_vulndb_import(struct ivet_vulndb *db, const char *path, FILE *log,
                       struct ivet_vulndb_stats *st, struct ivet_err *err)
{
    struct ivet_vulndb_stats local = { 0 };
    if (!st)
        st = &local;
    double t0 = ivet_now();
    struct stat sb;
    int rc;
    if (stat(path, &sb) != 0)
        rc = ivet_err_sys(err, IVET_E_NOTFOUND, "cannot import '%s'", path);
    else if (S_ISDIR(sb.st_mode))
        rc = import_dir(db, path, 0, log, st, err);
    else
        rc = ivet_vulndb_import_file(db, path, NULL, NULL, log, st, err);
    st->seconds = ivet_now() - t0;
    return rc;
}
