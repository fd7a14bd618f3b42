/* packages_rpm.c: rpm's SQLite database (rpmdb.sqlite, Fedora 33+ and
 * RHEL 9 family), opened from memory read-only, and the rpm header blobs of
 * its Packages table, parsed here with every count and offset bounded.
 * The older Berkeley DB and ndb formats are reported by the glue as
 * unsupported, never as an empty list. */
#include "analyze/packages.h"

#include <sqlite3.h>
#include <string.h>

enum {
    TAG_NAME = 1000, TAG_VERSION = 1001, TAG_RELEASE = 1002, TAG_EPOCH = 1003,
    TAG_LICENSE = 1014, TAG_ARCH = 1022, TAG_SOURCERPM = 1044,
};
enum { T_INT32 = 4, T_STRING = 6, T_STRING_ARRAY = 8, T_I18NSTRING = 9 };

#define RPM_MAX_INDEX 0x10000u          /* rpm itself refuses more */
#define RPM_MAX_DATA (256u * 1024u * 1024u)

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)ivet_load_uint(p, 4, true);
}

struct rpm_hdr {
    const uint8_t *index, *data;
    uint32_t il, dl;
};

/* A string tag: the NUL-terminated string at the entry's offset, bounded by
 * the data store. NULL when absent or malformed. */
static const char *hdr_string(const struct rpm_hdr *h, uint32_t tag)
{
    for (uint32_t i = 0; i < h->il; i++) {
        const uint8_t *e = h->index + 16 * (size_t)i;
        if (be32(e) != tag)
            continue;
        uint32_t type = be32(e + 4), off = be32(e + 8);
        if ((type != T_STRING && type != T_STRING_ARRAY && type != T_I18NSTRING) || off >= h->dl)
            return NULL;
        const char *s = (const char *)h->data + off;
        return memchr(s, 0, h->dl - off) ? s : NULL;
    }
    return NULL;
}

static bool hdr_int32(const struct rpm_hdr *h, uint32_t tag, uint32_t *v)
{
    for (uint32_t i = 0; i < h->il; i++) {
        const uint8_t *e = h->index + 16 * (size_t)i;
        if (be32(e) != tag)
            continue;
        uint32_t type = be32(e + 4), off = be32(e + 8), count = be32(e + 12);
        if (type != T_INT32 || count < 1 || off > h->dl || h->dl - off < 4)
            return false;
        *v = be32(h->data + off);
        return true;
    }
    return false;
}

/* "bash-5.2.15-5.fc39.src.rpm" -> "bash", "5.2.15-5.fc39" */
static void split_sourcerpm(const char *s, char **name, char **ver)
{
    size_t n = strlen(s);
    if (n > 8 && !strcmp(s + n - 8, ".src.rpm"))
        n -= 8;
    else if (n > 10 && !strcmp(s + n - 10, ".nosrc.rpm"))
        n -= 10;
    else
        return;
    /* the last two '-' separate name, version and release */
    const char *rel = NULL, *ver_ = NULL;
    for (size_t i = n; i-- > 0;) {
        if (s[i] != '-')
            continue;
        if (!rel)
            rel = s + i;
        else {
            ver_ = s + i;
            break;
        }
    }
    if (!rel || !ver_ || ver_ == s)
        return;
    *name = ivet_strndup(s, (size_t)(ver_ - s));
    *ver = ivet_strndup(ver_ + 1, (size_t)(s + n - ver_ - 1));
}

int ivet_rpm_header_parse(struct ivet_bytes b, const struct ivet_pkgctx *c, struct ivet_err *err)
{
    if (b.len < 8) {
        ivet_pkg_malformed(c);
        return 0;
    }
    struct rpm_hdr h = { .il = be32(b.ptr), .dl = be32(b.ptr + 4) };
    if (h.il == 0 || h.il > RPM_MAX_INDEX || h.dl > RPM_MAX_DATA ||
        (uint64_t)8 + 16 * (uint64_t)h.il + h.dl > b.len) {
        ivet_pkg_malformed(c);
        return 0;
    }
    h.index = b.ptr + 8;
    h.data = h.index + 16 * (size_t)h.il;
    const char *name = hdr_string(&h, TAG_NAME), *ver = hdr_string(&h, TAG_VERSION);
    const char *rel = hdr_string(&h, TAG_RELEASE), *arch = hdr_string(&h, TAG_ARCH);
    const char *srpm = hdr_string(&h, TAG_SOURCERPM), *lic = hdr_string(&h, TAG_LICENSE);
    uint32_t epoch = 0;
    bool has_epoch = hdr_int32(&h, TAG_EPOCH, &epoch);
    if (!name || !ver || !*name || !*ver) {
        ivet_pkg_malformed(c);
        return 0;
    }
    if (!strcmp(name, "gpg-pubkey"))
        return 0;                       /* an imported key, not a package */

    char *version = NULL, *purl_ver = NULL, *epoch_s = NULL, *distro = NULL, *purl = NULL;
    char *src_name = NULL, *src_ver = NULL;
    int ret;
    purl_ver = rel && *rel ? ivet_asprintf("%s-%s", ver, rel) : ivet_strdup(ver);
    version = has_epoch && epoch ? ivet_asprintf("%u:%s", epoch, purl_ver ? purl_ver : "")
                                 : ivet_strdup(purl_ver ? purl_ver : "");
    epoch_s = has_epoch && epoch ? ivet_asprintf("%u", epoch) : NULL;
    distro = ivet_purl_distro(c->distro_id, c->distro_version);
    if (srpm)
        split_sourcerpm(srpm, &src_name, &src_ver);
    struct ivet_purl_qual q[] = { { "arch", arch }, { "distro", distro }, { "epoch", epoch_s } };
    if (!purl_ver || !version || (has_epoch && epoch && !epoch_s) ||
        !(purl = ivet_purl("rpm", c->distro_id ? c->distro_id : "redhat", name, purl_ver, q,
                           IVET_ARRAY_LEN(q)))) {
        ret = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        goto out;
    }
    struct ivet_package p = {
        .type = "rpm", .name = (char *)name, .version = version, .arch = (char *)arch,
        .source_name = src_name, .source_version = src_name ? src_ver : NULL,
        .license = (char *)lic, .purl = purl,
    };
    ret = ivet_pkg_emit(c, &p, err);
    ret = ret < 0 ? ret : 1;
out:
    ivet_free(version);
    ivet_free(purl_ver);
    ivet_free(epoch_s);
    ivet_free(distro);
    ivet_free(purl);
    ivet_free(src_name);
    ivet_free(src_ver);
    return ret;
}

int ivet_rpmdb_sqlite_parse(struct ivet_bytes b, const struct ivet_pkgctx *c, struct ivet_err *err)
{
    static const char magic[] = "SQLite format 3";
    if (b.len < 100 || memcmp(b.ptr, magic, sizeof(magic)))
        return ivet_err_set(err, IVET_E_UNSUPPORTED, "'%s' is not an SQLite database",
                            c->path ? c->path : "rpmdb");
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int count = 0;
    /* SQLite reads a deserialized database in place; a copy lets us clear the
     * WAL flag (bytes 18-19), which an in-memory database cannot honour. */
    unsigned char *copy = sqlite3_malloc64(b.len);
    if (!copy)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    memcpy(copy, b.ptr, b.len);
    if (copy[18] == 2)
        copy[18] = 1;
    if (copy[19] == 2)
        copy[19] = 1;
    if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        sqlite3_free(copy);
        count = ivet_err_set(err, IVET_E_NOMEM, "cannot open an in-memory database");
        goto out;
    }
    if (sqlite3_deserialize(db, "main", copy, (sqlite3_int64)b.len, (sqlite3_int64)b.len,
                            SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY) !=
        SQLITE_OK) {
        count = ivet_err_set(err, IVET_E_FORMAT, "'%s': %s", c->path ? c->path : "rpmdb",
                             sqlite3_errmsg(db));
        goto out;
    }
    /* Hostile databases: keep SQLite's own work bounded too. */
    sqlite3_limit(db, SQLITE_LIMIT_LENGTH, (int)RPM_MAX_DATA);
    if (sqlite3_prepare_v2(db, "SELECT blob FROM Packages", -1, &st, NULL) != SQLITE_OK) {
        count = ivet_err_set(err, IVET_E_FORMAT, "'%s': %s", c->path ? c->path : "rpmdb",
                             sqlite3_errmsg(db));
        goto out;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const void *blob = sqlite3_column_blob(st, 0);
        int n = sqlite3_column_bytes(st, 0);
        if (!blob || n <= 0)
            continue;
        int k = ivet_rpm_header_parse(ivet_bytes_make(blob, (size_t)n), c, err);
        if (k < 0) {
            count = k;
            goto out;
        }
        count += k;
    }
    if (rc != SQLITE_DONE)
        count = ivet_err_set(err, IVET_E_FORMAT, "'%s': %s", c->path ? c->path : "rpmdb",
                             sqlite3_errmsg(db));
out:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return count;
}
