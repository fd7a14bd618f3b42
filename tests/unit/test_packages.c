/* test_packages.c: the package inventory parsers, purl encoding and layer
 * attribution, on small hand-written fixtures (tests/fixtures/packages/),
 * binary inputs built here, and the real Alpine 3.20.3 root filesystem. */
#include "testutil.h"

#include <archive.h>
#include <archive_entry.h>
#include <isa-l/igzip_lib.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/packages.h"

/* ---- helpers */

static struct ivet_pkgctx ctx(struct ivet_pkglist *l, const char *path, const char *id,
                              const char *ver)
{
    return (struct ivet_pkgctx){ .path = path, .layer = 3, .distro_id = id, .distro_version = ver,
                                 .sink = { ivet_pkglist_sink, l } };
}

static char *fixture(const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/tests/fixtures/packages/%s", tu_source_dir(), name);
    char *b = tu_read_file(path, len);
    assert_non_null(b);
    return b;
}

static const struct ivet_package *find(const struct ivet_pkglist *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i].name, name))
            return &l->v[i];
    return NULL;
}

/* ---- purl */

static void test_purl_encodes_reserved_characters_and_sorts_qualifiers(void **st)
{
    (void)st;
    struct ivet_purl_qual q[] = { { "distro", "alpine-3.20.3" }, { "arch", "x86_64" },
                                  { "empty", "" }, { "none", NULL } };
    char *p = ivet_purl("apk", "alpine", "c++utils", "1.0-r0", q, 4);
    assert_string_equal(p, "pkg:apk/alpine/c%2B%2Butils@1.0-r0?arch=x86_64&distro=alpine-3.20.3");
    ivet_free(p);
    p = ivet_purl("npm", "@babel", "core", "7.24.0", NULL, 0);
    assert_string_equal(p, "pkg:npm/%40babel/core@7.24.0");
    ivet_free(p);
    p = ivet_purl("golang", "github.com/Foo Bar", "x", "v1.0.0+incompatible", NULL, 0);
    assert_string_equal(p, "pkg:golang/github.com/Foo%20Bar/x@v1.0.0%2Bincompatible");
    ivet_free(p);
    p = ivet_purl("deb", "debian", "login", "1:4.13+dfsg1-1", NULL, 0);
    assert_string_equal(p, "pkg:deb/debian/login@1:4.13%2Bdfsg1-1");
    ivet_free(p);
    p = ivet_purl("gem", NULL, "na/me?#", NULL, NULL, 0);
    assert_string_equal(p, "pkg:gem/na%2Fme%3F%23");
    ivet_free(p);
    struct ivet_purl_qual q2[] = { { "repository_url", "https://x.example/a b&c=d" } };
    p = ivet_purl("maven", "g", "a", "1", q2, 1);
    assert_string_equal(p, "pkg:maven/g/a@1?repository_url=https:%2F%2Fx.example%2Fa%20b%26c%3Dd");
    ivet_free(p);
}

/* ---- os */

static void test_os_release_parses_quotes_and_escapes(void **st)
{
    (void)st;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_osinfo os = { 0 };
    size_t n;
    char *b = fixture("os-release-quoted", &n);
    assert_int_equal(ivet_os_release_parse(ivet_bytes_make(b, n), &os, &err), 1);
    assert_string_equal(os.id, "ubuntu");
    assert_string_equal(os.version_id, "22.04");
    assert_string_equal(os.name, "Say \"hi\" \\ there");
    ivet_osinfo_release(&os);
    free(b);
    b = fixture("os-release-debian", &n);
    assert_int_equal(ivet_os_release_parse(ivet_bytes_make(b, n), &os, &err), 1);
    assert_string_equal(os.id, "debian");
    assert_string_equal(os.version_id, "12");
    assert_string_equal(os.version_codename, "bookworm");
    assert_string_equal(os.name, "Debian GNU/Linux 12 (bookworm)");
    ivet_osinfo_release(&os);
    free(b);
    assert_int_equal(ivet_os_release_parse(IVET_BYTES_LIT("NAME=x\nID=\n"), &os, &err), 0);
    ivet_osinfo_release(&os);
}

static void test_os_fallback_files_identify_the_distribution(void **st)
{
    (void)st;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_osinfo os = { 0 };
    assert_int_equal(ivet_os_fallback_parse("/etc/alpine-release", IVET_BYTES_LIT("3.18.9\n"), &os, &err), 1);
    assert_string_equal(os.id, "alpine");
    assert_string_equal(os.version_id, "3.18.9");
    assert_int_equal(ivet_os_fallback_parse("/etc/debian_version", IVET_BYTES_LIT("12.5\n"), &os, &err), 1);
    assert_string_equal(os.id, "debian");
    assert_string_equal(os.version_id, "12");
    assert_int_equal(ivet_os_fallback_parse("/etc/debian_version", IVET_BYTES_LIT("trixie/sid\n"), &os, &err), 1);
    assert_null(os.version_id);
    assert_int_equal(ivet_os_fallback_parse("/etc/redhat-release",
                                            IVET_BYTES_LIT("Red Hat Enterprise Linux release 9.3 (Plow)\n"),
                                            &os, &err), 1);
    assert_string_equal(os.id, "rhel");
    assert_string_equal(os.version_id, "9.3");
    assert_int_equal(ivet_os_fallback_parse("/etc/redhat-release",
                                            IVET_BYTES_LIT("CentOS Linux release 7.9.2009 (Core)"), &os, &err), 1);
    assert_string_equal(os.id, "centos");
    assert_string_equal(os.version_id, "7.9.2009");
    assert_int_equal(ivet_os_fallback_parse("/etc/redhat-release", IVET_BYTES_LIT("something else\n"), &os, &err), 0);
    assert_int_equal(ivet_os_fallback_parse("/etc/alpine-release", IVET_BYTES_LIT(""), &os, &err), 0);
    ivet_osinfo_release(&os);
}

static void test_os_eol_table_matches_release_keys(void **st)
{
    (void)st;
    const char *eol = NULL;
    assert_int_equal(ivet_os_eol("alpine", "3.20.3", &eol), 1);
    assert_string_equal(eol, "2026-04-01");
    assert_int_equal(ivet_os_eol("debian", "12", &eol), 1);
    assert_string_equal(eol, "2028-06-30");
    assert_int_equal(ivet_os_eol("debian", "10.13", &eol), 1);
    assert_string_equal(eol, "2024-06-30");
    assert_int_equal(ivet_os_eol("ubuntu", "22.04", &eol), 1);
    assert_int_equal(ivet_os_eol("alpine", "3.2", &eol), 0);      /* not 3.20 */
    assert_int_equal(ivet_os_eol("arch", "rolling", &eol), 0);
    assert_int_equal(ivet_os_eol("debian", NULL, &eol), 0);
}

/* ---- apk */

static void test_apkdb_lists_records_and_skips_broken_ones(void **st)
{
    (void)st;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_pkglist l = { 0 };
    size_t n;
    char *b = fixture("apk-installed", &n);
    struct ivet_pkgctx c = ctx(&l, "/lib/apk/db/installed", "alpine", "3.20.3");
    unsigned bad = 0;
    c.malformed = &bad;
    assert_int_equal(ivet_apkdb_parse(ivet_bytes_make(b, n), &c, &err), 3);
    assert_int_equal(bad, 1);                   /* the record without a version is counted */
    const struct ivet_package *p = find(&l, "musl");
    assert_non_null(p);
    assert_string_equal(p->version, "1.2.5-r0");
    assert_string_equal(p->arch, "x86_64");
    assert_string_equal(p->license, "MIT");
    assert_string_equal(p->source_name, "musl");
    assert_string_equal(p->type, "apk");
    assert_string_equal(p->path, "/lib/apk/db/installed");
    assert_int_equal(p->layer, 3);
    assert_string_equal(p->purl, "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3");
    p = find(&l, "ssl_client");
    assert_string_equal(p->source_name, "busybox");
    p = find(&l, "c++utils");
    assert_string_equal(p->purl, "pkg:apk/alpine/c%2B%2Butils@1.0-r0?arch=x86_64&distro=alpine-3.20.3");
    assert_null(find(&l, "broken-record-without-version"));
    ivet_pkglist_release(&l);
    free(b);
}

/* Every record that looks like a package but cannot be read is counted, so
 * the inventory can say so; deliberate skips (an rpm key, a package that is
 * not installed) are not. */
static void test_malformed_records_are_counted(void **st)
{
    (void)st;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_pkglist l = { 0 };
    unsigned bad = 0;
    struct ivet_pkgctx c = ctx(&l, "/var/lib/dpkg/status", "debian", "12");
    c.malformed = &bad;
    const char *deb = "Package: a\nStatus: install ok installed\nVersion: 1\n\n"
                      "Package: b\nStatus: install ok installed\n\n"
                      "Package: c\nStatus: deinstall ok config-files\nVersion: 2\n\n"
                      "Package: d\nStatus: purge ok not-installed\n\n"
                      "# a comment stanza\n\n";
    assert_int_equal(ivet_dpkg_parse(ivet_bytes_make(deb, strlen(deb)), false, &c, &err), 1);
    assert_int_equal(bad, 1);                   /* b only: d is purged, not broken */
    bad = 0;
    const char *distroless = "# written by a build tool\n\nPackage: e\nVersion: 1\n\n";
    assert_int_equal(ivet_dpkg_parse(ivet_bytes_make(distroless, strlen(distroless)), true, &c, &err), 1);
    assert_int_equal(bad, 0);
    bad = 0;
    c.path = "/app/node_modules/x/package.json";
    const char *cut = "{\"name\": \"x\",";
    assert_int_equal(ivet_npm_package_parse(ivet_bytes_make(cut, strlen(cut)), &c, &err), 0);
    assert_int_equal(ivet_npm_package_parse(ivet_bytes_make("[1]", 3), &c, &err), 0);
    assert_int_equal(bad, 2);
    assert_int_equal(ivet_npm_package_parse(ivet_bytes_make("{\"name\": \"app\"}", 15), &c, &err), 0);
    assert_int_equal(bad, 2);                   /* an app without a version is not broken */
    bad = 0;
    c.path = "/usr/lib/python3/dist-packages/x.dist-info/METADATA";
    const char *py = "Metadata-Version: 2.1\nVersion: 1.0\n\nbody\n";
    assert_int_equal(ivet_python_meta_parse(ivet_bytes_make(py, strlen(py)), &c, &err), 0);
    assert_int_equal(bad, 1);
    ivet_pkglist_release(&l);
}

/* Reads members of a .tar.gz into memory (libarchive, an independent reader). */
static char *tgz_member(const char *tgz, const char *member, size_t *len)
{
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    char *out = NULL;
    if (archive_read_open_filename(a, tgz, 65536) == ARCHIVE_OK) {
        struct archive_entry *e;
        while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
            if (strcmp(archive_entry_pathname(e), member))
                continue;
            size_t sz = (size_t)archive_entry_size(e);
            out = malloc(sz + 1);
            *len = (size_t)archive_read_data(a, out, sz);
            out[*len] = 0;
            break;
        }
    }
    archive_read_free(a);
    return out;
}

static void test_alpine_3_20_3_rootfs_has_exactly_its_14_packages(void **st)
{
    (void)st;
    char *tgz = tu_shared_path("rootfs/alpine-minirootfs-3.20.3-x86_64.tar.gz");
    if (!tgz)
        tu_skip_no_shared("rootfs/alpine-minirootfs-3.20.3-x86_64.tar.gz");
    size_t dn = 0, on = 0;
    char *db = tgz_member(tgz, "./lib/apk/db/installed", &dn);
    char *osr = tgz_member(tgz, "./etc/os-release", &on);
    assert_non_null(db);
    assert_non_null(osr);
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_osinfo os = { 0 };
    assert_int_equal(ivet_os_release_parse(ivet_bytes_make(osr, on), &os, &err), 1);
    assert_string_equal(os.id, "alpine");
    assert_string_equal(os.version_id, "3.20.3");
    static const char *const want[][2] = {
        { "alpine-baselayout", "3.6.5-r0" }, { "alpine-baselayout-data", "3.6.5-r0" },
        { "alpine-keys", "2.4-r1" }, { "apk-tools", "2.14.4-r0" }, { "busybox", "1.36.1-r29" },
        { "busybox-binsh", "1.36.1-r29" }, { "ca-certificates-bundle", "20240705-r0" },
        { "libcrypto3", "3.3.2-r0" }, { "libssl3", "3.3.2-r0" }, { "musl", "1.2.5-r0" },
        { "musl-utils", "1.2.5-r0" }, { "scanelf", "1.3.7-r2" }, { "ssl_client", "1.36.1-r29" },
        { "zlib", "1.3.1-r1" },
    };
    struct ivet_pkglist l = { 0 };
    struct ivet_pkgctx c = ctx(&l, "/lib/apk/db/installed", os.id, os.version_id);
    assert_int_equal(ivet_apkdb_parse(ivet_bytes_make(db, dn), &c, &err), 14);
    assert_int_equal(l.n, 14);
    for (size_t i = 0; i < IVET_ARRAY_LEN(want); i++) {
        const struct ivet_package *p = find(&l, want[i][0]);
        assert_non_null(p);
        assert_string_equal(p->version, want[i][1]);
    }
    assert_string_equal(find(&l, "musl")->purl,
                        "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3");
    ivet_pkglist_release(&l);
    ivet_osinfo_release(&os);
    free(db);
    free(osr);
    free(tgz);
}

/* ---- dpkg */

static void test_dpkg_status_lists_installed_packages_with_sources(void **st)
{
    (void)st;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_pkglist l = { 0 };
    size_t n;
    char *b = fixture("dpkg-status", &n);
    struct ivet_pkgctx c = ctx(&l, "/var/lib/dpkg/status", "debian", "12");
    assert_int_equal(ivet_dpkg_parse(ivet_bytes_make(b, n), false, &c, &err), 3);
    assert_null(find(&l, "removed-pkg"));
    assert_null(find(&l, "not-a-package"));
    const struct ivet_package *p = find(&l, "login");
    assert_string_equal(p->version, "1:4.13+dfsg1-1+b1");
    assert_string_equal(p->source_name, "shadow");
    assert_string_equal(p->source_version, "1:4.13+dfsg1-1");
    assert_string_equal(p->purl, "pkg:deb/debian/login@1:4.13%2Bdfsg1-1%2Bb1?arch=amd64&distro=debian-12");
    p = find(&l, "libc6");
    assert_string_equal(p->source_name, "glibc");
    assert_string_equal(p->source_version, "2.36-9+deb12u7");
    p = find(&l, "base-files");
    assert_null(p->source_name);
    assert_string_equal(p->arch, "amd64");
    ivet_pkglist_release(&l);
    /* the same paragraphs as status.d would accept only those with a Status too */
    free(b);
    b = fixture("dpkg-status.d-libssl3", &n);
    assert_int_equal(ivet_dpkg_parse(ivet_bytes_make(b, n), false, &c, &err), 0);
    assert_int_equal(ivet_dpkg_parse(ivet_bytes_make(b, n), true, &c, &err), 1);
    assert_string_equal(l.v[0].name, "libssl3");
    assert_string_equal(l.v[0].source_name, "openssl");
    ivet_pkglist_release(&l);
    free(b);
}

/* ---- rpm */

struct hdrb {
    uint8_t idx[16 * 16], data[1024];
    uint32_t il, dl;
};

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void hdr_add(struct hdrb *h, uint32_t tag, uint32_t type, const void *d, size_t n)
{
    if (type == 4)
        while (h->dl % 4)
            h->data[h->dl++] = 0;
    uint8_t *e = h->idx + 16 * h->il++;
    put32(e, tag);
    put32(e + 4, type);
    put32(e + 8, h->dl);
    put32(e + 12, 1);
    memcpy(h->data + h->dl, d, n);
    h->dl += (uint32_t)n;
}

static void hdr_str(struct hdrb *h, uint32_t tag, const char *s)
{
    hdr_add(h, tag, 6, s, strlen(s) + 1);
}

static size_t hdr_blob(struct hdrb *h, uint8_t *out)
{
    put32(out, h->il);
    put32(out + 4, h->dl);
    memcpy(out + 8, h->idx, 16 * h->il);
    memcpy(out + 8 + 16 * h->il, h->data, h->dl);
    return 8 + 16 * h->il + h->dl;
}

static size_t make_rpm_header(uint8_t *out, const char *name, uint32_t epoch)
{
    struct hdrb h = { 0 };
    uint8_t e[4];
    hdr_str(&h, 1000, name);
    hdr_str(&h, 1001, "5.2.26");
    hdr_str(&h, 1002, "1.el9");
    if (epoch) {
        put32(e, epoch);
        hdr_add(&h, 1003, 4, e, 4);
    }
    hdr_str(&h, 1022, "x86_64");
    hdr_str(&h, 1014, "GPL-3.0-or-later");
    hdr_str(&h, 1044, "bash-5.2.26-1.el9.src.rpm");
    return hdr_blob(&h, out);
}

static void test_rpm_header_gives_name_epoch_release_and_source(void **st)
{
    (void)st;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_pkglist l = { 0 };
    uint8_t blob[2048];
    size_t n = make_rpm_header(blob, "bash", 2);
    struct ivet_pkgctx c = ctx(&l, "/var/lib/rpm/rpmdb.sqlite", "rhel", "9.4");
    assert_int_equal(ivet_rpm_header_parse(ivet_bytes_make(blob, n), &c, &err), 1);
    assert_string_equal(l.v[0].name, "bash");
    assert_string_equal(l.v[0].version, "2:5.2.26-1.el9");
    assert_string_equal(l.v[0].source_name, "bash");
    assert_string_equal(l.v[0].source_version, "5.2.26-1.el9");
    assert_string_equal(l.v[0].license, "GPL-3.0-or-later");
    assert_string_equal(l.v[0].purl, "pkg:rpm/rhel/bash@5.2.26-1.el9?arch=x86_64&distro=rhel-9.4&epoch=2");
    /* every truncation of the blob is refused without reading past it, and counted */
    unsigned bad = 0;
    c.malformed = &bad;
    for (size_t cut = 0; cut < n; cut++) {
        uint8_t *t = malloc(cut ? cut : 1);
        memcpy(t, blob, cut);
        assert_int_equal(ivet_rpm_header_parse(ivet_bytes_make(t, cut), &c, &err), 0);
        free(t);
    }
    /* an offset past the data store */
    put32(blob + 8 + 8, 5000);
    assert_int_equal(ivet_rpm_header_parse(ivet_bytes_make(blob, n), &c, &err), 0);
    assert_int_equal(bad, n + 1);
    bad = 0;
    n = make_rpm_header(blob, "gpg-pubkey", 0);
    assert_int_equal(ivet_rpm_header_parse(ivet_bytes_make(blob, n), &c, &err), 0);
    assert_int_equal(bad, 0);                   /* an imported key is not a broken package */
    ivet_pkglist_release(&l);
}

static unsigned char *make_rpmdb(sqlite3_int64 *len)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, "
                                      "blob BLOB NOT NULL)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_stmt *stt;
    sqlite3_prepare_v2(db, "INSERT INTO Packages (blob) VALUES (?)", -1, &stt, NULL);
    static const char *const names[] = { "bash", "coreutils", "gpg-pubkey" };
    for (int i = 0; i < 3; i++) {
        uint8_t blob[2048];
        size_t n = make_rpm_header(blob, names[i], 0);
        sqlite3_bind_blob(stt, 1, blob, (int)n, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(stt), SQLITE_DONE);
        sqlite3_reset(stt);
    }
    sqlite3_finalize(stt);
    unsigned char *b = sqlite3_serialize(db, "main", len, 0);
    sqlite3_close(db);
    return b;
}

static void test_rpmdb_sqlite_is_read_from_memory(void **st)
{
    (void)st;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_pkglist l = { 0 };
    sqlite3_int64 len;
    unsigned char *b = make_rpmdb(&len);
    struct ivet_pkgctx c = ctx(&l, "/var/lib/rpm/rpmdb.sqlite", "fedora", "40");
    assert_int_equal(ivet_rpmdb_sqlite_parse(ivet_bytes_make(b, (size_t)len), &c, &err), 2);
    assert_non_null(find(&l, "coreutils"));
    assert_null(find(&l, "gpg-pubkey"));
    ivet_pkglist_release(&l);
    /* a database left in WAL mode reads the same */
    b[18] = b[19] = 2;
    assert_int_equal(ivet_rpmdb_sqlite_parse(ivet_bytes_make(b, (size_t)len), &c, &err), 2);
    ivet_pkglist_release(&l);
    /* a Berkeley DB file is not SQLite */
    memset(b, 0, 100);
    assert_int_equal(ivet_rpmdb_sqlite_parse(ivet_bytes_make(b, (size_t)len), &c, &err), -IVET_E_UNSUPPORTED);
    assert_int_equal(err.code, IVET_E_UNSUPPORTED);
    ivet_err_release(&err);
    sqlite3_free(b);
}

/* ---- language packages */

static void test_python_metadata_takes_first_headers_only(void **st)
{
    (void)st;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_pkglist l = { 0 };
    size_t n;
    char *b = fixture("METADATA", &n);
    struct ivet_pkgctx c = ctx(&l, "/usr/lib/python3/site-packages/x.dist-info/METADATA", NULL, NULL);
    assert_int_equal(ivet_python_meta_parse(ivet_bytes_make(b, n), &c, &err), 1);
    assert_string_equal(l.v[0].name, "Flask_SQLAlchemy");
    assert_string_equal(l.v[0].version, "3.1.1");
    assert_string_equal(l.v[0].license, "BSD-3-Clause");
    assert_string_equal(l.v[0].purl, "pkg:pypi/flask-sqlalchemy@3.1.1");
    free(b);
    b = fixture("PKG-INFO", &n);
    assert_int_equal(ivet_python_meta_parse(ivet_bytes_make(b, n), &c, &err), 1);
    assert_string_equal(l.v[1].name, "setuptools");
    assert_null(l.v[1].license);                /* UNKNOWN */
    free(b);
    assert_int_equal(ivet_python_meta_parse(IVET_BYTES_LIT("Name: x\n"), &c, &err), 0);
    ivet_pkglist_release(&l);
}

static void test_npm_manifests_and_which_paths_count(void **st)
{
    (void)st;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_pkglist l = { 0 };
    size_t n;
    char *b = fixture("package.json", &n);
    struct ivet_pkgctx c = ctx(&l, "/app/node_modules/lodash/package.json", NULL, NULL);
    assert_int_equal(ivet_npm_package_parse(ivet_bytes_make(b, n), &c, &err), 1);
    assert_string_equal(l.v[0].purl, "pkg:npm/lodash@4.17.21");
    assert_string_equal(l.v[0].license, "MIT");
    free(b);
    b = fixture("package-scoped.json", &n);
    assert_int_equal(ivet_npm_package_parse(ivet_bytes_make(b, n), &c, &err), 1);
    assert_string_equal(l.v[1].name, "@babel/core");
    assert_string_equal(l.v[1].purl, "pkg:npm/%40babel/core@7.24.0");
    assert_string_equal(l.v[1].license, "MIT");
    free(b);
    assert_int_equal(ivet_npm_package_parse(IVET_BYTES_LIT("{\"name\":\"x\"}"), &c, &err), 0);
    assert_int_equal(ivet_npm_package_parse(IVET_BYTES_LIT("{\"name\":\"@x\",\"version\":\"1\"}"), &c, &err), 0);
    assert_int_equal(ivet_npm_package_parse(IVET_BYTES_LIT("not json"), &c, &err), 0);
    ivet_pkglist_release(&l);

    assert_true(ivet_npm_path_wanted("/app/node_modules/lodash/package.json"));
    assert_true(ivet_npm_path_wanted("/app/node_modules/@babel/core/package.json"));
    assert_true(ivet_npm_path_wanted("/app/node_modules/a/node_modules/b/package.json"));
    assert_false(ivet_npm_path_wanted("/app/package.json"));
    assert_false(ivet_npm_path_wanted("/app/node_modules/lodash/lib/package.json"));
    assert_false(ivet_npm_path_wanted("/app/node_modules/@babel/package.json"));
    assert_false(ivet_npm_path_wanted("/app/node_modules/x/test/fixtures/node_modules/y/package.json"));
    assert_false(ivet_npm_path_wanted("/app/node_modules/x/examples/node_modules/y/package.json"));
}

static void test_gemspec_literals_and_file_name(void **st)
{
    (void)st;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_pkglist l = { 0 };
    size_t n;
    char *b = fixture("rake-13.0.6.gemspec", &n);
    struct ivet_pkgctx c = ctx(&l, "/usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec", NULL, NULL);
    assert_int_equal(ivet_gemspec_parse(ivet_bytes_make(b, n), &c, &err), 1);
    assert_string_equal(l.v[0].name, "rake");
    assert_string_equal(l.v[0].version, "13.0.6");
    assert_string_equal(l.v[0].license, "MIT");
    assert_string_equal(l.v[0].purl, "pkg:gem/rake@13.0.6");
    free(b);
    /* nothing literal inside: the file name decides */
    c.path = "/gems/specifications/net-http-0.4.1.gemspec";
    assert_int_equal(ivet_gemspec_parse(IVET_BYTES_LIT("Gem::Specification.new do |s|\nend\n"), &c, &err), 1);
    assert_string_equal(l.v[1].name, "net-http");
    assert_string_equal(l.v[1].version, "0.4.1");
    ivet_pkglist_release(&l);
}

/* A zip in memory with libarchive's writer. */
struct zipw {
    struct archive *a;
    uint8_t *buf;
    size_t cap, used;
};

static void zip_begin(struct zipw *z, size_t cap)
{
    z->buf = malloc(cap);
    z->cap = cap;
    z->a = archive_write_new();
    archive_write_set_format_zip(z->a);
    assert_int_equal(archive_write_open_memory(z->a, z->buf, cap, &z->used), ARCHIVE_OK);
}

static void zip_add(struct zipw *z, const char *path, const void *d, size_t n)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, path);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)n);
    assert_int_equal(archive_write_header(z->a, e), ARCHIVE_OK);
    assert_int_equal(archive_write_data(z->a, d, n), (la_ssize_t)n);
    archive_entry_free(e);
}

static void zip_end(struct zipw *z)
{
    archive_write_close(z->a);
    archive_write_free(z->a);
}

static void test_jar_pom_properties_including_nested_jars(void **st)
{
    (void)st;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_pkglist l = { 0 };
    size_t n;
    char *props = fixture("pom.properties", &n);
    struct zipw inner, outer;
    zip_begin(&inner, 1 << 16);
    zip_add(&inner, "META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n", 22);
    const char inner_props[] = "groupId=org.yaml\nartifactId=snakeyaml\nversion=2.2\n";
    zip_add(&inner, "META-INF/maven/org.yaml/snakeyaml/pom.properties", inner_props, sizeof(inner_props) - 1);
    zip_end(&inner);
    zip_begin(&outer, 1 << 17);
    zip_add(&outer, "META-INF/maven/com.fasterxml.jackson.core/jackson-databind/pom.properties", props, n);
    zip_add(&outer, "BOOT-INF/lib/snakeyaml-2.2.jar", inner.buf, inner.used);
    zip_end(&outer);
    struct ivet_pkgctx c = ctx(&l, "/app/app.jar", NULL, NULL);
    assert_int_equal(ivet_jar_parse(ivet_bytes_make(outer.buf, outer.used), &c, &err), 2);
    const struct ivet_package *p = find(&l, "com.fasterxml.jackson.core:jackson-databind");
    assert_non_null(p);
    assert_string_equal(p->version, "2.15.2");
    assert_string_equal(p->purl, "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.15.2");
    assert_non_null(find(&l, "org.yaml:snakeyaml"));
    ivet_pkglist_release(&l);
    /* cut before the central directory: the first member is still found */
    assert_true(ivet_jar_parse(ivet_bytes_make(outer.buf, outer.used - 30), &c, &err) >= 1);
    ivet_pkglist_release(&l);
    assert_int_equal(ivet_jar_parse(IVET_BYTES_LIT("PK\3\4garbage"), &c, &err), 0);
    free(inner.buf);
    free(outer.buf);
    free(props);
}

/* ---- ELF: Go build info and cargo-auditable */

static void put64le(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put16le(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* An ELF64 little-endian file of `size` bytes: one PT_LOAD covering the
 * first `load` bytes at vaddr 0x400000, optional section header table. */
static uint8_t *make_elf(size_t size, uint64_t load, uint64_t shoff, uint16_t shnum)
{
    uint8_t *f = calloc(1, size);
    /* filler with 0xff bytes and a misaligned decoy magic */
    for (size_t i = 120; i < size; i++)
        f[i] = (uint8_t)(i * 7 % 251 == 0 ? 0xff : i);
    memcpy(f, "\x7f" "ELF\2\1\1", 7);
    put64le(f + 32, 64);                /* e_phoff */
    put64le(f + 40, shoff);
    put16le(f + 54, 56);
    put16le(f + 56, 1);
    put16le(f + 58, 64);
    put16le(f + 60, shnum);
    uint8_t *ph = f + 64;
    memset(ph, 0, 56);
    ph[0] = 1;                          /* PT_LOAD */
    put64le(ph + 8, 0);
    put64le(ph + 16, 0x400000);
    put64le(ph + 32, load);
    memcpy(f + 0x203, "\xff Go buildinf:\x08\x02", 16);   /* not 16-aligned: ignored */
    return f;
}

static size_t put_varint(uint8_t *p, size_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

static const char modinfo[] =
    "0123456789abcdef"
    "path\texample.com/cmd/app\n"
    "mod\texample.com/app\t(devel)\t\n"
    "dep\tgolang.org/x/text\tv0.14.0\th1:abc=\n"
    "dep\tgithub.com/pkg/errors\tv0.9.1\th1:def=\n"
    "=>\tgithub.com/fork/errors\tv0.9.2\th1:ghi=\n"
    "build\t-compiler=gc\n"
    "\nfedcba9876543210";

static void check_go_packages(const struct ivet_pkglist *l, const char *stdlib)
{
    assert_int_equal(l->n, 3);
    assert_string_equal(find(l, "stdlib")->version, stdlib);
    assert_string_equal(find(l, "golang.org/x/text")->purl, "pkg:golang/golang.org/x/text@v0.14.0");
    assert_string_equal(find(l, "github.com/fork/errors")->version, "v0.9.2");
    assert_null(find(l, "github.com/pkg/errors"));
    assert_null(find(l, "example.com/app"));    /* (devel) */
}

static void test_go_buildinfo_inline_format_in_any_chunking(void **st)
{
    (void)st;
    size_t size = 0x8000;
    uint8_t *f = make_elf(size, size, 0, 0);
    size_t at = 0x3000, o = at;
    memcpy(f + o, "\xff Go buildinf:\x08\x02", 16);
    memset(f + o + 16, 0, 16);
    o += 32;
    o += put_varint(f + o, 8);
    memcpy(f + o, "go1.22.5", 8);
    o += 8;
    o += put_varint(f + o, sizeof(modinfo) - 1);
    memcpy(f + o, modinfo, sizeof(modinfo) - 1);
    static const size_t chunks[] = { 1, 7, 16, 4095, 0 };
    for (size_t i = 0; i < IVET_ARRAY_LEN(chunks); i++) {
        struct ivet_err err = IVET_ERR_INIT;
        struct ivet_pkglist l = { 0 };
        struct ivet_pkgctx c = ctx(&l, "/usr/local/bin/app", NULL, NULL);
        assert_int_equal(ivet_elf_scan_mem(ivet_bytes_make(f, size), chunks[i], &c, &err), 3);
        check_go_packages(&l, "v1.22.5");
        ivet_pkglist_release(&l);
    }
    /* not ELF: nothing, even with the magic inside */
    memcpy(f, "#!/bin/sh\n", 10);
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_pkglist l = { 0 };
    struct ivet_pkgctx c = ctx(&l, "/x", NULL, NULL);
    assert_int_equal(ivet_elf_scan_mem(ivet_bytes_make(f, size), 4096, &c, &err), 0);
    free(f);
}

static void test_go_buildinfo_old_pointer_format_within_window(void **st)
{
    (void)st;
    size_t size = 0x4000;
    uint8_t *f = make_elf(size, size, 0, 0);
    size_t at = 0x1000;
    uint64_t base = 0x400000;
    memcpy(f + at, "\xff Go buildinf:\x08\x00", 16);
    put64le(f + at + 16, base + at + 0x20);     /* -> version string header */
    put64le(f + at + 24, base + at + 0x30);     /* -> modinfo string header */
    put64le(f + at + 0x20, base + at + 0x40);
    put64le(f + at + 0x28, 8);
    put64le(f + at + 0x30, base + at + 0x50);
    put64le(f + at + 0x38, sizeof(modinfo) - 1);
    memcpy(f + at + 0x40, "go1.16.3", 8);
    memcpy(f + at + 0x50, modinfo, sizeof(modinfo) - 1);
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_pkglist l = { 0 };
    struct ivet_pkgctx c = ctx(&l, "/bin/old", NULL, NULL);
    assert_int_equal(ivet_elf_scan_mem(ivet_bytes_make(f, size), 333, &c, &err), 3);
    check_go_packages(&l, "v1.16.3");
    ivet_pkglist_release(&l);
    /* a pointer outside the window is not followed */
    put64le(f + at + 0x30, base + 0x100);
    assert_int_equal(ivet_elf_scan_mem(ivet_bytes_make(f, size), 333, &c, &err), 0);
    free(f);
}

/* The magic is searched only in the first writable segment (Go's data
 * segment), so a copy of it in the text segment (the go command carries one
 * as a constant) is never taken, and most of a binary is not searched. */
static void test_go_buildinfo_is_searched_in_the_data_segment_only(void **st)
{
    (void)st;
    size_t size = 0x6000;
    uint8_t *f = make_elf(size, size, 0, 0);
    put16le(f + 56, 2);                         /* two PT_LOADs */
    uint8_t *ph = f + 64;
    ph[4] = 5;                                  /* text: R-X, [0, 0x3000) */
    put64le(ph + 32, 0x3000);
    uint8_t *ph2 = f + 64 + 56;
    memset(ph2, 0, 56);
    ph2[0] = 1;
    ph2[4] = 6;                                 /* data: RW-, [0x3000, 0x6000) */
    put64le(ph2 + 8, 0x3000);
    put64le(ph2 + 16, 0x403000);
    put64le(ph2 + 32, 0x3000);
    static const char bi[] = "\xff Go buildinf:\x08\x02";
    size_t o = 0x1000;                          /* a valid-looking header in text */
    memcpy(f + o, bi, 16);
    memset(f + o + 16, 0, 16);
    o += 32;
    o += put_varint(f + o, 8);
    memcpy(f + o, "go1.99.0", 8);
    o += 8;
    o += put_varint(f + o, 0);
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_pkglist l = { 0 };
    struct ivet_pkgctx c = ctx(&l, "/app", NULL, NULL);
    assert_int_equal(ivet_elf_scan_mem(ivet_bytes_make(f, size), 512, &c, &err), 0);
    o = 0x3000;                                 /* the real one, in data */
    memcpy(f + o, bi, 16);
    memset(f + o + 16, 0, 16);
    o += 32;
    o += put_varint(f + o, 8);
    memcpy(f + o, "go1.22.5", 8);
    o += 8;
    o += put_varint(f + o, sizeof(modinfo) - 1);
    memcpy(f + o, modinfo, sizeof(modinfo) - 1);
    assert_int_equal(ivet_elf_scan_mem(ivet_bytes_make(f, size), 512, &c, &err), 3);
    check_go_packages(&l, "v1.22.5");
    ivet_pkglist_release(&l);
    free(f);
}

static size_t zlib_compress(const char *in, size_t n, uint8_t *out, size_t cap)
{
    struct isal_zstream z;
    isal_deflate_init(&z);
    z.gzip_flag = IGZIP_ZLIB;
    z.end_of_stream = 1;
    z.flush = NO_FLUSH;
    z.next_in = (uint8_t *)in;
    z.avail_in = (uint32_t)n;
    z.next_out = out;
    z.avail_out = (uint32_t)cap;
    assert_int_equal(isal_deflate(&z), COMP_OK);
    assert_int_equal(z.internal_state.state, ZSTATE_END);
    return z.total_out;
}

static void test_cargo_auditable_section_in_the_tail(void **st)
{
    (void)st;
    static const char json[] =
        "{\"packages\":[{\"name\":\"app\",\"version\":\"0.1.0\",\"source\":\"local\"},"
        "{\"name\":\"serde\",\"version\":\"1.0.197\",\"source\":\"crates.io\"},"
        "{\"name\":\"bad\"}]}";
    uint8_t z[1024];
    size_t zn = zlib_compress(json, sizeof(json) - 1, z, sizeof(z));
    size_t load = 0x1000, tail = load, shoff = 0x2000, size = shoff + 3 * 64;
    uint8_t *f = make_elf(size, load, shoff, 3);
    memcpy(f + tail, z, zn);
    uint8_t *sh = f + shoff;
    memset(sh, 0, 3 * 64);
    /* [1] an allocated PROGBITS section: ignored; [2] .dep-v0: type 1, no flags */
    sh[64 + 4] = 1;
    put64le(sh + 64 + 8, 2);
    put64le(sh + 64 + 24, 0x100);
    put64le(sh + 64 + 32, 0x100);
    sh[128 + 4] = 1;
    put64le(sh + 128 + 24, tail);
    put64le(sh + 128 + 32, zn);
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_pkglist l = { 0 };
    struct ivet_pkgctx c = ctx(&l, "/usr/bin/rusty", NULL, NULL);
    assert_int_equal(ivet_elf_scan_mem(ivet_bytes_make(f, size), 1000, &c, &err), 2);
    assert_string_equal(find(&l, "serde")->purl, "pkg:cargo/serde@1.0.197");
    ivet_pkglist_release(&l);
    /* corrupt zlib data: nothing, no failure */
    f[tail + 5] ^= 0x55;
    f[tail + 6] ^= 0xaa;
    assert_true(ivet_elf_scan_mem(ivet_bytes_make(f, size), 1000, &c, &err) >= 0);
    ivet_pkglist_release(&l);
    free(f);
}

/* ---- layer attribution */

static void add(struct ivet_pkglist *l, const char *name, const char *ver, int layer)
{
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_package p = { .type = "apk", .name = (char *)name, .version = (char *)ver,
                              .layer = layer };
    assert_int_equal(ivet_pkglist_add(l, &p, &err), 0);
}

static void test_layer_attribution_finds_the_layer_that_added_each_version(void **st)
{
    (void)st;
    struct ivet_pkglist vis = { 0 }, older[2] = { { 0 } };
    int layers[2] = { 0, 1 };
    add(&older[0], "a", "1", 0);
    add(&older[0], "b", "1", 0);
    add(&older[0], "d", "1", 0);
    add(&older[1], "a", "1", 1);
    add(&older[1], "b", "2", 1);                /* upgraded in layer 1 */
    /* d removed in layer 1, installed again in layer 3 */
    add(&vis, "a", "1", 3);
    add(&vis, "b", "2", 3);
    add(&vis, "c", "1", 3);
    add(&vis, "d", "1", 3);
    ivet_pkglist_attribute(&vis, 3, older, layers, 2);
    assert_int_equal(find(&vis, "a")->layer, 0);
    assert_int_equal(find(&vis, "b")->layer, 1);
    assert_int_equal(find(&vis, "c")->layer, 3);
    assert_int_equal(find(&vis, "d")->layer, 3);
    /* with no older versions every package stays in the visible layer */
    ivet_pkglist_attribute(&vis, 3, NULL, NULL, 0);
    assert_int_equal(find(&vis, "a")->layer, 3);
    ivet_pkglist_release(&vis);
    ivet_pkglist_release(&older[0]);
    ivet_pkglist_release(&older[1]);
}

static void test_parsers_survive_allocation_failure(void **st)
{
    (void)st;
    size_t n;
    char *b = fixture("dpkg-status", &n);
    for (long k = 0; k < 40; k++) {
        struct ivet_err err = IVET_ERR_INIT;
        struct ivet_pkglist l = { 0 };
        struct ivet_pkgctx c = ctx(&l, "/var/lib/dpkg/status", "debian", "12");
        ivet_alloc_fail_after(k);
        int r = ivet_dpkg_parse(ivet_bytes_make(b, n), false, &c, &err);
        ivet_alloc_fail_after(-1);
        assert_true(r == 3 || r == -IVET_E_NOMEM);
        if (r < 0)
            assert_int_equal(err.code, IVET_E_NOMEM);
        ivet_err_release(&err);
        ivet_pkglist_release(&l);
    }
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_purl_encodes_reserved_characters_and_sorts_qualifiers),
        cmocka_unit_test(test_os_release_parses_quotes_and_escapes),
        cmocka_unit_test(test_os_fallback_files_identify_the_distribution),
        cmocka_unit_test(test_os_eol_table_matches_release_keys),
        cmocka_unit_test(test_apkdb_lists_records_and_skips_broken_ones),
        cmocka_unit_test(test_malformed_records_are_counted),
        cmocka_unit_test(test_alpine_3_20_3_rootfs_has_exactly_its_14_packages),
        cmocka_unit_test(test_dpkg_status_lists_installed_packages_with_sources),
        cmocka_unit_test(test_rpm_header_gives_name_epoch_release_and_source),
        cmocka_unit_test(test_rpmdb_sqlite_is_read_from_memory),
        cmocka_unit_test(test_python_metadata_takes_first_headers_only),
        cmocka_unit_test(test_npm_manifests_and_which_paths_count),
        cmocka_unit_test(test_gemspec_literals_and_file_name),
        cmocka_unit_test(test_jar_pom_properties_including_nested_jars),
        cmocka_unit_test(test_go_buildinfo_inline_format_in_any_chunking),
        cmocka_unit_test(test_go_buildinfo_old_pointer_format_within_window),
        cmocka_unit_test(test_go_buildinfo_is_searched_in_the_data_segment_only),
        cmocka_unit_test(test_cargo_auditable_section_in_the_tail),
        cmocka_unit_test(test_layer_attribution_finds_the_layer_that_added_each_version),
        cmocka_unit_test(test_parsers_survive_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
