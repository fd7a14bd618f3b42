/* tar_index.c: the members of an image archive on disk (the docker-archive or
 * oci-archive file itself, never a layer), found by walking the tar headers
 * with pread and our own bounded header parser (ustar, pax 'x' path/linkpath/
 * size, GNU 'L'/'K' long names, base-256 sizes, checksums verified). Member
 * content is opened in place as a region of the file; nothing is extracted.
 * Layers are read by libarchive in src/layer/, not here. */
#include "source/source_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOCK 512
#define MAX_PAX (1u << 20)          /* bytes of one pax extended header */
#define MAX_NAME_BYTES (64u << 20)  /* all member names together */
#define MAX_HOPS 16
#define ESCAPES (-1000)             /* normalize_name: the name leaves the archive */

struct ivet_tar_index {
    int fd;
    char *name;
    uint64_t file_size;
    struct ivet_tar_member *m;
    size_t n, cap;
    size_t name_bytes;
};

bool ivet_tar_header_ok(const uint8_t *p, size_t n)
{
    if (n < BLOCK)
        return false;
    uint64_t stored = 0;
    size_t i = 148;
    while (i < 156 && p[i] == ' ')
        i++;
    size_t digits = 0;
    for (; i < 156 && p[i] >= '0' && p[i] <= '7'; i++, digits++)
        stored = stored * 8 + (uint64_t)(p[i] - '0');
    if (digits == 0)
        return false;
    uint64_t usum = 0;
    int64_t ssum = 0;
    for (size_t k = 0; k < BLOCK; k++) {
        uint8_t c = (k >= 148 && k < 156) ? ' ' : p[k];
        usum += c;
        ssum += (int8_t)c;
    }
    return stored == usum || (int64_t)stored == ssum;
}

/* Octal (leading spaces, then digits up to a space or NUL) or base-256. */
static bool parse_num(const uint8_t *p, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (p[0] & 0x80) {
        if (p[0] & 0x40)
            return false;           /* negative */
        v = p[0] & 0x3f;
        for (size_t i = 1; i < n; i++) {
            if (v > (UINT64_MAX >> 8))
                return false;
            v = v << 8 | p[i];
        }
        *out = v;
        return v <= INT64_MAX;
    }
    size_t i = 0;
    while (i < n && p[i] == ' ')
        i++;
    for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
        if (v > (UINT64_MAX >> 3))
            return false;
        v = v * 8 + (uint64_t)(p[i] - '0');
    }
    if (i < n && p[i] != ' ' && p[i] != 0)
        return false;
    *out = v;
    return v <= INT64_MAX;
}

/* Lexical normalisation inside the archive: "./a//b/../c/" -> "a/c" into o
 * (at least len + 1 bytes). A ".." above the top is ESCAPES (the name leaves
 * the archive). "" for the root. */
static int normalize_into(const char *in, size_t len, char *o)
{
    size_t w = 0, i = 0;
    while (i < len) {
        while (i < len && in[i] == '/')
            i++;
        size_t s = i;
        while (i < len && in[i] != '/')
            i++;
        size_t cl = i - s;
        if (cl == 0 || (cl == 1 && in[s] == '.'))
            continue;
        if (cl == 2 && in[s] == '.' && in[s + 1] == '.') {
            if (w == 0)
                return ESCAPES;
            while (w > 0 && o[w - 1] != '/')
                w--;
            if (w > 0)
                w--;
            continue;
        }
        if (w)
            o[w++] = '/';
        memcpy(o + w, in + s, cl);
        w += cl;
    }
    o[w] = 0;
    return 0;
}

static int normalize_name(const char *in, size_t len, char **out)
{
    char *o = ivet_malloc(len + 1);
    if (!o)
        return -IVET_E_NOMEM;
    int r = normalize_into(in, len, o);
    if (r < 0) {
        ivet_free(o);
        return r;
    }
    *out = o;
    return 0;
}

static int pread_full(struct ivet_tar_index *t, void *buf, size_t n, uint64_t off, struct ivet_err *err)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(t->fd, (char *)buf + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return ivet_err_sys(err, IVET_E_IO, "cannot read '%s'", t->name);
        if (r == 0)
            return ivet_err_set(err, IVET_E_FORMAT, "'%s' is truncated at offset %llu", t->name,
                                (unsigned long long)(off + got));
        got += (size_t)r;
    }
    return 0;
}

struct pending {
    char *name, *link;
    uint64_t size;
    bool have_size;
};

static void pending_clear(struct pending *p)
{
    ivet_free(p->name);
    ivet_free(p->link);
    memset(p, 0, sizeof(*p));
}

/* pax records "LEN key=value\n"; only path, linkpath and size matter here. */
static int parse_pax(const char *b, size_t n, struct pending *p, struct ivet_err *err)
{
    size_t i = 0;
    while (i < n) {
        size_t len = 0, j = i;
        while (j < n && b[j] >= '0' && b[j] <= '9' && len < n)
            len = len * 10 + (size_t)(b[j++] - '0');
        if (j == i || j >= n || b[j] != ' ' || len <= j - i + 1 || len > n - i || b[i + len - 1] != '\n')
            return ivet_err_set(err, IVET_E_FORMAT, "malformed pax extended header record");
        const char *k = b + j + 1, *end = b + i + len - 1;
        const char *eq = memchr(k, '=', (size_t)(end - k));
        if (!eq)
            return ivet_err_set(err, IVET_E_FORMAT, "malformed pax extended header record");
        size_t kl = (size_t)(eq - k), vl = (size_t)(end - eq - 1);
        const char *v = eq + 1;
        char **dst = NULL;
        if (kl == 4 && memcmp(k, "path", 4) == 0)
            dst = &p->name;
        else if (kl == 8 && memcmp(k, "linkpath", 8) == 0)
            dst = &p->link;
        if (dst) {
            if (memchr(v, 0, vl))
                return ivet_err_set(err, IVET_E_FORMAT, "pax path with a NUL byte");
            ivet_free(*dst);
            if (!(*dst = ivet_strndup(v, vl)))
                return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        } else if (kl == 4 && memcmp(k, "size", 4) == 0) {
            char num[24];
            if (vl == 0 || vl >= sizeof(num))
                return ivet_err_set(err, IVET_E_FORMAT, "malformed pax size");
            memcpy(num, v, vl);
            num[vl] = 0;
            if (!ivet_parse_u64(num, &p->size) || p->size > INT64_MAX)
                return ivet_err_set(err, IVET_E_FORMAT, "malformed pax size");
            p->have_size = true;
        }
        i += len;
    }
    return 0;
}

/* Reads a pax or GNU long-name body of `size` bytes at `off`. */
static int read_ext(struct ivet_tar_index *t, uint64_t off, uint64_t size, size_t max, char **out,
                    struct ivet_err *err)
{
    if (size > max)
        return ivet_err_set(err, IVET_E_LIMIT, "'%s': extended header of %llu bytes at offset %llu exceeds %zu",
                            t->name, (unsigned long long)size, (unsigned long long)off, max);
    char *b = ivet_malloc((size_t)size + 1);
    if (!b)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    if (pread_full(t, b, (size_t)size, off, err) < 0) {
        ivet_free(b);
        return -err->code;
    }
    b[size] = 0;
    *out = b;
    return 0;
}

static enum ivet_tar_mtype mtype(char tf)
{
    switch (tf) {
    case '0': case '\0': case '7': return IVET_TAR_FILE;
    case '1': return IVET_TAR_HARDLINK;
    case '2': return IVET_TAR_SYMLINK;
    case '5': return IVET_TAR_DIR;
    default: return IVET_TAR_OTHER;
    }
}

static int add_member(struct ivet_tar_index *t, const char *raw, size_t rawlen, const char *link,
                      uint64_t off, uint64_t size, char tf, size_t max_members, size_t max_name,
                      struct ivet_err *err)
{
    char shown[128];
    char *nm = NULL;
    if (rawlen > max_name)
        return ivet_err_set(err, IVET_E_LIMIT, "'%s': member name of %zu bytes at offset %llu exceeds %zu",
                            t->name, rawlen, (unsigned long long)off, max_name);
    int r = normalize_name(raw, rawlen, &nm);
    if (r == -IVET_E_NOMEM)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    if (r < 0) {
        char tmp[129];
        size_t k = IVET_MIN(rawlen, sizeof(tmp) - 1);
        memcpy(tmp, raw, k);
        tmp[k] = 0;
        return ivet_err_set(err, IVET_E_FORMAT, "'%s': member '%s' leaves the archive (path traversal)", t->name,
                            ivet_src_shown(tmp, shown, sizeof(shown)));
    }
    if (!nm[0]) {                   /* the root directory itself */
        ivet_free(nm);
        return 0;
    }
    if (t->n >= max_members) {
        ivet_free(nm);
        return ivet_err_set(err, IVET_E_LIMIT, "'%s' has more than %zu members", t->name, max_members);
    }
    t->name_bytes += rawlen + (link ? strlen(link) : 0);
    if (t->name_bytes > MAX_NAME_BYTES) {
        ivet_free(nm);
        return ivet_err_set(err, IVET_E_LIMIT, "'%s': member names exceed %u bytes", t->name, MAX_NAME_BYTES);
    }
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 32;
        struct ivet_tar_member *m = ivet_reallocarray(t->m, nc, sizeof(*m));
        if (!m) {
            ivet_free(nm);
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        }
        t->m = m;
        t->cap = nc;
    }
    struct ivet_tar_member *m = &t->m[t->n];
    memset(m, 0, sizeof(*m));
    m->name = nm;
    m->off = off;
    m->size = size;
    m->type = mtype(tf);
    m->seq = t->n;
    if (link && (m->type == IVET_TAR_SYMLINK || m->type == IVET_TAR_HARDLINK) && !(m->linkname = ivet_strdup(link))) {
        ivet_free(nm);
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    }
    t->n++;
    return 0;
}

static bool all_zero(const uint8_t *p)
{
    for (size_t i = 0; i < BLOCK; i++)
        if (p[i])
            return false;
    return true;
}

/* pax 'x' records, GNU 'L'/'K' long names; pax 'g' globals are skipped. */
static int ext_header(struct ivet_tar_index *t, char tf, uint64_t off, uint64_t size, size_t max_name,
                      struct pending *pd, struct ivet_err *err)
{
    char *ext = NULL;
    int rc = 0;
    if (tf == 'x') {
        if ((rc = read_ext(t, off + BLOCK, size, MAX_PAX, &ext, err)) == 0)
            rc = parse_pax(ext, (size_t)size, pd, err);
        if (rc < 0)
            ivet_err_wrap(err, "'%s': pax header at offset %llu", t->name, (unsigned long long)off);
        ivet_free(ext);
        return rc;
    }
    if (tf == 'L' || tf == 'K') {
        if ((rc = read_ext(t, off + BLOCK, size, max_name + 1, &ext, err)) < 0)
            return rc;
        char **dst = tf == 'L' ? &pd->name : &pd->link;
        ivet_free(*dst);
        *dst = ext;                 /* NUL-terminated at its first NUL */
    }
    return 0;
}

/* A real member: its name (pending long name, or ustar prefix + name) and link. */
static int member_header(struct ivet_tar_index *t, const uint8_t *h, char tf, uint64_t data, uint64_t body,
                         size_t max_members, size_t max_name, struct pending *pd, struct ivet_err *err)
{
    char nbuf[256 + 2], lbuf[101];
    size_t nl = 0;
    /* POSIX ustar only: old GNU headers ("ustar  ") keep atime/ctime there */
    if (!pd->name && memcmp(h + 257, "ustar\0", 6) == 0 && h[345]) {
        size_t pl = strnlen((const char *)h + 345, 155);
        memcpy(nbuf, h + 345, pl);
        nbuf[pl] = '/';
        nl = pl + 1;
    }
    size_t bl = strnlen((const char *)h, 100);
    memcpy(nbuf + nl, h, bl);
    nl += bl;
    nbuf[nl] = 0;
    size_t ll = strnlen((const char *)h + 157, 100);
    memcpy(lbuf, h + 157, ll);
    lbuf[ll] = 0;
    const char *name = pd->name ? pd->name : nbuf;
    size_t namelen = pd->name ? strlen(pd->name) : nl;
    int rc = add_member(t, name, namelen, pd->link ? pd->link : lbuf, data, body, tf, max_members, max_name, err);
    pending_clear(pd);
    return rc;
}

/* One header at *off: records a member or an extension, advances *off.
 * Returns 1 at the end of the archive. */
static int walk_one(struct ivet_tar_index *t, uint64_t *off, struct pending *pd, size_t max_members,
                    size_t max_name, struct ivet_err *err)
{
    uint8_t h[BLOCK];
    if (*off == t->file_size)
        return 1;                   /* no end-of-archive blocks: tolerated */
    if (t->file_size - *off < BLOCK)
        return ivet_err_set(err, IVET_E_FORMAT, "'%s' is truncated: partial tar header at offset %llu", t->name,
                            (unsigned long long)*off);
    if (pread_full(t, h, BLOCK, *off, err) < 0)
        return -err->code;
    if (all_zero(h))
        return 1;
    if (!ivet_tar_header_ok(h, BLOCK))
        return ivet_err_set(err, IVET_E_FORMAT, "'%s' is not a valid tar archive: bad header checksum at offset %llu",
                            t->name, (unsigned long long)*off);
    uint64_t size;
    if (!parse_num(h + 124, 12, &size))
        return ivet_err_set(err, IVET_E_FORMAT, "'%s': bad size field in the tar header at offset %llu", t->name,
                            (unsigned long long)*off);
    char tf = (char)h[156];
    bool ext_hdr = tf == 'x' || tf == 'g' || tf == 'L' || tf == 'K';
    if (pd->have_size && !ext_hdr)
        size = pd->size;
    enum ivet_tar_mtype mt = mtype(tf);
    uint64_t data = *off + BLOCK;
    uint64_t body = (mt == IVET_TAR_FILE || ext_hdr || mt == IVET_TAR_OTHER) ? size : 0;
    if (tf == '3' || tf == '4' || tf == '6')
        body = 0;
    if (body > t->file_size - data)
        return ivet_err_set(err, IVET_E_FORMAT, "'%s' is truncated: member at offset %llu needs %llu bytes", t->name,
                            (unsigned long long)*off, (unsigned long long)body);
    uint64_t next = data + ((body + BLOCK - 1) / BLOCK) * BLOCK;
    if (next > t->file_size)
        next = t->file_size;        /* unpadded last member: tolerated */
    int rc = ext_hdr ? ext_header(t, tf, *off, size, max_name, pd, err)
                     : member_header(t, h, tf, data, body, max_members, max_name, pd, err);
    *off = next;
    return rc;
}

static int cmp_member(const void *a, const void *b)
{
    const struct ivet_tar_member *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorts by name and keeps the last of each duplicate (what tar extraction does). */
static void sort_dedupe(struct ivet_tar_index *t)
{
    if (t->n)
        qsort(t->m, t->n, sizeof(*t->m), cmp_member);
    size_t w = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (i + 1 < t->n && strcmp(t->m[i].name, t->m[i + 1].name) == 0) {
            ivet_free(t->m[i].name);
            ivet_free(t->m[i].linkname);
            continue;
        }
        t->m[w++] = t->m[i];
    }
    t->n = w;
}

struct ivet_tar_index *ivet_tar_index_new(int fd, const char *name, const struct ivet_tar_index_limits *lim,
                                          struct ivet_err *err)
{
    if (fd < 0)
        return NULL;
    struct pending pd = { 0 };
    struct ivet_tar_index *t = ivet_calloc(1, sizeof(*t));
    if (!t || !(t->name = ivet_strdup(name ? name : "(archive)"))) {
        ivet_free(t);
        close(fd);
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return NULL;
    }
    t->fd = fd;
    size_t max_members = lim && lim->max_members ? lim->max_members : IVET_TAR_INDEX_MAX_MEMBERS;
    size_t max_name = lim && lim->max_name ? lim->max_name : 4096;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        ivet_err_sys(err, IVET_E_IO, "cannot stat '%s'", t->name);
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        ivet_err_set(err, IVET_E_FORMAT, "'%s' is not a regular file", t->name);
        goto fail;
    }
    t->file_size = (uint64_t)st.st_size;
    uint64_t off = 0;
    for (;;) {
        int r = walk_one(t, &off, &pd, max_members, max_name, err);
        if (r < 0)
            goto fail;
        if (r == 1)
            break;
    }
    pending_clear(&pd);
    sort_dedupe(t);
    return t;
fail:
    pending_clear(&pd);
    ivet_tar_index_free(t);
    return NULL;
}

struct ivet_tar_index *ivet_tar_index_open(const char *path, const struct ivet_tar_index_limits *lim,
                                           struct ivet_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        ivet_err_sys(err, errno == ENOENT ? IVET_E_NOTFOUND : IVET_E_IO, "cannot open '%s'", path);
        return NULL;
    }
    return ivet_tar_index_new(fd, path, lim, err);
}

void ivet_tar_index_free(struct ivet_tar_index *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        ivet_free(t->m[i].name);
        ivet_free(t->m[i].linkname);
    }
    ivet_free(t->m);
    if (t->fd >= 0)
        close(t->fd);
    ivet_free(t->name);
    ivet_free(t);
}

const char *ivet_tar_index_name(const struct ivet_tar_index *t)
{
    return t->name;
}

size_t ivet_tar_index_count(const struct ivet_tar_index *t)
{
    return t->n;
}

const struct ivet_tar_member *ivet_tar_index_at(const struct ivet_tar_index *t, size_t i)
{
    return i < t->n ? &t->m[i] : NULL;
}

static const struct ivet_tar_member *lookup(const struct ivet_tar_index *t, const char *norm)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(norm, t->m[mid].name);
        if (c == 0)
            return &t->m[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const struct ivet_tar_member *ivet_tar_index_peek(const struct ivet_tar_index *t, const char *name)
{
    char norm[1024];            /* no allocation: a failed one must not look like "absent" */
    size_t len = strlen(name);
    if (len >= sizeof(norm) || normalize_into(name, len, norm) < 0)
        return NULL;
    return lookup(t, norm);
}

/* Where a link member points, normalised inside the archive. */
static int link_target(const struct ivet_tar_member *m, char **out)
{
    const char *l = m->linkname ? m->linkname : "";
    if (m->type == IVET_TAR_HARDLINK || l[0] == '/')
        return normalize_name(l, strlen(l), out);
    const char *slash = strrchr(m->name, '/');
    size_t dl = slash ? (size_t)(slash - m->name) : 0;
    size_t ll = strlen(l);
    char *joined = ivet_malloc(dl + 1 + ll + 1);
    if (!joined)
        return -IVET_E_NOMEM;
    memcpy(joined, m->name, dl);
    joined[dl] = '/';
    memcpy(joined + dl + 1, l, ll + 1);
    int r = normalize_name(joined, dl + 1 + ll, out);
    ivet_free(joined);
    return r;
}

const struct ivet_tar_member *ivet_tar_index_find(const struct ivet_tar_index *t, const char *name,
                                                  struct ivet_err *err)
{
    char sh[128], sh2[128];
    char *norm = NULL;
    int nr = normalize_name(name, strlen(name), &norm);
    if (nr == -IVET_E_NOMEM) {
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return NULL;
    }
    if (nr < 0) {
        ivet_err_set(err, IVET_E_FORMAT, "'%s' names a member outside the archive '%s'",
                     ivet_src_shown(name, sh, sizeof(sh)), t->name);
        return NULL;
    }
    const struct ivet_tar_member *m = NULL;
    for (int hop = 0;; hop++) {
        m = lookup(t, norm);
        if (!m) {
            ivet_err_set(err, IVET_E_NOTFOUND, "'%s' has no member '%s'", t->name,
                         ivet_src_shown(norm, sh, sizeof(sh)));
            break;
        }
        if (m->type != IVET_TAR_SYMLINK && m->type != IVET_TAR_HARDLINK)
            break;
        if (hop == MAX_HOPS) {
            ivet_err_set(err, IVET_E_FORMAT, "'%s': too many links resolving '%s'", t->name,
                         ivet_src_shown(name, sh, sizeof(sh)));
            m = NULL;
            break;
        }
        char *next = NULL;
        int r = link_target(m, &next);
        if (r < 0) {
            if (r == -IVET_E_NOMEM)
                ivet_err_set(err, IVET_E_NOMEM, "out of memory");
            else
                ivet_err_set(err, IVET_E_FORMAT, "'%s': member '%s' links to '%s', outside the archive", t->name,
                             ivet_src_shown(m->name, sh, sizeof(sh)), ivet_src_shown(m->linkname, sh2, sizeof(sh2)));
            m = NULL;
            break;
        }
        ivet_free(norm);
        norm = next;
    }
    ivet_free(norm);
    return m;
}

struct ivet_istream *ivet_tar_index_open_member(const struct ivet_tar_index *t, const char *name,
                                                uint64_t *size, struct ivet_err *err)
{
    char sh[128];
    const struct ivet_tar_member *m = ivet_tar_index_find(t, name, err);
    if (!m)
        return NULL;
    if (m->type != IVET_TAR_FILE) {
        ivet_err_set(err, IVET_E_FORMAT, "'%s': member '%s' is not a regular file", t->name,
                     ivet_src_shown(m->name, sh, sizeof(sh)));
        return NULL;
    }
    int fd = fcntl(t->fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
        ivet_err_sys(err, IVET_E_IO, "cannot duplicate the descriptor of '%s'", t->name);
        return NULL;
    }
    if (size)
        *size = m->size;
    char *what = ivet_asprintf("%s:%s", t->name, m->name);
    if (!what) {
        close(fd);
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return NULL;
    }
    struct ivet_istream *s = ivet_istream_from_fd(fd, m->off, m->size, what, err);
    ivet_free(what);
    return s;
}
