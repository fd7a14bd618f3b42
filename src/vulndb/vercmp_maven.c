/* vercmp_maven.c: Maven version ordering, following the Version Order
 * Specification of Maven's ComparableVersion.
 *
 * The lowercased version is cut at '.', at '-' and at every switch between
 * digits and letters; '-' and a switch open a nested list, so "1-rc-2" is
 * [1, [rc, [2]]]. An empty token is 0. A letter token directly followed by
 * digits expands a -> alpha, b -> beta, m -> milestone; ga, final and
 * release mean "" and cr means rc. Trailing null items (0, "", empty lists)
 * are dropped from every list. Items compare as: numbers by value; numbers
 * above lists above qualifiers; qualifiers alpha < beta < milestone < rc <
 * snapshot < "" < sp < any other word (those alphabetically); a missing
 * item counts as null, i.e. 0 or "". A qualifier at the very end after '.'
 * is treated as if it followed '-' ("1.0.x1" < "1.0-x2" would be odd). */
#include "vulndb/vercmp.h"

#include "core/core.h"

#include <string.h>

/* Each character adds at most two items (a token and a list): "1-1-1..." */
#define MAX_ITEMS (2 * IVET_VERSION_MAX + 4)

enum kind { K_INT, K_STR, K_LIST };

struct item {
    enum kind kind;
    const char *p;              /* INT: digits without leading zeros; STR: word */
    size_t n;
    int first, last, next;      /* LIST children; sibling link; -1 = none */
    int rank;                   /* STR: qualifier rank, 7 = unknown word */
};

struct mvn {
    char text[IVET_VERSION_MAX + 1];
    struct item it[MAX_ITEMS];
    int nit;
};

static const char *const qualifiers[] = { "alpha", "beta", "milestone", "rc", "snapshot", "", "sp" };
#define RANK_RELEASE 5
#define RANK_OTHER 7

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static int new_item(struct mvn *m, enum kind k, const char *p, size_t n)
{
    IVET_ASSERT(m->nit < MAX_ITEMS);        /* guaranteed by the bound above */
    struct item *it = &m->it[m->nit];
    *it = (struct item){ k, p, n, -1, -1, -1, 0 };
    return m->nit++;
}

static void append(struct mvn *m, int list, int child)
{
    if (m->it[list].last < 0)
        m->it[list].first = child;
    else
        m->it[m->it[list].last].next = child;
    m->it[list].last = child;
}

static int add_token(struct mvn *m, int list, const char *p, size_t n, bool digits, bool followed_by_digit)
{
    int i;
    if (n == 0) {
        i = new_item(m, K_INT, "", 0);
    } else if (digits) {
        while (n > 0 && *p == '0')
            p++, n--;
        i = new_item(m, K_INT, p, n);
    } else {
        if (followed_by_digit && n == 1) {
            if (*p == 'a')
                p = "alpha", n = 5;
            else if (*p == 'b')
                p = "beta", n = 4;
            else if (*p == 'm')
                p = "milestone", n = 9;
        }
        if ((n == 2 && !memcmp(p, "ga", 2)) || (n == 5 && !memcmp(p, "final", 5)) ||
            (n == 7 && !memcmp(p, "release", 7)))
            p = "", n = 0;
        else if (n == 2 && !memcmp(p, "cr", 2))
            p = "rc", n = 2;
        i = new_item(m, K_STR, p, n);
        m->it[i].rank = RANK_OTHER;
        for (int q = 0; q < (int)(sizeof(qualifiers) / sizeof(qualifiers[0])); q++)
            if (strlen(qualifiers[q]) == n && !memcmp(qualifiers[q], p, n))
                m->it[i].rank = q;
    }
    append(m, list, i);
    return i;
}

static int open_list(struct mvn *m, int list)
{
    int l = new_item(m, K_LIST, NULL, 0);
    append(m, list, l);
    return l;
}

static bool is_null(const struct mvn *m, int i)
{
    const struct item *it = &m->it[i];
    if (it->kind == K_INT)
        return it->n == 0;
    if (it->kind == K_STR)
        return it->rank == RANK_RELEASE;
    return it->first < 0;
}

/* Drops trailing nulls; a non-null list does not stop the scan (Maven's
 * normalize()), so "1.0-alpha" becomes [1, [alpha]]. */
static void normalize(struct mvn *m, int list)
{
    int kids[MAX_ITEMS], n = 0;
    for (int c = m->it[list].first; c >= 0; c = m->it[c].next)
        kids[n++] = c;
    bool keep[MAX_ITEMS];
    for (int i = 0; i < n; i++)
        keep[i] = true;
    for (int i = n - 1; i >= 0; i--) {
        if (is_null(m, kids[i]))
            keep[i] = false;
        else if (m->it[kids[i]].kind != K_LIST)
            break;
    }
    m->it[list].first = m->it[list].last = -1;
    for (int i = 0; i < n; i++) {
        if (!keep[i])
            continue;
        m->it[kids[i]].next = -1;
        append(m, list, kids[i]);
    }
}

static bool parse(const char *v, struct mvn *m)
{
    size_t len = strlen(v);
    if (len == 0 || len > IVET_VERSION_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = v[i];
        if ((unsigned char)c <= ' ' || (unsigned char)c >= 0x7f)
            return false;
        m->text[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    m->text[len] = '\0';
    m->nit = 0;
    int root = new_item(m, K_LIST, NULL, 0), list = root;
    const char *s = m->text;
    size_t start = 0;
    bool digit = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '.' || c == '-') {
            add_token(m, list, s + start, i - start, digit, false);
            start = i + 1;
            if (c == '-')
                list = open_list(m, list);
        } else if (is_digit(c)) {
            if (!digit && i > start) {
                add_token(m, list, s + start, i - start, false, true);
                start = i;
                list = open_list(m, list);
            }
            digit = true;
        } else {
            if (digit && i > start) {
                add_token(m, list, s + start, i - start, true, false);
                start = i;
                list = open_list(m, list);
            }
            digit = false;
        }
    }
    if (len > start) {
        if (!digit && m->it[list].first >= 0)
            list = open_list(m, list);
        add_token(m, list, s + start, len - start, digit, false);
    }
    /* Lists were created parent before child: normalise children first. */
    for (int i = m->nit - 1; i >= 0; i--)
        if (m->it[i].kind == K_LIST)
            normalize(m, i);
    return true;
}

static int str_cmp(const struct item *a, const struct item *b)
{
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    if (a->rank != RANK_OTHER)
        return 0;
    int c = memcmp(a->p, b->p, a->n < b->n ? a->n : b->n);
    return c ? ivet_vcmp_sign(c) : (a->n == b->n ? 0 : (a->n < b->n ? -1 : 1));
}

/* Item i against a missing item. */
static int cmp_null(const struct mvn *m, int i)
{
    const struct item *it = &m->it[i];
    switch (it->kind) {
    case K_INT:
        return it->n == 0 ? 0 : 1;
    case K_STR:
        return it->rank == RANK_RELEASE ? 0 : (it->rank < RANK_RELEASE ? -1 : 1);
    default:
        return it->first < 0 ? 0 : cmp_null(m, it->first);
    }
}

static int cmp_item(const struct mvn *ma, int a, const struct mvn *mb, int b);

static int cmp_list(const struct mvn *ma, int a, const struct mvn *mb, int b)
{
    int x = ma->it[a].first, y = mb->it[b].first;
    while (x >= 0 || y >= 0) {
        int c;
        if (x < 0)
            c = -cmp_null(mb, y);
        else if (y < 0)
            c = cmp_null(ma, x);
        else
            c = cmp_item(ma, x, mb, y);
        if (c)
            return c;
        if (x >= 0)
            x = ma->it[x].next;
        if (y >= 0)
            y = mb->it[y].next;
    }
    return 0;
}

static int cmp_item(const struct mvn *ma, int a, const struct mvn *mb, int b)
{
    const struct item *x = &ma->it[a], *y = &mb->it[b];
    if (x->kind != y->kind) {
        /* INT > LIST > STR */
        static const int weight[] = { [K_INT] = 2, [K_LIST] = 1, [K_STR] = 0 };
        return weight[x->kind] < weight[y->kind] ? -1 : 1;
    }
    if (x->kind == K_INT)
        return ivet_vcmp_digits(x->p, x->n, y->p, y->n);
    if (x->kind == K_STR)
        return str_cmp(x, y);
    return cmp_list(ma, a, mb, b);
}

int ivet_vercmp_maven(const char *a, const char *b, int *res)
{
    /* Two parsed versions are ~100 KiB: too much for a thread's stack. */
    struct mvn *m = ivet_calloc(2, sizeof(*m));
    if (!m)
        return IVET_VCMP_BAD_A;
    int rc = IVET_VCMP_OK;
    if (!parse(a, &m[0]))
        rc = IVET_VCMP_BAD_A;
    else if (!parse(b, &m[1]))
        rc = IVET_VCMP_BAD_B;
    else
        *res = cmp_list(&m[0], 0, &m[1], 0);
    ivet_free(m);
    return rc;
}
