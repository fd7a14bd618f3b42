/* name.h: who published an image and whether its name is honest, from the
 * reference alone (no pull): publisher trust, impersonation checks and,
 * online, Docker Hub popularity. This is what `imagevet name` runs.
 *
 *   struct ivet_name_opts o;
 *   ivet_name_opts_init(&o);
 *   o.offline = true;
 *   struct ivet_name_checker *c = ivet_name_checker_new(&o, &err);   // loads reference data once
 *   struct ivet_name_result *r = ivet_name_check(c, "goog1e/cadvisor", &err);
 *   ivet_name_result_render(r, "json", stdout, &err);               // one line
 *   int status = ivet_name_result_exit_status(r);                   // 0 pass/warn, 1 fail
 *   ivet_name_result_free(r);
 *   ivet_name_checker_free(c);
 *
 * A checker may be used for many references, from one thread at a time. */
#ifndef IMAGEVET_NAME_H
#define IMAGEVET_NAME_H

#include <stdbool.h>
#include <stdio.h>

#include "imagevet/error.h"

struct ivet_name_opts {
    const char *data_dir;               /* reference data; NULL = built-in search */
    const char **trusted_namespaces;    /* NULL-terminated: "myorg", "registry.example.com", "ghcr.io/myorg" */
    bool offline;                       /* no Docker Hub call */
    const char *hub_url;                /* Docker Hub API base URL, NULL = the public one */
    const char *cache_dir;              /* Docker Hub answers go to <cache_dir>/hub; NULL =
                                         * $XDG_CACHE_HOME/imagevet (or ~/.cache/imagevet) */
};
IVET_API void ivet_name_opts_init(struct ivet_name_opts *o);

struct ivet_name_checker;
/* Loads the reference data (IVET_E_IO / IVET_E_NOTFOUND naming the file
 * when it is missing) and the trusted namespaces (copied). */
IVET_API struct ivet_name_checker *ivet_name_checker_new(const struct ivet_name_opts *o,
                                                         struct ivet_err *err);
IVET_API void ivet_name_checker_free(struct ivet_name_checker *c);

struct ivet_name_result;
/* Checks one reference. An invalid reference is NULL with IVET_E_USAGE and
 * a message saying which part is wrong. Docker Hub failures never fail the
 * check: they become notes in the result. */
IVET_API struct ivet_name_result *ivet_name_check(struct ivet_name_checker *c, const char *ref,
                                                  struct ivet_err *err);
/* format "json": one JSON document on one line (reference, normalized,
 * verdict, publisher, findings, popularity when fetched, notes);
 * "table": a few human-readable lines. */
IVET_API int ivet_name_result_render(const struct ivet_name_result *r, const char *format,
                                     FILE *out, struct ivet_err *err);
/* "pass", "warn" or "fail": fail on a high or critical finding, warn on a
 * medium one (the scan's default policy). */
IVET_API const char *ivet_name_result_verdict(const struct ivet_name_result *r);
/* 0 pass or warn, 1 fail. */
IVET_API int ivet_name_result_exit_status(const struct ivet_name_result *r);
/* Number of findings, and whether one with this check ID is among them. */
IVET_API size_t ivet_name_result_nfindings(const struct ivet_name_result *r);
IVET_API bool ivet_name_result_has(const struct ivet_name_result *r, const char *check_id);
IVET_API void ivet_name_result_free(struct ivet_name_result *r);

#endif
