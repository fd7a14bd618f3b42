/* packages_text.c: line splitting and trimming for the text-format parsers,
 * and the one place a parsed package is stamped with its file and layer. */
#include "analyze/packages.h"

#include <string.h>

bool ivet_text_line(struct ivet_bytes b, size_t *pos, const char **line, size_t *n)
{
    if (*pos >= b.len)
        return false;
    const char *s = (const char *)b.ptr + *pos;
    size_t left = b.len - *pos;
    const char *nl = memchr(s, '\n', left);
    size_t len = nl ? (size_t)(nl - s) : left;
    *pos += len + (nl ? 1 : 0);
    if (len && s[len - 1] == '\r')
        len--;
    *line = s;
    *n = len;
    return true;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

char *ivet_text_trimdup(const char *p, size_t n)
{
    while (n && blank(*p)) {
        p++;
        n--;
    }
    while (n && blank(p[n - 1]))
        n--;
    return ivet_strndup(p, n);
}

int ivet_pkg_emit(const struct ivet_pkgctx *c, struct ivet_package *p, struct ivet_err *err)
{
    p->path = (char *)c->path;
    p->layer = c->layer;
    if (!c->sink.emit)
        return 0;
    return c->sink.emit(c->sink.arg, p, err);
}
