/* tu_walker.h: a test walker that records every entry, its content and the
 * order of callbacks, so tests can compare walks. Header-only. */
#ifndef IVET_TU_WALKER_H
#define IVET_TU_WALKER_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layer/layer.h"

struct tu_rec {
    char *path, *link;
    enum ivet_entry_type type;
    uint32_t mode;
    uint64_t size, index;
    bool whiteout, opaque, ended;
    uint8_t *data;
    size_t data_len;
};

struct tu_walk {
    struct tu_rec *r;
    size_t n;
    bool want_none;                     /* on_entry returns 0 for every entry */
    long fail_at_entry;                 /* on_entry fails at this index (-1 never) */
    bool bad_order;                     /* a callback came out of order */
};

static inline void tu_walk_init(struct tu_walk *w)
{
    memset(w, 0, sizeof(*w));
    w->fail_at_entry = -1;
}

static inline int tu_walk_on_entry(void *ctx, const struct ivet_entry *e, struct ivet_err *err)
{
    struct tu_walk *w = ctx;
    if (w->n && !w->r[w->n - 1].ended)
        w->bad_order = true;
    if (w->fail_at_entry >= 0 && (long)e->index == w->fail_at_entry)
        return ivet_err_set(err, IVET_E_USAGE, "walker refuses '%s'", e->path);
    w->r = realloc(w->r, (w->n + 1) * sizeof(*w->r));
    struct tu_rec *r = &w->r[w->n++];
    memset(r, 0, sizeof(*r));
    r->path = strdup(e->path);
    r->link = e->linkname ? strdup(e->linkname) : NULL;
    r->type = e->type;
    r->mode = e->mode;
    r->size = e->size;
    r->index = e->index;
    r->whiteout = e->whiteout;
    r->opaque = e->opaque;
    return w->want_none ? 0 : 1;
}

static inline int tu_walk_on_data(void *ctx, const struct ivet_entry *e, const void *p, size_t n,
                                  struct ivet_err *err)
{
    (void)err;
    struct tu_walk *w = ctx;
    struct tu_rec *r = &w->r[w->n - 1];
    if (strcmp(r->path, e->path) != 0 || r->ended || w->want_none)
        w->bad_order = true;
    r->data = realloc(r->data, r->data_len + n + 1);
    memcpy(r->data + r->data_len, p, n);
    r->data_len += n;
    return 0;
}

static inline int tu_walk_on_end(void *ctx, const struct ivet_entry *e, struct ivet_err *err)
{
    (void)err;
    struct tu_walk *w = ctx;
    if (!w->n || strcmp(w->r[w->n - 1].path, e->path) != 0)
        w->bad_order = true;
    else
        w->r[w->n - 1].ended = true;
    return 0;
}

static const struct ivet_walker_ops tu_walk_ops = {
    tu_walk_on_entry, tu_walk_on_data, tu_walk_on_end,
};

static inline struct tu_rec *tu_walk_find(struct tu_walk *w, const char *path)
{
    for (size_t i = 0; i < w->n; i++)
        if (strcmp(w->r[i].path, path) == 0)
            return &w->r[i];
    return NULL;
}

static inline void tu_walk_free(struct tu_walk *w)
{
    for (size_t i = 0; i < w->n; i++) {
        free(w->r[i].path);
        free(w->r[i].link);
        free(w->r[i].data);
    }
    free(w->r);
    w->r = NULL;
    w->n = 0;
}

/* Walks mem[0..n) read in `chunk`-byte pieces; returns the walk's result. */
static inline int tu_walk_mem(struct tu_walk *w, const void *mem, size_t n, size_t chunk,
                              const struct ivet_limits *lim, uint64_t *entries,
                              struct ivet_err *err)
{
    struct ivet_istream *s = ivet_istream_from_mem(mem, n, chunk, err);
    return ivet_tar_walk(s, &tu_walk_ops, w, lim, entries, err);
}

#endif
