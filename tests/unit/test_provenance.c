/* test_provenance.c: source labels, history against layers, and the build
 * attestations an OCI index attaches to the image (read by scan/attest.c,
 * judged by analyze/provenance.c), on layouts written here. */
#include "testutil.h"

#include "analyze/analyzer.h"
#include "imagevet/imagevet.h"
#include "report/report.h"

#include <jansson.h>
#include <string.h>

static void test_norm_source(void **state)
{
    (void)state;
    static const char *const same[][2] = {
        { "https://github.com/Org/Repo.git", "github.com/org/repo" },
        { "git@github.com:org/repo.git", "github.com/org/repo" },
        { "https://github.com/org/repo.git#refs/heads/main", "github.com/org/repo" },
        { "github.com/org/repo/", "github.com/org/repo" },
        { "ssh://git@example.com:2222/team/app", "example.com:2222/team/app" },
        { "https://user@example.com/a/b?x=1", "example.com/a/b" },
    };
    char out[256];
    for (size_t i = 0; i < IVET_ARRAY_LEN(same); i++) {
        ivet_prov_norm_source(same[i][0], out, sizeof(out));
        assert_string_equal(out, same[i][1]);
    }
    assert_false(ivet_prov_norm_source("https://example.com/abc", out, 8));
    assert_string_equal(out, "example");
    assert_true(ivet_prov_norm_source("https://example.com/abc", out, sizeof(out)));
    /* a scheme only counts at the start; user info only before the host's end */
    ivet_prov_norm_source("git@github.com:evil/app#x://github.com/good/app", out, sizeof(out));
    assert_string_equal(out, "github.com/evil/app");
    ivet_prov_norm_source("https://github.com/o/r@v1", out, sizeof(out));
    assert_string_equal(out, "github.com/o/r@v1");
    ivet_prov_norm_source("ssh://git@github.com:22/o/r.git", out, sizeof(out));
    assert_string_equal(out, "github.com/o/r");
    ivet_prov_norm_source("", out, sizeof(out));
    assert_string_equal(out, "");
    assert_true(ivet_prov_same_revision("0123456-dirty", "0123456-dirty"));
    assert_false(ivet_prov_same_revision("0123456-dirty", "0123456"));
    assert_true(ivet_prov_same_revision("release-2024", "RELEASE-2024"));
    assert_true(ivet_prov_same_revision("0123456789abcdef0123", "0123456"));
    assert_true(ivet_prov_same_revision("ABCDEF0", "abcdef0123"));
    assert_false(ivet_prov_same_revision("0123456", "0123457"));
    assert_false(ivet_prov_same_revision("abc", "abcdef0"));
    assert_true(ivet_prov_same_revision("v1", "V1"));
    assert_false(ivet_prov_same_revision("main-branch", "main-branch-x"));
}

static const char *cfg_labelled =
    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"User\":\"1000\",\"Labels\":{"
    "\"org.opencontainers.image.source\":\"https://github.com/example/app\","
    "\"org.opencontainers.image.revision\":\"0123456789abcdef0123456789abcdef01234567\"}},"
    "\"history\":[{\"created_by\":\"COPY . /app\"}]}";

/* What goes into the attestation manifest: each statement's bytes and its
 * predicate-type annotation (NULL: none). `absent` leaves the blob out. */
struct stmt {
    const char *body;           /* "%s" is replaced by the image manifest's hex digest */
    const char *ptype;
    bool absent;
    long long size;             /* the descriptor's size, 0: the body's */
};

/* make() variations: the manifest the attestation names (NULL: the image's),
 * and an attestation manifest that is not JSON. */
static const char *g_refers_to;
static bool g_bad_manifest;

struct fixture {
    char *dir;
    struct tu_tar *tar;
    char manifest[80];          /* sha256:... of the image manifest */
    char att_manifest[80];
    char first_stmt[80];
};

static void read_index(const char *dir, json_t **idx)
{
    char p[4200];
    snprintf(p, sizeof(p), "%s/index.json", dir);
    json_error_t je;
    *idx = json_load_file(p, 0, &je);
    assert_non_null(*idx);
}

/* An image (one layer, config `cfg`) whose index.json also lists an
 * attestation manifest holding `n` statements; missing_manifest leaves
 * that manifest's blob out. */
static void make(struct fixture *f, const char *cfg, const struct stmt *st, size_t n, bool missing_manifest)
{
    memset(f, 0, sizeof(*f));
    f->tar = tu_tar_new();
    tu_tar_add(f->tar, 'f', "app/run", 0755, "#!/bin/sh\necho hi\n", 18, NULL);
    struct tu_layer l = { 0 };
    l.blob = tu_tar_bytes(f->tar, &l.len);
    f->dir = tu_oci_layout(cfg, &l, 1);
    json_t *idx;
    read_index(f->dir, &idx);
    json_t *man = json_array_get(json_object_get(idx, "manifests"), 0);
    snprintf(f->manifest, sizeof(f->manifest), "%s", json_string_value(json_object_get(man, "digest")));
    json_object_set_new(man, "platform", json_pack("{s:s, s:s}", "architecture", "amd64", "os", "linux"));
    if (!n && !missing_manifest) {
        char *t = json_dumps(idx, JSON_COMPACT);
        tu_write_file(f->dir, "index.json", t, strlen(t));
        free(t);
        json_decref(idx);
        return;
    }
    json_t *layers = json_array();
    for (size_t i = 0; i < n; i++) {
        char body[8192];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        snprintf(body, sizeof(body), st[i].body, f->manifest + 7);
#pragma GCC diagnostic pop
        struct ivet_digest d;
        if (st[i].absent)
            ivet_sha256(body, strlen(body), &d);
        else
            tu_write_blob(f->dir, body, strlen(body), &d);
        if (i == 0)
            snprintf(f->first_stmt, sizeof(f->first_stmt), "%s", d.text);
        json_t *ld = json_pack("{s:s, s:s, s:I}", "mediaType", "application/vnd.in-toto+json", "digest", d.text,
                               "size", (json_int_t)(st[i].size ? st[i].size : (long long)strlen(body)));
        if (st[i].ptype)
            json_object_set_new(ld, "annotations", json_pack("{s:s}", "in-toto.io/predicate-type", st[i].ptype));
        json_array_append_new(layers, ld);
    }
    struct ivet_digest cd;
    tu_write_blob(f->dir, "{}", 2, &cd);
    json_t *am = json_pack("{s:i, s:s, s:{s:s, s:s, s:i}, s:o}", "schemaVersion", 2, "mediaType",
                           "application/vnd.oci.image.manifest.v1+json", "config", "mediaType",
                           "application/vnd.oci.image.config.v1+json", "digest", cd.text, "size", 2, "layers", layers);
    char *amt = g_bad_manifest ? strdup("{\"layers\": 3") : json_dumps(am, JSON_COMPACT);
    struct ivet_digest ad;
    if (missing_manifest)
        ivet_sha256(amt, strlen(amt), &ad);
    else
        tu_write_blob(f->dir, amt, strlen(amt), &ad);
    snprintf(f->att_manifest, sizeof(f->att_manifest), "%s", ad.text);
    json_t *e = json_pack("{s:s, s:s, s:I, s:{s:s, s:s}, s:{s:s, s:s}}", "mediaType",
                          "application/vnd.oci.image.manifest.v1+json", "digest", ad.text, "size",
                          (json_int_t)strlen(amt), "platform", "architecture", "unknown", "os", "unknown",
                          "annotations", "vnd.docker.reference.type", "attestation-manifest",
                          "vnd.docker.reference.digest", g_refers_to ? g_refers_to : f->manifest);
    json_array_append_new(json_object_get(idx, "manifests"), e);
    free(amt);
    json_decref(am);
    char *t = json_dumps(idx, JSON_COMPACT);
    tu_write_file(f->dir, "index.json", t, strlen(t));
    free(t);
    json_decref(idx);
}

static void release(struct fixture *f)
{
    tu_rm_rf(f->dir);
    free(f->dir);
    tu_tar_free(f->tar);
}

static struct ivet_report *scan(const struct fixture *f, struct ivet_err *err)
{
    struct ivet_scan_opts o;
    ivet_scan_opts_init(&o);
    char img[4200];
    snprintf(img, sizeof(img), "oci:%s:test", f->dir);
    o.image = img;
    o.threads = 1;
    o.offline = true;
    o.no_content = true;
    return ivet_scan(&o, err);
}

static const struct ivet_finding *find(const struct ivet_report *r, const char *id, size_t *count)
{
    const struct ivet_finding *hit = NULL;
    *count = 0;
    for (size_t i = 0; i < r->findings.n; i++)
        if (!strcmp(r->findings.v[i].id, id)) {
            hit = hit ? hit : &r->findings.v[i];
            ++*count;
        }
    return hit;
}

static void expect(const struct ivet_report *r, const char *id, size_t n, const char *needle)
{
    size_t c;
    const struct ivet_finding *f = find(r, id, &c);
    if (c != n)
        fail_msg("%s: %zu findings, expected %zu", id, c, n);
    if (needle && (!f || !f->evidence || !strstr(f->evidence, needle)))
        fail_msg("%s: evidence '%s' lacks '%s'", id, f && f->evidence ? f->evidence : "(none)", needle);
}

#define SLSA1 "https://slsa.dev/provenance/v1"
#define SLSA02 "https://slsa.dev/provenance/v0.2"

/* BuildKit's v1 layout: builder, configSource of a remote (git) context. */
static const char *v1_good =
    "{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"predicateType\":\"" SLSA1 "\","
    "\"subject\":[{\"name\":\"pkg:docker/example/app@1?platform=linux%%2Famd64\",\"digest\":{\"sha256\":\"%s\"}}],"
    "\"predicate\":{\"buildDefinition\":{\"buildType\":\"https://github.com/moby/buildkit/blob/master/docs/"
    "attestations/slsa-definitions.md\",\"externalParameters\":{\"configSource\":{\"uri\":"
    "\"https://github.com/Example/app.git#refs/tags/v1\",\"digest\":{\"sha1\":\"0123456789abcdef0123456789abcdef01234567\"},"
    "\"path\":\"Dockerfile\"},\"request\":{\"frontend\":\"dockerfile.v0\",\"args\":{\"build-arg:VERSION\":\"1\"}}}},"
    "\"runDetails\":{\"builder\":{\"id\":\"https://github.com/example/app/actions/runs/42\"}}}}";

static void test_attested_image(void **state)
{
    (void)state;
    struct fixture f;
    struct stmt st[] = { { v1_good, SLSA1, false },
                         { "{\"not read\": true}", "https://spdx.dev/Document", true } };
    make(&f, cfg_labelled, st, 2, false);
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_report *r = scan(&f, &err);
    if (!r)
        fail_msg("scan: %s", ivet_err_msg(&err));
    expect(r, "PROV-ATTESTED", 1, "source https://github.com/Example/app.git#refs/tags/v1 at "
           "0123456789abcdef0123456789abcdef01234567; builder https://github.com/example/app/actions/runs/42; "
           "SLSA provenance/v1");
    expect(r, "PROV-NO-SOURCE", 0, NULL);
    expect(r, "PROV-SOURCE-MISMATCH", 0, NULL);
    expect(r, "PROV-ATTESTATION-INVALID", 0, NULL);
    expect(r, "PROV-HISTORY-ABSENT", 0, NULL);
    assert_int_equal(r->verdict, IVET_VERDICT_PASS);
    /* the SBOM statement is listed, not read (its blob is not even there) */
    assert_int_equal(json_array_size(r->image.attestations), 2);
    json_t *sb = json_array_get(r->image.attestations, 1);
    assert_string_equal(json_string_value(json_object_get(sb, "predicate_type")), "https://spdx.dev/Document");
    assert_null(json_object_get(sb, "statement"));
    assert_null(json_object_get(sb, "error"));
    json_t *j = ivet_report_to_json(r, &err);
    assert_non_null(j);
    json_t *atts = json_object_get(json_object_get(json_object_get(j, "image"), "provenance"), "attestations");
    assert_int_equal(json_array_size(atts), 2);
    json_t *a = json_array_get(atts, 0);
    json_t *unread = json_array_get(atts, 1);
    assert_string_equal(json_string_value(json_object_get(unread, "predicate_type")), "https://spdx.dev/Document");
    assert_true(json_is_false(json_object_get(unread, "read")));
    assert_string_equal(json_string_value(json_object_get(a, "builder")),
                        "https://github.com/example/app/actions/runs/42");
    assert_string_equal(json_string_value(json_object_get(a, "revision")), "0123456789abcdef0123456789abcdef01234567");
    assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(j, "image"), "provenance"),
                                                          "source")),
                        "https://github.com/example/app");
    json_decref(j);
    ivet_report_free(r);
    release(&f);
}

/* A statement about another manifest, copied onto this image. */
static void test_subject_of_another_image(void **state)
{
    (void)state;
    static const char *other =
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"" SLSA1 "\",\"subject\":[{\"digest\":"
        "{\"sha256\":\"1111111111111111111111111111111111111111111111111111111111111111\"}}],\"predicate\":{}}%.0s";
    struct fixture f;
    struct stmt st[] = { { other, SLSA1, false } };
    make(&f, cfg_labelled, st, 1, false);
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_report *r = scan(&f, &err);
    if (!r)
        fail_msg("scan: %s", ivet_err_msg(&err));
    expect(r, "PROV-ATTESTATION-SUBJECT", 1, "names sha256:1111111111111111111111111111111111111111111111111111111111111111, "
           "not this image's manifest");
    expect(r, "PROV-ATTESTED", 0, NULL);
    assert_int_equal(r->verdict, IVET_VERDICT_FAIL);
    ivet_report_free(r);
    release(&f);
}

/* v0.2, a local build: the client's VCS hint names another repository, and
 * a token went in as a build argument (max mode records the values). */
static void test_v02_secret_arg_and_mismatch(void **state)
{
    (void)state;
    static const char *v02 =
        "{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"predicateType\":\"" SLSA02 "\","
        "\"subject\":[{\"name\":\"x\",\"digest\":{\"sha256\":\"%s\"}}],\"predicate\":{\"builder\":{\"id\":\"\"},"
        "\"buildType\":\"https://mobyproject.org/buildkit@v1\",\"invocation\":{\"configSource\":{\"entryPoint\":"
        "\"Dockerfile\"},\"parameters\":{\"frontend\":\"dockerfile.v0\",\"args\":{\"build-arg:GITHUB_TOKEN\":"
        "\"ghp_abcdefghijklmnopqrstuvwxyz0123456789\",\"build-arg:DB_PASSWORD\":\"$DB_PASSWORD\","
        "\"build-arg:VERSION\":\"2\"}}},\"metadata\":{\"https://mobyproject.org/buildkit@v1#metadata\":{\"vcs\":"
        "{\"source\":\"git@github.com:someone-else/app.git\",\"revision\":\"0123456789abcdef\"}}}}}";
    struct fixture f;
    struct stmt st[] = { { v02, SLSA02, false } };
    make(&f, cfg_labelled, st, 1, false);
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_report *r = scan(&f, &err);
    if (!r)
        fail_msg("scan: %s", ivet_err_msg(&err));
    expect(r, "PROV-BUILD-ARG-SECRET", 1, "build-arg GITHUB_TOKEN=ghp_");
    size_t c;
    const struct ivet_finding *s = find(r, "PROV-BUILD-ARG-SECRET", &c);
    assert_null(strstr(s->evidence, "abcdefghijklmnopqrstuvwxyz0123456789"));
    expect(r, "PROV-SOURCE-MISMATCH", 1, "provenance source 'git@github.com:someone-else/app.git'");
    expect(r, "PROV-ATTESTED", 1, "source git@github.com:someone-else/app.git at 0123456789abcdef; builder (unnamed)");
    assert_int_equal(r->verdict, IVET_VERDICT_FAIL);
    ivet_report_free(r);
    release(&f);
}

/* Same repository, written differently, but another revision. */
static void test_revision_mismatch(void **state)
{
    (void)state;
    static const char *v1 =
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"" SLSA1 "\",\"subject\":[{\"digest\":"
        "{\"sha256\":\"%s\"}}],\"predicate\":{\"buildDefinition\":{\"externalParameters\":{\"configSource\":"
        "{\"uri\":\"git@github.com:example/app\",\"digest\":{\"sha1\":\"fedcba9876543210fedcba9876543210fedcba98\"}}}},"
        "\"runDetails\":{\"builder\":{\"id\":\"b\"}}}}";
    struct fixture f;
    struct stmt st[] = { { v1, SLSA1, false } };
    make(&f, cfg_labelled, st, 1, false);
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_report *r = scan(&f, &err);
    if (!r)
        fail_msg("scan: %s", ivet_err_msg(&err));
    expect(r, "PROV-SOURCE-MISMATCH", 1, "label revision '0123456789abcdef0123456789abcdef01234567', provenance "
           "revision 'fedcba9876543210fedcba9876543210fedcba98'");
    ivet_report_free(r);
    release(&f);
}

static void test_unreadable_statements(void **state)
{
    (void)state;
    struct fixture f;
    struct stmt st[] = {
        { "{\"_type\": \"https://in-toto.io/Statement/v1\", \"predicateType\": %s", SLSA1, false },
        { "{\"predicateType\":\"" SLSA1 "\",\"subject\":[{\"digest\":{\"sha256\":\"%s\"}}],\"predicate\":{}}", SLSA1,
          false },
        { "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"" SLSA02 "\",\"subject\":[{\"digest\":"
          "{\"sha256\":\"%s\"}}],\"predicate\":{}}", SLSA1, false },
        { "{\"absent\": 1}%.0s", SLSA1, true },
    };
    make(&f, cfg_labelled, st, 4, false);
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_report *r = scan(&f, &err);
    if (!r)
        fail_msg("scan: %s", ivet_err_msg(&err));
    /* bad JSON, no _type, annotation and predicateType disagree, blob missing */
    expect(r, "PROV-ATTESTATION-INVALID", 4, NULL);
    static const char *const why[] = { "line 1", "not an in-toto statement", "annotated as",
                                       "its blob is not in the image's repository" };
    for (size_t k = 0; k < IVET_ARRAY_LEN(why); k++) {
        size_t seen = 0;
        for (size_t i = 0; i < r->findings.n; i++)
            seen += !strcmp(r->findings.v[i].id, "PROV-ATTESTATION-INVALID") && strstr(r->findings.v[i].evidence, why[k]);
        if (seen != 1) {
            for (size_t i = 0; i < r->findings.n; i++)
                print_message("%s %s\n", r->findings.v[i].id, r->findings.v[i].evidence ? r->findings.v[i].evidence : "");
            fail_msg("'%s' in %zu PROV-ATTESTATION-INVALID findings", why[k], seen);
        }
    }
    assert_int_equal(r->verdict, IVET_VERDICT_WARN);
    ivet_report_free(r);
    release(&f);
}

/* An attestation's bytes are verified like every other blob. */
static void test_altered_statement_fails_scan(void **state)
{
    (void)state;
    struct fixture f;
    struct stmt st[] = { { v1_good, SLSA1, false } };
    make(&f, cfg_labelled, st, 1, false);
    char p[4200];
    snprintf(p, sizeof(p), "%s/blobs/sha256/%s", f.dir, f.first_stmt + 7);
    FILE *fp = fopen(p, "r+b");
    assert_non_null(fp);
    fputc('[', fp);
    fclose(fp);
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_report *r = scan(&f, &err);
    assert_null(r);
    assert_int_equal(err.code, IVET_E_DIGEST);
    assert_non_null(strstr(ivet_err_msg(&err), f.first_stmt));
    ivet_err_release(&err);
    release(&f);
}

/* A layout copied without its attestation manifest: a note, no failure. */
static void test_missing_attestation_manifest(void **state)
{
    (void)state;
    struct fixture f;
    struct stmt st[] = { { v1_good, SLSA1, false } };
    make(&f, cfg_labelled, st, 1, true);
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_report *r = scan(&f, &err);
    if (!r)
        fail_msg("scan: %s", ivet_err_msg(&err));
    bool noted = false;
    for (size_t i = 0; i < r->nnotes; i++)
        noted |= strstr(r->notes[i], f.att_manifest) && strstr(r->notes[i], "not there");
    assert_true(noted);
    assert_null(r->image.attestations);
    expect(r, "PROV-ATTESTED", 0, NULL);
    ivet_report_free(r);
    release(&f);
}

/* Statements about the other platform's manifest are not this image's. */
static void test_attestation_for_another_manifest_is_ignored(void **state)
{
    (void)state;
    struct fixture f;
    struct stmt st[] = { { v1_good, SLSA1, false } };
    g_refers_to = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    make(&f, cfg_labelled, st, 1, false);
    g_refers_to = NULL;
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_report *r = scan(&f, &err);
    if (!r)
        fail_msg("scan: %s", ivet_err_msg(&err));
    assert_null(r->image.attestations);
    expect(r, "PROV-ATTESTED", 0, NULL);
    expect(r, "PROV-ATTESTATION-SUBJECT", 0, NULL);
    ivet_report_free(r);
    release(&f);
}

/* Unreadable attestation manifests and statements over the limit are
 * findings; the image is still vetted. */
static void test_limits_and_bad_manifest(void **state)
{
    (void)state;
    struct fixture f;
    struct stmt big[] = { { v1_good, SLSA1, false, 9ll << 20 } };
    make(&f, cfg_labelled, big, 1, false);
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_report *r = scan(&f, &err);
    if (!r)
        fail_msg("scan: %s", ivet_err_msg(&err));
    expect(r, "PROV-ATTESTATION-INVALID", 1, "statement is 9437184 bytes; 8388608 were left to read");
    ivet_report_free(r);
    release(&f);

    struct stmt one[] = { { v1_good, SLSA1, false } };
    g_bad_manifest = true;
    make(&f, cfg_labelled, one, 1, false);
    g_bad_manifest = false;
    r = scan(&f, &err);
    if (!r)
        fail_msg("scan: %s", ivet_err_msg(&err));
    expect(r, "PROV-ATTESTATION-INVALID", 1, "attestation manifest 'sha256:");
    assert_int_equal(r->verdict, IVET_VERDICT_WARN);
    ivet_report_free(r);
    release(&f);
}

static void test_labels_and_history(void **state)
{
    (void)state;
    struct fixture f;
    /* no source anywhere, no history */
    make(&f, "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{}}", NULL, 0, false);
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_report *r = scan(&f, &err);
    if (!r)
        fail_msg("scan: %s", ivet_err_msg(&err));
    expect(r, "PROV-NO-SOURCE", 1, NULL);
    expect(r, "PROV-HISTORY-ABSENT", 1, NULL);
    expect(r, "PROV-HISTORY-MISMATCH", 0, NULL);
    assert_null(json_object_get(r->image_extra, "provenance"));
    ivet_report_free(r);
    release(&f);
    /* the label-schema label counts; two history entries made layers, one layer */
    make(&f, "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Labels\":{\"org.label-schema.vcs-url\":"
         "\"https://example.com/x\"}},\"history\":[{\"created_by\":\"a\"},{\"created_by\":\"b\"},"
         "{\"created_by\":\"ENV x=1\",\"empty_layer\":true}]}", NULL, 0, false);
    r = scan(&f, &err);
    if (!r)
        fail_msg("scan: %s", ivet_err_msg(&err));
    expect(r, "PROV-NO-SOURCE", 0, NULL);
    expect(r, "PROV-HISTORY-ABSENT", 0, NULL);
    expect(r, "PROV-HISTORY-MISMATCH", 1, "the history has 2 entries that made a layer; the image has 1 layer");
    assert_int_equal(r->verdict, IVET_VERDICT_WARN);
    ivet_report_free(r);
    release(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_norm_source),
        cmocka_unit_test(test_attested_image),
        cmocka_unit_test(test_subject_of_another_image),
        cmocka_unit_test(test_v02_secret_arg_and_mismatch),
        cmocka_unit_test(test_revision_mismatch),
        cmocka_unit_test(test_unreadable_statements),
        cmocka_unit_test(test_altered_statement_fails_scan),
        cmocka_unit_test(test_missing_attestation_manifest),
        cmocka_unit_test(test_attestation_for_another_manifest_is_ignored),
        cmocka_unit_test(test_limits_and_bad_manifest),
        cmocka_unit_test(test_labels_and_history),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
