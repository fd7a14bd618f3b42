/* test_rules.c: the rules engine: rule-file parsing and its errors,
 * streaming across chunk boundaries, line numbers, evidence, truncation,
 * path filters, validators (Monero, Luhn, entropy). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <string.h>
#include <unistd.h>

#include "analyze/rules.h"

struct hits {
    size_t n;
    char id[16][64];
    uint32_t line[16];
    uint64_t count[16];
    char ev[16][256];
    bool truncated[16];
};

static int collect(void *arg, const struct ivet_rule_hit *h, struct ivet_err *err)
{
    (void)err;
    struct hits *c = arg;
    if (c->n < 16) {
        snprintf(c->id[c->n], sizeof(c->id[0]), "%s", h->rule->check.id);
        c->line[c->n] = h->line;
        c->count[c->n] = h->count;
        snprintf(c->ev[c->n], sizeof(c->ev[0]), "%s", h->evidence ? h->evidence : "");
        c->truncated[c->n] = h->truncated;
    }
    c->n++;
    return 0;
}

static struct ivet_ruleset *compile_text(const char *text, struct ivet_err *err)
{
    struct ivet_ruleset *rs = ivet_rules_new(err);
    if (!rs)
        return NULL;
    if (ivet_rules_parse(rs, text, strlen(text), "test.rules", NULL, err) < 0 ||
        ivet_rules_compile(rs, err) < 0) {
        ivet_rules_free(rs);
        return NULL;
    }
    return rs;
}

static const char stratum_rule[] =
    "# a comment\n"
    "[T-STRATUM]\n"
    "severity = critical\n"
    "title = Stratum URL\n"
    "pattern = stratum2?\\+(tcp|ssl|tls)://[A-Za-z0-9.-]+\n"
    "flags = caseless\n"
    "remediation = remove it\n";

static void test_rules_parse_reads_every_key(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_ruleset *rs = compile_text(
        "[T-ONE]\ncategory = secrets\nseverity = high\ntitle = One\npattern = abc\nliteral = a.b\n"
        "flags = caseless, dotall\npaths = ^/etc/\nnot_paths = ^/etc/skip\nvalidate = entropy>=2.5\n"
        "keep = 3\nremediation = fix\nsource = here\n", &err);
    assert_non_null(rs);
    assert_int_equal(ivet_rules_count(rs), 1);
    const struct ivet_rule *r = ivet_rules_at(rs, 0);
    assert_string_equal(r->check.id, "T-ONE");
    assert_string_equal(r->check.category, "secrets");
    assert_int_equal(r->check.severity, IVET_SEV_HIGH);
    assert_int_equal(r->npatterns, 2);
    assert_string_equal(r->patterns[1], "a\\x2eb");
    assert_string_equal(r->paths, "^/etc/");
    assert_int_equal(r->keep, 3);
    assert_true(r->vparam > 2.4 && r->vparam < 2.6);
    assert_string_equal(ivet_rules_checks(rs)[0].id, "T-ONE");
    ivet_rules_free(rs);
    ivet_err_release(&err);
}

static void expect_parse_error(const char *text, const char *needle)
{
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_ruleset *rs = compile_text(text, &err);
    assert_null(rs);
    assert_int_equal(err.code, IVET_E_FORMAT);
    if (!strstr(err.msg, needle))
        fail_msg("error '%s' lacks '%s'", err.msg, needle);
    ivet_err_release(&err);
}

static void test_rules_parse_errors_name_file_and_line(void **state)
{
    (void)state;
    expect_parse_error("[A]\nseverity = high\ntitle = t\npattern = (\n", "rule 'A' pattern 1");
    expect_parse_error("[A]\nseverity = high\ntitle = t\nbogus = 1\n", "rules 'test.rules' line 4: unknown key 'bogus'");
    expect_parse_error("[A]\nseverity = dire\ntitle = t\npattern = x\n", "unknown severity 'dire'");
    expect_parse_error("severity = high\n", "key outside a rule");
    expect_parse_error("[a b]\n", "bad rule id");
    expect_parse_error("[A]\ntitle = t\npattern = x\n", "line 1: rule 'A' has no severity");
    expect_parse_error("[A]\nseverity = low\npattern = x\n", "has no title");
    expect_parse_error("[A]\nseverity = low\ntitle = t\n", "neither pattern nor paths");
    expect_parse_error("[A]\nseverity = low\ntitle = t\npattern = x\n[A]\n", "duplicate rule id 'A'");
    expect_parse_error("[A]\nseverity = low\ntitle = t\npattern = x\nvalidate = crc\n", "unknown validator");
    expect_parse_error("[A]\nseverity = low\ntitle = t\npattern = x\nkeep = 9\n", "keep must be");
    expect_parse_error("[A]\nseverity = low\ntitle = t\npattern = x\nflags = weird\n", "unknown flag");
    expect_parse_error("[A]\nseverity = low\ntitle = t\nlist = pools.txt\n", "list 'pools.txt' not allowed");
    expect_parse_error("[A]\nseverity = low\ntitle = t\npattern = x\ncategory = misc\n", "unknown category");
    expect_parse_error("[A\n", "unterminated rule header");
    expect_parse_error("[A]\nseverity = low\ntitle = t\npattern = x\npaths = ((\n", "rule 'A' paths");
    expect_parse_error("[A]\nseverity = low\ntitle = t\npattern = x\nbinary = maybe\n", "binary must be 'yes' or 'no'");
    expect_parse_error("[A]\nseverity = low\ntitle = t\npattern = x\nbinary = no\nbinary = yes\n",
                       "line 6: duplicate key 'binary'");
}

static void test_rules_list_becomes_literals(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    char dir[] = "/tmp/ivet-rules-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof(path), "%s/pools.txt", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("# pools\n pool.example.org \n\nmine.example.net\n", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/a.rules", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("[T-POOL]\nseverity = high\ntitle = pool\nlist = pools.txt\nflags = caseless\n", f);
    fclose(f);
    struct ivet_ruleset *rs = NULL;
    assert_int_equal(ivet_rules_load(dir, NULL, &rs, &err), 0);
    assert_int_equal(ivet_rules_at(rs, 0)->npatterns, 2);
    struct hits h = { 0 };
    const char *txt = "connect MINE.example.NET now; poolXexampleXorg is no match";
    assert_int_equal(ivet_rules_scan_buffer(rs, "/x", txt, strlen(txt), 0, collect, &h, &err), 0);
    assert_int_equal(h.n, 1);
    assert_int_equal(h.count[0], 1);
    ivet_rules_free(rs);
    unlink(path);
    snprintf(path, sizeof(path), "%s/pools.txt", dir);
    unlink(path);
    rmdir(dir);
    assert_int_equal(ivet_rules_load(dir, NULL, &rs, &err), -IVET_E_IO);
    ivet_err_release(&err);
}

/* The match is found whatever the chunk sizes, and the evidence is the same. */
static void test_rules_match_split_across_every_chunk_boundary(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_ruleset *rs = compile_text(stratum_rule, &err);
    assert_non_null(rs);
    const char text[] = "#!/bin/sh\n./run -o stratum+tcp://pool.example.org:3333 -u x\n";
    size_t len = sizeof(text) - 1;
    struct ivet_rules_stream *st = ivet_rules_stream_new(rs, &err);
    assert_non_null(st);
    for (size_t cut = 1; cut < len; cut++) {
        for (size_t chunk = 1; chunk <= 3; chunk++) {
            struct hits h = { 0 };
            assert_int_equal(ivet_rules_stream_begin(st, "/s", 0, &err), 0);
            /* first piece ends at `cut`, the rest goes in pieces of `chunk` */
            assert_int_equal(ivet_rules_stream_data(st, text, cut, &err), 0);
            for (size_t o = cut; o < len; o += chunk)
                assert_int_equal(ivet_rules_stream_data(st, text + o, IVET_MIN(chunk, len - o), &err), 0);
            assert_int_equal(ivet_rules_stream_end(st, collect, &h, &err), 0);
            if (h.n != 1)
                fail_msg("cut %zu chunk %zu: %zu hits", cut, chunk, h.n);
            assert_int_equal(h.line[0], 2);
            assert_int_equal(h.count[0], 1);
            assert_string_equal(h.ev[0], "./run -o stratum+tcp://pool.example.org:3333 -u x");
        }
    }
    ivet_rules_stream_free(st);
    ivet_rules_free(rs);
    ivet_err_release(&err);
}

static void test_rules_line_numbers_and_counts(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_ruleset *rs = compile_text(stratum_rule, &err);
    assert_non_null(rs);
    const char *text = "a\nb\n\nc\nSTRATUM+SSL://one.example\nx\nstratum+tcp://two.example\n";
    struct hits h = { 0 };
    assert_int_equal(ivet_rules_scan_buffer(rs, NULL, text, strlen(text), 0, collect, &h, &err), 0);
    assert_int_equal(h.n, 1);
    assert_int_equal(h.line[0], 5);
    assert_int_equal(h.count[0], 2);
    ivet_rules_free(rs);
    ivet_err_release(&err);
}

/* Scans buf as the file "/f": exactly one hit, whose line is returned. */
static uint32_t only_hit_line(const struct ivet_ruleset *rs, const void *buf, size_t n)
{
    struct ivet_err err = IVET_ERR_INIT;
    struct hits h = { 0 };
    assert_int_equal(ivet_rules_scan_buffer(rs, "/f", buf, n, 0, collect, &h, &err), 0);
    assert_int_equal(h.n, 1);
    ivet_err_release(&err);
    return h.line[0];
}

/* Line numbers over long text with bytes next to '\n' in value (0x0b,
 * 0x8a, 0x09, 0xff) and lines of every length, the hit at any alignment. */
static void test_rules_line_numbers_count_every_newline(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_ruleset *rs = compile_text(stratum_rule, &err);
    assert_non_null(rs);
    static const uint8_t filler[] = { 'a', 0x0b, 0x8a, 0x09, 0xff, ' ' };
    size_t cap = 200000;
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    for (unsigned shift = 0; shift < 9; shift++) {
        size_t n = 0;
        uint32_t lines = 1, seed = 7 + shift;
        while (n < 100000 + shift) {
            seed = seed * 1103515245u + 12345u;
            size_t len = (seed >> 16) % 23;
            for (size_t k = 0; k < len; k++)
                buf[n++] = filler[(seed >> (k % 13)) % sizeof(filler)];
            buf[n++] = '\n';
            lines++;
        }
        memcpy(buf + n, "stratum+tcp://x.y\n", 18);
        n += 18;
        assert_int_equal(only_hit_line(rs, buf, n), lines);
    }
    free(buf);
    ivet_rules_free(rs);
    ivet_err_release(&err);
}

/* Nothing but newlines, more than two rounds of 255 x 16 bytes of the
 * vector count, at every start alignment: no lane may overflow. */
static void test_rules_line_numbers_all_newlines(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_ruleset *rs = compile_text(stratum_rule, &err);
    assert_non_null(rs);
    size_t nls = 3 * 255 * 16 + 7;
    char *buf = malloc(nls + 64);
    assert_non_null(buf);
    for (size_t lead = 0; lead < 17; lead++) {
        memset(buf, 'x', lead);
        memset(buf + lead, '\n', nls);
        memcpy(buf + lead + nls, "stratum+tcp://x.y\n", 18);
        assert_int_equal(only_hit_line(rs, buf, lead + nls + 18), nls + 1);
    }
    free(buf);
    ivet_rules_free(rs);
    ivet_err_release(&err);
}

static void test_rules_binary_file_has_no_line(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_ruleset *rs = compile_text("[T-BIN]\nseverity = high\ntitle = t\nbinary = yes\n"
                                           "pattern = stratum\\+tcp://\n", &err);
    assert_non_null(rs);
    char bin[200] = { 0x7f, 'E', 'L', 'F', 0, 0, '\n', '\n' };
    memcpy(bin + 50, "stratum+tcp://x.y", 17);
    struct hits h = { 0 };
    assert_int_equal(ivet_rules_scan_buffer(rs, "/bin/x", bin, sizeof(bin), 0, collect, &h, &err), 0);
    assert_int_equal(h.n, 1);
    assert_int_equal(h.line[0], 0);
    ivet_rules_free(rs);
    ivet_err_release(&err);
}

/* Rules without `binary = yes` skip files of a known binary format (a header
 * that checks out and a NUL up front), whatever chunks the bytes come in; a
 * NUL alone does not make a script binary, nor does a magic whose header a
 * shell line imitates. */
static void test_rules_text_rules_skip_binary_formats(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_ruleset *rs = compile_text(stratum_rule, &err);
    assert_non_null(rs);
    static const struct { const char *head; size_t n; size_t want; } cases[] = {
        { "\x7f" "ELF\x02\x01\x01\x03\0\0\0\0\0\0\0\0\n", 17, 0 },      /* ELF */
        { "\x7f" "ELF\x02\x01\x01\0\0 echo\n", 15, 1 },          /* ELF magic, no padding */
        { "\x1f\x8b\x08\x08\0\0\0\0\0\x03", 10, 0 },              /* gzip */
        { "\x1f\x8b\x09\0\0\0\0\0\0\x03", 10, 1 },                /* not deflate */
        { "PK\x03\x04\x14\0\n", 7, 0 },                          /* zip */
        { "\xcb\x0d\r\n\0\0\0\0\n", 9, 0 },                      /* CPython 3.12 bytecode */
        { "TZif2\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20, 0 },       /* time zone */
        { "TZif=1\n#\0\n", 10, 1 },                             /* TZif as a shell line */
        { "#!/bin/sh\n#\0\n", 14, 1 },                           /* a NUL alone */
        { "MZ=1\n#\0\n", 8, 1 },                                /* "MZ" without a PE header */
    };
    for (size_t i = 0; i < IVET_ARRAY_LEN(cases); i++) {
        for (size_t chunk = 1; chunk <= 400; chunk += 399) {
            char buf[400];
            memset(buf, ' ', sizeof(buf));
            memcpy(buf, cases[i].head, cases[i].n);
            memcpy(buf + 300, "stratum+tcp://x.y\n", 18);
            struct hits h = { 0 };
            struct ivet_rules_stream *st = ivet_rules_stream_new(rs, &err);
            assert_non_null(st);
            assert_int_equal(ivet_rules_stream_begin(st, "/f", 0, &err), 0);
            for (size_t o = 0; o < sizeof(buf); o += chunk)
                assert_int_equal(ivet_rules_stream_data(st, buf + o, IVET_MIN(chunk, sizeof(buf) - o), &err), 0);
            assert_int_equal(ivet_rules_stream_end(st, collect, &h, &err), 0);
            ivet_rules_stream_free(st);
            if (h.n != cases[i].want)
                fail_msg("case %zu, chunk %zu: %zu hits", i, chunk, h.n);
        }
    }
    /* a file shorter than the probe is decided at its end */
    struct hits h = { 0 };
    assert_int_equal(ivet_rules_scan_buffer(rs, "/f", "stratum+tcp://a.b", 17, 0, collect, &h, &err), 0);
    assert_int_equal(h.n, 1);
    ivet_rules_free(rs);
    ivet_err_release(&err);
}

/* A match in the first bytes of a file given in one large block keeps its
 * whole text and the context after it (the format probe must not cut the
 * block there). */
static void test_rules_early_match_keeps_its_evidence(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_ruleset *rs = compile_text(stratum_rule, &err);
    assert_non_null(rs);
    size_t n = 64 << 10;
    char *buf = malloc(n);
    assert_non_null(buf);
    for (size_t at = 200; at <= 300; at += 10) {
        memset(buf, 'x', n);
        buf[at - 1] = ' ';
        memcpy(buf + at, "stratum+tcp://pool.example.net:3333 tail", 40);
        struct hits h = { 0 };
        assert_int_equal(ivet_rules_scan_buffer(rs, "/f", buf, n, 0, collect, &h, &err), 0);
        assert_int_equal(h.n, 1);
        if (!strstr(h.ev[0], "stratum+tcp://pool.example.net") || !strstr(h.ev[0], "tail"))
            fail_msg("match at %zu: evidence '%s'", at, h.ev[0]);
    }
    free(buf);
    ivet_rules_free(rs);
    ivet_err_release(&err);
}

/* not_paths alone: every path but the excluded ones. */
static void test_rules_not_paths_alone(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_ruleset *rs = compile_text("[T-NP]\nseverity = high\ntitle = t\nnot_paths = \\.so$\n"
                                           "pattern = stratum\\+tcp://\n", &err);
    assert_non_null(rs);
    const char *text = "stratum+tcp://a.b\n";
    struct hits h = { 0 };
    assert_int_equal(ivet_rules_scan_buffer(rs, "/usr/lib/x.so", text, strlen(text), 0, collect, &h, &err), 0);
    assert_int_equal(h.n, 0);
    assert_int_equal(ivet_rules_scan_buffer(rs, "/etc/x", text, strlen(text), 0, collect, &h, &err), 0);
    assert_int_equal(h.n, 1);
    assert_int_equal(ivet_rules_scan_buffer(rs, NULL, text, strlen(text), 0, collect, &h, &err), 0);
    assert_int_equal(h.n, 2);
    ivet_rules_free(rs);
    ivet_err_release(&err);
}

static void test_rules_evidence_is_bounded(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_ruleset *rs = compile_text(stratum_rule, &err);
    assert_non_null(rs);
    size_t len = 20000;
    char *text = malloc(len);
    memset(text, 'a', len);
    memcpy(text + 5000, "stratum+tcp://", 14);      /* the host runs on for 15k bytes */
    struct hits h = { 0 };
    assert_int_equal(ivet_rules_scan_buffer(rs, NULL, text, len, 0, collect, &h, &err), 0);
    assert_int_equal(h.n, 1);
    assert_true(strlen(h.ev[0]) <= 40 + 120 + 3 + 48);
    assert_non_null(strstr(h.ev[0], "stratum+tcp://a"));
    free(text);
    ivet_rules_free(rs);
    ivet_err_release(&err);
}

static void test_rules_truncate_at_cap(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_ruleset *rs = compile_text(stratum_rule, &err);
    assert_non_null(rs);
    const char *a = "stratum+tcp://early.example\n..........", *b = "stratum+ssl://late.example\n";
    struct ivet_rules_stream *st = ivet_rules_stream_new(rs, &err);
    struct hits h = { 0 };
    assert_int_equal(ivet_rules_stream_begin(st, "/f", 30, &err), 0);
    assert_int_equal(ivet_rules_stream_data(st, a, strlen(a), &err), 0);
    assert_int_equal(ivet_rules_stream_data(st, b, strlen(b), &err), 0);
    assert_int_equal(ivet_rules_stream_end(st, collect, &h, &err), 0);
    assert_int_equal(h.n, 1);
    assert_int_equal(h.count[0], 1);          /* the late one is past the cap */
    assert_true(h.truncated[0]);
    assert_int_equal(ivet_rules_stream_bytes(st), 30);
    /* a file within the cap is not marked */
    memset(&h, 0, sizeof(h));
    assert_int_equal(ivet_rules_stream_begin(st, "/f", 1000, &err), 0);
    assert_int_equal(ivet_rules_stream_data(st, a, strlen(a), &err), 0);
    assert_int_equal(ivet_rules_stream_end(st, collect, &h, &err), 0);
    assert_false(h.truncated[0]);
    ivet_rules_stream_free(st);
    ivet_rules_free(rs);
    ivet_err_release(&err);
}

static void test_rules_paths_restrict_a_rule(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_ruleset *rs = compile_text(
        "[T-CRON]\nseverity = high\ntitle = cron\npattern = curl\npaths = ^/etc/cron\n"
        "not_paths = ^/etc/cron\\.d/ok$\n"
        "[T-PRELOAD]\nseverity = high\ntitle = preload\npaths = ^/etc/ld\\.so\\.preload$\n", &err);
    assert_non_null(rs);
    struct hits h = { 0 };
    assert_int_equal(ivet_rules_scan_buffer(rs, "/etc/crontab", "curl x", 6, 0, collect, &h, &err), 0);
    assert_int_equal(h.n, 1);
    memset(&h, 0, sizeof(h));
    assert_int_equal(ivet_rules_scan_buffer(rs, "/usr/bin/x", "curl x", 6, 0, collect, &h, &err), 0);
    assert_int_equal(h.n, 0);
    assert_int_equal(ivet_rules_scan_buffer(rs, "/etc/cron.d/ok", "curl x", 6, 0, collect, &h, &err), 0);
    assert_int_equal(h.n, 0);
    assert_int_equal(ivet_rules_scan_buffer(rs, NULL, "curl x", 6, 0, collect, &h, &err), 0);
    assert_int_equal(h.n, 0);
    /* path-only rule: any non-blank content */
    assert_int_equal(ivet_rules_scan_buffer(rs, "/etc/ld.so.preload", " \n", 2, 0, collect, &h, &err), 0);
    assert_int_equal(h.n, 0);
    assert_int_equal(ivet_rules_scan_buffer(rs, "/etc/ld.so.preload", "/lib/evil.so\n", 13, 0, collect,
                                            &h, &err), 0);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.id[0], "T-PRELOAD");
    assert_string_equal(h.ev[0], "/lib/evil.so");
    ivet_rules_free(rs);
    ivet_err_release(&err);
}

static void test_rules_secret_evidence_is_redacted(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_ruleset *rs = compile_text(
        "[T-KEY]\ncategory = secrets\nseverity = high\ntitle = key\npattern = AKIA[0-9A-Z]{16}\nkeep = 4\n",
        &err);
    assert_non_null(rs);
    const char *text = "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n";
    struct hits h = { 0 };
    assert_int_equal(ivet_rules_scan_buffer(rs, "/root/.aws/credentials", text, strlen(text), 0, collect, &h,
                                            &err), 0);
    assert_int_equal(h.n, 1);
    assert_null(strstr(h.ev[0], "IOSFODNN7EXAMPLE"));
    assert_non_null(strstr(h.ev[0], "aws_access_key_id = AKIA****"));
    ivet_rules_free(rs);
    ivet_err_release(&err);
}

static const char monero_rule[] =
    "[T-XMR]\nseverity = high\ntitle = wallet\n"
    "pattern = \\b[4-9AB][1-9A-HJ-NP-Za-km-z]{94}([1-9A-HJ-NP-Za-km-z]{11})?\\b\nvalidate = monero\n";

static void test_rules_monero_vectors(void **state)
{
    (void)state;
    char *path = tu_shared_path("miners/monero-address-vectors.tsv");
    if (!path)
        tu_skip_no_shared("miners/monero-address-vectors.tsv");
    size_t len;
    char *text = tu_read_file(path, &len);
    assert_non_null(text);
    unsigned rows = 0;
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (l[0] == '#')
            continue;
        char *tab = strchr(l, '\t');
        assert_non_null(tab);
        bool want = tab[1] == '1';
        bool got = ivet_monero_address_valid(l, (size_t)(tab - l));
        if (got != want)
            fail_msg("'%.*s': expected %s", (int)(tab - l), l, want ? "valid" : "invalid");
        rows++;
    }
    assert_true(rows >= 20);
    free(text);
    free(path);
}

static void test_rules_monero_validator_in_a_rule(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_ruleset *rs = compile_text(monero_rule, &err);
    assert_non_null(rs);
    const char *good = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A";
    char bad[200];
    snprintf(bad, sizeof(bad), "%.94sB", good);     /* last character changed: checksum breaks */
    char text[512];
    struct hits h = { 0 };
    snprintf(text, sizeof(text), "\"user\": \"%s\",\n", bad);
    assert_int_equal(ivet_rules_scan_buffer(rs, NULL, text, strlen(text), 0, collect, &h, &err), 0);
    assert_int_equal(h.n, 0);
    snprintf(text, sizeof(text), "\"user\": \"%s\",\n", good);
    for (size_t chunk = 1; chunk < 8; chunk++) {
        memset(&h, 0, sizeof(h));
        struct ivet_rules_stream *st = ivet_rules_stream_new(rs, &err);
        assert_int_equal(ivet_rules_stream_begin(st, "/c.json", 0, &err), 0);
        for (size_t o = 0; o < strlen(text); o += chunk)
            assert_int_equal(ivet_rules_stream_data(st, text + o, IVET_MIN(chunk, strlen(text) - o), &err), 0);
        assert_int_equal(ivet_rules_stream_end(st, collect, &h, &err), 0);
        assert_int_equal(h.n, 1);
        assert_non_null(strstr(h.ev[0], good));
        ivet_rules_stream_free(st);
    }
    ivet_rules_free(rs);
    ivet_err_release(&err);
}

static void test_rules_keccak256_known_answers(void **state)
{
    (void)state;
    uint8_t out[32];
    char hex[65];
    ivet_keccak256("", 0, out);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", out[i]);
    assert_string_equal(hex, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    /* 200 bytes: more than one 136-byte block */
    uint8_t a[200];
    memset(a, 'a', sizeof(a));
    ivet_keccak256(a, sizeof(a), out);
    uint8_t again[32];
    ivet_keccak256(a, sizeof(a), again);
    assert_memory_equal(out, again, 32);
    ivet_keccak256(a, 136, again);
    assert_memory_not_equal(out, again, 32);
}

static void test_rules_validators(void **state)
{
    (void)state;
    const struct ivet_rule_validator *luhn = ivet_rule_validator_find("luhn");
    const struct ivet_rule_validator *ent = ivet_rule_validator_find("entropy");
    assert_non_null(luhn);
    assert_non_null(ent);
    assert_null(ivet_rule_validator_find("nope"));
    assert_true(luhn->fn((const uint8_t *)"4111 1111 1111 1111", 19, 0));
    assert_false(luhn->fn((const uint8_t *)"4111 1111 1111 1112", 19, 0));
    assert_true(ent->fn((const uint8_t *)"aB3dE5gH9kLmN0pQ", 16, 3.5));
    assert_false(ent->fn((const uint8_t *)"aaaaaaaaaaaaaaaa", 16, 0.5));
}

/* ---- the shipped rules against the samples in tests/fixtures/content */

static struct ivet_ruleset *shipped;   /* loaded once: compiling is the slow part */

static int free_shipped(void **state)
{
    (void)state;
    ivet_rules_free(shipped);
    shipped = NULL;
    return 0;
}

static struct ivet_ruleset *shipped_rules(void)
{
    if (shipped)
        return shipped;
    struct ivet_err err = IVET_ERR_INIT;
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/data/rules", tu_source_dir());
    struct ivet_ruleset *rs = NULL;
    if (ivet_rules_load(dir, NULL, &rs, &err) < 0)
        fail_msg("loading '%s': %s", dir, ivet_err_msg(&err));
    ivet_err_release(&err);
    return shipped = rs;
}

/* Scans one sample (its "#path:" first line gives the path); true when
 * check `id` is among the hits. */
static bool sample_hits(const struct ivet_ruleset *rs, const char *file, const char *id)
{
    struct ivet_err err = IVET_ERR_INIT;
    size_t len;
    char *text = tu_read_file(file, &len);
    assert_non_null(text);
    char path[512] = "/usr/local/bin/sample";
    if (strncmp(text, "#path: ", 7) == 0)
        sscanf(text + 7, "%511s", path);
    struct hits h = { 0 };
    if (ivet_rules_scan_buffer(rs, path, text, len, 0, collect, &h, &err) < 0)
        fail_msg("%s: %s", file, ivet_err_msg(&err));
    free(text);
    ivet_err_release(&err);
    for (size_t i = 0; i < h.n && i < 16; i++)
        if (strcmp(h.id[i], id) == 0)
            return true;
    return false;
}

static void run_samples(const char *prefix)
{
    struct ivet_ruleset *rs = shipped_rules();
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/tests/fixtures/content", tu_source_dir());
    DIR *d = opendir(dir);
    assert_non_null(d);
    unsigned pos = 0, neg = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strncmp(de->d_name, prefix, strlen(prefix)) != 0)
            continue;
        char id[128], file[8192];
        const char *dot = strstr(de->d_name, ".pos.");
        bool want = dot != NULL;
        if (!dot && !(dot = strstr(de->d_name, ".neg.")))
            continue;
        snprintf(id, sizeof(id), "%.*s", (int)(dot - de->d_name), de->d_name);
        snprintf(file, sizeof(file), "%s/%s", dir, de->d_name);
        if (sample_hits(rs, file, id) != want)
            fail_msg("sample '%s': %s expected %s", de->d_name, id, want ? "to match" : "not to match");
        want ? pos++ : neg++;
    }
    closedir(d);
    assert_true(pos > 0 && neg > 0);
}

static void test_rules_miner_samples(void **state)
{
    (void)state;
    run_samples("CONT-MINER-");
}

static void test_rules_dropper_samples(void **state)
{
    (void)state;
    run_samples("CONT-DROP-");
}

static void test_rules_backdoor_samples(void **state)
{
    (void)state;
    run_samples("CONT-BACKDOOR-");
}

static void test_rules_persistence_samples(void **state)
{
    (void)state;
    run_samples("CONT-PERSIST-");
}

/* Every shipped contents rule has a positive and a negative sample and a
 * row in docs/checks.md with its severity. */
static void test_rules_every_contents_rule_has_samples_and_doc(void **state)
{
    (void)state;
    struct ivet_ruleset *rs = shipped_rules();
    char docpath[4096];
    snprintf(docpath, sizeof(docpath), "%s/docs/checks.md", tu_source_dir());
    char *doc = tu_read_file(docpath, NULL);
    assert_non_null(doc);
    for (size_t i = 0; i < ivet_rules_count(rs); i++) {
        const struct ivet_rule *r = ivet_rules_at(rs, i);
        if (strcmp(r->check.category, "contents") != 0)
            continue;
        char row[256];
        snprintf(row, sizeof(row), "| `%s` | %s |", r->check.id, ivet_severity_name(r->check.severity));
        if (!strstr(doc, row))
            fail_msg("docs/checks.md lacks the row start '%s'", row);
        for (int k = 0; k < 2; k++) {
            char file[4096];
            snprintf(file, sizeof(file), "%s/tests/fixtures/content/%s.%s.1", tu_source_dir(), r->check.id,
                     k ? "neg" : "pos");
            if (access(file, R_OK) != 0)
                fail_msg("rule %s has no sample '%s'", r->check.id, file);
        }
    }
    free(doc);
}

/* The 2,341 wallets Unit 42 saw in malware: all but the two damaged lines validate. */
static void test_rules_monero_unit42_wallets(void **state)
{
    (void)state;
    char *path = tu_shared_path("miners/unit42-xmr_wallets.txt");
    if (!path)
        tu_skip_no_shared("miners/unit42-xmr_wallets.txt");
    size_t len;
    char *text = tu_read_file(path, &len);
    assert_non_null(text);
    unsigned ok = 0, bad = 0;
    for (char *save = NULL, *l = strtok_r(text, "\r\n", &save); l; l = strtok_r(NULL, "\r\n", &save)) {
        if (l[0] == '#' || !l[0])
            continue;
        ivet_monero_address_valid(l, strlen(l)) ? ok++ : bad++;
    }
    free(text);
    free(path);
    assert_true(ok >= 2300);
    assert_true(bad <= 41);
}

/* The shipped rule's candidate pattern lets through every mainnet wallet of
 * that list: its first two characters follow from the network tag, so a
 * narrower class must not lose any real address. */
static void test_rules_shipped_wallet_rule_finds_unit42_wallets(void **state)
{
    (void)state;
    char *path = tu_shared_path("miners/unit42-xmr_wallets.txt");
    if (!path)
        tu_skip_no_shared("miners/unit42-xmr_wallets.txt");
    size_t len;
    char *text = tu_read_file(path, &len);
    assert_non_null(text);
    struct ivet_ruleset *rs = shipped_rules();
    struct ivet_err err = IVET_ERR_INIT;
    unsigned mainnet = 0;
    for (char *save = NULL, *l = strtok_r(text, "\r\n", &save); l; l = strtok_r(NULL, "\r\n", &save)) {
        if ((l[0] != '4' && l[0] != '8') || !ivet_monero_address_valid(l, strlen(l)))
            continue;
        char doc[256];
        snprintf(doc, sizeof(doc), "{ \"user\": \"%s\", \"pass\": \"x\" }\n", l);
        struct hits h = { 0 };
        assert_int_equal(ivet_rules_scan_buffer(rs, "/etc/miner.json", doc, strlen(doc), 0, collect, &h, &err), 0);
        bool found = false;
        for (unsigned i = 0; i < h.n && i < 16; i++)
            found = found || !strcmp(h.id[i], "CONT-MINER-WALLET");
        if (!found)
            fail_msg("CONT-MINER-WALLET misses %s", l);
        mainnet++;
    }
    free(text);
    free(path);
    assert_true(mainnet >= 2300);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_parse_reads_every_key),
        cmocka_unit_test(test_rules_parse_errors_name_file_and_line),
        cmocka_unit_test(test_rules_list_becomes_literals),
        cmocka_unit_test(test_rules_match_split_across_every_chunk_boundary),
        cmocka_unit_test(test_rules_line_numbers_and_counts),
        cmocka_unit_test(test_rules_line_numbers_count_every_newline),
        cmocka_unit_test(test_rules_line_numbers_all_newlines),
        cmocka_unit_test(test_rules_binary_file_has_no_line),
        cmocka_unit_test(test_rules_text_rules_skip_binary_formats),
        cmocka_unit_test(test_rules_not_paths_alone),
        cmocka_unit_test(test_rules_early_match_keeps_its_evidence),
        cmocka_unit_test(test_rules_evidence_is_bounded),
        cmocka_unit_test(test_rules_truncate_at_cap),
        cmocka_unit_test(test_rules_paths_restrict_a_rule),
        cmocka_unit_test(test_rules_secret_evidence_is_redacted),
        cmocka_unit_test(test_rules_monero_vectors),
        cmocka_unit_test(test_rules_monero_validator_in_a_rule),
        cmocka_unit_test(test_rules_keccak256_known_answers),
        cmocka_unit_test(test_rules_validators),
        cmocka_unit_test(test_rules_miner_samples),
        cmocka_unit_test(test_rules_dropper_samples),
        cmocka_unit_test(test_rules_backdoor_samples),
        cmocka_unit_test(test_rules_persistence_samples),
        cmocka_unit_test(test_rules_every_contents_rule_has_samples_and_doc),
        cmocka_unit_test(test_rules_monero_unit42_wallets),
        cmocka_unit_test(test_rules_shipped_wallet_rule_finds_unit42_wallets),
    };
    return cmocka_run_group_tests(tests, NULL, free_shipped);
}
