/* rules.h: the content rules engine. Rules are data (data/rules/<family>.rules,
 * format in docs/internals/rules.md); all rules of all files are compiled once
 * into Vectorscan databases and run in streaming mode over each file's bytes
 * as they come out of the tar walk, so matches that straddle chunk boundaries
 * are found without buffering whole files.
 *
 *   struct ivet_ruleset *rs;
 *   if (ivet_rules_load("data/rules", NULL, &rs, err) < 0) ... // parse + compile
 *   ivet_check_register(ivet_rules_checks(rs), ivet_rules_count(rs), err);
 *   struct ivet_rules_stream *st = ivet_rules_stream_new(rs, err);   // per thread
 *   ivet_rules_stream_begin(st, "/etc/crontab", max_bytes, err);
 *   ivet_rules_stream_data(st, p, n, err);  ...
 *   ivet_rules_stream_end(st, on_hit, arg, err);      // one hit per (rule, file)
 *   ivet_rules_stream_free(st);
 *   ivet_rules_free(rs);
 *
 * A ruleset is immutable after compilation and may be shared by threads; a
 * stream belongs to one thread. */
#ifndef IVET_RULES_H
#define IVET_RULES_H

#include "core/core.h"
#include "analyze/finding.h"

/* A validator confirms a candidate match (a Monero address checksum, a Luhn
 * digit, enough entropy). `param` is the number after ">=" in the rule
 * ("entropy>=3.5"), else 0. */
typedef bool (*ivet_rule_validate_fn)(const uint8_t *p, size_t n, double param);
struct ivet_rule_validator {
    const char *name;
    ivet_rule_validate_fn fn;
};
/* rules_validate.c: the table of validators rules may name. NULL if unknown. */
const struct ivet_rule_validator *ivet_rule_validator_find(const char *name);

/* One rule as loaded. All strings owned by the ruleset. */
struct ivet_rule {
    struct ivet_check check;    /* id, category, severity, title, remediation */
    char *source;               /* where an indicator list comes from, or NULL */
    char *paths;                /* regex the entry path must match, or NULL */
    char *not_paths;            /* regex the entry path must not match, or NULL */
    char **patterns;            /* Vectorscan expressions (lists become literals) */
    size_t npatterns;
    char **literals;            /* the raw text of the literal patterns (list, literal) */
    size_t nliterals;
    unsigned flags;             /* HS_FLAG_* applied to every pattern */
    bool have_severity;
    bool path_only;             /* no pattern: a non-empty file at `paths` is the hit */
    bool binary;                /* also applies to binary files (ELF, archives, images) */
    const struct ivet_rule_validator *validator;
    double vparam;
    int keep;                   /* -1: evidence shown; 0..4: redacted keeping that many */
    char *file;                 /* rule file name and line of the [ID], for messages */
    unsigned line;
};

struct ivet_ruleset;

/* Loads every "*.rules" file of `dir` (in name order) and compiles them.
 * Lists named by `list =` are read from the same directory. Errors name the
 * file and line. Compiled databases are cached in <cache_dir>/rules
 * (cache_dir NULL: imagevet's default cache directory, ivet_cache_path). */
int ivet_rules_load(const char *dir, const char *cache_dir, struct ivet_ruleset **out,
                    struct ivet_err *err);

/* Step by step (tests, fuzzing): an empty set, rule text added (`name` for
 * messages, `listdir` for `list =`, NULL forbids lists), then compiled. */
struct ivet_ruleset *ivet_rules_new(struct ivet_err *err);
int ivet_rules_parse(struct ivet_ruleset *rs, const char *text, size_t len, const char *name,
                     const char *listdir, struct ivet_err *err);
int ivet_rules_compile(struct ivet_ruleset *rs, struct ivet_err *err);
void ivet_rules_free(struct ivet_ruleset *rs);

size_t ivet_rules_count(const struct ivet_ruleset *rs);
const struct ivet_rule *ivet_rules_at(const struct ivet_ruleset *rs, size_t i);
/* The rules' catalog entries, contiguous, for ivet_check_register (valid
 * until ivet_rules_free). */
const struct ivet_check *ivet_rules_checks(const struct ivet_ruleset *rs);

/* One rule that matched one file, handed out once per (rule, file). */
struct ivet_rule_hit {
    const struct ivet_rule *rule;
    uint64_t offset;            /* end offset of the first (validated) match */
    uint32_t line;              /* 1-based line of the match end; 0 for binary files */
    uint64_t count;             /* matches of this rule in the file (>= 1) */
    const char *evidence;       /* excerpt (redacted when rule->keep >= 0); borrowed */
    bool truncated;             /* the file was scanned only up to the cap */
};
/* Return <0 (with err set) to stop. */
typedef int (*ivet_rule_hit_fn)(void *arg, const struct ivet_rule_hit *h, struct ivet_err *err);

/* Per-thread scanning state (scratch space, window, per-file hits). */
struct ivet_rules_stream;
struct ivet_rules_stream *ivet_rules_stream_new(const struct ivet_ruleset *rs, struct ivet_err *err);
void ivet_rules_stream_free(struct ivet_rules_stream *st);
/* Starts a file at `path` (NULL: a string that is no file; path rules do not
 * apply). At most `max_bytes` are scanned (0 = no cap); more is dropped and
 * the hits are marked truncated. */
int ivet_rules_stream_begin(struct ivet_rules_stream *st, const char *path, uint64_t max_bytes,
                            struct ivet_err *err);
int ivet_rules_stream_data(struct ivet_rules_stream *st, const void *p, size_t n, struct ivet_err *err);
/* Ends the file and calls fn for each rule hit, in rule order. */
int ivet_rules_stream_end(struct ivet_rules_stream *st, ivet_rule_hit_fn fn, void *arg,
                          struct ivet_err *err);
/* Bytes given to the current/last file and whether the cap cut it. */
uint64_t ivet_rules_stream_bytes(const struct ivet_rules_stream *st);
bool ivet_rules_stream_truncated(const struct ivet_rules_stream *st);
/* Whether the current/last file's first bytes made it a binary format (only
 * the `binary = yes` rules ran over it). */
bool ivet_rules_stream_binary_set(const struct ivet_rules_stream *st);

/* Whole buffer in one call (a stream of its own); `max_bytes` 0 = no cap. */
int ivet_rules_scan_buffer(const struct ivet_ruleset *rs, const char *path, const void *buf,
                           size_t len, uint64_t max_bytes, ivet_rule_hit_fn fn, void *arg,
                           struct ivet_err *err);

/* monero.c: is s[0..n) a valid Monero address (standard, integrated or
 * subaddress, any network) with a correct Keccak-256 checksum? */
bool ivet_monero_address_valid(const char *s, size_t n);
/* Keccak-256 (the original padding Monero uses, not SHA3-256). */
void ivet_keccak256(const void *p, size_t n, uint8_t out[32]);

#endif
