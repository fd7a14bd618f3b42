/* reg_auth.c: parses WWW-Authenticate challenges (RFC 7235 grammar) into the
 * scheme and the realm/service/scope parameters the token flow needs. The
 * value comes from a server and is treated as hostile: bounded, no recursion,
 * every byte checked. Fetching tokens is reg_http.c's business. */
#include "source/reg.h"

#include <string.h>
#include <strings.h>

#define MAX_CHALLENGE 8192              /* longer header values are refused */
#define MAX_PARAM 4096                  /* one parameter value */

static bool is_tchar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* A token at p: its length (0 when there is none). */
static size_t token_len(const char *p)
{
    size_t n = 0;
    while (is_tchar(p[n]))
        n++;
    return n;
}

/* Reads a quoted string starting at the opening quote into a fresh string;
 * *end receives the position after the closing quote. */
static char *quoted(const char *p, const char **end, struct ivet_err *err)
{
    struct ivet_buf b;
    ivet_buf_init(&b, MAX_PARAM);
    p++;
    for (;;) {
        char c = *p;
        if (!c) {
            ivet_buf_release(&b);
            ivet_err_set(err, IVET_E_FORMAT, "unterminated quoted string in WWW-Authenticate");
            return NULL;
        }
        if (c == '"')
            break;
        if (c == '\\' && p[1])
            c = *++p;
        if ((unsigned char)c < 0x20 && c != '\t') {
            ivet_buf_release(&b);
            ivet_err_set(err, IVET_E_FORMAT, "control character in WWW-Authenticate");
            return NULL;
        }
        if (ivet_buf_append(&b, &c, 1, err) < 0) {
            ivet_buf_release(&b);
            return NULL;
        }
        p++;
    }
    *end = p + 1;
    char *s = ivet_buf_detach(&b);
    if (!s)
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    return s;
}

static enum ivet_reg_scheme scheme_of(const char *p, size_t n)
{
    if (n == 6 && !strncasecmp(p, "bearer", 6))
        return IVET_REG_AUTH_BEARER;
    if (n == 5 && !strncasecmp(p, "basic", 5))
        return IVET_REG_AUTH_BASIC;
    return IVET_REG_AUTH_OTHER;
}

static int rank(enum ivet_reg_scheme s)
{
    return s == IVET_REG_AUTH_BEARER ? 3 : s == IVET_REG_AUTH_BASIC ? 2 : 1;
}

/* Stores a parameter of the challenge being read when it is one we use. */
static void keep_param(struct ivet_reg_challenge *c, const char *name, size_t n, char **val)
{
    char **slot = NULL;
    if (n == 5 && !strncasecmp(name, "realm", 5))
        slot = &c->realm;
    else if (n == 7 && !strncasecmp(name, "service", 7))
        slot = &c->service;
    else if (n == 5 && !strncasecmp(name, "scope", 5))
        slot = &c->scope;
    if (slot && !*slot) {
        *slot = *val;
        *val = NULL;
    }
}

/* Reads one challenge at *pp ("Scheme p=v, q="w""), stopping before the
 * comma that starts the next challenge. */
static int read_challenge(const char **pp, struct ivet_reg_challenge *c, struct ivet_err *err)
{
    const char *p = skip_ws(*pp);
    size_t n = token_len(p);
    if (!n)
        return ivet_err_set(err, IVET_E_FORMAT, "WWW-Authenticate has no auth scheme");
    c->scheme = scheme_of(p, n);
    p = skip_ws(p + n);
    bool first = true;
    for (;;) {
        const char *start = p;
        if (!first) {
            if (*p != ',')
                break;
            p = skip_ws(p + 1);
            while (*p == ',')
                p = skip_ws(p + 1);
        }
        size_t k = token_len(p);
        const char *q = skip_ws(p + k);
        if (!k || *q != '=') {
            /* token68 after the scheme, or the next challenge's scheme */
            if (first && k && (*q == '=' || *q == 0 || *q == ',')) {
                while (*q == '=')
                    q++;
                p = skip_ws(q);
                first = false;
                continue;
            }
            p = start;
            break;
        }
        const char *name = p;
        q = skip_ws(q + 1);
        char *val = NULL;
        if (*q == '"') {
            if (!(val = quoted(q, &q, err)))
                return -err->code;
        } else {
            size_t vl = token_len(q);
            while (q[vl] == '/' || q[vl] == '=' || is_tchar(q[vl]))     /* token68 too */
                vl++;
            if (!(val = ivet_strndup(q, vl)))
                return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
            q += vl;
        }
        keep_param(c, name, k, &val);
        ivet_free(val);
        p = skip_ws(q);
        first = false;
    }
    *pp = p;
    return 0;
}

int ivet_reg_challenge_parse(const char *value, struct ivet_reg_challenge *c, struct ivet_err *err)
{
    memset(c, 0, sizeof(*c));
    if (!value || strnlen(value, MAX_CHALLENGE + 1) > MAX_CHALLENGE)
        return ivet_err_set(err, IVET_E_FORMAT, "WWW-Authenticate is missing or too long");
    const char *p = value;
    int best = 0;
    while (*(p = skip_ws(p))) {
        if (*p == ',') {
            p++;
            continue;
        }
        struct ivet_reg_challenge cur = { 0 };
        const char *before = p;
        if (read_challenge(&p, &cur, err) < 0) {
            ivet_reg_challenge_release(&cur);
            ivet_reg_challenge_release(c);
            return -err->code;
        }
        if (rank(cur.scheme) > best) {
            ivet_reg_challenge_release(c);
            *c = cur;
            best = rank(cur.scheme);
        } else {
            ivet_reg_challenge_release(&cur);
        }
        if (p == before)            /* cannot happen; never loop forever on odd input */
            break;
    }
    if (!best)
        return ivet_err_set(err, IVET_E_FORMAT, "WWW-Authenticate holds no challenge");
    return 0;
}

void ivet_reg_challenge_release(struct ivet_reg_challenge *c)
{
    ivet_free(c->realm);
    ivet_free(c->service);
    ivet_free(c->scope);
    memset(c, 0, sizeof(*c));
}
