/* server.h: `imagevet serve`, the scanner a private registry calls when an
 * image is pushed (the checklist's last point: vet what goes into your own
 * registry). notify.c reads Docker Distribution's notification envelopes,
 * store.c keeps the queue and the results in SQLite (the queue survives a
 * restart), http.c answers HTTP (libmicrohttpd) and runs the scans. */
#ifndef IVET_SERVER_H
#define IVET_SERVER_H

#include <jansson.h>
#include <stddef.h>

#include "core/core.h"

/* ---- notify.c */
/* One manifest or index pushed to a registry: what to scan. */
struct ivet_push {
    char *event_id;             /* the event's id (deduplication), or NULL */
    char *image;                /* "host[:port]/repository@sha256:..." */
    char *host;                 /* "host[:port]" the event names */
    char *tag;                  /* or NULL */
};
void ivet_push_release(struct ivet_push *p);
/* Reads a notification envelope ({"events":[...]}): the push events of an
 * image manifest or index (OCI or Docker media types) with a sha256 digest,
 * whose host (from target.url, else request.host), repository and digest
 * read back, as `host/repository@digest`, as exactly that host, repository
 * and digest (the reference parser decides). Everything else (pulls,
 * deletes, blob pushes, odd events) is skipped and counted in *skipped. A
 * body that is not an envelope is IVET_E_FORMAT. At most 256 events are read. */
int ivet_notify_parse(const char *body, size_t len, struct ivet_push **out, size_t *n, size_t *skipped,
                      struct ivet_err *err);

/* ---- store.c */
struct ivet_store;
/* "sqlite:PATH" or a plain path. Creates the tables; scans left queued or
 * running by an earlier server go back to the queue. */
struct ivet_store *ivet_store_open(const char *spec, struct ivet_err *err);
void ivet_store_close(struct ivet_store *s);
/* Queues a scan of image (event_id: skip when already seen). *id receives
 * the scan's id (0 when it was a duplicate event). */
int ivet_store_enqueue(struct ivet_store *s, const char *image, const char *event_id, long long *id,
                       struct ivet_err *err);
/* The oldest queued scan, marked running: 1 and *id, *image (caller frees),
 * or 0 when none. */
int ivet_store_claim(struct ivet_store *s, long long *id, char **image, struct ivet_err *err);
/* Finishes a scan: status "done" with verdict and report (JSON text), or
 * "error" with the message. */
int ivet_store_finish(struct ivet_store *s, long long id, const char *digest, const char *verdict,
                      const char *report, const char *error, struct ivet_err *err);
/* The latest scan of a manifest digest, or of one scan id (digest NULL), as
 * {"id","image","digest","status","verdict","error","queued_at","done_at","report"}; NULL and
 * IVET_E_NOTFOUND when there is none. */
json_t *ivet_store_get(struct ivet_store *s, const char *digest, long long id, struct ivet_err *err);
/* Scans queued and running. */
int ivet_store_counts(struct ivet_store *s, long long *queued, long long *running, struct ivet_err *err);

#endif
