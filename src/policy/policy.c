/* policy.c: the verdict: a policy (default or from a file, policy_file.c)
 * applied to a report (see policy.h). */
#include "policy/policy.h"

#include <fnmatch.h>
#include <string.h>
#include <time.h>

#include "analyze/analyzer.h"
#include "analyze/vulns.h"

static const char *const sev_names[] = { "info", "low", "medium", "high", "critical" };

struct ivet_policy *ivet_policy_prepare(const struct ivet_scan_opts *o,
                                        struct ivet_scan_opts *eff, struct ivet_err *err)
{
    struct ivet_policy *p = o->policy_file ? ivet_policy_load(o->policy_file, err)
                                           : ivet_policy_new(err);
    if (!p)
        return NULL;
    *eff = *o;
    if (o->ignore_file && ivet_policy_add_ignore_file(p, o->ignore_file, err) < 0)
        goto fail;
    for (const char **t = o->trusted_namespaces; t && *t; t++)
        if (ivet_policy_add_trusted(p, *t, err) < 0)
            goto fail;
    if (o->severity_fail) {
        int s = ivet_severity_parse(o->severity_fail);
        if (s < 0) {
            ivet_err_set(err, IVET_E_USAGE,
                         "--severity-fail '%s': expected low, medium, high or critical",
                         o->severity_fail);
            goto fail;
        }
        p->vuln_fail = s;
    } else if (p->vuln_fail != IVET_POLICY_NEVER) {
        eff->severity_fail = sev_names[p->vuln_fail];
    }
    if (!o->vulndb_max_age_days)
        eff->vulndb_max_age_days = p->max_db_age_days;
    eff->trusted_namespaces = p->trusted;
    eff->ignore_file = NULL;
    return p;
fail:
    ivet_policy_free(p);
    return NULL;
}

void ivet_policy_today(char out[11])
{
    ivet_today(out);
}

static bool glob(const char *pat, const char *s)
{
    return s && fnmatch(pat, s, 0) == 0;
}

static bool id_matches(const char *pat, const char *id, const char *aliases)
{
    if (glob(pat, id))
        return true;
    char one[256];
    for (const char *a = aliases; a && *a;) {
        size_t l = strcspn(a, ",");
        if (l < sizeof(one)) {
            memcpy(one, a, l);
            one[l] = '\0';
            if (glob(pat, one))
                return true;
        }
        a += l + (a[l] == ',');
    }
    return false;
}

/* The file a vulnerable package came from (for `path` rules), or NULL. */
static const char *vuln_file(const struct ivet_report *r, const struct ivet_vuln *v)
{
    if (v->path)
        return v->path;
    for (size_t i = 0; i < r->npackages; i++) {
        const struct ivet_package *p = &r->packages[i];
        if (!strcmp(p->name, v->package) && !strcmp(p->version, v->installed) &&
            (!v->pkg_type || !strcmp(p->type, v->pkg_type)))
            return p->path;
    }
    return NULL;
}

/* The first live rule matching; expired rules that match count would-be hits
 * and set *expired. */
static struct ivet_policy_rule *find_rule(struct ivet_policy *p, const char *today,
                                          const char *id, const char *aliases, const char *path,
                                          const char *package, bool vuln, bool *expired_hit)
{
    struct ivet_policy_rule *hit = NULL;
    *expired_hit = false;
    for (size_t i = 0; i < p->nrules; i++) {
        struct ivet_policy_rule *rule = &p->rules[i];
        if (!id_matches(rule->id, id, aliases))
            continue;
        if (rule->path && !glob(rule->path, path))
            continue;
        if (rule->package && (!vuln || !package || strcmp(rule->package, package) != 0))
            continue;
        bool expired = rule->expires[0] && strcmp(today, rule->expires) > 0;
        if (expired || !hit)
            rule->hits++;
        *expired_hit |= expired;
        if (!expired && !hit)
            hit = rule;
    }
    return hit;
}

static json_t *ignored_entry(const char *kind, const char *id, const char *path,
                             const char *package, enum ivet_severity sev,
                             const struct ivet_policy_rule *rule)
{
    json_t *o = json_object();
    char src[4200];
    snprintf(src, sizeof(src), "%s:%u", rule->origin ? rule->origin : "", rule->line);
    if (!o ||
        json_object_set_new(o, "kind", json_string(kind)) < 0 ||
        json_object_set_new(o, "id", json_string(id)) < 0 ||
        json_object_set_new(o, "path", path ? json_string(path) : json_null()) < 0 ||
        (package && json_object_set_new(o, "package", json_string(package)) < 0) ||
        json_object_set_new(o, "severity", json_string(ivet_severity_name(sev))) < 0 ||
        json_object_set_new(o, "reason", rule->reason ? json_string(rule->reason) : json_null()) < 0 ||
        json_object_set_new(o, "expires", rule->expires[0] ? json_string(rule->expires) : json_null()) < 0 ||
        json_object_set_new(o, "rule", json_string(src)) < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int apply_severities(struct ivet_policy *p, struct ivet_report *r, struct ivet_err *err)
{
    for (size_t k = 0; k < p->nsev; k++) {
        const struct ivet_policy_severity *s = &p->sev[k];
        if (!ivet_check_find(s->id) &&
            ivet_report_note(r, err, "policy '%s' line %u: severity override for '%s', which is "
                             "not a check imagevet knows", p->origin ? p->origin : "", s->line,
                             s->id) < 0)
            return -(int)err->code;
        for (size_t i = 0; i < r->findings.n; i++)
            if (!strcmp(r->findings.v[i].id, s->id))
                r->findings.v[i].severity = s->severity;
    }
    return 0;
}

/* How many findings and vulnerabilities were ignored, and how many are
 * reported again because the rule that would ignore them has expired. */
struct ignore_counts { size_t nf, nv, again_f, again_v; };

static int apply_ignores(struct ivet_policy *p, const char *today, struct ivet_report *r,
                         json_t *ignored, struct ignore_counts *c, struct ivet_err *err)
{
    size_t keep = 0;
    bool exp;
    for (size_t i = 0; i < r->findings.n; i++) {
        struct ivet_finding *f = &r->findings.v[i];
        const struct ivet_policy_rule *rule =
            find_rule(p, today, f->id, NULL, f->path, NULL, false, &exp);
        if (!rule) {
            c->again_f += exp;
            r->findings.v[keep++] = *f;
            continue;
        }
        if (json_array_append_new(ignored, ignored_entry("finding", f->id, f->path, NULL,
                                                         f->severity, rule)) < 0)
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory listing ignored findings");
        ivet_finding_release(f);
        c->nf++;
    }
    r->findings.n = keep;
    keep = 0;
    for (size_t i = 0; i < r->nvulns; i++) {
        struct ivet_vuln *v = &r->vulns[i];
        const char *file = vuln_file(r, v);
        const struct ivet_policy_rule *rule =
            find_rule(p, today, v->id, v->aliases, file, v->package, true, &exp);
        if (!rule) {
            c->again_v += exp;
            r->vulns[keep++] = *v;
            continue;
        }
        if (json_array_append_new(ignored, ignored_entry("vulnerability", v->id, file,
                                                         v->package, v->severity, rule)) < 0)
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory listing ignored vulnerabilities");
        ivet_vuln_release(v);
        c->nv++;
    }
    r->nvulns = keep;
    return 0;
}

static int expiry_notes(const struct ivet_policy *p, const char *today, struct ivet_report *r,
                        struct ivet_err *err)
{
    for (size_t i = 0; i < p->nrules; i++) {
        const struct ivet_policy_rule *rule = &p->rules[i];
        if (!rule->expires[0] || strcmp(today, rule->expires) <= 0)
            continue;
        if (ivet_report_note(r, err, "ignore rule '%s' (%s line %u) expired on %s and no longer "
                             "applies (%zu matching findings or vulnerabilities are reported)",
                             rule->id, rule->origin ? rule->origin : "", rule->line, rule->expires,
                             rule->hits) < 0)
            return -(int)err->code;
    }
    return 0;
}

static enum ivet_verdict judge(enum ivet_verdict v, enum ivet_severity s, int fail, int warn)
{
    if (fail != IVET_POLICY_NEVER && (int)s >= fail)
        return IVET_VERDICT_FAIL;
    if (warn != IVET_POLICY_NEVER && (int)s >= warn && v < IVET_VERDICT_WARN)
        return IVET_VERDICT_WARN;
    return v;
}

int ivet_policy_decide(struct ivet_policy *p, const char *today, struct ivet_report *r,
                       struct ivet_err *err)
{
    struct ignore_counts c = { 0 };
    json_t *ignored = json_array();
    if (!ignored)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    for (size_t i = 0; i < p->nrules; i++)
        p->rules[i].hits = 0;
    int rc = apply_severities(p, r, err);
    if (rc == 0)
        rc = apply_ignores(p, today, r, ignored, &c, err);
    if (rc == 0)
        rc = expiry_notes(p, today, r, err);
    if (rc == 0 && (c.nf || c.nv) &&
        ivet_report_note(r, err, "%zu findings and %zu vulnerabilities ignored by policy "
                         "(listed under \"ignored\" in the JSON report)", c.nf, c.nv) < 0)
        rc = -(int)err->code;
    if (rc == 0 && (c.again_f || c.again_v) &&
        ivet_report_note(r, err, "%zu findings and %zu vulnerabilities reported again: their "
                         "ignore rules have expired", c.again_f, c.again_v) < 0)
        rc = -(int)err->code;
    if (rc == 0 && !r->extra && !(r->extra = json_object()))
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    if (rc == 0 && json_object_set(r->extra, "ignored", ignored) < 0)
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    json_decref(ignored);
    if (rc < 0)
        return rc;
    ivet_report_summarize(r);
    enum ivet_verdict v = IVET_VERDICT_PASS;
    for (size_t i = 0; i < r->findings.n; i++)
        v = judge(v, r->findings.v[i].severity, p->find_fail, p->find_warn);
    for (size_t i = 0; i < r->nvulns; i++)
        v = judge(v, r->vulns[i].severity, p->vuln_fail, p->vuln_warn);
    r->verdict = v;
    r->policy_fail_on_warn = p->fail_on == IVET_FAIL_ON_WARN;
    /* what makes the verdict at least warn: the lower of the two thresholds */
    r->find_warn_at = p->find_warn < p->find_fail ? p->find_warn : p->find_fail;
    r->vuln_warn_at = p->vuln_warn < p->vuln_fail ? p->vuln_warn : p->vuln_fail;
    return 0;
}

int ivet_policy_apply(const struct ivet_scan_opts *o, struct ivet_report *r, struct ivet_err *err)
{
    struct ivet_scan_opts plain, eff;
    ivet_scan_opts_init(&plain);
    plain.severity_fail = o ? o->severity_fail : NULL;
    struct ivet_policy *p = ivet_policy_prepare(&plain, &eff, err);
    if (!p)
        return -(int)err->code;
    char today[11];
    ivet_policy_today(today);
    int rc = ivet_policy_decide(p, today, r, err);
    ivet_policy_free(p);
    return rc;
}

int ivet_report_policy_fail_on(const struct ivet_report *r)
{
    return r->policy_fail_on_warn ? IVET_FAIL_ON_WARN : IVET_FAIL_ON_FAIL;
}
