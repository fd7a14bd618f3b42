/* scan_layer.c: the single pass over one layer: records entries for the
 * merge, dispatches them to every analyzer and keeps captured files. Runs on
 * a pool thread; touches only its own job. */
#include "scan/scan_internal.h"

#include <stdatomic.h>
#include <string.h>

struct scan_arena {
    struct scan_arena *next;
    size_t used, cap;
    char data[];
};

static char *arena_strdup(struct scan_arena **ap, const char *s)
{
    size_t n = strlen(s) + 1;
    struct scan_arena *a = *ap;
    if (!a || a->cap - a->used < n) {
        size_t cap = IVET_MAX(n, (size_t)64 * 1024);
        struct scan_arena *b = ivet_malloc(sizeof(*b) + cap);
        if (!b)
            return NULL;
        b->next = a;
        b->used = 0;
        b->cap = cap;
        *ap = a = b;
    }
    char *d = a->data + a->used;
    memcpy(d, s, n);
    a->used += n;
    return d;
}

static void arena_free(struct scan_arena *a)
{
    while (a) {
        struct scan_arena *n = a->next;
        ivet_free(a);
        a = n;
    }
}

static int record(struct scan_job *job, const struct ivet_entry *e, struct ivet_err *err)
{
    if (job->nrecs == job->caprecs) {
        size_t nc = job->caprecs ? job->caprecs * 2 : 256;
        struct scan_rec *v = ivet_reallocarray(job->recs, nc, sizeof(*v));
        if (!v)
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory recording entries");
        job->recs = v;
        job->caprecs = nc;
    }
    struct scan_rec *r = &job->recs[job->nrecs];
    r->path = arena_strdup(&job->arena, e->path);
    r->linkname = e->linkname ? arena_strdup(&job->arena, e->linkname) : NULL;
    if (!r->path || (e->linkname && !r->linkname))
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory recording entries");
    r->type = e->type;
    r->mode = e->mode;
    r->uid = e->uid;
    r->gid = e->gid;
    r->size = e->size;
    r->mtime = e->mtime;
    r->whiteout = e->whiteout;
    r->opaque = e->opaque;
    r->marks = 0;
    job->nrecs++;
    return 0;
}

static int on_entry(void *ctx, const struct ivet_entry *e, struct ivet_err *err)
{
    struct scan_job *job = ctx;
    const struct ivet_limits *lim = &job->opts->limits;
    if (e->type == IVET_ENTRY_FILE &&
        atomic_fetch_add(&job->totals->content, e->size) + e->size > lim->max_image_bytes)
        return ivet_err_set(err, IVET_E_LIMIT, "the image's files exceed the limit max_image_bytes (%llu)",
                            (unsigned long long)lim->max_image_bytes);
    int r = record(job, e, err);
    if (r < 0)
        return r;
    job->want_mask = 0;
    job->capture_requested = false;
    job->capturing = false;
    for (size_t i = 0; i < job->nanalyzers; i++) {
        const struct ivet_analyzer *a = ivet_analyzers[i];
        if (!a->on_entry || !(job->runs & (1ull << i)))
            continue;
        r = a->on_entry(&job->lctx[i], job->states[i], e, err);
        if (r < 0)
            return ivet_err_wrap(err, "analyzer '%s'", a->name);
        if (r > 0 && a->on_data)
            job->want_mask |= 1ull << i;
    }
    if (job->capture_requested && e->type == IVET_ENTRY_FILE && !e->whiteout) {
        if ((r = ivet_captures_begin(job->captures, e->path, job->desc->index, err)) < 0)
            return r;
        job->capturing = true;
    }
    return job->want_mask || job->capturing ? 1 : 0;
}

static int on_data(void *ctx, const struct ivet_entry *e, const void *p, size_t n, struct ivet_err *err)
{
    struct scan_job *job = ctx;
    for (uint64_t m = job->want_mask; m; m &= m - 1) {
        size_t i = (size_t)__builtin_ctzll(m);
        int r = ivet_analyzers[i]->on_data(&job->lctx[i], job->states[i], e, p, n, err);
        if (r < 0)
            return ivet_err_wrap(err, "analyzer '%s'", ivet_analyzers[i]->name);
    }
    if (job->capturing) {
        const struct ivet_limits *lim = &job->opts->limits;
        if (atomic_fetch_add(&job->totals->captured, n) + n > lim->max_image_capture)
            return ivet_err_set(err, IVET_E_LIMIT,
                                "files kept for image-level checks exceed the limit max_image_capture (%llu)",
                                (unsigned long long)lim->max_image_capture);
        return ivet_captures_data(job->captures, p, n, lim->max_capture, err);
    }
    return 0;
}

static int on_entry_end(void *ctx, const struct ivet_entry *e, struct ivet_err *err)
{
    struct scan_job *job = ctx;
    for (size_t i = 0; i < job->nanalyzers; i++) {
        const struct ivet_analyzer *a = ivet_analyzers[i];
        if (a->on_entry_end && (job->runs & (1ull << i)) && a->on_entry_end(&job->lctx[i], job->states[i], e, err) < 0)
            return ivet_err_wrap(err, "analyzer '%s'", a->name);
    }
    job->want_mask = 0;
    job->capturing = false;
    return 0;
}

static const struct ivet_walker_ops walker = { on_entry, on_data, on_entry_end };

/* counting wrapper for progress */
struct count_stream {
    struct ivet_istream base;
    struct ivet_istream *in;
    struct scan_job *job;
};

static ssize_t count_read(struct ivet_istream *s, void *buf, size_t n, struct ivet_err *err)
{
    struct count_stream *c = (struct count_stream *)s;
    ssize_t r = ivet_istream_read(c->in, buf, n, err);
    if (r > 0) {
        uint64_t max = c->job->opts->limits.max_image_compressed;
        if (atomic_fetch_add(&c->job->totals->compressed, (uint64_t)r) + (uint64_t)r > max)
            return ivet_err_set(err, IVET_E_LIMIT, "the image's layer blobs exceed the limit max_image_compressed (%llu)",
                                (unsigned long long)max);
    }
    return r;
}

static void count_close(struct ivet_istream *s)
{
    struct count_stream *c = (struct count_stream *)s;
    ivet_istream_close(c->in);
    ivet_free(c);
}

static const struct ivet_istream_ops count_ops = { count_read, count_close };

struct ivet_istream *scan_count_stream(struct ivet_istream *in, struct scan_job *job,
                                       struct ivet_err *err)
{
    if (!in)
        return NULL;
    struct count_stream *c = ivet_calloc(1, sizeof(*c));
    if (!c) {
        ivet_istream_close(in);
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return NULL;
    }
    ivet_istream_init(&c->base, &count_ops);
    c->in = in;
    c->job = job;
    return &c->base;
}

int scan_layer_run(struct scan_job *job)
{
    struct ivet_err *err = &job->err;
    int r;
    for (size_t i = 0; i < job->nanalyzers; i++) {
        const struct ivet_analyzer *a = ivet_analyzers[i];
        if (a->layer_begin && (job->runs & (1ull << i)) && (r = a->layer_begin(&job->lctx[i], job->states[i], err)) < 0)
            return ivet_err_wrap(err, "analyzer '%s'", a->name);
    }
    struct ivet_istream *blob = job->src->ops->open_blob(job->src, job->desc, err);
    blob = scan_count_stream(blob, job, err);
    if (!blob)
        return -(int)(err->code ? err->code : IVET_E_INTERNAL);
    r = ivet_layer_scan(blob, job->desc, &job->opts->limits, job->split, &walker, job, err);
    if (r < 0)
        return r;
    for (size_t i = 0; i < job->nanalyzers; i++) {
        const struct ivet_analyzer *a = ivet_analyzers[i];
        if (a->layer_end && (job->runs & (1ull << i)) && (r = a->layer_end(&job->lctx[i], job->states[i], err)) < 0)
            return ivet_err_wrap(err, "analyzer '%s'", a->name);
    }
    job->ok = true;
    return 0;
}

void scan_job_release(struct scan_job *job)
{
    for (size_t i = 0; i < job->nanalyzers; i++) {
        const struct ivet_analyzer *a = ivet_analyzers[i];
        if (job->states && job->states[i]) {
            if (a->layer_free)
                a->layer_free(job->states[i]);
            ivet_free(job->states[i]);
        }
        if (job->lctx)
            ivet_findings_release(&job->lctx[i].findings);
    }
    ivet_free(job->states);
    ivet_free(job->lctx);
    ivet_captures_free(job->captures);
    ivet_free(job->recs);
    arena_free(job->arena);
    ivet_err_release(&job->err);
}

/* ---- the analyzer-facing per-layer API (analyzer.h) */
int ivet_lctx_finding(struct ivet_lctx *lx, const char *check_id, const char *path, uint32_t line,
                      const char *evidence, struct ivet_err *err)
{
    return ivet_findings_add_check(&lx->findings, check_id, path, line, lx->layer, evidence, err)
               ? 0
               : -(int)(err->code ? err->code : IVET_E_NOMEM);
}

void ivet_lctx_mark(struct ivet_lctx *lx, unsigned marks)
{
    struct scan_job *job = lx->job;
    if (job->nrecs)
        job->recs[job->nrecs - 1].marks |= (uint8_t)marks;
}

int ivet_lctx_capture(struct ivet_lctx *lx, const struct ivet_entry *e)
{
    (void)e;
    struct scan_job *job = lx->job;
    job->capture_requested = true;
    return 0;
}
