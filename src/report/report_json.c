/* report_json.c: the imagevet/report/v1 JSON document (DESIGN.md). Field
 * names only grow; none is renamed or removed within v1. */
#include "report/report.h"

#include <string.h>

#include "imagevet/imagevet.h"

const char *ivet_report_layer_digest(const struct ivet_report *r, int layer)
{
    if (layer < 0 || (size_t)layer >= r->image.nlayers)
        return NULL;
    const struct ivet_layer_desc *d = &r->image.layers[layer];
    /* docker-archive layers are stored uncompressed: the blob is the diff_id */
    return d->have_digest ? d->digest.text : d->diff_id.text;
}

/* jansson's json_string rejects invalid UTF-8; everything from an image was
 * sanitised already, but fall back to a sanitised copy rather than dropping. */
json_t *ivet_report_jstr(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    if (j)
        return j;
    char *c = ivet_sanitize(s, strlen(s), 65536);
    j = c ? json_string(c) : NULL;
    ivet_free(c);
    return j ? j : json_null();
}

static int set(json_t *o, const char *k, json_t *v)
{
    return json_object_set_new(o, k, v ? v : json_null());
}

static json_t *image_json(const struct ivet_report *r)
{
    const struct ivet_image *img = &r->image;
    json_t *o = json_object();
    set(o, "reference", ivet_report_jstr(img->reference));
    set(o, "transport", ivet_report_jstr(img->transport));
    set(o, "digest", img->have_manifest_digest ? ivet_report_jstr(img->manifest_digest.text) : json_null());
    set(o, "config_digest", ivet_report_jstr(img->config_digest.text[0] ? img->config_digest.text : NULL));
    set(o, "platform", ivet_report_jstr(img->platform));
    json_t *os = json_object();
    set(os, "id", ivet_report_jstr(r->os_id));
    set(os, "version", ivet_report_jstr(r->os_version));
    set(os, "name", ivet_report_jstr(r->os_name));
    set(o, "os", os);
    json_t *tags = json_array();
    for (size_t i = 0; i < img->nrepo_tags; i++)
        json_array_append_new(tags, ivet_report_jstr(img->repo_tags[i]));
    set(o, "repo_tags", tags);
    set(o, "entrypoint", ivet_report_jstr(r->entrypoint));
    json_t *layers = json_array();
    for (size_t i = 0; i < img->nlayers; i++) {
        const struct ivet_layer_desc *d = &img->layers[i];
        json_t *l = json_object();
        set(l, "digest", ivet_report_jstr(ivet_report_layer_digest(r, (int)i)));
        set(l, "diff_id", ivet_report_jstr(d->diff_id.text[0] ? d->diff_id.text : NULL));
        set(l, "media_type", ivet_report_jstr(d->media_type));
        set(l, "compression", ivet_report_jstr(ivet_compression_name(d->compression)));
        set(l, "size", json_integer((json_int_t)d->size));
        set(l, "tar_size", json_integer((json_int_t)d->tar_bytes));
        set(l, "entries", json_integer((json_int_t)d->entries));
        set(l, "created_by", ivet_report_jstr(d->created_by));
        set(l, "created", ivet_report_jstr(d->history_created));
        json_array_append_new(layers, l);
    }
    set(o, "layers", layers);
    json_object_update(o, r->image_extra);
    return o;
}

static json_t *finding_json(const struct ivet_report *r, const struct ivet_finding *f)
{
    json_t *o = json_object();
    set(o, "id", ivet_report_jstr(f->id));
    set(o, "category", ivet_report_jstr(f->category));
    set(o, "severity", ivet_report_jstr(ivet_severity_name(f->severity)));
    set(o, "title", ivet_report_jstr(f->title));
    set(o, "path", ivet_report_jstr(f->path));
    set(o, "line", f->line ? json_integer(f->line) : json_null());
    set(o, "layer", ivet_report_jstr(ivet_report_layer_digest(r, f->layer)));
    set(o, "layer_index", f->layer >= 0 ? json_integer(f->layer) : json_null());
    set(o, "hidden", json_boolean(f->hidden));
    if (f->hidden) {
        set(o, "hidden_by", ivet_report_jstr(ivet_report_layer_digest(r, f->hidden_by)));
        set(o, "hidden_by_index", f->hidden_by >= 0 ? json_integer(f->hidden_by) : json_null());
    }
    set(o, "truncated", json_boolean(f->truncated));
    set(o, "evidence", ivet_report_jstr(f->evidence));
    set(o, "remediation", ivet_report_jstr(f->remediation));
    return o;
}

json_t *ivet_report_to_json(const struct ivet_report *r, struct ivet_err *err)
{
    json_t *doc = json_object();
    if (!doc) {
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return NULL;
    }
    set(doc, "schema", json_string("imagevet/report/v1"));
    json_t *tool = json_object();
    set(tool, "name", json_string("imagevet"));
    set(tool, "version", json_string(IMAGEVET_VERSION));
    set(doc, "tool", tool);
    set(doc, "image", image_json(r));
    set(doc, "verdict", ivet_report_jstr(ivet_verdict_name(r->verdict)));
    json_t *fs = json_array();
    for (size_t i = 0; i < r->findings.n; i++)
        json_array_append_new(fs, finding_json(r, &r->findings.v[i]));
    set(doc, "findings", fs);
    json_t *ps = json_array();
    for (size_t i = 0; i < r->npackages; i++) {
        const struct ivet_package *p = &r->packages[i];
        json_t *o = json_object();
        set(o, "type", ivet_report_jstr(p->type));
        set(o, "name", ivet_report_jstr(p->name));
        set(o, "version", ivet_report_jstr(p->version));
        set(o, "source_name", ivet_report_jstr(p->source_name));
        set(o, "source_version", ivet_report_jstr(p->source_version));
        set(o, "arch", ivet_report_jstr(p->arch));
        set(o, "license", ivet_report_jstr(p->license));
        set(o, "purl", ivet_report_jstr(p->purl));
        set(o, "source", ivet_report_jstr(p->path));
        set(o, "layer", ivet_report_jstr(ivet_report_layer_digest(r, p->layer)));
        json_array_append_new(ps, o);
    }
    set(doc, "packages", ps);
    json_t *vs = json_array();
    for (size_t i = 0; i < r->nvulns; i++) {
        const struct ivet_vuln *v = &r->vulns[i];
        json_t *o = json_object();
        set(o, "id", ivet_report_jstr(v->id));
        set(o, "package", ivet_report_jstr(v->package));
        set(o, "type", ivet_report_jstr(v->pkg_type));
        set(o, "installed", ivet_report_jstr(v->installed));
        set(o, "fixed", ivet_report_jstr(v->fixed));
        set(o, "severity", ivet_report_jstr(ivet_severity_name(v->severity)));
        set(o, "cvss", v->cvss > 0 ? json_real(v->cvss) : json_null());
        set(o, "source", ivet_report_jstr(v->source));
        set(o, "title", ivet_report_jstr(v->title));
        set(o, "aliases", ivet_report_jstr(v->aliases));
        set(o, "package_path", ivet_report_jstr(v->path));
        set(o, "layer", ivet_report_jstr(ivet_report_layer_digest(r, v->layer)));
        json_array_append_new(vs, o);
    }
    set(doc, "vulnerabilities", vs);
    json_t *notes = json_array();
    for (size_t i = 0; i < r->nnotes; i++)
        json_array_append_new(notes, ivet_report_jstr(r->notes[i]));
    set(doc, "notes", notes);
    json_t *sum = json_object();
    for (int s = IVET_SEV_CRITICAL; s >= IVET_SEV_INFO; s--)
        set(sum, ivet_severity_name((enum ivet_severity)s), json_integer(r->summary[s]));
    set(doc, "summary", sum);
    set(doc, "duration_seconds", json_real(r->seconds));
    json_object_update(doc, r->extra);
    return doc;
}

int ivet_report_write_json(const struct ivet_report *r, FILE *out, struct ivet_err *err)
{
    json_t *doc = ivet_report_to_json(r, err);
    if (!doc)
        return -(int)err->code;
    int rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (rc != 0 || fputc('\n', out) == EOF)
        return ivet_err_sys(err, IVET_E_IO, "cannot write the report");
    return 0;
}
