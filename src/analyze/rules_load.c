/* rules_load.c: parses rule files (format in docs/internals/rules.md) and
 * indicator lists into a ruleset. Compiling and scanning live in rules.c. */
#include "analyze/rules_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <hs.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINE 8192           /* bytes of one rule-file line */
#define MAX_RULES 20000
#define MAX_LIST_BYTES (8u << 20)
#define MAX_PATTERNS 200000     /* expressions over all rules */

static const char *const categories[] = {
    "publisher", "name", "provenance", "contents", "secrets", "config", "popularity", "base",
    "vulnerabilities",
};

struct ivet_ruleset *ivet_rules_new(struct ivet_err *err)
{
    struct ivet_ruleset *rs = ivet_calloc(1, sizeof(*rs));
    if (!rs)
        ivet_err_set(err, IVET_E_NOMEM, "out of memory loading rules");
    return rs;
}

static void rule_release(struct ivet_rule *r)
{
    ivet_free((char *)r->check.id);
    ivet_free((char *)r->check.category);
    ivet_free((char *)r->check.title);
    ivet_free((char *)r->check.remediation);
    ivet_free(r->source);
    ivet_free(r->paths);
    ivet_free(r->not_paths);
    for (size_t i = 0; i < r->npatterns; i++)
        ivet_free(r->patterns[i]);
    ivet_free(r->patterns);
    for (size_t i = 0; i < r->nliterals; i++)
        ivet_free(r->literals[i]);
    ivet_free(r->literals);
    ivet_free(r->file);
}

void ivet_rules_free(struct ivet_ruleset *rs)
{
    if (!rs)
        return;
    ivet_rules_uncompile(rs);
    for (size_t i = 0; i < rs->n; i++)
        rule_release(&rs->rules[i]);
    ivet_free(rs->rules);
    ivet_free(rs->cache_dir);
    ivet_free(rs);
}

size_t ivet_rules_count(const struct ivet_ruleset *rs)
{
    return rs->n;
}

const struct ivet_rule *ivet_rules_at(const struct ivet_ruleset *rs, size_t i)
{
    return i < rs->n ? &rs->rules[i] : NULL;
}

/* Parser state for one file. */
struct parser {
    struct ivet_ruleset *rs;
    const char *name, *listdir;
    unsigned line;
    struct ivet_rule *cur;      /* rule being filled, or NULL before the first [ID] */
    bool have_binary;           /* cur has a `binary` key */
    struct ivet_err *err;
};

static int perr(struct parser *ps, const char *fmt, ...) IVET_PRINTF(2, 3);
static int perr(struct parser *ps, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ivet_err_set(ps->err, IVET_E_FORMAT, "%s", msg);
    return ivet_err_wrap(ps->err, "rules '%s' line %u", ps->name, ps->line);
}

static int add_pattern(struct parser *ps, char *expr)
{
    struct ivet_rule *r = ps->cur;
    if (!expr)
        return ivet_err_set(ps->err, IVET_E_NOMEM, "out of memory loading rules");
    if (ps->rs->npatterns_total >= MAX_PATTERNS) {
        ivet_free(expr);
        return perr(ps, "more than %s patterns", "200000");
    }
    char **v = ivet_reallocarray(r->patterns, r->npatterns + 1, sizeof(*v));
    if (!v) {
        ivet_free(expr);
        return ivet_err_set(ps->err, IVET_E_NOMEM, "out of memory loading rules");
    }
    r->patterns = v;
    r->patterns[r->npatterns++] = expr;
    ps->rs->npatterns_total++;
    return 0;
}

/* A literal as a Vectorscan expression: everything but [A-Za-z0-9] escaped. */
char *ivet_rules_escape_literal(const char *s, size_t n)
{
    char *out = ivet_malloc(n * 4 + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            *o++ = (char)c;
        } else {
            static const char hex[] = "0123456789abcdef";
            *o++ = '\\', *o++ = 'x', *o++ = hex[c >> 4], *o++ = hex[c & 15];
        }
    }
    *o = 0;
    return out;
}

static bool list_name_ok(const char *s)
{
    if (!*s || s[0] == '.')
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_' || *s == '.'))
            return false;
    return true;
}

/* A literal: its escaped expression plus its raw text, which gives the
 * start of a match without a second scan. */
static int add_literal(struct parser *ps, const char *s, size_t n)
{
    struct ivet_rule *r = ps->cur;
    char **v = ivet_reallocarray(r->literals, r->nliterals + 1, sizeof(*v));
    if (!v)
        return ivet_err_set(ps->err, IVET_E_NOMEM, "out of memory loading rules");
    r->literals = v;
    if (!(r->literals[r->nliterals] = ivet_strndup(s, n)))
        return ivet_err_set(ps->err, IVET_E_NOMEM, "out of memory loading rules");
    r->nliterals++;
    return add_pattern(ps, ivet_rules_escape_literal(s, n));
}

/* `list = NAME`: every non-empty, non-comment line of NAME is a literal. */
static int add_list(struct parser *ps, const char *name)
{
    if (!ps->listdir)
        return perr(ps, "list '%s' not allowed here", name);
    if (!list_name_ok(name))
        return perr(ps, "bad list name '%s'", name);
    char *path = ivet_asprintf("%s/%s", ps->listdir, name), *text = NULL;
    size_t len = 0;
    struct ivet_istream *s = path ? ivet_istream_open_file(path, ps->err) : NULL;
    if (!path)
        ivet_err_set(ps->err, IVET_E_NOMEM, "out of memory loading rules");
    int rc = s ? ivet_istream_slurp(s, MAX_LIST_BYTES, &text, &len, ps->err) : -(int)ps->err->code;
    if (s)
        ivet_istream_close(s);
    ivet_free(path);
    if (rc < 0)
        return ivet_err_wrap(ps->err, "rules '%s' line %u", ps->name, ps->line);
    char *p = text, *end = text + len;
    while (rc == 0 && p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *e = nl ? nl : end, *b = p;
        p = nl ? nl + 1 : end;
        while (b < e && (*b == ' ' || *b == '\t'))
            b++;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
            e--;
        if (b == e || *b == '#')
            continue;
        rc = add_literal(ps, b, (size_t)(e - b));
    }
    ivet_free(text);
    return rc;
}

static int parse_flags(struct parser *ps, const char *v)
{
    static const struct { const char *name; unsigned flag; } tab[] = {
        { "caseless", HS_FLAG_CASELESS }, { "dotall", HS_FLAG_DOTALL },
        { "multiline", HS_FLAG_MULTILINE }, { "utf8", HS_FLAG_UTF8 },
    };
    char buf[256];
    size_t n = strlen(v);
    if (n >= sizeof(buf))
        return perr(ps, "flags too long: '%s'", v);
    memcpy(buf, v, n + 1);
    for (char *save = NULL, *t = strtok_r(buf, " ,\t", &save); t; t = strtok_r(NULL, " ,\t", &save)) {
        size_t i;
        for (i = 0; i < IVET_ARRAY_LEN(tab); i++)
            if (strcmp(t, tab[i].name) == 0)
                break;
        if (i == IVET_ARRAY_LEN(tab))
            return perr(ps, "unknown flag '%s'", t);
        ps->cur->flags |= tab[i].flag;
    }
    return 0;
}

static int parse_validate(struct parser *ps, const char *v)
{
    char name[64];
    const char *ge = strstr(v, ">=");
    size_t n = ge ? (size_t)(ge - v) : strlen(v);
    if (n >= sizeof(name))
        return perr(ps, "unknown validator '%s'", v);
    memcpy(name, v, n);
    name[n] = 0;
    ps->cur->validator = ivet_rule_validator_find(name);
    if (!ps->cur->validator)
        return perr(ps, "unknown validator '%s'", v);
    if (ge) {
        char *end = NULL;
        errno = 0;
        double d = strtod(ge + 2, &end);
        if (errno || end == ge + 2 || *end || d < 0 || d > 1e6)
            return perr(ps, "bad validator parameter in '%s'", v);
        ps->cur->vparam = d;
    }
    return 0;
}

static int set_str(struct parser *ps, char **dst, const char *key, const char *v)
{
    if (*dst)
        return perr(ps, "duplicate key '%s'", key);
    if (!(*dst = ivet_strdup(v)))
        return ivet_err_set(ps->err, IVET_E_NOMEM, "out of memory loading rules");
    return 0;
}

static int set_cstr(struct parser *ps, const char **dst, const char *key, const char *v)
{
    char *tmp = (char *)*dst;
    int rc = set_str(ps, &tmp, key, v);
    *dst = tmp;
    return rc;
}

static int rule_key(struct parser *ps, const char *k, const char *v)
{
    struct ivet_rule *r = ps->cur;
    if (!*v)
        return perr(ps, "empty value for '%s'", k);
    if (strcmp(k, "pattern") == 0)
        return add_pattern(ps, ivet_strdup(v));
    if (strcmp(k, "literal") == 0)
        return add_literal(ps, v, strlen(v));
    if (strcmp(k, "list") == 0)
        return add_list(ps, v);
    if (strcmp(k, "flags") == 0)
        return parse_flags(ps, v);
    if (strcmp(k, "validate") == 0)
        return parse_validate(ps, v);
    if (strcmp(k, "severity") == 0) {
        int s = ivet_severity_parse(v);
        if (s < 0)
            return perr(ps, "unknown severity '%s'", v);
        r->check.severity = (enum ivet_severity)s;
        r->have_severity = true;
        return 0;
    }
    if (strcmp(k, "keep") == 0) {
        uint64_t n;
        if (!ivet_parse_u64(v, &n) || n > 4)
            return perr(ps, "keep must be 0 to 4, not '%s'", v);
        r->keep = (int)n;
        return 0;
    }
    if (strcmp(k, "category") == 0) {
        for (size_t i = 0; i < IVET_ARRAY_LEN(categories); i++)
            if (strcmp(v, categories[i]) == 0)
                return set_cstr(ps, &r->check.category, k, v);
        return perr(ps, "unknown category '%s'", v);
    }
    if (strcmp(k, "title") == 0)
        return set_cstr(ps, &r->check.title, k, v);
    if (strcmp(k, "remediation") == 0)
        return set_cstr(ps, &r->check.remediation, k, v);
    if (strcmp(k, "source") == 0)
        return set_str(ps, &r->source, k, v);
    if (strcmp(k, "paths") == 0)
        return set_str(ps, &r->paths, k, v);
    if (strcmp(k, "not_paths") == 0)
        return set_str(ps, &r->not_paths, k, v);
    if (strcmp(k, "binary") == 0) {
        if (ps->have_binary)
            return perr(ps, "duplicate key '%s'", k);
        if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
            return perr(ps, "binary must be 'yes' or 'no', not '%s'", v);
        r->binary = strcmp(v, "yes") == 0;
        ps->have_binary = true;
        return 0;
    }
    return perr(ps, "unknown key '%s'", k);
}

/* Checks the rule just finished: required keys, defaults. */
static int rule_finish(struct parser *ps)
{
    struct ivet_rule *r = ps->cur;
    unsigned save = ps->line;
    if (!r)
        return 0;
    ps->line = r->line;
    int rc = 0;
    if (!r->have_severity)
        rc = perr(ps, "rule '%s' has no severity", r->check.id);
    else if (!r->check.title)
        rc = perr(ps, "rule '%s' has no title", r->check.id);
    else if (r->npatterns == 0 && !r->paths)
        rc = perr(ps, "rule '%s' has neither pattern nor paths", r->check.id);
    else if (r->npatterns == 0 && r->validator)
        rc = perr(ps, "rule '%s' validates but has no pattern", r->check.id);
    else if (!r->check.category && !(r->check.category = ivet_strdup("contents")))
        rc = ivet_err_set(ps->err, IVET_E_NOMEM, "out of memory loading rules");
    else if (!r->check.remediation && !(r->check.remediation = ivet_strdup("")))
        rc = ivet_err_set(ps->err, IVET_E_NOMEM, "out of memory loading rules");
    r->path_only = r->npatterns == 0;
    ps->line = save;
    ps->cur = NULL;
    return rc;
}

static bool id_ok(const char *s, size_t n)
{
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
              s[i] == '_' || s[i] == '.'))
            return false;
    return true;
}

static int rule_start(struct parser *ps, const char *id, size_t n)
{
    struct ivet_ruleset *rs = ps->rs;
    char idbuf[65];
    if (!id_ok(id, n)) {
        char *shown = ivet_sanitize(id, n, 64);
        int rc = perr(ps, "bad rule id '%s'", shown ? shown : "?");
        ivet_free(shown);
        return rc;
    }
    memcpy(idbuf, id, n);
    idbuf[n] = 0;
    for (size_t i = 0; i < rs->n; i++)
        if (strcmp(rs->rules[i].check.id, idbuf) == 0)
            return perr(ps, "duplicate rule id '%s'", idbuf);
    if (rs->n >= MAX_RULES)
        return perr(ps, "more than %s rules", "20000");
    if (rs->n == rs->cap) {
        size_t nc = rs->cap ? rs->cap * 2 : 32;
        struct ivet_rule *v = ivet_reallocarray(rs->rules, nc, sizeof(*v));
        if (!v)
            return ivet_err_set(ps->err, IVET_E_NOMEM, "out of memory loading rules");
        rs->rules = v;
        rs->cap = nc;
    }
    struct ivet_rule *r = &rs->rules[rs->n];
    memset(r, 0, sizeof(*r));
    r->keep = -1;
    r->line = ps->line;
    r->check.id = ivet_strdup(idbuf);
    r->file = ivet_strdup(ps->name);
    rs->n++;
    ps->cur = r;
    ps->have_binary = false;
    if (!r->check.id || !r->file)
        return ivet_err_set(ps->err, IVET_E_NOMEM, "out of memory loading rules");
    return 0;
}

static int parse_line(struct parser *ps, char *b, char *e)
{
    while (b < e && (*b == ' ' || *b == '\t'))
        b++;
    while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        e--;
    if (b == e || *b == '#')
        return 0;
    if ((size_t)(e - b) > MAX_LINE)
        return perr(ps, "line longer than %s bytes", "8192");
    if (*b == '[') {
        if (e[-1] != ']' || e - b < 3)
            return perr(ps, "unterminated rule header%s", "");
        int rc = rule_finish(ps);
        return rc < 0 ? rc : rule_start(ps, b + 1, (size_t)(e - b - 2));
    }
    if (!ps->cur)
        return perr(ps, "key outside a rule%s", "");
    char *eq = memchr(b, '=', (size_t)(e - b));
    if (!eq)
        return perr(ps, "expected 'key = value'%s", "");
    if (memchr(b, 0, (size_t)(e - b)))
        return perr(ps, "NUL byte in line%s", "");
    char *ke = eq, *v = eq + 1;
    while (ke > b && (ke[-1] == ' ' || ke[-1] == '\t'))
        ke--;
    while (v < e && (*v == ' ' || *v == '\t'))
        v++;
    *ke = 0;
    *e = 0;
    return rule_key(ps, b, v);
}

int ivet_rules_parse(struct ivet_ruleset *rs, const char *text, size_t len, const char *name,
                     const char *listdir, struct ivet_err *err)
{
    if (rs->compiled)
        return ivet_err_set(err, IVET_E_INTERNAL, "rules already compiled");
    struct parser ps = { .rs = rs, .name = name, .listdir = listdir, .err = err };
    char *copy = ivet_malloc(len + 1);
    if (!copy)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory loading rules");
    memcpy(copy, text, len);
    copy[len] = 0;
    int rc = 0;
    char *p = copy, *end = copy + len;
    while (rc == 0 && p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *e = nl ? nl : end;
        ps.line++;
        rc = parse_line(&ps, p, e);
        p = nl ? nl + 1 : end;
    }
    if (rc == 0)
        rc = rule_finish(&ps);
    ivet_free(copy);
    return rc;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_file(struct ivet_ruleset *rs, const char *dir, const char *name, struct ivet_err *err)
{
    char *path = ivet_asprintf("%s/%s", dir, name), *text = NULL;
    size_t len = 0;
    if (!path)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory loading rules");
    struct ivet_istream *s = ivet_istream_open_file(path, err);
    int rc = s ? ivet_istream_slurp(s, MAX_LIST_BYTES, &text, &len, err) : -(int)err->code;
    if (s)
        ivet_istream_close(s);
    if (rc == 0)
        rc = ivet_rules_parse(rs, text, len, name, dir, err);
    ivet_free(text);
    ivet_free(path);
    return rc;
}

int ivet_rules_load(const char *dir, const char *cache_dir, struct ivet_ruleset **out,
                    struct ivet_err *err)
{
    *out = NULL;
    DIR *d = opendir(dir);
    if (!d)
        return ivet_err_sys(err, IVET_E_IO, "cannot open rules directory '%s'", dir);
    char **names = NULL;
    size_t n = 0;
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(d))) {
        if (de->d_name[0] == '.' || !ivet_endswith(de->d_name, ".rules"))
            continue;
        char **v = ivet_reallocarray(names, n + 1, sizeof(*v));
        if (!v || !(v[n] = ivet_strdup(de->d_name))) {
            if (v)
                names = v;
            rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory loading rules");
            break;
        }
        names = v;
        n++;
    }
    closedir(d);
    if (names)
        qsort(names, n, sizeof(*names), name_cmp);
    struct ivet_ruleset *rs = rc == 0 ? ivet_rules_new(err) : NULL;
    if (!rs && rc == 0)
        rc = -IVET_E_NOMEM;
    if (rc == 0 && cache_dir && !(rs->cache_dir = ivet_strdup(cache_dir)))
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory loading rules");
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = load_file(rs, dir, names[i], err);
    if (rc == 0)
        rc = ivet_rules_compile(rs, err);
    for (size_t i = 0; i < n; i++)
        ivet_free(names[i]);
    ivet_free(names);
    if (rc < 0) {
        ivet_rules_free(rs);
        return rc;
    }
    *out = rs;
    return 0;
}
