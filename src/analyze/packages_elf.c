/* packages_elf.c: one pass over an ELF file's bytes, keeping only bounded
 * regions: the file header, the program headers, a 64 KiB window at the
 * Go build info magic, the start of the non-loaded tail (where
 * cargo-auditable's .dep-v0 section lives) and the section header table.
 * Parsing what was kept is packages_go.c's and packages_rust.c's job. */
#include "analyze/packages.h"

#include <string.h>

#define ELF_HDR 64u
#define ELF_MAX_PHDRS (64u * 1024u)
#define ELF_MAX_SHDRS (256u * 1024u)
static const char go_magic[14] = "\xff Go buildinf:";

enum { R_HDR, R_PHDR, R_GO, R_TAIL, R_SHDR, R_N };

struct region {
    bool active, failed;
    uint64_t start, max;
    uint8_t *buf;
    size_t have;
};

struct ivet_elf_scan {
    uint64_t pos;               /* file offset of the next byte */
    bool not_elf, hdr_done, phdr_done;
    struct ivet_elf_info info;
    struct region r[R_N];
    uint8_t slot[16];           /* the aligned 16-byte block being assembled */
    bool go_found;
    uint64_t go_lo, go_hi;      /* where the Go magic is looked for */
    uint16_t phnum, phentsize;
    uint64_t phoff;
};

struct ivet_elf_scan *ivet_elf_scan_new(struct ivet_err *err)
{
    struct ivet_elf_scan *s = ivet_calloc(1, sizeof(*s));
    if (!s) {
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return NULL;
    }
    s->r[R_HDR] = (struct region){ .active = true, .start = 0, .max = ELF_HDR };
    s->go_hi = UINT64_MAX;
    return s;
}

void ivet_elf_scan_free(struct ivet_elf_scan *s)
{
    if (!s)
        return;
    for (int i = 0; i < R_N; i++)
        ivet_free(s->r[i].buf);
    ivet_free(s);
}

static uint64_t rd(const struct ivet_elf_info *in, const uint8_t *p, unsigned n)
{
    return ivet_load_uint(p, n, in->big_endian);
}

static void region_start(struct region *r, uint64_t start, uint64_t max)
{
    *r = (struct region){ .active = true, .start = start, .max = max };
}

/* Appends the part of [pos, pos+n) that continues the region. A region that
 * starts before bytes already passed is lost (failed). */
static int region_feed(struct region *r, uint64_t pos, const uint8_t *p, size_t n,
                       struct ivet_err *err)
{
    if (!r->active || r->failed || r->have >= r->max)
        return 0;
    uint64_t want = r->start + r->have;
    if (want < pos) {
        r->failed = true;
        return 0;
    }
    if (want >= pos + n)
        return 0;
    size_t skip = (size_t)(want - pos);
    size_t take = (size_t)IVET_MIN((uint64_t)(n - skip), r->max - r->have);
    if (!r->buf && !(r->buf = ivet_malloc((size_t)r->max)))
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    memcpy(r->buf + r->have, p + skip, take);
    r->have += take;
    return 0;
}

static bool region_full(const struct region *r)
{
    return r->active && !r->failed && r->have == r->max;
}

static void parse_hdr(struct ivet_elf_scan *s)
{
    const uint8_t *h = s->r[R_HDR].buf;
    struct ivet_elf_info *in = &s->info;
    if (memcmp(h, "\x7f" "ELF", 4) || (h[4] != 1 && h[4] != 2) || (h[5] != 1 && h[5] != 2)) {
        s->not_elf = true;
        return;
    }
    in->is64 = h[4] == 2;
    in->big_endian = h[5] == 2;
    if (in->is64) {
        s->phoff = rd(in, h + 32, 8);
        in->shoff = rd(in, h + 40, 8);
        s->phentsize = (uint16_t)rd(in, h + 54, 2);
        s->phnum = (uint16_t)rd(in, h + 56, 2);
        in->shentsize = (uint16_t)rd(in, h + 58, 2);
        in->shnum = (uint16_t)rd(in, h + 60, 2);
    } else {
        s->phoff = rd(in, h + 28, 4);
        in->shoff = rd(in, h + 32, 4);
        s->phentsize = (uint16_t)rd(in, h + 42, 2);
        s->phnum = (uint16_t)rd(in, h + 44, 2);
        in->shentsize = (uint16_t)rd(in, h + 46, 2);
        in->shnum = (uint16_t)rd(in, h + 48, 2);
    }
    uint64_t need = (uint64_t)s->phnum * s->phentsize;
    if (s->phnum && s->phentsize >= (in->is64 ? 56 : 32) && need <= ELF_MAX_PHDRS)
        region_start(&s->r[R_PHDR], s->phoff, need);
}

static void parse_phdrs(struct ivet_elf_scan *s)
{
    struct ivet_elf_info *in = &s->info;
    const uint8_t *b = s->r[R_PHDR].buf;
    bool writable_seen = false;
    for (unsigned i = 0; i < s->phnum; i++) {
        const uint8_t *ph = b + (size_t)i * s->phentsize;
        if (rd(in, ph, 4) != 1)         /* PT_LOAD */
            continue;
        uint64_t off, vaddr, filesz, flags;
        if (in->is64) {
            flags = rd(in, ph + 4, 4);
            off = rd(in, ph + 8, 8);
            vaddr = rd(in, ph + 16, 8);
            filesz = rd(in, ph + 32, 8);
        } else {
            off = rd(in, ph + 4, 4);
            vaddr = rd(in, ph + 8, 4);
            filesz = rd(in, ph + 16, 4);
            flags = rd(in, ph + 24, 4);
        }
        /* Go puts its build info at the start of the data segment, the first
         * writable one (as runtime/debug's reader assumes): only that range
         * is searched, not the whole binary. */
        if ((flags & 2) && !writable_seen) {
            writable_seen = true;
            s->go_lo = off;
            s->go_hi = off + filesz < off ? UINT64_MAX : off + filesz;
        }
        if (in->nload < IVET_ARRAY_LEN(in->load)) {
            in->load[in->nload].off = off;
            in->load[in->nload].vaddr = vaddr;
            in->load[in->nload].filesz = filesz;
            in->nload++;
        }
        if (off + filesz > off && off + filesz > in->load_end)
            in->load_end = off + filesz;
    }
    /* The non-loaded sections (cargo-auditable's among them) follow the
     * last loaded byte; the section header table is usually last of all. */
    if (in->load_end && in->load_end < in->shoff)
        region_start(&s->r[R_TAIL], in->load_end,
                     IVET_MIN((uint64_t)IVET_ELF_TAIL_WINDOW, in->shoff - in->load_end));
    uint64_t shsize = (uint64_t)in->shnum * in->shentsize;
    if (in->shnum && in->shentsize >= (in->is64 ? 64 : 40) && shsize <= ELF_MAX_SHDRS)
        region_start(&s->r[R_SHDR], in->shoff, shsize);
}

static bool go_header_ok(const uint8_t *b)
{
    return !memcmp(b, go_magic, sizeof(go_magic)) && (b[14] == 4 || b[14] == 8) && !(b[15] & ~3u);
}

/* Looks at the aligned 16-byte block at file offset `at`. */
static int go_block(struct ivet_elf_scan *s, uint64_t at, const uint8_t *blk, struct ivet_err *err)
{
    if (blk[0] != 0xff || !go_header_ok(blk))
        return 0;
    s->go_found = true;
    region_start(&s->r[R_GO], at, IVET_ELF_GO_WINDOW);
    return region_feed(&s->r[R_GO], at, blk, 16, err);
}

/* Scans for the Go magic, which the linker aligns to 16 bytes. */
static int go_scan(struct ivet_elf_scan *s, const uint8_t *p, size_t n, struct ivet_err *err)
{
    size_t i = 0;
    while (i < n && !s->go_found) {
        uint64_t off = s->pos + i;
        unsigned k = (unsigned)(off & 15);
        if (k == 0 && n - i >= 16) {
            if (p[i] == 0xff && go_block(s, off, p + i, err) < 0)
                return -IVET_E_NOMEM;
            i += 16;
            continue;
        }
        s->slot[k] = p[i++];
        if (k == 15 && go_block(s, off - 15, s->slot, err) < 0)
            return -IVET_E_NOMEM;
    }
    return 0;
}

int ivet_elf_scan_data(struct ivet_elf_scan *s, const void *vp, size_t n, struct ivet_err *err)
{
    const uint8_t *p = vp;
    if (s->not_elf || !n)
        goto done;
    /* Regions can be registered while this chunk is fed (the header names
     * the program headers, which name the tail): feed until none is new. */
    for (int round = 0; round < 4; round++) {
        bool changed = false;
        for (int i = 0; i < R_N; i++)
            if (i != R_GO && region_feed(&s->r[i], s->pos, p, n, err) < 0)
                return -IVET_E_NOMEM;
        if (!s->hdr_done && region_full(&s->r[R_HDR])) {
            s->hdr_done = true;
            parse_hdr(s);
            changed = true;
            if (s->not_elf)
                goto done;
        }
        if (s->hdr_done && !s->phdr_done && region_full(&s->r[R_PHDR])) {
            s->phdr_done = true;
            parse_phdrs(s);
            changed = true;
        }
        if (!changed)
            break;
    }
    /* Go window first (it may have been started in an earlier chunk), then
     * look for the magic in what it has not covered. */
    if (region_feed(&s->r[R_GO], s->pos, p, n, err) < 0)
        return -IVET_E_NOMEM;
    if (!s->go_found && s->pos + n > s->go_lo && s->pos < s->go_hi) {
        /* only the part of this chunk inside [go_lo, go_hi) */
        uint64_t lo = IVET_MAX(s->pos, s->go_lo), hi = IVET_MIN(s->pos + n, s->go_hi);
        uint64_t save = s->pos;
        s->pos = lo;
        int r = go_scan(s, p + (lo - save), (size_t)(hi - lo), err);
        s->pos = save;
        if (r < 0)
            return -IVET_E_NOMEM;
    }
    if (s->go_found && s->r[R_GO].have < s->r[R_GO].max) {
        /* the block that matched came from this chunk: take the rest */
        struct region *g = &s->r[R_GO];
        if (g->start + g->have > s->pos && g->start + g->have < s->pos + n &&
            region_feed(g, s->pos, p, n, err) < 0)
            return -IVET_E_NOMEM;
    }
done:
    s->pos += n;
    return 0;
}

static const uint8_t *region_at(const struct ivet_elf_scan *s, int which, uint64_t off,
                                uint64_t len)
{
    const struct region *r = &s->r[which];
    if (!r->active || r->failed || off < r->start || len > r->have ||
        off - r->start > r->have - len)
        return NULL;
    return r->buf + (off - r->start);
}

int ivet_cargo_auditable_parse(struct ivet_bytes zdata, const struct ivet_pkgctx *c,
                               struct ivet_err *err);

/* cargo-auditable: a non-loaded PROGBITS section named .dep-v0 (or, when
 * the section names were not kept, one holding zlib data) in the tail. */
static int rust_finish(struct ivet_elf_scan *s, const struct ivet_pkgctx *c, struct ivet_err *err)
{
    struct ivet_elf_info *in = &s->info;
    if (!region_full(&s->r[R_SHDR]) || !s->r[R_TAIL].have)
        return 0;
    const uint8_t *sh = s->r[R_SHDR].buf;
    for (unsigned i = 0; i < in->shnum; i++) {
        const uint8_t *e = sh + (size_t)i * in->shentsize;
        uint64_t type = rd(in, e + 4, 4), flags, off, size;
        if (in->is64) {
            flags = rd(in, e + 8, 8);
            off = rd(in, e + 24, 8);
            size = rd(in, e + 32, 8);
        } else {
            flags = rd(in, e + 8, 4);
            off = rd(in, e + 16, 4);
            size = rd(in, e + 20, 4);
        }
        if (type != 1 || (flags & 2) || size < 8)
            continue;
        const uint8_t *d = region_at(s, R_TAIL, off, size);
        if (!d || d[0] != 0x78 || ((unsigned)d[0] << 8 | d[1]) % 31)
            continue;
        int k = ivet_cargo_auditable_parse(ivet_bytes_make(d, (size_t)size), c, err);
        if (k != 0)
            return k;
    }
    return 0;
}

int ivet_elf_scan_finish(struct ivet_elf_scan *s, const struct ivet_pkgctx *c, struct ivet_err *err)
{
    if (s->not_elf || !s->hdr_done)
        return 0;
    int count = 0, k;
    if (s->go_found && s->r[R_GO].have >= 32) {
        k = ivet_gobuildinfo_parse(ivet_bytes_make(s->r[R_GO].buf, s->r[R_GO].have),
                                   s->r[R_GO].start, &s->info, c, err);
        if (k < 0)
            return k;
        count += k;
    }
    if ((k = rust_finish(s, c, err)) < 0)
        return k;
    return count + k;
}

int ivet_elf_scan_mem(struct ivet_bytes b, size_t chunk, const struct ivet_pkgctx *c,
                      struct ivet_err *err)
{
    struct ivet_elf_scan *s = ivet_elf_scan_new(err);
    if (!s)
        return -IVET_E_NOMEM;
    if (!chunk)
        chunk = b.len ? b.len : 1;
    int r = 0;
    for (size_t i = 0; i < b.len && r >= 0; i += chunk)
        r = ivet_elf_scan_data(s, b.ptr + i, IVET_MIN(chunk, b.len - i), err);
    if (r >= 0)
        r = ivet_elf_scan_finish(s, c, err);
    ivet_elf_scan_free(s);
    return r;
}
