/* decompress.c: the decompressing istream of the layer pipeline. The first
 * bytes decide (gzip, zstd or a plain tar); gzip goes through ISA-L, zstd
 * through libzstd, and every byte out is counted against the layer limits.
 * Digests and the tar walk are left to the streams around it. */
#include "layer/layer.h"

#include <isa-l/igzip_lib.h>
#include <string.h>
#include <zstd.h>

#define IN_SIZE (256u << 10)            /* compressed bytes per upstream read */
#define PEEK_SIZE 16                    /* enough for every magic we know */
#define RATIO_GRACE (1u << 20)          /* no ratio check below 1 MiB of output */
#define ZSTD_WINDOW_LOG_MAX 27          /* 128 MiB: what `zstd -d` accepts by default */

const char *ivet_compression_name(enum ivet_compression c)
{
    switch (c) {
    case IVET_COMPRESSION_DETECT: return "detect";
    case IVET_COMPRESSION_NONE: return "none";
    case IVET_COMPRESSION_GZIP: return "gzip";
    case IVET_COMPRESSION_ZSTD: return "zstd";
    }
    return "unknown";
}

struct dz_stream {
    struct ivet_istream base;
    struct ivet_istream *in;
    enum ivet_compression kind;
    char *what;
    uint64_t max_out, max_ratio;
    uint8_t *ibuf;                      /* compressed window [ipos, ilen) */
    size_t ipos, ilen;
    bool in_eof;
    uint64_t in_total;                  /* bytes read from upstream */
    uint64_t out_total;                 /* our own 64-bit count: ISA-L's is 32-bit */
    bool done;
    struct inflate_state *isal;
    ZSTD_DCtx *zd;
    bool zstd_frame_done;               /* the last call ended a frame exactly */
};

/* Reads more compressed bytes until at least `want` are buffered or EOF. */
static int fill(struct dz_stream *z, size_t want, struct ivet_err *err)
{
    if (z->ipos > 0 && z->ipos == z->ilen)
        z->ipos = z->ilen = 0;
    if (z->ilen - z->ipos >= want || z->in_eof)
        return 0;
    if (z->ipos > 0) {
        memmove(z->ibuf, z->ibuf + z->ipos, z->ilen - z->ipos);
        z->ilen -= z->ipos;
        z->ipos = 0;
    }
    while (z->ilen < want && !z->in_eof) {
        ssize_t r = ivet_istream_read(z->in, z->ibuf + z->ilen, IN_SIZE - z->ilen, err);
        if (r < 0)
            return (int)r;
        if (r == 0)
            z->in_eof = true;
        z->ilen += (size_t)r;
        z->in_total += (uint64_t)r;
    }
    return 0;
}

/* Counts `n` new output bytes and enforces the size and ratio limits. */
static int account(struct dz_stream *z, size_t n, struct ivet_err *err)
{
    z->out_total += n;
    if (z->out_total > z->max_out)
        return ivet_err_set(err, IVET_E_LIMIT,
                            "%s: decompressed size exceeds the limit max_layer_bytes (%llu bytes)",
                            z->what, (unsigned long long)z->max_out);
    uint64_t consumed = z->in_total - (z->ilen - z->ipos);
    if (z->max_ratio && z->out_total > RATIO_GRACE && consumed &&
        z->out_total / consumed > z->max_ratio)
        return ivet_err_set(err, IVET_E_LIMIT,
                            "%s: compression ratio exceeds the limit max_ratio (%llu): "
                            "%llu bytes from %llu",
                            z->what, (unsigned long long)z->max_ratio,
                            (unsigned long long)z->out_total, (unsigned long long)consumed);
    return 0;
}

static int truncated(struct dz_stream *z, struct ivet_err *err)
{
    return ivet_err_set(err, IVET_E_FORMAT, "%s is truncated: the %s stream ends early", z->what,
                        ivet_compression_name(z->kind));
}

static const char *isal_error_name(int r)
{
    switch (r) {
    case ISAL_INVALID_BLOCK: return "invalid deflate block";
    case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK: return "invalid lookback distance";
    case ISAL_INVALID_WRAPPER: return "invalid gzip header";
    case ISAL_UNSUPPORTED_METHOD: return "unsupported compression method";
    case ISAL_INCORRECT_CHECKSUM: return "crc32 or size check failed";
    case ISAL_NEED_DICT: return "preset dictionary required";
    }
    return "unknown inflate error";
}

/* After a member ended: start the next one, or report EOF or trailing garbage. */
static int gzip_next_member(struct dz_stream *z, bool *eof, struct ivet_err *err)
{
    int rc = fill(z, 2, err);
    if (rc < 0)
        return rc;
    size_t avail = z->ilen - z->ipos;
    if (avail == 0) {
        *eof = true;
        return 0;
    }
    const uint8_t *p = z->ibuf + z->ipos;
    if (avail < 2 || p[0] != 0x1f || p[1] != 0x8b)
        return ivet_err_set(err, IVET_E_FORMAT,
                            "%s: unexpected data after gzip member ending at byte %llu", z->what,
                            (unsigned long long)(z->in_total - avail));
    isal_inflate_reset(z->isal);
    z->isal->crc_flag = ISAL_GZIP;
    return 0;
}

static ssize_t gzip_read(struct dz_stream *z, uint8_t *out, size_t n, struct ivet_err *err)
{
    struct inflate_state *st = z->isal;
    for (;;) {
        int rc;
        if (st->block_state == ISAL_BLOCK_FINISH) {
            bool eof = false;
            if ((rc = gzip_next_member(z, &eof, err)) < 0)
                return rc;
            if (eof) {
                z->done = true;
                return 0;
            }
        }
        if ((rc = fill(z, 1, err)) < 0)
            return rc;
        size_t avail = z->ilen - z->ipos;
        st->next_in = z->ibuf + z->ipos;
        st->avail_in = (uint32_t)avail;
        st->next_out = out;
        st->avail_out = (uint32_t)n;
        int r = isal_inflate(st);
        if (r != ISAL_DECOMP_OK)
            return ivet_err_set(err, IVET_E_FORMAT, "%s: corrupt gzip data: %s", z->what,
                                isal_error_name(r));
        z->ipos += avail - st->avail_in;
        size_t produced = n - st->avail_out;
        if (produced) {
            if ((rc = account(z, produced, err)) < 0)
                return rc;
            return (ssize_t)produced;
        }
        /* Nothing came out: ISA-L wants more input, unless the member ended. */
        if (st->block_state != ISAL_BLOCK_FINISH && z->ipos == z->ilen && z->in_eof)
            return truncated(z, err);
        if (st->avail_in == avail && avail && st->block_state != ISAL_BLOCK_FINISH)
            return ivet_err_set(err, IVET_E_FORMAT, "%s: corrupt gzip data: inflate makes no progress",
                                z->what);
    }
}

static ssize_t zstd_read(struct dz_stream *z, uint8_t *out, size_t n, struct ivet_err *err)
{
    for (;;) {
        int rc = fill(z, 1, err);
        if (rc < 0)
            return rc;
        ZSTD_inBuffer zin = { z->ibuf, z->ilen, z->ipos };
        ZSTD_outBuffer zout = { out, n, 0 };
        size_t r = ZSTD_decompressStream(z->zd, &zout, &zin);
        if (ZSTD_isError(r))
            return ivet_err_set(err, IVET_E_FORMAT, "%s: corrupt zstd data: %s", z->what,
                                ZSTD_getErrorName(r));
        /* A call without progress returns a hint, not 0, even between frames. */
        if (zout.pos || zin.pos != z->ipos)
            z->zstd_frame_done = r == 0;
        z->ipos = zin.pos;
        if (zout.pos) {
            if ((rc = account(z, zout.pos, err)) < 0)
                return rc;
            return (ssize_t)zout.pos;
        }
        if (z->ipos == z->ilen && z->in_eof) {
            if (!z->zstd_frame_done)
                return truncated(z, err);
            z->done = true;
            return 0;
        }
    }
}

static ssize_t plain_read(struct dz_stream *z, uint8_t *out, size_t n, struct ivet_err *err)
{
    size_t k;
    if (z->ipos < z->ilen) {            /* replay what the detection peeked at */
        k = IVET_MIN(n, z->ilen - z->ipos);
        memcpy(out, z->ibuf + z->ipos, k);
        z->ipos += k;
    } else {
        ssize_t r = ivet_istream_read(z->in, out, n, err);
        if (r < 0)
            return r;
        if (r == 0) {
            z->done = true;
            return 0;
        }
        k = (size_t)r;
        z->in_total += k;
    }
    int rc = account(z, k, err);
    return rc < 0 ? rc : (ssize_t)k;
}

static ssize_t dz_read(struct ivet_istream *s, void *buf, size_t n, struct ivet_err *err)
{
    struct dz_stream *z = (struct dz_stream *)s;
    if (z->done)
        return 0;
    if (n > (1u << 30))
        n = 1u << 30;                   /* ISA-L counts in 32 bits */
    switch (z->kind) {
    case IVET_COMPRESSION_GZIP: return gzip_read(z, buf, n, err);
    case IVET_COMPRESSION_ZSTD: return zstd_read(z, buf, n, err);
    default: return plain_read(z, buf, n, err);
    }
}

static void dz_close(struct ivet_istream *s)
{
    struct dz_stream *z = (struct dz_stream *)s;
    ivet_istream_close(z->in);
    ivet_free(z->isal);
    ZSTD_freeDCtx(z->zd);
    ivet_free(z->ibuf);
    ivet_free(z->what);
    ivet_free(z);
}

static const struct ivet_istream_ops dz_ops = { dz_read, dz_close };

static bool has_magic(const struct dz_stream *z, const void *magic, size_t n)
{
    return z->ilen >= n && memcmp(z->ibuf, magic, n) == 0;
}

/* Picks the decoder from the peeked bytes; formats OCI layers never use are
 * refused by name rather than handed to the tar reader as garbage. */
static int detect(struct dz_stream *z, struct ivet_err *err)
{
    if (has_magic(z, "\x1f\x8b", 2))
        z->kind = IVET_COMPRESSION_GZIP;
    else if (has_magic(z, "\x28\xb5\x2f\xfd", 4))
        z->kind = IVET_COMPRESSION_ZSTD;
    else if (has_magic(z, "\xfd" "7zXZ\0", 6))
        return ivet_err_set(err, IVET_E_UNSUPPORTED, "%s is compressed with xz, which layers do not use",
                            z->what);
    else if (has_magic(z, "BZh", 3) && z->ilen >= 10 && z->ibuf[3] >= '1' && z->ibuf[3] <= '9' &&
             memcmp(z->ibuf + 4, "\x31\x41\x59\x26\x53\x59", 6) == 0)
        return ivet_err_set(err, IVET_E_UNSUPPORTED,
                            "%s is compressed with bzip2, which layers do not use", z->what);
    else
        z->kind = IVET_COMPRESSION_NONE;
    return 0;
}

static int setup_decoder(struct dz_stream *z, struct ivet_err *err)
{
    if (z->kind == IVET_COMPRESSION_GZIP) {
        if (!(z->isal = ivet_malloc(sizeof(*z->isal))))
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        isal_inflate_init(z->isal);
        z->isal->crc_flag = ISAL_GZIP;
    } else if (z->kind == IVET_COMPRESSION_ZSTD) {
        if (!(z->zd = ZSTD_createDCtx()))
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        size_t r = ZSTD_DCtx_setParameter(z->zd, ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG_MAX);
        if (ZSTD_isError(r))
            return ivet_err_set(err, IVET_E_INTERNAL, "zstd: %s", ZSTD_getErrorName(r));
    }
    return 0;
}

struct ivet_istream *ivet_istream_decompress(struct ivet_istream *in, enum ivet_compression c,
                                             const struct ivet_limits *lim, const char *what,
                                             enum ivet_compression *detected, struct ivet_err *err)
{
    (void)c;                            /* the media type may lie: the bytes decide */
    if (!in)
        return NULL;
    struct dz_stream *z = ivet_calloc(1, sizeof(*z));
    if (!z || !(z->what = ivet_strdup(what ? what : "layer")) || !(z->ibuf = ivet_malloc(IN_SIZE))) {
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        goto fail;
    }
    ivet_istream_init(&z->base, &dz_ops);
    z->in = in;
    in = NULL;
    z->max_out = lim ? lim->max_layer_bytes : UINT64_MAX;
    z->max_ratio = lim ? lim->max_ratio : 0;
    if (fill(z, PEEK_SIZE, err) < 0 || detect(z, err) < 0 || setup_decoder(z, err) < 0)
        goto fail;
    if (detected)
        *detected = z->kind;
    return &z->base;
fail:
    if (z && z->in)
        dz_close(&z->base);
    else {
        if (z) {
            ivet_free(z->ibuf);
            ivet_free(z->what);
        }
        ivet_free(z);
        ivet_istream_close(in);
    }
    return NULL;
}
