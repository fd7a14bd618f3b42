/* docker_archive.c: docker-archive:PATH[:REF|:@N], the tar that `docker save`
 * and skopeo write: manifest.json (an array of {Config, RepoTags, Layers}),
 * the config as <hex>.json and uncompressed layers as <id>/layer.tar or
 * skopeo's <diffid>.tar (with <id>/layer.tar symlinks). The layers carry no
 * blob digest: the config's diff_ids are what the layer scan verifies. An
 * archive that also holds an OCI layout (Docker >= 25) is read as one. */
#include "source/source_int.h"

#include <stdio.h>
#include <string.h>

struct da_source {
    struct ivet_source base;
    struct ivet_tar_index *t;
    char *ref;
    long index;
    char **paths;               /* layer member names, by layer index */
    size_t npaths;
};

static uint64_t max_json(const struct ivet_source_opts *o)
{
    return o->limits.max_json ? o->limits.max_json : ivet_limits_default().max_json;
}

static int list_all_tags(json_t *arr, struct ivet_buf *b, struct ivet_err *err)
{
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *tags = json_object_get(json_array_get(arr, i), "RepoTags");
        for (size_t k = 0; k < json_array_size(tags); k++) {
            char sh[96];
            const char *t = json_string_value(json_array_get(tags, k));
            if (t && ivet_buf_printf(b, err, "%s%s", n++ ? ", " : "", ivet_src_shown(t, sh, sizeof(sh))) < 0)
                return -err->code;
        }
    }
    return n ? 0 : ivet_buf_puts(b, "(no tags)", err);
}

static int choose(struct da_source *s, json_t *arr, json_t **entry, struct ivet_err *err)
{
    const char *name = ivet_tar_index_name(s->t);
    size_t n = json_array_size(arr);
    char sh[96];
    *entry = NULL;
    if (s->index >= 0) {
        if ((size_t)s->index >= n)
            return ivet_err_set(err, IVET_E_NOTFOUND, "'%s' holds %zu images; @%ld does not exist", name, n, s->index);
        *entry = json_array_get(arr, (size_t)s->index);
        return 0;
    }
    if (!s->ref && n == 1) {
        *entry = json_array_get(arr, 0);
        return 0;
    }
    for (size_t i = 0; s->ref && i < n; i++) {
        json_t *tags = json_object_get(json_array_get(arr, i), "RepoTags");
        for (size_t k = 0; k < json_array_size(tags); k++) {
            const char *t = json_string_value(json_array_get(tags, k));
            if (t && ivet_src_name_matches(t, s->ref)) {
                *entry = json_array_get(arr, i);
                return 0;
            }
        }
    }
    struct ivet_buf b;
    ivet_buf_init(&b, 4096);
    int rc = list_all_tags(arr, &b, err);
    if (rc == 0) {
        if (n == 0)
            rc = ivet_err_set(err, IVET_E_FORMAT, "'%s': manifest.json lists no images", name);
        else if (s->ref)
            rc = ivet_err_set(err, IVET_E_NOTFOUND, "'%s' has no image tagged '%s'; tags present: %s", name,
                              ivet_src_shown(s->ref, sh, sizeof(sh)), b.ptr);
        else
            rc = ivet_err_set(err, IVET_E_USAGE, "'%s' holds %zu images; name one as PATH:REF (tags: %s) or PATH:@N",
                              name, n, b.ptr);
    }
    ivet_buf_release(&b);
    return rc;
}

/* "<hex>.json" or "blobs/sha256/<hex>": the name promises a digest. */
static bool digest_in_name(const char *path, struct ivet_digest *d)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strlen(base);
    if (len != 64 && !(len == 69 && strcmp(base + 64, ".json") == 0))
        return false;
    char text[72];
    snprintf(text, sizeof(text), "sha256:%.64s", base);
    struct ivet_err tmp = IVET_ERR_INIT;
    bool ok = ivet_digest_parse(d, text, &tmp) == 0;
    ivet_err_release(&tmp);
    return ok;
}

static int read_config(struct da_source *s, struct ivet_image *img, const char *path, struct ivet_err *err)
{
    char sh[128];
    uint64_t size = 0;
    struct ivet_istream *in = ivet_tar_index_open_member(s->t, path, &size, err);
    if (!in)
        return ivet_err_wrap(err, "config");
    if (size > max_json(&s->base.opts)) {
        ivet_istream_close(in);
        return ivet_err_set(err, IVET_E_LIMIT, "config '%s' is %llu bytes, over the JSON limit",
                            ivet_src_shown(path, sh, sizeof(sh)), (unsigned long long)size);
    }
    int rc = ivet_istream_slurp(in, (size_t)max_json(&s->base.opts), &img->config_raw, &img->config_len, err);
    ivet_istream_close(in);
    if (rc < 0)
        return ivet_err_wrap(err, "config '%s'", ivet_src_shown(path, sh, sizeof(sh)));
    ivet_sha256(img->config_raw, img->config_len, &img->config_digest);
    struct ivet_digest named;
    if (digest_in_name(path, &named) && !ivet_digest_eq(&named, &img->config_digest))
        return ivet_err_set(err, IVET_E_DIGEST, "config '%s' in '%s' has digest %s: its bytes were altered",
                            ivet_src_shown(path, sh, sizeof(sh)), ivet_tar_index_name(s->t),
                            img->config_digest.text);
    return 0;
}

static int set_layers(struct da_source *s, struct ivet_image *img, json_t *layers, struct ivet_err *err)
{
    char sh[128];
    if (!json_is_array(layers))
        return ivet_err_set(err, IVET_E_FORMAT, "manifest.json entry has no Layers array");
    size_t n = json_array_size(layers);
    if (n > IVET_MAX_LAYERS)
        return ivet_err_set(err, IVET_E_LIMIT, "manifest.json lists %zu layers, over the limit of %d", n,
                            IVET_MAX_LAYERS);
    for (size_t i = 0; i < s->npaths; i++)      /* resolved before: start over */
        ivet_free(s->paths[i]);
    ivet_free(s->paths);
    s->paths = NULL;
    s->npaths = 0;
    if (n && (!(img->layers = ivet_calloc(n, sizeof(*img->layers))) || !(s->paths = ivet_calloc(n, sizeof(char *)))))
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    img->nlayers = s->npaths = n;
    for (size_t i = 0; i < n; i++) {
        const char *p = json_string_value(json_array_get(layers, i));
        if (!p)
            return ivet_err_set(err, IVET_E_FORMAT, "manifest.json Layers[%zu] is not a string", i);
        const struct ivet_tar_member *m = ivet_tar_index_find(s->t, p, err);
        if (!m)
            return ivet_err_wrap(err, "layer %zu", i);
        if (m->type != IVET_TAR_FILE)
            return ivet_err_set(err, IVET_E_FORMAT, "layer %zu: member '%s' is not a regular file", i,
                                ivet_src_shown(p, sh, sizeof(sh)));
        struct ivet_layer_desc *d = &img->layers[i];
        d->index = (int)i;
        d->have_digest = false;
        d->size = m->size;
        d->size_known = true;
        d->compression = IVET_COMPRESSION_DETECT;
        if (!(d->media_type = ivet_strdup("application/vnd.docker.image.rootfs.diff.tar")) ||
            !(s->paths[i] = ivet_strdup(m->name)))
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    }
    return 0;
}

static int set_repo_tags(struct ivet_image *img, json_t *entry, struct ivet_err *err)
{
    json_t *tags = json_object_get(entry, "RepoTags");
    size_t n = json_array_size(tags);
    if (!n)
        return 0;
    if (!(img->repo_tags = ivet_calloc(n, sizeof(char *))))
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *t = json_string_value(json_array_get(tags, i));
        if (!t)
            continue;
        if (!(img->repo_tags[img->nrepo_tags] = ivet_strdup(t)))
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        img->nrepo_tags++;
    }
    return 0;
}

static int da_resolve(struct ivet_source *src, struct ivet_image *img, struct ivet_err *err)
{
    struct da_source *s = (struct da_source *)src;
    const char *name = ivet_tar_index_name(s->t);
    char *raw = NULL;
    size_t len = 0;
    json_t *arr = NULL, *entry = NULL;
    char what[300];
    int rc;
    uint64_t size = 0;
    struct ivet_istream *in = ivet_tar_index_open_member(s->t, "manifest.json", &size, err);
    if (!in) {
        rc = -(int)err->code;
        if (err->code == IVET_E_NOTFOUND)
            rc = ivet_err_set(err, IVET_E_FORMAT, "'%s' is not a docker-archive: it has no manifest.json", name);
        goto out;
    }
    rc = ivet_istream_slurp(in, (size_t)max_json(&src->opts), &raw, &len, err);
    ivet_istream_close(in);
    if (rc < 0)
        goto out;
    snprintf(what, sizeof(what), "'%s:manifest.json'", name);
    if (!(arr = ivet_json_parse_max(raw, len, max_json(&src->opts), what, err))) {
        rc = -err->code;
        goto out;
    }
    if (!json_is_array(arr)) {
        rc = ivet_err_set(err, IVET_E_FORMAT, "%s is not a JSON array", what);
        goto out;
    }
    if ((rc = choose(s, arr, &entry, err)) < 0)
        goto out;
    const char *cfg = json_string_value(json_object_get(entry, "Config"));
    if (!cfg) {
        rc = ivet_err_set(err, IVET_E_FORMAT, "%s: entry has no Config", what);
        goto out;
    }
    if ((rc = ivet_image_set_reference(img, src, name, err)) < 0)
        goto out;
    if (!(img->transport = ivet_strdup("docker-archive"))) {
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = read_config(s, img, cfg, err)) < 0 || (rc = set_layers(s, img, json_object_get(entry, "Layers"), err)) < 0 ||
        (rc = set_repo_tags(img, entry, err)) < 0)
        goto out;
    if ((rc = ivet_image_apply_config(img, img->config_raw, img->config_len, err)) < 0) {
        ivet_err_wrap(err, "config '%s'", img->config_digest.text);
        goto out;
    }
    /* The layers are stored uncompressed, so the blob is the tar: its digest
     * is the diff_id, which the layer scan verifies. */
    for (size_t i = 0; i < img->nlayers; i++)
        img->layers[i].digest = img->layers[i].diff_id;
out:
    ivet_free(raw);
    json_decref(arr);
    return rc;
}

static struct ivet_istream *da_open_blob(struct ivet_source *src, const struct ivet_layer_desc *d,
                                         struct ivet_err *err)
{
    struct da_source *s = (struct da_source *)src;
    if (d->index < 0 || (size_t)d->index >= s->npaths || !s->paths[d->index]) {
        ivet_err_set(err, IVET_E_INTERNAL, "layer %d is not in this archive", d->index);
        return NULL;
    }
    return ivet_tar_index_open_member(s->t, s->paths[d->index], NULL, err);
}

static void da_free(struct ivet_source *src)
{
    struct da_source *s = (struct da_source *)src;
    ivet_tar_index_free(s->t);
    for (size_t i = 0; i < s->npaths; i++)
        ivet_free(s->paths[i]);
    ivet_free(s->paths);
    ivet_free(s->ref);
    ivet_free(s);
}

static const struct ivet_source_ops da_ops = {
    .transport = "docker-archive", .resolve = da_resolve, .open_blob = da_open_blob, .free = da_free,
};

/* Docker >= 25 writes an OCI layout and a manifest.json into one archive; the
 * OCI side is vetted (it also carries the compressed digests). A loader may
 * read either, so both must name the same image: an archive whose
 * manifest.json names another config than its index.json is refused rather
 * than half vetted. Same config means same diff_ids, and each side's layers
 * are checked against them. */
struct dual_source {
    struct ivet_source base;
    struct ivet_source *oci, *da;
};

static int dual_resolve(struct ivet_source *src, struct ivet_image *img, struct ivet_err *err)
{
    struct dual_source *d = (struct dual_source *)src;
    int rc = d->oci->ops->resolve(d->oci, img, err);
    if (rc < 0)
        return rc;
    struct ivet_image other = { 0 };
    rc = d->da->ops->resolve(d->da, &other, err);
    if (rc < 0)
        ivet_err_wrap(err, "cross-checking manifest.json against index.json");
    else if (!ivet_digest_eq(&img->config_digest, &other.config_digest))
        rc = ivet_err_set(err, IVET_E_FORMAT,
                          "the archive holds two different images: index.json names config %s, "
                          "manifest.json names config %s; refusing to vet only one of them",
                          img->config_digest.text, other.config_digest.text);
    ivet_image_release(&other);
    return rc;
}

static struct ivet_istream *dual_open_blob(struct ivet_source *src, const struct ivet_layer_desc *ld,
                                           struct ivet_err *err)
{
    struct dual_source *d = (struct dual_source *)src;
    return d->oci->ops->open_blob(d->oci, ld, err);
}

static void dual_free(struct ivet_source *src)
{
    struct dual_source *d = (struct dual_source *)src;
    ivet_source_free(d->oci);
    ivet_source_free(d->da);
    ivet_free(d);
}

static const struct ivet_source_ops dual_ops = {
    .transport = "docker-archive", .resolve = dual_resolve, .open_blob = dual_open_blob, .free = dual_free,
};

static struct ivet_source *da_new(struct ivet_tar_index *t, const struct ivet_image_arg *a,
                                  const struct ivet_source_opts *o, struct ivet_err *err);

struct ivet_source *ivet_docker_archive_from_index(struct ivet_tar_index *t, const struct ivet_image_arg *a,
                                                   const struct ivet_source_opts *o, struct ivet_err *err)
{
    if (!t)
        return NULL;
    if (!(ivet_tar_index_has_oci_layout(t) && ivet_tar_index_peek(t, "oci-layout")))
        return da_new(t, a, o, err);
    bool has_manifest_json = ivet_tar_index_peek(t, "manifest.json") != NULL;
    struct ivet_source *oci = ivet_oci_source_new(ivet_blobstore_archive(t, err), a, "docker-archive", o, err);
    if (!oci || !has_manifest_json)
        return oci;
    struct ivet_tar_index_limits tl = ivet_tar_index_limits_from(o);
    struct ivet_source *da = da_new(ivet_tar_index_open(a->location, &tl, err), a, o, err);
    struct dual_source *d = da ? ivet_calloc(1, sizeof(*d)) : NULL;
    if (!d) {
        if (da)
            ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        ivet_source_free(oci);
        ivet_source_free(da);
        return NULL;
    }
    d->base.ops = &dual_ops;
    d->base.opts = *o;
    d->oci = oci;
    d->da = da;
    return &d->base;
}

static struct ivet_source *da_new(struct ivet_tar_index *t, const struct ivet_image_arg *a,
                                  const struct ivet_source_opts *o, struct ivet_err *err)
{
    if (!t)
        return NULL;
    struct da_source *s = ivet_calloc(1, sizeof(*s));
    if (!s || (a->ref && !(s->ref = ivet_strdup(a->ref)))) {
        ivet_free(s);
        ivet_tar_index_free(t);
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return NULL;
    }
    s->base.ops = &da_ops;
    s->base.opts = *o;
    s->t = t;
    s->index = a->index;
    return &s->base;
}

struct ivet_source *ivet_source_open_docker_archive(const struct ivet_image_arg *a,
                                                    const struct ivet_source_opts *o, struct ivet_err *err)
{
    struct ivet_tar_index_limits tl = ivet_tar_index_limits_from(o);
    return ivet_docker_archive_from_index(ivet_tar_index_open(a->location, &tl, err), a, o, err);
}
