/* report.h: everything a scan found, and the renderers (one file each). */
#ifndef IVET_REPORT_H
#define IVET_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "analyze/finding.h"
#include "source/source.h"

/* One installed package (OS or language). Strings owned. */
struct ivet_package {
    char *type;                 /* "apk", "deb", "rpm", "pypi", "npm", "golang", "maven", "gem", "cargo" */
    char *name, *version;
    char *source_name;          /* source package (deb/rpm/apk origin), or NULL */
    char *source_version;       /* or NULL */
    char *arch;                 /* or NULL */
    char *purl;
    char *path;                 /* the file it came from */
    int layer;                  /* the layer that added it (-1 unknown) */
    char *license;              /* or NULL */
};

/* Frees the strings of a package (not the struct). */
void ivet_package_release(struct ivet_package *p);

struct ivet_vuln {
    char *id;                   /* CVE-..., GHSA-..., ALPINE-... */
    char *package, *installed, *fixed;  /* fixed may be NULL */
    char *pkg_type;
    enum ivet_severity severity;
    double cvss;                /* 0 when unknown */
    char *source;               /* "alpine-secdb", "debian-tracker", "osv:PyPI", ... */
    char *title;                /* or NULL */
    char *aliases;              /* comma-separated, or NULL */
    char *path;                 /* the package's file (its package.path), or NULL */
    int layer;                  /* the layer that added the package (-1 unknown) */
};

/* One node of the final file tree, with its content digest (file_digests
 * scans only; for `imagevet diff`). Strings owned. */
struct ivet_file_rec {
    char *path;
    char *linkname;             /* symlink target as written, or NULL */
    enum ivet_entry_type type;  /* a hard link is reported as the file it links to */
    uint32_t mode;
    uint64_t uid, gid, size;
    int layer;
    bool have_digest;           /* regular files (and hard links to them) whose every byte
                                 * was hashed */
    struct ivet_digest digest;
};

enum ivet_verdict { IVET_VERDICT_PASS = 0, IVET_VERDICT_WARN, IVET_VERDICT_FAIL };
const char *ivet_verdict_name(enum ivet_verdict v);

struct ivet_report {
    struct ivet_image image;
    char *os_id, *os_version, *os_name;         /* from os-release, or NULL */
    char *entrypoint;                           /* resolved file that runs first, or NULL */
    json_t *image_extra;        /* extra members merged into "image" (publisher, popularity, ...) */
    json_t *extra;              /* extra top-level members */
    struct ivet_findings findings;
    struct ivet_package *packages;
    size_t npackages;
    struct ivet_vuln *vulns;
    size_t nvulns;
    struct ivet_file_rec *files;        /* the final tree sorted by path (file_digests), or NULL */
    size_t nfiles;
    char **notes;               /* things the user should know (skipped steps, caps hit) */
    size_t nnotes;
    enum ivet_verdict verdict;
    unsigned summary[5];        /* findings + vulnerabilities per severity */
    double seconds;
    bool policy_fail_on_warn;   /* the policy file says fail_on: warn (the CLI flag wins, and
                                 * ivet_report_set_fail_on records it here) */
    int find_warn_at, vuln_warn_at;     /* the policy's warn thresholds (a severity, or 5:
                                         * never), for renderers that mark what counts */
};

struct ivet_report *ivet_report_new(struct ivet_err *err);
void ivet_report_free(struct ivet_report *r);
int ivet_report_note(struct ivet_report *r, struct ivet_err *err, const char *fmt, ...)
    IVET_PRINTF(3, 4);
/* Adds a package (all strings copied; NULLs allowed except type/name/version). */
struct ivet_package *ivet_report_add_package(struct ivet_report *r, const struct ivet_package *p,
                                             struct ivet_err *err);
struct ivet_vuln *ivet_report_add_vuln(struct ivet_report *r, const struct ivet_vuln *v,
                                       struct ivet_err *err);
/* Frees the strings of one vulnerability (for code that removes it from r->vulns). */
void ivet_vuln_release(struct ivet_vuln *v);
/* Recomputes summary[] from findings and vulnerabilities. */
void ivet_report_summarize(struct ivet_report *r);

/* Renderers. */
/* The digest that names layer `layer` in reports (its blob, or its diff_id
 * for uncompressed docker-archive layers), NULL for -1 or out of range. */
const char *ivet_report_layer_digest(const struct ivet_report *r, int layer);
/* A JSON string of report text, escaped as text when it is not UTF-8 (never NULL). */
json_t *ivet_report_jstr(const char *s);
json_t *ivet_report_to_json(const struct ivet_report *r, struct ivet_err *err);
int ivet_report_write_json(const struct ivet_report *r, FILE *out, struct ivet_err *err);
int ivet_report_write_table(const struct ivet_report *r, FILE *out, bool color, struct ivet_err *err);
/* SBOMs of the package inventory (report_cyclonedx.c, report_spdx.c):
 * CycloneDX 1.5 JSON and SPDX 2.3 JSON, each with a fresh serial number /
 * document namespace. The to_ functions return a new reference; `color`
 * is ignored (the signature of the renderer table in report.c). */
json_t *ivet_report_to_cyclonedx(const struct ivet_report *r, struct ivet_err *err);
int ivet_report_write_cyclonedx(const struct ivet_report *r, FILE *out, bool color,
                                struct ivet_err *err);
json_t *ivet_report_to_spdx(const struct ivet_report *r, struct ivet_err *err);
int ivet_report_write_spdx(const struct ivet_report *r, FILE *out, bool color, struct ivet_err *err);
/* SARIF 2.1.0 of the findings and vulnerabilities (report_sarif.c), for
 * GitHub code scanning and other CI dashboards. */
json_t *ivet_report_to_sarif(const struct ivet_report *r, struct ivet_err *err);
int ivet_report_write_sarif(const struct ivet_report *r, FILE *out, bool color, struct ivet_err *err);
/* JUnit XML (report_junit.c): a test case for the verdict and one per finding
 * and vulnerability, failing at medium (findings) and high (vulnerabilities). */
int ivet_report_write_junit(const struct ivet_report *r, FILE *out, bool color, struct ivet_err *err);

#endif
