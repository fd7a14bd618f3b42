/* test_tar_walk.c: entries as the walker sees them (paths, types, modes,
 * links, whiteouts, content), the tar dialects and quirks real layers have,
 * the limits, and the failures that must name the entry. */
#include "testutil.h"
#include "tu_rawtar.h"
#include "tu_walker.h"

#include <string.h>

static void test_entries_types_modes_and_content(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct tu_tar *t = tu_tar_new();
    tu_tar_add(t, 'd', "./usr/", 0755, NULL, 0, NULL);
    tu_tar_add(t, 'f', "./usr/bin/helper", 04755, "#!/bin/sh\necho hi\n", 18, NULL);
    tu_tar_add(t, 'l', "usr/bin/sh", 0777, NULL, 0, "../../bin/busybox");
    tu_tar_add(t, 'h', "usr/bin/helper2", 0755, NULL, 0, "./usr/bin/helper");
    tu_tar_add(t, 'f', "empty", 0600, NULL, 0, NULL);
    size_t n;
    const uint8_t *tar = tu_tar_bytes(t, &n);
    const size_t chunks[] = { 0, 1, 100 };
    for (size_t c = 0; c < IVET_ARRAY_LEN(chunks); c++) {
        struct tu_walk w;
        tu_walk_init(&w);
        uint64_t entries = 0;
        assert_int_equal(tu_walk_mem(&w, tar, n, chunks[c], NULL, &entries, &err), 0);
        assert_int_equal(entries, 5);
        assert_int_equal(w.n, 5);
        assert_false(w.bad_order);
        assert_string_equal(w.r[0].path, "/usr");
        assert_int_equal(w.r[0].type, IVET_ENTRY_DIR);
        struct tu_rec *f = &w.r[1];
        assert_string_equal(f->path, "/usr/bin/helper");
        assert_int_equal(f->type, IVET_ENTRY_FILE);
        assert_int_equal(f->mode, 04755);
        assert_int_equal(f->size, 18);
        assert_int_equal(f->index, 1);
        assert_int_equal(f->data_len, 18);
        assert_memory_equal(f->data, "#!/bin/sh\necho hi\n", 18);
        assert_int_equal(w.r[2].type, IVET_ENTRY_SYMLINK);
        assert_string_equal(w.r[2].link, "../../bin/busybox");  /* symlink targets stay raw */
        assert_int_equal(w.r[3].type, IVET_ENTRY_HARDLINK);
        assert_string_equal(w.r[3].link, "/usr/bin/helper");    /* hardlinks are normalised */
        assert_string_equal(w.r[4].path, "/empty");
        assert_int_equal(w.r[4].data_len, 0);
        for (size_t i = 0; i < w.n; i++)
            assert_true(w.r[i].ended);
        tu_walk_free(&w);
    }
    tu_tar_free(t);
    ivet_err_release(&err);
}

static void test_skipped_entries_get_no_data(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct tu_tar *t = tu_tar_new();
    char big[5000];
    memset(big, 'b', sizeof(big));
    tu_tar_add(t, 'f', "a", 0644, big, sizeof(big), NULL);
    tu_tar_add(t, 'f', "b", 0644, "x", 1, NULL);
    size_t n;
    const uint8_t *tar = tu_tar_bytes(t, &n);
    struct tu_walk w;
    tu_walk_init(&w);
    w.want_none = true;
    assert_int_equal(tu_walk_mem(&w, tar, n, 300, NULL, NULL, &err), 0);
    assert_int_equal(w.n, 2);
    assert_false(w.bad_order);
    assert_int_equal(w.r[0].data_len, 0);
    assert_true(w.r[0].ended && w.r[1].ended);
    tu_walk_free(&w);
    tu_tar_free(t);
}

static void test_pax_long_path_and_utf8(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    char longp[400];
    memset(longp, 'p', sizeof(longp));
    memcpy(longp, "deep/", 5);
    longp[sizeof(longp) - 1] = 0;
    struct tu_tar *t = tu_tar_new();
    tu_tar_add(t, 'f', longp, 0644, "L", 1, NULL);
    tu_tar_add(t, 'f', "caf\xc3\xa9/men\xc3\xbc.txt", 0644, "u", 1, NULL);
    size_t n;
    const uint8_t *tar = tu_tar_bytes(t, &n);
    struct tu_walk w;
    tu_walk_init(&w);
    assert_int_equal(tu_walk_mem(&w, tar, n, 0, NULL, NULL, &err), 0);
    assert_int_equal(w.n, 2);
    assert_int_equal(strlen(w.r[0].path), strlen(longp) + 1);
    assert_string_equal(w.r[0].path + 1, longp);
    assert_string_equal(w.r[1].path, "/caf\xc3\xa9/men\xc3\xbc.txt");
    tu_walk_free(&w);
    tu_tar_free(t);
}

static void test_gnu_long_name_and_link(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    char name[300], target[250];
    memset(name, 'n', sizeof(name));
    memcpy(name, "opt/", 4);
    name[sizeof(name) - 1] = 0;
    memset(target, 't', sizeof(target));
    target[0] = '/';
    target[sizeof(target) - 1] = 0;
    struct tu_raw r = { 0 };
    tu_raw_gnu_long(&r, 'L', name);
    tu_raw_member(&r, "truncated-name", '0', 0644, "data", 4, NULL, 1);
    tu_raw_gnu_long(&r, 'L', "opt/link");
    tu_raw_gnu_long(&r, 'K', target);
    tu_raw_member(&r, "opt/link", '2', 0777, NULL, 0, "short", 1);
    tu_raw_end(&r);
    struct tu_walk w;
    tu_walk_init(&w);
    assert_int_equal(tu_walk_mem(&w, r.p, r.len, 7, NULL, NULL, &err), 0);
    assert_int_equal(w.n, 2);
    assert_string_equal(w.r[0].path + 1, name);
    assert_memory_equal(w.r[0].data, "data", 4);
    assert_string_equal(w.r[1].path, "/opt/link");
    assert_string_equal(w.r[1].link, target);
    tu_walk_free(&w);
    free(r.p);
}

/* Docker cleans entry paths lexically: "x/../etc/f" lands at /etc/f, so it
 * must be reported there; a path climbing above the root is refused. */
static void test_dotdot_paths_resolve_or_are_refused(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct tu_raw r = { 0 };
    tu_raw_member(&r, "x/../etc/ld.so.preload", '0', 0644, "/tmp/x.so\n", 10, NULL, 1);
    tu_raw_end(&r);
    struct tu_walk w;
    tu_walk_init(&w);
    assert_int_equal(tu_walk_mem(&w, r.p, r.len, 0, NULL, NULL, &err), 0);
    assert_int_equal(w.n, 1);
    assert_string_equal(w.r[0].path, "/etc/ld.so.preload");
    tu_walk_free(&w);
    free(r.p);

    struct tu_raw r2 = { 0 };
    tu_raw_member(&r2, "x/../../etc/passwd", '0', 0644, "x", 1, NULL, 1);
    tu_raw_end(&r2);
    tu_walk_init(&w);
    assert_int_equal(tu_walk_mem(&w, r2.p, r2.len, 0, NULL, NULL, &err), -IVET_E_FORMAT);
    assert_non_null(strstr(err.msg, "climbs above the root"));
    ivet_err_release(&err);
    tu_walk_free(&w);
    free(r2.p);
}

/* A pax hard link with a body: libarchive would read the body as the link's
 * content, Go's archive/tar (Docker) as the next headers, so the two would
 * see different files. Refused. */
static void test_hard_link_with_content_is_refused(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct tu_raw inner = { 0 };
    tu_raw_member(&inner, "etc/ld.so.preload", '0', 0644, "/tmp/x.so\n", 10, NULL, 1);
    struct tu_raw r = { 0 };
    char rec[64];
    tu_pax_record(rec, sizeof(rec), "size", "1024");
    tu_raw_pax(&r, rec);
    tu_raw_header(&r, "etc/hosts", '1', 0644, 1024, "etc/passwd", 0);
    tu_raw_put(&r, inner.p, inner.len);
    tu_raw_zeros(&r, 1024 - inner.len);
    tu_raw_end(&r);
    struct tu_walk w;
    tu_walk_init(&w);
    assert_int_equal(tu_walk_mem(&w, r.p, r.len, 0, NULL, NULL, &err), -IVET_E_FORMAT);
    assert_non_null(strstr(err.msg, "hard link"));
    ivet_err_release(&err);
    tu_walk_free(&w);
    free(r.p);
    free(inner.p);
}

/* umoci 0.4.7 `insert`: a first entry named "/", the last member unpadded
 * and no end-of-archive blocks. Real layers like this must scan. */
static void test_umoci_unpadded_last_member_scans(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct tu_raw r = { 0 };
    tu_raw_member(&r, "/", '5', 0755, NULL, 0, NULL, 1);
    tu_raw_member(&r, "./", '5', 0755, NULL, 0, NULL, 1);
    tu_raw_member(&r, "etc/a", '0', 0644, "first", 5, NULL, 1);
    tu_raw_member(&r, "etc/b", '0', 0644, "last member!", 12, NULL, 0);
    const size_t chunks[] = { 0, 1, 512, 513 };
    for (size_t c = 0; c < IVET_ARRAY_LEN(chunks); c++) {
        struct tu_walk w;
        tu_walk_init(&w);
        assert_int_equal(tu_walk_mem(&w, r.p, r.len, chunks[c], NULL, NULL, &err), 0);
        assert_int_equal(w.n, 4);
        assert_string_equal(w.r[0].path, "/");
        assert_string_equal(w.r[1].path, "/");
        assert_int_equal(w.r[3].data_len, 12);
        assert_memory_equal(w.r[3].data, "last member!", 12);
        assert_true(w.r[3].ended);
        tu_walk_free(&w);
    }
    /* with its padding but no end blocks it is fine as well */
    tu_raw_zeros(&r, 512 - 12);
    struct tu_walk w;
    tu_walk_init(&w);
    assert_int_equal(tu_walk_mem(&w, r.p, r.len, 0, NULL, NULL, &err), 0);
    assert_int_equal(w.n, 4);
    tu_walk_free(&w);
    free(r.p);
}

static void test_truncated_member_names_the_entry(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    char data[1000];
    memset(data, 'd', sizeof(data));
    struct tu_raw r = { 0 };
    tu_raw_member(&r, "ok", '0', 0644, "fine", 4, NULL, 1);
    tu_raw_member(&r, "usr/lib/cut.so", '0', 0644, data, sizeof(data), NULL, 1);
    tu_raw_end(&r);
    size_t member_start = 1024;
    /* cut inside the first data block, inside the last one (within what a
     * padding would cover), and right after the header */
    const size_t cuts[] = { member_start + 512 + 100, member_start + 512 + 900,
                            member_start + 512 };
    for (size_t c = 0; c < IVET_ARRAY_LEN(cuts); c++) {
        struct tu_walk w;
        tu_walk_init(&w);
        assert_int_equal(tu_walk_mem(&w, r.p, cuts[c], 0, NULL, NULL, &err), -IVET_E_FORMAT);
        assert_non_null(strstr(err.msg, "usr/lib/cut.so"));
        ivet_err_release(&err);
        tu_walk_free(&w);
    }
    /* a header cut in half */
    struct tu_walk w;
    tu_walk_init(&w);
    assert_int_equal(tu_walk_mem(&w, r.p, member_start + 200, 0, NULL, NULL, &err), -IVET_E_FORMAT);
    assert_non_null(strstr(err.msg, "'ok'"));
    ivet_err_release(&err);
    tu_walk_free(&w);
    free(r.p);
}

static void test_damaged_header_is_format_error(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct tu_raw r = { 0 };
    tu_raw_member(&r, "a", '0', 0644, "x", 1, NULL, 1);
    tu_raw_member(&r, "b", '0', 0644, "y", 1, NULL, 1);
    tu_raw_end(&r);
    r.p[1024 + 130] ^= 0x01;            /* size field of "b": checksum now wrong */
    struct tu_walk w;
    tu_walk_init(&w);
    assert_int_equal(tu_walk_mem(&w, r.p, r.len, 0, NULL, NULL, &err), -IVET_E_FORMAT);
    assert_non_null(strstr(err.msg, "after entry 'a'"));
    ivet_err_release(&err);
    tu_walk_free(&w);
    /* not a tar at all */
    tu_walk_init(&w);
    static const char junk[2048] = "this is not a tar archive";
    assert_int_equal(tu_walk_mem(&w, junk, sizeof(junk), 0, NULL, NULL, &err), -IVET_E_FORMAT);
    assert_non_null(strstr(err.msg, "tar"));
    ivet_err_release(&err);
    tu_walk_free(&w);
    free(r.p);
}

static void test_empty_stream_is_an_empty_layer(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct tu_walk w;
    tu_walk_init(&w);
    uint64_t entries = 99;
    assert_int_equal(tu_walk_mem(&w, "", 0, 0, NULL, &entries, &err), 0);
    assert_int_equal(entries, 0);
    /* and only end-of-archive blocks */
    static const uint8_t zeros[1024];
    assert_int_equal(tu_walk_mem(&w, zeros, sizeof(zeros), 0, NULL, &entries, &err), 0);
    assert_int_equal(entries, 0);
    tu_walk_free(&w);
}

static void test_path_over_max_path_is_limit(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_limits lim = ivet_limits_default();
    lim.max_path = 50;
    char longp[60];
    memset(longp, 'q', sizeof(longp));
    longp[sizeof(longp) - 1] = 0;
    struct tu_tar *t = tu_tar_new();
    tu_tar_add(t, 'f', "fine", 0644, "x", 1, NULL);
    tu_tar_add(t, 'f', longp, 0644, "x", 1, NULL);
    size_t n;
    const uint8_t *tar = tu_tar_bytes(t, &n);
    struct tu_walk w;
    tu_walk_init(&w);
    assert_int_equal(tu_walk_mem(&w, tar, n, 0, &lim, NULL, &err), -IVET_E_LIMIT);
    assert_non_null(strstr(err.msg, "max_path"));
    assert_non_null(strstr(err.msg, "qqqq"));
    assert_int_equal(w.n, 1);
    ivet_err_release(&err);
    tu_walk_free(&w);
    tu_tar_free(t);
    /* a symlink target counts too */
    t = tu_tar_new();
    tu_tar_add(t, 'l', "link", 0777, NULL, 0, longp);
    tar = tu_tar_bytes(t, &n);
    tu_walk_init(&w);
    assert_int_equal(tu_walk_mem(&w, tar, n, 0, &lim, NULL, &err), -IVET_E_LIMIT);
    assert_non_null(strstr(err.msg, "'link'"));
    ivet_err_release(&err);
    tu_walk_free(&w);
    tu_tar_free(t);
}

static void test_entries_over_max_entries_is_limit(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_limits lim = ivet_limits_default();
    lim.max_entries = 3;
    struct tu_tar *t = tu_tar_new();
    const char *names[] = { "e1", "e2", "e3", "e4" };
    for (int i = 0; i < 4; i++)
        tu_tar_add(t, 'f', names[i], 0644, "x", 1, NULL);
    size_t n;
    const uint8_t *tar = tu_tar_bytes(t, &n);
    struct tu_walk w;
    tu_walk_init(&w);
    assert_int_equal(tu_walk_mem(&w, tar, n, 0, &lim, NULL, &err), -IVET_E_LIMIT);
    assert_non_null(strstr(err.msg, "max_entries"));
    assert_non_null(strstr(err.msg, "e4"));
    assert_int_equal(w.n, 3);
    ivet_err_release(&err);
    tu_walk_free(&w);
    lim.max_entries = 4;
    tu_walk_init(&w);
    assert_int_equal(tu_walk_mem(&w, tar, n, 0, &lim, NULL, &err), 0);
    tu_walk_free(&w);
    tu_tar_free(t);
}

static void test_whiteouts_and_opaque_markers(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct tu_tar *t = tu_tar_new();
    /* umoci: the opaque marker before its directory; docker/buildah: after */
    tu_tar_add(t, 'f', "var/lib/x/.wh..wh..opq", 0, NULL, 0, NULL);
    tu_tar_add(t, 'd', "var/lib/x/", 0755, NULL, 0, NULL);
    tu_tar_add(t, 'd', "opt/", 0755, NULL, 0, NULL);
    tu_tar_add(t, 'f', "opt/.wh..wh..opq", 0, NULL, 0, NULL);
    tu_tar_add(t, 'f', "root/.wh..stage", 0, NULL, 0, NULL);
    tu_tar_add(t, 'f', "tmp/.cache/.wh.dropper.sh", 0600, NULL, 0, NULL);
    tu_tar_add(t, 'f', ".wh..wh..opq", 0, NULL, 0, NULL);
    tu_tar_add(t, 'f', "etc/.wh.passwd-", 0, NULL, 0, NULL);
    tu_tar_add(t, 'f', "etc/not.wh.x", 0644, "n", 1, NULL);
    size_t n;
    const uint8_t *tar = tu_tar_bytes(t, &n);
    struct tu_walk w;
    tu_walk_init(&w);
    assert_int_equal(tu_walk_mem(&w, tar, n, 0, NULL, NULL, &err), 0);
    assert_int_equal(w.n, 9);
    assert_string_equal(w.r[0].path, "/var/lib/x");
    assert_true(w.r[0].opaque);
    assert_false(w.r[0].whiteout);
    assert_false(w.r[1].opaque);
    assert_string_equal(w.r[3].path, "/opt");
    assert_true(w.r[3].opaque);
    assert_string_equal(w.r[4].path, "/root/.stage");
    assert_true(w.r[4].whiteout);
    assert_string_equal(w.r[5].path, "/tmp/.cache/dropper.sh");
    assert_true(w.r[5].whiteout);
    assert_string_equal(w.r[6].path, "/");
    assert_true(w.r[6].opaque);
    assert_string_equal(w.r[7].path, "/etc/passwd-");
    assert_true(w.r[7].whiteout);
    assert_string_equal(w.r[8].path, "/etc/not.wh.x");
    assert_false(w.r[8].whiteout || w.r[8].opaque);
    tu_walk_free(&w);
    tu_tar_free(t);

    /* ".wh." alone, ".wh.." and ".wh..." name no file */
    const char *bad[] = { "d/.wh.", "d/.wh..", "d/.wh..." };
    for (size_t i = 0; i < IVET_ARRAY_LEN(bad); i++) {
        t = tu_tar_new();
        tu_tar_add(t, 'f', bad[i], 0, NULL, 0, NULL);
        tar = tu_tar_bytes(t, &n);
        tu_walk_init(&w);
        assert_int_equal(tu_walk_mem(&w, tar, n, 0, NULL, NULL, &err), -IVET_E_FORMAT);
        assert_non_null(strstr(err.msg, "whiteout"));
        ivet_err_release(&err);
        tu_walk_free(&w);
        tu_tar_free(t);
    }
}

static void test_sparse_holes_are_zeros_and_capped(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    char rec[512] = "";
    tu_pax_record(rec, sizeof(rec), "GNU.sparse.major", "1");
    tu_pax_record(rec, sizeof(rec), "GNU.sparse.minor", "0");
    tu_pax_record(rec, sizeof(rec), "GNU.sparse.name", "sparse.bin");
    tu_pax_record(rec, sizeof(rec), "GNU.sparse.realsize", "3000");
    struct tu_raw r = { 0 };
    tu_raw_pax(&r, rec);
    /* sparse 1.0: the map is the first block of the data: count, then pairs */
    char map[512] = { 0 };
    snprintf(map, sizeof(map), "2\n0\n5\n2000\n5\n");
    char body[1024];
    memcpy(body, map, 512);
    memset(body + 512, 0, 512);
    memcpy(body + 512, "AAAAABBBBB", 10);
    tu_raw_member(&r, "GNUSparseFile.0/sparse.bin", '0', 0644, body, 512 + 10, NULL, 1);
    tu_raw_end(&r);

    struct tu_walk w;
    tu_walk_init(&w);
    assert_int_equal(tu_walk_mem(&w, r.p, r.len, 0, NULL, NULL, &err), 0);
    assert_int_equal(w.n, 1);
    assert_string_equal(w.r[0].path, "/sparse.bin");
    assert_int_equal(w.r[0].size, 3000);
    assert_int_equal(w.r[0].data_len, 3000);
    assert_memory_equal(w.r[0].data, "AAAAA", 5);
    assert_int_equal(w.r[0].data[5], 0);
    assert_int_equal(w.r[0].data[1999], 0);
    assert_memory_equal(w.r[0].data + 2000, "BBBBB", 5);
    assert_int_equal(w.r[0].data[2999], 0);
    tu_walk_free(&w);

    /* a hole past max_file_scan ends the delivery there, offsets intact;
     * one byte past the cap tells the analyzers the file was cut (a hole
     * must not hide what follows it as a silently short file) */
    struct ivet_limits lim = ivet_limits_default();
    lim.max_file_scan = 100;
    tu_walk_init(&w);
    assert_int_equal(tu_walk_mem(&w, r.p, r.len, 0, &lim, NULL, &err), 0);
    assert_int_equal(w.r[0].data_len, 101);
    assert_true(w.r[0].ended);
    tu_walk_free(&w);
    free(r.p);
}

static void test_walker_failure_stops_the_walk(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct tu_tar *t = tu_tar_new();
    tu_tar_add(t, 'f', "a", 0644, "1", 1, NULL);
    tu_tar_add(t, 'f', "b", 0644, "2", 1, NULL);
    tu_tar_add(t, 'f', "c", 0644, "3", 1, NULL);
    size_t n;
    const uint8_t *tar = tu_tar_bytes(t, &n);
    struct tu_walk w;
    tu_walk_init(&w);
    w.fail_at_entry = 1;
    assert_int_equal(tu_walk_mem(&w, tar, n, 0, NULL, NULL, &err), -IVET_E_USAGE);
    assert_string_equal(err.msg, "walker refuses '/b'");
    assert_int_equal(w.n, 1);
    ivet_err_release(&err);
    tu_walk_free(&w);
    tu_tar_free(t);
}

/* The walk reads past the end-of-archive blocks to EOF, so a digest check
 * over the whole stream happens, and its failure is the walk's failure. */
static void test_walk_reads_to_eof_for_digests(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct tu_raw r = { 0 };
    tu_raw_member(&r, "a", '0', 0644, "x", 1, NULL, 1);
    tu_raw_end(&r);
    tu_raw_zeros(&r, 300000);           /* block padding a writer may add */
    tu_raw_put(&r, "tail", 4);
    struct ivet_digest good, bad;
    ivet_sha256(r.p, r.len, &good);
    ivet_sha256("other", 5, &bad);

    struct ivet_digest got;
    struct ivet_istream *s = ivet_istream_from_mem(r.p, r.len, 4096, &err);
    s = ivet_istream_digest(s, &good, "layer 'l' (diff_id)", &got, &err);
    struct ivet_tar_stats st;
    assert_int_equal(ivet_tar_walk_ex(s, NULL, NULL, NULL, &st, &err), 0);
    assert_int_equal(st.entries, 1);
    assert_int_equal(st.bytes, r.len);
    assert_true(ivet_digest_eq(&got, &good));

    s = ivet_istream_from_mem(r.p, r.len, 4096, &err);
    s = ivet_istream_digest(s, &bad, "layer 'l' (diff_id)", NULL, &err);
    assert_int_equal(ivet_tar_walk_ex(s, NULL, NULL, NULL, &st, &err), -IVET_E_DIGEST);
    assert_true(st.stream_failed);
    assert_non_null(strstr(err.msg, "layer 'l' (diff_id)"));
    ivet_err_release(&err);
    free(r.p);

    /* NULL in: the earlier error comes back */
    ivet_err_set(&err, IVET_E_IO, "cannot open");
    assert_int_equal(ivet_tar_walk(NULL, NULL, NULL, NULL, NULL, &err), -IVET_E_IO);
    ivet_err_release(&err);
}

/* Walks r with the stream handing out `chunk` bytes at a time; returns the stats. */
static struct ivet_tar_stats walk_stats(const struct tu_raw *r, size_t chunk)
{
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_istream *s = ivet_istream_from_mem(r->p, r->len, chunk, &err);
    struct ivet_tar_stats st;
    if (ivet_tar_walk_ex(s, NULL, NULL, NULL, &st, &err) < 0)
        fail_msg("walk failed: %s", ivet_err_msg(&err));
    ivet_err_release(&err);
    return st;
}

/* Bytes after the two end-of-archive blocks: counted, and the non-zero ones
 * told apart from a writer's zero padding; whatever the read sizes. */
static void test_bytes_after_the_end_are_counted(void **state)
{
    (void)state;
    static const size_t chunks[] = { 1, 7, 511, 4096, 1 << 20 };
    for (size_t c = 0; c < IVET_ARRAY_LEN(chunks); c++) {
        size_t ch = chunks[c];
        struct tu_raw r = { 0 };
        /* a member whose content holds two zero blocks: not an end */
        uint8_t content[3000] = { 0 };
        memcpy(content + 2500, "after the zeros", 15);
        tu_raw_member(&r, "zeros-inside", '0', 0644, content, sizeof(content), NULL, 1);
        tu_raw_end(&r);
        tu_raw_zeros(&r, 9216);                 /* padding to a 10 KiB record */
        struct ivet_tar_stats st = walk_stats(&r, ch);
        assert_int_equal(st.trailing, 9216);
        assert_int_equal(st.trailing_nonzero, 0);
        tu_raw_put(&r, "HIDDEN", 6);            /* then content no extractor shows */
        st = walk_stats(&r, ch);
        assert_int_equal(st.trailing, 9222);
        assert_int_equal(st.trailing_nonzero, 6);
        free(r.p);

        /* a pax "size" overrides the header's size field (0 here) */
        r = (struct tu_raw){ 0 };
        char recs[128] = "";
        tu_pax_record(recs, sizeof(recs), "size", "5");
        tu_pax_record(recs, sizeof(recs), "path", "dir/a-name-longer-than-the-field");
        tu_raw_pax(&r, recs);
        tu_raw_header(&r, "a", '0', 0644, 0, NULL, 0);
        tu_raw_put(&r, "12345", 5);
        tu_raw_zeros(&r, 507);
        /* and a GNU long name */
        tu_raw_gnu_long(&r, 'L', "usr/share/a/very/long/name/that/does/not/fit/in/one/hundred/bytes/"
                                 "of/the/ustar/header/name/field/at/all.txt");
        tu_raw_member(&r, "usr/share/short", '0', 0644, "x", 1, NULL, 1);
        tu_raw_member(&r, "usr/share", '5', 0755, NULL, 0, NULL, 1);
        tu_raw_end(&r);
        tu_raw_put(&r, "Z", 1);
        st = walk_stats(&r, ch);
        assert_int_equal(st.entries, 3);
        assert_int_equal(st.trailing, 1);
        assert_int_equal(st.trailing_nonzero, 1);
        free(r.p);

        /* no end-of-archive blocks at all: no verdict */
        r = (struct tu_raw){ 0 };
        tu_raw_member(&r, "a", '0', 0644, "x", 1, NULL, 1);
        st = walk_stats(&r, ch);
        assert_int_equal(st.trailing, 0);
        assert_int_equal(st.trailing_nonzero, 0);
        free(r.p);
    }
}

/* The second reading's state after all of r in one piece. */
static struct ivet_tar_frame frame_of(const struct tu_raw *r)
{
    struct ivet_tar_frame f;
    ivet_tar_frame_init(&f);
    ivet_tar_frame_feed(&f, r->p, r->len);
    return f;
}

/* The second reading gives up, rather than guess, on what it does not know. */
static void test_tar_frame_gives_up_when_unsure(void **state)
{
    (void)state;
    struct tu_raw r = { 0 };
    tu_raw_member(&r, "a", '0', 0644, "x", 1, NULL, 1);
    uint8_t bad[512];
    memcpy(bad, r.p, 512);
    bad[0] ^= 1;                                /* checksum no longer matches */
    struct ivet_tar_frame f;
    ivet_tar_frame_init(&f);
    ivet_tar_frame_feed(&f, bad, sizeof(bad));
    assert_true(f.lost);
    /* one zero block, then a header */
    tu_raw_zeros(&r, 512);
    tu_raw_member(&r, "b", '0', 0644, "y", 1, NULL, 1);
    tu_raw_end(&r);
    tu_raw_put(&r, "junk", 4);
    assert_true(frame_of(&r).lost);
    free(r.p);
    /* a pax record that does not parse */
    r = (struct tu_raw){ 0 };
    tu_raw_pax(&r, "9 size\n\n\n\n");
    tu_raw_member(&r, "c", '0', 0644, "z", 1, NULL, 1);
    tu_raw_end(&r);
    tu_raw_put(&r, "junk", 4);
    assert_true(frame_of(&r).lost);
    free(r.p);
    /* pax size=0 on a directory whose header claims 4096 bytes: extractors
     * read no data, so the end below is the real one and what follows is
     * after it (bytes hidden there are found) */
    r = (struct tu_raw){ 0 };
    char recs[64] = "";
    tu_pax_record(recs, sizeof(recs), "size", "0");
    tu_raw_pax(&r, recs);
    tu_raw_header(&r, "d", '5', 0755, 4096, NULL, 0);
    tu_raw_end(&r);
    tu_raw_put(&r, "hidden after the end", 20);
    tu_raw_zeros(&r, 4096);
    f = frame_of(&r);
    assert_false(f.lost);
    assert_true(f.ended);
    assert_int_equal(f.nonzero_after, 20);
    free(r.p);
    /* two pax headers before one entry: readers differ on which counts */
    r = (struct tu_raw){ 0 };
    recs[0] = 0;
    tu_pax_record(recs, sizeof(recs), "size", "2048");
    tu_raw_pax(&r, recs);
    recs[0] = 0;
    tu_pax_record(recs, sizeof(recs), "mtime", "1");
    tu_raw_pax(&r, recs);
    tu_raw_header(&r, "f", '0', 0644, 0, NULL, 0);
    tu_raw_end(&r);
    tu_raw_put(&r, "junk", 4);
    assert_true(frame_of(&r).lost);
    free(r.p);
    /* an empty "size=": one reader keeps the header's size, another takes 0 */
    r = (struct tu_raw){ 0 };
    recs[0] = 0;
    tu_pax_record(recs, sizeof(recs), "size", "");
    tu_raw_pax(&r, recs);
    tu_raw_member(&r, "f", '0', 0644, "abc", 3, NULL, 1);
    tu_raw_end(&r);
    tu_raw_put(&r, "junk", 4);
    assert_true(frame_of(&r).lost);
    free(r.p);
    /* pax records that stop inside one, or inside a record's length */
    static const char *const cut[] = { "30 path=cut-short", "12" };
    for (size_t c = 0; c < IVET_ARRAY_LEN(cut); c++) {
        r = (struct tu_raw){ 0 };
        tu_raw_pax(&r, cut[c]);
        tu_raw_member(&r, "f", '0', 0644, "abc", 3, NULL, 1);
        tu_raw_end(&r);
        tu_raw_put(&r, "junk", 4);
        assert_true(frame_of(&r).lost);
        free(r.p);
    }
    /* a GNU old-style sparse file */
    r = (struct tu_raw){ 0 };
    tu_raw_header(&r, "s", 'S', 0644, 0, NULL, 1);
    tu_raw_end(&r);
    tu_raw_put(&r, "junk", 4);
    f = frame_of(&r);
    assert_true(f.lost);
    assert_int_equal(f.nonzero_after, 0);
    free(r.p);
}

static void test_allocation_failures_never_leak(void **state)
{
    (void)state;
    struct tu_tar *t = tu_tar_new();
    tu_tar_add(t, 'l', "l", 0777, NULL, 0, "target");
    tu_tar_add(t, 'f', "d/.wh.gone", 0, NULL, 0, NULL);
    tu_tar_add(t, 'f', "f", 0644, "abc", 3, NULL);
    size_t n;
    const uint8_t *tar = tu_tar_bytes(t, &n);
    bool succeeded = false;
    for (long k = 0; k < 40 && !succeeded; k++) {
        struct ivet_err err = IVET_ERR_INIT;
        ivet_alloc_fail_after(k);
        struct ivet_istream *s = ivet_istream_from_mem(tar, n, 0, &err);
        int rc = ivet_tar_walk(s, NULL, NULL, NULL, NULL, &err);
        ivet_alloc_fail_after(-1);
        assert_true(rc == 0 || rc == -IVET_E_NOMEM);
        succeeded = rc == 0;
        ivet_err_release(&err);
    }
    assert_true(succeeded);
    tu_tar_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dotdot_paths_resolve_or_are_refused),
        cmocka_unit_test(test_hard_link_with_content_is_refused),
        cmocka_unit_test(test_entries_types_modes_and_content),
        cmocka_unit_test(test_skipped_entries_get_no_data),
        cmocka_unit_test(test_pax_long_path_and_utf8),
        cmocka_unit_test(test_gnu_long_name_and_link),
        cmocka_unit_test(test_umoci_unpadded_last_member_scans),
        cmocka_unit_test(test_truncated_member_names_the_entry),
        cmocka_unit_test(test_damaged_header_is_format_error),
        cmocka_unit_test(test_empty_stream_is_an_empty_layer),
        cmocka_unit_test(test_path_over_max_path_is_limit),
        cmocka_unit_test(test_entries_over_max_entries_is_limit),
        cmocka_unit_test(test_whiteouts_and_opaque_markers),
        cmocka_unit_test(test_sparse_holes_are_zeros_and_capped),
        cmocka_unit_test(test_walker_failure_stops_the_walk),
        cmocka_unit_test(test_walk_reads_to_eof_for_digests),
        cmocka_unit_test(test_bytes_after_the_end_are_counted),
        cmocka_unit_test(test_tar_frame_gives_up_when_unsure),
        cmocka_unit_test(test_allocation_failures_never_leak),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
