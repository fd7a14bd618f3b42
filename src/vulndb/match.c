/* match.c: decides which stored advisories affect one installed package.
 * Rows are looked up by (ecosystem, package); each row's OSV-style range is
 * evaluated with the ecosystem's comparator; rows naming the same
 * vulnerability are merged, and a distro's own data (Alpine secdb, Debian
 * tracker) overrides OSV rows for the same CVE, so a backported fix the
 * distro recorded is never reported as vulnerable. */
#include "vulndb/match.h"

#include <stdlib.h>
#include <string.h>

#define MAX_EVENTS 256

static int vcmp(enum ivet_vereco eco, const char *a, const char *b, int *r)
{
    struct ivet_err e = IVET_ERR_INIT;
    int rc = ivet_vercmp_eco(eco, a, b, r, &e);
    ivet_err_release(&e);
    return rc;
}

int ivet_range_affects(enum ivet_vereco cmp, const char *events, const char *version,
                       char *scratch, const char **fixed_out)
{
    const char *kind[MAX_EVENTS], *ver[MAX_EVENTS];
    int n = 0, r;
    bool limits = false;
    *fixed_out = NULL;
    memcpy(scratch, events, strlen(events) + 1);
    char *save = NULL;
    for (char *t = strtok_r(scratch, "|", &save); t; t = strtok_r(NULL, "|", &save)) {
        char *eq = strchr(t, '=');
        if (!eq || n == MAX_EVENTS)
            return -1;
        *eq = '\0';
        kind[n] = t;
        ver[n] = eq + 1;
        limits = limits || !strcmp(t, "limit");
        n++;
    }
    if (vcmp(cmp, version, version, &r) < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        if (strcmp(kind[i], "introduced") != 0)
            continue;
        bool zero = !strcmp(ver[i], "0");
        if (!zero) {
            if (vcmp(cmp, ver[i], version, &r) < 0)
                return -1;
            if (r > 0)
                continue;                   /* introduced after the installed version */
        }
        bool ok = true;
        const char *fix = NULL;
        for (int j = 0; j < n && ok; j++) {
            bool is_fixed = !strcmp(kind[j], "fixed"), is_last = !strcmp(kind[j], "last_affected");
            if (!is_fixed && !is_last)
                continue;
            if (!zero) {
                if (vcmp(cmp, ver[j], ver[i], &r) < 0)
                    return -1;
                if (is_fixed ? r <= 0 : r < 0)
                    continue;               /* ends an earlier range */
            }
            if (vcmp(cmp, ver[j], version, &r) < 0)
                return -1;
            if (is_fixed && r <= 0)
                ok = false;                 /* fixed at or before the installed version */
            else if (is_last && r < 0)
                ok = false;
            else if (is_fixed) {
                int c = 0;
                if (fix && vcmp(cmp, ver[j], fix, &c) < 0)
                    return -1;
                if (!fix || c < 0)
                    fix = ver[j];
            }
        }
        if (ok && limits) {
            bool below = false;
            for (int j = 0; j < n && !below; j++) {
                if (strcmp(kind[j], "limit") != 0)
                    continue;
                if (vcmp(cmp, version, ver[j], &r) < 0)
                    return -1;
                below = r < 0;
            }
            ok = below;
        }
        if (ok) {
            *fixed_out = fix;
            return 1;
        }
    }
    return 0;
}

/* ---- keys */

/* "3.18.9" -> "3.18", "12.5" -> "12" (n dot-separated parts) */
static char *release_prefix(const char *v, int parts)
{
    size_t i = 0;
    int seen = 0;
    while (v[i] && !(v[i] == '.' && ++seen == parts))
        i++;
    return ivet_strndup(v, i);
}

int ivet_match_key_make(struct ivet_match_key *k, const char *type, const char *name,
                        const char *version, const char *source_name,
                        const char *source_version, const char *os_id, const char *os_version,
                        struct ivet_err *err)
{
    memset(k, 0, sizeof(*k));
    k->version = version;
    const char *lookup = name;
    if (!strcmp(type, "apk") || !strcmp(type, "deb")) {
        if (!os_id || !os_version)
            return 0;
        k->os = true;
        lookup = source_name && *source_name ? source_name : name;
        if (source_version && *source_version)
            k->version = source_version;
        char *rel = NULL;
        if (!strcmp(type, "apk") && !strcmp(os_id, "alpine")) {
            k->cmp = IVET_VERECO_APK;
            rel = release_prefix(os_version, 2);
            k->ecosystem = rel ? ivet_asprintf("alpine:v%s", rel) : NULL;
        } else if (!strcmp(type, "deb") && !strcmp(os_id, "debian")) {
            k->cmp = IVET_VERECO_DEB;
            rel = release_prefix(os_version, 1);
            k->ecosystem = rel ? ivet_asprintf("debian:%s", rel) : NULL;
        } else if (!strcmp(type, "deb") && !strcmp(os_id, "ubuntu")) {
            k->cmp = IVET_VERECO_DEB;
            rel = release_prefix(os_version, 2);
            k->ecosystem = rel ? ivet_asprintf("ubuntu:%s", rel) : NULL;
        } else {
            return 0;
        }
        ivet_free(rel);
        k->name = ivet_strdup(lookup);
    } else {
        static const struct {
            const char *type, *eco;
            enum ivet_vereco cmp;
        } langs[] = {
            { "pypi", "pypi", IVET_VERECO_PEP440 },  { "npm", "npm", IVET_VERECO_SEMVER },
            { "golang", "go", IVET_VERECO_GO },      { "maven", "maven", IVET_VERECO_MAVEN },
            { "cargo", "crates.io", IVET_VERECO_SEMVER },
        };
        size_t i = 0;
        while (i < IVET_ARRAY_LEN(langs) && strcmp(type, langs[i].type) != 0)
            i++;
        if (i == IVET_ARRAY_LEN(langs))
            return 0;
        k->cmp = langs[i].cmp;
        k->ecosystem = ivet_strdup(langs[i].eco);
        k->name = !strcmp(type, "pypi") ? ivet_pypi_normalize(name) : ivet_strdup(name);
    }
    if (!k->ecosystem || !k->name) {
        ivet_match_key_release(k);
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    }
    return 1;
}

void ivet_match_key_release(struct ivet_match_key *k)
{
    ivet_free(k->ecosystem);
    ivet_free(k->name);
    k->ecosystem = k->name = NULL;
}

/* ---- matching */

struct row {
    char *key, *adv, *source, *status, *rowsev, *fixed, *aliases, *advsev, *summary;
    double score;
    int affected;               /* 1, 0, -1 unjudged */
    bool vendor;
};

static void row_release(struct row *r)
{
    ivet_free(r->key);
    ivet_free(r->adv);
    ivet_free(r->source);
    ivet_free(r->status);
    ivet_free(r->rowsev);
    ivet_free(r->fixed);
    ivet_free(r->aliases);
    ivet_free(r->advsev);
    ivet_free(r->summary);
}

static char *col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? ivet_strdup((const char *)t) : NULL;
}

/* The vulnerability a row is about: its CVE when it has one. */
static char *row_key(const char *adv, const char *aliases)
{
    const char *cve = strstr(adv, "CVE-");
    if (cve == adv || (cve && cve[-1] == '-'))
        return ivet_strdup(cve);            /* CVE-x, ALPINE-CVE-x, DEBIAN-CVE-x */
    for (const char *a = aliases; a && *a;) {
        size_t len = strcspn(a, ",");
        if (ivet_startswith(a, "CVE-"))
            return ivet_strndup(a, len);
        a += len + (a[len] == ',');
    }
    return ivet_strdup(adv);
}

static bool versions_list_has(enum ivet_vereco cmp, const char *list, const char *v)
{
    for (const char *p = list; p && *p;) {
        size_t len = strcspn(p, "\n");
        char one[IVET_VERSION_MAX + 1];
        if (len <= IVET_VERSION_MAX) {
            memcpy(one, p, len);
            one[len] = '\0';
            int r;
            if (!strcmp(one, v) || (vcmp(cmp, one, v, &r) == 0 && r == 0))
                return true;
        }
        p += len + (p[len] == '\n');
    }
    return false;
}

static int judge(const struct ivet_match_key *k, const char *range_type, const char *events,
                 const char *versions, char **fixed, struct ivet_err *err)
{
    *fixed = NULL;
    enum ivet_vereco cmp = k->cmp;
    if (range_type && !strcmp(range_type, "SEMVER") && cmp != IVET_VERECO_GO)
        cmp = IVET_VERECO_SEMVER;
    if (range_type && !strcmp(range_type, "VERSIONS"))
        return versions_list_has(cmp, versions, k->version) ? 1 : 0;
    if (!events)
        return 0;
    char *scratch = ivet_malloc(strlen(events) + 1);
    if (!scratch)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    const char *fix = NULL;
    int r = ivet_range_affects(cmp, events, k->version, scratch, &fix);
    if (r == 1 && fix && !(*fixed = ivet_strdup(fix)))
        r = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    ivet_free(scratch);
    return r == -1 ? 2 : r;                 /* 2 = unjudged */
}

static int collect(struct ivet_vulndb *db, const struct ivet_match_key *k, struct row **rows,
                   size_t *nrows, size_t *unjudged, struct ivet_err *err)
{
    if (!db->match &&
        sqlite3_prepare_v3(db->db,
                           "SELECT a.advisory, a.source, a.range_type, a.events, a.versions,"
                           " a.status, a.severity, v.aliases, v.severity, v.cvss_score, v.summary"
                           " FROM affected a LEFT JOIN advisories v"
                           " ON v.id = a.advisory AND v.source = a.source"
                           " WHERE a.ecosystem = ?1 AND a.package = ?2",
                           -1, SQLITE_PREPARE_PERSISTENT, &db->match, NULL) != SQLITE_OK)
        return ivet_err_set(err, IVET_E_IO, "vulnerability database '%s': %s", db->path,
                            sqlite3_errmsg(db->db));
    sqlite3_stmt *st = db->match;
    sqlite3_bind_text(st, 1, k->ecosystem, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, k->name, -1, SQLITE_STATIC);
    int rc = 0, s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *status = (const char *)sqlite3_column_text(st, 5);
        struct row r = { 0 };
        if (status && !strcmp(status, "not_affected")) {
            r.affected = 0;
        } else {
            r.affected = judge(k, (const char *)sqlite3_column_text(st, 2),
                               (const char *)sqlite3_column_text(st, 3),
                               (const char *)sqlite3_column_text(st, 4), &r.fixed, err);
            if (r.affected < 0) {
                rc = r.affected;
                break;
            }
            if (r.affected == 2) {
                r.affected = -1;
                if (unjudged)
                    (*unjudged)++;
            }
        }
        r.adv = col(st, 0);
        r.source = col(st, 1);
        r.status = col(st, 5);
        r.rowsev = col(st, 6);
        r.aliases = col(st, 7);
        r.advsev = col(st, 8);
        r.score = sqlite3_column_double(st, 9);
        r.summary = col(st, 10);
        r.vendor = r.source && strcmp(r.source, "osv") != 0;
        r.key = r.adv ? row_key(r.adv, r.aliases) : NULL;
        struct row *nr = ivet_reallocarray(*rows, *nrows + 1, sizeof(**rows));
        if (!r.adv || !r.source || !r.key || !nr) {
            if (nr)
                *rows = nr;
            row_release(&r);
            rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
            break;
        }
        *rows = nr;
        (*rows)[(*nrows)++] = r;
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = ivet_err_set(err, IVET_E_IO, "vulnerability database '%s': %s", db->path,
                          sqlite3_errmsg(db->db));
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

static int row_cmp(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    return strcmp(x->source, y->source);
}

/* Severity and score from any source that rates this vulnerability. */
static void rating_fallback(struct ivet_vulndb *db, const char *id, char **sev, double *score)
{
    if (!db->sev &&
        sqlite3_prepare_v3(db->db,
                           "SELECT severity, cvss_score FROM advisories WHERE id = ?1"
                           " AND (severity IS NOT NULL OR cvss_score IS NOT NULL)"
                           " ORDER BY severity IS NULL, source LIMIT 1",
                           -1, SQLITE_PREPARE_PERSISTENT, &db->sev, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(db->sev, 1, id, -1, SQLITE_STATIC);
    if (sqlite3_step(db->sev) == SQLITE_ROW) {
        if (!*sev)
            *sev = col(db->sev, 0);
        if (*score <= 0)
            *score = sqlite3_column_double(db->sev, 1);
    }
    sqlite3_reset(db->sev);
    sqlite3_clear_bindings(db->sev);
}

/* The row's advisory ID and aliases, minus the ID reported; NULL when none. */
static char *other_ids(const struct row *r)
{
    struct ivet_buf b;
    struct ivet_err e = IVET_ERR_INIT;
    ivet_buf_init(&b, 1 << 16);
    if (strcmp(r->adv, r->key) != 0)
        ivet_buf_puts(&b, r->adv, &e);
    for (const char *a = r->aliases; a && *a;) {
        size_t l = strcspn(a, ",");
        if (!(l == strlen(r->key) && !memcmp(a, r->key, l)) &&
            !(l == strlen(r->adv) && !memcmp(a, r->adv, l)))
            ivet_buf_printf(&b, &e, "%s%.*s", b.len ? "," : "", (int)l, a);
        a += l + (a[l] == ',');
    }
    ivet_err_release(&e);
    if (!b.len) {
        ivet_buf_release(&b);
        return NULL;
    }
    return ivet_buf_detach(&b);
}

static int emit(struct ivet_vulndb *db, struct row *g, size_t n, struct ivet_match **out,
                size_t *nout, struct ivet_err *err)
{
    bool vendor = false;
    for (size_t i = 0; i < n; i++)
        vendor = vendor || g[i].vendor;
    struct row *pick = NULL;
    for (size_t i = 0; i < n; i++) {
        if (g[i].vendor != vendor || g[i].affected != 1)
            continue;
        /* prefer a row that names a fix */
        if (!pick || (!pick->fixed && g[i].fixed))
            pick = &g[i];
    }
    if (!pick)
        return 0;
    struct ivet_match m = { 0 };
    m.id = ivet_strdup(pick->key);
    m.fixed = pick->fixed ? ivet_strdup(pick->fixed) : NULL;
    m.status = ivet_strdup(pick->fixed ? "fixed" : (pick->status ? pick->status : "affected"));
    m.source = ivet_strdup(pick->source);
    m.summary = pick->summary ? ivet_strdup(pick->summary) : NULL;
    m.aliases = other_ids(pick);
    const char *sev = pick->rowsev ? pick->rowsev : pick->advsev;
    m.severity = sev ? ivet_strdup(sev) : NULL;
    m.cvss = pick->score;
    if (!m.severity || m.cvss <= 0)
        rating_fallback(db, pick->key, &m.severity, &m.cvss);
    if (!m.severity && m.cvss > 0)
        m.severity = ivet_strdup(ivet_cvss_severity(m.cvss));
    struct ivet_match *no = ivet_reallocarray(*out, *nout + 1, sizeof(**out));
    if (!m.id || !m.status || !m.source || !no) {
        if (no)
            *out = no;
        ivet_free(m.id);
        ivet_free(m.fixed);
        ivet_free(m.status);
        ivet_free(m.source);
        ivet_free(m.summary);
        ivet_free(m.aliases);
        ivet_free(m.severity);
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    }
    *out = no;
    (*out)[(*nout)++] = m;
    return 0;
}

int ivet_vulndb_match(struct ivet_vulndb *db, const struct ivet_match_key *k,
                      struct ivet_match **out, size_t *n, size_t *unjudged, struct ivet_err *err)
{
    struct row *rows = NULL;
    size_t nrows = 0;
    *out = NULL;
    *n = 0;
    int rc = collect(db, k, &rows, &nrows, unjudged, err);
    if (rc == 0 && nrows > 1)
        qsort(rows, nrows, sizeof(*rows), row_cmp);
    for (size_t i = 0; rc == 0 && i < nrows;) {
        size_t j = i + 1;
        while (j < nrows && !strcmp(rows[j].key, rows[i].key))
            j++;
        rc = emit(db, rows + i, j - i, out, n, err);
        i = j;
    }
    for (size_t i = 0; i < nrows; i++)
        row_release(&rows[i]);
    ivet_free(rows);
    if (rc < 0) {
        ivet_matches_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

void ivet_matches_free(struct ivet_match *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ivet_free(m[i].id);
        ivet_free(m[i].aliases);
        ivet_free(m[i].fixed);
        ivet_free(m[i].status);
        ivet_free(m[i].severity);
        ivet_free(m[i].source);
        ivet_free(m[i].summary);
    }
    ivet_free(m);
}
