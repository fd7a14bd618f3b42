/* test_manifest.c: manifests, configs, indexes and platforms (src/source/manifest.c,
 * platform.c) on hand-written documents. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "source/source.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"
#define DC "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

static const char oci_manifest[] =
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
    "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" DC "\",\"size\":7},"
    "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" D1 "\",\"size\":100},"
    "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\",\"digest\":\"" D2 "\",\"size\":200}]}";

static int apply_manifest(struct ivet_image *img, const char *doc, struct ivet_err *err)
{
    return ivet_image_apply_manifest(img, doc, strlen(doc), err);
}

static void test_json_parse_error_names_document_line_and_column(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    const char *bad = "{\n  \"a\": 1,\n  \"b\": oops\n}";
    assert_null(ivet_json_parse(bad, strlen(bad), "manifest 'blobs/sha256/ab'", &err));
    assert_int_equal(err.code, IVET_E_FORMAT);
    assert_non_null(strstr(err.msg, "manifest 'blobs/sha256/ab'"));
    assert_non_null(strstr(err.msg, "line 3"));
    assert_non_null(strstr(err.msg, "column"));
    ivet_err_release(&err);
}

static void test_json_parse_refuses_duplicate_keys(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    const char *dup = "{\"a\":1,\"a\":2}";
    assert_null(ivet_json_parse(dup, strlen(dup), "config", &err));
    assert_int_equal(err.code, IVET_E_FORMAT);
    ivet_err_release(&err);
}

static void test_json_parse_refuses_documents_over_the_limit(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    const char *doc = "{\"a\":\"0123456789\"}";
    assert_null(ivet_json_parse_max(doc, strlen(doc), 8, "index.json", &err));
    assert_int_equal(err.code, IVET_E_LIMIT);
    assert_non_null(strstr(err.msg, "index.json"));
    ivet_err_release(&err);
}

static void test_oci_manifest_gives_layers_and_config_digest(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    assert_int_equal(apply_manifest(&img, oci_manifest, &err), 0);
    assert_int_equal(img.nlayers, 2);
    assert_string_equal(img.config_digest.text, DC);
    assert_string_equal(img.layers[0].digest.text, D1);
    assert_true(img.layers[0].have_digest);
    assert_true(img.layers[0].size_known);
    assert_int_equal(img.layers[0].size, 100);
    assert_int_equal(img.layers[1].index, 1);
    assert_string_equal(img.layers[1].media_type, "application/vnd.oci.image.layer.v1.tar+zstd");
    assert_int_equal(img.layers[1].compression, IVET_COMPRESSION_DETECT);
    assert_non_null(img.manifest);
    ivet_image_release(&img);
}

static void test_docker_schema2_manifest_is_accepted(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    const char *doc =
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
        "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"digest\":\"" DC "\",\"size\":7},"
        "\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"digest\":\"" D1 "\",\"size\":1}]}";
    assert_int_equal(apply_manifest(&img, doc, &err), 0);
    assert_int_equal(img.nlayers, 1);
    ivet_image_release(&img);
}

static void expect_manifest_error(const char *doc, enum ivet_code code, const char *needle)
{
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    assert_true(apply_manifest(&img, doc, &err) < 0);
    if (err.code != code || !strstr(err.msg, needle))
        print_message("unexpected error %d: %s\n", err.code, ivet_err_msg(&err));
    assert_int_equal(err.code, code);
    assert_non_null(strstr(err.msg, needle));
    assert_int_equal(img.nlayers, 0);
    assert_null(img.layers);
    ivet_err_release(&err);
    ivet_image_release(&img);
}

static void test_manifest_errors_say_what_is_wrong(void **state)
{
    (void)state;
    expect_manifest_error("{\"schemaVersion\":1,\"fsLayers\":[]}", IVET_E_UNSUPPORTED, "schema1");
    expect_manifest_error("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}",
                          IVET_E_FORMAT, "index");
    expect_manifest_error("[1,2]", IVET_E_FORMAT, "not a JSON object");
    expect_manifest_error("{\"schemaVersion\":2,\"config\":{\"digest\":\"" DC "\"}}", IVET_E_FORMAT, "no layers");
    expect_manifest_error("{\"schemaVersion\":2,\"config\":{\"digest\":\"" DC "\"},\"layers\":[{\"mediaType\":"
                          "\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:xyz\",\"size\":1}]}",
                          IVET_E_FORMAT, "layer 0");
    expect_manifest_error("{\"schemaVersion\":2,\"config\":{\"digest\":\"" DC "\"},\"layers\":[{\"mediaType\":"
                          "\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" D1 "\",\"size\":-5}]}",
                          IVET_E_FORMAT, "size");
    expect_manifest_error("{\"schemaVersion\":2,\"config\":{\"digest\":\"" DC "\"},\"layers\":[{\"mediaType\":"
                          "\"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip\",\"digest\":\"" D1 "\",\"size\":5}]}",
                          IVET_E_UNSUPPORTED, "foreign");
    expect_manifest_error("{\"schemaVersion\":2,\"config\":{\"digest\":\"" DC "\"},\"layers\":[{\"mediaType\":"
                          "\"application/vnd.in-toto+json\",\"digest\":\"" D1 "\",\"size\":5}]}",
                          IVET_E_UNSUPPORTED, "not a filesystem layer");
    expect_manifest_error("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.cncf.helm.config.v1+json\","
                          "\"digest\":\"" DC "\"},\"layers\":[]}",
                          IVET_E_UNSUPPORTED, "not a container image");
    expect_manifest_error("{\"schemaVersion\":2,\"config\":{\"digest\":\"sha512:00\"},\"layers\":[]}",
                          IVET_E_UNSUPPORTED, "sha256");
}

static void with_layers(struct ivet_image *img, size_t n)
{
    img->layers = ivet_calloc(n, sizeof(*img->layers));
    img->nlayers = n;
    for (size_t i = 0; i < n; i++)
        img->layers[i].index = (int)i;
}

static void test_config_fills_diff_ids_platform_and_history(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    with_layers(&img, 2);
    const char *cfg =
        "{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\",\"rootfs\":{\"type\":\"layers\","
        "\"diff_ids\":[\"" D1 "\",\"" D2 "\"]},\"history\":["
        "{\"created\":\"2023-11-14T22:13:20Z\",\"created_by\":\"ADD rootfs\"},"
        "{\"created_by\":\"ENV A=1\",\"empty_layer\":true},"
        "{\"created_by\":\"RUN make\"}]}";
    assert_int_equal(ivet_image_apply_config(&img, cfg, strlen(cfg), &err), 0);
    assert_string_equal(img.platform, "linux/arm64/v8");
    assert_string_equal(img.layers[0].diff_id.text, D1);
    assert_string_equal(img.layers[1].diff_id.text, D2);
    assert_string_equal(img.layers[0].created_by, "ADD rootfs");
    assert_string_equal(img.layers[0].history_created, "2023-11-14T22:13:20Z");
    assert_string_equal(img.layers[1].created_by, "RUN make");
    assert_int_equal(img.nnotes, 0);
    ivet_image_release(&img);
}

static void test_config_with_fewer_diff_ids_than_layers_is_an_error(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    with_layers(&img, 3);
    const char *cfg = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\",\"" D2 "\"]}}";
    assert_true(ivet_image_apply_config(&img, cfg, strlen(cfg), &err) < 0);
    assert_int_equal(err.code, IVET_E_FORMAT);
    assert_non_null(strstr(err.msg, "2 diff_ids"));
    assert_non_null(strstr(err.msg, "3 layers"));
    ivet_err_release(&err);
    ivet_image_release(&img);
}

static void test_config_rootfs_type_must_be_layers(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    const char *cfg = "{\"rootfs\":{\"type\":\"squash\",\"diff_ids\":[]}}";
    assert_true(ivet_image_apply_config(&img, cfg, strlen(cfg), &err) < 0);
    assert_non_null(strstr(err.msg, "rootfs.type"));
    ivet_err_release(&err);
    ivet_image_release(&img);
}

static void test_history_mismatch_assigns_what_it_can_and_notes_it(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img = { 0 };
    with_layers(&img, 3);
    const char *cfg = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\",\"" D2 "\",\"" D3 "\"]},"
                      "\"history\":[{\"created_by\":\"first\"},{\"created_by\":\"x\",\"empty_layer\":true}]}";
    assert_int_equal(ivet_image_apply_config(&img, cfg, strlen(cfg), &err), 0);
    assert_string_equal(img.layers[0].created_by, "first");
    assert_null(img.layers[1].created_by);
    assert_null(img.layers[2].created_by);
    assert_int_equal(img.nnotes, 1);
    assert_non_null(strstr(img.notes[0], "1 entries that made a layer"));
    ivet_image_release(&img);

    /* more history than layers: also tolerated */
    struct ivet_image img2 = { 0 };
    with_layers(&img2, 1);
    const char *cfg2 = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\"]},"
                       "\"history\":[{\"created_by\":\"a\"},{\"created_by\":\"b\"}]}";
    assert_int_equal(ivet_image_apply_config(&img2, cfg2, strlen(cfg2), &err), 0);
    assert_string_equal(img2.layers[0].created_by, "a");
    assert_int_equal(img2.nnotes, 1);
    ivet_image_release(&img2);
}

static const char index_doc[] =
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D1 "\",\"size\":1,"
    "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D2 "\",\"size\":1,"
    "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}},"
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D3 "\",\"size\":1,"
    "\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"},"
    "\"annotations\":{\"vnd.docker.reference.type\":\"attestation-manifest\"}}]}";

static int pick(const char *doc, const char *platform, struct ivet_digest *d, char **mt, struct ivet_err *err)
{
    struct ivet_source_opts o;
    memset(&o, 0, sizeof(o));
    if (platform) {
        assert_int_equal(ivet_platform_parse(&o.platform, platform, err), 0);
        o.platform_set = true;
    }
    json_t *j = ivet_json_parse(doc, strlen(doc), "index", err);
    assert_non_null(j);
    int rc = ivet_index_pick(j, &o, d, mt, err);
    json_decref(j);
    return rc;
}

static void test_index_pick_matches_platform_with_default_variant(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_digest d;
    char *mt = NULL;
    assert_int_equal(pick(index_doc, "linux/arm64", &d, &mt, &err), 0);
    assert_string_equal(d.text, D2);
    assert_string_equal(mt, "application/vnd.oci.image.manifest.v1+json");
    ivet_free(mt);
    assert_int_equal(pick(index_doc, "linux/aarch64", &d, &mt, &err), 0);
    assert_string_equal(d.text, D2);
    ivet_free(mt);
    assert_int_equal(pick(index_doc, "linux/amd64", &d, &mt, &err), 0);
    assert_string_equal(d.text, D1);
    ivet_free(mt);
}

static void test_index_pick_missing_platform_lists_platforms_present(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_digest d;
    char *mt = NULL;
    assert_int_equal(pick(index_doc, "linux/s390x", &d, &mt, &err), -IVET_E_NOTFOUND);
    assert_non_null(strstr(err.msg, "linux/s390x"));
    assert_non_null(strstr(err.msg, "linux/amd64, linux/arm64/v8"));
    assert_null(strstr(err.msg, "unknown"));
    ivet_err_release(&err);
}

static void test_index_pick_never_picks_attestations(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_digest d;
    char *mt = NULL;
    assert_int_equal(pick(index_doc, "unknown/unknown", &d, &mt, &err), -IVET_E_NOTFOUND);
    ivet_err_release(&err);
    /* one image plus its attestation: without --platform the image is the only choice */
    const char *doc =
        "{\"schemaVersion\":2,\"manifests\":["
        "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D3 "\",\"size\":1,"
        "\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"}},"
        "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D1 "\",\"size\":1,"
        "\"platform\":{\"os\":\"linux\",\"architecture\":\"riscv64\"}}]}";
    assert_int_equal(pick(doc, NULL, &d, &mt, &err), 0);
    assert_string_equal(d.text, D1);
    ivet_free(mt);
    /* explicitly asked for another platform: an error even with one choice */
    assert_int_equal(pick(doc, "linux/ppc64le", &d, &mt, &err), -IVET_E_NOTFOUND);
    assert_non_null(strstr(err.msg, "linux/riscv64"));
    ivet_err_release(&err);
}

static void test_index_pick_arm_without_variant_takes_any_arm(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_digest d;
    char *mt = NULL;
    const char *doc = "{\"schemaVersion\":2,\"manifests\":["
                      "{\"digest\":\"" D1 "\",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v6\"}}]}";
    assert_int_equal(pick(doc, "linux/arm", &d, &mt, &err), 0);
    assert_string_equal(d.text, D1);
    assert_null(mt);
    assert_int_equal(pick(doc, "linux/arm/v7", &d, &mt, &err), -IVET_E_NOTFOUND);
    ivet_err_release(&err);
}

static void test_platform_parse_format_and_match(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_platform p, q;
    char buf[100];
    assert_int_equal(ivet_platform_parse(&p, "linux/arm64/v8", &err), 0);
    assert_string_equal(p.os, "linux");
    assert_string_equal(p.arch, "arm64");
    assert_string_equal(p.variant, "v8");
    ivet_platform_format(&p, buf, sizeof(buf));
    assert_string_equal(buf, "linux/arm64/v8");
    assert_int_equal(ivet_platform_parse(&q, "linux/arm64", &err), 0);
    assert_true(ivet_platform_match(&p, &q));
    assert_int_equal(ivet_platform_parse(&q, "linux/x86_64", &err), 0);
    assert_int_equal(ivet_platform_parse(&p, "linux/amd64", &err), 0);
    assert_true(ivet_platform_match(&p, &q));
    assert_int_equal(ivet_platform_parse(&q, "windows/amd64", &err), 0);
    assert_false(ivet_platform_match(&p, &q));
    const char *bad[] = { "linux", "linux/", "/amd64", "a/b/c/d", "linux/am d64", "" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(ivet_platform_parse(&p, bad[i], &err), -IVET_E_USAGE);
        ivet_err_release(&err);
    }
    ivet_platform_host(&p);
    assert_string_equal(p.os, "linux");
    assert_true(p.arch[0] != 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_parse_error_names_document_line_and_column),
        cmocka_unit_test(test_json_parse_refuses_duplicate_keys),
        cmocka_unit_test(test_json_parse_refuses_documents_over_the_limit),
        cmocka_unit_test(test_oci_manifest_gives_layers_and_config_digest),
        cmocka_unit_test(test_docker_schema2_manifest_is_accepted),
        cmocka_unit_test(test_manifest_errors_say_what_is_wrong),
        cmocka_unit_test(test_config_fills_diff_ids_platform_and_history),
        cmocka_unit_test(test_config_with_fewer_diff_ids_than_layers_is_an_error),
        cmocka_unit_test(test_config_rootfs_type_must_be_layers),
        cmocka_unit_test(test_history_mismatch_assigns_what_it_can_and_notes_it),
        cmocka_unit_test(test_index_pick_matches_platform_with_default_variant),
        cmocka_unit_test(test_index_pick_missing_platform_lists_platforms_present),
        cmocka_unit_test(test_index_pick_never_picks_attestations),
        cmocka_unit_test(test_index_pick_arm_without_variant_takes_any_arm),
        cmocka_unit_test(test_platform_parse_format_and_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
