/* scan.h: vet one image end to end and render the report.
 *
 *   struct ivet_scan_opts o;
 *   ivet_scan_opts_init(&o);
 *   o.image = "oci-archive:app.tar";
 *   struct ivet_report *r = ivet_scan(&o, &err);      // NULL + err on failure
 *   ivet_report_render(r, "json", stdout, false, &err);
 *   int status = ivet_report_exit_status(r, IVET_FAIL_ON_FAIL);
 *   ivet_report_free(r);
 *
 * A scan that cannot vet the image (bad input, digest mismatch, limit) fails
 * as a whole: there is never a partial report that could pass. */
#ifndef IMAGEVET_SCAN_H
#define IMAGEVET_SCAN_H

#include <stdbool.h>
#include <stdio.h>

#include "imagevet/error.h"
#include "imagevet/limits.h"

struct ivet_report;

struct ivet_scan_opts {
    const char *image;              /* transport:location, a path, or a registry name */
    const char *platform;           /* "os/arch[/variant]", NULL = host's (or the only one) */
    unsigned threads;               /* 0 = number of cores */
    bool no_content;                /* skip content analysis (config/history checks stay) */
    bool offline;                   /* no network for metadata (Docker Hub, ...) */
    bool progress;                  /* progress on stderr */
    struct ivet_limits limits;
    const char *data_dir;           /* rule and reference data; NULL = built-in search */
    const char *policy_file;        /* YAML policy, or NULL */
    const char *ignore_file;        /* .imagevetignore, or NULL */
    const char *yara_rules;         /* file or directory of YARA rules, or NULL */
    const char *vulndb;             /* vulnerability database path, NULL = default */
    const char *cache_dir;          /* compiled rules, Docker Hub answers and the default
                                     * vulnerability database; NULL = $XDG_CACHE_HOME/imagevet
                                     * (or ~/.cache/imagevet) */
    const char *hub_url;            /* Docker Hub API base URL, NULL = the public one */
    /* registry access (docker:// transport) */
    const char *username, *password;
    const char *ca_file;
    const char **insecure_registries;   /* NULL-terminated "host[:port]" list */
    /* publisher trust: Docker Hub namespaces, registry hosts or
     * "registry/namespace" prefixes the user trusts (NULL-terminated) */
    const char **trusted_namespaces;
    /* cosign public keys (PEM files: ECDSA and RSA over SHA-256, Ed25519), NULL-terminated:
     * the image must carry a signature by one of them (analyze/signature.c) */
    const char **keys;
    /* vulnerability matching (analyze/vulns.c) */
    const char *severity_fail;      /* "low".."critical": a vulnerability at or above it fails
                                     * the verdict (--severity-fail); NULL = off */
    unsigned vulndb_max_age_days;   /* an older database gets a note and VULN-DB-STALE; 0 = 7 */
    /* `imagevet sbom`: list packages only. Content rules (secrets, contents,
     * YARA) are off; the package inventory and the config still run. */
    bool inventory_only;
    /* `imagevet verify`: resolve the image and check its cosign signatures
     * against `keys` only; no layer is read and no other check runs. */
    bool verify_only;
    /* `imagevet diff`: hash every regular file's content during the pass and
     * keep the final file tree in the report (analyze/filedigest.c). */
    bool file_digests;
};

IVET_API void ivet_scan_opts_init(struct ivet_scan_opts *o);
IVET_API struct ivet_report *ivet_scan(const struct ivet_scan_opts *o, struct ivet_err *err);
IVET_API void ivet_report_free(struct ivet_report *r);

/* format: "table", "json", "sarif", "junit", "cyclonedx", "spdx". */
IVET_API int ivet_report_render(const struct ivet_report *r, const char *format, FILE *out,
                                bool color, struct ivet_err *err);

/* Is `format` one ivet_report_render knows? */
IVET_API bool ivet_report_format_known(const char *format);

enum ivet_fail_on { IVET_FAIL_ON_FAIL = 0, IVET_FAIL_ON_WARN = 1 };
/* "pass", "warn" or "fail" */
IVET_API const char *ivet_report_verdict(const struct ivet_report *r);
/* The findings, in report order: check ID and evidence (NULL when none),
 * borrowed from r. */
IVET_API size_t ivet_report_nfindings(const struct ivet_report *r);
IVET_API void ivet_report_finding(const struct ivet_report *r, size_t i, const char **id, const char **evidence);
/* "sha256:..." of the manifest vetted ("no manifest digest" for a docker-archive). */
IVET_API const char *ivet_report_digest(const struct ivet_report *r);
/* 0 pass or warn, 1 fail (with IVET_FAIL_ON_WARN a warning fails too). */
IVET_API int ivet_report_exit_status(const struct ivet_report *r, enum ivet_fail_on f);
/* The policy file's fail_on (IVET_FAIL_ON_FAIL when it has none): what the
 * CLI uses when --fail-on is not given. */
IVET_API int ivet_report_policy_fail_on(const struct ivet_report *r);
/* Records the fail-on setting in force (the command line's, when given), so
 * that renderers mark as failing what the exit status counts (JUnit). */
IVET_API void ivet_report_set_fail_on(struct ivet_report *r, enum ivet_fail_on f);

/* Where rule and reference data are looked for: opts->data_dir, then
 * $IMAGEVET_DATA_DIR, then the installed share directory, then the source
 * tree's data/. Returns a fresh path to `rel` under the first directory that
 * has it, or NULL (IVET_E_NOTFOUND). */
IVET_API char *ivet_data_path(const char *data_dir, const char *rel, struct ivet_err *err);

#endif
