/* packages_python.c: installed Python distributions: *.dist-info/METADATA
 * and *.egg-info/PKG-INFO, both email-style headers (core metadata). */
#include "analyze/packages.h"

#include <ctype.h>
#include <string.h>

/* PEP 503 normalisation for the purl name: lowercase, runs of -_. -> '-'. */
static char *pep503(const char *s)
{
    size_t n = strlen(s);
    char *o = ivet_malloc(n + 1);
    if (!o)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '-' || ch == '_' || ch == '.') {
            if (j && o[j - 1] == '-')
                continue;
            o[j++] = '-';
        } else {
            o[j++] = (char)tolower((unsigned char)ch);
        }
    }
    o[j] = 0;
    return o;
}

int ivet_python_meta_parse(struct ivet_bytes b, const struct ivet_pkgctx *c, struct ivet_err *err)
{
    char *name = NULL, *version = NULL, *license = NULL, *expr = NULL, *norm = NULL, *purl = NULL;
    size_t pos = 0, n;
    const char *line;
    int ret = 0;
    while (ivet_text_line(b, &pos, &line, &n)) {
        if (n == 0)
            break;                      /* the body (description) follows */
        if (line[0] == ' ' || line[0] == '\t')
            continue;
        const char *colon = memchr(line, ':', n);
        if (!colon)
            continue;
        size_t kl = (size_t)(colon - line);
        char **dst = NULL;
        if (kl == 4 && !strncasecmp(line, "Name", 4))
            dst = &name;
        else if (kl == 7 && !strncasecmp(line, "Version", 7))
            dst = &version;
        else if (kl == 7 && !strncasecmp(line, "License", 7))
            dst = &license;
        else if (kl == 18 && !strncasecmp(line, "License-Expression", 18))
            dst = &expr;
        if (!dst || *dst)
            continue;                   /* the first occurrence wins */
        if (!(*dst = ivet_text_trimdup(colon + 1, n - kl - 1)))
            goto nomem;
    }
    if (!name || !version || !*name || !*version) {
        ivet_pkg_malformed(c);
        goto out;
    }
    if (!(norm = pep503(name)) || !(purl = ivet_purl("pypi", NULL, norm, version, NULL, 0)))
        goto nomem;
    const char *lic = expr && *expr ? expr : license;
    if (lic && (!*lic || !strcmp(lic, "UNKNOWN")))
        lic = NULL;
    struct ivet_package p = {
        .type = "pypi", .name = name, .version = version, .purl = purl, .license = (char *)lic,
    };
    ret = ivet_pkg_emit(c, &p, err);
    ret = ret < 0 ? ret : 1;
    goto out;
nomem:
    ret = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
out:
    ivet_free(name);
    ivet_free(version);
    ivet_free(license);
    ivet_free(expr);
    ivet_free(norm);
    ivet_free(purl);
    return ret;
}
