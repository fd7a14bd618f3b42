/* report_junit.c: the report as JUnit XML, which CI systems (GitLab,
 * Jenkins, Azure Pipelines, ...) show as test results. One test suite for
 * the image; one test case for the verdict, failing exactly when the exit
 * status is 1 (the verdict fails, or warns under fail-on warn); one per
 * finding and per vulnerability. A finding or vulnerability at or above the
 * policy's warn threshold (by default: medium findings, high
 * vulnerabilities) is a failing case; the others pass, their evidence in
 * system-out, so nothing the scan found is left out. */
#include "report/report.h"

#include <string.h>

#include "imagevet/imagevet.h"

/* Text for XML 1.0, in element content or (attr) attribute values. Image
 * text may be any bytes: it is made valid UTF-8 without controls first
 * (ivet_sanitize writes what it cannot keep as \xNN), and the two
 * non-characters XML forbids, U+FFFE and U+FFFF, become '?'. */
static void xml_out(FILE *out, const char *s, bool attr)
{
    if (!s)
        return;
    char *c = ivet_sanitize(s, strlen(s), 1u << 16);
    for (const unsigned char *p = (const unsigned char *)(c ? c : "?"); *p; p++) {
        if (p[0] == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF)) {
            fputc('?', out);
            p += 2;
            continue;
        }
        switch (*p) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&apos;", out); break;
        case '\n': fputs(attr ? "&#10;" : "\n", out); break;
        default: fputc(*p, out);
        }
    }
    ivet_free(c);
}

static void xml_text(FILE *out, const char *s)
{
    xml_out(out, s, false);
}

static void xml_attr(FILE *out, const char *s)
{
    xml_out(out, s, true);
}

static bool finding_fails(const struct ivet_report *r, enum ivet_severity s)
{
    return (int)s >= r->find_warn_at;
}

static bool vuln_fails(const struct ivet_report *r, enum ivet_severity s)
{
    return (int)s >= r->vuln_warn_at;
}

static void finding_case(FILE *out, const struct ivet_report *r, const struct ivet_finding *f)
{
    fputs("    <testcase classname=\"imagevet.", out);
    xml_attr(out, f->category);
    fputs("\" name=\"", out);
    xml_attr(out, f->id);
    if (f->path) {
        fputc(' ', out);
        xml_attr(out, f->path);
    }
    fputs("\">\n", out);
    const char *tag = finding_fails(r, f->severity) ? "failure" : "system-out";
    fprintf(out, "      <%s", tag);
    if (finding_fails(r, f->severity)) {
        fputs(" type=\"", out);
        xml_attr(out, ivet_severity_name(f->severity));
        fputs("\" message=\"", out);
        xml_attr(out, f->title);
        fputc('"', out);
    }
    fputc('>', out);
    fprintf(out, "%s: ", ivet_severity_name(f->severity));
    xml_text(out, f->title);
    if (f->evidence) {
        fputs("\nevidence: ", out);
        xml_text(out, f->evidence);
    }
    const char *ld = ivet_report_layer_digest(r, f->layer);
    if (ld) {
        fprintf(out, "\nlayer: %d (", f->layer);
        xml_text(out, ld);
        fputc(')', out);
    }
    if (f->hidden)
        fputs("\na later layer hides the file, but the image ships it", out);
    if (f->remediation) {
        fputs("\nremediation: ", out);
        xml_text(out, f->remediation);
    }
    fprintf(out, "</%s>\n    </testcase>\n", tag);
}

static void vuln_case(FILE *out, const struct ivet_report *r, const struct ivet_vuln *v)
{
    fputs("    <testcase classname=\"imagevet.vulnerabilities\" name=\"", out);
    xml_attr(out, v->id);
    fputc(' ', out);
    xml_attr(out, v->package);
    fputc(' ', out);
    xml_attr(out, v->installed);
    fputs("\">\n", out);
    const char *tag = vuln_fails(r, v->severity) ? "failure" : "system-out";
    fprintf(out, "      <%s", tag);
    if (vuln_fails(r, v->severity)) {
        fputs(" type=\"", out);
        xml_attr(out, ivet_severity_name(v->severity));
        fputs("\" message=\"", out);
        xml_attr(out, v->title ? v->title : v->id);
        fputc('"', out);
    }
    fputc('>', out);
    fprintf(out, "%s: ", ivet_severity_name(v->severity));
    xml_text(out, v->package);
    fputc(' ', out);
    xml_text(out, v->installed);
    if (v->fixed) {
        fputs(", fixed in ", out);
        xml_text(out, v->fixed);
    }
    if (v->path) {
        fputs("\npackage file: ", out);
        xml_text(out, v->path);
    }
    fprintf(out, "</%s>\n    </testcase>\n", tag);
}

int ivet_report_write_junit(const struct ivet_report *r, FILE *out, bool color, struct ivet_err *err)
{
    (void)color;
    bool verdict_fails = ivet_report_exit_status(r, r->policy_fail_on_warn ? IVET_FAIL_ON_WARN : IVET_FAIL_ON_FAIL) == 1;
    size_t fails = verdict_fails, tests = 1 + r->findings.n + r->nvulns;
    for (size_t i = 0; i < r->findings.n; i++)
        fails += finding_fails(r, r->findings.v[i].severity);
    for (size_t i = 0; i < r->nvulns; i++)
        fails += vuln_fails(r, r->vulns[i].severity);
    const char *name = r->image.reference ? r->image.reference : "image";
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
    fprintf(out, "<testsuites name=\"imagevet\" tests=\"%zu\" failures=\"%zu\" time=\"%.3f\">\n", tests, fails,
            r->seconds);
    fputs("  <testsuite name=\"", out);
    xml_attr(out, name);
    fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\" time=\"%.3f\">\n", tests, fails,
            r->seconds);
    fputs("    <properties>\n      <property name=\"digest\" value=\"", out);
    xml_attr(out, r->image.have_manifest_digest ? r->image.manifest_digest.text : "");
    fputs("\"/>\n      <property name=\"verdict\" value=\"", out);
    xml_attr(out, ivet_verdict_name(r->verdict));
    fputs("\"/>\n    </properties>\n", out);
    fputs("    <testcase classname=\"imagevet\" name=\"verdict\">\n", out);
    if (verdict_fails)
        fprintf(out, "      <failure type=\"verdict\" message=\"the image fails its policy\">verdict: %s</failure>\n",
                ivet_verdict_name(r->verdict));
    else
        fprintf(out, "      <system-out>verdict: %s</system-out>\n", ivet_verdict_name(r->verdict));
    fputs("    </testcase>\n", out);
    for (size_t i = 0; i < r->findings.n; i++)
        finding_case(out, r, &r->findings.v[i]);
    for (size_t i = 0; i < r->nvulns; i++)
        vuln_case(out, r, &r->vulns[i]);
    fputs("  </testsuite>\n</testsuites>\n", out);
    if (fflush(out) != 0 || ferror(out))
        return ivet_err_sys(err, IVET_E_IO, "cannot write the report");
    return 0;
}
