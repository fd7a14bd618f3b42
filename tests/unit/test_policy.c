/* test_policy.c: the YAML policy parser (every key, every error with its
 * line), the verdict it decides, and a whole scan whose verdict a policy
 * turns from fail to pass. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imagevet/scan.h"
#include "policy/policy.h"
#include "report/report.h"

static struct ivet_policy *parse(const char *text, struct ivet_err *err)
{
    return ivet_policy_parse(text, strlen(text), "p.yaml", err);
}

/* Parsing must fail with `code` and a message containing every string in want[]. */
static void parse_fails(const char *text, int code, const char *const *want)
{
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_policy *p = parse(text, &err);
    if (p)
        fail_msg("parsed, expected an error for:\n%s", text);
    if ((int)err.code != code)
        fail_msg("code %d, expected %d: %s", (int)err.code, code, ivet_err_msg(&err));
    for (const char *const *w = want; *w; w++)
        if (!strstr(ivet_err_msg(&err), *w))
            fail_msg("message '%s' lacks '%s'", ivet_err_msg(&err), *w);
    ivet_err_release(&err);
}
#define FAILS(text, code, ...) parse_fails(text, code, (const char *const[]){ __VA_ARGS__, NULL })

/* ---- parser */

static void test_example_policy_sets_every_key(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof(path), "%s/docs/examples/policy.yaml", tu_source_dir());
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_policy *p = ivet_policy_load(path, &err);
    if (!p)
        fail_msg("%s", ivet_err_msg(&err));
    assert_int_equal(p->ntrusted, 4);
    assert_string_equal(p->trusted[0], "mycompany");
    assert_string_equal(p->trusted[2], "registry.example.com");
    assert_string_equal(p->trusted[3], "ghcr.io/mycompany");
    assert_null(p->trusted[4]);
    assert_int_equal(p->fail_on, IVET_FAIL_ON_FAIL);
    assert_int_equal(p->nsev, 2);
    assert_string_equal(p->sev[0].id, "CONF-NO-HEALTHCHECK");
    assert_int_equal(p->sev[0].severity, IVET_SEV_INFO);
    assert_int_equal(p->sev[1].severity, IVET_SEV_HIGH);
    assert_int_equal(p->nrules, 3);
    assert_string_equal(p->rules[0].id, "CONF-SETUID-UNUSUAL");
    assert_string_equal(p->rules[0].path, "/usr/local/bin/helper");
    assert_string_equal(p->rules[0].expires, "");
    assert_string_equal(p->rules[1].package, "openssl");
    assert_string_equal(p->rules[1].expires, "2026-12-31");
    assert_non_null(strstr(p->rules[1].reason, "not reachable"));
    assert_string_equal(p->rules[1].origin, path);
    assert_int_equal(p->vuln_fail, IVET_SEV_HIGH);
    assert_int_equal(p->vuln_warn, IVET_SEV_HIGH);
    assert_int_equal(p->find_fail, IVET_SEV_HIGH);
    assert_int_equal(p->find_warn, IVET_SEV_MEDIUM);
    assert_int_equal(p->max_db_age_days, 7);
    ivet_policy_free(p);
}

static void test_empty_policy_is_the_default(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    const char *texts[] = { "", "# only a comment\n", "---\n", "{}\n" };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct ivet_policy *p = parse(texts[i], &err);
        if (!p)
            fail_msg("'%s': %s", texts[i], ivet_err_msg(&err));
        assert_int_equal(p->fail_on, -1);
        assert_int_equal(p->find_fail, IVET_SEV_HIGH);
        assert_int_equal(p->find_warn, IVET_SEV_MEDIUM);
        assert_int_equal(p->vuln_fail, IVET_POLICY_NEVER);
        assert_int_equal(p->vuln_warn, IVET_SEV_HIGH);
        assert_int_equal(p->ntrusted + p->nsev + p->nrules + p->max_db_age_days, 0);
        ivet_policy_free(p);
    }
}

static void test_other_values_parse(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_policy *p = parse("fail_on: warn\n"
                                  "verdict:\n"
                                  "  vulnerabilities: {fail: critical, warn: none}\n"
                                  "  findings: {fail: none, warn: low}\n"
                                  "vulnerabilities:\n"
                                  "  fail_on_severity: critical\n"
                                  "ignore:\n"
                                  "  - {id: 'CVE-2024-*', reason: \"x\", expires: 2024-02-29}\n",
                                  &err);
    if (!p)
        fail_msg("%s", ivet_err_msg(&err));
    assert_int_equal(p->fail_on, IVET_FAIL_ON_WARN);
    assert_int_equal(p->vuln_fail, IVET_SEV_CRITICAL);
    assert_int_equal(p->vuln_warn, IVET_POLICY_NEVER);
    assert_int_equal(p->find_fail, IVET_POLICY_NEVER);
    assert_int_equal(p->find_warn, IVET_SEV_LOW);
    assert_string_equal(p->rules[0].expires, "2024-02-29");   /* a leap day */
    assert_int_equal(p->rules[0].line, 8);
    ivet_policy_free(p);
}

static void test_unknown_keys_are_errors_with_their_line(void **state)
{
    (void)state;
    FAILS("fail_on: fail\ntrsted:\n  namespaces: [a]\n", IVET_E_FORMAT, "'p.yaml' line 2 column 1",
          "unknown key 'trsted'");
    FAILS("trusted:\n  namespace: [a]\n", IVET_E_FORMAT, "line 2 column 3", "'namespace'",
          "'trusted'");
    FAILS("ignore:\n  - id: X\n    reason: y\n    expire: 2030-01-01\n", IVET_E_FORMAT, "line 4",
          "unknown key 'expire' in 'ignore'");
    FAILS("vulnerabilities:\n  fail_on: high\n", IVET_E_FORMAT, "line 2", "'fail_on'");
    FAILS("verdict:\n  finding: {fail: high}\n", IVET_E_FORMAT, "line 2", "'finding'");
    FAILS("verdict:\n  findings: {fail: high, worn: low}\n", IVET_E_FORMAT, "line 2 column 26",
          "'worn'");
}

static void test_bad_dates_are_errors(void **state)
{
    (void)state;
    const char *bad[] = { "2026-02-30", "2025-02-29", "2026-13-01", "2026-00-10", "26-01-01",
                          "2026-1-1", "tomorrow", "2026-01-01T00:00" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[200];
        snprintf(text, sizeof(text), "ignore:\n- id: X\n  reason: r\n  expires: %s\n", bad[i]);
        FAILS(text, IVET_E_FORMAT, "line 4", "is not a date YYYY-MM-DD", bad[i]);
    }
    assert_true(ivet_policy_date_valid("2000-02-29"));
    assert_false(ivet_policy_date_valid("1900-02-29"));
    assert_true(ivet_policy_date_valid("2026-12-31"));
}

static void test_bad_severities_are_errors(void **state)
{
    (void)state;
    FAILS("severity:\n  PUB-UNKNOWN: severe\n", IVET_E_FORMAT, "line 2 column 16",
          "'severe' is not a severity");
    FAILS("severity:\n  PUB-UNKNOWN: none\n", IVET_E_FORMAT, "'none' is not a severity");
    FAILS("verdict:\n  findings:\n    fail: urgent\n", IVET_E_FORMAT, "line 3", "'urgent'");
    FAILS("vulnerabilities:\n  fail_on_severity: [high]\n", IVET_E_FORMAT, "line 2",
          "must be a value, not a list");
    FAILS("fail_on: maybe\n", IVET_E_FORMAT, "line 1", "'fail_on' is fail or warn");
    FAILS("verdict:\n  findings: {fail: medium, warn: high}\n", IVET_E_FORMAT,
          "warn must not be above fail");
    FAILS("vulnerabilities: {fail_on_severity: high}\nverdict:\n  vulnerabilities: {fail: low}\n",
          IVET_E_FORMAT, "disagrees", "(line 1)");
    FAILS("vulnerabilities: {max_db_age_days: -3}\n", IVET_E_FORMAT, "'-3' is not a number");
    FAILS("vulnerabilities: {max_db_age_days: 0}\n", IVET_E_FORMAT, "max_db_age_days");
}

static void test_structure_errors(void **state)
{
    (void)state;
    FAILS("- a\n- b\n", IVET_E_FORMAT, "line 1", "a policy is a mapping");
    FAILS("trusted: myorg\n", IVET_E_FORMAT, "line 1 column 10", "'trusted' must be a mapping");
    FAILS("trusted:\n  namespaces: myorg\n", IVET_E_FORMAT, "'namespaces' must be a list");
    FAILS("trusted:\n  namespaces: [my.org]\n", IVET_E_FORMAT, "looks like a host");
    FAILS("trusted:\n  registries: [ghcr.io/x]\n", IVET_E_FORMAT, "has a '/'");
    FAILS("trusted:\n  prefixes: [ghcr.io]\n", IVET_E_FORMAT, "not registry/namespace");
    FAILS("trusted:\n  namespaces: ['my org']\n", IVET_E_FORMAT, "has a space");
    FAILS("trusted:\n  namespaces: ['']\n", IVET_E_FORMAT, "is empty");
    FAILS("ignore:\n  - reason: r\n", IVET_E_FORMAT, "line 2", "without 'id'");
    FAILS("ignore:\n  - id: CVE-1\n", IVET_E_FORMAT, "line 2", "without 'reason'");
    FAILS("ignore:\n  - id: CVE-1\n    reason: ''\n", IVET_E_FORMAT, "'reason' must have");
    FAILS("fail_on: warn\nfail_on: fail\n", IVET_E_FORMAT, "line 2", "duplicate key 'fail_on'",
          "first on line 1");
    FAILS("base: &b {fail: high}\nverdict:\n  findings: *b\n", IVET_E_FORMAT, "aliases");
    FAILS("trusted:\n  namespaces: [a\n", IVET_E_FORMAT, "'p.yaml' line 3");
    FAILS("version: 2\n", IVET_E_FORMAT, "unsupported policy version");
    FAILS("fail_on: warn\n---\nfail_on: fail\n", IVET_E_FORMAT, "line 2", "more than one");
}

static void test_caps_are_limits(void **state)
{
    (void)state;
    /* depth */
    char deep[400] = "";
    for (int i = 0; i < 20; i++)
        strcat(deep, "[");
    FAILS(deep, IVET_E_LIMIT, "line 1 column", "nested deeper than");
    /* size */
    size_t big = IVET_POLICY_MAX_BYTES + 1;
    char *text = malloc(big + 1);
    assert_non_null(text);
    memset(text, '#', big);
    text[big] = '\0';
    struct ivet_err err = IVET_ERR_INIT;
    assert_null(ivet_policy_parse(text, big, "big.yaml", &err));
    assert_int_equal(err.code, IVET_E_LIMIT);
    assert_non_null(strstr(ivet_err_msg(&err), "'big.yaml'"));
    ivet_err_release(&err);
    /* nodes */
    size_t n = 0;
    n += (size_t)snprintf(text, big, "trusted:\n  namespaces: [");
    for (int i = 0; i < IVET_POLICY_MAX_NODES + 10; i++)
        n += (size_t)snprintf(text + n, big - n, "a,");
    snprintf(text + n, big - n, "a]\n");
    FAILS(text, IVET_E_LIMIT, "more than", "nodes");
    free(text);
}

static void test_load_names_the_file(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    assert_null(ivet_policy_load("/nonexistent/policy.yaml", &err));
    assert_int_equal(err.code, IVET_E_NOTFOUND);
    assert_non_null(strstr(ivet_err_msg(&err), "policy"));
    ivet_err_release(&err);
    char path[] = "/tmp/ivet-policy-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "\nseverity:\n  X: bad\n", 20), 20);
    close(fd);
    assert_null(ivet_policy_load(path, &err));
    char want[100];
    snprintf(want, sizeof(want), "'%s' line 3 column 6", path);
    if (!strstr(ivet_err_msg(&err), want))
        fail_msg("'%s' lacks '%s'", ivet_err_msg(&err), want);
    ivet_err_release(&err);
    unlink(path);
}

/* ---- verdicts */

static struct ivet_report *report_with(const char *id, enum ivet_severity sev, const char *path)
{
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_report *r = ivet_report_new(&err);
    assert_non_null(r);
    if (id)
        assert_non_null(ivet_findings_add(&r->findings, id, "config", sev, "title", "fix", path, 0,
                                          -1, NULL, &err));
    return r;
}

static void add_vuln(struct ivet_report *r, const char *id, const char *aliases, const char *pkg,
                     enum ivet_severity sev)
{
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_vuln v = { .id = (char *)id, .aliases = (char *)aliases, .package = (char *)pkg,
                           .installed = "1.0", .pkg_type = "apk", .source = "test",
                           .severity = sev, .layer = -1 };
    assert_non_null(ivet_report_add_vuln(r, &v, &err));
}

static enum ivet_verdict decide(struct ivet_policy *p, const char *today, struct ivet_report *r)
{
    struct ivet_err err = IVET_ERR_INIT;
    if (ivet_policy_decide(p, today, r, &err) < 0)
        fail_msg("%s", ivet_err_msg(&err));
    return r->verdict;
}

static bool has_note(const struct ivet_report *r, const char *part)
{
    for (size_t i = 0; i < r->nnotes; i++)
        if (strstr(r->notes[i], part))
            return true;
    return false;
}

static void test_default_policy_table(void **state)
{
    (void)state;
    static const enum ivet_verdict finding_v[5] = { IVET_VERDICT_PASS, IVET_VERDICT_PASS,
                                                    IVET_VERDICT_WARN, IVET_VERDICT_FAIL,
                                                    IVET_VERDICT_FAIL };
    static const enum ivet_verdict vuln_v[5] = { IVET_VERDICT_PASS, IVET_VERDICT_PASS,
                                                 IVET_VERDICT_PASS, IVET_VERDICT_WARN,
                                                 IVET_VERDICT_WARN };
    struct ivet_err err = IVET_ERR_INIT;
    for (int s = IVET_SEV_INFO; s <= IVET_SEV_CRITICAL; s++) {
        struct ivet_policy *p = ivet_policy_new(&err);
        struct ivet_report *r = report_with("CONF-USER-ROOT", (enum ivet_severity)s, NULL);
        assert_int_equal(decide(p, "2026-01-01", r), finding_v[s]);
        assert_int_equal(r->summary[s], 1);
        ivet_report_free(r);
        r = report_with(NULL, 0, NULL);
        add_vuln(r, "CVE-1", NULL, "zlib", (enum ivet_severity)s);
        assert_int_equal(decide(p, "2026-01-01", r), vuln_v[s]);
        ivet_report_free(r);
        /* the same through ivet_policy_apply, which a scan without a policy file uses */
        struct ivet_scan_opts o;
        ivet_scan_opts_init(&o);
        r = report_with("CONF-USER-ROOT", (enum ivet_severity)s, NULL);
        assert_int_equal(ivet_policy_apply(&o, r, &err), 0);
        assert_int_equal(r->verdict, finding_v[s]);
        ivet_report_free(r);
        ivet_policy_free(p);
    }
    struct ivet_report *r = report_with(NULL, 0, NULL);
    struct ivet_policy *p = ivet_policy_new(&err);
    assert_int_equal(decide(p, "2026-01-01", r), IVET_VERDICT_PASS);
    json_t *ig = json_object_get(r->extra, "ignored");
    assert_true(json_is_array(ig));
    assert_int_equal(json_array_size(ig), 0);
    ivet_report_free(r);
    ivet_policy_free(p);
}

static void test_severity_overrides_change_the_verdict(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_policy *p = parse("severity:\n  PUB-UNKNOWN: high\n  CONF-USER-ROOT: info\n"
                                  "  NO-SUCH-CHECK: low\n", &err);
    assert_non_null(p);
    struct ivet_report *r = report_with("PUB-UNKNOWN", IVET_SEV_MEDIUM, NULL);
    assert_int_equal(decide(p, "2026-01-01", r), IVET_VERDICT_FAIL);
    assert_int_equal(r->findings.v[0].severity, IVET_SEV_HIGH);
    assert_int_equal(r->summary[IVET_SEV_HIGH], 1);
    assert_true(has_note(r, "'NO-SUCH-CHECK', which is not a check"));
    assert_true(has_note(r, "line 4"));
    assert_false(has_note(r, "'PUB-UNKNOWN', which"));
    ivet_report_free(r);
    r = report_with("CONF-USER-ROOT", IVET_SEV_MEDIUM, NULL);
    assert_int_equal(decide(p, "2026-01-01", r), IVET_VERDICT_PASS);
    ivet_report_free(r);
    ivet_policy_free(p);
}

static void test_ignore_moves_findings_to_ignored(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_policy *p = parse("ignore:\n"
                                  "  - id: CONF-PRIVATE-*\n"
                                  "    path: /root/*\n"
                                  "    reason: test key\n", &err);
    assert_non_null(p);
    struct ivet_report *r = report_with("CONF-PRIVATE-KEY-FILE", IVET_SEV_HIGH, "/root/.ssh/id_rsa");
    assert_non_null(ivet_findings_add(&r->findings, "CONF-PRIVATE-KEY-FILE", "secrets",
                                      IVET_SEV_HIGH, "t", "f", "/etc/key", 0, 0, NULL, &err));
    /* the rule's path does not match /etc/key: still fails */
    assert_int_equal(decide(p, "2026-01-01", r), IVET_VERDICT_FAIL);
    assert_int_equal(r->findings.n, 1);
    assert_string_equal(r->findings.v[0].path, "/etc/key");
    json_t *ig = json_object_get(r->extra, "ignored");
    assert_int_equal(json_array_size(ig), 1);
    json_t *e = json_array_get(ig, 0);
    assert_string_equal(json_string_value(json_object_get(e, "kind")), "finding");
    assert_string_equal(json_string_value(json_object_get(e, "id")), "CONF-PRIVATE-KEY-FILE");
    assert_string_equal(json_string_value(json_object_get(e, "path")), "/root/.ssh/id_rsa");
    assert_string_equal(json_string_value(json_object_get(e, "reason")), "test key");
    assert_true(json_is_null(json_object_get(e, "expires")));
    assert_string_equal(json_string_value(json_object_get(e, "rule")), "p.yaml:2");
    assert_true(has_note(r, "1 findings and 0 vulnerabilities ignored"));
    assert_int_equal(r->summary[IVET_SEV_HIGH], 1);
    /* the JSON report carries it */
    json_t *doc = ivet_report_to_json(r, &err);
    assert_non_null(doc);
    assert_int_equal(json_array_size(json_object_get(doc, "ignored")), 1);
    json_decref(doc);
    ivet_report_free(r);
    ivet_policy_free(p);
}

static void test_expired_rules_stop_applying(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_policy *p = parse("ignore:\n"
                                  "  - id: PUB-UNKNOWN\n"
                                  "    reason: vendor under review\n"
                                  "    expires: 2026-03-31\n", &err);
    assert_non_null(p);
    const char *days[] = { "2026-01-15", "2026-03-31", "2026-04-01" };
    for (int i = 0; i < 3; i++) {
        struct ivet_report *r = report_with("PUB-UNKNOWN", IVET_SEV_MEDIUM, NULL);
        enum ivet_verdict v = decide(p, days[i], r);
        json_t *ig = json_object_get(r->extra, "ignored");
        if (i < 2) {            /* through the expiry day itself */
            assert_int_equal(v, IVET_VERDICT_PASS);
            assert_int_equal(json_array_size(ig), 1);
            assert_string_equal(json_string_value(json_object_get(json_array_get(ig, 0),
                                                                  "expires")), "2026-03-31");
            assert_false(has_note(r, "expired"));
        } else {
            assert_int_equal(v, IVET_VERDICT_WARN);
            assert_int_equal(json_array_size(ig), 0);
            assert_int_equal(r->findings.n, 1);
            assert_true(has_note(r, "'PUB-UNKNOWN' (p.yaml line 2) expired on 2026-03-31"));
            assert_true(has_note(r, "(1 matching"));
            assert_true(has_note(r, "1 findings and 0 vulnerabilities reported again"));
        }
        ivet_report_free(r);
    }
    ivet_policy_free(p);
}

static void test_vulnerability_ignores_and_thresholds(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_policy *p = parse("vulnerabilities: {fail_on_severity: high}\n"
                                  "ignore:\n"
                                  "  - {id: GHSA-*, package: lodash, reason: dev only}\n"
                                  "  - {id: CVE-2024-9, path: /lib/apk/db/*, reason: backported}\n",
                                  &err);
    assert_non_null(p);
    struct ivet_report *r = report_with(NULL, 0, NULL);
    struct ivet_package pkg = { .type = "apk", .name = "musl", .version = "1.0", .purl = "pkg:apk/musl",
                                .path = "/lib/apk/db/installed", .layer = 0 };
    assert_non_null(ivet_report_add_package(r, &pkg, &err));
    add_vuln(r, "CVE-2024-1", "GHSA-aaaa", "lodash", IVET_SEV_CRITICAL);    /* by alias + package */
    add_vuln(r, "CVE-2024-2", "GHSA-bbbb", "express", IVET_SEV_MEDIUM);     /* other package */
    add_vuln(r, "CVE-2024-9", NULL, "musl", IVET_SEV_HIGH);                 /* by package file */
    assert_int_equal(decide(p, "2026-01-01", r), IVET_VERDICT_PASS);
    assert_int_equal(r->nvulns, 1);
    assert_string_equal(r->vulns[0].id, "CVE-2024-2");
    json_t *ig = json_object_get(r->extra, "ignored");
    assert_int_equal(json_array_size(ig), 2);
    json_t *e = json_array_get(ig, 1);
    assert_string_equal(json_string_value(json_object_get(e, "kind")), "vulnerability");
    assert_string_equal(json_string_value(json_object_get(e, "path")), "/lib/apk/db/installed");
    assert_string_equal(json_string_value(json_object_get(e, "package")), "musl");
    assert_true(has_note(r, "0 findings and 2 vulnerabilities ignored"));
    /* a high vulnerability not ignored fails with fail_on_severity: high */
    add_vuln(r, "CVE-2024-3", NULL, "zlib", IVET_SEV_HIGH);
    assert_int_equal(decide(p, "2026-01-01", r), IVET_VERDICT_FAIL);
    ivet_report_free(r);
    ivet_policy_free(p);
}

static void test_fail_on_warn_makes_warnings_fail(void **state)
{
    (void)state;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_policy *p = parse("fail_on: warn\n", &err);
    assert_non_null(p);
    struct ivet_report *r = report_with("CONF-USER-ROOT", IVET_SEV_MEDIUM, NULL);
    assert_int_equal(decide(p, "2026-01-01", r), IVET_VERDICT_WARN);
    assert_int_equal(ivet_report_policy_fail_on(r), IVET_FAIL_ON_WARN);
    assert_int_equal(ivet_report_exit_status(r, ivet_report_policy_fail_on(r)), 1);
    ivet_report_free(r);
    ivet_policy_free(p);
    p = ivet_policy_new(&err);
    r = report_with("CONF-USER-ROOT", IVET_SEV_MEDIUM, NULL);
    decide(p, "2026-01-01", r);
    assert_int_equal(ivet_report_policy_fail_on(r), IVET_FAIL_ON_FAIL);
    assert_int_equal(ivet_report_exit_status(r, ivet_report_policy_fail_on(r)), 0);
    ivet_report_free(r);
    ivet_policy_free(p);
}

static char *write_tmp(const char *text)
{
    char *path = strdup("/tmp/ivet-policy-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_prepare_merges_options(void **state)
{
    (void)state;
    char *pol = write_tmp("trusted: {namespaces: [acme]}\n"
                          "vulnerabilities: {fail_on_severity: medium, max_db_age_days: 3}\n");
    char *ign = write_tmp("CVE-2023-5678 exp:2026-12-31 pkg:openssl\n");
    const char *trust[] = { "ghcr.io/me", "acme", NULL };
    struct ivet_scan_opts o, eff;
    ivet_scan_opts_init(&o);
    o.policy_file = pol;
    o.ignore_file = ign;
    o.trusted_namespaces = trust;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_policy *p = ivet_policy_prepare(&o, &eff, &err);
    if (!p)
        fail_msg("%s", ivet_err_msg(&err));
    assert_string_equal(eff.trusted_namespaces[0], "acme");
    assert_string_equal(eff.trusted_namespaces[1], "ghcr.io/me");
    assert_null(eff.trusted_namespaces[2]);                 /* no duplicate acme */
    assert_string_equal(eff.severity_fail, "medium");
    assert_int_equal(eff.vulndb_max_age_days, 3);
    assert_null(eff.ignore_file);                           /* the policy applies it */
    assert_int_equal(p->nrules, 1);
    assert_string_equal(p->rules[0].package, "openssl");
    assert_string_equal(p->rules[0].expires, "2026-12-31");
    assert_null(p->rules[0].reason);
    ivet_policy_free(p);
    /* the command line wins */
    o.severity_fail = "critical";
    o.vulndb_max_age_days = 30;
    p = ivet_policy_prepare(&o, &eff, &err);
    assert_non_null(p);
    assert_string_equal(eff.severity_fail, "critical");
    assert_int_equal(p->vuln_fail, IVET_SEV_CRITICAL);
    assert_int_equal(eff.vulndb_max_age_days, 30);
    ivet_policy_free(p);
    o.severity_fail = "severe";
    assert_null(ivet_policy_prepare(&o, &eff, &err));
    assert_int_equal(err.code, IVET_E_USAGE);
    ivet_err_release(&err);
    unlink(pol);
    unlink(ign);
    free(pol);
    free(ign);
}

/* ---- a whole scan */

static char *layout_with_name(const char *name)
{
    struct tu_tar *l0 = tu_tar_new();
    tu_tar_add(l0, 'f', "app/run", 0755, "#!/bin/sh\necho hi\n", 18, NULL);
    tu_tar_add(l0, 'f', "root/.ssh/id_rsa", 0600, "k", 1, NULL);
    struct tu_layer ls[1] = { { 0 } };
    ls[0].blob = tu_tar_bytes(l0, &ls[0].len);
    char *dir = tu_oci_layout("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"User\":"
                              "\"10001\",\"Healthcheck\":{\"Test\":[\"CMD\",\"/app/run\"]}}}", ls, 1);
    tu_tar_free(l0);
    /* give the image a reference, so the publisher checks run */
    char path[4200];
    snprintf(path, sizeof(path), "%s/index.json", dir);
    size_t len;
    char *idx = tu_read_file(path, &len);
    assert_non_null(idx);
    char *at = strstr(idx, "\"test\"");
    assert_non_null(at);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%.*s\"%s\"%s", (int)(at - idx), idx, name, at + 6);
    fclose(f);
    free(idx);
    return dir;
}

static struct ivet_report *scan(const char *dir, const char *policy, struct ivet_err *err)
{
    struct ivet_scan_opts o;
    ivet_scan_opts_init(&o);
    char img[4200];
    snprintf(img, sizeof(img), "oci:%s", dir);
    o.image = img;
    o.offline = true;
    o.no_content = true;
    o.threads = 1;
    o.policy_file = policy;
    o.vulndb = "/nonexistent/vulndb.sqlite";
    return ivet_scan(&o, err);
}

static void test_policy_flips_a_scan_from_fail_to_pass(void **state)
{
    (void)state;
    char *dir = layout_with_name("docker.io/acmecorp/webapp:1.0");
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_report *r = scan(dir, NULL, &err);
    if (!r)
        fail_msg("scan failed: %s", ivet_err_msg(&err));
    bool key = false, pub = false;
    for (size_t i = 0; i < r->findings.n; i++) {
        key |= !strcmp(r->findings.v[i].id, "CONF-PRIVATE-KEY-FILE");
        pub |= !strcmp(r->findings.v[i].id, "PUB-UNKNOWN");
    }
    assert_true(key);
    assert_true(pub);
    assert_int_equal(r->verdict, IVET_VERDICT_FAIL);
    ivet_report_free(r);

    char *pol = write_tmp("trusted:\n  namespaces: [acmecorp]\n"
                          "ignore:\n  - id: CONF-PRIVATE-KEY-FILE\n    path: /root/.ssh/*\n"
                          "    reason: throwaway test key\n");
    r = scan(dir, pol, &err);
    if (!r)
        fail_msg("scan failed: %s", ivet_err_msg(&err));
    for (size_t i = 0; i < r->findings.n; i++)
        print_message("remaining finding %s (%s)\n", r->findings.v[i].id,
                      ivet_severity_name(r->findings.v[i].severity));
    assert_int_equal(r->verdict, IVET_VERDICT_PASS);
    json_t *doc = ivet_report_to_json(r, &err);
    assert_non_null(doc);
    json_t *ig = json_object_get(doc, "ignored");
    assert_int_equal(json_array_size(ig), 1);
    json_t *e = json_array_get(ig, 0);
    assert_string_equal(json_string_value(json_object_get(e, "id")), "CONF-PRIVATE-KEY-FILE");
    assert_string_equal(json_string_value(json_object_get(e, "path")), "/root/.ssh/id_rsa");
    assert_string_equal(json_string_value(json_object_get(e, "reason")), "throwaway test key");
    json_t *pubj = json_object_get(json_object_get(doc, "image"), "publisher");
    assert_string_equal(json_string_value(json_object_get(pubj, "trust")), "trusted-by-policy");
    json_decref(doc);
    ivet_report_free(r);
    unlink(pol);
    free(pol);
    tu_rm_rf(dir);
    free(dir);
}

static void test_bad_policy_fails_before_the_image_is_read(void **state)
{
    (void)state;
    char *pol = write_tmp("trusted:\n  namespaces: [a]\nignroe: []\n");
    struct ivet_err err = IVET_ERR_INIT;
    /* the image does not exist: the policy error must come first */
    assert_null(scan("/nonexistent/image", pol, &err));
    assert_int_equal(err.code, IVET_E_FORMAT);
    assert_int_equal(ivet_err_exit_status(err.code), 2);
    assert_non_null(strstr(ivet_err_msg(&err), "line 3 column 1: unknown key 'ignroe'"));
    ivet_err_release(&err);
    unlink(pol);
    free(pol);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_policy_sets_every_key),
        cmocka_unit_test(test_empty_policy_is_the_default),
        cmocka_unit_test(test_other_values_parse),
        cmocka_unit_test(test_unknown_keys_are_errors_with_their_line),
        cmocka_unit_test(test_bad_dates_are_errors),
        cmocka_unit_test(test_bad_severities_are_errors),
        cmocka_unit_test(test_structure_errors),
        cmocka_unit_test(test_caps_are_limits),
        cmocka_unit_test(test_load_names_the_file),
        cmocka_unit_test(test_default_policy_table),
        cmocka_unit_test(test_severity_overrides_change_the_verdict),
        cmocka_unit_test(test_ignore_moves_findings_to_ignored),
        cmocka_unit_test(test_expired_rules_stop_applying),
        cmocka_unit_test(test_vulnerability_ignores_and_thresholds),
        cmocka_unit_test(test_fail_on_warn_makes_warnings_fail),
        cmocka_unit_test(test_prepare_merges_options),
        cmocka_unit_test(test_policy_flips_a_scan_from_fail_to_pass),
        cmocka_unit_test(test_bad_policy_fails_before_the_image_is_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
