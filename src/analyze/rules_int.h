/* rules_int.h: the ruleset's insides, shared by rules_load.c and rules.c only. */
#ifndef IVET_RULES_INT_H
#define IVET_RULES_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "analyze/rules.h"

struct hs_database;
struct hs_scratch;

struct ivet_ruleset {
    struct ivet_rule *rules;
    size_t n, cap;
    size_t npatterns_total;
    bool compiled;
    struct ivet_check *checks;          /* contiguous catalog copy (strings borrowed) */
    /* Vectorscan databases; an id is a rule index (path db: 2*i include, 2*i+1 exclude). */
    struct hs_database *db_text;        /* stream: rules without `paths`, for text files */
    struct hs_database *db_bin;         /* stream: those of them with `binary = yes` */
    struct hs_database *db_scoped;      /* stream: rules restricted by `paths` */
    struct hs_database *db_paths;       /* block: the path filters */
    /* Per rule, compiled on its first match (most rules never match): a
     * block database with leftmost starts, for excerpts and validation. */
    pthread_mutex_t som_lock;
    struct hs_database **som;
    _Atomic int *som_state;             /* 0 not yet, 1 ready, 2 unavailable */
    bool any_path_only;
    struct hs_scratch *proto;           /* scratch prototype, cloned per stream */
    char *cache_dir;                    /* for compiled databases; NULL = the default */
};

void ivet_rules_uncompile(struct ivet_ruleset *rs);
/* rules_cache.c: hs_compile_multi through the on-disk cache of compiled
 * databases, in <cache>/rules (cache NULL: the default cache directory). */
struct hs_compile_error;
int ivet_rules_compile_cached(const char *cache, const char *const *ex, const unsigned *flags,
                              const unsigned *ids, unsigned n, unsigned mode, struct hs_database **db,
                              struct hs_compile_error **ce);
char *ivet_rules_escape_literal(const char *s, size_t n);

#endif
