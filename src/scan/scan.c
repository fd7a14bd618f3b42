/* scan.c: the orchestrator. Opens the source, runs the single pass over
 * every layer on the thread pool, merges the layers into the final view,
 * runs the image-level checks and decides the verdict. It fails as a whole:
 * a layer that cannot be vetted fails the scan, never a partial pass. */
#include "scan/scan_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/policy.h"

void ivet_scan_opts_init(struct ivet_scan_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->limits = ivet_limits_default();
}

char *ivet_data_path(const char *data_dir, const char *rel, struct ivet_err *err)
{
    const char *env = getenv("IMAGEVET_DATA_DIR");
    const char *dirs[] = { data_dir, env, IVET_INSTALL_DATA_DIR, IVET_SOURCE_DATA_DIR };
    for (size_t i = 0; i < IVET_ARRAY_LEN(dirs); i++) {
        if (!dirs[i] || !*dirs[i])
            continue;
        char *p = ivet_asprintf("%s/%s", dirs[i], rel);
        if (!p) {
            ivet_err_set(err, IVET_E_NOMEM, "out of memory");
            return NULL;
        }
        struct stat st;
        if (stat(p, &st) == 0)
            return p;
        ivet_free(p);
    }
    ivet_err_set(err, IVET_E_NOTFOUND, "data file '%s' not found (set IMAGEVET_DATA_DIR or --data-dir)", rel);
    return NULL;
}

struct scan {
    const struct ivet_scan_opts *opts;
    struct ivet_source *src;
    struct ivet_report *r;
    size_t nanalyzers;
    void **globals;
    bool *setup_done;
    struct scan_job *jobs;
    size_t njobs;
    struct scan_totals totals;
    struct ivet_fsview *view;
};

static void job_main(void *arg)
{
    struct scan_job *job = arg;
    /* the findings this thread adds take the check details this scan registered */
    ivet_check_set_owner(job->owner);
    if (scan_layer_run(job) < 0 && job->err.code == IVET_OK)
        ivet_err_set(&job->err, IVET_E_INTERNAL, "layer failed without a message");
}

/* Does analyzer a take part in this scan? Each analyzer names its modes. */
static bool analyzer_runs(const struct scan *s, const struct ivet_analyzer *a)
{
    unsigned mode = s->opts->verify_only ? IVET_MODE_VERIFY : s->opts->file_digests ? IVET_MODE_DIFF : IVET_MODE_SCAN;
    return ((a->modes ? a->modes : IVET_MODE_SCAN) & mode) != 0;
}

static int setup_analyzers(struct scan *s, struct ivet_err *err)
{
    size_t n = 0;
    while (ivet_analyzers[n])
        n++;
    if (n > 64)
        return ivet_err_set(err, IVET_E_INTERNAL, "more than 64 analyzers");
    s->nanalyzers = n;
    s->globals = ivet_calloc(n ? n : 1, sizeof(void *));
    s->setup_done = ivet_calloc(n ? n : 1, sizeof(bool));
    if (!s->globals || !s->setup_done)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    /* what the analyzers register in the check catalog is this scan's */
    ivet_check_set_owner(s);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const struct ivet_analyzer *a = ivet_analyzers[i];
        if (!analyzer_runs(s, a))
            continue;
        /* teardown also gets what a failing setup left in its global */
        s->setup_done[i] = true;
        if (a->setup && a->setup(s->opts, &s->globals[i], err) < 0)
            rc = ivet_err_wrap(err, "analyzer '%s'", a->name);
    }
    return rc;
}

static void teardown_analyzers(struct scan *s)
{
    /* first out of the catalog, then freed: another scan may be looking */
    ivet_check_unregister(s);
    for (size_t i = 0; i < s->nanalyzers; i++)
        if (s->setup_done && s->setup_done[i] && s->globals[i] && ivet_analyzers[i]->teardown)
            ivet_analyzers[i]->teardown(s->globals[i]);
    ivet_free(s->globals);
    ivet_free(s->setup_done);
}

static int prepare_jobs(struct scan *s, struct ivet_err *err)
{
    struct ivet_image *img = &s->r->image;
    unsigned threads = s->opts->threads ? s->opts->threads : ivet_ncpus();
    s->njobs = s->opts->verify_only ? 0 : img->nlayers;
    s->jobs = ivet_calloc(s->njobs ? s->njobs : 1, sizeof(*s->jobs));
    if (!s->jobs)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    for (size_t l = 0; l < s->njobs; l++) {
        struct scan_job *job = &s->jobs[l];
        job->src = s->src;
        job->owner = s;
        job->totals = &s->totals;
        job->desc = &img->layers[l];
        job->opts = s->opts;
        /* With spare cores, split each layer's pass over two threads: read,
         * blob digest and inflate on one; the tar's digest, the walk and the
         * analyzers on the other. With content rules cheap on binaries, that
         * split beats hashing the tar on the inflating thread, with content
         * analysis on and off (bench/results/scan-*.md). */
        job->split = threads > 1 ? IVET_SPLIT_BEFORE_DIFF_ID : IVET_SPLIT_NONE;
        job->nanalyzers = s->nanalyzers;
        job->lctx = ivet_calloc(s->nanalyzers ? s->nanalyzers : 1, sizeof(*job->lctx));
        job->states = ivet_calloc(s->nanalyzers ? s->nanalyzers : 1, sizeof(void *));
        job->captures = ivet_captures_new(err);
        if (!job->lctx || !job->states || !job->captures)
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        for (size_t i = 0; i < s->nanalyzers; i++) {
            const struct ivet_analyzer *a = ivet_analyzers[i];
            struct ivet_lctx *lx = &job->lctx[i];
            if (s->setup_done[i])       /* set for exactly the analyzers that run */
                job->runs |= 1ull << i;
            lx->layer = (int)l;
            lx->desc = job->desc;
            lx->opts = s->opts;
            lx->limits = &s->opts->limits;
            lx->captures = job->captures;
            lx->global = s->globals[i];
            lx->job = job;
            if (a->state_size && !(job->states[i] = ivet_calloc(1, a->state_size)))
                return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        }
    }
    return 0;
}

/* Progress on stderr: compressed bytes read per layer against the total. */
struct progress {
    struct scan *s;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop, started;
};

static void progress_print(struct progress *p, bool final)
{
    uint64_t done = atomic_load(&p->s->totals.compressed), total = 0;
    unsigned finished = 0;
    for (size_t i = 0; i < p->s->njobs; i++) {
        total += p->s->jobs[i].desc->size;
        finished += p->s->jobs[i].ok;
    }
    fprintf(stderr, "\r\033[Kimagevet: layers %u/%zu, %.1f/%.1f MB%s", finished, p->s->njobs, done / 1e6,
            total / 1e6, final ? "\n" : "");
}

static void *progress_main(void *arg)
{
    struct progress *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 250000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&p->cv, &p->mu, &ts);
        if (!p->stop)
            progress_print(p, false);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void progress_start(struct progress *p, struct scan *s)
{
    memset(p, 0, sizeof(*p));
    p->s = s;
    uint64_t total = 0;
    for (size_t i = 0; i < s->njobs; i++)
        total += s->jobs[i].desc->size;
    /* Only for people watching a terminal, and only when it takes a while. */
    if (!s->opts->progress || !isatty(2) || total < (64u << 20))
        return;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->started = pthread_create(&p->thread, NULL, progress_main, p) == 0;
}

static void progress_stop(struct progress *p)
{
    if (!p->started)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    progress_print(p, true);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
}

static int run_layers(struct scan *s, struct ivet_err *err)
{
    unsigned threads = s->opts->threads ? s->opts->threads : ivet_ncpus();
    if (threads > s->njobs)
        threads = (unsigned)(s->njobs ? s->njobs : 1);
    /* One stream holds every blob: the layers take turns, in its order (each
     * still splits over two threads when it may). */
    long (*rank)(struct ivet_source *, const struct ivet_layer_desc *) = s->src->ops->stream_rank;
    if (rank)
        threads = 1;
    struct ivet_pool *pool = ivet_pool_new(threads, err);
    if (!pool)
        return -(int)err->code;
    struct progress prog;
    progress_start(&prog, s);
    int rc = 0;
    /* Largest layers first, so a big layer does not start last; for a
     * one-stream source, the stream's order (unknown places last). */
    size_t *order = ivet_calloc(s->njobs ? s->njobs : 1, sizeof(size_t));
    uint64_t *key = ivet_calloc(s->njobs ? s->njobs : 1, sizeof(uint64_t));
    if (!order || !key) {
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < s->njobs; i++) {
        long at = rank ? rank(s->src, s->jobs[i].desc) : 0;
        order[i] = i;
        key[i] = !rank ? s->jobs[i].desc->size : at < 0 ? 0 : UINT64_MAX - (uint64_t)at;
    }
    for (size_t i = 1; i < s->njobs; i++)
        for (size_t k = i; k > 0 && key[order[k]] > key[order[k - 1]]; k--) {
            size_t t = order[k];
            order[k] = order[k - 1];
            order[k - 1] = t;
        }
    for (size_t i = 0; i < s->njobs && rc == 0; i++)
        rc = ivet_pool_submit(pool, job_main, &s->jobs[order[i]], err);
    ivet_pool_wait(pool);
out:
    ivet_pool_free(pool);
    progress_stop(&prog);
    ivet_free(order);
    ivet_free(key);
    if (rc < 0)
        return rc;
    /* The first failing layer (bottom-most) decides the error. */
    for (size_t i = 0; i < s->njobs; i++) {
        struct scan_job *job = &s->jobs[i];
        if (!job->ok) {
            ivet_err_move(err, &job->err);
            /* the layer pipeline and the sources already name the blob */
            return ivet_err_wrap(err, "layer %zu", i);
        }
    }
    return 0;
}

static int merge_layers(struct scan *s, struct ivet_err *err)
{
    if (!(s->view = ivet_fsview_new(err)))
        return -(int)err->code;
    for (size_t l = 0; l < s->njobs; l++) {
        struct scan_job *job = &s->jobs[l];
        for (size_t k = 0; k < job->nrecs; k++) {
            struct scan_rec *rec = &job->recs[k];
            struct ivet_entry e = {
                .path = rec->path, .linkname = rec->linkname, .type = rec->type, .mode = rec->mode,
                .uid = rec->uid, .gid = rec->gid, .size = rec->size, .mtime = rec->mtime,
                .whiteout = rec->whiteout, .opaque = rec->opaque, .index = k, .marks = rec->marks,
            };
            int r = ivet_fsview_apply(s->view, (int)l, &e, err);
            if (r < 0)
                return ivet_err_wrap(err, "layer %zu: merging '%s'", l, rec->path);
        }
    }
    return 0;
}

/* Moves every layer's findings into the report, marking the ones whose file
 * a later layer deletes or replaces: shipped, but hidden. */
static int collect_layer_findings(struct scan *s, struct ivet_err *err)
{
    for (size_t l = 0; l < s->njobs; l++) {
        struct scan_job *job = &s->jobs[l];
        for (size_t i = 0; i < job->nanalyzers; i++) {
            struct ivet_findings *f = &job->lctx[i].findings;
            for (size_t k = 0; k < f->n; k++) {
                struct ivet_finding *x = &f->v[k];
                int hb = -1;
                if (x->path && x->layer >= 0 && !ivet_fsview_visible(s->view, x->path, x->layer, &hb)) {
                    x->hidden = true;
                    x->hidden_by = hb;
                }
            }
            int r = ivet_findings_splice(&s->r->findings, f, err);
            if (r < 0)
                return r;
        }
    }
    return 0;
}

struct ictx_priv {
    struct ivet_ictx ix;
    struct scan *s;
};

static const struct ivet_bytes empty_bytes = { (const uint8_t *)"", 0 };

const struct ivet_bytes *ivet_ictx_file(struct ivet_ictx *ix, const char *path, int *layer,
                                        bool *truncated)
{
    struct scan *s = ((struct ictx_priv *)ix)->s;
    const struct ivet_fsnode *n = ivet_fsview_resolve(s->view, path);
    if (!n || n->type != IVET_ENTRY_FILE || n->layer < 0 || (size_t)n->layer >= s->njobs)
        return NULL;
    const struct ivet_capture *c = ivet_captures_find(s->jobs[n->layer].captures, n->path);
    if (!c)
        return NULL;
    if (layer)
        *layer = c->layer;
    if (truncated)
        *truncated = c->truncated;
    return c->content.ptr ? &c->content : &empty_bytes;
}

int ivet_ictx_each_capture(struct ivet_ictx *ix,
                           int (*fn)(void *arg, const char *path, int layer, const struct ivet_bytes *b,
                                     bool truncated),
                           void *arg)
{
    struct scan *s = ((struct ictx_priv *)ix)->s;
    for (size_t l = 0; l < s->njobs; l++) {
        struct ivet_captures *c = s->jobs[l].captures;
        for (size_t i = 0; i < ivet_captures_count(c); i++) {
            const struct ivet_capture *x = ivet_captures_at(c, i);
            int r = fn(arg, x->path, x->layer, x->content.ptr ? &x->content : &empty_bytes, x->truncated);
            if (r < 0)
                return r;
        }
    }
    return 0;
}

int ivet_ictx_finding(struct ivet_ictx *ix, const char *check_id, const char *path, int layer,
                      const char *evidence, struct ivet_err *err)
{
    struct ivet_finding *f =
        ivet_findings_add_check(&ix->report->findings, check_id, path, 0, layer, evidence, err);
    if (!f)
        return -(int)(err->code ? err->code : IVET_E_NOMEM);
    int hb = -1;
    struct scan *s = ((struct ictx_priv *)ix)->s;
    if (path && layer >= 0 && !ivet_fsview_visible(s->view, path, layer, &hb)) {
        f->hidden = true;
        f->hidden_by = hb;
    }
    return 0;
}

static int run_image_checks(struct scan *s, struct ivet_err *err)
{
    struct ictx_priv p = { .s = s };
    p.ix.opts = s->opts;
    p.ix.image = &s->r->image;
    p.ix.view = s->view;
    p.ix.report = s->r;
    for (size_t i = 0; i < s->nanalyzers; i++) {
        const struct ivet_analyzer *a = ivet_analyzers[i];
        if (!a->on_image || !analyzer_runs(s, a))
            continue;
        p.ix.global = s->globals[i];
        if (a->on_image(&p.ix, err) < 0)
            return ivet_err_wrap(err, "analyzer '%s'", a->name);
    }
    return 0;
}

static int open_source(struct scan *s, struct ivet_err *err)
{
    const struct ivet_scan_opts *o = s->opts;
    struct ivet_source_opts so = { 0 };
    so.limits = o->limits;
    if (o->platform) {
        int r = ivet_platform_parse(&so.platform, o->platform, err);
        if (r < 0)
            return r;
        so.platform_set = true;
    } else {
        ivet_platform_host(&so.platform);
    }
    so.username = o->username;
    so.password = o->password;
    so.ca_file = o->ca_file;
    so.insecure_hosts = o->insecure_registries;
    so.progress = o->progress;
    s->src = ivet_source_open(o->image, &so, err);
    if (!s->src)
        return -(int)(err->code ? err->code : IVET_E_INTERNAL);
    int r = s->src->ops->resolve(s->src, &s->r->image, err);
    if (r < 0)
        return r;
    /* what the source tolerated while resolving (history and layers that
     * disagree, an insecure registry, ...) is for the reader of the report */
    if (s->r->image.nlayers == 0 && !o->verify_only &&
        (r = ivet_report_note(s->r, err, "the image has no layers: only its configuration was vetted")) < 0)
        return r;
    if (o->verify_only && (r = ivet_report_note(s->r, err, "verify: only the image's cosign signatures were "
                                                "checked; no layer was read")) < 0)
        return r;
    for (size_t i = 0; i < s->r->image.nnotes; i++)
        if ((r = ivet_report_note(s->r, err, "%s", s->r->image.notes[i])) < 0)
            return r;
    /* documents beside the image: not for diff, which compares the images' contents */
    if (o->file_digests)
        return 0;
    if (!o->verify_only && (r = scan_attestations(s->src, s->r, o->limits.max_json, err)) < 0)
        return r;
    return scan_signatures(s->src, s->r, o->limits.max_json, err);
}

struct ivet_report *ivet_scan(const struct ivet_scan_opts *o, struct ivet_err *err)
{
    double t0 = ivet_now();
    struct ivet_scan_opts eff;
    struct scan s = { .opts = &eff };
    struct ivet_policy *pol = NULL;
    char today[11];
    int rc;
    if (!o || !o->image) {
        ivet_err_set(err, IVET_E_USAGE, "no image given");
        return NULL;
    }
    if (o->verify_only && !(o->keys && o->keys[0])) {
        ivet_err_set(err, IVET_E_USAGE, "verify: no public key given (--key FILE)");
        return NULL;
    }
    /* The policy first: a bad policy fails before any image byte is read. */
    if (!(pol = ivet_policy_prepare(o, &eff, err)))
        return NULL;
    if (!(s.r = ivet_report_new(err))) {
        ivet_policy_free(pol);
        return NULL;
    }
    if ((rc = open_source(&s, err)) < 0) {
        ivet_err_wrap(err, "'%s'", o->image);
        goto out;
    }
    if ((rc = setup_analyzers(&s, err)) < 0)
        goto out;
    if ((rc = prepare_jobs(&s, err)) < 0)
        goto out;
    if ((rc = run_layers(&s, err)) < 0)
        goto out;
    if ((rc = merge_layers(&s, err)) < 0)
        goto out;
    if ((rc = collect_layer_findings(&s, err)) < 0)
        goto out;
    if ((rc = run_image_checks(&s, err)) < 0)
        goto out;
    ivet_policy_today(today);
    if ((rc = ivet_policy_decide(pol, today, s.r, err)) < 0)
        goto out;
    s.r->seconds = ivet_now() - t0;
out:
    for (size_t i = 0; i < s.njobs; i++)
        scan_job_release(&s.jobs[i]);
    ivet_free(s.jobs);
    teardown_analyzers(&s);
    ivet_check_set_owner(NULL);
    ivet_fsview_free(s.view);
    ivet_source_free(s.src);
    ivet_policy_free(pol);
    if (rc < 0) {
        ivet_report_free(s.r);
        return NULL;
    }
    return s.r;
}
