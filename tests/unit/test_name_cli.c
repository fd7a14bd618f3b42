/* test_name_cli.c: `imagevet name` as a user runs it: exit statuses, one
 * JSON document per reference and line, stdin, --trust, and the Docker Hub
 * stand-in for the online path (never the real hub). */
#include "testutil.h"

#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hub_fake.h"

#define OUT_MAX 65536

/* Runs $IMAGEVET with args; feeds `input` on stdin; stdout into out. */
static int run_cli(const char *const *args, const char *input, char *out, char *errout)
{
    const char *bin = getenv("IMAGEVET");
    int in[2], o[2], e[2];
    if (!bin)
        fail_msg("$IMAGEVET is not set");
    assert_int_equal(pipe(in), 0);
    assert_int_equal(pipe(o), 0);
    assert_int_equal(pipe(e), 0);
    pid_t pid = fork();
    if (pid == 0) {
        const char *argv[32] = { bin, "name" };
        size_t n = 2;
        for (; args[n - 2] && n < 31; n++)
            argv[n] = args[n - 2];
        argv[n] = NULL;
        dup2(in[0], 0);
        dup2(o[1], 1);
        dup2(e[1], 2);
        close(in[1]);
        close(o[0]);
        close(e[0]);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    close(in[0]);
    close(o[1]);
    close(e[1]);
    if (input)
        assert_true(write(in[1], input, strlen(input)) == (ssize_t)strlen(input));
    close(in[1]);
    size_t len = 0, elen = 0;
    ssize_t r;
    while ((r = read(o[0], out + len, OUT_MAX - 1 - len)) > 0)
        len += (size_t)r;
    out[len] = 0;
    while ((r = read(e[0], errout + elen, OUT_MAX - 1 - elen)) > 0)
        elen += (size_t)r;
    errout[elen] = 0;
    close(o[0]);
    close(e[0]);
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char out[OUT_MAX], errout[OUT_MAX];

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void test_clean_references_exit_zero(void **state)
{
    (void)state;
    const char *args[] = { "--offline", "nginx", "bitnami/nginx:1.27", NULL };
    assert_int_equal(run_cli(args, NULL, out, errout), 0);
    assert_non_null(strstr(out, "docker.io/library/nginx:latest"));
    assert_non_null(strstr(out, "verified-publisher"));
}

static void test_impersonation_fails_with_one_json_document_per_line(void **state)
{
    (void)state;
    const char *args[] = { "--offline", "--format", "json", "goog1e/cadvisor", "alpine", NULL };
    assert_int_equal(run_cli(args, NULL, out, errout), 1);
    assert_int_equal(count_lines(out), 2);
    char *second = strchr(out, '\n');
    *second++ = 0;
    json_t *a = json_loads(out, 0, NULL), *b = json_loads(second, 0, NULL);
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(json_string_value(json_object_get(a, "reference")), "goog1e/cadvisor");
    assert_string_equal(json_string_value(json_object_get(a, "normalized")), "docker.io/goog1e/cadvisor:latest");
    assert_string_equal(json_string_value(json_object_get(a, "verdict")), "fail");
    assert_true(json_is_object(json_object_get(a, "publisher")));
    assert_true(json_array_size(json_object_get(a, "findings")) >= 1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(b, "publisher"), "trust")), "official");
    assert_int_equal(json_array_size(json_object_get(b, "findings")), 0);
    json_decref(a);
    json_decref(b);
}

static void test_invalid_reference_exits_two_and_says_why(void **state)
{
    (void)state;
    const char *args[] = { "--offline", "Nginx", "alpine", NULL };
    assert_int_equal(run_cli(args, NULL, out, errout), 2);
    assert_non_null(strstr(errout, "must be lowercase"));
    assert_non_null(strstr(out, "alpine"));     /* the valid one is still checked */
}

static void test_references_from_stdin(void **state)
{
    (void)state;
    const char *args[] = { "--offline", "--format", "json", "-", NULL };
    assert_int_equal(run_cli(args, "nginx\n\n# comment\n  someone/app  \nubunto\n", out, errout), 1);
    assert_int_equal(count_lines(out), 3);
    assert_non_null(strstr(out, "\"reference\":\"someone/app\""));
}

static void test_trust_flag_and_environment(void **state)
{
    (void)state;
    const char *args[] = { "--offline", "--format", "json", "--trust", "myorg", "myorg/app", NULL };
    assert_int_equal(run_cli(args, NULL, out, errout), 0);
    assert_non_null(strstr(out, "trusted-by-policy"));
    setenv("IMAGEVET_TRUST", "other,myteam", 1);
    const char *args2[] = { "--offline", "--format", "json", "myteam/app", NULL };
    assert_int_equal(run_cli(args2, NULL, out, errout), 0);
    unsetenv("IMAGEVET_TRUST");
    assert_non_null(strstr(out, "trusted-by-policy"));
}

static void test_usage_errors_exit_two(void **state)
{
    (void)state;
    const char *none[] = { NULL };
    const char *bad_opt[] = { "--nope", "x", NULL };
    const char *bad_fmt[] = { "--format", "xml", "x", NULL };
    assert_int_equal(run_cli(none, NULL, out, errout), 2);
    assert_int_equal(run_cli(bad_opt, NULL, out, errout), 2);
    assert_int_equal(run_cli(bad_fmt, NULL, out, errout), 2);
}

static void test_online_run_against_the_hub_stand_in(void **state)
{
    (void)state;
    struct hub_fake hub;
    char cache[] = "/tmp/ivet-clicache-XXXXXX";
    if (hub_fake_start(&hub, tu_source_dir()) < 0)
        skip();
    assert_non_null(mkdtemp(cache));
    const char *args[] = { "--format", "json", "--hub-url", hub.url, "--cache-dir", cache,
                           "evil/tool", "gone/app", NULL };
    int st = run_cli(args, NULL, out, errout);
    hub_fake_stop(&hub);
    assert_int_equal(st, 1);    /* evil/tool's README hands over the host */
    assert_non_null(strstr(out, "POP-RUN-DOCKER-SOCK"));
    assert_non_null(strstr(out, "\"popularity\":{"));
    assert_non_null(strstr(out, "popularity skipped: Docker Hub metadata for 'gone/app' unavailable"));
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", cache);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_references_exit_zero),
        cmocka_unit_test(test_impersonation_fails_with_one_json_document_per_line),
        cmocka_unit_test(test_invalid_reference_exits_two_and_says_why),
        cmocka_unit_test(test_references_from_stdin),
        cmocka_unit_test(test_trust_flag_and_environment),
        cmocka_unit_test(test_usage_errors_exit_two),
        cmocka_unit_test(test_online_run_against_the_hub_stand_in),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
