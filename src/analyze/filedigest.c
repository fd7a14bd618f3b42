/* filedigest.c: for `imagevet diff`, the sha256 of every regular file's
 * content, computed during the one pass over each layer, and the final file
 * tree with those digests in the report (r->files). Runs in diff mode only
 * (opts->file_digests, .modes); it reports no findings. A file whose
 * bytes were not all delivered (a sparse hole past max_file_scan) gets no
 * digest, so it never compares equal by content. */
#include "analyze/analyzer.h"
#include "imagevet/scan.h"
#include "report/report.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* One version of a path in one layer: a regular file's content digest, or a
 * hard link's target (its content is the target's version at that point of
 * the tar). Every version is kept: a link made before its target was
 * written again shares the older bytes, as extraction does. */
struct rec {
    char *path;
    char *target;                       /* hard links: the normalised target; else NULL */
    size_t seq;                         /* position in the layer */
    uint64_t size;                      /* bytes hashed */
    bool complete;                      /* every byte of the file was hashed */
    struct ivet_digest d;
};
struct table {
    struct rec *v;
    size_t n, cap;
};

struct fd_global {
    pthread_mutex_t mu;
    struct table *layers;               /* by layer index, sorted by (path, seq) */
    size_t nlayers;
};

struct fd_state {
    struct ivet_sha256 *h;
    bool hashing;
    uint64_t hashed;
    struct table t;
};

#define MAX_LINK_HOPS 40

static void table_release(struct table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        ivet_free(t->v[i].path);
        ivet_free(t->v[i].target);
    }
    ivet_free(t->v);
    memset(t, 0, sizeof(*t));
}

static int fd_setup(const struct ivet_scan_opts *o, void **global, struct ivet_err *err)
{
    (void)o;                            /* runs in diff mode only (.modes) */
    struct fd_global *g = ivet_calloc(1, sizeof(*g));
    if (!g)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    pthread_mutex_init(&g->mu, NULL);
    *global = g;
    return 0;
}

static void fd_teardown(void *global)
{
    struct fd_global *g = global;
    if (!g)
        return;
    for (size_t i = 0; i < g->nlayers; i++)
        table_release(&g->layers[i]);
    ivet_free(g->layers);
    pthread_mutex_destroy(&g->mu);
    ivet_free(g);
}

static struct rec *push(struct table *t, const char *path, struct ivet_err *err)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        struct rec *v = ivet_realloc(t->v, cap * sizeof(*v));
        if (!v) {
            ivet_err_set(err, IVET_E_NOMEM, "out of memory");
            return NULL;
        }
        t->v = v;
        t->cap = cap;
    }
    struct rec *r = &t->v[t->n];
    memset(r, 0, sizeof(*r));
    if (!(r->path = ivet_strdup(path))) {
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return NULL;
    }
    r->seq = t->n++;
    return r;
}

static int fd_on_entry(struct ivet_lctx *lx, void *state, const struct ivet_entry *e, struct ivet_err *err)
{
    (void)lx;
    struct fd_state *st = state;
    if (e->whiteout || e->opaque)
        return 0;
    if (e->type == IVET_ENTRY_HARDLINK && e->linkname) {
        struct rec *r = push(&st->t, e->path, err);
        if (!r || !(r->target = ivet_strdup(e->linkname)))
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return 0;
    }
    if (e->type != IVET_ENTRY_FILE)
        return 0;
    if (!st->h && !(st->h = ivet_sha256_new(err)))
        return -(int)err->code;
    ivet_sha256_reset(st->h);
    st->hashing = true;
    st->hashed = 0;
    return 1;
}

static int fd_on_data(struct ivet_lctx *lx, void *state, const struct ivet_entry *e, const void *p, size_t n,
                      struct ivet_err *err)
{
    (void)lx, (void)e, (void)err;
    struct fd_state *st = state;
    if (st->hashing) {
        ivet_sha256_update(st->h, p, n);
        st->hashed += n;
    }
    return 0;
}

static int fd_on_entry_end(struct ivet_lctx *lx, void *state, const struct ivet_entry *e, struct ivet_err *err)
{
    (void)lx;
    struct fd_state *st = state;
    if (!st->hashing)
        return 0;
    st->hashing = false;
    struct rec *r = push(&st->t, e->path, err);
    if (!r)
        return -(int)err->code;
    ivet_sha256_final(st->h, &r->d);
    r->size = st->hashed;
    /* a sparse hole past max_file_scan ends the delivery early */
    r->complete = st->hashed == e->size;
    return 0;
}

/* By path, then by position (qsort is not stable). */
static int rec_cmp(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    return c ? c : x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The layer's table goes to the image-wide list, sorted for lookups. */
static int fd_layer_end(struct ivet_lctx *lx, void *state, struct ivet_err *err)
{
    struct fd_state *st = state;
    struct fd_global *g = lx->global;
    qsort(st->t.v, st->t.n, sizeof(*st->t.v), rec_cmp);
    pthread_mutex_lock(&g->mu);
    int rc = 0;
    if ((size_t)lx->layer >= g->nlayers) {
        size_t nn = (size_t)lx->layer + 1;
        struct table *nt = ivet_realloc(g->layers, nn * sizeof(*nt));
        if (!nt) {
            rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        } else {
            memset(nt + g->nlayers, 0, (nn - g->nlayers) * sizeof(*nt));
            g->layers = nt;
            g->nlayers = nn;
        }
    }
    if (!rc) {
        g->layers[lx->layer] = st->t;
        memset(&st->t, 0, sizeof(st->t));
    }
    pthread_mutex_unlock(&g->mu);
    return rc;
}

static void fd_layer_free(void *state)
{
    struct fd_state *st = state;
    ivet_sha256_free(st->h);
    table_release(&st->t);
}

/* The last version of path in one layer written before position `before`. */
static const struct rec *version_in(const struct table *t, const char *path, size_t before)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {                   /* first record with a path >= path */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(t->v[mid].path, path) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    const struct rec *hit = NULL;
    for (size_t i = lo; i < t->n && !strcmp(t->v[i].path, path) && t->v[i].seq < before; i++)
        hit = &t->v[i];
    return hit;
}

/* The file version whose bytes `path` shows in layer `layer` just before
 * position `before`: that layer's, else the nearest lower layer's, with
 * hard links followed to their target as it was when the link was made. */
static const struct rec *resolve(const struct fd_global *g, const char *path, int layer, size_t before, int hops)
{
    for (int l = layer; l >= 0 && hops <= MAX_LINK_HOPS; l--) {
        if ((size_t)l >= g->nlayers)
            continue;
        const struct rec *r = version_in(&g->layers[l], path, l == layer ? before : SIZE_MAX);
        if (!r)
            continue;
        return r->target ? resolve(g, r->target, l, r->seq, hops + 1) : r;
    }
    return NULL;
}

static int file_cmp(const void *a, const void *b)
{
    return strcmp(((const struct ivet_file_rec *)a)->path, ((const struct ivet_file_rec *)b)->path);
}

static int fd_on_image(struct ivet_ictx *ix, struct ivet_err *err)
{
    const struct fd_global *g = ix->global;
    struct ivet_report *r = ix->report;
    size_t n = ivet_fsview_count(ix->view);
    if (!(r->files = ivet_calloc(n ? n : 1, sizeof(*r->files))))
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const struct ivet_fsnode *nd = ivet_fsview_at(ix->view, i);
        if (!nd)
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory listing the merged view");
        struct ivet_file_rec *f = &r->files[r->nfiles];
        f->type = nd->type;
        f->mode = nd->mode;
        f->uid = nd->uid;
        f->gid = nd->gid;
        f->size = nd->size;
        f->layer = nd->layer;
        if (nd->type == IVET_ENTRY_FILE || nd->type == IVET_ENTRY_HARDLINK) {
            /* a hard link is the file it shares: its target's bytes as they
             * were when the link was made */
            const struct rec *d = resolve(g, nd->path, nd->layer, SIZE_MAX, 0);
            f->type = IVET_ENTRY_FILE;
            if (d) {
                f->size = d->size;
                f->have_digest = d->complete;
                f->digest = d->d;
            }
        }
        if (!(f->path = ivet_strdup(nd->path)) ||
            (nd->type == IVET_ENTRY_SYMLINK && nd->linkname && !(f->linkname = ivet_strdup(nd->linkname)))) {
            ivet_free(f->path);
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        }
        r->nfiles++;
    }
    qsort(r->files, r->nfiles, sizeof(*r->files), file_cmp);
    return 0;
}

const struct ivet_analyzer ivet_analyzer_filedigest = {
    .name = "filedigest",
    .modes = IVET_MODE_DIFF,
    .setup = fd_setup,
    .teardown = fd_teardown,
    .state_size = sizeof(struct fd_state),
    .on_entry = fd_on_entry,
    .on_data = fd_on_data,
    .on_entry_end = fd_on_entry_end,
    .layer_end = fd_layer_end,
    .layer_free = fd_layer_free,
    .on_image = fd_on_image,
};
