/* blob_store.c: the files of an OCI image layout, wherever they are: a
 * directory (each path component opened with O_NOFOLLOW below the layout's
 * directory descriptor) or the members of an archive (tar_index.c). Also the
 * bounded, digest-checked read of small documents that every source uses. */
#include "source/source_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void ivet_blobstore_free(struct ivet_blobstore *bs)
{
    if (bs)
        bs->ops->free(bs);
}

void ivet_blob_path(const struct ivet_digest *d, char *buf, size_t n)
{
    snprintf(buf, n, "blobs/sha256/%s", ivet_digest_hex(d));
}

/* ---- directory */
struct dir_store {
    struct ivet_blobstore base;
    int dirfd;
};

/* Opens rel below the directory without following any symlink. */
static int dir_openat(struct dir_store *d, const char *rel, struct ivet_err *err)
{
    char comp[256];
    int cur = d->dirfd;
    const char *p = rel;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 0 || len >= sizeof(comp) || (len <= 2 && p[0] == '.' && (len == 1 || p[1] == '.'))) {
            if (cur != d->dirfd)
                close(cur);
            return ivet_err_set(err, IVET_E_INTERNAL, "bad layout path '%s'", rel);
        }
        memcpy(comp, p, len);
        comp[len] = 0;
        int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (slash ? O_DIRECTORY : O_NONBLOCK);
        int fd = openat(cur, comp, flags);
        int e = errno;
        if (cur != d->dirfd)
            close(cur);
        if (fd < 0) {
            errno = e;
            if (e == ENOENT)
                return ivet_err_set(err, IVET_E_NOTFOUND, "'%s/%s' does not exist", d->base.name, rel);
            if (e == ELOOP || (e == ENOTDIR && slash))
                return ivet_err_set(err, IVET_E_FORMAT, "'%s/%s': a path component is a symlink or not a directory "
                                                        "(refused)", d->base.name, rel);
            return ivet_err_sys(err, IVET_E_IO, "cannot open '%s/%s'", d->base.name, rel);
        }
        if (!slash)
            return fd;
        cur = fd;
        p = slash + 1;
    }
}

static int dir_open_regular(struct dir_store *d, const char *rel, uint64_t *size, struct ivet_err *err)
{
    int fd = dir_openat(d, rel, err);
    if (fd < 0)
        return fd;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return ivet_err_set(err, IVET_E_FORMAT, "'%s/%s' is not a regular file", d->base.name, rel);
    }
    /* O_NONBLOCK only kept a FIFO from hanging the open */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    if (size)
        *size = (uint64_t)st.st_size;
    return fd;
}

static struct ivet_istream *dir_open(struct ivet_blobstore *bs, const char *rel, uint64_t *size,
                                     struct ivet_err *err)
{
    struct dir_store *d = (struct dir_store *)bs;
    uint64_t sz = 0;
    int fd = dir_open_regular(d, rel, &sz, err);
    if (fd < 0)
        return NULL;
    if (size)
        *size = sz;
    char *what = ivet_asprintf("%s/%s", bs->name, rel);
    if (!what) {
        close(fd);
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return NULL;
    }
    /* exactly the size seen now: a file that shrinks under us is truncated */
    struct ivet_istream *s = ivet_istream_from_fd(fd, 0, sz, what, err);
    ivet_free(what);
    return s;
}

static int dir_stat(struct ivet_blobstore *bs, const char *rel, uint64_t *size, struct ivet_err *err)
{
    int fd = dir_open_regular((struct dir_store *)bs, rel, size, err);
    if (fd < 0)
        return fd;
    close(fd);
    return 0;
}

static void dir_free(struct ivet_blobstore *bs)
{
    struct dir_store *d = (struct dir_store *)bs;
    if (d->dirfd >= 0)
        close(d->dirfd);
    ivet_free(bs->name);
    ivet_free(d);
}

static const struct ivet_blobstore_ops dir_ops = { dir_open, dir_stat, dir_free };

struct ivet_blobstore *ivet_blobstore_dir(const char *dir, struct ivet_err *err)
{
    struct dir_store *d = ivet_calloc(1, sizeof(*d));
    if (!d || !(d->base.name = ivet_strdup(dir))) {
        ivet_free(d);
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return NULL;
    }
    d->base.ops = &dir_ops;
    d->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d->dirfd < 0) {
        ivet_err_sys(err, errno == ENOENT ? IVET_E_NOTFOUND : IVET_E_IO, "cannot open the directory '%s'", dir);
        dir_free(&d->base);
        return NULL;
    }
    return &d->base;
}

/* ---- archive */
struct archive_store {
    struct ivet_blobstore base;
    struct ivet_tar_index *t;
};

static struct ivet_istream *ar_open(struct ivet_blobstore *bs, const char *rel, uint64_t *size,
                                    struct ivet_err *err)
{
    return ivet_tar_index_open_member(((struct archive_store *)bs)->t, rel, size, err);
}

static int ar_stat(struct ivet_blobstore *bs, const char *rel, uint64_t *size, struct ivet_err *err)
{
    char sh[128];
    const struct ivet_tar_member *m = ivet_tar_index_find(((struct archive_store *)bs)->t, rel, err);
    if (!m)
        return -err->code;
    if (m->type != IVET_TAR_FILE)
        return ivet_err_set(err, IVET_E_FORMAT, "'%s': member '%s' is not a regular file", bs->name,
                            ivet_src_shown(m->name, sh, sizeof(sh)));
    if (size)
        *size = m->size;
    return 0;
}

static void ar_free(struct ivet_blobstore *bs)
{
    struct archive_store *a = (struct archive_store *)bs;
    ivet_tar_index_free(a->t);
    ivet_free(bs->name);
    ivet_free(a);
}

static const struct ivet_blobstore_ops ar_ops = { ar_open, ar_stat, ar_free };

struct ivet_blobstore *ivet_blobstore_archive(struct ivet_tar_index *t, struct ivet_err *err)
{
    if (!t)
        return NULL;
    struct archive_store *a = ivet_calloc(1, sizeof(*a));
    if (!a || !(a->base.name = ivet_strdup(ivet_tar_index_name(t)))) {
        ivet_free(a);
        ivet_tar_index_free(t);
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return NULL;
    }
    a->base.ops = &ar_ops;
    a->t = t;
    return &a->base;
}

/* ---- reading small documents */
int ivet_blobstore_read(struct ivet_blobstore *bs, const char *rel, uint64_t max, char **out, size_t *len,
                        struct ivet_err *err)
{
    uint64_t size = 0;
    struct ivet_istream *s = bs->ops->open(bs, rel, &size, err);
    if (!s)
        return -err->code;
    if (size > max) {
        ivet_istream_close(s);
        return ivet_err_set(err, IVET_E_LIMIT, "'%s' in '%s' is %llu bytes, over the limit of %llu", rel, bs->name,
                            (unsigned long long)size, (unsigned long long)max);
    }
    int rc = ivet_istream_slurp(s, (size_t)max, out, len, err);
    ivet_istream_close(s);
    return rc;
}

int ivet_blob_read_verified(struct ivet_blobstore *bs, const struct ivet_digest *d, bool size_known,
                            uint64_t size, uint64_t max, const char *what, char **out, size_t *len,
                            struct ivet_err *err)
{
    char rel[96];
    ivet_blob_path(d, rel, sizeof(rel));
    uint64_t have = 0;
    struct ivet_istream *s = bs->ops->open(bs, rel, &have, err);
    if (!s)
        return ivet_err_wrap(err, "%s '%s'", what, d->text);
    if (size_known && have != size) {
        ivet_istream_close(s);
        return ivet_err_set(err, IVET_E_FORMAT, "%s '%s' (%s) is %llu bytes but its descriptor says %llu", what,
                            d->text, rel, (unsigned long long)have, (unsigned long long)size);
    }
    if (have > max) {
        ivet_istream_close(s);
        return ivet_err_set(err, IVET_E_LIMIT, "%s '%s' is %llu bytes, over the JSON limit of %llu", what, d->text,
                            (unsigned long long)have, (unsigned long long)max);
    }
    char *buf = NULL;
    size_t n = 0;
    if (ivet_istream_slurp(s, (size_t)max, &buf, &n, err) < 0) {
        ivet_istream_close(s);
        return ivet_err_wrap(err, "%s '%s'", what, d->text);
    }
    ivet_istream_close(s);
    struct ivet_digest got;
    ivet_sha256(buf, n, &got);
    if (!ivet_digest_eq(&got, d)) {
        ivet_free(buf);
        return ivet_err_set(err, IVET_E_DIGEST, "%s blob '%s' in '%s' has digest %s: its bytes were altered", what,
                            d->text, bs->name, got.text);
    }
    *out = buf;
    *len = n;
    return 0;
}
