/* test_popularity.c: the Docker Hub client against a local stand-in server
 * (never the real hub), the cache, the popularity signals and the
 * `docker run` lines a README recommends. Every API failure must end as a
 * note, never as a failed check. */
#include "testutil.h"

#include <curl/curl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "analyze/names_run.h"
#include "hub_fake.h"

struct fixture {
    struct hub_fake hub;
    char cache[64];
    struct ivet_names_db *db;
};

static void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[1024];
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            rm_tree(p);
        else
            unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char dir[4096];
    struct ivet_err err = IVET_ERR_INIT;
    if (hub_fake_start(&f->hub, tu_source_dir()) < 0) {
        free(f);
        return -1;
    }
    snprintf(f->cache, sizeof(f->cache), "/tmp/ivet-hubcache-XXXXXX");
    if (!mkdtemp(f->cache))
        return -1;
    snprintf(dir, sizeof(dir), "%s/data", tu_source_dir());
    f->db = ivet_names_db_load(dir, &err);
    *state = f;
    return f->db ? 0 : -1;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    hub_fake_stop(&f->hub);
    rm_tree(f->cache);
    ivet_names_db_free(f->db);
    free(f);
    return 0;
}

static size_t on_body(char *p, size_t s, size_t n, void *arg)
{
    strncat(arg, p, IVET_MIN(s * n, 255 - strlen(arg)));
    return s * n;
}

/* How many times the stand-in server saw this path. */
static int hits(struct fixture *f, const char *path)
{
    char url[512], body[256] = "";
    snprintf(url, sizeof(url), "%s/_count?path=%s", f->hub.url, path);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_cleanup(c);
    const char *p = strstr(body, "\"count\": ");
    assert_non_null(p);
    return atoi(p + 9);
}

static int fetch(struct fixture *f, const char *path, long timeout_ms, json_t **repo, struct ivet_err *err)
{
    struct ivet_hub_opts o = { f->hub.url, f->cache, timeout_ms, 0 };
    return ivet_hub_fetch(&o, path, repo, err);
}

static void test_repository_metadata_is_parsed_with_its_badge(void **state)
{
    struct fixture *f = *state;
    struct ivet_err err = IVET_ERR_INIT;
    json_t *repo = NULL;
    assert_int_equal(fetch(f, "library/nginx", 0, &repo, &err), 0);
    assert_int_equal(json_integer_value(json_object_get(repo, "pull_count")), 12466219085LL);
    assert_int_equal(json_integer_value(json_object_get(repo, "star_count")), 20813);
    assert_string_equal(json_string_value(json_object_get(repo, "_source")), "network");
    assert_string_equal(json_string_value(json_object_get(repo, "_badge")), "official");
    json_decref(repo);
}

static void test_second_fetch_comes_from_the_cache(void **state)
{
    struct fixture *f = *state;
    struct ivet_err err = IVET_ERR_INIT;
    json_t *repo = NULL;
    assert_int_equal(fetch(f, "library/nginx", 0, &repo, &err), 0);
    json_decref(repo);
    assert_int_equal(fetch(f, "library/nginx", 0, &repo, &err), 0);
    assert_string_equal(json_string_value(json_object_get(repo, "_source")), "cache");
    assert_string_equal(json_string_value(json_object_get(repo, "_badge")), "official");
    assert_true(json_integer_value(json_object_get(repo, "_cached_at")) > 0);
    json_decref(repo);
    assert_int_equal(hits(f, "/v2/repositories/library/nginx/"), 1);
}

static void test_expired_cache_is_fetched_again(void **state)
{
    struct fixture *f = *state;
    struct ivet_err err = IVET_ERR_INIT;
    json_t *repo = NULL;
    char dir[128], path[512];
    assert_int_equal(fetch(f, "evil/tool", 0, &repo, &err), 0);
    json_decref(repo);
    /* age the cache entry by two days */
    snprintf(dir, sizeof(dir), "%s/hub", f->cache);
    DIR *d = opendir(dir);
    struct dirent *e;
    bool aged = false;
    while ((e = readdir(d)))
        if (!strncmp(e->d_name, "evil@tool@", 10)) {
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            json_t *doc = json_load_file(path, 0, NULL);
            assert_non_null(doc);
            json_object_set_new(doc, "fetched_at", json_integer((json_int_t)time(NULL) - 2 * 86400));
            assert_int_equal(json_dump_file(doc, path, 0), 0);
            json_decref(doc);
            aged = true;
        }
    closedir(d);
    assert_true(aged);
    assert_int_equal(fetch(f, "evil/tool", 0, &repo, &err), 0);
    assert_string_equal(json_string_value(json_object_get(repo, "_source")), "network");
    json_decref(repo);
    assert_int_equal(hits(f, "/v2/repositories/evil/tool/"), 2);
}

static void test_api_failures_are_errors_with_a_reason(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *path;
        int code;
        const char *why;
    } cases[] = {
        { "gone/x", IVET_E_NOTFOUND, "404" },
        { "busy/x", IVET_E_NETWORK, "429" },
        { "err/x", IVET_E_NETWORK, "500" },
        { "broken/x", IVET_E_FORMAT, "repository object" },
        { "slow/x", IVET_E_NETWORK, "cannot reach" },
        { "a/b/c", IVET_E_UNSUPPORTED, "namespace/name" },
    };
    for (size_t i = 0; i < IVET_ARRAY_LEN(cases); i++) {
        struct ivet_err err = IVET_ERR_INIT;
        json_t *repo = NULL;
        int rc = fetch(f, cases[i].path, 500, &repo, &err);
        if (rc != -cases[i].code || !strstr(ivet_err_msg(&err), cases[i].why))
            fail_msg("'%s': rc %d, '%s'", cases[i].path, rc, ivet_err_msg(&err));
        assert_null(repo);
        ivet_err_release(&err);
    }
}

static void test_unreachable_hub_is_an_error(void **state)
{
    (void)state;
    struct ivet_hub_opts o = { "http://127.0.0.1:1", "/nonexistent/cache", 2000, 0 };
    struct ivet_err err = IVET_ERR_INIT;
    json_t *repo = NULL;
    assert_int_equal(ivet_hub_fetch(&o, "library/nginx", &repo, &err), -IVET_E_NETWORK);
    assert_null(repo);
    ivet_err_release(&err);
}

static void run_online(struct fixture *f, const char *ref, long long now, struct ivet_names_run *run)
{
    struct ivet_err err = IVET_ERR_INIT;
    ivet_names_run_init(run);
    run->hub_url = f->hub.url;
    run->cache_dir = f->cache;
    run->now = now;
    if (ivet_names_run(f->db, ref, run, &err) < 0)
        fail_msg("'%s': %s", ref, ivet_err_msg(&err));
}

static bool has(const struct ivet_names_run *run, const char *id)
{
    for (size_t i = 0; i < run->findings.n; i++)
        if (!strcmp(run->findings.v[i].id, id))
            return true;
    return false;
}

static void test_unreachable_or_bad_api_becomes_a_note(void **state)
{
    struct fixture *f = *state;
    static const char *const refs[] = { "gone/x", "busy/x", "err/x", "broken/x" };
    for (size_t i = 0; i < IVET_ARRAY_LEN(refs); i++) {
        struct ivet_names_run run;
        run_online(f, refs[i], 0, &run);
        assert_null(run.popularity);
        assert_int_equal(run.nnotes, 1);
        assert_non_null(strstr(run.notes[0], "popularity skipped"));
        ivet_names_run_release(&run);
    }
}

static void test_low_pulls_and_new_repository_for_an_imitator(void **state)
{
    struct fixture *f = *state;
    struct ivet_names_run run;
    long long now = 1795171200;     /* 2026-11-20T10:40:00Z: three days after registration */
    run_online(f, "ngnix", now, &run);
    assert_true(has(&run, "NAME-TYPO"));
    assert_true(has(&run, "POP-IMITATOR-LOW-PULLS"));
    assert_true(has(&run, "POP-NEW-REPO"));
    assert_false(has(&run, "POP-STALE"));
    assert_non_null(run.popularity);
    assert_int_equal(json_integer_value(json_object_get(run.popularity, "pulls")), 37);
    assert_string_equal(json_string_value(json_object_get(run.popularity, "registered")),
                        "2026-11-17T10:30:00Z");
    assert_non_null(json_object_get(run.popularity, "cached_at"));
    assert_non_null(json_object_get(run.popularity, "source"));
    ivet_names_run_release(&run);
}

static void test_popular_official_image_has_no_popularity_findings(void **state)
{
    struct fixture *f = *state;
    struct ivet_names_run run;
    run_online(f, "nginx:1.27", 1795171200, &run);
    assert_int_equal(run.findings.n, 0);
    assert_non_null(run.popularity);
    assert_int_equal(run.nnotes, 0);
    ivet_names_run_release(&run);
}

/* Hub's badge decides a publisher the shipped data does not know: a
 * verified publisher's repository is trusted as such online (no PUB-UNKNOWN),
 * "none" leaves it unknown, and offline nothing is asked. */
static void test_hub_badge_sets_the_trust_of_an_unknown_publisher(void **state)
{
    struct fixture *f = *state;
    struct ivet_names_run run;
    run_online(f, "acmecorp/widget:2.1", 1795171200, &run);
    assert_string_equal(json_string_value(json_object_get(run.publisher, "trust")), "verified-publisher");
    assert_non_null(strstr(json_string_value(json_object_get(run.publisher, "basis")),
                           "Docker Hub shows the 'verified_publisher' badge for 'acmecorp/widget'"));
    assert_false(has(&run, "PUB-UNKNOWN"));
    assert_string_equal(json_string_value(json_object_get(run.popularity, "badge")), "verified_publisher");
    ivet_names_run_release(&run);

    run_online(f, "smallfry/tool", 1795171200, &run);
    assert_string_equal(json_string_value(json_object_get(run.publisher, "trust")), "unknown");
    assert_true(has(&run, "PUB-UNKNOWN"));
    ivet_names_run_release(&run);

    struct ivet_err err = IVET_ERR_INIT;
    ivet_names_run_init(&run);
    run.offline = true;
    assert_int_equal(ivet_names_run(f->db, "acmecorp/widget", &run, &err), 0);
    assert_string_equal(json_string_value(json_object_get(run.publisher, "trust")), "unknown");
    assert_true(has(&run, "PUB-UNKNOWN"));
    ivet_names_run_release(&run);

    /* an official image's name under an unknown namespace is a finding offline;
     * once Hub vouches for the publisher it owns its names */
    ivet_names_run_init(&run);
    run.offline = true;
    assert_int_equal(ivet_names_run(f->db, "acmecorp/nginx", &run, &err), 0);
    assert_true(has(&run, "NAME-OFFICIAL-FOREIGN-NS"));
    ivet_names_run_release(&run);
    run_online(f, "acmecorp/nginx", 1795171200, &run);
    assert_string_equal(json_string_value(json_object_get(run.publisher, "trust")), "verified-publisher");
    assert_false(has(&run, "NAME-OFFICIAL-FOREIGN-NS"));
    assert_false(has(&run, "POP-IMITATOR-LOW-PULLS"));
    ivet_names_run_release(&run);
}

static void test_readme_that_hands_over_the_host_is_flagged(void **state)
{
    struct fixture *f = *state;
    struct ivet_names_run run;
    run_online(f, "evil/tool", 1795171200, &run);
    static const char *const ids[] = {
        "POP-RUN-PRIVILEGED", "POP-RUN-HOST-ROOT", "POP-RUN-DOCKER-SOCK",
        "POP-RUN-HOST-NET", "POP-RUN-HOST-PID", "POP-RUN-CAP-ADD", "POP-STALE",
    };
    for (size_t i = 0; i < IVET_ARRAY_LEN(ids); i++)
        if (!has(&run, ids[i]))
            fail_msg("no %s", ids[i]);
    assert_false(has(&run, "POP-NEW-REPO"));
    ivet_names_run_release(&run);
}

static size_t scan(const char *text, const char *id)
{
    struct ivet_findings out = { 0 };
    struct ivet_err err = IVET_ERR_INIT;
    assert_int_equal(ivet_popularity_scan_readme(text, &out, &err), 0);
    size_t n = 0;
    for (size_t i = 0; i < out.n; i++)
        if (!id || !strcmp(out.v[i].id, id))
            n++;
    ivet_findings_release(&out);
    return n;
}

static void test_readme_run_lines_in_their_various_spellings(void **state)
{
    (void)state;
    assert_int_equal(scan("docker run --network host x", "POP-RUN-HOST-NET"), 1);
    assert_int_equal(scan("docker run --net=host x", "POP-RUN-HOST-NET"), 1);
    assert_int_equal(scan("docker run --pid host x", "POP-RUN-HOST-PID"), 1);
    assert_int_equal(scan("docker run --privileged=true x", "POP-RUN-PRIVILEGED"), 1);
    assert_int_equal(scan("docker run --cap-add=NET_ADMIN x", "POP-RUN-CAP-ADD"), 1);
    assert_int_equal(scan("docker run --mount type=bind,source=/,target=/host x", "POP-RUN-HOST-ROOT"), 1);
    assert_int_equal(scan("docker run --volume=/run/docker.sock:/var/run/docker.sock x", "POP-RUN-DOCKER-SOCK"), 1);
    assert_int_equal(scan("docker run \\\r\n  --privileged \\\r\n  x", "POP-RUN-PRIVILEGED"), 1);
    /* the same flag twice is one finding */
    assert_int_equal(scan("docker run --privileged a\n\ndocker run --privileged b", "POP-RUN-PRIVILEGED"), 1);
    /* benign lines and look-alike options */
    assert_int_equal(scan("docker run -d -p 80:80 -v /srv/www:/usr/share/nginx/html:ro nginx", NULL), 0);
    assert_int_equal(scan("docker run --network mynet --pid=container:x --privilegedx x", NULL), 0);
    assert_int_equal(scan("no commands here, just --privileged prose", NULL), 0);
    assert_int_equal(scan("docker run", NULL), 0);
    assert_int_equal(scan("", NULL), 0);
}

static void test_stale_and_fractional_timestamps(void **state)
{
    (void)state;
    struct ivet_findings out = { 0 };
    struct ivet_err err = IVET_ERR_INIT;
    json_t *section = NULL;
    json_t *repo = json_pack("{s:I, s:I, s:s, s:s, s:s}", "pull_count", (json_int_t)5000000, "star_count",
                             (json_int_t)10, "date_registered", "2015-01-01T00:00:00.123Z", "last_updated",
                             "2021-06-01T12:00:00.999999Z", "_source", "cache");
    assert_int_equal(ivet_popularity_eval(repo, "", 1795171200, &out, &section, &err), 0);
    assert_int_equal(out.n, 1);
    assert_string_equal(out.v[0].id, "POP-STALE");
    assert_string_equal(json_string_value(json_object_get(section, "source")), "cache");
    json_decref(section);
    json_decref(repo);
    ivet_findings_release(&out);
    /* garbage timestamps are ignored, not misread */
    repo = json_pack("{s:I, s:s, s:s}", "pull_count", (json_int_t)5, "date_registered", "yesterday",
                     "last_updated", "2021-13-01T00:00:00Z");
    assert_int_equal(ivet_popularity_eval(repo, "", 1795171200, &out, &section, &err), 0);
    assert_int_equal(out.n, 0);
    json_decref(section);
    json_decref(repo);
    ivet_findings_release(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_repository_metadata_is_parsed_with_its_badge),
        cmocka_unit_test(test_hub_badge_sets_the_trust_of_an_unknown_publisher),
        cmocka_unit_test(test_second_fetch_comes_from_the_cache),
        cmocka_unit_test(test_expired_cache_is_fetched_again),
        cmocka_unit_test(test_api_failures_are_errors_with_a_reason),
        cmocka_unit_test(test_unreachable_hub_is_an_error),
        cmocka_unit_test(test_unreachable_or_bad_api_becomes_a_note),
        cmocka_unit_test(test_low_pulls_and_new_repository_for_an_imitator),
        cmocka_unit_test(test_popular_official_image_has_no_popularity_findings),
        cmocka_unit_test(test_readme_that_hands_over_the_host_is_flagged),
        cmocka_unit_test(test_readme_run_lines_in_their_various_spellings),
        cmocka_unit_test(test_stale_and_fractional_timestamps),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
