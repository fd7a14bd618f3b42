/* test_registry.c: the registry client's pure parts: WWW-Authenticate
 * challenges, config.json and credential-helper answers, URL building, the
 * retry/backoff policy (with an injected clock: nothing sleeps), registry
 * error bodies. The network paths are covered by tests/e2e/test_registry*.sh. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source/reg.h"

/* ---- WWW-Authenticate */
static void parse_ok(const char *v, enum ivet_reg_scheme scheme, const char *realm,
                     const char *service, const char *scope)
{
    struct ivet_reg_challenge c;
    struct ivet_err err = IVET_ERR_INIT;
    if (ivet_reg_challenge_parse(v, &c, &err) < 0)
        fail_msg("'%s': %s", v, ivet_err_msg(&err));
    assert_int_equal(c.scheme, scheme);
    if (realm)
        assert_string_equal(c.realm, realm);
    else
        assert_null(c.realm);
    if (service)
        assert_string_equal(c.service, service);
    else
        assert_null(c.service);
    if (scope)
        assert_string_equal(c.scope, scope);
    else
        assert_null(c.scope);
    ivet_reg_challenge_release(&c);
}

static void test_challenge_bearer_with_realm_service_scope(void **state)
{
    (void)state;
    parse_ok("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
             "scope=\"repository:library/alpine:pull\"",
             IVET_REG_AUTH_BEARER, "https://auth.docker.io/token", "registry.docker.io",
             "repository:library/alpine:pull");
    /* a scope holding commas inside the quotes */
    parse_ok("Bearer realm=\"http://127.0.0.1:1/token\",service=\"s\",scope=\"repository:a/b:pull,push\"",
             IVET_REG_AUTH_BEARER, "http://127.0.0.1:1/token", "s", "repository:a/b:pull,push");
}

static void test_challenge_is_case_insensitive_and_tolerates_spacing(void **state)
{
    (void)state;
    parse_ok("bEaReR   REALM = \"r\" ,  Service=svc ,,scope=\"x\"", IVET_REG_AUTH_BEARER, "r", "svc", "x");
    parse_ok("Basic realm=\"fixture-realm\"", IVET_REG_AUTH_BASIC, "fixture-realm", NULL, NULL);
    parse_ok("Basic", IVET_REG_AUTH_BASIC, NULL, NULL, NULL);
}

static void test_challenge_prefers_bearer_among_several(void **state)
{
    (void)state;
    parse_ok("Basic realm=\"b\", Bearer realm=\"t\",service=\"s\"", IVET_REG_AUTH_BEARER, "t", "s", NULL);
    parse_ok("Negotiate, Basic realm=\"b\"", IVET_REG_AUTH_BASIC, "b", NULL, NULL);
    parse_ok("Negotiate abc==", IVET_REG_AUTH_OTHER, NULL, NULL, NULL);
}

static void test_challenge_unescapes_quoted_strings_and_keeps_first_duplicate(void **state)
{
    (void)state;
    parse_ok("Bearer realm=\"a\\\"b\\\\c\",realm=\"second\"", IVET_REG_AUTH_BEARER, "a\"b\\c", NULL, NULL);
}

static void test_challenge_rejects_malformed_values(void **state)
{
    (void)state;
    const char *bad[] = { "", "   ", ",,,", "Bearer realm=\"unterminated", "=x", "Bearer realm=\"a\x01b\"" };
    for (size_t i = 0; i < IVET_ARRAY_LEN(bad); i++) {
        struct ivet_reg_challenge c;
        struct ivet_err err = IVET_ERR_INIT;
        if (ivet_reg_challenge_parse(bad[i], &c, &err) == 0)
            fail_msg("'%s' was accepted", bad[i]);
        assert_int_equal(err.code, IVET_E_FORMAT);
        assert_null(c.realm);
        ivet_err_release(&err);
    }
    char *huge = malloc(9000);
    memset(huge, 'a', 8999);
    huge[8999] = 0;
    struct ivet_reg_challenge c;
    struct ivet_err err = IVET_ERR_INIT;
    assert_true(ivet_reg_challenge_parse(huge, &c, &err) < 0);
    ivet_err_release(&err);
    assert_true(ivet_reg_challenge_parse(NULL, &c, &err) < 0);
    ivet_err_release(&err);
    free(huge);
}

/* ---- config.json */
static int lookup(const char *json, const char *host, struct ivet_reg_creds *c, char **helper)
{
    struct ivet_err err = IVET_ERR_INIT;
    memset(c, 0, sizeof(*c));
    int rc = ivet_reg_config_lookup(json, strlen(json), host, c, helper, &err);
    ivet_err_release(&err);
    return rc;
}

static void test_config_auths_base64_and_plain_fields(void **state)
{
    (void)state;
    struct ivet_reg_creds c;
    char *helper;
    /* "user:pa:ss" -> the password may hold colons */
    assert_int_equal(lookup("{\"auths\":{\"https://reg.example:5000/v1/\":{\"auth\":\"dXNlcjpwYTpzcw==\"}}}",
                            "reg.example:5000", &c, &helper), 1);
    assert_null(helper);
    assert_string_equal(c.username, "user");
    assert_string_equal(c.password, "pa:ss");
    ivet_reg_creds_release(&c);
    assert_null(c.password);
    assert_int_equal(lookup("{\"auths\":{\"reg.example\":{\"username\":\"u\",\"password\":\"p\"}}}",
                            "reg.example", &c, &helper), 1);
    assert_string_equal(c.username, "u");
    assert_string_equal(c.password, "p");
    ivet_reg_creds_release(&c);
    assert_int_equal(lookup("{\"auths\":{\"reg.example\":{\"identitytoken\":\"tok\"}}}", "reg.example",
                            &c, &helper), 1);
    assert_string_equal(c.identity_token, "tok");
    ivet_reg_creds_release(&c);
}

static void test_config_hub_aliases_share_one_key(void **state)
{
    (void)state;
    struct ivet_reg_creds c;
    char *helper;
    const char *j = "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"aHViOnB3\"}}}";
    assert_int_equal(lookup(j, "docker.io", &c, &helper), 1);
    assert_string_equal(c.username, "hub");
    ivet_reg_creds_release(&c);
    assert_int_equal(lookup(j, "registry-1.docker.io", &c, &helper), 1);
    ivet_reg_creds_release(&c);
    assert_int_equal(lookup(j, "ghcr.io", &c, &helper), 0);
    assert_string_equal(ivet_reg_config_key("docker.io"), "https://index.docker.io/v1/");
    assert_string_equal(ivet_reg_config_key("ghcr.io"), "ghcr.io");
}

static void test_config_port_must_match(void **state)
{
    (void)state;
    struct ivet_reg_creds c;
    char *helper;
    assert_int_equal(lookup("{\"auths\":{\"reg.example:5000\":{\"auth\":\"dTpw\"}}}", "reg.example", &c,
                            &helper), 0);
    assert_int_equal(lookup("{\"auths\":{\"reg.example\":{\"auth\":\"dTpw\"}}}", "reg.example:5000", &c,
                            &helper), 0);
}

static void test_config_helpers_take_precedence(void **state)
{
    (void)state;
    struct ivet_reg_creds c;
    char *helper;
    const char *j = "{\"auths\":{\"a.example\":{\"auth\":\"dTpw\"}},\"credHelpers\":{\"b.example\":\"pass\"},"
                    "\"credsStore\":\"desktop\"}";
    assert_int_equal(lookup(j, "b.example", &c, &helper), 1);
    assert_string_equal(helper, "pass");
    ivet_free(helper);
    assert_int_equal(lookup(j, "a.example", &c, &helper), 1);     /* auths before credsStore */
    assert_null(helper);
    assert_string_equal(c.username, "u");
    ivet_reg_creds_release(&c);
    assert_int_equal(lookup(j, "c.example", &c, &helper), 1);
    assert_string_equal(helper, "desktop");
    ivet_free(helper);
}

static void test_config_malformed_is_an_error_without_secrets(void **state)
{
    (void)state;
    struct ivet_reg_creds c;
    char *helper;
    struct ivet_err err = IVET_ERR_INIT;
    memset(&c, 0, sizeof(c));
    const char *j = "{\"auths\":{\"h\":{\"auth\":\"!!notbase64-S3CRET!!\"}}}";
    assert_true(ivet_reg_config_lookup(j, strlen(j), "h", &c, &helper, &err) < 0);
    assert_null(strstr(ivet_err_msg(&err), "S3CRET"));
    ivet_err_release(&err);
    assert_true(ivet_reg_config_lookup("{\"auths\":", 9, "h", &c, &helper, &err) < 0);
    assert_int_equal(err.code, IVET_E_FORMAT);
    ivet_err_release(&err);
    ivet_reg_creds_release(&c);
}

static void test_helper_answers(void **state)
{
    (void)state;
    struct ivet_reg_creds c;
    struct ivet_err err = IVET_ERR_INIT;
    memset(&c, 0, sizeof(c));
    const char *a = "{\"ServerURL\":\"h\",\"Username\":\"u\",\"Secret\":\"s\"}";
    assert_int_equal(ivet_reg_helper_parse(a, strlen(a), &c, &err), 1);
    assert_string_equal(c.username, "u");
    assert_string_equal(c.password, "s");
    ivet_reg_creds_release(&c);
    const char *t = "{\"Username\":\"<token>\",\"Secret\":\"refresh\"}";
    assert_int_equal(ivet_reg_helper_parse(t, strlen(t), &c, &err), 1);
    assert_string_equal(c.identity_token, "refresh");
    assert_null(c.username);
    ivet_reg_creds_release(&c);
    const char *e = "{\"Username\":\"u\",\"Secret\":\"\"}";
    assert_int_equal(ivet_reg_helper_parse(e, strlen(e), &c, &err), 0);
    assert_true(ivet_reg_helper_parse("nope", 4, &c, &err) < 0);
    ivet_err_release(&err);
}

static char *write_helper(const char *dir, const char *name, const char *body)
{
    char *p = NULL;
    assert_true(asprintf(&p, "%s/docker-credential-%s", dir, name) > 0);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(body, f);
    fclose(f);
    chmod(p, 0755);
    return p;
}

static void test_creds_find_order_and_helpers(void **state)
{
    (void)state;
    char dir[] = "/tmp/ivet-test-creds.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *cfg = NULL, *oldpath = getenv("PATH") ? strdup(getenv("PATH")) : strdup("/usr/bin:/bin");
    char *newpath = NULL;
    assert_true(asprintf(&cfg, "%s/config.json", dir) > 0);
    assert_true(asprintf(&newpath, "%s:%s", dir, oldpath) > 0);
    char *h1 = write_helper(dir, "good", "#!/bin/sh\nread url\n"
                            "printf '{\"Username\":\"hu\",\"Secret\":\"hs-%s\"}' \"$url\"\n");
    char *h2 = write_helper(dir, "none", "#!/bin/sh\necho 'credentials not found in native keychain'\nexit 1\n");
    char *h3 = write_helper(dir, "broken", "#!/bin/sh\nexit 3\n");
    FILE *f = fopen(cfg, "w");
    fputs("{\"auths\":{\"file.example\":{\"auth\":\"dTpw\"}},\"credHelpers\":{\"good.example\":\"good\","
          "\"none.example\":\"none\",\"broken.example\":\"broken\",\"evil.example\":\"../x\"}}", f);
    fclose(f);
    setenv("DOCKER_CONFIG", dir, 1);
    setenv("PATH", newpath, 1);
    struct ivet_reg_creds c;
    struct ivet_err err = IVET_ERR_INIT;
    /* explicit credentials win over the file */
    assert_int_equal(ivet_reg_creds_find("file.example", "x", "y", &c, &err), 1);
    assert_string_equal(c.username, "x");
    assert_string_equal(c.origin, "--username");
    ivet_reg_creds_release(&c);
    assert_true(ivet_reg_creds_find("file.example", "x", NULL, &c, &err) < 0);
    assert_int_equal(err.code, IVET_E_USAGE);
    ivet_err_release(&err);
    assert_int_equal(ivet_reg_creds_find("file.example", NULL, NULL, &c, &err), 1);
    assert_string_equal(c.password, "p");
    assert_string_equal(c.origin, "config.json");
    ivet_reg_creds_release(&c);
    assert_int_equal(ivet_reg_creds_find("good.example", NULL, NULL, &c, &err), 1);
    assert_string_equal(c.username, "hu");
    assert_string_equal(c.password, "hs-good.example");   /* fed the server URL on stdin */
    assert_string_equal(c.origin, "credential helper 'good'");
    ivet_reg_creds_release(&c);
    assert_int_equal(ivet_reg_creds_find("none.example", NULL, NULL, &c, &err), 0);
    assert_true(ivet_reg_creds_find("broken.example", NULL, NULL, &c, &err) < 0);
    assert_int_equal(err.code, IVET_E_AUTH);
    ivet_err_release(&err);
    assert_true(ivet_reg_creds_find("evil.example", NULL, NULL, &c, &err) < 0);
    assert_int_equal(err.code, IVET_E_USAGE);
    ivet_err_release(&err);
    assert_int_equal(ivet_reg_creds_find("other.example", NULL, NULL, &c, &err), 0);
    setenv("PATH", oldpath, 1);
    unsetenv("DOCKER_CONFIG");
    unlink(h1);
    unlink(h2);
    unlink(h3);
    unlink(cfg);
    rmdir(dir);
    free(h1);
    free(h2);
    free(h3);
    free(cfg);
    free(newpath);
    free(oldpath);
}

/* ---- URLs */
static void test_urls_are_built_from_checked_parts(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    char *u = ivet_reg_url("https://r.example:5000", "team/app", "manifests", "v1.2", &err);
    assert_string_equal(u, "https://r.example:5000/v2/team/app/manifests/v1.2");
    ivet_free(u);
    u = ivet_reg_url("http://h", "a/b", "blobs", "sha256:" "0123456789abcdef0123456789abcdef"
                     "0123456789abcdef0123456789abcdef", &err);
    assert_non_null(u);
    ivet_free(u);
    const char *bad_repos[] = { "", "/a", "a//b", "a/../b", "A/b", "a?x=1", "a b", "a#b" };
    for (size_t i = 0; i < IVET_ARRAY_LEN(bad_repos); i++) {
        assert_null(ivet_reg_url("http://h", bad_repos[i], "blobs", "x", &err));
        assert_int_equal(err.code, IVET_E_USAGE);
        ivet_err_release(&err);
    }
    assert_null(ivet_reg_url("http://h", "a", "manifests", "x/../y", &err));
    ivet_err_release(&err);
    assert_null(ivet_reg_url("http://h", "a", "manifests", "x?y", &err));
    ivet_err_release(&err);
}

static void test_token_url_escapes_and_joins_queries(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    char *u = ivet_reg_token_url("https://auth.example/token", "reg svc", "repository:a/b:pull", &err);
    assert_string_equal(u, "https://auth.example/token?service=reg%20svc&scope=repository%3Aa%2Fb%3Apull");
    ivet_free(u);
    u = ivet_reg_token_url("https://auth.example/token?x=1", "s", NULL, &err);
    assert_string_equal(u, "https://auth.example/token?x=1&service=s");
    ivet_free(u);
    assert_null(ivet_reg_token_url("file:///etc/passwd", "s", "x", &err));
    assert_int_equal(err.code, IVET_E_AUTH);
    ivet_err_release(&err);
}

static void test_insecure_hosts_match_exactly(void **state)
{
    (void)state;
    const char *list[] = { "127.0.0.1:5000", "Reg.Example", NULL };
    assert_true(ivet_reg_host_listed("127.0.0.1:5000", list));
    assert_true(ivet_reg_host_listed("reg.example", list));
    assert_false(ivet_reg_host_listed("127.0.0.1", list));
    assert_false(ivet_reg_host_listed("127.0.0.1:50000", list));
    assert_false(ivet_reg_host_listed("x", NULL));
}

/* ---- retry policy */
struct fake_clock {
    double t;
    double slept[16];
    int nsleep;
};

static double fake_now(void *ctx)
{
    return ((struct fake_clock *)ctx)->t;
}

static void fake_sleep(void *ctx, double s)
{
    struct fake_clock *c = ctx;
    if (c->nsleep < 16)
        c->slept[c->nsleep++] = s;
    c->t += s;
}

struct script {
    enum ivet_reg_attempt outcomes[8];
    double retry_after[8];
    int calls;
};

static enum ivet_reg_attempt scripted(void *ctx, int attempt, double *ra)
{
    struct script *s = ctx;
    assert_int_equal(attempt, s->calls + 1);
    *ra = s->retry_after[s->calls];
    return s->outcomes[s->calls++];
}

static void test_backoff_grows_and_is_capped(void **state)
{
    (void)state;
    const struct ivet_reg_retry p = { 8, 0.5, 2.0, 8.0 };
    const double want[] = { 0.5, 1, 2, 4, 8, 8, 8 };
    for (int a = 1; a <= 7; a++)
        assert_float_equal(ivet_reg_backoff(&p, a, -1), want[a - 1], 1e-9);
    assert_float_equal(ivet_reg_backoff(&p, 1, 5), 5, 1e-9);        /* Retry-After wins */
    assert_float_equal(ivet_reg_backoff(&p, 5, 2), 8, 1e-9);        /* unless shorter */
    assert_float_equal(ivet_reg_backoff(&p, 1, 3600), 60, 1e-9);    /* capped */
}

static void test_retryable_failures(void **state)
{
    (void)state;
    const long yes[] = { 408, 429, 500, 502, 503, 504 };
    const long no[] = { 200, 206, 400, 401, 403, 404, 416, 501, 505 };
    for (size_t i = 0; i < IVET_ARRAY_LEN(yes); i++)
        assert_true(ivet_reg_retryable_status(yes[i]));
    for (size_t i = 0; i < IVET_ARRAY_LEN(no); i++)
        assert_false(ivet_reg_retryable_status(no[i]));
    assert_true(ivet_reg_retryable_curl(CURLE_PARTIAL_FILE));
    assert_true(ivet_reg_retryable_curl(CURLE_RECV_ERROR));
    assert_true(ivet_reg_retryable_curl(CURLE_GOT_NOTHING));
    assert_false(ivet_reg_retryable_curl(CURLE_PEER_FAILED_VERIFICATION));
    assert_false(ivet_reg_retryable_curl(CURLE_WRITE_ERROR));
}

static void test_retry_run_sleeps_between_attempts_only(void **state)
{
    (void)state;
    const struct ivet_reg_retry p = { 4, 0.5, 2.0, 8.0 };
    struct fake_clock fc = { 0 };
    const struct ivet_reg_clock clock = { fake_now, fake_sleep, &fc };
    struct script s = { { IVET_REG_AGAIN, IVET_REG_AGAIN, IVET_REG_DONE }, { -1, 3, -1 }, 0 };
    assert_int_equal(ivet_reg_retry_run(&p, &clock, scripted, &s), IVET_REG_DONE);
    assert_int_equal(s.calls, 3);
    assert_int_equal(fc.nsleep, 2);
    assert_float_equal(fc.slept[0], 0.5, 1e-9);
    assert_float_equal(fc.slept[1], 3, 1e-9);       /* the server's Retry-After */

    struct fake_clock fc2 = { 0 };
    const struct ivet_reg_clock clock2 = { fake_now, fake_sleep, &fc2 };
    struct script all = { { IVET_REG_AGAIN, IVET_REG_AGAIN, IVET_REG_AGAIN, IVET_REG_AGAIN, IVET_REG_AGAIN },
                          { -1, -1, -1, -1, -1 }, 0 };
    assert_int_equal(ivet_reg_retry_run(&p, &clock2, scripted, &all), IVET_REG_AGAIN);
    assert_int_equal(all.calls, 4);
    assert_int_equal(fc2.nsleep, 3);                /* no sleep after the last attempt */
    assert_float_equal(fc2.t, 0.5 + 1 + 2, 1e-9);

    struct fake_clock fc3 = { 0 };
    const struct ivet_reg_clock clock3 = { fake_now, fake_sleep, &fc3 };
    struct script failing = { { IVET_REG_FAIL, IVET_REG_DONE }, { -1, -1 }, 0 };
    assert_int_equal(ivet_reg_retry_run(&p, &clock3, scripted, &failing), IVET_REG_FAIL);
    assert_int_equal(failing.calls, 1);
    assert_int_equal(fc3.nsleep, 0);
}

static void test_retry_after_values(void **state)
{
    (void)state;
    assert_float_equal(ivet_reg_parse_retry_after("7"), 7, 1e-9);
    assert_float_equal(ivet_reg_parse_retry_after(" 120"), 120, 1e-9);
    assert_true(ivet_reg_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") < 0);
    assert_true(ivet_reg_parse_retry_after("") < 0);
    assert_true(ivet_reg_parse_retry_after(NULL) < 0);
    assert_float_equal(ivet_reg_parse_retry_after("99999999"), 3600, 1e-9);
}

/* ---- error bodies */
static void test_error_bodies_are_summarised_and_sanitised(void **state)
{
    (void)state;
    const char *b = "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\",\"message\":\"blob unknown to registry\","
                    "\"detail\":\"sha256:x\"}]}";
    char *s = ivet_reg_error_body(b, strlen(b));
    assert_string_equal(s, "BLOB_UNKNOWN: blob unknown to registry");
    ivet_free(s);
    const char *evil = "{\"errors\":[{\"code\":\"X\",\"message\":\"a\\u001b[31mred\"}]}";
    s = ivet_reg_error_body(evil, strlen(evil));
    assert_non_null(s);
    assert_null(strchr(s, 0x1b));
    ivet_free(s);
    const char *daemon = "{\"message\":\"reference does not exist\"}";
    s = ivet_reg_error_body(daemon, strlen(daemon));
    assert_string_equal(s, "reference does not exist");
    ivet_free(s);
    assert_null(ivet_reg_error_body("<html>", 6));
    assert_null(ivet_reg_error_body(NULL, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_challenge_bearer_with_realm_service_scope),
        cmocka_unit_test(test_challenge_is_case_insensitive_and_tolerates_spacing),
        cmocka_unit_test(test_challenge_prefers_bearer_among_several),
        cmocka_unit_test(test_challenge_unescapes_quoted_strings_and_keeps_first_duplicate),
        cmocka_unit_test(test_challenge_rejects_malformed_values),
        cmocka_unit_test(test_config_auths_base64_and_plain_fields),
        cmocka_unit_test(test_config_hub_aliases_share_one_key),
        cmocka_unit_test(test_config_port_must_match),
        cmocka_unit_test(test_config_helpers_take_precedence),
        cmocka_unit_test(test_config_malformed_is_an_error_without_secrets),
        cmocka_unit_test(test_helper_answers),
        cmocka_unit_test(test_creds_find_order_and_helpers),
        cmocka_unit_test(test_urls_are_built_from_checked_parts),
        cmocka_unit_test(test_token_url_escapes_and_joins_queries),
        cmocka_unit_test(test_insecure_hosts_match_exactly),
        cmocka_unit_test(test_backoff_grows_and_is_capped),
        cmocka_unit_test(test_retryable_failures),
        cmocka_unit_test(test_retry_run_sleeps_between_attempts_only),
        cmocka_unit_test(test_retry_after_values),
        cmocka_unit_test(test_error_bodies_are_summarised_and_sanitised),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
