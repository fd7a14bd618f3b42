/* diff.c: `imagevet diff A B`. Each image is scanned once, with every
 * regular file hashed during its pass (opts.file_digests) and no content
 * rules; the two final file trees (sorted by path), the configurations and
 * the package lists are then compared. The result is one JSON document
 * (imagevet/diff/v1), which the table renderer reads too. */
#include "imagevet/diff.h"
#include "report/report.h"

#include <fnmatch.h>
#include <string.h>

struct ivet_diff {
    json_t *doc;
    bool differs;
};

/* Config members compared (of "config"), then top-level platform members. */
static const char *const config_keys[] = { "User", "Entrypoint", "Cmd", "Env", "WorkingDir", "ExposedPorts",
                                           "Volumes", "Labels", "StopSignal", "Healthcheck", "Shell", "OnBuild" };
static const char *const platform_keys[] = { "os", "architecture", "variant" };

static bool ignored(const char *const *ignore, const char *path)
{
    for (size_t i = 0; ignore && ignore[i]; i++)
        if (fnmatch(ignore[i], path, 0) == 0)
            return true;
    return false;
}

static const char *type_name(enum ivet_entry_type t)
{
    switch (t) {
    case IVET_ENTRY_FILE: return "file";
    case IVET_ENTRY_DIR: return "dir";
    case IVET_ENTRY_SYMLINK: return "symlink";
    case IVET_ENTRY_HARDLINK: return "hardlink";
    default: return "other";
    }
}

/* Image-derived text as a JSON string (escaped, cut), or null. */
static json_t *jtext(const char *s, size_t max)
{
    if (!s)
        return json_null();
    char *c = ivet_sanitize(s, strlen(s), max);
    json_t *j = c ? json_string(c) : NULL;
    ivet_free(c);
    return j;
}

static json_t *file_json(const struct ivet_file_rec *f)
{
    char mode[8];
    snprintf(mode, sizeof(mode), "%04o", (unsigned)(f->mode & 07777));
    json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:i}", "type", type_name(f->type), "mode", mode, "uid",
                          (json_int_t)f->uid, "gid", (json_int_t)f->gid, "size", (json_int_t)f->size, "layer",
                          f->layer);
    if (o && f->have_digest)
        json_object_set_new(o, "digest", json_string(f->digest.text));
    if (o && f->linkname)
        json_object_set_new(o, "link", jtext(f->linkname, 4096));
    return o;
}

static int add_file(json_t *files, const char *path, json_t *changes, const struct ivet_file_rec *a,
                    const struct ivet_file_rec *b)
{
    json_t *o = json_pack("{s:o, s:o}", "path", jtext(path, 4096), "changes", changes);
    if (!o)
        return -1;
    if ((a && json_object_set_new(o, "a", file_json(a)) < 0) || (b && json_object_set_new(o, "b", file_json(b)) < 0))
        return json_decref(o), -1;
    return json_array_append_new(files, o);
}

/* What differs between two versions of one path (empty array: nothing). */
static json_t *compare_file(const struct ivet_file_rec *a, const struct ivet_file_rec *b)
{
    json_t *c = json_array();
    if (!c)
        return NULL;
    if (a->type != b->type) {
        json_array_append_new(c, json_string("type"));
        return c;
    }
    if (a->type == IVET_ENTRY_FILE) {
        /* content not hashed whole on either side is never "the same" */
        if (a->size != b->size || (a->have_digest && b->have_digest && !ivet_digest_eq(&a->digest, &b->digest)))
            json_array_append_new(c, json_string("content"));
        else if (!a->have_digest || !b->have_digest)
            json_array_append_new(c, json_string("content-unknown"));
    }
    if ((a->linkname || b->linkname) && (!a->linkname || !b->linkname || strcmp(a->linkname, b->linkname)))
        json_array_append_new(c, json_string("link"));
    if ((a->mode & 07777) != (b->mode & 07777))
        json_array_append_new(c, json_string("mode"));
    if (a->uid != b->uid || a->gid != b->gid)
        json_array_append_new(c, json_string("owner"));
    return c;
}

static int diff_files(const struct ivet_report *ra, const struct ivet_report *rb, const char *const *ignore,
                      json_t *files, json_t *summary)
{
    size_t i = 0, k = 0, only_a = 0, only_b = 0, changed = 0, same = 0, skipped = 0;
    while (i < ra->nfiles || k < rb->nfiles) {
        const struct ivet_file_rec *a = i < ra->nfiles ? &ra->files[i] : NULL;
        const struct ivet_file_rec *b = k < rb->nfiles ? &rb->files[k] : NULL;
        int c = !a ? 1 : !b ? -1 : strcmp(a->path, b->path);
        const char *path = c <= 0 ? a->path : b->path;
        if (ignored(ignore, path)) {
            skipped++;
        } else if (c < 0) {
            only_a++;
            if (add_file(files, path, json_pack("[s]", "only-in-a"), a, NULL) < 0)
                return -1;
        } else if (c > 0) {
            only_b++;
            if (add_file(files, path, json_pack("[s]", "only-in-b"), NULL, b) < 0)
                return -1;
        } else {
            json_t *ch = compare_file(a, b);
            if (!ch)
                return -1;
            if (json_array_size(ch)) {
                changed++;
                if (add_file(files, path, ch, a, b) < 0)
                    return -1;
            } else {
                same++;
                json_decref(ch);
            }
        }
        i += c <= 0;
        k += c >= 0;
    }
    return json_object_set_new(summary, "only_in_a", json_integer((json_int_t)only_a)) ||
                   json_object_set_new(summary, "only_in_b", json_integer((json_int_t)only_b)) ||
                   json_object_set_new(summary, "changed", json_integer((json_int_t)changed)) ||
                   json_object_set_new(summary, "same", json_integer((json_int_t)same)) ||
                   json_object_set_new(summary, "ignored", json_integer((json_int_t)skipped))
               ? -1
               : 0;
}

static int diff_config(const struct ivet_report *ra, const struct ivet_report *rb, json_t *out)
{
    json_t *ca = json_object_get(ra->image.config, "config"), *cb = json_object_get(rb->image.config, "config");
    for (size_t i = 0; i < IVET_ARRAY_LEN(config_keys) + IVET_ARRAY_LEN(platform_keys); i++) {
        bool top = i >= IVET_ARRAY_LEN(config_keys);
        const char *key = top ? platform_keys[i - IVET_ARRAY_LEN(config_keys)] : config_keys[i];
        json_t *va = json_object_get(top ? ra->image.config : ca, key);
        json_t *vb = json_object_get(top ? rb->image.config : cb, key);
        if (json_is_null(va))
            va = NULL;
        if (json_is_null(vb))
            vb = NULL;
        if ((!va && !vb) || (va && vb && json_equal(va, vb)))
            continue;
        json_t *o = json_pack("{s:s, s:O?, s:O?}", "field", key, "a", va, "b", vb);
        if (!o || json_array_append_new(out, o) < 0)
            return -1;
    }
    return 0;
}

/* Packages by (type, name, file): version changes and packages on one side only. */
static int pkg_cmp(const struct ivet_package *x, const struct ivet_package *y)
{
    int c = strcmp(x->type, y->type);
    if (!c)
        c = strcmp(x->name, y->name);
    if (!c)
        c = strcmp(x->path ? x->path : "", y->path ? y->path : "");
    return c;
}

/* For sorting: the same key, then version and architecture, so that equal
 * lists pair up whatever order qsort leaves them in. */
static int pkg_sort_cmp(const struct ivet_package *x, const struct ivet_package *y)
{
    int c = pkg_cmp(x, y);
    if (!c)
        c = strcmp(x->version, y->version);
    if (!c)
        c = strcmp(x->arch ? x->arch : "", y->arch ? y->arch : "");
    return c;
}

static int pkg_qcmp(const void *a, const void *b)
{
    return pkg_sort_cmp(*(const struct ivet_package *const *)a, *(const struct ivet_package *const *)b);
}

static const struct ivet_package **sorted_pkgs(const struct ivet_report *r)
{
    const struct ivet_package **v = ivet_calloc(r->npackages ? r->npackages : 1, sizeof(*v));
    if (!v)
        return NULL;
    for (size_t i = 0; i < r->npackages; i++)
        v[i] = &r->packages[i];
    qsort(v, r->npackages, sizeof(*v), pkg_qcmp);
    return v;
}

static int diff_packages(const struct ivet_report *ra, const struct ivet_report *rb, json_t *out)
{
    const struct ivet_package **a = sorted_pkgs(ra), **b = sorted_pkgs(rb);
    size_t i = 0, k = 0;
    int rc = a && b ? 0 : -1;
    while (!rc && (i < ra->npackages || k < rb->npackages)) {
        const struct ivet_package *x = i < ra->npackages ? a[i] : NULL, *y = k < rb->npackages ? b[k] : NULL;
        int c = !x ? 1 : !y ? -1 : pkg_cmp(x, y);
        const struct ivet_package *p = c <= 0 ? x : y;
        if (c != 0 || strcmp(x->version, y->version) != 0) {
            json_t *o = json_pack("{s:s, s:o, s:o, s:o, s:o}", "type", p->type, "name", jtext(p->name, 300), "path",
                                  jtext(p->path, 4096), "a", jtext(c <= 0 ? x->version : NULL, 200), "b",
                                  jtext(c >= 0 ? y->version : NULL, 200));
            if (!o || json_array_append_new(out, o) < 0)
                rc = -1;
        }
        i += c <= 0;
        k += c >= 0;
    }
    ivet_free(a);
    ivet_free(b);
    return rc;
}

static json_t *side(const struct ivet_report *r, const char *image)
{
    return json_pack("{s:o, s:s, s:s?, s:I, s:I, s:I}", "image", jtext(image, 1000), "digest", ivet_report_digest(r),
                     "platform",
                     r->image.platform, "layers", (json_int_t)r->image.nlayers, "files", (json_int_t)r->nfiles,
                     "packages", (json_int_t)r->npackages);
}

static struct ivet_report *scan_one(const struct ivet_scan_opts *in, const char *which, struct ivet_err *err)
{
    struct ivet_scan_opts o = *in;
    o.file_digests = true;              /* and only the file tree and the inventory run */
    o.no_content = true;                /* what differs is the question, not what is wrong */
    o.verify_only = false;
    o.offline = true;
    struct ivet_report *r = ivet_scan(&o, err);
    if (!r)
        ivet_err_wrap(err, "image %s", which);
    return r;
}

struct ivet_diff *ivet_diff_images(const struct ivet_diff_opts *o, struct ivet_err *err)
{
    if (!o || !o->a || !o->b || !o->a->image || !o->b->image) {
        ivet_err_set(err, IVET_E_USAGE, "diff: two images are needed");
        return NULL;
    }
    struct ivet_report *ra = scan_one(o->a, "A", err), *rb = ra ? scan_one(o->b, "B", err) : NULL;
    struct ivet_diff *d = NULL;
    if (!ra || !rb)
        goto out;
    json_t *files = json_array(), *config = json_array(), *pkgs = json_array(), *summary = json_object();
    json_t *doc = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "schema", "imagevet/diff/v1", "a",
                            side(ra, o->a->image), "b", side(rb, o->b->image), "summary", summary, "config", config,
                            "files", files, "packages", pkgs);
    if (!doc || diff_files(ra, rb, o->ignore, files, summary) < 0 || diff_config(ra, rb, config) < 0 ||
        diff_packages(ra, rb, pkgs) < 0 || !(d = ivet_calloc(1, sizeof(*d)))) {
        json_decref(doc);
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        goto out;
    }
    d->doc = doc;
    d->differs = json_array_size(files) || json_array_size(config) || json_array_size(pkgs);
    json_object_set_new(summary, "config", json_integer((json_int_t)json_array_size(config)));
    json_object_set_new(summary, "packages", json_integer((json_int_t)json_array_size(pkgs)));
    json_object_set_new(doc, "identical", json_boolean(!d->differs));
out:
    ivet_report_free(ra);
    ivet_report_free(rb);
    return d;
}

bool ivet_diff_differs(const struct ivet_diff *d)
{
    return d && d->differs;
}

void ivet_diff_free(struct ivet_diff *d)
{
    if (!d)
        return;
    json_decref(d->doc);
    ivet_free(d);
}

/* ---- rendering */

static void print_value(FILE *out, json_t *v)
{
    if (!v) {
        fputs("(none)", out);
        return;
    }
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    char *c = s ? ivet_sanitize(s, strlen(s), 300) : NULL;
    fputs(c ? c : "?", out);
    ivet_free(c);
    ivet_free(s);                       /* jansson allocates with malloc, as ivet_malloc does */
}

static void print_file_side(FILE *out, const char *label, json_t *f)
{
    const char *dg = json_string_value(json_object_get(f, "digest"));
    const char *link = json_string_value(json_object_get(f, "link"));
    fprintf(out, "      %s: %s %s %lld:%lld %lld bytes", label, json_string_value(json_object_get(f, "type")),
            json_string_value(json_object_get(f, "mode")), (long long)json_integer_value(json_object_get(f, "uid")),
            (long long)json_integer_value(json_object_get(f, "gid")),
            (long long)json_integer_value(json_object_get(f, "size")));
    if (dg)
        fprintf(out, " %.19s", dg);
    if (link)
        fprintf(out, " -> %s", link);
    fprintf(out, " (layer %lld)\n", (long long)json_integer_value(json_object_get(f, "layer")));
}

static int render_table(const struct ivet_diff *d, FILE *out)
{
    json_t *doc = d->doc, *a = json_object_get(doc, "a"), *b = json_object_get(doc, "b");
    json_t *sum = json_object_get(doc, "summary"), *e;
    size_t i;
    for (int s = 0; s < 2; s++) {
        json_t *x = s ? b : a;
        char *img = ivet_sanitize(json_string_value(json_object_get(x, "image")),
                                  strlen(json_string_value(json_object_get(x, "image"))), 300);
        fprintf(out, "%s: %s %s, %lld layers, %lld files, %lld packages\n", s ? "B" : "A", img ? img : "?",
                json_string_value(json_object_get(x, "digest")), (long long)json_integer_value(json_object_get(x, "layers")),
                (long long)json_integer_value(json_object_get(x, "files")),
                (long long)json_integer_value(json_object_get(x, "packages")));
        ivet_free(img);
    }
    fprintf(out, "\nfiles: %lld only in A, %lld only in B, %lld changed, %lld the same, %lld ignored\n",
            (long long)json_integer_value(json_object_get(sum, "only_in_a")),
            (long long)json_integer_value(json_object_get(sum, "only_in_b")),
            (long long)json_integer_value(json_object_get(sum, "changed")),
            (long long)json_integer_value(json_object_get(sum, "same")),
            (long long)json_integer_value(json_object_get(sum, "ignored")));
    json_array_foreach(json_object_get(doc, "files"), i, e) {
        json_t *ch = json_object_get(e, "changes"), *fa = json_object_get(e, "a"), *fb = json_object_get(e, "b");
        const char *first = json_string_value(json_array_get(ch, 0));
        char mark = !strcmp(first, "only-in-a") ? '-' : !strcmp(first, "only-in-b") ? '+' : '~';
        fprintf(out, "  %c %s", mark, json_string_value(json_object_get(e, "path")));
        if (mark == '~') {
            fputs("  (", out);
            for (size_t k = 0; k < json_array_size(ch); k++)
                fprintf(out, "%s%s", k ? ", " : "", json_string_value(json_array_get(ch, k)));
            fputs(")", out);
        } else {
            fprintf(out, "  (only in %c)", mark == '-' ? 'A' : 'B');
        }
        fputc('\n', out);
        if (fa)
            print_file_side(out, "A", fa);
        if (fb)
            print_file_side(out, "B", fb);
    }
    json_t *cfg = json_object_get(doc, "config");
    fprintf(out, "\nconfiguration: %zu field%s differ%s\n", json_array_size(cfg), json_array_size(cfg) == 1 ? "" : "s",
            json_array_size(cfg) == 1 ? "s" : "");
    json_array_foreach(cfg, i, e) {
        fprintf(out, "  ~ %s\n      A: ", json_string_value(json_object_get(e, "field")));
        print_value(out, json_object_get(e, "a"));
        fputs("\n      B: ", out);
        print_value(out, json_object_get(e, "b"));
        fputc('\n', out);
    }
    json_t *pk = json_object_get(doc, "packages");
    fprintf(out, "\npackages: %zu differ%s\n", json_array_size(pk), json_array_size(pk) == 1 ? "s" : "");
    json_array_foreach(pk, i, e) {
        const char *va = json_string_value(json_object_get(e, "a")), *vb = json_string_value(json_object_get(e, "b"));
        char *name = ivet_sanitize(json_string_value(json_object_get(e, "name")),
                                   strlen(json_string_value(json_object_get(e, "name"))), 200);
        char *xa = va ? ivet_sanitize(va, strlen(va), 100) : NULL, *xb = vb ? ivet_sanitize(vb, strlen(vb), 100) : NULL;
        fprintf(out, "  %c %s %s: %s -> %s\n", !va ? '+' : !vb ? '-' : '~', json_string_value(json_object_get(e, "type")),
                name ? name : "?", xa ? xa : "(none)", xb ? xb : "(none)");
        ivet_free(name);
        ivet_free(xa);
        ivet_free(xb);
    }
    fprintf(out, "\n%s\n", d->differs ? "The images differ." : "The images are the same (file contents, modes, owners, "
                                                              "configuration and packages).");
    return 0;
}

int ivet_diff_render(const struct ivet_diff *d, const char *format, FILE *out, struct ivet_err *err)
{
    if (!strcmp(format, "json")) {
        if (json_dumpf(d->doc, out, JSON_INDENT(2) | JSON_ENSURE_ASCII) < 0 || fputc('\n', out) == EOF)
            return ivet_err_set(err, IVET_E_IO, "cannot write the diff");
        return 0;
    }
    if (strcmp(format, "table") != 0)
        return ivet_err_set(err, IVET_E_USAGE, "diff: unknown format '%s' (table or json)", format);
    render_table(d, out);
    return ferror(out) ? ivet_err_set(err, IVET_E_IO, "cannot write the diff") : 0;
}
