/* manifest.c: the JSON documents every source shares: OCI image manifests and
 * Docker schema2 manifests into layer descriptors, image configs into diff_ids,
 * platform and history, and OCI indexes / Docker manifest lists into the one
 * manifest for the wanted platform. Reading the bytes is the sources' job. */
#include "source/source_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

json_t *ivet_json_parse_max(const char *raw, size_t len, uint64_t max, const char *what,
                            struct ivet_err *err)
{
    if (!raw || len > max) {
        ivet_err_set(err, IVET_E_LIMIT, "%s is %zu bytes, over the JSON limit of %llu bytes", what, len,
                     (unsigned long long)max);
        return NULL;
    }
    json_error_t je;
    /* Duplicate keys are refused: parsers that disagree on which one wins are
     * how a document shows one thing to a scanner and another to a runtime. */
    json_t *j = json_loadb(raw, len, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        char text[JSON_ERROR_TEXT_LENGTH];
        size_t i = 0;
        for (; je.text[i] && i + 1 < sizeof(text); i++)
            text[i] = (je.text[i] < 0x20 || je.text[i] == 0x7f) ? '?' : je.text[i];
        text[i] = 0;
        ivet_err_set(err, IVET_E_FORMAT, "%s is not valid JSON: line %d, column %d: %s", what, je.line,
                     je.column, text);
    }
    return j;
}

json_t *ivet_json_parse(const char *raw, size_t len, const char *what, struct ivet_err *err)
{
    return ivet_json_parse_max(raw, len, ivet_limits_default().max_json, what, err);
}

int ivet_image_note(struct ivet_image *img, struct ivet_err *err, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    char **n = ivet_reallocarray(img->notes, img->nnotes + 1, sizeof(*n));
    if (!n)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    img->notes = n;
    if (!(n[img->nnotes] = ivet_strdup(line)))
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    img->nnotes++;
    return 0;
}

bool ivet_media_type_is_index(const char *mt)
{
    return mt && (strcmp(mt, IVET_MT_OCI_INDEX) == 0 || strcmp(mt, IVET_MT_DOCKER_LIST) == 0);
}

bool ivet_media_type_is_manifest(const char *mt)
{
    return mt && (strcmp(mt, IVET_MT_OCI_MANIFEST) == 0 || strcmp(mt, IVET_MT_DOCKER_MANIFEST) == 0);
}

int ivet_json_doc_kind(json_t *doc, const char *what, struct ivet_err *err)
{
    char b[96];
    if (!json_is_object(doc))
        return ivet_err_set(err, IVET_E_FORMAT, "%s is not a JSON object", what);
    json_t *sv = json_object_get(doc, "schemaVersion");
    if (!json_is_integer(sv) || json_integer_value(sv) != 2) {
        if (json_is_integer(sv) && json_integer_value(sv) == 1)
            return ivet_err_set(err, IVET_E_UNSUPPORTED,
                                "%s is a Docker schema1 manifest (deprecated, unsigned layers); "
                                "convert it to schema2 or OCI first", what);
        return ivet_err_set(err, IVET_E_FORMAT, "%s has no schemaVersion 2", what);
    }
    json_t *mtj = json_object_get(doc, "mediaType");
    if (mtj && !json_is_string(mtj))
        return ivet_err_set(err, IVET_E_FORMAT, "%s has a mediaType that is not a string", what);
    const char *mt = json_string_value(mtj);
    if (mt) {
        if (ivet_media_type_is_index(mt))
            return 1;
        if (ivet_media_type_is_manifest(mt))
            return 0;
        return ivet_err_set(err, IVET_E_UNSUPPORTED, "%s has media type '%s', not an image manifest or index",
                            what, ivet_src_shown(mt, b, sizeof(b)));
    }
    /* OCI lets mediaType be absent; the shape decides. */
    bool has_m = json_object_get(doc, "manifests") != NULL;
    bool has_l = json_object_get(doc, "layers") != NULL || json_object_get(doc, "config") != NULL;
    if (has_m && !has_l)
        return 1;
    if (has_l && !has_m)
        return 0;
    return ivet_err_set(err, IVET_E_FORMAT, "%s is neither an image manifest nor an index", what);
}

/* digest + size + mediaType of a descriptor */
static int parse_desc(json_t *d, const char *what, struct ivet_digest *dg, uint64_t *size,
                      bool *size_known, const char **mt, struct ivet_err *err)
{
    if (!json_is_object(d))
        return ivet_err_set(err, IVET_E_FORMAT, "%s is not a descriptor object", what);
    json_t *dj = json_object_get(d, "digest");
    if (!json_is_string(dj))
        return ivet_err_set(err, IVET_E_FORMAT, "%s has no digest", what);
    if (ivet_digest_parse(dg, json_string_value(dj), err) < 0)
        return ivet_err_wrap(err, "%s", what);
    json_t *sj = json_object_get(d, "size");
    *size = 0;
    *size_known = false;
    if (sj) {
        if (!json_is_integer(sj) || json_integer_value(sj) < 0)
            return ivet_err_set(err, IVET_E_FORMAT, "%s has a size that is not a non-negative integer", what);
        *size = (uint64_t)json_integer_value(sj);
        *size_known = true;
    }
    json_t *mj = json_object_get(d, "mediaType");
    if (mj && !json_is_string(mj))
        return ivet_err_set(err, IVET_E_FORMAT, "%s has a mediaType that is not a string", what);
    *mt = json_string_value(mj);
    return 0;
}

static const char *const layer_types[] = {
    "application/vnd.oci.image.layer.v1.tar",
    "application/vnd.oci.image.layer.v1.tar+gzip",
    "application/vnd.oci.image.layer.v1.tar+zstd",
    "application/vnd.docker.image.rootfs.diff.tar.gzip",
    "application/vnd.docker.image.rootfs.diff.tar",
    "application/vnd.docker.image.rootfs.diff.tar.zstd",
};

static int check_layer_type(const char *mt, size_t i, struct ivet_err *err)
{
    char b[96];
    if (!mt)
        return ivet_err_set(err, IVET_E_FORMAT, "layer %zu has no mediaType", i);
    for (size_t k = 0; k < IVET_ARRAY_LEN(layer_types); k++)
        if (strcmp(mt, layer_types[k]) == 0)
            return 0;
    if (strstr(mt, "nondistributable") || strstr(mt, "foreign"))
        return ivet_err_set(err, IVET_E_UNSUPPORTED,
                            "layer %zu has the foreign media type '%s' (its blob lives elsewhere, "
                            "e.g. a Windows base layer); such images cannot be vetted",
                            i, ivet_src_shown(mt, b, sizeof(b)));
    return ivet_err_set(err, IVET_E_UNSUPPORTED, "layer %zu has media type '%s', which is not a filesystem layer",
                        i, ivet_src_shown(mt, b, sizeof(b)));
}

static void free_layers(struct ivet_image *img)
{
    for (size_t i = 0; i < img->nlayers; i++) {
        ivet_free(img->layers[i].media_type);
        ivet_free(img->layers[i].created_by);
        ivet_free(img->layers[i].history_created);
    }
    ivet_free(img->layers);
    img->layers = NULL;
    img->nlayers = 0;
}

static int parse_manifest_config(struct ivet_image *img, json_t *m, struct ivet_err *err)
{
    char b[96];
    struct ivet_digest dg;
    uint64_t size;
    bool sk;
    const char *mt;
    if (parse_desc(json_object_get(m, "config"), "config descriptor", &dg, &size, &sk, &mt, err) < 0)
        return -err->code;
    if (mt && strcmp(mt, IVET_MT_OCI_CONFIG) != 0 && strcmp(mt, IVET_MT_DOCKER_CONFIG) != 0)
        return ivet_err_set(err, IVET_E_UNSUPPORTED,
                            "config has media type '%s': not a container image (an artifact?)",
                            ivet_src_shown(mt, b, sizeof(b)));
    img->config_digest = dg;
    return 0;
}

int ivet_image_apply_manifest(struct ivet_image *img, const char *raw, size_t len, struct ivet_err *err)
{
    json_t *m = ivet_json_parse(raw, len, "manifest", err);
    if (!m)
        return -err->code;
    int kind = ivet_json_doc_kind(m, "manifest", err);
    if (kind != 0) {
        if (kind == 1)
            ivet_err_set(err, IVET_E_FORMAT, "manifest is an index, not an image manifest");
        goto fail;
    }
    if (parse_manifest_config(img, m, err) < 0)
        goto fail;
    json_t *layers = json_object_get(m, "layers");
    if (!json_is_array(layers)) {
        ivet_err_set(err, IVET_E_FORMAT, "manifest has no layers array");
        goto fail;
    }
    size_t n = json_array_size(layers);
    if (n > IVET_MAX_LAYERS) {
        ivet_err_set(err, IVET_E_LIMIT, "manifest lists %zu layers, over the limit of %d", n, IVET_MAX_LAYERS);
        goto fail;
    }
    free_layers(img);
    if (n && !(img->layers = ivet_calloc(n, sizeof(*img->layers)))) {
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        goto fail;
    }
    img->nlayers = n;
    for (size_t i = 0; i < n; i++) {
        struct ivet_layer_desc *d = &img->layers[i];
        char what[32];
        const char *mt;
        snprintf(what, sizeof(what), "layer %zu", i);
        d->index = (int)i;
        if (parse_desc(json_array_get(layers, i), what, &d->digest, &d->size, &d->size_known, &mt, err) < 0 ||
            check_layer_type(mt, i, err) < 0)
            goto fail_layers;
        d->have_digest = true;
        d->compression = IVET_COMPRESSION_DETECT;   /* the bytes decide, not the label */
        if (!(d->media_type = ivet_strdup(mt))) {
            ivet_err_set(err, IVET_E_NOMEM, "out of memory");
            goto fail_layers;
        }
    }
    json_decref(img->manifest);
    img->manifest = m;
    return 0;
fail_layers:
    free_layers(img);
fail:
    json_decref(m);
    return -err->code;
}

/* "os/arch[/variant]" from the config into img->platform */
static int config_platform(struct ivet_image *img, json_t *c, struct ivet_err *err)
{
    struct ivet_platform p;
    char buf[100];
    if (!ivet_platform_from_json(&p, c))
        return 0;
    ivet_platform_format(&p, buf, sizeof(buf));
    ivet_free(img->platform);
    if (!(img->platform = ivet_strdup(buf)))
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    return 0;
}

static int config_diff_ids(struct ivet_image *img, json_t *c, struct ivet_err *err)
{
    json_t *rootfs = json_object_get(c, "rootfs");
    if (!json_is_object(rootfs))
        return ivet_err_set(err, IVET_E_FORMAT, "config has no rootfs object");
    const char *type = json_string_value(json_object_get(rootfs, "type"));
    if (!type || strcmp(type, "layers") != 0)
        return ivet_err_set(err, IVET_E_FORMAT, "config rootfs.type is not \"layers\"");
    json_t *ids = json_object_get(rootfs, "diff_ids");
    if (!json_is_array(ids))
        return ivet_err_set(err, IVET_E_FORMAT, "config has no rootfs.diff_ids array");
    if (json_array_size(ids) != img->nlayers)
        return ivet_err_set(err, IVET_E_FORMAT,
                            "config lists %zu diff_ids but the manifest has %zu layers",
                            json_array_size(ids), img->nlayers);
    for (size_t i = 0; i < img->nlayers; i++) {
        json_t *v = json_array_get(ids, i);
        if (!json_is_string(v))
            return ivet_err_set(err, IVET_E_FORMAT, "config rootfs.diff_ids[%zu] is not a string", i);
        if (ivet_digest_parse(&img->layers[i].diff_id, json_string_value(v), err) < 0)
            return ivet_err_wrap(err, "config rootfs.diff_ids[%zu]", i);
    }
    return 0;
}

/* History entries that made a layer (no "empty_layer": true) belong to the
 * layers in order, bottom first. Tools disagree (squashed builds, hand-made
 * configs), so a count mismatch is a note, not an error: assign what we can. */
static int config_history(struct ivet_image *img, json_t *c, struct ivet_err *err)
{
    json_t *hist = json_object_get(c, "history");
    if (!hist)
        return 0;
    if (!json_is_array(hist))
        return ivet_err_set(err, IVET_E_FORMAT, "config history is not an array");
    size_t li = 0, with_layer = 0;
    for (size_t i = 0; i < json_array_size(hist); i++) {
        json_t *h = json_array_get(hist, i);
        if (!json_is_object(h))
            return ivet_err_set(err, IVET_E_FORMAT, "config history[%zu] is not an object", i);
        if (json_is_true(json_object_get(h, "empty_layer")))
            continue;
        with_layer++;
        if (li >= img->nlayers)
            continue;
        struct ivet_layer_desc *d = &img->layers[li++];
        ivet_free(d->created_by);
        ivet_free(d->history_created);
        d->created_by = d->history_created = NULL;
        const char *by = json_string_value(json_object_get(h, "created_by"));
        const char *at = json_string_value(json_object_get(h, "created"));
        if ((by && !(d->created_by = ivet_strdup(by))) || (at && !(d->history_created = ivet_strdup(at))))
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    }
    if (with_layer != img->nlayers && json_array_size(hist) > 0)
        return ivet_image_note(img, err,
                               "config history has %zu entries that made a layer but the image has %zu "
                               "layers; created_by was assigned to the first %zu layers only",
                               with_layer, img->nlayers, IVET_MIN(with_layer, img->nlayers));
    return 0;
}

int ivet_image_apply_config(struct ivet_image *img, const char *raw, size_t len, struct ivet_err *err)
{
    json_t *c = ivet_json_parse(raw, len, "config", err);
    if (!c)
        return -err->code;
    if (!json_is_object(c)) {
        ivet_err_set(err, IVET_E_FORMAT, "config is not a JSON object");
        goto fail;
    }
    if (config_diff_ids(img, c, err) < 0 || config_platform(img, c, err) < 0 ||
        config_history(img, c, err) < 0)
        goto fail;
    json_decref(img->config);
    img->config = c;
    return 0;
fail:
    json_decref(c);
    return -err->code;
}

/* ---- indexes */

static bool is_attestation(json_t *desc)
{
    json_t *ann = json_object_get(desc, "annotations");
    const char *t = json_string_value(json_object_get(ann, "vnd.docker.reference.type"));
    if (t && strcmp(t, "attestation-manifest") == 0)
        return true;
    struct ivet_platform p;
    return ivet_platform_from_json(&p, json_object_get(desc, "platform")) && strcmp(p.os, "unknown") == 0 &&
           strcmp(p.arch, "unknown") == 0;
}

int ivet_index_platforms(json_t *index, struct ivet_buf *b, struct ivet_err *err)
{
    json_t *ms = json_object_get(index, "manifests");
    size_t listed = 0;
    for (size_t i = 0; i < json_array_size(ms); i++) {
        json_t *d = json_array_get(ms, i);
        struct ivet_platform p;
        char buf[100];
        if (is_attestation(d) || !ivet_platform_from_json(&p, json_object_get(d, "platform")))
            continue;
        ivet_platform_format(&p, buf, sizeof(buf));
        if (ivet_buf_printf(b, err, "%s%s", listed++ ? ", " : "", buf) < 0)
            return -err->code;
    }
    if (!listed && ivet_buf_puts(b, "(no platforms)", err) < 0)
        return -err->code;
    return 0;
}

static int chosen(json_t *d, struct ivet_digest *digest, char **media_type, struct ivet_err *err)
{
    uint64_t size;
    bool sk;
    const char *mt;
    if (parse_desc(d, "index entry", digest, &size, &sk, &mt, err) < 0)
        return -err->code;
    *media_type = NULL;
    if (mt && !(*media_type = ivet_strdup(mt)))
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    return 0;
}

static int not_found(json_t *index, const struct ivet_platform *want, struct ivet_err *err)
{
    char wb[100];
    struct ivet_buf b;
    ivet_buf_init(&b, 4096);
    ivet_platform_format(want, wb, sizeof(wb));
    if (ivet_index_platforms(index, &b, err) < 0) {
        ivet_buf_release(&b);
        return -err->code;
    }
    ivet_err_set(err, IVET_E_NOTFOUND, "no image for platform '%s' in the index; it has: %s", wb, b.ptr);
    ivet_buf_release(&b);
    return -IVET_E_NOTFOUND;
}

int ivet_index_pick(json_t *index, const struct ivet_source_opts *o, struct ivet_digest *digest,
                    char **media_type, struct ivet_err *err)
{
    json_t *ms = json_object_get(index, "manifests");
    if (!json_is_array(ms))
        return ivet_err_set(err, IVET_E_FORMAT, "index has no manifests array");
    struct ivet_platform want;
    bool explicit = o && o->platform_set;
    if (explicit)
        want = o->platform;
    else
        ivet_platform_host(&want);
    json_t *only = NULL, *loose = NULL;
    size_t candidates = 0;
    for (size_t i = 0; i < json_array_size(ms); i++) {
        json_t *d = json_array_get(ms, i);
        if (!json_is_object(d))
            return ivet_err_set(err, IVET_E_FORMAT, "index entry %zu is not an object", i);
        if (is_attestation(d))
            continue;
        candidates++;
        only = d;
        struct ivet_platform have;
        if (!ivet_platform_from_json(&have, json_object_get(d, "platform")))
            continue;
        if (ivet_platform_match(&want, &have))
            return chosen(d, digest, media_type, err);
        /* "linux/arm" asked without a variant: any variant of it will do */
        if (!loose && !want.variant[0] && strcmp(want.os, have.os) == 0) {
            struct ivet_platform w2 = want, h2 = have;
            snprintf(w2.variant, sizeof(w2.variant), "*");
            snprintf(h2.variant, sizeof(h2.variant), "*");
            if (ivet_platform_match(&w2, &h2))
                loose = d;
        }
    }
    if (loose)
        return chosen(loose, digest, media_type, err);
    if (!explicit && candidates == 1)
        return chosen(only, digest, media_type, err);
    if (candidates == 0)
        return ivet_err_set(err, IVET_E_NOTFOUND, "index lists no image manifests (only attestations, or empty)");
    return not_found(index, &want, err);
}

void ivet_image_release(struct ivet_image *img)
{
    if (!img)
        return;
    ivet_free(img->reference);
    ivet_free(img->transport);
    ivet_free(img->platform);
    ivet_free(img->config_raw);
    json_decref(img->config);
    for (size_t i = 0; i < img->nrepo_tags; i++)
        ivet_free(img->repo_tags[i]);
    ivet_free(img->repo_tags);
    free_layers(img);
    json_decref(img->manifest);
    json_decref(img->index);
    json_decref(img->attestations);
    json_decref(img->signatures);
    for (size_t i = 0; i < img->nnotes; i++)
        ivet_free(img->notes[i]);
    ivet_free(img->notes);
    memset(img, 0, sizeof(*img));
}
