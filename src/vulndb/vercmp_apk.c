/* vercmp_apk.c: Alpine apk version ordering, written from the rules apk-tools
 * documents: digit{.digit}...{letter}{_suffix{N}}...{~hash}{-rN}.
 *
 * Suffixes order alpha < beta < pre < rc < (none) < cvs < svn < git < hg < p.
 * Dotted components compare numerically, except that a component with a
 * leading zero on either side compares as a string (apk-tools 3 treats
 * "1.05" like a decimal fraction). When one version runs out of tokens first,
 * it is older, unless the other continues with a pre-release suffix. Like
 * `apk version -t`, a malformed tail still compares token by token; only a
 * string that does not start with a digit (or has bytes apk never uses) is
 * rejected as invalid. */
#include "vulndb/vercmp.h"

#include <string.h>

enum tok {
    T_FIRST, T_DIGIT, T_LETTER, T_SUFFIX, T_SUFFIX_NO, T_HASH, T_REV, T_END, T_INVALID
};

struct token {
    enum tok type;
    const char *p;              /* the token's text (digits, letter, suffix name, hash) */
    size_t n;
    int suffix;                 /* rank for T_SUFFIX */
};

/* Rank 4 is "no suffix"; below it are pre-releases. */
#define SUFFIX_RELEASE 4
static const char *const suffixes[] = { "alpha", "beta", "pre", "rc", "", "cvs", "svn",
                                        "git", "hg", "p" };

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
static bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }

static size_t span(const char *s, bool (*pred)(char))
{
    size_t n = 0;
    while (s[n] && pred(s[n]))
        n++;
    return n;
}

static int suffix_rank(const char *p, size_t n)
{
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
        if (i != SUFFIX_RELEASE && strlen(suffixes[i]) == n && memcmp(p, suffixes[i], n) == 0)
            return (int)i;
    return -1;
}

/* Reads the token after `prev` from *s. */
static struct token next_token(const char **s, enum tok prev)
{
    struct token t = { T_INVALID, *s, 0, 0 };
    const char *p = *s;
    size_t n;

    if (*p == '\0') {
        t.type = T_END;
        return t;
    }
    if (prev == T_LETTER && is_digit(*p)) {
        t.type = T_DIGIT;
        t.n = span(p, is_digit);
    } else if (*p == '.' && prev <= T_DIGIT && is_digit(p[1])) {
        t.type = T_DIGIT;
        t.p = p + 1;
        t.n = span(p + 1, is_digit);
        p++;
    } else if (is_lower(*p) && prev <= T_DIGIT) {
        t.type = T_LETTER;
        t.n = 1;
    } else if (*p == '_' && prev <= T_SUFFIX_NO && (n = span(p + 1, is_lower)) > 0 &&
               (t.suffix = suffix_rank(p + 1, n)) >= 0) {
        t.type = T_SUFFIX;
        t.p = p + 1;
        t.n = n;
        p++;
    } else if (prev == T_SUFFIX && is_digit(*p)) {
        t.type = T_SUFFIX_NO;
        t.n = span(p, is_digit);
    } else if (*p == '~' && prev < T_HASH && (n = span(p + 1, is_hex)) > 0) {
        t.type = T_HASH;
        t.p = p + 1;
        t.n = n;
        p++;
    } else if (p[0] == '-' && p[1] == 'r' && prev < T_REV) {
        t.type = T_REV;
        t.p = p + 2;
        t.n = span(p + 2, is_digit);
        p += 2;
    } else {
        return t;                       /* T_INVALID: stays put */
    }
    *s = p + t.n;
    return t;
}

static int lexical(const struct token *a, const struct token *b)
{
    int c = memcmp(a->p, b->p, a->n < b->n ? a->n : b->n);
    if (c)
        return c < 0 ? -1 : 1;
    return a->n == b->n ? 0 : (a->n < b->n ? -1 : 1);
}

static int token_cmp(const struct token *a, const struct token *b)
{
    switch (a->type) {
    case T_DIGIT:
        if ((a->n && a->p[0] == '0') || (b->n && b->p[0] == '0'))
            return lexical(a, b);
        /* fallthrough */
    case T_FIRST:
    case T_SUFFIX_NO:
    case T_REV:
        return ivet_vcmp_digits(a->p, a->n, b->p, b->n);
    case T_LETTER:
        return ivet_vcmp_sign((long)(unsigned char)a->p[0] - (long)(unsigned char)b->p[0]);
    case T_SUFFIX:
        return ivet_vcmp_sign((long)a->suffix - b->suffix);
    default:
        return lexical(a, b);
    }
}

static struct token first_token(const char **s)
{
    struct token t = { T_FIRST, *s, span(*s, is_digit), 0 };
    if (t.n == 0)
        t.type = T_INVALID;
    *s += t.n;
    return t;
}

/* What `apk version -t` refuses to look at: no leading digit, or bytes that
 * no apk version contains. */
static bool acceptable(const char *v)
{
    if (!is_digit(v[0]))
        return false;
    for (const char *p = v; *p; p++)
        if (!(is_digit(*p) || is_lower(*p) || (*p >= 'A' && *p <= 'Z') || strchr("._~+-", *p)))
            return false;
    return true;
}

static int compare(const char *a, const char *b)
{
    struct token ta = first_token(&a), tb = first_token(&b);
    while (ta.type == tb.type && ta.type < T_END) {
        int r = token_cmp(&ta, &tb);
        if (r)
            return r;
        ta = next_token(&a, ta.type);
        tb = next_token(&b, tb.type);
    }
    if (ta.type == tb.type)
        return 0;
    /* The one that continues is newer, unless it continues with a pre-release. */
    if (ta.type == T_SUFFIX && ta.suffix < SUFFIX_RELEASE)
        return -1;
    if (tb.type == T_SUFFIX && tb.suffix < SUFFIX_RELEASE)
        return 1;
    return ta.type > tb.type ? -1 : 1;
}

int ivet_vercmp_apk(const char *a, const char *b, int *res)
{
    if (!acceptable(a))
        return IVET_VCMP_BAD_A;
    if (!acceptable(b))
        return IVET_VCMP_BAD_B;
    *res = compare(a, b);
    return IVET_VCMP_OK;
}

bool ivet_apk_version_valid(const char *v)
{
    struct token t = first_token(&v);
    while (t.type < T_END) {
        enum tok prev = t.type;
        t = next_token(&v, prev);
        /* apk-tools 3 accepts neither "1.0a1" nor an empty "-r" */
        if ((prev == T_LETTER && t.type == T_DIGIT) || (t.type == T_REV && t.n == 0))
            return false;
    }
    return t.type == T_END;
}
