/* test_vercmp.c: every comparator against the shared upstream vectors
 * (apk-tools, dpkg/apt/python-debian, rpm, osv-scalibr) and hand-checked
 * corner cases for SemVer, PEP 440, Go and Maven. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imagevet/version.h"
#include "vulndb/vercmp.h"

static int cmp(const char *eco, const char *a, const char *b)
{
    struct ivet_err err = IVET_ERR_INIT;
    int r = 99;
    int rc = ivet_vercmp(eco, a, b, &r, &err);
    if (rc < 0) {
        print_message("%s: %s\n", eco, ivet_err_msg(&err));
        ivet_err_release(&err);
        return 42;
    }
    return r;
}

static bool invalid(const char *eco, const char *v)
{
    struct ivet_err err = IVET_ERR_INIT;
    int r;
    int rc = ivet_vercmp(eco, v, "1", &r, &err);
    ivet_err_release(&err);
    return rc == -IVET_E_FORMAT;
}

/* markers: '|'-separated substrings of a section header line */
static bool section_matches(const char *line, const char *markers)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", markers);
    char *save = NULL;
    for (char *m = strtok_r(buf, "|", &save); m; m = strtok_r(NULL, "|", &save))
        if (strstr(line, m))
            return true;
    return false;
}

/* Runs a "a<TAB>b<TAB>-1|0|1" file; `raw` (optional) picks the rows compared
 * with a different function, by the section header they follow. Returns the
 * number of rows checked, -1 when the file is absent. */
static long run_tsv(const char *rel, const char *eco, const char *raw_marker,
                    int (*raw)(const char *, const char *))
{
    char *path = tu_shared_path(rel);
    if (!path)
        return -1;
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[8192];
    long rows = 0, bad = 0;
    bool in_raw = false;
    int e = ivet_vereco_parse(eco);
    while (fgets(line, sizeof(line), f)) {
        if (line[0] == '#') {
            if (strstr(line, "=== section:"))
                in_raw = raw_marker && section_matches(line, raw_marker);
            continue;
        }
        line[strcspn(line, "\n")] = '\0';
        char *t1 = strchr(line, '\t');
        char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t2)
            continue;
        *t1 = *t2 = '\0';
        const char *a = line, *b = t1 + 1;
        int want = atoi(t2 + 1);
        int got;
        if (in_raw) {
            got = raw(a, b);
        } else {
            struct ivet_err err = IVET_ERR_INIT;
            if (ivet_vercmp_eco((enum ivet_vereco)e, a, b, &got, &err) < 0)
                got = 42;
            ivet_err_release(&err);
        }
        rows++;
        if (got != want && bad++ < 20)
            print_message("%s: '%s' vs '%s': want %d, got %d\n", rel, a, b, want, got);
    }
    fclose(f);
    free(path);
    assert_int_equal(bad, 0);
    return rows;
}

static int rpm_segments(const char *a, const char *b)
{
    return ivet_rpmvercmp(a, strlen(a), b, strlen(b));
}

static void test_apk_agrees_with_apk_tools_and_osv_scalibr_vectors(void **state)
{
    (void)state;
    long n = run_tsv("versions/apk.tsv", "apk", NULL, NULL);
    if (n < 0)
        tu_skip_no_shared("versions/apk.tsv");
    assert_int_equal(n, 14687);
}

static void test_dpkg_agrees_with_dpkg_apt_and_python_debian_vectors(void **state)
{
    (void)state;
    long n = run_tsv("versions/dpkg.tsv", "dpkg", NULL, NULL);
    if (n < 0)
        tu_skip_no_shared("versions/dpkg.tsv");
    assert_int_equal(n, 14607);
}

static void test_rpm_agrees_with_rpmvercmp_and_evr_vectors(void **state)
{
    (void)state;
    /* Sections 1 and 4 are bare rpmvercmp() segments (no epoch/release). */
    long n = run_tsv("versions/rpm.tsv", "rpm", "RPMVERCMP()|version_testcase.go", rpm_segments);
    if (n < 0)
        tu_skip_no_shared("versions/rpm.tsv");
    assert_int_equal(n, 4656);
}

static char *unescape(const char *s)
{
    char *o = malloc(strlen(s) + 1), *p = o;
    for (; *s; s++) {
        if (*s == '\\' && s[1]) {
            s++;
            *p++ = *s == 't' ? '\t' : (*s == 's' ? ' ' : *s);
        } else {
            *p++ = *s;
        }
    }
    *p = '\0';
    return o;
}

static void test_dpkg_rejects_what_parseversion_rejects(void **state)
{
    (void)state;
    char *path = tu_shared_path("versions/dpkg-parse.tsv");
    if (!path)
        tu_skip_no_shared("versions/dpkg-parse.tsv");
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[1024];
    int rows = 0;
    while (fgets(line, sizeof(line), f)) {
        if (line[0] == '#')
            continue;
        char *t1 = strchr(line, '\t');
        if (!t1)
            continue;
        *t1 = '\0';
        char *cls = t1 + 1;
        cls[strcspn(cls, "\t\n")] = '\0';
        char *v = unescape(line);
        bool valid = ivet_version_valid(IVET_VERECO_DEB, v);
        if (!strcmp(cls, "invalid-error")) {
            if (valid)
                print_message("accepted '%s'\n", line);
            assert_false(valid);
        } else if (!strcmp(cls, "valid") || !strcmp(cls, "invalid-warning")) {
            if (!valid)
                print_message("rejected '%s'\n", line);
            assert_true(valid);
        }
        rows++;
        free(v);
    }
    fclose(f);
    free(path);
    assert_int_equal(rows, 89);
}

static void test_apk_strict_validity_matches_apk_tools(void **state)
{
    (void)state;
    char *path = tu_shared_path("versions/apk-valid.tsv");
    if (!path)
        tu_skip_no_shared("versions/apk-valid.tsv");
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[1024];
    int rows = 0;
    while (fgets(line, sizeof(line), f)) {
        if (line[0] == '#')
            continue;
        char *t1 = strchr(line, '\t');
        if (!t1)
            continue;
        *t1 = '\0';
        int want = atoi(t1 + 1);
        if (ivet_version_valid(IVET_VERECO_APK, line) != want)
            print_message("'%s': want valid=%d\n", line, want);
        assert_int_equal(ivet_version_valid(IVET_VERECO_APK, line), want);
        rows++;
    }
    fclose(f);
    free(path);
    assert_int_equal(rows, 31);
}

static void test_apk_rejects_versions_without_leading_digit(void **state)
{
    (void)state;
    assert_true(invalid("apk", ""));
    assert_true(invalid("apk", "a"));
    assert_true(invalid("apk", ".1"));
    assert_true(invalid("apk", "1 2"));
    assert_int_equal(cmp("apk", "1.2_rc1", "1.2"), -1);
    assert_int_equal(cmp("apk", "1.2_p1", "1.2-r9"), 1);
    assert_int_equal(cmp("apk", "1.0~abc-r1", "1.0~abc-r0"), 1);
}

static void test_deb_tilde_sorts_before_end(void **state)
{
    (void)state;
    assert_int_equal(cmp("deb", "1.0~rc1-1", "1.0-1"), -1);
    assert_int_equal(cmp("deb", "1:0.1", "2.0"), 1);
    assert_int_equal(cmp("dpkg", "1.0+deb10u1", "1.0"), 1);
    assert_true(invalid("deb", "1.0-"));
    assert_true(invalid("deb", "x:1.0"));
}

static void test_rpm_tilde_and_caret(void **state)
{
    (void)state;
    assert_int_equal(cmp("rpm", "1.0~rc1-1", "1.0-1"), -1);
    assert_int_equal(cmp("rpm", "1.0^git1-1", "1.0-1"), 1);
    assert_int_equal(cmp("rpm", "1.0^git1-1", "1.0.1-1"), -1);
    assert_int_equal(cmp("rpm", "1:1.0-1.el8", "2.0-1.el8"), 1);
    assert_true(invalid("rpm", ""));
}

static void test_semver_precedence_follows_the_spec(void **state)
{
    (void)state;
    /* semver.org §11 example chain */
    const char *chain[] = { "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                            "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "2.0.0",
                            "2.1.0", "2.1.1" };
    for (size_t i = 0; i + 1 < IVET_ARRAY_LEN(chain); i++) {
        assert_int_equal(cmp("semver", chain[i], chain[i + 1]), -1);
        assert_int_equal(cmp("semver", chain[i + 1], chain[i]), 1);
    }
    assert_int_equal(cmp("semver", "v1.2.3", "1.2.3"), 0);
    assert_int_equal(cmp("semver", "1.2.3+build.5", "1.2.3+other"), 0);
    assert_int_equal(cmp("semver", "1.10.0", "1.9.0"), 1);
    assert_true(invalid("semver", "1.2"));
    assert_true(invalid("semver", "01.2.3"));
    assert_true(invalid("semver", "1.2.3-01"));
    assert_true(invalid("semver", "1.2.3-"));
    assert_true(invalid("semver", "1.2.3+"));
    assert_true(invalid("semver", "1.2.3.4"));
}

static void test_pep440_ordering_and_normalisation(void **state)
{
    (void)state;
    /* PEP 440's own ordering example, plus local versions */
    const char *chain[] = { "1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12",
                            "1.0b1.dev456", "1.0b2", "1.0b2.post345.dev456", "1.0b2.post345",
                            "1.0rc1.dev456", "1.0rc1", "1.0", "1.0+abc.5", "1.0+abc.7",
                            "1.0+5", "1.0.post456.dev34", "1.0.post456", "1.1.dev1", "1!0.1" };
    for (size_t i = 0; i + 1 < IVET_ARRAY_LEN(chain); i++) {
        if (cmp("pep440", chain[i], chain[i + 1]) != -1)
            print_message("'%s' < '%s' failed\n", chain[i], chain[i + 1]);
        assert_int_equal(cmp("pep440", chain[i], chain[i + 1]), -1);
    }
    assert_int_equal(cmp("pypi", "1.0", "1.0.0"), 0);
    assert_int_equal(cmp("pypi", "v1.0", "1.0"), 0);
    assert_int_equal(cmp("pypi", "1.0ALPHA1", "1.0a1"), 0);
    assert_int_equal(cmp("pypi", "1.0-beta.2", "1.0b2"), 0);
    assert_int_equal(cmp("pypi", "1.0c1", "1.0rc1"), 0);
    assert_int_equal(cmp("pypi", "1.0-1", "1.0.post1"), 0);
    assert_int_equal(cmp("pypi", "1.0.rev1", "1.0.post1"), 0);
    assert_int_equal(cmp("pypi", "1.0a", "1.0a0"), 0);
    assert_int_equal(cmp("pypi", "1.0+Ubuntu-1", "1.0+ubuntu.1"), 0);
    assert_true(invalid("pypi", "1.0+"));
    assert_true(invalid("pypi", "one"));
    assert_true(invalid("pypi", "1.0-"));
    assert_true(invalid("pypi", "1.0+a..b"));
}

static void test_go_pseudo_versions_and_incompatible(void **state)
{
    (void)state;
    assert_int_equal(cmp("go", "v0.0.0-20191109021931-daa7c04131f5", "v0.0.1"), -1);
    assert_int_equal(cmp("go", "v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.3"), 1);
    assert_int_equal(cmp("go", "v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4"), -1);
    assert_int_equal(cmp("go", "v0.0.0-20191109021931-daa7c04131f5",
                         "v0.0.0-20200101000000-aaaaaaaaaaaa"), -1);
    assert_int_equal(cmp("go", "v2.0.0+incompatible", "v2.0.0"), 0);
    assert_int_equal(cmp("go", "v2.1.0+incompatible", "v2.0.9"), 1);
    assert_int_equal(cmp("go", "1.18.1", "v1.18.1"), 0);
    assert_int_equal(cmp("go", "v1.2", "v1.2.0"), 0);
    assert_true(invalid("go", "v1.2-pre"));
    assert_true(invalid("go", "latest"));
}

static void test_maven_qualifier_order(void **state)
{
    (void)state;
    const char *chain[] = { "1-alpha-1", "1-alpha-2", "1-beta", "1-milestone-1", "1-rc-1",
                            "1-snapshot", "1", "1-sp", "1-sp-1", "1-xyz", "1-1", "1.1" };
    for (size_t i = 0; i + 1 < IVET_ARRAY_LEN(chain); i++) {
        if (cmp("maven", chain[i], chain[i + 1]) != -1)
            print_message("'%s' < '%s' failed\n", chain[i], chain[i + 1]);
        assert_int_equal(cmp("maven", chain[i], chain[i + 1]), -1);
    }
    assert_int_equal(cmp("maven", "1.0", "1"), 0);
    assert_int_equal(cmp("maven", "1.0.0-ga", "1"), 0);
    assert_int_equal(cmp("maven", "1-final", "1"), 0);
    assert_int_equal(cmp("maven", "1-cr1", "1-rc1"), 0);
    assert_int_equal(cmp("maven", "1a1", "1-alpha-1"), 0);
    assert_int_equal(cmp("maven", "1.0-alpha", "1-alpha"), 0);
    assert_int_equal(cmp("maven", "1.0-RC1", "1.0-rc1"), 0);
    assert_int_equal(cmp("maven", "2.0.0.RELEASE", "2.0.0"), 0);
    assert_int_equal(cmp("maven", "1.0-SNAPSHOT", "1.0"), -1);
    assert_int_equal(cmp("maven", "2.17.1", "2.17.0"), 1);
    assert_int_equal(cmp("maven", "2.9.10.8", "2.10.0"), -1);
    assert_true(invalid("maven", ""));
    /* every '-' opens a list: the longest version must still fit */
    char dashes[IVET_VERSION_MAX + 1];
    memset(dashes, '-', IVET_VERSION_MAX);
    dashes[IVET_VERSION_MAX] = '\0';
    assert_int_equal(cmp("maven", dashes, "1"), -1);
    for (int i = 0; i < IVET_VERSION_MAX; i += 2)
        dashes[i] = '1';
    assert_int_equal(cmp("maven", dashes, "1"), 1);
}

static void test_unknown_ecosystem_is_usage_error(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    int r;
    assert_int_equal(ivet_vercmp("cobol", "1", "2", &r, &err), -IVET_E_USAGE);
    assert_non_null(strstr(err.msg, "cobol"));
    ivet_err_release(&err);
    assert_int_equal(ivet_vercmp("deb", "1.0", "1.0-", &r, &err), -IVET_E_FORMAT);
    assert_string_equal(err.msg, "invalid deb version '1.0-'");
    ivet_err_release(&err);
    char big[IVET_VERSION_MAX + 2];
    memset(big, '1', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_true(invalid("deb", big));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apk_agrees_with_apk_tools_and_osv_scalibr_vectors),
        cmocka_unit_test(test_dpkg_agrees_with_dpkg_apt_and_python_debian_vectors),
        cmocka_unit_test(test_rpm_agrees_with_rpmvercmp_and_evr_vectors),
        cmocka_unit_test(test_dpkg_rejects_what_parseversion_rejects),
        cmocka_unit_test(test_apk_strict_validity_matches_apk_tools),
        cmocka_unit_test(test_apk_rejects_versions_without_leading_digit),
        cmocka_unit_test(test_deb_tilde_sorts_before_end),
        cmocka_unit_test(test_rpm_tilde_and_caret),
        cmocka_unit_test(test_semver_precedence_follows_the_spec),
        cmocka_unit_test(test_pep440_ordering_and_normalisation),
        cmocka_unit_test(test_go_pseudo_versions_and_incompatible),
        cmocka_unit_test(test_maven_qualifier_order),
        cmocka_unit_test(test_unknown_ecosystem_is_usage_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
