/* vulns_ignore.c: the .imagevetignore file: vulnerability IDs to leave out
 * of the report, each optionally limited to a package and to a date. */
#include "analyze/vulns.h"

#include <string.h>

#define MAX_IGNORE_FILE (4u << 20)

static bool valid_date(const char *d)
{
    static const char shape[] = "dddd-dd-dd";
    if (strlen(d) != 10)
        return false;
    for (int i = 0; i < 10; i++)
        if (shape[i] == 'd' ? (d[i] < '0' || d[i] > '9') : d[i] != '-')
            return false;
    int m = (d[5] - '0') * 10 + (d[6] - '0'), day = (d[8] - '0') * 10 + (d[9] - '0');
    return m >= 1 && m <= 12 && day >= 1 && day <= 31;
}

static int add_rule(struct ivet_ignore *ig, char *line, unsigned lineno, const char *what,
                    struct ivet_err *err)
{
    struct ivet_ignore_rule r = { .line = lineno };
    char *save = NULL;
    for (char *tok = strtok_r(line, " \t\r", &save); tok; tok = strtok_r(NULL, " \t\r", &save)) {
        if (!r.id) {
            r.id = tok;
        } else if (ivet_startswith(tok, "exp:")) {
            if (!valid_date(tok + 4))
                return ivet_err_set(err, IVET_E_FORMAT,
                                    "'%s' line %u: expiry '%s' is not exp:YYYY-MM-DD", what,
                                    lineno, tok);
            memcpy(r.exp, tok + 4, 11);
        } else if (ivet_startswith(tok, "pkg:") && tok[4]) {
            r.pkg = tok + 4;
        } else {
            return ivet_err_set(err, IVET_E_FORMAT,
                                "'%s' line %u: unknown '%s' (expected exp:YYYY-MM-DD or pkg:NAME)",
                                what, lineno, tok);
        }
    }
    if (!r.id)
        return 0;
    struct ivet_ignore_rule *nv = ivet_reallocarray(ig->v, ig->n + 1, sizeof(*nv));
    if (!nv)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    ig->v = nv;
    r.id = ivet_strdup(r.id);
    r.pkg = r.pkg ? ivet_strdup(r.pkg) : NULL;
    ig->v[ig->n++] = r;
    if (!r.id)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    return 0;
}

int ivet_ignore_parse(struct ivet_ignore *ig, const char *text, size_t len, const char *what,
                      struct ivet_err *err)
{
    unsigned lineno = 0;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        lineno++;
        if (memchr(p, '\0', n))
            return ivet_err_set(err, IVET_E_FORMAT, "'%s' line %u: NUL byte", what, lineno);
        char *line = ivet_strndup(p, n);
        if (!line)
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        int rc = add_rule(ig, line, lineno, what, err);
        ivet_free(line);
        if (rc < 0)
            return rc;
        p += n + (nl != NULL);
    }
    return 0;
}

int ivet_ignore_load(struct ivet_ignore *ig, const char *path, struct ivet_err *err)
{
    char *text = NULL;
    size_t len = 0;
    struct ivet_istream *s = ivet_istream_open_file(path, err);
    if (!s)
        return -err->code;
    int rc = ivet_istream_slurp(s, MAX_IGNORE_FILE, &text, &len, err);
    ivet_istream_close(s);
    if (rc == 0)
        rc = ivet_ignore_parse(ig, text, len, path, err);
    ivet_free(text);
    return rc;
}

void ivet_ignore_release(struct ivet_ignore *ig)
{
    for (size_t i = 0; i < ig->n; i++) {
        ivet_free(ig->v[i].id);
        ivet_free(ig->v[i].pkg);
    }
    ivet_free(ig->v);
    ig->v = NULL;
    ig->n = 0;
}

static bool names(const char *id, const char *aliases, const char *want)
{
    if (!strcmp(id, want))
        return true;
    size_t wl = strlen(want);
    for (const char *a = aliases; a && *a;) {
        size_t l = strcspn(a, ",");
        if (l == wl && !memcmp(a, want, l))
            return true;
        a += l + (a[l] == ',');
    }
    return false;
}

const struct ivet_ignore_rule *ivet_ignore_find(const struct ivet_ignore *ig, const char *id,
                                                const char *aliases, const char *pkg,
                                                const char *today,
                                                const struct ivet_ignore_rule **expired)
{
    if (expired)
        *expired = NULL;
    for (size_t i = 0; ig && i < ig->n; i++) {
        const struct ivet_ignore_rule *r = &ig->v[i];
        if (!names(id, aliases, r->id) || (r->pkg && (!pkg || strcmp(r->pkg, pkg) != 0)))
            continue;
        if (r->exp[0] && strcmp(today, r->exp) > 0) {
            if (expired)
                *expired = r;
            continue;
        }
        return r;
    }
    return NULL;
}
