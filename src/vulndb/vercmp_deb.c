/* vercmp_deb.c: Debian version ordering as deb-version(7) specifies it:
 * [epoch:]upstream[-revision]. The epoch compares numerically; upstream and
 * revision compare by alternating non-digit runs (where '~' sorts before
 * everything, even the end of the string, and letters before other
 * characters) and digit runs (by value).
 *
 * Parsing follows dpkg: surrounding blanks are ignored; an empty version, an
 * empty or non-numeric epoch, an empty upstream or revision, an embedded
 * blank and an epoch beyond INT_MAX are errors. Odd characters or an
 * upstream that does not start with a digit only draw a warning from dpkg,
 * so they are compared, not refused. */
#include "vulndb/vercmp.h"

#include <limits.h>
#include <string.h>

struct debver {
    unsigned long epoch;
    const char *up;
    size_t uplen;
    const char *rev;            /* "" when absent */
    size_t revlen;
};

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

static bool parse(const char *s, struct debver *v)
{
    size_t n = strlen(s);
    while (n && is_blank(*s))
        s++, n--;
    while (n && is_blank(s[n - 1]))
        n--;
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (is_blank(s[i]))
            return false;
    const char *colon = memchr(s, ':', n);
    v->epoch = 0;
    if (colon) {
        if (colon == s)
            return false;
        for (const char *p = s; p < colon; p++) {
            if (!is_digit(*p))
                return false;
            v->epoch = v->epoch * 10 + (unsigned long)(*p - '0');
            if (v->epoch > INT_MAX)
                return false;
        }
        n -= (size_t)(colon + 1 - s);
        s = colon + 1;
    }
    const char *dash = NULL;
    for (size_t i = n; i > 0; i--)
        if (s[i - 1] == '-') {
            dash = s + i - 1;
            break;
        }
    v->up = s;
    v->uplen = dash ? (size_t)(dash - s) : n;
    v->rev = dash ? dash + 1 : "";
    v->revlen = dash ? n - v->uplen - 1 : 0;
    if (v->uplen == 0 || (dash && v->revlen == 0))
        return false;
    return true;
}

/* Weight of a character in a non-digit run; 0 is the end of the run. */
static int order(const char *p, const char *end)
{
    if (p >= end || is_digit(*p))
        return 0;
    if (*p == '~')
        return -1;
    if (is_alpha(*p))
        return (unsigned char)*p;
    return (unsigned char)*p + 256;
}

static int part_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    const char *ae = a + alen, *be = b + blen;
    while (a < ae || b < be) {
        while ((a < ae && !is_digit(*a)) || (b < be && !is_digit(*b))) {
            int oa = order(a, ae), ob = order(b, be);
            if (oa != ob)
                return oa < ob ? -1 : 1;
            if (a < ae && !is_digit(*a))
                a++;
            if (b < be && !is_digit(*b))
                b++;
        }
        const char *da = a, *db = b;
        while (a < ae && is_digit(*a))
            a++;
        while (b < be && is_digit(*b))
            b++;
        int c = ivet_vcmp_digits(da, (size_t)(a - da), db, (size_t)(b - db));
        if (c)
            return c;
    }
    return 0;
}

int ivet_vercmp_deb(const char *a, const char *b, int *res)
{
    struct debver va, vb;
    if (!parse(a, &va))
        return IVET_VCMP_BAD_A;
    if (!parse(b, &vb))
        return IVET_VCMP_BAD_B;
    if (va.epoch != vb.epoch)
        *res = va.epoch < vb.epoch ? -1 : 1;
    else if ((*res = part_cmp(va.up, va.uplen, vb.up, vb.uplen)) == 0)
        *res = part_cmp(va.rev, va.revlen, vb.rev, vb.revlen);
    return IVET_VCMP_OK;
}
