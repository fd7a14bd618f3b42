/* osv.c: imports OSV records (https://ossf.github.io/osv-schema/) into the
 * store: one advisory row per record and one affected row per usable range
 * (ECOSYSTEM or SEMVER; GIT ranges are ignored) or, without such ranges, one
 * row listing the explicitly affected versions. Reading files, directories
 * and zip dumps is import.c's and osv_zip.c's business. */
#include <jansson.h>
#include <string.h>
#include <strings.h>

#include "imagevet/version.h"
#include "vulndb/store.h"

#define OSV_SOURCE "osv"
#define MAX_FIELD (64u << 10)

static const char *str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* "MODERATE" -> "medium"; NULL when unknown. */
static const char *severity_word(const char *s)
{
    static const char *const names[][2] = {
        { "critical", "critical" }, { "high", "high" },       { "moderate", "medium" },
        { "medium", "medium" },     { "low", "low" },         { "negligible", "info" },
        { "unimportant", "info" },  { "info", "info" },
    };
    for (size_t i = 0; s && i < IVET_ARRAY_LEN(names); i++)
        if (strcasecmp(s, names[i][0]) == 0)
            return names[i][1];
    return NULL;
}

/* "Alpine:v3.18" -> "alpine:v3.18", "Ubuntu:22.04:LTS" -> "ubuntu:22.04". */
static char *norm_ecosystem(const char *eco)
{
    char *e = ivet_strdup(eco);
    if (!e)
        return NULL;
    for (char *p = e; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    if (ivet_startswith(e, "ubuntu:")) {
        char *c = strchr(e + 7, ':');
        if (c)
            *c = '\0';
    }
    return e;
}

/* Appends "key=value|" for every event of a range to b; false when an
 * event is malformed. */
static bool events_text(json_t *events, struct ivet_buf *b, const char **introduced,
                        const char **fixed, const char **last, struct ivet_err *err)
{
    size_t i;
    json_t *ev;
    static const char *const kinds[] = { "introduced", "fixed", "last_affected", "limit" };
    json_array_foreach(events, i, ev) {
        const char *kind = NULL, *ver = NULL;
        for (size_t k = 0; k < IVET_ARRAY_LEN(kinds) && !kind; k++)
            if ((ver = str(ev, kinds[k])))
                kind = kinds[k];
        if (!kind || !*ver || strchr(ver, '|') || strlen(ver) > IVET_VERSION_MAX)
            return false;
        if (!strcmp(kind, "introduced") && !*introduced)
            *introduced = ver;
        else if (!strcmp(kind, "fixed"))
            *fixed = ver;
        else if (!strcmp(kind, "last_affected"))
            *last = ver;
        if (ivet_buf_printf(b, err, "%s%s=%s", b->len ? "|" : "", kind, ver) < 0)
            return false;
    }
    return b->len > 0;
}

static void cvss_of(json_t *rec, double *score, const char **vector)
{
    size_t i;
    json_t *s;
    *score = 0;
    *vector = NULL;
    json_array_foreach(json_object_get(rec, "severity"), i, s) {
        const char *type = str(s, "type"), *v = str(s, "score");
        if (!type || !v)
            continue;
        if (!strcmp(type, "CVSS_V3")) {
            double sc = ivet_cvss3_score(v);
            if (sc >= 0 && sc >= *score) {
                *score = sc;
                *vector = v;
            }
        } else if (!strcmp(type, "CVSS_V4") && !*vector) {
            *vector = v;
        }
    }
}

static char *aliases_text(json_t *rec, struct ivet_err *err)
{
    struct ivet_buf b;
    size_t i;
    json_t *a;
    ivet_buf_init(&b, MAX_FIELD);
    json_array_foreach(json_object_get(rec, "aliases"), i, a) {
        if (json_is_string(a) &&
            ivet_buf_printf(&b, err, "%s%s", b.len ? "," : "", json_string_value(a)) < 0)
            break;
    }
    if (b.len == 0) {
        ivet_buf_release(&b);
        return NULL;
    }
    return ivet_buf_detach(&b);
}

static int put_ranges(struct ivet_vulndb *db, const char *id, json_t *aff, const char *eco,
                      const char *name, const char *sev, struct ivet_vulndb_stats *st,
                      struct ivet_err *err)
{
    size_t i;
    json_t *r;
    int usable = 0, rc = 0;
    struct ivet_buf b;
    ivet_buf_init(&b, MAX_FIELD);
    json_array_foreach(json_object_get(aff, "ranges"), i, r) {
        const char *type = str(r, "type");
        if (!type || (strcmp(type, "ECOSYSTEM") != 0 && strcmp(type, "SEMVER") != 0))
            continue;
        const char *intro = NULL, *fixed = NULL, *last = NULL;
        ivet_buf_reset(&b);
        if (!events_text(json_object_get(r, "events"), &b, &intro, &fixed, &last, err)) {
            if (err->code == IVET_E_NOMEM || err->code == IVET_E_LIMIT)
                goto out;
            continue;
        }
        struct ivet_affected x = { id, OSV_SOURCE, eco, name, intro, fixed, last, type, b.ptr,
                                   NULL, fixed ? "fixed" : "affected", sev };
        if ((rc = ivet_store_put_affected(db, &x, err)) < 0)
            goto out;
        usable++;
        st->affected++;
    }
    json_t *vers = json_object_get(aff, "versions");
    if (!usable && json_array_size(vers) > 0) {
        ivet_buf_reset(&b);
        json_t *v;
        json_array_foreach(vers, i, v) {
            if (json_is_string(v) &&
                (rc = ivet_buf_printf(&b, err, "%s%s", b.len ? "\n" : "", json_string_value(v))) < 0)
                goto out;
        }
        struct ivet_affected x = { id, OSV_SOURCE, eco, name, NULL, NULL, NULL, "VERSIONS", NULL,
                                   b.ptr, "affected", sev };
        if ((rc = ivet_store_put_affected(db, &x, err)) < 0)
            goto out;
        st->affected++;
    }
out:
    ivet_buf_release(&b);
    return rc;
}

int ivet_osv_put_record(struct ivet_vulndb *db, json_t *rec, const char *what, FILE *log,
                        struct ivet_vulndb_stats *st, struct ivet_err *err)
{
    const char *id = str(rec, "id");
    if (!json_is_object(rec) || !id || !*id || strlen(id) > 256) {
        if (log)
            fprintf(log, "%s: skipped a record without an id\n", what);
        st->skipped++;
        return 0;
    }
    int rc = ivet_store_clear_advisory(db, id, OSV_SOURCE, err);
    if (rc < 0)
        return rc;
    double score;
    const char *vector;
    cvss_of(rec, &score, &vector);
    const char *sev = severity_word(str(json_object_get(rec, "database_specific"), "severity"));
    if (!sev && score > 0)
        sev = ivet_cvss_severity(score);
    char *aliases = aliases_text(rec, err);
    const char *summary = str(rec, "summary");
    if (!summary)
        summary = str(rec, "details");
    char *sum = summary ? ivet_sanitize(summary, strlen(summary), 300) : NULL;
    struct ivet_advisory a = { id, OSV_SOURCE, aliases, sev, score, vector, sum,
                               str(rec, "published"), str(rec, "modified") };
    rc = ivet_store_put_advisory(db, &a, err);
    ivet_free(aliases);
    ivet_free(sum);
    if (rc < 0)
        return rc;
    st->records++;
    if (json_object_get(rec, "withdrawn"))
        return 0;                   /* kept for its text, never matched */
    size_t i;
    json_t *aff;
    json_array_foreach(json_object_get(rec, "affected"), i, aff) {
        json_t *pkg = json_object_get(aff, "package");
        const char *eco = str(pkg, "ecosystem"), *name = str(pkg, "name");
        if (!eco || !name || !*eco || !*name)
            continue;
        char *e = norm_ecosystem(eco);
        char *n = !strcmp(eco, "PyPI") ? ivet_pypi_normalize(name) : ivet_strdup(name);
        const char *psev = severity_word(str(json_object_get(aff, "ecosystem_specific"), "severity"));
        if (!e || !n)
            rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        else
            rc = put_ranges(db, id, aff, e, n, psev, st, err);
        ivet_free(e);
        ivet_free(n);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int ivet_osv_import_json(struct ivet_vulndb *db, const char *text, size_t len, const char *what,
                         FILE *log, struct ivet_vulndb_stats *st, struct ivet_err *err)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return ivet_err_set(err, IVET_E_FORMAT, "'%s': line %d column %d: %s", what, je.line,
                            je.column, je.text);
    int rc = 0;
    if (json_is_array(root)) {
        size_t i;
        json_t *rec;
        json_array_foreach(root, i, rec) {
            if ((rc = ivet_osv_put_record(db, rec, what, log, st, err)) < 0)
                break;
        }
    } else {
        rc = ivet_osv_put_record(db, root, what, log, st, err);
    }
    json_decref(root);
    return rc;
}
