/* finding.h: findings and the catalog of checks that can produce them. */
#ifndef IVET_FINDING_H
#define IVET_FINDING_H

#include "core/core.h"

enum ivet_severity {
    IVET_SEV_INFO = 0, IVET_SEV_LOW, IVET_SEV_MEDIUM, IVET_SEV_HIGH, IVET_SEV_CRITICAL,
};
const char *ivet_severity_name(enum ivet_severity s);
/* "critical", "HIGH", ... -> severity; -1 when unknown */
int ivet_severity_parse(const char *s);

/* One catalog entry. Categories follow the checklist: publisher, name,
 * provenance, contents, secrets, config, popularity, base, vulnerabilities. */
struct ivet_check {
    const char *id;             /* stable, e.g. "CONF-USER-ROOT" */
    const char *category;
    enum ivet_severity severity;
    const char *title;
    const char *remediation;
};

/* Registers extra checks at run time (rules loaded from data files, YARA
 * rules), for the scan set as owner on this thread (ivet_check_set_owner).
 * The array must stay valid until ivet_check_unregister(owner). Call from
 * setup(). Thread-safe: scans may run side by side. */
int ivet_check_register(const struct ivet_check *checks, size_t n, struct ivet_err *err);
/* The owner of what this thread registers, and whose entries its lookups
 * prefer (NULL: none). */
void ivet_check_set_owner(const void *owner);
/* Removes what `owner` registered. */
void ivet_check_unregister(const void *owner);

struct ivet_finding {
    char *id, *category, *title, *remediation;
    enum ivet_severity severity;
    char *path;                 /* "/usr/bin/x", or NULL for image-level findings */
    uint32_t line;              /* 1-based line for text files, 0 when not applicable */
    int layer;                  /* layer index, -1 for the image config/metadata */
    char *evidence;             /* sanitised, secrets redacted; may be NULL */
    bool hidden;                /* shipped in `layer` but deleted/replaced by `hidden_by` */
    int hidden_by;
    bool truncated;             /* the file was scanned only up to the per-file cap */
};

struct ivet_findings {
    struct ivet_finding *v;
    size_t n, cap;
};
void ivet_findings_release(struct ivet_findings *f);
/* Frees the strings of one finding (for code that removes findings from a list). */
void ivet_finding_release(struct ivet_finding *f);
/* Adds a finding with explicit fields (strings copied; evidence sanitised to
 * at most 200 bytes). Returns the new finding (borrowed) or NULL on OOM. */
struct ivet_finding *ivet_findings_add(struct ivet_findings *f, const char *id, const char *category,
                                       enum ivet_severity sev, const char *title,
                                       const char *remediation, const char *path, uint32_t line,
                                       int layer, const char *evidence, struct ivet_err *err);
/* Adds a finding from the catalog entry of check_id (IVET_E_INTERNAL when the
 * id is unknown: a programmer error caught by the tests). */
struct ivet_finding *ivet_findings_add_check(struct ivet_findings *f, const char *check_id,
                                             const char *path, uint32_t line, int layer,
                                             const char *evidence, struct ivet_err *err);
/* Moves every finding of src to the end of dst. */
int ivet_findings_splice(struct ivet_findings *dst, struct ivet_findings *src, struct ivet_err *err);

/* Masks a secret for evidence: keeps the first `keep` bytes (at most 4) and
 * replaces the rest with '*' up to a total of at most 16. Fresh string. */
char *ivet_redact(const char *secret, size_t len, size_t keep);

#endif
