/* policy_file.c: the YAML policy file. libyaml's event parser builds a small
 * bounded tree (no aliases, depth and node caps), then the schema walk below
 * fills struct ivet_policy, rejecting anything it does not know. */
#include "policy/policy_file.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "analyze/vulns.h"
#include "imagevet/scan.h"

enum ykind { Y_SCALAR, Y_MAP, Y_SEQ };

struct ynode {
    enum ykind kind;
    char *text;                 /* scalars */
    bool quoted;                /* a quoted scalar is never null */
    unsigned line, col;         /* 1-based */
    struct ynode *kids;         /* maps: key, value, key, value, ... */
    size_t n, cap;
};

struct yparse {
    const char *what;
    struct ivet_err *err;
    size_t nodes;
};

static void ynode_release(struct ynode *n)
{
    for (size_t i = 0; i < n->n; i++)
        ynode_release(&n->kids[i]);
    ivet_free(n->kids);
    ivet_free(n->text);
}

IVET_PRINTF(5, 6)
static int perr(const char *what, struct ivet_err *err, int code, const struct ynode *at,
                const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (at)
        return ivet_err_set(err, code, "'%s' line %u column %u: %s", what, at->line, at->col, msg);
    return ivet_err_set(err, code, "'%s': %s", what, msg);
}

static struct ynode *add_kid(struct ynode *parent, struct yparse *y)
{
    if (parent->n == parent->cap) {
        size_t cap = parent->cap ? parent->cap * 2 : 8;
        struct ynode *k = ivet_reallocarray(parent->kids, cap, sizeof(*k));
        if (!k) {
            ivet_err_set(y->err, IVET_E_NOMEM, "out of memory reading '%s'", y->what);
            return NULL;
        }
        parent->kids = k;
        parent->cap = cap;
    }
    struct ynode *n = &parent->kids[parent->n++];
    memset(n, 0, sizeof(*n));
    return n;
}

/* Fills `n` from the events following its start event `ev` (already read). */
static int build(yaml_parser_t *ps, const yaml_event_t *ev, struct ynode *n, unsigned depth,
                 struct yparse *y)
{
    n->line = (unsigned)ev->start_mark.line + 1;
    n->col = (unsigned)ev->start_mark.column + 1;
    if (++y->nodes > IVET_POLICY_MAX_NODES)
        return perr(y->what, y->err, IVET_E_LIMIT, n, "more than %u nodes",
                    IVET_POLICY_MAX_NODES);
    switch (ev->type) {
    case YAML_ALIAS_EVENT:
        return perr(y->what, y->err, IVET_E_FORMAT, n, "aliases are not allowed in a policy");
    case YAML_SCALAR_EVENT:
        n->kind = Y_SCALAR;
        if (memchr(ev->data.scalar.value, '\0', ev->data.scalar.length))
            return perr(y->what, y->err, IVET_E_FORMAT, n, "NUL byte in a value");
        n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
        if (!(n->text = ivet_strndup((const char *)ev->data.scalar.value, ev->data.scalar.length)))
            return ivet_err_set(y->err, IVET_E_NOMEM, "out of memory reading '%s'", y->what);
        return 0;
    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT:
        break;
    default:
        return perr(y->what, y->err, IVET_E_FORMAT, n, "unexpected YAML event");
    }
    n->kind = ev->type == YAML_MAPPING_START_EVENT ? Y_MAP : Y_SEQ;
    if (depth >= IVET_POLICY_MAX_DEPTH)
        return perr(y->what, y->err, IVET_E_LIMIT, n, "nested deeper than %u levels",
                    IVET_POLICY_MAX_DEPTH);
    yaml_event_type_t end = n->kind == Y_MAP ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
    for (;;) {
        yaml_event_t e;
        if (!yaml_parser_parse(ps, &e)) {
            struct ynode at = { .line = (unsigned)ps->problem_mark.line + 1,
                                .col = (unsigned)ps->problem_mark.column + 1 };
            return perr(y->what, y->err, IVET_E_FORMAT, &at, "%s",
                        ps->problem ? ps->problem : "invalid YAML");
        }
        if (e.type == end) {
            yaml_event_delete(&e);
            return 0;
        }
        struct ynode *k = add_kid(n, y);
        int rc = k ? build(ps, &e, k, depth + 1, y) : -IVET_E_NOMEM;
        yaml_event_delete(&e);
        if (rc < 0)
            return rc;
    }
}

/* Parses the whole stream into `root` (an empty document gives an empty map). */
static int load_tree(const char *text, size_t len, struct ynode *root, struct yparse *y)
{
    yaml_parser_t ps;
    if (!yaml_parser_initialize(&ps))
        return ivet_err_set(y->err, IVET_E_NOMEM, "out of memory reading '%s'", y->what);
    yaml_parser_set_input_string(&ps, (const unsigned char *)text, len);
    int rc = 0, docs = 0;
    bool have_root = false;
    for (;;) {
        yaml_event_t e;
        if (!yaml_parser_parse(&ps, &e)) {
            struct ynode at = { .line = (unsigned)ps.problem_mark.line + 1,
                                .col = (unsigned)ps.problem_mark.column + 1 };
            rc = perr(y->what, y->err, IVET_E_FORMAT, &at, "%s",
                      ps.problem ? ps.problem : "invalid YAML");
            break;
        }
        yaml_event_type_t t = e.type;
        if (t == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
            struct ynode at = { .line = (unsigned)e.start_mark.line + 1,
                                .col = (unsigned)e.start_mark.column + 1 };
            rc = perr(y->what, y->err, IVET_E_FORMAT, &at, "more than one YAML document");
        } else if (t == YAML_SCALAR_EVENT || t == YAML_MAPPING_START_EVENT ||
                   t == YAML_SEQUENCE_START_EVENT || t == YAML_ALIAS_EVENT) {
            have_root = true;
            rc = build(&ps, &e, root, 0, y);
        }
        yaml_event_delete(&e);
        if (rc < 0 || t == YAML_STREAM_END_EVENT)
            break;
    }
    yaml_parser_delete(&ps);
    /* "---" alone is a document holding one null */
    if (rc == 0 && have_root && root->kind == Y_SCALAR && !root->quoted &&
        (!root->text[0] || !strcmp(root->text, "~") || !strcmp(root->text, "null"))) {
        ynode_release(root);
        memset(root, 0, sizeof(*root));
        have_root = false;
    }
    if (rc == 0 && !have_root) {
        root->kind = Y_MAP;
        root->line = root->col = 1;
    }
    return rc;
}

/* ---- schema */

static const char *kind_name(enum ykind k)
{
    return k == Y_MAP ? "a mapping" : k == Y_SEQ ? "a list" : "a value";
}

static int want(const struct ynode *n, enum ykind k, const char *key, struct yparse *y)
{
    if (n->kind == k)
        return 0;
    return perr(y->what, y->err, IVET_E_FORMAT, n, "'%s' must be %s, not %s", key, kind_name(k),
                kind_name(n->kind));
}

/* A non-empty scalar of printable ASCII without spaces (IDs, names, dates). */
static int word(const struct ynode *n, const char *key, struct yparse *y)
{
    int rc = want(n, Y_SCALAR, key, y);
    if (rc < 0)
        return rc;
    if (!n->text[0] || (!n->quoted && !strcmp(n->text, "~")) ||
        (!n->quoted && !strcmp(n->text, "null")))
        return perr(y->what, y->err, IVET_E_FORMAT, n, "'%s' is empty", key);
    if (strlen(n->text) > 512)
        return perr(y->what, y->err, IVET_E_FORMAT, n, "'%s' is longer than 512 bytes", key);
    for (const char *p = n->text; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
            return perr(y->what, y->err, IVET_E_FORMAT, n,
                        "'%s' has a space or a character that is not printable ASCII", key);
    return 0;
}

static int dup_into(char **dst, const char *s, struct yparse *y)
{
    if (!(*dst = ivet_strdup(s)))
        return ivet_err_set(y->err, IVET_E_NOMEM, "out of memory reading '%s'", y->what);
    return 0;
}

/* Walks a mapping, calling fn for each key; unknown and duplicate keys are errors. */
typedef int (*key_fn)(struct ivet_policy *p, const char *key, const struct ynode *k,
                      const struct ynode *v, void *arg, struct yparse *y);

static int each_key(struct ivet_policy *p, const struct ynode *map, const char *name,
                    const char *const *keys, key_fn fn, void *arg, struct yparse *y)
{
    int rc = want(map, Y_MAP, name, y);
    for (size_t i = 0; rc == 0 && i + 1 < map->n; i += 2) {
        const struct ynode *k = &map->kids[i], *v = &map->kids[i + 1];
        if (k->kind != Y_SCALAR)
            return perr(y->what, y->err, IVET_E_FORMAT, k, "keys of '%s' must be plain values", name);
        for (size_t j = 0; j < i; j += 2)
            if (!strcmp(map->kids[j].text, k->text))
                return perr(y->what, y->err, IVET_E_FORMAT, k, "duplicate key '%s' (first on line %u)",
                            k->text, map->kids[j].line);
        bool known = !keys;
        for (size_t j = 0; keys && keys[j]; j++)
            known |= !strcmp(keys[j], k->text);
        if (!known)
            return perr(y->what, y->err, IVET_E_FORMAT, k, "unknown key '%s' in '%s'", k->text, name);
        rc = fn(p, k->text, k, v, arg, y);
    }
    return rc;
}

static int severity_of(const struct ynode *n, const char *key, bool allow_none, int *out,
                       struct yparse *y)
{
    int rc = word(n, key, y);
    if (rc < 0)
        return rc;
    if (allow_none && !strcmp(n->text, "none")) {
        *out = IVET_POLICY_NEVER;
        return 0;
    }
    int s = ivet_severity_parse(n->text);
    if (s < 0)
        return perr(y->what, y->err, IVET_E_FORMAT, n,
                    "'%s': '%s' is not a severity (info, low, medium, high, critical%s)", key,
                    n->text, allow_none ? " or none" : "");
    *out = s;
    return 0;
}

int ivet_policy_add_trusted(struct ivet_policy *p, const char *name, struct ivet_err *err)
{
    for (size_t i = 0; i < p->ntrusted; i++)
        if (!strcmp(p->trusted[i], name))
            return 0;
    const char **t = ivet_reallocarray((void *)p->trusted, p->ntrusted + 2, sizeof(*t));
    if (!t)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    p->trusted = t;
    if (!(t[p->ntrusted] = ivet_strdup(name)))
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    t[++p->ntrusted] = NULL;
    return 0;
}

static int trusted_key(struct ivet_policy *p, const char *key, const struct ynode *k,
                       const struct ynode *v, void *arg, struct yparse *y)
{
    (void)k;
    (void)arg;
    int rc = want(v, Y_SEQ, key, y);
    for (size_t i = 0; rc == 0 && i < v->n; i++) {
        const struct ynode *e = &v->kids[i];
        if ((rc = word(e, key, y)) < 0)
            return rc;
        bool slash = strchr(e->text, '/') != NULL;
        if (!strcmp(key, "prefixes") && (!slash || e->text[0] == '/' || strstr(e->text, "//")))
            return perr(y->what, y->err, IVET_E_FORMAT, e,
                        "trusted prefix '%s' is not registry/namespace", e->text);
        if (strcmp(key, "prefixes") != 0 && slash)
            return perr(y->what, y->err, IVET_E_FORMAT, e,
                        "trusted %s '%s' has a '/' (put registry/namespace under 'prefixes')",
                        !strcmp(key, "namespaces") ? "namespace" : "registry", e->text);
        if (!strcmp(key, "namespaces") && (strchr(e->text, '.') || strchr(e->text, ':')))
            return perr(y->what, y->err, IVET_E_FORMAT, e,
                        "trusted namespace '%s' looks like a host (put it under 'registries')",
                        e->text);
        rc = ivet_policy_add_trusted(p, e->text, y->err);
    }
    return rc;
}

static int severity_key(struct ivet_policy *p, const char *key, const struct ynode *k,
                        const struct ynode *v, void *arg, struct yparse *y)
{
    (void)arg;
    int s, rc = word(k, "severity", y);
    if (rc < 0 || (rc = severity_of(v, key, false, &s, y)) < 0)
        return rc;
    struct ivet_policy_severity *nv = ivet_reallocarray(p->sev, p->nsev + 1, sizeof(*nv));
    if (!nv)
        return ivet_err_set(y->err, IVET_E_NOMEM, "out of memory reading '%s'", y->what);
    p->sev = nv;
    nv[p->nsev] = (struct ivet_policy_severity){ .severity = (enum ivet_severity)s, .line = k->line };
    if ((rc = dup_into(&nv[p->nsev].id, key, y)) < 0)
        return rc;
    p->nsev++;
    return 0;
}

static int rule_key(struct ivet_policy *p, const char *key, const struct ynode *k,
                    const struct ynode *v, void *arg, struct yparse *y)
{
    (void)p;
    (void)k;
    struct ivet_policy_rule *r = arg;
    int rc;
    if (!strcmp(key, "reason")) {
        if ((rc = want(v, Y_SCALAR, key, y)) < 0)
            return rc;
        if (!v->text[0] || strlen(v->text) > 1000)
            return perr(y->what, y->err, IVET_E_FORMAT, v, "'reason' must have 1 to 1000 bytes");
        return dup_into(&r->reason, v->text, y);
    }
    if ((rc = word(v, key, y)) < 0)
        return rc;
    if (!strcmp(key, "expires")) {
        if (!ivet_policy_date_valid(v->text))
            return perr(y->what, y->err, IVET_E_FORMAT, v,
                        "'expires': '%s' is not a date YYYY-MM-DD", v->text);
        memcpy(r->expires, v->text, 11);
        return 0;
    }
    return dup_into(!strcmp(key, "id") ? &r->id : !strcmp(key, "path") ? &r->path : &r->package,
                    v->text, y);
}

static int add_rule(struct ivet_policy *p, struct ivet_policy_rule *r, struct ivet_err *err)
{
    struct ivet_policy_rule *nv = ivet_reallocarray(p->rules, p->nrules + 1, sizeof(*nv));
    if (!nv)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    p->rules = nv;
    nv[p->nrules++] = *r;
    return 0;
}

static void rule_release(struct ivet_policy_rule *r)
{
    ivet_free(r->id);
    ivet_free(r->path);
    ivet_free(r->package);
    ivet_free(r->reason);
    ivet_free(r->origin);
}

static int ignore_list(struct ivet_policy *p, const struct ynode *v, struct yparse *y)
{
    static const char *const keys[] = { "id", "path", "package", "reason", "expires", NULL };
    int rc = want(v, Y_SEQ, "ignore", y);
    for (size_t i = 0; rc == 0 && i < v->n; i++) {
        const struct ynode *e = &v->kids[i];
        struct ivet_policy_rule r = { .line = e->line };
        rc = each_key(p, e, "ignore", keys, rule_key, &r, y);
        if (rc == 0 && !r.id)
            rc = perr(y->what, y->err, IVET_E_FORMAT, e, "ignore rule without 'id'");
        if (rc == 0 && !r.reason)
            rc = perr(y->what, y->err, IVET_E_FORMAT, e,
                      "ignore rule '%s' without 'reason' (say why it is safe to ignore)", r.id);
        if (rc == 0 && !(r.origin = ivet_strdup(y->what)))
            rc = ivet_err_set(y->err, IVET_E_NOMEM, "out of memory reading '%s'", y->what);
        if (rc == 0)
            rc = add_rule(p, &r, y->err);
        if (rc < 0)
            rule_release(&r);
    }
    return rc;
}

struct vsets { bool fail_set, sev_set; unsigned fail_line; };

static int vulns_key(struct ivet_policy *p, const char *key, const struct ynode *k,
                     const struct ynode *v, void *arg, struct yparse *y)
{
    struct vsets *vs = arg;
    int rc;
    if (!strcmp(key, "fail_on_severity")) {
        vs->sev_set = true;
        vs->fail_line = k->line;
        return severity_of(v, key, true, &p->vuln_fail, y);
    }
    if ((rc = word(v, key, y)) < 0)
        return rc;
    char *end;
    unsigned long d = strtoul(v->text, &end, 10);
    if (*end || v->text[0] == '-' || d == 0 || d > 3650)
        return perr(y->what, y->err, IVET_E_FORMAT, v,
                    "'max_db_age_days': '%s' is not a number of days from 1 to 3650", v->text);
    p->max_db_age_days = (unsigned)d;
    return 0;
}

static int threshold_key(struct ivet_policy *p, const char *key, const struct ynode *k,
                         const struct ynode *v, void *arg, struct yparse *y)
{
    (void)p;
    (void)k;
    int *pair = arg;            /* [0] fail, [1] warn */
    return severity_of(v, key, true, !strcmp(key, "fail") ? &pair[0] : &pair[1], y);
}

static int verdict_key(struct ivet_policy *p, const char *key, const struct ynode *k,
                       const struct ynode *v, void *arg, struct yparse *y)
{
    static const char *const keys[] = { "fail", "warn", NULL };
    (void)k;
    struct vsets *vs = arg;
    bool vulns = !strcmp(key, "vulnerabilities");
    int pair[2] = { vulns ? p->vuln_fail : p->find_fail, vulns ? p->vuln_warn : p->find_warn };
    int rc = each_key(p, v, key, keys, threshold_key, pair, y);
    if (rc < 0)
        return rc;
    for (size_t i = 0; vulns && i + 1 < v->n; i += 2)
        if (!strcmp(v->kids[i].text, "fail"))
            vs->fail_set = true;
    if (vulns && vs->fail_set && vs->sev_set && pair[0] != p->vuln_fail)
        return perr(y->what, y->err, IVET_E_FORMAT, v,
                    "'verdict.vulnerabilities.fail' disagrees with "
                    "'vulnerabilities.fail_on_severity' (line %u)", vs->fail_line);
    if (pair[0] != IVET_POLICY_NEVER && pair[1] != IVET_POLICY_NEVER && pair[1] > pair[0])
        return perr(y->what, y->err, IVET_E_FORMAT, v, "'%s': warn must not be above fail", key);
    if (vulns) {
        p->vuln_fail = pair[0];
        p->vuln_warn = pair[1];
    } else {
        p->find_fail = pair[0];
        p->find_warn = pair[1];
    }
    return 0;
}

static int top_key(struct ivet_policy *p, const char *key, const struct ynode *k,
                   const struct ynode *v, void *arg, struct yparse *y)
{
    static const char *const tkeys[] = { "namespaces", "registries", "prefixes", NULL };
    static const char *const vkeys[] = { "fail_on_severity", "max_db_age_days", NULL };
    static const char *const dkeys[] = { "findings", "vulnerabilities", NULL };
    (void)k;
    int rc;
    if (!strcmp(key, "version")) {
        if ((rc = word(v, key, y)) < 0)
            return rc;
        if (strcmp(v->text, "1") != 0)
            return perr(y->what, y->err, IVET_E_FORMAT, v, "unsupported policy version '%s' (1)",
                        v->text);
        return 0;
    }
    if (!strcmp(key, "trusted"))
        return each_key(p, v, key, tkeys, trusted_key, NULL, y);
    if (!strcmp(key, "fail_on")) {
        if ((rc = word(v, key, y)) < 0)
            return rc;
        if (strcmp(v->text, "fail") != 0 && strcmp(v->text, "warn") != 0)
            return perr(y->what, y->err, IVET_E_FORMAT, v, "'fail_on' is fail or warn, not '%s'",
                        v->text);
        p->fail_on = !strcmp(v->text, "warn") ? IVET_FAIL_ON_WARN : IVET_FAIL_ON_FAIL;
        return 0;
    }
    if (!strcmp(key, "severity"))
        return each_key(p, v, key, NULL, severity_key, NULL, y);
    if (!strcmp(key, "ignore"))
        return ignore_list(p, v, y);
    if (!strcmp(key, "vulnerabilities"))
        return each_key(p, v, key, vkeys, vulns_key, arg, y);
    return each_key(p, v, key, dkeys, verdict_key, arg, y);
}

struct ivet_policy *ivet_policy_new(struct ivet_err *err)
{
    struct ivet_policy *p = ivet_calloc(1, sizeof(*p));
    const char **t = ivet_calloc(1, sizeof(*t));
    if (!p || !t) {
        ivet_free(p);
        ivet_free((void *)t);
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return NULL;
    }
    p->trusted = t;
    p->fail_on = -1;
    p->find_fail = IVET_SEV_HIGH;
    p->find_warn = IVET_SEV_MEDIUM;
    p->vuln_fail = IVET_POLICY_NEVER;
    p->vuln_warn = IVET_SEV_HIGH;
    return p;
}

struct ivet_policy *ivet_policy_parse(const char *text, size_t len, const char *what,
                                      struct ivet_err *err)
{
    static const char *const keys[] = { "version", "trusted", "fail_on", "severity", "ignore",
                                        "vulnerabilities", "verdict", NULL };
    struct yparse y = { .what = what, .err = err };
    struct ynode root = { 0 };
    struct vsets vs = { 0 };
    struct ivet_policy *p = NULL;
    int rc;
    if (len > IVET_POLICY_MAX_BYTES) {
        perr(what, err, IVET_E_LIMIT, NULL, "policy of %zu bytes exceeds the limit of %u", len,
             IVET_POLICY_MAX_BYTES);
        return NULL;
    }
    if (!(p = ivet_policy_new(err)))
        return NULL;
    if (!(p->origin = ivet_strdup(what))) {
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = load_tree(text, len, &root, &y)) < 0)
        goto out;
    if (root.kind != Y_MAP) {
        rc = perr(what, err, IVET_E_FORMAT, &root, "a policy is a mapping of keys, not %s",
                  kind_name(root.kind));
        goto out;
    }
    /* vulnerabilities: before verdict, so the two ways to set the vulnerability
     * fail threshold can be checked against each other whatever their order */
    for (size_t i = 0; i + 1 < root.n; i += 2)
        if (root.kids[i].kind == Y_SCALAR && !strcmp(root.kids[i].text, "verdict")) {
            struct ynode kv[2] = { root.kids[i], root.kids[i + 1] };
            memmove(&root.kids[i], &root.kids[i + 2], (root.n - i - 2) * sizeof(kv[0]));
            root.kids[root.n - 2] = kv[0];
            root.kids[root.n - 1] = kv[1];
            break;
        }
    rc = each_key(p, &root, "policy", keys, top_key, &vs, &y);
out:
    ynode_release(&root);
    if (rc < 0) {
        ivet_policy_free(p);
        return NULL;
    }
    return p;
}

struct ivet_policy *ivet_policy_load(const char *path, struct ivet_err *err)
{
    char *text = NULL;
    size_t len = 0;
    struct ivet_istream *s = ivet_istream_open_file(path, err);
    if (!s) {
        ivet_err_wrap(err, "policy");
        return NULL;
    }
    int rc = ivet_istream_slurp(s, IVET_POLICY_MAX_BYTES, &text, &len, err);
    ivet_istream_close(s);
    struct ivet_policy *p = NULL;
    if (rc < 0)
        ivet_err_wrap(err, "policy '%s'", path);
    else
        p = ivet_policy_parse(text, len, path, err);
    ivet_free(text);
    return p;
}

void ivet_policy_free(struct ivet_policy *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->ntrusted; i++)
        ivet_free((void *)p->trusted[i]);
    ivet_free((void *)p->trusted);
    for (size_t i = 0; i < p->nsev; i++)
        ivet_free(p->sev[i].id);
    ivet_free(p->sev);
    for (size_t i = 0; i < p->nrules; i++)
        rule_release(&p->rules[i]);
    ivet_free(p->rules);
    ivet_free(p->origin);
    ivet_free(p);
}

int ivet_policy_add_ignore_file(struct ivet_policy *p, const char *path, struct ivet_err *err)
{
    struct ivet_ignore ig = { 0 };
    int rc = ivet_ignore_load(&ig, path, err);
    if (rc < 0) {
        ivet_ignore_release(&ig);
        return ivet_err_wrap(err, "ignore file");
    }
    for (size_t i = 0; rc == 0 && i < ig.n; i++) {
        struct ivet_policy_rule r = { .id = ig.v[i].id, .package = ig.v[i].pkg,
                                      .line = ig.v[i].line };
        memcpy(r.expires, ig.v[i].exp, sizeof(r.expires));
        ig.v[i].id = ig.v[i].pkg = NULL;        /* moved */
        if (!(r.origin = ivet_strdup(path)))
            rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        if (rc == 0)
            rc = add_rule(p, &r, err);
        if (rc < 0)
            rule_release(&r);
    }
    ivet_ignore_release(&ig);
    return rc;
}

bool ivet_policy_date_valid(const char *d)
{
    static const char shape[] = "dddd-dd-dd";
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (strlen(d) != 10)
        return false;
    for (int i = 0; i < 10; i++)
        if (shape[i] == 'd' ? (d[i] < '0' || d[i] > '9') : d[i] != '-')
            return false;
    int y = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
    int m = (d[5] - '0') * 10 + (d[6] - '0'), day = (d[8] - '0') * 10 + (d[9] - '0');
    if (m < 1 || m > 12 || day < 1 || day > mdays[m - 1])
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && day == 29 && !leap);
}
