/* test_signature.c: cosign signatures in an OCI layout written here, signed
 * here with OpenSSL (ECDSA P-256, RSA, Ed25519), and what the signature
 * analyzer makes of them: verified, another key, a payload for another
 * digest or of another type, a signature that is not base64, no signature
 * annotation, several keys, no key, a key file that is not a key. */
#include "testutil.h"

#include "imagevet/imagevet.h"
#include "report/report.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <string.h>

struct fx {
    char *dir;
    struct tu_tar *tar;
    char manifest[80];
    char pub[2][4200];          /* PEM public key files */
    EVP_PKEY *key[2];
};

static EVP_PKEY *keygen(const char *type)
{
    EVP_PKEY *k = NULL;
    if (!strcmp(type, "EC"))
        k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    else if (!strcmp(type, "RSA"))
        k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    else
        k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    assert_non_null(k);
    return k;
}

static void write_pub(EVP_PKEY *k, const char *path)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(PEM_write_PUBKEY(f, k), 1);
    fclose(f);
}

/* base64 of the signature of msg */
static char *sign(EVP_PKEY *k, const char *msg)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    const EVP_MD *md = EVP_PKEY_get_base_id(k) == EVP_PKEY_ED25519 ? NULL : EVP_sha256();
    unsigned char sig[1024];
    size_t sl = sizeof(sig);
    assert_int_equal(EVP_DigestSignInit(c, NULL, md, NULL, k), 1);
    assert_int_equal(EVP_DigestSign(c, sig, &sl, (const unsigned char *)msg, strlen(msg)), 1);
    EVP_MD_CTX_free(c);
    char *b = calloc(1, 4 * ((sl + 2) / 3) + 1);
    assert_non_null(b);
    EVP_EncodeBlock((unsigned char *)b, sig, (int)sl);
    return b;
}

/* An image in a fresh layout, keys of `type` (two), their public halves in files. */
static void setup_fx(struct fx *f, const char *type)
{
    memset(f, 0, sizeof(*f));
    f->tar = tu_tar_new();
    tu_tar_add(f->tar, 'f', "app/run", 0755, "#!/bin/sh\necho hi\n", 18, NULL);
    struct tu_layer l = { 0 };
    l.blob = tu_tar_bytes(f->tar, &l.len);
    f->dir = tu_oci_layout("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"User\":\"1\"}}", &l, 1);
    char p[4200];
    snprintf(p, sizeof(p), "%s/index.json", f->dir);
    json_error_t je;
    json_t *idx = json_load_file(p, 0, &je);
    assert_non_null(idx);
    snprintf(f->manifest, sizeof(f->manifest), "%s",
             json_string_value(json_object_get(json_array_get(json_object_get(idx, "manifests"), 0), "digest")));
    json_decref(idx);
    for (int i = 0; i < 2; i++) {
        f->key[i] = keygen(type);
        snprintf(f->pub[i], sizeof(f->pub[i]), "%s/key%d.pub", f->dir, i);
        write_pub(f->key[i], f->pub[i]);
    }
}

static void release_fx(struct fx *f)
{
    for (int i = 0; i < 2; i++)
        EVP_PKEY_free(f->key[i]);
    tu_rm_rf(f->dir);
    free(f->dir);
    tu_tar_free(f->tar);
}

static char *payload_for(const char *digest, const char *type)
{
    char *p = malloc(512);
    assert_non_null(p);
    snprintf(p, 512, "{\"critical\":{\"identity\":{\"docker-reference\":\"example.com/app\"},\"image\":"
             "{\"docker-manifest-digest\":\"%s\"},\"type\":\"%s\"},\"optional\":null}", digest, type);
    return p;
}

/* Adds the signature manifest sha256-<hex>.sig for the image, one layer per
 * (payload, base64 signature or NULL for no annotation). */
static void add_sigs(struct fx *f, char *const *payloads, char *const *sigs, size_t n)
{
    json_t *layers = json_array();
    for (size_t i = 0; i < n; i++) {
        struct ivet_digest d;
        tu_write_blob(f->dir, payloads[i], strlen(payloads[i]), &d);
        json_t *l = json_pack("{s:s, s:s, s:I}", "mediaType", "application/vnd.dev.cosign.simplesigning.v1+json",
                              "digest", d.text, "size", (json_int_t)strlen(payloads[i]));
        if (sigs[i])
            json_object_set_new(l, "annotations", json_pack("{s:s}", "dev.cosignproject.cosign/signature", sigs[i]));
        json_array_append_new(layers, l);
    }
    struct ivet_digest cd, md;
    tu_write_blob(f->dir, "{}", 2, &cd);
    json_t *m = json_pack("{s:i, s:s, s:{s:s, s:s, s:i}, s:o}", "schemaVersion", 2, "mediaType",
                          "application/vnd.oci.image.manifest.v1+json", "config", "mediaType",
                          "application/vnd.oci.image.config.v1+json", "digest", cd.text, "size", 2, "layers", layers);
    char *mt = json_dumps(m, JSON_COMPACT);
    json_decref(m);
    tu_write_blob(f->dir, mt, strlen(mt), &md);
    char p[4200], tag[100];
    snprintf(p, sizeof(p), "%s/index.json", f->dir);
    snprintf(tag, sizeof(tag), "sha256-%s.sig", f->manifest + 7);
    json_error_t je;
    json_t *idx = json_load_file(p, 0, &je);
    assert_non_null(idx);
    json_array_append_new(json_object_get(idx, "manifests"),
                          json_pack("{s:s, s:s, s:I, s:{s:s}}", "mediaType", "application/vnd.oci.image.manifest.v1+json",
                                    "digest", md.text, "size", (json_int_t)strlen(mt), "annotations",
                                    "org.opencontainers.image.ref.name", tag));
    free(mt);
    char *t = json_dumps(idx, JSON_COMPACT);
    json_decref(idx);
    tu_write_file(f->dir, "index.json", t, strlen(t));
    free(t);
}

static struct ivet_report *scan(const struct fx *f, const char **keys, struct ivet_err *err)
{
    struct ivet_scan_opts o;
    ivet_scan_opts_init(&o);
    char img[4200];
    snprintf(img, sizeof(img), "oci:%s:test", f->dir);
    o.image = img;
    o.threads = 1;
    o.offline = true;
    o.no_content = true;
    o.keys = keys;
    return ivet_scan(&o, err);
}

static size_t count(const struct ivet_report *r, const char *id, const char *needle)
{
    size_t c = 0;
    for (size_t i = 0; i < r->findings.n; i++)
        if (!strcmp(r->findings.v[i].id, id) &&
            (!needle || (r->findings.v[i].evidence && strstr(r->findings.v[i].evidence, needle))))
            c++;
    if (!c && needle)           /* expected something: show what there is */
        for (size_t i = 0; i < r->findings.n; i++)
            print_message("  %s %s\n", r->findings.v[i].id, r->findings.v[i].evidence ? r->findings.v[i].evidence : "");
    return c;
}

static const char *const cosign_type = "cosign container image signature";

static void verified_with(const char *type)
{
    struct fx f;
    setup_fx(&f, type);
    char *pl = payload_for(f.manifest, cosign_type);
    char *sig = sign(f.key[0], pl);
    add_sigs(&f, &pl, &sig, 1);
    struct ivet_err err = IVET_ERR_INIT;
    const char *right[] = { f.pub[0], NULL }, *wrong[] = { f.pub[1], NULL }, *both[] = { f.pub[1], f.pub[0], NULL };
    struct ivet_report *r = scan(&f, right, &err);
    if (!r)
        fail_msg("scan: %s", ivet_err_msg(&err));
    assert_int_equal(count(r, "PROV-SIGNED", f.manifest), 1);
    assert_int_equal(count(r, "PROV-NOT-SIGNED", NULL), 0);
    assert_int_equal(r->verdict, IVET_VERDICT_PASS);
    ivet_report_free(r);
    r = scan(&f, wrong, &err);
    assert_non_null(r);
    assert_int_equal(count(r, "PROV-NOT-SIGNED", "the signature does not verify"), 1);
    assert_int_equal(count(r, "PROV-SIGNED", NULL), 0);
    assert_int_equal(r->verdict, IVET_VERDICT_FAIL);
    ivet_report_free(r);
    r = scan(&f, both, &err);
    assert_non_null(r);
    assert_int_equal(count(r, "PROV-SIGNED", NULL), 1);
    ivet_report_free(r);
    r = scan(&f, NULL, &err);
    assert_non_null(r);
    assert_int_equal(count(r, "PROV-SIGNATURE-UNVERIFIED", "1 cosign signature under tag sha256-"), 1);
    assert_int_equal(count(r, "PROV-NOT-SIGNED", NULL), 0);
    ivet_report_free(r);
    free(pl);
    free(sig);
    release_fx(&f);
}

static void test_ecdsa(void **state)
{
    (void)state;
    verified_with("EC");
}

static void test_rsa(void **state)
{
    (void)state;
    verified_with("RSA");
}

static void test_ed25519(void **state)
{
    (void)state;
    verified_with("ED25519");
}

/* Signed with the right key, yet not a signature of this image. */
static void test_payload_problems(void **state)
{
    (void)state;
    struct fx f;
    setup_fx(&f, "EC");
    char *pl[5], *sig[5];
    pl[0] = payload_for("sha256:3333333333333333333333333333333333333333333333333333333333333333", cosign_type);
    pl[1] = payload_for(f.manifest, "cosign container image attestation");
    pl[2] = payload_for(f.manifest, cosign_type);
    pl[3] = payload_for(f.manifest, cosign_type);
    pl[4] = payload_for(f.manifest, cosign_type);
    for (int i = 0; i < 5; i++)
        sig[i] = sign(f.key[0], pl[i]);
    strstr(pl[4], "example")[6] = 'f';    /* changed after signing (its blob digest is of the new bytes) */
    free(sig[2]);
    sig[2] = strdup("MEUCIQ*notbase64");
    free(sig[3]);
    sig[3] = NULL;                        /* no annotation */
    add_sigs(&f, pl, sig, 5);
    struct ivet_err err = IVET_ERR_INIT;
    const char *right[] = { f.pub[0], NULL };
    struct ivet_report *r = scan(&f, right, &err);
    if (!r)
        fail_msg("scan: %s", ivet_err_msg(&err));
    assert_int_equal(count(r, "PROV-SIGNED", NULL), 0);
    assert_int_equal(count(r, "PROV-NOT-SIGNED", "no signature verifies with the given key (5 looked at under "
                           "sha256-"), 1);
    assert_int_equal(count(r, "PROV-NOT-SIGNED", "): the payload signs another digest"), 1);
    json_t *s = json_object_get(r->image_extra, "signatures");
    assert_int_equal(json_array_size(s), 5);
    static const char *const why[] = { "signs another digest", "not a cosign image signature", "not base64",
                                       "no dev.cosignproject.cosign/signature annotation", "does not verify" };
    for (size_t i = 0; i < 5; i++) {
        const char *p = json_string_value(json_object_get(json_array_get(s, i), "problem"));
        if (!p || !strstr(p, why[i]))
            fail_msg("signature %zu: problem '%s', expected '%s'", i, p ? p : "(none)", why[i]);
    }
    ivet_report_free(r);
    for (int i = 0; i < 5; i++) {
        free(pl[i]);
        free(sig[i]);
    }
    release_fx(&f);
}

/* A signature tag whose manifest holds no simple-signing layer. */
static void test_tag_without_signatures(void **state)
{
    (void)state;
    struct fx f;
    setup_fx(&f, "EC");
    add_sigs(&f, NULL, NULL, 0);
    struct ivet_err err = IVET_ERR_INIT;
    const char *right[] = { f.pub[0], NULL };
    struct ivet_report *r = scan(&f, right, &err);
    if (!r)
        fail_msg("scan: %s", ivet_err_msg(&err));
    assert_int_equal(count(r, "PROV-NOT-SIGNED", "(1 looked at under sha256-"), 1);
    assert_int_equal(count(r, "PROV-NOT-SIGNED", "holds no simple-signing layer"), 1);
    ivet_report_free(r);
    release_fx(&f);
}

static void test_unsigned_and_bad_key(void **state)
{
    (void)state;
    struct fx f;
    setup_fx(&f, "EC");
    struct ivet_err err = IVET_ERR_INIT;
    const char *right[] = { f.pub[0], NULL };
    struct ivet_report *r = scan(&f, right, &err);
    if (!r)
        fail_msg("scan: %s", ivet_err_msg(&err));
    char want[160];
    snprintf(want, sizeof(want), "no cosign signature: no tag sha256-%.64s.sig", f.manifest + 7);
    assert_int_equal(count(r, "PROV-NOT-SIGNED", want), 1);
    ivet_report_free(r);
    r = scan(&f, NULL, &err);
    assert_non_null(r);
    assert_int_equal(count(r, "PROV-SIGNATURE-UNVERIFIED", NULL) + count(r, "PROV-NOT-SIGNED", NULL), 0);
    ivet_report_free(r);
    char notkey[4200];
    snprintf(notkey, sizeof(notkey), "%s/index.json", f.dir);
    const char *bad[] = { notkey, NULL }, *missing[] = { "/nonexistent/cosign.pub", NULL };
    assert_null(scan(&f, bad, &err));
    assert_int_equal(err.code, IVET_E_USAGE);
    assert_non_null(strstr(ivet_err_msg(&err), "not a PEM public key"));
    ivet_err_release(&err);
    assert_null(scan(&f, missing, &err));
    assert_int_equal(err.code, IVET_E_USAGE);
    assert_non_null(strstr(ivet_err_msg(&err), "/nonexistent/cosign.pub"));
    ivet_err_release(&err);
    release_fx(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ecdsa),
        cmocka_unit_test(test_rsa),
        cmocka_unit_test(test_ed25519),
        cmocka_unit_test(test_payload_problems),
        cmocka_unit_test(test_tag_without_signatures),
        cmocka_unit_test(test_unsigned_and_bad_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
