/* test_ref.c: image reference parsing and normalisation (Docker's grammar). */
#include "testutil.h"

#include <string.h>

#include "ref/ref.h"

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct ok_case {
    const char *in, *registry, *path, *tag, *digest, *normalized, *familiar;
};

static const struct ok_case ok_cases[] = {
    { "nginx", "docker.io", "library/nginx", "latest", NULL, "docker.io/library/nginx:latest", "nginx:latest" },
    { "nginx:1.27", "docker.io", "library/nginx", "1.27", NULL, "docker.io/library/nginx:1.27", "nginx:1.27" },
    { "bitnami/nginx", "docker.io", "bitnami/nginx", "latest", NULL, "docker.io/bitnami/nginx:latest", "bitnami/nginx:latest" },
    { "docker.io/nginx", "docker.io", "library/nginx", "latest", NULL, NULL, "nginx:latest" },
    { "index.docker.io/library/alpine:3.19", "docker.io", "library/alpine", "3.19", NULL, "docker.io/library/alpine:3.19", NULL },
    { "registry-1.docker.io/alpine", "docker.io", "library/alpine", "latest", NULL, NULL, NULL },
    { "localhost/app", "localhost", "app", "latest", NULL, "localhost/app:latest", "localhost/app:latest" },
    { "localhost:5000/team/app:v1", "localhost:5000", "team/app", "v1", NULL, NULL, NULL },
    { "ghcr.io/owner/app", "ghcr.io", "owner/app", "latest", NULL, NULL, NULL },
    { "[::1]:5000/app", "[::1]:5000", "app", "latest", NULL, NULL, NULL },
    { "[fe80::1]/a/b", "[fe80::1]", "a/b", "latest", NULL, NULL, NULL },
    { "192.168.0.1:8080/x", "192.168.0.1:8080", "x", "latest", NULL, NULL, NULL },
    { "nginx@sha256:" D64, "docker.io", "library/nginx", NULL, "sha256:" D64, "docker.io/library/nginx@sha256:" D64, "nginx@sha256:" D64 },
    { "nginx:1.27@sha256:" D64, "docker.io", "library/nginx", "1.27", "sha256:" D64, "docker.io/library/nginx:1.27@sha256:" D64, NULL },
    { "a__b/c.d/e-f--g_h:T_1.x-y", "docker.io", "a__b/c.d/e-f--g_h", "T_1.x-y", NULL, NULL, NULL },
    { "foo/bar/baz", "docker.io", "foo/bar/baz", "latest", NULL, NULL, "foo/bar/baz:latest" },
    { "library/alpine", "docker.io", "library/alpine", "latest", NULL, NULL, "alpine:latest" },
    { "localhost:5000", "docker.io", "library/localhost", "5000", NULL, NULL, NULL },
    { "Example.COM/app", "Example.COM", "app", "latest", NULL, NULL, NULL },
    { "myhost.local:443/a:b", "myhost.local:443", "a", "b", NULL, NULL, NULL },
    { "x@sha512:" D64 D64, "docker.io", "library/x", NULL, "sha512:" D64 D64, NULL, NULL },
    { "x@multihash+base58:0123456789abcdef0123456789abcdef", "docker.io", "library/x", NULL, "multihash+base58:0123456789abcdef0123456789abcdef", NULL, NULL },
};

static void test_valid_references_normalise_as_docker_does(void **state)
{
    (void)state;
    for (size_t i = 0; i < IVET_ARRAY_LEN(ok_cases); i++) {
        const struct ok_case *c = &ok_cases[i];
        struct ivet_ref r;
        struct ivet_err err = IVET_ERR_INIT;
        int rc = ivet_ref_parse(&r, c->in, &err);
        if (rc != 0)
            fail_msg("'%s' rejected: %s", c->in, ivet_err_msg(&err));
        assert_string_equal(r.registry, c->registry);
        assert_string_equal(r.path, c->path);
        if (c->tag)
            assert_string_equal(r.tag, c->tag);
        else
            assert_null(r.tag);
        if (c->digest)
            assert_string_equal(r.digest, c->digest);
        else
            assert_null(r.digest);
        if (c->normalized)
            assert_string_equal(r.normalized, c->normalized);
        if (c->familiar)
            assert_string_equal(r.familiar, c->familiar);
        ivet_ref_release(&r);
    }
}

static void test_implicit_latest_is_marked(void **state)
{
    (void)state;
    struct ivet_ref r;
    struct ivet_err err = IVET_ERR_INIT;
    assert_int_equal(ivet_ref_parse(&r, "alpine", &err), 0);
    assert_true(r.tag_implicit);
    ivet_ref_release(&r);
    assert_int_equal(ivet_ref_parse(&r, "alpine:latest", &err), 0);
    assert_false(r.tag_implicit);
    ivet_ref_release(&r);
}

struct bad_case {
    const char *in;
    const char *why;    /* substring the message must contain */
};

static const struct bad_case bad_cases[] = {
    { "", "empty" },
    { "Nginx", "must be lowercase" },
    { "docker.io/Library/nginx", "must be lowercase" },
    { "ghcr.io/Owner/app", "must be lowercase" },
    { "nginx:", "tag" },
    { "nginx:-x", "tag" },
    { "nginx:.x", "tag" },
    { "nginx:a+b", "tag" },
    { "-nginx", "path component" },
    { "nginx-", "path component" },
    { "a..b", "path component" },
    { "a___b", "path component" },
    { "a._b", "path component" },
    { "a/", "path component" },
    { "a//b", "path component" },
    { "/a", "empty" },
    { "a/b/", "path component" },
    { "a$b", "path component" },
    { "nginx@sha256:abc", "64 hex" },
    { "nginx@sha256:" D64 "0", "64 hex" },
    { "nginx@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", "lowercase" },
    { "nginx@sha256:" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg", "hexadecimal" },
    { "nginx@md5:0123", "32 hex" },
    { "nginx@:" D64, "algorithm" },
    { "nginx@1sha:" D64, "algorithm" },
    { "nginx@sha256", "algorithm:hex" },
    { "nginx@", "algorithm:hex" },
    { "ex_ample.com/app", "registry" },
    { "-bad.com/app", "registry" },
    { "host.com:/app", "port" },
    { "host.com:50a/app", "port" },
    { "[::1/app", "IPv6" },
    { "[::g]/app", "IPv6" },
    { "[::1]x/app", "port" },
    { "ex..com/app", "empty host label" },
    { D64, "image ID" },
    { "nginx latest", "printable" },
    { "ngi\x01nx", "printable" },
    { "_x:_", "path component" },
};

static void test_invalid_references_say_which_part_is_wrong(void **state)
{
    (void)state;
    for (size_t i = 0; i < IVET_ARRAY_LEN(bad_cases); i++) {
        struct ivet_ref r;
        struct ivet_err err = IVET_ERR_INIT;
        int rc = ivet_ref_parse(&r, bad_cases[i].in, &err);
        if (rc == 0)
            fail_msg("'%s' accepted as '%s'", bad_cases[i].in, r.normalized);
        assert_int_equal(rc, -IVET_E_USAGE);
        if (!strstr(ivet_err_msg(&err), bad_cases[i].why))
            fail_msg("'%s': message '%s' lacks '%s'", bad_cases[i].in, ivet_err_msg(&err),
                     bad_cases[i].why);
        assert_null(r.registry);
        ivet_err_release(&err);
    }
}

static void test_tag_length_limit_is_128(void **state)
{
    (void)state;
    char buf[200];
    memcpy(buf, "a:", 2);
    memset(buf + 2, 'x', 128);
    buf[130] = 0;
    struct ivet_ref r;
    struct ivet_err err = IVET_ERR_INIT;
    assert_int_equal(ivet_ref_parse(&r, buf, &err), 0);
    ivet_ref_release(&r);
    buf[130] = 'x';
    buf[131] = 0;
    assert_int_equal(ivet_ref_parse(&r, buf, &err), -IVET_E_USAGE);
    assert_non_null(strstr(ivet_err_msg(&err), "at most 128"));
    ivet_err_release(&err);
}

static void test_name_length_limit_is_255_including_domain(void **state)
{
    (void)state;
    char buf[300];
    memcpy(buf, "reg.io/", 7);
    memset(buf + 7, 'a', 248);      /* 255 in total */
    buf[255] = 0;
    struct ivet_ref r;
    struct ivet_err err = IVET_ERR_INIT;
    assert_int_equal(ivet_ref_parse(&r, buf, &err), 0);
    ivet_ref_release(&r);
    buf[255] = 'a';
    buf[256] = 0;
    assert_int_equal(ivet_ref_parse(&r, buf, &err), -IVET_E_USAGE);
    assert_non_null(strstr(ivet_err_msg(&err), "at most 255"));
    ivet_err_release(&err);
}

static void test_name_length_counts_the_normalised_hub_name(void **state)
{
    (void)state;
    char buf[300];
    struct ivet_ref r;
    struct ivet_err err = IVET_ERR_INIT;
    memset(buf, 'a', 237);          /* docker.io/library/ + 237 = 255 */
    buf[237] = 0;
    assert_int_equal(ivet_ref_parse(&r, buf, &err), 0);
    assert_int_equal(strlen(r.registry) + 1 + strlen(r.path), 255);
    ivet_ref_release(&r);
    buf[237] = 'a';
    buf[238] = 0;
    assert_int_equal(ivet_ref_parse(&r, buf, &err), -IVET_E_USAGE);
    assert_non_null(strstr(ivet_err_msg(&err), "at most 255"));
    ivet_err_release(&err);
}

static void test_endpoint_of_docker_hub_is_registry_1(void **state)
{
    (void)state;
    struct ivet_ref r;
    struct ivet_err err = IVET_ERR_INIT;
    assert_int_equal(ivet_ref_parse(&r, "alpine", &err), 0);
    assert_string_equal(ivet_ref_endpoint(&r), "registry-1.docker.io");
    ivet_ref_release(&r);
    assert_int_equal(ivet_ref_parse(&r, "quay.io/x/y", &err), 0);
    assert_string_equal(ivet_ref_endpoint(&r), "quay.io");
    ivet_ref_release(&r);
}

static void test_allocation_failure_is_reported_not_crashed(void **state)
{
    (void)state;
    for (long n = 0; n < 8; n++) {
        struct ivet_ref r;
        struct ivet_err err = IVET_ERR_INIT;
        ivet_alloc_fail_after(n);
        int rc = ivet_ref_parse(&r, "ghcr.io/a/b:1@sha256:" D64, &err);
        ivet_alloc_fail_after(-1);
        if (rc == 0) {
            ivet_ref_release(&r);
            continue;
        }
        assert_int_equal(rc, -IVET_E_NOMEM);
        ivet_err_release(&err);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_references_normalise_as_docker_does),
        cmocka_unit_test(test_implicit_latest_is_marked),
        cmocka_unit_test(test_invalid_references_say_which_part_is_wrong),
        cmocka_unit_test(test_tag_length_limit_is_128),
        cmocka_unit_test(test_name_length_limit_is_255_including_domain),
        cmocka_unit_test(test_name_length_counts_the_normalised_hub_name),
        cmocka_unit_test(test_endpoint_of_docker_hub_is_registry_1),
        cmocka_unit_test(test_allocation_failure_is_reported_not_crashed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
