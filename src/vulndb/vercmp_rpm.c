/* vercmp_rpm.c: RPM version ordering: [epoch:]version[-release], each of
 * version and release compared by rpmvercmp's rules. Both strings are cut
 * into alphanumeric segments (other characters only separate); digit
 * segments compare by value and beat letter segments, letter segments
 * compare as bytes; '~' sorts before anything (even the end) and '^' after
 * the end but before anything else; whichever string has segments left wins.
 *
 * The epoch is the part before the first ':' when that part is all digits
 * (a missing epoch is 0); the release is what follows the last '-'. When
 * only one side has a release, the releases are not compared (rpm's
 * behaviour for dependency ranges without a release). */
#include "vulndb/vercmp.h"

#include <string.h>

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }

int ivet_rpmvercmp(const char *a, size_t alen, const char *b, size_t blen)
{
    const char *ae = a + alen, *be = b + blen;
    if (alen == blen && memcmp(a, b, alen) == 0)
        return 0;
    while (a < ae || b < be) {
        while (a < ae && !is_alnum(*a) && *a != '~' && *a != '^')
            a++;
        while (b < be && !is_alnum(*b) && *b != '~' && *b != '^')
            b++;
        bool at = a < ae && *a == '~', bt = b < be && *b == '~';
        if (at || bt) {
            if (!at)
                return 1;
            if (!bt)
                return -1;
            a++, b++;
            continue;
        }
        bool ac = a < ae && *a == '^', bc = b < be && *b == '^';
        if (ac || bc) {
            if (a >= ae)
                return -1;
            if (b >= be)
                return 1;
            if (!ac)
                return 1;
            if (!bc)
                return -1;
            a++, b++;
            continue;
        }
        if (a >= ae || b >= be)
            break;
        const char *sa = a, *sb = b;
        bool num = is_digit(*a);
        bool (*pred)(char) = num ? is_digit : is_alpha;
        while (a < ae && pred(*a))
            a++;
        while (b < be && pred(*b))
            b++;
        if (b == sb)
            return num ? 1 : -1;    /* digits beat letters */
        int c;
        if (num) {
            c = ivet_vcmp_digits(sa, (size_t)(a - sa), sb, (size_t)(b - sb));
        } else {
            size_t la = (size_t)(a - sa), lb = (size_t)(b - sb);
            c = memcmp(sa, sb, la < lb ? la : lb);
            c = c ? ivet_vcmp_sign(c) : (la == lb ? 0 : (la < lb ? -1 : 1));
        }
        if (c)
            return c;
    }
    if (a >= ae && b >= be)
        return 0;
    return a >= ae ? -1 : 1;
}

struct evr {
    const char *e, *v, *r;      /* e NULL when absent, r NULL when absent */
    size_t elen, vlen, rlen;
};

static bool parse(const char *s, struct evr *x)
{
    if (!*s)
        return false;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p == 0x7f)
            return false;
    memset(x, 0, sizeof(*x));
    const char *colon = strchr(s, ':');
    if (colon && colon > s) {
        const char *p = s;
        while (p < colon && is_digit(*p))
            p++;
        if (p == colon) {
            x->e = s;
            x->elen = (size_t)(colon - s);
            s = colon + 1;
        }
    }
    const char *dash = strrchr(s, '-');
    x->v = s;
    x->vlen = dash ? (size_t)(dash - s) : strlen(s);
    if (dash) {
        x->r = dash + 1;
        x->rlen = strlen(dash + 1);
    }
    return true;
}

int ivet_vercmp_rpm(const char *a, const char *b, int *res)
{
    struct evr xa, xb;
    if (!parse(a, &xa))
        return IVET_VCMP_BAD_A;
    if (!parse(b, &xb))
        return IVET_VCMP_BAD_B;
    int c = ivet_vcmp_digits(xa.e ? xa.e : "", xa.elen, xb.e ? xb.e : "", xb.elen);
    if (!c)
        c = ivet_rpmvercmp(xa.v, xa.vlen, xb.v, xb.vlen);
    if (!c && (xa.r || xb.r))
        c = !xa.r ? -1 : (!xb.r ? 1 : ivet_rpmvercmp(xa.r, xa.rlen, xb.r, xb.rlen));
    *res = c;
    return IVET_VCMP_OK;
}
