/* vercmp_pep440.c: Python version ordering as PEP 440 specifies it, after
 * the normalisation PEP 440 allows (case, a leading 'v', optional '.', '-',
 * '_' separators, the spellings alpha/beta/c/pre/preview/rev/r, implicit
 * numbers and the implicit post-release "1.0-1").
 *
 * Order: epoch, release (trailing zeros ignored), then a dev-only release
 * before any pre-release, pre-releases a < b < rc, the release itself,
 * post-releases; within each, .devN sorts first; a local version sorts
 * after the same public version, its segments compared numerically when
 * both are numbers, else case-insensitively, with numbers above words. */
#include "vulndb/vercmp.h"

#include <string.h>
#include <strings.h>

#define MAX_RELEASE 64

struct slice {
    const char *p;
    size_t n;
};

struct pep {
    struct slice epoch;
    struct slice rel[MAX_RELEASE];
    int nrel;
    int pre;                    /* -1 none, 0 a, 1 b, 2 rc */
    struct slice pren, postn, devn;
    bool post, dev;
    struct slice local;         /* n == 0 when absent */
};

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alnum(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static bool is_sep(char c) { return c == '.' || c == '-' || c == '_'; }

static struct slice digits(const char **s)
{
    struct slice d = { *s, 0 };
    while (is_digit(d.p[d.n]))
        d.n++;
    *s += d.n;
    return d;
}

/* Matches one of `labels` (case-insensitive) at s, longest first in the
 * table; returns its index and advances, or -1. */
static int label(const char **s, const char *const *labels, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(labels[i]);
        if (strncasecmp(*s, labels[i], l) == 0) {
            *s += l;
            return (int)i;
        }
    }
    return -1;
}

/* [-_.]? LABEL [-_.]? N? ; on no match, s is untouched. */
static int tagged(const char **s, const char *const *labels, size_t n, struct slice *num)
{
    const char *p = *s;
    if (is_sep(*p))
        p++;
    int k = label(&p, labels, n);
    if (k < 0)
        return -1;
    const char *q = p;
    if (is_sep(*q))
        q++;
    if (is_digit(*q))
        p = q;
    *num = digits(&p);
    *s = p;
    return k;
}

static bool parse(const char *s, struct pep *v)
{
    static const char *const pre_labels[] = { "preview", "alpha", "beta", "pre", "rc", "a", "b", "c" };
    static const int pre_kind[] = { 2, 0, 1, 2, 2, 0, 1, 2 };
    static const char *const post_labels[] = { "post", "rev", "r" };
    static const char *const dev_labels[] = { "dev" };
    const char *end;

    memset(v, 0, sizeof(*v));
    v->pre = -1;
    while (*s == ' ' || *s == '\t' || *s == '\n')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n'))
        end--;
    if (*s == 'v' || *s == 'V')
        s++;
    struct slice d = digits(&s);
    if (d.n == 0)
        return false;
    if (*s == '!') {
        v->epoch = d;
        s++;
        d = digits(&s);
        if (d.n == 0)
            return false;
    }
    v->rel[v->nrel++] = d;
    while (*s == '.' && is_digit(s[1])) {
        if (v->nrel == MAX_RELEASE)
            return false;
        s++;
        v->rel[v->nrel++] = digits(&s);
    }
    int k = tagged(&s, pre_labels, (sizeof(pre_labels) / sizeof(pre_labels[0])), &v->pren);
    if (k >= 0)
        v->pre = pre_kind[k];
    if (*s == '-' && is_digit(s[1])) {
        s++;
        v->post = true;
        v->postn = digits(&s);
    } else if (tagged(&s, post_labels, (sizeof(post_labels) / sizeof(post_labels[0])), &v->postn) >= 0) {
        v->post = true;
    }
    if (tagged(&s, dev_labels, 1, &v->devn) >= 0)
        v->dev = true;
    if (*s == '+') {
        s++;
        v->local.p = s;
        if (!is_alnum(*s))
            return false;
        for (;;) {
            while (is_alnum(*s))
                s++;
            if (!is_sep(*s) || !is_alnum(s[1]))
                break;
            s++;
        }
        v->local.n = (size_t)(s - v->local.p);
    }
    return s == end;
}

static int num_cmp(struct slice a, struct slice b)
{
    return ivet_vcmp_digits(a.p, a.n, b.p, b.n);
}

static bool all_digits(struct slice s)
{
    for (size_t i = 0; i < s.n; i++)
        if (!is_digit(s.p[i]))
            return false;
    return true;
}

static struct slice next_segment(struct slice *rest)
{
    struct slice seg = { rest->p, 0 };
    while (seg.n < rest->n && !is_sep(rest->p[seg.n]))
        seg.n++;
    size_t skip = seg.n < rest->n ? seg.n + 1 : seg.n;
    rest->p += skip;
    rest->n -= skip;
    return seg;
}

static int local_cmp(struct slice a, struct slice b)
{
    if (!a.n || !b.n)
        return a.n ? 1 : (b.n ? -1 : 0);
    while (a.n && b.n) {
        struct slice sa = next_segment(&a), sb = next_segment(&b);
        bool da = all_digits(sa), db = all_digits(sb);
        int c;
        if (da && db) {
            c = num_cmp(sa, sb);
        } else if (da != db) {
            c = da ? 1 : -1;
        } else {
            c = strncasecmp(sa.p, sb.p, sa.n < sb.n ? sa.n : sb.n);
            c = c ? ivet_vcmp_sign(c) : (sa.n == sb.n ? 0 : (sa.n < sb.n ? -1 : 1));
        }
        if (c)
            return c;
    }
    return a.n ? 1 : (b.n ? -1 : 0);
}

/* Pre-release key: a dev-only release sorts below every pre-release, a
 * final release above them. */
static int pre_rank(const struct pep *v)
{
    if (v->pre >= 0)
        return 1;
    return (!v->post && v->dev) ? 0 : 2;
}

static int compare(const struct pep *a, const struct pep *b)
{
    static const struct slice zero = { "0", 1 };
    int c = num_cmp(a->epoch, b->epoch);
    for (int i = 0; !c && (i < a->nrel || i < b->nrel); i++)
        c = num_cmp(i < a->nrel ? a->rel[i] : zero, i < b->nrel ? b->rel[i] : zero);
    if (c)
        return c;
    int ra = pre_rank(a), rb = pre_rank(b);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    if (ra == 1) {
        if (a->pre != b->pre)
            return a->pre < b->pre ? -1 : 1;
        if ((c = num_cmp(a->pren, b->pren)))
            return c;
    }
    if (a->post != b->post)
        return a->post ? 1 : -1;
    if (a->post && (c = num_cmp(a->postn, b->postn)))
        return c;
    if (a->dev != b->dev)
        return a->dev ? -1 : 1;
    if (a->dev && (c = num_cmp(a->devn, b->devn)))
        return c;
    return local_cmp(a->local, b->local);
}

int ivet_vercmp_pep440(const char *a, const char *b, int *res)
{
    struct pep va, vb;
    if (!parse(a, &va))
        return IVET_VCMP_BAD_A;
    if (!parse(b, &vb))
        return IVET_VCMP_BAD_B;
    *res = compare(&va, &vb);
    return IVET_VCMP_OK;
}
