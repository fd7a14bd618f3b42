/* test_secrets.c: the secret catalog (data/rules/secrets.rules) measured
 * through the rules engine's buffer API: every rule fires on its own fake
 * samples and stays quiet on placeholders, evidence never shows a secret,
 * the recall / false-positive figures on gitleaks' published rule vectors,
 * the lines Trivy's own tests expect, and a clean Alpine root filesystem. */
#include "testutil.h"

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/rules.h"

/* ---- the ruleset, compiled once for the whole file */

static struct ivet_ruleset *g_rs;

static int group_setup(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    char path[4096];
    snprintf(path, sizeof(path), "%s/data/rules/secrets.rules", tu_source_dir());
    size_t len = 0;
    char *text = tu_read_file(path, &len);
    if (!text) {
        print_error("cannot read '%s'\n", path);
        return -1;
    }
    g_rs = ivet_rules_new(&err);
    if (!g_rs || ivet_rules_parse(g_rs, text, len, "secrets.rules", NULL, &err) < 0 ||
        ivet_rules_compile(g_rs, &err) < 0) {
        print_error("secrets.rules: %s\n", err.msg ? err.msg : "?");
        free(text);
        ivet_err_release(&err);
        return -1;
    }
    free(text);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    ivet_rules_free(g_rs);
    g_rs = NULL;
    return 0;
}

/* ---- scanning helpers */

struct hit {
    char id[72];
    uint32_t line;
    uint64_t offset;
    enum ivet_severity sev;
    char evidence[256];
};

struct hits {
    struct hit *v;
    size_t n, cap;
};

static int collect(void *arg, const struct ivet_rule_hit *h, struct ivet_err *err)
{
    (void)err;
    struct hits *hs = arg;
    if (hs->n == hs->cap) {
        hs->cap = hs->cap ? hs->cap * 2 : 16;
        hs->v = realloc(hs->v, hs->cap * sizeof(*hs->v));
        assert_non_null(hs->v);
    }
    struct hit *x = &hs->v[hs->n++];
    snprintf(x->id, sizeof(x->id), "%s", h->rule->check.id);
    x->line = h->line;
    x->offset = h->offset;
    x->sev = h->rule->check.severity;
    snprintf(x->evidence, sizeof(x->evidence), "%s", h->evidence ? h->evidence : "");
    return 0;
}

static void scan(const char *path, const void *buf, size_t len, struct hits *out)
{
    struct ivet_err err = IVET_ERR_INIT;
    out->n = 0;
    if (ivet_rules_scan_buffer(g_rs, path, buf, len, 0, collect, out, &err) < 0)
        fail_msg("scan of '%s' failed: %s", path, err.msg);
    ivet_err_release(&err);
}

static bool has_hit(const struct hits *hs, const char *id)
{
    for (size_t i = 0; i < hs->n; i++)
        if (strcmp(hs->v[i].id, id) == 0)
            return true;
    return false;
}

/* Characters a token (the secret) is made of, for the redaction check. */
static bool tokch(unsigned char c)
{
    return c > ' ' && c < 0x7f && !strchr("\"'`,;()<>[]{}:=@|\\", c);
}

/* The run of token characters that ends at (or one delimiter before) a hit's
 * end offset: the secret the rule caught. Copied into out (at most cap-1). */
static size_t token_at(const char *buf, size_t len, uint64_t end, char *out, size_t cap)
{
    size_t e = (size_t)IVET_MIN(end, (uint64_t)len);
    while (e > 0 && !tokch((unsigned char)buf[e - 1]) && buf[e - 1] != '=')
        e--;
    size_t b = e;
    while (b > 0 && buf[b - 1] == '=')
        b--;
    while (b > 0 && tokch((unsigned char)buf[b - 1]))
        b--;
    size_t n = IVET_MIN(e - b, cap - 1);
    memcpy(out, buf + e - n, n);
    out[n] = 0;
    return n;
}

/* No 8-byte piece of the secret may reach the evidence. Returns false and
 * prints the case when one does. */
static bool evidence_is_redacted(const char *what, const char *buf, size_t len, const struct hit *h)
{
    char tok[512];
    size_t n = token_at(buf, len, h->offset, tok, sizeof(tok));
    for (size_t i = 0; n >= 8 && i + 8 <= n; i++) {
        char piece[9];
        memcpy(piece, tok + i, 8);
        piece[8] = 0;
        if (strstr(h->evidence, piece)) {
            print_message("LEAK %s: %s evidence [%s] shows '%s' of '%s'\n", what, h->id, h->evidence,
                          piece, tok);
            return false;
        }
    }
    return true;
}

/* "\n" "\t" "\r" "\\" unescaped in place; returns the new length. */
static size_t unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '\\' && r[1]) {
            r++;
            *w++ = *r == 'n' ? '\n' : *r == 't' ? '\t' : *r == 'r' ? '\r' : *r;
        } else {
            *w++ = *r;
        }
    }
    *w = 0;
    return (size_t)(w - s);
}

/* Splits a line on tabs into at most max fields (in place). */
static int split_tabs(char *line, char **f, int max)
{
    int n = 0;
    f[n++] = line;
    for (char *p = line; *p && n < max; p++)
        if (*p == '\t') {
            *p = 0;
            f[n++] = p + 1;
        }
    return n;
}

static char *fixture_path(const char *name)
{
    return ivet_asprintf("%s/tests/fixtures/secrets/%s", tu_source_dir(), name);
}

/* ---- the catalog itself */

static void test_secrets_rules_are_complete_catalog_entries(void **state)
{
    (void)state;
    assert_true(ivet_rules_count(g_rs) >= 150);
    for (size_t i = 0; i < ivet_rules_count(g_rs); i++) {
        const struct ivet_rule *r = ivet_rules_at(g_rs, i);
        if (strncmp(r->check.id, "SECRET-", 7) != 0 || strcmp(r->check.category, "secrets") != 0 ||
            !r->check.remediation || !*r->check.remediation || !r->check.title || r->keep < 0) {
            fail_msg("rule '%s': needs an ID starting SECRET-, category secrets, a title, "
                     "a remediation and keep", r->check.id);
        }
    }
}

static void test_secrets_every_rule_is_documented_in_checks_md(void **state)
{
    (void)state;
    char *path = ivet_asprintf("%s/docs/checks.md", tu_source_dir());
    char *doc = tu_read_file(path, NULL);
    ivet_free(path);
    assert_non_null(doc);
    int missing = 0;
    for (size_t i = 0; i < ivet_rules_count(g_rs); i++) {
        const char *id = ivet_rules_at(g_rs, i)->check.id;
        char needle[96];
        snprintf(needle, sizeof(needle), "`%s`", id);
        if (!strstr(doc, needle)) {
            print_message("not in docs/checks.md: %s\n", id);
            missing++;
        }
    }
    free(doc);
    assert_int_equal(missing, 0);
}

/* ---- per-family fixtures: tests/fixtures/secrets/{cases,generated}.tsv */

struct case_stats {
    size_t rows, failures, leaks;
    char (*covered)[72];
    size_t ncovered;
};

static void run_case_file(const char *name, struct case_stats *st)
{
    char *path = fixture_path(name);
    char *text = tu_read_file(path, NULL);
    if (!text)
        fail_msg("cannot read '%s'", path);
    ivet_free(path);
    struct hits hs = { 0 };
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || !line[0])
            continue;
        char *f[4];
        if (split_tabs(line, f, 4) != 4)
            fail_msg("%s: bad line '%s'", name, line);
        size_t len = unescape(f[3]);
        scan(f[2], f[3], len, &hs);
        bool want = strcmp(f[0], "match") == 0;
        bool got = has_hit(&hs, f[1]);
        st->rows++;
        if (want != got) {
            st->failures++;
            print_message("%s: %s expected %s on %s [%s]; hits:", name, f[1], f[0], f[2], f[3]);
            for (size_t i = 0; i < hs.n; i++)
                print_message(" %s", hs.v[i].id);
            print_message("\n");
        }
        if (want && got) {
            st->covered = realloc(st->covered, (st->ncovered + 1) * sizeof(*st->covered));
            snprintf(st->covered[st->ncovered++], sizeof(st->covered[0]), "%s", f[1]);
        }
        for (size_t i = 0; i < hs.n; i++)
            if (!evidence_is_redacted(name, f[3], len, &hs.v[i]))
                st->leaks++;
    }
    free(hs.v);
    free(text);
}

static void test_secrets_family_cases_match_and_placeholders_do_not(void **state)
{
    (void)state;
    struct case_stats st = { 0 };
    run_case_file("cases.tsv", &st);
    print_message("cases.tsv: %zu cases, %zu wrong\n", st.rows, st.failures);
    free(st.covered);
    assert_true(st.rows >= 60);
    assert_int_equal(st.failures, 0);
    assert_int_equal(st.leaks, 0);
}

static void test_secrets_every_rule_fires_on_its_own_sample(void **state)
{
    (void)state;
    struct case_stats st = { 0 };
    run_case_file("generated.tsv", &st);
    run_case_file("cases.tsv", &st);
    size_t uncovered = 0;
    for (size_t i = 0; i < ivet_rules_count(g_rs); i++) {
        const char *id = ivet_rules_at(g_rs, i)->check.id;
        bool seen = strcmp(id, "SECRET-PKCS12-FILE") == 0;     /* binary: its own test */
        for (size_t k = 0; k < st.ncovered && !seen; k++)
            seen = strcmp(st.covered[k], id) == 0;
        if (!seen) {
            print_message("no positive sample fires %s\n", id);
            uncovered++;
        }
    }
    free(st.covered);
    assert_int_equal(st.failures, 0);
    assert_int_equal(st.leaks, 0);
    assert_int_equal(uncovered, 0);
}

static void test_secrets_pkcs12_key_store_found_by_content_and_name(void **state)
{
    (void)state;
    /* DER header of a PKCS#12 PFX: SEQUENCE (long form), INTEGER 3, SEQUENCE. */
    static const uint8_t pfx[] = { 0x30, 0x82, 0x0a, 0x1b, 0x02, 0x01, 0x03, 0x30, 0x82, 0x09, 0xe1,
                                   0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01 };
    struct hits hs = { 0 };
    scan("/etc/ssl/private/server.p12", pfx, sizeof(pfx), &hs);
    assert_true(has_hit(&hs, "SECRET-PKCS12-FILE"));
    scan("/etc/ssl/private/server.bin", pfx, sizeof(pfx), &hs);
    assert_false(has_hit(&hs, "SECRET-PKCS12-FILE"));
    static const uint8_t text[] = "not a key store";
    scan("/app/readme.pfx", text, sizeof(text) - 1, &hs);
    assert_false(has_hit(&hs, "SECRET-PKCS12-FILE"));
    free(hs.v);
}

static void test_secrets_token_split_across_chunks_is_found(void **state)
{
    (void)state;
    static const char data[] = "line one\nexport GITHUB_TOKEN=ghp_7bQ2xK9mPz4vN1cR8tY5wL3hJ6dF0gS2aE4u\n";
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_rules_stream *st = ivet_rules_stream_new(g_rs, &err);
    assert_non_null(st);
    assert_int_equal(ivet_rules_stream_begin(st, "/app/run.sh", 0, &err), 0);
    for (size_t i = 0; i + 1 < sizeof(data); i += 3)
        assert_int_equal(ivet_rules_stream_data(st, data + i, IVET_MIN((size_t)3, sizeof(data) - 1 - i), &err), 0);
    struct hits hs = { 0 };
    assert_int_equal(ivet_rules_stream_end(st, collect, &hs, &err), 0);
    assert_true(has_hit(&hs, "SECRET-GITHUB-PAT"));
    for (size_t i = 0; i < hs.n; i++) {
        assert_int_equal(hs.v[i].line, 2);
        assert_null(strstr(hs.v[i].evidence, "7bQ2xK9m"));
    }
    ivet_rules_stream_free(st);
    free(hs.v);
    ivet_err_release(&err);
}

/* The planted case of the e2e fixture image (AWS's documented example keys in
 * /app/.env and in the config's Env) is reported, and a string from the image
 * config (no path) meets only the rules that are not tied to a file name. */
static void test_secrets_documented_example_keys_in_env_file_and_config(void **state)
{
    (void)state;
    static const char env[] = "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n"
                              "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";
    struct hits hs = { 0 };
    scan("/app/.env", env, sizeof(env) - 1, &hs);
    assert_true(has_hit(&hs, "SECRET-AWS-ACCESS-KEY-ID"));
    assert_true(has_hit(&hs, "SECRET-AWS-SECRET-ACCESS-KEY"));
    assert_true(has_hit(&hs, "SECRET-DOTENV-SECRET"));
    for (size_t i = 0; i < hs.n; i++) {
        assert_null(strstr(hs.v[i].evidence, "IOSFODNN7"));
        assert_null(strstr(hs.v[i].evidence, "bPxRfiCY"));
    }

    static const char cfg[] = "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    struct ivet_err err = IVET_ERR_INIT;
    hs.n = 0;
    assert_int_equal(ivet_rules_scan_buffer(g_rs, NULL, cfg, sizeof(cfg) - 1, 0, collect, &hs, &err), 0);
    assert_true(has_hit(&hs, "SECRET-AWS-SECRET-ACCESS-KEY"));
    assert_false(has_hit(&hs, "SECRET-DOTENV-SECRET"));
    free(hs.v);
}

/* ---- upstream rule families -> our IDs (tests/fixtures/secrets/family-map.tsv) */

struct famap {
    char kind[16], up[96], id[72];
};
static struct famap *g_map;
static size_t g_nmap;

static void load_family_map(void)
{
    if (g_map)
        return;
    char *path = fixture_path("family-map.tsv");
    char *text = tu_read_file(path, NULL);
    if (!text)
        fail_msg("cannot read '%s'", path);
    ivet_free(path);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[3];
        if (line[0] == '#' || split_tabs(line, f, 3) != 3)
            continue;
        g_map = realloc(g_map, (g_nmap + 1) * sizeof(*g_map));
        snprintf(g_map[g_nmap].kind, sizeof(g_map[0].kind), "%s", f[0]);
        snprintf(g_map[g_nmap].up, sizeof(g_map[0].up), "%s", f[1]);
        snprintf(g_map[g_nmap].id, sizeof(g_map[0].id), "%s", f[2]);
        g_nmap++;
    }
    free(text);
}

/* Does any hit belong to the upstream rule `up` of `kind`? */
static bool family_hit(const char *kind, const char *up, const struct hits *hs)
{
    for (size_t k = 0; k < g_nmap; k++)
        if (strcmp(g_map[k].kind, kind) == 0 && strcmp(g_map[k].up, up) == 0 && has_hit(hs, g_map[k].id))
            return true;
    return false;
}

static bool family_mapped(const char *kind, const char *up)
{
    for (size_t k = 0; k < g_nmap; k++)
        if (strcmp(g_map[k].kind, kind) == 0 && strcmp(g_map[k].up, up) == 0)
            return true;
    return false;
}

static void test_secrets_family_map_covers_every_upstream_rule(void **state)
{
    (void)state;
    load_family_map();
    for (size_t k = 0; k < g_nmap; k++) {
        bool found = false;
        for (size_t i = 0; i < ivet_rules_count(g_rs) && !found; i++)
            found = strcmp(ivet_rules_at(g_rs, i)->check.id, g_map[k].id) == 0;
        if (!found)
            fail_msg("family-map.tsv names unknown check '%s'", g_map[k].id);
    }
    static const char *const files[][2] = { { "trivy", "secrets/trivy-builtin-rules.tsv" },
                                            { "gitleaks", "secrets/gitleaks-rules.tsv" } };
    size_t checked = 0, missing = 0;
    for (size_t f = 0; f < IVET_ARRAY_LEN(files); f++) {
        char *path = tu_shared_path(files[f][1]);
        char *text = path ? tu_read_file(path, NULL) : NULL;
        free(path);
        if (!text)
            tu_skip_no_shared(files[f][1]);
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            if (line[0] == '#')
                continue;
            char *tab = strchr(line, '\t');
            if (tab)
                *tab = 0;
            checked++;
            if (!family_mapped(files[f][0], line)) {
                print_message("%s rule '%s' has no imagevet rule\n", files[f][0], line);
                missing++;
            }
        }
        free(text);
    }
    print_message("upstream families: %zu checked, %zu without an imagevet rule\n", checked, missing);
    assert_true(checked > 300);
    assert_int_equal(missing, 0);
}

/* ---- gitleaks' rule vectors: recall on `match`, false positives on `no_match` */

static void test_secrets_gitleaks_vectors_recall_and_false_positives(void **state)
{
    (void)state;
    load_family_map();
    char *path = tu_shared_path("secrets/gitleaks-rule-vectors.jsonl");
    char *text = path ? tu_read_file(path, NULL) : NULL;
    free(path);
    if (!text)
        tu_skip_no_shared("secrets/gitleaks-rule-vectors.jsonl");
    size_t tp = 0, fn = 0, fp = 0, tn = 0, leaks = 0, unmapped = 0;
    struct hits hs = { 0 };
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_error_t jerr;
        json_t *o = json_loads(line, 0, &jerr);
        if (!o)
            fail_msg("gitleaks-rule-vectors.jsonl line %d: %s", jerr.line, jerr.text);
        const char *rule = json_string_value(json_object_get(o, "rule_id"));
        const char *expect = json_string_value(json_object_get(o, "expect"));
        json_t *js = json_object_get(o, "sample");
        assert_non_null(rule);
        assert_non_null(expect);
        assert_non_null(json_string_value(js));
        const char *sample = json_string_value(js);
        size_t len = json_string_length(js);
        if (!family_mapped("gitleaks", rule) && !family_mapped("trivy", rule))
            unmapped++;
        scan("/sample.txt", sample, len, &hs);
        bool hit = family_hit("gitleaks", rule, &hs) || family_hit("trivy", rule, &hs);
        if (strcmp(expect, "match") == 0) {
            if (hit) {
                tp++;
            } else {
                fn++;
                print_message("missed (%s): %.100s\n", rule, sample);
            }
            for (size_t i = 0; i < hs.n; i++)
                if (!evidence_is_redacted(rule, sample, len, &hs.v[i]))
                    leaks++;
        } else {
            if (hit) {
                fp++;
                print_message("false positive (%s): %.100s\n", rule, sample);
            } else {
                tn++;
            }
        }
        json_decref(o);
    }
    free(text);
    free(hs.v);
    double recall = 100.0 * (double)tp / (double)(tp + fn);
    double fprate = 100.0 * (double)fp / (double)(fp + tn);
    print_message("gitleaks vectors: recall %zu/%zu = %.1f%%, false positives %zu/%zu = %.1f%%\n", tp,
                  tp + fn, recall, fp, fp + tn, fprate);
    assert_int_equal(unmapped, 0);
    assert_true(tp + fn >= 80 && fp + tn >= 250);
    assert_true(recall >= 95.0);
    assert_true(fprate <= 3.0);
    assert_int_equal(leaks, 0);
}

/* ---- Trivy's expected file/line pairs on its own test inputs */

/* Every hit of every rule in buf: the engine reports one hit per (rule, file),
 * so the rest of the file after each hit's line is scanned again. */
static void scan_all_lines(const char *path, const char *buf, size_t len, struct hits *all)
{
    size_t *todo = calloc(len + 2, sizeof(*todo));
    bool *seen = calloc(len + 2, sizeof(*seen));
    assert_true(todo && seen);
    size_t ntodo = 0;
    todo[ntodo++] = 1;
    seen[1] = true;
    struct hits hs = { 0 };
    all->n = 0;
    while (ntodo) {
        uint32_t from = (uint32_t)todo[--ntodo];
        size_t off = 0;
        for (uint32_t l = 1; l < from && off < len; off++)
            if (buf[off] == '\n')
                l++;
        scan(path, buf + off, len - off, &hs);
        for (size_t i = 0; i < hs.n; i++) {
            struct hit h = hs.v[i];
            h.line += from - 1;
            if (all->n == all->cap) {
                all->cap = all->cap ? all->cap * 2 : 16;
                all->v = realloc(all->v, all->cap * sizeof(*all->v));
            }
            all->v[all->n++] = h;
            if (h.line + 1 <= len && !seen[h.line + 1]) {
                seen[h.line + 1] = true;
                todo[ntodo++] = h.line + 1;
            }
        }
    }
    free(hs.v);
    free(todo);
    free(seen);
}

static void test_secrets_trivy_expected_lines_are_found(void **state)
{
    (void)state;
    load_family_map();
    char *path = tu_shared_path("secrets/trivy-secret-expected.tsv");
    char *text = path ? tu_read_file(path, NULL) : NULL;
    free(path);
    if (!text)
        tu_skip_no_shared("secrets/trivy-secret-expected.tsv");
    size_t pairs = 0, found = 0, custom = 0, clean_ok = 0;
    struct hits all = { 0 };
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[6];
        if (line[0] == '#' || split_tabs(line, f, 6) < 4)
            continue;
        const char *input = f[2], *rule = f[3];
        /* rule1 / multi-line-secret come from custom YAML configs that test
         * Trivy's own configuration machinery, not the builtin catalog. */
        if (strcmp(rule, "rule1") == 0 || strncmp(rule, "multi-line", 10) == 0) {
            custom++;
            continue;
        }
        const char *base = strncmp(input, "testdata/", 9) == 0 ? input + 9 : input;
        char rel[512];
        snprintf(rel, sizeof(rel), "secrets/trivy-testdata/%s", base);
        char *fpath = tu_shared_path(rel);
        size_t len = 0;
        char *data = fpath ? tu_read_file(fpath, &len) : NULL;
        free(fpath);
        if (!data)
            fail_msg("cannot read %s", rel);
        char vpath[512];
        snprintf(vpath, sizeof(vpath), "/src/%s", base);
        scan_all_lines(vpath, data, len, &all);
        if (strcmp(rule, "-") == 0) {
            /* The inputs built to be clean must stay clean. The other "-"
             * rows (CRLF, invalid UTF-8, the example file) hold well-formed
             * keys that Trivy suppresses with its path allow-rules and
             * expectations kept outside the table; imagevet reports them. */
            if (strstr(base, "wrapped-secrets.txt") || strstr(base, "invalid-aws-secrets.txt")) {
                for (size_t i = 0; i < all.n; i++)
                    print_message("unexpected on clean %s: %s line %u\n", base, all.v[i].id, all.v[i].line);
                assert_int_equal(all.n, 0);
                clean_ok++;
            }
            free(data);
            continue;
        }
        long from = strtol(f[4], NULL, 10), to = strtol(f[5], NULL, 10);
        bool ok = false;
        for (size_t i = 0; i < all.n && !ok; i++) {
            struct hits one = { .v = &all.v[i], .n = 1, .cap = 1 };
            ok = family_hit("trivy", rule, &one) && all.v[i].line >= (uint32_t)from &&
                 all.v[i].line <= (uint32_t)to;
        }
        pairs++;
        if (ok) {
            found++;
        } else {
            print_message("trivy %s: %s lines %ld-%ld not found; hits:", base, rule, from, to);
            for (size_t i = 0; i < all.n; i++)
                print_message(" %s@%u", all.v[i].id, all.v[i].line);
            print_message("\n");
        }
        free(data);
    }
    free(text);
    free(all.v);
    print_message("trivy expected pairs: %zu/%zu found (%zu custom-config rows not applicable, %zu clean inputs clean)\n",
                  found, pairs, custom, clean_ok);
    assert_true(pairs >= 40);
    assert_int_equal(found, pairs);
    assert_int_equal(clean_ok, 2);
}

/* ---- a clean Alpine root filesystem gives no high or critical secret */

static void test_secrets_clean_alpine_rootfs_has_no_high_findings(void **state)
{
    (void)state;
    char *path = tu_shared_path("rootfs/alpine-minirootfs-3.20.3-x86_64.tar.gz");
    if (!path)
        tu_skip_no_shared("rootfs/alpine-minirootfs-3.20.3-x86_64.tar.gz");
    struct archive *a = archive_read_new();
    assert_non_null(a);
    archive_read_support_filter_gzip(a);
    archive_read_support_format_tar(a);
    if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK)
        fail_msg("cannot open '%s': %s", path, archive_error_string(a));
    size_t files = 0, findings = 0, high = 0;
    struct hits hs = { 0 };
    struct archive_entry *e;
    char *buf = NULL;
    size_t cap = 0;
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        if (archive_entry_filetype(e) != AE_IFREG)
            continue;
        size_t len = 0;
        for (;;) {
            if (len + 65536 > cap) {
                cap = (len + 65536) * 2;
                buf = realloc(buf, cap);
                assert_non_null(buf);
            }
            la_ssize_t r = archive_read_data(a, buf + len, 65536);
            assert_true(r >= 0);
            if (r == 0)
                break;
            len += (size_t)r;
        }
        char vpath[4096];
        const char *name = archive_entry_pathname(e);
        snprintf(vpath, sizeof(vpath), "/%s", strncmp(name, "./", 2) == 0 ? name + 2 : name);
        scan(vpath, buf, len, &hs);
        files++;
        for (size_t i = 0; i < hs.n; i++) {
            findings++;
            print_message("alpine %s: %s (%s) line %u [%s]\n", vpath, hs.v[i].id,
                          ivet_severity_name(hs.v[i].sev), hs.v[i].line, hs.v[i].evidence);
            if (hs.v[i].sev >= IVET_SEV_HIGH)
                high++;
        }
    }
    archive_read_free(a);
    free(buf);
    free(hs.v);
    free(path);
    print_message("alpine 3.20.3: %zu files, %zu secret findings, %zu high or critical\n", files, findings,
                  high);
    assert_true(files > 50);
    assert_int_equal(high, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secrets_rules_are_complete_catalog_entries),
        cmocka_unit_test(test_secrets_every_rule_is_documented_in_checks_md),
        cmocka_unit_test(test_secrets_family_cases_match_and_placeholders_do_not),
        cmocka_unit_test(test_secrets_every_rule_fires_on_its_own_sample),
        cmocka_unit_test(test_secrets_pkcs12_key_store_found_by_content_and_name),
        cmocka_unit_test(test_secrets_token_split_across_chunks_is_found),
        cmocka_unit_test(test_secrets_documented_example_keys_in_env_file_and_config),
        cmocka_unit_test(test_secrets_family_map_covers_every_upstream_rule),
        cmocka_unit_test(test_secrets_gitleaks_vectors_recall_and_false_positives),
        cmocka_unit_test(test_secrets_trivy_expected_lines_are_found),
        cmocka_unit_test(test_secrets_clean_alpine_rootfs_has_no_high_findings),
    };
    int rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
    free(g_map);
    return rc;
}
