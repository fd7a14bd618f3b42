/* test_contents.c: the contents analyzer's parts: ELF inspection (UPX,
 * static linking) on hand-made headers, account files, entrypoint
 * resolution (PATH, symlinks, shebangs, sh -c, wrappers). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/contents.h"

/* ---- ELF */

/* A 64-bit little-endian ELF header with `nph` program headers of the given types. */
static size_t make_elf64(uint8_t *b, size_t cap, uint16_t type, const uint32_t *ph, unsigned nph)
{
    memset(b, 0, cap);
    memcpy(b, "\x7f" "ELF", 4);
    b[4] = 2;                   /* ELFCLASS64 */
    b[5] = 1;                   /* little endian */
    b[6] = 1;
    b[16] = (uint8_t)type;
    b[18] = 62;                 /* x86-64 */
    b[32] = 64;                 /* e_phoff */
    b[52] = 64;                 /* e_ehsize */
    b[54] = 56;                 /* e_phentsize */
    b[56] = (uint8_t)nph;
    for (unsigned i = 0; i < nph; i++)
        memcpy(b + 64 + 56 * i, &ph[i], 4);   /* host is little endian in CI; checked below */
    return 64 + 56 * nph;
}

static void test_elf_dynamic_program_is_not_static(void **state)
{
    (void)state;
    uint8_t b[1024];
    uint32_t ph[] = { 6, 3, 1, 2 };   /* PHDR, INTERP, LOAD, DYNAMIC */
    size_t n = make_elf64(b, sizeof(b), 3, ph, 4);
    struct ivet_elfinfo ei;
    ivet_elf_inspect(b, n, &ei);
    assert_true(ei.elf);
    assert_true(ei.phdrs_seen);
    assert_true(ei.interp);
    assert_false(ei.upx);
    assert_false(ivet_elf_is_static(&ei, "/usr/bin/ls", 0755));
}

static void test_elf_static_exec_and_static_pie(void **state)
{
    (void)state;
    uint8_t b[1024];
    uint32_t ph[] = { 1, 1, 4 };      /* LOAD, LOAD, NOTE */
    size_t n = make_elf64(b, sizeof(b), 2, ph, 3);
    struct ivet_elfinfo ei;
    ivet_elf_inspect(b, n, &ei);
    assert_true(ivet_elf_is_static(&ei, "/tmp/x", 0755));
    /* ET_DYN without INTERP: a static PIE when executable and not a library */
    n = make_elf64(b, sizeof(b), 3, ph, 3);
    ivet_elf_inspect(b, n, &ei);
    assert_true(ivet_elf_is_static(&ei, "/opt/app/server", 0755));
    assert_false(ivet_elf_is_static(&ei, "/usr/lib/libc.so.6", 0755));
    assert_false(ivet_elf_is_static(&ei, "/opt/app/plugin", 0644));
}

static void test_elf_truncated_or_hostile_headers(void **state)
{
    (void)state;
    uint8_t b[1024];
    uint32_t ph[] = { 1 };
    size_t n = make_elf64(b, sizeof(b), 2, ph, 1);
    struct ivet_elfinfo ei;
    /* program headers beyond the bytes given: not seen, so not called static */
    ivet_elf_inspect(b, 80, &ei);
    assert_true(ei.elf);
    assert_false(ei.phdrs_seen);
    assert_false(ivet_elf_is_static(&ei, "/tmp/x", 0755));
    /* e_phoff pointing far away, huge counts */
    b[32] = 0xff, b[33] = 0xff, b[34] = 0xff, b[35] = 0xff;
    ivet_elf_inspect(b, n, &ei);
    assert_false(ei.phdrs_seen);
    b[32] = 64, b[33] = b[34] = b[35] = 0;
    b[56] = 0xff, b[57] = 0xff;
    ivet_elf_inspect(b, n, &ei);
    assert_false(ei.phdrs_seen);
    /* not an ELF at all */
    ivet_elf_inspect((const uint8_t *)"#!/bin/sh\n", 10, &ei);
    assert_false(ei.elf);
    ivet_elf_inspect((const uint8_t *)"\x7f" "ELF", 4, &ei);
    assert_false(ei.elf);
}

static void test_elf_upx_packed(void **state)
{
    (void)state;
    uint8_t b[1024];
    uint32_t ph[] = { 1, 1 };
    size_t n = make_elf64(b, sizeof(b), 2, ph, 2);
    memcpy(b + n + 4, "UPX!", 4);     /* UPX's l_info follows the headers */
    struct ivet_elfinfo ei;
    ivet_elf_inspect(b, n + 64, &ei);
    assert_true(ei.elf);
    assert_true(ei.upx);
    memset(b + n, 0, 64);
    ivet_elf_inspect(b, n + 64, &ei);
    assert_false(ei.upx);
}

/* ---- accounts */

struct acct {
    unsigned n;
    char users[8][64];
    int what[8];
    uint32_t line[8];
};

static int acct_cb(void *arg, enum ivet_account_issue what, const char *user, uint32_t line, struct ivet_err *err)
{
    (void)err;
    struct acct *a = arg;
    if (a->n < 8) {
        snprintf(a->users[a->n], 64, "%s", user);
        a->what[a->n] = (int)what;
        a->line[a->n] = line;
    }
    a->n++;
    return 0;
}

static void test_accounts_extra_uid0_user(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    const char *pw = "root:x:0:0:root:/root:/bin/bash\n"
                     "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
                     "toor:x:0:0::/root:/bin/sh\n"
                     "svc:x:1000:0::/home/svc:/bin/sh\n"
                     "x0:x:00:0::/:/bin/sh";    /* no final newline */
    struct acct a = { 0 };
    assert_int_equal(ivet_accounts_check(pw, strlen(pw), false, acct_cb, &a, &err), 0);
    assert_int_equal(a.n, 2);
    assert_string_equal(a.users[0], "toor");
    assert_int_equal(a.what[0], IVET_ACCOUNT_UID0);
    assert_int_equal(a.line[0], 3);
    assert_string_equal(a.users[1], "x0");
}

static void test_accounts_empty_password_hash(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    const char *sh = "root:*:19000:0:99999:7:::\n"
                     "app:!:19000:0:99999:7:::\n"
                     "guest::19000:0:99999:7:::\n"
                     "# comment::\n"
                     "admin:$6$salt$hash:19000::::::\n";
    struct acct a = { 0 };
    assert_int_equal(ivet_accounts_check(sh, strlen(sh), true, acct_cb, &a, &err), 0);
    assert_int_equal(a.n, 1);
    assert_string_equal(a.users[0], "guest");
    assert_int_equal(a.what[0], IVET_ACCOUNT_EMPTY_PASSWORD);
    assert_int_equal(a.line[0], 3);
    /* passwd with an empty password field is the same hole */
    memset(&a, 0, sizeof(a));
    const char *pw = "root::0:0:root:/root:/bin/sh\n";
    assert_int_equal(ivet_accounts_check(pw, strlen(pw), false, acct_cb, &a, &err), 0);
    assert_int_equal(a.n, 1);
    assert_int_equal(a.what[0], IVET_ACCOUNT_EMPTY_PASSWORD);
}

/* ---- entrypoint */

struct fnode {
    const char *path;
    char type;                  /* 'f' file, 'l' symlink */
    uint32_t mode;
    const char *data;           /* file content, or link target */
};

struct ffs {
    const struct fnode *v;
    size_t n;
    struct ivet_bytes tmp;
};

static const struct fnode *ffs_find(struct ffs *fs, const char *p)
{
    for (size_t i = 0; i < fs->n; i++)
        if (strcmp(fs->v[i].path, p) == 0)
            return &fs->v[i];
    return NULL;
}

/* "/a/b/../c" -> "/a/c" in place */
static void dotdot(char *p)
{
    char *s;
    while ((s = strstr(p, "/../"))) {
        char *prev = s;
        while (prev > p && prev[-1] != '/')
            prev--;
        if (prev > p)
            prev--;
        memmove(prev, s + 3, strlen(s + 3) + 1);
    }
}

static char *ffs_resolve(void *arg, const char *path, uint32_t *mode)
{
    struct ffs *fs = arg;
    char cur[512];
    snprintf(cur, sizeof(cur), "%s", path);
    dotdot(cur);
    for (int hop = 0; hop < 10; hop++) {
        const struct fnode *n = ffs_find(fs, cur);
        if (!n)
            return NULL;
        if (n->type == 'f') {
            *mode = n->mode;
            return ivet_strdup(cur);
        }
        if (n->data[0] == '/') {
            snprintf(cur, sizeof(cur), "%s", n->data);
        } else {
            char dir[256];
            snprintf(dir, sizeof(dir), "%.200s", cur);
            *strrchr(dir, '/') = 0;
            snprintf(cur, sizeof(cur), "%s/%s", dir, n->data);
        }
        dotdot(cur);
    }
    return NULL;
}

static const struct ivet_bytes *ffs_script(void *arg, const char *path)
{
    struct ffs *fs = arg;
    const struct fnode *n = ffs_find(fs, path);
    if (!n || n->type != 'f' || strncmp(n->data, "#!", 2) != 0)
        return NULL;
    fs->tmp = ivet_bytes_make(n->data, strlen(n->data));
    return &fs->tmp;
}

static const struct fnode image_fs[] = {
    { "/bin/sh", 'l', 0777, "dash" },
    { "/bin/dash", 'f', 0755, "\x7f" "ELF" },
    { "/bin/bash", 'f', 0755, "\x7f" "ELF" },
    { "/usr/bin/env", 'f', 0755, "\x7f" "ELF" },
    { "/usr/bin/python3.11", 'f', 0755, "\x7f" "ELF" },
    { "/usr/bin/python3", 'l', 0777, "python3.11" },
    { "/usr/local/bin/docker-entrypoint.sh", 'f', 0755,
      "#!/bin/sh\nset -e\n/usr/local/lib/helper.sh init\n. /etc/app/env.sh\nexec \"$@\"\n" },
    { "/usr/local/lib/helper.sh", 'f', 0755, "#!/bin/bash\necho hi\n" },
    { "/etc/app/env.sh", 'f', 0644, "#!/bin/sh\nexport A=1\n" },
    { "/usr/local/bin/start", 'l', 0777, "../libexec/start-real" },
    { "/usr/local/libexec/start-real", 'f', 0755, "#!/usr/bin/env python3\nprint(1)\n" },
    { "/sbin/tini", 'f', 0755, "\x7f" "ELF" },
    { "/app/run.sh", 'f', 0644, "#!/bin/sh\n./server\n" },
    { "/app/main.py", 'f', 0644, "import os\n" },
    { "/opt/bin/tool", 'f', 0755, "\x7f" "ELF" },
    { "/usr/bin/tool", 'f', 0644, "not executable" },
};

static void resolve_case(const char *config, const char *want_path, const char *want_interp)
{
    struct ivet_err err = IVET_ERR_INIT;
    json_error_t je;
    json_t *cfg = json_loads(config, 0, &je);
    if (!cfg)
        fail_msg("bad test config: %s", je.text);
    struct ffs fs = { image_fs, IVET_ARRAY_LEN(image_fs), { 0 } };
    struct ivet_ep_fs ops = { ffs_resolve, ffs_script, &fs };
    struct ivet_entrypoint ep;
    assert_int_equal(ivet_entrypoint_resolve(cfg, &ops, &ep, &err), 0);
    if (want_path == NULL)
        assert_null(ep.path);
    else if (!ep.path || strcmp(ep.path, want_path) != 0)
        fail_msg("%s: got '%s', expected '%s'", config, ep.path ? ep.path : "(null)", want_path);
    if (want_interp)
        assert_string_equal(ep.interpreter, want_interp);
    ivet_entrypoint_release(&ep);
    json_decref(cfg);
}

static void test_entrypoint_path_lookup(void **state)
{
    (void)state;
    resolve_case("{\"config\":{\"Entrypoint\":[\"docker-entrypoint.sh\"],\"Cmd\":[\"app\"]}}",
                 "/usr/local/bin/docker-entrypoint.sh", "/bin/dash");
    /* the config's PATH decides, and a file without x bits is skipped */
    resolve_case("{\"config\":{\"Env\":[\"PATH=/usr/bin:/opt/bin\"],\"Cmd\":[\"tool\"]}}", "/opt/bin/tool", NULL);
    resolve_case("{\"config\":{\"Cmd\":[\"missing\"]}}", NULL, NULL);
    resolve_case("{\"config\":{}}", NULL, NULL);
    resolve_case("{}", NULL, NULL);
}

static void test_entrypoint_follows_symlinks_and_env_shebang(void **state)
{
    (void)state;
    resolve_case("{\"config\":{\"Cmd\":[\"/usr/local/bin/start\"]}}", "/usr/local/libexec/start-real",
                 "/usr/bin/python3.11");
}

static void test_entrypoint_sh_c_string(void **state)
{
    (void)state;
    resolve_case("{\"config\":{\"Entrypoint\":[\"/bin/sh\",\"-c\"],"
                 "\"Cmd\":[\"set -e; export X=1; exec /usr/local/bin/start --flag\"]}}",
                 "/usr/local/libexec/start-real", NULL);
    resolve_case("{\"config\":{\"Cmd\":[\"/bin/sh\",\"-c\",\"A=1 B='x y' docker-entrypoint.sh serve && true\"]}}",
                 "/usr/local/bin/docker-entrypoint.sh", NULL);
}

static void test_entrypoint_wrappers_and_interpreters(void **state)
{
    (void)state;
    resolve_case("{\"config\":{\"Entrypoint\":[\"/sbin/tini\",\"-g\",\"--\"],\"Cmd\":[\"docker-entrypoint.sh\"]}}",
                 "/usr/local/bin/docker-entrypoint.sh", NULL);
    resolve_case("{\"config\":{\"WorkingDir\":\"/app\",\"Cmd\":[\"python3\",\"-u\",\"main.py\"]}}",
                 "/app/main.py", NULL);
    resolve_case("{\"config\":{\"WorkingDir\":\"/app\",\"Cmd\":[\"sh\",\"-e\",\"run.sh\"]}}", "/app/run.sh",
                 "/bin/dash");
    resolve_case("{\"config\":{\"Cmd\":[\"python3\",\"-m\",\"http.server\"]}}", "/usr/bin/python3.11", NULL);
    resolve_case("{\"config\":{\"Cmd\":[\"env\",\"A=1\",\"gosu\",\"app\",\"docker-entrypoint.sh\"]}}",
                 "/usr/local/bin/docker-entrypoint.sh", NULL);
}

/* Who runs the file as a script: the shell or interpreter word, else nobody. */
static void runner_case(const char *config, const char *want_runner)
{
    struct ivet_err err = IVET_ERR_INIT;
    json_t *cfg = json_loads(config, 0, NULL);
    assert_non_null(cfg);
    struct ffs fs = { image_fs, IVET_ARRAY_LEN(image_fs), { 0 } };
    struct ivet_ep_fs ops = { ffs_resolve, ffs_script, &fs };
    struct ivet_entrypoint ep;
    assert_int_equal(ivet_entrypoint_resolve(cfg, &ops, &ep, &err), 0);
    if (want_runner)
        assert_string_equal(ep.runner ? ep.runner : "(null)", want_runner);
    else
        assert_null(ep.runner);
    ivet_entrypoint_release(&ep);
    json_decref(cfg);
}

static void test_entrypoint_runner(void **state)
{
    (void)state;
    runner_case("{\"config\":{\"WorkingDir\":\"/app\",\"Cmd\":[\"sh\",\"-e\",\"run.sh\"]}}", "sh");
    runner_case("{\"config\":{\"WorkingDir\":\"/app\",\"Cmd\":[\"/usr/bin/python3\",\"main.py\"]}}", "python3");
    runner_case("{\"config\":{\"Entrypoint\":[\"/sbin/tini\",\"--\"],\"Cmd\":[\"bash\",\"/app/run.sh\"]}}", "bash");
    runner_case("{\"config\":{\"Cmd\":[\"docker-entrypoint.sh\"]}}", NULL);      /* run directly */
    runner_case("{\"config\":{\"Cmd\":[\"busybox\",\"sh\",\"/app/run.sh\"]}}", "sh");
    runner_case("{\"config\":{\"Cmd\":[\"python3\",\"-m\",\"http.server\"]}}", NULL);  /* no file */
    runner_case("{\"config\":{\"Cmd\":[\"sh\",\"/nowhere.sh\"]}}", NULL);         /* not in the image */
}

static void test_entrypoint_named_scripts(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    json_t *cfg = json_loads("{\"config\":{\"Entrypoint\":[\"docker-entrypoint.sh\"]}}", 0, NULL);
    struct ffs fs = { image_fs, IVET_ARRAY_LEN(image_fs), { 0 } };
    struct ivet_ep_fs ops = { ffs_resolve, ffs_script, &fs };
    struct ivet_entrypoint ep;
    assert_int_equal(ivet_entrypoint_resolve(cfg, &ops, &ep, &err), 0);
    for (size_t i = 0; i < ep.nnamed; i++)
        print_message("named: %s\n", ep.named[i]);
    assert_int_equal(ep.nnamed, 2);
    assert_string_equal(ep.named[0], "/usr/local/lib/helper.sh");
    assert_string_equal(ep.named[1], "/etc/app/env.sh");
    ivet_entrypoint_release(&ep);
    json_decref(cfg);
}

static void test_shell_first_command_words(void **state)
{
    (void)state;
    char **w = ivet_shell_first_command("cd /app && exec \"my prog\" 'a b' c\\ d # tail");
    assert_non_null(w);
    assert_string_equal(w[0], "my prog");
    assert_string_equal(w[1], "a b");
    assert_string_equal(w[2], "c d");
    assert_null(w[3]);
    ivet_strv_free(w);
    w = ivet_shell_first_command("set -e; ;; : ");
    assert_non_null(w);
    assert_null(w[0]);
    ivet_strv_free(w);
    w = ivet_shell_first_command("\"unterminated");
    assert_non_null(w);
    assert_string_equal(w[0], "unterminated");
    ivet_strv_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_elf_dynamic_program_is_not_static),
        cmocka_unit_test(test_elf_static_exec_and_static_pie),
        cmocka_unit_test(test_elf_truncated_or_hostile_headers),
        cmocka_unit_test(test_elf_upx_packed),
        cmocka_unit_test(test_accounts_extra_uid0_user),
        cmocka_unit_test(test_accounts_empty_password_hash),
        cmocka_unit_test(test_entrypoint_path_lookup),
        cmocka_unit_test(test_entrypoint_follows_symlinks_and_env_shebang),
        cmocka_unit_test(test_entrypoint_sh_c_string),
        cmocka_unit_test(test_entrypoint_wrappers_and_interpreters),
        cmocka_unit_test(test_entrypoint_runner),
        cmocka_unit_test(test_entrypoint_named_scripts),
        cmocka_unit_test(test_shell_first_command_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
