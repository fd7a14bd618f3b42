/* test_server.c: the pieces of `imagevet serve` that need no network: the
 * notification envelopes a registry sends (the shape recorded from Docker
 * Distribution 2.8 in research/fixtures-recipes.md section 4) and the SQLite
 * store (queue, deduplication, results, a restart's requeue). */
#include "testutil.h"

#include "server/server.h"

#include <string.h>
#include <unistd.h>

static const char *push_manifest =
    "{\"events\":[{\"id\":\"76c6f0e2-1\",\"timestamp\":\"2026-11-27T01:54:05.65Z\",\"action\":\"push\","
    "\"target\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"size\":813,"
    "\"digest\":\"sha256:4db2cff2fcc3b8d01b24e1f21e88128d1e4c99b90ee4f2cada5f33e9a3fb6b30\",\"length\":813,"
    "\"repository\":\"fixture/planted\",\"url\":\"http://127.0.0.1:5055/v2/fixture/planted/manifests/"
    "sha256:4db2cff2fcc3b8d01b24e1f21e88128d1e4c99b90ee4f2cada5f33e9a3fb6b30\",\"tag\":\"latest\"},"
    "\"request\":{\"id\":\"a6c9\",\"addr\":\"127.0.0.1:56754\",\"host\":\"127.0.0.1:5055\",\"method\":\"PUT\","
    "\"useragent\":\"skopeo/1.9.3\"},\"actor\":{},\"source\":{\"addr\":\"registry.invalid:5000\"}}]}";

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"

static void test_notification_push_of_a_manifest(void **state)
{
    (void)state;
    struct ivet_push *p = NULL;
    size_t n = 0, skipped = 0;
    struct ivet_err err = IVET_ERR_INIT;
    assert_int_equal(ivet_notify_parse(push_manifest, strlen(push_manifest), &p, &n, &skipped, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(skipped, 0);
    assert_string_equal(p[0].image, "127.0.0.1:5055/fixture/planted@sha256:4db2cff2fcc3b8d01b24e1f21e88128d1e4c99b90"
                                    "ee4f2cada5f33e9a3fb6b30");
    assert_string_equal(p[0].host, "127.0.0.1:5055");
    assert_string_equal(p[0].tag, "latest");
    assert_string_equal(p[0].event_id, "76c6f0e2-1");
    ivet_push_release(&p[0]);
    ivet_free(p);
}

/* What a registry also sends, and what must never reach a reference. */
static void test_notification_other_events(void **state)
{
    (void)state;
    static const char *const skip[] = {
        /* a blob push, a pull, a delete */
        "{\"action\":\"push\",\"target\":{\"mediaType\":\"application/octet-stream\",\"digest\":\"" D1 "\","
        "\"repository\":\"a/b\",\"url\":\"http://r:5000/v2/a/b/blobs/" D1 "\"}}",
        "{\"action\":\"pull\",\"target\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
        D1 "\",\"repository\":\"a/b\",\"url\":\"http://r:5000/v2/a/b/manifests/" D1 "\"}}",
        "{\"action\":\"delete\",\"target\":{\"digest\":\"" D1 "\",\"repository\":\"a/b\"}}",
        /* repositories that could change a reference's or a URL's meaning */
        "{\"action\":\"push\",\"target\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
        D1 "\",\"repository\":\"a/../b\",\"url\":\"http://r:5000/v2/x\"}}",
        "{\"action\":\"push\",\"target\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
        D1 "\",\"repository\":\"A/b\",\"url\":\"http://r:5000/v2/x\"}}",
        "{\"action\":\"push\",\"target\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
        D1 "\",\"repository\":\"a/b?x\",\"url\":\"http://r:5000/v2/x\"}}",
        "{\"action\":\"push\",\"target\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
        D1 "\",\"repository\":\"/a\",\"url\":\"http://r:5000/v2/x\"}}",
        "{\"action\":\"push\",\"target\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
        D1 "\",\"repository\":\"a/b:1\",\"url\":\"http://r:5000/v2/x\"}}",
        /* a digest that is not sha256, a host that is not a host */
        "{\"action\":\"push\",\"target\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":"
        "\"md5:abc\",\"repository\":\"a/b\",\"url\":\"http://r:5000/v2/x\"}}",
        "{\"action\":\"push\",\"target\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
        D1 "\",\"repository\":\"a/b\",\"url\":\"http://user@r:5000/v2/x\"},\"request\":{\"host\":\"r r\"}}",
        "{\"action\":\"push\",\"target\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
        D1 "\",\"repository\":\"a/b\",\"url\":\"ftp://r/v2/x\"}}",
        "{\"action\":\"push\",\"target\":\"x\"}",
        /* a host Docker would read as a Docker Hub namespace */
        "{\"action\":\"push\",\"target\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
        D1 "\",\"repository\":\"a/b\",\"url\":\"http://registry/v2/a/b/manifests/" D1 "\"}}",
        "17",
    };
    char body[8192];
    size_t o = (size_t)snprintf(body, sizeof(body), "{\"events\":[");
    for (size_t i = 0; i < IVET_ARRAY_LEN(skip); i++)
        o += (size_t)snprintf(body + o, sizeof(body) - o, "%s%s", i ? "," : "", skip[i]);
    /* and one good one, whose host comes from request.host (no url) */
    o += (size_t)snprintf(body + o, sizeof(body) - o,
                          ",{\"id\":\"e2\",\"action\":\"push\",\"target\":{\"mediaType\":\"application/vnd.docker."
                          "distribution.manifest.list.v2+json\",\"digest\":\"" D1 "\",\"repository\":\"team/app-1\"},"
                          "\"request\":{\"host\":\"registry.example:5000\"}}]}");
    struct ivet_push *p = NULL;
    size_t n = 0, skipped = 0;
    struct ivet_err err = IVET_ERR_INIT;
    assert_int_equal(ivet_notify_parse(body, o, &p, &n, &skipped, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(skipped, IVET_ARRAY_LEN(skip));
    assert_string_equal(p[0].image, "registry.example:5000/team/app-1@" D1);
    ivet_push_release(&p[0]);
    ivet_free(p);
    /* not an envelope at all */
    assert_int_equal(ivet_notify_parse("{\"event\":[]}", 12, &p, &n, &skipped, &err), -IVET_E_FORMAT);
    ivet_err_release(&err);
    assert_int_equal(ivet_notify_parse("{", 1, &p, &n, &skipped, &err), -IVET_E_FORMAT);
    ivet_err_release(&err);
}

static void test_store(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/ivet-test-XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    char path[4200];
    snprintf(path, sizeof(path), "sqlite:%s/serve.db", dir);
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_store *s = ivet_store_open(path, &err);
    if (!s)
        fail_msg("open: %s", ivet_err_msg(&err));
    long long a = 0, b = 0, dup = 0, id = 0;
    assert_int_equal(ivet_store_enqueue(s, "r:5000/a@" D1, "ev-1", &a, &err), 0);
    assert_int_equal(ivet_store_enqueue(s, "r:5000/a@" D1, "ev-1", &dup, &err), 0);
    assert_int_equal(ivet_store_enqueue(s, "r:5000/b:1", NULL, &b, &err), 0);
    assert_true(a > 0 && b > a);
    assert_int_equal(dup, 0);                 /* a registry's retry of one event */
    long long q, r;
    assert_int_equal(ivet_store_counts(s, &q, &r, &err), 0);
    assert_true(q == 2 && r == 0);
    char *image = NULL;
    assert_int_equal(ivet_store_claim(s, &id, &image, &err), 1);
    assert_int_equal(id, a);                  /* oldest first */
    assert_string_equal(image, "r:5000/a@" D1);
    ivet_free(image);
    assert_int_equal(ivet_store_finish(s, a, "sha256:2222222222222222222222222222222222222222222222222222222222222222",
                                       "fail", "{\"verdict\":\"fail\"}", NULL, &err), 0);
    json_t *got = ivet_store_get(s, D1, 0, &err);    /* by the pushed digest */
    assert_non_null(got);
    assert_string_equal(json_string_value(json_object_get(got, "status")), "done");
    assert_string_equal(json_string_value(json_object_get(got, "verdict")), "fail");
    assert_string_equal(json_string_value(json_object_get(json_object_get(got, "report"), "verdict")), "fail");
    json_decref(got);
    got = ivet_store_get(s, "sha256:2222222222222222222222222222222222222222222222222222222222222222", 0, &err);
    assert_non_null(got);                     /* and by the manifest vetted */
    json_decref(got);
    assert_null(ivet_store_get(s, "sha256:3333333333333333333333333333333333333333333333333333333333333333", 0, &err));
    assert_int_equal(err.code, IVET_E_NOTFOUND);
    ivet_err_release(&err);
    /* b is claimed, then the server stops before finishing it */
    assert_int_equal(ivet_store_claim(s, &id, &image, &err), 1);
    assert_int_equal(id, b);
    ivet_free(image);
    assert_int_equal(ivet_store_claim(s, &id, &image, &err), 0);
    ivet_store_close(s);
    s = ivet_store_open(path, &err);
    assert_non_null(s);
    assert_int_equal(ivet_store_claim(s, &id, &image, &err), 1);   /* back in the queue */
    assert_int_equal(id, b);
    ivet_free(image);
    assert_int_equal(ivet_store_finish(s, b, NULL, NULL, NULL, "registry unreachable", &err), 0);
    got = ivet_store_get(s, NULL, b, &err);
    assert_string_equal(json_string_value(json_object_get(got, "status")), "error");
    assert_string_equal(json_string_value(json_object_get(got, "error")), "registry unreachable");
    json_decref(got);
    ivet_store_close(s);
    /* a scan that kills the scanner three times is given up */
    s = ivet_store_open(path, &err);
    long long c = 0;
    assert_int_equal(ivet_store_enqueue(s, "r:5000/c:1", NULL, &c, &err), 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(ivet_store_claim(s, &id, &image, &err), 1);
        assert_int_equal(id, c);
        ivet_free(image);
        ivet_store_close(s);                  /* as if the process died mid-scan */
        s = ivet_store_open(path, &err);
        assert_non_null(s);
    }
    assert_int_equal(ivet_store_claim(s, &id, &image, &err), 0);
    got = ivet_store_get(s, NULL, c, &err);
    assert_string_equal(json_string_value(json_object_get(got, "status")), "error");
    assert_non_null(strstr(json_string_value(json_object_get(got, "error")), "given up"));
    json_decref(got);
    ivet_store_close(s);
    assert_null(ivet_store_open("postgres://x", &err));
    assert_int_equal(err.code, IVET_E_UNSUPPORTED);
    ivet_err_release(&err);
    tu_rm_rf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_notification_push_of_a_manifest),
        cmocka_unit_test(test_notification_other_events),
        cmocka_unit_test(test_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
