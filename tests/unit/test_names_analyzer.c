/* test_names_analyzer.c: the names analyzer inside a scan: which reference
 * it judges (registry reference, RepoTags, OCI ref.name) and what it adds to
 * the report (findings, image.publisher, notes). */
#include "testutil.h"

#include <string.h>

#include "analyze/analyzer.h"
#include "imagevet/scan.h"
#include "report/report.h"

extern const struct ivet_analyzer ivet_analyzer_names;

struct outcome {
    struct ivet_report report;
    int rc;
};

static void run(const char *transport, const char *reference, const char **tags, size_t ntags,
                const char **trust, struct outcome *o)
{
    struct ivet_scan_opts opts;
    struct ivet_image img;
    struct ivet_err err = IVET_ERR_INIT;
    char data[4096];
    void *global = NULL;
    ivet_scan_opts_init(&opts);
    snprintf(data, sizeof(data), "%s/data", tu_source_dir());
    opts.data_dir = data;
    opts.offline = true;
    opts.trusted_namespaces = trust;
    memset(&img, 0, sizeof(img));
    img.transport = (char *)transport;
    img.reference = (char *)reference;
    img.repo_tags = (char **)tags;
    img.nrepo_tags = ntags;
    memset(o, 0, sizeof(*o));
    assert_int_equal(ivet_analyzer_names.setup(&opts, &global, &err), 0);
    struct ivet_ictx ix = { .opts = &opts, .image = &img, .report = &o->report, .global = global };
    o->rc = ivet_analyzer_names.on_image(&ix, &err);
    ivet_analyzer_names.teardown(global);
    ivet_err_release(&err);
}

static void release(struct outcome *o)
{
    ivet_findings_release(&o->report.findings);
    for (size_t i = 0; i < o->report.nnotes; i++)
        ivet_free(o->report.notes[i]);
    ivet_free(o->report.notes);
    json_decref(o->report.image_extra);
}

static bool has(const struct outcome *o, const char *id)
{
    for (size_t i = 0; i < o->report.findings.n; i++)
        if (!strcmp(o->report.findings.v[i].id, id))
            return true;
    return false;
}

static const char *trust(const struct outcome *o)
{
    return json_string_value(json_object_get(json_object_get(o->report.image_extra, "publisher"), "trust"));
}

static void test_registry_reference_is_judged(void **state)
{
    (void)state;
    struct outcome o;
    run("docker", "docker://goog1e/cadvisor:latest", NULL, 0, NULL, &o);
    assert_int_equal(o.rc, 0);
    assert_true(has(&o, "NAME-HOMOGLYPH"));
    assert_string_equal(trust(&o), "unknown");
    release(&o);
}

static void test_docker_archive_uses_its_repo_tags(void **state)
{
    (void)state;
    const char *tags[] = { "nginx:1.27" };
    struct outcome o;
    run("docker-archive", "docker-archive:/tmp/x.tar", tags, 1, NULL, &o);
    assert_int_equal(o.rc, 0);
    assert_int_equal(o.report.findings.n, 0);
    assert_string_equal(trust(&o), "official");
    /* offline: popularity skipped with a note */
    assert_int_equal(o.report.nnotes, 1);
    release(&o);
}

static void test_oci_tag_only_annotation_is_not_a_name(void **state)
{
    (void)state;
    const char *tags[] = { "1.0" };
    struct outcome o;
    run("oci", "oci:/tmp/layout:1.0", tags, 1, NULL, &o);
    assert_int_equal(o.rc, 0);
    assert_int_equal(o.report.findings.n, 0);
    assert_null(o.report.image_extra);
    assert_int_equal(o.report.nnotes, 1);
    assert_non_null(strstr(o.report.notes[0], "no RepoTags"));
    release(&o);
}

static void test_invalid_repo_tag_is_a_note_not_a_failure(void **state)
{
    (void)state;
    const char *tags[] = { "Bad/Name:x" };
    struct outcome o;
    run("docker-archive", "x.tar", tags, 1, NULL, &o);
    assert_int_equal(o.rc, 0);
    assert_int_equal(o.report.nnotes, 1);
    assert_non_null(strstr(o.report.notes[0], "lowercase"));
    release(&o);
}

static void test_policy_trust_reaches_the_analyzer(void **state)
{
    (void)state;
    const char *tags[] = { "myorg/app:1" };
    const char *trusted[] = { "myorg", NULL };
    struct outcome o;
    run("docker-archive", "x.tar", tags, 1, trusted, &o);
    assert_int_equal(o.rc, 0);
    assert_string_equal(trust(&o), "trusted-by-policy");
    assert_false(has(&o, "PUB-UNKNOWN"));
    release(&o);
}

static void test_every_check_id_has_a_catalog_entry(void **state)
{
    (void)state;
    static const char *const ids[] = {
        "PUB-KNOWN-BAD", "PUB-UNKNOWN", "NAME-HOMOGLYPH", "NAME-TYPO", "NAME-OFFICIAL-FOREIGN-NS",
        "NAME-BORROWED-TRUST", "NAME-REGISTRY-LOOKALIKE", "POP-IMITATOR-LOW-PULLS", "POP-NEW-REPO",
        "POP-STALE", "POP-RUN-PRIVILEGED", "POP-RUN-HOST-ROOT", "POP-RUN-DOCKER-SOCK",
        "POP-RUN-HOST-NET", "POP-RUN-HOST-PID", "POP-RUN-CAP-ADD",
    };
    for (size_t i = 0; i < IVET_ARRAY_LEN(ids); i++)
        assert_non_null(ivet_check_find(ids[i]));
    assert_int_equal(ivet_analyzer_names.nchecks, IVET_ARRAY_LEN(ids));
}

static void test_every_check_id_is_documented(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof(path), "%s/docs/checks.md", tu_source_dir());
    char *doc = tu_read_file(path, NULL);
    assert_non_null(doc);
    for (size_t i = 0; i < ivet_analyzer_names.nchecks; i++)
        if (!strstr(doc, ivet_analyzer_names.checks[i].id))
            fail_msg("%s is not in docs/checks.md", ivet_analyzer_names.checks[i].id);
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry_reference_is_judged),
        cmocka_unit_test(test_docker_archive_uses_its_repo_tags),
        cmocka_unit_test(test_oci_tag_only_annotation_is_not_a_name),
        cmocka_unit_test(test_invalid_repo_tag_is_a_note_not_a_failure),
        cmocka_unit_test(test_policy_trust_reaches_the_analyzer),
        cmocka_unit_test(test_every_check_id_has_a_catalog_entry),
        cmocka_unit_test(test_every_check_id_is_documented),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
