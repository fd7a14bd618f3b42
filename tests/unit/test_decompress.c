/* test_decompress.c: magic detection, gzip (multi-member, every chunk
 * boundary), zstd (multi-frame), plain tar, corrupt and truncated input,
 * trailing garbage, and the size and ratio limits. */
#include "testutil.h"
#include "tu_compress.h"

#include "layer/layer.h"

#include <string.h>

struct result {
    int rc;
    uint8_t *out;
    size_t len;
    enum ivet_compression kind;
    struct ivet_err err;
};

/* Decompresses in[0..n) fed in `chunk`-byte reads, reading `rd` bytes at a time. */
static struct result run(const void *in, size_t n, size_t chunk, size_t rd,
                         const struct ivet_limits *lim)
{
    struct result r = { 0 };
    struct ivet_limits def = ivet_limits_default();
    r.err = (struct ivet_err)IVET_ERR_INIT;
    r.kind = IVET_COMPRESSION_DETECT;
    struct ivet_istream *s = ivet_istream_from_mem(in, n, chunk, &r.err);
    s = ivet_istream_decompress(s, IVET_COMPRESSION_DETECT, lim ? lim : &def, "layer blob 'x'",
                                &r.kind, &r.err);
    if (!s) {
        r.rc = -(int)r.err.code;
        return r;
    }
    size_t cap = 1 << 16;
    r.out = malloc(cap);
    uint8_t *tmp = malloc(rd);
    for (;;) {
        ssize_t k = ivet_istream_read(s, tmp, rd, &r.err);
        if (k < 0) {
            r.rc = (int)k;
            break;
        }
        if (k == 0)
            break;
        while (r.len + (size_t)k > cap)
            r.out = realloc(r.out, cap *= 2);
        memcpy(r.out + r.len, tmp, (size_t)k);
        r.len += (size_t)k;
    }
    free(tmp);
    int crc = ivet_istream_close(s);
    if (r.rc == 0)
        assert_int_equal(crc, 0);
    else
        assert_int_equal(crc, r.rc);    /* close() returns the sticky failure */
    return r;
}

static void done(struct result *r)
{
    free(r->out);
    ivet_err_release(&r->err);
}

static uint8_t *sample(size_t n)
{
    uint8_t *p = malloc(n);
    /* half text-like (compressible), half random */
    for (size_t i = 0; i < n / 2; i++)
        p[i] = (uint8_t)("usr/lib/x86_64-linux-gnu/"[i % 25]);
    tu_fill_random(p + n / 2, n - n / 2, 7);
    return p;
}

static void test_gzip_single_member_any_chunking(void **state)
{
    (void)state;
    size_t n = 300000, zn;
    uint8_t *plain = sample(n);
    uint8_t *gz = tu_gzip(plain, n, &zn);
    const size_t chunks[] = { 1, 2, 7, 511, 4096, 0 };
    for (size_t i = 0; i < IVET_ARRAY_LEN(chunks); i++) {
        struct result r = run(gz, zn, chunks[i], i % 2 ? 100 : 65536, NULL);
        assert_int_equal(r.rc, 0);
        assert_int_equal(r.kind, IVET_COMPRESSION_GZIP);
        assert_int_equal(r.len, n);
        assert_memory_equal(r.out, plain, n);
        done(&r);
    }
    free(gz);
    free(plain);
}

static void test_gzip_multi_member_on_every_boundary(void **state)
{
    (void)state;
    size_t an = 5000, bn = 7000, azn, bzn, alln;
    uint8_t *a = sample(an), *b = sample(bn);
    uint8_t *az = tu_gzip(a, an, &azn), *bz = tu_gzip(b, bn, &bzn);
    uint8_t *both = tu_concat(az, azn, bz, bzn, &alln);
    uint8_t *three = tu_concat(both, alln, az, azn, &alln);
    uint8_t *want = malloc(an + bn + an);
    memcpy(want, a, an);
    memcpy(want + an, b, bn);
    memcpy(want + an + bn, a, an);
    /* chunk == azn ends the first member exactly on a read boundary; azn - 1
     * and azn + 1 split the next member's magic across reads */
    const size_t chunks[] = { 1, azn - 1, azn, azn + 1, azn + 2, 0 };
    for (size_t i = 0; i < IVET_ARRAY_LEN(chunks); i++) {
        struct result r = run(three, alln, chunks[i], 4096, NULL);
        assert_int_equal(r.rc, 0);
        assert_int_equal(r.len, an + bn + an);
        assert_memory_equal(r.out, want, r.len);
        done(&r);
    }
    free(a);
    free(b);
    free(az);
    free(bz);
    free(both);
    free(three);
    free(want);
}

static void test_gzip_trailing_garbage_is_format_error(void **state)
{
    (void)state;
    size_t n = 1000, zn, alln;
    uint8_t *plain = sample(n);
    uint8_t *gz = tu_gzip(plain, n, &zn);
    uint8_t *bad = tu_concat(gz, zn, (const uint8_t *)"GARBAGE", 7, &alln);
    struct result r = run(bad, alln, 0, 4096, NULL);
    assert_int_equal(r.rc, -IVET_E_FORMAT);
    assert_non_null(strstr(r.err.msg, "layer blob 'x'"));
    assert_non_null(strstr(r.err.msg, "after gzip member"));
    done(&r);
    /* a single stray byte that could start a magic is garbage too */
    free(bad);
    bad = tu_concat(gz, zn, (const uint8_t *)"\x1f", 1, &alln);
    r = run(bad, alln, 1, 4096, NULL);
    assert_int_equal(r.rc, -IVET_E_FORMAT);
    done(&r);
    free(bad);
    free(gz);
    free(plain);
}

static void test_gzip_truncated_is_format_error(void **state)
{
    (void)state;
    size_t n = 100000, zn;
    uint8_t *plain = sample(n);
    uint8_t *gz = tu_gzip(plain, n, &zn);
    const size_t cuts[] = { 2, 9, zn / 2, zn - 4, zn - 1 };
    for (size_t i = 0; i < IVET_ARRAY_LEN(cuts); i++) {
        struct result r = run(gz, cuts[i], 333, 4096, NULL);
        assert_int_equal(r.rc, -IVET_E_FORMAT);
        assert_non_null(strstr(r.err.msg, "layer blob 'x'"));
        done(&r);
    }
    free(gz);
    free(plain);
}

static void test_gzip_corrupt_is_format_error(void **state)
{
    (void)state;
    size_t n = 100000, zn;
    uint8_t *plain = sample(n);
    uint8_t *gz = tu_gzip(plain, n, &zn);
    /* damage inside the deflate data, then inside the crc32 trailer */
    const size_t at[] = { zn / 3, zn - 6 };
    for (size_t i = 0; i < IVET_ARRAY_LEN(at); i++) {
        uint8_t *bad = malloc(zn);
        memcpy(bad, gz, zn);
        bad[at[i]] ^= 0x55;
        struct result r = run(bad, zn, 0, 65536, NULL);
        assert_int_equal(r.rc, -IVET_E_FORMAT);
        assert_non_null(strstr(r.err.msg, "layer blob 'x'"));
        done(&r);
        free(bad);
    }
    free(gz);
    free(plain);
}

static void test_zstd_multi_frame(void **state)
{
    (void)state;
    size_t an = 70000, bn = 3000, azn, bzn, alln;
    uint8_t *a = sample(an), *b = sample(bn);
    uint8_t *az = tu_zstd(a, an, &azn), *bz = tu_zstd(b, bn, &bzn);
    uint8_t *both = tu_concat(az, azn, bz, bzn, &alln);
    const size_t chunks[] = { 1, azn, 0 };
    for (size_t i = 0; i < IVET_ARRAY_LEN(chunks); i++) {
        struct result r = run(both, alln, chunks[i], 1000, NULL);
        assert_int_equal(r.rc, 0);
        assert_int_equal(r.kind, IVET_COMPRESSION_ZSTD);
        assert_int_equal(r.len, an + bn);
        assert_memory_equal(r.out, a, an);
        assert_memory_equal(r.out + an, b, bn);
        done(&r);
    }
    free(a);
    free(b);
    free(az);
    free(bz);
    free(both);
}

static void test_zstd_truncated_and_corrupt(void **state)
{
    (void)state;
    size_t n = 200000, zn;
    uint8_t *plain = sample(n);
    uint8_t *z = tu_zstd(plain, n, &zn);
    struct result r = run(z, zn - 3, 100, 4096, NULL);
    assert_int_equal(r.rc, -IVET_E_FORMAT);
    assert_non_null(strstr(r.err.msg, "truncated"));
    done(&r);
    r = run(z, 6, 0, 4096, NULL);
    assert_int_equal(r.rc, -IVET_E_FORMAT);
    done(&r);
    uint8_t *bad = malloc(zn + 5);
    memcpy(bad, z, zn);
    memcpy(bad + zn, "junk!", 5);
    r = run(bad, zn + 5, 0, 4096, NULL);
    assert_int_equal(r.rc, -IVET_E_FORMAT);
    assert_non_null(strstr(r.err.msg, "layer blob 'x'"));
    done(&r);
    free(bad);
    free(z);
    free(plain);
}

static void test_plain_passes_through(void **state)
{
    (void)state;
    size_t n = 10000;
    uint8_t *plain = sample(n);
    plain[0] = 'u';                     /* a tar starts with its first name */
    const size_t chunks[] = { 1, 3, 0 };
    for (size_t i = 0; i < IVET_ARRAY_LEN(chunks); i++) {
        struct result r = run(plain, n, chunks[i], 777, NULL);
        assert_int_equal(r.rc, 0);
        assert_int_equal(r.kind, IVET_COMPRESSION_NONE);
        assert_int_equal(r.len, n);
        assert_memory_equal(r.out, plain, n);
        done(&r);
    }
    /* shorter than any magic, and empty */
    struct result r = run("\x1f", 1, 0, 10, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.kind, IVET_COMPRESSION_NONE);
    assert_int_equal(r.len, 1);
    done(&r);
    r = run("", 0, 0, 10, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.len, 0);
    done(&r);
    free(plain);
}

static void test_xz_is_refused_by_name(void **state)
{
    (void)state;
    static const uint8_t xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0, 0, 4, 0xe6, 0xd6, 0xb4, 0x46 };
    struct result r = run(xz, sizeof(xz), 0, 100, NULL);
    assert_int_equal(r.rc, -IVET_E_UNSUPPORTED);
    assert_non_null(strstr(r.err.msg, "xz"));
    assert_non_null(strstr(r.err.msg, "layer blob 'x'"));
    done(&r);
}

static void test_ratio_bomb_is_limit(void **state)
{
    (void)state;
    size_t n = 8u << 20, zn;
    uint8_t *zeros = calloc(1, n);
    uint8_t *gz = tu_gzip(zeros, n, &zn);
    struct ivet_limits lim = ivet_limits_default();
    lim.max_ratio = 50;
    struct result r = run(gz, zn, 0, 65536, &lim);
    assert_int_equal(r.rc, -IVET_E_LIMIT);
    assert_non_null(strstr(r.err.msg, "max_ratio"));
    assert_non_null(strstr(r.err.msg, "layer blob 'x'"));
    done(&r);
    /* the same bomb through zstd */
    free(gz);
    gz = tu_zstd(zeros, n, &zn);
    r = run(gz, zn, 0, 65536, &lim);
    assert_int_equal(r.rc, -IVET_E_LIMIT);
    done(&r);
    /* a tiny, very compressible layer stays under the 1 MiB grace */
    free(gz);
    gz = tu_gzip(zeros, 512 << 10, &zn);
    r = run(gz, zn, 0, 65536, &lim);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.len, 512 << 10);
    done(&r);
    free(gz);
    free(zeros);
}

static void test_max_layer_bytes_is_limit(void **state)
{
    (void)state;
    size_t n = 100000, zn;
    uint8_t *plain = sample(n);
    uint8_t *gz = tu_gzip(plain, n, &zn);
    struct ivet_limits lim = ivet_limits_default();
    lim.max_layer_bytes = n - 1;
    struct result r = run(gz, zn, 0, 4096, &lim);
    assert_int_equal(r.rc, -IVET_E_LIMIT);
    assert_non_null(strstr(r.err.msg, "max_layer_bytes"));
    done(&r);
    lim.max_layer_bytes = n;            /* exactly at the limit is fine */
    r = run(gz, zn, 0, 4096, &lim);
    assert_int_equal(r.rc, 0);
    done(&r);
    lim.max_layer_bytes = n - 1;        /* plain layers count too */
    r = run(plain + n / 2, n / 2, 0, 4096, &lim);
    assert_int_equal(r.rc, 0);
    done(&r);
    r = run(plain, n, 0, 4096, &lim);
    assert_int_equal(r.rc, -IVET_E_LIMIT);
    done(&r);
    free(gz);
    free(plain);
}

static void test_upstream_failure_passes_through(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    size_t n = 100000, zn;
    uint8_t *plain = sample(n);
    uint8_t *gz = tu_gzip(plain, n, &zn);
    struct ivet_istream *s = ivet_istream_from_mem(gz, zn, 1000, &err);
    s = ivet_istream_limit(s, zn / 2, false, 0, "blob 'b'", &err);
    s = ivet_istream_decompress(s, IVET_COMPRESSION_GZIP, NULL, "layer", NULL, &err);
    assert_non_null(s);
    assert_int_equal(ivet_istream_drain(s, &err), -IVET_E_LIMIT);
    assert_non_null(strstr(err.msg, "blob 'b'"));
    assert_int_equal(ivet_istream_close(s), -IVET_E_LIMIT);
    ivet_err_release(&err);
    /* NULL in, NULL out, the error untouched */
    ivet_err_set(&err, IVET_E_IO, "earlier");
    assert_null(ivet_istream_decompress(NULL, IVET_COMPRESSION_DETECT, NULL, "x", NULL, &err));
    assert_string_equal(err.msg, "earlier");
    ivet_err_release(&err);
    free(gz);
    free(plain);
}

static void test_allocation_failures_never_leak(void **state)
{
    (void)state;
    size_t n = 5000, zn;
    uint8_t *plain = sample(n);
    uint8_t *gz = tu_gzip(plain, n, &zn);
    for (long k = 0; k < 10; k++) {
        struct ivet_err err = IVET_ERR_INIT;
        ivet_alloc_fail_after(k);
        struct ivet_istream *s = ivet_istream_from_mem(gz, zn, 0, &err);
        s = ivet_istream_decompress(s, IVET_COMPRESSION_DETECT, NULL, "x", NULL, &err);
        int rc = s ? ivet_istream_drain(s, &err) : -(int)err.code;
        ivet_istream_close(s);
        ivet_alloc_fail_after(-1);
        assert_true(rc == 0 || rc == -IVET_E_NOMEM);
        ivet_err_release(&err);
    }
    free(gz);
    free(plain);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gzip_single_member_any_chunking),
        cmocka_unit_test(test_gzip_multi_member_on_every_boundary),
        cmocka_unit_test(test_gzip_trailing_garbage_is_format_error),
        cmocka_unit_test(test_gzip_truncated_is_format_error),
        cmocka_unit_test(test_gzip_corrupt_is_format_error),
        cmocka_unit_test(test_zstd_multi_frame),
        cmocka_unit_test(test_zstd_truncated_and_corrupt),
        cmocka_unit_test(test_plain_passes_through),
        cmocka_unit_test(test_xz_is_refused_by_name),
        cmocka_unit_test(test_ratio_bomb_is_limit),
        cmocka_unit_test(test_max_layer_bytes_is_limit),
        cmocka_unit_test(test_upstream_failure_passes_through),
        cmocka_unit_test(test_allocation_failures_never_leak),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
