/* confusables.c: how alike two names look or type. It folds look-alike
 * characters to one skeleton (1/l/i, 0/o, rn/m, vv/w, 5/s, ...), measures
 * Damerau-Levenshtein distance and knows which keys sit next to each other.
 * Deciding what a similarity means is names.c's business. */
#include "analyze/names.h"

#include <string.h>

/* Multi-character look-alikes first: they are tried before single ones. */
static const struct {
    const char *from, *to;
} multi[] = {
    { "rn", "m" }, { "vv", "w" }, { "nn", "m" }, { "cl", "d" }, { "ii", "u" },
};

static char fold1(char c)
{
    if (c >= 'A' && c <= 'Z')
        c = (char)(c - 'A' + 'a');
    switch (c) {
    case '1': case 'i': case '|': case '!': case 'j':
        return 'l';
    case '0':
        return 'o';
    case '5': case '$':
        return 's';
    case '3':
        return 'e';
    case '4': case '@':
        return 'a';
    case '7':
        return 't';
    case '8':
        return 'b';
    case '9': case '6': case 'q':
        return 'g';
    case '2':
        return 'z';
    case 'u':
        return 'v';
    default:
        return c;
    }
}

size_t ivet_confusable_skeleton(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    if (cap == 0)
        return 0;
    for (size_t i = 0; i < n && o + 1 < cap;) {
        bool done = false;
        for (size_t k = 0; k < IVET_ARRAY_LEN(multi); k++) {
            size_t fl = strlen(multi[k].from);
            if (i + fl <= n && !memcmp(s + i, multi[k].from, fl)) {
                out[o++] = fold1(multi[k].to[0]);
                i += fl;
                done = true;
                break;
            }
        }
        if (!done)
            out[o++] = fold1(s[i++]);
    }
    out[o] = 0;
    return o;
}

/* Optimal string alignment distance (Damerau-Levenshtein restricted to
 * adjacent transpositions), stopping early beyond `max`. Names are short
 * (<= 255), so three rows on the stack suffice. */
unsigned ivet_dl_distance(const char *a, size_t na, const char *b, size_t nb, unsigned max)
{
    if (na > 255 || nb > 255)
        return max + 1;
    if ((na > nb ? na - nb : nb - na) > max)
        return max + 1;
    unsigned rows[3][256];
    unsigned *pp = rows[0], *p = rows[1], *c = rows[2];
    for (size_t j = 0; j <= nb; j++)
        p[j] = (unsigned)j;
    for (size_t i = 1; i <= na; i++) {
        c[0] = (unsigned)i;
        unsigned best = c[0];
        for (size_t j = 1; j <= nb; j++) {
            unsigned cost = a[i - 1] == b[j - 1] ? 0 : 1;
            unsigned v = p[j] + 1;
            if (c[j - 1] + 1 < v)
                v = c[j - 1] + 1;
            if (p[j - 1] + cost < v)
                v = p[j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] + 1 < v)
                v = pp[j - 2] + 1;
            c[j] = v;
            if (v < best)
                best = v;
        }
        if (best > max)
            return max + 1;
        unsigned *t = pp;
        pp = p;
        p = c;
        c = t;
    }
    return p[nb];
}

/* QWERTY rows; neighbours are left/right on a row and the keys above and
 * below at the same or next offset. */
static const char *const rows_qwerty[] = { "1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm" };

static bool key_pos(char c, int *row, int *col)
{
    for (int r = 0; r < 4; r++) {
        const char *p = strchr(rows_qwerty[r], c);
        if (p && c) {
            *row = r;
            *col = (int)(p - rows_qwerty[r]);
            return true;
        }
    }
    return false;
}

bool ivet_keys_adjacent(char a, char b)
{
    int ra, ca, rb, cb;
    if (a == b || !key_pos(a, &ra, &ca) || !key_pos(b, &rb, &cb))
        return false;
    if (ra == rb)
        return ca - cb == 1 || cb - ca == 1;
    if (ra - rb == 1 || rb - ra == 1) {
        /* each row is shifted about half a key to the right of the one above */
        int upper_col = ra < rb ? ca : cb, lower_col = ra < rb ? cb : ca;
        return lower_col == upper_col || lower_col == upper_col - 1;
    }
    return false;
}
