/* signature.c: are the image's cosign signatures made with a key the user
 * trusts? scan/signatures.c finds them (the sha256-<hex>.sig tag next to the
 * image) and reads each payload, digest checked. Here each payload must be a
 * cosign simple-signing document naming the signed digest, and its
 * signature (ASN.1 ECDSA, RSA PKCS#1 v1.5 over SHA-256, or Ed25519) must
 * verify with one of the --key public keys. Offline, as cosign's
 * --insecure-ignore-tlog: no transparency log, no certificates. */
#include "analyze/analyzer.h"
#include "core/lazylib.h"
#include "imagevet/scan.h"
#include "report/report.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

static const struct ivet_check checks[] = {
    { "PROV-SIGNED", "provenance", IVET_SEV_INFO, "Signed with a key you trust",
      "Nothing to do: a cosign signature over this image verifies with a --key you gave." },
    { "PROV-NOT-SIGNED", "provenance", IVET_SEV_HIGH, "No signature by the key you require",
      "Do not run the image: its publisher's key did not sign this digest. Ask for a signed image, or check "
      "that --key is the publisher's current key." },
    { "PROV-SIGNATURE-UNVERIFIED", "provenance", IVET_SEV_INFO, "cosign signatures present, not verified",
      "Pass the publisher's public key with --key to verify them; a signature nobody checks proves nothing." },
};

#define COSIGN_TYPE "cosign container image signature"

struct key {
    EVP_PKEY *pk;
    const char *path;
    char fp[24];                        /* "sha256:" + 16 hex of the SubjectPublicKeyInfo */
};
struct keys {
    struct key *v;
    size_t n;
};

static void sig_teardown(void *global)
{
    struct keys *k = global;
    if (!k)
        return;
    for (size_t i = 0; i < k->n; i++)
        EVP_PKEY_free(k->v[i].pk);
    ivet_free(k->v);
    ivet_free(k);
}

static int load_key(struct key *k, const char *path, struct ivet_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return ivet_err_set(err, IVET_E_USAGE, "--key '%s': %s", path, strerror(errno));
    k->pk = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    ERR_clear_error();                  /* what OpenSSL queued about a bad file */
    k->path = path;
    if (!k->pk)
        return ivet_err_set(err, IVET_E_USAGE, "--key '%s': not a PEM public key (\"BEGIN PUBLIC KEY\")", path);
    int id = EVP_PKEY_get_base_id(k->pk);
    if (id != EVP_PKEY_EC && id != EVP_PKEY_RSA && id != EVP_PKEY_ED25519)
    {
        const char *sn = id > 0 ? OBJ_nid2sn(id) : NULL;
        return ivet_err_set(err, IVET_E_USAGE, "--key '%s': a %s key; cosign keys are ECDSA, RSA or Ed25519", path,
                            sn ? sn : "unsupported");
    }
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(k->pk, &der);
    if (n <= 0)
        return ivet_err_set(err, IVET_E_USAGE, "--key '%s': cannot encode the key", path);
    struct ivet_digest d;
    ivet_sha256(der, (size_t)n, &d);
    OPENSSL_free(der);
    snprintf(k->fp, sizeof(k->fp), "sha256:%.16s", d.text + 7);
    return 0;
}

static int sig_setup(const struct ivet_scan_opts *o, void **global, struct ivet_err *err)
{
    size_t n = 0;
    while (o->keys && o->keys[n])
        n++;
    if (n && ivet_lazylib_require(&ivet_lib_crypto, err) < 0)
        return -(int)err->code;
    struct keys *k = ivet_calloc(1, sizeof(*k));
    *global = k;
    if (!k || (n && !(k->v = ivet_calloc(n, sizeof(*k->v)))))
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    for (; k->n < n; k->n++)
        if (load_key(&k->v[k->n], o->keys[k->n], err) < 0) {
            k->n++;                     /* teardown frees what was loaded */
            return -(int)err->code;
        }
    return 0;
}

const char *ivet_cosign_payload_problem(const char *payload, size_t len, const char *signed_digest)
{
    json_error_t je;
    json_t *p = json_loadb(payload, len, JSON_REJECT_DUPLICATES, &je);
    const char *why = NULL;
    json_t *crit = json_object_get(p, "critical");
    const char *type = json_string_value(json_object_get(crit, "type"));
    const char *dg = json_string_value(json_object_get(json_object_get(crit, "image"), "docker-manifest-digest"));
    if (!p)
        why = "the payload is not JSON";
    else if (!type || strcmp(type, COSIGN_TYPE) != 0)
        why = "the payload is not a cosign image signature (critical.type)";
    else if (!dg || strcmp(dg, signed_digest) != 0)
        why = "the payload signs another digest (critical.image.docker-manifest-digest)";
    json_decref(p);
    return why;
}

static bool verifies(EVP_PKEY *pk, const unsigned char *sig, size_t slen, const char *msg, size_t mlen)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = false;
    const EVP_MD *md = EVP_PKEY_get_base_id(pk) == EVP_PKEY_ED25519 ? NULL : EVP_sha256();
    if (ctx && EVP_DigestVerifyInit(ctx, NULL, md, NULL, pk) == 1)
        ok = EVP_DigestVerify(ctx, sig, slen, (const unsigned char *)msg, mlen) == 1;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}

/* Which key verifies entry e (-1: none); *why says why not. */
static long check_entry(const struct keys *k, json_t *e, const char **why)
{
    const char *error = json_string_value(json_object_get(e, "error"));
    const char *payload = json_string_value(json_object_get(e, "payload"));
    const char *sig = json_string_value(json_object_get(e, "signature"));
    const char *signed_digest = json_string_value(json_object_get(e, "signed"));
    unsigned char raw[2048];            /* a 16384-bit RSA signature */
    if (error) {
        *why = error;
        return -1;
    }
    if (!payload || !sig || !signed_digest) {
        *why = "no payload or signature";
        return -1;
    }
    size_t plen = json_string_length(json_object_get(e, "payload"));
    if ((*why = ivet_cosign_payload_problem(payload, plen, signed_digest)))
        return -1;
    long slen = ivet_base64_decode(sig, raw, sizeof(raw));
    if (slen <= 0) {
        *why = "the signature annotation is not base64 (or longer than 2048 bytes)";
        return -1;
    }
    for (size_t i = 0; i < k->n; i++)
        if (verifies(k->v[i].pk, raw, (size_t)slen, payload, plen))
            return (long)i;
    *why = "the signature does not verify with the given key(s)";
    return -1;
}

static int set_new(json_t *o, const char *key, json_t *v, struct ivet_err *err)
{
    return v && json_object_set_new(o, key, v) == 0 ? 0 : ivet_err_set(err, IVET_E_NOMEM, "out of memory");
}

static int sig_on_image(struct ivet_ictx *ix, struct ivet_err *err)
{
    const struct keys *k = ix->global;
    const struct ivet_image *img = ix->image;
    json_t *sigs = img->signatures, *e, *out = json_array();
    size_t i, n = json_array_size(sigs), good = 0;
    const char *first_why = NULL;
    char ev[400];
    int r = 0;
    if (!out)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    json_array_foreach(sigs, i, e) {
        const char *why = NULL;
        long w = k->n ? check_entry(k, e, &why) : -1;
        json_t *o = json_pack("{s:O?, s:O?, s:O?}", "signed", json_object_get(e, "signed"), "tag",
                              json_object_get(e, "tag"), "layer", json_object_get(e, "layer"));
        if (!o || json_array_append_new(out, o) < 0) {
            r = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
            goto out;
        }
        if (w >= 0) {
            if ((r = set_new(o, "verified_with", json_string(k->v[w].fp), err)) < 0)
                goto out;
            if (good++ == 0) {
                snprintf(ev, sizeof(ev), "cosign signature over %.71s verified with key %s (%.200s)",
                         json_string_value(json_object_get(e, "signed")), k->v[w].fp, k->v[w].path);
                if ((r = ivet_ictx_finding(ix, "PROV-SIGNED", NULL, -1, ev, err)) < 0)
                    goto out;
            }
        } else if (k->n) {
            if ((r = set_new(o, "problem", json_string(why), err)) < 0)
                goto out;
            if (!first_why)
                first_why = why;
        }
    }
    if (!k->n && n) {
        snprintf(ev, sizeof(ev), "%zu cosign signature%s under tag %.80s; no --key given", n, n == 1 ? "" : "s",
                 json_string_value(json_object_get(json_array_get(sigs, 0), "tag")));
        r = ivet_ictx_finding(ix, "PROV-SIGNATURE-UNVERIFIED", NULL, -1, ev, err);
    } else if (k->n && !good) {
        if (!img->signatures_searched)
            snprintf(ev, sizeof(ev), "the %s transport carries no cosign signatures; vet the image from its "
                     "registry or from an OCI layout that holds its .sig tag", img->transport ? img->transport : "?");
        else if (!n)
            snprintf(ev, sizeof(ev), "no cosign signature: no tag sha256-%.64s.sig%s", img->manifest_digest.text + 7,
                     img->have_index_digest ? " (nor one for the index)" : "");
        else
            snprintf(ev, sizeof(ev), "no signature verifies with the given key%s (%zu looked at under %.80s): %s",
                     k->n == 1 ? "" : "s", n, json_string_value(json_object_get(json_array_get(sigs, 0), "tag")),
                     first_why ? first_why : "?");
        r = ivet_ictx_finding(ix, "PROV-NOT-SIGNED", NULL, -1, ev, err);
    }
    if (r >= 0 && json_array_size(out) && json_object_set(ix->report->image_extra, "signatures", out) < 0)
        r = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
out:
    json_decref(out);
    return r;
}

const struct ivet_analyzer ivet_analyzer_signature = {
    .name = "signature",
    .modes = IVET_MODE_SCAN | IVET_MODE_VERIFY,
    .checks = checks,
    .nchecks = IVET_ARRAY_LEN(checks),
    .setup = sig_setup,
    .teardown = sig_teardown,
    .on_image = sig_on_image,
};
