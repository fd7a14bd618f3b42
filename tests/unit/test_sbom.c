/* test_sbom.c: the CycloneDX and SPDX renderers on a synthetic report, each
 * document checked against the published schema with
 * tests/e2e/jsonschema_check.py (and the checker shown to reject a broken
 * document, so a pass means something). */
#include "testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report/report.h"

static struct ivet_package pkgs[] = {
    { .type = "apk", .name = "musl", .version = "1.2.5-r0", .arch = "x86_64", .source_name = "musl",
      .source_version = "1.2.5-r0", .layer = 0, .path = "/lib/apk/db/installed", .license = "MIT",
      .purl = "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3" },
    { .type = "npm", .name = "@babel/core", .version = "7.24.0", .layer = 1,
      .path = "/app/node_modules/@babel/core/package.json", .license = "MIT OR (Apache-2.0 AND x)",
      .purl = "pkg:npm/%40babel/core@7.24.0" },
    /* the same package twice, and a name needing SPDXID sanitising */
    { .type = "npm", .name = "@babel/core", .version = "7.24.0", .layer = 1,
      .path = "/other/node_modules/@babel/core/package.json", .purl = "pkg:npm/%40babel/core@7.24.0" },
    { .type = "golang", .name = "stdlib", .version = "v1.22.5", .layer = 7,
      .path = "/usr/bin/app\xff\x01", .purl = "pkg:golang/stdlib@v1.22.5" },
};

static void synthetic(struct ivet_report *r, bool with_os)
{
    memset(r, 0, sizeof(*r));
    r->image.reference = "docker-archive:/tmp/My App.tar";
    r->image.transport = "docker-archive";
    r->image.platform = "linux/amd64";
    strcpy(r->image.config_digest.text,
           "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    static struct ivet_layer_desc layers[2];
    strcpy(layers[0].diff_id.text, "sha256:1111111111111111111111111111111111111111111111111111111111111111");
    strcpy(layers[1].diff_id.text, "sha256:2222222222222222222222222222222222222222222222222222222222222222");
    r->image.layers = layers;
    r->image.nlayers = 2;
    if (with_os) {
        r->os_id = "alpine";
        r->os_version = "3.20.3";
        r->os_name = "Alpine Linux v3.20";
    }
    r->packages = pkgs;
    r->npackages = IVET_ARRAY_LEN(pkgs);
}

static char *write_doc(json_t *doc, const char *name)
{
    char *path = NULL;
    const char *dir = getenv("IVET_BUILD_DIR");
    if (asprintf(&path, "%s/test_sbom_%s.json", dir ? dir : "/tmp", name) < 0)
        return NULL;
    assert_int_equal(json_dump_file(doc, path, JSON_INDENT(1)), 0);
    return path;
}

/* Runs the checker: its exit status, or 77 when python3 is missing. */
static int check(const char *schema, const char *doc)
{
    char script[4096], sch[4096];
    snprintf(script, sizeof(script), "%s/tests/e2e/jsonschema_check.py", tu_source_dir());
    snprintf(sch, sizeof(sch), "%s/tests/fixtures/schemas/%s", tu_source_dir(), schema);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execlp("python3", "python3", script, sch, doc, (char *)NULL);
        _exit(77);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_cyclonedx_document_validates_against_the_1_5_schema(void **st)
{
    (void)st;
    for (int with_os = 0; with_os < 2; with_os++) {
        struct ivet_report r;
        struct ivet_err err = IVET_ERR_INIT;
        synthetic(&r, with_os);
        json_t *doc = ivet_report_to_cyclonedx(&r, &err);
        assert_non_null(doc);
        assert_string_equal(json_string_value(json_object_get(doc, "specVersion")), "1.5");
        json_t *comps = json_object_get(doc, "components");
        assert_int_equal(json_array_size(comps), IVET_ARRAY_LEN(pkgs) + (size_t)with_os);
        /* bom-refs are unique even for a repeated purl */
        const char *a = json_string_value(json_object_get(json_array_get(comps, 1 + with_os), "bom-ref"));
        const char *b = json_string_value(json_object_get(json_array_get(comps, 2 + with_os), "bom-ref"));
        assert_string_not_equal(a, b);
        char *path = write_doc(doc, with_os ? "cdx_os" : "cdx");
        int rc = check("bom-1.5.schema.json", path);
        if (rc == 77)
            skip();
        assert_int_equal(rc, 0);
        /* a broken document (wrong component type) is rejected */
        json_object_set_new(json_array_get(comps, 0), "type", json_string("librarry"));
        free(path);
        path = write_doc(doc, "cdx_bad");
        assert_int_equal(check("bom-1.5.schema.json", path), 1);
        free(path);
        json_decref(doc);
    }
}

static void test_spdx_document_validates_against_the_2_3_schema(void **st)
{
    (void)st;
    for (int with_os = 0; with_os < 2; with_os++) {
        struct ivet_report r;
        struct ivet_err err = IVET_ERR_INIT;
        synthetic(&r, with_os);
        json_t *doc = ivet_report_to_spdx(&r, &err);
        assert_non_null(doc);
        json_t *p = json_object_get(doc, "packages");
        assert_int_equal(json_array_size(p), 1 + (size_t)with_os + IVET_ARRAY_LEN(pkgs));
        /* every SPDXID uses only the characters the spec allows */
        for (size_t i = 0; i < json_array_size(p); i++) {
            const char *id = json_string_value(json_object_get(json_array_get(p, i), "SPDXID"));
            assert_true(ivet_startswith(id, "SPDXRef-"));
            assert_int_equal(strspn(id + 8, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-"),
                             strlen(id + 8));
        }
        const char *ns = json_string_value(json_object_get(doc, "documentNamespace"));
        assert_true(ivet_startswith(ns, "https://imagevet.invalid/spdx/my%20app-"));
        json_t *rels = json_object_get(doc, "relationships");
        assert_string_equal(json_string_value(json_object_get(json_array_get(rels, 0), "relationshipType")),
                            "DESCRIBES");
        char *path = write_doc(doc, with_os ? "spdx_os" : "spdx");
        int rc = check("spdx-schema-2-3.json", path);
        if (rc == 77)
            skip();
        assert_int_equal(rc, 0);
        json_object_del(doc, "creationInfo");
        free(path);
        path = write_doc(doc, "spdx_bad");
        assert_int_equal(check("spdx-schema-2-3.json", path), 1);
        free(path);
        json_decref(doc);
    }
}

static void test_sbom_documents_get_fresh_serial_numbers(void **st)
{
    (void)st;
    struct ivet_report r;
    struct ivet_err err = IVET_ERR_INIT;
    synthetic(&r, true);
    json_t *a = ivet_report_to_cyclonedx(&r, &err), *b = ivet_report_to_cyclonedx(&r, &err);
    assert_string_not_equal(json_string_value(json_object_get(a, "serialNumber")),
                            json_string_value(json_object_get(b, "serialNumber")));
    json_decref(a);
    json_decref(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cyclonedx_document_validates_against_the_1_5_schema),
        cmocka_unit_test(test_spdx_document_validates_against_the_2_3_schema),
        cmocka_unit_test(test_sbom_documents_get_fresh_serial_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
