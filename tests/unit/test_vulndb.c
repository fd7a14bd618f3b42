/* test_vulndb.c: the store, the importers, CVSS scoring, range evaluation,
 * merging and precedence of advisories, and the .imagevetignore rules. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/vulns.h"
#include "vulndb/jsonpull.h"
#include "vulndb/match.h"

static char dir[64];
static char *dbpath;

static struct ivet_vulndb *fresh_db(void)
{
    snprintf(dir, sizeof(dir), "/tmp/ivet-vulndb-XXXXXX");
    assert_non_null(mkdtemp(dir));
    ivet_free(dbpath);
    dbpath = ivet_asprintf("%s/sub/dir/db.sqlite", dir);   /* parents are created */
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_vulndb *db = ivet_vulndb_open(dbpath, IVET_VULNDB_WRITE, &err);
    if (!db)
        print_message("%s\n", ivet_err_msg(&err));
    assert_non_null(db);
    return db;
}

static void drop_db(struct ivet_vulndb *db)
{
    ivet_vulndb_close(db);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static char *write_tmp(const char *name, const char *text)
{
    char *p = ivet_asprintf("%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return p;
}

/* "ID fixed;ID fixed" for one package */
static char *ids(struct ivet_vulndb *db, const char *type, const char *name, const char *ver,
                 const char *src, const char *os, const char *osver)
{
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_match_key k;
    assert_int_equal(ivet_match_key_make(&k, type, name, ver, src, NULL, os, osver, &err), 1);
    struct ivet_match *m;
    size_t n;
    assert_int_equal(ivet_vulndb_match(db, &k, &m, &n, NULL, &err), 0);
    struct ivet_buf b;
    ivet_buf_init(&b, 1 << 16);
    ivet_buf_puts(&b, "", &err);
    for (size_t i = 0; i < n; i++)
        ivet_buf_printf(&b, &err, "%s%s %s", i ? ";" : "", m[i].id, m[i].fixed ? m[i].fixed : "-");
    ivet_matches_free(m, n);
    ivet_match_key_release(&k);
    return ivet_buf_detach(&b);
}

#define ASSERT_IDS(db, want, ...)                                                \
    do {                                                                         \
        char *got_ = ids(db, __VA_ARGS__);                                       \
        if (strcmp(got_, want) != 0)                                             \
            print_message("want '%s' got '%s'\n", want, got_);                  \
        assert_string_equal(got_, want);                                         \
        ivet_free(got_);                                                         \
    } while (0)

static void test_cvss31_base_scores(void **state)
{
    (void)state;
    /* scores as published by NVD / the CVSS v3.1 specification's examples */
    assert_true(ivet_cvss3_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") == 9.8);
    assert_true(ivet_cvss3_score("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H") == 7.4);
    assert_true(ivet_cvss3_score("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H") == 6.5);
    assert_true(ivet_cvss3_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N") == 6.1);
    assert_true(ivet_cvss3_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H") == 10.0);
    assert_true(ivet_cvss3_score("CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H") == 7.8);
    assert_true(ivet_cvss3_score("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N") == 0.0);
    /* temporal metrics are ignored, base metrics are required */
    assert_true(ivet_cvss3_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P") == 9.8);
    assert_true(ivet_cvss3_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H") < 0);
    assert_true(ivet_cvss3_score("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") < 0);
    assert_true(ivet_cvss3_score("CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") < 0);
    assert_true(ivet_cvss3_score("AV:N/AC:L/Au:N/C:P/I:P/A:P") < 0);       /* v2 */
    assert_true(ivet_cvss3_score(NULL) < 0);
    assert_string_equal(ivet_cvss_severity(9.8), "critical");
    assert_string_equal(ivet_cvss_severity(7.0), "high");
    assert_string_equal(ivet_cvss_severity(6.9), "medium");
    assert_string_equal(ivet_cvss_severity(0.1), "low");
}

static void test_range_evaluation_follows_osv_semantics(void **state)
{
    (void)state;
    char scratch[256];
    const char *fix;
    const char *ev = "introduced=0|fixed=1.18.6|introduced=1.19.0-0|fixed=1.19.1";
    assert_int_equal(ivet_range_affects(IVET_VERECO_GO, ev, "1.18.1", scratch, &fix), 1);
    assert_string_equal(fix, "1.18.6");
    assert_int_equal(ivet_range_affects(IVET_VERECO_GO, ev, "1.18.6", scratch, &fix), 0);
    assert_int_equal(ivet_range_affects(IVET_VERECO_GO, ev, "1.19.0", scratch, &fix), 1);
    assert_string_equal(fix, "1.19.1");
    assert_int_equal(ivet_range_affects(IVET_VERECO_GO, ev, "1.20.0", scratch, &fix), 0);
    ev = "introduced=1.0.0|last_affected=1.4.0";
    assert_int_equal(ivet_range_affects(IVET_VERECO_SEMVER, ev, "1.4.0", scratch, &fix), 1);
    assert_null(fix);
    assert_int_equal(ivet_range_affects(IVET_VERECO_SEMVER, "introduced=1.0.0|last_affected=1.4.0",
                                        "1.4.1", scratch, &fix), 0);
    assert_int_equal(ivet_range_affects(IVET_VERECO_SEMVER, "introduced=0|limit=2.0.0", "2.0.0",
                                        scratch, &fix), 0);
    assert_int_equal(ivet_range_affects(IVET_VERECO_SEMVER, "introduced=0|limit=2.0.0", "1.9.9",
                                        scratch, &fix), 1);
    assert_int_equal(ivet_range_affects(IVET_VERECO_SEMVER, "introduced=0", "not-a-version",
                                        scratch, &fix), -1);
}

static void test_osv_records_match_language_packages(void **state)
{
    (void)state;
    char *osv = tu_shared_path("vulndb/osv");
    if (!osv)
        tu_skip_no_shared("vulndb/osv");
    struct ivet_vulndb *db = fresh_db();
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_vulndb_stats st = { 0 };
    assert_int_equal(ivet_vulndb_import(db, osv, NULL, &st, &err), 0);
    assert_int_equal(st.records, 13);
    /* PyPI: name normalisation and PEP 440 */
    ASSERT_IDS(db, "CVE-2019-10906 2.10.1", "pypi", "Jinja2", "2.10", NULL, NULL, NULL);
    ASSERT_IDS(db, "", "pypi", "jinja2", "2.10.1", NULL, NULL, NULL);
    ASSERT_IDS(db, "CVE-2023-32681 2.31.0", "pypi", "requests", "2.28.0", NULL, NULL, NULL);
    ASSERT_IDS(db, "", "pypi", "requests", "2.2.1", NULL, NULL, NULL);     /* before introduced */
    /* npm */
    ASSERT_IDS(db, "CVE-2020-8203 4.17.20", "npm", "lodash", "4.17.15", NULL, NULL, NULL);
    ASSERT_IDS(db, "", "npm", "lodash", "4.17.21", NULL, NULL, NULL);
    /* Go: SEMVER ranges without the v prefix, both ranges of one record */
    ASSERT_IDS(db, "CVE-2022-27664 1.18.6;CVE-2023-39325 1.20.10", "golang", "stdlib", "v1.18.1",
               NULL, NULL, NULL);
    ASSERT_IDS(db, "CVE-2023-39325 1.21.3", "golang", "stdlib", "1.21.1", NULL, NULL, NULL);
    ASSERT_IDS(db, "CVE-2021-38561 0.3.7", "golang", "golang.org/x/text", "v0.3.6", NULL, NULL,
               NULL);
    /* Maven */
    ASSERT_IDS(db, "CVE-2022-25857 1.31;CVE-2022-38751 1.31", "maven", "org.yaml:snakeyaml",
               "1.30", NULL, NULL, NULL);
    ASSERT_IDS(db, "", "maven", "org.yaml:snakeyaml", "1.33", NULL, NULL, NULL);
    /* Debian OSV records: no fix yet */
    ASSERT_IDS(db, "CVE-2024-1013 -", "deb", "unixodbc", "2.3.6-0.1", "unixodbc", "debian", "10");
    /* severity and score come from the record */
    struct ivet_match_key k;
    struct ivet_match *m;
    size_t n;
    assert_int_equal(ivet_match_key_make(&k, "npm", "lodash", "4.17.0", NULL, NULL, NULL, NULL,
                                         &err), 1);
    assert_int_equal(ivet_vulndb_match(db, &k, &m, &n, NULL, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(m[0].severity, "high");
    assert_true(m[0].cvss == 7.4);
    assert_string_equal(m[0].aliases, "GHSA-p6mc-m468-83gw");
    assert_string_equal(m[0].source, "osv");
    ivet_matches_free(m, n);
    ivet_match_key_release(&k);
    /* re-importing replaces instead of duplicating */
    assert_int_equal(ivet_vulndb_import(db, osv, NULL, NULL, &err), 0);
    ASSERT_IDS(db, "CVE-2020-8203 4.17.20", "npm", "lodash", "4.17.15", NULL, NULL, NULL);
    drop_db(db);
    free(osv);
}

static void test_distro_fix_wins_over_osv_ranges(void **state)
{
    (void)state;
    struct ivet_vulndb *db = fresh_db();
    struct ivet_err err = IVET_ERR_INIT;
    /* OSV says every 1.x before 1.2 is affected; Debian's tracker records
     * the backported fix 1.0-1+deb12u1 for bookworm. */
    char *osv = write_tmp("osv.json",
        "{\"id\":\"DEBIAN-CVE-2099-0001\",\"modified\":\"2099-01-01T00:00:00Z\","
        "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"libfoo\"},"
        "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1.2-1\"}]}]}],"
        "\"severity\":[{\"type\":\"CVSS_V3\",\"score\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}]}");
    char *trk = write_tmp("tracker.json",
        "{\"libfoo\":{\"CVE-2099-0001\":{\"description\":\"x\",\"releases\":{"
        "\"bookworm\":{\"status\":\"resolved\",\"fixed_version\":\"1.0-1+deb12u1\",\"urgency\":\"medium\"},"
        "\"bullseye\":{\"status\":\"open\",\"urgency\":\"low\"},"
        "\"buster\":{\"status\":\"resolved\",\"fixed_version\":\"0\",\"urgency\":\"unimportant\"}}},"
        "\"TEMP-0000000-ABCDEF\":{\"releases\":{\"bookworm\":{\"status\":\"open\"}}}}}");
    assert_int_equal(ivet_vulndb_import(db, osv, NULL, NULL, &err), 0);
    ASSERT_IDS(db, "CVE-2099-0001 1.2-1", "deb", "libfoo1", "1.0-1+deb12u1", "libfoo", "debian", "12.4");
    assert_int_equal(ivet_vulndb_import(db, trk, NULL, NULL, &err), 0);
    ASSERT_IDS(db, "", "deb", "libfoo1", "1.0-1+deb12u1", "libfoo", "debian", "12.4");
    ASSERT_IDS(db, "CVE-2099-0001 1.0-1+deb12u1", "deb", "libfoo1", "1.0-1", "libfoo", "debian", "12");
    ASSERT_IDS(db, "CVE-2099-0001 -", "deb", "libfoo1", "9.9-1", "libfoo", "debian", "11");
    ASSERT_IDS(db, "", "deb", "libfoo1", "1.0-1", "libfoo", "debian", "10");   /* fixed "0" */
    /* the tracker's urgency is the severity; the score comes from OSV's vector */
    struct ivet_match_key k;
    struct ivet_match *m;
    size_t n;
    assert_int_equal(ivet_match_key_make(&k, "deb", "libfoo1", "1.0-1", "libfoo", NULL, "debian",
                                         "12", &err), 1);
    assert_int_equal(ivet_vulndb_match(db, &k, &m, &n, NULL, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(m[0].severity, "medium");
    assert_string_equal(m[0].source, "debian-tracker");
    assert_string_equal(m[0].status, "fixed");
    ivet_matches_free(m, n);
    ivet_match_key_release(&k);
    /* status: the sources table knows both */
    struct ivet_vulndb_source *src;
    assert_int_equal(ivet_vulndb_sources(db, &src, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(src[0].name, "debian-tracker");
    assert_int_equal(src[0].records, 1);                /* the TEMP- entry is skipped */
    assert_string_equal(src[1].name, "osv");
    ivet_vulndb_sources_free(src, n);
    ivet_free(osv);
    ivet_free(trk);
    drop_db(db);
}

static void test_secdb_zero_means_never_affected(void **state)
{
    (void)state;
    struct ivet_vulndb *db = fresh_db();
    struct ivet_err err = IVET_ERR_INIT;
    char *f = write_tmp("main.json",
        "{\"distroversion\":\"v3.20\",\"reponame\":\"main\",\"packages\":[{\"pkg\":{\"name\":\"zlib\","
        "\"secfixes\":{\"0\":[\"CVE-2023-45853\"],\"1.2.12-r2\":[\"CVE-2022-37434 CVE-2022-0000\"]}}}]}");
    assert_int_equal(ivet_vulndb_import(db, f, NULL, NULL, &err), 0);
    ASSERT_IDS(db, "CVE-2022-0000 1.2.12-r2;CVE-2022-37434 1.2.12-r2", "apk", "zlib", "1.2.12-r1",
               "zlib", "alpine", "3.20.3");
    ASSERT_IDS(db, "", "apk", "zlib", "1.2.12-r2", "zlib", "alpine", "3.20.3");
    /* a full secdb file replaces what the source had */
    ivet_free(f);
    f = write_tmp("main.json",
        "{\"distroversion\":\"v3.20\",\"reponame\":\"main\",\"packages\":[]}");
    assert_int_equal(ivet_vulndb_import(db, f, NULL, NULL, &err), 0);
    ASSERT_IDS(db, "", "apk", "zlib", "1.2.12-r1", "zlib", "alpine", "3.20.3");
    ivet_free(f);
    drop_db(db);
}

static void test_import_errors_name_the_file_and_keep_nothing(void **state)
{
    (void)state;
    struct ivet_vulndb *db = fresh_db();
    struct ivet_err err = IVET_ERR_INIT;
    char *bad = write_tmp("bad.json", "{\"id\": \"X-1\", \"affected\": [");
    assert_int_equal(ivet_vulndb_import(db, bad, NULL, NULL, &err), -IVET_E_FORMAT);
    assert_non_null(strstr(err.msg, "bad.json"));
    ivet_err_release(&err);
    char *odd = write_tmp("odd.json", "[1, 2, 3]");
    struct ivet_vulndb_stats st = { 0 };
    assert_int_equal(ivet_vulndb_import(db, odd, NULL, &st, &err), 0);
    assert_int_equal(st.skipped, 3);
    char *other = write_tmp("other.json", "{\"hello\": \"world\"}");
    assert_int_equal(ivet_vulndb_import(db, other, NULL, NULL, &err), -IVET_E_FORMAT);
    ivet_err_release(&err);
    char *zip = write_tmp("PyPI.zip", "this is not a zip");
    assert_int_equal(ivet_vulndb_import(db, zip, NULL, NULL, &err), -IVET_E_FORMAT);
    assert_non_null(strstr(err.msg, "PyPI.zip"));
    ivet_err_release(&err);
    assert_int_equal(ivet_vulndb_import(db, "/nonexistent/x.json", NULL, NULL, &err),
                     -IVET_E_NOTFOUND);
    ivet_err_release(&err);
    int64_t adv = -1, aff = -1, newest = -1;
    assert_int_equal(ivet_vulndb_counts(db, &adv, &aff, &newest, &err), 0);
    assert_int_equal(adv, 0);
    assert_int_equal(aff, 0);
    ivet_free(bad);
    ivet_free(odd);
    ivet_free(other);
    ivet_free(zip);
    /* read-only handles refuse writes; a missing database is NOTFOUND */
    struct ivet_vulndb *ro = ivet_vulndb_open(dbpath, IVET_VULNDB_READ, &err);
    assert_non_null(ro);
    assert_int_equal(ivet_store_begin(ro, &err), -IVET_E_USAGE);
    ivet_err_release(&err);
    ivet_vulndb_close(ro);
    assert_null(ivet_vulndb_open("/nonexistent/db.sqlite", IVET_VULNDB_READ, &err));
    assert_int_equal(err.code, IVET_E_NOTFOUND);
    ivet_err_release(&err);
    /* a file that is not our database */
    char *junk = write_tmp("junk.sqlite", "");
    assert_null(ivet_vulndb_open(junk, IVET_VULNDB_READ, &err));
    assert_int_equal(err.code, IVET_E_FORMAT);
    ivet_err_release(&err);
    ivet_free(junk);
    drop_db(db);
}

static void test_ignore_rules_with_expiry_and_package(void **state)
{
    (void)state;
    struct ivet_ignore ig = { 0 };
    struct ivet_err err = IVET_ERR_INIT;
    const char *text = "# accepted risks\n"
                       "CVE-2023-0001\n"
                       "CVE-2023-0002 exp:2026-12-31   # until the vendor ships\n"
                       "\n"
                       "GHSA-aaaa-bbbb-cccc pkg:lodash\n";
    assert_int_equal(ivet_ignore_parse(&ig, text, strlen(text), ".imagevetignore", &err), 0);
    assert_int_equal(ig.n, 3);
    const struct ivet_ignore_rule *exp;
    assert_non_null(ivet_ignore_find(&ig, "CVE-2023-0001", NULL, "x", "2030-01-01", &exp));
    assert_non_null(ivet_ignore_find(&ig, "CVE-2023-0002", NULL, "x", "2026-12-31", &exp));
    assert_null(ivet_ignore_find(&ig, "CVE-2023-0002", NULL, "x", "2027-01-01", &exp));
    assert_non_null(exp);
    assert_int_equal(exp->line, 3);
    /* by alias, and only for the named package */
    assert_non_null(ivet_ignore_find(&ig, "CVE-2020-1", "PYSEC-1,GHSA-aaaa-bbbb-cccc", "lodash",
                                     "2026-01-01", &exp));
    assert_null(ivet_ignore_find(&ig, "CVE-2020-1", "GHSA-aaaa-bbbb-cccc", "lodash-es",
                                 "2026-01-01", &exp));
    assert_null(exp);
    ivet_ignore_release(&ig);
    const char *bad = "CVE-1\nCVE-2 exp:2026-13-01\n";
    assert_int_equal(ivet_ignore_parse(&ig, bad, strlen(bad), "f", &err), -IVET_E_FORMAT);
    assert_string_equal(err.msg, "'f' line 2: expiry 'exp:2026-13-01' is not exp:YYYY-MM-DD");
    ivet_err_release(&err);
    ivet_ignore_release(&ig);
    bad = "CVE-3 until:2026-01-01\n";
    assert_int_equal(ivet_ignore_parse(&ig, bad, strlen(bad), "f", &err), -IVET_E_FORMAT);
    ivet_err_release(&err);
    ivet_ignore_release(&ig);
    assert_int_equal(ivet_ignore_load(&ig, "/nonexistent/.imagevetignore", &err), -IVET_E_NOTFOUND);
    ivet_err_release(&err);
}

struct sink_rec {
    char lines[2048];
};

static int sink(void *arg, const struct ivet_package *p, const struct ivet_match *m,
                enum ivet_severity sev, struct ivet_err *err)
{
    (void)err;
    struct sink_rec *s = arg;
    size_t l = strlen(s->lines);
    snprintf(s->lines + l, sizeof(s->lines) - l, "%s %s %s %d\n", p->name, p->version, m->id, (int)sev);
    return 0;
}

static void test_package_loop_applies_ignores_and_counts_unsupported(void **state)
{
    (void)state;
    char *osv = tu_shared_path("vulndb/osv");
    if (!osv)
        tu_skip_no_shared("vulndb/osv");
    struct ivet_vulndb *db = fresh_db();
    struct ivet_err err = IVET_ERR_INIT;
    assert_int_equal(ivet_vulndb_import(db, osv, NULL, NULL, &err), 0);
    struct ivet_package pkgs[] = {
        { .type = "npm", .name = "lodash", .version = "4.17.15" },
        { .type = "pypi", .name = "Jinja2", .version = "2.10" },
        { .type = "rpm", .name = "bash", .version = "5.1-1.el9" },
        { .type = "npm", .name = "left-pad", .version = "1.0.0" },
    };
    struct ivet_ignore ig = { 0 };
    const char *rules = "GHSA-462w-v97r-4m45 exp:2000-01-01\nCVE-2020-8203 pkg:lodash\n";
    assert_int_equal(ivet_ignore_parse(&ig, rules, strlen(rules), "ig", &err), 0);
    struct sink_rec rec = { "" };
    struct ivet_vulns_stats st = { 0 };
    assert_int_equal(ivet_vulns_match_packages(db, pkgs, 4, "rhel", "9.3", &ig, "2026-11-27",
                                               sink, &rec, &st, &err), 0);
    assert_string_equal(rec.lines, "Jinja2 2.10 CVE-2019-10906 2\n");   /* unrated: medium */
    assert_int_equal(st.ignored, 1);
    assert_int_equal(st.expired, 1);
    assert_int_equal(st.unsupported, 1);
    assert_int_equal(st.packages, 3);
    ivet_ignore_release(&ig);
    drop_db(db);
    free(osv);
}

/* Walks any JSON with the pull reader; returns "ok" or the error text. */
static const char *pull_walk(const char *text, char *msg, size_t n)
{
    struct ivet_jp jp;
    ivet_jp_init(&jp, text, strlen(text));
    ivet_jp_skip(&jp);
    bool ok = ivet_jp_finish(&jp);
    snprintf(msg, n, "%s", ok ? "ok" : ivet_jp_error(&jp));
    ivet_jp_release(&jp);
    return msg;
}

static void test_pull_reader_is_strict_json(void **state)
{
    (void)state;
    char m[128];
    assert_string_equal(pull_walk("{\"a\": [1, -2.5e3, true, false, null, \"x\\u00e9\"], \"b\": {}}", m, sizeof(m)), "ok");
    assert_string_equal(pull_walk("[1, 2,]", m, sizeof(m)), "expected a value at byte 6");
    assert_string_equal(pull_walk("{\"a\" 1}", m, sizeof(m)), "expected ':' at byte 5");
    assert_string_equal(pull_walk("{\"a\": 1,}", m, sizeof(m)), "expected a member name at byte 8");
    assert_string_equal(pull_walk("[01]", m, sizeof(m)), "bad number at byte 3");
    assert_string_equal(pull_walk("\"ab\\q\"", m, sizeof(m)), "bad escape at byte 5");
    assert_string_equal(pull_walk("\"a\nb\"", m, sizeof(m)), "control character in string at byte 2");
    assert_string_equal(pull_walk("[1] 2", m, sizeof(m)), "trailing data at byte 4");
    assert_string_equal(pull_walk("[[[", m, sizeof(m)), "expected a value at byte 3");
    char deep[200];
    memset(deep, '[', 100);
    deep[100] = '\0';
    assert_string_equal(pull_walk(deep, m, sizeof(m)), "nesting too deep at byte 64");
    /* escapes: a surrogate pair becomes one UTF-8 character, NUL is replaced */
    struct ivet_jp jp;
    const char *t = "[\"\\ud83d\\ude00\\u0000\\/\"]";
    ivet_jp_init(&jp, t, strlen(t));
    assert_true(ivet_jp_arr_begin(&jp));
    assert_true(ivet_jp_arr_next(&jp));
    size_t n;
    const char *s = ivet_jp_string(&jp, &n);
    assert_string_equal(s, "\xf0\x9f\x98\x80\xef\xbf\xbd/");
    assert_false(ivet_jp_arr_next(&jp));
    assert_true(ivet_jp_finish(&jp));
    ivet_jp_release(&jp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cvss31_base_scores),
        cmocka_unit_test(test_pull_reader_is_strict_json),
        cmocka_unit_test(test_range_evaluation_follows_osv_semantics),
        cmocka_unit_test(test_osv_records_match_language_packages),
        cmocka_unit_test(test_distro_fix_wins_over_osv_ranges),
        cmocka_unit_test(test_secdb_zero_means_never_affected),
        cmocka_unit_test(test_import_errors_name_the_file_and_keep_nothing),
        cmocka_unit_test(test_ignore_rules_with_expiry_and_package),
        cmocka_unit_test(test_package_loop_applies_ignores_and_counts_unsupported),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    ivet_free(dbpath);
    return rc;
}
