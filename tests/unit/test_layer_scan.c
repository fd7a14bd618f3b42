/* test_layer_scan.c: the whole one-pass chain over a layer blob: digests of
 * the blob and of the tar (and which one a mismatch names), sizes and
 * limits, the two-thread split giving the same result as one thread, the
 * pipe on its own, a real Alpine layer, and allocation failures. */
#include "testutil.h"
#include "tu_compress.h"
#include "tu_walker.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct layer {
    uint8_t *tar, *blob;
    size_t tar_len, blob_len;
    struct ivet_layer_desc d;
};

static struct tu_tar *sample_tar(void)
{
    static uint8_t big[300000];
    tu_fill_random(big, sizeof(big), 3);
    struct tu_tar *t = tu_tar_new();
    tu_tar_add(t, 'd', "etc/", 0755, NULL, 0, NULL);
    tu_tar_add(t, 'f', "etc/os-release", 0644, "ID=test\n", 8, NULL);
    tu_tar_add(t, 'f', "usr/lib/big.bin", 0644, big, sizeof(big), NULL);
    tu_tar_add(t, 'l', "bin", 0777, NULL, 0, "usr/bin");
    tu_tar_add(t, 'f', "tmp/.wh.gone", 0, NULL, 0, NULL);
    return t;
}

/* kind: 'g' gzip, 'z' zstd, 'n' none */
static void make_layer(struct layer *l, char kind)
{
    memset(l, 0, sizeof(*l));
    struct tu_tar *t = sample_tar();
    size_t n;
    const uint8_t *tar = tu_tar_bytes(t, &n);
    l->tar = malloc(n);
    memcpy(l->tar, tar, n);
    l->tar_len = n;
    tu_tar_free(t);
    if (kind == 'g')
        l->blob = tu_gzip(l->tar, n, &l->blob_len);
    else if (kind == 'z')
        l->blob = tu_zstd(l->tar, n, &l->blob_len);
    else {
        l->blob = malloc(n);
        memcpy(l->blob, l->tar, n);
        l->blob_len = n;
    }
    ivet_sha256(l->blob, l->blob_len, &l->d.digest);
    ivet_sha256(l->tar, l->tar_len, &l->d.diff_id);
    l->d.have_digest = true;
    l->d.size = l->blob_len;
    l->d.size_known = true;
}

static void free_layer(struct layer *l)
{
    free(l->tar);
    free(l->blob);
}

static int scan(struct layer *l, int split, size_t chunk, const struct ivet_limits *lim,
                struct tu_walk *w, struct ivet_err *err)
{
    struct ivet_istream *s = ivet_istream_from_mem(l->blob, l->blob_len, chunk, err);
    return ivet_layer_scan(s, &l->d, lim, (enum ivet_layer_split)split, &tu_walk_ops, w, err);
}

static void assert_same_walk(const struct tu_walk *a, const struct tu_walk *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        assert_string_equal(a->r[i].path, b->r[i].path);
        assert_int_equal(a->r[i].type, b->r[i].type);
        assert_int_equal(a->r[i].whiteout, b->r[i].whiteout);
        assert_int_equal(a->r[i].data_len, b->r[i].data_len);
        if (a->r[i].data_len)
            assert_memory_equal(a->r[i].data, b->r[i].data, a->r[i].data_len);
    }
}

static void test_scan_fills_the_descriptor(void **state)
{
    (void)state;
    const char kinds[] = { 'g', 'z', 'n' };
    const enum ivet_compression want[] = { IVET_COMPRESSION_GZIP, IVET_COMPRESSION_ZSTD,
                                           IVET_COMPRESSION_NONE };
    for (size_t k = 0; k < 3; k++) {
        struct ivet_err err = IVET_ERR_INIT;
        struct layer l;
        make_layer(&l, kinds[k]);
        struct tu_walk w;
        tu_walk_init(&w);
        assert_int_equal(scan(&l, IVET_SPLIT_NONE, 0, NULL, &w, &err), 0);
        assert_int_equal(l.d.compression, want[k]);
        assert_int_equal(l.d.tar_bytes, l.tar_len);
        assert_int_equal(l.d.entries, 5);
        assert_int_equal(w.n, 5);
        struct tu_rec *r = tu_walk_find(&w, "/usr/lib/big.bin");
        assert_non_null(r);
        assert_int_equal(r->data_len, 300000);
        assert_non_null(tu_walk_find(&w, "/tmp/gone"));
        tu_walk_free(&w);
        free_layer(&l);
    }
}

static void test_pipelined_and_not_give_identical_results(void **state)
{
    (void)state;
    const char kinds[] = { 'g', 'z', 'n' };
    const size_t chunks[] = { 0, 1000 };
    for (size_t k = 0; k < 3; k++) {
        for (size_t c = 0; c < 2; c++) {
            struct ivet_err err = IVET_ERR_INIT;
            struct layer l;
            make_layer(&l, kinds[k]);
            struct tu_walk a;
            tu_walk_init(&a);
            assert_int_equal(scan(&l, IVET_SPLIT_NONE, chunks[c], NULL, &a, &err), 0);
            struct ivet_layer_desc d1 = l.d;
            for (int split = IVET_SPLIT_BEFORE_DIFF_ID; split < IVET_SPLIT_COUNT; split++) {
                struct tu_walk b;
                tu_walk_init(&b);
                assert_int_equal(scan(&l, split, chunks[c], NULL, &b, &err), 0);
                assert_int_equal(d1.tar_bytes, l.d.tar_bytes);
                assert_int_equal(d1.entries, l.d.entries);
                assert_int_equal(d1.compression, l.d.compression);
                assert_false(a.bad_order || b.bad_order);
                assert_same_walk(&a, &b);
                tu_walk_free(&b);
            }
            tu_walk_free(&a);
            free_layer(&l);
        }
    }
}

static void test_blob_digest_mismatch_names_the_blob(void **state)
{
    (void)state;
    for (int split = 0; split < IVET_SPLIT_COUNT; split++) {
        struct ivet_err err = IVET_ERR_INIT;
        struct layer l;
        make_layer(&l, 'g');
        ivet_sha256("something else", 14, &l.d.digest);
        struct tu_walk w;
        tu_walk_init(&w);
        assert_int_equal(scan(&l, split, 0, NULL, &w, &err), -IVET_E_DIGEST);
        char want[128];
        snprintf(want, sizeof(want), "layer blob '%s'", l.d.digest.text);
        assert_non_null(strstr(err.msg, want));
        assert_null(strstr(err.msg, "diff_id"));
        ivet_err_release(&err);
        tu_walk_free(&w);
        free_layer(&l);
    }
}

static void test_diff_id_mismatch_names_the_diff_id(void **state)
{
    (void)state;
    const char kinds[] = { 'g', 'n' };
    for (size_t k = 0; k < 2; k++) {
        for (int split = 0; split < IVET_SPLIT_COUNT; split++) {
            struct ivet_err err = IVET_ERR_INIT;
            struct layer l;
            make_layer(&l, kinds[k]);
            ivet_sha256("another tar", 11, &l.d.diff_id);
            struct tu_walk w;
            tu_walk_init(&w);
            assert_int_equal(scan(&l, split, 0, NULL, &w, &err), -IVET_E_DIGEST);
            char want[128];
            snprintf(want, sizeof(want), "layer '%s' (diff_id)", l.d.diff_id.text);
            assert_non_null(strstr(err.msg, want));
            ivet_err_release(&err);
            tu_walk_free(&w);
            free_layer(&l);
        }
    }
}

/* A plain layer whose blob digest is its diff_id is hashed once; an altered
 * byte must still be caught. */
static void test_altered_plain_layer_is_caught(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct layer l;
    make_layer(&l, 'n');
    assert_true(ivet_digest_eq(&l.d.digest, &l.d.diff_id));
    l.blob[700] ^= 1;                   /* inside etc/os-release's content */
    struct tu_walk w;
    tu_walk_init(&w);
    assert_int_equal(scan(&l, IVET_SPLIT_BEFORE_DIFF_ID, 0, NULL, &w, &err), -IVET_E_DIGEST);
    assert_non_null(strstr(err.msg, "layer blob"));
    ivet_err_release(&err);
    tu_walk_free(&w);
    free_layer(&l);
}

/* docker-archive layers are named by diff_id only. */
static void test_no_blob_digest_checks_the_diff_id(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct layer l;
    make_layer(&l, 'g');
    l.d.have_digest = false;
    ivet_sha256("ignored", 7, &l.d.digest);
    struct tu_walk w;
    tu_walk_init(&w);
    assert_int_equal(scan(&l, IVET_SPLIT_NONE, 0, NULL, &w, &err), 0);
    tu_walk_free(&w);
    ivet_sha256("nope", 4, &l.d.diff_id);
    tu_walk_init(&w);
    assert_int_equal(scan(&l, IVET_SPLIT_NONE, 0, NULL, &w, &err), -IVET_E_DIGEST);
    assert_non_null(strstr(err.msg, "(diff_id)"));
    ivet_err_release(&err);
    tu_walk_free(&w);
    free_layer(&l);
}

static void test_declared_size_and_limits(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct layer l;
    make_layer(&l, 'g');
    struct tu_walk w;
    tu_walk_init(&w);
    l.d.size = l.blob_len + 1;
    assert_int_equal(scan(&l, IVET_SPLIT_NONE, 0, NULL, &w, &err), -IVET_E_FORMAT);
    assert_non_null(strstr(err.msg, "layer blob"));
    ivet_err_release(&err);
    tu_walk_free(&w);

    l.d.size = l.blob_len;
    struct ivet_limits lim = ivet_limits_default();
    lim.max_layer_compressed = l.blob_len - 1;
    tu_walk_init(&w);
    assert_int_equal(scan(&l, IVET_SPLIT_BEFORE_DIFF_ID, 0, &lim, &w, &err), -IVET_E_LIMIT);
    ivet_err_release(&err);
    tu_walk_free(&w);

    lim = ivet_limits_default();
    lim.max_layer_bytes = l.tar_len / 2;
    tu_walk_init(&w);
    assert_int_equal(scan(&l, IVET_SPLIT_BEFORE_DIFF_ID, 0, &lim, &w, &err), -IVET_E_LIMIT);
    assert_non_null(strstr(err.msg, "max_layer_bytes"));
    ivet_err_release(&err);
    tu_walk_free(&w);

    lim = ivet_limits_default();
    lim.max_entries = 2;
    tu_walk_init(&w);
    assert_int_equal(scan(&l, IVET_SPLIT_NONE, 0, &lim, &w, &err), -IVET_E_LIMIT);
    char want[128];
    snprintf(want, sizeof(want), "layer '%s'", l.d.digest.text);
    assert_non_null(strstr(err.msg, want));             /* the walk's errors name the layer */
    assert_non_null(strstr(err.msg, "max_entries"));
    ivet_err_release(&err);
    tu_walk_free(&w);
    free_layer(&l);
}

/* Whichever check sees a truncated blob first, it fails naming the blob:
 * the declared size, else the blob digest, else the decompressor. */
static void test_truncated_blob_is_refused(void **state)
{
    (void)state;
    for (int split = 0; split < IVET_SPLIT_COUNT; split++) {
        for (int known = 0; known < 3; known++) {
            struct ivet_err err = IVET_ERR_INIT;
            struct layer l;
            make_layer(&l, 'g');
            l.blob_len -= 100;
            l.d.size_known = known == 0;
            l.d.have_digest = known <= 1;
            struct tu_walk w;
            tu_walk_init(&w);
            int rc = scan(&l, split, 0, NULL, &w, &err);
            assert_int_equal(rc, known == 1 ? -IVET_E_DIGEST : -IVET_E_FORMAT);
            if (known != 1)
                assert_non_null(strstr(err.msg, "truncated"));
            assert_non_null(strstr(err.msg, "layer blob 'sha256:"));
            ivet_err_release(&err);
            tu_walk_free(&w);
            free_layer(&l);
        }
    }
}

static void test_real_alpine_layer(void **state)
{
    (void)state;
    char *path = tu_shared_path("rootfs/alpine-minirootfs-3.20.3-aarch64.tar.gz");
    if (!path)
        tu_skip_no_shared("rootfs/alpine-minirootfs-3.20.3-aarch64.tar.gz");
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_layer_desc d1 = { 0 }, d2 = { 0 };
    struct tu_walk a, b;
    tu_walk_init(&a);
    tu_walk_init(&b);
    assert_int_equal(ivet_layer_scan(ivet_istream_open_file(path, &err), &d1, NULL, IVET_SPLIT_NONE,
                                     &tu_walk_ops, &a, &err), 0);
    assert_int_equal(ivet_layer_scan(ivet_istream_open_file(path, &err), &d2, NULL, IVET_SPLIT_BEFORE_DIFF_ID,
                                     &tu_walk_ops, &b, &err), 0);
    assert_int_equal(d1.compression, IVET_COMPRESSION_GZIP);
    assert_true(d1.entries > 400);
    assert_int_equal(d1.tar_bytes, d2.tar_bytes);
    assert_same_walk(&a, &b);
    assert_string_equal(a.r[0].path, "/");              /* the tarball starts with "./" */
    struct tu_rec *r = tu_walk_find(&a, "/etc/os-release");
    assert_non_null(r);
    assert_non_null(strstr((const char *)r->data, "VERSION_ID=3.20.3"));
    tu_walk_free(&a);
    tu_walk_free(&b);
    free(path);
}

/* ---- the pipe on its own */
static void test_pipe_early_close_joins(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    size_t n = 40u << 20;
    uint8_t *big = malloc(n);
    tu_fill_random(big, n, 9);
    for (int reads = 0; reads < 3; reads++) {
        struct ivet_istream *s = ivet_istream_pipe(ivet_istream_from_mem(big, n, 0, &err), &err);
        assert_non_null(s);
        uint8_t buf[100];
        for (int i = 0; i < reads; i++) {
            assert_int_equal(ivet_istream_read(s, buf, sizeof(buf), &err), (ssize_t)sizeof(buf));
            assert_memory_equal(buf, big + i * 100, 100);
        }
        assert_int_equal(ivet_istream_close(s), 0);     /* the producer is stopped, joined */
    }
    free(big);
}

static void test_pipe_passes_bytes_and_errors(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    size_t n = (5u << 20) + 12345;
    uint8_t *big = malloc(n), *out = malloc(n);
    tu_fill_random(big, n, 11);
    struct ivet_istream *s = ivet_istream_pipe(ivet_istream_from_mem(big, n, 777, &err), &err);
    size_t got = 0;
    for (;;) {
        ssize_t r = ivet_istream_read(s, out + got, IVET_MIN((size_t)100000, n - got + 1), &err);
        assert_true(r >= 0);
        if (r == 0)
            break;
        got += (size_t)r;
    }
    assert_int_equal(got, n);
    assert_memory_equal(out, big, n);
    assert_int_equal(ivet_istream_close(s), 0);

    /* an upstream failure arrives after the bytes before it, and sticks */
    s = ivet_istream_limit(ivet_istream_from_mem(big, n, 0, &err), 3u << 20, false, 0,
                           "blob 'p'", &err);
    s = ivet_istream_pipe(s, &err);
    assert_int_equal(ivet_istream_drain(s, &err), -IVET_E_LIMIT);
    assert_non_null(strstr(err.msg, "blob 'p'"));
    ivet_err_release(&err);
    char c;
    assert_int_equal(ivet_istream_read(s, &c, 1, &err), -IVET_E_LIMIT);
    assert_int_equal(ivet_istream_close(s), -IVET_E_LIMIT);
    ivet_err_release(&err);

    /* NULL in, NULL out */
    assert_null(ivet_istream_pipe(NULL, &err));
    free(big);
    free(out);
}

/* Borrowing through a digest from the pipe: no copy, the same bytes, each
 * borrowed span intact until the next call while the producer keeps going
 * (the lent slot is not refilled under the reader), the digest checked at
 * EOF; reads and borrows mix. A digest stream over a source that cannot lend
 * reads into the caller's buffer. */
static void test_pipe_borrow_through_digest(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    size_t n = (9u << 20) + 4321;
    uint8_t *big = malloc(n), *copy = malloc(256 << 10);
    tu_fill_random(big, n, 13);
    struct ivet_digest want, wrong;
    ivet_sha256(big, n, &want);
    ivet_sha256("x", 1, &wrong);
    for (int bad = 0; bad < 2; bad++) {
        struct ivet_istream *s = ivet_istream_pipe(ivet_istream_from_mem(big, n, 100000, &err), &err);
        s = ivet_istream_digest(s, bad ? &wrong : &want, "tar 't'", NULL, &err);
        assert_non_null(s);
        size_t got = 0;
        bool lent = false;
        ssize_t r;
        for (unsigned i = 0;; i++) {
            const void *p = NULL;
            size_t want_n = 1 + (i * 7919u) % (256u << 10);
            if (i % 5 == 4) {
                r = ivet_istream_read(s, copy, want_n, &err);
                p = copy;
            } else {
                r = ivet_istream_borrow(s, &p, copy, want_n, &err);
            }
            if (r <= 0)
                break;
            lent |= p != copy;
            usleep(i % 16 == 0 ? 2000 : 0);            /* let the producer run ahead */
            assert_memory_equal(p, big + got, (size_t)r);
            got += (size_t)r;
        }
        assert_true(lent);
        if (bad) {
            assert_int_equal(r, -IVET_E_DIGEST);
            assert_non_null(strstr(err.msg, "tar 't'"));
            assert_int_equal(ivet_istream_close(s), -IVET_E_DIGEST);
        } else {
            assert_int_equal(r, 0);
            assert_int_equal(got, n);
            assert_int_equal(ivet_istream_close(s), 0);
        }
        ivet_err_release(&err);
    }
    /* no lending source: the bytes land in the caller's buffer */
    struct ivet_istream *s = ivet_istream_digest(ivet_istream_from_mem(big, 1000, 0, &err), NULL, "m", NULL, &err);
    const void *p = NULL;
    assert_int_equal(ivet_istream_borrow(s, &p, copy, 600, &err), 600);
    assert_ptr_equal(p, copy);
    assert_memory_equal(copy, big, 600);
    assert_int_equal(ivet_istream_close(s), 0);
    free(big);
    free(copy);
}

/* Every allocation of the chain fails in turn: never a crash, never a leak
 * (the sanitizer build checks the latter), and the last run succeeds. */
static void test_allocation_failures_never_crash_or_leak(void **state)
{
    (void)state;
    const char kinds[] = { 'g', 'z' };
    for (size_t k = 0; k < 2; k++) {
        for (int split = 0; split < IVET_SPLIT_COUNT; split++) {
            struct layer l;
            make_layer(&l, kinds[k]);
            bool succeeded = false;
            for (long n = 0; n < 200 && !succeeded; n++) {
                struct ivet_err err = IVET_ERR_INIT;
                struct tu_walk w;
                tu_walk_init(&w);
                ivet_alloc_fail_after(n);
                int rc = scan(&l, split, 0, NULL, &w, &err);
                ivet_alloc_fail_after(-1);
                if (rc != 0 && rc != -IVET_E_NOMEM)
                    fail_msg("n=%ld: %s", n, ivet_err_msg(&err));
                succeeded = rc == 0;
                ivet_err_release(&err);
                tu_walk_free(&w);
            }
            assert_true(succeeded);
            free_layer(&l);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_fills_the_descriptor),
        cmocka_unit_test(test_pipelined_and_not_give_identical_results),
        cmocka_unit_test(test_blob_digest_mismatch_names_the_blob),
        cmocka_unit_test(test_diff_id_mismatch_names_the_diff_id),
        cmocka_unit_test(test_altered_plain_layer_is_caught),
        cmocka_unit_test(test_no_blob_digest_checks_the_diff_id),
        cmocka_unit_test(test_declared_size_and_limits),
        cmocka_unit_test(test_truncated_blob_is_refused),
        cmocka_unit_test(test_real_alpine_layer),
        cmocka_unit_test(test_pipe_early_close_joins),
        cmocka_unit_test(test_pipe_passes_bytes_and_errors),
        cmocka_unit_test(test_pipe_borrow_through_digest),
        cmocka_unit_test(test_allocation_failures_never_crash_or_leak),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
