/* signatures.c: cosign signatures of the image, found as cosign stores them
 * next to an image: the manifest tagged sha256-<hex>.sig in the same
 * repository (or layout), where <hex> is the signed digest: the manifest
 * vetted, or the index it was picked from (cosign signs the digest the
 * user named, which for a multi-platform tag is the index). Each
 * simple-signing layer of that manifest is one signature: the payload blob
 * (read through the source, digest checked) and the base64 signature in its
 * annotation. What they are worth is decided in analyze/signature.c. */
#include "scan/scan_internal.h"

#include <string.h>

#define MAX_SIG_LAYERS 32               /* signatures under one tag */
#define MAX_PAYLOAD (64u << 10)         /* bytes of one payload (cosign's are ~250) */
#define MT_SIMPLESIGNING "application/vnd.dev.cosign.simplesigning.v1+json"
#define ANN_SIGNATURE "dev.cosignproject.cosign/signature"

static int add(json_t *list, const char *signed_digest, const char *tag, const char *layer, const char *payload,
               size_t plen, const char *sig, const char *error, struct ivet_err *err)
{
    json_t *o = json_pack("{s:s, s:s, s:s}", "signed", signed_digest, "tag", tag, "layer", layer ? layer : "?");
    if (!o)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    json_t *p = payload ? json_stringn(payload, plen) : NULL;
    if (payload && !p)
        error = "the payload is not UTF-8 text";
    if ((p && json_object_set_new(o, "payload", p) < 0) ||
        (sig && !error && json_object_set_new(o, "signature", json_string(sig)) < 0) ||
        (error && json_object_set_new(o, "error", json_string(error)) < 0)) {
        json_decref(o);
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    }
    if (json_array_append_new(list, o) < 0)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    return 0;
}

/* One simple-signing layer of the .sig manifest. */
static int read_one(struct ivet_source *src, const char *signed_digest, const char *tag, json_t *layer,
                    json_t *list, struct ivet_err *err)
{
    const char *mt = json_string_value(json_object_get(layer, "mediaType"));
    const char *sig = json_string_value(json_object_get(json_object_get(layer, "annotations"), ANN_SIGNATURE));
    json_t *sz = json_object_get(layer, "size");
    struct ivet_digest d;
    if (!mt || strcmp(mt, MT_SIMPLESIGNING) != 0)
        return 0;
    if (ivet_digest_parse(&d, json_string_value(json_object_get(layer, "digest")), err) < 0) {
        ivet_err_release(err);
        return add(list, signed_digest, tag, NULL, NULL, 0, NULL, "the layer's digest is not a sha256 digest", err);
    }
    if (!sig)
        return add(list, signed_digest, tag, d.text, NULL, 0, NULL, "no " ANN_SIGNATURE " annotation", err);
    char *raw = NULL;
    size_t len = 0;
    int rc = src->ops->read_doc(src, &d, false, json_is_integer(sz), (uint64_t)json_integer_value(sz),
                                MAX_PAYLOAD, &raw, &len, err);
    if (rc < 0) {
        if (scan_read_fatal(err))
            return ivet_err_wrap(err, "signature payload '%s' (tag '%s')", d.text, tag);
        char *why = scan_error_text(err, "payload unreadable: ");
        rc = why ? add(list, signed_digest, tag, d.text, NULL, 0, NULL, why, err)
                 : ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        ivet_free(why);
        return rc;
    }
    rc = add(list, signed_digest, tag, d.text, raw, len, sig, NULL, err);
    ivet_free(raw);
    return rc;
}

/* The signatures stored for digest `signed_digest`. */
static int read_for(struct ivet_source *src, struct ivet_report *r, const struct ivet_digest *signed_digest,
                    uint64_t max_json, json_t *list, struct ivet_err *err)
{
    char tag[128], what[300];
    struct ivet_digest md;
    char *raw = NULL;
    size_t len = 0;
    snprintf(tag, sizeof(tag), "sha256-%s.sig", strchr(signed_digest->text, ':') + 1);
    int rc = src->ops->read_tag(src, tag, max_json, &raw, &len, &md, err);
    if (rc < 0 && err->code == IVET_E_NOTFOUND) {
        ivet_err_release(err);
        return 0;
    }
    if (rc < 0) {
        if (scan_read_fatal(err))
            return ivet_err_wrap(err, "signature manifest '%s'", tag);
        char *why = scan_error_text(err, "the tag could not be read: ");
        rc = why ? add(list, signed_digest->text, tag, NULL, NULL, 0, NULL, why, err)
                 : ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        ivet_free(why);
        return rc;
    }
    snprintf(what, sizeof(what), "signature manifest '%s' (%s)", tag, md.text);
    struct ivet_err perr = IVET_ERR_INIT;
    json_t *m = ivet_json_parse_max(raw, len, max_json, what, &perr);
    ivet_free(raw);
    if (!m) {
        char *why = scan_error_text(&perr, "");
        rc = why ? add(list, signed_digest->text, tag, md.text, NULL, 0, NULL, why, err)
                 : ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        ivet_free(why);
        return rc;
    }
    json_t *layers = json_object_get(m, "layers");
    size_t n = json_array_size(layers);
    if (n > MAX_SIG_LAYERS)
        rc = ivet_report_note(r, err, "%s holds %zu layers; the first %d were read", what, n, MAX_SIG_LAYERS);
    size_t before = json_array_size(list);
    for (size_t i = 0; i < n && i < MAX_SIG_LAYERS && rc >= 0; i++)
        rc = read_one(src, signed_digest->text, tag, json_array_get(layers, i), list, err);
    json_decref(m);
    if (rc >= 0 && json_array_size(list) == before)
        rc = add(list, signed_digest->text, tag, md.text, NULL, 0, NULL,
                 "the tag's manifest holds no simple-signing layer", err);
    return rc;
}

int scan_signatures(struct ivet_source *src, struct ivet_report *r, uint64_t max_json, struct ivet_err *err)
{
    struct ivet_image *img = &r->image;
    if (!src->ops->read_tag || !src->ops->read_doc || !img->have_manifest_digest)
        return 0;
    img->signatures_searched = true;
    json_t *list = json_array();
    if (!list)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    int rc = read_for(src, r, &img->manifest_digest, max_json, list, err);
    if (rc >= 0 && img->have_index_digest && !ivet_digest_eq(&img->index_digest, &img->manifest_digest))
        rc = read_for(src, r, &img->index_digest, max_json, list, err);
    if (rc < 0 || !json_array_size(list)) {
        json_decref(list);
        return rc;
    }
    img->signatures = list;
    return 0;
}
