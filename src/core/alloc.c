/* alloc.c: the one place that calls malloc, with a hook that makes the Nth
 * allocation fail so tests can walk every error path (curl's torture mode). */
#include "core/core.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_long fail_countdown = -1;

void ivet_alloc_fail_after(long n)
{
    atomic_store(&fail_countdown, n);
}

static bool should_fail(void)
{
    long v = atomic_load(&fail_countdown);
    while (v >= 0) {
        if (v == 0)
            return true;
        if (atomic_compare_exchange_weak(&fail_countdown, &v, v - 1))
            return false;
    }
    return false;
}

void *ivet_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    return malloc(n ? n : 1);
}

void *ivet_calloc(size_t nmemb, size_t size)
{
    if (should_fail())
        return NULL;
    return calloc(nmemb ? nmemb : 1, size ? size : 1);
}

void *ivet_realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    return realloc(p, n ? n : 1);
}

void *ivet_reallocarray(void *p, size_t nmemb, size_t size)
{
    if (size && nmemb > SIZE_MAX / size)
        return NULL;
    return ivet_realloc(p, nmemb * size);
}

char *ivet_strndup(const char *s, size_t n)
{
    size_t l = strnlen(s, n);
    char *d = ivet_malloc(l + 1);
    if (d) {
        memcpy(d, s, l);
        d[l] = 0;
    }
    return d;
}

char *ivet_strdup(const char *s)
{
    return ivet_strndup(s, SIZE_MAX);
}

void ivet_free(void *p)
{
    free(p);
}

char *ivet_asprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = ivet_malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

void *ivet_raw_malloc(size_t n)
{
    return malloc(n ? n : 1);
}

void ivet_raw_free(void *p)
{
    free(p);
}

void ivet_assert_fail(const char *cond, const char *file, int line)
{
    fprintf(stderr, "imagevet: BUG: assertion '%s' failed at %s:%d\n", cond, file, line);
    abort();
}
