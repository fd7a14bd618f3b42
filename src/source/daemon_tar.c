/* daemon_tar.c: the docker-daemon: source's save tar, read with libarchive
 * straight from the HTTP stream, and each layer's member lent to the layer
 * pipeline as a stream: from the shared pass (one GET read front to back for
 * all the layers, one layer at a time) when it has not gone by the member,
 * else from a GET of its own (docs/internals/registry.md). */
#include "core/lazylib.h"
#include "source/daemon_int.h"

#include <archive.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct dtar {
    struct ivet_istream *http;
    struct archive *a;
    struct ivet_err rerr;               /* why the read callback failed */
    char buf[65536];
};

static la_ssize_t dtar_read(struct archive *a, void *ud, const void **p)
{
    struct dtar *t = ud;
    ssize_t n = ivet_istream_read(t->http, t->buf, sizeof(t->buf), &t->rerr);
    if (n < 0) {
        archive_set_error(a, EIO, "%s", ivet_err_msg(&t->rerr));
        return -1;
    }
    *p = t->buf;
    return n;
}

void ivet_dtar_close(struct dtar *t)
{
    if (!t)
        return;
    if (t->a)
        archive_read_free(t->a);
    ivet_istream_close(t->http);
    ivet_err_release(&t->rerr);
    ivet_free(t);
}

struct dtar *ivet_dtar_open(struct daemon_source *s, struct ivet_err *err)
{
    struct dtar *t = ivet_calloc(1, sizeof(*t));
    if (!t) {
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return NULL;
    }
    char what[300];
    snprintf(what, sizeof(what), "GET /images/%s/get", s->name);
    if (ivet_lazylib_require(&ivet_lib_archive, err) < 0) {
        ivet_dtar_close(t);
        return NULL;
    }
    t->http = ivet_reg_stream_open(s->r, s->url, what, 0, false, s->base.opts.limits.max_image_bytes, err);
    if (!t->http || !(t->a = archive_read_new())) {
        if (t->http)
            ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        ivet_dtar_close(t);
        return NULL;
    }
    archive_read_support_format_tar(t->a);
    if (archive_read_open(t->a, t, NULL, dtar_read, NULL) != ARCHIVE_OK) {
        if (t->rerr.code)
            ivet_err_move(err, &t->rerr);
        else
            ivet_err_set(err, IVET_E_FORMAT, "%s: not a tar archive: %s", what,
                         archive_error_string(t->a));
        ivet_dtar_close(t);
        return NULL;
    }
    return t;
}

/* Next member: 1 with *e, 0 at the end, <0 on failure. */
int ivet_dtar_next(struct dtar *t, struct daemon_source *s, struct archive_entry **e,
                     struct ivet_err *err)
{
    int r = archive_read_next_header(t->a, e);
    if (r == ARCHIVE_EOF)
        return 0;
    if (r == ARCHIVE_OK || r == ARCHIVE_WARN)
        return 1;
    if (t->rerr.code) {
        ivet_err_move(err, &t->rerr);
        return -err->code;
    }
    return ivet_err_set(err, IVET_E_FORMAT, "image '%s' from the daemon: %s", s->name,
                        archive_error_string(t->a));
}

const char *ivet_dtar_member_name(struct archive_entry *e)
{
    const char *n = archive_entry_pathname(e);
    if (!n)
        return "";
    while (n[0] == '.' && n[1] == '/')
        n += 2;
    return n;
}

/* Reads the current member whole (it is at most max bytes). */
int ivet_dtar_slurp(struct dtar *t, size_t max, char **out, size_t *len, struct ivet_err *err)
{
    struct ivet_buf b;
    char tmp[16384];        /* never t->buf: libarchive may still be reading from it */
    ivet_buf_init(&b, max);
    for (;;) {
        la_ssize_t n = archive_read_data(t->a, tmp, sizeof(tmp));
        if (n < 0) {
            ivet_buf_release(&b);
            if (t->rerr.code) {
                ivet_err_move(err, &t->rerr);
                return -err->code;
            }
            return ivet_err_set(err, IVET_E_FORMAT, "%s", archive_error_string(t->a));
        }
        if (n == 0)
            break;
        if (ivet_buf_append(&b, tmp, (size_t)n, err) < 0) {
            ivet_buf_release(&b);
            return -err->code;
        }
    }
    *len = b.len;
    if (!(*out = ivet_buf_detach(&b)))
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    return 0;
}

/* ---- one member as a stream (open_blob) */
struct member_stream {
    struct ivet_istream base;
    struct dtar *t;
    struct daemon_source *lender;       /* set when t is the shared pass */
};

static ssize_t member_read(struct ivet_istream *is, void *buf, size_t n, struct ivet_err *err)
{
    struct member_stream *m = (struct member_stream *)is;
    la_ssize_t r = archive_read_data(m->t->a, buf, n);
    if (r >= 0)
        return (ssize_t)r;
    if (m->t->rerr.code) {
        ivet_err_move(err, &m->t->rerr);
        return -err->code;
    }
    return ivet_err_set(err, IVET_E_FORMAT, "%s", archive_error_string(m->t->a));
}

static void shared_give_back(struct daemon_source *s, bool dead);

/* Moves t on to the regular member named want: 1 there, 0 when the tar
 * ended first, <0 on failure. *count gets one per member passed. */
static int seek_member(struct daemon_source *s, struct dtar *t, const char *want, long *count,
                       struct ivet_err *err)
{
    struct archive_entry *e;
    int rc;
    while ((rc = ivet_dtar_next(t, s, &e, err)) > 0) {
        ++*count;
        if (archive_entry_filetype(e) == AE_IFREG && !strcmp(ivet_dtar_member_name(e), want))
            return 1;
    }
    return rc;
}

static void member_close(struct ivet_istream *is)
{
    struct member_stream *m = (struct member_stream *)is;
    struct daemon_source *s = m->lender;
    if (s) {                            /* back to the next layer; unread bytes are skipped */
        shared_give_back(s, false);
    } else {
        ivet_dtar_close(m->t);          /* ends the transfer early: the rest is not needed */
    }
    ivet_free(m);
}

static const struct ivet_istream_ops member_ops = { member_read, member_close };

static struct ivet_istream *member_stream_new(struct dtar *t, struct daemon_source *lender,
                                             struct ivet_err *err)
{
    struct member_stream *m = ivet_calloc(1, sizeof(*m));
    if (!m) {
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return NULL;
    }
    ivet_istream_init(&m->base, &member_ops);
    m->t = t;
    m->lender = lender;
    return &m->base;
}

/* Called by the holder. The pass ends (its GET closed, every later layer
 * on a GET of its own) when it broke or has gone by the last known layer. */
static void shared_give_back(struct daemon_source *s, bool dead)
{
    struct dtar *done = NULL;
    pthread_mutex_lock(&s->mu);
    s->shared_busy = false;
    s->shared_dead = s->shared_dead || dead || s->shared_at >= s->last_place;
    if (s->shared_dead) {
        done = s->shared;
        s->shared = NULL;
    }
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    ivet_dtar_close(done);
}

/* The shared pass, moved on to member `want` (at ordinal `place` in
 * resolve()'s walk) and lent as a stream; waits while another thread holds
 * it and has not gone by `place`. NULL with err untouched when it cannot
 * serve this layer (already past it, broken, or held by the calling thread
 * itself): the caller then makes a GET of its own, which also reports any
 * real failure. */
static struct ivet_istream *shared_member(struct daemon_source *s, const char *want, long place,
                                          struct ivet_err *err)
{
    pthread_t self = pthread_self();
    pthread_mutex_lock(&s->mu);
    while (s->shared_busy && !s->shared_dead && place > s->shared_at && !pthread_equal(s->holder, self))
        pthread_cond_wait(&s->cv, &s->mu);
    bool mine = !s->shared_busy && !s->shared_dead && place > s->shared_at;
    long at = s->shared_at;
    if (mine) {
        s->shared_busy = true;
        s->holder = self;
    }
    pthread_mutex_unlock(&s->mu);
    if (!mine)
        return NULL;
    struct ivet_err e2 = IVET_ERR_INIT;
    if (!s->shared && !(s->shared = ivet_dtar_open(s, &e2))) {
        ivet_err_release(&e2);
        shared_give_back(s, true);
        return NULL;
    }
    int rc = seek_member(s, s->shared, want, &at, &e2);
    ivet_err_release(&e2);
    pthread_mutex_lock(&s->mu);
    s->shared_at = at;                  /* waiters it went by may go their own way now */
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (rc <= 0) {
        shared_give_back(s, true);      /* the daemon's second tar is not the first one */
        return NULL;
    }
    struct ivet_istream *m = member_stream_new(s->shared, s, err);
    if (!m)
        shared_give_back(s, false);
    return m;
}

struct ivet_istream *ivet_daemon_layer_open(struct daemon_source *s, size_t i, struct ivet_err *err)
{
    const char *want = s->layer_members[i];
    if (s->layer_place[i] >= 0) {
        struct ivet_istream *m = shared_member(s, want, s->layer_place[i], err);
        if (m || err->code)
            return m;
    }
    struct dtar *t = ivet_dtar_open(s, err);
    if (!t)
        return NULL;
    long passed = 0;
    int rc = seek_member(s, t, want, &passed, err);
    if (rc <= 0) {
        if (rc == 0)
            ivet_err_set(err, IVET_E_FORMAT, "%s: layer member '%.200s' of '%s' is missing the "
                         "second time round", s->label, want, s->name);
        ivet_dtar_close(t);
        return NULL;
    }
    struct ivet_istream *m = member_stream_new(t, NULL, err);
    if (!m)
        ivet_dtar_close(t);
    return m;
}

