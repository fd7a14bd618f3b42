/* server.h: `imagevet serve`: the scanner a private registry notifies when
 * an image is pushed. Each push of a manifest or index to one of the named
 * registries is queued (durably, in SQLite), vetted with the given scan
 * options, and its report kept for GET /v1/scans/DIGEST. */
#ifndef IMAGEVET_SERVER_H
#define IMAGEVET_SERVER_H

#include <signal.h>

#include "imagevet/error.h"
#include "imagevet/scan.h"

struct ivet_serve_opts {
    const char *listen;                 /* "127.0.0.1:8080" (default), "[::1]:8080", ":8080" */
    const char *store;                  /* "sqlite:PATH" */
    const char *token;                  /* bearer token every POST must carry; required when
                                         * listening beyond loopback */
    const char **registries;            /* "host[:port]" whose pushes are vetted, NULL-terminated */
    const struct ivet_scan_opts *scan;  /* how each image is vetted (its image is ignored) */
    void (*log)(const char *line);      /* one line per event; NULL: stderr */
};

/* Serves until *stop becomes non-zero (a signal handler sets it), then
 * finishes the scan running (scans have no time limit of their own) and
 * returns 0. Scans run one at a time, each on every core. Errors at start
 * (address, store, a --registry that is not a registry host) are returned. */
IVET_API int ivet_serve(const struct ivet_serve_opts *o, volatile sig_atomic_t *stop, struct ivet_err *err);

#endif
