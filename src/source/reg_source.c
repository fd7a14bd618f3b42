/* reg_source.c: the docker:// source: resolves a tag or digest to a manifest
 * (asking for OCI and Docker v2 manifests and indexes only, so a registry
 * never converts to schema1), verifies the manifest's digest (against the
 * digest asked for, or against Docker-Content-Digest when pulled by tag),
 * picks the platform from an index, fetches and verifies the config, and
 * opens layer blobs as streams (reg_blob.c). */
#include "source/reg.h"
#include "ref/ref.h"

#include <string.h>

#define ACCEPT_ALL IVET_MT_OCI_MANIFEST ", " IVET_MT_OCI_INDEX ", " IVET_MT_DOCKER_MANIFEST ", " \
    IVET_MT_DOCKER_LIST

struct reg_source {
    struct ivet_source base;
    char *text;                         /* the reference as given */
    struct ivet_ref ref;
    struct ivet_reg *r;                 /* created by resolve() */
};

struct fetched {
    char *raw;                          /* NUL-terminated, owned */
    size_t len;
    char media_type[128];
    struct ivet_digest digest;          /* sha256 of raw, checked */
};

static void fetched_release(struct fetched *f)
{
    ivet_free(f->raw);
    memset(f, 0, sizeof(*f));
}

/* 1 index, 0 manifest, <0 neither; the Content-Type decides when it is one
 * we know, else the document's own mediaType or shape. */
static int doc_kind(const char *mt, json_t *j, const char *what, struct ivet_err *err)
{
    if (ivet_media_type_is_index(mt))
        return 1;
    if (ivet_media_type_is_manifest(mt))
        return 0;
    return ivet_json_doc_kind(j, what, err);
}

/* GET /v2/<repo>/<kind>/<ref>, at most max_json bytes; anything but a 200 is
 * an error naming `what`. */
static int get_doc(struct ivet_reg *r, const char *kind, const char *ref, const char *accept,
                   const char *what, struct ivet_reg_resp *resp, struct ivet_err *err)
{
    char *url = ivet_reg_url(r->base, r->repo, kind, ref, err);
    int rc = url ? ivet_reg_get(r, url, accept, (size_t)r->limits.max_json, resp, err)
                 : -(int)err->code;
    ivet_free(url);
    if (rc < 0)
        return ivet_err_wrap(err, "%s", what);
    if (resp->status != 200)
        return ivet_reg_status_error(r, resp, what, err);
    return 0;
}

/* GET a manifest by tag or digest and prove its bytes. */
static int fetch_manifest(struct reg_source *s, const char *ref, const struct ivet_digest *expect,
                          struct fetched *out, struct ivet_err *err)
{
    struct ivet_reg *r = s->r;
    struct ivet_reg_resp resp = { .retry_after = -1 };
    char what[200];
    snprintf(what, sizeof(what), "manifest '%s'", ref);
    int rc = get_doc(r, "manifests", ref, ACCEPT_ALL, what, &resp, err);
    if (rc < 0)
        goto out;
    const char *ct = resp.content_type ? resp.content_type : "";
    size_t ctl = strcspn(ct, ";");
    while (ctl && ct[ctl - 1] == ' ')
        ctl--;
    snprintf(out->media_type, sizeof(out->media_type), "%.*s", (int)ctl, ct);
    if (!strcmp(out->media_type, "application/vnd.docker.distribution.manifest.v1+json") ||
        !strcmp(out->media_type, "application/vnd.docker.distribution.manifest.v1+prettyjws")) {
        rc = ivet_err_set(err, IVET_E_UNSUPPORTED, "%s: registry '%s' sent a schema1 manifest (%s), "
                          "which carries no verifiable config", what, r->registry, out->media_type);
        goto out;
    }
    ivet_sha256(resp.body.ptr ? resp.body.ptr : "", resp.body.len, &out->digest);
    if (expect && !ivet_digest_eq(expect, &out->digest)) {
        rc = ivet_err_set(err, IVET_E_DIGEST, "%s: registry '%s' returned content with digest %s, "
                          "expected %s", what, r->registry, out->digest.text, expect->text);
        goto out;
    }
    if (!expect && resp.docker_digest && ivet_startswith(resp.docker_digest, "sha256:")) {
        struct ivet_digest hd;
        struct ivet_err e2 = IVET_ERR_INIT;
        if (ivet_digest_parse(&hd, resp.docker_digest, &e2) < 0 || !ivet_digest_eq(&hd, &out->digest)) {
            char *h = ivet_sanitize(resp.docker_digest, strlen(resp.docker_digest), 80);
            rc = ivet_err_set(err, IVET_E_DIGEST, "%s: Docker-Content-Digest %s does not match the "
                              "content's digest %s", what, h ? h : "?", out->digest.text);
            ivet_free(h);
            ivet_err_release(&e2);
            goto out;
        }
    }
    out->len = resp.body.len;
    out->raw = ivet_buf_detach(&resp.body);
    if (!out->raw)
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
out:
    ivet_reg_resp_release(&resp);
    return rc;
}

static int fetch_config(struct reg_source *s, struct ivet_image *img, struct ivet_err *err)
{
    struct ivet_reg *r = s->r;
    struct ivet_reg_resp resp = { .retry_after = -1 };
    char what[100];
    snprintf(what, sizeof(what), "config blob '%s'", img->config_digest.text);
    int rc = get_doc(r, "blobs", img->config_digest.text, NULL, what, &resp, err);
    if (rc < 0)
        goto out;
    struct ivet_digest got;
    ivet_sha256(resp.body.ptr ? resp.body.ptr : "", resp.body.len, &got);
    if (!ivet_digest_eq(&got, &img->config_digest)) {
        rc = ivet_err_set(err, IVET_E_DIGEST, "%s: content has digest %s", what, got.text);
        goto out;
    }
    rc = ivet_image_apply_config(img, resp.body.ptr ? resp.body.ptr : "", resp.body.len, err);
    if (rc < 0)
        ivet_err_wrap(err, "%s", what);
out:
    ivet_reg_resp_release(&resp);
    return rc;
}

static int reg_resolve(struct ivet_source *src, struct ivet_image *img, struct ivet_err *err)
{
    struct reg_source *s = (struct reg_source *)src;
    struct fetched top = { 0 }, man = { 0 };
    json_t *j = NULL;
    int rc = 0;
    if (!s->r && !(s->r = ivet_reg_new(s->ref.registry, ivet_ref_endpoint(&s->ref), s->ref.path,
                                        &src->opts, err)))
        return -(int)err->code;
    struct ivet_digest want;
    if (s->ref.digest && (rc = ivet_digest_parse(&want, s->ref.digest, err)) < 0)
        return rc;
    const char *tag_or_digest = s->ref.digest ? s->ref.digest : s->ref.tag;
    if ((rc = fetch_manifest(s, tag_or_digest, s->ref.digest ? &want : NULL, &top, err)) < 0)
        goto out;
    if (!(j = ivet_json_parse_max(top.raw, top.len, src->opts.limits.max_json, "manifest", err))) {
        rc = -err->code;
        goto out;
    }
    struct fetched *use = &top;
    int kind = doc_kind(top.media_type, j, "manifest", err);
    if (kind < 0) {
        rc = kind;
        goto out;
    }
    if (kind == 1) {
        struct ivet_digest pick;
        char *mt = NULL;
        if ((rc = ivet_index_pick(j, &src->opts, &pick, &mt, err)) < 0)
            goto out;
        ivet_free(mt);
        img->index = j;
        img->index_digest = top.digest;
        img->have_index_digest = true;
        j = NULL;
        if ((rc = fetch_manifest(s, pick.text, &pick, &man, err)) < 0)
            goto out;
        if (!(j = ivet_json_parse_max(man.raw, man.len, src->opts.limits.max_json, "manifest", err))) {
            rc = -err->code;
            goto out;
        }
        if ((kind = doc_kind(man.media_type, j, "manifest", err)) != 0) {
            rc = kind < 0 ? kind : ivet_err_set(err, IVET_E_FORMAT, "manifest '%s' is an index "
                                                "inside an index", pick.text);
            goto out;
        }
        use = &man;
    }
    if ((rc = ivet_image_apply_manifest(img, use->raw, use->len, err)) < 0)
        goto out;
    img->manifest_digest = use->digest;
    img->have_manifest_digest = true;
    if (s->r->used_insecure &&
        (rc = ivet_image_note(img, err, "registry '%s' was reached over %s, as --insecure-registry "
                              "allowed; digests were still verified", s->r->registry,
                              ivet_startswith(s->r->base, "http:") ? "plain HTTP"
                              : "TLS without certificate verification")) < 0)
        goto out;
    if ((rc = fetch_config(s, img, err)) < 0)
        goto out;
    if (!img->reference && !(img->reference = ivet_strdup(s->ref.normalized)))
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    if (!img->transport && !(img->transport = ivet_strdup("docker")))
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
out:
    json_decref(j);
    fetched_release(&top);
    fetched_release(&man);
    return rc;
}

static struct ivet_istream *reg_open_blob(struct ivet_source *src, const struct ivet_layer_desc *d,
                                          struct ivet_err *err)
{
    struct reg_source *s = (struct reg_source *)src;
    if (!s->r) {
        ivet_err_set(err, IVET_E_INTERNAL, "blob opened before the image was resolved");
        return NULL;
    }
    if (!d->have_digest) {
        ivet_err_set(err, IVET_E_FORMAT, "layer %d has no blob digest", d->index);
        return NULL;
    }
    return ivet_reg_blob_open(s->r, &d->digest, d->size, d->size_known, err);
}

static int reg_read_doc(struct ivet_source *src, const struct ivet_digest *d, bool manifest, bool size_known,
                        uint64_t size, uint64_t max, char **raw, size_t *len, struct ivet_err *err)
{
    struct reg_source *s = (struct reg_source *)src;
    struct ivet_reg_resp resp = { .retry_after = -1 };
    char what[120];
    int rc;
    if (!s->r)
        return ivet_err_set(err, IVET_E_INTERNAL, "document read before the image was resolved");
    snprintf(what, sizeof(what), "%s '%s'", manifest ? "manifest" : "blob", d->text);
    char *url = ivet_reg_url(s->r->base, s->r->repo, manifest ? "manifests" : "blobs", d->text, err);
    rc = url ? ivet_reg_get(s->r, url, manifest ? ACCEPT_ALL : NULL, (size_t)max, &resp, err) : -(int)err->code;
    ivet_free(url);
    if (rc < 0) {
        ivet_err_wrap(err, "%s", what);
        goto out;
    }
    if (resp.status != 200) {
        rc = ivet_reg_status_error(s->r, &resp, what, err);
        goto out;
    }
    struct ivet_digest got;
    ivet_sha256(resp.body.ptr ? resp.body.ptr : "", resp.body.len, &got);
    if (!ivet_digest_eq(&got, d)) {
        rc = ivet_err_set(err, IVET_E_DIGEST, "%s: registry '%s' returned content with digest %s", what,
                          s->r->registry, got.text);
        goto out;
    }
    if (size_known && resp.body.len != size) {
        rc = ivet_err_set(err, IVET_E_FORMAT, "%s is %zu bytes but its descriptor says %llu", what,
                          resp.body.len, (unsigned long long)size);
        goto out;
    }
    *len = resp.body.len;
    if (!(*raw = ivet_buf_detach(&resp.body)))
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
out:
    ivet_reg_resp_release(&resp);
    return rc;
}

static int reg_read_tag(struct ivet_source *src, const char *tag, uint64_t max, char **raw, size_t *len,
                        struct ivet_digest *digest, struct ivet_err *err)
{
    struct reg_source *s = (struct reg_source *)src;
    struct fetched f = { 0 };
    (void)max;                          /* fetch_manifest reads at most the JSON limit */
    if (!s->r)
        return ivet_err_set(err, IVET_E_INTERNAL, "tag read before the image was resolved");
    int rc = fetch_manifest(s, tag, NULL, &f, err);
    if (rc < 0)
        return rc;
    *digest = f.digest;
    *raw = f.raw;
    *len = f.len;
    return 0;
}

static void reg_free(struct ivet_source *src)
{
    struct reg_source *s = (struct reg_source *)src;
    ivet_reg_free(s->r);
    ivet_ref_release(&s->ref);
    ivet_free(s->text);
    ivet_free(s);
}

static const struct ivet_source_ops reg_ops = {
    .transport = "docker",
    .resolve = reg_resolve,
    .open_blob = reg_open_blob,
    .read_doc = reg_read_doc,
    .read_tag = reg_read_tag,
    .free = reg_free,
};

struct ivet_source *ivet_source_open_docker(const char *ref, const struct ivet_source_opts *o,
                                             struct ivet_err *err)
{
    if (ivet_startswith(ref, "docker://"))
        ref += 9;
    struct reg_source *s = ivet_calloc(1, sizeof(*s));
    if (!s || !(s->text = ivet_strdup(ref))) {
        ivet_free(s);
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return NULL;
    }
    s->base.ops = &reg_ops;
    s->base.opts = *o;
    if (ivet_ref_parse(&s->ref, ref, err) < 0) {
        ivet_free(s->text);
        ivet_free(s);
        return NULL;
    }
    return &s->base;
}
