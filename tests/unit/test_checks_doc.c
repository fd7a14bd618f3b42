/* test_checks_doc.c: every check in every analyzer's catalog has a row in
 * docs/checks.md with the same severity, and every row is well formed. */
#include "testutil.h"

#include <pthread.h>

#include <stdio.h>
#include <string.h>

#include "analyze/analyzer.h"

static char *doc;

static int load(void **state)
{
    (void)state;
    char p[4096];
    snprintf(p, sizeof(p), "%s/docs/checks.md", tu_source_dir());
    doc = tu_read_file(p, NULL);
    return doc ? 0 : -1;
}

static int unload(void **state)
{
    (void)state;
    free(doc);
    return 0;
}

static void test_every_catalog_check_is_documented(void **state)
{
    (void)state;
    size_t n = 0, missing = 0;
    for (const struct ivet_analyzer *const *a = ivet_analyzers; *a; a++) {
        for (size_t i = 0; i < (*a)->nchecks; i++, n++) {
            const struct ivet_check *c = &(*a)->checks[i];
            char row[256];
            snprintf(row, sizeof(row), "| `%s` | %s |", c->id, ivet_severity_name(c->severity));
            if (!strstr(doc, row)) {
                print_error("docs/checks.md lacks the row start '%s' (analyzer %s)\n", row, (*a)->name);
                missing++;
            }
            assert_non_null(c->title);
            assert_non_null(c->remediation);
            assert_non_null(c->category);
        }
    }
    assert_true(n > 0);
    assert_int_equal(missing, 0);
}

static void test_check_ids_are_unique(void **state)
{
    (void)state;
    for (const struct ivet_analyzer *const *a = ivet_analyzers; *a; a++)
        for (size_t i = 0; i < (*a)->nchecks; i++)
            assert_ptr_equal(ivet_check_find((*a)->checks[i].id), &(*a)->checks[i]);
}

/* Run-time catalogs belong to the scan that registered them: one scan
 * ending removes its own, not another's still running. */
static void test_catalogs_per_scan(void **state)
{
    (void)state;
    static const struct ivet_check c1[] = { { "TEST-ONE", "contents", IVET_SEV_LOW, "one", "fix one" } };
    static const struct ivet_check c2[] = { { "TEST-TWO", "contents", IVET_SEV_HIGH, "two", "fix two" } };
    int scan_a = 1, scan_b = 2;
    struct ivet_err err = IVET_ERR_INIT;
    ivet_check_set_owner(&scan_a);
    assert_int_equal(ivet_check_register(c1, 1, &err), 0);
    ivet_check_set_owner(&scan_b);
    assert_int_equal(ivet_check_register(c2, 1, &err), 0);
    assert_null(ivet_check_find("TEST-ONE"));                 /* B does not see A's */
    assert_ptr_equal(ivet_check_find("TEST-TWO"), &c2[0]);
    ivet_check_set_owner(NULL);                               /* working for no scan: all */
    assert_ptr_equal(ivet_check_find("TEST-ONE"), &c1[0]);
    assert_ptr_equal(ivet_check_find("TEST-TWO"), &c2[0]);
    ivet_check_unregister(&scan_b);
    assert_null(ivet_check_find("TEST-TWO"));
    assert_ptr_equal(ivet_check_find("TEST-ONE"), &c1[0]);     /* scan A's is still there */
    struct ivet_findings f = { 0 };
    assert_non_null(ivet_findings_add_check(&f, "TEST-ONE", "/x", 1, 0, "ev", &err));
    assert_string_equal(f.v[0].title, "one");
    ivet_findings_release(&f);
    ivet_check_unregister(&scan_a);
    assert_null(ivet_check_find("TEST-ONE"));
    ivet_check_set_owner(NULL);
}

/* One name, two scans, two meanings (YARA files of their own): a thread
 * working for a scan gets that scan's. */
static const struct ivet_check same_a[] = { { "TEST-SAME", "contents", IVET_SEV_LOW, "a's", "fix" } };
static const struct ivet_check same_b[] = { { "TEST-SAME", "contents", IVET_SEV_CRITICAL, "b's", "fix" } };
static int owner_a = 1, owner_b = 2;

static void *add_as_b(void *arg)
{
    struct ivet_findings *f = arg;
    struct ivet_err err = IVET_ERR_INIT;
    ivet_check_set_owner(&owner_b);
    ivet_findings_add_check(f, "TEST-SAME", NULL, 0, -1, NULL, &err);
    ivet_err_release(&err);
    return NULL;
}

static void test_catalogs_same_name(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    ivet_check_set_owner(&owner_a);
    assert_int_equal(ivet_check_register(same_a, 1, &err), 0);
    ivet_check_set_owner(&owner_b);
    assert_int_equal(ivet_check_register(same_b, 1, &err), 0);
    ivet_check_set_owner(&owner_a);
    assert_ptr_equal(ivet_check_find("TEST-SAME"), &same_a[0]);
    struct ivet_findings f = { 0 };
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, add_as_b, &f), 0);
    pthread_join(t, NULL);
    assert_int_equal(f.n, 1);
    assert_int_equal(f.v[0].severity, IVET_SEV_CRITICAL);
    assert_string_equal(f.v[0].title, "b's");
    ivet_findings_release(&f);
    ivet_check_unregister(&owner_a);
    ivet_check_unregister(&owner_b);
    ivet_check_set_owner(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_catalog_check_is_documented),
        cmocka_unit_test(test_check_ids_are_unique),
        cmocka_unit_test(test_catalogs_per_scan),
        cmocka_unit_test(test_catalogs_same_name),
    };
    return cmocka_run_group_tests(tests, load, unload);
}
