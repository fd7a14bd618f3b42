/* packages_go.c: the module list Go embeds in binaries (runtime/debug's
 * BuildInfo): a 32-byte header at the 16-aligned "\xff Go buildinf:" magic,
 * then (Go 1.18+, flag bit 1) two varint-prefixed strings, the Go version
 * and the module info; older binaries hold pointers to Go string headers
 * instead, resolved here only when they point into the kept window. */
#include "analyze/packages.h"

#include <string.h>

#define GO_MAX_LINES 100000

static bool uvarint(struct ivet_bytes b, size_t *pos, uint64_t *v)
{
    uint64_t x = 0;
    for (unsigned shift = 0; shift < 64 && *pos < b.len; shift += 7) {
        uint8_t c = b.ptr[(*pos)++];
        x |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = x;
            return true;
        }
    }
    return false;
}

/* vaddr -> bytes in the window, through the PT_LOAD segments. */
static const uint8_t *window_at(struct ivet_bytes win, uint64_t win_off,
                                const struct ivet_elf_info *elf, uint64_t vaddr, uint64_t len)
{
    if (!elf)
        return NULL;
    for (unsigned i = 0; i < elf->nload; i++) {
        uint64_t v = elf->load[i].vaddr, sz = elf->load[i].filesz;
        if (vaddr < v || vaddr - v >= sz || len > sz - (vaddr - v))
            continue;
        uint64_t off = elf->load[i].off + (vaddr - v);
        if (off < win_off || off - win_off > win.len || len > win.len - (off - win_off))
            return NULL;
        return win.ptr + (off - win_off);
    }
    return NULL;
}

/* The old format: a pointer to a Go string header {ptr, len}. */
static bool old_string(struct ivet_bytes win, uint64_t win_off, const struct ivet_elf_info *elf,
                       unsigned ps, bool be, uint64_t hdr_vaddr, struct ivet_bytes *out)
{
    const uint8_t *h = window_at(win, win_off, elf, hdr_vaddr, 2ull * ps);
    if (!h)
        return false;
    uint64_t ptr = ivet_load_uint(h, ps, be), len = ivet_load_uint(h + ps, ps, be);
    if (len > win.len)
        return false;
    const uint8_t *d = window_at(win, win_off, elf, ptr, len);
    if (!d)
        return false;
    *out = ivet_bytes_make(d, (size_t)len);
    return true;
}

static int emit_module(const struct ivet_pkgctx *c, const char *path, const char *version,
                       struct ivet_err *err)
{
    if (!*path || !*version || !strcmp(version, "(devel)"))
        return 0;
    const char *slash = strrchr(path, '/');
    char *ns = slash ? ivet_strndup(path, (size_t)(slash - path)) : NULL;
    if (slash && !ns)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    char *purl = ivet_purl("golang", ns, slash ? slash + 1 : path, version, NULL, 0);
    ivet_free(ns);
    if (!purl)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    struct ivet_package p = { .type = "golang", .name = (char *)path, .version = (char *)version,
                              .purl = purl };
    int r = ivet_pkg_emit(c, &p, err);
    ivet_free(purl);
    return r < 0 ? r : 1;
}

/* Splits a tab-separated modinfo line into at most 4 fields (copied). */
static int split_tabs(const char *line, size_t n, char *f[4])
{
    int k = 0;
    size_t s = 0;
    for (size_t i = 0; i <= n && k < 4; i++) {
        if (i == n || line[i] == '\t') {
            if (!(f[k++] = ivet_strndup(line + s, i - s)))
                return -1;
            s = i + 1;
        }
    }
    return k;
}

static int parse_modinfo(struct ivet_bytes mi, const struct ivet_pkgctx *c, struct ivet_err *err)
{
    /* 16-byte sentinels around the text since Go 1.13 */
    if (mi.len >= 33 && mi.ptr[mi.len - 17] == '\n')
        mi = ivet_bytes_make(mi.ptr + 16, mi.len - 32);
    size_t pos = 0, n;
    const char *line;
    char *dep_path = NULL, *dep_ver = NULL;     /* a dep waits for a possible "=>" */
    int count = 0, r = 0, lines = 0;
    while (ivet_text_line(mi, &pos, &line, &n) && lines++ < GO_MAX_LINES) {
        char *f[4] = { 0 };
        int k = split_tabs(line, n, f);
        if (k < 0) {
            r = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        } else if (k >= 3 && !strcmp(f[0], "=>") && dep_path) {
            if (f[2][0]) {                      /* a versioned replacement wins */
                ivet_free(dep_path);
                ivet_free(dep_ver);
                dep_path = f[1];
                dep_ver = f[2];
                f[1] = f[2] = NULL;
            }
        } else if (k >= 3 && (!strcmp(f[0], "dep") || !strcmp(f[0], "mod"))) {
            if (dep_path && (r = emit_module(c, dep_path, dep_ver, err)) > 0)
                count += r;
            ivet_free(dep_path);
            ivet_free(dep_ver);
            dep_path = f[1];
            dep_ver = f[2];
            f[1] = f[2] = NULL;
        }
        for (int i = 0; i < 4; i++)
            ivet_free(f[i]);
        if (r < 0)
            goto out;
    }
    if (dep_path && (r = emit_module(c, dep_path, dep_ver, err)) > 0)
        count += r;
out:
    ivet_free(dep_path);
    ivet_free(dep_ver);
    return r < 0 ? r : count;
}

/* "go1.22.5" (or "go1.22.5 X:boringcrypto") -> the stdlib as a module, v1.22.5 */
static int emit_stdlib(struct ivet_bytes v, const struct ivet_pkgctx *c, struct ivet_err *err)
{
    if (v.len < 3 || memcmp(v.ptr, "go", 2))
        return 0;
    size_t n = 2;
    while (n < v.len && n < 64 && ((v.ptr[n] >= '0' && v.ptr[n] <= '9') || v.ptr[n] == '.'))
        n++;
    if (n == 2)
        return 0;
    char *ver = ivet_asprintf("v%.*s", (int)(n - 2), (const char *)v.ptr + 2);
    if (!ver)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    int r = emit_module(c, "stdlib", ver, err);
    ivet_free(ver);
    return r;
}

int ivet_gobuildinfo_parse(struct ivet_bytes win, uint64_t win_off, const struct ivet_elf_info *elf,
                           const struct ivet_pkgctx *c, struct ivet_err *err)
{
    if (win.len < 32 || memcmp(win.ptr, "\xff Go buildinf:", 14))
        return 0;
    unsigned ps = win.ptr[14], flags = win.ptr[15];
    bool be = flags & 1;
    struct ivet_bytes version, modinfo;
    if (ps != 4 && ps != 8)
        return 0;
    if (flags & 2) {
        size_t pos = 32;
        uint64_t n;
        if (!uvarint(win, &pos, &n) || n > win.len - pos)
            return 0;
        version = ivet_bytes_make(win.ptr + pos, (size_t)n);
        pos += (size_t)n;
        if (!uvarint(win, &pos, &n) || n > win.len - pos)
            return 0;
        modinfo = ivet_bytes_make(win.ptr + pos, (size_t)n);
    } else {
        uint64_t vp = ivet_load_uint(win.ptr + 16, ps, be), mp = ivet_load_uint(win.ptr + 16 + ps, ps, be);
        if (!old_string(win, win_off, elf, ps, be, vp, &version) ||
            !old_string(win, win_off, elf, ps, be, mp, &modinfo))
            return 0;
    }
    int count = 0, r;
    if ((r = emit_stdlib(version, c, err)) < 0)
        return r;
    count += r;
    if ((r = parse_modinfo(modinfo, c, err)) < 0)
        return r;
    return count + r;
}
