/* daemon_int.h: what the docker-daemon: source (daemon.c: resolve and the
 * source's ops) and its tar reader (daemon_tar.c: the save tar over HTTP,
 * members as streams, the shared pass) share. */
#ifndef IVET_DAEMON_INT_H
#define IVET_DAEMON_INT_H

#include <archive_entry.h>
#include <pthread.h>

#include "source/reg.h"
#include "source/source_int.h"

struct dtar;                            /* one GET of the save tar, read with libarchive */

struct daemon_source {
    struct ivet_source base;
    char *name;                         /* image name or ID as given */
    char *label;                        /* "docker daemon at unix:///..." */
    char *url;                          /* http://localhost/images/<name>/get */
    struct ivet_reg *r;
    char **layer_members;               /* tar member of each layer, bottom first */
    long *layer_place;                  /* its ordinal among the tar's members, -1 unknown */
    size_t nlayers;
    long last_place;                    /* the largest known place */
    /* The shared pass over the second GET. Under mu: shared_at, busy, dead,
     * holder. `shared` itself belongs to the holder while busy. */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct dtar *shared;
    long shared_at;                     /* ordinal of the member under its cursor */
    bool shared_busy, shared_dead;
    pthread_t holder;                   /* the thread it is lent to, while busy */
};

/* GET /images/{name}/get as a tar being read. */
struct dtar *ivet_dtar_open(struct daemon_source *s, struct ivet_err *err);
/* Next member: 1 with *e, 0 at the end, <0 on failure. */
int ivet_dtar_next(struct dtar *t, struct daemon_source *s, struct archive_entry **e,
                   struct ivet_err *err);
/* Reads the current member whole (it is at most max bytes). */
int ivet_dtar_slurp(struct dtar *t, size_t max, char **out, size_t *len, struct ivet_err *err);
void ivet_dtar_close(struct dtar *t);
/* The member's name without a leading "./". */
const char *ivet_dtar_member_name(struct archive_entry *e);
/* Layer i's member as a stream: lent by the shared pass when it can, else
 * from a GET of its own. */
struct ivet_istream *ivet_daemon_layer_open(struct daemon_source *s, size_t i, struct ivet_err *err);

#endif
