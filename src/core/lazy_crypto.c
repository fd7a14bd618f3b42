/* lazy_crypto.c: OpenSSL's libcrypto (Debian libssl3), loaded on first use
 * (lazylib.h): sha256, base64, random bytes, and public keys for cosign
 * signatures. */
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <string.h>

#include "core/lazylib.h"

#define CRYPTO_FUNCS(X, XV, XN, L)                                                                \
    X(L, const EVP_MD *, EVP_sha256, (void), (), NULL)                                           \
    X(L, EVP_MD_CTX *, EVP_MD_CTX_new, (void), (), NULL)                                          \
    XV(L, EVP_MD_CTX_free, (EVP_MD_CTX *c), (c))                                                  \
    X(L, int, EVP_DigestInit_ex, (EVP_MD_CTX *c, const EVP_MD *t, ENGINE *e), (c, t, e), 0)       \
    X(L, int, EVP_DigestUpdate, (EVP_MD_CTX *c, const void *d, size_t n), (c, d, n), 0)           \
    X(L, int, EVP_DigestFinal_ex, (EVP_MD_CTX *c, unsigned char *md, unsigned int *n), (c, md, n), 0) \
    X(L, int, EVP_Digest,                                                                         \
      (const void *d, size_t n, unsigned char *md, unsigned int *len, const EVP_MD *t, ENGINE *e), \
      (d, n, md, len, t, e), 0)                                                                    \
    X(L, int, EVP_EncodeBlock, (unsigned char *t, const unsigned char *f, int n), (t, f, n), -1)  \
    X(L, int, EVP_DecodeBlock, (unsigned char *t, const unsigned char *f, int n), (t, f, n), -1)  \
    X(L, int, RAND_bytes, (unsigned char *b, int n), (b, n), 0)                                   \
    X(L, EVP_PKEY *, PEM_read_PUBKEY, (FILE *f, EVP_PKEY **x, pem_password_cb *cb, void *u),      \
      (f, x, cb, u), NULL)                                                                         \
    XV(L, EVP_PKEY_free, (EVP_PKEY *k), (k))                                                      \
    X(L, int, EVP_PKEY_get_base_id, (const EVP_PKEY *k), (k), 0)                                  \
    X(L, int, i2d_PUBKEY, (const EVP_PKEY *k, unsigned char **out), (k, out), -1)                 \
    XV(L, CRYPTO_free, (void *p, const char *file, int line), (p, file, line))                    \
    X(L, const char *, OBJ_nid2sn, (int n), (n), NULL)                                            \
    XV(L, ERR_clear_error, (void), ())                                                            \
    X(L, int, EVP_DigestVerifyInit,                                                               \
      (EVP_MD_CTX *c, EVP_PKEY_CTX **pc, const EVP_MD *t, ENGINE *e, EVP_PKEY *k),                \
      (c, pc, t, e, k), 0)                                                                         \
    X(L, int, EVP_DigestVerify,                                                                   \
      (EVP_MD_CTX *c, const unsigned char *sig, size_t sl, const unsigned char *tbs, size_t tl),  \
      (c, sig, sl, tbs, tl), -1)                                                                   \
    XN(L, OPENSSL_cleanse)

#ifndef IVET_SONAME_CRYPTO                 /* set by CMake from the library found */
#define IVET_SONAME_CRYPTO "libcrypto.so.3"
#define IVET_PACKAGE_CRYPTO "libssl3"
#endif
IVET_LAZY_DEFINE(crypto, CRYPTO_FUNCS, IVET_SONAME_CRYPTO, IVET_PACKAGE_CRYPTO)

/* Wiping must happen whether or not the library loads. */
void OPENSSL_cleanse(void *p, size_t n)
{
    if (ivet_lazylib_load(&ivet_lib_crypto))
        IVET_LAZY_FN(crypto, OPENSSL_cleanse)(p, n);
    else
        explicit_bzero(p, n);
}
