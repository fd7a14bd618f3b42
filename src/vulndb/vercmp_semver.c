/* vercmp_semver.c: Semantic Versioning 2.0.0 precedence (semver.org §11),
 * used for npm, Cargo, OSV SEMVER ranges and, with Go's relaxations
 * (vercmp_go.c), Go module versions. A leading 'v' is tolerated. Build
 * metadata is validated and then ignored. */
#include "vulndb/vercmp.h"

#include <string.h>

#include "vulndb/semver.h"

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_ident(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

/* A numeric identifier: digits, no leading zero unless it is "0". */
static size_t numeric(const char *s)
{
    size_t n = 0;
    while (is_digit(s[n]))
        n++;
    if (n > 1 && s[0] == '0')
        return 0;
    return n;
}

/* Dot-separated identifiers up to a character outside them; 0 when one is
 * empty, or (pre-release only) a numeric one has a leading zero. */
static size_t identifiers(const char *s, bool prerelease)
{
    size_t i = 0;
    for (;;) {
        size_t start = i;
        bool digits = true;
        while (is_ident(s[i])) {
            digits = digits && is_digit(s[i]);
            i++;
        }
        if (i == start)
            return 0;
        if (prerelease && digits && i - start > 1 && s[start] == '0')
            return 0;
        if (s[i] != '.')
            return i;
        i++;
    }
}

bool ivet_semver_parse(const char *s, bool go_short, struct ivet_semver *v)
{
    memset(v, 0, sizeof(*v));
    if (*s == 'v')
        s++;
    const char **part[3] = { &v->major, &v->minor, &v->patch };
    size_t *len[3] = { &v->majlen, &v->minlen, &v->patlen };
    int nparts = 0;
    for (; nparts < 3; nparts++) {
        size_t n = numeric(s);
        if (n == 0)
            return false;
        *part[nparts] = s;
        *len[nparts] = n;
        s += n;
        if (nparts < 2 && *s != '.')
            break;
        if (nparts < 2)
            s++;
    }
    if (nparts < 3) {
        /* "1" and "1.2" only for Go, and never with a suffix */
        if (!go_short || *s)
            return false;
        for (int i = nparts + 1; i < 3; i++) {
            *part[i] = "0";
            *len[i] = 1;
        }
        return true;
    }
    if (*s == '-') {
        size_t n = identifiers(s + 1, true);
        if (n == 0)
            return false;
        v->pre = s + 1;
        v->prelen = n;
        s += 1 + n;
    }
    if (*s == '+') {
        size_t n = identifiers(s + 1, false);
        if (n == 0)
            return false;
        v->build = s + 1;
        v->buildlen = n;
        s += 1 + n;
    }
    return *s == '\0';
}

static int ident_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    bool da = true, db = true;
    for (size_t i = 0; i < an; i++)
        da = da && is_digit(a[i]);
    for (size_t i = 0; i < bn; i++)
        db = db && is_digit(b[i]);
    if (da && db)
        return ivet_vcmp_digits(a, an, b, bn);
    if (da != db)
        return da ? -1 : 1;         /* numeric identifiers sort first */
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c)
        return ivet_vcmp_sign(c);
    return an == bn ? 0 : (an < bn ? -1 : 1);
}

static int pre_cmp(const struct ivet_semver *a, const struct ivet_semver *b)
{
    if (!a->pre || !b->pre)
        return a->pre ? -1 : (b->pre ? 1 : 0);
    const char *pa = a->pre, *ea = a->pre + a->prelen;
    const char *pb = b->pre, *eb = b->pre + b->prelen;
    while (pa < ea && pb < eb) {
        const char *qa = memchr(pa, '.', (size_t)(ea - pa)), *qb = memchr(pb, '.', (size_t)(eb - pb));
        if (!qa)
            qa = ea;
        if (!qb)
            qb = eb;
        int c = ident_cmp(pa, (size_t)(qa - pa), pb, (size_t)(qb - pb));
        if (c)
            return c;
        pa = qa < ea ? qa + 1 : ea;
        pb = qb < eb ? qb + 1 : eb;
    }
    return pa < ea ? 1 : (pb < eb ? -1 : 0);
}

int ivet_semver_cmp(const struct ivet_semver *a, const struct ivet_semver *b)
{
    int c = ivet_vcmp_digits(a->major, a->majlen, b->major, b->majlen);
    if (!c)
        c = ivet_vcmp_digits(a->minor, a->minlen, b->minor, b->minlen);
    if (!c)
        c = ivet_vcmp_digits(a->patch, a->patlen, b->patch, b->patlen);
    if (!c)
        c = pre_cmp(a, b);
    return c;
}

int ivet_vercmp_semver(const char *a, const char *b, int *res)
{
    struct ivet_semver va, vb;
    if (!ivet_semver_parse(a, false, &va))
        return IVET_VCMP_BAD_A;
    if (!ivet_semver_parse(b, false, &vb))
        return IVET_VCMP_BAD_B;
    *res = ivet_semver_cmp(&va, &vb);
    return IVET_VCMP_OK;
}
