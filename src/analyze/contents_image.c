/* contents_image.c: the contents analyzer's image half, after the merge:
 * passwd/shadow as the final image shows them, the content rules over the
 * config's ENTRYPOINT/CMD, Env and history, and the entrypoint: which file
 * runs first (reported as image.entrypoint) and one severity step more for
 * findings in it and in the scripts it names. */
#include "analyze/contents_int.h"

#include <stdio.h>
#include <string.h>

#include "report/report.h"

/* ---- accounts */

struct acct_ctx {
    struct ivet_ictx *ix;
    const char *path;
    int layer;
};

static int acct_hit(void *arg, enum ivet_account_issue what, const char *user, uint32_t line,
                    struct ivet_err *err)
{
    struct acct_ctx *a = arg;
    char ev[96];
    snprintf(ev, sizeof(ev), "user '%s'", user);
    const char *id = what == IVET_ACCOUNT_UID0 ? "CONT-ACCOUNT-UID0" : "CONT-ACCOUNT-EMPTY-PASSWORD";
    if (!ivet_findings_add_check(&a->ix->report->findings, id, a->path, line, a->layer, ev, err))
        return -(int)err->code;
    return 0;
}

static int check_accounts(struct ivet_ictx *ix, struct ivet_err *err)
{
    static const char *const files[] = { "/etc/passwd", "/etc/shadow" };
    for (int i = 0; i < 2; i++) {
        struct acct_ctx a = { ix, files[i], -1 };
        const struct ivet_bytes *b = ivet_ictx_file(ix, files[i], &a.layer, NULL);
        if (!b)
            continue;
        int rc = ivet_accounts_check((const char *)b->ptr, b->len, i == 1, acct_hit, &a, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* ---- config strings */

struct str_ctx {
    struct ivet_ictx *ix;
    const char *label;          /* "CMD", "ENV", "history" */
    int layer;
    bool boost;                 /* ENTRYPOINT/CMD: what runs first */
};

static enum ivet_severity step_up(enum ivet_severity s)
{
    return s == IVET_SEV_INFO || s == IVET_SEV_CRITICAL ? s : s + 1;
}

static int str_hit(void *arg, const struct ivet_rule_hit *h, struct ivet_err *err)
{
    struct str_ctx *c = arg;
    const struct ivet_check *k = &h->rule->check;
    char *ev = ivet_asprintf("%s: %s", c->label, h->evidence ? h->evidence : "");
    if (!ev)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    struct ivet_finding *f = ivet_findings_add(&c->ix->report->findings, k->id, k->category,
                                               c->boost ? step_up(k->severity) : k->severity, k->title,
                                               k->remediation, NULL, 0, c->layer, ev, err);
    ivet_free(ev);
    return f ? 0 : -(int)err->code;
}

static int scan_string(struct ivet_rules_stream *st, struct str_ctx *c, const char *s, struct ivet_err *err)
{
    int rc = ivet_rules_stream_begin(st, NULL, 0, err);
    if (rc == 0)
        rc = ivet_rules_stream_data(st, s, strlen(s), err);
    if (rc == 0)
        rc = ivet_rules_stream_end(st, str_hit, c, err);
    return rc;
}

/* ENTRYPOINT and CMD joined with blanks, in either form the config may use. */
static char *command_line(json_t *cfg)
{
    char **argv = ivet_config_argv(cfg);
    if (!argv)
        return NULL;
    struct ivet_buf b;
    struct ivet_err e = IVET_ERR_INIT;
    ivet_buf_init(&b, 1u << 20);
    for (size_t i = 0; argv[i]; i++)
        if (ivet_buf_puts(&b, i ? " " : "", &e) < 0 || ivet_buf_puts(&b, argv[i], &e) < 0)
            break;
    ivet_err_release(&e);
    ivet_strv_free(argv);
    char *s = ivet_buf_detach(&b);
    ivet_buf_release(&b);
    return s;
}

static int check_config_strings(struct ivet_ictx *ix, struct contents_global *g, struct ivet_err *err)
{
    json_t *conf = ix->image ? ix->image->config : NULL;
    json_t *cfg = json_object_get(conf, "config");
    struct ivet_rules_stream *st = ivet_rules_stream_new(g->rs, err);
    if (!st)
        return -(int)err->code;
    struct str_ctx c = { ix, "ENTRYPOINT/CMD", -1, true };
    char *cmd = command_line(cfg);
    int rc = cmd ? scan_string(st, &c, cmd, err) : ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    ivet_free(cmd);
    size_t i;
    json_t *x;
    c = (struct str_ctx){ ix, "ENV", -1, false };
    json_array_foreach(json_object_get(cfg, "Env"), i, x)
        if (rc == 0 && json_is_string(x))
            rc = scan_string(st, &c, json_string_value(x), err);
    /* history: the n-th entry that is not an empty layer made layer n */
    int layer = 0;
    json_array_foreach(json_object_get(conf, "history"), i, x) {
        bool empty = json_is_true(json_object_get(x, "empty_layer"));
        const char *cb = json_string_value(json_object_get(x, "created_by"));
        c = (struct str_ctx){ ix, "history", empty ? -1 : layer, false };
        if (rc == 0 && cb)
            rc = scan_string(st, &c, cb, err);
        if (!empty)
            layer++;
    }
    ivet_rules_stream_free(st);
    return rc;
}

/* ---- entrypoint */

struct view_fs {
    struct ivet_fsview *view;
    struct contents_global *g;
};

static bool has_content(const struct ivet_fsnode *n)
{
    return n && (n->type == IVET_ENTRY_FILE || n->type == IVET_ENTRY_HARDLINK);
}

static char *vf_resolve(void *arg, const char *path, uint32_t *mode)
{
    struct view_fs *v = arg;
    const struct ivet_fsnode *n = ivet_fsview_resolve(v->view, path);
    if (!has_content(n))
        return NULL;
    *mode = n->mode;
    return ivet_strdup(n->path);
}

static const struct ivet_bytes *vf_script(void *arg, const char *path)
{
    struct view_fs *v = arg;
    const struct ivet_fsnode *n = ivet_fsview_lookup(v->view, path);
    if (n && n->type == IVET_ENTRY_HARDLINK && n->linkname)    /* the content is the target's */
        n = ivet_fsview_lookup(v->view, n->linkname);
    if (!n || n->type != IVET_ENTRY_FILE)
        return NULL;
    for (size_t i = 0; i < v->g->nscripts; i++)
        if (v->g->scripts[i].layer == n->layer && strcmp(v->g->scripts[i].path, n->path) == 0)
            return &v->g->scripts[i].content;
    return NULL;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* Findings in the files that run first weigh one step more. */
static void boost(struct ivet_report *r, const struct ivet_entrypoint *ep)
{
    for (size_t i = 0; i < r->findings.n; i++) {
        struct ivet_finding *f = &r->findings.v[i];
        /* what a file does matters more when it runs at start; a secret
         * in it is no worse for that */
        if (!f->path || f->hidden || f->layer < 0 || !f->category || strcmp(f->category, "contents") != 0 ||
            ivet_startswith(f->id, "CONT-SCAN-"))
            continue;
        bool hit = strcmp(f->path, ep->path) == 0;
        for (size_t k = 0; k < ep->nnamed && !hit; k++)
            hit = strcmp(f->path, ep->named[k]) == 0;
        if (hit)
            f->severity = step_up(f->severity);
    }
}

static int check_entrypoint(struct ivet_ictx *ix, struct contents_global *g, struct ivet_err *err)
{
    if (!ix->view || !ix->image)
        return 0;
    struct view_fs v = { ix->view, g };
    struct ivet_ep_fs fs = { vf_resolve, vf_script, &v };
    struct ivet_entrypoint ep;
    int rc = ivet_entrypoint_resolve(ix->image->config, &fs, &ep, err);
    if (rc < 0)
        return rc;
    if (ep.path) {
        ivet_free(ix->report->entrypoint);
        if (!(ix->report->entrypoint = ivet_strdup(ep.path)))
            rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        boost(ix->report, &ep);
    }
    /* `sh FILE` where FILE took the binary rule set: a script behind a
     * program's header escapes the text rules. Shells and php only: they run
     * what follows the bytes they cannot parse, while python, perl or ruby
     * refuse such a file (and python runs its own bytecode, a binary
     * format, on purpose). */
    const struct ivet_fsnode *n = ep.path && ep.runner_lenient ? ivet_fsview_lookup(ix->view, ep.path) : NULL;
    if (rc == 0 && n && (n->marks & IVET_MARK_BINARY_FORMAT)) {
        char *ev = ivet_asprintf("%s runs %s, which starts with a binary format's header", ep.runner, ep.path);
        if (!ev || !ivet_findings_add_check(&ix->report->findings, "CONT-ENTRY-BINARY-SCRIPT", ep.path, 0,
                                            n->layer, ev, err))
            rc = ev ? -(int)err->code : ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        ivet_free(ev);
    }
    const char *cmd = ep.path ? ep.path : ep.command;
    if (rc == 0 && cmd && strcmp(base_name(cmd), "sshd") == 0 &&
        !ivet_findings_add_check(&ix->report->findings, "CONT-ENTRY-SSHD", ep.path, 0, -1, cmd, err))
        rc = -(int)err->code;
    ivet_entrypoint_release(&ep);
    return rc;
}

int ivet_contents_on_image(struct ivet_ictx *ix, struct ivet_err *err)
{
    struct contents_global *g = ix->global;
    if (!g)
        return 0;
    int rc = check_accounts(ix, err);
    if (rc == 0)
        rc = check_config_strings(ix, g, err);
    if (rc == 0)
        rc = check_entrypoint(ix, g, err);
    return rc;
}
