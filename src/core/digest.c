/* digest.c: sha256 digests, parsed from text and computed with OpenSSL EVP,
 * which uses the CPU's SHA extensions where present. */
#include "core/core.h"
#include "core/lazylib.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ivet_sha256 {
    EVP_MD_CTX *ctx;
};

static void set_text(struct ivet_digest *d)
{
    static const char hx[] = "0123456789abcdef";
    memcpy(d->text, "sha256:", 7);
    for (int i = 0; i < 32; i++) {
        d->text[7 + 2 * i] = hx[d->raw[i] >> 4];
        d->text[8 + 2 * i] = hx[d->raw[i] & 15];
    }
    d->text[7 + 64] = 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int ivet_digest_parse(struct ivet_digest *d, const char *s, struct ivet_err *err)
{
    const char *colon = s ? strchr(s, ':') : NULL;
    if (!colon || colon == s)
        return ivet_err_set(err, IVET_E_FORMAT, "'%.80s' is not a digest (algorithm:hex)", s ? s : "");
    if ((size_t)(colon - s) != 6 || memcmp(s, "sha256", 6) != 0)
        return ivet_err_set(err, IVET_E_UNSUPPORTED, "digest algorithm '%.*s' is not supported (only sha256)",
                            (int)IVET_MIN(colon - s, 32), s);
    const char *h = colon + 1;
    if (strlen(h) != 64)
        return ivet_err_set(err, IVET_E_FORMAT, "digest '%.80s' must have 64 hex digits", s);
    for (int i = 0; i < 32; i++) {
        int a = hexval(h[2 * i]), b = hexval(h[2 * i + 1]);
        if (a < 0 || b < 0)
            return ivet_err_set(err, IVET_E_FORMAT, "digest '%.80s' has a character that is not lowercase hex", s);
        d->raw[i] = (uint8_t)(a << 4 | b);
    }
    set_text(d);
    return 0;
}

bool ivet_digest_eq(const struct ivet_digest *a, const struct ivet_digest *b)
{
    return memcmp(a->raw, b->raw, 32) == 0;
}

void ivet_sha256(const void *p, size_t n, struct ivet_digest *out)
{
    unsigned int len = 32;
    /* No error path here, and no value is safe to hand back without the
     * library (a fixed one could equal a forged expected digest): stop. */
    struct ivet_err err = IVET_ERR_INIT;
    if (ivet_lazylib_require(&ivet_lib_crypto, &err) < 0 ||
        EVP_Digest(p, n, out->raw, &len, EVP_sha256(), NULL) != 1) {
        fprintf(stderr, "imagevet: sha256 unavailable: %s\n", err.code ? ivet_err_msg(&err) : "EVP_Digest failed");
        exit(2);
    }
    set_text(out);
}

struct ivet_sha256 *ivet_sha256_new(struct ivet_err *err)
{
    struct ivet_sha256 *h = ivet_calloc(1, sizeof(*h));
    if (!h) {
        ivet_err_set(err, IVET_E_NOMEM, "out of memory for a sha256 context");
        return NULL;
    }
    if (ivet_lazylib_require(&ivet_lib_crypto, err) < 0) {
        ivet_free(h);
        return NULL;
    }
    h->ctx = EVP_MD_CTX_new();
    if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
        ivet_sha256_free(h);
        ivet_err_set(err, IVET_E_NOMEM, "cannot create a sha256 context");
        return NULL;
    }
    return h;
}

void ivet_sha256_update(struct ivet_sha256 *h, const void *p, size_t n)
{
    EVP_DigestUpdate(h->ctx, p, n);
}

void ivet_sha256_final(struct ivet_sha256 *h, struct ivet_digest *out)
{
    unsigned int len = 32;
    EVP_DigestFinal_ex(h->ctx, out->raw, &len);
    set_text(out);
}

void ivet_sha256_reset(struct ivet_sha256 *h)
{
    EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL);
}

void ivet_sha256_free(struct ivet_sha256 *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->ctx);
    ivet_free(h);
}
