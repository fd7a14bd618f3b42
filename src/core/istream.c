/* istream.c: chained pull streams, their sticky errors, and the basic
 * sources (memory, file descriptor) and wrappers (digest, limit). */
#include "core/core.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

void ivet_istream_init(struct ivet_istream *s, const struct ivet_istream_ops *ops)
{
    s->ops = ops;
    s->failed = 0;
    s->ferr = (struct ivet_err)IVET_ERR_INIT;
    s->pos = 0;
}

static ssize_t replay(struct ivet_istream *s, struct ivet_err *err)
{
    ivet_err_set(err, s->ferr.code, "%s", ivet_err_msg(&s->ferr));
    return s->failed;
}

static ssize_t done_read(struct ivet_istream *s, ssize_t r, struct ivet_err *err)
{
    if (r < 0) {
        s->failed = (int)r;
        ivet_err_set(&s->ferr, err->code ? err->code : IVET_E_INTERNAL, "%s", ivet_err_msg(err));
        return r;
    }
    s->pos += (uint64_t)r;
    return r;
}

ssize_t ivet_istream_read(struct ivet_istream *s, void *buf, size_t n, struct ivet_err *err)
{
    if (s->failed)
        return replay(s, err);
    if (n == 0)
        return 0;
    return done_read(s, s->ops->read(s, buf, n, err), err);
}

ssize_t ivet_istream_borrow(struct ivet_istream *s, const void **p, void *buf, size_t n,
                            struct ivet_err *err)
{
    *p = buf;
    if (s->failed)
        return replay(s, err);
    if (n == 0)
        return 0;
    if (!s->ops->borrow)
        return done_read(s, s->ops->read(s, buf, n, err), err);
    return done_read(s, s->ops->borrow(s, p, buf, n, err), err);
}

int ivet_istream_read_full(struct ivet_istream *s, void *buf, size_t n, struct ivet_err *err)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = ivet_istream_read(s, (char *)buf + got, n - got, err);
        if (r < 0)
            return (int)r;
        if (r == 0)
            return ivet_err_set(err, IVET_E_FORMAT, "truncated: expected %zu more bytes", n - got);
        got += (size_t)r;
    }
    return 0;
}

int ivet_istream_drain(struct ivet_istream *s, struct ivet_err *err)
{
    char tmp[65536];
    for (;;) {
        ssize_t r = ivet_istream_read(s, tmp, sizeof(tmp), err);
        if (r <= 0)
            return (int)r;
    }
}

int ivet_istream_slurp(struct ivet_istream *s, size_t max, char **out, size_t *len,
                       struct ivet_err *err)
{
    struct ivet_buf b;
    ivet_buf_init(&b, max);
    char tmp[65536];
    int rc = 0;
    for (;;) {
        ssize_t r = ivet_istream_read(s, tmp, sizeof(tmp), err);
        if (r < 0) {
            rc = (int)r;
            break;
        }
        if (r == 0)
            break;
        if ((rc = ivet_buf_append(&b, tmp, (size_t)r, err)) < 0)
            break;
    }
    if (rc < 0) {
        ivet_buf_release(&b);
        return rc;
    }
    *len = b.len;
    *out = ivet_buf_detach(&b);
    if (!*out)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    return 0;
}

int ivet_istream_close(struct ivet_istream *s)
{
    if (!s)
        return 0;
    int f = s->failed;
    ivet_err_release(&s->ferr);
    s->ops->close(s);
    return f;
}

/* ---- memory */
struct mem_stream {
    struct ivet_istream base;
    const uint8_t *p;
    size_t n, off, chunk;
};

static ssize_t mem_read(struct ivet_istream *s, void *buf, size_t n, struct ivet_err *err)
{
    (void)err;
    struct mem_stream *m = (struct mem_stream *)s;
    size_t k = IVET_MIN(n, m->n - m->off);
    if (m->chunk)
        k = IVET_MIN(k, m->chunk);
    memcpy(buf, m->p + m->off, k);
    m->off += k;
    return (ssize_t)k;
}

static void mem_close(struct ivet_istream *s)
{
    ivet_free(s);
}

static const struct ivet_istream_ops mem_ops = { mem_read, mem_close };

struct ivet_istream *ivet_istream_from_mem(const void *p, size_t n, size_t chunk,
                                           struct ivet_err *err)
{
    struct mem_stream *m = ivet_calloc(1, sizeof(*m));
    if (!m) {
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return NULL;
    }
    ivet_istream_init(&m->base, &mem_ops);
    m->p = p;
    m->n = n;
    m->chunk = chunk;
    return &m->base;
}

/* ---- file descriptor region */
struct fd_stream {
    struct ivet_istream base;
    int fd;
    uint64_t off, end;          /* end == UINT64_MAX: to EOF */
    char *name;
};

static ssize_t fd_read(struct ivet_istream *s, void *buf, size_t n, struct ivet_err *err)
{
    struct fd_stream *f = (struct fd_stream *)s;
    if (f->end != UINT64_MAX) {
        if (f->off >= f->end)
            return 0;
        n = (size_t)IVET_MIN((uint64_t)n, f->end - f->off);
    }
    for (;;) {
        ssize_t r = pread(f->fd, buf, n, (off_t)f->off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return ivet_err_sys(err, IVET_E_IO, "cannot read '%s'", f->name);
        if (r == 0 && f->end != UINT64_MAX)
            return ivet_err_set(err, IVET_E_FORMAT, "'%s' is truncated: %llu bytes missing", f->name,
                                (unsigned long long)(f->end - f->off));
        f->off += (uint64_t)r;
        return r;
    }
}

static void fd_close(struct ivet_istream *s)
{
    struct fd_stream *f = (struct fd_stream *)s;
    close(f->fd);
    ivet_free(f->name);
    ivet_free(f);
}

static const struct ivet_istream_ops fd_ops = { fd_read, fd_close };

struct ivet_istream *ivet_istream_from_fd(int fd, uint64_t off, uint64_t len,
                                          const char *name, struct ivet_err *err)
{
    if (fd < 0)
        return NULL;
    struct fd_stream *f = ivet_calloc(1, sizeof(*f));
    char *nm = ivet_strdup(name ? name : "(file)");
    if (!f || !nm) {
        ivet_free(f);
        ivet_free(nm);
        close(fd);
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return NULL;
    }
    ivet_istream_init(&f->base, &fd_ops);
    f->fd = fd;
    f->off = off;
    f->end = len == UINT64_MAX ? UINT64_MAX : off + len;
    f->name = nm;
    return &f->base;
}

struct ivet_istream *ivet_istream_open_file(const char *path, struct ivet_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        ivet_err_sys(err, errno == ENOENT ? IVET_E_NOTFOUND : IVET_E_IO, "cannot open '%s'", path);
        return NULL;
    }
    return ivet_istream_from_fd(fd, 0, UINT64_MAX, path, err);
}

/* ---- digest wrapper */
struct digest_stream {
    struct ivet_istream base;
    struct ivet_istream *in;
    struct ivet_sha256 *h;
    struct ivet_digest expect;
    bool have_expect, done;
    struct ivet_digest *got;
    char *what;
};

/* Hashes what the input gave (r bytes at p); checks the digest at EOF. */
static ssize_t digest_account(struct digest_stream *d, const void *p, ssize_t r, struct ivet_err *err)
{
    if (r > 0) {
        ivet_sha256_update(d->h, p, (size_t)r);
        return r;
    }
    if (r < 0)
        return r;
    d->done = true;
    struct ivet_digest got;
    ivet_sha256_final(d->h, &got);
    if (d->got)
        *d->got = got;
    if (d->have_expect && !ivet_digest_eq(&got, &d->expect))
        return ivet_err_set(err, IVET_E_DIGEST, "%s: content has digest %s, expected %s", d->what,
                            got.text, d->expect.text);
    return 0;
}

static ssize_t digest_read(struct ivet_istream *s, void *buf, size_t n, struct ivet_err *err)
{
    struct digest_stream *d = (struct digest_stream *)s;
    if (d->done)
        return 0;
    return digest_account(d, buf, ivet_istream_read(d->in, buf, n, err), err);
}

static ssize_t digest_borrow(struct ivet_istream *s, const void **p, void *buf, size_t n,
                             struct ivet_err *err)
{
    struct digest_stream *d = (struct digest_stream *)s;
    if (d->done)
        return 0;
    ssize_t r = ivet_istream_borrow(d->in, p, buf, n, err);
    return digest_account(d, *p, r, err);
}

static void digest_close(struct ivet_istream *s)
{
    struct digest_stream *d = (struct digest_stream *)s;
    ivet_istream_close(d->in);
    ivet_sha256_free(d->h);
    ivet_free(d->what);
    ivet_free(d);
}

static const struct ivet_istream_ops digest_ops = { digest_read, digest_close, digest_borrow };

struct ivet_istream *ivet_istream_digest(struct ivet_istream *in, const struct ivet_digest *expect,
                                         const char *what, struct ivet_digest *got,
                                         struct ivet_err *err)
{
    if (!in)
        return NULL;
    struct digest_stream *d = ivet_calloc(1, sizeof(*d));
    bool mem = !d || !(d->what = ivet_strdup(what ? what : "stream"));
    if (mem || !(d->h = ivet_sha256_new(err))) {
        if (d) {
            ivet_free(d->what);
            ivet_free(d);
        }
        ivet_istream_close(in);
        if (mem)                        /* else ivet_sha256_new said why */
            ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return NULL;
    }
    ivet_istream_init(&d->base, &digest_ops);
    d->in = in;
    if (expect) {
        d->expect = *expect;
        d->have_expect = true;
    }
    d->got = got;
    return &d->base;
}

/* ---- limit wrapper */
struct limit_stream {
    struct ivet_istream base;
    struct ivet_istream *in;
    uint64_t max, size, seen;
    bool size_known;
    char *what;
};

static ssize_t limit_read(struct ivet_istream *s, void *buf, size_t n, struct ivet_err *err)
{
    struct limit_stream *l = (struct limit_stream *)s;
    ssize_t r = ivet_istream_read(l->in, buf, n, err);
    if (r < 0)
        return r;
    l->seen += (uint64_t)r;
    if (l->seen > l->max)
        return ivet_err_set(err, IVET_E_LIMIT, "%s exceeds the limit of %llu bytes", l->what,
                            (unsigned long long)l->max);
    if (l->size_known && l->seen > l->size)
        return ivet_err_set(err, IVET_E_FORMAT, "%s is longer than its declared size of %llu bytes",
                            l->what, (unsigned long long)l->size);
    if (r == 0 && l->size_known && l->seen != l->size)
        return ivet_err_set(err, IVET_E_FORMAT, "%s is truncated: %llu of %llu bytes", l->what,
                            (unsigned long long)l->seen, (unsigned long long)l->size);
    return r;
}

static void limit_close(struct ivet_istream *s)
{
    struct limit_stream *l = (struct limit_stream *)s;
    ivet_istream_close(l->in);
    ivet_free(l->what);
    ivet_free(l);
}

static const struct ivet_istream_ops limit_ops = { limit_read, limit_close };

struct ivet_istream *ivet_istream_limit(struct ivet_istream *in, uint64_t max,
                                        bool size_known, uint64_t size, const char *what,
                                        struct ivet_err *err)
{
    if (!in)
        return NULL;
    struct limit_stream *l = ivet_calloc(1, sizeof(*l));
    if (!l || !(l->what = ivet_strdup(what ? what : "stream"))) {
        ivet_free(l);
        ivet_istream_close(in);
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return NULL;
    }
    ivet_istream_init(&l->base, &limit_ops);
    l->in = in;
    l->max = max;
    l->size_known = size_known;
    l->size = size;
    return &l->base;
}
