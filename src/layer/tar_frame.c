/* tar_frame.c: a second, independent reading of a layer tar's block
 * structure (headers, data sizes, pax "size" records), fed the same bytes as
 * libarchive, to find where the archive ends (two zero blocks) and how many
 * bytes follow it. Extractors stop at the end marker, so bytes after it ship
 * with the image while no file ever shows them. Anything this reader does
 * not know for sure (a bad checksum, old GNU sparse files, a link with data)
 * makes it give up: it then reports nothing rather than a guess. Entries
 * and their content are tar_walk.c's business. */
#include "layer/layer.h"

#include <string.h>

#define BLOCK 512

enum { PAX_LEN, PAX_KEY, PAX_VAL, PAX_BAD };

void ivet_tar_frame_init(struct ivet_tar_frame *f)
{
    memset(f, 0, sizeof(*f));
    f->next_size = UINT64_MAX;
}

static bool zero_block(const uint8_t *p)
{
    static const uint8_t zeros[BLOCK];
    return !memcmp(p, zeros, BLOCK);
}

/* An octal field (leading blanks, then digits, then NUL or blank), or
 * base-256 when the top bit of the first byte is set. false when neither. */
static bool parse_number(const uint8_t *p, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (p[0] & 0x80) {
        if (p[0] != 0x80)               /* negative, or too big to be a size */
            return false;
        for (size_t i = 1; i < n; i++) {
            if (v >> 56)
                return false;
            v = v << 8 | p[i];
        }
        *out = v;
        return true;
    }
    size_t i = 0;
    while (i < n && p[i] == ' ')
        i++;
    size_t digits = 0;
    for (; i < n && p[i] >= '0' && p[i] <= '7'; i++, digits++) {
        if (v >> 60)
            return false;
        v = v << 3 | (uint64_t)(p[i] - '0');
    }
    for (; i < n; i++)
        if (p[i] != ' ' && p[i] != 0)
            return false;
    *out = v;
    return digits > 0;
}

/* The header checksum: the sum of the block's bytes with the checksum field
 * read as blanks, unsigned (POSIX) or signed (some old writers). */
static bool checksum_ok(const uint8_t *h)
{
    uint64_t want;
    if (!parse_number(h + 148, 8, &want))
        return false;
    /* all bytes, then the checksum field's eight taken back out as blanks */
    uint32_t u = 0;
    int32_t s = 0;
    for (size_t i = 0; i < BLOCK; i++)
        u += h[i];
    for (size_t i = 0; i < BLOCK; i++)
        s += (int8_t)h[i];
    for (size_t i = 148; i < 156; i++) {
        u += (uint32_t)' ' - h[i];
        s += ' ' - (int8_t)h[i];
    }
    return u == want || (s >= 0 && (uint64_t)s == want);
}

/* pax extended header records, "LEN key=value\n", read as they stream by:
 * only "size" matters here (it overrides the next header's size field). */
static void pax_byte(struct ivet_tar_frame *f, uint8_t c)
{
    f->pax_done++;
    switch (f->pax_state) {
    case PAX_LEN:
        if (c >= '0' && c <= '9' && f->pax_len < (UINT64_C(1) << 40))
            f->pax_len = f->pax_len * 10 + (c - '0');
        else if (c == ' ' && f->pax_len > 0)
            f->pax_state = PAX_KEY, f->pax_keylen = 0;
        else
            f->pax_state = PAX_BAD;
        break;
    case PAX_KEY:
        if (c == '=') {
            f->pax_state = PAX_VAL;
            f->pax_is_size = f->pax_keylen == 4 && !memcmp(f->pax_key, "size", 4);
            f->pax_val = 0;
            f->pax_val_ok = false;              /* until a digit: readers differ on "size=" */
            f->pax_val_bad = false;
        } else if (f->pax_keylen < sizeof(f->pax_key)) {
            f->pax_key[f->pax_keylen++] = (char)c;
        } else {
            f->pax_keylen = sizeof(f->pax_key) + 1;     /* long keys are not "size" */
        }
        break;
    case PAX_VAL:
        if (f->pax_done == f->pax_len) {                /* the record's last byte */
            if (c != '\n')
                f->pax_state = PAX_BAD;
            else {
                if (f->pax_is_size) {
                    if (!f->pax_val_ok || f->pax_val_bad || f->pax_global)
                        f->lost = true;                 /* a size we cannot read, or one for all */
                    else
                        f->next_size = f->pax_val;
                }
                f->pax_state = PAX_LEN;
                f->pax_len = f->pax_done = 0;
            }
            return;
        }
        if (f->pax_is_size) {
            if (c >= '0' && c <= '9' && f->pax_val < (UINT64_C(1) << 59) && !f->pax_val_bad) {
                f->pax_val = f->pax_val * 10 + (uint64_t)(c - '0');
                f->pax_val_ok = true;
            } else {
                f->pax_val_bad = true;
            }
        }
        break;
    default:
        return;
    }
    if ((f->pax_state == PAX_KEY || f->pax_state == PAX_VAL) && f->pax_done >= f->pax_len)
        f->pax_state = PAX_BAD;                         /* the record ended before its value */
}

/* One complete header block. */
static void header(struct ivet_tar_frame *f)
{
    const uint8_t *h = f->hdr;
    if (zero_block(h)) {
        if (++f->zeros == 2)
            f->ended = true;
        return;
    }
    if (f->zeros || !checksum_ok(h)) {  /* one zero block, then more: not a clean end */
        f->lost = true;
        return;
    }
    uint64_t size;
    if (!parse_number(h + 124, 12, &size)) {
        f->lost = true;
        return;
    }
    uint8_t type = h[156];
    f->in_pax = false;
    switch (type) {
    case 'x': case 'g':                 /* pax extended header: records */
        if (f->pax_pending) {           /* readers differ on which one counts */
            f->lost = true;
            return;
        }
        f->pax_pending = type == 'x';
        f->in_pax = true;
        f->pax_global = type == 'g';
        f->pax_state = PAX_LEN;
        f->pax_len = f->pax_done = 0;
        break;
    case 'L': case 'K':                 /* GNU long name / link name: data only */
        break;
    case '0': case 0: case '7':         /* regular file */
        if (f->next_size != UINT64_MAX)
            size = f->next_size;
        f->entries++;
        f->next_size = UINT64_MAX;
        f->pax_pending = false;
        break;
    case '1': case '2': case '3': case '4': case '5': case '6':
        if (f->next_size != UINT64_MAX)
            size = f->next_size;
        if (size != 0) {
            f->lost = true;             /* readers disagree on links and devices with data */
            return;
        }
        f->entries++;
        f->next_size = UINT64_MAX;
        f->pax_pending = false;
        break;
    default:                            /* GNU sparse, multi-volume, vendor types */
        f->lost = true;
        return;
    }
    if (size > UINT64_MAX - BLOCK) {
        f->lost = true;
        return;
    }
    f->skip = (size + BLOCK - 1) / BLOCK * BLOCK;
    if (f->in_pax)
        f->pax_left = size;
}

void ivet_tar_frame_feed(struct ivet_tar_frame *f, const void *data, size_t n)
{
    const uint8_t *p = data;
    while (n > 0 && !f->lost) {
        if (f->ended) {
            f->after += n;
            for (size_t i = 0; i < n; i++)
                f->nonzero_after += p[i] != 0;
            return;
        }
        if (f->skip) {
            size_t k = (size_t)IVET_MIN((uint64_t)n, f->skip);
            if (f->in_pax) {
                size_t m = (size_t)IVET_MIN((uint64_t)k, f->pax_left);
                for (size_t i = 0; i < m && f->pax_state != PAX_BAD; i++)
                    pax_byte(f, p[i]);
                f->pax_left -= m;
                if (f->pax_state == PAX_BAD)
                    f->lost = true;     /* records we cannot read may hide a size */
            }
            f->skip -= k;
            p += k;
            n -= k;
            if (f->in_pax && !f->pax_left && (f->pax_state != PAX_LEN || f->pax_len))
                f->lost = true;         /* the records ended inside one */
            if (!f->skip)
                f->in_pax = false;
            continue;
        }
        size_t k = IVET_MIN(n, (size_t)BLOCK - f->hlen);
        memcpy(f->hdr + f->hlen, p, k);
        f->hlen += k;
        p += k;
        n -= k;
        if (f->hlen == BLOCK) {
            f->hlen = 0;
            header(f);
        }
    }
}
