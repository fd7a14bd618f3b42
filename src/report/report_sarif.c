/* report_sarif.c: the report as SARIF 2.1.0, the format GitHub code scanning
 * and other CI dashboards read (fields GitHub requires: research/specs-notes.md
 * section 5, from GitHub's "SARIF support for code scanning"). One rule per
 * check ID or vulnerability ID; one result per finding and per vulnerability.
 * A finding about a file is located at that path inside the image (without
 * the leading '/'); an image-level finding at the image's name. Each result
 * carries a fingerprint of its rule, location and subject, so alerts keep
 * their identity from one scan to the next. */
#include "report/report.h"

#include <string.h>

#include "imagevet/imagevet.h"

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
};

/* The rule's position, adding it the first time. */
static long rule_index(struct rules *rs, const char *id, const char *title, const char *help, const char *category,
                       enum ivet_severity sev, double cvss)
{
    json_t *have = json_object_get(rs->index, id);
    if (have)
        return (long)json_integer_value(have);
    char score[16];
    if (cvss > 0)
        snprintf(score, sizeof(score), "%.1f", cvss);
    else
        snprintf(score, sizeof(score), "%s", sec_severity(sev));
    json_t *r = json_pack("{s:o, s:o, s:{s:o}, s:{s:o}, s:{s:o}, s:{s:s}, s:{s:[s,o], s:s, s:s}}", "id", ivet_report_jstr(id),
                          "name", ivet_report_jstr(id), "shortDescription", "text", ivet_report_jstr(title), "fullDescription", "text",
                          ivet_report_jstr(title), "help", "text", ivet_report_jstr(help ? help : title), "defaultConfiguration", "level",
                          level(sev), "properties", "tags", "security", ivet_report_jstr(category), "precision", "high",
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

/* A location: the path inside the image, or the image itself. */
static json_t *location(const struct ivet_report *r, const char *path, uint32_t line)
{
    const char *uri = path && *path ? path : image_name(r);
    while (path && *uri == '/')
        uri++;
    if (!*uri)
        uri = image_name(r);
    return json_pack("[{s:{s:{s:o}, s:{s:i}}}]", "physicalLocation", "artifactLocation", "uri", ivet_report_jstr(uri), "region",
                     "startLine", line ? (int)line : 1);
}

static json_t *fingerprint(const char *rule, const char *where, const char *what)
{
    struct ivet_buf b;
    struct ivet_digest d;
    ivet_buf_init(&b, 1 << 16);
    if (ivet_buf_printf(&b, NULL, "%s\n%s\n%s", rule, where ? where : "", what ? what : "") < 0) {
        ivet_buf_release(&b);
        return NULL;
    }
    ivet_sha256(b.ptr, b.len, &d);
    ivet_buf_release(&b);
    return json_pack("{s:s}", "primaryLocationLineHash", d.text + 7);
}

static int add_finding(json_t *results, struct rules *rs, const struct ivet_report *r, const struct ivet_finding *f)
{
    long ri = rule_index(rs, f->id, f->title, f->remediation, f->category, f->severity, 0);
    if (ri < 0)
        return -1;
    struct ivet_buf msg;
    ivet_buf_init(&msg, 1 << 16);
    if (ivet_buf_printf(&msg, NULL, "%s%s%s%s", f->title, f->evidence ? ": " : "", f->evidence ? f->evidence : "",
                        f->hidden ? " (in a lower layer; a later layer hides the file, but the image ships it)"
                                  : "") < 0) {
        ivet_buf_release(&msg);
        return -1;
    }
    const char *ld = ivet_report_layer_digest(r, f->layer);
    json_t *o = json_pack("{s:o, s:i, s:s, s:{s:o}, s:o, s:o, s:{s:o, s:b, s:o}}", "ruleId", ivet_report_jstr(f->id), "ruleIndex",
                          (int)ri, "level", level(f->severity), "message", "text", ivet_report_jstr(msg.ptr), "locations",
                          location(r, f->path, f->line), "partialFingerprints",
                          fingerprint(f->id, f->path ? f->path : image_name(r), f->evidence), "properties",
                          "layer", ivet_report_jstr(ld), "hidden", f->hidden, "severity", ivet_report_jstr(ivet_severity_name(f->severity)));
    ivet_buf_release(&msg);
    return o ? json_array_append_new(results, o) : -1;
}

static int add_vuln(json_t *results, struct rules *rs, const struct ivet_report *r, const struct ivet_vuln *v)
{
    char help[600];
    snprintf(help, sizeof(help), "%s%s%s", v->fixed ? "Upgrade the package to " : "No fixed version is known yet; ",
             v->fixed ? v->fixed : "consider another base or package", v->fixed ? " or later." : ".");
    long ri = rule_index(rs, v->id, v->title ? v->title : v->id, help, "vulnerabilities", v->severity, v->cvss);
    if (ri < 0)
        return -1;
    char msg[1200];
    snprintf(msg, sizeof(msg), "%s %s %s is vulnerable (%s)%s%s", v->pkg_type ? v->pkg_type : "package", v->package,
             v->installed, v->id, v->fixed ? "; fixed in " : "", v->fixed ? v->fixed : "");
    char what[600];
    snprintf(what, sizeof(what), "%s %s %s", v->pkg_type ? v->pkg_type : "", v->package, v->installed);
    json_t *o = json_pack("{s:o, s:i, s:s, s:{s:o}, s:o, s:o, s:{s:o, s:o, s:o, s:o}}", "ruleId", ivet_report_jstr(v->id),
                          "ruleIndex", (int)ri, "level", level(v->severity), "message", "text", ivet_report_jstr(msg),
                          "locations", location(r, v->path, 0), "partialFingerprints",
                          fingerprint(v->id, v->path ? v->path : image_name(r), what), "properties", "package",
                          ivet_report_jstr(v->package), "installed", ivet_report_jstr(v->installed), "fixed", ivet_report_jstr(v->fixed), "layer",
                          ivet_report_jstr(ivet_report_layer_digest(r, v->layer)));
    return o ? json_array_append_new(results, o) : -1;
}

json_t *ivet_report_to_sarif(const struct ivet_report *r, struct ivet_err *err)
{
    struct rules rs = { json_array(), json_object() };
    json_t *results = json_array();
    int rc = rs.array && rs.index && results ? 0 : -1;
    for (size_t i = 0; i < r->findings.n && !rc; i++)
        rc = add_finding(results, &rs, r, &r->findings.v[i]);
    for (size_t i = 0; i < r->nvulns && !rc; i++)
        rc = add_vuln(results, &rs, r, &r->vulns[i]);
    json_decref(rs.index);
    json_t *doc = NULL;
    if (!rc)
        doc = json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s, s:s, s:o}}, s:o, s:{s:o, s:o, s:s}}]}", "$schema",
                        "https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0", "runs", "tool", "driver",
                        "name", "imagevet", "version", IMAGEVET_VERSION, "semanticVersion", IMAGEVET_VERSION, "rules",
                        rs.array, "results", results, "properties", "imageName", ivet_report_jstr(image_name(r)), "digest",
                        ivet_report_jstr(r->image.have_manifest_digest ? r->image.manifest_digest.text : NULL), "verdict",
                        ivet_verdict_name(r->verdict));
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
    if (rc != 0 || fputc('\n', out) == EOF)
        return ivet_err_sys(err, IVET_E_IO, "cannot write the report");
    return 0;
}
