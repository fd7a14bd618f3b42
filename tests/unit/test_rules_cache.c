/* test_rules_cache.c: compiled rule databases are reused from the on-disk
 * cache, give the same hits as a fresh compile, and a damaged cache entry
 * falls back to compiling. */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/rules.h"

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/ivet-test-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    char p[256];
    snprintf(p, sizeof(p), "%s/rules", tmpdir);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/rules/t.rules", tmpdir);
    FILE *f = fopen(p, "w");
    fputs("[TEST-CACHE-STRATUM]\nseverity = high\ntitle = t\npattern = stratum\\+tcp://[a-z.]+\n"
          "remediation = r\n\n[TEST-CACHE-SCOPED]\nseverity = low\ntitle = s\npattern = hello\n"
          "paths = ^/etc/\nremediation = r\n", f);
    fclose(f);
    snprintf(p, sizeof(p), "%s/cache", tmpdir);
    setenv("XDG_CACHE_HOME", p, 1);
    unsetenv("IMAGEVET_NO_RULE_CACHE");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tu_rm_rf(tmpdir);
    return 0;
}

static int count_hits(void *arg, const struct ivet_rule_hit *h, struct ivet_err *err)
{
    (void)h;
    (void)err;
    (*(int *)arg)++;
    return 0;
}

static int hits(const char *path, const char *text)
{
    char dir[256];
    snprintf(dir, sizeof(dir), "%s/rules", tmpdir);
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_ruleset *rs = NULL;
    if (ivet_rules_load(dir, NULL, &rs, &err) < 0)
        fail_msg("load: %s", ivet_err_msg(&err));
    int n = 0;
    assert_int_equal(ivet_rules_scan_buffer(rs, path, text, strlen(text), 0, count_hits, &n, &err), 0);
    ivet_rules_free(rs);
    return n;
}

static size_t cache_files(char names[][512], size_t max)
{
    char d[256];
    snprintf(d, sizeof(d), "%s/cache/imagevet/rules", tmpdir);
    DIR *dir = opendir(d);
    size_t n = 0;
    struct dirent *de;
    while (dir && (de = readdir(dir)))
        if (strstr(de->d_name, ".hsdb") && n < max)
            snprintf(names[n++], 512, "%s/%s", d, de->d_name);
    if (dir)
        closedir(dir);
    return n;
}

static void test_second_load_uses_the_cache_with_the_same_hits(void **state)
{
    (void)state;
    char names[8][512];
    assert_int_equal(cache_files(names, 8), 0);
    assert_int_equal(hits("/etc/x", "hello stratum+tcp://pool.example"), 2);
    size_t n = cache_files(names, 8);
    assert_int_equal(n, 3);             /* two stream databases and the path filters */
    struct stat before;
    assert_int_equal(stat(names[0], &before), 0);
    assert_int_equal(hits("/etc/x", "hello stratum+tcp://pool.example"), 2);
    assert_int_equal(hits("/usr/x", "hello stratum+tcp://pool.example"), 1);   /* path scope kept */
    assert_int_equal(cache_files(names, 8), 3);
    struct stat after;
    assert_int_equal(stat(names[0], &after), 0);
    assert_int_equal(before.st_ino, after.st_ino);      /* read, not rewritten (a rewrite renames a new file in) */
}

static void test_damaged_cache_falls_back_to_compiling(void **state)
{
    (void)state;
    char names[8][512];
    size_t n = cache_files(names, 8);
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        FILE *f = fopen(names[i], "r+b");
        assert_non_null(f);
        fseek(f, 100, SEEK_SET);
        fputs("garbage garbage garbage", f);
        fclose(f);
    }
    assert_int_equal(hits("/etc/x", "hello stratum+tcp://pool.example"), 2);
    setenv("IMAGEVET_NO_RULE_CACHE", "1", 1);
    assert_int_equal(hits("/etc/x", "stratum+tcp://a.b"), 1);
    unsetenv("IMAGEVET_NO_RULE_CACHE");
}

/* --cache-dir reaches the rules cache: databases go to <dir>/rules. */
static void test_explicit_cache_dir_is_used(void **state)
{
    (void)state;
    char dir[256], cache[256], p[300];
    snprintf(dir, sizeof(dir), "%s/rules", tmpdir);
    snprintf(cache, sizeof(cache), "%s/explicit/deeper", tmpdir);
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_ruleset *rs = NULL;
    if (ivet_rules_load(dir, cache, &rs, &err) < 0)
        fail_msg("load: %s", ivet_err_msg(&err));
    ivet_rules_free(rs);
    snprintf(p, sizeof(p), "%s/rules", cache);
    DIR *d = opendir(p);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        n += strstr(de->d_name, ".hsdb") != NULL;
    closedir(d);
    assert_int_equal(n, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_second_load_uses_the_cache_with_the_same_hits),
        cmocka_unit_test(test_damaged_cache_falls_back_to_compiling),
        cmocka_unit_test(test_explicit_cache_dir_is_used),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
