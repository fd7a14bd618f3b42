/* test_tar_index.c: the member index of image archives (src/source/tar_index.c),
 * on archives written by libarchive (tu_tar_*) and on hand-made headers for
 * the dialect corners libarchive's writer does not produce (GNU long names,
 * base-256 sizes, bad checksums). */
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source/source_int.h"

static char *write_tmp(const void *p, size_t n)
{
    char *path = strdup("/tmp/ivet-tarindex-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, p, n), (ssize_t)n);
    close(fd);
    return path;
}

static struct ivet_tar_index *index_bytes(const void *p, size_t n, const struct ivet_tar_index_limits *lim,
                                          struct ivet_err *err)
{
    char *path = write_tmp(p, n);
    struct ivet_tar_index *t = ivet_tar_index_open(path, lim, err);
    unlink(path);
    free(path);
    return t;
}

static struct ivet_tar_index *index_tar(struct tu_tar *tt, struct ivet_err *err)
{
    size_t n;
    const uint8_t *b = tu_tar_bytes(tt, &n);
    return index_bytes(b, n, NULL, err);
}

static char *read_member(struct ivet_tar_index *t, const char *name, struct ivet_err *err)
{
    uint64_t size = 0;
    struct ivet_istream *s = ivet_tar_index_open_member(t, name, &size, err);
    if (!s)
        return NULL;
    char *out = NULL;
    size_t len = 0;
    int rc = ivet_istream_slurp(s, 1 << 20, &out, &len, err);
    ivet_istream_close(s);
    assert_int_equal(rc, 0);
    assert_int_equal(len, size);
    return out;
}

static void test_members_are_found_by_normalised_name_and_read_in_place(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct tu_tar *tt = tu_tar_new();
    tu_tar_add(tt, 'd', "./", 0755, NULL, 0, NULL);
    tu_tar_add(tt, 'f', "./manifest.json", 0644, "[1]", 3, NULL);
    tu_tar_add(tt, 'd', "blobs/", 0755, NULL, 0, NULL);
    tu_tar_add(tt, 'f', "blobs/sha256/abc", 0644, "hello world", 11, NULL);
    struct ivet_tar_index *t = index_tar(tt, &err);
    assert_non_null(t);
    assert_int_equal(ivet_tar_index_count(t), 3);   /* the root "./" is not a member */
    char *s = read_member(t, "manifest.json", &err);
    assert_string_equal(s, "[1]");
    ivet_free(s);
    s = read_member(t, "/blobs//sha256/./abc", &err);
    assert_string_equal(s, "hello world");
    ivet_free(s);
    assert_non_null(ivet_tar_index_peek(t, "blobs"));
    assert_null(ivet_tar_index_open_member(t, "blobs", NULL, &err));
    assert_non_null(strstr(err.msg, "not a regular file"));
    ivet_err_release(&err);
    assert_null(ivet_tar_index_open_member(t, "nope.json", NULL, &err));
    assert_int_equal(err.code, IVET_E_NOTFOUND);
    assert_non_null(strstr(err.msg, "nope.json"));
    ivet_err_release(&err);
    ivet_tar_index_free(t);
    tu_tar_free(tt);
}

static void test_skopeo_layer_symlink_resolves_inside_the_archive(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct tu_tar *tt = tu_tar_new();
    tu_tar_add(tt, 'f', "aaaa.tar", 0444, "layer-bytes", 11, NULL);
    tu_tar_add(tt, 'l', "bbbb/layer.tar", 0777, NULL, 0, "../aaaa.tar");
    tu_tar_add(tt, 'h', "hard.tar", 0444, NULL, 0, "aaaa.tar");
    tu_tar_add(tt, 'l', "abs.tar", 0777, NULL, 0, "/aaaa.tar");
    struct ivet_tar_index *t = index_tar(tt, &err);
    assert_non_null(t);
    char *s = read_member(t, "bbbb/layer.tar", &err);
    assert_string_equal(s, "layer-bytes");
    ivet_free(s);
    s = read_member(t, "hard.tar", &err);
    assert_string_equal(s, "layer-bytes");
    ivet_free(s);
    s = read_member(t, "abs.tar", &err);       /* absolute: relative to the archive root */
    assert_string_equal(s, "layer-bytes");
    ivet_free(s);
    ivet_tar_index_free(t);
    tu_tar_free(tt);
}

static void test_symlink_leaving_the_archive_is_refused(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct tu_tar *tt = tu_tar_new();
    tu_tar_add(tt, 'l', "x/layer.tar", 0777, NULL, 0, "../../etc/passwd");
    tu_tar_add(tt, 'l', "loop1", 0777, NULL, 0, "loop2");
    tu_tar_add(tt, 'l', "loop2", 0777, NULL, 0, "loop1");
    struct ivet_tar_index *t = index_tar(tt, &err);
    assert_non_null(t);
    assert_null(ivet_tar_index_find(t, "x/layer.tar", &err));
    assert_int_equal(err.code, IVET_E_FORMAT);
    assert_non_null(strstr(err.msg, "outside the archive"));
    ivet_err_release(&err);
    assert_null(ivet_tar_index_find(t, "loop1", &err));
    assert_non_null(strstr(err.msg, "too many links"));
    ivet_err_release(&err);
    assert_null(ivet_tar_index_find(t, "../manifest.json", &err));
    assert_int_equal(err.code, IVET_E_FORMAT);
    ivet_err_release(&err);
    ivet_tar_index_free(t);
    tu_tar_free(tt);
}

static void test_member_name_with_path_traversal_is_an_error(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct tu_tar *tt = tu_tar_new();
    tu_tar_add(tt, 'f', "manifest.json", 0644, "[]", 2, NULL);
    tu_tar_add(tt, 'f', "a/../../evil", 0644, "x", 1, NULL);
    assert_null(index_tar(tt, &err));
    assert_int_equal(err.code, IVET_E_FORMAT);
    assert_non_null(strstr(err.msg, "leaves the archive"));
    assert_non_null(strstr(err.msg, "evil"));
    ivet_err_release(&err);
    tu_tar_free(tt);
}

static void test_duplicate_names_last_one_wins(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct tu_tar *tt = tu_tar_new();
    tu_tar_add(tt, 'f', "manifest.json", 0644, "first", 5, NULL);
    tu_tar_add(tt, 'f', "other", 0644, "o", 1, NULL);
    tu_tar_add(tt, 'f', "./manifest.json", 0644, "second", 6, NULL);
    struct ivet_tar_index *t = index_tar(tt, &err);
    assert_non_null(t);
    assert_int_equal(ivet_tar_index_count(t), 2);
    char *s = read_member(t, "manifest.json", &err);
    assert_string_equal(s, "second");
    ivet_free(s);
    ivet_tar_index_free(t);
    tu_tar_free(tt);
}

static void test_long_pax_names_are_indexed(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    char name[300];
    memset(name, 'n', sizeof(name));
    memcpy(name, "dir/", 4);
    name[sizeof(name) - 1] = 0;
    struct tu_tar *tt = tu_tar_new();
    tu_tar_add(tt, 'f', name, 0644, "long", 4, NULL);
    struct ivet_tar_index *t = index_tar(tt, &err);
    assert_non_null(t);
    char *s = read_member(t, name, &err);
    assert_string_equal(s, "long");
    ivet_free(s);
    ivet_tar_index_free(t);
    tu_tar_free(tt);
}

/* ---- hand-made headers */
static void set_checksum(uint8_t *h)
{
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    h[155] = ' ';
}

/* one header block; size as octal unless base256 */
static void header(uint8_t *h, const char *name, char type, uint64_t size, bool base256)
{
    memset(h, 0, 512);
    snprintf((char *)h, 100, "%s", name);
    memcpy(h + 100, "0000644", 7);
    memcpy(h + 108, "0000000", 7);
    memcpy(h + 116, "0000000", 7);
    if (base256) {
        h[124] = 0x80;
        for (int i = 0; i < 8; i++)
            h[135 - i] = (uint8_t)(size >> (8 * i));
    } else {
        char oct[32];
        snprintf(oct, sizeof(oct), "%011llo", (unsigned long long)size);
        memcpy(h + 124, oct, 11);
    }
    memcpy(h + 136, "00000000000", 11);
    h[156] = (uint8_t)type;
    memcpy(h + 257, "ustar  ", 8);        /* GNU magic */
    set_checksum(h);
}

static void test_gnu_long_names_and_base256_sizes(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    char longname[200];
    memset(longname, 'L', sizeof(longname));
    longname[sizeof(longname) - 1] = 0;
    uint8_t buf[512 * 8];
    memset(buf, 0, sizeof(buf));
    header(buf, "././@LongLink", 'L', strlen(longname) + 1, false);
    memcpy(buf + 512, longname, strlen(longname) + 1);
    header(buf + 1024, "truncated-name", '0', 5, true);
    memcpy(buf + 1024 + 345, "14533242231", 11);   /* old GNU atime, not a ustar prefix */
    set_checksum(buf + 1024);
    memcpy(buf + 1536, "hello", 5);
    header(buf + 2048, "plain", '0', 0, false);
    memcpy(buf + 2048 + 345, "14533242231", 11);
    set_checksum(buf + 2048);
    /* blocks 5..7 stay zero: end of archive */
    struct ivet_tar_index *t = index_bytes(buf, sizeof(buf), NULL, &err);
    assert_non_null(t);
    assert_int_equal(ivet_tar_index_count(t), 2);
    assert_non_null(ivet_tar_index_peek(t, "plain"));
    char *s = read_member(t, longname, &err);
    assert_string_equal(s, "hello");
    ivet_free(s);
    ivet_tar_index_free(t);
}

static void test_bad_header_checksum_is_an_error(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    uint8_t buf[512 * 4];
    memset(buf, 0, sizeof(buf));
    header(buf, "manifest.json", '0', 2, false);
    buf[0] = 'X';                                 /* name changed after the checksum */
    assert_null(index_bytes(buf, sizeof(buf), NULL, &err));
    assert_int_equal(err.code, IVET_E_FORMAT);
    assert_non_null(strstr(err.msg, "checksum"));
    ivet_err_release(&err);
}

static void test_truncated_member_is_an_error(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    uint8_t buf[512 * 2];
    memset(buf, 0, sizeof(buf));
    header(buf, "big.tar", '0', 100000, false);
    assert_null(index_bytes(buf, sizeof(buf), NULL, &err));
    assert_int_equal(err.code, IVET_E_FORMAT);
    assert_non_null(strstr(err.msg, "truncated"));
    ivet_err_release(&err);
    /* a partial header */
    assert_null(index_bytes(buf, 300, NULL, &err));
    assert_non_null(strstr(err.msg, "truncated"));
    ivet_err_release(&err);
}

static void test_archive_without_end_blocks_is_tolerated(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    uint8_t buf[512 + 3];
    header(buf, "a", '0', 3, false);
    memcpy(buf + 512, "abc", 3);                  /* unpadded, no end blocks */
    struct ivet_tar_index *t = index_bytes(buf, sizeof(buf), NULL, &err);
    assert_non_null(t);
    char *s = read_member(t, "a", &err);
    assert_string_equal(s, "abc");
    ivet_free(s);
    ivet_tar_index_free(t);
}

static void test_member_and_name_limits(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct tu_tar *tt = tu_tar_new();
    for (int i = 0; i < 10; i++) {
        char n[32];
        snprintf(n, sizeof(n), "member-%d", i);
        tu_tar_add(tt, 'f', n, 0644, "x", 1, NULL);
    }
    size_t len;
    const uint8_t *b = tu_tar_bytes(tt, &len);
    struct ivet_tar_index_limits lim = { 5, 0 };
    assert_null(index_bytes(b, len, &lim, &err));
    assert_int_equal(err.code, IVET_E_LIMIT);
    assert_non_null(strstr(err.msg, "more than 5 members"));
    ivet_err_release(&err);
    struct ivet_tar_index_limits lim2 = { 0, 4 };
    assert_null(index_bytes(b, len, &lim2, &err));
    assert_int_equal(err.code, IVET_E_LIMIT);
    assert_non_null(strstr(err.msg, "name"));
    ivet_err_release(&err);
    tu_tar_free(tt);
}

static void test_header_check_recognises_tar(void **state)
{
    (void)state;
    uint8_t h[512];
    header(h, "x", '0', 0, false);
    assert_true(ivet_tar_header_ok(h, sizeof(h)));
    assert_false(ivet_tar_header_ok(h, 100));
    h[10] ^= 1;
    assert_false(ivet_tar_header_ok(h, sizeof(h)));
    memset(h, 0, sizeof(h));
    assert_false(ivet_tar_header_ok(h, sizeof(h)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_members_are_found_by_normalised_name_and_read_in_place),
        cmocka_unit_test(test_skopeo_layer_symlink_resolves_inside_the_archive),
        cmocka_unit_test(test_symlink_leaving_the_archive_is_refused),
        cmocka_unit_test(test_member_name_with_path_traversal_is_an_error),
        cmocka_unit_test(test_duplicate_names_last_one_wins),
        cmocka_unit_test(test_long_pax_names_are_indexed),
        cmocka_unit_test(test_gnu_long_names_and_base256_sizes),
        cmocka_unit_test(test_bad_header_checksum_is_an_error),
        cmocka_unit_test(test_truncated_member_is_an_error),
        cmocka_unit_test(test_archive_without_end_blocks_is_tolerated),
        cmocka_unit_test(test_member_and_name_limits),
        cmocka_unit_test(test_header_check_recognises_tar),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
