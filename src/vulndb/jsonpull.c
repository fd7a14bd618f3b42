/* jsonpull.c: the pull JSON reader declared in jsonpull.h. Strict RFC 8259
 * syntax (no comments, no trailing commas), nesting capped at
 * IVET_JP_MAX_DEPTH, strings at 16 MiB; \u escapes become UTF-8 (a lone
 * surrogate becomes U+FFFD). */
#include "vulndb/jsonpull.h"

#include <stdio.h>
#include <string.h>

#define MAX_STRING (16u << 20)

static bool fail(struct ivet_jp *jp, const char *what)
{
    if (!jp->failed) {
        jp->failed = true;
        snprintf(jp->msg, sizeof(jp->msg), "%s at byte %zu", what, (size_t)(jp->p - jp->start));
    }
    return false;
}

void ivet_jp_init(struct ivet_jp *jp, const char *text, size_t len)
{
    memset(jp, 0, sizeof(*jp));
    jp->p = jp->start = text;
    jp->end = text + len;
    ivet_buf_init(&jp->key, 4096);
    ivet_buf_init(&jp->str, MAX_STRING);
}

void ivet_jp_release(struct ivet_jp *jp)
{
    ivet_buf_release(&jp->key);
    ivet_buf_release(&jp->str);
}

static void ws(struct ivet_jp *jp)
{
    while (jp->p < jp->end && (*jp->p == ' ' || *jp->p == '\t' || *jp->p == '\n' || *jp->p == '\r'))
        jp->p++;
}

/* Consumes the ',' between members/elements when one is due. */
static bool separator(struct ivet_jp *jp)
{
    ws(jp);
    if (jp->depth > 0 && jp->need_comma[jp->depth]) {
        if (jp->p >= jp->end || *jp->p != ',')
            return fail(jp, "expected ','");
        jp->p++;
        jp->need_comma[jp->depth] = false;
        ws(jp);
    }
    return true;
}

enum ivet_jp_type ivet_jp_peek(struct ivet_jp *jp)
{
    if (jp->failed)
        return IVET_JP_NONE;
    ws(jp);
    if (jp->p >= jp->end)
        return IVET_JP_NONE;
    switch (*jp->p) {
    case '{': return IVET_JP_OBJECT;
    case '[': return IVET_JP_ARRAY;
    case '"': return IVET_JP_STRING;
    case 't': return IVET_JP_TRUE;
    case 'f': return IVET_JP_FALSE;
    case 'n': return IVET_JP_NULL;
    default:
        return (*jp->p == '-' || (*jp->p >= '0' && *jp->p <= '9')) ? IVET_JP_NUMBER : IVET_JP_NONE;
    }
}

static bool push(struct ivet_jp *jp, char open)
{
    ws(jp);
    if (jp->p >= jp->end || *jp->p != open)
        return fail(jp, open == '{' ? "expected '{'" : "expected '['");
    if (jp->depth == IVET_JP_MAX_DEPTH)
        return fail(jp, "nesting too deep");
    jp->p++;
    jp->need_comma[++jp->depth] = false;
    return true;
}

/* After a value inside a container, the next one needs a comma. */
static void value_done(struct ivet_jp *jp)
{
    if (jp->depth > 0)
        jp->need_comma[jp->depth] = true;
}

static bool pop_if(struct ivet_jp *jp, char close)
{
    ws(jp);
    if (jp->p < jp->end && *jp->p == close) {
        jp->p++;
        jp->depth--;
        value_done(jp);
        return true;
    }
    return false;
}

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

static bool put_utf8(struct ivet_buf *b, unsigned cp, struct ivet_err *e)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (char)(0xf0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    return ivet_buf_append(b, u, n, e) == 0;
}

/* Reads a string token at jp->p into b (or just validates when b is NULL). */
static bool read_string(struct ivet_jp *jp, struct ivet_buf *b)
{
    struct ivet_err e = IVET_ERR_INIT;
    if (b)
        ivet_buf_reset(b);
    jp->p++;                                    /* opening quote */
    for (;;) {
        const char *run = jp->p;
        while (jp->p < jp->end && *jp->p != '"' && *jp->p != '\\' && (unsigned char)*jp->p >= 0x20)
            jp->p++;
        if (b && jp->p > run && ivet_buf_append(b, run, (size_t)(jp->p - run), &e) < 0)
            goto toolong;
        if (jp->p >= jp->end)
            return fail(jp, "unterminated string");
        if (*jp->p == '"') {
            jp->p++;
            if (b && ivet_buf_append(b, "", 0, &e) < 0)
                goto toolong;
            return true;
        }
        if ((unsigned char)*jp->p < 0x20)
            return fail(jp, "control character in string");
        if (jp->end - jp->p < 2)
            return fail(jp, "unterminated string");
        char c = jp->p[1], out;
        jp->p += 2;
        switch (c) {
        case '"': out = '"'; break;
        case '\\': out = '\\'; break;
        case '/': out = '/'; break;
        case 'b': out = '\b'; break;
        case 'f': out = '\f'; break;
        case 'n': out = '\n'; break;
        case 'r': out = '\r'; break;
        case 't': out = '\t'; break;
        case 'u': {
            int cp = jp->end - jp->p >= 4 ? hex4(jp->p) : -1;
            if (cp < 0)
                return fail(jp, "bad \\u escape");
            jp->p += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && jp->end - jp->p >= 6 && jp->p[0] == '\\' &&
                jp->p[1] == 'u') {
                int lo = hex4(jp->p + 2);
                if (lo >= 0xdc00 && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    jp->p += 6;
                }
            }
            if (cp >= 0xd800 && cp < 0xe000)
                cp = 0xfffd;
            if (cp == 0)
                cp = 0xfffd;                    /* keep strings NUL-free */
            if (b && !put_utf8(b, (unsigned)cp, &e))
                goto toolong;
            continue;
        }
        default:
            return fail(jp, "bad escape");
        }
        if (b && ivet_buf_append(b, &out, 1, &e) < 0)
            goto toolong;
    }
toolong:
    ivet_err_release(&e);
    return fail(jp, "string too long");
}

bool ivet_jp_obj_begin(struct ivet_jp *jp)
{
    return !jp->failed && separator(jp) && push(jp, '{');
}

const char *ivet_jp_obj_next(struct ivet_jp *jp)
{
    if (jp->failed || pop_if(jp, '}'))
        return NULL;
    if (!separator(jp))
        return NULL;
    if (jp->p >= jp->end || *jp->p != '"')
        return fail(jp, "expected a member name"), NULL;
    if (!read_string(jp, &jp->key))
        return NULL;
    ws(jp);
    if (jp->p >= jp->end || *jp->p != ':')
        return fail(jp, "expected ':'"), NULL;
    jp->p++;
    /* the value follows without a comma */
    jp->need_comma[jp->depth] = false;
    return jp->key.ptr ? jp->key.ptr : "";
}

bool ivet_jp_arr_begin(struct ivet_jp *jp)
{
    return !jp->failed && separator(jp) && push(jp, '[');
}

bool ivet_jp_arr_next(struct ivet_jp *jp)
{
    if (jp->failed || pop_if(jp, ']'))
        return false;
    if (!separator(jp))
        return false;
    if (jp->p >= jp->end)
        return fail(jp, "unterminated array");
    return true;
}

static bool literal(struct ivet_jp *jp, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, word, n) != 0)
        return fail(jp, "bad literal");
    jp->p += n;
    return true;
}

static bool number(struct ivet_jp *jp)
{
    const char *s = jp->p;
    if (jp->p < jp->end && *jp->p == '-')
        jp->p++;
    const char *d = jp->p;
    while (jp->p < jp->end && *jp->p >= '0' && *jp->p <= '9')
        jp->p++;
    if (jp->p == d || (*d == '0' && jp->p - d > 1))
        return fail(jp, "bad number");
    if (jp->p < jp->end && *jp->p == '.') {
        d = ++jp->p;
        while (jp->p < jp->end && *jp->p >= '0' && *jp->p <= '9')
            jp->p++;
        if (jp->p == d)
            return fail(jp, "bad number");
    }
    if (jp->p < jp->end && (*jp->p == 'e' || *jp->p == 'E')) {
        jp->p++;
        if (jp->p < jp->end && (*jp->p == '+' || *jp->p == '-'))
            jp->p++;
        d = jp->p;
        while (jp->p < jp->end && *jp->p >= '0' && *jp->p <= '9')
            jp->p++;
        if (jp->p == d)
            return fail(jp, "bad number");
    }
    return jp->p > s;
}

/* A scalar at jp->p (after the separator). */
static bool scalar(struct ivet_jp *jp, struct ivet_buf *b)
{
    bool ok;
    switch (ivet_jp_peek(jp)) {
    case IVET_JP_STRING: ok = read_string(jp, b); break;
    case IVET_JP_NUMBER: ok = number(jp); break;
    case IVET_JP_TRUE: ok = literal(jp, "true"); break;
    case IVET_JP_FALSE: ok = literal(jp, "false"); break;
    case IVET_JP_NULL: ok = literal(jp, "null"); break;
    default: ok = fail(jp, "expected a value"); break;
    }
    if (ok)
        value_done(jp);
    return ok;
}

bool ivet_jp_skip(struct ivet_jp *jp)
{
    if (jp->failed || !separator(jp))
        return false;
    enum ivet_jp_type t = ivet_jp_peek(jp);
    if (t != IVET_JP_OBJECT && t != IVET_JP_ARRAY)
        return scalar(jp, NULL);
    /* containers iteratively: nesting is bounded by IVET_JP_MAX_DEPTH anyway */
    int base = jp->depth;
    if (!push(jp, *jp->p))
        return false;
    bool obj[IVET_JP_MAX_DEPTH + 2];
    obj[jp->depth] = t == IVET_JP_OBJECT;
    while (jp->depth > base) {
        if (pop_if(jp, obj[jp->depth] ? '}' : ']'))
            continue;
        if (!separator(jp))
            return false;
        if (obj[jp->depth]) {
            if (jp->p >= jp->end || *jp->p != '"' || !read_string(jp, NULL))
                return fail(jp, "expected a member name");
            ws(jp);
            if (jp->p >= jp->end || *jp->p != ':')
                return fail(jp, "expected ':'");
            jp->p++;
            ws(jp);
        }
        enum ivet_jp_type v = ivet_jp_peek(jp);
        if (v == IVET_JP_OBJECT || v == IVET_JP_ARRAY) {
            jp->need_comma[jp->depth] = true;
            if (!push(jp, *jp->p))
                return false;
            obj[jp->depth] = v == IVET_JP_OBJECT;
        } else if (!scalar(jp, NULL)) {
            return false;
        }
    }
    return !jp->failed;
}

const char *ivet_jp_string(struct ivet_jp *jp, size_t *len)
{
    if (jp->failed || !separator(jp))
        return NULL;
    if (ivet_jp_peek(jp) != IVET_JP_STRING) {
        ivet_jp_skip(jp);
        return NULL;
    }
    if (!scalar(jp, &jp->str))
        return NULL;
    if (len)
        *len = jp->str.len;
    return jp->str.ptr ? jp->str.ptr : "";
}

bool ivet_jp_finish(struct ivet_jp *jp)
{
    ws(jp);
    if (!jp->failed && jp->depth != 0)
        fail(jp, "unterminated value");
    if (!jp->failed && jp->p != jp->end)
        fail(jp, "trailing data");
    return !jp->failed;
}

bool ivet_jp_failed(const struct ivet_jp *jp)
{
    return jp->failed;
}

const char *ivet_jp_error(const struct ivet_jp *jp)
{
    return jp->failed ? jp->msg : "no error";
}
