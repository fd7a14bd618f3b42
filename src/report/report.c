/* report.c: the report object: construction, packages, vulnerabilities,
 * notes, summary, and the public render/verdict entry points. */
#include "report/report.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "imagevet/scan.h"

static const char *const verdict_names[] = { "pass", "warn", "fail" };

const char *ivet_verdict_name(enum ivet_verdict v)
{
    return (unsigned)v < 3 ? verdict_names[v] : "error";
}

struct ivet_report *ivet_report_new(struct ivet_err *err)
{
    struct ivet_report *r = ivet_calloc(1, sizeof(*r));
    if (!r) {
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return NULL;
    }
    r->image_extra = json_object();
    r->extra = json_object();
    r->find_warn_at = IVET_SEV_MEDIUM;  /* the default policy's, until a policy decides */
    r->vuln_warn_at = IVET_SEV_HIGH;
    if (!r->image_extra || !r->extra) {
        ivet_report_free(r);
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return NULL;
    }
    return r;
}

void ivet_package_release(struct ivet_package *p)
{
    ivet_free(p->type);
    ivet_free(p->name);
    ivet_free(p->version);
    ivet_free(p->source_name);
    ivet_free(p->source_version);
    ivet_free(p->arch);
    ivet_free(p->purl);
    ivet_free(p->path);
    ivet_free(p->license);
}

static void vuln_release(struct ivet_vuln *v)
{
    ivet_free(v->id);
    ivet_free(v->package);
    ivet_free(v->installed);
    ivet_free(v->fixed);
    ivet_free(v->pkg_type);
    ivet_free(v->source);
    ivet_free(v->title);
    ivet_free(v->aliases);
    ivet_free(v->path);
}

void ivet_vuln_release(struct ivet_vuln *v)
{
    vuln_release(v);
}

void ivet_report_free(struct ivet_report *r)
{
    if (!r)
        return;
    ivet_image_release(&r->image);
    ivet_free(r->os_id);
    ivet_free(r->os_version);
    ivet_free(r->os_name);
    ivet_free(r->entrypoint);
    json_decref(r->image_extra);
    json_decref(r->extra);
    ivet_findings_release(&r->findings);
    for (size_t i = 0; i < r->npackages; i++)
        ivet_package_release(&r->packages[i]);
    ivet_free(r->packages);
    for (size_t i = 0; i < r->nvulns; i++)
        vuln_release(&r->vulns[i]);
    ivet_free(r->vulns);
    for (size_t i = 0; i < r->nfiles; i++) {
        ivet_free(r->files[i].path);
        ivet_free(r->files[i].linkname);
    }
    ivet_free(r->files);
    for (size_t i = 0; i < r->nnotes; i++)
        ivet_free(r->notes[i]);
    ivet_free(r->notes);
    ivet_free(r);
}

int ivet_report_note(struct ivet_report *r, struct ivet_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return ivet_err_set(err, IVET_E_INTERNAL, "bad note format");
    char *s = ivet_malloc((size_t)n + 1);
    char **v = s ? ivet_reallocarray(r->notes, r->nnotes + 1, sizeof(*v)) : NULL;
    if (!v) {
        ivet_free(s);
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory adding a note");
    }
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    r->notes = v;
    r->notes[r->nnotes++] = s;
    return 0;
}

static char *dupn(const char *s, bool *oom)
{
    if (!s)
        return NULL;
    char *d = ivet_strdup(s);
    if (!d)
        *oom = true;
    return d;
}

struct ivet_package *ivet_report_add_package(struct ivet_report *r, const struct ivet_package *p,
                                             struct ivet_err *err)
{
    struct ivet_package *v = ivet_reallocarray(r->packages, r->npackages + 1, sizeof(*v));
    if (!v) {
        ivet_err_set(err, IVET_E_NOMEM, "out of memory adding a package");
        return NULL;
    }
    r->packages = v;
    bool oom = false;
    struct ivet_package x = {
        .type = dupn(p->type, &oom), .name = dupn(p->name, &oom), .version = dupn(p->version, &oom),
        .source_name = dupn(p->source_name, &oom), .source_version = dupn(p->source_version, &oom),
        .arch = dupn(p->arch, &oom), .purl = dupn(p->purl, &oom), .path = dupn(p->path, &oom),
        .layer = p->layer, .license = dupn(p->license, &oom),
    };
    if (oom || !x.type || !x.name || !x.version) {
        ivet_package_release(&x);
        ivet_err_set(err, oom ? IVET_E_NOMEM : IVET_E_INTERNAL, "cannot add package '%s'",
                     p->name ? p->name : "?");
        return NULL;
    }
    r->packages[r->npackages] = x;
    return &r->packages[r->npackages++];
}

struct ivet_vuln *ivet_report_add_vuln(struct ivet_report *r, const struct ivet_vuln *p,
                                       struct ivet_err *err)
{
    struct ivet_vuln *v = ivet_reallocarray(r->vulns, r->nvulns + 1, sizeof(*v));
    if (!v) {
        ivet_err_set(err, IVET_E_NOMEM, "out of memory adding a vulnerability");
        return NULL;
    }
    r->vulns = v;
    bool oom = false;
    struct ivet_vuln x = {
        .id = dupn(p->id, &oom), .package = dupn(p->package, &oom), .installed = dupn(p->installed, &oom),
        .fixed = dupn(p->fixed, &oom), .pkg_type = dupn(p->pkg_type, &oom), .severity = p->severity,
        .cvss = p->cvss, .source = dupn(p->source, &oom), .title = dupn(p->title, &oom),
        .aliases = dupn(p->aliases, &oom), .path = dupn(p->path, &oom), .layer = p->layer,
    };
    if (oom || !x.id || !x.package) {
        vuln_release(&x);
        ivet_err_set(err, oom ? IVET_E_NOMEM : IVET_E_INTERNAL, "cannot add vulnerability '%s'",
                     p->id ? p->id : "?");
        return NULL;
    }
    r->vulns[r->nvulns] = x;
    return &r->vulns[r->nvulns++];
}

void ivet_report_summarize(struct ivet_report *r)
{
    memset(r->summary, 0, sizeof(r->summary));
    for (size_t i = 0; i < r->findings.n; i++)
        if ((unsigned)r->findings.v[i].severity < 5)
            r->summary[r->findings.v[i].severity]++;
    for (size_t i = 0; i < r->nvulns; i++)
        if ((unsigned)r->vulns[i].severity < 5)
            r->summary[r->vulns[i].severity]++;
}

/* ---- public entry points (scan.h) */
const char *ivet_report_verdict(const struct ivet_report *r)
{
    return ivet_verdict_name(r->verdict);
}

void ivet_report_set_fail_on(struct ivet_report *r, enum ivet_fail_on f)
{
    r->policy_fail_on_warn = f == IVET_FAIL_ON_WARN;
}

size_t ivet_report_nfindings(const struct ivet_report *r)
{
    return r->findings.n;
}

void ivet_report_finding(const struct ivet_report *r, size_t i, const char **id, const char **evidence)
{
    *id = i < r->findings.n ? r->findings.v[i].id : NULL;
    *evidence = i < r->findings.n ? r->findings.v[i].evidence : NULL;
}

const char *ivet_report_digest(const struct ivet_report *r)
{
    return r->image.have_manifest_digest ? r->image.manifest_digest.text : "no manifest digest";
}

int ivet_report_exit_status(const struct ivet_report *r, enum ivet_fail_on f)
{
    if (r->verdict == IVET_VERDICT_FAIL)
        return 1;
    if (r->verdict == IVET_VERDICT_WARN && f == IVET_FAIL_ON_WARN)
        return 1;
    return 0;
}

/* Output formats: one renderer file each, listed here. Only the table has colour. */
static int render_json(const struct ivet_report *r, FILE *out, bool color, struct ivet_err *err)
{
    (void)color;
    return ivet_report_write_json(r, out, err);
}

static const struct {
    const char *name;
    int (*render)(const struct ivet_report *r, FILE *out, bool color, struct ivet_err *err);
} renderers[] = {
    { "table", ivet_report_write_table },
    { "json", render_json },
    { "cyclonedx", ivet_report_write_cyclonedx },
    { "spdx", ivet_report_write_spdx },
    { "sarif", ivet_report_write_sarif },
    { "junit", ivet_report_write_junit },
};

bool ivet_report_format_known(const char *format)
{
    for (size_t i = 0; i < IVET_ARRAY_LEN(renderers); i++)
        if (!strcmp(format, renderers[i].name))
            return true;
    return false;
}

int ivet_report_render(const struct ivet_report *r, const char *format, FILE *out, bool color,
                       struct ivet_err *err)
{
    for (size_t i = 0; i < IVET_ARRAY_LEN(renderers); i++)
        if (!strcmp(format, renderers[i].name))
            return renderers[i].render(r, out, color, err);
    struct ivet_buf b;
    ivet_buf_init(&b, 4096);
    for (size_t i = 0; i < IVET_ARRAY_LEN(renderers); i++)
        ivet_buf_printf(&b, NULL, "%s%s", i ? ", " : "", renderers[i].name);
    ivet_err_set(err, IVET_E_USAGE, "unknown format '%s' (known: %s)", format, b.ptr ? b.ptr : "");
    ivet_buf_release(&b);
    return -IVET_E_USAGE;
}
