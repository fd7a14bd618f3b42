/* test_merge.c: the overlay view: replacement, whiteouts, opaque
 * directories (in either order), the shipped-but-hidden list, symlink
 * resolution, sorted iteration, and allocation failures. */
#include "testutil.h"

#include "layer/layer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct ivet_entry ent(const char *path, enum ivet_entry_type type, const char *link)
{
    struct ivet_entry e = { 0 };
    e.path = path;
    e.type = type;
    e.linkname = link;
    e.mode = type == IVET_ENTRY_DIR ? 0755 : 0644;
    e.size = type == IVET_ENTRY_FILE ? 10 : 0;
    return e;
}

static void add(struct ivet_fsview *v, int layer, const char *path, enum ivet_entry_type type,
                const char *link)
{
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_entry e = ent(path, type, link);
    assert_int_equal(ivet_fsview_apply(v, layer, &e, &err), 0);
}

#define FILE_(v, l, p) add(v, l, p, IVET_ENTRY_FILE, NULL)
#define DIR_(v, l, p) add(v, l, p, IVET_ENTRY_DIR, NULL)
#define LINK_(v, l, p, t) add(v, l, p, IVET_ENTRY_SYMLINK, t)

static void whiteout(struct ivet_fsview *v, int layer, const char *path)
{
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_entry e = ent(path, IVET_ENTRY_FILE, NULL);
    e.whiteout = true;
    assert_int_equal(ivet_fsview_apply(v, layer, &e, &err), 0);
}

static void opaque(struct ivet_fsview *v, int layer, const char *path)
{
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_entry e = ent(path, IVET_ENTRY_FILE, NULL);
    e.opaque = true;
    assert_int_equal(ivet_fsview_apply(v, layer, &e, &err), 0);
}

static struct ivet_fsview *view(void)
{
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_fsview *v = ivet_fsview_new(&err);
    assert_non_null(v);
    return v;
}

static bool has(struct ivet_fsview *v, const char *path)
{
    return ivet_fsview_lookup(v, path) != NULL;
}

static int hidden_by(struct ivet_fsview *v, const char *path, int layer)
{
    int by = -2;
    assert_false(ivet_fsview_visible(v, path, layer, &by));
    return by;
}

static void test_later_layer_replaces_and_hides(void **state)
{
    (void)state;
    struct ivet_fsview *v = view();
    FILE_(v, 0, "/etc/passwd");
    FILE_(v, 0, "/bin/sh");
    FILE_(v, 1, "/etc/passwd");
    LINK_(v, 2, "/bin/sh", "busybox");
    const struct ivet_fsnode *n = ivet_fsview_lookup(v, "/etc/passwd");
    assert_non_null(n);
    assert_int_equal(n->layer, 1);
    assert_true(ivet_fsview_visible(v, "/etc/passwd", 1, NULL));
    assert_int_equal(hidden_by(v, "/etc/passwd", 0), 1);
    assert_int_equal(hidden_by(v, "/bin/sh", 0), 2);
    assert_string_equal(ivet_fsview_lookup(v, "/bin/sh")->linkname, "busybox");
    assert_int_equal(ivet_fsview_lookup(v, "/bin/sh")->type, IVET_ENTRY_SYMLINK);
    /* parents are implied */
    assert_int_equal(ivet_fsview_lookup(v, "/etc")->type, IVET_ENTRY_DIR);
    assert_true(has(v, "/"));
    assert_int_equal(ivet_fsview_hidden_count(v), 2);
    const struct ivet_hidden *h = ivet_fsview_hidden_at(v, 0);
    assert_string_equal(h->path, "/etc/passwd");
    assert_int_equal(h->layer, 0);
    assert_int_equal(h->hidden_by, 1);
    assert_int_equal(h->size, 10);
    /* never shipped at all */
    assert_int_equal(hidden_by(v, "/nope", 0), -1);
    ivet_fsview_free(v);
}

static void test_whiteout_removes_file_and_subtree(void **state)
{
    (void)state;
    struct ivet_fsview *v = view();
    FILE_(v, 0, "/tmp/.cache/dropper.sh");
    FILE_(v, 0, "/root/.stage/blob.bin");
    FILE_(v, 0, "/root/.stage/deeper/x");
    LINK_(v, 0, "/root/.stage/l", "/etc");
    FILE_(v, 0, "/root/keep");
    whiteout(v, 1, "/tmp/.cache/dropper.sh");
    whiteout(v, 1, "/root/.stage");
    whiteout(v, 1, "/never/existed");
    assert_false(has(v, "/tmp/.cache/dropper.sh"));
    assert_true(has(v, "/tmp/.cache"));
    assert_false(has(v, "/root/.stage"));
    assert_false(has(v, "/root/.stage/deeper"));
    assert_false(has(v, "/root/.stage/deeper/x"));
    assert_true(has(v, "/root/keep"));
    assert_false(has(v, "/never"));
    assert_int_equal(hidden_by(v, "/tmp/.cache/dropper.sh", 0), 1);
    assert_int_equal(hidden_by(v, "/root/.stage/blob.bin", 0), 1);
    assert_int_equal(hidden_by(v, "/root/.stage/deeper/x", 0), 1);
    assert_int_equal(hidden_by(v, "/root/.stage/l", 0), 1);
    assert_int_equal(ivet_fsview_hidden_count(v), 4);  /* files and symlinks, not dirs */
    /* the path can come back in a later layer */
    FILE_(v, 2, "/root/.stage/blob.bin");
    assert_true(ivet_fsview_visible(v, "/root/.stage/blob.bin", 2, NULL));
    assert_int_equal(hidden_by(v, "/root/.stage/blob.bin", 0), 1);
    ivet_fsview_free(v);
}

static void test_whiteout_spares_the_same_layer(void **state)
{
    (void)state;
    struct ivet_fsview *v = view();
    FILE_(v, 0, "/d/old");
    FILE_(v, 1, "/d/new");
    whiteout(v, 1, "/d");               /* after its own layer's entry */
    whiteout(v, 1, "/d/new");
    assert_false(has(v, "/d/old"));
    assert_true(has(v, "/d/new"));
    assert_true(has(v, "/d"));
    ivet_fsview_free(v);
}

static void test_opaque_hides_lower_content_in_either_order(void **state)
{
    (void)state;
    for (int order = 0; order < 3; order++) {
        struct ivet_fsview *v = view();
        FILE_(v, 0, "/var/lib/o/a.txt");
        FILE_(v, 0, "/var/lib/o/sub/b.txt");
        FILE_(v, 0, "/var/lib/other");
        if (order == 0) {               /* GNU tar / docker: dir, marker, content */
            DIR_(v, 1, "/var/lib/o");
            opaque(v, 1, "/var/lib/o");
            FILE_(v, 1, "/var/lib/o/c.txt");
        } else if (order == 1) {        /* umoci insert: marker before the dir */
            opaque(v, 1, "/var/lib/o");
            DIR_(v, 1, "/var/lib/o");
            FILE_(v, 1, "/var/lib/o/c.txt");
        } else {                        /* content first, then the marker */
            FILE_(v, 1, "/var/lib/o/c.txt");
            FILE_(v, 1, "/var/lib/o/sub/d.txt");
            opaque(v, 1, "/var/lib/o");
        }
        assert_false(has(v, "/var/lib/o/a.txt"));
        assert_false(has(v, "/var/lib/o/sub/b.txt"));
        assert_true(has(v, "/var/lib/o/c.txt"));
        assert_true(has(v, "/var/lib/other"));
        assert_int_equal(ivet_fsview_lookup(v, "/var/lib/o")->type, IVET_ENTRY_DIR);
        assert_int_equal(hidden_by(v, "/var/lib/o/a.txt", 0), 1);
        assert_int_equal(hidden_by(v, "/var/lib/o/sub/b.txt", 0), 1);
        if (order == 2) {
            assert_true(has(v, "/var/lib/o/sub/d.txt"));
            assert_true(has(v, "/var/lib/o/sub"));
        } else {
            assert_false(has(v, "/var/lib/o/sub"));
        }
        ivet_fsview_free(v);
    }
}

static void test_opaque_of_missing_dir_creates_it(void **state)
{
    (void)state;
    struct ivet_fsview *v = view();
    FILE_(v, 0, "/x");
    opaque(v, 1, "/new/dir");
    assert_int_equal(ivet_fsview_lookup(v, "/new/dir")->type, IVET_ENTRY_DIR);
    assert_true(has(v, "/x"));
    ivet_fsview_free(v);
}

static void test_type_changes(void **state)
{
    (void)state;
    struct ivet_fsview *v = view();
    /* a file replaces a directory: everything below it goes */
    FILE_(v, 0, "/opt/app/bin");
    FILE_(v, 1, "/opt/app");
    assert_int_equal(ivet_fsview_lookup(v, "/opt/app")->type, IVET_ENTRY_FILE);
    assert_false(has(v, "/opt/app/bin"));
    assert_int_equal(hidden_by(v, "/opt/app/bin", 0), 1);
    /* a directory replaces a symlink; a file below a lower file */
    LINK_(v, 1, "/lib", "usr/lib");
    FILE_(v, 2, "/lib/x.so");
    assert_int_equal(ivet_fsview_lookup(v, "/lib")->type, IVET_ENTRY_DIR);
    assert_int_equal(hidden_by(v, "/lib", 1), 2);
    /* the root itself must be a directory */
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_entry e = ent("/", IVET_ENTRY_FILE, NULL);
    assert_int_equal(ivet_fsview_apply(v, 3, &e, &err), -IVET_E_FORMAT);
    ivet_err_release(&err);
    e = ent("/", IVET_ENTRY_DIR, NULL);
    e.mode = 0700;
    assert_int_equal(ivet_fsview_apply(v, 3, &e, &err), 0);
    assert_int_equal(ivet_fsview_lookup(v, "/")->mode, 0700);
    ivet_fsview_free(v);
}

static void test_unnormalised_paths_are_normalised(void **state)
{
    (void)state;
    struct ivet_fsview *v = view();
    FILE_(v, 0, "usr//bin/./ls");
    assert_true(has(v, "/usr/bin/ls"));
    whiteout(v, 1, "usr/bin/ls/");
    assert_false(has(v, "/usr/bin/ls"));
    ivet_fsview_free(v);
}

static const char *resolved(struct ivet_fsview *v, const char *path)
{
    const struct ivet_fsnode *n = ivet_fsview_resolve(v, path);
    return n ? n->path : NULL;
}

static void test_resolve_symlinks(void **state)
{
    (void)state;
    struct ivet_fsview *v = view();
    FILE_(v, 0, "/usr/bin/busybox");
    LINK_(v, 0, "/bin", "usr/bin");                 /* relative, merged-/usr style */
    LINK_(v, 0, "/usr/bin/sh", "busybox");
    LINK_(v, 0, "/usr/bin/abs", "/usr/bin/busybox");
    LINK_(v, 0, "/etc/alt", "../usr/./bin//sh");
    LINK_(v, 0, "/up", "../../../../usr/bin/busybox");   /* ".." stops at "/" */
    LINK_(v, 0, "/loop1", "loop2");
    LINK_(v, 0, "/loop2", "/loop1");
    LINK_(v, 0, "/dangling", "/nowhere");
    LINK_(v, 0, "/empty", "");
    FILE_(v, 0, "/etc/file");
    assert_string_equal(resolved(v, "/bin/sh"), "/usr/bin/busybox");       /* symlinked parent */
    assert_string_equal(resolved(v, "/usr/bin/abs"), "/usr/bin/busybox");
    assert_string_equal(resolved(v, "/etc/alt"), "/usr/bin/busybox");
    assert_string_equal(resolved(v, "/up"), "/usr/bin/busybox");
    assert_string_equal(resolved(v, "bin/../bin/sh"), "/usr/bin/busybox");
    assert_string_equal(resolved(v, "/../../bin/sh"), "/usr/bin/busybox");
    assert_string_equal(resolved(v, "/bin"), "/usr/bin");
    assert_string_equal(resolved(v, "/"), "/");
    assert_null(resolved(v, "/loop1"));
    assert_null(resolved(v, "/dangling"));
    assert_null(resolved(v, "/empty"));
    assert_null(resolved(v, "/etc/file/x"));        /* a file is not a directory */
    assert_null(resolved(v, "/missing"));
    /* lookup does not follow links */
    assert_int_equal(ivet_fsview_lookup(v, "/bin")->type, IVET_ENTRY_SYMLINK);
    ivet_fsview_free(v);
}

static void test_resolve_hop_limit(void **state)
{
    (void)state;
    struct ivet_fsview *v = view();
    char p[32], t[32];
    /* /l0 -> /l1 -> ... -> /l40 -> /target: 41 hops is one too many */
    FILE_(v, 0, "/target");
    for (int i = 0; i <= 40; i++) {
        snprintf(p, sizeof(p), "/l%d", i);
        if (i == 40)
            snprintf(t, sizeof(t), "/target");
        else
            snprintf(t, sizeof(t), "/l%d", i + 1);
        LINK_(v, 0, p, t);
    }
    assert_string_equal(resolved(v, "/l1"), "/target");   /* 40 hops */
    assert_null(resolved(v, "/l0"));                      /* 41 hops */
    ivet_fsview_free(v);
}

static void test_sorted_iteration(void **state)
{
    (void)state;
    struct ivet_fsview *v = view();
    FILE_(v, 0, "/b");
    FILE_(v, 0, "/a/z");
    FILE_(v, 0, "/a/b");
    const char *want[] = { "/", "/a", "/a/b", "/a/z", "/b" };
    assert_int_equal(ivet_fsview_count(v), 5);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(ivet_fsview_at(v, i)->path, want[i]);
    assert_null(ivet_fsview_at(v, 5));
    /* a change re-sorts */
    whiteout(v, 1, "/a/b");
    FILE_(v, 1, "/0");
    const char *want2[] = { "/", "/0", "/a", "/a/z", "/b" };
    assert_int_equal(ivet_fsview_count(v), 5);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(ivet_fsview_at(v, i)->path, want2[i]);
    ivet_fsview_free(v);
}

/* Many nodes: the table grows, deep nesting costs no stack. */
static void test_large_and_deep_trees(void **state)
{
    (void)state;
    struct ivet_fsview *v = view();
    char p[64];
    for (int i = 0; i < 20000; i++) {
        snprintf(p, sizeof(p), "/d%d/f%d", i % 100, i);
        FILE_(v, 0, p);
    }
    assert_int_equal(ivet_fsview_count(v), 1 + 100 + 20000);
    for (int i = 0; i < 100; i += 2) {
        snprintf(p, sizeof(p), "/d%d", i);
        whiteout(v, 1, p);
    }
    assert_int_equal(ivet_fsview_count(v), 1 + 50 + 10000);
    assert_int_equal(ivet_fsview_hidden_count(v), 10000);
    assert_int_equal(hidden_by(v, "/d0/f0", 0), 1);
    assert_true(ivet_fsview_visible(v, "/d1/f1", 0, NULL));

    size_t depth = 3000;
    char *deep = malloc(depth * 2 + 1);
    for (size_t i = 0; i < depth; i++)
        memcpy(deep + 2 * i, "/x", 2);
    deep[depth * 2] = 0;
    FILE_(v, 2, deep);
    whiteout(v, 3, "/x");
    assert_false(has(v, "/x"));
    assert_int_equal(hidden_by(v, deep, 2), 3);
    free(deep);
    ivet_fsview_free(v);
}

static void test_allocation_failures_never_leak(void **state)
{
    (void)state;
    bool completed = false;
    for (long k = 0; k < 200 && !completed; k++) {
        struct ivet_err err = IVET_ERR_INIT;
        ivet_alloc_fail_after(k);
        struct ivet_fsview *v = ivet_fsview_new(&err);
        int rc = v ? 0 : -1;
        const char *paths[] = { "/a/b/c", "/a/b/d", "/l", "/a/x" };
        for (size_t i = 0; rc == 0 && i < IVET_ARRAY_LEN(paths); i++) {
            struct ivet_entry e = ent(paths[i], i == 2 ? IVET_ENTRY_SYMLINK : IVET_ENTRY_FILE,
                                      i == 2 ? "a/b/c" : NULL);
            rc = ivet_fsview_apply(v, 0, &e, &err);
        }
        if (rc == 0) {
            struct ivet_entry e = ent("/a/b", IVET_ENTRY_FILE, NULL);
            e.whiteout = true;
            rc = ivet_fsview_apply(v, 1, &e, &err);
        }
        if (rc == 0) {
            struct ivet_entry e = ent("/a", IVET_ENTRY_FILE, NULL);
            e.opaque = true;
            rc = ivet_fsview_apply(v, 2, &e, &err);
        }
        if (rc == 0) {
            (void)ivet_fsview_resolve(v, "/l");
            completed = ivet_fsview_at(v, 0) != NULL;
        }
        ivet_alloc_fail_after(-1);
        assert_true(rc == 0 || rc == -IVET_E_NOMEM || v == NULL);
        ivet_fsview_free(v);
        ivet_err_release(&err);
    }
    assert_true(completed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_later_layer_replaces_and_hides),
        cmocka_unit_test(test_whiteout_removes_file_and_subtree),
        cmocka_unit_test(test_whiteout_spares_the_same_layer),
        cmocka_unit_test(test_opaque_hides_lower_content_in_either_order),
        cmocka_unit_test(test_opaque_of_missing_dir_creates_it),
        cmocka_unit_test(test_type_changes),
        cmocka_unit_test(test_unnormalised_paths_are_normalised),
        cmocka_unit_test(test_resolve_symlinks),
        cmocka_unit_test(test_resolve_hop_limit),
        cmocka_unit_test(test_sorted_iteration),
        cmocka_unit_test(test_large_and_deep_trees),
        cmocka_unit_test(test_allocation_failures_never_leak),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
