/* contents_yara.c: the user's YARA rules (--yara-rules FILE|DIR) over each
 * regular file's content. libyara needs the whole buffer, so only when rules
 * are given does a layer keep its current file, up to YARA_FILE_MAX (and the
 * per-file scan cap); a longer file is scanned up to there. A match becomes a
 * finding whose ID is the rule name; its severity comes from the rule's
 * `severity` meta, else high. */
#include "analyze/contents_int.h"
#include "core/lazylib.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yara.h>

struct contents_yara {
    YR_RULES *rules;
    struct ivet_check *checks;  /* one per rule, in yr_rules_foreach order */
    char **strings;             /* owned strings the checks point to */
    size_t nchecks, nstrings;
    bool initialized;
};

struct compile_ctx {
    struct ivet_err *err;
    int rc;
};

static void compile_cb(int level, const char *file, int line, const YR_RULE *rule, const char *msg, void *arg)
{
    (void)rule;
    struct compile_ctx *c = arg;
    if (level != YARA_ERROR_LEVEL_ERROR || c->rc < 0)
        return;
    c->rc = ivet_err_set(c->err, IVET_E_FORMAT, "yara rules '%s' line %d: %s", file ? file : "?", line, msg);
}

static int add_file(YR_COMPILER *comp, const char *path, struct compile_ctx *cc, struct ivet_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return ivet_err_sys(err, IVET_E_IO, "cannot open yara rules '%s'", path);
    int errors = yr_compiler_add_file(comp, f, NULL, path);
    fclose(f);
    if (errors > 0 && cc->rc == 0)
        cc->rc = ivet_err_set(err, IVET_E_FORMAT, "yara rules '%s' do not compile", path);
    return cc->rc;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory: every *.yar and *.yara file in it, in name order. */
static int add_dir(YR_COMPILER *comp, const char *dir, struct compile_ctx *cc, struct ivet_err *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return ivet_err_sys(err, IVET_E_IO, "cannot open yara rules directory '%s'", dir);
    char **names = NULL;
    size_t n = 0;
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(d))) {
        if (de->d_name[0] == '.' || !(ivet_endswith(de->d_name, ".yar") || ivet_endswith(de->d_name, ".yara")))
            continue;
        char **v = ivet_reallocarray(names, n + 1, sizeof(*v));
        if (v)
            names = v;
        if (!v || !(names[n] = ivet_asprintf("%s/%s", dir, de->d_name)))
            rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        else
            n++;
    }
    closedir(d);
    if (rc == 0 && n == 0)
        rc = ivet_err_set(err, IVET_E_NOTFOUND, "no .yar or .yara files in '%s'", dir);
    if (names)
        qsort(names, n, sizeof(*names), name_cmp);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = add_file(comp, names[i], cc, err);
    for (size_t i = 0; i < n; i++)
        ivet_free(names[i]);
    ivet_free(names);
    return rc;
}

static char *keep_str(struct contents_yara *y, char *s)
{
    if (!s)
        return NULL;
    y->strings[y->nstrings++] = s;
    return s;
}

/* One catalog entry per rule, so findings and docs can name them. */
static int build_checks(struct contents_yara *y, struct ivet_err *err)
{
    const YR_RULE *rule;
    size_t n = 0;
    yr_rules_foreach(y->rules, rule)
        n++;
    y->checks = ivet_calloc(n + 1, sizeof(*y->checks));
    y->strings = ivet_calloc(3 * n + 1, sizeof(*y->strings));
    if (!y->checks || !y->strings)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    yr_rules_foreach(y->rules, rule) {
        struct ivet_check *c = &y->checks[y->nchecks++];
        const YR_META *meta;
        const char *desc = NULL;
        c->severity = IVET_SEV_HIGH;
        yr_rule_metas_foreach(rule, meta) {
            if (meta->type != META_TYPE_STRING)
                continue;
            if (strcmp(meta->identifier, "severity") == 0 && ivet_severity_parse(meta->string) >= 0)
                c->severity = (enum ivet_severity)ivet_severity_parse(meta->string);
            else if (strcmp(meta->identifier, "description") == 0)
                desc = meta->string;
        }
        c->id = keep_str(y, ivet_strdup(rule->identifier));
        c->category = "contents";
        c->title = desc ? keep_str(y, ivet_sanitize(desc, strlen(desc), 200))
                        : keep_str(y, ivet_asprintf("YARA rule '%s' matched", rule->identifier));
        c->remediation = "A user-supplied YARA rule matched this file. Check what the rule detects and "
                         "remove the file if it is what the rule is about.";
        if (!c->id || !c->title)
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    }
    return ivet_check_register(y->checks, y->nchecks, err);
}

/* libyara's yr_initialize/yr_finalize keep a count that is not thread-safe;
 * scans may run side by side, so they take turns here. */
static pthread_mutex_t yara_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned yara_users;

static int yara_init(void)
{
    pthread_mutex_lock(&yara_mu);
    int rc = yara_users ? ERROR_SUCCESS : yr_initialize();
    if (rc == ERROR_SUCCESS)
        yara_users++;
    pthread_mutex_unlock(&yara_mu);
    return rc;
}

static void yara_fini(void)
{
    pthread_mutex_lock(&yara_mu);
    if (yara_users && --yara_users == 0)
        yr_finalize();
    pthread_mutex_unlock(&yara_mu);
}

int ivet_contents_yara_setup(struct contents_global *g, const char *path, struct ivet_err *err)
{
    struct contents_yara *y = ivet_calloc(1, sizeof(*y));
    if (!y)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    g->yara = y;
    if (ivet_lazylib_require(&ivet_lib_yara, err) < 0)
        return -(int)err->code;
    if (yara_init() != ERROR_SUCCESS)
        return ivet_err_set(err, IVET_E_INTERNAL, "cannot initialise libyara");
    y->initialized = true;
    YR_COMPILER *comp = NULL;
    if (yr_compiler_create(&comp) != ERROR_SUCCESS)
        return ivet_err_set(err, IVET_E_NOMEM, "cannot create a yara compiler");
    struct compile_ctx cc = { err, 0 };
    yr_compiler_set_callback(comp, compile_cb, &cc);
    struct stat st;
    int rc;
    if (stat(path, &st) != 0)
        rc = ivet_err_sys(err, IVET_E_IO, "cannot open yara rules '%s'", path);
    else if (S_ISDIR(st.st_mode))
        rc = add_dir(comp, path, &cc, err);
    else
        rc = add_file(comp, path, &cc, err);
    if (rc == 0 && yr_compiler_get_rules(comp, &y->rules) != ERROR_SUCCESS)
        rc = ivet_err_set(err, IVET_E_NOMEM, "cannot build yara rules from '%s'", path);
    yr_compiler_destroy(comp);
    if (rc == 0)
        rc = build_checks(y, err);
    return rc;
}

void ivet_contents_yara_teardown(struct contents_global *g)
{
    struct contents_yara *y = g->yara;
    if (!y)
        return;
    if (y->rules)
        yr_rules_destroy(y->rules);
    if (y->initialized)
        yara_fini();
    for (size_t i = 0; i < y->nstrings; i++)
        ivet_free(y->strings[i]);
    ivet_free(y->strings);
    ivet_free(y->checks);
    ivet_free(y);
    g->yara = NULL;
}

int ivet_contents_yara_layer_begin(struct contents_global *g, struct contents_layer *s, struct ivet_err *err)
{
    (void)err;
    s->yara_on = g->yara != NULL;
    ivet_buf_init(&s->yara_buf, (size_t)IVET_MIN((uint64_t)YARA_FILE_MAX,
                                                 g->limits.max_file_scan ? g->limits.max_file_scan : UINT64_MAX));
    return 0;
}

void ivet_contents_yara_layer_free(struct contents_layer *s)
{
    ivet_buf_release(&s->yara_buf);
}

int ivet_contents_yara_begin(struct contents_global *g, struct contents_layer *s, const struct ivet_entry *e,
                             struct ivet_err *err)
{
    (void)g, (void)e, (void)err;
    if (s->yara_on)
        ivet_buf_reset(&s->yara_buf);
    return 0;
}

int ivet_contents_yara_data(struct contents_global *g, struct contents_layer *s, const void *p, size_t n,
                            struct ivet_err *err)
{
    (void)g, (void)err;
    if (!s->yara_on)
        return 0;
    size_t room = s->yara_buf.max - s->yara_buf.len;
    struct ivet_err e = IVET_ERR_INIT;
    /* past the cap the file is scanned as far as it was kept */
    int rc = ivet_buf_append(&s->yara_buf, p, IVET_MIN(n, room), &e);
    ivet_err_release(&e);
    return rc == -IVET_E_NOMEM ? ivet_err_set(err, IVET_E_NOMEM, "out of memory") : 0;
}

struct match_ctx {
    struct ivet_lctx *lx;
    struct contents_yara *y;
    const char *path;
    struct ivet_err *err;
    int rc;
};

static int match_cb(YR_SCAN_CONTEXT *ctx, int msg, void *data, void *arg)
{
    (void)ctx;
    struct match_ctx *m = arg;
    if (msg != CALLBACK_MSG_RULE_MATCHING)
        return CALLBACK_CONTINUE;
    const YR_RULE *rule = data;
    const struct ivet_check *c = NULL;
    for (size_t i = 0; i < m->y->nchecks && !c; i++)
        if (strcmp(m->y->checks[i].id, rule->identifier) == 0)
            c = &m->y->checks[i];
    if (!c)
        return CALLBACK_CONTINUE;
    char ev[160];
    snprintf(ev, sizeof(ev), "yara rule '%s'", rule->identifier);
    if (!ivet_findings_add(&m->lx->findings, c->id, c->category, c->severity, c->title, c->remediation,
                           m->path, 0, m->lx->layer, ev, m->err)) {
        m->rc = -(int)m->err->code;
        return CALLBACK_ABORT;
    }
    return CALLBACK_CONTINUE;
}

int ivet_contents_yara_end(struct ivet_lctx *lx, struct contents_layer *s, const struct ivet_entry *e,
                           struct ivet_err *err)
{
    struct contents_global *g = lx->global;
    if (!s->yara_on || !g->yara || s->yara_buf.len == 0)
        return 0;
    struct match_ctx m = { lx, g->yara, e->path, err, 0 };
    int r = yr_rules_scan_mem(g->yara->rules, (const uint8_t *)s->yara_buf.ptr, s->yara_buf.len,
                              SCAN_FLAGS_FAST_MODE, match_cb, &m, 10);
    if (m.rc < 0)
        return m.rc;
    /* a rule that takes too long or matches too often does not fail the
     * scan, but the report says the file was not fully checked */
    if (r == ERROR_SCAN_TIMEOUT || r == ERROR_TOO_MANY_MATCHES)
        return ivet_contents_finding(lx, "CONT-SCAN-YARA-INCOMPLETE", e->path, 0,
                                     r == ERROR_SCAN_TIMEOUT ? "timeout" : "too many matches", err);
    if (r != ERROR_SUCCESS)
        return ivet_err_set(err, IVET_E_INTERNAL, "yara scan of '%s' failed (%d)", e->path, r);
    return 0;
}
