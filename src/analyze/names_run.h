/* names_run.h: one reference through every name check (publisher, names,
 * and popularity when online), the same way for `imagevet name` and for
 * the analyzer inside a scan. */
#ifndef IVET_NAMES_RUN_H
#define IVET_NAMES_RUN_H

#include "analyze/names.h"

struct ivet_names_run {
    /* in */
    bool offline;                   /* no Docker Hub call */
    const char *hub_url, *cache_dir;
    long long now;                  /* unix time for age checks, 0 = the clock */
    /* out */
    struct ivet_ref ref;            /* the parsed reference (valid after success) */
    struct ivet_findings findings;
    json_t *publisher;              /* {"trust","namespace","basis"} */
    json_t *popularity;             /* or NULL when not fetched */
    char **notes;                   /* skipped steps, unreachable API, ... */
    size_t nnotes;
};
void ivet_names_run_init(struct ivet_names_run *run);
void ivet_names_run_release(struct ivet_names_run *run);
/* An invalid reference is -IVET_E_USAGE (err says which part); Docker Hub
 * failures are notes, never errors. */
int ivet_names_run(const struct ivet_names_db *db, const char *refstr, struct ivet_names_run *run,
                   struct ivet_err *err);

#endif
