/* capture.c: a per-layer store of file contents kept for image-level checks. */
#include "analyze/capture.h"

#include <string.h>

struct ivet_captures {
    struct ivet_capture *v;
    size_t n, cap;
    size_t cur_cap;             /* allocated bytes of the capture being filled */
};

struct ivet_captures *ivet_captures_new(struct ivet_err *err)
{
    struct ivet_captures *c = ivet_calloc(1, sizeof(*c));
    if (!c)
        ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    return c;
}

void ivet_captures_free(struct ivet_captures *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        ivet_free(c->v[i].path);
        ivet_free((void *)c->v[i].content.ptr);
    }
    ivet_free(c->v);
    ivet_free(c);
}

int ivet_captures_begin(struct ivet_captures *c, const char *path, int layer, struct ivet_err *err)
{
    /* A later entry for the same path in the same layer replaces the earlier. */
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->v[i].path, path) == 0) {
            struct ivet_capture old = c->v[i];
            memmove(c->v + i, c->v + i + 1, (c->n - i - 1) * sizeof(*c->v));
            c->n--;
            ivet_free(old.path);
            ivet_free((void *)old.content.ptr);
            break;
        }
    }
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 16;
        struct ivet_capture *v = ivet_reallocarray(c->v, nc, sizeof(*v));
        if (!v)
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory capturing '%s'", path);
        c->v = v;
        c->cap = nc;
    }
    char *p = ivet_strdup(path);
    if (!p)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory capturing '%s'", path);
    c->v[c->n++] = (struct ivet_capture){ .path = p, .layer = layer };
    c->cur_cap = 0;
    return 0;
}

int ivet_captures_data(struct ivet_captures *c, const void *p, size_t n, uint64_t max,
                       struct ivet_err *err)
{
    IVET_ASSERT(c->n > 0);
    struct ivet_capture *x = &c->v[c->n - 1];
    size_t have = x->content.len;
    if (have >= max) {
        x->truncated = x->truncated || n > 0;
        return 0;
    }
    if (n > max - have) {
        n = (size_t)(max - have);
        x->truncated = true;
    }
    if (have + n + 1 > c->cur_cap) {
        size_t nc = c->cur_cap ? c->cur_cap : 4096;
        while (nc < have + n + 1)
            nc *= 2;
        uint8_t *b = ivet_realloc((void *)x->content.ptr, nc);
        if (!b)
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory capturing '%s'", x->path);
        x->content.ptr = b;
        c->cur_cap = nc;
    }
    uint8_t *b = (uint8_t *)x->content.ptr;
    memcpy(b + have, p, n);
    x->content.len = have + n;
    b[x->content.len] = 0;      /* captured text can be used as a C string */
    return 0;
}

const struct ivet_capture *ivet_captures_find(const struct ivet_captures *c, const char *path)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->v[i].path, path) == 0)
            return &c->v[i];
    return NULL;
}

size_t ivet_captures_count(const struct ivet_captures *c)
{
    return c->n;
}

const struct ivet_capture *ivet_captures_at(const struct ivet_captures *c, size_t i)
{
    return &c->v[i];
}
