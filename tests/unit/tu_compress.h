/* tu_compress.h: test-only helpers that make gzip (ISA-L's compressor) and
 * zstd inputs in memory, so the decompression tests need no zlib and no
 * fixture files. Header-only: included by the layer tests. */
#ifndef IVET_TU_COMPRESS_H
#define IVET_TU_COMPRESS_H

#include <isa-l/igzip_lib.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

/* One gzip member of p[0..n) (malloc'd, *out_len set). Aborts on failure. */
static inline uint8_t *tu_gzip(const void *p, size_t n, size_t *out_len)
{
    struct isal_zstream zs;
    size_t cap = n + n / 8 + 1024;
    uint8_t *out = malloc(cap);
    uint8_t *lvl = malloc(ISAL_DEF_LVL1_DEFAULT);
    if (!out || !lvl)
        abort();
    isal_deflate_init(&zs);
    zs.gzip_flag = IGZIP_GZIP;
    zs.level = 1;
    zs.level_buf = lvl;
    zs.level_buf_size = ISAL_DEF_LVL1_DEFAULT;
    zs.end_of_stream = 1;
    zs.flush = NO_FLUSH;
    zs.next_in = (uint8_t *)p;
    zs.avail_in = (uint32_t)n;
    zs.next_out = out;
    zs.avail_out = (uint32_t)cap;
    if (isal_deflate(&zs) != COMP_OK || zs.internal_state.state != ZSTATE_END)
        abort();
    free(lvl);
    *out_len = cap - zs.avail_out;
    return out;
}

/* One zstd frame of p[0..n) (malloc'd). */
static inline uint8_t *tu_zstd(const void *p, size_t n, size_t *out_len)
{
    size_t cap = ZSTD_compressBound(n);
    uint8_t *out = malloc(cap);
    if (!out)
        abort();
    size_t r = ZSTD_compress(out, cap, p, n, 3);
    if (ZSTD_isError(r))
        abort();
    *out_len = r;
    return out;
}

/* a + b in a fresh buffer */
static inline uint8_t *tu_concat(const uint8_t *a, size_t an, const uint8_t *b, size_t bn,
                                 size_t *out_len)
{
    uint8_t *out = malloc(an + bn + 1);
    if (!out)
        abort();
    memcpy(out, a, an);
    memcpy(out + an, b, bn);
    *out_len = an + bn;
    return out;
}

/* Deterministic, poorly compressible bytes. */
static inline void tu_fill_random(uint8_t *p, size_t n, uint32_t seed)
{
    uint32_t x = seed ? seed : 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)x;
    }
}

#endif
