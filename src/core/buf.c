/* buf.c: growable byte buffers that refuse to grow past their cap. */
#include "core/core.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void ivet_buf_init(struct ivet_buf *b, size_t max)
{
    b->ptr = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

void ivet_buf_release(struct ivet_buf *b)
{
    ivet_free(b->ptr);
    b->ptr = NULL;
    b->len = b->cap = 0;
}

void ivet_buf_reset(struct ivet_buf *b)
{
    b->len = 0;
    if (b->ptr)
        b->ptr[0] = 0;
}

static int grow(struct ivet_buf *b, size_t add, struct ivet_err *err)
{
    if (add > b->max || b->len > b->max - add)
        return ivet_err_set(err, IVET_E_LIMIT, "buffer would exceed its limit of %zu bytes", b->max);
    size_t need = b->len + add + 1;
    if (need <= b->cap)
        return 0;
    size_t nc = b->cap ? b->cap : 64;
    while (nc < need)
        nc = nc > SIZE_MAX / 2 ? need : nc * 2;
    char *p = ivet_realloc(b->ptr, nc);
    if (!p)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory growing a buffer to %zu bytes", nc);
    b->ptr = p;
    b->cap = nc;
    return 0;
}

int ivet_buf_append(struct ivet_buf *b, const void *p, size_t n, struct ivet_err *err)
{
    int r = grow(b, n, err);
    if (r < 0)
        return r;
    if (n)
        memcpy(b->ptr + b->len, p, n);
    b->len += n;
    b->ptr[b->len] = 0;
    return 0;
}

int ivet_buf_puts(struct ivet_buf *b, const char *s, struct ivet_err *err)
{
    return ivet_buf_append(b, s, strlen(s), err);
}

int ivet_buf_printf(struct ivet_buf *b, struct ivet_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return ivet_err_set(err, IVET_E_INTERNAL, "bad format string");
    int r = grow(b, (size_t)n, err);
    if (r < 0)
        return r;
    va_start(ap, fmt);
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

char *ivet_buf_detach(struct ivet_buf *b)
{
    char *p = b->ptr;
    if (!p)
        p = ivet_strdup("");
    b->ptr = NULL;
    b->len = b->cap = 0;
    return p;
}

const uint8_t *ivet_bytes_find(struct ivet_bytes hay, struct ivet_bytes needle)
{
    if (needle.len == 0)
        return hay.ptr;
    if (needle.len > hay.len)
        return NULL;
    return memmem(hay.ptr, hay.len, needle.ptr, needle.len);
}
