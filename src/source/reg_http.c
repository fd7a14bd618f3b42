/* reg_http.c: the registry HTTP client: URL building, the retry policy, TLS
 * and redirect settings, the /v2/ ping that picks https or (for hosts the
 * user listed as insecure) http, small bounded GETs (manifests, configs,
 * tokens) and error messages built from the distribution error body. The
 * Basic and Bearer flows are reg_login.c's, streaming blobs reg_blob.c's. */
#include "source/reg.h"
#include "core/lazylib.h"
#include "imagevet/imagevet.h"

#include <ctype.h>
#include <math.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>

#define MAX_HEADER 8192
#define MAX_ERROR_BODY (64u << 10)

/* ---- URLs */
static bool repo_chars_ok(const char *s)
{
    if (!*s || strlen(s) > 255)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
              *p == '-' || *p == '/'))
            return false;
    return s[0] != '/' && !strstr(s, "..") && !strstr(s, "//");
}

static bool ref_chars_ok(const char *s)
{
    if (!*s || strlen(s) > 160)
        return false;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._-:", *p))
            return false;
    return true;
}

char *ivet_reg_url(const char *base, const char *repo, const char *kind, const char *ref,
                   struct ivet_err *err)
{
    if (!repo_chars_ok(repo)) {
        ivet_err_set(err, IVET_E_USAGE, "invalid repository name '%s'", repo);
        return NULL;
    }
    if (!ref_chars_ok(ref)) {
        ivet_err_set(err, IVET_E_USAGE, "invalid tag or digest '%s'", ref);
        return NULL;
    }
    char *u = ivet_asprintf("%s/v2/%s/%s/%s", base, repo, kind, ref);
    if (!u)
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    return u;
}

/* Appends "&name=value" with value percent-encoded (RFC 3986 unreserved kept). */
int ivet_reg_query_add(struct ivet_buf *b, bool *first, const char *name, const char *value,
                       struct ivet_err *err)
{
    if (ivet_buf_printf(b, err, "%s%s=", *first ? "" : "&", name) < 0)
        return -err->code;
    *first = false;
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        int r = isalnum(*p) || strchr("-._~", *p) ? ivet_buf_append(b, p, 1, err)
                                                   : ivet_buf_printf(b, err, "%%%02X", *p);
        if (r < 0)
            return r;
    }
    return 0;
}

char *ivet_reg_token_url(const char *realm, const char *service, const char *scope,
                         struct ivet_err *err)
{
    if (!ivet_startswith(realm, "https://") && !ivet_startswith(realm, "http://")) {
        char *s = ivet_sanitize(realm, strlen(realm), 200);
        ivet_err_set(err, IVET_E_AUTH, "token realm '%s' is not an http(s) URL", s ? s : "?");
        ivet_free(s);
        return NULL;
    }
    struct ivet_buf b;
    ivet_buf_init(&b, 16384);
    bool first = false;
    if (ivet_buf_puts(&b, realm, err) < 0 ||
        ivet_buf_puts(&b, strchr(realm, '?') ? "" : "?", err) < 0)
        goto fail;
    first = !strchr(realm, '?') || ivet_endswith(realm, "?") || ivet_endswith(realm, "&");
    if (service && *service && ivet_reg_query_add(&b, &first, "service", service, err) < 0)
        goto fail;
    if (scope && *scope && ivet_reg_query_add(&b, &first, "scope", scope, err) < 0)
        goto fail;
    char *u = ivet_buf_detach(&b);
    if (!u)
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    return u;
fail:
    ivet_buf_release(&b);
    return NULL;
}

bool ivet_reg_host_listed(const char *host, const char **list)
{
    for (; list && *list; list++)
        if (!strcasecmp(*list, host))
            return true;
    return false;
}

/* ---- retry policy */
static double real_now(void *ctx)
{
    (void)ctx;
    return ivet_now();
}

static void real_sleep(void *ctx, double s)
{
    (void)ctx;
    if (s <= 0)
        return;
    struct timespec ts = { (time_t)s, (long)((s - floor(s)) * 1e9) };
    while (nanosleep(&ts, &ts) < 0)
        ;
}

const struct ivet_reg_clock ivet_reg_clock_real = { real_now, real_sleep, NULL };
const struct ivet_reg_retry ivet_reg_retry_default = { 5, 0.5, 2.0, 8.0 };

double ivet_reg_backoff(const struct ivet_reg_retry *p, int attempt, double retry_after)
{
    double d = p->base;
    for (int i = 1; i < attempt && d < p->max_delay; i++)
        d *= p->factor;
    if (d > p->max_delay)
        d = p->max_delay;
    if (retry_after > d)
        d = retry_after > 60 ? 60 : retry_after;
    return d;
}

bool ivet_reg_retryable_status(long s)
{
    return s == 408 || s == 429 || (s >= 500 && s <= 599 && s != 501 && s != 505);
}

bool ivet_reg_retryable_curl(CURLcode cc)
{
    switch (cc) {
    case CURLE_COULDNT_CONNECT: case CURLE_COULDNT_RESOLVE_HOST: case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR: case CURLE_SEND_ERROR: case CURLE_GOT_NOTHING:
    case CURLE_OPERATION_TIMEDOUT: case CURLE_HTTP2: case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}

enum ivet_reg_attempt ivet_reg_retry_run(const struct ivet_reg_retry *p,
                                         const struct ivet_reg_clock *clock,
                                         enum ivet_reg_attempt (*fn)(void *, int, double *),
                                         void *ctx)
{
    enum ivet_reg_attempt r = IVET_REG_FAIL;
    for (int a = 1; a <= p->max_attempts; a++) {
        double ra = -1;
        r = fn(ctx, a, &ra);
        if (r != IVET_REG_AGAIN || a == p->max_attempts)
            break;
        clock->sleep(clock->ctx, ivet_reg_backoff(p, a, ra));
    }
    return r;
}

double ivet_reg_parse_retry_after(const char *v)
{
    uint64_t n;
    while (v && (*v == ' ' || *v == '\t'))
        v++;
    if (!v || !ivet_parse_u64(v, &n))
        return -1;
    return n > 3600 ? 3600.0 : (double)n;
}

/* ---- responses */
void ivet_reg_resp_release(struct ivet_reg_resp *r)
{
    ivet_buf_release(&r->body);
    ivet_free(r->content_type);
    ivet_free(r->docker_digest);
    ivet_free(r->www_auth);
    ivet_free(r->location);
    memset(r, 0, sizeof(*r));
    r->retry_after = -1;
}

static void resp_reset(struct ivet_reg_resp *r, size_t max)
{
    ivet_reg_resp_release(r);
    ivet_buf_init(&r->body, max);
}

struct xfer {
    struct ivet_reg_resp *resp;
    struct ivet_err werr;               /* why the write callback stopped */
};

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    struct xfer *x = ud;
    if (ivet_buf_append(&x->resp->body, p, sz * n, &x->werr) < 0)
        return 0;
    return sz * n;
}

/* Stores "Name: value" into *dst when the header name matches. */
static void grab(const char *line, size_t len, const char *name, char **dst)
{
    size_t nl = strlen(name);
    if (len <= nl + 1 || strncasecmp(line, name, nl) || line[nl] != ':')
        return;
    const char *v = line + nl + 1;
    size_t vl = len - nl - 1;
    while (vl && (*v == ' ' || *v == '\t')) {
        v++;
        vl--;
    }
    while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
        vl--;
    ivet_free(*dst);
    *dst = ivet_strndup(v, vl);
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    struct xfer *x = ud;
    struct ivet_reg_resp *r = x->resp;
    size_t len = sz * n;
    if (len > MAX_HEADER)
        return len;
    if (len >= 5 && !strncmp(p, "HTTP/", 5)) {     /* a new response (redirects) */
        ivet_free(r->content_type);
        ivet_free(r->docker_digest);
        ivet_free(r->www_auth);
        r->content_type = r->docker_digest = r->www_auth = NULL;
        r->retry_after = -1;
        return len;
    }
    grab(p, len, "Content-Type", &r->content_type);
    grab(p, len, "Docker-Content-Digest", &r->docker_digest);
    grab(p, len, "WWW-Authenticate", &r->www_auth);
    grab(p, len, "Location", &r->location);
    char *ra = NULL;
    grab(p, len, "Retry-After", &ra);
    if (ra) {
        r->retry_after = ivet_reg_parse_retry_after(ra);
        ivet_free(ra);
    }
    return len;
}

/* ---- client */
void ivet_reg_setup_easy(struct ivet_reg *r, CURL *h)
{
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "imagevet/" IMAGEVET_VERSION);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
    /* A custom Authorization header is only sent to the host it was meant for
     * (libcurl >= 7.58); say so explicitly rather than rely on the default. */
    curl_easy_setopt(h, CURLOPT_UNRESTRICTED_AUTH, 0L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, r->insecure ? "http,https" : "https");
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
    /* a stalled transfer (under 1 byte/s for 60 s) counts as dropped */
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, r->insecure ? 0L : 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, r->insecure ? 0L : 2L);
    if (r->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, r->ca_file);
    if (r->unix_socket)
        curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, r->unix_socket);
}

struct curl_slist *ivet_reg_headers(struct ivet_reg *r, const char *accept, const char *extra)
{
    struct curl_slist *l = NULL, *t;
    char line[1024];
    if (accept) {
        snprintf(line, sizeof(line), "Accept: %s", accept);
        if (!(l = curl_slist_append(l, line)))
            return NULL;
    }
    if (extra) {
        if (!(t = curl_slist_append(l, extra)))
            goto fail;
        l = t;
    }
    pthread_mutex_lock(&r->lock);
    if (r->authz) {
        if (!(t = curl_slist_append(l, r->authz))) {
            pthread_mutex_unlock(&r->lock);
            goto fail;
        }
        l = t;
    }
    pthread_mutex_unlock(&r->lock);
    if (!l)     /* callers treat NULL as OOM: a harmless header stands in */
        l = curl_slist_append(NULL, "X-Imagevet: 1");
    return l;
fail:
    ivet_reg_headers_free(l);
    return NULL;
}

void ivet_reg_headers_free(struct curl_slist *l)
{
    for (struct curl_slist *p = l; p; p = p->next)
        if (p->data)
            OPENSSL_cleanse(p->data, strlen(p->data));
    curl_slist_free_all(l);
}

/* One transfer, no retries. Returns the curl code; resp holds the answer. */
static CURLcode perform(struct ivet_reg *r, const char *url, struct curl_slist *hdrs,
                        const char *post, struct ivet_reg_resp *resp, struct ivet_err *werr,
                        char *errbuf)
{
    CURL *h = curl_easy_init();
    if (!h)
        return CURLE_OUT_OF_MEMORY;
    struct xfer x = { resp, IVET_ERR_INIT };
    ivet_reg_setup_easy(r, h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 300L);
    if (post)
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, post);
    errbuf[0] = 0;
    CURLcode cc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
    curl_easy_cleanup(h);
    if (x.werr.code)
        ivet_err_move(werr, &x.werr);
    return cc;
}

struct get_ctx {
    struct ivet_reg *r;
    const char *url, *accept, *post;
    struct curl_slist *extra_hdrs;      /* used instead of ivet_reg_headers when set */
    size_t max;
    struct ivet_reg_resp *resp;
    struct ivet_err *err;
    CURLcode cc;
    char errbuf[CURL_ERROR_SIZE];
};

static enum ivet_reg_attempt get_attempt(void *ud, int attempt, double *retry_after)
{
    struct get_ctx *g = ud;
    (void)attempt;
    resp_reset(g->resp, g->max);
    struct curl_slist *h = g->extra_hdrs ? g->extra_hdrs : ivet_reg_headers(g->r, g->accept, NULL);
    if (!h) {
        ivet_err_set(g->err, IVET_E_NOMEM, "out of memory");
        return IVET_REG_FAIL;
    }
    struct ivet_err werr = IVET_ERR_INIT;
    g->cc = perform(g->r, g->url, h, g->post, g->resp, &werr, g->errbuf);
    if (!g->extra_hdrs)
        ivet_reg_headers_free(h);
    if (werr.code) {
        ivet_err_move(g->err, &werr);
        return IVET_REG_FAIL;
    }
    if (g->cc == CURLE_OK) {
        *retry_after = g->resp->retry_after;
        return ivet_reg_retryable_status(g->resp->status) ? IVET_REG_AGAIN : IVET_REG_DONE;
    }
    return ivet_reg_retryable_curl(g->cc) ? IVET_REG_AGAIN : IVET_REG_FAIL;
}

/* GET (or POST form) with the retry policy. Transport failures become
 * IVET_E_NETWORK naming the host. */
static int request(struct ivet_reg *r, struct get_ctx *g)
{
    enum ivet_reg_attempt a = ivet_reg_retry_run(&r->retry, &r->clock, get_attempt, g);
    if (a == IVET_REG_FAIL && g->err->code)
        return -g->err->code;
    if (g->cc != CURLE_OK) {
        const char *why = g->errbuf[0] ? g->errbuf : curl_easy_strerror(g->cc);
        if (g->cc == CURLE_PEER_FAILED_VERIFICATION || g->cc == CURLE_SSL_CONNECT_ERROR ||
            g->cc == CURLE_SSL_CACERT_BADFILE)
            return ivet_err_set(g->err, IVET_E_NETWORK,
                                "TLS with '%s' failed: %s (use --ca-file, or --insecure-registry %s "
                                "to accept it unverified)", r->host, why, r->registry);
        return ivet_err_set(g->err, IVET_E_NETWORK, "cannot reach '%s'%s: %s", r->host,
                            a == IVET_REG_AGAIN ? " after retries" : "", why);
    }
    return 0;
}

int ivet_reg_request(struct ivet_reg *r, const char *url, struct curl_slist *hdrs, const char *post,
                     size_t max, struct ivet_reg_resp *resp, struct ivet_err *err)
{
    struct get_ctx g = { .r = r, .url = url, .post = post, .extra_hdrs = hdrs, .max = max,
                         .resp = resp, .err = err };
    return request(r, &g);
}

int ivet_reg_get(struct ivet_reg *r, const char *url, const char *accept, size_t max,
                 struct ivet_reg_resp *resp, struct ivet_err *err)
{
    for (int round = 0;; round++) {
        struct get_ctx g = { .r = r, .url = url, .accept = accept, .max = max, .resp = resp,
                             .err = err };
        int rc = request(r, &g);
        if (rc < 0)
            return rc;
        if (resp->status != 401 || round > 0)
            return 0;
        if ((rc = ivet_reg_authenticate(r, resp->www_auth, err)) < 0)
            return rc;
    }
}

/* ---- errors */
char *ivet_reg_error_body(const char *body, size_t len)
{
    json_t *j = json_loadb(body ? body : "", len, 0, NULL);
    json_t *e = json_array_get(json_object_get(j, "errors"), 0);
    const char *code = json_string_value(json_object_get(e, "code"));
    const char *msg = json_string_value(json_object_get(e, "message"));
    char *out = NULL;
    if (!code && (msg = json_string_value(json_object_get(j, "message"))))
        out = ivet_sanitize(msg, strlen(msg), 300);     /* Docker Engine / Podman */
    if (code) {
        char *raw = ivet_asprintf("%s%s%s", code, msg ? ": " : "", msg ? msg : "");
        if (raw)
            out = ivet_sanitize(raw, strlen(raw), 300);
        ivet_free(raw);
    }
    json_decref(j);
    return out;
}

int ivet_reg_status_error(struct ivet_reg *r, const struct ivet_reg_resp *resp, const char *what,
                          struct ivet_err *err)
{
    char *detail = ivet_reg_error_body(resp->body.ptr, resp->body.len);
    char d[400] = "";
    if (detail)
        snprintf(d, sizeof(d), " (%s)", detail);
    ivet_free(detail);
    int rc;
    char tried[sizeof(r->tried)];
    pthread_mutex_lock(&r->lock);
    snprintf(tried, sizeof(tried), "%s", r->tried[0] ? r->tried : "anonymous access");
    pthread_mutex_unlock(&r->lock);
    if (r->unix_socket || !strcmp(r->repo, "-")) {     /* a local daemon, not a registry */
        rc = ivet_err_set(err, resp->status == 404 ? IVET_E_NOTFOUND : IVET_E_IO,
                          "%s: HTTP %ld%s", what, resp->status, d);
        return rc;
    }
    switch (resp->status) {
    case 401:
        rc = ivet_err_set(err, IVET_E_AUTH, "%s: registry '%s' requires authentication for "
                          "repository '%s' (tried %s)%s", what, r->registry, r->repo, tried, d);
        break;
    case 403:
        rc = ivet_err_set(err, IVET_E_AUTH, "%s: registry '%s' denied access to repository '%s' "
                          "(tried %s)%s", what, r->registry, r->repo, tried, d);
        break;
    case 404:
        rc = ivet_err_set(err, IVET_E_NOTFOUND, "%s not found in repository '%s' on '%s'%s", what,
                          r->repo, r->registry, d);
        break;
    default:
        rc = ivet_err_set(err, IVET_E_NETWORK, "%s: registry '%s' answered HTTP %ld for "
                          "repository '%s'%s%s", what, r->registry, resp->status, r->repo, d,
                          ivet_reg_retryable_status(resp->status) ? "; gave up after retries" : "");
    }
    return rc;
}

/* ---- construction and the ping */
static int ping(struct ivet_reg *r, struct ivet_err *err)
{
    const char *schemes[2] = { "https", "http" };
    int n = r->insecure ? 2 : 1;
    struct ivet_reg_resp resp = { .retry_after = -1 };
    int rc = 0;
    for (int i = 0; i < n; i++) {
        ivet_free(r->base);
        if (!(r->base = ivet_asprintf("%s://%s", schemes[i], r->host)))
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        char *url = ivet_asprintf("%s/v2/", r->base);
        if (!url)
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        struct ivet_reg_retry once = r->retry;
        struct get_ctx g = { .r = r, .url = url, .max = MAX_ERROR_BODY, .resp = &resp, .err = err };
        if (i + 1 < n)
            once.max_attempts = 1;      /* https refused: fall back to http at once */
        struct ivet_reg_retry keep = r->retry;
        r->retry = once;
        rc = request(r, &g);
        r->retry = keep;
        ivet_free(url);
        if (rc == 0)
            break;
        if (i + 1 < n)
            ivet_err_release(err);
    }
    if (rc < 0)
        goto out;
    r->used_insecure = r->insecure;     /* https unverified, or plain http */
    if (resp.status == 401)
        rc = ivet_reg_authenticate(r, resp.www_auth, err);
    else if (resp.status / 100 != 2 && resp.status != 404)
        rc = ivet_err_set(err, IVET_E_NETWORK, "'%s' does not look like a registry: /v2/ answered "
                          "HTTP %ld", r->host, resp.status);
out:
    ivet_reg_resp_release(&resp);
    return rc;
}

static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_ALL);
}

static struct ivet_reg *alloc_client(const char *registry, const char *host, const char *repo,
                                     const struct ivet_source_opts *o, struct ivet_err *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    if (ivet_lazylib_require(&ivet_lib_curl, err) < 0)
        return NULL;
    pthread_once(&once, global_init);
    struct ivet_reg *r = ivet_calloc(1, sizeof(*r));
    if (!r) {
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&r->lock, NULL);
    pthread_mutex_init(&r->progress_lock, NULL);
    r->retry = ivet_reg_retry_default;
    r->clock = ivet_reg_clock_real;
    r->limits = o->limits;
    r->progress = o->progress;
    r->registry = ivet_strdup(registry);
    r->host = ivet_strdup(host);
    r->repo = ivet_strdup(repo);
    if (!r->registry || !r->host || !r->repo ||
        (o->ca_file && !(r->ca_file = ivet_strdup(o->ca_file)))) {
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        ivet_reg_free(r);
        return NULL;
    }
    return r;
}

struct ivet_reg *ivet_reg_new(const char *registry, const char *endpoint, const char *repo,
                              const struct ivet_source_opts *o, struct ivet_err *err)
{
    struct ivet_reg *r = alloc_client(registry, endpoint, repo, o, err);
    if (!r)
        return NULL;
    r->insecure = ivet_reg_host_listed(registry, o->insecure_hosts) ||
                  ivet_reg_host_listed(endpoint, o->insecure_hosts);
    if (ivet_reg_creds_find(registry, o->username, o->password, &r->creds, err) < 0 ||
        ping(r, err) < 0) {
        ivet_reg_free(r);
        return NULL;
    }
    return r;
}

struct ivet_reg *ivet_reg_new_local(const char *label, const char *base, const char *unix_socket,
                                    const struct ivet_source_opts *o, struct ivet_err *err)
{
    struct ivet_reg *r = alloc_client(label, label, "-", o, err);
    if (!r)
        return NULL;
    r->insecure = true;                 /* plain HTTP to a local API is its only form */
    r->retry.max_attempts = 1;          /* a local socket that fails will not recover */
    if (!(r->base = ivet_strdup(base)) || (unix_socket && !(r->unix_socket = ivet_strdup(unix_socket)))) {
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        ivet_reg_free(r);
        return NULL;
    }
    return r;
}

void ivet_reg_free(struct ivet_reg *r)
{
    if (!r)
        return;
    ivet_reg_creds_release(&r->creds);
    ivet_reg_challenge_release(&r->chal);
    if (r->authz) {
        OPENSSL_cleanse(r->authz, strlen(r->authz));
        ivet_free(r->authz);
    }
    ivet_free(r->registry);
    ivet_free(r->host);
    ivet_free(r->repo);
    ivet_free(r->base);
    ivet_free(r->ca_file);
    ivet_free(r->unix_socket);
    pthread_mutex_destroy(&r->lock);
    pthread_mutex_destroy(&r->progress_lock);
    ivet_free(r);
}
