/* test_sources.c: the local transports end to end on small images built here
 * (OCI layouts written file by file, archives written by libarchive through
 * tu_tar_*): oci:, oci-archive:, docker-archive:, bare paths, the argument
 * parser, and every way these inputs can be broken. */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source/source.h"

#define MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_INDEX "application/vnd.oci.image.index.v1+json"

/* ---- building layouts */
struct file {
    char *rel;
    uint8_t *p;
    size_t n;
};
static struct file files[64];
static size_t nfiles;
static char tmpdir[64];

static void mkdirs(const char *path)
{
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *s = buf + 1; *s; s++) {
        if (*s == '/') {
            *s = 0;
            mkdir(buf, 0755);
            *s = '/';
        }
    }
}

static void write_rel(const char *rel, const void *p, size_t n)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
    mkdirs(path);
    unlink(path);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
    for (size_t i = 0; i < nfiles; i++) {
        if (strcmp(files[i].rel, rel) == 0) {
            free(files[i].p);
            files[i].p = malloc(n + 1);
            memcpy(files[i].p, p, n);
            files[i].n = n;
            return;
        }
    }
    assert_true(nfiles < 64);
    files[nfiles].rel = strdup(rel);
    files[nfiles].p = malloc(n + 1);
    memcpy(files[nfiles].p, p, n);
    files[nfiles++].n = n;
}

/* the archive written next starts empty (files on disk stay) */
static void forget_files(void)
{
    for (size_t i = 0; i < nfiles; i++) {
        free(files[i].rel);
        free(files[i].p);
    }
    nfiles = 0;
}

static void put_blob(const void *p, size_t n, struct ivet_digest *d)
{
    char rel[128];
    ivet_sha256(p, n, d);
    snprintf(rel, sizeof(rel), "blobs/sha256/%s", ivet_digest_hex(d));
    write_rel(rel, p, n);
}

static void put_blob_str(const char *s, struct ivet_digest *d)
{
    put_blob(s, strlen(s), d);
}

struct image {
    struct ivet_digest layer, config, manifest;
    size_t layer_len, config_len, manifest_len;
    uint8_t *layer_bytes;
};

static char *fmt(const char *f, ...) IVET_PRINTF(1, 2);
static char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char *s = NULL;
    assert_true(vasprintf(&s, f, ap) >= 0);
    va_end(ap);
    return s;
}

/* One-layer image for `arch`; the layer holds /etc/<arch>. `extra_diff_id`
 * adds a second diff_id to the config (a mismatch). */
static void build_image(struct image *im, const char *arch, bool extra_diff_id)
{
    struct tu_tar *tt = tu_tar_new();
    char path[64];
    snprintf(path, sizeof(path), "etc/%s", arch);
    tu_tar_add(tt, 'd', "etc/", 0755, NULL, 0, NULL);
    tu_tar_add(tt, 'f', path, 0644, "hello\n", 6, NULL);
    size_t n;
    const uint8_t *b = tu_tar_bytes(tt, &n);
    im->layer_bytes = malloc(n);
    memcpy(im->layer_bytes, b, n);
    im->layer_len = n;
    put_blob(b, n, &im->layer);
    tu_tar_free(tt);
    char *cfg = fmt("{\"architecture\":\"%s\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"%s]},"
                    "\"history\":[{\"created_by\":\"ADD %s\"},{\"created_by\":\"CMD sh\",\"empty_layer\":true}]}",
                    arch, im->layer.text, extra_diff_id ? ",\"sha256:1111111111111111111111111111111111111111111111111111111111111111\"" : "", arch);
    put_blob_str(cfg, &im->config);
    im->config_len = strlen(cfg);
    free(cfg);
    char *man = fmt("{\"schemaVersion\":2,\"mediaType\":\"" MT_MANIFEST "\",\"config\":{\"mediaType\":"
                    "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\",\"size\":%zu},\"layers\":[{"
                    "\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\",\"size\":%zu}]}",
                    im->config.text, im->config_len, im->layer.text, im->layer_len);
    put_blob_str(man, &im->manifest);
    im->manifest_len = strlen(man);
    free(man);
}

static char *desc(const char *mt, const struct ivet_digest *d, size_t size, const char *extra)
{
    return fmt("{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu%s%s}", mt, d->text, size, extra ? "," : "",
               extra ? extra : "");
}

static void write_index_json(const char *entries)
{
    char *s = fmt("{\"schemaVersion\":2,\"mediaType\":\"" MT_INDEX "\",\"manifests\":[%s]}", entries);
    write_rel("index.json", s, strlen(s));
    free(s);
    write_rel("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
}

/* the standard layout: one image tagged "v1" */
static void simple_layout(struct image *im)
{
    build_image(im, "amd64", false);
    char *e = desc(MT_MANIFEST, &im->manifest, im->manifest_len,
                   "\"annotations\":{\"org.opencontainers.image.ref.name\":\"v1\"}");
    write_index_json(e);
    free(e);
}

/* every recorded file (or those starting with `only`) into an archive at path */
static void write_archive(const char *path, const char *extra_member, const char *extra_link)
{
    struct tu_tar *tt = tu_tar_new();
    for (size_t i = 0; i < nfiles; i++)
        tu_tar_add(tt, 'f', files[i].rel, 0644, files[i].p, files[i].n, NULL);
    if (extra_member)
        tu_tar_add(tt, 'l', extra_member, 0777, NULL, 0, extra_link);
    size_t n;
    const uint8_t *b = tu_tar_bytes(tt, &n);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    fclose(f);
    tu_tar_free(tt);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/ivet-sources-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    nfiles = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    forget_files();
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

/* ---- resolving */
static struct ivet_source *open_src(const char *arg, const char *platform, struct ivet_err *err)
{
    struct ivet_source_opts o;
    memset(&o, 0, sizeof(o));
    o.limits = ivet_limits_default();
    if (platform) {
        assert_int_equal(ivet_platform_parse(&o.platform, platform, err), 0);
        o.platform_set = true;
    }
    return ivet_source_open(arg, &o, err);
}

static int resolve(const char *arg, const char *platform, struct ivet_image *img, struct ivet_err *err)
{
    struct ivet_source *s = open_src(arg, platform, err);
    if (!s)
        return -err->code;
    int rc = s->ops->resolve(s, img, err);
    ivet_source_free(s);
    return rc;
}

static int resolve_fmt(struct ivet_image *img, struct ivet_err *err, const char *platform, const char *f, ...)
    IVET_PRINTF(4, 5);
static int resolve_fmt(struct ivet_image *img, struct ivet_err *err, const char *platform, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char *arg = NULL;
    assert_true(vasprintf(&arg, f, ap) >= 0);
    va_end(ap);
    int rc = resolve(arg, platform, img, err);
    if (rc < 0)
        print_message("%s: %s\n", arg, ivet_err_msg(err));
    free(arg);
    return rc;
}

/* reads layer 0 through the source and checks it against `want` */
static void check_layer_content(const char *arg, const uint8_t *want, size_t n)
{
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    struct ivet_source *s = open_src(arg, NULL, &err);
    assert_non_null(s);
    assert_int_equal(s->ops->resolve(s, &img, &err), 0);
    struct ivet_istream *b = s->ops->open_blob(s, &img.layers[0], &err);
    char *out = NULL;
    size_t len = 0;
    assert_non_null(b);
    assert_int_equal(ivet_istream_slurp(b, 1 << 20, &out, &len, &err), 0);
    ivet_istream_close(b);
    assert_int_equal(len, n);
    assert_memory_equal(out, want, n);
    ivet_free(out);
    ivet_image_release(&img);
    ivet_source_free(s);
}

static void expect_error(int rc, struct ivet_err *err, enum ivet_code code, const char *n1, const char *n2)
{
    assert_true(rc < 0);
    if (err->code != code || (n1 && !strstr(err->msg, n1)) || (n2 && !strstr(err->msg, n2)))
        print_message("unexpected error %d: %s\n", err->code, ivet_err_msg(err));
    assert_int_equal(err->code, code);
    if (n1)
        assert_non_null(strstr(err->msg, n1));
    if (n2)
        assert_non_null(strstr(err->msg, n2));
    ivet_err_release(err);
}

static void test_oci_layout_resolves_tag_and_opens_layers(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    struct image im;
    simple_layout(&im);
    assert_int_equal(resolve_fmt(&img, &err, NULL, "oci:%s:v1", tmpdir), 0);
    assert_string_equal(img.transport, "oci");
    assert_true(img.have_manifest_digest);
    assert_string_equal(img.manifest_digest.text, im.manifest.text);
    assert_string_equal(img.config_digest.text, im.config.text);
    assert_string_equal(img.platform, "linux/amd64");
    assert_int_equal(img.nlayers, 1);
    assert_string_equal(img.layers[0].digest.text, im.layer.text);
    assert_string_equal(img.layers[0].diff_id.text, im.layer.text);
    assert_string_equal(img.layers[0].created_by, "ADD amd64");
    assert_int_equal(img.config_len, im.config_len);
    assert_int_equal(img.nrepo_tags, 1);
    assert_string_equal(img.repo_tags[0], "v1");
    assert_non_null(strstr(img.reference, tmpdir));
    ivet_image_release(&img);
    char *arg = fmt("oci:%s", tmpdir);         /* the only image: no tag needed */
    check_layer_content(arg, im.layer_bytes, im.layer_len);
    free(arg);
    free(im.layer_bytes);
}

static void test_oci_archive_gives_the_same_image_as_the_layout(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image a = { 0 }, b = { 0 };
    struct image im;
    simple_layout(&im);
    char *tar = fmt("%s.oci.tar", tmpdir);
    write_archive(tar, NULL, NULL);
    assert_int_equal(resolve_fmt(&a, &err, NULL, "oci:%s:v1", tmpdir), 0);
    assert_int_equal(resolve_fmt(&b, &err, NULL, "oci-archive:%s:v1", tar), 0);
    assert_string_equal(b.transport, "oci-archive");
    assert_string_equal(a.manifest_digest.text, b.manifest_digest.text);
    assert_string_equal(a.layers[0].digest.text, b.layers[0].digest.text);
    assert_string_equal(a.layers[0].diff_id.text, b.layers[0].diff_id.text);
    ivet_image_release(&a);
    ivet_image_release(&b);
    char *arg = fmt("oci-archive:%s", tar);
    check_layer_content(arg, im.layer_bytes, im.layer_len);
    check_layer_content(tar, im.layer_bytes, im.layer_len);   /* bare path: found by content */
    free(arg);
    unlink(tar);
    free(tar);
    free(im.layer_bytes);
}

/* skopeo's docker-archive: <diffid>.tar, <config hex>.json, <id>/layer.tar symlinks */
static char *skopeo_docker_archive(struct image *im, const char *manifest_json, bool bad_config_name)
{
    build_image(im, "arm64", false);
    forget_files();                             /* not an OCI layout: start over */
    char rel[160];
    snprintf(rel, sizeof(rel), "%s.tar", ivet_digest_hex(&im->layer));
    write_rel(rel, im->layer_bytes, im->layer_len);
    char cfg[4096];
    snprintf(rel, sizeof(rel), "%s/blobs/sha256/%s", tmpdir, ivet_digest_hex(&im->config));
    char *c = tu_read_file(rel, NULL);
    snprintf(cfg, sizeof(cfg), "%s", c);
    free(c);
    snprintf(rel, sizeof(rel), "%s.json", bad_config_name ? "0000000000000000000000000000000000000000000000000000000000000000"
                                                          : ivet_digest_hex(&im->config));
    write_rel(rel, cfg, strlen(cfg));
    char *man = manifest_json ? strdup(manifest_json)
                              : fmt("[{\"Config\":\"%s\",\"RepoTags\":[\"docker.io/fixture/a:latest\"],"
                                    "\"Layers\":[\"f00d/layer.tar\"]}]", rel);
    write_rel("manifest.json", man, strlen(man));
    free(man);
    char *tar = fmt("%s.docker.tar", tmpdir);
    snprintf(rel, sizeof(rel), "../%s.tar", ivet_digest_hex(&im->layer));
    write_archive(tar, "f00d/layer.tar", rel);
    return tar;
}

static void test_docker_archive_resolves_skopeo_layout_with_symlinked_layers(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    struct image im;
    char *tar = skopeo_docker_archive(&im, NULL, false);
    assert_int_equal(resolve_fmt(&img, &err, NULL, "docker-archive:%s", tar), 0);
    assert_string_equal(img.transport, "docker-archive");
    assert_false(img.have_manifest_digest);
    assert_string_equal(img.config_digest.text, im.config.text);
    assert_string_equal(img.platform, "linux/arm64");
    assert_int_equal(img.nlayers, 1);
    assert_false(img.layers[0].have_digest);
    assert_string_equal(img.layers[0].diff_id.text, im.layer.text);
    assert_int_equal(img.layers[0].size, im.layer_len);
    assert_string_equal(img.layers[0].created_by, "ADD arm64");
    assert_int_equal(img.nrepo_tags, 1);
    assert_string_equal(img.repo_tags[0], "docker.io/fixture/a:latest");
    ivet_image_release(&img);
    /* by reference, with and without docker.io/, and by index */
    assert_int_equal(resolve_fmt(&img, &err, NULL, "docker-archive:%s:fixture/a:latest", tar), 0);
    ivet_image_release(&img);
    assert_int_equal(resolve_fmt(&img, &err, NULL, "docker-archive:%s:@0", tar), 0);
    ivet_image_release(&img);
    expect_error(resolve_fmt(&img, &err, NULL, "docker-archive:%s:other:1", tar), &err, IVET_E_NOTFOUND,
                 "'other:1'", "docker.io/fixture/a:latest");
    ivet_image_release(&img);
    expect_error(resolve_fmt(&img, &err, NULL, "docker-archive:%s:@4", tar), &err, IVET_E_NOTFOUND, "@4", NULL);
    ivet_image_release(&img);
    check_layer_content(tar, im.layer_bytes, im.layer_len);
    /* a path with a colon: "PATH:REF" does not exist, the whole string does */
    char *colon = fmt("%s.with:colon.tar", tmpdir);
    assert_int_equal(rename(tar, colon), 0);
    assert_int_equal(resolve_fmt(&img, &err, NULL, "docker-archive:%s", colon), 0);
    ivet_image_release(&img);
    unlink(colon);
    free(colon);
    free(tar);
    free(im.layer_bytes);
}

static void test_a_source_resolves_again(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct image im;
    char *tar = skopeo_docker_archive(&im, NULL, false);
    struct ivet_source *s = open_src(tar, NULL, &err);
    assert_non_null(s);
    for (int i = 0; i < 2; i++) {
        struct ivet_image img = { 0 };
        assert_int_equal(s->ops->resolve(s, &img, &err), 0);
        assert_int_equal(img.nlayers, 1);
        struct ivet_istream *b = s->ops->open_blob(s, &img.layers[0], &err);
        assert_non_null(b);
        ivet_istream_close(b);
        ivet_image_release(&img);
    }
    ivet_source_free(s);
    unlink(tar);
    free(tar);
    free(im.layer_bytes);
}

static void test_docker_archive_with_several_images_needs_a_reference(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    struct image im;
    char *cfgname = NULL;
    struct image tmp;
    build_image(&tmp, "arm64", false);      /* to learn the config digest */
    cfgname = fmt("%s.json", ivet_digest_hex(&tmp.config));
    free(tmp.layer_bytes);
    char *man = fmt("[{\"Config\":\"%s\",\"RepoTags\":[\"a:1\"],\"Layers\":[\"f00d/layer.tar\"]},"
                    "{\"Config\":\"%s\",\"RepoTags\":[\"b:2\"],\"Layers\":[\"f00d/layer.tar\"]}]", cfgname, cfgname);
    char *tar = skopeo_docker_archive(&im, man, false);
    expect_error(resolve_fmt(&img, &err, NULL, "docker-archive:%s", tar), &err, IVET_E_USAGE, "a:1, b:2", "2 images");
    ivet_image_release(&img);
    assert_int_equal(resolve_fmt(&img, &err, NULL, "docker-archive:%s:b:2", tar), 0);
    assert_string_equal(img.repo_tags[0], "b:2");
    ivet_image_release(&img);
    unlink(tar);
    free(tar);
    free(man);
    free(cfgname);
    free(im.layer_bytes);
}

static void test_docker_archive_config_altered_is_a_digest_error(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    struct image im;
    char *tar = skopeo_docker_archive(&im, NULL, true);
    expect_error(resolve_fmt(&img, &err, NULL, "%s", tar), &err, IVET_E_DIGEST,
                 "0000000000000000000000000000000000000000000000000000000000000000.json", "altered");
    ivet_image_release(&img);
    unlink(tar);
    free(tar);
    free(im.layer_bytes);
}

static void test_docker_archive_layer_path_traversal_is_refused(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    struct image im, tmp;
    build_image(&tmp, "arm64", false);
    char *man = fmt("[{\"Config\":\"%s.json\",\"Layers\":[\"../../etc/passwd\"]}]", ivet_digest_hex(&tmp.config));
    free(tmp.layer_bytes);
    char *tar = skopeo_docker_archive(&im, man, false);
    expect_error(resolve_fmt(&img, &err, NULL, "docker-archive:%s", tar), &err, IVET_E_FORMAT, "outside the archive",
                 "layer 0");
    ivet_image_release(&img);
    unlink(tar);
    free(tar);
    free(man);
    free(im.layer_bytes);
}

static void test_docker_archive_diff_ids_and_layers_disagree(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    struct image im, tmp;
    build_image(&tmp, "arm64", false);
    char *man = fmt("[{\"Config\":\"%s.json\",\"Layers\":[\"f00d/layer.tar\",\"f00d/layer.tar\"]}]",
                    ivet_digest_hex(&tmp.config));
    free(tmp.layer_bytes);
    char *tar = skopeo_docker_archive(&im, man, false);
    expect_error(resolve_fmt(&img, &err, NULL, "docker-archive:%s", tar), &err, IVET_E_FORMAT, "1 diff_ids",
                 "2 layers");
    ivet_image_release(&img);
    unlink(tar);
    free(tar);
    free(man);
    free(im.layer_bytes);
}

/* Docker >= 25 saves an OCI layout plus manifest.json: read as OCI */
static void test_docker_25_archive_is_read_as_an_oci_layout(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    struct image im;
    build_image(&im, "amd64", false);
    char *e = desc(MT_MANIFEST, &im.manifest, im.manifest_len,
                   "\"annotations\":{\"io.containerd.image.name\":\"docker.io/library/app:1\","
                   "\"org.opencontainers.image.ref.name\":\"1\"}");
    write_index_json(e);
    free(e);
    char *man = fmt("[{\"Config\":\"blobs/sha256/%s\",\"RepoTags\":[\"app:1\"],\"Layers\":[\"blobs/sha256/%s\"]}]",
                    ivet_digest_hex(&im.config), ivet_digest_hex(&im.layer));
    write_rel("manifest.json", man, strlen(man));
    free(man);
    char *tar = fmt("%s.docker.tar", tmpdir);
    write_archive(tar, NULL, NULL);
    assert_int_equal(resolve_fmt(&img, &err, NULL, "docker-archive:%s:app:1", tar), 0);
    assert_string_equal(img.transport, "docker-archive");
    assert_true(img.have_manifest_digest);
    assert_string_equal(img.manifest_digest.text, im.manifest.text);
    assert_true(img.layers[0].have_digest);
    ivet_image_release(&img);
    assert_int_equal(resolve_fmt(&img, &err, NULL, "%s", tar), 0);    /* bare path */
    assert_string_equal(img.transport, "docker-archive");
    ivet_image_release(&img);
    unlink(tar);
    free(tar);
    free(im.layer_bytes);
}

/* An archive whose manifest.json names another image than its index.json
 * (a loader reading manifest.json would get an image nobody vetted). */
static void test_archive_with_two_different_images_is_refused(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    struct image im, other;
    build_image(&other, "arm64", false);
    build_image(&im, "amd64", false);
    char *e = desc(MT_MANIFEST, &im.manifest, im.manifest_len,
                   "\"annotations\":{\"org.opencontainers.image.ref.name\":\"1\"}");
    write_index_json(e);
    free(e);
    char *man = fmt("[{\"Config\":\"blobs/sha256/%s\",\"RepoTags\":[\"app:1\"],\"Layers\":[\"blobs/sha256/%s\"]}]",
                    ivet_digest_hex(&other.config), ivet_digest_hex(&other.layer));
    write_rel("manifest.json", man, strlen(man));
    free(man);
    char *tar = fmt("%s.docker.tar", tmpdir);
    write_archive(tar, NULL, NULL);
    expect_error(resolve_fmt(&img, &err, NULL, "docker-archive:%s", tar), &err, IVET_E_FORMAT,
                 "two different images", other.config.text);
    ivet_image_release(&img);
    unlink(tar);
    free(tar);
    free(im.layer_bytes);
    free(other.layer_bytes);
}

static void test_missing_layer_blob_names_the_blob(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    struct image im;
    simple_layout(&im);
    char *p = fmt("%s/blobs/sha256/%s", tmpdir, ivet_digest_hex(&im.layer));
    unlink(p);
    expect_error(resolve_fmt(&img, &err, NULL, "oci:%s", tmpdir), &err, IVET_E_NOTFOUND, im.layer.text, "layer 0");
    ivet_image_release(&img);
    free(p);
    free(im.layer_bytes);
}

static void test_truncated_layer_blob_is_reported_before_reading(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    struct image im;
    simple_layout(&im);
    char *p = fmt("%s/blobs/sha256/%s", tmpdir, ivet_digest_hex(&im.layer));
    assert_int_equal(truncate(p, 100), 0);
    expect_error(resolve_fmt(&img, &err, NULL, "oci:%s", tmpdir), &err, IVET_E_FORMAT, im.layer.text, "truncated");
    ivet_image_release(&img);
    free(p);
    free(im.layer_bytes);
}

static void alter_blob(const struct ivet_digest *d)
{
    char *p = fmt("%s/blobs/sha256/%s", tmpdir, ivet_digest_hex(d));
    int fd = open(p, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, " ", 1, 0), 1);     /* same size, different bytes */
    close(fd);
    free(p);
}

static void test_config_digest_mismatch_names_the_config_blob(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    struct image im;
    simple_layout(&im);
    alter_blob(&im.config);
    expect_error(resolve_fmt(&img, &err, NULL, "oci:%s", tmpdir), &err, IVET_E_DIGEST, "config", im.config.text);
    ivet_image_release(&img);
    free(im.layer_bytes);
}

static void test_manifest_digest_mismatch_names_the_manifest_blob(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    struct image im;
    simple_layout(&im);
    char *tar = fmt("%s.oci.tar", tmpdir);
    alter_blob(&im.manifest);
    expect_error(resolve_fmt(&img, &err, NULL, "oci:%s", tmpdir), &err, IVET_E_DIGEST, "manifest", im.manifest.text);
    ivet_image_release(&img);
    /* the same damage inside an archive */
    char rel[128];
    snprintf(rel, sizeof(rel), "blobs/sha256/%s", ivet_digest_hex(&im.manifest));
    for (size_t i = 0; i < nfiles; i++)
        if (strcmp(files[i].rel, rel) == 0)
            files[i].p[0] = ' ';
    write_archive(tar, NULL, NULL);
    expect_error(resolve_fmt(&img, &err, NULL, "oci-archive:%s", tar), &err, IVET_E_DIGEST, "manifest",
                 im.manifest.text);
    ivet_image_release(&img);
    unlink(tar);
    free(tar);
    free(im.layer_bytes);
}

static void test_manifest_that_is_not_json_names_the_blob_and_line(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    struct ivet_digest bad;
    const char *doc = "{\"schemaVersion\": 2,\n \"config\": {\"digest\": oops}\n";
    put_blob_str(doc, &bad);
    char *e = desc(MT_MANIFEST, &bad, strlen(doc), NULL);
    write_index_json(e);
    free(e);
    expect_error(resolve_fmt(&img, &err, NULL, "oci:%s", tmpdir), &err, IVET_E_FORMAT, bad.text, "line 2");
    ivet_image_release(&img);
}

static void test_config_with_more_diff_ids_than_layers_is_an_error(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    struct image im;
    build_image(&im, "amd64", true);
    char *e = desc(MT_MANIFEST, &im.manifest, im.manifest_len, NULL);
    write_index_json(e);
    free(e);
    expect_error(resolve_fmt(&img, &err, NULL, "oci:%s", tmpdir), &err, IVET_E_FORMAT, "2 diff_ids", "1 layers");
    ivet_image_release(&img);
    free(im.layer_bytes);
}

/* index.json -> [nested index without platform ->] 2-platform index */
static void multi_layout(struct image *amd, struct image *arm, bool nested)
{
    build_image(amd, "amd64", false);
    build_image(arm, "arm64", false);
    char *a = desc(MT_MANIFEST, &amd->manifest, amd->manifest_len,
                   "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}");
    char *b = desc(MT_MANIFEST, &arm->manifest, arm->manifest_len,
                   "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}");
    char *idx = fmt("{\"schemaVersion\":2,\"mediaType\":\"" MT_INDEX "\",\"manifests\":[%s,%s]}", a, b);
    struct ivet_digest di;
    put_blob_str(idx, &di);
    char *e = desc(MT_INDEX, &di, strlen(idx), "\"annotations\":{\"org.opencontainers.image.ref.name\":\"multi\"}");
    if (nested) {
        char *inner = desc(MT_INDEX, &di, strlen(idx), NULL);
        char *outer = fmt("{\"schemaVersion\":2,\"mediaType\":\"" MT_INDEX "\",\"manifests\":[%s]}", inner);
        struct ivet_digest dout;
        put_blob_str(outer, &dout);
        free(e);
        e = desc(MT_INDEX, &dout, strlen(outer), "\"annotations\":{\"org.opencontainers.image.ref.name\":\"multi\"}");
        free(inner);
        free(outer);
    }
    write_index_json(e);
    free(a);
    free(b);
    free(idx);
    free(e);
}

static void test_multi_platform_index_picks_the_wanted_platform(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    struct image amd, arm;
    multi_layout(&amd, &arm, false);
    assert_int_equal(resolve_fmt(&img, &err, "linux/arm64", "oci:%s:multi", tmpdir), 0);
    assert_string_equal(img.manifest_digest.text, arm.manifest.text);
    assert_string_equal(img.platform, "linux/arm64");
    assert_non_null(img.index);
    ivet_image_release(&img);
    assert_int_equal(resolve_fmt(&img, &err, "linux/amd64", "oci:%s:multi", tmpdir), 0);
    assert_string_equal(img.manifest_digest.text, amd.manifest.text);
    ivet_image_release(&img);
    expect_error(resolve_fmt(&img, &err, "linux/s390x", "oci:%s:multi", tmpdir), &err, IVET_E_NOTFOUND,
                 "linux/s390x", "linux/amd64, linux/arm64/v8");
    ivet_image_release(&img);
    free(amd.layer_bytes);
    free(arm.layer_bytes);
}

static void test_nested_index_is_followed(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    struct image amd, arm;
    multi_layout(&amd, &arm, true);
    assert_int_equal(resolve_fmt(&img, &err, "linux/arm64/v8", "oci:%s", tmpdir), 0);
    assert_string_equal(img.manifest_digest.text, arm.manifest.text);
    ivet_image_release(&img);
    expect_error(resolve_fmt(&img, &err, "linux/s390x", "oci:%s", tmpdir), &err, IVET_E_NOTFOUND, "linux/s390x",
                 "linux/amd64, linux/arm64/v8");
    ivet_image_release(&img);
    free(amd.layer_bytes);
    free(arm.layer_bytes);
}

static void test_unknown_tag_lists_the_tags_present(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    struct image im;
    simple_layout(&im);
    expect_error(resolve_fmt(&img, &err, NULL, "oci:%s:v2", tmpdir), &err, IVET_E_NOTFOUND, "'v2'", "tags present: v1");
    ivet_image_release(&img);
    free(im.layer_bytes);
}

static void test_layout_without_oci_layout_file_is_refused(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    struct image im;
    simple_layout(&im);
    char *p = fmt("%s/oci-layout", tmpdir);
    unlink(p);
    expect_error(resolve_fmt(&img, &err, NULL, "oci:%s", tmpdir), &err, IVET_E_FORMAT, "oci-layout", NULL);
    ivet_image_release(&img);
    /* and as a bare path, the bidder says what it found */
    expect_error(resolve_fmt(&img, &err, NULL, "%s", tmpdir), &err, IVET_E_FORMAT, "not an OCI image layout", NULL);
    ivet_image_release(&img);
    free(p);
    free(im.layer_bytes);
}

static void test_symlinked_blob_in_a_layout_is_refused(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    struct image im;
    simple_layout(&im);
    char *p = fmt("%s/blobs/sha256/%s", tmpdir, ivet_digest_hex(&im.config));
    char *q = fmt("%s/elsewhere", tmpdir);
    assert_int_equal(rename(p, q), 0);
    assert_int_equal(symlink(q, p), 0);
    expect_error(resolve_fmt(&img, &err, NULL, "oci:%s", tmpdir), &err, IVET_E_FORMAT, "symlink", NULL);
    ivet_image_release(&img);
    free(p);
    free(q);
    free(im.layer_bytes);
}

static void test_documents_over_the_json_limit_are_refused(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    struct image im;
    simple_layout(&im);
    struct ivet_source_opts o;
    memset(&o, 0, sizeof(o));
    o.limits = ivet_limits_default();
    o.limits.max_json = 64;
    char *arg = fmt("oci:%s", tmpdir);
    struct ivet_source *s = ivet_source_open(arg, &o, &err);
    assert_non_null(s);
    expect_error(s->ops->resolve(s, &img, &err), &err, IVET_E_LIMIT, "index.json", "limit");
    ivet_image_release(&img);
    ivet_source_free(s);
    free(arg);
    free(im.layer_bytes);
}

static void test_descriptor_and_document_kinds_must_agree(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    struct image im;
    build_image(&im, "amd64", false);
    char *e = desc(MT_INDEX, &im.manifest, im.manifest_len, NULL);     /* says index, is a manifest */
    write_index_json(e);
    free(e);
    expect_error(resolve_fmt(&img, &err, NULL, "oci:%s", tmpdir), &err, IVET_E_FORMAT, "descriptor says", im.manifest.text);
    ivet_image_release(&img);
    free(im.layer_bytes);
}

static void test_fifo_blob_is_refused_without_hanging(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    struct image im;
    simple_layout(&im);
    char *p = fmt("%s/blobs/sha256/%s", tmpdir, ivet_digest_hex(&im.config));
    unlink(p);
    assert_int_equal(mkfifo(p, 0644), 0);
    expect_error(resolve_fmt(&img, &err, NULL, "oci:%s", tmpdir), &err, IVET_E_FORMAT, "not a regular file", NULL);
    ivet_image_release(&img);
    free(p);
    free(im.layer_bytes);
}

static void test_indexes_nested_too_deep_are_a_limit(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    struct image im;
    build_image(&im, "amd64", false);
    struct ivet_digest d = im.manifest;
    size_t size = im.manifest_len;
    const char *mt = MT_MANIFEST;
    for (int i = 0; i < IVET_MAX_INDEX_DEPTH + 2; i++) {
        char *inner = desc(mt, &d, size, "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}");
        char *idx = fmt("{\"schemaVersion\":2,\"mediaType\":\"" MT_INDEX "\",\"manifests\":[%s]}", inner);
        put_blob_str(idx, &d);
        size = strlen(idx);
        mt = MT_INDEX;
        free(inner);
        free(idx);
    }
    char *e = desc(MT_INDEX, &d, size, NULL);
    write_index_json(e);
    free(e);
    expect_error(resolve_fmt(&img, &err, "linux/amd64", "oci:%s", tmpdir), &err, IVET_E_LIMIT, "nest", NULL);
    ivet_image_release(&img);
    free(im.layer_bytes);
}

/* Index A lists index B 20 times, B lists C 20 times, ... with no platform
 * anywhere: an exponential number of reads unless budgeted. */
static void test_repeated_nested_indexes_are_a_limit(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    struct image im;
    build_image(&im, "amd64", false);
    struct ivet_digest d = im.manifest;
    size_t size = im.manifest_len;
    const char *mt = MT_MANIFEST;
    for (int level = 0; level < 5; level++) {
        struct ivet_buf list;
        ivet_buf_init(&list, 1 << 20);
        for (int k = 0; k < 20; k++) {
            char *one = desc(mt, &d, size, level == 0 ? "\"platform\":{\"os\":\"linux\",\"architecture\":\"s390x\"}" : NULL);
            ivet_buf_printf(&list, NULL, "%s%s", k ? "," : "", one);
            free(one);
        }
        char *idx = fmt("{\"schemaVersion\":2,\"mediaType\":\"" MT_INDEX "\",\"manifests\":[%s]}", list.ptr);
        ivet_buf_release(&list);
        put_blob_str(idx, &d);
        size = strlen(idx);
        mt = MT_INDEX;
        free(idx);
    }
    char *e = desc(MT_INDEX, &d, size, NULL);
    write_index_json(e);
    free(e);
    expect_error(resolve_fmt(&img, &err, "linux/amd64", "oci:%s", tmpdir), &err, IVET_E_LIMIT,
                 "index documents", NULL);
    ivet_image_release(&img);
    free(im.layer_bytes);
}

static void test_bare_paths_are_identified_by_content(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    struct image im;
    simple_layout(&im);
    assert_int_equal(resolve_fmt(&img, &err, NULL, "%s", tmpdir), 0);
    assert_string_equal(img.transport, "oci");
    ivet_image_release(&img);
    /* a tar that is no image */
    char *other = fmt("%s.other.tar", tmpdir);
    struct tu_tar *tt = tu_tar_new();
    tu_tar_add(tt, 'f', "hello.txt", 0644, "x", 1, NULL);
    size_t n;
    const uint8_t *b = tu_tar_bytes(tt, &n);
    FILE *f = fopen(other, "wb");
    fwrite(b, 1, n, f);
    fclose(f);
    tu_tar_free(tt);
    expect_error(resolve(other, NULL, &img, &err), &err, IVET_E_FORMAT, "neither", "hello.txt");
    /* compressed and non-tar files */
    f = fopen(other, "wb");
    fwrite("\x1f\x8b\x08\x00junkjunk", 1, 12, f);
    fclose(f);
    expect_error(resolve(other, NULL, &img, &err), &err, IVET_E_UNSUPPORTED, "gzip", NULL);
    f = fopen(other, "wb");
    fwrite("just text", 1, 9, f);
    fclose(f);
    expect_error(resolve(other, NULL, &img, &err), &err, IVET_E_FORMAT, "not a tar archive", NULL);
    unlink(other);
    expect_error(resolve(other, NULL, &img, &err), &err, IVET_E_NOTFOUND, other, NULL);
    free(other);
    free(im.layer_bytes);
}

static void test_registry_names_go_to_the_registry_transport(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image_arg a;
    /* routing only: no network in unit tests */
    assert_int_equal(ivet_image_arg_parse("alpine:3.19", &a, &err), 0);
    assert_int_equal(a.transport, IVET_TRANSPORT_BARE);     /* not a path: opened as a registry name */
    ivet_image_arg_release(&a);
    assert_int_equal(ivet_image_arg_parse("docker://ghcr.io/a/b", &a, &err), 0);
    assert_int_equal(a.transport, IVET_TRANSPORT_DOCKER);
    ivet_image_arg_release(&a);
    /* the daemon transport answers with a daemon error, not "unsupported" */
    struct ivet_image img = { 0 };
    setenv("DOCKER_HOST", "unix:///nonexistent/imagevet-test.sock", 1);
    int rc = resolve("docker-daemon:a:b", NULL, &img, &err);
    assert_true(rc < 0);
    assert_int_not_equal(err.code, IVET_E_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "imagevet-test.sock"));
    ivet_err_release(&err);
    unsetenv("DOCKER_HOST");
}

static void test_image_argument_parser(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image_arg a;
    static const struct {
        const char *in;
        enum ivet_transport t;
        const char *loc, *ref;
        long index;
    } ok[] = {
        { "docker-archive:/x/a.tar", IVET_TRANSPORT_DOCKER_ARCHIVE, "/x/a.tar", NULL, -1 },
        { "docker-archive:/x/a.tar:fixture/debian:bookworm", IVET_TRANSPORT_DOCKER_ARCHIVE, "/x/a.tar",
          "fixture/debian:bookworm", -1 },
        { "docker-archive:a.tar:@3", IVET_TRANSPORT_DOCKER_ARCHIVE, "a.tar", NULL, 3 },
        { "oci:dir:v1", IVET_TRANSPORT_OCI, "dir", "v1", -1 },
        { "oci-archive:x.tar", IVET_TRANSPORT_OCI_ARCHIVE, "x.tar", NULL, -1 },
        { "docker://alpine:3", IVET_TRANSPORT_DOCKER, "alpine:3", NULL, -1 },
        { "docker-daemon:app:1", IVET_TRANSPORT_DOCKER_DAEMON, "app:1", NULL, -1 },
        { "localhost:5000/app", IVET_TRANSPORT_BARE, "localhost:5000/app", NULL, -1 },
        { "./image.tar", IVET_TRANSPORT_BARE, "./image.tar", NULL, -1 },
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_int_equal(ivet_image_arg_parse(ok[i].in, &a, &err), 0);
        assert_int_equal(a.transport, ok[i].t);
        assert_string_equal(a.location, ok[i].loc);
        if (ok[i].ref)
            assert_string_equal(a.ref, ok[i].ref);
        else
            assert_null(a.ref);
        assert_int_equal(a.index, ok[i].index);
        ivet_image_arg_release(&a);
    }
    static const struct {
        const char *in;
        enum ivet_code code;
    } bad[] = {
        { "", IVET_E_USAGE },          { "oci:", IVET_E_USAGE },       { "oci::tag", IVET_E_USAGE },
        { "oci:dir:", IVET_E_USAGE },  { "oci:dir:@x", IVET_E_USAGE }, { "docker://", IVET_E_USAGE },
        { "dir:/tmp/x", IVET_E_UNSUPPORTED }, { "containers-storage:x", IVET_E_UNSUPPORTED },
        { "a\nb", IVET_E_USAGE },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_true(ivet_image_arg_parse(bad[i].in, &a, &err) < 0);
        assert_int_equal(err.code, bad[i].code);
        assert_null(a.location);
        ivet_err_release(&err);
    }
}

/* Every allocation failing in turn (curl's torture idea): always an error,
 * never a crash or a leak (the sanitizer build checks the leaks). */
static void torture(const char *arg)
{
    for (long n = 0; n < 100000; n++) {
        struct ivet_err err = IVET_ERR_INIT;
        struct ivet_image img = { 0 };
        ivet_alloc_fail_after(n);
        struct ivet_source *s = open_src(arg, NULL, &err);
        int rc = s ? s->ops->resolve(s, &img, &err) : -(int)err.code;
        ivet_alloc_fail_after(-1);
        ivet_image_release(&img);
        ivet_source_free(s);
        if (rc == 0) {
            ivet_err_release(&err);
            return;
        }
        if (err.code != IVET_E_NOMEM)
            print_message("allocation %ld: %s\n", n, ivet_err_msg(&err));
        assert_int_equal(err.code, IVET_E_NOMEM);
        ivet_err_release(&err);
    }
    fail_msg("never succeeded");
}

static void test_allocation_failures_are_errors_not_crashes(void **state)
{
    (void)state;
    struct image im, da;
    multi_layout(&im, &da, true);
    free(im.layer_bytes);
    free(da.layer_bytes);
    char *arg = fmt("oci:%s", tmpdir);
    torture(arg);
    free(arg);
    char *tar = fmt("%s.oci.tar", tmpdir);
    write_archive(tar, NULL, NULL);
    torture(tar);
    unlink(tar);
    free(tar);
    tar = skopeo_docker_archive(&da, NULL, false);
    torture(tar);
    unlink(tar);
    free(tar);
    free(da.layer_bytes);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_oci_layout_resolves_tag_and_opens_layers),
        T(test_oci_archive_gives_the_same_image_as_the_layout),
        T(test_docker_archive_resolves_skopeo_layout_with_symlinked_layers),
        T(test_a_source_resolves_again),
        T(test_docker_archive_with_several_images_needs_a_reference),
        T(test_docker_archive_config_altered_is_a_digest_error),
        T(test_docker_archive_layer_path_traversal_is_refused),
        T(test_docker_archive_diff_ids_and_layers_disagree),
        T(test_docker_25_archive_is_read_as_an_oci_layout),
        T(test_archive_with_two_different_images_is_refused),
        T(test_missing_layer_blob_names_the_blob),
        T(test_truncated_layer_blob_is_reported_before_reading),
        T(test_config_digest_mismatch_names_the_config_blob),
        T(test_manifest_digest_mismatch_names_the_manifest_blob),
        T(test_manifest_that_is_not_json_names_the_blob_and_line),
        T(test_config_with_more_diff_ids_than_layers_is_an_error),
        T(test_multi_platform_index_picks_the_wanted_platform),
        T(test_nested_index_is_followed),
        T(test_unknown_tag_lists_the_tags_present),
        T(test_layout_without_oci_layout_file_is_refused),
        T(test_symlinked_blob_in_a_layout_is_refused),
        T(test_documents_over_the_json_limit_are_refused),
        T(test_descriptor_and_document_kinds_must_agree),
        T(test_fifo_blob_is_refused_without_hanging),
        T(test_indexes_nested_too_deep_are_a_limit),
        T(test_repeated_nested_indexes_are_a_limit),
        T(test_bare_paths_are_identified_by_content),
        T(test_registry_names_go_to_the_registry_transport),
        T(test_image_argument_parser),
        T(test_allocation_failures_are_errors_not_crashes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
