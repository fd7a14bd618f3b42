/* test_vulns_scan.c: whole scans with vulnerability matching: the real
 * Alpine 3.18.9 minirootfs as a one-layer OCI image, inventoried by the
 * inventory analyzer and matched against the shared v3.18 secdb data; ignore
 * rules, a missing and a stale database, and --severity-fail. */
#include "testutil.h"

#include <archive.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/vulns.h"
#include "imagevet/scan.h"
#include "report/report.h"

static char *layout, *tmpdir, *dbpath;

/* The tarball's uncompressed bytes (for the layer's diff_id). */
static uint8_t *gunzip_all(const uint8_t *gz, size_t len, size_t *out_len)
{
    struct archive *a = archive_read_new();
    archive_read_support_filter_gzip(a);
    archive_read_support_format_raw(a);
    assert_int_equal(archive_read_open_memory(a, gz, len), ARCHIVE_OK);
    struct archive_entry *e;
    assert_int_equal(archive_read_next_header(a, &e), ARCHIVE_OK);
    size_t cap = 1 << 20, n = 0;
    uint8_t *buf = malloc(cap);
    la_ssize_t r;
    while ((r = archive_read_data(a, buf + n, cap - n)) > 0) {
        n += (size_t)r;
        if (n == cap)
            buf = realloc(buf, cap *= 2);
    }
    assert_true(r == 0);
    archive_read_free(a);
    *out_len = n;
    return buf;
}

static const char openssl_supplement[] =
    "{\"name\":\"openssl\",\"distroversion\":\"v3.18\",\"reponame\":\"main\","
    "\"secfixes\":{\"3.1.7-r1\":[\"CVE-2024-9143\"],\"3.1.8-r0\":[\"CVE-2024-13176\"]}}";

static int setup(void **state)
{
    (void)state;
    char *tarball = tu_shared_path("rootfs/alpine-minirootfs-3.18.9-x86_64.tar.gz");
    char *slices = tu_shared_path("vulndb/alpine-secdb-3.18-main-slices");
    if (!tarball || !slices) {
        free(tarball);
        free(slices);
        return 0;                           /* each test skips */
    }
    size_t gzlen, tarlen;
    char *gz = tu_read_file(tarball, &gzlen);
    uint8_t *tar = gunzip_all((const uint8_t *)gz, gzlen, &tarlen);
    struct tu_layer l = { (const uint8_t *)gz, gzlen, "application/vnd.oci.image.layer.v1.tar+gzip",
                          tar, tarlen };
    layout = tu_oci_layout("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"User\":\"1000\","
                           "\"Cmd\":[\"/bin/sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":null}}",
                           &l, 1);
    free(gz);
    free(tar);
    char t[] = "/tmp/ivet-vscan-XXXXXX";
    assert_non_null(mkdtemp(t));
    tmpdir = strdup(t);
    dbpath = ivet_asprintf("%s/vulndb.sqlite", tmpdir);
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_vulndb *db = ivet_vulndb_open(dbpath, IVET_VULNDB_WRITE, &err);
    assert_non_null(db);
    assert_int_equal(ivet_vulndb_import(db, slices, NULL, NULL, &err), 0);
    char *sup = ivet_asprintf("%s/openssl.json", tmpdir);
    FILE *f = fopen(sup, "w");
    fputs(openssl_supplement, f);
    fclose(f);
    assert_int_equal(ivet_vulndb_import(db, sup, NULL, NULL, &err), 0);
    ivet_vulndb_close(db);
    ivet_free(sup);
    free(tarball);
    free(slices);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (layout)
        tu_rm_rf(layout);
    if (tmpdir)
        tu_rm_rf(tmpdir);
    free(layout);
    free(tmpdir);
    ivet_free(dbpath);
    return 0;
}

static struct ivet_report *scan(struct ivet_scan_opts *o, struct ivet_err *err)
{
    char img[4200];
    snprintf(img, sizeof(img), "oci:%s", layout);
    o->image = img;
    o->offline = true;
    o->threads = 1;
    return ivet_scan(o, err);
}

static int vulns_text(const struct ivet_report *r, char *out, size_t n)
{
    out[0] = '\0';
    for (size_t i = 0; i < r->nvulns; i++) {
        const struct ivet_vuln *v = &r->vulns[i];
        size_t l = strlen(out);
        snprintf(out + l, n - l, "%s %s %s %s %s %s\n", v->package, v->installed, v->id,
                 v->fixed ? v->fixed : "-", ivet_severity_name(v->severity), v->source);
    }
    return (int)r->nvulns;
}

static bool has_note(const struct ivet_report *r, const char *needle)
{
    for (size_t i = 0; i < r->nnotes; i++)
        if (strstr(r->notes[i], needle))
            return true;
    return false;
}

#define NEED_DATA()                                                              \
    do {                                                                         \
        if (!layout)                                                             \
            tu_skip_no_shared("rootfs/alpine-minirootfs-3.18.9 or the v3.18 secdb slices"); \
    } while (0)

static void test_alpine_3_18_9_image_vulnerabilities(void **state)
{
    (void)state;
    NEED_DATA();
    struct ivet_scan_opts o;
    ivet_scan_opts_init(&o);
    o.vulndb = dbpath;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_report *r = scan(&o, &err);
    if (!r)
        fail_msg("scan failed: %s", ivet_err_msg(&err));
    assert_string_equal(r->os_id, "alpine");
    char text[4096];
    vulns_text(r, text, sizeof(text));
    /* osv-scanner: 2 source packages, musl (1 vuln) and openssl (2 vulns);
     * here per binary package, as the report lists installed packages */
    const char *want =
        "libcrypto3 3.1.7-r0 CVE-2024-13176 3.1.8-r0 medium alpine-secdb:v3.18/main\n"
        "libcrypto3 3.1.7-r0 CVE-2024-9143 3.1.7-r1 medium alpine-secdb:v3.18/main\n"
        "libssl3 3.1.7-r0 CVE-2024-13176 3.1.8-r0 medium alpine-secdb:v3.18/main\n"
        "libssl3 3.1.7-r0 CVE-2024-9143 3.1.7-r1 medium alpine-secdb:v3.18/main\n"
        "musl 1.2.4-r2 CVE-2025-26519 1.2.4-r3 medium alpine-secdb:v3.18/main\n"
        "musl-utils 1.2.4-r2 CVE-2025-26519 1.2.4-r3 medium alpine-secdb:v3.18/main\n";
    if (strcmp(text, want) != 0)
        print_message("got:\n%s", text);
    assert_string_equal(text, want);
    for (size_t i = 0; i < r->nnotes; i++)
        print_message("note: %s\n", r->notes[i]);
    assert_false(has_note(r, "vulnerability matching skipped"));
    assert_false(has_note(r, "not checked for vulnerabilities"));
    /* vulnerabilities count in the summary; --severity-fail decides with them */
    assert_int_equal(r->summary[IVET_SEV_MEDIUM] >= 6, 1);
    assert_int_equal(ivet_vulns_verdict(r, "medium"), IVET_VERDICT_FAIL);
    assert_int_equal(ivet_vulns_verdict(r, "high"), IVET_VERDICT_PASS);
    assert_int_equal(ivet_vulns_verdict(r, NULL), IVET_VERDICT_PASS);
    ivet_report_free(r);
}

/* Each vulnerability says which file its package came from and which layer
 * added it: an application's dependency can be in an image twice, and only
 * one copy may be old. */
static void test_vulnerabilities_name_the_package_file_and_layer(void **state)
{
    (void)state;
    NEED_DATA();
    char *osv = tu_shared_path("vulndb/osv/PYSEC-2019-217.json");      /* jinja2 < 2.10.1 */
    if (!osv)
        tu_skip_no_shared("vulndb/osv/PYSEC-2019-217.json");
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_vulndb *db = ivet_vulndb_open(dbpath, IVET_VULNDB_WRITE, &err);
    assert_non_null(db);
    assert_int_equal(ivet_vulndb_import(db, osv, NULL, NULL, &err), 0);
    ivet_vulndb_close(db);
    free(osv);
    /* the Alpine layer, then two copies of jinja2: an old one and a fixed one */
    char *tarball = tu_shared_path("rootfs/alpine-minirootfs-3.18.9-x86_64.tar.gz");
    size_t gzlen, tarlen;
    char *gz = tu_read_file(tarball, &gzlen);
    uint8_t *tar = gunzip_all((const uint8_t *)gz, gzlen, &tarlen);
    struct tu_tar *app = tu_tar_new();
    static const char old_meta[] = "Metadata-Version: 2.1\nName: Jinja2\nVersion: 2.10\n\n";
    static const char new_meta[] = "Metadata-Version: 2.1\nName: Jinja2\nVersion: 3.1.4\n\n";
    tu_tar_add(app, 'f', "opt/legacy/lib/python3.11/site-packages/Jinja2-2.10.dist-info/METADATA", 0644,
               old_meta, strlen(old_meta), NULL);
    tu_tar_add(app, 'f', "usr/lib/python3.11/site-packages/jinja2-3.1.4.dist-info/METADATA", 0644,
               new_meta, strlen(new_meta), NULL);
    struct tu_layer ls[2] = {
        { (const uint8_t *)gz, gzlen, "application/vnd.oci.image.layer.v1.tar+gzip", tar, tarlen },
        { 0 },
    };
    ls[1].blob = tu_tar_bytes(app, &ls[1].len);
    char *dir = tu_oci_layout("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"User\":\"1000\"},"
                              "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":null}}", ls, 2);
    struct ivet_scan_opts o;
    ivet_scan_opts_init(&o);
    o.vulndb = dbpath;
    char img[4200];
    snprintf(img, sizeof(img), "oci:%s", dir);
    o.image = img;
    o.offline = true;
    o.threads = 1;
    struct ivet_report *r = ivet_scan(&o, &err);
    if (!r)
        fail_msg("scan failed: %s", ivet_err_msg(&err));
    unsigned apk = 0, py = 0;
    for (size_t i = 0; i < r->nvulns; i++) {
        const struct ivet_vuln *v = &r->vulns[i];
        if (!strcmp(v->pkg_type, "apk")) {
            assert_string_equal(v->path, "/lib/apk/db/installed");
            assert_int_equal(v->layer, 0);
            apk++;
        } else if (!strcmp(v->id, "CVE-2019-10906") || !strcmp(v->id, "PYSEC-2019-217")) {
            assert_string_equal(v->path, "/opt/legacy/lib/python3.11/site-packages/Jinja2-2.10.dist-info/METADATA");
            assert_int_equal(v->layer, 1);
            py++;
        }
    }
    assert_int_equal(apk, 6);
    assert_int_equal(py, 1);                /* the fixed copy has none */
    json_t *j = ivet_report_to_json(r, NULL);
    assert_non_null(j);
    json_t *vs = json_object_get(j, "vulnerabilities"), *x;
    size_t k;
    bool seen = false;
    json_array_foreach(vs, k, x) {
        const char *pp = json_string_value(json_object_get(x, "package_path"));
        const char *ld = json_string_value(json_object_get(x, "layer"));
        assert_non_null(pp);
        assert_true(ld && !strncmp(ld, "sha256:", 7));
        seen = seen || strstr(pp, "Jinja2-2.10.dist-info");
    }
    assert_true(seen);
    json_decref(j);
    ivet_report_free(r);
    tu_rm_rf(dir);
    free(dir);
    tu_tar_free(app);
    free(gz);
    free(tar);
    free(tarball);
}

static void test_ignore_file_removes_vulnerabilities_from_the_report(void **state)
{
    (void)state;
    NEED_DATA();
    char *ig = ivet_asprintf("%s/ignore", tmpdir);
    FILE *f = fopen(ig, "w");
    fputs("CVE-2024-9143            # accepted\n"
          "CVE-2025-26519 exp:2001-01-01\n"
          "CVE-2024-13176 pkg:libssl3\n", f);
    fclose(f);
    struct ivet_scan_opts o;
    ivet_scan_opts_init(&o);
    o.vulndb = dbpath;
    o.ignore_file = ig;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_report *r = scan(&o, &err);
    if (!r)
        fail_msg("scan failed: %s", ivet_err_msg(&err));
    char text[4096];
    vulns_text(r, text, sizeof(text));
    assert_string_equal(text,
        "libcrypto3 3.1.7-r0 CVE-2024-13176 3.1.8-r0 medium alpine-secdb:v3.18/main\n"
        "musl 1.2.4-r2 CVE-2025-26519 1.2.4-r3 medium alpine-secdb:v3.18/main\n"
        "musl-utils 1.2.4-r2 CVE-2025-26519 1.2.4-r3 medium alpine-secdb:v3.18/main\n");
    assert_true(has_note(r, "3 vulnerabilities ignored by"));
    assert_true(has_note(r, "2 vulnerabilities reported again"));
    ivet_report_free(r);
    /* a malformed ignore file stops the scan, naming file and line */
    f = fopen(ig, "w");
    fputs("CVE-1\nCVE-2 exp:tomorrow\n", f);
    fclose(f);
    assert_null(scan(&o, &err));
    assert_int_equal(err.code, IVET_E_FORMAT);
    assert_non_null(strstr(err.msg, "line 2"));
    ivet_err_release(&err);
    o.ignore_file = "/nonexistent/.imagevetignore";
    assert_null(scan(&o, &err));
    ivet_err_release(&err);
    ivet_free(ig);
}

static void test_missing_database_is_a_note_not_a_pass_in_silence(void **state)
{
    (void)state;
    NEED_DATA();
    struct ivet_scan_opts o;
    ivet_scan_opts_init(&o);
    o.vulndb = "/nonexistent/vulndb.sqlite";
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_report *r = scan(&o, &err);
    if (!r)
        fail_msg("scan failed: %s", ivet_err_msg(&err));
    assert_int_equal(r->nvulns, 0);
    assert_true(has_note(r, "vulnerability matching skipped: no database at "
                            "/nonexistent/vulndb.sqlite (run imagevet db update or db import)"));
    ivet_report_free(r);
    /* a file that is not a database is an error, not a skip */
    char *junk = ivet_asprintf("%s/junk.sqlite", tmpdir);
    FILE *f = fopen(junk, "w");
    fputs("not sqlite", f);
    fclose(f);
    o.vulndb = junk;
    assert_null(scan(&o, &err));
    assert_int_equal(ivet_err_exit_status(err.code), 2);
    ivet_err_release(&err);
    ivet_free(junk);
    o.vulndb = dbpath;
    o.severity_fail = "severe";
    assert_null(scan(&o, &err));
    assert_int_equal(err.code, IVET_E_USAGE);
    ivet_err_release(&err);
}

static void test_stale_database_warns(void **state)
{
    (void)state;
    NEED_DATA();
    char *copy = ivet_asprintf("%s/old.sqlite", tmpdir);
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", dbpath, copy);
    assert_int_equal(system(cmd), 0);
    sqlite3 *s;
    assert_int_equal(sqlite3_open(copy, &s), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s, "UPDATE sources SET updated_at = strftime('%s','now') - 10*86400",
                                  NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(s);
    struct ivet_scan_opts o;
    ivet_scan_opts_init(&o);
    o.vulndb = copy;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_report *r = scan(&o, &err);
    if (!r)
        fail_msg("scan failed: %s", ivet_err_msg(&err));
    const struct ivet_finding *stale = NULL;
    for (size_t i = 0; i < r->findings.n; i++)
        if (!strcmp(r->findings.v[i].id, "VULN-DB-STALE"))
            stale = &r->findings.v[i];
    assert_non_null(stale);
    assert_int_equal(stale->severity, IVET_SEV_LOW);
    assert_non_null(strstr(stale->evidence, "10 days ago (limit 7 days)"));
    assert_true(has_note(r, "vulnerability database is 10 days old"));
    assert_int_equal(r->nvulns, 6);                 /* still matched */
    ivet_report_free(r);
    o.vulndb_max_age_days = 30;
    r = scan(&o, &err);
    assert_non_null(r);
    for (size_t i = 0; i < r->findings.n; i++)
        assert_string_not_equal(r->findings.v[i].id, "VULN-DB-STALE");
    ivet_report_free(r);
    ivet_free(copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alpine_3_18_9_image_vulnerabilities),
        cmocka_unit_test(test_ignore_file_removes_vulnerabilities_from_the_report),
        cmocka_unit_test(test_vulnerabilities_name_the_package_file_and_layer),
        cmocka_unit_test(test_missing_database_is_a_note_not_a_pass_in_silence),
        cmocka_unit_test(test_stale_database_warns),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
