/* purl.c: package URLs as the package-url specification writes them. Only
 * encoding lives here; what goes in each component is each parser's call. */
#include "analyze/packages.h"

#include <stdlib.h>
#include <string.h>

static bool purl_plain(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '-' || c == '_' || c == '~' || c == ':';
}

int ivet_purl_encode(struct ivet_buf *b, const char *s, struct ivet_err *err)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (purl_plain(*p)) {
            if (ivet_buf_append(b, p, 1, err) < 0)
                return -IVET_E_NOMEM;
        } else {
            char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };
            if (ivet_buf_append(b, e, 3, err) < 0)
                return -IVET_E_NOMEM;
        }
    }
    return 0;
}

static int qual_cmp(const void *a, const void *b)
{
    const struct ivet_purl_qual *x = a, *y = b;
    return strcmp(x->key, y->key);
}

/* Namespace segments are encoded one by one; empty segments are dropped. */
static int encode_ns(struct ivet_buf *b, const char *ns, struct ivet_err *err)
{
    const char *p = ns;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n) {
            char *seg = ivet_strndup(p, n);
            if (!seg)
                return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
            int r = ivet_purl_encode(b, seg, err);
            ivet_free(seg);
            if (r < 0 || ivet_buf_append(b, "/", 1, err) < 0)
                return -IVET_E_NOMEM;
        }
        p += n + (slash ? 1 : 0);
    }
    return 0;
}

char *ivet_purl(const char *type, const char *ns, const char *name, const char *version,
                const struct ivet_purl_qual *q, size_t nq)
{
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_buf b;
    struct ivet_purl_qual sorted[16];
    char *out = NULL;

    ivet_buf_init(&b, 64 * 1024);
    if (nq > IVET_ARRAY_LEN(sorted))
        nq = IVET_ARRAY_LEN(sorted);
    size_t ns_ = 0;
    for (size_t i = 0; i < nq; i++)
        if (q[i].value && *q[i].value)
            sorted[ns_++] = q[i];
    qsort(sorted, ns_, sizeof(*sorted), qual_cmp);

    if (ivet_buf_puts(&b, "pkg:", &err) < 0 || ivet_buf_puts(&b, type, &err) < 0 ||
        ivet_buf_puts(&b, "/", &err) < 0)
        goto out;
    if (ns && encode_ns(&b, ns, &err) < 0)
        goto out;
    if (ivet_purl_encode(&b, name, &err) < 0)
        goto out;
    if (version && *version &&
        (ivet_buf_puts(&b, "@", &err) < 0 || ivet_purl_encode(&b, version, &err) < 0))
        goto out;
    for (size_t i = 0; i < ns_; i++) {
        if (ivet_buf_puts(&b, i ? "&" : "?", &err) < 0 || ivet_buf_puts(&b, sorted[i].key, &err) < 0 ||
            ivet_buf_puts(&b, "=", &err) < 0 || ivet_purl_encode(&b, sorted[i].value, &err) < 0)
            goto out;
    }
    out = ivet_buf_detach(&b);
out:
    ivet_buf_release(&b);
    ivet_err_release(&err);
    return out;
}

char *ivet_purl_distro(const char *id, const char *version_id)
{
    if (!id || !*id)
        return NULL;
    if (!version_id || !*version_id)
        return ivet_strdup(id);
    return ivet_asprintf("%s-%s", id, version_id);
}
