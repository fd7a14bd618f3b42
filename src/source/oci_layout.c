/* oci_layout.c: an OCI image layout (oci-layout, index.json, blobs/) over a
 * blob store, so the same logic serves oci:DIR, oci-archive:PATH and Docker
 * >= 25 saves. Tags come from org.opencontainers.image.ref.name (or
 * io.containerd.image.name); indexes may nest; every document is read
 * bounded and digest-checked before it is parsed. */
#include "source/source_int.h"

#include <stdio.h>
#include <string.h>

#define ANN_REF "org.opencontainers.image.ref.name"
#define ANN_CTD "io.containerd.image.name"

struct oci_source {
    struct ivet_source base;
    struct ivet_blobstore *bs;
    char *tag;
    long index;
    char *transport;
};

static uint64_t max_json(const struct ivet_source_opts *o)
{
    return o->limits.max_json ? o->limits.max_json : ivet_limits_default().max_json;
}

static int check_layout_file(struct ivet_blobstore *bs, struct ivet_err *err)
{
    char *raw = NULL;
    size_t len = 0;
    if (ivet_blobstore_read(bs, "oci-layout", 4096, &raw, &len, err) < 0) {
        if (err->code == IVET_E_NOTFOUND)
            return ivet_err_set(err, IVET_E_FORMAT, "'%s' is not an OCI image layout: it has no oci-layout file",
                                bs->name);
        return -err->code;
    }
    char what[300];
    snprintf(what, sizeof(what), "'%s/oci-layout'", bs->name);
    json_t *j = ivet_json_parse(raw, len, what, err);
    ivet_free(raw);
    if (!j)
        return -err->code;
    const char *v = json_string_value(json_object_get(j, "imageLayoutVersion"));
    int rc = 0;
    if (!v)
        rc = ivet_err_set(err, IVET_E_FORMAT, "%s has no imageLayoutVersion", what);
    else if (!ivet_startswith(v, "1."))
        rc = ivet_err_set(err, IVET_E_UNSUPPORTED, "%s: imageLayoutVersion is not 1.x", what);
    json_decref(j);
    return rc;
}

/* Does a top-level entry carry the name the user asked for? */
static bool entry_named(json_t *d, const char *tag)
{
    json_t *ann = json_object_get(d, "annotations");
    const char *r = json_string_value(json_object_get(ann, ANN_REF));
    const char *c = json_string_value(json_object_get(ann, ANN_CTD));
    if (r && strcmp(r, tag) == 0)
        return true;
    return c && ivet_src_name_matches(c, tag);
}

static int list_tags(json_t *ms, struct ivet_buf *b, struct ivet_err *err)
{
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(ms); i++) {
        const char *r = json_string_value(json_object_get(json_object_get(json_array_get(ms, i), "annotations"), ANN_REF));
        char sh[96];
        if (r && ivet_buf_printf(b, err, "%s%s", n++ ? ", " : "", ivet_src_shown(r, sh, sizeof(sh))) < 0)
            return -err->code;
    }
    if (!n)
        return ivet_buf_puts(b, "(none)", err);
    return 0;
}

static int add_repo_tags(struct ivet_image *img, json_t *d, struct ivet_err *err)
{
    json_t *ann = json_object_get(d, "annotations");
    const char *keys[] = { ANN_CTD, ANN_REF };
    for (size_t i = 0; i < IVET_ARRAY_LEN(keys); i++) {
        const char *v = json_string_value(json_object_get(ann, keys[i]));
        if (!v)
            continue;
        char **n = ivet_reallocarray(img->repo_tags, img->nrepo_tags + 1, sizeof(*n));
        if (!n)
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        img->repo_tags = n;
        if (!(n[img->nrepo_tags] = ivet_strdup(v)))
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        img->nrepo_tags++;
    }
    return 0;
}

/* The entry of index.json the user means; *pick_from is set instead when the
 * choice needs a platform pick among several entries (a fresh index). */
static int top_entry(struct oci_source *s, json_t *top, json_t **entry, json_t **pick_from, struct ivet_err *err)
{
    char sh[96];
    json_t *ms = json_object_get(top, "manifests");
    size_t n = json_array_size(ms);
    *entry = *pick_from = NULL;
    if (s->index >= 0) {
        if ((size_t)s->index >= n)
            return ivet_err_set(err, IVET_E_NOTFOUND, "'%s/index.json' has %zu entries; @%ld does not exist",
                                s->bs->name, n, s->index);
        *entry = json_array_get(ms, (size_t)s->index);
        return 0;
    }
    json_t *cand = json_array();
    if (!cand)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (!s->tag || entry_named(json_array_get(ms, i), s->tag))
            json_array_append(cand, json_array_get(ms, i));
    size_t k = json_array_size(cand);
    int rc = 0;
    if (k == 1) {
        *entry = json_array_get(cand, 0);  /* still owned by `top` after cand goes */
    } else if (k > 1 && (s->tag || json_object_get(json_array_get(cand, 0), "platform"))) {
        *pick_from = json_pack("{s:i, s:O}", "schemaVersion", 2, "manifests", cand);
        if (!*pick_from)
            rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    } else {
        struct ivet_buf b;
        ivet_buf_init(&b, 4096);
        if (list_tags(ms, &b, err) == 0) {
            if (k == 0 && s->tag)
                rc = ivet_err_set(err, IVET_E_NOTFOUND, "no image tagged '%s' in '%s'; tags present: %s",
                                  ivet_src_shown(s->tag, sh, sizeof(sh)), s->bs->name, b.ptr);
            else if (k == 0)
                rc = ivet_err_set(err, IVET_E_NOTFOUND, "'%s/index.json' lists no images", s->bs->name);
            else
                rc = ivet_err_set(err, IVET_E_USAGE, "'%s' holds %zu images; name one as PATH:TAG (tags: %s) or PATH:@N",
                                  s->bs->name, k, b.ptr);
        } else {
            rc = -err->code;
        }
        ivet_buf_release(&b);
    }
    json_decref(cand);
    return rc;
}

/* Reads and parses a manifest-or-index blob. Returns its kind (1 index, 0 manifest). */
static int read_doc(struct oci_source *s, const struct ivet_digest *d, bool sk, uint64_t size, const char *dmt,
                    char **raw, size_t *len, json_t **doc, struct ivet_err *err)
{
    char what[200], rel[96];
    ivet_blob_path(d, rel, sizeof(rel));
    const char *kind_hint = ivet_media_type_is_index(dmt) ? "index" : "manifest";
    if (ivet_blob_read_verified(s->bs, d, sk, size, max_json(&s->base.opts), kind_hint, raw, len, err) < 0)
        return -err->code;
    snprintf(what, sizeof(what), "%s '%s' (%s)", kind_hint, d->text, rel);
    *doc = ivet_json_parse_max(*raw, *len, max_json(&s->base.opts), what, err);
    if (!*doc)
        goto fail;
    int kind = ivet_json_doc_kind(*doc, what, err);
    if (kind < 0)
        goto fail;
    if (dmt && (ivet_media_type_is_index(dmt) || ivet_media_type_is_manifest(dmt)) &&
        (kind == 1) != ivet_media_type_is_index(dmt)) {
        ivet_err_set(err, IVET_E_FORMAT, "%s: its descriptor says '%s' but the document is %s", what, dmt,
                     kind ? "an index" : "a manifest");
        goto fail;
    }
    return kind;
fail:
    json_decref(*doc);
    *doc = NULL;
    ivet_free(*raw);
    *raw = NULL;
    return -err->code;
}

/* Platform pick, descending into nested indexes that carry no platform. A
 * miss is -IVET_E_NOTFOUND with err unset and the platforms seen in `seen`. */
/* Nested indexes may list the same index many times at every level; without
 * a budget that is an exponential number of reads. */
#define MAX_NESTED_READS 64

static int pick_rec(struct oci_source *s, json_t *index, int depth, struct ivet_digest *d, char **mt,
                    struct ivet_buf *seen, unsigned *reads, struct ivet_err *err)
{
    int rc = ivet_index_pick(index, &s->base.opts, d, mt, err);
    if (rc != -IVET_E_NOTFOUND)
        return rc;
    ivet_err_release(err);
    struct ivet_buf lvl;
    ivet_buf_init(&lvl, 4096);
    json_t *ms = json_object_get(index, "manifests");
    bool listed = false;
    for (size_t i = 0; i < json_array_size(ms) && !listed; i++)
        listed = json_object_get(json_array_get(ms, i), "platform") != NULL;
    if (listed && ivet_index_platforms(index, &lvl, err) < 0) {
        ivet_buf_release(&lvl);
        return -err->code;
    }
    /* the list of platforms is for the error message: once it is long
     * enough, and for platforms it already names, it stops growing */
    if (listed && lvl.ptr && !(seen->ptr && strstr(seen->ptr, lvl.ptr)))
        ivet_buf_printf(seen, NULL, "%s%s", seen->len ? ", " : "", lvl.ptr);
    ivet_buf_release(&lvl);
    for (size_t i = 0; i < json_array_size(ms) && depth < IVET_MAX_INDEX_DEPTH; i++) {
        json_t *e = json_array_get(ms, i);
        const char *emt = json_string_value(json_object_get(e, "mediaType"));
        json_t *sz = json_object_get(e, "size");
        struct ivet_digest nd;
        struct ivet_err tmp = IVET_ERR_INIT;
        if (json_object_get(e, "platform") || !ivet_media_type_is_index(emt) ||
            ivet_digest_parse(&nd, json_string_value(json_object_get(e, "digest")), &tmp) < 0) {
            ivet_err_release(&tmp);
            continue;
        }
        if (++*reads > MAX_NESTED_READS)
            return ivet_err_set(err, IVET_E_LIMIT, "nested indexes: more than %d index documents to read",
                                MAX_NESTED_READS);
        char *raw = NULL;
        size_t len = 0;
        json_t *doc = NULL;
        int kind = read_doc(s, &nd, json_is_integer(sz), (uint64_t)json_integer_value(sz), emt, &raw, &len, &doc, err);
        ivet_free(raw);
        if (kind < 0)
            return kind;            /* a broken nested index is an error, not a miss */
        rc = kind == 1 ? pick_rec(s, doc, depth + 1, d, mt, seen, reads, err) : -IVET_E_NOTFOUND;
        json_decref(doc);
        if (rc != -IVET_E_NOTFOUND)
            return rc;
    }
    return -IVET_E_NOTFOUND;
}

static int pick(struct oci_source *s, json_t *index, int depth, struct ivet_digest *d, char **mt,
                struct ivet_err *err)
{
    struct ivet_buf seen;
    ivet_buf_init(&seen, 8192);
    unsigned reads = 0;
    int rc = pick_rec(s, index, depth, d, mt, &seen, &reads, err);
    if (rc == -IVET_E_NOTFOUND) {
        struct ivet_platform want;
        char wb[100];
        if (s->base.opts.platform_set)
            want = s->base.opts.platform;
        else
            ivet_platform_host(&want);
        ivet_platform_format(&want, wb, sizeof(wb));
        ivet_err_set(err, IVET_E_NOTFOUND, "no image for platform '%s' in the index; it has: %s", wb,
                     seen.len ? seen.ptr : "(no platforms)");
    }
    ivet_buf_release(&seen);
    return rc;
}

/* From a descriptor down through indexes to the image manifest. */
static int descend(struct oci_source *s, struct ivet_image *img, struct ivet_digest d, bool sk, uint64_t size,
                   char *dmt, struct ivet_err *err)
{
    int rc = 0;
    for (int depth = 0;; depth++) {
        char *raw = NULL;
        size_t len = 0;
        json_t *doc = NULL;
        if (depth > IVET_MAX_INDEX_DEPTH) {
            rc = ivet_err_set(err, IVET_E_LIMIT, "indexes nest deeper than %d levels", IVET_MAX_INDEX_DEPTH);
            break;
        }
        int kind = read_doc(s, &d, sk, size, dmt, &raw, &len, &doc, err);
        ivet_free(dmt);
        dmt = NULL;
        if (kind < 0) {
            rc = kind;
            break;
        }
        if (kind == 0) {
            json_decref(doc);
            img->manifest_digest = d;
            img->have_manifest_digest = true;
            rc = ivet_image_apply_manifest(img, raw, len, err);
            if (rc < 0)
                ivet_err_wrap(err, "manifest '%s'", d.text);
            ivet_free(raw);
            break;
        }
        ivet_free(raw);
        json_decref(img->index);
        img->index = doc;
        /* the outermost index: the digest a tag names, which cosign signs */
        if (!img->have_index_digest) {
            img->index_digest = d;
            img->have_index_digest = true;
        }
        rc = pick(s, doc, depth, &d, &dmt, err);
        if (rc < 0)
            break;
        sk = false;             /* the size is re-read below from the entry */
        json_t *ms = json_object_get(doc, "manifests");
        for (size_t i = 0; i < json_array_size(ms); i++) {
            json_t *e = json_array_get(ms, i);
            const char *ed = json_string_value(json_object_get(e, "digest"));
            if (ed && strcmp(ed, d.text) == 0 &&
                json_is_integer(json_object_get(e, "size"))) {
                sk = true;
                size = (uint64_t)json_integer_value(json_object_get(e, "size"));
            }
        }
    }
    ivet_free(dmt);
    return rc;
}

/* Config blob, then every layer blob's presence and size. */
static int finish(struct oci_source *s, struct ivet_image *img, struct ivet_err *err)
{
    json_t *cd = json_object_get(img->manifest, "config");
    json_t *sz = json_object_get(cd, "size");
    if (ivet_blob_read_verified(s->bs, &img->config_digest, json_is_integer(sz), (uint64_t)json_integer_value(sz),
                                max_json(&s->base.opts), "config", &img->config_raw, &img->config_len, err) < 0)
        return -err->code;
    if (ivet_image_apply_config(img, img->config_raw, img->config_len, err) < 0)
        return ivet_err_wrap(err, "config '%s'", img->config_digest.text);
    for (size_t i = 0; i < img->nlayers; i++) {
        struct ivet_layer_desc *l = &img->layers[i];
        char rel[96];
        uint64_t have = 0;
        ivet_blob_path(&l->digest, rel, sizeof(rel));
        if (s->bs->ops->stat(s->bs, rel, &have, err) < 0)
            return ivet_err_wrap(err, "layer %zu blob '%s'", i, l->digest.text);
        if (l->size_known && have != l->size)
            return ivet_err_set(err, IVET_E_FORMAT,
                                "layer %zu blob '%s' (%s) is %llu bytes but the manifest says %llu (truncated?)", i,
                                l->digest.text, rel, (unsigned long long)have, (unsigned long long)l->size);
    }
    return 0;
}

static int oci_resolve(struct ivet_source *src, struct ivet_image *img, struct ivet_err *err)
{
    struct oci_source *s = (struct oci_source *)src;
    char *raw = NULL;
    size_t len = 0;
    json_t *top = NULL, *entry = NULL, *pick_from = NULL;
    int rc;
    char what[300];
    if ((rc = check_layout_file(s->bs, err)) < 0)
        goto out;
    if ((rc = ivet_blobstore_read(s->bs, "index.json", max_json(&src->opts), &raw, &len, err)) < 0) {
        if (err->code == IVET_E_NOTFOUND)
            ivet_err_set(err, IVET_E_FORMAT, "'%s' is not an OCI image layout: it has no index.json", s->bs->name);
        goto out;
    }
    snprintf(what, sizeof(what), "'%s/index.json'", s->bs->name);
    if (!(top = ivet_json_parse_max(raw, len, max_json(&src->opts), what, err)) ||
        (rc = ivet_json_doc_kind(top, what, err)) != 1) {
        if (top && rc == 0)
            ivet_err_set(err, IVET_E_FORMAT, "%s is a manifest, not an index", what);
        rc = -err->code;
        goto out;
    }
    if ((rc = top_entry(s, top, &entry, &pick_from, err)) < 0)
        goto out;
    if ((rc = ivet_image_set_reference(img, src, s->bs->name, err)) < 0)
        goto out;
    if (!(img->transport = ivet_strdup(s->transport))) {
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        goto out;
    }
    struct ivet_digest d;
    char *mt = NULL;
    bool sk = false;
    uint64_t size = 0;
    if (pick_from) {
        if ((rc = pick(s, pick_from, 0, &d, &mt, err)) < 0)
            goto out;
    } else {
        const char *emt = json_string_value(json_object_get(entry, "mediaType"));
        json_t *sz = json_object_get(entry, "size");
        if ((rc = ivet_digest_parse(&d, json_string_value(json_object_get(entry, "digest")), err)) < 0) {
            ivet_err_wrap(err, "%s", what);
            goto out;
        }
        sk = json_is_integer(sz);
        size = (uint64_t)json_integer_value(sz);
        if (emt && !(mt = ivet_strdup(emt))) {
            rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
            goto out;
        }
        if ((rc = add_repo_tags(img, entry, err)) < 0) {
            ivet_free(mt);
            goto out;
        }
    }
    if ((rc = descend(s, img, d, sk, size, mt, err)) < 0 || (rc = finish(s, img, err)) < 0)
        goto out;
    /* the image came straight from index.json: its other entries (attestation
     * manifests) may describe the image */
    if (!img->index)
        img->index = json_incref(top);
out:
    ivet_free(raw);
    json_decref(top);
    json_decref(pick_from);
    return rc;
}

static struct ivet_istream *oci_open_blob(struct ivet_source *src, const struct ivet_layer_desc *d,
                                          struct ivet_err *err)
{
    struct oci_source *s = (struct oci_source *)src;
    char rel[96];
    if (!d->have_digest) {
        ivet_err_set(err, IVET_E_INTERNAL, "layer %d has no digest", d->index);
        return NULL;
    }
    ivet_blob_path(&d->digest, rel, sizeof(rel));
    return s->bs->ops->open(s->bs, rel, NULL, err);
}

static int oci_read_doc(struct ivet_source *src, const struct ivet_digest *d, bool manifest, bool size_known,
                        uint64_t size, uint64_t max, char **raw, size_t *len, struct ivet_err *err)
{
    struct oci_source *s = (struct oci_source *)src;
    return ivet_blob_read_verified(s->bs, d, size_known, size, max, manifest ? "manifest" : "document", raw, len,
                                   err);
}

static int oci_read_tag(struct ivet_source *src, const char *tag, uint64_t max, char **raw, size_t *len,
                        struct ivet_digest *digest, struct ivet_err *err)
{
    struct oci_source *s = (struct oci_source *)src;
    char *idx = NULL, what[300];
    size_t ilen = 0;
    json_t *top = NULL;
    int rc;
    if ((rc = ivet_blobstore_read(s->bs, "index.json", max_json(&src->opts), &idx, &ilen, err)) < 0)
        return rc;
    snprintf(what, sizeof(what), "'%s/index.json'", s->bs->name);
    if (!(top = ivet_json_parse_max(idx, ilen, max_json(&src->opts), what, err))) {
        ivet_free(idx);
        return -(int)err->code;
    }
    ivet_free(idx);
    json_t *ms = json_object_get(top, "manifests"), *hit = NULL;
    for (size_t i = 0; i < json_array_size(ms) && !hit; i++)
        if (entry_named(json_array_get(ms, i), tag))
            hit = json_array_get(ms, i);
    if (!hit) {
        json_decref(top);
        return ivet_err_set(err, IVET_E_NOTFOUND, "no manifest tagged '%s' in '%s'", tag, s->bs->name);
    }
    json_t *sz = json_object_get(hit, "size");
    if ((rc = ivet_digest_parse(digest, json_string_value(json_object_get(hit, "digest")), err)) == 0)
        rc = ivet_blob_read_verified(s->bs, digest, json_is_integer(sz), (uint64_t)json_integer_value(sz), max,
                                     "manifest", raw, len, err);
    else
        ivet_err_wrap(err, "%s, entry '%s'", what, tag);
    json_decref(top);
    return rc;
}

static void oci_free(struct ivet_source *src)
{
    struct oci_source *s = (struct oci_source *)src;
    ivet_blobstore_free(s->bs);
    ivet_free(s->tag);
    ivet_free(s->transport);
    ivet_free(s);
}

static const struct ivet_source_ops oci_ops = {
    .transport = "oci", .resolve = oci_resolve, .open_blob = oci_open_blob, .read_doc = oci_read_doc,
    .read_tag = oci_read_tag, .free = oci_free,
};

struct ivet_source *ivet_oci_source_new(struct ivet_blobstore *bs, const struct ivet_image_arg *a,
                                        const char *transport, const struct ivet_source_opts *o,
                                        struct ivet_err *err)
{
    if (!bs)
        return NULL;
    struct oci_source *s = ivet_calloc(1, sizeof(*s));
    if (!s || !(s->transport = ivet_strdup(transport)) || (a->ref && !(s->tag = ivet_strdup(a->ref)))) {
        if (s)
            ivet_free(s->transport);
        ivet_free(s);
        ivet_blobstore_free(bs);
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return NULL;
    }
    s->base.ops = &oci_ops;
    s->base.opts = *o;
    s->bs = bs;
    s->index = a->index;
    return &s->base;
}

struct ivet_source *ivet_source_open_oci(const struct ivet_image_arg *a, const struct ivet_source_opts *o,
                                         struct ivet_err *err)
{
    struct ivet_blobstore *bs = ivet_blobstore_dir(a->location, err);
    return ivet_oci_source_new(bs, a, "oci", o, err);
}
