/* monero.c: Monero address validation (Monero's block-wise base58, network
 * prefix, Keccak-256 checksum) and the Keccak-256 it needs. Written from the
 * format description: base58 in 8-byte blocks of 11 characters, a final
 * partial block of 2..10 characters, a varint network prefix, two 32-byte
 * public keys, an 8-byte payment id for integrated addresses, and the first
 * 4 bytes of Keccak-256 over everything before them. */
#include "analyze/rules.h"

#include <string.h>

/* ---- Keccak-f[1600] */

static const uint64_t rc_tab[24] = {
    0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808aull, 0x8000000080008000ull,
    0x000000000000808bull, 0x0000000080000001ull, 0x8000000080008081ull, 0x8000000000008009ull,
    0x000000000000008aull, 0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000aull,
    0x000000008000808bull, 0x800000000000008bull, 0x8000000000008089ull, 0x8000000000008003ull,
    0x8000000000008002ull, 0x8000000000000080ull, 0x000000000000800aull, 0x800000008000000aull,
    0x8000000080008081ull, 0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull,
};
/* rotation offsets and the pi permutation, in the order of the rho-pi walk */
static const unsigned rho[24] = { 1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14,
                                  27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44 };
static const unsigned pi[24] = { 10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4,
                                 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1 };

static inline uint64_t rol(uint64_t x, unsigned n)
{
    return (x << n) | (x >> (64 - n));
}

static void keccakf(uint64_t a[25])
{
    for (int round = 0; round < 24; round++) {
        uint64_t c[5], t;
        for (int x = 0; x < 5; x++)
            c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
        for (int x = 0; x < 5; x++) {
            t = c[(x + 4) % 5] ^ rol(c[(x + 1) % 5], 1);
            for (int y = 0; y < 25; y += 5)
                a[y + x] ^= t;
        }
        t = a[1];
        for (int i = 0; i < 24; i++) {
            uint64_t u = a[pi[i]];
            a[pi[i]] = rol(t, rho[i]);
            t = u;
        }
        for (int y = 0; y < 25; y += 5) {
            for (int x = 0; x < 5; x++)
                c[x] = a[y + x];
            for (int x = 0; x < 5; x++)
                a[y + x] = c[x] ^ (~c[(x + 1) % 5] & c[(x + 2) % 5]);
        }
        a[0] ^= rc_tab[round];
    }
}

static uint64_t load64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

void ivet_keccak256(const void *data, size_t n, uint8_t out[32])
{
    enum { RATE = 136 };
    uint64_t a[25] = { 0 };
    const uint8_t *p = data;
    for (; n >= RATE; n -= RATE, p += RATE) {
        for (int i = 0; i < RATE / 8; i++)
            a[i] ^= load64(p + 8 * i);
        keccakf(a);
    }
    uint8_t last[RATE] = { 0 };
    memcpy(last, p, n);
    last[n] ^= 0x01;            /* original Keccak padding, not SHA-3's 0x06 */
    last[RATE - 1] ^= 0x80;
    for (int i = 0; i < RATE / 8; i++)
        a[i] ^= load64(last + 8 * i);
    keccakf(a);
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 8; k++)
            out[8 * i + k] = (uint8_t)(a[i] >> (8 * k));
}

/* ---- Monero base58 */

static const char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
/* characters used to encode a block of i bytes */
static const unsigned enc_len[9] = { 0, 2, 3, 5, 6, 7, 9, 10, 11 };

static int b58_digit(char c)
{
    const char *p = c ? strchr(alphabet, c) : NULL;
    return p ? (int)(p - alphabet) : -1;
}

/* Decodes one block of k characters into `bytes` bytes (big-endian). */
static bool decode_block(const char *s, unsigned k, unsigned bytes, uint8_t *out)
{
    unsigned __int128 v = 0;
    for (unsigned i = 0; i < k; i++) {
        int d = b58_digit(s[i]);
        if (d < 0)
            return false;
        v = v * 58 + (unsigned)d;
    }
    if (bytes < 8 && (v >> (8 * bytes)) != 0)
        return false;
    if (bytes == 8 && (v >> 64) != 0)
        return false;
    for (unsigned i = 0; i < bytes; i++)
        out[bytes - 1 - i] = (uint8_t)(v >> (8 * i));
    return true;
}

/* Decodes s[0..n) into out (at least n bytes); returns the byte count or -1. */
static long b58_decode(const char *s, size_t n, uint8_t *out)
{
    size_t full = n / 11, rest = n % 11, o = 0;
    for (size_t b = 0; b < full; b++, o += 8)
        if (!decode_block(s + 11 * b, 11, 8, out + o))
            return -1;
    if (rest) {
        unsigned bytes = 0;
        for (unsigned i = 1; i < 9; i++)
            if (enc_len[i] == rest)
                bytes = i;
        if (!bytes || !decode_block(s + 11 * full, (unsigned)rest, bytes, out + o))
            return -1;
        o += bytes;
    }
    return (long)o;
}

/* Network prefixes (cryptonote_config.h): standard, integrated, subaddress
 * for mainnet, testnet, stagenet. */
static const struct { uint8_t prefix; bool integrated; } prefixes[] = {
    { 18, false }, { 19, true }, { 42, false },
    { 53, false }, { 54, true }, { 63, false },
    { 24, false }, { 25, true }, { 36, false },
};

bool ivet_monero_address_valid(const char *s, size_t n)
{
    uint8_t raw[128], sum[32];
    if (n != 95 && n != 106)
        return false;
    long len = b58_decode(s, n, raw);
    if (len < 5)
        return false;
    /* every prefix above is below 0x80: a one-byte varint */
    size_t i;
    for (i = 0; i < IVET_ARRAY_LEN(prefixes); i++)
        if (raw[0] == prefixes[i].prefix)
            break;
    if (i == IVET_ARRAY_LEN(prefixes))
        return false;
    long want = 1 + 64 + (prefixes[i].integrated ? 8 : 0) + 4;
    if (len != want)
        return false;
    ivet_keccak256(raw, (size_t)len - 4, sum);
    return memcmp(sum, raw + len - 4, 4) == 0;
}
