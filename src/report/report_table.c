/* report_table.c: the human report: image facts, findings by severity,
 * vulnerabilities, notes, and the verdict last. Colour only when asked. */
#include "report/report.h"

#include <stdlib.h>

#include <string.h>

static const char *sev_color(enum ivet_severity s)
{
    static const char *const c[] = { "\033[2m", "\033[36m", "\033[33m", "\033[31m", "\033[1;31m" };
    return (unsigned)s < 5 ? c[s] : "";
}

static int by_severity(const void *a, const void *b)
{
    const struct ivet_finding *x = *(const struct ivet_finding *const *)a;
    const struct ivet_finding *y = *(const struct ivet_finding *const *)b;
    if (x->severity != y->severity)
        return (int)y->severity - (int)x->severity;
    int c = strcmp(x->id, y->id);
    if (c)
        return c;
    return strcmp(x->path ? x->path : "", y->path ? y->path : "");
}

static int vuln_by_severity(const void *a, const void *b)
{
    const struct ivet_vuln *x = *(const struct ivet_vuln *const *)a;
    const struct ivet_vuln *y = *(const struct ivet_vuln *const *)b;
    if (x->severity != y->severity)
        return (int)y->severity - (int)x->severity;
    int c = strcmp(x->package, y->package);
    if (!c)
        c = strcmp(x->id, y->id);
    if (!c)
        c = strcmp(x->path ? x->path : "", y->path ? y->path : "");
    return c ? c : x->layer - y->layer;
}

/* Text from the image (paths, history, package names, os-release) is printed
 * through here: escape sequences in it must not reach the terminal. A fresh
 * string in *slot (freed first), "?" when out of memory. */
static const char *clean(char **slot, const char *s)
{
    ivet_free(*slot);
    *slot = s ? ivet_sanitize(s, strlen(s), 4096) : NULL;
    return *slot ? *slot : s ? "?" : "";
}

static void human_size(uint64_t n, char *buf, size_t len)
{
    if (n >= 1000000)
        snprintf(buf, len, "%.1f MB", n / 1e6);
    else if (n >= 1000)
        snprintf(buf, len, "%.1f kB", n / 1e3);
    else
        snprintf(buf, len, "%llu B", (unsigned long long)n);
}

static void print_image(const struct ivet_report *r, FILE *out)
{
    const struct ivet_image *img = &r->image;
    char *t[2] = { NULL, NULL };
    fprintf(out, "Image      %s (%s)\n", img->reference ? clean(&t[0], img->reference) : "?",
            img->transport ? img->transport : "?");
    if (img->have_manifest_digest)
        fprintf(out, "Digest     %s\n", img->manifest_digest.text);
    if (img->config_digest.text[0])
        fprintf(out, "Config     %s\n", img->config_digest.text);
    if (img->platform)
        fprintf(out, "Platform   %s\n", clean(&t[0], img->platform));
    if (r->os_id)
        fprintf(out, "OS         %s %s\n", clean(&t[0], r->os_name ? r->os_name : r->os_id),
                clean(&t[1], r->os_version));
    if (r->entrypoint)
        fprintf(out, "Runs first %s\n", clean(&t[0], r->entrypoint));
    json_t *pub = json_object_get(r->image_extra, "publisher");
    const char *trust = json_string_value(json_object_get(pub, "trust"));
    if (trust)
        fprintf(out, "Publisher  %s\n", trust);
    uint64_t total = 0;
    for (size_t i = 0; i < img->nlayers; i++)
        total += img->layers[i].size;
    char sz[32];
    human_size(total, sz, sizeof(sz));
    fprintf(out, "Layers     %zu (%s)\n", img->nlayers, sz);
    for (size_t i = 0; i < img->nlayers; i++) {
        const struct ivet_layer_desc *d = &img->layers[i];
        human_size(d->size ? d->size : d->tar_bytes, sz, sizeof(sz));
        const char *cb = clean(&t[0], d->created_by);
        fprintf(out, "  %2zu %.19s %9s  %.60s%s\n", i,
                d->have_digest ? d->digest.text : d->diff_id.text, sz, cb, strlen(cb) > 60 ? "..." : "");
    }
    if (r->npackages)
        fprintf(out, "Packages   %zu\n", r->npackages);
    ivet_free(t[0]);
    ivet_free(t[1]);
}

static void print_findings(const struct ivet_report *r, FILE *out, bool color)
{
    if (r->findings.n == 0) {
        fprintf(out, "\nFindings   none\n");
        return;
    }
    const struct ivet_finding **v = ivet_malloc(r->findings.n * sizeof(*v));
    if (!v)
        return;
    for (size_t i = 0; i < r->findings.n; i++)
        v[i] = &r->findings.v[i];
    qsort(v, r->findings.n, sizeof(*v), by_severity);
    char *t = NULL;
    fprintf(out, "\nFindings (%zu)\n", r->findings.n);
    for (size_t i = 0; i < r->findings.n; i++) {
        const struct ivet_finding *f = v[i];
        char sev[16];
        snprintf(sev, sizeof(sev), "%s", ivet_severity_name(f->severity));
        for (char *c = sev; *c; c++)
            *c = (char)(*c - 32 * (*c >= 'a' && *c <= 'z'));
        fprintf(out, "  %s%-8s%s %s  %s\n", color ? sev_color(f->severity) : "", sev, color ? "\033[0m" : "",
                f->id, f->title ? f->title : "");
        if (f->path) {
            fprintf(out, "           %s", clean(&t, f->path));
            if (f->line)
                fprintf(out, ":%u", f->line);
            if (f->layer >= 0)
                fprintf(out, "  (layer %d", f->layer);
            if (f->hidden)
                fprintf(out, ", deleted by layer %d but still shipped", f->hidden_by);
            if (f->layer >= 0)
                fputc(')', out);
            if (f->truncated)
                fprintf(out, " [scanned up to the per-file cap]");
            fputc('\n', out);
        }
        if (f->evidence)
            fprintf(out, "           evidence: %s\n", f->evidence);
    }
    ivet_free(t);
    ivet_free(v);
}

static bool is_os_package(const char *type)
{
    return type && (!strcmp(type, "deb") || !strcmp(type, "apk") || !strcmp(type, "rpm"));
}

static void print_vulns(const struct ivet_report *r, FILE *out, bool color)
{
    if (!r->nvulns)
        return;
    const struct ivet_vuln **v = ivet_malloc(r->nvulns * sizeof(*v));
    if (!v)
        return;
    for (size_t i = 0; i < r->nvulns; i++)
        v[i] = &r->vulns[i];
    qsort(v, r->nvulns, sizeof(*v), vuln_by_severity);
    fprintf(out, "\nVulnerabilities (%zu)\n", r->nvulns);
    fprintf(out, "  %-8s %-20s %-24s %-20s %s\n", "SEVERITY", "ID", "PACKAGE", "INSTALLED", "FIXED");
    char *t[4] = { NULL, NULL, NULL, NULL };
    for (size_t i = 0; i < r->nvulns; i++) {
        const struct ivet_vuln *x = v[i];
        char sev[16];
        snprintf(sev, sizeof(sev), "%s", ivet_severity_name(x->severity));
        for (char *c = sev; *c; c++)
            *c = (char)(*c - 32 * (*c >= 'a' && *c <= 'z'));
        fprintf(out, "  %s%-8s%s %-20s %-24s %-20s %s\n", color ? sev_color(x->severity) : "", sev,
                color ? "\033[0m" : "", clean(&t[0], x->id), clean(&t[1], x->package),
                clean(&t[2], x->installed), x->fixed ? clean(&t[3], x->fixed) : "(no fix)");
        /* an application's dependency may be in the image more than once: say where */
        if (x->path && !is_os_package(x->pkg_type))
            fprintf(out, "  %-8s %-20s in %s\n", "", "", clean(&t[0], x->path));
    }
    for (size_t i = 0; i < IVET_ARRAY_LEN(t); i++)
        ivet_free(t[i]);
    ivet_free(v);
}

int ivet_report_write_table(const struct ivet_report *r, FILE *out, bool color, struct ivet_err *err)
{
    print_image(r, out);
    print_findings(r, out, color);
    print_vulns(r, out, color);
    if (r->nnotes) {
        fprintf(out, "\nNotes\n");
        for (size_t i = 0; i < r->nnotes; i++)
            fprintf(out, "  - %s\n", r->notes[i]);
    }
    static const char *const vc[] = { "\033[1;32m", "\033[1;33m", "\033[1;31m" };
    fprintf(out, "\nVerdict    %s%s%s  (critical %u, high %u, medium %u, low %u, info %u)\n",
            color ? vc[r->verdict] : "", ivet_verdict_name(r->verdict), color ? "\033[0m" : "",
            r->summary[IVET_SEV_CRITICAL], r->summary[IVET_SEV_HIGH], r->summary[IVET_SEV_MEDIUM],
            r->summary[IVET_SEV_LOW], r->summary[IVET_SEV_INFO]);
    if (r->image.have_manifest_digest && r->image.transport && !strcmp(r->image.transport, "docker"))
        fprintf(out, "Vetted     %s@%s\n", r->image.reference, r->image.manifest_digest.text);
    if (ferror(out))
        return ivet_err_sys(err, IVET_E_IO, "cannot write the report");
    return 0;
}
