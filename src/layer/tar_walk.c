/* tar_walk.c: walks the tar entries of one decompressed layer with libarchive
 * (tar formats only, fed from our istream, never its own filters), turns each
 * into a struct ivet_entry (normalised path, whiteouts recognised) and hands
 * it and its content to a walker. Decompression and digests are the stream's
 * business; the overlay merge is merge.c's. */
#include "layer/layer.h"
#include "core/lazylib.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define READ_SIZE (256u << 10)
#define NAME_SHOWN 200                  /* bytes of a hostile path quoted in errors */
#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

struct walk {
    struct ivet_istream *s;
    const struct ivet_walker_ops *ops;
    void *ctx;
    const struct ivet_limits *lim;
    uint8_t *buf;
    uint64_t bytes;                     /* read from s so far */
    bool eof;
    bool stream_failed;                 /* s failed: err already says why */
    struct ivet_err *err;
    struct archive *a;
    struct ivet_entry e;
    char *path, *link;                  /* owned strings behind e */
    char *shown;                        /* the raw entry name, sanitised for messages */
    uint64_t count;
    char msg[256];                      /* libarchive's last message, lowercased */
    struct ivet_tar_frame frame;        /* where the archive ends, read independently */
};

static la_ssize_t on_read(struct archive *a, void *arg, const void **out)
{
    struct walk *w = arg;
    const void *p;
    ssize_t r = ivet_istream_borrow(w->s, &p, w->buf, READ_SIZE, w->err);
    if (r < 0) {
        w->stream_failed = true;
        archive_set_error(a, EIO, "stream failed");
        return -1;
    }
    if (r == 0)
        w->eof = true;
    w->bytes += (uint64_t)r;
    ivet_tar_frame_feed(&w->frame, p, (size_t)r);
    *out = p;
    return (la_ssize_t)r;
}

static void clear_entry(struct walk *w)
{
    ivet_free(w->path);
    ivet_free(w->link);
    ivet_free(w->shown);
    w->path = w->link = w->shown = NULL;
}

static enum ivet_entry_type entry_type(struct archive_entry *ae)
{
    if (archive_entry_hardlink(ae) || archive_entry_hardlink_utf8(ae))
        return IVET_ENTRY_HARDLINK;
    switch (archive_entry_filetype(ae)) {
    case AE_IFREG: return IVET_ENTRY_FILE;
    case AE_IFDIR: return IVET_ENTRY_DIR;
    case AE_IFLNK: return IVET_ENTRY_SYMLINK;
    case AE_IFCHR: return IVET_ENTRY_CHAR;
    case AE_IFBLK: return IVET_ENTRY_BLOCK;
    case AE_IFIFO: return IVET_ENTRY_FIFO;
    }
    return IVET_ENTRY_OTHER;
}

/* The name as the archive has it: the locale form, else the UTF-8 form
 * (asked for only when needed: it converts through wide characters). */
static const char *raw_name(struct archive_entry *ae, const char *(*mbs)(struct archive_entry *),
                            const char *(*utf8)(struct archive_entry *))
{
    const char *s = mbs(ae);
    return s ? s : utf8(ae);
}

static int nomem(struct walk *w)
{
    return ivet_err_set(w->err, IVET_E_NOMEM, "out of memory");
}

/* Splits off a whiteout marker: ".wh.NAME" deletes dir/NAME and
 * ".wh..wh..opq" makes dir opaque. `path` is normalised. */
static int whiteout(struct walk *w)
{
    char *slash = strrchr(w->path, '/');
    const char *base = slash + 1;
    if (!ivet_startswith(base, WH_PREFIX))
        return 0;
    const char *name = base + strlen(WH_PREFIX);
    if (strcmp(base, WH_OPAQUE) == 0) {
        w->e.opaque = true;
        *slash = 0;
    } else if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
        return ivet_err_set(w->err, IVET_E_FORMAT, "entry '%s': malformed whiteout", w->shown);
    } else {
        w->e.whiteout = true;
        memmove(slash + 1, name, strlen(name) + 1);
        return 0;
    }
    if (w->path[0] == 0) {              /* "/.wh..wh..opq": the root */
        w->path[0] = '/';
        w->path[1] = 0;
    }
    return 0;
}

static int make_entry(struct walk *w, struct archive_entry *ae)
{
    const char *name = raw_name(ae, archive_entry_pathname, archive_entry_pathname_utf8);
    if (!name)
        return ivet_err_set(w->err, IVET_E_FORMAT, "entry %llu has no readable name",
                            (unsigned long long)w->count);
    size_t nlen = strlen(name);
    if (!(w->shown = ivet_sanitize(name, nlen, NAME_SHOWN)))
        return nomem(w);
    if (nlen > w->lim->max_path)
        return ivet_err_set(w->err, IVET_E_LIMIT,
                            "entry '%s%s': path of %zu bytes exceeds the limit max_path (%llu)",
                            w->shown, nlen > NAME_SHOWN ? "..." : "", nlen,
                            (unsigned long long)w->lim->max_path);
    bool escapes = false;
    if (!(w->path = ivet_path_normalize_ex(name, &escapes)))
        return nomem(w);
    /* Docker refuses these ("breakout"); a reader that kept ".." literally
     * would file the entry under a path no check looks at. */
    if (escapes)
        return ivet_err_set(w->err, IVET_E_FORMAT, "entry '%s': path climbs above the root", w->shown);

    memset(&w->e, 0, sizeof(w->e));
    w->e.type = entry_type(ae);
    const char *target = NULL;
    if (w->e.type == IVET_ENTRY_HARDLINK)
        target = raw_name(ae, archive_entry_hardlink, archive_entry_hardlink_utf8);
    else if (w->e.type == IVET_ENTRY_SYMLINK)
        target = raw_name(ae, archive_entry_symlink, archive_entry_symlink_utf8);
    if (target) {
        size_t tlen = strlen(target);
        if (tlen > w->lim->max_path)
            return ivet_err_set(w->err, IVET_E_LIMIT,
                                "entry '%s': link target of %zu bytes exceeds the limit max_path (%llu)",
                                w->shown, tlen, (unsigned long long)w->lim->max_path);
        w->link = w->e.type == IVET_ENTRY_HARDLINK ? ivet_path_normalize(target) : ivet_strdup(target);
        if (!w->link)
            return nomem(w);
    } else if (w->e.type == IVET_ENTRY_SYMLINK || w->e.type == IVET_ENTRY_HARDLINK) {
        return ivet_err_set(w->err, IVET_E_FORMAT, "entry '%s': link without a target", w->shown);
    }
    /* Only regular files carry content. libarchive reads a body after a pax
     * hard link, where Go's archive/tar (Docker, containerd) reads the next
     * header: the two would see different files, so refuse the layer. */
    if (w->e.type != IVET_ENTRY_FILE && archive_entry_size_is_set(ae) && archive_entry_size(ae) > 0)
        return ivet_err_set(w->err, IVET_E_FORMAT, "entry '%s': a %s entry with %lld bytes of content",
                            w->shown, w->e.type == IVET_ENTRY_HARDLINK ? "hard link" : "non-regular",
                            (long long)archive_entry_size(ae));
    int rc = whiteout(w);
    if (rc < 0)
        return rc;
    w->e.path = w->path;
    w->e.linkname = w->link;
    w->e.mode = (uint32_t)archive_entry_mode(ae) & 07777;
    w->e.uid = (uint64_t)archive_entry_uid(ae);
    w->e.gid = (uint64_t)archive_entry_gid(ae);
    w->e.size = archive_entry_size_is_set(ae) && archive_entry_size(ae) > 0
                    ? (uint64_t)archive_entry_size(ae) : 0;
    w->e.mtime = (int64_t)archive_entry_mtime(ae);
    w->e.index = w->count - 1;
    return 0;
}

/* libarchive's message in our style ("Truncated tar archive" -> "truncated
 * tar archive"), or `fallback`. Valid until the next call. */
static const char *la_msg(struct walk *w, const char *fallback)
{
    const char *m = archive_error_string(w->a);
    if (!m || !*m)
        return fallback;
    snprintf(w->msg, sizeof(w->msg), "%s", m);
    if (w->msg[0] >= 'A' && w->msg[0] <= 'Z' && w->msg[1] >= 'a' && w->msg[1] <= 'z')
        w->msg[0] = (char)(w->msg[0] - 'A' + 'a');
    return w->msg;
}

/* The stream's own failure, already recorded in err. */
static int stream_rc(const struct walk *w)
{
    return w->err->code != IVET_OK ? -(int)w->err->code : -IVET_E_INTERNAL;
}

/* An error that libarchive reported (the stream's own failures pass as they are). */
static int archive_failed(struct walk *w, const char *where)
{
    if (w->stream_failed)
        return stream_rc(w);
    const char *msg = la_msg(w, "malformed tar data");
    if (w->shown)
        return ivet_err_set(w->err, IVET_E_FORMAT, "entry '%s': %s", w->shown, msg);
    return ivet_err_set(w->err, IVET_E_FORMAT, "%s: %s", where, msg);
}

/* Where the content of the current entry stands. */
struct content {
    uint64_t next;                      /* logical offset reached */
    bool want;                          /* on_data still gets bytes */
};

/* Delivers zeros for a sparse hole up to `to`. A hole reaching past what any
 * analyzer may read (max_file_scan) ends the delivery of this entry, so a
 * hostile sparse map cannot make us hand out terabytes of zeros and the
 * offsets analyzers see stay true. */
static int deliver_hole(struct walk *w, struct content *c, uint64_t to)
{
    static const uint8_t zeros[65536];
    uint64_t cap = IVET_MIN(to, w->lim->max_file_scan);
    while (c->want && c->next < cap) {
        size_t k = (size_t)IVET_MIN((uint64_t)sizeof(zeros), cap - c->next);
        int rc = w->ops->on_data(w->ctx, &w->e, zeros, k, w->err);
        if (rc < 0)
            return rc;
        c->next += k;
    }
    if (c->next < to && c->want) {
        /* The hole runs past the cap: stop here, but hand over one byte past
         * the cap so analyzers see the file was cut (as they do when a
         * file's real data runs past it) instead of seeing a short file. */
        int rc = w->ops->on_data(w->ctx, &w->e, zeros, 1, w->err);
        if (rc < 0)
            return rc;
        c->want = false;
    }
    c->next = to;
    return 0;
}

/* Reads the entry's content block by block, handing it to on_data when
 * wanted (skipped entries are read too: the bytes pass through libarchive
 * without a copy, and the digests need them anyway). `*quirk` is set when
 * the content was complete but the archive ended inside its padding:
 * umoci 0.4.7 writes such tars, and their digests are consistent. */
static int read_content(struct walk *w, bool want, bool *quirk)
{
    struct content c = { 0, want && w->ops && w->ops->on_data };
    for (;;) {
        const void *p;
        size_t n;
        la_int64_t off;
        int r = archive_read_data_block(w->a, &p, &n, &off);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            if (!w->stream_failed && w->eof && c.next == w->e.size) {
                *quirk = true;
                return 0;
            }
            return archive_failed(w, "content");
        }
        if (off < 0 || (uint64_t)off < c.next)
            return ivet_err_set(w->err, IVET_E_FORMAT, "entry '%s': sparse map goes backwards",
                                w->shown);
        int rc = deliver_hole(w, &c, (uint64_t)off);
        if (rc < 0)
            return rc;
        if (c.want && n && (rc = w->ops->on_data(w->ctx, &w->e, p, n, w->err)) < 0)
            return rc;
        c.next += n;
    }
    return c.next < w->e.size ? deliver_hole(w, &c, w->e.size) : 0;
}

/* One entry: limits, walker callbacks, content. Returns 1 when the archive
 * ended early in the known umoci way, 0 to go on, -code on failure. */
static int one_entry(struct walk *w, struct archive_entry *ae)
{
    w->count++;
    if (w->count > w->lim->max_entries) {
        const char *n = archive_entry_pathname(ae);
        char *shown = n ? ivet_sanitize(n, strlen(n), NAME_SHOWN) : NULL;
        int rc = ivet_err_set(w->err, IVET_E_LIMIT,
                              "entry '%s': more than %llu entries (limit max_entries)",
                              shown ? shown : "?", (unsigned long long)w->lim->max_entries);
        ivet_free(shown);
        return rc;
    }
    int rc = make_entry(w, ae);
    if (rc < 0)
        return rc;
    int want = 0;
    if (w->ops && w->ops->on_entry && (want = w->ops->on_entry(w->ctx, &w->e, w->err)) < 0)
        return want;
    bool quirk = false;
    if ((rc = read_content(w, want > 0, &quirk)) < 0)
        return rc;
    if (w->ops && w->ops->on_entry_end && (rc = w->ops->on_entry_end(w->ctx, &w->e, w->err)) < 0)
        return rc;
    return quirk ? 1 : 0;
}

static int walk_entries(struct walk *w)
{
    if (archive_read_support_format_tar(w->a) != ARCHIVE_OK)
        return ivet_err_set(w->err, IVET_E_INTERNAL, "libarchive: %s", la_msg(w, "failed"));
    if (archive_read_open2(w->a, w, NULL, on_read, NULL, NULL) != ARCHIVE_OK) {
        if (w->stream_failed)
            return stream_rc(w);
        if (w->eof && w->bytes == 0)
            return 0;                   /* an empty layer: no entries (Go's archive/tar agrees) */
        return ivet_err_set(w->err, IVET_E_FORMAT, "not a tar archive: %s",
                            la_msg(w, "unrecognised"));
    }
    for (;;) {
        struct archive_entry *ae;
        int r = archive_read_next_header(w->a, &ae);
        if (r == ARCHIVE_EOF)
            return 0;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {     /* RETRY: a damaged header */
            if (w->stream_failed)
                return stream_rc(w);
            const char *msg = la_msg(w, "malformed tar header");
            if (w->shown)
                return ivet_err_set(w->err, IVET_E_FORMAT, "after entry '%s': %s", w->shown, msg);
            return ivet_err_set(w->err, IVET_E_FORMAT, "first tar header: %s", msg);
        }
        clear_entry(w);
        int rc = one_entry(w, ae);
        if (rc != 0)
            return rc < 0 ? rc : 0;
    }
}

int ivet_tar_walk_ex(struct ivet_istream *s, const struct ivet_walker_ops *ops, void *ctx,
                     const struct ivet_limits *lim, struct ivet_tar_stats *st,
                     struct ivet_err *err)
{
    struct walk w = { .s = s, .ops = ops, .ctx = ctx, .lim = lim, .err = err };
    ivet_tar_frame_init(&w.frame);
    struct ivet_limits deflim;
    int rc;
    if (st)
        memset(st, 0, sizeof(*st));
    if (!s)
        return -(err->code ? (int)err->code : IVET_E_INTERNAL);
    if (!lim) {
        deflim = ivet_limits_default();
        w.lim = &deflim;
    }
    if ((rc = ivet_lazylib_require(&ivet_lib_archive, err)) < 0)
        goto out;
    if (!(w.buf = ivet_malloc(READ_SIZE)) || !(w.a = archive_read_new())) {
        rc = nomem(&w);
        goto out;
    }
    if ((rc = walk_entries(&w)) < 0)
        goto out;
    /* Past the end-of-archive blocks: read on to EOF, so the digest streams
     * below see every byte before anything is trusted. */
    if (!w.eof) {
        char tmp[8192];
        for (;;) {
            ssize_t r = ivet_istream_read(s, tmp, sizeof(tmp), err);
            if (r < 0) {
                w.stream_failed = true;
                rc = (int)r;
                goto out;
            }
            if (r == 0)
                break;
            w.bytes += (uint64_t)r;
            ivet_tar_frame_feed(&w.frame, tmp, (size_t)r);
        }
    }
out:
    if (st) {
        st->entries = w.count;
        st->bytes = w.bytes;
        st->stream_failed = w.stream_failed;
        /* only when both readings agree on the entries */
        if (rc == 0 && w.frame.ended && !w.frame.lost && w.frame.entries == w.count) {
            st->trailing = w.frame.after;
            st->trailing_nonzero = w.frame.nonzero_after;
        }
    }
    if (w.a)
        archive_read_free(w.a);
    clear_entry(&w);
    ivet_free(w.buf);
    int crc = ivet_istream_close(s);
    if (rc == 0 && crc < 0)
        rc = ivet_err_set(err, IVET_E_INTERNAL, "stream failed after the walk");
    return rc;
}

int ivet_tar_walk(struct ivet_istream *s, const struct ivet_walker_ops *ops, void *ctx,
                  const struct ivet_limits *lim, uint64_t *entries, struct ivet_err *err)
{
    struct ivet_tar_stats st;
    int rc = ivet_tar_walk_ex(s, ops, ctx, lim, &st, err);
    if (entries)
        *entries = st.entries;
    return rc;
}
