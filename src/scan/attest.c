/* attest.c: the build attestations an image's index attaches to the manifest
 * being vetted. BuildKit stores them as index entries with the platform
 * unknown/unknown and two annotations: vnd.docker.reference.type =
 * attestation-manifest and vnd.docker.reference.digest = the manifest they
 * describe. Each layer of such a manifest is one in-toto statement. The
 * provenance statements are read through the source (digest checked) and
 * reduced to what the provenance analyzer reads (ivet_prov_slim) in
 * img->attestations; other predicate types (SBOMs, which can be large) are
 * listed, not read. Each statement is read up to the JSON limit, all of them
 * up to twice that. */
#include "scan/scan_internal.h"

#include <string.h>

#define MAX_ATT_MANIFESTS 8             /* attestation manifests for one image */
#define MAX_ATT_LAYERS 32               /* statements in one of them */

static const char *annotation(json_t *desc, const char *key)
{
    return json_string_value(json_object_get(json_object_get(desc, "annotations"), key));
}

/* Should the statement be read? Only provenance: the analyzer uses nothing
 * else, and an SBOM statement can be many megabytes. Without the predicate
 * type annotation the blob must be read to know. */
static bool wanted(const char *ptype)
{
    return !ptype || ivet_startswith(ptype, "https://slsa.dev/provenance/");
}

bool scan_read_fatal(const struct ivet_err *err)
{
    return err->code == IVET_E_DIGEST || err->code == IVET_E_NOMEM || err->code == IVET_E_INTERNAL;
}

static int add_entry(json_t *list, const char *man, const char *digest, const char *ptype, json_t *statement,
                     const char *error, struct ivet_err *err)
{
    json_t *o = json_pack("{s:s, s:s}", "manifest", man, "digest", digest ? digest : "?");
    if (!o) {
        json_decref(statement);
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    }
    /* json_object_set_new releases the value itself when it fails */
    if ((statement && json_object_set_new(o, "statement", statement) < 0) ||
        (ptype && json_object_set_new(o, "predicate_type", json_string(ptype)) < 0) ||
        (error && json_object_set_new(o, "error", json_string(error)) < 0)) {
        json_decref(o);
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    }
    /* json_array_append_new releases o itself when it fails */
    if (json_array_append_new(list, o) < 0)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    return 0;
}

char *scan_error_text(struct ivet_err *err, const char *prefix)
{
    char *both = ivet_asprintf("%s%s", prefix, ivet_err_msg(err));
    ivet_err_release(err);
    /* cut and escaped as text: a registry's message is not ours to trust */
    char *text = both ? ivet_sanitize(both, strlen(both), 400) : NULL;
    ivet_free(both);
    return text;
}

/* A failure to read: fatal ones propagate, the others become the entry's error. */
static int failed(json_t *list, const char *man, const char *digest, const char *ptype, struct ivet_err *err)
{
    if (scan_read_fatal(err))
        return -(int)err->code;
    char *msg = scan_error_text(err, "");
    if (!msg)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    int rc = add_entry(list, man, digest, ptype, NULL, msg, err);
    ivet_free(msg);
    return rc;
}

/* One layer of an attestation manifest. */
static int read_statement(struct ivet_source *src, const char *man, json_t *layer, json_t *list,
                          uint64_t max_json, uint64_t *budget, struct ivet_err *err)
{
    const char *mt = json_string_value(json_object_get(layer, "mediaType"));
    const char *dtext = json_string_value(json_object_get(layer, "digest"));
    const char *ptype = annotation(layer, "in-toto.io/predicate-type");
    json_t *sz = json_object_get(layer, "size");
    struct ivet_digest d;
    char what[300];
    if (!mt || strcmp(mt, "application/vnd.in-toto+json") != 0)
        return 0;
    if (ivet_digest_parse(&d, dtext, err) < 0)
        return failed(list, man, NULL, ptype, err);
    if (!wanted(ptype))
        return add_entry(list, man, d.text, ptype, NULL, NULL, err);
    uint64_t max = *budget < max_json ? *budget : max_json;
    if (json_is_integer(sz) && (uint64_t)json_integer_value(sz) > max) {
        snprintf(what, sizeof(what), "statement is %lld bytes; %llu were left to read (the JSON limit per "
                 "statement, twice that for all)", (long long)json_integer_value(sz), (unsigned long long)max);
        return add_entry(list, man, d.text, ptype, NULL, what, err);
    }
    char *raw = NULL;
    size_t len = 0;
    int rc = src->ops->read_doc(src, &d, false, json_is_integer(sz), (uint64_t)json_integer_value(sz), max, &raw,
                                &len, err);
    if (rc < 0 && err->code == IVET_E_NOTFOUND) {
        ivet_err_release(err);
        return add_entry(list, man, d.text, ptype, NULL, "its blob is not in the image's repository or layout",
                         err);
    }
    if (rc < 0) {
        if (scan_read_fatal(err))
            return ivet_err_wrap(err, "attestation '%s' of manifest '%s'", d.text, man);
        return failed(list, man, d.text, ptype, err);
    }
    *budget -= len;
    snprintf(what, sizeof(what), "statement '%s'", d.text);
    json_t *st = ivet_json_parse_max(raw, len, max, what, err);
    ivet_free(raw);
    if (!st)
        return failed(list, man, d.text, ptype, err);
    if (!ptype)
        ptype = json_string_value(json_object_get(st, "predicateType"));
    /* keep what the analyzer reads, not the whole statement, until the end of the scan */
    json_t *slim = ivet_prov_slim(st);
    char *pt = ptype ? ivet_strdup(ptype) : NULL;
    json_decref(st);
    if (!slim || (ptype && !pt)) {
        json_decref(slim);
        ivet_free(pt);
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    }
    rc = add_entry(list, man, d.text, pt, slim, NULL, err);
    ivet_free(pt);
    return rc;
}

/* One attestation manifest (descriptor `desc` in the index). */
static int read_manifest(struct ivet_source *src, struct ivet_report *r, json_t *desc, uint64_t max_json,
                         json_t *list, uint64_t *budget, struct ivet_err *err)
{
    const char *dtext = json_string_value(json_object_get(desc, "digest"));
    json_t *sz = json_object_get(desc, "size");
    struct ivet_digest d;
    char what[200];
    if (ivet_digest_parse(&d, dtext, err) < 0) {
        ivet_err_wrap(err, "the index's attestation manifest entry");
        return failed(list, "?", NULL, NULL, err);
    }
    char *raw = NULL;
    size_t len = 0;
    int rc = src->ops->read_doc(src, &d, true, json_is_integer(sz), (uint64_t)json_integer_value(sz),
                                max_json, &raw, &len, err);
    if (rc < 0 && err->code == IVET_E_NOTFOUND) {
        ivet_err_release(err);
        return ivet_report_note(r, err, "the index lists attestation manifest %s for this image, but it is "
                                "not there (copied without it?)", d.text);
    }
    snprintf(what, sizeof(what), "attestation manifest '%s'", d.text);
    if (rc < 0) {
        ivet_err_wrap(err, "%s", what);
        return failed(list, d.text, d.text, NULL, err);
    }
    json_t *m = ivet_json_parse_max(raw, len, max_json, what, err);
    ivet_free(raw);
    if (!m)
        return failed(list, d.text, d.text, NULL, err);
    json_t *layers = json_object_get(m, "layers");
    if (!json_is_array(layers)) {
        json_decref(m);
        return add_entry(list, d.text, d.text, NULL, NULL, "the attestation manifest has no layers array", err);
    }
    size_t n = json_array_size(layers);
    if (n > MAX_ATT_LAYERS && (rc = ivet_report_note(r, err, "%s lists %zu statements; the first %d were read",
                                                     what, n, MAX_ATT_LAYERS)) < 0) {
        json_decref(m);
        return rc;
    }
    for (size_t i = 0; i < n && i < MAX_ATT_LAYERS && rc >= 0; i++)
        rc = read_statement(src, d.text, json_array_get(layers, i), list, max_json, budget, err);
    json_decref(m);
    return rc;
}

int scan_attestations(struct ivet_source *src, struct ivet_report *r, uint64_t max_json, struct ivet_err *err)
{
    struct ivet_image *img = &r->image;
    json_t *ms = json_object_get(img->index, "manifests");
    if (!src->ops->read_doc || !img->have_manifest_digest || !json_is_array(ms))
        return 0;
    json_t *list = json_array();
    if (!list)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    int rc = 0;
    unsigned seen = 0;
    uint64_t budget = 2 * max_json;     /* statement bytes, all manifests together */
    for (size_t i = 0; i < json_array_size(ms) && rc >= 0; i++) {
        json_t *e = json_array_get(ms, i);
        const char *type = annotation(e, "vnd.docker.reference.type");
        const char *ref = annotation(e, "vnd.docker.reference.digest");
        if (!type || strcmp(type, "attestation-manifest") != 0 || !ref || strcmp(ref, img->manifest_digest.text) != 0)
            continue;
        if (++seen > MAX_ATT_MANIFESTS) {
            rc = ivet_report_note(r, err, "the index attaches more than %d attestation manifests to this image; "
                                  "the first %d were read", MAX_ATT_MANIFESTS, MAX_ATT_MANIFESTS);
            break;
        }
        rc = read_manifest(src, r, e, max_json, list, &budget, err);
    }
    if (rc < 0 || !json_array_size(list)) {
        json_decref(list);
        return rc;
    }
    img->attestations = list;
    return 0;
}
