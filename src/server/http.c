/* http.c: `imagevet serve`: an HTTP endpoint (libmicrohttpd) for a private
 * registry's push notifications, and a worker that vets each pushed image
 * with the scan options the server was started with.
 *
 *   POST /v1/notifications   Docker Distribution's envelope: each push of a
 *                            manifest or index to an allowed registry is queued
 *   POST /v1/scans           {"image": "host/repo:tag|@digest"}: queue one by hand
 *   GET  /v1/scans/DIGEST    the latest scan of a manifest (or index) digest
 *   GET  /v1/scans?id=N      one scan
 *   GET  /v1/health          {"status": "ok", "queued": N, "running": M}
 *
 * POSTs carry "Authorization: Bearer TOKEN" when the server has a token. A
 * notification that cannot be used is still answered 202: the registry
 * retries anything else forever and would stall its queue (research notes,
 * section 3a). Only images on the registries named at start are scanned: a
 * notification names the host to pull from, and the server must not be
 * made to fetch from anywhere else. Scans run one at a time: each already
 * uses every core. */
#include "core/lazylib.h"
#include "imagevet/server.h"
#include "report/report.h"
#include "ref/ref.h"
#include "server/server.h"

#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_REQUEST (1u << 20)          /* bytes of a POST body */
#define MAX_QUEUED 10000                /* scans waiting; beyond, new ones are refused (503/429) */

struct server {
    const struct ivet_serve_opts *o;
    struct ivet_store *store;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stopping;
    pthread_t worker;
    bool have_worker;
};

struct request {
    struct ivet_buf body;
};

static void logf_(const struct server *sv, const char *fmt, ...) IVET_PRINTF(2, 3);
static void logf_(const struct server *sv, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (sv->o->log)
        sv->o->log(line);
    else
        fprintf(stderr, "imagevet serve: %s\n", line);
}

/* ---- scans */

static bool host_allowed(const struct server *sv, const char *host)
{
    for (const char **r = sv->o->registries; r && *r; r++)
        if (!strcasecmp(*r, host))
            return true;
    return false;
}

/* Is the registry the scan of `image` will contact one of --registry? The
 * reference is read as the scan reads it (a first component without '.' or
 * ':' is a Docker Hub namespace), not as the notification spelled it. */
static bool image_allowed(const struct server *sv, const char *image)
{
    struct ivet_ref ref = { 0 };
    struct ivet_err err = IVET_ERR_INIT;
    bool ok = ivet_ref_parse(&ref, ivet_startswith(image, "docker://") ? image + 9 : image, &err) == 0 &&
              host_allowed(sv, ref.registry);
    ivet_ref_release(&ref);
    ivet_err_release(&err);
    return ok;
}

static void scan_one(struct server *sv, long long id, const char *image)
{
    struct ivet_scan_opts o = *sv->o->scan;
    struct ivet_err err = IVET_ERR_INIT;
    o.image = image;
    o.progress = false;
    double t0 = ivet_now();
    struct ivet_report *r = ivet_scan(&o, &err);
    char *buf = NULL;
    size_t len = 0;
    if (r) {
        FILE *f = open_memstream(&buf, &len);
        if (!f || ivet_report_render(r, "json", f, false, &err) < 0) {
            if (f)
                fclose(f);
            ivet_report_free(r);
            r = NULL;
        } else {
            fclose(f);
        }
    }
    struct ivet_err serr = IVET_ERR_INIT;
    int rc;
    if (r) {
        rc = ivet_store_finish(sv->store, id, ivet_report_digest(r), ivet_report_verdict(r), buf, NULL, &serr);
        logf_(sv, "scan %lld: %s: %s in %.1f s", id, image, ivet_report_verdict(r), ivet_now() - t0);
    } else {
        char *msg = ivet_sanitize(ivet_err_msg(&err), strlen(ivet_err_msg(&err)), 1000);
        rc = ivet_store_finish(sv->store, id, NULL, NULL, NULL, msg ? msg : "could not be vetted", &serr);
        logf_(sv, "scan %lld: %s: could not be vetted: %s", id, image, msg ? msg : "?");
        ivet_free(msg);
    }
    if (rc < 0)
        logf_(sv, "scan %lld: %s", id, ivet_err_msg(&serr));
    free(buf);                          /* open_memstream's buffer */
    ivet_err_release(&serr);
    ivet_err_release(&err);
    ivet_report_free(r);
}

static void *worker_main(void *arg)
{
    struct server *sv = arg;
    for (;;) {
        pthread_mutex_lock(&sv->mu);
        bool stop = sv->stopping;
        pthread_mutex_unlock(&sv->mu);
        if (stop)
            break;
        long long id = 0;
        char *image = NULL;
        struct ivet_err err = IVET_ERR_INIT;
        int got = ivet_store_claim(sv->store, &id, &image, &err);
        if (got < 0)
            logf_(sv, "%s", ivet_err_msg(&err));
        ivet_err_release(&err);
        if (got > 0) {
            struct ivet_err ferr = IVET_ERR_INIT;
            if (image_allowed(sv, image)) {
                scan_one(sv, id, image);
            } else if (ivet_store_finish(sv->store, id, NULL, NULL, NULL,
                                         "not scanned: its registry is not one this server vets (--registry)",
                                         &ferr) < 0) {
                logf_(sv, "%s", ivet_err_msg(&ferr));
            }
            ivet_err_release(&ferr);
            ivet_free(image);
            continue;
        }
        /* nothing queued: wait for a push (or a second, for rows another
         * server process queued) */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_mutex_lock(&sv->mu);
        if (!sv->stopping)
            pthread_cond_timedwait(&sv->cv, &sv->mu, &ts);
        pthread_mutex_unlock(&sv->mu);
    }
    return NULL;
}

/* No scan starts after this (the one running ends first). */
static void stop_worker(struct server *sv)
{
    pthread_mutex_lock(&sv->mu);
    sv->stopping = true;
    pthread_cond_broadcast(&sv->cv);
    pthread_mutex_unlock(&sv->mu);
}

static void wake_worker(struct server *sv)
{
    pthread_mutex_lock(&sv->mu);
    pthread_cond_broadcast(&sv->cv);
    pthread_mutex_unlock(&sv->mu);
}

/* ---- HTTP */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_INDENT(2) | JSON_ENSURE_ASCII) : NULL;
    json_decref(body);
    struct MHD_Response *resp = MHD_create_response_from_buffer(text ? strlen(text) : 0, text ? text : (char *)"",
                                                                MHD_RESPMEM_MUST_COPY);
    free(text);                         /* jansson's buffer */
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", "application/json");
    enum MHD_Result r = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return r;
}

static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
    return reply(c, status, json_pack("{s:s}", "error", msg));
}

static bool authorized(const struct server *sv, struct MHD_Connection *c)
{
    if (!sv->o->token)
        return true;
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (!h || !ivet_startswith(h, "Bearer "))
        return false;
    /* compared in constant time: the token is a secret */
    const char *given = h + 7, *want = sv->o->token;
    size_t gl = strlen(given), wl = strlen(want);
    unsigned char diff = (unsigned char)(gl != wl);
    for (size_t i = 0; i < wl; i++)
        diff |= (unsigned char)(want[i] ^ (i < gl ? given[i] : 0));
    return diff == 0;
}

static bool queue_full(struct server *sv)
{
    long long waiting = 0, running = 0;
    struct ivet_err err = IVET_ERR_INIT;
    bool full = ivet_store_counts(sv->store, &waiting, &running, &err) == 0 && waiting >= MAX_QUEUED;
    ivet_err_release(&err);
    return full;
}

static void release_pushes(struct ivet_push *p, size_t from, size_t n)
{
    for (size_t k = from; k < n; k++)
        ivet_push_release(&p[k]);
    ivet_free(p);
}

static enum MHD_Result on_notification(struct server *sv, struct MHD_Connection *c, const struct request *rq)
{
    struct ivet_push *pushes = NULL;
    size_t n = 0, skipped = 0;
    struct ivet_err err = IVET_ERR_INIT;
    json_t *queued = json_array(), *out = json_object();
    if (!queued || !out) {
        json_decref(queued);
        json_decref(out);
        return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
    }
    if (ivet_notify_parse(rq->body.ptr ? rq->body.ptr : "", rq->body.len, &pushes, &n, &skipped, &err) < 0) {
        logf_(sv, "notification not used: %s", ivet_err_msg(&err));
        json_object_set_new(out, "error", json_string(ivet_err_msg(&err)));
        ivet_err_release(&err);
    }
    size_t foreign = 0;
    if (n && queue_full(sv)) {
        /* the registry retries: nothing is lost while the queue drains */
        release_pushes(pushes, 0, n);
        json_decref(queued);
        json_decref(out);
        logf_(sv, "notification refused: %d scans are waiting", MAX_QUEUED);
        return reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "the queue is full");
    }
    for (size_t i = 0; i < n; i++) {
        long long id = 0;
        if (!image_allowed(sv, pushes[i].image)) {
            foreign++;
            logf_(sv, "push of %s ignored: registry '%s' is not one this server vets (--registry)", pushes[i].image,
                  pushes[i].host);
        } else if (ivet_store_enqueue(sv->store, pushes[i].image, pushes[i].event_id, &id, &err) < 0) {
            logf_(sv, "%s", ivet_err_msg(&err));
            ivet_err_release(&err);
            release_pushes(pushes, i, n);
            json_decref(queued);
            json_decref(out);
            /* the registry retries: nothing is lost */
            return reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "the store cannot take the scan");
        } else if (id) {
            logf_(sv, "scan %lld queued: %s%s%s", id, pushes[i].image, pushes[i].tag ? " (tag " : "",
                  pushes[i].tag ? pushes[i].tag : "");
            json_array_append_new(queued, json_pack("{s:I, s:s}", "id", (json_int_t)id, "image", pushes[i].image));
        }
        ivet_push_release(&pushes[i]);
    }
    ivet_free(pushes);
    json_object_set_new(out, "queued", queued);
    json_object_set_new(out, "skipped", json_integer((json_int_t)(skipped + foreign)));
    wake_worker(sv);
    return reply(c, MHD_HTTP_ACCEPTED, out);
}

static enum MHD_Result on_manual_scan(struct server *sv, struct MHD_Connection *c, const struct request *rq)
{
    json_error_t je;
    json_t *in = json_loadb(rq->body.ptr ? rq->body.ptr : "", rq->body.len, JSON_REJECT_DUPLICATES, &je);
    const char *image = json_string_value(json_object_get(in, "image"));
    struct ivet_ref ref = { 0 };
    struct ivet_err err = IVET_ERR_INIT;
    enum MHD_Result res;
    if (!image) {
        res = reply_error(c, MHD_HTTP_BAD_REQUEST, "expected {\"image\": \"registry/repository:tag\"}");
    } else if (ivet_startswith(image, "docker://") ? ivet_ref_parse(&ref, image + 9, &err) < 0
                                                    : ivet_ref_parse(&ref, image, &err) < 0) {
        res = reply_error(c, MHD_HTTP_BAD_REQUEST, ivet_err_msg(&err));
    } else if (!host_allowed(sv, ref.registry)) {
        res = reply_error(c, MHD_HTTP_FORBIDDEN, "that registry is not one this server vets (--registry)");
    } else if (queue_full(sv)) {
        res = reply_error(c, MHD_HTTP_TOO_MANY_REQUESTS, "the queue is full");
    } else {
        long long id = 0;
        if (ivet_store_enqueue(sv->store, ref.normalized, NULL, &id, &err) < 0) {
            res = reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, ivet_err_msg(&err));
        } else {
            logf_(sv, "scan %lld queued: %s (asked for)", id, ref.normalized);
            wake_worker(sv);
            res = reply(c, MHD_HTTP_ACCEPTED, json_pack("{s:I, s:s}", "id", (json_int_t)id, "image", ref.normalized));
        }
    }
    ivet_ref_release(&ref);
    ivet_err_release(&err);
    json_decref(in);
    return res;
}

static enum MHD_Result on_get(struct server *sv, struct MHD_Connection *c, const char *url)
{
    struct ivet_err err = IVET_ERR_INIT;
    json_t *o = NULL;
    if (!strcmp(url, "/v1/health")) {
        long long q = 0, r = 0;
        if (ivet_store_counts(sv->store, &q, &r, &err) < 0) {
            enum MHD_Result res = reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, ivet_err_msg(&err));
            ivet_err_release(&err);
            return res;
        }
        return reply(c, MHD_HTTP_OK, json_pack("{s:s, s:I, s:I}", "status", "ok", "queued", (json_int_t)q, "running",
                                               (json_int_t)r));
    }
    if (!strcmp(url, "/v1/scans")) {
        const char *ids = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "id");
        uint64_t id = 0;
        if (!ids || !ivet_parse_u64(ids, &id) || id > INT64_MAX)
            return reply_error(c, MHD_HTTP_BAD_REQUEST, "expected /v1/scans/DIGEST or /v1/scans?id=N");
        o = ivet_store_get(sv->store, NULL, (long long)id, &err);
    } else if (ivet_startswith(url, "/v1/scans/")) {
        struct ivet_digest d;
        if (ivet_digest_parse(&d, url + 10, &err) < 0) {
            ivet_err_release(&err);
            return reply_error(c, MHD_HTTP_BAD_REQUEST, "expected /v1/scans/sha256:<64 hex digits>");
        }
        o = ivet_store_get(sv->store, d.text, 0, &err);
    } else {
        return reply_error(c, MHD_HTTP_NOT_FOUND, "no such resource");
    }
    if (!o) {
        unsigned st = err.code == IVET_E_NOTFOUND ? MHD_HTTP_NOT_FOUND : MHD_HTTP_SERVICE_UNAVAILABLE;
        enum MHD_Result res = reply_error(c, st, ivet_err_msg(&err));
        ivet_err_release(&err);
        return res;
    }
    return reply(c, MHD_HTTP_OK, o);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                               const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
    (void)version;
    struct server *sv = cls;
    struct request *rq = *con_cls;
    if (!strcmp(method, "GET")) {
        /* the reports name private images: with a token, reading needs it too */
        if (strcmp(url, "/v1/health") != 0 && !authorized(sv, c))
            return reply_error(c, MHD_HTTP_UNAUTHORIZED, "a bearer token is required");
        return on_get(sv, c, url);
    }
    if (strcmp(method, "POST") != 0)
        return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET or POST");
    if (!rq) {
        /* the first call has the headers only: refuse before reading a body */
        const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        uint64_t len = 0;
        if (!authorized(sv, c))
            return reply_error(c, MHD_HTTP_UNAUTHORIZED, "a bearer token is required");
        if (cl && (!ivet_parse_u64(cl, &len) || len > MAX_REQUEST))
            return reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "request body over 1 MiB");
        /* JSON only: a web page cannot send that cross-origin without asking */
        if (!ct || !strstr(ct, "json"))
            return reply_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "expected a JSON body (Content-Type)");
        if (!(rq = ivet_calloc(1, sizeof(*rq))))
            return MHD_NO;
        ivet_buf_init(&rq->body, MAX_REQUEST);
        *con_cls = rq;
        return MHD_YES;
    }
    if (*upload_size) {
        struct ivet_err e = IVET_ERR_INIT;
        int rc = rq->body.len + *upload_size > MAX_REQUEST ? -1
                                                           : ivet_buf_append(&rq->body, upload_data, *upload_size, &e);
        ivet_err_release(&e);
        if (rc < 0)
            return MHD_NO;              /* over the limit without a Content-Length: close */
        *upload_size = 0;
        return MHD_YES;
    }
    if (!strcmp(url, "/v1/notifications"))
        return on_notification(sv, c, rq);
    if (!strcmp(url, "/v1/scans"))
        return on_manual_scan(sv, c, rq);
    return reply_error(c, MHD_HTTP_NOT_FOUND, "no such resource");
}

static void request_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    struct request *rq = *con_cls;
    if (rq) {
        ivet_buf_release(&rq->body);
        ivet_free(rq);
        *con_cls = NULL;
    }
}

/* "host:port", "[v6]:port" or ":port" (all interfaces) into a socket address. */
static int listen_addr(const char *spec, struct sockaddr_storage *ss, socklen_t *len, bool *loopback,
                       struct ivet_err *err)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    if (!colon || !colon[1])
        return ivet_err_set(err, IVET_E_USAGE, "--listen '%s': expected HOST:PORT", spec);
    size_t hl = (size_t)(colon - spec);
    if (hl >= sizeof(host))
        return ivet_err_set(err, IVET_E_USAGE, "--listen '%s': host too long", spec);
    memcpy(host, spec, hl);
    host[hl] = 0;
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = 0;
    }
    struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE, .ai_socktype = SOCK_STREAM };
    struct addrinfo *ai = NULL;
    int rc = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &ai);
    if (rc != 0 || !ai)
        return ivet_err_set(err, IVET_E_USAGE, "--listen '%s': %s (a numeric address and port)", spec,
                            gai_strerror(rc));
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *len = ai->ai_addrlen;
    *loopback = host[0] && (ivet_startswith(host, "127.") || !strcmp(host, "::1"));
    freeaddrinfo(ai);
    return 0;
}

int ivet_serve(const struct ivet_serve_opts *o, volatile sig_atomic_t *stop, struct ivet_err *err)
{
    struct sockaddr_storage ss;
    socklen_t sl = 0;
    bool loopback = false;
    if (!o || !o->scan || !o->store)
        return ivet_err_set(err, IVET_E_USAGE, "serve: no store (--store sqlite:PATH)");
    if (ivet_lazylib_require(&ivet_lib_mhd, err) < 0)
        return -(int)err->code;
    if (!o->registries || !o->registries[0])
        return ivet_err_set(err, IVET_E_USAGE, "serve: name the registries whose pushes to vet (--registry HOST[:PORT])");
    for (const char **r = o->registries; *r; r++) {
        /* a name Docker would read as a Docker Hub namespace would let pushes
         * "to" it be pulled from Docker Hub */
        char probe[300];
        struct ivet_ref ref = { 0 };
        snprintf(probe, sizeof(probe), "%s/x", *r);
        int bad = strlen(*r) > 255 || ivet_ref_parse(&ref, probe, err) < 0 || strcasecmp(ref.registry, *r) != 0;
        ivet_ref_release(&ref);
        if (bad) {
            ivet_err_release(err);
            return ivet_err_set(err, IVET_E_USAGE, "--registry '%s': not a registry host as image references name "
                                "it (a name without '.' or ':' is a Docker Hub namespace: give its port, "
                                "'%s:5000')", *r, *r);
        }
    }
    const char *where = o->listen ? o->listen : "127.0.0.1:8080";
    if (listen_addr(where, &ss, &sl, &loopback, err) < 0)
        return -(int)err->code;
    if (!loopback && !o->token)
        return ivet_err_set(err, IVET_E_USAGE, "serve: listening beyond loopback needs a token (--token-file)");
    struct server sv = { .o = o };
    if (!(sv.store = ivet_store_open(o->store, err)))
        return -(int)err->code;
    pthread_mutex_init(&sv.mu, NULL);
    pthread_cond_init(&sv.cv, NULL);
    int rc = 0;
    /* the signals are for the main thread: the others start with them blocked */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0), 0, NULL,
        NULL, handler, &sv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_NOTIFY_COMPLETED, request_done,
        &sv, MHD_OPTION_CONNECTION_LIMIT, (unsigned)64, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)16,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 << 10), MHD_OPTION_END);
    if (!d) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        rc = ivet_err_set(err, IVET_E_IO, "serve: cannot listen on %s (in use?)", where);
        goto out;
    }
    if (pthread_create(&sv.worker, NULL, worker_main, &sv) != 0)
        rc = ivet_err_set(err, IVET_E_INTERNAL, "serve: cannot start the worker thread");
    else
        sv.have_worker = true;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!rc)
        logf_(&sv, "listening on %s, store %s", where, o->store);
    while (!rc && !*stop)
        usleep(100 * 1000);
    /* no new scan first, then no new request */
    stop_worker(&sv);
    MHD_stop_daemon(d);
out:
    stop_worker(&sv);
    if (sv.have_worker)
        pthread_join(sv.worker, NULL);
    pthread_cond_destroy(&sv.cv);
    pthread_mutex_destroy(&sv.mu);
    ivet_store_close(sv.store);
    if (!rc)
        logf_(&sv, "stopped");
    return rc;
}
