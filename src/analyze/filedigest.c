/* filedigest.c: for `imagevet diff`, the sha256 of every regular file's
 * content, computed during the one pass over each layer, and the final file
 * tree with those digests in the report (r->files). Runs only when the scan
 * asks for it (opts->file_digests); it reports no findings. */
#include "analyze/analyzer.h"
#include "imagevet/scan.h"
#include "report/report.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct rec {
    char *path;
    size_t seq;                         /* position in the layer: the later of two wins */
    struct ivet_digest d;
};
struct table {
    struct rec *v;
    size_t n, cap;
};

struct fd_global {
    pthread_mutex_t mu;
    struct table *layers;               /* by layer index */
    size_t nlayers;
};

struct fd_state {
    struct ivet_sha256 *h;
    bool hashing;
    struct table t;
};

static void table_release(struct table *t)
{
    for (size_t i = 0; i < t->n; i++)
        ivet_free(t->v[i].path);
    ivet_free(t->v);
    memset(t, 0, sizeof(*t));
}

static int fd_setup(const struct ivet_scan_opts *o, void **global, struct ivet_err *err)
{
    if (!o->file_digests)
        return 0;
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

static int fd_on_entry(struct ivet_lctx *lx, void *state, const struct ivet_entry *e, struct ivet_err *err)
{
    struct fd_state *st = state;
    if (!lx->global || e->whiteout || e->opaque || e->type != IVET_ENTRY_FILE)
        return 0;
    if (!st->h && !(st->h = ivet_sha256_new(err)))
        return -(int)err->code;
    ivet_sha256_reset(st->h);
    st->hashing = true;
    return 1;
}

static int fd_on_data(struct ivet_lctx *lx, void *state, const struct ivet_entry *e, const void *p, size_t n,
                      struct ivet_err *err)
{
    (void)lx, (void)e, (void)err;
    struct fd_state *st = state;
    if (st->hashing)
        ivet_sha256_update(st->h, p, n);
    return 0;
}

static int fd_on_entry_end(struct ivet_lctx *lx, void *state, const struct ivet_entry *e, struct ivet_err *err)
{
    (void)lx;
    struct fd_state *st = state;
    if (!st->hashing)
        return 0;
    st->hashing = false;
    struct table *t = &st->t;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        struct rec *v = ivet_realloc(t->v, cap * sizeof(*v));
        if (!v)
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        t->v = v;
        t->cap = cap;
    }
    struct rec *r = &t->v[t->n];
    if (!(r->path = ivet_strdup(e->path)))
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    r->seq = t->n;
    ivet_sha256_final(st->h, &r->d);
    t->n++;
    return 0;
}

static int rec_cmp(const void *a, const void *b)
{
    return strcmp(((const struct rec *)a)->path, ((const struct rec *)b)->path);
}

/* By path, then by position (qsort is not stable). */
static int rec_seq_cmp(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    return c ? c : x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The layer's table goes to the image-wide list, sorted for lookups. A path
 * written twice in one layer keeps its last version, as extraction does. */
static int fd_layer_end(struct ivet_lctx *lx, void *state, struct ivet_err *err)
{
    struct fd_state *st = state;
    struct fd_global *g = lx->global;
    if (!g)
        return 0;
    struct rec *v = st->t.v;
    size_t n = st->t.n, k = 0;
    qsort(v, n, sizeof(*v), rec_seq_cmp);
    for (size_t i = 0; i < n; i++) {
        if (k && !strcmp(v[k - 1].path, v[i].path)) {
            ivet_free(v[k - 1].path);
            v[k - 1] = v[i];
            continue;
        }
        v[k++] = v[i];
    }
    st->t.n = k;
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

static const struct rec *lookup(const struct fd_global *g, int layer, const char *path)
{
    if (layer < 0 || (size_t)layer >= g->nlayers)
        return NULL;
    struct rec key = { .path = (char *)path };
    const struct table *t = &g->layers[layer];
    return t->n ? bsearch(&key, t->v, t->n, sizeof(*t->v), rec_cmp) : NULL;
}

static int file_cmp(const void *a, const void *b)
{
    return strcmp(((const struct ivet_file_rec *)a)->path, ((const struct ivet_file_rec *)b)->path);
}

static int fd_on_image(struct ivet_ictx *ix, struct ivet_err *err)
{
    const struct fd_global *g = ix->global;
    struct ivet_report *r = ix->report;
    if (!g)
        return 0;
    size_t n = ivet_fsview_count(ix->view);
    if (!(r->files = ivet_calloc(n ? n : 1, sizeof(*r->files))))
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const struct ivet_fsnode *nd = ivet_fsview_at(ix->view, i);
        struct ivet_file_rec *f = &r->files[r->nfiles];
        f->type = nd->type;
        f->mode = nd->mode;
        f->uid = nd->uid;
        f->gid = nd->gid;
        f->size = nd->size;
        f->layer = nd->layer;
        const struct rec *d = NULL;
        if (nd->type == IVET_ENTRY_FILE) {
            d = lookup(g, nd->layer, nd->path);
        } else if (nd->type == IVET_ENTRY_HARDLINK && nd->linkname) {
            /* the content is its target's, written earlier in the same layer */
            d = lookup(g, nd->layer, nd->linkname);
            f->type = IVET_ENTRY_FILE;
        }
        if (d) {
            f->have_digest = true;
            f->digest = d->d;
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
