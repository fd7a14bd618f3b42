/* policy_file.h: the YAML policy file (docs/policy.md) and the ignore rules
 * shared by findings and vulnerabilities.
 *
 *   struct ivet_policy *p = ivet_policy_load("policy.yaml", &err);  // NULL + err
 *   ivet_policy_add_ignore_file(p, ".imagevetignore", &err);        // optional
 *   ... ivet_policy_decide(p, today, report, &err) (policy.h) ...
 *   ivet_policy_free(p);
 *
 * The parser is bounded (file size, nesting depth, node count), rejects
 * aliases, duplicate keys and unknown keys, and names the file, line and
 * column of every error: a typo in a security policy must never weaken it
 * silently. */
#ifndef IVET_POLICY_FILE_H
#define IVET_POLICY_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "analyze/finding.h"

#define IVET_POLICY_MAX_BYTES (1u << 20)    /* file size cap */
#define IVET_POLICY_MAX_DEPTH 8             /* nesting of mappings and sequences */
#define IVET_POLICY_MAX_NODES 20000         /* scalars, mappings and sequences */

/* A threshold: a severity, or never. */
#define IVET_POLICY_NEVER 5

/* One ignore rule: from the policy's `ignore:` list or from a .imagevetignore
 * line. It matches a finding (check ID) or a vulnerability (ID or alias). */
struct ivet_policy_rule {
    char *id;                   /* glob (fnmatch, '*' also crosses '/') */
    char *path;                 /* glob over the finding's path or the package's file, or NULL */
    char *package;              /* exact package name (vulnerabilities), or NULL */
    char *reason;               /* NULL only for .imagevetignore rules */
    char expires[11];           /* "YYYY-MM-DD" (applies through that day, UTC), or "" */
    char *origin;               /* the file it came from */
    unsigned line;
    size_t hits;                /* matches in the last decision (expired rules: would-be matches) */
};

struct ivet_policy_severity {
    char *id;                   /* exact check ID */
    enum ivet_severity severity;
    unsigned line;
};

struct ivet_policy {
    char *origin;               /* policy file path, or NULL for the default policy */
    const char **trusted;       /* NULL-terminated (strings owned): namespaces, hosts, prefixes */
    size_t ntrusted;
    int fail_on;                /* -1 unset, else enum ivet_fail_on */
    struct ivet_policy_severity *sev;
    size_t nsev;
    struct ivet_policy_rule *rules;
    size_t nrules;
    /* thresholds (a severity, or IVET_POLICY_NEVER): at or above fails / warns */
    int find_fail, find_warn, vuln_fail, vuln_warn;
    unsigned max_db_age_days;   /* 0 = unset */
};

/* The default policy (docs/checks.md "Verdict"). NULL on OOM. */
struct ivet_policy *ivet_policy_new(struct ivet_err *err);
/* Parses policy text; `what` names it in errors. NULL + IVET_E_FORMAT (or
 * IVET_E_LIMIT for the caps) with "'what' line L column C: ..." on error. */
struct ivet_policy *ivet_policy_parse(const char *text, size_t len, const char *what,
                                      struct ivet_err *err);
/* Reads (at most IVET_POLICY_MAX_BYTES) and parses a file. */
struct ivet_policy *ivet_policy_load(const char *path, struct ivet_err *err);
void ivet_policy_free(struct ivet_policy *p);

/* Appends the rules of a .imagevetignore file (parsed by analyze/vulns.h's
 * ivet_ignore_load, so the file's syntax stays the one documented there). */
int ivet_policy_add_ignore_file(struct ivet_policy *p, const char *path, struct ivet_err *err);
/* Appends trusted names (copied), e.g. from --trust. */
int ivet_policy_add_trusted(struct ivet_policy *p, const char *name, struct ivet_err *err);

/* "YYYY-MM-DD" with a real month and day (leap years included)? */
bool ivet_policy_date_valid(const char *d);

#endif
