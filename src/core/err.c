/* err.c: the error record every fallible function fills (see include/imagevet/error.h). */
#include "core/core.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name, *desc;
    int exit;
} codes[] = {
#define X(name, num, ex, d) [num] = { #name, d, ex },
    IVET_ERROR_TABLE(X)
#undef X
};
#define NCODES (sizeof(codes) / sizeof(codes[0]))

const char *ivet_err_name(enum ivet_code c)
{
    return (size_t)c < NCODES && codes[c].name ? codes[c].name : "IVET_E_UNKNOWN";
}

const char *ivet_err_desc(enum ivet_code c)
{
    return (size_t)c < NCODES && codes[c].desc ? codes[c].desc : "unknown error";
}

int ivet_err_exit_status(enum ivet_code c)
{
    return (size_t)c < NCODES ? codes[c].exit : 2;
}

const char *ivet_err_msg(const struct ivet_err *err)
{
    return err->msg ? err->msg : ivet_err_desc(err->code);
}

/* Messages are formatted with plain malloc so that an error can still be
 * recorded while ivet_alloc is failing on purpose (allocation-failure tests). */
static char *vfmt(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return NULL;
    char *s = ivet_raw_malloc((size_t)n + 1);
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

int ivet_err_set(struct ivet_err *err, enum ivet_code code, const char *fmt, ...)
{
    if (!err)
        return -(int)code;
    va_list ap;
    va_start(ap, fmt);
    char *m = vfmt(fmt, ap);
    va_end(ap);
    ivet_raw_free(err->msg);
    err->msg = m;
    err->code = code;
    err->sys_errno = 0;
    return -(int)code;
}

int ivet_err_sys(struct ivet_err *err, enum ivet_code code, const char *fmt, ...)
{
    int e = errno;
    if (!err)
        return -(int)code;
    va_list ap;
    va_start(ap, fmt);
    char *m = vfmt(fmt, ap);
    va_end(ap);
    ivet_raw_free(err->msg);
    err->msg = NULL;
    err->code = code;
    err->sys_errno = e;
    if (m) {
        const char *es = strerror(e);
        size_t n = strlen(m) + strlen(es) + 3;
        err->msg = ivet_raw_malloc(n);
        if (err->msg)
            snprintf(err->msg, n, "%s: %s", m, es);
        ivet_raw_free(m);
    }
    return -(int)code;
}

int ivet_err_wrap(struct ivet_err *err, const char *fmt, ...)
{
    if (!err)
        return -IVET_E_INTERNAL;
    if (err->code == IVET_OK)
        err->code = IVET_E_INTERNAL;
    va_list ap;
    va_start(ap, fmt);
    char *ctx = vfmt(fmt, ap);
    va_end(ap);
    if (!ctx)
        return -(int)err->code;
    const char *inner = ivet_err_msg(err);
    size_t n = strlen(ctx) + strlen(inner) + 3;
    char *m = ivet_raw_malloc(n);
    if (m) {
        snprintf(m, n, "%s: %s", ctx, inner);
        ivet_raw_free(err->msg);
        err->msg = m;
    }
    ivet_raw_free(ctx);
    return -(int)err->code;
}

void ivet_err_release(struct ivet_err *err)
{
    if (!err)
        return;
    ivet_raw_free(err->msg);
    err->msg = NULL;
    err->code = IVET_OK;
    err->sys_errno = 0;
}

void ivet_err_move(struct ivet_err *dst, struct ivet_err *src)
{
    ivet_err_release(dst);
    *dst = *src;
    src->msg = NULL;
    src->code = IVET_OK;
    src->sys_errno = 0;
}
