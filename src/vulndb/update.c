/* update.c: `db update`: downloads each configured source with libcurl
 * (TLS verified; conditional GET with the ETag and Last-Modified of the last
 * import, so a 304 costs nothing) into a temporary file next to the
 * database, then imports it through import.c. */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "vulndb/store.h"
#include "core/lazylib.h"

#define MAX_DOWNLOAD (4ull << 30)

static const char *const default_osv_ecosystems[] = { "PyPI", "npm", "Go", "Maven", "crates.io",
                                                      NULL };
static const char *const default_alpine_releases[] = { "v3.18", "v3.19", "v3.20", "v3.21",
                                                       "v3.22", NULL };
static const char *const default_alpine_repos[] = { "main", "community", NULL };

void ivet_vulndb_update_opts_init(struct ivet_vulndb_update_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->osv_base = "https://osv-vulnerabilities.storage.googleapis.com";
    o->osv_ecosystems = default_osv_ecosystems;
    o->alpine_base = "https://secdb.alpinelinux.org";
    o->alpine_releases = default_alpine_releases;
    o->alpine_repos = default_alpine_repos;
    o->debian_url = "https://security-tracker.debian.org/tracker/data/json";
    o->timeout = 600;
}

struct dl {
    FILE *out;
    uint64_t bytes;
    char *etag, *last_modified;
    bool too_big;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    struct dl *d = arg;
    size_t len = size * n;
    if (d->bytes + len > MAX_DOWNLOAD) {
        d->too_big = true;
        return 0;
    }
    d->bytes += len;
    return fwrite(p, 1, len, d->out);
}

/* Keeps the value of "Name: value\r\n" when the header is `name`. */
static void header_value(const char *line, size_t len, const char *name, char **out)
{
    size_t nl = strlen(name);
    if (len <= nl + 1 || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
        return;
    const char *v = line + nl + 1;
    size_t vl = len - nl - 1;
    while (vl && (*v == ' ' || *v == '\t'))
        v++, vl--;
    while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
        vl--;
    if (vl == 0 || vl > 512)
        return;
    ivet_free(*out);
    *out = ivet_strndup(v, vl);
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    struct dl *d = arg;
    size_t len = size * n;
    if (len > 5 && !strncmp(p, "HTTP/", 5)) {      /* a new response (redirect): reset */
        ivet_free(d->etag);
        ivet_free(d->last_modified);
        d->etag = d->last_modified = NULL;
    }
    header_value(p, len, "ETag", &d->etag);
    header_value(p, len, "Last-Modified", &d->last_modified);
    return len;
}

/* GETs url into path. Returns 200 or 304 (nothing written), or -code. */
static int fetch(const struct ivet_vulndb_update_opts *o, const char *url, const char *path,
                 const char *etag, const char *last_modified, struct dl *d, struct ivet_err *err)
{
    CURL *c = curl_easy_init();
    struct curl_slist *hdr = NULL;
    char ebuf[CURL_ERROR_SIZE] = "";
    int rc;
    memset(d, 0, sizeof(*d));
    if (!c)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    if (!(d->out = fopen(path, "wb"))) {
        curl_easy_cleanup(c);
        return ivet_err_sys(err, IVET_E_IO, "cannot write '%s'", path);
    }
    char *h1 = etag ? ivet_asprintf("If-None-Match: %s", etag) : NULL;
    char *h2 = last_modified ? ivet_asprintf("If-Modified-Since: %s", last_modified) : NULL;
    if (h1)
        hdr = curl_slist_append(hdr, h1);
    if (h2)
        hdr = curl_slist_append(hdr, h2);
    const char *protos = o->insecure_http ? "https,http" : "https";
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protos);
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, protos);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (o->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "imagevet/0.1");
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, d);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, d);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (o->timeout > 0)
        curl_easy_setopt(c, CURLOPT_TIMEOUT, o->timeout);
    CURLcode cc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (fclose(d->out) != 0 && cc == CURLE_OK)
        cc = CURLE_WRITE_ERROR;
    d->out = NULL;
    if (d->too_big)
        rc = ivet_err_set(err, IVET_E_LIMIT, "GET '%s': response larger than %llu bytes", url,
                          (unsigned long long)MAX_DOWNLOAD);
    else if (cc != CURLE_OK)
        rc = ivet_err_set(err, IVET_E_NETWORK, "GET '%s': %s", url,
                          *ebuf ? ebuf : curl_easy_strerror(cc));
    else if (status == 200 || status == 304)
        rc = (int)status;
    else
        rc = ivet_err_set(err, IVET_E_NETWORK, "GET '%s': HTTP status %ld", url, status);
    curl_slist_free_all(hdr);
    ivet_free(h1);
    ivet_free(h2);
    curl_easy_cleanup(c);
    return rc;
}

/* Downloads one source and imports it when it changed. */
static int update_one(struct ivet_vulndb *db, const struct ivet_vulndb_update_opts *o,
                      const char *name, const char *url, const char *tmp, FILE *log,
                      struct ivet_vulndb_stats *st, struct ivet_err *err)
{
    char *etag = NULL, *lm = NULL;
    struct dl d;
    int rc = ivet_store_get_source(db, name, &etag, &lm, err);
    if (rc == 0)
        rc = fetch(o, url, tmp, etag, lm, &d, err);
    if (rc == 304) {
        if (log)
            fprintf(log, "%s: not modified\n", name);
        rc = 0;
    } else if (rc == 200) {
        uint64_t before = st->records;
        rc = ivet_vulndb_import_file(db, tmp, url, name, log, st, err);
        if (rc == 0)
            rc = ivet_store_put_source(db, name, url, d.etag, d.last_modified,
                                       (int64_t)(st->records - before), err);
        if (rc == 0 && log)
            fprintf(log, "%s: %llu records from %s\n", name,
                    (unsigned long long)(st->records - before), url);
    }
    if (rc < 0)
        ivet_err_wrap(err, "source '%s'", name);
    unlink(tmp);
    ivet_free(etag);
    ivet_free(lm);
    ivet_free(d.etag);
    ivet_free(d.last_modified);
    return rc;
}

int ivet_vulndb_update(struct ivet_vulndb *db, const struct ivet_vulndb_update_opts *o,
                       FILE *log, struct ivet_vulndb_stats *st, struct ivet_err *err)
{
    struct ivet_vulndb_stats local = { 0 };
    struct ivet_err first = IVET_ERR_INIT;
    char name[256], url[2048];
    if (!st)
        st = &local;
    double t0 = ivet_now();
    if (ivet_lazylib_require(&ivet_lib_curl, err) < 0)
        return -(int)err->code;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char *tmp_zip = ivet_asprintf("%s.download.zip", db->path);
    char *tmp_json = ivet_asprintf("%s.download.json", db->path);
    if (!tmp_zip || !tmp_json) {
        ivet_free(tmp_zip);
        ivet_free(tmp_json);
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    }
    /* Every source is tried; the first failure is reported. */
#define TRY(expr)                                                                 \
    do {                                                                          \
        struct ivet_err e = IVET_ERR_INIT;                                        \
        if ((expr) < 0 && first.code == IVET_OK)                                  \
            ivet_err_move(&first, &e);                                            \
        else if (e.code != IVET_OK && log)                                        \
            fprintf(log, "error: %s\n", ivet_err_msg(&e));                        \
        ivet_err_release(&e);                                                     \
    } while (0)
    for (const char *const *eco = o->osv_ecosystems; o->osv_base && eco && *eco; eco++) {
        snprintf(name, sizeof(name), "osv:%s", *eco);
        snprintf(url, sizeof(url), "%s/%s/all.zip", o->osv_base, *eco);
        TRY(update_one(db, o, name, url, tmp_zip, log, st, &e));
    }
    for (const char *const *rel = o->alpine_releases; o->alpine_base && rel && *rel; rel++)
        for (const char *const *repo = o->alpine_repos; repo && *repo; repo++) {
            snprintf(name, sizeof(name), "alpine-secdb:%s/%s", *rel, *repo);
            snprintf(url, sizeof(url), "%s/%s/%s.json", o->alpine_base, *rel, *repo);
            TRY(update_one(db, o, name, url, tmp_json, log, st, &e));
        }
    if (o->debian_url)
        TRY(update_one(db, o, "debian-tracker", o->debian_url, tmp_json, log, st, &e));
#undef TRY
    ivet_free(tmp_zip);
    ivet_free(tmp_json);
    st->seconds = ivet_now() - t0;
    if (first.code != IVET_OK) {
        ivet_err_move(err, &first);
        return -err->code;
    }
    return 0;
}
