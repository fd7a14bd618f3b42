/* reg_blob.c: one registry blob as a pull stream. read() drives libcurl's
 * multi interface (one easy handle per stream, so layers stream in parallel)
 * until the write callback has filled the caller's buffer, and pauses the
 * transfer (CURL_WRITEFUNC_PAUSE) when the buffer is full: nothing is spooled
 * to disk and memory stays at one curl chunk. Dropped connections, 429 and
 * 5xx are retried with backoff, resuming with "Range: bytes=N-" when the
 * server answers ranges; a restart from zero happens only before any byte was
 * accepted. Digest checks are the caller's (the layer pipeline wraps this
 * stream in ivet_istream_digest). */
#include "source/reg.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MAX_ERROR_BODY (64u << 10)
#define MAX_SPILL (4u << 20)

struct blob_stream {
    struct ivet_istream base;
    struct ivet_reg *r;
    char *url;
    char what[96];                      /* "blob 'sha256:...'" */
    uint64_t size, max;
    bool size_known;

    CURLM *multi;
    CURL *easy;
    struct curl_slist *hdrs;
    bool running, paused, eof;
    int attempt;                        /* attempts that failed in a retryable way */
    bool reauthed;

    /* per attempt */
    long status;
    bool status_seen, body_ok, ranges;
    bool can_resume;                    /* some 2xx answer offered byte ranges */
    uint64_t range_from;                /* requested "bytes=N-", 0 for a full GET */
    uint64_t skip;                      /* leading bytes to drop (server ignored Range) */
    char *www_auth;
    double retry_after;
    struct ivet_buf errbody;
    struct ivet_err werr;               /* failure found inside the write callback */
    char errbuf[CURL_ERROR_SIZE];

    /* the caller's buffer during read() */
    uint8_t *out;
    size_t out_len, out_got;
    struct ivet_buf spill;              /* the part of one chunk that did not fit */
    size_t spill_off;
    uint64_t received;                  /* blob bytes accepted so far (handed over or spilled) */

    double t0, last_report;
};

/* ---- progress (stderr, only on a terminal, only when asked): one line per
 * layer when it is done, and every 5 s for one still streaming. Each line
 * first clears the scan's own one-line summary ("\r\033[K"), which redraws. */
static void report(struct blob_stream *b, bool final)
{
    if (!b->r->progress || !isatty(2))
        return;
    double now = ivet_now();
    if (!final && now - b->last_report < 5.0)
        return;
    b->last_report = now;
    double dt = now - b->t0 > 1e-3 ? now - b->t0 : 1e-3;
    double mib = (double)b->received / 1048576.0;
    pthread_mutex_lock(&b->r->progress_lock);
    if (b->size_known && !final)
        fprintf(stderr, "\r\033[K%s: %.1f/%.1f MiB, %.1f MiB/s\n", b->what, mib,
                (double)b->size / 1048576.0, mib / dt);
    else
        fprintf(stderr, "\r\033[K%s: %.1f MiB in %.1f s, %.1f MiB/s%s\n", b->what, mib, dt, mib / dt,
                final ? ", done" : "");
    pthread_mutex_unlock(&b->r->progress_lock);
}

/* ---- curl callbacks */
static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    struct blob_stream *b = ud;
    size_t len = sz * n;
    if (len >= 5 && !strncmp(p, "HTTP/", 5)) {
        b->ranges = false;
        ivet_free(b->www_auth);
        b->www_auth = NULL;
        b->retry_after = -1;
        return len;
    }
    if (len > 8192)
        return len;
    char line[8193];
    memcpy(line, p, len);
    line[len] = 0;
    line[strcspn(line, "\r\n")] = 0;
    char *v = strchr(line, ':');
    if (!v)
        return len;
    *v++ = 0;
    while (*v == ' ' || *v == '\t')
        v++;
    if (!strcasecmp(line, "Accept-Ranges"))
        b->ranges = !strcasecmp(v, "bytes");
    else if (!strcasecmp(line, "WWW-Authenticate")) {
        ivet_free(b->www_auth);
        b->www_auth = ivet_strdup(v);
    } else if (!strcasecmp(line, "Retry-After"))
        b->retry_after = ivet_reg_parse_retry_after(v);
    return len;
}

/* The first body byte: decide what this answer is. */
static bool classify(struct blob_stream *b)
{
    curl_easy_getinfo(b->easy, CURLINFO_RESPONSE_CODE, &b->status);
    b->status_seen = true;
    if (b->status == 200) {
        b->body_ok = true;
        b->skip = b->range_from;        /* a full answer to a Range request */
        b->can_resume = b->can_resume || b->ranges;
    } else if (b->status == 206 && b->range_from) {
        b->body_ok = true;
        b->can_resume = true;
    } else if (b->status / 100 == 2) {
        ivet_err_set(&b->werr, IVET_E_NETWORK, "%s: unexpected HTTP %ld from '%s'", b->what,
                     b->status, b->r->host);
        return false;
    }
    return true;
}

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    struct blob_stream *b = ud;
    size_t len = sz * n;
    if (!b->status_seen && !classify(b))
        return 0;
    if (!b->body_ok) {                  /* error body: keep a bounded prefix */
        struct ivet_err e = IVET_ERR_INIT;
        if (b->errbody.len < MAX_ERROR_BODY)
            ivet_buf_append(&b->errbody, p, IVET_MIN(len, MAX_ERROR_BODY - b->errbody.len), &e);
        ivet_err_release(&e);
        return len;
    }
    size_t room = b->out_len - b->out_got;
    if (room == 0) {
        b->paused = true;
        return CURL_WRITEFUNC_PAUSE;
    }
    size_t drop = (size_t)IVET_MIN((uint64_t)len, b->skip);
    b->skip -= drop;
    p += drop;
    len -= drop;
    if (len == 0)
        return sz * n;
    if (b->received + len > b->max || (b->size_known && b->received + len > b->size)) {
        if (b->received + len > b->max)
            ivet_err_set(&b->werr, IVET_E_LIMIT, "%s exceeds the limit of %" PRIu64 " bytes",
                         b->what, b->max);
        else
            ivet_err_set(&b->werr, IVET_E_FORMAT, "%s is longer than its declared size of %"
                         PRIu64 " bytes", b->what, b->size);
        return 0;
    }
    size_t k = IVET_MIN(room, len);
    memcpy(b->out + b->out_got, p, k);
    b->out_got += k;
    if (k < len && ivet_buf_append(&b->spill, p + k, len - k, &b->werr) < 0)
        return 0;
    b->received += len;
    return sz * n;
}

/* ---- attempts */
static void end_attempt(struct blob_stream *b)
{
    if (b->easy) {
        curl_multi_remove_handle(b->multi, b->easy);
        curl_easy_cleanup(b->easy);
        b->easy = NULL;
    }
    ivet_reg_headers_free(b->hdrs);
    b->hdrs = NULL;
    b->running = b->paused = false;
}

static int start_attempt(struct blob_stream *b, struct ivet_err *err)
{
    b->status = 0;
    b->status_seen = b->body_ok = false;
    b->skip = 0;
    b->range_from = b->received;
    b->retry_after = -1;
    ivet_buf_reset(&b->errbody);
    b->errbuf[0] = 0;
    if (!(b->easy = curl_easy_init()) || !(b->hdrs = ivet_reg_headers(b->r, NULL, NULL)))
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    ivet_reg_setup_easy(b->r, b->easy);
    curl_easy_setopt(b->easy, CURLOPT_URL, b->url);
    curl_easy_setopt(b->easy, CURLOPT_HTTPHEADER, b->hdrs);
    curl_easy_setopt(b->easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(b->easy, CURLOPT_WRITEDATA, b);
    curl_easy_setopt(b->easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(b->easy, CURLOPT_HEADERDATA, b);
    curl_easy_setopt(b->easy, CURLOPT_ERRORBUFFER, b->errbuf);
    if (b->range_from) {
        char range[32];
        snprintf(range, sizeof(range), "%" PRIu64 "-", b->range_from);
        curl_easy_setopt(b->easy, CURLOPT_RANGE, range);
    }
    if (curl_multi_add_handle(b->multi, b->easy) != CURLM_OK)
        return ivet_err_set(err, IVET_E_INTERNAL, "cannot start the transfer of %s", b->what);
    b->running = true;
    return 0;
}

/* A transfer ended with curl code cc: EOF, another attempt, or an error. */
static int finish_attempt(struct blob_stream *b, CURLcode cc, struct ivet_err *err)
{
    long status = b->status_seen ? b->status : 0;
    if (!status)
        curl_easy_getinfo(b->easy, CURLINFO_RESPONSE_CODE, &status);
    end_attempt(b);
    if (b->werr.code) {
        ivet_err_move(err, &b->werr);
        return -err->code;
    }
    if (cc == CURLE_OK && status / 100 == 2) {
        if (b->size_known && b->received != b->size)
            return ivet_err_set(err, IVET_E_FORMAT, "%s is truncated: %" PRIu64 " of %" PRIu64
                                " bytes", b->what, b->received, b->size);
        b->eof = true;
        report(b, true);
        return 0;
    }
    if (cc == CURLE_OK && status == 401 && !b->reauthed) {
        b->reauthed = true;             /* a token expired mid-pull: renew once */
        return ivet_reg_authenticate(b->r, b->www_auth, err);
    }
    bool again = cc == CURLE_OK ? ivet_reg_retryable_status(status) : ivet_reg_retryable_curl(cc);
    if (again && ++b->attempt < b->r->retry.max_attempts) {
        if (b->received > 0 && !b->can_resume) {
            return ivet_err_set(err, IVET_E_NETWORK, "%s: the connection to '%s' broke after %"
                                PRIu64 " bytes and the server does not support resuming",
                                b->what, b->r->host, b->received);
        }
        b->r->clock.sleep(b->r->clock.ctx, ivet_reg_backoff(&b->r->retry, b->attempt, b->retry_after));
        return 0;
    }
    if (cc != CURLE_OK && b->r->unix_socket)
        return ivet_err_set(err, IVET_E_IO, "%s: cannot talk to the daemon: %s", b->what,
                            b->errbuf[0] ? b->errbuf : curl_easy_strerror(cc));
    if (cc != CURLE_OK)
        return ivet_err_set(err, IVET_E_NETWORK, "%s from repository '%s' on '%s': %s%s", b->what,
                            b->r->repo, b->r->registry,
                            b->errbuf[0] ? b->errbuf : curl_easy_strerror(cc),
                            again ? " (gave up after retries)" : "");
    struct ivet_reg_resp resp = { .status = status, .body = b->errbody, .retry_after = -1 };
    return ivet_reg_status_error(b->r, &resp, b->what, err);
}

static int pump(struct blob_stream *b, struct ivet_err *err)
{
    int still = 0;
    CURLMcode mc = curl_multi_perform(b->multi, &still);
    if (mc != CURLM_OK)
        return ivet_err_set(err, IVET_E_NETWORK, "%s: %s", b->what, curl_multi_strerror(mc));
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(b->multi, &left)))
        if (m->msg == CURLMSG_DONE && m->easy_handle == b->easy)
            return finish_attempt(b, m->data.result, err);
    if (b->out_got == 0 && !b->paused && still) {
        mc = curl_multi_poll(b->multi, NULL, 0, 1000, NULL);
        if (mc != CURLM_OK)
            return ivet_err_set(err, IVET_E_NETWORK, "%s: %s", b->what, curl_multi_strerror(mc));
    }
    return 0;
}

static ssize_t blob_read(struct ivet_istream *s, void *buf, size_t n, struct ivet_err *err)
{
    struct blob_stream *b = (struct blob_stream *)s;
    if (b->spill_off < b->spill.len) {
        size_t k = IVET_MIN(n, b->spill.len - b->spill_off);
        memcpy(buf, b->spill.ptr + b->spill_off, k);
        b->spill_off += k;
        if (b->spill_off == b->spill.len) {
            ivet_buf_reset(&b->spill);
            b->spill_off = 0;
        }
        return (ssize_t)k;
    }
    b->out = buf;
    b->out_len = n;
    b->out_got = 0;
    int rc = 0;
    while (b->out_got == 0 && !b->eof) {
        if (!b->running && (rc = start_attempt(b, err)) < 0)
            break;
        if (b->paused) {
            b->paused = false;
            curl_easy_pause(b->easy, CURLPAUSE_CONT);   /* may deliver into buf at once */
            if (b->out_got)
                break;
        }
        if ((rc = pump(b, err)) < 0)
            break;
    }
    b->out = NULL;
    b->out_len = 0;
    if (rc < 0)
        return rc;
    report(b, false);
    return (ssize_t)b->out_got;
}

static void blob_close(struct ivet_istream *s)
{
    struct blob_stream *b = (struct blob_stream *)s;
    end_attempt(b);
    if (b->multi)
        curl_multi_cleanup(b->multi);
    ivet_buf_release(&b->spill);
    ivet_buf_release(&b->errbody);
    ivet_err_release(&b->werr);
    ivet_free(b->www_auth);
    ivet_free(b->url);
    ivet_free(b);
}

static const struct ivet_istream_ops blob_ops = { blob_read, blob_close };

struct ivet_istream *ivet_reg_stream_open(struct ivet_reg *r, const char *url, const char *what,
                                          uint64_t size, bool size_known, uint64_t max,
                                          struct ivet_err *err)
{
    struct blob_stream *b = ivet_calloc(1, sizeof(*b));
    if (!b) {
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return NULL;
    }
    ivet_istream_init(&b->base, &blob_ops);
    b->r = r;
    snprintf(b->what, sizeof(b->what), "%s", what);
    b->size = size;
    b->size_known = size_known;
    b->max = max;
    b->retry_after = -1;
    b->t0 = b->last_report = ivet_now();
    ivet_buf_init(&b->spill, MAX_SPILL);
    ivet_buf_init(&b->errbody, MAX_ERROR_BODY);
    if (!(b->url = ivet_strdup(url)) || !(b->multi = curl_multi_init())) {
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        blob_close(&b->base);
        return NULL;
    }
    return &b->base;
}

struct ivet_istream *ivet_reg_blob_open(struct ivet_reg *r, const struct ivet_digest *digest,
                                        uint64_t size, bool size_known, struct ivet_err *err)
{
    char what[64];
    snprintf(what, sizeof(what), "blob '%.19s...'", digest->text);
    char *url = ivet_reg_url(r->base, r->repo, "blobs", digest->text, err);
    if (!url)
        return NULL;
    struct ivet_istream *s = ivet_reg_stream_open(r, url, what, size, size_known,
                                                  r->limits.max_layer_compressed, err);
    ivet_free(url);
    return s;
}
