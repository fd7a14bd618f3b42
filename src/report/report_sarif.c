/* report_sarif.c: the report as SARIF 2.1.0, the format GitHub code scanning
 * and other CI dashboards read (the fields GitHub requires are listed in the
 * project's research notes on SARIF, taken from GitHub's "SARIF support for
 * code scanning"). One rule per check ID or vulnerability ID, with the
 * highest severity any of its results has; one result per finding and per
 * vulnerability.
 *
 * Locations are relative URI references: a finding about a file at that
 * path inside the image (without the leading '/', percent-encoded), an
 * image-level finding at "Dockerfile", the file that builds the image in
 * the repository being scanned. The image itself is named in the run's and
 * each result's properties. Each result has a fingerprint of its rule, its
 * location, the package (vulnerabilities) and whether a later layer hides
 * the file, numbered when several results share them: alerts keep their
 * identity when the image is rebuilt, retagged or moved. */
#include "report/report.h"

#include <string.h>

#include "imagevet/imagevet.h"

#define IMAGE_LOCATION "Dockerfile"

static const char *level(enum ivet_severity s)
{
    return s >= IVET_SEV_HIGH ? "error" : s == IVET_SEV_MEDIUM ? "warning" : "note";
}

/* GitHub's security-severity: a number in (0, 10] as text. */
static const char *sec_severity(enum ivet_severity s)
{
    switch (s) {
    case IVET_SEV_CRITICAL: return "9.5";
    case IVET_SEV_HIGH: return "8.0";
    case IVET_SEV_MEDIUM: return "5.5";
    case IVET_SEV_LOW: return "2.0";
    default: return "0.1";
    }
}

struct rules {
    json_t *array;              /* tool.driver.rules */
    json_t *index;              /* id -> position */
    json_t *worst;              /* id -> [severity, cvss]: the highest of its results */
};

static void note_worst(struct rules *rs, const char *id, enum ivet_severity sev, double cvss)
{
    json_t *w = json_object_get(rs->worst, id);
    if (!w) {
        json_object_set_new(rs->worst, id, json_pack("[i, f]", (int)sev, cvss));
        return;
    }
    if ((int)sev > json_integer_value(json_array_get(w, 0)))
        json_array_set_new(w, 0, json_integer((int)sev));
    if (cvss > json_real_value(json_array_get(w, 1)))
        json_array_set_new(w, 1, json_real(cvss));
}

/* The rule's position, adding it the first time. */
static long rule_index(struct rules *rs, const char *id, const char *title, const char *help, const char *category)
{
    json_t *have = json_object_get(rs->index, id);
    if (have)
        return (long)json_integer_value(have);
    json_t *w = json_object_get(rs->worst, id);
    enum ivet_severity sev = (enum ivet_severity)json_integer_value(json_array_get(w, 0));
    double cvss = json_real_value(json_array_get(w, 1));
    char score[16];
    if (cvss > 0)
        snprintf(score, sizeof(score), "%.1f", cvss);
    else
        snprintf(score, sizeof(score), "%s", sec_severity(sev));
    json_t *r = json_pack("{s:o, s:o, s:{s:o}, s:{s:o}, s:{s:o}, s:{s:s}, s:{s:[s,o], s:s, s:s}}", "id",
                          ivet_report_jstr(id), "name", ivet_report_jstr(id), "shortDescription", "text",
                          ivet_report_jstr(title), "fullDescription", "text", ivet_report_jstr(title), "help", "text",
                          ivet_report_jstr(help ? help : title), "defaultConfiguration", "level", level(sev),
                          "properties", "tags", "security", ivet_report_jstr(category), "precision", "high",
                          "security-severity", score);
    long pos = (long)json_array_size(rs->array);
    if (!r || json_array_append_new(rs->array, r) < 0 || json_object_set_new(rs->index, id, json_integer(pos)) < 0)
        return -1;
    return pos;
}

static const char *image_name(const struct ivet_report *r)
{
    return r->image.reference ? r->image.reference : "image";
}

/* A path inside the image as a relative URI reference: unreserved
 * characters, sub-delimiters, '@' and '/' as they are, every other byte
 * (':', '%', '#', '?', spaces, non-ASCII, invalid UTF-8) percent-encoded,
 * so the reference means the path and nothing else. */
static int uri_of(struct ivet_buf *b, const char *path)
{
    static const char keep[] = "-._~!$&'()*+,;=@/";
    while (*path == '/')
        path++;
    if (!*path)
        return ivet_buf_puts(b, IMAGE_LOCATION, NULL);
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        int rc = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                         (*p < 0x80 && strchr(keep, *p))
                     ? ivet_buf_append(b, p, 1, NULL)
                     : ivet_buf_printf(b, NULL, "%%%02X", *p);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static json_t *location(const char *uri, uint32_t line)
{
    return json_pack("[{s:{s:{s:s}, s:{s:i}}}]", "physicalLocation", "artifactLocation", "uri", uri, "region",
                     "startLine", line ? (int)line : 1);
}

/* sha256 of what identifies the result, numbered among results that share it. */
static json_t *fingerprint(json_t *seen, const char *rule, const char *uri, const char *what, bool hidden)
{
    struct ivet_buf b;
    struct ivet_digest d;
    ivet_buf_init(&b, 1 << 16);
    if (ivet_buf_printf(&b, NULL, "%s\n%s\n%s\n%d", rule, uri, what ? what : "", hidden) < 0) {
        ivet_buf_release(&b);
        return NULL;
    }
    ivet_sha256(b.ptr, b.len, &d);
    ivet_buf_release(&b);
    json_int_t n = json_integer_value(json_object_get(seen, d.text)) + 1;
    json_object_set_new(seen, d.text, json_integer(n));
    char fp[128];
    snprintf(fp, sizeof(fp), "%.64s:%lld", d.text + 7, (long long)n);
    return json_pack("{s:s}", "primaryLocationLineHash", fp);
}

static int add_finding(json_t *results, struct rules *rs, json_t *seen, const struct ivet_report *r,
                       const struct ivet_finding *f)
{
    long ri = rule_index(rs, f->id, f->title, f->remediation, f->category);
    if (ri < 0)
        return -1;
    struct ivet_buf msg, uri;
    ivet_buf_init(&msg, 1 << 16);
    ivet_buf_init(&uri, 1 << 16);
    int rc = ivet_buf_printf(&msg, NULL, "%s%s%s%s", f->title, f->evidence ? ": " : "",
                             f->evidence ? f->evidence : "",
                             f->hidden ? " (in a lower layer; a later layer hides the file, but the image ships it)"
                                       : "");
    if (rc == 0)
        rc = f->path ? uri_of(&uri, f->path) : ivet_buf_puts(&uri, IMAGE_LOCATION, NULL);
    json_t *o = NULL;
    if (rc == 0) {
        const char *path = f->path ? f->path : NULL;
        o = json_pack("{s:o, s:i, s:s, s:{s:o}, s:o, s:o, s:{s:o, s:o, s:o, s:b, s:o}}", "ruleId",
                      ivet_report_jstr(f->id), "ruleIndex", (int)ri, "level", level(f->severity), "message", "text",
                      ivet_report_jstr(msg.ptr), "locations", location(uri.ptr, f->line), "partialFingerprints",
                      fingerprint(seen, f->id, uri.ptr, NULL, f->hidden), "properties", "image",
                      ivet_report_jstr(image_name(r)), "path", ivet_report_jstr(path), "layer",
                      ivet_report_jstr(ivet_report_layer_digest(r, f->layer)), "hidden", f->hidden, "severity",
                      ivet_report_jstr(ivet_severity_name(f->severity)));
    }
    ivet_buf_release(&msg);
    ivet_buf_release(&uri);
    return o ? json_array_append_new(results, o) : -1;
}

static int add_vuln(json_t *results, struct rules *rs, json_t *seen, const struct ivet_report *r,
                    const struct ivet_vuln *v)
{
    long ri = rule_index(rs, v->id, v->title ? v->title : v->id,
                         "Upgrade the affected package to a version with the fix (each result names the installed "
                         "and the fixed version), or move to a base image that ships one.",
                         "vulnerabilities");
    if (ri < 0)
        return -1;
    char msg[1200], what[600];
    snprintf(msg, sizeof(msg), "%s %s %s is vulnerable (%s)%s%s", v->pkg_type ? v->pkg_type : "package", v->package,
             v->installed, v->id, v->fixed ? "; fixed in " : "; no fixed version known",
             v->fixed ? v->fixed : "");
    snprintf(what, sizeof(what), "%s %s", v->pkg_type ? v->pkg_type : "", v->package);
    struct ivet_buf uri;
    ivet_buf_init(&uri, 1 << 16);
    json_t *o = NULL;
    if ((v->path ? uri_of(&uri, v->path) : ivet_buf_puts(&uri, IMAGE_LOCATION, NULL)) == 0)
        o = json_pack("{s:o, s:i, s:s, s:{s:o}, s:o, s:o, s:{s:o, s:o, s:o, s:o, s:o}}", "ruleId",
                      ivet_report_jstr(v->id), "ruleIndex", (int)ri, "level", level(v->severity), "message", "text",
                      ivet_report_jstr(msg), "locations", location(uri.ptr, 0), "partialFingerprints",
                      fingerprint(seen, v->id, uri.ptr, what, false), "properties", "image",
                      ivet_report_jstr(image_name(r)), "package", ivet_report_jstr(v->package), "installed",
                      ivet_report_jstr(v->installed), "fixed", ivet_report_jstr(v->fixed), "layer",
                      ivet_report_jstr(ivet_report_layer_digest(r, v->layer)));
    ivet_buf_release(&uri);
    return o ? json_array_append_new(results, o) : -1;
}

json_t *ivet_report_to_sarif(const struct ivet_report *r, struct ivet_err *err)
{
    struct rules rs = { json_array(), json_object(), json_object() };
    json_t *results = json_array(), *seen = json_object();
    int rc = rs.array && rs.index && rs.worst && results && seen ? 0 : -1;
    /* first the highest severity of every rule, then the rules and results */
    for (size_t i = 0; i < r->findings.n && !rc; i++)
        note_worst(&rs, r->findings.v[i].id, r->findings.v[i].severity, 0);
    for (size_t i = 0; i < r->nvulns && !rc; i++)
        note_worst(&rs, r->vulns[i].id, r->vulns[i].severity, r->vulns[i].cvss);
    for (size_t i = 0; i < r->findings.n && !rc; i++)
        rc = add_finding(results, &rs, seen, r, &r->findings.v[i]);
    for (size_t i = 0; i < r->nvulns && !rc; i++)
        rc = add_vuln(results, &rs, seen, r, &r->vulns[i]);
    json_decref(rs.index);
    json_decref(rs.worst);
    json_decref(seen);
    json_t *doc = NULL;
    if (!rc)
        doc = json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s, s:s, s:o}}, s:o, s:{s:o, s:o, s:s}}]}", "$schema",
                        "https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0", "runs", "tool", "driver",
                        "name", "imagevet", "version", IMAGEVET_VERSION, "semanticVersion", IMAGEVET_VERSION, "rules",
                        rs.array, "results", results, "properties", "imageName", ivet_report_jstr(image_name(r)),
                        "digest",
                        ivet_report_jstr(r->image.have_manifest_digest ? r->image.manifest_digest.text : NULL),
                        "verdict", ivet_verdict_name(r->verdict));
    else {
        json_decref(rs.array);
        json_decref(results);
    }
    if (!doc)
        ivet_err_set(err, IVET_E_NOMEM, "out of memory writing SARIF");
    return doc;
}

int ivet_report_write_sarif(const struct ivet_report *r, FILE *out, bool color, struct ivet_err *err)
{
    (void)color;
    json_t *doc = ivet_report_to_sarif(r, err);
    if (!doc)
        return -(int)err->code;
    int rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (rc != 0 || fputc('\n', out) == EOF || fflush(out) != 0)
        return ivet_err_sys(err, IVET_E_IO, "cannot write the report");
    return 0;
}
