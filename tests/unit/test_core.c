/* test_core.c: errors, buffers, digests, streams, paths. */
#include "testutil.h"
#include "core/lazylib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_err_wrap_reads_outermost_first(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    assert_int_equal(ivet_err_set(&err, IVET_E_LIMIT, "path of %d bytes", 9000), -IVET_E_LIMIT);
    ivet_err_wrap(&err, "entry '%s'", "usr/bin/x");
    ivet_err_wrap(&err, "layer '%s'", "sha256:ab");
    assert_string_equal(err.msg, "layer 'sha256:ab': entry 'usr/bin/x': path of 9000 bytes");
    assert_int_equal(ivet_err_exit_status(err.code), 2);
    assert_string_equal(ivet_err_name(err.code), "IVET_E_LIMIT");
    ivet_err_release(&err);
    assert_null(err.msg);
    assert_int_equal(err.code, IVET_OK);
}

static void test_buf_cap_is_a_limit(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_buf b;
    ivet_buf_init(&b, 8);
    assert_int_equal(ivet_buf_puts(&b, "12345678", &err), 0);
    assert_int_equal(ivet_buf_puts(&b, "9", &err), -IVET_E_LIMIT);
    assert_string_equal(b.ptr, "12345678");
    ivet_buf_release(&b);
    ivet_err_release(&err);
}

static void test_digest_parse(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_digest d, e;
    ivet_sha256("abc", 3, &e);
    assert_string_equal(e.text, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(ivet_digest_parse(&d, e.text, &err), 0);
    assert_true(ivet_digest_eq(&d, &e));
    assert_int_equal(ivet_digest_parse(&d, "sha512:abcd", &err), -IVET_E_UNSUPPORTED);
    assert_int_equal(ivet_digest_parse(&d, "sha256:ABCD", &err), -IVET_E_FORMAT);
    assert_int_equal(ivet_digest_parse(&d,
        "sha256:BA7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", &err), -IVET_E_FORMAT);
    assert_int_equal(ivet_digest_parse(&d, "nocolon", &err), -IVET_E_FORMAT);
    ivet_err_release(&err);
}

static void test_digest_stream_mismatch_names_blob(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_digest want;
    ivet_sha256("hello", 5, &want);
    struct ivet_istream *s = ivet_istream_from_mem("hellO", 5, 2, &err);
    s = ivet_istream_digest(s, &want, "blob 'x'", NULL, &err);
    assert_non_null(s);
    assert_int_equal(ivet_istream_drain(s, &err), -IVET_E_DIGEST);
    assert_non_null(strstr(err.msg, "blob 'x'"));
    assert_non_null(strstr(err.msg, want.text));
    /* sticky: reading again replays the failure, close returns it */
    char c;
    ivet_err_release(&err);
    assert_int_equal(ivet_istream_read(s, &c, 1, &err), -IVET_E_DIGEST);
    assert_int_equal(ivet_istream_close(s), -IVET_E_DIGEST);
    ivet_err_release(&err);

    s = ivet_istream_digest(ivet_istream_from_mem("hello", 5, 1, &err), &want, "blob", NULL, &err);
    assert_int_equal(ivet_istream_drain(s, &err), 0);
    assert_int_equal(ivet_istream_close(s), 0);
}

static void test_limit_stream(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_istream *s = ivet_istream_limit(ivet_istream_from_mem("0123456789", 10, 3, &err), 5,
                                                false, 0, "layer 'l'", &err);
    assert_int_equal(ivet_istream_drain(s, &err), -IVET_E_LIMIT);
    assert_non_null(strstr(err.msg, "layer 'l'"));
    ivet_istream_close(s);
    ivet_err_release(&err);
    s = ivet_istream_limit(ivet_istream_from_mem("0123", 4, 0, &err), 100, true, 10, "blob", &err);
    assert_int_equal(ivet_istream_drain(s, &err), -IVET_E_FORMAT);
    assert_non_null(strstr(err.msg, "truncated"));
    ivet_istream_close(s);
    ivet_err_release(&err);
}

static void test_wrapper_owns_input_when_failing(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_istream *in = ivet_istream_from_mem("x", 1, 0, &err);
    ivet_alloc_fail_after(0);
    struct ivet_istream *s = ivet_istream_digest(in, NULL, "x", NULL, &err);
    ivet_alloc_fail_after(-1);
    assert_null(s);                     /* input closed by the wrapper: ASan would see a leak */
    assert_int_equal(err.code, IVET_E_NOMEM);
    assert_null(ivet_istream_limit(NULL, 1, false, 0, "x", &err));     /* NULL in, NULL out */
    ivet_err_release(&err);
}

static void test_path_normalize(void **state)
{
    (void)state;
    const char *cases[][2] = {
        { "./a//b/", "/a/b" }, { "", "/" }, { ".", "/" }, { "./", "/" }, { "/x", "/x" },
        { "a/./b", "/a/b" }, { "a/../b", "/b" }, { "x/../etc/ld.so.preload", "/etc/ld.so.preload" },
        { "a/b/../../c/", "/c" }, { "..", "/" }, { "a/..", "/" },
    };
    for (size_t i = 0; i < IVET_ARRAY_LEN(cases); i++) {
        char *p = ivet_path_normalize(cases[i][0]);
        assert_string_equal(p, cases[i][1]);
        ivet_free(p);
    }
}

static void test_path_escape_is_reported(void **state)
{
    (void)state;
    bool esc;
    char *p = ivet_path_normalize_ex("x/../../etc/passwd", &esc);
    assert_true(esc);
    assert_string_equal(p, "/etc/passwd");
    ivet_free(p);
    p = ivet_path_normalize_ex("x/../etc/passwd", &esc);
    assert_false(esc);
    ivet_free(p);
}

static void test_sanitize(void **state)
{
    (void)state;
    char *s = ivet_sanitize("a\x1b[31mb\xff\xc3\xa9", 10, 100);
    assert_string_equal(s, "a\\x1b[31mb\\xff\xc3\xa9");
    ivet_free(s);
    /* C1 controls (U+009B is a one-character CSI) too; U+00A0 and up stay */
    s = ivet_sanitize("x\xc2\x9b" "31my\xc2\xa0z", 10, 100);
    assert_string_equal(s, "x\\xc2\\x9b31my\xc2\xa0z");
    ivet_free(s);
}

/* The cache directory: --cache-dir, else an absolute XDG_CACHE_HOME, else an
 * absolute HOME; relative values are ignored (XDG says so). */
static void test_cache_path(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    char *saved_x = getenv("XDG_CACHE_HOME") ? strdup(getenv("XDG_CACHE_HOME")) : NULL;
    char *saved_h = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    setenv("XDG_CACHE_HOME", "/x/cache", 1);
    setenv("HOME", "/home/u", 1);
    char *p = ivet_cache_path("/given", "hub", &err);
    assert_string_equal(p, "/given/hub");
    free(p);
    p = ivet_cache_path(NULL, "rules", &err);
    assert_string_equal(p, "/x/cache/imagevet/rules");
    free(p);
    setenv("XDG_CACHE_HOME", "relative", 1);
    p = ivet_cache_path(NULL, NULL, &err);
    assert_string_equal(p, "/home/u/.cache/imagevet");
    free(p);
    unsetenv("XDG_CACHE_HOME");
    setenv("HOME", "also-relative", 1);
    assert_null(ivet_cache_path(NULL, "x", &err));
    assert_int_equal(err.code, IVET_E_NOTFOUND);
    assert_non_null(strstr(err.msg, "--cache-dir"));
    ivet_err_release(&err);
    if (saved_x)
        setenv("XDG_CACHE_HOME", saved_x, 1);
    if (saved_h)
        setenv("HOME", saved_h, 1);
    else
        unsetenv("HOME");
    free(saved_x);
    free(saved_h);

    char tmp[] = "/tmp/ivet-mkdir-XXXXXX", deep[128], file[160];
    assert_non_null(mkdtemp(tmp));
    snprintf(deep, sizeof(deep), "%s/a/b/c", tmp);
    assert_int_equal(ivet_mkdir_p(deep, 0700, &err), 0);
    assert_int_equal(ivet_mkdir_p(deep, 0700, &err), 0);           /* exists: fine */
    snprintf(file, sizeof(file), "%s/a/b/c/f", tmp);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(deep, sizeof(deep), "%s/a/b/c/f/g", tmp);
    assert_int_equal(ivet_mkdir_p(deep, 0700, &err), -IVET_E_IO);  /* a file is in the way */
    assert_non_null(strstr(err.msg, "cannot create directory"));
    ivet_err_release(&err);
    tu_rm_rf(tmp);
}

/* Lazily loaded libraries: a missing shared object and a missing symbol are
 * errors naming the file, the reason and the Debian package; the real ones
 * load and work through their stubs. */
#define MISSING_LIB(X, XV, XN, L) XN(L, ivet_test_no_such_function)
IVET_LAZY_DEFINE(missing, MISSING_LIB, "libivet-test-missing.so.0", "ivet-test-missing")
#define MISSING_SYM(X, XV, XN, L) XN(L, ivet_test_not_in_libz)
IVET_LAZY_DEFINE(nosym, MISSING_SYM, "libz.so.1", "zlib1g")

static void test_lazylib(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    assert_false(ivet_lazylib_load(&ivet_lib_missing));
    assert_false(ivet_lazylib_load(&ivet_lib_missing));         /* tried once, stays failed */
    assert_int_equal(ivet_lazylib_require(&ivet_lib_missing, &err), -IVET_E_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "cannot load libivet-test-missing.so.0"));
    assert_non_null(strstr(err.msg, "install the Debian package ivet-test-missing"));
    ivet_err_release(&err);
    assert_int_equal(ivet_lazylib_require(&ivet_lib_nosym, &err), -IVET_E_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "symbol 'ivet_test_not_in_libz' missing"));
    ivet_err_release(&err);
    struct ivet_lazylib *real[] = { &ivet_lib_curl, &ivet_lib_archive, &ivet_lib_hs, &ivet_lib_yara,
                                    &ivet_lib_crypto };
    for (size_t i = 0; i < IVET_ARRAY_LEN(real); i++)
        if (ivet_lazylib_require(real[i], &err) < 0)
            fail_msg("%s", err.msg);
    struct ivet_digest d;
    ivet_sha256("abc", 3, &d);
    assert_string_equal(d.text, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_base64_decode(void **state)
{
    (void)state;
    unsigned char out[16];
    static const struct { const char *in, *out; long n; } ok[] = {
        { "TWFu", "Man", 3 }, { "TWE=", "Ma", 2 }, { "TQ==", "M", 1 }, { "AP8A", "\x00\xff\x00", 3 },
        { "YWJjZGVm", "abcdef", 6 },
    };
    for (size_t i = 0; i < IVET_ARRAY_LEN(ok); i++) {
        memset(out, 0x55, sizeof(out));
        assert_int_equal(ivet_base64_decode(ok[i].in, out, sizeof(out)), ok[i].n);
        assert_memory_equal(out, ok[i].out, (size_t)ok[i].n);
    }
    static const char *const bad[] = { "", "TQ=", "T===", "TQ=A", "TW=u", "=QQQ", "TQ==TWFu", "TW Fu", "TWFu\n",
                                       "TW-u", "TW_u", "TR==", "TWF=" };
    for (size_t i = 0; i < IVET_ARRAY_LEN(bad); i++)
        if (ivet_base64_decode(bad[i], out, sizeof(out)) != -1)
            fail_msg("'%s' decoded", bad[i]);
    /* the output bound holds */
    assert_int_equal(ivet_base64_decode("YWJjZGVm", out, 5), -1);
    assert_int_equal(ivet_base64_decode("YWJjZGVm", out, 6), 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_err_wrap_reads_outermost_first),
        cmocka_unit_test(test_buf_cap_is_a_limit),
        cmocka_unit_test(test_digest_parse),
        cmocka_unit_test(test_digest_stream_mismatch_names_blob),
        cmocka_unit_test(test_limit_stream),
        cmocka_unit_test(test_wrapper_owns_input_when_failing),
        cmocka_unit_test(test_path_normalize),
        cmocka_unit_test(test_path_escape_is_reported),
        cmocka_unit_test(test_sanitize),
        cmocka_unit_test(test_lazylib),
        cmocka_unit_test(test_cache_path),
        cmocka_unit_test(test_base64_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
