/* osv.c: imports OSV records (https://ossf.github.io/osv-schema/) into the
 * store: one advisory row per record and one affected row per usable range
 * (ECOSYSTEM or SEMVER; GIT ranges are ignored) or, without such ranges, one
 * row listing the explicitly affected versions. Records are read with the
 * pull reader (jsonpull.c) and fields nobody matches on (details,
 * references, credits...) are skipped unparsed: a full ecosystem dump is
 * hundreds of thousands of records. Reading files, directories and zip dumps
 * is import.c's and osv_zip.c's business. */
#include <string.h>
#include <strings.h>

#include "imagevet/version.h"
#include "vulndb/jsonpull.h"
#include "vulndb/store.h"

#define OSV_SOURCE "osv"
#define MAX_FIELD (64u << 10)
#define MAX_ITEMS 4096              /* per list in one record */

/* Strings of one record live in `arena`, referenced by offset (0 = absent),
 * so the lists below survive the arena growing. */
struct range {
    size_t type, events;        /* "ECOSYSTEM"; "introduced=0|fixed=1.2" */
    size_t introduced, fixed, last;
};
struct affected {
    size_t eco, name, sev;
    size_t first_range, nranges;
    size_t versions;            /* newline-separated, 0 = none */
};
struct osv_rec {
    struct ivet_buf arena;
    size_t id, summary, details, published, modified, dbsev, aliases;
    bool withdrawn;
    double score;
    size_t vector;
    struct range *ranges;
    size_t nranges, caprng;
    struct affected *aff;
    size_t naff, capaff;
};

static const char *at(const struct osv_rec *r, size_t off)
{
    return off ? r->arena.ptr + off : NULL;
}

/* Copies s (n bytes) into the arena; returns its offset, 0 on failure. */
static size_t keep(struct osv_rec *r, const char *s, size_t n, struct ivet_err *err)
{
    if (!s)
        return 0;
    size_t off = r->arena.len;
    if (ivet_buf_append(&r->arena, s, n, err) < 0 || ivet_buf_append(&r->arena, "", 1, err) < 0)
        return 0;
    return off;
}

static size_t keep_str(struct osv_rec *r, struct ivet_jp *jp, struct ivet_err *err)
{
    size_t n;
    const char *s = ivet_jp_string(jp, &n);
    return s ? keep(r, s, n, err) : 0;
}

/* Appends s to the list at *off (sep-separated). When the list is the last
 * thing in the arena it grows in place; otherwise it is copied to the end
 * first (through a temporary copy: appending may move the arena). */
static bool list_add(struct osv_rec *r, size_t *off, const char *s, size_t n, char sep,
                     struct ivet_err *err)
{
    if (*off && *off + strlen(r->arena.ptr + *off) + 1 == r->arena.len) {
        r->arena.ptr[r->arena.len - 1] = sep;
        return ivet_buf_append(&r->arena, s, n, err) == 0 &&
               ivet_buf_append(&r->arena, "", 1, err) == 0;
    }
    size_t start = r->arena.len;
    if (*off) {
        char *old = ivet_strdup(r->arena.ptr + *off);
        bool ok = old && ivet_buf_append(&r->arena, old, strlen(old), err) == 0 &&
                  ivet_buf_append(&r->arena, &sep, 1, err) == 0;
        ivet_free(old);
        if (!ok)
            return false;
    }
    if (ivet_buf_append(&r->arena, s, n, err) < 0 || ivet_buf_append(&r->arena, "", 1, err) < 0)
        return false;
    *off = start;
    return true;
}

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

/* {"severity": "..."} inside database_specific / ecosystem_specific */
static size_t specific_severity(struct osv_rec *r, struct ivet_jp *jp, struct ivet_err *err)
{
    size_t out = 0;
    if (ivet_jp_peek(jp) != IVET_JP_OBJECT)
        return ivet_jp_skip(jp), 0;
    ivet_jp_obj_begin(jp);
    const char *k;
    while ((k = ivet_jp_obj_next(jp))) {
        if (!strcmp(k, "severity")) {
            const char *w = severity_word(ivet_jp_string(jp, NULL));
            if (w)
                out = keep(r, w, strlen(w), err);
        } else {
            ivet_jp_skip(jp);
        }
    }
    return out;
}

static void parse_severity(struct osv_rec *r, struct ivet_jp *jp, struct ivet_err *err)
{
    if (ivet_jp_peek(jp) != IVET_JP_ARRAY) {
        ivet_jp_skip(jp);
        return;
    }
    ivet_jp_arr_begin(jp);
    while (ivet_jp_arr_next(jp)) {
        if (ivet_jp_peek(jp) != IVET_JP_OBJECT) {
            ivet_jp_skip(jp);
            continue;
        }
        ivet_jp_obj_begin(jp);
        size_t type = 0, score = 0;
        const char *k;
        while ((k = ivet_jp_obj_next(jp))) {
            if (!strcmp(k, "type"))
                type = keep_str(r, jp, err);
            else if (!strcmp(k, "score"))
                score = keep_str(r, jp, err);
            else
                ivet_jp_skip(jp);
        }
        if (!type || !score)
            continue;
        if (!strcmp(at(r, type), "CVSS_V3")) {
            double sc = ivet_cvss3_score(at(r, score));
            if (sc >= 0 && sc >= r->score) {
                r->score = sc;
                r->vector = score;
            }
        } else if (!strcmp(at(r, type), "CVSS_V4") && !r->vector) {
            r->vector = score;
        }
    }
}

static bool add_range(struct osv_rec *r, struct ivet_err *err)
{
    if (r->nranges == r->caprng) {
        size_t cap = r->caprng ? r->caprng * 2 : 16;
        struct range *n = ivet_reallocarray(r->ranges, cap, sizeof(*n));
        if (!n)
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory"), false;
        r->ranges = n;
        r->caprng = cap;
    }
    memset(&r->ranges[r->nranges++], 0, sizeof(struct range));
    return true;
}

/* One range: {"type": ..., "events": [{"introduced": "0"}, {"fixed": "1.2"}]} */
static void parse_range(struct osv_rec *r, struct ivet_jp *jp, struct ivet_err *err)
{
    static const char *const kinds[] = { "introduced", "fixed", "last_affected", "limit" };
    if (ivet_jp_peek(jp) != IVET_JP_OBJECT || !add_range(r, err)) {
        ivet_jp_skip(jp);
        return;
    }
    size_t idx = r->nranges - 1;
    bool bad = false;
    ivet_jp_obj_begin(jp);
    const char *k;
    while ((k = ivet_jp_obj_next(jp))) {
        if (!strcmp(k, "type")) {
            r->ranges[idx].type = keep_str(r, jp, err);
            continue;
        }
        if (strcmp(k, "events") != 0 || ivet_jp_peek(jp) != IVET_JP_ARRAY) {
            ivet_jp_skip(jp);
            continue;
        }
        ivet_jp_arr_begin(jp);
        while (ivet_jp_arr_next(jp)) {
            if (ivet_jp_peek(jp) != IVET_JP_OBJECT) {
                ivet_jp_skip(jp);
                bad = true;
                continue;
            }
            ivet_jp_obj_begin(jp);
            const char *ek;
            while ((ek = ivet_jp_obj_next(jp))) {
                size_t kind = 0;
                while (kind < IVET_ARRAY_LEN(kinds) && strcmp(ek, kinds[kind]) != 0)
                    kind++;
                if (kind == IVET_ARRAY_LEN(kinds)) {
                    ivet_jp_skip(jp);
                    continue;
                }
                size_t n;
                const char *v = ivet_jp_string(jp, &n);
                char item[IVET_VERSION_MAX + 32];
                if (!v || !n || n > IVET_VERSION_MAX || memchr(v, '|', n)) {
                    bad = true;
                    continue;
                }
                int il = snprintf(item, sizeof(item), "%s=%s", kinds[kind], v);
                struct range *g = &r->ranges[idx];
                if (!list_add(r, &g->events, item, (size_t)il, '|', err)) {
                    bad = true;
                    continue;
                }
                size_t voff = r->arena.len;
                if (!keep(r, v, n, err))
                    continue;
                g = &r->ranges[idx];
                if (kind == 0 && !g->introduced)
                    g->introduced = voff;
                else if (kind == 1)
                    g->fixed = voff;
                else if (kind == 2)
                    g->last = voff;
            }
        }
    }
    const char *type = at(r, r->ranges[idx].type);
    if (bad || !r->ranges[idx].events || !type ||
        (strcmp(type, "ECOSYSTEM") != 0 && strcmp(type, "SEMVER") != 0))
        r->nranges--;               /* GIT ranges and malformed ones are not kept */
}

static void parse_affected(struct osv_rec *r, struct ivet_jp *jp, struct ivet_err *err)
{
    if (ivet_jp_peek(jp) != IVET_JP_OBJECT) {
        ivet_jp_skip(jp);
        return;
    }
    if (r->naff == r->capaff) {
        size_t cap = r->capaff ? r->capaff * 2 : 8;
        struct affected *n = ivet_reallocarray(r->aff, cap, sizeof(*n));
        if (!n) {
            ivet_err_set(err, IVET_E_NOMEM, "out of memory");
            ivet_jp_skip(jp);
            return;
        }
        r->aff = n;
        r->capaff = cap;
    }
    size_t idx = r->naff++;
    memset(&r->aff[idx], 0, sizeof(r->aff[idx]));
    r->aff[idx].first_range = r->nranges;
    ivet_jp_obj_begin(jp);
    const char *k;
    while ((k = ivet_jp_obj_next(jp))) {
        if (!strcmp(k, "package") && ivet_jp_peek(jp) == IVET_JP_OBJECT) {
            ivet_jp_obj_begin(jp);
            const char *pk;
            while ((pk = ivet_jp_obj_next(jp))) {
                if (!strcmp(pk, "ecosystem"))
                    r->aff[idx].eco = keep_str(r, jp, err);
                else if (!strcmp(pk, "name"))
                    r->aff[idx].name = keep_str(r, jp, err);
                else
                    ivet_jp_skip(jp);
            }
        } else if (!strcmp(k, "ranges") && ivet_jp_peek(jp) == IVET_JP_ARRAY) {
            ivet_jp_arr_begin(jp);
            size_t n = 0;
            while (ivet_jp_arr_next(jp)) {
                if (n++ < MAX_ITEMS)
                    parse_range(r, jp, err);
                else
                    ivet_jp_skip(jp);
            }
        } else if (!strcmp(k, "versions") && ivet_jp_peek(jp) == IVET_JP_ARRAY) {
            ivet_jp_arr_begin(jp);
            size_t count = 0;
            while (ivet_jp_arr_next(jp)) {
                size_t n;
                const char *v = ivet_jp_string(jp, &n);
                if (v && n && n <= IVET_VERSION_MAX && !memchr(v, '\n', n) && count++ < MAX_ITEMS)
                    list_add(r, &r->aff[idx].versions, v, n, '\n', err);
            }
        } else if (!strcmp(k, "ecosystem_specific") || !strcmp(k, "database_specific")) {
            size_t s = specific_severity(r, jp, err);
            if (s)
                r->aff[idx].sev = s;
        } else {
            ivet_jp_skip(jp);
        }
    }
    r->aff[idx].nranges = r->nranges - r->aff[idx].first_range;
}

static void rec_reset(struct osv_rec *r)
{
    ivet_buf_reset(&r->arena);
    r->id = r->summary = r->details = r->published = r->modified = r->dbsev = r->aliases = 0;
    r->vector = 0;
    r->score = 0;
    r->withdrawn = false;
    r->nranges = r->naff = 0;
    struct ivet_err e = IVET_ERR_INIT;
    ivet_buf_append(&r->arena, "", 1, &e);      /* offset 0 means "absent" */
    ivet_err_release(&e);
}

static void parse_record(struct osv_rec *r, struct ivet_jp *jp, struct ivet_err *err)
{
    rec_reset(r);
    ivet_jp_obj_begin(jp);
    const char *k;
    while ((k = ivet_jp_obj_next(jp))) {
        if (!strcmp(k, "id")) {
            r->id = keep_str(r, jp, err);
        } else if (!strcmp(k, "summary")) {
            r->summary = keep_str(r, jp, err);
        } else if (!strcmp(k, "details")) {
            size_t n;
            const char *d = ivet_jp_string(jp, &n);
            if (d)
                r->details = keep(r, d, n < 400 ? n : 400, err);
        } else if (!strcmp(k, "published")) {
            r->published = keep_str(r, jp, err);
        } else if (!strcmp(k, "modified")) {
            r->modified = keep_str(r, jp, err);
        } else if (!strcmp(k, "withdrawn")) {
            r->withdrawn = true;
            ivet_jp_skip(jp);
        } else if (!strcmp(k, "aliases") && ivet_jp_peek(jp) == IVET_JP_ARRAY) {
            ivet_jp_arr_begin(jp);
            size_t count = 0;
            while (ivet_jp_arr_next(jp)) {
                size_t n;
                const char *a = ivet_jp_string(jp, &n);
                if (a && n && !memchr(a, ',', n) && count++ < MAX_ITEMS &&
                    r->arena.len + n < MAX_FIELD)
                    list_add(r, &r->aliases, a, n, ',', err);
            }
        } else if (!strcmp(k, "severity")) {
            parse_severity(r, jp, err);
        } else if (!strcmp(k, "database_specific")) {
            r->dbsev = specific_severity(r, jp, err);
        } else if (!strcmp(k, "affected") && ivet_jp_peek(jp) == IVET_JP_ARRAY) {
            ivet_jp_arr_begin(jp);
            size_t n = 0;
            while (ivet_jp_arr_next(jp)) {
                if (n++ < MAX_ITEMS)
                    parse_affected(r, jp, err);
                else
                    ivet_jp_skip(jp);
            }
        } else {
            ivet_jp_skip(jp);
        }
    }
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

static int put_affected(struct ivet_vulndb *db, const struct osv_rec *r, const struct affected *a,
                        struct ivet_vulndb_stats *st, struct ivet_err *err)
{
    const char *eco = at(r, a->eco), *name = at(r, a->name);
    if (!eco || !name || !*eco || !*name)
        return 0;
    char *e = norm_ecosystem(eco);
    char *n = !strcmp(eco, "PyPI") ? ivet_pypi_normalize(name) : ivet_strdup(name);
    int rc = 0;
    if (!e || !n) {
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < a->nranges; i++) {
        const struct range *g = &r->ranges[a->first_range + i];
        const char *fixed = at(r, g->fixed);
        struct ivet_affected x = { at(r, r->id), OSV_SOURCE, e, n, at(r, g->introduced), fixed,
                                   at(r, g->last), at(r, g->type), at(r, g->events), NULL,
                                   fixed ? "fixed" : "affected", at(r, a->sev) };
        if ((rc = ivet_store_put_affected(db, &x, err)) < 0)
            goto out;
        st->affected++;
    }
    if (a->nranges == 0 && a->versions) {
        struct ivet_affected x = { at(r, r->id), OSV_SOURCE, e, n, NULL, NULL, NULL, "VERSIONS",
                                   NULL, at(r, a->versions), "affected", at(r, a->sev) };
        if ((rc = ivet_store_put_affected(db, &x, err)) < 0)
            goto out;
        st->affected++;
    }
out:
    ivet_free(e);
    ivet_free(n);
    return rc;
}

static int put_record(struct ivet_vulndb *db, struct osv_rec *r, bool fresh, const char *what,
                      FILE *log, struct ivet_vulndb_stats *st, struct ivet_err *err)
{
    const char *id = at(r, r->id);
    if (!id || !*id || strlen(id) > 256) {
        if (log)
            fprintf(log, "%s: skipped a record without an id\n", what);
        st->skipped++;
        return 0;
    }
    int rc = fresh ? 0 : ivet_store_clear_advisory(db, id, OSV_SOURCE, err);
    if (rc < 0)
        return rc;
    const char *sev = at(r, r->dbsev);
    if (!sev && r->score > 0)
        sev = ivet_cvss_severity(r->score);
    const char *text = at(r, r->summary) ? at(r, r->summary) : at(r, r->details);
    char *sum = text ? ivet_sanitize(text, strlen(text), 300) : NULL;
    struct ivet_advisory a = { id, OSV_SOURCE, at(r, r->aliases), sev, r->score,
                               at(r, r->vector), sum, at(r, r->published), at(r, r->modified) };
    rc = ivet_store_put_advisory(db, &a, err);
    ivet_free(sum);
    if (rc < 0)
        return rc;
    st->records++;
    if (r->withdrawn)
        return 0;                   /* kept for its text, never matched */
    for (size_t i = 0; i < r->naff; i++)
        if ((rc = put_affected(db, r, &r->aff[i], st, err)) < 0)
            return rc;
    return 0;
}

struct ivet_osv_reader {
    struct osv_rec rec;
    bool fresh;                 /* the store has no OSV rows yet: nothing to replace */
};

void ivet_osv_reader_set_fresh(struct ivet_osv_reader *rd, bool fresh)
{
    rd->fresh = fresh;
}

struct ivet_osv_reader *ivet_osv_reader_new(struct ivet_err *err)
{
    struct ivet_osv_reader *rd = ivet_calloc(1, sizeof(*rd));
    if (!rd)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory"), NULL;
    ivet_buf_init(&rd->rec.arena, 64u << 20);
    return rd;
}

void ivet_osv_reader_free(struct ivet_osv_reader *rd)
{
    if (!rd)
        return;
    ivet_buf_release(&rd->rec.arena);
    ivet_free(rd->rec.ranges);
    ivet_free(rd->rec.aff);
    ivet_free(rd);
}

int ivet_osv_reader_import(struct ivet_osv_reader *rd, struct ivet_vulndb *db, const char *text,
                           size_t len, const char *what, FILE *log, struct ivet_vulndb_stats *st,
                           struct ivet_err *err)
{
    struct ivet_jp jp;
    int rc = 0;
    ivet_jp_init(&jp, text, len);
    bool array = ivet_jp_peek(&jp) == IVET_JP_ARRAY;
    if (array)
        ivet_jp_arr_begin(&jp);
    while (!array || ivet_jp_arr_next(&jp)) {
        if (ivet_jp_peek(&jp) != IVET_JP_OBJECT) {
            if (!array)
                break;
            if (log)
                fprintf(log, "%s: skipped an array element that is not a record\n", what);
            st->skipped++;
            ivet_jp_skip(&jp);
            continue;
        }
        parse_record(&rd->rec, &jp, err);
        if (err->code != IVET_OK) {
            rc = -err->code;
            break;
        }
        if (ivet_jp_failed(&jp))
            break;
        if ((rc = put_record(db, &rd->rec, rd->fresh, what, log, st, err)) < 0)
            break;
        if (!array)
            break;
    }
    if (rc == 0 && !ivet_jp_finish(&jp))
        rc = ivet_err_set(err, IVET_E_FORMAT, "'%s': %s", what, ivet_jp_error(&jp));
    ivet_jp_release(&jp);
    return rc;
}

int ivet_osv_import_json(struct ivet_vulndb *db, const char *text, size_t len, const char *what,
                         FILE *log, struct ivet_vulndb_stats *st, struct ivet_err *err)
{
    struct ivet_osv_reader *rd = ivet_osv_reader_new(err);
    if (!rd)
        return -err->code;
    int rc = ivet_osv_reader_import(rd, db, text, len, what, log, st, err);
    ivet_osv_reader_free(rd);
    return rc;
}
