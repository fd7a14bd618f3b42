/* tu_rawtar.h: test-only hand-made tar archives, byte by byte, for the
 * shapes a tar writer library refuses to produce: GNU long names, unpadded
 * or truncated members, missing end-of-archive blocks, sparse maps, entries
 * named "/". Header-only: included by the layer tests and nothing else. */
#ifndef IVET_TU_RAWTAR_H
#define IVET_TU_RAWTAR_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tu_raw {
    uint8_t *p;
    size_t len, cap;
};

static inline void tu_raw_put(struct tu_raw *t, const void *p, size_t n)
{
    if (t->len + n > t->cap) {
        t->cap = (t->len + n) * 2 + 4096;
        t->p = realloc(t->p, t->cap);
        if (!t->p)
            abort();
    }
    memcpy(t->p + t->len, p, n);
    t->len += n;
}

static inline void tu_raw_zeros(struct tu_raw *t, size_t n)
{
    uint8_t z[512] = { 0 };
    while (n) {
        size_t k = n < sizeof(z) ? n : sizeof(z);
        tu_raw_put(t, z, k);
        n -= k;
    }
}

/* A 512-byte header; `gnu` writes the GNU magic ("ustar  "), else POSIX ustar. */
static inline void tu_raw_header(struct tu_raw *t, const char *name, char type, unsigned mode,
                                 unsigned long long size, const char *link, int gnu)
{
    uint8_t h[512] = { 0 };
    strncpy((char *)h, name, 100);
    snprintf((char *)h + 100, 8, "%07o", mode);
    snprintf((char *)h + 108, 8, "%07o", 0u);
    snprintf((char *)h + 116, 8, "%07o", 0u);
    char sz[32];
    snprintf(sz, sizeof(sz), "%011llo", size);
    memcpy(h + 124, sz, 12);            /* 11 digits and a NUL for sizes below 8 GiB */
    snprintf((char *)h + 136, 12, "%011o", 1700000000u);
    h[156] = (uint8_t)type;
    if (link)
        strncpy((char *)h + 157, link, 100);
    if (gnu)
        memcpy(h + 257, "ustar  ", 8);
    else
        memcpy(h + 257, "ustar\0" "00", 8);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    h[155] = ' ';
    tu_raw_put(t, h, 512);
}

/* Header plus content plus padding (pad = 0 leaves the member unpadded). */
static inline void tu_raw_member(struct tu_raw *t, const char *name, char type, unsigned mode,
                                 const void *data, size_t len, const char *link, int pad)
{
    tu_raw_header(t, name, type, mode, len, link, 0);
    if (len)
        tu_raw_put(t, data, len);
    if (pad && len % 512)
        tu_raw_zeros(t, 512 - len % 512);
}

/* A GNU long name ('L') or long link ('K') record followed by nothing else. */
static inline void tu_raw_gnu_long(struct tu_raw *t, char type, const char *value)
{
    size_t n = strlen(value) + 1;
    tu_raw_header(t, "././@LongLink", type, 0644, n, NULL, 1);
    tu_raw_put(t, value, n);
    if (n % 512)
        tu_raw_zeros(t, 512 - n % 512);
}

/* A pax extended header ('x') holding `records` ("len key=value\n" each). */
static inline void tu_raw_pax(struct tu_raw *t, const char *records)
{
    tu_raw_member(t, "PaxHeaders/x", 'x', 0644, records, strlen(records), NULL, 1);
}

/* One "len key=value\n" pax record appended to buf (len counts itself). */
static inline void tu_pax_record(char *buf, size_t cap, const char *key, const char *value)
{
    size_t body = strlen(key) + strlen(value) + 3;  /* ' ' '=' '\n' */
    size_t len = body + 1;
    while (snprintf(NULL, 0, "%zu", len) + body != len)
        len++;
    size_t at = strlen(buf);
    snprintf(buf + at, cap - at, "%zu %s=%s\n", len, key, value);
}

static inline void tu_raw_end(struct tu_raw *t)
{
    tu_raw_zeros(t, 1024);
}

#endif
