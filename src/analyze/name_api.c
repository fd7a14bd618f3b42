/* name_api.c: the public entry points of include/imagevet/name.h over
 * names_run.c, and the rendering of one result as JSON or text. */
#include "imagevet/name.h"

#include <string.h>

#include "analyze/names_run.h"

struct ivet_name_checker {
    struct ivet_names_db *db;
    struct ivet_name_opts opts;
};

struct ivet_name_result {
    char *input;
    struct ivet_names_run run;
};

void ivet_name_opts_init(struct ivet_name_opts *o)
{
    memset(o, 0, sizeof(*o));
}

struct ivet_name_checker *ivet_name_checker_new(const struct ivet_name_opts *o, struct ivet_err *err)
{
    struct ivet_name_checker *c = ivet_calloc(1, sizeof(*c));
    if (!c) {
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return NULL;
    }
    c->opts = *o;
    c->opts.trusted_namespaces = NULL;      /* copied into the database below */
    if (!(c->db = ivet_names_db_load(o->data_dir, err)))
        goto fail;
    for (const char **t = o->trusted_namespaces; t && *t; t++)
        if (ivet_names_db_trust(c->db, *t, err) < 0)
            goto fail;
    return c;
fail:
    ivet_name_checker_free(c);
    return NULL;
}

void ivet_name_checker_free(struct ivet_name_checker *c)
{
    if (!c)
        return;
    ivet_names_db_free(c->db);
    ivet_free(c);
}

struct ivet_name_result *ivet_name_check(struct ivet_name_checker *c, const char *ref,
                                         struct ivet_err *err)
{
    struct ivet_name_result *r = ivet_calloc(1, sizeof(*r));
    if (!r || !(r->input = ivet_strdup(ref ? ref : ""))) {
        ivet_free(r);
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return NULL;
    }
    ivet_names_run_init(&r->run);
    r->run.offline = c->opts.offline;
    r->run.hub_url = c->opts.hub_url;
    r->run.cache_dir = c->opts.cache_dir;
    if (ivet_names_run(c->db, r->input, &r->run, err) < 0) {
        ivet_name_result_free(r);
        return NULL;
    }
    return r;
}

void ivet_name_result_free(struct ivet_name_result *r)
{
    if (!r)
        return;
    ivet_names_run_release(&r->run);
    ivet_free(r->input);
    ivet_free(r);
}

static enum ivet_severity worst(const struct ivet_name_result *r)
{
    enum ivet_severity w = IVET_SEV_INFO;
    for (size_t i = 0; i < r->run.findings.n; i++)
        if (r->run.findings.v[i].severity > w)
            w = r->run.findings.v[i].severity;
    return w;
}

const char *ivet_name_result_verdict(const struct ivet_name_result *r)
{
    enum ivet_severity w = worst(r);
    if (w >= IVET_SEV_HIGH)
        return "fail";
    return (w >= IVET_SEV_MEDIUM) ? "warn" : "pass";
}

int ivet_name_result_exit_status(const struct ivet_name_result *r)
{
    return worst(r) >= IVET_SEV_HIGH ? 1 : 0;
}

size_t ivet_name_result_nfindings(const struct ivet_name_result *r)
{
    return r->run.findings.n;
}

bool ivet_name_result_has(const struct ivet_name_result *r, const char *check_id)
{
    for (size_t i = 0; i < r->run.findings.n; i++)
        if (!strcmp(r->run.findings.v[i].id, check_id))
            return true;
    return false;
}

static json_t *to_json(const struct ivet_name_result *r)
{
    json_t *doc = json_pack("{s:s, s:s, s:s, s:O}", "reference", r->input, "normalized",
                            r->run.ref.normalized, "verdict", ivet_name_result_verdict(r), "publisher",
                            r->run.publisher);
    json_t *arr = json_array(), *notes = json_array();
    if (!doc || !arr || !notes)
        goto fail;
    for (size_t i = 0; i < r->run.findings.n; i++) {
        const struct ivet_finding *f = &r->run.findings.v[i];
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s}", "id", f->id, "category", f->category,
                              "severity", ivet_severity_name(f->severity), "title", f->title, "evidence",
                              f->evidence, "remediation", f->remediation);
        if (!o || json_array_append_new(arr, o) < 0)
            goto fail;
    }
    for (size_t i = 0; i < r->run.nnotes; i++)
        if (json_array_append_new(notes, json_string(r->run.notes[i])) < 0)
            goto fail;
    if (json_object_set_new(doc, "findings", arr) < 0) {
        arr = NULL;
        goto fail;
    }
    arr = NULL;
    if (r->run.popularity && json_object_set(doc, "popularity", r->run.popularity) < 0)
        goto fail;
    if (json_object_set_new(doc, "notes", notes) < 0) {
        notes = NULL;
        goto fail;
    }
    return doc;
fail:
    json_decref(arr);
    json_decref(notes);
    json_decref(doc);
    return NULL;
}

static const char *str_or_q(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "?";
}

static void render_table(const struct ivet_name_result *r, FILE *out)
{
    json_t *p = r->run.publisher;
    fprintf(out, "%s -> %s: %s (publisher %s: %s)\n", r->input, r->run.ref.normalized,
            ivet_name_result_verdict(r), json_string_value(json_object_get(p, "trust")),
            json_string_value(json_object_get(p, "basis")));
    for (size_t i = 0; i < r->run.findings.n; i++) {
        const struct ivet_finding *f = &r->run.findings.v[i];
        fprintf(out, "  %-8s %-26s %s\n", ivet_severity_name(f->severity), f->id,
                f->evidence ? f->evidence : f->title);
    }
    json_t *pop = r->run.popularity;
    if (pop)
        fprintf(out, "  popularity: %lld pulls, %lld stars, registered %s, updated %s (%s)\n",
                (long long)json_integer_value(json_object_get(pop, "pulls")),
                (long long)json_integer_value(json_object_get(pop, "stars")),
                str_or_q(pop, "registered"),
                str_or_q(pop, "last_updated"),
                str_or_q(pop, "source"));
    for (size_t i = 0; i < r->run.nnotes; i++)
        fprintf(out, "  note: %s\n", r->run.notes[i]);
}

int ivet_name_result_render(const struct ivet_name_result *r, const char *format, FILE *out,
                            struct ivet_err *err)
{
    if (format && !strcmp(format, "table")) {
        render_table(r, out);
        return 0;
    }
    if (format && strcmp(format, "json") != 0)
        return ivet_err_set(err, IVET_E_USAGE, "unknown format '%s' (json or table)", format);
    json_t *doc = to_json(r);
    if (!doc)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory rendering '%s'", r->input);
    int rc = json_dumpf(doc, out, JSON_COMPACT) < 0 || fputc('\n', out) == EOF
                 ? ivet_err_sys(err, IVET_E_IO, "cannot write the result")
                 : 0;
    json_decref(doc);
    return rc;
}
