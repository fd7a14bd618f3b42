/* hub.c: a small Docker Hub metadata client: one repository's public
 * metadata (/v2/repositories/{ns}/{name}/) and its trust badge (search
 * API), cached on disk with the time it was fetched so repeated runs stay
 * off the network for a day. Interpreting the metadata is popularity.c's. */
#include "analyze/names.h"
#include "core/lazylib.h"
#include "imagevet/imagevet.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HUB_DEFAULT "https://hub.docker.com"
#define HUB_MAX_BODY (4u << 20)     /* full_description is at most 25 000 characters */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct body {
    struct ivet_buf buf;
    bool over;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    struct body *b = arg;
    struct ivet_err e = IVET_ERR_INIT;
    if (ivet_buf_append(&b->buf, p, size * n, &e) < 0) {
        b->over = true;
        ivet_err_release(&e);
        return 0;
    }
    return size * n;
}

/* GET url into *out (NUL-terminated). Any failure is IVET_E_NETWORK or
 * IVET_E_LIMIT with what happened. *status receives the HTTP status. */
static int http_get(const char *url, long timeout_ms, char **out, long *status, struct ivet_err *err)
{
    struct body b = { .over = false };
    int rc = 0;
    if (ivet_lazylib_require(&ivet_lib_curl, err) < 0)
        return -(int)err->code;
    pthread_once(&curl_once, curl_init_once);
    ivet_buf_init(&b.buf, HUB_MAX_BODY);
    CURL *c = curl_easy_init();
    if (!c)
        return ivet_err_set(err, IVET_E_NOMEM, "cannot start an HTTP client");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, IVET_MIN(timeout_ms, 5000L));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "imagevet/" IMAGEVET_VERSION);
    CURLcode cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    if (b.over)
        rc = ivet_err_set(err, IVET_E_LIMIT, "response from '%s' exceeds %u bytes", url, HUB_MAX_BODY);
    else if (cc != CURLE_OK)
        rc = ivet_err_set(err, IVET_E_NETWORK, "cannot reach '%s': %s", url, curl_easy_strerror(cc));
    else if (!(*out = ivet_buf_detach(&b.buf)))
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory reading '%s'", url);
    curl_easy_cleanup(c);
    ivet_buf_release(&b.buf);
    return rc;
}

/* The cache file for this repository at this base URL:
 * <dir>/<ns>@<name>@<first 12 hex of sha256(base url)>.json. The path has
 * been through the reference grammar, so it holds no '/' beyond the one
 * between namespace and name, no "..", and no '@'. */
static char *cache_file(const char *dir, const char *base, const char *path)
{
    struct ivet_digest d;
    ivet_sha256(base, strlen(base), &d);
    const char *slash = strchr(path, '/');
    return ivet_asprintf("%s/%.*s@%s@%.12s.json", dir, (int)(slash - path), path, slash + 1,
                         ivet_digest_hex(&d));
}

static json_t *cache_read(const char *file, long max_age, long long now)
{
    json_error_t je;
    json_t *doc = json_load_file(file, 0, &je);
    json_t *at = json_object_get(doc, "fetched_at"), *repo = json_object_get(doc, "repository");
    if (!json_is_integer(at) || !json_is_object(repo) || now - json_integer_value(at) > max_age ||
        json_integer_value(at) > now + 300) {
        json_decref(doc);
        return NULL;
    }
    json_object_set_new(repo, "_cached_at", json_integer(json_integer_value(at)));
    json_object_set_new(repo, "_source", json_string("cache"));
    json_t *badge = json_object_get(doc, "badge");
    if (json_is_string(badge))
        json_object_set(repo, "_badge", badge);
    json_incref(repo);
    json_decref(doc);
    return repo;
}

/* Best effort: a cache that cannot be written only costs a later call. */
static void cache_write(const char *file, json_t *repo, const char *badge, long long now)
{
    json_t *doc = json_pack("{s:I, s:O, s:s?}", "fetched_at", (json_int_t)now, "repository", repo,
                            "badge", badge);
    char *tmp = ivet_asprintf("%s.%ld.tmp", file, (long)getpid());
    if (doc && tmp && json_dump_file(doc, tmp, JSON_COMPACT) == 0 && rename(tmp, file) != 0)
        unlink(tmp);
    json_decref(doc);
    ivet_free(tmp);
}

/* The trust badge from the search API: the exact-name result's "badge".
 * Optional, so any failure just leaves it out. */
static char *fetch_badge(const char *base, const char *path, long timeout_ms)
{
    struct ivet_err e = IVET_ERR_INIT;
    char *body = NULL, *badge = NULL;
    long status = 0;
    const char *q = ivet_startswith(path, "library/") ? path + 8 : path;
    char *url = ivet_asprintf("%s/api/search/v4?query=%s&type=image&size=25", base, q);
    json_t *doc = NULL;
    if (!url || http_get(url, timeout_ms, &body, &status, &e) < 0 || status != 200)
        goto out;
    doc = json_loads(body, 0, NULL);
    json_t *results = json_object_get(doc, "results"), *it;
    size_t i;
    json_array_foreach(results, i, it) {
        const char *name = json_string_value(json_object_get(it, "name"));
        const char *b = json_string_value(json_object_get(it, "badge"));
        if (name && b && (!strcmp(name, path) || !strcmp(name, q))) {
            badge = ivet_strdup(b);
            break;
        }
    }
out:
    json_decref(doc);
    ivet_free(body);
    ivet_free(url);
    ivet_err_release(&e);
    return badge;
}

static int fetch_repo(const char *base, const char *path, long timeout_ms, json_t **repo,
                      struct ivet_err *err)
{
    char *body = NULL;
    long status = 0;
    char *url = ivet_asprintf("%s/v2/repositories/%s/", base, path);
    if (!url)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    int rc = http_get(url, timeout_ms, &body, &status, err);
    if (rc < 0)
        goto out;
    if (status == 404)
        rc = ivet_err_set(err, IVET_E_NOTFOUND, "'%s' is not a public Docker Hub repository (HTTP 404)", path);
    else if (status == 429)
        rc = ivet_err_set(err, IVET_E_NETWORK, "Docker Hub rate limit reached (HTTP 429)");
    else if (status != 200)
        rc = ivet_err_set(err, IVET_E_NETWORK, "'%s' answered HTTP %ld", url, status);
    if (rc < 0)
        goto out;
    json_error_t je;
    *repo = json_loads(body, 0, &je);
    if (!json_is_object(*repo) || !json_is_integer(json_object_get(*repo, "pull_count"))) {
        rc = ivet_err_set(err, IVET_E_FORMAT, "'%s' did not answer a repository object (%s at line %d)",
                          url, *repo ? "no integer pull_count" : je.text, je.line);
        json_decref(*repo);
        *repo = NULL;
    }
out:
    ivet_free(body);
    ivet_free(url);
    return rc;
}

int ivet_hub_fetch(const struct ivet_hub_opts *o, const char *path, json_t **repo,
                   struct ivet_err *err)
{
    const char *base = o->hub_url && *o->hub_url ? o->hub_url : HUB_DEFAULT;
    long timeout = o->timeout_ms > 0 ? o->timeout_ms : 10000;
    long max_age = o->max_age_s > 0 ? o->max_age_s : 24 * 3600;
    long long now = (long long)time(NULL);
    const char *slash = strchr(path, '/');
    *repo = NULL;
    if (!slash || strchr(slash + 1, '/'))
        return ivet_err_set(err, IVET_E_UNSUPPORTED, "'%s' is not a Docker Hub namespace/name path", path);
    struct ivet_err cerr = IVET_ERR_INIT;       /* no cache directory only costs the cache */
    char *dir = ivet_cache_path(o->cache_dir, "hub", &cerr), *file = dir ? cache_file(dir, base, path) : NULL;
    ivet_err_release(&cerr);
    if (file && (*repo = cache_read(file, max_age, now))) {
        ivet_free(file);
        ivet_free(dir);
        return 0;
    }
    int rc = fetch_repo(base, path, timeout, repo, err);
    if (rc == 0) {
        char *badge = fetch_badge(base, path, timeout);
        if (dir && ivet_mkdir_p(dir, 0700, &cerr) == 0)
            cache_write(file, *repo, badge, now);
        ivet_err_release(&cerr);
        json_object_set_new(*repo, "_cached_at", json_integer(now));
        json_object_set_new(*repo, "_source", json_string("network"));
        if (badge)
            json_object_set_new(*repo, "_badge", json_string(badge));
        ivet_free(badge);
    }
    ivet_free(file);
    ivet_free(dir);
    return rc;
}
