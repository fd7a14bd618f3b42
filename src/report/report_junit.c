/* report_junit.c: the report as JUnit XML, which CI systems (GitLab,
 * Jenkins, Azure Pipelines, ...) show as test results. One test suite for
 * the image; one test case for the verdict, failing when the verdict fails;
 * one per finding and per vulnerability. A finding of severity medium or
 * above, and a vulnerability of severity high or above, is a failing case
 * (the default policy warns at those); the others pass, their evidence
 * in system-out, so nothing the scan found is left out. */
#include "report/report.h"

#include <string.h>

#include "imagevet/imagevet.h"

/* Text for XML 1.0: markup characters escaped; the control characters XML
 * forbids (report text is sanitised already, this is the last guard) become '?'. */
static void xml_text(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&apos;", out); break;
        default:
            fputc(c < 0x20 && c != '\t' && c != '\n' && c != '\r' ? '?' : c, out);
        }
    }
}

static bool finding_fails(enum ivet_severity s)
{
    return s >= IVET_SEV_MEDIUM;
}

static bool vuln_fails(enum ivet_severity s)
{
    return s >= IVET_SEV_HIGH;
}

static void finding_case(FILE *out, const struct ivet_report *r, const struct ivet_finding *f)
{
    fputs("    <testcase classname=\"imagevet.", out);
    xml_text(out, f->category);
    fputs("\" name=\"", out);
    xml_text(out, f->id);
    if (f->path) {
        fputc(' ', out);
        xml_text(out, f->path);
    }
    fputs("\">\n", out);
    const char *tag = finding_fails(f->severity) ? "failure" : "system-out";
    fprintf(out, "      <%s", tag);
    if (finding_fails(f->severity)) {
        fputs(" type=\"", out);
        xml_text(out, ivet_severity_name(f->severity));
        fputs("\" message=\"", out);
        xml_text(out, f->title);
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

static void vuln_case(FILE *out, const struct ivet_vuln *v)
{
    fputs("    <testcase classname=\"imagevet.vulnerabilities\" name=\"", out);
    xml_text(out, v->id);
    fputc(' ', out);
    xml_text(out, v->package);
    fputc(' ', out);
    xml_text(out, v->installed);
    fputs("\">\n", out);
    const char *tag = vuln_fails(v->severity) ? "failure" : "system-out";
    fprintf(out, "      <%s", tag);
    if (vuln_fails(v->severity)) {
        fputs(" type=\"", out);
        xml_text(out, ivet_severity_name(v->severity));
        fputs("\" message=\"", out);
        xml_text(out, v->title ? v->title : v->id);
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
    size_t fails = r->verdict == IVET_VERDICT_FAIL, tests = 1 + r->findings.n + r->nvulns;
    for (size_t i = 0; i < r->findings.n; i++)
        fails += finding_fails(r->findings.v[i].severity);
    for (size_t i = 0; i < r->nvulns; i++)
        fails += vuln_fails(r->vulns[i].severity);
    const char *name = r->image.reference ? r->image.reference : "image";
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
    fprintf(out, "<testsuites name=\"imagevet\" tests=\"%zu\" failures=\"%zu\" time=\"%.3f\">\n", tests, fails,
            r->seconds);
    fputs("  <testsuite name=\"", out);
    xml_text(out, name);
    fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\" time=\"%.3f\">\n", tests, fails,
            r->seconds);
    fputs("    <properties>\n      <property name=\"digest\" value=\"", out);
    xml_text(out, r->image.have_manifest_digest ? r->image.manifest_digest.text : "");
    fputs("\"/>\n      <property name=\"verdict\" value=\"", out);
    xml_text(out, ivet_verdict_name(r->verdict));
    fputs("\"/>\n    </properties>\n", out);
    fputs("    <testcase classname=\"imagevet\" name=\"verdict\">\n", out);
    if (r->verdict == IVET_VERDICT_FAIL)
        fputs("      <failure type=\"verdict\" message=\"the image fails its policy\">verdict: fail</failure>\n",
              out);
    else
        fprintf(out, "      <system-out>verdict: %s</system-out>\n", ivet_verdict_name(r->verdict));
    fputs("    </testcase>\n", out);
    for (size_t i = 0; i < r->findings.n; i++)
        finding_case(out, r, &r->findings.v[i]);
    for (size_t i = 0; i < r->nvulns; i++)
        vuln_case(out, &r->vulns[i]);
    fputs("  </testsuite>\n</testsuites>\n", out);
    if (ferror(out))
        return ivet_err_sys(err, IVET_E_IO, "cannot write the report");
    return 0;
}
