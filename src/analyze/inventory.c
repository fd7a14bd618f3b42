/* inventory.c: the package inventory analyzer. During each layer's pass it
 * asks for the package databases and metadata files to be captured, and
 * streams executables and JARs through bounded scanners (packages_elf.c,
 * packages_java.c) whose results it keeps. After the merge it reads the
 * visible version of every file, parses it with the packages_<type>.c
 * parsers, attributes each package to the layer that added it, and fills
 * the report's OS and package list. Vulnerability matching comes later in
 * the registry and reads that list. */
#include "analyze/analyzer.h"
#include "analyze/packages.h"
#include "imagevet/scan.h"
#include "report/report.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define INV_MAX_JAR (64u * 1024u * 1024u)
#define INV_MIN_BINARY 1024u

static const struct ivet_check inventory_checks[] = {
    { "BASE-OS-EOL", "base", IVET_SEV_MEDIUM, "Base distribution release no longer gets security updates",
      "Rebuild on a supported release of the distribution (or another base image)" },
    { "BASE-UNKNOWN-OS", "base", IVET_SEV_INFO, "Distribution could not be identified",
      "Ship /etc/os-release so that scanners can tell which advisories apply" },
};

static const char *const apk_db = "/lib/apk/db/installed";
static const char *const dpkg_db = "/var/lib/dpkg/status";
static const char *const dpkg_dir = "/var/lib/dpkg/status.d/";
static const char *const rpm_sqlite[] = { "/usr/lib/sysimage/rpm/rpmdb.sqlite",
                                          "/var/lib/rpm/rpmdb.sqlite", NULL };
static const char *const rpm_other[] = { "/var/lib/rpm/Packages", "/var/lib/rpm/Packages.db",
                                         "/usr/lib/sysimage/rpm/Packages.db", NULL };

/* ---- which files are captured */

static bool in_list(const char *path, const char *const *l)
{
    for (; *l; l++)
        if (!strcmp(path, *l))
            return true;
    return false;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

enum kind { K_NONE, K_OS, K_APK, K_DPKG, K_DPKG_D, K_RPM, K_PYTHON, K_NPM, K_GEM };

static enum kind classify(const char *path)
{
    if (in_list(path, ivet_os_files))
        return K_OS;
    if (!strcmp(path, apk_db))
        return K_APK;
    if (!strcmp(path, dpkg_db))
        return K_DPKG;
    if (ivet_startswith(path, dpkg_dir) && !strchr(path + strlen(dpkg_dir), '/') &&
        !ivet_endswith(path, ".md5sums"))
        return K_DPKG_D;
    if (in_list(path, rpm_sqlite))
        return K_RPM;
    /* an .egg-info can also be a single PKG-INFO-format file */
    if (ivet_endswith(path, ".dist-info/METADATA") || ivet_endswith(path, ".egg-info/PKG-INFO") ||
        ivet_endswith(path, ".egg-info"))
        return K_PYTHON;
    if (ivet_endswith(path, ".gemspec")) {
        /* specifications/ and Ruby's own default gems in specifications/default/ */
        const char *b = base_name(path);
        if ((b - path >= 16 && !strncmp(b - 16, "/specifications/", 16)) ||
            (b - path >= 24 && !strncmp(b - 24, "/specifications/default/", 24)))
            return K_GEM;
    }
    if (ivet_npm_path_wanted(path))
        return K_NPM;
    return K_NONE;
}

/* ---- per-layer streaming state and the results it leaves behind */

struct bin_result {
    char *path;
    int layer;
    struct ivet_pkglist pkgs;
};

struct inv_global {
    pthread_mutex_t lock;
    struct bin_result *v;
    size_t n, cap;
};

struct inv_state {
    struct ivet_elf_scan *elf;
    struct ivet_buf jar;
    bool jar_on;
};

static int inv_setup(const struct ivet_scan_opts *o, void **global, struct ivet_err *err)
{
    (void)o;
    struct inv_global *g = ivet_calloc(1, sizeof(*g));
    if (!g)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    pthread_mutex_init(&g->lock, NULL);
    *global = g;
    return 0;
}

static void inv_teardown(void *global)
{
    struct inv_global *g = global;
    if (!g)
        return;
    for (size_t i = 0; i < g->n; i++) {
        ivet_free(g->v[i].path);
        ivet_pkglist_release(&g->v[i].pkgs);
    }
    ivet_free(g->v);
    pthread_mutex_destroy(&g->lock);
    ivet_free(g);
}

static int keep_result(struct inv_global *g, const char *path, int layer, struct ivet_pkglist *l,
                       struct ivet_err *err)
{
    int r = 0;
    pthread_mutex_lock(&g->lock);
    if (g->n == g->cap) {
        size_t nc = g->cap ? g->cap * 2 : 16;
        struct bin_result *v = ivet_reallocarray(g->v, nc, sizeof(*v));
        if (!v) {
            r = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
            goto out;
        }
        g->v = v;
        g->cap = nc;
    }
    char *p = ivet_strdup(path);
    if (!p) {
        r = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        goto out;
    }
    g->v[g->n++] = (struct bin_result){ .path = p, .layer = layer, .pkgs = *l };
    memset(l, 0, sizeof(*l));
out:
    pthread_mutex_unlock(&g->lock);
    return r;
}

static int inv_on_entry(struct ivet_lctx *lx, void *vs, const struct ivet_entry *e,
                        struct ivet_err *err)
{
    struct inv_state *s = vs;
    if (e->type != IVET_ENTRY_FILE || e->whiteout)
        return 0;
    enum kind k = classify(e->path);
    if (k != K_NONE) {
        ivet_lctx_capture(lx, e);
        return 0;
    }
    if (ivet_jar_path(e->path) && e->size >= 22) {
        uint64_t cap = lx->limits && lx->limits->max_capture ? lx->limits->max_capture : INV_MAX_JAR;
        ivet_buf_init(&s->jar, (size_t)IVET_MIN(cap, (uint64_t)INV_MAX_JAR));
        s->jar_on = true;
        return 1;
    }
    if ((e->mode & 0111) && e->size >= INV_MIN_BINARY) {
        if (!(s->elf = ivet_elf_scan_new(err)))
            return -IVET_E_NOMEM;
        return 1;
    }
    return 0;
}

static int inv_on_data(struct ivet_lctx *lx, void *vs, const struct ivet_entry *e, const void *p,
                       size_t n, struct ivet_err *err)
{
    (void)lx;
    (void)e;
    struct inv_state *s = vs;
    if (s->elf)
        return ivet_elf_scan_data(s->elf, p, n, err);
    if (s->jar_on && s->jar.len < s->jar.max) {
        /* keep what fits: the streaming zip reader uses the entries before a cut */
        if (ivet_buf_append(&s->jar, p, IVET_MIN(n, s->jar.max - s->jar.len), err) < 0)
            return -(int)err->code;
    }
    return 0;
}

static int inv_on_entry_end(struct ivet_lctx *lx, void *vs, const struct ivet_entry *e,
                            struct ivet_err *err)
{
    struct inv_state *s = vs;
    struct ivet_pkglist l = { 0 };
    struct ivet_pkgctx c = { .path = e->path, .layer = lx->layer,
                             .sink = { ivet_pkglist_sink, &l } };
    int r = 0;
    if (s->elf) {
        r = ivet_elf_scan_finish(s->elf, &c, err);
        ivet_elf_scan_free(s->elf);
        s->elf = NULL;
    } else if (s->jar_on) {
        r = ivet_jar_parse(ivet_bytes_make(s->jar.ptr, s->jar.len), &c, err);
        ivet_buf_release(&s->jar);
        s->jar_on = false;
    }
    if (r > 0 && l.n)
        r = keep_result(lx->global, e->path, lx->layer, &l, err);
    ivet_pkglist_release(&l);
    return r < 0 ? r : 0;
}

static void inv_layer_free(void *vs)
{
    struct inv_state *s = vs;
    ivet_elf_scan_free(s->elf);
    s->elf = NULL;
    ivet_buf_release(&s->jar);
}

/* ---- after the merge */

struct inv_run {
    struct ivet_ictx *ix;
    struct ivet_report *r;
    struct ivet_osinfo os;
    unsigned bad_files;                 /* per-file metadata that could not be read */
    char *bad_example;                  /* the first of them */
};

static int report_list(struct inv_run *run, const struct ivet_pkglist *l, struct ivet_err *err)
{
    for (size_t i = 0; i < l->n; i++)
        if (!ivet_report_add_package(run->r, &l->v[i], err))
            return -(int)err->code;
    return 0;
}

static int detect_os(struct inv_run *run, struct ivet_err *err)
{
    for (const char *const *f = ivet_os_files; *f; f++) {
        int layer;
        bool trunc;
        const struct ivet_bytes *b = ivet_ictx_file(run->ix, *f, &layer, &trunc);
        if (!b)
            continue;
        int k = strstr(*f, "os-release") ? ivet_os_release_parse(*b, &run->os, err)
                                               : ivet_os_fallback_parse(*f, *b, &run->os, err);
        if (k < 0)
            return k;
        if (k > 0) {
            if (!strcmp(run->os.source, "os-release"))
                run->os.source = *f;
            break;
        }
        ivet_osinfo_release(&run->os);
    }
    struct ivet_report *r = run->r;
    if (!run->os.id)
        return 0;
    if ((run->os.id && !(r->os_id = ivet_strdup(run->os.id))) ||
        (run->os.version_id && !(r->os_version = ivet_strdup(run->os.version_id))) ||
        (run->os.name && !(r->os_name = ivet_strdup(run->os.name))))
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    return 0;
}

/* An unidentified distribution matters when there is one: OS packages, or a
 * userland with a shell. A scratch image holding one static binary has none. */
static bool has_distribution(struct inv_run *run, size_t first)
{
    for (size_t i = first; i < run->r->npackages; i++) {
        const char *t = run->r->packages[i].type;
        if (!strcmp(t, "apk") || !strcmp(t, "deb") || !strcmp(t, "rpm"))
            return true;
    }
    return ivet_fsview_resolve(run->ix->view, "/bin/sh") != NULL;
}

static int os_findings(struct inv_run *run, bool have_distribution, struct ivet_err *err)
{
    const char *eol;
    if (!run->os.id) {
        if (have_distribution &&
            ivet_ictx_finding(run->ix, "BASE-UNKNOWN-OS", NULL, -1,
                              "no /etc/os-release or distribution release file", err) < 0)
            return -IVET_E_NOMEM;
        return 0;
    }
    if (ivet_os_eol(run->os.id, run->os.version_id, &eol)) {
        char now[11];
        ivet_today(now);
        if (strcmp(now, eol) > 0) {
            char *ev = ivet_asprintf("%s %s: security support ended %s", run->os.id,
                                     run->os.version_id, eol);
            int k = ev ? ivet_ictx_finding(run->ix, "BASE-OS-EOL", run->os.source, -1, ev, err)
                       : ivet_err_set(err, IVET_E_NOMEM, "out of memory");
            ivet_free(ev);
            if (k < 0)
                return k;
        }
    }
    return 0;
}

typedef int (*db_parse_fn)(struct ivet_bytes b, const struct ivet_pkgctx *c, struct ivet_err *err);

static int parse_dpkg_status(struct ivet_bytes b, const struct ivet_pkgctx *c, struct ivet_err *err)
{
    return ivet_dpkg_parse(b, false, c, err);
}

struct db_versions {
    const char *path;
    db_parse_fn parse;
    struct inv_run *run;
    int visible_layer;
    struct ivet_pkglist lists[64];
    int layers[64];
    size_t n;
    struct ivet_err *err;
    int failed;
};

static int collect_version(void *arg, const char *path, int layer, const struct ivet_bytes *b,
                           bool truncated)
{
    struct db_versions *d = arg;
    (void)truncated;
    if (strcmp(path, d->path) || layer >= d->visible_layer)
        return 0;
    if (d->n == IVET_ARRAY_LEN(d->lists)) {
        /* keep the newest versions: attribution walks down from the visible one */
        if (layer < d->layers[0])
            return 0;
        ivet_pkglist_release(&d->lists[0]);
        memmove(&d->lists[0], &d->lists[1], (d->n - 1) * sizeof(d->lists[0]));
        memmove(&d->layers[0], &d->layers[1], (d->n - 1) * sizeof(d->layers[0]));
        d->n--;
    }
    struct ivet_pkglist l = { 0 };
    struct ivet_pkgctx c = { .path = path, .layer = layer,
                             .distro_id = d->run->os.id, .distro_version = d->run->os.version_id,
                             .sink = { ivet_pkglist_sink, &l } };
    struct ivet_err e = IVET_ERR_INIT;
    int k = d->parse(*b, &c, &e);
    if (k < 0 && e.code == IVET_E_NOMEM) {
        ivet_err_move(d->err, &e);
        ivet_pkglist_release(&l);
        d->failed = k;
        return k;
    }
    ivet_err_release(&e);
    /* keep the versions ordered by layer, oldest first */
    size_t i = d->n++;
    for (; i > 0 && d->layers[i - 1] > layer; i--) {
        d->lists[i] = d->lists[i - 1];
        d->layers[i] = d->layers[i - 1];
    }
    d->lists[i] = l;
    d->layers[i] = layer;
    return 0;
}

/* One database: the visible version, attributed through the older ones. */
static int inventory_db(struct inv_run *run, const char *path, db_parse_fn parse,
                        struct ivet_err *err)
{
    int layer;
    bool trunc;
    const struct ivet_bytes *b = ivet_ictx_file(run->ix, path, &layer, &trunc);
    if (!b)
        return 0;
    struct ivet_pkglist vis = { 0 };
    struct db_versions *d = ivet_calloc(1, sizeof(*d));
    if (!d)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    unsigned bad = 0;
    struct ivet_pkgctx c = { .path = path, .layer = layer, .distro_id = run->os.id,
                             .distro_version = run->os.version_id,
                             .sink = { ivet_pkglist_sink, &vis }, .malformed = &bad };
    struct ivet_err e = IVET_ERR_INIT;
    int k = parse(*b, &c, &e);
    if (k < 0) {
        if (e.code == IVET_E_NOMEM) {
            ivet_err_move(err, &e);
            goto out;
        }
        k = ivet_report_note(run->r, err, "cannot read the package database '%s': %s", path,
                             ivet_err_msg(&e));
        goto out;
    }
    if (trunc &&
        (k = ivet_report_note(run->r, err, "'%s' is larger than the capture limit: "
                                           "its package list may be incomplete", path)) < 0)
        goto out;
    if (bad && (k = ivet_report_note(run->r, err, "'%s': %u package record%s could not be read "
                                                  "(no name or version, or damaged): not listed",
                                     path, bad, bad == 1 ? "" : "s")) < 0)
        goto out;
    *d = (struct db_versions){ .path = path, .parse = parse, .run = run, .visible_layer = layer,
                               .err = err };
    ivet_ictx_each_capture(run->ix, collect_version, d);
    if ((k = d->failed) < 0)
        goto out;
    ivet_pkglist_attribute(&vis, layer, d->lists, d->layers, d->n);
    k = report_list(run, &vis, err);
out:
    ivet_err_release(&e);
    for (size_t i = 0; d && i < d->n; i++)
        ivet_pkglist_release(&d->lists[i]);
    ivet_free(d);
    ivet_pkglist_release(&vis);
    return k < 0 ? k : 0;
}

/* Per-file packages (one file, one package or a few): only visible versions. */
static int each_file(void *arg, const char *path, int layer, const struct ivet_bytes *b,
                     bool truncated)
{
    struct inv_run *run = arg;
    (void)truncated;
    enum kind k = classify(path);
    if (k != K_PYTHON && k != K_NPM && k != K_GEM && k != K_DPKG_D)
        return 0;
    if (!ivet_fsview_visible(run->ix->view, path, layer, NULL))
        return 0;
    struct ivet_err e = IVET_ERR_INIT;
    struct ivet_pkglist l = { 0 };
    unsigned bad = 0;
    struct ivet_pkgctx c = { .path = path, .layer = layer, .distro_id = run->os.id,
                             .distro_version = run->os.version_id,
                             .sink = { ivet_pkglist_sink, &l }, .malformed = &bad };
    int r = 0;
    switch (k) {
    case K_PYTHON: r = ivet_python_meta_parse(*b, &c, &e); break;
    case K_NPM: r = ivet_npm_package_parse(*b, &c, &e); break;
    case K_GEM: r = ivet_gemspec_parse(*b, &c, &e); break;
    case K_DPKG_D: r = ivet_dpkg_parse(*b, true, &c, &e); break;
    default: break;
    }
    if (r >= 0)
        r = report_list(run, &l, &e);
    if (r >= 0 && bad && !run->bad_files++ && !(run->bad_example = ivet_strdup(path)))
        r = -IVET_E_NOMEM;
    ivet_pkglist_release(&l);
    ivet_err_release(&e);
    return r < 0 ? r : 0;
}

static int type_rank(const char *t)
{
    static const char *const order[] = { "apk", "deb", "rpm", NULL };
    for (int i = 0; order[i]; i++)
        if (!strcmp(t, order[i]))
            return i;
    return 10;
}

static int pkg_cmp(const void *a, const void *b)
{
    const struct ivet_package *x = a, *y = b;
    int c = type_rank(x->type) - type_rank(y->type);
    if (!c)
        c = strcmp(x->type, y->type);
    if (!c)
        c = strcmp(x->name, y->name);
    if (!c)
        c = strcmp(x->version, y->version);
    if (!c)
        c = strcmp(x->path ? x->path : "", y->path ? y->path : "");
    return c;
}

static int inv_on_image(struct ivet_ictx *ix, struct ivet_err *err)
{
    struct inv_run run = { .ix = ix, .r = ix->report };
    struct inv_global *g = ix->global;
    size_t before = ix->report->npackages;
    int k;
    if ((k = detect_os(&run, err)) < 0)
        goto out;
    if ((k = inventory_db(&run, apk_db, ivet_apkdb_parse, err)) < 0 ||
        (k = inventory_db(&run, dpkg_db, parse_dpkg_status, err)) < 0)
        goto out;
    bool have_rpm = false;
    for (const char *const *p = rpm_sqlite; *p; p++) {
        if (ivet_ictx_file(ix, *p, NULL, NULL)) {
            have_rpm = true;
            if ((k = inventory_db(&run, *p, ivet_rpmdb_sqlite_parse, err)) < 0)
                goto out;
            break;
        }
    }
    for (const char *const *p = rpm_other; *p && !have_rpm; p++) {
        if (ivet_fsview_resolve(ix->view, *p)) {
            const char *fmt = ivet_endswith(*p, ".db") ? "ndb" : "Berkeley DB";
            if ((k = ivet_report_note(ix->report, err,
                                      "rpm database format %s ('%s') is not supported: "
                                      "the rpm packages of this image are not listed",
                                      fmt, *p)) < 0)
                goto out;
            break;
        }
    }
    if ((k = ivet_ictx_each_capture(ix, each_file, &run)) < 0) {
        k = ivet_err_set(err, IVET_E_NOMEM, "out of memory listing packages");
        goto out;
    }
    if (run.bad_files &&
        (k = ivet_report_note(ix->report, err, "%u package metadata file%s could not be read (not JSON, "
                                               "no name or version, or cut at the capture limit), "
                                               "first '%s': not listed",
                              run.bad_files, run.bad_files == 1 ? "" : "s", run.bad_example)) < 0)
        goto out;
    for (size_t i = 0; g && i < g->n; i++) {
        if (!ivet_fsview_visible(ix->view, g->v[i].path, g->v[i].layer, NULL))
            continue;
        if ((k = report_list(&run, &g->v[i].pkgs, err)) < 0)
            goto out;
    }
    struct ivet_report *r = ix->report;
    if (r->npackages > before)
        qsort(r->packages + before, r->npackages - before, sizeof(*r->packages), pkg_cmp);
    k = os_findings(&run, has_distribution(&run, before), err);
out:
    ivet_osinfo_release(&run.os);
    ivet_free(run.bad_example);
    return k < 0 ? k : 0;
}

#ifdef IVET_BENCH_NO_INVENTORY
/* bench/inventory.sh builds a baseline without the inventory's work (the
 * catalog stays so that the check documentation test still holds). */
const struct ivet_analyzer ivet_analyzer_inventory = {
    .name = "inventory",
    .modes = IVET_MODE_SCAN | IVET_MODE_DIFF,
    .checks = inventory_checks,
    .nchecks = IVET_ARRAY_LEN(inventory_checks),
};
__attribute__((unused)) static const struct ivet_analyzer inventory_unused = {
#else
const struct ivet_analyzer ivet_analyzer_inventory = {
#endif
    .name = "inventory",
    .modes = IVET_MODE_SCAN | IVET_MODE_DIFF,
    .checks = inventory_checks,
    .nchecks = IVET_ARRAY_LEN(inventory_checks),
    .setup = inv_setup,
    .teardown = inv_teardown,
    .state_size = sizeof(struct inv_state),
    .on_entry = inv_on_entry,
    .on_data = inv_on_data,
    .on_entry_end = inv_on_entry_end,
    .layer_free = inv_layer_free,
    .on_image = inv_on_image,
};
