/* test_diff.c: imagevet diff on OCI layouts written here: every kind of
 * change (content, a hard link's content, link target, mode, a file on one
 * side only, configuration, packages), the ignore patterns, a path written
 * twice in one layer (the later one counts), and two separately built but
 * equal images. */
#include "testutil.h"

#include "imagevet/imagevet.h"

#include <jansson.h>
#include <string.h>

static const char *dpkg_a = "Package: zlib1g\nStatus: install ok installed\nVersion: 1:1.2.13-1\n"
                            "Architecture: amd64\n\nPackage: curl\nStatus: install ok installed\n"
                            "Version: 7.88.1-10\nArchitecture: amd64\n\n";
static const char *dpkg_b = "Package: zlib1g\nStatus: install ok installed\nVersion: 1:1.3-1\n"
                            "Architecture: amd64\n\n";

struct img {
    struct tu_tar *t;
    char *dir;
};

/* variant 0: A; 1: A built again; 2: B, with one change of every kind */
static void build(struct img *im, int variant)
{
    struct tu_tar *t = tu_tar_new();
    bool b = variant == 2;
    tu_tar_add(t, 'd', "etc", 0755, NULL, 0, NULL);
    tu_tar_add(t, 'f', "etc/os-release", b ? 0600 : 0644, "ID=debian\nVERSION_ID=12\n", 23, NULL);
    tu_tar_add(t, 'd', "bin", 0755, NULL, 0, NULL);
    tu_tar_add(t, 'f', "bin/tool", 0755, b ? "v2" : "v1", 2, NULL);
    tu_tar_add(t, 'l', "bin/link", 0777, NULL, 0, b ? "other" : "tool");
    tu_tar_add(t, 'h', "hard", 0755, NULL, 0, "bin/tool");
    tu_tar_add(t, 'd', "usr", 0755, NULL, 0, NULL);
    if (!b)
        tu_tar_add(t, 'f', "usr/gone", 0644, "x", 1, NULL);
    if (b)
        tu_tar_add(t, 'f', "usr/new", 0644, "y", 1, NULL);
    tu_tar_add(t, 'd', "var", 0755, NULL, 0, NULL);
    tu_tar_add(t, 'd', "var/cache", 0755, NULL, 0, NULL);
    tu_tar_add(t, 'f', "var/cache/junk", 0644, b ? "b" : "a", 1, NULL);
    if (!b)
        tu_tar_add(t, 'f', "dup", 0644, "first", 5, NULL);
    tu_tar_add(t, 'f', "dup", 0644, "second", 6, NULL);
    tu_tar_add(t, 'd', "var/lib", 0755, NULL, 0, NULL);
    tu_tar_add(t, 'd', "var/lib/dpkg", 0755, NULL, 0, NULL);
    tu_tar_add(t, 'f', "var/lib/dpkg/status", 0644, b ? dpkg_b : dpkg_a, strlen(b ? dpkg_b : dpkg_a), NULL);
    struct tu_layer l = { 0 };
    l.blob = tu_tar_bytes(t, &l.len);
    im->t = t;
    im->dir = tu_oci_layout(b ? "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"User\":\"2\"}}"
                              : "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"User\":\"1\"}}",
                            &l, 1);
}

static void release(struct img *im)
{
    tu_rm_rf(im->dir);
    free(im->dir);
    tu_tar_free(im->t);
}

static struct ivet_diff *run(const struct img *x, const struct img *y, const char **ignore, struct ivet_err *err)
{
    struct ivet_scan_opts a, b;
    char ia[4200], ib[4200];
    ivet_scan_opts_init(&a);
    a.threads = 2;
    a.offline = true;
    b = a;
    snprintf(ia, sizeof(ia), "oci:%s:test", x->dir);
    snprintf(ib, sizeof(ib), "oci:%s:test", y->dir);
    a.image = ia;
    b.image = ib;
    struct ivet_diff_opts o = { .a = &a, .b = &b, .ignore = ignore };
    return ivet_diff_images(&o, err);
}

static json_t *as_json(const struct ivet_diff *d)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct ivet_err err = IVET_ERR_INIT;
    assert_non_null(f);
    assert_int_equal(ivet_diff_render(d, "json", f, &err), 0);
    fclose(f);
    json_error_t je;
    json_t *j = json_loadb(buf, len, 0, &je);
    free(buf);
    assert_non_null(j);
    return j;
}

/* The changes listed for path, as "a,b" text ("" when the path is not listed). */
static void changes_of(json_t *doc, const char *path, char *out, size_t n)
{
    size_t i;
    json_t *e;
    out[0] = 0;
    if (n < 2)
        return;
    json_array_foreach(json_object_get(doc, "files"), i, e) {
        if (strcmp(json_string_value(json_object_get(e, "path")), path) != 0)
            continue;
        size_t k;
        json_t *c;
        json_array_foreach(json_object_get(e, "changes"), k, c) {
            snprintf(out + strlen(out), n - strlen(out), "%s%s", k ? "," : "", json_string_value(c));
        }
    }
}

static void test_every_kind_of_change(void **state)
{
    (void)state;
    struct img a, b;
    build(&a, 0);
    build(&b, 2);
    struct ivet_err err = IVET_ERR_INIT;
    const char *ignore[] = { "/var/cache/*", NULL };
    struct ivet_diff *d = run(&a, &b, ignore, &err);
    if (!d)
        fail_msg("diff: %s", ivet_err_msg(&err));
    assert_true(ivet_diff_differs(d));
    json_t *j = as_json(d);
    static const char *const want[][2] = {
        { "/bin/tool", "content" }, { "/hard", "content" }, { "/bin/link", "link" }, { "/etc/os-release", "mode" },
        { "/usr/gone", "only-in-a" }, { "/usr/new", "only-in-b" }, { "/var/lib/dpkg/status", "content" },
    };
    char got[200];
    for (size_t i = 0; i < IVET_ARRAY_LEN(want); i++) {
        changes_of(j, want[i][0], got, sizeof(got));
        if (strcmp(got, want[i][1]) != 0)
            fail_msg("%s: changes '%s', expected '%s'", want[i][0], got, want[i][1]);
    }
    /* nothing else is listed: /dup (the later version counts), /etc, the
     * ignored cache file, /usr, ... */
    assert_int_equal(json_array_size(json_object_get(j, "files")), IVET_ARRAY_LEN(want));
    json_t *sum = json_object_get(j, "summary");
    assert_int_equal(json_integer_value(json_object_get(sum, "only_in_a")), 1);
    assert_int_equal(json_integer_value(json_object_get(sum, "only_in_b")), 1);
    assert_int_equal(json_integer_value(json_object_get(sum, "changed")), 5);
    assert_int_equal(json_integer_value(json_object_get(sum, "ignored")), 1);
    json_t *cfg = json_object_get(j, "config");
    assert_int_equal(json_array_size(cfg), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(cfg, 0), "field")), "User");
    assert_string_equal(json_string_value(json_object_get(json_array_get(cfg, 0), "a")), "1");
    assert_string_equal(json_string_value(json_object_get(json_array_get(cfg, 0), "b")), "2");
    /* zlib1g changed version, curl is gone */
    json_t *pk = json_object_get(j, "packages");
    assert_int_equal(json_array_size(pk), 2);
    size_t i;
    json_t *e;
    bool zlib = false, curl = false;
    json_array_foreach(pk, i, e) {
        const char *name = json_string_value(json_object_get(e, "name"));
        if (!strcmp(name, "zlib1g"))
            zlib = !strcmp(json_string_value(json_object_get(e, "a")), "1:1.2.13-1") &&
                   !strcmp(json_string_value(json_object_get(e, "b")), "1:1.3-1");
        if (!strcmp(name, "curl"))
            curl = json_is_null(json_object_get(e, "b"));
    }
    assert_true(zlib && curl);
    assert_false(json_is_true(json_object_get(j, "identical")));
    json_decref(j);
    /* the table names the same */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(ivet_diff_render(d, "table", f, &err), 0);
    fclose(f);
    assert_non_null(strstr(buf, "  - /usr/gone  (only in A)"));
    assert_non_null(strstr(buf, "  + /usr/new  (only in B)"));
    assert_non_null(strstr(buf, "  ~ /bin/link  (link)"));
    assert_non_null(strstr(buf, "The images differ."));
    free(buf);
    ivet_diff_free(d);
    /* without the ignore, the cache file counts */
    d = run(&a, &b, NULL, &err);
    assert_non_null(d);
    j = as_json(d);
    changes_of(j, "/var/cache/junk", got, sizeof(got));
    assert_string_equal(got, "content");
    json_decref(j);
    ivet_diff_free(d);
    release(&a);
    release(&b);
}

/* Several layers: a hard link made before its target was written again
 * keeps the older bytes (as extraction does); a link to a lower layer's
 * file; a link to a link; a file replaced in a later layer. */
static char *layered(const char *const *l0, const char *const *l1, struct tu_tar **t0, struct tu_tar **t1)
{
    struct tu_tar *t[2] = { tu_tar_new(), tu_tar_new() };
    const char *const *spec[2] = { l0, l1 };
    for (int k = 0; k < 2; k++)
        for (const char *const *e = spec[k]; *e; e += 3) {
            /* triples: type ("f" or "h"), path, data or link target */
            if (e[0][0] == 'h')
                tu_tar_add(t[k], 'h', e[1], 0644, NULL, 0, e[2]);
            else
                tu_tar_add(t[k], 'f', e[1], 0644, e[2], strlen(e[2]), NULL);
        }
    struct tu_layer ls[2] = { { 0 }, { 0 } };
    ls[0].blob = tu_tar_bytes(t[0], &ls[0].len);
    ls[1].blob = tu_tar_bytes(t[1], &ls[1].len);
    *t0 = t[0];
    *t1 = t[1];
    return tu_oci_layout("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{}}", ls, 2);
}

static void test_hard_links_across_layers(void **state)
{
    (void)state;
    /* A: /y links to /x while /x holds "bad", then /x becomes "good"; /w
     * links to /v of layer 0; /z links to the link /y; /r is replaced */
    static const char *const a0[] = { "f", "v", "lower", "f", "r", "old", NULL };
    static const char *const a1[] = { "f", "x", "bad", "h", "y", "x", "f", "x", "good", "h", "w", "v",
                                      "h", "z", "y", "f", "r", "new", NULL };
    /* B: plain files with the bytes A's files must show */
    static const char *const b0[] = { "f", "v", "lower", "f", "r", "new", NULL };
    static const char *const b1[] = { "f", "x", "good", "f", "y", "bad", "f", "w", "lower", "f", "z", "bad", NULL };
    struct img a = { 0 }, b = { 0 };
    struct tu_tar *ta0, *ta1, *tb0, *tb1;
    a.dir = layered(a0, a1, &ta0, &ta1);
    b.dir = layered(b0, b1, &tb0, &tb1);
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_diff *d = run(&a, &b, NULL, &err);
    if (!d)
        fail_msg("diff: %s", ivet_err_msg(&err));
    json_t *j = as_json(d);
    if (ivet_diff_differs(d)) {
        char *t = json_dumps(json_object_get(j, "files"), JSON_COMPACT);
        fail_msg("the two images should be the same: %s", t);
    }
    /* v r x y w z, and what the merge adds (the root) */
    assert_true(json_integer_value(json_object_get(json_object_get(j, "summary"), "same")) >= 6);
    json_decref(j);
    ivet_diff_free(d);
    /* and a B where /y has the bytes /x ended with: the link's difference shows */
    static const char *const c1[] = { "f", "x", "good", "f", "y", "good", "f", "w", "lower", "f", "z", "bad", NULL };
    struct img c = { 0 };
    struct tu_tar *tc0, *tc1;
    c.dir = layered(b0, c1, &tc0, &tc1);
    d = run(&a, &c, NULL, &err);
    assert_non_null(d);
    j = as_json(d);
    char got[100];
    changes_of(j, "/y", got, sizeof(got));
    assert_string_equal(got, "content");
    assert_int_equal(json_array_size(json_object_get(j, "files")), 1);
    json_decref(j);
    ivet_diff_free(d);
    tu_rm_rf(a.dir);
    tu_rm_rf(b.dir);
    tu_rm_rf(c.dir);
    free(a.dir);
    free(b.dir);
    free(c.dir);
    tu_tar_free(ta0);
    tu_tar_free(ta1);
    tu_tar_free(tb0);
    tu_tar_free(tb1);
    tu_tar_free(tc0);
    tu_tar_free(tc1);
}

static void test_equal_images(void **state)
{
    (void)state;
    struct img a, a2;
    build(&a, 0);
    build(&a2, 1);
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_diff *d = run(&a, &a2, NULL, &err);
    if (!d)
        fail_msg("diff: %s", ivet_err_msg(&err));
    assert_false(ivet_diff_differs(d));
    json_t *j = as_json(d);
    assert_true(json_is_true(json_object_get(j, "identical")));
    assert_int_equal(json_array_size(json_object_get(j, "files")), 0);
    assert_true(json_integer_value(json_object_get(json_object_get(j, "summary"), "same")) >= 12);
    json_decref(j);
    ivet_diff_free(d);
    release(&a);
    release(&a2);
}

static void test_unreadable_image(void **state)
{
    (void)state;
    struct img a;
    build(&a, 0);
    struct img missing = { .dir = (char *)"/nonexistent/layout" };
    struct ivet_err err = IVET_ERR_INIT;
    assert_null(run(&a, &missing, NULL, &err));
    assert_non_null(strstr(ivet_err_msg(&err), "image B"));
    ivet_err_release(&err);
    release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kind_of_change),
        cmocka_unit_test(test_equal_images),
        cmocka_unit_test(test_hard_links_across_layers),
        cmocka_unit_test(test_unreadable_image),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
