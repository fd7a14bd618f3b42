/* test_names.c: publisher trust and impersonation checks on references
 * (offline), confusable folding and edit distance, false positives over the
 * shared name lists, and the detection floor on the generated look-alikes. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/names_run.h"

static struct ivet_names_db *load_db(void)
{
    char dir[4096];
    struct ivet_err err = IVET_ERR_INIT;
    snprintf(dir, sizeof(dir), "%s/data", tu_source_dir());
    struct ivet_names_db *db = ivet_names_db_load(dir, &err);
    if (!db)
        fail_msg("cannot load name data: %s", ivet_err_msg(&err));
    return db;
}

static int setup(void **state)
{
    *state = load_db();
    return 0;
}

static int teardown(void **state)
{
    ivet_names_db_free(*state);
    return 0;
}

/* Runs the offline checks; returns the run (caller releases). */
static void run_ref(struct ivet_names_db *db, const char *ref, struct ivet_names_run *run)
{
    struct ivet_err err = IVET_ERR_INIT;
    ivet_names_run_init(run);
    run->offline = true;
    if (ivet_names_run(db, ref, run, &err) < 0)
        fail_msg("'%s': %s", ref, ivet_err_msg(&err));
}

static const struct ivet_finding *find_id(const struct ivet_names_run *run, const char *id)
{
    for (size_t i = 0; i < run->findings.n; i++)
        if (!strcmp(run->findings.v[i].id, id))
            return &run->findings.v[i];
    return NULL;
}

static bool is_impersonation(const char *id)
{
    return ivet_startswith(id, "NAME-") || !strcmp(id, "PUB-KNOWN-BAD");
}

static const char *trust_of(const struct ivet_names_run *run)
{
    return json_string_value(json_object_get(run->publisher, "trust"));
}

/* ---- confusables */

static void test_skeleton_folds_look_alike_characters(void **state)
{
    (void)state;
    char a[64], b[64];
    static const char *const pairs[][2] = {
        { "goog1e", "google" }, { "rnicrosoft", "microsoft" }, { "vvordpress", "wordpress" },
        { "5ql", "sql" }, { "ng1nx", "nginx" }, { "m0ngo", "mongo" }, { "ALPINE", "alpine" },
    };
    for (size_t i = 0; i < IVET_ARRAY_LEN(pairs); i++) {
        ivet_confusable_skeleton(pairs[i][0], strlen(pairs[i][0]), a, sizeof(a));
        ivet_confusable_skeleton(pairs[i][1], strlen(pairs[i][1]), b, sizeof(b));
        if (strcmp(a, b))
            fail_msg("'%s' -> '%s' but '%s' -> '%s'", pairs[i][0], a, pairs[i][1], b);
    }
    ivet_confusable_skeleton("nginx", 5, a, sizeof(a));
    ivet_confusable_skeleton("mysql", 5, b, sizeof(b));
    assert_string_not_equal(a, b);
}

static void test_skeleton_never_overflows(void **state)
{
    (void)state;
    char out[4];
    assert_int_equal(ivet_confusable_skeleton("abcdefgh", 8, out, sizeof(out)), 3);
    assert_int_equal(strlen(out), 3);
    assert_int_equal(ivet_confusable_skeleton("abc", 3, out, 0), 0);
}

static void test_dl_distance_counts_transpositions_as_one_edit(void **state)
{
    (void)state;
    assert_int_equal(ivet_dl_distance("alpnie", 6, "alpine", 6, 3), 1);
    assert_int_equal(ivet_dl_distance("ngnix", 5, "nginx", 5, 3), 1);
    assert_int_equal(ivet_dl_distance("ubunto", 6, "ubuntu", 6, 3), 1);
    assert_int_equal(ivet_dl_distance("nginx", 5, "nginx", 5, 3), 0);
    assert_int_equal(ivet_dl_distance("abc", 3, "", 0, 5), 3);
    assert_int_equal(ivet_dl_distance("kitten", 6, "sitting", 7, 5), 3);
    /* beyond max is reported as max + 1 */
    assert_int_equal(ivet_dl_distance("postgres", 8, "redis", 5, 1), 2);
}

static void test_keyboard_neighbours(void **state)
{
    (void)state;
    assert_true(ivet_keys_adjacent('n', 'm'));
    assert_true(ivet_keys_adjacent('q', 'a'));
    assert_true(ivet_keys_adjacent('d', 'r'));
    assert_false(ivet_keys_adjacent('q', 'p'));
    assert_false(ivet_keys_adjacent('a', 'a'));
    assert_false(ivet_keys_adjacent('-', 'a'));
}

/* ---- the checks, with the look-alike named in the evidence */

static void test_impersonations_are_caught_and_name_their_target(void **state)
{
    static const struct {
        const char *ref, *id, *target;
    } cases[] = {
        { "goog1e/cadvisor", "NAME-HOMOGLYPH", "'google'" },
        { "rnicrosoft/dotnet", "NAME-HOMOGLYPH", "'microsoft'" },
        { "mysq1", "NAME-HOMOGLYPH", "'mysql'" },
        { "ubunto", "NAME-TYPO", "'ubuntu'" },
        { "alpnie:3.19", "NAME-TYPO", "'alpine'" },
        { "ngnix", "NAME-TYPO", "'nginx'" },
        { "bitnarni/nginx", "NAME-HOMOGLYPH", "'bitnami'" },
        { "btinami/redis", "NAME-TYPO", "'bitnami'" },
        { "someone/nginx", "NAME-OFFICIAL-FOREIGN-NS", "'nginx'" },
        { "x123/openjdk", "NAME-OFFICIAL-FOREIGN-NS", "'openjdk'" },
        { "someone/ng1nx", "NAME-HOMOGLYPH", "'nginx'" },
        { "google-cloud-official/sdk", "NAME-BORROWED-TRUST", "'google'" },
        { "someone/nginx-official", "NAME-BORROWED-TRUST", "'nginx'" },
        { "docker-library/nginx", "NAME-BORROWED-TRUST", "'docker'" },
        { "offical/nginx", "NAME-BORROWED-TRUST", "'offical'" },
        { "me/officialredis", "NAME-BORROWED-TRUST", "'redis'" },
        { "docker.io.evil.com/library/nginx", "NAME-REGISTRY-LOOKALIKE", "'docker.io'" },
        { "gcr-io.com/x/y", "NAME-REGISTRY-LOOKALIKE", "'gcr.io'" },
        { "ghcr.lo/a/b", "NAME-REGISTRY-LOOKALIKE", "'ghcr.io'" },
        { "qauy.io/a/b", "NAME-REGISTRY-LOOKALIKE", "'quay.io'" },
        { "ghcr.io/goog1e/x", "NAME-HOMOGLYPH", "'google'" },
        { "docker123321/tomcat", "PUB-KNOWN-BAD", "docker123321" },
        { "c43602f9cc95/openjdk:0da242bd93b7f", "PUB-KNOWN-BAD", "c43602f9cc95/openjdk" },
    };
    for (size_t i = 0; i < IVET_ARRAY_LEN(cases); i++) {
        struct ivet_names_run run;
        run_ref(*state, cases[i].ref, &run);
        const struct ivet_finding *f = find_id(&run, cases[i].id);
        if (!f)
            fail_msg("'%s': no %s (%zu findings)", cases[i].ref, cases[i].id, run.findings.n);
        if (!f->evidence || !strstr(f->evidence, cases[i].target))
            fail_msg("'%s': evidence '%s' does not name %s", cases[i].ref, f->evidence, cases[i].target);
        assert_int_equal(f->layer, -1);
        ivet_names_run_release(&run);
    }
}

static void test_legitimate_names_stay_clean(void **state)
{
    static const char *const clean[] = {
        "nginx", "nginx:1.27-alpine", "library/alpine", "docker.io/library/alpine:3.19",
        "bitnami/nginx", "python3", "someone/python3", "myorg/app", "phpmyadmin/phpmyadmin",
        "rocker/r-ver", "mcr.microsoft.com/dotnet/sdk:8.0", "us.gcr.io/project/app",
        "europe-docker.pkg.dev/p/r/i", "123456789012.dkr.ecr.us-east-1.amazonaws.com/app",
        "x.azurecr.io/app", "localhost:5000/app", "[::1]:5000/app", "10.0.0.1:5000/app",
        "registry.example.com/team/app", "docker.company.com/team/app", "quay.io/prometheus/prometheus",
    };
    for (size_t i = 0; i < IVET_ARRAY_LEN(clean); i++) {
        struct ivet_names_run run;
        run_ref(*state, clean[i], &run);
        for (size_t k = 0; k < run.findings.n; k++)
            if (is_impersonation(run.findings.v[k].id))
                fail_msg("'%s': %s: %s", clean[i], run.findings.v[k].id, run.findings.v[k].evidence);
        ivet_names_run_release(&run);
    }
}

static void test_trust_levels(void **state)
{
    struct ivet_err err = IVET_ERR_INIT;
    static const struct {
        const char *ref, *trust;
    } cases[] = {
        { "nginx", "official" },
        { "centos:7", "official" },             /* removed from the library, still official */
        { "bitnami/redis", "verified-publisher" },
        { "linuxserver/sonarr", "sponsored-oss" },
        { "containrrr/watchtower", "sponsored-oss" },
        { "mcr.microsoft.com/dotnet/sdk", "verified-publisher" },
        { "myorg/app", "trusted-by-policy" },
        { "registry.example.com:5000/x/y", "trusted-by-policy" },
        { "ghcr.io/acme/tool", "trusted-by-policy" },
        { "ghcr.io/other/tool", "unknown" },
        { "someone/app", "unknown" },
        { "library/ubunto", "unknown" },
        { "docker123321/cron", "known-bad" },
        { "gakeaws/nginx", "known-bad" },
    };
    assert_int_equal(ivet_names_db_trust(*state, "myorg", &err), 0);
    assert_int_equal(ivet_names_db_trust(*state, "registry.example.com:5000", &err), 0);
    assert_int_equal(ivet_names_db_trust(*state, "ghcr.io/acme", &err), 0);
    assert_int_equal(ivet_names_db_trust(*state, "myorg", &err), 0);        /* twice is fine */
    for (size_t i = 0; i < IVET_ARRAY_LEN(cases); i++) {
        struct ivet_names_run run;
        run_ref(*state, cases[i].ref, &run);
        if (strcmp(trust_of(&run), cases[i].trust))
            fail_msg("'%s': trust %s, expected %s", cases[i].ref, trust_of(&run), cases[i].trust);
        bool unknown = !strcmp(cases[i].trust, "unknown"), bad = !strcmp(cases[i].trust, "known-bad");
        assert_int_equal(find_id(&run, "PUB-UNKNOWN") != NULL, unknown);
        assert_int_equal(find_id(&run, "PUB-KNOWN-BAD") != NULL, bad);
        ivet_names_run_release(&run);
    }
}

static void test_known_bad_wins_over_policy(void **state)
{
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_names_run run;
    assert_int_equal(ivet_names_db_trust(*state, "docker123321", &err), 0);
    run_ref(*state, "docker123321/tomcat", &run);
    assert_string_equal(trust_of(&run), "known-bad");
    assert_non_null(find_id(&run, "PUB-KNOWN-BAD"));
    assert_int_equal(find_id(&run, "PUB-KNOWN-BAD")->severity, IVET_SEV_CRITICAL);
    ivet_names_run_release(&run);
}

static void test_bad_trust_entries_are_refused(void **state)
{
    struct ivet_err err = IVET_ERR_INIT;
    assert_int_equal(ivet_names_db_trust(*state, "", &err), -IVET_E_USAGE);
    ivet_err_release(&err);
    assert_int_equal(ivet_names_db_trust(*state, "a b", &err), -IVET_E_USAGE);
    ivet_err_release(&err);
}

static void test_invalid_reference_is_a_usage_error(void **state)
{
    struct ivet_names_run run;
    struct ivet_err err = IVET_ERR_INIT;
    ivet_names_run_init(&run);
    run.offline = true;
    assert_int_equal(ivet_names_run(*state, "Nginx", &run, &err), -IVET_E_USAGE);
    assert_non_null(strstr(ivet_err_msg(&err), "lowercase"));
    ivet_err_release(&err);
    ivet_names_run_release(&run);
}

static void test_offline_skips_popularity_with_a_note(void **state)
{
    struct ivet_names_run run;
    run_ref(*state, "nginx", &run);
    assert_int_equal(run.nnotes, 1);
    assert_non_null(strstr(run.notes[0], "offline"));
    assert_null(run.popularity);
    ivet_names_run_release(&run);
}

static void test_missing_data_dir_is_an_error_naming_the_file(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    char *old = getenv("IMAGEVET_DATA_DIR") ? strdup(getenv("IMAGEVET_DATA_DIR")) : NULL;
    unsetenv("IMAGEVET_DATA_DIR");
    /* a data dir that exists but lacks one file */
    char dir[] = "/tmp/ivet-names-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[600], file[700];
    snprintf(sub, sizeof(sub), "%s/names", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(file, sizeof(file), "%s/official-images.txt", sub);
    FILE *f = fopen(file, "w");
    fputs("nginx\n", f);
    fclose(f);
    struct ivet_names_db *db = ivet_names_db_load(dir, &err);
    assert_null(db);
    assert_non_null(strstr(ivet_err_msg(&err), "official-images-removed.tsv"));
    ivet_err_release(&err);
    unlink(file);
    rmdir(sub);
    rmdir(dir);
    if (old) {
        setenv("IMAGEVET_DATA_DIR", old, 1);
        free(old);
    }
}

static void test_allocation_failures_are_errors_not_crashes(void **state)
{
    (void)state;
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/data", tu_source_dir());
    for (long n = 0; n < 400; n += 7) {
        struct ivet_err err = IVET_ERR_INIT;
        ivet_alloc_fail_after(n);
        struct ivet_names_db *db = ivet_names_db_load(dir, &err);
        struct ivet_names_run run;
        ivet_names_run_init(&run);
        run.offline = true;
        int rc = db ? ivet_names_run(db, "goog1e/cadvisor", &run, &err) : -1;
        ivet_alloc_fail_after(-1);
        if (!db || rc < 0)
            assert_true(err.code == IVET_E_NOMEM || err.code == IVET_E_IO);
        ivet_names_run_release(&run);
        ivet_names_db_free(db);
        ivet_err_release(&err);
    }
}

/* ---- accuracy over real and generated names */

/* Every name in a shared list, as a reference: "name" for official lists,
 * "ns/repo" for images, "ns/app" for namespaces. */
static size_t check_list(struct ivet_names_db *db, const char *rel, int kind, bool impersonation_only,
                         size_t *checked)
{
    char *path = tu_shared_path(rel);
    size_t bad = 0;
    if (!path)
        return 0;
    char *text = tu_read_file(path, NULL);
    assert_non_null(text);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char ref[600];
        if (line[0] == '#')
            continue;
        line[strcspn(line, "\t")] = 0;
        if (kind == 'n' && !strcmp(line, "library"))
            continue;
        snprintf(ref, sizeof(ref), kind == 'n' ? "%s/app" : "%s", line);
        struct ivet_names_run run;
        run_ref(db, ref, &run);
        (*checked)++;
        for (size_t k = 0; k < run.findings.n; k++) {
            const char *id = run.findings.v[k].id;
            if (impersonation_only && (!is_impersonation(id) || !strcmp(id, "NAME-OFFICIAL-FOREIGN-NS")))
                continue;
            print_message("false positive: '%s': %s: %s\n", ref, id, run.findings.v[k].evidence);
            bad++;
        }
        ivet_names_run_release(&run);
    }
    free(text);
    free(path);
    return bad;
}

static const struct {
    const char *rel;
    int kind;
} shared_lists[] = {
    { "names/official-images.txt", 'o' },
    { "names/official-images-removed.tsv", 'o' },
    { "names/dockerhub-trusted-images.tsv", 'i' },
    { "names/dockerhub-trusted-namespaces.tsv", 'n' },
};

static void test_shared_names_get_no_findings_once_their_publishers_are_trusted(void **state)
{
    (void)state;
    char *ns = tu_shared_path("names/dockerhub-trusted-namespaces.tsv");
    if (!ns)
        tu_skip_no_shared("names/dockerhub-trusted-namespaces.tsv");
    struct ivet_names_db *db = load_db();
    struct ivet_err err = IVET_ERR_INIT;
    char *text = tu_read_file(ns, NULL);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
        if (line[0] != '#') {
            line[strcspn(line, "\t")] = 0;
            assert_int_equal(ivet_names_db_trust(db, line, &err), 0);
        }
    free(text);
    free(ns);
    size_t bad = 0, checked = 0;
    for (size_t i = 0; i < IVET_ARRAY_LEN(shared_lists); i++)
        bad += check_list(db, shared_lists[i].rel, shared_lists[i].kind, false, &checked);
    print_message("%zu shared names checked with their publishers trusted\n", checked);
    assert_true(checked > 2500);
    assert_int_equal(bad, 0);
    ivet_names_db_free(db);
}

static void test_shared_names_get_no_look_alike_findings_with_shipped_data_only(void **state)
{
    (void)state;
    char *probe = tu_shared_path("names/official-images.txt");
    if (!probe)
        tu_skip_no_shared("names/official-images.txt");
    free(probe);
    struct ivet_names_db *db = load_db();
    size_t bad = 0, checked = 0;
    for (size_t i = 0; i < IVET_ARRAY_LEN(shared_lists); i++)
        bad += check_list(db, shared_lists[i].rel, shared_lists[i].kind, true, &checked);
    assert_true(checked > 2500);
    assert_int_equal(bad, 0);
    ivet_names_db_free(db);
}

static void test_hand_picked_popular_names_get_no_look_alike_findings(void **state)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/tests/fixtures/names/legit.txt", tu_source_dir());
    char *text = tu_read_file(path, NULL);
    size_t n = 0;
    assert_non_null(text);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        struct ivet_names_run run;
        run_ref(*state, line, &run);
        n++;
        for (size_t k = 0; k < run.findings.n; k++) {
            const char *id = run.findings.v[k].id;
            if (is_impersonation(id) && strcmp(id, "NAME-OFFICIAL-FOREIGN-NS") != 0)
                fail_msg("'%s': %s: %s", line, id, run.findings.v[k].evidence);
        }
        ivet_names_run_release(&run);
    }
    assert_true(n > 100);
    free(text);
}

static void test_generated_look_alikes_are_detected_at_least_95_percent(void **state)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/tests/fixtures/names/lookalikes.tsv", tu_source_dir());
    char *text = tu_read_file(path, NULL);
    size_t total = 0, hit = 0;
    assert_non_null(text);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *tab = strchr(line, '\t');
        assert_non_null(tab);
        *tab = 0;
        struct ivet_names_run run;
        run_ref(*state, line, &run);
        total++;
        bool found = false;
        for (size_t k = 0; k < run.findings.n; k++)
            found |= is_impersonation(run.findings.v[k].id);
        if (found)
            hit++;
        else
            print_message("missed: %s (%s)\n", line, tab + 1);
        ivet_names_run_release(&run);
    }
    free(text);
    print_message("detected %zu of %zu generated look-alikes\n", hit, total);
    assert_true(total > 1000);
    assert_true(hit * 100 >= total * 95);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_skeleton_folds_look_alike_characters),
        cmocka_unit_test(test_skeleton_never_overflows),
        cmocka_unit_test(test_dl_distance_counts_transpositions_as_one_edit),
        cmocka_unit_test(test_keyboard_neighbours),
        cmocka_unit_test_setup_teardown(test_impersonations_are_caught_and_name_their_target, setup, teardown),
        cmocka_unit_test_setup_teardown(test_legitimate_names_stay_clean, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trust_levels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_known_bad_wins_over_policy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_trust_entries_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_reference_is_a_usage_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_offline_skips_popularity_with_a_note, setup, teardown),
        cmocka_unit_test(test_missing_data_dir_is_an_error_naming_the_file),
        cmocka_unit_test(test_allocation_failures_are_errors_not_crashes),
        cmocka_unit_test(test_shared_names_get_no_findings_once_their_publishers_are_trusted),
        cmocka_unit_test(test_shared_names_get_no_look_alike_findings_with_shipped_data_only),
        cmocka_unit_test_setup_teardown(test_hand_picked_popular_names_get_no_look_alike_findings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generated_look_alikes_are_detected_at_least_95_percent, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
